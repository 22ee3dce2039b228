#!/usr/bin/env python3
"""One JSON line for bench_peers.sh from a whole-process training run: `tl finetune` or
`tl retrain-head` (read from the report.json beside its model) or a Keras peer (the last
JSON line of its log), plus the wall time and max RSS that bench_peers.sh measured
around the process.

    python run_record.py --bench finetune|retrain-head --framework tl|keras
                         (--report REPORT.json | --log LOG) --round R --load1 L
                         --wall S --rss-kb KB [--run first|cached] [--epochs E] [--log LOG]

For `tl finetune` (its report lists the head epochs first, then the fine-tuning ones):
- epoch_s: the wall time of each of the last E epochs (tl's EpochRecord.seconds: the
  training batches and the validation pass, not the checkpoint written after it);
- first_epoch_s: the `activations` stage (the frozen base run once over every image,
  train and validation, which Keras does again in every epoch) plus the first epoch;
- later_epoch_s: the median of the other epochs;
- checkpoint_s: the `fine-tuning` stage minus its epochs, per epoch (the checkpoint tl
  writes after each epoch; Keras writes none);
- head_s and head_epochs: the new classifier trained first on cached features (Keras's
  peer starts fine-tuning with a fresh head directly).
"""
import argparse
import json
import statistics
import sys


def tl_finetune(report, epochs):
    stages = {s["name"]: s["seconds"] for s in report["stages"]}
    records = report["epochs"][-epochs:] if epochs else report["epochs"]
    seconds = [e["seconds"] for e in records]
    splits = {s["name"]: s["total"] for s in report.get("dataset", {}).get("splits", [])}
    fields = {
        "epochs": len(seconds), "epoch_s": [round(s, 3) for s in seconds],
        "first_epoch_s": round(stages.get("activations", 0) + seconds[0], 3),
        "first_epoch_training_s": round(seconds[0], 3),
        "later_epoch_s": round(statistics.median(seconds[1:]), 3) if len(seconds) > 1 else None,
        "activations_s": round(stages.get("activations", 0), 3),
        "checkpoint_s": round((stages.get("fine-tuning", 0) - sum(seconds)) / len(seconds), 3),
        "head_s": round(stages.get("head", 0), 3), "head_epochs": len(report["epochs"]) - len(seconds),
        "train_images": splits.get("train"), "validation_images": splits.get("validation"),
        "activation_cache": report.get("hyperparameters", {}).get("activation_cache"),
        "trainable_layers": int(report.get("hyperparameters", {}).get("trainable_layers", 0)),
        "last_epoch": {"loss": records[-1]["trainLoss"], "accuracy": records[-1]["trainAccuracy"],
                       "val_loss": records[-1].get("validationLoss"),
                       "val_accuracy": records[-1].get("validationAccuracy")},
    }
    return fields


def tl_retrain_head(report, log):
    stages = {s["name"]: round(s["seconds"], 3) for s in report["stages"]}
    splits = {s["name"]: s["total"] for s in report.get("dataset", {}).get("splits", [])}
    text = open(log).read() if log else ""
    fields = {"stages": stages, "epochs": len(report["epochs"]),
              "train_images": splits.get("train"), "validation_images": splits.get("validation"),
              "images": sum(splits.values()) if splits else None,
              "features_from_cache": "features from the cache" in text,
              "validation_accuracy": round((report.get("metrics") or {}).get("accuracy", float("nan")), 4),
              "model": report.get("model", {}).get("path")}
    return fields


def last_json_line(path):
    line = None
    with open(path) as handle:
        for text in handle:
            if text.startswith("{"):
                line = text
    if line is None:
        raise SystemExit(f"run_record: no JSON line in {path}")
    return json.loads(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", choices=("finetune", "retrain-head"), required=True)
    parser.add_argument("--framework", choices=("tl", "keras"), required=True)
    parser.add_argument("--report")
    parser.add_argument("--log")
    parser.add_argument("--round", type=int, required=True)
    parser.add_argument("--load1", type=float, required=True)
    parser.add_argument("--wall", type=float, required=True)
    parser.add_argument("--rss-kb", type=float, required=True)
    parser.add_argument("--run", choices=("first", "cached"))
    parser.add_argument("--epochs", type=int)
    args = parser.parse_args()

    record = {"bench": args.bench, "framework": args.framework, "round": args.round, "load1": args.load1}
    if args.run:
        record["run"] = args.run
    try:
        if args.framework == "tl":
            with open(args.report) as handle:
                report = json.load(handle)
            if args.bench == "finetune":
                record.update(tl_finetune(report, args.epochs))
            else:
                record.update(tl_retrain_head(report, args.log))
        else:
            peer = last_json_line(args.log)
            for key in ("bench", "framework"):
                peer.pop(key, None)
            peer["in_script_rss_mb"] = peer.pop("max_rss_mb", None)
            record.update(peer)
    except (OSError, KeyError, ValueError, IndexError) as error:
        record["error"] = f"{type(error).__name__}: {error}"
        print(f"run_record: {args.framework} {args.bench}: {record['error']}", file=sys.stderr)
    record["wall_s"] = args.wall
    record["max_rss_mb"] = round(args.rss_kb * 1024 / 1e6, 1)
    print(json.dumps(record))


if __name__ == "__main__":
    main()
