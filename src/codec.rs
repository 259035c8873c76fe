//! The one module that calls bincode.
//!
//! Everything that needs bytes of a value (today the state digest; later the log) goes through
//! here, so the crate could be swapped for a bincode-compatible one in one place. The
//! configuration is little-endian with fixed-width integers: canonical (one encoding per value)
//! and fast to decode.

use serde::Serialize;
use sha2::{Digest, Sha256};

fn config() -> impl bincode::config::Config {
    bincode::config::standard()
        .with_little_endian()
        .with_fixed_int_encoding()
}

/// The canonical bytes of a value.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    bincode::serde::encode_to_vec(value, config()).expect("encoding to memory cannot fail")
}

/// SHA-256 over the canonical bytes, first 16 bytes as lowercase hex.
pub fn digest<T: Serialize>(value: &T) -> String {
    let hash = Sha256::digest(encode(value));
    hash[..16].iter().map(|b| format!("{b:02x}")).collect()
}
