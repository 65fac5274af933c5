//! The recurrent matrix of each gate of a cell, and its spectrum.
//!
//! A gated cell's `W_rec` is `G` stacked blocks of `N × N` (the layout in
//! [`crate::model::cell`]): GRU `[z | r | h̃]` (update, reset, candidate), LSTM
//! `[i | f | c | o]` (input, forget, cell candidate, output), with Keras' names. Each block
//! maps the previous `h` to that gate's pre-activation, so its eigenvalues say how strongly
//! that gate's drive feeds back on itself. They are not the eigenvalues of the dynamics: those
//! are the Jacobian's at a state ([`jacobian_spectrum`], e.g. at a fixed point, where it
//! decides stability). The vanilla cell has one block, `W_rec` itself.

use super::{eigenvalues, eigenvalues_of, AnalysisError};
use crate::model::{CellKind, Network};

/// One gate's recurrent block.
#[derive(Clone, Debug, PartialEq)]
pub struct GateBlock {
    /// Keras' short name, ASCII: `"w_rec"` (vanilla), `"z"`, `"r"`, `"h"` (GRU), `"i"`,
    /// `"f"`, `"c"`, `"o"` (LSTM).
    pub key: &'static str,
    /// What the gate is, for a panel: e.g. `"z (update gate)"`, `"h̃ (candidate)"`.
    pub label: &'static str,
    /// The block, row-major `N × N` (row = target unit, as `W_rec`).
    pub matrix: Vec<f32>,
}

/// `(key, label)` of each gate of a cell, in the order of its blocks in `W_rec`.
pub fn gate_names(cell: CellKind) -> &'static [(&'static str, &'static str)] {
    match cell {
        CellKind::Vanilla => &[("w_rec", "W_rec (recurrent weights)")],
        CellKind::Gru => &[
            ("z", "z (update gate)"),
            ("r", "r (reset gate)"),
            ("h", "h̃ (candidate)"),
        ],
        CellKind::Lstm => &[
            ("i", "i (input gate)"),
            ("f", "f (forget gate)"),
            ("c", "c̃ (cell candidate)"),
            ("o", "o (output gate)"),
        ],
    }
}

/// The recurrent block of every gate of `net`, in `W_rec`'s order (one for the vanilla
/// cell, three for a GRU, four for an LSTM), each `N × N`.
pub fn gate_blocks(net: &Network) -> Vec<GateBlock> {
    let n = net.config.hidden;
    gate_names(net.config.cell)
        .iter()
        .enumerate()
        .map(|(g, (key, label))| GateBlock {
            key,
            label,
            matrix: net.w_rec[g * n * n..(g + 1) * n * n].to_vec(),
        })
        .collect()
}

/// Eigenvalues of gate `gate`'s recurrent block (index into [`gate_blocks`]; 0 is `W_rec`
/// itself for the vanilla cell), as [`super::eigenvalues`]: `[re, im]` by decreasing modulus.
///
/// Errors: [`AnalysisError::Shape`] if the cell has no such gate (`len` the gate index asked
/// for, `rows` the number of gates) or `W_rec` is not `G·N × N`; the eigensolver's errors.
pub fn gate_spectrum(net: &Network, gate: usize) -> Result<Vec<[f64; 2]>, AnalysisError> {
    let n = net.config.hidden;
    let gates = net.config.cell.gates();
    if gate >= gates || net.w_rec.len() != gates * n * n {
        return Err(AnalysisError::Shape {
            len: gate,
            rows: gates,
            dim: n,
        });
    }
    eigenvalues(&net.w_rec[gate * n * n..(gate + 1) * n * n], n)
}

/// Eigenvalues of the Jacobian of the autonomous one-step map at the full state `state`
/// (`h`, or `[h; c]` for an LSTM: [`CellKind::state_size`] floats), e.g. a fixed point's
/// [`crate::fixedpoints::FixedPoint::state`]: `S` eigenvalues, stable when all |λ| < 1.
///
/// Errors: [`AnalysisError::Shape`] if `state` is not the cell's state size; the
/// eigensolver's errors.
pub fn jacobian_spectrum(net: &Network, state: &[f32]) -> Result<Vec<[f64; 2]>, AnalysisError> {
    let size = net.config.cell.state_size(net.config.hidden);
    if state.len() != size {
        return Err(AnalysisError::Shape {
            len: state.len(),
            rows: 1,
            dim: size,
        });
    }
    let s: Vec<f64> = state.iter().map(|v| *v as f64).collect();
    eigenvalues_of(crate::fixedpoints::jacobian(net, &s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelConfig;

    fn net(cell: CellKind) -> Network {
        let cfg = ModelConfig {
            hidden: 4,
            bits: 1,
            cell,
            rec_bias: true,
            ..ModelConfig::default()
        };
        let mut net = Network::zeros(&cfg);
        // Block g is (g + 1) times the identity: its spectrum is g + 1, four times.
        for g in 0..cell.gates() {
            for i in 0..4 {
                net.w_rec[g * 16 + i * 4 + i] = (g + 1) as f32;
            }
        }
        net
    }

    #[test]
    fn each_gate_has_its_own_block_and_spectrum() {
        for (cell, keys) in [
            (CellKind::Vanilla, vec!["w_rec"]),
            (CellKind::Gru, vec!["z", "r", "h"]),
            (CellKind::Lstm, vec!["i", "f", "c", "o"]),
        ] {
            let net = net(cell);
            let blocks = gate_blocks(&net);
            assert_eq!(blocks.iter().map(|b| b.key).collect::<Vec<_>>(), keys);
            for (g, b) in blocks.iter().enumerate() {
                assert_eq!(b.matrix.len(), 16);
                assert_eq!(b.matrix[5], (g + 1) as f32);
                let eig = gate_spectrum(&net, g).unwrap();
                assert_eq!(eig.len(), 4);
                assert!(eig.iter().all(|z| (z[0] - (g + 1) as f64).abs() < 1e-12));
            }
            assert!(matches!(
                gate_spectrum(&net, keys.len()),
                Err(AnalysisError::Shape { .. })
            ));
        }
    }

    #[test]
    fn jacobian_spectrum_covers_the_full_state() {
        // LSTM with zero weights and biases: i = f = o = ½, g = 0, so c' = c / 2 and
        // h' = ½ tanh(c / 2); at 0 the Jacobian is [[0, ¼], [0, ½]]: eigenvalues ½ and 0.
        let net = Network::zeros(&ModelConfig {
            hidden: 3,
            bits: 1,
            cell: CellKind::Lstm,
            ..ModelConfig::default()
        });
        let eig = jacobian_spectrum(&net, &[0.0; 6]).unwrap();
        assert_eq!(eig.len(), 6);
        assert!(eig[..3].iter().all(|z| (z[0] - 0.5).abs() < 1e-12));
        assert!(eig[3..].iter().all(|z| z[0].abs() < 1e-12));
        assert!(matches!(
            jacobian_spectrum(&net, &[0.0; 3]),
            Err(AnalysisError::Shape { .. })
        ));
    }
}
