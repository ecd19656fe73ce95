//! HTML cleaning, in an order that keeps the sanitizer's word final:
//!
//! 1. [`prepare`] parses the raw body with html5ever (the parser inside ammonia) and works on
//!    the tree: it removes what ammonia cannot target (ad placeholders by class, share and
//!    related widgets, 1×1 and tracker-host images, scripts and embeds with their fallback
//!    text), resolves relative links and images against the item's base, drops tracking
//!    parameters, and tidies every text node ([`tidy`]). Text is only ever normalized
//!    here, as decoded text inside the tree, before any sanitizing: normalizing serialized
//!    markup can join a tag's `>` with a combining mark that follows it (`>` + U+0338 is
//!    `≯` under NFC) and reopen the tag.
//! 2. [`sanitize`] is ammonia, the only code that decides which elements, attributes and
//!    URLs survive. Its serialized output is never edited afterwards.
//! 3. [`verify`] re-parses what is about to be published and checks that it holds only
//!    allowed elements, attributes and URL schemes: a last line of defence that should
//!    never fire.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use dom_query::{Document, Matcher, NodeData};
use html5ever::ns;
use url::Url;

pub use super::blocks::Body;
use crate::text::url::resolve;
use crate::text::{collapse_whitespace, tidy};

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
/// drop the elements too, but removing them here also drops their fallback text), forms, and
/// navigation.
const REMOVE_TAGS: &[&str] = &[
    "script", "style", "noscript", "iframe", "object", "embed", "form", "template", "svg", "math",
    "button", "input", "select", "textarea", "nav", "aside",
];

/// Boilerplate widgets recognised by a substring of their `class`.
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

/// Boilerplate widgets recognised by a substring of their `id`.
const REMOVE_IDS: &[&str] = &["google_ads", "taboola"];

/// The `rel` ammonia gives every link: no referrer or opener leaks to the linked site, and
/// no endorsement for search engines.
pub const LINK_REL: &str = "noopener noreferrer nofollow";

/// URL schemes a published link or image may use.
const URL_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

fn is_tracker(url: &Url) -> bool {
    let host = url.host_str().unwrap_or("");
    TRACKER_HOSTS
        .iter()
        .any(|t| host == *t || host.strip_suffix(t).is_some_and(|h| h.ends_with('.')))
}

/// A link's `href` as it should be written: resolved against `base`, tracking parameters
/// dropped; `None` unless it leads to a web page or a mail address.
fn link_target(base: Option<&Url>, href: &str) -> Option<Url> {
    resolve(base, href).filter(|u| URL_SCHEMES.contains(&u.scheme()))
}

/// An image's `src` as it should be written; `None` for an image to remove: from a
/// tracker, or not a web image.
fn image_target(base: Option<&Url>, src: &str) -> Option<Url> {
    resolve(base, src).filter(|u| !is_tracker(u) && matches!(u.scheme(), "http" | "https"))
}

/// Every element [`prepare`] removes with its content, as one selector list.
fn remove_matcher() -> &'static Matcher {
    static M: OnceLock<Matcher> = OnceLock::new();
    M.get_or_init(|| {
        let tags = REMOVE_TAGS.iter().map(|t| t.to_string());
        let classes = REMOVE_CLASSES.iter().map(|c| format!("[class*=\"{c}\"]"));
        let ids = REMOVE_IDS.iter().map(|i| format!("[id*=\"{i}\"]"));
        let pixels = ["width", "height"]
            .iter()
            .flat_map(|d| ["0", "1"].map(|v| format!("img[{d}=\"{v}\"]")));
        let list: Vec<String> = tags.chain(classes).chain(ids).chain(pixels).collect();
        Matcher::new(&list.join(", ")).expect("constant selector")
    })
}

/// Pass 1: the raw body, with boilerplate elements removed, links and images resolved and
/// untracked, and every text node tidied, serialized for [`sanitize`].
///
/// Links are resolved here rather than in ammonia's `url_relative` hook: that hook's base
/// is part of the `Builder`, which is built once for every item, while each item has its
/// own base; and a tracking pixel is removed as an element, which `attribute_filter` (one
/// attribute at a time) cannot do. Ammonia still decides what survives.
pub fn prepare(raw: &str, base: Option<&Url>) -> String {
    let doc = Document::fragment(raw);
    doc.select_matcher(remove_matcher()).remove();
    for link in doc.select("a").nodes() {
        match link.attr("href").and_then(|h| link_target(base, &h)) {
            Some(u) => link.set_attr("href", u.as_str()),
            // A link that goes nowhere safe loses the link and keeps its words. Unwrapping
            // (rather than keeping an empty <a>) also avoids the parser's adoption agency
            // rules, which move content around stray <a> elements.
            None => {
                if let Some(first) = link.first_child() {
                    link.insert_siblings_before(&first);
                }
                link.remove_from_parent();
            }
        }
    }
    for image in doc.select("img[src]").nodes() {
        match image_target(base, &image.attr_or("src", "")) {
            Some(u) => image.set_attr("src", u.as_str()),
            None => image.remove_from_parent(),
        }
    }
    let root = doc.html_root();
    for node in root.descendants() {
        if node.is_comment() {
            node.remove_from_parent();
        } else if node.is_text() {
            node.update(|n| {
                if let NodeData::Text { contents } = &mut n.data {
                    let tidied = tidy_text_node(contents);
                    if tidied != **contents {
                        *contents = tidied.into();
                    }
                }
            });
        }
    }
    root.inner_html().to_string()
}

/// [`tidy`] for one text node, and two more changes that keep the published markup
/// stable for consumers that normalize it:
/// - compatibility forms of `<` and `&` (fullwidth, small) become the ASCII characters,
///   which the serializer escapes: under NFKC they would turn into markup;
/// - combining marks with no letter to sit on are dropped ([`drop_orphan_marks`]).
fn tidy_text_node(text: &str) -> String {
    const FORMS: [char; 4] = ['\u{FE64}', '\u{FF1C}', '\u{FE60}', '\u{FF06}'];
    // Folded before tidying, so that NFC sees (and composes) what a second cleaning sees.
    let tidied = if text.contains(FORMS) {
        let folded: String = text
            .chars()
            .map(|c| match c {
                '\u{FE64}' | '\u{FF1C}' => '<',
                '\u{FE60}' | '\u{FF06}' => '&',
                c => c,
            })
            .collect();
        tidy(&folded)
    } else {
        tidy(text)
    };
    match drop_orphan_marks(&tidied) {
        Cow::Borrowed(_) => tidied,
        Cow::Owned(dropped) => dropped,
    }
}

/// Drops combining marks at the start of `text` or after white space (which cleaning
/// collapses or trims): they have no letter to sit on, and written after a tag's `>` they
/// would be composed with it by a consumer that normalizes the markup (`>` + U+0338 is
/// `≯` under NFC), reopening the tag.
fn drop_orphan_marks(text: &str) -> Cow<'_, str> {
    use unicode_normalization::char::is_combining_mark;
    // Only a character at the start or after white space can be an orphan: the table
    // lookup is made there alone, and most text is given back as it is.
    let mut after_letter = false;
    let orphan = text.chars().any(|c| {
        let orphan = !after_letter && is_combining_mark(c);
        after_letter = !c.is_whitespace() && (after_letter || !is_combining_mark(c));
        orphan
    });
    if !orphan {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut after_letter = false;
    for c in text.chars() {
        if is_combining_mark(c) {
            if after_letter {
                out.push(c);
            }
            continue;
        }
        after_letter = !c.is_whitespace();
        out.push(c);
    }
    Cow::Owned(out)
}
/// The ammonia configuration of pass 2.
fn sanitizer() -> &'static ammonia::Builder<'static> {
    static B: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    B.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.rm_tags(["area", "map", "nav", "aside", "details", "summary"])
            .add_generic_attributes(["dir", "lang"])
            .url_schemes(HashSet::from(URL_SCHEMES))
            // Relative URLs were resolved in pass 1 when a base was known; any left cannot
            // be resolved and would point at marsad itself, so they are dropped.
            .url_relative(ammonia::UrlRelative::Deny)
            .link_rel(Some(LINK_REL))
            .strip_comments(true)
            // ammonia checks `href` and `src` against the schemes but not `cite`
            // (`<blockquote cite="javascript:…">`): only web addresses stay there.
            .attribute_filter(|_, attribute, value| {
                if attribute == "cite" && !is_web_url(value) {
                    return None;
                }
                Some(Cow::Borrowed(value))
            });
        b
    })
}

fn is_web_url(value: &str) -> bool {
    Url::parse(value.trim()).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// Pass 2: ammonia.
pub fn sanitize(html: &str) -> String {
    sanitizer().clean(html).to_string()
}

/// Why published HTML failed [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unsafe {
    /// An element the sanitizer does not allow.
    #[error("element <{0}> is not allowed")]
    Element(String),
    /// An attribute the sanitizer does not allow on that element.
    #[error("attribute {attribute} is not allowed on <{element}>")]
    Attribute { element: String, attribute: String },
    /// A URL attribute with another scheme than http(s) or mailto, or relative.
    #[error("URL {0:?} is not an absolute http(s) or mailto address")]
    Url(String),
    /// A comment, doctype or processing instruction.
    #[error("markup other than elements and text")]
    Other,
}

/// What [`verify`] accepts: ammonia's defaults with this crate's changes, read from the
/// same builder so that the two cannot drift apart.
struct Allowed {
    tags: HashSet<&'static str>,
    generic: HashSet<&'static str>,
    per_tag: HashMap<&'static str, HashSet<&'static str>>,
}

fn allowed() -> &'static Allowed {
    static A: OnceLock<Allowed> = OnceLock::new();
    A.get_or_init(|| {
        let b = sanitizer();
        Allowed {
            tags: b.clone_tags(),
            generic: b.clone_generic_attributes(),
            per_tag: b.clone_tag_attributes(),
        }
    })
}

/// Pass 3: re-parses HTML about to be published and checks it holds only what the
/// sanitizer allows: allowed elements and attributes (so no `on*` handler and no `style`),
/// and http(s) or mailto URLs in `href`, `src` and `cite`.
pub fn verify(html: &str) -> Result<(), Unsafe> {
    let allowed = allowed();
    let doc = Document::fragment(html);
    for node in doc.html_root().descendants() {
        if node.is_text() {
            continue;
        }
        let Some(element) = node.element_ref() else {
            return Err(Unsafe::Other);
        };
        let name = &*element.name.local;
        if element.name.ns != ns!(html) || !allowed.tags.contains(name) {
            return Err(Unsafe::Element(name.to_string()));
        }
        for a in &element.attrs {
            let attribute = &*a.name.local;
            let ok = a.name.ns == ns!()
                && (allowed.generic.contains(attribute)
                    || allowed
                        .per_tag
                        .get(name)
                        .is_some_and(|s| s.contains(attribute))
                    || (name == "a" && attribute == "rel"));
            if !ok {
                return Err(Unsafe::Attribute {
                    element: name.to_string(),
                    attribute: attribute.to_string(),
                });
            }
            if matches!(attribute, "href" | "src" | "cite")
                && !Url::parse(&a.value).is_ok_and(|u| URL_SCHEMES.contains(&u.scheme()))
            {
                return Err(Unsafe::Url(a.value.to_string()));
            }
        }
    }
    Ok(())
}

/// The text of an HTML fragment: tags removed, character references decoded, script and
/// style content dropped.
fn text_content(raw: &str) -> String {
    let doc = Document::fragment(raw);
    doc.select("script, style, template").remove();
    doc.html_root().text().to_string()
}

/// Raw title/author text → plain text: tags removed, every HTML entity decoded by the HTML
/// parser, whitespace collapsed, display-tidied, no combining mark without its letter. The
/// result is text, never markup: publishers escape it, after a tag's `>` on the page.
pub fn plain_text(raw: &str) -> String {
    // Most titles hold no markup and no reference, and the parser would give such text
    // back unchanged (it only rewrites CR and NUL in plain text).
    let text = if raw.bytes().any(|b| matches!(b, b'<' | b'&' | b'\r' | 0)) {
        Cow::Owned(text_content(raw))
    } else {
        Cow::Borrowed(raw)
    };
    collapse_whitespace(&drop_orphan_marks(&tidy(&text)))
}
