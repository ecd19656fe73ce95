//! The lenient fallback, run when feed-rs rejects a document even after the repair pass:
//! a truncated body, an unclosed `<item>` or `<p>`, one entry feed-rs refuses (an invalid
//! `xml:base`).
//!
//! Why item by item and not "close the open tags at the cut": closing tags at the cut
//! would also keep the item that was cut in half, with a truncated body that would then be
//! stored and republished as if whole; and it cannot isolate one entry that feed-rs refuses
//! for a reason other than nesting. Here a byte scanner (quoted attributes, CDATA and
//! comments understood) splits the document into the feed head (everything before the
//! first `<item>`/`<entry>`) and the item elements, balances each (closes elements left
//! open, drops stray end tags), and feed-rs parses `head + items + closing tags of the
//! head`. If that fails, the items are split in halves until every good item is parsed and
//! each bad one is isolated, so one bad item costs only itself, in O(bad × log n) parses.
//! An item the document ends inside (the cut) is dropped: only complete items are kept.
//!
//! A JSON Feed gets the same treatment with serde_json: the feed object with its items
//! one by one (halves again), so one item of the wrong shape drops only itself.

use feed_rs::model::{Entry, Feed};

/// What the salvage did, for the warning.
#[derive(Debug, Default)]
pub struct Report {
    /// Items kept.
    pub kept: usize,
    /// Items the document ended inside of.
    pub incomplete: usize,
    /// Items feed-rs refused even alone.
    pub refused: usize,
    /// Elements closed or end tags dropped to balance the items.
    pub balanced: usize,
    /// Items in the document (JSON), or found before the item cap (XML).
    pub total: usize,
}

impl Report {
    /// The warning text, given the strict parser's first error.
    pub fn warning(&self, first_error: &str) -> String {
        let mut s = format!(
            "not a well-formed feed ({first_error}): {} complete item(s) recovered one by one",
            self.kept
        );
        if self.balanced > 0 {
            s.push_str(&format!(
                ", {} unclosed or stray tag(s) fixed",
                self.balanced
            ));
        }
        if self.incomplete > 0 {
            s.push_str(&format!(
                ", {} item(s) cut off by the end of the document dropped",
                self.incomplete
            ));
        }
        if self.refused > 0 {
            s.push_str(&format!(
                ", {} item(s) that could not be parsed dropped",
                self.refused
            ));
        }
        s
    }
}

/// One piece of markup found by [`next_markup`].
#[derive(Debug, PartialEq)]
pub(super) enum Markup<'a> {
    Start {
        name: &'a str,
        empty: bool,
    },
    End {
        name: &'a str,
    },
    /// Comment, CDATA, processing instruction, DOCTYPE.
    Other,
}

/// The next markup at or after `from`: (start, end, markup). `Err(())` when the document
/// ends inside it; `Ok(None)` at the end.
#[allow(clippy::result_unit_err)]
pub(super) fn next_markup(
    text: &str,
    from: usize,
) -> Result<Option<(usize, usize, Markup<'_>)>, ()> {
    let Some(p) = text[from..].find('<') else {
        return Ok(None);
    };
    let start = from + p;
    let s = &text[start..];
    let find = |close: &str, skip: usize| {
        s[skip..]
            .find(close)
            .map(|q| start + skip + q + close.len())
            .ok_or(())
    };
    if s.starts_with("<![CDATA[") {
        return Ok(Some((start, find("]]>", 9)?, Markup::Other)));
    }
    if s.starts_with("<!--") {
        return Ok(Some((start, find("-->", 4)?, Markup::Other)));
    }
    if s.starts_with("<?") {
        return Ok(Some((start, find("?>", 2)?, Markup::Other)));
    }
    if s.starts_with("<!") {
        return Ok(Some((start, find(">", 2)?, Markup::Other)));
    }
    // A tag: to the first '>' outside quotes.
    let bytes = s.as_bytes();
    let mut quote = None;
    let mut end = None;
    for (i, &b) in bytes.iter().enumerate().skip(1) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => {
                end = Some(i);
                break;
            }
            None => {}
        }
    }
    let end = end.ok_or(())?;
    let inner = &s[1..end];
    let markup = if let Some(name) = inner.strip_prefix('/') {
        Markup::End {
            name: name.trim_end(),
        }
    } else {
        let name_end = inner
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(inner.len());
        Markup::Start {
            name: &inner[..name_end],
            empty: inner.ends_with('/'),
        }
    };
    Ok(Some((start, start + end + 1, markup)))
}

/// Elements nested deeper than this inside an item make the item unusable (quick-xml
/// refuses documents nested deeper than 65,535 anyway); it also bounds the searches of the
/// open-element stacks, so a hostile nesting cannot make the scan quadratic.
pub(super) const MAX_DEPTH: usize = 256;

/// An item element being copied.
struct Open<'a> {
    name: &'a str,
    out: String,
    stack: Vec<&'a str>,
    too_deep: bool,
}

impl<'a> Open<'a> {
    fn new(name: &'a str, tag: &str) -> Open<'a> {
        Open {
            name,
            out: tag.to_string(),
            stack: Vec::new(),
            too_deep: false,
        }
    }

    /// Closes what is open inside the item and the item itself; `None` for an item nested
    /// too deep to keep.
    fn close(mut self, balanced: &mut usize) -> Option<String> {
        if self.too_deep {
            return None;
        }
        for n in self.stack.iter().rev() {
            self.out.push_str(&format!("</{n}>"));
            *balanced += 1;
        }
        self.out.push_str(&format!("</{}>", self.name));
        Some(self.out)
    }
}

/// The document cut into its head, its balanced items and the tags that close the head.
#[derive(Debug, Default)]
struct Split {
    /// Everything before the first item, balanced.
    head: String,
    /// Only the start tags of the elements open at the first item (`<rss …><channel>`):
    /// the head used when items are parsed in small groups, so a huge channel description
    /// is not parsed again with every group.
    skeleton: String,
    /// The end tags of those elements.
    closers: String,
    items: Vec<String>,
    incomplete: usize,
    too_deep: usize,
    balanced: usize,
}

impl Split {
    fn close(&mut self, item: Open<'_>) {
        match item.close(&mut self.balanced) {
            Some(i) => self.items.push(i),
            None => self.too_deep += 1,
        }
    }
}

fn split(text: &str, max_items: usize) -> Split {
    let mut s = Split::default();
    let mut head_done = false;
    // Open elements outside items: (name, start tag).
    let mut outer: Vec<(&str, &str)> = Vec::new();
    let mut item_name: Option<&str> = None;
    let mut cur: Option<Open<'_>> = None;
    let mut pos = 0;
    let is_item = |name: &str, item_name: Option<&str>| {
        item_name.map_or(name == "item" || name == "entry", |n| n == name)
    };
    loop {
        if s.items.len() >= max_items {
            cur = None;
            break;
        }
        let (start, end, markup) = match next_markup(text, pos) {
            Ok(Some(m)) => m,
            Ok(None) | Err(()) => break,
        };
        let before = &text[pos..start];
        let tag = &text[start..end];
        pos = end;
        if let Some(item) = cur.as_mut() {
            item.out.push_str(before);
            match markup {
                Markup::Start { name, empty } if Some(name) == item_name => {
                    // A new item while one is open: the open one was never closed.
                    s.balanced += 1;
                    s.close(cur.take().expect("open"));
                    if empty {
                        s.items.push(tag.to_string());
                    } else {
                        cur = Some(Open::new(name, tag));
                    }
                }
                Markup::Start { name, empty } => {
                    item.out.push_str(tag);
                    if !empty {
                        item.too_deep |= item.stack.len() >= MAX_DEPTH;
                        if !item.too_deep {
                            item.stack.push(name);
                        }
                    }
                }
                Markup::End { name } if name == item.name => s.close(cur.take().expect("open")),
                // Inside an item too deep to keep: copied, not balanced.
                Markup::End { name } if item.too_deep && !outer.iter().any(|(n, _)| *n == name) => {
                    item.out.push_str(tag)
                }
                Markup::End { name } => {
                    if let Some(k) = item.stack.iter().rposition(|n| *n == name) {
                        for n in item.stack.drain(k..).skip(1).rev() {
                            item.out.push_str(&format!("</{n}>"));
                            s.balanced += 1;
                        }
                        item.out.push_str(tag);
                    } else if let Some(k) = outer.iter().rposition(|(n, _)| *n == name) {
                        // `</channel>` with the item still open: it was never closed.
                        s.balanced += 1;
                        s.close(cur.take().expect("open"));
                        outer.truncate(k);
                    } else {
                        s.balanced += 1; // stray: dropped
                    }
                }
                Markup::Other => item.out.push_str(tag),
            }
            continue;
        }
        if !head_done {
            s.head.push_str(before);
        }
        match markup {
            Markup::Start { name, empty } if is_item(name, item_name) => {
                item_name = Some(name);
                if !head_done {
                    head_done = true;
                    s.skeleton = outer.iter().map(|(_, t)| *t).collect();
                    s.closers = outer.iter().rev().map(|(n, _)| format!("</{n}>")).collect();
                }
                if empty {
                    s.items.push(tag.to_string());
                } else {
                    cur = Some(Open::new(name, tag));
                }
            }
            Markup::Start { name, empty } => {
                if !empty && outer.len() < MAX_DEPTH {
                    outer.push((name, tag));
                }
                if !head_done {
                    s.head.push_str(tag);
                }
            }
            Markup::End { name } => {
                if let Some(k) = outer.iter().rposition(|(n, _)| *n == name) {
                    for (n, _) in outer.drain(k..).skip(1).rev() {
                        if !head_done {
                            s.head.push_str(&format!("</{n}>"));
                            s.balanced += 1;
                        }
                    }
                    if !head_done {
                        s.head.push_str(tag);
                    }
                } else if !head_done {
                    s.balanced += 1;
                }
            }
            Markup::Other => {
                if !head_done {
                    s.head.push_str(tag);
                }
            }
        }
    }
    if cur.is_some() {
        s.incomplete += 1;
    }
    if !head_done {
        s.skeleton = outer.iter().map(|(_, t)| *t).collect();
        s.closers = outer.iter().rev().map(|(n, _)| format!("</{n}>")).collect();
    }
    s
}

/// Salvages the complete items of an XML document feed-rs rejected. `None` when not even
/// the head parses, or when there is no item to recover.
pub fn salvage_xml(
    text: &str,
    parse: &dyn Fn(&str) -> Option<Feed>,
    max_items: usize,
) -> Option<(Feed, Report)> {
    let s = split(text, max_items);
    if s.items.is_empty() {
        return None;
    }
    let doc = |head: &str, items: &[String]| {
        let mut d = String::with_capacity(
            head.len() + s.closers.len() + items.iter().map(String::len).sum::<usize>(),
        );
        d.push_str(head);
        items.iter().for_each(|i| d.push_str(i));
        d.push_str(&s.closers);
        d
    };
    let mut report = Report {
        incomplete: s.incomplete,
        refused: s.too_deep,
        balanced: s.balanced,
        total: s.items.len() + s.too_deep,
        ..Report::default()
    };
    let feed = match parse(&doc(&s.head, &s.items)) {
        Some(f) => f,
        None => {
            let mut feed = parse(&doc(&s.head, &[]))?;
            let mut entries = Vec::new();
            let group = |chunk: &[String]| parse(&doc(&s.skeleton, chunk));
            halves(&s.items, &group, &mut entries, &mut report);
            feed.entries = entries;
            feed
        }
    };
    report.kept = feed.entries.len();
    Some((feed, report))
}

/// How many `<item>` and `<entry>` start tags the document holds (a cheap count, to decide
/// whether [`first_items`] is needed before feed-rs builds every entry).
pub fn count_items(text: &str) -> usize {
    ["<item", "<entry"]
        .iter()
        .map(|t| {
            text.match_indices(t)
                .filter(|(p, _)| {
                    text[p + t.len()..]
                        .starts_with(|c: char| c == '>' || c == '/' || c.is_ascii_whitespace())
                })
                .count()
        })
        .sum()
}

/// The document with only its first `max_items` items: head, items, closing tags.
pub fn first_items(text: &str, max_items: usize) -> String {
    let s = split(text, max_items);
    let mut d = s.head;
    s.items.iter().for_each(|i| d.push_str(i));
    d.push_str(&s.closers);
    d
}

/// For a JSON Feed: how many elements its top-level `items` array holds and, when more
/// than `max_items`, the text with only the first `max_items` (a byte scan that knows
/// strings and nesting, so feed-rs never builds the rest: serde holds a JSON document many
/// times its size in memory). `None` when no `items` array is found.
pub fn json_first_items(text: &str, max_items: usize) -> Option<(usize, Option<String>)> {
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    let (mut key_start, mut last_key, mut items_next) = (0, "", false);
    let (mut array, mut count, mut value, mut cut) = (None, 0usize, false, None);
    for (i, &c) in text.as_bytes().iter().enumerate() {
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
                if depth == 1 {
                    last_key = &text[key_start..i];
                }
            }
            continue;
        }
        if array == Some(depth) && !c.is_ascii_whitespace() && c != b',' && c != b']' {
            value = true;
        }
        match c {
            b'"' => {
                in_str = true;
                key_start = i + 1;
            }
            b':' if depth == 1 => items_next = last_key == "items",
            b'[' if depth == 1 && items_next && array.is_none() => {
                depth += 1;
                array = Some(depth);
            }
            b'[' | b'{' => depth += 1,
            b']' if array == Some(depth) => {
                let total = count + usize::from(value);
                let cut = cut.map(|p| format!("{}{}", &text[..p], &text[i..]));
                return Some((total, cut.filter(|_| total > max_items)));
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if array == Some(depth) => {
                count += 1;
                value = false;
                if count == max_items {
                    cut = Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Parses `items` as one document, else each half, down to single items; collects the
/// entries of the parts that parse and counts the single items that do not.
fn halves<T>(
    items: &[T],
    parse: &dyn Fn(&[T]) -> Option<Feed>,
    entries: &mut Vec<Entry>,
    report: &mut Report,
) {
    if items.is_empty() {
        return;
    }
    match parse(items) {
        Some(f) => entries.extend(f.entries),
        None if items.len() == 1 => report.refused += 1,
        None => {
            let (a, b) = items.split_at(items.len() / 2);
            halves(a, parse, entries, report);
            halves(b, parse, entries, report);
        }
    }
}

/// Salvages the good items of a JSON Feed feed-rs rejected because of some of them.
pub fn salvage_json(
    text: &str,
    parse: &dyn Fn(&str) -> Option<Feed>,
    max_items: usize,
) -> Option<(Feed, Report)> {
    let serde_json::Value::Object(mut top) = serde_json::from_str(text).ok()? else {
        return None;
    };
    let serde_json::Value::Array(items) = top.remove("items")? else {
        return None;
    };
    let total = items.len();
    let items = &items[..total.min(max_items)];
    let doc = |items: &[serde_json::Value]| {
        let mut t = top.clone();
        t.insert("items".into(), serde_json::Value::Array(items.to_vec()));
        serde_json::Value::Object(t).to_string()
    };
    let mut feed = parse(&doc(&[]))?;
    let mut report = Report {
        total,
        ..Report::default()
    };
    let mut entries = Vec::new();
    halves(
        items,
        &|chunk| parse(&doc(chunk)),
        &mut entries,
        &mut report,
    );
    report.kept = entries.len();
    feed.entries = entries;
    Some((feed, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scanner_understands_quotes_cdata_and_cuts() {
        let t = "<a href=\"x>y\"><![CDATA[<item>]]></a><b/>";
        assert_eq!(
            next_markup(t, 0),
            Ok(Some((
                0,
                14,
                Markup::Start {
                    name: "a",
                    empty: false
                }
            )))
        );
        assert_eq!(next_markup(t, 14), Ok(Some((14, 32, Markup::Other))));
        assert_eq!(
            next_markup(t, 32),
            Ok(Some((32, 36, Markup::End { name: "a" })))
        );
        assert_eq!(
            next_markup(t, 36),
            Ok(Some((
                36,
                40,
                Markup::Start {
                    name: "b",
                    empty: true
                }
            )))
        );
        assert_eq!(next_markup(t, 40), Ok(None));
        assert_eq!(next_markup("<a href=\"x>", 0), Err(()));
        assert_eq!(next_markup("x<![CDATA[ab", 0), Err(()));
    }

    #[test]
    fn split_balances_items_and_drops_the_one_cut_off() {
        let s = split(
            "<?xml version=\"1.0\"?><rss><channel><title>T</title><item><d><p>a</d></item><item><t>b</t></channel></rss><item><t>c",
            10,
        );
        assert_eq!(
            s.head,
            "<?xml version=\"1.0\"?><rss><channel><title>T</title>"
        );
        assert_eq!(s.skeleton, "<rss><channel>");
        assert_eq!(s.closers, "</channel></rss>");
        assert_eq!(
            s.items,
            vec!["<item><d><p>a</p></d></item>", "<item><t>b</t></item>"]
        );
        assert_eq!((s.incomplete, s.balanced), (1, 2));
    }

    #[test]
    fn a_json_feed_is_cut_after_its_first_items() {
        let doc = r#"{"title": "a [\"items\": {", "items": [{"id": "1", "t": [1, 2]}, {"id": "2"} ,{"id": "3"}], "x": 1}"#;
        assert_eq!(
            json_first_items(doc, 2),
            Some((
                3,
                Some(r#"{"title": "a [\"items\": {", "items": [{"id": "1", "t": [1, 2]}, {"id": "2"} ], "x": 1}"#.to_string())
            ))
        );
        assert_eq!(json_first_items(doc, 3), Some((3, None)));
        assert_eq!(json_first_items(r#"{"items": [ ]}"#, 1), Some((0, None)));
        assert_eq!(json_first_items(r#"{"items": 5, "x": [1]}"#, 1), None);
    }

    #[test]
    fn the_first_items_make_a_document_of_their_own() {
        let doc = "<rss><channel><title>T</title><item><t>a</t></item>\n<item/><item><t>c</t></item></channel></rss>";
        assert_eq!(count_items(doc), 3);
        assert_eq!(
            first_items(doc, 2),
            "<rss><channel><title>T</title><item><t>a</t></item><item/></channel></rss>"
        );
    }
}
