#!/usr/bin/env python3
"""Writes Tests/Fixtures/hdf5/h5py_types.h5: every HDF5 type and layout the HDF5 target must read,
as h5py and Keras write them. HDF5Tests/H5pyFixtureTests.swift checks these exact values, so
change both together.

    python3 -m venv .venv-fixtures && .venv-fixtures/bin/pip install h5py numpy
    .venv-fixtures/bin/python Tests/Fixtures/scripts/make_hdf5_fixtures.py

Needs only numpy and h5py. Values are arithmetic, not random, so the Swift side can restate them.
"""
import os

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "hdf5", "h5py_types.h5")


def main():
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    # libver "earliest" (h5py's default) keeps the file readable by Debian's libhdf5 1.10.
    with h5py.File(OUT, "w", libver="earliest") as f:
        # Root attributes as Keras/h5py write them: a Python str becomes a scalar variable-length
        # UTF-8 string; np.bytes_ a scalar fixed-length string.
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = '{"class_name": "Model", "name": "naïve"}'
        f.attrs["fixed_scalar"] = np.bytes_(b"2.1.6")
        f.attrs["epochs"] = 12  # int64 scalar
        f.attrs["learning_rate"] = 0.125  # float64 scalar
        f.attrs["mean"] = np.array([0.5, 1.5, -2.25], dtype="float32")
        f.attrs["sizes"] = np.array([224, 224, 3], dtype="int32")
        f.attrs.create("tags", data=["alpha", "βeta", ""], dtype=h5py.string_dtype("utf-8"))

        # Datasets of each numeric type and rank.
        f["dense_kernel"] = (np.arange(12, dtype="float32") * 0.5 - 1.0).reshape(3, 4)
        f["conv_kernel"] = (np.arange(48, dtype="float32") / 8.0).reshape(2, 2, 3, 4)
        f["doubles"] = np.array([0.1, -2.5, 1e-300, np.pi, 1e300], dtype="float64")
        f["int64s"] = np.array([0, 1, -5, 2**40, -(2**62)], dtype="int64")
        f["int32s"] = np.array([[7, -8], [2**31 - 1, -(2**31)]], dtype="int32")
        f["uint8s"] = np.array([0, 7, 255], dtype="uint8")
        f["scalar"] = np.float64(42.5)
        f["fixed_strings"] = np.array([b"cat", b"dog", b"bird"], dtype="S4")
        f.create_dataset("vlen_strings", data=["α", "beta", ""], dtype=h5py.string_dtype("utf-8"))

        # Keras 2 weights layout: fixed-length NUL-padded name arrays ('S8' pads b'conv1').
        weights = f.create_group("model_weights")
        weights.attrs["layer_names"] = np.array([b"conv1", b"bn_conv1"], dtype="S8")
        conv1 = weights.create_group("conv1")
        conv1.attrs["weight_names"] = np.array([b"conv1/kernel:0", b"conv1/bias:0"])
        # A layer without weights: Keras writes np.asarray([]), an empty float64 array.
        weights.create_group("bn_conv1").attrs["weight_names"] = np.asarray([])
        # A weight name with '/' nests groups: /model_weights/conv1/conv1/kernel:0.
        conv1["conv1/kernel:0"] = np.arange(6, dtype="float32").reshape(1, 1, 2, 3)
        conv1["conv1/bias:0"] = np.array([0.25, -0.5, 0.75], dtype="float32")

        # An attribute split as Keras does when it would overflow the object header.
        split = f.create_group("split")
        split.attrs["layer_names0"] = np.array([b"conv1", b"bn_conv1"], dtype="S8")
        split.attrs["layer_names1"] = np.array([b"fc1000"], dtype="S8")

        # Nested groups created through one path containing '/'.
        f.create_group("outer/inner/leaf")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
