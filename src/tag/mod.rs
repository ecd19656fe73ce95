//! Topic tagging: rules from `topics.toml` compiled into one matcher.
//!
//! Pure functions, no I/O. Tags are a function of (item title, item text, rules) only.
//!
//! # How a term matches
//!
//! Text and terms go through the same normalizer ([`crate::clean::arabic::normalize_words`]):
//! diacritics, tatweel and letter variants are folded and every run of non-letters is one
//! space. Every term of every topic (and every context and exclude term) becomes one pattern
//! in a single word index ([`index`]), so an item costs one pass over its words per field
//! whatever the number of topics.
//!
//! A pattern hit counts only when the rest of the word around it is an allowed affix:
//!
//! - before it, nothing or an Arabic proclitic chain: conjunction (و ف), preposition (ب ك ل),
//!   article (ال), e.g. و، ب، ال، وال، بال، لل، فلل، وب;
//! - after it, nothing or a common suffix (ي ية يون يين ات ها هم ين ون ان …). A term ending in
//!   ا ة or ي is matched on its stem, so `ليبيا` finds ليبي، الليبية، الليبيين، بليبيا;
//! - a term starting with ال also matches after ل (للمجلس) and other proclitics;
//! - Latin terms and terms marked `exact = true` must be whole words: nothing before or after.
//!
//! # Precedence
//!
//! 1. `exclude` terms veto a topic when found anywhere in the item.
//! 2. A term with `unless_near` does not count when a context term is within `window` words;
//!    one with `only_near` counts only when a context term is that near. Title and text are
//!    read as one sequence for this, so the lead paragraph explains the headline.
//! 3. Each counted match adds `weight × field weight` (title 3, text 1).
//! 4. A topic is tagged when its score reaches `min_score`.
//! 5. Composite topics (`all_of`, `any_of`, `none_of`) are then decided from the tags above.

use std::collections::HashMap;

use crate::clean::arabic::normalize_words;
use crate::config::TopicSpec;
use crate::model::{Field, TagMatch, TopicTag};
use index::WordIndex;

/// Matches kept with a stored tag. A long article can mention Libya a hundred times; the
/// first 25 explain the tag, and storing every one made each item's tag rows kilobytes of
/// JSON.
pub const MAX_REPORTED_MATCHES: usize = 25;

/// Points a match in the title is worth, per weight unit.
pub const TITLE_WEIGHT: f64 = 3.0;
/// Points a match in the body text is worth, per weight unit.
pub const TEXT_WEIGHT: f64 = 1.0;

/// Proclitic chains allowed before an Arabic term: (و|ف)? (ب|ك|ل)? (ال)?, with ل + ال
/// written لل.
/// Whether `prefix` is a proclitic chain, and if so whether it ends in the article.
/// Parsed rather than looked up in a list: this runs for every candidate hit.
fn proclitic_chain(prefix: &str) -> Option<bool> {
    let mut rest = prefix;
    if let Some(r) = rest.strip_prefix(['و', 'ف']) {
        rest = r;
    }
    if let Some(r) = rest.strip_prefix("لل") {
        return r.is_empty().then_some(true);
    }
    if let Some(r) = rest.strip_prefix(['ب', 'ك', 'ل']) {
        rest = r;
    }
    match rest {
        "" => Some(false),
        "ال" => Some(true),
        _ => None,
    }
}

/// Suffixes allowed after a stem that keeps its last letter (طرابلس، حفتر).
const SUFFIXES: &[&str] = &[
    "", "ي", "يه", "يون", "يين", "يان", "ه", "ها", "هم", "هما", "ات", "ين", "ون", "ان", "يا",
];
/// Suffixes allowed after a short (≤ 3 letters) stem, where more would hit other words.
const SHORT_SUFFIXES: &[&str] = &["", "ي", "يه", "يون", "يين"];
/// Suffixes allowed after a stem whose final ا/ه/ي was removed (ليبيا → ليبي…).
const STRIPPED_SUFFIXES: &[&str] = &[
    "ي",
    "يه",
    "يون",
    "يين",
    "يان",
    "ه",
    "ها",
    "هم",
    "ين",
    "ون",
    "ات",
    "اوي",
    "اويه",
    "اويون",
    "اويين",
];

#[derive(Debug, Clone, PartialEq)]
enum Affix {
    /// Whole word only.
    Exact,
    /// Arabic affixes; `article` when the term's own ال was removed from the pattern,
    /// `stripped` when its final vowel letter was.
    Arabic {
        article: bool,
        stripped: Option<char>,
        bare: bool,
        short: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    /// Term `term` of topic `topic`.
    Term { topic: usize, term: usize },
    /// Context word for term `term` of topic `topic`.
    Context { topic: usize, term: usize },
    /// Exclude word of topic `topic`.
    Exclude { topic: usize },
}

#[derive(Debug, Clone)]
struct Use {
    role: Role,
    affix: Affix,
    words: usize,
}

#[derive(Debug, Clone)]
struct CompiledTerm {
    text: String,
    weight: f64,
    window: usize,
    unless_near: bool,
    only_near: bool,
}

#[derive(Debug, Clone)]
struct CompiledTopic {
    spec: TopicSpec,
    terms: Vec<CompiledTerm>,
}

/// All topics compiled into one matcher.
#[derive(Debug, Clone)]
pub struct Matcher {
    index: WordIndex,
    /// For each pattern of the index, every rule that uses it.
    uses: Vec<Vec<Use>>,
    topics: Vec<CompiledTopic>,
    has_composites: bool,
}

/// A topic's evaluation for one item, tagged or not (for explanations and dry runs).
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Topic slug.
    pub slug: String,
    /// Whether the item gets the tag.
    pub tagged: bool,
    /// Score reached.
    pub score: f64,
    /// The exclude term that vetoed the topic, if any.
    pub vetoed_by: Option<String>,
    /// Matches, counted and suppressed.
    pub matches: Vec<TagMatch>,
}

struct Hit {
    use_idx: (usize, usize),
    field: Field,
    position: usize,
    /// Position in title and text read as one sequence: context rules look across the
    /// boundary, because a headline's "طرابلس" is explained by its lead paragraph.
    global: usize,
    /// The matched word(s), as a byte range of the field's normalized text.
    found: std::ops::Range<usize>,
}

/// Why a match did not count.
#[derive(Clone, Copy)]
enum Suppressed {
    Near(usize),
    NotNear(usize),
}

/// A topic's evaluation before anything is copied out: indices into the hits. Building
/// `TagMatch` strings only for the topics that are reported keeps tagging allocation-light.
#[derive(Default, Clone)]
struct RawEval {
    score: f64,
    vetoed_by: Option<usize>,
    matches: Vec<(usize, f64, Option<Suppressed>)>,
    members: Vec<usize>,
    tagged: bool,
}

/// The normalized fields and the hits found in them.
struct Scan<'a> {
    title: &'a str,
    text: &'a str,
    hits: Vec<Hit>,
}

impl Scan<'_> {
    fn found(&self, h: &Hit) -> &str {
        match h.field {
            Field::Title => &self.title[h.found.clone()],
            Field::Text => &self.text[h.found.clone()],
        }
    }
}

impl Matcher {
    /// Compiles topics (already validated by `config`).
    pub fn compile(topics: &[TopicSpec]) -> Matcher {
        let mut pattern_ids: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut uses: Vec<Vec<Use>> = Vec::new();
        let mut add = |text: &str, exact: bool, role: Role| {
            let Some((pattern, affix)) = pattern_for(text, exact) else {
                return;
            };
            let words = pattern.split(' ').count();
            let id = *pattern_ids.entry(pattern.clone()).or_insert_with(|| {
                patterns.push(pattern);
                uses.push(Vec::new());
                uses.len() - 1
            });
            uses[id].push(Use { role, affix, words });
        };
        let mut compiled = Vec::new();
        for (ti, t) in topics.iter().enumerate() {
            let mut terms = Vec::new();
            for (k, term) in t.terms.iter().enumerate() {
                add(&term.term, term.exact, Role::Term { topic: ti, term: k });
                for c in term.unless_near.iter().chain(&term.only_near) {
                    add(c, false, Role::Context { topic: ti, term: k });
                }
                terms.push(CompiledTerm {
                    text: term.term.clone(),
                    weight: term.weight,
                    window: term.window,
                    unless_near: !term.unless_near.is_empty(),
                    only_near: !term.only_near.is_empty(),
                });
            }
            for x in &t.exclude {
                add(x, false, Role::Exclude { topic: ti });
            }
            compiled.push(CompiledTopic {
                spec: t.clone(),
                terms,
            });
        }
        let index = WordIndex::new(patterns.iter().map(|p| p.as_bytes()));
        Matcher {
            index,
            uses,
            has_composites: topics.iter().any(TopicSpec::is_composite),
            topics: compiled,
        }
    }

    /// Slugs of the compiled topics, in config order.
    pub fn slugs(&self) -> impl Iterator<Item = &str> {
        self.topics.iter().map(|t| t.spec.slug.as_str())
    }

    /// The tags an item gets, highest score first. Each carries at most
    /// [`MAX_REPORTED_MATCHES`] matches (the first ones, by field and position); the score
    /// counts them all, and [`Matcher::evaluate`] (`marsad explain`) lists them all.
    pub fn tag(&self, title: &str, text: &str) -> Vec<TopicTag> {
        self.tag_normalized(&normalize_words(title), &normalize_words(text))
    }

    /// [`Matcher::tag`] on a title and text already in matching form
    /// ([`normalize_words`]), as cleaning computes them once per item
    /// (`CleanEntry::norm_title`, `norm_text`).
    pub fn tag_normalized(&self, title: &str, text: &str) -> Vec<TopicTag> {
        let (scan, raw) = self.evaluate_raw(title, text);
        let mut tags: Vec<TopicTag> = raw
            .iter()
            .enumerate()
            .filter(|(_, r)| r.tagged)
            .map(|(i, r)| TopicTag {
                slug: self.topics[i].spec.slug.clone(),
                score: r.score,
                matches: {
                    let mut m = self.matches(&scan, &raw, i);
                    m.truncate(MAX_REPORTED_MATCHES);
                    m
                },
            })
            .collect();
        tags.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.slug.cmp(&b.slug)));
        tags
    }

    /// Every topic's evaluation for an item, in config order.
    pub fn evaluate(&self, title: &str, text: &str) -> Vec<Evaluation> {
        let (title, text) = (normalize_words(title), normalize_words(text));
        let (scan, raw) = self.evaluate_raw(&title, &text);
        raw.iter()
            .enumerate()
            .map(|(i, r)| Evaluation {
                slug: self.topics[i].spec.slug.clone(),
                tagged: r.tagged,
                score: r.score,
                vetoed_by: r.vetoed_by.map(|h| scan.found(&scan.hits[h]).to_string()),
                matches: self.matches(&scan, &raw, i),
            })
            .collect()
    }

    /// The `TagMatch`es of topic `i` (a composite: those of its tagged members).
    fn matches(&self, scan: &Scan, raw: &[RawEval], i: usize) -> Vec<TagMatch> {
        let own = raw[i].matches.iter().map(|&(h, points, suppressed)| {
            let hit = &scan.hits[h];
            let Role::Term { topic, term } = self.uses[hit.use_idx.0][hit.use_idx.1].role else {
                unreachable!("only term hits are recorded as matches")
            };
            TagMatch {
                term: self.topics[topic].terms[term].text.clone(),
                found: scan.found(hit).to_string(),
                field: hit.field,
                position: hit.position,
                points,
                suppressed: suppressed.map(|s| match s {
                    Suppressed::Near(w) => format!("context word within {w} words"),
                    Suppressed::NotNear(w) => format!("no context word within {w} words"),
                }),
            }
        });
        let mut out: Vec<TagMatch> = own.collect();
        for &m in &raw[i].members {
            out.extend(self.matches(scan, raw, m));
        }
        out
    }

    /// Scores every topic; `title` and `text` are in matching form.
    fn evaluate_raw<'a>(&self, title: &'a str, text: &'a str) -> (Scan<'a>, Vec<RawEval>) {
        let mut scan = Scan {
            title,
            text,
            hits: Vec::new(),
        };
        let title_words = self.scan(scan.title, Field::Title, 0, &mut scan.hits);
        self.scan(scan.text, Field::Text, title_words, &mut scan.hits);
        let hits = &scan.hits;

        let mut evals: Vec<RawEval> = vec![RawEval::default(); self.topics.len()];
        for (hi, h) in hits.iter().enumerate() {
            let u = &self.uses[h.use_idx.0][h.use_idx.1];
            match u.role {
                Role::Exclude { topic } => {
                    evals[topic].vetoed_by.get_or_insert(hi);
                }
                Role::Context { .. } => {}
                Role::Term { topic, term } => {
                    let t = &self.topics[topic].terms[term];
                    let near = || {
                        hits.iter().any(|c| {
                            let cu = &self.uses[c.use_idx.0][c.use_idx.1];
                            cu.role == (Role::Context { topic, term })
                                && within(h.global, u.words, c.global, cu.words, t.window)
                        })
                    };
                    let suppressed = if t.unless_near && near() {
                        Some(Suppressed::Near(t.window))
                    } else if t.only_near && !near() {
                        Some(Suppressed::NotNear(t.window))
                    } else {
                        None
                    };
                    let field_weight = match h.field {
                        Field::Title => TITLE_WEIGHT,
                        Field::Text => TEXT_WEIGHT,
                    };
                    let points = if suppressed.is_some() {
                        0.0
                    } else {
                        t.weight * field_weight
                    };
                    evals[topic].score += points;
                    evals[topic].matches.push((hi, points, suppressed));
                }
            }
        }
        for (e, t) in evals.iter_mut().zip(&self.topics) {
            e.score = (e.score * 1000.0).round() / 1000.0;
            e.tagged =
                !t.spec.is_composite() && e.vetoed_by.is_none() && e.score >= t.spec.min_score;
        }
        self.decide_composites(&mut evals);
        (scan, evals)
    }

    /// Composite topics are decided from the others; they may nest (no cycles: config checks).
    fn decide_composites(&self, evals: &mut [RawEval]) {
        if !self.has_composites {
            return;
        }
        let index = |slug: &str| self.topics.iter().position(|t| t.spec.slug == slug);
        // Repeat until nothing changes: depth is bounded by the number of composites.
        for _ in 0..self.topics.len() {
            let mut changed = false;
            for (i, t) in self.topics.iter().enumerate() {
                let s = &t.spec;
                if !s.is_composite() {
                    continue;
                }
                let is = |slug: &String| index(slug).is_some_and(|j| evals[j].tagged);
                let tagged = evals[i].vetoed_by.is_none()
                    && s.all_of.iter().all(is)
                    && (s.any_of.is_empty() || s.any_of.iter().any(is))
                    && !s.none_of.iter().any(is);
                let members: Vec<usize> = s
                    .all_of
                    .iter()
                    .chain(&s.any_of)
                    .filter_map(|m| index(m))
                    .filter(|&j| evals[j].tagged)
                    .collect();
                let score = members.iter().map(|&j| evals[j].score).sum();
                if evals[i].tagged != tagged || evals[i].score != score {
                    changed = true;
                }
                evals[i].tagged = tagged;
                evals[i].score = score;
                evals[i].members = members;
            }
            if !changed {
                break;
            }
        }
    }

    /// Adds the accepted hits in `text` (already normalized); returns its number of words.
    fn scan(&self, text: &str, field: Field, offset: usize, hits: &mut Vec<Hit>) -> usize {
        let mut found = Vec::new();
        let words = self.index.find(text, &mut found);
        for f in found {
            let prefix = &text[f.words.0..f.at.0];
            let suffix = &text[f.at.1..f.words.1];
            for (k, u) in self.uses[f.pattern].iter().enumerate() {
                if self.accepts(&u.affix, prefix, suffix) {
                    hits.push(Hit {
                        use_idx: (f.pattern, k),
                        field,
                        position: f.word,
                        global: offset + f.word,
                        found: f.words.0..f.words.1,
                    });
                }
            }
        }
        words
    }

    fn accepts(&self, affix: &Affix, prefix: &str, suffix: &str) -> bool {
        match affix {
            Affix::Exact => prefix.is_empty() && suffix.is_empty(),
            Affix::Arabic {
                article,
                stripped,
                bare,
                short,
            } => {
                // When the term's own ال was taken off the pattern, the word must carry an
                // article, alone or after proclitics (ال، وال، بال، لل، فلل…).
                let prefix_ok = match proclitic_chain(prefix) {
                    Some(has_article) => has_article || !*article,
                    None => false,
                };
                if !prefix_ok {
                    return false;
                }
                match stripped {
                    Some(last) => {
                        suffix.strip_prefix(*last).is_some_and(str::is_empty)
                            || STRIPPED_SUFFIXES.contains(&suffix)
                            || (*bare && suffix.is_empty())
                    }
                    None if *short => SHORT_SUFFIXES.contains(&suffix),
                    None => SUFFIXES.contains(&suffix),
                }
            }
        }
    }
}

/// True when two word spans are at most `window` words apart.
fn within(a: usize, a_len: usize, b: usize, b_len: usize, window: usize) -> bool {
    let a_end = a + a_len.saturating_sub(1);
    let b_end = b + b_len.saturating_sub(1);
    let gap = if b > a_end {
        b - a_end
    } else {
        a.saturating_sub(b_end)
    };
    gap <= window
}

/// The index pattern and affix rule for a term.
fn pattern_for(term: &str, exact: bool) -> Option<(String, Affix)> {
    let norm = normalize_words(term);
    if norm.is_empty() {
        return None;
    }
    let arabic = norm.chars().any(crate::clean::arabic::is_arabic_letter);
    if exact || !arabic {
        return Some((norm, Affix::Exact));
    }
    let mut words: Vec<String> = norm.split(' ').map(str::to_string).collect();
    let mut article = false;
    if words[0].starts_with("ال") && words[0].chars().count() > 3 {
        words[0] = words[0]["ال".len()..].to_string();
        article = true;
    }
    let last = words.last_mut().expect("non-empty");
    let mut stripped = None;
    let mut bare = false;
    if let Some(c) = last
        .chars()
        .last()
        .filter(|c| matches!(c, 'ا' | 'ه' | 'ي') && last.chars().count() >= 4)
    {
        last.pop();
        stripped = Some(c);
        // A stem ending in ي is itself a word (ليبيا → ليبي); others are not
        // (سبها → سبه is another word entirely).
        bare = last.ends_with('ي');
    }
    let short = last.chars().count() <= 3 && words.len() == 1;
    Some((
        words.join(" "),
        Affix::Arabic {
            article,
            stripped,
            bare,
            short,
        },
    ))
}

mod index;

#[cfg(test)]
mod tests;
