//! Replay (回放): the map at a past instant, the cursor's range and play speeds, and the stretch
//! of the event log that moves a replayed picture on without reloading it. Pure rules; the data
//! module moves the cursor and asks the service for the picture (`viewport?at=`) and the events
//! after it (`events/log`).

use chrono::Duration;
use cityops_api::{CST, EventBody, EventLogDto, LiveEvent, Timestamp};

use super::Picture;
use crate::i18n::Lang;

/// A stretch of the event log held while replaying: the events after the instant of the last
/// full picture (the keyframe) up to `until`, and how far the picture has taken them.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// The keyframe's instant.
    pub from: Timestamp,
    /// The events are whole up to here.
    pub until: Timestamp,
    /// The events, in order.
    pub events: Vec<LiveEvent>,
    /// How many of them the picture has taken.
    pub applied: usize,
    /// The instant the picture shows.
    pub shown: Timestamp,
}

/// How the picture reaches a new cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// By the events held: this many applied (0: only the clock moved).
    Deltas(usize),
    /// Past the stretch held: the events after it are needed (then the picture moves on).
    Beyond,
    /// Earlier than shown: a full picture is needed.
    Back,
}

/// Whether an event is one a person steps to (a case changing, an alert), not a vehicle's or a
/// sensor's routine report.
pub fn notable(e: &LiveEvent) -> bool {
    matches!(e.body, EventBody::Case { .. } | EventBody::CaseMark { .. } | EventBody::Alert { .. })
}

impl Segment {
    /// The stretch of `log`, shown at its start.
    pub fn new(log: EventLogDto) -> Self {
        Segment { from: log.from, until: log.until, events: log.items, applied: 0, shown: log.from }
    }

    /// Move `picture` to `at` with the events up to it, and age it to `at`.
    pub fn reach(&mut self, picture: &mut Picture, at: Timestamp) -> Reach {
        if at < self.shown {
            return Reach::Back;
        }
        if at > self.until {
            return Reach::Beyond;
        }
        let mut n = 0;
        while let Some(e) = self.events.get(self.applied).filter(|e| e.at <= at) {
            // A case reported before the keyframe is already drawn (as a point, or inside a
            // cluster): its change recolours a point, never adds one.
            if let Some(case) = e.case_mark()
                && case.created_at <= self.from
            {
                picture.cases.entry(case.id).or_insert_with(|| super::CaseMark::of_mark(&case));
            }
            picture.apply(e);
            self.applied += 1;
            n += 1;
        }
        self.shown = at;
        picture.age(at);
        Reach::Deltas(n)
    }

    /// Hold the next stretch too (`log` must start where this one ends; otherwise it is left).
    /// Returns whether it was taken.
    pub fn extend(&mut self, log: EventLogDto) -> bool {
        if log.from != self.until || log.until < self.until {
            return false;
        }
        let last = self.events.last().map_or(0, |e| e.id);
        self.events.extend(log.items.into_iter().filter(|e| e.id > last));
        self.until = log.until;
        true
    }

    /// The first notable event after `at` held here.
    pub fn next_after(&self, at: Timestamp) -> Option<Timestamp> {
        self.events.iter().filter(|e| notable(e)).map(|e| e.at).find(|t| *t > at)
    }

    /// The last notable event before `at` held here.
    pub fn last_before(&self, at: Timestamp) -> Option<Timestamp> {
        self.events.iter().filter(|e| notable(e)).map(|e| e.at).rfind(|t| *t < at)
    }
}

/// How far ahead of a keyframe the console asks for events: what twenty seconds of play cover
/// at `speed`, at least half an hour and at most a day.
pub fn lookahead(speed: Option<u32>) -> Duration {
    let play = Duration::seconds(i64::from(speed.unwrap_or(0)) * 20);
    play.clamp(Duration::minutes(30), Duration::hours(24))
}

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
    use crate::state::test_support::{case, ev};
    use cityops_api::{LayerKind, MapItemDto, Stage, StatusClass, VehicleDto};

    fn reported(id: i64, at: &str) -> cityops_api::CaseDto {
        cityops_api::CaseDto { created_at: t(at), ..case(id, Stage::Register, false) }
    }

    fn point(id: u64, status: StatusClass) -> MapItemDto {
        MapItemDto::Point { layer: LayerKind::Cases, id, lon: 120.38, lat: 36.07, status }
    }

    fn status_of(p: &Picture, id: u64) -> Option<StatusClass> {
        p.items.iter().find_map(|i| match i {
            MapItemDto::Point { layer: LayerKind::Cases, id: pid, status, .. } if *pid == id => Some(*status),
            _ => None,
        })
    }

    /// The oracle: the service's pictures at 08:00 and 08:40, and the log between them. Moving
    /// the 08:00 picture by the log must give the 08:40 picture for every case, truck and alert.
    #[test]
    fn the_events_move_a_keyframe_to_the_next_picture() {
        let at = t("2027-01-04T08:00:00+08:00");
        let mut open = case(1, Stage::Handle, false);
        open.deadline = Some(t("2027-01-04T08:30:00+08:00"));
        open.due_soon_at = Some(t("2027-01-04T08:10:00+08:00"));
        let mut p = Picture::default();
        p.set_viewport(vec![point(1, StatusClass::Open), point(2, StatusClass::Open)], Default::default());
        p.note_case(&open);
        p.note_case(&case(2, Stage::Handle, false));
        let truck = VehicleDto {
            id: "鲁B·H0001".into(),
            lon: 120.30,
            lat: 36.10,
            speed_kmh: 20.0,
            heading_deg: 0.0,
            at: t("2027-01-04T07:59:00+08:00"),
        };
        p.replay_from(std::slice::from_ref(&truck));
        let moved = EventBody::Vehicle {
            vehicle_id: truck.id.clone(),
            lon: 120.31,
            lat: 36.11,
            speed_kmh: 25.0,
            heading_deg: 45.0,
        };
        let closed = case(2, Stage::Evaluate, false);
        let alert = EventBody::Alert {
            alert_id: "stop_missed:鲁B·H0001/QD-XQ-00001:20270104T081500".into(),
            rule: "stop_missed".into(),
            message: "漏收".into(),
            lon: 120.31,
            lat: 36.11,
        };
        let log = EventLogDto {
            from: at,
            until: t("2027-01-04T09:00:00+08:00"),
            vehicles: vec![truck],
            items: vec![
                ev(11, "2027-01-04T08:05:00+08:00", moved),
                ev(12, "2027-01-04T08:15:00+08:00", alert),
                ev(13, "2027-01-04T08:20:00+08:00", EventBody::Case { case: Box::new(closed) }),
                ev(
                    14,
                    "2027-01-04T08:45:00+08:00",
                    EventBody::Case { case: Box::new(reported(3, "2027-01-04T08:45:00+08:00")) },
                ),
                // A case inside a cluster (reported before the keyframe, no point of its own) changes.
                ev(
                    15,
                    "2027-01-04T08:50:00+08:00",
                    EventBody::Case { case: Box::new(reported(4, "2027-01-03T10:00:00+08:00")) },
                ),
            ],
        };
        let mut seg = Segment::new(log);
        // Ten minutes on: the truck has moved, nothing else yet.
        assert_eq!(seg.reach(&mut p, t("2027-01-04T08:10:00+08:00")), Reach::Deltas(1));
        assert_eq!((p.vehicles["鲁B·H0001"].lon, p.vehicles["鲁B·H0001"].heading_deg), (120.31, 45.0));
        // The layer panel counts it where it now is.
        assert_eq!(p.vehicles_in((120.305, 36.105, 120.315, 36.115)), 1);
        assert_eq!(p.vehicles_in((120.295, 36.095, 120.305, 36.105)), 0);
        assert_eq!(status_of(&p, 1), Some(StatusClass::DueSoon), "time alone: 临期 from 08:10");
        // 08:40: the alert was raised, case 2 closed, case 1 past its deadline; case 3 not yet.
        assert_eq!(seg.reach(&mut p, t("2027-01-04T08:40:00+08:00")), Reach::Deltas(2));
        assert_eq!(status_of(&p, 1), Some(StatusClass::Overdue));
        assert_eq!(status_of(&p, 2), Some(StatusClass::Closed));
        assert_eq!(status_of(&p, 3), None);
        assert_eq!(p.alerts.len(), 1);
        // Stepping: the next notable event after 08:40 is case 3's report; the last before is
        // the closure (the truck's fix is not a step).
        assert_eq!(seg.next_after(t("2027-01-04T08:40:00+08:00")), Some(t("2027-01-04T08:45:00+08:00")));
        assert_eq!(seg.last_before(t("2027-01-04T08:15:00+08:00")), None);
        assert_eq!(seg.last_before(t("2027-01-04T08:40:00+08:00")), Some(t("2027-01-04T08:20:00+08:00")));
        // Back in time: a keyframe; past what is held: the next stretch.
        assert_eq!(seg.reach(&mut p, t("2027-01-04T08:30:00+08:00")), Reach::Back);
        assert_eq!(seg.reach(&mut p, t("2027-01-04T09:00:01+08:00")), Reach::Beyond);
        assert_eq!(seg.reach(&mut p, t("2027-01-04T09:00:00+08:00")), Reach::Deltas(2));
        assert_eq!(status_of(&p, 3), Some(StatusClass::Open));
        assert_eq!(status_of(&p, 4), None, "no second point for a clustered case");
        // The next stretch is held on after this one (a stretch from elsewhere is not).
        let next = |from: &str, until: &str, items| EventLogDto {
            from: t(from),
            until: t(until),
            vehicles: Vec::new(),
            items,
        };
        let mut dispatched = case(3, Stage::Dispatch, false);
        dispatched.deadline = Some(t("2027-01-04T09:20:00+08:00"));
        assert!(!seg.extend(next("2027-01-04T09:30:00+08:00", "2027-01-04T10:00:00+08:00", Vec::new())));
        assert!(seg.extend(next(
            "2027-01-04T09:00:00+08:00",
            "2027-01-04T10:00:00+08:00",
            vec![ev(16, "2027-01-04T09:10:00+08:00", EventBody::Case { case: Box::new(dispatched) })],
        )));
        assert_eq!(seg.reach(&mut p, t("2027-01-04T09:30:00+08:00")), Reach::Deltas(1));
        assert_eq!(status_of(&p, 3), Some(StatusClass::Overdue), "past the deadline it came with");
        // A day after it was raised, the alert has left.
        p.age(t("2027-01-05T08:15:01+08:00"));
        assert!(p.alerts.is_empty());
    }

    #[test]
    fn the_lookahead_covers_twenty_seconds_of_play() {
        assert_eq!(lookahead(None), Duration::minutes(30));
        assert_eq!(lookahead(Some(600)), Duration::seconds(12_000));
        assert_eq!(lookahead(Some(3600)), Duration::hours(20));
        assert_eq!(lookahead(Some(86_400)), Duration::hours(24));
    }

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
