#!/usr/bin/env bash
# Decode + resize + preprocess of 224x224 inputs from 512x512 JPEGs and PNGs: tl against Pillow
# on the same files in the same run, and tl's loader against the default model's forward pass.
#
#   benchmarks/bench_decode.sh
#
# 1. writes the images (benchmarks/make_decode_images.py) into $IMAGES unless it already holds
#    $COUNT of them; needs the sample photos (`make samples`) and a Python with numpy + Pillow;
# 2. builds tl-bench in release mode for this CPU (`swift build -c release -Xswiftc -target-cpu
#    -Xswiftc native --product tl-bench`, plus $SWIFT_BUILD_FLAGS);
# 3. runs `tl-bench decode` and benchmarks/decode_pillow.py back to back ($ROUNDS times in turn)
#    and prints their reports and a summary table with the ratios.
#
# Env: IMAGES (default .cache/bench-images), COUNT (200), REPEAT (5 runs, the median is kept),
#      ROUNDS (3: both programs run in turn this many times; the summary keeps each one's best),
#      THREADS (loader threads and Pool processes; default: every core), PYTHON (default:
#      .venv-fixtures/bin/python, else .cache/venv-data/bin/python from `make samples`),
#      TL_BENCH (default .build/release/tl-bench), SWIFT_BUILD_FLAGS (e.g. "--scratch-path
#      .build-x", with TL_BENCH=.build-x/release/tl-bench), SKIP_BUILD=1 to use TL_BENCH as is.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
IMAGES="${IMAGES:-.cache/bench-images}"
COUNT="${COUNT:-200}"
REPEAT="${REPEAT:-5}"
ROUNDS="${ROUNDS:-3}"
THREADS="${THREADS:-$(nproc)}"
TL_BENCH="${TL_BENCH:-.build/release/tl-bench}"
if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv-fixtures/bin/python ]; then PYTHON=.venv-fixtures/bin/python
    elif [ -x .cache/venv-data/bin/python ]; then PYTHON=.cache/venv-data/bin/python
    else
        echo "bench_decode: no Python with numpy and Pillow; run \`make samples\` or set PYTHON" >&2
        exit 1
    fi
fi
log() { echo "bench_decode: $*" >&2; }

# 1. The images.
present=$(find "$IMAGES" -maxdepth 1 \( -name '*.jpg' -o -name '*.png' \) 2>/dev/null | wc -l)
if [ "$present" -lt "$COUNT" ]; then
    log "writing $COUNT images into $IMAGES"
    "$PYTHON" benchmarks/make_decode_images.py "$IMAGES" --count "$COUNT"
fi

# 2. tl-bench.
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    # shellcheck disable=SC2086  # SWIFT_BUILD_FLAGS is a list of flags
    swift build -c release -Xswiftc -target-cpu -Xswiftc native --product tl-bench ${SWIFT_BUILD_FLAGS:-} >&2
fi
[ -x "$TL_BENCH" ] || { log "no $TL_BENCH (set TL_BENCH, or build it)"; exit 1; }

# 3. Both, back to back, $ROUNDS times in turn. On a shared machine the load changes from minute
#    to minute, so the summary keeps each figure's best round, and also sets the CPU time per
#    image side by side, which other work hardly changes.
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
load() { uptime | sed 's/.*load average/load average/'; }
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; $THREADS threads / processes; median of $REPEAT runs; $ROUNDS rounds"
for round in $(seq 1 "$ROUNDS"); do
    echo "# round $round, before: $(load)"
    echo
    "$TL_BENCH" decode --images "$IMAGES" --threads "$THREADS" --repeat "$REPEAT" | tee "$out/tl.$round.md"
    "$PYTHON" benchmarks/decode_pillow.py "$IMAGES" --processes "$THREADS" --repeat "$REPEAT" | tee "$out/pillow.$round.md"
done
echo "# after: $(load)"
echo
"$PYTHON" benchmarks/summarize_decode.py "$out" "$ROUNDS" "$THREADS"
