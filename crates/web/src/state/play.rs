//! Live play: a network running continuously on the page, one state at a time, driven by
//! Set (+1) and Reset (−1) pulses the user injects per bit.
//!
//! Each step is the model's own single-state update (N² + N·bits multiply-adds),
//! `h ← (1 − α) h + α tanh(W_rec h + W_in x + b_rec)`, `z = W_out h + b_out`, so a few hundred
//! steps per animation frame cost well under a millisecond at N 128. The simulation is plain
//! Rust (tested natively); the page decides how many steps a frame takes and draws the
//! result (`crate::view::trace`).

use flipflop_core::rng::{Purpose, SeedRng};
use flipflop_core::{Network, TaskConfig};
use std::collections::VecDeque;

/// Steps of input and output kept for the scrolling trace.
pub const HISTORY: usize = 400;
/// Most bits the page offers buttons for (the task allows 1–8).
pub const MAX_BITS: usize = 8;
/// Keys that Set bit `i` (`SET_KEYS[i]`) and Reset it (`RESET_KEYS[i]`).
pub const SET_KEYS: [&str; MAX_BITS] = ["1", "2", "3", "4", "5", "6", "7", "8"];
/// See [`SET_KEYS`].
pub const RESET_KEYS: [&str; MAX_BITS] = ["q", "w", "e", "r", "t", "y", "u", "i"];
/// |z| below this counts as undecided when naming the memory state.
pub const DECIDED: f32 = 0.5;

/// The one-line prompt over the Set/Reset rows for `bits` bits (HTML: the keys as `<kbd>`;
/// at most [`MAX_BITS`]): "Press 1 2 3 to set a bit (+1), q w e to reset it (−1)."
pub fn key_prompt_html(bits: usize) -> String {
    let n = bits.clamp(1, MAX_BITS);
    let keys = |ks: &[&str]| {
        ks.iter()
            .take(n)
            .map(|k| format!("<kbd>{k}</kbd>"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let one = if n == 1 { "the bit" } else { "a bit" };
    format!(
        "Press {} to set {one} (+1), {} to reset it (−1), and watch the outputs and the cube.",
        keys(&SET_KEYS),
        keys(&RESET_KEYS)
    )
}

/// One step of the trace: inputs and outputs per bit (unused bits are zero).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Inputs.
    pub x: [f32; MAX_BITS],
    /// Outputs.
    pub z: [f32; MAX_BITS],
}

/// The running network and what it did recently.
pub struct Play {
    net: Option<Network>,
    h: Vec<f32>,
    scratch: Vec<f32>,
    z: Vec<f32>,
    x: Vec<f32>,
    /// Per bit: steps of pulse left and its sign.
    pulses: Vec<(usize, f32)>,
    /// Pulse width in steps (the task's).
    pub width: usize,
    /// The task's input noise s.d., added to every input at every step when `noise_on`.
    pub noise_sd: f32,
    /// Whether the task's noise is added.
    pub noise_on: bool,
    rng: SeedRng,
    /// Steps simulated since the current network was adopted.
    pub step: u64,
    /// The last [`HISTORY`] steps.
    pub history: VecDeque<Sample>,
}

impl Play {
    /// No network yet; noise drawn from `seed` (purpose `Other`).
    pub fn new(seed: u64) -> Self {
        Self {
            net: None,
            h: Vec::new(),
            scratch: Vec::new(),
            z: Vec::new(),
            x: Vec::new(),
            pulses: Vec::new(),
            width: TaskConfig::default().pulse_width,
            noise_sd: 0.0,
            noise_on: false,
            rng: SeedRng::new(seed, Purpose::Other),
            step: 0,
            history: VecDeque::with_capacity(HISTORY),
        }
    }

    /// Bits of the current network (0 without one).
    pub fn bits(&self) -> usize {
        self.net.as_ref().map_or(0, |n| n.config.bits)
    }

    /// The current hidden units `h` (N floats: an LSTM's cell state `c`, which follows them
    /// in the state, is left out).
    pub fn hidden(&self) -> &[f32] {
        let n = self.net.as_ref().map_or(0, |n| n.config.hidden);
        &self.h[..n.min(self.h.len())]
    }

    /// The current outputs, one per bit.
    pub fn outputs(&self) -> &[f32] {
        &self.z
    }

    /// Uses `net` from now on. With the same shape as before (new weights of the network
    /// being trained) the state carries on; otherwise play restarts from `h = 0` and is
    /// settled into the all-Reset state (see [`Play::settle`]). Returns whether it restarted.
    /// A network with more than [`MAX_BITS`] bits or non-finite weights is ignored; one of
    /// another task than the flip-flop stops play.
    pub fn set_network(&mut self, net: Network, task: &TaskConfig) -> bool {
        if !task.kind.has_cube_set() || net.config.channels.is_some() {
            // Live play is the flip-flop's (its keys set and reset bits): nothing to play.
            self.net = None;
            return false;
        }
        if net.config.bits > MAX_BITS || net.config.bits == 0 || !net.is_finite() {
            return false;
        }
        self.width = task.pulse_width.max(1);
        self.noise_sd = task.noise_sd;
        let same = self.net.as_ref().is_some_and(|old| {
            old.config.hidden == net.config.hidden
                && old.config.bits == net.config.bits
                && old.config.cell == net.config.cell
        });
        let (n, k, cell) = (net.config.hidden, net.config.bits, net.config.cell);
        self.net = Some(net);
        if same {
            return false;
        }
        // The cell's whole state (an LSTM's is [h; c]) and its scratch.
        self.h = vec![0.0; cell.state_size(n)];
        self.scratch = vec![0.0; cell.scratch_size(n)];
        self.z = vec![0.0; k];
        self.x = vec![0.0; k];
        self.pulses = vec![(0, 0.0); k];
        self.step = 0;
        self.history.clear();
        self.settle(task.delay);
        true
    }

    /// Forgets the network: the next [`Play::set_network`] restarts from a settled state even
    /// when the shape is the same (used when another network is adopted, not for training
    /// updates of the same one).
    pub fn forget(&mut self) {
        self.net = None;
    }

    /// Puts the network in a definite memory state: a Reset pulse on every bit, then enough
    /// steps (width + delay + 20) for the outputs to latch.
    pub fn settle(&mut self, delay: usize) {
        for b in 0..self.bits() {
            self.press(b, -1.0);
        }
        self.advance(self.width + delay + 20);
    }

    /// Starts a pulse of sign `sign` (+1 Set, −1 Reset) on `bit` at the next step, lasting
    /// [`Play::width`] steps (a press during a pulse restarts it). Out-of-range bits are ignored.
    pub fn press(&mut self, bit: usize, sign: f32) {
        if let Some(p) = self.pulses.get_mut(bit) {
            *p = (self.width, sign.signum());
        }
    }

    /// Simulates `steps` steps (nothing without a network).
    pub fn advance(&mut self, steps: usize) {
        let Some(net) = self.net.as_ref() else {
            return;
        };
        for _ in 0..steps {
            for (x, p) in self.x.iter_mut().zip(self.pulses.iter_mut()) {
                *x = if p.0 > 0 {
                    p.0 -= 1;
                    p.1
                } else {
                    0.0
                };
                if self.noise_on && self.noise_sd > 0.0 {
                    *x += self.noise_sd * self.rng.normal() as f32;
                }
            }
            net.step(&mut self.h, &self.x, &mut self.scratch);
            net.readout(&self.h[..net.config.hidden], &mut self.z);
            let mut s = Sample {
                x: [0.0; MAX_BITS],
                z: [0.0; MAX_BITS],
            };
            s.x[..self.x.len()].copy_from_slice(&self.x);
            s.z[..self.z.len()].copy_from_slice(&self.z);
            if self.history.len() == HISTORY {
                self.history.pop_front();
            }
            self.history.push_back(s);
            self.step += 1;
        }
    }

    /// The memory state read from the outputs, named like the cube's legend (`"+1 -1 +1"`,
    /// bit 0 first); an output with |z| < [`DECIDED`] shows as `?`.
    pub fn state_name(&self) -> String {
        self.z
            .iter()
            .map(|z| {
                if !z.is_finite() || z.abs() < DECIDED {
                    "?"
                } else if *z > 0.0 {
                    "+1"
                } else {
                    "-1"
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The last [`HISTORY`] steps of live play as CSV: the play step, then each bit's input and
/// output (`step,x0,…,z0,…`), oldest first.
pub fn trace_csv(play: &Play) -> String {
    let bits = play.bits().min(MAX_BITS);
    let mut out = String::from("step");
    for b in 0..bits {
        out.push_str(&format!(",input_{b}"));
    }
    for b in 0..bits {
        out.push_str(&format!(",output_{b}"));
    }
    out.push('\n');
    let first = play.step.saturating_sub(play.history.len() as u64);
    for (i, s) in play.history.iter().enumerate() {
        out.push_str(&(first + i as u64 + 1).to_string());
        for v in s.x[..bits].iter().chain(&s.z[..bits]) {
            out.push(',');
            out.push_str(&v.to_string());
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_names_the_keys_of_every_bit_shown() {
        let three = key_prompt_html(3);
        assert!(
            three.starts_with("Press <kbd>1</kbd> <kbd>2</kbd> <kbd>3</kbd> to set a bit (+1), <kbd>q</kbd> <kbd>w</kbd> <kbd>e</kbd> to reset it"),
            "{three}"
        );
        assert!(!three.contains("<kbd>4</kbd>") && !three.contains("<kbd>r</kbd>"));
        assert!(key_prompt_html(1)
            .starts_with("Press <kbd>1</kbd> to set the bit (+1), <kbd>q</kbd> to"));
        assert_eq!(key_prompt_html(20), key_prompt_html(MAX_BITS));
        assert!(
            key_prompt_html(8).contains("<kbd>8</kbd> to set")
                && key_prompt_html(8).contains("<kbd>i</kbd> to reset")
        );
    }
    use flipflop_core::Trainer;

    fn trained() -> (Network, TaskConfig) {
        let bytes = include_bytes!("../../../../web/assets/pretrained.net");
        let file = flipflop_formats::netfile::decode(bytes).unwrap();
        (file.network, file.config.task)
    }

    #[test]
    fn set_and_reset_flip_one_bit_and_leave_the_others() {
        let (net, task) = trained();
        let mut p = Play::new(1);
        assert!(p.set_network(net.clone(), &task));
        assert_eq!(
            p.state_name(),
            "-1 -1 -1",
            "settled into the all-reset state"
        );
        let budget = task.pulse_width + task.delay + 30;
        p.press(0, 1.0);
        p.advance(budget);
        assert_eq!(p.state_name(), "+1 -1 -1");
        p.press(2, 1.0);
        p.advance(budget);
        assert_eq!(p.state_name(), "+1 -1 +1");
        p.press(0, -1.0);
        p.advance(budget);
        assert_eq!(p.state_name(), "-1 -1 +1");
        assert_eq!(p.history.len(), HISTORY.min(p.step as usize));
        // New weights of the same shape keep the state.
        assert!(!p.set_network(net.clone(), &task));
        assert_eq!(p.state_name(), "-1 -1 +1");
        // Another network adopted: play restarts, settled into the all-reset state.
        p.forget();
        assert!(p.set_network(net, &task));
        assert_eq!(p.state_name(), "-1 -1 -1");
    }

    #[test]
    fn trace_csv_lists_the_recent_steps_per_bit() {
        let (net, task) = trained();
        let mut p = Play::new(1);
        p.set_network(net, &task);
        p.press(1, 1.0);
        p.advance(3);
        let csv = trace_csv(&p);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "step,input_0,input_1,input_2,output_0,output_1,output_2"
        );
        assert_eq!(lines.len(), 1 + p.history.len());
        let last: Vec<f32> = lines
            .last()
            .unwrap()
            .split(',')
            .map(|v| v.parse().unwrap())
            .collect();
        assert_eq!(last[0] as u64, p.step);
        assert_eq!(last[2], 1.0, "the pulse on bit 1 is in the input column");
        let s = p.history.back().unwrap();
        assert_eq!(&last[4..7], &s.z[..3]);
    }

    #[test]
    fn noise_is_seeded_and_bad_input_is_ignored() {
        let (net, task) = trained();
        let run = |seed| {
            let mut p = Play::new(seed);
            p.set_network(net.clone(), &task);
            p.noise_on = true;
            p.advance(50);
            p.hidden().to_vec()
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
        let mut p = Play::new(1);
        p.press(5, 1.0);
        p.advance(10);
        assert_eq!(p.step, 0, "no network: nothing happens");
        let mut cfg = flipflop_core::Config::preset(flipflop_core::Preset::Default);
        cfg.model.hidden = 4;
        let mut bad = Trainer::new(cfg).unwrap().network().clone();
        bad.w_rec[0] = f32::NAN;
        assert!(!p.set_network(bad, &task));
        p.press(99, 1.0);
    }

    /// Live play runs GRU and LSTM networks on their whole state (an LSTM's [h; c]) and
    /// shows h: the same outputs and hidden units as the core's own run of the same inputs.
    #[test]
    fn gated_networks_play_on_their_whole_state() {
        use flipflop_core::model::CellKind;
        let task = TaskConfig::default();
        for cell in [CellKind::Gru, CellKind::Lstm] {
            let mut cfg = flipflop_core::Config::cell_preset(cell);
            cfg.model.hidden = 6;
            let net = Trainer::new(cfg).unwrap().network().clone();
            let mut p = Play::new(1);
            assert!(p.set_network(net.clone(), &task));
            p.forget();
            assert!(p.set_network(net.clone(), &task));
            let settle = task.pulse_width + task.delay + 20;
            p.press(1, 1.0);
            p.advance(5);
            assert_eq!(p.hidden().len(), 6, "{cell:?}: h only");
            // The same inputs through Network::run, from the zero state.
            let steps = settle + 5;
            let mut x = vec![0.0f32; steps * 3];
            for t in 0..task.pulse_width {
                for b in 0..3 {
                    x[t * 3 + b] = -1.0;
                }
                if t < 5 {
                    x[(settle + t) * 3 + 1] = 1.0;
                }
            }
            let (h, z) = net.run(&x, steps);
            assert_eq!(p.hidden(), &h[(steps - 1) * 6..], "{cell:?}");
            assert_eq!(p.outputs(), &z[(steps - 1) * 3..], "{cell:?}");
        }
    }
}
