//! The word index: every pattern of the topics, looked up word by word.
//!
//! Normalized text is words separated by single spaces, and Arabic affixes are few and
//! known. So instead of running an automaton over every byte (and then rejecting the hits
//! that sit inside longer words), each text word is cut into (proclitic chain, core,
//! suffix) in the few ways the affix rules allow, and each core is looked up in one hash
//! table of the patterns' first words. The cost is a handful of hash lookups per word,
//! whatever the number of topics and terms.
//!
//! The hits are exactly an automaton's: every occurrence of a pattern whose surrounding word
//! parts are a possible prefix and suffix (the union of all affix rules; the caller then
//! applies each rule), reported in the automaton's order. A property test compares the two
//! on generated text (`tests::word_index_finds_what_the_automaton_finds`).

use rustc_hash::FxHashMap;

use super::words::{SHORT_SUFFIXES, STRIPPED_SUFFIXES, SUFFIXES};

/// A pattern occurrence found by [`WordIndex::find`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Found {
    /// Pattern id (index into the patterns given to [`WordIndex::new`]).
    pub pattern: usize,
    /// Index of the first word of the occurrence.
    pub word: usize,
    /// Byte range of the whole word(s): from the first word's start to the last word's end.
    pub words: (usize, usize),
    /// Byte range of the pattern itself inside them (without prefix and suffix).
    pub at: (usize, usize),
}

/// All patterns, keyed by their first word.
#[derive(Clone)]
pub(super) struct WordIndex {
    /// The patterns' words, for checking the words after the first.
    words: Vec<Vec<Box<str>>>,
    /// By first word: the patterns that start with it, as (pattern id, number of words).
    first: FxHashMap<Box<str>, Vec<(u32, u32)>>,
    /// Every suffix any affix rule accepts (not empty), and the final letters a stem may
    /// have lost.
    suffixes: Vec<&'static str>,
    /// The same suffixes by their last letter (all are Arabic letters, two bytes in UTF-8),
    /// so a word is tried only with the few that can end it: trying all of them on every
    /// word and proclitic cut was a third of tagging in an ingest profile (bench/README.md).
    by_last: Vec<([u8; 2], Vec<&'static str>)>,
}

impl std::fmt::Debug for WordIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WordIndex")
            .field("patterns", &self.words.len())
            .field("first_words", &self.first.len())
            .finish()
    }
}

impl WordIndex {
    /// Indexes `patterns` (normalized: words separated by single spaces, none empty).
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> WordIndex {
        let words: Vec<Vec<Box<str>>> = patterns
            .into_iter()
            .map(|p| p.split(' ').map(Box::from).collect())
            .collect();
        let mut first: FxHashMap<Box<str>, Vec<(u32, u32)>> = FxHashMap::default();
        for (id, w) in words.iter().enumerate() {
            first
                .entry(w[0].clone())
                .or_default()
                .push((id as u32, u32::try_from(w.len()).expect("few words")));
        }
        let mut suffixes: Vec<&'static str> = SUFFIXES
            .iter()
            .chain(SHORT_SUFFIXES)
            .chain(STRIPPED_SUFFIXES)
            .chain(&["ا", "ه", "ي"])
            .copied()
            .filter(|s| !s.is_empty())
            .collect();
        suffixes.sort();
        suffixes.dedup();
        let mut by_last: Vec<([u8; 2], Vec<&'static str>)> = Vec::new();
        for &s in &suffixes {
            let b = s.as_bytes();
            let last = [b[b.len() - 2], b[b.len() - 1]];
            match by_last.iter_mut().find(|(l, _)| *l == last) {
                Some((_, group)) => group.push(s),
                None => by_last.push((last, vec![s])),
            }
        }
        WordIndex {
            words,
            first,
            suffixes,
            by_last,
        }
    }

    /// Every occurrence of every pattern in `text` (normalized) whose first word is preceded
    /// in its text word by nothing or a proclitic chain, and whose last word is followed by
    /// nothing or a known suffix; in the order an overlapping Aho-Corasick scan reports
    /// them (by end, longer first). Returns the number of words of `text`.
    pub fn find(&self, text: &str, out: &mut Vec<Found>) -> usize {
        if text.is_empty() {
            return 0;
        }
        let first = out.len();
        let mut start = 0;
        let mut words = 0;
        for w in text.split(' ') {
            if !w.is_empty() {
                self.find_in_word(text, start, start + w.len(), words, out);
            }
            start += w.len() + 1;
            words += 1;
        }
        // The automaton's order: by end of the pattern, and at one end longer first.
        out[first..].sort_by_key(|f| (f.at.1, f.at.0));
        words
    }

    /// The patterns whose first word is text word number `word`, `start..end`, after a
    /// proclitic chain and (for one-word patterns) before a suffix.
    fn find_in_word(
        &self,
        text: &str,
        start: usize,
        end: usize,
        word: usize,
        out: &mut Vec<Found>,
    ) {
        let w = &text[start..end];
        for p in proclitic_prefixes(w) {
            let rest = &w[p..];
            // Whole rest: a one-word pattern without suffix, or a longer pattern's first word.
            if let Some(patterns) = self.first.get(rest) {
                for &(id, n) in patterns {
                    if n == 1 {
                        out.push(found(id, word, (start, end), (start + p, end)));
                    } else if let Some(f) = self.rest_of_pattern(text, id, word, (start, end), p) {
                        out.push(f);
                    }
                }
            }
            let b = rest.as_bytes();
            let Some(group) = b
                .get(b.len().wrapping_sub(2)..)
                .and_then(|last| self.by_last.iter().find(|(l, _)| l == last))
                .map(|(_, group)| group)
            else {
                continue;
            };
            for s in group {
                if let Some(core) = rest.strip_suffix(s).filter(|c| !c.is_empty())
                    && let Some(patterns) = self.first.get(core)
                {
                    for &(id, n) in patterns {
                        if n == 1 {
                            out.push(found(id, word, (start, end), (start + p, end - s.len())));
                        }
                    }
                }
            }
        }
    }

    /// A pattern of several words whose first word ends text word number `word`,
    /// `start..end`, after a prefix of `prefix` bytes: the middle words must follow as whole
    /// words, the last may carry a suffix.
    fn rest_of_pattern(
        &self,
        text: &str,
        id: u32,
        word: usize,
        (start, end): (usize, usize),
        prefix: usize,
    ) -> Option<Found> {
        let pattern = &self.words[id as usize];
        let mut pos = end;
        for (k, pw) in pattern.iter().enumerate().skip(1) {
            let from = pos + 1;
            let next = text.get(from..)?;
            let tw = next.split(' ').next().unwrap_or("");
            pos = from + tw.len();
            if k < pattern.len() - 1 {
                if tw != &**pw {
                    return None;
                }
                continue;
            }
            let suffix = tw.strip_prefix(&**pw)?;
            if !suffix.is_empty() && !self.suffixes.contains(&suffix) {
                return None;
            }
            return Some(found(
                id,
                word,
                (start, pos),
                (start + prefix, from + pw.len()),
            ));
        }
        None
    }
}

fn found(id: u32, word: usize, words: (usize, usize), at: (usize, usize)) -> Found {
    Found {
        pattern: id as usize,
        word,
        words,
        at,
    }
}

/// Byte lengths of the proclitic chains `w` starts with (always 0, the empty chain), each
/// leaving at least one letter: (و|ف)? then لل, or (ب|ل)? (ال)? or كال. Mirrors
/// `super::words::proclitic_chain`, which decides each rule; this only lists candidates.
fn proclitic_prefixes(w: &str) -> impl Iterator<Item = usize> + '_ {
    let mut out = [0usize; 5];
    let mut n = 1;
    let mut push = |len: usize| {
        if len < w.len() {
            out[n] = len;
            n += 1;
        }
    };
    let at = |i: usize, c: &[char]| {
        w.get(i..)
            .and_then(|r| r.chars().next())
            .is_some_and(|x| c.contains(&x))
    };
    // Every chain letter is two bytes in UTF-8.
    let mut i = 0;
    if at(0, &['و', 'ف']) {
        i = 2;
        push(2);
    }
    if w.get(i..).is_some_and(|r| r.starts_with("لل")) {
        push(i + 4);
    }
    let mut j = i;
    if at(i, &['ب', 'ل']) {
        j = i + 2;
        push(j);
    } else if at(i, &['ك']) && w.get(i + 2..).is_some_and(|r| r.starts_with("ال")) {
        // «ك» only before the article, as `proclitic_chain` rules.
        j = i + 2;
    }
    if w.get(j..).is_some_and(|r| r.starts_with("ال")) {
        push(j + 4);
    }
    out.into_iter().take(n)
}
