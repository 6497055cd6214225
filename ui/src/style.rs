//! Colours and sizes: the base-map palette, stage and status colours, layer colours, cluster
//! donut geometry and the zoom levels at which base layers appear.
//!
//! One place for every colour, so the legend and the canvas can never disagree.

use cityops_api::{LayerKind, Stage, StatusClass, StatusMix};

/// Sea (canvas background).
pub const SEA: &str = "#0b1e2f";
/// Land fill.
pub const LAND: &str = "#141e28";
/// Coastline stroke.
pub const COAST: &str = "#3d6f8f";
/// District boundary stroke.
pub const DISTRICT_EDGE: &str = "#6b8cab";
/// Street (街道/镇) boundary stroke.
pub const STREET_EDGE: &str = "#5a7590";
/// Community boundary stroke.
pub const COMMUNITY_EDGE: &str = "#38495a";
/// Grid boundary stroke.
pub const GRID_EDGE: &str = "#3b4e61";
/// Label text.
pub const LABEL: &str = "#d8e3ee";
/// Label halo.
pub const HALO: &str = "#0b1e2f";
/// Amber used for stale feeds and warnings.
pub const AMBER: &str = "#f5a524";

/// Tints for the ten districts, in adcode order (muted so points stay readable).
pub const DISTRICT_TINTS: [&str; 10] = [
    "#223244", "#1f313c", "#253241", "#1f2d3a", "#24323c", "#213041", "#23313a", "#202e3f", "#253343",
    "#22303b",
];

/// Colour of a status class (clusters and points whose stage is unknown).
pub fn status_colour(s: StatusClass) -> &'static str {
    match s {
        StatusClass::Open => "#3b82f6",
        StatusClass::Overdue => "#ef4444",
        StatusClass::Closed => "#8a96a3",
        StatusClass::DueSoon => "#facc15",
    }
}

/// Colour of a stage of the closed loop.
pub fn stage_colour(s: Stage) -> &'static str {
    match s {
        Stage::Collect => "#a78bfa",
        Stage::Register => "#818cf8",
        Stage::Dispatch => "#22d3ee",
        Stage::Handle => "#3b82f6",
        Stage::Feedback => "#2dd4bf",
        Stage::Verify => "#4ade80",
        Stage::Evaluate => "#8a96a3",
    }
}

/// Colour of a case point: red when overdue, else by stage.
pub fn case_colour(stage: Stage, overdue: bool) -> &'static str {
    if overdue { status_colour(StatusClass::Overdue) } else { stage_colour(stage) }
}

/// Colour of a case point: the status class comes from the service's index (which sweeps
/// deadlines as time passes), the stage from what the console knows of the case. Overdue is red
/// and closed grey whatever the stage; open cases take their stage's colour when it is known.
pub fn case_point_colour(status: StatusClass, stage: Option<Stage>) -> &'static str {
    match (status, stage) {
        (StatusClass::Open, Some(s)) => stage_colour(s),
        (s, _) => status_colour(s),
    }
}

/// Colour of a layer's points (cases use [`case_colour`]).
pub fn layer_colour(l: LayerKind) -> &'static str {
    match l {
        LayerKind::Cases => "#3b82f6",
        LayerKind::Compounds => "#a3e635",
        LayerKind::Routes => "#fb923c",
        LayerKind::Trucks => "#f97316",
        LayerKind::Facilities => "#84cc16",
        LayerKind::Sites => "#eab308",
        LayerKind::Cameras => "#38bdf8",
        LayerKind::Alerts => "#f43f5e",
        LayerKind::Grids => "#64748b",
        LayerKind::Enforcement => "#a855f7",
    }
}

/// Colour of a non-case point by status (e.g. a site whose sensor is over its limit is "overdue").
pub fn feature_colour(l: LayerKind, s: StatusClass) -> &'static str {
    match (l, s) {
        (LayerKind::Cases, s) => status_colour(s),
        (_, StatusClass::Overdue) => status_colour(StatusClass::Overdue),
        (_, StatusClass::Closed) => "#6b7785",
        (l, StatusClass::Open | StatusClass::DueSoon) => layer_colour(l),
    }
}

/// Outer radius of a donut cluster in CSS pixels, growing with the log of its size.
pub fn cluster_radius(total: u32) -> f64 {
    let n = f64::from(total.max(1));
    (11.0 + 5.0 * n.log10()).min(34.0)
}

/// The arcs of a donut: `(start, end, colour)` in radians, clockwise from 12 o'clock, in the order
/// overdue, open, closed; empty classes are left out.
pub fn donut_arcs(mix: &StatusMix) -> Vec<(f64, f64, &'static str)> {
    let total = f64::from(mix.total());
    if total == 0.0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut a = -std::f64::consts::FRAC_PI_2;
    for (n, class) in [
        (mix.overdue, StatusClass::Overdue),
        (mix.due_soon, StatusClass::DueSoon),
        (mix.open, StatusClass::Open),
        (mix.closed, StatusClass::Closed),
    ] {
        if n == 0 {
            continue;
        }
        let sweep = std::f64::consts::TAU * f64::from(n) / total;
        out.push((a, a + sweep, status_colour(class)));
        a += sweep;
    }
    out
}

/// Steps of a donut's circle in [`quantised_mix`].
pub const DONUT_STEPS: u32 = 96;

/// A cluster's mix in whole steps of the circle (3.75°, summing to [`DONUT_STEPS`]), so that
/// clusters whose donuts look the same share one drawn sprite. Every class present keeps at least
/// one step: a single overdue case among hundreds still shows its red.
pub fn quantised_mix(mix: &StatusMix) -> StatusMix {
    let total = mix.total();
    if total == 0 {
        return *mix;
    }
    let step = |n: u32| if n == 0 { 0 } else { (n * DONUT_STEPS).div_ceil(total).max(1) };
    let mut q = StatusMix {
        open: step(mix.open),
        overdue: step(mix.overdue),
        closed: step(mix.closed),
        due_soon: step(mix.due_soon),
    };
    // Rounding up may overshoot: take the excess from the largest class (which keeps ≥ 1, since
    // at most four classes each gained less than one step).
    let sum = q.total();
    if sum > DONUT_STEPS {
        let largest =
            [&mut q.open, &mut q.overdue, &mut q.closed, &mut q.due_soon].into_iter().max_by_key(|n| **n);
        if let Some(n) = largest {
            *n -= sum - DONUT_STEPS;
        }
    }
    q
}

/// Zoom from which street (街道/镇) boundaries are drawn.
pub const STREETS_FROM: f64 = 10.5;
/// Zoom from which community boundaries are drawn.
pub const COMMUNITIES_FROM: f64 = 12.5;
/// Zoom from which unit-grid boundaries are drawn.
pub const GRIDS_FROM: f64 = 14.0;
/// Zoom from which a thematic GeoJSON layer is drawn: 5,000 compound outlines are noise (and
/// work) at city zoom.
pub fn overlay_from(l: LayerKind) -> f64 {
    match l {
        LayerKind::Compounds => 13.0,
        LayerKind::Routes | LayerKind::Sites => 11.0,
        _ => 0.0,
    }
}

/// Zoom from which camera view cones are drawn.
pub const CONES_FROM: f64 = 16.0;

/// Zoom from which trucks are drawn as arrows pointing where they head (below it, small squares:
/// hundreds of them over the whole city, cheap to draw every frame).
pub const TRUCK_ARROWS_FROM: f64 = 14.0;

/// Estimated width of a label in CSS pixels for label collision boxes: CJK glyphs are square,
/// Latin glyphs average a little over half the font size.
pub fn label_width(text: &str, size: f64) -> f64 {
    text.chars().map(|c| if c.is_ascii() { 0.58 } else { 1.0 }).sum::<f64>() * size
}

/// Canvas arc angles (radians, 0 = east, clockwise) of a camera view cone given its heading
/// (degrees clockwise from north) and field of view (degrees).
pub fn cone_angles(heading_deg: f64, fov_deg: f64) -> (f64, f64) {
    let centre = (heading_deg - 90.0).to_radians();
    let half = (fov_deg.clamp(1.0, 360.0) / 2.0).to_radians();
    (centre - half, centre + half)
}

/// Colour of a status property of a static feature (`open`, `overdue`, `closed`), else the
/// layer's colour.
pub fn status_property_colour(layer: LayerKind, status: Option<&str>) -> &'static str {
    match status {
        Some("overdue") => status_colour(StatusClass::Overdue),
        Some("closed") => "#6b7785",
        _ => layer_colour(layer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantised_mixes_sum_to_the_circle_and_keep_every_class() {
        let mixes = [
            StatusMix { open: 500, overdue: 1, closed: 0, due_soon: 0 },
            StatusMix { open: 1, overdue: 1, closed: 1, due_soon: 1 },
            StatusMix { open: 3, overdue: 0, closed: 0, due_soon: 0 },
            StatusMix { open: 97, overdue: 95, closed: 1, due_soon: 2 },
            StatusMix { open: 0, overdue: 0, closed: 0, due_soon: 0 },
        ];
        for m in mixes {
            let q = quantised_mix(&m);
            if m.total() == 0 {
                assert_eq!(q.total(), 0);
                continue;
            }
            assert_eq!(q.total(), DONUT_STEPS, "{m:?} → {q:?}");
            for (n, s) in
                [(m.open, q.open), (m.overdue, q.overdue), (m.closed, q.closed), (m.due_soon, q.due_soon)]
            {
                assert_eq!(n > 0, s > 0, "{m:?} → {q:?}: a class present is drawn, an absent one is not");
                // Within one step (plus the excess taken from the largest) of the true share.
                let exact = f64::from(n) * f64::from(DONUT_STEPS) / f64::from(m.total());
                assert!((f64::from(s) - exact).abs() <= 4.0, "{m:?} → {q:?}");
            }
        }
        // Mixes in the same proportion share a sprite.
        let a = StatusMix { open: 10, overdue: 5, closed: 5, due_soon: 0 };
        let b = StatusMix { open: 20, overdue: 10, closed: 10, due_soon: 0 };
        assert_eq!(quantised_mix(&a), quantised_mix(&b));
    }

    #[test]
    fn overdue_is_red_whatever_the_stage() {
        for s in Stage::ALL {
            assert_eq!(case_colour(s, true), "#ef4444");
            assert_ne!(case_colour(s, false), "#ef4444");
        }
    }

    #[test]
    fn case_points_trust_the_index_status_and_colour_open_ones_by_stage() {
        assert_eq!(case_point_colour(StatusClass::Overdue, Some(Stage::Handle)), "#ef4444");
        assert_eq!(case_point_colour(StatusClass::Closed, Some(Stage::Handle)), "#8a96a3");
        assert_eq!(
            case_point_colour(StatusClass::Open, Some(Stage::Dispatch)),
            stage_colour(Stage::Dispatch)
        );
        assert_eq!(case_point_colour(StatusClass::Open, None), status_colour(StatusClass::Open));
    }

    #[test]
    fn label_widths_count_cjk_as_square() {
        assert_eq!(label_width("市南区", 12.0), 36.0);
        assert!((label_width("Qingdao", 10.0) - 40.6).abs() < 1e-9);
    }

    #[test]
    fn cones_point_along_their_heading() {
        let (a, b) = cone_angles(0.0, 90.0); // north: canvas −90°
        assert!((a + 135f64.to_radians()).abs() < 1e-12 && (b + 45f64.to_radians()).abs() < 1e-12);
        let (a, b) = cone_angles(90.0, 60.0); // east: canvas 0
        assert!((a + b).abs() < 1e-12);
        assert_eq!(status_property_colour(LayerKind::Sites, Some("overdue")), "#ef4444");
        assert_eq!(status_property_colour(LayerKind::Sites, None), layer_colour(LayerKind::Sites));
    }

    #[test]
    fn stage_colours_are_distinct() {
        let mut c: Vec<_> = Stage::ALL.iter().map(|s| stage_colour(*s)).collect();
        c.sort();
        c.dedup();
        assert_eq!(c.len(), 7);
    }

    #[test]
    fn donut_arcs_cover_the_circle_in_proportion() {
        let arcs = donut_arcs(&StatusMix { open: 2, overdue: 1, closed: 1, due_soon: 0 });
        assert_eq!(arcs.len(), 3);
        assert_eq!(arcs[0].2, "#ef4444");
        let quarter = std::f64::consts::FRAC_PI_2;
        assert!((arcs[0].1 - arcs[0].0 - quarter).abs() < 1e-12);
        assert!((arcs[1].1 - arcs[1].0 - 2.0 * quarter).abs() < 1e-12);
        assert!((arcs[2].1 - (-quarter + std::f64::consts::TAU)).abs() < 1e-12);
        assert!(donut_arcs(&StatusMix::default()).is_empty());
        assert_eq!(donut_arcs(&StatusMix { open: 5, ..Default::default() }).len(), 1);
        // Yellow between red and blue.
        let arcs = donut_arcs(&StatusMix { open: 1, overdue: 1, closed: 0, due_soon: 2 });
        assert_eq!(arcs.iter().map(|a| a.2).collect::<Vec<_>>(), ["#ef4444", "#facc15", "#3b82f6"]);
    }

    #[test]
    fn cluster_radius_grows_and_is_capped() {
        assert!(cluster_radius(1) < cluster_radius(100));
        assert!(cluster_radius(100) < cluster_radius(10_000));
        assert_eq!(cluster_radius(100_000_000), 34.0);
    }
}
