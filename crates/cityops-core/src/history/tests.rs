//! The picture rebuilt from a snapshot and the events since equals the picture the live map held
//! at that moment (recorded during the run), for random event sequences.

use chrono::TimeDelta;
use cityops_api::query::{CommaList, ViewQuery};
use cityops_api::{LayerKind, MapItemDto};
use cityops_test_support as fixture;
use proptest::prelude::*;

use super::*;

/// One step of a random run.
#[derive(Debug, Clone)]
enum Step {
    /// A new case: position offsets, hours to its deadline (none: no deadline), and whether a
    /// due-soon instant comes an hour before it.
    Report { dx: i32, dy: i32, hours: Option<u8>, soon: bool },
    /// An existing case (by index among those reported) changes status.
    Change { which: usize, to: u8, hours: Option<u8> },
    /// A vehicle reports a fix.
    Fix { vehicle: u8, dx: i32, dy: i32 },
    /// An alert is raised.
    Alert { alert: u8, dx: i32, dy: i32 },
    /// The service keeps a snapshot now.
    Snapshot,
    /// Compare the rebuilt picture with the live one now.
    Check,
}

fn step() -> impl Strategy<Value = Step> {
    let off = -400..400i32;
    prop_oneof![
        4 => (off.clone(), off.clone(), proptest::option::of(1..72u8), any::<bool>())
            .prop_map(|(dx, dy, hours, soon)| Step::Report { dx, dy, hours, soon }),
        4 => (0..64usize, 0..4u8, proptest::option::of(1..72u8))
            .prop_map(|(which, to, hours)| Step::Change { which, to, hours }),
        3 => (0..6u8, off.clone(), off.clone()).prop_map(|(vehicle, dx, dy)| Step::Fix { vehicle, dx, dy }),
        2 => (0..10u8, off.clone(), off).prop_map(|(alert, dx, dy)| Step::Alert { alert, dx, dy }),
        1 => Just(Step::Snapshot),
        2 => Just(Step::Check),
    ]
}

/// Every item of the picture over the whole test area at a zoom (raw points at 20, clusters at
/// 11), sorted so that the order of insertion does not matter.
fn picture(m: &LiveMap, zoom: f64) -> Vec<String> {
    let q = ViewQuery {
        west: 120.30,
        south: 36.00,
        east: 120.47,
        north: 36.14,
        zoom,
        layers: Some(CommaList(vec![LayerKind::Cases, LayerKind::Trucks, LayerKind::Alerts])),
        ..Default::default()
    };
    let mut items: Vec<String> = m
        .view(&q)
        .unwrap()
        .items
        .iter()
        .map(|i| match i {
            // Trucks and alerts are numbered by each map as it meets them: compare their names.
            MapItemDto::Point { layer, id, lon, lat, status } => {
                let name = m.index().external_id(*layer, *id).map_or_else(|| id.to_string(), str::to_owned);
                format!("{layer:?} {name} {lon:.6} {lat:.6} {status:?}")
            }
            MapItemDto::Cluster { layer, lon, lat, mix, .. } => {
                format!("{layer:?} cluster {lon:.5} {lat:.5} {mix:?}")
            }
        })
        .collect();
    items.sort();
    items
}

struct Run {
    live: LiveMap,
    /// Every event so far, in id order.
    log: Vec<LiveEvent>,
    /// Snapshots kept: the frame (aged at its time) and that time.
    snapshots: Vec<(String, NaiveDateTime)>,
    /// The frame the snapshotter follows.
    frame: Frame,
    cases: Vec<CaseDto>,
    now: NaiveDateTime,
    stats: Stats,
}

/// What the comparisons met (to show the property is not vacuous).
#[derive(Debug, Default)]
struct Stats {
    checks: usize,
    /// Layer and class of every point compared ("Cases Overdue", "Trucks Open", …).
    seen: std::collections::BTreeSet<String>,
    /// Closed cases and alerts the rebuild dropped as having left the map.
    expired: usize,
}

impl Run {
    fn event(&mut self, body: EventBody) {
        let e = LiveEvent { id: self.log.len() as u64 + 1, at: to_timestamp(self.now), body };
        // The service sweeps every few seconds and applies events as they come.
        self.live.sweep(self.now);
        self.live.apply(&e).unwrap();
        self.frame.apply(&e);
        self.log.push(e);
    }

    fn point(dx: i32, dy: i32) -> (f64, f64) {
        (120.3826 + f64::from(dx) * 0.0002, 36.0671 + f64::from(dy) * 0.0002)
    }

    fn ts(&self, t: NaiveDateTime) -> Timestamp {
        to_timestamp(t)
    }

    /// Rebuild the picture at `now` from the latest snapshot at or before it and the events
    /// since, and compare it with the live map's.
    fn check(&mut self) -> Result<(), TestCaseError> {
        self.live.sweep(self.now);
        let (text, _) = self
            .snapshots
            .iter()
            .rev()
            .find(|(_, t)| *t <= self.now)
            .cloned()
            .unwrap_or_else(|| (serde_json::to_string(&Frame::default()).unwrap(), self.now));
        let mut frame: Frame = serde_json::from_str(&text).unwrap();
        let after = frame.last_event_id as usize;
        for e in self.log.iter().skip(after) {
            frame.apply(e);
        }
        frame.age(self.now);
        // What has left the map by now, of all the run has seen.
        let mut all = self.frame.clone();
        let before = all.cases.len() + all.alerts.len();
        all.age(self.now);
        self.stats.expired += before - (all.cases.len() + all.alerts.len());
        let (rebuilt, refused) = frame.map(LiveMap::new().unwrap(), self.now);
        prop_assert!(refused.is_empty(), "{refused:?}");
        for zoom in [20.0, 11.0] {
            prop_assert_eq!(
                picture(&rebuilt, zoom),
                picture(&self.live, zoom),
                "zoom {} at {}",
                zoom,
                self.now
            );
        }
        for item in picture(&self.live, 20.0) {
            let mut words = item.split(' ');
            let layer = words.next().unwrap_or_default().to_owned();
            self.stats.seen.insert(format!("{layer} {}", words.next_back().unwrap_or_default()));
        }
        self.stats.checks += 1;
        Ok(())
    }
}

fn run(steps: &[Step], minutes: &[u16]) -> Result<Stats, TestCaseError> {
    let start = NaiveDateTime::parse_from_str("2026-12-30 08:00", "%Y-%m-%d %H:%M").unwrap();
    let mut r = Run {
        live: LiveMap::new().unwrap(),
        log: Vec::new(),
        snapshots: Vec::new(),
        frame: Frame::default(),
        cases: Vec::new(),
        now: start,
        stats: Stats::default(),
    };
    for (n, s) in steps.iter().enumerate() {
        // Time passes between steps: up to ten hours, so deadlines pass and a day's closures and
        // alerts leave the map within a run.
        r.now += TimeDelta::minutes(i64::from(minutes.get(n).copied().unwrap_or(30)));
        let now = r.ts(r.now);
        match s {
            Step::Report { dx, dy, hours, soon } => {
                let (lon, lat) = Run::point(*dx, *dy);
                let deadline = hours.map(|h| r.now + TimeDelta::hours(i64::from(h)));
                let c = CaseDto {
                    lon,
                    lat,
                    deadline: deadline.map(|d| r.ts(d)),
                    due_soon_at: deadline.filter(|_| *soon).map(|d| r.ts(d - TimeDelta::hours(1))),
                    created_at: now,
                    updated_at: now,
                    ..fixture::case(r.cases.len() as i64 + 1)
                };
                let c = slim_case(&c, now);
                r.cases.push(c.clone());
                r.event(EventBody::Case { case: Box::new(c) });
            }
            Step::Change { which, to, hours } => {
                if r.cases.is_empty() {
                    continue;
                }
                let i = which % r.cases.len();
                let mut c = r.cases[i].clone();
                if c.status == CaseStatus::Cancelled {
                    continue;
                }
                c.status =
                    [CaseStatus::Active, CaseStatus::Suspended, CaseStatus::Closed, CaseStatus::Cancelled]
                        [usize::from(*to)];
                c.deadline = hours
                    .filter(|_| c.status == CaseStatus::Active)
                    .map(|h| r.ts(r.now + TimeDelta::hours(i64::from(h))));
                c.due_soon_at = None;
                c.updated_at = now;
                let c = slim_case(&c, now);
                r.cases[i] = c.clone();
                r.event(EventBody::Case { case: Box::new(c) });
            }
            Step::Fix { vehicle, dx, dy } => {
                let (lon, lat) = Run::point(*dx, *dy);
                r.event(EventBody::Vehicle {
                    vehicle_id: format!("QD-TRUCK-{vehicle:03}"),
                    lon,
                    lat,
                    speed_kmh: 20.0,
                    heading_deg: 90.0,
                });
            }
            Step::Alert { alert, dx, dy } => {
                let (lon, lat) = Run::point(*dx, *dy);
                r.event(EventBody::Alert {
                    alert_id: format!("A{alert}-{n}"),
                    rule: "hotspot".into(),
                    message: "热点".into(),
                    lon,
                    lat,
                });
            }
            Step::Snapshot => {
                let mut f = r.frame.clone();
                f.age(r.now);
                r.snapshots.push((serde_json::to_string(&f).unwrap(), r.now));
            }
            Step::Check => r.check()?,
        }
    }
    r.check()?;
    Ok(r.stats)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 200,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5EED_0011),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_picture_rebuilt_from_a_snapshot_and_the_events_since_is_the_live_one(
        steps in prop::collection::vec(step(), 1..80),
        minutes in prop::collection::vec(0..600u16, 80),
    ) {
        run(&steps, &minutes)?;
    }
}

/// The property is not vacuous: in a long run closed cases and alerts leave the map, and the
/// pictures compared hold cases of every class, trucks and alerts.
#[test]
fn a_long_run_exercises_every_class_and_both_expiries() {
    let steps: Vec<Step> = (0..400i32)
        .map(|i| match i % 10 {
            0..=2 => Step::Report {
                dx: (i * 37 % 800) - 400,
                dy: (i * 53 % 800) - 400,
                hours: Some((i % 30 + 1) as u8),
                soon: i % 2 == 0,
            },
            3 | 4 => Step::Change { which: i as usize * 7, to: (i % 4) as u8, hours: Some(5) },
            5 => Step::Fix { vehicle: (i % 6) as u8, dx: i % 400, dy: -(i % 300) },
            6 => Step::Alert { alert: (i % 10) as u8, dx: -(i % 400), dy: i % 300 },
            7 => Step::Snapshot,
            // Due in an hour, due soon from now: the check half an hour later sees it yellow.
            8 => Step::Report { dx: i % 300, dy: i % 200, hours: Some(1), soon: true },
            _ => Step::Check,
        })
        .collect();
    let minutes: Vec<u16> = (0..400).map(|i| [5, 40, 180, 20, 30][i % 5]).collect();
    let stats = run(&steps, &minutes).unwrap();
    assert!(stats.checks >= 40, "{stats:?}");
    assert!(stats.expired > 0, "{stats:?}");
    for class in
        ["Cases Open", "Cases DueSoon", "Cases Overdue", "Cases Closed", "Trucks Open", "Alerts Open"]
    {
        assert!(stats.seen.contains(class), "{class} never compared: {stats:?}");
    }
}
