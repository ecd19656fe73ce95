//! Dates and counts in Arabic for the page: Arabic-Indic digits, the noun forms Arabic
//! needs after a number, and "قبل ٣ ساعات" for recent items.
//!
//! Rendered on the server because the page runs no script (its CSP allows none). Written
//! here rather than taken from ICU (`icu_relativetime`, `icu_plurals`): those crates bring
//! their locale data (megabytes) for one language's six plural forms and three units, and
//! ICU's Arabic "ago" phrases use the dual after "قبل" in the nominative (قبل ساعتان), which
//! readers take for a mistake.

use chrono::{DateTime, Datelike, Utc};

/// Writes a number with Arabic-Indic digits (٠١٢٣٤٥٦٧٨٩), as Arabic news sites print them.
pub fn arabic_digits(n: i64) -> String {
    n.to_string()
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x0660 + d).expect("U+0660..U+0669 are characters"),
            None => c,
        })
        .collect()
}

/// The forms of a noun counted by a number (CLDR's Arabic plural categories).
#[derive(Debug, Clone, Copy)]
pub struct Noun {
    /// Alone for 1: "ساعة".
    pub one: &'static str,
    /// The dual for 2, without a number: "ساعتين" (after a preposition) or "ساعتان".
    pub two: &'static str,
    /// The plural after 3–10 (and 103–110, …): "ساعات".
    pub few: &'static str,
    /// The singular (accusative where it shows) after 11–99: "ساعة", "يومًا".
    pub many: &'static str,
    /// The singular (genitive) after 100, 1000, 101, 102, …: "ساعة", "يوم".
    pub other: &'static str,
}

/// Minutes, after "قبل".
pub const MINUTES: Noun = Noun {
    one: "دقيقة",
    two: "دقيقتين",
    few: "دقائق",
    many: "دقيقة",
    other: "دقيقة",
};
/// Hours, after "قبل".
pub const HOURS: Noun = Noun {
    one: "ساعة",
    two: "ساعتين",
    few: "ساعات",
    many: "ساعة",
    other: "ساعة",
};
/// Days, after "قبل".
pub const DAYS: Noun = Noun {
    one: "يوم",
    two: "يومين",
    few: "أيام",
    many: "يومًا",
    other: "يوم",
};
/// Search results, as the subject of a sentence.
pub const RESULTS: Noun = Noun {
    one: "نتيجة واحدة",
    two: "نتيجتان",
    few: "نتائج",
    many: "نتيجة",
    other: "نتيجة",
};

/// `n` of `noun`: "ساعة", "ساعتين", "٣ ساعات", "١١ ساعة", "١٠٠ ساعة". For 0 the caller
/// says what it means ("الآن", "لا نتائج"); here it takes the `other` form.
pub fn count(n: i64, noun: &Noun) -> String {
    let (with_number, form) = match (n, n.rem_euclid(100)) {
        (1, _) => (false, noun.one),
        (2, _) => (false, noun.two),
        (_, 3..=10) => (true, noun.few),
        (_, 11..=99) => (true, noun.many),
        _ => (true, noun.other),
    };
    if with_number {
        format!("{} {form}", arabic_digits(n))
    } else {
        form.to_string()
    }
}

const MONTHS: [&str; 12] = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
];

/// A calendar date in Arabic, in UTC: "٣ ديسمبر ٢٠٢٦".
pub fn date(t: DateTime<Utc>) -> String {
    format!(
        "{} {} {}",
        arabic_digits(i64::from(t.day())),
        MONTHS[t.month0() as usize],
        arabic_digits(i64::from(t.year()))
    )
}

/// How long ago `t` was, seen at `now`: "الآن" under a minute (and for times after `now`),
/// then minutes, hours and days up to a week; older times as their date.
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - t).num_seconds();
    let ago = |n: i64, noun: &Noun| format!("قبل {}", count(n, noun));
    match secs {
        ..60 => "الآن".to_string(),
        60..3_600 => ago(secs / 60, &MINUTES),
        3_600..86_400 => ago(secs / 3_600, &HOURS),
        86_400..604_800 => ago(secs / 86_400, &DAYS),
        _ => date(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn digits_are_arabic_indic() {
        assert_eq!(arabic_digits(0), "٠");
        assert_eq!(arabic_digits(1234567890), "١٢٣٤٥٦٧٨٩٠");
        assert_eq!(arabic_digits(-12), "-١٢");
    }

    #[test]
    fn counted_nouns_take_the_form_arabic_needs_after_each_number() {
        let forms: Vec<String> = [1, 2, 3, 10, 11, 99, 100, 101, 102, 103, 110, 111, 1000]
            .iter()
            .map(|&n| count(n, &HOURS))
            .collect();
        assert_eq!(
            forms,
            [
                "ساعة",
                "ساعتين",
                "٣ ساعات",
                "١٠ ساعات",
                "١١ ساعة",
                "٩٩ ساعة",
                "١٠٠ ساعة",
                "١٠١ ساعة",
                "١٠٢ ساعة",
                "١٠٣ ساعات",
                "١١٠ ساعات",
                "١١١ ساعة",
                "١٠٠٠ ساعة",
            ]
        );
        assert_eq!(count(11, &DAYS), "١١ يومًا");
        assert_eq!(count(100, &DAYS), "١٠٠ يوم");
        assert_eq!(count(1, &RESULTS), "نتيجة واحدة");
        assert_eq!(count(2, &RESULTS), "نتيجتان");
        assert_eq!(count(7, &RESULTS), "٧ نتائج");
        assert_eq!(count(25, &RESULTS), "٢٥ نتيجة");
    }

    #[test]
    fn recent_times_are_relative_and_older_ones_dated() {
        let now = t("2026-12-03T12:00:00Z");
        let cases = [
            ("2026-12-03T12:00:00Z", "الآن"),
            ("2026-12-03T11:59:01Z", "الآن"),
            ("2026-12-03T13:00:00Z", "الآن"),
            ("2026-12-03T11:59:00Z", "قبل دقيقة"),
            ("2026-12-03T11:58:00Z", "قبل دقيقتين"),
            ("2026-12-03T11:57:00Z", "قبل ٣ دقائق"),
            ("2026-12-03T11:50:00Z", "قبل ١٠ دقائق"),
            ("2026-12-03T11:49:00Z", "قبل ١١ دقيقة"),
            ("2026-12-03T11:00:01Z", "قبل ٥٩ دقيقة"),
            ("2026-12-03T11:00:00Z", "قبل ساعة"),
            ("2026-12-03T10:00:00Z", "قبل ساعتين"),
            ("2026-12-03T09:00:00Z", "قبل ٣ ساعات"),
            ("2026-12-03T01:00:00Z", "قبل ١١ ساعة"),
            ("2026-12-02T12:00:01Z", "قبل ٢٣ ساعة"),
            ("2026-12-02T12:00:00Z", "قبل يوم"),
            ("2026-12-01T12:00:00Z", "قبل يومين"),
            ("2026-11-28T12:00:00Z", "قبل ٥ أيام"),
            ("2026-11-26T12:00:01Z", "قبل ٦ أيام"),
            ("2026-11-26T12:00:00Z", "٢٦ نوفمبر ٢٠٢٦"),
            ("2025-01-09T08:00:00Z", "٩ يناير ٢٠٢٥"),
        ];
        for (at, want) in cases {
            assert_eq!(relative(t(at), now), want, "{at}");
        }
    }
}
