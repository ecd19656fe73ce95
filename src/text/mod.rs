//! Text handling every stage may use: display text made tidy ([`tidy`], summaries), Arabic
//! normalization for matching ([`arabic`]) and links ([`url`]). A leaf: it depends on no
//! other module of the crate.

pub mod arabic;
pub mod url;

use unicode_normalization::UnicodeNormalization;

/// Escapes text for HTML (or XML) element content and quoted attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_html_into(&mut out, s);
    out
}

/// [`escape_html`] appended to `out`.
pub fn escape_html_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Tidies text for display: Unicode NFC, Arabic presentation forms folded to base letters,
/// bidi embedding/override/isolate controls and zero-width spaces removed, ZWNJ/ZWJ kept only
/// between two letters (where Persian spelling or emoji need them), control characters removed.
/// Whitespace is left alone; see [`collapse_whitespace`].
pub fn tidy(s: &str) -> String {
    // Most text needs nothing: already NFC, no forms or controls to remove. The first test
    // decides most Arabic news without the NFC tables, which cost more per character.
    if s.chars().all(stable_char) {
        return s.to_string();
    }
    if !s.chars().any(needs_tidying)
        && unicode_normalization::is_nfc_quick(s.chars())
            == unicode_normalization::IsNormalized::Yes
    {
        return s.to_string();
    }
    let mut folded = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFC}' => {
                unicode_normalization::char::decompose_compatible(c, |d| folded.push(d))
            }
            _ => folded.push(c),
        }
    }
    let chars: Vec<char> = folded.nfc().collect();
    let mut out = String::with_capacity(folded.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\u{200B}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
            | '\u{00AD}' => {}
            '\u{200C}' | '\u{200D}' => {
                let before = i > 0 && !chars[i - 1].is_whitespace();
                let after = chars.get(i + 1).is_some_and(|n| !n.is_whitespace());
                if before && after {
                    out.push(c);
                }
            }
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            // Non-characters and private-use code points never belong in news text and some
            // are not allowed in XML.
            '\u{FFFE}' | '\u{FFFF}' | '\u{E000}'..='\u{F8FF}' => {}
            c => out.push(c),
        }
    }
    // A removed character may have stood between two that compose (`<`, U+200B, U+0338):
    // compose them now, so that tidying tidied text changes nothing.
    if unicode_normalization::is_nfc_quick(out.chars()) != unicode_normalization::IsNormalized::Yes
    {
        return out.nfc().collect();
    }
    out
}

/// Characters that NFC leaves alone whatever surrounds them and that [`tidy`] keeps: ASCII
/// (but controls), Arabic base letters, Arabic punctuation and common typographic marks.
/// Arabic diacritics are not here: NFC may reorder them, or compose them with the letter
/// before (ا + U+0654 → أ), so a text holding one takes the full check.
fn stable_char(c: char) -> bool {
    matches!(c, ' '..='~' | '\n' | '\t' | '\u{A0}' | 'ء'..='غ' | 'ـ'..='ي' | '،' | '؛' | '؟'
        | '٠'..='٩' | '«' | '»' | '\u{2013}' | '\u{2014}' | '\u{2018}'..='\u{201D}' | '…')
}

/// Characters [`tidy`] changes or removes (besides NFC composition).
fn needs_tidying(c: char) -> bool {
    matches!(c,
        '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFC}' | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{00AD}'
        | '\u{FFFE}' | '\u{FFFF}' | '\u{E000}'..='\u{F8FF}')
        || (c.is_control() && c != '\n' && c != '\t')
}

/// Collapses every run of whitespace (including no-break spaces) into one space and trims.
pub fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (space, run) in whitespace_runs(s) {
        if !space {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(run);
        }
    }
    out
}

/// Splits `s` into alternating runs of whitespace (`true`) and other characters (`false`),
/// whitespace as `char::is_whitespace` defines it.
///
/// Decided on bytes rather than by decoding every char (the block pass spent a third of
/// its time in char-by-char whitespace tests): ASCII bytes and the lead bytes of Arabic
/// letters are settled by one comparison, and only the three lead bytes that can start a
/// non-ASCII space (C2: U+0085, U+00A0; E1–E3: U+1680, U+2000–U+205F, U+3000) decode a char.
pub fn whitespace_runs(s: &str) -> impl Iterator<Item = (bool, &str)> {
    let b = s.as_bytes();
    let space_len = move |i: usize| space_len(s, i);
    let char_len = move |i: usize| -> usize {
        match b[i] {
            0x00..=0x7F => 1,
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        }
    };
    let mut i = 0;
    std::iter::from_fn(move || {
        if i >= b.len() {
            return None;
        }
        let start = i;
        let space = space_len(i) > 0;
        if space {
            while i < b.len() && space_len(i) > 0 {
                i += space_len(i);
            }
        } else {
            // Other characters: jump to the next byte that can start whitespace. Those
            // bytes are ASCII or lead bytes, so every hit is a char boundary, and a miss
            // (`«` after C2) goes on from the byte after it. Testing each character here,
            // with its length, made summaries cost about as much as the whole block pass.
            i += char_len(i);
            while let Some(n) = b[i..].iter().position(|&c| MAY_START_SPACE[usize::from(c)]) {
                i += n;
                if space_len(i) > 0 {
                    return Some((false, &s[start..i]));
                }
                i += 1;
            }
            i = b.len();
        }
        Some((space, &s[start..i]))
    })
}

/// The length of the whitespace character at byte `i` of `s` (a char boundary), or 0 when
/// it is not whitespace (`char::is_whitespace`).
#[inline]
fn space_len(s: &str, i: usize) -> usize {
    let b = s.as_bytes();
    match b[i] {
        b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C => 1,
        0xC2 if matches!(b[i + 1], 0x85 | 0xA0) => 2,
        0xE1..=0xE3 => {
            let c = s[i..].chars().next().expect("char boundary");
            if c.is_whitespace() { 3 } else { 0 }
        }
        _ => 0,
    }
}

/// Bytes that can start a whitespace character (see [`whitespace_runs`]).
static MAY_START_SPACE: [bool; 256] = {
    let mut t = [false; 256];
    let bytes = [
        b' ', b'\t', b'\n', b'\r', 0x0B, 0x0C, 0xC2, 0xE1, 0xE2, 0xE3,
    ];
    let mut k = 0;
    while k < bytes.len() {
        t[bytes[k] as usize] = true;
        k += 1;
    }
    t
};

/// The first `max` characters of `text`, cut at a word boundary, with "…" when cut.
pub fn summarize(text: &str, max: usize) -> String {
    // Collapse only as much of the text as the summary can use: a long article needs
    // 300 characters of it, not all of it collapsed and counted.
    // Room for `max` characters of Arabic (two bytes each), or the whole text if shorter.
    let mut flat = String::with_capacity(text.len().min(2 * max + 64));
    let mut chars = 0;
    // The words one after the other, counted as they are found. A byte loop over a table
    // rather than `whitespace_runs`, whose iterator with its closures costs several times
    // as much per byte, and every item is summarized (figures in bench/README.md).
    let b = text.as_bytes();
    let mut i = 0;
    while chars <= max {
        while i < b.len() && space_len(text, i) > 0 {
            i += space_len(text, i);
        }
        if i == b.len() {
            break;
        }
        let start = i;
        let mut word_chars = 0;
        while i < b.len() && !(MAY_START_SPACE[usize::from(b[i])] && space_len(text, i) > 0) {
            word_chars += usize::from(b[i] & 0xC0 != 0x80);
            i += 1;
        }
        if !flat.is_empty() {
            flat.push(' ');
            chars += 1;
        }
        flat.push_str(&text[start..i]);
        chars += word_chars;
    }
    if chars <= max {
        return flat;
    }
    // The first `max` characters. `flat` holds `chars` of them, and the ones past `max` are
    // in the last run pushed, so the cut is found from the end (a few characters) rather
    // than by counting `max` characters from the start.
    let cut_at = flat
        .char_indices()
        .rev()
        .nth(chars - max - 1)
        .map_or(0, |(i, _)| i);
    cut_summary(&flat[..cut_at])
}

/// [`summarize`] of text made of paragraphs whose whitespace is already collapsed (single
/// spaces between words, none at either end), separated by blank lines: the cleaned body
/// text. Collapsing such text only turns each blank line into a space, so the summary's
/// characters are found by counting, with no word-by-word walk, which every item would pay
/// for 300 characters.
pub fn summarize_paragraphs(text: &str, max: usize) -> String {
    let mut flat = String::with_capacity(text.len().min(2 * max + 64));
    // Characters in `flat`, up to `max + 1`: enough to know whether it is cut.
    let mut chars = 0;
    let mut rest = text;
    while chars <= max {
        // The next paragraph (`str::split` with a two-byte pattern walked it byte by byte,
        // at three times the cost of everything else here).
        let (para, next) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(n) => (&rest[..n], Some(rest[n..].trim_start_matches('\n'))),
            None => (rest, None),
        };
        let (end, n) = char_prefix(para, max + 1 - chars);
        flat.push_str(&para[..end]);
        chars += n;
        match next {
            Some(next) if chars <= max => {
                flat.push(' ');
                chars += 1;
                rest = next;
            }
            _ => break,
        }
    }
    if chars <= max {
        return flat;
    }
    let cut_at = char_prefix(&flat, max).0;
    cut_summary(&flat[..cut_at])
}

/// The byte length and character count of the first `n` characters of `s` (all of `s`
/// when shorter). Counted 64 bytes at a time as bytes that are not UTF-8 continuation
/// bytes (a loop the compiler vectorizes), then byte by byte in the last block.
fn char_prefix(s: &str, n: usize) -> (usize, usize) {
    let b = s.as_bytes();
    let mut at = 0;
    let mut count = 0;
    while at + 64 <= b.len() {
        let in_block = b[at..at + 64].iter().filter(|&&c| c & 0xC0 != 0x80).count();
        if count + in_block > n {
            break;
        }
        count += in_block;
        at += 64;
    }
    while at < b.len() {
        if b[at] & 0xC0 != 0x80 {
            if count == n {
                return (at, count);
            }
            count += 1;
        }
        at += 1;
    }
    (b.len(), count)
}

/// A summary's end: the cut text back to its last word boundary (when that keeps more than
/// half of it), without trailing punctuation, and "…".
fn cut_summary(cut: &str) -> String {
    let at_word = match cut.rfind(' ') {
        Some(i) if i > cut.len() / 2 => &cut[..i],
        _ => cut,
    };
    let trimmed =
        at_word.trim_end_matches(|c: char| c.is_ascii_punctuation() || c == '،' || c == ' ');
    format!("{trimmed}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_runs_agree_with_char_is_whitespace() {
        let samples = [
            "",
            " ",
            "a",
            "  ليبيا\u{a0}\u{a0}و طرابلس\t\n x ",
            "\u{3000}a\u{2003}b\u{205f}\u{2060}c\u{85}d",
            "\u{1680}\u{180e}\u{200b}\u{202f}é漢字 🇱🇾",
        ];
        for s in samples {
            let runs: Vec<(bool, &str)> = whitespace_runs(s).collect();
            assert_eq!(runs.iter().map(|r| r.1).collect::<String>(), s, "{s:?}");
            for (space, run) in &runs {
                assert!(
                    run.chars().all(|c| c.is_whitespace() == *space),
                    "{s:?}: {run:?}"
                );
            }
            for w in runs.windows(2) {
                assert_ne!(w[0].0, w[1].0, "runs alternate in {s:?}");
            }
            let want: Vec<&str> = s.split_whitespace().collect();
            assert_eq!(collapse_whitespace(s), want.join(" "), "{s:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn whitespace_runs_split_any_text_at_char_is_whitespace(
            s in "[\u{0000}-\u{00FF}\u{0600}-\u{0660}\u{1680}\u{2000}-\u{2060}\u{3000}\u{E000}\u{E100}-\u{E110}«» a]{0,80}"
        ) {
            let runs: Vec<(bool, &str)> = whitespace_runs(&s).collect();
            proptest::prop_assert_eq!(runs.iter().map(|r| r.1).collect::<String>(), s.clone());
            for (space, run) in &runs {
                proptest::prop_assert!(!run.is_empty());
                proptest::prop_assert!(run.chars().all(|c| c.is_whitespace() == *space));
            }
            for w in runs.windows(2) {
                proptest::prop_assert_ne!(w[0].0, w[1].0);
            }
        }
    }

    #[test]
    fn tidy_folds_presentation_forms_and_drops_bidi_controls() {
        assert_eq!(tidy("\u{FEDF}\u{FEF4}\u{FE91}\u{FEF4}\u{FE8E}"), "ليبيا");
        assert_eq!(tidy("\u{202B}طرابلس\u{202C}\u{200F}"), "طرابلس");
        assert_eq!(tidy("a\u{200B}b\u{0007}c"), "abc");
        assert_eq!(tidy("می\u{200C}خواهم \u{200C}x"), "می\u{200C}خواهم x");
        // NFC: e + combining acute becomes é
        assert_eq!(tidy("e\u{0301}"), "é");
    }

    /// The plain definition of a summary, to check the counting ones against: collapse
    /// everything, then cut.
    fn reference_summary(text: &str, max: usize) -> String {
        let flat = collapse_whitespace(text);
        if flat.chars().count() <= max {
            return flat;
        }
        let cut: String = flat.chars().take(max).collect();
        let at_word = match cut.rfind(' ') {
            Some(i) if i > cut.len() / 2 => &cut[..i],
            _ => &cut[..],
        };
        let trimmed =
            at_word.trim_end_matches(|c: char| c.is_ascii_punctuation() || c == '،' || c == ' ');
        format!("{trimmed}…")
    }

    #[test]
    fn summaries_collapse_only_what_they_use_with_the_same_result() {
        let words = ["ليبيا", "  طرابلس،\n", "a.", "\u{a0}", "بنغازي"];
        for n in 0..60 {
            let text: String = (0..n).map(|i| words[(i * 7 + n) % words.len()]).collect();
            for max in [0, 1, 5, 12, 13, 20, 40] {
                assert_eq!(
                    summarize(&text, max),
                    reference_summary(&text, max),
                    "{text:?} {max}"
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn summaries_agree_with_collapsing_everything(
            text in "[ب-ي a-c.،\\n\\t\u{a0}\u{85}\u{2003}\u{3000}\u{1680}\u{2028}\u{e1}\u{2019}]{0,90}",
            max in 0usize..60,
        ) {
            proptest::prop_assert_eq!(summarize(&text, max), reference_summary(&text, max));
        }
    }

    proptest::proptest! {
        #[test]
        fn paragraph_summaries_agree_with_summaries(
            paras in proptest::collection::vec("[ب-ي a-c.،«\u{2019}]{1,70}", 0..6),
            max in 0usize..150,
        ) {
            // Paragraphs as the block pass writes them: collapsed, non-empty.
            let paras: Vec<String> = paras
                .iter()
                .map(|p| collapse_whitespace(p))
                .filter(|p| !p.is_empty())
                .collect();
            let text = paras.join("\n\n");
            proptest::prop_assert_eq!(summarize_paragraphs(&text, max), summarize(&text, max));
        }
    }

    #[test]
    fn summaries_cut_at_a_word_boundary() {
        let s = "واصلت قوات حكومة الوفاق الوطني الليبية الضغط على قوات اللواء المتقاعد";
        assert_eq!(summarize(s, 400), s);
        assert_eq!(summarize(s, 20), "واصلت قوات حكومة…");
        assert_eq!(summarize("  a   b  ", 10), "a b");
    }
}
