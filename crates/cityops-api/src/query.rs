//! The typed parameters of the endpoints: path parameters (whose field names are the path
//! template's) and query strings (URL-encoded by the client, decoded by the service, each field
//! documented once here and in the OpenAPI document).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{CaseStatus, Channel, LayerKind, Stage, StatusClass, Timestamp, TypeKind};

/// `{id}` of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IdPath {
    /// Case id.
    pub id: i64,
}

/// `{year}` of the working calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct YearPath {
    /// Year, e.g. 2027.
    pub year: i32,
}

/// `{name}` of a static layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NamePath {
    /// Layer name: land, sea, coastline, districts, streets, communities, grids, places,
    /// compounds, routes, facilities, sites.
    pub name: String,
}

/// `{id}` of a camera.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CameraPath {
    /// Camera id, e.g. `QD-CAM-000481` (case-insensitive).
    pub id: String,
}

/// `{file}` of an Open311 resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FilePath {
    /// Resource with its format extension, e.g. `services.json` or `requests.xml`.
    pub file: String,
}

/// Open311's own query parameters (jurisdiction_id, service_code, status, start_date …), passed
/// through as given (GeoReport v2 defines them).
pub type Open311Query = std::collections::BTreeMap<String, String>;

/// A box `west,south,east,north` in WGS84 degrees (one query value).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox(pub [f64; 4]);

impl Bbox {
    /// West, south, east, north.
    pub fn new(west: f64, south: f64, east: f64, north: f64) -> Self {
        Bbox([west, south, east, north])
    }
}

impl std::fmt::Display for Bbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [w, s, e, n] = self.0;
        write!(f, "{w:.6},{s:.6},{e:.6},{n:.6}")
    }
}

impl std::str::FromStr for Bbox {
    type Err = String;

    fn from_str(v: &str) -> Result<Self, String> {
        v.split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<Vec<f64>, _>>()
            .ok()
            .and_then(|v| <[f64; 4]>::try_from(v).ok())
            .filter(|b| b.iter().all(|x| x.is_finite()))
            .map(Bbox)
            .ok_or_else(|| format!("{v:?} must be four numbers west,south,east,north"))
    }
}

impl Serialize for Bbox {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Bbox {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Bbox {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Bbox".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "west,south,east,north in WGS84 degrees",
            "example": "120.30,36.00,120.45,36.12"
        })
    }
}

/// A comma-separated list of vocabulary values (their wire names), e.g. `cases,trucks`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommaList<T>(pub Vec<T>);

impl<T: Serialize> Serialize for CommaList<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let names: Vec<String> = self.0.iter().map(crate::wire_name).collect();
        s.collect_str(&names.join(","))
    }
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for CommaList<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                crate::from_wire_name(p)
                    .ok_or_else(|| serde::de::Error::custom(format!("unknown value {p:?}")))
            })
            .collect::<Result<Vec<T>, _>>()
            .map(CommaList)
    }
}

#[cfg(feature = "schema")]
impl<T: schemars::JsonSchema> schemars::JsonSchema for CommaList<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("CommaList_{}", T::schema_name()).into()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let item = g.subschema_for::<T>();
        schemars::json_schema!({
            "type": "string",
            "description": format!("comma-separated list of {}", serde_json::to_string(&item).unwrap_or_default()),
        })
    }
}

/// Which feature format an export answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FeatureFormat {
    /// RFC 7946 GeoJSON (`application/geo+json`).
    #[default]
    Geojson,
    /// FlatGeobuf (`application/flatgeobuf`), with a spatial index.
    Fgb,
}

impl FeatureFormat {
    /// Media type.
    pub fn media_type(self) -> &'static str {
        match self {
            FeatureFormat::Geojson => "application/geo+json",
            FeatureFormat::Fgb => "application/flatgeobuf",
        }
    }

    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            FeatureFormat::Geojson => "geojson",
            FeatureFormat::Fgb => "fgb",
        }
    }
}

/// One struct of case filters, with extra fields; the list and the export share the filters.
macro_rules! case_filters {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// Area code prefix: district (6), street (9), community (12) or grid (15 digits).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub area: Option<String>,
            /// Handling unit code.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub unit: Option<String>,
            /// Type kind: component or matter.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub kind: Option<TypeKind>,
            /// Type code (5 digits) or class (2 digits).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub code: Option<String>,
            /// Stage of the closed loop.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub stage: Option<Stage>,
            /// Status.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub status: Option<CaseStatus>,
            /// Channel of origin.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub channel: Option<Channel>,
            /// `true`: only active cases past their deadline.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub overdue: Option<bool>,
            /// Created at or after (RFC 3339 with zone).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub from: Option<Timestamp>,
            /// Created before (RFC 3339 with zone).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub to: Option<Timestamp>,
            /// Changed (any activity) at or after (RFC 3339 with zone).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub updated_from: Option<Timestamp>,
            /// Only inside `west,south,east,north` (WGS84 degrees).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub bbox: Option<Bbox>,
            /// Free text (1–100 characters), case-insensitive: case number, address, description,
            /// camera id or source reference.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub q: Option<String>,
            $($(#[$fdoc])* #[serde(default, skip_serializing_if = "Option::is_none")] pub $field: $ty,)*
        }
    };
}

case_filters! {
    /// Query of the case list (`GET /api/v1/cases`): filters (all optional, combined with AND)
    /// and the page.
    CaseQuery {
        /// Page size 1–1000 (default 100).
        limit: Option<u32>,
        /// Offset of the page.
        offset: Option<u32>,
        /// As of this past instant (RFC 3339 with zone): the cases as they were then, overdue
        /// and due soon judged then (`overdue` too); absent: now. Outside the history kept: 410.
        at: Option<Timestamp>,
    }
}

case_filters! {
    /// Query of the case export (`GET /api/v1/cases/export`): the list's filters and the format.
    CaseExportQuery {
        /// `geojson` (default) or `fgb`.
        format: Option<FeatureFormat>,
    }
}

impl CaseExportQuery {
    /// The export of the cases a list query's filters select (its page is dropped).
    pub fn of(q: &CaseQuery, format: FeatureFormat) -> Self {
        CaseExportQuery {
            area: q.area.clone(),
            unit: q.unit.clone(),
            kind: q.kind,
            code: q.code.clone(),
            stage: q.stage,
            status: q.status,
            channel: q.channel,
            overdue: q.overdue,
            from: q.from,
            to: q.to,
            updated_from: q.updated_from,
            bbox: q.bbox,
            q: q.q.clone(),
            format: Some(format),
        }
    }

    /// The filters as a list query (no page).
    pub fn filters(&self) -> CaseQuery {
        CaseQuery {
            area: self.area.clone(),
            unit: self.unit.clone(),
            kind: self.kind,
            code: self.code.clone(),
            stage: self.stage,
            status: self.status,
            channel: self.channel,
            overdue: self.overdue,
            from: self.from,
            to: self.to,
            updated_from: self.updated_from,
            bbox: self.bbox,
            q: self.q.clone(),
            at: None,
            limit: None,
            offset: None,
        }
    }
}

/// A point (`/api/v1/locate`, `/api/v1/cameras/visible`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PointQuery {
    /// WGS84 longitude, degrees.
    pub lon: f64,
    /// WGS84 latitude, degrees.
    pub lat: f64,
}

/// A box (`/api/v1/cameras`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BoxQuery {
    /// `west,south,east,north` (WGS84 degrees).
    pub bbox: Bbox,
    /// At most this many (1–5000, default 2000); `truncated` says if more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

impl Default for BoxQuery {
    fn default() -> Self {
        BoxQuery { bbox: Bbox([0.0, 0.0, 0.0, 0.0]), limit: None }
    }
}

/// Query of a static layer (`/api/v1/layers/{name}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LayerQuery {
    /// Area code prefix (6, 9, 12 or 15 digits) of `grids`; required for its GeoJSON (without it,
    /// `fgb` gives the whole city).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// `geojson` (default) or `fgb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<FeatureFormat>,
}

/// A map view (`/api/v1/map/viewport`; the desktop shell answers the same query natively).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ViewQuery {
    /// West edge, degrees.
    pub west: f64,
    /// South edge, degrees.
    pub south: f64,
    /// East edge, degrees.
    pub east: f64,
    /// North edge, degrees.
    pub north: f64,
    /// Web-Mercator zoom (256-px tiles); fractional zooms are floored.
    pub zoom: f64,
    /// View width in pixels (bounds the item budget to one item per 16×16 px).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// View height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Point layers (default `cases`): cases, trucks, facilities, cameras, alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layers: Option<CommaList<LayerKind>>,
    /// Status classes to keep (default all): open, overdue, closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statuses: Option<CommaList<StatusClass>>,
    /// As of this past instant (RFC 3339 with zone): the picture rebuilt from the history;
    /// absent: now. Outside the history kept: 410.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
}

impl Default for ViewQuery {
    fn default() -> Self {
        ViewQuery {
            west: 0.0,
            south: 0.0,
            east: 0.0,
            north: 0.0,
            zoom: 0.0,
            width: None,
            height: None,
            layers: None,
            statuses: None,
            at: None,
        }
    }
}

/// Query of the live stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Last event id seen (the `Last-Event-ID` header wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<u64>,
    /// Token, for EventSource clients (which cannot set headers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
}

/// Query of the evaluation endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EvalQuery {
    /// Period start (RFC 3339 with zone, inclusive).
    pub from: Timestamp,
    /// Period end (RFC 3339 with zone, exclusive).
    pub to: Timestamp,
    /// Area code (6/9/12/15 digits; 370200 = the city). `/evaluation` needs `area` or `unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// Unit code (department evaluation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

impl Default for EvalQuery {
    fn default() -> Self {
        let epoch = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default().with_timezone(&crate::CST);
        EvalQuery { from: epoch, to: epoch, area: None, unit: None }
    }
}

/// Query of the work queue (`GET /api/v1/queue`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// Only this bucket (the counts still cover every bucket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<crate::QueueBucket>,
    /// Page size 1–500 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Offset of the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
}

/// Query of the day's figures (`GET /api/v1/summary`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SummaryQuery {
    /// `370200` (the city) or a district code; default: the city, or a district token's district.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// The day as it stood at this past instant (RFC 3339 with zone): the day of `at` from its
    /// midnight to `at`, open and overdue as they were then (the history kept; outside it: 410).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
}

/// Query of the event log (`GET /api/v1/events/log`): the events of a past stretch, which a
/// replaying console applies to the picture at `from` to move on without reloading it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EventLogQuery {
    /// Start (RFC 3339 with zone, exclusive): the instant of the picture the events apply to.
    pub from: Timestamp,
    /// End (RFC 3339 with zone, inclusive); not after now.
    pub to: Timestamp,
    /// At most this many events, 1–20000 (default 5000); the answer's `until` says how far the
    /// events reach when the limit cuts the stretch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl Default for EventLogQuery {
    fn default() -> Self {
        let epoch = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default().with_timezone(&crate::CST);
        EventLogQuery { from: epoch, to: epoch, limit: None }
    }
}

/// Query of the audit log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Entries, newest first (default 100, at most 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_round_trip_through_a_url() {
        let q = CaseQuery {
            area: Some("370202".into()),
            stage: Some(Stage::Dispatch),
            bbox: Some(Bbox::new(120.3, 36.0, 120.45, 36.12)),
            from: Some(chrono::DateTime::parse_from_rfc3339("2027-01-01T08:00:00+08:00").unwrap()),
            q: Some("金湖路".into()),
            limit: Some(50),
            ..Default::default()
        };
        let s = serde_urlencoded::to_string(&q).unwrap();
        assert_eq!(
            s,
            "area=370202&stage=dispatch&from=2027-01-01T08%3A00%3A00%2B08%3A00&bbox=120.300000%2C36.000000%2C120.450000%2C36.120000&q=%E9%87%91%E6%B9%96%E8%B7%AF&limit=50"
        );
        assert_eq!(serde_urlencoded::from_str::<CaseQuery>(&s).unwrap(), q);
        let v = ViewQuery {
            layers: Some(CommaList(vec![LayerKind::Cases, LayerKind::Trucks])),
            statuses: Some(CommaList(vec![StatusClass::Overdue])),
            zoom: 12.0,
            ..Default::default()
        };
        let s = serde_urlencoded::to_string(&v).unwrap();
        assert!(s.ends_with("&layers=cases%2Ctrucks&statuses=overdue"), "{s}");
        assert_eq!(serde_urlencoded::from_str::<ViewQuery>(&s).unwrap(), v);
        let e = serde_urlencoded::from_str::<ViewQuery>(&s.replace("trucks", "boats")).unwrap_err();
        assert!(e.to_string().contains("boats"), "{e}");
        let e = serde_urlencoded::from_str::<BoxQuery>("bbox=1,2,3").unwrap_err();
        assert!(e.to_string().contains("four numbers"), "{e}");
        let x = CaseExportQuery::of(&q, FeatureFormat::Fgb);
        assert_eq!(x.filters(), CaseQuery { limit: None, ..q });
        assert!(serde_urlencoded::to_string(&x).unwrap().ends_with("&format=fgb"));
    }
}

/// `{id}` of a penalty file and `{kind}` of one of its documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DocPath {
    /// File id.
    pub id: i64,
    /// Document kind: filing_approval, interview_record, correction_order, prior_notice,
    /// decision, service_receipt, closing_report.
    pub kind: String,
}

/// Which document of its kind (`GET /api/v1/enforcement/files/{id}/documents/{kind}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DocQuery {
    /// The n-th issued document of the kind (0-based; default the latest), e.g. one of several
    /// interview records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<usize>,
}

/// The matters a problem type leads to (`GET /api/v1/enforcement/matters`); none: all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MatterQuery {
    /// Problem type kind (with `code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<TypeKind>,
    /// Problem type code (with `kind`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// Penalty-file list filter (`GET /api/v1/enforcement/files`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EnfFileQuery {
    /// Only open files (true) or only closed ones (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<bool>,
    /// Files transferred from this case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<i64>,
    /// District code prefix (within the caller's scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// Page size, 1–1000 (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
}

/// The window of the enforcement figures (`GET /api/v1/enforcement/summary`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EnfSummaryQuery {
    /// District code prefix (within the caller's scope; default the caller's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// Days back from now, 1–366 (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
}
