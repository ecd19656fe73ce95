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

use super::arabic::normalize_words;

/// Two fingerprints at most this many bits apart (of 128) are the same story.
///
/// 128 bits rather than 64: with 64 bits, unrelated stories sit at 32 ± 4 bits, so a
/// threshold loose enough for a copy with two paragraphs cut (12 bits) would also merge about
/// 3 in 10 million random pairs, which a busy day (15,000 items in the window) reaches. At 128
/// bits unrelated stories sit at 64 ± 5.7 and the same margin is ~7 standard deviations.
///
/// Measured by `cargo test --test dedup -- --nocapture dedup_threshold` (see README): the
/// seed story republished with a new title, an extra paragraph and an edited sentence is 18
/// bits away, the same story with a new title and its last two paragraphs cut 21; of 20,506
/// pairs of different stories (the long fixtures and the labeled topic corpus, many on the
/// same subject) the closest is 43 bits apart and 99.9% are 46 or more. 28 keeps a margin
/// of 7 above the copies and 15 below the closest different pair.
pub const SAME_STORY_MAX_DISTANCE: u32 = 28;

/// 64-bit FNV-1a: the per-word hash. Byte at a time, which is the fastest choice for
/// words of a few letters (SipHash's rounds cost more than the word), and its values are
/// fixed by its published definition, so stored fingerprints stay comparable.
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
    // Bit counting in SIMD-within-a-register style: each input byte indexes a table whose
    // u64 holds its 8 bits in 8 byte lanes, so one add counts 8 bits. Lanes are flushed into
    // wide counters before they can overflow (every 255 shingles).
    let mut ones = [0u32; 128];
    let mut lanes = [0u64; 16];
    let mut in_lanes = 0u32;
    let mut total = 0u32;
    let mut add = |lo: u64| {
        // The hash's 16 bytes, low half first: byte i of the 128-bit value (taken from a
        // byte array rather than by shifting a u128, which cost two shifts per byte).
        let bytes = (u128::from(lo) | u128::from(mix(lo)) << 64).to_le_bytes();
        for (lane, &b) in lanes.iter_mut().zip(&bytes) {
            *lane += SPREAD[usize::from(b)];
        }
        in_lanes += 1;
        total += 1;
        if in_lanes == 255 {
            flush(&mut lanes, &mut ones);
            in_lanes = 0;
        }
    };
    // Each word is hashed once; a shingle's hash combines its three word hashes, rotated
    // by position so that word order counts ("a b c" ≠ "c b a"), then mixed.
    let words = word_hashes(norm.as_bytes());
    match words[..] {
        [] => return 0,
        [_] | [_, _] => add(fnv1a(norm.as_bytes())),
        _ => {
            for w in words.windows(3) {
                add(mix(w[0] ^ w[1].rotate_left(21) ^ w[2].rotate_left(42)));
            }
        }
    }
    flush(&mut lanes, &mut ones);
    // A bit is set when more shingles have it set than clear.
    ones.iter().enumerate().fold(
        0u128,
        |acc, (bit, &n)| if n * 2 > total { acc | 1 << bit } else { acc },
    )
}

/// [`fnv1a`] of each word of `norm` (split at spaces, empty words skipped), hashing while
/// it looks for the spaces: one pass over the bytes instead of a search per word and a
/// second pass to hash it.
///
/// FNV-1a is a chain of dependent multiplies, one per byte. Two ways of running chains
/// side by side were tried and were slower on the seed body (8.0 µs for the whole SimHash
/// this way): four words at once, byte by byte across the four with a select for the
/// shorter ones (9.4–11.2 µs: a group runs as long as its longest word), and the two halves
/// of the text in lock step without a branch (10.4 µs): the selects, index clamps and
/// stores cost more than the latency they hide.
fn word_hashes(norm: &[u8]) -> Vec<u64> {
    let mut hashes = Vec::with_capacity(norm.len() / 6 + 1);
    let mut i = 0;
    loop {
        while norm.get(i) == Some(&b' ') {
            i += 1;
        }
        if i == norm.len() {
            return hashes;
        }
        let mut h = FNV_OFFSET;
        while let Some(&b) = norm.get(i).filter(|&&b| b != b' ') {
            h ^= u64::from(b);
            h = h.wrapping_mul(FNV_PRIME);
            i += 1;
        }
        hashes.push(h);
    }
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

fn flush(lanes: &mut [u64; 16], ones: &mut [u32; 128]) {
    for (i, lane) in lanes.iter_mut().enumerate() {
        for k in 0..8 {
            ones[i * 8 + k] += ((*lane >> (8 * k)) & 0xff) as u32;
        }
        *lane = 0;
    }
}

/// Number of differing bits.
#[inline]
pub fn distance(a: u128, b: u128) -> u32 {
    (a ^ b).count_ones()
}

/// Splits a fingerprint into the two signed integers SQLite stores.
pub fn to_parts(fp: u128) -> (i64, i64) {
    (fp as u64 as i64, (fp >> 64) as u64 as i64)
}

/// Joins the two stored integers back into a fingerprint.
pub fn from_parts(lo: i64, hi: i64) -> u128 {
    u128::from(lo as u64) | u128::from(hi as u64) << 64
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
    fn parts_round_trip() {
        for fp in [
            0u128,
            1,
            u128::MAX,
            0x8000_0000_0000_0000_ffff_0000_1234_5678,
        ] {
            let (lo, hi) = to_parts(fp);
            assert_eq!(from_parts(lo, hi), fp);
        }
    }

    #[test]
    fn word_hashes_are_the_fnv_of_each_word() {
        for s in [
            "",
            " ",
            "a",
            "a b",
            "  ليبيا  طرابلس x ",
            "abc def ghi jkl",
            "a bb ccc dddd eeeee f gg hhh  iiii jjjjjjjjjjjj k",
        ] {
            let want: Vec<u64> = s
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(|w| fnv1a(w.as_bytes()))
                .collect();
            assert_eq!(word_hashes(s.as_bytes()), want, "{s:?}");
        }
    }

    #[test]
    fn fingerprints_stay_what_they_were_when_stored() {
        // Stored fingerprints are compared with new ones, so a faster implementation must
        // give the same bits. Values from the first implementation (byte-at-a-time word
        // hashes, one shingle at a time).
        let seed = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/seed-article.txt"
        ))
        .unwrap();
        assert_eq!(simhash(&seed), 0x1f86f47e4810efd4f8e0f8ed43bf52ef);
        assert_eq!(simhash("ليبيا"), 0x75c42ecf89bfb5330e18553ac9836529);
        assert_eq!(simhash("قوات حفتر"), 0xec97966dd92496363f84e966b846c03c);
        assert_eq!(
            simhash("قوات حفتر تتقدم نحو طرابلس"),
            0x15266cc79cefafe158bec1311c86360a
        );
        assert_eq!(
            simhash_normalized("  ab  c defghijklmnopqrstu v w xyz01234 5 "),
            0x70b2df88f4954cf4103e92c18493dac3
        );
    }

    proptest::proptest! {
        #[test]
        fn word_hashes_are_each_word_s_fnv_on_generated_text(s in "[ab ليبي]{0,120}") {
            let want: Vec<u64> = s
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(|w| fnv1a(w.as_bytes()))
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
