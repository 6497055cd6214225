// Start the console (a file, not an inline script: the desktop shell's content security policy
// runs no inline script).
import init from "./pkg/cityops_ui.js";
window.cityops = {}; // the app adds bench_frames(n) for performance checks
init({ module_or_path: "./pkg/cityops_ui_bg.wasm" });
