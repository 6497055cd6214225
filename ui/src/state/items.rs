//! What is under the cursor: hit testing against the drawn discs, the one-line explanation of an
//! item, and the card of a thematic feature.

use std::collections::BTreeMap;

use cityops_api::{LayerKind, MapItemDto, StatusClass, Timestamp};

use super::CaseMark;
use super::clock::short_time;
use crate::geo::View;
use crate::i18n::Lang;
use crate::style::cluster_radius;

/// The item under a screen point: the nearest point or cluster whose drawn disc contains it.
/// Returns its index in `items`.
pub fn hit_test(items: &[MapItemDto], view: &View, px: f64, py: f64) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, item) in items.iter().enumerate() {
        let (lon, lat, r) = match item {
            MapItemDto::Point { lon, lat, .. } => (*lon, *lat, 9.0),
            MapItemDto::Cluster { lon, lat, mix, .. } => (*lon, *lat, cluster_radius(mix.total())),
        };
        let (x, y) = view.to_screen(lon, lat);
        let d2 = (x - px).powi(2) + (y - py).powi(2);
        if d2 <= r * r && best.is_none_or(|(_, b)| d2 < b) {
            best = Some((i, d2));
        }
    }
    best.map(|(i, _)| i)
}

/// One line explaining a map item under the cursor: what it is and what its numbers count.
pub fn describe_item(item: &MapItemDto, cases: &BTreeMap<i64, CaseMark>, lang: Lang) -> String {
    let class_name = |c: StatusClass| match (c, lang) {
        (StatusClass::Open, Lang::Zh) => "办理中",
        (StatusClass::Overdue, Lang::Zh) => "超期",
        (StatusClass::Closed, Lang::Zh) => "已结案",
        (StatusClass::Open, Lang::En) => "open",
        (StatusClass::Overdue, Lang::En) => "overdue",
        (StatusClass::Closed, Lang::En) => "closed",
        (StatusClass::DueSoon, Lang::Zh) => "临期",
        (StatusClass::DueSoon, Lang::En) => "due soon",
    };
    match item {
        MapItemDto::Cluster { layer, mix, .. } => {
            let parts = [
                (StatusClass::Overdue, mix.overdue),
                (StatusClass::DueSoon, mix.due_soon),
                (StatusClass::Open, mix.open),
                (StatusClass::Closed, mix.closed),
            ]
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(c, n)| format!("{} {n}", class_name(*c)))
            .collect::<Vec<_>>()
            .join(" · ");
            let total = mix.total();
            match lang {
                Lang::Zh => format!("{} {total} 个:{parts}(点击放大)", crate::i18n::layer(*layer, lang)),
                Lang::En => {
                    format!("{total} {}: {parts} (click to zoom in)", crate::i18n::layer(*layer, lang))
                }
            }
        }
        MapItemDto::Point { layer: LayerKind::Cases, id, status, .. } => {
            let stage = i64::try_from(*id)
                .ok()
                .and_then(|i| cases.get(&i))
                .map(|m| format!(" · {}", crate::i18n::stage(m.stage, lang)))
                .unwrap_or_default();
            format!("{} #{id}{stage} · {}", crate::i18n::layer(LayerKind::Cases, lang), class_name(*status))
        }
        MapItemDto::Point { layer, id, status, .. } => {
            // For equipment and vehicles the classes read as normal / alarm / offline.
            let word = match (status, lang) {
                (StatusClass::Open | StatusClass::DueSoon, Lang::Zh) => "正常",
                (StatusClass::Overdue, Lang::Zh) => "告警",
                (StatusClass::Closed, Lang::Zh) => "停用",
                (StatusClass::Open | StatusClass::DueSoon, Lang::En) => "normal",
                (StatusClass::Overdue, Lang::En) => "alarm",
                (StatusClass::Closed, Lang::En) => "offline",
            };
            format!("{} #{id} · {word}", crate::i18n::layer(*layer, lang))
        }
    }
}

/// The card of a thematic feature (compound, route, site, camera): labelled rows from its
/// properties, with the latest readings of a site's dust and noise sensors when they have
/// reported. Provenance fields are left out; `synthetic` becomes a note.
pub fn feature_card(
    layer: LayerKind,
    props: &serde_json::Map<String, serde_json::Value>,
    sensors: &BTreeMap<String, (f64, String, String, Timestamp)>,
    lang: Lang,
) -> Vec<(String, String)> {
    use serde_json::Value;
    let zh = lang == Lang::Zh;
    let label = |k: &str| -> String {
        let (z, e) = match k {
            "id" => ("编号", "Id"),
            "name" => ("名称", "Name"),
            "households" => ("户数", "Households"),
            "sorting_status" => ("垃圾分类", "Waste sorting"),
            "builder" => ("施工单位", "Builder"),
            "stage" => ("施工阶段", "Works stage"),
            "permit_no" => ("施工许可证号", "Permit no."),
            "buildings" => ("单体数", "Buildings"),
            "area_m2" => ("面积 m²", "Area m²"),
            "dust_sensor_id" => ("扬尘监测 PM10", "Dust PM10"),
            "noise_sensor_id" => ("噪声监测", "Noise"),
            "facility_id" => ("所属设施", "Facility"),
            "stops" => ("收运点数", "Stops"),
            "grid_code" => ("单元网格", "Grid"),
            "community_code" => ("社区", "Community"),
            "district_code" => ("区(市)", "District"),
            other => return other.to_owned(),
        };
        (if zh { z } else { e }).to_owned()
    };
    let mut rows =
        vec![(if zh { "图层" } else { "Layer" }.to_owned(), crate::i18n::layer(layer, lang).to_owned())];
    for (k, v) in props {
        if matches!(k.as_str(), "source" | "synthetic" | "heading_deg" | "fov_deg" | "range_m") {
            continue;
        }
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Array(a) => a.len().to_string(),
            _ => continue,
        };
        let text = if k.ends_with("_sensor_id") {
            match sensors.get(&text) {
                Some((value, unit, _, at)) => format!("{text}: {value} {unit} ({})", short_time(*at)),
                None => format!("{text}: {}", if zh { "暂无读数" } else { "no reading yet" }),
            }
        } else {
            text
        };
        rows.push((label(k), text));
    }
    if props.get("synthetic").and_then(Value::as_bool) == Some(true) {
        rows.push((
            if zh { "说明" } else { "Note" }.to_owned(),
            if zh { "合成数据" } else { "synthetic" }.to_owned(),
        ));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Picture;
    use crate::state::test_support::*;
    use cityops_api::{Stage, StatusMix};

    #[test]
    fn hit_testing_prefers_the_nearest_disc() {
        let v = View::new(120.38, 36.07, 14.0, 800.0, 600.0);
        let items = vec![
            MapItemDto::Cluster {
                layer: LayerKind::Cases,
                lon: 120.38,
                lat: 36.07,
                mix: StatusMix { open: 90, overdue: 5, closed: 5, due_soon: 0 },
            },
            MapItemDto::Point {
                layer: LayerKind::Cases,
                id: 1,
                lon: 120.3805,
                lat: 36.07,
                status: StatusClass::Open,
            },
        ];
        let (px, py) = v.to_screen(120.3805, 36.07);
        assert_eq!(hit_test(&items, &v, px + 1.0, py), Some(1));
        assert_eq!(hit_test(&items, &v, 400.0, 300.0), Some(0));
        assert_eq!(hit_test(&items, &v, 10.0, 10.0), None);
    }

    #[test]
    fn items_under_the_cursor_explain_their_numbers() {
        let cluster = MapItemDto::Cluster {
            layer: LayerKind::Cases,
            lon: 120.0,
            lat: 36.0,
            mix: StatusMix { open: 10, overdue: 2, closed: 0, due_soon: 0 },
        };
        let marks = BTreeMap::new();
        assert_eq!(describe_item(&cluster, &marks, Lang::Zh), "案件 12 个:超期 2 · 办理中 10(点击放大)");
        assert_eq!(
            describe_item(&cluster, &marks, Lang::En),
            "12 Cases: overdue 2 · open 10 (click to zoom in)"
        );
        let mut p = Picture::default();
        p.note_case(&case(5, Stage::Handle, false));
        let point = MapItemDto::Point {
            layer: LayerKind::Cases,
            id: 5,
            lon: 120.0,
            lat: 36.0,
            status: StatusClass::Open,
        };
        assert_eq!(describe_item(&point, &p.cases, Lang::Zh), "案件 #5 · 任务处理 · 办理中");
        let camera = MapItemDto::Point {
            layer: LayerKind::Cameras,
            id: 41,
            lon: 120.0,
            lat: 36.0,
            status: StatusClass::Open,
        };
        assert_eq!(describe_item(&camera, &p.cases, Lang::Zh), "视频监控 #41 · 正常");
    }

    #[test]
    fn site_cards_show_their_sensor_readings() {
        let props: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
            r#"{"id":"QD-GD-0001","builder":"青岛某建工","dust_sensor_id":"QD-PM10-0001",
                "noise_sensor_id":"QD-NOISE-0001","source":"generated","synthetic":true}"#,
        )
        .unwrap();
        let sensors = BTreeMap::from([(
            "QD-PM10-0001".to_owned(),
            (180.0, "µg/m³".to_owned(), "pm10".to_owned(), t("2026-11-29T10:05:00+08:00")),
        )]);
        let rows = feature_card(LayerKind::Sites, &props, &sensors, Lang::Zh);
        assert_eq!(rows[0], ("图层".to_owned(), "建筑工地".to_owned()));
        assert!(
            rows.contains(&("扬尘监测 PM10".to_owned(), "QD-PM10-0001: 180 µg/m³ (11-29 10:05)".to_owned()))
        );
        assert!(rows.contains(&("噪声监测".to_owned(), "QD-NOISE-0001: 暂无读数".to_owned())));
        assert!(!rows.iter().any(|(k, _)| k == "source"));
        assert_eq!(rows.last().unwrap().1, "合成数据");
    }
}
