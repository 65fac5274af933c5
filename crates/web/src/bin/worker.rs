//! The training worker's entry point (built for wasm32 by Trunk as a module worker).

#[cfg(target_arch = "wasm32")]
fn main() {
    if let Err(e) = flipflop_web::worker::start() {
        web_sys::console::error_2(&"Flip-Flop Lab worker could not start:".into(), &e);
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("worker is the browser's training worker: build it with `make serve`.");
}
