//! The static operations layers of a city pack: video cameras, residential compounds (小区) with
//! their waste-sorting status, waste facilities, collection routes with their trucks, and
//! construction sites (工地) with their dust and noise sensors. In the Qingdao pack they are all
//! synthetic (`assets/qingdao/SOURCES.md`).
//!
//! Each layer loads into the input types of the scenario rules ([`Camera`], [`Compound`],
//! [`Route`], [`Site`], [`SiteSensor`]) wrapped in a record with the attributes the map shows
//! (district, grid, sorting status, builder, stage…).
//!
//! Deliberately absent: reading files. [`OpsSources`] holds `&str` contents only.

use std::collections::HashSet;

use chrono::NaiveTime;
use serde_json::Value;

use super::geojson::Feature;
use super::{CityPackError, feats, prop};
use crate::scenario::{Camera, CameraKind, Compound, CompoundShape, Quantity, Route, Site, SiteSensor, Stop};
use geo::Geometry;

/// The text of each operations-layer file.
#[derive(Debug, Clone, Copy)]
pub struct OpsSources<'a> {
    /// `cameras.csv`.
    pub cameras_csv: &'a str,
    /// `compounds.geojson`.
    pub compounds_geojson: &'a str,
    /// `facilities.geojson`.
    pub facilities_geojson: &'a str,
    /// `routes.geojson`.
    pub routes_geojson: &'a str,
    /// `sites.geojson`.
    pub sites_geojson: &'a str,
}

#[cfg(feature = "embedded-qingdao")]
impl OpsSources<'static> {
    /// The Qingdao operations layers of `assets/qingdao`, embedded at compile time.
    pub fn qingdao() -> Self {
        OpsSources {
            cameras_csv: include_str!("../../../../assets/qingdao/cameras.csv"),
            compounds_geojson: include_str!("../../../../assets/qingdao/compounds.geojson"),
            facilities_geojson: include_str!("../../../../assets/qingdao/facilities.geojson"),
            routes_geojson: include_str!("../../../../assets/qingdao/routes.geojson"),
            sites_geojson: include_str!("../../../../assets/qingdao/sites.geojson"),
        }
    }
}

/// Waste-sorting status of a compound (垃圾分类).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SortingStatus {
    /// 示范: a model compound.
    Model,
    /// 达标: up to standard.
    Compliant,
    /// 整改中: being brought up to standard.
    Rectifying,
    /// 未达标: not up to standard.
    NonCompliant,
}

/// Kind of a waste facility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FacilityKind {
    /// 转运站: a transfer station, where routes start and end.
    TransferStation,
    /// 焚烧发电厂: a waste-to-energy incineration plant.
    Incineration,
    /// 餐厨垃圾处理厂: a kitchen-waste plant.
    KitchenWaste,
}

/// Stage of a construction site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SiteStage {
    /// 土方: earthwork.
    Earthwork,
    /// 基础: foundations.
    Foundation,
    /// 主体: main structure.
    Structure,
    /// 装修: fitting out.
    Finishing,
    /// 竣工验收: completion and acceptance.
    Acceptance,
}

macro_rules! zh_enum {
    ($t:ty, $($v:ident => ($zh:literal, $wire:literal)),+ $(,)?) => {
        impl $t {
            /// Chinese name (the value in the pack's files).
            pub fn zh(self) -> &'static str {
                match self { $(Self::$v => $zh),+ }
            }
            /// Stable snake_case identifier.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $wire),+ }
            }
            /// Parses the Chinese name.
            pub fn from_zh(s: &str) -> Option<Self> {
                match s { $($zh => Some(Self::$v),)+ _ => None }
            }
            /// Every value, in order.
            pub const ALL: &'static [Self] = &[$(Self::$v),+];
        }
    };
}

zh_enum!(SortingStatus,
    Model => ("示范", "model"),
    Compliant => ("达标", "compliant"),
    Rectifying => ("整改中", "rectifying"),
    NonCompliant => ("未达标", "non_compliant"),
);
zh_enum!(FacilityKind,
    TransferStation => ("转运站", "transfer_station"),
    Incineration => ("焚烧发电厂", "incineration"),
    KitchenWaste => ("餐厨垃圾处理厂", "kitchen_waste"),
);
zh_enum!(SiteStage,
    Earthwork => ("土方", "earthwork"),
    Foundation => ("基础", "foundation"),
    Structure => ("主体", "structure"),
    Finishing => ("装修", "finishing"),
    Acceptance => ("竣工验收", "acceptance"),
);

/// A camera and where it belongs.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraRecord {
    /// The camera as the scenario rules take it.
    pub camera: Camera,
    /// Grid it stands in.
    pub grid_code: String,
    /// District (GB/T 2260 county code).
    pub district_code: String,
    /// The grid's unit (who watches its feed).
    pub unit_code: String,
}

/// A residential compound.
#[derive(Debug, Clone, PartialEq)]
pub struct CompoundRecord {
    /// The compound as the route rules take it (its polygon).
    pub compound: Compound,
    /// Name (…小区).
    pub name: String,
    /// Community (社区) code.
    pub community_code: String,
    /// Grid it lies in.
    pub grid_code: String,
    /// District.
    pub district_code: String,
    /// Number of households.
    pub households: u32,
    /// Waste-sorting status.
    pub sorting_status: SortingStatus,
}

/// A waste facility.
#[derive(Debug, Clone, PartialEq)]
pub struct Facility {
    /// Facility id, unique.
    pub id: String,
    /// Name.
    pub name: String,
    /// What it is.
    pub kind: FacilityKind,
    /// District.
    pub district_code: String,
    /// Grid it lies in.
    pub grid_code: String,
    /// Capacity, tonnes a day.
    pub capacity_t_per_day: u32,
    /// WGS84 longitude.
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
}

/// A collection route and its truck.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteRecord {
    /// The route as the route rules take it (its truck is `route.truck_id`).
    pub route: Route,
    /// District whose compounds it collects.
    pub district_code: String,
    /// The transfer station it starts and ends at.
    pub facility_id: String,
}

/// A construction site and its sensors.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteRecord {
    /// The site as the site rules take it.
    pub site: Site,
    /// Builder (施工单位).
    pub builder: String,
    /// Stage of the works.
    pub stage: SiteStage,
    /// Number of buildings.
    pub buildings: u32,
    /// Area, m² (geodesic).
    pub area_m2: f64,
    /// Grid it lies in.
    pub grid_code: String,
    /// Its PM10 (dust) sensor.
    pub dust_sensor_id: String,
    /// Its noise sensor.
    pub noise_sensor_id: String,
}

/// The static operations layers of a city.
#[derive(Debug, Clone, Default)]
pub struct OpsLayers {
    /// Video cameras.
    pub cameras: Vec<CameraRecord>,
    /// Residential compounds.
    pub compounds: Vec<CompoundRecord>,
    /// Waste facilities.
    pub facilities: Vec<Facility>,
    /// Collection routes, one truck each.
    pub routes: Vec<RouteRecord>,
    /// Construction sites.
    pub sites: Vec<SiteRecord>,
}

fn field(file: &'static str, record: usize, reason: impl Into<String>) -> CityPackError {
    CityPackError::Field { file, record, reason: reason.into() }
}

fn num_prop(file: &'static str, record: usize, f: &Feature, key: &str) -> Result<f64, CityPackError> {
    f.properties
        .get(key)
        .and_then(Value::as_f64)
        .filter(|v| v.is_finite())
        .ok_or_else(|| field(file, record, format!("no numeric property {key:?}")))
}

fn count_prop(file: &'static str, record: usize, f: &Feature, key: &str) -> Result<u32, CityPackError> {
    f.properties
        .get(key)
        .and_then(Value::as_u64)
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| field(file, record, format!("no count property {key:?}")))
}

fn enum_prop<T>(
    file: &'static str,
    record: usize,
    f: &Feature,
    key: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, CityPackError> {
    let s = prop(file, record, f, key)?;
    parse(&s).ok_or_else(|| field(file, record, format!("unknown {key} {s:?}")))
}

/// The outer ring of a (single-part) polygon feature.
fn ring(file: &'static str, record: usize, f: &Feature) -> Result<Vec<[f64; 2]>, CityPackError> {
    let p = match &f.geometry {
        Geometry::Polygon(p) => p,
        Geometry::MultiPolygon(m) if m.0.len() == 1 => &m.0[0],
        _ => return Err(field(file, record, "geometry is not a single polygon")),
    };
    let ring: Vec<[f64; 2]> = p.exterior().0.iter().map(|c| [c.x, c.y]).collect();
    if ring.len() < 4 {
        return Err(field(file, record, "polygon has fewer than three corners"));
    }
    Ok(ring)
}

fn time_of_day(
    file: &'static str,
    record: usize,
    v: Option<&Value>,
    key: &str,
) -> Result<NaiveTime, CityPackError> {
    v.and_then(Value::as_str)
        .and_then(|s| NaiveTime::parse_from_str(s, "%H:%M").ok())
        .ok_or_else(|| field(file, record, format!("stop {key} is not HH:MM")))
}

fn parse_cameras(text: &str) -> Result<Vec<CameraRecord>, CityPackError> {
    const FILE: &str = "cameras.csv";
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let headers = rd.headers().map_err(|source| CityPackError::Csv { file: FILE, source })?.clone();
    let col = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| field(FILE, 0, format!("no column {name:?}")))
    };
    let [id, lon, lat, heading, fov, range, kind, grid, district, unit] = [
        "id",
        "lon",
        "lat",
        "heading_deg",
        "fov_deg",
        "range_m",
        "kind",
        "grid_code",
        "district_code",
        "unit_code",
    ]
    .map(col);
    let (id, lon, lat, heading, fov, range, kind, grid, district, unit) =
        (id?, lon?, lat?, heading?, fov?, range?, kind?, grid?, district?, unit?);
    let mut out = Vec::new();
    for (record, r) in rd.records().enumerate() {
        let r = r.map_err(|source| CityPackError::Csv { file: FILE, source })?;
        let get = |i: usize| r.get(i).unwrap_or("");
        let number = |i: usize, name: &str| {
            get(i)
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| field(FILE, record, format!("{name} {:?} is not a number", get(i))))
        };
        let kind = match get(kind) {
            "high" => CameraKind::High,
            "low" => CameraKind::Low,
            other => return Err(field(FILE, record, format!("unknown kind {other:?}"))),
        };
        out.push(CameraRecord {
            camera: Camera {
                id: get(id).to_owned(),
                lon: number(lon, "lon")?,
                lat: number(lat, "lat")?,
                heading_deg: number(heading, "heading_deg")?,
                fov_deg: number(fov, "fov_deg")?,
                range_m: number(range, "range_m")?,
                kind,
            },
            grid_code: get(grid).to_owned(),
            district_code: get(district).to_owned(),
            unit_code: get(unit).to_owned(),
        });
    }
    Ok(out)
}

fn parse_compounds(text: &str) -> Result<Vec<CompoundRecord>, CityPackError> {
    const FILE: &str = "compounds.geojson";
    feats(FILE, text)?
        .iter()
        .enumerate()
        .map(|(i, f)| {
            Ok(CompoundRecord {
                compound: Compound {
                    id: prop(FILE, i, f, "id")?,
                    shape: CompoundShape::Polygon(ring(FILE, i, f)?),
                },
                name: prop(FILE, i, f, "name")?,
                community_code: prop(FILE, i, f, "community_code")?,
                grid_code: prop(FILE, i, f, "grid_code")?,
                district_code: prop(FILE, i, f, "district_code")?,
                households: count_prop(FILE, i, f, "households")?,
                sorting_status: enum_prop(FILE, i, f, "sorting_status", SortingStatus::from_zh)?,
            })
        })
        .collect()
}

fn parse_facilities(text: &str) -> Result<Vec<Facility>, CityPackError> {
    const FILE: &str = "facilities.geojson";
    feats(FILE, text)?
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let Geometry::Point(p) = f.geometry else {
                return Err(field(FILE, i, "not a point"));
            };
            Ok(Facility {
                id: prop(FILE, i, f, "id")?,
                name: prop(FILE, i, f, "name")?,
                kind: enum_prop(FILE, i, f, "kind", FacilityKind::from_zh)?,
                district_code: prop(FILE, i, f, "district_code")?,
                grid_code: prop(FILE, i, f, "grid_code")?,
                capacity_t_per_day: count_prop(FILE, i, f, "capacity_t_per_day")?,
                lon: p.x(),
                lat: p.y(),
            })
        })
        .collect()
}

fn parse_routes(text: &str) -> Result<Vec<RouteRecord>, CityPackError> {
    const FILE: &str = "routes.geojson";
    feats(FILE, text)?
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let Geometry::LineString(l) = &f.geometry else {
                return Err(field(FILE, i, "not a LineString"));
            };
            let stops = f
                .properties
                .get("stops")
                .and_then(Value::as_array)
                .ok_or_else(|| field(FILE, i, "no stops array"))?
                .iter()
                .map(|s| {
                    let coord = |k: &str| {
                        s.get(k)
                            .and_then(Value::as_f64)
                            .filter(|v| v.is_finite())
                            .ok_or_else(|| field(FILE, i, format!("stop without numeric {k}")))
                    };
                    let start = time_of_day(FILE, i, s.get("window_start"), "window_start")?;
                    let end = time_of_day(FILE, i, s.get("window_end"), "window_end")?;
                    if end < start {
                        return Err(field(FILE, i, "stop window ends before it starts"));
                    }
                    Ok(Stop {
                        compound_id: s
                            .get("compound_id")
                            .and_then(Value::as_str)
                            .ok_or_else(|| field(FILE, i, "stop without compound_id"))?
                            .to_owned(),
                        lon: coord("lon")?,
                        lat: coord("lat")?,
                        window: (start, end),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(RouteRecord {
                route: Route {
                    id: prop(FILE, i, f, "id")?,
                    truck_id: prop(FILE, i, f, "truck_id")?,
                    line: l.0.iter().map(|c| [c.x, c.y]).collect(),
                    stops,
                },
                district_code: prop(FILE, i, f, "district_code")?,
                facility_id: prop(FILE, i, f, "facility_id")?,
            })
        })
        .collect()
}

fn parse_sites(text: &str) -> Result<Vec<SiteRecord>, CityPackError> {
    const FILE: &str = "sites.geojson";
    feats(FILE, text)?
        .iter()
        .enumerate()
        .map(|(i, f)| {
            Ok(SiteRecord {
                site: Site {
                    id: prop(FILE, i, f, "id")?,
                    district_code: prop(FILE, i, f, "district_code")?,
                    polygon: ring(FILE, i, f)?,
                    permit_no: prop(FILE, i, f, "permit_no")?,
                },
                builder: prop(FILE, i, f, "builder")?,
                stage: enum_prop(FILE, i, f, "stage", SiteStage::from_zh)?,
                buildings: count_prop(FILE, i, f, "buildings")?,
                area_m2: num_prop(FILE, i, f, "area_m2")?,
                grid_code: prop(FILE, i, f, "grid_code")?,
                dust_sensor_id: prop(FILE, i, f, "dust_sensor_id")?,
                noise_sensor_id: prop(FILE, i, f, "noise_sensor_id")?,
            })
        })
        .collect()
}

fn unique<'a>(
    file: &'static str,
    ids: impl Iterator<Item = &'a str>,
) -> Result<HashSet<&'a str>, CityPackError> {
    let mut seen = HashSet::new();
    for (record, id) in ids.enumerate() {
        if !seen.insert(id) {
            return Err(field(file, record, format!("duplicate id {id}")));
        }
    }
    Ok(seen)
}

impl OpsLayers {
    /// Parses the five files and checks that they fit together: ids are unique per layer, every
    /// route starts at a known transfer station and every stop names a known compound.
    pub fn from_sources(src: &OpsSources<'_>) -> Result<Self, CityPackError> {
        let layers = OpsLayers {
            cameras: parse_cameras(src.cameras_csv)?,
            compounds: parse_compounds(src.compounds_geojson)?,
            facilities: parse_facilities(src.facilities_geojson)?,
            routes: parse_routes(src.routes_geojson)?,
            sites: parse_sites(src.sites_geojson)?,
        };
        unique("cameras.csv", layers.cameras.iter().map(|c| c.camera.id.as_str()))?;
        let compounds = unique("compounds.geojson", layers.compounds.iter().map(|c| c.compound.id.as_str()))?;
        unique("facilities.geojson", layers.facilities.iter().map(|f| f.id.as_str()))?;
        unique("routes.geojson", layers.routes.iter().map(|r| r.route.id.as_str()))?;
        unique("sites.geojson", layers.sites.iter().map(|s| s.site.id.as_str()))?;
        unique(
            "sites.geojson",
            layers.sites.iter().flat_map(|s| [s.dust_sensor_id.as_str(), s.noise_sensor_id.as_str()]),
        )?;
        for (i, r) in layers.routes.iter().enumerate() {
            let station = layers.facilities.iter().find(|f| f.id == r.facility_id);
            if station.is_none_or(|f| f.kind != FacilityKind::TransferStation) {
                return Err(field(
                    "routes.geojson",
                    i,
                    format!("{} is not a transfer station", r.facility_id),
                ));
            }
            if let Some(s) = r.route.stops.iter().find(|s| !compounds.contains(s.compound_id.as_str())) {
                return Err(field(
                    "routes.geojson",
                    i,
                    format!("stop names unknown compound {}", s.compound_id),
                ));
            }
        }
        Ok(layers)
    }

    /// The cameras, for [`crate::scenario::CameraIndex::new`].
    pub fn scenario_cameras(&self) -> Vec<Camera> {
        self.cameras.iter().map(|c| c.camera.clone()).collect()
    }

    /// The routes, for [`crate::scenario::RouteMonitor::new`].
    pub fn scenario_routes(&self) -> Vec<Route> {
        self.routes.iter().map(|r| r.route.clone()).collect()
    }

    /// The compounds, for [`crate::scenario::RouteMonitor::new`].
    pub fn scenario_compounds(&self) -> Vec<Compound> {
        self.compounds.iter().map(|c| c.compound.clone()).collect()
    }

    /// The sites, for [`crate::scenario::SiteMonitor::new`].
    pub fn scenario_sites(&self) -> Vec<Site> {
        self.sites.iter().map(|s| s.site.clone()).collect()
    }

    /// Two sensor channels per site (PM10 from its dust sensor, noise from its noise sensor), for
    /// [`crate::scenario::SiteMonitor::new`].
    pub fn site_sensors(&self) -> Vec<SiteSensor> {
        self.sites
            .iter()
            .flat_map(|s| {
                [(s.dust_sensor_id.clone(), Quantity::Pm10), (s.noise_sensor_id.clone(), Quantity::Noise)]
                    .map(|(sensor_id, quantity)| SiteSensor {
                        sensor_id,
                        site_id: s.site.id.clone(),
                        quantity,
                    })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQ: &str = r#"{"type":"Polygon","coordinates":[[[120.0,36.0],[120.001,36.0],[120.001,36.001],[120.0,36.001],[120.0,36.0]]]}"#;
    const PT: &str = r#"{"type":"Point","coordinates":[120.002,36.002]}"#;

    fn fc(p: &str, g: &str) -> String {
        format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{p},"geometry":{g}}}]}}"#
        )
    }

    struct Files {
        cameras: String,
        compounds: String,
        facilities: String,
        routes: String,
        sites: String,
    }

    fn tiny() -> Files {
        Files {
            cameras:
                "id,lon,lat,heading_deg,fov_deg,range_m,kind,grid_code,district_code,unit_code,synthetic\n\
                      QD-CAM-000001,120.0005,36.0005,90,60,50,low,370202001001001,370202,370202001-U03,true\n"
                    .into(),
            compounds: fc(
                r#"{"id":"C1","name":"云霄路1号小区","community_code":"370202001001","grid_code":"370202001001001","district_code":"370202","households":120,"sorting_status":"达标"}"#,
                SQ,
            ),
            facilities: fc(
                r#"{"id":"F1","name":"香港中路垃圾转运站","kind":"转运站","district_code":"370202","grid_code":"370202001001001","capacity_t_per_day":200}"#,
                PT,
            ),
            routes: fc(
                r#"{"id":"R1","truck_id":"鲁B·H0001","district_code":"370202","facility_id":"F1","stops":[{"compound_id":"C1","lon":120.0005,"lat":36.0005,"window_start":"05:30","window_end":"06:15"}]}"#,
                r#"{"type":"LineString","coordinates":[[120.002,36.002],[120.0005,36.0005],[120.002,36.002]]}"#,
            ),
            sites: fc(
                r#"{"id":"S1","permit_no":"37020220260101000101","builder":"青岛海筑建设集团有限公司","stage":"主体","buildings":3,"area_m2":9000,"district_code":"370202","grid_code":"370202001001001","dust_sensor_id":"D1","noise_sensor_id":"N1"}"#,
                SQ,
            ),
        }
    }

    fn load(f: &Files) -> Result<OpsLayers, CityPackError> {
        OpsLayers::from_sources(&OpsSources {
            cameras_csv: &f.cameras,
            compounds_geojson: &f.compounds,
            facilities_geojson: &f.facilities,
            routes_geojson: &f.routes,
            sites_geojson: &f.sites,
        })
    }

    #[test]
    fn a_tiny_set_of_layers_loads_into_the_rule_types() {
        let l = load(&tiny()).unwrap();
        assert_eq!(l.cameras[0].camera.kind, CameraKind::Low);
        assert_eq!(l.compounds[0].sorting_status, SortingStatus::Compliant);
        assert_eq!(l.facilities[0].kind, FacilityKind::TransferStation);
        assert_eq!(l.routes[0].route.stops[0].window.1, NaiveTime::from_hms_opt(6, 15, 0).unwrap());
        assert_eq!(l.sites[0].stage, SiteStage::Structure);
        let sensors = l.site_sensors();
        assert_eq!(
            sensors.iter().map(|s| (s.sensor_id.as_str(), s.quantity)).collect::<Vec<_>>(),
            [("D1", Quantity::Pm10), ("N1", Quantity::Noise)]
        );
    }

    #[test]
    fn broken_layers_give_errors_naming_file_and_record() {
        type Breaker = fn(&mut Files);
        let cases: [(Breaker, &str); 8] = [
            (
                |f| f.cameras = f.cameras.replace(",low,", ",mid,"),
                "cameras.csv, record 0: unknown kind \"mid\"",
            ),
            (|f| f.cameras = f.cameras.replace("120.0005", "east"), "cameras.csv, record 0: lon \"east\""),
            (
                |f| f.compounds = f.compounds.replace("达标", "优秀"),
                "compounds.geojson, record 0: unknown sorting_status",
            ),
            (
                |f| f.facilities = f.facilities.replace("转运站\"", "仓库\""),
                "facilities.geojson, record 0: unknown kind",
            ),
            (
                |f| f.routes = f.routes.replace("\"06:15\"", "\"05:00\""),
                "routes.geojson, record 0: stop window ends",
            ),
            (
                |f| f.routes = f.routes.replace("\"C1\"", "\"C9\""),
                "routes.geojson, record 0: stop names unknown compound C9",
            ),
            (
                |f| f.routes = f.routes.replace("\"F1\"", "\"F9\""),
                "routes.geojson, record 0: F9 is not a transfer station",
            ),
            (
                |f| f.sites = f.sites.replace("\"buildings\":3,", ""),
                "sites.geojson, record 0: no count property \"buildings\"",
            ),
        ];
        for (breaker, want) in cases {
            let mut f = tiny();
            breaker(&mut f);
            let err = load(&f).unwrap_err().to_string();
            assert!(err.starts_with(want), "want {want:?}, got {err:?}");
        }
    }

    #[test]
    fn every_enum_round_trips_through_its_chinese_name() {
        for s in SortingStatus::ALL {
            assert_eq!(SortingStatus::from_zh(s.zh()), Some(*s));
        }
        for k in FacilityKind::ALL {
            assert_eq!(FacilityKind::from_zh(k.zh()), Some(*k));
        }
        for s in SiteStage::ALL {
            assert_eq!(SiteStage::from_zh(s.zh()), Some(*s));
        }
    }
}
