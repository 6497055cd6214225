//! Statutory periods counted the way the law counts them, in whole days.
//!
//! - The day the period starts from is not counted: it runs from the next day.
//! - A period of 工作日 (the Administrative Penalty Law's 2, 3, 5 and 7 "日", art. 85) counts only
//!   working days on the working calendar: statutory holidays, their bridging days and weekends
//!   are skipped, 调休 working weekends count.
//! - A period of natural days (the 90-day decision limit, art. 60; the 15 days to pay, art. 67)
//!   counts every day, but when its last day is not a working day it ends on the first working
//!   day after (《民法典》第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为
//!   期间的最后一日).
//! - A period ends at the end of its last day (24:00 CST).
//!
//! Years without their State Council notice are counted from the statutory holidays alone
//! (the calendar's provisional rule), so no year runs out.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

use crate::calendar::{Calendar, CalendarError};

/// How a period counts its days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayCount {
    /// 工作日: working days only.
    Working,
    /// 日 (natural days), the last day moved past a day off.
    Natural,
}

/// A statutory period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    /// Days.
    pub days: u32,
    /// How they count.
    pub count: DayCount,
}

impl Period {
    /// `days` working days.
    pub const fn working(days: u32) -> Period {
        Period { days, count: DayCount::Working }
    }

    /// `days` natural days.
    pub const fn natural(days: u32) -> Period {
        Period { days, count: DayCount::Natural }
    }

    /// How the law writes it: `7 工作日`, `90 日`.
    pub fn label(&self) -> String {
        match self.count {
            DayCount::Working => format!("{} 工作日", self.days),
            DayCount::Natural => format!("{} 日", self.days),
        }
    }
}

/// The last day of `period` started on `from` (the day of the act; not counted).
pub fn last_day(cal: &Calendar, from: NaiveDate, period: Period) -> Result<NaiveDate, CalendarError> {
    let next = |d: NaiveDate| d.succ_opt().ok_or(CalendarError::NoData { year: 262_143 });
    match period.count {
        DayCount::Working => {
            let mut day = from;
            let mut left = period.days;
            while left > 0 {
                day = next(day)?;
                if cal.is_working_day(day)? {
                    left -= 1;
                }
            }
            Ok(day)
        }
        DayCount::Natural => {
            let mut day = from
                .checked_add_signed(TimeDelta::days(i64::from(period.days)))
                .ok_or(CalendarError::NoData { year: 262_143 })?;
            while period.days > 0 && !cal.is_working_day(day)? {
                day = next(day)?;
            }
            Ok(day)
        }
    }
}

/// The deadline of `period` started at `from`: the end of its last day (the first instant after
/// it, 00:00 of the next day, which the wire shows as 24:00 of the last day).
pub fn deadline(cal: &Calendar, from: NaiveDateTime, period: Period) -> Result<NaiveDateTime, CalendarError> {
    let last = last_day(cal, from.date(), period)?;
    Ok(last.succ_opt().ok_or(CalendarError::NoData { year: 262_143 })?.and_time(chrono::NaiveTime::MIN))
}

/// Whether any year from `from` to `to` is counted without its notice.
pub fn provisional(cal: &Calendar, from: NaiveDateTime, to: NaiveDateTime) -> Result<bool, CalendarError> {
    cal.any_provisional(from, to)
}
