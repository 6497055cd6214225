//! cityops-ui: the desktop command console's one-screen Qingdao map, a Leptos (CSR) app compiled
//! to `wasm32-unknown-unknown`. It runs inside the Tauri shell (IO through `invoke`) or in a
//! browser against the service (HTTP + Server-Sent Events); see [`backend`](crate) on wasm.
//!
//! Capabilities by category:
//! - view arithmetic: [`geo`] (web-mercator view, pan/zoom about a point, scale bar, fly-to)
//! - base map: [`geojson`] (city-pack layers prepared as local-space paths with label anchors)
//! - look: [`style`] (stage, status and layer colours, donut clusters, zoom thresholds)
//! - words: [`i18n`] (zh-CN default, English toggle), [`keys`] (keyboard shortcuts)
//! - live state: [`state`] (the picture, event application, freshness, queries, hit testing)
//! - browser side (wasm32 only): `backend` (the only module doing IO, through `cityops-client`),
//!   `data` (the reactive state by concern, resources and actions), `render` (canvas drawing),
//!   `views` (Leptos components, one per file)
//!
//! Architecture invariant: the plain modules above use no web API, so `cargo test -p cityops-ui`
//! runs on the host; everything touching the DOM, canvas or network is `cfg(target_arch =
//! "wasm32")`.

pub mod geo;
pub mod geojson;
pub mod i18n;
pub mod keys;
pub mod state;
pub mod style;

#[cfg(target_arch = "wasm32")]
pub mod backend;
#[cfg(target_arch = "wasm32")]
pub mod data;
#[cfg(target_arch = "wasm32")]
pub mod render;
#[cfg(target_arch = "wasm32")]
pub mod views;

/// Entry point called by the page's module script: installs the panic hook and mounts the app.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(views::App);
}
