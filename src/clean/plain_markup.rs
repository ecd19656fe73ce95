//! Pass 2's fast path: markup that ammonia would give back as it is, but for its escaping
//! and the `rel` it adds to links.
//!
//! Most bodies in Arabic news feeds are paragraphs of text with a little emphasis, a few
//! links and images, often in a wrapper with a class or a style on every element (what
//! WordPress writes): `<p dir="rtl">…</p>`, `<strong>`, `<a href="https://…">`, `<br>`,
//! `<div class="entry-content">`, `<figure><img src="https://…"><figcaption>…`. ammonia's cost
//! on such input is per element (about 1.4 µs per element and 3 µs to set up, see
//! bench/README.md, session 6), which made it most of a cleaning step whose result, for
//! this shape, is known without building a tree: the same tags and text, text and
//! attribute values escaped as html5ever's serializer escapes them, and ammonia's
//! [`LINK_REL`] after a link's attributes.
//!
//! Hand-written because ammonia has no cheaper mode for "there is nothing to remove here".
//! The accepted shape is kept small so that the result is exact:
//!
//! - the elements of [`kind`] (wrappers and quotes, paragraphs, headings, lists, figures and
//!   their captions, phrasing, links, images), with names in any case (written in lower
//!   case, as the parser reads them), as `<name>` or `<name attr="value" …>` (one space
//!   before each attribute, double quotes) and `</name>`; an image may end in `/>` or
//!   ` />`; a `<br>`, `<br/>` or `<br />` without attributes;
//! - attributes ammonia keeps ([`GENERIC`] and [`own_attribute`]) at most once each, with
//!   values without `&`, except URLs (a link's `href`, which it must have, and an image's
//!   `src`): those may have `&` as `&amp;` or before a `name=` (where the parser never
//!   decodes it), and must be absolute `http`, `https` or `mailto` URLs as ammonia checks
//!   them (with `Url::parse`); any other attribute is dropped, as ammonia drops it;
//! - wrappers and blocks only where every open element is a wrapper, lists there or
//!   directly in an item, items directly in a list, a caption directly in a figure,
//!   phrasing, links and images anywhere, no link inside a link, every element
//!   closed by its own end tag, in order (no misnesting for the parser to repair);
//! - comments (dropped, as ammonia drops them), ended where the tokenizer ends them;
//! - text without `<`, without C0 controls other than tab and line feed, without DEL or a
//!   byte-order mark, and with `&` only in a reference of [`NAMED`] or a numeric reference
//!   (with its `;`) to a printable character.
//!
//! Anything else returns `None` and goes to ammonia. Property tests compare the two on
//! generated input, near misses included (`plain_markup_agrees_with_ammonia` and the ones
//! after it).

use std::borrow::Cow;

use super::html::{
    LINK_REL, TagName, attribute_name_len, comment_end, numeric_reference, push_text_without_markup,
};

/// Elements of the accepted shape, by where they may stand.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// Wrappers (`div`, `article`, `blockquote`): where every open element is a wrapper.
    Wrapper,
    /// Paragraphs, headings and figures: the same, and they hold no block.
    Block,
    /// Lists (`ul`, `ol`): where a block may stand, or directly in a list item.
    List,
    /// A list item: directly in a list.
    Item,
    /// A figure's caption: directly in a figure.
    Caption,
    /// Phrasing elements ammonia keeps, with no special parsing rule when properly
    /// nested: anywhere.
    Phrasing,
    /// `a`: anywhere but in another link.
    Link,
    /// `img`: a void element, anywhere.
    Image,
}

fn kind(name: &[u8]) -> Option<Kind> {
    Some(match name {
        b"div" | b"article" | b"blockquote" => Kind::Wrapper,
        b"p" | b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" | b"figure" => Kind::Block,
        b"ul" | b"ol" => Kind::List,
        b"li" => Kind::Item,
        b"figcaption" => Kind::Caption,
        b"b" | b"strong" | b"em" | b"i" | b"u" | b"s" | b"small" | b"sub" | b"sup" | b"span"
        | b"code" | b"mark" | b"cite" | b"q" | b"abbr" | b"del" | b"ins" => Kind::Phrasing,
        b"a" => Kind::Link,
        b"img" => Kind::Image,
        _ => return None,
    })
}

/// Attributes ammonia keeps on every element: its defaults (`lang`, `title`) and the `dir`
/// that [`super::html`]'s sanitizer adds.
const GENERIC: &[&[u8]] = &[b"dir", b"lang", b"title"];

/// Attributes ammonia keeps on one element besides [`GENERIC`] (its `tag_attributes`, for
/// the elements of [`kind`]): a bit of their own (after [`GENERIC`]'s), and whether
/// ammonia checks them as URLs (`href` and `src`; `cite` it keeps as it is), see
/// [`url_value`]. A test compares this table with the sanitizer's configuration.
fn own_attribute(tag: &[u8], name: &[u8]) -> Option<(u32, bool)> {
    let (bit, url) = match (tag, name) {
        (b"a", b"href") | (b"img", b"src") => (URL_BIT, true),
        (b"a", b"hreflang") | (b"img", b"alt") | (b"ol", b"start") => (4, false),
        (b"blockquote" | b"q" | b"del" | b"ins", b"cite") => (4, false),
        (b"del" | b"ins", b"datetime") | (b"img", b"width") => (5, false),
        (b"img", b"height") => (6, false),
        (b"img", b"align") => (7, false),
        _ => return None,
    };
    Some((1 << bit, url))
}

/// The bit of a link's `href` or an image's `src` in [`own_attribute`].
const URL_BIT: u32 = 3;

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
    let mut open = [(TagName::default(), Kind::Wrapper); MAX_DEPTH];
    let mut depth = 0;
    // How many of the open elements are not wrappers.
    let mut inside = 0;
    let mut i = 0;
    while let Some(off) = memchr::memchr3(b'<', b'&', b'>', &b[i..]) {
        let at = i + off;
        push_text_without_markup(&mut out, &html[i..at]);
        i = match b[at] {
            b'>' => {
                out.push_str("&gt;");
                at + 1
            }
            b'&' => {
                let (c, used) = reference(&html[at..])?;
                push_char(&mut out, c, false);
                at + used
            }
            // Comments: ammonia drops them.
            _ if b[at..].starts_with(b"<!--") => comment_end(b, at)?,
            _ if b.get(at + 1) == Some(&b'/') => {
                let (name, end) = TagName::read(b, at + 2)?;
                if depth == 0 || open[depth - 1].0 != name || b.get(end) != Some(&b'>') {
                    return None;
                }
                depth -= 1;
                inside -= usize::from(open[depth].1 != Kind::Wrapper);
                out.push_str("</");
                out.push_str(name.as_str());
                out.push('>');
                end + 1
            }
            _ => {
                let (name, end) = TagName::read(b, at + 1)?;
                if name.as_bytes() == b"br" {
                    let used = [&b">"[..], b"/>", b" />"]
                        .into_iter()
                        .find(|form| b[end..].starts_with(form))?
                        .len();
                    out.push_str("<br>");
                    end + used
                } else {
                    let kind = kind(name.as_bytes())?;
                    let parent = depth.checked_sub(1).map(|d| open[d]);
                    let allowed = match kind {
                        Kind::Wrapper | Kind::Block => inside == 0,
                        Kind::List => inside == 0 || matches!(parent, Some((_, Kind::Item))),
                        Kind::Item => matches!(parent, Some((_, Kind::List))),
                        Kind::Caption => parent.is_some_and(|(p, _)| p.as_bytes() == b"figure"),
                        Kind::Link => !open[..depth].iter().any(|(_, k)| *k == Kind::Link),
                        Kind::Phrasing | Kind::Image => true,
                    };
                    if !allowed {
                        return None;
                    }
                    out.push('<');
                    out.push_str(name.as_str());
                    let after = attributes(html, end, name.as_bytes(), kind, &mut out)?;
                    if kind != Kind::Image {
                        *open.get_mut(depth)? = (name, kind);
                        depth += 1;
                        inside += usize::from(kind != Kind::Wrapper);
                    }
                    after
                }
            }
        };
    }
    push_text_without_markup(&mut out, &html[i..]);
    (depth == 0).then_some(out)
}

/// Reads the attributes of a start tag from `at` (after its name) to its `>` (or `/>` for
/// an image), writes those ammonia keeps as it writes them (with [`LINK_REL`] after a
/// link's), and returns the index after the `>`.
fn attributes(
    html: &str,
    mut at: usize,
    tag: &[u8],
    kind: Kind,
    out: &mut String,
) -> Option<usize> {
    let b = html.as_bytes();
    // The kept attributes seen, to leave duplicates (which the parser drops) to ammonia.
    let mut seen = 0u32;
    let end = loop {
        match (*b.get(at)?, b.get(at + 1)) {
            (b'>', _) => break at + 1,
            (b'/', Some(b'>')) if kind == Kind::Image => break at + 2,
            (b' ', Some(b'/')) if kind == Kind::Image && b.get(at + 2) == Some(&b'>') => {
                break at + 3;
            }
            (b' ', _) => {}
            _ => return None,
        }
        let name_at = at + 1;
        let name_len = attribute_name_len(&b[name_at..]);
        let name = &b[name_at..name_at + name_len];
        let value_at = name_at + name_len + 2;
        if name_len == 0
            || !name[0].is_ascii_lowercase()
            || b.get(name_at + name_len..value_at)? != b"=\""
        {
            return None;
        }
        let value_end = value_at + memchr::memchr(b'"', &b[value_at..])?;
        at = value_end + 1;
        let (bit, url) = match GENERIC.iter().position(|g| *g == name) {
            Some(k) => (1 << k, false),
            // Not kept by ammonia (class, style, id, event handlers…): dropped.
            None => match own_attribute(tag, name) {
                Some(own) => own,
                None => continue,
            },
        };
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
        let value = &html[value_at..value_end];
        let value = if url {
            url_value(value)?
        } else if value.contains('&') {
            return None;
        } else {
            Cow::Borrowed(value)
        };
        out.push(' ');
        out.push_str(&html[name_at..name_at + name_len]);
        out.push_str("=\"");
        push_attribute(out, &value);
        out.push('"');
    };
    if kind == Kind::Link {
        if seen & (1 << URL_BIT) == 0 {
            return None;
        }
        out.push_str(" rel=\"");
        out.push_str(LINK_REL);
        out.push('"');
    }
    out.push('>');
    Some(end)
}

/// A URL attribute's value (`href`, `src`) as the parser decodes it, when it decodes it
/// unambiguously and ammonia keeps it: `&amp;` is `&`, and an `&` before `name=` stays (in
/// an attribute value a reference followed by `=` or a letter or digit is never decoded,
/// so the run up to `=` cannot be one). The URL must be absolute with an allowed scheme, which is what
/// ammonia's check accepts (a relative one it drops, as the sanitizer denies them).
fn url_value(value: &str) -> Option<Cow<'_, str>> {
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

/// Named references taken here: the markup ones and the punctuation and direction marks
/// news text uses. Each is written with its `;`, which no longer name continues (names
/// hold only letters and digits), so the parser's longest match is this one. A test
/// compares every entry with ammonia.
const NAMED: &[(&[u8], char)] = &[
    (b"amp;", '&'),
    (b"lt;", '<'),
    (b"gt;", '>'),
    (b"quot;", '"'),
    (b"apos;", '\''),
    (b"nbsp;", '\u{a0}'),
    (b"mdash;", '—'),
    (b"ndash;", '–'),
    (b"hellip;", '…'),
    (b"laquo;", '«'),
    (b"raquo;", '»'),
    (b"lsquo;", '‘'),
    (b"rsquo;", '’'),
    (b"ldquo;", '“'),
    (b"rdquo;", '”'),
    (b"middot;", '·'),
    (b"bull;", '•'),
    (b"copy;", '©'),
    (b"reg;", '®'),
    (b"deg;", '°'),
    (b"times;", '×'),
    (b"rlm;", '\u{200f}'),
    (b"lrm;", '\u{200e}'),
    (b"zwnj;", '\u{200c}'),
    (b"zwj;", '\u{200d}'),
];

/// The character reference at the start of `s` (at its `&`) and the bytes it used, for
/// the references whose decoding is unambiguous. html5ever also decodes named references
/// without `;` (`&copy`), maps some numeric ones to other characters (`&#150;` is U+2013),
/// and leaves a lone `&` as text; all of those are left to it (as are named references
/// not in [`NAMED`]).
fn reference(s: &str) -> Option<(char, usize)> {
    let after = &s.as_bytes()[1..];
    if let Some(&(name, c)) = NAMED.iter().find(|(name, _)| after.starts_with(name)) {
        return Some((c, 1 + name.len()));
    }
    let (c, used) = numeric_reference(s)?;
    let prefix = if matches!(after.get(1), Some(b'x' | b'X')) {
        3
    } else {
        2
    };
    let digits = used - prefix - 1;
    // With its `;`, and seven digits at most: they cover every code point, and longer
    // runs (leading zeros) are html5ever's to judge. Printable characters only: not C0 or
    // C1 controls (html5ever maps 0x80–0x9F through windows-1252), not DEL, not the
    // U+FFFD that 0, surrogates and overflow decode to.
    let code = u32::from(c);
    if !s[..used].ends_with(';')
        || digits > 7
        || code < 0x20
        || (0x7f..0xa0).contains(&code)
        || c == '\u{fffd}'
    {
        return None;
    }
    Some((c, used))
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
                "<!-- wp:paragraph -->\n<p>أ<!--> ب<!---> ج<!-- <p> --!> د</p>\n<!-- x --->",
                "\n<p>أ ب ج د</p>\n",
            ),
            (
                "<P>أ<BR>ب<Br/></p><DIV class=\"x\"><H2>ج</h2></Div>",
                "<p>أ<br>ب<br></p><div><h2>ج</h2></div>",
            ),
            (
                "<p dir=\"rtl\" lang=\"ar\">نص <a href=\"https://e.example/q?a=1&amp;b=2&c=3\" \
                 title=\"x y\">رابط</a></p>",
                "<p dir=\"rtl\" lang=\"ar\">نص <a href=\"https://e.example/q?a=1&amp;b=2&amp;c=3\" \
                 title=\"x y\" rel=\"noopener noreferrer nofollow\">رابط</a></p>",
            ),
            (
                "<div class=\"entry-content\"><p class=\"x\" style=\"color:red\" \
                 onclick=\"y()\">نص</p><figure class=\"wp\"><img loading=\"lazy\" \
                 src=\"https://e.example/a.jpg?w=8&amp;h=4\" alt=\"صورة\" width=\"800\" \
                 height=\"450\"/><figcaption>شرح</figcaption></figure></div>",
                "<div><p>نص</p><figure><img src=\"https://e.example/a.jpg?w=8&amp;h=4\" \
                 alt=\"صورة\" width=\"800\" height=\"450\"><figcaption>شرح</figcaption>\
                 </figure></div>",
            ),
            (
                "<p><a href=\"https://e.example/\" target=\"_blank\" rel=\"x\">x</a>\
                 <span href=\"https://e.example/\">y</span></p>",
                "<p><a href=\"https://e.example/\" rel=\"noopener noreferrer nofollow\">x</a>\
                 <span>y</span></p>",
            ),
            (
                "<blockquote cite=\"https://e.example/\" class=\"q\"><p>قال</p><ol start=\"2\">\
                 <li>أ<ul><li>ب</li></ul></li></ol></blockquote><q cite=\"x\">ج</q>",
                "<blockquote cite=\"https://e.example/\"><p>قال</p><ol start=\"2\">\
                 <li>أ<ul><li>ب</li></ul></li></ol></blockquote><q cite=\"x\">ج</q>",
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
    fn every_named_reference_taken_decodes_as_ammonia_decodes_it() {
        for (name, _) in super::NAMED {
            let name = std::str::from_utf8(name).unwrap();
            for input in [format!("<p>a&{name}b</p>"), format!("&{name}&{name}")] {
                assert_eq!(
                    sanitize(&input),
                    Some(ammonia_sanitize(&input)),
                    "{input:?}"
                );
            }
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
            "<p title=\"a&amp;b\">x</p>",
            "<p hidden>x</p>",
            "<p class='x'>x</p>",
            "<p Class=\"x\">x</p>",
            "<figcaption>x</figcaption>",
            "<p><figcaption>x</figcaption></p>",
            "<p><div>x</div></p>",
            "<div><b><p>x</p></b></div>",
            "<p><figure>x</figure></p>",
            "<section>x</section>",
            "<li>x</li>",
            "<ul><p>x</p></ul>",
            "<ul><li><p>x</p></li></ul>",
            "<p><ul><li>x</li></ul></p>",
            "<ul><li><li>x</li></li></ul>",
            "<ol start=\"1&amp;\"><li>x</li></ol>",
            "<img src=\"/relative.jpg\">",
            "<img src=\"javascript:x\">",
            "<img alt=\"a&amp;b\" src=\"https://e.example/a.jpg\">",
            "<img src=\"https://e.example/a.jpg\" src=\"https://e.example/b.jpg\">",
            "<img src=\"https://e.example/a.jpg\"></img>",
            "<a>x</a>",
            "<a title=\"t\">x</a>",
            "<a href=\"/relative\">x</a>",
            "<a href=\"javascript:x()\">x</a>",
            "<a href=\"https://e.example/?a&b\">x</a>",
            "<a href=\"https://e.example/?a=1&copy\">x</a>",
            "<a href=\"https://e.example/?a=1&lt-\">x</a>",
            "<a href=\"https://e.example/\"><a href=\"https://e.example/\">x</a></a>",
            "<p >x</p>",
            "<p/>",
            "<p><p>x</p></p>",
            "<b><p>x</p></b>",
            "<p><b>x</p></b>",
            "<p>x",
            "x</p>",
            "</br>",
            "<br dir=\"rtl\">",
            "<!-- c",
            "a < b",
            "AT&T",
            "&copy",
            "&notin;",
            "&mdash",
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

    /// Every element [`super::kind`] accepts, and `br`.
    const ELEMENTS: &[&str] = &[
        "div",
        "article",
        "blockquote",
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "figure",
        "ul",
        "ol",
        "li",
        "figcaption",
        "b",
        "strong",
        "em",
        "i",
        "u",
        "s",
        "small",
        "sub",
        "sup",
        "span",
        "code",
        "mark",
        "cite",
        "q",
        "abbr",
        "del",
        "ins",
        "a",
        "img",
        "br",
    ];

    /// The tables above must be the sanitizer's configuration, or the fast path would keep
    /// or drop other attributes than ammonia does.
    #[test]
    fn the_tables_are_the_sanitizers_configuration() {
        use std::collections::HashSet;
        let config = crate::clean::html::sanitizer();
        let tags = config.clone_tags();
        let generic = config.clone_generic_attributes();
        let per_tag = config.clone_tag_attributes();
        assert_eq!(
            generic,
            super::GENERIC
                .iter()
                .map(|g| std::str::from_utf8(g).unwrap())
                .collect::<HashSet<_>>()
        );
        assert_eq!(
            config.clone_url_schemes(),
            HashSet::from(["http", "https", "mailto"])
        );
        assert!(config.is_url_relative_deny());
        assert!(config.clone_tag_attribute_values().is_empty());
        assert!(config.clone_set_tag_attribute_values().is_empty());
        assert!(config.clone_allowed_classes().is_empty());
        assert!(config.clone_generic_attribute_prefixes().is_none());
        let mut candidates: HashSet<&str> = per_tag.values().flatten().copied().collect();
        candidates.extend(["class", "style", "id", "rel", "target", "loading", "srcset"]);
        for name in ELEMENTS {
            assert!(tags.contains(name), "{name} is not kept by ammonia");
            assert!(
                *name == "br" || super::kind(name.as_bytes()).is_some(),
                "{name}"
            );
            let own = per_tag.get(name).cloned().unwrap_or_default();
            for attr in &candidates {
                assert_eq!(
                    super::own_attribute(name.as_bytes(), attr.as_bytes()).is_some(),
                    own.contains(attr),
                    "{name} {attr}"
                );
            }
        }
        assert!(
            config
                .clone_clean_content_tags()
                .iter()
                .all(|t| !ELEMENTS.contains(t))
        );
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
        "</P>",
        "<BR>",
        "<Br/>",
        "<DIV class=\"x\">",
        "</DIV>",
        "<A href=\"https://e.example/\">",
        "</A>",
        "<IMG SRC=\"https://e.example/a.jpg\">",
        "<Img src=\"https://e.example/a.jpg\">",
        "<p DIR=\"rtl\">",
        "<p >",
        "<div>",
        "</div>",
        "<a>",
        "</a>",
        "<li>",
        "<ul>",
        "</ul>",
        "<ol start=\"2\">",
        "</ol>",
        "</li>",
        "<blockquote cite=\"https://e.example/\">",
        "</blockquote>",
        "<q cite=\"x\">",
        "<del datetime=\"2020\" class=\"x\">",
        "<img align=\"left\" src=\"https://e.example/a.jpg\">",
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
        "<a href=\"https://e.example/\" target=\"_blank\" rel=\"x\">",
        "<div class=\"entry\">",
        "<article>",
        "</article>",
        "<section>",
        "</section>",
        "<figure>",
        "</figure>",
        "<figcaption>",
        "</figcaption>",
        "<img src=\"https://e.example/a.jpg\" alt=\"x\">",
        "<img src=\"https://e.example/a.jpg\"/>",
        "<img loading=\"lazy\" src=\"/a.jpg\" />",
        "<img src=\"data:image/png;base64,xx\">",
        "<img width=\"1\" height=\"1\" src=\"https://e.example/p.gif\">",
        "<img alt=\"\u{a0}<\" width=\"1\" width=\"2\">",
        "<p class=\"x\" style=\"color:red\" onclick=\"y()\">",
        "<span data-x=\"&copy\" xml:lang=\"ar\">",
        "<!-- c -->",
        "<!--",
        "-->",
        "<!-->",
        "<!--->",
        "<!---->",
        "--!>",
        "<!-- <!-- -->",
        "<!DOCTYPE html>",
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
        "&mdash;",
        "&mdash",
        "&rlm;",
        "&notin;",
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
        "p class=\"has-text-align-right\" style=\"font-size:18px\"",
        "figure class=\"wp-block-image\"",
        "P",
        "H3 dir=\"rtl\"",
    ];
    const INLINE: &[&str] = &[
        "B",
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
        "a href=\"https://e.example/\" target=\"_blank\" rel=\"noopener\"",
        "span class=\"x\" style=\"color:red\"",
        "q cite=\"https://e.example/source\"",
        "del datetime=\"2020-05-01\" cite=\"x\"",
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
        "<img src=\"https://e.example/i.jpg\" alt=\"صورة\" width=\"10\" />",
        "<img align=\"left\" src=\"https://e.example/i.jpg\">",
    ];

    fn name(start_tag: &str) -> &str {
        start_tag.split(' ').next().unwrap()
    }

    /// `inner` inside the elements of `start_tags`, the first outermost.
    fn nest(start_tags: &[&str], inner: &str) -> String {
        let open: String = start_tags.iter().map(|t| format!("<{t}>")).collect();
        let close: String = start_tags
            .iter()
            .rev()
            .map(|t| format!("</{}>", name(t)))
            .collect();
        format!("{open}{inner}{close}")
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
                nest(&tags, &text)
            });
        let content = prop::collection::vec(inline, 0..4).prop_map(|v| v.concat());
        let item = (
            prop::option::of(prop::sample::select(BLOCK)),
            prop::collection::vec(content, 1..4),
            0..3u8,
            text,
        )
            .prop_map(|(block, content, variant, between)| {
                let first = &content[0];
                match block {
                    Some(b) if name(b) == "figure" && variant > 0 => {
                        format!("<{b}><figcaption>{first}</figcaption></figure>{between}")
                    }
                    Some(b) => format!("<{b}>{first}</{}>{between}", name(b)),
                    // Lists: items of content, the last holding a list of its own.
                    None if variant > 0 => {
                        let tag = if variant == 1 { "ul" } else { "ol start=\"3\"" };
                        let items: String =
                            content.iter().map(|c| format!("<li>{c}</li>")).collect();
                        let inner = format!("<li>{first}<ul><li>{first}</li></ul></li>");
                        format!("<{tag}>{items}{inner}</{}>{between}", name(tag))
                    }
                    None => format!("{first}{between}"),
                }
            });
        let items = prop::collection::vec(item, 0..6).prop_map(|v| v.concat());
        // Runs of items, some in wrappers.
        let wrapper = prop::sample::select(
            &[
                "div class=\"entry-content\"",
                "article",
                "blockquote cite=\"https://e.example/\"",
            ][..],
        );
        prop::collection::vec((items, prop::collection::vec(wrapper, 0..3)), 1..3).prop_map(
            |runs| {
                runs.into_iter()
                    .map(|(items, wrappers)| nest(&wrappers, &items))
                    .collect()
            },
        )
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
