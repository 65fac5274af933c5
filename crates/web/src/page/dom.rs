//! Small DOM helpers shared by the components.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element};

/// The element `#id` as type `T`; a missing or mistyped element names the id.
pub fn by_id<T: JsCast>(doc: &Document, id: &str) -> Result<T, JsValue> {
    doc.get_element_by_id(id)
        .ok_or_else(|| JsValue::from_str(&format!("index.html lacks #{id}")))?
        .dyn_into::<T>()
        .map_err(|_| JsValue::from_str(&format!("#{id} has the wrong element type")))
}

/// Adds an event listener for the page's lifetime (typed event `E`).
pub fn on<E: wasm_bindgen::convert::FromWasmAbi + 'static>(
    target: &web_sys::EventTarget,
    kind: &str,
    f: impl FnMut(E) + 'static,
) -> Result<(), JsValue> {
    let cb = Closure::<dyn FnMut(E)>::new(f);
    target.add_event_listener_with_callback(kind, cb.as_ref().unchecked_ref())?;
    cb.forget();
    Ok(())
}

/// `promise.then(ok, fail)` with one-shot JS functions (from `Closure::once_into_js`, which
/// free themselves when called).
pub fn then2(promise: &js_sys::Promise, ok: &JsValue, fail: &JsValue) {
    let then = js_sys::Reflect::get(promise, &"then".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(then) = then {
        let _ = then.call2(promise, ok, fail);
    }
}

/// The closest element (from the event target up) that has `attr`.
pub fn closest_with(e: &web_sys::Event, attr: &str) -> Option<Element> {
    e.target()?
        .dyn_into::<Element>()
        .ok()?
        .closest(&format!("[{attr}]"))
        .ok()
        .flatten()
}

/// Sets or removes a boolean-ish ARIA attribute (`"true"` / `"false"`).
pub fn set_flag(el: &Element, attr: &str, on: bool) {
    let _ = el.set_attribute(attr, if on { "true" } else { "false" });
}
