//! One rate limit for every costly report the worker sends while training (held-out
//! metrics, snapshots, the cube, fixed-point progress).

/// Due when at least `min_steps` steps and `min_ms` ms have passed since the last report,
/// and the time since then is at least `cost_factor` times what that report cost, with
/// `cost_factor = (1 − share) / share` — so a report never takes more than about `share` of
/// the worker's time, however slow it turns out on a large network or a slow machine.
#[derive(Clone, Debug, PartialEq)]
pub struct Throttle {
    min_ms: f64,
    min_steps: u64,
    cost_factor: f64,
    last_at: f64,
    last_step: u64,
    cost_ms: f64,
}

impl Throttle {
    /// At most one report per `min_ms` ms and per `min_steps` steps, and at most about
    /// `share` (a fraction in (0, 1]) of the worker's time.
    pub fn new(min_ms: f64, min_steps: u64, share: f64) -> Self {
        let share = share.clamp(1e-3, 1.0);
        Self {
            min_ms,
            min_steps,
            cost_factor: (1.0 - share) / share,
            last_at: f64::NEG_INFINITY,
            last_step: 0,
            cost_ms: 0.0,
        }
    }

    /// Whether a report is due at time `now` (ms) and optimiser step `step`.
    pub fn due(&self, now: f64, step: u64) -> bool {
        step >= self.last_step.saturating_add(self.min_steps)
            && now - self.last_at >= self.min_ms.max(self.cost_factor * self.cost_ms)
    }

    /// A report about `step` was made from `started` to `finished` (ms).
    pub fn record(&mut self, started: f64, finished: f64, step: u64) {
        self.cost_ms = (finished - started).max(0.0);
        self.last_at = finished;
        self.last_step = step;
    }

    /// The step of the last report (or of the last restart).
    pub fn last_step(&self) -> u64 {
        self.last_step
    }

    /// Counts steps from `step` again (a new network), keeping the measured cost.
    pub fn restart(&mut self, step: u64) {
        self.last_step = step;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Table: (min_ms, min_steps, report cost ms, time since, steps since, due?).
    #[test]
    fn due_by_time_steps_and_cost() {
        let cases = [
            (250.0, 0, 1.0, 249.0, 0, false),
            (250.0, 0, 1.0, 250.0, 0, true),
            (0.0, 25, 1.0, 1e6, 24, false),
            (0.0, 25, 1.0, 1e6, 25, true),
            // At a 20 % share a report costing 100 ms waits 400 ms even when 250 ms would do.
            (250.0, 0, 100.0, 399.0, 0, false),
            (250.0, 0, 100.0, 400.0, 0, true),
        ];
        for (min_ms, min_steps, cost, since, steps, want) in cases {
            let mut t = Throttle::new(min_ms, min_steps, 0.2);
            assert!(t.due(0.0, min_steps), "the first report is due");
            t.record(1000.0, 1000.0 + cost, 10);
            let now = 1000.0 + cost + since;
            assert_eq!(
                t.due(now, 10 + steps),
                want,
                "{min_ms} {min_steps} {cost} {since} {steps}"
            );
        }
    }

    #[test]
    fn restart_counts_steps_from_the_new_network() {
        let mut t = Throttle::new(0.0, 25, 0.2);
        t.record(0.0, 1.0, 5000);
        assert!(
            !t.due(10.0, 10),
            "a fresh network at step 10 looks like going back"
        );
        t.restart(0);
        assert!(t.due(10.0, 25));
    }

    /// The session's three training reports together take at most a tenth of the worker's
    /// time (they are paced to 8.5 %), whatever each costs: a simulated run of 40 ms training slices (1 ms a step),
    /// each followed by whichever reports are due, for report costs from a fraction of a
    /// step to seconds.
    #[test]
    fn training_reports_take_at_most_a_tenth_of_the_time() {
        use crate::worker::session::{
            CUBE_MIN_MS, CUBE_SHARE, METRICS_MIN_STEPS, METRICS_SHARE, SLICE_MS, SNAPSHOT_MIN_MS,
            SNAPSHOT_SHARE,
        };
        let costs = [
            [0.5, 0.5, 0.5],
            [6.0, 3.0, 3.0],
            [220.0, 100.0, 120.0],
            [50.0, 400.0, 20.0],
            [3000.0, 2000.0, 5000.0],
        ];
        for cost in costs {
            let mut throttles = [
                Throttle::new(0.0, METRICS_MIN_STEPS, METRICS_SHARE),
                Throttle::new(SNAPSHOT_MIN_MS, 0, SNAPSHOT_SHARE),
                Throttle::new(CUBE_MIN_MS, 0, CUBE_SHARE),
            ];
            let (mut now, mut step, mut reporting) = (0.0, 0u64, 0.0);
            let mut reports = [0usize; 3];
            while now < 2_000_000.0 {
                now += SLICE_MS;
                step += SLICE_MS as u64;
                for (k, t) in throttles.iter_mut().enumerate() {
                    if t.due(now, step) {
                        t.record(now, now + cost[k], step);
                        now += cost[k];
                        reporting += cost[k];
                        reports[k] += 1;
                    }
                }
            }
            let share = reporting / now;
            assert!(
                share <= 0.086,
                "costs {cost:?} ms: reports took {share:.3} of the time"
            );
            assert!(
                reports.iter().all(|&r| r > 0),
                "costs {cost:?}: every report ran"
            );
        }
    }
}
