//! Normalization of the feed dialects and forms feed-rs does not read, before it sees the
//! document: a rewrite of the few tags concerned, every other byte left as it is.
//!
//! feed-rs 3 recognizes a document by its root element and fixed namespace URIs, and it
//! refuses a whole document for one Atom text element it cannot type. Liberal parsers
//! (feedparser, browsers, the common readers) read all of the forms below, and real sites
//! still publish them, so marsad rewrites them into the forms feed-rs reads:
//!
//! - `<rss>` without `version`, or with a version feed-rs does not list (0.93, 0.94, 2.01):
//!   read as RSS 2.0 (0.9x as 0.92), the way feedparser reads them;
//! - legacy namespace URIs: RSS 0.90 (`http://my.netscape.com/rdf/simple/0.9/`, read as
//!   RSS 1.0, whose structure it shares), the UserLand RSS 2.0 default namespace, Atom 0.3
//!   (`http://purl.org/atom/ns#`), and spellings of the Dublin Core and Media RSS URIs;
//! - Atom 0.3 element names (`issued`, `modified`, `tagline`, `copyright`, author `url`)
//!   and its `mode="escaped"`/`mode="base64"` text, and Atom 1.0 content given as base64
//!   (RFC 4287 §4.1.3.3: a type that is neither text nor XML): decoded into escaped HTML or
//!   text; MIME types on Atom text constructs (`type="text/plain"`) become Atom's own;
//! - empty Atom text elements and empty Media RSS text elements (`<media:description/>`),
//!   which feed-rs refuses (with the whole document): removed, as they say nothing;
//! - an Atom `<link>` with its URL as text instead of `href`;
//! - an RSS 1.0 item identified only by `rdf:about`: its URL becomes the item's link when
//!   it is an http(s) URL (RSS 1.0 §5.5 makes `rdf:about` the item's URI);
//! - an RSS item whose only author is `itunes:author` or `dc:contributor`: that name is
//!   given to feed-rs as `dc:creator`.
//!
//! It also reads what feed-rs drops and marsad uses (per item, in document order): the
//! `xml:base` in scope (RFC 4287 §2 and RFC 3986 §5: each resolved against the one
//! around it, the outermost against the document's URL) and the RSS `<source>`.
//!
//! The scan is the salvage's tag scanner ([`super::salvage::next_markup`]): it understands
//! quoted attributes, CDATA and comments, and stops (keeping the rest as it is) at markup
//! the document ends inside, so it never fails and never reorders anything.

use std::borrow::Cow;
use std::ops::Range;

use base64::Engine as _;

use super::salvage::{Markup, next_markup};

/// RSS 1.0's namespace, the one feed-rs reads for RSS 0.90/1.0 and unprefixed RSS 2.0.
const RSS1_NS: &str = "http://purl.org/rss/1.0/";
/// Atom 1.0's namespace.
const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
/// Atom 0.3's namespace.
const ATOM03_NS: &str = "http://purl.org/atom/ns#";
/// RSS 0.90's namespace.
const RSS090_NS: &str = "http://my.netscape.com/rdf/simple/0.9/";
/// Namespace URIs RSS 2.0 documents were given by their authors: the elements are RSS's.
const RSS2_NS_ALIASES: &[&str] = &[
    "http://backend.userland.com/rss2",
    "http://backend.userland.com/rss",
    "http://blogs.law.harvard.edu/tech/rss",
];
/// Other spellings of namespaces feed-rs reads, as found in published feeds (feedparser
/// keeps the same kind of table): (alias, the URI feed-rs knows).
const NS_ALIASES: &[(&str, &str)] = &[
    (
        "http://purl.org/dc/elements/1.0/",
        "http://purl.org/dc/elements/1.1/",
    ),
    (
        "http://purl.org/dc/elements/1.1",
        "http://purl.org/dc/elements/1.1/",
    ),
    (
        "http://search.yahoo.com/mrss",
        "http://search.yahoo.com/mrss/",
    ),
    (
        "http://www.itunes.com/DTDs/Podcast-1.0.dtd",
        "http://www.itunes.com/dtds/podcast-1.0.dtd",
    ),
    (
        "http://purl.org/rss/1.0/modules/content",
        "http://purl.org/rss/1.0/modules/content/",
    ),
];

/// The link given to an RSS 1.0 item that has none, so that feed-rs keeps the item (it
/// drops RSS 1.0 items without a link); the parser removes it from the entry.
pub const NO_LINK: &str = "urn:marsad:no-link";

/// Dublin Core's namespace, declared on the `dc:creator` elements this pass adds.
const DC_NS: &str = "http://purl.org/dc/elements/1.1/";

/// What [`normalize`] changed or read, counted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Notes {
    /// The `<rss>` root had no version (`Some("")`) or one feed-rs does not list.
    pub rss_version: Option<String>,
    /// RSS 0.90 read as RSS 1.0.
    pub rss090: bool,
    /// A UserLand/Harvard namespace on RSS 2.0 elements ignored.
    pub rss2_ns: bool,
    /// Atom 0.3 read as Atom 1.0.
    pub atom03: bool,
    /// RSS elements without `<channel>` given one.
    pub channel_added: bool,
    /// Other namespace spellings mapped.
    pub ns_aliases: usize,
    /// Base64 text decoded.
    pub base64: usize,
    /// Base64 content that was not text, dropped.
    pub binary: usize,
    /// Empty elements feed-rs refuses, removed.
    pub empty: usize,
    /// Atom links given as text.
    pub text_links: usize,
    /// RSS 1.0 items whose `rdf:about` became their link.
    pub about_links: usize,
    /// Items whose author came from `itunes:author` or `dc:contributor`.
    pub other_authors: usize,
    /// Per item (`<item>`/`<entry>`), in document order: what feed-rs drops.
    pub items: Vec<ItemExtra>,
}

/// What one item carries that feed-rs does not keep.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ItemExtra {
    /// The absolute `xml:base` in scope for the item's content, when any element around
    /// or on the item has one.
    pub base: Option<String>,
    /// RSS `<source>`: the title of the feed the item was taken from.
    pub source: Option<String>,
}

impl Notes {
    /// One warning per kind of rewrite, with counts; nothing for a document that needed
    /// none.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        match self.rss_version.as_deref() {
            Some("") => w.push("RSS without a version attribute read as RSS 2.0".to_string()),
            Some(v) => w.push(format!(
                "RSS version \"{v}\" read as RSS {}",
                rss_version(v)
            )),
            None => {}
        }
        if self.rss090 {
            w.push("RSS 0.90 read as RSS 1.0".to_string());
        }
        if self.rss2_ns {
            w.push("RSS 2.0 elements in a namespace of their own read as RSS 2.0".to_string());
        }
        if self.atom03 {
            w.push("Atom 0.3 read as Atom 1.0".to_string());
        }
        if self.channel_added {
            w.push("RSS without a <channel> element read as if in one".to_string());
        }
        for (n, what) in [
            (self.ns_aliases, "namespace spelling(s) mapped"),
            (self.base64, "base64 text(s) decoded"),
            (self.binary, "base64 content(s) that are not text dropped"),
            (self.empty, "empty text element(s) removed"),
            (self.text_links, "link(s) given as text read"),
            (
                self.about_links,
                "RSS 1.0 item(s) without link use their rdf:about as link",
            ),
            (
                self.other_authors,
                "author(s) taken from itunes:author or dc:contributor",
            ),
        ] {
            if n > 0 {
                w.push(format!("{n} {what}"));
            }
        }
        w
    }
}

/// The version feed-rs is told for an `<rss version>` it does not list.
fn rss_version(v: &str) -> &'static str {
    if v.starts_with("0.9") { "0.92" } else { "2.0" }
}

/// A document being rewritten: edits at increasing positions, copied lazily, so a
/// document that needs none is borrowed.
struct Editor<'a> {
    text: &'a str,
    out: Option<String>,
    done: usize,
}

impl<'a> Editor<'a> {
    fn replace(&mut self, range: Range<usize>, with: &str) {
        let out = self
            .out
            .get_or_insert_with(|| String::with_capacity(self.text.len() + 256));
        out.push_str(&self.text[self.done..range.start]);
        out.push_str(with);
        self.done = range.end;
    }

    fn finish(self) -> Cow<'a, str> {
        match self.out {
            Some(mut out) => {
                out.push_str(&self.text[self.done..]);
                Cow::Owned(out)
            }
            None => Cow::Borrowed(self.text),
        }
    }
}

/// One attribute of a start tag: its name, raw value (entities not decoded) and where the
/// whole `name="value"` lies in the tag.
#[derive(Debug, PartialEq)]
struct Attr<'a> {
    name: &'a str,
    value: &'a str,
    span: Range<usize>,
}

/// The attributes of a start tag (`<name a="1" b='2'/>`); a value-less attribute (HTML
/// style) has an empty value.
fn attributes(tag: &str) -> Vec<Attr<'_>> {
    let bytes = tag.as_bytes();
    let mut i = tag
        .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
        .unwrap_or(tag.len());
    let mut attrs = Vec::new();
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] == b'/' || bytes[i] == b'>' {
            return attrs;
        }
        let start = i;
        while i < bytes.len()
            && !matches!(bytes[i], b'=' | b'/' | b'>')
            && !bytes[i].is_ascii_whitespace()
        {
            i += 1;
        }
        let name = &tag[start..i];
        let mut j = i;
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        if j < bytes.len() && bytes[j] == b'=' {
            j += 1;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            if j < bytes.len() && (bytes[j] == b'"' || bytes[j] == b'\'') {
                let q = bytes[j];
                let Some(close) = bytes[j + 1..].iter().position(|b| *b == q) else {
                    return attrs;
                };
                attrs.push(Attr {
                    name,
                    value: &tag[j + 1..j + 1 + close],
                    span: start..j + 2 + close,
                });
                i = j + 2 + close;
                continue;
            }
            // Unquoted value: to the next space or the end of the tag.
            let end = bytes[j..]
                .iter()
                .position(|b| b.is_ascii_whitespace() || *b == b'>')
                .map_or(bytes.len(), |p| j + p);
            attrs.push(Attr {
                name,
                value: &tag[j..end],
                span: start..end,
            });
            i = end;
        } else {
            if name.is_empty() {
                return attrs;
            }
            attrs.push(Attr {
                name,
                value: "",
                span: start..i,
            });
        }
    }
}

fn attr<'t>(attrs: &[Attr<'t>], name: &str) -> Option<&'t str> {
    attrs.iter().find(|a| a.name == name).map(|a| a.value)
}

/// A start tag rebuilt with the name `name`, without the attributes `drop`, with `add`.
fn rebuild(
    tag: &str,
    name: &str,
    attrs: &[Attr<'_>],
    drop: &[&str],
    add: &[(&str, &str)],
) -> String {
    let mut s = format!("<{name}");
    for a in attrs.iter().filter(|a| !drop.contains(&a.name)) {
        s.push(' ');
        s.push_str(&tag[a.span.clone()]);
    }
    for (n, v) in add {
        s.push_str(&format!(" {n}=\"{v}\""));
    }
    s.push_str(if tag.ends_with("/>") { "/>" } else { ">" });
    s
}

fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

/// The text of the element whose start tag ends at `from`, up to its end tag `</name>`,
/// when it holds no child element: (text range, end of the end tag). `None` for an
/// element with children, or one the document does not close.
fn text_body(text: &str, from: usize, name: &str) -> Option<(Range<usize>, usize)> {
    let mut pos = from;
    loop {
        let (start, end, m) = next_markup(text, pos).ok()??;
        match m {
            Markup::End { name: n } if n == name => return Some((from..start, end)),
            Markup::Other => pos = end,
            _ => return None,
        }
    }
}

/// The character data of a text body: CDATA unwrapped, comments left out, entity
/// references kept as they are (the result goes back into XML).
fn char_data(body: &str) -> String {
    let mut s = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(p) = rest.find('<') {
        s.push_str(&rest[..p]);
        rest = &rest[p..];
        let (skip, keep) = if let Some(r) = rest.strip_prefix("<![CDATA[") {
            let e = r.find("]]>").unwrap_or(r.len());
            (9 + e + 3, Some(&r[..e]))
        } else {
            (rest.find('>').map_or(rest.len(), |e| e + 1), None)
        };
        if let Some(k) = keep {
            s.push_str(&escape(k));
        }
        rest = &rest[skip.min(rest.len())..];
    }
    s.push_str(rest);
    s
}

/// `s` as XML character data.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// XML character data with the predefined and numeric references decoded (for base64
/// bodies, where only `&#10;`-style line ends are expected).
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        let Some(end) = rest.find(';').filter(|e| *e < 12) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..end];
        let c = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => name.strip_prefix('#').and_then(|n| {
                match n.strip_prefix(['x', 'X']) {
                    Some(h) => u32::from_str_radix(h, 16).ok(),
                    None => n.parse().ok(),
                }
                .and_then(char::from_u32)
            }),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Atom text constructs (and Atom 0.3's names for two of them).
const ATOM_TEXTS: &[&str] = &[
    "title",
    "subtitle",
    "summary",
    "content",
    "rights",
    "tagline",
    "copyright",
];

/// Media RSS elements read as text by feed-rs, which refuses them empty.
const MEDIA_TEXTS: &[&str] = &["title", "description", "text", "keywords", "copyright"];

/// Atom 0.3 names → Atom 1.0 names (`url` only inside a person: handled apart).
fn atom03_rename(name: &str) -> Option<&'static str> {
    Some(match name {
        "issued" => "published",
        "modified" => "updated",
        "tagline" => "subtitle",
        "copyright" => "rights",
        _ => return None,
    })
}

/// The item being scanned.
struct Item<'a> {
    /// Its index in the stack of open elements.
    depth: usize,
    about: Option<&'a str>,
    has_link: bool,
    has_author: bool,
    other_author: Option<String>,
}

/// Rewrites the forms listed in the module docs; `base` is the document's URL. Returns the
/// document (borrowed when nothing changed) and what was done.
pub fn normalize<'a>(text: &'a str, base: Option<&str>) -> (Cow<'a, str>, Notes) {
    let mut notes = Notes::default();
    let mut ed = Editor {
        text,
        out: None,
        done: 0,
    };
    // Open elements: (name, resolved xml:base when the element sets one).
    let mut stack: Vec<(&str, Option<url::Url>)> = Vec::new();
    let doc_base = base.and_then(|b| url::Url::parse(b).ok());
    let mut root: Option<&str> = None;
    let (mut atom, mut rss, mut rdf) = (false, false, false);
    let mut item: Option<Item<'_>> = None;
    let mut channel_seen = false;
    let has_channel = text.contains("<channel");
    let mut pos = 0;
    while let Ok(Some((start, end, m))) = next_markup(text, pos) {
        pos = end;
        match m {
            Markup::Start { name, empty } => {
                let tag = &text[start..end];
                let attrs = if tag.contains('=') {
                    attributes(tag)
                } else {
                    Vec::new()
                };
                let mut new_values: Vec<(usize, &str)> = Vec::new();
                for (k, a) in attrs.iter().enumerate() {
                    if a.name != "xmlns" && !a.name.starts_with("xmlns:") {
                        continue;
                    }
                    let v = a.value.trim();
                    // A `<feed>` root in a namespace of its own (Atom drafts published
                    // under other URIs, as feedparser reads them): Atom, and Atom 0.3's
                    // dialect when it says `version="0.3"`.
                    let other_atom = root.is_none()
                        && name == "feed"
                        && a.name == "xmlns"
                        && v != ATOM_NS
                        && v != ATOM03_NS;
                    let to = if other_atom {
                        if attr(&attrs, "version").is_some_and(|v| v.trim().starts_with("0.")) {
                            notes.atom03 = true;
                        } else {
                            notes.ns_aliases += 1;
                        }
                        ATOM_NS
                    } else if v == ATOM03_NS {
                        notes.atom03 = true;
                        ATOM_NS
                    } else if v == RSS090_NS {
                        notes.rss090 = true;
                        RSS1_NS
                    } else if RSS2_NS_ALIASES.contains(&v) {
                        notes.rss2_ns = true;
                        RSS1_NS
                    } else if let Some((_, to)) = NS_ALIASES.iter().find(|(from, _)| *from == v) {
                        notes.ns_aliases += 1;
                        to
                    } else {
                        continue;
                    };
                    new_values.push((k, to));
                }
                let mut new_name: Option<&str> = None;
                let mut drop: Vec<&str> = Vec::new();
                let mut add: Vec<(&str, String)> = Vec::new();
                if root.is_none() {
                    root = Some(name);
                    atom = local(name) == "feed";
                    rss = matches!(local(name), "rss" | "RDF");
                    rdf = local(name) == "RDF";
                    if name == "rss" {
                        let v = attr(&attrs, "version").map(str::trim);
                        if !matches!(v, Some("2.0" | "0.91" | "0.92" | "")) {
                            let v = v.unwrap_or("");
                            notes.rss_version = Some(v.to_string());
                            drop.push("version");
                            add.push(("version", rss_version(v).to_string()));
                        }
                    }
                }
                // RSS 0.9x/2.0 items straight under `<rss>`, without `<channel>`: feed-rs
                // finds no channel and refuses the document; feedparser reads it.
                if stack.len() == 1 && root == Some("rss") && !channel_seen && !has_channel {
                    ed.replace(start..start, "<channel>");
                    notes.channel_added = true;
                }
                if stack.len() == 1 {
                    channel_seen = true;
                }
                let parent = stack.last().map(|(n, _)| *n);
                let depth = stack.len();
                // The base in scope here: this element's, resolved against the one around.
                let outer_base = || stack.iter().rev().find_map(|(_, b)| b.as_ref());
                let own_base = attr(&attrs, "xml:base").and_then(|b| {
                    let b = unescape(b.trim());
                    outer_base()
                        .or(doc_base.as_ref())
                        .map_or_else(|| url::Url::parse(&b).ok(), |o| o.join(&b).ok())
                });
                let loc = local(name);
                let plain = !name.contains(':');
                if atom && plain {
                    if notes.atom03 {
                        if let Some(n) = atom03_rename(name) {
                            new_name = Some(n);
                        } else if name == "url"
                            && parent.is_some_and(|p| matches!(p, "author" | "contributor"))
                        {
                            new_name = Some("uri");
                        }
                    }
                    // feed-rs gives the content's `xml:base` as written: made absolute
                    // here, against the bases around it, so it is the base in scope.
                    if name == "content"
                        && let (Some(raw), Some(abs)) = (attr(&attrs, "xml:base"), &own_base)
                        && raw.trim() != abs.as_str()
                    {
                        drop.push("xml:base");
                        add.push(("xml:base", escape(abs.as_str()).replace('"', "&quot;")));
                    }
                    if ATOM_TEXTS.contains(&name) && attr(&attrs, "src").is_none() {
                        match atom_text(text, end, name, &attrs, empty, notes.atom03) {
                            AtomText::Keep => {}
                            AtomText::Remove(to) => {
                                ed.replace(start..to, "");
                                notes.empty += 1;
                                pos = to;
                                continue;
                            }
                            AtomText::Retype(t) => {
                                drop.extend(["type", "mode"]);
                                add.push(("type", t.to_string()));
                            }
                            AtomText::Replace { ty, body, to } => {
                                let n = new_name.unwrap_or(name);
                                let open =
                                    rebuild(tag, n, &attrs, &["type", "mode"], &[("type", ty)]);
                                let open = open.trim_end_matches("/>").trim_end_matches('>');
                                ed.replace(start..to, &format!("{open}>{body}</{n}>"));
                                notes.base64 += 1;
                                pos = to;
                                continue;
                            }
                            AtomText::Binary(to) => {
                                ed.replace(start..to, "");
                                notes.binary += 1;
                                pos = to;
                                continue;
                            }
                        }
                    }
                    if name == "link"
                        && attr(&attrs, "href").is_none()
                        && !empty
                        && let Some((body, to)) = text_body(text, end, name)
                    {
                        let url = char_data(&text[body]);
                        let url = url.trim();
                        if !url.is_empty() {
                            let open = rebuild(
                                tag,
                                name,
                                &attrs,
                                &[],
                                &[("href", &url.replace('"', "&quot;"))],
                            );
                            let open = open.trim_end_matches('>');
                            ed.replace(start..to, &format!("{open}/>"));
                            notes.text_links += 1;
                            pos = to;
                            continue;
                        }
                    }
                }
                if name.starts_with("media:") && MEDIA_TEXTS.contains(&loc) {
                    let to = if empty {
                        Some(end)
                    } else {
                        text_body(text, end, name)
                            .filter(|(b, _)| char_data(&text[b.clone()]).trim().is_empty())
                            .map(|(_, to)| to)
                    };
                    if let Some(to) = to {
                        ed.replace(start..to, "");
                        notes.empty += 1;
                        pos = to;
                        continue;
                    }
                }
                // Items: where one starts, and what it holds.
                if item.is_none()
                    && depth > 0
                    && ((rss && loc == "item") || (atom && loc == "entry"))
                {
                    let about = attr(&attrs, "rdf:about")
                        .map(str::trim)
                        .filter(|a| is_web_url(a));
                    notes.items.push(ItemExtra {
                        base: own_base.as_ref().or(outer_base()).map(|u| u.to_string()),
                        source: None,
                    });
                    if empty {
                        continue;
                    }
                    item = Some(Item {
                        depth,
                        about,
                        has_link: false,
                        has_author: false,
                        other_author: None,
                    });
                } else if let Some(it) = item.as_mut().filter(|it| depth == it.depth + 1) {
                    match name {
                        "link" => it.has_link = true,
                        "author" | "dc:creator" => it.has_author = true,
                        "itunes:author" | "dc:contributor" if it.other_author.is_none() => {
                            it.other_author = text_body(text, end, name)
                                .map(|(b, _)| char_data(&text[b]).trim().to_string())
                                .filter(|a| !a.is_empty());
                        }
                        "source" if rss => {
                            let title = text_body(text, end, name)
                                .map(|(b, _)| unescape(&char_data(&text[b])).trim().to_string())
                                .filter(|s| !s.is_empty());
                            if let Some(extra) = notes.items.last_mut() {
                                extra.source = title;
                            }
                        }
                        _ => {}
                    }
                }
                for (k, to) in &new_values {
                    drop.push(attrs[*k].name);
                    add.push((attrs[*k].name, (*to).to_string()));
                }
                if new_name.is_some() || !drop.is_empty() {
                    // The attribute order is kept but for the rewritten ones, appended.
                    let add: Vec<(&str, &str)> =
                        add.iter().map(|(n, v)| (*n, v.as_str())).collect();
                    ed.replace(
                        start..end,
                        &rebuild(tag, new_name.unwrap_or(name), &attrs, &drop, &add),
                    );
                }
                if !empty && stack.len() < super::salvage::MAX_DEPTH {
                    stack.push((name, own_base));
                }
            }
            Markup::End { name } => {
                let Some(k) = stack.iter().rposition(|(n, _)| *n == name) else {
                    continue;
                };
                if k == 0 && notes.channel_added {
                    ed.replace(start..start, "</channel>");
                }
                stack.truncate(k);
                if let Some(it) = item.as_ref().filter(|it| it.depth == k) {
                    let mut add = String::new();
                    if !it.has_link && rss {
                        if let Some(about) = it.about {
                            add.push_str(&format!("<link>{about}</link>"));
                            notes.about_links += 1;
                        } else if rdf {
                            // feed-rs drops an RSS 1.0 item without a link; this one is
                            // removed again after it (see `NO_LINK`).
                            add.push_str(&format!("<link>{NO_LINK}</link>"));
                        }
                    }
                    if !it.has_author
                        && rss
                        && let Some(a) = &it.other_author
                    {
                        add.push_str(&format!(
                            "<dc:creator xmlns:dc=\"{DC_NS}\">{a}</dc:creator>"
                        ));
                        notes.other_authors += 1;
                    }
                    if !add.is_empty() {
                        ed.replace(start..start, &add);
                    }
                    item = None;
                }
                if atom && notes.atom03 && !name.contains(':') {
                    let renamed = atom03_rename(name).or_else(|| {
                        (name == "url"
                            && stack
                                .last()
                                .is_some_and(|(p, _)| matches!(*p, "author" | "contributor")))
                        .then_some("uri")
                    });
                    if let Some(n) = renamed {
                        ed.replace(start..end, &format!("</{n}>"));
                    }
                }
            }
            Markup::Other => {}
        }
    }
    (ed.finish(), notes)
}

/// Whether `s` is an absolute http(s) URL.
pub fn is_web_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// What to do with an Atom text construct.
#[derive(Debug, PartialEq)]
enum AtomText {
    Keep,
    /// Empty: remove the element (up to this position).
    Remove(usize),
    /// Give it this `type` (and no `mode`).
    Retype(&'static str),
    /// Base64 decoded: replace the element, up to `to`, with this type and body.
    Replace {
        ty: &'static str,
        body: String,
        to: usize,
    },
    /// Base64 of something other than text: remove up to this position.
    Binary(usize),
}

/// Decides for the Atom text element `name` whose start tag ends at `end`.
fn atom_text(
    text: &str,
    end: usize,
    name: &str,
    attrs: &[Attr<'_>],
    empty: bool,
    atom03: bool,
) -> AtomText {
    if empty {
        return AtomText::Remove(end);
    }
    let body = text_body(text, end, name);
    if let Some((b, to)) = &body
        && char_data(&text[b.clone()]).trim().is_empty()
    {
        return AtomText::Remove(*to);
    }
    let ty = attr(attrs, "type").map(|t| t.trim().to_ascii_lowercase());
    let mode = attr(attrs, "mode").map(|m| m.trim().to_ascii_lowercase());
    let html_like = |t: &str| t.contains("html");
    let textual = |t: &str| {
        matches!(t, "text" | "html" | "xhtml")
            || t.starts_with("text/")
            || t.ends_with("+xml")
            || t.ends_with("/xml")
    };
    // RFC 4287 §4.1.3.3: a content type that is neither text nor XML is base64.
    let base64 = match (&mode, &ty) {
        (Some(m), _) => m == "base64",
        // feedparser decodes a text construct so typed too, though RFC 4287 allows only
        // text, html and xhtml there.
        (None, Some(t)) => !textual(t) && !atom03,
        (None, None) => false,
    };
    if base64 {
        let Some((b, to)) = body else {
            return AtomText::Keep;
        };
        let raw: String = unescape(&char_data(&text[b]))
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(raw.as_bytes())
            .or_else(|_| {
                base64::engine::general_purpose::STANDARD_NO_PAD.decode(raw.trim_end_matches('='))
            });
        return match decoded.ok().and_then(|d| String::from_utf8(d).ok()) {
            Some(s) => AtomText::Replace {
                ty: if ty
                    .as_deref()
                    .is_some_and(|t| t.starts_with("text/plain") || t == "text")
                {
                    "text"
                } else {
                    "html"
                },
                body: escape(&s),
                to,
            },
            None => AtomText::Binary(to),
        };
    }
    let has_children = body.is_none();
    let new = match (mode.as_deref(), ty.as_deref()) {
        (Some("escaped"), Some(t)) if html_like(t) => "html",
        (Some("escaped"), _) => "text",
        // Inline XML: Atom 0.3's default mode, and Atom 1.0.
        (_, None | Some("text")) => return AtomText::Keep,
        (_, Some("html" | "xhtml")) => return AtomText::Keep,
        (_, Some("text/plain")) => "text",
        (_, Some(t)) if html_like(t) && has_children => "xhtml",
        (_, Some(t)) if html_like(t) => "html",
        // Atom 1.0 content may carry any text or XML media type; text constructs may not.
        (_, Some(_)) if name == "content" => return AtomText::Keep,
        (_, Some(_)) => "text",
    };
    AtomText::Retype(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> (String, Notes) {
        let (t, n) = normalize(s, Some("https://site.example/feed.xml"));
        (t.into_owned(), n)
    }

    #[test]
    fn only_the_tags_concerned_are_rewritten() {
        // Atom 0.3: namespace, names, modes; everything else byte for byte.
        let (t, n) = norm(
            "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\">\n <!-- c --><tagline mode=\"escaped\" type=\"text/html\">a &amp;amp; b</tagline><entry><issued>2004-01-01</issued><author><url>https://x.example/</url></author><content mode=\"base64\" type=\"text/plain\">YSA8IGI=</content><summary/></entry></feed>",
        );
        assert_eq!(
            t,
            "<feed version=\"0.3\" xmlns=\"http://www.w3.org/2005/Atom\">\n <!-- c --><subtitle type=\"html\">a &amp;amp; b</subtitle><entry><published>2004-01-01</published><author><uri>https://x.example/</uri></author><content type=\"text\">a &lt; b</content></entry></feed>"
        );
        assert_eq!(
            n.warnings(),
            [
                "Atom 0.3 read as Atom 1.0",
                "1 base64 text(s) decoded",
                "1 empty text element(s) removed"
            ]
        );
        // RSS: version added, a missing link and author supplied before the item's end.
        let (t, n) = norm(
            "<rss xmlns:itunes=\"http://www.itunes.com/DTDs/Podcast-1.0.dtd\"><channel><item><title>x</title><itunes:author>A &amp; B</itunes:author></item></channel></rss>",
        );
        assert_eq!(
            t,
            "<rss version=\"2.0\" xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\"><channel><item><title>x</title><itunes:author>A &amp; B</itunes:author><dc:creator xmlns:dc=\"http://purl.org/dc/elements/1.1/\">A &amp; B</dc:creator></item></channel></rss>"
        );
        assert_eq!(n.ns_aliases, 1);
    }

    #[test]
    fn bases_are_resolved_against_the_one_around_them() {
        let (_, n) = norm(
            "<rss version=\"2.0\" xml:base=\"/a/\"><channel xml:base=\"b/\"><item xml:base=\"c/\"><title>x</title></item><item><title>y</title></item></channel></rss>",
        );
        let bases: Vec<_> = n.items.iter().map(|i| i.base.as_deref()).collect();
        assert_eq!(
            bases,
            [
                Some("https://site.example/a/b/c/"),
                Some("https://site.example/a/b/")
            ]
        );
    }

    #[test]
    fn a_document_cut_inside_a_tag_keeps_its_rest_as_it_is() {
        let doc = "<rss><channel><item><title>x</title><link href=\"";
        let (t, _) = norm(doc);
        assert_eq!(t, doc.replacen("<rss>", "<rss version=\"2.0\">", 1));
    }

    #[test]
    fn a_document_that_needs_nothing_is_borrowed() {
        let doc = "<rss version=\"2.0\"><channel><item><title>a</title><link>https://x.example/</link></item></channel></rss>";
        let (t, n) = normalize(doc, None);
        assert!(matches!(t, Cow::Borrowed(_)));
        assert_eq!(n.warnings(), Vec::<String>::new());
        assert_eq!(n.items, vec![ItemExtra::default()]);
    }

    #[test]
    fn attributes_are_read_with_either_quote_and_without() {
        let a = attributes("<a x=\"1\" y='t\"u' z=v w>");
        let got: Vec<(&str, &str)> = a.iter().map(|a| (a.name, a.value)).collect();
        assert_eq!(got, [("x", "1"), ("y", "t\"u"), ("z", "v"), ("w", "")]);
    }
}
