#!/usr/bin/env bash
# Fetch the real sample images (scikit-image's bundled data files) and build the
# offline demo dataset that `make demo` uses. See scripts/README.md.
#
#   scripts/fetch_samples.sh        # idempotent: each step is skipped when its output exists
#
# Writes (all git-ignored):
#   .cache/venv-data/          venv with numpy + Pillow (pinned below)
#   .cache/downloads/          the scikit-image wheel, SHA-256 verified
#   .cache/skimage-data/       the few image files taken from the wheel's skimage/data/
#   demo/data/<class>/*.png    labeled tiles (3 classes), demo/data/README.md
#   demo/new/*.png             held-out unlabeled tiles for `tl predict`
#
# Needs python3 with the venv module (Debian: apt-get install python3-venv) and
# access to PyPI the first time (about 30 MB); after that it runs offline.
# Env: PYTHON (default python3), VENV (default .cache/venv-data), FORCE=1 rebuilds demo/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
VENV="${VENV:-$CACHE/venv-data}"
PYTHON="${PYTHON:-python3}"
DOWNLOADS="$CACHE/downloads"
SKDATA="$CACHE/skimage-data"
DEMO="$ROOT/demo"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

REQUIREMENTS="numpy==2.4.6 pillow==12.1.1"

# One fixed wheel, whatever the host: the data files are the same in every wheel of a
# release, so pin the platform too and the SHA-256 below stays valid on any machine.
SKIMAGE_VERSION=0.26.0
WHEEL="scikit_image-0.26.0-cp312-cp312-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl"
WHEEL_SHA256="7df650e79031634ac90b11e64a9eedaf5a5e06fcd09bcd03a34be01745744466"
# Files taken from skimage/data/ (README.txt for provenance; the rest are images).
SAMPLES="README.txt ihc.png retina.jpg cell.png chelsea.png coffee.png microaneurysms.png camera.png"

log() { echo "fetch_samples: $*" >&2; }

# 1. The venv (numpy + Pillow), reused while its stamp matches REQUIREMENTS.
if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV"
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV" || {
        rm -rf "$VENV"
        log "'$PYTHON -m venv' failed; on Debian: apt-get install python3-venv"
        exit 1
    }
fi
PY="$VENV/bin/python"
if [ "$(cat "$VENV/.requirements" 2>/dev/null)" != "$REQUIREMENTS" ]; then
    log "installing $REQUIREMENTS"
    # shellcheck disable=SC2086
    "$PY" -m pip install -q --only-binary=:all: $REQUIREMENTS
    echo "$REQUIREMENTS" > "$VENV/.requirements"
fi

sha256() { "$PY" -c 'import hashlib,sys; print(hashlib.file_digest(open(sys.argv[1],"rb"),"sha256").hexdigest())' "$1"; }

# 2. The scikit-image wheel, verified.
mkdir -p "$DOWNLOADS"
if [ -f "$DOWNLOADS/$WHEEL" ] && [ "$(sha256 "$DOWNLOADS/$WHEEL")" != "$WHEEL_SHA256" ]; then
    log "removing $DOWNLOADS/$WHEEL: SHA-256 mismatch"
    rm -f "$DOWNLOADS/$WHEEL"
fi
if [ ! -f "$DOWNLOADS/$WHEEL" ]; then
    log "downloading scikit-image $SKIMAGE_VERSION (one wheel, only its data files are used)"
    "$PY" -m pip download -q --no-deps --only-binary=:all: \
        --platform manylinux_2_28_x86_64 --python-version 3.12 --implementation cp --abi cp312 \
        "scikit-image==$SKIMAGE_VERSION" -d "$DOWNLOADS"
    got="$(sha256 "$DOWNLOADS/$WHEEL")"
    if [ "$got" != "$WHEEL_SHA256" ]; then
        rm -f "$DOWNLOADS/$WHEEL"
        log "SHA-256 mismatch for $WHEEL: expected $WHEEL_SHA256, got $got"
        exit 1
    fi
fi

# 3. The needed files of skimage/data/, extracted with Python's zipfile (no unzip).
missing=""
for f in $SAMPLES; do [ -s "$SKDATA/$f" ] || missing="$missing $f"; done
if [ -n "$missing" ]; then
    log "extracting$missing into $SKDATA"
    mkdir -p "$SKDATA"
    # shellcheck disable=SC2086
    "$PY" - "$DOWNLOADS/$WHEEL" "$SKDATA" $missing <<'PY'
import os, sys, tempfile, zipfile
wheel, dest, names = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(wheel) as z:
    for name in names:
        data = z.read("skimage/data/" + name)
        fd, tmp = tempfile.mkstemp(dir=dest, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, os.path.join(dest, name))
PY
fi

# 4. The demo dataset, rebuilt when the generator, its README section or the wheel changed.
stamp="$(sha256 "$ROOT/scripts/make_demo_dataset.py") $(sha256 "$ROOT/scripts/README.md") $WHEEL_SHA256"
if [ "${FORCE:-0}" = 1 ] || [ "$(cat "$DEMO/.stamp" 2>/dev/null)" != "$stamp" ]; then
    "$PY" "$ROOT/scripts/make_demo_dataset.py" --source "$SKDATA" --output "$DEMO"
    echo "$stamp" > "$DEMO/.stamp"
else
    log "$DEMO is up to date (FORCE=1 rebuilds it)"
fi
