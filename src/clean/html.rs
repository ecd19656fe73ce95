//! HTML cleaning in three passes:
//!
//! 1. a lol_html pre-pass (streaming, ≈120 MB/s) removes what ammonia cannot target by
//!    selector: ad placeholders by class, share/related widgets, 1×1 and tracker-host images,
//!    and resolves relative links and strips tracking parameters;
//! 2. ammonia sanitizes (allow-list of tags and attributes, http/https/mailto URLs only);
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

use super::arabic::normalize_words;
use super::text::{collapse_whitespace, tidy, whitespace_runs};
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
/// drop them too, but removing here also drops their fallback text), forms, and boilerplate
/// widgets recognised by class or id.
const REMOVE_SELECTORS: &[&str] = &[
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
    "[class*=\"phcv\"]",
    "[class*=\"advert\"]",
    "[class*=\"adsbygoogle\"]",
    "[id*=\"google_ads\"]",
    "[class*=\"sharedaddy\"]",
    "[class*=\"share-\"]",
    "[class*=\"social\"]",
    "[class*=\"related\"]",
    "[class*=\"read-more\"]",
    "[class*=\"readmore\"]",
    "[class*=\"newsletter\"]",
    "[class*=\"sponsor\"]",
    "[class*=\"jp-relatedposts\"]",
    "[id*=\"taboola\"]",
    "[class*=\"taboola\"]",
    "[class*=\"outbrain\"]",
    "img[width=\"1\"]",
    "img[height=\"1\"]",
    "img[width=\"0\"]",
    "img[height=\"0\"]",
];

/// The selectors of [`pre_pass`], parsed once: parsing them per item (cssparser) was a
/// visible share of a fetch pass's profile.
fn selectors() -> &'static [Selector; 3] {
    static S: OnceLock<[Selector; 3]> = OnceLock::new();
    S.get_or_init(|| {
        let parse = |s: &str| s.parse::<Selector>().expect("constant selector");
        [
            parse(&REMOVE_SELECTORS.join(", ")),
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
pub fn pre_pass(html: &str, base: Option<&Url>) -> String {
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
                    .and_then(|href| resolve(base, &decode_attribute(&href)))
                    .filter(|u| matches!(u.scheme(), "http" | "https" | "mailto"));
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
                let src = decode_attribute(&el.get_attribute("src").unwrap_or_default());
                match resolve(base, &src) {
                    Some(u) if is_tracker(&u) => el.remove(),
                    Some(u) if matches!(u.scheme(), "http" | "https") => {
                        el.set_attribute("src", u.as_str())?
                    }
                    _ => el.remove(),
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
fn numeric_reference(s: &str) -> Option<(char, usize)> {
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

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static B: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    B.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.rm_tags(["area", "map", "nav", "aside", "details", "summary"])
            .add_generic_attributes(["dir", "lang"])
            .url_schemes(HashSet::from(["http", "https", "mailto"]))
            // Relative URLs were resolved in the pre-pass when a base was known; any left
            // cannot be resolved and would point at marsad itself, so they are dropped.
            .url_relative(ammonia::UrlRelative::Deny)
            .link_rel(Some("noopener noreferrer nofollow"))
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

/// Pass 2: ammonia.
pub fn sanitize(html: &str) -> String {
    sanitizer().clean(html).to_string()
}

/// Raw title/author text → plain text: tags removed, every HTML entity decoded (by
/// html5ever inside ammonia), whitespace collapsed, display-tidied.
pub fn plain_text(raw: &str) -> String {
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

/// One paragraph-level piece of the body.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// Sanitized HTML of the block (a whole element, or `<p>…</p>` around loose text).
    pub html: String,
    /// Its plain text, whitespace collapsed.
    pub text: String,
    /// True when the block was loose text outside any block element.
    pub loose: bool,
    /// True when it holds an image.
    pub media: bool,
    /// True for loose inline content holding a block element (left unwrapped).
    pub has_block: bool,
}

/// Tags whose content becomes a paragraph of its own.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "ul"
            | "ol"
            | "dl"
            | "blockquote"
            | "pre"
            | "table"
            | "figure"
            | "li"
    )
}

/// Wrapper tags that are dropped at the top level so their children become blocks.
fn is_container(name: &str) -> bool {
    matches!(
        name,
        "div"
            | "section"
            | "article"
            | "main"
            | "header"
            | "footer"
            | "center"
            | "hgroup"
            | "body"
            | "html"
    )
}

fn is_void(name: &str) -> bool {
    matches!(name, "br" | "img" | "hr" | "wbr" | "col")
}

enum Tok<'a> {
    Text(&'a str),
    Open(&'a str, &'a str),
    Close(&'a str, &'a str),
}

/// Tokenizes ammonia's serialized output. That output is well-formed (balanced tags,
/// quoted attributes, `<` escaped in text), so a small scanner is exact here; it is never
/// used on raw input. It avoids a second DOM crate for what is a linear walk.
fn tokens(html: &str) -> Vec<Tok<'_>> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'<' {
            let start = i;
            let mut quote = 0u8;
            i += 1;
            while i < b.len() {
                let c = b[i];
                if quote != 0 {
                    if c == quote {
                        quote = 0;
                    }
                } else if c == b'"' || c == b'\'' {
                    quote = c;
                } else if c == b'>' {
                    break;
                }
                i += 1;
            }
            i = (i + 1).min(b.len());
            let raw = &html[start..i];
            let inner = raw.trim_start_matches('<').trim_end_matches('>');
            if let Some(name) = inner.strip_prefix('/') {
                out.push(Tok::Close(name.trim(), raw));
            } else {
                let name_end = inner
                    .find(|c: char| c.is_whitespace() || c == '/')
                    .unwrap_or(inner.len());
                out.push(Tok::Open(&inner[..name_end], raw));
            }
        } else {
            let start = i;
            while i < b.len() && b[i] != b'<' {
                i += 1;
            }
            out.push(Tok::Text(&html[start..i]));
        }
    }
    out
}

#[derive(Default)]
struct Builder {
    html: String,
    text: String,
    media: bool,
    /// Loose inline content that holds a block element (`<a><ul>…</ul></a>`): kept as it
    /// is, since a `<p>` around it would be split differently when parsed again.
    has_block: bool,
}

impl Builder {
    fn text(&mut self, t: &str, pre: bool) {
        if pre {
            self.html.push_str(t);
        } else {
            push_collapsed(&mut self.html, t);
        }
        push_decoded(&mut self.text, t);
        self.text.push(' ');
    }

    fn finish(self, loose: bool) -> Option<Block> {
        let text = collapse_whitespace(&self.text);
        if text.is_empty() && !self.media {
            return None;
        }
        let inner = self.html.trim();
        let html = if loose && self.has_block {
            inner.to_string()
        } else if loose {
            format!("<p>{inner}</p>")
        } else {
            trim_inside(inner)
        };
        Some(Block {
            html,
            text,
            loose,
            media: self.media,
            has_block: self.has_block,
        })
    }
}

/// Appends [`decode_serialized`] text without an intermediate string.
fn push_decoded(out: &mut String, s: &str) {
    if s.contains('&') {
        out.push_str(&decode_serialized(s));
    } else {
        out.push_str(s);
    }
}

/// Appends text with whitespace runs (including `&nbsp;`) collapsed to one space.
fn push_collapsed(out: &mut String, t: &str) {
    let replaced;
    let t = if t.contains("&nbsp;") {
        replaced = t.replace("&nbsp;", " ");
        replaced.as_str()
    } else {
        t
    };
    for (space, run) in whitespace_runs(t) {
        if !space {
            out.push_str(run);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
}

/// `<p> text </p>` → `<p>text</p>`: drops the spaces just inside the outer tags.
fn trim_inside(html: &str) -> String {
    let Some(open_end) = html.find('>') else {
        return html.to_string();
    };
    let Some(close_start) = html.rfind("</") else {
        return html.to_string();
    };
    if close_start <= open_end {
        return html.to_string();
    }
    let (open, rest) = html.split_at(open_end + 1);
    let (inner, close) = rest.split_at(close_start - open_end - 1);
    format!("{open}{}{close}", inner.trim())
}

/// Pass 3a: splits sanitized HTML into blocks (see the module docs).
pub fn blocks(html: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut loose = Builder::default();
    let mut inline_depth = 0usize;
    let toks = tokens(html);
    let mut i = 0;
    let flush = |b: &mut Builder, out: &mut Vec<Block>| {
        if let Some(block) = std::mem::take(b).finish(true) {
            out.push(block);
        }
    };
    while i < toks.len() {
        match &toks[i] {
            Tok::Text(t) => {
                if inline_depth > 0 {
                    loose.text(t, false);
                } else {
                    let mut lines = t.split('\n');
                    if let Some(first) = lines.next() {
                        loose.text(first, false);
                    }
                    for line in lines {
                        flush(&mut loose, &mut out);
                        loose.text(line, false);
                    }
                }
            }
            Tok::Open(name, raw) if inline_depth == 0 && is_block(name) => {
                flush(&mut loose, &mut out);
                let mut b = Builder::default();
                let pre = *name == "pre";
                let mut depth = 0usize;
                while i < toks.len() {
                    match &toks[i] {
                        Tok::Text(t) => b.text(t, pre),
                        Tok::Open(n, r) => {
                            b.html.push_str(r);
                            if *n == "img" {
                                b.media = true;
                            }
                            if *n == "br" || *n == "li" || *n == "td" || *n == "th" {
                                b.text.push(' ');
                            }
                            if !is_void(n) {
                                depth += 1;
                            }
                        }
                        Tok::Close(_, r) => {
                            b.html.push_str(r);
                            depth = depth.saturating_sub(1);
                        }
                    }
                    if depth == 0 {
                        break;
                    }
                    i += 1;
                }
                let _ = raw;
                if let Some(block) = b.finish(false) {
                    out.push(block);
                }
            }
            Tok::Open(name, _) | Tok::Close(name, _) if inline_depth == 0 && is_container(name) => {
                flush(&mut loose, &mut out);
            }
            Tok::Open(name, _) if inline_depth == 0 && (*name == "br" || *name == "hr") => {
                flush(&mut loose, &mut out);
            }
            Tok::Open(name, raw) => {
                loose.html.push_str(raw);
                if *name == "img" {
                    loose.media = true;
                }
                if is_block(name) || is_container(name) {
                    loose.has_block = true;
                }
                if !is_void(name) {
                    inline_depth += 1;
                }
            }
            Tok::Close(_, raw) => {
                loose.html.push_str(raw);
                inline_depth = inline_depth.saturating_sub(1);
            }
        }
        i += 1;
    }
    flush(&mut loose, &mut out);
    out
}

/// Normalized lines that are navigation, not content.
fn is_widget_text(norm: &str) -> bool {
    const WIDGETS: &[&str] = &[
        "اقرا المزيد",
        "اقرا ايضا",
        "اقرا المزيد من الاخبار",
        "المزيد",
        "شارك",
        "شارك المقال",
        "شارك الخبر",
        "تابعونا على",
        "read more",
        "continue reading",
        "share this",
        "share",
    ];
    WIDGETS.contains(&norm)
        || (norm.starts_with("the post ") && norm.contains(" appeared first on "))
        || norm.starts_with("اقرا ايضا ")
}

/// What pass 3 keeps.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Body {
    /// The kept blocks' HTML, one per line.
    pub html: String,
    /// The kept blocks' text, paragraphs separated by a blank line.
    pub text: String,
    /// A trailing credit line found among loose text.
    pub credit: Option<String>,
}

/// Pass 3b: drops boilerplate blocks. `title` is the cleaned title.
pub fn body(blocks: Vec<Block>, title: &str) -> Body {
    let title_norm = normalize_words(title);
    let mut seen: HashSet<String> = HashSet::new();
    let mut kept: Vec<Block> = Vec::new();
    for b in blocks {
        let norm = normalize_words(&b.text);
        if norm.is_empty() && !b.media {
            continue; // empty, &nbsp;-only or punctuation-only ("." lines)
        }
        if !norm.is_empty() && (norm == title_norm || is_widget_text(&norm)) {
            continue;
        }
        if !norm.is_empty() && !seen.insert(norm) {
            continue; // repeats an earlier block: the body repeated as plain text
        }
        kept.push(b);
    }
    // A short loose line at the very end, without sentence punctuation, is the source's
    // credit ("مواقع", "وكالات", "المصدر: الجزيرة"). Only loose text qualifies: cleaned output
    // wraps every block in <p>, so cleaning twice never takes a second credit line.
    let mut credit = None;
    if kept.len() >= 2 {
        let last = kept.last().expect("len checked");
        let words = last.text.split_whitespace().count();
        let ends_sentence = last
            .text
            .ends_with(['.', '!', '?', '؟', '…', '»', '"', ':']);
        if last.loose
            && !last.has_block
            && !last.media
            && words <= 4
            && last.text.chars().count() <= 40
            && !ends_sentence
        {
            credit = Some(last.text.clone());
            kept.pop();
        }
    }
    let html = kept
        .iter()
        .map(|b| b.html.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let text = kept
        .iter()
        .filter(|b| !b.text.is_empty())
        .map(|b| b.text.as_str())
        .collect::<Vec<_>>()
        .join("\n\n");
    Body { html, text, credit }
}
