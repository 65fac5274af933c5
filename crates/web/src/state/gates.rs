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

/// The Compare view's gate selector (Fig. 5) for networks of `cells`: one option per block
/// index of the cell with the most gate blocks, each naming that block in every gated cell
/// present ("f: forget gate" when all are LSTMs, "GRU r · LSTM f" when both kinds are
/// compared; a cell without that block shows its first, see [`clamp`]). Empty when no network
/// is gated: then the selector is hidden and every panel shows W_rec.
pub fn compare_options(cells: &[CellKind]) -> Vec<String> {
    let mut kinds: Vec<CellKind> = Vec::new();
    for &c in cells {
        if c.is_gated() && !kinds.contains(&c) {
            kinds.push(c);
        }
    }
    kinds.sort_by_key(|c| c.gates());
    let blocks = kinds.iter().map(|c| c.gates()).max().unwrap_or(0);
    (0..blocks)
        .map(|g| match kinds.as_slice() {
            [one] => option_text(*one, g),
            _ => kinds
                .iter()
                .map(|&c| format!("{} {}", cell_label(c), names(c)[clamp(c, g)]))
                .collect::<Vec<_>>()
                .join(" · "),
        })
        .collect()
}

/// The note under the Compare view's Fig. 5 heading: which matrix each network's panel shows
/// for the selected `gate`, and that a gate block's eigenvalues are those of a weight matrix,
/// not of the linearised dynamics (the Jacobian of the full update at the stable points is the
/// view's Jacobian figure). Vanilla networks always show W_rec.
pub fn compare_note(cells: &[CellKind], gate: usize) -> String {
    let mut shown: Vec<String> = Vec::new();
    for &c in cells {
        let name = matrix_name(c, clamp(c, gate));
        let text = match roles(c).get(clamp(c, gate)) {
            Some(role) => format!("{name} ({} {role})", cell_label(c)),
            None => format!("{name} (vanilla)"),
        };
        if !shown.contains(&text) {
            shown.push(text);
        }
    }
    if !cells.iter().any(|c| c.is_gated()) {
        return "Each panel: the eigenvalues of that network's W_rec.".to_string();
    }
    format!(
        "Each panel: the eigenvalues of one recurrent weight block, {}. A gate's block is a \
         weight matrix inside a nonlinear gate, not the network's linearised dynamics: for \
         those, see the Jacobian of the full update ({}) at the stable points below.",
        shown.join(", "),
        if cells.contains(&CellKind::Lstm) {
            "on [h; c] for LSTMs"
        } else {
            "on h"
        }
    )
}

/// "GRU" or "LSTM" ("vanilla" for the plain cell), as the notes write the cell.
fn cell_label(cell: CellKind) -> &'static str {
    match cell {
        CellKind::Vanilla => "vanilla",
        CellKind::Gru => "GRU",
        CellKind::Lstm => "LSTM",
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

    #[test]
    fn the_compare_selector_names_each_block_of_the_cells_compared() {
        use CellKind::*;
        assert!(compare_options(&[Vanilla, Vanilla]).is_empty());
        assert_eq!(
            compare_options(&[Gru, Gru]),
            ["z: update gate", "r: reset gate", "h̃: candidate state"]
        );
        assert_eq!(compare_options(&[Vanilla, Lstm]).len(), 4);
        assert_eq!(compare_options(&[Lstm, Vanilla])[1], "f: forget gate");
        // Both kinds: the LSTM's four blocks, each with the GRU block its panels show.
        let both = compare_options(&[Lstm, Gru]);
        assert_eq!(both.len(), 4);
        assert_eq!(both[1], "GRU r · LSTM f");
        assert_eq!(both[3], "GRU z · LSTM o");
    }

    #[test]
    fn the_compare_note_says_which_matrix_and_that_it_is_not_the_jacobian() {
        use CellKind::*;
        let v = compare_note(&[Vanilla, Vanilla], 2);
        assert_eq!(v, "Each panel: the eigenvalues of that network's W_rec.");
        let g = compare_note(&[Gru, Vanilla, Gru], 1);
        assert!(
            g.contains("W_rec,r (GRU reset gate), W_rec (vanilla)"),
            "{g}"
        );
        assert!(g.contains("Jacobian of the full update (on h)"), "{g}");
        let l = compare_note(&[Lstm, Gru], 3);
        assert!(
            l.contains("W_rec,o (LSTM output gate), W_rec,z (GRU update gate)"),
            "{l}"
        );
        assert!(l.contains("on [h; c] for LSTMs"), "{l}");
    }
}
