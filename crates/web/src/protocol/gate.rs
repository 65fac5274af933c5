//! The page's side of the `Init` handshake.

use super::Event;

/// Which worker events still belong to a network the page has replaced. Every `Init` gets a
/// new generation; the worker stamps every event about a network with the generation of the
/// `Init` that built it (and, after a failed `Init`, the old network carries on under the
/// failed one's generation). An event of any other generation is stale: the seeded
/// network's snapshot when the pre-trained file's `Init` overtook it, an old network's
/// `Error` or `Running`, a fixed-point result of a replaced network.
#[derive(Debug, Default)]
pub struct InitGate {
    generation: u32,
    awaiting: bool,
}

impl InitGate {
    /// An `Init` is about to be sent: its generation. Events are stale until its answer.
    pub fn begin(&mut self) -> u32 {
        self.generation = self.generation.wrapping_add(1);
        self.awaiting = true;
        self.generation
    }

    /// Whether an `Init` is still unanswered (neither `Initialized` nor `Error` of its
    /// generation has arrived).
    pub fn awaiting(&self) -> bool {
        self.awaiting
    }

    /// Whether the page should act on `ev`: events about no network always; events about a
    /// network only when they carry the latest generation. `Initialized` or `Error` of the
    /// latest generation end the wait.
    pub fn admit(&mut self, ev: &Event) -> bool {
        match ev.generation() {
            None => true,
            Some(g) if g != self.generation => false,
            Some(_) => {
                if matches!(ev, Event::Initialized { .. } | Event::Error { .. }) {
                    self.awaiting = false;
                }
                true
            }
        }
    }
}
