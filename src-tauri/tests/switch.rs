//! Switching the console's service (settings screen): the checks before a switch, against real
//! services on loopback, and the generation that stops the previous follower.

#![allow(clippy::unwrap_used)]

use cityops_desktop::service::{self, Desktop, ServiceError};
use clap::Parser;

async fn embedded(dir: &std::path::Path) -> cityops_launcher::Embedded {
    let config = cityops_launcher::Config {
        log: "warn".into(),
        ..cityops_launcher::Config::embedded(format!("sqlite://{}", dir.join("svc.sqlite").display()))
    };
    cityops_launcher::start_embedded(config, "switch-test").await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_switch_is_checked_before_it_happens() {
    let dir = tempfile::tempdir().unwrap();
    let svc = embedded(dir.path()).await;
    let base = format!("http://{}", svc.addr);

    // The right token: accepted, trailing slash and spaces tolerated.
    let ok = service::remote_checked(&format!(" {base}/ "), &svc.token).await.unwrap();
    assert_eq!(ok.base, base);
    assert!(!ok.embedded);

    // A wrong token: refused, naming the service.
    match service::remote_checked(&base, "not-a-token").await {
        Err(ServiceError::TokenRefused { base: b, .. }) => assert_eq!(b, base),
        other => panic!("expected TokenRefused, got {other:?}"),
    }
    // No token, no scheme, nothing listening, something that is not cityops.
    assert!(matches!(service::remote_checked(&base, "  ").await, Err(ServiceError::NoToken)));
    assert!(matches!(service::remote_checked("127.0.0.1:8480", "t").await, Err(ServiceError::BadUrl(_))));
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    assert!(matches!(
        service::remote_checked(&format!("http://{closed}"), "t").await,
        Err(ServiceError::Unreachable { .. })
    ));
    assert!(matches!(
        service::remote_checked(&format!("{base}/api/v1"), &svc.token).await,
        Err(ServiceError::Unreachable { .. })
    ));
    // https is spoken (rustls): against this plain-HTTP service the TLS handshake itself fails,
    // and the message says so, down to the cause.
    match service::remote_checked(&format!("https://{}", svc.addr), &svc.token).await {
        Err(ServiceError::Unreachable { why, .. }) => {
            assert!(why.contains("corrupt message") || why.contains("InvalidContentType"), "{why}")
        }
        other => panic!("expected a TLS failure, got {other:?}"),
    }
    match service::remote_checked(&format!("http://{closed}"), "t").await {
        Err(ServiceError::Unreachable { why, .. }) => {
            assert!(why.to_lowercase().contains("refused"), "{why}")
        }
        other => panic!("expected a refused connection, got {other:?}"),
    }
}

#[test]
fn a_switch_retires_the_previous_follower() {
    let desk = Desktop::default();
    assert!(desk.service().is_err(), "no service before the first connect");
    let first = service::remote_unchecked("http://127.0.0.1:1", "a").unwrap();
    let g1 = desk.set_service(first);
    assert_eq!(desk.with_map(g1, |m| m.is_none()), Some(true));
    desk.with_map(g1, |m| *m = Some(cityops_core::index::LiveMap::new().unwrap())).unwrap();

    let second = service::remote_unchecked("http://127.0.0.1:2", "b").unwrap();
    let g2 = desk.set_service(second);
    assert_ne!(g1, g2);
    assert_eq!(desk.service().unwrap().base, "http://127.0.0.1:2");
    // The switch cleared the old service's picture; the old follower can no longer touch the map.
    assert_eq!(desk.with_map(g2, |m| m.is_none()), Some(true));
    assert_eq!(desk.with_map(g1, |m| *m = Some(cityops_core::index::LiveMap::new().unwrap())), None);
    assert_eq!(desk.with_map(g2, |m| m.is_none()), Some(true));
    assert!(desk.embedded().is_none(), "no embedded service was started");
}

#[tokio::test]
async fn a_remote_chosen_in_the_settings_is_where_the_next_start_goes() {
    let dir = tempfile::tempdir().unwrap();
    let args = cityops_desktop::Args::try_parse_from([
        "cityops-desktop",
        "--data-dir",
        dir.path().to_str().unwrap(),
    ])
    .unwrap();
    assert_eq!(service::remembered_remote(&args), None);
    let remote = service::remote_unchecked("http://127.0.0.1:8480", "secret").unwrap();
    service::remember_remote(&args, Some(&remote));
    let file = dir.path().join("console-remote.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "owner-only");
    }
    // The next start goes there without starting the embedded service ...
    let svc = service::connect(&args).await.unwrap();
    assert_eq!((svc.base.as_str(), svc.token(), svc.embedded), ("http://127.0.0.1:8480", "secret", false));
    // ... unless the command line names another.
    let mut named = args.clone();
    named.server = Some("http://10.0.0.7:8480".into());
    named.token = Some("other".into());
    assert_eq!(service::connect(&named).await.unwrap().base, "http://10.0.0.7:8480");
    // Back to the embedded service: forgotten.
    service::remember_remote(&args, None);
    assert!(!file.exists());
    assert_eq!(service::remembered_remote(&args), None);
    service::remember_remote(&args, None);
}

#[tokio::test]
async fn use_the_embedded_service_starts_it_even_with_a_remote_remembered() {
    let dir = tempfile::tempdir().unwrap();
    let args = cityops_desktop::Args::try_parse_from([
        "cityops-desktop",
        "--no-simulation",
        "--data-dir",
        dir.path().to_str().unwrap(),
    ])
    .unwrap();
    service::remember_remote(&args, Some(&service::remote_unchecked("http://127.0.0.1:1", "t").unwrap()));
    // Start-up goes to the remembered service; the settings' "use the embedded service" does not.
    assert!(!cityops_desktop::connect(args.clone(), false).await.unwrap().embedded);
    let svc = cityops_desktop::connect(args, true).await.unwrap();
    assert!(svc.embedded && svc.base.starts_with("http://127.0.0.1:"), "{}", svc.base);
    let health = svc
        .client
        .get::<cityops_api::ep::Health>(&cityops_api::endpoint::Empty {}, &cityops_api::endpoint::Empty {})
        .await
        .unwrap();
    assert_eq!(health.status, "ok");
}
