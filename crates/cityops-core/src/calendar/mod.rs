//! Working-time calendar: working hours, weekends, Chinese public holidays and make-up workdays
//! (调休上班), and deadline arithmetic in working time (工作时/工作日) or clock time.
//!
//! All times are [`NaiveDateTime`] in China Standard Time (UTC+08:00, no daylight saving).
//! Deliberately absent: any notion of "now" or time zones; the caller passes both ends of every
//! interval.
//!
//! Every year has a calendar, from one of two sources ([`YearSource`]):
//! - a **notice**: the State Council's holiday notice for the year (国务院办公厅关于某年部分节假日
//!   安排的通知), with its bridging days off and make-up working days. The bundled data
//!   (`assets/calendar/cn_workdays.toml`) has 2025 and 2026; more are loaded at run time
//!   ([`Calendar::with_notices`]) in the same format ([`data`]);
//! - the **statutory rule** ([`statutory`]) for a year without a notice: the public holidays of
//!   《全国年节及纪念日放假办法》 as in force that year, computed from the lunisolar calendar and the
//!   Qingming solar term, plus 补假 for holidays on a weekend, plus weekends, and no make-up
//!   working days. Such a year is *provisional*, and a deadline counted over it says so
//!   ([`Deadline::provisional`]).
//!
//! Only a year outside the rule's range (before 2008, after 9998) has no calendar
//! ([`CalendarError::NoData`]); it is never silently treated as all working days.
//!
//! Statutory years are computed on first use and kept (a small memo behind a lock; the
//! computation is pure).

pub mod data;
pub mod statutory;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use chrono::{Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Weekday};
use cityops_api::{TimeLimitDto, TimeUnit, Timestamp};

pub use data::{CalendarFile, Hours};

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

/// Errors of the calendar: bad data, or a question about a year without a calendar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalendarError {
    /// The TOML could not be parsed or does not have the expected shape.
    #[error("{}calendar data is malformed: {message}", line_prefix(*line))]
    Malformed {
        /// Line at fault (1-based), when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// A value in the data is invalid (bad time, overlapping periods, date outside its year …).
    #[error("{}calendar data is invalid: {message}", line_prefix(*line))]
    Invalid {
        /// Line at fault (1-based), when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
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
    /// Neither a notice nor the statutory rule covers this year, so working days cannot be
    /// decided.
    #[error(
        "no working calendar for year {year}: no notice is loaded and the statutory rule covers {}–{}",
        statutory::FIRST_YEAR,
        statutory::LAST_YEAR
    )]
    NoData {
        /// The year asked about.
        year: i32,
    },
}

fn line_prefix(line: Option<usize>) -> String {
    line.map(|l| format!("line {l}: ")).unwrap_or_default()
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind {
    /// An ordinary working day.
    Workday,
    /// An ordinary weekend day.
    Weekend,
    /// A public holiday or a day off of a holiday block (放假), with the holiday's name.
    Holiday(String),
    /// A weekend day made a working day (调休上班), with its label.
    MakeupWorkday(String),
}

impl DayKind {
    /// Whether the centre works on such a day.
    pub fn is_working(&self) -> bool {
        matches!(self, DayKind::Workday | DayKind::MakeupWorkday(_))
    }
}

/// Where a year's days off come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum YearSource {
    /// The State Council's notice for the year.
    Notice,
    /// Computed from the statutory rule: no notice is loaded yet (provisional).
    StatutoryProvisional,
}

/// The days off and make-up working days of one year, and where they come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearInfo {
    /// The year.
    pub year: i32,
    /// Notice or statutory rule.
    pub source: YearSource,
    /// The notice's title, or the statutory rule's citation.
    pub title: String,
    /// `official`, a caveat such as `recalled, verify against the notice`, or why the year is
    /// provisional.
    pub status: String,
    holidays: BTreeMap<NaiveDate, String>,
    workdays: BTreeMap<NaiveDate, String>,
}

impl YearInfo {
    /// The statutory year: statutory holidays and 补假, no make-up days.
    fn statutory(year: i32, weekend: &[Weekday]) -> Result<YearInfo, CalendarError> {
        let version = statutory::version_for(year)?;
        let holidays = statutory::days_off(year, weekend)?.into_iter().map(|d| (d.date, d.name)).collect();
        Ok(YearInfo {
            year,
            source: YearSource::StatutoryProvisional,
            title: format!("{} 法定节假日", version.title),
            status: format!(
                "provisional: no State Council notice for {year} is loaded; statutory holidays, 补假 for those \
                 on a weekend, and weekends; no make-up working days"
            ),
            holidays,
            workdays: BTreeMap::new(),
        })
    }

    /// Days off in this year, with holiday names, in date order.
    pub fn holidays(&self) -> impl Iterator<Item = (NaiveDate, &str)> {
        self.holidays.iter().map(|(d, n)| (*d, n.as_str()))
    }

    /// Make-up working days in this year, with labels, in date order.
    pub fn makeup_workdays(&self) -> impl Iterator<Item = (NaiveDate, &str)> {
        self.workdays.iter().map(|(d, n)| (*d, n.as_str()))
    }

    /// Whether this year's data is provisional (no notice).
    pub fn is_provisional(&self) -> bool {
        self.source == YearSource::StatutoryProvisional
    }

    fn kind(&self, date: NaiveDate, weekend: &[Weekday]) -> DayKind {
        if let Some(name) = self.holidays.get(&date) {
            return DayKind::Holiday(name.clone());
        }
        if let Some(name) = self.workdays.get(&date) {
            return DayKind::MakeupWorkday(name.clone());
        }
        if weekend.contains(&date.weekday()) { DayKind::Weekend } else { DayKind::Workday }
    }

    fn works_on(&self, date: NaiveDate, weekend: &[Weekday]) -> bool {
        !self.holidays.contains_key(&date)
            && (self.workdays.contains_key(&date) || !weekend.contains(&date.weekday()))
    }
}

/// A deadline and whether it was counted over a provisional year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// The deadline (CST).
    pub at: NaiveDateTime,
    /// Counted in working time over at least one year without a notice (statutory rule only):
    /// it may move once that year's notice is loaded.
    pub provisional: bool,
}

/// A working-time calendar: daily working periods, weekend days, the notices loaded, and the
/// statutory rule for every other year.
#[derive(Debug)]
pub struct Calendar {
    hours: Hours,
    notices: BTreeMap<i32, Arc<YearInfo>>,
    statutory: RwLock<BTreeMap<i32, Arc<YearInfo>>>,
}

impl Clone for Calendar {
    fn clone(&self) -> Self {
        Calendar {
            hours: self.hours.clone(),
            notices: self.notices.clone(),
            statutory: RwLock::new(BTreeMap::new()),
        }
    }
}

impl Calendar {
    /// Parse calendar data (the format of `assets/calendar/cn_workdays.toml`, which must have
    /// `[hours]`) and validate it whole (see [`CalendarFile::parse`]).
    pub fn from_toml(text: &str) -> Result<Calendar, CalendarError> {
        let file = CalendarFile::parse(text, None)?;
        let hours =
            file.hours.ok_or(CalendarError::Invalid { line: Some(1), message: "no [hours]".into() })?;
        let notices = file.years.into_iter().map(|y| (y.year, Arc::new(y))).collect();
        Ok(Calendar { hours, notices, statutory: RwLock::new(BTreeMap::new()) })
    }

    /// Parse a notice file for this calendar: `[[year]]` tables, and `[hours]` only if equal to
    /// this calendar's (working hours are configuration, not part of a notice).
    pub fn parse_notices(&self, text: &str) -> Result<Vec<YearInfo>, CalendarError> {
        let file = CalendarFile::parse(text, Some(&self.hours.weekend))?;
        if let Some(h) = &file.hours
            && *h != self.hours
        {
            return Err(CalendarError::Invalid {
                line: text.lines().position(|l| l.trim() == "[hours]").map(|i| i + 1),
                message: format!(
                    "the file's working hours ({}) differ from the service's ({}); working hours are not imported",
                    h.describe(),
                    self.hours.describe()
                ),
            });
        }
        if file.years.is_empty() {
            return Err(CalendarError::Invalid {
                line: None,
                message: "the file has no [[year]] table".into(),
            });
        }
        Ok(file.years)
    }

    /// This calendar with `years` as notices, replacing any notice of the same year.
    pub fn with_notices(&self, years: impl IntoIterator<Item = YearInfo>) -> Calendar {
        let mut notices = self.notices.clone();
        for y in years {
            notices.insert(y.year, Arc::new(y));
        }
        Calendar { hours: self.hours.clone(), notices, statutory: RwLock::new(BTreeMap::new()) }
    }

    /// Years that have a notice, ascending.
    pub fn notice_years(&self) -> impl Iterator<Item = &YearInfo> {
        self.notices.values().map(|y| &**y)
    }

    /// The year's days off and make-up days: its notice, else the statutory rule.
    pub fn year(&self, year: i32) -> Result<Arc<YearInfo>, CalendarError> {
        if let Some(y) = self.notices.get(&year) {
            return Ok(y.clone());
        }
        if let Some(y) = self.statutory.read().ok().and_then(|m| m.get(&year).cloned()) {
            return Ok(y);
        }
        let info = Arc::new(YearInfo::statutory(year, &self.hours.weekend)?);
        if let Ok(mut m) = self.statutory.write() {
            m.insert(year, info.clone());
        }
        Ok(info)
    }

    /// The daily working periods, ascending.
    pub fn periods(&self) -> &[(NaiveTime, NaiveTime)] {
        &self.hours.periods
    }

    /// Working hours and weekend days.
    pub fn hours(&self) -> &Hours {
        &self.hours
    }

    /// Working time in one full working day (7.5 h with the default data). One 工作日 is this
    /// much working time.
    pub fn day_length(&self) -> TimeDelta {
        self.hours.periods.iter().map(|(a, b)| *b - *a).sum()
    }

    /// What kind of day `date` is.
    pub fn day_kind(&self, date: NaiveDate) -> Result<DayKind, CalendarError> {
        Ok(self.year(date.year())?.kind(date, &self.hours.weekend))
    }

    /// Whether the centre works on `date` (ordinary weekday or make-up day, not a holiday).
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.year(date.year())?.works_on(date, &self.hours.weekend))
    }

    /// The working days of `year`, in date order.
    pub fn working_days(&self, year: i32) -> Result<Vec<NaiveDate>, CalendarError> {
        let info = self.year(year)?;
        let first = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(CalendarError::NoData { year })?;
        Ok(first
            .iter_days()
            .take_while(|d| d.year() == year)
            .filter(|d| info.works_on(*d, &self.hours.weekend))
            .collect())
    }

    /// Whether `t` falls inside a working period of a working day (period ends are exclusive).
    pub fn is_working_time(&self, t: NaiveDateTime) -> Result<bool, CalendarError> {
        Ok(self.is_working_day(t.date())?
            && self.hours.periods.iter().any(|(a, b)| *a <= t.time() && t.time() < *b))
    }

    /// The deadline `limit` after `start`.
    ///
    /// Clock units add wall time and need no calendar data. 工作时 consume working time: time
    /// outside working periods (nights, the lunch break, weekends, holidays) is skipped, and a
    /// start outside working time begins counting at the next working period. One 工作日 is
    /// [`Calendar::day_length`] of working time, so 1 工作日 from 16:00 ends at 16:00 on the next
    /// working day. A deadline that uses up a period exactly ends at that period's end (12:00, not
    /// 13:30).
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

    /// [`Calendar::add`], saying whether the count ran over a provisional year.
    pub fn deadline(&self, start: NaiveDateTime, limit: TimeLimitDto) -> Result<Deadline, CalendarError> {
        let at = self.add(start, limit)?;
        let provisional = Basis::of(limit.unit) == Basis::Working && self.any_provisional(start, at)?;
        Ok(Deadline { at, provisional })
    }

    /// Whether a year between the dates of `from` and `to` (inclusive) has no notice.
    pub fn any_provisional(&self, from: NaiveDateTime, to: NaiveDateTime) -> Result<bool, CalendarError> {
        let (a, b) = (from.year().min(to.year()), from.year().max(to.year()));
        for y in a..=b {
            if self.year(y)?.is_provisional() {
                return Ok(true);
            }
        }
        Ok(false)
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
        let mut info = self.year(day.year())?;
        loop {
            if info.year != day.year() {
                info = self.year(day.year())?;
            }
            if info.works_on(day, &self.hours.weekend) {
                for &(a, b) in &self.hours.periods {
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

    /// Working time between `from` and `to` (zero when `to` is not after `from`).
    pub fn working_duration(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<TimeDelta, CalendarError> {
        let mut total = TimeDelta::zero();
        if to <= from {
            return Ok(total);
        }
        let mut info = self.year(from.year())?;
        for day in from.date().iter_days().take_while(|d| *d <= to.date()) {
            if info.year != day.year() {
                info = self.year(day.year())?;
            }
            if !info.works_on(day, &self.hours.weekend) {
                continue;
            }
            for &(a, b) in &self.hours.periods {
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
mod tests;
