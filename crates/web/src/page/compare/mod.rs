//! The Compare view (issue 13): `K` networks of the same recipe (seeds s, s+1, …) or loaded
//! from the saved list, a link, a file or a set link, each trained and searched for fixed
//! points in its own worker (the same worker binary and protocol as the training panel), at
//! most `navigator.hardwareConcurrency` at a time; then one worker compares them
//! (`Command::Compare`) and the view draws Fig. 5 (spectra on the same axes), Fig. 7 (cubes
//! aligned to the first by Procrustes, or unaligned), the distance matrices, the MDS map, the
//! topology table and the Jacobian spectra at the stable points.
//!
//! The bookkeeping (phases, queue, CSV) is [`crate::state::compare`]; the drawing is
//! [`draw`]; listeners, workers and exports are [`wire`]. Like every panel, it only draws:
//! training, fixed points and the comparison are the workers'.

mod draw;
pub mod wire;

use super::link::WorkerLink;
use super::{Component, Cx, Shared};
use crate::protocol::{Command, CompareData, CompareNet, Event, Origin, SetNet};
use crate::state::compare::{self as st, Member, Phase, Source};
use crate::view::cube;
use flipflop_core::fixedpoints::FixedPointOptions;
use wasm_bindgen::prelude::*;
use web_sys::{Document, HtmlElement, HtmlInputElement, HtmlSelectElement};

/// One worker of the view and the network it works on.
struct Slot {
    link: WorkerLink,
    member: Option<usize>,
}

/// The view's elements.
struct Els {
    section: HtmlElement,
    count: HtmlInputElement,
    seed: HtmlInputElement,
    steps: HtmlInputElement,
    unaligned: HtmlInputElement,
    link_text: HtmlInputElement,
    saved: HtmlSelectElement,
    set_link: HtmlInputElement,
    status: HtmlElement,
    progress: HtmlElement,
    spectra: HtmlElement,
    cubes: HtmlElement,
    matrices: HtmlElement,
    table: HtmlElement,
    mds: web_sys::HtmlCanvasElement,
    jacobian: web_sys::HtmlCanvasElement,
}

/// The Compare view.
pub struct CompareView {
    els: Els,
    app: Option<Shared>,
    slots: Vec<Slot>,
    members: Vec<Member>,
    /// The comparison shown, and the labels of the networks it compared.
    data: Option<(CompareData, Vec<String>)>,
    /// A `Compare` was sent and not answered yet.
    comparing: bool,
    /// The camera every cube shares.
    pub view: cube::View,
    /// Last pointer position of a cube drag, CSS px.
    pub drag_from: Option<(f64, f64)>,
    progress_dirty: bool,
    spectra_dirty: bool,
    cubes_dirty: bool,
}

impl CompareView {
    /// Finds the view's elements.
    pub fn find(doc: &Document) -> Result<Self, JsValue> {
        use super::dom::by_id;
        Ok(Self {
            els: Els {
                section: by_id(doc, "compare")?,
                count: by_id(doc, "cmp-count")?,
                seed: by_id(doc, "cmp-seed")?,
                steps: by_id(doc, "cmp-steps")?,
                unaligned: by_id(doc, "cmp-unaligned")?,
                link_text: by_id(doc, "cmp-link")?,
                saved: by_id(doc, "cmp-saved")?,
                set_link: by_id(doc, "cmp-set-link")?,
                status: by_id(doc, "cmp-status")?,
                progress: by_id(doc, "cmp-progress")?,
                spectra: by_id(doc, "cmp-spectra")?,
                cubes: by_id(doc, "cmp-cubes")?,
                matrices: by_id(doc, "cmp-matrices")?,
                table: by_id(doc, "cmp-table")?,
                mds: by_id(doc, "cmp-mds")?,
                jacobian: by_id(doc, "cmp-jacobian")?,
            },
            app: None,
            slots: Vec::new(),
            members: Vec::new(),
            data: None,
            comparing: false,
            view: cube::View::default(),
            drag_from: None,
            progress_dirty: false,
            spectra_dirty: false,
            cubes_dirty: false,
        })
    }

    fn status(&self, text: &str) {
        self.els.status.set_text_content(Some(text));
    }

    fn set_state(&self, state: &str) {
        let _ = self.els.section.set_attribute("data-state", state);
    }

    /// Sends `cmd` to worker `slot`.
    fn send(&mut self, slot: usize, cmd: Command) {
        if let Some(s) = self.slots.get_mut(slot) {
            if let Err(e) = s.link.send(cmd) {
                self.status(&e);
            }
        }
    }

    /// Starts workers until there are `n` (at least one: it also opens links and compares).
    fn ensure_slots(&mut self, n: usize) {
        let Some(app) = self.app.clone() else {
            return;
        };
        while self.slots.len() < n.max(1) {
            let i = self.slots.len();
            let mut link = WorkerLink::default();
            match wire::spawn(&app, &mut link, i) {
                Ok(()) => {
                    self.slots.push(Slot { link, member: None });
                    let n = self.slots.len().to_string();
                    let _ = self.els.section.set_attribute("data-workers", &n);
                }
                Err(e) => {
                    self.status(&format!("A worker could not be started: {e:?}"));
                    return;
                }
            }
        }
    }

    /// Gives queued networks to free workers, starting workers up to the machine's limit.
    fn schedule(&mut self) {
        let concurrency =
            web_sys::window().map_or(1.0, |w| w.navigator().hardware_concurrency()) as usize;
        let busy = self.members.iter().filter(|m| is_busy(&m.phase)).count();
        let queued = self
            .members
            .iter()
            .filter(|m| m.phase == Phase::Queued)
            .count();
        self.ensure_slots(st::worker_count(busy + queued, concurrency));
        for slot in 0..self.slots.len() {
            if self.slots[slot].member.is_some() {
                continue;
            }
            let Some(i) = st::next_queued(&self.members) else {
                break;
            };
            self.begin(slot, i);
        }
        self.progress_dirty = true;
    }

    /// Worker `slot` takes network `i`: an `Init`, then training (a fresh network) or the
    /// fixed-point search (a loaded one).
    fn begin(&mut self, slot: usize, i: usize) {
        let generation = self.slots[slot].link.gate.begin();
        self.slots[slot].member = Some(i);
        let m = &mut self.members[i];
        let (network, base_step, train) = match &m.source {
            Source::Seed(_) => (None, 0, true),
            Source::Loaded { network, steps, .. } => (Some((**network).clone()), *steps, false),
        };
        m.step = base_step;
        m.phase = if train {
            Phase::Training
        } else {
            Phase::Searching
        };
        let init = Command::Init {
            config: Box::new(m.config.clone()),
            network,
            base_step,
            optimiser: None,
            generation,
        };
        self.send(slot, init);
        if train {
            self.send(slot, Command::Start);
        } else {
            self.search(slot);
        }
    }

    fn search(&mut self, slot: usize) {
        self.send(
            slot,
            Command::FindFixedPoints {
                options: FixedPointOptions::default(),
            },
        );
    }

    /// Training of the network in `slot` ends (solved, budget or Stop): one more step reports
    /// its weights, then its fixed points are searched on exactly those weights.
    fn stop_and_search(&mut self, slot: usize) {
        let Some(i) = self.slots[slot].member else {
            return;
        };
        if self.members[i].phase != Phase::Training {
            return;
        }
        self.members[i].phase = Phase::Searching;
        self.send(slot, Command::Pause);
        self.send(slot, Command::Step { count: 1 });
        self.search(slot);
        self.progress_dirty = true;
    }

    /// Network `i` in `slot` finished (done or failed): free the worker, go on.
    fn finish(&mut self, slot: usize, i: usize, phase: Phase) {
        self.members[i].phase = phase;
        self.slots[slot].member = None;
        self.schedule();
        if st::all_done(&self.members) {
            self.compare();
        }
    }

    /// Sends every finished network to the first worker for the comparison.
    pub fn compare(&mut self) {
        let done: Vec<&Member> = self
            .members
            .iter()
            .filter(|m| m.phase == Phase::Done)
            .collect();
        let nets: Vec<CompareNet> = done
            .iter()
            .filter_map(|m| {
                let s = m.snapshot.as_ref()?;
                Some(CompareNet {
                    config: Box::new(m.config.clone()),
                    network: s.network.clone(),
                    steps: s.step,
                    points: m.points.clone().unwrap_or_default(),
                })
            })
            .collect();
        if nets.is_empty() {
            self.status("Nothing to compare yet: train or add networks first.");
            return;
        }
        let labels = done.iter().map(|m| m.label()).collect::<Vec<_>>();
        self.data = Some((
            CompareData {
                procrustes: Vec::new(),
                cka: Vec::new(),
                mds: Vec::new(),
                probe_steps: 0,
                networks: Vec::new(),
                set_link: String::new(),
            },
            labels,
        ));
        self.comparing = true;
        self.set_state("comparing");
        self.status(&format!("Comparing {} networks…", nets.len()));
        self.ensure_slots(1);
        self.send(0, Command::Compare { networks: nets });
    }

    /// Train and compare: `K` networks of the training panel's recipe.
    pub fn on_train(&mut self, cx: &mut Cx) {
        let k = st::read_count(&self.els.count.value());
        let steps = st::read_steps(&self.els.steps.value());
        let seed = self
            .els
            .seed
            .value()
            .trim()
            .parse::<u64>()
            .map_err(|_| "First seed: give a whole number from 0 up.".to_string());
        let (k, steps, seed) = match (k, steps, seed) {
            (Ok(k), Ok(s), Ok(seed)) => (k, s, seed),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return self.status(&e),
        };
        if let Err(e) = cx.run.config.validate() {
            return self.status(&format!("The training panel's recipe is not valid: {e}"));
        }
        self.clear();
        self.members = (0..k as u64)
            .map(|i| Member::seeded(&cx.run.config, seed + i, steps))
            .collect();
        self.set_state("training");
        self.status(&format!(
            "Training {k} networks (seeds {seed}–{}) of the training panel's recipe.",
            seed + k as u64 - 1
        ));
        self.rebuild_grids();
        self.schedule();
    }

    /// Stop: training networks go on to their fixed points; queued ones are dropped.
    pub fn on_stop(&mut self) {
        self.members.retain(|m| m.phase != Phase::Queued);
        for slot in 0..self.slots.len() {
            self.stop_and_search(slot);
        }
        self.rebuild_grids();
        self.progress_dirty = true;
    }

    /// Forgets every network (workers stop what they do and stay for the next run).
    pub fn clear(&mut self) {
        for slot in 0..self.slots.len() {
            if self.slots[slot].member.take().is_some() {
                self.send(slot, Command::Pause);
                self.send(slot, Command::CancelFixedPoints);
            }
        }
        self.members.clear();
        self.data = None;
        self.comparing = false;
        self.els.set_link.set_value("");
        self.set_state("empty");
        self.rebuild_grids();
        draw::clear_results(&self.els);
        self.progress_dirty = true;
    }

    /// Adds a loaded network (saved list, link, file) and schedules it.
    pub fn add_loaded(&mut self, member: Member) {
        if self.members.len() >= st::MAX_NETWORKS {
            return self.status(&format!(
                "A comparison holds at most {} networks: clear some first.",
                st::MAX_NETWORKS
            ));
        }
        self.status(&format!("Added {}.", member.label()));
        self.members.push(member);
        self.data = None;
        self.set_state("training");
        self.rebuild_grids();
        self.schedule();
    }

    /// Asks the first worker to open `text` (one network's link or a set link).
    pub fn open_link(&mut self, text: &str) {
        self.ensure_slots(1);
        let text = text.trim().to_string();
        if flipflop_formats::link::has_set_link(&text) {
            self.status("Opening the set link…");
            self.send(0, Command::OpenSetLink { text });
        } else {
            self.status("Opening the link…");
            self.send(0, Command::OpenLink { text });
        }
    }

    /// Asks the first worker to import a file.
    pub fn import(&mut self, name: String, bytes: Vec<u8>) {
        self.ensure_slots(1);
        self.status(&format!("Importing {name:?}…"));
        self.send(
            0,
            Command::Import {
                name,
                bytes: crate::protocol::Bytes(bytes),
            },
        );
    }

    /// At start: a set link in the address opens here.
    pub fn initial_load(&mut self, cx: &Cx) {
        let href = cx.window.location().href().unwrap_or_default();
        if flipflop_formats::link::has_set_link(&href) {
            self.open_link(&href);
            self.els.section.scroll_into_view();
        }
    }

    /// A message from worker `slot`.
    pub fn on_worker(&mut self, slot: usize, ev: Event, cx: &mut Cx) {
        let Some(s) = self.slots.get_mut(slot) else {
            return;
        };
        if !s.link.gate.admit(&ev) {
            return;
        }
        if let Event::Ready { .. } = ev {
            if let Err(e) = s.link.on_ready() {
                self.status(&e);
            }
            return;
        }
        let member = s.member;
        match ev {
            Event::Loaded {
                origin,
                config,
                network,
                steps,
                ..
            } => match network {
                Some(n) => {
                    let label = match origin {
                        Origin::File(name) => name,
                        _ => format!("link {}", self.members.len() + 1),
                    };
                    self.add_loaded(Member::loaded(*config, label, *n, steps));
                }
                None => self.status(
                    "That link is a recipe without weights: open it in the training panel, \
                     train it, or put its seed into this view's recipe.",
                ),
            },
            Event::LoadFailed { message, .. } => self.status(&message),
            Event::SetLoaded { networks } => self.adopt_set(networks),
            Event::Compared { data } => self.show(*data, cx),
            Event::CompareFailed { message } => {
                self.comparing = false;
                self.set_state("failed");
                self.status(&format!("The comparison failed: {message}"));
            }
            ev => {
                if let Some(i) = member {
                    self.on_member_event(slot, i, ev);
                }
            }
        }
        cx.redraw();
    }

    fn adopt_set(&mut self, networks: Vec<SetNet>) {
        self.clear();
        let k = networks.len();
        self.members = networks
            .into_iter()
            .enumerate()
            .map(|(i, n)| Member::loaded(*n.config, format!("net {}", i + 1), n.network, n.steps))
            .collect();
        self.status(&format!(
            "Opened a set of {k} networks; finding their fixed points…"
        ));
        self.set_state("training");
        self.rebuild_grids();
        self.schedule();
        self.els.section.scroll_into_view();
    }

    fn on_member_event(&mut self, slot: usize, i: usize, ev: Event) {
        self.progress_dirty = true;
        match ev {
            Event::Progress { step, losses, .. } => {
                let m = &mut self.members[i];
                m.step = step;
                m.loss = losses.last().map(|l| l.1).or(m.loss);
            }
            Event::Metrics { step, solved, .. }
                if solved && self.members[i].solved_at.is_none() =>
            {
                self.members[i].solved_at = Some(step);
                self.stop_and_search(slot);
            }
            Event::Running {
                running: false,
                reason: Some(_),
                ..
            } => self.stop_and_search(slot),
            Event::Snapshot { snapshot, .. } => {
                self.members[i].step = snapshot.step;
                self.members[i].snapshot = Some(*snapshot);
                self.spectra_dirty = true;
            }
            Event::FixedPoints { data, .. } => {
                self.members[i].points = Some(data.points);
                self.finish(slot, i, Phase::Done);
            }
            Event::FixedPointsCancelled { reason, .. }
                if self.members[i].phase == Phase::Searching =>
            {
                self.finish(slot, i, Phase::Failed(format!("search stopped ({reason})")));
            }
            Event::Error { message, .. } => self.finish(slot, i, Phase::Failed(message)),
            _ => {}
        }
    }

    fn show(&mut self, data: CompareData, cx: &mut Cx) {
        self.comparing = false;
        let labels = self.data.take().map(|(_, l)| l).unwrap_or_default();
        let base = cx.window.location();
        let url = format!(
            "{}{}#{}",
            base.origin().unwrap_or_default(),
            base.pathname().unwrap_or_default(),
            data.set_link
        );
        self.els.set_link.set_value(&url);
        draw::results(&self.els, &data, &labels, self.app.as_ref());
        self.status(&format!(
            "Compared {} networks on {} probe steps of the cube set.",
            data.networks.len(),
            data.probe_steps
        ));
        self.data = Some((data, labels));
        self.set_state("done");
        self.cubes_dirty = true;
    }

    /// The labels and data of the comparison shown, if any.
    fn shown(&self) -> Option<(&CompareData, &[String])> {
        match &self.data {
            Some((d, l)) if !self.comparing && !d.networks.is_empty() => Some((d, l.as_slice())),
            _ => None,
        }
    }

    /// Whether the cubes are shown unaligned.
    fn unaligned(&self) -> bool {
        self.els.unaligned.checked()
    }

    /// The cube canvases need a redraw (drag, toggle).
    pub fn touch_cubes(&mut self) {
        self.cubes_dirty = true;
    }

    /// The spectra need a redraw (the gate selector changed).
    pub fn touch_spectra(&mut self) {
        self.spectra_dirty = true;
    }

    fn rebuild_grids(&mut self) {
        let labels: Vec<String> = self.members.iter().map(Member::label).collect();
        draw::grid(&self.els.spectra, "spectrum", &labels, self.app.as_ref());
        self.spectra_dirty = true;
    }
}

fn is_busy(p: &Phase) -> bool {
    matches!(p, Phase::Training | Phase::Searching)
}

impl Component for CompareView {
    fn frame(&mut self, _now: f64, _cx: &mut Cx) -> bool {
        if std::mem::take(&mut self.progress_dirty) {
            draw::progress(&self.els.progress, &self.members);
        }
        if std::mem::take(&mut self.spectra_dirty) {
            draw::spectra(&self.els.spectra, &self.members);
        }
        if std::mem::take(&mut self.cubes_dirty) {
            if let Some((data, _)) = self.shown() {
                draw::cubes(&self.els.cubes, data, &self.view, !self.unaligned());
            }
        }
        false
    }
}
