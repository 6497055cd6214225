//! Replay (回放): the map at a past instant, the cursor's range and play speeds. Pure rules; the
//! data module moves the cursor and asks the service for the picture (`viewport?at=`).

use chrono::Duration;
use cityops_api::{CST, Timestamp};

use crate::i18n::Lang;

/// How far back the time bar reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayRange {
    /// The last 24 hours.
    Day,
    /// The last 7 days.
    Week,
}

impl ReplayRange {
    /// Its length.
    pub fn span(self) -> Duration {
        match self {
            ReplayRange::Day => Duration::hours(24),
            ReplayRange::Week => Duration::days(7),
        }
    }
}

/// Play speeds: service seconds per real second.
pub const SPEEDS: [u32; 3] = [60, 600, 3600];

/// The cursor kept inside the range ending at `now`.
pub fn clamp(at: Timestamp, range: ReplayRange, now: Timestamp) -> Timestamp {
    at.max(now - range.span()).min(now)
}

/// The cursor after `real_ms` of play at `speed`; `None` once it reaches `now` (replay ends and
/// the map is live again).
pub fn advance(at: Timestamp, speed: u32, real_ms: i64, now: Timestamp) -> Option<Timestamp> {
    let next = at + Duration::milliseconds(real_ms.saturating_mul(i64::from(speed)));
    (next < now).then_some(next)
}

/// Minutes from the range's start to the cursor (the slider's value) and the range in minutes.
pub fn slider(at: Timestamp, range: ReplayRange, now: Timestamp) -> (i64, i64) {
    let start = now - range.span();
    ((clamp(at, range, now) - start).num_minutes(), range.span().num_minutes())
}

/// The cursor of a slider value.
pub fn from_slider(minutes: i64, range: ReplayRange, now: Timestamp) -> Timestamp {
    clamp(now - range.span() + Duration::minutes(minutes), range, now)
}

/// The replay state as the top of the screen says it: `回放 2026-03-02 08:00`.
pub fn replay_label(at: Timestamp, lang: Lang) -> String {
    let t = at.with_timezone(&CST).format("%Y-%m-%d %H:%M");
    match lang {
        Lang::Zh => format!("回放 {t}"),
        Lang::En => format!("Replay {t}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn the_cursor_stays_in_its_range_and_play_ends_at_now() {
        let now = t("2027-01-01T00:30:00+08:00");
        assert_eq!(
            clamp(t("2026-12-30T00:00:00+08:00"), ReplayRange::Day, now),
            t("2026-12-31T00:30:00+08:00")
        );
        assert_eq!(clamp(t("2027-01-02T00:00:00+08:00"), ReplayRange::Week, now), now);
        // ×3600 for a quarter of a second: a quarter of an hour, across the new year.
        let at = t("2026-12-31T23:50:00+08:00");
        assert_eq!(advance(at, 3600, 250, now), Some(t("2027-01-01T00:05:00+08:00")));
        assert_eq!(advance(t("2027-01-01T00:20:00+08:00"), 3600, 250, now), None, "reached now: live again");
        // The slider and back.
        let (v, max) = slider(t("2026-12-31T12:30:00+08:00"), ReplayRange::Day, now);
        assert_eq!((v, max), (12 * 60, 24 * 60));
        assert_eq!(from_slider(v, ReplayRange::Day, now), t("2026-12-31T12:30:00+08:00"));
        assert_eq!(replay_label(at, Lang::Zh), "回放 2026-12-31 23:50");
    }
}
