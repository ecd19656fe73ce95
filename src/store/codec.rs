//! How values become stored keys: the content hash that tells a changed item from an
//! unchanged one, and the two integer halves a fingerprint is stored as. Written out byte
//! by byte: a stored value must not depend on `Debug` output, which Rust does not promise
//! to keep.

use crate::model::{CleanEntry, stable_hash128};

/// Version of [`content_hash`]'s encoding, recorded in `meta` under
/// [`CONTENT_HASH_VERSION_KEY`]. Version 1 (no record) hashed `Debug` output of the
/// optional fields; stored hashes of another version are recomputed when the store opens.
pub(super) const CONTENT_HASH_VERSION: &str = "2";

/// The `meta` key of [`CONTENT_HASH_VERSION`].
pub(super) const CONTENT_HASH_VERSION_KEY: &str = "content_hash_version";

/// The fields of an item a reader sees, as stored; a change in any of them is an update.
pub(super) struct Visible<'a> {
    pub title: &'a str,
    pub content_html: &'a str,
    pub summary: &'a str,
    pub url: Option<&'a str>,
    pub author: Option<&'a str>,
    /// The update date, in unix seconds (as stored).
    pub updated: Option<i64>,
}

impl<'a> Visible<'a> {
    pub fn of(e: &'a CleanEntry) -> Visible<'a> {
        Visible {
            title: &e.title,
            content_html: &e.content_html,
            summary: &e.summary,
            url: e.url.as_deref(),
            author: e.author.as_deref(),
            updated: e.updated.map(|d| d.timestamp()),
        }
    }
}

/// An exact hash of what a reader sees (a locality-sensitive one such as SimHash gives
/// near-identical texts the same value, so a one-word correction could go unnoticed), as
/// 32 hex digits. Each field is written as a tag byte (0: absent, 1: present) and, when
/// present, its length (8 bytes, little-endian) and bytes: no two different items encode
/// alike, whatever their text holds.
pub(super) fn content_hash(v: &Visible<'_>) -> String {
    let updated = v.updated.map(i64::to_le_bytes);
    let fields: [Option<&[u8]>; 6] = [
        Some(v.title.as_bytes()),
        Some(v.content_html.as_bytes()),
        Some(v.summary.as_bytes()),
        v.url.map(str::as_bytes),
        v.author.map(str::as_bytes),
        updated.as_ref().map(|b| &b[..]),
    ];
    let len: usize = fields.iter().map(|f| 9 + f.map_or(0, <[u8]>::len)).sum();
    let mut key = Vec::with_capacity(len);
    for f in fields {
        match f {
            None => key.push(0),
            Some(b) => {
                key.push(1);
                key.extend_from_slice(&(b.len() as u64).to_le_bytes());
                key.extend_from_slice(b);
            }
        }
    }
    format!("{:032x}", stable_hash128(&key))
}

/// Splits a fingerprint into the two signed integers SQLite stores (low half first).
pub(super) fn to_parts(fp: u128) -> (i64, i64) {
    (fp as u64 as i64, (fp >> 64) as u64 as i64)
}

/// Joins the two stored integers back into a fingerprint.
pub(super) fn from_parts(lo: i64, hi: i64) -> u128 {
    u128::from(lo as u64) | u128::from(hi as u64) << 64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visible() -> Visible<'static> {
        Visible {
            title: "خبر",
            content_html: "<p>نص</p>",
            summary: "نص",
            url: Some("https://a.test/1"),
            author: None,
            updated: Some(1_764_000_000),
        }
    }

    #[test]
    fn the_content_hash_is_fixed_by_its_encoding() {
        // The value is stored: it must not change between builds (or a stored item would
        // look changed); a new encoding comes with a new CONTENT_HASH_VERSION.
        assert_eq!(content_hash(&visible()), "15773bf8d5a16b2e243c782aea23cba2");
    }

    #[test]
    fn every_field_and_its_absence_count() {
        let base = content_hash(&visible());
        let changes: [fn(&mut Visible<'static>); 8] = [
            |v| v.title = "خبر ",
            |v| v.content_html = "<p>نص آخر</p>",
            |v| v.summary = "",
            |v| v.url = None,
            |v| v.url = Some(""),
            |v| v.author = Some(""),
            |v| v.updated = None,
            |v| v.updated = Some(1_764_000_001),
        ];
        let mut seen = vec![base.clone()];
        for change in changes {
            let mut v = visible();
            change(&mut v);
            let h = content_hash(&v);
            assert!(!seen.contains(&h), "{h} repeats");
            seen.push(h);
        }
        // Text moved from one field to the next is a change too.
        let mut a = visible();
        (a.title, a.content_html) = ("خبر<p>", "نص</p>");
        assert_ne!(content_hash(&a), base);
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
        assert_eq!(to_parts(u128::MAX), (-1, -1));
        assert_eq!(to_parts(1u128 << 64), (0, 1));
    }
}
