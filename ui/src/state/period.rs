//! Evaluation periods as a supervisor picks them (today, this week, this month, or custom days) and
//! the period before each, for the trend. Days are China Standard Time; weeks start on Monday.

use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use cityops_api::{CST, Timestamp};

/// How the period is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    /// Since midnight.
    Today,
    /// Since Monday.
    Week,
    /// Since the first of the month.
    Month,
    /// Whole days from one date to another (inclusive).
    Custom,
}

fn midnight(d: NaiveDate) -> Option<Timestamp> {
    CST.from_local_datetime(&d.and_hms_opt(0, 0, 0)?).single()
}

/// The period `[from, to)` of `kind` at `now` (custom: the days `first..=last`), and the period
/// before it of the same length (for today, this week and this month: the same span of the
/// previous day, week or month, so that partial periods compare like with like).
pub fn periods(
    kind: PeriodKind,
    now: Timestamp,
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
) -> Option<((Timestamp, Timestamp), (Timestamp, Timestamp))> {
    let today = now.with_timezone(&CST).date_naive();
    let (from, to) = match kind {
        PeriodKind::Today => (midnight(today)?, now),
        PeriodKind::Week => {
            (midnight(today - Duration::days(i64::from(today.weekday().num_days_from_monday())))?, now)
        }
        PeriodKind::Month => (midnight(today.with_day(1)?)?, now),
        PeriodKind::Custom => {
            let (a, b) = (first?, last?);
            if b < a {
                return None;
            }
            (midnight(a)?, midnight(b.succ_opt()?)?)
        }
    };
    if to <= from {
        return None;
    }
    let previous = match kind {
        PeriodKind::Today => (from - Duration::days(1), to - Duration::days(1)),
        PeriodKind::Week => (from - Duration::weeks(1), to - Duration::weeks(1)),
        PeriodKind::Month => {
            let start = from.with_timezone(&CST).date_naive();
            let prev = start.checked_sub_months(chrono::Months::new(1))?;
            let pf = midnight(prev)?;
            (pf, pf + (to - from).min(from - pf))
        }
        PeriodKind::Custom => (from - (to - from), from),
    };
    Some(((from, to), previous))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn periods_and_their_predecessors() {
        // Wednesday 2027-01-06 10:30 CST.
        let now = t("2027-01-06T10:30:00+08:00");
        let (p, prev) = periods(PeriodKind::Today, now, None, None).unwrap();
        assert_eq!((p.0, p.1), (t("2027-01-06T00:00:00+08:00"), now));
        assert_eq!(prev, (t("2027-01-05T00:00:00+08:00"), t("2027-01-05T10:30:00+08:00")));
        let (p, prev) = periods(PeriodKind::Week, now, None, None).unwrap();
        assert_eq!(p.0, t("2027-01-04T00:00:00+08:00"), "weeks start on Monday");
        assert_eq!(prev.0, t("2026-12-28T00:00:00+08:00"), "across the new year");
        // This month so far against the same span of the month before.
        let (p, prev) = periods(PeriodKind::Month, now, None, None).unwrap();
        assert_eq!(p.0, t("2027-01-01T00:00:00+08:00"));
        assert_eq!(prev, (t("2026-12-01T00:00:00+08:00"), t("2026-12-06T10:30:00+08:00")));
        // A UTC instant is read in CST: 2027-01-05T20:00Z is already the 6th in Qingdao.
        let (p, _) = periods(PeriodKind::Today, t("2027-01-05T20:00:00+00:00"), None, None).unwrap();
        assert_eq!(p.0, t("2027-01-06T00:00:00+08:00"));
        // Custom whole days, and the same number of days before.
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let (p, prev) = periods(PeriodKind::Custom, now, d("2026-12-30"), d("2027-01-02")).unwrap();
        assert_eq!(p, (t("2026-12-30T00:00:00+08:00"), t("2027-01-03T00:00:00+08:00")));
        assert_eq!(prev, (t("2026-12-26T00:00:00+08:00"), t("2026-12-30T00:00:00+08:00")));
        assert_eq!(periods(PeriodKind::Custom, now, d("2027-01-02"), d("2026-12-30")), None);
        assert_eq!(periods(PeriodKind::Custom, now, None, d("2026-12-30")), None);
        // March after a 28-day February: the previous span is cut at February's end.
        let (_, prev) = periods(PeriodKind::Month, t("2027-03-31T12:00:00+08:00"), None, None).unwrap();
        assert_eq!(prev, (t("2027-02-01T00:00:00+08:00"), t("2027-03-01T00:00:00+08:00")));
    }
}
