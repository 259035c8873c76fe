//! The one module that calls bincode.
//!
//! Everything that needs bytes of a value (the state digest, log payloads, snapshots) goes
//! through here, so the crate could be swapped for a bincode-compatible one in one place.
//!
//! The configuration is little-endian with fixed-width integers. It is canonical (one encoding
//! per value, which the digest needs) and it decodes faster than varint: an integer is one
//! unaligned load instead of a tag byte and a branch. Measured on the 2-core development machine
//! (`cargo bench --bench replay -- codec`, docs/benchmarks.md), decoding generated event records
//! with fixed-width integers ran 1.12x faster than with varint, for 2x the bytes; the log
//! checksums and page-cache reads are cheap beside the decode, so speed wins.
//!
//! Decoding is bounded: every decode is limited to [`MAX_DECODE`] bytes of claimed
//! allocation, so a corrupt or hostile length prefix inside a payload is an error, never a huge
//! allocation or a panic.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

/// The most bytes one decode may claim (strings, vectors): the log's largest frame.
pub const MAX_DECODE: usize = 64 << 20;

use bincode::config::{Configuration, Fixint, LittleEndian, NoLimit};

fn config() -> Configuration<LittleEndian, Fixint, NoLimit> {
    bincode::config::standard()
        .with_little_endian()
        .with_fixed_int_encoding()
}

fn bounded() -> impl bincode::config::Config {
    config().with_limit::<MAX_DECODE>()
}

/// The canonical bytes of a value.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    bincode::serde::encode_to_vec(value, config()).expect("encoding to memory cannot fail")
}

/// Appends the canonical bytes of a value to `out`.
pub fn encode_into<T: Serialize>(value: &T, out: &mut Vec<u8>) {
    let bytes =
        bincode::serde::encode_to_vec(value, config()).expect("encoding to memory cannot fail");
    out.extend_from_slice(&bytes);
}

/// The compact bytes of a value: the same encoding with variable-width integers (one byte for
/// small ones). For what a log stores but a fold never reads (commands and their strings),
/// where size matters more than decoding speed.
pub fn encode_compact<T: Serialize>(value: &T) -> Vec<u8> {
    bincode::serde::encode_to_vec(value, compact()).expect("encoding to memory cannot fail")
}

/// Decodes one value written by [`encode_compact`], which must use every byte; bounded like
/// [`decode`].
pub fn decode_compact<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    let (value, used): (T, usize) =
        bincode::serde::decode_from_slice(bytes, compact().with_limit::<MAX_DECODE>())
            .map_err(|e| DecodeError(e.to_string()))?;
    if used != bytes.len() {
        return Err(DecodeError(format!(
            "{} trailing bytes after the value",
            bytes.len() - used
        )));
    }
    Ok(value)
}

fn compact() -> Configuration<LittleEndian, bincode::config::Varint, NoLimit> {
    bincode::config::standard().with_little_endian()
}

/// Why bytes did not decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Decodes one value from the front of `bytes`; returns it and the bytes it used.
pub fn decode_prefix<T: DeserializeOwned>(bytes: &[u8]) -> Result<(T, usize), DecodeError> {
    bincode::serde::decode_from_slice(bytes, bounded()).map_err(|e| DecodeError(e.to_string()))
}

/// Decodes one value that must use every byte of `bytes`.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    let (value, used) = decode_prefix(bytes)?;
    if used != bytes.len() {
        return Err(DecodeError(format!(
            "{} trailing bytes after the value",
            bytes.len() - used
        )));
    }
    Ok(value)
}

/// SHA-256 over the canonical bytes, first 16 bytes as lowercase hex.
pub fn digest<T: Serialize>(value: &T) -> String {
    let hash = Sha256::digest(encode(value));
    hash[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_trailing_bytes() {
        let v = (7u32, String::from("nato"), vec![1u64, 2, 3]);
        let bytes = encode(&v);
        assert_eq!(decode::<(u32, String, Vec<u64>)>(&bytes).unwrap(), v);
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode::<(u32, String, Vec<u64>)>(&longer).is_err());
    }

    #[test]
    fn hostile_lengths_are_errors_not_allocations() {
        // A string claiming 2^62 bytes, and a vector claiming 2^40 elements.
        let mut s = (1u64 << 62).to_le_bytes().to_vec();
        s.extend_from_slice(b"abc");
        assert!(decode::<String>(&s).is_err());
        let v = (1u64 << 40).to_le_bytes().to_vec();
        assert!(decode::<Vec<u64>>(&v).is_err());
        let v = (1u64 << 40).to_le_bytes().to_vec();
        assert!(decode::<Vec<String>>(&v).is_err());
    }
}

/// The same values with varint integers, for the benchmark that justifies fixed-width ones
/// (`cargo bench --bench replay -- codec`). Nothing stored uses this.
#[doc(hidden)]
pub mod varint {
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
        bincode::serde::encode_to_vec(value, bincode::config::standard())
            .expect("encoding to memory cannot fail")
    }

    pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, super::DecodeError> {
        bincode::serde::decode_from_slice(bytes, bincode::config::standard())
            .map(|(v, _)| v)
            .map_err(|e| super::DecodeError(e.to_string()))
    }
}
