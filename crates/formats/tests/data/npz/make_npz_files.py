"""Variants of ../cases/small.npz as numpy writes them, for crates/formats/tests/cases.rs.

Run with any python that has numpy (here: numpy 1.26 in a venv): python make_npz_files.py
- small_f64.npz: every array as float64 (numpy's default dtype), numpy.savez
- small_compressed.npz: numpy.savez_compressed (deflated members)
- small_extra.npz: the arrays plus others a notebook adds (a loss history, a note, an int
  step count), numpy.savez
- small_fortran_f64_be.npz: float64, big-endian, Fortran order at once, savez_compressed
Each imports to the weights of small.npz (float64 values are the float32 ones widened, so
the round trip back to float32 is exact).
"""
import numpy as np

src = np.load("../cases/small.npz")
arrays = {k: src[k] for k in src.files}

np.savez("small_f64.npz", **{k: v.astype(np.float64) for k, v in arrays.items()})
np.savez_compressed("small_compressed.npz", **arrays)
np.savez(
    "small_extra.npz",
    **arrays,
    loss_history=np.linspace(1.0, 0.01, 50).astype(np.float32),
    note=np.array("trained in a notebook"),
    steps=np.array(1200, dtype=np.int64),
)
np.savez_compressed(
    "small_fortran_f64_be.npz",
    **{k: np.asfortranarray(v.astype(">f8")) for k, v in arrays.items()},
)
