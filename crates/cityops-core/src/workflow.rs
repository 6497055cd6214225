//! (placeholder: filled by the workflow work)
