//! Per-stage time limits (受理/核实, 立案, 派遣, 核查, 结案) as data; the 任务处理 limit comes from
//! the type's handling standard instead.

use cityops_api::{Stage, TimeLimitDto};
use serde::Deserialize;

use super::WorkflowError;

/// The limit of one stage: a normal one and, optionally, a shorter one for urgent types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageLimit {
    /// Limit for ordinary types.
    pub normal: TimeLimitDto,
    /// Limit for urgent types; the normal one applies when absent.
    #[serde(default)]
    pub urgent: Option<TimeLimitDto>,
}

/// Time limits of the stages that do not take theirs from the handling standard. A stage
/// without a limit has no deadline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageLimits {
    /// 信息收集: 受理 and 核实.
    #[serde(default)]
    pub collect: Option<StageLimit>,
    /// 案卷建立: 立案.
    #[serde(default)]
    pub register: Option<StageLimit>,
    /// 任务派遣: 派遣.
    #[serde(default)]
    pub dispatch: Option<StageLimit>,
    /// 处理反馈: the 核查 on site.
    #[serde(default)]
    pub feedback: Option<StageLimit>,
    /// 核查结案: the 结案 decision.
    #[serde(default)]
    pub verify: Option<StageLimit>,
}

impl StageLimits {
    /// Parse the format of `assets/calendar/stage_limits.toml`.
    pub fn from_toml(text: &str) -> Result<StageLimits, WorkflowError> {
        toml::from_str(text).map_err(|e| WorkflowError::MalformedLimits(e.to_string()))
    }

    /// The limit of `stage` for an urgent or ordinary type. Always `None` for 任务处理 (the
    /// handling standard decides) and 综合评价 (no deadline).
    pub fn limit(&self, stage: Stage, urgent: bool) -> Option<TimeLimitDto> {
        let l = match stage {
            Stage::Collect => self.collect,
            Stage::Register => self.register,
            Stage::Dispatch => self.dispatch,
            Stage::Feedback => self.feedback,
            Stage::Verify => self.verify,
            Stage::Handle | Stage::Evaluate => None,
        }?;
        Some(if urgent { l.urgent.unwrap_or(l.normal) } else { l.normal })
    }
}
