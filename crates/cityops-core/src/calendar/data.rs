//! The calendar's file format (`assets/calendar/cn_workdays.toml`, and a notice an admin loads):
//! working hours and, per year, the State Council notice's days off and make-up working days.
//! Parsing validates the whole file and names the line at fault; nothing is half-read.
//!
//! ```toml
//! [hours]                                   # optional in a notice file; if present, must match
//! periods = [["08:30", "12:00"], ["13:30", "17:30"]]
//! weekend = ["sat", "sun"]
//!
//! [[year]]
//! year = 2027
//! source = "国务院办公厅关于2027年部分节假日安排的通知"
//! status = "official"
//! holidays = [{ name = "元旦", from = "2027-01-01", to = "2027-01-03" }]
//! workdays = [{ name = "春节调休", date = "2027-02-14" }]
//! ```

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::{CalendarError, YearInfo, YearSource, statutory};

/// Longest `source` or `status` text accepted.
const MAX_TEXT: usize = 200;
/// Most years one file may carry.
pub const MAX_YEARS: usize = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    hours: Option<Spanned<RawHours>>,
    #[serde(default)]
    year: Vec<Spanned<RawYear>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHours {
    periods: Vec<Spanned<(String, String)>>,
    weekend: Spanned<Vec<String>>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    year: Spanned<i32>,
    source: Spanned<String>,
    status: Spanned<String>,
    #[serde(default)]
    holidays: Vec<Spanned<RawHoliday>>,
    #[serde(default)]
    workdays: Vec<Spanned<RawWorkday>>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    name: String,
    from: NaiveDate,
    to: NaiveDate,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawWorkday {
    name: String,
    date: NaiveDate,
}

/// Daily working periods and weekend days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hours {
    /// Working periods of a working day, ascending and disjoint.
    pub periods: Vec<(NaiveTime, NaiveTime)>,
    /// Weekend days.
    pub weekend: Vec<Weekday>,
}

impl Hours {
    /// `08:30–12:00, 13:30–17:30` style summary.
    pub fn describe(&self) -> String {
        self.periods
            .iter()
            .map(|(a, b)| format!("{}–{}", a.format("%H:%M"), b.format("%H:%M")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A parsed and validated calendar file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFile {
    /// Working hours, when the file has them.
    pub hours: Option<Hours>,
    /// Notice years, ascending.
    pub years: Vec<YearInfo>,
}

/// Line (1-based) of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(0, |s| s.matches('\n').count()) + 1
}

fn invalid(text: &str, span: Range<usize>, message: impl Into<String>) -> CalendarError {
    CalendarError::Invalid { line: Some(line_of(text, span.start)), message: message.into() }
}

fn parse_time(text: &str, span: Range<usize>, s: &str) -> Result<NaiveTime, CalendarError> {
    NaiveTime::parse_from_str(s, "%H:%M")
        .map_err(|e| invalid(text, span, format!("time {s:?} is not HH:MM: {e}")))
}

impl CalendarFile {
    /// Parse and validate a whole file. A year's days must lie in that year; holiday ranges
    /// must not overlap; make-up working days must be weekend days and not holidays; a notice
    /// must keep every statutory holiday of its year (it can add days off around them, not
    /// remove one); years appear once. `weekend` is the service's when the file has no
    /// `[hours]`.
    pub fn parse(text: &str, default_weekend: Option<&[Weekday]>) -> Result<CalendarFile, CalendarError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| CalendarError::Malformed {
            line: e.span().map(|s| line_of(text, s.start)),
            message: e.message().trim().to_owned(),
        })?;
        let hours = raw.hours.map(|h| parse_hours(text, h)).transpose()?;
        let weekend: Vec<Weekday> = match (&hours, default_weekend) {
            (Some(h), _) => h.weekend.clone(),
            (None, Some(w)) => w.to_vec(),
            (None, None) => {
                return Err(CalendarError::Invalid {
                    line: Some(1),
                    message: "the file has no [hours] table (working periods and weekend days)".into(),
                });
            }
        };
        if raw.year.len() > MAX_YEARS {
            return Err(CalendarError::Invalid {
                line: Some(line_of(text, raw.year[MAX_YEARS].span().start)),
                message: format!("more than {MAX_YEARS} years in one file"),
            });
        }
        let mut years: BTreeMap<i32, YearInfo> = BTreeMap::new();
        for y in raw.year {
            let span = y.span();
            let info = parse_year(text, y.into_inner(), &weekend)?;
            if years.contains_key(&info.year) {
                return Err(invalid(text, span, format!("year {} appears twice", info.year)));
            }
            years.insert(info.year, info);
        }
        Ok(CalendarFile { hours, years: years.into_values().collect() })
    }
}

fn parse_hours(text: &str, h: Spanned<RawHours>) -> Result<Hours, CalendarError> {
    let span = h.span();
    let h = h.into_inner();
    let mut periods: Vec<(NaiveTime, NaiveTime)> = Vec::new();
    for p in &h.periods {
        let (a, b) = p.get_ref();
        let (a, b) = (parse_time(text, p.span(), a)?, parse_time(text, p.span(), b)?);
        if a >= b {
            return Err(invalid(text, p.span(), format!("working period {a}–{b} is empty")));
        }
        if let Some(&(_, prev_end)) = periods.last()
            && a < prev_end
        {
            return Err(invalid(
                text,
                p.span(),
                format!("working period starting {a} overlaps the previous"),
            ));
        }
        periods.push((a, b));
    }
    if periods.is_empty() {
        return Err(invalid(text, span, "no working periods"));
    }
    let mut weekend = Vec::new();
    for s in h.weekend.get_ref() {
        let day = s
            .parse::<Weekday>()
            .map_err(|_| invalid(text, h.weekend.span(), format!("{s:?} is not a weekday")))?;
        weekend.push(day);
    }
    if weekend.len() >= 7 {
        return Err(invalid(text, h.weekend.span(), "every day of the week is a weekend day"));
    }
    Ok(Hours { periods, weekend })
}

fn parse_year(text: &str, y: RawYear, weekend: &[Weekday]) -> Result<YearInfo, CalendarError> {
    let year = *y.year.get_ref();
    if !(statutory::FIRST_YEAR..=statutory::LAST_YEAR).contains(&year) {
        return Err(invalid(
            text,
            y.year.span(),
            format!("year {year} is outside {}–{}", statutory::FIRST_YEAR, statutory::LAST_YEAR),
        ));
    }
    for field in [&y.source, &y.status] {
        let n = field.get_ref().trim().chars().count();
        if n == 0 || n > MAX_TEXT {
            return Err(invalid(text, field.span(), format!("must be 1–{MAX_TEXT} characters")));
        }
    }
    let mut holidays: BTreeMap<NaiveDate, String> = BTreeMap::new();
    for h in &y.holidays {
        let (span, h) = (h.span(), h.get_ref());
        if h.name.trim().is_empty() || h.name.chars().count() > 40 {
            return Err(invalid(text, span, "a holiday's name must be 1–40 characters"));
        }
        if h.from > h.to {
            return Err(invalid(text, span, format!("holiday {} ends before it starts", h.name)));
        }
        for d in h.from.iter_days().take_while(|d| *d <= h.to) {
            if d.year() != year {
                return Err(invalid(text, span, format!("holiday date {d} is outside year {year}")));
            }
            if let Some(other) = holidays.insert(d, h.name.clone()) {
                return Err(invalid(text, span, format!("{d} is already a day off of {other}")));
            }
        }
    }
    let mut workdays: BTreeMap<NaiveDate, String> = BTreeMap::new();
    for w in &y.workdays {
        let (span, w) = (w.span(), w.get_ref());
        if w.name.trim().is_empty() || w.name.chars().count() > 40 {
            return Err(invalid(text, span, "a make-up day's name must be 1–40 characters"));
        }
        if w.date.year() != year {
            return Err(invalid(text, span, format!("make-up day {} is outside year {year}", w.date)));
        }
        if holidays.contains_key(&w.date) {
            return Err(invalid(text, span, format!("{} is both a holiday and a make-up day", w.date)));
        }
        if !weekend.contains(&w.date.weekday()) {
            return Err(invalid(text, span, format!("make-up day {} is not a weekend day", w.date)));
        }
        if workdays.insert(w.date, w.name.clone()).is_some() {
            return Err(invalid(text, span, format!("make-up day {} appears twice", w.date)));
        }
    }
    for (date, name) in statutory::holidays(year)? {
        if !holidays.contains_key(&date) {
            return Err(invalid(
                text,
                y.year.span(),
                format!(
                    "the notice for {year} leaves out the statutory holiday {date} ({name}); a notice adds days \
                     off around the statutory ones but never removes one"
                ),
            ));
        }
    }
    Ok(YearInfo {
        year,
        source: YearSource::Notice,
        title: y.source.get_ref().trim().to_owned(),
        status: y.status.get_ref().trim().to_owned(),
        holidays,
        workdays,
    })
}

/// One notice year in the file format (a `[[year]]` table), canonical: holidays as maximal runs
/// of consecutive days with one name, in date order. `CalendarFile::parse` of the result gives
/// the year back.
pub fn year_to_toml(info: &YearInfo) -> Result<String, CalendarError> {
    #[derive(Serialize)]
    struct Out<'a> {
        year: [OutYear<'a>; 1],
    }
    #[derive(Serialize)]
    struct OutYear<'a> {
        year: i32,
        source: &'a str,
        status: &'a str,
        holidays: Vec<RawHoliday>,
        workdays: Vec<RawWorkday>,
    }
    let mut holidays: Vec<RawHoliday> = Vec::new();
    for (d, name) in &info.holidays {
        match holidays.last_mut() {
            Some(h) if h.name == *name && h.to.succ_opt() == Some(*d) => h.to = *d,
            _ => holidays.push(RawHoliday { name: name.clone(), from: *d, to: *d }),
        }
    }
    let workdays = info.workdays.iter().map(|(d, n)| RawWorkday { name: n.clone(), date: *d }).collect();
    let out = Out {
        year: [OutYear { year: info.year, source: &info.title, status: &info.status, holidays, workdays }],
    };
    toml::to_string(&out).map_err(|e| CalendarError::Malformed { line: None, message: e.to_string() })
}
