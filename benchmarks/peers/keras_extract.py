#!/usr/bin/env python3
"""What `tl extract-features DATA --output F.npy` does, written the usual Keras way:
the peer of tl's end-to-end feature extraction.

    python keras_extract.py DATA --output F.npy [--model models/efficientnet_lite0.h5]
                            [--layer avg_pool] [--batch 32] [--threads 2]

tf_keras.models.load_model(model), cut at the layer (the pooled features before the
classifier), image_dataset_from_directory(DATA, image_size=(224, 224), bilinear,
shuffle=False, batch 32, RGB in [0, 255] as the full model expects), model.predict,
np.save. The rows' paths go to F.rows.txt, one a line. Prints one JSON line with the
time of each phase (imports, model load, dataset listing, predict, save) and the
process's max RSS; the wall time of the whole process is measured outside.
"""
import argparse
import json
import os
import resource
import time

started = time.perf_counter()
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data")
    parser.add_argument("--output", required=True)
    parser.add_argument("--model", default="models/efficientnet_lite0.h5")
    parser.add_argument("--layer", default="avg_pool")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import numpy as np
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import tf_keras
    phases = {"import_s": time.perf_counter() - started}

    mark = time.perf_counter()
    full = tf_keras.models.load_model(args.model, compile=False)
    model = tf_keras.Model(full.input, full.get_layer(args.layer).output)
    phases["load_s"] = time.perf_counter() - mark

    mark = time.perf_counter()
    dataset = tf_keras.utils.image_dataset_from_directory(
        args.data, labels="inferred", label_mode="int", color_mode="rgb", image_size=(224, 224),
        interpolation="bilinear", batch_size=args.batch, shuffle=False)
    paths = list(dataset.file_paths)
    images = dataset.map(lambda x, y: x).prefetch(tf.data.AUTOTUNE)
    phases["list_s"] = time.perf_counter() - mark

    mark = time.perf_counter()
    features = model.predict(images, verbose=0)
    phases["predict_s"] = time.perf_counter() - mark

    mark = time.perf_counter()
    features = features.reshape(len(features), -1).astype(np.float32)
    np.save(args.output, features)
    with open(os.path.splitext(args.output)[0] + ".rows.txt", "w") as rows:
        rows.writelines(path + "\n" for path in paths)
    phases["save_s"] = time.perf_counter() - mark

    record = {"bench": "extract", "framework": "keras", "images": int(features.shape[0]),
              "dimension": int(features.shape[1]), "threads": args.threads,
              **{key: round(value, 3) for key, value in phases.items()},
              "in_process_s": round(time.perf_counter() - started, 3),
              "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6, 1)}
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
