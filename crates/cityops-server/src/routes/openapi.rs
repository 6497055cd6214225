//! `/api/openapi.json`: the OpenAPI 3.0 document of the service, generated from the endpoint
//! table (`cityops_api::endpoint`): every operation's method, path, summary, path and query
//! parameters (from the typed parameter structs, with their doc comments), request and answer
//! schemas (schemars, from the wire types). Nothing here is written by hand per route, so the
//! document cannot drift from what is mounted (a test holds the two to each other both ways).

use std::sync::OnceLock;

use cityops_api::endpoint::{Endpoint, Format, Method, Scope, Visitor, visit_all};
use cityops_api::{ApiError, ep};
use schemars::SchemaGenerator;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::http::{ApiRouter, Reply};

/// Routes of this module.
pub fn router() -> ApiRouter {
    ApiRouter::new().at::<ep::OpenApi, _, _>(|| async { Reply::<ep::OpenApi>(document().clone()) })
}

/// Builds one operation per endpoint, sharing one schema generator.
struct Operations {
    g: SchemaGenerator,
}

impl Operations {
    /// The schema of `T` (a `$ref` into `components.schemas` for named types) and, for a struct,
    /// its definition (to read its properties).
    fn schema<T: schemars::JsonSchema>(&mut self) -> (Value, Value) {
        let s = self.g.subschema_for::<T>().to_value();
        let def = match s.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r.rsplit('/').next().unwrap_or_default();
                self.g.definitions().get(name).cloned().unwrap_or(Value::Null)
            }
            None => s.clone(),
        };
        (s, def)
    }

    /// Parameters from a struct's properties.
    fn params<T: schemars::JsonSchema>(&mut self, location: &str) -> Vec<Value> {
        let (_, def) = self.schema::<T>();
        let required: Vec<&str> = def
            .get("required")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let Some(props) = def.get("properties").and_then(Value::as_object) else { return Vec::new() };
        props
            .iter()
            .map(|(name, p)| {
                let mut schema = p.clone();
                let description = schema
                    .as_object_mut()
                    .and_then(|o| o.remove("description"))
                    .unwrap_or_else(|| Value::String(String::new()));
                json!({
                    "name": name,
                    "in": location,
                    "description": description,
                    "required": location == "path" || required.contains(&name.as_str()),
                    "schema": schema,
                })
            })
            .collect()
    }

    fn content<T: schemars::JsonSchema>(&mut self, format: Format, request: bool) -> Option<Value> {
        Some(match format {
            Format::None => return None,
            Format::Json => json!({ "application/json": { "schema": self.schema::<T>().0 } }),
            Format::GeoJson => {
                json!({ "application/geo+json": { "schema": { "type": "object", "description": "RFC 7946 FeatureCollection" } } })
            }
            Format::Features => json!({
                "application/geo+json": { "schema": { "type": "object", "description": "RFC 7946 FeatureCollection (format=geojson)" } },
                "application/flatgeobuf": { "schema": { "type": "string", "format": "binary", "description": "FlatGeobuf with a spatial index (format=fgb)" } },
            }),
            Format::Svg => json!({ "image/svg+xml": { "schema": { "type": "string" } } }),
            Format::Pdf => {
                json!({ "application/pdf": { "schema": { "type": "string", "format": "binary" } } })
            }
            Format::Toml => json!({ "application/toml": { "schema": {
                "type": "string", "description": "Calendar file: [[year]] tables as in assets/calendar/cn_workdays.toml" } } }),
            Format::EventStream => json!({ "text/event-stream": { "schema": {
                "type": "string", "description": "SSE: id = event id, data = LiveEvent JSON" } } }),
            Format::Open311 if request => {
                json!({ "application/x-www-form-urlencoded": { "schema": { "type": "object" } } })
            }
            Format::Open311 => json!({
                "text/xml": { "schema": { "type": "string" } },
                "application/json": { "schema": { "type": "array", "items": { "type": "object" } } },
            }),
        })
    }
}

impl Visitor for Operations {
    type Output = (&'static str, &'static str, Value);

    #[allow(
        clippy::indexing_slicing,
        reason = "IndexMut on the json! object literal above inserts keys; it cannot panic"
    )]
    fn visit<E: Endpoint>(&mut self) -> Self::Output {
        let i = E::INFO;
        let mut parameters = self.params::<E::Path>("path");
        parameters.extend(self.params::<E::Query>("query"));
        let mut o = json!({
            "tags": [i.tag],
            "summary": i.summary,
            "operationId": i.name,
            "parameters": parameters,
            "responses": {
                i.success.to_string(): { "description": "Success" },
                "4XX": { "description": "Client error {code, message} naming what is wrong",
                         "content": { "application/json": { "schema": self.schema::<ApiError>().0 } } },
            },
        });
        if let Some(c) = self.content::<E::Response>(i.response, false) {
            o["responses"][i.success.to_string()]["content"] = c;
        }
        if let Some(c) = self.content::<E::Request>(i.request, true) {
            o["requestBody"] = json!({ "required": true, "content": c });
        }
        if i.access.needs_token() {
            o["security"] = json!([{ "bearer": [] }]);
            let roles: Vec<String> = i.access.roles.iter().map(cityops_api::wire_name).collect();
            let scope = match i.access.scope {
                Scope::Public => "public",
                Scope::City => "city",
                Scope::District => "district",
                Scope::WholeCity => "whole_city",
            };
            // Who may call: the roles (admins always may; none listed: every role) and how far a
            // district token's answer reaches (see cityops_api::endpoint::Scope).
            o["x-access"] = json!({ "scope": scope, "roles": roles });
        }
        let method = match i.method {
            Method::Get => "get",
            Method::Post => "post",
        };
        (i.path, method, o)
    }
}

/// The OpenAPI document (built once).
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut ops = Operations { g: SchemaSettings::openapi3().into_generator() };
        let mut paths = Map::new();
        for (path, method, op) in visit_all(&mut ops) {
            let entry = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
            entry[method] = op;
        }
        let _ = ops.g.subschema_for::<cityops_api::LiveEvent>();
        let schemas: Map<String, Value> = ops.g.take_definitions(true).into_iter().collect();
        json!({
            "openapi": "3.0.3",
            "info": {
                "title": "cityops platform service",
                "version": env!("CARGO_PKG_VERSION"),
                "description": "Case workflow, live events, feed ingest and Open311 GeoReport v2 for Qingdao's 城市运行管理服务平台. Times are China Standard Time (+08:00); coordinates WGS84.",
            },
            "paths": paths,
            "components": {
                "schemas": schemas,
                "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            },
        })
    })
}
