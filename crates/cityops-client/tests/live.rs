//! The live-stream reader against a scripted service on a loopback socket: a character split
//! across two network writes arrives whole; the reconnect delay grows while connections fail and
//! starts over after a healthy one; a half-open connection (headers, one keep-alive, then
//! silence with the socket open) is given up after the read deadline and reopened.

#![cfg(feature = "native")]
#![allow(clippy::unwrap_used)]

use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cityops_client::Backoff;
use cityops_client::native::{Follow, HttpTransport, LiveUpdate, follow_events_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const HEAD: &str = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n\r\n";

fn event(id: u64, message: &str) -> String {
    let body = serde_json::json!({"id": id, "at": "2027-01-01T00:00:05+08:00",
        "body": {"kind": "alert", "alert_id": format!("a{id}"), "rule": "dust", "message": message, "lon": 120.38, "lat": 36.07}});
    format!("id: {id}\ndata: {body}\n\n")
}

/// A service whose n-th connection (from 0) is answered by `script(n, socket)`.
async fn serve<F, Fut>(script: F) -> String
where
    F: Fn(usize, TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        for n in 0.. {
            let (mut socket, _) = listener.accept().await.unwrap();
            // Read the request head (one read is enough for a GET).
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            tokio::spawn(script(n, socket));
        }
    });
    base
}

fn transport(base: &str) -> HttpTransport {
    HttpTransport::new(base, "t").unwrap()
}

#[tokio::test]
async fn a_character_split_across_writes_arrives_whole() {
    let base = serve(|_, mut s| async move {
        let frame = event(1, "金湖路街道");
        let cut = frame.find('街').unwrap() + 1;
        s.write_all(HEAD.as_bytes()).await.unwrap();
        s.write_all(&frame.as_bytes()[..cut]).await.unwrap();
        s.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        s.write_all(&frame.as_bytes()[cut..]).await.unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    let t = transport(&base);
    let follow = follow_events_with(&t, 0, Follow::default(), move |u| match u {
        LiveUpdate::Event(e) => {
            g.lock().unwrap().push(*e);
            ControlFlow::Break(())
        }
        _ => ControlFlow::Continue(()),
    });
    tokio::time::timeout(Duration::from_secs(10), follow).await.unwrap();
    let got = got.lock().unwrap();
    assert!(
        matches!(&got[0].body, cityops_api::EventBody::Alert { message, .. } if message == "金湖路街道"),
        "{got:?}"
    );
}

#[tokio::test]
async fn the_reconnect_delay_starts_over_after_a_healthy_connection() {
    // Connections 0–2 close at once; 3 delivers an event and closes; 4–5 close at once.
    let base = serve(|n, mut s| async move {
        s.write_all(HEAD.as_bytes()).await.unwrap();
        if n == 3 {
            s.write_all(event(1, "ok").as_bytes()).await.unwrap();
        }
        s.shutdown().await.unwrap();
    })
    .await;
    let delays = Arc::new(Mutex::new(Vec::new()));
    let d = delays.clone();
    let how = Follow {
        backoff: Backoff::new(Duration::from_millis(10), Duration::from_secs(1)),
        ..Follow::default()
    };
    let t = transport(&base);
    let follow = follow_events_with(&t, 0, how, move |u| {
        if let LiveUpdate::Dropped { retry_in, .. } = u
            && retry_in > Duration::ZERO
        {
            let mut d = d.lock().unwrap();
            d.push(retry_in.as_millis());
            if d.len() == 6 {
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    });
    tokio::time::timeout(Duration::from_secs(10), follow).await.unwrap();
    assert_eq!(*delays.lock().unwrap(), vec![10, 20, 40, 10, 20, 40]);
}

#[tokio::test]
async fn a_half_open_connection_is_given_up_after_the_read_deadline() {
    let base = serve(|n, mut s| async move {
        s.write_all(HEAD.as_bytes()).await.unwrap();
        s.write_all(b": keep-alive\n\n").await.unwrap();
        if n == 1 {
            s.write_all(event(7, "reopened").as_bytes()).await.unwrap();
        }
        // Silence, with the socket open.
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await;
    let started = Instant::now();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let how = Follow {
        quiet: Duration::from_millis(100),
        read_deadline: Duration::from_millis(500),
        backoff: Backoff::new(Duration::from_millis(10), Duration::from_secs(1)),
    };
    let t = transport(&base);
    let follow = follow_events_with(&t, 0, how, move |u| match u {
        LiveUpdate::Dropped { error, .. } => {
            s.lock().unwrap().push(error);
            ControlFlow::Continue(())
        }
        LiveUpdate::Event(e) => {
            s.lock().unwrap().push(format!("event {}", e.id));
            ControlFlow::Break(())
        }
        _ => ControlFlow::Continue(()),
    });
    tokio::time::timeout(Duration::from_secs(10), follow).await.unwrap();
    let seen = seen.lock().unwrap();
    assert!(seen[0].contains("nothing heard"), "{seen:?}");
    assert_eq!(seen.last().map(String::as_str), Some("event 7"), "{seen:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "given up at the deadline, not at the socket's timeout"
    );
}
