//! The working calendar on the wire: one year's days off and make-up working days, where they
//! come from, and the answer to loading a State Council notice.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// Where a year's calendar comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum CalendarSource {
    /// The State Council's holiday notice for the year (bundled, or loaded by an admin).
    #[serde(rename = "notice")]
    Notice,
    /// No notice is loaded: the statutory holidays of 《全国年节及纪念日放假办法》 computed for the
    /// year, 补假 for those on a weekend, and weekends, with no make-up working days. Deadlines
    /// counted over such a year are provisional (按法定节假日推算).
    #[serde(rename = "statutory-provisional")]
    StatutoryProvisional,
}

/// A dated day with its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CalendarDayDto {
    /// The date (China Standard Time), `YYYY-MM-DD`.
    pub date: NaiveDate,
    /// Holiday name (e.g. `春节`, `国庆节(补假)`) or make-up day label (e.g. `春节调休`).
    pub name: String,
}

/// When and by whom a notice was loaded at run time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NoticeLoadDto {
    /// When.
    pub at: Timestamp,
    /// Who (token label, or `cli`).
    pub by: String,
}

/// One year of the working calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CalendarYearDto {
    /// The year.
    pub year: i32,
    /// Notice or statutory rule.
    pub source: CalendarSource,
    /// The notice's title, or the statutory rule's citation.
    pub title: String,
    /// `official`, a caveat of the data, or why the year is provisional.
    pub status: String,
    /// Days off (holidays, days of a holiday block, 补假), in date order.
    pub holidays: Vec<CalendarDayDto>,
    /// Weekend days made working days (调休上班), in date order.
    pub makeup_workdays: Vec<CalendarDayDto>,
    /// Number of working days in the year.
    pub working_days: u32,
    /// Daily working periods, e.g. `["08:30", "12:00"]`, China Standard Time.
    pub working_hours: Vec<[String; 2]>,
    /// Weekend days, e.g. `["Sat", "Sun"]`.
    pub weekend: Vec<String>,
    /// Set when the notice was loaded at run time (not bundled with the release).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loaded: Option<NoticeLoadDto>,
}

/// What loading a notice file did, per year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CalendarImportedYearDto {
    /// The year.
    pub year: i32,
    /// Whether the year changed (false: the same notice was already loaded; nothing written).
    pub changed: bool,
    /// Where the year's calendar came from before.
    pub previous: CalendarSource,
}

/// Answer of loading a notice file: every year in the file, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CalendarImportDto {
    /// The years of the file.
    pub years: Vec<CalendarImportedYearDto>,
}
