//! The statutory rule: which days are public holidays in a year that has no State Council notice,
//! computed from 《全国年节及纪念日放假办法》 as in force that year.
//!
//! The lunar dates (除夕, 正月初一…初三, 端午 五月初五, 中秋 八月十五) come from the Chinese lunisolar
//! calendar of `icu_calendar` (GB/T 33661-2017 rules; it agrees with the Purple Mountain
//! Observatory's tables for 1900–2025 and the Hong Kong Observatory's for 1901–2100); the
//! Qingming day is the date (China Standard Time) of the 清明 solar term from `tyme4rs` (the
//! 寿星天文历 algorithm). No date is typed in by hand.
//!
//! Article 6 of the measures: a holiday for all citizens that falls on a Saturday or Sunday is
//! given back on a working day (补假). Here each such day is given back on the first following day
//! that is neither a weekend day, a holiday nor already given back, which is what the notices do.
//! What a rule cannot know is the notice's bridging (调休): weekend days made working days so that
//! a holiday becomes a longer block. A year computed here therefore has no make-up working days and
//! is marked provisional until its notice is loaded.
//!
//! Deliberately absent: days off for part of the population (妇女节, 青年节, 儿童节, 建军节), which
//! do not stop a city operations centre.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use icu_calendar::Date;
use icu_calendar::cal::ChineseTraditional;

use super::CalendarError;

/// The first year a statutory rule is modelled for (the 2007 revision, in force from 2008).
pub const FIRST_YEAR: i32 = 2008;
/// The last year the lunisolar and solar-term conversions cover.
pub const LAST_YEAR: i32 = 9998;

/// How a holiday's day is found in a Gregorian year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayRule {
    /// A fixed Gregorian month and day.
    Solar(u32, u32),
    /// A day of a (non-leap) lunar month of the lunar year that begins in this Gregorian year.
    Lunar(u8, u8),
    /// 除夕: the last day of the lunar year that ends in this Gregorian year (the day before
    /// 正月初一).
    LunarNewYearsEve,
    /// The day of the 清明 solar term (the sun at ecliptic longitude 15°), China Standard Time.
    Qingming,
}

/// A public holiday of the measures: its name and its days.
#[derive(Debug, Clone, Copy)]
pub struct Festival {
    /// Chinese name, as the notices write it.
    pub name: &'static str,
    /// Its days.
    pub days: &'static [DayRule],
}

/// One version of the measures: the year it took effect and its holidays. A version applies from
/// its year until the next version; the newest applies to every later year.
#[derive(Debug, Clone, Copy)]
pub struct RuleVersion {
    /// First year it applies to.
    pub from_year: i32,
    /// Citation.
    pub title: &'static str,
    /// Holidays for all citizens.
    pub festivals: &'static [Festival],
}

use DayRule::{Lunar, LunarNewYearsEve, Qingming, Solar};

const NEW_YEAR: Festival = Festival { name: "元旦", days: &[Solar(1, 1)] };
const QINGMING: Festival = Festival { name: "清明节", days: &[Qingming] };
const DRAGON_BOAT: Festival = Festival { name: "端午节", days: &[Lunar(5, 5)] };
const MID_AUTUMN: Festival = Festival { name: "中秋节", days: &[Lunar(8, 15)] };
const NATIONAL_DAY: Festival =
    Festival { name: "国庆节", days: &[Solar(10, 1), Solar(10, 2), Solar(10, 3)] };

/// The versions of 《全国年节及纪念日放假办法》 with holidays for all citizens, oldest first.
pub const VERSIONS: &[RuleVersion] = &[
    RuleVersion {
        from_year: 2008,
        title: "《全国年节及纪念日放假办法》(2007年12月14日修订, 2008年1月1日起施行)",
        festivals: &[
            NEW_YEAR,
            Festival { name: "春节", days: &[LunarNewYearsEve, Lunar(1, 1), Lunar(1, 2)] },
            QINGMING,
            Festival { name: "劳动节", days: &[Solar(5, 1)] },
            DRAGON_BOAT,
            MID_AUTUMN,
            NATIONAL_DAY,
        ],
    },
    RuleVersion {
        from_year: 2014,
        title: "《全国年节及纪念日放假办法》(2013年12月11日修订, 2014年1月1日起施行)",
        festivals: &[
            NEW_YEAR,
            Festival { name: "春节", days: &[Lunar(1, 1), Lunar(1, 2), Lunar(1, 3)] },
            QINGMING,
            Festival { name: "劳动节", days: &[Solar(5, 1)] },
            DRAGON_BOAT,
            MID_AUTUMN,
            NATIONAL_DAY,
        ],
    },
    RuleVersion {
        from_year: 2025,
        title: "《全国年节及纪念日放假办法》(2024年11月10日修订, 2025年1月1日起施行)",
        festivals: &[
            NEW_YEAR,
            Festival { name: "春节", days: &[LunarNewYearsEve, Lunar(1, 1), Lunar(1, 2), Lunar(1, 3)] },
            QINGMING,
            Festival { name: "劳动节", days: &[Solar(5, 1), Solar(5, 2)] },
            DRAGON_BOAT,
            MID_AUTUMN,
            NATIONAL_DAY,
        ],
    },
];

/// The version of the measures in force in `year`.
pub fn version_for(year: i32) -> Result<&'static RuleVersion, CalendarError> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(CalendarError::NoData { year });
    }
    VERSIONS.iter().rev().find(|v| v.from_year <= year).ok_or(CalendarError::NoData { year })
}

/// Why a day is off under the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatutoryDay {
    /// The date.
    pub date: NaiveDate,
    /// Holiday name(s), e.g. `春节`, or `国庆节、中秋节` when two fall on one day.
    pub name: String,
    /// Whether this is a day given back for a holiday on a weekend (补假).
    pub substitute: bool,
}

/// The statutory holidays of `year` (without 补假), in date order, with their names.
pub fn holidays(year: i32) -> Result<BTreeMap<NaiveDate, String>, CalendarError> {
    let version = version_for(year)?;
    let mut days: BTreeMap<NaiveDate, String> = BTreeMap::new();
    for festival in version.festivals {
        for rule in festival.days {
            let date = resolve(year, *rule)?;
            days.entry(date)
                .and_modify(|n| {
                    if !n.split('、').any(|x| x == festival.name) {
                        n.push('、');
                        n.push_str(festival.name);
                    }
                })
                .or_insert_with(|| festival.name.to_owned());
        }
    }
    Ok(days)
}

/// Every day off of `year` under the rule: the statutory holidays and the days given back for
/// those on a weekend day (补假), in date order.
pub fn days_off(year: i32, weekend: &[Weekday]) -> Result<Vec<StatutoryDay>, CalendarError> {
    let holidays = holidays(year)?;
    let mut out: BTreeMap<NaiveDate, StatutoryDay> = holidays
        .iter()
        .map(|(d, n)| (*d, StatutoryDay { date: *d, name: n.clone(), substitute: false }))
        .collect();
    for (date, name) in &holidays {
        if !weekend.contains(&date.weekday()) {
            continue;
        }
        let mut s = *date;
        loop {
            s = s.succ_opt().ok_or(CalendarError::NoData { year: year + 1 })?;
            if !weekend.contains(&s.weekday()) && !out.contains_key(&s) {
                break;
            }
        }
        if s.year() == year {
            let first = name.split('、').next().unwrap_or(name);
            out.insert(s, StatutoryDay { date: s, name: format!("{first}(补假)"), substitute: true });
        }
    }
    Ok(out.into_values().collect())
}

/// The Gregorian date of a rule's day in `year`.
pub fn resolve(year: i32, rule: DayRule) -> Result<NaiveDate, CalendarError> {
    let date = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d).ok_or(CalendarError::NoData { year });
    match rule {
        Solar(m, d) => date(m, d),
        // 正月初一 lies between 21 January and 20 February; 端午 between late May and late June;
        // 中秋 between early September and early October. The windows are wider than that.
        Lunar(1, d) => lunar_in(year, 1, d, date(1, 15)?, 45),
        Lunar(5, d) => lunar_in(year, 5, d, date(5, 15)?, 50),
        Lunar(8, d) => lunar_in(year, 8, d, date(9, 1)?, 45),
        Lunar(m, d) => lunar_in(year, m, d, date(1, 15)?, 380),
        LunarNewYearsEve => {
            let first = lunar_in(year, 1, 1, date(1, 15)?, 45)?;
            first.pred_opt().ok_or(CalendarError::NoData { year })
        }
        Qingming => qingming(year),
    }
}

/// The first date from `start` (within `span` days) that is day `day` of the non-leap lunar
/// month `month`.
fn lunar_in(year: i32, month: u8, day: u8, start: NaiveDate, span: u32) -> Result<NaiveDate, CalendarError> {
    let chinese = ChineseTraditional::new();
    for d in start.iter_days().take(span as usize) {
        let (Ok(m), Ok(dd)) = (u8::try_from(d.month()), u8::try_from(d.day())) else { continue };
        let Ok(iso) = Date::try_new_iso(d.year(), m, dd) else { continue };
        let c = iso.to_calendar(chinese);
        let info = c.month().to_input();
        if info.number() == month && !info.is_leap() && c.day_of_month().0 == day {
            return Ok(d);
        }
    }
    Err(CalendarError::NoData { year })
}

/// The date (China Standard Time) of the 清明 solar term in `year`.
pub fn qingming(year: i32) -> Result<NaiveDate, CalendarError> {
    let y = isize::try_from(year).map_err(|_| CalendarError::NoData { year })?;
    let day = tyme4rs::tyme::solar::SolarTerm::from_name(y, "清明").get_solar_day();
    let (m, d) = (u32::try_from(day.get_month()), u32::try_from(day.get_day()));
    match (m, d) {
        (Ok(m), Ok(d)) if day.get_year() == y => {
            NaiveDate::from_ymd_opt(year, m, d).ok_or(CalendarError::NoData { year })
        }
        _ => Err(CalendarError::NoData { year }),
    }
}
