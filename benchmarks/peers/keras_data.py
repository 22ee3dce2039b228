"""The labelled image folder as tl reads it, for the Keras training peers
(keras_train.py fit, keras_retrain_head.py).

- Listing, as tl's FolderListing: class names are the sub-folder names, sorted; every
  PNG or JPEG below a class folder, sorted by path; hidden files and folders skipped.
- Split, as tl's stratifiedSplit with --val-split 0.2: each class on its own,
  round(n × 0.2) (halves away from zero) to validation, at least 1 when n ≥ 2 and never
  all; both parts keep the listing order. The counts per class are tl's; which images go
  is drawn with numpy (tl's own generator is not reproduced: it changes which images are
  held out, not how many, so not the work per epoch).
- Images: decode (3 channels), resize to 224×224 as tl's default `--resize center-crop`
  (Keras's smart_resize: centre crop to the aspect ratio, then bilinear), float RGB in
  [0, 255] as image_dataset_from_directory gives it. The model does its own normalization.
"""
import math
import os

import numpy as np

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
SIZE = 224


def list_images(folder):
    """(paths, labels, class_names) of a folder with one sub-folder per class."""
    class_names = sorted(name for name in os.listdir(folder)
                         if not name.startswith(".") and os.path.isdir(os.path.join(folder, name)))
    paths, labels = [], []
    for label, name in enumerate(class_names):
        found = []
        for root, directories, files in os.walk(os.path.join(folder, name)):
            directories[:] = [d for d in directories if not d.startswith(".")]
            found += [os.path.join(root, f) for f in files
                      if not f.startswith(".") and f.lower().endswith(IMAGE_EXTENSIONS)]
        found.sort()
        paths += found
        labels += [label] * len(found)
    return paths, labels, class_names


def stratified_split(labels, fraction=0.2, seed=1):
    """(train, validation) index lists with tl's per-class counts, in listing order."""
    labels = np.asarray(labels)
    to_validation = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        positions = np.flatnonzero(labels == label)
        n = len(positions)
        if n < 2 or fraction <= 0:
            continue
        count = min(max(int(math.floor(n * fraction + 0.5)), 1), n - 1)
        chosen = np.random.default_rng([seed, int(label)]).choice(positions, size=count, replace=False)
        to_validation[chosen] = True
    return np.flatnonzero(~to_validation).tolist(), np.flatnonzero(to_validation).tolist()


def image_dataset(paths, labels, batch, threads, cache=False, shuffle_seed=None):
    """A tf.data pipeline of (images, labels) batches. With cache, the decoded and resized
    images are kept in memory after the first pass (each epoch after the first reads them
    from there); with shuffle_seed, the order is reshuffled every epoch."""
    import tensorflow as tf
    import tf_keras

    def load(path, label):
        image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
        image = tf_keras.preprocessing.image.smart_resize(image, (SIZE, SIZE), interpolation="bilinear")
        return tf.cast(image, tf.float32), label

    dataset = tf.data.Dataset.from_tensor_slices((list(paths), np.asarray(labels, dtype=np.int32)))
    dataset = dataset.map(load, num_parallel_calls=tf.data.AUTOTUNE)
    if cache:
        dataset = dataset.cache()
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(paths), seed=shuffle_seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch).prefetch(tf.data.AUTOTUNE)
    # tf.data's own thread pool gets the same count as the ops (it defaults to every core).
    options = tf.data.Options()
    options.threading.private_threadpool_size = threads
    return dataset.with_options(options)
