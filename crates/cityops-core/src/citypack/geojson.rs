//! Minimal GeoJSON (RFC 7946) reader for the city pack: FeatureCollections of Point, LineString,
//! MultiLineString, Polygon and MultiPolygon features with their properties.
//!
//! Deliberately absent: writing, GeometryCollection, foreign members and `crs`. General-purpose
//! format conversion lives in [`crate::formats`].

use geo::{Coord, Geometry, LineString, MultiLineString, MultiPolygon, Point, Polygon};
use serde_json::{Map, Value};

/// Properties of a feature, as in the file.
pub type Properties = Map<String, Value>;

/// One feature: its geometry and its properties.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// Geometry in WGS84 lon/lat degrees.
    pub geometry: Geometry<f64>,
    /// Properties (an empty map when the file has `null`).
    pub properties: Properties,
}

/// Why a GeoJSON text could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GeoJsonError {
    /// The text is not JSON.
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The JSON is not a FeatureCollection.
    #[error("not a GeoJSON FeatureCollection")]
    NotFeatureCollection,
    /// A feature has no usable geometry.
    #[error("feature {index}: {reason}")]
    BadFeature {
        /// Position of the feature in the collection.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
}

/// Parse a FeatureCollection.
pub fn parse_features(text: &str) -> Result<Vec<Feature>, GeoJsonError> {
    let root: Value = serde_json::from_str(text)?;
    if root.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(GeoJsonError::NotFeatureCollection);
    }
    let feats = root.get("features").and_then(Value::as_array).ok_or(GeoJsonError::NotFeatureCollection)?;
    feats
        .iter()
        .enumerate()
        .map(|(index, f)| {
            let bad = |reason: &str| GeoJsonError::BadFeature { index, reason: reason.to_owned() };
            let geometry = f.get("geometry").ok_or_else(|| bad("no geometry"))?;
            let geometry = parse_geometry(geometry).map_err(|r| bad(&r))?;
            let properties = match f.get("properties") {
                Some(Value::Object(m)) => m.clone(),
                Some(Value::Null) | None => Map::new(),
                Some(_) => return Err(bad("properties is not an object")),
            };
            Ok(Feature { geometry, properties })
        })
        .collect()
}

fn parse_geometry(g: &Value) -> Result<Geometry<f64>, String> {
    let kind = g.get("type").and_then(Value::as_str).ok_or("geometry without type")?;
    let c = g.get("coordinates").ok_or("geometry without coordinates")?;
    Ok(match kind {
        "Point" => Geometry::Point(Point(coord(c)?)),
        "LineString" => Geometry::LineString(line(c)?),
        "MultiLineString" => {
            Geometry::MultiLineString(MultiLineString(list(c)?.iter().map(line).collect::<Result<_, _>>()?))
        }
        "Polygon" => Geometry::Polygon(polygon(c)?),
        "MultiPolygon" => {
            Geometry::MultiPolygon(MultiPolygon(list(c)?.iter().map(polygon).collect::<Result<_, _>>()?))
        }
        other => return Err(format!("unsupported geometry type {other}")),
    })
}

fn list(v: &Value) -> Result<&Vec<Value>, String> {
    v.as_array().ok_or_else(|| "coordinates are not an array".to_owned())
}

fn coord(v: &Value) -> Result<Coord<f64>, String> {
    let a = list(v)?;
    match (a.first().and_then(Value::as_f64), a.get(1).and_then(Value::as_f64)) {
        (Some(x), Some(y)) if x.is_finite() && y.is_finite() => Ok(Coord { x, y }),
        _ => Err("position is not two numbers".to_owned()),
    }
}

fn line(v: &Value) -> Result<LineString<f64>, String> {
    Ok(LineString(list(v)?.iter().map(coord).collect::<Result<_, _>>()?))
}

fn polygon(v: &Value) -> Result<Polygon<f64>, String> {
    let mut rings = list(v)?.iter().map(line);
    let exterior = rings.next().ok_or("polygon without rings")??;
    Ok(Polygon::new(exterior, rings.collect::<Result<_, _>>()?))
}

/// The geometry as a MultiPolygon, if it is areal.
pub fn as_multi_polygon(g: &Geometry<f64>) -> Option<MultiPolygon<f64>> {
    match g {
        Geometry::Polygon(p) => Some(MultiPolygon(vec![p.clone()])),
        Geometry::MultiPolygon(m) => Some(m.clone()),
        _ => None,
    }
}

/// A string property, if present.
pub fn str_prop<'a>(p: &'a Properties, key: &str) -> Option<&'a str> {
    p.get(key).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_points_polygons_and_properties() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"name":"a"},"geometry":{"type":"Point","coordinates":[120.1,36.2]}},
          {"type":"Feature","properties":null,"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#;
        let f = parse_features(text).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(str_prop(&f[0].properties, "name"), Some("a"));
        assert_eq!(f[0].geometry, Geometry::Point(Point::new(120.1, 36.2)));
        assert_eq!(as_multi_polygon(&f[1].geometry).unwrap().0[0].exterior().0.len(), 4);
    }

    #[test]
    fn rejects_what_is_not_a_feature_collection() {
        for (text, want) in [
            ("{", "not JSON"),
            (r#"{"type":"Feature"}"#, "not a GeoJSON FeatureCollection"),
            (
                r#"{"type":"FeatureCollection","features":[{"geometry":{"type":"Point","coordinates":[1]}}]}"#,
                "feature 0",
            ),
            (
                r#"{"type":"FeatureCollection","features":[{"geometry":{"type":"Circle","coordinates":[1,2]}}]}"#,
                "feature 0",
            ),
        ] {
            let err = parse_features(text).unwrap_err().to_string();
            assert!(err.starts_with(want), "{text}: {err}");
        }
    }
}
