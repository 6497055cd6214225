//! Base-map layers: a minimal GeoJSON reader (RFC 7946 subset the city pack uses) and the
//! preparation of each feature into a canvas path in local space (see [`crate::geo`]), its
//! bounding box for culling and a label anchor.
//!
//! Deliberately absent: any drawing. The path is an SVG path string, which the browser side turns
//! into one `Path2D` per feature; this module only does arithmetic and string building.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::geo::to_local;

/// A GeoJSON FeatureCollection.
#[derive(Debug, Clone, Deserialize)]
pub struct FeatureCollection {
    /// The features.
    pub features: Vec<Feature>,
}

/// A GeoJSON Feature.
#[derive(Debug, Clone, Deserialize)]
pub struct Feature {
    /// Properties (may be null).
    #[serde(default)]
    pub properties: Option<Map<String, Value>>,
    /// Geometry (may be null).
    #[serde(default)]
    pub geometry: Option<Geometry>,
}

/// The geometry types the city pack uses.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", content = "coordinates")]
pub enum Geometry {
    /// A position.
    Point([f64; 2]),
    /// Several positions.
    MultiPoint(Vec<[f64; 2]>),
    /// A line.
    LineString(Vec<[f64; 2]>),
    /// Several lines.
    MultiLineString(Vec<Vec<[f64; 2]>>),
    /// Rings: outer first, then holes.
    Polygon(Vec<Vec<[f64; 2]>>),
    /// Several polygons.
    MultiPolygon(Vec<Vec<Vec<[f64; 2]>>>),
}

/// Errors reading a layer.
#[derive(Debug, Clone, PartialEq)]
pub enum LayerError {
    /// The text is not a GeoJSON FeatureCollection.
    Parse(String),
}

impl std::fmt::Display for LayerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LayerError::Parse(m) => write!(f, "not a GeoJSON FeatureCollection: {m}"),
        }
    }
}

impl std::error::Error for LayerError {}

/// A feature prepared for drawing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shape {
    /// Local-space bounding box `(min_x, min_y, max_x, max_y)`.
    pub bbox: (f64, f64, f64, f64),
    /// SVG path data in local space (empty for points).
    pub path: String,
    /// Whether the path is made of closed rings (fillable).
    pub closed: bool,
    /// Chinese name (`name_zh`, else `name`).
    pub name: Option<String>,
    /// English name (`name_en`, else a Latin `name`).
    pub name_en: Option<String>,
    /// Code (`adcode` or `code`).
    pub code: Option<String>,
    /// Label anchor in local space (centroid of the largest ring, or the point).
    pub anchor: (f64, f64),
    /// Label anchor as lon/lat.
    pub anchor_lonlat: (f64, f64),
    /// Size of the feature: area of its largest ring in local units² (0 for lines and points).
    pub size: f64,
    /// Feature id (`id` property), for selection.
    pub id: Option<String>,
    /// Status class (`status`: `open`, `overdue` or `closed`), e.g. a site whose dust or noise
    /// sensor is over its limit is `overdue`.
    pub status: Option<String>,
    /// Camera view cone: heading (degrees clockwise from north), field of view (degrees) and range
    /// (metres), from `heading_deg`, `fov_deg`, `range_m`.
    pub cone: Option<(f64, f64, f64)>,
    /// All properties (for the feature card of thematic layers; empty for base layers).
    pub props: Map<String, Value>,
}

impl Shape {
    /// Whether the bounding box overlaps a local-space rectangle.
    pub fn visible_in(&self, b: (f64, f64, f64, f64)) -> bool {
        self.bbox.0 <= b.2 && b.0 <= self.bbox.2 && self.bbox.1 <= b.3 && b.1 <= self.bbox.3
    }

    /// Width of the bounding box in screen pixels at `local_per_px`.
    pub fn screen_width(&self, local_per_px: f64) -> f64 {
        (self.bbox.2 - self.bbox.0) / local_per_px
    }
}

/// Parse a FeatureCollection.
pub fn parse(text: &str) -> Result<FeatureCollection, LayerError> {
    serde_json::from_str(text).map_err(|e| LayerError::Parse(e.to_string()))
}

/// Parse and prepare every feature with a geometry.
pub fn prepare_text(text: &str) -> Result<Vec<Shape>, LayerError> {
    Ok(parse(text)?.features.iter().filter_map(prepare).collect())
}

/// Like [`prepare_text`], keeping every feature's properties (thematic layers with a card).
pub fn prepare_text_with_props(text: &str) -> Result<Vec<Shape>, LayerError> {
    Ok(parse(text)?
        .features
        .iter()
        .filter_map(|f| {
            let mut s = prepare(f)?;
            s.props = f.properties.clone().unwrap_or_default();
            Some(s)
        })
        .collect())
}

fn prop(props: Option<&Map<String, Value>>, keys: &[&str]) -> Option<String> {
    let p = props?;
    keys.iter().find_map(|k| match p.get(*k) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

fn number(props: Option<&Map<String, Value>>, key: &str) -> Option<f64> {
    props?.get(key)?.as_f64().filter(|x| x.is_finite())
}

struct PathBuilder {
    path: String,
    bbox: (f64, f64, f64, f64),
    best_ring: Option<(f64, (f64, f64))>,
    closed: bool,
}

impl PathBuilder {
    fn new() -> Self {
        PathBuilder {
            path: String::new(),
            bbox: (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY),
            best_ring: None,
            closed: false,
        }
    }

    fn grow(&mut self, x: f64, y: f64) {
        self.bbox.0 = self.bbox.0.min(x);
        self.bbox.1 = self.bbox.1.min(y);
        self.bbox.2 = self.bbox.2.max(x);
        self.bbox.3 = self.bbox.3.max(y);
    }

    fn line(&mut self, coords: &[[f64; 2]], close: bool) {
        use std::fmt::Write;
        let pts: Vec<(f64, f64)> = coords.iter().map(|c| to_local(c[0], c[1])).collect();
        for (i, (x, y)) in pts.iter().enumerate() {
            self.grow(*x, *y);
            let cmd = if i == 0 { 'M' } else { 'L' };
            // Two decimals of a local unit: well under a pixel at the highest zoom.
            let _ = write!(self.path, "{cmd}{x:.2} {y:.2}");
        }
        if close && pts.len() > 2 {
            self.path.push('Z');
            self.closed = true;
            let (area, c) = ring_area_centroid(&pts);
            if self.best_ring.is_none_or(|(a, _)| area.abs() > a) {
                self.best_ring = Some((area.abs(), c));
            }
        }
    }

    fn point(&mut self, c: [f64; 2]) {
        let (x, y) = to_local(c[0], c[1]);
        self.grow(x, y);
    }
}

/// Signed area and centroid of a ring (shoelace); the vertex mean for degenerate rings.
fn ring_area_centroid(pts: &[(f64, f64)]) -> (f64, (f64, f64)) {
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for w in pts.windows(2).chain(std::iter::once([pts[pts.len() - 1], pts[0]].as_slice())) {
        let (x0, y0) = w[0];
        let (x1, y1) = w[1];
        let cross = x0 * y1 - x1 * y0;
        a += cross;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
    }
    a /= 2.0;
    if a.abs() < 1e-12 {
        let n = pts.len() as f64;
        let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
        let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
        return (0.0, (mx, my));
    }
    (a, (cx / (6.0 * a), cy / (6.0 * a)))
}

/// Prepare one feature; None when it has no geometry or no coordinates.
pub fn prepare(f: &Feature) -> Option<Shape> {
    let geom = f.geometry.as_ref()?;
    let mut b = PathBuilder::new();
    match geom {
        Geometry::Point(c) => b.point(*c),
        Geometry::MultiPoint(cs) => cs.iter().for_each(|c| b.point(*c)),
        Geometry::LineString(l) => b.line(l, false),
        Geometry::MultiLineString(ls) => ls.iter().for_each(|l| b.line(l, false)),
        Geometry::Polygon(rings) => rings.iter().for_each(|r| b.line(r, true)),
        Geometry::MultiPolygon(polys) => polys.iter().flatten().for_each(|r| b.line(r, true)),
    }
    if !b.bbox.0.is_finite() {
        return None;
    }
    let (size, anchor) = match b.best_ring {
        Some((a, c)) => (a, c),
        None => (0.0, ((b.bbox.0 + b.bbox.2) / 2.0, (b.bbox.1 + b.bbox.3) / 2.0)),
    };
    let props = f.properties.as_ref();
    let anchor_lonlat = local_to_lonlat(anchor.0, anchor.1);
    Some(Shape {
        bbox: b.bbox,
        path: b.path,
        closed: b.closed,
        name: prop(props, &["name_zh", "name"]),
        name_en: prop(props, &["name_en", "name"]),
        code: prop(props, &["adcode", "code"]),
        id: prop(props, &["id", "camera_id", "site_id"]),
        status: prop(props, &["status"]),
        props: Map::new(),
        cone: number(props, "heading_deg")
            .zip(number(props, "fov_deg"))
            .zip(number(props, "range_m"))
            .map(|((h, f), r)| (h, f, r)),
        anchor,
        anchor_lonlat,
        size,
    })
}

/// Local space back to lon/lat.
pub fn local_to_lonlat(x: f64, y: f64) -> (f64, f64) {
    use crate::geo::{LOCAL_SCALE, ORIGIN, unproject};
    unproject(x / LOCAL_SCALE + ORIGIN.0, y / LOCAL_SCALE + ORIGIN.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DISTRICT: &str = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"adcode":"370202","name":"市南区","name_en":"Shinan District"},
       "geometry":{"type":"MultiPolygon","coordinates":[[[[120.30,36.05],[120.42,36.05],[120.42,36.09],[120.30,36.09],[120.30,36.05]]]]}},
      {"type":"Feature","properties":{"name":"Qingdao","name_zh":"青岛"},
       "geometry":{"type":"Point","coordinates":[120.38042,36.06488]}},
      {"type":"Feature","properties":{"kind":"coastline"},
       "geometry":{"type":"LineString","coordinates":[[120.0,36.0],[120.1,36.1]]}},
      {"type":"Feature","properties":null,"geometry":null}
    ]}"#;

    #[test]
    fn features_are_prepared_with_names_codes_and_anchors() {
        let shapes = prepare_text(DISTRICT).unwrap();
        assert_eq!(shapes.len(), 3, "the feature without geometry is skipped");
        let d = &shapes[0];
        assert_eq!(d.name.as_deref(), Some("市南区"));
        assert_eq!(d.name_en.as_deref(), Some("Shinan District"));
        assert_eq!(d.code.as_deref(), Some("370202"));
        assert!(d.closed && d.path.starts_with('M') && d.path.ends_with('Z'));
        assert!((d.anchor_lonlat.0 - 120.36).abs() < 1e-6, "{:?}", d.anchor_lonlat);
        assert!((d.anchor_lonlat.1 - 36.07).abs() < 1e-3, "{:?}", d.anchor_lonlat);
        let p = &shapes[1];
        assert_eq!(p.name.as_deref(), Some("青岛"));
        assert_eq!(p.name_en.as_deref(), Some("Qingdao"));
        assert!(p.path.is_empty() && !p.closed);
        let line = &shapes[2];
        assert!(!line.closed && line.path.matches('L').count() == 1);
    }

    #[test]
    fn camera_cones_and_statuses_are_read_from_properties() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"id":"CAM-1","heading_deg":90,"fov_deg":60,"range_m":120},
           "geometry":{"type":"Point","coordinates":[120.38,36.06]}},
          {"type":"Feature","properties":{"site_id":"S-7","status":"overdue"},
           "geometry":{"type":"Point","coordinates":[120.39,36.07]}}]}"#;
        let shapes = prepare_text(text).unwrap();
        assert_eq!(shapes[0].cone, Some((90.0, 60.0, 120.0)));
        assert_eq!(shapes[0].id.as_deref(), Some("CAM-1"));
        assert_eq!(shapes[1].status.as_deref(), Some("overdue"));
        assert_eq!(shapes[1].cone, None);
    }

    #[test]
    fn culling_uses_the_bounding_box() {
        let shapes = prepare_text(DISTRICT).unwrap();
        let d = &shapes[0];
        assert!(d.visible_in(d.bbox));
        let far = (d.bbox.2 + 1.0, d.bbox.3 + 1.0, d.bbox.2 + 2.0, d.bbox.3 + 2.0);
        assert!(!d.visible_in(far));
    }

    #[test]
    fn malformed_text_is_a_typed_error() {
        let e = prepare_text("{\"type\":\"Feature\"}").unwrap_err();
        assert!(matches!(e, LayerError::Parse(_)));
        assert!(e.to_string().starts_with("not a GeoJSON FeatureCollection"));
    }

    #[test]
    fn the_city_pack_grids_prepare() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/qingdao/grids.geojson");
        let text = std::fs::read_to_string(path).unwrap();
        let shapes = prepare_text(&text).unwrap();
        assert!(shapes.len() >= 10_000, "{}", shapes.len());
        assert!(shapes.iter().all(|s| s.closed && s.code.as_deref().is_some_and(|c| c.len() == 15)));
    }

    #[test]
    fn the_city_pack_districts_prepare() {
        let text = include_str!("../../assets/qingdao/districts.geojson");
        let shapes = prepare_text(text).unwrap();
        assert_eq!(shapes.len(), 10);
        let shinan = shapes.iter().find(|s| s.code.as_deref() == Some("370202")).unwrap();
        // The label sits inside Shinan's extent.
        let (lon, lat) = shinan.anchor_lonlat;
        assert!((120.30..120.43).contains(&lon) && (36.04..36.10).contains(&lat), "{lon} {lat}");
    }
}
