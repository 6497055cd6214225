//! Charts for leadership briefings, written against plotters' `DrawingBackend` so the same code
//! draws SVG on the service (and, later, a canvas in the UI): the district evaluation ranking.
//!
//! Deliberately absent: data access. Charts take wire DTOs.

use cityops_api::{Grade, RatesDto};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Chart errors (the backend's message).
#[derive(Debug, thiserror::Error)]
#[error("chart: {0}")]
pub struct ChartError(String);

fn err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError(format!("{e:?}"))
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

/// The districts' area composite (0–100) as horizontal bars, best first, coloured by grade.
/// `names` gives each subject's display name; `title` explains the period.
pub fn district_ranking<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rows: &[(String, RatesDto)],
    title: &str,
) -> Result<(), ChartError> {
    area.fill(&WHITE).map_err(err)?;
    let mut rows: Vec<&(String, RatesDto)> = rows.iter().collect();
    rows.sort_by(|a, b| b.1.composite.unwrap_or(-1.0).total_cmp(&a.1.composite.unwrap_or(-1.0)));
    let n = rows.len().max(1);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(90)
        .build_cartesian_2d(0.0..100.0, (0..n).into_segmented())
        .map_err(err)?;
    let labels: Vec<String> = rows.iter().map(|(name, _)| name.clone()).collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc("综合指标值 composite (0–100)")
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
                ("sans-serif", 14),
            )
        }))
        .map_err(err)?;
    area.present().map_err(err)
}

/// The ranking as an SVG document.
pub fn district_ranking_svg(rows: &[(String, RatesDto)], title: &str) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 520)).into_drawing_area();
        district_ranking(&root, rows, title)?;
    }
    Ok(svg)
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
