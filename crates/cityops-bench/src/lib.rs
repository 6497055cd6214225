//! Shared fixtures for the cityops benchmarks.

pub mod index;
