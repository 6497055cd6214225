//! Point location: (lon, lat) → unit grid, via an R-tree of grid envelopes and an exact
//! point-in-polygon test, in about a microsecond. Points that hit no grid are classified as at sea
//! (inside the pack's map window and not on land) or outside the city.
//!
//! Deliberately absent: the organisation. A [`Location`] names the grid by its position in
//! [`crate::org::Organisation::grids`]; [`crate::org::Organisation::resolve`] walks up from there.

use geo::{BoundingRect, Contains, Intersects, MultiPolygon, Point, Rect};
use rstar::{AABB, RTree, RTreeObject};

/// Why a point has no grid.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LocateError {
    /// NaN, infinite or outside −180…180 / −90…90.
    #[error("invalid coordinate ({lon}, {lat})")]
    InvalidCoordinate {
        /// Longitude given.
        lon: f64,
        /// Latitude given.
        lat: f64,
    },
    /// In the city's map window but not on land (sea, bay, or land the coastline data lacks).
    #[error("({lon}, {lat}) is at sea")]
    AtSea {
        /// Longitude given.
        lon: f64,
        /// Latitude given.
        lat: f64,
    },
    /// On land outside the city, or outside the map window altogether.
    #[error("({lon}, {lat}) is outside the city")]
    OutsideCity {
        /// Longitude given.
        lon: f64,
        /// Latitude given.
        lat: f64,
    },
}

/// A located point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Location {
    /// Longitude looked up.
    pub lon: f64,
    /// Latitude looked up.
    pub lat: f64,
    /// Position of the grid in the polygon list the locator was built from.
    pub grid: usize,
}

#[derive(Debug, Clone)]
struct Entry {
    grid: u32,
    env: AABB<[f64; 2]>,
}

impl RTreeObject for Entry {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.env
    }
}

/// One edge of a land ring, for the ray-crossing land test.
#[derive(Debug, Clone)]
struct Edge {
    a: [f64; 2],
    b: [f64; 2],
}

impl RTreeObject for Edge {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(self.a, self.b)
    }
}

/// Grid polygons indexed for point lookup, plus the land and window that tell sea from elsewhere.
#[derive(Debug, Clone)]
pub struct Locator {
    tree: RTree<Entry>,
    grids: Vec<MultiPolygon<f64>>,
    land_edges: RTree<Edge>,
    window: Rect<f64>,
}

impl Locator {
    /// Index `grids` (position = grid index of the answers). `land` is the land of the map window
    /// `window`; both only classify misses.
    pub fn new(grids: Vec<MultiPolygon<f64>>, land: MultiPolygon<f64>, window: Rect<f64>) -> Self {
        let tree = RTree::bulk_load(
            grids
                .iter()
                .enumerate()
                .filter_map(|(i, g)| {
                    g.bounding_rect().map(|r| Entry {
                        grid: i as u32,
                        env: AABB::from_corners(r.min().into(), r.max().into()),
                    })
                })
                .collect(),
        );
        let land_edges = RTree::bulk_load(
            land.0
                .iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .flat_map(|ring| {
                    ring.lines().map(|l| Edge { a: [l.start.x, l.start.y], b: [l.end.x, l.end.y] })
                })
                .collect(),
        );
        Locator { tree, grids, land_edges, window }
    }

    /// Number of grids indexed.
    pub fn len(&self) -> usize {
        self.grids.len()
    }

    /// Whether no grid is indexed.
    pub fn is_empty(&self) -> bool {
        self.grids.is_empty()
    }

    /// Polygon of grid `i`.
    pub fn grid_polygon(&self, i: usize) -> Option<&MultiPolygon<f64>> {
        self.grids.get(i)
    }

    /// Even-odd ray test against the land rings: count the edges crossing the ray from the point
    /// east to the window's edge (only those edges are fetched from the index).
    fn on_land(&self, lon: f64, lat: f64) -> bool {
        let ray = AABB::from_corners([lon, lat], [self.window.max().x.max(lon), lat]);
        let crossings = self
            .land_edges
            .locate_in_envelope_intersecting(&ray)
            .filter(|e| {
                (e.a[1] > lat) != (e.b[1] > lat) && {
                    let x = e.a[0] + (lat - e.a[1]) / (e.b[1] - e.a[1]) * (e.b[0] - e.a[0]);
                    x > lon
                }
            })
            .count();
        crossings % 2 == 1
    }

    /// The grid containing (lon, lat). A point exactly on a shared edge goes to the grid with the
    /// lowest index.
    pub fn locate(&self, lon: f64, lat: f64) -> Result<Location, LocateError> {
        if !(lon.is_finite()
            && lat.is_finite()
            && (-180.0..=180.0).contains(&lon)
            && (-90.0..=90.0).contains(&lat))
        {
            return Err(LocateError::InvalidCoordinate { lon, lat });
        }
        let p = Point::new(lon, lat);
        let env = AABB::from_point([lon, lat]);
        let mut boundary: Option<u32> = None;
        for e in self.tree.locate_in_envelope_intersecting(&env) {
            let g = &self.grids[e.grid as usize];
            if g.contains(&p) {
                return Ok(Location { lon, lat, grid: e.grid as usize });
            }
            if g.intersects(&p) && boundary.is_none_or(|b| e.grid < b) {
                boundary = Some(e.grid);
            }
        }
        if let Some(b) = boundary {
            return Ok(Location { lon, lat, grid: b as usize });
        }
        let (min, max) = (self.window.min(), self.window.max());
        let in_window = min.x <= lon && lon <= max.x && min.y <= lat && lat <= max.y;
        if in_window && !self.on_land(lon, lat) {
            Err(LocateError::AtSea { lon, lat })
        } else {
            Err(LocateError::OutsideCity { lon, lat })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    const SEED_1: u64 = 0x10CA_7E01;

    fn square(x0: f64, y0: f64, d: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![Polygon::new(
            LineString::from(vec![(x0, y0), (x0 + d, y0), (x0 + d, y0 + d), (x0, y0 + d), (x0, y0)]),
            vec![],
        )])
    }

    /// A 10×10 chessboard of 0.01° grids on land [0, 0.1]², land extends to 0.2, window to 0.3.
    fn board() -> Locator {
        let grids =
            (0..100).map(|k| square(f64::from(k % 10) * 0.01, f64::from(k / 10) * 0.01, 0.01)).collect();
        Locator::new(grids, square(0.0, 0.0, 0.2), Rect::new((0.0, 0.0), (0.3, 0.3)))
    }

    #[test]
    fn random_points_match_brute_force() {
        let loc = board();
        let mut rng = ChaCha8Rng::seed_from_u64(SEED_1);
        for _ in 0..2000 {
            let (x, y) = (rng.random_range(0.0..0.1), rng.random_range(0.0..0.1));
            let brute: Vec<usize> = (0..loc.len())
                .filter(|&i| loc.grid_polygon(i).unwrap().contains(&Point::new(x, y)))
                .collect();
            assert_eq!(brute.len(), 1);
            assert_eq!(loc.locate(x, y).unwrap().grid, brute[0]);
        }
    }

    #[test]
    fn misses_are_classified() {
        let loc = board();
        for (lon, lat, want) in [
            (0.15, 0.15, LocateError::OutsideCity { lon: 0.15, lat: 0.15 }), // land, no grid
            (0.25, 0.25, LocateError::AtSea { lon: 0.25, lat: 0.25 }),
            (5.0, 5.0, LocateError::OutsideCity { lon: 5.0, lat: 5.0 }),
        ] {
            assert_eq!(loc.locate(lon, lat), Err(want));
        }
        for (lon, lat) in [(f64::NAN, 0.0), (0.0, f64::INFINITY), (181.0, 0.0), (0.0, -91.0)] {
            assert!(matches!(loc.locate(lon, lat), Err(LocateError::InvalidCoordinate { .. })));
        }
    }

    #[test]
    fn a_point_on_a_shared_edge_goes_to_the_lower_grid() {
        let loc = board();
        assert_eq!(loc.locate(0.01, 0.005).unwrap().grid, 0);
    }
}
