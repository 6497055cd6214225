//! Open311 GeoReport v2 (`/open311/v2`), in XML and JSON, so citizen apps and third-party Open311
//! clients work unchanged. Mapping (domain.md §7): `service_code` ↔ GB/T 47678.5 matter code,
//! `group` ↔ 大类, `status` open/closed ↔ stage (closed = 结案 or 作废, explained in
//! `status_notes`), `agency_responsible` ↔ the handling unit, `expected_datetime` ↔ the current
//! deadline, `service_notice` ↔ the 处置时限. POST needs an `api_key` (a cityops token). With
//! `extensions=true` records carry the CitySDK `detailed_status`. Tokens are case numbers
//! (`QD…`): `tokens/{case_no}` returns the request id. A request merged into another case (a
//! duplicate report) reports that case's status, deadline and agency, so its reporter's feedback
//! follows the case that is actually handled.
//!
//! Formats come from the file extension (`services.xml`, `requests.json`); errors use the
//! spec's `errors` form in the requested format.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::DateTime;
use cityops_api::{CaseDto, CaseStatus, Channel, ErrorCode, NewCaseDto, Stage, TypeKey, TypeKind, ep};
use cityops_core::catalogue::Category;
use cityops_store::CaseFilter;
use serde_json::{Value, json};

use crate::app;
use crate::auth;
use crate::error::AppError;
use crate::http::{ApiRouter, PathOf};
use crate::state::AppState;

/// The jurisdiction this endpoint serves.
pub const JURISDICTION: &str = "qingdao.cityops";

/// Routes of this module.
pub fn router() -> ApiRouter {
    ApiRouter::new()
        .at::<ep::Open311Get, _, _>(root_get)
        .at::<ep::Open311Post, _, _>(root_post)
        .at::<ep::Open311Service, _, _>(service_definition)
        .at::<ep::Open311Request, _, _>(one_request)
        .at::<ep::Open311Token, _, _>(token)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fmt {
    Xml,
    Json,
}

fn split(file: &str) -> Option<(&str, Fmt)> {
    if let Some(n) = file.strip_suffix(".xml") {
        Some((n, Fmt::Xml))
    } else {
        file.strip_suffix(".json").map(|n| (n, Fmt::Json))
    }
}

/// An Open311 error, rendered in the requested format.
struct O311Error {
    status: StatusCode,
    description: String,
    fmt: Fmt,
}

impl O311Error {
    fn new(status: StatusCode, description: impl Into<String>, fmt: Fmt) -> Self {
        Self { status, description: description.into(), fmt }
    }

    fn from_app(e: AppError, fmt: Fmt) -> Self {
        Self { status: e.status(), description: e.0.message, fmt }
    }
}

impl IntoResponse for O311Error {
    fn into_response(self) -> Response {
        let code = self.status.as_u16();
        match self.fmt {
            Fmt::Json => {
                (self.status, axum::Json(json!([{ "code": code, "description": self.description }])))
                    .into_response()
            }
            Fmt::Xml => {
                let mut x = xml_head();
                x.push_str("<errors><error>");
                el(&mut x, "code", &code.to_string());
                el(&mut x, "description", &self.description);
                x.push_str("</error></errors>");
                (self.status, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], x).into_response()
            }
        }
    }
}

fn xml_head() -> String {
    String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>")
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

fn el(x: &mut String, name: &str, value: &str) {
    let _ = write!(x, "<{name}>{}</{name}>", escape(value));
}

/// Render a list of flat records: JSON array of objects, or XML `<root><item>…</item></root>`.
/// Nested arrays (`keywords` is a string; `values`/`attributes` are handled by the caller) are
/// not used here; `null` becomes an empty element.
fn render(fmt: Fmt, root: &str, item: &str, records: Vec<Value>) -> Response {
    match fmt {
        Fmt::Json => axum::Json(Value::Array(records)).into_response(),
        Fmt::Xml => {
            let mut x = xml_head();
            let _ = write!(x, "<{root}>");
            for r in &records {
                let _ = write!(x, "<{item}>");
                write_xml_fields(&mut x, r);
                let _ = write!(x, "</{item}>");
            }
            let _ = write!(x, "</{root}>");
            ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], x).into_response()
        }
    }
}

fn write_xml_fields(x: &mut String, r: &Value) {
    if let Value::Object(m) = r {
        for (k, v) in m {
            match v {
                Value::Null => {
                    let _ = write!(x, "<{k}/>");
                }
                Value::String(s) => el(x, k, s),
                Value::Array(items) => {
                    let _ = write!(x, "<{k}>");
                    let inner = if k == "attributes" {
                        "attribute"
                    } else if k == "values" {
                        "value"
                    } else {
                        "item"
                    };
                    for i in items {
                        let _ = write!(x, "<{inner}>");
                        write_xml_fields(x, i);
                        let _ = write!(x, "</{inner}>");
                    }
                    let _ = write!(x, "</{k}>");
                }
                Value::Object(_) => {
                    let _ = write!(x, "<{k}>");
                    write_xml_fields(x, v);
                    let _ = write!(x, "</{k}>");
                }
                other => el(x, k, &other.to_string()),
            }
        }
    }
}

fn query_map(q: Option<&str>) -> HashMap<String, String> {
    q.and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .map(|v| v.into_iter().collect())
        .unwrap_or_default()
}

fn check_jurisdiction(params: &HashMap<String, String>, fmt: Fmt) -> Result<(), O311Error> {
    match params.get("jurisdiction_id").map(String::as_str) {
        None | Some(JURISDICTION) | Some("370200") => Ok(()),
        Some(j) => Err(O311Error::new(
            StatusCode::NOT_FOUND,
            format!("jurisdiction_id {j:?} is not served here (use {JURISDICTION})"),
            fmt,
        )),
    }
}

/// Citizen-facing services: the GB/T 47678.5 matter types.
fn services(st: &AppState) -> impl Iterator<Item = &Category> {
    st.city.catalogue.gbt_types(TypeKind::Matter)
}

fn notice(cat: &Category) -> String {
    let tiers: Vec<String> = cat
        .standard()
        .deadlines()
        .iter()
        .map(|t| format!("{} {}{}", t.label, t.limit.amount, t.limit.unit.zh()))
        .collect();
    format!("处置时限：{}；结案条件：{}", tiers.join("，"), cat.standard().close_condition())
}

fn service_record(cat: &Category) -> Value {
    json!({
        "service_code": cat.key().code,
        "service_name": cat.name(),
        "description": format!("立案条件：{}", cat.standard().register_condition()),
        "metadata": false,
        "type": "realtime",
        "keywords": format!("{},{}", cat.class_name(), cat.name()),
        "group": cat.class_name(),
    })
}

async fn root_get(
    State(st): State<AppState>,
    PathOf(ep_path): PathOf<ep::Open311Get>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    let file = ep_path.file;
    let Some((name, fmt)) = split(&file) else {
        return O311Error::new(StatusCode::NOT_FOUND, format!("{file}: use .xml or .json"), Fmt::Xml)
            .into_response();
    };
    let params = query_map(uri.query());
    if let Err(e) = check_jurisdiction(&params, fmt) {
        return e.into_response();
    }
    match name {
        "discovery" => discovery(&headers, fmt),
        "services" => render(fmt, "services", "service", services(&st).map(service_record).collect()),
        "requests" => match list_requests(&st, &params, fmt).await {
            Ok(r) => r,
            Err(e) => e.into_response(),
        },
        _ => O311Error::new(StatusCode::NOT_FOUND, format!("no resource {name:?}"), fmt).into_response(),
    }
}

fn discovery(headers: &HeaderMap, fmt: Fmt) -> Response {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let url = format!("http://{host}/open311/v2");
    let body = json!({
        "changeset": "2026-11-29T00:00:00+08:00",
        "contact": "cityops 城市运行管理服务平台 (Qingdao)",
        "key_service": "API keys are cityops tokens issued by the platform administrator",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": url,
            "changeset": "2026-11-29T00:00:00+08:00",
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    });
    match fmt {
        Fmt::Json => axum::Json(body).into_response(),
        Fmt::Xml => {
            let mut x = xml_head();
            x.push_str("<discovery>");
            el(&mut x, "changeset", "2026-11-29T00:00:00+08:00");
            el(&mut x, "contact", "cityops 城市运行管理服务平台 (Qingdao)");
            el(&mut x, "key_service", "API keys are cityops tokens issued by the platform administrator");
            x.push_str("<endpoints><endpoint>");
            el(&mut x, "specification", "http://wiki.open311.org/GeoReport_v2");
            el(&mut x, "url", &url);
            el(&mut x, "changeset", "2026-11-29T00:00:00+08:00");
            el(&mut x, "type", "production");
            x.push_str("<formats>");
            el(&mut x, "format", "text/xml");
            el(&mut x, "format", "application/json");
            x.push_str("</formats></endpoint></endpoints></discovery>");
            ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], x).into_response()
        }
    }
}

async fn service_definition(
    State(st): State<AppState>,
    PathOf(ep_path): PathOf<ep::Open311Service>,
) -> Response {
    let file = ep_path.file;
    let Some((code, fmt)) = split(&file) else {
        return O311Error::new(StatusCode::NOT_FOUND, format!("{file}: use .xml or .json"), Fmt::Xml)
            .into_response();
    };
    let key = TypeKey { kind: TypeKind::Matter, code: code.to_owned() };
    let Some(cat) = st.city.catalogue.get(&key) else {
        return O311Error::new(StatusCode::NOT_FOUND, format!("service_code {code} not found"), fmt)
            .into_response();
    };
    let body = json!({ "service_code": cat.key().code, "attributes": [] });
    match fmt {
        Fmt::Json => axum::Json(body).into_response(),
        Fmt::Xml => {
            let mut x = xml_head();
            x.push_str("<service_definition>");
            write_xml_fields(&mut x, &body);
            x.push_str("</service_definition>");
            ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], x).into_response()
        }
    }
}

fn status_of(c: &CaseDto) -> (&'static str, String, &'static str) {
    match c.status {
        CaseStatus::Closed => ("closed", "已结案 (closed after on-site check)".into(), "PROCESSED"),
        CaseStatus::Cancelled => {
            let why = c.history.last().map(|h| h.note.clone()).filter(|n| !n.is_empty());
            (
                "closed",
                format!("作废/不予立案 (not accepted){}", why.map(|w| format!(": {w}")).unwrap_or_default()),
                "REJECTED",
            )
        }
        CaseStatus::Suspended => ("open", "挂账 (parked: long-term issue)".into(), "IN_PROCESS"),
        CaseStatus::Active => match c.stage {
            Stage::Collect | Stage::Register => ("open", format!("{} (received)", c.stage.zh()), "RECEIVED"),
            _ => ("open", format!("{} (in process)", c.stage.zh()), "IN_PROCESS"),
        },
    }
}

/// The case a merged request follows: its reporter hears how the main case goes on.
async fn main_of(st: &AppState, c: &CaseDto) -> Option<CaseDto> {
    let main = c.merged_into?;
    app::public_case(st, main).await.ok()
}

/// A request's Open311 record; `main` is the case it was merged into, whose progress it reports.
fn request_record(st: &AppState, c: &CaseDto, main: Option<&CaseDto>, extensions: bool) -> Value {
    let cat = st.city.catalogue.get(&c.type_key);
    let (status, notes, detailed) = match main {
        Some(m) => {
            let (status, notes, detailed) = status_of(m);
            (status, format!("已合并至案件 {} (merged into case {}): {notes}", m.id, m.id), detailed)
        }
        None => status_of(c),
    };
    let carrier = main.unwrap_or(c);
    let updated = main.map_or(c.updated_at, |m| m.updated_at.max(c.updated_at));
    let agency = carrier
        .unit_code
        .as_deref()
        .and_then(|u| st.city.pack.organisation.unit(u))
        .map(|u| u.name.clone())
        .unwrap_or_else(|| "青岛市城市运行管理服务中心".into());
    let mut r = json!({
        "service_request_id": c.id.to_string(),
        "status": status,
        "status_notes": notes,
        "service_name": cat.map(|k| k.name().to_owned()).unwrap_or_default(),
        "service_code": c.type_key.code,
        "description": c.description,
        "agency_responsible": agency,
        "service_notice": cat.map(notice).unwrap_or_default(),
        "requested_datetime": c.created_at.to_rfc3339(),
        "updated_datetime": updated.to_rfc3339(),
        "expected_datetime": carrier.deadline.map(|d| d.to_rfc3339()),
        "address": c.address,
        "address_id": c.grid_code,
        "zipcode": Value::Null,
        "lat": c.lat,
        "long": c.lon,
        "media_url": c.media.first().cloned(),
    });
    if extensions && let Value::Object(m) = &mut r {
        m.insert("detailed_status".into(), Value::String(detailed.into()));
        m.insert("media_urls".into(), json!(c.media));
    }
    r
}

async fn list_requests(st: &AppState, p: &HashMap<String, String>, fmt: Fmt) -> Result<Response, O311Error> {
    let extensions = p.get("extensions").is_some_and(|v| v == "true");
    if let Some(ids) = p.get("service_request_id") {
        let mut out = Vec::new();
        for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let id: i64 = id.parse().map_err(|_| {
                O311Error::new(
                    StatusCode::BAD_REQUEST,
                    format!("service_request_id {id:?} is not a number"),
                    fmt,
                )
            })?;
            if let Ok(c) = app::public_case(st, id).await {
                let main = main_of(st, &c).await;
                out.push(request_record(st, &c, main.as_ref(), extensions));
            }
        }
        return Ok(render(fmt, "service_requests", "request", out));
    }
    let time = |k: &str| -> Result<Option<cityops_api::Timestamp>, O311Error> {
        p.get(k)
            .map(|v| {
                DateTime::parse_from_rfc3339(v).map_err(|e| {
                    O311Error::new(
                        StatusCode::BAD_REQUEST,
                        format!("{k}={v:?} is not a W3C datetime with zone: {e}"),
                        fmt,
                    )
                })
            })
            .transpose()
    };
    let now = cityops_core::calendar::to_timestamp(st.clock.now());
    let end = time("end_date")?.unwrap_or(now);
    let start = time("start_date")?.unwrap_or(end - chrono::Duration::days(90));
    let status = match p.get("status").map(String::as_str) {
        None => None,
        Some("open") => Some(true),
        Some("closed") => Some(false),
        Some(s) => {
            return Err(O311Error::new(
                StatusCode::BAD_REQUEST,
                format!("status {s:?} is not open or closed"),
                fmt,
            ));
        }
    };
    let code = p.get("service_code").cloned();
    if let Some(c) = &code
        && !(c.len() == 5 && c.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(O311Error::new(
            StatusCode::BAD_REQUEST,
            format!("service_code {c:?} is not a 5-digit code"),
            fmt,
        ));
    }
    // open = active or suspended; closed = closed or cancelled: two status values each, so filter here.
    let page = st
        .store
        .list_cases(&CaseFilter {
            type_kind: code.as_ref().map(|_| TypeKind::Matter),
            type_code: code,
            from: Some(start),
            to: Some(end + chrono::Duration::milliseconds(1)),
            limit: Some(cityops_store::MAX_PAGE),
            ..Default::default()
        })
        .await
        .map_err(|e| O311Error::from_app(e.into(), fmt))?;
    let mut records = Vec::new();
    for c in &page.items {
        let main = main_of(st, c).await;
        let shown = main.as_ref().unwrap_or(c).status;
        let keep = match status {
            None => true,
            Some(open) => open == matches!(shown, CaseStatus::Active | CaseStatus::Suspended),
        };
        if keep {
            records.push(request_record(st, c, main.as_ref(), extensions));
        }
    }
    Ok(render(fmt, "service_requests", "request", records))
}

async fn one_request(
    State(st): State<AppState>,
    PathOf(ep_path): PathOf<ep::Open311Request>,
    uri: axum::http::Uri,
) -> Response {
    let file = ep_path.file;
    let Some((id, fmt)) = split(&file) else {
        return O311Error::new(StatusCode::NOT_FOUND, format!("{file}: use .xml or .json"), Fmt::Xml)
            .into_response();
    };
    let params = query_map(uri.query());
    let extensions = params.get("extensions").is_some_and(|v| v == "true");
    let Ok(id) = id.parse::<i64>() else {
        return O311Error::new(
            StatusCode::BAD_REQUEST,
            format!("service_request_id {id:?} is not a number"),
            fmt,
        )
        .into_response();
    };
    match app::public_case(&st, id).await {
        Ok(c) => {
            let main = main_of(&st, &c).await;
            render(
                fmt,
                "service_requests",
                "request",
                vec![request_record(&st, &c, main.as_ref(), extensions)],
            )
        }
        Err(e) => O311Error::from_app(e, fmt).into_response(),
    }
}

async fn token(State(st): State<AppState>, PathOf(ep_path): PathOf<ep::Open311Token>) -> Response {
    let file = ep_path.file;
    let Some((tok, fmt)) = split(&file) else {
        return O311Error::new(StatusCode::NOT_FOUND, format!("{file}: use .xml or .json"), Fmt::Xml)
            .into_response();
    };
    // `QD` + 8-digit date + id; `get` keeps a multi-byte character at the cut from panicking.
    let id = tok.strip_prefix("QD").and_then(|s| s.get(8..)).and_then(|s| s.parse::<i64>().ok());
    let found = match id {
        Some(id) => app::public_case(&st, id).await.ok().filter(|c| c.case_no == tok),
        None => None,
    };
    match found {
        Some(c) => render(
            fmt,
            "service_requests",
            "request",
            vec![json!({ "service_request_id": c.id.to_string(), "token": tok })],
        ),
        None => O311Error::new(StatusCode::NOT_FOUND, format!("token {tok} not found"), fmt).into_response(),
    }
}

/// Largest form body accepted (a 4,000-character description plus the other fields).
const MAX_FORM: usize = 64 * 1024;

async fn root_post(
    State(st): State<AppState>,
    PathOf(ep_path): PathOf<ep::Open311Post>,
    req: axum::extract::Request,
) -> Response {
    let file = ep_path.file;
    let Some(("requests", fmt)) = split(&file) else {
        return O311Error::new(
            StatusCode::NOT_FOUND,
            format!("POST {file}: only requests.xml/json"),
            Fmt::Xml,
        )
        .into_response();
    };
    let remote =
        req.extensions().get::<ConnectInfo<std::net::SocketAddr>>().map(|ConnectInfo(a)| a.ip().to_string());
    let body: Bytes = match axum::body::to_bytes(req.into_body(), MAX_FORM).await {
        Ok(b) => b,
        Err(_) => {
            return O311Error::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("body larger than {MAX_FORM} bytes"),
                fmt,
            )
            .into_response();
        }
    };
    match post_request(&st, remote, &body, fmt).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

/// A form body, decoded strictly: a field whose bytes are not UTF-8 is refused (not replaced by
/// U+FFFD and stored).
fn strict_form(body: &[u8]) -> Result<Vec<(String, String)>, String> {
    let decode = |part: &[u8]| -> Result<String, String> {
        let spaced: Vec<u8> = part.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect();
        percent_encoding::percent_decode(&spaced)
            .decode_utf8()
            .map(std::borrow::Cow::into_owned)
            .map_err(|_| format!("{:?} is not UTF-8", String::from_utf8_lossy(part)))
    };
    body.split(|&b| b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let mut kv = pair.splitn(2, |&b| b == b'=');
            let k = decode(kv.next().unwrap_or_default())?;
            let v = decode(kv.next().unwrap_or_default())?;
            Ok((k, v))
        })
        .collect()
}

async fn post_request(
    st: &AppState,
    remote: Option<String>,
    body: &[u8],
    fmt: Fmt,
) -> Result<Response, O311Error> {
    let bad = |m: String| O311Error::new(StatusCode::BAD_REQUEST, m, fmt);
    let form = strict_form(body)
        .map_err(|e| bad(format!("body must be application/x-www-form-urlencoded UTF-8: {e}")))?;
    let p: HashMap<String, String> = form.iter().cloned().collect();
    check_jurisdiction(&p, fmt)?;
    let api_key = p.get("api_key").ok_or_else(|| {
        O311Error::new(StatusCode::FORBIDDEN, "api_key is required to post a service request", fmt)
    })?;
    let caller = auth::resolve(st, api_key, remote.unwrap_or_else(|| "open311".into()))
        .await
        .map_err(|_| O311Error::new(StatusCode::FORBIDDEN, "api_key is not valid", fmt))?;
    let code = p.get("service_code").ok_or_else(|| bad("service_code is required".into()))?;
    let (lat, lon) = match (p.get("lat"), p.get("long")) {
        (Some(a), Some(o)) => (
            a.trim().parse::<f64>().map_err(|_| bad(format!("lat {a:?} is not a number")))?,
            o.trim().parse::<f64>().map_err(|_| bad(format!("long {o:?} is not a number")))?,
        ),
        _ if p.contains_key("address_string") || p.contains_key("address_id") => {
            return Err(bad(
                "this jurisdiction needs lat and long (WGS84); address-only requests are not geocoded".into(),
            ));
        }
        _ => return Err(bad("a location is required: lat and long (WGS84)".into())),
    };
    let description = p.get("description").cloned().unwrap_or_default();
    if description.chars().count() > 4000 {
        return Err(bad("description is longer than 4000 characters".into()));
    }
    if description.contains('<') && description.contains('>') {
        return Err(bad("description must be plain text, not HTML".into()));
    }
    // The reporter's identity is kept apart from the description (which Open311 publishes).
    let field = |k: &str| p.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let reporter = cityops_api::ReporterDto {
        first_name: field("first_name"),
        last_name: field("last_name"),
        phone: field("phone"),
        email: field("email"),
        account_id: field("account_id"),
        device_id: field("device_id"),
    };
    let new = NewCaseDto {
        address: p.get("address_string").cloned().unwrap_or_default(),
        description,
        reporter: Some(reporter),
        media: p.get("media_url").cloned().into_iter().collect(),
        ..NewCaseDto::at(TypeKey { kind: TypeKind::Matter, code: code.clone() }, Channel::Citizen, lon, lat)
    };
    let created = app::create_case(st, &caller, new, None).await.map_err(|e| {
        let status = match e.0.code {
            ErrorCode::UnknownCategory | ErrorCode::OutsideCity | ErrorCode::InvalidField => {
                StatusCode::BAD_REQUEST
            }
            _ => e.status(),
        };
        O311Error::new(status, e.0.message, fmt)
    })?;
    let cat = app::category(&st.city, &created.value.type_key).map_err(|e| O311Error::from_app(e, fmt))?;
    let mut resp = render(
        fmt,
        "service_requests",
        "request",
        vec![json!({
            "service_request_id": created.value.id.to_string(),
            "service_notice": notice(cat),
            "account_id": p.get("account_id").cloned(),
        })],
    );
    *resp.status_mut() = StatusCode::CREATED;
    Ok(resp)
}
