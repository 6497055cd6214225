//! Charts for leadership briefings and the command hall's wall, written against plotters'
//! `DrawingBackend` so the same code draws SVG on the service and in the wasm UI: the district
//! evaluation ranking, reports by hour, and labelled bars (channel mix, top types). A [`Theme`]
//! gives the paper (light) or the wall (dark, large type).
//!
//! Deliberately absent: data access. Charts take wire DTOs.

use cityops_api::{Grade, RatesDto};
use plotters::coord::Shift;
use plotters::prelude::*;

/// A colour (plotters' RGB), for rows with a colour of their own.
pub use plotters::style::RGBColor as RGB;

/// Chart errors (the backend's message).
#[derive(Debug, thiserror::Error)]
#[error("chart: {0}")]
pub struct ChartError(String);

fn err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError(format!("{e:?}"))
}

/// Colours and type size of a chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    /// Background.
    pub background: RGBColor,
    /// Text and axes.
    pub foreground: RGBColor,
    /// Bars without a meaning of their own.
    pub bar: RGBColor,
    /// Type size of labels, px (captions are 1.4×).
    pub font: u32,
}

impl Theme {
    /// Paper: white, small type (briefings, the service's SVG).
    pub const LIGHT: Theme =
        Theme { background: WHITE, foreground: BLACK, bar: RGBColor(59, 130, 246), font: 14 };
    /// The wall: the console's dark panel colour, light text, type readable from metres away
    /// (scale `font` with the screen).
    pub const DARK: Theme = Theme {
        background: RGBColor(17, 30, 43),
        foreground: RGBColor(216, 227, 238),
        bar: RGBColor(56, 189, 248),
        font: 18,
    };

    /// This theme with type of `px` pixels.
    pub fn with_font(self, px: u32) -> Theme {
        Theme { font: px.max(8), ..self }
    }
}

/// Colour of a grade (A green … E red).
pub fn grade_colour(g: Option<Grade>) -> RGBColor {
    match g {
        Some(Grade::A) => RGBColor(34, 160, 90),
        Some(Grade::B) => RGBColor(90, 170, 60),
        Some(Grade::C) => RGBColor(230, 170, 30),
        Some(Grade::D) => RGBColor(230, 110, 40),
        Some(Grade::E) => RGBColor(210, 50, 50),
        None => RGBColor(150, 150, 150),
    }
}

/// Draw with `draw` on an SVG canvas of `size` pixels and return the document.
fn svg_of(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), ChartError>,
) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw(&root)?;
    }
    Ok(svg)
}

/// The districts' area composite (0–100) as horizontal bars, best first, coloured by grade.
/// `names` gives each subject's display name; `title` explains the period.
pub fn district_ranking<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rows: &[(String, RatesDto)],
    title: &str,
    theme: Theme,
) -> Result<(), ChartError> {
    area.fill(&theme.background).map_err(err)?;
    let (fg, f) = (theme.foreground, theme.font);
    let mut rows: Vec<&(String, RatesDto)> = rows.iter().collect();
    rows.sort_by(|a, b| b.1.composite.unwrap_or(-1.0).total_cmp(&a.1.composite.unwrap_or(-1.0)));
    let n = rows.len().max(1);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", f * 7 / 5).into_font().color(&fg))
        .margin(12)
        .x_label_area_size(f * 5 / 2)
        .y_label_area_size(f * 6)
        .build_cartesian_2d(0.0..100.0, (0..n).into_segmented())
        .map_err(err)?;
    let labels: Vec<String> = rows.iter().map(|(name, _)| name.clone()).collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .axis_style(fg)
        .light_line_style(fg.mix(0.15))
        .bold_line_style(fg.mix(0.3))
        .label_style(("sans-serif", f).into_font().color(&fg))
        .axis_desc_style(("sans-serif", f).into_font().color(&fg))
        .x_desc("综合指标值 composite (0–100)")
        .x_labels(6)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_labels(n)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .draw()
        .map_err(err)?;
    chart
        .draw_series(rows.iter().enumerate().map(|(i, (_, r))| {
            let v = r.composite.unwrap_or(0.0).clamp(0.0, 100.0);
            let mut bar = Rectangle::new(
                [(0.0, SegmentValue::Exact(i)), (v, SegmentValue::Exact(i + 1))],
                grade_colour(r.grade).filled(),
            );
            bar.set_margin(4, 4, 0, 0);
            bar
        }))
        .map_err(err)?;
    chart
        .draw_series(rows.iter().enumerate().map(|(i, (_, r))| {
            let text = match (r.composite, r.grade) {
                (Some(c), Some(g)) => format!("{c:.1} {g:?}"),
                _ => "—".to_owned(),
            };
            Text::new(
                text,
                (r.composite.unwrap_or(0.0).clamp(0.0, 88.0) + 1.0, SegmentValue::CenterOf(i)),
                ("sans-serif", f).into_font().color(&fg),
            )
        }))
        .map_err(err)?;
    area.present().map_err(err)
}

/// The ranking as an SVG document.
pub fn district_ranking_svg(rows: &[(String, RatesDto)], title: &str) -> Result<String, ChartError> {
    district_ranking_svg_with(rows, title, Theme::LIGHT, (900, 520))
}

/// The ranking as an SVG document of `size` pixels in `theme`.
pub fn district_ranking_svg_with(
    rows: &[(String, RatesDto)],
    title: &str,
    theme: Theme,
    size: (u32, u32),
) -> Result<String, ChartError> {
    svg_of(size, |root| district_ranking(root, rows, title, theme))
}

/// Reports per hour of the day as columns (index = hour), with the hour axis 0–23.
pub fn hourly<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    counts: &[u32],
    title: &str,
    theme: Theme,
) -> Result<(), ChartError> {
    let hours: Vec<String> = (0..24).map(|h| h.to_string()).collect();
    columns(area, counts, &hours, title, theme)
}

/// [`hourly`] as an SVG document.
pub fn hourly_svg(counts: &[u32], title: &str, theme: Theme, size: (u32, u32)) -> Result<String, ChartError> {
    svg_of(size, |root| hourly(root, counts, title, theme))
}

/// Columns over a labelled axis (a trend by hour or by day): `labels[i]` names column `i`; the
/// axis is as long as the longer of `counts` and `labels` (a day's hours before the day is over),
/// with at most 12 labels written.
pub fn columns<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    counts: &[u32],
    labels: &[String],
    title: &str,
    theme: Theme,
) -> Result<(), ChartError> {
    area.fill(&theme.background).map_err(err)?;
    let (fg, f) = (theme.foreground, theme.font);
    let n = u32::try_from(counts.len().max(labels.len())).unwrap_or(u32::MAX).max(1);
    let top = counts.iter().copied().max().unwrap_or(0).max(1);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", f * 7 / 5).into_font().color(&fg))
        .margin(12)
        .x_label_area_size(f * 2)
        .y_label_area_size(f * 3)
        .build_cartesian_2d((0u32..n).into_segmented(), 0u32..top + top / 5 + 1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .axis_style(fg)
        .light_line_style(fg.mix(0.1))
        .bold_line_style(fg.mix(0.25))
        .label_style(("sans-serif", f).into_font().color(&fg))
        .x_labels(12)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .draw()
        .map_err(err)?;
    chart
        .draw_series(counts.iter().enumerate().map(|(i, v)| {
            let i = u32::try_from(i).unwrap_or(0);
            let mut bar = Rectangle::new(
                [(SegmentValue::Exact(i), 0), (SegmentValue::Exact(i + 1), *v)],
                theme.bar.filled(),
            );
            bar.set_margin(0, 0, 1, 1);
            bar
        }))
        .map_err(err)?;
    area.present().map_err(err)
}

/// [`columns`] as an SVG document.
pub fn columns_svg(
    counts: &[u32],
    labels: &[String],
    title: &str,
    theme: Theme,
    size: (u32, u32),
) -> Result<String, ChartError> {
    svg_of(size, |root| columns(root, counts, labels, title, theme))
}

/// Labelled horizontal bars, top to bottom in the order given, each with its value (channel
/// mix, top types): `rows` are (label, value, colour or `None` for the theme's bar colour).
pub fn labelled_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rows: &[(String, u32, Option<RGBColor>)],
    title: &str,
    theme: Theme,
) -> Result<(), ChartError> {
    area.fill(&theme.background).map_err(err)?;
    let (fg, f) = (theme.foreground, theme.font);
    let n = rows.len().max(1);
    let top = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let label_px = labels.iter().map(|l| l.chars().count()).max().unwrap_or(4).clamp(3, 12) as u32 * f + f;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", f * 7 / 5).into_font().color(&fg))
        .margin(12)
        .x_label_area_size(f * 2)
        .y_label_area_size(label_px)
        .build_cartesian_2d(0u32..top + top / 4 + 1, (0..n).into_segmented())
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .axis_style(fg)
        .light_line_style(fg.mix(0.1))
        .bold_line_style(fg.mix(0.25))
        .label_style(("sans-serif", f).into_font().color(&fg))
        .y_labels(n)
        // The y axis counts upwards: the first row sits at the top.
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => {
                n.checked_sub(i + 1).and_then(|r| labels.get(r)).cloned().unwrap_or_default()
            }
            _ => String::new(),
        })
        .draw()
        .map_err(err)?;
    let slot = |i: usize| n.saturating_sub(i + 1);
    chart
        .draw_series(rows.iter().enumerate().map(|(i, (_, v, c))| {
            let mut bar = Rectangle::new(
                [(0, SegmentValue::Exact(slot(i))), (*v, SegmentValue::Exact(slot(i) + 1))],
                c.unwrap_or(theme.bar).filled(),
            );
            bar.set_margin(3, 3, 0, 0);
            bar
        }))
        .map_err(err)?;
    chart
        .draw_series(rows.iter().enumerate().map(|(i, (_, v, _))| {
            Text::new(
                format!(" {v}"),
                (*v, SegmentValue::CenterOf(slot(i))),
                ("sans-serif", f).into_font().color(&fg),
            )
        }))
        .map_err(err)?;
    area.present().map_err(err)
}

/// [`labelled_bars`] as an SVG document.
pub fn labelled_bars_svg(
    rows: &[(String, u32, Option<RGBColor>)],
    title: &str,
    theme: Theme,
    size: (u32, u32),
) -> Result<String, ChartError> {
    svg_of(size, |root| labelled_bars(root, rows, title, theme))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates(subject: &str, composite: Option<f64>, grade: Option<Grade>) -> RatesDto {
        let t = chrono::DateTime::parse_from_rfc3339("2026-03-01T00:00:00+08:00").unwrap();
        RatesDto {
            subject: subject.into(),
            from: t,
            to: t,
            registered: 10,
            due_to_close: 10,
            closed: 9,
            close_rate: Some(0.9),
            on_time_close_rate: Some(0.8),
            handle_rate: None,
            on_time_handle_rate: None,
            rework_rate: None,
            on_time_verify_rate: None,
            on_time_check_rate: None,
            inspector_report_rate: None,
            composite,
            grade,
        }
    }

    #[test]
    fn hours_and_labelled_bars_draw_their_values_in_the_theme() {
        let mut counts = vec![0u32; 24];
        counts[9] = 42;
        counts[10] = 7;
        let svg = hourly_svg(&counts, "今日每小时上报", Theme::DARK, (800, 300)).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("今日每小时上报"));
        assert!(svg.to_lowercase().contains("#111e2b"), "dark background");
        assert!(svg.to_lowercase().contains("#38bdf8"), "bars in the wall's colour");
        let rows = vec![
            ("监督员巡查".to_owned(), 120, None),
            ("12345热线".to_owned(), 30, Some(RGBColor(239, 68, 68))),
        ];
        let svg = labelled_bars_svg(&rows, "渠道构成", Theme::LIGHT.with_font(20), (600, 240)).unwrap();
        assert!(svg.contains("监督员巡查") && svg.contains("12345热线"));
        assert!(svg.contains(" 120") && svg.contains(" 30"), "values written beside the bars");
        assert!(svg.to_lowercase().contains("#ef4444"), "a row's own colour");
        // The first row stands above the second.
        let y_of = |label: &str| -> f64 {
            let at = svg.find(label).unwrap();
            let tag = &svg[svg[..at].rfind("<text").unwrap()..at];
            let y = &tag[tag.find(" y=\"").unwrap() + 4..];
            y[..y.find('"').unwrap()].parse().unwrap()
        };
        assert!(y_of("监督员巡查") < y_of("12345热线"), "first row on top");
        // Empty data still draws a frame (no division by zero).
        assert!(hourly_svg(&[], "空", Theme::LIGHT, (300, 200)).unwrap().starts_with("<svg"));
        assert!(labelled_bars_svg(&[], "空", Theme::LIGHT, (300, 200)).unwrap().starts_with("<svg"));
    }

    #[test]
    fn the_ranking_draws_one_bar_per_district_best_first_with_its_grade() {
        let rows = vec![
            ("市北区".to_owned(), rates("370203", Some(71.0), Some(Grade::C))),
            ("市南区".to_owned(), rates("370202", Some(92.5), Some(Grade::A))),
            ("黄岛区".to_owned(), rates("370211", None, None)),
        ];
        let svg = district_ranking_svg(&rows, "区域综合评价 2026-03").unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..60]);
        assert!(svg.contains("区域综合评价 2026-03"));
        assert!(svg.contains("92.5 A") && svg.contains("71.0 C"));
        // Best first: bars and their values are drawn in rank order.
        assert!(svg.find("92.5 A").unwrap() < svg.find("71.0 C").unwrap());
        assert!(svg.contains("市南区") && svg.contains("黄岛区"));
        // One filled bar per district with a score, in its grade colour.
        assert!(svg.contains("#22A05A") || svg.to_lowercase().contains("#22a05a"), "grade A green");
    }
}
