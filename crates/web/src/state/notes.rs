//! What the page says in words about the run on screen (issue 12): the plateau sentence
//! under the loss chart, the count of eigenvalues outside the unit circle quoted in the
//! spectrum's help, and the status line once an opened network's held-out check is in. Plain
//! Rust, tested natively; `page::notes` and `page::controls` put the words on the page.

/// Held-out reports the plateau rule looks at (one every ≥ 25 steps: ≥ 100 steps of run).
pub const PLATEAU_REPORTS: usize = 4;
/// Accuracy range of the plateau: above chance-and-silence, below the fast rise.
pub const PLATEAU_ACCURACY: (f32, f32) = (0.75, 0.95);
/// Largest spread (max − min) of the accuracy over the last [`PLATEAU_REPORTS`] reports.
pub const PLATEAU_SPREAD: f32 = 0.03;
/// Largest relative change of the held-out MSE over those reports (last vs first).
pub const PLATEAU_MSE_CHANGE: f32 = 0.25;
/// |λ| above this counts as outside the unit circle (as the spectrum chart colours it).
pub const OUTSIDE: f64 = 1.0 + 1e-3;

/// Whether the run sits on the flip-flop plateau, from its held-out history
/// `(step, MSE, bit accuracy)`: the last [`PLATEAU_REPORTS`] reports all have an accuracy in
/// [`PLATEAU_ACCURACY`] that moves by less than [`PLATEAU_SPREAD`], and the MSE changes by
/// less than [`PLATEAU_MSE_CHANGE`] of its value between the first and the last of them.
/// Fewer reports, a report outside the range, or a moving loss: not a plateau (the note
/// hides, e.g. during the fast rise and once solved).
pub fn on_plateau(metrics: &[(u64, f32, f32)]) -> bool {
    if metrics.len() < PLATEAU_REPORTS {
        return false;
    }
    let last = &metrics[metrics.len() - PLATEAU_REPORTS..];
    let (lo, hi) = PLATEAU_ACCURACY;
    if !last
        .iter()
        .all(|m| m.2 >= lo && m.2 < hi && m.1.is_finite())
    {
        return false;
    }
    let (amin, amax) = last
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), m| {
            (a.min(m.2), b.max(m.2))
        });
    let (first, final_) = (last[0].1, last[PLATEAU_REPORTS - 1].1);
    amax - amin < PLATEAU_SPREAD && (final_ - first).abs() <= PLATEAU_MSE_CHANGE * first.abs()
}

/// The plateau sentence for accuracy `accuracy` (0..1).
pub fn plateau_sentence(accuracy: f32) -> String {
    format!(
        "Accuracy sits near {:.0} %: this plateau is the normal story of this task — the network \
         first learns to copy the pulses, and after a while the memory forms and accuracy rises \
         fast, so keep training.",
        accuracy * 100.0
    )
}

/// Eigenvalues `[re, im]` outside the unit circle (|λ| > [`OUTSIDE`]).
pub fn outside_count(eigenvalues: &[[f64; 2]]) -> usize {
    eigenvalues
        .iter()
        .filter(|z| z[0].hypot(z[1]) > OUTSIDE)
        .count()
}

/// The sentence the spectrum's help quotes from the network on screen.
pub fn spectrum_sentence(eigenvalues: &[[f64; 2]], step: u64) -> String {
    let n = eigenvalues.len();
    let k = outside_count(eigenvalues);
    let what = match k {
        0 => "none of its".to_string(),
        k if k == n => format!("all {n}"),
        k => format!("{k} of {n}"),
    };
    format!(
        "On the network shown (step {step}): {what} eigenvalues lie outside the unit circle{}",
        if k == 0 && step == 0 {
            ", as for any orthogonal start."
        } else {
            "."
        }
    )
}

/// The status once the held-out check of an opened network is in: what was opened (the
/// status said when it was adopted), then the verdict. `accuracy` in 0..1.
pub fn opened_status(opened: &str, solved: bool, accuracy: f32, mse: f32) -> String {
    let verdict = if solved {
        "it solves the task"
    } else {
        "not solved yet"
    };
    format!(
        "{} Held-out check: {verdict} (accuracy {:.1} %, MSE {mse:.3}).",
        opened.trim_end(),
        accuracy * 100.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(accuracy, mse)` pairs as reports 25 steps apart.
    fn run(points: &[(f32, f32)]) -> Vec<(u64, f32, f32)> {
        points
            .iter()
            .enumerate()
            .map(|(i, (a, m))| (25 * i as u64, *m, *a))
            .collect()
    }

    #[test]
    fn plateau_rule() {
        type Case = (&'static str, Vec<(f32, f32)>, bool);
        let cases: &[Case] = &[
            (
                "flat at 84 %",
                vec![(0.84, 0.30), (0.842, 0.29), (0.838, 0.295), (0.841, 0.29)],
                true,
            ),
            (
                "too few reports",
                vec![(0.84, 0.30), (0.842, 0.29), (0.838, 0.295)],
                false,
            ),
            (
                "the fast rise",
                vec![(0.84, 0.30), (0.87, 0.22), (0.91, 0.15), (0.94, 0.10)],
                false,
            ),
            (
                "solved",
                vec![(0.995, 0.01), (0.996, 0.01), (0.997, 0.01), (0.998, 0.01)],
                false,
            ),
            (
                "early, below the plateau",
                vec![(0.5, 0.9), (0.55, 0.8), (0.6, 0.7), (0.7, 0.6)],
                false,
            ),
            (
                "accuracy flat but loss still falling fast",
                vec![(0.84, 0.40), (0.842, 0.35), (0.841, 0.30), (0.84, 0.25)],
                false,
            ),
            (
                "older history does not matter",
                vec![
                    (0.3, 1.0),
                    (0.6, 0.8),
                    (0.85, 0.3),
                    (0.85, 0.3),
                    (0.851, 0.3),
                    (0.85, 0.29),
                ],
                true,
            ),
            (
                "a diverged loss",
                vec![(0.84, 0.30), (0.84, 0.30), (0.84, f32::NAN), (0.84, 0.30)],
                false,
            ),
        ];
        for (name, points, want) in cases {
            assert_eq!(on_plateau(&run(points)), *want, "{name}");
        }
        assert!(plateau_sentence(0.843).contains("near 84 %"));
    }

    #[test]
    fn spectrum_sentence_quotes_the_network_on_screen() {
        let mut eig = vec![[1.0, 0.0]; 128];
        assert_eq!(
            spectrum_sentence(&eig, 0),
            "On the network shown (step 0): none of its eigenvalues lie outside the unit circle, \
             as for any orthogonal start."
        );
        for z in eig.iter_mut().take(43) {
            *z = [0.9, 0.6]; // |λ| ≈ 1.08
        }
        eig[50] = [1.0005, 0.0]; // rounding of the circle: inside
        assert_eq!(outside_count(&eig), 43);
        assert_eq!(
            spectrum_sentence(&eig, 3000),
            "On the network shown (step 3000): 43 of 128 eigenvalues lie outside the unit circle."
        );
    }

    #[test]
    fn opened_status_keeps_what_was_opened() {
        let s = opened_status(
            "Opened the compact link: N 128, 3000 steps trained, seed 5.",
            true,
            0.998,
            0.004,
        );
        assert!(s.starts_with("Opened the compact link"), "{s}");
        assert!(s.contains("it solves the task (accuracy 99.8 %"), "{s}");
        assert!(!s.contains("0.0 s"), "{s}");
        assert!(opened_status("Imported \"a.h5\".", false, 0.5, 0.4).contains("not solved yet"));
    }
}
