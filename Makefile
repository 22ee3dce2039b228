# tl — the two commands users need are `make demo` and `make test` (see README.md).

SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := pkg-config libhdf5-dev libopenblas-dev libpng-dev libjpeg-dev
# A build for the machine it runs on: lets the Swift loops use AVX2/AVX-512.
RELEASE_FLAGS := -c release -Xswiftc -target-cpu -Xswiftc native
TL := .build/release/tl

.PHONY: demo test deps build bench clean

## demo: install what is missing, build tl in release mode and run its main job
demo: deps build
	$(TL) --version
	$(TL) self-check

## test: install what is missing, build and run the whole test suite
test: deps
	swift build --build-tests
	swift test --skip-build

## deps: the system libraries (apt-get), installed only when missing
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	swift build $(RELEASE_FLAGS) --product tl

## bench: engine micro-benchmarks (convolution vs bare GEMM, depthwise vs bandwidth)
bench: deps
	swift build $(RELEASE_FLAGS) --product tl-bench
	.build/release/tl-bench

clean:
	rm -rf .build
