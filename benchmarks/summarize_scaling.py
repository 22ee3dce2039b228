#!/usr/bin/env python3
"""The markdown summary of benchmarks/bench_scaling.sh, from its JSON lines.

    python summarize_scaling.py RESULTS.jsonl [--images-dir DIR]

Forward: images/s of `tl-bench forward` per model, batch and thread count (the median over
rounds of each process's median pass), the speed-up from 1 thread to more, the gain over
batch 1, and the peak RSS of each process with a linear fit in the batch size.
End to end: wall time, images/s, seconds and CPU seconds per 1,000 images of
`tl extract-features` and of benchmarks/peers/keras_extract.py per number of images
(median over rounds), a least-squares fit wall = fixed + per-image × N to extrapolate,
and issue 6's memory target: tl's peak RSS flat in the number of images and below Keras's.
--images-dir: the folder holding images-N.json (what the synthetic images are like).
Standard library only.
"""
import argparse
import json
import math
import os
import statistics

NAMES = {"tl": "tl", "keras": "Keras"}
MODEL_NAMES = {"resnet50": "ResNet50", "mobilenetv2": "MobileNetV2", "efficientnet-lite0": "EfficientNet-Lite0"}
# A peak RSS that grows by at most this fraction of its value between the two largest image
# counts is called flat. The smallest count is not the base: a run of a few batches ends before
# the loader's queue and the heap reach their steady size (measured: +48 MB from 100 to 1,000
# images, +6 MB from 1,000 to 10,000), which says nothing about growth with the number of images.
FLAT_TOLERANCE = 0.10
BATCH = 32  # the batch size of both extractors


def load(path):
    records = []
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if line.startswith("{"):
                try:
                    records.append(json.loads(line))
                except ValueError:
                    pass
    return records


def fmt(value, digits=1):
    if value is None:
        return "—"
    if abs(value) >= 1000 and digits <= 1:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def ordered(values):
    seen = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def fit_line(points):
    """Least squares y = a + b x; None with fewer than two distinct x."""
    xs = [x for x, _ in points]
    if len(set(xs)) < 2:
        return None
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(y for _, y in points)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    b = sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx
    return mean_y - b * mean_x, b


def meta_lines(records):
    lines = []
    for r in records:
        if r.get("bench") == "meta":
            lines.append(f"- {r['what']}: {r['value']}")
    return lines


def forward_section(records):
    forward = [r for r in records if r.get("bench") == "forward"]
    if not forward:
        return []
    lines = []
    models = ordered(r["model"] for r in forward)
    threads_list = sorted(set(r.get("threads_asked", r["threads"]) for r in forward))
    batches = sorted(set(r["batch"] for r in forward))

    def cell(model, batch, threads):
        runs = [r for r in forward if r["model"] == model and r["batch"] == batch
                and r.get("threads_asked", r["threads"]) == threads]
        if not runs:
            return None
        return {"rate": batch / statistics.median(r["median_s"] for r in runs),
                "rss": statistics.median(r["max_rss_mb"] for r in runs),
                "threads_seen": sorted(set(r["threads"] for r in runs)),
                "loads": [r.get("load1") for r in runs if r.get("load1") is not None]}

    cells = {(m, b, t): cell(m, b, t) for m in models for b in batches for t in threads_list}
    top = threads_list[-1]
    label = lambda t: f"{t} thread" + ("s" if t > 1 else "")
    head = ["model", "batch"] + [label(t) for t in threads_list]
    if len(threads_list) > 1 and threads_list[0] == 1:
        head += [f"{t} / 1 thread" for t in threads_list[1:]]
    if len(batches) > 1:
        head.append(f"vs batch {batches[0]} ({label(top)})")
    head.append(f"ms per image ({label(top)})")
    lines += ["### Forward pass, 224×224, images/s", "",
              "`tl-bench forward`, one process per point; each the median pass after two warm-ups "
              "(median over rounds when there are several).", "",
              "| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for m in models:
        for b in batches:
            row = [MODEL_NAMES.get(m, m), str(b)]
            rates = {t: (cells[(m, b, t)] or {}).get("rate") for t in threads_list}
            if all(v is None for v in rates.values()):
                continue
            row += [fmt(rates[t]) for t in threads_list]
            if len(threads_list) > 1 and threads_list[0] == 1:
                for t in threads_list[1:]:
                    row.append(fmt(rates[t] / rates[1], 2) + "×" if rates[t] and rates[1] else "—")
            if len(batches) > 1:
                base = (cells[(m, batches[0], top)] or {}).get("rate")
                row.append(fmt(rates[top] / base, 2) + "×" if rates[top] and base else "—")
            row.append(fmt(1000 / rates[top], 1) if rates[top] else "—")
            lines.append("| " + " | ".join(row) + " |")
    mismatched = sorted({(t, tuple(c["threads_seen"])) for (m, b, t), c in cells.items()
                         if c and c["threads_seen"] != [t]})
    for asked, seen in mismatched:
        lines.append(f"\nNote: asked for {asked} thread(s), tl-bench reported {', '.join(map(str, seen))}.")
    loads = [l for c in cells.values() if c for l in c["loads"]]
    if loads:
        lines += ["", f"1-minute load when the processes started: {min(loads):.2f}–{max(loads):.2f} "
                      f"(median {statistics.median(loads):.2f})."]

    head = ["model", "batch"] + [label(t) for t in threads_list]
    lines += ["", "### Peak RSS of the forward process, MB", "",
              "| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for m in models:
        for b in batches:
            rss = [(cells[(m, b, t)] or {}).get("rss") for t in threads_list]
            if all(v is None for v in rss):
                continue
            lines.append("| " + " | ".join([MODEL_NAMES.get(m, m), str(b)] + [fmt(v, 0) for v in rss]) + " |")
    fits = []
    for m in models:
        points = [(b, cells[(m, b, top)]["rss"]) for b in batches if cells[(m, b, top)]]
        line = fit_line(points)
        if line:
            fits.append(f"{MODEL_NAMES.get(m, m)} ≈ {line[0]:.0f} MB + {line[1]:.1f} MB per image in the batch")
    if fits:
        lines += ["", f"Linear fit over the batch sizes ({label(top)}): " + "; ".join(fits) + "."]
    return lines


def image_description(images_dir, counts):
    parts = []
    for count in counts:
        path = os.path.join(images_dir, f"images-{count}.json")
        try:
            with open(path) as handle:
                record = json.load(handle)
        except (OSError, ValueError):
            continue
        side = math.sqrt(record["mean_pixels"])
        parts.append(f"{count:,}: {record['total_bytes'] / 1e6:.1f} MB, about {side:.0f}×{side:.0f} px on average, "
                     f"{record['compression']:.1f}:1")
    if not parts:
        return []
    return ["", "Synthetic JPEGs (benchmarks/make_synthetic_images.py: two classes, sides 300–600 px, quality 90, "
                "seeded), per folder: " + "; ".join(parts) + "."]


def extract_section(records, images_dir, log_dir):
    extract = [r for r in records if r.get("bench") == "extract"]
    if not extract:
        return []
    counts = sorted(set(r["count"] for r in extract))
    frameworks = [f for f in ("tl", "keras") if any(r["framework"] == f for r in extract)]
    problems = []

    def cell(framework, count):
        runs = [r for r in extract if r["framework"] == framework and r["count"] == count]
        good = [r for r in runs if r.get("exit", 0) == 0 and r.get("images") == count]
        for r in runs:
            if r not in good:
                rows = r.get("images")
                problems.append(f"{NAMES[framework]} at {count:,} images (round {r.get('round')}): exit status "
                                f"{r.get('exit')}, {'no' if rows is None else rows} feature rows; see "
                                f"{os.path.join(log_dir, f'{framework}-{count}.log')} (the last run's)")
        if not good:
            return None
        wall = statistics.median(r["wall_s"] for r in good)
        cpu = statistics.median(r["user_s"] + r["sys_s"] for r in good)
        dimension = next((r["dimension"] for r in good if r.get("dimension")), None)
        return {"wall": wall, "cpu": cpu, "rss": statistics.median(r["max_rss_mb"] for r in good),
                "rate": count / wall, "dimension": dimension,
                "phases": [r["in_script"] for r in good if "in_script" in r],
                "loads": [r.get("load1") for r in good if r.get("load1") is not None]}

    cells = {(f, n): cell(f, n) for f in frameworks for n in counts}
    threads = ordered(r.get("threads") for r in extract)
    lines = ["### `tl extract-features` against the number of images", "",
             f"EfficientNet-Lite0 features (`avg_pool`, 1280 values), batch 32, {', '.join(map(str, threads))} threads; "
             "wall time, CPU time (user + system) and max RSS of the whole process, imports and model loading "
             "included; beside it `benchmarks/peers/keras_extract.py` (tf_keras `image_dataset_from_directory` + "
             "`predict`) on the same folder."]
    lines += image_description(images_dir, counts)

    head = ["images"]
    for f in frameworks:
        n = NAMES[f]
        head += [f"{n} wall s", f"{n} images/s", f"{n} s per 1,000", f"{n} CPU s per 1,000"]
    if "keras" in frameworks and "tl" in frameworks:
        head.append("Keras wall / tl wall")
    lines += ["", "| " + " | ".join(head) + " |", "|---:|" + "---:|" * (len(head) - 1)]
    for n in counts:
        row = [f"{n:,}"]
        for f in frameworks:
            c = cells[(f, n)]
            row += [fmt(c["wall"], 2), fmt(c["rate"]), fmt(1000 * c["wall"] / n, 1), fmt(1000 * c["cpu"] / n, 1)] if c else ["—"] * 4
        if "keras" in frameworks and "tl" in frameworks:
            t, k = cells[("tl", n)], cells[("keras", n)]
            row.append(fmt(k["wall"] / t["wall"], 2) if t and k else "—")
        lines.append("| " + " | ".join(row) + " |")

    lines.append("")
    for f in frameworks:
        points = [(n, cells[(f, n)]["wall"]) for n in counts if cells[(f, n)]]
        line = fit_line(points)
        if not line:
            continue
        fixed, per_image = line
        residual = max(abs(w - (fixed + per_image * n)) / w for n, w in points)
        lines.append(f"- {NAMES[f]}: wall ≈ {fixed:.1f} s + {1000 * per_image:.1f} s per 1,000 images "
                     f"(least squares over {len(points)} counts; largest deviation {100 * residual:.0f}%); "
                     f"{1 / per_image:.1f} images/s once started." if per_image > 0 else
                     f"- {NAMES[f]}: the fit has no positive per-image cost (too few or too noisy points).")
    keras_counts = [n for n in counts if cells.get(("keras", n)) and cells[("keras", n)]["phases"]]
    if keras_counts:
        big = keras_counts[-1]
        p = cells[("keras", big)]["phases"][-1]
        if p:
            lines.append(f"- Keras at {big:,} images, inside the script: imports {p.get('import_s', 0):.1f} s, "
                             f"model load {p.get('load_s', 0):.1f} s, listing {p.get('list_s', 0):.1f} s, "
                             f"predict (decoding included) {p.get('predict_s', 0):.1f} s, save {p.get('save_s', 0):.1f} s.")
    loads = [l for c in cells.values() if c for l in c["loads"]]
    if loads:
        lines.append(f"- 1-minute load when the processes started: {min(loads):.2f}–{max(loads):.2f}.")

    head = ["images"] + [f"{NAMES[f]} max RSS MB" for f in frameworks]
    if "keras" in frameworks and "tl" in frameworks:
        head.append("tl / Keras")
    head.append("the features (N × D × 4 bytes), MB")
    lines += ["", "### Peak memory of extract-features", "",
              "| " + " | ".join(head) + " |", "|---:|" + "---:|" * (len(head) - 1)]
    dimension = next((c["dimension"] for c in cells.values() if c and c["dimension"]), None)
    for n in counts:
        row = [f"{n:,}"] + [fmt(cells[(f, n)]["rss"], 0) if cells[(f, n)] else "—" for f in frameworks]
        if "keras" in frameworks and "tl" in frameworks:
            t, k = cells[("tl", n)], cells[("keras", n)]
            row.append(fmt(t["rss"] / k["rss"], 2) if t and k else "—")
        row.append(fmt(n * dimension * 4 / 1e6, 1) if dimension else "—")
        lines.append("| " + " | ".join(row) + " |")

    lines += ["", "Issue 6's memory target: peak memory of extract-features over 10,000 images flat (not "
                  "growing with the number of images) and below Keras's."]
    tl_counts = [n for n in counts if cells.get(("tl", n))]
    # Below one batch of 32 the activations are smaller: compare from the first full batch on.
    full = [n for n in tl_counts if n >= BATCH]
    base_counts = full if len(full) >= 2 else tl_counts
    verdicts = []
    if len(base_counts) >= 2:
        small, big = base_counts[-2], base_counts[-1]
        first = base_counts[0]
        if first != small:
            rss_first = cells[("tl", first)]["rss"]
            lines.append(f"- From {first:,} to {big:,} images tl's RSS grows {cells[('tl', big)]['rss'] - rss_first:+.0f} MB "
                         f"(a {first:,}-image run ends before the loader and the heap reach their steady size).")
        rss_small, rss_big = cells[("tl", small)]["rss"], cells[("tl", big)]["rss"]
        growth = rss_big - rss_small
        features = (big - small) * dimension * 4 / 1e6 if dimension else 0.0
        per_1000 = 1000 * growth / (big - small)
        text = (f"- Flat: tl's RSS({big:,}) / RSS({small:,}) = {rss_big / rss_small:.2f} "
                f"({growth:+.0f} MB, {per_1000:+.1f} MB per 1,000 images; the features themselves grow by "
                f"{features:.0f} MB). ")
        if growth <= FLAT_TOLERANCE * rss_small:
            text += f"Flat (within {100 * FLAT_TOLERANCE:.0f}% of RSS({small:,})): met."
            verdicts.append(True)
        elif growth - features <= FLAT_TOLERANCE * rss_small:
            text += (f"Not flat by the {100 * FLAT_TOLERANCE:.0f}% rule, but the growth is about the size of the "
                     f"feature matrix kept in memory until it is written: flat apart from the output itself.")
            verdicts.append(False)
        else:
            text += f"Not flat: grows by more than {100 * FLAT_TOLERANCE:.0f}% of RSS({small:,}) beyond the features."
            verdicts.append(False)
        if small < BATCH:
            text += f" (RSS({small:,}) ran a batch smaller than {BATCH}: smaller activations, so this overstates growth.)"
        if big < 10000:
            text += f" (Largest count here {big:,}, not the 10,000 of the target.)"
        lines.append(text)
    else:
        lines.append("- Flat: needs tl at two or more counts.")
    both = [n for n in counts if cells.get(("tl", n)) and cells.get(("keras", n))]
    if both:
        n = both[-1]
        t, k = cells[("tl", n)]["rss"], cells[("keras", n)]["rss"]
        below = t < k
        verdicts.append(below)
        lines.append(f"- Below Keras: at {n:,} images tl {t:.0f} MB, Keras {k:.0f} MB, tl / Keras = {t / k:.2f}: "
                     + ("met." if below else "not met."))
    else:
        lines.append("- Below Keras: no count with both programs.")
    if len(verdicts) == 2:
        lines.append("- Target: " + ("met." if all(verdicts) else "not met."))
    for problem in problems:
        lines.append(f"- Left out: {problem}")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results")
    parser.add_argument("--images-dir", default=".cache/bench-scaling")
    args = parser.parse_args()
    records = load(args.results)
    lines = ["## Scaling (benchmarks/bench_scaling.sh)", ""] + meta_lines(records)
    for section in (forward_section(records), extract_section(records, args.images_dir,
                                                                 os.path.join(os.path.dirname(args.results), "extract"))):
        if section:
            lines += [""] + section
    print("\n".join(lines))


if __name__ == "__main__":
    main()
