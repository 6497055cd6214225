//! Where reports happen: 3,700 synthetic inspectors each working a patch of unit grids (grids are
//! smaller where the city is dense, so reports are denser in the urban districts); points are drawn
//! inside a grid polygon, so every report lies on land in a known grid, street and district.

use std::sync::Arc;

use cityops_api::{Channel, TypeKind};
use cityops_core::catalogue::{Catalogue, CatalogueSources};
use cityops_core::citypack::ops::{OpsLayers, OpsSources};
use cityops_core::citypack::{CityPack, CityPackSources};
use geo::{BoundingRect, Contains, MultiPolygon, Point};
use rand::Rng;

use crate::model::INSPECTORS;

/// A drawn report position.
#[derive(Debug, Clone, PartialEq)]
pub struct Spot {
    /// WGS84 longitude.
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
    /// Grid code it was drawn in.
    pub grid: String,
    /// District code of that grid.
    pub district: String,
    /// Inspector (0-based) whose patch it is.
    pub inspector: usize,
}

/// Grids, inspectors' patches, cameras and the type lists.
#[derive(Debug)]
pub struct Places {
    cameras: Vec<cityops_core::scenario::Camera>,
    pack: Arc<CityPack>,
    /// GB/T 47678.5 matter codes.
    pub matter_codes: Vec<String>,
    /// Video-AI detectable matter codes.
    pub video_codes: Vec<String>,
}

/// Errors loading the embedded city.
#[derive(Debug, thiserror::Error)]
pub enum PlaceError {
    /// The pack failed to load.
    #[error("city pack: {0}")]
    Pack(#[from] cityops_core::citypack::CityPackError),
    /// The catalogue failed to load.
    #[error("catalogue: {0}")]
    Catalogue(#[from] cityops_core::catalogue::CatalogueError),
}

/// The city the simulator plays: its pack, type catalogue and operations layers. An embedded
/// simulator shares the service's (parsed once per process); a standalone one parses the data
/// compiled in.
#[derive(Debug, Clone)]
pub struct CityData {
    /// Organisation, grids, locator.
    pub pack: Arc<CityPack>,
    /// Types.
    pub catalogue: Arc<Catalogue>,
    /// Cameras, routes and trucks, sites.
    pub ops: Arc<OpsLayers>,
}

impl CityData {
    /// Qingdao from the data compiled in.
    pub fn qingdao() -> Result<Self, PlaceError> {
        Ok(Self {
            pack: Arc::new(CityPack::from_sources(&CityPackSources::qingdao())?),
            catalogue: Arc::new(Catalogue::from_sources(&CatalogueSources::embedded())?),
            ops: Arc::new(OpsLayers::from_sources(&OpsSources::qingdao())?),
        })
    }
}

impl Places {
    /// Qingdao from the data compiled in.
    pub fn qingdao() -> Result<Self, PlaceError> {
        Ok(Self::new(&CityData::qingdao()?))
    }

    /// The places of `city`.
    pub fn new(city: &CityData) -> Self {
        let cat = &city.catalogue;
        let cameras = city.ops.scenario_cameras();
        let matter_codes = cat.gbt_types(TypeKind::Matter).map(|c| c.key().code.clone()).collect();
        let video_codes = cat
            .video_ai_types()
            .map(|c| c.standard_key())
            .filter(|k| k.kind == TypeKind::Matter)
            .map(|k| k.code.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        Self { cameras, pack: city.pack.clone(), matter_codes, video_codes }
    }

    /// Number of grids.
    pub fn grid_count(&self) -> usize {
        self.pack.organisation.grids().len()
    }

    /// Draw a report position: an inspector, one grid of the inspector's patch, a point inside it.
    /// Patches are consecutive grids in code order, so a patch stays within one community or street.
    pub fn sample(&self, rng: &mut impl Rng, _channel: Channel) -> Spot {
        let inspector = rng.random_range(0..INSPECTORS);
        let grids = self.pack.organisation.grids();
        let per = grids.len().div_ceil(INSPECTORS).max(1);
        let lo = (inspector * per).min(grids.len().saturating_sub(1));
        let hi = ((inspector + 1) * per).min(grids.len()).max(lo + 1);
        let grid = &grids[rng.random_range(lo..hi)];
        let (lon, lat) = point_in(rng, &grid.polygon);
        Spot { lon, lat, grid: grid.code.clone(), district: grid.code[..6].to_owned(), inspector }
    }
}

impl Places {
    /// A camera detection: one of the city's 48,000 cameras and a point inside its view cone, on
    /// land in a grid. Returns (camera id, spot).
    pub fn sample_video(&self, rng: &mut impl Rng) -> Option<(String, Spot)> {
        use cityops_core::geom::{to_local, to_lonlat};
        for _ in 0..30 {
            let cam = self.cameras.get(rng.random_range(0..self.cameras.len().max(1)))?;
            let half = (cam.fov_deg.min(360.0) / 3.0).max(1.0);
            let bearing = (cam.heading_deg + rng.random_range(-half..half)).to_radians();
            let dist = cam.range_m * rng.random_range(0.15..0.6);
            let [x, y] = to_local(cam.lon, cam.lat);
            let [lon, lat] = to_lonlat(x + dist * bearing.sin(), y + dist * bearing.cos());
            if let Ok(found) = self.pack.locate(lon, lat) {
                let spot = Spot {
                    lon: (lon * 1e6).round() / 1e6,
                    lat: (lat * 1e6).round() / 1e6,
                    grid: found.grid.code.clone(),
                    district: found.district.code.clone(),
                    inspector: 0,
                };
                // Rounding may move a point just across a grid edge: keep only exact ones.
                if self.pack.locate(spot.lon, spot.lat).is_ok_and(|f| f.grid.code == spot.grid) {
                    return Some((cam.id.clone(), spot));
                }
            }
        }
        None
    }
}

/// A uniform point inside a polygon (rejection sampling in its bounding box); the first vertex as
/// a last resort for degenerate slivers.
fn point_in(rng: &mut impl Rng, poly: &MultiPolygon<f64>) -> (f64, f64) {
    if let Some(r) = poly.bounding_rect() {
        for _ in 0..200 {
            let p =
                Point::new(rng.random_range(r.min().x..=r.max().x), rng.random_range(r.min().y..=r.max().y));
            if poly.contains(&p) {
                return (p.x(), p.y());
            }
        }
    }
    poly.0.first().and_then(|p| p.exterior().0.first()).map(|c| (c.x, c.y)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn drawn_points_lie_in_their_grid_and_locate_back_to_it() {
        let places = Places::qingdao().unwrap();
        let pack = CityPack::from_sources(&CityPackSources::qingdao()).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(0x5EED_0003);
        let mut districts = std::collections::HashSet::new();
        for _ in 0..2_000 {
            let s = places.sample(&mut rng, Channel::Inspector);
            let found = pack.locate(s.lon, s.lat).unwrap();
            assert_eq!(found.grid.code, s.grid);
            assert_eq!(found.district.code, s.district);
            districts.insert(s.district);
        }
        assert_eq!(districts.len(), 10, "all districts get reports");
        assert!(places.video_codes.len() > 10, "{:?}", places.video_codes);
        // Camera detections lie in their camera's view and on land.
        let ops = cityops_core::citypack::ops::OpsLayers::from_sources(
            &cityops_core::citypack::ops::OpsSources::qingdao(),
        )
        .unwrap();
        let index = cityops_core::scenario::CameraIndex::new(ops.scenario_cameras()).unwrap();
        for _ in 0..500 {
            let (cam, spot) = places.sample_video(&mut rng).unwrap();
            let seen = index.visible_from(spot.lon, spot.lat).unwrap();
            assert!(seen.iter().any(|v| v.camera.id == cam), "{cam} does not see its own detection");
            assert_eq!(pack.locate(spot.lon, spot.lat).unwrap().district.code, spot.district);
        }
    }
}
