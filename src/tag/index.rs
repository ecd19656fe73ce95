//! The word index: every automaton pattern of the topics, looked up word by word.
//!
//! # Why not an automaton over the text
//!
//! Until session 3 the patterns were one Aho-Corasick DFA run over the normalized text,
//! every hit then checked for the affixes around it. That costs per byte and per overlapping
//! hit inside longer words: with 50 topics × 100 terms the DFA alone (5,000 patterns, several
//! MB of transitions, so cache misses) took about 24 µs on a 5.4 KB item, 40,000 items/s, and
//! the issue asks for 100,000. Arabic affixes are few and known, and normalized text is words
//! separated by single spaces, so this module turns the problem around. Each word is first
//! tested against a one-bit table, once per proclitic chain it starts with
//! ([`WordIndex::may_hold`]); nearly every word fails. For the few that pass, every proclitic
//! chain the word starts with and every suffix it ends with is stripped in turn (a handful of
//! candidates, decided by the first and last letters) and each remaining core is looked up
//! in one hash table of all patterns' first words. The cost is per word, and both tables of
//! a few thousand keys stay in cache.
//!
//! The hits are exactly the automaton's: every occurrence of a pattern whose surrounding word
//! parts are a possible prefix and suffix (the union of all affix rules; the caller then
//! applies each rule), reported in the automaton's order. A property test compares the two
//! on generated text (`tests::word_index_finds_what_the_automaton_finds`).

use rustc_hash::FxHashMap;

pub(super) use crate::clean::bytes::first8;
use crate::clean::bytes::{LOW_BYTES, read16_at};

use super::{SHORT_SUFFIXES, STRIPPED_SUFFIXES, SUFFIXES};

/// UTF-8 of the letters the affix rules look at (all in the two-byte U+06xx block).
const WAW: [u8; 2] = [0xD9, 0x88];
const FA: [u8; 2] = [0xD9, 0x81];
const BA: [u8; 2] = [0xD8, 0xA8];
const KAF: [u8; 2] = [0xD9, 0x83];
const LAM: [u8; 2] = [0xD9, 0x84];
const ALEF: [u8; 2] = [0xD8, 0xA7];

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
    words: Vec<Vec<Box<[u8]>>>,
    /// By first word: the patterns that start with it, as (pattern id, number of words).
    /// Only words that pass [`WordIndex::may_hold`] are looked up here.
    first: FxHashMap<Box<[u8]>, Vec<(u32, u32)>>,
    /// The cheap first test of a text word, see [`WordIndex::may_hold`]: one bit per key
    /// followed by a suffix (its first 8 bytes, or all of it when shorter).
    starts: Vec<u64>,
    /// 64 - log2 of the number of bits of `starts`.
    start_shift: u32,
    /// The suffixes any affix rule accepts, by the UTF-8 of their last letter.
    suffixes: Vec<([u8; 2], Vec<&'static [u8]>)>,
}

impl std::fmt::Debug for WordIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WordIndex")
            .field("patterns", &self.words.len())
            .field("first_words", &self.first.len())
            .finish()
    }
}

/// Letter classes for [`chain_lengths`]: none, و/ف (conjunctions), ب/ك (prepositions),
/// ل (a preposition, and the article's second letter), ا (the article's first).
const OTHER: u8 = 0;
const CONJ: u8 = 1;
const PREP: u8 = 2;
const LAM_CLASS: u8 = 3;
const ALEF_CLASS: u8 = 4;

/// A letter's class by its second UTF-8 byte (the six letters are all in U+0627–U+0648 and
/// their second bytes differ).
const CLASS_BY_SECOND: [u8; 256] = {
    let mut t = [OTHER; 256];
    let letters = [
        (WAW, CONJ),
        (FA, CONJ),
        (BA, PREP),
        (KAF, PREP),
        (LAM, LAM_CLASS),
        (ALEF, ALEF_CLASS),
    ];
    let mut i = 0;
    while i < letters.len() {
        let ([_, second], class) = letters[i];
        t[second as usize] = class;
        i += 1;
    }
    t
};

/// [`chain_lengths`] by the classes of the first four letters, three bits each.
const CHAINS_BY_CLASSES: [u8; 4096] = {
    const fn prep(x: u8) -> bool {
        x == PREP || x == LAM_CLASS
    }
    const fn article(a: u8, b: u8) -> bool {
        a == ALEF_CLASS && b == LAM_CLASS
    }
    const fn lam_lam(a: u8, b: u8) -> bool {
        a == LAM_CLASS && b == LAM_CLASS
    }
    let mut t = [0u8; 4096];
    let mut i = 0;
    while i < 4096 {
        let c = [
            (i & 7) as u8,
            (i >> 3 & 7) as u8,
            (i >> 6 & 7) as u8,
            (i >> 9 & 7) as u8,
        ];
        let conj = c[0] == CONJ;
        let one = conj || prep(c[0]);
        let two = (conj && prep(c[1])) || article(c[0], c[1]) || lam_lam(c[0], c[1]);
        let three = (conj && (article(c[1], c[2]) || lam_lam(c[1], c[2])))
            || (prep(c[0]) && article(c[1], c[2]));
        let four = conj && prep(c[1]) && article(c[2], c[3]);
        t[i] = 1 | (one as u8) << 1 | (two as u8) << 2 | (three as u8) << 3 | (four as u8) << 4;
        i += 1;
    }
    t
};

/// The lengths, in letters, of the proclitic chains a word starting with the 8 bytes `v`
/// (little-endian) may begin with, as bits: bit 0 (no chain) is always set, and bit `k`
/// is set when its first `k` letters are a chain `super::proclitic_chain` accepts.
///
/// No branches (see [`WordIndex::may_hold`]): each of the four letters gets its class from
/// a table by its second byte, and the chains come from a table by the four classes.
/// Comparing each letter with each chain letter took about sixty instructions a word and
/// spilled to the stack; checking each letter's first byte too took another thirty. The
/// first byte is not checked, so a few other characters count as chain letters (U+0601
/// as ف, U+0667 as ا, Latin-1 `§` and `¨` as ا and ب, …): a word starting with one gets a
/// table probe it did not need. That costs a probe and never misses a chain; on Arabic
/// letters the bits are exact (`tests::chain_lengths_agrees_with_proclitic_chain`).
#[inline(always)]
pub(super) fn chain_lengths(v: u64) -> u8 {
    let class = |k: u32| usize::from(CLASS_BY_SECOND[(v >> (16 * k + 8) & 0xFF) as usize]);
    CHAINS_BY_CLASSES[class(0) | class(1) << 3 | class(2) << 6 | class(3) << 9]
}

/// For a word of `n` bytes (9 standing for more), the [`chain_lengths`] bits of the chains
/// that leave at least one byte of it: lengths `k` ≥ 1 with `2k < n`, at most 4.
const CHAINS_FITTING: [u8; 10] = {
    let mut m = [0u8; 10];
    let mut n: usize = 0;
    while n <= 9 {
        let letters = if n.div_ceil(2) < 5 { n.div_ceil(2) } else { 5 };
        m[n] = (1u16 << letters).saturating_sub(2) as u8;
        n += 1;
    }
    m
};

/// The bit of head `v` (`len` bytes) in a table of `2^(64 - shift)` bits.
#[inline(always)]
fn start_bit(v: u64, len: usize, shift: u32) -> usize {
    let h =
        (v ^ (len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)).wrapping_mul(0xD6E8_FEB8_6659_FD93);
    (h >> shift) as usize
}

impl WordIndex {
    /// Indexes `patterns` (normalized: words separated by single spaces, none empty).
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a [u8]>) -> WordIndex {
        let words: Vec<Vec<Box<[u8]>>> = patterns
            .into_iter()
            .map(|p| p.split(|&b| b == b' ').map(Box::from).collect())
            .collect();
        let mut first: FxHashMap<Box<[u8]>, Vec<(u32, u32)>> = FxHashMap::default();
        for (id, w) in words.iter().enumerate() {
            first
                .entry(w[0].clone())
                .or_default()
                .push((id as u32, u32::try_from(w.len()).expect("few words")));
        }
        // Every suffix any rule accepts, and the final letters a stem may have lost.
        let mut all: Vec<&'static [u8]> = SUFFIXES
            .iter()
            .chain(SHORT_SUFFIXES)
            .chain(STRIPPED_SUFFIXES)
            .chain(&["ا", "ه", "ي"])
            .filter(|s| !s.is_empty())
            .map(|s| s.as_bytes())
            .collect();
        all.sort();
        all.dedup();
        let mut suffixes: Vec<([u8; 2], Vec<&'static [u8]>)> = Vec::new();
        for s in all {
            let last = [s[s.len() - 2], s[s.len() - 1]];
            match suffixes.iter_mut().find(|(l, _)| *l == last) {
                Some((_, v)) => v.push(s),
                None => suffixes.push((last, vec![s])),
            }
        }
        // The first 8 bytes of every key followed by every suffix (all of it when shorter):
        // what a word's bytes after its proclitic chain start with when it holds the key.
        // 32 bits per bit set: a few percent of false positives, at least 128 Kbit.
        let mut heads: Vec<(u64, usize)> = Vec::new();
        for key in first.keys() {
            let mut joined = key.to_vec();
            for s in
                std::iter::once(&[][..]).chain(suffixes.iter().flat_map(|(_, g)| g.iter().copied()))
            {
                if key.len() >= 8 && !s.is_empty() {
                    break;
                }
                joined.truncate(key.len());
                joined.extend_from_slice(s);
                let len = joined.len().min(8);
                heads.push((first8(&joined) & LOW_BYTES[len], len));
            }
        }
        let start_bits = (heads.len() * 32)
            .next_power_of_two()
            .max(1 << 17)
            .trailing_zeros();
        let mut starts = vec![0u64; 1 << (start_bits - 6)];
        for (v, len) in heads {
            let bit = start_bit(v, len, 64 - start_bits);
            starts[bit / 64] |= 1 << (bit % 64);
        }
        WordIndex {
            words,
            first,
            starts,
            start_shift: 64 - start_bits,
            suffixes,
        }
    }

    /// Whether text word `bytes[start..end]` may hold a key: after one of the proclitic
    /// chains it starts with, its next 8 bytes (all of them when fewer) must be those of a
    /// key followed by a suffix. Nearly every word of a text fails this test, so the
    /// prefixes and suffixes are only tried on the few that pass: one table probe for the
    /// word and one per chain (in the project's test item 45% of words have no chain, 51%
    /// one, 3% two), the chains found without branches by [`chain_lengths`]. Until this
    /// test, trying prefixes and suffixes on every word was three quarters of tagging time.
    #[inline(always)]
    fn may_hold(&self, bytes: &[u8], start: usize, end: usize) -> bool {
        // The word's first 16 bytes: every probe's 8 bytes are in them (chains are at most
        // four letters), so a probe after a chain is a shift, not a load of its own.
        let (lo, hi) = read16_at(bytes, start);
        let len = end - start;
        let probe = |letters: usize| {
            let head = match letters {
                0 => lo,
                k => lo >> (16 * k) | hi << (64 - 16 * k),
            };
            let n = (len - 2 * letters).min(8);
            let bit = start_bit(head & LOW_BYTES[n], n, self.start_shift);
            self.starts[(bit / 64) & (self.starts.len() - 1)] & (1 << (bit % 64)) != 0
        };
        // Chains other than the empty one that leave at least one byte of the word.
        let mut chains = chain_lengths(lo) & CHAINS_FITTING[len.min(9)];
        // A loop over the chains, though its branch is taken or not about as often: probing
        // the word and its shortest chain unconditionally (the word twice when it has none)
        // measured 10% slower once the chains cost a few instructions.
        let mut hit = probe(0);
        while chains != 0 {
            hit |= probe(chains.trailing_zeros() as usize);
            chains &= chains - 1;
        }
        hit
    }

    /// Every occurrence of every pattern in `text` (normalized) whose first word is preceded
    /// in its text word by nothing or a proclitic chain, and whose last word is followed by
    /// nothing or a known suffix; in the order an overlapping Aho-Corasick scan reports
    /// them (by end, longer first). Returns the number of words of `text`.
    pub fn find(&self, text: &str, out: &mut Vec<Found>) -> usize {
        let bytes = text.as_bytes();
        if bytes.is_empty() {
            return 0;
        }
        let first = out.len();
        let (mut words, mut start) = (0, 0);
        // The text in blocks of 64 bytes, the last one copied and padded with zeros.
        let full = bytes.len() / 64;
        let mut tail = [0u8; 64];
        tail[..bytes.len() % 64].copy_from_slice(&bytes[full * 64..]);
        for b in 0..=full {
            let block: &[u8; 64] = match bytes.get(b * 64..b * 64 + 64) {
                Some(block) => block.try_into().expect("64 bytes"),
                None => &tail,
            };
            let mut spaces = space_mask(block);
            while spaces != 0 {
                let end = b * 64 + spaces.trailing_zeros() as usize;
                spaces &= spaces - 1;
                if end > start && self.may_hold(bytes, start, end) {
                    self.find_in_word(bytes, start, end, words, out);
                }
                words += 1;
                start = end + 1;
            }
        }
        // The last word, ended by the text's end.
        let end = bytes.len();
        if end > start && self.may_hold(bytes, start, end) {
            self.find_in_word(bytes, start, end, words, out);
        }
        words += 1;
        // The automaton's order: by end of the pattern, and at one end longer first.
        out[first..].sort_by_key(|f| (f.at.1, f.at.0));
        words
    }

    /// The full test of a word that passed [`WordIndex::may_hold`]: out of line, so that
    /// the loop over words stays small.
    #[inline(never)]
    fn find_in_word(
        &self,
        bytes: &[u8],
        start: usize,
        end: usize,
        word: usize,
        out: &mut Vec<Found>,
    ) {
        let w = &bytes[start..end];
        let mut prefixes = [0usize; 5];
        let np = proclitic_prefixes(w, &mut prefixes);
        for &p in &prefixes[..np] {
            let rest = &w[p..];
            // Whole rest: a one-word pattern without suffix, or a longer pattern's first word.
            if let Some(patterns) = self.first.get(rest) {
                for &(id, n) in patterns {
                    if n == 1 {
                        out.push(found(id, word, start, end, start + p, end));
                    } else if let Some(f) = self.rest_of_pattern(bytes, id, word, (start, end), p) {
                        out.push(f);
                    }
                }
            }
            let Some(last) = rest.get(rest.len().wrapping_sub(2)..) else {
                continue;
            };
            let Some((_, group)) = self.suffixes.iter().find(|(l, _)| l == last) else {
                continue;
            };
            for s in group {
                if rest.len() > s.len() && rest.ends_with(s) {
                    let core = &rest[..rest.len() - s.len()];
                    if let Some(patterns) = self.first.get(core) {
                        let at_end = end - s.len();
                        for &(id, n) in patterns {
                            if n == 1 {
                                out.push(found(id, word, start, end, start + p, at_end));
                            }
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
        bytes: &[u8],
        id: u32,
        word: usize,
        (start, end): (usize, usize),
        prefix: usize,
    ) -> Option<Found> {
        let pattern = &self.words[id as usize];
        let mut pos = end;
        for (k, pw) in pattern.iter().enumerate().skip(1) {
            let from = pos + 1;
            let next = bytes.get(from..)?;
            let tw = &next[..memchr::memchr(b' ', next).unwrap_or(next.len())];
            pos = from + tw.len();
            if k < pattern.len() - 1 {
                if tw != &**pw {
                    return None;
                }
                continue;
            }
            let suffix = tw.strip_prefix(&**pw)?;
            if !suffix.is_empty() && !self.is_suffix(suffix) {
                return None;
            }
            return Some(found(id, word, start, pos, start + prefix, from + pw.len()));
        }
        None
    }

    /// Whether some affix rule accepts `s` (not empty) after a pattern.
    fn is_suffix(&self, s: &[u8]) -> bool {
        let Some(last) = s.get(s.len().wrapping_sub(2)..) else {
            return false;
        };
        self.suffixes
            .iter()
            .find(|(l, _)| l == last)
            .is_some_and(|(_, group)| group.contains(&s))
    }
}

/// Bit `i` set when `block[i]` is a space.
///
/// Written here rather than iterating with `memchr_iter`, which costs a call per word (a
/// quarter of tagging time on the project's machine): the spaces of 64 bytes are gathered
/// into one bit mask, 8 bytes at a time with a byte-equality test on a `u64` (SWAR), and
/// [`WordIndex::find`] reads the words off its set bits.
#[inline(always)]
fn space_mask(block: &[u8; 64]) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const SPACES: u64 = 0x2020_2020_2020_2020;
    let mut mask = 0u64;
    for (i, chunk) in block.chunks_exact(8).enumerate() {
        let t = u64::from_le_bytes(chunk.try_into().expect("8 bytes")) ^ SPACES;
        // The high bit of each byte that was a space: adding 0x7F to the low 7 bits never
        // carries into the next byte.
        let spaces = !((t & LOW7).wrapping_add(LOW7) | t) & !LOW7;
        // Bits 7, 15, … 63 gathered into bits 0…7.
        mask |= ((spaces >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * i);
    }
    mask
}

#[inline]
fn found(id: u32, word: usize, start: usize, end: usize, at: usize, at_end: usize) -> Found {
    Found {
        pattern: id as usize,
        word,
        words: (start, end),
        at: (at, at_end),
    }
}

/// Byte lengths of the proclitic chains `w` starts with (always 0, the empty chain), each
/// leaving at least one byte: (و|ف)? then لل, or (ب|ك|ل)? (ال)?. Mirrors
/// `super::proclitic_chain`, which decides each rule; this only lists candidates.
fn proclitic_prefixes(w: &[u8], out: &mut [usize; 5]) -> usize {
    let at = |i: usize| w.get(i..i + 2);
    let mut n = 0;
    let mut push = |len: usize, out: &mut [usize; 5]| {
        if len < w.len() {
            out[n] = len;
            n += 1;
        }
    };
    push(0, out);
    let lead = at(0);
    if !matches!(lead, Some(&[0xD8 | 0xD9, _])) {
        return n;
    }
    let mut i = 0;
    if lead == Some(&WAW) || lead == Some(&FA) {
        i = 2;
        push(2, out);
    }
    if at(i) == Some(&LAM) && at(i + 2) == Some(&LAM) {
        push(i + 4, out);
    }
    let mut j = i;
    if matches!(at(i), Some(l) if l == BA || l == KAF || l == LAM) {
        j = i + 2;
        push(j, out);
    }
    if at(j) == Some(&ALEF) && at(j + 2) == Some(&LAM) {
        push(j + 4, out);
    }
    n
}
