//! The supervisor's work queue (待办): the cases awaiting the caller's action, most urgent first.

use serde::{Deserialize, Serialize};

use crate::{Action, CaseDto, Stage, Timestamp};

/// What a case in the queue waits for: the next step of the closed loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum QueueBucket {
    /// 待受理 (信息收集: 受理, or 核实 on site).
    Accept,
    /// 待立案 (案卷建立).
    Register,
    /// 待派遣 (任务派遣).
    Dispatch,
    /// 处置中 (任务处理: the department's own cases).
    Handling,
    /// 待核查 (处理反馈).
    Verify,
    /// 待结案 (核查结案).
    Close,
}

impl QueueBucket {
    /// All buckets, in the loop's order.
    pub const ALL: [QueueBucket; 6] = [
        QueueBucket::Accept,
        QueueBucket::Register,
        QueueBucket::Dispatch,
        QueueBucket::Handling,
        QueueBucket::Verify,
        QueueBucket::Close,
    ];

    /// The bucket of an active case in `stage` (none in 综合评价).
    pub fn of(stage: Stage) -> Option<QueueBucket> {
        match stage {
            Stage::Collect => Some(QueueBucket::Accept),
            Stage::Register => Some(QueueBucket::Register),
            Stage::Dispatch => Some(QueueBucket::Dispatch),
            Stage::Handle => Some(QueueBucket::Handling),
            Stage::Feedback => Some(QueueBucket::Verify),
            Stage::Verify => Some(QueueBucket::Close),
            Stage::Evaluate => None,
        }
    }

    /// The stage the bucket holds.
    pub fn stage(self) -> Stage {
        match self {
            QueueBucket::Accept => Stage::Collect,
            QueueBucket::Register => Stage::Register,
            QueueBucket::Dispatch => Stage::Dispatch,
            QueueBucket::Handling => Stage::Handle,
            QueueBucket::Verify => Stage::Feedback,
            QueueBucket::Close => Stage::Verify,
        }
    }

    /// The action that moves a case out of the bucket.
    pub fn action(self) -> Action {
        match self {
            QueueBucket::Accept => Action::Accept,
            QueueBucket::Register => Action::Register,
            QueueBucket::Dispatch => Action::Dispatch,
            QueueBucket::Handling => Action::Feedback,
            QueueBucket::Verify => Action::Verify,
            QueueBucket::Close => Action::Close,
        }
    }

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            QueueBucket::Accept => "待受理",
            QueueBucket::Register => "待立案",
            QueueBucket::Dispatch => "待派遣",
            QueueBucket::Handling => "处置中",
            QueueBucket::Verify => "待核查",
            QueueBucket::Close => "待结案",
        }
    }
}

/// How pressing a queued case is: red, yellow, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Past its stage's deadline (超期, red).
    Overdue,
    /// Due soon (临期, yellow): see [`CaseDto::due_soon_at`].
    DueSoon,
    /// Within its limit, or without one.
    Normal,
}

/// One case in the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueueItemDto {
    /// The case (as in lists: without history or reporter).
    pub case: CaseDto,
    /// What it waits for.
    pub bucket: QueueBucket,
    /// Red, yellow or neither.
    pub urgency: Urgency,
    /// Working minutes left until the stage's deadline (negative: how far past it, in working
    /// minutes); absent without a deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_working_minutes: Option<i64>,
}

/// The count of one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueueCountDto {
    /// The bucket.
    pub bucket: QueueBucket,
    /// Cases in it.
    pub total: u64,
    /// Of which due soon (yellow).
    pub due_soon: u64,
    /// Of which overdue (red).
    pub overdue: u64,
}

/// The due-soon rule in force (so a screen can say what yellow means).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DueSoonRuleDto {
    /// Share of a stage's limit used from which it is due soon (0.8 = 80 %).
    pub share: f64,
    /// Or fewer working hours than this left (for limits longer than that).
    pub floor_working_hours: f64,
}

/// A page of the caller's work queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QueueDto {
    /// The instant the queue was judged at (service clock).
    pub as_of: Timestamp,
    /// The caller's buckets with their counts (every bucket the caller's role works, also when
    /// empty), in the loop's order.
    pub counts: Vec<QueueCountDto>,
    /// Cases in the queue (in the asked bucket, if one was asked).
    pub total: u64,
    /// This page, most urgent first: least working time left (most overdue first), then the
    /// earlier deadline, then the older case; cases without a deadline last.
    pub items: Vec<QueueItemDto>,
    /// Page size.
    pub limit: u32,
    /// Offset of the page.
    pub offset: u32,
    /// What yellow means.
    pub rule: DueSoonRuleDto,
}
