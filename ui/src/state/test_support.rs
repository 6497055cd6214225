//! Fixtures of the state tests.

#![allow(clippy::unwrap_used)]

use cityops_api::{CaseDto, CaseStatus, Stage};

pub use cityops_test_support::{event as ev, ts as t};

/// A case in `stage` at 五四广场.
pub fn case(id: i64, stage: Stage, overdue: bool) -> CaseDto {
    CaseDto {
        stage,
        status: if stage == Stage::Evaluate { CaseStatus::Closed } else { CaseStatus::Active },
        lon: 120.38,
        lat: 36.07,
        address: "香港中路".into(),
        description: String::new(),
        overdue,
        ..cityops_test_support::in_grid(cityops_test_support::case(id), "370202001001001")
    }
}
