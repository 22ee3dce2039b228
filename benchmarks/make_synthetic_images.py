#!/usr/bin/env python3
"""Writes a synthetic two-class image folder for benchmarks/bench_scaling.sh.

    python benchmarks/make_synthetic_images.py OUTPUT_DIR --count N [--seed 1] [--quality 90]

OUTPUT_DIR/class_a/ and OUTPUT_DIR/class_b/ receive N RGB JPEGs between them (image i goes
to class_a when i is even), each of a random width and height between 300 and 600 pixels,
so the loader resizes from a mix of sizes and aspect ratios as it would from real photos.

The pixels are meant to cost what a photograph costs to decode, not to look like anything:
smooth colour blobs (a coarse random grid upsampled bicubically), a finer texture on top,
a few darker discs with soft edges ("cells"), and Gaussian noise of sigma 6. At quality 90
that compresses about 11:1 (the photographs of make_decode_images.py: 13:1; pure noise would
hardly compress, a flat picture 100:1 or more); the record below and the summary give the ratio.

Deterministic: image i is drawn from numpy's PCG64 seeded with (seed, i), so the first 100
images of a 1,000-image folder are the 100 images of a 100-image folder (the bytes also
depend on the libjpeg inside Pillow). When the folder is complete, OUTPUT_DIR.json (beside
it, not inside, so that no reader takes it for data) records the count, the seed, this
generator's version, the mean size and the total bytes. A folder whose record matches
the arguments is left as it is (the script prints the record and exits), so calling it
again costs nothing; one with no record or a different one is written anew.

Needs numpy and Pillow (both in .venv-bench, benchmarks/peers/requirements.txt).
"""
import argparse
import json
import os
import shutil
import sys

import numpy as np
from PIL import Image

VERSION = 1
CLASSES = ("class_a", "class_b")
MIN_SIDE, MAX_SIDE = 300, 600


def upsampled(rng, grid_h, grid_w, width, height, low, high):
    """A (height, width, 3) float field: random values on a coarse grid, upsampled bicubically."""
    coarse = (rng.random((grid_h, grid_w, 3)) * (high - low) + low).astype(np.float32)
    channels = [np.asarray(Image.fromarray(np.ascontiguousarray(coarse[:, :, c])).resize((width, height), Image.BICUBIC))
                for c in range(3)]
    return np.stack(channels, axis=-1)


def draw(index, seed):
    rng = np.random.default_rng([seed, index])
    width, height = (int(v) for v in rng.integers(MIN_SIDE, MAX_SIDE + 1, size=2))
    pixels = upsampled(rng, int(rng.integers(4, 12)), int(rng.integers(4, 12)), width, height, 40.0, 215.0)
    pixels += upsampled(rng, height // 12, width // 12, width, height, -25.0, 25.0)
    tint = np.asarray([1.0, 0.7, 0.4], dtype=np.float32)
    for _ in range(int(rng.integers(3, 12))):
        cy, cx = rng.random() * height, rng.random() * width
        radius = 10.0 + rng.random() * 40.0
        depth = 30.0 + rng.random() * 60.0
        # Only the disc's bounding box (its soft edge stays inside radius + 1).
        top, bottom = max(0, int(cy - radius - 1)), min(height, int(cy + radius + 2))
        left, right = max(0, int(cx - radius - 1)), min(width, int(cx + radius + 2))
        ys = np.arange(top, bottom, dtype=np.float32)[:, None] - cy
        xs = np.arange(left, right, dtype=np.float32)[None, :] - cx
        inside = np.clip((radius - np.sqrt(ys * ys + xs * xs)) / 4.0, 0.0, 1.0)
        pixels[top:bottom, left:right] -= (inside * depth)[:, :, None] * tint
    pixels += rng.standard_normal(size=pixels.shape, dtype=np.float32) * np.float32(6.0)
    return Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quality", type=int, default=90)
    args = parser.parse_args()
    if args.count < 2:
        sys.exit("make_synthetic_images: --count must be at least 2 (one image per class)")

    output = args.output.rstrip("/")
    wanted = {"count": args.count, "seed": args.seed, "quality": args.quality, "version": VERSION}
    try:
        with open(output + ".json") as handle:
            present = json.load(handle)
        if all(present.get(key) == value for key, value in wanted.items()) and os.path.isdir(output):
            print(json.dumps(present))
            return
    except (OSError, ValueError):
        pass

    # Written next to the destination, then renamed: an interrupted run leaves no half folder.
    print(f"make_synthetic_images: writing {args.count} images into {output}", file=sys.stderr, flush=True)
    staging = output + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    for name in CLASSES:
        os.makedirs(os.path.join(staging, name))
    total_bytes = 0
    total_pixels = 0
    for index in range(args.count):
        image = draw(index, args.seed)
        path = os.path.join(staging, CLASSES[index % 2], f"img_{index:05d}.jpg")
        image.save(path, format="JPEG", quality=args.quality)
        total_bytes += os.path.getsize(path)
        total_pixels += image.width * image.height
        if (index + 1) % 1000 == 0:
            print(f"make_synthetic_images: {index + 1} of {args.count}", file=sys.stderr, flush=True)
    record = {**wanted, "sides": [MIN_SIDE, MAX_SIDE], "total_bytes": total_bytes,
              "mean_pixels": round(total_pixels / args.count),
              "compression": round(total_pixels * 3 / total_bytes, 2)}
    if os.path.exists(output + ".json"):
        os.remove(output + ".json")
    shutil.rmtree(output, ignore_errors=True)
    os.rename(staging, output)
    with open(output + ".json.partial", "w") as handle:
        json.dump(record, handle)
        handle.write("\n")
    os.rename(output + ".json.partial", output + ".json")
    print(json.dumps(record))


if __name__ == "__main__":
    main()
