//! Shared fixtures for the cityops benchmarks.
