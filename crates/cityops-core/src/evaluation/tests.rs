//! Hand-computed fixtures: thirteen cases in the week of Monday 2025-03-03, each with a script,
//! and the expected counts and rates worked out in the comments.

use super::*;
use crate::calendar::Calendar;
use crate::workflow::{Actor, Command, Ctx, NewCase, StageLimits};
use chrono::TimeDelta;
use cityops_api::{Role, TimeLimitDto, TimeUnit, TypeKey, TypeKind};

const CALENDAR: &str = include_str!("../../../../assets/calendar/cn_workdays.toml");
const LIMITS: &str = include_str!("../../../../assets/calendar/stage_limits.toml");
/// Every fixture type is handled in 4 工作时.
const HANDLING: [TimeLimitDto; 1] = [TimeLimitDto { amount: 4, unit: TimeUnit::WorkingHours }];

fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn loc(grid: &str) -> Location {
    Location {
        lon: 120.38,
        lat: 36.07,
        address: String::new(),
        grid_code: grid.into(),
        community_code: grid[..12].into(),
        street_code: grid[..9].into(),
        district_code: grid[..6].into(),
    }
}

const GRID_A: &str = "370202001001001";
const GRID_B: &str = "370202001001002";
const GRID_OTHER_DISTRICT: &str = "370203001001001";

fn acc() -> Actor {
    Actor::new("acc", Role::Acceptor)
}
fn ins() -> Actor {
    Actor::new("ins", Role::Inspector)
}
fn sl() -> Actor {
    Actor::new("sl", Role::ShiftLeader)
}
fn disp() -> Actor {
    Actor::new("disp", Role::Dispatcher)
}
fn u1() -> Actor {
    Actor::department("u1", "U1")
}

/// `(minutes after the previous step, actor, command)`.
type Script = Vec<(i64, Actor, Command)>;

/// 受理, 立案 and 派遣 to U1, 5 minutes apart after `accept_after`.
fn intake(accept_after: i64) -> Script {
    vec![
        (accept_after, acc(), Command::new(Action::Accept)),
        (5, sl(), Command::new(Action::Register)),
        (5, disp(), Command::dispatch("U1")),
    ]
}

/// The whole loop: intake, 反馈 after `feedback_after`, 核查 after `check_after`, 结案.
fn full(accept_after: i64, feedback_after: i64, check_after: i64) -> Script {
    let mut s = intake(accept_after);
    s.extend([
        (feedback_after, u1(), Command::new(Action::Feedback)),
        (check_after, ins(), Command::new(Action::Verify)),
        (10, sl(), Command::new(Action::Close)),
    ]);
    s
}

fn build(id: i64, channel: Channel, grid: &str, start: &str, script: Script) -> Case {
    let calendar = Calendar::from_toml(CALENDAR).unwrap();
    let limits = StageLimits::from_toml(LIMITS).unwrap();
    let ctx = Ctx { calendar: &calendar, limits: &limits, handling: &HANDLING, urgent: false };
    let new = NewCase {
        id,
        case_no: format!("C{id}"),
        type_key: TypeKey { kind: TypeKind::Matter, code: "06010".into() },
        channel,
        location: loc(grid),
        description: String::new(),
        media: vec![],
        camera_id: None,
        source_ref: None,
        reporter: None,
    };
    let mut now = t(start);
    let mut case = Case::new(new, &ctx, now).unwrap();
    for (mins, who, cmd) in script {
        now += TimeDelta::minutes(mins);
        case.apply(&cmd, &who, &ctx, now).unwrap_or_else(|e| panic!("C{id} {cmd:?}: {e}"));
    }
    case
}

/// The fixture. Stage limits: 受理 30 min, 立案 15, 派遣 15, 核查 60, 结案 30; handling 4 工作时
/// (08:30–12:00, 13:30–17:30).
fn fixture() -> Vec<Case> {
    use Channel::*;
    vec![
        // C1 inspector, grid B. Handle 09:20 → due 14:50; 反馈 10:20, 核查 10:50, 结案. All on time.
        build(1, Inspector, GRID_B, "2025-03-03 09:00", full(10, 60, 30)),
        // C2 citizen, grid B. 受理 after 20 min (核实 on time). Handle 10:30 → due 16:00; 反馈
        // 20:30 (LATE) → 超时结案.
        build(2, Citizen, GRID_B, "2025-03-03 10:00", full(20, 600, 30)),
        // C3 hotline. 受理 after 45 min (核实 LATE). 反馈 on time; 核查 after 90 min (LATE).
        // 正常结案 (handling was on time).
        build(3, Hotline, GRID_A, "2025-03-04 09:00", full(45, 60, 90)),
        // C4 inspector. Handle 10:20; 反馈 11:20; 核查 fails → 返工 at 11:50 (on time); new task
        // due 17:20; 反馈 13:50; 核查 14:20; 结案. Two tasks, one reworked; two checks on time.
        build(4, Inspector, GRID_A, "2025-03-04 10:00", {
            let mut s = intake(10);
            s.extend([
                (60, u1(), Command::new(Action::Feedback)),
                (30, ins(), Command::new(Action::Rework)),
                (120, u1(), Command::new(Action::Feedback)),
                (30, ins(), Command::new(Action::Verify)),
                (10, sl(), Command::new(Action::Close)),
            ]);
            s
        }),
        // C5 citizen. Dispatched 09:20, never fed back: task due (deadline 14:50) but not handled.
        build(5, Citizen, GRID_A, "2025-03-05 09:00", intake(10)),
        // C6 inspector. Registered, then 挂账 in 任务派遣 and never resumed: out of 立案数.
        build(6, Inspector, GRID_A, "2025-03-05 09:00", {
            let mut s = intake(10);
            s.pop();
            s.push((5, sl(), Command::new(Action::Suspend)));
            s
        }),
        // C7 citizen. 作废 after 15 min (核实 done on time); never registered.
        build(7, Citizen, GRID_A, "2025-03-05 10:00", vec![(15, acc(), Command::new(Action::Cancel))]),
        // C8 inspector. Dispatched to U2, 回退 after 30 min, dispatched to U1: 反馈, 核查, 结案
        // on time. The U2 task is a 回退, not a handling task.
        build(8, Inspector, GRID_A, "2025-03-06 09:00", {
            let mut s = intake(10);
            s.pop();
            s.extend([
                (5, disp(), Command::dispatch("U2")),
                (30, Actor::department("u2", "U2"), Command::new(Action::Return)),
                (5, disp(), Command::dispatch("U1")),
                (60, u1(), Command::new(Action::Feedback)),
                (30, ins(), Command::new(Action::Verify)),
                (10, sl(), Command::new(Action::Close)),
            ]);
            s
        }),
        // C9 inspector, Fri 16:50. Dispatched 17:10 → due Mon 03-10 12:10; 反馈 Mon 10:00 (on
        // time). Its 核查 starts on 03-10, outside the period, and never happens. Not closed.
        build(9, Inspector, GRID_A, "2025-03-07 16:50", {
            let mut s = intake(10);
            s.push((3890, u1(), Command::new(Action::Feedback)));
            s
        }),
        // C10 inspector, registered 03-10: outside the period.
        build(10, Inspector, GRID_A, "2025-03-10 09:00", full(10, 60, 30)),
        // C11 inspector in district 370203: outside 370202, inside the city.
        build(11, Inspector, GRID_OTHER_DISTRICT, "2025-03-04 09:00", full(10, 60, 30)),
        // C12 inspector. Dispatched 09:20 (due 14:50), 延期 to 17:30; 反馈 17:00 → on time.
        build(12, Inspector, GRID_A, "2025-03-07 09:00", {
            let mut s = intake(10);
            s.extend([
                (60, disp(), Command::postpone(t("2025-03-07 17:30"))),
                (400, u1(), Command::new(Action::Feedback)),
                (30, ins(), Command::new(Action::Verify)),
                (10, sl(), Command::new(Action::Close)),
            ]);
            s
        }),
        // C13 citizen. Dispatched with an explicit deadline 03-31: not yet due on 03-20.
        build(13, Citizen, GRID_A, "2025-03-07 16:00", {
            let mut s = intake(10);
            s.pop();
            s.push((5, disp(), Command::dispatch("U1").with_deadline(t("2025-03-31 09:00"))));
            s
        }),
    ]
}

fn week() -> Period {
    Period { from: t("2025-03-03 00:00"), to: t("2025-03-10 00:00") }
}

fn as_of() -> NaiveDateTime {
    t("2025-03-20 00:00")
}

#[track_caller]
fn assert_rate(got: Option<f64>, expect: Option<f64>, what: &str) {
    match (got, expect) {
        (Some(g), Some(e)) => assert!((g - e).abs() < 1e-9, "{what}: got {g}, expected {e}"),
        _ => assert_eq!(got, expect, "{what}"),
    }
}

#[test]
fn district_counts_and_rates_match_the_hand_computation() {
    let cases = fixture();
    let e =
        evaluate(&cases, &Scope::Area("370202".into()), week(), as_of(), None, &CompositeConfig::default());
    let c = e.counts;
    // 立案 in the week in 370202: C1 C2 C3 C4 C5 C6 C8 C9 C12 C13 = 10, minus C6 (挂账) = 9.
    assert_eq!((c.registered, c.suspended), (9, 1));
    // Inspector channel among them: C1 C4 C8 C9 C12.
    assert_eq!(c.inspector_registered, 5);
    // Closed: C1 C2 C3 C4 C8 C12; due but open: C5, C9 (deadlines passed); C13 not yet due.
    assert_eq!((c.due_to_close, c.closed, c.closed_on_time), (8, 6, 5));
    assert_eq!(c.cancelled, 1);
    // Tasks: C1 C2 C3 C4a C4b C5 C8(U1) C9 C12 due (C13 pending, C8's U2 task returned);
    // handled all but C5; on time all but C2 and C5; C4a reworked.
    assert_eq!(c.handling, Tally { due: 9, done: 8, on_time: 7 });
    assert_eq!((c.reworked, c.returned), (1, 1));
    // 核实: reports from C2 C3 C5 C7 C13; C3 late.
    assert_eq!(c.verify, Tally { due: 5, done: 5, on_time: 4 });
    // 核查: C1 C2 C3 C4a C4b C8 C12 (C9's starts on 03-10); C3 late.
    assert_eq!(c.check, Tally { due: 7, done: 7, on_time: 6 });
    // 立案 entries: 11 reports minus C7 (cancelled in 信息收集) = C1..C6, C8, C9, C12, C13 = 10,
    // all within 15 min. 派遣: C1 C2 C3 C4 C5 C8a C8b C9 C12 C13 done; C6's parked → skipped.
    assert_eq!(c.register, Tally { due: 10, done: 10, on_time: 10 });
    assert_eq!(c.dispatch, Tally { due: 10, done: 10, on_time: 10 });

    let r = e.rates;
    assert_rate(r.close, Some(6.0 / 8.0), "结案率");
    assert_rate(r.on_time_close, Some(5.0 / 8.0), "按期结案率");
    assert_rate(r.handle, Some(8.0 / 9.0), "处置率");
    assert_rate(r.on_time_handle, Some(7.0 / 9.0), "按期处置率");
    assert_rate(r.rework, Some(1.0 / 8.0), "返工率");
    assert_rate(r.on_time_verify, Some(4.0 / 5.0), "按时核实率");
    assert_rate(r.on_time_check, Some(6.0 / 7.0), "按时核查率");
    assert_rate(r.inspector_report, Some(5.0 / 9.0), "监督举报率");
    // Composite without a baseline: 立案数分值 80 (neutral band).
    // 5/9·100·0.1 + 80·0.2 + 0.75·100·0.3 + 0.625·100·0.4 = 5.5556 + 16 + 22.5 + 25 = 69.0556 → C.
    assert_eq!(e.register_score, Some(80.0));
    assert_rate(e.composite, Some(50.0 / 9.0 + 63.5), "composite");
    assert_eq!(e.grade, Some(Grade::C));
    let dto = e.to_dto();
    assert_eq!((dto.subject.as_str(), dto.registered, dto.due_to_close, dto.closed), ("370202", 9, 8, 6));
    assert_eq!(dto.from.to_rfc3339(), "2025-03-03T00:00:00+08:00");
    assert_eq!(dto.grade, Some(Grade::C));
}

#[test]
fn city_grid_and_peer_evaluations() {
    let cases = fixture();
    let cfg = CompositeConfig::default();
    // City: adds C11 (inspector, closed on time). 立案 10, inspector 6, 应结案 9, 结案 7, 按期 6.
    // 0.6·10 + 80·0.2 + 7/9·30 + 6/9·40 = 6 + 16 + 23.33 + 26.67 = 72 → C.
    for code in ["370200", ""] {
        let e = evaluate(&cases, &Scope::Area(code.into()), week(), as_of(), None, &cfg);
        assert_eq!((e.counts.registered, e.counts.inspector_registered), (10, 6), "{code:?}");
        assert_eq!((e.counts.due_to_close, e.counts.closed, e.counts.closed_on_time), (9, 7, 6));
        assert_rate(e.composite, Some(72.0), "city composite");
        assert_eq!(e.grade, Some(Grade::C));
    }
    // Grid B: C1 (inspector, on time) and C2 (citizen, 超时结案).
    // 0.5·10 + 80·0.2 + 1·30 + 0.5·40 = 5 + 16 + 30 + 20 = 71 → C.
    let g = evaluate(&cases, &Scope::Area(GRID_B.into()), week(), as_of(), None, &cfg);
    assert_eq!((g.counts.registered, g.counts.closed, g.counts.closed_on_time), (2, 2, 1));
    assert_rate(g.composite, Some(71.0), "grid composite");
    // Street and community of both grids equal the district here.
    let s = evaluate(&cases, &Scope::Area("370202001".into()), week(), as_of(), None, &cfg);
    assert_eq!(s.counts.registered, 9);
    // Peers 370202 (9 立案) and 370203 (1): mean 5. 370202: ratio 1.8 → 40;
    // 5.5556 + 8 + 22.5 + 25 = 61.0556 → C. 370203: ratio 0.2 → 100; 10 + 20 + 30 + 40 = 100 → A.
    let peers = evaluate_peers(&cases, &["370202", "370203"], week(), as_of(), &cfg);
    assert_eq!(peers[0].register_score, Some(40.0));
    assert_rate(peers[0].composite, Some(50.0 / 9.0 + 55.5), "370202 among peers");
    assert_eq!(peers[0].grade, Some(Grade::C));
    assert_eq!(
        (peers[1].register_score, peers[1].composite, peers[1].grade),
        (Some(100.0), Some(100.0), Some(Grade::A))
    );
}

#[test]
fn department_evaluation_counts_only_the_units_tasks() {
    let cases = fixture();
    let cfg = CompositeConfig::default();
    // U1 has every task but C8's first, in any district: the district's 9 due tasks plus C11's
    // (370203, on time): 10 due, 9 handled, 8 on time, 1 reworked.
    // 0.9·30 + 0.8·50 + (1 − 1/9)·20 = 27 + 40 + 17.778 = 84.778 → B.
    let u1 = evaluate(&cases, &Scope::Unit("U1".into()), week(), as_of(), None, &cfg);
    assert_eq!(u1.counts.handling, Tally { due: 10, done: 9, on_time: 8 });
    assert_eq!(u1.counts.reworked, 1);
    assert_rate(u1.rates.rework, Some(1.0 / 9.0), "U1 返工率");
    assert_rate(u1.composite, Some(67.0 + 160.0 / 9.0), "U1 composite");
    assert_eq!(u1.grade, Some(Grade::B));
    assert_eq!(u1.register_score, None);
    // U2 only returned C8: nothing due, no composite.
    let u2 = evaluate(&cases, &Scope::Unit("U2".into()), week(), as_of(), None, &cfg);
    assert_eq!((u2.counts.handling, u2.counts.returned), (Tally::default(), 1));
    assert_eq!((u2.rates.handle, u2.composite, u2.grade), (None, None, None));
}

#[test]
fn as_of_cuts_off_later_events() {
    let cases = fixture();
    let cfg = CompositeConfig::default();
    // At the end of the week (as_of = 03-10 00:00) C9's handling deadline (03-10 12:10) has not
    // come, so only C5 is due-but-open: 应结案 7 instead of 8.
    let e = evaluate(&cases, &Scope::Area("370202".into()), week(), t("2025-03-10 00:00"), None, &cfg);
    assert_eq!((e.counts.due_to_close, e.counts.closed), (7, 6));
    // C12 as of 03-07 15:00: the 延期 (approved 10:20, to 17:30) is known and the 反馈 (17:00)
    // is not, so the task is pending rather than due. 结案 happens at 17:40.
    let c12 = &cases[11];
    let day = Period { from: t("2025-03-07 00:00"), to: t("2025-03-08 00:00") };
    let at = |s: &str| evaluate(std::slice::from_ref(c12), &Scope::city(), day, t(s), None, &cfg).counts;
    assert_eq!(at("2025-03-07 15:00").handling, Tally::default());
    assert_eq!(at("2025-03-07 17:45").handling, Tally { due: 1, done: 1, on_time: 1 });
    assert_eq!((at("2025-03-07 17:35").closed, at("2025-03-07 17:45").closed), (0, 1));
    assert_eq!(deadline_as_of(c12, 3, t("2025-03-07 10:00")), Some(t("2025-03-07 14:50")));
    assert_eq!(deadline_as_of(c12, 3, t("2025-03-07 11:00")), Some(t("2025-03-07 17:30")));
    // C6 is parked as of 03-20 but not before its 挂账 (09:20 on 03-05).
    let c6 = &cases[5];
    assert!(suspended_at(c6, as_of()));
    assert!(!suspended_at(c6, t("2025-03-05 09:18")));
}

#[test]
fn grades_follow_the_bands() {
    let table = [
        (100.0, Grade::A),
        (90.0, Grade::A),
        (89.99, Grade::B),
        (75.0, Grade::B),
        (74.99, Grade::C),
        (60.0, Grade::C),
        (59.99, Grade::D),
        (40.0, Grade::D),
        (39.99, Grade::E),
        (0.0, Grade::E),
    ];
    for (score, expect) in table {
        assert_eq!(grade(score), expect, "{score}");
    }
    let cfg = CompositeConfig::default();
    let bands =
        [(0, 100.0), (5, 100.0), (6, 90.0), (8, 90.0), (10, 80.0), (12, 70.0), (15, 60.0), (16, 40.0)];
    for (n, expect) in bands {
        assert_eq!(cfg.register_score(n, Some(10.0)), expect, "{n} of 10");
    }
    assert_eq!(cfg.register_score(1000, None), 80.0);
}

#[test]
fn empty_input_gives_no_rates() {
    let e = evaluate(&[], &Scope::city(), week(), as_of(), None, &CompositeConfig::default());
    assert_eq!(e.counts, Counts::default());
    assert_eq!(e.rates, Rates::default());
    assert_eq!((e.composite, e.grade), (None, None));
}

// ---- seeded random population: structural oracles --------------------------------------------

const SEED_1: u64 = 0x000C_17E0_0001;

/// Random cases over March 2025 in three districts, each pushed through a random walk of offered
/// actions by the roles that may take them.
fn random_population(seed: u64, n: usize) -> Vec<Case> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let calendar = Calendar::from_toml(CALENDAR).unwrap();
    let limits = StageLimits::from_toml(LIMITS).unwrap();
    let ctx = Ctx { calendar: &calendar, limits: &limits, handling: &HANDLING, urgent: false };
    let grids = [GRID_A, GRID_B, GRID_OTHER_DISTRICT, "370211002003004"];
    let actors = [
        acc(),
        ins(),
        sl(),
        disp(),
        u1(),
        Actor::department("u2", "U2"),
        Actor::department("u3", "U3"),
        Actor::new("boss", Role::Leader),
    ];
    (0..n)
        .map(|i| {
            let channel = Channel::ALL[rng.random_range(0..Channel::ALL.len())];
            let start = t("2025-03-01 00:00") + TimeDelta::minutes(rng.random_range(0..31 * 24 * 60));
            let new = NewCase {
                id: i as i64,
                case_no: format!("R{i}"),
                type_key: TypeKey { kind: TypeKind::Matter, code: "06010".into() },
                channel,
                location: loc(grids[rng.random_range(0..grids.len())]),
                description: String::new(),
                media: vec![],
                camera_id: None,
                source_ref: None,
                reporter: None,
            };
            let mut now = start;
            let mut case = Case::new(new, &ctx, now).unwrap();
            for _ in 0..rng.random_range(0..16) {
                now += TimeDelta::minutes(if rng.random_bool(0.8) {
                    rng.random_range(0..40)
                } else {
                    rng.random_range(0..900)
                });
                let offered: Vec<(&Actor, Action)> = actors
                    .iter()
                    .flat_map(|a| case.allowed_actions(a).into_iter().map(move |x| (a, x)))
                    .collect();
                if offered.is_empty() {
                    break;
                }
                // Mostly move forward, sometimes take an exception.
                let forward = [
                    Action::Accept,
                    Action::Register,
                    Action::Dispatch,
                    Action::Feedback,
                    Action::Verify,
                    Action::Close,
                ];
                let ahead: Vec<_> = offered.iter().filter(|(_, a)| forward.contains(a)).copied().collect();
                let pool = if !ahead.is_empty() && rng.random_bool(0.8) { &ahead } else { &offered };
                let (who, action) = pool[rng.random_range(0..pool.len())];
                let cmd = match action {
                    Action::Dispatch => Command::dispatch(["U1", "U2", "U3"][rng.random_range(0..3)]),
                    Action::Postpone => Command::postpone(
                        case.deadline.unwrap_or(now).max(now) + TimeDelta::minutes(rng.random_range(1..600)),
                    ),
                    Action::Merge => Command::merge(1, "重复"),
                    a => Command::new(a),
                };
                case.apply(&cmd, who, &ctx, now).unwrap();
            }
            case
        })
        .collect()
}

#[track_caller]
fn check_sane(c: &Counts) {
    for t in [c.handling, c.verify, c.check, c.register, c.dispatch] {
        assert!(t.due >= t.done && t.done >= t.on_time, "{t:?}");
    }
    assert!(
        c.registered >= c.due_to_close && c.due_to_close >= c.closed && c.closed >= c.closed_on_time,
        "{c:?}"
    );
    assert!(c.registered >= c.inspector_registered && c.handling.done >= c.reworked);
}

#[test]
fn counts_add_up_over_areas_units_and_periods() {
    let cases = random_population(SEED_1, 400);
    let cfg = CompositeConfig::default();
    let month = Period { from: t("2025-03-01 00:00"), to: t("2025-04-01 00:00") };
    let as_of = t("2025-04-15 00:00");
    let eval = |scope: Scope, period: Period| evaluate(&cases, &scope, period, as_of, None, &cfg);
    let city = eval(Scope::Area(String::new()), month);
    check_sane(&city.counts);
    // The population is not trivial.
    assert!(
        city.counts.closed > 20 && city.counts.handling.due > 20 && city.counts.reworked > 0,
        "{:?}",
        city.counts
    );
    assert!(city.counts.suspended > 0 && city.counts.cancelled > 0 && city.counts.returned > 0);
    // Districts partition the city.
    let mut sum = Counts::default();
    for d in ["370202", "370203", "370211"] {
        let e = eval(Scope::Area(d.into()), month);
        check_sane(&e.counts);
        sum += e.counts;
    }
    assert_eq!(sum, city.counts);
    // Grids partition district 370202.
    let mut grids = Counts::default();
    for g in [GRID_A, GRID_B] {
        grids += eval(Scope::Area(g.into()), month).counts;
    }
    assert_eq!(grids, eval(Scope::Area("370202".into()), month).counts);
    // Units partition the tasks and checks.
    let (mut handling, mut check, mut reworked, mut returned) = (Tally::default(), Tally::default(), 0, 0);
    for u in ["U1", "U2", "U3"] {
        let e = eval(Scope::Unit(u.into()), month);
        handling += e.counts.handling;
        check += e.counts.check;
        reworked += e.counts.reworked;
        returned += e.counts.returned;
    }
    assert_eq!(
        (handling, check, reworked, returned),
        (city.counts.handling, city.counts.check, city.counts.reworked, city.counts.returned)
    );
    // Consecutive periods add up to their union (every item is counted in one period).
    let mid = t("2025-03-16 00:00");
    let mut halves = eval(Scope::Area(String::new()), Period { from: month.from, to: mid }).counts;
    halves += eval(Scope::Area(String::new()), Period { from: mid, to: month.to }).counts;
    assert_eq!(halves, city.counts);
    // Rates are fractions.
    let r = city.rates;
    for x in
        [r.close, r.on_time_close, r.handle, r.on_time_handle, r.rework, r.on_time_verify, r.on_time_check]
            .into_iter()
            .flatten()
    {
        assert!((0.0..=1.0).contains(&x), "{x}");
    }
}

/// Utilisation, worked by hand: X1 inspector (dispatched after 20 min, fed back 60 min later), X2
/// citizen (30 min, 600 min), X3 hotline (dispatched after 55 min, not yet fed back), X4 video
/// AI (not dispatched); X5 (sensor) lies in another district and X6 in the next week.
#[test]
fn utilisation_counts_channels_ways_and_mean_times() {
    use Channel::*;
    let cases = vec![
        build(1, Inspector, GRID_A, "2025-03-03 09:00", full(10, 60, 30)),
        build(2, Citizen, GRID_B, "2025-03-03 10:00", full(20, 600, 30)),
        build(3, Hotline, GRID_A, "2025-03-04 09:00", intake(45)),
        build(4, VideoAi, GRID_A, "2025-03-04 10:00", vec![]),
        build(5, Sensor, GRID_OTHER_DISTRICT, "2025-03-04 10:00", vec![]),
        build(6, Inspector, GRID_A, "2025-03-10 10:00", intake(10)),
    ];
    let week = Period { from: t("2025-03-03 00:00"), to: t("2025-03-10 00:00") };
    let u = utilisation(&cases, "370202", week, t("2025-03-12 00:00"));
    assert_eq!(u.reports, 4);
    assert_eq!(u.by_channel, vec![(Inspector, 1), (Citizen, 1), (Hotline, 1), (VideoAi, 1), (Sensor, 0)]);
    assert_eq!((u.active, u.passive, u.automatic), (1, 2, 1));
    assert_eq!((u.dispatched, u.mean_dispatch_minutes), (3, Some(35.0)));
    assert_eq!((u.handled, u.mean_handling_minutes), (2, Some(330.0)));
    // As known on Monday at noon: only X1 was reported and handled by then.
    let early = utilisation(&cases, "370202", week, t("2025-03-03 12:00"));
    assert_eq!((early.reports, early.dispatched, early.handled), (2, 2, 1));
    assert_eq!(early.mean_handling_minutes, Some(60.0));
    // The whole city, and nothing in an empty period.
    assert_eq!(utilisation(&cases, "370200", week, t("2025-03-12 00:00")).reports, 5);
    let none = utilisation(
        &cases,
        "",
        Period { from: t("2025-01-01 00:00"), to: t("2025-01-02 00:00") },
        t("2025-03-12 00:00"),
    );
    assert_eq!((none.reports, none.mean_dispatch_minutes), (0, None));
}
