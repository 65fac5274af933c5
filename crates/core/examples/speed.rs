use flipflop_core::rng::{Purpose, SeedRng};
use flipflop_core::task::Batch;
use flipflop_core::train::{loss_and_grad, Adam, Workspace};
use flipflop_core::{Config, Network};
use std::time::Instant;
fn main() {
    let mut c = Config::default();
    c.task.steps = 350;
    c.model.hidden = 100;
    c.train.batch = 128;
    let net0 = Network::init(&c.model, 1);
    let mut net = net0.clone();
    let batch = Batch::generate(&c.task, 128, &mut SeedRng::new(1, Purpose::Train));
    let mut ws = Workspace::default();
    let mut g = Network::zeros(&c.model);
    let mut adam = Adam::new(&net);
    let mut ts = vec![];
    for i in 0..15 {
        let t0 = Instant::now();
        loss_and_grad(&net, &batch, None, &mut ws, &mut g);
        adam.update(&c.train, &mut net, &g, 1.0);
        if i >= 3 {
            ts.push(t0.elapsed().as_secs_f64() * 1e3);
        }
    }
    ts.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!("step median {:.1} ms", ts[ts.len() / 2]);
    let mut fs = vec![];
    for _ in 0..8 {
        let t0 = Instant::now();
        flipflop_core::train::forward(&net, &batch, None, &mut ws);
        fs.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    fs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!("forward median {:.1} ms", fs[4]);
    let mut small = vec![0.3f32; 12800];
    let t0 = Instant::now();
    for _ in 0..350 {
        flipflop_core::math::tanh_in_place(&mut small);
        for v in small.iter_mut() {
            *v = 0.3;
        }
    }
    println!(
        "tanh 350x12800 in cache {:.1} ms",
        t0.elapsed().as_secs_f64() * 1e3
    );
    let mut v = vec![0.3f32; 128 * 350 * 100];
    let t0 = Instant::now();
    flipflop_core::math::tanh_in_place(&mut v);
    println!("tanh 4.48M {:.1} ms", t0.elapsed().as_secs_f64() * 1e3);
    let a = vec![0.1f32; 128 * 100];
    let w = vec![0.1f32; 100 * 100];
    let mut cc = vec![0.0f32; 128 * 100];
    let t0 = Instant::now();
    for _ in 0..350 {
        flipflop_core::math::gemm(
            1.0,
            flipflop_core::math::View::rm(&a, 128, 100),
            flipflop_core::math::View::rm_t(&w, 100, 100),
            1.0,
            &mut cc,
        );
    }
    let e = t0.elapsed().as_secs_f64();
    println!(
        "350 gemm 128x100x100 {:.1} ms = {:.1} GFLOP/s",
        e * 1e3,
        350.0 * 2.0 * 128.0 * 100.0 * 100.0 / e / 1e9
    );
    use flipflop_core::math::{gemm, View};
    let tb = 350 * 128;
    let x = vec![0.1f32; tb * 3];
    let win = vec![0.1f32; 300];
    let mut big = vec![0.0f32; tb * 100];
    let mut z = vec![0.0f32; tb * 3];
    let t0 = Instant::now();
    gemm(
        1.0,
        View::rm(&x, tb, 3),
        View::rm_t(&win, 100, 3),
        0.0,
        &mut big,
    );
    println!("X Win^T {:.1} ms", t0.elapsed().as_secs_f64() * 1e3);
    let t0 = Instant::now();
    gemm(
        1.0,
        View::rm(&big, tb, 100),
        View::rm_t(&win, 3, 100),
        0.0,
        &mut z,
    );
    println!("H Wout^T {:.1} ms", t0.elapsed().as_secs_f64() * 1e3);
    let t0 = Instant::now();
    gemm(
        1.0,
        View::rm(&z, tb, 3),
        View::rm(&win, 3, 100),
        0.0,
        &mut big,
    );
    println!("dZ Wout {:.1} ms", t0.elapsed().as_secs_f64() * 1e3);
    let mut gw = vec![0.0f32; 300];
    let t0 = Instant::now();
    gemm(
        1.0,
        View::rm_t(&z, tb, 3),
        View::rm(&big, tb, 100),
        0.0,
        &mut gw,
    );
    println!("dZ^T H {:.1} ms", t0.elapsed().as_secs_f64() * 1e3);
    let t0 = Instant::now();
    gemm(
        1.0,
        View::rm_t(&big, tb, 100),
        View::rm(&x, tb, 3),
        0.0,
        &mut gw,
    );
    println!("D^T X {:.1} ms", t0.elapsed().as_secs_f64() * 1e3);
    let mut gr = vec![0.0f32; 10000];
    let t0 = Instant::now();
    gemm(
        1.0,
        View::rm_t(&big, tb, 100),
        View::rm(&big, tb, 100),
        0.0,
        &mut gr,
    );
    println!("D^T H {:.1} ms", t0.elapsed().as_secs_f64() * 1e3);
    let t0 = Instant::now();
    let mut b2 = Batch::default();
    let mut r = SeedRng::new(2, Purpose::Train);
    for _ in 0..5 {
        b2.fill(&c.task, 128, &mut r);
    }
    println!("batch gen {:.1} ms", t0.elapsed().as_secs_f64() * 1e3 / 5.0);
}
#[allow(dead_code)]
fn unused() {}
