//! The guided tour of the paper as data: one [`Step`] per panel, in reading order, and the
//! little state machine the page's tour component drives ([`Tour`]: which step, open or
//! closed, saved in `localStorage` as `"<step>:<open>"`). No DOM here; the component in
//! `page/tour.rs` shows a step, highlights its panel and remembers where the student stopped.
//!
//! The texts say only what holds for any trained network (numbers that depend on the network
//! on screen belong to the panels' own help).

/// `localStorage` key of the tour's place: `"<step index>:<1 open | 0 closed>"`.
pub const TOUR_KEY: &str = "flipflop-lab/tour/v1";

/// The paper (Jarne 2024, Front. Syst. Neurosci. 18:1269190).
pub const PAPER_URL: &str = "https://doi.org/10.3389/fnsys.2024.1269190";
/// Sussillo & Barak (2013), Neural Computation 25(3):626–649.
pub const SUSSILLO_BARAK_URL: &str = "https://doi.org/10.1162/NECO_a_00409";

/// What a step waits for besides the Next button.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Nothing: read and go on.
    Nothing,
    /// A Set or Reset press in live play (a key or a button); the step notices it.
    PlayPress,
}

/// One step of the tour.
#[derive(Clone, Copy, Debug)]
pub struct Step {
    /// Stable name (tests and the `data-step` attribute use it).
    pub name: &'static str,
    /// Heading of the step.
    pub title: &'static str,
    /// The text: trusted, static HTML (only `<p>`, `<b>`, `<i>`, `<kbd>`, `<sub>`).
    pub body: &'static str,
    /// Id of the panel heading the step talks about; its `<section>` is highlighted and
    /// scrolled to.
    pub target: &'static str,
    /// Link text naming the paper's section and figure.
    pub source: &'static str,
    /// Where the link goes.
    pub url: &'static str,
    /// What the step invites the student to do.
    pub wait: Wait,
}

/// The tour, in order. Section numbers are the paper's (Jarne 2024): 3 task, 4 training,
/// 5.1 performance, 5.2 connectivity, spectra and the reduced state space (Figs. 4–7).
pub const STEPS: &[Step] = &[
    Step {
        name: "task",
        title: "The task: hold three bits",
        body: "<p>A flip-flop stores one bit: a +1 pulse on its input <b>sets</b> it, a −1 pulse \
               <b>resets</b> it, and the output must keep the sign of the last pulse until the \
               next one. This network holds three flip-flops at once, driven by three noisy \
               inputs.</p><p>Here are three trials it never trained on, one column each: the \
               input pulses in light blue, the target in black, the network's answer in red.</p>",
        target: "traces-title",
        source: "Paper, Section 3 and Figure 3",
        url: PAPER_URL,
        wait: Wait::Nothing,
    },
    Step {
        name: "training",
        title: "How it learned",
        body: "<p>The weights were trained by backpropagation through time with Adam: run a \
               batch of random trials, measure how far the outputs are from the targets, nudge \
               every weight downhill. The chart shows the loss falling and the held-out \
               accuracy rising.</p><p>Expect a long plateau first: the network answers roughly \
               zero until it finds how to latch a bit, then improves fast.</p>",
        target: "loss-title",
        source: "Paper, Sections 4 and 5.1",
        url: PAPER_URL,
        wait: Wait::Nothing,
    },
    Step {
        name: "matrix",
        title: "The connections",
        body: "<p>Every pixel is one recurrent weight W<sub>rec</sub>: red excitatory, blue \
               inhibitory. Training changes them only a little from their random orthogonal \
               start, so the memory cannot be seen here by eye. It shows in the matrix's \
               eigenvalues, next.</p>",
        target: "matrix-title",
        source: "Paper, Section 5.2 and Figure 4 (left)",
        url: PAPER_URL,
        wait: Wait::Nothing,
    },
    Step {
        name: "spectrum",
        title: "The spectrum",
        body: "<p>The orthogonal start puts every eigenvalue of W<sub>rec</sub> on the unit \
               circle. Training pushes some of them outside it (red): slow, self-sustaining \
               modes the network uses to hold its memories, while the rest stay near the \
               circle.</p>",
        target: "spectrum-title",
        source: "Paper, Section 5.2 and Figure 4 (right)",
        url: PAPER_URL,
        wait: Wait::Nothing,
    },
    Step {
        name: "several",
        title: "Several networks, one task",
        body: "<p>Figure 5 shows four networks trained from different random starts: their \
               spectra differ, yet each one solves the task. Try it here: <b>Train and \
               compare</b> trains four networks of the training panel's recipe side by side, \
               then shows their spectra on the same axes, their cubes (Figure 7), how far \
               apart their representations are, and their fixed points.</p>",
        target: "compare-title",
        source: "Paper, Section 5.2 and Figure 5",
        url: PAPER_URL,
        wait: Wait::Nothing,
    },
    Step {
        name: "cube",
        title: "The cube of memories",
        body: "<p>The hidden state has one dimension per unit. Keep only the three directions \
               that capture most of it (a singular value decomposition) and the eight memory \
               states, one colour each, sit at the eight corners of a cube. Drag the cube, or \
               focus it and use the arrow keys, to turn it.</p>",
        target: "cube-title",
        source: "Paper, Section 5.2 and Figure 6",
        url: PAPER_URL,
        wait: Wait::Nothing,
    },
    Step {
        name: "flip",
        title: "Flip a bit yourself",
        body: "<p>Your turn. Press <kbd>1</kbd> to set the first bit or <kbd>q</kbd> to reset \
               it (<kbd>2</kbd> <kbd>w</kbd> and <kbd>3</kbd> <kbd>e</kbd> for the others), or \
               use the Set and Reset buttons of live play.</p><p>Watch the lamp change and the \
               ringed point in the cube travel to a neighbouring corner, then stay there with \
               no input at all: that is the memory.</p>",
        target: "play-title",
        source: "Paper, Section 5.2 and Figures 6 and 7",
        url: PAPER_URL,
        wait: Wait::PlayPress,
    },
    Step {
        name: "fixed",
        title: "What holds a memory",
        body: "<p>With no input the state h moves by F(h) = (1 − α) h + α tanh(W<sub>rec</sub> \
               h). Where it stops moving, F(h) = h, is a <b>fixed point</b>. Press <b>Find fixed \
               points</b>: a trained network has a <b>stable</b> point at each corner (a valley \
               that keeps a memory) and <b>saddles</b> between them (the passes a pulse pushes \
               the state over).</p><p>This way of opening the black box is due to Sussillo and \
               Barak (2013).</p>",
        target: "fp-title",
        source: "Sussillo & Barak (2013), Opening the black box",
        url: SUSSILLO_BARAK_URL,
        wait: Wait::Nothing,
    },
];

/// Where the student is in the tour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Tour {
    /// Index into [`STEPS`] (always in range).
    pub step: usize,
    /// Whether the tour is shown.
    pub open: bool,
}

impl Tour {
    /// The place saved under [`TOUR_KEY`]; absent or unreadable text (another version,
    /// a hand edit) starts from the beginning, closed. A step past the end is clamped.
    pub fn parse(text: Option<&str>) -> Self {
        let Some((step, open)) = text.and_then(|t| t.trim().split_once(':')) else {
            return Self::default();
        };
        match (step.parse::<usize>(), open) {
            (Ok(step), "0" | "1") => Self {
                step: step.min(STEPS.len() - 1),
                open: open == "1",
            },
            _ => Self::default(),
        }
    }

    /// The text [`Tour::parse`] reads back.
    pub fn format(&self) -> String {
        format!("{}:{}", self.step, u8::from(self.open))
    }

    /// The current step.
    pub fn current(&self) -> &'static Step {
        &STEPS[self.step.min(STEPS.len() - 1)]
    }

    /// Whether the current step is the last one.
    pub fn is_last(&self) -> bool {
        self.step + 1 >= STEPS.len()
    }

    /// Next step; past the last one the tour closes and starts over next time.
    pub fn next(&mut self) {
        if self.is_last() {
            *self = Self::default();
        } else {
            self.step += 1;
        }
    }

    /// Previous step (stays on the first).
    pub fn prev(&mut self) {
        self.step = self.step.saturating_sub(1);
    }

    /// "Step 3 of 8".
    pub fn counter(&self) -> String {
        format!("Step {} of {}", self.step + 1, STEPS.len())
    }
}

/// What the flip step says once it noticed a press of bit `bit` (`sign` +1 Set, −1 Reset),
/// naming the key the student would press for it (the buttons do the same).
pub fn noticed(bit: usize, sign: f32) -> String {
    use super::play::{RESET_KEYS, SET_KEYS};
    let (keys, what) = if sign > 0.0 {
        (&SET_KEYS, "set")
    } else {
        (&RESET_KEYS, "reset")
    };
    let key = keys.get(bit).copied().unwrap_or("?");
    format!(
        "Noticed: you {what} the bit of key {key}. Its lamp follows, and the ringed point in \
         the cube settles at another corner. Try another key, or go on."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_points_at_a_panel_heading_of_the_page() {
        let html = include_str!("../../../../index.html");
        for s in STEPS {
            let id = format!("id=\"{}\"", s.target);
            assert!(
                html.contains(&id),
                "step {} targets #{} which index.html lacks",
                s.name,
                s.target
            );
            assert!(
                s.url.starts_with("https://doi.org/"),
                "step {}: {}",
                s.name,
                s.url
            );
            // Only the plain tags the doc names, without attributes (the text is set as HTML).
            for tag in s.body.split('<').skip(1) {
                let name = tag.split('>').next().unwrap_or(tag).trim_start_matches('/');
                assert!(
                    ["p", "b", "i", "kbd", "sub"].contains(&name),
                    "step {}: <{tag}",
                    s.name
                );
            }
        }
        let mut names: Vec<_> = STEPS.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), STEPS.len(), "step names are unique");
    }

    #[test]
    fn the_tour_covers_the_papers_figures_in_order() {
        let sources: Vec<_> = STEPS.iter().map(|s| s.source).collect();
        let at = |needle: &str| {
            sources
                .iter()
                .position(|s| s.contains(needle))
                .unwrap_or(usize::MAX)
        };
        let order = [
            at("Figure 3"),
            at("Figure 4 (left)"),
            at("Figure 4 (right)"),
            at("Figure 5"),
            at("Figure 6"),
            at("Sussillo"),
        ];
        assert!(
            order.windows(2).all(|w| w[0] < w[1] && w[1] != usize::MAX),
            "{order:?}"
        );
        // Exactly one step waits for the student's own bit flip.
        assert_eq!(
            STEPS.iter().filter(|s| s.wait == Wait::PlayPress).count(),
            1
        );
    }

    #[test]
    fn saved_places_round_trip_and_bad_text_starts_over() {
        for step in 0..STEPS.len() {
            for open in [false, true] {
                let t = Tour { step, open };
                assert_eq!(Tour::parse(Some(&t.format())), t);
            }
        }
        let cases = [
            None,
            Some(""),
            Some("3"),
            Some("x:1"),
            Some("-1:1"),
            Some("2:yes"),
            Some("2:1:0"),
        ];
        for text in cases {
            assert_eq!(Tour::parse(text), Tour::default(), "{text:?}");
        }
        // A saved step past the end (a shorter tour in a newer build) lands on the last step.
        assert_eq!(
            Tour::parse(Some("99:1")),
            Tour {
                step: STEPS.len() - 1,
                open: true
            }
        );
    }

    #[test]
    fn next_and_prev_stay_in_range_and_the_end_starts_over() {
        let mut t = Tour {
            step: 0,
            open: true,
        };
        t.prev();
        assert_eq!(t.step, 0);
        for expected in 1..STEPS.len() {
            t.next();
            assert_eq!((t.step, t.open), (expected, true));
        }
        assert!(t.is_last());
        assert_eq!(
            t.counter(),
            format!("Step {} of {}", STEPS.len(), STEPS.len())
        );
        t.next();
        assert_eq!(
            t,
            Tour::default(),
            "finishing closes the tour and rewinds it"
        );
    }

    #[test]
    fn the_flip_step_names_the_key_of_the_press() {
        assert!(noticed(0, 1.0).contains("set the bit of key 1"));
        assert!(noticed(2, -1.0).contains("reset the bit of key e"));
        assert!(
            noticed(99, 1.0).contains("key ?"),
            "an impossible bit never panics"
        );
    }
}
