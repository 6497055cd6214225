//! Tauri's build step: embeds tauri.conf.json, the capabilities and (with custom-protocol) ui/dist.

fn main() {
    tauri_build::build();
}
