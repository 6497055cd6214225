//! The closed loop (闭环) of a case: 信息收集 → 案卷建立 (立案) → 任务派遣 → 任务处理 → 处理反馈 →
//! 核查结案 → 综合评价, with the exception states 挂账, 延期, 回退, 作废, 返工 and 督办, the roles
//! allowed to act, and a stage log (actor, role, start, end, deadline, on-time flag).
//!
//! Everything here is a pure function of the case, the command, the actor, the context (calendar,
//! limits, the type's handling standard) and `now`. Deliberately absent: persistence, ids and
//! case numbers (the caller assigns them), the clock, and the catalogue's types (the caller passes
//! the type's deadline tiers and urgent flag in [`Ctx`]).
//!
//! **Architecture invariant**: [`Case::apply`] either succeeds and returns what changed, or
//! returns a [`WorkflowError`] and leaves the case exactly as it was. It never panics.
//!
//! | Action | From (status active) | To | Roles (Admin: all) |
//! |---|---|---|---|
//! | 受理 Accept | 信息收集 | 案卷建立 | 受理员; 监督员 (核实) for non-inspector channels |
//! | 立案 Register | 案卷建立 | 任务派遣 | 值班长 |
//! | 派遣 Dispatch | 任务派遣 | 任务处理 (unit; deadline from the handling standard's first tier unless given) | 派遣员 |
//! | 反馈 Feedback | 任务处理 | 处理反馈 | 专业部门 of the assigned unit |
//! | 回退 Return | 任务处理 | 任务派遣 (unit cleared) | 专业部门 of the assigned unit |
//! | 延期 Postpone | 任务处理 | same stage, later deadline | 值班长, 派遣员 (approving) |
//! | 核查 Verify | 处理反馈 | 核查结案 | 监督员, 受理员 |
//! | 返工 Rework | 处理反馈 / 核查结案 | 任务处理 (same unit, new deadline) | 监督员, 受理员 / 值班长 |
//! | 结案 Close | 核查结案 | 综合评价, closed | 值班长 |
//! | 挂账 Suspend | 案卷建立, 任务派遣, 任务处理 | same stage, suspended | 值班长 |
//! | 恢复 Resume | (suspended) | same stage, active, stage clock restarted | 值班长 |
//! | 作废 Cancel | 信息收集, 案卷建立 | cancelled | 受理员, 值班长 |
//! | 督办 Supervise | any active stage | no change, counted | 领导, 值班长 |
//! | 合并 Merge | 信息收集, 案卷建立, 任务派遣 | cancelled, linked to the main case | 受理员, 值班长, 派遣员 |
//!
//! Actors with a district scope may only act on cases in it.
//!
//! The stage log obeys: entries are contiguous (each starts when the previous ended), at most one
//! is open, and an open entry exists exactly while the case is active or suspended.

mod limits;
pub mod queue;
mod rules;
mod wire;

use chrono::NaiveDateTime;
use cityops_api::{
    Action, ActionRequest, CaseDto, CaseStatus, Channel, ErrorCode, Role, Stage, StageLogDto, StatusClass,
    TimeLimitDto, TypeKey,
};

use crate::calendar::{Calendar, CalendarError, Deadline, from_timestamp, to_timestamp};
pub use limits::{DueSoonRule, StageLimit, StageLimits};
use rules::Target;
pub use rules::needs_verification;
pub use wire::case_feature;

/// Errors of the workflow. Every refused command is one of these; none is a panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WorkflowError {
    /// The action is not legal in the case's current stage and status.
    #[error("{} (action {action:?}) is not allowed in stage {} with status {}", action.zh(), stage.zh(), status.zh())]
    IllegalTransition {
        /// The refused action.
        action: Action,
        /// The case's stage.
        stage: Stage,
        /// The case's status.
        status: CaseStatus,
    },
    /// The actor's role may not take this action here.
    #[error("role {} may not take action {}", role.zh(), action.zh())]
    Forbidden {
        /// The refused action.
        action: Action,
        /// The actor's role.
        role: Role,
    },
    /// The case lies outside the actor's district scope.
    #[error("case in district {district} is outside the actor's scope {scope}")]
    OutOfScope {
        /// The case's district code.
        district: String,
        /// The actor's scope (district code prefix).
        scope: String,
    },
    /// A department acted on a case not assigned to its unit.
    #[error("case is assigned to {assigned:?}, not to the actor's unit {actor_unit:?}")]
    NotAssignedUnit {
        /// The unit the case is assigned to.
        assigned: Option<String>,
        /// The actor's unit.
        actor_unit: Option<String>,
    },
    /// 派遣 without a target unit.
    #[error("dispatch needs a target unit")]
    MissingUnit,
    /// 延期 without a new deadline.
    #[error("postponing needs the new deadline")]
    MissingDeadline,
    /// 合并 without the main case.
    #[error("merging needs the main case")]
    MissingMergeTarget,
    /// An explicit deadline that is not after `now`.
    #[error("deadline {deadline} is not after now ({now})")]
    DeadlineNotAfterNow {
        /// The requested deadline.
        deadline: NaiveDateTime,
        /// The time of the command.
        now: NaiveDateTime,
    },
    /// 延期 to a deadline that is not later than the current one.
    #[error("postponed deadline {requested} is not later than the current {current:?}")]
    PostponeNotLater {
        /// The current deadline.
        current: Option<NaiveDateTime>,
        /// The requested deadline.
        requested: NaiveDateTime,
    },
    /// The type has no handling deadline tiers and no explicit deadline was given.
    #[error("the type has no handling standard (deadline tiers) and no deadline was given")]
    NoHandlingStandard,
    /// A command dated before the case's last change.
    #[error("command time {now} is before the case's last change {last}")]
    ClockSkew {
        /// The time of the command.
        now: NaiveDateTime,
        /// The case's last change.
        last: NaiveDateTime,
    },
    /// A deadline could not be computed.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    /// The stage-limit data could not be parsed.
    #[error("stage limits are malformed: {0}")]
    MalformedLimits(String),
}

impl WorkflowError {
    /// The wire error code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            WorkflowError::IllegalTransition { .. } => ErrorCode::IllegalTransition,
            WorkflowError::Forbidden { .. }
            | WorkflowError::OutOfScope { .. }
            | WorkflowError::NotAssignedUnit { .. } => ErrorCode::Forbidden,
            WorkflowError::MissingUnit
            | WorkflowError::MissingDeadline
            | WorkflowError::MissingMergeTarget
            | WorkflowError::DeadlineNotAfterNow { .. }
            | WorkflowError::PostponeNotLater { .. } => ErrorCode::InvalidField,
            WorkflowError::ClockSkew { .. } => ErrorCode::Conflict,
            WorkflowError::Calendar(CalendarError::NoData { .. }) => ErrorCode::CalendarUnavailable,
            WorkflowError::NoHandlingStandard
            | WorkflowError::Calendar(_)
            | WorkflowError::MalformedLimits(_) => ErrorCode::Internal,
        }
    }
}

/// Who acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// User id (or unit code for a department account).
    pub id: String,
    /// Role.
    pub role: Role,
    /// District scope: a code prefix the case's district code must start with; `None` = city-wide.
    pub district: Option<String>,
    /// The handling unit a department user belongs to.
    pub unit: Option<String>,
}

impl Actor {
    /// A city-wide actor without a unit.
    pub fn new(id: impl Into<String>, role: Role) -> Actor {
        Actor { id: id.into(), role, district: None, unit: None }
    }

    /// A department user of `unit`.
    pub fn department(id: impl Into<String>, unit: impl Into<String>) -> Actor {
        Actor { unit: Some(unit.into()), ..Actor::new(id, Role::Department) }
    }

    /// Restrict to a district scope.
    pub fn in_district(self, district: impl Into<String>) -> Actor {
        Actor { district: Some(district.into()), ..self }
    }

    fn as_ref(&self) -> ActorRef {
        ActorRef { id: self.id.clone(), role: self.role }
    }
}

/// Who ended a stage-log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorRef {
    /// User id.
    pub id: String,
    /// Role at the time.
    pub role: Role,
}

/// What a command needs besides the case: the calendar, the stage limits, and the case type's
/// handling standard (deadline tiers, first = default) and urgent flag.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// Working-time calendar.
    pub calendar: &'a Calendar,
    /// Limits of the stages other than 任务处理.
    pub limits: &'a StageLimits,
    /// 处置时限 tiers of the case's type; the first is used unless a deadline is given.
    pub handling: &'a [TimeLimitDto],
    /// Whether the type is urgent (shorter stage limits).
    pub urgent: bool,
}

/// A workflow command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The action.
    pub action: Action,
    /// Target unit (派遣).
    pub unit_code: Option<String>,
    /// Explicit deadline (派遣, 返工: instead of the handling standard; 延期: the new deadline).
    pub deadline: Option<NaiveDateTime>,
    /// Note or reason; stored on the log entry the action ends.
    pub note: String,
    /// 合并: the main case.
    pub merge_into: Option<i64>,
}

impl Command {
    /// A command with no parameters.
    pub fn new(action: Action) -> Command {
        Command { action, unit_code: None, deadline: None, note: String::new(), merge_into: None }
    }

    /// 派遣 to `unit` with the handling standard's deadline.
    pub fn dispatch(unit: impl Into<String>) -> Command {
        Command { unit_code: Some(unit.into()), ..Command::new(Action::Dispatch) }
    }

    /// 延期 to `until`.
    pub fn postpone(until: NaiveDateTime) -> Command {
        Command { deadline: Some(until), ..Command::new(Action::Postpone) }
    }

    /// With an explicit deadline.
    pub fn with_deadline(self, deadline: NaiveDateTime) -> Command {
        Command { deadline: Some(deadline), ..self }
    }

    /// With a note.
    pub fn with_note(self, note: impl Into<String>) -> Command {
        Command { note: note.into(), ..self }
    }

    /// From a wire request (the deadline converted to CST).
    pub fn from_request(req: &ActionRequest) -> Command {
        Command {
            action: req.action,
            unit_code: req.unit_code.clone(),
            deadline: req.deadline.map(from_timestamp),
            note: req.note.clone(),
            merge_into: None,
        }
    }

    /// 合并 into `main`.
    pub fn merge(main: i64, note: impl Into<String>) -> Command {
        Command { merge_into: Some(main), note: note.into(), ..Command::new(Action::Merge) }
    }
}

/// Where a case is: coordinates, address and the nested area codes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Location {
    /// WGS84 longitude, degrees.
    pub lon: f64,
    /// WGS84 latitude, degrees.
    pub lat: f64,
    /// Free-text address (事发位置).
    pub address: String,
    /// 15-digit unit grid code.
    pub grid_code: String,
    /// 12-digit community code.
    pub community_code: String,
    /// 9-digit street code.
    pub street_code: String,
    /// 6-digit district code.
    pub district_code: String,
}

/// A new report. Id and case number are assigned by the caller (the store).
#[derive(Debug, Clone, PartialEq)]
pub struct NewCase {
    /// Service-wide id.
    pub id: i64,
    /// Human case number.
    pub case_no: String,
    /// Problem type.
    pub type_key: TypeKey,
    /// Channel of origin.
    pub channel: Channel,
    /// Where.
    pub location: Location,
    /// Reporter's description.
    pub description: String,
    /// Photos or snapshots.
    pub media: Vec<String>,
    /// Detecting camera (video AI).
    pub camera_id: Option<String>,
    /// Source system's event id.
    pub source_ref: Option<String>,
    /// Who reported it (personal data, shown only to some roles by the service).
    pub reporter: Option<cityops_api::ReporterDto>,
}

/// One entry of the stage log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageLog {
    /// The stage.
    pub stage: Stage,
    /// `Active`, or `Suspended` for a 挂账 interval.
    pub status: CaseStatus,
    /// Handling unit during this entry.
    pub unit_code: Option<String>,
    /// When the entry began.
    pub started_at: NaiveDateTime,
    /// When it ended (`None` while open).
    pub ended_at: Option<NaiveDateTime>,
    /// The stage's deadline (after any 延期).
    pub deadline: Option<NaiveDateTime>,
    /// The deadline was counted in working time over a year without a State Council notice
    /// (statutory holidays only); an explicit or postponed deadline never is.
    pub deadline_provisional: bool,
    /// The action that ended the entry.
    pub action: Option<Action>,
    /// Who ended it.
    pub actor: Option<ActorRef>,
    /// Whether it ended by its deadline (`None` while open or without a deadline).
    pub on_time: Option<bool>,
    /// Note given with the ending action.
    pub note: String,
}

impl StageLog {
    fn open(stage: Stage, status: CaseStatus, unit_code: Option<String>, at: NaiveDateTime) -> StageLog {
        StageLog {
            stage,
            status,
            unit_code,
            started_at: at,
            ended_at: None,
            deadline: None,
            deadline_provisional: false,
            action: None,
            actor: None,
            on_time: None,
            note: String::new(),
        }
    }

    fn set_deadline(&mut self, d: Option<Deadline>) {
        self.deadline = d.map(|d| d.at);
        self.deadline_provisional = d.is_some_and(|d| d.provisional);
    }

    /// Whether the entry is still open.
    pub fn is_open(&self) -> bool {
        self.ended_at.is_none()
    }

    /// On time as seen at `now`: the recorded flag once ended; while open, whether `now` is
    /// still within the deadline. `None` without a deadline.
    pub fn on_time_at(&self, now: NaiveDateTime) -> Option<bool> {
        match self.ended_at {
            Some(_) => self.on_time,
            None => self.deadline.map(|d| now <= d),
        }
    }

    /// Convert for the wire; `now` decides the on-time flag of an open entry.
    pub fn to_dto(&self, now: NaiveDateTime) -> StageLogDto {
        let (actor, role) = match &self.actor {
            Some(a) => (a.id.clone(), a.role),
            None if self.status == CaseStatus::Suspended => (String::new(), Role::ShiftLeader),
            None if self.stage == Stage::Handle => {
                (self.unit_code.clone().unwrap_or_default(), rules::responsible(self.stage))
            }
            None => (String::new(), rules::responsible(self.stage)),
        };
        StageLogDto {
            stage: self.stage,
            action: self.action,
            actor,
            role,
            started_at: to_timestamp(self.started_at),
            ended_at: self.ended_at.map(to_timestamp),
            deadline: self.deadline.map(to_timestamp),
            deadline_provisional: self.deadline_provisional,
            on_time: self.on_time_at(now),
            note: self.note.clone(),
            unit_code: self.unit_code.clone(),
            suspended: self.status == CaseStatus::Suspended,
        }
    }
}

/// An action that did not change the stage (延期, 督办), kept for audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseEvent {
    /// The action.
    pub action: Action,
    /// Who.
    pub actor: ActorRef,
    /// When.
    pub at: NaiveDateTime,
    /// Deadline before the action.
    pub deadline_before: Option<NaiveDateTime>,
    /// Deadline after the action.
    pub deadline_after: Option<NaiveDateTime>,
    /// Note.
    pub note: String,
}

/// How a closed case was closed, derived from its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Closure {
    /// 正常结案: every 任务处理 that ended in 反馈 did so by its (possibly postponed) deadline.
    Normal,
    /// 超时结案: some 任务处理 was fed back after its deadline.
    Overdue,
}

impl Closure {
    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Closure::Normal => "正常结案",
            Closure::Overdue => "超时结案",
        }
    }
}

/// One observable change made by a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The stage moved.
    Stage {
        /// Before.
        from: Stage,
        /// After.
        to: Stage,
    },
    /// The status changed.
    Status {
        /// Before.
        from: CaseStatus,
        /// After.
        to: CaseStatus,
    },
    /// The handling unit changed.
    Unit {
        /// Before.
        from: Option<String>,
        /// After.
        to: Option<String>,
    },
    /// The current deadline changed.
    Deadline {
        /// Before.
        from: Option<NaiveDateTime>,
        /// After.
        to: Option<NaiveDateTime>,
    },
    /// 返工 counted; the new count.
    Reworked(u32),
    /// 督办 counted; the new count.
    Supervised(u32),
}

/// A case (案卷): the aggregate the workflow acts on.
///
/// Fields are public so that stores can persist and rebuild cases; change a case only through
/// [`Case::apply`], which keeps the log invariants.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// Service-wide id.
    pub id: i64,
    /// Human case number.
    pub case_no: String,
    /// Problem type.
    pub type_key: TypeKey,
    /// Channel of origin.
    pub channel: Channel,
    /// Where.
    pub location: Location,
    /// Reporter's description.
    pub description: String,
    /// Handling unit, once dispatched (cleared by 回退).
    pub unit_code: Option<String>,
    /// Current stage.
    pub stage: Stage,
    /// Current status.
    pub status: CaseStatus,
    /// Deadline of the open entry, if any.
    pub deadline: Option<NaiveDateTime>,
    /// Whether that deadline is provisional (see [`StageLog::deadline_provisional`]).
    pub deadline_provisional: bool,
    /// When the open entry turns due soon ([`StageLimits::due_soon_at`]).
    pub due_soon_at: Option<NaiveDateTime>,
    /// Number of 返工.
    pub rework_count: u32,
    /// Number of 督办.
    pub supervise_count: u32,
    /// Photos or snapshots.
    pub media: Vec<String>,
    /// Detecting camera.
    pub camera_id: Option<String>,
    /// Source system's event id.
    pub source_ref: Option<String>,
    /// Who reported it (personal data, shown only to some roles by the service).
    pub reporter: Option<cityops_api::ReporterDto>,
    /// When the report arrived.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
    /// Stage log, oldest first.
    pub history: Vec<StageLog>,
    /// 延期 and 督办 records, oldest first.
    pub events: Vec<CaseEvent>,
    /// The main case this duplicate was merged into.
    pub merged_into: Option<i64>,
    /// Duplicates merged into this case.
    pub merged: Vec<i64>,
}

impl Case {
    /// A new case in 信息收集, with the collection deadline from the stage limits.
    pub fn new(new: NewCase, ctx: &Ctx<'_>, now: NaiveDateTime) -> Result<Case, WorkflowError> {
        let mut first = StageLog::open(Stage::Collect, CaseStatus::Active, None, now);
        first.set_deadline(stage_deadline(Stage::Collect, None, ctx, now)?);
        let due_soon_at = due_soon_at(ctx, now, first.deadline)?;
        Ok(Case {
            id: new.id,
            case_no: new.case_no,
            type_key: new.type_key,
            channel: new.channel,
            location: new.location,
            description: new.description,
            unit_code: None,
            stage: Stage::Collect,
            status: CaseStatus::Active,
            deadline: first.deadline,
            deadline_provisional: first.deadline_provisional,
            due_soon_at,
            rework_count: 0,
            supervise_count: 0,
            media: new.media,
            camera_id: new.camera_id,
            source_ref: new.source_ref,
            reporter: new.reporter,
            created_at: now,
            updated_at: now,
            history: vec![first],
            events: Vec::new(),
            merged_into: None,
            merged: Vec::new(),
        })
    }

    /// Set the current deadline; clears the due-soon instant (the caller sets the new one).
    fn set_deadline(&mut self, d: Option<Deadline>) {
        self.deadline = d.map(|d| d.at);
        self.deadline_provisional = d.is_some_and(|d| d.provisional);
        self.due_soon_at = None;
    }

    /// The open log entry, if the case is active or suspended.
    pub fn current(&self) -> Option<&StageLog> {
        self.history.last().filter(|e| e.is_open())
    }

    /// Check whether `actor` may take `action` now (stage, status, role, scope, unit), without
    /// looking at command parameters.
    pub fn check(&self, action: Action, actor: &Actor) -> Result<(), WorkflowError> {
        rules::target(self.stage, self.status, action).ok_or(WorkflowError::IllegalTransition {
            action,
            stage: self.stage,
            status: self.status,
        })?;
        if !rules::role_may(actor.role, action, self.stage, self.channel) {
            return Err(WorkflowError::Forbidden { action, role: actor.role });
        }
        if let Some(scope) = &actor.district
            && !self.location.district_code.starts_with(scope.as_str())
        {
            return Err(WorkflowError::OutOfScope {
                district: self.location.district_code.clone(),
                scope: scope.clone(),
            });
        }
        if actor.role == Role::Department && (actor.unit.is_none() || actor.unit != self.unit_code) {
            return Err(WorkflowError::NotAssignedUnit {
                assigned: self.unit_code.clone(),
                actor_unit: actor.unit.clone(),
            });
        }
        Ok(())
    }

    /// The actions `actor` may take now; the UI shows exactly these.
    pub fn allowed_actions(&self, actor: &Actor) -> Vec<Action> {
        Action::ALL.into_iter().filter(|a| self.check(*a, actor).is_ok()).collect()
    }

    /// Apply a command. On success the case has changed and the changes are returned; on error
    /// the case is untouched.
    pub fn apply(
        &mut self,
        cmd: &Command,
        actor: &Actor,
        ctx: &Ctx<'_>,
        now: NaiveDateTime,
    ) -> Result<Vec<Change>, WorkflowError> {
        let mut next = self.clone();
        next.transition(cmd, actor, ctx, now)?;
        let changes = diff(self, &next);
        *self = next;
        Ok(changes)
    }

    fn transition(
        &mut self,
        cmd: &Command,
        actor: &Actor,
        ctx: &Ctx<'_>,
        now: NaiveDateTime,
    ) -> Result<(), WorkflowError> {
        if now < self.updated_at {
            return Err(WorkflowError::ClockSkew { now, last: self.updated_at });
        }
        let action = cmd.action;
        self.check(action, actor)?;
        let target = rules::target(self.stage, self.status, action)
            .ok_or(WorkflowError::IllegalTransition { action, stage: self.stage, status: self.status })?;
        if let Some(d) = cmd.deadline
            && d <= now
        {
            return Err(WorkflowError::DeadlineNotAfterNow { deadline: d, now });
        }
        match target {
            Target::Stay => self.stay(cmd, actor, ctx, now)?,
            Target::Stage(stage) => {
                let unit = match action {
                    Action::Dispatch => Some(cmd.unit_code.clone().ok_or(WorkflowError::MissingUnit)?),
                    Action::Return => None,
                    _ => self.unit_code.clone(),
                };
                let deadline = stage_deadline(stage, cmd.deadline, ctx, now)?;
                self.end_current(cmd, actor, now);
                let mut entry = StageLog::open(stage, CaseStatus::Active, unit.clone(), now);
                entry.set_deadline(deadline);
                self.history.push(entry);
                if action == Action::Rework {
                    self.rework_count += 1;
                }
                self.unit_code = unit;
                self.stage = stage;
                self.set_deadline(deadline);
                self.due_soon_at = due_soon_at(ctx, now, self.deadline)?;
            }
            Target::Close | Target::Cancel | Target::Merge => {
                let main = match target {
                    Target::Merge => Some(cmd.merge_into.ok_or(WorkflowError::MissingMergeTarget)?),
                    _ => None,
                };
                self.end_current(cmd, actor, now);
                if target == Target::Close {
                    self.stage = Stage::Evaluate;
                    self.status = CaseStatus::Closed;
                } else {
                    self.status = CaseStatus::Cancelled;
                    self.merged_into = main;
                }
                self.set_deadline(None);
            }
            Target::Suspend => {
                self.end_current(cmd, actor, now);
                self.history.push(StageLog::open(
                    self.stage,
                    CaseStatus::Suspended,
                    self.unit_code.clone(),
                    now,
                ));
                self.status = CaseStatus::Suspended;
                self.set_deadline(None);
            }
            Target::Resume => {
                // The stage's clock restarts from the resumption.
                let deadline = stage_deadline(self.stage, None, ctx, now)?;
                self.end_current(cmd, actor, now);
                let mut entry = StageLog::open(self.stage, CaseStatus::Active, self.unit_code.clone(), now);
                entry.set_deadline(deadline);
                self.history.push(entry);
                self.status = CaseStatus::Active;
                self.set_deadline(deadline);
                self.due_soon_at = due_soon_at(ctx, now, self.deadline)?;
            }
        }
        self.updated_at = now;
        Ok(())
    }

    fn stay(
        &mut self,
        cmd: &Command,
        actor: &Actor,
        ctx: &Ctx<'_>,
        now: NaiveDateTime,
    ) -> Result<(), WorkflowError> {
        let before = self.deadline;
        if cmd.action == Action::Postpone {
            let requested = cmd.deadline.ok_or(WorkflowError::MissingDeadline)?;
            if before.is_some_and(|d| requested <= d) {
                return Err(WorkflowError::PostponeNotLater { current: before, requested });
            }
            let explicit = Some(Deadline { at: requested, provisional: false });
            self.set_deadline(explicit);
            // The extended limit runs from the stage's start.
            let start = self.current().map_or(now, |e| e.started_at);
            self.due_soon_at = due_soon_at(ctx, start, self.deadline)?;
            if let Some(e) = self.history.last_mut() {
                e.set_deadline(explicit);
            }
        } else {
            self.supervise_count += 1;
        }
        self.events.push(CaseEvent {
            action: cmd.action,
            actor: actor.as_ref(),
            at: now,
            deadline_before: before,
            deadline_after: self.deadline,
            note: cmd.note.clone(),
        });
        Ok(())
    }

    fn end_current(&mut self, cmd: &Command, actor: &Actor, now: NaiveDateTime) {
        if let Some(e) = self.history.last_mut().filter(|e| e.is_open()) {
            e.ended_at = Some(now);
            e.action = Some(cmd.action);
            e.actor = Some(actor.as_ref());
            e.on_time = e.deadline.map(|d| now <= d);
            e.note = cmd.note.clone();
        }
    }

    /// Record `duplicate` as merged into this case (idempotent). Only an active or parked case
    /// that is not itself merged can take duplicates.
    pub fn link_duplicate(&mut self, duplicate: i64, now: NaiveDateTime) -> Result<(), WorkflowError> {
        if !matches!(self.status, CaseStatus::Active | CaseStatus::Suspended) {
            return Err(WorkflowError::IllegalTransition {
                action: Action::Merge,
                stage: self.stage,
                status: self.status,
            });
        }
        if !self.merged.contains(&duplicate) {
            self.merged.push(duplicate);
        }
        self.updated_at = self.updated_at.max(now);
        Ok(())
    }

    /// Whether the case is active and past the deadline of its current stage (the wire's rule,
    /// [`CaseStatus::overdue`]).
    pub fn is_overdue(&self, now: NaiveDateTime) -> bool {
        self.status.overdue(self.deadline.map(to_timestamp), to_timestamp(now))
    }

    /// Whether the case is active, past its due-soon instant and not yet overdue (the wire's
    /// rule, [`CaseStatus::due_soon`]).
    pub fn is_due_soon(&self, now: NaiveDateTime) -> bool {
        self.status.due_soon(
            self.due_soon_at.map(to_timestamp),
            self.deadline.map(to_timestamp),
            to_timestamp(now),
        )
    }

    /// Status class on the map ([`StatusClass::of_case`]): closed, overdue, due soon, or open
    /// (including 挂账); `None` for a cancelled case, which leaves the map.
    pub fn status_class(&self, now: NaiveDateTime) -> Option<StatusClass> {
        StatusClass::of_case(self.status, self.is_overdue(now), self.is_due_soon(now))
    }

    /// 正常结案 or 超时结案 for a closed case; `None` otherwise.
    pub fn closure(&self) -> Option<Closure> {
        (self.status == CaseStatus::Closed).then(|| {
            let late = self.history.iter().any(|e| {
                e.stage == Stage::Handle && e.action == Some(Action::Feedback) && e.on_time == Some(false)
            });
            if late { Closure::Overdue } else { Closure::Normal }
        })
    }

    /// The moment of 立案, if the case was registered.
    pub fn registered_at(&self) -> Option<NaiveDateTime> {
        self.history.iter().find(|e| e.action == Some(Action::Register)).and_then(|e| e.ended_at)
    }

    /// When the case was closed (结案), if it was.
    pub fn closed_at(&self) -> Option<NaiveDateTime> {
        self.history.iter().find(|e| e.action == Some(Action::Close)).and_then(|e| e.ended_at)
    }

    /// Convert for the wire, with the full history; `now` decides the overdue flags.
    pub fn to_dto(&self, now: NaiveDateTime) -> CaseDto {
        CaseDto {
            id: self.id,
            case_no: self.case_no.clone(),
            type_key: self.type_key.clone(),
            channel: self.channel,
            stage: self.stage,
            status: self.status,
            lon: self.location.lon,
            lat: self.location.lat,
            address: self.location.address.clone(),
            description: self.description.clone(),
            grid_code: self.location.grid_code.clone(),
            community_code: self.location.community_code.clone(),
            street_code: self.location.street_code.clone(),
            district_code: self.location.district_code.clone(),
            unit_code: self.unit_code.clone(),
            deadline: self.deadline.map(to_timestamp),
            deadline_provisional: self.deadline_provisional,
            overdue: self.is_overdue(now),
            due_soon_at: self.due_soon_at.map(to_timestamp),
            due_soon: self.is_due_soon(now),
            rework_count: self.rework_count,
            supervise_count: self.supervise_count,
            media: self.media.clone(),
            camera_id: self.camera_id.clone(),
            source_ref: self.source_ref.clone(),
            reporter: self.reporter.clone(),
            created_at: to_timestamp(self.created_at),
            updated_at: to_timestamp(self.updated_at),
            merged_into: self.merged_into,
            merged: self.merged.clone(),
            history: self.history.iter().map(|e| e.to_dto(now)).collect(),
            events: self.events.iter().map(CaseEvent::to_dto).collect(),
        }
    }
}

/// When an entry opened at `start` with `deadline` turns due soon.
fn due_soon_at(
    ctx: &Ctx<'_>,
    start: NaiveDateTime,
    deadline: Option<NaiveDateTime>,
) -> Result<Option<NaiveDateTime>, WorkflowError> {
    Ok(match deadline {
        Some(d) => Some(ctx.limits.due_soon_at(ctx.calendar, start, d)?),
        None => None,
    })
}

/// The deadline of a new entry of `stage` opened at `now`: the explicit one if given, else the
/// handling standard's first tier for 任务处理, else the stage limit (urgent or normal).
fn stage_deadline(
    stage: Stage,
    explicit: Option<NaiveDateTime>,
    ctx: &Ctx<'_>,
    now: NaiveDateTime,
) -> Result<Option<Deadline>, WorkflowError> {
    if stage == Stage::Handle {
        if let Some(at) = explicit {
            return Ok(Some(Deadline { at, provisional: false }));
        }
        let tier = ctx.handling.first().ok_or(WorkflowError::NoHandlingStandard)?;
        return Ok(Some(ctx.calendar.deadline(now, *tier)?));
    }
    match ctx.limits.limit(stage, ctx.urgent) {
        Some(l) => Ok(Some(ctx.calendar.deadline(now, l)?)),
        None => Ok(None),
    }
}

fn diff(a: &Case, b: &Case) -> Vec<Change> {
    let mut out = Vec::new();
    if a.stage != b.stage {
        out.push(Change::Stage { from: a.stage, to: b.stage });
    }
    if a.status != b.status {
        out.push(Change::Status { from: a.status, to: b.status });
    }
    if a.unit_code != b.unit_code {
        out.push(Change::Unit { from: a.unit_code.clone(), to: b.unit_code.clone() });
    }
    if a.deadline != b.deadline {
        out.push(Change::Deadline { from: a.deadline, to: b.deadline });
    }
    if a.rework_count != b.rework_count {
        out.push(Change::Reworked(b.rework_count));
    }
    if a.supervise_count != b.supervise_count {
        out.push(Change::Supervised(b.supervise_count));
    }
    out
}

#[cfg(test)]
mod tests;
