"""Makes the small Keras model files that crates/formats/tests/keras.rs imports.

Each file holds SimpleRNN(6 units, tanh) -> Dense(3, linear), weights drawn from a fixed seed,
and next to it `<file>.expected.json`: an input sequence x (T x 3) and the output y (T x 3)
that the model gives for it, computed by Keras itself (predict) where Keras wrote the file,
and by the numpy forward pass below where h5py did. The lab's import must reproduce y.

Who wrote what (run with the interpreter named in each section):
- keras2_tf215*.h5: TensorFlow 2.15.1's tf.keras (Keras 2.15), `model.save(path)`:
  /tmp/k2/bin/python make_keras_files.py keras2   (pip install tensorflow-cpu==2.15.1 h5py)
- keras3*.h5 / keras3.keras: Keras 3 (jax backend), `model.save(path)`:
  KERAS_BACKEND=jax /tmp/k3/bin/python make_keras_files.py keras3   (pip install "keras>=3" "jax[cpu]" h5py)
- keras1_layout.h5: NOT written by Keras. Keras 1.x needs Python 2 / old Theano, which cannot
  be installed here; this file is built with h5py following Keras 1.2's save_model layout
  (root attrs keras_version/backend/model_config, model_weights with layer_names and
  weight_names, weights named <layer>_W, <layer>_U, <layer>_b, `output_dim` for units,
  Dense wrapped in TimeDistributed): any python with h5py: make_keras_files.py keras1
- keras2_userblock.h5: the keras2_tf215.h5 file copied by h5py into a file with a 512-byte
  user block before the HDF5 superblock (Keras does not write user blocks; other tools do).
- keras2_float16.h5: the keras2_tf215.h5 file copied by h5py with every weight stored as
  float16 (as a mixed-precision model saves them); its expected output is the numpy forward
  pass of the float16-rounded weights.
"""
import json
import sys

import numpy as np

N, K, T = 6, 3, 20


def weights(seed=7):
    r = np.random.default_rng(seed)
    return dict(
        kernel=r.normal(0, 0.5, (K, N)),
        recurrent=r.normal(0, 0.4, (N, N)),
        bias=r.normal(0, 0.1, (N,)),
        dkernel=r.normal(0, 0.5, (N, K)),
        dbias=r.normal(0, 0.1, (K,)),
    )


def inputs(seed=11):
    r = np.random.default_rng(seed)
    x = np.zeros((T, K))
    for t in (2, 7, 13):
        x[t, r.integers(K)] = r.choice([-1.0, 1.0])
    return x


def numpy_forward(w, x):
    h = np.zeros(N)
    ys = []
    for t in range(x.shape[0]):
        h = np.tanh(x[t] @ w["kernel"] + h @ w["recurrent"] + w["bias"])
        ys.append(h @ w["dkernel"] + w["dbias"])
    return np.array(ys)


def expected(path, x, y, written_by):
    with open(path + ".expected.json", "w") as f:
        json.dump({"written_by": written_by, "x": x.tolist(), "y": y.tolist()}, f)


def keras_model(keras, functional=False, dtype="float32"):
    if functional:
        inp = keras.Input(shape=(None, K), dtype=dtype)
        h = keras.layers.SimpleRNN(N, return_sequences=True, dtype=dtype)(inp)
        out = keras.layers.Dense(K, dtype=dtype)(h)
        m = keras.Model(inp, out)
    else:
        m = keras.Sequential(
            [
                keras.Input(shape=(None, K), dtype=dtype),
                keras.layers.SimpleRNN(N, return_sequences=True, dtype=dtype),
                keras.layers.Dense(K, dtype=dtype),
            ]
        )
    w = weights()
    m.layers[-2].set_weights([w["kernel"], w["recurrent"], w["bias"]])
    m.layers[-1].set_weights([w["dkernel"], w["dbias"]])
    m.compile(optimizer="adam", loss="mse")
    return m


def predict(m, x, dtype="float32"):
    return np.asarray(m.predict(x[None].astype(dtype), verbose=0)[0], dtype=np.float64)


def keras2():
    import tensorflow as tf

    import keras as standalone

    keras = tf.keras
    tag = f"tf.keras (Keras {standalone.__version__}, TensorFlow {tf.__version__})"
    x = inputs()
    for name, functional, dtype in [
        ("keras2_tf215.h5", False, "float32"),
        ("keras2_tf215_functional.h5", True, "float32"),
        ("keras2_tf215_float64.h5", False, "float64"),
    ]:
        m = keras_model(keras, functional, dtype)
        m.save(name, save_format="h5")
        expected(name, x, predict(m, x, dtype), tag)
    copy_with_userblock("keras2_tf215.h5", "keras2_userblock.h5", x, tag)
    copy_as_float16("keras2_tf215.h5", "keras2_float16.h5", x)


def keras3():
    import os

    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    tag = f"Keras {keras.__version__} ({keras.backend.backend()} backend)"
    x = inputs()
    m = keras_model(keras)
    m.save("keras3.h5")
    expected("keras3.h5", x, predict(m, x), tag)
    m.save("keras3.keras")
    expected("keras3.keras", x, predict(m, x), tag)


def copy_with_userblock(src, dst, x, tag):
    import h5py

    with h5py.File(src, "r") as s, h5py.File(dst, "w", userblock_size=512) as d:
        for k, v in s.attrs.items():
            d.attrs[k] = v
        for k in s.keys():
            s.copy(s[k], d, k)
    with open(src + ".expected.json") as f:
        y = json.load(f)["y"]
    expected(dst, x, np.array(y), tag + ", copied by h5py behind a 512-byte user block")


def copy_as_float16(src, dst, x):
    import h5py

    def visit(sg, dg):
        for k, v in sg.attrs.items():
            dg.attrs[k] = v
        for k, item in sg.items():
            if isinstance(item, h5py.Group):
                visit(item, dg.create_group(k))
            else:
                ds = dg.create_dataset(k, data=item[()].astype(np.float16) if item.dtype.kind == "f" else item[()])
                for a, v in item.attrs.items():
                    ds.attrs[a] = v

    with h5py.File(src, "r") as s, h5py.File(dst, "w") as d:
        visit(s, d)
    w16 = {k: v.astype(np.float16).astype(np.float64) for k, v in weights().items()}
    expected(dst, x, numpy_forward(w16, x), "h5py copy of a tf.keras 2.15 file, weights as float16; y by numpy")


def keras1():
    import h5py

    w = weights()
    config = {
        "class_name": "Sequential",
        "config": [
            {
                "class_name": "SimpleRNN",
                "config": {
                    "name": "simplernn_1", "trainable": True, "batch_input_shape": [None, None, K],
                    "input_dtype": "float32", "output_dim": N, "activation": "tanh",
                    "init": "glorot_uniform", "inner_init": "orthogonal", "return_sequences": True,
                    "go_backwards": False, "stateful": False, "unroll": False, "consume_less": "cpu",
                    "input_dim": K, "input_length": None, "W_regularizer": None, "U_regularizer": None,
                    "b_regularizer": None, "dropout_W": 0.0, "dropout_U": 0.0,
                },
            },
            {
                "class_name": "TimeDistributed",
                "config": {
                    "name": "timedistributed_1", "trainable": True,
                    "layer": {
                        "class_name": "Dense",
                        "config": {
                            "name": "dense_1", "trainable": True, "output_dim": K, "init": "glorot_uniform",
                            "activation": "linear", "bias": True, "input_dim": N,
                            "W_regularizer": None, "b_regularizer": None, "activity_regularizer": None,
                            "W_constraint": None, "b_constraint": None,
                        },
                    },
                },
            },
        ],
    }
    name = "keras1_layout.h5"
    with h5py.File(name, "w") as f:
        f.attrs["keras_version"] = b"1.2.2"
        f.attrs["backend"] = b"theano"
        f.attrs["model_config"] = json.dumps(config).encode()
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = [b"simplernn_1", b"timedistributed_1"]
        g = mw.create_group("simplernn_1")
        g.attrs["weight_names"] = [b"simplernn_1_W", b"simplernn_1_U", b"simplernn_1_b"]
        g["simplernn_1_W"] = w["kernel"].astype(np.float32)
        g["simplernn_1_U"] = w["recurrent"].astype(np.float32)
        g["simplernn_1_b"] = w["bias"].astype(np.float32)
        g = mw.create_group("timedistributed_1")
        g.attrs["weight_names"] = [b"dense_1_W", b"dense_1_b"]
        g["dense_1_W"] = w["dkernel"].astype(np.float32)
        g["dense_1_b"] = w["dbias"].astype(np.float32)
    w32 = {k: v.astype(np.float32).astype(np.float64) for k, v in w.items()}
    x = inputs()
    expected(name, x, numpy_forward(w32, x), "h5py, following the Keras 1.2 layout (not Keras); y by numpy")


if __name__ == "__main__":
    {"keras1": keras1, "keras2": keras2, "keras3": keras3}[sys.argv[1]]()
