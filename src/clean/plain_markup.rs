//! Pass 2's fast path: markup that ammonia would give back as it is, but for its escaping
//! and the `rel` it adds to links.
//!
//! Most bodies in Arabic news feeds are paragraphs of text with a little emphasis and a few
//! links: `<p dir="rtl">…</p>`, `<strong>`, `<a href="https://…">`, `<br>`. ammonia's cost
//! on such input is per element (about 1.4 µs per element and 3 µs to set up, see
//! bench/README.md, session 6), which made it most of a cleaning step whose result, for
//! this shape, is known without building a tree: the same tags and text, text and
//! attribute values escaped as html5ever's serializer escapes them, and ammonia's
//! [`LINK_REL`] after a link's attributes.
//!
//! Hand-written because ammonia has no cheaper mode for "there is nothing to remove here".
//! The accepted shape is kept small so that the result is exact:
//!
//! - tags from [`BLOCKS`] and [`PHRASING`] and `a`, lower case, written as `<name>` or
//!   with attributes as `<name attr="value" …>` (one space before each, double quotes),
//!   and `</name>`; plus a bare `<br>`, `<br/>` or `<br />`;
//! - attributes from [`GENERIC`] on every one of them, each at most once, with values
//!   without `&`; on `a`, an `href` (required) whose value has `&` only as `&amp;` or
//!   before a `name=` (where the parser never decodes it) and is an absolute `http`,
//!   `https` or `mailto` URL, as ammonia checks it (with `Url::parse`);
//! - a block only at the top level, phrasing and links anywhere else, no link inside a
//!   link, every element closed by its own end tag, in order (no misnesting for the parser
//!   to repair);
//! - text without `<`, without C0 controls other than tab and line feed, without DEL or a
//!   byte-order mark, and with `&` only in `&amp; &lt; &gt; &quot; &apos; &nbsp;` or a
//!   numeric reference (with its `;`) to a printable character.
//!
//! Anything else returns `None` and goes to ammonia. Property tests compare the two on
//! generated input, near misses included (`plain_markup_agrees_with_ammonia` and the ones
//! after it).

use std::borrow::Cow;

use super::html::LINK_REL;

/// Elements that hold text and phrasing, accepted only at the top level.
const BLOCKS: &[&[u8]] = &[b"p", b"h1", b"h2", b"h3", b"h4", b"h5", b"h6"];

/// Phrasing elements ammonia keeps, with no special parsing rule when properly nested.
const PHRASING: &[&[u8]] = &[
    b"b", b"strong", b"em", b"i", b"u", b"s", b"small", b"sub", b"sup", b"span", b"code", b"mark",
    b"cite", b"q", b"abbr", b"del", b"ins",
];

/// Attributes ammonia keeps on every element: its defaults (`lang`, `title`) and the `dir`
/// that [`super::html`]'s sanitizer adds.
const GENERIC: &[&[u8]] = &[b"dir", b"lang", b"title"];

/// Deeper nesting goes to ammonia; real bodies stay far below it.
const MAX_DEPTH: usize = 16;

/// ammonia's serialized output for `html` when `html` has the shape described in the
/// module documentation, else `None`.
pub fn sanitize(html: &str) -> Option<String> {
    let b = html.as_bytes();
    if has_control(b) || memchr::memmem::find(b, "\u{feff}".as_bytes()).is_some() {
        return None;
    }
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    let mut open: [&[u8]; MAX_DEPTH] = [b""; MAX_DEPTH];
    let mut depth = 0;
    let mut i = 0;
    while let Some(off) = memchr::memchr3(b'<', b'&', b'>', &b[i..]) {
        let at = i + off;
        push_text(&mut out, &html[i..at]);
        i = match b[at] {
            b'>' => {
                out.push_str("&gt;");
                at + 1
            }
            b'&' => {
                let (c, used) = reference(&b[at + 1..])?;
                push_char(&mut out, c, false);
                at + 1 + used
            }
            _ if b.get(at + 1) == Some(&b'/') => {
                let (name, end) = tag_name(b, at + 2)?;
                if depth == 0 || open[depth - 1] != name || b.get(end) != Some(&b'>') {
                    return None;
                }
                depth -= 1;
                out.push_str(&html[at..=end]);
                end + 1
            }
            _ => {
                let (name, end) = tag_name(b, at + 1)?;
                if name == b"br" {
                    let used = [&b">"[..], b"/>", b" />"]
                        .into_iter()
                        .find(|form| b[end..].starts_with(form))?
                        .len();
                    out.push_str("<br>");
                    end + used
                } else {
                    let allowed = if BLOCKS.contains(&name) {
                        depth == 0
                    } else if name == b"a" {
                        !open[..depth].contains(&&b"a"[..])
                    } else {
                        PHRASING.contains(&name)
                    };
                    if !allowed {
                        return None;
                    }
                    *open.get_mut(depth)? = name;
                    depth += 1;
                    out.push_str(&html[at..end]);
                    attributes(html, end, name == b"a", &mut out)?
                }
            }
        };
    }
    push_text(&mut out, &html[i..]);
    (depth == 0).then_some(out)
}

/// A lower-case tag name starting at `at`, and the index after it.
fn tag_name(b: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let len = b
        .get(at..)?
        .iter()
        .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        .count();
    (len > 0 && b[at].is_ascii_lowercase()).then_some((&b[at..at + len], at + len))
}

/// Reads the attributes of a start tag from `at` (after its name) to its `>`, writes them
/// as ammonia would (with [`LINK_REL`] after a link's), and returns the index after the
/// `>`.
fn attributes(html: &str, mut at: usize, link: bool, out: &mut String) -> Option<usize> {
    let b = html.as_bytes();
    let mut seen = 0u8;
    loop {
        match *b.get(at)? {
            b'>' => break,
            b' ' => {}
            _ => return None,
        }
        let (name, end) = tag_name(b, at + 1)?;
        let value_at = end + 2;
        if b.get(end..value_at)? != b"=\"" {
            return None;
        }
        let value_end = value_at + memchr::memchr(b'"', &b[value_at..])?;
        let value = &html[value_at..value_end];
        let bit = match GENERIC.iter().position(|g| *g == name) {
            Some(k) => 1 << k,
            None if link && name == b"href" => 1 << GENERIC.len(),
            None => return None,
        };
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
        let value = if bit == 1 << GENERIC.len() {
            link_target(value)?
        } else if value.contains('&') {
            return None;
        } else {
            Cow::Borrowed(value)
        };
        out.push(' ');
        out.push_str(std::str::from_utf8(name).ok()?);
        out.push_str("=\"");
        push_attribute(out, &value);
        out.push('"');
        at = value_end + 1;
    }
    if link {
        if seen & (1 << GENERIC.len()) == 0 {
            return None;
        }
        out.push_str(" rel=\"");
        out.push_str(LINK_REL);
        out.push('"');
    }
    out.push('>');
    Some(at + 1)
}

/// An `href` value as the parser decodes it, when it decodes it unambiguously and ammonia
/// keeps it: `&amp;` is `&`, and an `&` before `name=` stays (in an attribute value a
/// reference followed by `=` or a letter or digit is never decoded, so the run up to `=`
/// cannot be one). The URL must be absolute with an allowed scheme, which is what
/// ammonia's check accepts (a relative one it drops, as the sanitizer denies them).
fn link_target(value: &str) -> Option<Cow<'_, str>> {
    let decoded = if value.contains('&') {
        let mut out = String::with_capacity(value.len());
        let mut rest = value;
        while let Some(n) = rest.find('&') {
            out.push_str(&rest[..n]);
            rest = &rest[n..];
            if let Some(after) = rest.strip_prefix("&amp;") {
                out.push('&');
                rest = after;
                continue;
            }
            let run = rest[1..]
                .bytes()
                .take_while(u8::is_ascii_alphanumeric)
                .count();
            if run == 0 || rest.as_bytes().get(1 + run) != Some(&b'=') {
                return None;
            }
            out.push('&');
            rest = &rest[1..];
        }
        out.push_str(rest);
        Cow::Owned(out)
    } else {
        Cow::Borrowed(value)
    };
    let url = url::Url::parse(&decoded).ok()?;
    matches!(url.scheme(), "http" | "https" | "mailto").then_some(decoded)
}

/// True when `b` holds a C0 control other than tab and line feed, or DEL. html5ever
/// rewrites CR and NUL and reports the others; none of them belongs in a news body, so
/// their inputs go to ammonia rather than being reasoned about here. Folded over 64-byte
/// blocks without an early exit inside one, so that the compiler vectorizes it.
fn has_control(b: &[u8]) -> bool {
    b.chunks(64).any(|block| {
        block.iter().fold(false, |found, &c| {
            found | ((c < 0x20 && c != b'\t' && c != b'\n') | (c == 0x7f))
        })
    })
}

/// Text as html5ever's serializer writes it, for text the caller has already cut at every
/// `& < >`: only U+00A0 is left to escape (found by its lead byte 0xC2, which Arabic text
/// never uses, so the search does not stop at every letter).
fn push_text(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(n) = memchr::memmem::find(rest.as_bytes(), "\u{a0}".as_bytes()) {
        out.push_str(&rest[..n]);
        out.push_str("&nbsp;");
        rest = &rest[n + 2..];
    }
    out.push_str(rest);
}

/// One character as html5ever's serializer writes it in text (`& < >` and U+00A0 escaped)
/// or, with `attribute`, in an attribute value (`"` too).
fn push_char(out: &mut String, c: char, attribute: bool) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '\u{a0}' => out.push_str("&nbsp;"),
        '"' if attribute => out.push_str("&quot;"),
        c => out.push(c),
    }
}

/// An attribute value as html5ever's serializer writes it. Values are short: a loop over
/// their characters is enough.
fn push_attribute(out: &mut String, value: &str) {
    for c in value.chars() {
        push_char(out, c, true);
    }
}

/// The character reference after an `&` (`s` starts after it) and the bytes it used, for
/// the references whose decoding is unambiguous. html5ever also decodes named references
/// without `;` (`&copy`), maps some numeric ones to other characters (`&#150;` is U+2013),
/// and leaves a lone `&` as text; all of those are left to it.
fn reference(s: &[u8]) -> Option<(char, usize)> {
    const NAMED: &[(&[u8], char)] = &[
        (b"amp;", '&'),
        (b"lt;", '<'),
        (b"gt;", '>'),
        (b"quot;", '"'),
        (b"apos;", '\''),
        (b"nbsp;", '\u{a0}'),
    ];
    if let Some(&(name, c)) = NAMED.iter().find(|(name, _)| s.starts_with(name)) {
        return Some((c, name.len()));
    }
    let (radix, start) = match s {
        [b'#', b'x' | b'X', ..] => (16, 2),
        [b'#', ..] => (10, 1),
        _ => return None,
    };
    let digits = s[start..]
        .iter()
        .take_while(|c| (**c as char).is_digit(radix))
        .count();
    // Seven digits cover every code point; longer runs (leading zeros, overflow) are
    // html5ever's to judge.
    if digits == 0 || digits > 7 || s.get(start + digits) != Some(&b';') {
        return None;
    }
    let digits = std::str::from_utf8(&s[start..start + digits]).ok()?;
    let value = u32::from_str_radix(digits, radix).ok()?;
    // Printable characters only: not C0 or C1 controls (html5ever maps 0x80–0x9F through
    // windows-1252), not DEL, not surrogates (not chars at all).
    if value < 0x20 || (0x7f..0xa0).contains(&value) {
        return None;
    }
    Some((char::from_u32(value)?, start + digits.len() + 1))
}

#[cfg(test)]
mod tests {
    use super::sanitize;
    use crate::clean::html::ammonia_sanitize;
    use proptest::prelude::*;

    #[test]
    fn plain_paragraphs_and_links_come_out_as_ammonia_writes_them() {
        let cases = [
            ("", ""),
            ("نص", "نص"),
            ("<p>ليبيا</p>\n<p>طرابلس</p>", "<p>ليبيا</p>\n<p>طرابلس</p>"),
            (
                "<h2>عنوان</h2><p>أ <strong>ب</strong><br/>ج<br />د</p>",
                "<h2>عنوان</h2><p>أ <strong>ب</strong><br>ج<br>د</p>",
            ),
            (
                "<p>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;\u{a0}&nbsp;></p>",
                "<p>a &amp; b &lt;c&gt; \"d\" 'e'&nbsp;&nbsp;&gt;</p>",
            ),
            ("<p>&#1604;&#x64A;&#X628;&#60;</p>", "<p>ليب&lt;</p>"),
            (
                "<p dir=\"rtl\" lang=\"ar\">نص <a href=\"https://e.example/q?a=1&amp;b=2&c=3\" \
                 title=\"x y\">رابط</a></p>",
                "<p dir=\"rtl\" lang=\"ar\">نص <a href=\"https://e.example/q?a=1&amp;b=2&amp;c=3\" \
                 title=\"x y\" rel=\"noopener noreferrer nofollow\">رابط</a></p>",
            ),
            (
                "<span title=\"a\u{a0}<b>\"><a href=\"mailto:x@e.example\">x</a></span>",
                "<span title=\"a&nbsp;&lt;b&gt;\"><a href=\"mailto:x@e.example\" \
                 rel=\"noopener noreferrer nofollow\">x</a></span>",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(sanitize(input).as_deref(), Some(want), "{input:?}");
            assert_eq!(ammonia_sanitize(input), want, "{input:?}");
        }
    }

    #[test]
    fn anything_else_is_left_to_ammonia() {
        for input in [
            "<p dir=rtl>x</p>",
            "<p dir='rtl'>x</p>",
            "<p  dir=\"rtl\">x</p>",
            "<p dir=\"rtl\" >x</p>",
            "<p dir=\"rtl\" dir=\"ltr\">x</p>",
            "<p class=\"x\">x</p>",
            "<p title=\"a&amp;b\">x</p>",
            "<a>x</a>",
            "<a title=\"t\">x</a>",
            "<a href=\"/relative\">x</a>",
            "<a href=\"javascript:x()\">x</a>",
            "<a href=\"https://e.example/?a&b\">x</a>",
            "<a href=\"https://e.example/?a=1&copy\">x</a>",
            "<a href=\"https://e.example/?a=1&lt-\">x</a>",
            "<a href=\"https://e.example/\" rel=\"x\">x</a>",
            "<a href=\"https://e.example/\"><a href=\"https://e.example/\">x</a></a>",
            "<span href=\"https://e.example/\">x</span>",
            "<P>x</P>",
            "<p >x</p>",
            "<p/>",
            "<div>x</div>",
            "<p><p>x</p></p>",
            "<b><p>x</p></b>",
            "<p><b>x</p></b>",
            "<p>x",
            "x</p>",
            "</br>",
            "<br dir=\"rtl\">",
            "<!-- c -->",
            "a < b",
            "AT&T",
            "&copy",
            "&copy;",
            "&nbsp",
            "&#150;",
            "&#0;",
            "&#10;",
            "&#00000065;",
            "a\rb",
            "a\0b",
            "a\u{c}b",
            "a\u{7f}b",
            "\u{feff}x",
        ] {
            assert_eq!(sanitize(input), None, "{input:?}");
        }
        let deep = "<b>".repeat(super::MAX_DEPTH + 1) + &"</b>".repeat(super::MAX_DEPTH + 1);
        assert_eq!(sanitize(&deep), None);
    }

    /// Accepted pieces and near misses, mixed at random.
    const PIECES: &[&str] = &[
        "<p>",
        "</p>",
        "<h1>",
        "</h1>",
        "<h3>",
        "</h3>",
        "<b>",
        "</b>",
        "<strong>",
        "</strong>",
        "<em>",
        "</em>",
        "<i>",
        "</i>",
        "<span>",
        "</span>",
        "<q>",
        "</q>",
        "<code>",
        "</code>",
        "<sub>",
        "</sub>",
        "<del>",
        "</del>",
        "<br>",
        "<br/>",
        "<br />",
        "</br>",
        "<br >",
        "<p/>",
        "<P>",
        "<p >",
        "<div>",
        "</div>",
        "<a>",
        "</a>",
        "<li>",
        "<ul>",
        "<pre>",
        "<table>",
        "<p dir=\"rtl\">",
        "<p dir=\"rtl\" lang=\"ar\">",
        "<p dir=rtl>",
        "<span title=\"a&amp;b\">",
        "<span title=\"&quot;<>\">",
        "<span title=\"\u{a0}'\">",
        "<a href=\"https://e.example/a?b=1&amp;c=2&d=3\">",
        "<a href=\"/x\">",
        "<a href=\"mailto:a@e.example\">",
        "<a href=\"javascript:x\">",
        "<a href=\"https://e.example/?a&b\">",
        "<a href=\"https://e.example/?a=1&not=2\">",
        "<a href=\" https://e.example/\">",
        "<a href=\"https://e.example/\u{a0}<>\">",
        "<a href=\"http://[::1\">",
        "<a title=\"t\" href=\"https://e.example/\">",
        "<!-- c -->",
        "<script>",
        "ليبيا",
        "قوات حفتر",
        "a",
        " ",
        "\n",
        "\t",
        "\r",
        "\0",
        "\u{c}",
        "\u{7f}",
        "\u{85}",
        "\u{a0}",
        "\u{feff}",
        "\u{E000}",
        "\u{FDD0}",
        "&",
        "&amp;",
        "&lt;",
        "&gt;",
        "&quot;",
        "&apos;",
        "&nbsp;",
        "&nbsp",
        "&copy",
        "&copy;",
        "&#1604;",
        "&#x644;",
        "&#X644;",
        "&#150;",
        "&#0;",
        "&#10;",
        "&#32;",
        "&#127;",
        "&#160;",
        "&#x1F600;",
        "&#xD800;",
        "&#99999999;",
        "&#0000065;",
        "&#;",
        "&#x;",
        "&#38;",
        "<",
        ">",
        "\"",
        "'",
        "=",
    ];

    /// Start tags of the accepted shape; the name is the first word.
    const BLOCK: &[&str] = &[
        "p",
        "h2",
        "h6",
        "p dir=\"rtl\"",
        "p lang=\"ar\" dir=\"ltr\"",
    ];
    const INLINE: &[&str] = &[
        "b",
        "strong",
        "em",
        "span",
        "q",
        "code",
        "mark",
        "span title=\"x\u{a0}y\" dir=\"auto\"",
        "a href=\"https://e.example/news/1?id=2&amp;p=3&q=4\"",
        "a href=\"mailto:desk@e.example\" lang=\"en\"",
    ];
    const TEXT: &[&str] = &[
        "ليبيا",
        " ",
        "\n",
        "&amp;",
        "&nbsp;",
        "\u{a0}",
        ">",
        "&#1604;",
        "<br>",
        "\"",
        "Tripoli",
    ];

    fn name(start_tag: &str) -> &str {
        start_tag.split(' ').next().unwrap()
    }

    /// Markup of the accepted shape: blocks and loose text holding nested phrasing and at
    /// most one link in each nest.
    fn plain_markup() -> impl Strategy<Value = String> {
        let text = prop::collection::vec(prop::sample::select(TEXT), 0..4).prop_map(|t| t.concat());
        let inline = (
            prop::collection::vec(prop::sample::select(INLINE), 0..3),
            text.clone(),
        )
            .prop_map(|(tags, text)| {
                let mut links = 0;
                let tags: Vec<_> = tags
                    .into_iter()
                    .filter(|t| name(t) != "a" || std::mem::replace(&mut links, 1) == 0)
                    .collect();
                let open: String = tags.iter().map(|t| format!("<{t}>")).collect();
                let close: String = tags
                    .iter()
                    .rev()
                    .map(|t| format!("</{}>", name(t)))
                    .collect();
                format!("{open}{text}{close}")
            });
        let content = prop::collection::vec(inline, 0..4).prop_map(|v| v.concat());
        let item = (prop::option::of(prop::sample::select(BLOCK)), content, text).prop_map(
            |(block, content, between)| match block {
                Some(b) => format!("<{b}>{content}</{}>{between}", name(b)),
                None => format!("{content}{between}"),
            },
        );
        prop::collection::vec(item, 0..6).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

        #[test]
        fn plain_markup_agrees_with_ammonia(
            parts in prop::collection::vec(prop::sample::select(PIECES), 0..24)
        ) {
            let input = parts.concat();
            if let Some(fast) = sanitize(&input) {
                prop_assert_eq!(fast, ammonia_sanitize(&input));
            }
        }

        #[test]
        fn markup_of_the_accepted_shape_is_taken_and_agrees(input in plain_markup()) {
            prop_assert_eq!(sanitize(&input), Some(ammonia_sanitize(&input)));
        }

        /// Near misses: accepted markup with one random piece put in at a random place.
        #[test]
        fn plain_markup_with_one_piece_more_agrees_with_ammonia(
            input in plain_markup(),
            at in any::<prop::sample::Index>(),
            piece in prop::sample::select(PIECES),
        ) {
            let mut at = at.index(input.len() + 1);
            while !input.is_char_boundary(at) {
                at -= 1;
            }
            let input = format!("{}{piece}{}", &input[..at], &input[at..]);
            if let Some(fast) = sanitize(&input) {
                prop_assert_eq!(fast, ammonia_sanitize(&input));
            }
        }
    }
}
