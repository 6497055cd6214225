//! Time as the console shows it (China Standard Time, the service's clock: simulations run
//! faster than the wall clock, `cityops_api::ServiceClock`), time left to a deadline, and the
//! state of the live connection.

pub use cityops_api::ServiceClock;
use cityops_api::Timestamp;

use crate::i18n::{Lang, Msg};

/// Time to a deadline, for "time left" columns: e.g. `剩余 3小时20分` / `3 h 20 min left`, or
/// `已超时 1天2小时` / `overdue by 1 d 2 h`. Clock time; working-time limits are the service's.
pub fn time_left(deadline: Timestamp, now: Timestamp, lang: Lang) -> (String, bool) {
    let secs = (deadline - now).num_seconds();
    let overdue = secs < 0;
    let s = secs.unsigned_abs();
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    let span = match lang {
        Lang::Zh if d > 0 => format!("{d}天{h}小时"),
        Lang::Zh if h > 0 => format!("{h}小时{m}分"),
        Lang::Zh => format!("{m}分"),
        Lang::En if d > 0 => format!("{d} d {h} h"),
        Lang::En if h > 0 => format!("{h} h {m} min"),
        Lang::En => format!("{m} min"),
    };
    let text = match (lang, overdue) {
        (Lang::Zh, false) => format!("{} {span}", Msg::TimeLeft.text(lang)),
        (Lang::Zh, true) => format!("{} {span}", Msg::OverdueBy.text(lang)),
        (Lang::En, false) => format!("{span} {}", Msg::TimeLeft.text(lang)),
        (Lang::En, true) => format!("{} {span}", Msg::OverdueBy.text(lang)),
    };
    (text, overdue)
}

/// Working time left as the queue reports it (`minutes`; negative once overdue): `剩余 1工作时20分`,
/// `超期 5工作分`.
pub fn working_left(minutes: i64, lang: Lang) -> String {
    let (h, m) = (minutes.unsigned_abs() / 60, minutes.unsigned_abs() % 60);
    match (lang, minutes < 0) {
        (Lang::Zh, over) => {
            let span = if h > 0 { format!("{h}工作时{m}分") } else { format!("{m}工作分") };
            format!("{} {span}", if over { "超期" } else { "剩余" })
        }
        (Lang::En, over) => {
            let span = if h > 0 { format!("{h} working h {m} min") } else { format!("{m} working min") };
            if over { format!("overdue by {span}") } else { format!("{span} left") }
        }
    }
}

/// Format a timestamp for display in China Standard Time: `11-29 14:05`.
pub fn short_time(t: Timestamp) -> String {
    t.with_timezone(&cityops_api::CST).format("%m-%d %H:%M").to_string()
}

/// Format a timestamp with seconds: `2026-11-29 14:05:09`.
pub fn long_time(t: Timestamp) -> String {
    t.with_timezone(&cityops_api::CST).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// State of the live connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// No service configured: base map only.
    NoServer,
    /// Opening the stream.
    Connecting,
    /// Receiving events.
    Live,
    /// The stream dropped; retrying. The picture is the last one received.
    Reconnecting,
}

impl Connection {
    /// Status-bar text.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Connection::NoServer => Msg::NoServer.text(lang),
            Connection::Connecting => Msg::Connecting.text(lang),
            Connection::Live => Msg::Live.text(lang),
            Connection::Reconnecting => Msg::Disconnected.text(lang),
        }
    }
}

/// Which service the desktop console follows (Tauri commands `service_info` and `use_service`).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub struct ServiceInfo {
    /// Base URL of the service.
    pub server: String,
    /// Whether it is the console's embedded service.
    pub embedded: bool,
}

/// What became of an action the desktop console kept while its service was unreachable.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct OutboxOutcome {
    /// The case.
    pub case_id: i64,
    /// The action.
    pub action: cityops_api::Action,
    /// Whether the service applied it.
    pub accepted: bool,
    /// The case number and new stage, or the service's reason for refusing.
    pub message: String,
}

/// The desktop console's outbox (Tauri command `outbox`).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub struct OutboxStatus {
    /// Actions waiting for the service.
    pub pending: usize,
    /// Actions sent since the last ask.
    pub sent: Vec<OutboxOutcome>,
}

/// One line for the toast about sent actions: how many were applied, and each refusal with its
/// reason. `action` names an action in the console's language.
pub fn outbox_summary(
    sent: &[OutboxOutcome],
    zh: bool,
    action: impl Fn(cityops_api::Action) -> &'static str,
) -> String {
    let ok = sent.iter().filter(|o| o.accepted).count();
    let refused: Vec<String> = sent
        .iter()
        .filter(|o| !o.accepted)
        .map(|o| format!("{} #{}: {}", action(o.action), o.case_id, o.message))
        .collect();
    let head = if zh {
        format!("离线操作已提交:{ok} 项已执行,{} 项被拒绝", refused.len())
    } else {
        format!("Offline actions sent: {ok} applied, {} refused", refused.len())
    };
    if refused.is_empty() { head } else { format!("{head}({})", refused.join(";")) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::test_support::*;

    #[test]
    fn the_outbox_summary_counts_and_names_refusals() {
        let o = |accepted: bool, message: &str| OutboxOutcome {
            case_id: 7,
            action: cityops_api::Action::Supervise,
            accepted,
            message: message.into(),
        };
        let name = |_| "督办";
        assert_eq!(
            outbox_summary(&[o(true, "QD1 任务处理")], true, name),
            "离线操作已提交:1 项已执行,0 项被拒绝"
        );
        assert_eq!(
            outbox_summary(&[o(true, "x"), o(false, "case 7 is closed")], false, |_| "Urge"),
            "Offline actions sent: 1 applied, 1 refused(Urge #7: case 7 is closed)"
        );
    }
    use cityops_api::CST;

    #[test]
    fn working_time_left_reads_in_both_languages() {
        assert_eq!(working_left(80, Lang::Zh), "剩余 1工作时20分");
        assert_eq!(working_left(-5, Lang::Zh), "超期 5工作分");
        assert_eq!(working_left(0, Lang::Zh), "剩余 0工作分");
        assert_eq!(working_left(-125, Lang::En), "overdue by 2 working h 5 min");
        assert_eq!(working_left(45, Lang::En), "45 working min left");
    }

    #[test]
    fn time_left_reads_in_both_languages() {
        let now = t("2026-11-29T10:00:00+08:00");
        assert_eq!(
            time_left(t("2026-11-29T13:20:00+08:00"), now, Lang::Zh),
            ("剩余 3小时20分".into(), false)
        );
        assert_eq!(
            time_left(t("2026-11-29T13:20:00+08:00"), now, Lang::En),
            ("3 h 20 min left".into(), false)
        );
        assert_eq!(
            time_left(t("2026-11-28T08:00:00+08:00"), now, Lang::Zh),
            ("已超时 1天2小时".into(), true)
        );
        assert_eq!(short_time(t("2026-11-29T02:05:00Z")), "11-29 10:05");
        assert_eq!(
            long_time(t("2026-11-29T02:05:09Z").with_timezone(&CST).fixed_offset()),
            "2026-11-29 10:05:09"
        );
    }

    #[test]
    fn the_service_clock_runs_at_its_scale() {
        let h: cityops_api::HealthDto = serde_json::from_str(
            r#"{"status":"ok","store":"sqlite","last_event_id":3,"now":"2026-11-29T18:06:07+08:00","time_scale":30.0}"#,
        )
        .unwrap();
        let c = ServiceClock::from_health(&h, 1_000.0);
        assert!(c.simulated());
        // Two wall seconds later the service is a minute further.
        assert_eq!(c.now(3_000.0), t("2026-11-29T18:07:07+08:00"));
        let real = ServiceClock::new(t("2026-11-29T10:00:00+08:00"), 0.0, 1.0);
        assert!(!real.simulated());
        assert_eq!(real.now(500.0), t("2026-11-29T10:00:00.5+08:00"));
    }
}
