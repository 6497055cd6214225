//! The static operations layers of the pack, all synthetic: video cameras, residential compounds
//! (小区) with their waste-sorting status, waste facilities, collection routes with their trucks,
//! and construction sites (工地) with their dust and noise sensors.
//!
//! Everything is drawn from one seed ([`OPS_SEED`]) over the generated grids, in a fixed order, so
//! the files are byte-identical on every run. Every point and every polygon corner lies strictly
//! inside the grid it names (tested on the rounded micro-degree coordinates the files carry), so
//! it is on land and in the stated district. Densities follow the grids: cameras, compounds and
//! sites are drawn per grid with a weight set by the district's class (urban core, suburban,
//! county-level city) and by the community's kind (居委会/社区 or 村), and urban grids are an
//! eighth of the size of village grids, so the urban districts come out far denser per km².

use crate::GenError;
use crate::legs::{Legs, dist_m};
use crate::output::{IPt, SCALE, feature_collection, fmt_micro, point_json, round_pt, to_geo};
use geo::{BoundingRect, Contains, Coord, GeodesicArea, LineString, MultiPolygon, Point, Polygon};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use std::fmt::Write as _;

/// Seed of the operations layers (independent of the polygons' seed, so re-tuning a layer does
/// not move the grids).
pub const OPS_SEED: u64 = 0x5147_2026_0002;
/// Number of cameras.
pub const CAMERAS: usize = 48_000;
/// Share of high-point (高点) cameras.
pub const HIGH_SHARE: f64 = 0.08;
/// Number of residential compounds.
pub const COMPOUNDS: usize = 5_000;
/// Number of collection routes (one truck each).
pub const ROUTES: usize = 749;
/// Transfer stations (转运站), incineration plants (焚烧发电厂), kitchen-waste plants (餐厨垃圾处理厂).
pub const FACILITIES: [usize; 3] = [35, 6, 6];
/// Number of construction sites.
pub const SITES: usize = 700;
/// The sites' buildings add up to at least this many.
pub const MIN_BUILDINGS: u32 = 2_000;
/// Stops per route.
pub const STOPS: std::ops::RangeInclusive<usize> = 5..=10;

const SOURCE: &str = "generated";
const TRIES: usize = 400;

/// Districts whose incineration / kitchen-waste plants the pack places (one each).
const INCINERATION_DISTRICTS: [&str; 6] = ["370211", "370213", "370215", "370281", "370283", "370285"];
const KITCHEN_DISTRICTS: [&str; 6] = ["370211", "370214", "370215", "370281", "370283", "370285"];

/// One grid as the ops layers see it.
pub(crate) struct GridView<'a> {
    /// 15-digit grid code.
    pub code: &'a str,
    /// Its community's code.
    pub community_code: &'a str,
    /// Its community's name.
    pub community_name: &'a str,
    /// Urban community (居委会/社区) rather than a village.
    pub urban: bool,
    /// Its street's name.
    pub street_name: &'a str,
    /// Its district's adcode.
    pub district_code: &'a str,
    /// Its district's name.
    pub district_name: &'a str,
    /// The grid's unit.
    pub unit_code: &'a str,
    /// The grid polygon in micro-degrees (as written to `grids.geojson`).
    pub poly: &'a [Vec<Vec<IPt>>],
}

/// A generated file: name and text.
pub(crate) type OpsFile = (&'static str, String);

/// Counts for SOURCES.md.
#[derive(Debug, Clone, Default)]
pub(crate) struct OpsStats {
    pub cameras: usize,
    pub high: usize,
    pub compounds: usize,
    pub households: u64,
    pub sorting: [usize; 4],
    pub routes: usize,
    pub stops: usize,
    pub waypoints: usize,
    pub wet_pieces: usize,
    pub unconnected: usize,
    pub facilities: [usize; 3],
    pub sites: usize,
    pub buildings: u32,
    pub per_district: Vec<(String, String, f64, [usize; 4])>,
}

/// District class: the density of every layer scales with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// 市南, 市北, 崂山, 李沧.
    Core,
    /// 黄岛, 城阳, 即墨.
    Suburban,
    /// 胶州, 平度, 莱西.
    County,
}

fn class(district_code: &str) -> Class {
    match district_code {
        "370202" | "370203" | "370212" | "370213" => Class::Core,
        "370211" | "370214" | "370215" => Class::Suburban,
        _ => Class::County,
    }
}

/// Per-grid weights: (district class factor) × (community kind factor).
fn weight(g: &GridView<'_>, core: f64, suburban: f64, county: f64, village: f64) -> f64 {
    let d = match class(g.district_code) {
        Class::Core => core,
        Class::Suburban => suburban,
        Class::County => county,
    };
    d * if g.urban { 1.0 } else { village }
}

pub(crate) const SORTING: [&str; 4] = ["示范", "达标", "整改中", "未达标"];
const SORTING_SHARE: [f64; 4] = [0.10, 0.55, 0.20, 0.15];
pub(crate) const STAGES: [&str; 5] = ["土方", "基础", "主体", "装修", "竣工验收"];
const STAGE_SHARE: [f64; 5] = [0.15, 0.20, 0.35, 0.20, 0.10];
const FACILITY_KINDS: [&str; 3] = ["转运站", "焚烧发电厂", "餐厨垃圾处理厂"];
const BUILDER_A: [&str; 20] = [
    "海", "润", "恒", "泰", "德", "华", "鑫", "瑞", "宏", "远", "诚", "信", "安", "达", "丰", "合", "盛",
    "通", "嘉", "裕",
];
const BUILDER_B: [&str; 12] = ["筑", "岳", "澜", "晟", "拓", "川", "弘", "邦", "璟", "屹", "骏", "湾"];
const BUILDER_SUFFIX: [&str; 4] =
    ["建设集团有限公司", "建筑工程有限公司", "建工集团有限公司", "城建工程有限公司"];
const ZH_NUM: [&str; 10] = ["", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// A grid prepared for sampling.
struct Cell {
    geo: MultiPolygon<f64>,
    bbox: [IPt; 2],
    /// Bounding boxes (micro-degrees) of what was already placed in it, with a margin.
    taken: Vec<[IPt; 2]>,
}

/// Metres per degree of latitude (mean sphere) and of longitude at `lat`.
fn m_per_deg(lat: f64) -> (f64, f64) {
    let ky = cityops_core::geom::metres_per_deg_lat();
    (ky * lat.to_radians().cos(), ky)
}

fn ll(p: IPt) -> [f64; 2] {
    [p[0] as f64 / SCALE, p[1] as f64 / SCALE]
}

fn pick(cum: &[f64], rng: &mut ChaCha8Rng) -> usize {
    let total = cum.last().copied().unwrap_or(0.0);
    let x = rng.random::<f64>() * total;
    cum.partition_point(|&c| c <= x).min(cum.len().saturating_sub(1))
}

fn cumulative(w: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut acc = 0.0;
    w.map(|x| {
        acc += x;
        acc
    })
    .collect()
}

fn pick_share(shares: &[f64], rng: &mut ChaCha8Rng) -> usize {
    pick(&cumulative(shares.iter().copied()), rng)
}

/// Largest-remainder apportionment of `total` by `weights` (ties: lower index), at least `min`
/// each.
fn apportion(weights: &[f64], total: usize, min: usize) -> Vec<usize> {
    let n = weights.len();
    let rest = total.saturating_sub(min * n);
    let sum: f64 = weights.iter().sum();
    let quota: Vec<f64> =
        weights.iter().map(|w| if sum > 0.0 { w / sum * rest as f64 } else { 0.0 }).collect();
    let mut out: Vec<usize> = quota.iter().map(|q| q.floor() as usize).collect();
    let mut left = rest - out.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        (quota[b] - quota[b].floor()).total_cmp(&(quota[a] - quota[a].floor())).then(a.cmp(&b))
    });
    for i in order {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out.iter().map(|c| c + min).collect()
}

fn overlaps(a: &[IPt; 2], b: &[IPt; 2]) -> bool {
    a[0][0] <= b[1][0] && b[0][0] <= a[1][0] && a[0][1] <= b[1][1] && b[0][1] <= a[1][1]
}

impl Cell {
    fn new(poly: &[Vec<Vec<IPt>>]) -> Option<Cell> {
        let geo = to_geo(poly);
        let r = geo.bounding_rect()?;
        Some(Cell { bbox: [round_pt(r.min()), round_pt(r.max())], geo, taken: Vec::new() })
    }

    fn strictly_inside(&self, p: IPt) -> bool {
        let [x, y] = ll(p);
        self.geo.contains(&Point::new(x, y))
    }

    /// A random point strictly inside, on the micro-degree lattice; with `clear_m`, also that far
    /// clear of what is taken.
    fn sample_point(&self, clear_m: Option<f64>, rng: &mut ChaCha8Rng) -> Option<IPt> {
        for _ in 0..TRIES {
            let p = [
                rng.random_range(self.bbox[0][0]..=self.bbox[1][0]),
                rng.random_range(self.bbox[0][1]..=self.bbox[1][1]),
            ];
            if !self.strictly_inside(p) {
                continue;
            }
            let Some(clear_m) = clear_m else { return Some(p) };
            let (kx, ky) = m_per_deg(p[1] as f64 / SCALE);
            let pad = [(clear_m / kx * SCALE) as i64, (clear_m / ky * SCALE) as i64];
            let b = [[p[0] - pad[0], p[1] - pad[1]], [p[0] + pad[0], p[1] + pad[1]]];
            if self.taken.iter().all(|t| !overlaps(t, &b)) {
                return Some(p);
            }
        }
        None
    }

    /// A rotated rectangle of `w` × `h` metres strictly inside and clear of what is taken (with a
    /// margin of `gap_m`); marks it taken. Returns the closed counter-clockwise ring.
    fn place_rect(&mut self, w: f64, h: f64, gap_m: f64, rng: &mut ChaCha8Rng) -> Option<Vec<IPt>> {
        for _ in 0..TRIES / 4 {
            let c = self.sample_point(Some(0.0), rng)?;
            let [cx, cy] = ll(c);
            let (kx, ky) = m_per_deg(cy);
            let a = rng.random_range(0.0..std::f64::consts::FRAC_PI_2);
            let (s, co) = a.sin_cos();
            let corners: Vec<IPt> = [(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)]
                .iter()
                .map(|&(u, v)| {
                    let (x, y) = (u * w, v * h);
                    let (x, y) = (x * co - y * s, x * s + y * co);
                    round_pt(Coord { x: cx + x / kx, y: cy + y / ky })
                })
                .collect();
            if !corners.iter().all(|&p| self.strictly_inside(p)) {
                continue;
            }
            let mut ring = corners;
            ring.push(ring[0]);
            let poly = Polygon::new(LineString(ring.iter().map(|&p| ll(p).into()).collect()), vec![]);
            if !self.geo.contains(&poly) {
                continue;
            }
            let pad = [(gap_m / kx * SCALE) as i64, (gap_m / ky * SCALE) as i64];
            let b = [
                [
                    ring.iter().map(|p| p[0]).min().unwrap_or(0) - pad[0],
                    ring.iter().map(|p| p[1]).min().unwrap_or(0) - pad[1],
                ],
                [
                    ring.iter().map(|p| p[0]).max().unwrap_or(0) + pad[0],
                    ring.iter().map(|p| p[1]).max().unwrap_or(0) + pad[1],
                ],
            ];
            if self.taken.iter().any(|t| overlaps(t, &b)) {
                continue;
            }
            self.taken.push(b);
            return Some(ring);
        }
        None
    }
}

fn polygon_json(ring: &[IPt]) -> String {
    let mut s = String::from(r#"{"type":"Polygon","coordinates":[["#);
    for (k, p) in ring.iter().enumerate() {
        if k > 0 {
            s.push(',');
        }
        let _ = write!(s, "[{},{}]", fmt_micro(p[0]), fmt_micro(p[1]));
    }
    s.push_str("]]}");
    s
}

fn line_json(pts: &[IPt]) -> String {
    let mut s = String::from(r#"{"type":"LineString","coordinates":["#);
    for (k, p) in pts.iter().enumerate() {
        if k > 0 {
            s.push(',');
        }
        let _ = write!(s, "[{},{}]", fmt_micro(p[0]), fmt_micro(p[1]));
    }
    s.push_str("]}");
    s
}

fn num(p: i64) -> serde_json::Value {
    // the shortest decimal of the micro-degree value, as in the geometry
    fmt_micro(p).parse::<f64>().map_or(serde_json::Value::Null, |v| json!(v))
}

/// The centroid of a closed ring, rounded (the ring is a convex rectangle, so it is inside).
fn ring_centre(ring: &[IPt]) -> IPt {
    let n = (ring.len() - 1).max(1) as i64;
    let (sx, sy) = ring[..ring.len() - 1].iter().fold((0, 0), |a, p| (a.0 + p[0], a.1 + p[1]));
    [sx / n, sy / n]
}

fn err(reason: String) -> GenError {
    GenError::Content { file: "grids (ops layers)", reason }
}

fn stem(name: &str) -> &str {
    for suf in
        ["社区居民委员会", "居民委员会", "社区居委会", "居委会", "社区村民委员会", "村民委员会", "社区"]
    {
        if let Some(s) = name.strip_suffix(suf)
            && !s.is_empty()
        {
            return s;
        }
    }
    name
}

fn short_district(name: &str) -> &str {
    name.strip_suffix('区').or_else(|| name.strip_suffix('市')).unwrap_or(name)
}

fn street_stem(name: &str) -> &str {
    for suf in ["街道", "镇"] {
        if let Some(s) = name.strip_suffix(suf) {
            return s;
        }
    }
    name
}

/// A feature: its properties and its geometry as JSON text.
type Feat = (serde_json::Value, String);

/// A candidate tour of one cluster of compounds from a transfer station.
struct Tour {
    /// Length on land in metres, plus 1e9 per leg without a path on land.
    score: f64,
    /// The station (index into the facilities).
    station: usize,
    /// The compounds in visiting order.
    order: Vec<usize>,
    /// One leg per stop and one back to the station, each without its start point.
    legs: Vec<Vec<IPt>>,
    /// Legs without a path on land (drawn straight).
    wet: usize,
}

/// A placed residential compound.
struct CompoundRec {
    /// Its grid.
    grid: usize,
    /// Closed ring, micro-degrees.
    ring: Vec<IPt>,
    /// Centre of the ring, strictly inside the grid.
    centre: IPt,
}

/// A placed waste facility.
struct FacilityRec {
    /// `QD-FAC-001`…, set when the features are written.
    id: String,
    /// Index into [`FACILITY_KINDS`].
    kind: usize,
    /// Its grid.
    grid: usize,
    /// Its position, micro-degrees.
    at: IPt,
}

/// A placed construction site: its grid and closed ring.
type SiteRec = (usize, Vec<IPt>);
/// A placed camera: its grid and position.
type CameraRec = (usize, IPt);

/// Generate the five files (name, text) and their counts.
///
/// Each layer draws from its own RNG (`OPS_SEED ^ 1…5`) in the order below, and the layers share
/// the grids' taken areas, so the order of the steps is part of the output.
pub(crate) fn generate(
    grids: &[GridView<'_>],
    districts: &[(&str, &str)],
    log: &mut dyn FnMut(String),
) -> Result<(Vec<OpsFile>, OpsStats), GenError> {
    let mut ctx = Ctx::new(grids, districts)?;
    let mut st = OpsStats::default();

    let mut rng = ChaCha8Rng::seed_from_u64(OPS_SEED ^ 0x01);
    let compounds = ctx.place_compounds(&mut rng)?;
    let compound_feats = ctx.compound_features(&compounds, &mut rng, &mut st);
    log(format!("ops: {} compounds, {} households", st.compounds, st.households));

    let mut rng = ChaCha8Rng::seed_from_u64(OPS_SEED ^ 0x02);
    let by_district = ctx.compounds_by_district(&compounds);
    let weights: Vec<f64> = by_district.iter().map(|v| v.len() as f64).collect();
    let stations = apportion(&weights, FACILITIES[0], 1);
    let mut facilities = ctx.place_stations(&compounds, &by_district, &stations, &mut rng)?;
    ctx.place_plants(&mut facilities, &mut rng)?;
    let fac_feats = ctx.facility_features(&mut facilities, &mut rng, &mut st);
    log(format!("ops: facilities {:?}", st.facilities));

    let mut rng = ChaCha8Rng::seed_from_u64(OPS_SEED ^ 0x03);
    let route_counts = apportion(&weights, ROUTES, 0);
    let routes = RoutePlanner::new(&ctx, &compounds, &facilities).plan(
        &by_district,
        &route_counts,
        &mut rng,
        &mut st,
    )?;
    log(format!(
        "ops: {} routes, {} stops, {} waypoints around water and other districts, {} pieces off the district's land, routes with legs without a path on land: {:?}",
        st.routes, st.stops, st.waypoints, st.wet_pieces, routes.unconnected
    ));

    let mut rng = ChaCha8Rng::seed_from_u64(OPS_SEED ^ 0x04);
    let sites = ctx.place_sites(&mut rng)?;
    let site_feats = ctx.site_features(&sites, &mut rng, &mut st)?;
    log(format!("ops: {} sites, {} buildings", st.sites, st.buildings));

    let mut rng = ChaCha8Rng::seed_from_u64(OPS_SEED ^ 0x05);
    let cams = ctx.place_cameras(&mut rng)?;
    let csv = ctx.cameras_csv(&cams, &mut rng, &mut st);
    log(format!("ops: {} cameras ({} high-point)", st.cameras, st.high));

    st.per_district = ctx.per_district(districts, &cams, &sites, &by_district, &route_counts);
    let files = vec![
        ("cameras.csv", csv),
        ("compounds.geojson", feature_collection(&compound_feats)),
        ("facilities.geojson", feature_collection(&fac_feats)),
        ("routes.geojson", feature_collection(&routes.feats)),
        ("sites.geojson", feature_collection(&site_feats)),
    ];
    Ok((files, st))
}

/// `QD-XQ-00001`…: the id of the `k`-th compound (0-based, in grid order).
fn compound_id(k: usize) -> String {
    format!("QD-XQ-{:05}", k + 1)
}

/// The grids as every layer step sees them, with the sampling state the layers share.
struct Ctx<'a> {
    /// The grids.
    grids: &'a [GridView<'a>],
    /// District adcodes; a district's index is its position here.
    dcodes: Vec<&'a str>,
    /// One sampling cell per grid; what a layer places is marked taken in it.
    cells: Vec<Cell>,
    /// Leg router over the grids.
    legs: Legs,
}

impl<'a> Ctx<'a> {
    /// Prepares a sampling cell per grid and the leg router (grids tagged with their district).
    fn new(grids: &'a [GridView<'a>], districts: &[(&'a str, &'a str)]) -> Result<Self, GenError> {
        let cells: Vec<Cell> = grids
            .iter()
            .map(|g| Cell::new(g.poly).ok_or_else(|| err(format!("grid {} is empty", g.code))))
            .collect::<Result<_, _>>()?;
        let dcodes: Vec<&str> = districts.iter().map(|d| d.0).collect();
        let legs = {
            let ix: Vec<(&[Vec<Vec<IPt>>], usize)> = grids
                .iter()
                .map(|g| (g.poly, dcodes.iter().position(|d| *d == g.district_code).unwrap_or(usize::MAX)))
                .collect();
            Legs::new(&ix)
        };
        Ok(Ctx { grids, dcodes, cells, legs })
    }

    /// Places [`COMPOUNDS`] compounds: urban grids on their district's mainland only (islands'
    /// trucks would need a ferry), weighted 3 : 1.5 : 0.8 by district class, at most 4 a grid;
    /// sorted into grid order.
    fn place_compounds(&mut self, rng: &mut ChaCha8Rng) -> Result<Vec<CompoundRec>, GenError> {
        let grids = self.grids;
        let cum = cumulative(grids.iter().enumerate().map(|(i, g)| {
            if g.urban && self.legs.on_mainland(i) { weight(g, 3.0, 1.5, 0.8, 0.0) } else { 0.0 }
        }));
        let mut per_grid = vec![0usize; grids.len()];
        let mut compounds: Vec<CompoundRec> = Vec::with_capacity(COMPOUNDS);
        let mut attempts = 0;
        while compounds.len() < COMPOUNDS {
            attempts += 1;
            if attempts > COMPOUNDS * 20 {
                return Err(err(format!("placed only {} compounds", compounds.len())));
            }
            let gi = pick(&cum, rng);
            if per_grid[gi] >= 4 {
                continue;
            }
            let w = rng.random_range(60.0..220.0);
            let h = w * rng.random_range(0.6..1.4);
            if let Some(ring) = self.cells[gi].place_rect(w, h, 15.0, rng) {
                per_grid[gi] += 1;
                let centre = ring_centre(&ring);
                if !self.cells[gi].strictly_inside(centre) {
                    return Err(err(format!("compound centre outside grid {}", grids[gi].code)));
                }
                compounds.push(CompoundRec { grid: gi, ring, centre });
            }
        }
        // ids in grid order
        compounds.sort_by_key(|c| (c.grid, c.centre));
        Ok(compounds)
    }

    /// The compound features: names numbered per community, households from the area, sorting
    /// status by [`SORTING_SHARE`]; counts households and statuses into `st`.
    fn compound_features(
        &self,
        compounds: &[CompoundRec],
        rng: &mut ChaCha8Rng,
        st: &mut OpsStats,
    ) -> Vec<Feat> {
        let mut seq_in_community: std::collections::BTreeMap<&str, usize> = Default::default();
        let mut compound_feats = Vec::with_capacity(COMPOUNDS);
        for (k, c) in compounds.iter().enumerate() {
            let g = &self.grids[c.grid];
            let n = seq_in_community.entry(g.community_code).or_insert(0);
            *n += 1;
            let name = format!("{}{}号小区", stem(g.community_name), n);
            let poly = Polygon::new(LineString(c.ring.iter().map(|&p| ll(p).into()).collect()), vec![]);
            let area = poly.geodesic_area_unsigned();
            let households = ((area / 55.0) * rng.random_range(0.6..1.3)).round().max(40.0) as u64;
            let s = pick_share(&SORTING_SHARE, rng);
            st.sorting[s] += 1;
            st.households += households;
            compound_feats.push((
                json!({"id": compound_id(k), "name": name, "community_code": g.community_code,
                       "grid_code": g.code, "district_code": g.district_code, "households": households,
                       "sorting_status": SORTING[s], "synthetic": true, "source": SOURCE}),
                polygon_json(&c.ring),
            ));
        }
        st.compounds = compounds.len();
        compound_feats
    }

    /// Indices of the compounds of each district, by district index.
    fn compounds_by_district(&self, compounds: &[CompoundRec]) -> Vec<Vec<usize>> {
        self.dcodes
            .iter()
            .map(|d| {
                (0..compounds.len()).filter(|&k| self.grids[compounds[k].grid].district_code == *d).collect()
            })
            .collect()
    }

    /// Places `stations[di]` transfer stations in each district: one in the grid of the compound
    /// nearest each k-means centre of the district's compounds, the rest (a district without
    /// compounds) in random grids of the district.
    fn place_stations(
        &mut self,
        compounds: &[CompoundRec],
        by_district: &[Vec<usize>],
        stations: &[usize],
        rng: &mut ChaCha8Rng,
    ) -> Result<Vec<FacilityRec>, GenError> {
        let mut facilities: Vec<FacilityRec> = Vec::new();
        for (di, members) in by_district.iter().enumerate() {
            let pts: Vec<IPt> = members.iter().map(|&k| compounds[k].centre).collect();
            let k = stations[di];
            let centres = kmeans_centres(&pts, k);
            // a station in the grid of the compound nearest each centre (or, for a district
            // without compounds, in a random grid of it)
            let mut placed_here = 0;
            for c in &centres {
                let mut order: Vec<usize> = members.clone();
                order.sort_by(|&a, &b| {
                    let d = |k: usize| {
                        (compounds[k].centre[0] as f64 - c[0]).hypot(compounds[k].centre[1] as f64 - c[1])
                    };
                    d(a).total_cmp(&d(b)).then(a.cmp(&b))
                });
                let spot = order.iter().find_map(|&k| {
                    let gi = compounds[k].grid;
                    self.cells[gi].sample_point(Some(40.0), rng).map(|p| (gi, p))
                });
                if let Some((gi, p)) = spot {
                    mark(&mut self.cells[gi], p, 40.0);
                    facilities.push(FacilityRec { id: String::new(), kind: 0, grid: gi, at: p });
                    placed_here += 1;
                }
            }
            while placed_here < k {
                let in_d: Vec<usize> = (0..self.grids.len())
                    .filter(|&g| self.grids[g].district_code == self.dcodes[di])
                    .collect();
                if in_d.is_empty() {
                    return Err(err(format!("district {} has no grid", self.dcodes[di])));
                }
                let gi = in_d[rng.random_range(0..in_d.len())];
                if let Some(p) = self.cells[gi].sample_point(Some(40.0), rng) {
                    mark(&mut self.cells[gi], p, 40.0);
                    facilities.push(FacilityRec { id: String::new(), kind: 0, grid: gi, at: p });
                    placed_here += 1;
                }
            }
        }
        Ok(facilities)
    }

    /// Adds one incineration plant per [`INCINERATION_DISTRICTS`] and one kitchen-waste plant per
    /// [`KITCHEN_DISTRICTS`], in a village grid of the district if it has one.
    fn place_plants(
        &mut self,
        facilities: &mut Vec<FacilityRec>,
        rng: &mut ChaCha8Rng,
    ) -> Result<(), GenError> {
        let grids = self.grids;
        for (kind, list) in [(1usize, INCINERATION_DISTRICTS), (2, KITCHEN_DISTRICTS)] {
            for d in list {
                // the outskirts: a village grid of the district if it has one
                let village: Vec<usize> =
                    (0..grids.len()).filter(|&g| grids[g].district_code == d && !grids[g].urban).collect();
                let any: Vec<usize> = (0..grids.len()).filter(|&g| grids[g].district_code == d).collect();
                let pool = if village.is_empty() { any } else { village };
                if pool.is_empty() {
                    return Err(err(format!("district {d} has no grid")));
                }
                let spot = (0..TRIES).find_map(|_| {
                    let gi = pool[rng.random_range(0..pool.len())];
                    self.cells[gi].sample_point(Some(100.0), rng).map(|p| (gi, p))
                });
                let (gi, p) = spot.ok_or_else(|| err(format!("no room for a facility in {d}")))?;
                mark(&mut self.cells[gi], p, 100.0);
                facilities.push(FacilityRec { id: String::new(), kind, grid: gi, at: p });
            }
        }
        Ok(())
    }

    /// Numbers the facilities (`QD-FAC-001`…) and writes their features: names after the street
    /// (stations, numbered 第二… within a street) or the district (plants), random capacities;
    /// counts them by kind into `st`.
    fn facility_features(
        &self,
        facilities: &mut [FacilityRec],
        rng: &mut ChaCha8Rng,
        st: &mut OpsStats,
    ) -> Vec<Feat> {
        let mut station_names: std::collections::BTreeMap<String, usize> = Default::default();
        let mut fac_feats = Vec::new();
        for (k, f) in facilities.iter_mut().enumerate() {
            f.id = format!("QD-FAC-{:03}", k + 1);
            let g = &self.grids[f.grid];
            let name = match f.kind {
                0 => {
                    let s = street_stem(g.street_name);
                    let n = station_names.entry(s.to_owned()).or_insert(0);
                    *n += 1;
                    if *n == 1 {
                        format!("{s}垃圾转运站")
                    } else {
                        format!("{s}第{}垃圾转运站", ZH_NUM.get(*n - 1).copied().unwrap_or("十"))
                    }
                }
                1 => format!("{}生活垃圾焚烧发电厂", short_district(g.district_name)),
                _ => format!("{}餐厨垃圾处理厂", short_district(g.district_name)),
            };
            let capacity: u32 = match f.kind {
                0 => rng.random_range(10..=40) * 10,
                1 => [1000, 1500, 2000, 2250, 3000][rng.random_range(0..5)],
                _ => rng.random_range(4..=16) * 50,
            };
            st.facilities[f.kind] += 1;
            fac_feats.push((
                json!({"id": f.id, "name": name, "kind": FACILITY_KINDS[f.kind], "district_code": g.district_code,
                       "grid_code": g.code, "capacity_t_per_day": capacity, "synthetic": true, "source": SOURCE}),
                point_json(ll(f.at).into()),
            ));
        }
        fac_feats
    }

    /// Places [`SITES`] construction sites: any grid, weighted 1.5 (core and suburban) : 0.6
    /// (county), villages ×0.3; 0.5–8 ha (log-uniform) rectangles; sorted into grid order.
    fn place_sites(&mut self, rng: &mut ChaCha8Rng) -> Result<Vec<SiteRec>, GenError> {
        let cum = cumulative(self.grids.iter().map(|g| weight(g, 1.5, 1.5, 0.6, 0.3)));
        let mut sites: Vec<SiteRec> = Vec::with_capacity(SITES);
        let mut attempts = 0;
        while sites.len() < SITES {
            attempts += 1;
            if attempts > SITES * 50 {
                return Err(err(format!("placed only {} sites", sites.len())));
            }
            let gi = pick(&cum, rng);
            let area = (5_000f64.ln() + rng.random::<f64>() * (80_000f64.ln() - 5_000f64.ln())).exp();
            let aspect = rng.random_range(1.0..2.0);
            let w = (area * aspect).sqrt();
            if let Some(ring) = self.cells[gi].place_rect(w, area / w, 20.0, rng) {
                sites.push((gi, ring));
            }
        }
        sites.sort_by_key(|s| (s.0, ring_centre(&s.1)));
        Ok(sites)
    }

    /// The site features: stage, buildings, permit number, builder and sensor ids; counts sites
    /// and buildings into `st` and fails below [`MIN_BUILDINGS`].
    fn site_features(
        &self,
        sites: &[SiteRec],
        rng: &mut ChaCha8Rng,
        st: &mut OpsStats,
    ) -> Result<Vec<Feat>, GenError> {
        let mut site_feats = Vec::with_capacity(SITES);
        let mut permit_seq: std::collections::BTreeMap<&str, u32> = Default::default();
        for (k, (gi, ring)) in sites.iter().enumerate() {
            let g = &self.grids[*gi];
            let poly = Polygon::new(LineString(ring.iter().map(|&p| ll(p).into()).collect()), vec![]);
            let area = poly.geodesic_area_unsigned();
            let stage = pick_share(&STAGE_SHARE, rng);
            let buildings = ((area / 10_000.0) * rng.random_range(0.9..1.8)).round().max(1.0) as u32;
            st.buildings += buildings;
            let year = 2026 - (stage as u32 + rng.random_range(0..2)) / 2;
            let seq = permit_seq.entry(g.district_code).or_insert(0);
            *seq += 1;
            let permit = format!(
                "{}{year}{:02}{:02}{:04}01",
                g.district_code,
                rng.random_range(1..=if year == 2026 { 10 } else { 12 }),
                rng.random_range(1..=28),
                *seq
            );
            let builder = format!(
                "青岛{}{}{}",
                BUILDER_A[rng.random_range(0..BUILDER_A.len())],
                BUILDER_B[rng.random_range(0..BUILDER_B.len())],
                BUILDER_SUFFIX[rng.random_range(0..BUILDER_SUFFIX.len())]
            );
            let id = format!("QD-GD-{:04}", k + 1);
            site_feats.push((
                json!({"id": id, "permit_no": permit, "builder": builder, "stage": STAGES[stage], "buildings": buildings,
                       "area_m2": area.round() as u64, "district_code": g.district_code, "grid_code": g.code,
                       "dust_sensor_id": format!("QD-PM10-{:04}", k + 1), "noise_sensor_id": format!("QD-NOISE-{:04}", k + 1),
                       "synthetic": true, "source": SOURCE}),
                polygon_json(ring),
            ));
        }
        st.sites = sites.len();
        if st.buildings < MIN_BUILDINGS {
            return Err(err(format!("sites have {} buildings, want ≥ {MIN_BUILDINGS}", st.buildings)));
        }
        Ok(site_feats)
    }

    /// Places [`CAMERAS`] cameras: any grid, weighted 2.0 : 1.2 : 0.7 by district class, villages
    /// ×0.5; sorted by grid, then position.
    fn place_cameras(&self, rng: &mut ChaCha8Rng) -> Result<Vec<CameraRec>, GenError> {
        let cum = cumulative(self.grids.iter().map(|g| weight(g, 2.0, 1.2, 0.7, 0.5)));
        let mut cams: Vec<CameraRec> = Vec::with_capacity(CAMERAS);
        let mut attempts = 0;
        while cams.len() < CAMERAS {
            attempts += 1;
            if attempts > CAMERAS * 2 {
                return Err(err(format!("placed only {} cameras", cams.len())));
            }
            let gi = pick(&cum, rng);
            if let Some(p) = self.cells[gi].sample_point(None, rng) {
                cams.push((gi, p));
            }
        }
        cams.sort();
        Ok(cams)
    }

    /// `cameras.csv`: kind (high-point with [`HIGH_SHARE`], else low), heading, field of view and
    /// range per camera; counts cameras and high-point ones into `st`.
    fn cameras_csv(&self, cams: &[CameraRec], rng: &mut ChaCha8Rng, st: &mut OpsStats) -> String {
        let mut csv = String::from(
            "id,lon,lat,heading_deg,fov_deg,range_m,kind,grid_code,district_code,unit_code,synthetic\n",
        );
        for (k, (gi, p)) in cams.iter().enumerate() {
            let g = &self.grids[*gi];
            let high = rng.random::<f64>() < HIGH_SHARE;
            let (heading, fov, range, kind) = if high {
                (0, 360, rng.random_range(30..=80) * 10, "high")
            } else {
                (rng.random_range(0..360), rng.random_range(60..=110), rng.random_range(30..=120), "low")
            };
            st.high += usize::from(high);
            let _ = writeln!(
                csv,
                "QD-CAM-{:06},{},{},{heading},{fov},{range},{kind},{},{},{},true",
                k + 1,
                fmt_micro(p[0]),
                fmt_micro(p[1]),
                g.code,
                g.district_code,
                g.unit_code
            );
        }
        st.cameras = cams.len();
        csv
    }

    /// Per district: code, name, land area (km², geodesic over its grids) and the counts of
    /// cameras, compounds, sites and routes.
    fn per_district(
        &self,
        districts: &[(&str, &str)],
        cams: &[CameraRec],
        sites: &[SiteRec],
        by_district: &[Vec<usize>],
        route_counts: &[usize],
    ) -> Vec<(String, String, f64, [usize; 4])> {
        let grids = self.grids;
        let mut out = Vec::with_capacity(districts.len());
        for (di, (code, name)) in districts.iter().enumerate() {
            let area: f64 = (0..grids.len())
                .filter(|&g| grids[g].district_code == *code)
                .map(|g| self.cells[g].geo.geodesic_area_unsigned())
                .sum::<f64>()
                / 1e6;
            let c = cams.iter().filter(|(g, _)| grids[*g].district_code == *code).count();
            let s = sites.iter().filter(|(g, _)| grids[*g].district_code == *code).count();
            out.push((
                (*code).to_owned(),
                (*name).to_owned(),
                area,
                [c, by_district[di].len(), s, route_counts[di]],
            ));
        }
        out
    }
}

/// k-means (farthest-point start, 10 rounds) of `pts` into at most `k` centres (none without
/// points).
fn kmeans_centres(pts: &[IPt], k: usize) -> Vec<[f64; 2]> {
    let mut centres: Vec<[f64; 2]> = Vec::new();
    if let Some(first) = pts.first() {
        centres.push([first[0] as f64, first[1] as f64]);
    }
    while centres.len() < k && !pts.is_empty() {
        let far = pts
            .iter()
            .max_by(|a, b| {
                let d = |p: &IPt| {
                    centres
                        .iter()
                        .map(|c| (p[0] as f64 - c[0]).hypot(p[1] as f64 - c[1]))
                        .fold(f64::INFINITY, f64::min)
                };
                d(a).total_cmp(&d(b))
            })
            .copied()
            .unwrap_or([0, 0]);
        centres.push([far[0] as f64, far[1] as f64]);
    }
    for _ in 0..10 {
        let mut acc = vec![[0.0, 0.0, 0.0]; centres.len()];
        for p in pts {
            let j = nearest(&centres, [p[0] as f64, p[1] as f64]);
            acc[j][0] += p[0] as f64;
            acc[j][1] += p[1] as f64;
            acc[j][2] += 1.0;
        }
        for (c, a) in centres.iter_mut().zip(&acc) {
            if a[2] > 0.0 {
                *c = [a[0] / a[2], a[1] / a[2]];
            }
        }
    }
    centres
}

/// Splits `n` compounds into `r` cluster sizes: as even as possible, then `2r` random moves of
/// one stop between two clusters that keep every size within [`STOPS`].
fn cluster_sizes(n: usize, r: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut sizes = vec![n / r; r];
    for s in sizes.iter_mut().take(n % r) {
        *s += 1;
    }
    for _ in 0..2 * r {
        let (i, j) = (rng.random_range(0..r), rng.random_range(0..r));
        if i != j && sizes[i] < *STOPS.end() && sizes[j] > *STOPS.start() {
            sizes[i] += 1;
            sizes[j] -= 1;
        }
    }
    sizes
}

/// The route features written so far and the routes with legs without a path on land.
struct PlannedRoutes {
    /// One feature per route, in route-number order.
    feats: Vec<Feat>,
    /// `QD-R-0001 (n)` for each route with `n` legs without a path on land.
    unconnected: Vec<String>,
}

/// Plans the collection routes over the placed compounds and transfer stations: per district,
/// clusters of 5–10 nearby compounds, each toured from and back to a station of the district.
struct RoutePlanner<'p, 'a> {
    /// The grids and the leg router.
    ctx: &'p Ctx<'a>,
    /// The placed compounds.
    compounds: &'p [CompoundRec],
    /// The placed facilities (numbered).
    facilities: &'p [FacilityRec],
    /// What is planned so far.
    out: PlannedRoutes,
}

impl<'p, 'a> RoutePlanner<'p, 'a> {
    /// A planner with nothing planned yet.
    fn new(ctx: &'p Ctx<'a>, compounds: &'p [CompoundRec], facilities: &'p [FacilityRec]) -> Self {
        RoutePlanner {
            ctx,
            compounds,
            facilities,
            out: PlannedRoutes { feats: Vec::with_capacity(ROUTES), unconnected: Vec::new() },
        }
    }

    /// Plans `route_counts[di]` routes over the compounds `by_district[di]` of every district, in
    /// district order; counts routes, stops, waypoints and pieces off land into `st`.
    fn plan(
        mut self,
        by_district: &[Vec<usize>],
        route_counts: &[usize],
        rng: &mut ChaCha8Rng,
        st: &mut OpsStats,
    ) -> Result<PlannedRoutes, GenError> {
        for (di, members) in by_district.iter().enumerate() {
            self.district(di, members, route_counts[di], rng, st)?;
        }
        st.routes = self.out.feats.len();
        st.unconnected = self.out.unconnected.len();
        Ok(self.out)
    }

    /// Plans the `r` routes of district `di` over its compounds `members`: cluster sizes, then
    /// clusters grown from the compound farthest from the district's centre of compounds.
    fn district(
        &mut self,
        di: usize,
        members: &[usize],
        r: usize,
        rng: &mut ChaCha8Rng,
        st: &mut OpsStats,
    ) -> Result<(), GenError> {
        let (compounds, facilities, grids, dcodes) =
            (self.compounds, self.facilities, self.ctx.grids, &self.ctx.dcodes);
        let n = members.len();
        if n < STOPS.start() * r || n > STOPS.end() * r {
            return Err(err(format!(
                "district {}: {n} compounds cannot make {r} routes of 5–10 stops",
                dcodes[di]
            )));
        }
        if r == 0 {
            return Ok(());
        }
        let sizes = cluster_sizes(n, r, rng);
        let station_ix: Vec<usize> = (0..facilities.len())
            .filter(|&f| facilities[f].kind == 0 && grids[facilities[f].grid].district_code == dcodes[di])
            .collect();
        if station_ix.is_empty() {
            return Err(err(format!("district {} has no transfer station", dcodes[di])));
        }
        let centroid = {
            let (sx, sy) = members.iter().fold((0.0, 0.0), |a, &k| {
                (a.0 + compounds[k].centre[0] as f64, a.1 + compounds[k].centre[1] as f64)
            });
            [(sx / n as f64) as i64, (sy / n as f64) as i64]
        };
        let mut left: Vec<usize> = members.to_vec();
        for size in sizes {
            let group = self.take_cluster(&mut left, size, centroid);
            let tour = self.best_tour(&group, &station_ix, di)?;
            self.add_route(di, tour, rng, st);
        }
        Ok(())
    }

    /// Takes the next cluster of `size` out of `left`: the remaining compound farthest from
    /// `centroid` and the `size − 1` remaining ones nearest to it.
    fn take_cluster(&self, left: &mut Vec<usize>, size: usize, centroid: IPt) -> Vec<usize> {
        let compounds = self.compounds;
        // seed: the remaining compound farthest from the district's centre of compounds
        let (pos, _) = left
            .iter()
            .enumerate()
            .map(|(p, &k)| (p, dist_m(compounds[k].centre, centroid)))
            .fold((0, f64::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a });
        let seed = left.swap_remove(pos);
        left.sort_by(|&a, &b| {
            dist_m(compounds[a].centre, compounds[seed].centre)
                .total_cmp(&dist_m(compounds[b].centre, compounds[seed].centre))
                .then(a.cmp(&b))
        });
        let mut group: Vec<usize> = vec![seed];
        group.extend(left.drain(..(size - 1).min(left.len())));
        group
    }

    /// The tour of `group`: of the three stations nearest (straight) to its centre, the one whose
    /// nearest-neighbour tour is shortest on land (a tour without unconnected legs always wins).
    fn best_tour(&self, group: &[usize], station_ix: &[usize], di: usize) -> Result<Tour, GenError> {
        let (compounds, facilities) = (self.compounds, self.facilities);
        let gc = {
            let (sx, sy) = group
                .iter()
                .fold((0i64, 0i64), |a, &k| (a.0 + compounds[k].centre[0], a.1 + compounds[k].centre[1]));
            [sx / group.len() as i64, sy / group.len() as i64]
        };
        // the station: of the three nearest (straight), the one with the shortest tour on land
        let mut near = station_ix.to_vec();
        near.sort_by(|&a, &b| {
            dist_m(facilities[a].at, gc).total_cmp(&dist_m(facilities[b].at, gc)).then(a.cmp(&b))
        });
        near.truncate(3);
        let mut best: Option<Tour> = None;
        for &fi in &near {
            // nearest-neighbour order from the station
            let mut at = facilities[fi].at;
            let mut rest = group.to_vec();
            let mut order = Vec::with_capacity(rest.len());
            while !rest.is_empty() {
                let (p, _) = rest
                    .iter()
                    .enumerate()
                    .map(|(p, &k)| (p, dist_m(at, compounds[k].centre)))
                    .fold((0, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a });
                let k = rest.remove(p);
                at = compounds[k].centre;
                order.push(k);
            }
            let mut pts: Vec<IPt> = vec![facilities[fi].at];
            pts.extend(order.iter().map(|&k| compounds[k].centre));
            pts.push(facilities[fi].at);
            let mut wet = 0;
            let legs_here: Vec<Vec<IPt>> = pts
                .windows(2)
                .map(|w| {
                    self.ctx.legs.leg(w[0], w[1], di).unwrap_or_else(|| {
                        wet += 1;
                        vec![w[1]]
                    })
                })
                .collect();
            let mut len = 0.0;
            let mut prev = facilities[fi].at;
            for p in legs_here.iter().flatten() {
                len += dist_m(prev, *p);
                prev = *p;
            }
            // a tour without unconnected legs always beats one with
            let score = len + 1e9 * wet as f64;
            if best.as_ref().is_none_or(|b| score < b.score) {
                best = Some(Tour { score, station: fi, order, legs: legs_here, wet });
            }
        }
        best.ok_or_else(|| err("no station".into()))
    }

    /// Writes the route of `tour` in district `di` with its schedule (leave 05:00–06:30, 25 km/h
    /// over 1.2 × each leg's length, 8 min a stop; windows eta −15/+30 min); counts into `st`.
    fn add_route(&mut self, di: usize, tour: Tour, rng: &mut ChaCha8Rng, st: &mut OpsStats) {
        let (compounds, facilities, legs) = (self.compounds, self.facilities, &self.ctx.legs);
        let Tour { station: fi, order, legs: legs_here, wet, .. } = tour;
        if wet > 0 {
            self.out.unconnected.push(format!("QD-R-{:04} ({wet})", self.out.feats.len() + 1));
        }
        // schedule: leave 05:00–06:30, 25 km/h over 1.2 × the leg's length, 8 min a stop
        let mut t = 300.0 + 5.0 * f64::from(rng.random_range(0..=18u32));
        let mut prev = facilities[fi].at;
        let mut stops = Vec::with_capacity(order.len());
        let mut line = vec![facilities[fi].at];
        for (&k, leg) in order.iter().zip(&legs_here) {
            let c = compounds[k].centre;
            for p in leg {
                t += dist_m(prev, *p) * 1.2 / (25_000.0 / 60.0);
                prev = *p;
            }
            let eta = (t / 5.0).round() * 5.0;
            let start = (eta - 15.0).clamp(300.0, 570.0);
            let end = (eta + 30.0).clamp(start + 15.0, 600.0);
            let hm = |m: f64| format!("{:02}:{:02}", (m as u32) / 60, (m as u32) % 60);
            stops.push(json!({"compound_id": compound_id(k), "lon": num(c[0]), "lat": num(c[1]),
                              "window_start": hm(start), "window_end": hm(end)}));
            t += 8.0;
            line.extend(leg.iter().copied());
        }
        if let Some(back) = legs_here.last() {
            line.extend(back.iter().copied());
        }
        st.waypoints += line.len() - order.len() - 2;
        st.wet_pieces += line.windows(2).filter(|w| !legs.on_land(w[0], w[1], di)).count();
        st.stops += stops.len();
        let id = self.out.feats.len() + 1;
        self.out.feats.push((
            json!({"id": format!("QD-R-{id:04}"), "truck_id": format!("鲁B·H{id:04}"),
                   "district_code": self.ctx.dcodes[di], "facility_id": facilities[fi].id, "stops": stops,
                   "synthetic": true, "source": SOURCE}),
            line_json(&line),
        ));
    }
}

fn nearest(centres: &[[f64; 2]], p: [f64; 2]) -> usize {
    centres
        .iter()
        .enumerate()
        .map(|(j, c)| (j, (p[0] - c[0]).hypot(p[1] - c[1])))
        .fold((0, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a })
        .0
}

fn mark(cell: &mut Cell, p: IPt, clear_m: f64) {
    let (kx, ky) = m_per_deg(p[1] as f64 / SCALE);
    let pad = [(clear_m / kx * SCALE) as i64, (clear_m / ky * SCALE) as i64];
    cell.taken.push([[p[0] - pad[0], p[1] - pad[1]], [p[0] + pad[0], p[1] + pad[1]]]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportionment_hits_the_total_and_the_minimum() {
        for (w, total, min, want) in [
            (vec![1.0, 1.0, 2.0], 8, 0, vec![2, 2, 4]),
            (vec![0.0, 10.0, 0.0], 5, 1, vec![1, 3, 1]),
            (vec![1.0, 1.0, 1.0], 4, 0, vec![2, 1, 1]),
        ] {
            assert_eq!(apportion(&w, total, min), want, "{w:?}");
        }
    }

    #[test]
    fn names_lose_their_committee_suffix() {
        assert_eq!(stem("云霄路社区居民委员会"), "云霄路");
        assert_eq!(stem("八大湖社区"), "八大湖");
        assert_eq!(short_district("黄岛区"), "黄岛");
        assert_eq!(short_district("胶州市"), "胶州");
        assert_eq!(street_stem("香港中路街道"), "香港中路");
    }
}
