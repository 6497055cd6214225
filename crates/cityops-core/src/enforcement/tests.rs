use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use cityops_api::{
    DocKind, EnfAction, EnfFileDto, EnfStage, EnfStatus, EnfStepRequest, EvidenceDto, EvidenceKind, FineUnit,
    OfficerDto, PartyDto, PartyKind, PenaltyDto, Role, ServiceMethod,
};
use proptest::prelude::*;

use super::*;
use crate::calendar::{Calendar, to_timestamp};
use crate::workflow::Actor;

const CALENDAR: &str = include_str!("../../../../assets/calendar/cn_workdays.toml");

/// A small list in the file's format: yuan levels, per-m² levels and per-mille-of-cost levels.
const FIXTURE: &str = r#"
[thresholds]
summary_max_citizen = 200
summary_max_organisation = 3000
hearing_min_citizen = 10000
hearing_min_organisation = 100000
major_min_citizen = 30000
major_min_organisation = 300000
basis = "fixture"
confidence = "derived"

[[field]]
code = "01"
name = "市容环卫"
name_en = "City appearance"

[[field]]
code = "04"
name = "城乡规划"
name_en = "Planning"

[[matter]]
code = "01001"
field = "01"
name = "擅自占道经营"
name_en = "Street vending"
offence_basis = "条例第十四条"
penalty_basis = "条例第三十四条"
penalty = "责令改正，可以并处罚款"
parties = ["citizen", "organisation"]
orders_correction = true
problem_types = [{ kind = "matter", code = "0501" }]
confidence = "derived"
basis = "fixture"
[[matter.level]]
level = "轻微"
facts = "首次"
unit = "yuan"
min = 0
max = 50
[[matter.level]]
level = "一般"
facts = "再次"
unit = "yuan"
min = 50
max = 200
[[matter.level]]
level = "严重"
facts = "多次"
unit = "yuan"
min = 200
max = 50000

[[matter]]
code = "01002"
field = "01"
name = "乱倒垃圾"
name_en = "Dumping"
offence_basis = "第十一条"
penalty_basis = "第三十六条"
penalty = "罚款"
parties = ["citizen"]
orders_correction = false
problem_types = [{ kind = "matter", code = "0501" }, { kind = "matter", code = "06010" }]
confidence = "derived"
basis = "fixture"
[[matter.level]]
level = "一般"
facts = "面积"
unit = "yuan_per_m2"
min = 5
max = 20

[[matter]]
code = "04001"
field = "04"
name = "未取得建设工程规划许可证进行建设"
name_en = "Building without a permit"
offence_basis = "《城乡规划法》第四十条"
penalty_basis = "《城乡规划法》第六十四条"
penalty = "限期改正，处建设工程造价百分之五以上百分之十以下的罚款"
parties = ["citizen", "organisation"]
orders_correction = true
problem_types = [{ kind = "matter", code = "06001" }]
confidence = "recalled"
basis = "fixture"
[[matter.level]]
level = "一般"
facts = "可改正"
unit = "permille_of_cost"
min = 50
max = 80
[[matter.level]]
level = "严重"
facts = "情节严重"
unit = "permille_of_cost"
min = 80
max = 100
"#;

struct World {
    matters: MatterList,
    calendar: Calendar,
}

impl World {
    fn new() -> World {
        World {
            matters: MatterList::from_toml(FIXTURE).unwrap(),
            calendar: Calendar::from_toml(CALENDAR).unwrap(),
        }
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx { matters: &self.matters, calendar: &self.calendar }
    }
}

fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn officer() -> Actor {
    Actor::new("zf-01", Role::LawOfficer).in_district("370202")
}

fn chief() -> Actor {
    Actor::new("fz-01", Role::EnforcementChief).in_district("370202")
}

fn reviewer() -> Actor {
    Actor::new("fs-01", Role::LegalReviewer)
}

fn two() -> Vec<OfficerDto> {
    vec![
        OfficerDto { name: "王强".into(), cert_no: "37020001".into() },
        OfficerDto { name: "李明".into(), cert_no: "37020002".into() },
    ]
}

fn party(kind: PartyKind) -> PartyDto {
    PartyDto {
        kind,
        name: "张三".into(),
        id_number: "370202199001011234".into(),
        address: "市南区香港中路".into(),
        phone: String::new(),
    }
}

fn lead(matter: &str) -> Lead {
    Lead {
        id: 1,
        file_no: "ZF3702022026120600001".into(),
        matter: matter.into(),
        lon: 120.38,
        lat: 36.06,
        address: "香港中路 10 号".into(),
        district_code: "370202".into(),
        facts: "在人行道摆摊经营".into(),
        party: Some(party(PartyKind::Citizen)),
        case: Some((7, "QD20261206000007".into())),
        evidence: Vec::new(),
    }
}

fn step(action: EnfAction) -> EnfStepRequest {
    EnfStepRequest::new(action, 0)
}

fn record(kind: EvidenceKind, at: NaiveDateTime) -> EvidenceDto {
    EvidenceDto {
        kind,
        summary: "询问当事人，承认占道经营".into(),
        media: Vec::new(),
        officers: two(),
        taken_at: to_timestamp(at),
        from_case: false,
    }
}

fn penalty(level: usize, fine: u64) -> PenaltyDto {
    PenaltyDto { level, quantity: 0, fine_yuan: fine, ..PenaltyDto::default() }
}

/// Take a step that must succeed, returning the new file and the documents it issued.
#[track_caller]
fn ok(
    w: &World,
    f: &EnfFileDto,
    s: EnfStepRequest,
    who: &Actor,
    at: NaiveDateTime,
) -> (EnfFileDto, Vec<DocKind>) {
    match apply(f, &s, who, &w.ctx(), at) {
        Ok(a) => (a.file, a.issue.iter().map(|i| i.kind).collect()),
        Err(e) => panic!("{:?} refused: {e}", s.action),
    }
}

#[track_caller]
fn refused(w: &World, f: &EnfFileDto, s: EnfStepRequest, who: &Actor, at: NaiveDateTime) -> EnforcementError {
    match apply(f, &s, who, &w.ctx(), at) {
        Ok(_) => panic!("{:?} was allowed", s.action),
        Err(e) => e,
    }
}

// ───────────────────────────── the matter list ─────────────────────────────

#[test]
fn a_malformed_list_is_refused_naming_what_is_wrong() {
    let cases: [(&str, &str, &str); 6] = [
        ("code = \"01001\"", "code = \"0100\"", "matter 0100: the code must have 5 digits"),
        ("field = \"04\"\nname = \"未取得", "field = \"09\"\nname = \"未取得", "field \"09\" is not listed"),
        ("min = 80\nmax = 100", "min = 70\nmax = 100", "starts at 70 below the previous level's max 80"),
        ("min = 5\nmax = 20", "min = 25\nmax = 20", "min 25 is above max 20"),
        ("parties = [\"citizen\"]", "parties = []", "no party can commit it"),
        ("summary_max_citizen = 200", "summary_max_citizen = 20000", "summary ceiling must lie below"),
    ];
    for (from, to, want) in cases {
        assert!(FIXTURE.contains(from), "fixture lacks {from}");
        let text = FIXTURE.replacen(from, to, 1);
        let e = MatterList::from_toml(&text).unwrap_err().to_string();
        assert!(e.contains(want), "{to}: {e}");
    }
    let twice = format!("{FIXTURE}\n[[field]]\ncode = \"01\"\nname = \"x\"\nname_en = \"x\"\n");
    assert!(MatterList::from_toml(&twice).unwrap_err().to_string().contains("field 01 is listed twice"));
    let mixed = FIXTURE.replacen("unit = \"yuan\"\nmin = 50", "unit = \"yuan_per_m2\"\nmin = 50", 1);
    assert!(MatterList::from_toml(&mixed).unwrap_err().to_string().contains("another unit"));
}

#[test]
fn problem_types_lead_to_their_matters() {
    let w = World::new();
    let key = |code: &str| cityops_api::TypeKey { kind: cityops_api::TypeKind::Matter, code: code.into() };
    let codes =
        |code: &str| w.matters.for_type(&key(code)).iter().map(|m| m.code.clone()).collect::<Vec<_>>();
    assert_eq!(codes("0501"), ["01001", "01002"]);
    assert_eq!(codes("06001"), ["04001"]);
    assert!(codes("0101").is_empty());
    assert_eq!(w.matters.to_dto().matters.len(), 3);
}

#[test]
fn a_fine_outside_its_discretion_level_is_refused() {
    let w = World::new();
    let m = |c: &str| w.matters.get(c).unwrap();
    let check = |code: &str, p: PenaltyDto| check_penalty(m(code), PartyKind::Citizen, &p);
    // Yuan levels: the bounds are inclusive.
    assert!(check("01001", penalty(1, 50)).is_ok());
    assert!(check("01001", penalty(1, 200)).is_ok());
    assert!(matches!(
        check("01001", penalty(1, 201)),
        Err(EnforcementError::FineOutOfRange { min: 50, max: 200, fine: 201, .. })
    ));
    assert!(matches!(check("01001", penalty(1, 49)), Err(EnforcementError::FineOutOfRange { .. })));
    assert!(matches!(check("01001", penalty(3, 49)), Err(EnforcementError::NoSuchLevel { levels: 3, .. })));
    // A zero fine is a penalty only with a warning (or a demolition order).
    assert_eq!(check("01001", penalty(0, 0)), Err(EnforcementError::EmptyPenalty));
    assert!(check("01001", PenaltyDto { warning: true, ..penalty(0, 0) }).is_ok());
    // Per m²: 12 m² at 5–20 yuan/m² is 60–240 yuan; the area is required.
    let per_m2 = |q: u64, fine: u64| PenaltyDto { quantity: q, ..penalty(0, fine) };
    assert!(check("01002", per_m2(12, 60)).is_ok());
    assert!(check("01002", per_m2(12, 240)).is_ok());
    assert!(matches!(
        check("01002", per_m2(12, 241)),
        Err(EnforcementError::FineOutOfRange { max: 240, .. })
    ));
    assert!(matches!(check("01002", per_m2(0, 60)), Err(EnforcementError::MissingField { .. })));
    // Only citizens commit 01002.
    assert!(matches!(
        check_penalty(m("01002"), PartyKind::Organisation, &per_m2(12, 60)),
        Err(EnforcementError::PartyNotLiable { .. })
    ));
    // 5–8 % of a 1,000,001-yuan building is 50,000.05–80,000.08 yuan: whole yuan inside it.
    let cost = |fine: u64| PenaltyDto { quantity: 1_000_001, ..penalty(0, fine) };
    assert!(matches!(
        check("04001", cost(50_000)),
        Err(EnforcementError::FineOutOfRange { min: 50_001, .. })
    ));
    assert!(check("04001", cost(50_001)).is_ok());
    assert!(check("04001", cost(80_000)).is_ok());
    assert!(check("04001", cost(80_001)).is_err());
    assert_eq!(fine_range(&m("04001").levels[0], 1_000_001), (50_001, 80_000));
    assert_eq!(m("04001").levels[0].unit, FineUnit::PermilleOfCost);
}

// ───────────────────────────── periods ─────────────────────────────

/// The oracle: count days one by one as the law says, with the calendar's day kinds.
fn oracle(cal: &Calendar, from: NaiveDate, p: Period) -> NaiveDate {
    let mut day = from;
    match p.count {
        DayCount::Working => {
            let mut n = 0;
            while n < p.days {
                day = day.succ_opt().unwrap();
                if cal.is_working_day(day).unwrap() {
                    n += 1;
                }
            }
            day
        }
        DayCount::Natural => {
            for _ in 0..p.days {
                day = day.succ_opt().unwrap();
            }
            while !cal.is_working_day(day).unwrap() {
                day = day.succ_opt().unwrap();
            }
            day
        }
    }
}

#[test]
fn working_day_periods_skip_the_national_day_holiday_and_count_makeup_days() {
    let w = World::new();
    let cal = &w.calendar;
    // The 2026 notice: 国庆 1–7 Oct off, Saturday 10 Oct worked.
    assert!(!cal.is_working_day(d("2026-10-05")).unwrap());
    assert!(cal.is_working_day(d("2026-10-10")).unwrap());
    // 7 working days from Tuesday 29 Sep: 30 Sep, 8, 9, 10 (Sat, worked), 12, 13, 14 Oct.
    assert_eq!(periods::last_day(cal, d("2026-09-29"), Period::working(7)).unwrap(), d("2026-10-14"));
    // The deadline is the end of that day.
    assert_eq!(
        periods::deadline(cal, t("2026-09-29 16:00"), Period::working(7)).unwrap(),
        t("2026-10-15 00:00")
    );
}

#[test]
fn a_natural_period_ending_on_a_day_off_ends_on_the_next_working_day() {
    let w = World::new();
    let cal = &w.calendar;
    // 15 days from 21 Sep 2026 is 6 Oct, inside 国庆: the period ends on Thursday 8 Oct.
    assert_eq!(periods::last_day(cal, d("2026-09-21"), Period::natural(15)).unwrap(), d("2026-10-08"));
    // 15 days from 1 Dec 2026 is Wednesday 16 Dec, a working day: unchanged.
    assert_eq!(periods::last_day(cal, d("2026-12-01"), Period::natural(15)).unwrap(), d("2026-12-16"));
}

#[test]
fn periods_cross_into_years_without_a_notice_by_the_statutory_rule() {
    let w = World::new();
    let cal = &w.calendar;
    // Filed on 20 Dec 2026: the 90-day limit runs into 2027 (and 2028 for longer ones), counted
    // on the statutory holidays alone.
    for (from, p) in [
        ("2026-12-20", Period::natural(90)),
        ("2026-12-28", Period::working(7)),
        ("2027-01-29", Period::working(5)),
        ("2027-12-25", Period::natural(120)),
        ("2099-09-28", Period::working(7)),
    ] {
        let got = periods::last_day(cal, d(from), p).unwrap();
        assert_eq!(got, oracle(cal, d(from), p), "{from} + {}", p.label());
        assert!(cal.is_working_day(got).unwrap());
    }
    // 元旦 2027 is a statutory day off whatever the notice says.
    assert!(!cal.is_working_day(d("2027-01-01")).unwrap());
    assert_eq!(periods::last_day(cal, d("2026-12-31"), Period::working(1)).unwrap().year(), 2027);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Every period from any day of 2025–2030 ends where counting day by day ends, on a working
    /// day, after its start.
    #[test]
    fn periods_agree_with_counting_day_by_day(offset in 0i64..2190, days in 1u32..100, working in any::<bool>()) {
        let w = World::new();
        let from = d("2025-01-01") + TimeDelta::days(offset);
        let p = if working { Period::working(days) } else { Period::natural(days) };
        let got = periods::last_day(&w.calendar, from, p).unwrap();
        prop_assert_eq!(got, oracle(&w.calendar, from, p));
        prop_assert!(got > from);
        prop_assert!(w.calendar.is_working_day(got).unwrap());
    }
}

// ───────────────────────────── the procedure ─────────────────────────────

#[test]
fn an_ordinary_file_walks_from_lead_to_archive_with_its_documents() {
    let w = World::new();
    let at = t("2026-12-07 09:00");
    let f = new_file(lead("01001"), &officer(), &w.ctx(), at).unwrap();
    assert_eq!((f.stage, f.status), (EnfStage::Clue, EnfStatus::Active));
    assert_eq!(f.limits[0].label, "立案审批");
    let mut docs = Vec::new();
    let mut go = |f: &EnfFileDto, s: EnfStepRequest, who: &Actor, at: NaiveDateTime| {
        let (f, issued) = ok(&w, f, s, who, at);
        docs.extend(issued);
        f
    };
    let f = go(&f, step(EnfAction::File), &chief(), t("2026-12-07 10:00"));
    assert_eq!(f.stage, EnfStage::Investigation);
    assert_eq!(f.limits[0].label, "作出处罚决定");
    // 90 days from 7 Dec 2026 is Sunday 7 Mar 2027: the period ends with Monday 8 Mar.
    assert_eq!(f.limits[0].deadline, to_timestamp(t("2027-03-09 00:00")));
    let f = go(
        &f,
        EnfStepRequest {
            evidence: Some(record(EvidenceKind::Interview, at)),
            ..step(EnfAction::AddEvidence)
        },
        &officer(),
        t("2026-12-07 11:00"),
    );
    let f = go(
        &f,
        EnfStepRequest {
            correct_by: Some(to_timestamp(t("2026-12-10 18:00"))),
            ..step(EnfAction::OrderCorrection)
        },
        &officer(),
        t("2026-12-07 11:10"),
    );
    let f = go(
        &f,
        EnfStepRequest { penalty: Some(penalty(1, 150)), ..step(EnfAction::Propose) },
        &officer(),
        t("2026-12-08 09:00"),
    );
    assert!(!f.major && !f.hearing_right);
    // A non-major case: the chief may approve it, and it goes straight to the notice.
    let f = go(&f, step(EnfAction::Approve), &chief(), t("2026-12-08 10:00"));
    assert_eq!(f.stage, EnfStage::Notice);
    let f = go(&f, step(EnfAction::Notify), &officer(), t("2026-12-08 11:00"));
    // The statement period (3 working days: 9, 10, 11 Dec) runs until the end of Friday 11 Dec.
    let e = refused(&w, &f, step(EnfAction::EndNotice), &officer(), t("2026-12-11 17:00"));
    assert_eq!(
        e,
        EnforcementError::PeriodRunning {
            what: "陈述申辩 (or note the party's waiver)",
            until: t("2026-12-12 00:00")
        }
    );
    assert!(matches!(
        refused(&w, &f, step(EnfAction::RequestHearing), &officer(), t("2026-12-09 09:00")),
        EnforcementError::NoHearingRight
    ));
    let f = go(&f, step(EnfAction::EndNotice), &officer(), t("2026-12-14 09:00"));
    // A heavier decision than notified needs a new notice.
    let heavier = EnfStepRequest { penalty: Some(penalty(1, 180)), ..step(EnfAction::Decide) };
    assert!(matches!(
        refused(&w, &f, heavier, &chief(), t("2026-12-14 10:00")),
        EnforcementError::HeavierThanNotified { notified: 150, decided: 180 }
    ));
    let f = go(
        &f,
        EnfStepRequest { penalty: Some(penalty(1, 100)), ..step(EnfAction::Decide) },
        &chief(),
        t("2026-12-14 10:00"),
    );
    assert_eq!(f.penalty.as_ref().unwrap().fine_yuan, 100);
    assert_eq!(f.limits[0].period, "7 工作日");
    let f = go(
        &f,
        EnfStepRequest { service: Some(ServiceMethod::Direct), ..step(EnfAction::Serve) },
        &officer(),
        t("2026-12-15 09:00"),
    );
    assert_eq!(f.stage, EnfStage::Execution);
    assert!(matches!(
        refused(
            &w,
            &f,
            EnfStepRequest { paid_yuan: Some(90), ..step(EnfAction::RecordPayment) },
            &officer(),
            t("2026-12-16 09:00")
        ),
        EnforcementError::PaymentMismatch { due: 100, paid: 90 }
    ));
    let f = go(
        &f,
        EnfStepRequest { paid_yuan: Some(100), ..step(EnfAction::RecordPayment) },
        &officer(),
        t("2026-12-16 09:00"),
    );
    assert_eq!((f.stage, f.status), (EnfStage::Closing, EnfStatus::Punished));
    let f = go(&f, step(EnfAction::Close), &chief(), t("2026-12-16 10:00"));
    let f = go(&f, step(EnfAction::Archive), &officer(), t("2026-12-16 11:00"));
    assert_eq!(f.stage, EnfStage::Archived);
    assert!(f.limits.is_empty() && !f.overdue);
    assert_eq!(
        docs,
        [
            DocKind::FilingApproval,
            DocKind::InterviewRecord,
            DocKind::CorrectionOrder,
            DocKind::PriorNotice,
            DocKind::Decision,
            DocKind::ServiceReceipt,
            DocKind::ClosingReport,
        ]
    );
    // The timeline is contiguous and names who did what.
    assert_eq!(f.steps.len(), 13);
    for pair in f.steps.windows(2) {
        assert_eq!(pair[0].to, pair[1].from);
        assert!(pair[0].at <= pair[1].at);
    }
    assert_eq!(f.steps.last().unwrap().actor, "zf-01");
    assert!(allowed_actions(&f, &Actor::new("admin", Role::Admin)).is_empty());
}

#[test]
fn a_major_case_needs_legal_review_collective_discussion_and_may_go_to_a_hearing() {
    let w = World::new();
    let mut l = lead("04001");
    l.party = Some(party(PartyKind::Organisation));
    let f = new_file(l, &officer(), &w.ctx(), t("2026-12-07 09:00")).unwrap();
    let (f, _) = ok(&w, &f, step(EnfAction::File), &chief(), t("2026-12-07 10:00"));
    // No proposal before a record with two officers.
    let p = PenaltyDto { quantity: 4_000_000, demolition: true, ..penalty(1, 400_000) };
    let propose = EnfStepRequest { penalty: Some(p), ..step(EnfAction::Propose) };
    assert_eq!(
        refused(&w, &f, propose.clone(), &officer(), t("2026-12-08 09:00")),
        EnforcementError::NoRecord
    );
    let mut one = record(EvidenceKind::Inspection, t("2026-12-08 08:00"));
    one.officers.truncate(1);
    let e = refused(
        &w,
        &f,
        EnfStepRequest { evidence: Some(one), ..step(EnfAction::AddEvidence) },
        &officer(),
        t("2026-12-08 08:30"),
    );
    assert_eq!(e, EnforcementError::TwoOfficersNeeded { kind: EvidenceKind::Inspection });
    let mut same_cert = record(EvidenceKind::Inspection, t("2026-12-08 08:00"));
    same_cert.officers[1].cert_no = same_cert.officers[0].cert_no.clone();
    assert!(matches!(
        refused(
            &w,
            &f,
            EnfStepRequest { evidence: Some(same_cert), ..step(EnfAction::AddEvidence) },
            &officer(),
            t("2026-12-08 08:30")
        ),
        EnforcementError::TwoOfficersNeeded { .. }
    ));
    let (f, _) = ok(
        &w,
        &f,
        EnfStepRequest {
            evidence: Some(record(EvidenceKind::Inspection, t("2026-12-08 08:00"))),
            ..step(EnfAction::AddEvidence)
        },
        &officer(),
        t("2026-12-08 08:30"),
    );
    let (f, _) = ok(&w, &f, propose, &officer(), t("2026-12-08 09:00"));
    assert!(f.major && f.hearing_right);
    // Major: the chief may not approve; the legal reviewer must.
    assert_eq!(
        refused(&w, &f, step(EnfAction::Approve), &chief(), t("2026-12-08 10:00")),
        EnforcementError::Forbidden { action: EnfAction::Approve, role: Role::EnforcementChief }
    );
    let (f, _) = ok(&w, &f, step(EnfAction::Approve), &reviewer(), t("2026-12-08 10:00"));
    assert_eq!(f.stage, EnfStage::Discussion);
    assert!(matches!(
        refused(&w, &f, step(EnfAction::Discuss), &chief(), t("2026-12-09 10:00")),
        EnforcementError::MissingField { field: "note", .. }
    ));
    let discuss = EnfStepRequest { note: "同意按较重情节处罚".into(), ..step(EnfAction::Discuss) };
    let (f, _) = ok(&w, &f, discuss, &chief(), t("2026-12-09 10:00"));
    let (f, _) = ok(&w, &f, step(EnfAction::Notify), &officer(), t("2026-12-09 11:00"));
    // The hearing request's 5 working days: 10, 11, 14, 15, 16 Dec; on the 17th it is too late.
    assert!(matches!(
        refused(&w, &f, step(EnfAction::RequestHearing), &officer(), t("2026-12-17 09:00")),
        EnforcementError::PeriodEnded { .. }
    ));
    let (f, _) = ok(&w, &f, step(EnfAction::RequestHearing), &officer(), t("2026-12-16 17:00"));
    assert_eq!(f.stage, EnfStage::Hearing);
    let hold = EnfStepRequest {
        note: "当事人到场陈述，承认事实".into(), ..step(EnfAction::HoldHearing)
    };
    let (f, _) = ok(&w, &f, hold, &reviewer(), t("2026-12-28 09:00"));
    assert_eq!(f.stage, EnfStage::Decision);
    // Suspension stops the decision clock; an extension moves it.
    let before = f.limits[0].deadline;
    let (f, _) = ok(
        &w,
        &f,
        EnfStepRequest { note: "当事人下落不明".into(), ..step(EnfAction::Suspend) },
        &chief(),
        t("2026-12-28 10:00"),
    );
    assert!(f.limits.is_empty());
    assert!(matches!(
        refused(&w, &f, step(EnfAction::Decide), &chief(), t("2026-12-29 10:00")),
        EnforcementError::IllegalStep { .. }
    ));
    let (f, _) = ok(&w, &f, step(EnfAction::Resume), &chief(), t("2027-01-07 10:00"));
    assert_eq!(f.suspended_days, 10);
    let ext =
        EnfStepRequest { note: "案情复杂".into(), extend_days: Some(30), ..step(EnfAction::Extend) };
    let (f, _) = ok(&w, &f, ext, &chief(), t("2027-01-07 11:00"));
    assert!(f.limits[0].deadline > before);
    let filed = from_timestamp_date(&f.filed_at.unwrap());
    let last = periods::last_day(&w.calendar, filed, Period::natural(130)).unwrap();
    assert_eq!(f.limits[0].deadline, to_timestamp(last.succ_opt().unwrap().and_time(chrono::NaiveTime::MIN)));
    let too_long = EnfStepRequest { note: "x".into(), extend_days: Some(31), ..step(EnfAction::Extend) };
    assert_eq!(
        refused(&w, &f, too_long, &chief(), t("2027-01-07 12:00")),
        EnforcementError::ExtensionRange { days: 31 }
    );
}

fn from_timestamp_date(ts: &cityops_api::Timestamp) -> NaiveDate {
    crate::calendar::from_timestamp(*ts).date()
}

#[test]
fn the_summary_procedure_is_limited_to_its_statutory_amounts() {
    let w = World::new();
    let f = new_file(lead("01001"), &officer(), &w.ctx(), t("2026-12-07 09:00")).unwrap();
    let on_spot = |fine: u64, kind: PartyKind| EnfStepRequest {
        penalty: Some(penalty(if fine > 200 { 2 } else { 1 }, fine)),
        party: Some(party(kind)),
        officers: two(),
        ..step(EnfAction::DecideOnSpot)
    };
    assert!(matches!(
        refused(&w, &f, on_spot(201, PartyKind::Citizen), &officer(), t("2026-12-07 09:10")),
        EnforcementError::AboveSummaryCeiling { ceiling: 200, .. }
    ));
    let mut alone = on_spot(100, PartyKind::Citizen);
    alone.officers.pop();
    assert!(matches!(
        refused(&w, &f, alone, &officer(), t("2026-12-07 09:10")),
        EnforcementError::TwoOfficersNeeded { .. }
    ));
    let (g, docs) = ok(&w, &f, on_spot(2_000, PartyKind::Organisation), &officer(), t("2026-12-07 09:10"));
    assert_eq!(docs, [DocKind::Decision]);
    assert_eq!((g.procedure, g.stage), (cityops_api::Procedure::Summary, EnfStage::Execution));
    // The fine is due 15 days after it was handed over; compulsory execution waits for that.
    assert_eq!(g.limits[0].label, "缴纳罚款");
    let enforce = EnfStepRequest { note: "申请法院强制执行".into(), ..step(EnfAction::Enforce) };
    assert!(matches!(
        refused(&w, &g, enforce.clone(), &chief(), t("2026-12-22 09:00")),
        EnforcementError::PeriodRunning { .. }
    ));
    assert!(!g.overdue);
    let (g, _) = ok(&w, &g, enforce, &chief(), t("2026-12-23 09:00"));
    assert_eq!(g.status, EnfStatus::Punished);
}

#[test]
fn roles_and_district_scope_bound_every_step() {
    let w = World::new();
    let f = new_file(lead("01001"), &officer(), &w.ctx(), t("2026-12-07 09:00")).unwrap();
    // A department user of the case loop cannot work files; an officer cannot file.
    for who in [Actor::new("d", Role::Department), Actor::new("l", Role::Leader), officer()] {
        assert!(matches!(
            refused(&w, &f, step(EnfAction::File), &who, t("2026-12-07 10:00")),
            EnforcementError::Forbidden { .. }
        ));
    }
    let elsewhere = Actor::new("fz-02", Role::EnforcementChief).in_district("370203");
    assert!(matches!(
        refused(&w, &f, step(EnfAction::File), &elsewhere, t("2026-12-07 10:00")),
        EnforcementError::OutOfScope { .. }
    ));
    assert!(matches!(
        new_file(
            lead("01001"),
            &Actor::new("x", Role::LawOfficer).in_district("370203"),
            &w.ctx(),
            t("2026-12-07 09:00")
        ),
        Err(EnforcementError::OutOfScope { .. })
    ));
    assert!(matches!(
        new_file(lead("01001"), &Actor::new("x", Role::Dispatcher), &w.ctx(), t("2026-12-07 09:00")),
        Err(EnforcementError::Forbidden { .. })
    ));
    assert!(matches!(
        new_file(lead("99999"), &officer(), &w.ctx(), t("2026-12-07 09:00")),
        Err(EnforcementError::UnknownMatter(_))
    ));
    assert_eq!(allowed_actions(&f, &officer()), [EnfAction::DecideOnSpot, EnfAction::AddEvidence]);
    assert_eq!(allowed_actions(&f, &chief()), [EnfAction::File, EnfAction::Withdraw]);
    // A step dated before the file's last change is refused.
    assert!(matches!(
        refused(&w, &f, step(EnfAction::File), &chief(), t("2026-12-07 08:00")),
        EnforcementError::ClockSkew { .. }
    ));
}

#[test]
fn limits_turn_yellow_then_red() {
    let w = World::new();
    let f = new_file(lead("01001"), &officer(), &w.ctx(), t("2026-12-07 09:00")).unwrap();
    let (mut f, _) = ok(&w, &f, step(EnfAction::File), &chief(), t("2026-12-07 10:00"));
    let l = f.limits[0].clone();
    for (at, overdue, due_soon) in [
        (t("2027-01-01 00:00"), false, false),
        (crate::calendar::from_timestamp(l.due_soon_at), false, true),
        (crate::calendar::from_timestamp(l.deadline), true, false),
    ] {
        refresh(&mut f, &w.ctx(), at).unwrap();
        assert_eq!((f.overdue, f.due_soon), (overdue, due_soon), "{at}");
    }
}

// ───────────────────────────── property: no illegal state ─────────────────────────────

/// Everything a file must satisfy whatever steps were taken.
fn check_invariants(w: &World, f: &EnfFileDto) {
    let closed = matches!(f.status, EnfStatus::Punished | EnfStatus::NotPunished | EnfStatus::Withdrawn);
    assert_eq!(closed, f.stage >= EnfStage::Closing, "status {:?} in stage {:?}", f.status, f.stage);
    if f.stage >= EnfStage::Investigation && f.status != EnfStatus::Withdrawn {
        assert!(f.filed_at.is_some(), "{:?} without 立案", f.stage);
    }
    if f.stage >= EnfStage::Review && f.status != EnfStatus::Withdrawn {
        let p = f.penalty.as_ref().expect("a penalty past the review");
        let party = f.party.as_ref().expect("a party past the review");
        check_penalty(w.matters.get(&f.matter).unwrap(), party.kind, p).unwrap();
        if f.procedure == cityops_api::Procedure::Summary {
            assert!(p.fine_yuan <= w.matters.thresholds().summary_max_organisation);
        } else {
            assert!(f.evidence.iter().any(|e| e.kind.needs_two_officers()), "no 笔录");
        }
    }
    if f.stage >= EnfStage::Service && f.stage <= EnfStage::Execution {
        assert!(f.decided_at.is_some());
    }
    if f.stage == EnfStage::Execution {
        assert!(f.served_at.is_some());
    }
    // A major ordinary case passed the legal reviewer and the discussion before the notice.
    if f.major && f.steps.iter().any(|s| s.action == EnfAction::Notify) {
        let approve = f.steps.iter().position(|s| s.action == EnfAction::Approve).unwrap();
        assert!(f.steps[approve].role == Role::LegalReviewer || f.steps[approve].role == Role::Admin);
        assert!(f.steps.iter().any(|s| s.action == EnfAction::Discuss));
    }
    if f.steps.iter().any(|s| s.action == EnfAction::RequestHearing) {
        assert!(f.hearing_right);
    }
    for pair in f.steps.windows(2) {
        assert_eq!(pair[0].to, pair[1].from);
        assert!(pair[0].at <= pair[1].at);
    }
    assert_eq!(f.steps.last().map(|s| s.to), Some(f.stage));
    if !f.stage.is_open() || f.status == EnfStatus::Suspended {
        assert!(f.limits.is_empty());
    }
}

/// A step on `f` by `who`: one of the steps its stage, status and role allow (so walks go
/// deep), with parameters that are sometimes wrong (fines outside the level, empty notes, dates
/// in the past, short payments).
fn any_step(
    f: &EnfFileDto,
    who: &Actor,
    pick: u8,
    fine: u64,
    gap_hours: i64,
    now: NaiveDateTime,
) -> Option<EnfStepRequest> {
    let allowed = allowed_actions(f, who);
    let action = *allowed.get(usize::from(pick) % allowed.len().max(1))?;
    let level = match fine {
        0..50 => 0,
        50..=200 => 1,
        _ => 2,
    };
    let due = f.penalty.as_ref().map_or(0, |p| p.fine_yuan);
    Some(EnfStepRequest {
        note: if pick.is_multiple_of(3) { String::new() } else { "理由".into() },
        evidence: Some(record(
            if pick.is_multiple_of(2) { EvidenceKind::Interview } else { EvidenceKind::Photo },
            now,
        )),
        penalty: Some(PenaltyDto {
            warning: fine == 0,
            demolition: pick.is_multiple_of(7),
            ..penalty(level, fine)
        }),
        correct_by: Some(to_timestamp(now + TimeDelta::hours(gap_hours * 3 - 5))),
        service: Some(ServiceMethod::Post),
        paid_yuan: Some(if pick.is_multiple_of(5) { fine } else { due }),
        extend_days: Some(u32::from(pick % 40)),
        party: Some(party(if pick.is_multiple_of(2) { PartyKind::Citizen } else { PartyKind::Organisation })),
        officers: two(),
        ..step(action)
    })
}

/// One random walk of up to `len` steps; returns the file and every stage it went through.
fn walk(w: &World, steps: &[(u8, u64, i64, u8)]) -> (EnfFileDto, Vec<EnfStage>) {
    let mut now = t("2026-12-20 09:00");
    let mut f = new_file(lead("01001"), &officer(), &w.ctx(), now).unwrap();
    let actors = [officer(), chief(), reviewer(), Actor::new("admin", Role::Admin)];
    let mut seen = vec![f.stage];
    for &(pick, fine, gap, who) in steps {
        now += TimeDelta::hours(gap);
        let who = &actors[usize::from(who) % actors.len()];
        let Some(s) = any_step(&f, who, pick, fine, gap, now) else { continue };
        let before = f.clone();
        match apply(&f, &s, who, &w.ctx(), now) {
            Ok(a) => {
                f = a.file;
                check_invariants(w, &f);
                seen.push(f.stage);
            }
            Err(_) => assert_eq!(f, before),
        }
    }
    (f, seen)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Random sequences of steps by random roles at random times: the steps allowed never
    /// lead to a file that breaks an invariant, and a refused step leaves the file as it was.
    #[test]
    fn no_sequence_of_allowed_steps_reaches_an_illegal_state(
        steps in proptest::collection::vec((any::<u8>(), 0u64..60_000, 0i64..200, 0u8..4), 1..80),
    ) {
        let w = World::new();
        walk(&w, &steps);
    }
}

/// The walks above reach every stage (else the property would hold vacuously): 2,000 walks
/// from a fixed seed.
#[test]
fn random_walks_reach_every_stage() {
    use rand::{Rng, SeedableRng};
    let w = World::new();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x5EED_0014);
    let mut reached = std::collections::BTreeSet::new();
    for _ in 0..2_000 {
        let steps: Vec<_> = (0..80)
            .map(|_| {
                (
                    rng.random::<u8>(),
                    rng.random_range(0..60_000),
                    rng.random_range(0..200),
                    rng.random_range(0..4),
                )
            })
            .collect();
        reached.extend(walk(&w, &steps).1);
    }
    assert_eq!(reached.into_iter().collect::<Vec<_>>(), EnfStage::ALL);
}

/// The shipped list loads whole, and every problem type the catalogue routes to enforcement
/// leads to at least one matter (移送执法 always has somewhere to go).
#[test]
fn the_shipped_matter_list_covers_every_enforcement_problem_type() {
    use crate::catalogue::{Catalogue, CatalogueSources};
    let list = MatterList::embedded().unwrap();
    let catalogue = Catalogue::from_sources(&CatalogueSources::embedded()).unwrap();
    assert!(list.fields().len() >= 10);
    assert!(list.matters().count() >= 60);
    let mut uncovered = Vec::new();
    let mut enforcement_types = 0;
    for category in catalogue.iter() {
        if category.standard().function() != "enforcement" {
            continue;
        }
        enforcement_types += 1;
        if list.for_type(category.key()).is_empty() {
            uncovered.push(category.key().code.clone());
        }
    }
    assert!(enforcement_types >= 60, "{enforcement_types}");
    assert!(uncovered.is_empty(), "no matter for {uncovered:?}");
    // Every problem type a matter names exists in the catalogue.
    for key in list.problem_types() {
        assert!(catalogue.get(key).is_some(), "{key:?}");
    }
    // 私搭乱建 leads to the planning law's building-without-permit matter, in per mille of cost.
    let key = cityops_api::TypeKey { kind: cityops_api::TypeKind::Matter, code: "0101".into() };
    let m = list.for_type(&key);
    assert!(
        m.iter()
            .any(|m| m.penalty_basis.contains("城乡规划法") && m.levels[0].unit == FineUnit::PermilleOfCost)
    );
    // The summary ceiling is the law's.
    assert_eq!(
        (list.thresholds().summary_max_citizen, list.thresholds().summary_max_organisation),
        (200, 3000)
    );
}
