//! Pass 2's fast path: markup that ammonia would give back as it is, but for its escaping.
//!
//! Most bodies in Arabic news feeds are paragraphs of text with a little emphasis:
//! `<p>…</p>`, `<strong>`, `<br>`. ammonia's cost on such input is per element (about
//! 1.4 µs per element and 3 µs to set up, see bench/README.md, session 6), which made it
//! most of a cleaning step whose result, for this shape, is known without building a tree:
//! the same tags and text, with text escaped as html5ever's serializer escapes it.
//!
//! Hand-written because ammonia has no cheaper mode for "there is nothing to remove here".
//! The accepted shape is kept small so that the result is exact:
//!
//! - tags from [`BLOCKS`] and [`PHRASING`] written as `<name>` and `</name>`, lower case,
//!   without attributes, plus `<br>`, `<br/>` and `<br />`;
//! - a block only at the top level, phrasing anywhere; every element closed by its own end
//!   tag, in order (no misnesting for the parser to repair);
//! - text without `<`, without C0 controls other than tab and line feed, without DEL or a
//!   byte-order mark, and with `&` only in `&amp; &lt; &gt; &quot; &apos; &nbsp;` or a
//!   numeric reference (with its `;`) to a printable character.
//!
//! Anything else returns `None` and goes to ammonia. A property test compares the two on
//! generated input, near misses included (`plain_markup_agrees_with_ammonia`).

/// Elements that hold text and phrasing, accepted only at the top level.
const BLOCKS: &[&[u8]] = &[b"p", b"h1", b"h2", b"h3", b"h4", b"h5", b"h6"];

/// Phrasing elements ammonia keeps, with no special parsing rule when properly nested.
const PHRASING: &[&[u8]] = &[
    b"b", b"strong", b"em", b"i", b"u", b"s", b"small", b"sub", b"sup", b"span", b"code", b"mark",
    b"cite", b"q", b"abbr", b"del", b"ins",
];

/// Deeper nesting goes to ammonia; real bodies stay far below it.
const MAX_DEPTH: usize = 16;

/// ammonia's serialized output for `html` when `html` has the shape described in the
/// module documentation, else `None`.
pub fn sanitize(html: &str) -> Option<String> {
    let b = html.as_bytes();
    if has_control(b) || memchr::memmem::find(b, "\u{feff}".as_bytes()).is_some() {
        return None;
    }
    let mut out = String::with_capacity(html.len() + html.len() / 32);
    let mut open: [&[u8]; MAX_DEPTH] = [b""; MAX_DEPTH];
    let mut depth = 0;
    let mut i = 0;
    while let Some(off) = memchr::memchr3(b'<', b'&', b'>', &b[i..]) {
        let at = i + off;
        push_text(&mut out, &html[i..at]);
        match b[at] {
            b'>' => {
                out.push_str("&gt;");
                i = at + 1;
            }
            b'&' => {
                let (c, used) = reference(&b[at + 1..])?;
                push_char(&mut out, c);
                i = at + 1 + used;
            }
            _ => {
                let (tag, end) = tag(b, at)?;
                match tag {
                    Tag::Br => out.push_str("<br>"),
                    Tag::Open(name) => {
                        let block = BLOCKS.contains(&name);
                        if (block && depth > 0) || (!block && !PHRASING.contains(&name)) {
                            return None;
                        }
                        *open.get_mut(depth)? = name;
                        depth += 1;
                        out.push_str(&html[at..end]);
                    }
                    Tag::Close(name) => {
                        if depth == 0 || open[depth - 1] != name {
                            return None;
                        }
                        depth -= 1;
                        out.push_str(&html[at..end]);
                    }
                }
                i = end;
            }
        }
    }
    push_text(&mut out, &html[i..]);
    (depth == 0).then_some(out)
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

/// Text as html5ever's serializer writes it: `&`, `<`, `>` and U+00A0 escaped. The caller
/// has taken `& < >` out already, so only U+00A0 is left to find (by its lead byte 0xC2,
/// which Arabic text never uses).
fn push_text(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(n) = memchr::memmem::find(rest.as_bytes(), "\u{a0}".as_bytes()) {
        out.push_str(&rest[..n]);
        out.push_str("&nbsp;");
        rest = &rest[n + 2..];
    }
    out.push_str(rest);
}

fn push_char(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '\u{a0}' => out.push_str("&nbsp;"),
        c => out.push(c),
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

enum Tag<'a> {
    Open(&'a [u8]),
    Close(&'a [u8]),
    Br,
}

/// The tag starting at `b[at] == b'<'`, in the strict forms of the module documentation,
/// and the index after its `>`.
fn tag(b: &[u8], at: usize) -> Option<(Tag<'_>, usize)> {
    let close = b.get(at + 1) == Some(&b'/');
    let start = at + 1 + usize::from(close);
    let len = b[start..]
        .iter()
        .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        .count();
    let name = &b[start..start + len];
    if len == 0 || !name[0].is_ascii_lowercase() {
        return None;
    }
    let rest = &b[start + len..];
    if name == b"br" && !close {
        let used = [&b">"[..], b"/>", b" />"]
            .into_iter()
            .find(|form| rest.starts_with(form))?
            .len();
        return Some((Tag::Br, start + len + used));
    }
    if rest.first() != Some(&b'>') {
        return None;
    }
    let end = start + len + 1;
    Some((
        if close {
            Tag::Close(name)
        } else {
            Tag::Open(name)
        },
        end,
    ))
}

#[cfg(test)]
mod tests {
    use super::sanitize;
    use crate::clean::html::ammonia_sanitize;
    use proptest::prelude::*;

    #[test]
    fn plain_paragraphs_come_out_as_ammonia_writes_them() {
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
        ];
        for (input, want) in cases {
            assert_eq!(sanitize(input).as_deref(), Some(want), "{input:?}");
            assert_eq!(ammonia_sanitize(input), want, "{input:?}");
        }
    }

    #[test]
    fn anything_else_is_left_to_ammonia() {
        for input in [
            "<p dir=\"rtl\">x</p>",
            "<P>x</P>",
            "<p >x</p>",
            "<p/>",
            "<div>x</div>",
            "<a>x</a>",
            "<p><p>x</p></p>",
            "<b><p>x</p></b>",
            "<p><b>x</p></b>",
            "<p>x",
            "x</p>",
            "</br>",
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

    const BLOCK: &[&str] = &["p", "h2", "h6"];
    const INLINE: &[&str] = &["b", "strong", "em", "span", "q", "code", "mark"];
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

    /// Markup of the accepted shape: blocks and loose text holding nested phrasing.
    fn plain_markup() -> impl Strategy<Value = String> {
        let text = prop::collection::vec(prop::sample::select(TEXT), 0..4).prop_map(|t| t.concat());
        let inline = (
            prop::collection::vec(prop::sample::select(INLINE), 0..3),
            text.clone(),
        )
            .prop_map(|(tags, text)| {
                let open: String = tags.iter().map(|t| format!("<{t}>")).collect();
                let close: String = tags.iter().rev().map(|t| format!("</{t}>")).collect();
                format!("{open}{text}{close}")
            });
        let content = prop::collection::vec(inline, 0..4).prop_map(|v| v.concat());
        let item = (prop::option::of(prop::sample::select(BLOCK)), content, text).prop_map(
            |(block, content, between)| match block {
                Some(b) => format!("<{b}>{content}</{b}>{between}"),
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
