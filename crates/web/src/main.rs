//! The lab page's entry point (built for wasm32 by Trunk from index.html).
//!
//! Natively it is a small reference tool for the end-to-end tests:
//! `flipflop-web fingerprint [SEED]` prints the fingerprints of the default preset's initial
//! weights and held-out trials, which the page must reproduce bit for bit.

#[cfg(target_arch = "wasm32")]
fn main() {
    if let Err(e) = flipflop_web::page::start() {
        web_sys::console::error_2(&"Flip-Flop Lab could not start:".into(), &e);
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use flipflop_core::{Config, Preset, Trainer};
    use flipflop_web::worker::snapshot;
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("fingerprint") => {
            let seed = match args.get(1).map(|s| s.parse::<u64>()) {
                None => 1,
                Some(Ok(s)) => s,
                Some(Err(_)) => {
                    eprintln!("fingerprint: the seed must be a whole number ≥ 0");
                    return std::process::ExitCode::from(2);
                }
            };
            let mut cfg = Config::preset(Preset::Default);
            cfg.seed = seed;
            let trainer = match Trainer::new(cfg) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("fingerprint: {e}");
                    return std::process::ExitCode::from(2);
                }
            };
            let (weights, trials) = snapshot::fingerprints(&snapshot::build(&trainer, 0));
            println!("{{\"seed\":{seed},\"weights\":\"{weights}\",\"trials\":\"{trials}\"}}");
            std::process::ExitCode::SUCCESS
        }
        _ => {
            eprintln!(
                "flipflop-web is the browser page: build and serve it with `make serve`.\n\
                 Natively: `flipflop-web fingerprint [SEED]` prints reference fingerprints for the tests."
            );
            std::process::ExitCode::from(2)
        }
    }
}
