//! The pre-repair pass: fixes the XML errors real feeds make, before feed-rs sees the text.
//!
//! It runs on every XML body (one linear scan, one copy) rather than only after a strict
//! parse failed, because feed-rs 3 silently accepts some of these errors and gives wrong
//! text: it keeps control characters and leaves undeclared entities (`&nbsp;`) as literal
//! text, so a strict-first design could not warn about them. CDATA sections, comments and
//! processing instructions are copied as they are (only control characters are dropped
//! there, as they are invalid everywhere in XML), so a well-formed feed comes out unchanged
//! and without a warning.
//!
//! What it fixes:
//! - text before the XML (a PHP warning printed ahead of the declaration) is removed;
//! - a DOCTYPE is removed whole, with its internal subset: entities declared there (billion
//!   laughs, `SYSTEM "file:///etc/passwd"`) are then never expanded nor fetched, and their
//!   references become literal text through the `&` rule below;
//! - a bare `&`, or an entity XML does not define, becomes `&amp;`; HTML named entities
//!   common in news text become numeric references (the character is kept);
//! - a `<` that cannot start markup (`< 5`, `<3%`) becomes `&lt;`;
//! - raw HTML in an RSS `<title>`, `<description>` or `<content:encoded>` (markup not
//!   escaped nor in CDATA, often with an unclosed `<p>`) is wrapped in CDATA: feed-rs would
//!   otherwise fail on the unclosed tag, or keep no text at all for a well-formed one;
//! - C0 control characters (but tab, newline, carriage return) and U+FFFE/U+FFFF are dropped.

/// The XML 1.0 predefined entities; every other named entity must be mapped or escaped.
const XML_ENTITIES: &[&str] = &["amp", "lt", "gt", "quot", "apos"];

/// HTML named entities common in Arabic and international feeds, as code points. XML does
/// not define them; mapping them to numeric references keeps the character.
const HTML_ENTITIES: &[(&str, u32)] = &[
    ("nbsp", 0xA0),
    ("laquo", 0xAB),
    ("raquo", 0xBB),
    ("lsaquo", 0x2039),
    ("rsaquo", 0x203A),
    ("rsquo", 0x2019),
    ("lsquo", 0x2018),
    ("sbquo", 0x201A),
    ("rdquo", 0x201D),
    ("ldquo", 0x201C),
    ("bdquo", 0x201E),
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
    ("thinsp", 0x2009),
    ("ensp", 0x2002),
    ("emsp", 0x2003),
    ("times", 0xD7),
    ("divide", 0xF7),
    ("plusmn", 0xB1),
    ("permil", 0x2030),
    ("euro", 0x20AC),
    ("pound", 0xA3),
    ("yen", 0xA5),
    ("cent", 0xA2),
    ("shy", 0xAD),
    ("iexcl", 0xA1),
    ("iquest", 0xBF),
    ("sect", 0xA7),
    ("para", 0xB6),
    ("frac12", 0xBD),
    ("frac14", 0xBC),
    ("frac34", 0xBE),
    ("larr", 0x2190),
    ("rarr", 0x2192),
];

/// What [`repair`] changed, counted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Fixes {
    /// Bytes of non-whitespace text removed before the XML.
    pub junk_before: usize,
    /// A DOCTYPE was removed; how many `<!ENTITY` declarations it held.
    pub doctype_entities: Option<usize>,
    /// Bare `&` (or undefined entities) escaped.
    pub amps: usize,
    /// HTML named entities mapped to numeric references.
    pub entities: usize,
    /// `<` in text escaped.
    pub lts: usize,
    /// Text elements holding raw HTML wrapped in CDATA.
    pub raw_html: usize,
    /// Control characters dropped.
    pub controls: usize,
    /// Element texts (or comments) over [`MAX_TEXT_BYTES`] cut.
    pub cut_texts: usize,
}

impl Fixes {
    /// A warning describing the fixes, or `None` when the text needed none. A DOCTYPE
    /// without entity declarations (RSS 0.91's public one) is removed without a word.
    pub fn warning(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.junk_before > 0 {
            parts.push(format!(
                "{} bytes of text before the XML removed",
                self.junk_before
            ));
        }
        if let Some(n @ 1..) = self.doctype_entities {
            parts.push(format!(
                "DOCTYPE with {n} entity declaration(s) removed, entities not expanded"
            ));
        }
        for (n, what) in [
            (self.amps, "bare '&' escaped"),
            (self.entities, "HTML entities mapped"),
            (self.lts, "'<' in text escaped"),
            (self.raw_html, "elements with raw HTML wrapped in CDATA"),
            (self.controls, "control characters dropped"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        if self.cut_texts > 0 {
            parts.push(format!(
                "{} element text(s) over {MAX_TEXT_BYTES} bytes cut",
                self.cut_texts
            ));
        }
        (!parts.is_empty()).then(|| format!("malformed XML repaired: {}", parts.join(", ")))
    }
}

/// Text longer than this many bytes in one element (between two tags, CDATA included) is
/// cut, so one huge item never reaches feed-rs whole: feed-rs holds an element's text two
/// or three times over while reading it. Cut at a character boundary and never inside an
/// entity reference, so the output stays well-formed. Twice the body cap, because escaped
/// HTML is longer than the HTML it stands for: the exact cap is applied after feed-rs.
pub const MAX_TEXT_BYTES: usize = 2 * super::MAX_BODY_BYTES;

/// The output, with the text budget of the current element.
struct Out {
    s: String,
    /// Text bytes written since the last tag.
    since_tag: usize,
    /// The current text was cut already (counted once).
    cutting: bool,
    /// Inside a start or end tag: not text, no budget.
    in_tag: bool,
    fixes: Fixes,
}

impl Out {
    /// A tag ended: the budget is renewed.
    fn tag(&mut self) {
        self.since_tag = 0;
        self.cutting = false;
    }

    /// Text, cut at a character boundary when over the budget.
    fn text(&mut self, t: &str) {
        if self.in_tag {
            self.s.push_str(t);
            return;
        }
        let room = MAX_TEXT_BYTES.saturating_sub(self.since_tag);
        if t.len() <= room {
            self.s.push_str(t);
            self.since_tag += t.len();
        } else {
            self.s.push_str(&t[..t.floor_char_boundary(room)]);
            self.since_tag = MAX_TEXT_BYTES;
            self.cut();
        }
    }

    /// Text that must be written whole or not at all (an entity reference).
    fn whole(&mut self, t: &str) {
        if self.in_tag {
            self.s.push_str(t);
        } else if self.since_tag + t.len() <= MAX_TEXT_BYTES {
            self.s.push_str(t);
            self.since_tag += t.len();
        } else {
            self.cut();
        }
    }

    /// Text with control characters dropped.
    fn text_without_controls(&mut self, t: &str) {
        let mut rest = t;
        while let Some(p) = rest.find(is_dropped) {
            self.text(&rest[..p]);
            let c = rest[p..].chars().next().expect("found");
            self.fixes.controls += 1;
            rest = &rest[p + c.len_utf8()..];
        }
        self.text(rest);
    }

    fn cut(&mut self) {
        if !self.cutting {
            self.cutting = true;
            self.fixes.cut_texts += 1;
        }
    }
}

fn is_dropped(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}'
}

/// Repairs malformed XML (see the module docs); returns the text and what was fixed.
pub fn repair(text: &str) -> (String, Fixes) {
    let mut fixes = Fixes::default();
    let start = xml_start(text);
    if text[..start].chars().any(|c| !c.is_whitespace()) {
        fixes.junk_before = start;
    }
    let text = &text[start..];
    let bytes = text.as_bytes();
    let mut out = Out {
        s: String::with_capacity(text.len().min(16 * MAX_TEXT_BYTES) + 64),
        since_tag: 0,
        cutting: false,
        in_tag: false,
        fixes,
    };
    let mut i = 0;
    if text.starts_with("<?xml") {
        // The text is UTF-8 now: feed-rs must not decode it again as the declared charset.
        i = text.find("?>").map_or(text.len(), |p| p + 2);
        let decl = &text[..i];
        match declared_encoding_range(decl) {
            Some(r) => {
                out.s.push_str(&decl[..r.start]);
                out.s.push_str(&decl[r.end..]);
            }
            None => out.s.push_str(decl),
        }
    }
    while i < bytes.len() {
        // Copy the run of ordinary bytes up to the next one that needs a look.
        let run = bytes[i..]
            .iter()
            .position(|&b| b == b'<' || b == b'>' || b == b'&' || b < 0x20 || b == 0xEF)
            .map_or(bytes.len(), |p| i + p);
        out.text(&text[i..run]);
        i = run;
        if i >= bytes.len() {
            break;
        }
        let rest = &text[i..];
        match bytes[i] {
            b'<' => {
                if rest.starts_with("<![CDATA[") {
                    // Copied as it is (controls dropped, length capped).
                    let end = verbatim_end(rest).expect("CDATA");
                    let closed = rest[..end].ends_with("]]>") && end >= 12;
                    out.s.push_str("<![CDATA[");
                    out.text_without_controls(&rest[9..if closed { end - 3 } else { end }]);
                    if closed {
                        out.s.push_str("]]>");
                    }
                    i += end;
                } else if let Some(end) = verbatim_end(rest) {
                    // Comment or processing instruction: copied, or dropped when huge.
                    if end <= MAX_TEXT_BYTES {
                        for c in rest[..end].chars() {
                            if is_dropped(c) {
                                out.fixes.controls += 1;
                            } else {
                                out.s.push(c);
                            }
                        }
                    } else {
                        out.fixes.cut_texts += 1;
                    }
                    i += end;
                } else if rest.starts_with("<!DOCTYPE") || rest.starts_with("<!doctype") {
                    let (len, entities) = doctype(rest);
                    out.fixes.doctype_entities =
                        Some(out.fixes.doctype_entities.unwrap_or(0) + entities);
                    i += len;
                } else if let Some((open, len, close)) = raw_html_field(rest) {
                    out.tag();
                    out.s.push_str(&rest[..open]);
                    out.s.push_str("<![CDATA[");
                    let content = &rest[open..open + len];
                    let content = &content[..content.floor_char_boundary(MAX_TEXT_BYTES)];
                    out.text_without_controls(&content.replace("]]>", "]]]]><![CDATA[>"));
                    out.s.push_str("]]>");
                    out.s.push_str(&rest[open + len..open + len + close]);
                    out.fixes.raw_html += 1;
                    out.tag();
                    i += open + len + close;
                } else if starts_markup(&rest[1..]) {
                    out.s.push('<');
                    out.in_tag = true;
                    i += 1;
                } else {
                    out.whole("&lt;");
                    out.fixes.lts += 1;
                    i += 1;
                }
            }
            b'>' => {
                if out.in_tag {
                    out.s.push('>');
                    out.in_tag = false;
                    out.tag();
                } else {
                    out.whole(">");
                }
                i += 1;
            }
            b'&' => {
                let after = &rest[1..];
                let name_len = after
                    .bytes()
                    .take(40)
                    .position(|b| !(b.is_ascii_alphanumeric() || b == b'#'))
                    .unwrap_or(after.len().min(40));
                let name = &after[..name_len];
                let closed = after[name_len..].starts_with(';');
                if closed && XML_ENTITIES.contains(&name) {
                    out.whole(&rest[..name_len + 2]);
                    i += name_len + 2;
                } else if closed && is_char_ref(name) {
                    // XML spells a hexadecimal reference `&#x`; HTML (and feeds written
                    // by hand) also `&#X`, which quick-xml refuses.
                    match name.strip_prefix("#X") {
                        Some(hex) => {
                            out.whole(&format!("&#x{hex};"));
                            out.fixes.entities += 1;
                        }
                        None => out.whole(&rest[..name_len + 2]),
                    }
                    i += name_len + 2;
                } else if let (true, Some((_, cp))) =
                    (closed, HTML_ENTITIES.iter().find(|(n, _)| *n == name))
                {
                    out.whole(&format!("&#{cp};"));
                    out.fixes.entities += 1;
                    i += name_len + 2;
                } else {
                    out.whole("&amp;");
                    out.fixes.amps += 1;
                    i += 1;
                }
            }
            0xEF => {
                // U+FFFE and U+FFFF (EF BF BE / EF BF BF) are not XML characters.
                let c = rest.chars().next().expect("not at the end");
                if is_dropped(c) {
                    out.fixes.controls += 1;
                } else {
                    out.text(&rest[..c.len_utf8()]);
                }
                i += c.len_utf8();
            }
            b'\t' | b'\n' | b'\r' => {
                out.text(&rest[..1]);
                i += 1;
            }
            _ => {
                out.fixes.controls += 1;
                i += 1;
            }
        }
    }
    (out.s, out.fixes)
}

/// Byte range of ` encoding="…"` in an XML declaration.
fn declared_encoding_range(decl: &str) -> Option<std::ops::Range<usize>> {
    let pos = decl.find("encoding")?;
    let after = &decl[pos + "encoding".len()..];
    let value = after[after.find('=')? + 1..].trim_start();
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let close = value[1..].find(quote)?;
    let value_start = decl.len() - value.len();
    Some(decl[..pos].trim_end().len()..value_start + 1 + close + 1)
}

/// Where the XML starts: the declaration, else the first feed root element; 0 when the
/// text starts with markup already or no feed root is found (feed-rs then says why).
fn xml_start(text: &str) -> usize {
    let trimmed = text.trim_start();
    let lead = text.len() - trimmed.len();
    if trimmed.starts_with("<?xml")
        || trimmed.starts_with("<!--")
        || trimmed.starts_with("<!DOCTYPE")
        || ["<rss", "<feed", "<rdf:RDF", "<RDF"]
            .iter()
            .any(|r| trimmed.starts_with(r))
        || trimmed.starts_with('{')
    {
        return lead;
    }
    if let Some(p) = text.find("<?xml") {
        return p;
    }
    ["<rss", "<feed", "<rdf:RDF"]
        .iter()
        .filter_map(|r| text.find(r))
        .min()
        .unwrap_or(0)
}

/// Length of a CDATA section, comment or processing instruction at the start of `s`
/// (to the end of the text when it is not closed).
fn verbatim_end(s: &str) -> Option<usize> {
    let (close, open_len) = if s.starts_with("<![CDATA[") {
        ("]]>", 9)
    } else if s.starts_with("<!--") {
        ("-->", 4)
    } else if s.starts_with("<?") {
        ("?>", 2)
    } else {
        return None;
    };
    Some(
        s[open_len..]
            .find(close)
            .map_or(s.len(), |p| open_len + p + close.len()),
    )
}

/// Length of the DOCTYPE at the start of `s` (internal subset and quoted strings skipped
/// over) and how many entity declarations it holds. An unclosed one runs to the end.
fn doctype(s: &str) -> (usize, usize) {
    let bytes = s.as_bytes();
    let (mut depth, mut quote, mut entities) = (0usize, None, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'[' => depth += 1,
                b']' => depth = depth.saturating_sub(1),
                b'<' if s[i..].starts_with("<!ENTITY") => entities += 1,
                b'<' if s[i..].starts_with("<!--") => {
                    i += s[i..].find("-->").map_or(s.len() - i, |p| p + 3);
                    continue;
                }
                b'>' if depth == 0 => return (i + 1, entities),
                _ => {}
            },
        }
        i += 1;
    }
    (s.len(), entities)
}

/// RSS elements whose content is text or escaped HTML, never child elements.
const TEXT_FIELDS: &[&str] = &["title", "description", "content:encoded"];

/// When `s` starts with a text element holding raw HTML (start tags or end tags of its
/// own, no CDATA, and closed before any item boundary): the lengths of its start tag, its
/// content and its end tag.
fn raw_html_field(s: &str) -> Option<(usize, usize, usize)> {
    let name = TEXT_FIELDS.iter().find(|n| {
        s[1..].starts_with(*n)
            && s[1 + n.len()..].starts_with(|c: char| c == '>' || c.is_ascii_whitespace())
    })?;
    let open = s.find('>')? + 1;
    if s[..open].ends_with("/>") || s[..open].contains("xhtml") {
        return None;
    }
    let close = format!("</{name}>");
    let len = s[open..].find(&close)?;
    let content = &s[open..open + len];
    let boundary = ["<![CDATA[", "<item", "</item>", "<entry", "</entry>"];
    let has_markup = content
        .match_indices('<')
        .any(|(p, _)| content[p + 1..].starts_with(|c: char| c.is_alphabetic() || c == '/'));
    (has_markup && !boundary.iter().any(|b| content.contains(b))).then_some((
        open,
        len,
        close.len(),
    ))
}

/// Whether the text after a `<` can start markup: a name, an end tag, `<!` or `<?`.
fn starts_markup(after: &str) -> bool {
    after
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || matches!(c, '_' | ':' | '/' | '!' | '?'))
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
            what.warning().as_deref(),
            Some(
                "malformed XML repaired: 3 bare '&' escaped, 1 HTML entities mapped, 1 control characters dropped"
            )
        );
    }

    #[test]
    fn cdata_comments_and_instructions_are_copied_as_they_are() {
        let xml = "<?xml version=\"1.0\"?><rss><!-- a & b < c --><title><![CDATA[A & B < C &nbsp;]]></title></rss>";
        let (fixed, what) = repair(xml);
        assert_eq!(fixed, xml);
        assert_eq!(what, Fixes::default());
        assert_eq!(what.warning(), None);
    }

    #[test]
    fn a_lone_less_than_is_escaped_and_tags_are_not() {
        let (fixed, what) = repair("<t>a < 5 <3% <<b</t><خبر/>");
        assert_eq!(fixed, "<t>a &lt; 5 &lt;3% &lt;<b</t><خبر/>");
        assert_eq!(what.lts, 3);
    }

    #[test]
    fn a_doctype_and_its_entities_are_removed_and_references_become_text() {
        let xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE r [\n<!ENTITY a \"x>y\">\n<!-- ] > -->\n<!ENTITY b SYSTEM 'file:///etc/passwd'>\n]>\n<r>&a;&b;</r>";
        let (fixed, what) = repair(xml);
        assert_eq!(fixed, "<?xml version=\"1.0\"?>\n\n<r>&amp;a;&amp;b;</r>");
        assert_eq!(
            what.warning().as_deref(),
            Some(
                "malformed XML repaired: DOCTYPE with 2 entity declaration(s) removed, entities not expanded, 2 bare '&' escaped"
            )
        );
        // A public DOCTYPE declares nothing: removed without a warning.
        let (fixed, what) = repair(
            "<!DOCTYPE rss PUBLIC \"-//Netscape Communications//DTD RSS 0.91//EN\" \"http://my.netscape.com/publish/formats/rss-0.91.dtd\"><rss/>",
        );
        assert_eq!((fixed.as_str(), what.warning()), ("<rss/>", None));
    }

    #[test]
    fn raw_html_in_text_elements_is_wrapped_in_cdata() {
        let (fixed, what) = repair(
            "<item><title>t</title><description><p>a & b<p>c ]]> d</description><media:title><b>x</b></media:title></item>",
        );
        assert_eq!(
            fixed,
            "<item><title>t</title><description><![CDATA[<p>a & b<p>c ]]]]><![CDATA[> d]]></description><media:title><b>x</b></media:title></item>"
        );
        assert_eq!(
            what.warning().as_deref(),
            Some("malformed XML repaired: 1 elements with raw HTML wrapped in CDATA")
        );
        // Not when the element is not closed before the next item: the salvage handles it.
        let open = "<item><description><p>a</item><item><description>b</description></item>";
        assert_eq!(repair(open).0, open);
    }

    #[test]
    fn the_declared_encoding_is_removed_and_huge_texts_are_cut() {
        let (fixed, what) = repair("<?xml version='1.0' encoding='windows-1256'?><r>ل</r>");
        assert_eq!(fixed, "<?xml version='1.0'?><r>ل</r>");
        assert_eq!(what.warning(), None);

        // Cut at a character boundary, never inside an entity reference; the budget is
        // per element and CDATA counts.
        let big = format!(
            "<r><a>{}&amp;xy</a><b>ok</b><c><![CDATA[{}]]></c><d>{}&amp;</d></r>",
            "ل".repeat(MAX_TEXT_BYTES / 2 - 3),
            "ب".repeat(MAX_TEXT_BYTES),
            "ل".repeat(MAX_TEXT_BYTES / 2 - 2),
        );
        let (fixed, what) = repair(&big);
        let expected = format!(
            "<r><a>{}&amp;x</a><b>ok</b><c><![CDATA[{}]]></c><d>{}</d></r>",
            "ل".repeat(MAX_TEXT_BYTES / 2 - 3),
            "ب".repeat(MAX_TEXT_BYTES / 2),
            "ل".repeat(MAX_TEXT_BYTES / 2 - 2),
        );
        assert!(
            fixed == expected,
            "{} vs {} bytes",
            fixed.len(),
            expected.len()
        );
        assert_eq!(what.cut_texts, 3);
    }

    #[test]
    fn text_before_the_xml_is_removed() {
        let (fixed, what) = repair("<b>Warning</b>: x\n<?xml version=\"1.0\"?><rss/>");
        assert_eq!(fixed, "<?xml version=\"1.0\"?><rss/>");
        assert_eq!(what.junk_before, 18);
        let (fixed, what) = repair("  \n<rss/>");
        assert_eq!((fixed.as_str(), what.warning()), ("<rss/>", None));
    }

    #[test]
    fn controls_and_non_characters_are_dropped_even_in_cdata() {
        let (fixed, what) = repair("<t>a\u{0}b\u{FFFE}<![CDATA[c\u{1f}d\u{FFFF}]]>\te\r\n</t>");
        assert_eq!(fixed, "<t>ab<![CDATA[cd]]>\te\r\n</t>");
        assert_eq!(what.controls, 4);
    }
}
