#!/usr/bin/env python3
"""Development check of models/efficientnet_lite0.h5 (not used by the build).

Loads the converted file with tf_keras 2.x and with Keras 3, checks both
accept it and agree, checks that a tf_keras re-save of the loaded model has
the same config, layer list and weights as the converter wrote, and prints
top-5 predictions for scikit-image's chelsea.png and coffee.png.

Run inside the venv made by scripts/keras_env.sh:
    .venv-tf/bin/python scripts/verify_efficientnet_lite0.py \
        [--model models/efficientnet_lite0.h5] [--images DIR] [--save-inputs DIR]

DIR must hold chelsea.png and coffee.png (skimage/data in the scikit-image
wheel: `pip download --no-deps scikit-image -d D && unzip D/*.whl 'skimage/data/*'`).
Preprocessing (what the Swift end-to-end test must replicate): RGB, resize the
shorter side to 224 with PIL BILINEAR (antialiased on downscale), the longer
side to round(long * 224 / short), centre crop 224x224 at ((W-224)//2,
(H-224)//2), float32 in [0, 255]; the (x-127)/128 scaling is inside the model.
"""

import argparse
import json
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import h5py
import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZE = 224


def load_image(path):
    img = Image.open(path).convert("RGB")
    w, h = img.size
    s = SIZE / min(w, h)
    nw, nh = max(SIZE, round(w * s)), max(SIZE, round(h * s))
    img = img.resize((nw, nh), Image.BILINEAR)
    left, top = (nw - SIZE) // 2, (nh - SIZE) // 2
    img = img.crop((left, top, left + SIZE, top + SIZE))
    return np.asarray(img, dtype=np.float32)


def h5_summary(path):
    """Attributes, layer names and weights of a Keras HDF5 file."""
    out = {}
    with h5py.File(path, "r") as f:
        out["root_attrs"] = sorted(f.attrs.keys())
        out["config"] = json.loads(f.attrs["model_config"])
        mw = f["model_weights"]
        out["mw_attrs"] = sorted(mw.attrs.keys())
        names = [n.decode() if isinstance(n, bytes) else n for n in mw.attrs["layer_names"]]
        out["layer_names"] = names
        weights = {}
        for name in list(mw.keys()):
            wn = [n.decode() if isinstance(n, bytes) else n for n in mw[name].attrs["weight_names"]]
            weights[name] = [(w, np.asarray(mw[name][w])) for w in wn]
        out["weights"] = weights
        out["types"] = {
            k: (h5py.h5a.open(f.id, k.encode()).get_type().get_cset(),
                h5py.h5a.open(f.id, k.encode()).get_type().is_variable_str())
            for k in f.attrs.keys()
        }
    return out


# Keys tf_keras 2.21 writes that the converter leaves out on purpose:
# Keras 3 refuses "groups" on DepthwiseConv2D, and tf_keras releases before
# "optional" existed refuse that key on InputLayer. Both are defaults.
OMITTED_KEYS = {"DepthwiseConv2D": ["groups"], "InputLayer": ["optional"]}


def compare_files(ours, resaved):
    a, b = h5_summary(ours), h5_summary(resaved)
    for layer in b["config"]["config"]["layers"]:
        for key in OMITTED_KEYS.get(layer["class_name"], []):
            layer["config"].pop(key, None)
    problems = []
    for key in ("root_attrs", "mw_attrs", "layer_names", "types"):
        if a[key] != b[key]:
            problems.append(f"{key} differ: {a[key]} vs {b[key]}")
    ca, cb = json.dumps(a["config"], sort_keys=True), json.dumps(b["config"], sort_keys=True)
    if ca != cb:
        la, lb = a["config"]["config"]["layers"], b["config"]["config"]["layers"]
        for x, y in zip(la, lb):
            if json.dumps(x, sort_keys=True) != json.dumps(y, sort_keys=True):
                problems.append(f"first differing layer config:\n  ours    {json.dumps(x, sort_keys=True)}\n"
                                f"  resaved {json.dumps(y, sort_keys=True)}")
                break
        else:
            problems.append("model_config differs outside the layer list")
    if sorted(a["weights"]) != sorted(b["weights"]):
        problems.append("weight groups differ")
    else:
        for name, ws in a["weights"].items():
            wb = b["weights"][name]
            if [w for w, _ in ws] != [w for w, _ in wb]:
                problems.append(f"{name}: weight names {[w for w, _ in ws]} vs {[w for w, _ in wb]}")
            for (w, x), (_, y) in zip(ws, wb):
                if x.shape != y.shape or not np.array_equal(x, y):
                    problems.append(f"{name}/{w}: values differ")
    return problems


def top5(probs, names):
    idx = np.argsort(-probs)[:5]
    return [(int(i), names[i], float(probs[i])) for i in idx]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "efficientnet_lite0.h5"))
    ap.add_argument("--classes", default=os.path.join(ROOT, "models", "imagenet_classes.txt"))
    ap.add_argument("--images", required=True, help="folder with chelsea.png and coffee.png")
    ap.add_argument("--save-inputs", help="write the preprocessed inputs and outputs as .npy here")
    args = ap.parse_args()

    import tensorflow as tf
    import tf_keras
    import keras

    print(f"tensorflow {tf.__version__}, tf_keras {tf_keras.__version__}, keras {keras.__version__}, "
          f"h5py {h5py.__version__}, numpy {np.__version__}")
    names = open(args.classes, encoding="utf-8").read().splitlines()
    assert len(names) == 1000, len(names)

    m2 = tf_keras.models.load_model(args.model)
    n_params = m2.count_params()
    trainable = sum(int(np.prod(w.shape)) for w in m2.trainable_weights)
    print(f"tf_keras loaded: {len(m2.layers)} layers, {n_params:,} params ({trainable:,} trainable)")
    m3 = keras.models.load_model(args.model)
    print(f"Keras 3 loaded: {len(m3.layers)} layers, {m3.count_params():,} params")

    with tempfile.TemporaryDirectory() as d:
        resaved = os.path.join(d, "resaved.h5")
        m2.save(resaved)
        problems = compare_files(args.model, resaved)
    print("tf_keras re-save matches the converter's file" if not problems else
          "DIFFERENCES vs tf_keras re-save:\n" + "\n".join(problems))

    # logits = the Dense layer before its softmax
    feat2 = tf_keras.Model(m2.input, m2.get_layer("avg_pool").output)
    kernel, bias = m2.get_layer("predictions").get_weights()

    ok = not problems
    expected = {"chelsea.png": range(281, 286), "coffee.png": [967]}
    for fname, want in expected.items():
        x = load_image(os.path.join(args.images, fname))[None]
        p2 = m2.predict(x, verbose=0)[0]
        p3 = np.asarray(m3.predict(x, verbose=0))[0]
        logits = feat2.predict(x, verbose=0)[0] @ kernel + bias
        diff = float(np.max(np.abs(p2 - p3)))
        print(f"\n{fname}: input {x.shape} mean {x.mean():.4f}; max |tf_keras - keras3| = {diff:.3g}")
        for i, name, p in top5(p2, names):
            print(f"  {i:4d} {name:24s} p={p:.6f} logit={logits[i]:.5f}")
        if args.save_inputs:
            os.makedirs(args.save_inputs, exist_ok=True)
            stem = os.path.splitext(fname)[0]
            np.save(os.path.join(args.save_inputs, stem + "_input.npy"), x[0])
            np.save(os.path.join(args.save_inputs, stem + "_probs.npy"), p2)
            np.save(os.path.join(args.save_inputs, stem + "_logits.npy"), logits)
        top1 = int(np.argmax(p2))
        if top1 not in want or int(np.argmax(p3)) != top1 or diff > 1e-4:
            ok = False
            print(f"  FAIL: top-1 {top1} not in {list(want)} or Keras versions disagree")
    print("\nOK" if ok else "\nFAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
