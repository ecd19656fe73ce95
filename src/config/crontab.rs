//! `cron = "…"` in `sources.toml`: crontab lines (optionally with seconds first and a year
//! last) and the `@hourly`-style macros, checked for a one-minute floor and for firing at all.
//!
//! The `cron` crate wants seconds first and counts weekdays 1–7 from Sunday, where crontab
//! counts 0–7 (0 and 7 both Sunday): prepending `0 ` to a crontab line alone would move every
//! weekday one day back ("Monday" `1` would mean Sunday). So a line is converted field by
//! field: the weekday field is expanded here (lists, ranges, steps, names) into the crate's
//! numbering; the other fields mean the same in both. The 6- and 7-field forms use crontab's
//! weekdays too, so one rule holds for every line an admin writes. Errors quote the admin's
//! own text and name the field, never the converted line.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use cron::TimeUnitSpec as _;

/// The fields of a full line, for error messages.
const FIELDS: [&str; 7] = [
    "second",
    "minute",
    "hour",
    "day-of-month",
    "month",
    "day-of-week",
    "year",
];

const HINT: &str = "5 fields \"minute hour day-of-month month day-of-week\" as in crontab, 6 with seconds first, 7 with a year last, or @hourly/@daily/@weekly/@monthly/@yearly";

/// Why a cron expression is refused. Every message quotes the expression as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    /// An `@name` that is not a known macro.
    #[error(
        "unknown macro {name:?} in {expr:?}; use @hourly, @daily, @weekly, @monthly or @yearly"
    )]
    UnknownMacro {
        /// The macro as written.
        name: String,
        /// The expression.
        expr: String,
    },
    /// Not 5, 6 or 7 fields.
    #[error("{expr:?} has {fields} fields; use {}", HINT)]
    FieldCount {
        /// The expression.
        expr: String,
        /// Fields found.
        fields: usize,
    },
    /// A day-of-week field that does not parse.
    #[error(
        "day-of-week field {field:?} in {expr:?}: {why} (0-7 with 0 and 7 Sunday, or sun..sat)"
    )]
    Weekday {
        /// The field.
        field: String,
        /// The expression.
        expr: String,
        /// What is wrong in it.
        why: WeekdayError,
    },
    /// Day-of-month and day-of-week both restricted (crontab's "either" rule).
    #[error(
        "{expr:?} restricts both day-of-month and day-of-week: crontab runs it on days matching either, which marsad cannot express; use \"*\" in one of them"
    )]
    BothDays {
        /// The expression.
        expr: String,
    },
    /// A field the `cron` crate refuses.
    #[error("{name} field {field:?} is not valid in {expr:?} ({})", HINT)]
    Field {
        /// Which field ("minute", "hour", …).
        name: &'static str,
        /// The field as written.
        field: String,
        /// The expression.
        expr: String,
    },
    /// The whole line refused by the `cron` crate.
    #[error("{why} in {expr:?} ({})", HINT)]
    Invalid {
        /// The crate's message.
        why: String,
        /// The expression.
        expr: String,
    },
    /// More than one firing a minute.
    #[error(
        "{expr:?} fires more than once a minute; the shortest schedule is one minute (give the seconds field one value, e.g. \"0\")"
    )]
    TooOften {
        /// The expression.
        expr: String,
    },
    /// No firing after now.
    #[error("{expr:?} never fires (no such date from now on)")]
    Never {
        /// The expression.
        expr: String,
    },
}

/// What is wrong in a day-of-week field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeekdayError {
    /// `/step` that is not a positive number.
    #[error("step {0:?} is not a positive number")]
    Step(String),
    /// `a-b` with `a` after `b`.
    #[error("range {0:?} runs backwards")]
    Backwards(String),
    /// A number past 7.
    #[error("{0} is not a weekday")]
    Number(u32),
    /// A word that is no day name.
    #[error("{0:?} is not a weekday")]
    Name(String),
}

/// Parses a cron expression against the current time (see [`parse_cron_at`]).
pub fn parse_cron(expr: &str) -> Result<cron::Schedule, CronError> {
    parse_cron_at(expr, Utc::now())
}

/// Parses a cron expression and refuses schedules that fire more than once a minute (the
/// floor `interval` has) or never fire after `now`.
///
/// - 5 fields: a crontab line (weekday 0–7 with 0 and 7 Sunday, names `mon`/`MON-FRI`).
/// - 6 fields: a seconds field first, then the crontab fields; 7: a year last. The seconds
///   field must be one value.
/// - `@yearly`/`@annually`, `@monthly`, `@weekly`, `@daily`/`@midnight`, `@hourly`.
///
/// Crontab runs a line whose day-of-month and day-of-week are both restricted on days
/// matching *either*; the `cron` crate needs *both*, so such a line is refused.
pub fn parse_cron_at(expr: &str, now: DateTime<Utc>) -> Result<cron::Schedule, CronError> {
    let trimmed = expr.trim();
    let full: Vec<String> = if let Some(name) = trimmed.strip_prefix('@') {
        macro_line(name)
            .ok_or_else(|| CronError::UnknownMacro {
                name: trimmed.into(),
                expr: expr.into(),
            })?
            .split(' ')
            .map(str::to_string)
            .collect()
    } else {
        let fields: Vec<&str> = trimmed.split_whitespace().collect();
        // As written, with the seconds a 5-field line leaves out.
        let mut written: Vec<&str> = match fields.len() {
            5 => std::iter::once("0").chain(fields.iter().copied()).collect(),
            6 | 7 => fields.clone(),
            n => {
                return Err(CronError::FieldCount {
                    expr: expr.into(),
                    fields: n,
                });
            }
        };
        let days = weekdays(written[5]).map_err(|why| CronError::Weekday {
            field: written[5].into(),
            expr: expr.into(),
            why,
        })?;
        let unrestricted = |f: &str| f.starts_with('*') || f == "?";
        if !unrestricted(written[3]) && !unrestricted(written[5]) {
            return Err(CronError::BothDays { expr: expr.into() });
        }
        let dow = crate_weekdays(&days);
        written[5] = &dow;
        if let Some(i) = bad_field(&written) {
            // The crate's message quotes its input with a caret, which is the converted line.
            let shift = usize::from(fields.len() == 5);
            return Err(CronError::Field {
                name: FIELDS[i],
                field: fields[i - shift].into(),
                expr: expr.into(),
            });
        }
        written.iter().map(|f| f.to_string()).collect()
    };
    let schedule = cron::Schedule::from_str(&full.join(" ")).map_err(|e| CronError::Invalid {
        why: e.to_string().trim().into(),
        expr: expr.into(),
    })?;
    if schedule.seconds().count() != 1 {
        return Err(CronError::TooOften { expr: expr.into() });
    }
    if schedule.after(&now).next().is_none() {
        return Err(CronError::Never { expr: expr.into() });
    }
    Ok(schedule)
}

/// The 6-field line of a macro. `@reboot` and the like have no meaning for polling.
fn macro_line(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_str() {
        "yearly" | "annually" => "0 0 0 1 1 *",
        "monthly" => "0 0 0 1 * *",
        "weekly" => "0 0 0 * * 1", // the crate's 1: Sunday
        "daily" | "midnight" => "0 0 0 * * *",
        "hourly" => "0 0 * * * *",
        _ => return None,
    })
}

/// A weekday set as the crate writes it: 1-7 from Sunday.
fn crate_weekdays(days: &[bool; 7]) -> String {
    if days.iter().all(|d| *d) {
        return "*".to_string();
    }
    (0..7)
        .filter(|d| days[*d])
        .map(|d| (d + 1).to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Which field (other than the converted weekday) the crate refuses, tried one at a time.
fn bad_field(fields: &[&str]) -> Option<usize> {
    (0..fields.len()).filter(|i| *i != 5).find(|&i| {
        let mut probe: Vec<&str> = vec!["0", "*", "*", "*", "*", "*"];
        if i == 6 {
            probe.push(fields[6]);
        } else {
            probe[i] = fields[i];
        }
        cron::Schedule::from_str(&probe.join(" ")).is_err()
    })
}

/// The days a crontab day-of-week field selects, indexed 0 (Sunday) to 6 (Saturday).
fn weekdays(field: &str) -> Result<[bool; 7], WeekdayError> {
    let mut days = [false; 7];
    for part in field.split(',') {
        let (base, step) = match part.split_once('/') {
            Some((b, s)) => {
                let step: u32 = s
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| WeekdayError::Step(s.into()))?;
                (b, step)
            }
            None => (part, 1),
        };
        // Vixie cron's weekday range is 0-7, so `*` (and `a/step`) run up to 7.
        let (lo, hi) = match base {
            "*" | "?" => (0, 7),
            _ => match base.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (day(a)?, day(b)?);
                    if a > b {
                        return Err(WeekdayError::Backwards(base.into()));
                    }
                    (a, b)
                }
                None if step > 1 => (day(base)?, 7),
                None => {
                    let d = day(base)?;
                    (d, d)
                }
            },
        };
        for d in (lo..=hi).step_by(step as usize) {
            days[(d % 7) as usize] = true;
        }
    }
    Ok(days)
}

/// One crontab weekday: 0-7 or an English name (three letters or in full).
fn day(s: &str) -> Result<u32, WeekdayError> {
    if let Ok(n) = s.parse::<u32>() {
        return if n <= 7 {
            Ok(n)
        } else {
            Err(WeekdayError::Number(n))
        };
    }
    const NAMES: [&str; 7] = [
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ];
    let lower = s.to_ascii_lowercase();
    NAMES
        .iter()
        .position(|n| lower.len() >= 3 && (lower == *n || lower == n[..3]))
        .map(|i| i as u32)
        .ok_or_else(|| WeekdayError::Name(s.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Timelike, Weekday};

    /// Wednesday 2 December 2026, 10:00 UTC.
    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-02T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn firings(expr: &str, n: usize) -> Vec<(Weekday, u32, u32)> {
        parse_cron_at(expr, now())
            .unwrap_or_else(|e| panic!("{expr}: {e}"))
            .after(&now())
            .take(n)
            .map(|t| (t.weekday(), t.hour(), t.minute()))
            .collect()
    }

    #[test]
    fn every_crontab_weekday_number_fires_on_that_day() {
        use Weekday::*;
        let expected = [Sun, Mon, Tue, Wed, Thu, Fri, Sat, Sun];
        for (n, want) in expected.iter().enumerate() {
            let expr = format!("0 9 * * {n}");
            assert_eq!(firings(&expr, 1), vec![(*want, 9, 0)], "{expr}");
            let next = parse_cron_at(&expr, now())
                .unwrap()
                .after(&now())
                .next()
                .unwrap();
            // The next one after a Wednesday 10:00, within the coming week.
            assert!(next > now() && next - now() <= chrono::Duration::days(7));
        }
    }

    #[test]
    fn every_weekday_name_fires_on_that_day() {
        use Weekday::*;
        for (names, want) in [
            (["sun", "Sunday"], Sun),
            (["mon", "MONDAY"], Mon),
            (["Tue", "tuesday"], Tue),
            (["WED", "wednesday"], Wed),
            (["thu", "thursday"], Thu),
            (["fri", "Friday"], Fri),
            (["sat", "saturday"], Sat),
        ] {
            for name in names {
                assert_eq!(firings(&format!("30 6 * * {name}"), 1), vec![(want, 6, 30)]);
            }
        }
    }

    #[test]
    fn weekday_lists_ranges_and_steps_follow_crontab() {
        use Weekday::*;
        let days =
            |expr: &str, n| -> Vec<Weekday> { firings(expr, n).into_iter().map(|f| f.0).collect() };
        assert_eq!(days("0 9 * * MON-FRI", 5), vec![Thu, Fri, Mon, Tue, Wed]);
        assert_eq!(days("0 9 * * 1-5", 5), vec![Thu, Fri, Mon, Tue, Wed]);
        assert_eq!(days("0 9 * * mon,wed", 3), vec![Mon, Wed, Mon]);
        assert_eq!(days("0 9 * * 5-7", 4), vec![Fri, Sat, Sun, Fri]);
        assert_eq!(days("0 9 * * 0,6", 3), vec![Sat, Sun, Sat]);
        assert_eq!(days("0 9 * * 1-5/2", 3), vec![Fri, Mon, Wed]);
        assert_eq!(days("0 9 * * */2", 4), vec![Thu, Sat, Sun, Tue]);
        assert_eq!(
            days("0 9 * * 0-7", 7),
            vec![Thu, Fri, Sat, Sun, Mon, Tue, Wed]
        );
        // Today's 09:00 has passed; Wednesday's next one is a week away.
        assert_eq!(days("0 9 * * 3", 1), vec![Wed]);
    }

    #[test]
    fn lines_with_seconds_and_a_year_use_crontab_weekdays_too() {
        use Weekday::*;
        assert_eq!(firings("0 0 9 * * 1", 1), vec![(Mon, 9, 0)]);
        assert_eq!(firings("30 0 9 * * 0", 1), vec![(Sun, 9, 0)]);
        assert_eq!(firings("0 0 9 * * 7 2027", 1), vec![(Sun, 9, 0)]);
        assert_eq!(firings("0 0 9 ? * fri", 1), vec![(Fri, 9, 0)]);
        assert_eq!(
            firings("0 */20 * * * *", 2),
            vec![(Wed, 10, 20), (Wed, 10, 40)]
        );
        let e = parse_cron_at("0 0 25 * * *", now())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("hour field \"25\" is not valid in \"0 0 25 * * *\""),
            "{e}"
        );
        let e = parse_cron_at("0 0 9 * * * 1969", now())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("year field \"1969\" is not valid"), "{e}");
    }

    #[test]
    fn the_other_crontab_fields_keep_their_meaning() {
        assert_eq!(
            firings("*/20 * * * *", 3),
            vec![
                (Weekday::Wed, 10, 20),
                (Weekday::Wed, 10, 40),
                (Weekday::Wed, 11, 0)
            ]
        );
        let first = parse_cron_at("15 4 1 jan *", now())
            .unwrap()
            .after(&now())
            .next()
            .unwrap();
        assert_eq!(first.to_rfc3339(), "2027-01-01T04:15:00+00:00");
    }

    #[test]
    fn errors_quote_the_admins_own_line() {
        let e = parse_cron_at("0 9 * * 8", now()).unwrap_err().to_string();
        assert_eq!(
            e,
            "day-of-week field \"8\" in \"0 9 * * 8\": 8 is not a weekday (0-7 with 0 and 7 Sunday, or sun..sat)"
        );
        let e = parse_cron_at("61 * * * *", now()).unwrap_err().to_string();
        assert!(
            e.starts_with("minute field \"61\" is not valid in \"61 * * * *\""),
            "{e}"
        );
        assert!(!e.contains("0 61"), "{e}");
        let e = parse_cron_at("0 9 * * fri-mon", now())
            .unwrap_err()
            .to_string();
        assert!(e.contains("range \"fri-mon\" runs backwards"), "{e}");
        let e = parse_cron_at("0 9 1 * 1", now()).unwrap_err().to_string();
        assert!(
            e.contains("restricts both day-of-month and day-of-week"),
            "{e}"
        );
        assert_eq!(
            parse_cron_at("every minute", now())
                .unwrap_err()
                .to_string(),
            format!("\"every minute\" has 2 fields; use {HINT}")
        );
    }

    #[test]
    fn schedules_faster_than_a_minute_are_refused() {
        for expr in [
            "* * * * * *",
            "*/30 * * * * *",
            "0,30 * * * * *",
            "* 0 9 * * *",
        ] {
            let e = parse_cron_at(expr, now()).unwrap_err().to_string();
            assert!(e.contains("fires more than once a minute"), "{expr}: {e}");
        }
        // Once a minute is the floor, as for `interval`.
        assert_eq!(
            firings("* * * * *", 2),
            vec![(Weekday::Wed, 10, 1), (Weekday::Wed, 10, 2)]
        );
        assert!(parse_cron_at("0 * * * * *", now()).is_ok());
    }

    #[test]
    fn schedules_that_never_fire_are_refused() {
        for expr in ["0 0 30 2 *", "0 0 0 31 4 *", "0 0 0 1 1 * 2020"] {
            assert_eq!(
                parse_cron_at(expr, now()).unwrap_err().to_string(),
                format!("{expr:?} never fires (no such date from now on)")
            );
        }
    }

    #[test]
    fn macros_are_accepted_and_unknown_ones_refused() {
        let first = |m: &str| {
            parse_cron_at(m, now())
                .unwrap()
                .after(&now())
                .next()
                .unwrap()
                .to_rfc3339()
        };
        assert_eq!(first("@hourly"), "2026-12-02T11:00:00+00:00");
        assert_eq!(first("@daily"), "2026-12-03T00:00:00+00:00");
        assert_eq!(first("@midnight"), "2026-12-03T00:00:00+00:00");
        assert_eq!(first("@weekly"), "2026-12-06T00:00:00+00:00"); // a Sunday
        assert_eq!(first("@monthly"), "2027-01-01T00:00:00+00:00");
        assert_eq!(first("@yearly"), "2027-01-01T00:00:00+00:00");
        assert_eq!(first("@annually"), "2027-01-01T00:00:00+00:00");
        let e = parse_cron_at("@reboot", now()).unwrap_err().to_string();
        assert!(e.starts_with("unknown macro \"@reboot\""), "{e}");
    }
}
