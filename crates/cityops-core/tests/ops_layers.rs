#![allow(clippy::unwrap_used)]
//! The committed Qingdao operations layers (`assets/qingdao/{cameras.csv, compounds, facilities,
//! routes, sites}`): the counts of the issue, every feature on land in the grid and district it
//! states (through `CityPack::locate`), the urban districts denser than the county-level cities,
//! valid collection windows, and the whole set accepted by the scenario rules.

mod common;

use chrono::NaiveTime;
use cityops_core::citypack::ops::{FacilityKind, OpsLayers, OpsSources, SiteStage, SortingStatus};
use cityops_core::scenario::{CameraIndex, CameraKind, RouteMonitor, ScenarioConfig, SiteMonitor};
use common::{pack, read};
use geo::{Contains, Distance, Euclidean, Point};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

const URBAN_CORE: [&str; 4] = ["370202", "370203", "370212", "370213"];
const COUNTY_CITIES: [&str; 3] = ["370281", "370283", "370285"];

fn texts() -> &'static [String; 5] {
    static TEXTS: OnceLock<[String; 5]> = OnceLock::new();
    TEXTS.get_or_init(|| {
        ["cameras.csv", "compounds.geojson", "facilities.geojson", "routes.geojson", "sites.geojson"]
            .map(read)
    })
}

fn layers() -> &'static OpsLayers {
    static LAYERS: OnceLock<OpsLayers> = OnceLock::new();
    LAYERS.get_or_init(|| {
        let t = texts();
        OpsLayers::from_sources(&OpsSources {
            cameras_csv: &t[0],
            compounds_geojson: &t[1],
            facilities_geojson: &t[2],
            routes_geojson: &t[3],
            sites_geojson: &t[4],
        })
        .unwrap()
    })
}

/// Asserts that (lon, lat) is located in `grid_code` (when given) and in `district_code`.
#[track_caller]
fn check_located(what: &str, lon: f64, lat: f64, grid_code: Option<&str>, district_code: &str) {
    let r = pack().locate(lon, lat).unwrap_or_else(|e| panic!("{what}: ({lon}, {lat}) {e}"));
    if let Some(g) = grid_code {
        assert_eq!(r.grid.code, g, "{what}: ({lon}, {lat})");
    }
    assert_eq!(r.district.code, district_code, "{what}: ({lon}, {lat})");
}

#[test]
fn the_layers_have_the_counts_of_the_issue() {
    let l = layers();
    assert_eq!(l.cameras.len(), 48_000);
    assert_eq!(l.compounds.len(), 5_000);
    assert_eq!(l.routes.len(), 749);
    assert_eq!(l.facilities.len(), 47);
    assert_eq!(l.sites.len(), 700);
    assert!(l.sites.iter().map(|s| s.buildings).sum::<u32>() >= 2_000);
    assert_eq!(l.site_sensors().len(), 1_400);
    let kinds: BTreeMap<FacilityKind, usize> = l.facilities.iter().fold(BTreeMap::new(), |mut m, f| {
        *m.entry(f.kind).or_default() += 1;
        m
    });
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            (FacilityKind::TransferStation, 35),
            (FacilityKind::Incineration, 6),
            (FacilityKind::KitchenWaste, 6)
        ]
    );
    // one truck per route
    let mut trucks: Vec<&str> = l.routes.iter().map(|r| r.route.truck_id.as_str()).collect();
    trucks.sort_unstable();
    trucks.dedup();
    assert_eq!(trucks.len(), 749);
    // every value of each attribute occurs
    for s in SortingStatus::ALL {
        assert!(l.compounds.iter().any(|c| c.sorting_status == *s), "{s:?}");
    }
    for s in SiteStage::ALL {
        assert!(l.sites.iter().any(|x| x.stage == *s), "{s:?}");
    }
}

#[test]
fn cameras_have_the_two_kinds_of_view() {
    let l = layers();
    let high = l.cameras.iter().filter(|c| c.camera.kind == CameraKind::High).count();
    let share = high as f64 / l.cameras.len() as f64;
    assert!((0.06..0.10).contains(&share), "high-point share {share}");
    for c in &l.cameras {
        let c = &c.camera;
        match c.kind {
            CameraKind::High => {
                assert!(c.fov_deg == 360.0 && (300.0..=800.0).contains(&c.range_m), "{c:?}")
            }
            CameraKind::Low => assert!(
                (60.0..=110.0).contains(&c.fov_deg)
                    && (30.0..=120.0).contains(&c.range_m)
                    && (0.0..360.0).contains(&c.heading_deg),
                "{c:?}"
            ),
        }
    }
}

#[test]
fn every_feature_lies_on_land_in_the_grid_and_district_it_states() {
    let l = layers();
    for c in &l.cameras {
        check_located(&c.camera.id, c.camera.lon, c.camera.lat, Some(&c.grid_code), &c.district_code);
        assert!(c.grid_code.starts_with(&c.district_code));
        let unit = pack().organisation.grid(&c.grid_code).unwrap().unit_code.as_str();
        assert_eq!(unit, c.unit_code, "{}", c.camera.id);
    }
    for c in &l.compounds {
        let cityops_core::scenario::CompoundShape::Polygon(ring) = &c.compound.shape else {
            panic!("{} is not a polygon", c.compound.id)
        };
        for p in ring {
            check_located(&c.compound.id, p[0], p[1], Some(&c.grid_code), &c.district_code);
        }
        assert!(c.grid_code.starts_with(&c.community_code));
    }
    for s in &l.sites {
        for p in &s.site.polygon {
            check_located(&s.site.id, p[0], p[1], Some(&s.grid_code), &s.site.district_code);
        }
    }
    for f in &l.facilities {
        check_located(&f.id, f.lon, f.lat, Some(&f.grid_code), &f.district_code);
    }
    // and, independently of the grids, on the GSHHG land of the basemap (every 40th camera, every
    // facility; a grid's shore may round a micro-degree past the land's)
    let land = &pack().basemap.land;
    let points = l.cameras.iter().step_by(40).map(|c| (c.camera.id.as_str(), c.camera.lon, c.camera.lat));
    for (id, lon, lat) in points.chain(l.facilities.iter().map(|f| (f.id.as_str(), f.lon, f.lat))) {
        let p = Point::new(lon, lat);
        assert!(
            land.contains(&p) || Euclidean.distance(&p, land) < 2e-6,
            "{id} ({lon}, {lat}) is not on land"
        );
    }
}

#[test]
fn compounds_and_sites_have_plausible_sizes() {
    use geo::{GeodesicArea, LineString, Polygon};
    let area = |ring: &[[f64; 2]]| {
        Polygon::new(LineString::from(ring.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>()), vec![])
            .geodesic_area_unsigned()
    };
    for s in &layers().sites {
        let a = area(&s.site.polygon);
        assert!((4_900.0..=81_000.0).contains(&a), "{}: {a} m²", s.site.id);
        assert!((a - s.area_m2).abs() <= 1.0, "{}: {a} vs {}", s.site.id, s.area_m2);
        assert!(s.buildings >= 1);
    }
    for c in &layers().compounds {
        let cityops_core::scenario::CompoundShape::Polygon(ring) = &c.compound.shape else { unreachable!() };
        let a = area(ring);
        assert!((2_000.0..=70_000.0).contains(&a), "{}: {a} m²", c.compound.id);
        assert!(c.households >= 40);
    }
}

#[test]
fn routes_visit_compounds_of_their_district_in_morning_windows() {
    let l = layers();
    let compounds: HashMap<&str, _> = l.compounds.iter().map(|c| (c.compound.id.as_str(), c)).collect();
    let facilities: HashMap<&str, _> = l.facilities.iter().map(|f| (f.id.as_str(), f)).collect();
    let (five, ten) = (NaiveTime::from_hms_opt(5, 0, 0).unwrap(), NaiveTime::from_hms_opt(10, 0, 0).unwrap());
    let mut served: HashMap<&str, usize> = HashMap::new();
    for r in &l.routes {
        let id = &r.route.id;
        assert!((5..=10).contains(&r.route.stops.len()), "{id}: {} stops", r.route.stops.len());
        let f = facilities[r.facility_id.as_str()];
        assert_eq!(f.kind, FacilityKind::TransferStation, "{id}");
        assert_eq!(f.district_code, r.district_code, "{id}");
        assert_eq!(r.route.line.first(), Some(&[f.lon, f.lat]), "{id} starts at its station");
        assert_eq!(r.route.line.last(), Some(&[f.lon, f.lat]), "{id} ends at its station");
        let mut last_start = five;
        let mut on_line = 1;
        for s in &r.route.stops {
            // the line passes the stops in order (with waypoints around water between them)
            let k = r.route.line[on_line..].iter().position(|p| *p == [s.lon, s.lat]);
            let k = k.unwrap_or_else(|| panic!("{id}: stop {} not on the line in order", s.compound_id));
            on_line += k + 1;
            let c = compounds[s.compound_id.as_str()];
            assert_eq!(c.district_code, r.district_code, "{id}: {}", s.compound_id);
            check_located(id, s.lon, s.lat, Some(&c.grid_code), &r.district_code);
            let (a, b) = s.window;
            assert!(five <= a && a < b && b <= ten, "{id}: window {a}–{b}");
            assert!(a >= last_start, "{id}: windows follow the order of the stops");
            last_start = a;
            *served.entry(s.compound_id.as_str()).or_default() += 1;
        }
    }
    assert_eq!(served.len(), 5_000, "every compound is on a route");
    assert!(served.values().all(|&n| n == 1), "and on only one");
}

#[test]
fn the_urban_core_is_denser_than_the_county_level_cities() {
    let mut km2: HashMap<&str, f64> = HashMap::new();
    for g in pack().organisation.grids() {
        *km2.entry(g.district_code()).or_default() += g.area_m2 / 1e6;
    }
    let l = layers();
    let layers: [(&str, Vec<&str>); 5] = [
        ("cameras", l.cameras.iter().map(|c| c.district_code.as_str()).collect()),
        ("compounds", l.compounds.iter().map(|c| c.district_code.as_str()).collect()),
        ("sites", l.sites.iter().map(|s| s.site.district_code.as_str()).collect()),
        ("routes", l.routes.iter().map(|r| r.district_code.as_str()).collect()),
        ("facilities", l.facilities.iter().map(|f| f.district_code.as_str()).collect()),
    ];
    for (name, districts) in layers {
        let density = |d: &str| districts.iter().filter(|x| **x == d).count() as f64 / km2[d];
        let sparsest_core = URBAN_CORE.iter().map(|d| density(d)).fold(f64::INFINITY, f64::min);
        let densest_county = COUNTY_CITIES.iter().map(|d| density(d)).fold(0.0, f64::max);
        assert!(
            sparsest_core > densest_county,
            "{name}: urban core {sparsest_core:.3}/km² vs county-level {densest_county:.3}/km²"
        );
        for d in districts {
            assert!(km2.contains_key(d), "{name}: unknown district {d}");
        }
    }
}

#[test]
fn the_whole_set_builds_the_scenario_rules() {
    let l = layers();
    let cfg = ScenarioConfig::default();
    let routes = RouteMonitor::new(l.scenario_routes(), l.scenario_compounds(), cfg.route.clone()).unwrap();
    for r in &l.routes {
        assert!(routes.knows_truck(&r.route.truck_id));
    }
    let sites =
        SiteMonitor::new(l.scenario_sites(), l.site_sensors(), cfg.dust.clone(), cfg.noise.clone()).unwrap();
    let s = &l.sites[0];
    assert_eq!(
        sites.site_of(&s.dust_sensor_id, cityops_core::scenario::Quantity::Pm10).map(|x| x.id.as_str()),
        Some(s.site.id.as_str())
    );
    let cameras = CameraIndex::new(l.scenario_cameras()).unwrap();
    assert_eq!(cameras.len(), 48_000);
    // every camera sees its own position
    for c in l.cameras.iter().step_by(97) {
        let seen = cameras.visible_from(c.camera.lon, c.camera.lat).unwrap();
        assert!(seen.iter().any(|v| v.camera.id == c.camera.id), "{}", c.camera.id);
    }
}

#[cfg(feature = "embedded-qingdao")]
#[test]
fn the_embedded_layers_are_the_committed_files() {
    let e = OpsSources::qingdao();
    let t = texts();
    assert!(e.cameras_csv == t[0] && e.compounds_geojson == t[1] && e.facilities_geojson == t[2]);
    assert!(e.routes_geojson == t[3] && e.sites_geojson == t[4]);
}

#[test]
fn route_lines_stay_on_land_in_their_district() {
    // sample every 25 m along every piece: legs go around bays and other districts
    let m_per_deg = 111_195.0;
    let (mut samples, mut off) = (0usize, Vec::new());
    for r in &layers().routes {
        for w in r.route.line.windows(2) {
            let (a, b) = (w[0], w[1]);
            let dx = (b[0] - a[0]) * m_per_deg * a[1].to_radians().cos();
            let dy = (b[1] - a[1]) * m_per_deg;
            let n = (dx.hypot(dy) / 25.0).ceil().max(1.0) as usize;
            for k in 0..=n {
                let t = k as f64 / n as f64;
                let (lon, lat) = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]));
                samples += 1;
                let here = pack().locate(lon, lat).map(|x| x.district.code.clone());
                // a piece along a grid's edge (the shore, around a cove) may round off the edge
                // by a float's breadth: allow a centimetre
                if here.as_deref() != Ok(r.district_code.as_str())
                    && pack()
                        .organisation
                        .grids_in(&r.district_code)
                        .iter()
                        .all(|g| Euclidean.distance(&Point::new(lon, lat), &g.polygon) > 1e-7)
                {
                    off.push((r.route.id.as_str(), lon, lat));
                }
            }
        }
    }
    assert!(
        off.is_empty(),
        "{} of {samples} samples off the district's land, e.g. {:?}",
        off.len(),
        &off[..off.len().min(5)]
    );
}
