//! Tauri's build step: embeds tauri.conf.json, the capabilities and (with custom-protocol) ui/dist,
//! and declares the console's own commands, so that each needs a permission: the webview may call
//! only those its capability (`capabilities/default.json`) grants.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "forward",
        "viewport",
        "export_cases",
        "export_briefing",
        "export_document",
        "connection_status",
        "service_info",
        "live_source",
        "use_service",
        "outbox",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .unwrap_or_else(|e| panic!("tauri build step: {e:#}"));
}
