//! The shipped pre-trained network (`web/assets/pretrained.net`, `make pretrained`),
//! fetched at first load when neither a link nor the autosave supplied a network.

use super::context::{Adoption, Request};
use super::dom::then2;
use super::{act, Shared};
use crate::protocol::WireNetwork;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Response;

/// Where Trunk puts the shipped network.
const PRETRAINED_URL: &str = "assets/pretrained.net";

fn failed(app: &Shared, why: &str) {
    act(app, |a| {
        a.cx.show_error(&format!(
            "The pre-trained network could not be loaded ({why}); starting from fresh seeded weights instead."
        ))
    });
}

fn adopt(app: &Shared, bytes: &[u8]) {
    let file = match flipflop_formats::netfile::decode(bytes) {
        Ok(f) => f,
        Err(e) => return failed(app, &e.to_string()),
    };
    act(app, |a| {
        // A link or the autosave came first, or the user already started: leave it.
        if a.cx.adopted || a.cx.run.running || a.cx.run.step != 0 {
            return;
        }
        // The queued fresh network is not needed any more.
        a.link.drop_queued_fresh_init();
        let (steps, seed) = (file.steps, file.config.seed);
        let trained_on = file.config.training_trial_len();
        a.cx.request(Request::Adopt(Box::new(Adoption {
            network: Some(WireNetwork::from_network(&file.network)),
            config: crate::state::form::with_preset_training(file.config),
            steps,
            status: format!(
                "Showing a network pre-trained for {steps} steps on {trained_on}-step trials (preset default, \
                 seed {seed}): play with it in Live play. Train continues training it with the preset's \
                 settings; Reset starts from fresh seeded weights."
            ),
            history: None,
            pretrained: true,
            optimiser: None,
        })));
    });
}

/// Fetches and adopts the pre-trained network (unless something else was adopted by the
/// time it arrives); a failure is shown and the fresh network stays.
pub fn fetch(app: &Shared) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let a = app.clone();
    let on_bytes = Closure::once_into_js(move |buf: JsValue| {
        let bytes = js_sys::Uint8Array::new(&buf).to_vec();
        adopt(&a, &bytes);
    });
    let a = app.clone();
    let on_fail = Closure::once_into_js(move |e: JsValue| {
        failed(&a, &e.as_string().unwrap_or_else(|| format!("{e:?}")));
    });
    let a = app.clone();
    let fail2 = on_fail.clone();
    let on_response = Closure::once_into_js(move |r: JsValue| {
        let Ok(resp) = r.dyn_into::<Response>() else {
            return failed(&a, "not an HTTP response");
        };
        if !resp.ok() {
            return failed(&a, &format!("HTTP {} for {PRETRAINED_URL}", resp.status()));
        }
        match resp.array_buffer() {
            Ok(p) => then2(&p, &on_bytes, &fail2),
            Err(e) => failed(&a, &format!("{e:?}")),
        }
    });
    then2(
        &window.fetch_with_str(PRETRAINED_URL),
        &on_response,
        &on_fail,
    );
}
