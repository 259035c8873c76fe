//! The durable event log: an append-only file that never loses an acknowledged event and never
//! silently skips a damaged one.
//!
//! A log starts with a genesis frame (the scenario's header, cast, starting state and the rules
//! version its facts were decided with), then event frames, each a batch of one or more
//! commands with consecutive sequence numbers and the facts each caused (the log numbers
//! events from 1; sequence `n` is the core's `Seq(n - 1)`). Only [`format`] knows the bytes of
//! frames; [`schema`] knows the versioned payloads, made of the log's own frozen [`wire`] types
//! and [`facts`]; everything bincode goes through [`crate::codec`]. docs/log-format.md
//! documents the file to the byte.
//!
//! - [`Log`] ([`reader`]) reads a log without locking it (readers never block): it indexes the
//!   frames from their headers, reads a frame's body only when asked, checks its checksum then,
//!   and folds stored facts without deciding anything (the trusted replay). [`verify`]
//!   re-decides every command and compares the facts (the verified replay).
//! - [`Writer`] ([`writer`]) is the one writer: it holds an exclusive lock on the file, recovers
//!   a torn tail on open (saving the cut bytes beside the log), decides every append with the
//!   core, stores the facts, honours an expected last sequence, and fsyncs before
//!   acknowledging.
//! - Snapshots ([`snapshot`]) of the state every K events sit beside the log and are used only
//!   when their prefix fingerprint matches the log they are used with.
//! - [`tail::Follow`] yields events as other processes append them (tokio).

pub mod check;
pub mod facts;
pub mod filter;
pub mod format;
pub mod reader;
pub mod schema;
pub mod snapshot;
pub mod tail;
pub mod verify;
pub mod wire;
pub mod writer;

pub use reader::{EventsFrame, Log, Upto};
pub use writer::{AppendError, BATCH, Durability, NewEvent, Recovered, Writer, WriterOptions};

use sha2::{Digest, Sha256};
use std::fs::File;
use std::path::{Path, PathBuf};

/// How a log ends after its last whole frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogEnd {
    /// Exactly at the end of the file.
    Clean,
    /// An unfinished frame follows (a crash mid-append, or an append in progress): ignored by
    /// readers, cut by the next writer.
    Torn {
        offset: u64,
        bytes: u64,
        why: String,
    },
    /// A frame that cannot be read and is followed by more bytes: reading stops before it.
    Damaged { offset: u64, why: String },
}

/// Why a log could not be read or written.
#[derive(Debug)]
pub enum LogError {
    Io {
        path: PathBuf,
        doing: &'static str,
        error: std::io::Error,
    },
    /// The file is not a log, or its header or genesis frame cannot be read.
    NotALog { path: PathBuf, why: String },
    /// Damage before the end: reading stopped at `offset`, after sequence `last_good`.
    /// ([`Log::affected`] tells how many acknowledged events that makes unreadable.)
    Damaged {
        path: PathBuf,
        offset: u64,
        last_good: u64,
        why: String,
    },
    /// Something beside the log proves it held more acknowledged events than it does (or other
    /// ones): its acknowledgement record, or a snapshot past its end. `missing` acknowledged
    /// events are not in the log as they were acknowledged.
    Shortened {
        path: PathBuf,
        holds: u64,
        missing: u64,
        evidence: PathBuf,
        why: String,
    },
    /// Another process holds the writer's lock.
    Locked { path: PathBuf },
    /// `create` was asked to write over an existing file.
    Exists { path: PathBuf },
    /// The log must be upgraded before this build appends to it.
    Outdated { path: PathBuf, why: String },
    /// The file at the log's path is no longer the one this writer locked (renamed over,
    /// imported again): writing to it would write to a file no one reads.
    Replaced { path: PathBuf, why: String },
}

impl std::fmt::Display for LogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LogError::Io { path, doing, error } => {
                write!(f, "{}: {doing}: {error}", path.display())
            }
            LogError::NotALog { path, why } => write!(f, "{}: {why}", path.display()),
            LogError::Damaged {
                path,
                offset,
                last_good,
                why,
            } => write!(
                f,
                "{}: damaged frame at byte {offset}: {why}; the last good event is sequence {last_good}, nothing after it was read",
                path.display()
            ),
            LogError::Shortened {
                path,
                holds,
                missing,
                evidence,
                why,
            } => write!(
                f,
                "{}: {why}: {missing} acknowledged event(s) are missing or not as acknowledged (the log holds {holds}); restore the log from a copy, or if it was replaced on purpose remove {}",
                path.display(),
                evidence.display()
            ),
            LogError::Locked { path } => write!(
                f,
                "{}: another process is writing to this log (it holds the lock); try again when it is done",
                path.display()
            ),
            LogError::Outdated { path, why } => write!(
                f,
                "{}: {why}; run `demarche log upgrade {}` to rewrite it with this build's facts before appending",
                path.display(),
                path.display()
            ),
            LogError::Replaced { path, why } => write!(
                f,
                "{}: the log was replaced by another file {why}; nothing was acknowledged: read the log again and decide anew",
                path.display()
            ),
            LogError::Exists { path } => write!(
                f,
                "{}: the file already exists; a log is never overwritten (remove it first, or choose another name)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for LogError {}

/// How many acknowledged events lie past the last good sequence, in words.
pub fn affected(last_good: u64, acknowledged: Option<u64>) -> String {
    match acknowledged {
        Some(a) if a > last_good => format!(
            "{} acknowledged event(s) after it cannot be read (sequences {}..={a}, by the log's acknowledgement record)",
            a - last_good,
            last_good + 1
        ),
        Some(a) => format!(
            "no acknowledged event is lost (the acknowledgement record names sequence {a} as the last acknowledged)"
        ),
        None => "how many acknowledged events follow is not known (the log has no acknowledgement record)".into(),
    }
}

pub(crate) fn io<'a>(
    path: &'a Path,
    doing: &'static str,
) -> impl FnOnce(std::io::Error) -> LogError + 'a {
    move |error| LogError::Io {
        path: path.to_path_buf(),
        doing,
        error,
    }
}

/// The running fingerprint of a log prefix: SHA-256 over the header bytes, then over each
/// frame's stored length and body checksum. A snapshot records it, so that a snapshot of a
/// different or rewritten log is never used.
#[derive(Clone)]
pub struct Fingerprint(Sha256);

impl Fingerprint {
    pub(crate) fn new(header: &[u8]) -> Fingerprint {
        let mut h = Sha256::new();
        h.update(header);
        Fingerprint(h)
    }

    pub(crate) fn add(&mut self, len: u32, crc: u32) {
        self.0.update(len.to_le_bytes());
        self.0.update(crc.to_le_bytes());
    }

    pub fn value(&self) -> [u8; 32] {
        self.0.clone().finalize().into()
    }
}

/// The build tag snapshots carry: a snapshot is only read by the build that wrote it.
pub fn build_tag() -> [u8; 16] {
    let mut tag = [0u8; 16];
    let s = format!("{}/s{}", env!("CARGO_PKG_VERSION"), snapshot::STATE_LAYOUT);
    let n = s.len().min(16);
    tag[..n].copy_from_slice(&s.as_bytes()[..n]);
    tag
}

/// The writer's acknowledgement record beside a log.
pub fn ack_path(log: &Path) -> PathBuf {
    PathBuf::from(format!("{}.ack", log.display()))
}

pub(crate) fn sync_dir(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}
