//! Little-endian word loads shared by the passes that read text 8 bytes at a time (story
//! fingerprints here, the tagger's index).

/// The first 8 bytes of `b` (fewer when shorter, zero-padded), little-endian.
#[inline]
pub fn first8(b: &[u8]) -> u64 {
    match b.get(..8) {
        Some(head) => u64::from_le_bytes(head.try_into().expect("8 bytes")),
        None => {
            let mut buf = [0u8; 8];
            buf[..b.len()].copy_from_slice(b);
            u64::from_le_bytes(buf)
        }
    }
}

/// `LOW_BYTES[n]` keeps the first `n` (≤ 8) bytes of a [`first8`] value: a table, one load
/// instead of a shift that needs a check for 0.
pub const LOW_BYTES: [u64; 9] = {
    let mut m = [0u64; 9];
    let mut n = 1;
    while n <= 8 {
        m[n] = u64::MAX >> (64 - 8 * n);
        n += 1;
    }
    m
};

/// The 16 bytes of `b` from `i` (fewer at the end, zero-padded) as two little-endian
/// halves: one bounds check for both.
#[inline(always)]
pub fn read16_at(b: &[u8], i: usize) -> (u64, u64) {
    match b.get(i..i + 16) {
        Some(v) => (
            u64::from_le_bytes(v[..8].try_into().expect("8 bytes")),
            u64::from_le_bytes(v[8..].try_into().expect("8 bytes")),
        ),
        None => (read8_tail(b, i), read8_tail(b, i + 8)),
    }
}

/// The 8 bytes of `b` from `i` near its end, zero-padded: out of line, so that the word
/// loop's registers do not have to survive a copy it almost never makes (inlined, that
/// copy's spills cost a tenth of tagging time).
#[cold]
#[inline(never)]
fn read8_tail(b: &[u8], i: usize) -> u64 {
    first8(b.get(i..).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_pad_with_zeros_and_masks_keep_low_bytes() {
        assert_eq!(first8(b"abcdefghij"), u64::from_le_bytes(*b"abcdefgh"));
        assert_eq!(first8(b"ab"), 0x6261);
        assert_eq!(first8(b""), 0);
        assert_eq!(LOW_BYTES[0], 0);
        assert_eq!(LOW_BYTES[3], 0xff_ffff);
        assert_eq!(LOW_BYTES[8], u64::MAX);
        let b = b"0123456789abcdefXY";
        for i in 0..=b.len() {
            let tail = &b[i.min(b.len())..];
            let want = (first8(tail), first8(tail.get(8..).unwrap_or_default()));
            assert_eq!(read16_at(b, i), want, "{i}");
        }
    }
}
