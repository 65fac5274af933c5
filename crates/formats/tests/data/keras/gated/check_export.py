"""Checks that Keras loads the lab's npz and JSON exports of gated networks back: for each
fixture, the network imported by the lab and exported by `flipflop export` is rebuilt in
Keras 3 from the export alone (cell, units, reset_after and recurrent_activation from the
file, weights with set_weights) and its `predict` on X.npy must equal Keras' own Y to 1e-5.

Not part of the test suite (CI has no Python/Keras); run once by hand, e.g. with the venv of
make_fixtures.py, from this folder:

    B=../../../../../../target/debug/flipflop
    for s in keras3_gru keras2_gru_v1 keras3_lstm keras3_gru_hard; do
      $B import $s.h5 --out /tmp/$s.net && $B export /tmp/$s.net --npz /tmp/$s.npz --json /tmp/$s.json
    done
    KERAS_BACKEND=jax /tmp/k3/bin/python check_export.py /tmp keras3_gru keras2_gru_v1 keras3_lstm keras3_gru_hard
"""
import json
import os
import sys

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402


def gate(key):
    """The lab's gate activation key as a Keras 3 recurrent_activation."""
    if key == "sigmoid":
        return "sigmoid"
    if key == "hard_sigmoid_keras3":
        return "hard_sigmoid"
    if key == "hard_sigmoid_keras2":
        return lambda x: keras.ops.clip(0.2 * x + 0.5, 0.0, 1.0)
    raise ValueError(key)


def model(cell, units, inputs, outputs, reset_after, activation):
    if cell == "gru":
        rnn = keras.layers.GRU(
            units, return_sequences=True, reset_after=reset_after, recurrent_activation=gate(activation)
        )
    else:
        rnn = keras.layers.LSTM(units, return_sequences=True, recurrent_activation=gate(activation))
    return keras.Sequential([keras.Input((None, inputs)), rnn, keras.layers.Dense(outputs)])


def check(folder, stem):
    x = np.load("X.npy")
    y = np.load(f"Y_{stem}.npy")
    d = np.load(os.path.join(folder, f"{stem}.npz"), allow_pickle=False)
    units, inputs = d["recurrent_kernel"].shape[0], d["kernel"].shape[0]
    m = model(str(d["cell"]), units, inputs, d["dense_bias"].shape[0], bool(d["reset_after"]), str(d["recurrent_activation"]))
    m.layers[0].set_weights([d["kernel"], d["recurrent_kernel"], d["bias"]])
    m.layers[1].set_weights([d["dense_kernel"], d["dense_bias"]])
    npz_err = float(np.abs(m.predict(x, verbose=0) - y).max())

    with open(os.path.join(folder, f"{stem}.json")) as f:
        j = json.load(f)
    lay = j["keras_layer"]
    m = model(lay["class_name"].lower(), lay["units"], inputs, len(j["dense_bias"]), lay["reset_after"], lay["recurrent_activation"])
    m.layers[0].set_weights([np.array(j[k], dtype=np.float32) for k in ("kernel", "recurrent_kernel", "bias")])
    m.layers[1].set_weights([np.array(j[k], dtype=np.float32) for k in ("dense_kernel", "dense_bias")])
    json_err = float(np.abs(m.predict(x, verbose=0) - y).max())
    ok = npz_err < 1e-5 and json_err < 1e-5
    print(f"{stem}: cell {d['cell']}, reset_after {bool(d['reset_after'])}, gate {d['recurrent_activation']}: "
          f"max |Keras(npz) - Y| = {npz_err:.2e}, max |Keras(json) - Y| = {json_err:.2e} {'ok' if ok else 'FAIL'}")
    return ok


if __name__ == "__main__":
    results = [check(sys.argv[1], s) for s in sys.argv[2:]]
    sys.exit(0 if all(results) else 1)
