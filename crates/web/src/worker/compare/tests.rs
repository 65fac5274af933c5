//! The Compare view's worker functions, natively: a relabelled copy of a network is the same
//! network (distance ~0, aligned cube on top of the original's), other seeds are farther,
//! the set link reopens the same weights, and bad input is refused with a message.

use super::*;
use flipflop_core::Preset;

/// A quick task: N 10, 2 bits, short trials.
fn small(seed: u64) -> (Config, Network) {
    let mut cfg = Config::preset(Preset::Default);
    cfg.model.hidden = 10;
    cfg.set_bits(2);
    cfg.task.trial_len = 120;
    cfg.seed = seed;
    // Larger recurrent weights than the initial scale, so the probe states have a shape.
    let mut net = Network::init(&cfg.model, seed);
    net.w_in.iter_mut().for_each(|w| *w *= 3.0);
    (cfg, net)
}

/// The same dynamical system with its hidden units permuted (`P`) and some signs flipped
/// (`S`): `W_rec → P S W_rec S Pᵀ`, `W_in → P S W_in`, `b → P S b`, `W_out → W_out S Pᵀ`.
fn relabelled(net: &Network) -> Network {
    let (n, k) = (net.config.hidden, net.config.bits);
    // New unit i is old unit perm[i], with sign sign[i].
    let perm: Vec<usize> = (0..n).map(|i| (i * 3 + 1) % n).collect();
    assert_eq!(n % 3, 1, "3 must be invertible mod n for a permutation");
    let sign: Vec<f32> = (0..n)
        .map(|i| if i % 3 == 0 { -1.0 } else { 1.0 })
        .collect();
    let mut out = net.clone();
    for i in 0..n {
        let (pi, si) = (perm[i], sign[i]);
        for j in 0..n {
            out.w_rec[i * n + j] = si * net.w_rec[pi * n + perm[j]] * sign[j];
        }
        for c in 0..k {
            out.w_in[i * k + c] = si * net.w_in[pi * k + c];
            out.w_out[c * n + i] = net.w_out[c * n + pi] * si;
        }
        out.b_rec[i] = si * net.b_rec[pi];
    }
    out
}

fn entry(cfg: &Config, net: &Network) -> CompareNet {
    CompareNet {
        config: Box::new(cfg.clone()),
        network: WireNetwork::from_network(net),
        steps: 5,
        points: Vec::new(),
    }
}

#[test]
fn a_relabelled_network_is_at_distance_zero_and_its_cube_aligns_onto_the_first() {
    let (cfg, a) = small(1);
    let (_, b) = small(2);
    let copy = relabelled(&a);
    let Event::Compared { data } = run(vec![entry(&cfg, &a), entry(&cfg, &copy), entry(&cfg, &b)])
    else {
        panic!("no comparison");
    };
    for m in [&data.procrustes, &data.cka] {
        for (i, row) in m.iter().enumerate() {
            assert_eq!(row[i], 0.0);
            for (j, v) in row.iter().enumerate() {
                assert_eq!(*v, m[j][i], "symmetric");
            }
        }
        assert!(m[0][1] < 1e-4, "relabelled copy at {}", m[0][1]);
        assert!(
            m[0][2] > 100.0 * m[0][1].max(1e-6),
            "other seed at {}",
            m[0][2]
        );
    }
    assert_eq!(data.mds.len(), 3);
    // The copy's cube, rotated onto the first, lies on it (its own SVD axes may differ in
    // sign); the unaligned copy does not have to.
    let (r, c) = (&data.networks[0].aligned.0, &data.networks[1].aligned.0);
    assert_eq!(r.len(), c.len());
    let scale = r.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let worst = r
        .iter()
        .zip(c)
        .fold(0.0f32, |m, (x, y)| m.max((x - y).abs()));
    assert!(
        worst < 1e-3 * scale,
        "aligned copy off by {worst} (scale {scale})"
    );
    assert!(data.networks[1].centroid_distance < 1e-3);
    let radius = |i: usize| data.networks[i].spectral_radius;
    assert!((radius(0) - radius(1)).abs() < 1e-9);
    // The set link holds the three networks again (compact: close, not bit-equal).
    let Event::SetLoaded { networks } = open_set_link(&format!("https://x/#{}", data.set_link))
    else {
        panic!("set link did not open");
    };
    assert_eq!(networks.len(), 3);
    let back = networks[2].network.to_network().unwrap();
    let err = back
        .w_rec
        .iter()
        .zip(&b.w_rec)
        .fold(0.0f32, |m, (x, y)| m.max((x - y).abs()));
    assert!(err < 1e-2, "set link weights off by {err}");
    assert_eq!(networks[0].config.task, cfg.task);
}

#[test]
fn networks_of_different_tasks_or_bad_counts_are_refused_with_a_message() {
    let (cfg, a) = small(1);
    let mut other = cfg.clone();
    other.set_bits(3);
    let b = Network::init(&other.model, 2);
    match run(vec![entry(&cfg, &a), entry(&other, &b)]) {
        Event::CompareFailed { message } => {
            assert!(message.contains("different task"), "{message}")
        }
        e => panic!("{e:?}"),
    }
    assert!(matches!(run(Vec::new()), Event::CompareFailed { .. }));
    let nine: Vec<_> = (0..9).map(|_| entry(&cfg, &a)).collect();
    match run(nine) {
        Event::CompareFailed { message } => assert!(message.contains("1 to 8"), "{message}"),
        e => panic!("{e:?}"),
    }
    // Weights that do not fit their configuration name the network.
    let mut bad = entry(&cfg, &a);
    bad.network.w_rec.0.pop();
    match run(vec![entry(&cfg, &a), bad]) {
        Event::CompareFailed { message } => assert!(message.starts_with("network 2"), "{message}"),
        e => panic!("{e:?}"),
    }
    match open_set_link("#set=AAAA.BBBB") {
        Event::LoadFailed { message, .. } => assert!(message.contains("network 1"), "{message}"),
        e => panic!("{e:?}"),
    }
}

#[test]
fn the_session_answers_compare_and_set_links_and_both_cross_the_wire_unchanged() {
    use crate::protocol::{decode_command, decode_event, encode, Command};
    use crate::worker::Session;
    let (cfg, a) = small(1);
    let (_, b) = small(2);
    let cmd = Command::Compare {
        networks: vec![entry(&cfg, &a), entry(&cfg, &b)],
    };
    assert_eq!(decode_command(&encode(&cmd)).unwrap(), cmd);
    let mut s = Session::new();
    let mut t = 0.0;
    let mut clock = move || {
        t += 1.0;
        t
    };
    s.handle(cmd, &mut clock);
    let out = s.drain();
    let [ev @ Event::Compared { data }] = out.as_slice() else {
        panic!("{out:?}");
    };
    assert_eq!(decode_event(&encode(ev)).unwrap(), *ev);
    s.handle(
        Command::OpenSetLink {
            text: data.set_link.clone(),
        },
        &mut clock,
    );
    let out = s.drain();
    let [ev @ Event::SetLoaded { networks }] = out.as_slice() else {
        panic!("{out:?}");
    };
    assert_eq!(networks.len(), 2);
    assert_eq!(decode_event(&encode(ev)).unwrap(), *ev);
    assert_eq!(
        ev.generation(),
        None,
        "no network's generation: the gate admits it"
    );
}
