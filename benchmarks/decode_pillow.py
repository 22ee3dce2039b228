#!/usr/bin/env python3
"""The peer of `tl-bench decode`: the same folder through Pillow, the way a Keras or PyTorch
input pipeline built on Pillow does it.

    python benchmarks/decode_pillow.py IMAGES_DIR [--repeat 5] [--processes 2]

Per file: `Image.open(path).convert("RGB")`, resize so the shorter side is 224 (the longer one
truncated, as torchvision's `Resize(224)`) with BILINEAR and `reducing_gap=None` (no JPEG
draft-mode shortcut, no two-step reduction: one antialiased bilinear pass, like tl), cut the
centred 224x224 window, and turn it into a float32 (224, 224, 3) array. Timed once in this
process (per-file times summed by format) and with a `multiprocessing.Pool` of `--processes`
workers whose arrays come back to the parent, as a data loader's would. Each figure is the
median of `--repeat` runs after a warm-up; files are read from the page cache after the first.
Prints a Markdown table of images/second (all files, JPEG only, PNG only).
"""
import argparse
import multiprocessing
import os
import statistics
import time

import numpy as np
import PIL
from PIL import Image, features

SIZE = 224


def load(path, clock=None):
    """The (224, 224, 3) float32 array; with `clock` (e.g. time.thread_time), also the time
    spent decoding, resizing and converting to floats."""
    start = clock() if clock else 0
    with Image.open(path) as opened:
        image = opened.convert("RGB")
    decoded = clock() if clock else 0
    width, height = image.size
    if width <= height:
        scaled = (SIZE, max(SIZE, SIZE * height // width))
    else:
        scaled = (max(SIZE, SIZE * width // height), SIZE)
    image = image.resize(scaled, Image.Resampling.BILINEAR, reducing_gap=None)
    left, top = (scaled[0] - SIZE) // 2, (scaled[1] - SIZE) // 2
    if scaled != (SIZE, SIZE):
        image = image.crop((left, top, left + SIZE, top + SIZE))
    resized = clock() if clock else 0
    array = np.asarray(image, dtype=np.float32)
    if clock:
        return array, (decoded - start, resized - decoded, clock() - resized)
    return array


def load_in_worker(path):
    """`load` and the worker's CPU time for it, so the parent can tell how busy the pool was."""
    start = time.process_time()
    array = load(path)
    return array, time.process_time() - start


def kind(path):
    return "jpeg" if path.lower().endswith((".jpg", ".jpeg")) else "png"


def single_run(paths):
    """Wall-clock seconds per format, and CPU seconds per format and step, one file at a time."""
    spent = {"jpeg": 0.0, "png": 0.0}
    cpu = {"jpeg": [0.0, 0.0, 0.0], "png": [0.0, 0.0, 0.0]}
    for path in paths:
        start = time.perf_counter()
        array, steps = load(path, clock=time.thread_time)
        spent[kind(path)] += time.perf_counter() - start
        assert array.shape == (SIZE, SIZE, 3)
        cpu[kind(path)] = [a + b for a, b in zip(cpu[kind(path)], steps)]
    return spent, cpu


def pool_run(pool, paths, usage):
    start = time.perf_counter()
    parent = time.process_time()
    count = 0
    for array, cpu in pool.imap(load_in_worker, paths, chunksize=4):
        assert array.shape == (SIZE, SIZE, 3)
        usage["cpu"] += cpu
        count += 1
    assert count == len(paths)
    seconds = time.perf_counter() - start
    usage["cpu"] += time.process_time() - parent
    usage["wall"] += seconds
    usage["images"] += count
    return seconds


def median_of(repeat, body):
    body()  # warm-up: page cache, imports in the workers
    return statistics.median(body() for _ in range(max(1, repeat)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("images", help="folder of JPEG and PNG files (benchmarks/make_decode_images.py)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()

    paths = sorted(os.path.join(args.images, name) for name in os.listdir(args.images)
                   if name.lower().endswith((".jpg", ".jpeg", ".png")))
    if not paths:
        raise SystemExit(f"no JPEG or PNG files in {args.images}")
    by_kind = {name: [p for p in paths if kind(p) == name] for name in ("jpeg", "png")}

    print(f"## Pillow {PIL.__version__} (libjpeg-turbo {features.version('libjpeg_turbo')}, "
          f"zlib {features.version('zlib')}), numpy {np.__version__}: {len(paths)} files "
          f"({len(by_kind['jpeg'])} JPEG, {len(by_kind['png'])} PNG), median of {args.repeat} runs")
    print("| path | all | JPEG | PNG |")
    print("|---|---:|---:|---:|")

    def rate(count, seconds):
        return f"{count / seconds:.1f}" if count and seconds > 0 else "-"

    single_run(paths)  # warm-up
    runs = [single_run(paths) for _ in range(max(1, args.repeat))]
    totals = statistics.median(spent["jpeg"] + spent["png"] for spent, _ in runs)
    jpeg = statistics.median(spent["jpeg"] for spent, _ in runs)
    png = statistics.median(spent["png"] for spent, _ in runs)
    print(f"| Pillow, 1 process | {rate(len(paths), totals)} | {rate(len(by_kind['jpeg']), jpeg)} "
          f"| {rate(len(by_kind['png']), png)} |", flush=True)

    usage = {"cpu": 0.0, "wall": 0.0, "images": 0}
    context = multiprocessing.get_context("fork")
    with context.Pool(args.processes) as pool:
        seconds = {name: median_of(args.repeat, lambda subset=subset: pool_run(pool, subset, usage)) if subset else 0
                   for name, subset in (("all", paths), ("jpeg", by_kind["jpeg"]), ("png", by_kind["png"]))}
    print(f"| Pillow, Pool({args.processes}) | {rate(len(paths), seconds['all'])} "
          f"| {rate(len(by_kind['jpeg']), seconds['jpeg'])} | {rate(len(by_kind['png']), seconds['png'])} |")
    print("")
    single_cpu = statistics.median(sum(sum(steps) for steps in cpu.values()) for _, cpu in runs)
    print(f"The pool kept {usage['cpu'] / max(usage['wall'], 1e-9):.2f} cores busy on average (CPU time of the "
          f"workers and the parent / wall time over its runs), at {usage['cpu'] * 1000 / max(usage['images'], 1):.2f} "
          f"CPU ms per image (one process: {single_cpu * 1000 / len(paths):.2f} ms).")
    print("")
    print("CPU ms per image, one process (median run): decode = open + convert('RGB'); "
          "resize = resize + crop; to float = np.asarray(float32)")
    print("| format | decode | resize | to float | total |")
    print("|---|---:|---:|---:|---:|")
    for name, label in (("jpeg", "JPEG"), ("png", "PNG")):
        count = len(by_kind[name])
        if not count:
            continue
        steps = [statistics.median(cpu[name][step] for _, cpu in runs) * 1000 / count for step in range(3)]
        print(f"| {label} | " + " | ".join(f"{value:.2f}" for value in steps + [sum(steps)]) + " |")
    print("")


if __name__ == "__main__":
    main()
