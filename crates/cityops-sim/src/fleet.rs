//! Waste trucks on their routes and construction-site sensors — **synthetic**. Each of the 749
//! trucks drives its route once a morning on a timetable that reaches every stop in the middle of
//! its service window (driving at 18 km/h before the first and after the last stop); a few
//! trucks run late on a given day (stops served outside their window) and a few leave their
//! route for a while (so the route rules have work).
//! Every site's dust (PM10, µg/m³) and noise (dB(A)) sensors read once a minute around a diurnal
//! baseline; a few sites have an episode above the limits each day. Pure and seeded.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike};
use cityops_api::{GpsFixDto, SensorReadingDto};
use cityops_core::citypack::ops::OpsLayers;
use cityops_core::geom::{to_local, to_lonlat};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Truck speed along its route, km/h.
pub const TRUCK_KMH: f64 = 18.0;
/// Share of truck-days with a detour off the route.
pub const DETOUR_SHARE: f64 = 0.04;
/// Share of truck-days running late (the whole timetable 50 minutes behind).
pub const LATE_SHARE: f64 = 0.05;
/// Share of site-days with a dust episode; the same for noise.
pub const EPISODE_SHARE: f64 = 0.03;

#[derive(Debug, Clone)]
struct Truck {
    id: String,
    /// Route polyline in local metres and cumulative distance at each vertex.
    line: Vec<[f64; 2]>,
    cum: Vec<f64>,
    /// Timetable: (minute of the day, distance along the line in metres), increasing in both.
    timetable: Vec<(f64, f64)>,
}

/// Metres a truck drives in a minute.
fn metres_per_min() -> f64 {
    TRUCK_KMH * 1000.0 / 60.0
}

/// The timetable of a route: each stop at the middle of its window, at the line vertex nearest
/// to it; driving time at 18 km/h before the first and after the last stop.
fn timetable(line: &[[f64; 2]], cum: &[f64], stops: &[cityops_core::scenario::Stop]) -> Vec<(f64, f64)> {
    let minute = |t: NaiveTime| f64::from(t.hour()) * 60.0 + f64::from(t.minute());
    let mut knots: Vec<(f64, f64)> = Vec::new();
    let mut last_d = 0.0_f64;
    for stop in stops {
        let p = to_local(stop.lon, stop.lat);
        let nearest = (0..line.len())
            .min_by(|&a, &b| {
                let da = (line[a][0] - p[0]).powi(2) + (line[a][1] - p[1]).powi(2);
                let db = (line[b][0] - p[0]).powi(2) + (line[b][1] - p[1]).powi(2);
                da.total_cmp(&db)
            })
            .unwrap_or(0);
        let d = cum[nearest].max(last_d);
        let target = (minute(stop.window.0) + minute(stop.window.1)) / 2.0;
        let t = match knots.last() {
            Some(&(pt, pd)) => target.max(pt + (d - pd) / metres_per_min()),
            None => target,
        };
        knots.push((t, d));
        last_d = d;
    }
    let total = cum.last().copied().unwrap_or(0.0);
    let (first_t, first_d) = knots.first().copied().unwrap_or((300.0, 0.0));
    let (last_t, last_d) = knots.last().copied().unwrap_or((300.0, 0.0));
    let mut out = vec![(first_t - first_d / metres_per_min(), 0.0)];
    out.extend(knots);
    out.push((last_t + (total - last_d) / metres_per_min() + 1.0, total));
    // Strictly increasing times (a zero-length leg still takes a moment).
    for i in 1..out.len() {
        if out[i].0 <= out[i - 1].0 {
            out[i].0 = out[i - 1].0 + 0.01;
        }
    }
    out
}

#[derive(Debug, Clone)]
struct SiteSensors {
    dust: String,
    noise: String,
}

/// The fleet and the sensors.
#[derive(Debug, Clone)]
pub struct Fleet {
    trucks: Vec<Truck>,
    sites: Vec<SiteSensors>,
    seed: u64,
}

impl Fleet {
    /// From the city's operations layers.
    pub fn new(ops: &OpsLayers, seed: u64) -> Self {
        let trucks = ops
            .routes
            .iter()
            .filter(|r| r.route.line.len() >= 2)
            .map(|r| {
                let line: Vec<[f64; 2]> = r.route.line.iter().map(|p| to_local(p[0], p[1])).collect();
                let mut cum = vec![0.0];
                for w in line.windows(2) {
                    let d = ((w[1][0] - w[0][0]).powi(2) + (w[1][1] - w[0][1]).powi(2)).sqrt();
                    cum.push(cum.last().copied().unwrap_or(0.0) + d);
                }
                let timetable = timetable(&line, &cum, &r.route.stops);
                Truck { id: r.route.truck_id.clone(), line, cum, timetable }
            })
            .collect();
        let sites = ops
            .sites
            .iter()
            .map(|s| SiteSensors { dust: s.dust_sensor_id.clone(), noise: s.noise_sensor_id.clone() })
            .collect();
        Self { trucks, sites, seed }
    }

    /// Number of trucks.
    pub fn trucks(&self) -> usize {
        self.trucks.len()
    }

    /// Number of sites.
    pub fn sites(&self) -> usize {
        self.sites.len()
    }

    fn day_rng(&self, salt: u64, date: NaiveDate, i: usize) -> ChaCha8Rng {
        let day = chrono::Datelike::num_days_from_ce(&date) as u64;
        ChaCha8Rng::seed_from_u64(self.seed ^ salt ^ (day << 20) ^ (i as u64))
    }

    /// The fixes of every truck on the road at `t` (one per truck).
    pub fn fixes(&self, t: NaiveDateTime) -> Vec<GpsFixDto> {
        let minute_of_day = f64::from(t.hour()) * 60.0 + f64::from(t.minute());
        let mut out = Vec::new();
        for (i, tr) in self.trucks.iter().enumerate() {
            let mut rng = self.day_rng(0x7ac0, t.date(), i);
            let late = if rng.random_bool(LATE_SHARE) { 50.0 } else { 0.0 };
            let now = minute_of_day - late;
            let (Some(&(t0, _)), Some(&(t1, _))) = (tr.timetable.first(), tr.timetable.last()) else {
                continue;
            };
            if now < t0 || now > t1 {
                continue;
            }
            let k = tr.timetable.partition_point(|&(kt, _)| kt <= now).clamp(1, tr.timetable.len() - 1);
            let ((ta, da), (tb, db)) = (tr.timetable[k - 1], tr.timetable[k]);
            let along = da + (db - da) * ((now - ta) / (tb - ta)).clamp(0.0, 1.0);
            let speed_kmh = ((db - da) / (tb - ta) * 60.0 / 1000.0).min(60.0);
            let seg = tr.cum.partition_point(|c| *c <= along).clamp(1, tr.line.len() - 1);
            let (a, b) = (tr.line[seg - 1], tr.line[seg]);
            let len = (tr.cum[seg] - tr.cum[seg - 1]).max(1e-9);
            let f = ((along - tr.cum[seg - 1]) / len).clamp(0.0, 1.0);
            let (mut x, mut y) = (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f);
            let heading = (b[0] - a[0]).atan2(b[1] - a[1]).to_degrees().rem_euclid(360.0);
            // A detour: 300 m sideways for 10 minutes, in the middle of the trip.
            if rng.random_bool(DETOUR_SHARE) {
                let mid = (t0 + t1) / 2.0;
                if (mid..mid + 10.0).contains(&now) {
                    let (nx, ny) = (-(b[1] - a[1]) / len, (b[0] - a[0]) / len);
                    x += nx * 300.0;
                    y += ny * 300.0;
                }
            }
            let [lon, lat] = to_lonlat(x, y);
            out.push(GpsFixDto {
                fix_id: format!("{}-{}", tr.id, t.format("%Y%m%d%H%M")),
                vehicle_id: tr.id.clone(),
                lon: (lon * 1e6).round() / 1e6,
                lat: (lat * 1e6).round() / 1e6,
                speed_kmh: (speed_kmh * 10.0).round() / 10.0,
                heading_deg: heading.round(),
                at: cityops_core::calendar::to_timestamp(t),
            });
        }
        out
    }

    /// One reading of every site sensor at minute `t`.
    pub fn readings(&self, t: NaiveDateTime) -> Vec<SensorReadingDto> {
        let h = f64::from(t.hour()) + f64::from(t.minute()) / 60.0;
        let day = (6.0..22.0).contains(&h);
        let mut out = Vec::with_capacity(self.sites.len() * 2);
        for (i, s) in self.sites.iter().enumerate() {
            let mut rng = self.day_rng(0x5e45, t.date(), i);
            // Each site-day may have one dust and one noise episode, at a fixed hour of the day.
            let dust_ep = rng.random_bool(EPISODE_SHARE).then(|| rng.random_range(8.0..16.0));
            let noise_ep = rng.random_bool(EPISODE_SHARE).then(|| rng.random_range(7.0..23.0));
            let base: f64 = rng.random_range(45.0..110.0);
            let mut jitter =
                ChaCha8Rng::seed_from_u64(self.seed ^ (t.and_utc().timestamp() as u64) ^ (i as u64) << 3);
            let mut pm10 = base * (if day { 1.2 } else { 0.8 }) + jitter.random_range(-15.0..15.0);
            if dust_ep.is_some_and(|s| (s..s + 0.75).contains(&h)) {
                pm10 += 260.0;
            }
            let mut noise: f64 = if day { 62.0 } else { 47.0 } + jitter.random_range(-4.0..4.0);
            if noise_ep.is_some_and(|s| (s..s + 0.25).contains(&h)) {
                noise += 18.0;
            }
            let minute = t.format("%Y%m%d%H%M");
            out.push(SensorReadingDto {
                reading_id: format!("{}-{minute}", s.dust),
                sensor_id: s.dust.clone(),
                quantity: "pm10".into(),
                value: (pm10.max(5.0) * 10.0).round() / 10.0,
                at: cityops_core::calendar::to_timestamp(t),
            });
            out.push(SensorReadingDto {
                reading_id: format!("{}-{minute}", s.noise),
                sensor_id: s.noise.clone(),
                quantity: "noise".into(),
                value: (noise * 10.0).round() / 10.0,
                at: cityops_core::calendar::to_timestamp(t),
            });
        }
        out
    }
}

/// Whole minutes in `(from, to]`.
pub fn minutes_between(from: NaiveDateTime, to: NaiveDateTime) -> Vec<NaiveDateTime> {
    let mut t =
        from.with_second(0).and_then(|t| t.with_nanosecond(0)).unwrap_or(from) + TimeDelta::minutes(1);
    let mut out = Vec::new();
    while t <= to {
        out.push(t);
        t += TimeDelta::minutes(1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use cityops_core::citypack::ops::OpsSources;
    use cityops_core::scenario::RouteMonitor;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn trucks_drive_their_routes_in_the_morning_and_sensors_read_every_minute() {
        let ops = OpsLayers::from_sources(&OpsSources::qingdao()).unwrap();
        let fleet = Fleet::new(&ops, 7);
        assert_eq!((fleet.trucks(), fleet.sites()), (749, 700));
        assert!(fleet.fixes(at("2026-03-02 02:00")).is_empty(), "nobody drives at 2 am");
        let seven = fleet.fixes(at("2026-03-02 07:00"));
        assert!(seven.len() > 100, "{} trucks out at 7 am", seven.len());
        // Almost every fix is on its own route (the detours are the exception).
        let mut monitor =
            RouteMonitor::new(ops.scenario_routes(), ops.scenario_compounds(), Default::default()).unwrap();
        let on = seven
            .iter()
            .filter(|f| monitor.route_distance_m(&f.vehicle_id, f.lon, f.lat).unwrap() < 50.0)
            .count();
        assert!(on as f64 >= 0.9 * seven.len() as f64, "{on} of {}", seven.len());
        // A whole morning through the route rule: most stops are served inside their window.
        let mut alerts = Vec::new();
        let mut t = at("2026-03-02 04:00");
        while t <= at("2026-03-02 12:00") {
            for f in fleet.fixes(t) {
                alerts.extend(monitor.on_fix(&f.vehicle_id, f.lon, f.lat, t).unwrap());
            }
            t += TimeDelta::minutes(1);
        }
        alerts.extend(monitor.tick(at("2026-03-02 12:00")));
        let bad = alerts.iter().filter(|a| a.rule != cityops_core::scenario::RuleKind::OffRoute).count();
        assert!((bad as f64) < 0.25 * 5_000.0, "{bad} of 5,000 stops missed or out of their window");
        assert!(
            alerts.iter().any(|a| a.rule == cityops_core::scenario::RuleKind::OffRoute),
            "detours are seen"
        );
        let r = fleet.readings(at("2026-03-02 10:00"));
        assert_eq!(r.len(), 1_400);
        assert!(r.iter().all(|x| x.value > 0.0));
        assert_eq!(minutes_between(at("2026-03-02 10:00"), at("2026-03-02 10:03")).len(), 3);
    }
}
