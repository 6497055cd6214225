//! Working-time calendar: working hours, weekends, Chinese public holidays and make-up workdays
//! (调休上班) as data, and deadline arithmetic in working time (工作时/工作日) or clock time.
//!
//! All times are [`NaiveDateTime`] in China Standard Time (UTC+08:00, no daylight saving).
//! Deliberately absent: any notion of "now" or time zones; the caller passes both ends of every
//! interval. A year the data does not cover is an error ([`CalendarError::NoData`]), never
//! silently treated as all working days.
//!
//! The default data is `assets/calendar/cn_workdays.toml` (2025 and 2026, State Council
//! schedules).

use std::collections::BTreeMap;

use chrono::{Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Weekday};
use cityops_api::{TimeLimitDto, TimeUnit, Timestamp};
use serde::Deserialize;

/// China Standard Time, UTC+08:00 (no daylight saving).
pub const CST: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("+08:00 is a valid offset"), // evaluated at compile time
};

/// A core time (CST wall clock) as a wire [`Timestamp`] with its +08:00 offset.
pub fn to_timestamp(t: NaiveDateTime) -> Timestamp {
    CST.from_utc_datetime(&(t - TimeDelta::hours(8)))
}

/// A wire [`Timestamp`] (any offset) as CST wall-clock time.
pub fn from_timestamp(ts: Timestamp) -> NaiveDateTime {
    ts.with_timezone(&CST).naive_local()
}

/// Errors of the calendar: bad data, or a question about a year without data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// The TOML could not be parsed or does not have the expected shape.
    #[error("calendar data is malformed: {0}")]
    Malformed(String),
    /// A value in the data is invalid (bad time, overlapping periods, date outside its year …).
    #[error("calendar data is invalid: {0}")]
    Invalid(String),
    /// The deadline would lie beyond the representable dates.
    #[error("adding {amount} {unit:?} to {start} leaves the representable dates")]
    OutOfRange {
        /// Start of the count.
        start: NaiveDateTime,
        /// Amount asked for.
        amount: u32,
        /// Unit asked for.
        unit: TimeUnit,
    },
    /// The calendar has no holiday data for this year, so working days cannot be decided.
    #[error("the calendar has no data for year {year}")]
    NoData {
        /// The year asked about.
        year: i32,
    },
}

/// Whether a limit counts working time or wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Basis {
    /// Only working periods on working days count (工作时, 工作日).
    Working,
    /// Wall-clock time (urgent types count around the clock).
    Clock,
}

impl Basis {
    /// The basis a time unit counts in.
    pub fn of(unit: TimeUnit) -> Basis {
        match unit {
            TimeUnit::WorkingHours | TimeUnit::WorkingDays => Basis::Working,
            TimeUnit::ClockHours | TimeUnit::ClockMinutes => Basis::Clock,
        }
    }
}

/// What kind of day a date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind<'a> {
    /// An ordinary working day.
    Workday,
    /// An ordinary weekend day.
    Weekend,
    /// A public holiday (放假), with the holiday's name.
    Holiday(&'a str),
    /// A weekend day made a working day (调休上班), with its label.
    MakeupWorkday(&'a str),
}

impl DayKind<'_> {
    /// Whether the centre works on such a day.
    pub fn is_working(self) -> bool {
        matches!(self, DayKind::Workday | DayKind::MakeupWorkday(_))
    }
}

/// Holiday data of one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearInfo {
    /// The year.
    pub year: i32,
    /// Where the schedule comes from (the notice).
    pub source: String,
    /// `official`, or a caveat such as `recalled, verify against the notice`.
    pub status: String,
    holidays: BTreeMap<NaiveDate, String>,
    workdays: BTreeMap<NaiveDate, String>,
}

impl YearInfo {
    /// Days off in this year, with holiday names, in date order.
    pub fn holidays(&self) -> impl Iterator<Item = (NaiveDate, &str)> {
        self.holidays.iter().map(|(d, n)| (*d, n.as_str()))
    }

    /// Make-up working days in this year, with labels, in date order.
    pub fn makeup_workdays(&self) -> impl Iterator<Item = (NaiveDate, &str)> {
        self.workdays.iter().map(|(d, n)| (*d, n.as_str()))
    }
}

/// A working-time calendar: daily working periods, weekend days and per-year holiday data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    periods: Vec<(NaiveTime, NaiveTime)>,
    weekend: Vec<Weekday>,
    years: BTreeMap<i32, YearInfo>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    hours: RawHours,
    #[serde(default)]
    year: Vec<RawYear>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHours {
    periods: Vec<(String, String)>,
    weekend: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    year: i32,
    source: String,
    status: String,
    #[serde(default)]
    holidays: Vec<RawHoliday>,
    #[serde(default)]
    workdays: Vec<RawWorkday>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    name: String,
    from: NaiveDate,
    to: NaiveDate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkday {
    name: String,
    date: NaiveDate,
}

fn parse_time(s: &str) -> Result<NaiveTime, CalendarError> {
    NaiveTime::parse_from_str(s, "%H:%M")
        .map_err(|e| CalendarError::Invalid(format!("time {s:?} is not HH:MM: {e}")))
}

fn parse_weekday(s: &str) -> Result<Weekday, CalendarError> {
    s.parse::<Weekday>().map_err(|_| CalendarError::Invalid(format!("{s:?} is not a weekday")))
}

impl Calendar {
    /// Parse calendar data (the format of `assets/calendar/cn_workdays.toml`) and validate it:
    /// periods are `HH:MM` pairs, ascending and non-overlapping; every holiday and make-up day lies
    /// in its year; no date is both; make-up days fall on weekend days; years are not repeated.
    pub fn from_toml(text: &str) -> Result<Calendar, CalendarError> {
        let raw: RawCalendar = toml::from_str(text).map_err(|e| CalendarError::Malformed(e.to_string()))?;
        let mut periods = Vec::new();
        for (a, b) in &raw.hours.periods {
            let (a, b) = (parse_time(a)?, parse_time(b)?);
            if a >= b {
                return Err(CalendarError::Invalid(format!("working period {a}–{b} is empty")));
            }
            if let Some(&(_, prev_end)) = periods.last()
                && a < prev_end
            {
                return Err(CalendarError::Invalid(format!(
                    "working period starting {a} overlaps the previous"
                )));
            }
            periods.push((a, b));
        }
        if periods.is_empty() {
            return Err(CalendarError::Invalid("no working periods".into()));
        }
        let weekend = raw.hours.weekend.iter().map(|s| parse_weekday(s)).collect::<Result<Vec<_>, _>>()?;
        let mut years = BTreeMap::new();
        for y in raw.year {
            let mut holidays = BTreeMap::new();
            for h in &y.holidays {
                if h.from > h.to {
                    return Err(CalendarError::Invalid(format!("holiday {} ends before it starts", h.name)));
                }
                for d in h.from.iter_days().take_while(|d| *d <= h.to) {
                    if d.year() != y.year {
                        return Err(CalendarError::Invalid(format!(
                            "holiday date {d} is outside year {}",
                            y.year
                        )));
                    }
                    holidays.insert(d, h.name.clone());
                }
            }
            let mut workdays = BTreeMap::new();
            for w in &y.workdays {
                if w.date.year() != y.year {
                    return Err(CalendarError::Invalid(format!(
                        "make-up day {} is outside year {}",
                        w.date, y.year
                    )));
                }
                if holidays.contains_key(&w.date) {
                    return Err(CalendarError::Invalid(format!(
                        "{} is both a holiday and a make-up day",
                        w.date
                    )));
                }
                if !weekend.contains(&w.date.weekday()) {
                    return Err(CalendarError::Invalid(format!(
                        "make-up day {} is not a weekend day",
                        w.date
                    )));
                }
                workdays.insert(w.date, w.name.clone());
            }
            let info = YearInfo { year: y.year, source: y.source, status: y.status, holidays, workdays };
            if years.insert(y.year, info).is_some() {
                return Err(CalendarError::Invalid(format!("year {} appears twice", y.year)));
            }
        }
        Ok(Calendar { periods, weekend, years })
    }

    /// Years the calendar has holiday data for, ascending.
    pub fn years(&self) -> impl Iterator<Item = &YearInfo> {
        self.years.values()
    }

    /// The daily working periods, ascending.
    pub fn periods(&self) -> &[(NaiveTime, NaiveTime)] {
        &self.periods
    }

    /// Working time in one full working day (7.5 h with the default data). One 工作日 is this
    /// much working time.
    pub fn day_length(&self) -> TimeDelta {
        self.periods.iter().map(|(a, b)| *b - *a).sum()
    }

    /// What kind of day `date` is. Errors when the year has no data.
    pub fn day_kind(&self, date: NaiveDate) -> Result<DayKind<'_>, CalendarError> {
        let info = self.years.get(&date.year()).ok_or(CalendarError::NoData { year: date.year() })?;
        if let Some(name) = info.holidays.get(&date) {
            return Ok(DayKind::Holiday(name));
        }
        if let Some(name) = info.workdays.get(&date) {
            return Ok(DayKind::MakeupWorkday(name));
        }
        Ok(if self.weekend.contains(&date.weekday()) { DayKind::Weekend } else { DayKind::Workday })
    }

    /// Whether the centre works on `date` (ordinary weekday or make-up day, not a holiday).
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.day_kind(date)?.is_working())
    }

    /// Whether `t` falls inside a working period of a working day (period ends are exclusive).
    pub fn is_working_time(&self, t: NaiveDateTime) -> Result<bool, CalendarError> {
        Ok(self.is_working_day(t.date())?
            && self.periods.iter().any(|(a, b)| *a <= t.time() && t.time() < *b))
    }

    /// The deadline `limit` after `start`.
    ///
    /// Clock units add wall time and need no calendar data. 工作时 consume working time: time
    /// outside working periods (nights, the lunch break, weekends, holidays) is skipped, and a
    /// start outside working time begins counting at the next working period. One 工作日 is
    /// [`Calendar::day_length`] of working time, so 1 工作日 from 16:00 ends at 16:00 on the next
    /// working day. A deadline that uses up a period exactly ends at that period's end (12:00, not
    /// 13:30). Errors when the count runs through a year without data.
    pub fn add(&self, start: NaiveDateTime, limit: TimeLimitDto) -> Result<NaiveDateTime, CalendarError> {
        let amount = i64::from(limit.amount);
        let out_of_range = || CalendarError::OutOfRange { start, amount: limit.amount, unit: limit.unit };
        let clock = |d: TimeDelta| start.checked_add_signed(d).ok_or_else(out_of_range);
        match limit.unit {
            TimeUnit::ClockMinutes => clock(TimeDelta::minutes(amount)),
            TimeUnit::ClockHours => clock(TimeDelta::hours(amount)),
            TimeUnit::WorkingHours => self.add_working(start, TimeDelta::hours(amount)),
            TimeUnit::WorkingDays => {
                let days = i32::try_from(limit.amount).map_err(|_| out_of_range())?;
                self.add_working(start, self.day_length().checked_mul(days).ok_or_else(out_of_range)?)
            }
        }
    }

    /// Add `amount` of working time to `start`.
    pub fn add_working(
        &self,
        start: NaiveDateTime,
        amount: TimeDelta,
    ) -> Result<NaiveDateTime, CalendarError> {
        let mut left = amount;
        if left <= TimeDelta::zero() {
            return Ok(start);
        }
        let mut day = start.date();
        loop {
            if self.is_working_day(day)? {
                for &(a, b) in &self.periods {
                    let (ps, pe) = (day.and_time(a), day.and_time(b));
                    let from = ps.max(start);
                    if from >= pe {
                        continue;
                    }
                    let avail = pe - from;
                    if avail >= left {
                        return Ok(from + left);
                    }
                    left -= avail;
                }
            }
            day = day.succ_opt().ok_or(CalendarError::NoData { year: day.year() + 1 })?;
        }
    }

    /// Working time between `from` and `to` (zero when `to` is not after `from`). Errors when the
    /// interval touches a year without data.
    pub fn working_duration(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<TimeDelta, CalendarError> {
        let mut total = TimeDelta::zero();
        if to <= from {
            return Ok(total);
        }
        for day in from.date().iter_days().take_while(|d| *d <= to.date()) {
            if !self.is_working_day(day)? {
                continue;
            }
            for &(a, b) in &self.periods {
                let (s, e) = (day.and_time(a).max(from), day.and_time(b).min(to));
                if e > s {
                    total += e - s;
                }
            }
        }
        Ok(total)
    }

    /// Time left from `now` until `deadline` on the given basis; negative once overdue (then its
    /// magnitude is how far past the deadline `now` is, on the same basis).
    pub fn remaining(
        &self,
        now: NaiveDateTime,
        deadline: NaiveDateTime,
        basis: Basis,
    ) -> Result<TimeDelta, CalendarError> {
        match basis {
            Basis::Clock => Ok(deadline - now),
            Basis::Working if now <= deadline => self.working_duration(now, deadline),
            Basis::Working => Ok(-self.working_duration(deadline, now)?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATA: &str = include_str!("../../../assets/calendar/cn_workdays.toml");

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

    #[track_caller]
    fn check_add(start: &str, amount: u32, unit: TimeUnit, expect: &str) {
        assert_eq!(cal().add(t(start), lim(amount, unit)).unwrap(), t(expect), "{start} + {amount} {unit:?}");
    }

    #[test]
    fn day_kinds_follow_the_state_council_schedules() {
        let c = cal();
        let cases = [
            // 2025
            ("2025-01-01", DayKind::Holiday("元旦")),
            ("2025-01-26", DayKind::MakeupWorkday("春节调休")),
            ("2025-01-28", DayKind::Holiday("春节")),
            ("2025-02-04", DayKind::Holiday("春节")),
            ("2025-02-05", DayKind::Workday),
            ("2025-02-08", DayKind::MakeupWorkday("春节调休")),
            ("2025-02-09", DayKind::Weekend),
            ("2025-04-04", DayKind::Holiday("清明节")),
            ("2025-04-27", DayKind::MakeupWorkday("劳动节调休")),
            ("2025-05-05", DayKind::Holiday("劳动节")),
            ("2025-06-02", DayKind::Holiday("端午节")),
            ("2025-09-28", DayKind::MakeupWorkday("国庆节调休")),
            ("2025-10-08", DayKind::Holiday("国庆节、中秋节")),
            ("2025-10-11", DayKind::MakeupWorkday("国庆节调休")),
            // 2026
            ("2026-01-02", DayKind::Holiday("元旦")),
            ("2026-01-04", DayKind::MakeupWorkday("元旦调休")),
            ("2026-02-14", DayKind::MakeupWorkday("春节调休")),
            ("2026-02-23", DayKind::Holiday("春节")),
            ("2026-02-24", DayKind::Workday),
            ("2026-02-28", DayKind::MakeupWorkday("春节调休")),
            ("2026-05-09", DayKind::MakeupWorkday("劳动节调休")),
            ("2026-06-19", DayKind::Holiday("端午节")),
            ("2026-09-20", DayKind::MakeupWorkday("国庆节调休")),
            ("2026-09-25", DayKind::Holiday("中秋节")),
            ("2026-10-07", DayKind::Holiday("国庆节")),
            ("2026-10-08", DayKind::Workday),
            ("2026-10-10", DayKind::MakeupWorkday("国庆节调休")),
            ("2026-11-29", DayKind::Weekend),
        ];
        for (date, kind) in cases {
            assert_eq!(c.day_kind(d(date)).unwrap(), kind, "{date}");
        }
    }

    #[test]
    fn working_day_counts_per_year_match_the_schedules() {
        // Oracle: counted independently (a short script over the notices' dates, not this
        // parser): 2025 → 248 working days, 2026 → 248.
        let c = cal();
        for (year, expect) in [(2025, 248), (2026, 248)] {
            let n = d(&format!("{year}-01-01"))
                .iter_days()
                .take_while(|x| x.year() == year)
                .filter(|x| c.is_working_day(*x).unwrap())
                .count();
            assert_eq!(n, expect, "{year}");
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
        let starts = ["2026-02-13 16:00", "2025-09-30 11:45", "2025-12-31 13:00", "2026-04-30 08:00"];
        for s in starts {
            for hours in [1, 3, 8, 16] {
                let end = c.add(t(s), lim(hours, TimeUnit::WorkingHours)).unwrap();
                let got = c.working_duration(t(s), end).unwrap();
                assert_eq!(got, TimeDelta::hours(i64::from(hours)), "{s} + {hours}h");
                assert_eq!(got, oracle(t(s), end), "{s} + {hours}h (oracle)");
            }
        }
        assert_eq!(
            c.working_duration(t("2025-03-04 10:00"), t("2025-03-03 10:00")).unwrap(),
            TimeDelta::zero()
        );
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
        assert_eq!(
            c.remaining(t("2026-02-24 13:00"), deadline, Basis::Working).unwrap(),
            TimeDelta::hours(-2)
        );
        assert_eq!(c.remaining(t("2026-02-24 13:00"), deadline, Basis::Clock).unwrap(), TimeDelta::hours(-3));
    }

    #[test]
    fn years_without_data_are_errors_not_working_days() {
        let c = cal();
        assert_eq!(c.is_working_day(d("2027-03-01")), Err(CalendarError::NoData { year: 2027 }));
        assert_eq!(c.is_working_day(d("2024-12-31")), Err(CalendarError::NoData { year: 2024 }));
        // Working time running off the end of the data.
        assert_eq!(
            c.add(t("2026-12-30 10:00"), lim(5, TimeUnit::WorkingDays)),
            Err(CalendarError::NoData { year: 2027 })
        );
        // Clock units need no data, but stay within the representable dates.
        assert_eq!(
            c.add(t("2030-01-01 10:00"), lim(1, TimeUnit::ClockHours)).unwrap(),
            t("2030-01-01 11:00")
        );
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
        assert_eq!(c.years().map(|y| y.year).collect::<Vec<_>>(), [2025, 2026]);
    }

    #[test]
    fn invalid_data_is_rejected_with_a_reason() {
        let base = "[hours]\nperiods = [[\"08:30\", \"12:00\"]]\nweekend = [\"sat\", \"sun\"]\n";
        let bad = [
            ("[hours]\nperiods = [[\"12:00\", \"08:30\"]]\nweekend = []\n", "empty"),
            (
                "[hours]\nperiods = [[\"08:30\", \"12:00\"], [\"11:00\", \"13:00\"]]\nweekend = []\n",
                "overlaps",
            ),
            ("[hours]\nperiods = [[\"8h30\", \"12:00\"]]\nweekend = []\n", "HH:MM"),
            ("[hours]\nperiods = [[\"08:30\", \"12:00\"]]\nweekend = [\"caturday\"]\n", "weekday"),
        ];
        for (text, needle) in bad {
            let e = Calendar::from_toml(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
        let year =
            |body: &str| format!("{base}[[year]]\nyear = 2025\nsource = \"x\"\nstatus = \"x\"\n{body}");
        let bad_years = [
            ("workdays = [{ name = \"x\", date = \"2025-03-03\" }]", "not a weekend day"),
            ("workdays = [{ name = \"x\", date = \"2026-03-07\" }]", "outside year"),
            (
                "holidays = [{ name = \"x\", from = \"2025-03-08\", to = \"2025-03-08\" }]\nworkdays = [{ name = \"y\", date = \"2025-03-08\" }]",
                "both",
            ),
        ];
        for (body, needle) in bad_years {
            let e = Calendar::from_toml(&year(body)).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
        assert!(matches!(Calendar::from_toml("hours = 3"), Err(CalendarError::Malformed(_))));
    }
}
