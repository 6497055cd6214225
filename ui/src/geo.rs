//! The map view: web-mercator projection, screen ↔ lon/lat, pan and zoom about a point, the
//! viewport bounds sent to the service, the scale bar and fly-to interpolation.
//!
//! Pure arithmetic, no web APIs: everything here is unit-tested on the host.
//!
//! Coordinates come in three spaces:
//! - **lon/lat**: WGS84 degrees, as on the wire.
//! - **world**: web-mercator pixels at zoom 0 (the whole world is 256 × 256); at zoom `z` one world
//!   unit is `2^z` CSS pixels.
//! - **local**: world units relative to [`ORIGIN`], multiplied by [`LOCAL_SCALE`]. Base-map paths
//!   are built once in local space so that the canvas (which stores paths in `f32`) keeps
//!   sub-pixel precision at street zoom.

use std::f64::consts::PI;

/// Size of the world square at zoom 0, in pixels (web-mercator tiles are 256 px).
pub const TILE: f64 = 256.0;
/// Earth's equatorial circumference over 256 px: metres per pixel at zoom 0 on the equator.
pub const METRES_PER_PX_Z0: f64 = 156_543.033_92;
/// Lowest zoom the console allows (all of Qingdao on a small window).
pub const MIN_ZOOM: f64 = 7.0;
/// Highest zoom the console allows (single grids and buildings).
pub const MAX_ZOOM: f64 = 18.0;
/// Local-space origin (world units): near the middle of Qingdao (120.4° E, 36.3° N).
pub const ORIGIN: (f64, f64) = (213.617_777_777_777_78, 100.263_346_973_633_5);
/// Local-space magnification over world units.
pub const LOCAL_SCALE: f64 = 4096.0;
/// The window the console keeps its centre in (lon/lat): the city pack's extent.
pub const CITY_WINDOW: Bounds = Bounds { west: 119.4, south: 35.4, east: 121.5, north: 37.25 };

/// A lon/lat rectangle, degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// Western edge, degrees east.
    pub west: f64,
    /// Southern edge, degrees north.
    pub south: f64,
    /// Eastern edge, degrees east.
    pub east: f64,
    /// Northern edge, degrees north.
    pub north: f64,
}

impl Bounds {
    /// As a `bbox=` query value: `west,south,east,north` to a micro-degree (about 0.1 m).
    pub fn query_value(&self) -> String {
        format!("{:.6},{:.6},{:.6},{:.6}", self.west, self.south, self.east, self.north)
    }

    /// Whether two rectangles overlap (touching counts).
    pub fn intersects(&self, o: &Bounds) -> bool {
        self.west <= o.east && o.west <= self.east && self.south <= o.north && o.south <= self.north
    }

    /// Whether a point lies inside (edges included).
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        lon >= self.west && lon <= self.east && lat >= self.south && lat <= self.north
    }
}

/// Project lon/lat (degrees) to world units at zoom 0.
pub fn project(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-85.051_128, 85.051_128).to_radians();
    let x = (lon + 180.0) / 360.0 * TILE;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0 * TILE;
    (x, y)
}

/// Inverse of [`project`]: world units at zoom 0 to lon/lat degrees.
pub fn unproject(x: f64, y: f64) -> (f64, f64) {
    let lon = x / TILE * 360.0 - 180.0;
    let n = PI * (1.0 - 2.0 * y / TILE);
    let lat = n.sinh().atan().to_degrees();
    (lon, lat)
}

/// Lon/lat to local space (see the module docs).
pub fn to_local(lon: f64, lat: f64) -> (f64, f64) {
    let (x, y) = project(lon, lat);
    ((x - ORIGIN.0) * LOCAL_SCALE, (y - ORIGIN.1) * LOCAL_SCALE)
}

/// What the map shows: centre, zoom and the size of the surface in CSS pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    /// Centre, world units at zoom 0.
    pub cx: f64,
    /// Centre, world units at zoom 0.
    pub cy: f64,
    /// Web-mercator zoom (fractional).
    pub zoom: f64,
    /// Surface width, CSS pixels.
    pub width: f64,
    /// Surface height, CSS pixels.
    pub height: f64,
}

impl View {
    /// A view centred on a lon/lat at a zoom.
    pub fn new(lon: f64, lat: f64, zoom: f64, width: f64, height: f64) -> Self {
        let (cx, cy) = project(lon, lat);
        let mut v = View { cx, cy, zoom, width, height };
        v.clamp();
        v
    }

    /// The opening view: all of Qingdao's districts, zoomed to fit the surface.
    pub fn qingdao(width: f64, height: f64) -> Self {
        // The districts span about 119.5–121.0 E, 35.6–37.1 N: ~1.07 × 1.30 world units at
        // zoom 0; fit them with a margin.
        let (x0, y0) = project(119.5, 37.1);
        let (x1, y1) = project(121.0, 35.6);
        let fit = ((width / (x1 - x0)).min(height / (y1 - y0)) * 0.92).log2();
        View::new(120.25, 36.35, fit.clamp(MIN_ZOOM, 11.0), width, height)
    }

    /// CSS pixels per world unit.
    pub fn scale(&self) -> f64 {
        self.zoom.exp2()
    }

    /// Centre as lon/lat.
    pub fn center(&self) -> (f64, f64) {
        unproject(self.cx, self.cy)
    }

    /// World units to screen pixels.
    pub fn world_to_screen(&self, x: f64, y: f64) -> (f64, f64) {
        let s = self.scale();
        ((x - self.cx) * s + self.width / 2.0, (y - self.cy) * s + self.height / 2.0)
    }

    /// Lon/lat to screen pixels.
    pub fn to_screen(&self, lon: f64, lat: f64) -> (f64, f64) {
        let (x, y) = project(lon, lat);
        self.world_to_screen(x, y)
    }

    /// Screen pixels to world units.
    pub fn screen_to_world(&self, px: f64, py: f64) -> (f64, f64) {
        let s = self.scale();
        ((px - self.width / 2.0) / s + self.cx, (py - self.height / 2.0) / s + self.cy)
    }

    /// Screen pixels to lon/lat.
    pub fn to_lonlat(&self, px: f64, py: f64) -> (f64, f64) {
        let (x, y) = self.screen_to_world(px, py);
        unproject(x, y)
    }

    /// The canvas transform `[a, b, c, d, e, f]` that maps local space to screen pixels.
    pub fn local_transform(&self) -> [f64; 6] {
        let s = self.scale();
        let a = s / LOCAL_SCALE;
        let e = (ORIGIN.0 - self.cx) * s + self.width / 2.0;
        let f = (ORIGIN.1 - self.cy) * s + self.height / 2.0;
        [a, 0.0, 0.0, a, e, f]
    }

    /// Local-space units per screen pixel (for line widths drawn in local space).
    pub fn local_per_px(&self) -> f64 {
        LOCAL_SCALE / self.scale()
    }

    /// Move the map by a drag of `(dx, dy)` screen pixels (content follows the pointer).
    pub fn pan(&mut self, dx: f64, dy: f64) {
        let s = self.scale();
        self.cx -= dx / s;
        self.cy -= dy / s;
        self.clamp();
    }

    /// Zoom by `dz` keeping the point under screen pixel `(px, py)` fixed.
    pub fn zoom_at(&mut self, px: f64, py: f64, dz: f64) {
        let (wx, wy) = self.screen_to_world(px, py);
        self.zoom = (self.zoom + dz).clamp(MIN_ZOOM, MAX_ZOOM);
        let s = self.scale();
        self.cx = wx - (px - self.width / 2.0) / s;
        self.cy = wy - (py - self.height / 2.0) / s;
        self.clamp();
    }

    /// Change the surface size, keeping centre and zoom.
    pub fn resize(&mut self, width: f64, height: f64) {
        self.width = width.max(1.0);
        self.height = height.max(1.0);
    }

    /// Lon/lat bounds of what is visible.
    pub fn bounds(&self) -> Bounds {
        let (west, north) = self.to_lonlat(0.0, 0.0);
        let (east, south) = self.to_lonlat(self.width, self.height);
        Bounds { west, south, east, north }
    }

    /// Bounds in local space `(min_x, min_y, max_x, max_y)` for culling prepared paths.
    pub fn local_bounds(&self) -> (f64, f64, f64, f64) {
        let (x0, y0) = self.screen_to_world(0.0, 0.0);
        let (x1, y1) = self.screen_to_world(self.width, self.height);
        (
            (x0 - ORIGIN.0) * LOCAL_SCALE,
            (y0 - ORIGIN.1) * LOCAL_SCALE,
            (x1 - ORIGIN.0) * LOCAL_SCALE,
            (y1 - ORIGIN.1) * LOCAL_SCALE,
        )
    }

    /// Ground metres per CSS pixel at the centre.
    pub fn metres_per_px(&self) -> f64 {
        let (_, lat) = self.center();
        METRES_PER_PX_Z0 * lat.to_radians().cos() / self.scale()
    }

    /// The view centred on a point at a zoom (used as the end of a fly-to).
    pub fn looking_at(&self, lon: f64, lat: f64, zoom: f64) -> View {
        View::new(lon, lat, zoom, self.width, self.height)
    }

    /// The view that shows a lon/lat rectangle with a margin, at most at `max_zoom`.
    pub fn fitting(&self, b: &Bounds, max_zoom: f64) -> View {
        let (x0, y0) = project(b.west, b.north);
        let (x1, y1) = project(b.east, b.south);
        let (w, h) = ((x1 - x0).max(1e-9), (y1 - y0).max(1e-9));
        let zoom = ((self.width / w).min(self.height / h) * 0.8).log2().min(max_zoom);
        let (lon, lat) = unproject((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        View::new(lon, lat, zoom, self.width, self.height)
    }

    /// Keep zoom in range and the centre inside the city window.
    fn clamp(&mut self) {
        self.zoom = self.zoom.clamp(MIN_ZOOM, MAX_ZOOM);
        let (x0, y0) = project(CITY_WINDOW.west, CITY_WINDOW.north);
        let (x1, y1) = project(CITY_WINDOW.east, CITY_WINDOW.south);
        self.cx = self.cx.clamp(x0, x1);
        self.cy = self.cy.clamp(y0, y1);
    }
}

/// Interpolate a fly-to at `t` in [0, 1]: centre eases in world space, zoom linearly, with a
/// smooth-step so motion starts and stops gently.
pub fn fly(from: &View, to: &View, t: f64) -> View {
    let t = t.clamp(0.0, 1.0);
    let e = t * t * (3.0 - 2.0 * t);
    View {
        cx: from.cx + (to.cx - from.cx) * e,
        cy: from.cy + (to.cy - from.cy) * e,
        zoom: from.zoom + (to.zoom - from.zoom) * e,
        width: to.width,
        height: to.height,
    }
}

/// A scale bar: a round ground length and its length on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleBar {
    /// Length on screen, CSS pixels.
    pub px: f64,
    /// Ground length, metres.
    pub metres: f64,
    /// Label, e.g. `500 m` or `2 km`.
    pub label: String,
}

/// The longest round length (1, 2 or 5 × 10ⁿ metres) that fits in `max_px` at `metres_per_px`.
pub fn scale_bar(metres_per_px: f64, max_px: f64) -> ScaleBar {
    let max_m = metres_per_px * max_px;
    let mut unit = 10f64.powf(max_m.log10().floor());
    for step in [5.0, 2.0, 1.0] {
        if unit * step <= max_m {
            unit *= step;
            break;
        }
    }
    let label = if unit >= 1000.0 { format!("{} km", unit / 1000.0) } else { format!("{unit} m") };
    ScaleBar { px: unit / metres_per_px, metres: unit, label }
}

/// Format a coordinate pair for the status bar: `120.38042° E, 36.06488° N`.
pub fn format_lonlat(lon: f64, lat: f64) -> String {
    let ew = if lon >= 0.0 { "E" } else { "W" };
    let ns = if lat >= 0.0 { "N" } else { "S" };
    format!("{:.5}° {ew}, {:.5}° {ns}", lon.abs(), lat.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, eps: f64) -> bool {
        (a - b).abs() < eps
    }

    #[test]
    fn projection_round_trips_inside_qingdao() {
        for (lon, lat) in [(120.38042, 36.06488), (119.5, 35.5), (121.4, 37.2)] {
            let (x, y) = project(lon, lat);
            let (lo, la) = unproject(x, y);
            assert!(close(lo, lon, 1e-9) && close(la, lat, 1e-9), "{lon},{lat} -> {lo},{la}");
        }
        // The origin constant is the projection of 120.4 E, 36.3 N (to 1e-6 world units).
        let (x, y) = project(120.4, 36.3);
        assert!(close(x, ORIGIN.0, 1e-6) && close(y, ORIGIN.1, 1e-4), "{x} {y}");
    }

    #[test]
    fn screen_and_lonlat_agree_and_centre_is_mid_surface() {
        let v = View::new(120.38, 36.06, 12.0, 1920.0, 1080.0);
        let (px, py) = v.to_screen(120.38, 36.06);
        assert!(close(px, 960.0, 1e-6) && close(py, 540.0, 1e-6));
        let (lon, lat) = v.to_lonlat(100.0, 900.0);
        let (px, py) = v.to_screen(lon, lat);
        assert!(close(px, 100.0, 1e-6) && close(py, 900.0, 1e-6));
    }

    #[test]
    fn zooming_keeps_the_point_under_the_cursor() {
        let mut v = View::new(120.38, 36.06, 11.0, 1920.0, 1080.0);
        let before = v.to_lonlat(300.0, 200.0);
        v.zoom_at(300.0, 200.0, 1.5);
        let after = v.to_lonlat(300.0, 200.0);
        assert!(close(before.0, after.0, 1e-9) && close(before.1, after.1, 1e-9));
        assert!(close(v.zoom, 12.5, 1e-12));
        v.zoom_at(0.0, 0.0, 100.0);
        assert_eq!(v.zoom, MAX_ZOOM);
    }

    #[test]
    fn panning_moves_content_with_the_pointer() {
        let mut v = View::new(120.38, 36.06, 12.0, 800.0, 600.0);
        let p = v.to_lonlat(400.0, 300.0);
        v.pan(50.0, -20.0);
        let (px, py) = v.to_screen(p.0, p.1);
        assert!(close(px, 450.0, 1e-6) && close(py, 280.0, 1e-6));
    }

    #[test]
    fn centre_stays_inside_the_city_window() {
        let mut v = View::new(120.38, 36.06, 10.0, 800.0, 600.0);
        v.pan(1e7, 1e7);
        let (lon, lat) = v.center();
        // Dragging right and down moves the centre west and north, up to the window edge.
        assert!(close(lon, CITY_WINDOW.west, 1e-9) && close(lat, CITY_WINDOW.north, 1e-6), "{lon} {lat}");
    }

    #[test]
    fn local_transform_matches_screen_projection() {
        let v = View::new(120.2, 36.1, 15.3, 1024.0, 768.0);
        let (lx, ly) = to_local(120.21, 36.11);
        let [a, _, _, d, e, f] = v.local_transform();
        let (px, py) = v.to_screen(120.21, 36.11);
        assert!(close(a * lx + e, px, 1e-6) && close(d * ly + f, py, 1e-6));
    }

    #[test]
    fn bounds_contain_the_centre_and_are_ordered() {
        let v = View::qingdao(1920.0, 1080.0);
        let b = v.bounds();
        let (lon, lat) = v.center();
        assert!(b.west < b.east && b.south < b.north && b.contains(lon, lat));
        assert!(b.intersects(&CITY_WINDOW));
    }

    #[test]
    fn scale_bar_picks_round_lengths() {
        let bar = scale_bar(10.0, 120.0); // up to 1200 m
        assert_eq!(bar.metres, 1000.0);
        assert_eq!(bar.label, "1 km");
        assert!(close(bar.px, 100.0, 1e-9));
        assert_eq!(scale_bar(3.0, 120.0).label, "200 m"); // 360 m fits 200
        assert_eq!(scale_bar(0.5, 120.0).label, "50 m");
        assert_eq!(scale_bar(100.0, 120.0).label, "10 km");
        // Ground resolution at Qingdao, zoom 12: about 30.9 m per px.
        let v = View::new(120.38, 36.06, 12.0, 100.0, 100.0);
        assert!(close(v.metres_per_px(), 30.9, 0.1), "{}", v.metres_per_px());
    }

    #[test]
    fn fly_to_starts_and_ends_on_its_views() {
        let a = View::new(120.0, 36.0, 9.0, 800.0, 600.0);
        let b = a.looking_at(120.4, 36.1, 16.0);
        assert_eq!(fly(&a, &b, 0.0), a);
        assert_eq!(fly(&a, &b, 1.0), b);
        let mid = fly(&a, &b, 0.5);
        assert!(close(mid.zoom, 12.5, 1e-9));
    }

    #[test]
    fn fitting_shows_the_whole_rectangle() {
        let v = View::new(120.0, 36.0, 9.0, 1000.0, 800.0);
        let b = Bounds { west: 120.30, south: 36.05, east: 120.45, north: 36.12 };
        let f = v.fitting(&b, 18.0);
        let shown = f.bounds();
        assert!(
            shown.west <= b.west && shown.east >= b.east && shown.south <= b.south && shown.north >= b.north
        );
        // A single point is capped at the maximum zoom.
        let p = Bounds { west: 120.3, south: 36.1, east: 120.3, north: 36.1 };
        assert_eq!(v.fitting(&p, 16.0).zoom, 16.0);
    }

    #[test]
    fn coordinates_format_with_hemispheres() {
        assert_eq!(format_lonlat(120.380_42, 36.064_88), "120.38042° E, 36.06488° N");
    }
}
