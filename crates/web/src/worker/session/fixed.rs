//! The fixed-point search of a [`Session`]: started on the current network, run in slices
//! of [`FP_SLICE_MS`] between training slices, reported with throttled progress, cancelled
//! when the network is replaced.

use super::*;

/// A fixed-point search in progress.
pub(super) struct FpJob {
    pub(super) search: FixedPointSearch,
    /// Step of the network searched.
    pub(super) step: u64,
    pub(super) options: FixedPointOptions,
    /// Worker time spent on it so far, ms.
    pub(super) spent_ms: f64,
    pub(super) progress: Throttle,
}

impl Session {
    /// Starts a search on the current network (replacing one in progress); it runs in
    /// slices from [`Session::tick`], alternating with training.
    pub(super) fn find_fixed_points(&mut self, options: FixedPointOptions, clock: Clock) {
        if let Err(e) = options.validate() {
            return self.error(format!("Fixed-point search: {e}. Nothing was started."));
        }
        let Some(kind) = self.trainer.as_ref().map(|t| t.config().task.kind) else {
            return self.no_network();
        };
        let step = self.step_no();
        // The page draws the points on the cube (or the task's state space) of the same
        // step: send it if it is older.
        if self.last_cube_step != Some(step) {
            self.report_cube(clock);
        }
        let Some(t) = self.trainer.as_ref() else {
            return;
        };
        let (net, task, seed) = (t.network(), &t.config().task, t.config().seed);
        let search = if kind.has_cube_set() {
            fixedpoints::search_from_cube_set(net, task, options.clone(), seed)
        } else {
            // The cognitive tasks: starts on their analysis trials, under the holding input.
            match fixedpoints::search_on_task(net, task, options.clone(), seed) {
                Ok(s) => s,
                Err(e) => {
                    return self.error(format!("Fixed-point search: {e}. Nothing was started."))
                }
            }
        };
        self.fp = Some(FpJob {
            search,
            step,
            options,
            spent_ms: 0.0,
            progress: Throttle::new(FP_PROGRESS_MS, 0, FP_PROGRESS_SHARE),
        });
        self.out.push(Event::FixedPointProgress {
            step,
            fraction: 0.0,
            generation: self.generation,
        });
    }

    pub(super) fn cancel_fixed_points(&mut self, reason: &str) {
        if self.fp.take().is_some() {
            self.out.push(Event::FixedPointsCancelled {
                reason: reason.to_string(),
                generation: self.generation,
            });
        }
    }

    /// Up to [`FP_SLICE_MS`] of fixed-point search; posts progress, then the result.
    pub(super) fn fp_slice(&mut self, clock: Clock) {
        let t0 = clock();
        let generation = self.generation;
        let Some(job) = self.fp.as_mut() else { return };
        let mut phase = job.search.phase();
        while phase != Phase::Done && clock() - t0 < FP_SLICE_MS {
            phase = job.search.advance();
        }
        let t1 = clock();
        job.spent_ms += t1 - t0;
        if phase != Phase::Done {
            if job.progress.due(t1, 0) {
                job.progress.record(t1, t1, 0);
                let event = Event::FixedPointProgress {
                    step: job.step,
                    fraction: job.search.progress(),
                    generation,
                };
                self.out.push(event);
            }
            return;
        }
        let Some(job) = self.fp.take() else { return };
        // Points with non-finite numbers cannot cross the JSON wire; a diverged network has
        // none worth showing.
        let points: Vec<_> = job
            .search
            .results()
            .into_iter()
            .filter(|p| {
                p.q.is_finite()
                    && p.state.iter().chain(&p.readout).all(|v| v.is_finite())
                    && p.eigenvalues.iter().flatten().all(|v| v.is_finite())
            })
            .collect();
        let ms = job.spent_ms + (clock() - t1);
        self.out.push(Event::FixedPoints {
            data: Box::new(protocol::FixedPointsData {
                step: job.step,
                ms,
                options: job.options,
                points,
            }),
            generation,
        });
    }
}
