//! HTTP routes, one module per resource, each exposing `router()` (an [`ApiRouter`]: handlers
//! mounted by endpoint type only); [`api`] is all of them.

pub mod admin;
pub mod calendar;
pub mod cases;
pub mod enforcement;
pub mod evaluation;
pub mod events;
pub mod feeds;
pub mod map;
pub mod open311;
pub mod openapi;
pub mod reference;

use crate::http::ApiRouter;

/// Every route of the service.
pub fn api() -> ApiRouter {
    ApiRouter::new()
        .merge(admin::router())
        .merge(openapi::router())
        .merge(calendar::router())
        .merge(cases::router())
        .merge(enforcement::router())
        .merge(reference::router())
        .merge(map::router())
        .merge(events::router())
        .merge(evaluation::router())
        .merge(feeds::router())
        .merge(open311::router())
}
