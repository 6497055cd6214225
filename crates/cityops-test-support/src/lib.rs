//! Fixtures for the tests of every cityops crate: one synthetic case and the helpers to place it
//! in time and on the grid. A dev-dependency only (`tests/deps.rs` checks that nothing ships it).
//!
//! Tests change what they care about with struct update syntax, so each test still states the
//! fields its assertion depends on:
//!
//! ```
//! use cityops_api::{CaseDto, CaseStatus};
//! use cityops_test_support::{case, ts};
//!
//! let closed = CaseDto { status: CaseStatus::Closed, updated_at: ts("2027-01-02T09:00:00+08:00"), ..case(7) };
//! assert_eq!(closed.case_no, "QD20261129000007");
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::missing_panics_doc,
    reason = "fixtures: a bad literal is a bug in the test"
)]

use cityops_api::{CaseDto, CaseStatus, Channel, EventBody, LiveEvent, Stage, Timestamp, TypeKey, TypeKind};

/// The grid cell of the fixture case (市南区, 370202; a synthetic 15-digit code).
pub const GRID: &str = "370202011003001";

/// When the fixture case was reported (a Sunday morning, China Standard Time).
pub const CREATED: &str = "2026-11-29T09:00:00+08:00";

/// A timestamp from RFC 3339 (with its offset).
pub fn ts(s: &str) -> Timestamp {
    chrono::DateTime::parse_from_rfc3339(s).unwrap()
}

/// A synthetic case numbered `id`: 暴露垃圾 (matter 06010) reported by an inspector at 五四广场,
/// active in the 任务处理 stage, in grid [`GRID`], created and last updated at [`CREATED`], with no
/// deadline, no unit, no history.
pub fn case(id: i64) -> CaseDto {
    CaseDto {
        id,
        case_no: format!("QD20261129{id:06}"),
        type_key: TypeKey { kind: TypeKind::Matter, code: "06010".into() },
        channel: Channel::Inspector,
        stage: Stage::Handle,
        status: CaseStatus::Active,
        lon: 120.3826,
        lat: 36.0671,
        address: "五四广场 (synthetic test case)".into(),
        description: "暴露垃圾 (synthetic test case)".into(),
        grid_code: GRID.into(),
        community_code: GRID[..12].into(),
        street_code: GRID[..9].into(),
        district_code: GRID[..6].into(),
        unit_code: None,
        deadline: None,
        deadline_provisional: false,
        overdue: false,
        due_soon_at: None,
        due_soon: false,
        merged_into: None,
        merged: Vec::new(),
        rework_count: 0,
        supervise_count: 0,
        media: vec![],
        camera_id: None,
        source_ref: None,
        reporter: None,
        created_at: ts(CREATED),
        updated_at: ts(CREATED),
        history: vec![],
        events: vec![],
    }
}

/// `case` moved into grid cell `grid` (15 digits): community, street and district follow from its
/// prefixes (GB/T 30428.2 grid codes).
pub fn in_grid(case: CaseDto, grid: &str) -> CaseDto {
    assert_eq!(grid.len(), 15, "grid codes have 15 digits: {grid}");
    CaseDto {
        grid_code: grid.into(),
        community_code: grid[..12].into(),
        street_code: grid[..9].into(),
        district_code: grid[..6].into(),
        ..case
    }
}

/// A live event numbered `id` at `at` (RFC 3339).
pub fn event(id: u64, at: &str, body: EventBody) -> LiveEvent {
    LiveEvent { id, at: ts(at), body }
}

/// The live event of a case changing.
pub fn case_event(case: CaseDto) -> EventBody {
    EventBody::Case { case: Box::new(case) }
}

/// A fresh PostgreSQL database (its name starts `cityops_{label}_`) beside the one
/// `CITYOPS_TEST_PG_URL` names, so every run starts clean; None — allowed only outside CI (a CI
/// without it fails) — when no PostgreSQL is configured.
#[cfg(feature = "pg")]
pub async fn fresh_pg_url(label: &str) -> Option<String> {
    use sqlx::Connection;
    let Ok(url) = std::env::var("CITYOPS_TEST_PG_URL") else {
        assert!(std::env::var("CI").is_err(), "CI must provide CITYOPS_TEST_PG_URL");
        #[allow(clippy::print_stderr, reason = "says why a test did less")]
        {
            eprintln!("CITYOPS_TEST_PG_URL not set: PostgreSQL run skipped here");
        }
        return None;
    };
    let name = format!(
        "cityops_{label}_{}_{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    );
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str()).await.unwrap();
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    Some(format!("{base}/{name}"))
}

/// A penalty file as a lead registers it (id 0, no number yet), in district `district` at
/// `at`: matter `01001`, at 香港中路, transferred from `case_id` when given.
pub fn enf_file(district: &str, at: &str, case_id: Option<i64>) -> cityops_api::EnfFileDto {
    use cityops_api::{EnfAction, EnfFileDto, EnfStage, EnfStatus, EnfStepDto, Procedure};
    let at = ts(at);
    EnfFileDto {
        id: 0,
        file_no: String::new(),
        matter: "01001".into(),
        matter_name: "擅自占道经营".into(),
        procedure: Procedure::Ordinary,
        stage: EnfStage::Clue,
        status: EnfStatus::Active,
        party: None,
        lon: 120.38,
        lat: 36.06,
        address: "香港中路 10 号".into(),
        district_code: district.into(),
        facts: "在人行道摆摊经营".into(),
        case_id,
        case_no: case_id.map(|c| format!("QD20261206{c:07}")),
        registered_at: at,
        filed_at: None,
        evidence: Vec::new(),
        correct_by: None,
        penalty: None,
        major: false,
        hearing_right: false,
        notified_at: None,
        decided_at: None,
        served_at: None,
        service: None,
        paid_yuan: 0,
        extended_days: 0,
        suspended_days: 0,
        suspended_at: None,
        limits: Vec::new(),
        overdue: false,
        due_soon: false,
        documents: Vec::new(),
        steps: vec![EnfStepDto {
            action: EnfAction::Register,
            from: EnfStage::Clue,
            to: EnfStage::Clue,
            actor: "zf-01".into(),
            role: cityops_api::Role::LawOfficer,
            at,
            note: String::new(),
        }],
        updated_at: at,
        version: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_prefixes_follow_the_cell() {
        let c = in_grid(case(1), "370203005002004");
        assert_eq!(
            (c.district_code.as_str(), c.street_code.as_str(), c.community_code.as_str()),
            ("370203", "370203005", "370203005002")
        );
    }

    #[test]
    #[should_panic(expected = "15 digits")]
    fn a_short_grid_code_is_refused() {
        let _ = in_grid(case(1), "3702");
    }
}
