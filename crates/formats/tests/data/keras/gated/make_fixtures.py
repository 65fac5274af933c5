"""Makes the small Keras files of every recurrent cell that crates/formats/tests/gated.rs
imports (SimpleRNN, GRU with reset_after True and False, LSTM; each followed by a Dense
readout), with Keras itself, and Keras' own outputs for a fixed input.

Every model: inputs 3, N = 5 recurrent units, Dense(3, linear) readout, return_sequences;
weights (biases included, so that every bias is checked) drawn from numpy's generator with a
fixed seed per model and set with `set_weights`. Next to the files:
- X.npy: float32 [batch 2, trial_len 7, inputs 3], seeded;
- Y_<file stem>.npy: float32 [2, 7, 3], Keras' `model.predict(X)` for that file's model.
The lab's import of each file must reproduce its Y (crates/formats/tests/gated.rs), and
`flipflop predict` on it too (crates/cli/tests/predict.rs).

Who wrote what (run from this folder):
- keras3_*.h5 (Keras 3's legacy HDF5, `model.save("x.h5")`) and keras3_*.keras (Keras 3's
  native zip, config.json + model.weights.h5): Keras 3.15.1, jax 0.10.2 backend, numpy 2.4,
  h5py 3.16, Python 3.11:
      python3 -m venv /tmp/k3 && /tmp/k3/bin/pip install "jax[cpu]" keras h5py numpy
      KERAS_BACKEND=jax /tmp/k3/bin/python make_fixtures.py keras3
  This run also writes X.npy.
- keras2_*.h5: tf.keras 2.15.0 (TensorFlow 2.15.1 CPU, h5py 3.16, Python 3.11), `model.save(path, save_format="h5")`,
  with Keras 2's GRU default (reset_after=True) and, as standalone Keras 2.3 (the paper's
  version) wrote it, a GRU with reset_after=False and recurrent_activation="hard_sigmoid"
  (Keras 2: clip(0.2 x + 0.5, 0, 1)):
      python3 -m venv /tmp/k2 && /tmp/k2/bin/pip install tensorflow-cpu==2.15.1 h5py
      /tmp/k2/bin/python make_fixtures.py keras2
  (needs X.npy from the keras3 run).

- weights_*.npz: the weights Keras loads from each .h5 (see `weights()`):
      KERAS_BACKEND=jax /tmp/k3/bin/python make_fixtures.py weights keras3
      /tmp/k2/bin/python make_fixtures.py weights keras2

Models (file stems): simple_rnn, gru (reset_after=True), gru_v1 (reset_after=False), lstm;
Keras 3 also gru_hard (reset_after=True, recurrent_activation="hard_sigmoid", Keras 3's
clip(x / 6 + 0.5, 0, 1)).
"""
import sys

import numpy as np

K, N, BATCH, T = 3, 5, 2, 7


def x_array():
    r = np.random.default_rng(2024)
    return r.normal(0.0, 0.8, (BATCH, T, K)).astype(np.float32)


def layer_weights(kind, reset_after, seed):
    """[kernel, recurrent_kernel, bias] of the recurrent layer and [kernel, bias] of the Dense,
    in Keras' shapes."""
    r = np.random.default_rng(seed)
    gates = {"simple_rnn": 1, "gru": 3, "lstm": 4}[kind]
    g = gates * N
    kernel = r.normal(0.0, 0.6, (K, g))
    recurrent = r.normal(0.0, 0.5, (N, g))
    bias_shape = (2, g) if (kind == "gru" and reset_after) else (g,)
    bias = r.normal(0.0, 0.3, bias_shape)
    dense = [r.normal(0.0, 0.6, (N, K)), r.normal(0.0, 0.2, (K,))]
    f32 = lambda a: np.asarray(a, dtype=np.float32)
    return [f32(kernel), f32(recurrent), f32(bias)], [f32(a) for a in dense]


def build(keras, kind, reset_after=True, recurrent_activation="sigmoid", seed=1):
    layers = keras.layers
    if kind == "simple_rnn":
        rnn = layers.SimpleRNN(N, return_sequences=True)
    elif kind == "gru":
        rnn = layers.GRU(
            N,
            return_sequences=True,
            reset_after=reset_after,
            recurrent_activation=recurrent_activation,
        )
    else:
        rnn = layers.LSTM(N, return_sequences=True, recurrent_activation=recurrent_activation)
    m = keras.Sequential([keras.Input(shape=(None, K)), rnn, layers.Dense(K)])
    w_rnn, w_dense = layer_weights(kind, reset_after, seed)
    m.layers[0].set_weights(w_rnn)
    m.layers[1].set_weights(w_dense)
    return m


def predict(m, x):
    return np.asarray(m.predict(x, verbose=0), dtype=np.float32)


def keras3():
    import os

    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    x = x_array()
    np.save("X.npy", x)
    models = {
        "simple_rnn": dict(kind="simple_rnn", seed=1),
        "gru": dict(kind="gru", reset_after=True, seed=2),
        "gru_v1": dict(kind="gru", reset_after=False, seed=3),
        "lstm": dict(kind="lstm", seed=4),
        "gru_hard": dict(kind="gru", reset_after=True, recurrent_activation="hard_sigmoid", seed=5),
    }
    for stem, spec in models.items():
        m = build(keras, **spec)
        for ext in ("h5", "keras"):
            name = f"keras3_{stem}"
            m.save(f"{name}.{ext}")
            np.save(f"Y_{name}.npy", predict(m, x))
            # The saved file gives Keras the same outputs as the model it came from.
            back = keras.models.load_model(f"{name}.{ext}")
            assert np.allclose(predict(back, x), predict(m, x), atol=1e-6), name


def keras2():
    import tensorflow as tf

    keras = tf.keras
    x = np.load("X.npy")
    models = {
        "simple_rnn": dict(kind="simple_rnn", seed=1),
        "gru": dict(kind="gru", seed=2),  # Keras 2's default: reset_after=True, sigmoid
        "gru_v1": dict(kind="gru", reset_after=False, recurrent_activation="hard_sigmoid", seed=3),
        "lstm": dict(kind="lstm", seed=4),
    }
    for stem, spec in models.items():
        m = build(keras, **spec)
        name = f"keras2_{stem}"
        m.save(f"{name}.h5", save_format="h5")
        np.save(f"Y_{name}.npy", predict(m, x))


def weights(writer):
    """weights_<file stem>.npz: the weights as Keras itself loads them from each .h5 file of
    `writer` (keras2 or keras3, run with that writer's interpreter; Keras 3 cannot load
    tf.keras 2's GRU files), `load_model(...).get_weights()`, named kernel, recurrent_kernel,
    bias, dense_kernel, dense_bias, for the import tests to check entries by index."""
    import glob
    import os

    if writer == "keras3":
        os.environ.setdefault("KERAS_BACKEND", "jax")
        import keras
    else:
        import tensorflow as tf

        keras = tf.keras

    names = ["kernel", "recurrent_kernel", "bias", "dense_kernel", "dense_bias"]
    for path in sorted(glob.glob(f"{writer}_*.h5")):
        m = keras.models.load_model(path, compile=False)
        w = m.layers[0].get_weights() + m.layers[1].get_weights()
        np.savez(f"weights_{path[:-3]}.npz", **dict(zip(names, w)))


if __name__ == "__main__":
    if sys.argv[1] == "weights":
        weights(sys.argv[2])
    else:
        {"keras2": keras2, "keras3": keras3}[sys.argv[1]]()
