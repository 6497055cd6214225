//! The working calendar of the running service: the notices bundled with the release, the notices
//! loaded at run time (kept in the store, they win over bundled ones), and the statutory rule for
//! every other year; loading a notice file (the API and the `calendar import` command share
//! [`import`]); one year on the wire.
//!
//! A load takes effect at once in the process that made it, and in every other instance on the
//! same database when its live tailer sees the `calendar` event the load committed (see
//! [`follow`]).

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use chrono::Datelike;
use cityops_api::{
    CalendarDayDto, CalendarImportDto, CalendarImportedYearDto, CalendarSource, CalendarYearDto, EventBody,
    NoticeLoadDto, Role, Timestamp,
};
use cityops_core::calendar::{Calendar, CalendarError, YearInfo, YearSource, data};
use cityops_store::{NewAudit, Store, StoredNotice};

use crate::live::Live;

/// The notices bundled with the release, and the working hours.
pub const BUNDLED: &str = include_str!("../../../assets/calendar/cn_workdays.toml");

/// Largest notice file accepted.
pub const MAX_NOTICE_BYTES: usize = 256 * 1024;

/// Why the calendar could not be loaded or a notice not imported.
#[derive(Debug, thiserror::Error)]
pub enum CalendarLoadError {
    /// The file or a stored notice is invalid (the message names the line).
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] cityops_store::StoreError),
    /// The file is too large.
    #[error("the notice file has {0} bytes; at most {MAX_NOTICE_BYTES} are accepted")]
    TooLarge(usize),
}

/// The calendar in force and when each run-time notice was loaded.
#[derive(Debug)]
pub struct Loaded {
    /// The calendar.
    pub calendar: Arc<Calendar>,
    /// Run-time loads per year.
    pub loads: BTreeMap<i32, NoticeLoadDto>,
}

/// The service's current calendar, swapped whole when a notice is loaded.
#[derive(Debug, Clone)]
pub struct CalendarHandle(Arc<RwLock<Arc<Loaded>>>);

impl CalendarHandle {
    /// A handle on `loaded`.
    pub fn new(loaded: Loaded) -> Self {
        Self(Arc::new(RwLock::new(Arc::new(loaded))))
    }

    /// The calendar in force now.
    pub fn current(&self) -> Arc<Calendar> {
        self.loaded().calendar.clone()
    }

    /// The calendar and its load records.
    pub fn loaded(&self) -> Arc<Loaded> {
        match self.0.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn replace(&self, loaded: Loaded) {
        match self.0.write() {
            Ok(mut g) => *g = Arc::new(loaded),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(loaded),
        }
    }

    /// Load again from the store (after another instance loaded a notice).
    pub async fn reload(&self, store: &dyn Store) -> Result<(), CalendarLoadError> {
        self.replace(load(store).await?);
        Ok(())
    }
}

/// The bundled calendar (a build defect if invalid: the data is compiled in).
pub fn bundled() -> Result<Calendar, CalendarError> {
    Calendar::from_toml(BUNDLED)
}

/// The bundled calendar with the store's run-time notices over it.
pub async fn load(store: &dyn Store) -> Result<Loaded, CalendarLoadError> {
    let base = bundled()?;
    let mut years = Vec::new();
    let mut loads = BTreeMap::new();
    for n in store.calendar_notices().await? {
        let parsed = base.parse_notices(&n.text).map_err(|e| CalendarError::Invalid {
            line: None,
            message: format!("stored notice for {}: {e}", n.year),
        })?;
        years.extend(parsed);
        loads.insert(n.year, NoticeLoadDto { at: n.loaded_at, by: n.loaded_by });
    }
    Ok(Loaded { calendar: Arc::new(base.with_notices(years)), loads })
}

/// Who loads a notice, for the audit log.
#[derive(Debug, Clone)]
pub struct Loader {
    /// Token label, or `cli`.
    pub actor: String,
    /// Role.
    pub role: Role,
    /// Remote address, or `local`.
    pub remote: String,
    /// When.
    pub at: Timestamp,
}

/// Validate a notice file whole against `current`, store the years that change (one
/// transaction, audited, with a `calendar` live event) and return the new calendar. A file
/// that changes nothing writes nothing; a bad file is refused before anything is written.
pub async fn import(
    store: &dyn Store,
    current: &Loaded,
    text: &str,
    by: &Loader,
) -> Result<(Option<Loaded>, CalendarImportDto), CalendarLoadError> {
    if text.len() > MAX_NOTICE_BYTES {
        return Err(CalendarLoadError::TooLarge(text.len()));
    }
    let years = current.calendar.parse_notices(text)?;
    let mut report = Vec::new();
    let mut changed: Vec<YearInfo> = Vec::new();
    for y in years {
        let before = current.calendar.year(y.year)?;
        let previous = source(before.source);
        let differs = *before != y;
        report.push(CalendarImportedYearDto { year: y.year, changed: differs, previous });
        if differs {
            changed.push(y);
        }
    }
    if changed.is_empty() {
        return Ok((None, CalendarImportDto { years: report }));
    }
    let mut stored = Vec::new();
    for y in &changed {
        stored.push(StoredNotice {
            year: y.year,
            text: data::year_to_toml(y)?,
            loaded_at: by.at,
            loaded_by: by.actor.clone(),
        });
    }
    let detail = report
        .iter()
        .filter(|r| r.changed)
        .map(|r| format!("{} (was {})", r.year, cityops_api::wire_name(&r.previous)))
        .collect::<Vec<_>>()
        .join(", ");
    let targets = changed.iter().map(|y| y.year.to_string()).collect::<Vec<_>>().join(",");
    let audit = NewAudit {
        at: by.at,
        actor: by.actor.clone(),
        role: by.role,
        action: "calendar.import".into(),
        target: format!("calendar:{targets}"),
        detail: format!("notices loaded: {detail}"),
        remote: by.remote.clone(),
    };
    store.put_calendar_notices(stored, audit).await?;
    let mut loads = current.loads.clone();
    for y in &changed {
        loads.insert(y.year, NoticeLoadDto { at: by.at, by: by.actor.clone() });
    }
    let next = Loaded { calendar: Arc::new(current.calendar.with_notices(changed)), loads };
    Ok((Some(next), CalendarImportDto { years: report }))
}

/// Import through a handle: the new calendar is in force before this returns.
pub async fn import_into(
    handle: &CalendarHandle,
    store: &dyn Store,
    text: &str,
    by: &Loader,
) -> Result<CalendarImportDto, CalendarLoadError> {
    let (next, report) = import(store, &handle.loaded(), text, by).await?;
    if let Some(next) = next {
        handle.replace(next);
    }
    Ok(report)
}

/// Follow the live hub: reload from the store whenever a `calendar` event arrives (a notice
/// loaded by this or another instance, or by the CLI).
pub fn follow(handle: CalendarHandle, store: Arc<dyn Store>, live: &Live) {
    let mut rx = live.subscribe();
    tokio::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            let reload = match rx.recv().await {
                Ok(e) => matches!(e.body, EventBody::Calendar { .. }),
                Err(RecvError::Lagged(_)) => true,
                Err(RecvError::Closed) => return,
            };
            if reload {
                match handle.reload(&*store).await {
                    Ok(()) => tracing::info!("working calendar reloaded (holiday notices changed)"),
                    Err(e) => tracing::error!(error = %e, "working calendar could not be reloaded"),
                }
            }
        }
    });
}

fn source(s: YearSource) -> CalendarSource {
    match s {
        YearSource::Notice => CalendarSource::Notice,
        YearSource::StatutoryProvisional => CalendarSource::StatutoryProvisional,
    }
}

/// One year on the wire.
pub fn year_dto(loaded: &Loaded, year: i32) -> Result<CalendarYearDto, CalendarError> {
    let cal = &loaded.calendar;
    let info = cal.year(year)?;
    let days = |it: &mut dyn Iterator<Item = (chrono::NaiveDate, &str)>| {
        it.map(|(date, name)| CalendarDayDto { date, name: name.to_owned() }).collect::<Vec<_>>()
    };
    let hours = cal.hours();
    Ok(CalendarYearDto {
        year,
        source: source(info.source),
        title: info.title.clone(),
        status: info.status.clone(),
        holidays: days(&mut info.holidays()),
        makeup_workdays: days(&mut info.makeup_workdays()),
        working_days: u32::try_from(cal.working_days(year)?.len()).unwrap_or(u32::MAX),
        working_hours: hours
            .periods
            .iter()
            .map(|(a, b)| [a.format("%H:%M").to_string(), b.format("%H:%M").to_string()])
            .collect(),
        weekend: hours.weekend.iter().map(|d| d.to_string()).collect(),
        loaded: if info.source == YearSource::Notice { loaded.loads.get(&year).cloned() } else { None },
    })
}

/// `calendar show YEAR`: the year as text for an operator.
pub fn render_year(dto: &CalendarYearDto, calendar: &Calendar) -> Result<String, CalendarError> {
    use std::fmt::Write;
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "{} {}", dto.year, cityops_api::wire_name(&dto.source));
    let _ = writeln!(w, "source:  {}", dto.title);
    let _ = writeln!(w, "status:  {}", dto.status);
    if let Some(l) = &dto.loaded {
        let _ = writeln!(w, "loaded:  {} by {}", l.at.format("%Y-%m-%d %H:%M %:z"), l.by);
    }
    let hours = dto.working_hours.iter().map(|[a, b]| format!("{a}–{b}")).collect::<Vec<_>>().join(", ");
    let _ = writeln!(w, "hours:   {hours} (China Standard Time); weekend {}", dto.weekend.join(", "));
    let _ = writeln!(w, "working days: {}", dto.working_days);
    let _ = writeln!(w, "days off ({}):", dto.holidays.len());
    for d in &dto.holidays {
        let _ = writeln!(w, "  {} {} {}", d.date, d.date.format("%a"), d.name);
    }
    let _ = writeln!(w, "make-up working days (调休上班) ({}):", dto.makeup_workdays.len());
    for d in &dto.makeup_workdays {
        let _ = writeln!(w, "  {} {} {}", d.date, d.date.format("%a"), d.name);
    }
    let _ = writeln!(w, "working days by month:");
    let working = calendar.working_days(dto.year)?;
    for month in 1..=12u32 {
        let days: Vec<u32> = working.iter().filter(|d| d.month() == month).map(|d| d.day()).collect();
        let _ = writeln!(w, "  {}-{month:02} ({:>2}): {}", dto.year, days.len(), runs(&days));
    }
    Ok(out)
}

/// `1 2 3 5 6` → `1-3 5-6`.
fn runs(days: &[u32]) -> String {
    let mut parts: Vec<(u32, u32)> = Vec::new();
    for &d in days {
        match parts.last_mut() {
            Some((_, end)) if *end + 1 == d => *end = d,
            _ => parts.push((d, d)),
        }
    }
    let text: Vec<String> =
        parts.iter().map(|&(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") }).collect();
    text.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_compress_consecutive_days() {
        assert_eq!(runs(&[1, 2, 3, 5, 7, 8]), "1-3 5 7-8");
        assert_eq!(runs(&[]), "");
    }

    #[test]
    fn a_provisional_year_renders_its_source_first() {
        let cal = Arc::new(bundled().unwrap());
        let loaded = Loaded { calendar: cal.clone(), loads: BTreeMap::new() };
        let dto = year_dto(&loaded, 2027).unwrap();
        let text = render_year(&dto, &cal).unwrap();
        assert!(text.starts_with("2027 statutory-provisional\n"), "{text}");
        assert!(text.contains("2027-10-04 Mon 国庆节(补假)"), "{text}");
        assert!(text.contains("  2027-01 (20): 4-8 11-15 18-22 25-29\n"), "{text}");
        assert_eq!(dto.working_days, u32::try_from(cal.working_days(2027).unwrap().len()).unwrap());
        assert!(dto.loaded.is_none());
        let dto = year_dto(&loaded, 2026).unwrap();
        assert_eq!(dto.source, CalendarSource::Notice);
        assert_eq!(dto.working_days, 248);
        assert_eq!(dto.makeup_workdays.len(), 6);
    }
}
