//! Interchange formats: GeoJSON (RFC 7946) in and out, FlatGeobuf out, both through geozero's
//! streaming processors, so layers can be exchanged with GIS tools (QGIS, GDAL, MapLibre).
//!
//! Deliberately absent: files. Readers take `&str`, writers return `String`/`Vec<u8>` or write to
//! any `std::io::Write` the caller hands over (a stream to a client, say); the caller does the IO.
//! Coordinates are passed through untouched (WGS84 lon/lat for every cityops layer).

use std::collections::BTreeMap;

use geo::Geometry;
use geozero::geo_types::{GeoFeature, OwnedColumnValue};
use geozero::geojson::{GeoJson, GeoJsonWriter};
use geozero::{ColumnValue, FeatureProcessor, GeozeroGeometry, ToGeoFeatures};

/// Errors of the format adapters.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The GeoJSON text could not be parsed or processed.
    #[error("invalid GeoJSON: {0}")]
    GeoJson(String),
    /// A feature has no geometry (RFC 7946 allows `null`; cityops layers do not).
    #[error("feature #{index} has no geometry")]
    MissingGeometry {
        /// Zero-based feature index.
        index: usize,
    },
    /// A coordinate is outside WGS84 ranges or not finite.
    #[error("feature #{index} has a coordinate outside WGS84 range: ({x}, {y})")]
    BadCoordinate {
        /// Zero-based feature index.
        index: usize,
        /// Longitude as read.
        x: f64,
        /// Latitude as read.
        y: f64,
    },
    /// A FlatGeobuf layer must have one geometry family.
    #[error("feature #{index} is a {found} but the layer holds {expected}s")]
    MixedGeometry {
        /// Zero-based feature index.
        index: usize,
        /// Family of the first feature.
        expected: &'static str,
        /// Family found.
        found: &'static str,
    },
    /// Writing failed inside geozero or flatgeobuf.
    #[error("cannot write {format}: {message}")]
    Write {
        /// Format being written.
        format: &'static str,
        /// What went wrong.
        message: String,
    },
}

/// A property value of a feature.
#[derive(Debug, Clone, PartialEq)]
pub enum PropValue {
    /// Boolean.
    Bool(bool),
    /// Integer.
    Int(i64),
    /// Floating point.
    Float(f64),
    /// Text.
    Str(String),
}

impl From<&str> for PropValue {
    fn from(s: &str) -> Self {
        PropValue::Str(s.to_owned())
    }
}
impl From<String> for PropValue {
    fn from(s: String) -> Self {
        PropValue::Str(s)
    }
}
impl From<i64> for PropValue {
    fn from(v: i64) -> Self {
        PropValue::Int(v)
    }
}
impl From<f64> for PropValue {
    fn from(v: f64) -> Self {
        PropValue::Float(v)
    }
}
impl From<bool> for PropValue {
    fn from(v: bool) -> Self {
        PropValue::Bool(v)
    }
}

impl PropValue {
    /// The value as text, if it is text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PropValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as a float (integers convert).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            PropValue::Float(v) => Some(*v),
            PropValue::Int(v) => Some(*v as f64),
            _ => None,
        }
    }

    /// The value as a bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            PropValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    fn column_value(&self) -> ColumnValue<'_> {
        match self {
            PropValue::Bool(b) => ColumnValue::Bool(*b),
            PropValue::Int(v) => ColumnValue::Long(*v),
            PropValue::Float(v) => ColumnValue::Double(*v),
            PropValue::Str(s) => ColumnValue::String(s),
        }
    }

    fn from_owned(v: OwnedColumnValue) -> Option<Self> {
        Some(match v {
            OwnedColumnValue::Bool(b) => PropValue::Bool(b),
            OwnedColumnValue::Byte(v) => PropValue::Int(v.into()),
            OwnedColumnValue::UByte(v) => PropValue::Int(v.into()),
            OwnedColumnValue::Short(v) => PropValue::Int(v.into()),
            OwnedColumnValue::UShort(v) => PropValue::Int(v.into()),
            OwnedColumnValue::Int(v) => PropValue::Int(v.into()),
            OwnedColumnValue::UInt(v) => PropValue::Int(v.into()),
            OwnedColumnValue::Long(v) => PropValue::Int(v),
            OwnedColumnValue::ULong(v) => match i64::try_from(v) {
                Ok(i) => PropValue::Int(i),
                Err(_) => PropValue::Float(v as f64),
            },
            OwnedColumnValue::Float(v) => PropValue::Float(v.into()),
            OwnedColumnValue::Double(v) => PropValue::Float(v),
            OwnedColumnValue::String(s) | OwnedColumnValue::Json(s) | OwnedColumnValue::DateTime(s) => {
                PropValue::Str(s)
            }
            OwnedColumnValue::Binary(_) => return None,
        })
    }
}

impl std::fmt::Display for PropValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PropValue::Bool(b) => write!(f, "{b}"),
            PropValue::Int(v) => write!(f, "{v}"),
            PropValue::Float(v) => write!(f, "{v}"),
            PropValue::Str(s) => f.write_str(s),
        }
    }
}

fn column_type(v: &PropValue) -> flatgeobuf::ColumnType {
    use flatgeobuf::ColumnType;
    match v {
        PropValue::Bool(_) => ColumnType::Bool,
        PropValue::Int(_) => ColumnType::Long,
        PropValue::Float(_) => ColumnType::Double,
        PropValue::Str(_) => ColumnType::String,
    }
}

/// A feature: geometry (WGS84 lon/lat) plus named properties (ordered by name, so output is
/// deterministic).
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// The geometry.
    pub geometry: Geometry<f64>,
    /// Properties by name.
    pub properties: BTreeMap<String, PropValue>,
}

impl Feature {
    /// A feature with no properties.
    pub fn new(geometry: impl Into<Geometry<f64>>) -> Self {
        Self { geometry: geometry.into(), properties: BTreeMap::new() }
    }

    /// Builder-style property setter.
    pub fn with(mut self, name: &str, value: impl Into<PropValue>) -> Self {
        self.properties.insert(name.to_owned(), value.into());
        self
    }

    /// A text property.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.properties.get(name).and_then(PropValue::as_str)
    }

    /// A numeric property.
    pub fn f64(&self, name: &str) -> Option<f64> {
        self.properties.get(name).and_then(PropValue::as_f64)
    }
}

fn geo_err(e: geozero::error::GeozeroError) -> FormatError {
    FormatError::GeoJson(e.to_string())
}

/// Read a GeoJSON FeatureCollection (or a single Feature or Geometry) into features, checking that
/// every coordinate is a finite WGS84 longitude/latitude.
pub fn read_geojson(text: &str) -> Result<Vec<Feature>, FormatError> {
    // geozero does not report null geometries; check them first so none is silently lost.
    check_geometries_present(text)?;
    let features: Vec<GeoFeature> = GeoJson(text).to_geo_features().map_err(geo_err)?.collect();
    features
        .into_iter()
        .enumerate()
        .map(|(index, f)| {
            let (geometry, props) = f.into_inner();
            check_wgs84(index, &geometry)?;
            let properties =
                props.into_iter().filter_map(|(k, v)| PropValue::from_owned(v).map(|v| (k, v))).collect();
            Ok(Feature { geometry, properties })
        })
        .collect()
}

fn check_geometries_present(text: &str) -> Result<(), FormatError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| FormatError::GeoJson(e.to_string()))?;
    let features = match value.get("type").and_then(|t| t.as_str()) {
        Some("FeatureCollection") => value
            .get("features")
            .and_then(|f| f.as_array())
            .ok_or_else(|| FormatError::GeoJson("FeatureCollection without \"features\" array".into()))?
            .iter()
            .collect(),
        Some("Feature") => vec![&value],
        Some(_) => Vec::new(),
        None => return Err(FormatError::GeoJson("missing \"type\" member".into())),
    };
    match features.iter().position(|f| f.get("geometry").is_none_or(serde_json::Value::is_null)) {
        Some(index) => Err(FormatError::MissingGeometry { index }),
        None => Ok(()),
    }
}

fn check_wgs84(index: usize, g: &Geometry<f64>) -> Result<(), FormatError> {
    use geo::CoordsIter;
    for c in g.coords_iter() {
        if !(c.x.is_finite()
            && c.y.is_finite()
            && (-180.0..=180.0).contains(&c.x)
            && (-90.0..=90.0).contains(&c.y))
        {
            return Err(FormatError::BadCoordinate { index, x: c.x, y: c.y });
        }
    }
    Ok(())
}

/// Write features as an RFC 7946 GeoJSON FeatureCollection.
pub fn write_geojson(name: &str, features: &[Feature]) -> Result<String, FormatError> {
    let mut buf = Vec::new();
    write_geojson_to(name, features.iter().cloned(), &mut buf)?;
    String::from_utf8(buf).map_err(|e| FormatError::Write { format: "GeoJSON", message: e.to_string() })
}

/// Stream features, as they come, into `out` as an RFC 7946 GeoJSON FeatureCollection: memory
/// stays one feature however many there are.
pub fn write_geojson_to<W: std::io::Write>(
    name: &str,
    features: impl IntoIterator<Item = Feature>,
    mut out: W,
) -> Result<(), FormatError> {
    let mut w = GeoJsonWriter::new(&mut out);
    let err =
        |e: geozero::error::GeozeroError| FormatError::Write { format: "GeoJSON", message: e.to_string() };
    w.dataset_begin(Some(name)).map_err(err)?;
    for (idx, f) in features.into_iter().enumerate() {
        process_feature(idx as u64, &f, &mut w).map_err(err)?;
    }
    w.dataset_end().map_err(err)
}

/// One feature to a GeoJSON processor. Text properties go as JSON string values: geozero 0.15's
/// GeoJSON writer escapes only quotes in plain strings, so a newline or a backslash in a
/// description would otherwise make the document invalid.
fn process_feature<P: FeatureProcessor>(idx: u64, f: &Feature, out: &mut P) -> geozero::error::Result<()> {
    out.feature_begin(idx)?;
    out.properties_begin()?;
    for (i, (k, v)) in f.properties.iter().enumerate() {
        match v {
            PropValue::Str(s) => {
                let json = serde_json::to_string(s)
                    .map_err(|e| geozero::error::GeozeroError::Property(e.to_string()))?;
                out.property(i, k, &ColumnValue::Json(&json))?;
            }
            other => {
                out.property(i, k, &other.column_value())?;
            }
        }
    }
    out.properties_end()?;
    out.geometry_begin()?;
    f.geometry.process_geom(out)?;
    out.geometry_end()?;
    out.feature_end(idx)
}

/// Write one layer as FlatGeobuf (with its packed Hilbert R-tree index, CRS EPSG:4326). A layer has
/// one geometry family (points, lines or polygons; single and multi may mix and are written as
/// multi); properties absent on a feature are written as missing.
pub fn write_flatgeobuf(name: &str, features: &[Feature]) -> Result<Vec<u8>, FormatError> {
    use flatgeobuf::{ColumnType, FgbCrs, FgbWriter, FgbWriterOptions};
    let err = |e: &dyn std::fmt::Display| FormatError::Write { format: "FlatGeobuf", message: e.to_string() };
    let (declared, geoms) = normalise_layer(features)?;
    let mut fgb = FgbWriter::create_with_options(
        name,
        declared,
        FgbWriterOptions {
            write_index: true,
            detect_type: false,
            promote_to_multi: false,
            crs: FgbCrs { code: 4326, ..Default::default() },
            ..Default::default()
        },
    )
    .map_err(|e| err(&e))?;
    // One schema: the union of property names, declared before the first feature; a column whose
    // values mix integers and floats is written as double, any other mix as text.
    let mut columns: Vec<(&str, ColumnType)> = Vec::new();
    for f in features {
        for (k, v) in &f.properties {
            let t = column_type(v);
            match columns.iter_mut().find(|(name, _)| *name == k.as_str()) {
                None => columns.push((k, t)),
                Some((_, existing)) if *existing == t => {}
                Some((_, existing)) => {
                    let numeric = |t: ColumnType| matches!(t, ColumnType::Long | ColumnType::Double);
                    *existing = if numeric(*existing) && numeric(t) {
                        ColumnType::Double
                    } else {
                        ColumnType::String
                    };
                }
            }
        }
    }
    for (name, t) in &columns {
        fgb.add_column(name, *t, |_, col| col.nullable = true);
    }
    for (f, geom) in features.iter().zip(geoms) {
        let mut failure = None;
        fgb.add_feature_geom(geom, |feat| {
            use geozero::PropertyProcessor;
            for (i, (col, t)) in columns.iter().enumerate() {
                let Some(v) = f.properties.get(*col) else { continue };
                let text;
                let value = match (*t, v) {
                    (ColumnType::Double, PropValue::Int(n)) => ColumnValue::Double(*n as f64),
                    (ColumnType::String, v) if v.as_str().is_none() => {
                        text = v.to_string();
                        ColumnValue::String(&text)
                    }
                    (_, v) => v.column_value(),
                };
                if let Err(e) = feat.property(i, col, &value) {
                    failure = Some(e.to_string());
                }
            }
        })
        .map_err(|e| err(&e))?;
        if let Some(m) = failure {
            return Err(FormatError::Write { format: "FlatGeobuf", message: m });
        }
    }
    let mut out = Vec::new();
    fgb.write(&mut out).map_err(|e| err(&e))?;
    Ok(out)
}

/// One FlatGeobuf geometry type for the whole layer: single points stay points unless a multipoint is
/// present; lines and polygons are written as their multi types.
fn normalise_layer(
    features: &[Feature],
) -> Result<(flatgeobuf::GeometryType, Vec<Geometry<f64>>), FormatError> {
    use flatgeobuf::GeometryType as T;
    use geo::{MultiLineString, MultiPoint, MultiPolygon};
    let Some(first) = features.first() else { return Ok((T::Point, Vec::new())) };
    let expected = family(&first.geometry);
    if let Some((index, f)) = features.iter().enumerate().find(|(_, f)| family(&f.geometry) != expected) {
        return Err(FormatError::MixedGeometry { index, expected, found: family(&f.geometry) });
    }
    let any_multipoint = features.iter().any(|f| matches!(f.geometry, Geometry::MultiPoint(_)));
    let mut out = Vec::with_capacity(features.len());
    for (index, f) in features.iter().enumerate() {
        let g = match f.geometry.clone() {
            Geometry::Point(p) if any_multipoint => MultiPoint(vec![p]).into(),
            g @ (Geometry::Point(_) | Geometry::MultiPoint(_)) => g,
            Geometry::Line(l) => MultiLineString(vec![l.into()]).into(),
            Geometry::LineString(l) => MultiLineString(vec![l]).into(),
            g @ Geometry::MultiLineString(_) => g,
            Geometry::Polygon(p) => MultiPolygon(vec![p]).into(),
            Geometry::Rect(r) => MultiPolygon(vec![r.to_polygon()]).into(),
            Geometry::Triangle(t) => MultiPolygon(vec![t.to_polygon()]).into(),
            g @ Geometry::MultiPolygon(_) => g,
            Geometry::GeometryCollection(_) => {
                return Err(FormatError::MixedGeometry {
                    index,
                    expected: "single family",
                    found: "collection",
                });
            }
        };
        out.push(g);
    }
    let declared = match expected {
        "point" if any_multipoint => T::MultiPoint,
        "point" => T::Point,
        "line" => T::MultiLineString,
        _ => T::MultiPolygon,
    };
    Ok((declared, out))
}

fn family(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) | Geometry::MultiPoint(_) => "point",
        Geometry::Line(_) | Geometry::LineString(_) | Geometry::MultiLineString(_) => "line",
        Geometry::Polygon(_) | Geometry::MultiPolygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => {
            "polygon"
        }
        Geometry::GeometryCollection(_) => "collection",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Point, line_string, polygon};

    fn sample() -> Vec<Feature> {
        vec![
            Feature::new(Point::new(120.3826, 36.0671))
                .with("name", "五四广场")
                .with("count", 3i64)
                .with("ratio", 0.5)
                .with("synthetic", false),
            Feature::new(line_string![(x: 120.30, y: 36.06), (x: 120.31, y: 36.07)]).with("name", "route 1"),
            Feature::new(polygon![
                (x: 120.0, y: 36.0), (x: 120.1, y: 36.0), (x: 120.1, y: 36.1), (x: 120.0, y: 36.0)
            ])
            .with("name", "site"),
        ]
    }

    #[test]
    fn text_with_newlines_backslashes_and_quotes_stays_valid_geojson() {
        let tricky = "第一行\n第二行 \"引号\" C:\\路径 \t制表 \u{1}";
        let f = vec![Feature::new(Point::new(120.38, 36.06)).with("description", tricky)];
        let text = write_geojson("t", &f).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["features"][0]["properties"]["description"], tricky);
        // Streamed from an iterator, the same document.
        let mut out = Vec::new();
        write_geojson_to("t", f.clone(), &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), text);
        assert_eq!(read_geojson(&text).unwrap(), f);
    }

    #[test]
    fn geojson_round_trip_keeps_geometry_and_properties() {
        let features = sample();
        let text = write_geojson("test", &features).unwrap();
        assert!(text.contains("\"FeatureCollection\""), "{text}");
        assert!(text.contains("五四广场"));
        let back = read_geojson(&text).unwrap();
        assert_eq!(back, features);
    }

    #[test]
    fn reading_rejects_out_of_range_and_null_geometry() {
        let bad = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1.0,2.0]}},
            {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[200.0,2.0]}}]}"#;
        match read_geojson(bad) {
            Err(FormatError::BadCoordinate { index, x, .. }) => {
                assert_eq!(index, 1);
                assert_eq!(x, 200.0);
            }
            other => panic!("{other:?}"),
        }
        let null = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{},"geometry":null}]}"#;
        assert!(matches!(read_geojson(null), Err(FormatError::MissingGeometry { .. })), "null geometry");
        assert!(matches!(read_geojson("{nope"), Err(FormatError::GeoJson(_))));
        assert!(matches!(read_geojson("{}"), Err(FormatError::GeoJson(_))));
    }

    #[test]
    fn flatgeobuf_refuses_a_layer_that_mixes_geometry_families() {
        match write_flatgeobuf("mixed", &sample()) {
            Err(FormatError::MixedGeometry { index: 1, expected: "point", found: "line" }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn flatgeobuf_export_reads_back_with_the_reference_reader() {
        use flatgeobuf::FgbReader;
        let features = vec![
            Feature::new(Point::new(120.3826, 36.0671))
                .with("name", "五四广场")
                .with("count", 3i64)
                .with("synthetic", false),
            Feature::new(Point::new(120.30, 36.06)).with("name", "b").with("count", 1i64),
            Feature::new(Point::new(120.10, 36.20)).with("name", "c").with("synthetic", true),
        ];
        let bytes = write_flatgeobuf("test", &features).unwrap();
        assert_eq!(&bytes[..3], b"fgb");
        let mut cursor = std::io::Cursor::new(bytes);
        let mut reader = FgbReader::open(&mut cursor).unwrap().select_all().unwrap();
        let mut back = Vec::new();
        while let Some(f) = {
            use flatgeobuf::FallibleStreamingIterator;
            reader.next().unwrap()
        } {
            use geozero::{FeatureProperties, ToGeo};
            let geometry: Geometry<f64> = f.to_geo().unwrap();
            let name: String = f.property("name").unwrap();
            let count: Option<i64> = f.property("count").ok();
            let synthetic: Option<bool> = f.property("synthetic").ok();
            back.push((name, geometry, count, synthetic));
        }
        assert_eq!(back.len(), 3);
        // FlatGeobuf orders features along its Hilbert index; match by name.
        for f in &features {
            let name = f.str("name").unwrap();
            let (_, g, count, synthetic) = back.iter().find(|b| b.0 == name).unwrap();
            assert_eq!(g, &f.geometry, "{name}");
            assert_eq!(count.map(|c| c as f64), f.f64("count"), "{name}");
            assert_eq!(*synthetic, f.properties.get("synthetic").and_then(PropValue::as_bool), "{name}");
        }
    }
}
