//! The gates of GRU and LSTM cells as the panels name them: Keras' names, in the order of
//! the blocks stacked in W_in, W_rec and b_rec (`flipflop_core::model::cell`), and what the
//! connectivity and spectrum panels say about the block they show.

use flipflop_core::model::CellKind;

/// Keras' names of the cell's gate blocks, in block order: GRU `z, r, h̃` (update, reset,
/// candidate), LSTM `i, f, c, o` (input, forget, cell candidate, output). The vanilla cell
/// has one block, W_rec itself, and no gate names.
pub fn names(cell: CellKind) -> &'static [&'static str] {
    match cell {
        CellKind::Vanilla => &[],
        CellKind::Gru => &["z", "r", "h̃"],
        CellKind::Lstm => &["i", "f", "c", "o"],
    }
}

/// What each gate does, in a few words (the selector's option text after the name).
pub fn roles(cell: CellKind) -> &'static [&'static str] {
    match cell {
        CellKind::Vanilla => &[],
        CellKind::Gru => &["update gate", "reset gate", "candidate state"],
        CellKind::Lstm => &["input gate", "forget gate", "cell candidate", "output gate"],
    }
}

/// The gate that exists for `cell`: `gate` itself when the cell has that many blocks, else 0.
pub fn clamp(cell: CellKind, gate: usize) -> usize {
    if gate < cell.gates() {
        gate
    } else {
        0
    }
}

/// The name of the matrix shown for `gate` (`W_rec` for the vanilla cell, `W_rec,z` for the
/// GRU's update gate, …), as the panels' titles write it.
pub fn matrix_name(cell: CellKind, gate: usize) -> String {
    match names(cell).get(gate) {
        Some(g) => format!("W_rec,{g}"),
        None => "W_rec".to_string(),
    }
}

/// The option text of `gate` in the gate selector: "z: update gate".
pub fn option_text(cell: CellKind, gate: usize) -> String {
    match (names(cell).get(gate), roles(cell).get(gate)) {
        (Some(n), Some(r)) => format!("{n}: {r}"),
        _ => String::new(),
    }
}

/// What the state of the fixed-point search is for `cell`, for the spectrum's Jacobian line:
/// `h` (vanilla, GRU) or `[h; c]` (LSTM: 2N numbers, the first N are h).
pub fn state_name(cell: CellKind) -> &'static str {
    match cell {
        CellKind::Lstm => "[h; c]",
        _ => "h",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_gated_block_has_a_keras_name_and_a_role() {
        for cell in CellKind::ALL {
            let g = if cell.is_gated() { cell.gates() } else { 0 };
            assert_eq!(names(cell).len(), g, "{cell:?}");
            assert_eq!(roles(cell).len(), g, "{cell:?}");
        }
        assert_eq!(matrix_name(CellKind::Gru, 1), "W_rec,r");
        assert_eq!(matrix_name(CellKind::Lstm, 3), "W_rec,o");
        assert_eq!(matrix_name(CellKind::Vanilla, 0), "W_rec");
        assert_eq!(option_text(CellKind::Lstm, 1), "f: forget gate");
        assert_eq!(option_text(CellKind::Gru, 2), "h̃: candidate state");
    }

    #[test]
    fn a_gate_the_cell_lacks_falls_back_to_the_first() {
        assert_eq!(clamp(CellKind::Lstm, 3), 3);
        assert_eq!(clamp(CellKind::Gru, 3), 0);
        assert_eq!(clamp(CellKind::Vanilla, 2), 0);
        assert_eq!(state_name(CellKind::Lstm), "[h; c]");
        assert_eq!(state_name(CellKind::Gru), "h");
    }
}
