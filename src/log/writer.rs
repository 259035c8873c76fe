//! Writing a log: the one writer, which decides every append and stores the facts.
//!
//! A writer holds an exclusive lock on the file. It opens from the newest valid snapshot and
//! the frames after it (the trusted replay), cuts a torn tail (saving the cut bytes beside the
//! log), decides each appended command with the core into facts, writes the commands with
//! their facts as one frame, and fsyncs before acknowledging.

use super::format::{self, FrameKind};
use super::reader::{EventsFrame, Item, Upto, decode_events, encode_frame, read_frame_ids};
use super::schema::{self, Genesis};
use super::{Fingerprint, Log, LogEnd, LogError, filter, io, snapshot, sync_dir};
use crate::core::{Engine, Event, Reason, State};
use crate::scenario::Scenario;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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

impl NewEvent {
    /// The events a scenario parser read (`events`, with their ids and texts in `meta`), ready
    /// to append.
    pub fn batch(events: Vec<Event>, meta: &[crate::scenario::EventMeta]) -> Vec<NewEvent> {
        events
            .into_iter()
            .zip(meta)
            .map(|(event, m)| NewEvent {
                id: m.id.clone(),
                source: m.source.clone(),
                summary: m.summary.clone(),
                note: m.note.clone(),
                event,
            })
            .collect()
    }
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
    /// The events would make a frame larger than a log allows.
    TooLarge {
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
            AppendError::TooLarge { why } => write!(
                f,
                "{why}; append fewer events at a time, or shorten their notes"
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
    /// The log's frames (headers only) and each one's id filter: ids are looked up in the
    /// frames whose filter may hold them, never all held in memory.
    frames: Vec<EventsFrame>,
    filters: Vec<Vec<u8>>,
    /// The date of the last event (the start for none).
    last_date: crate::core::Day,
    fingerprint: Fingerprint,
    /// The prefix fingerprint right after the genesis frame (names the log in its
    /// acknowledgement record).
    genesis_fingerprint: [u8; 32],
    /// Write the acknowledgement record when appends are durable (not while a new log is
    /// loaded under a temporary name).
    acks: bool,
    options: WriterOptions,
    poisoned: Option<String>,
    unsynced: bool,
    /// While a new log is loaded under a temporary name: keep snapshots here instead of
    /// writing them beside that name.
    holding: bool,
    held_snapshots: Vec<snapshot::Taken>,
}
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

/// True when `path` names the very file `file` is (same device and inode).
fn same_file(file: &File, path: &Path) -> Result<bool, LogError> {
    use std::os::unix::fs::MetadataExt;
    let mine = file
        .metadata()
        .map_err(io(path, "cannot read the log's metadata"))?;
    match std::fs::metadata(path) {
        Ok(there) => Ok(mine.dev() == there.dev() && mine.ino() == there.ino()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io(path, "cannot read the log's metadata")(e)),
    }
}

/// How many times a writer opens the log again when the file at its path was replaced while
/// it waited for the lock.
const REOPENS: usize = 8;

/// Opens the log for writing and takes its lock (waiting up to `wait`), then reads it through
/// the locked handle. If the path was given to another file while the lock was awaited (renamed
/// over, imported again), the lock is on a file no one reads any more: open the path again.
fn open_locked(path: &Path, wait: Option<Duration>) -> Result<(File, Log), LogError> {
    let deadline = wait.map(|w| Instant::now() + w);
    for _ in 0..REOPENS {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(io(path, "cannot open the log for writing"))?;
        lock(&file, path, deadline)?;
        if !same_file(&file, path)? {
            continue;
        }
        let reader = file
            .try_clone()
            .map_err(io(path, "cannot open the log for writing"))?;
        let log = Log::open_file(path, reader)?;
        return Ok((file, log));
    }
    Err(LogError::Replaced {
        path: path.to_path_buf(),
        why: format!("{REOPENS} times while this writer waited for its lock"),
    })
}

/// Writes the acknowledgement record beside `log`: to a temporary name, fsynced, renamed into
/// place, the folder fsynced. Only the lock holder writes it.
pub(crate) fn write_ack(log: &Path, record: &format::AckRecord) -> Result<(), LogError> {
    let path = super::ack_path(log);
    let tmp = PathBuf::from(format!("{}.partial", path.display()));
    let mut bytes = Vec::with_capacity(format::ACK_LEN);
    record.write(&mut bytes);
    let written = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        sync_dir(&path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(io(&path, "cannot write the log's acknowledgement record"))
}

/// Removes `<log>.partial-<pid>-<n>` files beside `log` that an import killed before it
/// finished left behind: those whose process is no longer running. Returns them.
pub fn clean_partials(log: &Path) -> Vec<PathBuf> {
    let dir = match log.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Some(name) = log.file_name().and_then(|n| n.to_str()) else {
        return Vec::new();
    };
    let prefix = format!("{name}.partial-");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for e in entries.filter_map(Result::ok) {
        let file_name = e.file_name();
        let Some(rest) = file_name.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
            continue;
        };
        let Some((pid, n)) = rest.split_once('-') else {
            continue;
        };
        let (Ok(pid), Ok(_)) = (pid.parse::<u32>(), n.parse::<u64>()) else {
            continue;
        };
        if pid == std::process::id() || process_alive(pid) {
            continue;
        }
        if e.file_type().is_ok_and(|t| t.is_file()) && std::fs::remove_file(e.path()).is_ok() {
            removed.push(e.path());
        }
    }
    removed.sort();
    removed
}

/// True when a process with this id is running (Linux: it has a folder in /proc).
fn process_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

fn lock(file: &File, path: &Path, deadline: Option<Instant>) -> Result<(), LogError> {
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
            rules: crate::core::RULES_VERSION,
            world: scenario.world.clone(),
            initial: scenario.initial.clone(),
        };
        clean_partials(path);
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
        )
        .map_err(|why| AppendError::TooLarge { why })?;
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
        w.acks = false;
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
        w.acks = true;
        // Snapshots and an acknowledgement record left beside this name belong to a log that
        // no longer exists.
        for (stale, _) in snapshot::list(path) {
            let _ = std::fs::remove_file(stale);
        }
        w.acknowledge()?;
        if options.snapshots {
            for taken in std::mem::take(&mut w.held_snapshots) {
                snapshot::write(path, &taken)?;
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
        let (file, log) = open_locked(path, wait)?;
        if let Some(e) = log.damage() {
            return Err(e);
        }
        if log.schema < schema::RECORD_SCHEMA || log.genesis.rules != crate::core::RULES_VERSION {
            return Err(LogError::Outdated {
                path: path.to_path_buf(),
                why: if log.schema < schema::RECORD_SCHEMA {
                    format!(
                        "it was written before logs stored facts (event record schema {})",
                        log.schema
                    )
                } else {
                    format!(
                        "its facts were decided with rules version {}, and this build decides with version {}",
                        log.genesis.rules,
                        crate::core::RULES_VERSION
                    )
                },
            });
        }
        let mut recovered = None;
        if let LogEnd::Torn { offset, bytes, why } = &log.ending {
            let mut cut = vec![0u8; *bytes as usize];
            file.read_exact_at(&mut cut, *offset)
                .map_err(io(path, "cannot read the torn tail"))?;
            let saved_to = save_new(path, &format!("torn-{offset}"), &cut)?;
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
        let (state, _) = log.state(Upto::Count(log.count), false)?;
        let filters = log.filters()?;
        let last_date = log
            .frames
            .last()
            .map_or(log.genesis.start, |f| crate::core::Day(f.header.last_date));
        Ok((
            Writer {
                file,
                path: path.to_path_buf(),
                genesis: log.genesis.clone(),
                state,
                count: log.count,
                end: log.end,
                frames: log.frames.clone(),
                filters,
                last_date,
                fingerprint: log.fingerprint(),
                genesis_fingerprint: log.genesis_fingerprint,
                acks: true,
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

    /// The log sequence of the event with this id: looked up in the frames whose id filter may
    /// hold it, newest first (an answer usually names a recent event).
    pub fn seq_of(&self, id: &str) -> Result<Option<u64>, LogError> {
        for i in (0..self.frames.len()).rev() {
            if !filter::may_contain(&self.filters[i], id) {
                continue;
            }
            let f = &self.frames[i];
            let ids = read_frame_ids(&self.file, &self.path, f)?;
            if let Some(k) = ids.iter().position(|x| x == id) {
                return Ok(Some(f.first() + k as u64 + 1));
            }
        }
        Ok(None)
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
        let mut trial = Engine::recording(&self.genesis.world, self.state.clone());
        let items = self.decide(&mut trial, events, 0)?;
        let state = trial.state;
        self.write_frame(&items)?;
        self.state = state;
        if self.options.durability == Durability::Fsync
            && self.acks
            && let Err(e) = self.acknowledge()
        {
            eprintln!(
                "warning: {e}; the append itself is durable, but a later loss of it could go unnoticed"
            );
        }
        self.after_frame();
        Ok(self.count)
    }

    /// Records the log as it is now (durable) as acknowledged, beside it.
    fn acknowledge(&self) -> Result<(), LogError> {
        let record = format::AckRecord {
            last_seq: self.count,
            end: self.end,
            fingerprint: self.fingerprint.value(),
            genesis: self.genesis_fingerprint,
        };
        write_ack(&self.path, &record)
    }

    /// Decides `events` in order on `engine`, into items to store. `offset` is the position of
    /// the first in the caller's input, for errors.
    fn decide(
        &self,
        engine: &mut Engine<'_>,
        events: &[NewEvent],
        offset: usize,
    ) -> Result<Vec<Item>, AppendError> {
        let mut items = Vec::with_capacity(events.len());
        for (i, e) in events.iter().enumerate() {
            if events[..i].iter().any(|o| o.id == e.id) || self.seq_of(&e.id)?.is_some() {
                return Err(AppendError::DuplicateId { id: e.id.clone() });
            }
            engine
                .step(&e.event, &mut ())
                .map_err(|reason| AppendError::Rejected {
                    index: offset + i,
                    id: e.id.clone(),
                    reason,
                })?;
            items.push(Item {
                id: e.id.clone(),
                source: e.source.clone(),
                summary: e.summary.clone(),
                note: e.note.clone(),
                event: e.event.clone(),
                passed: engine.take_passed(),
                facts: engine.facts().to_vec(),
            });
        }
        Ok(items)
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
            let mut engine = Engine::recording(&self.genesis.world, state);
            let result = self.decide(&mut engine, chunk, start);
            self.state = engine.state;
            let items = result?;
            self.write_frame(&items)?;
            self.after_frame();
            start += n;
        }
        Ok(())
    }

    fn write_frame(&mut self, items: &[Item]) -> Result<(), AppendError> {
        let payload = encode_frame(self.count + 1, items);
        let mut frame = Vec::with_capacity(payload.len() + format::FRAME_HEADER_LEN + 1);
        format::write_frame(FrameKind::Events, &payload, &mut frame)
            .map_err(|why| AppendError::TooLarge { why })?;
        if !same_file(&self.file, &self.path)? {
            return Err(LogError::Replaced {
                path: self.path.clone(),
                why: "since this writer opened it".into(),
            }
            .into());
        }
        self.file
            .write_all_at(&frame, self.end)
            .map_err(io(&self.path, "cannot write to the log"))?;
        if self.options.durability == Durability::Fsync {
            if let Err(e) = self.file.sync_data() {
                // The frame may or may not be on disk; only a fresh open can tell.
                self.poisoned = Some(e.to_string());
                return Err(io(&self.path, "cannot fsync the log")(e).into());
            }
            if !same_file(&self.file, &self.path)? {
                // The frame went to the file that was replaced: not acknowledged, and this
                // writer's state is no longer that of the log at its path.
                self.poisoned = Some("the log was replaced during an append".into());
                return Err(LogError::Replaced {
                    path: self.path.clone(),
                    why: "while this append was written (it went to the replaced file)".into(),
                }
                .into());
            }
        } else {
            self.unsynced = true;
        }
        let len = u32::from_le_bytes(frame[0..4].try_into().expect("4 bytes"));
        let crc = u32::from_le_bytes(frame[8..12].try_into().expect("4 bytes"));
        self.fingerprint.add(len, crc);
        let header = format::EventsHeader::parse(&payload).expect("just written");
        let ids: Vec<&str> = items.iter().map(|it| it.id.as_str()).collect();
        self.frames.push(EventsFrame {
            offset: self.end,
            end: self.end + frame.len() as u64,
            header,
            len,
            crc,
        });
        self.filters.push(filter::build(&ids));
        self.end += frame.len() as u64;
        self.count += items.len() as u64;
        if let Some(last) = items.last() {
            self.last_date = last.event.date;
        }
        Ok(())
    }

    /// Takes a snapshot when the log crosses a multiple of its interval. A snapshot is a cache:
    /// failing to write one is a warning (on stderr), never a failed append.
    fn after_frame(&mut self) {
        let every = u64::from(self.genesis.snapshot_every);
        if every == 0 || !self.count.is_multiple_of(every) {
            return;
        }
        let taken = snapshot::Taken {
            count: self.count,
            offset: self.end,
            fingerprint: self.fingerprint.value(),
            last_date: self.last_date,
            state: self.state.clone(),
        };
        if self.holding {
            self.held_snapshots.push(taken);
        } else if self.options.snapshots
            && !self.unsynced
            && let Err(e) = snapshot::write(&self.path, &taken)
        {
            eprintln!(
                "warning: {e}; the append itself is durable, and reads replay from an earlier point"
            );
        }
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
        if self.acks {
            self.acknowledge()?;
        }
        Ok(())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if self.unsynced && self.poisoned.is_none() {
            let _ = self.file.sync_data();
        }
        // Released explicitly: closing the handle would not release it while a child process
        // this one is starting still holds a copy of it (between its fork and its exec).
        let _ = self.file.unlock();
    }
}

/// What `log repair --discard-damaged-tail` cut: a damaged last frame, by explicit request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discarded {
    /// Where the damaged frame started (the log now ends here).
    pub offset: u64,
    pub bytes: u64,
    /// The last event kept.
    pub last_seq: u64,
    /// The last acknowledged sequence before the cut, by the acknowledgement record.
    pub acknowledged: Option<u64>,
    /// The first sequence and number of events the damaged frame's header claims
    /// (unverified).
    pub claimed: Option<(u64, u32)>,
    pub why: String,
    /// Where the cut bytes were saved.
    pub saved_to: PathBuf,
}

/// Cuts a damaged last frame, whose length checks out and which ends at the end of the file,
/// after saving it to `<log>.damaged-<offset>`: for when the events it held are known to be
/// lost and the log must take appends again. The acknowledgement record is rewritten to the
/// shorter log and snapshots past it are removed. Damage anywhere else is refused (see
/// [`salvage`]). Returns `None` when the log is not damaged.
pub fn discard_damaged_tail(
    path: &Path,
    wait: Option<Duration>,
) -> Result<Option<Discarded>, LogError> {
    let (file, log) = open_locked(path, wait)?;
    let LogEnd::Damaged { offset, why } = &log.ending else {
        return Ok(None);
    };
    let Some(end) = log.damaged_end else {
        let e = log.damage().expect("damaged");
        return Err(LogError::Damaged {
            path: path.to_path_buf(),
            offset: *offset,
            last_good: log.count,
            why: format!(
                "{}; the damage is not a last frame of known length ({} bytes follow it), so cutting it could discard whole frames: `demarche log salvage` copies what reads into a new log instead",
                match e {
                    LogError::Damaged { why, .. } => why,
                    other => other.to_string(),
                },
                log.file_len() - offset
            ),
        });
    };
    let offset = *offset;
    let mut cut = Vec::new();
    log.copy_bytes(offset, end, &mut cut)?;
    let saved_to = save_new(path, &format!("damaged-{offset}"), &cut)?;
    file.set_len(offset)
        .map_err(io(path, "cannot cut the damaged frame"))?;
    file.sync_all().map_err(io(path, "cannot fsync the log"))?;
    let record = format::AckRecord {
        last_seq: log.count,
        end: offset,
        fingerprint: log.fingerprint().value(),
        genesis: log.genesis_fingerprint,
    };
    write_ack(path, &record)?;
    for (snap, h) in &log.snapshots {
        if h.count > log.count {
            let _ = std::fs::remove_file(snap);
        }
    }
    Ok(Some(Discarded {
        offset,
        bytes: end - offset,
        last_seq: log.count,
        acknowledged: log.acknowledged.as_ref().map(|a| a.last_seq),
        claimed: log.claimed_at(offset),
        why: why.clone(),
        saved_to,
    }))
}

/// What [`salvage`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Salvaged {
    /// Events copied into the new log (sequences 1..=events).
    pub events: u64,
    /// Bytes of the new log.
    pub bytes: u64,
    /// Where reading the old log stopped, and why (`None`: it read to its end).
    pub stopped: Option<(u64, String)>,
    /// The last acknowledged sequence of the old log, by its acknowledgement record.
    pub acknowledged: Option<u64>,
    /// Where the bytes that did not read were saved (beside the new log).
    pub saved_to: Option<PathBuf>,
}

/// Copies the readable prefix of the log at `from` (every whole frame before the first one
/// that does not read, its checksum checked, its facts folded) into a new log at `to`, byte
/// for byte, and saves the bytes from there to the end as `<to>.damaged-<offset>`. The new
/// log is written under a temporary name, fsynced and linked into place (never over an
/// existing file), with its own acknowledgement record. The old log is not changed.
pub fn salvage(from: &Path, to: &Path) -> Result<Salvaged, LogError> {
    if to.exists() {
        return Err(LogError::Exists {
            path: to.to_path_buf(),
        });
    }
    let log = Log::open(from)?;
    // Frames are checked one by one: damage is found where a frame is read.
    let mut keep = 0;
    let mut stopped = match &log.ending {
        LogEnd::Damaged { offset, why } => Some((*offset, why.clone())),
        LogEnd::Torn { offset, why, .. } => Some((*offset, why.clone())),
        LogEnd::Clean => None,
    };
    let mut state = log.genesis.initial.clone();
    let mut strings = Vec::new();
    for (i, f) in log.frames.iter().enumerate() {
        let read = if log.schema >= 3 || !matches!(log.ending, LogEnd::Damaged { .. }) {
            log.fold(state.clone(), f.first(), Upto::Count(f.through()), &mut ())
                .map(Some)
        } else {
            // A damaged log of commands only (record schemas 1 and 2) was not decided on
            // open: its frames are checked as they are.
            log.payload(i).and_then(|p| {
                decode_events(&p, f.header.first_seq, &log.genesis.world, &mut strings)
                    .map(|_| None)
                    .map_err(|why| LogError::Damaged {
                        path: from.to_path_buf(),
                        offset: f.offset,
                        last_good: f.first(),
                        why,
                    })
            })
        };
        match read {
            Ok(next) => {
                if let Some(next) = next {
                    state = next;
                }
                keep = i + 1;
            }
            Err(LogError::Damaged { offset, why, .. }) => {
                stopped = Some((offset, why));
                break;
            }
            Err(e) => return Err(e),
        }
    }
    let end = if keep == 0 {
        log.frames.first().map_or(log.end, |f| f.offset)
    } else {
        log.frames[keep - 1].end
    };
    clean_partials(to);
    let tmp = PathBuf::from(format!("{}.partial-{}-0", to.display(), std::process::id()));
    let written = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(io(&tmp, "cannot create the new log"))?;
        log.copy_bytes(0, end, &mut f)?;
        f.sync_all().map_err(io(&tmp, "cannot fsync the new log"))
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    let placed = std::fs::hard_link(&tmp, to);
    let _ = std::fs::remove_file(&tmp);
    match placed {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(LogError::Exists {
                path: to.to_path_buf(),
            });
        }
        Err(e) => return Err(io(to, "cannot put the new log in place")(e)),
    }
    sync_dir(to).map_err(io(to, "cannot fsync the new log's directory"))?;
    let copy = Log::open(to)?;
    debug_assert_eq!(copy.end, end);
    for (stale, _) in snapshot::list(to) {
        let _ = std::fs::remove_file(stale);
    }
    write_ack(
        to,
        &format::AckRecord {
            last_seq: copy.count,
            end: copy.end,
            fingerprint: copy.fingerprint().value(),
            genesis: copy.genesis_fingerprint,
        },
    )?;
    let saved_to = if log.file_len() > end {
        let mut rest = Vec::new();
        log.copy_bytes(end, log.file_len(), &mut rest)?;
        Some(save_new(to, &format!("damaged-{end}"), &rest)?)
    } else {
        None
    };
    if stopped.is_none()
        && let Some(s) = &log.shortened
    {
        stopped = Some((log.end, s.why.clone()));
    }
    Ok(Salvaged {
        events: copy.count,
        bytes: copy.end,
        stopped,
        acknowledged: log.acknowledged.as_ref().map(|a| a.last_seq),
        saved_to,
    })
}

/// The most events one frame holds when importing.
pub const BATCH: usize = 1024;
