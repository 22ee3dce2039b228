#!/usr/bin/env bash
# tl against TensorFlow-Keras and ONNX Runtime on the same CPU (issue 6), side by side.
#
#   benchmarks/bench_peers.sh [--threads N] [--rounds N] [--quick] [--no-forward] [--no-extract]
#                             [--no-train | --no-train-step --no-finetune --no-retrain-head]
#
# 1. creates .venv-bench (idempotent; benchmarks/peers/requirements.txt: TensorFlow,
#    tf_keras, ONNX Runtime, tf2onnx; about 2 GB and 1-2 minutes the first time);
# 2. writes the shared weights into $BENCH_DIR (default .cache/bench-peers): ResNet50 and
#    MobileNetV2 from tf_keras.applications with seeded random weights (resnet50.h5,
#    mobilenetv2.h5, the Keras 2 weights-only layout tl reads as it is), and the three
#    models as ONNX (tf2onnx); EfficientNet-Lite0 is models/efficientnet_lite0.h5
#    (made by models/build.sh when missing);
# 3. builds tl-bench in release mode for this CPU unless TL_BENCH_BIN names a binary, and
#    tl (TL_BIN, default .build/release/tl) only when it is missing (SWIFT_SCRATCH_PATH
#    passes --scratch-path to the builds);
# 4. forward pass, 224×224, batch 1 and 32: every (model, batch, framework) in its own
#    process, rounds interleaved (tl, Keras, ORT, in an order that rotates every round),
#    each process reporting the median of its runs after two warm-ups;
# 5. end to end: `tl extract-features DATA --output tl.npy` against
#    benchmarks/peers/keras_extract.py on the same folder (EXTRACT_DATA, default demo/data),
#    wall time and max RSS of the whole process;
# 6. training, tl against TF-Keras (--no-train skips all three; each has its own flag):
#    a. --no-train-step: one step of `finetune --unfreeze $UNFREEZE`, ResNet50 from
#       $BENCH_DIR/resnet50.h5 with a new softmax head, batch $TRAIN_BATCH, 224×224 (whole
#       network forward, backward through the unfrozen top, Adam): `tl-bench train-step`
#       against benchmarks/peers/keras_train.py step, each in its own process, median
#       after two warm-ups, like the forward pass;
#    b. --no-finetune: `tl finetune TRAIN_DATA --model resnet50.h5 --unfreeze $UNFREEZE
#       --epochs $FINETUNE_EPOCHS --batch-size $TRAIN_BATCH` (no augmentation, so tl caches
#       the activations entering the unfrozen blocks) against keras_train.py fit (model.fit,
#       decoded images cached in memory); the first epoch and the later ones separately
#       (tl's from its report.json, see benchmarks/peers/run_record.py), wall time and max
#       RSS of the whole process;
#    c. --no-retrain-head: `tl retrain-head TRAIN_DATA` (default model, the same file as
#       $LITE0, all its defaults) against keras_retrain_head.py, each run twice: features
#       computed (empty cache), then again with its feature cache; whole process, as 5.
# 7. prints one summary (benchmarks/peers/summarize.py), also saved as
#    $BENCH_DIR/summary-<time>.md beside the raw JSON lines results-<time>.jsonl.
#
# Environment: THREADS (2), ROUNDS (3), REPEAT (5 runs at least per process),
# MIN_SECONDS (3 s of measuring at least per process), MODELS, BATCHES, EXTRACT_DATA,
# TRAIN_DATA (demo/data), UNFREEZE (3), TRAIN_BATCH (32), FINETUNE_EPOCHS (3),
# VENV, BENCH_DIR, TL_BENCH_BIN, TL_BIN, SWIFT_SCRATCH_PATH, PYTHON (for the venv).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-3}"
REPEAT="${REPEAT:-5}"
MIN_SECONDS="${MIN_SECONDS:-3}"
MODELS="${MODELS:-resnet50 mobilenetv2 efficientnet-lite0}"
BATCHES="${BATCHES:-1 32}"
EXTRACT_DATA="${EXTRACT_DATA:-demo/data}"
TRAIN_DATA="${TRAIN_DATA:-demo/data}"
UNFREEZE="${UNFREEZE:-3}"
TRAIN_BATCH="${TRAIN_BATCH:-32}"
FINETUNE_EPOCHS="${FINETUNE_EPOCHS:-3}"
VENV="${VENV:-$ROOT/.venv-bench}"
BENCH_DIR="${BENCH_DIR:-$ROOT/.cache/bench-peers}"
PYTHON="${PYTHON:-python3}"
LITE0="$ROOT/models/efficientnet_lite0.h5"
PEERS="$ROOT/benchmarks/peers"
DO_FORWARD=1
DO_EXTRACT=1
DO_TRAIN_STEP=1
DO_FINETUNE=1
DO_RETRAIN_HEAD=1

while [ $# -gt 0 ]; do
    case "$1" in
        --threads) THREADS="$2"; shift 2 ;;
        --rounds) ROUNDS="$2"; shift 2 ;;
        --quick) ROUNDS=1; REPEAT=3; MIN_SECONDS=1; shift ;;
        --no-forward) DO_FORWARD=0; shift ;;
        --no-extract) DO_EXTRACT=0; shift ;;
        --no-train) DO_TRAIN_STEP=0; DO_FINETUNE=0; DO_RETRAIN_HEAD=0; shift ;;
        --no-train-step) DO_TRAIN_STEP=0; shift ;;
        --no-finetune) DO_FINETUNE=0; shift ;;
        --no-retrain-head) DO_RETRAIN_HEAD=0; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench_peers: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

say() { echo "bench_peers: $*" >&2; }
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 TF_CPP_MIN_LOG_LEVEL=3
# The Python peers' own thread pools are set per framework in the scripts; these keep
# any OpenMP or BLAS underneath them to the same count.
export OMP_NUM_THREADS="$THREADS" OPENBLAS_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS"

# --- 1. the Python environment -------------------------------------------------------
source "$ROOT/benchmarks/bench_common.sh"
ensure_venv "$VENV" "$PYTHON"

# --- 2. the models, identical for every framework -------------------------------------
[ -f "$LITE0" ] || bash models/build.sh
mkdir -p "$BENCH_DIR"
if [ ! "$BENCH_DIR/resnet50.h5" -nt "$PEERS/keras_forward.py" ] || [ ! "$BENCH_DIR/mobilenetv2.h5" -nt "$PEERS/keras_forward.py" ]; then
    say "writing the Keras weights files into $BENCH_DIR"
    (cd "$PEERS" && "$PY" keras_forward.py --write-weights "$BENCH_DIR") 2> >(grep -v -E 'absl::InitializeLog|port.cc|cudart_stub' >&2)
fi
need_onnx=0
for m in resnet50 mobilenetv2 efficientnet-lite0; do
    onnx="$BENCH_DIR/$m.onnx"
    src="$BENCH_DIR/$m.h5"; [ "$m" = efficientnet-lite0 ] && src="$LITE0"
    if [ ! "$onnx" -nt "$src" ] || [ ! "$onnx" -nt "$PEERS/onnx_forward.py" ]; then need_onnx=1; fi
done
if [ "$need_onnx" = 1 ]; then
    say "converting the models to ONNX (tf2onnx)"
    (cd "$PEERS" && "$PY" onnx_forward.py --convert "$BENCH_DIR" --lite0 "$LITE0") 2> >(grep -v -E 'absl::InitializeLog|port.cc|cudart_stub|^WARNING|tf2onnx.tf' >&2)
fi

# --- 3. the tl binaries -----------------------------------------------------------------
SCRATCH=()
[ -n "${SWIFT_SCRATCH_PATH:-}" ] && SCRATCH=(--scratch-path "$SWIFT_SCRATCH_PATH")
BIN_DIR="${SWIFT_SCRATCH_PATH:-.build}/release"
if [ -z "${TL_BENCH_BIN:-}" ]; then
    say "building tl-bench (release, -target-cpu native)"
    swift build -c release -Xswiftc -target-cpu -Xswiftc native --product tl-bench "${SCRATCH[@]}" >&2
    TL_BENCH_BIN="$BIN_DIR/tl-bench"
fi
TL_BIN="${TL_BIN:-.build/release/tl}"
if [ "$DO_EXTRACT$DO_FINETUNE$DO_RETRAIN_HEAD" != 000 ] && [ ! -x "$TL_BIN" ]; then
    say "building tl (release, -target-cpu native)"
    swift build -c release -Xswiftc -target-cpu -Xswiftc native --product tl "${SCRATCH[@]}" >&2
    TL_BIN="$BIN_DIR/tl"
fi

# --- measuring ----------------------------------------------------------------------------
STAMP_TIME=$(date +%Y%m%d-%H%M%S)
RESULTS="$BENCH_DIR/results-$STAMP_TIME.jsonl"
: > "$RESULTS"
meta "date" "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta "cpu" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB"
meta "uptime before" "$(uptime)"
meta "tl" "$("$TL_BIN" --version 2>/dev/null | tr '\n' ';' || echo "$TL_BENCH_BIN")"
meta "source" "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(git status --porcelain 2>/dev/null | wc -l) uncommitted path(s) in the working tree"
meta "binaries" "$(for b in "$TL_BENCH_BIN" "$TL_BIN"; do [ -e "$b" ] && printf '%s built %s; ' "$b" "$(date -r "$b" '+%Y-%m-%d %H:%M')"; done)"
meta "swift" "$(swift --version 2>/dev/null | head -1)"
meta "openblas" "$(dpkg-query -W -f='${Package} ${Version}' libopenblas0-pthread 2>/dev/null || echo unknown)"
meta "settings" "threads $THREADS, rounds $ROUNDS, at least $REPEAT runs and $MIN_SECONDS s per process, batches $BATCHES"
meta "training settings" "data $TRAIN_DATA, unfreeze $UNFREEZE, batch $TRAIN_BATCH, finetune epochs $FINETUNE_EPOCHS"

# Appends a process's JSON lines to the results, tagged with the round and the load.
record() {
    local round="$1" load="$2"
    grep '^{' | sed "s/^{/{\"round\": $round, \"load1\": $load, /" | tee -a "$RESULTS" >&2 || true
}

run_forward() {
    local framework="$1" model="$2" batch="$3" round="$4" load
    load=$(load1)
    case "$framework" in
        tl) "$TL_BENCH_BIN" forward --threads "$THREADS" --models "$model" --batches "$batch" \
                --weights-dir "$BENCH_DIR" --lite0 "$LITE0" --repeat "$REPEAT" --min-seconds "$MIN_SECONDS" ;;
        keras) (cd "$PEERS" && "$PY" keras_forward.py --model "$model" --batch "$batch" --weights-dir "$BENCH_DIR" \
                --lite0 "$LITE0" --threads "$THREADS" --repeat "$REPEAT" --min-seconds "$MIN_SECONDS" 2>/dev/null) ;;
        onnxruntime) (cd "$PEERS" && "$PY" onnx_forward.py --model "$model" --batch "$batch" --onnx-dir "$BENCH_DIR" \
                --threads "$THREADS" --repeat "$REPEAT" --min-seconds "$MIN_SECONDS") ;;
    esac | record "$round" "$load"
}


run_extract() {
    local framework="$1" round="$2" load wall rss images extra
    load=$(load1)
    mkdir -p "$BENCH_DIR/extract"
    if [ "$framework" = tl ]; then
        read -r wall rss _ < <(timed "$BENCH_DIR/extract/tl.log" "$TL_BIN" extract-features "$EXTRACT_DATA" \
                                 --output "$BENCH_DIR/extract/tl.npy" --threads "$THREADS" --quiet)
        images=$(grep -o '^[0-9]* images' "$BENCH_DIR/extract/tl.log" | cut -d' ' -f1)
        extra=""
    else
        read -r wall rss _ < <(timed "$BENCH_DIR/extract/keras.log" "$PY" "$PEERS/keras_extract.py" "$EXTRACT_DATA" \
                                 --output "$BENCH_DIR/extract/keras.npy" --model "$LITE0" --threads "$THREADS")
        extra=$(grep '^{' "$BENCH_DIR/extract/keras.log" | tail -1 | sed 's/^{"bench": "extract", "framework": "keras", //; s/}$//')
        images=$(wc -l < "$BENCH_DIR/extract/keras.rows.txt")
        extra=", \"in_script\": {$extra}"
    fi
    printf '{"bench": "extract", "framework": "%s", "round": %s, "load1": %s, "images": %s, "wall_s": %s, "max_rss_mb": %.1f%s}\n' \
        "$framework" "$round" "$load" "$images" "$wall" "$(echo "$rss" | awk '{print $1 * 1024 / 1e6}')" "$extra" | tee -a "$RESULTS" >&2
}

# --- training -------------------------------------------------------------------------
TRAIN_DIR="$BENCH_DIR/train"
# The new classifier has one output per class folder, in the step as in the real runs.
TRAIN_CLASSES=$(find "$TRAIN_DATA" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | wc -l)

run_train_step() {
    local framework="$1" round="$2" load
    load=$(load1)
    case "$framework" in
        tl) "$TL_BENCH_BIN" train-step --threads "$THREADS" --models resnet50 --batch "$TRAIN_BATCH" \
                --unfreeze "$UNFREEZE" --classes "$TRAIN_CLASSES" --weights-dir "$BENCH_DIR" \
                --repeat "$REPEAT" --min-seconds "$MIN_SECONDS" ;;
        keras) "$PY" "$PEERS/keras_train.py" step --weights-dir "$BENCH_DIR" --batch "$TRAIN_BATCH" \
                --unfreeze "$UNFREEZE" --classes "$TRAIN_CLASSES" --threads "$THREADS" \
                --repeat "$REPEAT" --min-seconds "$MIN_SECONDS" 2>/dev/null ;;
    esac | record "$round" "$load"
}

# Appends run_record.py's line (the run's own figures + wall time and max RSS) to the results.
record_run() {
    "$PY" "$PEERS/run_record.py" "$@" | tee -a "$RESULTS" >&2
}

run_finetune() {
    local framework="$1" round="$2" load wall rss
    load=$(load1)
    mkdir -p "$TRAIN_DIR"
    if [ "$framework" = tl ]; then
        # A stale report must not stand in for a failed run. The head stage's feature
        # cache is kept across rounds (it is not part of the epochs compared).
        rm -rf "$TRAIN_DIR/finetune-tl"
        read -r wall rss _ < <(timed "$TRAIN_DIR/finetune-tl.log" "$TL_BIN" finetune "$TRAIN_DATA" \
                                 --model "$BENCH_DIR/resnet50.h5" --unfreeze "$UNFREEZE" --epochs "$FINETUNE_EPOCHS" \
                                 --batch-size "$TRAIN_BATCH" --threads "$THREADS" --quiet \
                                 --cache-dir "$TRAIN_DIR/tl-features" --output "$TRAIN_DIR/finetune-tl/model.h5")
        record_run --bench finetune --framework tl --report "$TRAIN_DIR/finetune-tl/report.json" \
            --epochs "$FINETUNE_EPOCHS" --round "$round" --load1 "$load" --wall "$wall" --rss-kb "$rss"
    else
        rm -f "$TRAIN_DIR/finetune-keras.h5"
        read -r wall rss _ < <(timed "$TRAIN_DIR/finetune-keras.log" "$PY" "$PEERS/keras_train.py" fit "$TRAIN_DATA" \
                                 --weights-dir "$BENCH_DIR" --unfreeze "$UNFREEZE" --epochs "$FINETUNE_EPOCHS" \
                                 --batch "$TRAIN_BATCH" --threads "$THREADS" --output "$TRAIN_DIR/finetune-keras.h5")
        record_run --bench finetune --framework keras --log "$TRAIN_DIR/finetune-keras.log" \
            --round "$round" --load1 "$load" --wall "$wall" --rss-kb "$rss"
    fi
}

# `run_retrain_head FRAMEWORK ROUND`: a first run with an empty feature cache, then the
# same command again (features from its cache).
run_retrain_head() {
    local framework="$1" round="$2" load wall rss run
    mkdir -p "$TRAIN_DIR"
    if [ "$framework" = tl ]; then rm -rf "$TRAIN_DIR/tl-head-cache"; else rm -f "$TRAIN_DIR/keras-head-features.npz"; fi
    for run in first cached; do
        load=$(load1)
        if [ "$framework" = tl ]; then
            rm -rf "$TRAIN_DIR/head-tl"
            # TL_MODELS_DIR: tl's default model is then the very file Keras loads.
            read -r wall rss _ < <(timed "$TRAIN_DIR/head-tl-$run.log" env TL_MODELS_DIR="$(dirname "$LITE0")" \
                                     "$TL_BIN" retrain-head "$TRAIN_DATA" --output "$TRAIN_DIR/head-tl/model.h5" \
                                     --cache-dir "$TRAIN_DIR/tl-head-cache" --threads "$THREADS" --quiet)
            record_run --bench retrain-head --framework tl --run "$run" --report "$TRAIN_DIR/head-tl/report.json" \
                --log "$TRAIN_DIR/head-tl-$run.log" --round "$round" --load1 "$load" --wall "$wall" --rss-kb "$rss"
        else
            rm -f "$TRAIN_DIR/head-keras.h5"
            read -r wall rss _ < <(timed "$TRAIN_DIR/head-keras-$run.log" "$PY" "$PEERS/keras_retrain_head.py" "$TRAIN_DATA" \
                                     --output "$TRAIN_DIR/head-keras.h5" --model "$LITE0" \
                                     --features-cache "$TRAIN_DIR/keras-head-features.npz" --threads "$THREADS")
            record_run --bench retrain-head --framework keras --run "$run" --log "$TRAIN_DIR/head-keras-$run.log" \
                --round "$round" --load1 "$load" --wall "$wall" --rss-kb "$rss"
        fi
    done
}

FRAMEWORKS=(tl keras onnxruntime)
for ((round = 1; round <= ROUNDS; round++)); do
    if [ "$DO_FORWARD" = 1 ]; then
        say "forward, round $round of $ROUNDS"
        for model in $MODELS; do
            for batch in $BATCHES; do
                for ((k = 0; k < 3; k++)); do
                    framework="${FRAMEWORKS[$(((k + round - 1) % 3))]}"
                    run_forward "$framework" "$model" "$batch" "$round" || say "failed: $framework $model batch $batch"
                done
            done
        done
    fi
    if [ "$DO_EXTRACT" = 1 ]; then
        say "extract-features, round $round of $ROUNDS"
        if ((round % 2)); then order=(tl keras); else order=(keras tl); fi
        for framework in "${order[@]}"; do run_extract "$framework" "$round"; done
    fi
    # Training: tl first in odd rounds, Keras first in even ones.
    if ((round % 2)); then order=(tl keras); else order=(keras tl); fi
    if [ "$DO_TRAIN_STEP" = 1 ]; then
        say "training step, round $round of $ROUNDS"
        for framework in "${order[@]}"; do run_train_step "$framework" "$round" || say "failed: $framework train-step"; done
    fi
    if [ "$DO_FINETUNE" = 1 ]; then
        say "finetune epochs, round $round of $ROUNDS"
        for framework in "${order[@]}"; do run_finetune "$framework" "$round" || say "failed: $framework finetune"; done
    fi
    if [ "$DO_RETRAIN_HEAD" = 1 ]; then
        say "retrain-head, round $round of $ROUNDS"
        for framework in "${order[@]}"; do run_retrain_head "$framework" "$round" || say "failed: $framework retrain-head"; done
    fi
done
meta "uptime after" "$(uptime)"

SUMMARY="$BENCH_DIR/summary-$STAMP_TIME.md"
"$PY" "$PEERS/summarize.py" "$RESULTS" --extract-dir "$BENCH_DIR/extract" | tee "$SUMMARY"
say "raw results: $RESULTS; summary: $SUMMARY"
