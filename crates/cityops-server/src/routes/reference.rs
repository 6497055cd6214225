//! Reference data: the catalogue, units, areas, location lookup and the static map layers.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use cityops_api::{CategoryDto, LocationDto, UnitDto};
use cityops_core::formats::{Feature, write_geojson};
use serde::Deserialize;

use crate::app::locate_error;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiPath, ApiQuery};
use crate::state::{AppState, City};

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/catalogue", get(catalogue))
        .route("/api/v1/units", get(units))
        .route("/api/v1/locate", get(locate))
        .route("/api/v1/layers/{name}", get(layer))
        .route("/api/v1/cameras", get(cameras_in_box))
        .route("/api/v1/cameras/visible", get(cameras_visible))
        .route("/api/v1/cameras/{id}", get(camera))
}

/// Which cameras can see a point: their view cone contains it (nearest first).
async fn cameras_visible(
    State(st): State<AppState>,
    _c: Caller,
    ApiQuery(q): ApiQuery<PointQuery>,
) -> AppResult<axum::Json<Vec<cityops_api::CameraViewDto>>> {
    let seen =
        st.scenario.cameras.visible_from(q.lon, q.lat).map_err(|e| AppError::invalid(e.to_string()))?;
    Ok(axum::Json(seen.into_iter().map(|v| camera_dto(v.camera, v.distance_m)).collect()))
}

/// Query of `/api/v1/cameras`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BoxQuery {
    bbox: String,
    limit: Option<usize>,
}

/// The cameras whose view cone may reach into a box, by id (for drawing cones at close zoom).
async fn cameras_in_box(
    State(st): State<AppState>,
    _c: Caller,
    ApiQuery(q): ApiQuery<BoxQuery>,
) -> AppResult<axum::Json<cityops_api::CameraListDto>> {
    let limit = q.limit.unwrap_or(2000);
    if !(1..=5000).contains(&limit) {
        return Err(AppError::invalid(format!("limit={limit} must be 1..=5000")));
    }
    let bbox = super::cases::bbox_numbers(&q.bbox)?;
    let (found, truncated) = st
        .scenario
        .cameras
        .in_box(bbox, limit)
        .map_err(|err| AppError::invalid(format!("bbox={:?}: {err}", q.bbox)))?;
    Ok(axum::Json(cityops_api::CameraListDto {
        items: found.into_iter().map(|c| camera_dto(c, 0.0)).collect(),
        truncated,
    }))
}

/// One camera by id (case-insensitive).
async fn camera(
    State(st): State<AppState>,
    _c: Caller,
    ApiPath(id): ApiPath<String>,
) -> AppResult<axum::Json<cityops_api::CameraViewDto>> {
    let c = st
        .scenario
        .cameras
        .get(&id)
        .or_else(|| st.scenario.cameras.get(&id.trim().to_ascii_uppercase()))
        .ok_or_else(|| AppError::not_found(format!("camera {id:?} (ids look like QD-CAM-000481)")))?;
    Ok(axum::Json(camera_dto(c, 0.0)))
}

fn camera_dto(c: &cityops_core::scenario::Camera, distance_m: f64) -> cityops_api::CameraViewDto {
    cityops_api::CameraViewDto {
        id: c.id.clone(),
        lon: c.lon,
        lat: c.lat,
        heading_deg: c.heading_deg,
        fov_deg: c.fov_deg,
        range_m: c.range_m,
        kind: format!("{:?}", c.kind).to_lowercase(),
        distance_m: (distance_m * 10.0).round() / 10.0,
    }
}

async fn catalogue(State(st): State<AppState>, _c: Caller) -> axum::Json<Vec<CategoryDto>> {
    axum::Json(st.city.catalogue.to_dto())
}

async fn units(State(st): State<AppState>, _c: Caller) -> axum::Json<Vec<UnitDto>> {
    axum::Json(st.city.pack.organisation.units().iter().map(|u| u.to_dto()).collect())
}

/// Query of `/api/v1/locate`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PointQuery {
    lon: f64,
    lat: f64,
}

async fn locate(
    State(st): State<AppState>,
    _c: Caller,
    ApiQuery(q): ApiQuery<PointQuery>,
) -> AppResult<axum::Json<LocationDto>> {
    let place = st.city.pack.locate(q.lon, q.lat).map_err(locate_error)?;
    Ok(axum::Json(place.to_dto(q.lon, q.lat)))
}

/// Query of `/api/v1/layers/grids`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LayerQuery {
    area: Option<String>,
}

/// The static layers as GeoJSON text, built once at start.
#[derive(Debug, Clone, Default)]
pub struct StaticLayers(Arc<HashMap<&'static str, String>>);

impl StaticLayers {
    /// Build every static layer of the city.
    pub fn build(city: &City) -> Result<Self, cityops_core::formats::FormatError> {
        let org = &city.pack.organisation;
        let base = &city.pack.basemap;
        let mut m = HashMap::new();
        let synthetic = |f: Feature| f.with("synthetic", true);
        m.insert(
            "districts",
            write_geojson(
                "districts",
                &org.districts()
                    .iter()
                    .map(|d| {
                        Feature::new(d.polygon.clone())
                            .with("adcode", d.code.as_str())
                            .with("name", d.name.as_str())
                            .with("name_en", d.name_en.as_str())
                            .with("synthetic", false)
                            .with("source", "天地图 (Tianditu)")
                    })
                    .collect::<Vec<_>>(),
            )?,
        );
        m.insert(
            "streets",
            write_geojson(
                "streets",
                &org.streets()
                    .iter()
                    .map(|s| {
                        synthetic(Feature::new(s.polygon.clone()))
                            .with("code", s.code.as_str())
                            .with("name", s.name.as_str())
                            .with("district_code", &s.code[..6])
                    })
                    .collect::<Vec<_>>(),
            )?,
        );
        m.insert(
            "communities",
            write_geojson(
                "communities",
                &org.communities()
                    .iter()
                    .map(|c| {
                        synthetic(Feature::new(c.polygon.clone()))
                            .with("code", c.code.as_str())
                            .with("name", c.name.as_str())
                    })
                    .collect::<Vec<_>>(),
            )?,
        );
        m.insert(
            "land",
            write_geojson(
                "land",
                &[Feature::new(base.land.clone()).with("source", "GSHHG 2.3.7 (LGPL-3+)")],
            )?,
        );
        m.insert(
            "sea",
            write_geojson(
                "sea",
                &[Feature::new(base.sea.clone()).with("source", "© OpenStreetMap contributors (ODbL)")],
            )?,
        );
        m.insert(
            "coastline",
            write_geojson(
                "coastline",
                &[Feature::new(base.coastline.clone()).with("source", "© OpenStreetMap contributors (ODbL)")],
            )?,
        );
        m.insert(
            "places",
            write_geojson(
                "places",
                &base
                    .places
                    .iter()
                    .map(|p| {
                        Feature::new(p.point)
                            .with("name", p.name.as_str())
                            .with("name_zh", p.name_zh.clone().unwrap_or_default())
                            .with("feature_code", p.feature_code.as_str())
                            .with("source", "GeoNames (CC BY 4.0)")
                    })
                    .collect::<Vec<_>>(),
            )?,
        );
        // Operations layers ship as GeoJSON already (synthetic, labelled in their properties).
        let ops = cityops_core::citypack::ops::OpsSources::qingdao();
        m.insert("compounds", ops.compounds_geojson.to_owned());
        m.insert("routes", ops.routes_geojson.to_owned());
        m.insert("facilities", ops.facilities_geojson.to_owned());
        m.insert("sites", ops.sites_geojson.to_owned());
        Ok(Self(Arc::new(m)))
    }

    /// One layer's GeoJSON.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

fn grids_geojson(city: &City, area: &str) -> AppResult<String> {
    let features: Vec<Feature> = city
        .pack
        .organisation
        .grids()
        .iter()
        .filter(|g| g.code.starts_with(area))
        .map(|g| {
            Feature::new(g.polygon.clone())
                .with("code", g.code.as_str())
                .with("unit_code", g.unit_code.as_str())
                .with("area_m2", g.area_m2.round())
                .with("synthetic", g.synthetic)
        })
        .collect();
    write_geojson("grids", &features)
        .map_err(|e| AppError::new(cityops_api::ErrorCode::Internal, e.to_string()))
}

async fn layer(
    State(st): State<AppState>,
    _c: Caller,
    ApiPath(name): ApiPath<String>,
    ApiQuery(q): ApiQuery<LayerQuery>,
) -> AppResult<impl IntoResponse> {
    let body = if name == "grids" {
        let area = q.area.unwrap_or_default();
        if !(matches!(area.len(), 6 | 9 | 12 | 15) && area.bytes().all(|b| b.is_ascii_digit())) {
            return Err(AppError::invalid(
                "grids needs ?area=<6, 9, 12 or 15-digit area code> (10,000+ polygons are too many for one answer)",
            ));
        }
        grids_geojson(&st.city, &area)?
    } else {
        st.layers
            .get(&name)
            .ok_or_else(|| {
                AppError::not_found(format!(
                    "layer {name:?} (layers: land, sea, coastline, districts, streets, communities, grids, places, compounds, routes, facilities, sites)"
                ))
            })?
            .to_owned()
    };
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body))
}
