#!/usr/bin/env bash
# Create (or reuse) the development venv with TensorFlow, tf_keras (Keras 2),
# Keras 3, h5py, Pillow and numpy at the versions in requirements-keras.txt,
# for fixture and parity scripts. Not needed to build or test tl.
#
#   scripts/keras_env.sh            # creates ./.venv-tf (git-ignored), prints versions
#   VENV=/path/to/venv scripts/keras_env.sh
#   .venv-tf/bin/python scripts/verify_efficientnet_lite0.py --images DIR
#
# About 2.2 GB on disk and 1-2 minutes of downloads from PyPI the first time.
# Needs python3 with the venv module (Debian: apt-get install python3-venv).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQ="$ROOT/scripts/requirements-keras.txt"
VENV="${VENV:-$ROOT/.venv-tf}"
PYTHON="${PYTHON:-python3}"
STAMP="$VENV/.requirements.sha256"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ]; then
    echo "keras_env: creating $VENV" >&2
    "$PYTHON" -m venv "$VENV" || {
        rm -rf "$VENV"
        echo "keras_env: '$PYTHON -m venv' failed; on Debian: apt-get install python3-venv" >&2
        exit 1
    }
fi
if [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
    echo "keras_env: installing $REQ" >&2
    "$VENV/bin/python" -m pip install -q -r "$REQ"
    echo "$want" > "$STAMP"
fi

TF_CPP_MIN_LOG_LEVEL=3 "$VENV/bin/python" - <<'PY' 2>/dev/null
import importlib.metadata as md, sys
names = ["tensorflow", "tf_keras", "keras", "h5py", "pillow", "numpy"]
print(f"python {sys.version.split()[0]}; " + ", ".join(f"{n} {md.version(n)}" for n in names))
PY
echo "$VENV"
