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

/// When a stage counts as due soon (临期, yellow): once `share` of its limit is used, or — for a
/// limit longer than `floor_working_hours` of working time — once fewer working hours than that
/// remain, whichever comes first. The share is measured in working time (on the clock when the
/// limit holds no working time at all, e.g. a 15-minute limit set at night).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DueSoonRule {
    /// Share of the limit used, in (0, 1]; default 0.8.
    pub share: f64,
    /// Working hours left; default 2.
    pub floor_working_hours: f64,
}

impl Default for DueSoonRule {
    fn default() -> Self {
        DueSoonRule { share: 0.8, floor_working_hours: 2.0 }
    }
}

impl Eq for DueSoonRule {}

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
    /// When a stage turns due soon (for every stage, 任务处理 included).
    #[serde(default)]
    pub due_soon: DueSoonRule,
}

impl StageLimits {
    /// Parse the format of `assets/calendar/stage_limits.toml`.
    pub fn from_toml(text: &str) -> Result<StageLimits, WorkflowError> {
        let limits: StageLimits =
            toml::from_str(text).map_err(|e| WorkflowError::MalformedLimits(e.to_string()))?;
        let r = limits.due_soon;
        if !(r.share > 0.0 && r.share <= 1.0) {
            return Err(WorkflowError::MalformedLimits(format!(
                "due_soon.share must lie in (0, 1], got {}",
                r.share
            )));
        }
        if !(r.floor_working_hours.is_finite() && (0.0..=24.0 * 30.0).contains(&r.floor_working_hours)) {
            return Err(WorkflowError::MalformedLimits(format!(
                "due_soon.floor_working_hours must lie in 0..=720, got {}",
                r.floor_working_hours
            )));
        }
        Ok(limits)
    }

    /// The instant a stage opened at `start` with deadline `deadline` turns due soon (see
    /// [`DueSoonRule`]; the share is taken in whole minutes); never after the deadline.
    pub fn due_soon_at(
        &self,
        calendar: &crate::calendar::Calendar,
        start: chrono::NaiveDateTime,
        deadline: chrono::NaiveDateTime,
    ) -> Result<chrono::NaiveDateTime, crate::calendar::CalendarError> {
        use chrono::TimeDelta;
        let r = self.due_soon;
        // Shares are taken in whole minutes (deadlines are kept to the minute).
        let scale =
            |d: TimeDelta, f: f64| TimeDelta::minutes((d.num_seconds() as f64 / 60.0 * f).round() as i64);
        if deadline <= start {
            return Ok(deadline);
        }
        let working = calendar.working_duration(start, deadline)?;
        if working <= TimeDelta::zero() {
            return Ok(start + scale(deadline - start, r.share));
        }
        let mut at = calendar.add_working(start, scale(working, r.share))?;
        let floor = TimeDelta::milliseconds((r.floor_working_hours * 3_600_000.0).round() as i64);
        if working > floor {
            at = at.min(calendar.add_working(start, working - floor)?);
        }
        Ok(at.min(deadline))
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
