//! The durable event log: an append-only file that never loses an acknowledged event and never
//! silently skips a damaged one.
//!
//! A log starts with a genesis frame (the scenario's header, cast and starting state), then
//! event frames, each a batch of one or more events with consecutive sequence numbers (the log
//! numbers events from 1; sequence `n` is the core's `Seq(n - 1)`). Only [`format`] knows the
//! bytes; [`schema`] knows the versioned payloads; everything bincode goes through
//! [`crate::codec`]. docs/log-format.md documents the file to the byte.
//!
//! - [`Log::open`] reads a log without locking it (readers never block): it checks every
//!   frame's checksum, reports a torn tail (ignored) or a damaged frame (where reading stops).
//! - [`Writer`] is the one writer: it holds an exclusive lock on the file, recovers a torn tail
//!   on open (saving the cut bytes beside the log), checks every append with the core's decide
//!   step, honours an expected last sequence, and fsyncs before acknowledging.
//! - Snapshots ([`snapshot`]) of the state every K events sit beside the log and are used only
//!   when their prefix fingerprint matches the log they are used with.
//! - [`tail::Follow`] yields events as other processes append them (tokio).

pub mod format;
pub mod schema;
pub mod snapshot;
pub mod tail;
pub mod wire;

use crate::codec;
use crate::core::{Engine, Event, Reason, State};
use crate::scenario::{EventMeta, Scenario};
use format::{EventsHeader, FrameKind, Next};
use schema::{Genesis, Record};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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
    Damaged {
        path: PathBuf,
        offset: u64,
        last_good: u64,
        why: String,
    },
    /// Another process holds the writer's lock.
    Locked { path: PathBuf },
    /// `create` was asked to write over an existing file.
    Exists { path: PathBuf },
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
            LogError::Locked { path } => write!(
                f,
                "{}: another process is writing to this log (it holds the lock); try again when it is done",
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

fn io<'a>(path: &'a Path, doing: &'static str) -> impl FnOnce(std::io::Error) -> LogError + 'a {
    move |error| LogError::Io {
        path: path.to_path_buf(),
        doing,
        error,
    }
}

/// Reads an events frame's header, checks it starts at sequence `next_seq` and holds events,
/// and decodes the strings it adds to the table. Returns the header, those strings and the
/// records' bytes. Readers of whole logs and followers share it.
pub(crate) fn open_events(
    payload: &[u8],
    next_seq: u64,
) -> Result<(EventsHeader, Vec<String>, &[u8]), String> {
    let (header, strings, records) = EventsHeader::read(payload)?;
    if header.first_seq != next_seq {
        return Err(format!(
            "the frame starts at sequence {} where {next_seq} was expected",
            header.first_seq
        ));
    }
    if header.count == 0 {
        return Err("an events frame with no events".into());
    }
    let new: Vec<String> =
        codec::decode(strings).map_err(|e| format!("its strings do not decode: {e}"))?;
    Ok((header, new, records))
}

/// Decodes the records of an events frame (any schema, upcast to the current one), checking
/// their number against the header and that every string they name is among the `strings`
/// the table holds.
pub(crate) fn decode_events(
    header: &EventsHeader,
    records: &[u8],
    strings: usize,
) -> Result<Vec<Record>, String> {
    let records = schema::decode_records(header.schema, records)
        .map_err(|e| format!("its events do not decode: {e}"))?;
    if records.len() != header.count as usize {
        return Err(format!(
            "the frame declares {} events and holds {}",
            header.count,
            records.len()
        ));
    }
    let n = strings as u32;
    for r in &records {
        let optional = [r.summary, r.note].into_iter().flatten();
        if r.id >= n || r.source >= n || optional.into_iter().any(|s| s >= n) {
            return Err("an event names a string the log does not hold".into());
        }
    }
    Ok(records)
}

/// An events frame found in a log.
#[derive(Clone, Debug)]
pub struct EventsFrame {
    pub offset: u64,
    pub end: u64,
    pub header: EventsHeader,
    /// The frame's stored length and body checksum (what the prefix fingerprint chains).
    pub len: u32,
    pub crc: u32,
}

/// The running fingerprint of a log prefix: SHA-256 over the header bytes, then over each
/// frame's stored length and body checksum. A snapshot records it, so that a snapshot of a
/// different or rewritten log is never used.
#[derive(Clone)]
pub struct Fingerprint(Sha256);

impl Fingerprint {
    fn new(header: &[u8]) -> Fingerprint {
        let mut h = Sha256::new();
        h.update(header);
        Fingerprint(h)
    }

    fn add(&mut self, len: u32, crc: u32) {
        self.0.update(len.to_le_bytes());
        self.0.update(crc.to_le_bytes());
    }

    pub fn value(&self) -> [u8; 32] {
        self.0.clone().finalize().into()
    }
}

/// A log read into memory: its genesis, string table and frame index. Records are decoded on
/// demand ([`Log::records`]).
pub struct Log {
    pub path: PathBuf,
    bytes: Vec<u8>,
    pub genesis: Genesis,
    pub frames: Vec<EventsFrame>,
    pub strings: Vec<String>,
    /// Events in whole, readable frames.
    pub count: u64,
    /// The byte after the last whole frame.
    pub end: u64,
    pub ending: LogEnd,
    /// Prefix fingerprints at the ends of frames that snapshots claim to cover.
    fingerprints: HashMap<u64, [u8; 32]>,
    /// The genesis frame's stored length and body checksum, first in the prefix fingerprint.
    pub genesis_frame: (u32, u32),
    /// The snapshot files beside the log when it was opened, oldest first (not yet checked).
    pub snapshots: Vec<(PathBuf, format::SnapshotHeader)>,
    fingerprint: Fingerprint,
}

impl Log {
    /// Reads and checks a whole log, without locking it.
    pub fn open(path: &Path) -> Result<Log, LogError> {
        let bytes = std::fs::read(path).map_err(io(path, "cannot read the log"))?;
        let snapshots = snapshot::list(path);
        let wanted: Vec<u64> = snapshots.iter().map(|(_, h)| h.offset).collect();
        let mut log = Log::from_bytes(path, bytes, &wanted)?;
        log.snapshots = snapshots;
        Ok(log)
    }

    /// True when the file at `path` starts like a log.
    pub fn is_log(path: &Path) -> bool {
        let mut magic = [0u8; 8];
        File::open(path)
            .and_then(|f| f.read_exact_at(&mut magic, 0))
            .is_ok_and(|()| format::looks_like_log(&magic))
    }

    fn from_bytes(path: &Path, bytes: Vec<u8>, wanted: &[u64]) -> Result<Log, LogError> {
        let not_a_log = |why: String| LogError::NotALog {
            path: path.to_path_buf(),
            why,
        };
        format::check_header(&bytes).map_err(not_a_log)?;
        let mut fingerprint = Fingerprint::new(&bytes[..format::HEADER_LEN]);
        let genesis_frame = match format::next_frame(&bytes, format::HEADER_LEN) {
            Next::Frame(f) if f.kind == FrameKind::Genesis => f,
            Next::Frame(_) => {
                return Err(not_a_log("the first frame is not a genesis frame".into()));
            }
            Next::End => return Err(not_a_log("the log has no genesis frame".into())),
            Next::Torn(why) | Next::Damaged(why) => {
                return Err(not_a_log(format!(
                    "the genesis frame cannot be read: {why}"
                )));
            }
        };
        let genesis = schema::decode_genesis(genesis_frame.payload)
            .map_err(|e| not_a_log(format!("the genesis frame does not decode: {e}")))?;
        fingerprint.add(genesis_frame.len, genesis_frame.crc);
        let mut log = Log {
            path: path.to_path_buf(),
            genesis,
            frames: Vec::new(),
            strings: Vec::new(),
            count: 0,
            end: genesis_frame.end as u64,
            ending: LogEnd::Clean,
            fingerprints: HashMap::new(),
            genesis_frame: (genesis_frame.len, genesis_frame.crc),
            snapshots: Vec::new(),
            fingerprint,
            bytes: Vec::new(),
        };
        let mut at = genesis_frame.end;
        loop {
            match format::next_frame(&bytes, at) {
                Next::End => break,
                Next::Torn(why) => {
                    log.ending = LogEnd::Torn {
                        offset: at as u64,
                        bytes: (bytes.len() - at) as u64,
                        why,
                    };
                    break;
                }
                Next::Damaged(why) => {
                    log.ending = LogEnd::Damaged {
                        offset: at as u64,
                        why,
                    };
                    break;
                }
                Next::Frame(f) => {
                    if let Err(why) = log.index_frame(&f) {
                        log.ending = LogEnd::Damaged {
                            offset: at as u64,
                            why,
                        };
                        break;
                    }
                    at = f.end;
                    log.end = at as u64;
                    if wanted.contains(&log.end) {
                        log.fingerprints.insert(log.end, log.fingerprint.value());
                    }
                }
            }
        }
        log.bytes = bytes;
        Ok(log)
    }

    fn index_frame(&mut self, f: &format::Frame<'_>) -> Result<(), String> {
        if f.kind != FrameKind::Events {
            return Err("a second genesis frame".into());
        }
        let (header, new, _) = open_events(f.payload, self.count + 1)?;
        self.strings.extend(new);
        self.frames.push(EventsFrame {
            offset: f.offset as u64,
            end: f.end as u64,
            header,
            len: f.len,
            crc: f.crc,
        });
        self.count += u64::from(header.count);
        self.fingerprint.add(f.len, f.crc);
        Ok(())
    }

    /// The error for a damaged log, if it is damaged.
    pub fn damage(&self) -> Option<LogError> {
        match &self.ending {
            LogEnd::Damaged { offset, why } => Some(LogError::Damaged {
                path: self.path.clone(),
                offset: *offset,
                last_good: self.count,
                why: why.clone(),
            }),
            _ => None,
        }
    }

    /// The records of frame `i`, decoded.
    pub fn records(&self, i: usize) -> Result<Vec<Record>, LogError> {
        let f = &self.frames[i];
        let damaged = |why: String| LogError::Damaged {
            path: self.path.clone(),
            offset: f.offset,
            last_good: f.header.first_seq - 1,
            why,
        };
        let body = &self.bytes[f.offset as usize..f.end as usize];
        let payload = &body[format::FRAME_HEADER_LEN + 1..];
        let (h, _, records) = EventsHeader::read(payload).map_err(damaged)?;
        decode_events(&h, records, self.strings.len()).map_err(damaged)
    }

    /// The prefix fingerprint at byte `offset`, if it was computed (the ends of frames that
    /// snapshots on disk claim to cover, and the end of the log).
    pub fn fingerprint_at(&self, offset: u64) -> Option<[u8; 32]> {
        if offset == self.end {
            return Some(self.fingerprint.value());
        }
        self.fingerprints.get(&offset).copied()
    }

    /// The log as a scenario (events in sequence order, ids and sources from the string
    /// table), for replays and reports. Reads up to damage, if any; call [`Log::damage`] to
    /// report it.
    pub fn scenario(&self) -> Result<Scenario, LogError> {
        let g = &self.genesis;
        let mut events = Vec::with_capacity(self.count as usize);
        let mut meta = Vec::with_capacity(self.count as usize);
        for i in 0..self.frames.len() {
            for r in self.records(i)? {
                meta.push(EventMeta {
                    id: self.strings[r.id as usize].clone(),
                    span: 0..0,
                    source: self.strings[r.source as usize].clone(),
                    summary: r.summary.map(|s| self.strings[s as usize].clone()),
                    note: r.note.map(|s| self.strings[s as usize].clone()),
                });
                events.push(r.event);
            }
        }
        let end = g
            .end
            .filter(|e| events.last().is_none_or(|l: &Event| l.date <= *e));
        Ok(Scenario {
            name: self.path.display().to_string(),
            text: String::new(),
            title: g.title.clone(),
            summary: g.summary.clone(),
            sources: g.sources.clone(),
            start: g.start,
            end,
            world: g.world.clone(),
            initial: g.initial.clone(),
            events,
            meta,
        })
    }

    /// The frame index whose events end exactly at `count` events, if any.
    pub fn frame_ending_at(&self, count: u64) -> Option<usize> {
        self.frames
            .iter()
            .position(|f| f.header.first_seq - 1 + u64::from(f.header.count) == count)
    }
}

/// Whether an append waits for the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// fsync (fdatasync) before an append is acknowledged. The default.
    Fsync,
    /// No fsync per append: acknowledged appends may be lost by a crash of the machine (not of
    /// the process) until [`Writer::sync`] returns. For bulk loads.
    Batch,
}

/// How a writer opens a log.
#[derive(Clone, Copy, Debug)]
pub struct WriterOptions {
    pub durability: Durability,
    /// How long to wait for another writer's lock before giving up (`None`: do not wait).
    pub wait: Option<Duration>,
    /// Write snapshots as appends cross multiples of the log's snapshot interval.
    pub snapshots: bool,
}

impl Default for WriterOptions {
    fn default() -> WriterOptions {
        WriterOptions {
            durability: Durability::Fsync,
            wait: None,
            snapshots: true,
        }
    }
}

/// What a writer cut from a torn tail when it opened the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recovered {
    /// Where the torn frame started (the log now ends here).
    pub offset: u64,
    pub bytes: u64,
    /// The last whole event, kept.
    pub last_seq: u64,
    pub why: String,
    /// Where the cut bytes were saved.
    pub saved_to: PathBuf,
}

/// One event to append, with its text.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub id: String,
    pub source: String,
    pub summary: Option<String>,
    pub note: Option<String>,
    /// Refers to earlier events by core sequence (`Seq(n - 1)` for log sequence `n`).
    pub event: Event,
}

/// Why an append was refused. Nothing was written.
#[derive(Debug)]
pub enum AppendError {
    /// The log's last sequence is not the one the caller expected.
    Conflict {
        expected: u64,
        actual: u64,
    },
    /// The core rejected event `index` of the batch.
    Rejected {
        index: usize,
        id: String,
        reason: Reason,
    },
    /// An event id already in the log (or twice in the batch).
    DuplicateId {
        id: String,
    },
    /// An earlier fsync failed: the writer refuses appends until the log is reopened.
    Poisoned {
        why: String,
    },
    Log(LogError),
}

impl std::fmt::Display for AppendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppendError::Conflict { expected, actual } => write!(
                f,
                "the log's last sequence is {actual}, not {expected}: another append came first; read the log again and decide anew"
            ),
            AppendError::Rejected { id, reason, .. } => write!(
                f,
                "event `{id}` rejected: E{:03} {} (rule {})",
                reason.code(),
                reason.name(),
                reason.rule()
            ),
            AppendError::DuplicateId { id } => {
                write!(f, "an event with the id `{id}` is already in the log")
            }
            AppendError::Poisoned { why } => write!(
                f,
                "an earlier fsync failed ({why}); this writer refuses appends until the log is reopened"
            ),
            AppendError::Log(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for AppendError {}

impl From<LogError> for AppendError {
    fn from(e: LogError) -> AppendError {
        AppendError::Log(e)
    }
}

/// The one writer of a log. Holds an exclusive lock on the file until dropped.
pub struct Writer {
    file: File,
    path: PathBuf,
    genesis: Genesis,
    state: State,
    count: u64,
    end: u64,
    /// Event id to log sequence.
    ids: HashMap<String, u64>,
    strings: HashMap<String, u32>,
    string_count: u32,
    fingerprint: Fingerprint,
    options: WriterOptions,
    poisoned: Option<String>,
    unsynced: bool,
    /// While a new log is loaded under a temporary name: keep snapshots here instead of
    /// writing them beside that name.
    holding: bool,
    held_snapshots: Vec<(u64, u64, [u8; 32], State)>,
}

/// The build tag snapshots carry: a snapshot is only read by the build that wrote it.
pub fn build_tag() -> [u8; 16] {
    let mut tag = [0u8; 16];
    let s = format!("{}/s{}", env!("CARGO_PKG_VERSION"), snapshot::STATE_LAYOUT);
    let n = s.len().min(16);
    tag[..n].copy_from_slice(&s.as_bytes()[..n]);
    tag
}

fn sync_dir(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

/// Writes `bytes` to a new file beside `log` named `<log>.<stem>` (or `<log>.<stem>-2`, `-3`...
/// if taken: an earlier save is never overwritten), fsynced. Returns its path.
fn save_new(log: &Path, stem: &str, bytes: &[u8]) -> Result<PathBuf, LogError> {
    for n in 1u32.. {
        let name = match n {
            1 => format!("{}.{stem}", log.display()),
            n => format!("{}.{stem}-{n}", log.display()),
        };
        let path = PathBuf::from(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut f) => {
                f.write_all(bytes)
                    .and_then(|()| f.sync_all())
                    .map_err(io(&path, "cannot save the cut bytes"))?;
                sync_dir(&path).map_err(io(&path, "cannot fsync the log's directory"))?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(&path, "cannot save the cut bytes")(e)),
        }
    }
    unreachable!("some name is free")
}

fn lock(file: &File, path: &Path, wait: Option<Duration>) -> Result<(), LogError> {
    let deadline = wait.map(|w| Instant::now() + w);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) => {
                if deadline.is_none_or(|d| Instant::now() >= d) {
                    return Err(LogError::Locked {
                        path: path.to_path_buf(),
                    });
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(path, "cannot lock the log")(e)),
        }
    }
}

impl Writer {
    /// Creates a new log at `path` holding `scenario`'s cast, starting state and events (every
    /// event decided by the core first: the first rejection is returned and no file is left).
    /// The file is written beside its final name, fsynced, then linked into place, so a crash
    /// leaves either no log or the whole one.
    pub fn create(
        path: &Path,
        scenario: &Scenario,
        snapshot_every: u32,
        options: WriterOptions,
    ) -> Result<Writer, AppendError> {
        if path.exists() {
            return Err(LogError::Exists {
                path: path.to_path_buf(),
            }
            .into());
        }
        let genesis = Genesis {
            title: scenario.title.clone(),
            summary: scenario.summary.clone(),
            sources: scenario.sources.clone(),
            start: scenario.start,
            end: scenario.end,
            snapshot_every,
            world: scenario.world.clone(),
            initial: scenario.initial.clone(),
        };
        // A name of this process's own: two creates of one path never share a file.
        static CREATES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = CREATES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = PathBuf::from(format!(
            "{}.partial-{}-{n}",
            path.display(),
            std::process::id()
        ));
        let mut bytes = format::header().to_vec();
        format::write_frame(
            FrameKind::Genesis,
            &schema::encode_genesis(&genesis),
            &mut bytes,
        );
        {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .map_err(io(&tmp, "cannot create the log"))?;
            f.write_all(&bytes)
                .map_err(io(&tmp, "cannot write the log"))?;
            f.sync_all().map_err(io(&tmp, "cannot fsync the log"))?;
        }
        // Bulk load without per-frame fsync; one fsync before the link. Snapshots are taken
        // as the load passes each multiple of the interval, and written once the log has its
        // final name.
        let bulk = WriterOptions {
            durability: Durability::Batch,
            wait: None,
            snapshots: false,
        };
        let mut w = Writer::attach(&tmp, bulk, None)?.0;
        w.holding = options.snapshots;
        let events: Vec<NewEvent> = scenario
            .events
            .iter()
            .zip(&scenario.meta)
            .map(|(e, m)| NewEvent {
                id: m.id.clone(),
                source: m.source.clone(),
                summary: m.summary.clone(),
                note: m.note.clone(),
                event: e.clone(),
            })
            .collect();
        let result = w.append_bulk(&events);
        let synced = result.and_then(|()| w.sync().map_err(AppendError::from));
        if let Err(e) = synced {
            drop(w);
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        // A hard link, unlike a rename, fails if the name was taken meanwhile: a log is never
        // overwritten, even by a create racing this one.
        let placed = std::fs::hard_link(&tmp, path);
        let _ = std::fs::remove_file(&tmp);
        match placed {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(LogError::Exists {
                    path: path.to_path_buf(),
                }
                .into());
            }
            Err(e) => return Err(io(path, "cannot put the new log in place")(e).into()),
        }
        sync_dir(path).map_err(io(path, "cannot fsync the log's directory"))?;
        w.path = path.to_path_buf();
        w.options = options;
        if options.snapshots {
            // Snapshots left beside this name belong to a log that no longer exists.
            for (stale, _) in snapshot::list(path) {
                let _ = std::fs::remove_file(stale);
            }
            for (count, offset, fingerprint, state) in std::mem::take(&mut w.held_snapshots) {
                snapshot::write(path, count, offset, fingerprint, &state)?;
            }
        }
        Ok(w)
    }

    /// Opens an existing log for appending: takes the lock (waiting up to `options.wait`),
    /// cuts a torn tail (saving it beside the log), and rebuilds the state from the nearest
    /// valid snapshot. A damaged log is refused.
    pub fn open(
        path: &Path,
        options: WriterOptions,
    ) -> Result<(Writer, Option<Recovered>), LogError> {
        Writer::attach(path, options, options.wait)
    }

    fn attach(
        path: &Path,
        options: WriterOptions,
        wait: Option<Duration>,
    ) -> Result<(Writer, Option<Recovered>), LogError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(io(path, "cannot open the log for writing"))?;
        lock(&file, path, wait)?;
        let log = Log::open(path)?;
        if let Some(e) = log.damage() {
            return Err(e);
        }
        let mut recovered = None;
        if let LogEnd::Torn { offset, bytes, why } = &log.ending {
            let cut = &log.bytes[*offset as usize..];
            let saved_to = save_new(path, &format!("torn-{offset}"), cut)?;
            file.set_len(*offset)
                .map_err(io(path, "cannot cut the torn tail"))?;
            file.sync_all().map_err(io(path, "cannot fsync the log"))?;
            recovered = Some(Recovered {
                offset: *offset,
                bytes: *bytes,
                last_seq: log.count,
                why: why.clone(),
                saved_to,
            });
        }
        let (state, _) = snapshot::state_at_count(&log, log.count)?;
        let mut ids = HashMap::new();
        let mut strings = HashMap::new();
        for (i, s) in log.strings.iter().enumerate() {
            strings.entry(s.clone()).or_insert(i as u32);
        }
        let mut seq = 0;
        for i in 0..log.frames.len() {
            for r in log.records(i)? {
                seq += 1;
                ids.insert(log.strings[r.id as usize].clone(), seq);
            }
        }
        Ok((
            Writer {
                file,
                path: path.to_path_buf(),
                genesis: log.genesis.clone(),
                state,
                count: log.count,
                end: log.end,
                ids,
                string_count: log.strings.len() as u32,
                strings,
                fingerprint: log.fingerprint.clone(),
                options,
                poisoned: None,
                unsynced: false,
                holding: false,
                held_snapshots: Vec::new(),
            },
            recovered,
        ))
    }

    /// The last sequence in the log (0 when it has no events).
    pub fn last_seq(&self) -> u64 {
        self.count
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    pub fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    /// The ids of the events in the log, in sequence order.
    pub fn event_ids(&self) -> Vec<String> {
        let mut ids = vec![String::new(); self.count as usize];
        for (id, &seq) in &self.ids {
            ids[seq as usize - 1] = id.clone();
        }
        ids
    }

    /// The log sequence of the event with this id.
    pub fn seq_of(&self, id: &str) -> Option<u64> {
        self.ids.get(id).copied()
    }

    /// Appends `events` as one frame, all or nothing: each is decided against the state the
    /// ones before it leave, and if any is rejected nothing is written. With `expect`, the
    /// append is refused unless the log's last sequence is `expect`. Returns the sequence of
    /// the last appended event, once it is durable (with [`Durability::Fsync`]).
    pub fn append(&mut self, events: &[NewEvent], expect: Option<u64>) -> Result<u64, AppendError> {
        if let Some(why) = &self.poisoned {
            return Err(AppendError::Poisoned { why: why.clone() });
        }
        if let Some(expected) = expect
            && expected != self.count
        {
            return Err(AppendError::Conflict {
                expected,
                actual: self.count,
            });
        }
        if events.is_empty() {
            return Ok(self.count);
        }
        let mut trial = Engine::new(&self.genesis.world, self.state.clone());
        for (index, e) in events.iter().enumerate() {
            let seen = events[..index].iter().any(|o| o.id == e.id);
            if self.ids.contains_key(&e.id) || seen {
                return Err(AppendError::DuplicateId { id: e.id.clone() });
            }
            trial
                .step(&e.event, &mut ())
                .map_err(|reason| AppendError::Rejected {
                    index,
                    id: e.id.clone(),
                    reason,
                })?;
        }
        let state = trial.state;
        self.write_frame(events)?;
        self.state = state;
        self.after_frame()?;
        Ok(self.count)
    }

    /// Appends many events already known to be valid in order, in frames of up to
    /// [`BATCH`] events cut at snapshot boundaries, deciding each on the live state (no copy).
    /// Stops at the first rejection; the frames before it are written.
    fn append_bulk(&mut self, events: &[NewEvent]) -> Result<(), AppendError> {
        let every = u64::from(self.genesis.snapshot_every);
        let mut start = 0;
        while start < events.len() {
            let mut n = (events.len() - start).min(BATCH);
            if every > 0 {
                let to_boundary = every - self.count % every;
                n = n.min(to_boundary as usize);
            }
            let chunk = &events[start..start + n];
            let state = std::mem::replace(&mut self.state, self.genesis.initial.clone());
            let mut engine = Engine::new(&self.genesis.world, state);
            let mut result = Ok(());
            for (i, e) in chunk.iter().enumerate() {
                if self.ids.contains_key(&e.id) || chunk[..i].iter().any(|o| o.id == e.id) {
                    result = Err(AppendError::DuplicateId { id: e.id.clone() });
                    break;
                }
                if let Err(reason) = engine.step(&e.event, &mut ()) {
                    result = Err(AppendError::Rejected {
                        index: start + i,
                        id: e.id.clone(),
                        reason,
                    });
                    break;
                }
            }
            self.state = engine.state;
            result?;
            self.write_frame(chunk)?;
            self.after_frame()?;
            start += n;
        }
        Ok(())
    }

    fn write_frame(&mut self, events: &[NewEvent]) -> Result<(), AppendError> {
        // Strings new to the log, in the order this frame introduces them.
        let mut new: Vec<String> = Vec::new();
        let mut fresh: HashMap<String, u32> = HashMap::new();
        let (known, base) = (&self.strings, self.string_count);
        let mut intern = |s: &str| -> u32 {
            if let Some(&i) = known.get(s) {
                return i;
            }
            if let Some(&i) = fresh.get(s) {
                return i;
            }
            let i = base + new.len() as u32;
            new.push(s.to_string());
            fresh.insert(s.to_string(), i);
            i
        };
        let mut records = Vec::with_capacity(events.len());
        for e in events {
            let id = intern(&e.id);
            let source = intern(&e.source);
            let summary = e.summary.as_deref().map(&mut intern);
            let note = e.note.as_deref().map(&mut intern);
            records.push(Record {
                id,
                source,
                summary,
                note,
                event: e.event.clone(),
            });
        }
        let strings = codec::encode(&new);
        let header = EventsHeader {
            schema: schema::RECORD_SCHEMA,
            first_seq: self.count + 1,
            count: events.len() as u32,
            strings_len: strings.len() as u32,
        };
        let mut payload = Vec::new();
        header.write(&mut payload);
        payload.extend_from_slice(&strings);
        codec::encode_into(&records, &mut payload);
        let mut frame = Vec::with_capacity(payload.len() + format::FRAME_HEADER_LEN + 1);
        format::write_frame(FrameKind::Events, &payload, &mut frame);
        self.file
            .write_all_at(&frame, self.end)
            .map_err(io(&self.path, "cannot write to the log"))?;
        if self.options.durability == Durability::Fsync {
            if let Err(e) = self.file.sync_data() {
                // The frame may or may not be on disk; only a fresh open can tell.
                self.poisoned = Some(e.to_string());
                return Err(io(&self.path, "cannot fsync the log")(e).into());
            }
        } else {
            self.unsynced = true;
        }
        let len = u32::from_le_bytes(frame[0..4].try_into().expect("4 bytes"));
        let crc = u32::from_le_bytes(frame[8..12].try_into().expect("4 bytes"));
        self.fingerprint.add(len, crc);
        self.end += frame.len() as u64;
        for e in events {
            self.count += 1;
            self.ids.insert(e.id.clone(), self.count);
        }
        for s in new {
            self.strings.insert(s, self.string_count);
            self.string_count += 1;
        }
        Ok(())
    }

    fn after_frame(&mut self) -> Result<(), LogError> {
        let every = u64::from(self.genesis.snapshot_every);
        if every == 0 || !self.count.is_multiple_of(every) {
            return Ok(());
        }
        if self.holding {
            let at = (self.count, self.end, self.fingerprint.value());
            self.held_snapshots
                .push((at.0, at.1, at.2, self.state.clone()));
        } else if self.options.snapshots && !self.unsynced {
            snapshot::write(
                &self.path,
                self.count,
                self.end,
                self.fingerprint.value(),
                &self.state,
            )?;
        }
        Ok(())
    }

    /// Makes every acknowledged append durable (fsync). A failure poisons the writer.
    pub fn sync(&mut self) -> Result<(), LogError> {
        if let Some(why) = &self.poisoned {
            return Err(LogError::Io {
                path: self.path.clone(),
                doing: "an earlier fsync failed",
                error: std::io::Error::other(why.clone()),
            });
        }
        if let Err(e) = self.file.sync_data() {
            self.poisoned = Some(e.to_string());
            return Err(io(&self.path, "cannot fsync the log")(e));
        }
        self.unsynced = false;
        Ok(())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if self.unsynced && self.poisoned.is_none() {
            let _ = self.file.sync_data();
        }
    }
}

/// The most events one frame holds when importing.
pub const BATCH: usize = 1024;
