//! Organisation and areas: the units that receive cases (city centre, district centres,
//! departments, grassroots units), the area hierarchy district → street (街道/镇) → community
//! (社区/村) → unit grid (单元网格) with nested codes, and routing a grid + function to the
//! responsible unit.
//!
//! Deliberately absent: parsing files (see [`crate::citypack`]) and geometry queries (see
//! [`crate::locate`]); polygons are carried here only so callers can draw them.

use cityops_api::{GridDto, LocationDto, UnitDto, UnitLevel};
use geo::MultiPolygon;
use std::fmt;
use std::str::FromStr;

/// Code of Qingdao (GB/T 2260); every area code of its pack starts with `3702`.
pub const QINGDAO_CODE: &str = "370200";

/// Errors of the organisation: building it from inconsistent parts, or a query it cannot answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrgError {
    /// A function name that is not in [`Function::ALL`].
    #[error("unknown function {0:?}")]
    UnknownFunction(String),
    /// No grid with this code.
    #[error("unknown grid {0:?}")]
    UnknownGrid(String),
    /// No area (city, district, street, community or grid) with this code.
    #[error("unknown area {0:?}")]
    UnknownArea(String),
    /// Nobody handles this function for this grid (the unit table has a hole).
    #[error("no unit handles {function} for grid {grid}")]
    NoResponsibleUnit {
        /// Grid code.
        grid: String,
        /// Function asked for.
        function: Function,
    },
    /// The parts do not fit together (a code that is not nested, a reference to a missing item,
    /// a duplicate).
    #[error("inconsistent organisation: {0}")]
    Inconsistent(String),
}

/// What a unit does; the routing key together with the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Function {
    /// 环卫 street cleaning, waste.
    Sanitation,
    /// 市政 roads, manholes, lights.
    Municipal,
    /// 综合执法 street order, illegal building.
    Enforcement,
    /// 园林绿化 green space.
    Greening,
    /// 网格化服务管理 general grid work.
    General,
    /// 住建 construction sites.
    Construction,
    /// 交通运输 transport facilities.
    Transport,
    /// 水务 drainage.
    Drainage,
    /// 林业 forestry.
    Forestry,
    /// 交警 traffic police.
    TrafficPolice,
    /// 生态环境 environment.
    Environment,
    /// 市场监管 market supervision.
    Market,
    /// 自然资源和规划 planning.
    Planning,
    /// 供电 power.
    Power,
    /// 供水 water supply.
    Water,
    /// 供热 heat.
    Heat,
    /// 燃气 gas.
    Gas,
    /// 通信 telecom.
    Telecom,
}

impl Function {
    /// Every function, in routing-table order.
    pub const ALL: [Function; 18] = [
        Function::Sanitation,
        Function::Municipal,
        Function::Enforcement,
        Function::Greening,
        Function::General,
        Function::Construction,
        Function::Transport,
        Function::Drainage,
        Function::Forestry,
        Function::TrafficPolice,
        Function::Environment,
        Function::Market,
        Function::Planning,
        Function::Power,
        Function::Water,
        Function::Heat,
        Function::Gas,
        Function::Telecom,
    ];

    /// The snake_case name used in the data files.
    pub fn as_str(self) -> &'static str {
        match self {
            Function::Sanitation => "sanitation",
            Function::Municipal => "municipal",
            Function::Enforcement => "enforcement",
            Function::Greening => "greening",
            Function::General => "general",
            Function::Construction => "construction",
            Function::Transport => "transport",
            Function::Drainage => "drainage",
            Function::Forestry => "forestry",
            Function::TrafficPolice => "traffic_police",
            Function::Environment => "environment",
            Function::Market => "market",
            Function::Planning => "planning",
            Function::Power => "power",
            Function::Water => "water",
            Function::Heat => "heat",
            Function::Gas => "gas",
            Function::Telecom => "telecom",
        }
    }

    /// Whether grassroots (street-level) units handle it.
    pub fn is_grassroots(self) -> bool {
        matches!(
            self,
            Function::Sanitation
                | Function::Municipal
                | Function::Enforcement
                | Function::Greening
                | Function::General
        )
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Function {
    type Err = OrgError;
    fn from_str(s: &str) -> Result<Self, OrgError> {
        Function::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| OrgError::UnknownFunction(s.to_owned()))
    }
}

/// A unit that receives or handles cases.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    /// Code, e.g. `370200-C00`, `370202-D01`, `370202001-U03`.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// Level in the dispatch hierarchy.
    pub level: UnitLevel,
    /// District served (None for city-wide units).
    pub district_code: Option<String>,
    /// Street served (grassroots units only).
    pub street_code: Option<String>,
    /// Parent unit code (None for the city centre).
    pub parent: Option<String>,
    /// Functions handled (empty for centres).
    pub functions: Vec<Function>,
    /// Whether the unit is synthetic (patterned name, not a verified real body).
    pub synthetic: bool,
}

impl Unit {
    /// Wire form.
    pub fn to_dto(&self) -> UnitDto {
        UnitDto {
            code: self.code.clone(),
            name: self.name.clone(),
            level: self.level,
            district_code: self.district_code.clone(),
            parent: self.parent.clone(),
            synthetic: self.synthetic,
        }
    }
}

/// A district or county-level city (区/县级市), 6-digit GB/T 2260 code.
#[derive(Debug, Clone, PartialEq)]
pub struct District {
    /// 6-digit code.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// Boundary (WGS84).
    pub polygon: MultiPolygon<f64>,
}

/// A street or town (街道/镇), 9-digit code.
#[derive(Debug, Clone, PartialEq)]
pub struct Street {
    /// 9-digit code.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// Boundary (WGS84; synthetic in the Qingdao pack).
    pub polygon: MultiPolygon<f64>,
}

/// A community or village (社区/村), 12-digit code.
#[derive(Debug, Clone, PartialEq)]
pub struct Community {
    /// 12-digit code.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// Boundary (WGS84; synthetic in the Qingdao pack).
    pub polygon: MultiPolygon<f64>,
}

/// A unit grid (单元网格), 15-digit code = community code + 3-digit sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// 15-digit code.
    pub code: String,
    /// Area, square metres (geodesic).
    pub area_m2: f64,
    /// The grid's own responsible grassroots unit.
    pub unit_code: String,
    /// Whether the polygon is synthetic.
    pub synthetic: bool,
    /// Boundary (WGS84).
    pub polygon: MultiPolygon<f64>,
}

impl Grid {
    /// Community code (first 12 digits; the whole code if it is shorter).
    pub fn community_code(&self) -> &str {
        self.code.get(..12).unwrap_or(&self.code)
    }
    /// Street code (first 9 digits).
    pub fn street_code(&self) -> &str {
        self.code.get(..9).unwrap_or(&self.code)
    }
    /// District code (first 6 digits).
    pub fn district_code(&self) -> &str {
        self.code.get(..6).unwrap_or(&self.code)
    }
    /// Wire form.
    pub fn to_dto(&self) -> GridDto {
        GridDto {
            code: self.code.clone(),
            community_code: self.community_code().to_owned(),
            area_m2: self.area_m2,
            unit_code: self.unit_code.clone(),
            synthetic: self.synthetic,
        }
    }
}

/// The children of an area, as a contiguous slice (codes nest by prefix).
#[derive(Debug, Clone, Copy)]
pub enum Children<'a> {
    /// Children of the city.
    Districts(&'a [District]),
    /// Children of a district.
    Streets(&'a [Street]),
    /// Children of a street.
    Communities(&'a [Community]),
    /// Children of a community.
    Grids(&'a [Grid]),
    /// A grid has none.
    None,
}

impl Children<'_> {
    /// Number of children.
    pub fn len(&self) -> usize {
        match self {
            Children::Districts(s) => s.len(),
            Children::Streets(s) => s.len(),
            Children::Communities(s) => s.len(),
            Children::Grids(s) => s.len(),
            Children::None => 0,
        }
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A grid with everything above it: the answer of a point lookup.
#[derive(Debug, Clone, Copy)]
pub struct Resolved<'a> {
    /// The grid.
    pub grid: &'a Grid,
    /// Its community.
    pub community: &'a Community,
    /// Its street.
    pub street: &'a Street,
    /// Its district.
    pub district: &'a District,
    /// The grid's responsible grassroots unit.
    pub unit: &'a Unit,
}

impl Resolved<'_> {
    /// Wire form for the point (lon, lat) that was looked up.
    pub fn to_dto(&self, lon: f64, lat: f64) -> LocationDto {
        LocationDto {
            lon,
            lat,
            grid_code: self.grid.code.clone(),
            community_code: self.community.code.clone(),
            community_name: self.community.name.clone(),
            street_code: self.street.code.clone(),
            street_name: self.street.name.clone(),
            district_code: self.district.code.clone(),
            district_name: self.district.name.clone(),
            unit_code: self.unit.code.clone(),
            unit_name: self.unit.name.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct GridLinks {
    community: u32,
    street: u32,
    district: u32,
    unit: u32,
}

/// Units and areas of one city, sorted by code, with the links between them resolved.
#[derive(Debug, Clone)]
pub struct Organisation {
    city_code: String,
    units: Vec<Unit>,
    districts: Vec<District>,
    streets: Vec<Street>,
    communities: Vec<Community>,
    grids: Vec<Grid>,
    links: Vec<GridLinks>,
}

fn find<T>(items: &[T], code: &str, key: impl Fn(&T) -> &str) -> Option<usize> {
    items.binary_search_by(|x| key(x).cmp(code)).ok()
}

fn prefix_range<T>(items: &[T], prefix: &str, key: impl Fn(&T) -> &str) -> std::ops::Range<usize> {
    let lo = items.partition_point(|x| key(x) < prefix);
    let hi = lo + items[lo..].partition_point(|x| key(x).starts_with(prefix));
    lo..hi
}

fn all_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

impl Organisation {
    /// Build from parts in any order. Checks that codes have the right width and nest by prefix,
    /// that every parent exists, that codes are unique and that every grid's unit exists.
    pub fn new(
        mut units: Vec<Unit>,
        mut districts: Vec<District>,
        mut streets: Vec<Street>,
        mut communities: Vec<Community>,
        mut grids: Vec<Grid>,
    ) -> Result<Self, OrgError> {
        let bad = |m: String| Err(OrgError::Inconsistent(m));
        units.sort_by(|a, b| a.code.cmp(&b.code));
        districts.sort_by(|a, b| a.code.cmp(&b.code));
        streets.sort_by(|a, b| a.code.cmp(&b.code));
        communities.sort_by(|a, b| a.code.cmp(&b.code));
        grids.sort_by(|a, b| a.code.cmp(&b.code));
        fn dup<T>(v: &[T], key: impl Fn(&T) -> &str) -> Option<String> {
            v.windows(2).find(|w| key(&w[0]) == key(&w[1])).map(|w| key(&w[0]).to_owned())
        }
        if let Some(d) = [
            dup(&units, |u| &u.code),
            dup(&districts, |u| &u.code),
            dup(&streets, |u| &u.code),
            dup(&communities, |u| &u.code),
            dup(&grids, |u| &u.code),
        ]
        .into_iter()
        .flatten()
        .next()
        {
            return bad(format!("duplicate code {d}"));
        }
        for d in &districts {
            if !all_digits(&d.code, 6) || d.code[..4] != districts[0].code[..4] {
                return bad(format!("district code {:?} is not a 6-digit code of the city", d.code));
            }
        }
        for s in &streets {
            if !all_digits(&s.code, 9) || find(&districts, &s.code[..6], |d| &d.code).is_none() {
                return bad(format!("street {:?} has no district", s.code));
            }
        }
        for c in &communities {
            if !all_digits(&c.code, 12) || find(&streets, &c.code[..9], |s| &s.code).is_none() {
                return bad(format!("community {:?} has no street", c.code));
            }
        }
        for u in &units {
            for (what, code) in [("district", &u.district_code), ("street", &u.street_code)] {
                if let Some(code) = code {
                    let ok = if what == "district" {
                        find(&districts, code, |d| &d.code).is_some()
                    } else {
                        find(&streets, code, |s| &s.code).is_some()
                    };
                    if !ok {
                        return bad(format!("unit {} names unknown {what} {code}", u.code));
                    }
                }
            }
            if let Some(p) = &u.parent
                && find(&units, p, |x| &x.code).is_none()
            {
                return bad(format!("unit {} has unknown parent {p}", u.code));
            }
        }
        let mut links = Vec::with_capacity(grids.len());
        for g in &grids {
            if !all_digits(&g.code, 15) {
                return bad(format!("grid code {:?} is not 15 digits", g.code));
            }
            let (Some(c), Some(s), Some(d), Some(u)) = (
                find(&communities, &g.code[..12], |c| &c.code),
                find(&streets, &g.code[..9], |s| &s.code),
                find(&districts, &g.code[..6], |d| &d.code),
                find(&units, &g.unit_code, |u| &u.code),
            ) else {
                return bad(format!("grid {} has no community or unit {}", g.code, g.unit_code));
            };
            links.push(GridLinks {
                community: c as u32,
                street: s as u32,
                district: d as u32,
                unit: u as u32,
            });
        }
        let city_code = districts.first().map(|d| format!("{}00", &d.code[..4])).unwrap_or_default();
        Ok(Organisation { city_code, units, districts, streets, communities, grids, links })
    }

    /// The city's 6-digit code (its districts' first 4 digits + `00`), e.g. `370200`.
    pub fn city_code(&self) -> &str {
        &self.city_code
    }

    /// All units, by code.
    pub fn units(&self) -> &[Unit] {
        &self.units
    }
    /// All districts, by code.
    pub fn districts(&self) -> &[District] {
        &self.districts
    }
    /// All streets, by code.
    pub fn streets(&self) -> &[Street] {
        &self.streets
    }
    /// All communities, by code.
    pub fn communities(&self) -> &[Community] {
        &self.communities
    }
    /// All grids, by code; the order [`crate::locate::Location::grid`] indexes.
    pub fn grids(&self) -> &[Grid] {
        &self.grids
    }

    /// Unit by code.
    pub fn unit(&self, code: &str) -> Option<&Unit> {
        find(&self.units, code, |u| &u.code).map(|i| &self.units[i])
    }
    /// District by code.
    pub fn district(&self, code: &str) -> Option<&District> {
        find(&self.districts, code, |d| &d.code).map(|i| &self.districts[i])
    }
    /// Street by code.
    pub fn street(&self, code: &str) -> Option<&Street> {
        find(&self.streets, code, |d| &d.code).map(|i| &self.streets[i])
    }
    /// Community by code.
    pub fn community(&self, code: &str) -> Option<&Community> {
        find(&self.communities, code, |d| &d.code).map(|i| &self.communities[i])
    }
    /// Grid by code.
    pub fn grid(&self, code: &str) -> Option<&Grid> {
        self.grid_index(code).map(|i| &self.grids[i])
    }
    /// Position of a grid in [`Organisation::grids`].
    pub fn grid_index(&self, code: &str) -> Option<usize> {
        find(&self.grids, code, |g| &g.code)
    }

    /// Units of one level, by code.
    pub fn units_at(&self, level: UnitLevel) -> impl Iterator<Item = &Unit> {
        self.units.iter().filter(move |u| u.level == level)
    }

    /// Direct children of an area: the city code gives districts, a district its streets, a
    /// street its communities, a community its grids.
    pub fn children(&self, area_code: &str) -> Result<Children<'_>, OrgError> {
        let unknown = || OrgError::UnknownArea(area_code.to_owned());
        Ok(match area_code.len() {
            _ if area_code == self.city_code => Children::Districts(&self.districts),
            6 => {
                self.district(area_code).ok_or_else(unknown)?;
                Children::Streets(&self.streets[prefix_range(&self.streets, area_code, |s| &s.code)])
            }
            9 => {
                self.street(area_code).ok_or_else(unknown)?;
                Children::Communities(
                    &self.communities[prefix_range(&self.communities, area_code, |s| &s.code)],
                )
            }
            12 => {
                self.community(area_code).ok_or_else(unknown)?;
                Children::Grids(self.grids_in(area_code))
            }
            15 => {
                self.grid(area_code).ok_or_else(unknown)?;
                Children::None
            }
            _ => return Err(unknown()),
        })
    }

    /// All grids whose code starts with `prefix` (an area filter: district, street or community
    /// code; the city code or "" gives all).
    pub fn grids_in(&self, prefix: &str) -> &[Grid] {
        let prefix = if prefix == self.city_code { "" } else { prefix };
        &self.grids[prefix_range(&self.grids, prefix, |g| &g.code)]
    }

    /// The grid at `index` with its community, street, district and unit.
    pub fn resolve(&self, index: usize) -> Option<Resolved<'_>> {
        let l = self.links.get(index)?;
        Some(Resolved {
            grid: &self.grids[index],
            community: &self.communities[l.community as usize],
            street: &self.streets[l.street as usize],
            district: &self.districts[l.district as usize],
            unit: &self.units[l.unit as usize],
        })
    }

    /// The unit responsible for `function` (a name from [`Function::as_str`]) in the grid.
    pub fn responsible_unit(&self, grid_code: &str, function: &str) -> Result<&Unit, OrgError> {
        self.responsible_unit_for(grid_code, function.parse()?)
    }

    /// Routing: grassroots functions go to the grid's street unit with that function (`general`
    /// falls back to the street's enforcement unit); otherwise, and whenever the street has no such
    /// unit, to the district department with the function, then to the city department.
    pub fn responsible_unit_for(&self, grid_code: &str, function: Function) -> Result<&Unit, OrgError> {
        let g = self.grid_index(grid_code).ok_or_else(|| OrgError::UnknownGrid(grid_code.to_owned()))?;
        let street = self.grids[g].street_code();
        let district = self.grids[g].district_code();
        let has = |u: &&Unit, f: Function| u.functions.contains(&f);
        let street_units = &self.units[prefix_range(&self.units, street, |u| &u.code)];
        let pick_street = |f: Function| {
            street_units.iter().find(|u| {
                u.level == UnitLevel::Grassroots && has(u, f) && u.street_code.as_deref() == Some(street)
            })
        };
        let dept = |scope: Option<&str>, f: Function| {
            self.units.iter().find(|u| {
                u.level == UnitLevel::Department && u.district_code.as_deref() == scope && has(u, f)
            })
        };
        let street_pick = if function.is_grassroots() {
            pick_street(function).or_else(|| {
                (function == Function::General).then(|| pick_street(Function::Enforcement)).flatten()
            })
        } else {
            None
        };
        street_pick
            .or_else(|| dept(Some(district), function))
            .or_else(|| dept(None, function))
            .ok_or(OrgError::NoResponsibleUnit { grid: grid_code.to_owned(), function })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(
        code: &str,
        level: UnitLevel,
        district: Option<&str>,
        street: Option<&str>,
        f: &[Function],
    ) -> Unit {
        Unit {
            code: code.into(),
            name: code.into(),
            level,
            district_code: district.map(Into::into),
            street_code: street.map(Into::into),
            parent: None,
            functions: f.to_vec(),
            synthetic: true,
        }
    }

    /// Two streets: 370202001 has a general unit, 370202002 has not.
    fn small() -> Organisation {
        use Function::*;
        use UnitLevel::*;
        let units = vec![
            unit("370200-C00", CityCentre, None, None, &[]),
            unit("370202-C00", DistrictCentre, Some("370202"), None, &[]),
            unit("370200-D01", Department, None, None, &[Sanitation, Municipal, Greening]),
            unit("370200-D02", Department, None, None, &[Construction]),
            unit("370200-D03", Department, None, None, &[Drainage]),
            unit("370200-D12", Department, None, None, &[Heat, Gas]),
            unit("370202-D02", Department, Some("370202"), None, &[Construction]),
            unit("370202-D03", Department, Some("370202"), None, &[Enforcement]),
            unit("370202001-U01", Grassroots, Some("370202"), Some("370202001"), &[Sanitation]),
            unit("370202001-U03", Grassroots, Some("370202"), Some("370202001"), &[Enforcement]),
            unit("370202001-U05", Grassroots, Some("370202"), Some("370202001"), &[General]),
            unit("370202002-U03", Grassroots, Some("370202"), Some("370202002"), &[Enforcement]),
        ];
        let poly = MultiPolygon(vec![]);
        let d = vec![District {
            code: "370202".into(),
            name: "市南区".into(),
            name_en: "Shinan".into(),
            polygon: poly.clone(),
        }];
        let s = ["370202002", "370202001"].map(|c| Street {
            code: c.into(),
            name: c.into(),
            polygon: poly.clone(),
        });
        let c = ["370202001001", "370202002001"].map(|c| Community {
            code: c.into(),
            name: c.into(),
            polygon: poly.clone(),
        });
        let g = [("370202001001001", "370202001-U05"), ("370202002001001", "370202002-U03")].map(|(c, u)| {
            Grid { code: c.into(), area_m2: 1.0, unit_code: u.into(), synthetic: true, polygon: poly.clone() }
        });
        Organisation::new(units, d, s.to_vec(), c.to_vec(), g.to_vec()).unwrap()
    }

    #[test]
    fn routing_table_by_function_kind() {
        let org = small();
        let g1 = "370202001001001";
        let g2 = "370202002001001";
        for (grid, function, want) in [
            (g1, "sanitation", "370202001-U01"),
            (g1, "enforcement", "370202001-U03"),
            (g1, "general", "370202001-U05"),
            (g2, "general", "370202002-U03"), // no general unit: the street's enforcement unit
            (g2, "sanitation", "370200-D01"), // street lacks it, district lacks it: city department
            (g1, "municipal", "370200-D01"),
            (g1, "construction", "370202-D02"), // district department first
            (g1, "drainage", "370200-D03"),
            (g1, "gas", "370200-D12"),
        ] {
            assert_eq!(org.responsible_unit(grid, function).unwrap().code, want, "{grid} {function}");
        }
    }

    #[test]
    fn routing_errors_are_typed() {
        let org = small();
        assert_eq!(
            org.responsible_unit("370202001001001", "teleportation"),
            Err(OrgError::UnknownFunction("teleportation".into()))
        );
        assert_eq!(
            org.responsible_unit("370202001001999", "sanitation"),
            Err(OrgError::UnknownGrid("370202001001999".into()))
        );
        assert_eq!(
            org.responsible_unit("370202001001001", "telecom"),
            Err(OrgError::NoResponsibleUnit { grid: "370202001001001".into(), function: Function::Telecom })
        );
    }

    #[test]
    fn function_names_round_trip() {
        for f in Function::ALL {
            assert_eq!(f.as_str().parse::<Function>(), Ok(f));
        }
    }

    #[test]
    fn children_follow_code_prefixes() {
        let org = small();
        assert_eq!(org.children(QINGDAO_CODE).unwrap().len(), 1);
        assert_eq!(org.city_code(), QINGDAO_CODE);
        assert_eq!(org.children("370202").unwrap().len(), 2);
        assert_eq!(org.children("370202001").unwrap().len(), 1);
        assert_eq!(org.children("370202001001").unwrap().len(), 1);
        assert!(org.children("370202001001001").unwrap().is_empty());
        assert_eq!(org.children("370203").unwrap_err(), OrgError::UnknownArea("370203".into()));
        assert_eq!(org.grids_in("370202").len(), 2);
        assert_eq!(org.grids_in("370202002").len(), 1);
        let r = org.resolve(1).unwrap();
        assert_eq!((r.street.code.as_str(), r.unit.code.as_str()), ("370202002", "370202002-U03"));
    }

    #[test]
    fn inconsistent_parts_are_rejected() {
        let org = small();
        let mut grids = org.grids().to_vec();
        grids[0].code = "370202009001001".into();
        let err = Organisation::new(
            org.units().to_vec(),
            org.districts().to_vec(),
            org.streets().to_vec(),
            org.communities().to_vec(),
            grids,
        )
        .unwrap_err();
        assert!(matches!(err, OrgError::Inconsistent(_)), "{err}");
    }
}
