//! (placeholder: filled by the org work)
