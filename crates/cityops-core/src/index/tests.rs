//! Oracle tests: every index answer is checked against a brute-force scan of the same features on
//! fixed-seed random data; the incremental clusters against clusters rebuilt from scratch.

use std::collections::{BTreeMap, BTreeSet};

use cityops_api::{LayerKind, MapItemDto, StatusClass, StatusMix};
use geo::{Distance, Haversine, MultiPolygon, Point, Polygon, coord};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::geom::to_local;

const SEED_1: u64 = 0x5eed_0001;
const SEED_2: u64 = 0x5eed_0002;
const SEED_3: u64 = 0x5eed_0003;
const SEED_4: u64 = 0x5eed_0004;

/// Urban centres of Qingdao (approximate, WGS84) the random points crowd around.
const CENTRES: [(f64, f64); 4] = [(120.38, 36.07), (120.43, 36.15), (120.20, 35.96), (120.40, 36.31)];

const STATUSES: [StatusClass; 4] =
    [StatusClass::Open, StatusClass::Overdue, StatusClass::Closed, StatusClass::DueSoon];

fn random_lonlat(rng: &mut ChaCha8Rng) -> (f64, f64) {
    if rng.random_bool(0.2) {
        // Anywhere in the city's land box.
        (rng.random_range(119.6..121.0), rng.random_range(35.6..37.0))
    } else {
        let (lon, lat) = CENTRES[rng.random_range(0..CENTRES.len())];
        let r = rng.random_range(0.0..0.05f64).powi(2) * 20.0;
        let a = rng.random_range(0.0..std::f64::consts::TAU);
        (lon + r * a.cos(), lat + r * a.sin())
    }
}

fn random_features(seed: u64, n: usize) -> Vec<PointFeature> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out: Vec<PointFeature> = Vec::with_capacity(n);
    for i in 0..n {
        let (lon, lat) = if i > 0 && rng.random_bool(0.05) {
            // Repeated reports at exactly the same spot.
            let prev = out[rng.random_range(0..i)];
            (prev.lon, prev.lat)
        } else {
            random_lonlat(&mut rng)
        };
        out.push(PointFeature {
            id: rng.random_range(0..u64::MAX / 2) | 1,
            lon,
            lat,
            status: STATUSES[rng.random_range(0..3)],
            time: rng.random_range(1_760_000_000..1_770_000_000),
            tag: rng.random_range(0..5),
        });
    }
    out.sort_by_key(|f| f.id);
    out.dedup_by_key(|f| f.id);
    out
}

fn haversine(a: (f64, f64), f: &PointFeature) -> f64 {
    Haversine.distance(Point::new(a.0, a.1), Point::new(f.lon, f.lat))
}

fn filter_oracle(filter: &PointFilter, f: &PointFeature) -> bool {
    filter.statuses.allows(f.status)
        && filter.tag.is_none_or(|t| t == f.tag)
        && filter.since.is_none_or(|s| f.time >= s)
        && filter.until.is_none_or(|u| f.time <= u)
        && filter.exclude != Some(f.id)
}

fn random_filter(rng: &mut ChaCha8Rng) -> PointFilter {
    PointFilter {
        statuses: StatusFilter {
            open: rng.random_bool(0.7),
            overdue: rng.random_bool(0.7),
            closed: rng.random_bool(0.7),
        },
        tag: rng.random_bool(0.3).then(|| rng.random_range(0..5)),
        since: rng.random_bool(0.3).then(|| rng.random_range(1_760_000_000..1_765_000_000)),
        until: rng.random_bool(0.3).then(|| rng.random_range(1_765_000_000..1_770_000_000)),
        exclude: None,
    }
}

/// Applies random inserts, moves, status changes and removals to `layer` and to a plain map.
fn churn(seed: u64, layer: &mut PointLayer, oracle: &mut BTreeMap<u64, PointFeature>, steps: usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for _ in 0..steps {
        let existing: Option<u64> =
            (!oracle.is_empty()).then(|| *oracle.keys().nth(rng.random_range(0..oracle.len())).unwrap());
        match (rng.random_range(0..4), existing) {
            (0, _) | (_, None) => {
                let (lon, lat) = random_lonlat(&mut rng);
                let f = PointFeature {
                    id: rng.random_range(0..u64::MAX / 2) * 2,
                    lon,
                    lat,
                    status: STATUSES[rng.random_range(0..3)],
                    time: rng.random_range(1_760_000_000..1_770_000_000),
                    tag: rng.random_range(0..5),
                };
                assert_eq!(layer.upsert(f).unwrap(), oracle.insert(f.id, f));
            }
            (1, Some(id)) => {
                // Half the moves are a truck's small step, half a jump across town.
                let old = oracle[&id];
                let (lon, lat) = if rng.random_bool(0.5) {
                    (old.lon + rng.random_range(-5e-4..5e-4), old.lat + rng.random_range(-5e-4..5e-4))
                } else {
                    random_lonlat(&mut rng)
                };
                let status = if rng.random_bool(0.3) { STATUSES[rng.random_range(0..3)] } else { old.status };
                let f = PointFeature { lon, lat, status, ..old };
                assert_eq!(layer.upsert(f).unwrap(), oracle.insert(id, f));
            }
            (2, Some(id)) => {
                let status = STATUSES[rng.random_range(0..3)];
                assert_eq!(layer.set_status(id, status).unwrap(), oracle[&id].status);
                oracle.get_mut(&id).unwrap().status = status;
            }
            (_, Some(id)) => {
                assert_eq!(layer.remove(id), oracle.remove(&id));
            }
        }
    }
}

#[test]
fn incremental_clusters_equal_clusters_rebuilt_from_scratch() {
    let config = IndexConfig::default();
    let start = random_features(SEED_1, 3_000);
    let mut layer = PointLayer::bulk_load(config, start.clone()).unwrap();
    let mut oracle: BTreeMap<u64, PointFeature> = start.into_iter().map(|f| (f.id, f)).collect();
    churn(SEED_2, &mut layer, &mut oracle, 6_000);

    let rebuilt = PointLayer::bulk_load(config, oracle.values().copied().collect()).unwrap();
    assert_eq!(layer.clusters(), rebuilt.clusters());
    let mut features: Vec<PointFeature> = layer.iter().collect();
    features.sort_by_key(|f| f.id);
    assert_eq!(features, oracle.values().copied().collect::<Vec<_>>());

    let mut expected = StatusMix::default();
    for f in oracle.values() {
        match f.status {
            StatusClass::Open => expected.open += 1,
            StatusClass::Overdue => expected.overdue += 1,
            StatusClass::Closed => expected.closed += 1,
            StatusClass::DueSoon => expected.due_soon += 1,
        }
    }
    for zoom in 0..=config.max_cluster_zoom {
        assert_eq!(layer.clusters().totals(zoom), expected, "zoom {zoom}");
    }
}

#[test]
fn box_radius_and_knn_queries_match_brute_force() {
    let features = random_features(SEED_3, 4_000);
    let mut layer = PointLayer::bulk_load(IndexConfig::default(), features).unwrap();
    let mut oracle: BTreeMap<u64, PointFeature> = layer.iter().map(|f| (f.id, f)).collect();
    churn(SEED_4, &mut layer, &mut oracle, 1_000);
    check_queries(&layer, &oracle, SEED_1, 150);
}

/// Box, radius, kNN and raw-viewport answers of `layer` against a brute-force scan of `oracle`.
#[track_caller]
fn check_queries(layer: &PointLayer, oracle: &BTreeMap<u64, PointFeature>, seed: u64, rounds: usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for round in 0..rounds {
        let filter = random_filter(&mut rng);
        let (lon, lat) = random_lonlat(&mut rng);
        // Box around the point, 0–8 km across.
        let (w, h) = (rng.random_range(0.0..0.1), rng.random_range(0.0..0.07));
        let bbox = LonLatBox::new(lon - w / 2.0, lat - h / 2.0, lon + w / 2.0, lat + h / 2.0).unwrap();
        let got: Vec<u64> = layer.in_box(&bbox, &filter).unwrap().iter().map(|f| f.id).collect();
        let want: Vec<u64> = oracle
            .values()
            .filter(|f| bbox.contains(f.lon, f.lat) && filter_oracle(&filter, f))
            .map(|f| f.id)
            .collect();
        assert_eq!(got, want, "box round {round}");

        let radius = [0.0, 50.0, 300.0, 2_000.0, 20_000.0][round % 5];
        let got = layer.within(lon, lat, radius, &filter).unwrap();
        let mut want: Vec<(f64, u64)> = oracle
            .values()
            .filter(|f| filter_oracle(&filter, f))
            .map(|f| (haversine((lon, lat), f), f.id))
            .filter(|(d, _)| *d <= radius)
            .collect();
        want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        assert_eq!(
            got.iter().map(|n| (n.distance_m, n.id)).collect::<Vec<_>>(),
            want,
            "radius round {round}"
        );

        let k = [1, 5, 40][round % 3];
        let got = layer.nearest(lon, lat, k, &filter).unwrap();
        let mut want: Vec<(f64, u64)> = oracle
            .values()
            .filter(|f| filter_oracle(&filter, f))
            .map(|f| (haversine((lon, lat), f), f.id))
            .collect();
        want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        want.truncate(k);
        assert_eq!(got.iter().map(|n| (n.distance_m, n.id)).collect::<Vec<_>>(), want, "knn round {round}");

        // Raw points above the cluster zooms: overdue, open, closed, each by id, cut at the budget.
        let max_items = [usize::MAX, 25, 0][round % 3];
        let q = ViewportQuery {
            bbox,
            zoom: layer.config().max_cluster_zoom + 1,
            statuses: filter.statuses,
            max_items,
        };
        let got = layer.viewport(LayerKind::Cases, &q).unwrap();
        let (want, in_view) = raw_in_view(oracle.values(), &bbox, filter.statuses, max_items);
        let truncated = in_view > max_items;
        let ids: Vec<(u8, u64)> = got
            .items
            .iter()
            .map(|i| match i {
                MapItemDto::Point { id, status, lon, lat, .. } => {
                    // Raw points stand at their member's quantum, within RAW_POSITION_M.
                    let [x0, y0] = to_local(oracle[id].lon, oracle[id].lat);
                    let [x1, y1] = to_local(*lon, *lat);
                    assert!(
                        (x1 - x0).abs() <= RAW_POSITION_M && (y1 - y0).abs() <= RAW_POSITION_M,
                        "feature {id} drawn {:.4} m, {:.4} m away",
                        x1 - x0,
                        y1 - y0
                    );
                    assert_eq!(*status, oracle[id].status);
                    (urgency_rank(*status), *id)
                }
                MapItemDto::Cluster { .. } => (9, u64::MAX),
            })
            .collect();
        assert_eq!(ids, want, "raw viewport round {round}");
        assert_eq!(got.truncated, truncated, "raw viewport round {round}");
    }
}

/// Ids as the platform makes them: mostly the next in sequence (dense), some ahead of the sequence
/// (stored sparse first, taken over by the dense table as it grows), some far beyond it.
fn churn_platform_ids(
    seed: u64,
    layer: &mut PointLayer,
    oracle: &mut BTreeMap<u64, PointFeature>,
    steps: usize,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut next = 1u64;
    for _ in 0..steps {
        let pick = rng.random_range(0..100);
        let existing: Option<u64> =
            (!oracle.is_empty()).then(|| *oracle.keys().nth(rng.random_range(0..oracle.len())).unwrap());
        match (pick, existing) {
            (0..70, _) | (_, None) => {
                let id = match rng.random_range(0..10) {
                    0..7 => {
                        next += 1;
                        next
                    }
                    7..9 => next + rng.random_range(100..12_000),
                    _ => rng.random_range(1u64 << 31..u64::MAX),
                };
                let (lon, lat) = random_lonlat(&mut rng);
                let f = PointFeature {
                    id,
                    lon,
                    lat,
                    status: STATUSES[rng.random_range(0..3)],
                    time: rng.random_range(1_760_000_000..1_770_000_000),
                    tag: rng.random_range(0..5),
                };
                assert_eq!(layer.upsert(f).unwrap(), oracle.insert(id, f));
            }
            (70..80, Some(id)) => {
                let old = oracle[&id];
                let (lon, lat) = if rng.random_bool(0.5) {
                    (old.lon + rng.random_range(-5e-4..5e-4), old.lat + rng.random_range(-5e-4..5e-4))
                } else {
                    random_lonlat(&mut rng)
                };
                let f = PointFeature { lon, lat, status: STATUSES[rng.random_range(0..3)], ..old };
                assert_eq!(layer.upsert(f).unwrap(), oracle.insert(id, f));
            }
            (80..90, Some(id)) => {
                let status = STATUSES[rng.random_range(0..3)];
                assert_eq!(layer.set_status(id, status).unwrap(), oracle[&id].status);
                oracle.get_mut(&id).unwrap().status = status;
            }
            (_, Some(id)) => {
                assert_eq!(layer.remove(id), oracle.remove(&id));
            }
        }
        assert_eq!(layer.len(), oracle.len());
    }
}

#[test]
fn dense_sparse_and_migrating_ids_keep_every_answer_exact() {
    let config = IndexConfig::default();
    let mut layer = PointLayer::new(config).unwrap();
    let mut oracle = BTreeMap::new();
    churn_platform_ids(SEED_3, &mut layer, &mut oracle, 12_000);
    for (id, f) in &oracle {
        assert_eq!(layer.get(*id), Some(*f));
    }
    let mut features: Vec<PointFeature> = layer.iter().collect();
    features.sort_by_key(|f| f.id);
    assert_eq!(features, oracle.values().copied().collect::<Vec<_>>());
    check_queries(&layer, &oracle, SEED_4, 90);
    assert!(layer.buckets_in_order());

    // The same features bulk-loaded (mixed ids, input in a shuffled order) give the same
    // clusters and answers, and keep working under more churn.
    let mut shuffled: Vec<PointFeature> = oracle.values().copied().collect();
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_1);
    for i in (1..shuffled.len()).rev() {
        shuffled.swap(i, rng.random_range(0..=i));
    }
    let mut rebuilt = PointLayer::bulk_load(config, shuffled).unwrap();
    assert!(rebuilt.buckets_in_order());
    assert_eq!(layer.clusters(), rebuilt.clusters());
    check_queries(&rebuilt, &oracle, SEED_2, 60);
    churn_platform_ids(SEED_2, &mut rebuilt, &mut oracle, 4_000);
    let again = PointLayer::bulk_load(config, oracle.values().copied().collect()).unwrap();
    assert!(rebuilt.buckets_in_order() && again.buckets_in_order());
    assert_eq!(rebuilt.clusters(), again.clusters());
    check_queries(&rebuilt, &oracle, SEED_3, 60);
}

#[test]
fn fine_cluster_zooms_group_by_sorting_and_stay_exact() {
    // At z20 the cells are ~7 m: the keys span too many cells for the counting sort, so the
    // bulk load takes the sorting path.
    let config = IndexConfig { max_cluster_zoom: 20, ..IndexConfig::default() };
    let start = random_features(SEED_2, 3_000);
    let mut layer = PointLayer::bulk_load(config, start.clone()).unwrap();
    let mut oracle: BTreeMap<u64, PointFeature> = start.into_iter().map(|f| (f.id, f)).collect();
    churn(SEED_3, &mut layer, &mut oracle, 3_000);
    let rebuilt = PointLayer::bulk_load(config, oracle.values().copied().collect()).unwrap();
    assert_eq!(layer.clusters(), rebuilt.clusters());
    check_queries(&layer, &oracle, SEED_4, 60);
}

#[test]
fn knn_is_exact_across_the_whole_extent() {
    // Far corners of the extent are where the local plane's longitude scale is most wrong.
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_2);
    let e = LonLatBox::QINGDAO;
    let features: Vec<PointFeature> = (0..2_000u64)
        .map(|id| PointFeature {
            id,
            lon: rng.random_range(e.min_lon..=e.max_lon),
            lat: rng.random_range(e.min_lat..=e.max_lat),
            status: StatusClass::Open,
            time: 0,
            tag: 0,
        })
        .collect();
    let layer = PointLayer::bulk_load(IndexConfig::default(), features.clone()).unwrap();
    for (lon, lat) in [(e.min_lon, e.min_lat), (e.max_lon, e.max_lat), (e.min_lon, e.max_lat), (120.3, 36.2)]
    {
        let got: Vec<u64> =
            layer.nearest(lon, lat, 25, &PointFilter::default()).unwrap().iter().map(|n| n.id).collect();
        let mut want: Vec<(f64, u64)> = features.iter().map(|f| (haversine((lon, lat), f), f.id)).collect();
        want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        assert_eq!(got, want.iter().take(25).map(|w| w.1).collect::<Vec<_>>(), "from ({lon}, {lat})");
    }
}

/// Brute-force viewport: group kept points by their cell at `zoom` (the finest cell scaled by a
/// power of two), keep cells meeting the box, order by cell key.
fn viewport_oracle(
    config: &IndexConfig,
    features: &[PointFeature],
    q: &ViewportQuery,
) -> Vec<(Option<u64>, StatusMix, [f64; 2])> {
    let side = config.cell_m(config.max_cluster_zoom) * f64::from(1u32 << (config.max_cluster_zoom - q.zoom));
    let key = |lon: f64, lat: f64| {
        let [x, y] = to_local(lon, lat);
        ((x / side).floor() as i64, (y / side).floor() as i64)
    };
    let e = config.extent;
    let (kx0, ky0) = key(q.bbox.min_lon.max(e.min_lon), q.bbox.min_lat.max(e.min_lat));
    let (kx1, ky1) = key(q.bbox.max_lon.min(e.max_lon), q.bbox.max_lat.min(e.max_lat));
    let mut cells: BTreeMap<(i64, i64), Vec<&PointFeature>> = BTreeMap::new();
    for f in features.iter().filter(|f| q.statuses.allows(f.status)) {
        let (kx, ky) = key(f.lon, f.lat);
        if (kx0..=kx1).contains(&kx) && (ky0..=ky1).contains(&ky) {
            cells.entry((kx, ky)).or_default().push(f);
        }
    }
    cells
        .values()
        .map(|members| {
            let mut mix = StatusMix::default();
            let (mut sx, mut sy) = (0.0, 0.0);
            for f in members {
                match f.status {
                    StatusClass::Open => mix.open += 1,
                    StatusClass::Overdue => mix.overdue += 1,
                    StatusClass::Closed => mix.closed += 1,
                    StatusClass::DueSoon => mix.due_soon += 1,
                }
                let [x, y] = to_local(f.lon, f.lat);
                sx += x;
                sy += y;
            }
            let n = members.len() as f64;
            let centroid = crate::geom::to_lonlat(sx / n, sy / n);
            if members.len() == 1 {
                (Some(members[0].id), mix, [members[0].lon, members[0].lat])
            } else {
                (None, mix, centroid)
            }
        })
        .collect()
}

#[test]
fn viewport_clusters_match_brute_force_grouping_at_every_zoom() {
    let config = IndexConfig::default();
    let mut layer = PointLayer::bulk_load(config, random_features(SEED_4, 3_000)).unwrap();
    let mut oracle: BTreeMap<u64, PointFeature> = layer.iter().map(|f| (f.id, f)).collect();
    churn(SEED_3, &mut layer, &mut oracle, 2_000);
    let features: Vec<PointFeature> = oracle.values().copied().collect();

    let mut rng = ChaCha8Rng::seed_from_u64(SEED_2);
    for zoom in 0..=config.max_cluster_zoom {
        for _ in 0..6 {
            let (lon, lat) = random_lonlat(&mut rng);
            // About a 1920×1080 screen at this zoom.
            let half_w = 960.0 * IndexConfig::metres_per_px(zoom) / crate::geom::metres_per_deg_lon();
            let half_h = 540.0 * IndexConfig::metres_per_px(zoom) / crate::geom::metres_per_deg_lat();
            let bbox = LonLatBox::new(
                (lon - half_w).max(-180.0),
                (lat - half_h).max(-85.0),
                (lon + half_w).min(180.0),
                (lat + half_h).min(85.0),
            )
            .unwrap();
            let statuses =
                StatusFilter { open: rng.random_bool(0.8), overdue: true, closed: rng.random_bool(0.5) };
            let q = ViewportQuery { bbox, zoom, statuses, max_items: usize::MAX };
            let got = layer.viewport(LayerKind::Cases, &q).unwrap();
            assert!(!got.truncated);
            let want = viewport_oracle(&config, &features, &q);
            assert_eq!(got.items.len(), want.len(), "zoom {zoom}");
            for (item, (id, mix, pos)) in got.items.iter().zip(&want) {
                match (item, id) {
                    (MapItemDto::Point { id: got_id, lon, lat, layer, .. }, Some(want_id)) => {
                        assert_eq!((got_id, *lon, *lat, *layer), (want_id, pos[0], pos[1], LayerKind::Cases));
                    }
                    (MapItemDto::Cluster { lon, lat, mix: got_mix, .. }, None) => {
                        assert_eq!(got_mix, mix, "zoom {zoom}");
                        // Centroids are summed in centimetres: within a centimetre of the float mean.
                        assert!((lon - pos[0]).abs() < 2e-7 && (lat - pos[1]).abs() < 2e-7, "zoom {zoom}");
                    }
                    other => panic!("zoom {zoom}: item {other:?} does not match the oracle"),
                }
            }
        }
    }
}

#[test]
fn viewport_above_the_cluster_zooms_sends_raw_points_and_honours_the_budget() {
    let config = IndexConfig::default();
    let features = random_features(SEED_1, 2_000);
    let layer = PointLayer::bulk_load(config, features.clone()).unwrap();
    let bbox = LonLatBox::new(120.35, 36.05, 120.41, 36.09).unwrap();
    let q = ViewportQuery {
        bbox,
        zoom: config.max_cluster_zoom + 1,
        statuses: StatusFilter::ACTIVE,
        max_items: usize::MAX,
    };
    let got = layer.viewport(LayerKind::Cases, &q).unwrap();
    let kept = |status: StatusClass| {
        features.iter().filter(move |f| bbox.contains(f.lon, f.lat) && f.status == status).map(|f| f.id)
    };
    // Overdue first, then open; by id within each (the fixture is sorted by id).
    let want: Vec<u64> = kept(StatusClass::Overdue).chain(kept(StatusClass::Open)).collect();
    let ids: Vec<u64> = got
        .items
        .iter()
        .map(|i| match i {
            MapItemDto::Point { id, .. } => *id,
            MapItemDto::Cluster { .. } => u64::MAX,
        })
        .collect();
    assert!(want.len() > 20, "fixture should put points in the box");
    assert_eq!(ids, want);
    assert!(!got.truncated);

    for zoom in [14, config.max_cluster_zoom + 2] {
        let capped = layer.viewport(LayerKind::Cases, &ViewportQuery { zoom, max_items: 7, ..q }).unwrap();
        assert_eq!(capped.items.len(), 7, "zoom {zoom}");
        assert!(capped.truncated, "zoom {zoom}");
    }
}

#[test]
fn duplicate_candidates_are_same_type_nearby_reports_in_the_window() {
    // (id, metres east of the anchor, tag, seconds before the anchor's report)
    let rows: [(u64, f64, u32, i64, bool); 7] = [
        (1, 0.0, 9, 0, true),      // the anchor itself: excluded
        (2, 20.0, 9, 3_600, true), // same type, 20 m, an hour earlier
        (3, 45.0, 9, 6 * 86_400, true),
        (4, 20.0, 8, 3_600, false),      // other type
        (5, 80.0, 9, 3_600, false),      // too far
        (6, 10.0, 9, 8 * 86_400, false), // before the window
        (7, 10.0, 9, -60, false),        // reported after the anchor
    ];
    let t0 = 1_764_400_000;
    let [x0, y0] = to_local(120.38, 36.07);
    let features = rows
        .iter()
        .map(|&(id, east, tag, before, _)| {
            let [lon, lat] = crate::geom::to_lonlat(x0 + east, y0);
            PointFeature { id, lon, lat, status: StatusClass::Open, time: t0 - before, tag }
        })
        .collect();
    let layer = PointLayer::bulk_load(IndexConfig::default(), features).unwrap();
    let got: BTreeSet<u64> =
        layer.duplicate_candidates(1, 50.0, 7 * 86_400).unwrap().iter().map(|n| n.id).collect();
    let want: BTreeSet<u64> = rows.iter().filter(|r| r.4 && r.0 != 1).map(|r| r.0).collect();
    assert_eq!(got, want);
}

#[test]
fn features_older_than_a_cut_are_listed_for_dimming_or_removal() {
    let stale = PointLayer::bulk_load(IndexConfig::default(), random_features(SEED_4, 300)).unwrap();
    let cut = 1_765_000_000;
    let want: Vec<u64> = random_features(SEED_4, 300).iter().filter(|f| f.time < cut).map(|f| f.id).collect();
    assert!(!want.is_empty() && want.len() < 300);
    assert_eq!(stale.ids_older_than(cut), want);
}

#[test]
fn invalid_input_is_rejected_with_a_typed_error_and_changes_nothing() {
    let mut layer = PointLayer::new(IndexConfig::default()).unwrap();
    let ok = PointFeature { id: 1, lon: 120.38, lat: 36.07, status: StatusClass::Open, time: 0, tag: 0 };
    layer.upsert(ok).unwrap();
    let cases: [(PointFeature, IndexError); 3] = [
        (PointFeature { lon: f64::NAN, ..ok }, IndexError::NonFinite { lon: f64::NAN, lat: 36.07 }),
        (PointFeature { lon: 122.5, ..ok }, IndexError::OutsideExtent { lon: 122.5, lat: 36.07 }),
        (
            PointFeature { lat: f64::INFINITY, ..ok },
            IndexError::NonFinite { lon: 120.38, lat: f64::INFINITY },
        ),
    ];
    for (bad, want) in cases {
        let got = layer.upsert(bad).unwrap_err();
        // NaN != NaN, so compare the rendered message.
        assert_eq!(got.to_string(), want.to_string());
        assert_eq!(layer.get(1), Some(ok));
    }
    assert_eq!(layer.set_status(2, StatusClass::Closed), Err(IndexError::UnknownId { id: 2 }));
    assert_eq!(
        layer.within(120.38, 36.07, -1.0, &PointFilter::default()),
        Err(IndexError::InvalidDistance(-1.0))
    );
    assert!(matches!(LonLatBox::new(121.0, 36.0, 120.0, 37.0), Err(IndexError::InvalidBox { .. })));
    assert_eq!(
        PointLayer::bulk_load(IndexConfig::default(), vec![ok, ok]).map(|l| l.len()),
        Err(IndexError::DuplicateId { id: 1 })
    );
    for bad in [
        IndexConfig { cluster_radius_px: 0.0, ..IndexConfig::default() },
        IndexConfig { max_cluster_zoom: 25, ..IndexConfig::default() },
        IndexConfig {
            extent: LonLatBox { min_lon: 0.0, min_lat: 78.0, max_lon: 1.0, max_lat: 82.0 },
            ..IndexConfig::default()
        },
        IndexConfig {
            extent: LonLatBox { min_lon: 100.0, min_lat: 30.0, max_lon: 110.0, max_lat: 32.0 },
            ..IndexConfig::default()
        },
    ] {
        assert!(matches!(PointLayer::new(bad), Err(IndexError::InvalidConfig(_))), "{bad:?}");
    }
}

fn square_fence(layer: LayerKind, id: u64, lon: f64, lat: f64, half: f64) -> Fence {
    let poly = Polygon::new(
        vec![
            coord! { x: lon - half, y: lat - half },
            coord! { x: lon + half, y: lat - half },
            coord! { x: lon + half, y: lat + half },
            coord! { x: lon - half, y: lat + half },
            coord! { x: lon - half, y: lat - half },
        ]
        .into(),
        vec![],
    );
    Fence { layer, id, shape: MultiPolygon::new(vec![poly]) }
}

fn random_fences(seed: u64, n: u64) -> Vec<Fence> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|id| {
            let (lon, lat) = random_lonlat(&mut rng);
            let layer = if id % 3 == 0 { LayerKind::Sites } else { LayerKind::Compounds };
            square_fence(layer, id, lon, lat, rng.random_range(0.001..0.02))
        })
        .collect()
}

fn containing_oracle(fences: &[Fence], lon: f64, lat: f64) -> Vec<(LayerKind, u64)> {
    use geo::Intersects;
    let mut v: Vec<(LayerKind, u64)> = fences
        .iter()
        .filter(|f| f.shape.intersects(&Point::new(lon, lat)))
        .map(|f| (f.layer, f.id))
        .collect();
    v.sort();
    v
}

#[test]
fn fence_lookup_matches_a_linear_scan_through_upserts_and_removals() {
    let mut fences = random_fences(SEED_1, 600);
    let mut set = FenceSet::from_fences(fences.clone()).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_2);
    for step in 0..400 {
        match step % 4 {
            0 => {
                let gone = fences.swap_remove(rng.random_range(0..fences.len()));
                assert_eq!(set.remove(gone.layer, gone.id), Some(gone));
            }
            1 => {
                let (lon, lat) = random_lonlat(&mut rng);
                let f = square_fence(LayerKind::Sites, 10_000 + step, lon, lat, 0.01);
                assert_eq!(set.upsert(f.clone()).unwrap(), None);
                fences.push(f);
            }
            _ => {}
        }
        for _ in 0..10 {
            let (lon, lat) = random_lonlat(&mut rng);
            assert_eq!(set.containing(lon, lat), containing_oracle(&fences, lon, lat), "step {step}");
        }
    }
    assert_eq!(set.len(), fences.len());
    for _ in 0..50 {
        let (lon, lat) = random_lonlat(&mut rng);
        let (w, h) = (rng.random_range(0.0..0.05), rng.random_range(0.0..0.05));
        let bbox = LonLatBox::new(lon - w, lat - h, lon + w, lat + h).unwrap();
        let mut want: Vec<(LayerKind, u64)> = fences
            .iter()
            .filter(|f| {
                use geo::BoundingRect;
                let r = f.shape.bounding_rect().unwrap();
                r.min().x <= bbox.max_lon
                    && r.max().x >= bbox.min_lon
                    && r.min().y <= bbox.max_lat
                    && r.max().y >= bbox.min_lat
            })
            .map(|f| (f.layer, f.id))
            .collect();
        want.sort();
        assert_eq!(set.meeting_box(&bbox).unwrap(), want);
    }
    let bad = Fence { layer: LayerKind::Sites, id: 1, shape: MultiPolygon::new(vec![]) };
    assert!(matches!(set.upsert(bad), Err(IndexError::InvalidFence { .. })));
}

#[test]
fn tracker_events_match_a_replay_diffed_by_brute_force() {
    let fences = random_fences(SEED_3, 300);
    let set = FenceSet::from_fences(fences.clone()).unwrap();
    let dwell_s = 600;
    let mut tracker = FenceTracker::new(TrackerConfig { dwell_s: Some(dwell_s) });
    // Oracle state: object → fence → (since, dwell reported).
    type Stays = BTreeMap<(LayerKind, u64), (i64, bool)>;
    let mut inside: BTreeMap<u64, Stays> = BTreeMap::new();
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_4);
    let mut pos: Vec<(f64, f64)> = (0..20).map(|_| random_lonlat(&mut rng)).collect();
    let mut total = [0usize; 3];
    for tick in 0..300i64 {
        let at = 1_764_400_000 + tick * 60;
        for (object, p) in pos.iter_mut().enumerate() {
            // Trucks wander about 300 m a minute, and sometimes jump across town.
            if rng.random_bool(0.05) {
                *p = random_lonlat(&mut rng);
            } else {
                p.0 += rng.random_range(-0.003..0.003);
                p.1 += rng.random_range(-0.003..0.003);
            }
            let got = tracker.update(&set, object as u64, p.0, p.1, at).unwrap();
            let now = containing_oracle(&fences, p.0, p.1);
            let state = inside.entry(object as u64).or_default();
            let mut want = Vec::new();
            let ev = |(layer, fence), kind, dwell_s| FenceEvent {
                object: object as u64,
                layer,
                fence,
                kind,
                at,
                dwell_s,
            };
            for (&key, &(since, _)) in state.iter() {
                if !now.contains(&key) {
                    want.push(ev(key, FenceEventKind::Exit, at - since));
                }
            }
            for &key in &now {
                if !state.contains_key(&key) {
                    want.push(ev(key, FenceEventKind::Enter, 0));
                }
            }
            state.retain(|k, _| now.contains(k));
            for (&key, (since, reported)) in state.iter_mut() {
                if !*reported && at - *since >= dwell_s {
                    *reported = true;
                    want.push(ev(key, FenceEventKind::Dwell, at - *since));
                }
            }
            for &key in &now {
                state.entry(key).or_insert((at, false));
            }
            assert_eq!(got, want, "object {object} at tick {tick}");
            for e in &got {
                total[e.kind as usize] += 1;
            }
        }
    }
    assert!(total.iter().all(|&n| n > 10), "fixture should exercise every event kind: {total:?}");
    assert_eq!(
        tracker.update(&set, 0, 120.38, 36.07, 1_764_400_000),
        Err(IndexError::OutOfOrder { object: 0, at: 1_764_400_000, last: 1_764_400_000 + 299 * 60 })
    );
}

mod live_events {
    use cityops_api::{CaseDto, CaseStatus, EventBody, LiveEvent};
    use cityops_test_support as fixture;

    use super::*;

    fn at(s: &str) -> cityops_api::Timestamp {
        chrono::DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn case(id: i64, lon: f64, lat: f64, status: CaseStatus, overdue: bool, created: &str) -> EventBody {
        fixture::case_event(CaseDto {
            status,
            lon,
            lat,
            overdue,
            created_at: at(created),
            updated_at: at(created),
            ..fixture::case(id)
        })
    }

    fn truck(lon: f64, lat: f64) -> EventBody {
        EventBody::Vehicle { vehicle_id: "鲁B·TEST01".into(), lon, lat, speed_kmh: 20.0, heading_deg: 90.0 }
    }

    fn ev(id: u64, when: &str, body: EventBody) -> LiveEvent {
        LiveEvent { id, at: at(when), body }
    }

    #[test]
    fn a_feed_of_live_events_drives_layers_and_fences() {
        let site = square_fence(LayerKind::Sites, 42, 120.40, 36.10, 0.002);
        let fences = FenceSet::from_fences(vec![site]).unwrap();
        let mut index =
            LiveIndex::new(IndexConfig::default(), fences, TrackerConfig { dwell_s: Some(600) }).unwrap();
        // A camera beside the site looking at it: it sees the truck go in, but is no fence.
        let cone = Fence::view_cone(7, 120.398, 36.10, 90.0, 40.0, 300.0).unwrap();
        index.view_cones_mut().upsert(cone).unwrap();
        assert_eq!(index.cameras_seeing(120.40, 36.10), vec![7]);
        assert!(index.cameras_seeing(120.38, 36.07).is_empty());
        let open = Some(StatusClass::Open);
        let overdue = Some(StatusClass::Overdue);
        let closed = Some(StatusClass::Closed);
        let enter = |t| vec![(FenceEventKind::Enter, t, 0)];
        // (event, fence events (kind, at, dwell), case 1 status, case 2 status, truck position)
        type Row = (LiveEvent, Vec<(FenceEventKind, i64, i64)>, Option<StatusClass>, Option<StatusClass>);
        let t = |s: &str| at(s).timestamp();
        let rows: Vec<Row> = vec![
            (
                ev(
                    1,
                    "2026-11-29T09:00:00+08:00",
                    case(1, 120.380, 36.070, CaseStatus::Active, false, "2026-11-29T09:00:00+08:00"),
                ),
                vec![],
                open,
                None,
            ),
            (
                ev(
                    2,
                    "2026-11-29T09:05:00+08:00",
                    case(2, 120.3801, 36.0701, CaseStatus::Active, false, "2026-11-29T09:05:00+08:00"),
                ),
                vec![],
                open,
                open,
            ),
            (
                ev(
                    3,
                    "2026-11-29T10:00:00+08:00",
                    case(1, 120.380, 36.070, CaseStatus::Active, true, "2026-11-29T09:00:00+08:00"),
                ),
                vec![],
                overdue,
                open,
            ),
            (ev(4, "2026-11-29T10:01:00+08:00", truck(120.38, 36.10)), vec![], overdue, open),
            (
                ev(5, "2026-11-29T10:02:00+08:00", truck(120.40, 36.10)),
                enter(t("2026-11-29T10:02:00+08:00")),
                overdue,
                open,
            ),
            (ev(6, "2026-11-29T10:07:00+08:00", truck(120.4005, 36.1005)), vec![], overdue, open),
            (
                ev(7, "2026-11-29T10:12:00+08:00", truck(120.4010, 36.1010)),
                vec![(FenceEventKind::Dwell, t("2026-11-29T10:12:00+08:00"), 600)],
                overdue,
                open,
            ),
            (
                ev(8, "2026-11-29T10:20:00+08:00", truck(120.41, 36.11)),
                vec![(FenceEventKind::Exit, t("2026-11-29T10:20:00+08:00"), 1080)],
                overdue,
                open,
            ),
            (
                ev(
                    9,
                    "2026-11-29T11:00:00+08:00",
                    case(1, 120.380, 36.070, CaseStatus::Closed, false, "2026-11-29T09:00:00+08:00"),
                ),
                vec![],
                closed,
                open,
            ),
            (
                ev(
                    10,
                    "2026-11-29T11:00:00+08:00",
                    case(2, 120.3801, 36.0701, CaseStatus::Cancelled, false, "2026-11-29T09:05:00+08:00"),
                ),
                vec![],
                closed,
                None,
            ),
            (
                ev(
                    11,
                    "2026-11-29T11:01:00+08:00",
                    EventBody::Sensor {
                        sensor_id: "pm10-1".into(),
                        quantity: "pm10".into(),
                        value: 80.0,
                        unit: "µg/m³".into(),
                    },
                ),
                vec![],
                closed,
                None,
            ),
        ];
        for (event, fence_events, s1, s2) in rows {
            if event.id == 3 {
                // Before case 1 turns overdue both reports are open: case 2 is a duplicate of 1.
                let dups =
                    index.layer(LayerKind::Cases).unwrap().duplicate_candidates(2, 50.0, 86_400).unwrap();
                assert_eq!(dups.iter().map(|n| n.id).collect::<Vec<_>>(), vec![1]);
            }
            let got = index.apply(&event).unwrap();
            let got: Vec<(FenceEventKind, i64, i64)> = got
                .iter()
                .map(|e| {
                    assert_eq!((e.layer, e.fence, e.object), (LayerKind::Sites, 42, 0));
                    (e.kind, e.at, e.dwell_s)
                })
                .collect();
            assert_eq!(got, fence_events, "event {}", event.id);
            let cases = index.layer(LayerKind::Cases).unwrap();
            assert_eq!(cases.get(1).map(|f| f.status), s1, "event {}", event.id);
            assert_eq!(cases.get(2).map(|f| f.status), s2, "event {}", event.id);
        }
        assert_eq!(index.last_event_at(LayerKind::Cases), Some(t("2026-11-29T11:00:00+08:00")));
        assert_eq!(index.last_event_at(LayerKind::Trucks), Some(t("2026-11-29T10:20:00+08:00")));
        assert_eq!(index.last_event_at(LayerKind::Alerts), None);
        let truck_id = index.feature_id(LayerKind::Trucks, "鲁B·TEST01").unwrap();
        assert_eq!(index.external_id(LayerKind::Trucks, truck_id), Some("鲁B·TEST01"));
        let truck_at =
            |index: &LiveIndex| index.layer(LayerKind::Trucks).unwrap().get(truck_id).map(|f| (f.lon, f.lat));
        assert_eq!(truck_at(&index), Some((120.41, 36.11)));

        // A truck parked on the site, then taken off the map, leaves the site.
        let later = t("2026-11-29T11:45:00+08:00");
        let parked = EventBody::Vehicle {
            vehicle_id: "鲁B·TEST02".into(),
            lon: 120.40,
            lat: 36.10,
            speed_kmh: 0.0,
            heading_deg: 0.0,
        };
        assert_eq!(index.apply(&ev(16, "2026-11-29T11:44:00+08:00", parked)).unwrap().len(), 1);
        let exits = index.forget_vehicle("鲁B·TEST02", later);
        assert_eq!(
            exits.iter().map(|e| (e.kind, e.fence, e.dwell_s)).collect::<Vec<_>>(),
            vec![(FenceEventKind::Exit, 42, 60)]
        );
        let parked_id = index.feature_id(LayerKind::Trucks, "鲁B·TEST02").unwrap();
        assert_eq!(index.layer(LayerKind::Trucks).unwrap().get(parked_id), None);
        assert!(index.forget_vehicle("鲁B·NOBODY", later).is_empty());

        // Rejected events change nothing.
        let stale = ev(12, "2026-11-29T10:15:00+08:00", truck(120.40, 36.10));
        assert!(matches!(index.apply(&stale), Err(IndexError::OutOfOrder { .. })));
        assert_eq!(truck_at(&index), Some((120.41, 36.11)));
        let at_sea = ev(
            13,
            "2026-11-29T11:30:00+08:00",
            case(3, 123.0, 35.0, CaseStatus::Active, false, "2026-11-29T11:30:00+08:00"),
        );
        assert!(matches!(index.apply(&at_sea), Err(IndexError::OutsideExtent { .. })));
        let negative = ev(
            14,
            "2026-11-29T11:30:00+08:00",
            case(-3, 120.38, 36.07, CaseStatus::Active, false, "2026-11-29T11:30:00+08:00"),
        );
        assert_eq!(index.apply(&negative), Err(IndexError::NegativeCaseId(-3)));
        assert_eq!(index.layer(LayerKind::Cases).unwrap().len(), 1);

        // One street-level viewport over three layers.
        let alert = EventBody::Alert {
            alert_id: "A-1".into(),
            rule: "dust".into(),
            message: "工地扬尘超标 (synthetic)".into(),
            lon: 120.3802,
            lat: 36.0702,
        };
        index.apply(&ev(15, "2026-11-29T11:40:00+08:00", alert)).unwrap();
        let q = ViewportQuery {
            bbox: LonLatBox::new(120.37, 36.06, 120.42, 36.12).unwrap(),
            zoom: 18,
            statuses: StatusFilter::ALL,
            max_items: 100,
        };
        let items =
            index.viewport(&q, &[LayerKind::Cases, LayerKind::Trucks, LayerKind::Alerts]).unwrap().items;
        let layers: Vec<LayerKind> = items
            .iter()
            .map(|i| match i {
                MapItemDto::Point { layer, .. } | MapItemDto::Cluster { layer, .. } => *layer,
            })
            .collect();
        assert_eq!(layers, vec![LayerKind::Cases, LayerKind::Trucks, LayerKind::Alerts]);
        assert_eq!(
            index.viewport(&q, &[LayerKind::Grids]),
            Err(IndexError::NotAPointLayer(LayerKind::Grids))
        );
    }
}

/// A point `distance_m` metres from (lon, lat) on `bearing_deg` (clockwise from north).
fn offset(lon: f64, lat: f64, distance_m: f64, bearing_deg: f64) -> (f64, f64) {
    let [x, y] = to_local(lon, lat);
    let b = bearing_deg.to_radians();
    let [lon2, lat2] = crate::geom::to_lonlat(x + distance_m * b.sin(), y + distance_m * b.cos());
    (lon2, lat2)
}

#[test]
fn camera_view_cones_answer_which_cameras_see_a_point() {
    let cam = (120.38, 36.07);
    // Camera 1 looks east (60° wide, 100 m), camera 2 north-west (90°, 200 m), camera 3 all round.
    let cones = vec![
        Fence::view_cone(1, cam.0, cam.1, 90.0, 60.0, 100.0).unwrap(),
        Fence::view_cone(2, cam.0, cam.1, 315.0, 90.0, 200.0).unwrap(),
        Fence::view_cone(3, cam.0, cam.1, 0.0, 360.0, 30.0).unwrap(),
    ];
    let set = FenceSet::from_fences(cones).unwrap();
    // (metres from the camera, bearing, cameras that see it)
    let rows: [(f64, f64, &[u64]); 9] = [
        (10.0, 90.0, &[1, 3]),
        (20.0, 200.0, &[3]),
        (50.0, 90.0, &[1]),
        (95.0, 115.0, &[1]),
        (50.0, 125.0, &[]),
        (110.0, 90.0, &[]),
        (150.0, 300.0, &[2]),
        (150.0, 0.0, &[2]),
        (150.0, 10.0, &[]),
    ];
    for (d, bearing, want) in rows {
        let (lon, lat) = offset(cam.0, cam.1, d, bearing);
        let got: Vec<u64> = set.containing(lon, lat).iter().map(|k| k.1).collect();
        assert_eq!(got, want, "{d} m at {bearing}°");
    }
    assert!(matches!(
        Fence::view_cone(4, cam.0, cam.1, 0.0, 60.0, 0.0),
        Err(IndexError::InvalidFence { .. })
    ));
    assert!(matches!(
        Fence::view_cone(4, f64::NAN, cam.1, 0.0, 60.0, 9.0),
        Err(IndexError::NonFinite { .. })
    ));
}

#[test]
fn the_scale_bounds_hold_for_point_pairs_across_the_extent() {
    let config = IndexConfig::default();
    let (lo, hi) = config.scale_bounds();
    assert!(lo < 1.0 && hi > 1.0 && lo > 0.95 && hi < 1.05, "({lo}, {hi})");
    let e = config.extent;
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_3);
    let (mut min_ratio, mut max_ratio) = (f64::MAX, f64::MIN);
    for _ in 0..20_000 {
        let a = (rng.random_range(e.min_lon..=e.max_lon), rng.random_range(e.min_lat..=e.max_lat));
        let b = if rng.random_bool(0.5) {
            (a.0 + rng.random_range(-0.01..0.01), a.1 + rng.random_range(-0.01..0.01))
        } else {
            (rng.random_range(e.min_lon..=e.max_lon), rng.random_range(e.min_lat..=e.max_lat))
        };
        let [ax, ay] = to_local(a.0, a.1);
        let [bx, by] = to_local(b.0, b.1);
        let planar = ((ax - bx).powi(2) + (ay - by).powi(2)).sqrt();
        if planar < 1.0 {
            continue;
        }
        let ratio = Haversine.distance(Point::new(a.0, a.1), Point::new(b.0, b.1)) / planar;
        min_ratio = min_ratio.min(ratio);
        max_ratio = max_ratio.max(ratio);
    }
    assert!(lo <= min_ratio && max_ratio <= hi, "ratios [{min_ratio}, {max_ratio}] outside ({lo}, {hi})");
}

#[test]
fn edge_values_give_errors_or_empty_answers_never_panics() {
    let weird =
        [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 1e300, -1e300, f64::MIN_POSITIVE, 120.38, 36.07];
    let mut layer = PointLayer::bulk_load(IndexConfig::default(), random_features(SEED_1, 500)).unwrap();
    let mut fences = FenceSet::from_fences(random_fences(SEED_2, 50)).unwrap();
    let mut tracker = FenceTracker::new(TrackerConfig { dwell_s: Some(0) });
    let mut accepted = 0;
    for (i, &a) in weird.iter().enumerate() {
        for &b in &weird {
            let f = PointFeature {
                id: i as u64,
                lon: a,
                lat: b,
                status: StatusClass::Open,
                time: i64::MIN,
                tag: u32::MAX,
            };
            accepted += usize::from(layer.upsert(f).is_ok());
            let _ = layer.within(a, b, a, &PointFilter::default());
            let _ = layer.nearest(a, b, usize::MAX, &PointFilter::default());
            let _ = layer.nearest(a, b, 0, &PointFilter::default());
            let _ = layer.duplicate_candidates(i as u64, b, i64::MIN);
            let _ = tracker.update(&fences, 1, a, b, 0);
            let _ = Fence::view_cone(1, 120.38, 36.07, a, b, a).map(|f| fences.upsert(f));
            let _ = fences.containing(a, b);
            if let Ok(bbox) = LonLatBox::new(a.min(b), a.min(b), a.max(b), a.max(b)) {
                let _ = fences.meeting_box(&bbox);
                for zoom in [0, 8, 16, 17, 24, 255] {
                    for max_items in [0, 1, usize::MAX] {
                        let q = ViewportQuery { bbox, zoom, statuses: StatusFilter::ALL, max_items };
                        let _ = layer.viewport(LayerKind::Cases, &q);
                    }
                }
            }
        }
    }
    // Only the one finite, in-extent pair of the list went in; the layer is still consistent.
    assert_eq!(accepted, 1);
    let rebuilt = PointLayer::bulk_load(IndexConfig::default(), layer.iter().collect()).unwrap();
    assert_eq!(layer.clusters(), rebuilt.clusters());
}

#[test]
fn raw_viewport_edges_through_features_keep_them_inclusive() {
    // Box edges exactly on feature coordinates: the members' quantised positions must never
    // decide a point that lies on the edge; the exact check keeps it (edges are inclusive).
    let config = IndexConfig::default();
    let features = random_features(SEED_4, 3_000);
    let layer = PointLayer::bulk_load(config, features.clone()).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_1);
    for round in 0..200 {
        let a = features[rng.random_range(0..features.len())];
        let b = features[rng.random_range(0..features.len())];
        let bbox =
            LonLatBox::new(a.lon.min(b.lon), a.lat.min(b.lat), a.lon.max(b.lon), a.lat.max(b.lat)).unwrap();
        let q = ViewportQuery {
            bbox,
            zoom: config.max_cluster_zoom + 1 + (round % 3) as u8,
            statuses: StatusFilter::ALL,
            max_items: usize::MAX,
        };
        let mut got: Vec<u64> = layer
            .viewport(LayerKind::Cases, &q)
            .unwrap()
            .items
            .iter()
            .map(|i| match i {
                MapItemDto::Point { id, .. } => *id,
                MapItemDto::Cluster { .. } => u64::MAX,
            })
            .collect();
        got.sort_unstable();
        let want: Vec<u64> = features.iter().filter(|f| bbox.contains(f.lon, f.lat)).map(|f| f.id).collect();
        assert!(got.contains(&a.id) && got.contains(&b.id), "round {round}: corner features kept");
        assert_eq!(got, want, "round {round}");
    }
}

#[test]
fn bulk_loads_large_enough_to_stripe_equal_one_insert_at_a_time() {
    // 150 k points: the bulk load partitions them into stripes (64 k points each at least),
    // filled by two threads.
    let config = IndexConfig::default();
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_2);
    let features: Vec<PointFeature> = (0..150_000u64)
        .map(|i| {
            let (lon, lat) = random_lonlat(&mut rng);
            PointFeature {
                id: if i % 50 == 0 { u64::MAX - i } else { i },
                lon,
                lat,
                status: STATUSES[(i % 3) as usize],
                time: i as i64,
                tag: (i % 5) as u32,
            }
        })
        .collect();
    let bulk = PointLayer::bulk_load(config, features.clone()).unwrap();
    let mut one_by_one = PointLayer::new(config).unwrap();
    for f in &features {
        one_by_one.upsert(*f).unwrap();
    }
    assert_eq!(bulk.clusters(), one_by_one.clusters());
    let oracle: BTreeMap<u64, PointFeature> = features.iter().map(|f| (f.id, *f)).collect();
    check_queries(&bulk, &oracle, SEED_3, 12);
    check_queries(&one_by_one, &oracle, SEED_4, 6);
}

#[test]
fn dense_raw_views_cut_at_the_budget_exactly_as_over_every_member() {
    // 60 k cases with dense ids (as the platform numbers them) in a few square kilometres, so
    // that a raw view holds many times its budget and the cut falls inside a class; every
    // budget must give the oracle's most urgent members, each class by id.
    let config = IndexConfig::default();
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_3);
    let statuses = [StatusClass::Open, StatusClass::Overdue, StatusClass::Closed, StatusClass::DueSoon];
    let features: Vec<PointFeature> = (0..60_000u64)
        .map(|id| PointFeature {
            id,
            lon: 120.37 + rng.random_range(0.0..0.03),
            lat: 36.06 + rng.random_range(0.0..0.02),
            // Mostly closed, as a city's cases are; the rarer classes spread over all ids.
            status: statuses[[0, 1, 2, 2, 2, 2, 2, 2, 3][rng.random_range(0..9)]],
            time: 0,
            tag: 0,
        })
        .collect();
    let layer = PointLayer::bulk_load(config, features.clone()).unwrap();
    // The same cases reached live, in a shuffled order: each first filed elsewhere in the view
    // with another status, then moved and restatused (buckets keep their order by updates).
    let mut live = PointLayer::new(config).unwrap();
    let mut order: Vec<usize> = (0..features.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    for &i in &order {
        let f = features[i];
        let first = PointFeature {
            lon: 120.37 + rng.random_range(0.0..0.03),
            status: statuses[rng.random_range(0..4)],
            ..f
        };
        live.upsert(first).unwrap();
    }
    for &i in order.iter().rev() {
        let f = features[i];
        let moved = live.get(f.id).map(|g| PointFeature { lon: f.lon, lat: f.lat, ..g }).unwrap();
        live.upsert(moved).unwrap();
        live.set_status(f.id, f.status).unwrap();
    }
    assert!(layer.buckets_in_order() && live.buckets_in_order());
    for round in 0..24 {
        let (lon, lat) = (120.37 + rng.random_range(0.0..0.02), 36.06 + rng.random_range(0.0..0.012));
        let bbox = LonLatBox::new(lon, lat, lon + 0.012, lat + 0.008).unwrap();
        let statuses = [StatusFilter::ALL, StatusFilter::ACTIVE][round % 2];
        let max_items = [1, 37, 700, 2_000, 5_000, 9_000][round % 6];
        let q = ViewportQuery { bbox, zoom: config.max_cluster_zoom + 1, statuses, max_items };
        let (want, in_view) = raw_in_view(features.iter(), &bbox, statuses, max_items);
        assert!(in_view > 4 * 700, "round {round}: the view should be dense");
        for (name, l) in [("bulk", &layer), ("live", &live)] {
            let got = l.viewport(LayerKind::Cases, &q).unwrap();
            let ids: Vec<(u8, u64)> = got.items.iter().map(point_rank).collect();
            assert_eq!(ids, want, "{name}: round {round}, budget {max_items}");
            assert_eq!(got.truncated, in_view > max_items, "{name}: round {round}");
        }
    }
}

#[test]
fn raw_view_cuts_among_ids_up_to_the_largest() {
    // Platform ids far beyond the dense table (up to `u64::MAX`) among dense ones, in a view
    // many times its budget: the cut's search must neither overflow nor miss.
    let config = IndexConfig::default();
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_4);
    let statuses = [StatusClass::Open, StatusClass::Overdue, StatusClass::Closed];
    let mut layer = PointLayer::new(config).unwrap();
    let mut features = Vec::new();
    for i in 0..6_000u64 {
        let id = match i % 3 {
            0 => i,
            1 => u64::MAX - rng.random_range(0..1u64 << 20),
            _ => rng.random_range(1u64 << 31..u64::MAX),
        };
        let f = PointFeature {
            id,
            lon: 120.37 + rng.random_range(0.0..0.01),
            lat: 36.06 + rng.random_range(0.0..0.006),
            status: statuses[rng.random_range(0..3)],
            time: 0,
            tag: 0,
        };
        if layer.get(id).is_none() {
            layer.upsert(f).unwrap();
            features.push(f);
        }
    }
    assert!(layer.buckets_in_order());
    for round in 0..12 {
        let (lon, lat) = (120.37 + rng.random_range(0.0..0.004), 36.06 + rng.random_range(0.0..0.002));
        let bbox = LonLatBox::new(lon, lat, lon + 0.006, lat + 0.004).unwrap();
        let max_items = [1, 50, 400, 900][round % 4];
        let q =
            ViewportQuery { bbox, zoom: config.max_cluster_zoom + 1, statuses: StatusFilter::ALL, max_items };
        let got = layer.viewport(LayerKind::Cases, &q).unwrap();
        let (want, in_view) = raw_in_view(features.iter(), &bbox, StatusFilter::ALL, max_items);
        assert!(in_view > 2 * max_items, "round {round}: the view should be dense");
        assert_eq!(
            got.items.iter().map(point_rank).collect::<Vec<_>>(),
            want,
            "round {round}, budget {max_items}"
        );
        assert!(got.truncated);
    }
}

/// A raw viewport's urgency order: overdue, due soon, open, closed.
fn urgency_rank(s: StatusClass) -> u8 {
    match s {
        StatusClass::Overdue => 0,
        StatusClass::DueSoon => 1,
        StatusClass::Open => 2,
        StatusClass::Closed => 3,
    }
}

/// The oracle of a raw viewport: the features in the box of a kept status, as (urgency, id),
/// most urgent first, each class by id, cut at the budget; and how many there were.
fn raw_in_view<'a>(
    features: impl Iterator<Item = &'a PointFeature>,
    bbox: &LonLatBox,
    statuses: StatusFilter,
    max_items: usize,
) -> (Vec<(u8, u64)>, usize) {
    let mut v: Vec<(u8, u64)> = features
        .filter(|f| bbox.contains(f.lon, f.lat) && statuses.allows(f.status))
        .map(|f| (urgency_rank(f.status), f.id))
        .collect();
    v.sort_unstable();
    let n = v.len();
    v.truncate(max_items);
    (v, n)
}

/// A viewport item as (urgency, id); a cluster as (9, `u64::MAX`), which no oracle holds.
fn point_rank(item: &MapItemDto) -> (u8, u64) {
    match item {
        MapItemDto::Point { id, status, .. } => (urgency_rank(*status), *id),
        MapItemDto::Cluster { .. } => (9, u64::MAX),
    }
}
