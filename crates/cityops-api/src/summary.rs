//! The figures of the day for the command hall's wall and for briefings: reports today by channel
//! and hour, what is open, due soon and overdue now, closures and rates today, trucks and alerts,
//! the top problem types, the newest reports and each district's share.

use serde::{Deserialize, Serialize};

use crate::{CaseDto, ChannelCountDto, Timestamp, TypeKey};

/// Reports of one problem type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TypeCountDto {
    /// The type.
    pub type_key: TypeKey,
    /// Its name (Chinese).
    pub name: String,
    /// Reports.
    pub count: u32,
}

/// One district's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DistrictCountDto {
    /// District code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Reports today.
    pub reports: u32,
    /// Active cases now (including due soon and overdue).
    pub open: u32,
    /// Of which overdue now.
    pub overdue: u32,
}

/// The day so far in an area (the city, or a district token's district).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SummaryDto {
    /// Area code (`370200` = the city).
    pub area: String,
    /// Start of the day (00:00 China Standard Time): the window of the "today" figures.
    pub from: Timestamp,
    /// The service's now: the figures are as of this instant.
    pub as_of: Timestamp,
    /// Reports today.
    pub reports: u32,
    /// Reports today by channel.
    pub reports_by_channel: Vec<ChannelCountDto>,
    /// Reports today per hour (index = hour of the day, CST), up to the current hour.
    pub hourly: Vec<u32>,
    /// Active cases now, within their limit and not due soon.
    pub open: u32,
    /// Active cases now, due soon (临期).
    pub due_soon: u32,
    /// Active cases now, overdue (超期).
    pub overdue: u32,
    /// Cases closed today.
    pub closed_today: u32,
    /// 结案率 over today (GB/T 30428.4), if anything was due.
    pub close_rate: Option<f64>,
    /// 按期结案率 over today.
    pub on_time_close_rate: Option<f64>,
    /// Trucks that reported in the last 10 minutes.
    pub trucks_active: u32,
    /// Alerts on the live map: the scenario rules' alerts raised in the last 24 hours.
    pub alerts: u32,
    /// The five most reported types today.
    pub top_types: Vec<TypeCountDto>,
    /// The newest reports (up to 12, newest first; as in lists).
    pub recent: Vec<CaseDto>,
    /// Each district of the area (the city: its ten; a district: itself).
    pub districts: Vec<DistrictCountDto>,
}
