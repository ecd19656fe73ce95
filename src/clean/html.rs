//! HTML cleaning in three passes:
//!
//! 1. a lol_html pre-pass (streaming, ≈120 MB/s) removes what ammonia cannot target by
//!    selector: ad placeholders by class, share/related widgets, 1×1 and tracker-host images,
//!    and resolves relative links and strips tracking parameters;
//! 2. ammonia sanitizes (allow-list of tags and attributes, http/https/mailto URLs only);
//!    plain paragraphs of text, which it would give back as they are, skip it
//!    ([`plain_markup`]);
//! 3. a block pass splits the sanitized fragment into paragraphs and drops boilerplate:
//!    empty or `&nbsp;`-only blocks, copies of the title, blocks that repeat earlier ones (a
//!    body repeated as plain text after the HTML), "read more" lines, and keeps a trailing
//!    credit line apart.

use std::collections::HashSet;
use std::sync::OnceLock;

use std::borrow::Cow;

use lol_html::html_content::Element;
use lol_html::{ElementContentHandlers, RewriteStrSettings, Selector, rewrite_str};
use url::Url;

pub use super::blocks::Body;
use super::plain_markup;
use super::text::{collapse_whitespace, tidy};
use super::url::resolve;

/// Hosts that serve tracking pixels; an image from one of them is never content.
const TRACKER_HOSTS: &[&str] = &[
    "feeds.feedburner.com",
    "feedproxy.google.com",
    "pixel.wp.com",
    "stats.wordpress.com",
    "google-analytics.com",
    "doubleclick.net",
    "pixel.quantserve.com",
    "scorecardresearch.com",
    "feedsportal.com",
    "feedblitz.com",
    "facebook.com",
    "analytics.twitter.com",
    "ad.doubleclick.net",
];

/// Elements removed with their content before sanitizing: scripts and embeds (ammonia would
/// drop them too, but removing here also drops their fallback text), forms, and navigation.
const REMOVE_TAGS: &[&str] = &[
    "script", "style", "noscript", "iframe", "object", "embed", "form", "template", "svg", "math",
    "button", "input", "select", "textarea", "nav", "aside",
];

/// Boilerplate widgets recognised by a substring of their `class` (`[class*="…"]`).
const REMOVE_CLASSES: &[&str] = &[
    "phcv",
    "advert",
    "adsbygoogle",
    "sharedaddy",
    "share-",
    "social",
    "related",
    "read-more",
    "readmore",
    "newsletter",
    "sponsor",
    "jp-relatedposts",
    "taboola",
    "outbrain",
];

/// Boilerplate widgets recognised by a substring of their `id` (`[id*="…"]`).
const REMOVE_IDS: &[&str] = &["google_ads", "taboola"];

/// Tracking pixels recognised by their size.
const REMOVE_IMAGES: &[&str] = &[
    "img[width=\"1\"]",
    "img[height=\"1\"]",
    "img[width=\"0\"]",
    "img[height=\"0\"]",
];

/// Every element [`pre_pass`] removes with its content, as one selector list.
fn remove_selector_list() -> String {
    let tags = REMOVE_TAGS.iter().map(|t| t.to_string());
    let classes = REMOVE_CLASSES.iter().map(|c| format!("[class*=\"{c}\"]"));
    let ids = REMOVE_IDS.iter().map(|i| format!("[id*=\"{i}\"]"));
    let images = REMOVE_IMAGES.iter().map(|i| i.to_string());
    tags.chain(classes)
        .chain(ids)
        .chain(images)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The selectors of [`pre_pass`], parsed once: parsing them per item (cssparser) was a
/// visible share of a fetch pass's profile.
fn selectors() -> &'static [Selector; 3] {
    static S: OnceLock<[Selector; 3]> = OnceLock::new();
    S.get_or_init(|| {
        let parse = |s: &str| s.parse::<Selector>().expect("constant selector");
        [
            parse(&remove_selector_list()),
            parse("a"),
            parse("img[src]"),
        ]
    })
}

fn is_tracker(url: &Url) -> bool {
    let host = url.host_str().unwrap_or("");
    TRACKER_HOSTS
        .iter()
        .any(|t| host == *t || host.ends_with(&format!(".{t}")))
}

/// Pass 1: remove boilerplate elements, resolve and untrack links.
///
/// Most bodies give lol_html nothing to do but the removal of a few empty ad placeholders
/// (`<div class="phcv …"> </div>`), yet a lol_html rewrite costs about as much as ammonia
/// itself (it compiles its selector VM per rewrite and tokenizes every tag). So a byte scan
/// ([`simple_pre_pass`]) handles the inputs whose result it can tell exactly, and anything
/// else (links, images, scripts, comments, nested or unusual markup) goes to lol_html.
pub fn pre_pass(html: &str, base: Option<&Url>) -> String {
    match simple_pre_pass(html, base) {
        Some(out) => out.into_owned(),
        None => rewrite_with_lol_html(html, base),
    }
}

/// Tag names that send [`pre_pass`] to lol_html: the elements lol_html acts on by name
/// (links, images, [`REMOVE_TAGS`]) and those after which text is not tokenized as markup
/// (raw text, RCDATA, foreign content), where a byte scan would misread what follows.
const LOL_HTML_TAGS: &[&str] = &[
    "a",
    "img",
    "script",
    "style",
    "noscript",
    "iframe",
    "object",
    "embed",
    "form",
    "template",
    "svg",
    "math",
    "button",
    "input",
    "select",
    "textarea",
    "nav",
    "aside",
    "title",
    "xmp",
    "plaintext",
    "noembed",
    "noframes",
];

/// Elements of [`REMOVE_TAGS`] whose content the tokenizer reads as raw text up to their
/// end tag (script data for `script`): embeds and scripts (a tweet's widget script, a
/// video's iframe). The byte scan cuts them out (see [`raw_text_end`]).
const RAW_TEXT_REMOVED: &[&str] = &["script", "style", "iframe"];

/// The index after the end tag of a raw-text element `name` whose content starts at
/// `from`: the first `</name` in any case, which must be followed by `>`. `None` when it
/// is followed by anything else (an end tag with attributes or spaces), or when a script
/// holds `<!--` (where the tokenizer's escaped states may skip an end tag): lol_html then.
fn raw_text_end(b: &[u8], from: usize, name: &str) -> Option<usize> {
    let mut at = from;
    loop {
        let lt = at + memchr::memmem::find(&b[at..], b"</")?;
        if name == "script" && memchr::memmem::find(&b[from..lt], b"<!--").is_some() {
            return None;
        }
        let after = lt + 2 + name.len();
        if b.get(lt + 2..after)
            .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
        {
            match b.get(after)? {
                b'>' => return Some(after + 1),
                b'\t' | b'\n' | 0x0C | b'\r' | b' ' | b'/' => return None,
                _ => {}
            }
        }
        at = lt + 2;
    }
}

/// The index after the comment that starts at `lt` (`<!--`), where the HTML tokenizer ends
/// it: `<!-->` and `<!--->` are whole (empty) comments; otherwise the first `-->` or `--!>`
/// ends it (a `<!--` inside changes nothing but a parse error). `None` for a comment that
/// runs to the end of the input.
pub(super) fn comment_end(b: &[u8], lt: usize) -> Option<usize> {
    let body = lt + "<!--".len();
    if b[body..].starts_with(b">") {
        return Some(body + 1);
    }
    if b[body..].starts_with(b"->") {
        return Some(body + 2);
    }
    let close = memchr::memmem::find(&b[body..], b"-->").map(|n| (n, 3));
    let bang = memchr::memmem::find(&b[body..], b"--!>").map(|n| (n, 4));
    let (n, len) = match (close, bang) {
        (Some(c), Some(e)) => c.min(e),
        (c, e) => c.or(e)?,
    };
    Some(body + n + len)
}

/// Void elements: removing one by class would not take content with it; left to lol_html.
const VOID_TAGS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param",
    "source", "track", "wbr",
];

/// The part of [`pre_pass`] that a byte scan can do exactly: the input's markup must be
/// plain start and end tags (lower-case names, attributes double- or single-quoted or bare,
/// no character references in attribute values) with none of [`LOL_HTML_TAGS`], no
/// comments or doctypes; an element whose `class` or `id` matches a removal selector must
/// hold only text and end with its own end tag (`<div class="phcv x"> </div>`); a link must
/// be written `<a href="…">` and lead somewhere safe once resolved; an image with a `src`
/// that stays must be written as lol_html writes a changed tag (see [`StartTag::tidy`]).
/// Those elements are cut out (as are tracking pixels and images that go nowhere safe),
/// links and images get their resolved, untracked target, and everything else is copied,
/// which is what lol_html does on such input (tests compare the two). `None` when the
/// input is outside that shape.
///
/// Hand-written because neither html5ever nor lol_html offers a cheaper mode for "is there
/// anything to do here"; the shapes it accepts are kept small so that it is exact.
pub fn simple_pre_pass<'a>(html: &'a str, base: Option<&Url>) -> Option<Cow<'a, str>> {
    let b = html.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'<', &b[i..]) {
        let lt = i + off;
        match b.get(lt + 1) {
            Some(b'/') => {
                let (name, end) = tag_name(b, lt + 2)?;
                let name = name.as_str();
                // lol_html acts on start tags; an end tag goes with its element (the
                // links below keep theirs).
                if b.get(end) != Some(&b'>') || (LOL_HTML_TAGS.contains(&name) && name != "a") {
                    return None;
                }
                i = end + 1;
            }
            Some(b'a') if b[lt..].starts_with(b"<a href=\"") => {
                let at = lt + "<a href=\"".len();
                let len = memchr::memchr(b'"', &b[at..])?;
                let end = at + len + 1;
                if b.get(end) != Some(&b'>') || b[at..at + len].contains(&b'<') {
                    return None;
                }
                // What the lol_html handler does with a link; one that goes nowhere safe
                // is unwrapped there, which is left to it.
                let target = link_target(base, &html[at..at + len])?;
                let o = out.get_or_insert_with(|| String::with_capacity(html.len() + 64));
                o.push_str(&html[copied..lt]);
                o.push_str("<a href=\"");
                o.push_str(target.as_str());
                o.push_str("\">");
                copied = end + 1;
                i = end + 1;
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let tag = start_tag(b, lt + 1)?;
                let name = tag.name.as_str();
                if RAW_TEXT_REMOVED.contains(&name) {
                    // Removed with its content, which is raw text up to its end tag.
                    if tag.self_closing {
                        return None;
                    }
                    let end = raw_text_end(b, tag.end, name)?;
                    let o = out.get_or_insert_with(|| String::with_capacity(html.len()));
                    o.push_str(&html[copied..lt]);
                    copied = end;
                    i = end;
                    continue;
                }
                if name == "img" {
                    // What lol_html does with an image: the removal selectors, then the
                    // `img[src]` handler.
                    let target = match tag.src {
                        _ if tag.remove || tag.pixel => None,
                        None => {
                            i = tag.end;
                            continue;
                        }
                        Some(Ok((from, to))) if tag.tidy => {
                            image_target(base, &html[from..to]).map(|u| (from, to, u))
                        }
                        Some(_) => return None,
                    };
                    let o = out.get_or_insert_with(|| String::with_capacity(html.len() + 64));
                    o.push_str(&html[copied..lt]);
                    if let Some((from, to, url)) = target {
                        o.push_str(&html[lt..from]);
                        o.push_str(url.as_str());
                        o.push_str(&html[to..tag.end]);
                    }
                    copied = tag.end;
                    i = tag.end;
                    continue;
                }
                if LOL_HTML_TAGS.contains(&name) {
                    return None;
                }
                if !tag.remove {
                    i = tag.end;
                    continue;
                }
                if VOID_TAGS.contains(&name) || tag.self_closing {
                    return None;
                }
                // The element must hold text only and close with its own end tag.
                let close = tag.end + memchr::memchr(b'<', &b[tag.end..])?;
                let after = b[close..]
                    .strip_prefix(b"</")
                    .and_then(|r| r.split_at_checked(name.len()))
                    .filter(|(n, r)| {
                        n.eq_ignore_ascii_case(name.as_bytes()) && r.first() == Some(&b'>')
                    })
                    .map(|(_, r)| b.len() - r.len() + 1)?;
                let o = out.get_or_insert_with(|| String::with_capacity(html.len()));
                o.push_str(&html[copied..lt]);
                copied = after;
                i = after;
            }
            // A comment is copied, as lol_html copies it (ammonia drops it later).
            Some(b'!') if b[lt..].starts_with(b"<!--") => i = comment_end(b, lt)?,
            // Doctypes, CDATA, processing instructions: lol_html.
            Some(b'!' | b'?') => return None,
            // '<' before anything else is text.
            _ => i = lt + 1,
        }
    }
    Some(match out {
        None => Cow::Borrowed(html),
        Some(mut o) => {
            o.push_str(&html[copied..]);
            Cow::Owned(o)
        }
    })
}

/// A tag name as the HTML parser reads it: ASCII letters and digits, in lower case (`<P>`
/// and `<BR>`, as old CMSes write them, are the same elements to both crates), kept inline.
/// Longer names than [`TagName::MAX`] are none that cleaning acts on or accepts.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct TagName {
    bytes: [u8; TagName::MAX],
    len: u8,
}

impl TagName {
    const MAX: usize = 16;

    /// Reads `[A-Za-z][A-Za-z0-9]*` at `at`: the name and the index after it.
    pub(super) fn read(b: &[u8], at: usize) -> Option<(TagName, usize)> {
        let name = b.get(at..)?;
        let len = name
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        if len == 0 || len > Self::MAX || !name[0].is_ascii_alphabetic() {
            return None;
        }
        let mut bytes = [0u8; Self::MAX];
        for (lower, c) in bytes.iter_mut().zip(&name[..len]) {
            *lower = c.to_ascii_lowercase();
        }
        Some((
            TagName {
                bytes,
                len: len as u8,
            },
            at + len,
        ))
    }

    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    pub(super) fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).expect("ASCII letters and digits")
    }
}

/// A tag name starting at `at`, followed by `>` or a space: the name and the index after
/// it. `None` for anything else (other characters, a name cut by the end of the input).
fn tag_name(b: &[u8], at: usize) -> Option<(TagName, usize)> {
    let (name, end) = TagName::read(b, at)?;
    matches!(*b.get(end)?, b'>' | b' ' | b'\t' | b'\n' | 0x0C).then_some((name, end))
}

/// The length of the attribute name `b` starts with, in the one form both fast paths
/// accept: lower-case letters, digits, `-`, `_` and `:` (upper case, which the parser
/// lowers, is left to the crates).
pub(super) fn attribute_name_len(b: &[u8]) -> usize {
    b.iter()
        .take_while(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'_' | b':')
        })
        .count()
}

/// A start tag read by [`simple_pre_pass`].
struct StartTag {
    name: TagName,
    /// Index after the closing `>`.
    end: usize,
    /// Its `class` or `id` matches a removal selector.
    remove: bool,
    /// Ends in `/>`.
    self_closing: bool,
    /// Written as lol_html writes a tag it changed: one space before each attribute, none
    /// before the `>`, ` />` for a self-closing tag. Changing one attribute value of such a
    /// tag in place gives what lol_html gives.
    tidy: bool,
    /// An image's `src` value: its range when double-quoted, `Err` when written otherwise.
    src: Option<Result<(usize, usize), ()>>,
    /// A `width` or `height` of 0 or 1 (a tracking pixel, see [`REMOVE_IMAGES`]).
    pixel: bool,
}

/// Reads a start tag whose name starts at `at`, in the strict shape [`simple_pre_pass`]
/// accepts: `name (space+ attr(="v"|='v'|=v)?)* space* /? >`, attribute names in lower
/// case, no `&`, `<` or `>` inside values (but `&` in an image's `src`), `class` and `id`
/// at most once, and an image's `src`, `width` and `height` too.
fn start_tag(b: &[u8], at: usize) -> Option<StartTag> {
    let (tag, mut i) = tag_name(b, at)?;
    let name = tag.as_str();
    let image = name == "img";
    let (mut class, mut id): (Option<&[u8]>, Option<&[u8]>) = (None, None);
    let (mut src, mut width, mut height) = (None, None, None);
    let mut tidy = true;
    let mut self_closing = false;
    loop {
        let spaces = b[i..]
            .iter()
            .take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | 0x0C))
            .count();
        let single_space = spaces == 1 && b[i] == b' ';
        i += spaces;
        match *b.get(i)? {
            b'>' => {
                tidy &= spaces == 0;
                break;
            }
            b'/' if b.get(i + 1) == Some(&b'>') => {
                self_closing = true;
                tidy &= single_space;
                i += 1;
                break;
            }
            c if c.is_ascii_lowercase() && spaces > 0 => tidy &= single_space,
            _ => return None,
        }
        let name_len = attribute_name_len(&b[i..]);
        let attr = &b[i..i + name_len];
        i += name_len;
        let mut value: &[u8] = b"";
        let mut quoted_at = None;
        if b.get(i) == Some(&b'=') {
            i += 1;
            if b.get(i) == Some(&b'"') {
                quoted_at = Some(i + 1);
            }
            let (v, next) = match *b.get(i)? {
                q @ (b'"' | b'\'') => {
                    let len = memchr::memchr(q, &b[i + 1..])?;
                    (&b[i + 1..i + 1 + len], i + len + 2)
                }
                _ => {
                    let len = b[i..]
                        .iter()
                        .take_while(|c| {
                            !matches!(
                                c,
                                b' ' | b'\t' | b'\n' | 0x0C | b'>' | b'"' | b'\'' | b'=' | b'`'
                            )
                        })
                        .count();
                    (&b[i..i + len], i + len)
                }
            };
            if v.is_empty() && !matches!(b[i], b'"' | b'\'') {
                return None;
            }
            // An image's `src` is decoded as lol_html's handler decodes it, and the values
            // of an element removed by its name do not matter; other values are compared
            // as written, so they must hold no reference.
            let any = (image && attr == b"src") || RAW_TEXT_REMOVED.contains(&name);
            if v.iter()
                .any(|c| matches!(c, b'<' | b'>') || (*c == b'&' && !any))
            {
                return None;
            }
            value = v;
            i = next;
        } else if !matches!(b.get(i)?, b' ' | b'\t' | b'\n' | 0x0C | b'>' | b'/') {
            return None;
        }
        if image && matches!(attr, b"src" | b"width" | b"height") {
            let again = match attr {
                b"src" => src
                    .replace(quoted_at.map(|q| (q, q + value.len())).ok_or(()))
                    .is_some(),
                b"width" => width.replace(value).is_some(),
                _ => height.replace(value).is_some(),
            };
            if again {
                return None;
            }
            continue;
        }
        let slot = match attr {
            b"class" => &mut class,
            b"id" => &mut id,
            _ => continue,
        };
        if slot.replace(value).is_some() {
            return None;
        }
    }
    let matches = |value: Option<&[u8]>, markers: &[&str]| -> Option<bool> {
        let Some(v) = value else {
            return Some(false);
        };
        let found = |v: &[u8]| {
            markers
                .iter()
                .any(|m| memchr::memmem::find(v, m.as_bytes()).is_some())
        };
        let exact = found(v);
        // Whether lol_html compares these values ignoring case is not something to guess
        // at: a marker that matches only in another case goes to lol_html.
        if !exact && found(&v.to_ascii_lowercase()) {
            return None;
        }
        Some(exact)
    };
    let remove = matches(class, REMOVE_CLASSES)? || matches(id, REMOVE_IDS)?;
    Some(StartTag {
        name: tag,
        end: i + 1,
        remove,
        self_closing,
        tidy,
        src,
        pixel: [width, height]
            .iter()
            .any(|v| matches!(v, Some(b"0" | b"1"))),
    })
}

/// A link's raw `href` value as it should be written: references decoded, resolved against
/// `base`, tracking parameters dropped; `None` unless it leads to a web page or a mail
/// address.
fn link_target(base: Option<&Url>, raw_href: &str) -> Option<Url> {
    resolve(base, &decode_attribute(raw_href))
        .filter(|u| matches!(u.scheme(), "http" | "https" | "mailto"))
}

/// An image's raw `src` value as it should be written (see [`link_target`]); `None` for an
/// image to remove: from a tracker, or not a web image.
fn image_target(base: Option<&Url>, raw_src: &str) -> Option<Url> {
    resolve(base, &decode_attribute(raw_src))
        .filter(|u| !is_tracker(u) && matches!(u.scheme(), "http" | "https"))
}

/// The lol_html pass (see [`pre_pass`]).
pub fn rewrite_with_lol_html(html: &str, base: Option<&Url>) -> String {
    // One selector list for every removal: lol_html compiles its selector VM per rewrite,
    // and one list with one handler compiles faster than forty handlers.
    let [remove, links, images] = selectors();
    let handlers = [
        (
            Cow::Borrowed(remove),
            ElementContentHandlers::default().element(|el: &mut Element| {
                el.remove();
                Ok(())
            }),
        ),
        (
            Cow::Borrowed(links),
            ElementContentHandlers::default().element(|el: &mut Element| {
                let target = el
                    .get_attribute("href")
                    .and_then(|href| link_target(base, &href));
                match target {
                    Some(u) => el.set_attribute("href", u.as_str())?,
                    // A link that goes nowhere safe loses the link and keeps its words. Unwrapping
                    // (rather than keeping an empty <a>) also avoids the HTML parser's adoption
                    // agency rules, which move or drop content around stray <a> elements.
                    None => el.remove_and_keep_content(),
                }
                Ok(())
            }),
        ),
        (
            Cow::Borrowed(images),
            ElementContentHandlers::default().element(|el: &mut Element| {
                match image_target(base, &el.get_attribute("src").unwrap_or_default()) {
                    Some(u) => el.set_attribute("src", u.as_str())?,
                    None => el.remove(),
                }
                Ok(())
            }),
        ),
    ];
    let settings = handlers
        .into_iter()
        .fold(RewriteStrSettings::new(), |s, h| {
            s.append_element_content_handler(h)
        });
    // lol_html only fails on memory limits it is not given here; fall back to the input,
    // which ammonia still sanitizes.
    rewrite_str(html, settings).unwrap_or_else(|_| html.to_string())
}

/// A numeric character reference at the start of `s` (`&#65;`, `&#x41`, `;` optional), as
/// the HTML parser decodes it: the char (U+FFFD for 0, surrogates and values past
/// U+10FFFF) and the bytes used.
pub(super) fn numeric_reference(s: &str) -> Option<(char, usize)> {
    let body = s.strip_prefix("&#")?;
    let (radix, digits_at) = match body.as_bytes().first() {
        Some(b'x' | b'X') => (16, 3),
        _ => (10, 2),
    };
    let digits = s[digits_at..]
        .bytes()
        .take_while(|b| (*b as char).is_digit(radix))
        .count();
    if digits == 0 {
        return None;
    }
    let value = s[digits_at..digits_at + digits]
        .chars()
        .try_fold(0u32, |v, d| {
            v.checked_mul(radix)?.checked_add(d.to_digit(radix)?)
        })
        .unwrap_or(u32::MAX);
    let c = match value {
        0 => '\u{FFFD}',
        v => char::from_u32(v).unwrap_or('\u{FFFD}'),
    };
    let mut used = digits_at + digits;
    if s[used..].starts_with(';') {
        used += 1;
    }
    Some((c, used))
}

/// Decodes character references in a raw attribute value (lol_html hands them over
/// undecoded), so `jav&#x61;script:` is seen as the `javascript:` URL a browser would see.
/// Only numeric references and the XML five matter in URLs; other named references are
/// left as they are and make the URL relative (harmless).
fn decode_attribute(v: &str) -> String {
    if !v.contains('&') {
        return v.to_string();
    }
    let mut out = String::with_capacity(v.len());
    let mut rest = v;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        // Numeric references need no ';' in HTML (`&#9`, `&#x61`): browsers and html5ever
        // (inside ammonia) decode them anyway, so this must too, or the two passes see
        // different URLs and cleaning is not idempotent (found by the fuzzer: `href=&#9`).
        if let Some((c, used)) = numeric_reference(rest) {
            out.push(c);
            rest = &rest[used..];
            continue;
        }
        let end = rest.find(';').filter(|&e| e <= 12);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "colon" => Some(':'),
                "tab" => Some('\t'),
                "newline" => Some('\n'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }?;
            Some((c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    // Browsers ignore tabs and newlines inside URLs ("java\tscript:").
    out.retain(|c| c != '\t' && c != '\n' && c != '\r');
    out
}

/// The `rel` ammonia gives every link: no referrer or opener leaks to the linked site, and
/// no endorsement for search engines.
pub(super) const LINK_REL: &str = "noopener noreferrer nofollow";

/// The ammonia configuration of pass 2 (also read by [`plain_markup`]'s tests).
pub(super) fn sanitizer() -> &'static ammonia::Builder<'static> {
    static B: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    B.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.rm_tags(["area", "map", "nav", "aside", "details", "summary"])
            .add_generic_attributes(["dir", "lang"])
            .url_schemes(HashSet::from(["http", "https", "mailto"]))
            // Relative URLs were resolved in the pre-pass when a base was known; any left
            // cannot be resolved and would point at marsad itself, so they are dropped.
            .url_relative(ammonia::UrlRelative::Deny)
            .link_rel(Some(LINK_REL))
            .strip_comments(true);
        b
    })
}

fn text_only() -> &'static ammonia::Builder<'static> {
    static B: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    B.get_or_init(|| {
        let mut b = ammonia::Builder::empty();
        b.clean_content_tags(HashSet::from(["script", "style"]));
        b
    })
}

/// Pass 2: ammonia, or its result computed directly when the markup is plain enough for
/// that to be exact ([`plain_markup`]).
pub fn sanitize(html: &str) -> String {
    plain_markup::sanitize(html).unwrap_or_else(|| ammonia_sanitize(html))
}

/// Pass 2 always through ammonia, without [`plain_markup`]'s fast path: what tests and
/// benches compare it with.
pub fn ammonia_sanitize(html: &str) -> String {
    utf8(&sanitize_to_bytes(html)).to_string()
}

/// [`sanitize`]'s serialized output, as bytes (see [`utf8`]).
fn sanitize_to_bytes(html: &str) -> Vec<u8> {
    // `write_to` rather than `to_string`: the same serialization, without the copy through
    // a formatter.
    let mut out = Vec::with_capacity(html.len() + html.len() / 8);
    sanitizer()
        .clean(html)
        .write_to(&mut out)
        .expect("writing to a Vec does not fail");
    out
}

/// The serializer's bytes as text. html5ever writes UTF-8, but through `io::Write`, so the
/// bytes are checked again: with simdutf8 (already in the tree), which checks Arabic text
/// about ten times faster than `String::from_utf8` did (that check was 5% of a whole
/// cleaning step), then copied, which costs less than the check it saves and needs no
/// `unsafe`.
fn utf8(bytes: &[u8]) -> &str {
    simdutf8::basic::from_utf8(bytes).expect("html5ever writes UTF-8")
}

/// Stands in for a body's plain-text tail while passes 1 and 2 run (see [`pre_pass_and_sanitize`]).
/// A private-use character: its UTF-8 lead byte (0xEE) occurs in no common script, so a
/// byte search finds it.
const TAIL_MARK: &str = "\u{E000}";

/// Plain-text tails shorter than this go through passes 1 and 2 with the rest.
const MIN_TAIL: usize = 256;

/// Passes 1 and 2: [`pre_pass`], then [`sanitize`].
///
/// Many feeds send the body twice, as HTML and then again as plain text (the seed article);
/// the block pass drops the copy, but parsing it costs as much as parsing the HTML. Text
/// after the last markup character is only characters to both parsers, and goes wherever
/// the parser's insertion point is at the end of the input. So the tail is set aside (from
/// a line start, holding no `<`, `>`, `&`, CR or NUL), a one-character mark takes its place,
/// and the tail is spliced in where the mark comes out, escaped as html5ever's serializer
/// escapes text. This gives the same output as sanitizing the whole input (a test compares
/// them). When the mark does not come out exactly once (the tail would be inside a
/// comment, a tag or a removed element), the whole input goes through the passes.
pub fn pre_pass_and_sanitize(raw: &str, base: Option<&Url>) -> String {
    if let Some(at) = plain_tail(raw)
        && let Some(safe) = sanitize_with_tail_aside(raw, at, base)
    {
        return safe;
    }
    sanitize(&pre_pass(raw, base))
}

/// Where a plain-text tail worth setting aside starts (see [`pre_pass_and_sanitize`]).
fn plain_tail(raw: &str) -> Option<usize> {
    let b = raw.as_bytes();
    let mut start = memchr::memrchr3(b'<', b'>', b'&', b).map_or(0, |p| p + 1);
    if let Some(p) = memchr::memrchr2(b'\r', 0, &b[start..]) {
        start += p + 1;
    }
    // From a line start, so that no character reference or CR LF pair spans the cut.
    let at = start + memchr::memchr(b'\n', &b[start..])? + 1;
    if b.len() - at < MIN_TAIL || memchr::memchr(TAIL_MARK.as_bytes()[0], &b[..at]).is_some() {
        return None;
    }
    Some(at)
}

fn sanitize_with_tail_aside(raw: &str, at: usize, base: Option<&Url>) -> Option<String> {
    let (head, tail) = raw.split_at(at);
    let mut marked = String::with_capacity(at + TAIL_MARK.len());
    marked.push_str(head);
    marked.push_str(TAIL_MARK);
    let pre = pre_pass(&marked, base);
    if !pre.ends_with(TAIL_MARK) {
        return None;
    }
    let (fast, slow);
    let safe = match plain_markup::sanitize(&pre) {
        Some(s) => {
            fast = s;
            fast.as_str()
        }
        None => {
            slow = sanitize_to_bytes(&pre);
            utf8(&slow)
        }
    };
    // The head holds no 0xEE byte, and neither pass makes one: this is the mark.
    let mark = memchr::memchr(TAIL_MARK.as_bytes()[0], safe.as_bytes())?;
    let mut out = String::with_capacity(safe.len() + tail.len() + 64);
    out.push_str(&safe[..mark]);
    // html5ever escapes `& < >` and U+00A0 in text; the tail has only the last.
    push_text_without_markup(&mut out, tail);
    out.push_str(&safe[mark + TAIL_MARK.len()..]);
    Some(out)
}

/// Text as html5ever's serializer writes it, for text that holds no `& < >`: only U+00A0
/// is left to escape (found by its lead byte 0xC2, which Arabic text never uses, so the
/// search does not stop at every letter as a `char` search would at every A0 byte).
pub(super) fn push_text_without_markup(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(n) = memchr::memmem::find(rest.as_bytes(), "\u{a0}".as_bytes()) {
        out.push_str(&rest[..n]);
        out.push_str("&nbsp;");
        rest = &rest[n + 2..];
    }
    out.push_str(rest);
}

/// Raw title/author text → plain text: tags removed, every HTML entity decoded (by
/// html5ever inside ammonia), whitespace collapsed, display-tidied.
pub fn plain_text(raw: &str) -> String {
    // Most titles hold no markup and no reference. html5ever would give such text back
    // unchanged (it only rewrites CR and NUL in plain text), so ammonia is skipped.
    if !raw.bytes().any(|b| matches!(b, b'<' | b'&' | b'\r' | 0)) {
        return collapse_whitespace(&tidy(raw));
    }
    // A title may hold '<' as text ("a < b"); html5ever handles that as text.
    let escaped = text_only().clean(raw).to_string();
    collapse_whitespace(&tidy(&decode_serialized(&escaped)))
}

/// Decodes the few entities html5ever's serializer writes in text: `&amp; &lt; &gt;
/// &quot; &nbsp;`. Its output never holds any other entity, so a full entity table is not
/// needed here.
pub fn decode_serialized(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}
