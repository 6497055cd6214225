//! Evaluation (GB/T 30428.4) figures on the wire.

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// A–E grade (A 90–100, B 75–<90, C 60–<75, D 40–<60, E <40).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Grade {
    /// 90–100.
    A,
    /// 75–<90.
    B,
    /// 60–<75.
    C,
    /// 40–<60.
    D,
    /// <40.
    E,
}

/// Rates for one area or department over one period. Rates are fractions in [0, 1] or None
/// where the denominator is zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RatesDto {
    /// Area (grid/community/street/district code, or `370200` for the city) or unit code.
    pub subject: String,
    /// Period start (inclusive).
    pub from: Timestamp,
    /// Period end (exclusive).
    pub to: Timestamp,
    /// 立案数.
    pub registered: u32,
    /// 应结案数.
    pub due_to_close: u32,
    /// 结案数.
    pub closed: u32,
    /// 结案率.
    pub close_rate: Option<f64>,
    /// 按期结案率.
    pub on_time_close_rate: Option<f64>,
    /// 处置率.
    pub handle_rate: Option<f64>,
    /// 按期处置率.
    pub on_time_handle_rate: Option<f64>,
    /// 返工率.
    pub rework_rate: Option<f64>,
    /// 按时核实率.
    pub on_time_verify_rate: Option<f64>,
    /// 按时核查率.
    pub on_time_check_rate: Option<f64>,
    /// 监督举报率.
    pub inspector_report_rate: Option<f64>,
    /// Area composite score, 0–100.
    pub composite: Option<f64>,
    /// Grade of the composite.
    pub grade: Option<Grade>,
}

/// Reports of one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChannelCountDto {
    /// The channel.
    pub channel: crate::Channel,
    /// Reports.
    pub count: u32,
}

/// Platform utilisation of an area over a period (reports made in the period, as known now).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UtilisationDto {
    /// Area code.
    pub subject: String,
    /// Period start (inclusive).
    pub from: Timestamp,
    /// Period end (exclusive).
    pub to: Timestamp,
    /// Reports made in the period.
    pub reports: u32,
    /// By channel.
    pub by_channel: Vec<ChannelCountDto>,
    /// Found by inspectors (主动发现).
    pub active: u32,
    /// From citizens and the 12345 hotline (被动受理).
    pub passive: u32,
    /// From video AI and sensors (自动发现).
    pub automatic: u32,
    /// Reports dispatched so far.
    pub dispatched: u32,
    /// Mean minutes from report to dispatch.
    pub mean_dispatch_minutes: Option<f64>,
    /// Dispatches fed back so far.
    pub handled: u32,
    /// Mean minutes from dispatch to the unit's feedback.
    pub mean_handling_minutes: Option<f64>,
    /// Hours per trend bucket: 1 for a period of up to two days, else 24.
    pub trend_hours: u32,
    /// Reports per bucket from `from` (hour by hour, or day by day).
    pub trend: Vec<u32>,
    /// The five most reported types of the period.
    pub top_types: Vec<crate::TypeCountDto>,
}

/// Rates with the evaluated subject's name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NamedRatesDto {
    /// Name of the area or unit.
    pub name: String,
    /// Its rates.
    pub rates: RatesDto,
}

/// An area evaluated with its parts: the area itself, its child areas as peers (the city: its
/// districts; a district: its streets), its units (the city: the city departments; a district:
/// its units), and its platform utilisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvaluationDrillDto {
    /// The area.
    pub area: NamedRatesDto,
    /// Its child areas, best composite first.
    pub children: Vec<NamedRatesDto>,
    /// Its units with cases in the period, best composite first.
    pub units: Vec<NamedRatesDto>,
    /// Reports by channel and the mean times.
    pub utilisation: UtilisationDto,
}
