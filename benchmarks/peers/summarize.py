#!/usr/bin/env python3
"""The side-by-side table of benchmarks/bench_peers.sh, from its JSON lines.

    python summarize.py RESULTS.jsonl [--extract-dir DIR]

Forward: per model and batch, the median over rounds (separate processes) of each
process's median time, as images/s, with tl/Keras and tl/ORT ratios and the issue-6
targets; the same from the best single run of all rounds (least disturbed by other load);
max RSS (median over rounds); and the largest difference of the first five outputs
from Keras's (the same weights and input in every framework).
End to end: wall time and max RSS of `tl extract-features` and keras_extract.py
(median over rounds); with --extract-dir, how close the two feature sets are.
"""
import argparse
import json
import os
import statistics
import sys

FRAMEWORKS = ("tl", "keras", "onnxruntime")
NAMES = {"tl": "tl", "keras": "TF-Keras", "onnxruntime": "ORT"}


def load(path):
    records = []
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if line.startswith("{"):
                records.append(json.loads(line))
    return records


def target(batch, vs_keras, vs_ort):
    if vs_keras is None or vs_ort is None:
        return "n/a"
    if batch == 32:
        ok = vs_keras >= 1.2 and vs_ort >= 1.0
        return ("met" if ok else "not met") + " (≥1.2× Keras, ≥1.0× ORT)"
    if batch == 1:
        return ("met" if vs_ort >= 1.0 else "not met") + " (≥1.0× ORT)"
    return "—"


def forward_tables(records):
    forward = [r for r in records if r.get("bench") == "forward"]
    keys = []
    for r in forward:
        key = (r["model"], r["batch"])
        if key not in keys:
            keys.append(key)
    lines = []

    def collect(model, batch, framework):
        return [r for r in forward if r["model"] == model and r["batch"] == batch and r["framework"] == framework]

    def ratio(a, b):
        return None if a is None or b is None else a / b

    def fmt(value, digits=1):
        return "—" if value is None else f"{value:.{digits}f}"

    for title, pick in (("median over rounds of each process's median", "median"),
                        ("best single run of all rounds", "best")):
        lines.append(f"Forward pass, 224×224, images/s ({title}):")
        lines.append("")
        lines.append("| model | batch | tl | TF-Keras | ORT | tl/Keras | tl/ORT | issue-6 target |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---|")
        for model, batch in keys:
            rate = {}
            for framework in FRAMEWORKS:
                runs = collect(model, batch, framework)
                if not runs:
                    rate[framework] = None
                elif pick == "median":
                    rate[framework] = batch / statistics.median(r["median_s"] for r in runs)
                else:
                    rate[framework] = batch / min(r["min_s"] for r in runs)
            vs_keras, vs_ort = ratio(rate["tl"], rate["keras"]), ratio(rate["tl"], rate["onnxruntime"])
            lines.append(f"| {model} | {batch} | {fmt(rate['tl'])} | {fmt(rate['keras'])} | {fmt(rate['onnxruntime'])} "
                         f"| {fmt(vs_keras, 2)} | {fmt(vs_ort, 2)} | {target(batch, vs_keras, vs_ort)} |")
        lines.append("")

    lines.append("Max RSS of the process (MB, median over rounds), spread of the per-process medians "
                 "(slowest / fastest round), and agreement of the first five outputs with Keras's:")
    lines.append("")
    lines.append("| model | batch | RSS tl | RSS TF-Keras | RSS ORT | spread tl | spread Keras | spread ORT | rounds | max abs diff tl vs Keras | ORT vs Keras |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for model, batch in keys:
        cells = []
        runs = {framework: collect(model, batch, framework) for framework in FRAMEWORKS}
        for framework in FRAMEWORKS:
            cells.append(f"{statistics.median(r['max_rss_mb'] for r in runs[framework]):.0f}" if runs[framework] else "—")
        for framework in FRAMEWORKS:
            medians = [r["median_s"] for r in runs[framework]]
            cells.append(f"{max(medians) / min(medians):.2f}" if medians else "—")
        cells.append(str(min((len(v) for v in runs.values() if v), default=0)))
        reference = runs["keras"][0]["output_head"] if runs["keras"] else None
        for framework in ("tl", "onnxruntime"):
            if reference is None or not runs[framework]:
                cells.append("—")
            else:
                head = runs[framework][0]["output_head"]
                cells.append(f"{max(abs(a - b) for a, b in zip(head, reference)):.1e}")
        lines.append(f"| {model} | {batch} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def extract_tables(records, extract_dir):
    extract = [r for r in records if r.get("bench") == "extract"]
    if not extract:
        return []
    lines = ["End to end: features of every image in the folder (EfficientNet-Lite0, avg_pool, batch 32), "
             "wall time of the whole process (median over rounds):", "",
             "| program | images | wall s | images/s | max RSS MB | rounds |", "|---|---:|---:|---:|---:|---:|"]
    wall = {}
    for framework in ("tl", "keras"):
        runs = [r for r in extract if r["framework"] == framework]
        if not runs:
            continue
        wall[framework] = statistics.median(r["wall_s"] for r in runs)
        images = runs[0].get("images", 0)
        rss = statistics.median(r["max_rss_mb"] for r in runs)
        name = "tl extract-features" if framework == "tl" else "keras_extract.py (tf_keras)"
        lines.append(f"| {name} | {images} | {wall[framework]:.2f} | {images / wall[framework]:.1f} | {rss:.0f} | {len(runs)} |")
    lines.append("")
    if "tl" in wall and "keras" in wall:
        speedup = wall["keras"] / wall["tl"]
        verdict = "met" if speedup >= 1.5 else "not met"
        lines.append(f"Keras wall time / tl wall time = {speedup:.3f} (issue-6 target ≥ 1.5: {verdict}).")
    keras_runs = [r["in_script"] for r in extract if r["framework"] == "keras" and "predict_s" in r.get("in_script", {})]
    if keras_runs:
        phases = ["import_s", "load_s", "list_s", "predict_s", "save_s"]
        medians = {p: statistics.median(r[p] for r in keras_runs) for p in phases}
        lines.append("Keras script phases (median s): " + ", ".join(f"{p[:-2]} {medians[p]:.2f}" for p in phases) + ".")
    if extract_dir:
        lines.extend(compare_features(extract_dir))
    lines.append("")
    return lines


def compare_features(directory):
    try:
        import csv
        import numpy as np
        tl = np.load(os.path.join(directory, "tl.npy"))
        with open(os.path.join(directory, "tl.rows.csv")) as handle:
            tl_paths = [row["path"] for row in csv.DictReader(handle)]
        keras = np.load(os.path.join(directory, "keras.npy"))
        with open(os.path.join(directory, "keras.rows.txt")) as handle:
            keras_paths = [line.rstrip("\n") for line in handle]
    except Exception as error:  # noqa: BLE001 - a missing comparison is reported, not fatal
        return [f"(features not compared: {error})"]
    index = {os.path.realpath(p): i for i, p in enumerate(keras_paths)}
    pairs = [(i, index.get(os.path.realpath(p))) for i, p in enumerate(tl_paths)]
    pairs = [(a, b) for a, b in pairs if b is not None]
    if not pairs:
        return ["(features not compared: no common paths)"]
    a = tl[[p[0] for p in pairs]]
    b = keras[[p[1] for p in pairs]]
    cosine = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12)
    relative = np.abs(a - b).max() / np.abs(b).max()
    return [f"Same features? {len(pairs)} images in both; cosine similarity of tl's and Keras's vectors: "
            f"min {cosine.min():.6f}, median {np.median(cosine):.6f}; largest absolute difference {relative:.2g} "
            "of the largest feature value (each resizes with its own code)."]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--extract-dir")
    args = parser.parse_args()
    records = load(args.results)
    meta = [r for r in records if r.get("bench") == "meta"]
    lines = []
    for r in meta:
        lines.append(f"- {r['what']}: {r['value']}")
    versions = {}
    for r in records:
        versions.update(r.get("versions", {}))
    if versions:
        lines.append("- peers: " + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())))
    loads = [r["load1"] for r in records if "load1" in r]
    if loads:
        lines.append(f"- 1-minute load average when each measurement started: min {min(loads):.2f}, "
                     f"median {statistics.median(loads):.2f}, max {max(loads):.2f} (2 cores)")
    lines.append("")
    lines.extend(forward_tables(records))
    lines.extend(extract_tables(records, args.extract_dir))
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
