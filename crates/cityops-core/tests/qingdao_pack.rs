//! The committed Qingdao pack (`assets/qingdao`): counts, code nesting, geometry, point lookup
//! against a brute-force oracle, and routing on the real unit table.

mod common;

use cityops_api::UnitLevel;
use cityops_core::geom::to_local;
use cityops_core::locate::LocateError;
use cityops_core::org::{Function, Organisation};
use common::pack;
use geo::{
    BoundingRect, Contains, Coord, Distance, Euclidean, InteriorPoint, MapCoords, MultiPolygon, Point,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED_1: u64 = 0x0A11_1A2D_0001;
const SEED_2: u64 = 0x0A11_1A2D_0002;
const SEED_3: u64 = 0x0A11_1A2D_0003;

#[test]
fn the_pack_has_the_organisation_of_the_issue() {
    let org = &pack().organisation;
    for (level, want) in [
        (UnitLevel::CityCentre, 1),
        (UnitLevel::DistrictCentre, 10),
        (UnitLevel::Department, 53),
        (UnitLevel::Grassroots, 612),
    ] {
        assert_eq!(org.units_at(level).count(), want, "{level:?}");
    }
    assert_eq!(org.districts().len(), 10);
    assert_eq!(org.streets().len(), 141);
    assert_eq!(org.communities().len(), 2120);
    assert!((8_000..=15_000).contains(&org.grids().len()), "{} grids", org.grids().len());
    assert_eq!(
        org.units_at(UnitLevel::Grassroots).filter(|u| u.functions == [Function::General]).count(),
        48
    );
    for s in org.streets() {
        let n =
            org.units_at(UnitLevel::Grassroots).filter(|u| u.street_code.as_deref() == Some(&s.code)).count();
        assert!(n == 4 || n == 5, "{} has {n} grassroots units", s.code);
    }
    assert_eq!(pack().basemap.places.len(), 39);
}

#[test]
fn grid_codes_nest_and_every_community_has_grids() {
    let org = &pack().organisation;
    for c in org.communities() {
        assert!(!org.grids_in(&c.code).is_empty(), "{} has no grid", c.code);
    }
    for g in org.grids() {
        assert!(g.code.len() == 15 && g.code.bytes().all(|b| b.is_ascii_digit()), "{}", g.code);
        let c = org.community(g.community_code()).unwrap();
        assert!(g.code.starts_with(&c.code));
        assert!(g.area_m2 > 0.0 && g.synthetic);
        let u = org.unit(&g.unit_code).unwrap();
        assert_eq!(u.street_code.as_deref(), Some(g.street_code()), "{}", g.code);
    }
    // sequences run 001, 002, … without holes inside each community
    for c in org.communities() {
        for (k, g) in org.grids_in(&c.code).iter().enumerate() {
            assert_eq!(g.code[12..].parse::<usize>().unwrap(), k + 1, "{}", g.code);
        }
    }
}

fn local(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    mp.map_coords(|c| {
        let [x, y] = to_local(c.x, c.y);
        Coord { x, y }
    })
}

/// Grids lie in their district's (real, Tianditu) polygon, except coastal strips and islands the
/// coarse polygon omits: those lie in no district, near their own (pieces within 12 km join it;
/// a point of a large island may lie further).
#[test]
fn every_grid_is_inside_its_district() {
    let org = &pack().organisation;
    let districts: Vec<(String, MultiPolygon<f64>)> =
        org.districts().iter().map(|d| (d.code.clone(), local(&d.polygon))).collect();
    let mut outside = 0;
    for g in org.grids() {
        let p = g.polygon.interior_point().unwrap();
        let [x, y] = to_local(p.x(), p.y());
        let q = Point::new(x, y);
        let own = districts.iter().find(|d| d.0 == g.district_code()).unwrap();
        if own.1.contains(&q) {
            continue;
        }
        outside += 1;
        assert!(!districts.iter().any(|d| d.1.contains(&q)), "{} lies in another district", g.code);
        let d_own = Euclidean.distance(&q, &own.1);
        assert!(d_own <= 25_000.0, "{} is {d_own} m from its district", g.code);
    }
    assert!(outside < org.grids().len() / 20, "{outside} grids outside their district polygon");
}

/// Brute force: every grid whose polygon contains the point (bounding boxes only skip work).
fn oracle(org: &Organisation, boxes: &[geo::Rect<f64>], lon: f64, lat: f64) -> Vec<usize> {
    let p = Point::new(lon, lat);
    (0..org.grids().len())
        .filter(|&i| {
            let b = boxes[i];
            b.min().x <= lon
                && lon <= b.max().x
                && b.min().y <= lat
                && lat <= b.max().y
                && org.grids()[i].polygon.contains(&p)
        })
        .collect()
}

#[test]
fn seeded_land_points_map_to_exactly_one_grid_and_unit() {
    let pack = pack();
    let org = &pack.organisation;
    let boxes: Vec<geo::Rect<f64>> = org.grids().iter().map(|g| g.polygon.bounding_rect().unwrap()).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_1);
    let (mut on_land, mut missed) = (0, 0);
    for _ in 0..10_000 {
        let (lon, lat) = (rng.random_range(119.45..121.10), rng.random_range(35.55..37.15));
        let hits = oracle(org, &boxes, lon, lat);
        match pack.locate(lon, lat) {
            Ok(r) => {
                on_land += 1;
                assert_eq!(hits.len(), 1, "({lon}, {lat}) lies in grids {hits:?}");
                assert_eq!(r.grid.code, org.grids()[hits[0]].code);
                assert!(r.grid.code.starts_with(&r.community.code));
                assert!(r.community.code.starts_with(&r.street.code));
                assert!(r.street.code.starts_with(&r.district.code));
                assert_eq!(r.unit.level, UnitLevel::Grassroots);
                assert_eq!(r.unit.code, r.grid.unit_code);
                let dto = r.to_dto(lon, lat);
                assert_eq!(
                    (dto.grid_code.as_str(), dto.unit_name.as_str()),
                    (r.grid.code.as_str(), r.unit.name.as_str())
                );
            }
            Err(e) => {
                missed += 1;
                assert!(hits.is_empty(), "({lon}, {lat}): {e} but grids {hits:?} contain it");
                // inside the window, at sea exactly where the land polygons (brute force) say so
                let on_land = pack.basemap.land.contains(&Point::new(lon, lat));
                match e {
                    LocateError::AtSea { .. } => assert!(!on_land, "({lon}, {lat}) is on land"),
                    LocateError::OutsideCity { .. } => assert!(on_land, "({lon}, {lat}) is at sea"),
                    other => panic!("({lon}, {lat}): {other}"),
                }
            }
        }
    }
    // about half of the box is Qingdao land
    assert!(on_land > 3_000 && missed > 2_000, "{on_land} on land, {missed} not");
}

/// Where overlaps or gaps would hide: a few centimetres either side of grid edges. No point may
/// lie in two grids, and the locator agrees with the oracle on every one.
#[test]
fn points_beside_grid_edges_lie_in_at_most_one_grid() {
    let pack = pack();
    let org = &pack.organisation;
    let boxes: Vec<geo::Rect<f64>> = org.grids().iter().map(|g| g.polygon.bounding_rect().unwrap()).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_3);
    let (mut one, mut none) = (0, 0);
    for _ in 0..1_500 {
        let g = &org.grids()[rng.random_range(0..org.grids().len())];
        let poly = &g.polygon.0[rng.random_range(0..g.polygon.0.len())];
        let ring = &poly.exterior().0;
        let k = rng.random_range(0..ring.len() - 1);
        let (a, b) = (ring[k], ring[k + 1]);
        let len = (b.x - a.x).hypot(b.y - a.y);
        let t: f64 = rng.random_range(0.05..0.95);
        let (mx, my) = (a.x + t * (b.x - a.x), a.y + t * (b.y - a.y));
        for side in [-3e-7, 3e-7] {
            let (lon, lat) = (mx - side * (b.y - a.y) / len, my + side * (b.x - a.x) / len);
            let hits = oracle(org, &boxes, lon, lat);
            assert!(hits.len() <= 1, "({lon}, {lat}) beside {} lies in grids {hits:?}", g.code);
            match (pack.locate(lon, lat), hits.first()) {
                (Ok(r), Some(&h)) => {
                    assert_eq!(r.grid.code, org.grids()[h].code);
                    one += 1;
                }
                (Err(_), None) => none += 1,
                (got, want) => panic!("({lon}, {lat}): locator {got:?}, oracle {want:?}"),
            }
        }
    }
    // one side of a coastline edge is sea; inland edges have a grid on both sides
    assert!(one > 2 * none, "{one} in a grid, {none} in none");
}

#[test]
fn points_at_sea_outside_and_invalid_are_typed_errors() {
    let pack = pack();
    assert_eq!(pack.locate(120.5, 35.9).unwrap_err(), LocateError::AtSea { lon: 120.5, lat: 35.9 });
    assert_eq!(pack.locate(120.3, 36.1).unwrap_err(), LocateError::AtSea { lon: 120.3, lat: 36.1 }); // 胶州湾
    assert_eq!(pack.locate(118.0, 30.0).unwrap_err(), LocateError::OutsideCity { lon: 118.0, lat: 30.0 });
    assert_eq!(pack.locate(119.5, 36.6).unwrap_err(), LocateError::OutsideCity { lon: 119.5, lat: 36.6 }); // 潍坊
    assert!(matches!(pack.locate(f64::NAN, 36.0), Err(LocateError::InvalidCoordinate { .. })));
    assert!(matches!(pack.locate(120.0, 95.0), Err(LocateError::InvalidCoordinate { .. })));
    // 五四广场 is in 市南区
    let r = pack.locate(120.3845, 36.0617).unwrap();
    assert_eq!(r.district.name, "市南区");
}

#[test]
fn routing_on_the_real_unit_table() {
    let org = &pack().organisation;
    let has_general = |street: &str| org.unit(&format!("{street}-U05")).is_some();
    let g_with = org.grids().iter().find(|g| has_general(g.street_code())).unwrap();
    let g_without = org.grids().iter().find(|g| !has_general(g.street_code())).unwrap();
    for g in [g_with, g_without] {
        let s = g.street_code();
        let d = g.district_code();
        let general = if has_general(s) { format!("{s}-U05") } else { format!("{s}-U03") };
        assert_eq!(g.unit_code, general);
        for (function, want) in [
            ("sanitation", format!("{s}-U01")),
            ("municipal", format!("{s}-U02")),
            ("enforcement", format!("{s}-U03")),
            ("greening", format!("{s}-U04")),
            ("general", general.clone()),
            ("construction", format!("{d}-D02")),
            ("transport", format!("{d}-D04")),
            ("drainage", "370200-D03".into()),
            ("forestry", "370200-D04".into()),
            ("traffic_police", "370200-D06".into()),
            ("environment", "370200-D07".into()),
            ("market", "370200-D08".into()),
            ("planning", "370200-D09".into()),
            ("power", "370200-D10".into()),
            ("water", "370200-D11".into()),
            ("heat", "370200-D12".into()),
            ("gas", "370200-D12".into()),
            ("telecom", "370200-D13".into()),
        ] {
            assert_eq!(org.responsible_unit(&g.code, function).unwrap().code, want, "{} {function}", g.code);
        }
    }
    // every function routes somewhere for a random sample of grids
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_2);
    for _ in 0..200 {
        let g = &org.grids()[rng.random_range(0..org.grids().len())];
        for f in Function::ALL {
            assert!(org.responsible_unit_for(&g.code, f).is_ok(), "{} {f}", g.code);
        }
    }
    assert!(org.responsible_unit(&g_with.code, "fishing").is_err());
}

#[test]
fn children_and_area_filters_follow_code_prefixes() {
    let org = &pack().organisation;
    assert_eq!(org.children("370200").unwrap().len(), 10);
    assert_eq!(org.children("370202").unwrap().len(), 11);
    let total: usize = org.districts().iter().map(|d| org.grids_in(&d.code).len()).sum();
    assert_eq!(total, org.grids().len());
    assert_eq!(org.grids_in("370200").len(), org.grids().len());
    let dto = org.grids()[0].to_dto();
    assert_eq!(dto.community_code, org.grids()[0].community_code());
}

#[cfg(feature = "embedded-qingdao")]
#[test]
fn the_embedded_pack_is_the_committed_pack() {
    let embedded =
        cityops_core::citypack::CityPack::from_sources(&cityops_core::citypack::CityPackSources::qingdao())
            .unwrap();
    assert_eq!(embedded.organisation.grids().len(), pack().organisation.grids().len());
}
