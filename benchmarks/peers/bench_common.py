"""What the peer scripts share with each other and with `tl-bench forward`.

- The input pattern (benchmarks/tl-bench/ForwardBenchmark.swift, `benchmarkInput`):
  element i of the whole NHWC batch is u = ((i * 2654435761) mod 1000003) / 1000003,
  computed in double and rounded once to float32; 2u - 1 for ResNet50 and MobileNetV2
  (keras.applications models take preprocessed input), 255u for EfficientNet-Lite0 (a
  full model with its normalization inside). The same bits in every framework, so the
  first outputs can be compared.
- The timing rule: two warm-up runs, then at least --repeat runs and at least
  --min-seconds of measuring (at most 200 runs); the median.
- One JSON line per measurement on stdout, with the process's max RSS.
"""
import json
import resource
import statistics
import time

import numpy as np

MODELS = ("resnet50", "mobilenetv2", "efficientnet-lite0")
SIZE = 224


def benchmark_input(model, batch):
    n = batch * SIZE * SIZE * 3
    i = np.arange(n, dtype=np.int64)
    u = ((i * 2654435761) % 1000003).astype(np.float64) / 1000003.0
    x = u * 255.0 if model == "efficientnet-lite0" else u * 2.0 - 1.0
    return x.astype(np.float32).reshape(batch, SIZE, SIZE, 3)


def repetition_count(minimum, first_run, minimum_seconds):
    by_time = int(np.ceil(minimum_seconds / first_run)) if first_run > 0 else minimum
    return max(max(1, minimum), min(200, by_time))


def measure(run, repeat, min_seconds):
    """run() performs one forward pass and returns its output as a numpy array."""
    warmup = []
    output = None
    for _ in range(2):
        start = time.perf_counter()
        output = run()
        warmup.append(time.perf_counter() - start)
    runs = repetition_count(repeat, warmup[1], min_seconds)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        output = run()
        times.append(time.perf_counter() - start)
    times.sort()
    # The upper median for an even count, as tl-bench takes times[count / 2].
    return {"median_s": times[len(times) // 2], "runs": runs, "min_s": times[0], "max_s": times[-1],
            "first_run_s": warmup[0], "mean_s": statistics.fmean(times)}, output


def max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def emit(framework, model, batch, threads, timing, output, **extra):
    head = [float(v) for v in np.asarray(output).reshape(-1)[:5]]
    record = {"bench": "forward", "framework": framework, "model": model, "batch": batch, "threads": threads,
              "median_s": round(timing["median_s"], 6), "images_per_s": round(batch / timing["median_s"], 3),
              "runs": timing["runs"], "min_s": round(timing["min_s"], 6), "max_s": round(timing["max_s"], 6),
              "first_run_s": round(timing["first_run_s"], 6), "max_rss_mb": round(max_rss_mb(), 1),
              "output_head": [float(f"{v:.7g}") for v in head],
              "output_finite": bool(np.isfinite(np.asarray(output)).all())}
    record.update(extra)
    print(json.dumps(record), flush=True)
