#!/usr/bin/env python3
"""What `tl retrain-head DATA --output M.h5` does with its defaults, written the usual
Keras way: the peer of tl's small-data command (issue 6).

    python keras_retrain_head.py DATA --output M.h5 [--model models/efficientnet_lite0.h5]
                                 [--features-cache F.npz] [--threads 2]

- tf_keras.models.load_model(model), cut at avg_pool (the pooled features before the
  classifier, tl's feature node for EfficientNet-Lite0);
- the folder listed and split as tl does (keras_data.py: class folders sorted, tl's
  per-class validation counts for --val-split 0.2), images decoded and resized to 224×224
  (centre crop, bilinear), RGB in [0, 255] as the full model expects;
- features of every image with model.predict (batch 32), or, with --features-cache F.npz
  when F.npz exists and lists the same files, read from there (the cache a Keras user
  writes by hand: np.savez of the features and their paths); written there otherwise.
  tl's feature cache plays that part in its second run;
- a new head on the features with tl's retrain-head defaults: Dropout(0.2), Dense(classes,
  Glorot-uniform, kernel_regularizer=l2(1e-4)), softmax; Adam(1e-3), batch 32, at most 50
  epochs, shuffled every epoch, EarlyStopping on the validation loss with patience 8 and
  the best weights restored;
- the validation accuracy, and the backbone and head joined into one model saved as
  Keras HDF5 (tl writes the same model; it also writes report.json and two PNG plots,
  which this does not).

Prints one JSON line with the time of each phase and the process's max RSS; the wall
time of the whole process is measured outside (bench_peers.sh `timed`).
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
    parser.add_argument("--features-cache", metavar="F.npz")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--l2", type=float, default=1e-4)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--patience", type=int, default=8)
    parser.add_argument("--val-split", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import numpy as np
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import tf_keras
    from keras_data import image_dataset, list_images, stratified_split
    phases = {"import_s": time.perf_counter() - started}

    mark = time.perf_counter()
    full = tf_keras.models.load_model(args.model, compile=False)
    backbone = tf_keras.Model(full.input, full.get_layer(args.layer).output)
    phases["load_s"] = time.perf_counter() - mark

    mark = time.perf_counter()
    paths, labels, class_names = list_images(args.data)
    train_index, validation_index = stratified_split(labels, args.val_split, args.seed)
    phases["list_s"] = time.perf_counter() - mark

    mark = time.perf_counter()
    features = None
    cached = False
    if args.features_cache and os.path.exists(args.features_cache):
        stored = np.load(args.features_cache)
        if [str(p) for p in stored["paths"]] == paths:
            features, cached = stored["features"], True
    if features is None:
        features = backbone.predict(image_dataset(paths, labels, args.batch, args.threads), verbose=0)
        features = features.reshape(len(features), -1).astype(np.float32)
        if args.features_cache:
            temporary = args.features_cache + ".tmp.npz"
            np.savez(temporary, features=features, paths=np.asarray(paths))
            os.replace(temporary, args.features_cache)
    phases["features_s"] = time.perf_counter() - mark

    mark = time.perf_counter()
    tf_keras.utils.set_random_seed(args.seed)
    labels = np.asarray(labels, dtype=np.int32)
    head = tf_keras.Sequential([
        tf_keras.Input((features.shape[1],)),
        tf_keras.layers.Dropout(args.dropout, name="head_dropout"),
        tf_keras.layers.Dense(len(class_names), kernel_initializer="glorot_uniform",
                              kernel_regularizer=tf_keras.regularizers.l2(args.l2), name="predictions"),
        tf_keras.layers.Activation("softmax", name="predictions_softmax"),
    ], name="head")
    head.compile(optimizer=tf_keras.optimizers.Adam(args.learning_rate),
                 loss=tf_keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    stop = tf_keras.callbacks.EarlyStopping(monitor="val_loss", patience=args.patience, restore_best_weights=True)
    history = head.fit(features[train_index], labels[train_index], batch_size=args.batch, epochs=args.epochs,
                       validation_data=(features[validation_index], labels[validation_index]),
                       shuffle=True, callbacks=[stop], verbose=0)
    phases["train_s"] = time.perf_counter() - mark

    mark = time.perf_counter()
    probabilities = head.predict(features[validation_index], batch_size=args.batch, verbose=0)
    accuracy = float((probabilities.argmax(1) == labels[validation_index]).mean())
    model = tf_keras.Model(backbone.input, head(backbone.output), name="tl_retrained")
    model.save(args.output)
    phases["save_s"] = time.perf_counter() - mark

    record = {"bench": "retrain-head", "framework": "keras", "images": len(paths),
              "train_images": len(train_index), "validation_images": len(validation_index),
              "dimension": int(features.shape[1]), "features_from_cache": cached,
              "epochs": len(history.history["loss"]), "validation_accuracy": round(accuracy, 4),
              "threads": args.threads, **{key: round(value, 3) for key, value in phases.items()},
              "in_process_s": round(time.perf_counter() - started, 3),
              "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6, 1),
              "versions": {"tensorflow": tf.__version__, "tf_keras": tf_keras.__version__}}
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
