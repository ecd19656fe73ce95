//! Deciding a body's charset and converting it to UTF-8.
//!
//! The XML declaration's `encoding` attribute is left in the text: the repair pass
//! removes it while it copies the text anyway (see `repair`), so a valid UTF-8 body is
//! borrowed here, not copied.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1256};

/// A body converted to UTF-8.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// The text (borrowed from the body when it is valid UTF-8 without BOM).
    pub text: Cow<'a, str>,
    /// The charset used.
    pub encoding: &'static Encoding,
    /// Set when bytes had to be replaced or the charset was guessed.
    pub warning: Option<String>,
}

/// Converts `body` to UTF-8 (see the module docs of `parse` for the order of evidence).
pub fn decode<'a>(
    body: &'a [u8],
    content_type: Option<&str>,
    override_encoding: Option<&'static Encoding>,
) -> Decoded<'a> {
    decode_with_hints(body, content_type, override_encoding, Hints::default())
}

/// What the body's own bytes do not say, for guessing an undeclared charset.
#[derive(Debug, Default, Clone, Copy)]
pub struct Hints<'h> {
    /// The URL the body came from (its country-code domain).
    pub url: Option<&'h str>,
    /// The source's language, as configured.
    pub language: Option<&'h str>,
}

/// [`decode`], with hints for a body that declares no charset.
pub fn decode_with_hints<'a>(
    body: &'a [u8],
    content_type: Option<&str>,
    override_encoding: Option<&'static Encoding>,
    hints: Hints<'_>,
) -> Decoded<'a> {
    decode_with(
        body,
        content_type,
        override_encoding,
        (declared_charset, "XML declaration"),
        hints,
    )
}

/// Converts an HTML page to UTF-8 with the same order of evidence as [`decode`], the
/// page's `<meta charset>` (or `http-equiv` Content-Type) standing where a feed has its XML
/// declaration.
pub fn decode_page<'a>(
    body: &'a [u8],
    content_type: Option<&str>,
    override_encoding: Option<&'static Encoding>,
    hints: Hints<'_>,
) -> Decoded<'a> {
    decode_with(
        body,
        content_type,
        override_encoding,
        (meta_charset, "<meta charset>"),
        hints,
    )
}

/// How a document declares its own charset, and what to call that in warnings.
type Declared = (fn(&[u8]) -> Option<&'static Encoding>, &'static str);

fn decode_with<'a>(
    body: &'a [u8],
    content_type: Option<&str>,
    override_encoding: Option<&'static Encoding>,
    (declared_charset, declaration): Declared,
    hints: Hints<'_>,
) -> Decoded<'a> {
    let mut warnings = Vec::new();
    let (encoding, guessed) = if let Some(e) = override_encoding {
        (e, false)
    } else if let Some((e, _)) = Encoding::for_bom(body) {
        // A BOM is the strongest evidence (browsers agree); a label that contradicts it is
        // a CMS template left over from a migration, worth telling the admin about.
        let header = content_type.and_then(header_charset);
        let declared = declared_charset(body);
        for (label, what) in [(header, "HTTP charset"), (declared, declaration)] {
            if let Some(l) = label.filter(|l| *l != e) {
                warnings.push(format!(
                    "byte order mark says {} but the {what} says {}: {} used",
                    e.name(),
                    l.name(),
                    e.name()
                ));
            }
        }
        (e, false)
    } else if let Some(e) = content_type.and_then(header_charset) {
        (e, false)
    } else if let Some(e) = declared_charset(body) {
        (e, false)
    } else if std::str::from_utf8(body).is_ok() || mostly_utf8(body) {
        (UTF_8, false)
    } else {
        (guess(body, hints), true)
    };
    let text = if encoding == UTF_8 {
        let (text, legacy, replaced) = decode_mixed(body);
        if legacy > 0 {
            warnings.push(format!(
                "{legacy} word(s) in windows-1256 bytes inside UTF-8 text were decoded as windows-1256"
            ));
        }
        if replaced > 0 {
            warnings.push(format!(
                "{replaced} byte sequence(s) invalid in UTF-8 were replaced"
            ));
        }
        text
    } else {
        // encoding_rs maps the legacy label "utf-16" declarations inside 8-bit text to
        // UTF-8; decode_with_bom_removal honours a BOM that contradicts the label, as
        // browsers do.
        let (text, had_errors) = encoding.decode_with_bom_removal(body);
        if guessed {
            warnings.push(format!(
                "no charset given and not valid UTF-8: guessed {} from the bytes",
                encoding.name()
            ));
        } else if had_errors {
            warnings.push(format!(
                "{} byte sequence(s) invalid in {} were replaced",
                text.matches('\u{FFFD}').count(),
                encoding.name()
            ));
        }
        text
    };
    Decoded {
        text,
        encoding,
        warning: (!warnings.is_empty()).then(|| warnings.join("; ")),
    }
}

/// Decodes UTF-8 that may hold words in windows-1256 bytes: an item pasted from a legacy
/// CMS into a UTF-8 feed. Both are ASCII-compatible, so the text is cut into runs of
/// non-ASCII bytes (a UTF-8 character never spans ASCII): a run valid in UTF-8 is UTF-8;
/// an invalid run that reads as Arabic in windows-1256 is taken as windows-1256 (real
/// UTF-8 damage rarely does: bytes 0x80–0xBF are continuation bytes in UTF-8 but mostly
/// punctuation there); anything else is replaced with U+FFFD. Returns the text, the
/// windows-1256 runs and the replaced sequences.
fn decode_mixed(body: &[u8]) -> (Cow<'_, str>, usize, usize) {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if let Ok(s) = std::str::from_utf8(body) {
        return (Cow::Borrowed(s), 0, 0);
    }
    let mut out = String::with_capacity(body.len() + body.len() / 4);
    let (mut legacy, mut replaced) = (0, 0);
    let mut i = 0;
    while i < body.len() {
        let ascii_end = body[i..]
            .iter()
            .position(|b| !b.is_ascii())
            .map_or(body.len(), |p| i + p);
        out.push_str(std::str::from_utf8(&body[i..ascii_end]).expect("ASCII"));
        i = ascii_end;
        let run_end = body[i..]
            .iter()
            .position(u8::is_ascii)
            .map_or(body.len(), |p| i + p);
        let run = &body[i..run_end];
        i = run_end;
        if run.is_empty() {
            continue;
        }
        if let Ok(s) = std::str::from_utf8(run) {
            out.push_str(s);
            continue;
        }
        let (legacy_text, _) = WINDOWS_1256.decode_without_bom_handling(run);
        if reads_as_arabic(&legacy_text) {
            out.push_str(&legacy_text);
            legacy += 1;
        } else {
            let lossy = String::from_utf8_lossy(run);
            replaced += lossy.matches('\u{FFFD}').count();
            out.push_str(&lossy);
        }
    }
    (Cow::Owned(out), legacy, replaced)
}

/// Guesses the charset of undeclared, non-UTF-8 bytes with chardetng (Firefox's
/// detector), which scores each legacy encoding by how its letters combine: Latin-1
/// Portuguese and windows-1256 Arabic use the same byte range, so no fixed fallback reads
/// both. Its prior is a top-level domain: the one of the language the document declares
/// (`<language>`, `xml:lang`, read from the ASCII bytes), else the URL's country domain.
/// The source's configured language is weaker evidence (it is marsad's default for every
/// source the admin did not set): it is used only when the bytes alone leave chardetng
/// unsure, since as a prior it turns KOI8-R or EUC-KR into windows-1256.
fn guess(body: &[u8], hints: Hints<'_>) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(body, true);
    let declared = declared_language(body);
    let url_tld = hints
        .url
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| {
            let host = u.host_str()?.to_ascii_lowercase();
            let tld = host.rsplit('.').next()?.to_string();
            (tld.len() == 2 && tld.bytes().all(|b| b.is_ascii_lowercase())).then_some(tld)
        });
    let strong: Option<Vec<u8>> = declared
        .as_deref()
        .and_then(language_tld)
        .map(<[u8]>::to_vec)
        .or(url_tld.map(String::into_bytes));
    if let Some(tld) = strong {
        return detector.guess(Some(&tld), false);
    }
    match detector.guess_assess(None, false) {
        (e, true) => e,
        (e, false) => hints
            .language
            .and_then(language_tld)
            .map_or(e, |tld| detector.guess(Some(tld), false)),
    }
}

/// A country domain chardetng associates with the script of language `lang` (its hint is
/// a domain, not a language); `None` for languages it guesses best without one.
fn language_tld(lang: &str) -> Option<&'static [u8]> {
    let primary = lang.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    Some(match primary.as_str() {
        "ar" => b"eg",
        "fa" => b"ir",
        "ur" => b"pk",
        "he" => b"il",
        "el" => b"gr",
        "ru" | "uk" | "bg" | "sr" => b"ru",
        "tr" | "az" => b"tr",
        "pt" => b"pt",
        "es" => b"es",
        "fr" => b"fr",
        "de" => b"de",
        "it" => b"it",
        _ => return None,
    })
}

/// The language a feed declares in its first bytes (`<language>`, `<dc:language>`,
/// `xml:lang`), read as ASCII before the charset is known.
fn declared_language(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(4096)];
    let find = |needle: &[u8]| head.windows(needle.len()).position(|w| w == needle);
    let value = |from: usize, stop: &[u8]| -> Option<String> {
        let rest = head.get(from..)?;
        let end = rest.iter().position(|b| stop.contains(b))?;
        let v = std::str::from_utf8(&rest[..end]).ok()?.trim();
        (!v.is_empty() && v.len() < 20).then(|| v.to_string())
    };
    if let Some(p) = find(b"<language>") {
        return value(p + 10, b"<");
    }
    if let Some(p) = find(b"<dc:language>") {
        return value(p + 13, b"<");
    }
    let p = find(b"xml:lang=")?;
    value(p + 10, b"\"'")
}

/// Arabic letters, harakat, tatweel, Arabic punctuation and the typographic marks Arabic
/// text uses, with at least one letter.
fn reads_as_arabic(s: &str) -> bool {
    let arabic_letter = |c: char| matches!(c, '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}' | 'پ' | 'چ' | 'ژ' | 'گ' | 'ک');
    s.chars().any(arabic_letter)
        && s.chars().all(|c| {
            arabic_letter(c)
                || matches!(
                    c,
                    '\u{0640}'
                        ..='\u{0652}'
                            | '،'
                            | '؛'
                            | '؟'
                            | '«'
                            | '»'
                            | '…'
                            | '–'
                            | '—'
                            | '“'
                            | '”'
                            | '\u{A0}'
                )
        })
}

/// Undeclared bytes that are not valid UTF-8 but hold at least as many valid multi-byte
/// UTF-8 runs as invalid ones: UTF-8 with pasted legacy words, not a windows-1256 feed
/// (whose Arabic letters, 0xC1–0xFE, are almost never followed by a continuation byte).
fn mostly_utf8(body: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    for run in body.split(u8::is_ascii).filter(|r| !r.is_empty()) {
        if std::str::from_utf8(run).is_ok() {
            valid += 1;
        } else {
            invalid += 1;
        }
    }
    valid >= invalid && valid > 0
}

fn header_charset(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("charset"))
            .then(|| Encoding::for_label(v.trim().trim_matches('"').as_bytes()))
            .flatten()
    })
}

/// The charset a page declares in a `<meta>` within its first 1024 bytes (where the HTML
/// standard's prescan looks): `<meta charset=…>` or `<meta http-equiv=Content-Type
/// content="…; charset=…">`. A UTF-16 label means UTF-8 there (the bytes read as ASCII).
fn meta_charset(body: &[u8]) -> Option<&'static Encoding> {
    let head = &body[..body.len().min(1024)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut rest = head.as_str();
    while let Some(at) = rest.find("<meta") {
        rest = &rest[at + 5..];
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        let Some(pos) = tag.find("charset") else {
            continue;
        };
        let value = tag[pos + "charset".len()..].trim_start();
        let Some(value) = value.strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start().trim_start_matches(['"', '\'', ' ']);
        let end = value
            .find(|c: char| matches!(c, '"' | '\'' | ';' | '/') || c.is_whitespace())
            .unwrap_or(value.len());
        if let Some(e) = Encoding::for_label(&value.as_bytes()[..end]) {
            return Some(
                if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE {
                    UTF_8
                } else {
                    e
                },
            );
        }
    }
    None
}

/// The `encoding` of an `<?xml …?>` declaration at the start of the body.
fn declared_charset(body: &[u8]) -> Option<&'static Encoding> {
    let head = &body[..body.len().min(256)];
    let head = std::str::from_utf8(head)
        .ok()
        .map(str::to_string)
        .unwrap_or_else(|| String::from_utf8_lossy(head).into_owned());
    let decl = head.trim_start_matches('\u{FEFF}').trim_start();
    let decl = decl.strip_prefix("<?xml")?;
    let end = decl.find("?>")?;
    let decl = &decl[..end];
    let pos = decl.find("encoding")?;
    let rest = decl[pos + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next()?;
    // Skip the quote by its UTF-8 length: on a malformed declaration the character after
    // `=` can be anything (a U+FFFD from lossy decoding, found by the `ingest` fuzz
    // target), and slicing off one byte panicked inside it.
    let rest = &rest[quote.len_utf8()..];
    let value = &rest[..rest.find(quote)?];
    Encoding::for_label(value.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp1256(s: &str) -> Vec<u8> {
        WINDOWS_1256.encode(s).0.into_owned()
    }

    #[test]
    fn pages_declare_their_charset_in_meta() {
        let page = cp1256("<html><head><meta charset=\"windows-1256\"><title>ليبيا</title>");
        let d = decode_page(&page, Some("text/html"), None, Hints::default());
        assert_eq!(
            (d.text.as_ref(), d.encoding, d.warning),
            (
                "<html><head><meta charset=\"windows-1256\"><title>ليبيا</title>",
                WINDOWS_1256,
                None
            )
        );
        let page = encoding_rs::ISO_8859_6.encode("<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=iso-8859-6'><p>بنغازي</p>").0.into_owned();
        assert_eq!(
            decode_page(&page, None, None, Hints::default()).text,
            "<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=iso-8859-6'><p>بنغازي</p>"
        );
        // The header wins over the meta, the override over both.
        let page = cp1256("<meta charset=utf-8><p>حفتر</p>");
        assert_eq!(
            decode_page(
                &page,
                Some("text/html; charset=windows-1256"),
                None,
                Hints::default()
            )
            .text,
            "<meta charset=utf-8><p>حفتر</p>"
        );
        assert_eq!(
            decode_page(
                &page,
                Some("text/html; charset=utf-8"),
                Some(WINDOWS_1256),
                Hints::default()
            )
            .text,
            "<meta charset=utf-8><p>حفتر</p>"
        );
        assert_eq!(meta_charset(b"<meta charset=\"utf-16\">"), Some(UTF_8));
        assert_eq!(
            meta_charset(b"<meta name=x content=y><meta charset=bogus>"),
            None
        );
    }

    #[test]
    fn windows_1256_with_a_header_charset_becomes_utf8() {
        let body = cp1256("<?xml version=\"1.0\"?><rss><title>ليبيا</title></rss>");
        let d = decode(
            &body,
            Some("application/rss+xml; charset=windows-1256"),
            None,
        );
        assert_eq!(
            d.text,
            "<?xml version=\"1.0\"?><rss><title>ليبيا</title></rss>"
        );
        assert_eq!(d.encoding, WINDOWS_1256);
        assert_eq!(d.warning, None);
    }

    #[test]
    fn the_declaration_is_honoured() {
        let body = cp1256("<?xml version=\"1.0\" encoding=\"windows-1256\"?><rss>طرابلس</rss>");
        let d = decode(&body, Some("text/xml"), None);
        assert_eq!(
            d.text,
            "<?xml version=\"1.0\" encoding=\"windows-1256\"?><rss>طرابلس</rss>"
        );
    }

    #[test]
    fn iso_8859_6_is_understood() {
        let body = encoding_rs::ISO_8859_6
            .encode("<rss>بنغازي</rss>")
            .0
            .into_owned();
        let d = decode(&body, Some("text/xml; charset=ISO-8859-6"), None);
        assert_eq!(d.text, "<rss>بنغازي</rss>");
    }

    #[test]
    fn undeclared_non_utf8_is_guessed_as_windows_1256_with_a_warning() {
        let body = cp1256("<rss>مصراتة</rss>");
        let d = decode(&body, None, None);
        assert_eq!(d.text, "<rss>مصراتة</rss>");
        assert!(d.warning.unwrap().contains("windows-1256"));
    }

    #[test]
    fn invalid_bytes_in_utf8_are_counted_not_fatal() {
        let mut body = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss>".to_vec();
        body.extend_from_slice("ليبيا".as_bytes());
        body.extend_from_slice(&[0xff, 0xfe, b'x']);
        body.extend_from_slice(b"</rss>");
        let d = decode(&body, Some("text/xml; charset=utf-8"), None);
        assert_eq!(
            d.text,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss>ليبيا\u{FFFD}\u{FFFD}x</rss>"
        );
        assert_eq!(
            d.warning.as_deref(),
            Some("2 byte sequence(s) invalid in UTF-8 were replaced")
        );
    }

    #[test]
    fn an_override_beats_a_lying_header() {
        let body = cp1256("<rss>حفتر</rss>");
        let d = decode(&body, Some("text/xml; charset=utf-8"), Some(WINDOWS_1256));
        assert_eq!(d.text, "<rss>حفتر</rss>");
    }

    #[test]
    fn a_bom_beats_a_wrong_declaration() {
        let mut body = vec![0xEF, 0xBB, 0xBF];
        body.extend_from_slice(
            "<?xml version='1.0' encoding='windows-1256'?><rss>ليبيا</rss>".as_bytes(),
        );
        let d = decode(&body, None, None);
        assert_eq!(
            d.text,
            "<?xml version='1.0' encoding='windows-1256'?><rss>ليبيا</rss>"
        );
        assert_eq!(
            d.warning.as_deref(),
            Some(
                "byte order mark says UTF-8 but the XML declaration says windows-1256: UTF-8 used"
            )
        );
    }

    #[test]
    fn windows_1256_words_inside_utf8_are_decoded_as_such() {
        let mut body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss><a>ليبيا</a><b>"
            .as_bytes()
            .to_vec();
        body.extend(cp1256("بنغازي، اليوم"));
        body.extend_from_slice("</b><c>طرابلس</c></rss>".as_bytes());
        let d = decode(&body, None, None);
        assert_eq!(
            d.text,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss><a>ليبيا</a><b>بنغازي، اليوم</b><c>طرابلس</c></rss>"
        );
        assert_eq!(
            d.warning.as_deref(),
            Some("2 word(s) in windows-1256 bytes inside UTF-8 text were decoded as windows-1256")
        );
        // Without any declaration: mostly UTF-8, so the same.
        let undeclared = &body[body.iter().position(|b| *b == b'>').unwrap() + 1..];
        assert_eq!(
            decode(undeclared, None, None).text,
            "<rss><a>ليبيا</a><b>بنغازي، اليوم</b><c>طرابلس</c></rss>"
        );
    }
}
