//! Article extraction: the part of a fetched page that is the article, as HTML for
//! [`super::clean_body`] (the one sanitizer path; nothing here decides what is safe).
//!
//! A source's `content_selector` names the article body; without one, dom_smoothie (a port
//! of Mozilla's Readability over the same html5ever/dom_query as the cleaner) finds it.
//! Either way the source's `remove_selectors` and the in-body "اقرأ أيضا" boxes are removed
//! first.
//!
//! Arabic and dom_smoothie's heuristics: its scoring counts the Arabic comma (U+060C) with
//! the ASCII one and measures text in characters, not bytes, so a paragraph of Arabic
//! scores like the same paragraph in English. One check does not: the conditional cleaning
//! of a candidate's blocks keeps a block with 10 or more commas but counts ASCII commas only
//! (as Readability.js does), so every Arabic block had to pass the link-density and
//! image-ratio tests that English prose with commas skips. Before extraction, each Arabic
//! comma is therefore written as a marker followed by an ASCII comma (counted once by the
//! scoring, which counts both kinds, and once by the cleaning), and the marker pair is
//! turned back into an Arabic comma afterwards. The Arabic semicolon (؛) and question mark
//! (؟) play no part in either heuristic, in Arabic or in Readability.js.

use std::fmt;

use dom_query::{Document, Matcher, NodeRef};
use url::Url;

use crate::text::arabic::normalize_words;

/// A CSS selector from the config, compiled once.
#[derive(Clone)]
pub struct Selector {
    css: String,
    matcher: Matcher,
}

/// Why a CSS selector was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    /// Nothing but spaces.
    #[error("empty CSS selector")]
    Empty,
    /// The CSS parser did not understand it.
    #[error("invalid CSS selector {css:?}: {reason}")]
    Invalid {
        /// The selector as written.
        css: String,
        /// What the parser said.
        reason: String,
    },
}

/// Why no article came out of a page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// The source's `content_selector` (as written) selected nothing.
    #[error("content_selector {0:?} matched nothing")]
    NothingMatched(String),
    /// dom_smoothie could not read the page.
    #[error("readability: {0}")]
    Readability(String),
    /// dom_smoothie read the page and found no article in it.
    #[error("readability found no article: {0}")]
    NoArticle(String),
}

impl Selector {
    /// Compiles `css`; the error says what the parser did not understand.
    pub fn parse(css: &str) -> Result<Selector, SelectorError> {
        if css.trim().is_empty() {
            return Err(SelectorError::Empty);
        }
        let matcher = Matcher::new(css).map_err(|e| SelectorError::Invalid {
            css: css.to_string(),
            reason: format!("{e:?}"),
        })?;
        Ok(Selector {
            css: css.to_string(),
            matcher,
        })
    }

    /// The selector as written.
    pub fn css(&self) -> &str {
        &self.css
    }
}

impl fmt::Debug for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Selector({:?})", self.css)
    }
}

/// Where a source's article is on its pages.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// The article body (every match, in page order; a match inside another counts once).
    pub content: Option<Selector>,
    /// Removed from the page before the article is taken.
    pub remove: Vec<Selector>,
}

/// An article taken from a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Extracted {
    /// Its HTML, not yet cleaned.
    pub html: String,
    /// The rule that found it: `content_selector "…"` or `readability`.
    pub rule: String,
}

/// Stands in front of the ASCII comma that replaces an Arabic one during extraction (a
/// noncharacter: never in real text, and kept by html5ever).
const COMMA_MARK: char = '\u{FDD0}';

/// Takes the article out of `page` (a whole HTML document, already UTF-8). `url` is the
/// page's address (dom_smoothie resolves links against it). The error says why nothing
/// usable was found.
pub fn extract(page: &str, url: Option<&Url>, rules: &Rules) -> Result<Extracted, ExtractError> {
    match &rules.content {
        Some(sel) => {
            let doc = Document::from(page);
            remove_boilerplate(&doc, rules);
            let html = selected_html(&doc, &sel.matcher);
            if html.is_empty() {
                return Err(ExtractError::NothingMatched(sel.css.clone()));
            }
            Ok(Extracted {
                html,
                rule: format!("content_selector {:?}", sel.css),
            })
        }
        None => readability(page, url, rules, true),
    }
}

/// The readability fallback; `mark_commas` is off only in a test that shows what the
/// marking changes.
fn readability(
    page: &str,
    url: Option<&Url>,
    rules: &Rules,
    mark_commas: bool,
) -> Result<Extracted, ExtractError> {
    let marked = (mark_commas && !page.contains(COMMA_MARK))
        .then(|| page.replace('،', &format!("{COMMA_MARK},")));
    let doc = Document::from(marked.as_deref().unwrap_or(page));
    remove_boilerplate(&doc, rules);
    let mut r = dom_smoothie::Readability::with_document(
        doc,
        url.map(Url::as_str),
        Some(dom_smoothie::Config {
            // JSON-LD gives metadata only, never the body; skip its parsing.
            disable_json_ld: true,
            ..dom_smoothie::Config::default()
        }),
    )
    .map_err(|e| ExtractError::Readability(e.to_string()))?;
    let article = r
        .parse()
        .map_err(|e| ExtractError::NoArticle(e.to_string()))?;
    let mut html = article.content.to_string();
    if marked.is_some() {
        html = html.replace(&format!("{COMMA_MARK},"), "،");
    }
    Ok(Extracted {
        html,
        rule: "readability".into(),
    })
}

/// The outer HTML of every element `m` matches, in page order, skipping matches inside an
/// earlier match (their text is already in it).
fn selected_html(doc: &Document, m: &Matcher) -> String {
    let sel = doc.select_matcher(m);
    let nodes = sel.nodes();
    let ids: std::collections::HashSet<_> = nodes.iter().map(|n| n.id).collect();
    let mut out = String::new();
    for n in nodes {
        if n.ancestors_it(None).any(|a| ids.contains(&a.id)) {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&n.html());
    }
    out
}

/// Opening words of the "read also" boxes that Arabic news sites put inside article
/// bodies, in matching form (hamza and alef forms folded, tanwin dropped).
const READ_ALSO: &[&str] = &["اقرأ أيضا", "اقرأ أيضاً", "اقرأ المزيد", "شاهد أيضا"];

/// Longest "read also" box, in characters: a box holds a heading and a few titles; an
/// element this long that starts with the words is an article that quotes them.
const READ_ALSO_MAX_CHARS: usize = 400;

/// Removes the source's `remove_selectors` and the "read also" boxes from `doc`.
fn remove_boilerplate(doc: &Document, rules: &Rules) {
    for r in &rules.remove {
        doc.select_matcher(&r.matcher).remove();
    }
    let phrases: Vec<String> = READ_ALSO.iter().map(|p| normalize_words(p)).collect();
    let candidates = doc.select(
        "div, section, aside, p, ul, ol, h2, h3, h4, h5, h6, strong, b, span, figure, table",
    );
    for node in candidates.nodes() {
        // Skips what an earlier (outer) box removal took away.
        if node.parent().is_none() {
            continue;
        }
        if node.normalized_char_count() > READ_ALSO_MAX_CHARS {
            continue;
        }
        let head: String = node.text().chars().take(40).collect();
        let norm = normalize_words(&head);
        if !phrases.iter().any(|p| norm.starts_with(p.as_str())) {
            continue;
        }
        remove_box(node);
    }
}

/// Removes a "read also" element; when it is only a heading or a label, the list of links
/// after it (its box without a wrapper) goes too, as does a parent left with no text.
fn remove_box(node: &NodeRef) {
    let is_label = node.has_name("strong")
        || node.has_name("b")
        || node.has_name("span")
        || ["h2", "h3", "h4", "h5", "h6"]
            .iter()
            .any(|h| node.has_name(h));
    if is_label
        && let Some(next) = node.next_element_sibling()
        && (next.has_name("ul") || next.has_name("ol"))
    {
        next.remove_from_parent();
    }
    let parent = node.parent();
    node.remove_from_parent();
    // `<p><strong>اقرأ أيضا:</strong> <a>…</a></p>`: the label's paragraph is the box.
    if let Some(p) = parent.filter(|p| is_label && (p.has_name("p") || p.has_name("li"))) {
        p.remove_from_parent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(content: Option<&str>, remove: &[&str]) -> Rules {
        Rules {
            content: content.map(|c| Selector::parse(c).unwrap()),
            remove: remove.iter().map(|r| Selector::parse(r).unwrap()).collect(),
        }
    }

    #[test]
    fn a_bad_selector_says_so() {
        let e = Selector::parse("div[").unwrap_err();
        assert!(
            e.to_string().starts_with("invalid CSS selector \"div[\""),
            "{e}"
        );
        assert_eq!(Selector::parse("  ").unwrap_err(), SelectorError::Empty);
        assert_eq!(SelectorError::Empty.to_string(), "empty CSS selector");
    }

    #[test]
    fn nested_matches_count_once_and_boxes_go() {
        let page = "<html><body><div class=a><p>أول</p><div class=a><p>ثان</p></div>\
                    <div class=rel><p>رابط</p></div>\
                    <p><strong>اقرأ أيضاً:</strong> <a href=/x>عنوان آخر</a></p></div>\
                    <div class=a><p>ثالث</p></div></body></html>";
        let x = extract(page, None, &rules(Some(".a"), &[".rel"])).unwrap();
        assert_eq!(
            x.html,
            "<div class=\"a\"><p>أول</p><div class=\"a\"><p>ثان</p></div>\
             </div>\n<div class=\"a\"><p>ثالث</p></div>"
        );
        assert_eq!(x.rule, "content_selector \".a\"");
    }

    #[test]
    fn a_selector_that_matches_nothing_is_an_error() {
        let e = extract("<p>نص</p>", None, &rules(Some("article"), &[])).unwrap_err();
        assert_eq!(e, ExtractError::NothingMatched("article".into()));
        assert_eq!(
            e.to_string(),
            "content_selector \"article\" matched nothing"
        );
    }

    /// A block with a dozen Arabic commas and links in it (a list of names and places, as
    /// in a report): Readability keeps a block with 10 or more commas without testing its
    /// link density, but counted only ASCII commas, so the Arabic block was removed. (The
    /// article is long enough for the first attempt to stand: below 500 characters
    /// dom_smoothie retries without conditional cleaning.)
    #[test]
    fn arabic_commas_count_in_conditional_cleaning() {
        let para = "وقال المتحدث باسم اللجنة في بيان صدر اليوم إن الاجتماع المقبل سيعقد في العاصمة بعد أسبوعين بحضور جميع الأطراف.";
        let list = "شارك في الاجتماع ممثلون عن <a href=/a>طرابلس</a>، و<a href=/b>بنغازي</a>، و<a href=/c>مصراتة</a>، و<a href=/d>سبها</a>، و<a href=/g>الزاوية</a>، و<a href=/h>غريان</a>، و<a href=/i>سرت</a>، و<a href=/j>درنة</a>، و<a href=/k>البيضاء</a>، وطبرق، وزليتن، والخمس، وأجدابيا، ونالوت، ويفرن.";
        let page = format!(
            "<html><body><article><p>{para}</p><p>{para}</p><p>{para}</p><p>{para}</p><div class=x><p>{list}</p><p>انظر أيضا <a href=/e>خريطة المدن</a> و<a href=/f>جدول المواعيد</a>.</p></div><p>{para}</p><p>{para}</p></article></body></html>"
        );
        let with = readability(&page, None, &Rules::default(), true).unwrap();
        assert!(
            with.html.contains("وأجدابيا، ونالوت، ويفرن."),
            "{}",
            with.html
        );
        let without = readability(&page, None, &Rules::default(), false).unwrap();
        assert!(!without.html.contains("ونالوت"), "{}", without.html);
    }

    #[test]
    fn readability_keeps_arabic_commas() {
        let para = "قال المتحدث، في مؤتمر صحفي عقده اليوم، إن الحكومة ستواصل العمل، وإن الاجتماع المقبل سيعقد في طرابلس، بحضور ممثلين عن جميع الأطراف.";
        let page = format!(
            "<html><body><nav><a href=/>الرئيسية</a></nav><article><h1>عنوان</h1><p>{para}</p><p>{para}</p><p>{para}</p><p>{para}</p></article></body></html>"
        );
        let x = extract(&page, None, &Rules::default()).unwrap();
        assert_eq!(x.rule, "readability");
        assert_eq!(x.html.matches(para).count(), 4, "{}", x.html);
        assert!(!x.html.contains(COMMA_MARK));
    }
}
