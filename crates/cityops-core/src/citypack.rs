//! (placeholder: filled by the citypack work)
