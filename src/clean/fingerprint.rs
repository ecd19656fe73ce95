//! Story fingerprints: SimHash over word 3-shingles of the normalized text.
//!
//! Why SimHash and not MinHash: one `u64` per item fits an SQLite integer column and compares
//! with one XOR and popcount, so grouping a new item against a few days of stored items is a
//! linear scan of integers with no extra tables. MinHash estimates Jaccard similarity more
//! precisely, but needs ~100 hashes per item and banding tables to be fast. Wire stories that
//! are republished with small edits (a new title, a paragraph added or cut) keep most of their
//! shingles, which is exactly the case SimHash separates well.
//!
//! Threshold: see [`SAME_STORY_MAX_DISTANCE`], measured on `tests/fixtures/dedup/`.

use super::arabic::normalize_words;

/// Two fingerprints at most this many bits apart are the same story.
///
/// Measured (tests/dedup.rs, `dedup_threshold_report`): republished copies of the same story
/// with a changed title and one paragraph added or removed land at 2–9 bits; different
/// stories, even on the same subject and day, at 18 bits or more. 12 sits between the two
/// groups with a margin on each side.
pub const SAME_STORY_MAX_DISTANCE: u32 = 12;

/// A stable 64-bit FNV-1a hash. Written here because the fingerprint is stored in the
/// database: it must never change between builds or crate versions, which `std`'s hasher
/// does not promise.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// SimHash of text (normalized inside). Empty text gives 0.
pub fn simhash(text: &str) -> u64 {
    let norm = normalize_words(text);
    simhash_normalized(&norm)
}

/// SimHash of text already passed through [`normalize_words`].
pub fn simhash_normalized(norm: &str) -> u64 {
    let words: Vec<&str> = norm.split(' ').filter(|w| !w.is_empty()).collect();
    if words.is_empty() {
        return 0;
    }
    let mut counts = [0i32; 64];
    let mut add = |h: u64| {
        for (bit, c) in counts.iter_mut().enumerate() {
            if h >> bit & 1 == 1 {
                *c += 1;
            } else {
                *c -= 1;
            }
        }
    };
    if words.len() < 3 {
        add(fnv1a(norm.as_bytes()));
    } else {
        let mut buf = Vec::with_capacity(64);
        for w in words.windows(3) {
            buf.clear();
            buf.extend_from_slice(w[0].as_bytes());
            buf.push(b' ');
            buf.extend_from_slice(w[1].as_bytes());
            buf.push(b' ');
            buf.extend_from_slice(w[2].as_bytes());
            add(fnv1a(&buf));
        }
    }
    counts.iter().enumerate().fold(
        0u64,
        |acc, (bit, &c)| if c > 0 { acc | 1 << bit } else { acc },
    )
}

/// Number of differing bits.
pub fn distance(a: u64, b: u64) -> u32 {
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
    fn fnv_is_the_published_function() {
        // Reference values of 64-bit FNV-1a.
        assert_eq!(fnv1a(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a(b"a"), 0xaf63dc4c8601ec8c);
    }
}
