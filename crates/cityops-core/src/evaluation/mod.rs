//! Evaluation (综合评价) from stage logs: the GB/T 30428.4 counts and rates for any area (grid,
//! community, street, district, city) or handling unit over a period, the area composite score
//! and its A–E grade, and a department composite.
//!
//! Deliberately absent: storage and the clock. The caller passes the cases (with their history),
//! the period `[from, to)` and `as_of`, the moment whose knowledge is used (usually now; pass
//! `period.to` for a snapshot that later events cannot change). Events after `as_of` are ignored:
//! an entry that ended later counts as still open.
//!
//! # The counting rule
//!
//! Every item belongs to the period in which it **started**: a report (信息收集 entry) when it
//! arrived, a case when it was registered (立案), a task (任务处理 entry) when it was dispatched,
//! a check (处理反馈 entry) when the unit fed back. An item is **due** (应…数) once it is done or
//! its deadline has passed by `as_of`; it is **on time** (按时/按期) when it was done by its
//! deadline (after approved 延期). Each item is thus counted in exactly one period, and a period
//! evaluated later (larger `as_of`) only gains due items.
//!
//! # Definitions (area)
//!
//! - 立案数: cases registered in the period, minus those parked (挂账) as of `as_of`. 作废 cases
//!   are never registered (作废 is only possible before 立案), so they never count.
//! - 应结案数: of the 立案数 cases, those closed by `as_of` plus those whose current 处置 deadline
//!   has passed. Cases not yet dispatched, or still within their handling deadline, are not due.
//! - 结案数: of the 立案数 cases, those closed by `as_of`. 按期结案数: those of them closed as
//!   正常结案 ([`Closure::Normal`]: every 反馈 by its handling deadline).
//! - 结案率 = 结案数 / 应结案数; 按期结案率 = 按期结案数 / 应结案数.
//! - 监督举报率 = 监督员上报立案数 / 立案数 (cases of the [`Channel::Inspector`] channel).
//! - 应处置数: tasks (任务处理 entries) started in the period and due; tasks ended by 回退 or 挂账
//!   are not handling and are left out (回退 is counted in [`Counts::returned`]).
//!   处置数: tasks ended by 反馈; 按期处置数: of those, by their deadline.
//!   处置率 = 处置数 / 应处置数; 按期处置率 = 按期处置数 / 应处置数.
//! - 返工率 = 返工数 / 处置数, where 返工数 counts handled tasks whose feedback was sent back by
//!   返工 (so the rate lies in [0, 1]).
//! - 按时核实率 = 按时核实数 / 应核实数 over the 信息收集 entries of reports that need an on-site
//!   核实 (every channel but the inspector's own); 受理 or 作废 completes them.
//! - 按时核查率 = 按时核查数 / 应核查数 over 处理反馈 entries; 核查 passed or 返工 completes them.
//! - 按时立案率 and 按时派遣率 likewise over 案卷建立 (completed by 立案 or 作废) and 任务派遣
//!   (completed by 派遣) entries.
//!
//! A rate is `None` when its denominator is zero.
//!
//! For a unit scope, tasks and checks are those of that unit, and case-level counts cover the
//! cases the unit was ever dispatched.

mod utilisation;
pub use utilisation::{Utilisation, discovery, utilisation};

#[cfg(test)]
mod tests;

use chrono::NaiveDateTime;
use cityops_api::{Action, CaseStatus, Channel, Grade, RatesDto, Stage};

use crate::calendar::to_timestamp;
use crate::workflow::{Case, Closure, Location, StageLog, needs_verification};

/// The GB/T 2260 code of Qingdao city; as an area it means every district.
pub const QINGDAO_CITY_CODE: &str = "370200";

/// A half-open period `[from, to)` in CST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// Start, inclusive.
    pub from: NaiveDateTime,
    /// End, exclusive.
    pub to: NaiveDateTime,
}

impl Period {
    /// Whether `t` lies in the period.
    pub fn contains(&self, t: NaiveDateTime) -> bool {
        self.from <= t && t < self.to
    }
}

/// What is evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// An area by code: 15-digit grid, 12-digit community, 9-digit street, 6-digit district, a
    /// 6-digit city code ending in `00` (e.g. `370200`: all its districts), or `""` (everything).
    Area(String),
    /// A handling unit by code (department evaluation).
    Unit(String),
}

impl Scope {
    /// The whole of Qingdao.
    pub fn city() -> Scope {
        Scope::Area(QINGDAO_CITY_CODE.into())
    }

    /// The code evaluated.
    pub fn code(&self) -> &str {
        match self {
            Scope::Area(c) | Scope::Unit(c) => c,
        }
    }

    /// Whether a location lies in an area code. Codes nest (district 6 → street 9 → community 12
    /// → grid 15 digits), so each length is compared with the case's code of that level.
    pub fn area_contains(code: &str, loc: &Location) -> bool {
        match code.len() {
            0 => true,
            6 if code.ends_with("00") => code.get(..4).is_some_and(|p| loc.district_code.starts_with(p)),
            6 => loc.district_code == code,
            9 => loc.street_code == code,
            12 => loc.community_code == code,
            15 => loc.grid_code == code,
            _ => loc.grid_code.starts_with(code),
        }
    }

    fn has_case(&self, case: &Case, as_of: NaiveDateTime) -> bool {
        match self {
            Scope::Area(code) => Scope::area_contains(code, &case.location),
            Scope::Unit(unit) => case.history.iter().any(|e| {
                e.stage == Stage::Handle && e.started_at <= as_of && e.unit_code.as_deref() == Some(unit)
            }),
        }
    }

    fn has_entry(&self, e: &StageLog) -> bool {
        match self {
            Scope::Area(_) => true,
            Scope::Unit(unit) => e.unit_code.as_deref() == Some(unit),
        }
    }
}

/// Due / done / on-time counts of one kind of stage entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// 应…数: done, or past the deadline, by `as_of`.
    pub due: u32,
    /// Done by `as_of`.
    pub done: u32,
    /// Done by the deadline.
    pub on_time: u32,
}

impl Tally {
    /// done / due.
    pub fn done_rate(&self) -> Option<f64> {
        ratio(self.done, self.due)
    }

    /// on_time / due.
    pub fn on_time_rate(&self) -> Option<f64> {
        ratio(self.on_time, self.due)
    }
}

/// The counts behind the rates (see the module docs for the definitions).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// 立案数.
    pub registered: u32,
    /// 监督员上报立案数.
    pub inspector_registered: u32,
    /// 应结案数.
    pub due_to_close: u32,
    /// 结案数.
    pub closed: u32,
    /// 按期结案数.
    pub closed_on_time: u32,
    /// 挂账数: registered in the period and parked as of `as_of`.
    pub suspended: u32,
    /// 作废数: reported in the period and cancelled by `as_of`.
    pub cancelled: u32,
    /// 处置 (任务处理 entries): 应处置数, 处置数, 按期处置数.
    pub handling: Tally,
    /// 返工数.
    pub reworked: u32,
    /// 回退数: tasks started in the period and returned by `as_of`.
    pub returned: u32,
    /// 核实 (信息收集 entries of reports needing verification).
    pub verify: Tally,
    /// 核查 (处理反馈 entries).
    pub check: Tally,
    /// 立案 (案卷建立 entries).
    pub register: Tally,
    /// 派遣 (任务派遣 entries).
    pub dispatch: Tally,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, o: Tally) {
        self.due += o.due;
        self.done += o.done;
        self.on_time += o.on_time;
    }
}

/// Counts are additive: the counts of disjoint areas (or of consecutive periods with the same
/// `as_of`) sum to the counts of their union.
impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.registered += o.registered;
        self.inspector_registered += o.inspector_registered;
        self.due_to_close += o.due_to_close;
        self.closed += o.closed;
        self.closed_on_time += o.closed_on_time;
        self.suspended += o.suspended;
        self.cancelled += o.cancelled;
        self.handling += o.handling;
        self.reworked += o.reworked;
        self.returned += o.returned;
        self.verify += o.verify;
        self.check += o.check;
        self.register += o.register;
        self.dispatch += o.dispatch;
    }
}

/// Rates in [0, 1]; `None` where the denominator is zero.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rates {
    /// 结案率 = 结案数 / 应结案数.
    pub close: Option<f64>,
    /// 按期结案率 = 按期结案数 / 应结案数.
    pub on_time_close: Option<f64>,
    /// 处置率 = 处置数 / 应处置数.
    pub handle: Option<f64>,
    /// 按期处置率 = 按期处置数 / 应处置数.
    pub on_time_handle: Option<f64>,
    /// 返工率 = 返工数 / 处置数.
    pub rework: Option<f64>,
    /// 按时核实率 = 按时核实数 / 应核实数.
    pub on_time_verify: Option<f64>,
    /// 按时核查率 = 按时核查数 / 应核查数.
    pub on_time_check: Option<f64>,
    /// 监督举报率 = 监督员上报立案数 / 立案数.
    pub inspector_report: Option<f64>,
    /// 按时立案率 = 按时立案数 / 应立案数.
    pub on_time_register: Option<f64>,
    /// 按时派遣率 = 按时派遣数 / 应派遣数.
    pub on_time_dispatch: Option<f64>,
}

impl Rates {
    /// Rates from counts.
    pub fn from_counts(c: &Counts) -> Rates {
        Rates {
            close: ratio(c.closed, c.due_to_close),
            on_time_close: ratio(c.closed_on_time, c.due_to_close),
            handle: c.handling.done_rate(),
            on_time_handle: c.handling.on_time_rate(),
            rework: ratio(c.reworked, c.handling.done),
            on_time_verify: c.verify.on_time_rate(),
            on_time_check: c.check.on_time_rate(),
            inspector_report: ratio(c.inspector_registered, c.registered),
            on_time_register: c.register.on_time_rate(),
            on_time_dispatch: c.dispatch.on_time_rate(),
        }
    }
}

/// Weights and bands of the composite scores. The weights of the area composite follow
/// GB/T 30428.4 as reproduced in implementations (domain.md §6); the 立案数 banding and the whole
/// department composite are **cityops' choice**, since the standard's tables were not available.
#[derive(Debug, Clone, PartialEq)]
pub struct CompositeConfig {
    /// 立案数分值 bands: `(max ratio, score)` in ascending ratio, where ratio = 立案数 / baseline
    /// (fewer cases than the baseline scores higher). cityops' default: ≤0.5 → 100, ≤0.8 → 90,
    /// ≤1.0 → 80, ≤1.2 → 70, ≤1.5 → 60.
    pub register_bands: Vec<(f64, f64)>,
    /// 立案数分值 above the last band (default 40).
    pub register_floor: f64,
    /// Department composite weights of 处置率, 按期处置率 and (1 − 返工率); cityops' default
    /// 30 / 50 / 20.
    pub department_weights: [f64; 3],
}

impl Default for CompositeConfig {
    fn default() -> Self {
        CompositeConfig {
            register_bands: vec![(0.5, 100.0), (0.8, 90.0), (1.0, 80.0), (1.2, 70.0), (1.5, 60.0)],
            register_floor: 40.0,
            department_weights: [30.0, 50.0, 20.0],
        }
    }
}

impl CompositeConfig {
    /// 立案数分值 for `registered` cases against a baseline (e.g. the mean of the peer areas).
    /// Without a baseline (or a zero one) the ratio is taken as 1, the neutral band.
    pub fn register_score(&self, registered: u32, baseline: Option<f64>) -> f64 {
        let ratio = match baseline {
            Some(b) if b > 0.0 => f64::from(registered) / b,
            _ => 1.0,
        };
        self.register_bands.iter().find(|(max, _)| ratio <= *max).map_or(self.register_floor, |(_, s)| *s)
    }

    /// Area composite (区域综合指标值), 0–100:
    /// 监督举报率×10% + 立案数分值×20% + 结案率×30% + 按期结案率×40% (rates as percentages).
    /// `None` when one of the rates is undefined.
    pub fn area_composite(&self, rates: &Rates, register_score: f64) -> Option<f64> {
        Some(
            rates.inspector_report? * 100.0 * 0.10
                + register_score * 0.20
                + rates.close? * 100.0 * 0.30
                + rates.on_time_close? * 100.0 * 0.40,
        )
    }

    /// Department composite (cityops' choice), 0–100: 处置率×w0 + 按期处置率×w1 + (1 − 返工率)×w2
    /// with the weights in percent; the rework term is 0 when nothing was handled. `None` when
    /// nothing was due.
    pub fn department_composite(&self, rates: &Rates) -> Option<f64> {
        let [w0, w1, w2] = self.department_weights;
        Some(rates.handle? * w0 + rates.on_time_handle? * w1 + rates.rework.map_or(0.0, |r| 1.0 - r) * w2)
    }
}

/// The grade of a 0–100 score: A 90–100, B 75–<90, C 60–<75, D 40–<60, E <40.
pub fn grade(score: f64) -> Grade {
    match score {
        s if s >= 90.0 => Grade::A,
        s if s >= 75.0 => Grade::B,
        s if s >= 60.0 => Grade::C,
        s if s >= 40.0 => Grade::D,
        _ => Grade::E,
    }
}

/// The evaluation of one subject over one period.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// What was evaluated.
    pub scope: Scope,
    /// The period.
    pub period: Period,
    /// The knowledge cut-off.
    pub as_of: NaiveDateTime,
    /// Counts.
    pub counts: Counts,
    /// Rates.
    pub rates: Rates,
    /// 立案数分值 used (areas only).
    pub register_score: Option<f64>,
    /// Area composite for an area, department composite for a unit.
    pub composite: Option<f64>,
    /// Grade of the composite.
    pub grade: Option<Grade>,
}

impl Evaluation {
    /// Convert for the wire.
    pub fn to_dto(&self) -> RatesDto {
        let r = &self.rates;
        RatesDto {
            subject: self.scope.code().to_string(),
            from: to_timestamp(self.period.from),
            to: to_timestamp(self.period.to),
            registered: self.counts.registered,
            due_to_close: self.counts.due_to_close,
            closed: self.counts.closed,
            close_rate: r.close,
            on_time_close_rate: r.on_time_close,
            handle_rate: r.handle,
            on_time_handle_rate: r.on_time_handle,
            rework_rate: r.rework,
            on_time_verify_rate: r.on_time_verify,
            on_time_check_rate: r.on_time_check,
            inspector_report_rate: r.inspector_report,
            composite: self.composite,
            grade: self.grade,
        }
    }
}

/// Evaluate one area or unit. `baseline` is the reference 立案数 for the 立案数分值 (see
/// [`CompositeConfig::register_score`]); [`evaluate_peers`] supplies the peers' mean.
pub fn evaluate(
    cases: &[Case],
    scope: &Scope,
    period: Period,
    as_of: NaiveDateTime,
    baseline: Option<f64>,
    cfg: &CompositeConfig,
) -> Evaluation {
    let mut c = Counts::default();
    for case in cases.iter().filter(|k| scope.has_case(k, as_of)) {
        count_case(case, scope, period, as_of, &mut c);
    }
    let rates = Rates::from_counts(&c);
    let (register_score, composite) = match scope {
        Scope::Area(_) => {
            let s = cfg.register_score(c.registered, baseline);
            (Some(s), cfg.area_composite(&rates, s))
        }
        Scope::Unit(_) => (None, cfg.department_composite(&rates)),
    };
    Evaluation {
        scope: scope.clone(),
        period,
        as_of,
        counts: c,
        rates,
        register_score,
        composite,
        grade: composite.map(grade),
    }
}

/// Evaluate peer areas together; each area's 立案数分值 is banded against the mean 立案数 of the
/// peers.
pub fn evaluate_peers(
    cases: &[Case],
    areas: &[&str],
    period: Period,
    as_of: NaiveDateTime,
    cfg: &CompositeConfig,
) -> Vec<Evaluation> {
    let first: Vec<Evaluation> = areas
        .iter()
        .map(|a| evaluate(cases, &Scope::Area((*a).to_string()), period, as_of, None, cfg))
        .collect();
    if first.is_empty() {
        return first;
    }
    let mean = first.iter().map(|e| f64::from(e.counts.registered)).sum::<f64>() / first.len() as f64;
    first
        .into_iter()
        .map(|mut e| {
            let s = cfg.register_score(e.counts.registered, Some(mean));
            e.register_score = Some(s);
            e.composite = cfg.area_composite(&e.rates, s);
            e.grade = e.composite.map(grade);
            e
        })
        .collect()
}

fn ratio(num: u32, den: u32) -> Option<f64> {
    (den > 0).then(|| f64::from(num) / f64::from(den))
}

/// When an entry ended, if it did by `as_of`.
fn ended_by(e: &StageLog, as_of: NaiveDateTime) -> Option<NaiveDateTime> {
    e.ended_at.filter(|t| *t <= as_of)
}

/// The deadline of `history[i]` as known at `as_of`: 延期 approved later is not yet known.
fn deadline_as_of(case: &Case, i: usize, as_of: NaiveDateTime) -> Option<NaiveDateTime> {
    let e = &case.history[i];
    case.events
        .iter()
        .find(|ev| {
            ev.action == Action::Postpone
                && ev.at > as_of
                && ev.at >= e.started_at
                && e.ended_at.is_none_or(|end| ev.at <= end)
        })
        .map_or(e.deadline, |ev| ev.deadline_before)
}

/// Whether the case was parked (挂账) at `as_of`.
fn suspended_at(case: &Case, as_of: NaiveDateTime) -> bool {
    case.history
        .iter()
        .rev()
        .find(|e| e.started_at <= as_of)
        .is_some_and(|e| e.status == CaseStatus::Suspended && ended_by(e, as_of).is_none())
}

/// What one entry contributes to a tally.
enum Outcome {
    Skip,
    Pending,
    Due,
    Done { on_time: bool },
}

fn outcome(case: &Case, i: usize, done: &[Action], as_of: NaiveDateTime) -> Outcome {
    let e = &case.history[i];
    match ended_by(e, as_of) {
        Some(end) => match e.action {
            Some(a) if done.contains(&a) => Outcome::Done { on_time: e.deadline.is_none_or(|d| end <= d) },
            _ => Outcome::Skip,
        },
        None => match deadline_as_of(case, i, as_of) {
            Some(d) if d < as_of => Outcome::Due,
            _ => Outcome::Pending,
        },
    }
}

fn add(t: &mut Tally, o: &Outcome) {
    match o {
        Outcome::Skip | Outcome::Pending => {}
        Outcome::Due => t.due += 1,
        Outcome::Done { on_time } => {
            t.due += 1;
            t.done += 1;
            t.on_time += u32::from(*on_time);
        }
    }
}

fn count_case(case: &Case, scope: &Scope, period: Period, as_of: NaiveDateTime, c: &mut Counts) {
    // Case level: the 立案 cohort.
    if let Some(reg) = case.registered_at().filter(|t| period.contains(*t) && *t <= as_of) {
        if suspended_at(case, as_of) {
            c.suspended += 1;
        } else {
            c.registered += 1;
            c.inspector_registered += u32::from(case.channel == Channel::Inspector);
            let close = case.history.iter().find(|e| e.action == Some(Action::Close));
            let closed = close.is_some_and(|e| ended_by(e, as_of).is_some());
            let handle_due = case
                .history
                .iter()
                .enumerate()
                .rev()
                .find(|(_, e)| e.stage == Stage::Handle && e.started_at <= as_of && e.started_at >= reg)
                .and_then(|(i, _)| deadline_as_of(case, i, as_of))
                .is_some_and(|d| d < as_of);
            if closed || handle_due {
                c.due_to_close += 1;
            }
            if closed {
                c.closed += 1;
                c.closed_on_time += u32::from(case.closure() == Some(Closure::Normal));
            }
        }
    }
    if period.contains(case.created_at) && case.created_at <= as_of {
        // A duplicate merged into its main case counts as cancelled (重复上报).
        let cancel = case.history.iter().find(|e| matches!(e.action, Some(Action::Cancel | Action::Merge)));
        c.cancelled += u32::from(cancel.is_some_and(|e| ended_by(e, as_of).is_some()));
    }
    // Entry level.
    for (i, e) in case.history.iter().enumerate() {
        if e.status != CaseStatus::Active || !period.contains(e.started_at) || e.started_at > as_of {
            continue;
        }
        match e.stage {
            Stage::Collect if needs_verification(case.channel) && matches!(scope, Scope::Area(_)) => {
                add(
                    &mut c.verify,
                    &outcome(case, i, &[Action::Accept, Action::Cancel, Action::Merge], as_of),
                );
            }
            Stage::Register if matches!(scope, Scope::Area(_)) => {
                add(
                    &mut c.register,
                    &outcome(case, i, &[Action::Register, Action::Cancel, Action::Merge], as_of),
                );
            }
            Stage::Dispatch if matches!(scope, Scope::Area(_)) => {
                add(&mut c.dispatch, &outcome(case, i, &[Action::Dispatch, Action::Merge], as_of));
            }
            Stage::Handle if scope.has_entry(e) => {
                let o = outcome(case, i, &[Action::Feedback], as_of);
                if matches!(o, Outcome::Done { .. }) && reworked_after(case, i, as_of) {
                    c.reworked += 1;
                }
                if ended_by(e, as_of).is_some() && e.action == Some(Action::Return) {
                    c.returned += 1;
                }
                add(&mut c.handling, &o);
            }
            Stage::Feedback if scope.has_entry(e) => {
                add(&mut c.check, &outcome(case, i, &[Action::Verify, Action::Rework], as_of));
            }
            _ => {}
        }
    }
}

/// Whether the feedback of the task `history[i]` was sent back by 返工 by `as_of`.
fn reworked_after(case: &Case, i: usize, as_of: NaiveDateTime) -> bool {
    case.history[i + 1..]
        .iter()
        .take_while(|e| e.stage != Stage::Handle)
        .any(|e| e.action == Some(Action::Rework) && ended_by(e, as_of).is_some())
}
