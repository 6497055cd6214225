//! (placeholder: filled by the locate work)
