//! Story fingerprints: a 128-bit SimHash over word 3-shingles of the normalized text.
//!
//! Why SimHash and not MinHash: 128 bits per item fit two SQLite integer columns and compare
//! with two XORs and popcounts, so grouping a new item against a few days of stored items is
//! a linear scan of integers with no extra tables. MinHash estimates Jaccard similarity more
//! precisely, but needs ~100 hashes per item and banding tables to be fast. Wire stories that
//! are republished with small edits (a new title, a paragraph added or cut) keep most of their
//! shingles, which is exactly the case SimHash separates well.
//!
//! Threshold: see [`SAME_STORY_MAX_DISTANCE`], measured on `tests/fixtures/dedup/`.

use super::bytes::{LOW_BYTES, first8, read16_at};
use crate::text::arabic::{join_words, normalize_words};

/// Two fingerprints at most this many bits apart (of 128) are the same story.
///
/// 128 bits rather than 64: with 64 bits, unrelated stories sit at 32 ± 4 bits, so a
/// threshold loose enough for a copy with two paragraphs cut (12 bits) would also merge about
/// 3 in 10 million random pairs, which a busy day (15,000 items in the window) reaches. At 128
/// bits unrelated stories sit at 64 ± 5.7 and the same margin is ~7 standard deviations.
///
/// Measured by `cargo test --test it dedup::dedup_threshold -- --nocapture` (see README), with
/// fingerprint version 2: the seed story republished with a new title, an extra paragraph
/// and an edited sentence is 11 bits away, the same story with a new title and its last two
/// paragraphs cut 18; of 20,506 pairs of different stories (the long fixtures and the
/// labeled topic corpus, many on the same subject) the closest is 39 bits apart and 99.9%
/// are 45 or more. 28 keeps a margin of 10 above the copies and 11 below the closest
/// different pair.
pub const SAME_STORY_MAX_DISTANCE: u32 = 28;

/// 64-bit FNV-1a: the hash of a text of one or two words (too short for shingles). Its
/// values are fixed by its published definition, so stored fingerprints stay comparable.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h = FNV_OFFSET;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// The splitmix64 finalizer: a bijective mixer, used to derive the upper 64 bits of each
/// shingle's hash so they are independent of the lower 64.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// An item's fingerprint, from its cleaned text and the normalized forms of its title and
/// text: the text's SimHash, or for a text of fewer than 20 words, that of the title and the
/// text together (a short body alone says too little to tell stories apart).
pub fn of_item(text: &str, norm_title: &str, norm_text: &str) -> u128 {
    if text.split_whitespace().nth(19).is_some() {
        simhash_normalized(norm_text)
    } else {
        simhash_normalized(&join_words(norm_title, norm_text))
    }
}

/// SimHash of text (normalized inside). Empty text gives 0.
pub fn simhash(text: &str) -> u128 {
    let norm = normalize_words(text);
    simhash_normalized(&norm)
}

/// SimHash of text already passed through [`normalize_words`].
pub fn simhash_normalized(norm: &str) -> u128 {
    if norm.is_empty() {
        return 0;
    }
    // Each word is hashed once; a shingle's hash combines its three word hashes, rotated
    // by position so that word order counts ("a b c" ≠ "c b a"), then mixed.
    let words = word_hashes(norm.as_bytes());
    let shingles: Vec<u64> = match words[..] {
        [] => return 0,
        [_] | [_, _] => vec![fnv1a(norm.as_bytes())],
        _ => words
            .windows(3)
            .map(|w| mix(w[0] ^ w[1].rotate_left(21) ^ w[2].rotate_left(42)))
            .collect(),
    };
    // Bit counting in SIMD-within-a-register style: each byte of a shingle's 128-bit hash
    // indexes a table whose u64 holds its 8 bits in 8 byte lanes, so one add counts 8 bits.
    // Lanes are flushed into wide counters every 255 shingles, before they can overflow.
    // (A plain loop over the shingles: as a closure called from two places, the counting
    // was not inlined and kept its lanes in memory.)
    let mut ones = [0u32; 128];
    for block in shingles.chunks(255) {
        let mut lanes = [0u64; 16];
        for &lo in block {
            // The hash's 16 bytes, low half first: byte i of the 128-bit value (taken from
            // a byte array rather than by shifting a u128, which cost two shifts per byte).
            let bytes = (u128::from(lo) | u128::from(mix(lo)) << 64).to_le_bytes();
            for (lane, &b) in lanes.iter_mut().zip(&bytes) {
                *lane += SPREAD[usize::from(b)];
            }
        }
        flush(&lanes, &mut ones);
    }
    let total = shingles.len() as u32;
    // A bit is set when more shingles have it set than clear.
    ones.iter().enumerate().fold(
        0u128,
        |acc, (bit, &n)| if n * 2 > total { acc | 1 << bit } else { acc },
    )
}

/// Version of the fingerprint function. Stored fingerprints are only comparable with new
/// ones of the same version, so the start-up maintenance recomputes them when this changes
/// (`app::maintenance`). Version 2 hashes each word with `word_hash`.
pub const VERSION: u32 = 2;

/// The multiplier of [`word_hash`]: odd, so multiplying by it is a bijection, with its bits
/// spread (the 64-bit golden ratio).
const WORD_K: u64 = 0x9e37_79b9_7f4a_7c15;

/// The per-word hash: the word, zero-padded to a multiple of 8 bytes and to at least 16, read
/// as little-endian u64 chunks, each XORed into the state and multiplied by [`WORD_K`]; the
/// state starts from the length, and its high half is folded into the low at the end.
///
/// One multiply per 8 bytes where FNV-1a (version 1) took one per byte, and a word of up to
/// 16 bytes (eight Arabic letters, most words) takes exactly two, with no branch on its
/// length. Not a general-purpose hash: the shingle hash mixes it again ([`mix`]), so it only
/// needs different words to give different values, which the bijective steps make
/// near-certain. This is the definition; [`word_hashes`] computes it faster.
#[cfg(test)]
fn word_hash(word: &[u8]) -> u64 {
    let mut padded = word.to_vec();
    padded.resize(word.len().next_multiple_of(8).max(16), 0);
    let start = (word.len() as u64).wrapping_mul(WORD_K) ^ FNV_OFFSET;
    let h = padded.chunks(8).fold(start, |h, c| {
        (h ^ u64::from_le_bytes(c.try_into().expect("8 bytes"))).wrapping_mul(WORD_K)
    });
    h ^ h >> 32
}

/// The 8 bytes of `b` from `at`, little-endian, as zeros past its end.
#[inline(always)]
fn load(b: &[u8], at: usize) -> u64 {
    first8(b.get(at..).unwrap_or_default())
}

/// [`word_hash`] of the word `b[start..end]`, reading the text in place: the chunks are
/// loaded whole and the bytes past the word masked off.
#[inline(always)]
fn word_hash_at(b: &[u8], start: usize, end: usize) -> u64 {
    let len = end - start;
    let mut h = (len as u64).wrapping_mul(WORD_K) ^ FNV_OFFSET;
    let (c0, c1) = read16_at(b, start);
    let c0 = c0 & LOW_BYTES[len.min(8)];
    let c1 = c1 & LOW_BYTES[len.saturating_sub(8).min(8)];
    h = (h ^ c0).wrapping_mul(WORD_K);
    h = (h ^ c1).wrapping_mul(WORD_K);
    let mut at = start + 16;
    while at < end {
        h = (h ^ (load(b, at) & LOW_BYTES[(end - at).min(8)])).wrapping_mul(WORD_K);
        at += 8;
    }
    h ^ h >> 32
}

/// Bit k set where byte k of `bytes` (at most 64) is a space.
///
/// A 0/1 byte per byte (one SIMD compare per 16), then each 8 of them gathered into 8 bits by
/// a multiply, which moves byte i's bit to bit 56 + i. Shifting each comparison into its
/// bit instead compiled to a scalar-ish shuffle per byte, and was most of SimHash's time.
#[inline(always)]
fn space_bits(bytes: &[u8]) -> u64 {
    let mut ones = [0u8; 64];
    for (o, &c) in ones.iter_mut().zip(bytes) {
        *o = u8::from(c == b' ');
    }
    let mut bits = 0u64;
    for (k, eight) in ones.chunks_exact(8).enumerate() {
        let eight = u64::from_le_bytes(eight.try_into().expect("8 bytes"));
        bits |= (eight.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    bits
}

/// [`word_hash`] of each word of `norm` (split at spaces, empty words skipped).
///
/// The spaces of each 64 bytes are found at once as a bit mask (byte compares the compiler
/// turns into SIMD), and the words are the gaps between set bits: no branch per byte, and
/// one per word: every stored item is fingerprinted, and a byte-at-a-time hash with a
/// branch on every byte cost noticeably more (figures in bench/README.md).
fn word_hashes(norm: &[u8]) -> Vec<u64> {
    let mut hashes = Vec::with_capacity(norm.len() / 6 + 1);
    let mut start = 0;
    for (block, bytes) in norm.chunks(64).enumerate() {
        let base = block * 64;
        let mut spaces = space_bits(bytes);
        while spaces != 0 {
            let at = base + spaces.trailing_zeros() as usize;
            spaces &= spaces - 1;
            if at > start {
                hashes.push(word_hash_at(norm, start, at));
            }
            start = at + 1;
        }
    }
    if norm.len() > start {
        hashes.push(word_hash_at(norm, start, norm.len()));
    }
    hashes
}

/// Byte → its 8 bits spread over the 8 bytes of a u64.
static SPREAD: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut k = 0;
        while k < 8 {
            if b >> k & 1 == 1 {
                t[b] |= 1 << (8 * k);
            }
            k += 1;
        }
        b += 1;
    }
    t
};

fn flush(lanes: &[u64; 16], ones: &mut [u32; 128]) {
    for (i, lane) in lanes.iter().enumerate() {
        for k in 0..8 {
            ones[i * 8 + k] += ((lane >> (8 * k)) & 0xff) as u32;
        }
    }
}

/// Number of differing bits.
#[inline]
pub fn distance(a: u128, b: u128) -> u32 {
    (a ^ b).count_ones()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_texts_have_identical_fingerprints_whatever_the_spelling() {
        assert_eq!(
            simhash("قوات حفتر تتقدم نحو طرابلس الليبية اليوم"),
            simhash("قوّات حفتر تتقدّم نحو طرابلس الليبيّة اليوم")
        );
        assert_eq!(simhash(""), 0);
    }

    #[test]
    fn space_bits_mark_the_spaces() {
        let text = "ليبيا طرابلس a  b ".repeat(5);
        for block in text.as_bytes().chunks(64) {
            let want = block
                .iter()
                .enumerate()
                .fold(0u64, |m, (k, &c)| m | u64::from(c == b' ') << k);
            assert_eq!(space_bits(block), want);
        }
        assert_eq!(space_bits(&[b' '; 64]), u64::MAX);
        assert_eq!(space_bits(b""), 0);
    }

    #[test]
    fn word_hashes_are_the_hash_of_each_word() {
        for s in [
            "",
            " ",
            "a",
            "a b",
            "  ليبيا  طرابلس x ",
            "abc def ghi jkl",
            "a bb ccc dddd eeeee f gg hhh  iiii jjjjjjjjjjjj k",
            "والاستراتيجيات الاستراتيجية ab abcdefgh abcdefghi abcdefghijklmnopq",
            &"ليبيا طرابلس حفتر ".repeat(9),
        ] {
            let want: Vec<u64> = s
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(|w| word_hash(w.as_bytes()))
                .collect();
            assert_eq!(word_hashes(s.as_bytes()), want, "{s:?}");
        }
    }

    #[test]
    fn fingerprints_stay_what_they_were_when_stored() {
        // Stored fingerprints are compared with new ones, so a faster implementation must
        // give the same bits, or come with a new VERSION (which makes the store recompute
        // them). Values of version 2; texts of one or two words kept version 1's.
        let seed = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/seed-article.txt"
        ))
        .unwrap();
        assert_eq!(simhash(&seed), 0x83fd7974f3433724a223cdfbe8ff42f4);
        assert_eq!(simhash("ليبيا"), 0x75c42ecf89bfb5330e18553ac9836529);
        assert_eq!(simhash("قوات حفتر"), 0xec97966dd92496363f84e966b846c03c);
        assert_eq!(
            simhash("قوات حفتر تتقدم نحو طرابلس"),
            0xe2eb3de1dfffda36ab3bcd48f57eed67
        );
        assert_eq!(
            simhash_normalized("  ab  c defghijklmnopqrstu v w xyz01234 5 "),
            0xdba72c1c58a27df061a58f84a7cade74
        );
    }

    proptest::proptest! {
        #[test]
        fn word_hashes_are_each_word_s_hash_on_generated_text(s in "[ab ليبي]{0,300}") {
            let want: Vec<u64> = s
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(|w| word_hash(w.as_bytes()))
                .collect();
            proptest::prop_assert_eq!(word_hashes(s.as_bytes()), want);
        }
    }

    #[test]
    fn fnv_is_the_published_function() {
        // Reference values of 64-bit FNV-1a.
        assert_eq!(fnv1a(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a(b"a"), 0xaf63dc4c8601ec8c);
    }
}
