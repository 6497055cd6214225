//! (placeholder: filled by the formats work)
