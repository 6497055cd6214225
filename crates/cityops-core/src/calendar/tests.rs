use proptest::prelude::*;

use super::*;

const DATA: &str = include_str!("../../../../assets/calendar/cn_workdays.toml");

fn cal() -> Calendar {
    Calendar::from_toml(DATA).unwrap()
}

fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn lim(amount: u32, unit: TimeUnit) -> TimeLimitDto {
    TimeLimitDto { amount, unit }
}

fn holiday(name: &str) -> DayKind {
    DayKind::Holiday(name.into())
}

fn makeup(name: &str) -> DayKind {
    DayKind::MakeupWorkday(name.into())
}

#[track_caller]
fn check_add(start: &str, amount: u32, unit: TimeUnit, expect: &str) {
    assert_eq!(cal().add(t(start), lim(amount, unit)).unwrap(), t(expect), "{start} + {amount} {unit:?}");
}

#[test]
fn day_kinds_follow_the_state_council_schedules() {
    let c = cal();
    let cases = [
        // 2025
        ("2025-01-01", holiday("元旦")),
        ("2025-01-26", makeup("春节调休")),
        ("2025-01-28", holiday("春节")),
        ("2025-02-04", holiday("春节")),
        ("2025-02-05", DayKind::Workday),
        ("2025-02-08", makeup("春节调休")),
        ("2025-02-09", DayKind::Weekend),
        ("2025-04-04", holiday("清明节")),
        ("2025-04-27", makeup("劳动节调休")),
        ("2025-05-05", holiday("劳动节")),
        ("2025-06-02", holiday("端午节")),
        ("2025-09-28", makeup("国庆节调休")),
        ("2025-10-08", holiday("国庆节、中秋节")),
        ("2025-10-11", makeup("国庆节调休")),
        // 2026
        ("2026-01-02", holiday("元旦")),
        ("2026-01-04", makeup("元旦调休")),
        ("2026-02-14", makeup("春节调休")),
        ("2026-02-23", holiday("春节")),
        ("2026-02-24", DayKind::Workday),
        ("2026-02-28", makeup("春节调休")),
        ("2026-05-09", makeup("劳动节调休")),
        ("2026-06-19", holiday("端午节")),
        ("2026-09-20", makeup("国庆节调休")),
        ("2026-09-25", holiday("中秋节")),
        ("2026-10-07", holiday("国庆节")),
        ("2026-10-08", DayKind::Workday),
        ("2026-10-10", makeup("国庆节调休")),
        ("2026-11-29", DayKind::Weekend),
    ];
    for (date, kind) in cases {
        assert_eq!(c.day_kind(d(date)).unwrap(), kind, "{date}");
    }
    assert_eq!(c.year(2026).unwrap().source, YearSource::Notice);
}

#[test]
fn working_day_counts_per_year_match_the_schedules() {
    // Oracle: counted independently (a short script over the notices' dates, not this
    // parser): 2025 → 248 working days, 2026 → 248.
    let c = cal();
    for (year, expect) in [(2025, 248), (2026, 248)] {
        assert_eq!(c.working_days(year).unwrap().len(), expect, "{year}");
    }
}

#[test]
fn deadlines_in_working_time_skip_nights_lunch_weekends_and_holidays() {
    use TimeUnit::*;
    // Lunch break skipped: 11:00 + 2 工作时 = 11:00–12:00, 13:30–14:30.
    check_add("2025-03-03 11:00", 2, WorkingHours, "2025-03-03 14:30");
    // Using a period up exactly ends at the period's end.
    check_add("2025-03-03 10:00", 2, WorkingHours, "2025-03-03 12:00");
    // Start at night: counting begins at 08:30 next morning.
    check_add("2025-03-03 20:00", 1, WorkingHours, "2025-03-04 09:30");
    // Friday afternoon over an ordinary weekend.
    check_add("2025-03-07 16:00", 4, WorkingHours, "2025-03-10 11:00");
    // Spring Festival 2026: 2 工作日 = 15 h from Fri 02-13 16:00: 1.5 h Fri, 7.5 h on the
    // make-up Saturday 02-14, holiday 02-15..02-23, 6 h on Tue 02-24 → 16:00.
    check_add("2026-02-13 16:00", 2, WorkingDays, "2026-02-24 16:00");
    // Same without the make-up Saturday would have been 02-25; 1 工作日 from Friday lands on
    // the make-up Saturday.
    check_add("2026-02-13 16:00", 1, WorkingDays, "2026-02-14 16:00");
    // National Day 2025: Tue 09-30 17:00 + 1 工作时 → 10-09 09:00 (10-01..10-08 off).
    check_add("2025-09-30 17:00", 1, WorkingHours, "2025-10-09 09:00");
    // Make-up Sunday 2025-09-28 counts: Fri 09-26 17:00 + 1 工作时 → Sun 09-28 09:00.
    check_add("2025-09-26 17:00", 1, WorkingHours, "2025-09-28 09:00");
    // Labour Day 2026 (05-01..05-05, make-up Sat 05-09).
    check_add("2026-04-30 17:00", 3, WorkingDays, "2026-05-08 17:00");
    check_add("2026-04-30 17:00", 4, WorkingDays, "2026-05-09 17:00");
    // Across the year boundary 2025 → 2026 (元旦 01-01..01-03 off, make-up Sun 01-04).
    check_add("2025-12-31 17:00", 1, WorkingHours, "2026-01-04 09:00");
    // Clock units ignore holidays and working hours.
    check_add("2026-02-15 23:50", 30, ClockMinutes, "2026-02-16 00:20");
    check_add("2025-10-01 10:00", 26, ClockHours, "2025-10-02 12:00");
    // Zero adds nothing.
    check_add("2025-10-01 10:00", 0, WorkingHours, "2025-10-01 10:00");
}

#[test]
fn a_deadline_over_2027_uses_the_statutory_rule_and_says_it_is_provisional() {
    use TimeUnit::*;
    let c = cal();
    // The case: Wed 2026-12-30 10:00 + 5 工作日 (37.5 h). 12-30 6 h (10:00–12:00,
    // 13:30–17:30), 12-31 7.5 h, 2027-01-01 元旦 (Fri) off, weekend, Mon 01-04..Wed 01-06
    // 22.5 h → 1.5 h left on Thu 01-07 → 10:00.
    let dl = c.deadline(t("2026-12-30 10:00"), lim(5, WorkingDays)).unwrap();
    assert_eq!(dl, Deadline { at: t("2027-01-07 10:00"), provisional: true });
    assert!(c.is_working_day(dl.at.date()).unwrap());
    // Inside a notice year: not provisional; clock units never are.
    let dl = c.deadline(t("2026-12-01 10:00"), lim(5, WorkingDays)).unwrap();
    assert!(!dl.provisional);
    assert!(!c.deadline(t("2026-12-31 10:00"), lim(48, ClockHours)).unwrap().provisional);
    // 2027 under the statutory rule: 春节 = 除夕 Fri 02-05 + 初一..初三 02-06..02-08, two of them
    // on the weekend → 补假 Tue 02-09 and Wed 02-10. 国庆 10-01..10-03 (Fri–Sun) → 补假 10-04, 10-05.
    let y = c.year(2027).unwrap();
    assert_eq!(y.source, YearSource::StatutoryProvisional);
    assert!(y.status.starts_with("provisional"));
    let off: Vec<(NaiveDate, &str)> = y.holidays().collect();
    let expect = [
        ("2027-01-01", "元旦"),
        ("2027-02-05", "春节"),
        ("2027-02-06", "春节"),
        ("2027-02-07", "春节"),
        ("2027-02-08", "春节"),
        ("2027-02-09", "春节(补假)"),
        ("2027-02-10", "春节(补假)"),
        ("2027-04-05", "清明节"),
        ("2027-05-01", "劳动节"),
        ("2027-05-02", "劳动节"),
        ("2027-05-03", "劳动节(补假)"),
        ("2027-05-04", "劳动节(补假)"),
        ("2027-06-09", "端午节"),
        ("2027-09-15", "中秋节"),
        ("2027-10-01", "国庆节"),
        ("2027-10-02", "国庆节"),
        ("2027-10-03", "国庆节"),
        ("2027-10-04", "国庆节(补假)"),
        ("2027-10-05", "国庆节(补假)"),
    ];
    assert_eq!(off, expect.iter().map(|(a, b)| (d(a), *b)).collect::<Vec<_>>());
    assert_eq!(y.makeup_workdays().count(), 0);
    // Thu 02-04 17:00 + 1 工作时 skips 02-05..02-10 → Thu 02-11 09:00.
    check_add("2027-02-04 17:00", 1, WorkingHours, "2027-02-11 09:00");
}

#[test]
fn every_statutory_day_is_a_day_off_in_the_published_notices() {
    // Oracle: the notices themselves (bundled, 2025 and 2026): the statutory holidays and the
    // days given back for those on a weekend all lie inside the notices' holiday blocks.
    let c = cal();
    for year in [2025, 2026] {
        let notice = c.year(year).unwrap();
        let off: Vec<NaiveDate> = notice.holidays().map(|(d, _)| d).collect();
        for day in statutory::days_off(year, &[Weekday::Sat, Weekday::Sun]).unwrap() {
            assert!(off.contains(&day.date), "{year}: {} ({}) is not off in the notice", day.date, day.name);
        }
    }
}

#[test]
fn statutory_dates_match_the_dates_published_in_the_notices() {
    // The statutory days named in the State Council notices for 2022–2026 (国务院办公厅关于某年部分
    // 节假日安排的通知): 正月初一, 清明, 端午, 中秋.
    let published = [
        (2022, "2022-02-01", "2022-04-05", "2022-06-03", "2022-09-10"),
        (2023, "2023-01-22", "2023-04-05", "2023-06-22", "2023-09-29"),
        (2024, "2024-02-10", "2024-04-04", "2024-06-10", "2024-09-17"),
        (2025, "2025-01-29", "2025-04-04", "2025-05-31", "2025-10-06"),
        (2026, "2026-02-17", "2026-04-05", "2026-06-19", "2026-09-25"),
    ];
    for (year, spring, qingming, dragon, autumn) in published {
        assert_eq!(statutory::resolve(year, DayRule::Lunar(1, 1)).unwrap(), d(spring), "{year} 春节");
        assert_eq!(statutory::resolve(year, DayRule::Qingming).unwrap(), d(qingming), "{year} 清明");
        assert_eq!(statutory::resolve(year, DayRule::Lunar(5, 5)).unwrap(), d(dragon), "{year} 端午");
        assert_eq!(statutory::resolve(year, DayRule::Lunar(8, 15)).unwrap(), d(autumn), "{year} 中秋");
    }
    // Rule versions: 2024 (2013 revision) has no 除夕 and one day of 劳动节; 2025 has both.
    let y2024 = statutory::holidays(2024).unwrap();
    assert!(!y2024.contains_key(&d("2024-02-09")));
    assert!(!y2024.contains_key(&d("2024-05-02")));
    assert_eq!(y2024.len(), 11);
    let y2025 = statutory::holidays(2025).unwrap();
    assert_eq!(y2025.get(&d("2025-01-28")).map(String::as_str), Some("春节"));
    assert_eq!(y2025.len(), 13);
    // 2008 revision: 春节 = 除夕, 初一, 初二 (2012: 01-22..01-24).
    let y2012 = statutory::holidays(2012).unwrap();
    assert!(y2012.contains_key(&d("2012-01-22")) && !y2012.contains_key(&d("2012-01-25")));
    // When 中秋 falls in 国庆 (2020-10-01), the day carries both names and is one day off.
    let y2020 = statutory::holidays(2020).unwrap();
    assert_eq!(y2020.get(&d("2020-10-01")).map(String::as_str), Some("中秋节、国庆节"));
    assert_eq!(y2020.len(), 10);
}

use statutory::DayRule;

/// An independent oracle for the lunar dates: `tyme4rs`'s own lunar conversion (寿星天文历),
/// where the rule takes them from `icu_calendar` (GB/T 33661-2017).
fn tyme_lunar(year: i32, month: isize, day: usize) -> NaiveDate {
    let s = tyme4rs::tyme::lunar::LunarDay::from_ymd(year as isize, month, day).get_solar_day();
    NaiveDate::from_ymd_opt(s.get_year() as i32, s.get_month() as u32, s.get_day() as u32).unwrap()
}

/// Apparent ecliptic longitude of the sun, degrees, at Julian Ephemeris Day `jde` (Meeus,
/// *Astronomical Algorithms*, 2nd ed., ch. 25, low accuracy: about 0.01°, i.e. 15 minutes).
fn sun_longitude(jde: f64) -> f64 {
    let t = (jde - 2_451_545.0) / 36_525.0;
    let l0 = 280.46646 + 36_000.769_83 * t + 0.000_303_2 * t * t;
    let m = (357.52911 + 35_999.050_29 * t - 0.000_153_7 * t * t).to_radians();
    let c = (1.914_602 - 0.004_817 * t - 0.000_014 * t * t) * m.sin()
        + (0.019_993 - 0.000_101 * t) * (2.0 * m).sin()
        + 0.000_289 * (3.0 * m).sin();
    let omega = (125.04 - 1934.136 * t).to_radians();
    (l0 + c - 0.005_69 - 0.004_78 * omega.sin()).rem_euclid(360.0)
}

fn jd(date: NaiveDate) -> f64 {
    // JD of 00:00 UTC on `date`.
    f64::from(date.num_days_from_ce()) + 1_721_424.5
}

#[test]
fn the_solar_longitude_oracle_reproduces_meeus_example_25a() {
    // 1992 October 13.0 TD: apparent longitude 199.90895° (Meeus, example 25.a).
    assert!((sun_longitude(2_448_908.5) - 199.90895).abs() < 0.001, "{}", sun_longitude(2_448_908.5));
}

/// The CST date on which the sun reaches 15° (Qingming) in `year`, and how far (minutes) that
/// instant is from a midnight.
fn qingming_oracle(year: i32) -> (NaiveDate, f64) {
    let (mut a, mut b) = (jd(d(&format!("{year}-03-30"))), jd(d(&format!("{year}-04-10"))));
    while b - a > 1e-6 {
        let mid = (a + b) / 2.0;
        if sun_longitude(mid) < 15.0 { a = mid } else { b = mid }
    }
    // To CST (+8 h); ΔT (about a minute) is far below the oracle's accuracy.
    let cst = a + 8.0 / 24.0;
    let day0 = d("2000-01-01");
    let days = (cst - jd(day0)).floor();
    let frac_min = (cst - jd(day0) - days) * 24.0 * 60.0;
    (day0 + TimeDelta::days(days as i64), frac_min.min(24.0 * 60.0 - frac_min))
}

#[test]
fn statutory_holidays_fall_on_the_right_dates_every_year_2025_to_2060() {
    for year in 2025..=2060 {
        let days = statutory::holidays(year).unwrap();
        let get = |name: &str| -> Vec<NaiveDate> {
            days.iter().filter(|(_, n)| n.split('、').any(|x| x == name)).map(|(d, _)| *d).collect()
        };
        let ymd = |m, dd| NaiveDate::from_ymd_opt(year, m, dd).unwrap();
        assert_eq!(get("元旦"), [ymd(1, 1)], "{year}");
        assert_eq!(get("劳动节"), [ymd(5, 1), ymd(5, 2)], "{year}");
        assert_eq!(get("国庆节"), [ymd(10, 1), ymd(10, 2), ymd(10, 3)], "{year}");
        let first = tyme_lunar(year, 1, 1);
        let spring = get("春节");
        assert_eq!(
            spring,
            [first.pred_opt().unwrap(), first, first.succ_opt().unwrap(), first + TimeDelta::days(2)],
            "{year} 春节"
        );
        // 除夕 is the last day of the twelfth month: the day before is in month 12 too.
        let eve = tyme4rs::tyme::solar::SolarDay::from_ymd(
            year as isize,
            spring[0].month() as usize,
            spring[0].day() as usize,
        )
        .get_lunar_day();
        assert_eq!(eve.get_lunar_month().get_month(), 12, "{year} 除夕");
        assert_eq!(get("端午节"), [tyme_lunar(year, 5, 5)], "{year} 端午");
        assert_eq!(get("中秋节"), [tyme_lunar(year, 8, 15)], "{year} 中秋");
        let qm = get("清明节");
        let (oracle, from_midnight) = qingming_oracle(year);
        if from_midnight > 30.0 {
            assert_eq!(qm, [oracle], "{year} 清明");
        } else {
            // Within the oracle's error of a midnight: either adjacent day is defensible.
            assert!((qm[0] - oracle).num_days().abs() <= 1, "{year} 清明 {qm:?} vs {oracle}");
        }
        // 13 statutory days (2024 revision), one fewer when 中秋 falls in 国庆.
        let overlap = usize::from(get("中秋节").iter().any(|x| get("国庆节").contains(x)));
        assert_eq!(days.len(), 13 - overlap, "{year}");
    }
}

#[test]
fn days_given_back_follow_weekend_holidays_and_never_land_on_a_weekend_or_holiday() {
    let weekend = [Weekday::Sat, Weekday::Sun];
    for year in 2025..=2060 {
        let days = statutory::days_off(year, &weekend).unwrap();
        let on_weekend = days.iter().filter(|x| !x.substitute && weekend.contains(&x.date.weekday())).count();
        let given_back: Vec<_> = days.iter().filter(|x| x.substitute).collect();
        assert_eq!(given_back.len(), on_weekend, "{year}");
        for g in given_back {
            assert!(!weekend.contains(&g.date.weekday()), "{year} {}", g.date);
            assert!(g.name.ends_with("(补假)"));
        }
    }
}

#[test]
fn years_outside_the_rule_are_errors_not_working_days() {
    let c = cal();
    assert_eq!(c.is_working_day(d("2007-03-01")), Err(CalendarError::NoData { year: 2007 }));
    assert!(c.is_working_day(d("2024-12-31")).unwrap());
    assert!(CalendarError::NoData { year: 2007 }.to_string().contains("2007"));
    assert!(matches!(
        c.add(t("2030-01-01 10:00"), lim(u32::MAX, TimeUnit::ClockHours)),
        Err(CalendarError::OutOfRange { .. })
    ));
    assert_eq!(
        c.add(t("2026-01-01 10:00"), lim(u32::MAX, TimeUnit::WorkingDays)),
        Err(CalendarError::OutOfRange {
            start: t("2026-01-01 10:00"),
            amount: u32::MAX,
            unit: TimeUnit::WorkingDays
        })
    );
    assert_eq!(c.notice_years().map(|y| y.year).collect::<Vec<_>>(), [2025, 2026]);
}

#[test]
fn working_duration_is_the_inverse_of_add() {
    let c = cal();
    // Brute-force oracle: count working minutes one by one.
    let oracle = |from: NaiveDateTime, to: NaiveDateTime| {
        let mut n = 0;
        let mut x = from;
        while x < to {
            if c.is_working_time(x).unwrap() {
                n += 1;
            }
            x += TimeDelta::minutes(1);
        }
        TimeDelta::minutes(n)
    };
    let starts =
        ["2026-02-13 16:00", "2025-09-30 11:45", "2025-12-31 13:00", "2026-04-30 08:00", "2026-12-31 16:00"];
    for s in starts {
        for hours in [1, 3, 8, 16] {
            let end = c.add(t(s), lim(hours, TimeUnit::WorkingHours)).unwrap();
            let got = c.working_duration(t(s), end).unwrap();
            assert_eq!(got, TimeDelta::hours(i64::from(hours)), "{s} + {hours}h");
            assert_eq!(got, oracle(t(s), end), "{s} + {hours}h (oracle)");
        }
    }
    assert_eq!(c.working_duration(t("2025-03-04 10:00"), t("2025-03-03 10:00")).unwrap(), TimeDelta::zero());
}

fn start_strategy() -> impl Strategy<Value = NaiveDateTime> {
    // Any minute from 2026-06-01 to 2031-06-01: crosses notice → provisional and several new years.
    (0i64..(5 * 366 * 24 * 60)).prop_map(|m| t("2026-06-01 00:00") + TimeDelta::minutes(m))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5EED_CA1E),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn working_time_is_monotonic_and_invertible_across_year_boundaries(
        start in start_strategy(),
        a in 0u32..400,
        b in 0u32..400,
    ) {
        let c = cal();
        let ea = c.add(start, lim(a, TimeUnit::WorkingHours)).unwrap();
        let eab = c.add(start, lim(a + b, TimeUnit::WorkingHours)).unwrap();
        prop_assert!(ea <= eab);
        prop_assert!(ea >= start);
        prop_assert_eq!(c.working_duration(start, ea).unwrap(), TimeDelta::hours(i64::from(a)));
        // Adding in two steps is adding once.
        prop_assert_eq!(c.add(ea, lim(b, TimeUnit::WorkingHours)).unwrap(), eab);
        // A positive count ends inside working time or at a period's end.
        if a > 0 {
            let just_before = ea - TimeDelta::minutes(1);
            prop_assert!(c.is_working_time(just_before).unwrap());
        }
        // 工作日 are day-length multiples of 工作时.
        let days = c.add(start, lim(a / 10, TimeUnit::WorkingDays)).unwrap();
        prop_assert_eq!(c.working_duration(start, days).unwrap(), c.day_length() * (a / 10) as i32);
        prop_assert_eq!(c.deadline(start, lim(a, TimeUnit::WorkingHours)).unwrap().provisional, ea.year() >= 2027);
    }
}

#[test]
fn remaining_is_signed_and_counts_on_its_basis() {
    let c = cal();
    let deadline = t("2026-02-24 10:00");
    // From Fri 02-13 17:00: 0.5 h Fri + 7.5 h make-up Sat + 1.5 h Tue = 9.5 h.
    assert_eq!(
        c.remaining(t("2026-02-13 17:00"), deadline, Basis::Working).unwrap(),
        TimeDelta::minutes(570)
    );
    // Overdue by 2 working hours (10:00–12:00).
    assert_eq!(c.remaining(t("2026-02-24 13:00"), deadline, Basis::Working).unwrap(), TimeDelta::hours(-2));
    assert_eq!(c.remaining(t("2026-02-24 13:00"), deadline, Basis::Clock).unwrap(), TimeDelta::hours(-3));
}

const NOTICE_2027: &str = include_str!("../../../../assets/calendar/examples/notice-2027-synthetic.toml");

#[test]
fn a_loaded_notice_replaces_the_statutory_year_and_moves_later_deadlines() {
    let c = cal();
    let before = c.deadline(t("2027-02-04 17:00"), lim(1, TimeUnit::WorkingHours)).unwrap();
    assert_eq!(before, Deadline { at: t("2027-02-11 09:00"), provisional: true });
    let years = c.parse_notices(NOTICE_2027).unwrap();
    let c2 = c.with_notices(years);
    let after = c2.deadline(t("2027-02-04 17:00"), lim(1, TimeUnit::WorkingHours)).unwrap();
    // 02-05..02-12 off, 02-13/14 weekend → Mon 02-15 09:00; no longer provisional.
    assert_eq!(after, Deadline { at: t("2027-02-15 09:00"), provisional: false });
    assert_eq!(c2.day_kind(d("2027-02-20")).unwrap(), makeup("春节调休"));
    assert_eq!(c2.year(2027).unwrap().source, YearSource::Notice);
    // The original calendar is unchanged.
    assert_eq!(c.year(2027).unwrap().source, YearSource::StatutoryProvisional);
    // Canonical TOML gives the same year back.
    let info = c2.year(2027).unwrap();
    let text = data::year_to_toml(&info).unwrap();
    assert_eq!(c.parse_notices(&text).unwrap(), vec![(*info).clone()]);
    // The bundled file is itself a valid notice file for a calendar with the same hours.
    assert_eq!(c.parse_notices(DATA).unwrap().len(), 2);
}

#[test]
fn bad_notice_files_are_refused_with_the_line_at_fault() {
    let c = cal();
    let replace = |from: &str, to: &str| NOTICE_2027.replace(from, to);
    let bad = [
        // A make-up day on a Wednesday (line 16).
        (replace("2027-02-20", "2027-02-17"), 16, "not a weekend day"),
        // 端午 left out: named at the year (line 3).
        (replace("  { name = \"端午节\", from = \"2027-06-09\", to = \"2027-06-09\" },\n", ""), 3, "端午"),
        // Overlapping blocks (line 9).
        (
            replace("2027-04-03\", to = \"2027-04-05", "2027-02-12\", to = \"2027-04-05"),
            9,
            "already a day off",
        ),
        // A date of another year (line 7).
        (replace("from = \"2027-01-01\"", "from = \"2026-12-31\""), 7, "outside year 2027"),
        // TOML syntax (line 8).
        (replace("{ name = \"春节\"", "{ name = 春节"), 8, "malformed"),
        // Unknown field (line 5).
        (replace("status =", "stauts ="), 5, "stauts"),
        // A year before the rule.
        (replace("year = 2027", "year = 2005"), 3, "outside 2008"),
    ];
    for (text, line, needle) in bad {
        let e = c.parse_notices(&text).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(needle), "{msg}");
        assert!(msg.starts_with(&format!("line {line}: ")), "{msg}");
    }
    let other_hours =
        format!("[hours]\nperiods = [[\"09:00\", \"12:00\"]]\nweekend = [\"sat\", \"sun\"]\n{NOTICE_2027}");
    let e = c.parse_notices(&other_hours).unwrap_err().to_string();
    assert!(e.starts_with("line 1: ") && e.contains("working hours"), "{e}");
    assert!(c.parse_notices("# nothing\n").unwrap_err().to_string().contains("no [[year]]"));
    let twice = format!("{NOTICE_2027}{}", NOTICE_2027.replace("# A test", "# again"));
    assert!(c.parse_notices(&twice).unwrap_err().to_string().contains("appears twice"));
}

#[test]
fn invalid_hours_are_rejected_with_a_reason() {
    let bad = [
        ("[hours]\nperiods = [[\"12:00\", \"08:30\"]]\nweekend = []\n", "empty"),
        ("[hours]\nperiods = [[\"08:30\", \"12:00\"], [\"11:00\", \"13:00\"]]\nweekend = []\n", "overlaps"),
        ("[hours]\nperiods = [[\"8h30\", \"12:00\"]]\nweekend = []\n", "HH:MM"),
        ("[hours]\nperiods = [[\"08:30\", \"12:00\"]]\nweekend = [\"caturday\"]\n", "weekday"),
    ];
    for (text, needle) in bad {
        let e = Calendar::from_toml(text).unwrap_err().to_string();
        assert!(e.contains(needle), "{e}");
    }
    assert!(matches!(Calendar::from_toml("hours = 3"), Err(CalendarError::Malformed { .. })));
    assert!(Calendar::from_toml("").unwrap_err().to_string().contains("[hours]"));
}
