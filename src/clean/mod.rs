//! Cleaning: parsed entries become what readers see ([`CleanEntry`]).
//!
//! Owns the HTML: one sanitizer path ([`html`]: prepare, ammonia, verify), boilerplate
//! blocks ([`blocks`]) and article extraction from web pages ([`article`]). Text handling
//! comes from [`crate::text`] and the story fingerprint from [`crate::story`]. Pure
//! functions: no I/O, no knowledge of feeds, the database or topics.

pub mod article;
pub mod blocks;
pub mod html;

use crate::story::fingerprint;
use crate::text::{self, arabic, url};

use crate::model::{CleanEntry, ParsedEntry};

/// What cleaning needs to know about the feed an entry came from.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The feed's site link or the feed URL: the last base for relative links.
    pub base: Option<::url::Url>,
    /// Language to assume when the entry states none.
    pub language: String,
}

/// Length of the plain-text summary, in characters.
pub const SUMMARY_CHARS: usize = 300;

/// Cleans one entry. Idempotent: cleaning the output again (as HTML with the cleaned title)
/// gives the same result.
pub fn clean_entry(entry: &ParsedEntry, ctx: &Context) -> CleanEntry {
    let title = entry
        .title
        .as_deref()
        .map(html::plain_text)
        .unwrap_or_default();
    let entry_base = entry
        .base
        .as_deref()
        .and_then(|b| url::resolve(ctx.base.as_ref(), b));
    let link_base = entry_base.as_ref().or(ctx.base.as_ref());
    // Only web links: a `javascript:` or `data:` link would run in a reader's browser when
    // clicked on the page or in a feed reader.
    let link = entry
        .link
        .as_deref()
        .and_then(|l| url::resolve(link_base, l))
        .filter(|u| matches!(u.scheme(), "http" | "https"));
    let canonical_url = link.as_ref().map(url::canonical);

    let raw = match (&entry.content, &entry.summary) {
        (Some(c), _) if !c.trim().is_empty() => c.as_str(),
        (_, Some(s)) => s.as_str(),
        _ => "",
    };
    let base = entry_base.as_ref().or(link.as_ref()).or(ctx.base.as_ref());
    let body = clean_body(raw, &title, base);

    let guid = entry
        .guid
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .or_else(|| canonical_url.clone())
        .unwrap_or_else(|| {
            let key = format!(
                "{}\n{}",
                title,
                entry.published.map(|d| d.timestamp()).unwrap_or_default()
            );
            format!(
                "marsad:{:032x}",
                crate::model::stable_hash128(key.as_bytes())
            )
        });
    let author = entry
        .author
        .as_deref()
        .map(html::plain_text)
        .filter(|a| !a.is_empty());
    let language = entry
        .language
        .as_deref()
        .map(|l| l.trim().to_ascii_lowercase())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| ctx.language.clone());
    let dir = arabic::direction_of(&[&title, &body.text]);
    let norm_title = arabic::normalize_words(&title);
    let norm_text = body.norm_text;
    let fingerprint = fingerprint::of_item(&body.text, &norm_title, &norm_text);
    CleanEntry {
        guid,
        url: link.map(|u| u.to_string()),
        canonical_url,
        summary: text::summarize_paragraphs(&body.text, SUMMARY_CHARS),
        title,
        author,
        published: entry.published,
        updated: entry.updated,
        content_html: body.html,
        text: body.text,
        language,
        dir,
        source_credit: body.credit,
        fingerprint,
        norm_title,
        norm_text,
    }
}

/// How many times [`clean_body`] re-splits markup that the sanitizer still changes.
const MAX_ROUNDS: usize = 3;

/// Cleans an HTML (or plain-text) body: prepare (boilerplate, links, text tidying),
/// sanitize, split into blocks dropping the boilerplate ones, and sanitize the blocks again
/// so that the published HTML is the sanitizer's output, never an edit of it.
pub fn clean_body(raw: &str, title: &str, base: Option<&::url::Url>) -> html::Body {
    let mut safe = html::sanitize(&html::prepare(raw, base));
    let mut credit = None;
    let mut body = html::Body::default();
    let mut settled = false;
    for _ in 0..MAX_ROUNDS {
        body = blocks::split(&safe, title);
        credit = credit.or(body.credit.take());
        // The block pass re-joins pieces of sanitized markup (and wraps loose text in
        // paragraphs); misnested markup (an <a> around blocks, a heading inside a heading)
        // parses differently once cut. The sanitizer has the last word on what is
        // published: when it changes the blocks' markup, its output is split again, so
        // that text and HTML agree and cleaning clean output changes nothing.
        let again = html::sanitize(&body.html);
        if again == body.html {
            settled = true;
            break;
        }
        safe = again;
    }
    if !settled {
        tracing::warn!("cleaned HTML did not settle; publishing its text only");
        body = text_only(&body.text, title);
    }
    if let Err(e) = html::verify(&body.html) {
        tracing::warn!(error = %e, "cleaned HTML failed the last check; publishing its text only");
        body = text_only(&body.text, title);
    }
    body.credit = credit;
    body
}

/// The body rebuilt from its text alone, one paragraph each, through the same passes (so
/// that cleaning it again changes nothing).
fn text_only(text: &str, title: &str) -> html::Body {
    blocks::split(&text_as_html(text), title)
}

/// Plain text as paragraphs of escaped text, through the sanitizer like any other body.
fn text_as_html(text: &str) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", text::escape_html(p)))
        .collect();
    html::sanitize(&paragraphs.join("\n"))
}

#[cfg(test)]
mod tests;
