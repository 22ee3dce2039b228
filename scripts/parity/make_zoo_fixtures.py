#!/usr/bin/env python3
"""Parity fixtures for the classic zoo architectures (VGG, ResNet, DenseNet).

For each case this builds the `keras.applications` model (tf_keras, i.e. Keras 2,
so `save_weights('x.h5')` writes the legacy weights-only layout with `layer_names`,
exactly like the official ImageNet downloads) with random weights, and writes into
<out>/classic (a subdirectory of its own: scripts/parity/make_mobile_fixtures.py
shares <out> and writes <out>/mobile):

  classic/<case>_weights.h5  the weights (model.save_weights; not `.weights.h5`, which
                             tf_keras writes in the Keras 3 layout)
  classic/<case>.h5          the fixture: `input_raw` (N, H, W, 3) RGB in [0, 255],
                            `input_preprocessed` (the architecture's preprocess_input),
                            `features` (the global-average-pooled vector, what
                            include_top=False, pooling='avg' returns), and with the
                            top `logits` and `probabilities` (softmax of the logits)
  classic/zoo_manifest.json  the list of cases

and, with --json-dir, one JSON per architecture (built at 224 with the top) listing
Keras's layers with weights in save order, their weight shapes and the parameter
count: the committed Tests/Fixtures/zoo/<arch>.json.

The legacy ResNet50 naming (`conv1`, `bn_conv1`, `res2a_branch2a`, `fc1000`) cannot be
built by current Keras: `legacy_resnet50` below re-expresses keras-applications 1.0.8
`resnet50.py` (the last version of that file) with tf_keras layers.

Random weights are made realistic: conv/dense kernels He-normal, biases small and
non-zero, then BatchNormalization moving statistics are calibrated on a separate random
batch (one training-mode pass with momentum 0, so every BN normalizes roughly to unit
variance as a trained network does) and gamma/beta perturbed. Seeded; deterministic.

    .venv-tf/bin/python scripts/parity/make_zoo_fixtures.py [OUT_DIR] [--quick]
    .venv-tf/bin/python scripts/parity/make_zoo_fixtures.py --json-only --json-dir Tests/Fixtures/zoo
"""
import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402
from tf_keras import layers  # noqa: E402

apps = tf_keras.applications


# ---------------------------------------------------------------------------
# The legacy ResNet50 (keras-applications 1.0.8, keras_applications/resnet50.py)
# ---------------------------------------------------------------------------

def _legacy_identity_block(x, kernel_size, filters, stage, block):
    f1, f2, f3 = filters
    conv = "res" + str(stage) + block + "_branch"
    bn = "bn" + str(stage) + block + "_branch"
    inp = x
    x = layers.Conv2D(f1, (1, 1), name=conv + "2a")(x)
    x = layers.BatchNormalization(axis=3, name=bn + "2a")(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(f2, kernel_size, padding="same", name=conv + "2b")(x)
    x = layers.BatchNormalization(axis=3, name=bn + "2b")(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(f3, (1, 1), name=conv + "2c")(x)
    x = layers.BatchNormalization(axis=3, name=bn + "2c")(x)
    x = layers.add([x, inp])
    return layers.Activation("relu")(x)


def _legacy_conv_block(x, kernel_size, filters, stage, block, strides=(2, 2)):
    f1, f2, f3 = filters
    conv = "res" + str(stage) + block + "_branch"
    bn = "bn" + str(stage) + block + "_branch"
    inp = x
    # The stride sits on the first 1x1 convolution of the main path and on the shortcut.
    x = layers.Conv2D(f1, (1, 1), strides=strides, name=conv + "2a")(x)
    x = layers.BatchNormalization(axis=3, name=bn + "2a")(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(f2, kernel_size, padding="same", name=conv + "2b")(x)
    x = layers.BatchNormalization(axis=3, name=bn + "2b")(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(f3, (1, 1), name=conv + "2c")(x)
    x = layers.BatchNormalization(axis=3, name=bn + "2c")(x)
    shortcut = layers.Conv2D(f3, (1, 1), strides=strides, name=conv + "1")(inp)
    shortcut = layers.BatchNormalization(axis=3, name=bn + "1")(shortcut)
    x = layers.add([x, shortcut])
    return layers.Activation("relu")(x)


def legacy_resnet50(include_top, input_shape, classes, classifier_activation="softmax"):
    inp = layers.Input(shape=input_shape)
    x = layers.ZeroPadding2D(padding=(3, 3), name="conv1_pad")(inp)
    x = layers.Conv2D(64, (7, 7), strides=(2, 2), padding="valid", name="conv1")(x)
    x = layers.BatchNormalization(axis=3, name="bn_conv1")(x)  # epsilon: Keras's default 1e-3
    x = layers.Activation("relu")(x)
    x = layers.ZeroPadding2D(padding=(1, 1), name="pool1_pad")(x)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    stages = [(2, [64, 64, 256], "abc"), (3, [128, 128, 512], "abcd"),
              (4, [256, 256, 1024], "abcdef"), (5, [512, 512, 2048], "abc")]
    for stage, filters, blocks in stages:
        x = _legacy_conv_block(x, 3, filters, stage, "a", strides=(1, 1) if stage == 2 else (2, 2))
        for block in blocks[1:]:
            x = _legacy_identity_block(x, 3, filters, stage, block)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="fc1000")(x)
    else:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    return tf_keras.Model(inp, x, name="resnet50")


# ---------------------------------------------------------------------------
# Architectures
# ---------------------------------------------------------------------------

ARCHS = {
    # name: (builder(include_top, input_shape, classes, activation), preprocess_input, top layer, pooled layer)
    "vgg16": (lambda t, s, c, a: apps.VGG16(include_top=t, weights=None, input_shape=s, classes=c,
                                            classifier_activation=a, pooling=None if t else "avg"),
              apps.vgg16.preprocess_input, "predictions", None),
    "vgg19": (lambda t, s, c, a: apps.VGG19(include_top=t, weights=None, input_shape=s, classes=c,
                                            classifier_activation=a, pooling=None if t else "avg"),
              apps.vgg19.preprocess_input, "predictions", None),
    "resnet50": (lambda t, s, c, a: apps.ResNet50(include_top=t, weights=None, input_shape=s, classes=c,
                                                  classifier_activation=a, pooling=None if t else "avg"),
                 apps.resnet.preprocess_input, "predictions", "avg_pool"),
    "resnet101": (lambda t, s, c, a: apps.ResNet101(include_top=t, weights=None, input_shape=s, classes=c,
                                                    classifier_activation=a, pooling=None if t else "avg"),
                  apps.resnet.preprocess_input, "predictions", "avg_pool"),
    "resnet152": (lambda t, s, c, a: apps.ResNet152(include_top=t, weights=None, input_shape=s, classes=c,
                                                    classifier_activation=a, pooling=None if t else "avg"),
                  apps.resnet.preprocess_input, "predictions", "avg_pool"),
    "resnet50-legacy": (lambda t, s, c, a: legacy_resnet50(t, s, c, a),
                        apps.resnet50.preprocess_input, "fc1000", "avg_pool"),
    "densenet121": (lambda t, s, c, a: apps.DenseNet121(include_top=t, weights=None, input_shape=s, classes=c,
                                                        classifier_activation=a, pooling=None if t else "avg"),
                    apps.densenet.preprocess_input, "predictions", "avg_pool"),
}

# (architecture, input size, include_top); the 224 cases are the "full" run.
QUICK_CASES = [
    ("vgg16", 64, False), ("vgg19", 64, False),
    ("resnet50", 64, False), ("resnet101", 64, False), ("resnet152", 64, False),
    ("resnet50-legacy", 64, False), ("densenet121", 64, False),
    ("resnet50", 96, True), ("densenet121", 96, True), ("resnet50-legacy", 96, True),
]
FULL_CASES = QUICK_CASES + [("resnet50", 224, True), ("vgg16", 224, True), ("resnet50-legacy", 224, True)]


def build(arch, include_top, size, classes=1000, activation="softmax"):
    tf_keras.backend.clear_session()  # fresh auto-names (activation, activation_1, ...)
    builder = ARCHS[arch][0]
    return builder(include_top, (size, size, 3), classes, activation)


def weight_layers(model):
    """Layers with weights in the order save_weights writes them."""
    result = []
    for layer in model.layers:
        weights = layer.weights
        if weights:
            result.append((layer.name, [(w.name.split("/")[-1], list(w.shape)) for w in weights]))
    return result


def randomize(model, rng, calibration):
    """He-normal kernels, small biases, BN statistics calibrated on `calibration`."""
    for layer in model.layers:
        if isinstance(layer, (layers.Conv2D, layers.Dense)):
            kernel = layer.kernel.numpy()
            fan_in = int(np.prod(kernel.shape[:-1]))
            values = [rng.normal(0, np.sqrt(2.0 / fan_in), kernel.shape).astype(np.float32)]
            if layer.use_bias:
                values.append(rng.normal(0, 0.05, layer.bias.shape).astype(np.float32))
            layer.set_weights(values)
    bns = [layer for layer in model.layers if isinstance(layer, layers.BatchNormalization)]
    for bn in bns:
        bn.momentum = 0.0
    if bns:
        model(calibration, training=True)  # moving statistics := this batch's statistics
    for bn in bns:
        gamma, beta, mean, var = bn.get_weights()
        c = gamma.shape[0]
        bn.set_weights([rng.uniform(0.6, 1.4, c).astype(np.float32),
                        rng.normal(0, 0.2, c).astype(np.float32),
                        (mean + rng.normal(0, 0.05, c) * np.sqrt(var)).astype(np.float32),
                        (var * rng.uniform(0.8, 1.25, c)).astype(np.float32)])
        bn.momentum = 0.99


def make_case(arch, size, include_top, out_dir, seed):
    rng = np.random.default_rng(seed)
    top_name = ARCHS[arch][2]
    preprocess = ARCHS[arch][1]
    # Logits come from the same model built without the classifier's softmax.
    model = build(arch, include_top, size, activation=None)
    calibration = preprocess(rng.uniform(0, 255, (4, size, size, 3)).astype(np.float32))
    randomize(model, rng, tf.constant(calibration))

    raw = rng.uniform(0, 255, (2, size, size, 3)).astype(np.float32)
    pre = preprocess(raw.copy())
    if include_top:
        pooled = ARCHS[arch][3]
        if pooled is None:  # VGG: the block5_pool output, averaged (include_top=False, pooling='avg')
            conv = model.get_layer("block5_pool").output
            pooled_tensor = layers.GlobalAveragePooling2D()(conv)
        else:
            pooled_tensor = model.get_layer(pooled).output
        probe = tf_keras.Model(model.input, [pooled_tensor, model.get_layer(top_name).output])
        features, logits = [t.numpy() for t in probe(pre, training=False)]
    else:
        features = model(pre, training=False).numpy()
        logits = None

    case = f"{arch}_{size}_{'top' if include_top else 'notop'}"
    weights_path = os.path.join(out_dir, case + "_weights.h5")
    model.save_weights(weights_path)
    with h5py.File(os.path.join(out_dir, case + ".h5"), "w") as f:
        f.attrs["architecture"] = arch
        f.attrs["input_size"] = size
        f.attrs["include_top"] = int(include_top)
        f.attrs["weights"] = os.path.basename(weights_path)
        f.attrs["keras"] = f"tf_keras {tf_keras.__version__}, tensorflow {tf.__version__}"
        f["input_raw"] = raw
        f["input_preprocessed"] = pre.astype(np.float32)
        f["features"] = features.astype(np.float32)
        if logits is not None:
            f["logits"] = logits.astype(np.float32)
            f["probabilities"] = tf.nn.softmax(logits).numpy().astype(np.float32)
    print(f"{case}: params {model.count_params():,}, features {features.shape}, "
          f"max|features| {np.abs(features).max():.4g}"
          + (f", max|logits| {np.abs(logits).max():.4g}" if logits is not None else ""), flush=True)
    return {"case": case, "architecture": arch, "input_size": size, "include_top": include_top,
            "fixture": case + ".h5", "weights": case + "_weights.h5"}


def write_json(arch, json_dir):
    model = build(arch, True, 224)
    entry = {
        "architecture": arch,
        "generated_by": "scripts/parity/make_zoo_fixtures.py",
        "keras": f"tf_keras {tf_keras.__version__}",
        "input_shape": [224, 224, 3],
        "include_top": True,
        "classes": 1000,
        "parameters": int(model.count_params()),
        "layers": [{"name": name, "weights": [shape for _, shape in weights]}
                   for name, weights in weight_layers(model)],
        # Every layer but the input, in Keras's order, with its class: the graph must have
        # each of them (a fused activation becomes a separate `<name>_activation` node).
        "all_layers": [[layer.name, type(layer).__name__] for layer in model.layers
                       if type(layer).__name__ != "InputLayer"],
    }
    path = os.path.join(json_dir, f"{arch}.json")
    with open(path, "w") as f:
        # One layer per line: small and diffable.
        f.write("{\n")
        for key in ["architecture", "generated_by", "keras", "input_shape", "include_top", "classes", "parameters"]:
            f.write(f'  {json.dumps(key)}: {json.dumps(entry[key])},\n')
        f.write('  "layers": [\n')
        rows = [f"    {json.dumps(layer, separators=(', ', ': '))}" for layer in entry["layers"]]
        f.write(",\n".join(rows))
        f.write("\n  ],\n")
        f.write('  "all_layers": [\n')
        rows = [f"    {json.dumps(pair)}" for pair in entry["all_layers"]]
        f.write(",\n".join(rows))
        f.write("\n  ]\n}\n")
    print(f"{path}: {entry['parameters']:,} parameters, {len(entry['layers'])} layers with weights", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", nargs="?", default="/tmp/tl-parity")
    parser.add_argument("--quick", action="store_true", help="skip the 224x224 cases with the top")
    parser.add_argument("--only", help="comma-separated architectures")
    parser.add_argument("--json-dir", help="also write <arch>.json weight-layer listings here")
    parser.add_argument("--json-only", action="store_true", help="only write the JSON listings")
    parser.add_argument("--seed", type=int, default=20240611)
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None

    tf.random.set_seed(args.seed)
    if args.json_dir:
        os.makedirs(args.json_dir, exist_ok=True)
        for arch in ARCHS:
            if only is None or arch in only:
                write_json(arch, args.json_dir)
    if args.json_only:
        return
    args.out_dir = os.path.join(args.out_dir, "classic")
    os.makedirs(args.out_dir, exist_ok=True)
    manifest_path = os.path.join(args.out_dir, "zoo_manifest.json")
    cases = QUICK_CASES if args.quick else FULL_CASES
    entries = []
    if only is not None and os.path.exists(manifest_path):
        with open(manifest_path) as f:
            entries = [e for e in json.load(f)["cases"] if e["architecture"] not in only]
    for index, (arch, size, top) in enumerate(cases):
        if only is not None and arch not in only:
            continue
        entries.append(make_case(arch, size, top, args.out_dir, args.seed + index))
    with open(manifest_path, "w") as f:
        json.dump({"cases": entries}, f, indent=1)
    print(f"wrote {len(entries)} cases to {args.out_dir}")


if __name__ == "__main__":
    sys.exit(main())
