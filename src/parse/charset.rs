//! Deciding a body's charset and converting it to UTF-8.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1256};

/// A body converted to UTF-8.
#[derive(Debug)]
pub struct Decoded {
    /// The text, with the XML declaration's `encoding` attribute removed.
    pub text: String,
    /// The charset used.
    pub encoding: &'static Encoding,
    /// Set when bytes had to be replaced or the charset was guessed.
    pub warning: Option<String>,
}

/// Converts `body` to UTF-8 (see the module docs of `parse` for the order of evidence).
pub fn decode(
    body: &[u8],
    content_type: Option<&str>,
    override_encoding: Option<&'static Encoding>,
) -> Decoded {
    let (encoding, guessed) = if let Some(e) = override_encoding {
        (e, false)
    } else if let Some((e, _)) = Encoding::for_bom(body) {
        (e, false)
    } else if let Some(e) = content_type.and_then(header_charset) {
        (e, false)
    } else if let Some(e) = declared_charset(body) {
        (e, false)
    } else if std::str::from_utf8(body).is_ok() {
        (UTF_8, false)
    } else {
        (WINDOWS_1256, true)
    };
    // encoding_rs maps the legacy label "utf-16" declarations inside 8-bit text to UTF-8;
    // decode_with_bom_removal honours a BOM that contradicts the label, as browsers do.
    let (text, had_errors) = encoding.decode_with_bom_removal(body);
    let replaced = if had_errors {
        text.matches('\u{FFFD}').count()
    } else {
        0
    };
    let warning = match (guessed, replaced) {
        (true, _) => {
            Some("no charset given and not valid UTF-8: decoded as windows-1256".to_string())
        }
        (false, 0) => None,
        (false, n) => Some(format!(
            "{n} byte sequence(s) invalid in {} were replaced",
            encoding.name()
        )),
    };
    Decoded {
        text: strip_declared_encoding(&text),
        encoding,
        warning,
    }
}

fn header_charset(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("charset"))
            .then(|| Encoding::for_label(v.trim().trim_matches('"').as_bytes()))
            .flatten()
    })
}

/// The `encoding` of an `<?xml …?>` declaration at the start of the body.
fn declared_charset(body: &[u8]) -> Option<&'static Encoding> {
    let head = &body[..body.len().min(256)];
    let head = std::str::from_utf8(head)
        .ok()
        .map(str::to_string)
        .unwrap_or_else(|| String::from_utf8_lossy(head).into_owned());
    let decl = head.trim_start();
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

/// Removes `encoding="…"` from the XML declaration: the text is UTF-8 now.
fn strip_declared_encoding(text: &str) -> String {
    let trimmed = text.trim_start();
    if !trimmed.starts_with("<?xml") {
        return text.to_string();
    }
    let offset = text.len() - trimmed.len();
    let Some(end) = trimmed.find("?>") else {
        return text.to_string();
    };
    let decl = &trimmed[..end];
    let Some(pos) = decl.find("encoding") else {
        return text.to_string();
    };
    let after = &decl[pos + "encoding".len()..];
    let Some(eq) = after.find('=') else {
        return text.to_string();
    };
    let value = after[eq + 1..].trim_start();
    let Some(quote) = value.chars().next().filter(|c| *c == '"' || *c == '\'') else {
        return text.to_string();
    };
    let Some(close) = value[1..].find(quote) else {
        return text.to_string();
    };
    let value_start = decl.len() - value.len();
    let cut_end = value_start + 1 + close + 1;
    format!(
        "{}{}{}{}",
        &text[..offset],
        decl[..pos].trim_end(),
        &decl[cut_end..],
        &trimmed[end..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp1256(s: &str) -> Vec<u8> {
        WINDOWS_1256.encode(s).0.into_owned()
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
    fn the_declaration_is_honoured_and_then_removed() {
        let body = cp1256("<?xml version=\"1.0\" encoding=\"windows-1256\"?><rss>طرابلس</rss>");
        let d = decode(&body, Some("text/xml"), None);
        assert_eq!(d.text, "<?xml version=\"1.0\"?><rss>طرابلس</rss>");
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
        let d = decode(&cp1256("<rss>مصراتة</rss>"), None, None);
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
            "<?xml version=\"1.0\"?><rss>ليبيا\u{FFFD}\u{FFFD}x</rss>"
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
        assert_eq!(d.text, "<?xml version='1.0'?><rss>ليبيا</rss>");
    }
}
