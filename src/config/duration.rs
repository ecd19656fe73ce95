//! Durations as admins write them: "90s", "15m", "2h", "1h30m", "1d".
//!
//! Written here rather than pulled from a crate: the grammar is five units and a loop, and
//! owning it lets the error message say exactly what is accepted.

use std::time::Duration;

/// Parses "1h30m"-style durations: one or more `<number><unit>` with units s, m, h, d.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty duration (expected e.g. \"15m\", \"2h\", \"1h30m\")".into());
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
                return Err(format!(
                    "unexpected {c:?} in duration {s:?} (expected e.g. \"15m\", \"2h\", \"1h30m\"; units s, m, h, d)"
                ));
            }
        };
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("missing number before {c:?} in duration {s:?}"))?;
        digits.clear();
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("duration {s:?} is too large"))?;
    }
    if !digits.is_empty() {
        return Err(format!(
            "missing unit after {digits:?} in duration {s:?} (units s, m, h, d)"
        ));
    }
    if total == 0 {
        return Err(format!("duration {s:?} must be longer than zero"));
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
        assert!(parse_duration("15").unwrap_err().contains("missing unit"));
        assert!(
            parse_duration("15x")
                .unwrap_err()
                .contains("unexpected 'x'")
        );
        assert!(parse_duration("m").unwrap_err().contains("missing number"));
        assert!(
            parse_duration("0m")
                .unwrap_err()
                .contains("longer than zero")
        );
        assert!(parse_duration("").unwrap_err().contains("empty"));
    }

    #[test]
    fn formatting_round_trips() {
        for s in ["15m", "2h", "1h30m", "1d2h", "45s"] {
            assert_eq!(format_duration(parse_duration(s).unwrap()), s);
        }
    }
}
