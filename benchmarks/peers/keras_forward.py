#!/usr/bin/env python3
"""TensorFlow-Keras (tf_keras, Keras 2) forward throughput: the peer of `tl-bench forward`.

    python keras_forward.py --write-weights DIR
        writes DIR/resnet50.h5 and DIR/mobilenetv2.h5: tf_keras.applications models
        built with weights=None and a fixed seed, BatchNormalization statistics set to
        seeded non-trivial values, saved with save_weights (the Keras 2 weights-only
        layout of the keras.applications downloads, which tl reads as it is).
    python keras_forward.py --model resnet50 --batch 32 --weights-dir DIR [--threads 2]
        one JSON line: the median time of a forward pass (a tf.function around
        model(x, training=False), the fastest of the Keras calls here; --call predict
        uses model.predict_on_batch instead), the process's max RSS and the first outputs.

EfficientNet-Lite0 is models/efficientnet_lite0.h5 loaded with tf_keras.models.load_model
(--lite0 overrides the path). Threads: TF's intra-op and inter-op pools both get
--threads (what TF picks by itself on a machine with that many cores); --inter-op
sets the inter-op pool separately.
"""
import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

from bench_common import MODELS, benchmark_input, emit, measure  # noqa: E402

SEED = 6


def build_model(name, weights_dir=None, lite0="models/efficientnet_lite0.h5"):
    import tf_keras
    if name == "efficientnet-lite0":
        return tf_keras.models.load_model(lite0, compile=False)
    constructor = {"resnet50": tf_keras.applications.ResNet50,
                   "mobilenetv2": tf_keras.applications.MobileNetV2}[name]
    model = constructor(weights=None, input_shape=(224, 224, 3), include_top=True, classes=1000)
    if weights_dir is not None:
        model.load_weights(os.path.join(weights_dir, f"{name}.h5"))
    return model


def write_weights(directory):
    import numpy as np
    import tf_keras
    os.makedirs(directory, exist_ok=True)
    for index, name in enumerate(("resnet50", "mobilenetv2")):
        tf_keras.utils.set_random_seed(SEED + index)
        model = build_model(name)
        rng = np.random.default_rng(SEED + index)
        # Keras initializes BN to the identity (gamma 1, beta 0, mean 0, variance 1);
        # give it the spread of a trained network instead.
        for layer in model.layers:
            if isinstance(layer, tf_keras.layers.BatchNormalization):
                gamma, beta, mean, variance = layer.get_weights()
                layer.set_weights([rng.uniform(0.5, 1.5, gamma.shape).astype("float32"),
                                   rng.uniform(-0.05, 0.05, beta.shape).astype("float32"),
                                   rng.uniform(-0.05, 0.05, mean.shape).astype("float32"),
                                   rng.uniform(0.5, 1.5, variance.shape).astype("float32")])
        path = os.path.join(directory, f"{name}.h5")
        temporary = path + ".tmp.h5"
        model.save_weights(temporary)
        os.replace(temporary, path)
        print(f"wrote {path} ({model.count_params():,} parameters)", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write-weights", metavar="DIR")
    parser.add_argument("--model", choices=MODELS)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--weights-dir", metavar="DIR")
    parser.add_argument("--lite0", default="models/efficientnet_lite0.h5")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--inter-op", type=int, help="default: --threads")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--min-seconds", type=float, default=3.0)
    parser.add_argument("--call", choices=("function", "predict"), default="function")
    args = parser.parse_args()

    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    args.inter_op = args.inter_op or args.threads
    tf.config.threading.set_inter_op_parallelism_threads(args.inter_op)
    import tf_keras

    if args.write_weights:
        write_weights(args.write_weights)
        return
    if args.model is None:
        parser.error("--model or --write-weights is required")
    if args.model != "efficientnet-lite0" and args.weights_dir is None:
        parser.error("--weights-dir is required for resnet50 and mobilenetv2")

    model = build_model(args.model, args.weights_dir, args.lite0)
    x = tf.constant(benchmark_input(args.model, args.batch))
    if args.call == "function":
        forward = tf.function(lambda inputs: model(inputs, training=False))
        run = lambda: forward(x).numpy()  # noqa: E731
    else:
        run = lambda: model.predict_on_batch(x)  # noqa: E731
    timing, output = measure(run, args.repeat, args.min_seconds)
    emit("keras", args.model, args.batch, args.threads, timing, output,
         call=args.call, inter_op=args.inter_op,
         versions={"tensorflow": tf.__version__, "tf_keras": tf_keras.__version__},
         onednn=os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default (on)"))


if __name__ == "__main__":
    main()
