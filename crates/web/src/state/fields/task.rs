//! The options of the cognitive tasks as form fields: one [`TaskField`] per option of
//! `flipflop_core::task::options`, with the core's ranges (a native test checks each end
//! against `Config::validate` and the markup against index.html). The form shows the fields
//! of the selected task only (their `.field` wrappers carry `data-task`).

use super::{Field, Kind};
use flipflop_core::task::TaskKind;

/// A field that belongs to one task.
#[derive(Clone, Copy, Debug)]
pub struct TaskField {
    /// The task whose option it is.
    pub task: TaskKind,
    /// The field (element id, range, how it reads and writes a `Config`).
    pub field: Field,
}

const COHERENCE_HELP: &str =
    "Unsigned coherence levels in %, separated by commas; each trial draws one and a sign.";

/// Every task option, grouped by task in `TaskKind::ALL` order.
pub const TASK_FIELDS: [TaskField; 11] = [
    TaskField {
        task: TaskKind::PerceptualDm,
        field: Field {
            id: "pdm-coherences",
            name: "Coherences",
            label: "Coherences (%)",
            kind: Kind::List {
                get: |c| c.task.perceptual_dm.coherences.clone(),
                set: |c, v| c.task.perceptual_dm.coherences = v,
            },
            min: 0.0,
            max: Some(100.0),
            step: "any",
            core: &["perceptual_dm.coherences"],
            help: COHERENCE_HELP,
        },
    },
    TaskField {
        task: TaskKind::PerceptualDm,
        field: Field {
            id: "pdm-stimulus",
            name: "Stimulus",
            label: "Stimulus (ms)",
            kind: Kind::Whole {
                get: |c| c.task.perceptual_dm.stimulus_ms as u64,
                set: |c, v| c.task.perceptual_dm.stimulus_ms = v as usize,
            },
            min: 100.0,
            max: Some(4000.0),
            step: "20",
            core: &["perceptual_dm.stimulus_ms"],
            help: "How long the evidence is shown, in multiples of the 20 ms time step (pycog: 800).",
        },
    },
    TaskField {
        task: TaskKind::PerceptualDm,
        field: Field {
            id: "pdm-noise",
            name: "Evidence noise",
            label: "Evidence noise (s.d.)",
            kind: Kind::Real {
                get: |c| c.task.perceptual_dm.noise_sd,
                set: |c, v| c.task.perceptual_dm.noise_sd = v,
            },
            min: 0.0,
            max: Some(3.0),
            step: "any",
            core: &["perceptual_dm.noise_sd"],
            help: "Standard deviation of the noise on the two evidence channels.",
        },
    },
    TaskField {
        task: TaskKind::ContextDm,
        field: Field {
            id: "cdm-coherences",
            name: "Coherences",
            label: "Coherences (%)",
            kind: Kind::List {
                get: |c| c.task.context_dm.coherences.clone(),
                set: |c, v| c.task.context_dm.coherences = v,
            },
            min: 0.0,
            max: Some(100.0),
            step: "any",
            core: &["context_dm.coherences"],
            help: COHERENCE_HELP,
        },
    },
    TaskField {
        task: TaskKind::ContextDm,
        field: Field {
            id: "cdm-stimulus",
            name: "Stimulus",
            label: "Stimulus (ms)",
            kind: Kind::Whole {
                get: |c| c.task.context_dm.stimulus_ms as u64,
                set: |c, v| c.task.context_dm.stimulus_ms = v as usize,
            },
            min: 100.0,
            max: Some(4000.0),
            step: "20",
            core: &["context_dm.stimulus_ms"],
            help: "How long both modalities are shown, in multiples of the 20 ms time step.",
        },
    },
    TaskField {
        task: TaskKind::ContextDm,
        field: Field {
            id: "cdm-noise",
            name: "Evidence noise",
            label: "Evidence noise (s.d.)",
            kind: Kind::Real {
                get: |c| c.task.context_dm.noise_sd,
                set: |c, v| c.task.context_dm.noise_sd = v,
            },
            min: 0.0,
            max: Some(3.0),
            step: "any",
            core: &["context_dm.noise_sd"],
            help: "Standard deviation of the noise on the four evidence channels.",
        },
    },
    TaskField {
        task: TaskKind::ParametricWm,
        field: Field {
            id: "pwm-delay-min",
            name: "Shortest delay",
            label: "Shortest delay (ms)",
            kind: Kind::Whole {
                get: |c| c.task.parametric_wm.delay_min_ms as u64,
                set: |c, v| c.task.parametric_wm.delay_min_ms = v as usize,
            },
            min: 100.0,
            max: Some(6000.0),
            step: "20",
            core: &["parametric_wm.delay_min_ms"],
            help: "Shortest delay between f1 and f2 (Romo et al.: 1 to 3 s).",
        },
    },
    TaskField {
        task: TaskKind::ParametricWm,
        field: Field {
            id: "pwm-delay-max",
            name: "Longest delay",
            label: "Longest delay (ms)",
            kind: Kind::Whole {
                get: |c| c.task.parametric_wm.delay_max_ms as u64,
                set: |c, v| c.task.parametric_wm.delay_max_ms = v as usize,
            },
            min: 100.0,
            max: Some(6000.0),
            step: "20",
            core: &["parametric_wm.delay_max_ms"],
            help: "Longest delay between f1 and f2, at least the shortest; each trial draws one in between.",
        },
    },
    TaskField {
        task: TaskKind::ParametricWm,
        field: Field {
            id: "pwm-noise",
            name: "Frequency noise",
            label: "Frequency noise (s.d.)",
            kind: Kind::Real {
                get: |c| c.task.parametric_wm.noise_sd,
                set: |c, v| c.task.parametric_wm.noise_sd = v,
            },
            min: 0.0,
            max: Some(1.0),
            step: "any",
            core: &["parametric_wm.noise_sd"],
            help: "Standard deviation of the noise on the two frequency channels.",
        },
    },
    TaskField {
        task: TaskKind::MatchTwoItems,
        field: Field {
            id: "m2-delay",
            name: "Delay",
            label: "Delay (ms)",
            kind: Kind::Whole {
                get: |c| c.task.match_two_items.delay_ms as u64,
                set: |c, v| c.task.match_two_items.delay_ms = v as usize,
            },
            min: 0.0,
            max: Some(4000.0),
            step: "20",
            core: &["match_two_items.delay_ms"],
            help: "Delay between the second sample and the cue, in multiples of 20 ms.",
        },
    },
    TaskField {
        task: TaskKind::MatchTwoItems,
        field: Field {
            id: "m2-noise",
            name: "Item noise",
            label: "Item noise (s.d.)",
            kind: Kind::Real {
                get: |c| c.task.match_two_items.noise_sd,
                set: |c, v| c.task.match_two_items.noise_sd = v,
            },
            min: 0.0,
            max: Some(1.0),
            step: "any",
            core: &["match_two_items.noise_sd"],
            help: "Standard deviation of the noise on the item channels.",
        },
    },
];

/// The task field with element id `id`.
pub fn task_field(id: &str) -> Option<&'static TaskField> {
    TASK_FIELDS.iter().find(|t| t.field.id == id)
}
