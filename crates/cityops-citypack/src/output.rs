//! Output side of the generator: WGS84 polygons rounded to integer micro-degrees (the 6 decimals
//! the files carry), noding of shared boundaries, and GeoJSON text.

use geo::{Coord, LineString, MultiLineString, MultiPolygon, Polygon};
use rstar::{AABB, RTree};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// A point in integer micro-degrees (lon, lat).
pub type IPt = [i64; 2];
/// A ring: closed (first == last).
pub type IRing = Vec<IPt>;
/// A polygon: exterior then holes.
pub type IPoly = Vec<IRing>;
/// A multipolygon.
pub type IMulti = Vec<IPoly>;

/// Micro-degrees per degree.
pub const SCALE: f64 = 1e6;

/// Round one coordinate to micro-degrees.
pub fn round_pt(c: Coord<f64>) -> IPt {
    [(c.x * SCALE).round() as i64, (c.y * SCALE).round() as i64]
}

fn ring_area2(r: &IRing) -> i128 {
    r.windows(2).map(|w| w[0][0] as i128 * w[1][1] as i128 - w[1][0] as i128 * w[0][1] as i128).sum()
}

fn clean_ring(ls: &LineString<f64>) -> Option<IRing> {
    let mut r: IRing = Vec::with_capacity(ls.0.len());
    for c in &ls.0 {
        let p = round_pt(*c);
        if r.last() != Some(&p) {
            r.push(p);
        }
    }
    if r.first() != r.last() {
        let f = r[0];
        r.push(f);
    }
    (r.len() >= 4 && ring_area2(&r) != 0).then_some(r)
}

/// Round a WGS84 multipolygon to micro-degrees, dropping rings that collapse. RFC 7946 winding:
/// exteriors counter-clockwise, holes clockwise.
pub fn round_multi(mp: &MultiPolygon<f64>) -> IMulti {
    let mut out = IMulti::new();
    for p in &mp.0 {
        let Some(mut ext) = clean_ring(p.exterior()) else { continue };
        if ring_area2(&ext) < 0 {
            ext.reverse();
        }
        let mut poly = vec![ext];
        for h in p.interiors() {
            if let Some(mut h) = clean_ring(h) {
                if ring_area2(&h) > 0 {
                    h.reverse();
                }
                poly.push(h);
            }
        }
        out.push(poly);
    }
    out
}

/// Round, then let the overlay merge parts that rounding made touch along a line and split rings
/// that rounding made cross themselves (a self-union), and round again.
pub fn round_valid(mp: &MultiPolygon<f64>) -> IMulti {
    use geo::BooleanOps;
    let once = round_multi(mp);
    round_multi(&to_geo(&once).union(&MultiPolygon::<f64>(vec![])))
}

/// Back to float degrees.
pub fn to_geo(m: &[IPoly]) -> MultiPolygon<f64> {
    let ring = |r: &IRing| {
        LineString(r.iter().map(|p| Coord { x: p[0] as f64 / SCALE, y: p[1] as f64 / SCALE }).collect())
    };
    MultiPolygon(m.iter().map(|p| Polygon::new(ring(&p[0]), p[1..].iter().map(ring).collect())).collect())
}

/// Node shared boundaries: every vertex of any polygon that lies within `tol_m` metres of another
/// polygon's edge (but is not one of its end points) is inserted into that edge. After rounding,
/// neighbouring cells then trace identical vertex chains, so they neither overlap nor leave gaps.
/// Returns the number of inserted vertices.
pub fn node(polys: &mut [IMulti], tol_m: f64) -> usize {
    let set: BTreeSet<IPt> = polys.iter().flatten().flatten().flatten().copied().collect();
    let tree = RTree::bulk_load(set.into_iter().collect::<Vec<_>>());
    // metres per micro-degree at Qingdao's latitude
    let my = cityops_core::geom::metres_per_deg_lat() / SCALE;
    let mx = cityops_core::geom::metres_per_deg_lon() / SCALE;
    let pad = (tol_m / mx.min(my)).ceil() as i64 + 1;
    let mut inserted = 0;
    for mp in polys.iter_mut() {
        for poly in mp.iter_mut() {
            for ring in poly.iter_mut() {
                let mut out: IRing = Vec::with_capacity(ring.len());
                for w in ring.windows(2) {
                    let (a, b) = (w[0], w[1]);
                    out.push(a);
                    let env = AABB::from_corners(
                        [a[0].min(b[0]) - pad, a[1].min(b[1]) - pad],
                        [a[0].max(b[0]) + pad, a[1].max(b[1]) + pad],
                    );
                    let (dx, dy) = ((b[0] - a[0]) as f64 * mx, (b[1] - a[1]) as f64 * my);
                    let len2 = dx * dx + dy * dy;
                    if len2 == 0.0 {
                        continue;
                    }
                    let mut hits: Vec<(f64, IPt)> = tree
                        .locate_in_envelope(&env)
                        .filter(|p| **p != a && **p != b)
                        .filter_map(|p| {
                            let (px, py) = ((p[0] - a[0]) as f64 * mx, (p[1] - a[1]) as f64 * my);
                            let t = (px * dx + py * dy) / len2;
                            let d = ((px - t * dx).powi(2) + (py - t * dy).powi(2)).sqrt();
                            (t > 0.0 && t < 1.0 && d <= tol_m).then_some((t, *p))
                        })
                        .collect();
                    hits.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
                    inserted += hits.len();
                    out.extend(hits.into_iter().map(|(_, p)| p));
                }
                if let Some(l) = ring.last() {
                    out.push(*l);
                }
                *ring = out;
            }
        }
    }
    inserted
}

fn push_num(s: &mut String, v: i64) {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    let (int, frac) = (a / 1_000_000, a % 1_000_000);
    if frac == 0 {
        let _ = write!(s, "{sign}{int}");
    } else {
        let f = format!("{frac:06}");
        let _ = write!(s, "{sign}{int}.{}", f.trim_end_matches('0'));
    }
}

/// A micro-degree value as decimal degrees text (at most six decimals, no trailing zeros).
pub fn fmt_micro(v: i64) -> String {
    let mut s = String::new();
    push_num(&mut s, v);
    s
}

fn push_ring(s: &mut String, r: &[IPt]) {
    s.push('[');
    for (k, p) in r.iter().enumerate() {
        if k > 0 {
            s.push(',');
        }
        s.push('[');
        push_num(s, p[0]);
        s.push(',');
        push_num(s, p[1]);
        s.push(']');
    }
    s.push(']');
}

/// GeoJSON geometry text of a multipolygon.
pub fn multi_polygon_json(m: &IMulti) -> String {
    let mut s = String::from(r#"{"type":"MultiPolygon","coordinates":["#);
    for (k, p) in m.iter().enumerate() {
        if k > 0 {
            s.push(',');
        }
        s.push('[');
        for (j, r) in p.iter().enumerate() {
            if j > 0 {
                s.push(',');
            }
            push_ring(&mut s, r);
        }
        s.push(']');
    }
    s.push_str("]}");
    s
}

/// GeoJSON geometry text of lines (rounded to micro-degrees).
pub fn multi_line_json(m: &MultiLineString<f64>) -> String {
    let mut s = String::from(r#"{"type":"MultiLineString","coordinates":["#);
    for (k, l) in m.0.iter().enumerate() {
        if k > 0 {
            s.push(',');
        }
        let r: Vec<IPt> = l.0.iter().map(|c| round_pt(*c)).collect();
        push_ring(&mut s, &r);
    }
    s.push_str("]}");
    s
}

/// GeoJSON geometry text of a point (rounded to micro-degrees).
pub fn point_json(c: Coord<f64>) -> String {
    let p = round_pt(c);
    let mut s = String::from(r#"{"type":"Point","coordinates":["#);
    push_num(&mut s, p[0]);
    s.push(',');
    push_num(&mut s, p[1]);
    s.push_str("]}");
    s
}

/// A FeatureCollection, one feature per line: (properties JSON object, geometry JSON).
pub fn feature_collection(features: &[(serde_json::Value, String)]) -> String {
    let mut s = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (k, (props, geom)) in features.iter().enumerate() {
        if k > 0 {
            s.push_str(",\n");
        }
        let _ = write!(s, r#"{{"type":"Feature","properties":{props},"geometry":{geom}}}"#);
    }
    s.push_str("\n]}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_with_at_most_six_decimals() {
        for (v, want) in
            [(120_380_420, "120.38042"), (36_000_000, "36"), (-1_500_000, "-1.5"), (5, "0.000005")]
        {
            let mut s = String::new();
            push_num(&mut s, v);
            assert_eq!(s, want);
        }
    }

    #[test]
    fn noding_inserts_a_t_junction_vertex() {
        // square A with edge (0,0)-(10,0)... B touches the middle of A's top edge with a vertex
        let a: IMulti = vec![vec![vec![[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]]]];
        let b: IMulti = vec![vec![vec![[0, 100], [50, 101], [100, 100], [100, 200], [0, 200], [0, 100]]]];
        let mut v = vec![a, b];
        let n = node(&mut v, 0.2);
        assert_eq!(n, 1);
        assert!(v[0][0][0].contains(&[50, 101]));
    }
}
