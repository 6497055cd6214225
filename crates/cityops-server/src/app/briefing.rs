//! The leadership briefing of a period: its figures gathered through the same application
//! functions the API answers with (`evaluation/drill` for the period and the previous one,
//! `cases?at=&overdue=true` at both ends, `viewport?at=` at the end, the period's hotspot
//! alerts), so every number in the document is one the API gives for the same question; the
//! pages are composed and written by `cityops-briefing`.

use chrono::Duration;
use cityops_api::query::{CaseQuery, CommaList, EvalQuery, ViewQuery};
use cityops_api::{CaseDto, EventBody, LayerKind, Timestamp};
use cityops_briefing::{Briefing, Outline, OverdueRow};
use cityops_core::calendar::to_timestamp;

use super::{evaluation, list_cases, replay};
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The longest period a briefing covers.
pub const MAX_DAYS: i64 = 92;
/// Overdue cases listed.
const MOST_OVERDUE: usize = 12;

/// What a briefing is about.
#[derive(Debug, Clone)]
pub struct Ask {
    /// Period start (inclusive).
    pub from: Timestamp,
    /// Period end (exclusive).
    pub to: Timestamp,
    /// `370200` (the city) or a district; default the city, or the token's district.
    pub area: Option<String>,
}

/// A step of the work, for the progress a person watches (CLI) or the log.
pub type Progress<'a> = &'a (dyn Fn(usize, usize, &str) + Send + Sync);

/// Gather the briefing's figures.
pub async fn gather(
    st: &AppState,
    caller: &Caller,
    ask: &Ask,
    progress: Progress<'_>,
) -> AppResult<Briefing> {
    let org = &st.city.pack.organisation;
    let city = org.city_code().to_owned();
    let area = ask.area.clone().or_else(|| caller.district.clone()).unwrap_or_else(|| city.clone());
    let district = org.district(&area);
    if area != city && district.is_none() {
        return Err(AppError::invalid(format!(
            "area={area:?} must be the city ({city}) or one of its district codes"
        )));
    }
    // Scope first: a district token asking about another district is refused whatever else.
    super::scope::area(caller, (area != city).then_some(area.as_str()))?;
    let now = to_timestamp(st.clock.now());
    if ask.from >= ask.to {
        return Err(AppError::invalid(format!("from={} must be before to={}", ask.from, ask.to)));
    }
    if ask.to - ask.from > Duration::days(MAX_DAYS) {
        return Err(AppError::invalid(format!("a briefing covers at most {MAX_DAYS} days")));
    }
    // A period reaching past now ends now (as exports do).
    let ask = Ask { to: ask.to.min(now), ..ask.clone() };
    if ask.from >= ask.to {
        return Err(AppError::invalid(format!(
            "from={} is after the service's current time {now}",
            ask.from
        )));
    }
    let len = ask.to - ask.from;
    let q = |from: Timestamp, to: Timestamp| EvalQuery { from, to, area: Some(area.clone()), unit: None };
    progress(1, 5, "本期与上期指标 (figures of the period and the previous one)");
    let current = evaluation::drill(st, caller, &q(ask.from, ask.to)).await?;
    let previous = evaluation::drill(st, caller, &q(ask.from - len, ask.from)).await?;
    progress(2, 5, "时段末与时段初的超期案件 (overdue cases at both ends)");
    let overdue_end = overdue_at(st, caller, &area, ask.to).await?;
    let overdue_start = overdue_at(st, caller, &area, ask.from).await?.len() as u64;
    let mut worst = overdue_end.clone();
    worst.sort_by(|a, b| a.deadline.cmp(&b.deadline).then(a.id.cmp(&b.id)));
    let most_overdue = worst
        .iter()
        .take(MOST_OVERDUE)
        .map(|c| OverdueRow {
            case_no: c.case_no.clone(),
            type_name: st.city.catalogue.get(&c.type_key).map(|k| k.name().to_owned()).unwrap_or_default(),
            district: org.district(&c.district_code).map(|d| d.name.clone()).unwrap_or_default(),
            stage: c.stage.zh().to_owned(),
            deadline: c.deadline.unwrap_or(ask.to),
            hours_over: c.deadline.map_or(0, |d| (ask.to - d).num_hours()),
        })
        .collect();
    progress(3, 5, "时段末城市一张图 (the map at the period's end)");
    let districts: Vec<_> = match district {
        Some(d) => vec![d],
        None => org.districts().iter().collect(),
    };
    let outlines: Vec<Outline> = districts.iter().map(|d| outline(&d.name, &d.polygon)).collect();
    let bbox = bbox_of(&outlines).unwrap_or([120.0, 35.6, 121.0, 37.1]);
    let view = ViewQuery {
        west: bbox[0],
        south: bbox[1],
        east: bbox[2],
        north: bbox[3],
        zoom: if district.is_some() { 11.0 } else { 9.0 },
        width: Some(1020),
        height: Some(840),
        layers: Some(CommaList(vec![LayerKind::Cases])),
        ..Default::default()
    };
    let map = replay::viewport_at(st, caller, &view, ask.to).await?.items;
    let hotspots = st
        .store
        .alerts_between(ask.from, ask.to)
        .await?
        .into_iter()
        .filter(|e| district.is_none_or(|d| st.city.district_of(&e.body).as_deref() == Some(d.code.as_str())))
        .filter_map(|e| match e.body {
            EventBody::Alert { rule, message, lon, lat, .. } if rule.starts_with("hotspot") => {
                Some((lon, lat, message))
            }
            _ => None,
        })
        .collect();
    // The data's own "as of": the last event recorded (not the clock, so the same data gives the
    // same document).
    let last = st.store.last_event_id().await?;
    let as_of = match last.checked_sub(1) {
        Some(before) => st.store.events_after(before, 1).await?.first().map_or(now, |e| e.at.min(now)),
        None => now,
    };
    progress(4, 5, "排版 (composing the pages)");
    Ok(Briefing {
        area_name: district.map_or_else(|| "青岛市".to_owned(), |d| d.name.clone()),
        from: ask.from,
        to: ask.to,
        as_of,
        current,
        previous,
        overdue: (overdue_end.len() as u64, overdue_start),
        most_overdue,
        bbox,
        zoom: view.zoom,
        outlines,
        map,
        hotspots,
        synthetic: true,
    })
}

/// Every case overdue at `at` in the area (`cases?at=&overdue=true`, all pages).
async fn overdue_at(st: &AppState, caller: &Caller, area: &str, at: Timestamp) -> AppResult<Vec<CaseDto>> {
    let city = st.city.pack.organisation.city_code();
    let mut out = Vec::new();
    loop {
        let q = CaseQuery {
            area: (area != city).then(|| area.to_owned()),
            overdue: Some(true),
            at: Some(at),
            limit: Some(cityops_store::MAX_PAGE),
            offset: Some(u32::try_from(out.len()).unwrap_or(u32::MAX)),
            ..Default::default()
        };
        let page = list_cases(st, caller, &q).await?;
        let n = page.items.len();
        out.extend(page.items);
        if n < cityops_store::MAX_PAGE as usize || out.len() as u64 >= page.total {
            return Ok(out);
        }
    }
}

fn outline(name: &str, polygon: &geo::MultiPolygon<f64>) -> Outline {
    use geo::{Area, InteriorPoint, Simplify};
    // About 50 m of tolerance: the page is 500 pt for 100 km.
    let simple = polygon.simplify(0.0005);
    let rings = simple
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .map(|r| r.coords().map(|c| (c.x, c.y)).collect())
        .collect();
    let biggest = polygon.0.iter().max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()));
    let label = biggest.and_then(|p| p.interior_point()).map_or((0.0, 0.0), |p| (p.x(), p.y()));
    Outline { name: name.to_owned(), rings, label }
}

fn bbox_of(outlines: &[Outline]) -> Option<[f64; 4]> {
    let mut it = outlines.iter().flat_map(|o| o.rings.iter().flatten());
    let first = it.next()?;
    let mut b = [first.0, first.1, first.0, first.1];
    for (x, y) in it {
        b = [b[0].min(*x), b[1].min(*y), b[2].max(*x), b[3].max(*y)];
    }
    Some(b)
}

/// What a briefing is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// The document: every page, A4, titled with the area and the period.
    Pdf,
    /// Its first page as a PNG (2× its size in points).
    Png,
}

/// The briefing, made and written.
pub async fn make(
    st: &AppState,
    caller: &Caller,
    ask: &Ask,
    form: Form,
    progress: Progress<'_>,
) -> AppResult<Vec<u8>> {
    let b = gather(st, caller, ask, progress).await?;
    // `SOURCE_DATE_EPOCH` (the reproducible-builds convention) fixes the creation date, so two
    // briefings of the same data can be compared byte for byte.
    let created = source_date().unwrap_or_else(|| st.clock.now());
    let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, cityops_briefing::BriefingError> {
        let fonts = fonts()?;
        let pages = cityops_briefing::pages(&b)?;
        match form {
            Form::Pdf => {
                let title = format!(
                    "{}城市运行管理服务简报 {} 至 {}",
                    b.area_name,
                    b.from.format("%Y-%m-%d %H:%M"),
                    b.to.format("%Y-%m-%d %H:%M")
                );
                cityops_briefing::pdf(&pages, &fonts, &title, created)
            }
            Form::Png => {
                let first =
                    pages.first().ok_or_else(|| cityops_briefing::BriefingError::Write("no page".into()))?;
                cityops_briefing::png(first, &fonts, 2.0)
            }
        }
    })
    .await
    .map_err(|e| AppError::new(cityops_api::ErrorCode::Internal, e.to_string()))?
    .map_err(briefing_error)?;
    progress(5, 5, "完成 (done)");
    Ok(bytes)
}

fn source_date() -> Option<chrono::NaiveDateTime> {
    let secs: i64 = std::env::var("SOURCE_DATE_EPOCH").ok()?.trim().parse().ok()?;
    chrono::DateTime::from_timestamp(secs, 0).map(|t| t.with_timezone(&cityops_api::CST).naive_local())
}

/// The fonts, loaded once: Noto Sans CJK where Debian's fonts-noto-cjk installs it, or from
/// `CITYOPS_FONT_DIR` (read once, at the first briefing).
pub(crate) fn fonts() -> Result<cityops_briefing::Fonts, cityops_briefing::BriefingError> {
    static FONTS: std::sync::OnceLock<Result<cityops_briefing::Fonts, String>> = std::sync::OnceLock::new();
    FONTS
        .get_or_init(|| {
            let dir = std::env::var_os("CITYOPS_FONT_DIR").map(std::path::PathBuf::from);
            cityops_briefing::Fonts::system(dir.as_deref()).map_err(|e| e.to_string())
        })
        .clone()
        .map_err(cityops_briefing::BriefingError::Font)
}

fn briefing_error(e: cityops_briefing::BriefingError) -> AppError {
    tracing::error!(error = %e, "briefing not made");
    AppError::new(cityops_api::ErrorCode::Unavailable, format!("the briefing could not be made: {e}"))
}
