//! What the search box understands: a case id or number, a camera id, or free text; and the
//! places of the loaded base map that match (districts, streets, communities, place names).

use crate::i18n::{Lang, Msg};

/// What a search string looks like.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchKind {
    /// A numeric service id.
    CaseId(i64),
    /// A case number such as `QD20261129000123`.
    CaseNo(String),
    /// A camera id (e.g. `CAM-370202-0001`).
    Camera(String),
    /// Free text: an address.
    Address(String),
}

/// Classify a search string.
pub fn classify_search(s: &str) -> Option<SearchKind> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(id) = s.parse::<i64>() {
        return Some(SearchKind::CaseId(id));
    }
    let upper = s.to_ascii_uppercase();
    if upper.starts_with("QD") && upper[2..].chars().all(|c| c.is_ascii_digit()) && s.len() > 4 {
        return Some(SearchKind::CaseNo(upper));
    }
    if upper.starts_with("CAM-") || upper.contains("-CAM-") {
        return Some(SearchKind::Camera(upper));
    }
    Some(SearchKind::Address(s.to_owned()))
}

/// What kind of place a search hit is (in the order hits of equal rank are listed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PlaceKind {
    /// 区(市).
    District,
    /// 街道/镇.
    Street,
    /// 社区/村.
    Community,
    /// A GeoNames place name.
    Place,
    /// A camera.
    Camera,
}

impl PlaceKind {
    /// The zoom level a hit of this kind is shown at.
    pub fn zoom(self) -> f64 {
        match self {
            PlaceKind::District => 11.0,
            PlaceKind::Street => 13.5,
            PlaceKind::Community => 15.0,
            PlaceKind::Place => 14.0,
            PlaceKind::Camera => 17.0,
        }
    }

    /// Its label.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            PlaceKind::District => Msg::PlaceDistrict,
            PlaceKind::Street => Msg::PlaceStreet,
            PlaceKind::Community => Msg::PlaceCommunity,
            PlaceKind::Place => Msg::PlaceName,
            PlaceKind::Camera => Msg::PlaceCamera,
        }
        .text(lang)
    }
}

/// A place the search box found.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceHit {
    /// What it is.
    pub kind: PlaceKind,
    /// Its name (Chinese where there is one) or camera id.
    pub name: String,
    /// Area code (GB/T 2260 or the 9/12-digit street/community code), if any.
    pub code: Option<String>,
    /// Where to fly: WGS84 longitude.
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
}

/// Places whose Chinese or English name contains `query` (case-insensitive), or whose area code
/// starts with it. Exact names come first, then names that start with the query, then the rest;
/// within a rank, districts before streets before communities before place names, then shorter
/// names. A name found twice at one position (a street and its place name) is listed once. At
/// most `limit` hits.
pub fn search_places<'a>(
    query: &str,
    shapes: impl IntoIterator<Item = (PlaceKind, &'a crate::geojson::Shape)>,
    limit: usize,
) -> Vec<PlaceHit> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return Vec::new();
    }
    let mut ranked: Vec<(u8, PlaceKind, usize, PlaceHit)> = Vec::new();
    for (kind, shape) in shapes {
        let names = [shape.name.as_deref(), shape.name_en.as_deref()];
        let rank = names
            .iter()
            .flatten()
            .map(|n| n.to_lowercase())
            .filter_map(|n| {
                if n == q {
                    Some(0)
                } else if n.starts_with(&q) {
                    Some(1)
                } else if n.contains(&q) {
                    Some(2)
                } else {
                    None
                }
            })
            .min()
            .or_else(|| {
                (q.bytes().all(|b| b.is_ascii_digit())
                    && shape.code.as_deref().is_some_and(|c| c.starts_with(&q)))
                .then_some(1)
            });
        let (Some(rank), Some(name)) = (rank, shape.name.clone().or_else(|| shape.name_en.clone())) else {
            continue;
        };
        let (lon, lat) = shape.anchor_lonlat;
        let len = name.chars().count();
        ranked.push((rank, kind, len, PlaceHit { kind, name, code: shape.code.clone(), lon, lat }));
    }
    ranked.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)).then_with(|| a.3.name.cmp(&b.3.name)));
    let mut out: Vec<PlaceHit> = Vec::new();
    for (_, _, _, hit) in ranked {
        let near = |h: &PlaceHit| (h.lon - hit.lon).abs() < 1e-3 && (h.lat - hit.lat).abs() < 1e-3;
        if out.iter().any(|h| h.name == hit.name && near(h)) {
            continue;
        }
        out.push(hit);
        if out.len() == limit {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(name: &str, name_en: &str, code: &str, lon: f64, lat: f64) -> crate::geojson::Shape {
        crate::geojson::Shape {
            name: Some(name.into()),
            name_en: Some(name_en.into()).filter(|s: &String| !s.is_empty()),
            code: Some(code.into()).filter(|s: &String| !s.is_empty()),
            anchor_lonlat: (lon, lat),
            ..Default::default()
        }
    }

    #[test]
    fn search_strings_are_classified() {
        assert_eq!(classify_search(" 123 "), Some(SearchKind::CaseId(123)));
        assert_eq!(classify_search("qd20261129000123"), Some(SearchKind::CaseNo("QD20261129000123".into())));
        assert_eq!(classify_search("CAM-370202-0001"), Some(SearchKind::Camera("CAM-370202-0001".into())));
        assert_eq!(classify_search(" qd-cam-000481"), Some(SearchKind::Camera("QD-CAM-000481".into())));
        assert_eq!(classify_search("Camden Road"), Some(SearchKind::Address("Camden Road".into())));
        assert_eq!(classify_search("香港中路"), Some(SearchKind::Address("香港中路".into())));
        assert_eq!(classify_search("  "), None);
    }

    #[test]
    fn places_are_found_by_name_and_code_best_first() {
        let districts = [shape("市南区", "Shinan District", "370202", 120.39, 36.07)];
        let streets = [
            shape("金湖路街道", "", "370202011", 120.37, 36.06),
            shape("香港中路街道", "", "370202010", 120.40, 36.06),
            shape("湖岛街道", "", "370203020", 120.33, 36.11),
        ];
        let communities = [
            shape("金湖路", "", "370202011008", 120.371, 36.061),
            shape("金湖路社区", "", "370202011009", 120.36, 36.05),
        ];
        let places =
            [shape("金湖路", "Jinhu Road", "", 120.3705, 36.0605), shape("市南", "Shinan", "", 120.5, 36.5)];
        let all = || {
            districts
                .iter()
                .map(|s| (PlaceKind::District, s))
                .chain(streets.iter().map(|s| (PlaceKind::Street, s)))
                .chain(communities.iter().map(|s| (PlaceKind::Community, s)))
                .chain(places.iter().map(|s| (PlaceKind::Place, s)))
        };
        let names =
            |q: &str, limit| search_places(q, all(), limit).into_iter().map(|h| h.name).collect::<Vec<_>>();
        // Exact names first (the community, then the place name 60 m away is a repeat and goes),
        // then names that start with it (street before community), then the rest.
        assert_eq!(names("金湖路", 10), ["金湖路", "金湖路街道", "金湖路社区"]);
        assert_eq!(names("湖", 10), ["湖岛街道", "金湖路街道", "金湖路", "金湖路社区"]);
        // English names, any case; codes by prefix; a limit; nothing for blanks or strangers.
        assert_eq!(names("shinan", 10), ["市南", "市南区"]);
        assert_eq!(names("jinhu road", 10), ["金湖路"]);
        assert_eq!(names("370202011", 10), ["金湖路街道", "金湖路", "金湖路社区"]);
        assert_eq!(names("湖", 2).len(), 2);
        assert!(names("  ", 10).is_empty());
        assert!(names("黄岛", 10).is_empty());
        let hit = &search_places("市南区", all(), 1)[0];
        assert_eq!(
            (hit.kind, hit.code.as_deref(), hit.lon, hit.lat),
            (PlaceKind::District, Some("370202"), 120.39, 36.07)
        );
        assert!(
            PlaceKind::District.zoom() < PlaceKind::Street.zoom()
                && PlaceKind::Street.zoom() < PlaceKind::Camera.zoom()
        );
    }
}
