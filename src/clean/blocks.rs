//! Pass 3 of HTML cleaning: splits the sanitized fragment into paragraph blocks and drops
//! boilerplate: empty or `&nbsp;`-only blocks, copies of the title, blocks that repeat
//! earlier ones (a body repeated as plain text after the HTML), "read more" lines, and keeps
//! a trailing credit line apart.
//!
//! It reads only ammonia's serialized output (balanced tags, quoted attributes, `<` always
//! escaped in text), so a small scanner is exact here; it is never used on raw input. That
//! avoids a second DOM crate for what is a linear walk. The walk writes every block's HTML
//! and text into shared buffers, normalizes each distinct block text once (a block whose
//! text equals an earlier one's reuses its normalized form), and returns the normalized text
//! of the kept blocks too, so that the caller need not normalize the body again. A plain
//! line that repeats an earlier block's text is not made a block at all: the plain-text
//! repeat of a body costs a hash and a comparison per line.

use std::ops::Range;

use std::hash::BuildHasher;

use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};

use crate::text::arabic::{normalize_words, normalize_words_append, starts_with_mark};

/// What pass 3 keeps.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Body {
    /// The kept blocks' HTML, one per line.
    pub html: String,
    /// The kept blocks' text, paragraphs separated by a blank line.
    pub text: String,
    /// A trailing credit line found among loose text.
    pub credit: Option<String>,
    /// `text` in the matching form of [`normalize_words`].
    pub norm_text: String,
}

/// Tags whose content becomes a paragraph of its own.
pub(super) fn is_block(name: &str) -> bool {
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
pub(super) fn is_container(name: &str) -> bool {
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
            // Their start tags close an open <p>: wrapped in one, they would be split
            // differently when the result is parsed again.
            | "figcaption"
            | "dd"
            | "dt"
    )
}

pub(super) fn is_void(name: &str) -> bool {
    matches!(name, "br" | "img" | "hr" | "wbr" | "col")
}

enum Tok<'a> {
    Text(&'a str),
    Open(&'a str, &'a str),
    Close(&'a str, &'a str),
}

/// The tokens of serialized HTML, in order.
struct Tokens<'a> {
    src: &'a str,
    at: usize,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Tok<'a>;

    fn next(&mut self) -> Option<Tok<'a>> {
        let (src, b) = (self.src, self.src.as_bytes());
        let start = self.at;
        if start >= b.len() {
            return None;
        }
        if b[start] != b'<' {
            let end = memchr::memchr(b'<', &b[start..]).map_or(b.len(), |n| start + n);
            self.at = end;
            return Some(Tok::Text(&src[start..end]));
        }
        // A tag: up to the first '>' outside quotes.
        let mut i = start + 1;
        let mut quote = 0u8;
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
        self.at = (i + 1).min(b.len());
        let raw = &src[start..self.at];
        let inner = raw.trim_start_matches('<').trim_end_matches('>');
        Some(if let Some(name) = inner.strip_prefix('/') {
            Tok::Close(name.trim(), raw)
        } else {
            let name_end = inner
                .find(|c: char| c.is_whitespace() || c == '/')
                .unwrap_or(inner.len());
            Tok::Open(&inner[..name_end], raw)
        })
    }
}

/// One block, as ranges of [`Splitter`]'s buffers.
#[derive(Debug, Clone)]
struct Piece {
    html: Range<usize>,
    text: Range<usize>,
    /// Loose text outside any block element (wrapped in `<p>`).
    loose: bool,
    /// Holds an image.
    media: bool,
    /// Loose inline content holding a block element (left unwrapped).
    has_block: bool,
    /// The first piece with the same text (its own index when none before has it).
    same_as: usize,
}

/// The block being built.
#[derive(Debug, Default)]
struct Cur {
    /// Where its text starts in [`Splitter::text`].
    text_start: usize,
    /// A word break is due before the next text character.
    pending: bool,
    media: bool,
    /// Loose inline content that holds a block element (`<a><ul>…</ul></a>`): kept as it
    /// is, since a `<p>` around it would be split differently when parsed again.
    has_block: bool,
}

/// Byte classes of [`Splitter::push_text`]: 0 plain, 1 ASCII whitespace, 2 `&`, 3 a lead
/// byte that may start a non-ASCII whitespace character.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b' ' as usize] = 1;
    t[b'\t' as usize] = 1;
    t[b'\n' as usize] = 1;
    t[b'\r' as usize] = 1;
    t[0x0B] = 1;
    t[0x0C] = 1;
    t[b'&' as usize] = 2;
    t[0xC2] = 3;
    t[0xE1] = 3;
    t[0xE2] = 3;
    t[0xE3] = 3;
    t
};

/// The end of the run starting at `from` that [`Splitter::push_text`] copies in one go:
/// plain bytes, and single spaces between them (what collapsing leaves as it is).
fn run_end(b: &[u8], from: usize) -> usize {
    let plain = |i: usize| CLASS[usize::from(b[i])] == 0;
    let mut i = from;
    loop {
        while i < b.len() && plain(i) {
            i += 1;
        }
        if i > from && i + 1 < b.len() && b[i] == b' ' && plain(i + 1) {
            i += 2;
            continue;
        }
        return i;
    }
}

struct Splitter {
    /// Finished blocks' HTML.
    html: String,
    /// Finished blocks' text, whitespace collapsed, references decoded.
    text: String,
    pieces: Vec<Piece>,
    cur: Cur,
    /// HTML of the block being built.
    scratch: String,
    /// The first piece holding each text, by the text's hash (a later text with the same
    /// hash but other bytes is simply not found: it gets no shortcut).
    first_by_hash: FxHashMap<u64, usize>,
}

impl Splitter {
    fn new(capacity: usize) -> Splitter {
        Splitter {
            html: String::with_capacity(capacity),
            text: String::with_capacity(capacity),
            pieces: Vec::new(),
            cur: Cur::default(),
            scratch: String::new(),
            first_by_hash: FxHashMap::default(),
        }
    }

    /// True when `line`, made a block by itself, would have the text of an earlier block.
    ///
    /// A block's text has whitespace collapsed (single spaces between other characters,
    /// none at the ends) and references decoded. So a line equal to an earlier block's text
    /// and holding no `&` is text that [`Splitter::push_text`] copies as it is, and its
    /// block's text would be the line: one hash, one comparison and one byte search,
    /// instead of reading the line for whitespace and references first.
    fn repeats_a_piece(&self, line: &str) -> bool {
        !line.is_empty()
            && self
                .earlier_piece(line, FxBuildHasher.hash_one(line))
                .is_some()
            && memchr::memchr(b'&', line.as_bytes()).is_none()
    }

    /// The first finished piece whose text is `text`.
    fn earlier_piece(&self, text: &str, hash: u64) -> Option<usize> {
        let &k = self.first_by_hash.get(&hash)?;
        (self.text[self.pieces[k].text.clone()] == *text).then_some(k)
    }

    /// Appends a text token: to the HTML as it is (in `<pre>`) or with whitespace runs and
    /// `&nbsp;` collapsed to one space; to the text decoded, whitespace collapsed.
    fn push_text(&mut self, t: &str, pre: bool) {
        if pre {
            self.scratch.push_str(t);
        }
        let b = t.as_bytes();
        let mut i = 0;
        while i < b.len() {
            // A run of plain bytes and single spaces between them (what collapsing leaves
            // as it is), copied to both at once.
            let run = i;
            i = run_end(b, i);
            if i > run {
                self.word(&t[run..i], pre);
            }
            if i == b.len() {
                break;
            }
            let (space, len) = match CLASS[usize::from(b[i])] {
                1 => (true, 1),
                2 => {
                    let rest = &b[i + 1..];
                    let (decoded, len) = if rest.starts_with(b"nbsp;") {
                        (' ', 6)
                    } else if rest.starts_with(b"amp;") {
                        ('&', 5)
                    } else if rest.starts_with(b"lt;") {
                        ('<', 4)
                    } else if rest.starts_with(b"gt;") {
                        ('>', 4)
                    } else if rest.starts_with(b"quot;") {
                        ('"', 6)
                    } else {
                        ('&', 1)
                    };
                    if decoded == ' ' {
                        (true, len)
                    } else {
                        self.word_char(decoded, &t[i..i + len], pre);
                        i += len;
                        continue;
                    }
                }
                _ => {
                    let c = t[i..].chars().next().expect("char boundary");
                    (c.is_whitespace(), c.len_utf8())
                }
            };
            if space {
                self.cur.pending = true;
                if !pre && !self.scratch.ends_with(' ') {
                    self.scratch.push(' ');
                }
            } else {
                self.word(&t[i..i + len], pre);
            }
            i += len;
        }
        // Every text token ends a word: `a<b>b</b>` reads "a b".
        self.cur.pending = true;
    }

    /// Appends non-space text.
    fn word(&mut self, s: &str, pre: bool) {
        self.break_if_pending();
        self.text.push_str(s);
        if !pre {
            self.scratch.push_str(s);
        }
    }

    /// Appends a decoded character whose serialized form is `raw`.
    fn word_char(&mut self, c: char, raw: &str, pre: bool) {
        self.break_if_pending();
        self.text.push(c);
        if !pre {
            self.scratch.push_str(raw);
        }
    }

    fn break_if_pending(&mut self) {
        if self.cur.pending && self.text.len() > self.cur.text_start {
            self.text.push(' ');
        }
        self.cur.pending = false;
    }

    /// Appends a tag inside the block being built.
    fn push_tag(&mut self, tok: &Tok<'_>) {
        match *tok {
            Tok::Open(name, raw) => {
                self.scratch.push_str(raw);
                let cur = &mut self.cur;
                if name == "img" {
                    cur.media = true;
                }
                if matches!(name, "br" | "li" | "td" | "th") {
                    cur.pending = true;
                }
                if is_block(name) || is_container(name) {
                    cur.has_block = true;
                }
            }
            Tok::Close(_, raw) => self.scratch.push_str(raw),
            Tok::Text(_) => unreachable!("text goes through push_text"),
        }
    }

    /// Ends the block being built; keeps it unless it has neither text nor an image.
    fn finish(&mut self, loose: bool) {
        let cur = std::mem::replace(
            &mut self.cur,
            Cur {
                text_start: self.text.len(),
                ..Cur::default()
            },
        );
        if self.text.len() == cur.text_start && !cur.media {
            self.scratch.clear();
            return;
        }
        let start = self.html.len();
        let inner = self.scratch.trim();
        if loose && cur.has_block {
            self.html.push_str(inner);
        } else if loose {
            self.html.push_str("<p>");
            self.html.push_str(inner);
            self.html.push_str("</p>");
        } else {
            let (open, inner, close) = split_inside(inner);
            self.html.push_str(open);
            self.html.push_str(inner.trim());
            self.html.push_str(close);
        }
        self.scratch.clear();
        let k = self.pieces.len();
        let text = &self.text[cur.text_start..];
        let hash = FxBuildHasher.hash_one(text);
        let same_as = self.earlier_piece(text, hash).unwrap_or(k);
        self.first_by_hash.entry(hash).or_insert(k);
        self.pieces.push(Piece {
            html: start..self.html.len(),
            text: cur.text_start..self.text.len(),
            loose,
            media: cur.media,
            has_block: cur.has_block,
            same_as,
        });
        self.cur.text_start = self.text.len();
    }

    /// Splits `html` into blocks.
    fn split(&mut self, html: &str) {
        let mut toks = Tokens { src: html, at: 0 };
        let mut inline_depth = 0usize;
        while let Some(tok) = toks.next() {
            match tok {
                Tok::Text(t) => {
                    if inline_depth > 0 {
                        self.push_text(t, false);
                    } else {
                        // At the top level every line is a paragraph of its own. (The
                        // line breaks are found with the memchr crate's SIMD search,
                        // which a char-pattern `str::split` is not.)
                        let mut breaks = memchr::memchr_iter(b'\n', t.as_bytes());
                        let mut start = match breaks.next() {
                            Some(end) => end + 1,
                            None => t.len() + 1,
                        };
                        self.push_text(&t[..start - 1], false);
                        while start <= t.len() {
                            let end = breaks.next();
                            let line = &t[start..end.unwrap_or(t.len())];
                            self.finish(true);
                            // A line between two others is a block by itself, which
                            // `split` drops when it repeats an earlier block's text (as a
                            // repeat, a copy of the title or a widget line, or as empty).
                            // The plain-text copy of a body after its HTML is such lines:
                            // they skip the copying into both buffers, the block's HTML
                            // and the later lookups.
                            if end.is_none() || !self.repeats_a_piece(line) {
                                self.push_text(line, false);
                            }
                            start = end.map_or(t.len() + 1, |e| e + 1);
                        }
                    }
                }
                Tok::Open(name, _) if inline_depth == 0 && is_block(name) => {
                    self.finish(true);
                    let pre = name == "pre";
                    self.push_tag(&tok);
                    self.cur.has_block = false;
                    let mut depth = 1usize;
                    while depth > 0 {
                        let Some(inner) = toks.next() else { break };
                        match inner {
                            Tok::Text(t) => self.push_text(t, pre),
                            Tok::Open(n, _) => {
                                self.push_tag(&inner);
                                if !is_void(n) {
                                    depth += 1;
                                }
                            }
                            Tok::Close(..) => {
                                self.push_tag(&inner);
                                depth = depth.saturating_sub(1);
                            }
                        }
                    }
                    self.cur.has_block = false;
                    self.finish(false);
                }
                Tok::Open(name, _) | Tok::Close(name, _)
                    if inline_depth == 0 && is_container(name) =>
                {
                    self.finish(true);
                }
                Tok::Open(name, _) if inline_depth == 0 && (name == "br" || name == "hr") => {
                    self.finish(true);
                }
                Tok::Open(name, _) => {
                    self.push_tag(&tok);
                    if !is_void(name) {
                        inline_depth += 1;
                    }
                }
                Tok::Close(..) => {
                    self.push_tag(&tok);
                    inline_depth = inline_depth.saturating_sub(1);
                }
            }
        }
        self.finish(true);
    }
}

/// `<p> text </p>` → (`<p>`, ` text `, `</p>`): the outer tags and what lies between them,
/// found as the first `>` and the last `</`. An attribute value holding `>` makes the split
/// fall inside the tag; the output has always been cut that way, and changing it would
/// change cleaned output.
fn split_inside(html: &str) -> (&str, &str, &str) {
    let (Some(open_end), Some(close_start)) = (html.find('>'), html.rfind("</")) else {
        return (html, "", "");
    };
    if close_start <= open_end {
        return (html, "", "");
    }
    (
        &html[..=open_end],
        &html[open_end + 1..close_start],
        &html[close_start..],
    )
}

/// Normalized lines that are navigation, not content.
pub(super) fn is_widget_text(norm: &str) -> bool {
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

/// Pass 3: splits sanitized (and tidied) HTML into blocks and keeps the ones that are
/// content (see the module docs). `title` is the cleaned title.
pub fn split(html: &str, title: &str) -> Body {
    let mut s = Splitter::new(html.len());
    s.split(html);
    let Splitter {
        html: all_html,
        text: all_text,
        pieces,
        ..
    } = s;

    // The normalized form of each block; a block with the same text as an earlier one
    // shares its form.
    let mut norm_buf = String::with_capacity(all_text.len());
    let mut norms: Vec<Range<usize>> = Vec::with_capacity(pieces.len());
    for p in &pieces {
        if p.same_as < norms.len() {
            norms.push(norms[p.same_as].clone());
            continue;
        }
        let text = &all_text[p.text.clone()];
        let start = norm_buf.len();
        normalize_words_append(text, &mut norm_buf);
        norms.push(start..norm_buf.len());
    }

    let title_norm = normalize_words(title);
    // Sized for every block up front: growing it rehashed a few times per item.
    let mut seen: FxHashSet<&str> =
        FxHashSet::with_capacity_and_hasher(pieces.len(), Default::default());
    let mut kept: Vec<usize> = Vec::with_capacity(pieces.len());
    for (k, p) in pieces.iter().enumerate() {
        let norm = &norm_buf[norms[k].clone()];
        if norm.is_empty() && !p.media {
            continue; // empty, &nbsp;-only or punctuation-only ("." lines)
        }
        if !norm.is_empty() && (norm == title_norm || is_widget_text(norm)) {
            continue;
        }
        if !norm.is_empty() && !seen.insert(norm) {
            continue; // repeats an earlier block: the body repeated as plain text
        }
        kept.push(k);
    }

    // A short loose line at the very end, without sentence punctuation, is the source's
    // credit ("مواقع", "وكالات", "المصدر: الجزيرة"). Only loose text qualifies: cleaned output
    // wraps every block in <p>, so cleaning twice never takes a second credit line.
    let mut credit = None;
    if kept.len() >= 2 {
        let last = &pieces[*kept.last().expect("len checked")];
        let text = &all_text[last.text.clone()];
        let ends_sentence = text.ends_with(['.', '!', '?', '؟', '…', '»', '"', ':']);
        if last.loose
            && !last.has_block
            && !last.media
            && text.split_whitespace().nth(4).is_none()
            && text.chars().nth(40).is_none()
            && !ends_sentence
        {
            credit = Some(text.to_string());
            kept.pop();
        }
    }

    let join = |parts: &mut dyn Iterator<Item = &str>, sep: &str| {
        let mut out = String::new();
        for (n, part) in parts.enumerate() {
            if n > 0 {
                out.push_str(sep);
            }
            out.push_str(part);
        }
        out
    };
    let html = join(
        &mut kept.iter().map(|&k| &all_html[pieces[k].html.clone()]),
        "\n",
    );
    let text = join(
        &mut kept
            .iter()
            .map(|&k| &all_text[pieces[k].text.clone()])
            .filter(|t| !t.is_empty()),
        "\n\n",
    );
    // Normalizing "a\n\nb" gives norm(a) + " " + norm(b), unless norm(b) starts with a
    // combining mark, which normalization attaches to whatever came before it (even text
    // that normalizes to nothing, such as a "." line).
    let mut kept_norms = kept
        .iter()
        .map(|&k| &norm_buf[norms[k].clone()])
        .filter(|n| !n.is_empty());
    let norm_text = if kept_norms.clone().any(starts_with_mark) {
        normalize_words(&text)
    } else {
        join(&mut kept_norms, " ")
    };
    Body {
        html,
        text,
        credit,
        norm_text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text [`Splitter::push_text`] makes of one line.
    fn text_of_line(line: &str) -> String {
        let mut s = Splitter::new(line.len());
        s.push_text(line, false);
        s.text
    }

    proptest::proptest! {
        #[test]
        fn a_line_taken_for_a_repeat_has_the_earlier_block_s_text(
            first in "[ب-ي a-c.«»&;\u{a0}\u{2003}\u{2019}\t]{0,30}",
            line in "[ب-ي a-c.«»&;\u{a0}\u{2003}\u{2019}\t]{0,30}",
        ) {
            let mut s = Splitter::new(64);
            s.push_text(&first, false);
            s.finish(true);
            if s.repeats_a_piece(&line) {
                proptest::prop_assert_eq!(text_of_line(&line), text_of_line(&first));
            }
            // A line that is an earlier block's text is taken, unless it holds a `&`.
            let same = text_of_line(&first);
            proptest::prop_assert_eq!(
                s.repeats_a_piece(&same),
                !same.is_empty() && !same.contains('&')
            );
        }
    }

    #[test]
    fn a_repeated_plain_line_is_dropped_like_any_repeat() {
        let html = "<p>ليبيا «اليوم» والغد</p>\nليبيا «اليوم» والغد\nسطر\u{a0}آخر\nسطر\u{a0}آخر\nليبيا «اليوم» والغد\nالنهاية";
        let pass = split(html, "عنوان");
        assert_eq!(pass.html, "<p>ليبيا «اليوم» والغد</p>\n<p>سطر آخر</p>");
        assert_eq!(pass.text, "ليبيا «اليوم» والغد\n\nسطر آخر");
        assert_eq!(pass.credit.as_deref(), Some("النهاية"));
        // The two plain repeats never became blocks; the repeat holding U+00A0 (not plain)
        // did, and was dropped by `split`.
        let mut s = Splitter::new(html.len());
        s.split(html);
        let texts: Vec<&str> = s.pieces.iter().map(|p| &s.text[p.text.clone()]).collect();
        assert_eq!(
            texts,
            ["ليبيا «اليوم» والغد", "سطر آخر", "سطر آخر", "النهاية"]
        );
        assert_eq!(
            s.pieces.iter().map(|p| p.same_as).collect::<Vec<_>>(),
            [0, 1, 1, 3]
        );
    }
}
