#!/usr/bin/env python3
"""Build tl's offline demo dataset from two real images bundled with scikit-image.

    python scripts/make_demo_dataset.py --source .cache/skimage-data --output demo

(scripts/fetch_samples.sh downloads the images and runs this with its venv.)
numpy + Pillow only; deterministic (no randomness). Writes, under --output:

    data/<class>/<tile>.png   labeled training tiles, 48x48 RGB, three classes
    data/README.md            the labelling rules (a section of scripts/README.md)
    test/<class>/<tile>.png   labeled tiles from the held-out quarter of each image
    new/new_NN.png            a few held-out tiles without labels, for `tl predict`
    new_answers.csv           the labels of new/ (by the same rules), to check predictions
    tiles.csv                 every candidate tile with its measurements and fate

Classes:
    dab_positive   tiles of ihc.png where most pixels carry DAB (brown) stain
    dab_negative   tiles of ihc.png with hematoxylin-stained tissue and (almost) no DAB
    fundus         tiles of retina.jpg lying inside the fundus disc

Labels come from colour deconvolution (Ruifrok & Johnston 2001) with the standard
hematoxylin / eosin / DAB stain vectors, implemented here with numpy. Tiles whose
DAB fraction is between the two cut-offs are ambiguous and dropped, not labelled.

Split: the bottom quarter of each image (rows >= 3/4 height) is held out; training tiles lie
entirely in the rest, so no pixel of test/ or new/ is in data/. Tiles inside data/
overlap (stride < tile size): a random validation split of data/ is optimistic;
test/ is the honest check.
"""

import argparse
import csv
import os
import shutil
import sys
import tempfile
import time

import numpy as np
from PIL import Image

# ---------------------------------------------------------------- parameters
TILE = 48  # tile side, pixels (a few cells; tl resizes to the network's input size)

# Ruifrok & Johnston (2001), Table 1: optical-density vectors (R, G, B) of each stain,
# normalised to unit length below. Rows: hematoxylin, eosin, DAB.
STAINS = np.array([
    [0.650, 0.704, 0.286],  # hematoxylin
    [0.072, 0.990, 0.105],  # eosin (absent here; absorbs the residual)
    [0.268, 0.570, 0.776],  # DAB
])

DAB_PIXEL = 0.18   # a pixel is DAB-stained when its DAB amount (OD units) exceeds this
HEM_PIXEL = 0.15   # a pixel holds hematoxylin (nuclei, counterstained tissue) above this
POS_MIN = 0.50     # dab_positive: at least this fraction of the tile is DAB-stained
NEG_MAX = 0.05     # dab_negative: at most this fraction is DAB-stained ...
NEG_HEM_MIN = 0.05  # ... and at least this fraction holds hematoxylin (tissue, not glass)

IHC_STRIDE = 16       # candidate grid on ihc.png (dense: DAB-negative stroma is scarce) ...
POS_STRIDE = 32       # ... but dab_positive tiles only on every other row and column of it
RETINA_REDUCE = 2     # retina.jpg (1411 px) is box-averaged 2x2 to 706 px first
RETINA_STRIDE = 48    # grid on the reduced retina, both splits (= TILE: no overlap)
FUNDUS_DARK = 40      # a pixel is outside the fundus disc when max(R, G, B) < this
FUNDUS_DARK_MAX = 0.0  # fundus tiles: no such pixel (the tile lies inside the disc)
TEST_STRIDE = 32      # grid on ihc.png in the held-out quarter (less overlap)
NEW_PER_CLASS = 4     # tiles per class copied (unlabeled) to new/

CLASSES = ("dab_negative", "dab_positive", "fundus")


# ---------------------------------------------------------------- measurements
def stain_amounts(rgb):
    """(H, W, 3) uint8 RGB -> (H, W, 3) float64 amounts of H, E, DAB in OD units.

    Beer-Lambert: OD_c = -log10((I_c + 1) / 256) per channel c; with unit stain
    vectors as the rows of M, OD = amounts @ M, so amounts = OD @ inv(M).
    """
    od = -np.log10((rgb.astype(np.float64) + 1.0) / 256.0)
    m = STAINS / np.linalg.norm(STAINS, axis=1, keepdims=True)
    return od @ np.linalg.inv(m)


def split_rows(height, split):
    """Rows [y0, y1) of the split: the bottom quarter is held out for test/ and new/."""
    held = height - height // 4
    return (0, held) if split == "data" else (held, height)


def grid(width, y0, y1, stride):
    """Top-left corners of TILE x TILE tiles lying entirely in rows [y0, y1), raster order."""
    for y in range(y0, y1 - TILE + 1, stride):
        for x in range(0, width - TILE + 1, stride):
            yield y, x


def ihc_label(dab_frac, hem_frac):
    if dab_frac >= POS_MIN:
        return "dab_positive", ""
    if dab_frac <= NEG_MAX:
        if hem_frac >= NEG_HEM_MIN:
            return "dab_negative", ""
        return None, "no tissue (hematoxylin fraction below %.2f)" % NEG_HEM_MIN
    return None, "ambiguous (DAB fraction between %.2f and %.2f)" % (NEG_MAX, POS_MIN)


# ---------------------------------------------------------------- tiling
def ihc_tiles(rgb, split):
    """Candidate tiles of ihc.png: (label, reason, name, tile, measurements)."""
    h, w, _ = rgb.shape
    amounts = stain_amounts(rgb)
    dab = amounts[..., 2] > DAB_PIXEL
    hem = amounts[..., 0] > HEM_PIXEL
    y0, y1 = split_rows(h, split)
    for y, x in grid(w, y0, y1, IHC_STRIDE if split == "data" else TEST_STRIDE):
        d = float(dab[y:y + TILE, x:x + TILE].mean())
        e = float(hem[y:y + TILE, x:x + TILE].mean())
        label, reason = ihc_label(d, e)
        # Brown epithelium covers most of the image: on the dense grid there would be
        # ~4x more positive than negative tiles, so positives use the coarser grid.
        if split == "data" and label == "dab_positive" and (y % POS_STRIDE or x % POS_STRIDE):
            label, reason = None, "off the %d-px grid for dab_positive" % POS_STRIDE
        yield label, reason, "ihc_y%03d_x%03d" % (y, x), rgb[y:y + TILE, x:x + TILE], \
            {"dab_fraction": d, "hematoxylin_fraction": e}


def retina_tiles(rgb, split):
    h, w, _ = rgb.shape
    dark = rgb.max(axis=2) < FUNDUS_DARK
    y0, y1 = split_rows(h, split)
    for y, x in grid(w, y0, y1, RETINA_STRIDE):
        f = float(dark[y:y + TILE, x:x + TILE].mean())
        if f <= FUNDUS_DARK_MAX:
            label, reason = "fundus", ""
        else:
            label, reason = None, "background (dark fraction above %.2f)" % FUNDUS_DARK_MAX
        yield label, reason, "retina_y%03d_x%03d" % (y, x), rgb[y:y + TILE, x:x + TILE], \
            {"dark_fraction": f}


def save_png(array, path):
    Image.fromarray(np.ascontiguousarray(array), "RGB").save(path, optimize=False)


def spread(items, n):
    """n items evenly spaced through the list (deterministic)."""
    if len(items) <= n:
        return list(items)
    return [items[(2 * k + 1) * len(items) // (2 * n)] for k in range(n)]


# ---------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", required=True, help="folder holding ihc.png and retina.jpg")
    ap.add_argument("--output", required=True, help="demo folder to (re)write")
    args = ap.parse_args()
    start = time.monotonic()

    ihc = np.asarray(Image.open(os.path.join(args.source, "ihc.png")).convert("RGB"))
    retina_img = Image.open(os.path.join(args.source, "retina.jpg")).convert("RGB")
    retina = np.asarray(retina_img.reduce(RETINA_REDUCE))  # box filter, 1411 -> 706
    if ihc.shape != (512, 512, 3) or retina.shape != (706, 706, 3):
        sys.exit("make_demo_dataset: unexpected image sizes %s, %s" % (ihc.shape, retina.shape))

    os.makedirs(args.output, exist_ok=True)
    build = tempfile.mkdtemp(prefix=".build-", dir=args.output)
    rows, counts, held_out = [], {}, {c: [] for c in CLASSES}
    for split in ("data", "test"):
        for c in CLASSES:
            os.makedirs(os.path.join(build, split, c))
        for source, tiles in (("ihc.png", ihc_tiles(ihc, split)),
                              ("retina.jpg", retina_tiles(retina, split))):
            for label, reason, name, tile, meas in tiles:
                path = ""
                if label:
                    path = "%s/%s/%s.png" % (split, label, name)
                    save_png(tile, os.path.join(build, path))
                    counts[(split, label)] = counts.get((split, label), 0) + 1
                    if split == "test":
                        held_out[label].append((path, tile))
                y, x = (int(v) for v in name.rsplit("_y", 1)[1].split("_x"))
                rows.append({"split": split, "source": source, "y": y, "x": x,
                             "label": label or "", "file": path, "dropped_because": reason,
                             **{k: "%.4f" % v for k, v in meas.items()}})

    # new/: a few held-out tiles per class, interleaved, under neutral names.
    picks = [spread(held_out[c], NEW_PER_CLASS) for c in CLASSES]
    os.makedirs(os.path.join(build, "new"))
    answers, k = [], 0
    for r in range(NEW_PER_CLASS):
        for c, chosen in zip(CLASSES, picks):
            if r < len(chosen):
                k += 1
                fname = "new/new_%02d.png" % k
                save_png(chosen[r][1], os.path.join(build, fname))
                answers.append((fname, c, chosen[r][0]))
    with open(os.path.join(build, "new_answers.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "label", "same_tile_as"])
        w.writerows(answers)

    fields = ["split", "source", "y", "x", "label", "file", "dab_fraction",
              "hematoxylin_fraction", "dark_fraction", "dropped_because"]
    with open(os.path.join(build, "tiles.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, restval="")
        w.writeheader()
        w.writerows(rows)

    readme = os.path.join(os.path.dirname(os.path.abspath(__file__)), "README.md")
    with open(readme) as f:
        text = f.read()
    begin, end = "<!-- demo-dataset:begin -->", "<!-- demo-dataset:end -->"
    if begin not in text or end not in text:
        sys.exit("make_demo_dataset: %s lacks the %s ... %s section" % (readme, begin, end))
    section = text[text.index(begin) + len(begin):text.index(end)].strip()
    with open(os.path.join(build, "data", "README.md"), "w") as f:
        f.write("<!-- Written by scripts/make_demo_dataset.py from scripts/README.md. -->\n\n")
        f.write(section + "\n")

    # Swap the finished folders in; anything else under --output is left alone.
    for part in ("data", "test", "new", "new_answers.csv", "tiles.csv"):
        dest = os.path.join(args.output, part)
        if os.path.isdir(dest):
            shutil.rmtree(dest)
        elif os.path.exists(dest):
            os.remove(dest)
        os.rename(os.path.join(build, part), dest)
    os.rmdir(build)

    print("demo dataset in %s (%.1f s)" % (args.output, time.monotonic() - start))
    print("  %-13s %5s %5s %4s" % ("class", "data", "test", "new"))
    for c in CLASSES:
        print("  %-13s %5d %5d %4d" % (c, counts.get(("data", c), 0), counts.get(("test", c), 0),
                                        sum(1 for a in answers if a[1] == c)))
    dropped = {}
    for r in rows:
        if not r["label"]:
            key = r["dropped_because"].split(" (")[0]
            dropped[key] = dropped.get(key, 0) + 1
    print("  dropped: " + ", ".join("%d %s" % (n, k) for k, n in sorted(dropped.items())))


if __name__ == "__main__":
    main()
