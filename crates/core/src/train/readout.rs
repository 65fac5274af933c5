//! The least-squares readout: the W_out and b_out that minimise the (masked) squared error
//! of a batch of trials given the network's hidden states, as an echo-state network or
//! FORCE-trained network reads out its reservoir (Jaeger 2001; Sussillo & Abbott 2009).
//!
//! [`Trainer`](super::Trainer) refits the readout this way every
//! [`TrainConfig::readout_fit`](super::TrainConfig::readout_fit) steps on
//! `READOUT_FIT_BATCHES × batch` fresh trials of the seed's `Readout` stream; BPTT and Adam
//! still train everything, the readout included, in between. With the readout at its
//! optimum for the current states, the gradient reaching W_rec is the part of the error the
//! states themselves leave, and a bit whose state is only weakly separated is already read
//! out: on the default preset, seeds 1–10 natively, the median steps to solved fell from
//! 2,150 to 1,600 and the slowest seed from 3,200 (seed 2, on the two-bits plateau to step
//! 2,400) to 2,100 (BENCHMARKS.md, "The least-squares readout").
//!
//! The fit, for each output `c` with loss-mask weights `m` (all 1 without a mask):
//!
//! ```text
//! [W_out,c  b_out,c] = argmin Σ_rows m (w·h + b − y_c)² + λ Σ_rows m ‖w‖²
//!                    = solve((AᵀMA + λ·Σm·I′), AᵀMy_c),   A = [H 1]  (rows = T·B)
//! ```
//!
//! with `I′` the identity without the bias entry and λ = [`READOUT_RIDGE`] per unit of row
//! weight, so the fit does not depend on the number of rows. With Dale's
//! law and an excitatory readout only the excitatory units' columns are fitted (the others
//! stay 0). The Gram matrix is summed in f32 by [`crate::math::gemm`] and solved in f64
//! (Cholesky, nalgebra).

use super::forward::forward;
use super::workspace::Workspace;
use crate::math::{gemm, View};
use crate::model::Network;
use crate::task::Batch;
use nalgebra::{Cholesky, DMatrix};

/// Trials of each readout fit, in batches of `TrainConfig::batch` (the default preset: 4 ×
/// 16 = 64 trials of 200 time steps, 12,800 rows). 32 trials solved no faster than 64
/// (seeds 1–4 natively), and fewer rows make a noisier fit.
pub const READOUT_FIT_BATCHES: usize = 4;

/// Ridge λ of the fit, relative to the rows' weight (see the module docs).
pub const READOUT_RIDGE: f64 = 1e-4;

/// Buffers of the fit, kept between fits so it allocates once per shape.
#[derive(Clone, Debug, Default)]
pub struct ReadoutFit {
    /// `rows × (units + 1)`: the fitted units' states and a 1, each row × √m.
    a: Vec<f32>,
    /// `rows`: the targets of one output, × √m.
    y: Vec<f32>,
    /// `(units + 1)²`: AᵀMA.
    gram: Vec<f32>,
    /// `units + 1`: AᵀMy.
    rhs: Vec<f32>,
}

/// Why a fit left the readout as it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FitSkipped {
    /// The batch has no weight (an all-zero mask for some output).
    NoRows,
    /// The normal equations were not positive definite or gave non-finite weights.
    Singular,
}

impl ReadoutFit {
    /// Runs `batch` through `net` (in `ws`) and replaces `net`'s W_out and b_out by the
    /// least-squares readout of its hidden states (see the module docs); the first
    /// `units` hidden units are fitted (`hidden` for all; the excitatory ones under Dale's
    /// law with an excitatory readout), W_out's other columns are set to 0. On
    /// [`FitSkipped`] the network is unchanged. Cost: one forward pass of the batch and
    /// `rows · (units + 1)²` multiply-adds per distinct output mask (one without a mask).
    pub fn fit(
        &mut self,
        net: &mut Network,
        batch: &Batch,
        ws: &mut Workspace,
        units: usize,
    ) -> Result<(), FitSkipped> {
        let n = net.config.hidden;
        let k = net.config.outputs();
        let units = units.min(n);
        forward(net, batch, batch.mask(), ws);
        let rows = batch.trial_len * batch.batch;
        let d = units + 1;
        let h = ws.hidden();
        let mask = batch.mask();
        let mut w_out = vec![0.0f32; k * n];
        let mut b_out = vec![0.0f32; k];
        // Without a mask every output shares one Gram matrix.
        let mut solved: Option<Cholesky<f64, nalgebra::Dyn>> = None;
        for c in 0..k {
            let weight = |r: usize| mask.map_or(1.0, |m| m[r * k + c]);
            if c == 0 || mask.is_some() {
                self.a.resize(rows * d, 0.0);
                let mut total = 0.0f64;
                for r in 0..rows {
                    let s = weight(r).max(0.0).sqrt();
                    total += (s * s) as f64;
                    let row = &mut self.a[r * d..(r + 1) * d];
                    for (a, x) in row[..units].iter_mut().zip(&h[r * n..r * n + units]) {
                        *a = s * x;
                    }
                    row[units] = s;
                }
                if total <= 0.0 {
                    return Err(FitSkipped::NoRows);
                }
                self.gram.resize(d * d, 0.0);
                gemm(
                    1.0,
                    View::rm_t(&self.a, rows, d),
                    View::rm(&self.a, rows, d),
                    0.0,
                    &mut self.gram,
                );
                let mut g = DMatrix::<f64>::from_fn(d, d, |i, j| self.gram[i * d + j] as f64);
                for i in 0..units {
                    g[(i, i)] += READOUT_RIDGE * total;
                }
                solved = Some(Cholesky::new(g).ok_or(FitSkipped::Singular)?);
            }
            self.y.resize(rows, 0.0);
            for r in 0..rows {
                self.y[r] = weight(r).max(0.0).sqrt() * batch.y[r * k + c];
            }
            self.rhs.resize(d, 0.0);
            gemm(
                1.0,
                View::rm_t(&self.a, rows, d),
                View::rm(&self.y, rows, 1),
                0.0,
                &mut self.rhs,
            );
            let rhs = DMatrix::<f64>::from_fn(d, 1, |i, _| self.rhs[i] as f64);
            let Some(chol) = solved.as_ref() else {
                return Err(FitSkipped::Singular);
            };
            let w = chol.solve(&rhs);
            if !w.iter().all(|v| v.is_finite()) {
                return Err(FitSkipped::Singular);
            }
            for j in 0..units {
                w_out[c * n + j] = w[j] as f32;
            }
            b_out[c] = w[units] as f32;
        }
        net.w_out.copy_from_slice(&w_out);
        net.b_out.copy_from_slice(&b_out);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::model::Dale;
    use crate::rng::{Purpose, SeedRng};
    use crate::task::TaskKind;
    use crate::train::{loss_and_grad, TrainConfig, Trainer};

    fn batch_of(cfg: &Config, trials: usize) -> Batch {
        let mut task = cfg.task.clone();
        task.trial_len = 60;
        Batch::generate(&task, trials, &mut SeedRng::new(cfg.seed, Purpose::Other))
    }

    /// Small networks of the flip-flop (no mask) and of perceptual decision making (a loss
    /// mask that differs per output), at their initial weights.
    fn cases() -> Vec<Config> {
        let mut flip = Config::default();
        flip.model.hidden = 24;
        let mut dm = Config::for_task(TaskKind::PerceptualDm);
        dm.model.hidden = 20;
        vec![flip, dm]
    }

    /// After a fit the readout is at the (lightly regularised) least-squares optimum of the
    /// batch: the loss is lower than before, and its gradient with respect to W_out and
    /// b_out is ~0 next to the gradient before the fit.
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn a_fit_is_the_least_squares_optimum_of_its_batch() {
        for cfg in cases() {
            let mut net = Network::init(&cfg.model, 3);
            let batch = batch_of(&cfg, 8);
            let (mut ws, mut grads) = (Workspace::default(), Network::zeros(&net.config));
            let before = loss_and_grad(&net, &batch, batch.mask(), &mut ws, &mut grads);
            let g_before: f32 = grads.w_out.iter().chain(&grads.b_out).map(|g| g * g).sum();
            let mut fit = ReadoutFit::default();
            let n = net.config.hidden;
            fit.fit(&mut net, &batch, &mut ws, n).unwrap();
            let after = loss_and_grad(&net, &batch, batch.mask(), &mut ws, &mut grads);
            let g_after: f32 = grads.w_out.iter().chain(&grads.b_out).map(|g| g * g).sum();
            assert!(
                after < before,
                "{:?}: loss {before} -> {after}",
                cfg.task.kind
            );
            assert!(
                g_after.sqrt() < 1e-2 * g_before.sqrt(),
                "{:?}: readout gradient {} -> {}",
                cfg.task.kind,
                g_before.sqrt(),
                g_after.sqrt()
            );
            // Any other readout does worse on this batch (a perturbation of the fit).
            let mut other = net.clone();
            other.w_out[1] += 0.05;
            other.b_out[0] -= 0.05;
            let worse = loss_and_grad(&other, &batch, batch.mask(), &mut ws, &mut grads);
            assert!(worse > after, "{:?}: {worse} <= {after}", cfg.task.kind);
        }
    }

    /// Under Dale's law with an excitatory readout only the excitatory units are read:
    /// W_out's other columns stay 0 and the network keeps its constraints.
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn an_excitatory_readout_stays_excitatory() {
        let mut cfg = Config::default();
        cfg.model.hidden = 20;
        cfg.model.constraints.dale = Some(Dale {
            readout: true,
            ..Dale::default()
        });
        cfg.train.readout_fit = 1;
        cfg.train.val_trials = 4;
        // Long enough for every bit to have targets (they are 0 until the first response).
        cfg.train.train_trial_len = 200;
        let mut t = Trainer::new(cfg.clone()).unwrap();
        let before = t.network().w_out.clone();
        t.step().unwrap();
        assert_eq!(t.readout_fits(), (1, 0));
        let net = t.network();
        assert_ne!(net.w_out, before, "the fit replaced the readout");
        assert!(cfg.model.constraints.holds_network(net));
        let e = cfg.model.constraints.excitatory_units(20);
        assert!(e < 20);
        for row in net.w_out.chunks_exact(20) {
            assert!(row[..e].iter().any(|w| *w != 0.0));
            assert!(row[e..].iter().all(|w| *w == 0.0));
        }
    }

    /// Trials that carry no weight cannot be fitted: the network is left as it was.
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn a_batch_without_weight_changes_nothing() {
        let cfg = &cases()[1];
        let mut net = Network::init(&cfg.model, 3);
        let mut batch = batch_of(cfg, 4);
        batch.mask.iter_mut().for_each(|m| *m = 0.0);
        let before = net.clone();
        let r = ReadoutFit::default().fit(&mut net, &batch, &mut Workspace::default(), 20);
        assert_eq!(r, Err(FitSkipped::NoRows));
        assert_eq!(net, before);
    }

    /// The trainer fits every `readout_fit` steps and only then: until step K it trains
    /// exactly as without fits (the fits draw from their own stream), at step K the readout
    /// differs; the same seed repeats bit for bit. Without the field (older files) there is
    /// no fit.
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn the_trainer_fits_every_k_steps_from_its_own_stream() {
        let mut cfg = Config::default();
        cfg.model.hidden = 16;
        cfg.train.val_trials = 4;
        cfg.train.train_trial_len = 40;
        cfg.train.batch = 4;
        let k = 3;
        let plain = TrainConfig {
            readout_fit: 0,
            ..cfg.train.clone()
        };
        let mut a = Trainer::new(Config {
            train: plain,
            ..cfg.clone()
        })
        .unwrap();
        cfg.train.readout_fit = k;
        let mut b = Trainer::new(cfg.clone()).unwrap();
        let mut c = Trainer::new(cfg.clone()).unwrap();
        for s in 1..=2 * k {
            a.step().unwrap();
            b.step().unwrap();
            c.step().unwrap();
            if s < k {
                assert_eq!(a.network(), b.network(), "step {s}");
            }
            if s == k {
                assert_ne!(a.network().w_out, b.network().w_out, "step {s}");
                assert_eq!(a.network().w_rec, b.network().w_rec, "step {s}");
            }
            assert_eq!(b.network(), c.network(), "step {s}: not reproducible");
        }
        assert_eq!(b.readout_fits(), (2, 0));
        assert_eq!(a.readout_fits(), (0, 0));
        // JSON without the field reads as no fits; the default preset writes its 50.
        let json = serde_json::to_string(&Config::default()).unwrap();
        assert!(json.contains("\"readout_fit\":50"), "{json}");
        let old = json.replace(",\"readout_fit\":50", "");
        let back: Config = serde_json::from_str(&old).unwrap();
        assert_eq!(back.train.readout_fit, 0);
        assert!(!serde_json::to_string(&back)
            .unwrap()
            .contains("readout_fit"));
        cfg.train.readout_fit = 1_000_001;
        assert_eq!(cfg.validate().unwrap_err().field, "readout_fit");
    }
}
