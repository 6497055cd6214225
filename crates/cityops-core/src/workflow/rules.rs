//! The transition table: which action is legal in which stage and status, where it leads, and
//! which roles may take it. One table, read by both `apply` and `allowed_actions`.

use cityops_api::{Action, CaseStatus, Channel, Role, Stage};

/// Where a legal action leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// End the open entry and open one for this stage (status stays active).
    Stage(Stage),
    /// 结案: end the open entry; the case moves to 综合评价 and is closed.
    Close,
    /// 作废: end the open entry; the case is cancelled where it stands.
    Cancel,
    /// 合并: like 作废, linked to the main case.
    Merge,
    /// 挂账: end the open entry and open a suspended one in the same stage.
    Suspend,
    /// 恢复: end the suspended entry and open an active one in the same stage.
    Resume,
    /// No stage change (延期, 督办).
    Stay,
}

/// Where `action` leads from `stage` in `status`, or `None` when it is illegal there.
pub(super) fn target(stage: Stage, status: CaseStatus, action: Action) -> Option<Target> {
    use Action as A;
    use Stage as S;
    match status {
        CaseStatus::Suspended => (action == A::Resume).then_some(Target::Resume),
        CaseStatus::Closed | CaseStatus::Cancelled => None,
        CaseStatus::Active => match (stage, action) {
            (S::Collect, A::Accept) => Some(Target::Stage(S::Register)),
            (S::Register, A::Register) => Some(Target::Stage(S::Dispatch)),
            (S::Dispatch, A::Dispatch) => Some(Target::Stage(S::Handle)),
            (S::Handle, A::Feedback) => Some(Target::Stage(S::Feedback)),
            (S::Handle, A::Return) => Some(Target::Stage(S::Dispatch)),
            (S::Handle, A::Postpone) => Some(Target::Stay),
            (S::Feedback, A::Verify) => Some(Target::Stage(S::Verify)),
            (S::Feedback | S::Verify, A::Rework) => Some(Target::Stage(S::Handle)),
            (S::Verify, A::Close) => Some(Target::Close),
            (S::Collect | S::Register, A::Cancel) => Some(Target::Cancel),
            (S::Collect | S::Register | S::Dispatch, A::Merge) => Some(Target::Merge),
            (S::Register | S::Dispatch | S::Handle, A::Suspend) => Some(Target::Suspend),
            (S::Evaluate, _) => None,
            (_, A::Supervise) => Some(Target::Stay),
            _ => None,
        },
    }
}

/// Whether the report came from someone other than an inspector, so that acceptance includes an
/// on-site 核实 by an inspector.
pub fn needs_verification(channel: Channel) -> bool {
    channel != Channel::Inspector
}

/// Whether `role` may take `action` in `stage` on a case from `channel`. Admin may do everything.
pub(super) fn role_may(role: Role, action: Action, stage: Stage, channel: Channel) -> bool {
    use Action as A;
    use Role as R;
    if role == R::Admin {
        return true;
    }
    match action {
        A::Accept => role == R::Acceptor || (role == R::Inspector && needs_verification(channel)),
        A::Register | A::Close | A::Suspend | A::Resume => role == R::ShiftLeader,
        A::Dispatch => role == R::Dispatcher,
        A::Feedback | A::Return => role == R::Department,
        A::Verify => matches!(role, R::Inspector | R::Acceptor),
        A::Postpone => matches!(role, R::ShiftLeader | R::Dispatcher),
        A::Cancel => matches!(role, R::Acceptor | R::ShiftLeader),
        A::Rework => match stage {
            Stage::Feedback => matches!(role, R::Inspector | R::Acceptor),
            _ => role == R::ShiftLeader,
        },
        A::Supervise => matches!(role, R::Leader | R::ShiftLeader),
        A::Merge => matches!(role, R::Acceptor | R::ShiftLeader | R::Dispatcher),
    }
}

/// The role that normally works a stage (shown on open log entries).
pub(super) fn responsible(stage: Stage) -> Role {
    match stage {
        Stage::Collect => Role::Acceptor,
        Stage::Register | Stage::Verify | Stage::Evaluate => Role::ShiftLeader,
        Stage::Dispatch => Role::Dispatcher,
        Stage::Handle => Role::Department,
        Stage::Feedback => Role::Inspector,
    }
}
