//! Durations as admins write them: "90s", "15m", "2h", "1h30m", "1d".
//!
//! Written here rather than pulled from a crate: the grammar is five units and a loop, and
//! owning it lets the error message say exactly what is accepted.

use std::time::Duration;

/// Why a duration does not parse. Each message says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Nothing given.
    #[error("empty duration (expected e.g. \"15m\", \"2h\", \"1h30m\")")]
    Empty,
    /// A character that is neither a digit nor a unit.
    #[error(
        "unexpected {found:?} in duration {text:?} (expected e.g. \"15m\", \"2h\", \"1h30m\"; units s, m, h, d)"
    )]
    Unexpected {
        /// The character.
        found: char,
        /// The duration as given.
        text: String,
    },
    /// A unit with no number before it.
    #[error("missing number before {unit:?} in duration {text:?}")]
    MissingNumber {
        /// The unit.
        unit: char,
        /// The duration as given.
        text: String,
    },
    /// A number with no unit after it.
    #[error("missing unit after {digits:?} in duration {text:?} (units s, m, h, d)")]
    MissingUnit {
        /// The number.
        digits: String,
        /// The duration as given.
        text: String,
    },
    /// More seconds than a `u64` holds.
    #[error("duration {0:?} is too large")]
    TooLarge(String),
    /// Zero.
    #[error("duration {0:?} must be longer than zero")]
    Zero(String),
}

/// Parses "1h30m"-style durations: one or more `<number><unit>` with units s, m, h, d.
pub fn parse_duration(s: &str) -> Result<Duration, DurationError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(DurationError::Empty);
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            _ => {
                return Err(DurationError::Unexpected {
                    found: c,
                    text: s.into(),
                });
            }
        };
        let n: u64 = digits.parse().map_err(|_| DurationError::MissingNumber {
            unit: c,
            text: s.into(),
        })?;
        digits.clear();
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| DurationError::TooLarge(s.into()))?;
    }
    if !digits.is_empty() {
        return Err(DurationError::MissingUnit {
            digits,
            text: s.into(),
        });
    }
    if total == 0 {
        return Err(DurationError::Zero(s.into()));
    }
    Ok(Duration::from_secs(total))
}

/// Formats a duration the way [`parse_duration`] reads it.
pub fn format_duration(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, name) in [(86400, 'd'), (3600, 'h'), (60, 'm'), (1, 's')] {
        if secs >= unit {
            out.push_str(&format!("{}{name}", secs / unit));
            secs %= unit;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_admins_write_are_understood() {
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86400)));
        assert_eq!(parse_duration(" 90s "), Ok(Duration::from_secs(90)));
    }

    #[test]
    fn bad_durations_say_what_is_wrong() {
        assert!(
            parse_duration("15")
                .unwrap_err()
                .to_string()
                .contains("missing unit")
        );
        assert!(
            parse_duration("15x")
                .unwrap_err()
                .to_string()
                .contains("unexpected 'x'")
        );
        assert!(
            parse_duration("m")
                .unwrap_err()
                .to_string()
                .contains("missing number")
        );
        assert!(
            parse_duration("0m")
                .unwrap_err()
                .to_string()
                .contains("longer than zero")
        );
        assert!(
            parse_duration("")
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
    }

    #[test]
    fn formatting_round_trips() {
        for s in ["15m", "2h", "1h30m", "1d2h", "45s"] {
            assert_eq!(format_duration(parse_duration(s).unwrap()), s);
        }
    }
}
