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
Training (medians over rounds; "tl/Keras" is a speed ratio, Keras's time / tl's, so above
1 means tl is faster, as images/s ratios read in the forward table):
- the training step of finetune --unfreeze N (tl-bench train-step, keras_train.py step),
  with tl's split of its step into forward, loss + backward and optimizer, and whether
  both train the same number of parameters;
- finetune epochs: the first epoch (for tl the `activations` stage, where the frozen base
  runs once over every image, plus its first epoch) and the later ones, whole-process
  wall time and max RSS; every later epoch's range too, since a single slow epoch
  otherwise hides in a median;
- retrain-head: wall time and max RSS of the whole process, first run (features
  computed) and second run (features from each program's cache).
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


def median_of(runs, key):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=2):
    return "—" if value is None else f"{value:.{digits}f}"


def speed(tl_seconds, keras_seconds):
    """Keras's time / tl's: above 1, tl is faster."""
    if tl_seconds is None or keras_seconds is None or tl_seconds <= 0:
        return None
    return keras_seconds / tl_seconds


def train_step_tables(records):
    steps = [r for r in records if r.get("bench") == "train-step"]
    if not steps:
        return []
    lines = ["Training step of `finetune --unfreeze N` (new softmax head, Adam), 224×224, s per step "
             "(median over rounds of each process's median):", "",
             "| model | batch | unfreeze | tl s | TF-Keras s | tl images/s | Keras images/s | tl/Keras | "
             "RSS tl MB | RSS Keras MB | rounds |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    keys = []
    for r in steps:
        key = (r["model"], r["batch"], r["unfreeze"])
        if key not in keys:
            keys.append(key)
    notes = []
    for model, batch, unfreeze in keys:
        runs = {f: [r for r in steps if (r["model"], r["batch"], r["unfreeze"]) == (model, batch, unfreeze)
                    and r["framework"] == f] for f in ("tl", "keras")}
        tl, keras = median_of(runs["tl"], "median_s"), median_of(runs["keras"], "median_s")
        rate = lambda t: None if t is None else batch / t  # noqa: E731
        rounds = min((len(v) for v in runs.values() if v), default=0)
        lines.append(f"| {model} | {batch} | {unfreeze} | {fmt(tl, 3)} | {fmt(keras, 3)} | {fmt(rate(tl), 1)} "
                     f"| {fmt(rate(keras), 1)} | {fmt(speed(tl, keras))} | {fmt(median_of(runs['tl'], 'max_rss_mb'), 0)} "
                     f"| {fmt(median_of(runs['keras'], 'max_rss_mb'), 0)} | {rounds} |")
        phases = [r["phases_s"] for r in runs["tl"] if "phases_s" in r]
        if phases and tl:
            parts = {k: statistics.median(p[k] for p in phases) for k in ("forward", "loss_backward", "optimizer")}
            notes.append(f"{model}: tl's step, by part (median s): forward in training mode {parts['forward']:.3f}, "
                         f"loss + backward {parts['loss_backward']:.3f}, Adam {parts['optimizer']:.3f}.")
        counts = {f: sorted({r.get("trainable_parameters") for r in runs[f]}) for f in ("tl", "keras")}
        layers = {f: sorted({r.get("trainable_layers") for r in runs[f]}) for f in ("tl", "keras")}
        if counts["tl"] and counts["keras"]:
            same = counts["tl"] == counts["keras"] and layers["tl"] == layers["keras"]
            notes.append(f"{model}: trainable parameters tl {counts['tl']}, Keras {counts['keras']}; trainable layers "
                         f"tl {layers['tl']}, Keras {layers['keras']} ({'the same' if same else 'DIFFERENT: not the same step'}).")
        spread = {f: [r["median_s"] for r in runs[f]] for f in ("tl", "keras")}
        notes.append(f"{model}: spread of the per-process medians (slowest / fastest round): "
                     + ", ".join(f"{f} {max(v) / min(v):.2f}" for f, v in spread.items() if v) + ".")
        # A framework whose steps fall into two speeds makes the median follow whichever has more
        # of the 5 steps; the fastest steps of both give the conservative ratio.
        fastest = {f: min((r["min_s"] for r in runs[f] if "min_s" in r), default=None) for f in ("tl", "keras")}
        if fastest["tl"] and fastest["keras"]:
            notes.append(f"{model}: fastest single step of all rounds: tl {fastest['tl']:.3f} s, Keras "
                         f"{fastest['keras']:.3f} s, tl/Keras {speed(fastest['tl'], fastest['keras']):.2f}.")
    lines.append("")
    lines += notes
    lines.append("")
    return lines


def finetune_tables(records):
    runs = {f: [r for r in records if r.get("bench") == "finetune" and r.get("framework") == f and "error" not in r]
            for f in ("tl", "keras")}
    if not runs["tl"] and not runs["keras"]:
        return []
    sample = (runs["tl"] or runs["keras"])[0]
    lines = [f"Fine-tuning epochs, ResNet50 `--unfreeze {sample.get('unfreeze', 3)}`, no augmentation "
             f"({sample.get('train_images')} training and {sample.get('validation_images')} validation images, "
             "validation after every epoch), s (median over rounds):", "",
             "| | tl | TF-Keras | tl/Keras |", "|---|---:|---:|---:|"]
    rows = [("first epoch (tl: activations stage + epoch 1)", "first_epoch_s"),
            ("later epochs (median of epochs 2…)", "later_epoch_s"),
            ("whole process, wall", "wall_s")]
    for label, key in rows:
        tl, keras = median_of(runs["tl"], key), median_of(runs["keras"], key)
        lines.append(f"| {label} | {fmt(tl)} | {fmt(keras)} | {fmt(speed(tl, keras))} |")
    tl_rss, keras_rss = median_of(runs["tl"], "max_rss_mb"), median_of(runs["keras"], "max_rss_mb")
    lines.append(f"| max RSS, MB | {fmt(tl_rss, 0)} | {fmt(keras_rss, 0)} | |")
    lines.append("")
    later = {f: [s for r in runs[f] for s in r.get("epoch_s", [])[1:]] for f in ("tl", "keras")}
    lines.append("Every later epoch of every round, s: "
                 + "; ".join(f"{'tl' if f == 'tl' else 'Keras'} min {min(v):.2f}, max {max(v):.2f}"
                             for f, v in later.items() if v) + ".")
    if runs["tl"]:
        parts = {k: median_of(runs["tl"], k) for k in ("activations_s", "first_epoch_training_s", "checkpoint_s", "head_s")}
        lines.append(f"tl (medians): activations stage {fmt(parts['activations_s'])} s, first epoch's training "
                     f"{fmt(parts['first_epoch_training_s'])} s, checkpoint after each epoch {fmt(parts['checkpoint_s'])} s "
                     f"(not in the epoch times), new head trained first on cached features {fmt(parts['head_s'])} s "
                     f"({runs['tl'][0].get('head_epochs')} epochs; Keras's peer has no such stage); activation cache: "
                     f"{runs['tl'][0].get('activation_cache')}.")
    if runs["keras"]:
        parts = {k: median_of(runs["keras"], k) for k in ("import_s", "load_s", "list_s", "fit_s", "save_s")}
        lines.append("Keras script phases (median s): " + ", ".join(f"{k[:-2]} {fmt(v)}" for k, v in parts.items()) + ".")
    errors = [r for r in records if r.get("bench") == "finetune" and "error" in r]
    if errors:
        lines.append(f"({len(errors)} run(s) failed: " + "; ".join(f"{r['framework']}: {r['error']}" for r in errors) + ")")
    lines.append("")
    return lines


def retrain_head_tables(records):
    heads = [r for r in records if r.get("bench") == "retrain-head" and "error" not in r]
    if not heads:
        return []
    sample = heads[0]
    lines = [f"`tl retrain-head` (EfficientNet-Lite0, defaults: up to 50 epochs, batch 32, Adam 1e-3, patience 8) "
             f"against keras_retrain_head.py on {sample.get('images')} images, whole process (median over rounds):", "",
             "| run | tl wall s | Keras wall s | tl/Keras | RSS tl MB | RSS Keras MB | epochs tl | epochs Keras | rounds |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for run, label in (("first", "first (features computed)"), ("cached", "second (features from the cache)")):
        runs = {f: [r for r in heads if r["framework"] == f and r.get("run") == run] for f in ("tl", "keras")}
        tl, keras = median_of(runs["tl"], "wall_s"), median_of(runs["keras"], "wall_s")
        epochs = {f: sorted({r.get("epochs") for r in runs[f]}) for f in runs}
        rounds = min((len(v) for v in runs.values() if v), default=0)
        lines.append(f"| {label} | {fmt(tl)} | {fmt(keras)} | {fmt(speed(tl, keras))} | {fmt(median_of(runs['tl'], 'max_rss_mb'), 0)} "
                     f"| {fmt(median_of(runs['keras'], 'max_rss_mb'), 0)} | {epochs['tl']} | {epochs['keras']} | {rounds} |")
    lines.append("")
    cache_ok = {f: all(r.get("features_from_cache") == (r.get("run") == "cached") for r in heads if r["framework"] == f)
                for f in ("tl", "keras")}
    if not all(cache_ok.values()):
        lines.append("WARNING: a first run read features from a cache, or a second run did not: " + str(cache_ok))
    keras_runs = [r for r in heads if r["framework"] == "keras"]
    for run in ("first", "cached"):
        chosen = [r for r in keras_runs if r.get("run") == run]
        if chosen:
            phases = ["import_s", "load_s", "list_s", "features_s", "train_s", "save_s"]
            lines.append(f"Keras script phases, {run} run (median s): "
                         + ", ".join(f"{p[:-2]} {fmt(median_of(chosen, p))}" for p in phases) + ".")
    tl_runs = [r for r in heads if r["framework"] == "tl" and "stages" in r]
    for run in ("first", "cached"):
        chosen = [r for r in tl_runs if r.get("run") == run]
        if chosen:
            names = list(chosen[0]["stages"])
            lines.append(f"tl stages, {run} run (median s): "
                         + ", ".join(f"{n} {fmt(statistics.median(r['stages'].get(n, 0) for r in chosen))}" for n in names) + ".")
    accuracy = {f: sorted({r.get("validation_accuracy") for r in heads if r["framework"] == f}) for f in ("tl", "keras")}
    lines.append(f"Validation accuracy (not a benchmark; each draws its own split and initialization): tl {accuracy['tl']}, "
                 f"Keras {accuracy['keras']}.")
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
    lines.extend(train_step_tables(records))
    lines.extend(finetune_tables(records))
    lines.extend(retrain_head_tables(records))
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
