//! Where a news text's lead and dateline end. The lead (the first sentence) states the
//! subject the way the title does; the dateline says where the copy was filed, not what
//! it is about. Both are counted in words of the matching form, like the hits they bound.

use super::words::MONTHS;
use crate::text::arabic::normalize_words;

/// The lead ends at the first sentence end, and at this many words at the latest: Arabic
/// copy often runs one sentence over a whole paragraph of commas.
pub const LEAD_MAX_WORDS: usize = 40;

/// Where a text's lead and dateline end, in words of its matching form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lead {
    /// Words of the lead ([`lead_words`]).
    pub words: usize,
    /// Words of the dateline ([`dateline_words`]); 0 without one.
    pub dateline: usize,
}

/// The lead and dateline of `text` (before normalizing).
pub fn lead(text: &str) -> Lead {
    let dateline = dateline_words(text);
    Lead {
        words: lead_words_after(text, dateline),
        dateline,
    }
}

/// Separators that end a wire dateline (`القاهرة - `، `تونس / `، `بيروت- `، `طرابلس (وال)`).
const DATELINE_ENDS: &[char] = &['-', '–', '—', '/', ':', '(', '|'];

/// Number of words (in matching form) of the dateline `text` opens with: one to three words
/// of Arabic letters followed by a separator or a date (`القاهرة - كتب`، `تونس 25 أبريل
/// 2017 /`، `بيروت- رولا نصر:`، `صنعاء/سبأ:`) or in parentheses (`(بيروت) –`), else 0. A byline before the city (`أحمد جودة - القاهرة -`)
/// is part of it: after a first run of two or three words, a second run of one or two
/// words closed by a separator. The city a
/// report was filed from is where the reporter sits, not necessarily what the story is
/// about.
pub fn dateline_words(text: &str) -> usize {
    // A slash ends a run even without a space (`الخبر اليمني/متابعات:`، `صنعاء/سبأ:`).
    let tokens: Vec<&str> = text
        .split_whitespace()
        .flat_map(|t| t.split_inclusive('/'))
        .take(8)
        .collect();
    let words = |tokens: &[&str]| {
        let words = normalize_words(&tokens.join(" "));
        if words.is_empty() {
            0
        } else {
            words.split(' ').count()
        }
    };
    let arabic = |t: &str| {
        t.trim_end_matches(DATELINE_ENDS)
            .chars()
            .all(crate::text::arabic::is_arabic_letter)
    };
    // A separator, or a day and a month's name (25 أبريل، 14 تموز، 5 جانفي).
    let is_date = |k: usize| {
        tokens[k].starts_with(DATELINE_ENDS)
            || (tokens[k].chars().all(char::is_numeric)
                && tokens
                    .get(k + 1)
                    .is_some_and(|m| MONTHS.contains(&normalize_words(m).as_str())))
    };
    // A city in parentheses opens the copy as a dateline does (`(بيروت) –`، `(الخرطوم)`).
    if tokens.first().is_some_and(|t| t.starts_with('(')) {
        let bare = |t: &str| {
            let t = t.trim_start_matches('(').trim_end_matches(')');
            !t.is_empty() && t.chars().all(crate::text::arabic::is_arabic_letter)
        };
        return (1..=3.min(tokens.len()))
            .find(|&k| tokens[k - 1].ends_with(')'))
            .filter(|&k| tokens[..k].iter().all(|t| bare(t)))
            .map_or(0, |k| words(&tokens[..k]));
    }
    for k in 1..=3.min(tokens.len()) {
        let last = tokens[k - 1];
        if !tokens[..k].iter().all(|t| arabic(t)) {
            return 0;
        }
        if last.ends_with(DATELINE_ENDS) || (k < tokens.len() && is_date(k)) {
            // The second run starts after the separator (a token of its own or the
            // first run's last character).
            let start = if last.ends_with(DATELINE_ENDS) {
                k
            } else {
                k + 1
            };
            let closed = |m: usize| {
                let end = start + m;
                end <= tokens.len()
                    && tokens[start..end]
                        .iter()
                        .all(|t| arabic(t) && !t.is_empty())
                    && (tokens[end - 1].ends_with(DATELINE_ENDS)
                        || tokens
                            .get(end)
                            .is_some_and(|t| t.starts_with(DATELINE_ENDS) && t.len() <= 3))
            };
            // Only after a run of two or three words, a name's length: a one-word city
            // is followed by its byline (بيروت- رولا نصر:), not by another place.
            let with_city = (k >= 2)
                .then(|| (1..=2).find(|&m| closed(m)).map(|m| start + m))
                .flatten();
            return words(&tokens[..with_city.unwrap_or(k)]);
        }
    }
    0
}

/// Number of words (in matching form) of the lead of `text`: its first sentence, ended by a
/// newline, `!`, `?`, `؟`, or a `.` followed by a space, capped at [`LEAD_MAX_WORDS`]. A
/// teaser that opens the copy (a question or an exclamation: كم باقي على المدرسة؟, or a
/// word or two: عاجل.), nor a dateline or a byline on a line of its own, states the subject; the
/// sentence after it does, and the lead runs through it.
pub fn lead_words(text: &str) -> usize {
    lead_words_after(text, dateline_words(text))
}

/// [`lead_words`] for a text whose dateline is `dateline` words long.
fn lead_words_after(text: &str, dateline: usize) -> usize {
    let words = |s: &str| {
        let s = normalize_words(s);
        if s.is_empty() {
            0
        } else {
            s.split(' ').count()
        }
    };
    let text = text.trim_start();
    let (first, teaser) = sentence_end(text);
    let mut n = words(&text[..first]);
    if first < text.len() && (teaser || n <= 2 || n <= dateline || byline(&text[..first])) {
        let rest = &text[first..];
        // Past the sentence's end mark.
        let rest = rest.trim_start_matches(|c: char| "\n\r!?؟.".contains(c) || c.is_whitespace());
        n += words(&rest[..sentence_end(rest).0]);
    }
    n.min(LEAD_MAX_WORDS)
}

/// Whether a first line is a byline (كتبت دينا دياب، بقلم: …): who wrote, not what.
fn byline(line: &str) -> bool {
    let first = normalize_words(line.split_whitespace().next().unwrap_or_default());
    ["كتب", "كتبت", "بقلم", "اعداد", "تقرير"].contains(&first.as_str())
        && line.split_whitespace().count() <= 5
}

/// Where the first sentence of `text` ends (its end mark's byte offset, or the text's
/// length), and whether it ends as a question or an exclamation.
fn sentence_end(text: &str) -> (usize, bool) {
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let stop = match c {
            '\n' | '\r' | '!' | '?' | '؟' => true,
            '.' => chars.peek().is_none_or(|(_, n)| n.is_whitespace()),
            _ => false,
        };
        if stop {
            return (i, matches!(c, '!' | '?' | '؟'));
        }
    }
    (text.len(), false)
}
