#!/usr/bin/env python3
"""Writes fixture.json: reference values for crates/core/tests/compare.rs, computed with numpy
by routes independent of the Rust code.

- Procrustes: the narrower matrix is zero-padded, R = U Vᵀ from numpy's SVD of Ỹᵀ X̃, and the
  distance is the residual ‖X̃ − Ỹ R‖_F itself (the Rust code uses the nuclear-norm formula).
- CKA: HSIC of the m × m Gram matrices with the centring matrix H = I − 11ᵀ/m (the Rust code
  works in feature space).
- MDS: eigh of −½ H D² H; coordinates compared up to the sign of each axis.

Run from this folder: /usr/bin/python3 make_fixture.py   (numpy only, Debian's python3-numpy; the seed makes it reproducible)
"""
import json
import numpy as np

rng = np.random.default_rng(20190101)


def procrustes(x, y):
    p = max(x.shape[1], y.shape[1])
    pad = lambda a: np.hstack([a, np.zeros((a.shape[0], p - a.shape[1]))])
    xn, yn = pad(x - x.mean(0)), pad(y - y.mean(0))
    xn, yn = xn / np.linalg.norm(xn), yn / np.linalg.norm(yn)
    u, _, vt = np.linalg.svd(yn.T @ xn)
    r = u @ vt
    return float(np.linalg.norm(xn - yn @ r))


def cka(x, y):
    m = x.shape[0]
    h = np.eye(m) - np.ones((m, m)) / m
    k, l = h @ (x @ x.T) @ h, h @ (y @ y.T) @ h
    hsic = lambda a, b: np.sum(a * b)
    return float(hsic(k, l) / np.sqrt(hsic(k, k) * hsic(l, l)))


def mds(d):
    k = d.shape[0]
    h = np.eye(k) - np.ones((k, k)) / k
    b = -0.5 * h @ (d ** 2) @ h
    w, v = np.linalg.eigh(b)
    order = np.argsort(w)[::-1][:2]
    return (v[:, order] * np.sqrt(np.maximum(w[order], 0))).tolist()


pairs = []
for m, p, q in [(10, 4, 3), (12, 3, 3), (9, 2, 5), (16, 6, 6)]:
    x = rng.normal(size=(m, p))
    # Y: a noisy linear image of X (so the values are neither ~0 nor ~√2), width q.
    y = x @ rng.normal(size=(p, q)) + 0.5 * rng.normal(size=(m, q)) + rng.normal(size=q)
    pairs.append({
        "x": x.tolist(), "y": y.tolist(),
        "procrustes": procrustes(x, y), "cka": cka(x, y),
    })

# A Euclidean distance matrix of 5 points in 3-D (MDS keeps its top 2 axes) and a
# non-Euclidean one (a negative eigenvalue of B).
pts = rng.normal(size=(5, 3)) * [3.0, 1.5, 0.2]
d_euclid = np.linalg.norm(pts[:, None, :] - pts[None, :, :], axis=2)
d_other = np.array([[0, 1, 2, 2.5], [1, 0, 1.2, 3.1], [2, 1.2, 0, 0.4], [2.5, 3.1, 0.4, 0]])
mdss = [{"d": d.tolist(), "coords": mds(d)} for d in (d_euclid, d_other)]

with open("fixture.json", "w") as f:
    json.dump({"pairs": pairs, "mds": mdss}, f, indent=1)
    f.write("\n")
