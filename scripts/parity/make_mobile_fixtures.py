#!/usr/bin/env python3
"""Parity fixtures for the mobile zoo architectures: MobileNet, MobileNetV2,
EfficientNetB0 and EfficientNet-Lite0.

For MobileNet, MobileNetV2 and EfficientNetB0 each case builds the
`keras.applications` model with tf_keras (Keras 2, whose `save_weights('x.h5')`
writes the weights-only layout with `layer_names`, as the official ImageNet
downloads do) and seeded random weights, and writes

  <out>/mobile/<case>_weights.h5   model.save_weights(..., save_format="h5") (not
                                   `.weights.h5`: tf_keras writes the Keras 3 layout for that suffix)
  <out>/mobile/<case>.h5           the fixture: `input_raw` (N, H, W, 3) RGB in [0, 255],
                                   `input_preprocessed` (the architecture's preprocess_input;
                                   for EfficientNet the identity: it normalizes in-graph),
                                   `features` (N, D): the globally average-pooled features,
                                   and with the top `logits` (N, classes) and `probabilities`
  <out>/mobile/mobile_manifest.json  the list of cases

(a subdirectory of its own, so the classic zoo's fixture script, which shares <out>,
and this one never touch each other's files).

Random weights are made realistic so every layer is exercised: He-normal kernels
(depthwise kernels too), small non-zero biases, BatchNormalization gamma and beta
random, then the moving statistics calibrated on a separate random batch (one
training-mode pass with momentum 0 and every dropout rate 0) and perturbed, so each BN
normalizes to roughly unit variance as in a trained network, yet with its own mean and
variance. (Calibrating before drawing gamma and beta would leave every later BN's
statistics stale: EfficientNet's features then grow to ~1e3.)

EfficientNetB0 is built through the `weights="imagenet"` code path, because that path
adds the layer the official weights need (see EFFICIENTNET QUIRK below): tf_keras's
`data_utils.get_file` is pointed at a file of random weights for the call, and the
Normalization layer gets the official file's statistics, mean (0.485, 0.456, 0.406)
and "variance" (0.229, 0.224, 0.225), slightly perturbed per channel.

EfficientNet-Lite0 uses the real models/efficientnet_lite0.h5 (loaded with tf_keras).

With --json-dir it also writes one JSON per architecture (224x224, with the top):
Keras's layers with weights in save order, their weight names and shapes, every layer's
name and class, and the parameter count, the committed Tests/Fixtures/zoo/<arch>.json; and
efficientnet-lite0-logits.json: Keras's 1000 logits and top-5 for the real Lite0
weights on one deterministic 224x224 input given by a formula (see lite0_ci_input).

EFFICIENTNET QUIRK. keras.applications EfficientNet starts with Rescaling(1/255) and a
Normalization layer whose weights in the official files are mean = ImageNet mean and
variance = the ImageNet *standard deviations* (0.229, 0.224, 0.225), not their squares
(tensorflow/tensorflow#49930). Normalization divides by sqrt(variance), so by sqrt(std);
since TF 2.9 / Keras 2.9 the model adds, only when weights == "imagenet", a multiplication
by 1/sqrt(std) per channel (tf_keras: a `tf.math.multiply` op layer; Keras 3: a
`Rescaling` with a per-channel scale, auto-named `rescaling_1`), so the net effect is
(x/255 - mean) / std. A model built with weights=None (or a weights file path) has no
such layer.

    .venv-tf/bin/python scripts/parity/make_mobile_fixtures.py [OUT_DIR] [--json-dir Tests/Fixtures/zoo]
    .venv-tf/bin/python scripts/parity/make_mobile_fixtures.py --json-only --json-dir Tests/Fixtures/zoo
"""
import argparse
import json
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402
from tf_keras import layers  # noqa: E402
from tf_keras.src.applications import efficientnet as tfk_efficientnet  # noqa: E402

apps = tf_keras.applications
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LITE0_PATH = os.path.join(ROOT, "models", "efficientnet_lite0.h5")

# The official efficientnetb*.h5 Normalization weights (tensorflow/tensorflow#49930).
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def _identity(x):
    return x


def _efficientnet_b0(include_top, shape, classes, activation):
    """EfficientNetB0 as built with weights='imagenet' (so with the extra per-channel
    rescaling), but with random weights: get_file returns a file of random weights
    saved from the same architecture built with weights=None."""
    pooling = None if include_top else "avg"
    tf_keras.backend.clear_session()
    donor = apps.EfficientNetB0(include_top=include_top, weights=None, input_shape=shape, classes=classes,
                                classifier_activation=activation, pooling=pooling)
    handle, path = tempfile.mkstemp(suffix=".h5")
    os.close(handle)
    donor.save_weights(path, save_format="h5")
    del donor
    tf_keras.backend.clear_session()  # canonical auto-names: rescaling, normalization, ...
    original = tfk_efficientnet.data_utils.get_file
    tfk_efficientnet.data_utils.get_file = lambda *args, **kwargs: path
    try:
        model = apps.EfficientNetB0(include_top=include_top, weights="imagenet", input_shape=shape,
                                    classes=classes, classifier_activation=activation, pooling=pooling)
    finally:
        tfk_efficientnet.data_utils.get_file = original
        os.unlink(path)
    return model


ARCHS = {
    # name: (builder(include_top, shape, classes, activation), preprocess_input, pooled layer when the top is on)
    "mobilenet": (lambda t, s, c, a: apps.MobileNet(include_top=t, weights=None, input_shape=s, classes=c,
                                                    classifier_activation=a, pooling=None if t else "avg"),
                  apps.mobilenet.preprocess_input, "global_average_pooling2d"),
    "mobilenetv2": (lambda t, s, c, a: apps.MobileNetV2(include_top=t, weights=None, input_shape=s, classes=c,
                                                        classifier_activation=a, pooling=None if t else "avg"),
                    apps.mobilenet_v2.preprocess_input, "global_average_pooling2d"),
    "efficientnetb0": (_efficientnet_b0, _identity, "avg_pool"),
}

# (architecture, input size, include_top). 75 is odd: it exercises correct_pad's odd branch.
CASES = [
    ("mobilenet", 224, True), ("mobilenet", 96, False), ("mobilenet", 75, False),
    ("mobilenetv2", 224, True), ("mobilenetv2", 96, False), ("mobilenetv2", 75, False),
    ("efficientnetb0", 224, True), ("efficientnetb0", 96, False), ("efficientnetb0", 75, False),
]


def build(arch, include_top, size, classes=1000, activation="softmax"):
    tf_keras.backend.clear_session()  # fresh auto-names (global_average_pooling2d, ...)
    return ARCHS[arch][0](include_top, (size, size, 3), classes, activation)


def weight_layers(model):
    """Layers with weights in the order save_weights writes them."""
    result = []
    for layer in model.layers:
        if layer.weights:
            result.append((layer.name, [(w.name.split("/")[-1].split(":")[0], list(w.shape)) for w in layer.weights]))
    return result


def randomize(model, rng, calibration):
    for layer in model.layers:
        if isinstance(layer, layers.DepthwiseConv2D):
            kernel = layer.depthwise_kernel
            fan_in = int(kernel.shape[0] * kernel.shape[1])
            values = [rng.normal(0, np.sqrt(2.0 / fan_in), kernel.shape).astype(np.float32)]
            if layer.use_bias:
                values.append(rng.normal(0, 0.05, layer.bias.shape).astype(np.float32))
            layer.set_weights(values)
        elif isinstance(layer, (layers.Conv2D, layers.Dense)):
            kernel = layer.kernel
            fan_in = int(np.prod(kernel.shape[:-1]))
            values = [rng.normal(0, np.sqrt(2.0 / fan_in), kernel.shape).astype(np.float32)]
            if layer.use_bias:
                values.append(rng.normal(0, 0.05, layer.bias.shape).astype(np.float32))
            layer.set_weights(values)
        elif isinstance(layer, layers.Normalization):
            # The official files' values, slightly perturbed so a swap of mean and
            # variance or of channels cannot pass; count is unused by call().
            mean = np.array(IMAGENET_MEAN) + rng.normal(0, 0.01, 3)
            variance = np.array(IMAGENET_STD) * rng.uniform(0.95, 1.05, 3)
            layer.set_weights([mean.astype(np.float32), variance.astype(np.float32), np.int64(12345)])
    bns = [layer for layer in model.layers if isinstance(layer, layers.BatchNormalization)]
    # gamma and beta first: the calibration pass must see the distributions inference will.
    for bn in bns:
        gamma, beta, mean, var = bn.get_weights()
        c = gamma.shape[0]
        bn.set_weights([rng.uniform(0.6, 1.4, c).astype(np.float32), rng.normal(0, 0.2, c).astype(np.float32),
                        mean, var])
    dropouts = [layer for layer in model.layers if isinstance(layer, layers.Dropout)]
    rates = [d.rate for d in dropouts]
    for d in dropouts:
        d.rate = 0.0
    momenta = [bn.momentum for bn in bns]
    for bn in bns:
        bn.momentum = 0.0
    model(calibration, training=True)  # moving statistics := this batch's statistics
    for d, rate in zip(dropouts, rates):
        d.rate = rate
    for bn in bns:
        gamma, beta, mean, var = bn.get_weights()
        c = gamma.shape[0]
        bn.set_weights([gamma, beta,
                        (mean + rng.normal(0, 0.05, c) * np.sqrt(var)).astype(np.float32),
                        (var * rng.uniform(0.8, 1.25, c)).astype(np.float32)])
    for bn, momentum in zip(bns, momenta):
        bn.momentum = momentum


def write_fixture(path, arch, size, include_top, weights_file, raw, pre, features, logits, probabilities):
    with h5py.File(path, "w") as f:
        f.attrs["architecture"] = arch
        f.attrs["input_size"] = size
        f.attrs["include_top"] = int(include_top)
        f.attrs["weights"] = weights_file
        f.attrs["keras"] = f"tf_keras {tf_keras.__version__}, tensorflow {tf.__version__}"
        f["input_raw"] = raw.astype(np.float32)
        f["input_preprocessed"] = pre.astype(np.float32)
        f["features"] = features.astype(np.float32)
        if logits is not None:
            f["logits"] = logits.astype(np.float32)
            f["probabilities"] = probabilities.astype(np.float32)


def make_case(arch, size, include_top, out_dir, seed):
    rng = np.random.default_rng(seed)
    preprocess = ARCHS[arch][1]
    # Logits come from the model built without the classifier's softmax; the Swift
    # model's softmax output is compared with softmax(logits).
    model = build(arch, include_top, size, activation=None)
    calibration = preprocess(rng.uniform(0, 255, (4, size, size, 3)).astype(np.float32))
    randomize(model, rng, tf.constant(calibration))

    raw = np.round(rng.uniform(0, 255, (2, size, size, 3))).astype(np.float32)
    pre = preprocess(raw.copy())
    if include_top:
        pooled = model.get_layer(ARCHS[arch][2]).output
        probe = tf_keras.Model(model.input, [pooled, model.output])
        features, logits = [t.numpy() for t in probe(tf.constant(pre), training=False)]
        features = features.reshape(features.shape[0], -1)  # MobileNet pools with keepdims
        probabilities = tf.nn.softmax(logits).numpy()
    else:
        features = model(tf.constant(pre), training=False).numpy()
        logits = probabilities = None

    case = f"{arch}_{size}_{'top' if include_top else 'notop'}"
    weights_file = case + "_weights.h5"
    model.save_weights(os.path.join(out_dir, weights_file), save_format="h5")
    write_fixture(os.path.join(out_dir, case + ".h5"), arch, size, include_top, weights_file,
                  raw, pre, features, logits, probabilities)
    print(f"{case}: params {model.count_params():,}, features {features.shape}, "
          f"max|features| {np.abs(features).max():.4g}"
          + (f", max|logits| {np.abs(logits).max():.4g}" if logits is not None else ""), flush=True)
    return {"case": case, "architecture": arch, "input_size": size, "include_top": include_top,
            "fixture": case + ".h5", "weights": weights_file}


def load_lite0():
    tf_keras.backend.clear_session()
    return tf_keras.models.load_model(LITE0_PATH, compile=False)


def lite0_features_and_logits(model, x):
    probe = tf_keras.Model(model.input, [model.get_layer("avg_pool").output, model.output])
    features, probabilities = [t.numpy() for t in probe(tf.constant(x), training=False)]
    kernel, bias = model.get_layer("predictions").get_weights()
    logits = (features.astype(np.float64) @ kernel.astype(np.float64) + bias).astype(np.float32)
    return features, logits, probabilities


def make_lite0_case(out_dir, seed):
    """The real weights on a random batch; the file itself is the weights."""
    rng = np.random.default_rng(seed)
    model = load_lite0()
    raw = np.round(rng.uniform(0, 255, (2, 224, 224, 3))).astype(np.float32)
    features, logits, probabilities = lite0_features_and_logits(model, raw)
    case = "efficientnet-lite0_224_top"
    write_fixture(os.path.join(out_dir, case + ".h5"), "efficientnet-lite0", 224, True, LITE0_PATH,
                  raw, raw, features, logits, probabilities)
    print(f"{case}: params {model.count_params():,}, max|features| {np.abs(features).max():.4g}, "
          f"max|logits| {np.abs(logits).max():.4g}", flush=True)
    return {"case": case, "architecture": "efficientnet-lite0", "input_size": 224, "include_top": True,
            "fixture": case + ".h5", "weights": LITE0_PATH}


def lite0_ci_input():
    """A deterministic 224x224 RGB image from integer arithmetic only (so Swift
    reproduces it exactly): smooth diagonal ramps per channel plus a checker
    pattern in the middle, values in [0, 255]."""
    h, w, c = np.meshgrid(np.arange(224), np.arange(224), np.arange(3), indexing="ij")
    ramp = (h * (c + 1) + w * (3 - c) + 40 * c) % 256
    checker = ((h // 28 + w // 28) % 2) * 96
    middle = (h >= 56) & (h < 168) & (w >= 56) & (w < 168)
    value = np.where(middle, (ramp // 2 + checker) % 256, ramp)
    return value.astype(np.float32)[None]


def keras3_weight_layers(arch):
    """The same listing from Keras 3 (weights=None), to check the names agree."""
    import keras  # Keras 3
    keras.backend.clear_session()
    builders = {"mobilenet": keras.applications.MobileNet, "mobilenetv2": keras.applications.MobileNetV2,
                "efficientnetb0": keras.applications.EfficientNetB0}
    model = builders[arch](weights=None)
    return [(layer.name, [list(w.shape) for w in layer.weights]) for layer in model.layers if layer.weights]


def write_listing(arch, model, json_dir, note=None, keras3_same=None):
    entry = {
        "architecture": arch,
        "generated_by": "scripts/parity/make_mobile_fixtures.py",
        "keras": f"tf_keras {tf_keras.__version__}",
        "input_shape": [224, 224, 3],
        "include_top": True,
        "classes": 1000,
        "parameters": int(model.count_params()),
    }
    if keras3_same is not None:
        entry["keras3_same_weight_layers"] = keras3_same
    if note:
        entry["note"] = note
    entry["layers"] = [{"name": name, "weight_names": [n for n, _ in weights], "weights": [s for _, s in weights]}
                       for name, weights in weight_layers(model)]
    path = os.path.join(json_dir, f"{arch}.json")
    with open(path, "w") as f:
        # One layer per line: small and diffable.
        f.write("{\n")
        for key in [k for k in entry if k != "layers"]:
            f.write(f"  {json.dumps(key)}: {json.dumps(entry[key])},\n")
        f.write('  "layers": [\n')
        rows = [f"    {json.dumps(layer, separators=(', ', ': '))}" for layer in entry["layers"]]
        f.write(",\n".join(rows))
        f.write("\n  ],\n")
        # Every Keras layer but the input, [name, class], in model order.
        f.write('  "all_layers": [\n')
        rows = [f"    {json.dumps([layer.name, type(layer).__name__])}" for layer in model.layers
                if type(layer).__name__ != "InputLayer"]
        f.write(",\n".join(rows))
        f.write("\n  ]\n}\n")
    print(f"{path}: {entry['parameters']:,} parameters, {len(entry['layers'])} layers with weights", flush=True)


def write_json(json_dir):
    for arch in ARCHS:
        model = build(arch, True, 224)
        ours = [(name, [s for _, s in weights]) for name, weights in weight_layers(model)]
        try:
            same = keras3_weight_layers(arch) == ours
        except Exception as error:  # Keras 3 missing: say so rather than guess
            print(f"{arch}: Keras 3 comparison skipped: {error}", flush=True)
            same = None
        note = None
        if arch == "efficientnetb0":
            note = ("built through the weights='imagenet' path, which adds the per-channel 1/sqrt(std) "
                    "multiplication (no weights)")
        write_listing(arch, model, json_dir, note=note, keras3_same=same)
    if os.path.exists(LITE0_PATH):
        model = load_lite0()
        write_listing("efficientnet-lite0", model, json_dir, note="models/efficientnet_lite0.h5 (converter layout)")
        x = lite0_ci_input()
        features, logits, probabilities = lite0_features_and_logits(model, x)
        top5 = np.argsort(-logits[0])[:5]
        entry = {
            "generated_by": "scripts/parity/make_mobile_fixtures.py",
            "keras": f"tf_keras {tf_keras.__version__}, tensorflow {tf.__version__}",
            "model": "models/efficientnet_lite0.h5",
            "input": ("224x224x3 float RGB, value(h, w, c) = ramp = (h*(c+1) + w*(3-c) + 40*c) % 256, and inside "
                      "56 <= h, w < 168: (ramp / 2 + 96 * ((h / 28 + w / 28) % 2)) % 256 (integer division)"),
            "input_checksum": float(x.astype(np.float64).sum()),
            "top5": [int(i) for i in top5],
            "top5_logits": [float(logits[0, i]) for i in top5],
            "top5_probabilities": [float(probabilities[0, i]) for i in top5],
            "max_abs_feature": float(np.abs(features).max()),
            "logits": [float(v) for v in logits[0]],
        }
        path = os.path.join(json_dir, "efficientnet-lite0-logits.json")
        with open(path, "w") as f:
            json.dump(entry, f, indent=1)
        print(f"{path}: top-5 {entry['top5']} logits {[round(v, 4) for v in entry['top5_logits']]}", flush=True)
    else:
        print(f"{LITE0_PATH} is missing (run `bash models/build.sh`): Lite0 listings skipped", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", nargs="?", default="/tmp/tl-parity")
    parser.add_argument("--only", help="comma-separated architectures (mobilenet, mobilenetv2, efficientnetb0, "
                                       "efficientnet-lite0)")
    parser.add_argument("--json-dir", help="also write the committed listings and the Lite0 logits here")
    parser.add_argument("--json-only", action="store_true", help="only write the JSON files")
    parser.add_argument("--seed", type=int, default=20240612)
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None

    tf.random.set_seed(args.seed)
    if args.json_dir:
        os.makedirs(args.json_dir, exist_ok=True)
        write_json(args.json_dir)
    if args.json_only:
        return 0
    args.out_dir = os.path.join(args.out_dir, "mobile")
    os.makedirs(args.out_dir, exist_ok=True)
    manifest_path = os.path.join(args.out_dir, "mobile_manifest.json")
    entries = []
    if only is not None and os.path.exists(manifest_path):
        with open(manifest_path) as f:
            entries = [e for e in json.load(f)["cases"] if e["architecture"] not in only]
    for index, (arch, size, top) in enumerate(CASES):
        if only is None or arch in only:
            entries.append(make_case(arch, size, top, args.out_dir, args.seed + index))
    if (only is None or "efficientnet-lite0" in only):
        if os.path.exists(LITE0_PATH):
            entries.append(make_lite0_case(args.out_dir, args.seed + 100))
        else:
            print(f"{LITE0_PATH} is missing (run `bash models/build.sh`): Lite0 case skipped", flush=True)
    with open(manifest_path, "w") as f:
        json.dump({"cases": entries}, f, indent=1)
    print(f"wrote {len(entries)} cases to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
