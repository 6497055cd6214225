//! `cityops-desktop`: the command console. All logic lives in the library.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    cityops_desktop::run();
}
