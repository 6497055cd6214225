//! The dependency rules of ARCHITECTURE.md, checked against `cargo metadata`.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

fn workspace_deps() -> BTreeMap<String, Vec<(String, Option<String>)>> {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| (d["name"].as_str().unwrap().to_owned(), d["kind"].as_str().map(str::to_owned)))
                .collect();
            (p["name"].as_str().unwrap().to_owned(), deps)
        })
        .collect()
}

/// Normal (non-dev, non-build) dependencies of a package.
fn normal<'a>(all: &'a BTreeMap<String, Vec<(String, Option<String>)>>, pkg: &str) -> Vec<&'a str> {
    all.get(pkg)
        .unwrap_or_else(|| panic!("{pkg} is not a workspace member"))
        .iter()
        .filter(|(_, kind)| kind.is_none())
        .map(|(n, _)| n.as_str())
        .collect()
}

const RUNTIME: &[&str] = &["tokio", "axum", "sqlx", "reqwest", "tauri", "leptos", "hyper"];

#[test]
fn the_wire_contract_is_a_leaf() {
    let all = workspace_deps();
    let api = normal(&all, "cityops-api");
    assert!(api.iter().all(|d| !d.starts_with("cityops")), "{api:?}");
    assert!(api.iter().all(|d| !RUNTIME.contains(d)), "{api:?}");
}

#[test]
fn the_core_does_no_io_and_knows_only_the_contract() {
    let all = workspace_deps();
    let core = normal(&all, "cityops-core");
    assert!(core.iter().filter(|d| d.starts_with("cityops")).all(|d| *d == "cityops-api"), "{core:?}");
    assert!(core.iter().all(|d| !RUNTIME.contains(d)), "{core:?}");
}

#[test]
fn the_store_persists_the_contract_not_the_core() {
    let all = workspace_deps();
    let store = normal(&all, "cityops-store");
    assert!(store.iter().filter(|d| d.starts_with("cityops")).all(|d| *d == "cityops-api"), "{store:?}");
}

#[test]
fn only_the_launcher_embeds_the_service_and_the_simulation() {
    let all = workspace_deps();
    let dependents = |name: &str| -> Vec<&str> {
        all.iter()
            .filter(|(_, deps)| deps.iter().any(|(d, kind)| d == name && kind.is_none()))
            .map(|(p, _)| p.as_str())
            .collect()
    };
    // The launcher composes service and simulated city (the `cityops-server` binary, the
    // console's embedded default); everything else talks HTTP to the service.
    assert_eq!(dependents("cityops-server"), vec!["cityops-launcher"]);
    assert_eq!(dependents("cityops-sim"), vec!["cityops-launcher"]);
    assert_eq!(dependents("cityops-launcher"), vec!["cityops-desktop"]);
}

#[test]
fn test_fixtures_never_ship() {
    let all = workspace_deps();
    let shipped: Vec<&str> = all
        .iter()
        .filter(|(_, deps)| {
            deps.iter().any(|(d, kind)| d == "cityops-test-support" && kind.as_deref() != Some("dev"))
        })
        .map(|(p, _)| p.as_str())
        .collect();
    assert!(shipped.is_empty(), "cityops-test-support is a dev-dependency only: {shipped:?}");
}

#[test]
fn the_service_runs_without_the_simulation() {
    let all = workspace_deps();
    let server = normal(&all, "cityops-server");
    assert!(!server.contains(&"cityops-sim"), "{server:?}");
}

#[test]
fn the_ui_knows_only_the_contract_and_browser_crates() {
    let all = workspace_deps();
    let ui = normal(&all, "cityops-ui");
    assert!(
        ui.iter().filter(|d| d.starts_with("cityops")).all(|d| [
            "cityops-api",
            "cityops-client",
            "cityops-charts"
        ]
        .contains(d)),
        "{ui:?}"
    );
    // The charts are drawing only: the contract and plotters.
    let charts = normal(&all, "cityops-charts");
    assert!(charts.iter().all(|d| ["cityops-api", "plotters", "thiserror"].contains(d)), "{charts:?}");
    const ALLOWED: &[&str] = &[
        "cityops-api",
        "cityops-client",
        "cityops-charts",
        "serde",
        "serde_urlencoded",
        "serde_json",
        "chrono",
        "leptos",
        "wasm-bindgen",
        "wasm-bindgen-futures",
        "js-sys",
        "web-sys",
        "console_error_panic_hook",
    ];
    assert!(ui.iter().all(|d| ALLOWED.contains(d) || d.starts_with("gloo")), "{ui:?}");
}

#[test]
fn the_briefing_composes_and_writes_only() {
    let all = workspace_deps();
    let briefing = normal(&all, "cityops-briefing");
    const ALLOWED: &[&str] =
        &["cityops-api", "cityops-charts", "chrono", "thiserror", "krilla", "krilla-svg", "resvg"];
    assert!(briefing.iter().all(|d| ALLOWED.contains(d)), "{briefing:?}");
    // Only the service makes briefings; the console and the core never link a PDF writer.
    for c in ["cityops-ui", "cityops-core", "cityops-api", "cityops-client"] {
        assert!(!normal(&all, c).contains(&"cityops-briefing"), "{c}");
    }
}

#[test]
fn the_client_knows_only_the_contract() {
    let all = workspace_deps();
    let client = normal(&all, "cityops-client");
    assert!(client.iter().filter(|d| d.starts_with("cityops")).all(|d| *d == "cityops-api"), "{client:?}");
}
