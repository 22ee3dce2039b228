#!/usr/bin/env python3
"""ONNX Runtime forward throughput: the peer of `tl-bench forward`.

    python onnx_forward.py --convert DIR
        converts the three Keras models (keras_forward.build_model: the weights files in
        DIR and models/efficientnet_lite0.h5) to DIR/<model>.onnx with
        tf2onnx.convert.from_keras (opset 17, batch dimension left free), and checks
        each against Keras on a batch of 2 (largest absolute difference printed).
    python onnx_forward.py --model resnet50 --batch 32 --onnx-dir DIR [--threads 2]
        one JSON line, like keras_forward.py. This mode imports onnxruntime and numpy
        only (no TensorFlow), so the max RSS is ONNX Runtime's own.

Session: intra_op_num_threads = --threads, inter_op_num_threads = 1, sequential
execution, ORT_ENABLE_ALL graph optimizations, CPUExecutionProvider.
"""
import argparse
import os
import sys

from bench_common import MODELS, benchmark_input, emit, measure

OPSET = 17


def convert(directory, lite0):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow as tf
    import tf2onnx
    import onnxruntime as ort
    from keras_forward import build_model

    for name in MODELS:
        model = build_model(name, directory, lite0)
        spec = (tf.TensorSpec((None, 224, 224, 3), tf.float32, name="input"),)
        path = os.path.join(directory, f"{name}.onnx")
        temporary = path + ".tmp"
        tf2onnx.convert.from_keras(model, input_signature=spec, opset=OPSET, output_path=temporary)
        os.replace(temporary, path)
        x = benchmark_input(name, 2)
        expected = model(x, training=False).numpy()
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        actual = session.run(None, {session.get_inputs()[0].name: x})[0]
        print(f"wrote {path} (tf2onnx {tf2onnx.__version__}, opset {OPSET}); "
              f"max |ORT - Keras| on a batch of 2: {np.abs(actual - expected).max():.3g}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--convert", metavar="DIR")
    parser.add_argument("--lite0", default="models/efficientnet_lite0.h5")
    parser.add_argument("--model", choices=MODELS)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--onnx-dir", metavar="DIR")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--min-seconds", type=float, default=3.0)
    args = parser.parse_args()

    if args.convert:
        convert(args.convert, args.lite0)
        return
    if args.model is None or args.onnx_dir is None:
        parser.error("--model and --onnx-dir (or --convert DIR) are required")

    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(os.path.join(args.onnx_dir, f"{args.model}.onnx"), options,
                                   providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    x = benchmark_input(args.model, args.batch)
    run = lambda: session.run(None, {input_name: x})[0]  # noqa: E731
    timing, output = measure(run, args.repeat, args.min_seconds)
    emit("onnxruntime", args.model, args.batch, args.threads, timing, output,
         versions={"onnxruntime": ort.__version__}, opset=OPSET)


if __name__ == "__main__":
    main()
