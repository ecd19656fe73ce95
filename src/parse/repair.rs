//! A repair pass for the XML errors real feeds make, run only after a strict parse failed.

/// The XML 1.0 predefined entities; every other named entity must be mapped or escaped.
const XML_ENTITIES: &[&str] = &["amp", "lt", "gt", "quot", "apos"];

/// HTML named entities common in Arabic and international feeds, as code points. feed-rs
/// rejects them in XML; mapping them to numeric references keeps the character.
const HTML_ENTITIES: &[(&str, u32)] = &[
    ("nbsp", 0xA0),
    ("laquo", 0xAB),
    ("raquo", 0xBB),
    ("rsquo", 0x2019),
    ("lsquo", 0x2018),
    ("rdquo", 0x201D),
    ("ldquo", 0x201C),
    ("hellip", 0x2026),
    ("ndash", 0x2013),
    ("mdash", 0x2014),
    ("copy", 0xA9),
    ("reg", 0xAE),
    ("trade", 0x2122),
    ("middot", 0xB7),
    ("bull", 0x2022),
    ("deg", 0xB0),
    ("eacute", 0xE9),
    ("egrave", 0xE8),
    ("agrave", 0xE0),
    ("ccedil", 0xE7),
    ("zwnj", 0x200C),
    ("zwj", 0x200D),
    ("rlm", 0x200F),
    ("lrm", 0x200E),
    ("times", 0xD7),
    ("divide", 0xF7),
    ("euro", 0x20AC),
    ("pound", 0xA3),
    ("shy", 0xAD),
    ("iexcl", 0xA1),
    ("cent", 0xA2),
    ("sect", 0xA7),
    ("para", 0xB6),
    ("frac12", 0xBD),
];

/// Repairs malformed XML; returns the text and a short description of what was fixed.
pub fn repair(text: &str) -> (String, String) {
    let mut out = String::with_capacity(text.len() + 64);
    let (mut amps, mut entities, mut controls) = (0usize, 0usize, 0usize);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match c {
            '&' => {
                let after = &rest[1..];
                let name_len = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
                    .unwrap_or(after.len());
                let name = &after[..name_len];
                let closed = after[name_len..].starts_with(';');
                if closed && (XML_ENTITIES.contains(&name) || is_char_ref(name)) {
                    out.push('&');
                } else if let (true, Some((_, cp))) =
                    (closed, HTML_ENTITIES.iter().find(|(n, _)| *n == name))
                {
                    out.push_str(&format!("&#{cp};"));
                    rest = &after[name_len + 1..];
                    entities += 1;
                    continue;
                } else {
                    out.push_str("&amp;");
                    amps += 1;
                }
            }
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => controls += 1,
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    (
        out,
        format!(
            "{amps} bare '&' escaped, {entities} HTML entities mapped, {controls} control characters dropped"
        ),
    )
}

fn is_char_ref(name: &str) -> bool {
    let Some(num) = name.strip_prefix('#') else {
        return false;
    };
    let value = match num.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => num.parse().ok(),
    };
    value
        .and_then(char::from_u32)
        .is_some_and(|c| c == '\t' || c == '\n' || c == '\r' || c as u32 >= 0x20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_ampersands_and_html_entities_are_fixed_and_valid_ones_kept() {
        let (fixed, what) = repair("A & B &amp; C&nbsp;D &#1604; &#x0; &bogus; \u{1}");
        assert_eq!(
            fixed,
            "A &amp; B &amp; C&#160;D &#1604; &amp;#x0; &amp;bogus; "
        );
        assert_eq!(
            what,
            "3 bare '&' escaped, 1 HTML entities mapped, 1 control characters dropped"
        );
    }
}
