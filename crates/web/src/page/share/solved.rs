//! The kept solved network: while training, a network that passed its held-out check is
//! written under its own storage key, so a learning rate that wrecks it cannot overwrite it
//! in the autosave; when a run stops being solved, a button offers to go back to it.

use super::SharePanel;
use crate::page::context::{Adoption, Cx, Request};
use crate::protocol::{CheckedNetwork, WireNetwork};
use crate::state::storage;

/// Shortest time between two writes of the kept solved network while training, ms.
const KEEP_EVERY_MS: f64 = 2_000.0;

impl SharePanel {
    /// After a held-out check: keep a solved network, or offer to go back to the kept one.
    pub(super) fn after_check(&mut self, solved: bool, cx: &Cx) {
        let kept = storage::parse_kept(storage::get(storage::SOLVED_KEY).as_deref());
        match storage::solved_action(solved, cx.run.solved.is_some(), kept.as_ref()) {
            storage::SolvedAction::Keep => self.restore.set_hidden(true),
            storage::SolvedAction::OfferBack { step, accuracy } => {
                self.restore.set_text_content(Some(&format!(
                    "Go back to the solved network (step {step}, accuracy {:.1} %)",
                    accuracy as f64 * 100.0
                )));
                let _ = self.restore.set_attribute("data-step", &step.to_string());
                self.restore.set_hidden(false);
            }
            storage::SolvedAction::Nothing => {}
        }
    }

    /// Writes the network a held-out check called solved (`checked`: its weights and the
    /// configuration it was trained under, of step `step`, with held-out bit accuracy
    /// `accuracy`: what `Event::Metrics` carries when solved) as the kept solved one, at most
    /// every [`KEEP_EVERY_MS`] while training, with the losses and metrics up to that step.
    ///
    /// Which ones: [`storage::keep_due`] (a learning rate changed live that wrecks the
    /// network within a check never replaces the network kept under the rate before it,
    /// nor comes back with it).
    pub(super) fn keep_solved(
        &mut self,
        cx: &Cx,
        step: u64,
        checked: &CheckedNetwork,
        accuracy: f32,
    ) {
        let now = cx.now();
        let due = storage::keep_due(
            self.kept,
            self.solved_under.as_ref(),
            &checked.config,
            step,
            cx.run.running,
            now,
            KEEP_EVERY_MS,
        );
        self.solved_under = Some(checked.config.clone());
        if cx.bench || !due {
            return;
        }
        let Ok(net) = checked.network.to_network() else {
            return;
        };
        // The history up to the kept step (both lists are in step order).
        let (losses, metrics) = (&cx.run.losses, &cx.run.metrics);
        let losses = &losses[..losses.partition_point(|l| l.0 <= step)];
        let metrics = &metrics[..metrics.partition_point(|m| m.0 <= step)];
        let record = storage::KeptSolved {
            save: storage::Autosave {
                net: storage::pack_net(&checked.config, &net, step),
                losses: storage::thin(losses, storage::MAX_HISTORY),
                metrics: storage::thin(metrics, storage::MAX_HISTORY),
                saved_at_ms: js_sys::Date::now(),
            },
            step,
            accuracy,
        };
        let text = serde_json::to_string(&record).unwrap_or_default();
        if storage::set(storage::SOLVED_KEY, &text).is_ok() {
            self.kept = Some((step, now));
        }
    }

    /// Adopts the kept solved network.
    pub(super) fn on_restore(&mut self, cx: &mut Cx) {
        let kept = storage::parse_kept(storage::get(storage::SOLVED_KEY).as_deref());
        let Some(k) = kept else {
            self.restore.set_hidden(true);
            return cx.show_error("The solved network kept in this browser is gone or damaged.");
        };
        match storage::unpack_net(&k.save.net) {
            Ok(f) => {
                cx.clear_error();
                cx.request(Request::Adopt(Box::new(Adoption {
                    status: format!(
                        "Back to the solved network of step {} (held-out accuracy {:.1} %).",
                        f.steps,
                        k.accuracy as f64 * 100.0
                    ),
                    network: Some(WireNetwork::from_network(&f.network)),
                    config: f.config,
                    steps: f.steps,
                    history: Some((k.save.losses, k.save.metrics)),
                    pretrained: false,
                    optimiser: None,
                })));
            }
            Err(e) => cx.show_error(&format!(
                "The solved network kept in this browser is damaged: {e}. The current network is unchanged."
            )),
        }
    }
}
