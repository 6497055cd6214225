//! A simulated hour against a real in-process service (SQLite, loopback HTTP, scaled clock):
//! rates, channel proportions, and every case on land in the district it was placed in.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{NaiveDateTime, TimeDelta};
use cityops_api::{Channel, Role};
use cityops_server::auth::{hash_token, new_token};
use cityops_server::clock::ScaledClock;
use cityops_server::state::City;
use cityops_sim::{SimConfig, model};
use cityops_store::{CaseFilter, NewToken};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_monday_morning_hour_has_the_citys_rates_and_places() {
    let dir = tempfile::tempdir().unwrap();
    let store = cityops_store::open(&format!("sqlite://{}/sim.sqlite", dir.path().display())).await.unwrap();
    let origin = NaiveDateTime::parse_from_str("2026-03-02 09:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
    let scale = 120.0;
    let state = cityops_server::start_state(
        store.clone(),
        Arc::new(City::qingdao().unwrap()),
        Arc::new(ScaledClock::new(origin, scale)),
    )
    .await
    .unwrap();
    let admin = new_token().unwrap();
    store
        .create_token(
            NewToken {
                hash: hash_token(&admin),
                role: Role::Admin,
                district_code: None,
                label: "sim-admin".into(),
                created_at: cityops_core::calendar::to_timestamp(origin),
            },
            &cityops_store::Author::cli(),
        )
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = cityops_server::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut cfg = SimConfig::new(format!("http://{addr}"), admin);
    cfg.seed = 20260302;
    cfg.speed = Some(scale);
    cfg.duration = Some(TimeDelta::hours(1));
    // Sensors every 10 simulated minutes keep this debug-build test light; trucks drive as usual.
    cfg.sensor_every_min = 10;
    let summary = cityops_sim::run(cfg, std::future::pending()).await.unwrap();
    eprintln!("{summary}");

    // Rate: the published 9.54 M/year on the diurnal curve, 09:00–10:00 on a Monday.
    let expected: f64 = (0..60).map(|m| model::rate_per_minute(origin + TimeDelta::minutes(m))).sum();
    let reported: u64 = summary.reported.values().sum();
    assert!(
        (reported as f64 - expected).abs() < 5.0 * expected.sqrt(),
        "{reported} reports vs {expected:.0} expected"
    );
    // Proportions by channel (binomial, 5 standard deviations).
    for (ch, share) in model::CHANNEL_MIX {
        let n = summary.reported.get(&ch).copied().unwrap_or(0) as f64;
        let sd = (reported as f64 * share * (1.0 - share)).sqrt();
        assert!((n - reported as f64 * share).abs() < 5.0 * sd + 1.0, "{ch:?}: {n} of {reported}");
    }
    assert_eq!(summary.errors, 0, "the service accepted everything the simulator sent");
    let video = summary.reported[&Channel::VideoAi];
    assert_eq!(
        summary.created + summary.ignored + summary.merged,
        reported,
        "every report made a case, was a low-confidence detection or was merged into an open case"
    );
    assert!(summary.ignored > 0 && summary.ignored < video);

    // Every case lies on land in the district the simulator placed it in.
    let placed: HashMap<i64, String> = summary.placed.iter().cloned().collect();
    let mut seen = 0;
    let mut offset = 0;
    loop {
        let page = store
            .list_cases(&CaseFilter { limit: Some(1000), offset: Some(offset), ..Default::default() })
            .await
            .unwrap();
        for c in &page.items {
            let district =
                placed.get(&c.id).unwrap_or_else(|| panic!("case {} was not placed by the simulator", c.id));
            assert_eq!(&c.district_code, district, "case {}", c.id);
            let located = state.city.pack.locate(c.lon, c.lat).unwrap();
            assert_eq!(located.grid.code, c.grid_code);
            seen += 1;
        }
        if page.items.len() < 1000 {
            break;
        }
        offset += 1000;
    }
    assert_eq!(seen as u64, summary.created);
    // The morning collection (05:00–10:00 windows) is ending: some trucks are still out.
    assert!(summary.fixes > 50, "trucks drove: {} fixes", summary.fixes);
    assert_eq!(summary.readings, 6 * 1_400, "sensors read every 10 minutes");
    // The loop moves: cases were accepted, registered and dispatched within the hour.
    for a in [cityops_api::Action::Accept, cityops_api::Action::Register, cityops_api::Action::Dispatch] {
        assert!(summary.actions.get(&a).copied().unwrap_or(0) > 0, "{a:?}");
    }
    // The enforcement bureau works: patrol leads (some punished on the spot) and transfers, every
    // step accepted, every file in the store where the service placed it.
    let e = &summary.enforcement;
    assert!(e.opened >= 5 && e.on_spot >= 1 && e.steps >= e.on_spot, "{e:?}");
    assert_eq!(e.errors, 0, "{e:?}");
    let files = store
        .list_enf_files(&cityops_store::EnfFilter { limit: Some(1000), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(files.total, e.opened);
    for f in &files.items {
        assert_eq!(
            state.city.pack.locate(f.lon, f.lat).unwrap().district.code,
            f.district_code,
            "{}",
            f.file_no
        );
        assert!(f.party.as_ref().is_some_and(|p| p.name.contains("模拟")), "synthetic parties are labelled");
    }
}
