//! The city pack: organisation, locator and basemap layers, built from the text of the files in
//! `assets/<city>` that the caller read (or that the `embedded-qingdao` feature compiled in).
//!
//! Deliberately absent: reading files. [`CityPackSources`] holds `&str` contents only.

pub mod geojson;
pub mod ops;

use crate::locate::{LocateError, Locator};
use crate::org::{Community, District, Function, Grid, OrgError, Organisation, Resolved, Street, Unit};
use cityops_api::{LocationDto, UnitLevel};
use geo::{Geometry, MultiLineString, MultiPolygon, Point, Rect};
use geojson::{Feature, GeoJsonError, as_multi_polygon, parse_features, str_prop};

/// The text of each pack file.
#[derive(Debug, Clone, Copy)]
pub struct CityPackSources<'a> {
    /// `districts.geojson`.
    pub districts_geojson: &'a str,
    /// `streets.geojson`.
    pub streets_geojson: &'a str,
    /// `communities.geojson`.
    pub communities_geojson: &'a str,
    /// `grids.geojson`.
    pub grids_geojson: &'a str,
    /// `units.csv`.
    pub units_csv: &'a str,
    /// `land.geojson` (its `clipped_to_bbox` property is the map window).
    pub land_geojson: &'a str,
    /// `sea.geojson`.
    pub sea_geojson: &'a str,
    /// `coastline.geojson`.
    pub coastline_geojson: &'a str,
    /// `places.geojson`.
    pub places_geojson: &'a str,
}

#[cfg(feature = "embedded-qingdao")]
impl CityPackSources<'static> {
    /// The Qingdao pack of `assets/qingdao`, embedded at compile time (`include_str!`).
    pub fn qingdao() -> Self {
        CityPackSources {
            districts_geojson: include_str!("../../../assets/qingdao/districts.geojson"),
            streets_geojson: include_str!("../../../assets/qingdao/streets.geojson"),
            communities_geojson: include_str!("../../../assets/qingdao/communities.geojson"),
            grids_geojson: include_str!("../../../assets/qingdao/grids.geojson"),
            units_csv: include_str!("../../../assets/qingdao/units.csv"),
            land_geojson: include_str!("../../../assets/qingdao/land.geojson"),
            sea_geojson: include_str!("../../../assets/qingdao/sea.geojson"),
            coastline_geojson: include_str!("../../../assets/qingdao/coastline.geojson"),
            places_geojson: include_str!("../../../assets/qingdao/places.geojson"),
        }
    }
}

/// Why a pack could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CityPackError {
    /// A GeoJSON file is malformed.
    #[error("{file}: {source}")]
    GeoJson {
        /// File name.
        file: &'static str,
        /// Parse error.
        source: GeoJsonError,
    },
    /// A CSV file is malformed.
    #[error("{file}: {source}")]
    Csv {
        /// File name.
        file: &'static str,
        /// Parse error.
        source: csv::Error,
    },
    /// A record lacks a field or has a bad value.
    #[error("{file}, record {record}: {reason}")]
    Field {
        /// File name.
        file: &'static str,
        /// 0-based record (feature or data row).
        record: usize,
        /// What is wrong.
        reason: String,
    },
    /// The parts do not fit together.
    #[error(transparent)]
    Org(#[from] OrgError),
}

/// A settlement point of the basemap.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// Chinese name, if the source has one.
    pub name_zh: Option<String>,
    /// Romanised name.
    pub name: String,
    /// GeoNames feature code (PPLA2, PPLA3, PPLA4, PPL).
    pub feature_code: String,
    /// Population, if known.
    pub population: Option<u64>,
    /// Position (WGS84).
    pub point: Point<f64>,
}

/// Background layers (real data, attribution in `SOURCES.md`).
#[derive(Debug, Clone)]
pub struct Basemap {
    /// Land of the map window.
    pub land: MultiPolygon<f64>,
    /// Sea of the map window.
    pub sea: MultiPolygon<f64>,
    /// Coastline.
    pub coastline: MultiLineString<f64>,
    /// Settlements.
    pub places: Vec<Place>,
    /// The map window (lon/lat).
    pub window: Rect<f64>,
}

/// Everything a city needs at run time.
#[derive(Debug, Clone)]
pub struct CityPack {
    /// Units and areas.
    pub organisation: Organisation,
    /// Point → grid index (grid positions are those of `organisation.grids()`).
    pub locator: Locator,
    /// Background layers.
    pub basemap: Basemap,
    // The case-type catalogue (`crate::catalogue::Catalogue`, another work item) joins here as
    // `pub catalogue: Catalogue`, loaded in `from_sources` from a source added to CityPackSources.
}

fn feats(file: &'static str, text: &str) -> Result<Vec<Feature>, CityPackError> {
    parse_features(text).map_err(|source| CityPackError::GeoJson { file, source })
}

fn prop(file: &'static str, record: usize, f: &Feature, key: &str) -> Result<String, CityPackError> {
    str_prop(&f.properties, key).map(str::to_owned).ok_or_else(|| CityPackError::Field {
        file,
        record,
        reason: format!("no string property {key:?}"),
    })
}

fn areal(file: &'static str, record: usize, f: &Feature) -> Result<MultiPolygon<f64>, CityPackError> {
    as_multi_polygon(&f.geometry).ok_or_else(|| CityPackError::Field {
        file,
        record,
        reason: "geometry is not areal".into(),
    })
}

fn parse_units(text: &str) -> Result<Vec<Unit>, CityPackError> {
    const FILE: &str = "units.csv";
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let headers = rd.headers().map_err(|source| CityPackError::Csv { file: FILE, source })?.clone();
    let idx = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| CityPackError::Field {
            file: FILE,
            record: 0,
            reason: format!("no column {name:?}"),
        })
    };
    let [code, name, level, district, street, parent, functions, synthetic] =
        ["code", "name", "level", "district_code", "street_code", "parent", "functions", "synthetic"]
            .map(idx);
    let (code, name, level, district, street, parent, functions, synthetic) =
        (code?, name?, level?, district?, street?, parent?, functions?, synthetic?);
    let mut out = Vec::new();
    for (record, r) in rd.records().enumerate() {
        let r = r.map_err(|source| CityPackError::Csv { file: FILE, source })?;
        let bad = |reason: String| CityPackError::Field { file: FILE, record, reason };
        let get = |i: usize| r.get(i).unwrap_or("");
        let opt = |i: usize| Some(get(i)).filter(|s| !s.is_empty()).map(str::to_owned);
        let level = match get(level) {
            "city_centre" => UnitLevel::CityCentre,
            "district_centre" => UnitLevel::DistrictCentre,
            "department" => UnitLevel::Department,
            "grassroots" => UnitLevel::Grassroots,
            other => return Err(bad(format!("unknown level {other:?}"))),
        };
        let functions = get(functions)
            .split(';')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<Function>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(e.to_string()))?;
        let synthetic = match get(synthetic) {
            "true" => true,
            "false" => false,
            other => return Err(bad(format!("synthetic is {other:?}"))),
        };
        out.push(Unit {
            code: get(code).to_owned(),
            name: get(name).to_owned(),
            level,
            district_code: opt(district),
            street_code: opt(street),
            parent: opt(parent),
            functions,
            synthetic,
        });
    }
    Ok(out)
}

fn merge_polygons(fs: &[Feature], file: &'static str) -> Result<MultiPolygon<f64>, CityPackError> {
    let mut all = Vec::new();
    for (i, f) in fs.iter().enumerate() {
        all.extend(areal(file, i, f)?.0);
    }
    Ok(MultiPolygon(all))
}

impl CityPack {
    /// Parse and link every file of the pack.
    pub fn from_sources(src: &CityPackSources<'_>) -> Result<Self, CityPackError> {
        let units = parse_units(src.units_csv)?;

        const D: &str = "districts.geojson";
        let districts = feats(D, src.districts_geojson)?
            .iter()
            .enumerate()
            .map(|(i, f)| {
                Ok(District {
                    code: prop(D, i, f, "adcode")?,
                    name: prop(D, i, f, "name")?,
                    name_en: prop(D, i, f, "name_en")?,
                    polygon: areal(D, i, f)?,
                })
            })
            .collect::<Result<Vec<_>, CityPackError>>()?;
        const S: &str = "streets.geojson";
        let streets = feats(S, src.streets_geojson)?
            .iter()
            .enumerate()
            .map(|(i, f)| {
                Ok(Street {
                    code: prop(S, i, f, "code")?,
                    name: prop(S, i, f, "name")?,
                    polygon: areal(S, i, f)?,
                })
            })
            .collect::<Result<Vec<_>, CityPackError>>()?;
        const C: &str = "communities.geojson";
        let communities = feats(C, src.communities_geojson)?
            .iter()
            .enumerate()
            .map(|(i, f)| {
                Ok(Community {
                    code: prop(C, i, f, "code")?,
                    name: prop(C, i, f, "name")?,
                    polygon: areal(C, i, f)?,
                })
            })
            .collect::<Result<Vec<_>, CityPackError>>()?;
        const G: &str = "grids.geojson";
        let grids = feats(G, src.grids_geojson)?
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let area_m2 =
                    f.properties.get("area_m2").and_then(serde_json::Value::as_f64).ok_or_else(|| {
                        CityPackError::Field { file: G, record: i, reason: "no numeric area_m2".into() }
                    })?;
                let synthetic =
                    f.properties.get("synthetic").and_then(serde_json::Value::as_bool).unwrap_or(true);
                Ok(Grid {
                    code: prop(G, i, f, "code")?,
                    area_m2,
                    unit_code: prop(G, i, f, "unit_code")?,
                    synthetic,
                    polygon: areal(G, i, f)?,
                })
            })
            .collect::<Result<Vec<_>, CityPackError>>()?;
        let organisation = Organisation::new(units, districts, streets, communities, grids)?;

        const L: &str = "land.geojson";
        let land_f = feats(L, src.land_geojson)?;
        let land = merge_polygons(&land_f, L)?;
        let w = land_f
            .first()
            .and_then(|f| f.properties.get("clipped_to_bbox"))
            .and_then(|v| serde_json::from_value::<[f64; 4]>(v.clone()).ok())
            .ok_or_else(|| CityPackError::Field {
                file: L,
                record: 0,
                reason: "no clipped_to_bbox [w, s, e, n]".into(),
            })?;
        let window = Rect::new((w[0], w[1]), (w[2], w[3]));
        let sea = merge_polygons(&feats("sea.geojson", src.sea_geojson)?, "sea.geojson")?;
        let mut coastline = MultiLineString(vec![]);
        for (i, f) in feats("coastline.geojson", src.coastline_geojson)?.into_iter().enumerate() {
            match f.geometry {
                Geometry::LineString(l) => coastline.0.push(l),
                Geometry::MultiLineString(m) => coastline.0.extend(m.0),
                _ => {
                    return Err(CityPackError::Field {
                        file: "coastline.geojson",
                        record: i,
                        reason: "not a line".into(),
                    });
                }
            }
        }
        const P: &str = "places.geojson";
        let places = feats(P, src.places_geojson)?
            .into_iter()
            .enumerate()
            .map(|(i, f)| {
                let Geometry::Point(point) = f.geometry else {
                    return Err(CityPackError::Field { file: P, record: i, reason: "not a point".into() });
                };
                Ok(Place {
                    name_zh: str_prop(&f.properties, "name_zh").map(str::to_owned),
                    name: str_prop(&f.properties, "name").unwrap_or_default().to_owned(),
                    feature_code: str_prop(&f.properties, "feature_code").unwrap_or_default().to_owned(),
                    population: f.properties.get("population").and_then(serde_json::Value::as_u64),
                    point,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;

        let locator = Locator::new(
            organisation.grids().iter().map(|g| g.polygon.clone()).collect(),
            land.clone(),
            window,
        );
        Ok(CityPack { organisation, locator, basemap: Basemap { land, sea, coastline, places, window } })
    }

    /// Point → grid → community → street → district → the grid's unit.
    pub fn locate(&self, lon: f64, lat: f64) -> Result<Resolved<'_>, LocateError> {
        let loc = self.locator.locate(lon, lat)?;
        // The locator was built from `organisation.grids()`, so the index always resolves.
        self.organisation.resolve(loc.grid).ok_or(LocateError::OutsideCity { lon, lat })
    }

    /// [`CityPack::locate`] in wire form.
    pub fn locate_dto(&self, lon: f64, lat: f64) -> Result<LocationDto, LocateError> {
        self.locate(lon, lat).map(|r| r.to_dto(lon, lat))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[120.0,36.0],[120.01,36.0],[120.01,36.01],[120.0,36.01],[120.0,36.0]]]}"#;

    fn fc(features: &[(&str, &str)]) -> String {
        let f: Vec<String> = features
            .iter()
            .map(|(p, g)| format!(r#"{{"type":"Feature","properties":{p},"geometry":{g}}}"#))
            .collect();
        format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, f.join(","))
    }

    struct Files {
        districts: String,
        streets: String,
        communities: String,
        grids: String,
        units: String,
        land: String,
        sea: String,
        coast: String,
        places: String,
    }

    /// One district, street, community and grid; units for the district and street.
    fn tiny() -> Files {
        Files {
            districts: fc(&[(r#"{"adcode":"370202","name":"市南区","name_en":"Shinan District"}"#, SQUARE)]),
            streets: fc(&[(r#"{"code":"370202001","name":"香港中路街道"}"#, SQUARE)]),
            communities: fc(&[(r#"{"code":"370202001001","name":"云霄路社区"}"#, SQUARE)]),
            grids: fc(&[(
                r#"{"code":"370202001001001","area_m2":1000000,"unit_code":"370202001-U03","synthetic":true}"#,
                SQUARE,
            )]),
            units: "code,name,level,district_code,street_code,parent,functions,synthetic\n\
                    370200-C00,青岛市城市运行管理服务中心,city_centre,,,,,true\n\
                    370202001-U03,香港中路街道综合执法中队,grassroots,370202,370202001,370200-C00,enforcement,true\n"
                .into(),
            land: fc(&[(r#"{"clipped_to_bbox":[119.9,35.9,120.1,36.1]}"#, SQUARE)]),
            sea: fc(&[]),
            coast: fc(&[]),
            places: fc(&[(r#"{"name":"Qingdao","name_zh":"青岛","feature_code":"PPLA2"}"#, r#"{"type":"Point","coordinates":[120.005,36.005]}"#)]),
        }
    }

    fn load(f: &Files) -> Result<CityPack, CityPackError> {
        CityPack::from_sources(&CityPackSources {
            districts_geojson: &f.districts,
            streets_geojson: &f.streets,
            communities_geojson: &f.communities,
            grids_geojson: &f.grids,
            units_csv: &f.units,
            land_geojson: &f.land,
            sea_geojson: &f.sea,
            coastline_geojson: &f.coast,
            places_geojson: &f.places,
        })
    }

    #[test]
    fn a_tiny_pack_loads_and_locates() {
        let pack = load(&tiny()).unwrap();
        let dto = pack.locate_dto(120.005, 36.005).unwrap();
        assert_eq!(
            (dto.grid_code.as_str(), dto.unit_name.as_str()),
            ("370202001001001", "香港中路街道综合执法中队")
        );
        assert_eq!(pack.locate(120.05, 36.05).unwrap_err(), LocateError::AtSea { lon: 120.05, lat: 36.05 });
        assert_eq!(pack.basemap.places[0].name_zh.as_deref(), Some("青岛"));
    }

    #[test]
    fn broken_sources_give_typed_errors() {
        type Breaker = fn(&mut Files);
        let cases: [(Breaker, &str); 6] = [
            (
                |f| f.units = f.units.replace("grassroots", "janitor"),
                "units.csv, record 1: unknown level \"janitor\"",
            ),
            (
                |f| f.units = f.units.replace(",enforcement,", ",fishing,"),
                "units.csv, record 1: unknown function \"fishing\"",
            ),
            (|f| f.grids = f.grids.replace("370202001-U03", "370202001-U09"), "inconsistent organisation"),
            (
                |f| f.grids = f.grids.replace("\"area_m2\":1000000,", ""),
                "grids.geojson, record 0: no numeric area_m2",
            ),
            (
                |f| f.land = f.land.replace("clipped_to_bbox", "bbox"),
                "land.geojson, record 0: no clipped_to_bbox",
            ),
            (|f| f.streets = "{".into(), "streets.geojson: not JSON"),
        ];
        for (breaker, want) in cases {
            let mut f = tiny();
            breaker(&mut f);
            let err = load(&f).unwrap_err().to_string();
            assert!(err.starts_with(want), "want {want:?}, got {err:?}");
        }
    }
}
