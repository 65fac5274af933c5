//! Where things sit in the pool's shared buffer (one `SharedArrayBuffer` of 32-bit words,
//! viewed as `Int32Array` for the counters and `Float32Array` for the numbers), and how a
//! share's trials and a network are packed into words. Plain Rust: tested natively.
//!
//! ```text
//! [GEN, CMD, -, -]                      lead → helpers: generation of the job, command
//! per helper h: [READY, DONE, n, mask]  helper's epoch when ready, generation done,
//!                                       its share's trials, 1 when the share has a mask
//! weights (params)                      the network of the step
//! per helper h: trials (job_words),     x, y, mask of its share, time-major as `Batch`
//!               loss (1), grads (params) its share's loss and gradient
//! ```

use flipflop_core::{Batch, Network};

/// Index of the job generation (the lead bumps it; helpers wait on it).
pub const GEN: usize = 0;
/// Index of the command: [`CMD_RUN`] or [`CMD_RELEASE`].
pub const CMD: usize = 1;
/// Run the job of the new generation.
pub const CMD_RUN: i32 = 0;
/// Leave the loop: the buffer is being replaced (or the pool closed).
pub const CMD_RELEASE: i32 = 1;
/// Words per helper in the header.
const HELPER_WORDS: usize = 4;
/// Offsets inside a helper's header words.
pub const READY: usize = 0;
/// Last generation whose job the helper finished.
pub const DONE: usize = 1;
/// Trials in the helper's share.
pub const TRIALS: usize = 2;
/// 1 when the share has a loss mask.
pub const MASKED: usize = 3;

/// Shapes that fix a buffer's layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Helper workers (the lead is not counted).
    pub helpers: usize,
    /// Trainable parameters (the sum of [`Network::params`] lengths).
    pub params: usize,
    /// Time steps per trial.
    pub trial_len: usize,
    /// Input channels.
    pub inputs: usize,
    /// Output channels.
    pub outputs: usize,
    /// Most trials in one share.
    pub max_trials: usize,
}

impl Layout {
    /// Words of the header.
    pub fn header_words(&self) -> usize {
        4 + HELPER_WORDS * self.helpers
    }

    /// Index of word `field` of helper `h`'s header.
    pub fn helper_word(&self, h: usize, field: usize) -> usize {
        4 + HELPER_WORDS * h + field
    }

    /// First word of the weights.
    pub fn weights(&self) -> usize {
        self.header_words()
    }

    /// Words of one share's trials (x, y and mask at most size).
    pub fn job_words(&self) -> usize {
        self.trial_len * self.max_trials * (self.inputs + 2 * self.outputs)
    }

    fn helper_block(&self, h: usize) -> usize {
        self.weights() + self.params + h * (self.job_words() + 1 + self.params)
    }

    /// First word of helper `h`'s trials.
    pub fn trials(&self, h: usize) -> usize {
        self.helper_block(h)
    }

    /// Word of helper `h`'s loss; its gradient follows.
    pub fn loss(&self, h: usize) -> usize {
        self.helper_block(h) + self.job_words()
    }

    /// Words of the whole buffer.
    pub fn total_words(&self) -> usize {
        self.helper_block(self.helpers)
    }
}

/// Appends `batch`'s x, y and (if any) mask to `out`; returns whether it has a mask.
pub fn pack_batch(batch: &Batch, out: &mut Vec<f32>) -> bool {
    out.extend_from_slice(&batch.x);
    out.extend_from_slice(&batch.y);
    out.extend_from_slice(&batch.mask);
    !batch.mask.is_empty()
}

/// Sets `batch` to `trials` trials of the given shape read from `words` (as written by
/// [`pack_batch`]). `words` must hold at least the packed size.
pub fn unpack_batch(words: &[f32], shape: &Layout, trials: usize, masked: bool, batch: &mut Batch) {
    batch.reshape(shape.trial_len, trials, shape.inputs, shape.outputs);
    let (nx, ny) = (batch.x.len(), batch.y.len());
    batch.x.copy_from_slice(&words[..nx]);
    batch.y.copy_from_slice(&words[nx..nx + ny]);
    if masked {
        batch.mask.extend_from_slice(&words[nx + ny..nx + 2 * ny]);
    }
}

/// Appends the network's parameters to `out` in [`Network::params`] order.
pub fn pack_network(net: &Network, out: &mut Vec<f32>) {
    for p in net.params() {
        out.extend_from_slice(p);
    }
}

/// Sets the network's parameters from `words` (as written by [`pack_network`]).
pub fn unpack_network(words: &[f32], net: &mut Network) {
    let mut at = 0;
    for p in net.params_mut() {
        p.copy_from_slice(&words[at..at + p.len()]);
        at += p.len();
    }
}

/// Trainable parameters of `net` (words of [`pack_network`]).
pub fn param_count(net: &Network) -> usize {
    net.params().iter().map(|p| p.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use flipflop_core::rng::{Purpose, SeedRng};
    use flipflop_core::{task, Config, Preset};

    fn layout(helpers: usize) -> Layout {
        Layout {
            helpers,
            params: 100,
            trial_len: 7,
            inputs: 3,
            outputs: 2,
            max_trials: 5,
        }
    }

    #[test]
    fn regions_do_not_overlap_and_fit_the_buffer() {
        for helpers in 1..4 {
            let l = layout(helpers);
            // Regions as (start, len), in buffer order.
            let mut regions = vec![(0, l.header_words()), (l.weights(), l.params)];
            for h in 0..helpers {
                assert!(l.helper_word(h, MASKED) < l.header_words());
                regions.push((l.trials(h), l.job_words()));
                regions.push((l.loss(h), 1 + l.params));
            }
            let mut end = 0;
            for (start, len) in regions {
                assert_eq!(
                    start, end,
                    "regions are contiguous and disjoint ({helpers} helpers)"
                );
                end = start + len;
            }
            assert_eq!(end, l.total_words());
        }
    }

    #[test]
    fn a_masked_share_and_a_network_come_back_bit_for_bit() {
        let cfg = Config::preset(Preset::Default);
        let mut task_cfg = cfg.task.clone();
        task_cfg.trial_len = 9;
        let mut rng = SeedRng::new(3, Purpose::Train);
        let mut batch = Batch::default();
        task::build(&task_cfg).fill(&mut batch, 4, &mut rng);
        batch.mask = (0..batch.y.len()).map(|i| (i % 3) as f32).collect();
        let shape = Layout {
            helpers: 1,
            params: 0,
            trial_len: batch.trial_len,
            inputs: batch.inputs,
            outputs: batch.outputs,
            max_trials: 6,
        };
        let mut words = Vec::new();
        assert!(pack_batch(&batch, &mut words));
        assert!(words.len() <= shape.job_words());
        words.resize(shape.job_words(), f32::NAN);
        let mut back = Batch::default();
        unpack_batch(&words, &shape, 4, true, &mut back);
        assert_eq!(
            (back.x.clone(), back.y.clone(), back.mask.clone()),
            (batch.x.clone(), batch.y.clone(), batch.mask.clone())
        );
        unpack_batch(&words, &shape, 4, false, &mut back);
        assert!(back.mask().is_none(), "an unmasked share stays unmasked");

        let net = Network::init(&cfg.model, 5);
        let mut words = Vec::new();
        pack_network(&net, &mut words);
        assert_eq!(words.len(), param_count(&net));
        let mut other = Network::zeros(&cfg.model);
        unpack_network(&words, &mut other);
        assert_eq!(other, net);
    }
}
