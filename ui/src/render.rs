//! Canvas drawing of the map: one `<canvas>` surface, never one DOM element per feature.
//!
//! Base-map features are turned into `Path2D` objects once (in local space, see [`crate::geo`]);
//! each frame only sets the canvas transform and fills or strokes the paths whose bounding box is
//! in view. Point layers arrive already culled and clustered by the service, so a frame draws at
//! most a few thousand discs. Labels are placed greedily, largest features first, and skipped
//! where they would overlap.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};

use cityops_api::{LayerKind, MapItemDto, StatusMix};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, Path2d};

use crate::geo::View;
use crate::geojson::Shape;
use crate::i18n::Lang;
use crate::state::Picture;
use crate::style;

/// A prepared base layer: shapes with their paths.
#[derive(Default)]
pub struct BaseLayer {
    /// Shapes (geometry metadata) and their canvas paths (None for points).
    pub shapes: Vec<(Shape, Option<Path2d>)>,
}

impl BaseLayer {
    /// Build paths for prepared shapes.
    pub fn new(shapes: Vec<Shape>) -> Self {
        let shapes = shapes
            .into_iter()
            .map(|s| {
                let p = if s.path.is_empty() { None } else { Path2d::new_with_path_string(&s.path).ok() };
                (s, p)
            })
            .collect();
        BaseLayer { shapes }
    }
}

/// The base map.
#[derive(Default)]
pub struct BaseMap {
    /// GSHHG land.
    pub land: BaseLayer,
    /// Coastline.
    pub coastline: BaseLayer,
    /// The ten districts.
    pub districts: BaseLayer,
    /// 街道/镇.
    pub streets: BaseLayer,
    /// 社区/村.
    pub communities: BaseLayer,
    /// Unit grids by the area code they were loaded for.
    pub grids: BTreeMap<String, BaseLayer>,
    /// GeoNames places.
    pub places: BaseLayer,
    /// Thematic layers the service serves as GeoJSON (compounds, routes, sites, cameras with
    /// view cones), by layer.
    pub overlays: BTreeMap<LayerKind, BaseLayer>,
}

/// A camera view cone to draw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cone {
    /// Camera longitude.
    pub lon: f64,
    /// Camera latitude.
    pub lat: f64,
    /// Centre of the view, degrees clockwise from north.
    pub heading_deg: f64,
    /// Width of the view, degrees.
    pub fov_deg: f64,
    /// Range, metres.
    pub range_m: f64,
}

/// What to draw besides the base map.
pub struct Scene<'a> {
    /// The view.
    pub view: &'a View,
    /// The live picture.
    pub picture: &'a Picture,
    /// Layers switched on.
    pub layers: &'a BTreeSet<LayerKind>,
    /// Selected case id.
    pub selected: Option<i64>,
    /// Highlighted search results `(lon, lat)`.
    pub results: &'a [(f64, f64)],
    /// View cones of the cameras that can see the selected case.
    pub cones: &'a [Cone],
    /// View cones of every camera in a close view (drawn from [`style::CONES_FROM`] when the
    /// cameras layer is on).
    pub view_cones: &'a [Cone],
    /// Ids of features named by recent alerts (drawn in alarm colour).
    pub alerted: &'a BTreeSet<String>,
    /// Language of labels.
    pub lang: Lang,
    /// Milliseconds since the epoch (animations).
    pub now_ms: f64,
    /// Bumped whenever the base map's layers change (the still picture is drawn again).
    pub base_generation: u64,
}

/// The canvas and its 2D context.
pub struct Surface {
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
    /// Drawing scale over CSS pixels: 1 on a desk; on the wall, the screen's width over 1920, so
    /// glyphs, labels and lines read the same on a 3840×2160 wall as on a 1920×1080 one.
    scale: f64,
    /// The still part of the map (base map, thematic outlines, labels) as last drawn, with a
    /// margin around the view: a frame whose still part has not changed copies it (one image
    /// draw) instead of drawing thousands of outlines again. See [`Surface::draw`].
    still: RefCell<Still>,
    /// How frames treat the still picture (the frame benchmark measures each way).
    pub mode: Cell<FrameMode>,
    /// Still pictures completed so far (the frame benchmark counts the frames each takes).
    pub pictures_done: Cell<u32>,
    /// Cluster discs drawn once each and copied ([`Surface::stamp_disc`]).
    sprites: RefCell<std::collections::HashMap<SpriteKey, (HtmlCanvasElement, f64)>>,
    /// Cluster counts drawn once each and copied ([`Surface::stamp_label`]): setting the font
    /// and shaping the text of 2,000 counts a frame was most of a 4K console frame's moving part.
    labels: RefCell<std::collections::HashMap<LabelKey, LabelSprite>>,
}

/// The margin of the still picture around the view, in drawing units: a pan within it copies the
/// picture at an offset.
const STILL_MARGIN: f64 = 192.0;

/// Milliseconds of a frame, from its start, that drawing a new still picture may take; the rest
/// of the picture is drawn in the frames after it (a 4K view's outlines take several frames'
/// worth), while the last picture, scaled to the new view, stands in for it.
const STILL_BUDGET_MS: f64 = 3.0;

/// How long the canvas of the picture before the last is kept for the next one after a picture
/// is complete (a zoom is often followed by another), in milliseconds.
const SPARE_KEPT_MS: f64 = 10_000.0;

/// The steps of drawing a still picture ([`Surface::draw_still_from`]).
const STILL_STEPS: u8 = 14;

/// How a frame treats the still picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FrameMode {
    /// Copy the still picture, or draw a new one a slice per frame (the console).
    #[default]
    Normal,
    /// Draw the still part in full every frame (the frame benchmark's "full" frames).
    Full,
    /// Every frame after a zoom: each time a still picture is complete, the next frame starts a
    /// new one (the frame benchmark's "after a zoom" frames).
    Zoomed,
}

/// Where the drawing of a still picture stands: the step (sea, land, …, labels and points) and
/// the shape within it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Cursor {
    step: u8,
    at: usize,
}

/// When a slice of a still picture must stop: `at` in performance milliseconds (infinite: never).
/// Whether it passed is asked after the canvas `ctx` drew what it was given (a 1-pixel
/// read-back): a canvas may only record the calls and draw them later, when the time would be
/// counted against another frame.
struct Deadline<'a> {
    at: f64,
    ctx: &'a CanvasRenderingContext2d,
    /// Shapes drawn between two looks at the clock: few for layers of a few large polygons
    /// (each fill of a district covers much of a 4K canvas), more for thousands of outlines.
    every: usize,
}

impl<'a> Deadline<'a> {
    /// The same deadline, looked at every `every` shapes.
    fn every(&self, every: usize) -> Deadline<'a> {
        Deadline { at: self.at, ctx: self.ctx, every }
    }

    fn passed(&self) -> bool {
        if self.at.is_infinite() {
            return false;
        }
        let _ = self.ctx.get_image_data(0.0, 0.0, 1.0, 1.0);
        perf_now() > self.at
    }
}

/// Draw `draw` for the items of `items` from `cur.at` on; false (with `cur.at` where to resume)
/// when the deadline passed first. At least one item is drawn per call, and the deadline is
/// asked every [`Deadline::every`] items.
fn resume<T>(
    items: impl Iterator<Item = T>,
    cur: &mut Cursor,
    deadline: &Deadline<'_>,
    mut draw: impl FnMut(T),
) -> bool {
    let from = cur.at;
    for (i, item) in items.enumerate().skip(from) {
        if i > from && (i - from).is_multiple_of(deadline.every) && deadline.passed() {
            cur.at = i;
            return false;
        }
        draw(item);
    }
    true
}

/// The page's monotonic clock in milliseconds (0 without one: nothing is ever late).
fn perf_now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// What the still part of a frame depends on besides the view's position.
#[derive(Debug, Clone, PartialEq)]
struct StillKey {
    zoom: f64,
    width: f64,
    height: f64,
    dpr: f64,
    layers: BTreeSet<LayerKind>,
    alerted: BTreeSet<String>,
    lang: Lang,
    base_generation: u64,
    /// A digest of the still points and cones ([`still_points`]); it also decides whether the
    /// camera layer's file is drawn (only while the viewport serves no cameras).
    points: u64,
}

/// A still picture: an offscreen canvas, the key it was drawn for and its view (the frame's view
/// grown by the margin).
struct StillPicture {
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
    key: StillKey,
    view: View,
    /// Kept only to stand in for the next picture ([`FrameMode::Zoomed`]).
    stale: bool,
}

/// The still pictures and the last frame's key.
#[derive(Default)]
struct Still {
    /// The last complete picture. While a new one is drawn it stands in for it, scaled to the
    /// view.
    picture: Option<StillPicture>,
    /// The picture being drawn for the current key, and where its drawing stands.
    pending: Option<(StillPicture, Cursor)>,
    /// The canvas of the picture before the last, kept for the next one (allocating and clearing
    /// a 4K canvas costs a frame of its own) and let go [`SPARE_KEPT_MS`] after the last picture
    /// was complete; and when that was (performance milliseconds).
    spare: Option<(HtmlCanvasElement, CanvasRenderingContext2d)>,
    completed_at: f64,
    /// The key of the last frame: a new picture is begun on the second frame with the same key,
    /// so a zoom animation (a new key every frame) shows the last picture scaled and pays
    /// nothing for pictures it would throw away.
    last: Option<StillKey>,
}

const FONT: &str = "\"Noto Sans CJK SC\", \"Noto Sans SC\", \"Source Han Sans SC\", \"Microsoft YaHei\", \"PingFang SC\", sans-serif";

impl Surface {
    /// Wrap a canvas.
    pub fn new(canvas: HtmlCanvasElement) -> Option<Self> {
        let ctx = context_2d(&canvas)?;
        Some(Surface {
            canvas,
            ctx,
            scale: 1.0,
            still: RefCell::new(Still::default()),
            mode: Cell::new(FrameMode::Normal),
            pictures_done: Cell::new(0),
            sprites: RefCell::new(std::collections::HashMap::new()),
            labels: RefCell::new(std::collections::HashMap::new()),
        })
    }

    /// The same surface drawing at `scale` (≥ 1) times the CSS pixel size (the wall).
    pub fn scaled(mut self, scale: f64) -> Self {
        self.scale = if scale.is_finite() { scale.clamp(1.0, 4.0) } else { 1.0 };
        self
    }

    /// Match the backing store to the CSS size times the device pixel ratio; returns the size in
    /// drawing units (CSS pixels over the scale).
    pub fn fit(&self) -> (f64, f64) {
        let dpr = web_sys::window().map(|w| w.device_pixel_ratio()).unwrap_or(1.0);
        let rect = self.canvas.get_bounding_client_rect();
        let (w, h) = (rect.width().max(1.0), rect.height().max(1.0));
        let (bw, bh) = ((w * dpr).round() as u32, (h * dpr).round() as u32);
        if self.canvas.width() != bw || self.canvas.height() != bh {
            self.canvas.set_width(bw);
            self.canvas.set_height(bh);
        }
        (w / self.scale, h / self.scale)
    }

    /// The thematic feature under a screen point: sites, then compounds (inside the polygon),
    /// then routes (within 6 px of the line).
    pub fn hit_overlay(
        &self,
        base: &BaseMap,
        view: &View,
        layers: &BTreeSet<LayerKind>,
        x: f64,
        y: f64,
    ) -> Option<(LayerKind, Shape)> {
        let ctx = &self.ctx;
        let dpr = self.dpr();
        let [a, b, c, d, e, f] = view.local_transform();
        let _ = ctx.set_transform(a * dpr, b, c, d * dpr, e * dpr, f * dpr);
        let lpp = view.local_per_px();
        let (wx, wy) = view.screen_to_world(x, y);
        let (lx, ly) = (
            (wx - crate::geo::ORIGIN.0) * crate::geo::LOCAL_SCALE,
            (wy - crate::geo::ORIGIN.1) * crate::geo::LOCAL_SCALE,
        );
        let pad = 6.0 * lpp;
        let probe = (lx - pad, ly - pad, lx + pad, ly + pad);
        ctx.set_line_width(2.0 * pad);
        let mut hit = None;
        'layers: for layer in [LayerKind::Sites, LayerKind::Compounds, LayerKind::Routes] {
            if !layers.contains(&layer) || view.zoom < style::overlay_from(layer) {
                continue;
            }
            let Some(overlay) = base.overlays.get(&layer) else { continue };
            for (s, p) in &overlay.shapes {
                let Some(p) = p else { continue };
                if !s.visible_in(probe) {
                    continue;
                }
                let inside = if s.closed {
                    ctx.is_point_in_path_with_path_2d_and_f64(p, x * dpr, y * dpr)
                } else {
                    ctx.is_point_in_stroke_with_path_and_x_and_y(p, x * dpr, y * dpr)
                };
                if inside {
                    hit = Some((layer, s.clone()));
                    break 'layers;
                }
            }
        }
        let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
        hit
    }

    /// The backing store in device pixels, and the device pixels per drawing unit.
    pub fn device_size(&self) -> (u32, u32, f64) {
        (self.canvas.width(), self.canvas.height(), self.dpr())
    }

    /// Fill the whole canvas with the sea (the frame benchmark's floor).
    pub fn blank(&self) {
        let _ = self.ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
        self.ctx.set_fill_style_str(style::SEA);
        self.ctx.fill_rect(0.0, 0.0, f64::from(self.canvas.width()), f64::from(self.canvas.height()));
    }

    /// Force the canvas to rasterise what was drawn (reads back one pixel); for measurements.
    pub fn flush(&self) {
        let _ = self.ctx.get_image_data(0.0, 0.0, 1.0, 1.0);
    }

    fn dpr(&self) -> f64 {
        web_sys::window().map(|w| w.device_pixel_ratio()).unwrap_or(1.0) * self.scale
    }

    /// Draw one frame: the still part (copied from the still picture when it holds this view,
    /// see [`Surface::copy_still`]), then what moves: cones, case and feature points, vehicles
    /// and alerts. False while a new still picture is still being drawn: the caller asks for
    /// another frame.
    pub fn draw(&self, base: &BaseMap, scene: &Scene<'_>) -> bool {
        let start = perf_now();
        let ctx = &self.ctx;
        let dpr = self.dpr();
        let v = scene.view;
        let key = StillKey {
            zoom: v.zoom,
            width: v.width,
            height: v.height,
            dpr,
            layers: scene.layers.clone(),
            alerted: scene.alerted.clone(),
            lang: scene.lang,
            base_generation: scene.base_generation,
            points: still_points(scene),
        };
        let settled = match self.copy_still(&key, base, scene, start) {
            Some(settled) => settled,
            None => {
                self.draw_still(ctx, dpr, base, scene);
                true
            }
        };
        let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
        // The cones of the cameras that see the selected case (strong, over the faint cones of
        // every camera in the still part).
        for c in scene.cones {
            let (x, y) = v.to_screen(c.lon, c.lat);
            draw_cone(ctx, x, y, c.heading_deg, c.fov_deg, c.range_m / v.metres_per_px());
            draw_glyph(ctx, LayerKind::Cameras, x, y, style::layer_colour(LayerKind::Cameras), v.zoom);
        }
        self.items(ctx, dpr, scene, false);
        self.live(scene);
        settled
    }

    /// Put the still part on the canvas from the still pictures: `Some(true)` when the picture
    /// for `key` covers the view (copied), `Some(false)` when it is still being drawn (a slice
    /// of it drawn this frame, within [`STILL_BUDGET_MS`] of `start`, and the last picture
    /// scaled to the view shown meanwhile), `None` when the frame must draw its still part
    /// itself (the first frame of all, or [`FrameMode::Full`]).
    fn copy_still(&self, key: &StillKey, base: &BaseMap, scene: &Scene<'_>, start: f64) -> Option<bool> {
        let v = scene.view;
        let mut guard = self.still.borrow_mut();
        let still = &mut *guard;
        let repeated = still.last.as_ref() == Some(key);
        still.last = Some(key.clone());
        match self.mode.get() {
            FrameMode::Full => {
                still.picture = None;
                still.pending = None;
                return None;
            }
            FrameMode::Zoomed if still.pending.is_none() => {
                if let Some(p) = still.picture.as_mut() {
                    p.stale = true;
                }
            }
            _ => {}
        }
        let dpr = key.dpr;
        // Where a picture's top-left corner falls in this view, in whole device pixels (so the
        // copy is not resampled), and whether the picture covers the view from there.
        let corner = |pv: &View| {
            let (lon, lat) = pv.to_lonlat(0.0, 0.0);
            let (x, y) = v.to_screen(lon, lat);
            ((x * dpr).round(), (y * dpr).round())
        };
        let covers = |p: &StillPicture| {
            let (x, y) = corner(&p.view);
            p.key == *key
                && x <= 0.0
                && y <= 0.0
                && x + p.view.width * dpr >= v.width * dpr
                && y + p.view.height * dpr >= v.height * dpr
        };
        let copy = |p: &StillPicture| {
            let (x, y) = corner(&p.view);
            let _ = self.ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
            let _ = self.ctx.draw_image_with_html_canvas_element(&p.canvas, x, y);
        };
        if let Some(p) = still.picture.as_ref().filter(|p| !p.stale && covers(p)) {
            copy(p);
            if start - still.completed_at > SPARE_KEPT_MS
                && let Some((spare, _)) = still.spare.take()
            {
                // Its pixels go now (a 4K console's picture holds ~40 MB), not when the page
                // collects the element.
                spare.set_width(0);
                spare.set_height(0);
            }
            return Some(true);
        }
        if !repeated {
            // Zooming, or a layer changed this frame: the last picture stands in, scaled.
            return self.stand_in(still.picture.as_ref(), scene, dpr).then_some(false);
        }
        // The second frame with this key: begin its picture, or go on drawing it.
        if !still.pending.as_ref().is_some_and(|(p, _)| covers(p)) {
            let (lon, lat) = v.center();
            let pv = View::new(lon, lat, v.zoom, v.width + 2.0 * STILL_MARGIN, v.height + 2.0 * STILL_MARGIN);
            let (bw, bh) = ((pv.width * dpr).round() as u32, (pv.height * dpr).round() as u32);
            let made = match still.pending.take() {
                Some((p, _)) => Some((p.canvas, p.ctx)),
                None => still.spare.take().or_else(offscreen),
            };
            let (canvas, ctx) = made?;
            if canvas.width() != bw || canvas.height() != bh {
                canvas.set_width(bw);
                canvas.set_height(bh);
            }
            let p = StillPicture { canvas, ctx, key: key.clone(), view: pv, stale: false };
            still.pending = Some((p, Cursor::default()));
        }
        // With no picture to stand in (the first of all, or a jump far away), it is drawn whole
        // at once, as a frame would draw it.
        let stand_in = still.picture.as_ref().filter(|p| stand_in_rect(p, v).is_some());
        let deadline = if stand_in.is_some() { start + STILL_BUDGET_MS } else { f64::INFINITY };
        let (p, cur) = still.pending.as_mut()?;
        let done = self.draw_still_from(&p.ctx, dpr, base, &Scene { view: &p.view, ..*scene }, cur, deadline);
        if done {
            let (p, _) = still.pending.take()?;
            copy(&p);
            if let Some(old) = still.picture.replace(p) {
                still.spare = Some((old.canvas, old.ctx));
            }
            still.completed_at = start;
            self.pictures_done.set(self.pictures_done.get() + 1);
            return Some(true);
        }
        // Meanwhile the last picture, scaled; without one, what is drawn so far.
        if !self.stand_in(still.picture.as_ref(), scene, dpr) {
            copy(p);
        }
        Some(false)
    }

    /// Show `picture` (of another zoom, layers or place) scaled to the view in place of the
    /// still part, over the sea; false when there is none or it does not reach into the view.
    fn stand_in(&self, picture: Option<&StillPicture>, scene: &Scene<'_>, dpr: f64) -> bool {
        let v = scene.view;
        let Some((p, (x0, y0, x1, y1))) = picture.and_then(|p| Some((p, stand_in_rect(p, v)?))) else {
            return false;
        };
        let ctx = &self.ctx;
        let _ = ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
        if x0 > 0.0 || y0 > 0.0 || x1 < v.width || y1 < v.height {
            ctx.set_fill_style_str(style::SEA);
            ctx.fill_rect(0.0, 0.0, v.width * dpr, v.height * dpr);
        }
        if (p.view.zoom - v.zoom).abs() < 1e-9 {
            // The same zoom (a layer changed): a copy in whole device pixels.
            let _ =
                ctx.draw_image_with_html_canvas_element(&p.canvas, (x0 * dpr).round(), (y0 * dpr).round());
        } else {
            // Scaled for a few frames: unfiltered, which a software canvas draws several times
            // faster.
            ctx.set_image_smoothing_enabled(false);
            let _ = ctx.draw_image_with_html_canvas_element_and_dw_and_dh(
                &p.canvas,
                x0 * dpr,
                y0 * dpr,
                (x1 - x0) * dpr,
                (y1 - y0) * dpr,
            );
            ctx.set_image_smoothing_enabled(true);
        }
        true
    }

    /// The still part of a frame on `ctx`: sea, land, district tints, outlines, thematic
    /// outlines and markers, labels and the points of thematic layers served as files.
    fn draw_still(&self, ctx: &CanvasRenderingContext2d, dpr: f64, base: &BaseMap, scene: &Scene<'_>) {
        self.draw_still_from(ctx, dpr, base, scene, &mut Cursor::default(), f64::INFINITY);
    }

    /// [`Surface::draw_still`] from `cur` on, until it is done (true) or `deadline` (performance
    /// milliseconds) passes (false, with `cur` where to go on): the sea, land, district tints,
    /// grid, community and street outlines, the coast and district edges, the thematic outlines
    /// and the cameras' cones a slice at a time; site markers, labels, thematic points and the
    /// still points a step each.
    fn draw_still_from(
        &self,
        ctx: &CanvasRenderingContext2d,
        dpr: f64,
        base: &BaseMap,
        scene: &Scene<'_>,
        cur: &mut Cursor,
        deadline: f64,
    ) -> bool {
        let deadline = &Deadline { at: deadline, ctx, every: 32 };
        let v = scene.view;
        // Base map in local space.
        let [a, b, c, d, e, f] = v.local_transform();
        let local = || {
            let _ = ctx.set_transform(a * dpr, b, c, d * dpr, e * dpr, f * dpr);
        };
        let lb = v.local_bounds();
        let lpp = v.local_per_px();
        // Thousands of grid and community outlines are drawn one device pixel wide: canvases
        // draw such hairlines on a fast path, where wider strokes go through the (much slower)
        // stroker on a high-DPI wall.
        let hair = lpp / dpr;
        fn shapes(l: &BaseLayer) -> std::slice::Iter<'_, (Shape, Option<Path2d>)> {
            l.shapes.iter()
        }
        loop {
            let done = match cur.step {
                0 => {
                    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
                    ctx.set_fill_style_str(style::SEA);
                    ctx.fill_rect(0.0, 0.0, v.width, v.height);
                    true
                }
                1 => {
                    local();
                    ctx.set_fill_style_str(style::LAND);
                    resume(shapes(&base.land), cur, &deadline.every(4), |(s, p)| {
                        if let Some(p) = p
                            && s.visible_in(lb)
                        {
                            ctx.fill_with_path_2d(p);
                        }
                    })
                }
                2 => {
                    local();
                    resume(shapes(&base.districts).enumerate(), cur, &deadline.every(1), |(i, (s, p))| {
                        if let Some(p) = p
                            && s.visible_in(lb)
                        {
                            ctx.set_fill_style_str(style::DISTRICT_TINTS[i % style::DISTRICT_TINTS.len()]);
                            ctx.fill_with_path_2d(p);
                        }
                    })
                }
                3 if v.zoom >= style::GRIDS_FROM => {
                    local();
                    let grids = base.grids.values().flat_map(shapes);
                    stroke_from(ctx, grids, lb, (style::GRID_EDGE, hair, 2.0 * lpp), cur, deadline)
                }
                4 if v.zoom >= style::COMMUNITIES_FROM => {
                    local();
                    let style = (style::COMMUNITY_EDGE, hair, 2.0 * lpp);
                    stroke_from(ctx, shapes(&base.communities), lb, style, cur, deadline)
                }
                5 if v.zoom >= style::STREETS_FROM => {
                    local();
                    // Solid, not dashed: dashing thousands of segments per frame is slow on big
                    // screens.
                    let style = (style::STREET_EDGE, hair * dpr.clamp(1.0, 1.5), 2.0 * lpp);
                    stroke_from(ctx, shapes(&base.streets), lb, style, cur, deadline)
                }
                // Long outlines: width in device pixels capped, so high-DPI screens don't pay for
                // strokes twice as wide as they need.
                6 => {
                    local();
                    let style = (style::COAST, hair * dpr.clamp(1.0, 1.5), 0.0);
                    stroke_from(ctx, shapes(&base.coastline), lb, style, cur, &deadline.every(8))
                }
                7 => {
                    local();
                    let style = (style::DISTRICT_EDGE, hair * (1.6 * dpr).min(2.5), 0.0);
                    stroke_from(ctx, shapes(&base.districts), lb, style, cur, &deadline.every(1))
                }
                8 => {
                    local();
                    let on = base
                        .overlays
                        .iter()
                        .filter(|(layer, _)| {
                            scene.layers.contains(*layer) && v.zoom >= style::overlay_from(**layer)
                        })
                        .flat_map(|(layer, overlay)| overlay.shapes.iter().map(move |sp| (*layer, sp)));
                    resume(on, cur, deadline, |(layer, (s, p))| {
                        let Some(p) = p else { return };
                        if !s.visible_in(lb) {
                            return;
                        }
                        let alarm = crate::state::feature_alarmed(s.id.as_deref(), &s.props, scene.alerted);
                        let colour = style::status_property_colour(
                            layer,
                            if alarm { Some("overdue") } else { s.status.as_deref() },
                        );
                        ctx.set_stroke_style_str(colour);
                        if s.closed {
                            ctx.set_global_alpha(0.25);
                            ctx.set_fill_style_str(colour);
                            ctx.fill_with_path_2d(p);
                            ctx.set_global_alpha(1.0);
                            ctx.set_line_width(1.0 * lpp);
                        } else {
                            ctx.set_global_alpha(0.7);
                            ctx.set_line_width(1.2 * lpp);
                        }
                        ctx.stroke_with_path(p);
                        ctx.set_global_alpha(1.0);
                    })
                }
                // Everything else in CSS pixels: site markers, labels, thematic points, the faint
                // cones of every camera in a close view, the still points.
                9 => {
                    Self::site_markers(ctx, dpr, base, scene);
                    true
                }
                10 => {
                    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
                    Self::labels(ctx, base, scene, &mut Vec::new());
                    true
                }
                11 => {
                    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
                    Self::overlay_points(ctx, base, scene);
                    true
                }
                12 if v.zoom >= style::CONES_FROM && scene.layers.contains(&LayerKind::Cameras) => {
                    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
                    resume(scene.view_cones.iter(), cur, deadline, |c| {
                        let (x, y) = v.to_screen(c.lon, c.lat);
                        let r = c.range_m / v.metres_per_px();
                        if !off_screen(v, x, y, r + 2.0) {
                            draw_cone_styled(ctx, x, y, c.heading_deg, c.fov_deg, r, VIEW_CONE);
                        }
                    })
                }
                13 => {
                    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
                    self.items(ctx, dpr, scene, true);
                    true
                }
                STILL_STEPS.. => return true,
                // A step that this zoom does not draw.
                _ => true,
            };
            if !done {
                return false;
            }
            cur.step += 1;
            cur.at = 0;
            if cur.step < STILL_STEPS && deadline.passed() {
                return false;
            }
        }
    }

    /// Below the zoom where their outlines draw, sites show as markers, so the sites layer is
    /// visible at city zoom (the wall's 建筑工地 scene); red when an alert names them.
    fn site_markers(ctx: &CanvasRenderingContext2d, dpr: f64, base: &BaseMap, scene: &Scene<'_>) {
        let v = scene.view;
        let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
        if scene.layers.contains(&LayerKind::Sites)
            && v.zoom < style::overlay_from(LayerKind::Sites)
            && let Some(overlay) = base.overlays.get(&LayerKind::Sites)
        {
            let r = (v.zoom - 6.0).clamp(1.5, 4.0);
            for (s, _) in &overlay.shapes {
                let (x, y) = v.to_screen(s.anchor_lonlat.0, s.anchor_lonlat.1);
                if off_screen(v, x, y, r) {
                    continue;
                }
                let alarm = crate::state::feature_alarmed(s.id.as_deref(), &s.props, scene.alerted);
                let colour = style::status_property_colour(
                    LayerKind::Sites,
                    if alarm { Some("overdue") } else { s.status.as_deref() },
                );
                ctx.set_fill_style_str(colour);
                ctx.fill_rect(x - r, y - r, 2.0 * r, 2.0 * r);
            }
        }
    }

    /// Copy a cluster's disc from its sprite (drawn once per layer, radius and quantised mix at
    /// this pixel ratio) at `(x, y)`, in whole device pixels; false when there is no sprite.
    #[allow(clippy::too_many_arguments)]
    fn stamp_disc(
        &self,
        ctx: &CanvasRenderingContext2d,
        dpr: f64,
        layer: LayerKind,
        mix: &StatusMix,
        r: f64,
        x: f64,
        y: f64,
    ) -> bool {
        let mix = if layer == LayerKind::Cases { style::quantised_mix(mix) } else { StatusMix::default() };
        let key = SpriteKey {
            layer,
            mix,
            r_quarters: (r * 4.0).round() as u32,
            dpr_hundredths: (dpr * 100.0).round() as u32,
        };
        let mut sprites = self.sprites.borrow_mut();
        if !sprites.contains_key(&key) {
            if sprites.len() >= SPRITES_MAX {
                sprites.clear();
            }
            let size = (2.0 * (r + 2.0) * dpr).ceil();
            let Some((canvas, sctx)) = offscreen() else { return false };
            canvas.set_width(size as u32);
            canvas.set_height(size as u32);
            let _ = sctx.set_transform(dpr, 0.0, 0.0, dpr, size / 2.0, size / 2.0);
            disc(&sctx, layer, &mix, f64::from(key.r_quarters) / 4.0, 0.0, 0.0);
            sprites.insert(key, (canvas, size / 2.0));
        }
        let Some((canvas, half)) = sprites.get(&key) else { return false };
        let _ = ctx.draw_image_with_html_canvas_element(
            canvas,
            (x * dpr - half).round(),
            (y * dpr - half).round(),
        );
        true
    }

    /// Copy the sprite of a cluster's count `text` (`big`: the larger font) centred on `(x, y)`
    /// (drawing units); `false` if it could not be made. Like [`Surface::stamp_disc`], it draws
    /// in device pixels: the caller has set the identity transform.
    fn stamp_label(
        &self,
        ctx: &CanvasRenderingContext2d,
        dpr: f64,
        text: &str,
        big: bool,
        x: f64,
        y: f64,
    ) -> bool {
        let key = LabelKey { text: text.to_owned(), big, dpr_hundredths: (dpr * 100.0).round() as u32 };
        let mut labels = self.labels.borrow_mut();
        if !labels.contains_key(&key) {
            if labels.len() >= SPRITES_MAX {
                labels.clear();
            }
            let Some(sprite) = label_sprite(text, big, dpr) else { return false };
            labels.insert(key.clone(), sprite);
        }
        let Some(l) = labels.get(&key) else { return false };
        let _ = ctx.draw_image_with_html_canvas_element(
            &l.canvas,
            (x * dpr - l.half_w).round(),
            ((y + 0.5) * dpr - l.half_h).round(),
        );
        true
    }

    fn labels(
        ctx: &CanvasRenderingContext2d,
        base: &BaseMap,
        scene: &Scene<'_>,
        placed: &mut Vec<(f64, f64, f64, f64)>,
    ) {
        let v = scene.view;
        let z = v.zoom;
        let lb = v.local_bounds();
        let lpp = v.local_per_px();
        ctx.set_text_align("center");
        ctx.set_text_baseline("middle");
        ctx.set_line_join("round");
        let mut layer = |layer: &BaseLayer, size: f64, weight: &str, colour: &str, min_px: f64| {
            let mut order: Vec<&Shape> = layer
                .shapes
                .iter()
                .map(|(s, _)| s)
                .filter(|s| s.visible_in(lb) && s.screen_width(lpp) >= min_px)
                .collect();
            order.sort_by(|a, b| b.size.total_cmp(&a.size));
            ctx.set_font(&format!("{weight} {size}px {FONT}"));
            for s in order {
                let name = match scene.lang {
                    Lang::Zh => s.name.as_deref(),
                    Lang::En => s.name_en.as_deref().or(s.name.as_deref()),
                };
                let Some(name) = name else { continue };
                let (x, y) = v.to_screen(s.anchor_lonlat.0, s.anchor_lonlat.1);
                halo_text(ctx, placed, name, x, y, size, colour);
            }
        };
        if z < 13.0 {
            layer(&base.districts, if z < 10.0 { 18.0 } else { 20.0 }, "600", "#e8eef5", 0.0);
        }
        if (10.5..15.5).contains(&z) {
            layer(&base.streets, 13.0, "500", "#b9c7d6", 40.0);
        }
        if z >= 14.0 {
            layer(&base.communities, 12.0, "400", "#93a4b6", 40.0);
        }
        if z >= 16.0 {
            for grids in base.grids.values() {
                ctx.set_font(&format!("400 10px {FONT}"));
                for (s, _) in &grids.shapes {
                    if s.visible_in(lb)
                        && s.screen_width(lpp) > 70.0
                        && let Some(code) = &s.code
                    {
                        let (x, y) = v.to_screen(s.anchor_lonlat.0, s.anchor_lonlat.1);
                        halo_text(ctx, placed, &code[code.len().saturating_sub(6)..], x, y, 10.0, "#6f8396");
                    }
                }
            }
        }
        if z < 12.5 {
            ctx.set_font(&format!("400 12px {FONT}"));
            for (s, _) in &base.places.shapes {
                let name = match scene.lang {
                    // GeoNames has no Chinese name for some places: leave them out of the
                    // Chinese map rather than mix in pinyin.
                    Lang::Zh => s.name.as_deref().filter(|n| !n.is_ascii()),
                    Lang::En => s.name_en.as_deref(),
                };
                let Some(name) = name else { continue };
                let (x, y) = v.to_screen(s.anchor_lonlat.0, s.anchor_lonlat.1);
                if x < 0.0 || y < 0.0 || x > v.width || y > v.height {
                    continue;
                }
                if halo_text(ctx, placed, name, x, y - 11.0, 12.0, "#c9d6e2") {
                    ctx.begin_path();
                    let _ = ctx.arc(x, y, 2.5, 0.0, std::f64::consts::TAU);
                    ctx.set_fill_style_str("#c9d6e2");
                    ctx.fill();
                }
            }
        }
    }

    /// Point features of the thematic layers, and camera view cones at close zoom.
    fn overlay_points(ctx: &CanvasRenderingContext2d, base: &BaseMap, scene: &Scene<'_>) {
        let v = scene.view;
        let mpp = v.metres_per_px();
        // Cameras come with the viewport (glyphs batched by `items`, cones from `view_cones`):
        // drawn here too they would be drawn twice. Only without the viewport route are they
        // drawn from their layer file.
        let cameras_served = cameras_served(scene.picture);
        for (layer, overlay) in &base.overlays {
            if !scene.layers.contains(layer)
                || v.zoom < style::overlay_from(*layer)
                || (*layer == LayerKind::Cameras && cameras_served)
            {
                continue;
            }
            for (s, p) in &overlay.shapes {
                if p.is_some() {
                    continue;
                }
                let (x, y) = v.to_screen(s.anchor_lonlat.0, s.anchor_lonlat.1);
                if off_screen(v, x, y, 60.0) {
                    continue;
                }
                let colour = style::status_property_colour(*layer, s.status.as_deref());
                if v.zoom >= style::CONES_FROM
                    && let Some((heading, fov, range)) = s.cone
                {
                    draw_cone(ctx, x, y, heading, fov, range / mpp);
                }
                draw_glyph(ctx, *layer, x, y, colour, v.zoom);
            }
        }
    }

    /// The viewport's points and clusters: those of the still layers ([`STILL_POINTS`]) when
    /// `still`, the others (with the selection and search results) when not.
    fn items(&self, ctx: &CanvasRenderingContext2d, dpr: f64, scene: &Scene<'_>, still: bool) {
        let v = scene.view;
        let tau = std::f64::consts::TAU;
        // Draw non-case layers first, cases on top.
        let mut order: Vec<&MapItemDto> = scene
            .picture
            .items
            .iter()
            .filter(|i| match i {
                MapItemDto::Point { layer, .. } | MapItemDto::Cluster { layer, .. } => {
                    scene.layers.contains(layer) && STILL_POINTS.contains(layer) == still
                }
            })
            .collect();
        let mut font_big: Option<bool> = None;
        let mut device = Transform { dpr, device: false };
        ctx.set_text_align("center");
        ctx.set_text_baseline("middle");
        let mut batches: BTreeMap<(LayerKind, &'static str), Vec<(f64, f64)>> = BTreeMap::new();
        let mut selected_at: Option<(f64, f64)> = None;
        order.sort_by_key(|i| match i {
            MapItemDto::Point { layer, .. } | MapItemDto::Cluster { layer, .. } => *layer == LayerKind::Cases,
        });
        for item in order {
            match item {
                MapItemDto::Cluster { layer, lon, lat, mix } => {
                    let (x, y) = v.to_screen(*lon, *lat);
                    if off_screen(v, x, y, 40.0) {
                        continue;
                    }
                    let r = style::cluster_radius(mix.total());
                    // Disc and count are copied from sprites in device pixels; either drawn
                    // afresh (no sprite) in drawing units.
                    device.set(ctx, true);
                    if !self.stamp_disc(ctx, dpr, *layer, mix, r, x, y) {
                        device.set(ctx, false);
                        disc(ctx, *layer, mix, r, x, y);
                    }
                    // The count right after its disc (a later, overlapping disc covers it).
                    let big = r > 20.0;
                    let text = compact(mix.total());
                    device.set(ctx, true);
                    if !self.stamp_label(ctx, dpr, &text, big, x, y) {
                        device.set(ctx, false);
                        // The font is set only when it changes: setting it costs more than drawing.
                        if font_big != Some(big) {
                            ctx.set_font(&label_font(big));
                            font_big = Some(big);
                        }
                        ctx.set_fill_style_str(LABEL_COLOUR);
                        let _ = ctx.fill_text(&text, x, y + 0.5);
                    }
                }
                MapItemDto::Point { layer, id, lon, lat, status } => {
                    let (x, y) = v.to_screen(*lon, *lat);
                    if off_screen(v, x, y, 12.0) {
                        continue;
                    }
                    let colour = match layer {
                        LayerKind::Cases => {
                            let stage = i64::try_from(*id)
                                .ok()
                                .and_then(|i| scene.picture.cases.get(&i))
                                .map(|m| m.stage);
                            style::case_point_colour(*status, stage)
                        }
                        l => style::feature_colour(*l, *status),
                    };
                    // Batched by layer and colour: one fill and one outline per batch instead of
                    // two per point (thousands of points at city zoom).
                    batches.entry((*layer, colour)).or_default().push((x, y));
                    if *layer == LayerKind::Cases && i64::try_from(*id).ok() == scene.selected {
                        selected_at = Some((x, y));
                    }
                }
            }
        }
        device.set(ctx, false);
        let outline = 1.0 / dpr;
        for ((layer, colour), points) in &batches {
            ctx.begin_path();
            for (x, y) in points {
                glyph_path(ctx, *layer, *x, *y, v.zoom);
            }
            ctx.set_fill_style_str(colour);
            ctx.fill();
            ctx.set_stroke_style_str("rgba(8,16,26,0.9)");
            ctx.set_line_width(outline);
            ctx.stroke();
        }
        if still {
            return;
        }
        if let Some((x, y)) = selected_at {
            ctx.begin_path();
            let _ = ctx.arc(x, y, 11.0, 0.0, tau);
            ctx.set_stroke_style_str("#fde047");
            ctx.set_line_width(2.5);
            ctx.stroke();
        }
        for (lon, lat) in scene.results {
            let (x, y) = v.to_screen(*lon, *lat);
            ctx.begin_path();
            let _ = ctx.arc(x, y, 8.0, 0.0, tau);
            ctx.set_stroke_style_str("#fde047");
            ctx.set_line_width(1.5);
            ctx.stroke();
        }
    }

    fn live(&self, scene: &Scene<'_>) {
        let ctx = &self.ctx;
        let v = scene.view;
        if scene.layers.contains(&LayerKind::Trucks) {
            // Every truck from its fix, in one path: at city zoom a small square (one fill), closer
            // an arrow pointing where it heads (one fill, one stroke).
            let arrows = v.zoom >= style::TRUCK_ARROWS_FROM;
            ctx.begin_path();
            for veh in scene.picture.vehicles.values() {
                let (x, y) = v.to_screen(veh.lon, veh.lat);
                if off_screen(v, x, y, 10.0) {
                    continue;
                }
                if !arrows {
                    ctx.rect(x - 2.5, y - 2.5, 5.0, 5.0);
                    continue;
                }
                let (sin, cos) = veh.heading_deg.to_radians().sin_cos();
                let at = |dx: f64, dy: f64| (x + dx * cos - dy * sin, y + dx * sin + dy * cos);
                let arrow = [at(0.0, -8.0), at(5.5, 6.0), at(0.0, 3.0), at(-5.5, 6.0)];
                ctx.move_to(arrow[0].0, arrow[0].1);
                for (px, py) in &arrow[1..] {
                    ctx.line_to(*px, *py);
                }
                ctx.close_path();
            }
            ctx.set_fill_style_str(style::layer_colour(LayerKind::Trucks));
            ctx.fill();
            if arrows {
                ctx.set_stroke_style_str("#0b1e2f");
                ctx.set_line_width(1.0);
                ctx.stroke();
            }
        }
        if scene.layers.contains(&LayerKind::Alerts) {
            let phase = (scene.now_ms / 1000.0).fract();
            for a in &scene.picture.alerts {
                let (x, y) = v.to_screen(a.lon, a.lat);
                if off_screen(v, x, y, 20.0) {
                    continue;
                }
                ctx.begin_path();
                let _ = ctx.arc(x, y, 6.0 + 10.0 * phase, 0.0, std::f64::consts::TAU);
                ctx.set_stroke_style_str(&format!("rgba(244,63,94,{:.2})", 1.0 - phase));
                ctx.set_line_width(2.0);
                ctx.stroke();
                draw_glyph(ctx, LayerKind::Alerts, x, y, style::layer_colour(LayerKind::Alerts), v.zoom);
            }
        }
    }
}

/// A cluster's disc at `(x, y)`: a dark backdrop and a ring, split by status class for cases
/// (overdue, due soon, open, closed), in the layer's colour otherwise.
fn disc(ctx: &CanvasRenderingContext2d, layer: LayerKind, mix: &StatusMix, r: f64, x: f64, y: f64) {
    let tau = std::f64::consts::TAU;
    let inner = r * 0.58;
    ctx.begin_path();
    let _ = ctx.arc(x, y, r + 1.5, 0.0, tau);
    ctx.set_fill_style_str("rgba(8,16,26,0.85)");
    ctx.fill();
    if layer == LayerKind::Cases {
        for (a0, a1, colour) in style::donut_arcs(mix) {
            ctx.begin_path();
            let _ = ctx.arc(x, y, r, a0, a1);
            let _ = ctx.arc_with_anticlockwise(x, y, inner, a1, a0, true);
            ctx.close_path();
            ctx.set_fill_style_str(colour);
            ctx.fill();
        }
    } else {
        ctx.begin_path();
        let _ = ctx.arc(x, y, r, 0.0, tau);
        let _ = ctx.arc_with_anticlockwise(x, y, inner, tau, 0.0, true);
        ctx.set_fill_style_str(style::layer_colour(layer));
        ctx.fill();
    }
}

/// What a cluster's sprite looks like: its layer, its mix in whole steps ([`style::quantised_mix`]),
/// its radius in quarter pixels and the pixel ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct SpriteKey {
    layer: LayerKind,
    mix: StatusMix,
    r_quarters: u32,
    dpr_hundredths: u32,
}

/// Sprites kept at most (then all are drawn afresh): a few hundred are in use at once, each a few
/// kilobytes.
const SPRITES_MAX: usize = 1024;

/// What a cluster count's sprite shows: the text, its font size and the pixel ratio.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct LabelKey {
    text: String,
    big: bool,
    dpr_hundredths: u32,
}

/// A cluster count drawn once, with half its size in device pixels.
struct LabelSprite {
    canvas: HtmlCanvasElement,
    half_w: f64,
    half_h: f64,
}

/// The colour of a cluster's count.
const LABEL_COLOUR: &str = "#f1f5f9";

/// The font of a cluster's count.
fn label_font(big: bool) -> String {
    format!("600 {}px {FONT}", if big { 12 } else { 11 })
}

/// Draw a cluster's count `text` into a canvas of its own, at `dpr` device pixels a unit.
fn label_sprite(text: &str, big: bool, dpr: f64) -> Option<LabelSprite> {
    let (canvas, sctx) = offscreen()?;
    let font = label_font(big);
    sctx.set_font(&font);
    let width = sctx.measure_text(text).ok()?.width();
    let (w, h) = (((width + 4.0) * dpr).ceil(), ((if big { 12.0 } else { 11.0 } + 6.0) * dpr).ceil());
    canvas.set_width(w as u32);
    canvas.set_height(h as u32);
    // Resizing the canvas reset its state.
    let _ = sctx.set_transform(dpr, 0.0, 0.0, dpr, w / 2.0, h / 2.0);
    sctx.set_font(&font);
    sctx.set_text_align("center");
    sctx.set_text_baseline("middle");
    sctx.set_fill_style_str(LABEL_COLOUR);
    sctx.fill_text(text, 0.0, 0.0).ok()?;
    Some(LabelSprite { canvas, half_w: w / 2.0, half_h: h / 2.0 })
}

/// The context's transform while a frame's clusters are drawn: device pixels (the sprites) or
/// drawing units; set only when it changes.
struct Transform {
    dpr: f64,
    device: bool,
}

impl Transform {
    fn set(&mut self, ctx: &CanvasRenderingContext2d, device: bool) {
        if self.device != device {
            let s = if device { 1.0 } else { self.dpr };
            let _ = ctx.set_transform(s, 0.0, 0.0, s, 0.0, 0.0);
            self.device = device;
        }
    }
}

/// Point layers that do not move with live events: drawn into the still picture.
const STILL_POINTS: [LayerKind; 2] = [LayerKind::Cameras, LayerKind::Facilities];

/// A digest of what the still picture shows of the viewport's answer: the still layers' points
/// and clusters, and the view cones (a new answer with the same cameras keeps the picture).
fn still_points(scene: &Scene<'_>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for item in &scene.picture.items {
        match item {
            MapItemDto::Point { layer, id, lon, lat, status } if STILL_POINTS.contains(layer) => {
                (layer, id, lon.to_bits(), lat.to_bits(), status).hash(&mut h);
            }
            MapItemDto::Cluster { layer, lon, lat, mix } if STILL_POINTS.contains(layer) => {
                (layer, lon.to_bits(), lat.to_bits(), mix.total()).hash(&mut h);
            }
            _ => {}
        }
    }
    for c in scene.view_cones {
        (c.lon.to_bits(), c.lat.to_bits(), c.heading_deg.to_bits(), c.fov_deg.to_bits(), c.range_m.to_bits())
            .hash(&mut h);
    }
    h.finish()
}

/// Whether the viewport serves the cameras (then they are drawn from its items, not their file).
fn cameras_served(picture: &Picture) -> bool {
    picture.items.iter().any(|i| {
        matches!(
            i,
            MapItemDto::Point { layer: LayerKind::Cameras, .. }
                | MapItemDto::Cluster { layer: LayerKind::Cameras, .. }
        )
    })
}

/// Where picture `p` falls in view `v` (drawing units: left, top, right, bottom), when it reaches
/// into the view.
fn stand_in_rect(p: &StillPicture, v: &View) -> Option<(f64, f64, f64, f64)> {
    let (lon0, lat0) = p.view.to_lonlat(0.0, 0.0);
    let (lon1, lat1) = p.view.to_lonlat(p.view.width, p.view.height);
    let (x0, y0) = v.to_screen(lon0, lat0);
    let (x1, y1) = v.to_screen(lon1, lat1);
    let reaches = x1 > 0.0 && y1 > 0.0 && x0 < v.width && y0 < v.height && x1 - x0 >= 1.0 && y1 - y0 >= 1.0;
    reaches.then_some((x0, y0, x1, y1))
}

/// A canvas of its own, outside the page, with its 2D context.
fn offscreen() -> Option<(HtmlCanvasElement, CanvasRenderingContext2d)> {
    let canvas =
        web_sys::window()?.document()?.create_element("canvas").ok()?.dyn_into::<HtmlCanvasElement>().ok()?;
    let ctx = context_2d(&canvas)?;
    Some((canvas, ctx))
}

/// A canvas's 2D context.
fn context_2d(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok()??.dyn_into::<CanvasRenderingContext2d>().ok()
}

/// A camera's view cone: a sector of `radius` px around `(x, y)`.
/// Fill and outline of a cone: (fill, stroke).
type ConeStyle = (&'static str, &'static str);
/// The cameras that see the selected case.
const SEEING_CONE: ConeStyle = ("rgba(56,189,248,0.18)", "rgba(56,189,248,0.6)");
/// Every camera of a close view.
const VIEW_CONE: ConeStyle = ("rgba(148,163,184,0.07)", "rgba(148,163,184,0.35)");

fn draw_cone(ctx: &CanvasRenderingContext2d, x: f64, y: f64, heading: f64, fov: f64, radius: f64) {
    draw_cone_styled(ctx, x, y, heading, fov, radius, SEEING_CONE);
}

fn draw_cone_styled(
    ctx: &CanvasRenderingContext2d,
    x: f64,
    y: f64,
    heading: f64,
    fov: f64,
    radius: f64,
    (fill, stroke): ConeStyle,
) {
    ctx.begin_path();
    if fov >= 359.0 {
        // A high-point camera sees all round: a disc, no sector edges.
        let _ = ctx.arc(x, y, radius, 0.0, std::f64::consts::TAU);
    } else {
        let (a0, a1) = style::cone_angles(heading, fov);
        ctx.move_to(x, y);
        let _ = ctx.arc(x, y, radius, a0, a1);
        ctx.close_path();
    }
    ctx.set_fill_style_str(fill);
    ctx.fill();
    ctx.set_stroke_style_str(stroke);
    ctx.set_line_width(1.0);
    ctx.stroke();
}

fn off_screen(v: &View, x: f64, y: f64, margin: f64) -> bool {
    x < -margin || y < -margin || x > v.width + margin || y > v.height + margin
}

/// `12345` → `12k`; small numbers as they are.
fn compact(n: u32) -> String {
    if n >= 10_000 { format!("{}k", n / 1000) } else { n.to_string() }
}

/// Stroke the shapes of `shapes` in view whose larger side is at least `min` (local units), in
/// `colour` at `width`, from `cur` on until `deadline` ([`resume`]).
fn stroke_from<'a>(
    ctx: &CanvasRenderingContext2d,
    shapes: impl Iterator<Item = &'a (Shape, Option<Path2d>)>,
    lb: (f64, f64, f64, f64),
    (colour, width, min): (&str, f64, f64),
    cur: &mut Cursor,
    deadline: &Deadline<'_>,
) -> bool {
    ctx.set_line_join("round");
    ctx.set_stroke_style_str(colour);
    ctx.set_line_width(width);
    resume(shapes, cur, deadline, |(s, p)| {
        if let Some(p) = p
            && s.visible_in(lb)
            && (s.bbox.2 - s.bbox.0).max(s.bbox.3 - s.bbox.1) >= min
        {
            ctx.stroke_with_path(p);
        }
    })
}

/// Draw a label with a halo unless it overlaps one already placed; returns whether it was drawn.
fn halo_text(
    ctx: &CanvasRenderingContext2d,
    placed: &mut Vec<(f64, f64, f64, f64)>,
    text: &str,
    x: f64,
    y: f64,
    size: f64,
    colour: &str,
) -> bool {
    // Estimated, not measured: measuring hundreds of labels per frame is a JS call each.
    let w = style::label_width(text, size);
    let r = (x - w / 2.0 - 3.0, y - size / 2.0 - 2.0, x + w / 2.0 + 3.0, y + size / 2.0 + 2.0);
    if placed.iter().any(|p| r.0 < p.2 && p.0 < r.2 && r.1 < p.3 && p.1 < r.3) {
        return false;
    }
    placed.push(r);
    ctx.set_stroke_style_str(style::HALO);
    ctx.set_line_width(3.0);
    let _ = ctx.stroke_text(text, x, y);
    ctx.set_fill_style_str(colour);
    let _ = ctx.fill_text(text, x, y);
    true
}

/// A point glyph per layer: disc for cases, square for facilities, diamond for sites, etc.
fn draw_glyph(ctx: &CanvasRenderingContext2d, layer: LayerKind, x: f64, y: f64, colour: &str, zoom: f64) {
    ctx.begin_path();
    glyph_path(ctx, layer, x, y, zoom);
    ctx.set_fill_style_str(colour);
    ctx.fill();
    ctx.set_stroke_style_str("rgba(8,16,26,0.9)");
    ctx.set_line_width(1.2);
    ctx.stroke();
}

/// Add one point glyph as a closed subpath: disc for cases and trucks, square for facilities and
/// compounds, diamond for sites, triangle for alerts, a small box for cameras.
fn glyph_path(ctx: &CanvasRenderingContext2d, layer: LayerKind, x: f64, y: f64, zoom: f64) {
    let r = if zoom >= 15.0 { 6.0 } else { 4.5 };
    match layer {
        LayerKind::Facilities | LayerKind::Compounds => ctx.rect(x - r, y - r, 2.0 * r, 2.0 * r),
        LayerKind::Sites => {
            ctx.move_to(x, y - r - 1.0);
            ctx.line_to(x + r + 1.0, y);
            ctx.line_to(x, y + r + 1.0);
            ctx.line_to(x - r - 1.0, y);
            ctx.close_path();
        }
        LayerKind::Alerts => {
            ctx.move_to(x, y - r - 2.0);
            ctx.line_to(x + r + 1.0, y + r);
            ctx.line_to(x - r - 1.0, y + r);
            ctx.close_path();
        }
        LayerKind::Cameras => ctx.rect(x - r, y - r * 0.7, 2.0 * r, 1.4 * r),
        _ => {
            ctx.move_to(x + r, y);
            let _ = ctx.arc(x, y, r, 0.0, std::f64::consts::TAU);
            ctx.close_path();
        }
    }
}
