//! The synthetic city's statistics: how many reports arrive when, from which channel, of which
//! type, where, and how each case then moves through the loop. Pure and seeded: the same seed
//! gives the same city. Every figure here is **synthetic** — a plausible model anchored on the
//! published Qingdao totals (9.54 million cases in 2023, 99.84 % closed; 3,700 inspectors), not
//! real case records.

use chrono::{NaiveDateTime, Timelike};
use cityops_api::{Channel, TypeKey, TypeKind};
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_distr::{Distribution, Poisson};

/// Cases per year in Qingdao (2023, published).
pub const CASES_PER_YEAR: f64 = 9_540_000.0;
/// Mean cases per day.
pub const CASES_PER_DAY: f64 = CASES_PER_YEAR / 365.0;
/// Field inspectors (监督员).
pub const INSPECTORS: usize = 3_700;

/// Relative arrival intensity per hour of day (China Standard Time; normalised to mean 1 where
/// used): inspectors work
/// day shifts, the hotline peaks in office hours, cameras see more in daylight. cityops' model.
pub const HOURLY: [f64; 24] = [
    0.25, 0.18, 0.14, 0.12, 0.14, 0.30, 0.65, 1.10, 1.65, 1.90, 1.85, 1.60, //
    1.20, 1.45, 1.80, 1.85, 1.75, 1.45, 1.05, 0.80, 0.65, 0.50, 0.35, 0.28,
];

/// Share of reports by channel (active discovery by inspectors dominates digital 城管; cameras
/// are the fastest-growing source). cityops' model, labelled synthetic.
pub const CHANNEL_MIX: [(Channel, f64); 4] = [
    (Channel::Inspector, 0.62),
    (Channel::VideoAi, 0.18),
    (Channel::Hotline, 0.13),
    (Channel::Citizen, 0.07),
];

/// The most frequent matter types and their share; the rest of the share is spread evenly over
/// all other GB/T 47678.5 matter types.
pub const TOP_TYPES: [(&str, f64); 12] = [
    ("06010", 0.15), // 暴露垃圾
    ("09006", 0.10), // 占道经营
    ("09009", 0.09), // 机动车乱停放
    ("07001", 0.08), // 非法小广告
    ("06012", 0.07), // 道路不洁
    ("09005", 0.06), // 店外经营
    ("06011", 0.05), // 积存垃圾渣土
    ("06042", 0.04), // 垃圾站(箱)满溢
    ("06013", 0.03), // 道路破损
    ("08002", 0.03), // 施工占道
    ("08004", 0.02), // 工地扬尘
    ("06001", 0.02), // 私搭乱建
];

/// Expected arrivals per simulated minute at `t`.
pub fn rate_per_minute(t: NaiveDateTime) -> f64 {
    let h = t.hour() as usize;
    let frac = f64::from(t.minute()) / 60.0;
    let next = HOURLY[(h + 1) % 24];
    let mean = HOURLY.iter().sum::<f64>() / 24.0;
    let intensity = (HOURLY[h] * (1.0 - frac) + next * frac) / mean;
    CASES_PER_DAY / (24.0 * 60.0) * intensity
}

/// Writes one report costs the service over its life: the report and the six actions that take
/// it through the loop (受理, 立案, 派遣, 反馈, 核查, 结案).
pub const WRITES_PER_REPORT: f64 = 7.0;

/// How much of the city a run can send: at high time scales the city's full rate exceeds what
/// a service can write, so the simulator files a share of the reports (each arrival kept with
/// this probability) and sends truck fixes and sensor readings only every `feed_stride_min`
/// simulated minutes. 1.0 and 1 mean the full city.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thinning {
    /// Probability that an arrival is filed.
    pub report_share: f64,
    /// Truck fixes and sensor readings every this many simulated minutes.
    pub feed_stride_min: u32,
}

/// The thinning that keeps a run at `scale` within `budget` writes per real second: reports
/// (at the day's peak rate) get up to half the budget, truck fixes and sensor readings
/// (`feed_items_per_min` per simulated minute) the rest.
pub fn thinning(scale: f64, budget: f64, feed_items_per_min: f64) -> Thinning {
    let sim_min_per_sec = scale / 60.0;
    let mean = HOURLY.iter().sum::<f64>() / 24.0;
    let peak = HOURLY.iter().copied().fold(0.0, f64::max) / mean * CASES_PER_DAY / (24.0 * 60.0);
    let report_demand = peak * sim_min_per_sec * WRITES_PER_REPORT;
    let report_budget = report_demand.min(budget / 2.0);
    let report_share = if report_demand > 0.0 { (report_budget / report_demand).min(1.0) } else { 1.0 };
    let feed_demand = feed_items_per_min * sim_min_per_sec;
    let feed_budget = (budget - report_budget).max(1.0);
    let stride = (feed_demand / feed_budget).ceil().clamp(1.0, 24.0 * 60.0);
    Thinning { report_share, feed_stride_min: stride as u32 }
}

/// Number of arrivals in `[from, to)`: Poisson with the integrated rate.
pub fn arrivals(rng: &mut impl Rng, from: NaiveDateTime, to: NaiveDateTime) -> u64 {
    let minutes = (to - from).num_milliseconds() as f64 / 60_000.0;
    if minutes <= 0.0 {
        return 0;
    }
    let mid = from + (to - from) / 2;
    let lambda = rate_per_minute(mid) * minutes;
    match Poisson::new(lambda) {
        Ok(p) => p.sample(rng) as u64,
        Err(_) => 0,
    }
}

/// Draw a channel.
pub fn channel(rng: &mut impl Rng) -> Channel {
    let x: f64 = rng.random();
    let mut acc = 0.0;
    for (c, share) in CHANNEL_MIX {
        acc += share;
        if x < acc {
            return c;
        }
    }
    Channel::Inspector
}

/// Draw a matter type among `all` (the catalogue's matter codes), `video` restricted to the
/// video-AI types when the channel is a camera.
pub fn type_key(rng: &mut impl Rng, all: &[String], video: &[String], ch: Channel) -> TypeKey {
    let code = if ch == Channel::VideoAi && !video.is_empty() {
        video.choose(rng).cloned().unwrap_or_else(|| "06010".into())
    } else {
        let x: f64 = rng.random();
        let mut acc = 0.0;
        let mut pick = None;
        for (code, share) in TOP_TYPES {
            acc += share;
            if x < acc {
                pick = Some(code.to_owned());
                break;
            }
        }
        pick.unwrap_or_else(|| all.choose(rng).cloned().unwrap_or_else(|| "06010".into()))
    };
    TypeKey { kind: TypeKind::Matter, code }
}

/// What happens to a case, decided when it is filed. Delays are simulated minutes after the
/// previous step; `feedback_at` is a fraction of the handling time (deadline − dispatch).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// 受理/核实 after the report.
    pub accept_after: i64,
    /// 作废 instead of 立案 (invalid report).
    pub cancel: bool,
    /// 立案 after 受理.
    pub register_after: i64,
    /// 派遣 after 立案.
    pub dispatch_after: i64,
    /// The unit returns the case (回退) this long after 派遣; it is then re-dispatched.
    pub returned_after: Option<i64>,
    /// 反馈 at this fraction of the handling time (> 1 = late).
    pub feedback_at: f64,
    /// 核查 after 反馈.
    pub verify_after: i64,
    /// 核查 fails once (返工) and the unit feeds back again this long after.
    pub rework_after: Option<i64>,
    /// 结案 after 核查.
    pub close_after: i64,
}

/// Share of reports cancelled at acceptance (invalid, duplicate, not a city-management matter).
pub const CANCEL_SHARE: f64 = 0.015;
/// Share of dispatches returned by the unit (回退).
pub const RETURN_SHARE: f64 = 0.03;
/// Share of feedbacks after the deadline (→ 超时结案; 99.84 % closed overall, most in time).
pub const LATE_SHARE: f64 = 0.06;
/// Share of checks that fail (返工).
pub const REWORK_SHARE: f64 = 0.025;

/// Draw a case's plan.
pub fn plan(rng: &mut impl Rng) -> Plan {
    Plan {
        accept_after: rng.random_range(2..=20),
        cancel: rng.random_bool(CANCEL_SHARE),
        register_after: rng.random_range(2..=15),
        dispatch_after: rng.random_range(2..=15),
        returned_after: rng.random_bool(RETURN_SHARE).then(|| rng.random_range(10..=60)),
        feedback_at: if rng.random_bool(LATE_SHARE) {
            rng.random_range(1.05..1.8)
        } else {
            rng.random_range(0.15..0.9)
        },
        verify_after: rng.random_range(10..=50),
        rework_after: rng.random_bool(REWORK_SHARE).then(|| rng.random_range(30..=120)),
        close_after: rng.random_range(5..=30),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    const SEED_1: u64 = 0x5EED_0001;

    #[test]
    fn the_hourly_profile_averages_to_the_published_daily_total() {
        let day = NaiveDateTime::parse_from_str("2026-03-02 00:00", "%Y-%m-%d %H:%M").unwrap();
        let per_day: f64 = (0..24 * 60).map(|m| rate_per_minute(day + chrono::TimeDelta::minutes(m))).sum();
        assert!((per_day / CASES_PER_DAY - 1.0).abs() < 0.01, "{per_day}");
        assert!((CASES_PER_DAY - 26_137.0).abs() < 1.0);
    }

    #[test]
    fn the_full_city_runs_up_to_the_readme_speed_and_is_thinned_beyond() {
        // 749 trucks + 1,400 sensors a minute.
        let feed = 749.0 + 1400.0;
        for scale in [1.0, 60.0] {
            assert_eq!(
                thinning(scale, 4000.0, feed),
                Thinning { report_share: 1.0, feed_stride_min: 1 },
                "{scale}"
            );
        }
        // 120× with sensors every 10 minutes (the hour test) is still the full city; with every
        // sensor each minute, fixes and readings go every 2 minutes.
        assert_eq!(thinning(120.0, 4000.0, 749.0 + 140.0).feed_stride_min, 1);
        assert_eq!(thinning(120.0, 4000.0, feed), Thinning { report_share: 1.0, feed_stride_min: 2 });
        // 3600×: the peak rate (≈ 36 reports a simulated minute) asks ≈ 15,000 writes a second; half
        // the budget goes to reports, the other half to feeds (2149 × 60 / 2000 → every 65 min).
        let t = thinning(3600.0, 4000.0, feed);
        let mean = HOURLY.iter().sum::<f64>() / 24.0;
        let peak = 1.90 / mean * CASES_PER_DAY / 1440.0;
        assert!((t.report_share - 2000.0 / (peak * 60.0 * WRITES_PER_REPORT)).abs() < 1e-9, "{t:?}");
        assert_eq!(t.feed_stride_min, 65);
        // Writes asked per real second stay within the budget.
        let asked =
            peak * 60.0 * WRITES_PER_REPORT * t.report_share + feed * 60.0 / f64::from(t.feed_stride_min);
        assert!(asked <= 4000.0 + 1e-6, "{asked}");
    }

    #[test]
    fn seeded_draws_follow_the_mixes() {
        let mut rng = ChaCha8Rng::seed_from_u64(SEED_1);
        let n = 100_000;
        let mut counts = std::collections::HashMap::new();
        for _ in 0..n {
            *counts.entry(channel(&mut rng)).or_insert(0usize) += 1;
        }
        for (c, share) in CHANNEL_MIX {
            let got = counts[&c] as f64 / n as f64;
            assert!((got - share).abs() < 0.01, "{c:?}: {got} vs {share}");
        }
        let all: Vec<String> = (1..=50).map(|i| format!("06{i:03}")).collect();
        let video = vec!["09006".to_owned()];
        let mut rng = ChaCha8Rng::seed_from_u64(SEED_1);
        let t = type_key(&mut rng, &all, &video, Channel::VideoAi);
        assert_eq!(t.code, "09006", "cameras report only video-AI types");
        let exposed =
            (0..n).filter(|_| type_key(&mut rng, &all, &video, Channel::Inspector).code == "06010").count();
        let share = exposed as f64 / n as f64;
        assert!((0.15..0.17).contains(&share), "{share}");
    }

    #[test]
    fn arrivals_in_an_hour_match_the_rate() {
        let mut rng = ChaCha8Rng::seed_from_u64(SEED_1);
        let nine = NaiveDateTime::parse_from_str("2026-03-02 09:00", "%Y-%m-%d %H:%M").unwrap();
        let total: u64 = (0..60)
            .map(|m| {
                arrivals(
                    &mut rng,
                    nine + chrono::TimeDelta::minutes(m),
                    nine + chrono::TimeDelta::minutes(m + 1),
                )
            })
            .sum();
        let expected: f64 =
            (0..60).map(|m| rate_per_minute(nine + chrono::TimeDelta::minutes(m))).sum::<f64>();
        // Poisson: 4 standard deviations.
        assert!((total as f64 - expected).abs() < 4.0 * expected.sqrt(), "{total} vs {expected}");
    }

    #[test]
    fn plans_mix_the_exception_paths() {
        let mut rng = ChaCha8Rng::seed_from_u64(SEED_1);
        let plans: Vec<Plan> = (0..20_000).map(|_| plan(&mut rng)).collect();
        let share =
            |f: &dyn Fn(&Plan) -> bool| plans.iter().filter(|p| f(p)).count() as f64 / plans.len() as f64;
        assert!((share(&|p| p.cancel) - CANCEL_SHARE).abs() < 0.005);
        assert!((share(&|p| p.returned_after.is_some()) - RETURN_SHARE).abs() < 0.006);
        assert!((share(&|p| p.feedback_at > 1.0) - LATE_SHARE).abs() < 0.008);
        assert!((share(&|p| p.rework_after.is_some()) - REWORK_SHARE).abs() < 0.006);
    }
}
