#!/usr/bin/env python3
"""Checks that h5py reads a file written by the Swift HDF5 target with the types numpy/Keras expect.

    TL_HDF5_SAMPLE=/tmp/swift_written.h5 swift test --filter SwiftWrittenSampleTests
    .venv-fixtures/bin/python Tests/Fixtures/scripts/check_swift_written_hdf5.py /tmp/swift_written.h5

The expected values restate HDF5Tests/H5pyFixtureTests.swift (SwiftWrittenSampleTests).
Needs only numpy and h5py; exits non-zero on the first mismatch.
"""
import sys

import h5py
import numpy as np


def check(condition, message):
    if not condition:
        sys.exit(f"FAIL: {message}")
    print(f"ok   {message}")


def main(path):
    with h5py.File(path, "r") as f:
        # Scalar variable-length UTF-8 strings decode to Python str, as Keras expects of keras_version.
        check(f.attrs["keras_version"] == "2.15.0", "keras_version is str '2.15.0'")
        check(f.attrs["model_config"] == '{"name": "naïve"}', "model_config UTF-8 round trip")
        check(h5py.check_string_dtype(f.attrs.get_id("keras_version").dtype).encoding == "utf-8",
              "scalar strings are variable-length UTF-8")
        check(f.attrs["epochs"] == 12 and f.attrs["epochs"].dtype == np.int64, "epochs int64 scalar")
        check(f.attrs["rate"] == 0.125 and f.attrs["rate"].dtype == np.float64, "rate float64 scalar")
        check(f.attrs["mean"].dtype == np.float32 and list(f.attrs["mean"]) == [0.5, 1.5, -2.25], "mean float32[3]")
        check(f.attrs["sizes"].dtype == np.int32 and list(f.attrs["sizes"]) == [224, 224, 3], "sizes int32[3]")
        check(list(f.attrs["tags"]) == ["alpha", "βeta", ""], "tags variable-length string array")

        weights = f["model_weights"]
        names = weights.attrs["layer_names"]
        # Keras 2 decodes these with n.decode('utf8'): they must be numpy bytes of dtype 'S'.
        check(names.dtype == np.dtype("S8"), f"layer_names dtype is S8 (got {names.dtype})")
        check([n.decode("utf8") for n in names] == ["conv1", "bn_conv1"], "layer_names values")
        conv1 = weights["conv1"]
        weight_names = [n.decode("utf8") for n in conv1.attrs["weight_names"]]
        check(weight_names == ["conv1/kernel:0", "conv1/bias:0"], "weight_names values")
        kernel = conv1[weight_names[0]]
        check(kernel.dtype == np.float32 and kernel.shape == (1, 1, 2, 3), "kernel float32 (1,1,2,3)")
        check(np.array_equal(kernel[()], np.arange(6, dtype="float32").reshape(1, 1, 2, 3)), "kernel values")
        check(np.array_equal(conv1[weight_names[1]][()], np.array([0.25, -0.5, 0.75], dtype="float32")),
              "bias values")
        check(len(weights["bn_conv1"].attrs["weight_names"]) == 0, "empty weight_names")

        check(np.array_equal(f["doubles"][()], np.array([0.1, -2.5, 1e-300, np.pi, 1e300])), "doubles float64")
        check(f["int64s"].dtype == np.int64 and
              list(f["int64s"][()]) == [0, 1, -5, 2**40, -(2**62)], "int64s")
        check(f["int32s"].dtype == np.int32 and f["int32s"].shape == (2, 2) and
              f["int32s"][()].tolist() == [[7, -8], [2**31 - 1, -(2**31)]], "int32s (2,2)")
        check(f["scalar"].shape == () and f["scalar"][()] == 42.5, "scalar dataset")
        check(f["fixed_strings"].dtype == np.dtype("S4") and
              f["fixed_strings"][()].tolist() == [b"cat", b"dog", b"bird"], "fixed_strings S4")
        check(f["vlen_strings"].asstr()[()].tolist() == ["α", "beta", ""], "vlen_strings")
        check(f["empty"].shape == (0, 3) and f["empty"].dtype == np.float32, "empty (0,3) float32")

        # Split exactly as Keras's load_attributes_from_hdf5_group expects.
        check("big_names" not in f.attrs, "big_names written in parts")
        parts, index = [], 0
        while f"big_names{index}" in f.attrs:
            parts.extend(n.decode("utf8") for n in f.attrs[f"big_names{index}"])
            index += 1
        check(index > 1 and parts == [f"layer_{i}_with_a_long_name_x" for i in range(3000)],
              f"big_names joined from {index} parts")
    print("all checks passed")


if __name__ == "__main__":
    main(sys.argv[1])
