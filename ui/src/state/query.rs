//! The typed queries the console sends — the viewport's ([`ViewQuery`], from the view and the
//! layers) and the case list's ([`CaseQuery`], from the filter panel) — and what the page's own
//! URL says (the service settings, an initial view).

use cityops_api::query::{Bbox, CaseExportQuery, CaseQuery, CommaList, FeatureFormat, ViewQuery};
use cityops_api::{Channel, LayerKind, Stage, StatusClass, Timestamp};

use crate::geo::{Bounds, View};

/// The viewport query of a view. With `overdue_only`, only overdue features (the filter panel's
/// 仅超期 applies to the map too).
pub fn viewport_query(view: &View, layers: &[LayerKind], overdue_only: bool) -> ViewQuery {
    let b = view.bounds();
    ViewQuery {
        west: b.west,
        south: b.south,
        east: b.east,
        north: b.north,
        zoom: (view.zoom * 100.0).round() / 100.0,
        width: Some(view.width.round().max(0.0) as u32),
        height: Some(view.height.round().max(0.0) as u32),
        layers: Some(CommaList(layers.to_vec())),
        statuses: overdue_only.then(|| CommaList(vec![StatusClass::Overdue])),
        at: None,
    }
}

/// The case filter of the filter panel.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseFilter {
    /// District adcode (6 digits) or a longer area code prefix.
    pub area: Option<String>,
    /// Type or class code prefix (`06` class, `06010` type).
    pub code: Option<String>,
    /// Stage.
    pub stage: Option<Stage>,
    /// Only overdue cases.
    pub overdue: bool,
    /// Channel.
    pub channel: Option<Channel>,
    /// Reported at or after.
    pub from: Option<Timestamp>,
    /// Reported before.
    pub to: Option<Timestamp>,
    /// Only inside this rectangle.
    pub bbox: Option<Bounds>,
    /// Free text: case number, address, description or camera id (the service's `q`).
    pub text: Option<String>,
}

impl CaseFilter {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == CaseFilter::default()
    }

    /// The case-list query, with a page size.
    pub fn query(&self, limit: u32) -> CaseQuery {
        CaseQuery {
            area: self.area.clone(),
            code: self.code.clone(),
            stage: self.stage,
            overdue: self.overdue.then_some(true),
            channel: self.channel,
            from: self.from,
            to: self.to,
            bbox: self.bbox.map(|b| Bbox::new(b.west, b.south, b.east, b.north)),
            q: self.text.clone(),
            limit: Some(limit),
            ..CaseQuery::default()
        }
    }

    /// The export of the cases this filter selects.
    pub fn export(&self, format: FeatureFormat) -> CaseExportQuery {
        CaseExportQuery::of(&self.query(1), format)
    }
}

/// A date of the filter panel (`YYYY-MM-DD`) as the start or the end of that day, CST.
pub fn day_bound(date: &str, end: bool) -> Option<Timestamp> {
    let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let t = if end { d.and_hms_opt(23, 59, 59)? } else { d.and_hms_opt(0, 0, 0)? };
    chrono::TimeZone::from_local_datetime(&cityops_api::CST, &t).single()
}

/// A `datetime-local` input's value (`2027-01-05T17:30`) as a time in China Standard Time.
pub fn local_minute(value: &str) -> Option<Timestamp> {
    let t = chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M").ok()?;
    chrono::TimeZone::from_local_datetime(&cityops_api::CST, &t).single()
}

/// A time as a `datetime-local` input's value in China Standard Time.
pub fn to_local_minute(t: Timestamp) -> String {
    t.with_timezone(&cityops_api::CST).format("%Y-%m-%dT%H:%M").to_string()
}

/// The parameters of the page's own URL (`?server=…&token=…&lon=…`), decoded.
pub fn page_params(query: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(query.trim_start_matches('?')).unwrap_or_default()
}

/// Service settings: base URL and bearer token.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:8480`; empty = same origin.
    pub server: String,
    /// Bearer token.
    pub token: String,
}

impl Settings {
    /// Read `server` and `token` from a query string (`?server=…&token=…`).
    pub fn from_query(query: &str) -> Settings {
        let mut s = Settings::default();
        for (k, v) in page_params(query) {
            match k.as_str() {
                "server" => s.server = v.trim_end_matches('/').to_owned(),
                "token" => s.token = v,
                _ => {}
            }
        }
        s
    }

    /// Whether a token is set (the service needs one).
    pub fn usable(&self) -> bool {
        !self.token.is_empty()
    }
}

/// An initial view from the query string: `?lon=120.38&lat=36.07&z=15` (all three needed).
pub fn view_from_query(query: &str) -> Option<(f64, f64, f64)> {
    let (mut lon, mut lat, mut z) = (None, None, None);
    for (k, v) in page_params(query) {
        let v = v.parse::<f64>().ok().filter(|x| x.is_finite());
        match k.as_str() {
            "lon" => lon = v,
            "lat" => lat = v,
            "z" => z = v,
            _ => {}
        }
    }
    Some((lon?, lat?, z?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::test_support::*;

    #[test]
    fn a_local_minute_is_china_standard_time_both_ways() {
        let t = local_minute("2027-01-05T17:30").unwrap();
        assert_eq!(t.to_rfc3339(), "2027-01-05T17:30:00+08:00");
        assert_eq!(to_local_minute(t), "2027-01-05T17:30");
        let utc = chrono::DateTime::parse_from_rfc3339("2027-01-05T09:30:00+00:00").unwrap();
        assert_eq!(to_local_minute(utc), "2027-01-05T17:30");
        assert_eq!(local_minute("2027-01-05"), None);
        assert_eq!(local_minute("2027-13-05T17:30"), None);
    }

    #[test]
    fn viewport_and_case_queries_are_typed_and_encode_their_parameters() {
        let v = View::new(120.38, 36.07, 12.0, 1920.0, 1080.0);
        let q = viewport_query(&v, &[LayerKind::Cases, LayerKind::Trucks], false);
        let s = serde_urlencoded::to_string(&q).unwrap();
        assert!(
            s.starts_with("west=120.")
                && s.ends_with("&zoom=12.0&width=1920&height=1080&layers=cases%2Ctrucks"),
            "{s}"
        );
        let q = viewport_query(&v, &[LayerKind::Cases], true);
        assert_eq!(q.statuses, Some(CommaList(vec![StatusClass::Overdue])));
        let f = CaseFilter {
            area: Some("370202".into()),
            stage: Some(Stage::Handle),
            overdue: true,
            channel: Some(Channel::VideoAi),
            from: day_bound("2026-11-01", false),
            ..CaseFilter::default()
        };
        assert_eq!(
            serde_urlencoded::to_string(f.query(50)).unwrap(),
            "area=370202&stage=handle&channel=video_ai&overdue=true&from=2026-11-01T00%3A00%3A00%2B08%3A00&limit=50"
        );
        assert_eq!(day_bound("2026-11-01", true), Some(t("2026-11-01T23:59:59+08:00")));
        assert_eq!(day_bound("11/01", true), None);
        assert!(CaseFilter::default().is_empty());
        assert_eq!(serde_urlencoded::to_string(CaseFilter::default().query(10)).unwrap(), "limit=10");
        // The export takes the same filters, without a page.
        let x = f.export(FeatureFormat::Fgb);
        assert_eq!(
            (x.area.as_deref(), x.overdue, x.format),
            (Some("370202"), Some(true), Some(FeatureFormat::Fgb))
        );
    }

    #[test]
    fn viewport_answers_decode() {
        let v: cityops_api::MapViewDto = serde_json::from_str(
            r#"{"items":[{"type":"point","layer":"cases","id":7,"lon":120.3,"lat":36.1,"status":"overdue"},
                {"type":"cluster","layer":"trucks","lon":120.2,"lat":36.2,"mix":{"open":3,"overdue":0,"closed":1}}],
                "truncated":false,"as_of":{"cases":"2026-11-29T09:00:00+08:00","trucks":"2026-11-29T01:00:00Z"}}"#,
        )
        .unwrap();
        assert_eq!(v.items.len(), 2);
        assert_eq!(v.as_of.len(), 2);
        assert_eq!(v.as_of[&LayerKind::Trucks], t("2026-11-29T09:00:00+08:00"));
    }

    #[test]
    fn a_free_text_filter_becomes_q() {
        let f = CaseFilter { text: Some("金湖路 5%".into()), ..Default::default() };
        assert_eq!(
            serde_urlencoded::to_string(f.query(50)).unwrap(),
            "q=%E9%87%91%E6%B9%96%E8%B7%AF+5%25&limit=50"
        );
    }

    #[test]
    fn settings_come_from_the_query_string() {
        let s = Settings::from_query("?server=http%3A%2F%2F127.0.0.1%3A8480%2F&token=abc+def&x=1");
        assert_eq!(s.server, "http://127.0.0.1:8480");
        assert_eq!(s.token, "abc def");
        assert!(s.usable());
        assert!(!Settings::from_query("?server=x").usable());
    }

    #[test]
    fn a_view_can_be_given_in_the_query() {
        assert_eq!(view_from_query("?token=x&lon=120.38&lat=36.07&z=15"), Some((120.38, 36.07, 15.0)));
        assert_eq!(view_from_query("?lon=120.38&lat=36.07"), None);
        assert_eq!(view_from_query("?lon=abc&lat=36&z=3"), None);
    }
}
