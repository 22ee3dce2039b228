#!/usr/bin/env python3
"""TensorFlow-Keras (tf_keras, Keras 2) fine-tuning: the peer of `tl-bench train-step` and
of `tl finetune DATA --model resnet50.h5 --unfreeze 3` (issue 6).

    python keras_train.py step --weights-dir DIR [--batch 32] [--unfreeze 3] [--classes 3]
                               [--threads 2] [--repeat 5] [--min-seconds 3]
        one training step on one batch (model.train_on_batch), median after two warm-ups,
        on the peers' deterministic input at [0, 255] with labels i mod classes: one JSON
        line, like keras_forward.py.
    python keras_train.py fit DATA --weights-dir DIR [--epochs 3] [--batch 32] [--unfreeze 3]
                              [--threads 2] [--output M.h5]
        model.fit over the folder's training split with its validation split evaluated
        after every epoch (keras_data.py: tl's listing and per-class split counts, images
        decoded once and cached in memory, reshuffled every epoch), no augmentation; one
        JSON line with each epoch's wall time (Keras's epoch-begin to epoch-end callbacks,
        validation included, as in tl's report.json) and the time of each phase.

The model mirrors what `tl finetune --model resnet50.h5` trains when it has to start a
new classifier:
- ResNet50 from tf_keras.applications with the weights of DIR/resnet50.h5 (the file tl
  reads), cut at avg_pool;
- the blocks are tl's (Zoo ResNet.swift): the stem `conv1` (through pool1_pool), then each
  residual block conv2_block1 … conv5_block3; the top N blocks (N = 3: conv5_block1..3)
  and every layer after the last block (avg_pool and the head) train, every other layer
  has trainable = False (FineTuning.trainableLayerNames);
- the input is RGB in [0, 255] and the caffe preprocessing is a frozen 1×1 convolution
  inside the model, as tl puts it in its graph (swap R and B, subtract the ImageNet mean);
- the base is called with training=False, so every batch normalization uses its moving
  statistics, also in the unfrozen blocks whose gamma and beta still train: tl's rule
  without --train-bn (the Keras fine-tuning guide's);
- the head is tl's ClassifierHead: Dropout(0.2), Dense(classes) Glorot-uniform, softmax;
- Adam(1e-4) with Keras's defaults (β 0.9, 0.999, ε 1e-7, as tl's Adam), sparse
  categorical cross-entropy, no L2 (finetune's default), the accuracy metric (tl's
  trainer counts it too).

What tl does and this does not: tl trains its new classifier for up to 20 epochs on cached
features first (the `head` stage of its report) and, without augmentation, computes the
activations entering conv5_block1 once (the `activations` stage) so that its epochs run
only the top; Keras runs the whole frozen base in every epoch. bench_peers.sh reports the
first epoch and the later ones separately for that reason.
"""
import argparse
import json
import os
import resource
import statistics
import time

started = time.perf_counter()
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


def resnet_blocks(model):
    """tl's ResNet blocks in order: (name, layer names), the stem first."""
    blocks = []
    names = [layer.name for layer in model.layers]
    stem_end = names.index("pool1_pool")
    blocks.append(("conv1", [n for n in names[:stem_end + 1] if not n.startswith("input")]))
    for name in names:
        if name.endswith("_out") and "_block" in name:
            block = name[:-len("_out")]
            blocks.append((block, [n for n in names if n.startswith(block + "_")]))
    return blocks


def trainable_layer_names(model, unfreeze):
    """The layers of the top `unfreeze` blocks and every layer after the last block."""
    blocks = resnet_blocks(model)
    names = {n for _, layers in blocks[len(blocks) - unfreeze:] for n in layers}
    in_blocks = {n for _, layers in blocks for n in layers}
    order = [layer.name for layer in model.layers]
    last = max(order.index(n) for n in in_blocks)
    names.update(n for n in order[last + 1:] if n not in in_blocks)
    return names, [name for name, _ in blocks[len(blocks) - unfreeze:]]


def build_finetune_model(weights_dir, classes, unfreeze, learning_rate=1e-4, seed=1):
    import numpy as np
    import tf_keras
    from keras_forward import build_model

    tf_keras.utils.set_random_seed(seed)
    full = build_model("resnet50", weights_dir)
    base = tf_keras.Model(full.input, full.get_layer("avg_pool").output, name="resnet50")
    trainable, unfrozen_blocks = trainable_layer_names(base, unfreeze)
    for layer in base.layers:
        layer.trainable = layer.name in trainable

    inputs = tf_keras.Input((224, 224, 3), name="input_1")
    preprocess = tf_keras.layers.Conv2D(3, 1, name="tl_preprocess", trainable=False)
    x = preprocess(inputs)
    kernel = np.zeros((1, 1, 3, 3), np.float32)
    kernel[0, 0, 2, 0] = kernel[0, 0, 1, 1] = kernel[0, 0, 0, 2] = 1  # RGB in, BGR out
    preprocess.set_weights([kernel, -np.asarray(CAFFE_MEAN_BGR, np.float32)])
    x = base(x, training=False)
    head = [tf_keras.layers.Dropout(0.2, name="head_dropout"),
            tf_keras.layers.Dense(classes, kernel_initializer="glorot_uniform", name="predictions"),
            tf_keras.layers.Activation("softmax", name="predictions_softmax")]
    for layer in head:
        x = layer(x)
    model = tf_keras.Model(inputs, x, name="tl_retrained")
    model.compile(optimizer=tf_keras.optimizers.Adam(learning_rate),
                  loss=tf_keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    trainable_scalars = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    # Counted as tl counts them: the trainable layers of the base and the head's layers.
    trainable_layers = sum(layer.trainable for layer in base.layers if layer.name in trainable) + len(head)
    return model, {"trainable_parameters": trainable_scalars, "trainable_layers": trainable_layers,
                   "unfrozen_blocks": unfrozen_blocks}


def max_rss_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6, 1)


def run_step(args, versions):
    import numpy as np
    import tensorflow as tf
    from bench_common import benchmark_input, measure

    model, facts = build_finetune_model(args.weights_dir, args.classes, args.unfreeze)
    # The peers' pattern at [0, 255] (the same bits as tl-bench's `.pixels` input).
    x = tf.constant(benchmark_input("efficientnet-lite0", args.batch))
    y = tf.constant(np.arange(args.batch) % args.classes, dtype=tf.int32)
    losses = []

    def step():
        loss, _ = model.train_on_batch(x, y)
        losses.append(float(loss))
        return np.asarray(loss)

    timing, _ = measure(step, args.repeat, args.min_seconds)
    record = {"bench": "train-step", "framework": "keras", "model": "resnet50", "batch": args.batch,
              "unfreeze": args.unfreeze, "classes": args.classes, "threads": args.threads, **facts,
              "median_s": round(timing["median_s"], 6), "images_per_s": round(args.batch / timing["median_s"], 3),
              "runs": timing["runs"], "min_s": round(timing["min_s"], 6), "max_s": round(timing["max_s"], 6),
              "first_run_s": round(timing["first_run_s"], 6), "max_rss_mb": max_rss_mb(),
              "first_loss": float(f"{losses[0]:.6g}"), "last_loss": float(f"{losses[-1]:.6g}"),
              "loss_finite": bool(np.isfinite(losses).all()), "call": "train_on_batch", "versions": versions}
    print(json.dumps(record), flush=True)


def run_fit(args, versions, phases):
    import numpy as np
    import tf_keras
    from keras_data import image_dataset, list_images, stratified_split

    mark = time.perf_counter()
    paths, labels, class_names = list_images(args.data)
    train_index, validation_index = stratified_split(labels, args.val_split, args.seed)
    train = image_dataset([paths[i] for i in train_index], [labels[i] for i in train_index], args.batch,
                          args.threads, cache=True, shuffle_seed=args.seed)
    validation = image_dataset([paths[i] for i in validation_index], [labels[i] for i in validation_index],
                               args.batch, args.threads, cache=True)
    phases["list_s"] = time.perf_counter() - mark

    mark = time.perf_counter()
    model, facts = build_finetune_model(args.weights_dir, len(class_names), args.unfreeze, seed=args.seed)
    phases["load_s"] = time.perf_counter() - mark

    class EpochTimer(tf_keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds, self.logs = [], []

        def on_epoch_begin(self, epoch, logs=None):
            self.begin = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.begin)
            self.logs.append({k: float(v) for k, v in (logs or {}).items()})

    timer = EpochTimer()
    mark = time.perf_counter()
    model.fit(train, validation_data=validation, epochs=args.epochs, callbacks=[timer], verbose=0)
    phases["fit_s"] = time.perf_counter() - mark

    if args.output:
        mark = time.perf_counter()
        model.save(args.output)
        phases["save_s"] = time.perf_counter() - mark

    seconds = timer.seconds
    record = {"bench": "finetune", "framework": "keras", "model": "resnet50", "batch": args.batch,
              "unfreeze": args.unfreeze, "threads": args.threads, **facts,
              "train_images": len(train_index), "validation_images": len(validation_index),
              "epochs": len(seconds), "epoch_s": [round(s, 3) for s in seconds],
              "first_epoch_s": round(seconds[0], 3),
              "later_epoch_s": round(statistics.median(seconds[1:]), 3) if len(seconds) > 1 else None,
              **{key: round(value, 3) for key, value in phases.items()},
              "in_process_s": round(time.perf_counter() - started, 3), "max_rss_mb": max_rss_mb(),
              "last_epoch": timer.logs[-1] if timer.logs else {}, "versions": versions}
    print(json.dumps(record), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("step", "fit"))
    parser.add_argument("data", nargs="?", help="fit: a folder with one sub-folder of images per class")
    parser.add_argument("--weights-dir", metavar="DIR", required=True, help="where resnet50.h5 is")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--unfreeze", type=int, default=3)
    parser.add_argument("--classes", type=int, default=3, help="step: classes of the new head")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--min-seconds", type=float, default=3.0)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--val-split", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", metavar="M.h5", help="fit: save the trained model, as tl does")
    args = parser.parse_args()
    if args.mode == "fit" and args.data is None:
        parser.error("fit needs DATA")

    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import tf_keras
    versions = {"tensorflow": tf.__version__, "tf_keras": tf_keras.__version__}
    phases = {"import_s": time.perf_counter() - started}
    if args.mode == "step":
        run_step(args, versions)
    else:
        run_fit(args, versions, phases)


if __name__ == "__main__":
    main()
