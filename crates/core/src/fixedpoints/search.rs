//! The resumable search: settle, descend, polish, classify.

use super::point::{classify, dist, newton_polish, q_f64, Polished};
use super::{FixedPoint, FixedPointOptions};
use crate::math::{gemm, tanh, View};
use crate::model::Network;
use crate::rng::SeedRng;
use serde::{Deserialize, Serialize};

/// Where a search is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// Autonomous runs (input zero) from the memory states, a bounded chunk of steps at a
    /// time; their end points join the candidates (see [`FixedPointSearch::with_settle_starts`]).
    Settle,
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
    pub(super) grad: Vec<f32>,
    iter: usize,
    scale: f64,
    candidates: Vec<Vec<f64>>,
    polished: Vec<(Vec<f64>, f64)>,
    /// Slow candidates that Newton had to crawl away from (see [`CRAWL`]): points of a slow
    /// manifold, kept as they are besides where their polish ended.
    chain: Vec<(Vec<f64>, f64)>,
    /// Distinct polished points worth keeping (q below `slow_q`), by increasing q.
    kept: Vec<(Vec<f64>, f64)>,
    classified: Vec<FixedPoint>,
    settle: Settle,
    phase: Phase,
}

/// Autonomous runs `h ← F(h)` of a batch of states (row-major `rows × N`, f32).
#[derive(Clone, Debug, Default)]
struct Settle {
    h: Vec<f32>,
    next: Vec<f32>,
    rows: usize,
    steps: usize,
    /// Largest |F(h) - h| over the batch at the last step.
    last_change: f32,
}

/// Steps of the autonomous runs per [`FixedPointSearch::advance`] call.
const SETTLE_CHUNK: usize = 100;

/// The runs stop early once no state moves more than this in a step: about ten f32 ulps of
/// a state of size ~1, above the rounding noise of the f32 map (with a smaller bound the runs
/// went on to the cap); the f64 Newton polish takes the end points the rest of the way.
const SETTLE_STILL: f32 = 1e-6;

/// A slow candidate (q below `slow_q`) whose Newton polish travelled more than `CRAWL` times
/// its first full step lies on a slow manifold, and is kept as a slow point as well as the
/// point its polish ends at. Near a simple root Newton converges quadratically, so it stays
/// within about its first step (travel / |δ₁| → 1). Where `J - I` is nearly singular along a
/// direction, as all along a line attractor, the residual is flat there and convergence
/// is only linear: on the tanh line `e(c) ≈ -κ c³` each step goes a third of the way
/// (travel ≈ 3 |δ₁|) and the polish would drag every point of the line to one end or
/// the middle; a saddle-node's quadratic flatness gives 2 |δ₁|. Mante et al. (2013) and
/// Sussillo & Barak (2013) show such lines as chains of slow points.
const CRAWL: f64 = 1.5;

impl FixedPointSearch {
    /// A search from `starts` (row-major, one full state per row: `S × N`, or `S × 2N` for an
    /// LSTM, whose rows are `[h; c]`), which are perturbed by the option's noise. Gated cells
    /// are searched on that full state with the Jacobian of the full one-step update.
    pub fn new(net: &Network, starts: &[f32], opts: FixedPointOptions, rng: &mut SeedRng) -> Self {
        let n = net.config.cell.state_size(net.config.hidden);
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
            chain: Vec::new(),
            kept: Vec::new(),
            classified: Vec::new(),
            settle: Settle::default(),
            phase: if s == 0 { Phase::Done } else { Phase::Descent },
            opts,
        }
    }

    /// Adds autonomous runs (input zero) from `states` (row-major `R × S`, S the cell's state
    /// size as for [`FixedPointSearch::new`], e.g. the memory
    /// states of the cube set) for up to `opts.settle_steps` steps, before the descent. Each
    /// run ends at an attractor of the dynamics, or near one; its end point becomes a
    /// candidate that Newton then polishes. The descent alone can miss stable points whose
    /// basins none of its starts ends in (or merge them with nearby slow points); a run that
    /// simulation itself takes to a fixed point cannot be missed this way.
    pub fn with_settle_starts(mut self, states: &[f32]) -> Self {
        let rows = states.len() / self.n.max(1);
        if rows == 0 || self.opts.settle_steps == 0 {
            return self;
        }
        self.settle = Settle {
            h: states[..rows * self.n].to_vec(),
            next: vec![0.0; rows * self.n],
            rows,
            steps: 0,
            last_change: f32::INFINITY,
        };
        self.phase = Phase::Settle;
        self
    }

    /// Steps the autonomous runs took (0 without settle starts); at most `opts.settle_steps`.
    pub fn settle_steps_taken(&self) -> usize {
        self.settle.steps
    }

    /// Up to [`SETTLE_CHUNK`] steps of the runs; true when they are over (cap or still).
    fn settle_chunk(&mut self) -> bool {
        let (n, st) = (self.n, &mut self.settle);
        let alpha = self.net.config.alpha;
        let gated = self.net.config.cell.is_gated();
        let zeros = vec![0.0f32; self.net.config.inputs()];
        let mut scratch = vec![0.0f32; self.net.config.cell.scratch_size(self.net.config.hidden)];
        for _ in 0..SETTLE_CHUNK {
            if st.steps >= self.opts.settle_steps || st.last_change < SETTLE_STILL {
                return true;
            }
            if gated {
                // One state at a time through the cell's own step (input zero).
                st.next.copy_from_slice(&st.h);
                for row in st.next.chunks_exact_mut(n) {
                    self.net.step(row, &zeros, &mut scratch);
                }
                st.last_change = largest_change(&st.next, &st.h);
                std::mem::swap(&mut st.h, &mut st.next);
                st.steps += 1;
                continue;
            }
            // next = H W_recᵀ + b, then F(h) = (1 - α) h + α tanh(next).
            for row in st.next.chunks_exact_mut(n) {
                row.copy_from_slice(&self.net.b_rec);
            }
            gemm(
                1.0,
                View::rm(&st.h, st.rows, n),
                View::rm_t(&self.net.w_rec, n, n),
                1.0,
                &mut st.next,
            );
            let mut change = 0.0f32;
            for (x, h) in st.next.iter_mut().zip(&st.h) {
                *x = (1.0 - alpha) * h + alpha * tanh(*x);
                // NaN counts as movement: a run that blows up never looks still.
                let d = (*x - h).abs();
                change = if d.is_nan() {
                    f32::INFINITY
                } else {
                    change.max(d)
                };
            }
            std::mem::swap(&mut st.h, &mut st.next);
            st.last_change = change;
            st.steps += 1;
        }
        st.steps >= self.opts.settle_steps || st.last_change < SETTLE_STILL
    }

    /// Fraction done, 0..=1.
    pub fn progress(&self) -> f32 {
        let d = self.opts.descent_iters.max(1) as f32;
        match self.phase {
            Phase::Settle => 0.2 * self.settle.steps as f32 / self.opts.settle_steps.max(1) as f32,
            Phase::Descent => 0.2 + 0.3 * self.iter as f32 / d,
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

    /// Does one bounded piece of work ([`SETTLE_CHUNK`] steps of the autonomous runs, one
    /// descent iteration, one candidate's polish, or one point's eigenvalues).
    pub fn advance(&mut self) -> Phase {
        match self.phase {
            Phase::Settle => {
                // The descent phase then collects the end points with its own candidates
                // (at once when it has no starts of its own).
                if self.settle_chunk() {
                    self.phase = Phase::Descent;
                }
            }
            Phase::Descent => {
                if self.iter < self.opts.descent_iters && self.s > 0 {
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
                let start = &self.candidates[i];
                let Polished { h, q, first_step } =
                    newton_polish(&self.net, start, self.opts.newton_iters, self.opts.tol_q);
                let travel = dist(start, &h);
                if travel > CRAWL * first_step && travel > self.opts.dedup * self.scale {
                    let q0 = q_f64(&self.net, start);
                    if q0 < self.opts.slow_q {
                        self.chain.push((start.clone(), q0));
                    }
                }
                self.polished.push((h, q));
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

    /// Polished points and chain points with q below `slow_q`, one per `dedup`
    /// neighbourhood, by increasing q.
    fn distinct(&self) -> Vec<(Vec<f64>, f64)> {
        let mut kept: Vec<(Vec<f64>, f64)> = Vec::new();
        let mut sorted: Vec<&(Vec<f64>, f64)> = self
            .polished
            .iter()
            .chain(&self.chain)
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

    pub(super) fn descent_iteration(&mut self) {
        let (n, s) = (self.n, self.s);
        let alpha = self.net.config.alpha;
        let a2 = alpha * alpha;
        if self.net.config.cell.is_gated() {
            // Per state in f64: grad = (J - I)ᵀ (F(s) - s), without forming J.
            for (h, g) in self.h.chunks_exact(n).zip(self.grad.chunks_exact_mut(n)) {
                let h64: Vec<f64> = h.iter().map(|v| *v as f64).collect();
                let (_, grad) = super::cells::residual_and_grad(&self.net, &h64);
                for (g, v) in g.iter_mut().zip(grad) {
                    *g = v as f32;
                }
            }
            self.adam_update(1.0);
            return;
        }
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
        self.adam_update(a2);
    }

    /// Adam on each state with gradient `scale · grad`.
    fn adam_update(&mut self, scale: f32) {
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
            let g = scale * g;
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
            .chain(self.settle.h.chunks_exact(n).map(|h| {
                let h64: Vec<f64> = h.iter().map(|v| *v as f64).collect();
                let q = q_f64(&self.net, &h64);
                (h64, q)
            }))
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

/// Largest |a - b| over two equally long slices; NaN counts as infinite movement (a run that
/// blows up never looks still).
fn largest_change(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).fold(0.0f32, |m, (x, y)| {
        let d = (x - y).abs();
        if d.is_nan() {
            f32::INFINITY
        } else {
            m.max(d)
        }
    })
}
