//! The flip-flop's memory-state test set (the "cube set") and the names of its states.

use super::flipflop::{Pulse, Trial};
use super::TaskConfig;

/// The memory-state test set ("cube set"): noiseless simultaneous pulses on every channel,
/// one every `period` steps, that make the register count through all `2^bits` states twice.
#[derive(Clone, Debug, PartialEq)]
pub struct CubeSet {
    /// The trial (one sequence).
    pub trial: Trial,
    /// Memory state of each step from the targets: `Some(s)` where every target is non-zero,
    /// with bit `j` of `s` set iff channel `j` holds +1; `None` before the first response.
    pub state: Vec<Option<u32>>,
}

/// Steps between successive pulses of the cube set (the paper's 70).
pub const CUBE_PERIOD: usize = 70;
/// Onset of the cube set's first pulse (the paper's 30).
pub const CUBE_FIRST_ONSET: usize = 30;

/// The binary counter value at pulse `k`: channel `j` is +1 iff bit `j` of `k mod 2^bits` is set,
/// so channel 0 flips at every pulse, channel 1 every second pulse, and so on.
pub fn state_signs(state: u32, bits: usize) -> Vec<f32> {
    (0..bits)
        .map(|j| if (state >> j) & 1 == 1 { 1.0 } else { -1.0 })
        .collect()
}

/// Human-readable name of a memory state, e.g. `"+1 -1 +1"` (channel 0 first).
pub fn state_name(state: u32, bits: usize) -> String {
    state_signs(state, bits)
        .iter()
        .map(|s| if *s > 0.0 { "+1" } else { "-1" })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Builds the cube set for `cfg` (its width and delay; no noise).
pub fn cube_set(cfg: &TaskConfig) -> CubeSet {
    let n_pulses = 2 * (1usize << cfg.bits);
    let period = CUBE_PERIOD.max(cfg.pulse_width + cfg.delay + 10);
    let last_switch = CUBE_FIRST_ONSET + (n_pulses - 1) * period + cfg.pulse_width + cfg.delay;
    let trial_len = last_switch + 50;
    let mut tr = Trial::empty(trial_len, cfg.bits);
    for k in 0..n_pulses {
        let signs = state_signs((k % (1 << cfg.bits)) as u32, cfg.bits);
        for (bit, s) in signs.into_iter().enumerate() {
            let p = Pulse {
                onset: CUBE_FIRST_ONSET + k * period,
                sign: s,
            };
            tr.add_pulse(bit, p, cfg.pulse_width, cfg.delay);
        }
    }
    let state = (0..trial_len)
        .map(|t| {
            let row = &tr.y[t * cfg.bits..(t + 1) * cfg.bits];
            if row.iter().all(|v| *v != 0.0) {
                Some(
                    row.iter()
                        .enumerate()
                        .fold(0u32, |s, (j, v)| if *v > 0.0 { s | (1 << j) } else { s }),
                )
            } else {
                None
            }
        })
        .collect();
    CubeSet { trial: tr, state }
}
