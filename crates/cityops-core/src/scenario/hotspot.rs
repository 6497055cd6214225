//! The hotspot rule (高发预警): when `count` cases of one problem type are reported within
//! `radius_m` of each other's newest within `window_hours`, an alert is raised at their centre,
//! once per hotspot and window (a later report near an alerted hotspot of the same type adds to
//! it without alarming again). Fed with every new case in report order; time is a parameter.
//!
//! Each type's recent reports are held in an R-tree beside their arrival order, so a new report
//! costs a box query around it, not a distance to every report of its type in the window (a
//! common type collects thousands a day).

use std::collections::{BTreeSet, HashMap, VecDeque};

use chrono::{NaiveDateTime, TimeDelta};
use cityops_api::TypeKey;
use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::{Alert, RuleKind, Severity, haversine, lonlat_box};
use crate::scenario::config::HotspotConfig;

/// A recent report in the index: its position, with its time and case id.
type Spot = GeomWithData<[f64; 2], (NaiveDateTime, i64)>;

/// One type's reports within the window: in arrival order (to let them go) and indexed by place.
#[derive(Debug, Clone, Default)]
struct Recent {
    order: VecDeque<Spot>,
    index: RTree<Spot>,
}

/// A recent report.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Report {
    lon: f64,
    lat: f64,
    at: NaiveDateTime,
}

/// The hotspot rule's state: the recent reports of each type and the hotspots already alerted.
#[derive(Debug, Clone, Default)]
pub struct HotspotMonitor {
    cfg: HotspotConfig,
    recent: HashMap<TypeKey, Recent>,
    raised: HashMap<TypeKey, Vec<Report>>,
    /// The cases within the window (a replay of one changes nothing).
    seen: BTreeSet<i64>,
    /// The latest report time seen: a report a window older than it can join no hotspot.
    newest: Option<NaiveDateTime>,
}

impl HotspotMonitor {
    /// A rule with these settings.
    pub fn new(cfg: HotspotConfig) -> Self {
        HotspotMonitor { cfg, ..Default::default() }
    }

    fn window(&self) -> TimeDelta {
        TimeDelta::hours(i64::from(self.cfg.window_hours))
    }

    /// A new case `id` of `type_key` (named `name`) reported at `lon, lat` at `at`: the alert
    /// if it completes a hotspot. A case seen before changes nothing (replays are harmless).
    pub fn on_case(
        &mut self,
        id: i64,
        type_key: &TypeKey,
        name: &str,
        lon: f64,
        lat: f64,
        at: NaiveDateTime,
    ) -> Option<Alert> {
        let window = self.window();
        if self.newest.is_some_and(|n| at < n - window) || !self.seen.insert(id) {
            return None;
        }
        self.newest = self.newest.max(Some(at));
        let since = at - window;
        let recent = self.recent.entry(type_key.clone()).or_default();
        while let Some(old) = recent.order.front().filter(|r| r.data.0 < since).copied() {
            recent.order.pop_front();
            recent.index.remove(&old);
            self.seen.remove(&old.data.1);
        }
        let spot = Spot::new([lon, lat], (at, id));
        recent.order.push_back(spot);
        recent.index.insert(spot);
        // Beside a hotspot already alerted it adds to it: nothing to count.
        let raised = self.raised.entry(type_key.clone()).or_default();
        raised.retain(|r| r.at >= since);
        if raised.iter().any(|r| haversine([r.lon, r.lat], [lon, lat]) <= self.cfg.radius_m) {
            return None;
        }
        let near: Vec<Report> = recent
            .index
            .locate_in_envelope(&lonlat_box(lon, lat, self.cfg.radius_m))
            .filter(|r| r.data.0 >= since && haversine(*r.geom(), [lon, lat]) <= self.cfg.radius_m)
            .map(|r| Report { lon: r.geom()[0], lat: r.geom()[1], at: r.data.0 })
            .collect();
        if near.len() < self.cfg.count as usize {
            return None;
        }
        let n = near.len() as f64;
        let (clon, clat) =
            (near.iter().map(|r| r.lon).sum::<f64>() / n, near.iter().map(|r| r.lat).sum::<f64>() / n);
        raised.push(Report { lon: clon, lat: clat, at });
        Some(Alert {
            id: format!("hotspot:{}:{id}", type_key.code),
            rule: RuleKind::Hotspot,
            subject_id: type_key.code.clone(),
            message_zh: format!(
                "{name}高发:{} 小时内 {:.0} 米范围内已有 {} 件",
                self.cfg.window_hours,
                self.cfg.radius_m,
                near.len()
            ),
            lon: clon,
            lat: clat,
            at,
            severity: Severity::Warning,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cityops_api::TypeKind;

    fn t(m: i64) -> NaiveDateTime {
        NaiveDateTime::parse_from_str("2026-03-02 08:00", "%Y-%m-%d %H:%M").unwrap() + TimeDelta::minutes(m)
    }

    fn key(code: &str) -> TypeKey {
        TypeKey { kind: TypeKind::Matter, code: code.into() }
    }

    /// About `m` metres east of 五四广场.
    fn east(m: f64) -> (f64, f64) {
        (120.3826 + m / 89_900.0, 36.0671)
    }

    #[test]
    fn five_reports_of_one_type_within_200_m_and_24_h_raise_one_alert() {
        let mut h = HotspotMonitor::new(HotspotConfig::default());
        let garbage = key("06010");
        let mut alerts = Vec::new();
        for (i, m) in [0.0, 50.0, 120.0, 180.0].iter().enumerate() {
            let (lon, lat) = east(*m);
            alerts.extend(h.on_case(i as i64 + 1, &garbage, "暴露垃圾", lon, lat, t(i as i64 * 30)));
        }
        assert!(alerts.is_empty(), "four is not yet a hotspot");
        // Another type nearby and the same type 2 km away do not count.
        let (lon, lat) = east(60.0);
        assert!(h.on_case(10, &key("06011"), "积存垃圾渣土", lon, lat, t(130)).is_none());
        let (lon, lat) = east(2000.0);
        assert!(h.on_case(11, &garbage, "暴露垃圾", lon, lat, t(140)).is_none());
        // The fifth within 200 m of it: an alert at the centre, named.
        let (lon, lat) = east(100.0);
        let a = h.on_case(12, &garbage, "暴露垃圾", lon, lat, t(150)).unwrap();
        assert_eq!(a.id, "hotspot:06010:12");
        assert_eq!(a.rule, RuleKind::Hotspot);
        assert!(a.message_zh.contains("暴露垃圾") && a.message_zh.contains("5 件"), "{}", a.message_zh);
        let (clon, _) = east(90.0);
        assert!((a.lon - clon).abs() < 1e-6, "centre of the five");
        // A sixth adds to the hotspot without a second alert; a replay changes nothing.
        let (lon, lat) = east(10.0);
        assert!(h.on_case(13, &garbage, "暴露垃圾", lon, lat, t(160)).is_none());
        assert!(h.on_case(12, &garbage, "暴露垃圾", lon, lat, t(150)).is_none());
    }

    #[test]
    fn reports_outside_the_window_do_not_count_and_a_later_hotspot_alerts_again() {
        let mut h = HotspotMonitor::new(HotspotConfig { count: 3, radius_m: 100.0, window_hours: 2 });
        let k = key("06010");
        let (lon, lat) = east(0.0);
        assert!(h.on_case(1, &k, "暴露垃圾", lon, lat, t(0)).is_none());
        assert!(h.on_case(2, &k, "暴露垃圾", lon, lat, t(10)).is_none());
        // Three hours later the first two are out of the window.
        assert!(h.on_case(3, &k, "暴露垃圾", lon, lat, t(180)).is_none());
        assert!(h.on_case(4, &k, "暴露垃圾", lon, lat, t(190)).is_none());
        assert!(h.on_case(5, &k, "暴露垃圾", lon, lat, t(200)).is_some());
        // Once the alerted window has passed, the same place can alarm again.
        assert!(h.on_case(6, &k, "暴露垃圾", lon, lat, t(330)).is_none());
        assert!(h.on_case(7, &k, "暴露垃圾", lon, lat, t(335)).is_none());
        assert!(h.on_case(8, &k, "暴露垃圾", lon, lat, t(340)).is_some());
    }

    /// The rule as first written (every report of the type in the window measured), the oracle
    /// of the indexed one: the alerts of both are the same for the same reports.
    fn brute_force(cfg: &HotspotConfig, reports: &[(i64, TypeKey, f64, f64, NaiveDateTime)]) -> Vec<Alert> {
        let window = TimeDelta::hours(i64::from(cfg.window_hours));
        let mut out = Vec::new();
        let mut raised: Vec<(TypeKey, Report)> = Vec::new();
        for (i, (id, k, lon, lat, at)) in reports.iter().enumerate() {
            let since = *at - window;
            let near: Vec<&(i64, TypeKey, f64, f64, NaiveDateTime)> = reports[..=i]
                .iter()
                .filter(|r| r.1 == *k && r.4 >= since && haversine([r.2, r.3], [*lon, *lat]) <= cfg.radius_m)
                .collect();
            let alerted = raised.iter().any(|(rk, r)| {
                rk == k && r.at >= since && haversine([r.lon, r.lat], [*lon, *lat]) <= cfg.radius_m
            });
            if near.len() < cfg.count as usize || alerted {
                continue;
            }
            let n = near.len() as f64;
            let (clon, clat) =
                (near.iter().map(|r| r.2).sum::<f64>() / n, near.iter().map(|r| r.3).sum::<f64>() / n);
            raised.push((k.clone(), Report { lon: clon, lat: clat, at: *at }));
            out.push(Alert {
                id: format!("hotspot:{}:{id}", k.code),
                rule: RuleKind::Hotspot,
                subject_id: k.code.clone(),
                message_zh: format!(
                    "x高发:{} 小时内 {:.0} 米范围内已有 {} 件",
                    cfg.window_hours,
                    cfg.radius_m,
                    near.len()
                ),
                lon: clon,
                lat: clat,
                at: *at,
                severity: Severity::Warning,
            });
        }
        out
    }

    #[test]
    fn the_indexed_rule_raises_what_measuring_every_report_raises() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x1A6E_5700);
        let cfg = HotspotConfig { count: 4, radius_m: 150.0, window_hours: 6 };
        let types = [key("06010"), key("06011"), key("01002")];
        let mut reports = Vec::new();
        let mut minute = 0;
        for id in 1..=3000 {
            minute += rng.random_range(0..4);
            let (lon, lat) = east(rng.random_range(0.0..3000.0));
            let lat = lat + rng.random_range(-0.01..0.01);
            reports.push((id, types[rng.random_range(0..types.len())].clone(), lon, lat, t(minute)));
        }
        let mut h = HotspotMonitor::new(cfg);
        let got: Vec<Alert> = reports
            .iter()
            .filter_map(|(id, k, lon, lat, at)| h.on_case(*id, k, "x", *lon, *lat, *at))
            .collect();
        let want = brute_force(&cfg, &reports);
        assert!(want.len() > 20, "the reports raise alerts: {}", want.len());
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!((&g.id, &g.message_zh, g.at), (&w.id, &w.message_zh, w.at));
            assert!((g.lon - w.lon).abs() < 1e-9 && (g.lat - w.lat).abs() < 1e-9, "{g:?} {w:?}");
        }
        // Only the window is held.
        assert!(h.seen.len() < 400, "{} ids held", h.seen.len());
    }
}
