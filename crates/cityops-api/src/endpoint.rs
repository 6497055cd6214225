//! Every route of the service as data, once: its method, path template, path and query parameter
//! types, and the types of its request and answer. The service mounts its handlers by these types
//! (`cityops-server`'s `ApiRouter`), the OpenAPI document is generated from them, the desktop shell
//! forwards only those it allows, and the client (`cityops-client`) builds every request from them.
//! Nothing else spells a path.
//!
//! The table itself is [`crate::ep`] (one unit struct per endpoint) with [`ALL`] (their [`Info`],
//! in document order) and [`visit_all`] / [`visit_named`] (a typed visit of each endpoint, for code
//! that must be generic over all of them: the OpenAPI generator, the shell's forward).
//!
//! Each entry also says who may call it ([`Access`]: the roles, and the [`Scope`] of a district
//! token's answer); the service enforces it and its tests walk it. Deliberately absent: behaviour.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// GET: reads, no body.
    Get,
    /// POST: writes, with a body.
    Post,
}

impl Method {
    /// Upper-case name, e.g. `GET`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// How a body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// No body.
    None,
    /// `application/json`, the endpoint's `Request` or `Response` type.
    Json,
    /// `application/geo+json` text (RFC 7946 FeatureCollection).
    GeoJson,
    /// GeoJSON or FlatGeobuf (`application/flatgeobuf`), chosen by the query's `format`.
    Features,
    /// `image/svg+xml` text.
    Svg,
    /// `application/pdf` bytes (a document to hand round).
    Pdf,
    /// A TOML document (`application/toml`).
    Toml,
    /// `text/event-stream`: Server-Sent Events, each `data:` a [`crate::LiveEvent`].
    EventStream,
    /// Open311 GeoReport v2: XML or JSON per the path's extension; POST bodies form-encoded.
    Open311,
}

impl Format {
    /// Whether the body is a JSON document of the endpoint's type.
    pub fn is_json(self) -> bool {
        self == Format::Json
    }

    /// The media type of the body (the first one where several are possible).
    pub fn media_type(self) -> Option<&'static str> {
        Some(match self {
            Format::None => return None,
            Format::Json => "application/json",
            Format::GeoJson | Format::Features => "application/geo+json",
            Format::Svg => "image/svg+xml",
            Format::Pdf => "application/pdf",
            Format::Toml => "application/toml",
            Format::EventStream => "text/event-stream",
            Format::Open311 => "text/xml",
        })
    }
}

/// How far an endpoint's answer reaches for a token scoped to one district.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// No token (health, the OpenAPI document, Open311 GeoReport v2).
    Public,
    /// Any token; the city's shared reference data, the same answer for every scope (catalogue,
    /// units, the working calendar, locate, the base and infrastructure layers, cameras).
    City,
    /// Any token; only what lies in the caller's district. A case outside it is not found on a
    /// read (404) and forbidden on a write (403); lists, exports, the map, the vehicles, the event
    /// stream and evaluation hold only the district; a write may name nothing outside it.
    District,
    /// Only a token of the whole city (a district token gets 403).
    WholeCity,
}

/// Who may call an endpoint: a scope and the roles allowed. The service checks it in one place
/// (its `Caller` extractor for the role and `WholeCity`, the app layer's scope rule for
/// `District`), and its route × role × scope test walks every endpoint of [`ALL`] with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Access {
    /// How far the answer reaches.
    pub scope: Scope,
    /// The roles that may call (administrators always may); empty: every role.
    pub roles: &'static [crate::Role],
}

impl Access {
    /// Whether a token is needed at all.
    pub fn needs_token(&self) -> bool {
        self.scope != Scope::Public
    }

    /// Whether `role` may call.
    pub fn allows(&self, role: crate::Role) -> bool {
        role == crate::Role::Admin || self.roles.is_empty() || self.roles.contains(&role)
    }
}

/// What an endpoint is, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Info {
    /// Operation name, snake_case and unique (the OpenAPI `operationId`, the shell's forward key).
    pub name: &'static str,
    /// Method.
    pub method: Method,
    /// Path template, e.g. `/api/v1/cases/{id}` (axum's syntax; the names are the `Path` type's
    /// fields).
    pub path: &'static str,
    /// Group in the document.
    pub tag: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// Who may call, and how far a district token's answer reaches.
    pub access: Access,
    /// Request body.
    pub request: Format,
    /// Success answer.
    pub response: Format,
    /// HTTP status of success (200, or 201 for a creation).
    pub success: u16,
}

/// Why a URL could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlError(pub String);

impl std::fmt::Display for UrlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UrlError {}

impl Info {
    /// The names of the path template's parameters, in order.
    pub fn path_params(&self) -> Vec<&'static str> {
        self.path.split('{').skip(1).filter_map(|part| part.split_once('}').map(|(name, _)| name)).collect()
    }

    /// Path and query of a request: the template filled from `path` (a struct whose fields are
    /// the template's names; values percent-encoded) and `query` URL-encoded after a `?` when it
    /// has any field set.
    pub fn url(&self, path: &impl Serialize, query: &impl Serialize) -> Result<String, UrlError> {
        let fields = match serde_json::to_value(path).map_err(|e| UrlError(e.to_string()))? {
            serde_json::Value::Object(m) => m,
            serde_json::Value::Null => serde_json::Map::new(),
            other => {
                return Err(UrlError(format!(
                    "{}: path parameters must be a struct, got {other}",
                    self.name
                )));
            }
        };
        let mut url = self.path.to_owned();
        for name in self.path_params() {
            let value = match fields.get(name) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Number(n)) => n.to_string(),
                other => return Err(UrlError(format!("{}: path parameter {name} is {other:?}", self.name))),
            };
            url = url.replace(&format!("{{{name}}}"), &encode_segment(&value));
        }
        let q =
            serde_urlencoded::to_string(query).map_err(|e| UrlError(format!("{}: query: {e}", self.name)))?;
        if !q.is_empty() {
            url.push('?');
            url.push_str(&q);
        }
        Ok(url)
    }
}

/// Percent-encode one path segment (RFC 3986 unreserved characters stay).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A JSON Schema for the type when the `schema` feature is on; nothing otherwise. Every type an
/// endpoint names has one, so the OpenAPI document can describe it.
#[cfg(feature = "schema")]
pub trait Schema: schemars::JsonSchema {}
#[cfg(feature = "schema")]
impl<T: schemars::JsonSchema> Schema for T {}
/// A JSON Schema for the type when the `schema` feature is on; nothing otherwise.
#[cfg(not(feature = "schema"))]
pub trait Schema {}
#[cfg(not(feature = "schema"))]
impl<T> Schema for T {}

/// One endpoint: its [`Info`] and its types.
pub trait Endpoint: 'static {
    /// The endpoint as data.
    const INFO: Info;
    /// Path parameters (a struct whose fields are the template's names), or [`Empty`].
    type Path: Serialize + DeserializeOwned + Schema + Send + Sync;
    /// Query parameters, or [`Empty`].
    type Query: Serialize + DeserializeOwned + Default + Schema + Send + Sync;
    /// Request body (JSON), or [`Empty`] when the request has none or is not JSON.
    type Request: Serialize + DeserializeOwned + Schema + Send + Sync;
    /// Answer (JSON), or [`Empty`] when the answer is not JSON (GeoJSON text, SVG, SSE…).
    type Response: Serialize + DeserializeOwned + Schema + Send + Sync;
}

/// No parameters, or no JSON body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// Code that runs once per endpoint type ([`visit_all`], [`visit_named`]).
pub trait Visitor {
    /// What a visit gives.
    type Output;
    /// Visit endpoint `E`.
    fn visit<E: Endpoint>(&mut self) -> Self::Output;
}

macro_rules! endpoints {
    ($(
        $(#[$doc:meta])*
        $ty:ident {
            name: $name:literal, method: $method:ident, path: $path:literal, tag: $tag:literal,
            summary: $summary:literal, access: $scope:ident $([$($role:ident),*])?,
            path_type: $p:ty, query: $q:ty, request: $req:ty as $reqf:ident, response: $resp:ty as $respf:ident,
            success: $success:literal $(,)?
        }
    )*) => {
        /// The endpoints, one unit struct each (see [`crate::endpoint`]).
        pub mod ep {
            #[allow(unused_imports)]
            use crate::*;
            #[allow(unused_imports)]
            use crate::endpoint::Empty;
            #[allow(unused_imports)]
            use crate::query::*;
            $(
                $(#[$doc])*
                #[derive(Debug, Clone, Copy, Default)]
                pub struct $ty;
                impl crate::endpoint::Endpoint for $ty {
                    const INFO: crate::endpoint::Info = crate::endpoint::Info {
                        name: $name,
                        method: crate::endpoint::Method::$method,
                        path: $path,
                        tag: $tag,
                        summary: $summary,
                        access: crate::endpoint::Access {
                            scope: crate::endpoint::Scope::$scope,
                            roles: &[$($(crate::Role::$role),*)?],
                        },
                        request: crate::endpoint::Format::$reqf,
                        response: crate::endpoint::Format::$respf,
                        success: $success,
                    };
                    type Path = $p;
                    type Query = $q;
                    type Request = $req;
                    type Response = $resp;
                }
            )*
        }

        /// Every endpoint's [`Info`], in document order.
        pub const ALL: &[Info] = &[$(<ep::$ty as Endpoint>::INFO),*];

        /// Visit every endpoint type, in document order.
        pub fn visit_all<V: Visitor>(v: &mut V) -> Vec<V::Output> {
            vec![$(v.visit::<ep::$ty>()),*]
        }

        /// Visit the endpoint named `name` (its [`Info::name`]), if there is one.
        pub fn visit_named<V: Visitor>(name: &str, v: &mut V) -> Option<V::Output> {
            match name {
                $($name => Some(v.visit::<ep::$ty>()),)*
                _ => None,
            }
        }
    };
}

endpoints! {
    /// Health, backend, the service's clock and last event id.
    Health {
        name: "health", method: Get, path: "/api/health", tag: "admin",
        summary: "Health, backend, the service's clock (China Standard Time, scaled when simulating) and the last event id",
        access: Public, path_type: Empty, query: Empty, request: Empty as None, response: HealthDto as Json, success: 200,
    }
    /// This API's OpenAPI 3 document.
    OpenApi {
        name: "openapi", method: Get, path: "/api/openapi.json", tag: "admin",
        summary: "This document (OpenAPI 3.0, generated from the endpoint table)",
        access: Public, path_type: Empty, query: Empty, request: Empty as None, response: serde_json::Value as Json, success: 200,
    }
    /// The audit log.
    Audit {
        name: "audit", method: Get, path: "/api/v1/audit", tag: "admin",
        summary: "Audit log: who did what, when, from where (leader, admin), newest first",
        access: WholeCity[Leader], path_type: Empty, query: AuditQuery, request: Empty as None, response: Vec<AuditDto> as Json, success: 200,
    }
    /// Create a token.
    CreateToken {
        name: "create_token", method: Post, path: "/api/v1/tokens", tag: "admin",
        summary: "Create a token (admin only); the token is shown once",
        access: District[Admin], path_type: Empty, query: Empty, request: NewTokenDto as Json, response: TokenDto as Json, success: 201,
    }
    /// One year of the working calendar.
    CalendarYear {
        name: "calendar_year", method: Get, path: "/api/v1/calendar/{year}", tag: "reference",
        summary: "One year of the working calendar: days off, make-up working days, working days, and its source (notice or statutory-provisional)",
        access: City, path_type: YearPath, query: Empty, request: Empty as None, response: CalendarYearDto as Json, success: 200,
    }
    /// Load a holiday notice.
    ImportNotices {
        name: "import_notices", method: Post, path: "/api/v1/calendar/notices", tag: "admin",
        summary: "Load a State Council holiday notice file (admin, city-wide); validated whole (the line at fault is named), stored, audited, in force at once",
        access: WholeCity[Admin], path_type: Empty, query: Empty, request: Empty as Toml, response: CalendarImportDto as Json, success: 200,
    }
    /// File a report.
    CreateCase {
        name: "create_case", method: Post, path: "/api/v1/cases", tag: "cases",
        summary: "File a report from any channel (located to grid/street/district; 信息收集); 200 with the earlier case for a repeated source_ref",
        access: District[Inspector, Acceptor, ShiftLeader], path_type: Empty, query: Empty, request: NewCaseDto as Json, response: CaseDto as Json, success: 201,
    }
    /// List cases.
    ListCases {
        name: "list_cases", method: Get, path: "/api/v1/cases", tag: "cases",
        summary: "List cases with filters, newest first (without stage history and action events: read one case for those)",
        access: District, path_type: Empty, query: CaseQuery, request: Empty as None, response: CasePageDto as Json, success: 200,
    }
    /// Export the filtered cases as features.
    ExportCases {
        name: "export_cases", method: Get, path: "/api/v1/cases/export", tag: "cases",
        summary: "The filtered case list (same filters and scope as the list, up to 100,000 cases) as GeoJSON or FlatGeobuf points, streamed",
        access: District, path_type: Empty, query: CaseExportQuery, request: Empty as None, response: Empty as Features, success: 200,
    }
    /// Likely duplicates of a case.
    Duplicates {
        name: "duplicates", method: Get, path: "/api/v1/cases/{id}/duplicates", tag: "cases",
        summary: "Earlier reports of the same or a related type near a case (radius and window from the rules file), from the live index, nearest first",
        access: District, path_type: IdPath, query: Empty, request: Empty as None, response: DuplicatesDto as Json, success: 200,
    }
    /// Merge a duplicate into its main case.
    Merge {
        name: "merge", method: Post, path: "/api/v1/cases/{id}/merge", tag: "cases",
        summary: "合并: the case {id} (before dispatch) is a duplicate of `into`; it is cancelled and linked, the main case lists it; both written in one transaction",
        access: District[Acceptor, ShiftLeader, Dispatcher], path_type: IdPath, query: Empty, request: MergeRequest as Json, response: MergedDto as Json, success: 200,
    }
    /// The caller's work queue.
    Queue {
        name: "queue", method: Get, path: "/api/v1/queue", tag: "cases",
        summary: "The caller's work queue (待办): active cases awaiting the caller's role (and unit) in its district, most urgent first (working time left), red/yellow, counts per bucket",
        access: District, path_type: Empty, query: QueueQuery, request: Empty as None, response: QueueDto as Json, success: 200,
    }
    /// One case.
    GetCase {
        name: "get_case", method: Get, path: "/api/v1/cases/{id}", tag: "cases",
        summary: "One case with its stage history and action events",
        access: District, path_type: IdPath, query: Empty, request: Empty as None, response: CaseDto as Json, success: 200,
    }
    /// Take a workflow action.
    Act {
        name: "act", method: Post, path: "/api/v1/cases/{id}/actions", tag: "cases",
        summary: "Workflow action (立案, 派遣, 反馈, 核查, 结案, 回退, 延期, 挂账, 作废, 返工, 督办 …)",
        access: District, path_type: IdPath, query: Empty, request: ActionRequest as Json, response: CaseDto as Json, success: 200,
    }
    /// Actions allowed now.
    AllowedActions {
        name: "allowed_actions", method: Get, path: "/api/v1/cases/{id}/actions", tag: "cases",
        summary: "Actions the caller's role may take on the case now",
        access: District, path_type: IdPath, query: Empty, request: Empty as None, response: Vec<Action> as Json, success: 200,
    }
    /// The dispatch proposal.
    DispatchProposal {
        name: "dispatch_proposal", method: Get, path: "/api/v1/cases/{id}/dispatch-proposal", tag: "cases",
        summary: "Responsible unit (grid × category), deadline if dispatched now, and other units for 派遣",
        access: District, path_type: IdPath, query: Empty, request: Empty as None, response: DispatchProposalDto as Json, success: 200,
    }
    /// The type catalogue.
    Catalogue {
        name: "catalogue", method: Get, path: "/api/v1/catalogue", tag: "reference",
        summary: "GB/T 47678.5 and Qingdao types with 立结案标准",
        access: City, path_type: Empty, query: Empty, request: Empty as None, response: Vec<CategoryDto> as Json, success: 200,
    }
    /// All units.
    Units {
        name: "units", method: Get, path: "/api/v1/units", tag: "reference",
        summary: "Centres, departments and grassroots units",
        access: City, path_type: Empty, query: Empty, request: Empty as None, response: Vec<UnitDto> as Json, success: 200,
    }
    /// Point lookup.
    Locate {
        name: "locate", method: Get, path: "/api/v1/locate", tag: "reference",
        summary: "Point → grid → community → street → district → unit",
        access: City, path_type: Empty, query: PointQuery, request: Empty as None, response: LocationDto as Json, success: 200,
    }
    /// A static layer.
    Layer {
        name: "layer", method: Get, path: "/api/v1/layers/{name}", tag: "reference",
        summary: "Static map layer as GeoJSON or FlatGeobuf: land, sea, coastline, districts, streets, communities, grids (GeoJSON by ?area=, FlatGeobuf also whole), places, compounds, routes, facilities, sites",
        access: City, path_type: NamePath, query: LayerQuery, request: Empty as None, response: Empty as Features, success: 200,
    }
    /// Cameras in a box.
    CamerasInBox {
        name: "cameras_in_box", method: Get, path: "/api/v1/cameras", tag: "reference",
        summary: "Cameras whose view cone may reach into a box (for drawing the cones of a close view), by id",
        access: City, path_type: Empty, query: BoxQuery, request: Empty as None, response: CameraListDto as Json, success: 200,
    }
    /// Cameras that see a point.
    CamerasVisible {
        name: "cameras_visible", method: Get, path: "/api/v1/cameras/visible", tag: "reference",
        summary: "Cameras whose view cone contains a point, nearest first",
        access: City, path_type: Empty, query: PointQuery, request: Empty as None, response: Vec<CameraViewDto> as Json, success: 200,
    }
    /// One camera.
    Camera {
        name: "camera", method: Get, path: "/api/v1/cameras/{id}", tag: "reference",
        summary: "One camera of the city: position, heading, field of view, range and kind (distance_m is 0)",
        access: City, path_type: CameraPath, query: Empty, request: Empty as None, response: CameraViewDto as Json, success: 200,
    }
    /// Latest vehicle positions.
    Vehicles {
        name: "vehicles", method: Get, path: "/api/v1/vehicles", tag: "live",
        summary: "Latest known position of every vehicle (what the live map starts from)",
        access: District, path_type: Empty, query: Empty, request: Empty as None, response: Vec<VehicleDto> as Json, success: 200,
    }
    /// The map of a view.
    Viewport {
        name: "viewport", method: Get, path: "/api/v1/map/viewport", tag: "live",
        summary: "Points and status-mix clusters of a view from the live index, with each layer's data-as-of",
        access: District, path_type: Empty, query: ViewQuery, request: Empty as None, response: MapViewDto as Json, success: 200,
    }
    /// Live events.
    Events {
        name: "events", method: Get, path: "/api/v1/events", tag: "live",
        summary: "Live events (SSE); resume with Last-Event-ID or ?after=",
        access: District, path_type: Empty, query: EventsQuery, request: Empty as None, response: Empty as EventStream, success: 200,
    }
    /// A stretch of the event log.
    EventLog {
        name: "event_log", method: Get, path: "/api/v1/events/log", tag: "live",
        summary: "The events after a past instant up to another (at most `limit`), with each vehicle's last fix at the start: what a replaying console applies to the picture at `from` instead of reloading it",
        access: District, path_type: Empty, query: EventLogQuery, request: Empty as None, response: EventLogDto as Json, success: 200,
    }
    /// Evaluation of an area or unit.
    Evaluation {
        name: "evaluation", method: Get, path: "/api/v1/evaluation", tag: "evaluation",
        summary: "GB/T 30428.4 rates, composite and grade of an area or unit over a period",
        access: District, path_type: Empty, query: EvalQuery, request: Empty as None, response: RatesDto as Json, success: 200,
    }
    /// The districts as peers.
    EvaluationDistricts {
        name: "evaluation_districts", method: Get, path: "/api/v1/evaluation/districts", tag: "evaluation",
        summary: "The 10 districts evaluated as peers over a period",
        access: District, path_type: Empty, query: EvalQuery, request: Empty as None, response: Vec<RatesDto> as Json, success: 200,
    }
    /// The day's figures.
    Summary {
        name: "summary", method: Get, path: "/api/v1/summary", tag: "evaluation",
        summary: "The day so far (since 00:00 CST; with `at`, the day of `at` as it stood then) in the city or a district: reports by channel and hour, open/due soon/overdue now, closed today and the closure rates, trucks active, alerts, top types, newest reports, per district",
        access: District, path_type: Empty, query: SummaryQuery, request: Empty as None, response: SummaryDto as Json, success: 200,
    }
    /// An area with its parts.
    EvaluationDrill {
        name: "evaluation_drill", method: Get, path: "/api/v1/evaluation/drill", tag: "evaluation",
        summary: "An area (370200 = the city, or a district) over a period with its child areas as peers, its units and its platform utilisation (reports by channel, active/passive/automatic, mean dispatch and handling times)",
        access: District, path_type: Empty, query: EvalQuery, request: Empty as None, response: EvaluationDrillDto as Json, success: 200,
    }
    /// The ranking chart.
    EvaluationChart {
        name: "evaluation_chart", method: Get, path: "/api/v1/evaluation/chart.svg", tag: "evaluation",
        summary: "The districts' composite ranking as an SVG chart for briefings",
        access: District, path_type: Empty, query: EvalQuery, request: Empty as None, response: Empty as Svg, success: 200,
    }
    /// The leadership briefing.
    Briefing {
        name: "briefing", method: Get, path: "/api/v1/briefing.pdf", tag: "evaluation",
        summary: "The leadership briefing of a period (from, to; area = the city or a district) as an A4 PDF in Chinese: the figures against the previous period, the trend, the districts' ranking, the top types, the channel mix, the map at the period's end with its hotspots and the most overdue cases",
        access: District, path_type: Empty, query: EvalQuery, request: Empty as None, response: Empty as Pdf, success: 200,
    }
    /// Inspector reports.
    FeedInspector {
        name: "feed_inspector", method: Post, path: "/api/v1/feeds/inspector", tag: "feeds",
        summary: "Inspector reports (batch, idempotent on report_id)",
        access: District[Acceptor, Inspector], path_type: Empty, query: Empty, request: Vec<InspectorReportDto> as Json, response: IngestResultDto as Json, success: 200,
    }
    /// 12345 work orders.
    FeedHotline {
        name: "feed_hotline", method: Post, path: "/api/v1/feeds/hotline", tag: "feeds",
        summary: "12345 work orders (batch, idempotent on order_no)",
        access: District[Acceptor, Inspector], path_type: Empty, query: Empty, request: Vec<HotlineOrderDto> as Json, response: IngestResultDto as Json, success: 200,
    }
    /// Video-AI detections.
    FeedVideo {
        name: "feed_video", method: Post, path: "/api/v1/feeds/video", tag: "feeds",
        summary: "Video-AI detections (batch, idempotent on detection_id)",
        access: District[Acceptor, Inspector], path_type: Empty, query: Empty, request: Vec<VideoDetectionDto> as Json, response: IngestResultDto as Json, success: 200,
    }
    /// Sensor readings.
    FeedSensor {
        name: "feed_sensor", method: Post, path: "/api/v1/feeds/sensor", tag: "feeds",
        summary: "Sensor readings: pm10 µg/m³, noise dB(A) (batch, idempotent on reading_id)",
        access: District[Acceptor, Inspector], path_type: Empty, query: Empty, request: Vec<SensorReadingDto> as Json, response: IngestResultDto as Json, success: 200,
    }
    /// Vehicle GPS fixes.
    FeedGps {
        name: "feed_gps", method: Post, path: "/api/v1/feeds/gps", tag: "feeds",
        summary: "Vehicle GPS fixes (batch, idempotent on fix_id)",
        access: District[Acceptor, Inspector], path_type: Empty, query: Empty, request: Vec<GpsFixDto> as Json, response: IngestResultDto as Json, success: 200,
    }
    /// Open311 reads.
    Open311Get {
        name: "open311_get", method: Get, path: "/open311/v2/{file}", tag: "open311",
        summary: "GeoReport v2: discovery, services, requests (GET) — .xml or .json",
        access: Public, path_type: FilePath, query: Open311Query, request: Empty as None, response: Empty as Open311, success: 200,
    }
    /// Open311 report.
    Open311Post {
        name: "open311_post", method: Post, path: "/open311/v2/{file}", tag: "open311",
        summary: "GeoReport v2: POST requests.{xml,json} (form-encoded, api_key required)",
        access: Public, path_type: FilePath, query: Empty, request: Empty as Open311, response: Empty as Open311, success: 200,
    }
    /// Open311 service definition.
    Open311Service {
        name: "open311_service", method: Get, path: "/open311/v2/services/{file}", tag: "open311",
        summary: "GeoReport v2: service definition",
        access: Public, path_type: FilePath, query: Empty, request: Empty as None, response: Empty as Open311, success: 200,
    }
    /// Open311 one request.
    Open311Request {
        name: "open311_request", method: Get, path: "/open311/v2/requests/{file}", tag: "open311",
        summary: "GeoReport v2: one request",
        access: Public, path_type: FilePath, query: Open311Query, request: Empty as None, response: Empty as Open311, success: 200,
    }
    /// Open311 token lookup.
    Open311Token {
        name: "open311_token", method: Get, path: "/open311/v2/tokens/{file}", tag: "open311",
        summary: "GeoReport v2: request id for a token (the case number)",
        access: Public, path_type: FilePath, query: Empty, request: Empty as None, response: Empty as Open311, success: 200,
    }
    /// The enforcement matter list.
    EnfMatters {
        name: "enforcement_matters", method: Get, path: "/api/v1/enforcement/matters", tag: "enforcement",
        summary: "The enforcement matter list (执法事项): fields, matters with their legal basis and discretion tables (裁量基准), the amounts that decide the procedure; or the matters a problem type leads to (kind, code)",
        access: City, path_type: Empty, query: MatterQuery, request: Empty as None, response: MatterListDto as Json, success: 200,
    }
    /// Register a lead or transfer a case (移送执法).
    EnfCreateFile {
        name: "enforcement_create_file", method: Post, path: "/api/v1/enforcement/files", tag: "enforcement",
        summary: "Register a lead (线索登记), or transfer a 运管服 case (移送执法: its location, photos and history come with it); 201 with the file (its number assigned)",
        access: District[LawOfficer], path_type: Empty, query: Empty, request: NewEnfFileDto as Json, response: EnfFileDto as Json, success: 201,
    }
    /// List penalty files.
    EnfListFiles {
        name: "enforcement_list_files", method: Get, path: "/api/v1/enforcement/files", tag: "enforcement",
        summary: "Penalty files in the caller's district, most recently changed first, with their limits judged now",
        access: District[LawOfficer, LegalReviewer, EnforcementChief, Leader], path_type: Empty, query: EnfFileQuery, request: Empty as None, response: EnfFilePageDto as Json, success: 200,
    }
    /// The enforcement figures.
    EnfSummary {
        name: "enforcement_summary", method: Get, path: "/api/v1/enforcement/summary", tag: "enforcement",
        summary: "Open files, due soon, overdue, files closed and fines decided in the window, open files per stage, and the average natural days per step against the paper-procedure baseline",
        access: District, path_type: Empty, query: EnfSummaryQuery, request: Empty as None, response: EnfSummaryDto as Json, success: 200,
    }
    /// One penalty file.
    EnfGetFile {
        name: "enforcement_get_file", method: Get, path: "/api/v1/enforcement/files/{id}", tag: "enforcement",
        summary: "One penalty file: its step timeline, evidence, documents and running limits",
        access: District[LawOfficer, LegalReviewer, EnforcementChief, Leader], path_type: IdPath, query: Empty, request: Empty as None, response: EnfFileDto as Json, success: 200,
    }
    /// Take a step on a file.
    EnfStep {
        name: "enforcement_step", method: Post, path: "/api/v1/enforcement/files/{id}/steps", tag: "enforcement",
        summary: "Take a step of the procedure (立案, 调查取证, 审核, 告知, 决定, 送达, 执行, 结案…); the documents it issues are numbered; a transferred file that closes hands its outcome back to the case",
        access: District[LawOfficer, LegalReviewer, EnforcementChief], path_type: IdPath, query: Empty, request: EnfStepRequest as Json, response: EnfFileDto as Json, success: 200,
    }
    /// The steps the caller may take.
    EnfAllowedSteps {
        name: "enforcement_allowed_steps", method: Get, path: "/api/v1/enforcement/files/{id}/steps", tag: "enforcement",
        summary: "The steps the caller's role may take on the file now",
        access: District[LawOfficer, LegalReviewer, EnforcementChief, Leader], path_type: IdPath, query: Empty, request: Empty as None, response: Vec<EnfAction> as Json, success: 200,
    }
    /// A document of a file as PDF.
    EnfDocument {
        name: "enforcement_document", method: Get, path: "/api/v1/enforcement/files/{id}/documents/{kind}", tag: "enforcement",
        summary: "A document the file issued (立案审批表, 询问笔录, 责令改正通知书, 事先告知书, 处罚决定书, 送达回证, 结案报告) as PDF with its number",
        access: District[LawOfficer, LegalReviewer, EnforcementChief, Leader], path_type: DocPath, query: DocQuery, request: Empty as None, response: Empty as Pdf, success: 200,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::{CameraPath, CaseQuery, IdPath};

    #[test]
    fn names_and_routes_are_unique_and_templates_match_their_path_types() {
        let mut names = std::collections::BTreeSet::new();
        let mut routes = std::collections::BTreeSet::new();
        for i in ALL {
            assert!(names.insert(i.name), "{} twice", i.name);
            assert!(routes.insert((i.method, i.path)), "{:?} {} twice", i.method, i.path);
        }
        struct Check;
        impl Visitor for Check {
            type Output = ();
            fn visit<E: Endpoint>(&mut self) {
                // The path type's fields are exactly the template's names (deny_unknown_fields
                // refuses a name it does not have; a missing field refuses the object).
                // Each parameter a number or a string: try every combination.
                let params = E::INFO.path_params();
                let object = |mask: u32| {
                    serde_json::Value::Object(
                        params
                            .iter()
                            .enumerate()
                            .map(|(i, p)| {
                                let v = if mask & (1 << i) == 0 {
                                    serde_json::json!(7)
                                } else {
                                    serde_json::json!("x")
                                };
                                ((*p).to_owned(), v)
                            })
                            .collect(),
                    )
                };
                let path = (0..1u32 << params.len())
                    .find_map(|mask| serde_json::from_value::<E::Path>(object(mask)).ok())
                    .unwrap_or_else(|| panic!("{}: no path object fits the template", E::INFO.name));
                let url = E::INFO.url(&path, &E::Query::default()).unwrap();
                assert!(!url.contains('{'), "{url}");
            }
        }
        let mut check = Check;
        for i in ALL {
            visit_named(i.name, &mut check).unwrap();
        }
        assert!(visit_named("nope", &mut check).is_none());
        assert_eq!(visit_all(&mut check).len(), ALL.len());
    }

    #[test]
    fn urls_fill_the_template_and_encode_the_query() {
        let url = <ep::GetCase as Endpoint>::INFO.url(&IdPath { id: 42 }, &Empty {}).unwrap();
        assert_eq!(url, "/api/v1/cases/42");
        let url =
            <ep::Camera as Endpoint>::INFO.url(&CameraPath { id: "QD-CAM 中".into() }, &Empty {}).unwrap();
        assert_eq!(url, "/api/v1/cameras/QD-CAM%20%E4%B8%AD");
        let q = CaseQuery {
            q: Some("金湖路 & co".into()),
            overdue: Some(true),
            limit: Some(10),
            ..Default::default()
        };
        let url = <ep::ListCases as Endpoint>::INFO.url(&Empty {}, &q).unwrap();
        assert_eq!(url, "/api/v1/cases?overdue=true&q=%E9%87%91%E6%B9%96%E8%B7%AF+%26+co&limit=10");
    }
}
