//! What the worker sends a few times per second, built from a trainer — and fingerprints
//! of it, so that tests can check that the browser's weights and trials are bit-identical
//! to native Rust's for the same seed.

use crate::protocol::{F32s, GateSpectrum, Snapshot, Trace, WireNetwork};
use flipflop_core::analysis::{eigenvalues, spectral_radius};
use flipflop_core::Trainer;

/// Held-out trials shown in the traces panel.
pub const TRACE_TRIALS: usize = 3;

/// The spectrum of each `N × N` block of W_rec (one for the vanilla cell, one per gate for
/// GRU and LSTM: rows `g·N .. (g+1)·N`), in block order.
fn block_spectra(w_rec: &[f32], n: usize) -> Vec<GateSpectrum> {
    w_rec
        .chunks_exact((n * n).max(1))
        .map(|block| {
            let (eigenvalues, error) = match eigenvalues(block, n) {
                Ok(e) => (e, None),
                Err(e) => (Vec::new(), Some(e.to_string())),
            };
            GateSpectrum {
                spectral_radius: spectral_radius(&eigenvalues),
                eigenvalues,
                error,
            }
        })
        .collect()
}

/// The snapshot of `trainer`'s current network, labelled `step`: weights, spectrum of W_rec
/// (of each gate's recurrent block for GRU and LSTM), and the first [`TRACE_TRIALS`] held-out
/// trials run through the network.
pub fn build(trainer: &Trainer, step: u64) -> Snapshot {
    let net = trainer.network();
    let mut gates = block_spectra(&net.w_rec, net.config.hidden);
    let first = match gates.first() {
        Some(g) => g.clone(),
        None => GateSpectrum {
            eigenvalues: Vec::new(),
            spectral_radius: 0.0,
            error: Some("W_rec has no N × N block".into()),
        },
    };
    if !net.config.cell.is_gated() {
        gates.clear();
    }
    let traces = (0..TRACE_TRIALS.min(trainer.validation().batch))
        .map(|b| trace(trainer, b))
        .collect();
    Snapshot {
        step,
        network: WireNetwork::from_network(net),
        spectral_radius: first.spectral_radius,
        eigenvalues: first.eigenvalues,
        spectrum_error: first.error,
        traces,
        gates,
    }
}

/// Held-out trial `b` run through the network: its inputs, targets, outputs and loss mask
/// (one value per step: the cognitive tasks mask whole steps).
fn trace(trainer: &Trainer, b: usize) -> Trace {
    let val = trainer.validation();
    let (len, batch, ni, no) = (val.trial_len, val.batch, val.inputs, val.outputs);
    let mut x = Vec::with_capacity(len * ni);
    let mut y = Vec::with_capacity(len * no);
    let mut mask = Vec::new();
    for t in 0..len {
        let (xi, yi) = ((t * batch + b) * ni, (t * batch + b) * no);
        x.extend_from_slice(&val.x[xi..xi + ni]);
        y.extend_from_slice(&val.y[yi..yi + no]);
        if let Some(m) = val.mask.get(yi) {
            mask.push(*m);
        }
    }
    let (_, z) = trainer.network().run(&x, len);
    Trace {
        trial_len: len,
        inputs: ni,
        outputs: no,
        x: F32s(x),
        y: F32s(y),
        z: F32s(z),
        mask: F32s(mask),
    }
}

/// 64-bit FNV-1a over the bit patterns of the floats, as 16 hex digits.
pub fn fnv(values: &[&[f32]]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in values.iter().flat_map(|s| s.iter()) {
        for b in v.to_bits().to_le_bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Fingerprints of a snapshot: `(weights, held-out trial inputs and targets)`.
pub fn fingerprints(s: &Snapshot) -> (String, String) {
    let n = &s.network;
    let weights = fnv(&[&n.w_in.0, &n.w_rec.0, &n.b_rec.0, &n.w_out.0, &n.b_out.0]);
    let trials: Vec<&[f32]> = s
        .traces
        .iter()
        .flat_map(|t| [t.x.0.as_slice(), t.y.0.as_slice()])
        .collect();
    (weights, fnv(&trials))
}

/// The sign of each column of W_rec (each unit's outgoing weights), one character per
/// column: `+` (none negative), `-` (none positive), `0` (all zero) or `x` (both signs).
/// Under Dale's law every column is `+`, `-` or `0` (a test hook on the matrix canvas).
pub fn column_signs(s: &Snapshot) -> String {
    let n = s.network.config.hidden;
    let w = &s.network.w_rec.0;
    (0..n)
        .map(|j| {
            let col = || (0..n).filter_map(|i| w.get(i * n + j));
            match (col().any(|v| *v > 0.0), col().any(|v| *v < 0.0)) {
                (true, true) => 'x',
                (true, false) => '+',
                (false, true) => '-',
                (false, false) => '0',
            }
        })
        .collect()
}

/// How far the largest eigenvalue of W_rec stands out of the rest: `|λ₁| / |λ₂|`, the two
/// largest moduli (1 when a complex pair is on top, 0 with fewer than two eigenvalues). An
/// unbalanced Dale start has one real eigenvalue far outside the bulk (a ratio of several),
/// a balanced one none (near 1). A test hook on the spectrum canvas (`data-outlier`).
pub fn outlier_ratio(s: &Snapshot) -> f64 {
    let mut m: Vec<f64> = s.eigenvalues.iter().map(|[re, im]| re.hypot(*im)).collect();
    m.sort_by(|a, b| b.total_cmp(a));
    match m.as_slice() {
        [a, b, ..] if *b > 0.0 => a / b,
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flipflop_core::{Config, Preset};

    #[test]
    fn column_signs_show_dale_columns() {
        let mut cfg = Config::preset(Preset::Dale);
        cfg.model.hidden = 10;
        let mut t = Trainer::new(cfg.clone()).unwrap();
        t.step().unwrap();
        // The Dale preset: half the units excitatory.
        assert_eq!(column_signs(&build(&t, 1)), "+++++-----");
        cfg.model.constraints.dale = None;
        let free = column_signs(&build(&Trainer::new(cfg).unwrap(), 0));
        assert_eq!(free, "x".repeat(10));
    }

    #[test]
    fn an_unbalanced_dale_start_has_one_outlier_eigenvalue() {
        let mut cfg = Config::preset(Preset::Dale);
        cfg.model.hidden = 64;
        // The lab's Dale toggle (80 % excitatory): an unbalanced start has a mean input
        // of about (N_E - N_I) E|w| per unit, hence the outlier (none at 50 %).
        cfg.model.constraints.dale.as_mut().unwrap().excitatory = 0.8;
        let ratio = |cfg: &Config| outlier_ratio(&build(&Trainer::new(cfg.clone()).unwrap(), 0));
        let balanced = ratio(&cfg);
        cfg.model.constraints.dale.as_mut().unwrap().unbalanced = true;
        let unbalanced = ratio(&cfg);
        assert!(balanced < 1.5, "balanced: {balanced}");
        assert!(unbalanced > 3.0, "unbalanced: {unbalanced}");
    }

    /// A GRU's and an LSTM's snapshot carry one spectrum per gate, each that of the gate's
    /// own block of W_rec, and the panels' matrix is that block.
    #[test]
    fn gated_snapshots_have_a_spectrum_per_gate() {
        use flipflop_core::model::CellKind;
        for cell in [CellKind::Gru, CellKind::Lstm] {
            let mut cfg = Config::cell_preset(cell);
            cfg.model.hidden = 8;
            let mut t = Trainer::new(cfg).unwrap();
            t.step().unwrap();
            let s = build(&t, 1);
            assert_eq!(s.gates.len(), cell.gates(), "{cell:?}");
            for (g, spec) in s.gates.iter().enumerate() {
                let block = s.rec_block(g).unwrap();
                assert_eq!(block, &t.network().w_rec[g * 64..(g + 1) * 64]);
                assert_eq!(spec.eigenvalues, eigenvalues(block, 8).unwrap());
                assert_eq!(s.spectrum(g).0, spec.eigenvalues.as_slice());
            }
            // The blocks differ, so the gate selector changes the picture.
            assert_ne!(s.gates[0].eigenvalues, s.gates[1].eigenvalues);
            assert_eq!(s.eigenvalues, s.gates[0].eigenvalues);
            assert!(s.rec_block(cell.gates()).is_none());
        }
        let mut cfg = Config::preset(Preset::Default);
        cfg.model.hidden = 8;
        let s = build(&Trainer::new(cfg).unwrap(), 0);
        assert!(s.gates.is_empty());
        assert_eq!(s.spectrum(2).0, s.eigenvalues.as_slice());
        assert_eq!(s.rec_block(0).map(<[f32]>::len), Some(64));
    }

    /// The browser test (tests/e2e/lab.test.mjs) checks the page against the same file, so
    /// together they prove the browser and native builds draw bit-identical initial weights
    /// and held-out trials from a seed.
    #[test]
    fn default_preset_fingerprints_match_the_file() {
        let file: serde_json::Value =
            serde_json::from_str(include_str!("fingerprints.json")).unwrap();
        let seeds = file["seeds"].as_object().unwrap();
        assert!(seeds.len() >= 2);
        for (seed, want) in seeds {
            let mut cfg = Config::preset(Preset::Default);
            cfg.seed = seed.parse().unwrap();
            let (weights, trials) = fingerprints(&build(&Trainer::new(cfg).unwrap(), 0));
            assert_eq!(
                weights,
                want["weights"].as_str().unwrap(),
                "weights, seed {seed}"
            );
            assert_eq!(
                trials,
                want["trials"].as_str().unwrap(),
                "trials, seed {seed}"
            );
        }
    }

    #[test]
    fn fnv_known_values() {
        assert_eq!(fnv(&[]), "cbf29ce484222325");
        // One float 0.0 = four zero bytes.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for _ in 0..4 {
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        assert_eq!(fnv(&[&[0.0]]), format!("{h:016x}"));
        assert_ne!(fnv(&[&[0.0]]), fnv(&[&[-0.0]]));
    }

    #[test]
    fn snapshot_is_seeded_and_shaped() {
        let mut cfg = Config::preset(Preset::Default);
        cfg.model.hidden = 16;
        let a = build(&Trainer::new(cfg.clone()).unwrap(), 0);
        let b = build(&Trainer::new(cfg.clone()).unwrap(), 0);
        assert_eq!(fingerprints(&a), fingerprints(&b));
        assert_eq!(a.eigenvalues.len(), 16);
        assert_eq!(a.traces.len(), TRACE_TRIALS);
        assert_eq!(a.traces[0].z.0.len(), cfg.task.trial_len * cfg.task.bits);
        cfg.seed = 2;
        let c = build(&Trainer::new(cfg).unwrap(), 0);
        let (fa, fc) = (fingerprints(&a), fingerprints(&c));
        assert!(fa.0 != fc.0 && fa.1 != fc.1);
    }

    #[test]
    fn a_spectrum_that_cannot_be_computed_is_an_error_in_its_place() {
        let mut cfg = Config::preset(Preset::Default);
        cfg.model.hidden = 6;
        let t = Trainer::new(cfg.clone()).unwrap();
        let mut net = t.network().clone();
        net.w_rec[7] = f32::NAN;
        let s = build(&Trainer::with_network(cfg, net), 0);
        assert!(s.eigenvalues.is_empty());
        let msg = s.spectrum_error.as_deref().unwrap();
        assert!(msg.contains("(1, 1)") && msg.contains("NaN"), "{msg}");
        // A ring (cyclic permutation) W_rec, which hung the worker, gives its spectrum.
        let mut ring = t.network().clone();
        ring.w_rec = vec![0.0; 36];
        for i in 0..6 {
            ring.w_rec[((i + 1) % 6) * 6 + i] = 1.0;
        }
        let s = build(&Trainer::with_network(t.config().clone(), ring), 0);
        assert_eq!((s.eigenvalues.len(), s.spectrum_error), (6, None));
        assert!((s.spectral_radius - 1.0).abs() < 1e-12);
    }
}
