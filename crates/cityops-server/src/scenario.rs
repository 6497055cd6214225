//! The scenario rules running on the feeds: waste-truck routes (off route, stops missed or out of
//! their window), construction dust and noise, video-AI detections merged per camera and place,
//! and which cameras see a point. The rules live in `cityops_core::scenario`; this module holds
//! their state for the service. Deliberately absent: acting on what they decide (the application
//! layer, `app::feeds`, publishes their alerts and files their cases).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDateTime;
use cityops_api::{CaseDto, Channel};
use cityops_core::scenario::{Alert, CameraIndex, CaseProposal, RouteMonitor, ScenarioConfig, SiteMonitor};
use cityops_core::scenario::{Decision, Detection, MergeKey, VideoMerger};

use crate::city::City;

/// Rule thresholds shipped with the service.
const RULES: &str = include_str!("../../../assets/scenario/rules.toml");

/// Rule state of the service.
#[derive(Debug)]
pub struct Scenario {
    /// Which cameras see a point (48,000 view cones).
    pub cameras: CameraIndex,
    /// The dispatch-time duplicate check's settings.
    pub duplicates: cityops_core::scenario::DuplicatesConfig,
    /// The hotspot rule (高发).
    hotspot: Mutex<cityops_core::scenario::HotspotMonitor>,
    /// Its window, for the rebuild on start.
    pub hotspot_window: chrono::TimeDelta,
    routes: Mutex<RouteMonitor>,
    sites: Mutex<SiteMonitor>,
    video: Mutex<VideoMerger>,
    /// Open video detection groups → the case they filed.
    video_cases: Mutex<HashMap<MergeKey, i64>>,
    /// Held while a batch of video detections is decided and written: a detection's "seen
    /// before?", the merge decision and the writes happen as one step, so concurrent posts of the
    /// same detection file one case.
    pub video_gate: tokio::sync::Mutex<()>,
    /// Dates each truck reported on: a stop is judged missed only on a day its truck worked.
    worked: Mutex<HashMap<String, std::collections::BTreeSet<chrono::NaiveDate>>>,
}

/// Why the rules could not be set up (a defect of the shipped data).
#[derive(Debug, thiserror::Error)]
#[error("scenario rules: {0}")]
pub struct ScenarioSetupError(#[from] cityops_core::scenario::ScenarioError);

impl Scenario {
    /// Build every rule from the city's operations layers.
    pub fn build(city: &City) -> Result<Self, ScenarioSetupError> {
        let cfg = ScenarioConfig::from_toml(RULES)?;
        let ops = &city.ops;
        Ok(Self {
            duplicates: cfg.duplicates.clone(),
            hotspot: Mutex::new(cityops_core::scenario::HotspotMonitor::new(cfg.hotspot)),
            hotspot_window: chrono::TimeDelta::hours(i64::from(cfg.hotspot.window_hours)),
            cameras: CameraIndex::new(ops.scenario_cameras())?,
            routes: Mutex::new(RouteMonitor::new(
                ops.scenario_routes(),
                ops.scenario_compounds(),
                cfg.route,
            )?),
            sites: Mutex::new(SiteMonitor::new(
                ops.scenario_sites(),
                ops.site_sensors(),
                cfg.dust,
                cfg.noise,
            )?),
            video: Mutex::new(VideoMerger::new(&city.catalogue, cfg.video)?),
            video_cases: Mutex::new(HashMap::new()),
            video_gate: tokio::sync::Mutex::new(()),
            worked: Mutex::new(HashMap::new()),
        })
    }

    /// A GPS fix: alerts for leaving the route or serving a stop out of its window.
    pub fn on_fix(&self, truck: &str, lon: f64, lat: f64, at: NaiveDateTime) -> Vec<Alert> {
        let Ok(mut r) = self.routes.lock() else { return Vec::new() };
        if !r.knows_truck(truck) {
            return Vec::new();
        }
        if let Ok(mut w) = self.worked.lock() {
            w.entry(truck.to_owned()).or_default().insert(at.date());
        }
        r.on_fix(truck, lon, lat, at).unwrap_or_else(|e| {
            tracing::debug!(truck, error = %e, "fix not evaluated");
            Vec::new()
        })
    }

    /// Time passes: stops whose window closed unvisited, on days their truck worked (a truck
    /// with no shift that day raises nothing).
    pub fn tick(&self, now: NaiveDateTime) -> Vec<Alert> {
        let alerts = self.routes.lock().map(|mut r| r.tick(now)).unwrap_or_default();
        let Ok(worked) = self.worked.lock() else { return Vec::new() };
        alerts
            .into_iter()
            .filter(|a| {
                let truck = a.subject_id.split('/').next().unwrap_or_default();
                worked.get(truck).is_some_and(|days| days.contains(&a.at.date()))
            })
            .collect()
    }

    /// A sensor reading: an alarm (alert + case proposal) when an episode starts.
    pub fn on_reading(
        &self,
        sensor: &str,
        quantity: &str,
        value: f64,
        at: NaiveDateTime,
    ) -> Option<(Alert, CaseProposal)> {
        let q = cityops_core::scenario::Quantity::from_wire(quantity)?;
        let mut s = self.sites.lock().ok()?;
        match s.on_reading(sensor, q, value, at) {
            Ok(Some(alarm)) => Some((alarm.alert, alarm.case)),
            Ok(None) => None,
            Err(e) => {
                tracing::debug!(sensor, error = %e, "reading not evaluated");
                None
            }
        }
    }

    /// A video-AI detection: ignore, merge into an open one, or file a case (None when the
    /// detection cannot be evaluated, e.g. an invalid coordinate).
    pub fn on_detection(&self, det: &Detection) -> Option<Decision> {
        let mut v = self.video.lock().ok()?;
        match v.on_detection(det) {
            Ok(d) => Some(d),
            Err(e) => {
                tracing::debug!(camera = %det.camera_id, error = %e, "detection not evaluated");
                None
            }
        }
    }

    /// Feed a recorded input back through the rules (GPS fix, sensor reading, video detection),
    /// to rebuild their state after a restart. What they raise is dropped: it was published when
    /// the input first arrived (and alert ids and case keys are deterministic besides).
    pub fn replay(&self, e: &cityops_api::LiveEvent) {
        let at = cityops_core::calendar::from_timestamp(e.at);
        match &e.body {
            cityops_api::EventBody::Vehicle { vehicle_id, lon, lat, .. } => {
                self.on_fix(vehicle_id, *lon, *lat, at);
            }
            cityops_api::EventBody::Sensor { sensor_id, quantity, value, .. } => {
                self.on_reading(sensor_id, quantity, *value, at);
            }
            cityops_api::EventBody::Detection { camera_id, type_key, confidence, lon, lat, .. } => {
                self.on_detection(&Detection {
                    camera_id: camera_id.clone(),
                    type_key: type_key.clone(),
                    confidence: *confidence,
                    lon: *lon,
                    lat: *lat,
                    at,
                });
            }
            _ => {}
        }
    }

    /// A new case: the hotspot alert it completes, if any (a case seen before: none).
    pub fn on_case(&self, case: &CaseDto, type_name: &str) -> Vec<Alert> {
        let Ok(mut h) = self.hotspot.lock() else { return Vec::new() };
        let at = cityops_core::calendar::from_timestamp(case.created_at);
        h.on_case(case.id, &case.type_key, type_name, case.lon, case.lat, at).into_iter().collect()
    }

    /// After a replay: tie the open detection groups to the cases they filed again (and close
    /// the groups whose case has finished since).
    pub fn restore_video_case(&self, case: &CaseDto) {
        if case.channel != Channel::VideoAi {
            return;
        }
        match case.status {
            cityops_api::CaseStatus::Closed | cityops_api::CaseStatus::Cancelled => self.case_finished(case),
            _ => {
                if let Some(key) = case.source_ref.as_ref().and_then(|s| s.strip_prefix("video_merge:")) {
                    self.remember_video_case(MergeKey(key.to_owned()), case.id);
                }
            }
        }
    }

    /// Remember the case an open detection filed.
    pub fn remember_video_case(&self, key: MergeKey, case_id: i64) {
        if let Ok(mut m) = self.video_cases.lock() {
            m.insert(key, case_id);
        }
    }

    /// The case an open detection filed.
    pub fn video_case(&self, key: &MergeKey) -> Option<i64> {
        self.video_cases.lock().ok().and_then(|m| m.get(key).copied())
    }

    /// A case closed or was cancelled: a later detection at its place files a new one.
    pub fn case_finished(&self, case: &CaseDto) {
        if case.channel != Channel::VideoAi {
            return;
        }
        let Some(key) = case.source_ref.as_ref().and_then(|s| s.strip_prefix("video_merge:")) else { return };
        let key = MergeKey(key.to_owned());
        if let Ok(mut v) = self.video.lock() {
            v.close(&key);
        }
        if let Ok(mut m) = self.video_cases.lock() {
            m.remove(&key);
        }
    }
}
