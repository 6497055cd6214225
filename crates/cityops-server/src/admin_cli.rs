//! Administrative subcommands that work on the store directly (no running service needed).

use cityops_api::Role;
use cityops_store::NewToken;

use crate::auth::{hash_token, new_token};
use crate::clock::Clock;
use crate::config::Config;

/// The 10 district codes of Qingdao a token may be scoped to.
pub const QINGDAO_DISTRICTS: [&str; 10] =
    ["370202", "370203", "370211", "370212", "370213", "370214", "370215", "370281", "370283", "370285"];

/// Create a token, store its hash and return the token itself.
pub async fn create_token(
    config: &Config,
    role: Role,
    district: Option<String>,
    label: Option<String>,
) -> anyhow::Result<String> {
    if let Some(d) = &district
        && !QINGDAO_DISTRICTS.contains(&d.as_str())
    {
        anyhow::bail!("unknown district {d:?}: use one of {}", QINGDAO_DISTRICTS.join(", "));
    }
    let label = label.unwrap_or_else(|| cityops_api::wire_name(&role));
    if label.is_empty() || label.len() > 64 {
        anyhow::bail!("label must be 1..=64 characters");
    }
    let store = cityops_store::open(&config.database_url).await?;
    let token = new_token()?;
    store
        .create_token(
            NewToken {
                hash: hash_token(&token),
                role,
                district_code: district,
                label,
                created_at: cityops_core::calendar::to_timestamp(crate::clock::SystemClock.now()),
            },
            &cityops_store::Author::cli(),
        )
        .await?;
    Ok(token)
}

/// Revoke the tokens labelled `label`; returns how many were live.
pub async fn revoke_tokens(config: &Config, label: &str) -> anyhow::Result<u64> {
    let store = cityops_store::open(&config.database_url).await?;
    let at = cityops_core::calendar::to_timestamp(crate::clock::SystemClock.now());
    Ok(store.revoke_tokens(label, &cityops_store::Author::cli(), at).await?)
}

/// `calendar import FILE`: load a notice file into the store (audited as `cli`). Returns the
/// per-year report as text.
pub async fn calendar_import(config: &Config, file: &std::path::Path) -> anyhow::Result<String> {
    use anyhow::Context;
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let store = cityops_store::open(&config.database_url).await?;
    let current = crate::calendar::load(&*store).await?;
    let by = crate::calendar::Loader {
        actor: "cli".into(),
        role: Role::Admin,
        remote: "local".into(),
        at: cityops_core::calendar::to_timestamp(crate::clock::SystemClock.now()),
    };
    let (_, report) = crate::calendar::import(&*store, &current, &text, &by)
        .await
        .with_context(|| format!("{}: notice refused, nothing changed", file.display()))?;
    let mut out = String::new();
    for y in &report.years {
        let was = cityops_api::wire_name(&y.previous);
        out.push_str(&if y.changed {
            format!("{}: notice loaded (was {was})\n", y.year)
        } else {
            format!("{}: unchanged (the same notice is already in force)\n", y.year)
        });
    }
    Ok(out)
}

/// `calendar show YEAR`: the year as the service sees it (bundled and loaded notices, else the
/// statutory rule).
pub async fn calendar_show(config: &Config, year: i32) -> anyhow::Result<String> {
    let store = cityops_store::open(&config.database_url).await?;
    let loaded = crate::calendar::load(&*store).await?;
    let dto = crate::calendar::year_dto(&loaded, year)?;
    Ok(crate::calendar::render_year(&dto, &loaded.calendar)?)
}

/// `briefing --from --to [--district] --out FILE.pdf|FILE.png`: the leadership briefing from the
/// store, read only (no rules run, no snapshot written), with its progress on stderr. Returns
/// what was written.
pub async fn briefing(
    config: &Config,
    from: &str,
    to: &str,
    district: Option<String>,
    out: &std::path::Path,
) -> anyhow::Result<String> {
    use anyhow::Context;
    let time = |what: &str, v: &str| {
        chrono::DateTime::parse_from_rfc3339(v).with_context(|| {
            format!("--{what} {v:?} is not an RFC 3339 time with zone (e.g. 2026-03-02T00:00:00+08:00)")
        })
    };
    let ask = crate::app::briefing::Ask { from: time("from", from)?, to: time("to", to)?, area: district };
    use crate::app::briefing::Form;
    let form = match out.extension().and_then(|e| e.to_str()) {
        Some("pdf") => Form::Pdf,
        Some("png") => Form::Png,
        _ => anyhow::bail!("--out {}: name a .pdf or a .png file", out.display()),
    };
    #[allow(clippy::print_stderr, reason = "the progress of a long command, for the person running it")]
    let progress = |n: usize, of: usize, step: &str| eprintln!("[{n}/{of}] {step}");
    progress(0, 5, "打开数据 (opening the store and the city)");
    let store = cityops_store::open(&config.database_url).await?;
    let city = std::sync::Arc::new(tokio::task::spawn_blocking(crate::city::City::qingdao).await??);
    let clock: std::sync::Arc<dyn crate::clock::Clock> = std::sync::Arc::new(crate::clock::SystemClock);
    let history = crate::history::HistoryConfig { keep: false, ..config.history };
    let state = crate::state::AppState::new(store, city, clock, history).await?;
    let caller = crate::auth::Caller {
        label: "cli".into(),
        role: cityops_api::Role::Leader,
        district: None,
        remote: "local".into(),
    };
    let bytes = crate::app::briefing::make(&state, &caller, &ask, form, &progress)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.0.message))?;
    std::fs::write(out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(format!("{} ({} bytes)\n", out.display(), bytes.len()))
}
