//! Snapshots: the state after every K events, stored beside the log in `<log>.snapshots/`, one
//! file per snapshot named by the events it covers (`000000001000.snap`).
//!
//! A snapshot is a cache. It is used only when its header's checksum holds, its build tag
//! matches this build, its body's checksum matches its bytes, the clock it declares is the
//! clock of the state it holds, and the log prefix fingerprint it records matches the log it
//! is used with at the byte it claims to cover; otherwise it is ignored (with a note) and the
//! state is rebuilt from the log. Deleting the folder is always safe. The state is stored as
//! the log's frozen wire types.

use super::format::{self, SnapshotHeader};
use super::reader::Upto;
use super::{Log, LogError, build_tag, io, wire};
use crate::codec;
use crate::core::{Day, State};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Bumped whenever what a snapshot holds changes, so older snapshots are ignored.
pub const STATE_LAYOUT: u32 = 4;

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

/// A state taken after `count` events, the log ending at `offset` with prefix fingerprint
/// `fingerprint`, its last event dated `last_date`.
#[derive(Clone, Debug)]
pub struct Taken {
    pub count: u64,
    pub offset: u64,
    pub fingerprint: [u8; 32],
    pub last_date: Day,
    pub state: State,
}

/// Writes a snapshot. Written to a temporary name then renamed, so a reader never sees half a
/// snapshot; a failure leaves no temporary file behind.
pub fn write(log: &Path, t: &Taken) -> Result<PathBuf, LogError> {
    let d = dir(log);
    std::fs::create_dir_all(&d).map_err(io(&d, "cannot create the snapshot folder"))?;
    // The state, then what it holds beyond it when there is any (see `wire::StateExtra`).
    let mut body = codec::encode(&wire::State::from(&t.state));
    let extra = wire::StateExtra::of(&t.state);
    if !extra.is_empty() {
        codec::encode_into(&extra, &mut body);
    }
    let header = SnapshotHeader {
        count: t.count,
        offset: t.offset,
        fingerprint: t.fingerprint,
        build: build_tag(),
        state_crc: format::crc(&body),
        state_len: body.len() as u64,
        clock: t.state.clock.0,
        last_date: t.last_date.0,
    };
    let mut bytes = Vec::with_capacity(format::SNAPSHOT_HEADER_LEN + body.len());
    header.write(&mut bytes);
    bytes.extend_from_slice(&body);
    let path = d.join(file_name(t.count));
    let tmp = d.join(format!("{}.partial", file_name(t.count)));
    let written = std::fs::write(&tmp, &bytes)
        .map_err(io(&tmp, "cannot write a snapshot"))
        .and_then(|()| {
            std::fs::rename(&tmp, &path).map_err(io(&path, "cannot rename a snapshot into place"))
        });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map(|()| path)
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
    if h.count > log.count {
        return Err(format!(
            "covers {} events but the log holds {}: the log is shorter than when the snapshot was taken",
            h.count, log.count
        ));
    }
    let frame = log.frame_ending_at(h.count);
    if log.fingerprint_at(h.offset) != Some(h.fingerprint)
        || frame.map(|i| log.frames[i].end) != Some(h.offset)
    {
        return Err(format!(
            "built from a different log (or an earlier version of this one) at byte {}",
            h.offset
        ));
    }
    if frame.map(|i| log.frames[i].header.last_date) != Some(h.last_date) {
        return Err("its last event's date does not match the log".into());
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let body = &bytes[format::SNAPSHOT_HEADER_LEN.min(bytes.len())..];
    if body.len() as u64 != h.state_len || format::crc(body) != h.state_crc {
        return Err("damaged (checksum mismatch)".into());
    }
    let (w, used): (wire::State, usize) =
        codec::decode_prefix(body).map_err(|e| format!("does not decode: {e}"))?;
    let mut state = State::from(w);
    if used < body.len() {
        let extra: wire::StateExtra =
            codec::decode(&body[used..]).map_err(|e| format!("does not decode: {e}"))?;
        if extra.is_empty() {
            return Err("does not decode: an empty addition to the state".into());
        }
        extra.restore(&mut state)?;
    }
    super::check::state(&state, &log.genesis.world)?;
    if state.clock.0 != h.clock || state.events != h.count {
        return Err("its header does not describe the state it holds".into());
    }
    Ok(state)
}

/// The newest valid snapshot whose header satisfies `usable`, and the snapshots passed over
/// because they were invalid. Only snapshots that are usable are loaded.
pub fn best(
    log: &Log,
    usable: impl Fn(&SnapshotHeader) -> bool,
) -> (Option<(u64, State)>, Vec<Ignored>) {
    let mut ignored = Vec::new();
    for (path, h) in log.snapshots.iter().rev() {
        if !usable(h) {
            continue;
        }
        match load(log, path, h) {
            Ok(state) => return (Some((h.count, state)), ignored),
            Err(why) => ignored.push(Ignored {
                path: path.clone(),
                why,
            }),
        }
    }
    (None, ignored)
}

/// Folds the whole log and writes a snapshot at every frame end that falls on a multiple of
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
    let mut state = log.genesis.initial.clone();
    let mut fingerprint = super::Fingerprint::new(&format::header());
    fingerprint.add(log.genesis_frame.0, log.genesis_frame.1);
    let mut written = 0;
    let mut done = 0;
    for f in &log.frames {
        state = log.fold(state, done, Upto::Count(f.through()), &mut ())?;
        done = f.through();
        fingerprint.add(f.len, f.crc);
        if done % every == 0 {
            let taken = Taken {
                count: done,
                offset: f.end,
                fingerprint: fingerprint.value(),
                last_date: Day(f.header.last_date),
                state: state.clone(),
            };
            write(log_path, &taken)?;
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
            let why = load(log, path, h).err()?;
            Some(Ignored {
                path: path.clone(),
                why,
            })
        })
        .collect()
}
