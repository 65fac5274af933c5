//! Network files and share links carry the task and its options: every task's preset, with an
//! option changed, survives a file and each kind of link unchanged (weights bit for bit in the
//! file and the exact link, the configuration exactly in all).

use flipflop_core::{Config, Network, TaskKind};
use flipflop_formats::link::{decode_link, encode_link, LinkKind};
use flipflop_formats::netfile;

fn configs() -> Vec<Config> {
    TaskKind::ALL
        .into_iter()
        .map(|kind| {
            let mut c = Config::for_task(kind);
            c.model.hidden = 8;
            c.train.val_trials = 16;
            match kind {
                TaskKind::FlipFlop => c.set_bits(2),
                TaskKind::PerceptualDm => c.task.perceptual_dm.coherences = vec![0.0, 10.0, 40.0],
                TaskKind::ContextDm => c.task.context_dm.stimulus_ms = 400,
                TaskKind::ParametricWm => c.task.parametric_wm.delay_max_ms = 1200,
                TaskKind::MatchTwoItems => c.task.match_two_items.delay_ms = 200,
            }
            c
        })
        .collect()
}

#[test]
fn task_networks_round_trip_through_files_and_links() {
    for cfg in configs() {
        let kind = cfg.task.kind;
        cfg.validate().unwrap();
        let net = Network::init(&cfg.model, 4);
        let f = netfile::decode(&netfile::encode(&cfg, &net, 7)).expect("file decodes");
        assert_eq!(f.config, cfg, "{kind:?}");
        assert_eq!(f.network, net, "{kind:?}");
        for link in [LinkKind::Exact, LinkKind::Compact, LinkKind::Recipe] {
            let d = decode_link(&encode_link(link, &cfg, &net, 7)).expect("link decodes");
            assert_eq!(d.config, cfg, "{kind:?} {link:?}");
            if link == LinkKind::Exact {
                assert_eq!(d.network.as_ref(), Some(&net), "{kind:?}");
            }
            if let Some(n) = &d.network {
                assert_eq!(
                    (n.config.inputs(), n.config.outputs()),
                    cfg.task.channels(),
                    "{kind:?} {link:?}"
                );
            }
        }
    }
}
