#!/usr/bin/env python3
"""Writes Tests/Fixtures/keras/: tiny Keras models with seeded random weights, saved in every
HDF5 layout Keras writes, with fixed inputs and Keras's outputs in expected.h5.
KerasFormatTests/ checks tl's loader against them; change both together.

    .venv-tf/bin/python Tests/Fixtures/scripts/make_keras_fixtures.py

Needs tensorflow, tf_keras (Keras 2) and keras (Keras 3) from PyPI, plus h5py and numpy
(tested with tensorflow 2.21, tf_keras 2.21, keras 3.15, h5py 3.14).

For each model M (built in tf_keras, then rebuilt layer by layer in Keras 3 with the same
weights, and both checked to give the same outputs):
    M_k2w.h5       tf_keras save_weights (Keras 2 weights-only: layer_names, ':0' names)
    M_k2.h5        tf_keras model.save (Keras 2 full model)
    M_k3.h5        Keras 3 model.save to .h5 (legacy writer: no ':0', '<model>/<layer>/<w>' names)
    M.weights.h5   Keras 3 save_weights (layers/<snake_case class>[_n]/vars/<i>)
Models: convs (Conv2D, DepthwiseConv2D, SeparableConv2D, BatchNormalization, Dense options),
acts (activations; the Keras 3 twin has Keras 3's extra names appended), pools (pooling,
padding, reshape), se (squeeze-and-excitation, broadcast Multiply, Add, Dense on 4-D), prep
(Rescaling, Normalization), tiny (Sequential without Input); seq (Sequential with Input) has
full-model files only, slash ('/' in layer names, which Keras 3 refuses) Keras 2 files only.
expected.h5 holds /M/input, /M/k2 (tf_keras output) and, where Keras 3's output differs by
design (hard_sigmoid), /M/k3; elsewhere Keras 3's output is checked here to match /M/k2.

Special and bad files are crafted from those (see `crafted_files` and `bad_files`).
"""
import json
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # plain float32 arithmetic in the reference

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402
import keras  # noqa: E402
from keras.src.utils.naming import to_snake_case  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "keras"))
BATCH = 2

# Keras 2 and Keras 3 differ here, by design: `hard_sigmoid` is clip(0.2x + 0.5, 0, 1) in
# tf_keras and relu6(x + 3) / 6 in Keras 3. Layers with these names are left out of the
# cross-version comparison.
VERSION_DEPENDENT = ("act_hard_sigmoid", "conv_fused_hard_sigmoid")
VERSION_DIFFERENT_MODELS = ("acts", "seq")


# ---------------------------------------------------------------------------------------------
# Architectures. Each builder takes the Keras module (tf_keras or keras) so both versions build
# the same graph with the same layer names.

def is_k3(K):
    return K is keras


def leaky(K, slope, name):
    if is_k3(K):
        return K.layers.LeakyReLU(negative_slope=slope, name=name)
    return K.layers.LeakyReLU(alpha=slope, name=name)


def flat(K, x, name):
    return K.layers.Flatten(name=name)(x)


def build_convs(K):
    """Conv2D, DepthwiseConv2D, SeparableConv2D options; BatchNormalization variants; Dense.
    Chains of layers, each chain flattened into the one output."""
    L = K.layers
    inp = K.Input(shape=(12, 13, 3), name="image")
    x = L.Conv2D(4, 3, padding="same", activation="relu", name="c3_same_relu")(inp)
    base = L.BatchNormalization(name="bn_full")(x)
    a = L.Conv2D(3, 3, dilation_rate=2, padding="same", name="c3_d2_same")(base)
    a = L.BatchNormalization(scale=False, epsilon=1.001e-5, name="bn_noscale")(a)
    a = L.Conv2D(2, 1, activation="linear", name="c1_linear")(a)
    a = L.BatchNormalization(center=False, name="bn_nocenter")(a)  # 12x13x2
    b = L.DepthwiseConv2D(3, strides=2, depth_multiplier=2, padding="same", name="dw_m2_s2_same")(base)
    b = L.SeparableConv2D(4, 3, strides=2, depth_multiplier=2, padding="valid", use_bias=False,
                          name="sep_m2_s2_valid_nobias")(b)  # 6x7x8 -> 2x3x4
    c = L.DepthwiseConv2D(3, padding="same", use_bias=False, activation="relu", name="dw_same_nobias_relu")(base)
    c = L.DepthwiseConv2D(3, dilation_rate=2, padding="valid", name="dw_d2_valid")(c)  # 8x9x4
    c = L.SeparableConv2D(5, 3, padding="same", activation="relu", name="sep_same_relu")(c)
    c = L.Conv2D(3, 3, strides=2, padding="same", name="c3_s2_same")(c)  # 8x9: asymmetric pad rows -> 4x5x3
    d = L.Conv2D(3, 5, strides=2, padding="valid", use_bias=False, activation="swish",
                 name="c5_s2_valid_nobias_swish")(inp)  # 4x5x3
    d = L.Conv2D(2, 5, strides=2, padding="same", name="c5_s2_same")(d)  # 2x3x2, pads 1/2 rows, 2/2 columns
    e = L.Conv2D(3, 3, dilation_rate=2, padding="valid", name="c3_d2_valid")(inp)  # 8x9x3
    e = L.Conv2D(2, (3, 1), strides=(1, 2), padding="valid", activation="relu6", name="c31_s12_valid")(e)  # 6x5x2
    e = L.DepthwiseConv2D(5, strides=2, padding="valid", name="dw_k5_s2_valid")(e)  # 1x1x2
    head = L.GlobalAveragePooling2D(name="gap")(base)
    head = L.Dense(7, activation="relu", name="fc1")(head)
    head = L.Dense(3, activation="softmax", name="predictions")(head)
    flats = [flat(K, t, f"flat_{n}") for n, t in zip("abcde", [a, b, c, d, e])]
    out = L.Concatenate(name="concat_all")(flats + [head])
    return K.Model(inp, out, name="convs")


def build_acts(K):
    """Every supported activation: as an Activation layer, fused into a Conv2D, and as its own
    layer class. The Keras 3 twin has Keras 3's extra names appended at the end."""
    L = K.layers
    inp = K.Input(shape=(5, 6, 3), name="image")
    x = L.Conv2D(4, 3, padding="same", name="conv")(inp)
    names = ["relu", "relu6", "sigmoid", "hard_sigmoid", "swish", "tanh", "gelu", "softmax", "elu",
             "leaky_relu"]
    branches = [L.Activation(n, name=f"act_{n}")(x) for n in names]
    branches += [
        L.ReLU(max_value=6.0, name="relu_max6")(x),
        L.ReLU(negative_slope=0.1, threshold=0.5, name="relu_slope_threshold")(x),
        L.ReLU(max_value=4.0, negative_slope=0.2, threshold=1.0, name="relu_all_options")(x),
        L.ReLU(negative_slope=0.25, name="relu_slope")(x),
        leaky(K, 0.1, "leaky_0_1")(x),
        L.LeakyReLU(name="leaky_default")(x),
        L.Softmax(name="softmax_layer")(x),
    ]
    branches += [L.Conv2D(2, 1, activation=n, name=f"conv_fused_{n}")(x) for n in ("hard_sigmoid", "gelu")]
    if is_k3(K):
        # Names only Keras 3 knows (tf_keras has no hard_silu / hard_swish).
        branches += [L.Activation(n, name=f"act_{n}")(x) for n in ("silu", "hard_silu", "hard_swish")]
        branches.append(L.Conv2D(2, 1, activation="hard_silu", name="conv_fused_hard_silu")(x))
    out = L.Concatenate(name="concat_all")(branches)
    return K.Model(inp, out, name="acts")


def build_pools(K):
    """Pooling (valid/same, odd sizes, chained), global pooling with and without keepdims,
    ZeroPadding2D, Reshape, Flatten, Concatenate, Dropout."""
    L = K.layers
    inp = K.Input(shape=(7, 9, 3), name="image")
    c = L.Conv2D(4, 3, padding="same", name="conv")(inp)
    p = L.MaxPooling2D((3, 2), strides=1, padding="same", name="max_32_s1_same")(c)  # 7x9
    p = L.AveragePooling2D(3, strides=1, padding="same", name="avg_3_s1_same")(p)  # 7x9
    p = L.MaxPooling2D(3, strides=2, padding="same", name="max_3_s2_same")(p)  # 4x5
    p = L.AveragePooling2D(3, strides=2, padding="same", name="avg_3_s2_same")(p)  # 2x3
    q = L.MaxPooling2D(2, strides=2, padding="same", name="max_2_s2_same")(c)  # 4x5, pads bottom/right
    q = L.AveragePooling2D(2, name="avg_2_valid")(q)  # 2x2, drops the odd row/column
    r = L.AveragePooling2D((2, 3), strides=(1, 2), padding="valid", name="avg_23_s12_valid")(c)  # 6x4
    r = L.MaxPooling2D(2, name="max_2_valid")(r)  # 3x2
    z = L.ZeroPadding2D(((1, 2), (0, 3)), name="zpad_asym")(c)  # 10x12
    z = L.ZeroPadding2D(1, name="zpad_1")(z)  # 12x14
    z = L.ZeroPadding2D((2, 1), name="zpad_21")(z)  # 16x16
    z = L.MaxPooling2D(5, strides=3, name="max_5_s3_valid")(z)  # 4x4
    s = L.Reshape((9, 7, 4), name="reshape_swap")(c)
    s = L.Conv2D(2, 3, name="conv_after_reshape")(s)  # 7x5x2
    parts = [flat(K, t, f"flat_{n}") for n, t in zip("pqrzs", [p, q, r, z, s])]
    parts += [
        flat(K, L.GlobalAveragePooling2D(keepdims=True, name="gap_keep")(c), "flat_gap_keep"),
        flat(K, L.GlobalMaxPooling2D(keepdims=True, name="gmp_keep")(c), "flat_gmp_keep"),
        L.GlobalMaxPooling2D(name="gmp")(c),
        L.Reshape((-1,), name="reshape_flat")(c),
    ]
    x = L.Concatenate(name="concat_all")(parts)
    x = L.Dropout(0.4, name="dropout")(x)
    return K.Model(inp, x, name="pools")


def build_se(K):
    """An EfficientNet-style block: squeeze-and-excitation with broadcast Multiply both ways,
    Add of 2 and 3 inputs, Dense on a 4-D tensor, same-shape Multiply."""
    L = K.layers
    inp = K.Input(shape=(7, 9, 3), name="image")
    x = L.Conv2D(8, 3, padding="same", use_bias=False, name="stem_conv")(inp)
    x = L.BatchNormalization(name="stem_bn")(x)
    x = L.Activation("swish", name="stem_activation")(x)
    s = L.GlobalAveragePooling2D(keepdims=True, name="se_squeeze_keep")(x)
    s = L.Conv2D(2, 1, activation="relu", name="se_reduce")(s)
    s = L.Conv2D(8, 1, activation="sigmoid", name="se_expand")(s)
    m1 = L.Multiply(name="se_excite")([x, s])
    t = L.GlobalAveragePooling2D(name="se2_squeeze")(x)
    t = L.Reshape((1, 1, 8), name="se2_reshape")(t)
    t = L.Conv2D(2, 1, activation="swish", name="se2_reduce")(t)
    t = L.Conv2D(8, 1, activation="sigmoid", name="se2_expand")(t)
    m2 = L.Multiply(name="se2_excite_reversed")([t, x])
    a = L.Add(name="add_2")([m1, m2])
    a = L.Add(name="add_3")([a, x, m1])
    d = L.Dense(5, name="dense_on_4d")(a)
    d = L.Multiply(name="square")([d, d])
    out = L.Flatten(name="flatten")(d)
    return K.Model(inp, out, name="se")


def build_prep(K):
    """Rescaling and Normalization (adapted: statistics as weights; constants in the config)."""
    L = K.layers
    inp = K.Input(shape=(5, 6, 3), name="image")
    x = L.Rescaling(1 / 127.5, offset=-1, name="rescale")(inp)
    a = L.Normalization(axis=-1, name="norm_adapted")(x)
    b = L.Normalization(mean=[0.1, 0.2, 0.3], variance=[0.5, 1.5, 2.0], name="norm_const")(x)
    c = L.Normalization(mean=0.5, variance=4.0, name="norm_scalar")(x)
    d = L.Normalization(mean=[0.1, -0.2, 0.3], variance=[0.25, 1.0, 4.0], invert=True, name="norm_invert")(x)
    e = L.Rescaling(2.0, name="rescale_scale_only")(c)
    y = L.Concatenate(name="concat")([x, a, b, c, d, e])
    y = L.Conv2D(2, 3, name="conv")(y)
    out = L.Concatenate(name="concat_all")([flat(K, y, "flat_y"), flat(K, a, "flat_a")])
    return K.Model(inp, out, name="prep")


def build_seq(K):
    """Sequential with an explicit Input."""
    L = K.layers
    return K.Sequential([
        K.Input(shape=(7, 9, 3), name="image"),
        L.Conv2D(4, 3, activation="relu", name="conv1"),
        L.BatchNormalization(name="bn1"),
        L.ReLU(max_value=6.0, name="relu6"),
        # Differs between the versions: checks a Keras 3 Sequential .h5 (no Keras 3 marker in its
        # layers' configs) is computed with Keras 3's hard_sigmoid.
        L.Activation("hard_sigmoid", name="hard_sigmoid"),
        L.MaxPooling2D(2, name="pool"),
        L.Flatten(name="flatten"),
        L.Dense(3, activation="softmax", name="predictions"),
    ], name="seq")


def tiny_layers(K, filters=3):
    L = K.layers
    return [
        L.Conv2D(filters, 3, input_shape=(5, 6, 3), name="conv"),
        L.BatchNormalization(name="bn"),
        L.Flatten(name="flatten"),
        L.Dense(2, activation="softmax", name="dense"),
    ]


def build_tiny(K):
    """Sequential whose first layer carries input_shape (no explicit Input). Also the source of
    the crafted files (split attributes, Keras 1 names, old Sequential config)."""
    return K.Sequential(tiny_layers(K), name="tiny")


def build_slash(K):
    """Layer names with '/', as the old keras.applications DenseNet had: HDF5 nests groups."""
    L = K.layers
    inp = K.Input(shape=(5, 6, 3), name="image")
    x = L.Conv2D(4, 3, strides=2, use_bias=False, name="conv1/conv")(inp)
    x = L.BatchNormalization(epsilon=1.001e-5, name="conv1/bn")(x)
    y = L.BatchNormalization(epsilon=1.001e-5, name="conv2_block1_0/bn")(x)
    y = L.Conv2D(4, 1, use_bias=False, name="conv2_block1_1/conv")(y)
    x = L.Concatenate(name="conv2_block1_concat")([x, y])
    x = L.Flatten(name="flatten")(x)
    x = L.Dense(3, activation="softmax", name="fc1000")(x)
    return K.Model(inp, x, name="slash")


MODELS = {
    "convs": build_convs,
    "acts": build_acts,
    "pools": build_pools,
    "se": build_se,
    "prep": build_prep,
    "seq": build_seq,
    "tiny": build_tiny,
}


# ---------------------------------------------------------------------------------------------
# Weights and inputs.

def randomize(model, rng):
    """Seeded weights with a spread that exercises every branch of the activations: kernels
    scaled by fan-in, BatchNormalization with random statistics, gamma and beta."""
    for layer in model.layers:
        weights = layer.weights
        if not weights:
            continue
        if type(layer).__name__ == "Normalization":
            continue  # adapted from data instead
        values = []
        for w in weights:
            shape = tuple(w.shape)
            name = w.name.split("/")[-1].split(":")[0]
            if name in ("gamma",):
                v = rng.uniform(0.5, 1.5, shape)
            elif name in ("beta", "moving_mean"):
                v = rng.normal(0, 0.5, shape)
            elif name == "moving_variance":
                v = rng.uniform(0.5, 2.0, shape)
            elif name == "bias":
                v = rng.normal(0, 0.3, shape)
            else:
                fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
                if name == "depthwise_kernel":
                    fan_in = shape[0] * shape[1]
                v = rng.normal(0, 1.0, shape) * np.sqrt(2.0 / max(fan_in, 1))
            values.append(v.astype(np.float32))
        layer.set_weights(values)


def make_input(name, shape, rng):
    if name == "prep":
        return rng.uniform(0, 255, (BATCH,) + shape).astype(np.float32)
    scale = 3.0 if name == "acts" else 1.0  # reach the clipped parts of relu6, hard_sigmoid
    return (rng.normal(0, 1, (BATCH,) + shape) * scale).astype(np.float32)


def copy_weights(source, target):
    """tf_keras → Keras 3, layer by layer by name (a layer's weights are in the same order in both)."""
    for layer in source.layers:
        values = layer.get_weights()
        if not values:
            continue
        twin = target.get_layer(layer.name)
        expected = twin.get_weights()
        if len(expected) != len(values):
            raise SystemExit(f"{layer.name}: tf_keras has {len(values)} weights, Keras 3 {len(expected)}")
        twin.set_weights([v.astype(e.dtype).reshape(e.shape) for v, e in zip(values, expected)])
        if hasattr(twin, "finalize_state"):
            twin.finalize_state()  # Keras 3 Normalization derives its statistics from the weights here


def predict(model, x):
    return np.asarray(model(x, training=False), dtype=np.float32)


def check_close(a, b, what, mask=None):
    if mask is not None:
        a, b = a[..., mask], b[..., mask]
    diff = np.abs(a - b)
    tolerance = 1e-5 * (1 + np.abs(b).max())
    index = np.unravel_index(diff.argmax(), diff.shape)
    print(f"  {what}: max |diff| {diff.max():.3g} at {index}")
    if diff.max() > tolerance:
        raise SystemExit(f"{what}: tf_keras and Keras 3 disagree by {diff.max()} at {index}")


def output_mask(model):
    """Which output channels come from layers that differ by design between the two versions."""
    concat = model.get_layer("concat_all")
    mask = []
    for tensor in concat.input:
        producer = tensor._keras_history[0] if hasattr(tensor, "_keras_history") else tensor.node.layer
        width = int(tensor.shape[-1])
        mask += [producer.name not in VERSION_DEPENDENT] * width
    return np.array(mask)


# ---------------------------------------------------------------------------------------------

def save_k2(model, name):
    model.save_weights(os.path.join(OUT, f"{name}_k2w.h5"))
    model.save(os.path.join(OUT, f"{name}_k2.h5"), include_optimizer=False, save_format="h5")


def save_k3(model, name):
    model.save(os.path.join(OUT, f"{name}_k3.h5"), include_optimizer=False)
    model.save_weights(os.path.join(OUT, f"{name}.weights.h5"))


def fixed_seed(name):
    return sum(ord(c) * (i + 1) for i, c in enumerate(name))


def build_all(expected):
    for name, builder in MODELS.items():
        print(name)
        rng = np.random.default_rng(fixed_seed(name))
        k2 = builder(tf_keras)
        randomize(k2, rng)
        x = make_input(name, tuple(k2.input_shape[1:]), rng)
        if name == "prep":
            sample = rng.uniform(0, 255, (16,) + x.shape[1:]).astype(np.float32) / 127.5 - 1
            k2.get_layer("norm_adapted").adapt(sample)
        k3 = builder(keras)
        copy_weights(k2, k3)
        y2, y3 = predict(k2, x), predict(k3, x)
        if name == "acts":
            # The Keras 3 twin has extra channels at the end; hard_sigmoid differs by design.
            check_close(y3[..., : y2.shape[-1]], y2, "Keras 3 vs tf_keras", output_mask(k2))
        elif name == "seq":
            print(f"  Keras 3 vs tf_keras (hard_sigmoid differs by design): max |diff| {np.abs(y3 - y2).max():.3g}")
        else:
            check_close(y3, y2, "Keras 3 vs tf_keras")
        if name == "seq":
            # Weights-only layouts of a Sequential model are covered by `tiny`; keep the size down.
            k2.save(os.path.join(OUT, f"{name}_k2.h5"), include_optimizer=False, save_format="h5")
            k3.save(os.path.join(OUT, f"{name}_k3.h5"), include_optimizer=False)
        else:
            save_k2(k2, name)
            save_k3(k3, name)
        group = expected.create_group(name)
        group["input"] = x
        group["k2"] = y2
        if name in VERSION_DIFFERENT_MODELS:
            group["k3"] = y3  # elsewhere the Keras 3 output is the tf_keras one (checked above)

    # Keras 2 only: '/' in layer names (Keras 3 refuses them).
    print("slash")
    rng = np.random.default_rng(fixed_seed("slash"))
    k2 = build_slash(tf_keras)
    randomize(k2, rng)
    x = make_input("slash", tuple(k2.input_shape[1:]), rng)
    save_k2(k2, "slash")
    group = expected.create_group("slash")
    group["input"] = x
    group["k2"] = predict(k2, x)


# ---------------------------------------------------------------------------------------------
# Files crafted with h5py.

KERAS1_NAMES = {"kernel": "W", "bias": "b", "gamma": "gamma", "beta": "beta",
                "moving_mean": "running_mean", "moving_variance": "running_std",
                "depthwise_kernel": "depthwise_W"}


def crafted_files():
    # Keras 1 names, as in the official VGG16 weights: `block1_conv1_W_1:0` stored directly in the
    # layer's group, and no keras_version / backend attributes.
    shutil.copy(os.path.join(OUT, "tiny_k2w.h5"), os.path.join(OUT, "tiny_keras1_k2w.h5"))
    with h5py.File(os.path.join(OUT, "tiny_keras1_k2w.h5"), "r+") as f:
        for attr in ("keras_version", "backend"):
            if attr in f.attrs:
                del f.attrs[attr]
        for layer in [n.decode() if isinstance(n, bytes) else n for n in f.attrs["layer_names"]]:
            g = f[layer]
            old = [n.decode() if isinstance(n, bytes) else n for n in g.attrs["weight_names"]]
            new = []
            for weight in old:
                short = weight.split("/")[-1].split(":")[0]
                renamed = f"{layer}_{KERAS1_NAMES[short]}_1:0"
                g[renamed] = np.asarray(g[weight])
                new.append(renamed.encode())
            for weight in old:
                del g[weight]
            for key in list(g.keys()):
                if isinstance(g[key], h5py.Group):
                    del g[key]
            g.attrs["weight_names"] = np.array(new)
    repack("tiny_keras1_k2w.h5")

    # layer_names split into layer_names0, layer_names1 (and a weight_names split the same way),
    # as Keras does when an attribute would overflow the object header.
    for source, target, root in (("tiny_k2w.h5", "tiny_split_k2w.h5", "/"),
                                 ("tiny_k2.h5", "tiny_split_k2.h5", "model_weights")):
        shutil.copy(os.path.join(OUT, source), os.path.join(OUT, target))
        with h5py.File(os.path.join(OUT, target), "r+") as f:
            g = f[root]
            names = g.attrs["layer_names"]
            del g.attrs["layer_names"]
            half = len(names) // 2
            g.attrs["layer_names0"] = names[:half]
            g.attrs["layer_names1"] = names[half:]
            bn = g["bn"]
            weights = bn.attrs["weight_names"]
            del bn.attrs["weight_names"]
            bn.attrs["weight_names0"] = weights[:1]
            bn.attrs["weight_names1"] = weights[1:3]
            bn.attrs["weight_names2"] = weights[3:]

    # A Sequential config as old Keras 2 wrote it: no InputLayer, batch_input_shape on the first layer.
    shutil.copy(os.path.join(OUT, "tiny_k2.h5"), os.path.join(OUT, "tiny_legacy_k2.h5"))
    with h5py.File(os.path.join(OUT, "tiny_legacy_k2.h5"), "r+") as f:
        config = json.loads(f.attrs["model_config"])
        layers = config["config"]["layers"]
        if layers[0]["class_name"] == "InputLayer":
            shape = layers[0]["config"]["batch_input_shape"]
            layers.pop(0)
            layers[0]["config"]["batch_input_shape"] = shape
        f.attrs["model_config"] = json.dumps(config)


def repack(name):
    """Rewrites a file compactly: deleting objects in place leaves holes HDF5 does not reclaim."""
    path = os.path.join(OUT, name)
    temp = path + ".tmp"
    with h5py.File(path, "r") as src, h5py.File(temp, "w") as dst:
        for key, value in src.attrs.items():
            dst.attrs[key] = value
        for key in src:
            src.copy(src[key], dst, name=key)
    os.replace(temp, path)


def bad_files():
    with open(os.path.join(OUT, "bad_text.h5"), "w") as f:
        f.write("this is a text file, not HDF5\n")

    data = open(os.path.join(OUT, "tiny_k2.h5"), "rb").read()
    with open(os.path.join(OUT, "bad_truncated.h5"), "wb") as f:
        f.write(data[: len(data) // 2])

    with h5py.File(os.path.join(OUT, "bad_not_keras.h5"), "w", libver="latest") as f:
        f["data"] = np.arange(6, dtype=np.float32).reshape(2, 3)
        f.create_group("something").attrs["note"] = "an HDF5 file, but not from Keras"

    # The `tiny` architecture with 4 filters instead of 3 in `conv` (same layer names).
    for K, path in ((tf_keras, "bad_shapes_k2w.h5"), (keras, "bad_shapes.weights.h5")):
        wrong = K.Sequential(tiny_layers(K, filters=4), name="tiny")
        wrong.save_weights(os.path.join(OUT, path))

    # An unsupported layer class.
    L = tf_keras.layers
    inp = tf_keras.Input(shape=(5, 6, 3), name="image")
    x = L.Reshape((30, 3), name="to_sequence")(inp)
    x = L.Conv1D(2, 3, name="temporal_conv")(x)
    x = L.GlobalAveragePooling1D(name="gap1d")(x)
    tf_keras.Model(inp, x, name="conv1d").save(os.path.join(OUT, "bad_conv1d_k2.h5"), save_format="h5")

    # channels_first: never computed as if channels_last.
    inp = tf_keras.Input(shape=(3, 5, 6), name="image")
    x = L.Conv2D(2, 3, data_format="channels_first", name="conv_cf")(inp)
    x = L.Flatten(name="flatten")(x)
    tf_keras.Model(inp, x, name="channels_first").save(os.path.join(OUT, "bad_channels_first_k2.h5"),
                                                       save_format="h5")


def main():
    tf.random.set_seed(0)
    keras.utils.set_random_seed(0)
    if os.path.isdir(OUT):
        for name in os.listdir(OUT):
            if name.endswith(".h5"):
                os.remove(os.path.join(OUT, name))
    os.makedirs(OUT, exist_ok=True)
    with h5py.File(os.path.join(OUT, "expected.h5"), "w") as expected:
        expected.attrs["tensorflow_version"] = tf.__version__
        expected.attrs["tf_keras_version"] = tf_keras.__version__
        expected.attrs["keras_version"] = keras.__version__
        build_all(expected)
    crafted_files()
    bad_files()
    # Hard-coded in KerasFormatTests/KerasLoaderErrorTests.swift (KerasSnakeCaseTests).
    print("snake case:", {n: to_snake_case(n) for n in (
        "Conv2D", "DepthwiseConv2D", "BatchNormalization", "GlobalAveragePooling2D", "ReLU",
        "SeparableConv2D", "Dense", "InputLayer", "LeakyReLU", "ZeroPadding2D", "MaxPooling2D",
        "Normalization", "Conv2DTranspose", "PReLU", "ELU", "Conv1D", "UpSampling2D", "Rescaling",
        "Activation", "HTTPServer", "ABCDef")})
    total = 0
    for name in sorted(os.listdir(OUT)):
        size = os.path.getsize(os.path.join(OUT, name))
        total += size
        print(f"  {name:32s} {size:8d}")
    print(f"  total {total} bytes")
    if total > 1_500_000:
        sys.exit("fixtures exceed 1.5 MB")


if __name__ == "__main__":
    main()
