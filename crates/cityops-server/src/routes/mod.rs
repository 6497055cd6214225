//! HTTP routes, one module per resource, each exposing `router()`.

pub mod admin;
pub mod calendar;
pub mod cases;
pub mod evaluation;
pub mod events;
pub mod feeds;
pub mod map;
pub mod open311;
pub mod openapi;
pub mod reference;
