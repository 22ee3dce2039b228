"""Checks that a model written by tl loads in tf_keras and in Keras 3 and predicts
what tl predicted. Usage: check_roundtrip.py DIR (with DIR/model.h5 and DIR/io.h5)."""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import h5py  # noqa: E402
import numpy as np  # noqa: E402


def main(directory):
    with h5py.File(os.path.join(directory, "io.h5"), "r") as f:
        x = f["input"][()]
        expected = f["output"][()]
    tolerance = 1e-4 * (1 + np.abs(expected).max())
    failures = 0
    import tf_keras
    import keras
    for name, load in (("tf_keras", tf_keras.models.load_model), ("keras3", keras.models.load_model)):
        model = load(os.path.join(directory, "model.h5"), compile=False)
        got = np.asarray(model.predict(x, verbose=0))
        diff = np.abs(got - expected)
        worst = float(diff.max())
        ok = worst <= tolerance
        failures += not ok
        print(f"{name} {keras.__version__ if name == 'keras3' else tf_keras.__version__}: "
              f"max |keras - tl| = {worst:.3g} at {np.unravel_index(diff.argmax(), diff.shape)} "
              f"(tolerance {tolerance:.3g}) {'ok' if ok else 'FAILED'}")
    return failures


if __name__ == "__main__":
    sys.exit(1 if main(sys.argv[1]) else 0)
