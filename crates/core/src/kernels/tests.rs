//! Every tier against naive products.

use super::*;

fn naive_ab(a: &[f32], w: &[f32], rows: usize, n: usize, transpose: bool, c0: &[f32]) -> Vec<f64> {
    let mut out = vec![0.0f64; rows * n];
    for i in 0..rows {
        for j in 0..n {
            let mut s = c0[i * n + j] as f64;
            for p in 0..n {
                let b = if transpose {
                    w[j * n + p]
                } else {
                    w[p * n + j]
                };
                s += a[i * n + p] as f64 * b as f64;
            }
            out[i * n + j] = s;
        }
    }
    out
}

fn data(len: usize, f: f32) -> Vec<f32> {
    (0..len).map(|i| ((i as f32 + 0.5) * f).sin()).collect()
}

fn check_ab<T: Tier>(tier: T) {
    for n in [
        1usize, 2, 4, 5, 7, 8, 16, 17, 20, 24, 33, 100, 113, 130, 260, 400,
    ] {
        for rows in [1usize, 2, 3, 4, 5, 7, 24] {
            let a = data(rows * n, 0.37);
            let w = data(n * n, 0.11);
            let c0 = data(rows * n, 0.23);
            for transpose in [false, true] {
                let mut packed = Vec::new();
                tier.pack(&mut packed, &w, n, transpose);
                for accumulate in [false, true] {
                    let mut c = c0.clone();
                    tier.a_b(&a, rows, n, &packed, &w, transpose, accumulate, &mut c, &w);
                    let zero = vec![0.0; rows * n];
                    let want = naive_ab(
                        &a,
                        &w,
                        rows,
                        n,
                        transpose,
                        if accumulate { &c0 } else { &zero },
                    );
                    for (g, w) in c.iter().zip(&want) {
                        assert!(
                            (*g as f64 - w).abs() <= 1e-5 * (1.0 + n as f64),
                            "n {n} rows {rows} t {transpose} acc {accumulate}: {g} vs {w}"
                        );
                    }
                }
            }
        }
    }
}

fn check_atb<T: Tier>(tier: T) {
    for (m, n) in [
        (1usize, 1usize),
        (3, 100),
        (2, 17),
        (100, 100),
        (7, 33),
        (4, 130),
        (5, 8),
        (6, 260),
        (16, 17),
        (33, 20),
        (70, 130),
        (100, 260),
        (128, 128),
    ] {
        for rows in [1usize, 2, 16, 31, 32, 33, 70] {
            let (ldd, ldh) = (m + 2, n + 1);
            let d = data((rows - 1) * ldd + m, 0.29);
            let h = data((rows - 1) * ldh + n, 0.17);
            let c0 = data(m * n, 0.41);
            for accumulate in [false, true] {
                let mut c = c0.clone();
                tier.at_b(rows, &d, ldd, m, &h, ldh, n, accumulate, &mut c);
                // The packed path (∂W_rec's shapes) makes the same sums as the tiles over
                // H's rows, bit for bit: a training run does not depend on which is taken.
                let mut direct = c0.clone();
                tier.at_b_unpacked(rows, &d, ldd, m, &h, ldh, n, accumulate, &mut direct);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert!(
                    bits(&c) == bits(&direct),
                    "m {m} n {n} rows {rows}: packed and unpacked at_b differ"
                );
                for i in 0..m {
                    for j in 0..n {
                        let mut s = if accumulate {
                            c0[i * n + j] as f64
                        } else {
                            0.0
                        };
                        for r in 0..rows {
                            s += d[r * ldd + i] as f64 * h[r * ldh + j] as f64;
                        }
                        let g = c[i * n + j] as f64;
                        assert!(
                            (g - s).abs() <= 1e-5 * (1.0 + rows as f64),
                            "m {m} n {n} rows {rows}: {g} vs {s}"
                        );
                    }
                }
            }
        }
    }
}

fn check_readout<T: Tier>(tier: T) {
    for n in [1usize, 3, 8, 16, 17, 100, 130] {
        let rows = 5;
        let h = data(rows * n, 0.31);
        let w = data(3 * n, 0.07);
        let b = [0.1f32, -0.2, 0.3];
        let mut z = vec![0.0f32; rows * 3];
        tier.readout::<3>(&mut z, &h, n, &w, &b);
        for r in 0..rows {
            for o in 0..3 {
                let want: f64 = b[o] as f64
                    + (0..n)
                        .map(|i| h[r * n + i] as f64 * w[o * n + i] as f64)
                        .sum::<f64>();
                assert!(
                    (z[r * 3 + o] as f64 - want).abs() < 1e-5 * (1.0 + n as f64),
                    "n {n}"
                );
            }
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[wasm_bindgen_test::wasm_bindgen_test]
fn simd128_kernels_match_naive() {
    check_ab(Simd128);
    check_atb(Simd128);
    check_readout(Simd128);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn portable_kernels_match_naive() {
    check_ab(Portable);
    check_atb(Portable);
    check_readout(Portable);
}

#[cfg(target_arch = "x86_64")]
#[test]
fn x86_kernels_match_naive() {
    if let Some(t) = Avx2::detect() {
        check_ab(t);
        check_atb(t);
        check_readout(t);
    }
    if let Some(t) = Avx512::detect() {
        check_ab(t);
        check_atb(t);
        check_readout(t);
    }
}

/// Not a test: the kernels' throughput at the default preset's shapes (N 128; 16 rows =
/// one time step of a batch of 16, 64 = one chunk), `at_b` with and without its packed
/// path, and `a_b`. Run with `cargo test --release -p flipflop-core --lib
/// kernel_throughput -- --ignored --nocapture` (natively: the best x86-64 tier), or built
/// for wasm32-wasip1 and run in Node (BENCHMARKS.md).
#[test]
#[ignore]
fn kernel_throughput() {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let tier = Simd128;
    #[cfg(target_arch = "x86_64")]
    let Some(tier) = Avx2::detect() else {
        return;
    };
    let n = 128;
    let gflops =
        |rows: usize, reps: usize, secs: f64| 2.0 * (rows * n * n * reps) as f64 / secs / 1e9;
    // The first round warms V8's optimising tier up; the second is printed.
    for round in 0..2 {
        for rows in [16usize, 64] {
            let d = data(rows * n, 0.3);
            let h = data(rows * n, 0.7);
            let mut c = vec![0.0f32; n * n];
            let reps = 80_000 / rows;
            let t0 = std::time::Instant::now();
            for _ in 0..reps {
                tier.at_b(rows, &d, n, n, &h, n, n, true, &mut c);
            }
            let packed = gflops(rows, reps, t0.elapsed().as_secs_f64());
            let t0 = std::time::Instant::now();
            for _ in 0..reps {
                tier.at_b_unpacked(rows, &d, n, n, &h, n, n, true, &mut c);
            }
            let direct = gflops(rows, reps, t0.elapsed().as_secs_f64());
            if round == 1 {
                println!("at_b {rows} rows: {packed:.1} GFLOP/s packed, {direct:.1} over H's rows");
            }
        }
        let mut packed = Vec::new();
        let w = data(n * n, 0.5);
        tier.pack(&mut packed, &w, n, false);
        let a = data(16 * n, 0.3);
        let mut c = vec![0.0f32; 16 * n];
        let reps = 5_000;
        let t0 = std::time::Instant::now();
        for _ in 0..reps {
            tier.a_b(&a, 16, n, &packed, &w, false, true, &mut c, &[]);
        }
        if round == 1 {
            println!(
                "a_b 16 rows: {:.1} GFLOP/s",
                gflops(16, reps, t0.elapsed().as_secs_f64())
            );
        }
    }
}
