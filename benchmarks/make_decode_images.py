#!/usr/bin/env python3
"""Writes the images for the decode benchmark (`tl-bench decode`, benchmarks/decode_pillow.py).

    python benchmarks/make_decode_images.py OUTPUT_DIR [--count 200] [--seed 7]

N images of 512x512 RGB, alternately JPEG (quality 90, 4:2:0, as Pillow saves by default)
and PNG (Pillow's default zlib level), cut from scikit-image's real sample photos in
.cache/skimage-data (`make samples`): a random square window of each photo (between half and
all of its shorter side), resampled to 512x512, randomly mirrored, with a mild random
brightness and contrast change so that no two files are the same. Because the pixels are
photographs, the files compress like real photos do (about 13:1 as JPEG and 3:1 as PNG with
the default seed; the smaller samples are enlarged, which smooths them a little), and that is
what decoding speed depends on. Grayscale samples become RGB (equal channels).
Deterministic for a given seed. Needs numpy and Pillow (the .venv-fixtures environment).
"""
import argparse
import os
import sys

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, ".cache", "skimage-data")
# Photographs large enough to give 512x512 without blowing up a tiny picture.
SOURCES = ["chelsea.png", "coffee.png", "ihc.png", "retina.jpg", "camera.png", "cell.png"]
SIZE = 512


def load_sources():
    images = []
    for name in SOURCES:
        path = os.path.join(SAMPLES, name)
        if not os.path.exists(path):
            sys.exit(f"missing {path}: run `make samples` (scripts/fetch_samples.sh) first")
        with Image.open(path) as image:
            images.append((name, image.convert("RGB")))
    return images


def make_image(source, rng):
    width, height = source.size
    short = min(width, height)
    side = rng.uniform(0.5, 1.0) * short
    x = rng.uniform(0, width - side)
    y = rng.uniform(0, height - side)
    image = source.resize((SIZE, SIZE), Image.Resampling.LANCZOS, box=(x, y, x + side, y + side))
    if rng.random() < 0.5:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    pixels = np.asarray(image, dtype=np.float32)
    contrast = rng.uniform(0.85, 1.15)
    brightness = rng.uniform(-20, 20)
    pixels = (pixels - 128) * contrast + 128 + brightness
    return Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8), "RGB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", help="folder to write into (created if missing)")
    parser.add_argument("--count", type=int, default=200, help="number of images (half JPEG, half PNG)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    os.makedirs(args.output, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    sources = load_sources()
    sizes = {"jpg": [], "png": []}
    for index in range(args.count):
        name, source = sources[index % len(sources)]
        image = make_image(source, rng)
        stem = f"{index:04d}_{os.path.splitext(name)[0]}"
        if index % 2 == 0:
            extension = "jpg"
            path = os.path.join(args.output, f"{stem}.jpg")
            image.save(path + ".tmp", format="JPEG", quality=90)
        else:
            extension = "png"
            path = os.path.join(args.output, f"{stem}.png")
            image.save(path + ".tmp", format="PNG")
        os.replace(path + ".tmp", path)
        sizes[extension].append(os.path.getsize(path))
    raw = SIZE * SIZE * 3
    for extension, values in sizes.items():
        if values:
            print(f"{len(values)} {extension.upper()}: mean {np.mean(values) / 1024:.0f} KiB, "
                  f"compression {raw / np.mean(values):.1f}:1")
    print(f"wrote {args.count} images of {SIZE}x{SIZE} to {args.output}")


if __name__ == "__main__":
    main()
