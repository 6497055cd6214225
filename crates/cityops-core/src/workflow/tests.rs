use super::*;
use chrono::TimeDelta;
use cityops_api::{TimeUnit, TypeKind};
use proptest::prelude::*;

const CALENDAR: &str = include_str!("../../../../assets/calendar/cn_workdays.toml");
const LIMITS: &str = include_str!("../../../../assets/calendar/stage_limits.toml");
const HANDLING: [TimeLimitDto; 2] = [
    TimeLimitDto { amount: 4, unit: TimeUnit::WorkingHours },
    TimeLimitDto { amount: 1, unit: TimeUnit::WorkingDays },
];

struct World {
    calendar: Calendar,
    limits: StageLimits,
}

impl World {
    fn new() -> World {
        World {
            calendar: Calendar::from_toml(CALENDAR).unwrap(),
            limits: StageLimits::from_toml(LIMITS).unwrap(),
        }
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx { calendar: &self.calendar, limits: &self.limits, handling: &HANDLING, urgent: false }
    }
}

fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn new_case(channel: Channel) -> NewCase {
    NewCase {
        id: 1,
        case_no: "QD20250303000001".into(),
        type_key: TypeKey { kind: TypeKind::Matter, code: "06010".into() },
        channel,
        location: Location {
            lon: 120.38,
            lat: 36.07,
            address: "市南区香港中路".into(),
            grid_code: "370202001001001".into(),
            community_code: "370202001001".into(),
            street_code: "370202001".into(),
            district_code: "370202".into(),
        },
        description: "暴露垃圾".into(),
        media: vec![],
        camera_id: None,
        source_ref: None,
        // Synthetic personal data: the round trip must keep it.
        reporter: Some(cityops_api::ReporterDto {
            last_name: "王".into(),
            phone: "13800000000".into(),
            ..Default::default()
        }),
    }
}

fn actor(role: Role) -> Actor {
    match role {
        Role::Department => Actor::department("dept-user", "U1"),
        r => Actor::new(format!("{r:?}"), r),
    }
}

/// Apply a script of `(minutes after the previous step, role, command)`, panicking on refusal.
#[track_caller]
fn run(w: &World, channel: Channel, start: &str, script: &[(i64, Role, Command)]) -> Case {
    let mut now = t(start);
    let mut case = Case::new(new_case(channel), &w.ctx(), now).unwrap();
    for (mins, role, cmd) in script {
        now += TimeDelta::minutes(*mins);
        case.apply(cmd, &actor(*role), &w.ctx(), now).unwrap_or_else(|e| panic!("{cmd:?} by {role:?}: {e}"));
    }
    case
}

fn render_log(case: &Case) -> String {
    case.history
        .iter()
        .map(|e| {
            format!(
                "{:?}{} {}..{} due {} {} by {} {}",
                e.stage,
                if e.status == CaseStatus::Suspended { "(挂账)" } else { "" },
                e.started_at.format("%m-%d %H:%M"),
                e.ended_at.map_or("open".into(), |x| x.format("%m-%d %H:%M").to_string()),
                e.deadline.map_or("-".into(), |x| x.format("%m-%d %H:%M").to_string()),
                e.action.map_or("-", |a| a.zh()),
                e.actor.as_ref().map_or("-", |a| a.role.zh()),
                match e.on_time {
                    Some(true) => "on time",
                    Some(false) => "LATE",
                    None => "",
                },
            )
        })
        .map(|line| line.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn happy_path() -> Vec<(i64, Role, Command)> {
    vec![
        (20, Role::Inspector, Command::new(Action::Accept)),
        (10, Role::ShiftLeader, Command::new(Action::Register)),
        (5, Role::Dispatcher, Command::dispatch("U1")),
        (120, Role::Department, Command::new(Action::Feedback)),
        (45, Role::Inspector, Command::new(Action::Verify)),
        (10, Role::ShiftLeader, Command::new(Action::Close)),
    ]
}

#[test]
fn a_citizen_report_runs_the_whole_closed_loop_with_a_full_log() {
    let w = World::new();
    // Mon 2025-03-03 09:00: collect 30 min, register 15, dispatch 15, handle 4 working hours
    // (09:35 + 4 h with the 12:00–13:30 lunch break → 15:05), check 1 h, close 30 min.
    let case = run(&w, Channel::Citizen, "2025-03-03 09:00", &happy_path());
    let expect = "\
Collect 03-03 09:00..03-03 09:20 due 03-03 09:30 受理 by 监督员 on time
Register 03-03 09:20..03-03 09:30 due 03-03 09:35 立案 by 值班长 on time
Dispatch 03-03 09:30..03-03 09:35 due 03-03 09:45 派遣 by 派遣员 on time
Handle 03-03 09:35..03-03 11:35 due 03-03 15:05 反馈 by 专业部门 on time
Feedback 03-03 11:35..03-03 12:20 due 03-03 12:35 核查 by 监督员 on time
Verify 03-03 12:20..03-03 12:30 due 03-03 12:50 结案 by 值班长 on time";
    assert_eq!(render_log(&case), expect);
    assert_eq!((case.stage, case.status), (Stage::Evaluate, CaseStatus::Closed));
    assert_eq!(case.closure(), Some(Closure::Normal));
    assert_eq!(case.registered_at(), Some(t("2025-03-03 09:30")));
    assert_eq!(case.status_class(t("2025-12-31 00:00")), Some(StatusClass::Closed));
    let dto = case.to_dto(t("2025-03-04 00:00"));
    assert_eq!(dto.history.len(), 6);
    assert_eq!(dto.history[3].unit_code.as_deref(), Some("U1"));
    assert_eq!(dto.created_at.to_rfc3339(), "2025-03-03T09:00:00+08:00");
}

#[test]
fn a_case_dispatched_into_a_year_without_a_notice_carries_a_provisional_deadline() {
    let w = World::new();
    // Thu 2026-12-31 16:00 (notice year 2026): 受理, 立案, 派遣 with 1 工作日 → 2027 (no notice).
    let mut case = run(&w, Channel::Citizen, "2026-12-31 16:00", &happy_path()[..3]);
    let handle = case.current().unwrap().clone();
    assert_eq!(handle.stage, Stage::Handle);
    // Dispatched 16:35 + 4 工作时: 55 min to 17:30, 2027-01-01 元旦 (statutory) and the weekend
    // skipped, Mon 2027-01-04 08:30 + 3 h 05 min → 11:35.
    assert_eq!(handle.deadline, Some(t("2027-01-04 11:35")));
    assert!(handle.deadline_provisional && case.deadline_provisional);
    // The clock-time stages before it were not provisional.
    assert!(case.history.iter().take(3).all(|e| !e.deadline_provisional));
    // On the wire and back.
    let dto = case.to_dto(t("2027-01-02 10:00"));
    assert!(dto.deadline_provisional && dto.history[3].deadline_provisional);
    assert_eq!(Case::from_dto(&dto), case);
    let json = serde_json::to_value(&dto).unwrap();
    assert_eq!(json["deadline_provisional"], true);
    assert!(json["history"][0].get("deadline_provisional").is_none(), "absent when false");
    // 延期 to an explicit deadline is not provisional.
    let now = t("2027-01-04 09:00");
    case.apply(&Command::postpone(t("2027-01-08 17:00")), &actor(Role::ShiftLeader), &w.ctx(), now).unwrap();
    assert!(!case.deadline_provisional && !case.current().unwrap().deadline_provisional);
}

#[test]
fn a_year_outside_every_calendar_is_a_calendar_unavailable_error() {
    let w = World::new();
    let mut case = run(&w, Channel::Citizen, "9998-12-31 16:00", &happy_path()[..2]);
    let before = case.clone();
    let e = case.apply(&Command::dispatch("U1"), &actor(Role::Dispatcher), &w.ctx(), t("9998-12-31 17:00"));
    let e = e.unwrap_err();
    assert_eq!(e, WorkflowError::Calendar(CalendarError::NoData { year: 9999 }));
    assert_eq!(e.code(), cityops_api::ErrorCode::CalendarUnavailable);
    assert!(e.to_string().contains("9999"), "{e}");
    assert_eq!(case, before);
}

#[test]
fn exception_states_are_logged_and_counted() {
    let w = World::new();
    // Fri 2025-03-07 16:00. Handling 4 工作时 from 16:15 crosses the weekend: 1 h 15 on Friday,
    // 2 h 45 on Monday → Mon 11:15. After the 回退, from 16:50 → Mon 11:50, postponed to 17:00.
    // The 返工 at 12:20 (lunch) starts counting at 13:30 → 17:30.
    let script = vec![
        (5, Role::Acceptor, Command::new(Action::Accept)),
        (5, Role::ShiftLeader, Command::new(Action::Register)),
        (5, Role::Dispatcher, Command::dispatch("U2")),
        (30, Role::Admin, Command::new(Action::Return).with_note("非本单位职责")),
        (5, Role::Dispatcher, Command::dispatch("U1")),
        (10, Role::Leader, Command::new(Action::Supervise)),
        (10, Role::Dispatcher, Command::postpone(t("2025-03-10 17:00"))),
        (4000, Role::Department, Command::new(Action::Feedback)),
        (30, Role::Inspector, Command::new(Action::Rework).with_note("未清理干净")),
        (60, Role::Department, Command::new(Action::Feedback)),
        (30, Role::Acceptor, Command::new(Action::Verify)),
        (10, Role::ShiftLeader, Command::new(Action::Close)),
    ];
    let case = run(&w, Channel::Hotline, "2025-03-07 16:00", &script);
    let expect = "\
Collect 03-07 16:00..03-07 16:05 due 03-07 16:30 受理 by 受理员 on time
Register 03-07 16:05..03-07 16:10 due 03-07 16:20 立案 by 值班长 on time
Dispatch 03-07 16:10..03-07 16:15 due 03-07 16:25 派遣 by 派遣员 on time
Handle 03-07 16:15..03-07 16:45 due 03-10 11:15 回退 by 管理员 on time
Dispatch 03-07 16:45..03-07 16:50 due 03-07 17:00 派遣 by 派遣员 on time
Handle 03-07 16:50..03-10 11:50 due 03-10 17:00 反馈 by 专业部门 on time
Feedback 03-10 11:50..03-10 12:20 due 03-10 12:50 返工 by 监督员 on time
Handle 03-10 12:20..03-10 13:20 due 03-10 17:30 反馈 by 专业部门 on time
Feedback 03-10 13:20..03-10 13:50 due 03-10 14:20 核查 by 受理员 on time
Verify 03-10 13:50..03-10 14:00 due 03-10 14:20 结案 by 值班长 on time";
    assert_eq!(render_log(&case), expect);
    assert_eq!((case.rework_count, case.supervise_count), (1, 1));
    assert_eq!(case.events.len(), 2);
    assert_eq!(case.events[1].deadline_before, Some(t("2025-03-10 11:50")));
    assert_eq!(case.history[4].note, "");
    assert_eq!(case.history[3].note, "非本单位职责");
    assert_eq!(case.closure(), Some(Closure::Normal));
}

#[test]
fn suspend_resume_and_late_feedback_give_an_overdue_closure() {
    let w = World::new();
    let script = vec![
        (5, Role::Acceptor, Command::new(Action::Accept)),
        (5, Role::ShiftLeader, Command::new(Action::Register)),
        (5, Role::Dispatcher, Command::dispatch("U1")),
        (30, Role::ShiftLeader, Command::new(Action::Suspend).with_note("需协调")),
        (1440, Role::ShiftLeader, Command::new(Action::Resume)),
        (600, Role::Department, Command::new(Action::Feedback)),
        (30, Role::Inspector, Command::new(Action::Verify)),
        (10, Role::ShiftLeader, Command::new(Action::Close)),
    ];
    let case = run(&w, Channel::Inspector, "2025-03-03 09:00", &script);
    let expect = "\
Collect 03-03 09:00..03-03 09:05 due 03-03 09:30 受理 by 受理员 on time
Register 03-03 09:05..03-03 09:10 due 03-03 09:20 立案 by 值班长 on time
Dispatch 03-03 09:10..03-03 09:15 due 03-03 09:25 派遣 by 派遣员 on time
Handle 03-03 09:15..03-03 09:45 due 03-03 14:45 挂账 by 值班长 on time
Handle(挂账) 03-03 09:45..03-04 09:45 due - 恢复 by 值班长
Handle 03-04 09:45..03-04 19:45 due 03-04 15:15 反馈 by 专业部门 LATE
Feedback 03-04 19:45..03-04 20:15 due 03-04 20:45 核查 by 监督员 on time
Verify 03-04 20:15..03-04 20:25 due 03-04 20:45 结案 by 值班长 on time";
    assert_eq!(render_log(&case), expect);
    assert_eq!(case.closure(), Some(Closure::Overdue));
}

#[test]
fn cancel_ends_the_log_and_urgent_types_use_urgent_limits() {
    let w = World::new();
    let urgent = Ctx { urgent: true, ..w.ctx() };
    let mut case = Case::new(new_case(Channel::VideoAi), &urgent, t("2025-03-03 09:00")).unwrap();
    assert_eq!(case.deadline, Some(t("2025-03-03 09:10")));
    assert!(case.is_overdue(t("2025-03-03 09:11")));
    assert_eq!(case.status_class(t("2025-03-03 09:11")), Some(StatusClass::Overdue));
    let changes = case
        .apply(&Command::new(Action::Cancel), &actor(Role::Acceptor), &urgent, t("2025-03-03 09:12"))
        .unwrap();
    assert_eq!(
        changes,
        [
            Change::Status { from: CaseStatus::Active, to: CaseStatus::Cancelled },
            Change::Deadline { from: Some(t("2025-03-03 09:10")), to: None },
        ]
    );
    assert_eq!(case.history[0].on_time, Some(false));
    assert!(case.current().is_none());
    assert_eq!(case.status_class(t("2025-03-03 10:00")), None, "a cancelled case leaves the map");
    assert!(case.allowed_actions(&actor(Role::Admin)).is_empty());
}

#[test]
fn refusals_are_typed_and_leave_the_case_unchanged() {
    let w = World::new();
    let at_handle = || run(&w, Channel::Citizen, "2025-03-03 09:00", &happy_path()[..3]);
    let now = t("2025-03-03 10:00");
    let other_unit = Actor::department("x", "U2");
    let cases: Vec<(Command, Actor, WorkflowError)> = vec![
        (
            Command::new(Action::Close),
            actor(Role::ShiftLeader),
            WorkflowError::IllegalTransition {
                action: Action::Close,
                stage: Stage::Handle,
                status: CaseStatus::Active,
            },
        ),
        (
            Command::new(Action::Feedback),
            actor(Role::Inspector),
            WorkflowError::Forbidden { action: Action::Feedback, role: Role::Inspector },
        ),
        (
            Command::new(Action::Feedback),
            other_unit,
            WorkflowError::NotAssignedUnit { assigned: Some("U1".into()), actor_unit: Some("U2".into()) },
        ),
        (
            Command::new(Action::Supervise),
            actor(Role::Leader).in_district("370203"),
            WorkflowError::OutOfScope { district: "370202".into(), scope: "370203".into() },
        ),
        (Command::new(Action::Postpone), actor(Role::Dispatcher), WorkflowError::MissingDeadline),
        (
            Command::postpone(t("2025-03-03 12:00")),
            actor(Role::Dispatcher),
            WorkflowError::PostponeNotLater {
                current: Some(t("2025-03-03 15:05")),
                requested: t("2025-03-03 12:00"),
            },
        ),
        (
            Command::postpone(t("2025-03-03 09:50")),
            actor(Role::Dispatcher),
            WorkflowError::DeadlineNotAfterNow { deadline: t("2025-03-03 09:50"), now },
        ),
    ];
    for (cmd, who, expect) in cases {
        let mut case = at_handle();
        let before = case.clone();
        assert_eq!(case.apply(&cmd, &who, &w.ctx(), now), Err(expect.clone()));
        assert_eq!(case, before, "{cmd:?}");
        assert!(!expect.to_string().is_empty());
    }
    // Clock skew, missing unit, missing handling standard.
    let mut case = at_handle();
    assert!(matches!(
        case.apply(
            &Command::new(Action::Feedback),
            &actor(Role::Department),
            &w.ctx(),
            t("2025-03-03 09:00")
        ),
        Err(WorkflowError::ClockSkew { .. })
    ));
    let mut case = run(&w, Channel::Citizen, "2025-03-03 09:00", &happy_path()[..2]);
    assert_eq!(
        case.apply(&Command::new(Action::Dispatch), &actor(Role::Dispatcher), &w.ctx(), now),
        Err(WorkflowError::MissingUnit)
    );
    let bare = Ctx { handling: &[], ..w.ctx() };
    assert_eq!(
        case.apply(&Command::dispatch("U1"), &actor(Role::Dispatcher), &bare, now),
        Err(WorkflowError::NoHandlingStandard)
    );
    assert_eq!(WorkflowError::MissingUnit.code(), ErrorCode::InvalidField);
}

#[test]
fn allowed_actions_per_stage_and_role() {
    let w = World::new();
    let roles = [
        Role::Inspector,
        Role::Acceptor,
        Role::ShiftLeader,
        Role::Dispatcher,
        Role::Department,
        Role::Leader,
        Role::Admin,
    ];
    let mut out = String::new();
    let path = happy_path();
    for n in 0..=path.len() {
        let case = run(&w, Channel::Citizen, "2025-03-03 09:00", &path[..n]);
        out.push_str(&format!("{:?}:", case.stage));
        for r in roles {
            let acts = case.allowed_actions(&actor(r));
            if !acts.is_empty() {
                let names: Vec<_> = acts.iter().map(|a| a.zh()).collect();
                out.push_str(&format!(" {}[{}]", r.zh(), names.join(",")));
            }
        }
        out.push('\n');
    }
    let expect = "\
Collect: 监督员[受理] 受理员[受理,作废,合并] 值班长[作废,督办,合并] 派遣员[合并] 领导[督办] 管理员[受理,作废,督办,合并]
Register: 受理员[作废,合并] 值班长[立案,挂账,作废,督办,合并] 派遣员[合并] 领导[督办] 管理员[立案,挂账,作废,督办,合并]
Dispatch: 受理员[合并] 值班长[挂账,督办,合并] 派遣员[派遣,合并] 领导[督办] 管理员[派遣,挂账,督办,合并]
Handle: 值班长[延期,挂账,督办] 派遣员[延期] 专业部门[反馈,回退] 领导[督办] 管理员[反馈,回退,延期,挂账,督办]
Feedback: 监督员[核查,返工] 受理员[核查,返工] 值班长[督办] 领导[督办] 管理员[核查,返工,督办]
Verify: 值班长[结案,返工,督办] 领导[督办] 管理员[结案,返工,督办]
Evaluate:
";
    assert_eq!(out, expect);
    // An inspector's own report is accepted by the call centre, not by the inspector.
    let own = Case::new(new_case(Channel::Inspector), &w.ctx(), t("2025-03-03 09:00")).unwrap();
    assert_eq!(own.allowed_actions(&actor(Role::Inspector)), []);
}

#[test]
fn stage_limits_are_data_with_urgent_fallback() {
    let l = StageLimits::from_toml(LIMITS).unwrap();
    let m = |amount| TimeLimitDto { amount, unit: TimeUnit::ClockMinutes };
    let table = [
        (Stage::Collect, false, Some(m(30))),
        (Stage::Collect, true, Some(m(10))),
        (Stage::Register, true, Some(m(5))),
        (Stage::Dispatch, false, Some(m(15))),
        (Stage::Feedback, false, Some(TimeLimitDto { amount: 1, unit: TimeUnit::ClockHours })),
        // No urgent limit given: the normal one applies.
        (Stage::Verify, true, Some(m(30))),
        (Stage::Handle, false, None),
        (Stage::Evaluate, true, None),
    ];
    for (stage, urgent, expect) in table {
        assert_eq!(l.limit(stage, urgent), expect, "{stage:?} urgent={urgent}");
    }
    assert!(matches!(StageLimits::from_toml("[handle]\nnormal = 3"), Err(WorkflowError::MalformedLimits(_))));
    assert_eq!(StageLimits::from_toml("").unwrap(), StageLimits::default());
}

#[test]
fn wire_requests_and_timestamps_convert_to_china_standard_time() {
    let req: ActionRequest = serde_json::from_str(
        r#"{"action":"dispatch","unit_code":"U1","deadline":"2025-03-03T07:00:00Z","note":"急"}"#,
    )
    .unwrap();
    let cmd = Command::from_request(&req);
    assert_eq!(cmd, Command::dispatch("U1").with_deadline(t("2025-03-03 15:00")).with_note("急"));
    assert_eq!(
        crate::calendar::to_timestamp(t("2025-03-03 15:00")).to_rfc3339(),
        "2025-03-03T15:00:00+08:00"
    );
}

// ---- property tests -------------------------------------------------------------------------

const SEED_ROLES: [Role; 7] = [
    Role::Inspector,
    Role::Acceptor,
    Role::ShiftLeader,
    Role::Dispatcher,
    Role::Department,
    Role::Leader,
    Role::Admin,
];

#[derive(Debug, Clone)]
struct Step {
    action: Action,
    role: Role,
    /// Take a (role, action) pair the case currently offers instead of the random one.
    guided: bool,
    pick: usize,
    advance: i64,
    unit: u8,
    scoped: bool,
    deadline_offset: Option<i64>,
}

fn step() -> impl Strategy<Value = Step> {
    (
        (0..Action::ALL.len(), 0..SEED_ROLES.len(), prop::bool::weighted(0.8), 0usize..64),
        (0i64..600, 0u8..3, prop::bool::weighted(0.1), prop::option::weighted(0.3, -120i64..2000)),
    )
        .prop_map(|((a, r, guided, pick), (advance, unit, scoped, deadline_offset))| Step {
            action: Action::ALL[a],
            role: SEED_ROLES[r],
            guided,
            pick,
            advance,
            unit,
            scoped,
            deadline_offset,
        })
}

fn actor_for(role: Role, unit: u8, scoped: bool) -> Actor {
    let who = match role {
        Role::Department => Actor::department("d", ["U1", "U2"][usize::from(unit) % 2]),
        r => Actor::new("u", r),
    };
    if scoped { who.in_district("370203") } else { who }
}

/// What a random walk did, for coverage checks.
#[derive(Debug, Default)]
struct Walk {
    applied: Vec<Action>,
    closure: Option<Closure>,
}

/// Run one random walk, checking the properties after every step.
fn walk(channel: Channel, steps: &[Step]) -> Result<Walk, TestCaseError> {
    let w = World::new();
    let ctx = w.ctx();
    let mut now = t("2025-03-03 08:00");
    let mut case = Case::new(new_case(channel), &ctx, now).unwrap();
    let mut out = Walk::default();
    for s in steps {
        now += TimeDelta::minutes(s.advance);
        let (mut role, mut action, mut unit) = (s.role, s.action, s.unit);
        if s.guided {
            let offered: Vec<(Role, Action, u8)> = SEED_ROLES
                .iter()
                .flat_map(|r| (0..2u8).map(move |u| (*r, u)))
                .flat_map(|(r, u)| {
                    case.allowed_actions(&actor_for(r, u, false)).into_iter().map(move |a| (r, a, u))
                })
                // 合并 ends a walk early and is offered to many roles: keep it rare.
                .filter(|(_, a, _)| *a != Action::Merge || s.pick % 16 == 0)
                .collect();
            if !offered.is_empty() {
                (role, action, unit) = offered[s.pick % offered.len()];
            }
        }
        let who = actor_for(role, unit, s.scoped);
        let mut cmd = Command::new(action);
        if action == Action::Dispatch {
            cmd.unit_code = Some(["U1", "U2", "U3"][usize::from(s.unit)].into());
        }
        if action == Action::Merge {
            cmd.merge_into = Some(99);
        }
        cmd.deadline = s.deadline_offset.map(|m| now + TimeDelta::minutes(m));
        let well_formed = match action {
            Action::Postpone => cmd.deadline.is_some_and(|d| d > now && case.deadline.is_none_or(|c| d > c)),
            _ => cmd.deadline.is_none_or(|d| d > now),
        };
        let allowed = case.allowed_actions(&who).contains(&action);
        let before = case.clone();
        match case.apply(&cmd, &who, &ctx, now) {
            Ok(changes) => {
                prop_assert!(allowed, "{:?} by {:?} succeeded but was not offered", action, who.role);
                prop_assert!(well_formed);
                prop_assert!(!changes.is_empty());
                out.applied.push(action);
            }
            Err(e) => {
                prop_assert_eq!(&case, &before, "refused {:?} changed the case", action);
                prop_assert!(
                    !matches!(e, WorkflowError::Calendar(_) | WorkflowError::NoHandlingStandard),
                    "{e}"
                );
                prop_assert!(
                    !(allowed && well_formed),
                    "{:?} by {:?} offered but refused: {e}",
                    action,
                    who.role
                );
            }
        }
        check_invariants(&case)?;
        prop_assert_eq!(&Case::from_dto(&case.to_dto(now)), &case, "the wire document is lossless");
    }
    out.closure = case.closure();
    Ok(out)
}

/// Independent oracle of the stage graph: (stage before, action ending it) → stage after.
fn oracle_next(stage: Stage, action: Action) -> Option<Stage> {
    use Action as A;
    use Stage as S;
    Some(match (stage, action) {
        (S::Collect, A::Accept) => S::Register,
        (S::Register, A::Register) => S::Dispatch,
        (S::Dispatch, A::Dispatch) => S::Handle,
        (S::Handle, A::Feedback) => S::Feedback,
        (S::Handle, A::Return) => S::Dispatch,
        (S::Feedback, A::Verify) => S::Verify,
        (S::Feedback | S::Verify, A::Rework) => S::Handle,
        (s, A::Suspend | A::Resume) => s,
        _ => return None,
    })
}

fn check_invariants(case: &Case) -> Result<(), TestCaseError> {
    let h = &case.history;
    prop_assert!(!h.is_empty());
    prop_assert_eq!(h[0].stage, Stage::Collect);
    prop_assert_eq!(h[0].started_at, case.created_at);
    for pair in h.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        prop_assert_eq!(a.ended_at, Some(b.started_at), "contiguous");
        let action = a.action.ok_or_else(|| TestCaseError::fail("ended entry without action"))?;
        prop_assert_eq!(
            oracle_next(a.stage, action),
            Some(b.stage),
            "stage order {:?} -{:?}-> {:?}",
            a.stage,
            action,
            b.stage
        );
        prop_assert_eq!(b.status == CaseStatus::Suspended, action == Action::Suspend);
    }
    for e in h {
        if let Some(end) = e.ended_at {
            prop_assert!(e.started_at <= end);
            prop_assert_eq!(e.on_time, e.deadline.map(|d| end <= d));
            prop_assert!(e.actor.is_some());
        }
    }
    let open = h.iter().filter(|e| e.is_open()).count();
    let live = matches!(case.status, CaseStatus::Active | CaseStatus::Suspended);
    prop_assert_eq!(open, usize::from(live));
    let last = &h[h.len() - 1];
    if live {
        prop_assert!(last.is_open());
        prop_assert_eq!(last.stage, case.stage);
        prop_assert_eq!(last.status, case.status);
        prop_assert_eq!(last.deadline, case.deadline);
        prop_assert_eq!(&last.unit_code, &case.unit_code);
    } else {
        prop_assert_eq!(case.deadline, None);
        // Cancelled cases end by 作废, or by 合并 (then linked to their main case).
        let want = match (case.status, case.merged_into) {
            (CaseStatus::Closed, _) => Action::Close,
            (_, Some(_)) => Action::Merge,
            _ => Action::Cancel,
        };
        prop_assert_eq!(last.action, Some(want));
        if case.status == CaseStatus::Closed {
            prop_assert_eq!((last.stage, case.stage), (Stage::Verify, Stage::Evaluate));
        }
    }
    let reworks = h.iter().filter(|e| e.action == Some(Action::Rework)).count();
    prop_assert_eq!(case.rework_count as usize, reworks);
    let supervisions = case.events.iter().filter(|e| e.action == Action::Supervise).count();
    prop_assert_eq!(case.supervise_count as usize, supervisions);
    if case.stage >= Stage::Handle && case.status != CaseStatus::Cancelled {
        prop_assert!(h.iter().any(|e| e.action == Some(Action::Dispatch)));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5EED_0001),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_action_sequences_keep_the_log_invariants(
        channel in 0..Channel::ALL.len(),
        steps in prop::collection::vec(step(), 1..60),
    ) {
        walk(Channel::ALL[channel], &steps)?;
    }
}

/// The property test is not vacuous: walks drawn the same way reach every action and both
/// closure types.
#[test]
fn random_walks_cover_every_action_and_both_closures() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngSeed, TestRunner};
    let mut runner = TestRunner::new(Config { rng_seed: RngSeed::Fixed(0x5EED_0002), ..Config::default() });
    let strategy = prop::collection::vec(step(), 40..60);
    let mut seen = std::collections::HashSet::new();
    let mut closures = std::collections::HashSet::new();
    for i in 0..200 {
        let steps = strategy.new_tree(&mut runner).unwrap().current();
        let out = walk(Channel::ALL[i % Channel::ALL.len()], &steps).unwrap();
        seen.extend(out.applied);
        closures.extend(out.closure);
    }
    let missing: Vec<_> = Action::ALL.iter().filter(|a| !seen.contains(a)).collect();
    assert!(missing.is_empty(), "never applied: {missing:?}");
    assert_eq!(closures.len(), 2, "{closures:?}");
}

/// 临期 (due soon) and the work queue.
mod due_soon_and_queue {
    use super::*;
    use crate::workflow::queue;
    use cityops_api::{QueueBucket, Urgency};

    /// Oracle: walk the clock minute by minute from `start`, counting working minutes with
    /// `is_working_time`; the first minute at which the used share reaches `share` or (for a limit
    /// longer than the floor) the working minutes left fall to the floor. A limit without working
    /// time is shared on the clock.
    fn oracle(w: &World, start: NaiveDateTime, deadline: NaiveDateTime) -> NaiveDateTime {
        let rule = w.limits.due_soon;
        let mut total = 0i64;
        let mut t = start;
        while t < deadline {
            total += i64::from(w.calendar.is_working_time(t).unwrap());
            t += TimeDelta::minutes(1);
        }
        if total == 0 {
            return start
                + TimeDelta::minutes(((deadline - start).num_minutes() as f64 * rule.share).round() as i64);
        }
        let floor = (rule.floor_working_hours * 60.0) as i64;
        let share_at = (total as f64 * rule.share).round() as i64;
        let target = if total > floor { share_at.min(total - floor) } else { share_at };
        let (mut used, mut t) = (0i64, start);
        loop {
            if used >= target {
                return t;
            }
            used += i64::from(w.calendar.is_working_time(t).unwrap());
            t += TimeDelta::minutes(1);
            // A target reached at a period's end is reached then, not at the next period's start.
            if used >= target {
                return t;
            }
        }
    }

    #[test]
    fn due_soon_instants_match_the_minute_by_minute_oracle() {
        let w = World::new();
        // (start, deadline, expected) — written out for the cases a reader checks by hand.
        let table = [
            // 4 working hours from Tue 09:00 (deadline 14:30): the 2-hour floor comes first
            // (2 h used → 11:00); 80 % would be 12:42 → 13:42.
            ("2025-03-04 09:00", "2025-03-04 14:30", "2025-03-04 11:00"),
            // 1 working day (7.5 h) from 09:00: the floor at 5.5 h used (16:00) before 80 % (6 h,
            // 16:30).
            ("2025-03-04 09:00", "2025-03-05 09:00", "2025-03-04 16:00"),
            // 15 clock minutes in working time: shorter than the floor, 80 % → 12 minutes.
            ("2025-03-04 10:00", "2025-03-04 10:15", "2025-03-04 10:12"),
            // 15 clock minutes at night: no working time inside, shared on the clock.
            ("2025-03-04 23:00", "2025-03-04 23:15", "2025-03-04 23:12"),
            // Across the new year and the 2027 元旦 holiday (a provisional year): 10.5 working
            // hours; 80 % (8.4 h) at Mon 16:54 comes before the floor (Mon 17:00).
            ("2026-12-31 16:00", "2027-01-05 10:00", "2027-01-04 16:54"),
        ];
        for (s, d, want) in table {
            let (s, d) = (t(s), t(d));
            let got = w.limits.due_soon_at(&w.calendar, s, d).unwrap();
            assert_eq!(got, oracle(&w, s, d), "oracle disagrees for {s} → {d}");
            assert_eq!(got, t(want), "{s} → {d}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        #[test]
        fn due_soon_is_never_after_the_deadline_and_agrees_with_the_oracle(
            start_min in 0i64..(3 * 366 * 24 * 60),
            limit in prop_oneof![
                (1u32..=40).prop_map(|h| TimeLimitDto { amount: h, unit: TimeUnit::WorkingHours }),
                (1u32..=5).prop_map(|d| TimeLimitDto { amount: d, unit: TimeUnit::WorkingDays }),
                (5u32..=120).prop_map(|m| TimeLimitDto { amount: m, unit: TimeUnit::ClockMinutes }),
            ],
        ) {
            let w = World::new();
            let start = t("2025-01-01 00:00") + TimeDelta::minutes(start_min);
            let deadline = w.calendar.add(start, limit).unwrap();
            let got = w.limits.due_soon_at(&w.calendar, start, deadline).unwrap();
            prop_assert!(start <= got && got <= deadline);
            prop_assert_eq!(got, oracle(&w, start, deadline));
        }
    }

    #[test]
    fn a_case_turns_yellow_then_red_and_a_postponement_restarts_the_count() {
        let w = World::new();
        let dispatch = Command::dispatch("U1");
        // Dispatched Tue 09:10 with the first tier (4 working hours → 14:40; yellow from 11:10).
        let mut case = run(
            &w,
            Channel::Inspector,
            "2025-03-04 09:00",
            &[
                (2, Role::Acceptor, Command::new(Action::Accept)),
                (3, Role::ShiftLeader, Command::new(Action::Register)),
                (5, Role::Dispatcher, dispatch),
            ],
        );
        assert_eq!(case.deadline, Some(t("2025-03-04 14:40")));
        assert_eq!(case.due_soon_at, Some(t("2025-03-04 11:10")));
        let at = |s: &str| (case.is_due_soon(t(s)), case.is_overdue(t(s)));
        assert_eq!(at("2025-03-04 11:09"), (false, false));
        assert_eq!(at("2025-03-04 11:10"), (true, false));
        assert_eq!(at("2025-03-04 14:41"), (false, true));
        let dto = case.to_dto(t("2025-03-04 11:30"));
        assert!(dto.due_soon && !dto.overdue);
        assert_eq!(Case::from_dto(&dto).due_soon_at, case.due_soon_at, "kept on the wire");
        // 延期 to Thursday 17:30: the limit now runs from the stage's start (Tue 09:10, 21 h 50 min
        // of working time); 80 % of it is used at Thu 11:38, before only 2 hours remain (15:30).
        let mut postpone = Command::new(Action::Postpone);
        postpone.deadline = Some(t("2025-03-06 17:30"));
        case.apply(&postpone, &actor(Role::ShiftLeader), &w.ctx(), t("2025-03-04 12:00")).unwrap();
        assert_eq!(case.due_soon_at, Some(t("2025-03-06 11:38")));
        assert!(!case.is_due_soon(t("2025-03-04 12:00")));
        // Parked: no running deadline, not yellow.
        case.apply(
            &Command::new(Action::Suspend),
            &actor(Role::ShiftLeader),
            &w.ctx(),
            t("2025-03-04 12:05"),
        )
        .unwrap();
        assert_eq!(case.due_soon_at, None);
        assert!(!case.to_dto(t("2025-03-10 12:00")).due_soon);
    }

    #[test]
    fn each_role_queues_the_cases_it_can_move_on() {
        let w = World::new();
        let collect_citizen = run(&w, Channel::Citizen, "2025-03-04 09:00", &[]);
        let collect_inspector = run(&w, Channel::Inspector, "2025-03-04 09:00", &[]);
        let register = run(
            &w,
            Channel::Inspector,
            "2025-03-04 09:00",
            &[(1, Role::Acceptor, Command::new(Action::Accept))],
        );
        let dispatch = run(
            &w,
            Channel::Inspector,
            "2025-03-04 09:00",
            &[
                (1, Role::Acceptor, Command::new(Action::Accept)),
                (1, Role::ShiftLeader, Command::new(Action::Register)),
            ],
        );
        let handle = |unit: &str| {
            run(
                &w,
                Channel::Inspector,
                "2025-03-04 09:00",
                &[
                    (1, Role::Acceptor, Command::new(Action::Accept)),
                    (1, Role::ShiftLeader, Command::new(Action::Register)),
                    (1, Role::Dispatcher, Command::dispatch(unit)),
                ],
            )
        };
        let (mine, theirs) = (handle("U1"), handle("U2"));
        let feedback = run(
            &w,
            Channel::Inspector,
            "2025-03-04 09:00",
            &[
                (1, Role::Acceptor, Command::new(Action::Accept)),
                (1, Role::ShiftLeader, Command::new(Action::Register)),
                (1, Role::Dispatcher, Command::dispatch("U1")),
                (30, Role::Department, Command::new(Action::Feedback)),
            ],
        );
        let mut verify = feedback.clone();
        verify
            .apply(&Command::new(Action::Verify), &actor(Role::Inspector), &w.ctx(), t("2025-03-04 10:00"))
            .unwrap();
        let mut parked = dispatch.clone();
        parked
            .apply(&Command::new(Action::Suspend), &actor(Role::ShiftLeader), &w.ctx(), t("2025-03-04 09:30"))
            .unwrap();
        use QueueBucket as B;
        let cases: [(&str, &Case, Option<QueueBucket>); 9] = [
            ("collect (citizen)", &collect_citizen, Some(B::Accept)),
            ("collect (inspector)", &collect_inspector, Some(B::Accept)),
            ("register", &register, Some(B::Register)),
            ("dispatch", &dispatch, Some(B::Dispatch)),
            ("handle (U1)", &mine, Some(B::Handling)),
            ("handle (U2)", &theirs, Some(B::Handling)),
            ("feedback", &feedback, Some(B::Verify)),
            ("verify", &verify, Some(B::Close)),
            ("parked", &parked, None),
        ];
        // Who sees what: the workflow's own role rules (an inspector verifies only reports made by
        // others; a department only its unit's cases; a leader urges everything active).
        let expect = |role: Role, name: &str| -> bool {
            match role {
                Role::Admin | Role::Leader => name != "parked",
                Role::Acceptor => name.starts_with("collect") || name == "feedback",
                Role::Inspector => name == "collect (citizen)" || name == "feedback",
                Role::ShiftLeader => name == "register" || name == "verify",
                Role::Dispatcher => name == "dispatch",
                Role::Department => name == "handle (U1)",
                // Enforcement roles work penalty files, not the case loop.
                Role::LawOfficer | Role::LegalReviewer | Role::EnforcementChief => false,
            }
        };
        for role in Role::ALL {
            for (name, case, bucket) in &cases {
                let got = queue::bucket(case, &actor(role));
                let want = if expect(role, name) { *bucket } else { None };
                assert_eq!(got, want, "{role:?} / {name}");
                if let Some(b) = got {
                    assert!(queue::works(role, b), "{role:?} works {b:?}");
                }
            }
        }
        // Out of the actor's district: never queued.
        let mut elsewhere = actor(Role::Dispatcher);
        elsewhere.district = Some("370212".into());
        assert_eq!(queue::bucket(&dispatch, &elsewhere), None);
    }

    #[test]
    fn the_queue_is_worked_least_time_left_first() {
        let e = |id: i64, urgency: Urgency, remaining: Option<i64>, deadline: Option<&str>| queue::Entry {
            id,
            bucket: QueueBucket::Dispatch,
            urgency,
            remaining: remaining.map(TimeDelta::minutes),
            deadline: deadline.map(t),
        };
        let mut q = vec![
            e(1, Urgency::Normal, None, None),
            e(2, Urgency::Normal, Some(300), Some("2025-03-05 12:00")),
            e(3, Urgency::DueSoon, Some(20), Some("2025-03-04 10:00")),
            e(4, Urgency::Overdue, Some(-90), Some("2025-03-04 08:00")),
            e(5, Urgency::Overdue, Some(-5), Some("2025-03-04 09:00")),
            // At night no working time passes: red, yellow and plain tie at 0; colour decides.
            e(6, Urgency::DueSoon, Some(0), Some("2025-03-04 23:50")),
            e(7, Urgency::Overdue, Some(0), Some("2025-03-04 23:30")),
            e(8, Urgency::DueSoon, Some(0), Some("2025-03-04 23:40")),
            e(9, Urgency::Normal, Some(300), Some("2025-03-05 12:00")),
        ];
        queue::order(&mut q);
        let ids: Vec<i64> = q.iter().map(|e| e.id).collect();
        assert_eq!(ids, [4, 5, 7, 8, 6, 3, 2, 9, 1]);
    }
}

#[test]
fn a_due_soon_rule_out_of_range_is_refused_by_name() {
    for (bad, name) in [
        ("[due_soon]\nshare = 1.5\nfloor_working_hours = 2.0\n", "due_soon.share"),
        ("[due_soon]\nshare = 0.0\nfloor_working_hours = 2.0\n", "due_soon.share"),
        ("[due_soon]\nshare = 0.8\nfloor_working_hours = -1.0\n", "due_soon.floor_working_hours"),
    ] {
        let e = StageLimits::from_toml(bad).unwrap_err().to_string();
        assert!(e.contains(name), "{bad}: {e}");
    }
    assert_eq!(StageLimits::from_toml("").unwrap().due_soon, DueSoonRule::default());
}
