//! Video-AI detections (视频智能识别): a confident detection of an auto-detectable type proposes a
//! case with its camera linked; repeats from the same camera, of the same type, near the same
//! place and soon after merge into the open detection instead of making a duplicate case.
//!
//! The accepted types are the catalogue's video-AI types ([`Catalogue::video_ai_types`], Qingdao's
//! 25 local types such as 占道经营, 沿街晾挂, 暴露垃圾), under their local key or the GB/T 47678.5
//! key they map to. Merging compares the key as given, so a camera should report one scheme.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::NaiveDateTime;
use cityops_api::TypeKey;

use super::{CaseProposal, Result, ScenarioError, VideoConfig, check_lonlat, haversine};
use crate::catalogue::Catalogue;

/// One detection of a video-AI camera.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Camera id.
    pub camera_id: String,
    /// Detected problem type.
    pub type_key: TypeKey,
    /// Confidence in [0, 1].
    pub confidence: f64,
    /// WGS84 longitude of the detected object.
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
    /// When detected (CST).
    pub at: NaiveDateTime,
}

/// The key of an open detection group (and the `source_ref` of its case):
/// `video:{camera}:{type code}:{first time}:{lon},{lat}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MergeKey(pub String);

impl fmt::Display for MergeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a detection makes no case.
#[derive(Debug, Clone, PartialEq)]
pub enum IgnoreReason {
    /// Confidence below [`VideoConfig::min_confidence`].
    LowConfidence {
        /// Confidence given.
        confidence: f64,
        /// Threshold in force.
        threshold: f64,
    },
    /// The type is not one video AI detects automatically.
    NotVideoAiType(TypeKey),
}

/// What to do with a detection.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Nothing.
    Ignore(IgnoreReason),
    /// File a new case; remember `key` to merge repeats and to [`VideoMerger::close`] it.
    NewCase {
        /// Key of the new open detection (= `case.source_ref`).
        key: MergeKey,
        /// The case to file, with the camera linked.
        case: CaseProposal,
    },
    /// A repeat: count it on the open detection `into`, file nothing.
    Merge {
        /// The open detection it repeats.
        into: MergeKey,
        /// Detections merged into it so far, the first included.
        count: u32,
    },
}

#[derive(Debug, Clone)]
struct Group {
    key: MergeKey,
    lon: f64,
    lat: f64,
    last_at: NaiveDateTime,
    count: u32,
}

/// Merges repeated video-AI detections into open ones.
#[derive(Debug, Clone)]
pub struct VideoMerger {
    config: VideoConfig,
    types: BTreeMap<TypeKey, String>,
    open: HashMap<(String, TypeKey), Vec<Group>>,
    keys: HashMap<MergeKey, (String, TypeKey)>,
}

impl VideoMerger {
    /// A merger accepting the catalogue's video-AI types (local key or mapped standard key).
    pub fn new(catalogue: &Catalogue, config: VideoConfig) -> Result<Self> {
        let mut types = BTreeMap::new();
        for c in catalogue.video_ai_types() {
            types.insert(c.key().clone(), c.name().to_owned());
            let std_name = catalogue.get(c.standard_key()).map_or(c.name(), |s| s.name());
            types.entry(c.standard_key().clone()).or_insert_with(|| std_name.to_owned());
        }
        Self::with_types(types, config)
    }

    /// A merger accepting exactly these types (key → Chinese name).
    pub fn with_types(types: BTreeMap<TypeKey, String>, config: VideoConfig) -> Result<Self> {
        config.validate()?;
        Ok(VideoMerger { config, types, open: HashMap::new(), keys: HashMap::new() })
    }

    /// The accepted types, key → name.
    pub fn types(&self) -> &BTreeMap<TypeKey, String> {
        &self.types
    }

    /// Number of open detection groups.
    pub fn open_len(&self) -> usize {
        self.keys.len()
    }

    /// Decides what a detection means. Groups whose latest detection is older than the merge
    /// window (relative to this detection) stop being merge targets and are forgotten.
    pub fn on_detection(&mut self, det: &Detection) -> Result<Decision> {
        check_lonlat(det.lon, det.lat)?;
        if !det.confidence.is_finite() {
            return Err(ScenarioError::NonFiniteValue { what: "confidence", value: det.confidence });
        }
        if det.confidence < self.config.min_confidence {
            return Ok(Decision::Ignore(IgnoreReason::LowConfidence {
                confidence: det.confidence,
                threshold: self.config.min_confidence,
            }));
        }
        let Some(name) = self.types.get(&det.type_key) else {
            return Ok(Decision::Ignore(IgnoreReason::NotVideoAiType(det.type_key.clone())));
        };
        let window = self.config.merge_window();
        let slot = (det.camera_id.clone(), det.type_key.clone());
        let groups = self.open.entry(slot.clone()).or_default();
        let keys = &mut self.keys;
        groups.retain(|g| {
            let keep = det.at - g.last_at <= window;
            if !keep {
                keys.remove(&g.key);
            }
            keep
        });
        let nearest = groups
            .iter_mut()
            .filter(|g| (g.last_at - det.at) <= window)
            .map(|g| (haversine([det.lon, det.lat], [g.lon, g.lat]), g))
            .filter(|(d, _)| *d <= self.config.merge_radius_m)
            .min_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.key.cmp(&b.1.key)));
        if let Some((_, g)) = nearest {
            g.count = g.count.saturating_add(1);
            g.last_at = g.last_at.max(det.at);
            return Ok(Decision::Merge { into: g.key.clone(), count: g.count });
        }
        let key = MergeKey(format!(
            "video:{}:{}:{}:{:.5},{:.5}",
            det.camera_id,
            det.type_key.code,
            det.at.format("%Y%m%dT%H%M%S"),
            det.lon,
            det.lat
        ));
        groups.push(Group { key: key.clone(), lon: det.lon, lat: det.lat, last_at: det.at, count: 1 });
        keys.insert(key.clone(), slot);
        let case = CaseProposal {
            type_key: det.type_key.clone(),
            lon: det.lon,
            lat: det.lat,
            district_code: None,
            description: format!(
                "视频智能识别：摄像机{}于{}发现{name}（置信度{:.2}）",
                det.camera_id,
                det.at.format("%Y-%m-%d %H:%M:%S"),
                det.confidence
            ),
            source_ref: key.0.clone(),
            cameras: vec![det.camera_id.clone()],
        };
        Ok(Decision::NewCase { key, case })
    }

    /// The case of an open detection was closed: later detections there make a new case.
    /// Returns whether the key was open.
    pub fn close(&mut self, key: &MergeKey) -> bool {
        let Some(slot) = self.keys.remove(key) else { return false };
        if let Some(groups) = self.open.get_mut(&slot) {
            groups.retain(|g| &g.key != key);
            if groups.is_empty() {
                self.open.remove(&slot);
            }
        }
        true
    }
}
