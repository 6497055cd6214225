//! Shared fixtures for the cityops benchmarks.

pub mod index;
pub mod report;
pub mod scenario;
