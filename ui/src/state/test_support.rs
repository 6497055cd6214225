//! Fixtures of the state tests.

#![allow(clippy::unwrap_used)]

use cityops_api::{CaseDto, CaseStatus, Channel, EventBody, LiveEvent, Stage, Timestamp, TypeKey, TypeKind};

/// A timestamp from RFC 3339.
pub fn t(s: &str) -> Timestamp {
    chrono::DateTime::parse_from_rfc3339(s).unwrap()
}

/// A case in `stage` at 五四广场.
pub fn case(id: i64, stage: Stage, overdue: bool) -> CaseDto {
    CaseDto {
        id,
        case_no: format!("QD20261129{id:06}"),
        type_key: TypeKey { kind: TypeKind::Matter, code: "06010".into() },
        channel: Channel::Inspector,
        stage,
        status: if stage == Stage::Evaluate { CaseStatus::Closed } else { CaseStatus::Active },
        lon: 120.38,
        lat: 36.07,
        address: "香港中路".into(),
        description: String::new(),
        grid_code: "370202001001001".into(),
        community_code: "370202001001".into(),
        street_code: "370202001".into(),
        district_code: "370202".into(),
        unit_code: None,
        deadline: None,
        deadline_provisional: false,
        overdue,
        rework_count: 0,
        supervise_count: 0,
        media: vec![],
        camera_id: None,
        source_ref: None,
        created_at: t("2026-11-29T09:00:00+08:00"),
        updated_at: t("2026-11-29T09:00:00+08:00"),
        history: vec![],
        events: vec![],
    }
}

/// A live event.
pub fn ev(id: u64, at: &str, body: EventBody) -> LiveEvent {
    LiveEvent { id, at: t(at), body }
}
