//! The filter of a frame's event ids: a Bloom filter, so that a writer can tell which frames
//! may hold an id (to refuse a duplicate, or find an event a new one answers) from a bit over a
//! byte per event, without reading every frame's ids.
//!
//! Frozen layout: `ceil(10 * n / 8)` bytes for `n` ids (at least 1), bit `i` of the filter in
//! byte `i / 8`, bit `i % 8`. An id sets 4 bits: with `h1`, `h2` the two halves of the 64-bit
//! FNV-1a hash of its UTF-8 bytes (low half first), bit `(h1 + k * h2) mod m` for k = 0..4,
//! `m` the filter's size in bits. False positives about 1 in 80; never a false negative.

/// Bits per id.
const BITS: usize = 10;
const PROBES: u64 = 4;

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn bits(id: &str, m: u64) -> impl Iterator<Item = u64> {
    let h = fnv1a(id.as_bytes());
    let (h1, h2) = (h & 0xffff_ffff, h >> 32);
    (0..PROBES).map(move |k| (h1 + k * h2) % m)
}

/// The filter of `ids`.
pub fn build(ids: &[&str]) -> Vec<u8> {
    let mut f = vec![0u8; (BITS * ids.len()).div_ceil(8).max(1)];
    let m = f.len() as u64 * 8;
    for id in ids {
        for b in bits(id, m) {
            f[(b / 8) as usize] |= 1 << (b % 8);
        }
    }
    f
}

/// False when `id` is certainly not among the ids of `filter`.
pub fn may_contain(filter: &[u8], id: &str) -> bool {
    if filter.is_empty() {
        return true;
    }
    let m = filter.len() as u64 * 8;
    bits(id, m).all(|b| filter[(b / 8) as usize] & (1 << (b % 8)) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_is_found_and_few_others_are() {
        let ids: Vec<String> = (0..1024).map(|i| format!("event-{i}")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let f = build(&refs);
        assert_eq!(f.len(), 1280);
        assert!(refs.iter().all(|id| may_contain(&f, id)));
        let false_positives = (0..10_000)
            .filter(|i| may_contain(&f, &format!("other-{i}")))
            .count();
        assert!(false_positives < 400, "{false_positives} of 10,000");
    }

    #[test]
    fn the_layout_is_frozen() {
        // Any change to the hash, the probes or the size changes these bytes: old logs'
        // filters would then hide ids they hold.
        // FNV-1a's published value for "a", then this one's.
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"nato-expels-8-2021"), 0xeb37_fc62_82fe_605e);
        assert_eq!(build(&["a", "b"]), vec![0x12, 0x20, 0x01]);
    }
}
