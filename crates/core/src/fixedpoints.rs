//! Fixed and slow points of the autonomous dynamics (input zero), after Sussillo & Barak (2013):
//!
//! ```text
//! F(h) = (1 - α) h + α tanh(W_rec h + b_rec),     q(h) = ½ |F(h) - h|² = ½ α² |tanh(W_rec h + b_rec) - h|²
//! ∇q(h) = α² ( W_recᵀ ((1 - r²) ⊙ e) - e ),       r = tanh(W_rec h + b_rec),  e = r - h
//! ```
//!
//! The search runs in two phases. First all starting states descend q together with Adam
//! (one batched GEMM pair per iteration, f32). Then each distinct candidate is polished in f64
//! by Newton's method on the residual `e(h) = 0` (Jacobian `diag(1 - r²) W_rec - I`) with
//! backtracking, which converges quadratically to fixed points of any stability, saddles
//! included. Each point is classified by the eigenvalues of the Jacobian of F,
//! `J = (1 - α) I + α diag(1 - r²) W_rec`: stable when every |λ| < 1 (discrete time).
//!
//! The search is a resumable state machine ([`FixedPointSearch::advance`]) so a worker can
//! report progress and stop it between bounded pieces of work.

use crate::math::{gemm, tanh, View};
use crate::model::Network;
use crate::rng::SeedRng;
use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

/// Tolerances and budgets; the defaults suit the lab's networks (N ≈ 100–400).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FixedPointOptions {
    /// Starting states (sampled from the network's own trajectories plus noise).
    pub starts: usize,
    /// Standard deviation of the noise added to each start.
    pub start_noise: f32,
    /// Adam iterations of the batched first phase.
    pub descent_iters: usize,
    /// Adam learning rate of the first phase.
    pub descent_lr: f32,
    /// Newton iterations per candidate in the polish phase.
    pub newton_iters: usize,
    /// A point with q below this is a fixed point.
    pub tol_q: f64,
    /// A point with q below this (but above `tol_q`) is kept as a slow point.
    pub slow_q: f64,
    /// Points closer than `dedup · scale` are the same (scale = RMS norm of the starts).
    pub dedup: f64,
}

impl Default for FixedPointOptions {
    fn default() -> Self {
        Self {
            starts: 128,
            start_noise: 0.05,
            descent_iters: 400,
            descent_lr: 0.01,
            newton_iters: 25,
            tol_q: 1e-12,
            slow_q: 1e-6,
            dedup: 1e-3,
        }
    }
}

impl FixedPointOptions {
    /// Checks every field against its allowed range (bounds the work and memory a search
    /// from outside options can ask for).
    pub fn validate(&self) -> Result<(), crate::ConfigError> {
        use crate::ConfigError as E;
        E::check_int("starts", self.starts, 1, 2048)?;
        E::check_f64("start_noise", self.start_noise as f64, 0.0, 10.0)?;
        E::check_int("descent_iters", self.descent_iters, 0, 100_000)?;
        E::check_f64("descent_lr", self.descent_lr as f64, 0.0, 1.0)?;
        E::check_int("newton_iters", self.newton_iters, 0, 1000)?;
        E::check_f64("tol_q", self.tol_q, 0.0, 1.0)?;
        E::check_f64("slow_q", self.slow_q, 0.0, 1e3)?;
        E::check_f64("dedup", self.dedup, 0.0, 10.0)
    }
}

/// One fixed or slow point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FixedPoint {
    /// The state h (N numbers).
    pub state: Vec<f32>,
    /// q(h) in f64.
    pub q: f64,
    /// q < tol_q (otherwise a slow point).
    pub fixed: bool,
    /// Every eigenvalue of the Jacobian has |λ| < 1.
    pub stable: bool,
    /// Number of eigenvalues with |λ| > 1.
    pub unstable_dims: usize,
    /// Eigenvalues of the Jacobian of F at h, `[re, im]`, by decreasing modulus.
    pub eigenvalues: Vec<[f64; 2]>,
    /// Unit eigenvector of the largest unstable eigenvalue when it is real.
    pub unstable_direction: Option<Vec<f32>>,
    /// Readout z = W_out h + b_out.
    pub readout: Vec<f32>,
    /// Signs of the readout (+1 / -1): the memory state the point is nearest.
    pub nearest_memory: Vec<i8>,
}

/// Where a search is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// Batched descent, iteration i of n.
    Descent,
    /// Newton polish of candidate i of n.
    Polish,
    /// Jacobian eigenvalues of distinct point i of n.
    Classify,
    /// Finished.
    Done,
}

/// A resumable fixed-point search.
#[derive(Clone, Debug)]
pub struct FixedPointSearch {
    net: Network,
    opts: FixedPointOptions,
    n: usize,
    s: usize,
    h: Vec<f32>,
    m: Vec<f32>,
    v: Vec<f32>,
    a: Vec<f32>,
    grad: Vec<f32>,
    iter: usize,
    scale: f64,
    candidates: Vec<Vec<f64>>,
    polished: Vec<(Vec<f64>, f64)>,
    /// Distinct polished points worth keeping (q below `slow_q`), by increasing q.
    kept: Vec<(Vec<f64>, f64)>,
    classified: Vec<FixedPoint>,
    phase: Phase,
}

impl FixedPointSearch {
    /// A search from `starts` (row-major `S × N`), which are perturbed by the option's noise.
    pub fn new(net: &Network, starts: &[f32], opts: FixedPointOptions, rng: &mut SeedRng) -> Self {
        let n = net.config.hidden;
        let s = starts.len() / n.max(1);
        let mut h = starts[..s * n].to_vec();
        for v in h.iter_mut() {
            *v += opts.start_noise * rng.normal() as f32;
        }
        let scale = if s > 0 {
            (starts[..s * n]
                .iter()
                .map(|v| (*v as f64) * (*v as f64))
                .sum::<f64>()
                / s as f64)
                .sqrt()
                .max(1e-6)
        } else {
            1.0
        };
        Self {
            net: net.clone(),
            n,
            s,
            m: vec![0.0; s * n],
            v: vec![0.0; s * n],
            a: vec![0.0; s * n],
            grad: vec![0.0; s * n],
            h,
            iter: 0,
            scale,
            candidates: Vec::new(),
            polished: Vec::new(),
            kept: Vec::new(),
            classified: Vec::new(),
            phase: if s == 0 { Phase::Done } else { Phase::Descent },
            opts,
        }
    }

    /// Fraction done, 0..=1.
    pub fn progress(&self) -> f32 {
        let d = self.opts.descent_iters.max(1) as f32;
        match self.phase {
            Phase::Descent => 0.5 * self.iter as f32 / d,
            Phase::Polish => {
                0.5 + 0.3 * self.polished.len() as f32 / self.candidates.len().max(1) as f32
            }
            Phase::Classify => {
                0.8 + 0.2 * self.classified.len() as f32 / self.kept.len().max(1) as f32
            }
            Phase::Done => 1.0,
        }
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Does one bounded piece of work (one descent iteration, one candidate's polish, or one
    /// point's eigenvalues).
    pub fn advance(&mut self) -> Phase {
        match self.phase {
            Phase::Descent => {
                if self.iter < self.opts.descent_iters {
                    self.descent_iteration();
                    self.iter += 1;
                } else {
                    self.collect_candidates();
                    self.phase = if self.candidates.is_empty() {
                        Phase::Done
                    } else {
                        Phase::Polish
                    };
                }
            }
            Phase::Polish => {
                let i = self.polished.len();
                let p = newton_polish(
                    &self.net,
                    &self.candidates[i],
                    self.opts.newton_iters,
                    self.opts.tol_q,
                );
                self.polished.push(p);
                if self.polished.len() == self.candidates.len() {
                    self.kept = self.distinct();
                    self.phase = if self.kept.is_empty() {
                        Phase::Done
                    } else {
                        Phase::Classify
                    };
                }
            }
            Phase::Classify => {
                let (h, q) = &self.kept[self.classified.len()];
                let p = classify(&self.net, h, *q, self.opts.tol_q);
                self.classified.push(p);
                if self.classified.len() == self.kept.len() {
                    self.phase = Phase::Done;
                }
            }
            Phase::Done => {}
        }
        self.phase
    }

    /// Runs to the end and returns the points.
    pub fn run(mut self) -> Vec<FixedPoint> {
        while self.advance() != Phase::Done {}
        self.results()
    }

    /// The distinct fixed and slow points found (fixed first, then by q); before the search
    /// is done, those of the candidates polished so far.
    pub fn results(&self) -> Vec<FixedPoint> {
        if self.phase == Phase::Done {
            return self.classified.clone();
        }
        self.distinct()
            .into_iter()
            .map(|(h, q)| classify(&self.net, &h, q, self.opts.tol_q))
            .collect()
    }

    /// Polished points with q below `slow_q`, one per `dedup` neighbourhood, by increasing q.
    fn distinct(&self) -> Vec<(Vec<f64>, f64)> {
        let mut kept: Vec<(Vec<f64>, f64)> = Vec::new();
        let mut sorted: Vec<&(Vec<f64>, f64)> = self
            .polished
            .iter()
            .filter(|(_, q)| q.is_finite() && *q < self.opts.slow_q)
            .collect();
        sorted.sort_by(|a, b| a.1.total_cmp(&b.1));
        for (h, q) in sorted {
            if !kept
                .iter()
                .any(|(k, _)| dist(k, h) < self.opts.dedup * self.scale)
            {
                kept.push((h.clone(), *q));
            }
        }
        kept
    }

    fn descent_iteration(&mut self) {
        let (n, s) = (self.n, self.s);
        let alpha = self.net.config.alpha;
        let a2 = alpha * alpha;
        // A = H W_recᵀ + b
        for row in self.a.chunks_exact_mut(n) {
            row.copy_from_slice(&self.net.b_rec);
        }
        gemm(
            1.0,
            View::rm(&self.h, s, n),
            View::rm_t(&self.net.w_rec, n, n),
            1.0,
            &mut self.a,
        );
        // a <- (1 - r²) ⊙ e ; grad <- -e   (so grad + a W gives Wᵀ(...) - e in row form)
        for ((a, g), h) in self.a.iter_mut().zip(self.grad.iter_mut()).zip(&self.h) {
            let r = tanh(*a);
            let e = r - h;
            *a = (1.0 - r * r) * e;
            *g = -e;
        }
        gemm(
            1.0,
            View::rm(&self.a, s, n),
            View::rm(&self.net.w_rec, n, n),
            1.0,
            &mut self.grad,
        );
        // Adam on each state.
        let t = (self.iter + 1) as i32;
        let (b1, b2, eps) = (0.9f32, 0.999f32, 1e-8f32);
        let c1 = 1.0 - b1.powi(t);
        let c2 = 1.0 - b2.powi(t);
        let lr = self.opts.descent_lr;
        for (((h, g), m), v) in self
            .h
            .iter_mut()
            .zip(&self.grad)
            .zip(self.m.iter_mut())
            .zip(self.v.iter_mut())
        {
            let g = a2 * g;
            *m = b1 * *m + (1.0 - b1) * g;
            *v = b2 * *v + (1.0 - b2) * g * g;
            *h -= lr * (*m / c1) / ((*v / c2).sqrt() + eps);
        }
    }

    fn collect_candidates(&mut self) {
        let n = self.n;
        let mut cands: Vec<(Vec<f64>, f64)> = self
            .h
            .chunks_exact(n)
            .map(|h| {
                let h64: Vec<f64> = h.iter().map(|v| *v as f64).collect();
                let q = q_f64(&self.net, &h64);
                (h64, q)
            })
            .filter(|(_, q)| q.is_finite())
            .collect();
        cands.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut kept: Vec<Vec<f64>> = Vec::new();
        for (h, _) in cands {
            if !kept
                .iter()
                .any(|k| dist(k, &h) < self.opts.dedup * self.scale)
            {
                kept.push(h);
            }
        }
        self.candidates = kept;
    }
}

fn dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

fn wmat(net: &Network) -> DMatrix<f64> {
    let n = net.config.hidden;
    DMatrix::from_row_iterator(n, n, net.w_rec.iter().map(|v| *v as f64))
}

/// r = tanh(W h + b) in f64.
fn rvec(net: &Network, h: &[f64]) -> Vec<f64> {
    let n = net.config.hidden;
    (0..n)
        .map(|i| {
            let row = &net.w_rec[i * n..(i + 1) * n];
            let a: f64 =
                net.b_rec[i] as f64 + row.iter().zip(h).map(|(w, x)| *w as f64 * x).sum::<f64>();
            a.tanh()
        })
        .collect()
}

/// q(h) = ½ α² |tanh(W h + b) - h|², in f64.
pub fn q_f64(net: &Network, h: &[f64]) -> f64 {
    let alpha = net.config.alpha as f64;
    let r = rvec(net, h);
    0.5 * alpha * alpha * r.iter().zip(h).map(|(r, h)| (r - h) * (r - h)).sum::<f64>()
}

/// Newton on e(h) = tanh(W h + b) - h = 0 with backtracking on q; returns (h, q).
fn newton_polish(net: &Network, start: &[f64], iters: usize, tol: f64) -> (Vec<f64>, f64) {
    let n = net.config.hidden;
    let w = wmat(net);
    let mut h = start.to_vec();
    let mut q = q_f64(net, &h);
    for _ in 0..iters {
        if q < tol * 1e-4 {
            break;
        }
        let r = rvec(net, &h);
        let e = DVector::from_iterator(n, r.iter().zip(&h).map(|(r, h)| r - h));
        let mut j = w.clone();
        for i in 0..n {
            let d = 1.0 - r[i] * r[i];
            for c in 0..n {
                j[(i, c)] *= d;
            }
            j[(i, i)] -= 1.0;
        }
        let Some(delta) = j.lu().solve(&(-e)) else {
            break;
        };
        let mut step = 1.0;
        let mut improved = false;
        for _ in 0..12 {
            let trial: Vec<f64> = h
                .iter()
                .zip(delta.iter())
                .map(|(h, d)| h + step * d)
                .collect();
            let qt = q_f64(net, &trial);
            if qt < q {
                h = trial;
                q = qt;
                improved = true;
                break;
            }
            step *= 0.5;
        }
        if !improved {
            break;
        }
    }
    (h, q)
}

/// The Jacobian of F at h: `(1 - α) I + α diag(1 - r²) W_rec`.
pub fn jacobian(net: &Network, h: &[f64]) -> DMatrix<f64> {
    let n = net.config.hidden;
    let alpha = net.config.alpha as f64;
    let r = rvec(net, h);
    let mut j = wmat(net);
    for i in 0..n {
        let d = alpha * (1.0 - r[i] * r[i]);
        for c in 0..n {
            j[(i, c)] *= d;
        }
        j[(i, i)] += 1.0 - alpha;
    }
    j
}

fn classify(net: &Network, h: &[f64], q: f64, tol: f64) -> FixedPoint {
    let n = net.config.hidden;
    let j = jacobian(net, h);
    let mut eigenvalues: Vec<[f64; 2]> = j
        .clone()
        .complex_eigenvalues()
        .iter()
        .map(|c| [c.re, c.im])
        .collect();
    eigenvalues.sort_by(|a, b| b[0].hypot(b[1]).total_cmp(&a[0].hypot(a[1])));
    let unstable_dims = eigenvalues
        .iter()
        .filter(|z| z[0].hypot(z[1]) > 1.0)
        .count();
    let stable = unstable_dims == 0 && eigenvalues.iter().all(|z| z[0].hypot(z[1]) < 1.0);
    let unstable_direction = eigenvalues
        .first()
        .filter(|z| z[0].hypot(z[1]) > 1.0 && z[1].abs() < 1e-9)
        .and_then(|z| real_eigenvector(&j, z[0]));
    let state: Vec<f32> = h.iter().map(|v| *v as f32).collect();
    let mut readout = vec![0.0f32; net.config.bits];
    net.readout(&state, &mut readout);
    let nearest_memory = readout
        .iter()
        .map(|z| if *z >= 0.0 { 1 } else { -1 })
        .collect();
    let _ = n;
    FixedPoint {
        state,
        q,
        fixed: q < tol,
        stable,
        unstable_dims,
        eigenvalues,
        unstable_direction,
        readout,
        nearest_memory,
    }
}

/// Unit eigenvector of a real eigenvalue by inverse iteration; sign fixed so that the
/// largest-magnitude component is positive.
fn real_eigenvector(j: &DMatrix<f64>, lambda: f64) -> Option<Vec<f32>> {
    let n = j.nrows();
    let shift = lambda * (1.0 + 1e-10) + 1e-12;
    let mut m = j.clone();
    for i in 0..n {
        m[(i, i)] -= shift;
    }
    let lu = m.lu();
    let mut x = DVector::from_element(n, 1.0 / (n as f64).sqrt());
    for _ in 0..4 {
        let y = lu.solve(&x)?;
        let norm = y.norm();
        if !norm.is_finite() || norm == 0.0 {
            return None;
        }
        x = y / norm;
    }
    let imax = x.iamax();
    let sign = if x[imax] < 0.0 { -1.0 } else { 1.0 };
    Some(x.iter().map(|v| (sign * v) as f32).collect())
}

/// A search whose starts are sampled from the network's own activity on the cube set
/// (every memory state visited), drawn from the `Other` stream of `seed`.
pub fn search_from_cube_set(
    net: &Network,
    task: &crate::task::TaskConfig,
    opts: FixedPointOptions,
    seed: u64,
) -> FixedPointSearch {
    let cube = crate::task::cube_set(task);
    let (hs, _) = net.run(&cube.trial.x, cube.trial.trial_len);
    let mut rng = SeedRng::new(seed, crate::rng::Purpose::Other);
    let starts = sample_starts(&hs, net.config.hidden, opts.starts, &mut rng);
    FixedPointSearch::new(net, &starts, opts, &mut rng)
}

/// `count` starting states sampled uniformly (with replacement) from the rows of a
/// trajectory (`rows × N`).
pub fn sample_starts(trajectory: &[f32], n: usize, count: usize, rng: &mut SeedRng) -> Vec<f32> {
    let rows = trajectory.len() / n.max(1);
    let mut out = Vec::with_capacity(count * n);
    if rows == 0 {
        return out;
    }
    for _ in 0..count {
        let r = rng.int_inclusive(0, rows as u32 - 1) as usize;
        out.extend_from_slice(&trajectory[r * n..(r + 1) * n]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelConfig;
    use crate::rng::Purpose;

    fn net_with(w: &[f32], n: usize, alpha: f32) -> Network {
        let cfg = ModelConfig {
            hidden: n,
            bits: 1,
            alpha,
            ..ModelConfig::default()
        };
        let mut net = Network::zeros(&cfg);
        net.w_rec = w.to_vec();
        net.w_out = vec![1.0; n];
        net
    }

    /// h* = tanh(2 h*), solved by bisection.
    fn hstar() -> f64 {
        let (mut lo, mut hi) = (0.5f64, 1.0f64);
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if (2.0 * mid).tanh() > mid {
                lo = mid
            } else {
                hi = mid
            }
        }
        lo
    }

    #[test]
    fn one_dimensional_bistable_unit() {
        // h <- tanh(2h): fixed points 0 (F' = 2, unstable) and ±h* (F' = 2(1 - h*²) < 1, stable).
        let net = net_with(&[2.0], 1, 1.0);
        let starts: Vec<f32> = (-10..=10).map(|i| i as f32 * 0.1).collect();
        let mut rng = SeedRng::new(1, Purpose::Other);
        let opts = FixedPointOptions {
            start_noise: 0.0,
            ..Default::default()
        };
        let mut pts = FixedPointSearch::new(&net, &starts, opts, &mut rng).run();
        pts.sort_by(|a, b| a.state[0].total_cmp(&b.state[0]));
        assert_eq!(pts.len(), 3, "{pts:?}");
        let hs = hstar();
        let want = [(-hs, true), (0.0, false), (hs, true)];
        for (p, (h, stable)) in pts.iter().zip(want) {
            assert!(
                (p.state[0] as f64 - h).abs() < 1e-6,
                "{} vs {h}",
                p.state[0]
            );
            assert_eq!(p.stable, stable);
            assert!(p.fixed && p.q < 1e-12);
        }
        assert_eq!(pts[1].unstable_dims, 1);
        assert!((pts[1].eigenvalues[0][0] - 2.0).abs() < 1e-9);
        assert!((pts[2].eigenvalues[0][0] - 2.0 * (1.0 - hs * hs)).abs() < 1e-6);
        assert_eq!(pts[0].nearest_memory, vec![-1]);
        assert_eq!(pts[2].nearest_memory, vec![1]);
    }

    #[test]
    fn two_independent_bistable_units_give_nine_points() {
        // diag(2, 2): {-h*, 0, h*}²: 4 stable corners, 4 saddles (1 unstable dim), 1 source (2).
        for alpha in [1.0f32, 0.5] {
            let net = net_with(&[2.0, 0.0, 0.0, 2.0], 2, alpha);
            let mut starts = Vec::new();
            for i in -4..=4 {
                for j in -4..=4 {
                    starts.extend_from_slice(&[i as f32 * 0.22, j as f32 * 0.22]);
                }
            }
            let mut rng = SeedRng::new(2, Purpose::Other);
            let opts = FixedPointOptions {
                start_noise: 0.01,
                ..Default::default()
            };
            let pts = FixedPointSearch::new(&net, &starts, opts, &mut rng).run();
            assert_eq!(
                pts.len(),
                9,
                "alpha {alpha}: {:?}",
                pts.iter().map(|p| &p.state).collect::<Vec<_>>()
            );
            let count = |d: usize| pts.iter().filter(|p| p.unstable_dims == d).count();
            assert_eq!((count(0), count(1), count(2)), (4, 4, 1), "alpha {alpha}");
            assert!(pts.iter().all(|p| p.fixed));
            for p in pts.iter().filter(|p| p.unstable_dims == 1) {
                // The unstable direction of a saddle points along the axis whose coordinate is 0.
                let d = p
                    .unstable_direction
                    .as_ref()
                    .expect("real unstable eigenvalue");
                let zero_axis = if p.state[0].abs() < 1e-6 { 0 } else { 1 };
                assert!(
                    (d[zero_axis].abs() - 1.0).abs() < 1e-6,
                    "{d:?} at {:?}",
                    p.state
                );
            }
        }
    }

    #[test]
    fn search_advances_in_bounded_pieces_through_every_phase() {
        let net = net_with(&[2.0, 0.0, 0.0, 2.0], 2, 1.0);
        let starts: Vec<f32> = (0..40).map(|i| (i as f32 * 0.37).sin()).collect();
        let opts = FixedPointOptions {
            descent_iters: 50,
            ..Default::default()
        };
        let mut search = FixedPointSearch::new(
            &net,
            &starts,
            opts.clone(),
            &mut SeedRng::new(4, Purpose::Other),
        );
        let mut seen = vec![search.phase()];
        let mut last = 0.0;
        let mut calls = 0;
        while search.phase() != Phase::Done {
            let phase = search.advance();
            calls += 1;
            assert!(search.progress() >= last, "progress never goes back");
            last = search.progress();
            if seen.last() != Some(&phase) {
                seen.push(phase);
            }
        }
        assert_eq!(
            seen,
            [Phase::Descent, Phase::Polish, Phase::Classify, Phase::Done]
        );
        let points = search.results();
        // One call per descent iteration (+1 to collect), per candidate, per distinct point.
        assert!(calls <= 51 + 20 + points.len(), "{calls} calls");
        let again =
            FixedPointSearch::new(&net, &starts, opts, &mut SeedRng::new(4, Purpose::Other)).run();
        assert_eq!(points, again);
        assert_eq!(search.progress(), 1.0);
    }

    #[test]
    fn options_are_range_checked() {
        assert_eq!(FixedPointOptions::default().validate(), Ok(()));
        let bad = FixedPointOptions {
            starts: 1_000_000,
            ..Default::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "starts");
        let nan = FixedPointOptions {
            tol_q: f64::NAN,
            ..Default::default()
        };
        assert_eq!(nan.validate().unwrap_err().field, "tol_q");
    }

    #[test]
    fn gradient_of_q_matches_finite_differences() {
        let cfg = ModelConfig {
            hidden: 6,
            bits: 1,
            alpha: 0.7,
            rec_bias: true,
            ..ModelConfig::default()
        };
        let mut net = Network::init(&cfg, 3);
        net.b_rec = vec![0.1, -0.2, 0.05, 0.0, 0.3, -0.1];
        let h0: Vec<f32> = vec![0.3, -0.5, 0.1, 0.7, -0.2, 0.05];
        let mut search = FixedPointSearch::new(
            &net,
            &h0,
            FixedPointOptions {
                start_noise: 0.0,
                descent_lr: 0.0,
                ..Default::default()
            },
            &mut SeedRng::new(1, Purpose::Other),
        );
        search.descent_iteration();
        let a2 = 0.49f64;
        let h64: Vec<f64> = h0.iter().map(|v| *v as f64).collect();
        for i in 0..6 {
            let mut p = h64.clone();
            p[i] += 1e-6;
            let mut m = h64.clone();
            m[i] -= 1e-6;
            let fd = (q_f64(&net, &p) - q_f64(&net, &m)) / 2e-6;
            let an = a2 * search.grad[i] as f64;
            assert!((fd - an).abs() < 1e-5, "[{i}] {an} vs {fd}");
        }
    }
}
