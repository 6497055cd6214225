//! The leadership briefing (领导简报): A4 pages composed as SVG from a [`Briefing`] — the period's
//! figures against the previous period's, the charts of the command hall (`cityops-charts`), the
//! city map at the period's end with its clusters and hotspots, the most overdue cases — then
//! written to PDF ([`pdf`]: krilla, fonts subset and embedded, Chinese text kept as text) or to
//! PNG ([`png`]: resvg). Composition is pure; the fonts are handed in ([`Fonts`]); the same
//! briefing gives the same bytes (the PDF's creation date aside, which the caller passes).
//! [`instruments`] composes the penalty file's documents on the same stack.

use std::fmt::Write as _;

use cityops_api::{EvaluationDrillDto, MapItemDto, StatusMix, Timestamp};
use cityops_charts::Theme;

pub mod instruments;
mod render;

pub use render::{Fonts, pdf, png};

/// Why a briefing could not be made.
#[derive(Debug, thiserror::Error)]
pub enum BriefingError {
    /// A chart could not be drawn.
    #[error("chart: {0}")]
    Chart(String),
    /// No font with Chinese glyphs was found.
    #[error("no font for Chinese text: {0}")]
    Font(String),
    /// A page could not be read back as SVG.
    #[error("page {page}: {message}")]
    Svg {
        /// Page number (1-based).
        page: usize,
        /// Why.
        message: String,
    },
    /// The PDF or PNG could not be written.
    #[error("writing: {0}")]
    Write(String),
}

/// A district's outline and label for the map page.
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    /// Name.
    pub name: String,
    /// Rings (lon, lat).
    pub rings: Vec<Vec<(f64, f64)>>,
    /// Where its name goes (lon, lat).
    pub label: (f64, f64),
}

/// One of the most overdue cases.
#[derive(Debug, Clone, PartialEq)]
pub struct OverdueRow {
    /// Case number.
    pub case_no: String,
    /// Problem type name.
    pub type_name: String,
    /// District name.
    pub district: String,
    /// Stage (Chinese).
    pub stage: String,
    /// Its deadline.
    pub deadline: Timestamp,
    /// Hours past it at the period's end.
    pub hours_over: i64,
}

/// Everything a briefing shows; every figure is what the service's API answers for the period.
#[derive(Debug, Clone, PartialEq)]
pub struct Briefing {
    /// The area's name (青岛市, or a district).
    pub area_name: String,
    /// Period start (inclusive) and end (exclusive).
    pub from: Timestamp,
    /// Period end.
    pub to: Timestamp,
    /// The data is as of this instant: the last event the service had recorded when the
    /// briefing was made (so the same data gives the same document).
    pub as_of: Timestamp,
    /// The period (`GET /api/v1/evaluation/drill`).
    pub current: EvaluationDrillDto,
    /// The previous period of the same length.
    pub previous: EvaluationDrillDto,
    /// Overdue cases at the period's end (`cases?at=to&overdue=true`) and at its start.
    pub overdue: (u64, u64),
    /// The most overdue cases at the period's end.
    pub most_overdue: Vec<OverdueRow>,
    /// The map's box: west, south, east, north.
    pub bbox: [f64; 4],
    /// The zoom the map's clusters were asked at.
    pub zoom: f64,
    /// District outlines.
    pub outlines: Vec<Outline>,
    /// The case layer at the period's end (`viewport?at=to`).
    pub map: Vec<MapItemDto>,
    /// Hotspot (高发) alerts raised in the period: lon, lat, message.
    pub hotspots: Vec<(f64, f64, String)>,
    /// Whether the data is synthetic (the simulated city): said on every page.
    pub synthetic: bool,
}

/// A4 in points.
pub const PAGE: (f64, f64) = (595.0, 842.0);
const FONT: &str = "Noto Sans CJK SC, sans-serif";
const MARGIN: f64 = 42.0;

/// The `name="value"` pairs of an element's opening tag.
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq].trim().to_owned();
        let after = &rest[eq + 2..];
        let Some(close) = after.find('"') else { break };
        out.push((name, after[..close].to_owned()));
        rest = &after[close + 1..];
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn time(t: &Timestamp) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "—".into())
}

fn num(v: Option<f64>, digits: usize) -> String {
    v.map(|v| format!("{v:.digits$}")).unwrap_or_else(|| "—".into())
}

/// The change of a count: `+12 (+8.5%)`.
fn change(now: f64, before: f64) -> String {
    let d = now - before;
    if before.abs() < f64::EPSILON {
        return if d.abs() < f64::EPSILON { "0".into() } else { format!("{d:+.0}") };
    }
    format!("{d:+.0} ({:+.1}%)", d / before * 100.0)
}

/// The change of a rate, in percentage points.
fn change_pp(now: Option<f64>, before: Option<f64>) -> String {
    match (now, before) {
        (Some(a), Some(b)) => format!("{:+.1} 个百分点", (a - b) * 100.0),
        _ => "—".into(),
    }
}

struct Page {
    svg: String,
}

/// The opening of an A4 page: the SVG root in the page's size and font, on white.
fn blank_page() -> String {
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT}"><rect width="{w}" height="{h}" fill="white"/>"#,
        w = PAGE.0,
        h = PAGE.1
    );
    svg
}

impl Page {
    fn new() -> Self {
        Page { svg: blank_page() }
    }

    /// Text at `(x, y)` in `(size, weight, fill, anchor)`.
    fn text(&mut self, (x, y): (f64, f64), (size, weight, fill, anchor): (f64, &str, &str, &str), s: &str) {
        let _ = write!(
            self.svg,
            r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" font-weight="{weight}" fill="{fill}" text-anchor="{anchor}">{}</text>"#,
            esc(s)
        );
    }

    /// One table row: `cells` from `(x, y)` in columns of `widths`, all in `style`.
    fn cells<S: AsRef<str>>(
        &mut self,
        (x, y): (f64, f64),
        widths: &[f64],
        cells: &[S],
        style: (f64, &str, &str, &str),
    ) {
        let mut cx = x;
        for (cell, w) in cells.iter().zip(widths) {
            self.text((cx, y), style, cell.as_ref());
            cx += w;
        }
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, stroke: &str) {
        let _ = write!(
            self.svg,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{fill}" stroke="{stroke}" stroke-width="0.6"/>"#
        );
    }

    fn chart(&mut self, x: f64, y: f64, w: f64, h: f64, svg: &str) {
        // A chart document nested at its place, scaled to the box: its own size becomes its
        // view box.
        let Some(start) = svg.find("<svg") else { return };
        let rest = &svg[start + 4..];
        let Some(end) = rest.find('>') else { return };
        let (attrs, body) = (&rest[..end], &rest[end..]);
        let attrs = attributes(attrs);
        let attr =
            |name: &str| attrs.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.parse::<f64>().ok());
        let (cw, ch) = (attr("width").unwrap_or(w), attr("height").unwrap_or(h));
        let kept: Vec<String> = attrs
            .iter()
            .filter(|(n, _)| !matches!(n.as_str(), "width" | "height" | "viewBox"))
            .map(|(n, v)| format!("{n}=\"{v}\""))
            .collect();
        let _ = write!(
            self.svg,
            r#"<svg x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" viewBox="0 0 {cw} {ch}" preserveAspectRatio="xMidYMid meet" {}{body}"#,
            kept.join(" ")
        );
    }

    fn finish(mut self, b: &Briefing, n: usize, of: usize) -> String {
        let y = PAGE.1 - 24.0;
        let source = if b.synthetic {
            "数据：cityops 模拟青岛（合成数据，非真实案件）"
        } else {
            "数据：青岛市城市运行管理服务平台"
        };
        self.text((MARGIN, y), (8.0, "normal", "#555", "start"), source);
        self.text((PAGE.0 - MARGIN, y), (8.0, "normal", "#555", "end"), &format!("第 {n} 页 共 {of} 页"));
        self.svg.push_str("</svg>");
        self.svg
    }
}

fn header(p: &mut Page, b: &Briefing, title: &str) {
    p.text((MARGIN, 48.0), (9.0, "normal", "#444", "start"), "青岛市城市运行管理服务平台 · 领导简报");
    p.text((MARGIN, 74.0), (18.0, "bold", "#111", "start"), title);
    p.text(
        (MARGIN, 94.0),
        (9.5, "normal", "#333", "start"),
        &format!("统计时段 {} 至 {}(UTC+8) · 数据截至 {}", time(&b.from), time(&b.to), time(&b.as_of)),
    );
    p.rect(MARGIN, 102.0, PAGE.0 - 2.0 * MARGIN, 0.8, "#1d4ed8", "none");
    if b.synthetic {
        p.rect(PAGE.0 - MARGIN - 150.0, 34.0, 150.0, 18.0, "#fff7ed", "#f97316");
        p.text(
            (PAGE.0 - MARGIN - 75.0, 47.0),
            (8.5, "normal", "#c2410c", "middle"),
            "合成数据 · 演示用，非真实案件",
        );
    }
}

/// The KPI rows: label, this period, the previous period, the change.
pub fn kpi_rows(b: &Briefing) -> Vec<[String; 4]> {
    let (c, p) = (&b.current, &b.previous);
    let (cu, pu) = (&c.utilisation, &p.utilisation);
    let (cr, pr) = (&c.area.rates, &p.area.rates);
    let count = |label: &str, a: u64, bb: u64| {
        [label.to_owned(), a.to_string(), bb.to_string(), change(a as f64, bb as f64)]
    };
    let rate =
        |label: &str, a: Option<f64>, bb: Option<f64>| [label.to_owned(), pct(a), pct(bb), change_pp(a, bb)];
    let minutes = |label: &str, a: Option<f64>, bb: Option<f64>| {
        let d = match (a, bb) {
            (Some(x), Some(y)) => format!("{:+.1}", x - y),
            _ => "—".into(),
        };
        [label.to_owned(), num(a, 1), num(bb, 1), d]
    };
    let grade = |r: &cityops_api::RatesDto| {
        format!("{} {}", num(r.composite, 1), r.grade.map(|g| format!("{g:?}")).unwrap_or_default())
            .trim()
            .to_owned()
    };
    vec![
        count("上报数(件)", u64::from(cu.reports), u64::from(pu.reports)),
        count("　其中 主动发现", u64::from(cu.active), u64::from(pu.active)),
        count("　　　 被动受理", u64::from(cu.passive), u64::from(pu.passive)),
        count("　　　 自动发现", u64::from(cu.automatic), u64::from(pu.automatic)),
        count("立案数(件)", u64::from(cr.registered), u64::from(pr.registered)),
        count("派遣数(件)", u64::from(cu.dispatched), u64::from(pu.dispatched)),
        count("结案数(件)", u64::from(cr.closed), u64::from(pr.closed)),
        rate("结案率", cr.close_rate, pr.close_rate),
        rate("按期结案率", cr.on_time_close_rate, pr.on_time_close_rate),
        [
            "综合评价(分·等级)".into(),
            grade(cr),
            grade(pr),
            match (cr.composite, pr.composite) {
                (Some(a), Some(bb)) => format!("{:+.1}", a - bb),
                _ => "—".into(),
            },
        ],
        count("期末超期案件(件)", b.overdue.0, b.overdue.1),
        minutes("平均派遣用时(分钟)", cu.mean_dispatch_minutes, pu.mean_dispatch_minutes),
        minutes("平均处置用时(分钟)", cu.mean_handling_minutes, pu.mean_handling_minutes),
    ]
}

fn chart_err(e: cityops_charts::ChartError) -> BriefingError {
    BriefingError::Chart(e.to_string())
}

fn page_summary(b: &Briefing) -> Result<Page, BriefingError> {
    let mut p = Page::new();
    header(&mut p, b, &format!("{}城市运行管理服务简报", b.area_name));
    // The figures against the previous period.
    let (x, mut y) = (MARGIN, 128.0);
    let widths = [190.0, 100.0, 100.0, 121.0];
    let heads = ["指标", "本期", "上期", "较上期变化"];
    p.rect(x, y - 13.0, widths.iter().sum(), 19.0, "#eff6ff", "#93c5fd");
    p.cells((x + 6.0, y), &widths, &heads, (9.5, "bold", "#1e3a8a", "start"));
    y += 19.0;
    for (i, row) in kpi_rows(b).iter().enumerate() {
        if i % 2 == 1 {
            p.rect(x, y - 13.0, widths.iter().sum(), 19.0, "#f8fafc", "none");
        }
        p.cells((x + 6.0, y), &widths, row, (9.5, "normal", "#111", "start"));
        y += 19.0;
    }
    let prev = &b.previous.utilisation;
    p.text(
        (x, y + 2.0),
        (8.0, "normal", "#555", "start"),
        &format!(
            "上期 = {} 至 {};率按 GB/T 30428.4 计算;超期为时段末(上期末)仍超期的案件。",
            time(&prev.from),
            time(&prev.to)
        ),
    );
    // Channel mix.
    let rows: Vec<(String, u32, Option<cityops_charts::RGB>)> = b
        .current
        .utilisation
        .by_channel
        .iter()
        .map(|c| (channel_name(c.channel).to_owned(), c.count, None))
        .collect();
    let svg =
        cityops_charts::labelled_bars_svg(&rows, "上报渠道构成(件)", Theme::LIGHT.with_font(13), (700, 300))
            .map_err(chart_err)?;
    p.chart(MARGIN, y + 16.0, PAGE.0 - 2.0 * MARGIN, 210.0, &svg);
    Ok(p)
}

fn channel_name(c: cityops_api::Channel) -> &'static str {
    use cityops_api::Channel;
    match c {
        Channel::Inspector => "监督员巡查",
        Channel::Citizen => "市民上报",
        Channel::Hotline => "12345 热线",
        Channel::VideoAi => "视频智能识别",
        Channel::Sensor => "物联感知",
    }
}

fn page_charts(b: &Briefing) -> Result<Page, BriefingError> {
    let mut p = Page::new();
    header(&mut p, b, "趋势与排名");
    let u = &b.current.utilisation;
    let step = chrono::Duration::hours(i64::from(u.trend_hours.max(1)));
    let labels: Vec<String> = (0..u.trend.len())
        .map(|i| {
            let t = u.from + step * i32::try_from(i).unwrap_or(0);
            if u.trend_hours >= 24 {
                t.format("%m-%d").to_string()
            } else {
                t.format("%d日%H时").to_string()
            }
        })
        .collect();
    let title = if u.trend_hours >= 24 { "每日上报量(件)" } else { "每小时上报量(件)" };
    let trend = cityops_charts::columns_svg(&u.trend, &labels, title, Theme::LIGHT.with_font(13), (760, 300))
        .map_err(chart_err)?;
    p.chart(MARGIN, 112.0, PAGE.0 - 2.0 * MARGIN, 200.0, &trend);
    let ranking: Vec<(String, cityops_api::RatesDto)> =
        b.current.children.iter().map(|c| (c.name.clone(), c.rates.clone())).collect();
    let rank = cityops_charts::district_ranking_svg_with(
        &ranking,
        "区(市)综合评价排名(GB/T 30428.4)",
        Theme::LIGHT.with_font(13),
        (760, 330),
    )
    .map_err(chart_err)?;
    p.chart(MARGIN, 322.0, PAGE.0 - 2.0 * MARGIN, 230.0, &rank);
    let types: Vec<(String, u32, Option<cityops_charts::RGB>)> =
        u.top_types.iter().map(|t| (format!("{} {}", t.type_key.code, t.name), t.count, None)).collect();
    let top = cityops_charts::labelled_bars_svg(
        &types,
        "上报最多的问题类型(件)",
        Theme::LIGHT.with_font(13),
        (760, 300),
    )
    .map_err(chart_err)?;
    p.chart(MARGIN, 566.0, PAGE.0 - 2.0 * MARGIN, 220.0, &top);
    Ok(p)
}

fn mix_colour(m: &StatusMix) -> &'static str {
    let active = m.open + m.due_soon + m.overdue;
    if active == 0 {
        "#9ca3af"
    } else if m.overdue * 10 >= active {
        "#dc2626"
    } else if m.due_soon * 10 >= active {
        "#eab308"
    } else {
        "#2563eb"
    }
}

fn page_map(b: &Briefing) -> Page {
    let mut p = Page::new();
    header(&mut p, b, &format!("时段末城市一张图({})", time(&b.to)));
    let [w, s, e, n] = b.bbox;
    let (bx, by, bw, bh) = (MARGIN, 112.0, PAGE.0 - 2.0 * MARGIN, 420.0);
    let k_lat = ((s + n) / 2.0).to_radians().cos();
    let scale = (bw / ((e - w) * k_lat)).min(bh / (n - s));
    let (ox, oy) = (bx + (bw - (e - w) * k_lat * scale) / 2.0, by + (bh - (n - s) * scale) / 2.0);
    let xy = |lon: f64, lat: f64| (ox + (lon - w) * k_lat * scale, oy + (n - lat) * scale);
    p.rect(bx, by, bw, bh, "#f1f5f9", "#cbd5e1");
    let _ = write!(
        p.svg,
        r#"<svg x="{bx}" y="{by}" width="{bw}" height="{bh}" overflow="hidden"><g transform="translate({},{})">"#,
        -bx, -by
    );
    for o in &b.outlines {
        let mut d = String::new();
        for ring in &o.rings {
            for (i, (lon, lat)) in ring.iter().enumerate() {
                let (x, y) = xy(*lon, *lat);
                let _ = write!(d, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" });
            }
            d.push('Z');
        }
        let _ = write!(p.svg, r##"<path d="{d}" fill="#ffffff" stroke="#64748b" stroke-width="0.6"/>"##);
    }
    for o in &b.outlines {
        let (x, y) = xy(o.label.0, o.label.1);
        p.text((x, y), (8.0, "normal", "#334155", "middle"), &o.name);
    }
    for item in &b.map {
        match item {
            MapItemDto::Cluster { lon, lat, mix, .. } => {
                let (x, y) = xy(*lon, *lat);
                let r = (f64::from(mix.total()).sqrt() * 0.9).clamp(2.5, 12.0);
                let _ = write!(
                    p.svg,
                    r##"<circle cx="{x:.1}" cy="{y:.1}" r="{r:.1}" fill="{}" fill-opacity="0.7" stroke="#ffffff" stroke-width="0.6"/>"##,
                    mix_colour(mix)
                );
                if mix.total() >= 10 {
                    p.text((x, y + 2.5), (6.5, "bold", "#ffffff", "middle"), &mix.total().to_string());
                }
            }
            MapItemDto::Point { lon, lat, status, .. } => {
                let (x, y) = xy(*lon, *lat);
                let c = match status {
                    cityops_api::StatusClass::Overdue => "#dc2626",
                    cityops_api::StatusClass::DueSoon => "#eab308",
                    cityops_api::StatusClass::Closed => "#9ca3af",
                    cityops_api::StatusClass::Open => "#2563eb",
                };
                let _ = write!(p.svg, r##"<circle cx="{x:.1}" cy="{y:.1}" r="2.2" fill="{c}"/>"##);
            }
        }
    }
    for (lon, lat, _) in &b.hotspots {
        let (x, y) = xy(*lon, *lat);
        let _ = write!(
            p.svg,
            r##"<path d="M{x:.1},{:.1}L{:.1},{:.1}L{:.1},{:.1}Z" fill="#f97316" stroke="#7c2d12" stroke-width="0.6"/>"##,
            y - 6.0,
            x - 5.5,
            y + 4.0,
            x + 5.5,
            y + 4.0
        );
    }
    p.svg.push_str("</g></svg>");
    // Legend.
    let ly = by + bh + 16.0;
    let mut lx = MARGIN;
    for (c, t) in
        [("#2563eb", "在办"), ("#eab308", "临期"), ("#dc2626", "超期"), ("#9ca3af", "已结案(24 小时内)")]
    {
        let _ = write!(p.svg, r##"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{c}"/>"##, lx + 4.0, ly - 3.0);
        p.text((lx + 12.0, ly), (8.5, "normal", "#333", "start"), t);
        lx += 28.0 + 9.0 * t.chars().count() as f64;
    }
    let _ = write!(p.svg, r##"<path d="M{:.1},{:.1}l-4.5,8h9z" fill="#f97316"/>"##, lx + 4.0, ly - 8.0);
    p.text((lx + 12.0, ly), (8.5, "normal", "#333", "start"), &format!("本期高发点 {} 处", b.hotspots.len()));
    p.text(
        (MARGIN, ly + 14.0),
        (8.0, "normal", "#555", "start"),
        "圆点大小表示聚合的案件数;颜色取聚合中超期(≥10%)、临期(≥10%)的占比。底图:区(市)界线。",
    );
    let on_map: u32 = b
        .map
        .iter()
        .map(|i| match i {
            MapItemDto::Cluster { mix, .. } => mix.total(),
            MapItemDto::Point { .. } => 1,
        })
        .sum();
    let [w, s, e, n] = b.bbox;
    p.text((MARGIN, ly + 26.0), (8.0, "normal", "#555", "start"), &format!(
            "图中案件 {on_map} 件(时段末在图:在办、临期、超期及 24 小时内结案)· 视窗 {w:.4},{s:.4},{e:.4},{n:.4} 缩放 {}",
            b.zoom
        ));
    // The most overdue cases.
    let mut y = ly + 48.0;
    p.text(
        (MARGIN, y),
        (11.0, "bold", "#111", "start"),
        &format!("时段末超期最久的案件(共 {} 件超期)", b.overdue.0),
    );
    y += 16.0;
    let widths = [120.0, 150.0, 70.0, 70.0, 101.0];
    let heads = ["案件编号", "问题类型", "区(市)", "阶段", "超期(小时)"];
    p.rect(MARGIN, y - 11.0, widths.iter().sum(), 16.0, "#fef2f2", "#fca5a5");
    p.cells((MARGIN + 4.0, y), &widths, &heads, (8.5, "bold", "#7f1d1d", "start"));
    y += 16.0;
    if b.most_overdue.is_empty() {
        p.text((MARGIN + 4.0, y), (8.5, "normal", "#333", "start"), "无超期案件");
    }
    for r in &b.most_overdue {
        let cells = [
            r.case_no.clone(),
            r.type_name.clone(),
            r.district.clone(),
            r.stage.clone(),
            r.hours_over.to_string(),
        ];
        p.cells((MARGIN + 4.0, y), &widths, &cells, (8.5, "normal", "#111", "start"));
        y += 14.0;
    }
    p
}

/// The briefing's pages as SVG documents (A4, points), in order.
pub fn pages(b: &Briefing) -> Result<Vec<String>, BriefingError> {
    let pages = [page_summary(b)?, page_charts(b)?, page_map(b)];
    let of = pages.len();
    Ok(pages.into_iter().enumerate().map(|(i, p)| p.finish(b, i + 1, of)).collect())
}
