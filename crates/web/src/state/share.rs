//! Page-side helpers of the share panel, tested natively: the preset that describes an
//! adopted configuration and the loss history as CSV. (Links and files are read by the
//! worker: `crate::worker::loaders`.)

use flipflop_core::{Config, Preset};

/// The preset whose form best describes `config` (the form shows the preset's name; every
/// field is shown as is).
pub fn preset_for(config: &Config) -> Preset {
    let paper = Config::preset(Preset::Paper);
    if config.model.hidden == paper.model.hidden && config.train.batch == paper.train.batch {
        Preset::Paper
    } else if config.model.constraints.dale.is_some() {
        Preset::Dale
    } else {
        Preset::Default
    }
}

/// The loss history as CSV: one row per step with a training loss or a held-out check,
/// columns `step,train_loss,heldout_mse,bit_accuracy` (empty where there is no value).
pub fn history_csv(losses: &[(u64, f32)], metrics: &[(u64, f32, f32)]) -> String {
    let mut out = String::from("step,train_loss,heldout_mse,bit_accuracy\n");
    let (mut i, mut j) = (0, 0);
    while i < losses.len() || j < metrics.len() {
        let ls = losses.get(i).map(|l| l.0);
        let ms = metrics.get(j).map(|m| m.0);
        let step = match (ls, ms) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => break,
        };
        let loss = (ls == Some(step)).then(|| {
            i += 1;
            losses[i - 1].1
        });
        let metric = (ms == Some(step)).then(|| {
            j += 1;
            metrics[j - 1]
        });
        out.push_str(&format!(
            "{step},{},{},{}\n",
            loss.map_or(String::new(), |v| v.to_string()),
            metric.map_or(String::new(), |m| m.1.to_string()),
            metric.map_or(String::new(), |m| m.2.to_string()),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_csv_merges_by_step() {
        let csv = history_csv(&[(1, 0.5), (2, 0.25)], &[(0, 0.9, 0.5), (2, 0.2, 0.75)]);
        assert_eq!(
            csv,
            "step,train_loss,heldout_mse,bit_accuracy\n0,,0.9,0.5\n1,0.5,,\n2,0.25,0.2,0.75\n"
        );
    }

    #[test]
    fn preset_for_recognises_the_paper_shape() {
        assert_eq!(preset_for(&Config::preset(Preset::Paper)), Preset::Paper);
        assert_eq!(
            preset_for(&Config::preset(Preset::Default)),
            Preset::Default
        );
    }
}
