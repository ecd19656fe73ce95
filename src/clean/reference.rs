//! The cleaning passes as they were before the fast paths (lol_html on every input, ammonia
//! on the whole body and twice, a token vector and a `String` per block), kept as the
//! reference the fast paths must agree with exactly: the equivalence tests in
//! `super::tests` compare the two on generated and fixture inputs.

use std::collections::HashSet;
use std::sync::OnceLock;

use url::Url;

use super::arabic::normalize_words;
use super::html::{ammonia_sanitize as sanitize, decode_serialized, rewrite_with_lol_html};
use super::text::{collapse_whitespace, tidy, whitespace_runs};

/// The old `clean_body`.
pub fn clean_body(raw: &str, title: &str, base: Option<&Url>) -> Body {
    let pre = rewrite_with_lol_html(raw, base);
    let safe = tidy(&sanitize(&pre));
    let first = body(blocks(&safe), title);
    let again = sanitize(&first.html);
    if again == first.html {
        return first;
    }
    let mut second = body(blocks(&tidy(&again)), title);
    second.credit = first.credit.or(second.credit);
    second
}

/// The old `plain_text`: always through ammonia.
pub fn plain_text(raw: &str) -> String {
    static B: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    let text_only = B.get_or_init(|| {
        let mut b = ammonia::Builder::empty();
        b.clean_content_tags(HashSet::from(["script", "style"]));
        b
    });
    let escaped = text_only.clean(raw).to_string();
    collapse_whitespace(&tidy(&decode_serialized(&escaped)))
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

// The tag classes and widget lines are the block pass's own: the reference differs in how it
// scans, not in what it calls a block or a widget.
use super::blocks::{is_block, is_container, is_void, is_widget_text};

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

/// What pass 3 kept.
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
