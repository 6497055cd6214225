//! Enumerations named by the standards (GB/T 47678.5, GB/T 30428, CJJ/T 106). Serialised as stable
//! snake_case identifiers; Chinese names come from [`Stage::zh`] and friends.

use serde::{Deserialize, Serialize};

/// Kind of a type in the catalogue. Component and matter tables of GB/T 47678.5 reuse the same
/// numbers, so a type is identified by kind **and** code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TypeKind {
    /// 管理部件 (a city asset such as a manhole cover).
    Component,
    /// 管理事项 (an event or matter such as exposed rubbish).
    Matter,
}

impl TypeKind {
    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            TypeKind::Component => "部件",
            TypeKind::Matter => "事项",
        }
    }
}

/// A type in the catalogue: kind plus 5-digit GB/T 47678.5 code (2-digit class + 3-digit type),
/// or a Qingdao local code for local problem types (legacy GB/T 30428.2 style, 4 digits: 2-digit
/// class + 2-digit type, e.g. `0102` 暴露垃圾); the code width tells the two apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TypeKey {
    /// Component or matter.
    pub kind: TypeKind,
    /// The code, e.g. `06010` (暴露垃圾).
    pub code: String,
}

/// The seven stages of the closed loop (闭环), in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 信息收集: a report has arrived and awaits acceptance/verification.
    Collect,
    /// 案卷建立: accepted and verified, awaiting 立案 by the shift leader.
    Register,
    /// 任务派遣: registered, awaiting dispatch to a handling unit.
    Dispatch,
    /// 任务处理: dispatched; the unit is handling it.
    Handle,
    /// 处理反馈: the unit reported back; awaiting the 核查 request.
    Feedback,
    /// 核查结案: on-site check done or pending; awaiting 结案.
    Verify,
    /// 综合评价: closed and counted in evaluation.
    Evaluate,
}

impl Stage {
    /// All stages in closed-loop order.
    pub const ALL: [Stage; 7] = [
        Stage::Collect,
        Stage::Register,
        Stage::Dispatch,
        Stage::Handle,
        Stage::Feedback,
        Stage::Verify,
        Stage::Evaluate,
    ];

    /// Chinese name as used in regulations.
    pub fn zh(self) -> &'static str {
        match self {
            Stage::Collect => "信息收集",
            Stage::Register => "案卷建立",
            Stage::Dispatch => "任务派遣",
            Stage::Handle => "任务处理",
            Stage::Feedback => "处理反馈",
            Stage::Verify => "核查结案",
            Stage::Evaluate => "综合评价",
        }
    }

    /// English name.
    pub fn en(self) -> &'static str {
        match self {
            Stage::Collect => "Collection",
            Stage::Register => "Registration",
            Stage::Dispatch => "Dispatch",
            Stage::Handle => "Handling",
            Stage::Feedback => "Feedback",
            Stage::Verify => "Verification & closing",
            Stage::Evaluate => "Evaluation",
        }
    }
}

/// Where a case stands overall: in a stage of the loop, or in an exception state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Moving through the loop.
    Active,
    /// 挂账: parked as long-term unsolvable; excluded from 立案数 and 应结案数.
    Suspended,
    /// 作废: invalid report, or 不予立案.
    Cancelled,
    /// 结案: closed (stage is then [`Stage::Evaluate`]).
    Closed,
}

impl CaseStatus {
    /// The one overdue rule: an active case whose current stage's deadline has passed (a parked
    /// (挂账) case has no running deadline; a closed or cancelled one none at all).
    pub fn overdue(self, deadline: Option<crate::Timestamp>, now: crate::Timestamp) -> bool {
        self == CaseStatus::Active && deadline.is_some_and(|d| now > d)
    }

    /// The one due-soon rule (临期, yellow): an active case whose current stage has reached its
    /// due-soon instant and is not yet overdue.
    pub fn due_soon(
        self,
        due_soon_at: Option<crate::Timestamp>,
        deadline: Option<crate::Timestamp>,
        now: crate::Timestamp,
    ) -> bool {
        self == CaseStatus::Active && due_soon_at.is_some_and(|d| now >= d) && !self.overdue(deadline, now)
    }

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            CaseStatus::Active => "办理中",
            CaseStatus::Suspended => "挂账",
            CaseStatus::Cancelled => "作废",
            CaseStatus::Closed => "已结案",
        }
    }
}

/// An action on a case. Each is validated by the core's workflow rules and the actor's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 受理/核实: accept and verify a report (信息收集 → 案卷建立).
    Accept,
    /// 立案: register the case (案卷建立 → 任务派遣).
    Register,
    /// 派遣: dispatch to a handling unit with a deadline (任务派遣 → 任务处理).
    Dispatch,
    /// 反馈: the unit reports the problem handled (任务处理 → 处理反馈).
    Feedback,
    /// 核查: the inspector's on-site check passed (处理反馈 → 核查结案).
    Verify,
    /// 结案: close the case (核查结案 → 综合评价).
    Close,
    /// 回退: the unit rejects the case as not its duty (任务处理 → 任务派遣).
    Return,
    /// 延期: approved extension of the handling deadline.
    Postpone,
    /// 挂账: park a long-term unsolvable case.
    Suspend,
    /// 恢复: resume a parked case.
    Resume,
    /// 作废: invalidate the report.
    Cancel,
    /// 返工: the check failed; send back to the same unit (处理反馈/核查结案 → 任务处理).
    Rework,
    /// 督办: leader or centre urges the handling unit; does not change the stage.
    Supervise,
    /// 合并: a duplicate report is merged into the case it repeats (before dispatch); it ends
    /// cancelled and linked, and the main case lists it. Taken through the merge endpoint.
    Merge,
}

impl Action {
    /// All actions.
    pub const ALL: [Action; 14] = [
        Action::Accept,
        Action::Register,
        Action::Dispatch,
        Action::Feedback,
        Action::Verify,
        Action::Close,
        Action::Return,
        Action::Postpone,
        Action::Suspend,
        Action::Resume,
        Action::Cancel,
        Action::Rework,
        Action::Supervise,
        Action::Merge,
    ];

    /// Whether a person must confirm the action in the console before it is sent: the actions
    /// that end a case (作废, 结案). The desktop shell asks in a native dialog the page cannot
    /// answer for itself; the browser console asks before it sends.
    pub fn needs_confirmation(self) -> bool {
        matches!(self, Action::Cancel | Action::Close)
    }

    /// Whether the action needs a reason in its note (the service refuses it without one): the
    /// exceptions of the loop — 延期, 回退, 挂账, 作废, 返工 — which the record must explain.
    pub fn needs_reason(self) -> bool {
        matches!(self, Action::Postpone | Action::Return | Action::Suspend | Action::Cancel | Action::Rework)
    }

    /// Whether the action needs an explicit new deadline (延期).
    pub fn needs_deadline(self) -> bool {
        self == Action::Postpone
    }

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Action::Accept => "受理",
            Action::Register => "立案",
            Action::Dispatch => "派遣",
            Action::Feedback => "反馈",
            Action::Verify => "核查",
            Action::Close => "结案",
            Action::Return => "回退",
            Action::Postpone => "延期",
            Action::Suspend => "挂账",
            Action::Resume => "恢复",
            Action::Cancel => "作废",
            Action::Rework => "返工",
            Action::Supervise => "督办",
            Action::Merge => "合并",
        }
    }
}

/// Roles in the two-centre model (CJJ/T 106) plus the platform's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 监督员: field inspector; reports, verifies and checks on site.
    Inspector,
    /// 受理员: call-centre operator; accepts reports, issues verify/check requests.
    Acceptor,
    /// 值班长: shift leader; registers (立案) and closes (结案) cases.
    ShiftLeader,
    /// 派遣员: dispatcher; routes cases to handling units.
    Dispatcher,
    /// 专业部门: handling department or grassroots unit.
    Department,
    /// 领导: read-only leader; may urge (督办).
    Leader,
    /// Administrator: everything, including tokens.
    Admin,
    /// 执法队员: law-enforcement officer; registers leads, gathers evidence, serves documents.
    LawOfficer,
    /// 法制审核: legal reviewer; reviews penalty proposals (required for major cases).
    LegalReviewer,
    /// 执法负责人: head of the enforcement agency; approves filing, decides, closes.
    EnforcementChief,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 10] = [
        Role::Inspector,
        Role::Acceptor,
        Role::ShiftLeader,
        Role::Dispatcher,
        Role::Department,
        Role::Leader,
        Role::Admin,
        Role::LawOfficer,
        Role::LegalReviewer,
        Role::EnforcementChief,
    ];

    /// Standing for granting tokens: administrators stand above every other role; the others
    /// are peers (a token may only be created with a role of no higher standing than its
    /// creator's).
    pub fn rank(self) -> u8 {
        u8::from(self == Role::Admin)
    }

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Role::Inspector => "监督员",
            Role::Acceptor => "受理员",
            Role::ShiftLeader => "值班长",
            Role::Dispatcher => "派遣员",
            Role::Department => "专业部门",
            Role::Leader => "领导",
            Role::Admin => "管理员",
            Role::LawOfficer => "执法队员",
            Role::LegalReviewer => "法制审核",
            Role::EnforcementChief => "执法负责人",
        }
    }
}

/// Channel a problem was discovered through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 监督员巡查 (active discovery).
    Inspector,
    /// 公众上报 via app / Open311 (passive).
    Citizen,
    /// 12345 hotline work order (passive).
    Hotline,
    /// 视频AI detection (automatic).
    VideoAi,
    /// IoT sensor alarm (automatic).
    Sensor,
}

impl Channel {
    /// All channels.
    pub const ALL: [Channel; 5] =
        [Channel::Inspector, Channel::Citizen, Channel::Hotline, Channel::VideoAi, Channel::Sensor];

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Channel::Inspector => "监督员巡查",
            Channel::Citizen => "市民上报",
            Channel::Hotline => "12345热线",
            Channel::VideoAi => "视频智能发现",
            Channel::Sensor => "物联感知",
        }
    }
}

/// Unit of a time limit in a handling standard (立结案标准).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// 工作时: hours counted inside working hours on working days.
    WorkingHours,
    /// 工作日: whole working days.
    WorkingDays,
    /// Clock hours (urgent types count around the clock).
    ClockHours,
    /// Clock minutes (urgent types).
    ClockMinutes,
}

impl TimeUnit {
    /// Chinese name of the unit.
    pub fn zh(self) -> &'static str {
        match self {
            TimeUnit::WorkingHours => "工作时",
            TimeUnit::WorkingDays => "工作日",
            TimeUnit::ClockHours => "小时",
            TimeUnit::ClockMinutes => "分钟",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_serialises_as_stable_snake_case() {
        assert_eq!(serde_json::to_string(&Stage::Verify).unwrap(), "\"verify\"");
        assert_eq!(serde_json::to_string(&Channel::VideoAi).unwrap(), "\"video_ai\"");
        assert_eq!(serde_json::to_string(&Role::ShiftLeader).unwrap(), "\"shift_leader\"");
        assert_eq!(serde_json::to_string(&TimeUnit::WorkingHours).unwrap(), "\"working_hours\"");
        let key: TypeKey = serde_json::from_str(r#"{"kind":"matter","code":"06010"}"#).unwrap();
        assert_eq!(key.kind, TypeKind::Matter);
    }

    #[test]
    fn stages_are_in_loop_order() {
        let mut sorted = Stage::ALL;
        sorted.sort();
        assert_eq!(sorted, Stage::ALL);
        assert_eq!(Stage::ALL[0].zh(), "信息收集");
        assert_eq!(Stage::ALL[6].zh(), "综合评价");
    }
}
