//! One rate limit for every costly report the worker sends while training (held-out
//! metrics, snapshots, the cube, fixed-point progress).

/// Due when at least `min_steps` steps and `min_ms` ms have passed since the last report,
/// and the time since then is at least `cost_factor` times what that report cost — so a
/// report never takes more than about `1 / (1 + cost_factor)` of the worker's time, however
/// slow it turns out on a large network.
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
    /// At most one report per `min_ms` ms and per `min_steps` steps, and under ~20 % of the
    /// time (cost factor 4).
    pub const fn new(min_ms: f64, min_steps: u64) -> Self {
        Self {
            min_ms,
            min_steps,
            cost_factor: 4.0,
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
            // A report costing 100 ms waits 400 ms even when 250 ms would do.
            (250.0, 0, 100.0, 399.0, 0, false),
            (250.0, 0, 100.0, 400.0, 0, true),
        ];
        for (min_ms, min_steps, cost, since, steps, want) in cases {
            let mut t = Throttle::new(min_ms, min_steps);
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
        let mut t = Throttle::new(0.0, 25);
        t.record(0.0, 1.0, 5000);
        assert!(
            !t.due(10.0, 10),
            "a fresh network at step 10 looks like going back"
        );
        t.restart(0);
        assert!(t.due(10.0, 25));
    }
}
