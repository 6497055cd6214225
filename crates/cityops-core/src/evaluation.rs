//! (placeholder: filled by the evaluation work)
