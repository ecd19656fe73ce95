//! When a source is fetched next: pure functions of the outcome, the schedule and the clock.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::{FetchSettings, Schedule};

/// The regular next time after `now` for a schedule.
pub fn next_regular(schedule: &Schedule, now: DateTime<Utc>) -> DateTime<Utc> {
    match schedule {
        Schedule::Every(d) => {
            now + chrono::Duration::from_std(*d).unwrap_or(chrono::Duration::minutes(15))
        }
        Schedule::Cron(c) => c
            .after(&now)
            .next()
            .unwrap_or(now + chrono::Duration::hours(24)),
    }
}

/// Next time after a success: the regular time, but not before what the server asked
/// (`Cache-Control`, `Expires`, RSS `<ttl>`), capped at `max_interval`.
pub fn after_success(
    schedule: &Schedule,
    now: DateTime<Utc>,
    server_hint: Option<Duration>,
    settings: &FetchSettings,
) -> DateTime<Utc> {
    let regular = next_regular(schedule, now);
    match server_hint {
        Some(h) => {
            let hinted = now + to_chrono(h.min(settings.max_interval));
            regular.max(hinted)
        }
        None => regular,
    }
}

/// Next time after the `failures`-th consecutive failure: exponential backoff from the
/// regular interval (×2 per failure), capped at `max_backoff`, and never before a
/// `Retry-After` (itself capped at `max_interval`).
pub fn after_failure(
    schedule: &Schedule,
    now: DateTime<Utc>,
    failures: u32,
    retry_after: Option<Duration>,
    settings: &FetchSettings,
) -> DateTime<Utc> {
    let base = (next_regular(schedule, now) - now)
        .to_std()
        .unwrap_or(Duration::from_secs(60))
        .max(Duration::from_secs(60));
    let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
    let backoff = base.saturating_mul(factor).min(settings.max_backoff);
    let wait = match retry_after {
        Some(r) => backoff.max(r.min(settings.max_interval)),
        None => backoff,
    };
    now + to_chrono(wait)
}

/// A start delay spread over the first interval, stable per source, so 500 sources do not
/// fire in the same second after a restart.
pub fn jitter(source_id: &str, schedule: &Schedule) -> Duration {
    let span = match schedule {
        Schedule::Every(d) => (*d).min(Duration::from_secs(300)),
        Schedule::Cron(_) => Duration::ZERO,
    };
    if span.is_zero() {
        return Duration::ZERO;
    }
    let h = crate::model::stable_hash(source_id.as_bytes());
    Duration::from_millis(h % span.as_millis() as u64)
}

/// When a source is first due after the scheduler starts: its stored `next_due` while that
/// is ahead; else now, spread by [`jitter`] at start-up (`spread`) for a source with a fetch
/// history. A source never fetched is due at once: waiting gives a new admin an empty page
/// for minutes, and the concurrency and per-host limits already keep a first start from
/// firing every source in the same instant.
pub fn first_due(
    source_id: &str,
    schedule: &Schedule,
    next_due: Option<DateTime<Utc>>,
    fetched_before: bool,
    spread: bool,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    match next_due {
        Some(d) if d > now => d,
        _ if spread && fetched_before => now + to_chrono(jitter(source_id, schedule)),
        _ => now,
    }
}

fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::days(365))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every(m: u64) -> Schedule {
        Schedule::Every(Duration::from_secs(m * 60))
    }

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-29T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_success_waits_the_interval_or_the_servers_longer_hint() {
        let s = FetchSettings::default();
        assert_eq!(
            after_success(&every(15), t0(), None, &s),
            t0() + chrono::Duration::minutes(15)
        );
        let hint = Some(Duration::from_secs(3600));
        assert_eq!(
            after_success(&every(15), t0(), hint, &s),
            t0() + chrono::Duration::hours(1)
        );
        let huge = Some(Duration::from_secs(7 * 86400));
        assert_eq!(
            after_success(&every(15), t0(), huge, &s),
            t0() + chrono::Duration::hours(24)
        );
    }

    #[test]
    fn failures_back_off_exponentially_up_to_the_cap() {
        let s = FetchSettings::default();
        let waits: Vec<i64> = (1..=8)
            .map(|n| (after_failure(&every(15), t0(), n, None, &s) - t0()).num_minutes())
            .collect();
        assert_eq!(waits, vec![15, 30, 60, 120, 240, 360, 360, 360]);
    }

    #[test]
    fn retry_after_is_honoured() {
        let s = FetchSettings::default();
        let r = Some(Duration::from_secs(2 * 3600));
        assert_eq!(
            (after_failure(&every(15), t0(), 1, r, &s) - t0()).num_minutes(),
            120
        );
    }

    #[test]
    fn cron_schedules_give_the_next_slot() {
        let c = Schedule::Cron(Box::new(crate::config::parse_cron("*/20 * * * *").unwrap()));
        assert_eq!(next_regular(&c, t0()), t0() + chrono::Duration::minutes(20));
    }

    #[test]
    fn never_fetched_sources_start_at_once_and_others_are_spread() {
        let (s, now) = (every(15), t0());
        let later = now + chrono::Duration::minutes(7);
        let jittered = now + to_chrono(jitter("a", &s));
        assert!(jittered > now);
        // Never fetched: now, at start-up or after a reload.
        assert_eq!(first_due("a", &s, None, false, true, now), now);
        assert_eq!(first_due("a", &s, None, false, false, now), now);
        // Fetched before and overdue: spread at start-up, at once after a reload.
        assert_eq!(first_due("a", &s, None, true, true, now), jittered);
        assert_eq!(first_due("a", &s, Some(now), true, true, now), jittered);
        assert_eq!(first_due("a", &s, None, true, false, now), now);
        // Not due yet: the stored time.
        assert_eq!(first_due("a", &s, Some(later), true, true, now), later);
    }

    #[test]
    fn jitter_is_stable_and_spread() {
        let j: Vec<Duration> = ["a", "b", "c", "aljazeera"]
            .iter()
            .map(|id| jitter(id, &every(15)))
            .collect();
        assert_eq!(j[0], jitter("a", &every(15)));
        assert!(j.iter().all(|d| *d < Duration::from_secs(300)));
        assert!(j.windows(2).all(|w| w[0] != w[1]));
    }
}
