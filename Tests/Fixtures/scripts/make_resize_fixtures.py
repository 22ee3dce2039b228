#!/usr/bin/env python3
"""Writes the resize fixtures under Tests/Fixtures/resize/.

Two small source pictures and, for a list of (filter, output size, box) cases, what the
references make of them:

  pillow-u8   Image.fromarray(u8).resize(size, filter, box=box): what a Keras/PIL pipeline gets.
              Pillow computes in fixed point (22-bit coefficients), rounds the horizontal pass to
              8 bits before the vertical one and rounds the result, so a float resize differs
              from it by up to about 1.
  pillow-f    The same on each channel in mode "F" (double coefficients, float32 storage): the
              exact arithmetic `tl` re-derives, so the tolerance is 1e-3.
  tf          tf.image.resize(x, (h, w), method, antialias=False): Keras's
              image_dataset_from_directory default, which `tl` reproduces with antialias: false.

Pillow 13.0 runs the vertical pass first when it sheds more than twice as many rows as the
horizontal pass sheds columns (earlier releases always start horizontally); with bicubic
clipping the order shows, and the 60x10 case checks that `tl` follows it.

The mode "F" source is squeezed into [48, 207] so that bicubic overshoot never leaves
[0, 255]: `tl` clips after each pass, as Pillow does on 8-bit images, and on that source
clipping must not change anything (the script checks that it does not).

manifest.json lists sources (raw u8 or float32 little-endian, HWC RGB) and cases.

Usage (from the repository root; needs Pillow, numpy and TensorFlow, e.g. the .venv-tf venv):
    .venv-tf/bin/python Tests/Fixtures/scripts/make_resize_fixtures.py
"""

import json
import os
import shutil
from pathlib import Path

import numpy as np
import PIL
from PIL import Image

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "resize"
WIDTH, HEIGHT = 37, 29  # odd, non-square, prime-ish so no scale factor is an integer
RNG = np.random.default_rng(20240612)
FILTERS = {"bilinear": Image.Resampling.BILINEAR, "bicubic": Image.Resampling.BICUBIC}

manifest = {"generator": f"Pillow {PIL.__version__}, TensorFlow {tf.__version__}, numpy {np.__version__}",
            "sources": [], "cases": []}


def source_u8():
    """Smooth ramps plus strong noise and a hard-edged square: both smooth areas and edges."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    rgb = np.stack([x * 255 / (WIDTH - 1), y * 255 / (HEIGHT - 1), (x + y) * 255 / (WIDTH + HEIGHT - 2)], axis=-1)
    rgb += RNG.normal(0, 40, size=rgb.shape)
    rgb[8:17, 11:23] = [250, 5, 128]
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def write_source(name, values):
    suffix = "u8" if values.dtype == np.uint8 else "f32"
    data = values.tobytes() if suffix == "u8" else values.astype("<f4").tobytes()
    (OUT / f"{name}.{suffix}").write_bytes(data)
    manifest["sources"].append({"name": name, "file": f"{name}.{suffix}",
                                "width": int(values.shape[1]), "height": int(values.shape[0])})


def record(name, source, reference, filter_name, size, box, antialias, values, tolerance):
    values = np.asarray(values)
    assert values.shape == (size[1], size[0], 3), (name, values.shape)
    suffix = "u8" if values.dtype == np.uint8 else "f32"
    data = values.tobytes() if suffix == "u8" else values.astype("<f4").tobytes()
    (OUT / f"{name}.{suffix}").write_bytes(data)
    manifest["cases"].append({"name": name, "source": source, "reference": reference, "filter": filter_name,
                              "width": size[0], "height": size[1], "box": list(box) if box else None,
                              "antialias": antialias, "expected": f"{name}.{suffix}", "tolerance": tolerance})


def pillow_f(values, filter_name, size, box):
    """Each channel resized on its own in mode F, which uses double coefficients and no rounding."""
    channels = [np.asarray(Image.fromarray(values[..., c].astype(np.float32), "F")
                           .resize(size, FILTERS[filter_name], box=box)) for c in range(3)]
    return np.stack(channels, axis=-1)


# (width, height) and an optional Pillow box (left, upper, right, lower).
SIZES = [
    ((9, 7), None),        # shrink by ~4: the antialiasing kernel spans ~9 source pixels
    ((4, 3), None),        # shrink by ~9
    ((20, 16), None),      # shrink by a non-integer ~1.8
    ((43, 31), None),      # enlarge: plain interpolation
    ((60, 10), None),      # enlarge x, shrink y
    ((37, 12), None),      # width unchanged: Pillow skips the horizontal pass
    ((1, 1), None),        # everything into one pixel
    ((11, 9), (3.5, 2.25, 30.75, 25.0)),  # fractional box (crop and resize in one pass)
    ((16, 16), (5, 4, 29, 20)),           # integer box, as random resized crop uses
]

# Pillow rounds the first pass to 8 bits (error <= 0.5), the second pass weighs that error by
# the sum of its absolute weights (1 for the triangle, up to 1.25 for Keys' cubic) and the
# result is rounded again (<= 0.5): a float resize is within 0.5 * 1.25 + 0.5 of it.
U8_TOLERANCE = {"bilinear": 1.0, "bicubic": 1.125}
TF_BICUBIC_TOLERANCE = 0.5

# Sizes for tf.image.resize without antialiasing.
TF_SIZES = [(9, 7), (20, 16), (43, 31), (60, 10)]


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)

    rgb = source_u8()
    squeezed = (rgb.astype(np.float32) * (159 / 255) + 48).astype(np.float32)  # [48, 207]
    write_source("source", rgb)
    write_source("source_squeezed", squeezed)

    for filter_name in FILTERS:
        for size, box in SIZES:
            tag = f"{filter_name}_{size[0]}x{size[1]}" + ("_box" if box else "")
            out = np.asarray(Image.fromarray(rgb).resize(size, FILTERS[filter_name], box=box))
            record(f"{tag}_pillow_u8", "source", "pillow-u8", filter_name, size, box, True, out,
                   U8_TOLERANCE[filter_name])
            f = pillow_f(squeezed, filter_name, size, box)
            # Clipping must not matter on this source, even after the horizontal pass alone.
            horizontal_only = pillow_f(squeezed, filter_name, (size[0], HEIGHT),
                                       (box[0], 0, box[2], HEIGHT) if box else None)
            assert f.min() >= 0 and f.max() <= 255 and horizontal_only.min() >= 0 and horizontal_only.max() <= 255
            record(f"{tag}_pillow_f", "source_squeezed", "pillow-f", filter_name, size, box, True, f, 1e-3)

    batch = tf.constant(rgb.astype(np.float32)[None])
    for size in TF_SIZES:
        for filter_name in FILTERS:
            out = tf.image.resize(batch, (size[1], size[0]), method=filter_name, antialias=False).numpy()[0]
            # TensorFlow's bicubic reads its kernel from a 1024-entry table, so its weights are
            # off by up to ~1e-3 from the exact kernel; neither it nor `tl` clips here.
            tolerance = 1e-3 if filter_name == "bilinear" else TF_BICUBIC_TOLERANCE
            record(f"{filter_name}_{size[0]}x{size[1]}_tf", "source", "tf", filter_name, size, None, False,
                   out.astype(np.float32), tolerance)

    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"{len(manifest['cases'])} cases, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
