//! Reference data: the catalogue, units, location lookup, the static layers and the cameras.

use cityops_api::query::{BoxQuery, FeatureFormat, LayerQuery, PointQuery};
use cityops_api::{CameraListDto, CameraViewDto, CategoryDto, ErrorCode, LocationDto, UnitDto};
use cityops_core::formats::{write_flatgeobuf, write_geojson};

use crate::error::{AppError, AppResult};
use crate::layers;
use crate::state::AppState;

/// The type catalogue with its handling standards.
pub fn catalogue(st: &AppState) -> Vec<CategoryDto> {
    st.city.catalogue.to_dto()
}

/// Every unit.
pub fn units(st: &AppState) -> Vec<UnitDto> {
    st.city.pack.organisation.units().iter().map(|u| u.to_dto()).collect()
}

/// Grid, community, street, district and unit of a point.
pub fn locate(st: &AppState, q: PointQuery) -> AppResult<LocationDto> {
    let place = st.city.pack.locate(q.lon, q.lat).map_err(super::locate_error)?;
    Ok(place.to_dto(q.lon, q.lat))
}

/// A static layer in the asked format: its media type and bytes.
pub fn layer(st: &AppState, name: &str, q: &LayerQuery) -> AppResult<(&'static str, Vec<u8>)> {
    let internal = |e: cityops_core::formats::FormatError| AppError::new(ErrorCode::Internal, e.to_string());
    let format = q.format.unwrap_or_default();
    let body = if name == "grids" {
        // The whole city's 12,000 grids go out as FlatGeobuf (indexed, for GIS tools); as GeoJSON
        // (what the console draws) an area at a time.
        let area = match (q.area.as_deref(), format) {
            (Some(a), _) if matches!(a.len(), 6 | 9 | 12 | 15) && a.bytes().all(|b| b.is_ascii_digit()) => a,
            (Some(a), _) => {
                return Err(AppError::invalid(format!(
                    "area={a:?}: expected a 6, 9, 12 or 15-digit area code"
                )));
            }
            (None, FeatureFormat::Fgb) => "",
            (None, FeatureFormat::Geojson) => {
                return Err(AppError::invalid(
                    "grids as GeoJSON needs ?area=<6, 9, 12 or 15-digit area code> (12,000 polygons are too many for \
                     one answer); ?format=fgb gives the whole city",
                ));
            }
        };
        let features = layers::grids(&st.city, area);
        match format {
            FeatureFormat::Geojson => write_geojson("grids", &features).map_err(internal)?.into_bytes(),
            FeatureFormat::Fgb => write_flatgeobuf("grids", &features).map_err(internal)?,
        }
    } else {
        let geojson = st.layers.get(name).ok_or_else(|| {
            AppError::not_found(format!("layer {name:?} (layers: {})", layers::NAMES.join(", ")))
        })?;
        match format {
            FeatureFormat::Geojson => geojson.as_bytes().to_vec(),
            FeatureFormat::Fgb => layers::flatgeobuf(name, geojson).map_err(internal)?,
        }
    };
    Ok((format.media_type(), body))
}

/// Which cameras can see a point: their view cone contains it (nearest first).
pub fn cameras_visible(st: &AppState, q: PointQuery) -> AppResult<Vec<CameraViewDto>> {
    let seen =
        st.scenario.cameras.visible_from(q.lon, q.lat).map_err(|e| AppError::invalid(e.to_string()))?;
    Ok(seen.into_iter().map(|v| camera_dto(v.camera, v.distance_m)).collect())
}

/// The cameras whose view cone may reach into a box, by id (for drawing cones at close zoom).
pub fn cameras_in_box(st: &AppState, q: BoxQuery) -> AppResult<CameraListDto> {
    let limit = q.limit.unwrap_or(2000);
    if !(1..=5000).contains(&limit) {
        return Err(AppError::invalid(format!("limit={limit} must be 1..=5000")));
    }
    let (found, truncated) = st
        .scenario
        .cameras
        .in_box(q.bbox.0, limit)
        .map_err(|err| AppError::invalid(format!("bbox={}: {err}", q.bbox)))?;
    Ok(CameraListDto { items: found.into_iter().map(|c| camera_dto(c, 0.0)).collect(), truncated })
}

/// One camera by id (case-insensitive).
pub fn camera(st: &AppState, id: &str) -> AppResult<CameraViewDto> {
    let c = st
        .scenario
        .cameras
        .get(id)
        .or_else(|| st.scenario.cameras.get(&id.trim().to_ascii_uppercase()))
        .ok_or_else(|| AppError::not_found(format!("camera {id:?} (ids look like QD-CAM-000481)")))?;
    Ok(camera_dto(c, 0.0))
}

fn camera_dto(c: &cityops_core::scenario::Camera, distance_m: f64) -> CameraViewDto {
    CameraViewDto {
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
