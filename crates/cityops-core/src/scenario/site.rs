//! Construction sites (工地): PM10 dust and noise from the sites' sensors, judged over rolling
//! windows, one alarm per episode, each with a case proposal routed to the site's district.
//!
//! Dust: the arithmetic mean of the window's PM10 readings. Noise: the equivalent continuous level
//! L_Aeq = 10·lg(mean 10^(L/10)) of the window's readings, against the GB 12523-2011 limit in
//! force at the latest reading; each reading counts as "above" against the limit of its own time.
//! An alarm needs a full window ([`DustConfig::min_readings`]), a level above the limit and more
//! than [`DustConfig::min_share_above`] of the readings above it, so a single spike never alarms.
//! The episode ends when the window level falls to the limit or below (or the sensor was silent
//! for a whole window); only then can the next alarm come.

use std::collections::{HashMap, VecDeque};

use chrono::NaiveDateTime;
use geo::{Centroid, LineString, Polygon};

use super::{
    Alert, CaseProposal, DustConfig, NoiseConfig, Result, RuleKind, ScenarioError, Severity, check_lonlat,
};

/// A construction site.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Site id, unique.
    pub id: String,
    /// District (GB/T 2260 county code) whose departments handle its cases.
    pub district_code: String,
    /// Site boundary, WGS84 (lon, lat) outer ring, at least three corners.
    pub polygon: Vec<[f64; 2]>,
    /// Construction permit number (施工许可证号).
    pub permit_no: String,
}

/// What a site sensor measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Quantity {
    /// PM10, µg/m³ (wire `pm10`).
    Pm10,
    /// Sound level, dB(A) (wire `noise`).
    Noise,
}

impl Quantity {
    /// The wire name ([`cityops_api::SensorReadingDto::quantity`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Quantity::Pm10 => "pm10",
            Quantity::Noise => "noise",
        }
    }

    /// Parses a wire name.
    pub fn from_wire(s: &str) -> Option<Quantity> {
        match s {
            "pm10" => Some(Quantity::Pm10),
            "noise" => Some(Quantity::Noise),
            _ => None,
        }
    }

    /// Unit of the readings.
    pub fn unit(self) -> &'static str {
        match self {
            Quantity::Pm10 => "µg/m³",
            Quantity::Noise => "dB(A)",
        }
    }
}

/// A sensor channel installed at a site. One monitoring station (one sensor id) may report
/// several quantities: bind each as its own `SiteSensor`.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteSensor {
    /// Sensor (station) id; (`sensor_id`, `quantity`) is unique.
    pub sensor_id: String,
    /// The site it watches.
    pub site_id: String,
    /// What it measures.
    pub quantity: Quantity,
}

/// An alarm and the case it asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteAlarm {
    /// The alert to publish.
    pub alert: Alert,
    /// The case to file (工地扬尘 / 施工扰民) in the site's district.
    pub case: CaseProposal,
}

#[derive(Debug, Clone)]
struct Series {
    site: usize,
    readings: VecDeque<(NaiveDateTime, f64)>,
    episode: Option<NaiveDateTime>,
}

/// Dust and noise monitoring of all sites.
#[derive(Debug, Clone)]
pub struct SiteMonitor {
    dust: DustConfig,
    noise: NoiseConfig,
    sites: Vec<Site>,
    centroids: Vec<[f64; 2]>,
    series: HashMap<(String, Quantity), Series>,
}

impl SiteMonitor {
    /// A monitor of these sites and their sensors. Fails on an invalid site polygon, a repeated
    /// id or a sensor naming an unknown site.
    pub fn new(
        sites: Vec<Site>,
        sensors: Vec<SiteSensor>,
        dust: DustConfig,
        noise: NoiseConfig,
    ) -> Result<Self> {
        dust.validate()?;
        noise.validate()?;
        let mut ix: HashMap<&str, usize> = HashMap::new();
        let mut centroids = Vec::with_capacity(sites.len());
        for (i, s) in sites.iter().enumerate() {
            if ix.insert(s.id.as_str(), i).is_some() {
                return Err(ScenarioError::DuplicateId { kind: "site", id: s.id.clone() });
            }
            if s.polygon.len() < 3 || !s.polygon.iter().all(|p| check_lonlat(p[0], p[1]).is_ok()) {
                return Err(ScenarioError::InvalidInput {
                    kind: "site",
                    id: s.id.clone(),
                    reason: "polygon needs three or more valid corners",
                });
            }
            let ring: LineString<f64> = s.polygon.iter().map(|&[x, y]| (x, y)).collect();
            let n = s.polygon.len() as f64;
            let mean = s.polygon.iter().fold([0.0, 0.0], |a, p| [a[0] + p[0] / n, a[1] + p[1] / n]);
            let c = Polygon::new(ring, vec![]).centroid().map_or(mean, |c| [c.x(), c.y()]);
            centroids.push(c);
        }
        let mut series = HashMap::with_capacity(sensors.len());
        for s in sensors {
            let Some(&site) = ix.get(s.site_id.as_str()) else {
                return Err(ScenarioError::UnknownSite { sensor: s.sensor_id, site: s.site_id });
            };
            let entry = Series { site, readings: VecDeque::new(), episode: None };
            if series.insert((s.sensor_id.clone(), s.quantity), entry).is_some() {
                let id = format!("{}/{}", s.sensor_id, s.quantity.as_str());
                return Err(ScenarioError::DuplicateId { kind: "sensor", id });
            }
        }
        Ok(SiteMonitor { dust, noise, sites, centroids, series })
    }

    /// The site a sensor channel watches.
    pub fn site_of(&self, sensor_id: &str, quantity: Quantity) -> Option<&Site> {
        self.series.get(&(sensor_id.to_owned(), quantity)).map(|s| &self.sites[s.site])
    }

    /// Where cases of a site are filed: its centroid (lon, lat).
    pub fn centroid(&self, site_id: &str) -> Option<[f64; 2]> {
        self.sites.iter().position(|s| s.id == site_id).map(|i| self.centroids[i])
    }

    /// Whether a sensor channel is in an alarm episode.
    pub fn in_episode(&self, sensor_id: &str, quantity: Quantity) -> bool {
        self.series.get(&(sensor_id.to_owned(), quantity)).is_some_and(|s| s.episode.is_some())
    }

    /// Feeds one reading of a sensor channel (time-ordered per channel; equal times are fine) in
    /// the quantity's unit and returns the alarm it raises, if it starts an episode. A channel
    /// not bound to a site is [`ScenarioError::UnknownSensor`].
    pub fn on_reading(
        &mut self,
        sensor_id: &str,
        quantity: Quantity,
        value: f64,
        at: NaiveDateTime,
    ) -> Result<Option<SiteAlarm>> {
        let series = self
            .series
            .get_mut(&(sensor_id.to_owned(), quantity))
            .ok_or_else(|| ScenarioError::UnknownSensor(format!("{sensor_id}/{}", quantity.as_str())))?;
        if !(value.is_finite() && value >= 0.0) {
            return Err(ScenarioError::NonFiniteValue { what: "reading", value });
        }
        if let Some(&(last, _)) = series.readings.back()
            && at < last
        {
            return Err(ScenarioError::OutOfOrder { subject: sensor_id.into(), at, last });
        }
        let (window, min_readings, share) = match quantity {
            Quantity::Pm10 => (self.dust.window(), self.dust.min_readings, self.dust.min_share_above),
            Quantity::Noise => (self.noise.window(), self.noise.min_readings, self.noise.min_share_above),
        };
        series.readings.push_back((at, value));
        while series.readings.front().is_some_and(|&(t, _)| t <= at - window) {
            series.readings.pop_front();
        }
        let noise = &self.noise;
        let limit_of = |q: Quantity, t: NaiveDateTime| match q {
            Quantity::Pm10 => self.dust.threshold_ugm3,
            Quantity::Noise => noise.limit_at(t.time()),
        };
        let n = series.readings.len();
        let level = match quantity {
            Quantity::Pm10 => series.readings.iter().map(|r| r.1).sum::<f64>() / n as f64,
            Quantity::Noise => {
                let energy = series.readings.iter().map(|r| 10f64.powf(r.1 / 10.0)).sum::<f64>() / n as f64;
                10.0 * energy.log10()
            }
        };
        let limit = limit_of(quantity, at);
        let above = series.readings.iter().filter(|r| r.1 > limit_of(quantity, r.0)).count();
        if series.episode.is_some() && (level <= limit || n == 1) {
            series.episode = None;
        }
        let alarm = series.episode.is_none()
            && n >= min_readings as usize
            && level > limit
            && above as f64 > share * n as f64;
        if !alarm {
            return Ok(None);
        }
        let start = series.readings.iter().find(|r| r.1 > limit_of(quantity, r.0)).map_or(at, |r| r.0);
        series.episode = Some(start);
        let site = &self.sites[series.site];
        let centroid = self.centroids[series.site];
        let minutes = window.num_minutes();
        let (rule, type_key, message) = match quantity {
            Quantity::Pm10 => (
                RuleKind::DustExceeded,
                self.dust.case_type.clone(),
                format!(
                    "工地{}（施工许可证{}）扬尘监测点{sensor_id}：近{minutes}分钟PM10均值{level:.0}µg/m³，\
                     超过阈值{limit:.0}µg/m³，自{}起持续超标",
                    site.id,
                    site.permit_no,
                    start.format("%H:%M")
                ),
            ),
            Quantity::Noise => (
                RuleKind::NoiseExceeded,
                self.noise.case_type.clone(),
                format!(
                    "工地{}（施工许可证{}）噪声监测点{sensor_id}：近{minutes}分钟等效声级{level:.1}dB(A)，\
                     超过{}限值{limit:.0}dB(A)（GB 12523-2011），自{}起持续超标",
                    site.id,
                    site.permit_no,
                    if self.noise.is_night(at.time()) { "夜间" } else { "昼间" },
                    start.format("%H:%M")
                ),
            ),
        };
        let alert = Alert::new(rule, sensor_id.to_owned(), message.clone(), centroid, at, Severity::Alarm);
        let case = CaseProposal {
            type_key,
            lon: centroid[0],
            lat: centroid[1],
            district_code: Some(site.district_code.clone()),
            description: message,
            source_ref: format!("{sensor_id}/{}@{}", quantity.as_str(), start.format("%Y-%m-%dT%H:%M:%S")),
            cameras: Vec::new(),
        };
        Ok(Some(SiteAlarm { alert, case }))
    }
}
