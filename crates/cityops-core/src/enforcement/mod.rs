//! Law-enforcement case handling (执法办案): the matter list with its discretion tables, the
//! administrative penalty procedure as a typed workflow, its statutory time limits, and the
//! numbering of the documents a file issues.
//!
//! Everything here is a pure function of the file, the step, the actor, the context (matter
//! list, calendar) and `now`. Deliberately absent: persistence, ids, file and document sequence
//! numbers (the store assigns them), the clock, the PDF rendering of the documents
//! (`cityops-briefing`), and the link back to the 运管服 case (the service applies the case
//! loop's own step when a transferred file closes).
//!
//! **Architecture invariant**: [`apply`] either succeeds and returns the new file, or returns an
//! [`EnforcementError`] and the caller's file is untouched. It never panics.
//!
//! | Step | From | To | Roles (Admin: all) |
//! |---|---|---|---|
//! | 线索登记 Register | — | 线索登记 | 执法队员 |
//! | 立案 File | 线索登记 | 调查取证 | 执法负责人 |
//! | 当场处罚 DecideOnSpot | 线索登记 | 执行 (简易程序; fine within the summary ceiling, two officers) | 执法队员 |
//! | 调查取证 AddEvidence | 线索登记, 调查取证 | same (笔录 need two officers with certificates) | 执法队员 |
//! | 责令改正 OrderCorrection | 调查取证 | same (a date after now) | 执法队员 |
//! | 提交审核 Propose | 调查取证 | 案件审核 (party known, a 笔录 on file, the fine within the level) | 执法队员 |
//! | 审核通过 Approve | 案件审核 | 集体讨论 (major) or 事先告知 | 法制审核; 执法负责人 for non-major cases |
//! | 退回 SendBack | 案件审核 | 调查取证 | 法制审核, 执法负责人 |
//! | 集体讨论 Discuss | 集体讨论 | 事先告知 | 执法负责人 |
//! | 事先告知 Notify | 事先告知 (not yet notified) | same, the statement period running | 执法队员 |
//! | 陈述申辩 RecordStatement | 事先告知 (notified) | same | 执法队员 |
//! | 申请听证 RequestHearing | 事先告知 (notified, entitled, within 5 工作日) | 听证 | 执法队员 |
//! | 举行听证 HoldHearing | 听证 | 处罚决定 | 法制审核, 执法负责人 |
//! | 告知期满 EndNotice | 事先告知 (notified; period over, or a waiver noted) | 处罚决定 | 执法队员, 执法负责人 |
//! | 处罚决定 Decide | 处罚决定 (no heavier than notified) | 送达 | 执法负责人 |
//! | 不予处罚 NoPenalty | 处罚决定 | 结案 (not punished) | 执法负责人 |
//! | 送达 Serve | 送达 | 执行 | 执法队员 |
//! | 缴纳罚款 RecordPayment | 执行 (the whole fine) | 结案 (punished) | 执法队员 |
//! | 强制执行 Enforce | 执行 (after the payment or correction date) | 结案 (punished) | 执法负责人 |
//! | 撤案 Withdraw | 线索登记 … 处罚决定 | 结案 (withdrawn) | 执法负责人 |
//! | 结案 Close | 结案 | 归档 | 执法负责人 |
//! | 归档 Archive | 归档 | archived | 执法队员, 法制审核, 执法负责人 |
//! | 中止 Suspend / 恢复 Resume | 调查取证 … 执行 | same, clock stopped / running | 执法负责人 |
//! | 延期 Extend | 调查取证 … 处罚决定 (1–30 days, a reason) | same, decision limit later | 执法负责人 |
//!
//! Actors with a district scope may only act on files in it.

pub mod matters;
pub mod numbering;
pub mod periods;
mod procedure;
#[cfg(test)]
mod tests;

use chrono::NaiveDateTime;
use cityops_api::{EnfAction, EnfStage, EnfStatus, ErrorCode, EvidenceKind, PartyKind, Role};

use crate::calendar::CalendarError;
pub use matters::{MatterList, check_penalty, fine_range};
pub use periods::{DayCount, Period};
pub use procedure::{
    Applied, Ctx, DECISION_LIMIT, FILING_PERIOD, Issue, Lead, PAYMENT_PERIOD, SERVICE_PERIOD,
    allowed_actions, apply, hearing_request_period, new_file, refresh, statement_period,
};

/// Errors of enforcement: every refused step is one of these; none is a panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnforcementError {
    /// The matter list is malformed.
    #[error("the enforcement matter list is malformed: {0}")]
    MalformedMatters(String),
    /// The matter code is not in the list.
    #[error("unknown enforcement matter {0}")]
    UnknownMatter(String),
    /// The step is not legal in the file's stage and status.
    #[error("{} is not allowed in stage {} with status {}", action.zh(), stage.zh(), status.zh())]
    IllegalStep {
        /// The refused step.
        action: EnfAction,
        /// The file's stage.
        stage: EnfStage,
        /// The file's status.
        status: EnfStatus,
    },
    /// The actor's role may not take this step (here).
    #[error("role {} may not take step {}", role.zh(), action.zh())]
    Forbidden {
        /// The refused step.
        action: EnfAction,
        /// The actor's role.
        role: Role,
    },
    /// The file lies outside the actor's district scope.
    #[error("file in district {district} is outside the actor's scope {scope}")]
    OutOfScope {
        /// The file's district.
        district: String,
        /// The actor's scope.
        scope: String,
    },
    /// A field the step needs is missing or empty.
    #[error("{field} is required: {why}")]
    MissingField {
        /// The field, as on the wire.
        field: &'static str,
        /// What it is for.
        why: &'static str,
    },
    /// The matter cannot be committed by this kind of party.
    #[error("matter {matter} cannot be committed by a {}", party.zh())]
    PartyNotLiable {
        /// The matter.
        matter: String,
        /// The party's kind.
        party: PartyKind,
    },
    /// The discretion level does not exist.
    #[error("matter {matter} has {levels} discretion levels; level {level} does not exist")]
    NoSuchLevel {
        /// The matter.
        matter: String,
        /// The level asked for.
        level: usize,
        /// How many there are.
        levels: usize,
    },
    /// The fine lies outside the discretion level's range.
    #[error("fine {fine} yuan lies outside level {level} of matter {matter} ({min}–{max} yuan)")]
    FineOutOfRange {
        /// The matter.
        matter: String,
        /// The level's name.
        level: String,
        /// The fine asked for, yuan.
        fine: u64,
        /// The level's lowest fine, yuan.
        min: u64,
        /// The level's highest fine, yuan.
        max: u64,
    },
    /// A penalty with no fine, warning or demolition order.
    #[error("a penalty needs a fine, a warning or a demolition order (otherwise decide 不予处罚)")]
    EmptyPenalty,
    /// The summary procedure's ceiling is exceeded.
    #[error("简易程序 allows at most {ceiling} yuan for a {}; {fine} yuan needs the ordinary procedure", party.zh())]
    AboveSummaryCeiling {
        /// The fine asked for.
        fine: u64,
        /// The ceiling.
        ceiling: u64,
        /// The party's kind.
        party: PartyKind,
    },
    /// A record that needs two officers with distinct certificate numbers has fewer.
    #[error("a {} needs two officers with their certificate numbers (执法证号)", kind.zh())]
    TwoOfficersNeeded {
        /// The record's kind.
        kind: EvidenceKind,
    },
    /// The investigation has no record (询问笔录 or 勘验笔录).
    #[error("the file has no 询问笔录 or 勘验笔录 yet")]
    NoRecord,
    /// The party is not entitled to a hearing.
    #[error("neither the amount nor the kind of penalty entitles the party to a hearing")]
    NoHearingRight,
    /// A period has ended.
    #[error("the period for {what} ended at {until}")]
    PeriodEnded {
        /// What the period was for.
        what: &'static str,
        /// When it ended.
        until: NaiveDateTime,
    },
    /// A period is still running.
    #[error("the period for {what} runs until {until}")]
    PeriodRunning {
        /// What the period is for.
        what: &'static str,
        /// When it ends.
        until: NaiveDateTime,
    },
    /// The decision is heavier than what the party was notified of.
    #[error(
        "the decided fine {decided} yuan is above the {notified} yuan the party was notified of: notify again"
    )]
    HeavierThanNotified {
        /// The notified fine.
        notified: u64,
        /// The decided fine.
        decided: u64,
    },
    /// The payment is not the fine.
    #[error("the fine is {due} yuan; {paid} yuan was recorded")]
    PaymentMismatch {
        /// The fine.
        due: u64,
        /// The amount recorded.
        paid: u64,
    },
    /// An extension outside 1–30 days.
    #[error("an extension is 1–30 days; {days} was asked")]
    ExtensionRange {
        /// The days asked for.
        days: u32,
    },
    /// A date that must lie after the step's time does not.
    #[error("{field} ({at}) must be after now ({now})")]
    NotAfterNow {
        /// The field.
        field: &'static str,
        /// Its value.
        at: NaiveDateTime,
        /// The step's time.
        now: NaiveDateTime,
    },
    /// A step dated before the file's last change.
    #[error("step time {now} is before the file's last change {last}")]
    ClockSkew {
        /// The step's time.
        now: NaiveDateTime,
        /// The last change.
        last: NaiveDateTime,
    },
    /// A deadline could not be computed.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

impl EnforcementError {
    /// The wire error code.
    pub fn code(&self) -> ErrorCode {
        use EnforcementError as E;
        match self {
            E::IllegalStep { .. }
            | E::NoRecord
            | E::NoHearingRight
            | E::PeriodEnded { .. }
            | E::PeriodRunning { .. }
            | E::HeavierThanNotified { .. } => ErrorCode::IllegalTransition,
            E::Forbidden { .. } | E::OutOfScope { .. } => ErrorCode::Forbidden,
            E::UnknownMatter(_) => ErrorCode::UnknownCategory,
            E::MissingField { .. }
            | E::PartyNotLiable { .. }
            | E::NoSuchLevel { .. }
            | E::FineOutOfRange { .. }
            | E::EmptyPenalty
            | E::AboveSummaryCeiling { .. }
            | E::TwoOfficersNeeded { .. }
            | E::PaymentMismatch { .. }
            | E::ExtensionRange { .. }
            | E::NotAfterNow { .. } => ErrorCode::InvalidField,
            E::ClockSkew { .. } => ErrorCode::Conflict,
            E::Calendar(CalendarError::NoData { .. }) => ErrorCode::CalendarUnavailable,
            E::MalformedMatters(_) | E::Calendar(_) => ErrorCode::Internal,
        }
    }
}
