"""Keras' training step time for SimpleRNN, GRU and LSTM, as the peer figures of BENCHMARKS.md
("GRU and LSTM"): one run times the three cells interleaved, so their ratios share the
machine's load.

Workload per step: batch B trials x trial_len T steps, 3 inputs, N units, Dense(3) readout,
MSE loss, Adam, one `train_on_batch` (forward + BPTT + update), float32, CPU.

    python3 -m venv /tmp/k3 && /tmp/k3/bin/pip install "jax[cpu]" keras numpy
    KERAS_BACKEND=jax /tmp/k3/bin/python scripts/keras_cells_bench.py --hidden 64 128 --batch 128 --trial-len 350

Prints one JSON line per N: backend, versions, median and fastest ms per step per cell, and
GRU/LSTM medians relative to SimpleRNN.
"""
import argparse
import json
import os
import time

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402


def build(cell, n):
    layer = {"simple_rnn": keras.layers.SimpleRNN, "gru": keras.layers.GRU, "lstm": keras.layers.LSTM}[cell]
    m = keras.Sequential([keras.Input((None, 3)), layer(n, return_sequences=True), keras.layers.Dense(3)])
    m.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    return m


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--hidden", type=int, nargs="+", default=[64, 128])
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--trial-len", type=int, default=350)
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    a = p.parse_args()
    keras.utils.set_random_seed(1)
    r = np.random.default_rng(1)
    x = r.choice([-1.0, 0.0, 1.0], p=[0.025, 0.95, 0.025], size=(a.batch, a.trial_len, 3)).astype(np.float32)
    y = r.normal(size=(a.batch, a.trial_len, 3)).astype(np.float32)
    cells = ["simple_rnn", "gru", "lstm"]
    for n in a.hidden:
        models = {c: build(c, n) for c in cells}
        for c in cells:
            for _ in range(a.warmup):
                models[c].train_on_batch(x, y)
        times = {c: [] for c in cells}
        for _ in range(a.reps):
            for c in cells:
                t0 = time.perf_counter()
                models[c].train_on_batch(x, y)
                times[c].append(1e3 * (time.perf_counter() - t0))
        med = {c: float(np.median(times[c])) for c in cells}
        print(json.dumps({
            "backend": keras.backend.backend(),
            "keras": keras.__version__,
            "hidden": n, "batch": a.batch, "trial_len": a.trial_len, "reps": a.reps,
            "median_ms": {c: round(med[c], 1) for c in cells},
            "fastest_ms": {c: round(min(times[c]), 1) for c in cells},
            "relative_to_simple_rnn": {c: round(med[c] / med["simple_rnn"], 2) for c in cells},
        }), flush=True)


if __name__ == "__main__":
    main()
