//! Shared by the integration tests.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

/// A fresh PostgreSQL database (its name starts `cityops_{label}_`) beside the one
/// `CITYOPS_TEST_PG_URL` names, or None — allowed only outside CI — when none is configured.
pub async fn fresh_pg_url(label: &str) -> Option<String> {
    let Ok(url) = std::env::var("CITYOPS_TEST_PG_URL") else {
        assert!(std::env::var("CI").is_err(), "CI must provide CITYOPS_TEST_PG_URL");
        eprintln!("CITYOPS_TEST_PG_URL not set: PostgreSQL run skipped here");
        return None;
    };
    use sqlx::Connection;
    let name = format!(
        "cityops_{label}_{}_{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    );
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str()).await.unwrap();
    Some(format!("{}/{name}", &url[..url.rfind('/').unwrap()]))
}
