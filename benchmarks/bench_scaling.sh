#!/usr/bin/env bash
# How tl's run time and memory scale (issue 6), so users can predict a run: forward
# throughput against batch size and threads, and `tl extract-features` against the number
# of images, beside the Keras script that does the same job.
#
#   benchmarks/bench_scaling.sh [--quick] [--no-forward] [--no-extract] [--counts "100 1000 10000"]
#                               [--threads-list "1 2"] [--batches "1 8 32 64"] [--models "..."]
#                               [--extract-threads N] [--rounds N]
#
# 1. creates .venv-bench as bench_peers.sh does (benchmarks/peers/requirements.txt:
#    TensorFlow, tf_keras, numpy, Pillow, ...; reinstalled when that file changes) and
#    the weights it uses: .cache/bench-peers/{resnet50,mobilenetv2}.h5 (seeded, written by
#    benchmarks/peers/keras_forward.py) and models/efficientnet_lite0.h5 (models/build.sh);
# 2. builds tl-bench and tl in release mode for this CPU, unless TL_BENCH_BIN / TL_BIN
#    name binaries (SWIFT_SCRATCH_PATH passes --scratch-path to the builds);
# 3. forward pass, 224×224: `tl-bench forward` for every (model, batch, threads) in its
#    own process (two warm-ups, then at least REPEAT passes and MIN_SECONDS, the median;
#    max RSS of that process), models ResNet50, MobileNetV2, EfficientNet-Lite0, batches
#    1 8 32 64, threads 1 2;
# 4. end to end: synthetic JPEG folders of 100, 1,000 and 10,000 images (two classes,
#    300-600 px sides, seeded; benchmarks/make_synthetic_images.py, written once into
#    $BENCH_DIR/images-N/), then for each count `tl extract-features DIR --output F.npy`
#    and benchmarks/peers/keras_extract.py (same Lite0 model, avg_pool, batch 32), one
#    after the other in alternating order: wall time, CPU time and max RSS of the whole
#    process (GNU time, else os.wait4);
# 5. prints the summary (benchmarks/summarize_scaling.py): images/s by batch and threads,
#    peak RSS, extract-features wall time, images/s and seconds per 1,000 images with a
#    fitted fixed cost + per-image cost to extrapolate, and issue 6's memory target (peak
#    RSS flat in the number of images and below Keras's); saved as
#    $BENCH_DIR/summary-<time>.md beside the raw JSON lines results-<time>.jsonl.
#
# Duration on a quiet 2-core machine, estimated from smoke runs: about 15 minutes (writing
# the 11,100 images once about 4, the 24 forward processes about 4, extract-features about
# 6, of which tl's 10,000 images 3-4); up to twice that when other work shares the cores.
# --quick: batches 1 and 8, counts 100 and 1000, at least 3 passes and 1 s per process
# (about 3 minutes). Explicit flags win over --quick, --quick over the environment.
#
# Environment: THREADS_LIST ("1 2"), BATCHES ("1 8 32 64"), MODELS, COUNTS
# ("100 1000 10000"), EXTRACT_THREADS (2), ROUNDS (1), REPEAT (5), MIN_SECONDS (3), SEED
# (1, the images), TL_EXTRACT_FLAGS (extra flags for tl extract-features, e.g.
# "--resize squash" as Keras resizes), VENV, BENCH_DIR (.cache/bench-scaling),
# PEERS_DIR (.cache/bench-peers, the weights), TL_BENCH_BIN, TL_BIN, SWIFT_SCRATCH_PATH,
# PYTHON (for the venv).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
THREADS_LIST="${THREADS_LIST:-1 2}"
BATCHES="${BATCHES:-1 8 32 64}"
MODELS="${MODELS:-resnet50 mobilenetv2 efficientnet-lite0}"
COUNTS="${COUNTS:-100 1000 10000}"
EXTRACT_THREADS="${EXTRACT_THREADS:-2}"
ROUNDS="${ROUNDS:-1}"
REPEAT="${REPEAT:-5}"
MIN_SECONDS="${MIN_SECONDS:-3}"
SEED="${SEED:-1}"
TL_EXTRACT_FLAGS="${TL_EXTRACT_FLAGS:-}"
VENV="${VENV:-$ROOT/.venv-bench}"
BENCH_DIR="${BENCH_DIR:-$ROOT/.cache/bench-scaling}"
PEERS_DIR="${PEERS_DIR:-$ROOT/.cache/bench-peers}"
PYTHON="${PYTHON:-python3}"
LITE0="$ROOT/models/efficientnet_lite0.h5"
PEERS="$ROOT/benchmarks/peers"
DO_FORWARD=1
DO_EXTRACT=1
QUICK=0

# Flags given explicitly are applied after --quick, wherever they stand.
declare -A GIVEN=()
need() { [ $# -ge 2 ] || { echo "bench_scaling: $1 needs a value (see --help)" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1; shift ;;
        --no-forward) DO_FORWARD=0; shift ;;
        --no-extract) DO_EXTRACT=0; shift ;;
        --counts) need "$@"; GIVEN[COUNTS]="$2"; shift 2 ;;
        --threads-list) need "$@"; GIVEN[THREADS_LIST]="$2"; shift 2 ;;
        --batches) need "$@"; GIVEN[BATCHES]="$2"; shift 2 ;;
        --models) need "$@"; GIVEN[MODELS]="$2"; shift 2 ;;
        --extract-threads) need "$@"; GIVEN[EXTRACT_THREADS]="$2"; shift 2 ;;
        --rounds) need "$@"; GIVEN[ROUNDS]="$2"; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench_scaling: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
if [ "$QUICK" = 1 ]; then
    BATCHES="1 8"; COUNTS="100 1000"; REPEAT=3; MIN_SECONDS=1
fi
for name in "${!GIVEN[@]}"; do printf -v "$name" '%s' "${GIVEN[$name]}"; done
# Commas are accepted too ("1,2,4").
THREADS_LIST="${THREADS_LIST//,/ }"; BATCHES="${BATCHES//,/ }"; MODELS="${MODELS//,/ }"; COUNTS="${COUNTS//,/ }"
for value in $THREADS_LIST $BATCHES $COUNTS $EXTRACT_THREADS $ROUNDS; do
    [[ "$value" =~ ^[1-9][0-9]*$ ]] || { echo "bench_scaling: '$value' is not a positive whole number" >&2; exit 2; }
done
for model in $MODELS; do
    case "$model" in resnet50|mobilenetv2|efficientnet-lite0) ;;
        *) echo "bench_scaling: unknown model $model (resnet50, mobilenetv2, efficientnet-lite0)" >&2; exit 2 ;;
    esac
done

say() { echo "bench_scaling: $*" >&2; }
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 TF_CPP_MIN_LOG_LEVEL=3

# --- 1. the Python environment and the weights ------------------------------------------
source "$ROOT/benchmarks/bench_common.sh"
ensure_venv "$VENV" "$PYTHON"

[ -f "$LITE0" ] || bash models/build.sh
mkdir -p "$BENCH_DIR/extract"
if [ "$DO_FORWARD" = 1 ]; then
    if [ ! "$PEERS_DIR/resnet50.h5" -nt "$PEERS/keras_forward.py" ] || [ ! "$PEERS_DIR/mobilenetv2.h5" -nt "$PEERS/keras_forward.py" ]; then
        say "writing the Keras weights files into $PEERS_DIR"
        mkdir -p "$PEERS_DIR"
        (cd "$PEERS" && "$PY" keras_forward.py --write-weights "$PEERS_DIR") 2> >(grep -v -E 'absl::InitializeLog|port.cc|cudart_stub' >&2)
    fi
fi

# --- 2. the tl binaries --------------------------------------------------------------------
SCRATCH=()
[ -n "${SWIFT_SCRATCH_PATH:-}" ] && SCRATCH=(--scratch-path "$SWIFT_SCRATCH_PATH")
BIN_DIR="${SWIFT_SCRATCH_PATH:-.build}/release"
if [ "$DO_FORWARD" = 1 ] && [ -z "${TL_BENCH_BIN:-}" ]; then
    say "building tl-bench (release, -target-cpu native)"
    swift build -c release -Xswiftc -target-cpu -Xswiftc native --product tl-bench "${SCRATCH[@]}" >&2
    TL_BENCH_BIN="$BIN_DIR/tl-bench"
fi
if [ "$DO_EXTRACT" = 1 ] && [ -z "${TL_BIN:-}" ]; then
    say "building tl (release, -target-cpu native)"
    swift build -c release -Xswiftc -target-cpu -Xswiftc native --product tl "${SCRATCH[@]}" >&2
    TL_BIN="$BIN_DIR/tl"
fi
TL_BENCH_BIN="${TL_BENCH_BIN:-}"
TL_BIN="${TL_BIN:-}"

# --- 3. the images, written once per count ---------------------------------------------------
if [ "$DO_EXTRACT" = 1 ]; then
    for count in $COUNTS; do
        [ "$count" -ge 2 ] || { say "--counts: at least 2 images (one per class)"; exit 2; }
        # Leaves a folder whose record matches as it is (and says so when it writes one).
        "$PY" benchmarks/make_synthetic_images.py "$BENCH_DIR/images-$count" --count "$count" --seed "$SEED" > /dev/null
    done
fi

# --- measuring -------------------------------------------------------------------------------
STAMP_TIME=$(date +%Y%m%d-%H%M%S)
RESULTS="$BENCH_DIR/results-$STAMP_TIME.jsonl"
: > "$RESULTS"
# The commit, read from .git without running git (a worktree's .git file is left out).
commit() {
    local head hash=""
    head=$(cat .git/HEAD 2>/dev/null) || head=""
    case "$head" in
        "ref: "*) hash=$(cat ".git/${head#ref: }" 2>/dev/null || grep " ${head#ref: }\$" .git/packed-refs 2>/dev/null | cut -d' ' -f1) || true ;;
        *) hash="$head" ;;
    esac
    echo "${hash:-unknown}"
}
meta "date" "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta "cpu" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB"
meta "uptime before" "$(uptime)"
meta "source" "commit $(commit | cut -c1-12) (uncommitted changes not checked)"
[ -n "$TL_BIN" ] && meta "tl" "$("$TL_BIN" --version 2>/dev/null | tr '\n' ';')"
meta "binaries" "$(for b in "$TL_BENCH_BIN" "$TL_BIN"; do [ -n "$b" ] && [ -e "$b" ] && printf '%s built %s; ' "$b" "$(date -r "$b" '+%Y-%m-%d %H:%M')"; done)"
meta "swift" "$(swift --version 2>/dev/null | head -1)"
meta "settings" "rounds $ROUNDS; forward: models $MODELS, batches $BATCHES, threads $THREADS_LIST, at least $REPEAT passes and $MIN_SECONDS s per process; extract: counts $COUNTS, $EXTRACT_THREADS threads, tl flags '${TL_EXTRACT_FLAGS}'"



run_forward() {
    local model="$1" batch="$2" threads="$3" round="$4" load
    load=$(load1)
    # OpenBLAS's pool follows --threads in tl; the variables keep anything else to the same count.
    OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" \
        "$TL_BENCH_BIN" forward --threads "$threads" --models "$model" --batches "$batch" \
        --weights-dir "$PEERS_DIR" --lite0 "$LITE0" --repeat "$REPEAT" --min-seconds "$MIN_SECONDS" \
        | grep '^{' | sed "s/^{/{\"round\": $round, \"load1\": $load, \"threads_asked\": $threads, /" | tee -a "$RESULTS" >&2
}

run_extract() {
    local framework="$1" count="$2" round="$3" load wall rss user sys status images dimension extra
    local data="$BENCH_DIR/images-$count" out="$BENCH_DIR/extract/$framework-$count"
    load=$(load1)
    rm -f "$out.npy" "$out.rows.csv" "$out.rows.txt"
    if [ "$framework" = tl ]; then
        # shellcheck disable=SC2086  # TL_EXTRACT_FLAGS is a list of flags
        read -r wall rss user sys status < <(timed "$out.log" env OMP_NUM_THREADS="$EXTRACT_THREADS" OPENBLAS_NUM_THREADS="$EXTRACT_THREADS" \
                                      "$TL_BIN" extract-features "$data" --output "$out.npy" --threads "$EXTRACT_THREADS" --quiet $TL_EXTRACT_FLAGS)
        read -r images dimension < <(sed -n 's/^\([0-9]*\) images × \([0-9]*\) features.*/\1 \2/p' "$out.log" | tail -1; echo)
        extra=""
    else
        read -r wall rss user sys status < <(timed "$out.log" env OMP_NUM_THREADS="$EXTRACT_THREADS" OPENBLAS_NUM_THREADS="$EXTRACT_THREADS" \
                                      MKL_NUM_THREADS="$EXTRACT_THREADS" "$PY" "$PEERS/keras_extract.py" "$data" \
                                      --output "$out.npy" --model "$LITE0" --threads "$EXTRACT_THREADS")
        extra=$(grep '^{' "$out.log" | tail -1 | sed 's/^{"bench": "extract", "framework": "keras", //; s/}$//')
        images=$(sed -n 's/.*"images": \([0-9]*\).*/\1/p' <<< "$extra")
        dimension=$(sed -n 's/.*"dimension": \([0-9]*\).*/\1/p' <<< "$extra")
        [ -n "$extra" ] && extra=", \"in_script\": {$extra}"
    fi
    printf '{"bench": "extract", "framework": "%s", "round": %s, "load1": %s, "count": %s, "images": %s, "dimension": %s, "threads": %s, "exit": %s, "wall_s": %s, "user_s": %s, "sys_s": %s, "max_rss_mb": %.1f%s}\n' \
        "$framework" "$round" "$load" "$count" "${images:-null}" "${dimension:-null}" "$EXTRACT_THREADS" "${status:--1}" "$wall" "$user" "$sys" \
        "$(echo "$rss" | awk '{print $1 * 1024 / 1e6}')" "$extra" | tee -a "$RESULTS" >&2
}

for ((round = 1; round <= ROUNDS; round++)); do
    if [ "$DO_FORWARD" = 1 ]; then
        for model in $MODELS; do
            say "forward, round $round of $ROUNDS: $model, batches $BATCHES, threads $THREADS_LIST"
            for threads in $THREADS_LIST; do
                for batch in $BATCHES; do
                    run_forward "$model" "$batch" "$threads" "$round" || say "failed: $model batch $batch threads $threads"
                done
            done
        done
    fi
    if [ "$DO_EXTRACT" = 1 ]; then
        k=0
        for count in $COUNTS; do
            say "extract-features, round $round of $ROUNDS: $count images"
            # The files into the page cache first, so that no one program pays for the disk.
            find "$BENCH_DIR/images-$count" -name '*.jpg' -exec cat {} + > /dev/null
            if (((k + round) % 2)); then order=(tl keras); else order=(keras tl); fi
            for framework in "${order[@]}"; do run_extract "$framework" "$count" "$round"; done
            k=$((k + 1))
        done
    fi
done
meta "uptime after" "$(uptime)"

SUMMARY="$BENCH_DIR/summary-$STAMP_TIME.md"
"$PY" benchmarks/summarize_scaling.py "$RESULTS" --images-dir "$BENCH_DIR" | tee "$SUMMARY"
say "raw results: $RESULTS; summary: $SUMMARY"
