//! `/api/openapi.json`: the OpenAPI 3.0 document of the service. Operations are listed in one
//! table ([`OPERATIONS`]); request and response schemas are generated from the `cityops-api` types
//! (schemars), so the document cannot drift from the wire types. A test requests every listed
//! path to prove each one is routed.

use std::sync::OnceLock;

use axum::Router;
use axum::routing::get;
use cityops_api::*;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::state::AppState;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(|| async { axum::Json(document().clone()) }))
}

/// A schema reference in the table: the type's name, optionally as an array.
#[derive(Debug, Clone, Copy)]
pub enum Body {
    /// No body.
    None,
    /// One value of the named schema.
    One(&'static str),
    /// An array of the named schema.
    Many(&'static str),
    /// GeoJSON FeatureCollection.
    GeoJson,
    /// Server-Sent Events stream.
    Sse,
    /// Open311 (XML or JSON per the extension).
    Open311,
    /// A TOML document (a holiday notice file).
    Toml,
}

/// A query or path parameter: name, location, description, required.
pub type Param = (&'static str, &'static str, &'static str, bool);

/// One operation of the API.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// HTTP method (lowercase).
    pub method: &'static str,
    /// Path template.
    pub path: &'static str,
    /// Tag.
    pub tag: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// Whether a bearer token is needed.
    pub auth: bool,
    /// Parameters.
    pub params: &'static [Param],
    /// Request body.
    pub request: Body,
    /// Success response body.
    pub response: Body,
}

const ID: Param = ("id", "path", "Case id", true);
const LIST: &[Param] = &[
    (
        "area",
        "query",
        "Area code prefix: district (6), street (9), community (12) or grid (15 digits)",
        false,
    ),
    ("unit", "query", "Handling unit code", false),
    ("kind", "query", "component | matter", false),
    ("code", "query", "Type code (5 digits) or class (2 digits)", false),
    ("stage", "query", "collect | register | dispatch | handle | feedback | verify | evaluate", false),
    ("status", "query", "active | suspended | cancelled | closed", false),
    ("channel", "query", "inspector | citizen | hotline | video_ai | sensor", false),
    ("overdue", "query", "true: only active cases past their deadline", false),
    ("from", "query", "Created at or after (RFC 3339)", false),
    ("to", "query", "Created before (RFC 3339)", false),
    ("bbox", "query", "west,south,east,north (WGS84 degrees)", false),
    (
        "q",
        "query",
        "Free text (1–100 characters), case-insensitive: case number, address, description, camera id or source reference",
        false,
    ),
    ("limit", "query", "Page size 1–1000 (default 100)", false),
    ("offset", "query", "Offset", false),
];
const EVAL: &[Param] = &[
    ("from", "query", "Period start (RFC 3339, inclusive)", true),
    ("to", "query", "Period end (RFC 3339, exclusive)", true),
    ("area", "query", "Area code (6/9/12/15 digits; 370200 = city)", false),
    ("unit", "query", "Unit code (department evaluation)", false),
];
const O311_FILE: Param =
    ("file", "path", "Resource with format extension, e.g. services.json or requests.xml", true);

/// Every operation the service offers.
pub const OPERATIONS: &[Operation] = &[
    Operation {
        method: "get",
        path: "/api/health",
        tag: "admin",
        summary: "Health, backend and current time",
        auth: false,
        params: &[],
        request: Body::None,
        response: Body::None,
    },
    Operation {
        method: "get",
        path: "/api/openapi.json",
        tag: "admin",
        summary: "This document",
        auth: false,
        params: &[],
        request: Body::None,
        response: Body::None,
    },
    Operation {
        method: "get",
        path: "/api/v1/audit",
        tag: "admin",
        summary: "Audit log: who did what, when, from where (leader, admin)",
        auth: true,
        params: &[("limit", "query", "Entries, newest first (≤1000)", false)],
        request: Body::None,
        response: Body::None,
    },
    Operation {
        method: "post",
        path: "/api/v1/tokens",
        tag: "admin",
        summary: "Create a token (admin only); the token is shown once",
        auth: true,
        params: &[],
        request: Body::None,
        response: Body::None,
    },
    Operation {
        method: "get",
        path: "/api/v1/calendar/{year}",
        tag: "reference",
        summary: "One year of the working calendar: days off, make-up working days, working days, and its source (notice or statutory-provisional)",
        auth: true,
        params: &[("year", "path", "Year, e.g. 2027", true)],
        request: Body::None,
        response: Body::One("CalendarYearDto"),
    },
    Operation {
        method: "post",
        path: "/api/v1/calendar/notices",
        tag: "admin",
        summary: "Load a State Council holiday notice file (admin, city-wide); validated whole (the line at fault is named), stored, audited, in force at once",
        auth: true,
        params: &[],
        request: Body::Toml,
        response: Body::One("CalendarImportDto"),
    },
    Operation {
        method: "post",
        path: "/api/v1/cases",
        tag: "cases",
        summary: "File a report from any channel (located to grid/street/district; 信息收集)",
        auth: true,
        params: &[],
        request: Body::One("NewCaseDto"),
        response: Body::One("CaseDto"),
    },
    Operation {
        method: "get",
        path: "/api/v1/cases",
        tag: "cases",
        summary: "List cases with filters, newest first (without stage history and action events: read one case for those)",
        auth: true,
        params: LIST,
        request: Body::None,
        response: Body::One("CasePageDto"),
    },
    Operation {
        method: "get",
        path: "/api/v1/cases/{id}",
        tag: "cases",
        summary: "One case with its stage history",
        auth: true,
        params: &[ID],
        request: Body::None,
        response: Body::One("CaseDto"),
    },
    Operation {
        method: "post",
        path: "/api/v1/cases/{id}/actions",
        tag: "cases",
        summary: "Workflow action (立案, 派遣, 反馈, 核查, 结案, 回退, 延期, 挂账, 作废, 返工, 督办 …)",
        auth: true,
        params: &[ID],
        request: Body::One("ActionRequest"),
        response: Body::One("CaseDto"),
    },
    Operation {
        method: "get",
        path: "/api/v1/cases/{id}/actions",
        tag: "cases",
        summary: "Actions the caller's role may take now",
        auth: true,
        params: &[ID],
        request: Body::None,
        response: Body::Many("Action"),
    },
    Operation {
        method: "get",
        path: "/api/v1/cases/{id}/dispatch-proposal",
        tag: "cases",
        summary: "Responsible unit (grid × category) and deadline for 派遣",
        auth: true,
        params: &[ID],
        request: Body::None,
        response: Body::One("DispatchProposalDto"),
    },
    Operation {
        method: "get",
        path: "/api/v1/catalogue",
        tag: "reference",
        summary: "GB/T 47678.5 and Qingdao types with 立结案标准",
        auth: true,
        params: &[],
        request: Body::None,
        response: Body::Many("CategoryDto"),
    },
    Operation {
        method: "get",
        path: "/api/v1/units",
        tag: "reference",
        summary: "Centres, departments and grassroots units",
        auth: true,
        params: &[],
        request: Body::None,
        response: Body::Many("UnitDto"),
    },
    Operation {
        method: "get",
        path: "/api/v1/locate",
        tag: "reference",
        summary: "Point → grid → community → street → district → unit",
        auth: true,
        params: &[("lon", "query", "WGS84 longitude", true), ("lat", "query", "WGS84 latitude", true)],
        request: Body::None,
        response: Body::One("LocationDto"),
    },
    Operation {
        method: "get",
        path: "/api/v1/layers/{name}",
        tag: "reference",
        summary: "Static map layer: land, sea, coastline, districts, streets, communities, grids (?area=), places, compounds, routes, facilities, sites",
        auth: true,
        params: &[("name", "path", "Layer name", true), ("area", "query", "Area prefix (grids only)", false)],
        request: Body::None,
        response: Body::GeoJson,
    },
    Operation {
        method: "get",
        path: "/api/v1/cameras/visible",
        tag: "reference",
        summary: "Cameras whose view cone contains a point, nearest first",
        auth: true,
        params: &[("lon", "query", "WGS84 longitude", true), ("lat", "query", "WGS84 latitude", true)],
        request: Body::None,
        response: Body::Many("CameraViewDto"),
    },
    Operation {
        method: "get",
        path: "/api/v1/cameras",
        tag: "reference",
        summary: "Cameras whose view cone may reach into a box (for drawing the cones of a close view), by id",
        auth: true,
        params: &[
            ("bbox", "query", "west,south,east,north (WGS84 degrees)", true),
            ("limit", "query", "At most this many (1–5000, default 2000); truncated says if more", false),
        ],
        request: Body::None,
        response: Body::One("CameraListDto"),
    },
    Operation {
        method: "get",
        path: "/api/v1/cameras/{id}",
        tag: "reference",
        summary: "One camera of the city: position, heading, field of view, range and kind (distance_m is 0)",
        auth: true,
        params: &[("id", "path", "Camera id, e.g. QD-CAM-000481 (case-insensitive)", true)],
        request: Body::None,
        response: Body::One("CameraViewDto"),
    },
    Operation {
        method: "get",
        path: "/api/v1/evaluation",
        tag: "evaluation",
        summary: "GB/T 30428.4 rates, composite and grade of an area or unit",
        auth: true,
        params: EVAL,
        request: Body::None,
        response: Body::One("RatesDto"),
    },
    Operation {
        method: "get",
        path: "/api/v1/evaluation/districts",
        tag: "evaluation",
        summary: "The 10 districts evaluated as peers",
        auth: true,
        params: EVAL,
        request: Body::None,
        response: Body::Many("RatesDto"),
    },
    Operation {
        method: "get",
        path: "/api/v1/evaluation/chart.svg",
        tag: "evaluation",
        summary: "The districts' composite ranking as an SVG chart for briefings",
        auth: true,
        params: EVAL,
        request: Body::None,
        response: Body::None,
    },
    Operation {
        method: "get",
        path: "/api/v1/events",
        tag: "live",
        summary: "Live events (SSE); resume with Last-Event-ID or ?after=",
        auth: true,
        params: &[
            ("after", "query", "Last event id seen", false),
            ("access_token", "query", "Token, for EventSource clients", false),
        ],
        request: Body::None,
        response: Body::Sse,
    },
    Operation {
        method: "post",
        path: "/api/v1/feeds/inspector",
        tag: "feeds",
        summary: "Inspector reports (batch, idempotent on report_id)",
        auth: true,
        params: &[],
        request: Body::Many("InspectorReportDto"),
        response: Body::One("IngestResultDto"),
    },
    Operation {
        method: "post",
        path: "/api/v1/feeds/hotline",
        tag: "feeds",
        summary: "12345 work orders (batch, idempotent on order_no)",
        auth: true,
        params: &[],
        request: Body::Many("HotlineOrderDto"),
        response: Body::One("IngestResultDto"),
    },
    Operation {
        method: "post",
        path: "/api/v1/feeds/video",
        tag: "feeds",
        summary: "Video-AI detections (batch, idempotent on detection_id)",
        auth: true,
        params: &[],
        request: Body::Many("VideoDetectionDto"),
        response: Body::One("IngestResultDto"),
    },
    Operation {
        method: "post",
        path: "/api/v1/feeds/sensor",
        tag: "feeds",
        summary: "Sensor readings: pm10 µg/m³, noise dB(A) (batch, idempotent on reading_id)",
        auth: true,
        params: &[],
        request: Body::Many("SensorReadingDto"),
        response: Body::One("IngestResultDto"),
    },
    Operation {
        method: "post",
        path: "/api/v1/feeds/gps",
        tag: "feeds",
        summary: "Vehicle GPS fixes (batch, idempotent on fix_id)",
        auth: true,
        params: &[],
        request: Body::Many("GpsFixDto"),
        response: Body::One("IngestResultDto"),
    },
    Operation {
        method: "get",
        path: "/open311/v2/{file}",
        tag: "open311",
        summary: "GeoReport v2: discovery, services, requests (GET) — .xml or .json",
        auth: false,
        params: &[O311_FILE],
        request: Body::None,
        response: Body::Open311,
    },
    Operation {
        method: "post",
        path: "/open311/v2/{file}",
        tag: "open311",
        summary: "GeoReport v2: POST requests.{xml,json} (form-encoded, api_key required)",
        auth: false,
        params: &[O311_FILE],
        request: Body::Open311,
        response: Body::Open311,
    },
    Operation {
        method: "get",
        path: "/open311/v2/services/{file}",
        tag: "open311",
        summary: "GeoReport v2: service definition",
        auth: false,
        params: &[O311_FILE],
        request: Body::None,
        response: Body::Open311,
    },
    Operation {
        method: "get",
        path: "/open311/v2/requests/{file}",
        tag: "open311",
        summary: "GeoReport v2: one request",
        auth: false,
        params: &[O311_FILE],
        request: Body::None,
        response: Body::Open311,
    },
    Operation {
        method: "get",
        path: "/open311/v2/tokens/{file}",
        tag: "open311",
        summary: "GeoReport v2: request id for a token (the case number)",
        auth: false,
        params: &[O311_FILE],
        request: Body::None,
        response: Body::Open311,
    },
];

fn schemas() -> Map<String, Value> {
    let mut g = SchemaSettings::openapi3().into_generator();
    macro_rules! reg {
        ($($t:ty),* $(,)?) => { $( let _ = g.subschema_for::<$t>(); )* };
    }
    reg!(
        NewCaseDto,
        CaseDto,
        CasePageDto,
        ActionRequest,
        Action,
        DispatchProposalDto,
        CategoryDto,
        UnitDto,
        LocationDto,
        RatesDto,
        InspectorReportDto,
        HotlineOrderDto,
        VideoDetectionDto,
        SensorReadingDto,
        GpsFixDto,
        IngestResultDto,
        LiveEvent,
        ApiError,
        MapItemDto,
        CameraViewDto,
        CameraListDto,
        CalendarYearDto,
        CalendarImportDto
    );
    g.take_definitions(true).into_iter().collect()
}

fn content(body: Body) -> Option<Value> {
    let r = |n: &str| json!({ "$ref": format!("#/components/schemas/{n}") });
    Some(match body {
        Body::None => return None,
        Body::One(n) => json!({ "application/json": { "schema": r(n) } }),
        Body::Many(n) => json!({ "application/json": { "schema": { "type": "array", "items": r(n) } } }),
        Body::GeoJson => {
            json!({ "application/geo+json": { "schema": { "type": "object", "description": "RFC 7946 FeatureCollection" } } })
        }
        Body::Sse => {
            json!({ "text/event-stream": { "schema": { "type": "string", "description": "SSE: id = event id, data = LiveEvent JSON" } } })
        }
        Body::Toml => {
            json!({ "application/toml": { "schema": { "type": "string", "description": "Calendar file: [[year]] tables as in assets/calendar/cn_workdays.toml" } } })
        }
        Body::Open311 => json!({
            "text/xml": { "schema": { "type": "string" } },
            "application/json": { "schema": { "type": "array", "items": { "type": "object" } } },
            "application/x-www-form-urlencoded": { "schema": { "type": "object" } },
        }),
    })
}

/// The OpenAPI document (built once).
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut paths = Map::new();
        for op in OPERATIONS {
            let mut o = json!({
                "tags": [op.tag],
                "summary": op.summary,
                "operationId": format!("{}_{}", op.method, op.path.trim_start_matches('/').replace(['/', '{', '}', '.'], "_")),
                "parameters": op.params.iter().map(|(name, loc, desc, req)| json!({
                    "name": name, "in": loc, "description": desc, "required": req, "schema": { "type": "string" }
                })).collect::<Vec<_>>(),
                "responses": {
                    "200": { "description": "Success" },
                    "4XX": { "description": "Client error {code, message} naming what is wrong",
                             "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ApiError" } } } },
                },
            });
            if let Some(c) = content(op.response) {
                o["responses"]["200"]["content"] = c;
            }
            if let Some(c) = content(op.request) {
                o["requestBody"] = json!({ "required": true, "content": c });
            }
            if op.auth {
                o["security"] = json!([{ "bearer": [] }]);
            }
            let entry = paths.entry(op.path.to_owned()).or_insert_with(|| json!({}));
            entry[op.method] = o;
        }
        json!({
            "openapi": "3.0.3",
            "info": {
                "title": "cityops platform service",
                "version": env!("CARGO_PKG_VERSION"),
                "description": "Case workflow, live events, feed ingest and Open311 GeoReport v2 for Qingdao's 城市运行管理服务平台. Times are China Standard Time (+08:00); coordinates WGS84.",
            },
            "paths": paths,
            "components": {
                "schemas": schemas(),
                "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            },
        })
    })
}
