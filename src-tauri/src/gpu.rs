//! How the page is drawn: with the GPU, or on the CPU alone.
//!
//! WebKitGTK composites the page (and accelerates the map's 2D canvas) with OpenGL. Without a GPU
//! (no DRM render node: a VM, Xvfb, a remote desktop) that OpenGL is Mesa's llvmpipe, which
//! rasterises on the CPU through a GL pipeline: on this project's 2-core VM a 2150×1977 wall frame
//! took about 500 ms that way and 25 ms with compositing off, and the web process held 805 MB
//! against 366 MB. So by default the console turns accelerated compositing off when the machine
//! has no render node, and leaves WebKit's own choice on a machine with a GPU; `--gpu on|off`
//! decides instead.

use clap::ValueEnum;

/// The `--gpu` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Gpu {
    /// Accelerate when the machine has a GPU render node (`/dev/dri/renderD*`).
    #[default]
    Auto,
    /// WebKit's own choice (accelerated compositing where it can).
    On,
    /// Draw the page on the CPU, without accelerated compositing.
    Off,
}

/// Whether to leave WebKit's accelerated compositing on.
pub fn accelerate(gpu: Gpu, render_node: bool) -> bool {
    match gpu {
        Gpu::Auto => render_node,
        Gpu::On => true,
        Gpu::Off => false,
    }
}

/// Whether the machine has a DRM render node (a GPU that OpenGL can use).
pub fn has_render_node() -> bool {
    std::fs::read_dir("/dev/dri")
        .is_ok_and(|dir| dir.flatten().any(|e| e.file_name().to_string_lossy().starts_with("renderD")))
}

/// Apply the choice to the window's web view (WebKitGTK's hardware acceleration policy).
#[cfg(target_os = "linux")]
pub fn apply<R: tauri::Runtime>(w: &tauri::WebviewWindow<R>, gpu: Gpu) {
    let render_node = has_render_node();
    if accelerate(gpu, render_node) {
        tracing::info!(?gpu, render_node, "page drawn with the GPU (accelerated compositing)");
        return;
    }
    tracing::info!(?gpu, render_node, "page drawn on the CPU (accelerated compositing off)");
    let done = w.with_webview(|pw| {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
        if let Some(settings) = pw.inner().settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    });
    if let Err(e) = done {
        tracing::warn!(error = %e, "the web view's acceleration policy could not be set");
    }
}

/// Elsewhere the platform's web view decides.
#[cfg(not(target_os = "linux"))]
pub fn apply<R: tauri::Runtime>(_w: &tauri::WebviewWindow<R>, gpu: Gpu) {
    tracing::info!(?gpu, "page drawing left to the platform's web view");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_follows_the_render_node_and_the_option_overrides_it() {
        for (gpu, node, want) in [
            (Gpu::Auto, true, true),
            (Gpu::Auto, false, false),
            (Gpu::On, false, true),
            (Gpu::On, true, true),
            (Gpu::Off, true, false),
            (Gpu::Off, false, false),
        ] {
            assert_eq!(accelerate(gpu, node), want, "{gpu:?} with render node {node}");
        }
    }
}
