//! The service's notion of "now" (China Standard Time). Real time by default; a scaled clock lets
//! a demo or load test run a simulated day faster (`--time-scale 60` = an hour a minute) while the
//! workflow's deadlines and the simulator agree on the time.

use std::time::Instant;

use chrono::{NaiveDateTime, TimeDelta, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    /// Current time in China Standard Time.
    fn now(&self) -> NaiveDateTime;

    /// How many times faster than the wall clock this clock runs.
    fn scale(&self) -> f64 {
        1.0
    }
}

/// Wall-clock time.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> NaiveDateTime {
        // Millisecond precision: what the store's time columns keep.
        let ms = Utc::now().timestamp_millis();
        (chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default() + TimeDelta::hours(8)).naive_utc()
    }
}

/// Simulated time: starts at `origin` and advances `scale` times faster than the wall clock.
#[derive(Debug, Clone)]
pub struct ScaledClock {
    origin: NaiveDateTime,
    started: Instant,
    scale: f64,
}

impl ScaledClock {
    /// A clock reading `origin` now and running `scale` times real time.
    pub fn new(origin: NaiveDateTime, scale: f64) -> Self {
        Self { origin, started: Instant::now(), scale }
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> NaiveDateTime {
        let elapsed = self.started.elapsed().as_secs_f64() * self.scale;
        self.origin + TimeDelta::milliseconds((elapsed * 1000.0) as i64)
    }

    fn scale(&self) -> f64 {
        self.scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_clock_starts_at_its_origin_and_moves_forward() {
        let origin = NaiveDateTime::parse_from_str("2026-03-02 08:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
        let c = ScaledClock::new(origin, 3600.0);
        let a = c.now();
        assert!(a >= origin && a < origin + TimeDelta::minutes(10));
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(c.now() > a);
    }
}
