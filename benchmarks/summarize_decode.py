#!/usr/bin/env python3
"""The summary table of benchmarks/bench_decode.sh, from the reports it saved:

    python benchmarks/summarize_decode.py FOLDER ROUNDS THREADS

FOLDER holds tl.N.md (`tl-bench decode`) and pillow.N.md (decode_pillow.py) for N = 1..ROUNDS.
Images/s are the best round of each program (the machine may be shared); CPU ms per image are
the lowest. Standard library only.
"""
import os
import re
import sys


def row(text, label):
    """The cells after the label of the first table row whose label starts with `label`."""
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells and cells[0].startswith(label):
            return cells[1:]
    return None


def number(cell):
    try:
        return float(cell)
    except (TypeError, ValueError):
        return None


def best(texts, label, column, pick=max):
    values = [number(cells[column]) for cells in (row(text, label) for text in texts) if cells]
    values = [value for value in values if value is not None]
    return pick(values) if values else None


def show(value, digits=1):
    return f"{value:.{digits}f}" if value is not None else "-"


def ratio(a, b):
    return f"{a / b:.2f}" if a and b else "-"


def main():
    folder, rounds, threads = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    tl = [open(os.path.join(folder, f"tl.{n}.md")).read() for n in range(1, rounds + 1)]
    pillow = [open(os.path.join(folder, f"pillow.{n}.md")).read() for n in range(1, rounds + 1)]
    suffix = f", best of {rounds} rounds" if rounds > 1 else ""

    print(f"## Summary: tl against Pillow (images/s, higher is better{suffix})")
    print("| | tl | Pillow | tl / Pillow |")
    print("|---|---:|---:|---:|")
    pairs = [("1 core", "tl ImagePipeline.sample", "Pillow, 1 process"),
             (f"{threads} cores (BatchLoader / Pool)", "tl BatchLoader", "Pillow, Pool")]
    for name, tl_label, pillow_label in pairs:
        for column, format_name in enumerate(("all", "JPEG", "PNG")):
            a, b = best(tl, tl_label, column), best(pillow, pillow_label, column)
            print(f"| {name}, {format_name} | {show(a)} | {show(b)} | {ratio(a, b)} |")

    print()
    print(f"CPU ms per image on one core (lower is better; other work on the machine hardly changes it{suffix})")
    print("| format | tl | Pillow | Pillow / tl |")
    print("|---|---:|---:|---:|")
    for format_name in ("JPEG", "PNG"):
        a, b = best(tl, format_name, -1, min), best(pillow, format_name, -1, min)
        print(f"| {format_name} | {show(a, 2)} | {show(b, 2)} | {ratio(b, a)} |")

    def busy(texts):
        found = [re.search(r"kept ([0-9.]+) cores busy", text) for text in texts]
        return ", ".join(match.group(1) for match in found if match)

    print(f"(cores the {threads} workers kept busy, per round: tl {busy(tl)}; Pillow {busy(pillow)})")

    forward, loader = best(tl, "forward", 0), best(tl, "BatchLoader alone", 0)
    if forward:
        waits = [re.search(r"\(([0-9.]+)% of the rest\)", text) for text in tl]
        waits = [float(match.group(1)) for match in waits if match]
        print()
        print(f"Loader against the engine: BatchLoader {show(loader)} images/s, forward pass "
              f"{show(forward)} images/s ({ratio(loader, forward)}x). Running together, the engine waited for "
              f"its next batch {show(max(waits) if waits else None)}% of the time after the first batch (worst round).")
    else:
        print("(no forward-pass measurement: the default model is missing; `make model`)")


if __name__ == "__main__":
    main()
