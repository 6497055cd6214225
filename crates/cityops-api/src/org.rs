//! Organisation (units), grids and location lookups on the wire.

use serde::{Deserialize, Serialize};

/// Level of a unit in the dispatch hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum UnitLevel {
    /// 市级指挥中心 (1).
    CityCentre,
    /// 区级指挥中心 (10).
    DistrictCentre,
    /// 专业部门 (53).
    Department,
    /// 基层处置单位 (612).
    Grassroots,
}

/// A unit that receives or handles cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UnitDto {
    /// Unit code.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// Level.
    pub level: UnitLevel,
    /// District it serves (None for city-wide units).
    pub district_code: Option<String>,
    /// Parent unit code.
    pub parent: Option<String>,
    /// Whether the unit itself is synthetic (not a real named body).
    pub synthetic: bool,
}

/// A unit grid (单元网格).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GridDto {
    /// 15-digit grid code: 6 district + 3 street + 3 community + 3 sequence.
    pub code: String,
    /// Community code (12 digits).
    pub community_code: String,
    /// Area in square metres.
    pub area_m2: f64,
    /// Grassroots unit responsible for the grid.
    pub unit_code: String,
    /// Whether the polygon is synthetic (generated, not surveyed).
    pub synthetic: bool,
}

/// Result of a point lookup: grid → community → street → district → responsible unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LocationDto {
    /// WGS84 longitude looked up.
    pub lon: f64,
    /// WGS84 latitude looked up.
    pub lat: f64,
    /// Grid code.
    pub grid_code: String,
    /// Community code and name.
    pub community_code: String,
    /// Community name.
    pub community_name: String,
    /// Street code.
    pub street_code: String,
    /// Street name.
    pub street_name: String,
    /// District code.
    pub district_code: String,
    /// District name.
    pub district_name: String,
    /// Responsible grassroots unit.
    pub unit_code: String,
    /// Its name.
    pub unit_name: String,
}
