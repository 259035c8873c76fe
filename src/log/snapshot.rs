//! Snapshots: the state after every K events, stored beside the log in `<log>.snapshots/`, one
//! file per snapshot named by the events it covers (`000000001000.snap`).
//!
//! A snapshot is a cache. It is used only when its build tag matches this build, its checksum
//! matches its bytes, and the log prefix fingerprint it records matches the log it is used with
//! at the byte it claims to cover; otherwise it is ignored (with a note) and the state is
//! rebuilt by replay. Deleting the folder is always safe.

use super::format::{self, SnapshotHeader};
use super::{EventsFrame, Log, LogError, build_tag, io};
use crate::codec;
use crate::core::{Engine, Event, State};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Bumped whenever the layout of `State` changes, so older snapshots are ignored.
pub const STATE_LAYOUT: u32 = 3;

/// The folder holding a log's snapshots.
pub fn dir(log: &Path) -> PathBuf {
    PathBuf::from(format!("{}.snapshots", log.display()))
}

fn file_name(count: u64) -> String {
    format!("{count:012}.snap")
}

/// Snapshot files beside a log, with their headers (unreadable ones are left out).
pub fn list(log: &Path) -> Vec<(PathBuf, SnapshotHeader)> {
    let Ok(entries) = std::fs::read_dir(dir(log)) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, SnapshotHeader)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "snap"))
        .filter_map(|p| {
            let mut head = [0u8; format::SNAPSHOT_HEADER_LEN];
            File::open(&p).ok()?.read_exact(&mut head).ok()?;
            Some((p, SnapshotHeader::read(&head).ok()?))
        })
        .collect();
    out.sort_by_key(|(_, h)| h.count);
    out
}

/// Writes a snapshot of `state` after `count` events, the log ending at `offset` with prefix
/// fingerprint `fingerprint`. Written to a temporary name then renamed, so a reader never sees
/// half a snapshot.
pub fn write(
    log: &Path,
    count: u64,
    offset: u64,
    fingerprint: [u8; 32],
    state: &State,
) -> Result<PathBuf, LogError> {
    let d = dir(log);
    std::fs::create_dir_all(&d).map_err(io(&d, "cannot create the snapshot folder"))?;
    let body = codec::encode(state);
    let header = SnapshotHeader {
        count,
        offset,
        fingerprint,
        build: build_tag(),
        state_crc: format::crc(&body),
        state_len: body.len() as u64,
        clock: state.clock.0,
    };
    let mut bytes = Vec::with_capacity(format::SNAPSHOT_HEADER_LEN + body.len());
    header.write(&mut bytes);
    bytes.extend_from_slice(&body);
    let path = d.join(file_name(count));
    let tmp = d.join(format!("{}.partial", file_name(count)));
    std::fs::write(&tmp, &bytes).map_err(io(&tmp, "cannot write a snapshot"))?;
    std::fs::rename(&tmp, &path).map_err(io(&path, "cannot rename a snapshot into place"))?;
    Ok(path)
}

/// Why a snapshot on disk was not used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ignored {
    pub path: PathBuf,
    pub why: String,
}

/// Loads the snapshot at `path` if it is valid for `log`.
fn load(log: &Log, path: &Path, h: &SnapshotHeader) -> Result<State, String> {
    if h.build != build_tag() {
        return Err("written by another build of demarche".into());
    }
    if log.fingerprint_at(h.offset) != Some(h.fingerprint)
        || log.frame_ending_at(h.count).map(|i| log.frames[i].end) != Some(h.offset)
    {
        return Err(format!(
            "built from a different log (or an earlier version of this one) at byte {}",
            h.offset
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let body = &bytes[format::SNAPSHOT_HEADER_LEN.min(bytes.len())..];
    if body.len() as u64 != h.state_len || format::crc(body) != h.state_crc {
        return Err("damaged (checksum mismatch)".into());
    }
    codec::decode(body).map_err(|e| format!("does not decode: {e}"))
}

/// The newest valid snapshot whose header satisfies `usable`, and the snapshots passed over
/// because they were invalid. Only snapshots that are usable are loaded.
pub fn best(
    log: &Log,
    usable: impl Fn(&SnapshotHeader) -> bool,
) -> (Option<(u64, State)>, Vec<Ignored>) {
    let mut ignored = Vec::new();
    for (path, h) in log.snapshots.iter().rev() {
        let path = path.clone();
        if !usable(h) {
            continue;
        }
        if h.count > log.count {
            ignored.push(Ignored {
                path,
                why: format!("covers {} events but the log holds {}", h.count, log.count),
            });
            continue;
        }
        match load(log, &path, h) {
            Ok(state) => return (Some((h.count, state)), ignored),
            Err(why) => ignored.push(Ignored { path, why }),
        }
    }
    (None, ignored)
}

/// The state after the first `count` events of `log`: from the newest valid snapshot at or
/// before `count`, then replay. Returns the state and the snapshot used, if any.
pub fn state_at_count(log: &Log, count: u64) -> Result<(State, Option<u64>), LogError> {
    let (snap, _) = best(log, |h| h.count <= count);
    match snap {
        Some((c, s)) => Ok((replay(log, c, s, count)?, Some(c))),
        None => Ok((replay(log, 0, log.genesis.initial.clone(), count)?, None)),
    }
}

/// Replays events `done + 1 ..= count` of `log` onto `state`, the state after the first `done`
/// events. Decodes only the frames it needs; every event must be accepted.
pub fn replay(log: &Log, mut done: u64, state: State, count: u64) -> Result<State, LogError> {
    let world = &log.genesis.world;
    let mut engine = Engine::new(world, state);
    for (i, f) in log.frames.iter().enumerate() {
        let first = f.header.first_seq - 1;
        let last = first + u64::from(f.header.count);
        if last <= done {
            continue;
        }
        if first >= count {
            break;
        }
        for (k, r) in log.records(i)?.into_iter().enumerate() {
            let seq = first + k as u64;
            if seq < done {
                continue;
            }
            if seq >= count {
                break;
            }
            step(&mut engine, log, f, seq, &r.event)?;
            done = seq + 1;
        }
    }
    Ok(engine.state)
}

/// Steps the event at core sequence `seq` of `log` (in frame `f`). A rejection means this build's
/// rules no longer accept what was appended: reported as damage at that frame.
fn step(
    engine: &mut Engine<'_>,
    log: &Log,
    f: &EventsFrame,
    seq: u64,
    event: &Event,
) -> Result<(), LogError> {
    engine
        .step(event, &mut ())
        .map(drop)
        .map_err(|reason| LogError::Damaged {
            path: log.path.clone(),
            offset: f.offset,
            last_good: seq,
            why: format!(
                "event {} is rejected by this build's rules: E{:03} {}",
                seq + 1,
                reason.code(),
                reason.describe(&log.genesis.world)
            ),
        })
}

/// Replays the whole log and writes a snapshot at every frame end that falls on a multiple of
/// the log's snapshot interval; removes snapshots that are not valid for this log. Returns the
/// number written.
pub fn rebuild(log_path: &Path) -> Result<usize, LogError> {
    let log = Log::open(log_path)?;
    if let Some(e) = log.damage() {
        return Err(e);
    }
    for (path, h) in &log.snapshots {
        if load(&log, path, h).is_err() {
            let _ = std::fs::remove_file(path);
        }
    }
    let every = u64::from(log.genesis.snapshot_every);
    if every == 0 {
        return Ok(0);
    }
    let mut engine = Engine::new(&log.genesis.world, log.genesis.initial.clone());
    let mut fingerprint = super::Fingerprint::new(&format::header());
    fingerprint.add(log.genesis_frame.0, log.genesis_frame.1);
    let mut written = 0;
    for (i, f) in log.frames.iter().enumerate() {
        let first = f.header.first_seq - 1;
        for (k, r) in log.records(i)?.into_iter().enumerate() {
            step(&mut engine, &log, f, first + k as u64, &r.event)?;
        }
        fingerprint.add(f.len, f.crc);
        let count = first + u64::from(f.header.count);
        if count % every == 0 {
            write(log_path, count, f.end, fingerprint.value(), &engine.state)?;
            written += 1;
        }
    }
    Ok(written)
}

/// Checks every snapshot beside `log`; returns those that would not be used, and why.
pub fn check_all(log: &Log) -> Vec<Ignored> {
    log.snapshots
        .iter()
        .filter_map(|(path, h)| {
            let why = if h.count > log.count {
                format!("covers {} events but the log holds {}", h.count, log.count)
            } else {
                load(log, path, h).err()?
            };
            Some(Ignored {
                path: path.clone(),
                why,
            })
        })
        .collect()
}
