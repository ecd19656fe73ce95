//! Arabic normalization for matching: one function used by tagging, search and fingerprints.
//!
//! This is never applied to what readers see; it folds spelling variants so that rules and
//! queries match however a site spells a word. Each rule, with an example:
//!
//! | rule | example |
//! |---|---|
//! | diacritics (tashkeel U+064B–U+065F, dagger alef U+0670) removed | لِيبِيَا → ليبيا |
//! | tatweel (U+0640) removed | ليـــبيا → ليبيا |
//! | alef forms أ إ آ ٱ → ا | إجدابيا → اجدابيا |
//! | alef maqsura ى → ي | بنغازى → بنغازي |
//! | ta marbuta ة → ه | مصراتة → مصراته |
//! | hamza on waw ؤ → و | مؤسسة → موسسه |
//! | hamza on ya ئ → ي | رئيس → رييس |
//! | Arabic-Indic ٠-٩ and Persian ۰-۹ digits → 0-9 | ٢٠١١ → 2011 |
//! | Latin lower-cased | Haftar → haftar |
//! | presentation forms (U+FB50–U+FDFF, U+FE70–U+FEFC) → base letters | ﻟﻴﺒﻴﺎ → ليبيا |
//! | zero-width and bidi controls removed | لي\u{200F}بيا → ليبيا |
//!
//! [`normalize_words`] additionally turns every run of non-letters into one space, which is
//! the form the tag matcher and the fingerprint work on.

/// Folds one character for matching, appending the result (nothing when it is dropped).
#[inline]
fn fold(c: char, out: &mut String) {
    match c {
        // Fast path: plain Arabic letters other than those unified below, and ASCII
        // letters and digits other than capitals, stay as they are.
        'ء' | 'ا' | 'ب' | 'ت'..='غ' | 'ف'..='و' | 'ي' | 'a'..='z' | '0'..='9' | ' ' => {
            out.push(c)
        }
        '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' => {}
        'أ' | 'إ' | 'آ' | 'ٱ' => out.push('ا'),
        'ى' => out.push('ي'),
        'ة' => out.push('ه'),
        'ؤ' => out.push('و'),
        'ئ' => out.push('ي'),
        '٠'..='٩' => out.push(char::from(b'0' + (c as u32 - '٠' as u32) as u8)),
        '۰'..='۹' => out.push(char::from(b'0' + (c as u32 - '۰' as u32) as u8)),
        'A'..='Z' => out.push(c.to_ascii_lowercase()),
        '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}' => {}
        '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFC}' => {
            // Presentation forms fold through their compatibility decomposition; the result
            // is folded again so a ligature's hamza or alef forms are unified too.
            unicode_normalization::char::decompose_compatible(c, |d| {
                if d != c { fold(d, out) } else { out.push(d) }
            });
        }
        c if c.is_ascii() => out.push(c),
        c if c.is_uppercase() => out.extend(c.to_lowercase()),
        c => out.push(c),
    }
}

/// Normalizes text for matching (see the module docs for the rules). Keeps spacing and
/// punctuation as they are.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        fold(c, &mut out);
    }
    out
}

/// Normalizes and reduces text to words separated by single spaces: letters and digits are
/// kept, everything else (punctuation, quotes, newlines) becomes a word break.
pub fn normalize_words(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    normalize_words_into(text, &mut folded);
    folded
}

/// [`normalize_words`] into a reused buffer (cleared first).
pub fn normalize_words_into(text: &str, out: &mut String) {
    out.clear();
    normalize_words_append(text, out);
}

/// [`normalize_words`] of `text` appended to `out`, exactly as if `out` were empty (no
/// space is put between what `out` held and the new words).
pub fn normalize_words_append(text: &str, out: &mut String) {
    let start = out.len();
    let mut folded = String::new();
    let mut pending_space = false;
    for c in text.chars() {
        folded.clear();
        fold(c, &mut folded);
        for d in folded.chars() {
            if is_word_char(d) {
                if pending_space && out.len() > start {
                    out.push(' ');
                }
                pending_space = false;
                out.push(d);
            } else if is_combining(d) {
                // Marks other than the Arabic diacritics dropped by `fold` stay with their
                // letter.
                out.push(d);
            } else {
                pending_space = true;
            }
        }
    }
}

/// Two normalized texts as one (what normalizing them joined by a line break gives).
pub fn join_words(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (_, true) => a.to_string(),
        (true, false) => b.to_string(),
        (false, false) => format!("{a} {b}"),
    }
}

/// Letters and digits, with the Arabic and ASCII cases decided without Unicode tables:
/// this runs on every character of every item, and `char::is_alphanumeric`'s table search
/// shows at the top of a fetch pass's profile (bench/README.md).
#[inline]
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    if ('\u{0600}'..='\u{06FF}').contains(&c) {
        return is_arabic_letter(c) || matches!(c, '٠'..='٩' | '۰'..='۹');
    }
    c.is_alphanumeric()
}

/// Terms to index for full-text search, space separated. Each normalized word gives its
/// light stem (article chains ال وال بال لل … and common suffixes ي ية يين ون ات ها … taken
/// off while three letters remain), and, when it starts with a one-letter proclitic
/// (و ف ب ك ل), also the stem without it: a prefix letter cannot be told from a first
/// letter (بليبيا vs بنغازي), so both readings are indexed and the query decides.
/// With [`search_query`], `ليبيا` finds `الليبية`, `بليبيا`, `وليبيا`, `الليبيين`.
pub fn search_terms(text: &str) -> String {
    search_terms_of_words(&normalize_words(text))
}

/// [`search_terms`] of text already in [`normalize_words`] form.
pub fn search_terms_of_words(norm: &str) -> String {
    let mut out = String::with_capacity(norm.len() * 2);
    for w in norm.split(' ').filter(|w| !w.is_empty()) {
        push_term(&mut out, light_stem(w));
        if let Some(rest) = w.strip_prefix(['و', 'ف', 'ب', 'ك', 'ل'])
            && rest.chars().count() >= 3
            && rest.chars().next().is_some_and(is_arabic_letter)
        {
            push_term(&mut out, light_stem(rest));
        }
    }
    out
}

/// The terms of a search query: one light stem per word (see [`search_terms`]).
pub fn search_query(text: &str) -> Vec<String> {
    normalize_words(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| light_stem(w).to_string())
        .collect()
}

fn push_term(out: &mut String, t: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(t);
}

fn light_stem(w: &str) -> &str {
    if !w.chars().next().is_some_and(is_arabic_letter) {
        return w;
    }
    let len = |s: &str| s.chars().count();
    let mut s = w;
    for p in ["وال", "فال", "بال", "كال", "ولل", "فلل", "لل", "ال"] {
        if let Some(rest) = s.strip_prefix(p)
            && len(rest) >= 3
        {
            s = rest;
            break;
        }
    }
    for suf in [
        "يون", "يين", "ات", "ها", "هم", "يه", "ين", "ون", "ي", "ه", "ا",
    ] {
        if let Some(rest) = s.strip_suffix(suf)
            && len(rest) >= 3
        {
            s = rest;
            break;
        }
    }
    // ليبيا → ليبي → ليب: the nisba ي left once a suffix was taken.
    match s.strip_suffix('ي') {
        Some(rest) if len(rest) >= 3 && len(s) < len(w) => rest,
        _ => s,
    }
}

/// True when normalized text starts with a combining mark, which [`normalize_words`]
/// attaches to the word before it (so normalizing "a\n\nb" is not norm(a) + " " + norm(b)).
pub fn starts_with_mark(norm: &str) -> bool {
    norm.chars().next().is_some_and(is_combining)
}

fn is_combining(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{0610}'..='\u{061A}' | '\u{06D6}'..='\u{06ED}')
}

/// True for letters of the Arabic script (including supplements and presentation forms).
/// Explicit ranges rather than `char::is_alphabetic`: this runs on every character.
#[inline]
pub const fn is_arabic_letter(c: char) -> bool {
    matches!(c,
        '\u{0620}'..='\u{063F}' | '\u{0641}'..='\u{064A}' | '\u{066E}' | '\u{066F}'
        | '\u{0671}'..='\u{06D3}' | '\u{06D5}' | '\u{06EE}' | '\u{06EF}' | '\u{06FA}'..='\u{06FC}'
        | '\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08C9}'
        | '\u{FB50}'..='\u{FD3D}' | '\u{FD50}'..='\u{FDC7}' | '\u{FDF0}'..='\u{FDFB}'
        | '\u{FE70}'..='\u{FE74}' | '\u{FE76}'..='\u{FEFC}')
}

/// "rtl" when most letters are Arabic-script, else "ltr".
pub fn direction(text: &str) -> &'static str {
    direction_of(&[text])
}

/// [`direction`] of texts taken together (as if joined by spaces), without joining them.
pub fn direction_of(texts: &[&str]) -> &'static str {
    let (rtl, ltr) = texts
        .iter()
        .flat_map(|t| t.chars())
        .map(direction_weight)
        .fold((0, 0), |(r, l), (a, b)| (r + a, l + b));
    if rtl >= ltr && rtl > 0 { "rtl" } else { "ltr" }
}

/// What one character adds to the (right-to-left, left-to-right) letter counts.
fn direction_weight(c: char) -> (usize, usize) {
    if c.is_ascii() {
        (0, usize::from(c.is_ascii_alphabetic()))
    } else if is_arabic_letter(c) || ('\u{05D0}'..='\u{05EA}').contains(&c) {
        (1, 0)
    } else if c.is_alphabetic() && !('\u{0600}'..='\u{06FF}').contains(&c) {
        (0, 1)
    } else {
        (0, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_documented_rule_holds() {
        let cases = [
            ("لِيبِيَا", "ليبيا"),
            ("ليـــبيا", "ليبيا"),
            ("إجدابيا", "اجدابيا"),
            ("أحمد آمال ٱلله", "احمد امال الله"),
            ("بنغازى", "بنغازي"),
            ("مصراتة", "مصراته"),
            ("مؤسسة", "موسسه"),
            ("رئيس", "رييس"),
            ("٢٠١١ و۱۹۶۹", "2011 و1969"),
            ("Haftar TRIPOLI", "haftar tripoli"),
            ("\u{FEDF}\u{FEF4}\u{FE91}\u{FEF4}\u{FE8E}", "ليبيا"),
            ("لي\u{200F}بيا\u{202B}", "ليبيا"),
            ("هٰذا", "هذا"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize(input), want, "normalize({input:?})");
        }
    }

    #[test]
    fn words_are_separated_by_single_spaces() {
        assert_eq!(
            normalize_words("«الليبيّة»،  وطرابلس.\n(Haftar's) ٢٠٢٠"),
            "الليبيه وطرابلس haftar s 2020"
        );
        assert_eq!(normalize_words("  ...  "), "");
    }

    #[test]
    fn normalization_is_idempotent() {
        let s = "قوات «حفتر» تتقدم نحو إجدابيا، وبنغازى تترقّب ٢٠٢٠";
        assert_eq!(normalize(&normalize(s)), normalize(s));
        assert_eq!(normalize_words(&normalize_words(s)), normalize_words(s));
    }

    #[test]
    fn search_terms_fold_clitics_and_suffixes() {
        assert_eq!(search_query("ليبيا"), vec!["ليب"]);
        for w in ["ليبيا", "الليبية", "بليبيا", "وليبيا", "الليبيين", "لِيبِيَا"]
        {
            let terms = search_terms(w);
            assert!(terms.split(' ').any(|t| t == "ليب"), "{w}: {terms}");
        }
        assert_eq!(search_terms("بنغازي"), "بنغاز نغاز");
        assert_eq!(search_query("بنغازى"), vec!["بنغاز"]);
        assert_eq!(search_terms("والطرابلسيون"), "طرابلس طرابلس");
        assert_eq!(search_terms("Haftar ٢٠٢٠"), "haftar 2020");
    }

    #[test]
    fn direction_follows_the_majority_script() {
        assert_eq!(direction("ليبيا Libya"), "rtl");
        assert_eq!(direction("Libya news in English with ليبيا"), "ltr");
        assert_eq!(direction("123"), "ltr");
    }
}
