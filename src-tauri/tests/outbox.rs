//! The outbox across a service that is down and comes back: an action taken while nothing
//! answers is kept on disk with its key; when the service answers, the actions go in order, each
//! applied once (also when one was sent but not crossed off before a crash), and a refused one
//! comes back with the service's reason.

#![allow(clippy::unwrap_used)]

use cityops_api::endpoint::Empty;
use cityops_api::query::IdPath;
use cityops_api::{Action, ActionRequest, CaseDto, ep};
use cityops_client::native::HttpTransport;
use cityops_client::{Client, ClientError};
use cityops_desktop::outbox::{Outbox, Queued, new_key};

async fn service(dir: &std::path::Path, port: u16) -> cityops_launcher::Embedded {
    let config = cityops_launcher::Config {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        log: "warn".into(),
        ..cityops_launcher::Config::embedded(format!("sqlite://{}", dir.join("svc.sqlite").display()))
    };
    cityops_launcher::start_embedded(config, "outbox-test").await.unwrap()
}

fn action(a: Action) -> ActionRequest {
    ActionRequest { action: a, unit_code: None, deadline: None, note: "离线时督办".into() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_wait_for_the_service_and_are_applied_once() {
    let dir = tempfile::tempdir().unwrap();
    // A port with nothing behind it yet: the service is "down".
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let outbox = Outbox::new(dir.path());

    // The service first runs elsewhere to file the case the operator works on (same store).
    let first = service(dir.path(), 0).await;
    let admin = Client::new(HttpTransport::new(&format!("http://{}", first.addr), &first.token).unwrap());
    let new = cityops_api::NewCaseDto::at(
        cityops_api::TypeKey { kind: cityops_api::TypeKind::Matter, code: "06010".into() },
        cityops_api::Channel::Inspector,
        120.3826,
        36.0671,
    );
    let case: CaseDto = admin.call::<ep::CreateCase>(&Empty {}, &Empty {}, &new).await.unwrap();
    let token = first.token.clone();
    first.task.abort();

    // Nothing answers at `base`: the attempt fails with a network error and the action is kept.
    let client = Client::new(HttpTransport::new(&base, &token).unwrap());
    let key = new_key();
    let urge = action(Action::Supervise);
    let tried = client.call_once::<ep::Act>(&IdPath { id: case.id }, &Empty {}, &urge, &key).await;
    assert!(matches!(tried, Err(ClientError::Network(_))), "{tried:?}");
    let queued = |key: &str, request: ActionRequest| Queued {
        key: key.to_owned(),
        service: base.clone(),
        case_id: case.id,
        request,
        queued_at: "2027-01-01T00:00:00Z".into(),
    };
    assert_eq!(outbox.push(queued(&key, urge.clone())).await.unwrap(), 1);
    // A second action, which the service will refuse (a case in 信息收集 cannot be closed).
    assert_eq!(outbox.push(queued(&new_key(), action(Action::Close))).await.unwrap(), 2);
    // Flushing while the service is still down sends nothing and keeps both.
    assert!(outbox.flush(&client, &base).await.unwrap().is_empty());
    assert_eq!(outbox.pending().await.unwrap().len(), 2);
    // The outbox is on disk: another console process reads the same.
    assert_eq!(Outbox::new(dir.path()).pending().await.unwrap().len(), 2);

    // The service comes back at `base`.
    let svc = service(dir.path(), port).await;
    let sent = outbox.flush(&client, &base).await.unwrap();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[0].accepted && sent[0].message.starts_with(&case.case_no), "{sent:?}");
    assert!(!sent[1].accepted && !sent[1].message.is_empty(), "{sent:?}");
    assert!(outbox.pending().await.unwrap().is_empty());
    let read = |c: &Client<HttpTransport>| {
        let c = c.clone();
        async move { c.get::<ep::GetCase>(&IdPath { id: case.id }, &Empty {}).await.unwrap() }
    };
    assert_eq!(read(&client).await.supervise_count, 1);

    // A console that sent the first action but stopped before crossing it off sends it again,
    // with the same key: the service answers as the first time and applies nothing.
    outbox.push(queued(&key, urge)).await.unwrap();
    let again = outbox.flush(&client, &base).await.unwrap();
    assert!(again[0].accepted, "{again:?}");
    assert_eq!(read(&client).await.supervise_count, 1, "applied once");
    svc.task.abort();
}
