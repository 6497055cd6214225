//! `cityops-desktop`: the command console. All logic lives in the library.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// The Rust side's allocator (the service, the simulator, the shell). glibc's malloc gives each
/// busy thread an arena of its own and keeps what they free; jemalloc returns freed pages, and
/// the console holds about 50 MB less (BENCHMARKS.md, "A light console"). GTK and WebKit keep the
/// system allocator. Off without the `jemalloc` feature, for heap profilers that hook the system's
/// malloc.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    cityops_desktop::run();
}
