//! Tunable thresholds of the scenario rules, with documented defaults, loaded from TOML text
//! (`assets/scenario/rules.toml` is the default file). Every key is optional; unknown keys are
//! errors so a misspelt threshold cannot silently fall back to its default.

use chrono::{NaiveTime, TimeDelta};
use cityops_api::{TypeKey, TypeKind};
use serde::Deserialize;

use super::{Result, ScenarioError};

/// All scenario settings.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScenarioConfig {
    /// Waste-truck routes: off-route distance, stop radius.
    pub route: RouteConfig,
    /// Construction dust (PM10).
    pub dust: DustConfig,
    /// Construction noise.
    pub noise: NoiseConfig,
    /// Video-AI detections.
    pub video: VideoConfig,
    /// The dispatch-time duplicate check.
    pub duplicates: DuplicatesConfig,
    /// The hotspot rule.
    pub hotspot: HotspotConfig,
}

impl ScenarioConfig {
    /// Parses and validates a configuration. Missing keys take their defaults.
    ///
    /// ```
    /// use cityops_core::scenario::ScenarioConfig;
    /// let c = ScenarioConfig::from_toml("[route]\noff_route_m = 80.0\n").unwrap();
    /// assert_eq!(c.route.off_route_m, 80.0);
    /// assert_eq!(c.route.off_route_fixes, 2);
    /// assert!(ScenarioConfig::from_toml("[route]\noff_route = 80.0\n").is_err());
    /// ```
    pub fn from_toml(text: &str) -> Result<Self> {
        let config: ScenarioConfig =
            toml::from_str(text).map_err(|e| ScenarioError::ConfigSyntax(e.message().to_owned()))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks every value is in range.
    pub fn validate(&self) -> Result<()> {
        self.route.validate()?;
        self.dust.validate()?;
        self.noise.validate()?;
        self.video.validate()?;
        self.duplicates.validate()?;
        self.hotspot.validate()
    }
}

fn positive(key: &'static str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(ScenarioError::InvalidConfig { key, reason: "must be a positive number" })
    }
}

fn at_least_one(key: &'static str, v: u32) -> Result<()> {
    if v >= 1 { Ok(()) } else { Err(ScenarioError::InvalidConfig { key, reason: "must be at least 1" }) }
}

fn share(key: &'static str, v: f64) -> Result<()> {
    if (0.0..1.0).contains(&v) {
        Ok(())
    } else {
        Err(ScenarioError::InvalidConfig { key, reason: "must be in [0, 1)" })
    }
}

/// Settings of [`super::RouteMonitor`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RouteConfig {
    /// A fix farther than this from its truck's route line is off route, metres. Default 50 m
    /// (cityops default: a street width plus consumer-GPS error).
    pub off_route_m: f64,
    /// Consecutive off-route fixes before the alert, so one GPS glitch does not alarm. Default 2.
    pub off_route_fixes: u32,
    /// A stop counts as visited when a fix comes within this distance of it, metres (or falls in
    /// its compound). Default 30 m.
    pub stop_radius_m: f64,
}

impl Default for RouteConfig {
    fn default() -> Self {
        RouteConfig { off_route_m: 50.0, off_route_fixes: 2, stop_radius_m: 30.0 }
    }
}

impl RouteConfig {
    pub(crate) fn validate(&self) -> Result<()> {
        positive("route.off_route_m", self.off_route_m)?;
        at_least_one("route.off_route_fixes", self.off_route_fixes)?;
        positive("route.stop_radius_m", self.stop_radius_m)
    }
}

/// Settings of the PM10 rule of [`super::SiteMonitor`].
///
/// An alarm is raised when, over the last `window_min` minutes, there are at least
/// `min_readings` readings, their average exceeds `threshold_ugm3`, and more than
/// `min_share_above` of them exceed it (so one spike, however high, cannot lift the average into
/// an alarm). One alarm per episode: the episode ends when the window average falls back to the
/// threshold or below.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DustConfig {
    /// PM10 threshold, µg/m³. Default 150 µg/m³: the class II 24-hour PM10 limit of GB 3095-2012
    /// 《环境空气质量标准》, used by cityops as its default site-boundary alarm level
    /// (configurable; a city may set its own 扬尘 control level).
    pub threshold_ugm3: f64,
    /// Sustained window, minutes. Default 15.
    pub window_min: u32,
    /// Readings the window must hold before it is judged. Default 15 (one a minute, a full
    /// window: "15 consecutive minutes").
    pub min_readings: u32,
    /// Share of the window's readings that must exceed the threshold, exclusive. Default 0.5 (a
    /// majority).
    pub min_share_above: f64,
    /// Case type filed for an alarm. Default matter 08004 工地扬尘 (GB/T 47678.5-2026).
    pub case_type: TypeKey,
}

impl Default for DustConfig {
    fn default() -> Self {
        DustConfig {
            threshold_ugm3: 150.0,
            window_min: 15,
            min_readings: 15,
            min_share_above: 0.5,
            case_type: TypeKey { kind: TypeKind::Matter, code: "08004".into() },
        }
    }
}

impl DustConfig {
    pub(crate) fn validate(&self) -> Result<()> {
        positive("dust.threshold_ugm3", self.threshold_ugm3)?;
        at_least_one("dust.window_min", self.window_min)?;
        at_least_one("dust.min_readings", self.min_readings)?;
        share("dust.min_share_above", self.min_share_above)
    }

    /// The window as a duration.
    pub fn window(&self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.window_min))
    }
}

/// Settings of the noise rule of [`super::SiteMonitor`].
///
/// Limits are GB 12523-2011 《建筑施工场界环境噪声排放限值》: 70 dB(A) by day, 55 dB(A) by
/// night, night being 22:00–06:00 (the 噪声污染防治法 definition). The window level is the
/// equivalent continuous level L_Aeq (energy average) of its readings, compared with the limit in
/// force at the latest reading; the share rule and the one-alarm-per-episode rule are the same as
/// for dust.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoiseConfig {
    /// Day limit, dB(A). Default 70.
    pub day_limit_dba: f64,
    /// Night limit, dB(A). Default 55.
    pub night_limit_dba: f64,
    /// Night starts at. Default 22:00:00.
    pub night_start: NaiveTime,
    /// Night ends at (next morning when earlier than `night_start`). Default 06:00:00.
    pub night_end: NaiveTime,
    /// Sustained window, minutes. Default 5.
    pub window_min: u32,
    /// Readings the window must hold before it is judged. Default 5.
    pub min_readings: u32,
    /// Share of readings that must exceed their limit, exclusive. Default 0.5.
    pub min_share_above: f64,
    /// Case type filed for an alarm. Default matter 08001 施工扰民: GB/T 47678.5-2026 has no
    /// 施工噪音 matter, and 施工扰民 is the class-08 施工管理类 matter that covers construction
    /// noise (Qingdao's local 0312 夜间施工 maps to it too).
    pub case_type: TypeKey,
}

impl Default for NoiseConfig {
    fn default() -> Self {
        NoiseConfig {
            day_limit_dba: 70.0,
            night_limit_dba: 55.0,
            night_start: NaiveTime::from_hms_opt(22, 0, 0).unwrap_or(NaiveTime::MIN),
            night_end: NaiveTime::from_hms_opt(6, 0, 0).unwrap_or(NaiveTime::MIN),
            window_min: 5,
            min_readings: 5,
            min_share_above: 0.5,
            case_type: TypeKey { kind: TypeKind::Matter, code: "08001".into() },
        }
    }
}

impl NoiseConfig {
    pub(crate) fn validate(&self) -> Result<()> {
        positive("noise.day_limit_dba", self.day_limit_dba)?;
        positive("noise.night_limit_dba", self.night_limit_dba)?;
        at_least_one("noise.window_min", self.window_min)?;
        at_least_one("noise.min_readings", self.min_readings)?;
        share("noise.min_share_above", self.min_share_above)?;
        if self.night_start == self.night_end {
            return Err(ScenarioError::InvalidConfig {
                key: "noise.night_start",
                reason: "must differ from noise.night_end",
            });
        }
        Ok(())
    }

    /// The window as a duration.
    pub fn window(&self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.window_min))
    }

    /// Whether a time of day is night time.
    pub fn is_night(&self, t: NaiveTime) -> bool {
        if self.night_start < self.night_end {
            t >= self.night_start && t < self.night_end
        } else {
            t >= self.night_start || t < self.night_end
        }
    }

    /// The limit in force at a time of day, dB(A).
    pub fn limit_at(&self, t: NaiveTime) -> f64 {
        if self.is_night(t) { self.night_limit_dba } else { self.day_limit_dba }
    }
}

/// Settings of [`super::VideoMerger`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VideoConfig {
    /// Detections below this confidence are ignored. Default 0.8.
    pub min_confidence: f64,
    /// A repeat from the same camera and type within this distance of an open detection merges
    /// into it, metres. Default 30 m.
    pub merge_radius_m: f64,
    /// … and within this many minutes of its latest detection. Default 120 (2 h).
    pub merge_window_min: u32,
}

impl Default for VideoConfig {
    fn default() -> Self {
        VideoConfig { min_confidence: 0.8, merge_radius_m: 30.0, merge_window_min: 120 }
    }
}

impl VideoConfig {
    pub(crate) fn validate(&self) -> Result<()> {
        if !(self.min_confidence.is_finite() && (0.0..=1.0).contains(&self.min_confidence)) {
            return Err(ScenarioError::InvalidConfig {
                key: "video.min_confidence",
                reason: "must be in [0, 1]",
            });
        }
        positive("video.merge_radius_m", self.merge_radius_m)?;
        at_least_one("video.merge_window_min", self.merge_window_min)
    }

    /// The merge window as a duration.
    pub fn merge_window(&self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.merge_window_min))
    }
}

/// Settings of the dispatch-time duplicate check: earlier reports within `radius_m` and
/// `window_hours` before a case, of the same type or (with `related_class`) the same class.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DuplicatesConfig {
    /// Search radius, metres. Default 100 m (about a block).
    pub radius_m: f64,
    /// Reports up to this many hours before the case. Default 72 h.
    pub window_hours: u32,
    /// Also list types of the same class (the first two digits, e.g. 06 市容环境). Default true.
    pub related_class: bool,
}

impl Default for DuplicatesConfig {
    fn default() -> Self {
        DuplicatesConfig { radius_m: 100.0, window_hours: 72, related_class: true }
    }
}

impl DuplicatesConfig {
    pub(crate) fn validate(&self) -> Result<()> {
        positive("duplicates.radius_m", self.radius_m)?;
        at_least_one("duplicates.window_hours", self.window_hours)
    }
}

/// Settings of [`super::HotspotMonitor`].
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HotspotConfig {
    /// Reports of one type that make a hotspot. Default 5.
    pub count: u32,
    /// Within this distance of the newest, metres. Default 200 m.
    pub radius_m: f64,
    /// Within this many hours. Default 24.
    pub window_hours: u32,
}

impl Default for HotspotConfig {
    fn default() -> Self {
        HotspotConfig { count: 5, radius_m: 200.0, window_hours: 24 }
    }
}

impl HotspotConfig {
    pub(crate) fn validate(&self) -> Result<()> {
        if self.count < 2 {
            return Err(ScenarioError::InvalidConfig { key: "hotspot.count", reason: "must be at least 2" });
        }
        positive("hotspot.radius_m", self.radius_m)?;
        at_least_one("hotspot.window_hours", self.window_hours)
    }
}
