//! Reading a log, frame by frame, without deciding anything.
//!
//! [`Log::open`] indexes the frames from their headers alone (a few dozen bytes each, read in
//! place) and reads the body of the last one, to tell a torn tail from damage. A frame's body
//! is read when something needs its events, and its checksum is checked then: damage found
//! there stops the reader at that frame, naming its byte offset and the last good sequence.
//!
//! [`Log::fold`] is the trusted replay: it applies the stored facts of the frames it needs,
//! starting from a snapshot or the genesis, and checks no rule. Memory grows with the frame
//! being read, not with the log.
//!
//! Logs written before facts were stored (record schemas 1 and 2) hold commands only. They are
//! decided once when opened, with this build's rules, and their frames held in memory in the
//! current layout; `demarche log upgrade` writes them out as a log of facts.

use super::check::{self, Bounds};
use super::format::{self, EventsHeader, FrameKind, SnapshotHeader};
use super::schema::{self, Genesis, Record};
use super::{Fingerprint, LogEnd, LogError, facts, io, snapshot};
use crate::codec;
use crate::core::{Change, Day, Engine, Event, Fact, Observe, Seq, State, World};
use crate::run::{Entry, Origin, Run};
use crate::scenario::{EventMeta, Scenario};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Where a read of a log stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upto {
    /// Every event; the clock then moves to the scenario's end if it is later.
    End,
    /// The first this many events.
    Count(u64),
    /// Every event dated on or before this day, then the clock moved to it (effects due by
    /// then applied).
    Date(Day),
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

impl EventsFrame {
    /// The core sequence of the frame's first event.
    pub fn first(&self) -> u64 {
        self.header.first_seq - 1
    }

    /// The number of events up to and including this frame's last.
    pub fn through(&self) -> u64 {
        self.first() + u64::from(self.header.count)
    }
}

/// A log opened for reading: its genesis and frame index. Bodies are read on demand.
pub struct Log {
    pub path: PathBuf,
    file: File,
    pub genesis: Genesis,
    pub frames: Vec<EventsFrame>,
    /// Events in whole, readable frames.
    pub count: u64,
    /// The byte after the last whole frame.
    pub end: u64,
    pub ending: LogEnd,
    /// The genesis frame's stored length and body checksum, first in the prefix fingerprint.
    pub genesis_frame: (u32, u32),
    /// The snapshot files beside the log when it was opened, oldest first (not yet checked).
    pub snapshots: Vec<(PathBuf, SnapshotHeader)>,
    /// Prefix fingerprints at the ends of frames that snapshots claim to cover.
    fingerprints: HashMap<u64, [u8; 32]>,
    fingerprint: Fingerprint,
    /// For logs of record schemas 1 and 2: every frame's payload in the current layout,
    /// decided once on open.
    upcast: Option<Vec<Vec<u8>>>,
    /// The record schema of the log's frames as written (3 for a log of facts).
    pub schema: u16,
    /// Frame bodies read from the file so far (tests check that reads stop at the answer).
    reads: AtomicU64,
    file_len: u64,
    /// When the log is damaged in its last frame, whose length checks out and which ends
    /// exactly at the end of the file: that end (`log repair --discard-damaged-tail` may cut
    /// from the damage to there).
    pub damaged_end: Option<u64>,
    /// The writer's record of the last acknowledged append, when there is one for this log.
    pub acknowledged: Option<format::AckRecord>,
    /// Why an acknowledgement record beside the log was not used.
    pub ack_note: Option<String>,
    /// Set when something beside the log proves it held more acknowledged events.
    pub shortened: Option<Shortened>,
    /// The prefix fingerprint right after the genesis frame: which log this is.
    pub genesis_fingerprint: [u8; 32],
}

/// What the frame at an offset turned out to be.
enum At {
    Frame { len: u32, crc: u32, end: u64 },
    End,
    Torn(String),
    Damaged(String),
}

fn read_at(file: &File, path: &Path, buf: &mut [u8], offset: u64) -> Result<(), LogError> {
    file.read_exact_at(buf, offset)
        .map_err(io(path, "cannot read the log"))
}

/// Checks the frame header at `at` (the file being `file_len` bytes long) without reading the
/// body: the same classification as [`format::next_frame`], with the body's checksum left for
/// when the body is read.
fn frame_header(file: &File, path: &Path, at: u64, file_len: u64) -> Result<At, LogError> {
    let rest = file_len - at;
    if rest == 0 {
        return Ok(At::End);
    }
    if rest < format::FRAME_HEADER_LEN as u64 {
        return Ok(At::Torn(format!(
            "the file ends {rest} bytes into a frame header"
        )));
    }
    let mut head = [0u8; format::FRAME_HEADER_LEN];
    read_at(file, path, &mut head, at)?;
    let word = |i: usize| u32::from_le_bytes(head[i..i + 4].try_into().expect("4 bytes"));
    let (len, len_crc, body_crc) = (word(0), word(4), word(8));
    if format::crc(&head[..4]) != len_crc {
        if zeros(file, path, at, file_len)? {
            return Ok(At::Torn(format!(
                "{rest} zero bytes where a frame should be"
            )));
        }
        return Ok(At::Damaged(
            "a frame length is damaged (its checksum does not match)".into(),
        ));
    }
    if len == 0 || len > format::MAX_BODY {
        return Ok(At::Damaged(format!(
            "a frame declares {len} bytes, outside 1..={}",
            format::MAX_BODY
        )));
    }
    let end = at + format::FRAME_HEADER_LEN as u64 + u64::from(len);
    if end > file_len {
        return Ok(At::Torn(format!(
            "a frame of {len} bytes is cut after {} bytes",
            rest - format::FRAME_HEADER_LEN as u64
        )));
    }
    Ok(At::Frame {
        len,
        crc: body_crc,
        end,
    })
}

/// True when every byte from `at` to the end of the file is zero.
fn zeros(file: &File, path: &Path, mut at: u64, file_len: u64) -> Result<bool, LogError> {
    let mut buf = vec![0u8; 1 << 16];
    while at < file_len {
        let n = ((file_len - at) as usize).min(buf.len());
        read_at(file, path, &mut buf[..n], at)?;
        if buf[..n].iter().any(|&b| b != 0) {
            return Ok(false);
        }
        at += n as u64;
    }
    Ok(true)
}

impl Log {
    /// Opens a log without locking it: checks the header and the genesis frame, indexes the
    /// frames from their headers, and reads the last frame's body to tell a torn tail from
    /// damage. Anything but a regular file is refused from its metadata, before it is opened
    /// (opening a FIFO would block).
    pub fn open(path: &Path) -> Result<Log, LogError> {
        let meta = std::fs::metadata(path).map_err(io(path, "cannot read the log"))?;
        if !meta.is_file() {
            return Err(LogError::NotALog {
                path: path.to_path_buf(),
                why: "not a regular file".into(),
            });
        }
        let file = File::open(path).map_err(io(path, "cannot read the log"))?;
        Log::open_file(path, file)
    }

    /// Opens the log `file`, already open (a writer reads the very file it locked), named
    /// `path` in messages and for the files beside it (snapshots, acknowledgement record).
    pub fn open_file(path: &Path, file: File) -> Result<Log, LogError> {
        let not_a_log = |why: String| LogError::NotALog {
            path: path.to_path_buf(),
            why,
        };
        let meta = file.metadata().map_err(io(path, "cannot read the log"))?;
        if !meta.is_file() {
            return Err(not_a_log("not a regular file".into()));
        }
        let file_len = meta.len();
        let mut header = [0u8; format::HEADER_LEN];
        if file_len < format::HEADER_LEN as u64 {
            return Err(not_a_log(format!(
                "the file is {file_len} bytes long, shorter than a log header ({} bytes)",
                format::HEADER_LEN
            )));
        }
        read_at(&file, path, &mut header, 0)?;
        format::check_header(&header).map_err(not_a_log)?;
        let mut fingerprint = Fingerprint::new(&header);
        let at = format::HEADER_LEN as u64;
        let (glen, gcrc, gend) = match frame_header(&file, path, at, file_len)? {
            At::Frame { len, crc, end } => (len, crc, end),
            At::End => return Err(not_a_log("the log has no genesis frame".into())),
            At::Torn(why) | At::Damaged(why) => {
                return Err(not_a_log(format!(
                    "the genesis frame cannot be read: {why}"
                )));
            }
        };
        let mut body = vec![0u8; glen as usize];
        read_at(&file, path, &mut body, at + format::FRAME_HEADER_LEN as u64)?;
        if format::crc(&body) != gcrc {
            return Err(not_a_log(
                "the genesis frame cannot be read: its checksum does not match".into(),
            ));
        }
        if body[0] != FrameKind::Genesis as u8 {
            return Err(not_a_log("the first frame is not a genesis frame".into()));
        }
        let genesis = schema::decode_genesis(&body[1..])
            .map_err(|e| not_a_log(format!("the genesis frame does not decode: {e}")))?;
        for d in [Some(genesis.start), genesis.end].into_iter().flatten() {
            check::day(d).map_err(|e| not_a_log(format!("the genesis frame {e}")))?;
        }
        if genesis.initial.events != 0 {
            return Err(not_a_log(format!(
                "the genesis frame's starting state counts {} events; a log starts with none",
                genesis.initial.events
            )));
        }
        drop(body);
        fingerprint.add(glen, gcrc);
        let genesis_fingerprint = fingerprint.value();
        let (acknowledged, ack_note) = read_ack(path, &genesis_fingerprint);
        let snapshots = snapshot::list(path);
        let mut wanted: Vec<u64> = snapshots.iter().map(|(_, h)| h.offset).collect();
        wanted.extend(acknowledged.as_ref().map(|a| a.end));
        let acked_end = acknowledged.as_ref().map(|a| a.end);
        let mut log = Log {
            path: path.to_path_buf(),
            file,
            genesis,
            frames: Vec::new(),
            count: 0,
            end: gend,
            ending: LogEnd::Clean,
            genesis_frame: (glen, gcrc),
            snapshots,
            fingerprints: HashMap::new(),
            fingerprint,
            upcast: None,
            schema: schema::RECORD_SCHEMA,
            reads: AtomicU64::new(0),
            file_len,
            damaged_end: None,
            acknowledged,
            ack_note,
            shortened: None,
            genesis_fingerprint,
        };
        if wanted.contains(&log.end) {
            log.fingerprints.insert(log.end, log.fingerprint.value());
        }
        let mut at = gend;
        loop {
            let (torn, why, frame_end) = match frame_header(&log.file, path, at, file_len)? {
                At::End => break,
                At::Torn(why) => (true, why, None),
                At::Damaged(why) => (false, why, None),
                At::Frame { len, crc, end } => {
                    let frame = EventsFrame {
                        offset: at,
                        end,
                        header: EventsHeader::parse(&[]).unwrap_or(EMPTY),
                        len,
                        crc,
                    };
                    // The last frame's body is read now, to tell a whole log from one whose
                    // last frame is damaged.
                    let last = end == file_len;
                    match log.index_frame(frame, last) {
                        Ok(()) => {
                            at = end;
                            log.end = at;
                            if wanted.contains(&log.end) {
                                log.fingerprints.insert(log.end, log.fingerprint.value());
                            }
                            continue;
                        }
                        Err(Stop::Damaged(why)) => (false, why, Some(end)),
                        Err(Stop::Io(e)) => return Err(e),
                    }
                }
            };
            log.ending = classify(at, file_len, torn, why, acked_end);
            if matches!(log.ending, LogEnd::Damaged { .. }) {
                log.damaged_end = frame_end.filter(|&e| e == file_len);
            }
            break;
        }
        if !matches!(log.ending, LogEnd::Damaged { .. }) {
            log.shortened = log.proven_longer();
        }
        if log.schema < 3 && !matches!(log.ending, LogEnd::Damaged { .. }) {
            log.upcast_legacy()?;
        }
        Ok(log)
    }

    /// What beside the log proves it held more (or other) acknowledged events than it does:
    /// its acknowledgement record, or a snapshot covering events past its end.
    fn proven_longer(&self) -> Option<Shortened> {
        if let Some(a) = &self.acknowledged {
            let evidence = super::ack_path(&self.path);
            if self.count < a.last_seq || self.end < a.end {
                return Some(Shortened {
                    missing: a.last_seq.saturating_sub(self.count),
                    evidence,
                    why: format!(
                        "its acknowledgement record says sequence {} was acknowledged (the log then ran to byte {}), but the log ends after sequence {} at byte {}",
                        a.last_seq, a.end, self.count, self.end
                    ),
                });
            }
            let ends_there = if a.last_seq == 0 {
                self.frames.first().map_or(self.end, |f| f.offset) == a.end
            } else {
                self.frame_ending_at(a.last_seq)
                    .is_some_and(|i| self.frames[i].end == a.end)
            };
            if !ends_there || self.fingerprint_at(a.end) != Some(a.fingerprint) {
                return Some(Shortened {
                    missing: a.last_seq,
                    evidence,
                    why: format!(
                        "its first {} events are not the ones acknowledged (the prefix fingerprint in its acknowledgement record differs): the log was replaced or rewritten",
                        a.last_seq
                    ),
                });
            }
        }
        let (path, h) = self.snapshots.iter().max_by_key(|(_, h)| h.count)?;
        (h.count > self.count).then(|| Shortened {
            missing: h.count - self.count,
            evidence: path.clone(),
            why: format!(
                "the snapshot {} covers {} events, so the log held at least that many, but it ends after sequence {}",
                path.display(),
                h.count,
                self.count
            ),
        })
    }

    /// How many acknowledged events lie after `last_good`, in words (from the acknowledgement
    /// record).
    pub fn affected(&self, last_good: u64) -> String {
        super::affected(last_good, self.acknowledged.as_ref().map(|a| a.last_seq))
    }

    /// The number of acknowledged events after `last_good`, if the log has a record of them.
    pub fn lost(&self, last_good: u64) -> Option<u64> {
        self.acknowledged
            .as_ref()
            .map(|a| a.last_seq.saturating_sub(last_good))
    }

    /// Copies the file's bytes `from..to` to `out`, a chunk at a time.
    pub fn copy_bytes(
        &self,
        from: u64,
        to: u64,
        out: &mut dyn std::io::Write,
    ) -> Result<(), LogError> {
        let mut buf = vec![0u8; 1 << 20];
        let mut at = from;
        while at < to {
            let n = ((to - at) as usize).min(buf.len());
            read_at(&self.file, &self.path, &mut buf[..n], at)?;
            out.write_all(&buf[..n])
                .map_err(io(&self.path, "cannot copy the log's bytes"))?;
            at += n as u64;
        }
        Ok(())
    }

    /// What a damaged frame at `offset` says of itself, unverified (its checksum failed):
    /// the first sequence and the number of events its header claims, when they are
    /// plausible (it starts where the log stopped).
    pub fn claimed_at(&self, offset: u64) -> Option<(u64, u32)> {
        let mut head = [0u8; format::FRAME_HEADER_LEN + 1 + format::EVENTS_HEADER_LEN];
        let n = (self.file_len.checked_sub(offset)? as usize).min(head.len());
        read_at(&self.file, &self.path, &mut head[..n], offset).ok()?;
        let h = EventsHeader::parse(head.get(format::FRAME_HEADER_LEN + 1..n)?).ok()?;
        (h.first_seq == self.count + 1 && h.count > 0).then_some((h.first_seq, h.count))
    }

    /// The length of the file when it was opened.
    pub fn file_len(&self) -> u64 {
        self.file_len
    }

    /// Indexes one frame from the first bytes of its body.
    fn index_frame(&mut self, mut frame: EventsFrame, last: bool) -> Result<(), Stop> {
        let body_at = frame.offset + format::FRAME_HEADER_LEN as u64;
        let n = (frame.len as usize).min(1 + format::EVENTS_HEADER_LEN);
        let mut head = vec![0u8; n];
        read_at(&self.file, &self.path, &mut head, body_at).map_err(Stop::Io)?;
        if last {
            let body = self.body_bytes(&frame).map_err(Stop::Io)?;
            if format::crc(&body) != frame.crc {
                // Every byte of it is there and its length checks out: the write finished,
                // so the bytes changed since (see `classify` for a frame past the last
                // acknowledged one).
                return Err(Stop::Damaged(format::LAST_FRAME_DAMAGED.into()));
            }
        }
        match FrameKind::from_byte(head[0]) {
            Some(FrameKind::Events) => {}
            Some(FrameKind::Genesis) => return Err(Stop::Damaged("a second genesis frame".into())),
            None => return Err(Stop::Damaged(format!("unknown frame kind {}", head[0]))),
        }
        let header = EventsHeader::parse(&head[1..]).map_err(Stop::Damaged)?;
        if header.first_seq != self.count + 1 {
            return Err(Stop::Damaged(format!(
                "the frame starts at sequence {} where {} was expected",
                header.first_seq,
                self.count + 1
            )));
        }
        if header.count == 0 {
            return Err(Stop::Damaged("an events frame with no events".into()));
        }
        if u64::from(header.count) * MIN_EVENT_BYTES > u64::from(frame.len) {
            return Err(Stop::Damaged(format!(
                "an events frame of {} bytes declares {} events, more than it can hold",
                frame.len, header.count
            )));
        }
        if header.schema > schema::RECORD_SCHEMA {
            return Err(Stop::Damaged(format!(
                "event record schema {} is newer than this build reads (up to {}); upgrade demarche",
                header.schema,
                schema::RECORD_SCHEMA
            )));
        }
        if self.frames.is_empty() {
            self.schema = header.schema;
        } else if (header.schema >= 3) != (self.schema >= 3) {
            return Err(Stop::Damaged(
                "frames of facts and frames of commands only are mixed".into(),
            ));
        }
        frame.header = header;
        self.count += u64::from(header.count);
        self.fingerprint.add(frame.len, frame.crc);
        self.frames.push(frame);
        Ok(())
    }

    fn body_bytes(&self, f: &EventsFrame) -> Result<Vec<u8>, LogError> {
        let mut body = vec![0u8; f.len as usize];
        read_at(
            &self.file,
            &self.path,
            &mut body,
            f.offset + format::FRAME_HEADER_LEN as u64,
        )?;
        self.reads.fetch_add(1, Ordering::Relaxed);
        Ok(body)
    }

    /// How many frame bodies were read from the file so far.
    pub fn frames_read(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    /// True when the file at `path` is a regular file that starts like a log. Anything else
    /// (a FIFO, a device, a folder) is not opened.
    pub fn is_log(path: &Path) -> bool {
        if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
            return false;
        }
        let mut magic = [0u8; 8];
        File::open(path)
            .and_then(|f| f.read_exact_at(&mut magic, 0))
            .is_ok_and(|()| format::looks_like_log(&magic))
    }

    /// The error for a damaged log (or one shorter than what beside it proves), if it is.
    pub fn damage(&self) -> Option<LogError> {
        match &self.ending {
            LogEnd::Damaged { offset, why } => Some(LogError::Damaged {
                path: self.path.clone(),
                offset: *offset,
                last_good: self.count,
                why: why.clone(),
            }),
            _ => self.shortened.as_ref().map(|s| LogError::Shortened {
                path: self.path.clone(),
                holds: self.count,
                missing: s.missing,
                evidence: s.evidence.clone(),
                why: s.why.clone(),
            }),
        }
    }

    fn damaged(&self, f: &EventsFrame, why: String) -> LogError {
        LogError::Damaged {
            path: self.path.clone(),
            offset: f.offset,
            last_good: f.first(),
            why,
        }
    }

    /// The payload of events frame `i` (after the kind byte), its checksum checked.
    pub fn payload(&self, i: usize) -> Result<Cow<'_, [u8]>, LogError> {
        let (bytes, start) = self.read_payload(i)?;
        Ok(match bytes {
            Cow::Borrowed(b) => Cow::Borrowed(&b[start..]),
            Cow::Owned(mut b) => {
                b.drain(..start);
                Cow::Owned(b)
            }
        })
    }

    /// The bytes holding frame `i`'s payload, its checksum checked, and where the payload
    /// starts in them (after the kind byte, read from the file; at 0 for a log upcast in
    /// memory).
    fn read_payload(&self, i: usize) -> Result<(Cow<'_, [u8]>, usize), LogError> {
        if let Some(up) = &self.upcast {
            return Ok((Cow::Borrowed(&up[i]), 0));
        }
        let f = &self.frames[i];
        let body = self.body_bytes(f)?;
        if format::crc(&body) != f.crc {
            return Err(self.damaged(f, "a frame's checksum does not match its bytes".into()));
        }
        Ok((Cow::Owned(body), 1))
    }

    /// Events frame `i`, read and split into its sections, its strings decoded.
    pub fn frame(&self, i: usize) -> Result<Frame<'_>, LogError> {
        self.read_frame(i, true)
    }

    /// Events frame `i` for its facts only: its strings are left undecoded (a fold needs none).
    pub fn frame_facts(&self, i: usize) -> Result<Frame<'_>, LogError> {
        self.read_frame(i, false)
    }

    fn read_frame(&self, i: usize, strings: bool) -> Result<Frame<'_>, LogError> {
        let (bytes, start) = self.read_payload(i)?;
        let f = &self.frames[i];
        let damaged = |why: String| self.damaged(f, why);
        let (header, sections) = EventsHeader::read(&bytes[start..]).map_err(damaged)?;
        let strings: Vec<String> = if strings {
            strings_of(&header, sections.strings)
                .map_err(|e| damaged(format!("its strings do not decode: {e}")))?
        } else {
            Vec::new()
        };
        let commands =
            start + header.size() + header.filter_len as usize + header.strings_len as usize;
        let facts = commands + header.commands_len as usize;
        Ok(Frame {
            index: i,
            header,
            strings,
            payload: bytes,
            commands: commands..facts,
            facts: facts..,
        })
    }

    /// The records (commands and their strings' ids) of frame `frame`, ids checked.
    pub fn records(&self, frame: &Frame<'_>) -> Result<Vec<Record>, LogError> {
        let f = &self.frames[frame.index];
        let records = schema::decode_records(
            3,
            &frame.payload[frame.commands.clone()],
            &self.genesis.world,
            f.first() as u32,
        )
        .map_err(|e| self.damaged(f, format!("its events do not decode: {e}")))?;
        if records.len() != f.header.count as usize {
            return Err(self.damaged(
                f,
                format!(
                    "the frame declares {} events and holds {}",
                    f.header.count,
                    records.len()
                ),
            ));
        }
        let n = frame.strings.len() as u32;
        for r in &records {
            let optional = [r.summary, r.note].into_iter().flatten();
            if r.id >= n || r.source >= n || optional.into_iter().any(|s| s >= n) {
                return Err(
                    self.damaged(f, "an event names a string the frame does not hold".into())
                );
            }
        }
        Ok(records)
    }

    /// The events of a frame with their text, as a scenario holds them.
    pub fn events(&self, frame: &Frame<'_>) -> Result<Vec<(Event, EventMeta)>, LogError> {
        let s = &frame.strings;
        Ok(self
            .records(frame)?
            .into_iter()
            .map(|r| {
                let meta = EventMeta {
                    id: s[r.id as usize].clone(),
                    span: 0..0,
                    source: s[r.source as usize].clone(),
                    summary: r.summary.map(|i| s[i as usize].clone()),
                    note: r.note.map(|i| s[i as usize].clone()),
                };
                (r.event, meta)
            })
            .collect())
    }

    /// The running fingerprint of the whole log.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint.clone()
    }

    /// The log sequence (from 1) of the event with this id: frame by frame, reading only the
    /// ids, stopping at the first match.
    pub fn seq_of(&self, id: &str) -> Result<Option<u64>, LogError> {
        for i in 0..self.frames.len() {
            if let Some(k) = self.frame_ids(i)?.iter().position(|x| x == id) {
                return Ok(Some(self.frames[i].first() + k as u64 + 1));
            }
        }
        Ok(None)
    }

    /// The ids of the events of frame `i`.
    fn frame_ids(&self, i: usize) -> Result<Vec<String>, LogError> {
        if self.upcast.is_some() {
            let mut strings = self.frame(i)?.strings;
            strings.truncate(self.frames[i].header.count as usize);
            return Ok(strings);
        }
        read_frame_ids(&self.file, &self.path, &self.frames[i])
    }

    /// Each frame's id filter (empty, matching everything, for logs of older schemas).
    pub fn filters(&self) -> Result<Vec<Vec<u8>>, LogError> {
        let mut out = Vec::with_capacity(self.frames.len());
        for f in &self.frames {
            let mut bytes = vec![0u8; f.header.filter_len as usize];
            if self.upcast.is_none() {
                let start = f.offset + format::FRAME_HEADER_LEN as u64 + 1 + f.header.size() as u64;
                read_at(&self.file, &self.path, &mut bytes, start)?;
            }
            out.push(bytes);
        }
        Ok(out)
    }

    /// The sequences (core, from 0) of the events a state still names: causes of pending
    /// effects, held proposals, leaving batches, caps and channels. A report of the state names
    /// these events and no others.
    pub fn named_by(state: &State) -> Vec<u64> {
        let mut out: Vec<u64> = Vec::new();
        out.extend(state.pending.iter().map(|p| u64::from(p.cause.0)));
        out.extend(state.proposals.iter().map(|p| u64::from(p.seq.0)));
        for ms in &state.missions {
            out.extend(ms.leaving.iter().map(|l| u64::from(l.cause.0)));
        }
        out.extend(
            state
                .caps
                .iter()
                .filter_map(|c| c.cause)
                .map(|c| u64::from(c.0)),
        );
        out.extend(
            state
                .designated
                .iter()
                .filter_map(|d| d.cause)
                .map(|c| u64::from(c.0)),
        );
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The prefix fingerprint at byte `offset`, if it was computed (the ends of frames that
    /// snapshots on disk claim to cover, and the end of the log).
    pub fn fingerprint_at(&self, offset: u64) -> Option<[u8; 32]> {
        if offset == self.end {
            return Some(self.fingerprint.value());
        }
        self.fingerprints.get(&offset).copied()
    }

    /// The frame index whose events end exactly at `count` events, if any.
    pub fn frame_ending_at(&self, count: u64) -> Option<usize> {
        self.frames
            .binary_search_by_key(&count, EventsFrame::through)
            .ok()
    }

    /// The frame holding core sequence `seq`.
    pub fn frame_of(&self, seq: u64) -> Option<usize> {
        let i = self.frames.partition_point(|f| f.through() <= seq);
        (i < self.frames.len()).then_some(i)
    }

    /// How many events are dated on or before `day`: a binary search over frame headers, then
    /// one frame read.
    pub fn count_through(&self, day: Day) -> Result<u64, LogError> {
        let i = self.frames.partition_point(|f| f.header.last_date <= day.0);
        if i == self.frames.len() {
            return Ok(self.count);
        }
        let f = &self.frames[i];
        if f.header.first_date > day.0 {
            return Ok(f.first());
        }
        let frame = self.frame_facts(i)?;
        let mut n = f.first();
        let mut reader = frame.stored(&self.genesis.world);
        while let Some(e) = reader.next_event().map_err(|why| self.damaged(f, why))? {
            if e.date > day {
                break;
            }
            n += 1;
        }
        Ok(n)
    }

    /// The trusted replay: applies the stored facts of events `from..` (the state given holds
    /// the first `from`) up to `upto`, reading only the frames it needs. Checks no rule.
    pub fn fold<O: Observe>(
        &self,
        mut state: State,
        from: u64,
        upto: Upto,
        obs: &mut O,
    ) -> Result<State, LogError> {
        if state.events != from {
            return Err(LogError::NotALog {
                path: self.path.clone(),
                why: format!(
                    "a fold from event {from} was given a state of {} events",
                    state.events
                ),
            });
        }
        let world = &self.genesis.world;
        let limit = match upto {
            Upto::Count(n) => n.min(self.count),
            _ => self.count,
        };
        let mut next = from;
        let start = self.frame_of(from).unwrap_or(self.frames.len());
        'frames: for i in start..self.frames.len() {
            if next >= limit {
                break;
            }
            if let Upto::Date(d) = upto
                && self.frames[i].header.first_date > d.0
                && next > self.frames[i].first()
            {
                break;
            }
            let frame = self.frame_facts(i)?;
            let f = &self.frames[i];
            let mut reader = frame.stored(world);
            let until = match upto {
                Upto::Date(d) => d,
                _ => Day(i32::MAX),
            };
            while u64::from(reader.seq) < next && reader.skip() {}
            loop {
                if u64::from(reader.seq) >= limit {
                    break 'frames;
                }
                match reader
                    .apply_next(&mut state, until, obs)
                    .map_err(|why| self.damaged(f, why))?
                {
                    None => break,
                    Some(Applied::Stopped) => break 'frames,
                    Some(Applied::Event) => next = u64::from(reader.seq),
                }
            }
        }
        let end = match upto {
            Upto::Date(d) => Some(d),
            Upto::End => self.genesis.end,
            Upto::Count(_) => None,
        };
        if let Some(d) = end
            && d > state.clock
        {
            // Past the last stored event, time passing is decided now (it is not in the log).
            let mut passed = Vec::new();
            state.advance(world, d, &mut passed);
            crate::core::replay::observe_passed(&passed, obs);
        }
        Ok(state)
    }

    /// The state after `upto`, from the newest usable snapshot (unless `fresh`). Returns the
    /// state and the number of events of the snapshot used, if one was.
    pub fn state(&self, upto: Upto, fresh: bool) -> Result<(State, Option<u64>), LogError> {
        let count = match upto {
            Upto::End => self.count,
            Upto::Count(n) => n.min(self.count),
            Upto::Date(d) => self.count_through(d)?,
        };
        let snap = if fresh {
            None
        } else {
            snapshot::best(self, |h| h.count <= count).0
        };
        let (from, state) = match snap {
            Some((c, s)) => (c, s),
            None => (0, self.genesis.initial.clone()),
        };
        let used = (from > 0).then_some(from);
        Ok((self.fold(state, from, upto, &mut ())?, used))
    }

    /// A replay of the whole log (or up to `upto`) as a [`Run`] with its timeline, and the log
    /// read as a scenario for reports: the trusted replay, from the genesis. What
    /// [`Log::timeline`] streams, collected.
    pub fn run(&self, upto: Upto) -> Result<(Scenario, Run), LogError> {
        let mut scenario = self.empty_scenario();
        let mut timeline: Vec<Entry> = Vec::new();
        let state = self.timeline(upto, &mut |day, head, changes| {
            let origin = match head {
                TimelineHead::Event { seq, event, meta } => {
                    if scenario.events.len() as u64 == seq {
                        scenario.events.push(event.clone());
                        scenario.meta.push(meta.clone());
                    }
                    Origin::Event(seq as usize)
                }
                TimelineHead::Effect { cause, .. } => Origin::Effect(cause as usize),
            };
            match timeline.last_mut() {
                Some(e) if e.day == day && e.origin == origin => {
                    e.changes.extend_from_slice(changes)
                }
                _ => timeline.push(Entry {
                    day,
                    origin,
                    changes: changes.to_vec(),
                }),
            }
        })?;
        let n = scenario.events.len();
        let run = Run {
            state,
            timeline,
            problems: Vec::new(),
            index_of: (0..n).collect(),
            considered: n,
        };
        Ok((scenario, run))
    }

    /// The trusted replay as a stream of timeline entries: `entry` is called with each entry
    /// (an event with its changes, or the changes a scheduled effect of an earlier event made
    /// on a day) as soon as it is complete, so memory grows with a frame, not with the log.
    /// Ids of earlier events that effects name are read from their frames when needed.
    /// Returns the state reached.
    pub fn timeline(
        &self,
        upto: Upto,
        entry: &mut dyn FnMut(Day, TimelineHead<'_>, &[Change]),
    ) -> Result<State, LogError> {
        let world = &self.genesis.world;
        let limit = match upto {
            Upto::Count(n) => n.min(self.count),
            _ => self.count,
        };
        let mut state = self.genesis.initial.clone();
        let mut changes: Vec<(Day, Seq, Change)> = Vec::new();
        let mut ids = IdCache::default();
        let mut seq = 0u64;
        'frames: for i in 0..self.frames.len() {
            if seq >= limit {
                break;
            }
            let frame = self.frame(i)?;
            let f = &self.frames[i];
            let events = self.events(&frame)?;
            ids.keep(i, events.iter().map(|(_, m)| m.id.clone()).collect());
            let mut reader = frame.stored(world);
            for (event, meta) in &events {
                let e = reader
                    .next_event()
                    .map_err(|why| self.damaged(f, why))?
                    .ok_or_else(|| self.damaged(f, "fewer facts than events".into()))?;
                if seq >= limit {
                    break 'frames;
                }
                if let Upto::Date(d) = upto
                    && e.date > d
                {
                    apply_passed_checked(world, &mut state, seq, &e.passed, d, &mut changes)
                        .map_err(|why| self.damaged(f, why))?;
                    self.flush(&mut changes, None, &mut ids, entry)?;
                    break 'frames;
                }
                check_record(&state, f, seq, e.date).map_err(|why| self.damaged(f, why))?;
                apply_checked(world, &mut state, seq, e, &mut changes)
                    .map_err(|why| self.damaged(f, why))?;
                let had_own =
                    self.flush(&mut changes, Some((seq, event, meta)), &mut ids, entry)?;
                if !had_own {
                    entry(e.date, TimelineHead::Event { seq, event, meta }, &[]);
                }
                seq += 1;
            }
        }
        let end = match upto {
            Upto::Date(d) => Some(d),
            Upto::End => self
                .genesis
                .end
                .filter(|e| self.frames.last().is_none_or(|f| f.header.last_date <= e.0)),
            Upto::Count(_) => None,
        };
        if let Some(d) = end
            && d > state.clock
        {
            let mut passed = Vec::new();
            state.advance(world, d, &mut passed);
            crate::core::replay::observe_passed(&passed, &mut changes);
            self.flush(&mut changes, None, &mut ids, entry)?;
        }
        Ok(state)
    }

    /// Hands the changes collected to `entry`, grouped as timelines are: consecutive changes of
    /// one day and one cause make an entry. Returns whether the current event had one.
    fn flush(
        &self,
        changes: &mut Vec<(Day, Seq, Change)>,
        current: Option<(u64, &Event, &EventMeta)>,
        ids: &mut IdCache,
        entry: &mut dyn FnMut(Day, TimelineHead<'_>, &[Change]),
    ) -> Result<bool, LogError> {
        let mut had_own = false;
        let mut group: Vec<Change> = Vec::new();
        let mut i = 0;
        while i < changes.len() {
            let (day, cause) = (changes[i].0, changes[i].1);
            group.clear();
            while i < changes.len() && (changes[i].0, changes[i].1) == (day, cause) {
                group.push(changes[i].2.clone());
                i += 1;
            }
            match current {
                Some((seq, event, meta)) if u64::from(cause.0) == seq => {
                    had_own = true;
                    entry(day, TimelineHead::Event { seq, event, meta }, &group);
                }
                _ => {
                    let cause = u64::from(cause.0);
                    let of = ids.get(self, cause)?;
                    entry(day, TimelineHead::Effect { cause, of: &of }, &group);
                }
            }
        }
        changes.clear();
        Ok(had_own)
    }

    /// A scenario with the log's header and cast and no events.
    pub fn empty_scenario(&self) -> Scenario {
        let g = &self.genesis;
        Scenario {
            name: self.path.display().to_string(),
            text: String::new(),
            title: g.title.clone(),
            summary: g.summary.clone(),
            sources: g.sources.clone(),
            start: g.start,
            end: g.end,
            world: g.world.clone(),
            initial: g.initial.clone(),
            events: Vec::new(),
            meta: Vec::new(),
        }
    }

    /// The log as a scenario (every command in sequence order, with its text), for exports and
    /// counterfactual branches. Reads every frame; memory grows with the log.
    pub fn scenario(&self) -> Result<Scenario, LogError> {
        let mut s = self.empty_scenario();
        for i in 0..self.frames.len() {
            let frame = self.frame(i)?;
            for (e, m) in self.events(&frame)? {
                s.events.push(e);
                s.meta.push(m);
            }
        }
        s.end = self
            .genesis
            .end
            .filter(|e| s.events.last().is_none_or(|l| l.date <= *e));
        Ok(s)
    }

    /// A scenario holding only the events whose sequences are given (for reports that name
    /// them: the causes of what a state still holds), and the position of each sequence in it
    /// (`usize::MAX` for those left out).
    pub fn sparse_scenario(
        &self,
        upto: u64,
        seqs: &[u64],
    ) -> Result<(Scenario, Vec<usize>), LogError> {
        let mut s = self.empty_scenario();
        let mut index_of = vec![usize::MAX; upto as usize];
        let mut wanted: Vec<u64> = seqs.iter().copied().filter(|&q| q < upto).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut k = 0;
        while k < wanted.len() {
            let Some(i) = self.frame_of(wanted[k]) else {
                break;
            };
            let frame = self.frame(i)?;
            let first = self.frames[i].first();
            let events = self.events(&frame)?;
            while k < wanted.len() && wanted[k] < self.frames[i].through() {
                let (e, m) = events[(wanted[k] - first) as usize].clone();
                index_of[wanted[k] as usize] = s.events.len();
                s.events.push(e);
                s.meta.push(m);
                k += 1;
            }
        }
        Ok((s, index_of))
    }

    /// Decides every command of a log of record schema 1 or 2 once, with this build's rules,
    /// and holds each frame as a payload of the current schema, with its facts.
    fn upcast_legacy(&mut self) -> Result<(), LogError> {
        let world = self.genesis.world.clone();
        let mut engine = Engine::recording(&world, self.genesis.initial.clone());
        let mut strings: Vec<String> = Vec::new();
        let mut out = Vec::with_capacity(self.frames.len());
        for i in 0..self.frames.len() {
            let f = self.frames[i].clone();
            let mut body = self.body_bytes(&f)?;
            if format::crc(&body) != f.crc {
                return Err(self.damaged(&f, "a frame's checksum does not match its bytes".into()));
            }
            body.remove(0);
            let (h, sections) = EventsHeader::read(&body).map_err(|w| self.damaged(&f, w))?;
            let new: Vec<String> = codec::decode(sections.strings)
                .map_err(|e| self.damaged(&f, format!("its strings do not decode: {e}")))?;
            strings.extend(new);
            let records =
                schema::decode_records(h.schema, sections.commands, &world, f.first() as u32)
                    .map_err(|e| self.damaged(&f, format!("its events do not decode: {e}")))?;
            if records.len() != h.count as usize {
                return Err(self.damaged(
                    &f,
                    format!(
                        "the frame declares {} events and holds {}",
                        h.count,
                        records.len()
                    ),
                ));
            }
            let mut items = Vec::with_capacity(records.len());
            for (k, r) in records.iter().enumerate() {
                let n = strings.len() as u32;
                let optional = [r.summary, r.note].into_iter().flatten();
                if r.id >= n || r.source >= n || optional.into_iter().any(|s| s >= n) {
                    return Err(
                        self.damaged(&f, "an event names a string the log does not hold".into())
                    );
                }
                engine.step(&r.event, &mut ()).map_err(|reason| LogError::Damaged {
                    path: self.path.clone(),
                    offset: f.offset,
                    last_good: f.first() + k as u64,
                    why: format!(
                        "event {} (written before logs stored facts) is rejected by this build's rules: E{:03} {}",
                        f.first() + k as u64 + 1,
                        reason.code(),
                        reason.describe(&world)
                    ),
                })?;
                items.push(Item {
                    id: strings[r.id as usize].clone(),
                    source: strings[r.source as usize].clone(),
                    summary: r.summary.map(|s| strings[s as usize].clone()),
                    note: r.note.map(|s| strings[s as usize].clone()),
                    event: r.event.clone(),
                    passed: engine.take_passed(),
                    facts: engine.facts().to_vec(),
                });
            }
            let payload = encode_frame(f.header.first_seq, &items);
            self.frames[i].header = EventsHeader::parse(&payload).expect("just written");
            out.push(payload);
        }
        self.upcast = Some(out);
        Ok(())
    }
}

/// The ids of the events of frame `f` of the file: the first strings of its string section,
/// read alone (the writer puts the ids there).
pub(crate) fn read_frame_ids(
    file: &File,
    path: &Path,
    f: &EventsFrame,
) -> Result<Vec<String>, LogError> {
    let damaged = |why: String| LogError::Damaged {
        path: path.to_path_buf(),
        offset: f.offset,
        last_good: f.first(),
        why,
    };
    let start = f.offset
        + format::FRAME_HEADER_LEN as u64
        + 1
        + f.header.size() as u64
        + u64::from(f.header.filter_len);
    let mut bytes = vec![0u8; f.header.strings_len as usize];
    read_at(file, path, &mut bytes, start)?;
    let mut strings = strings_of(&f.header, &bytes)
        .map_err(|e| damaged(format!("its strings do not decode: {e}")))?;
    if strings.len() < f.header.count as usize {
        return Err(damaged("the frame holds fewer strings than events".into()));
    }
    strings.truncate(f.header.count as usize);
    Ok(strings)
}

/// The strings of a frame's string section: compact integers from schema 3 on.
fn strings_of(h: &EventsHeader, bytes: &[u8]) -> Result<Vec<String>, codec::DecodeError> {
    if h.schema >= 3 {
        codec::decode_compact(bytes)
    } else {
        codec::decode(bytes)
    }
}

/// What a streamed timeline entry is about.
pub enum TimelineHead<'a> {
    /// The event of sequence `seq` (core, from 0).
    Event {
        seq: u64,
        event: &'a Event,
        meta: &'a EventMeta,
    },
    /// A scheduled effect of the earlier event of sequence `cause`, whose id is `of`.
    Effect { cause: u64, of: &'a str },
}

/// The ids of the frames read last, so that effects naming recent events cost no read.
#[derive(Default)]
struct IdCache {
    frames: Vec<(usize, Vec<String>)>,
}

impl IdCache {
    const KEEP: usize = 8;

    fn keep(&mut self, frame: usize, ids: Vec<String>) {
        if self.frames.iter().any(|(f, _)| *f == frame) {
            return;
        }
        if self.frames.len() == Self::KEEP {
            self.frames.remove(0);
        }
        self.frames.push((frame, ids));
    }

    fn get(&mut self, log: &Log, seq: u64) -> Result<String, LogError> {
        let i = log
            .frame_of(seq)
            .expect("a cause is an earlier event of the log");
        let first = log.frames[i].first();
        if let Some((_, ids)) = self.frames.iter().find(|(f, _)| *f == i) {
            return Ok(ids[(seq - first) as usize].clone());
        }
        let ids = log.frame_ids(i)?;
        let id = ids[(seq - first) as usize].clone();
        self.keep(i, ids);
        Ok(id)
    }
}

/// Checks that a stored record can follow the state: its date does not go backwards and its
/// sequence is the next one. (What the facts themselves name was checked when decoded.)
fn check_record(state: &State, f: &EventsFrame, seq: u64, date: Day) -> Result<(), String> {
    let _ = f;
    if state.events != seq {
        return Err(format!(
            "event {} follows a state of {} events",
            seq + 1,
            state.events
        ));
    }
    if date < state.clock {
        return Err(format!(
            "event {} is dated {date}, before the state's clock {}",
            seq + 1,
            state.clock
        ));
    }
    Ok(())
}

/// The trusted replay of one stored record, each fact checked to fit the state before it is
/// applied ([`check::fits`]): the facts of time passing (each effect falling due no later than
/// the event), then the command's own. What `State::apply_record` does, for facts read from a
/// file. `seq` is the event's (core) sequence, for messages.
fn apply_checked<O: Observe>(
    world: &World,
    state: &mut State,
    seq: u64,
    e: &Stored,
    obs: &mut O,
) -> Result<(), String> {
    if let Some(Fact::Due { day, .. }) = e
        .passed
        .iter()
        .find(|f| matches!(f, Fact::Due { day, .. } if *day > e.date))
    {
        return Err(format!(
            "event {}: an effect falls due on {day}, after the event's own date {}",
            seq + 1,
            e.date
        ));
    }
    apply_passed_checked(world, state, seq, &e.passed, e.date, obs)?;
    let cause = state.accept(e.date);
    for (k, f) in e.facts.iter().enumerate() {
        check::fits_in(world, state, f).map_err(|why| misfit(seq, k, f, &why))?;
        state.apply(e.date, cause, f);
        f.changes(|c| obs.change(e.date, cause, c));
    }
    Ok(())
}

/// Applies the facts of time passing that fall due on or before `until`, each checked first.
fn apply_passed_checked<O: Observe>(
    world: &World,
    state: &mut State,
    seq: u64,
    passed: &[Fact],
    until: Day,
    obs: &mut O,
) -> Result<(), String> {
    let mut at = (state.clock, Seq(0));
    for (k, f) in passed.iter().enumerate() {
        if let Fact::Due { day, cause, .. } = *f {
            if day > until {
                return Ok(());
            }
            at = (day, cause);
        }
        check::fits_in(world, state, f).map_err(|why| {
            format!(
                "event {}: its fact of time passing #{} ({f:?}) does not fit the state: {why}",
                seq + 1,
                k + 1
            )
        })?;
        state.apply(at.0, at.1, f);
        f.changes(|c| obs.change(at.0, at.1, c));
    }
    Ok(())
}

fn misfit(seq: u64, k: usize, f: &Fact, why: &str) -> String {
    format!(
        "event {}: its fact #{} ({f:?}) does not fit the state: {why}",
        seq + 1,
        k + 1
    )
}

/// No stored event takes fewer bytes than this (its date and two counts of facts, or in older
/// schemas its record), so a frame declares at most its length over this many events.
const MIN_EVENT_BYTES: u64 = 12;

const EMPTY: EventsHeader = EventsHeader {
    schema: 0,
    first_seq: 0,
    count: 0,
    strings_len: 0,
    commands_len: 0,
    filter_len: 0,
    first_date: 0,
    last_date: 0,
};

enum Stop {
    Damaged(String),
    Io(LogError),
}

/// Why the log is not what something beside it proves it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shortened {
    /// Acknowledged events not in the log as they were acknowledged.
    pub missing: u64,
    /// The file that proves it.
    pub evidence: PathBuf,
    pub why: String,
}

/// What an unreadable region at `at` (to the end of the file) is. A torn write is what a crash
/// leaves of a write that was never acknowledged: the file ends inside a frame, or zeros
/// follow. With an acknowledgement record, a region past the last acknowledged frame is torn
/// whatever its bytes (a crash of the machine may leave the first page of an unfinished write
/// zeroed and later pages present), and one before it is damage whatever its bytes (cutting
/// it would lose acknowledged events). Without one, anything but a clean prefix is damage.
fn classify(at: u64, file_len: u64, torn: bool, why: String, acked_end: Option<u64>) -> LogEnd {
    match acked_end {
        Some(e) if at >= e => LogEnd::Torn {
            offset: at,
            bytes: file_len - at,
            why: if torn {
                why
            } else {
                format!("{why}, past the last acknowledged frame: a write that was never finished")
            },
        },
        Some(e) if torn => LogEnd::Damaged {
            offset: at,
            why: format!(
                "{why}, but the log's acknowledgement record says its frames ran to byte {e}: the file was cut inside an acknowledged frame"
            ),
        },
        _ if torn => LogEnd::Torn {
            offset: at,
            bytes: file_len - at,
            why,
        },
        _ => LogEnd::Damaged { offset: at, why },
    }
}

/// Reads the acknowledgement record beside `log`: the record, if it belongs to this log (its
/// genesis fingerprint is `genesis`), or a note on why one there is not used.
pub(crate) fn read_ack(
    log: &Path,
    genesis: &[u8; 32],
) -> (Option<format::AckRecord>, Option<String>) {
    let path = super::ack_path(log);
    let Ok(meta) = std::fs::metadata(&path) else {
        return (None, None);
    };
    let note = |why: &str| (None, Some(format!("{} not used: {why}", path.display())));
    if !meta.is_file() || meta.len() != format::ACK_LEN as u64 {
        return note("not an acknowledgement record of this format");
    }
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => return note(&e.to_string()),
    };
    match format::AckRecord::read(&bytes) {
        Ok(a) if a.genesis == *genesis => (Some(a), None),
        Ok(_) => note("it belongs to another log (its genesis differs)"),
        Err(why) => note(&why),
    }
}

/// One events frame read from a log.
pub struct Frame<'a> {
    pub index: usize,
    pub header: EventsHeader,
    /// The strings the frame's records name.
    pub strings: Vec<String>,
    payload: Cow<'a, [u8]>,
    commands: std::ops::Range<usize>,
    facts: std::ops::RangeFrom<usize>,
}

impl Frame<'_> {
    /// Reads the stored facts of the frame's events, one event at a time.
    pub fn stored<'w>(&self, world: &'w crate::core::World) -> StoredReader<'_, 'w> {
        StoredReader {
            bytes: &self.payload[self.facts.clone()],
            at: 0,
            world,
            seq: (self.header.first_seq - 1) as u32,
            left: self.header.count,
            event: Stored::default(),
        }
    }
}

/// What [`StoredReader::apply_next`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// It applied the next event's facts.
    Event,
    /// It stopped at the date it was given, before the event (and before any effect due after
    /// the date).
    Stopped,
}

/// The stored facts of one event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stored {
    pub date: Day,
    /// Facts of time passing up to the event's date.
    pub passed: Vec<Fact>,
    /// The event's own facts.
    pub facts: Vec<Fact>,
}

/// Decodes a frame's facts section into reused buffers.
pub struct StoredReader<'a, 'w> {
    bytes: &'a [u8],
    at: usize,
    world: &'w crate::core::World,
    seq: u32,
    left: u32,
    event: Stored,
}

impl StoredReader<'_, '_> {
    /// Reads the start of the next event's facts: its date and how many facts of time passing
    /// and of its own follow.
    fn event_head(&mut self) -> Result<(Day, u32, u32), String> {
        let cut = || "the facts of an event are cut short".to_string();
        let date = self.bytes.get(self.at..self.at + 4).ok_or_else(cut)?;
        let date = Day(i32::from_le_bytes(date.try_into().expect("4 bytes")));
        check::day(date).map_err(|e| format!("event {}: its date {e}", u64::from(self.seq) + 1))?;
        self.at += 4;
        let passed = facts::get_count(self.bytes, &mut self.at)?;
        let own = facts::get_count(self.bytes, &mut self.at)?;
        Ok((date, passed, own))
    }

    /// Skips the next event's facts (decoding them, so that damage is still found); false after
    /// the last event.
    pub fn skip(&mut self) -> bool {
        matches!(self.next_event(), Ok(Some(_)))
    }

    /// The trusted fold's hot path: applies the next event's stored facts to `state` as they
    /// are decoded, with no copy. Stops, returning [`Applied::Stopped`], before the first effect
    /// falling due after `until` or before a command dated after it. `None` after the frame's
    /// last event.
    pub fn apply_next<O: Observe>(
        &mut self,
        state: &mut State,
        until: Day,
        obs: &mut O,
    ) -> Result<Option<Applied>, String> {
        if self.left == 0 {
            if self.at != self.bytes.len() {
                return Err(format!(
                    "{} bytes follow the frame's last facts",
                    self.bytes.len() - self.at
                ));
            }
            return Ok(None);
        }
        let (date, passed, own) = self.event_head()?;
        if state.events != u64::from(self.seq) {
            return Err(format!(
                "event {} follows a state of {} events",
                self.seq + 1,
                state.events
            ));
        }
        if date < state.clock {
            return Err(format!(
                "event {} is dated {date}, before the state's clock {}",
                self.seq + 1,
                state.clock
            ));
        }
        let bounds = Bounds::of(self.world, self.seq);
        let mut at = (state.clock, Seq(0));
        for k in 0..passed {
            let (fact, used) = facts::get(&self.bytes[self.at..], &bounds)
                .map_err(|e| format!("event {}: {e}", self.seq + 1))?;
            match fact {
                Fact::Due { day, .. } if day > date => {
                    return Err(format!(
                        "event {}: an effect falls due on {day}, after the event's own date {date}",
                        self.seq + 1
                    ));
                }
                Fact::Due { day, .. } if day > until => return Ok(Some(Applied::Stopped)),
                Fact::Due { day, cause, .. } => at = (day, cause),
                _ if k == 0 => {
                    return Err(format!(
                        "event {}: its facts of time passing do not start with an effect falling due",
                        self.seq + 1
                    ));
                }
                _ => {}
            }
            self.at += used;
            check::fits_in(self.world, state, &fact)
                .map_err(|why| misfit(u64::from(self.seq), k as usize, &fact, &why))?;
            state.apply(at.0, at.1, &fact);
            if O::WANTS {
                fact.changes(|c| obs.change(at.0, at.1, c));
            }
        }
        if date > until {
            return Ok(Some(Applied::Stopped));
        }
        let seq = state.accept(date);
        for k in 0..own {
            let (fact, used) = facts::get(&self.bytes[self.at..], &bounds)
                .map_err(|e| format!("event {}: {e}", self.seq + 1))?;
            self.at += used;
            check::fits_in(self.world, state, &fact)
                .map_err(|why| misfit(u64::from(self.seq), k as usize, &fact, &why))?;
            state.apply(date, seq, &fact);
            if O::WANTS {
                fact.changes(|c| obs.change(date, seq, c));
            }
        }
        self.seq += 1;
        self.left -= 1;
        Ok(Some(Applied::Event))
    }

    /// The next event's stored facts, or `None` after the frame's last event.
    pub fn next_event(&mut self) -> Result<Option<&Stored>, String> {
        if self.left == 0 {
            if self.at != self.bytes.len() {
                return Err(format!(
                    "{} bytes follow the frame's last facts",
                    self.bytes.len() - self.at
                ));
            }
            return Ok(None);
        }
        let (date, passed, facts) = self.event_head()?;
        let bounds = Bounds::of(self.world, self.seq);
        self.event.date = date;
        self.event.passed.clear();
        self.event.facts.clear();
        for k in 0..u64::from(passed) + u64::from(facts) {
            let (fact, used) = facts::get(&self.bytes[self.at..], &bounds)
                .map_err(|e| format!("event {}: {e}", u64::from(self.seq) + 1))?;
            self.at += used;
            if k < u64::from(passed) {
                self.event.passed.push(fact);
            } else {
                self.event.facts.push(fact);
            }
        }
        if self
            .event
            .passed
            .first()
            .is_some_and(|f| !matches!(f, Fact::Due { .. }))
        {
            return Err(format!(
                "event {}: its facts of time passing do not start with an effect falling due",
                u64::from(self.seq) + 1
            ));
        }
        self.seq += 1;
        self.left -= 1;
        Ok(Some(&self.event))
    }
}

/// One event to store, with its text and facts.
pub(crate) struct Item {
    pub id: String,
    pub source: String,
    pub summary: Option<String>,
    pub note: Option<String>,
    pub event: Event,
    pub passed: Vec<Fact>,
    pub facts: Vec<Fact>,
}

/// The payload of an events frame of the current schema: header, the frame's own strings, the
/// commands, then each event's facts.
pub(crate) fn encode_frame<'a>(first_seq: u64, items: &'a [Item]) -> Vec<u8> {
    let mut table: Vec<&'a str> = Vec::new();
    let mut ids: HashMap<&'a str, u32> = HashMap::new();
    let mut put = |s: &'a str| -> u32 {
        *ids.entry(s).or_insert_with(|| {
            table.push(s);
            table.len() as u32 - 1
        })
    };
    // The events' ids come first, in order: a writer opening the log reads them alone.
    for it in items {
        put(&it.id);
    }
    let mut records = Vec::with_capacity(items.len());
    for it in items {
        let id = put(&it.id);
        let source = put(&it.source);
        let summary = it.summary.as_deref().map(&mut put);
        let note = it.note.as_deref().map(&mut put);
        records.push(Record {
            id,
            source,
            summary,
            note,
            event: it.event.clone(),
        });
    }
    let ids: Vec<&str> = items.iter().map(|it| it.id.as_str()).collect();
    let filter = super::filter::build(&ids);
    let strings_bytes = codec::encode_compact(&table);
    let mut commands = Vec::new();
    schema::encode_records(&records, &mut commands);
    let mut facts_bytes = Vec::new();
    for it in items {
        facts_bytes.extend_from_slice(&it.event.date.0.to_le_bytes());
        facts::put_count(it.passed.len() as u32, &mut facts_bytes);
        facts::put_count(it.facts.len() as u32, &mut facts_bytes);
        for f in it.passed.iter().chain(&it.facts) {
            facts::put(f, &mut facts_bytes);
        }
    }
    let header = EventsHeader {
        schema: schema::RECORD_SCHEMA,
        first_seq,
        count: items.len() as u32,
        strings_len: strings_bytes.len() as u32,
        commands_len: commands.len() as u32,
        filter_len: filter.len() as u32,
        first_date: items.first().map_or(0, |i| i.event.date.0),
        last_date: items.last().map_or(0, |i| i.event.date.0),
    };
    let mut payload = Vec::with_capacity(
        format::EVENTS_HEADER_LEN
            + filter.len()
            + strings_bytes.len()
            + commands.len()
            + facts_bytes.len(),
    );
    header.write(&mut payload);
    payload.extend_from_slice(&filter);
    payload.extend_from_slice(&strings_bytes);
    payload.extend_from_slice(&commands);
    payload.extend_from_slice(&facts_bytes);
    payload
}

/// Decodes the events of an events payload read on its own (a follower reading new frames):
/// checks that it starts at `next_seq`, and reads the strings of its schema (the frame's own,
/// or for schemas 1 and 2 those it adds to `global`, the log's table so far).
pub(crate) fn decode_events(
    payload: &[u8],
    next_seq: u64,
    world: &crate::core::World,
    global: &mut Vec<String>,
) -> Result<(EventsHeader, Vec<(Event, EventMeta)>), String> {
    let (h, sections) = EventsHeader::read(payload)?;
    if h.first_seq != next_seq {
        return Err(format!(
            "the frame starts at sequence {} where {next_seq} was expected",
            h.first_seq
        ));
    }
    if h.count == 0 {
        return Err("an events frame with no events".into());
    }
    let new: Vec<String> =
        strings_of(&h, sections.strings).map_err(|e| format!("its strings do not decode: {e}"))?;
    let table: &[String] = if h.schema >= 3 {
        &new
    } else {
        global.extend(new);
        global
    };
    let records =
        schema::decode_records(h.schema, sections.commands, world, (h.first_seq - 1) as u32)
            .map_err(|e| format!("its events do not decode: {e}"))?;
    if records.len() != h.count as usize {
        return Err(format!(
            "the frame declares {} events and holds {}",
            h.count,
            records.len()
        ));
    }
    let n = table.len() as u32;
    let mut out = Vec::with_capacity(records.len());
    for r in records {
        let optional = [r.summary, r.note].into_iter().flatten();
        if r.id >= n || r.source >= n || optional.into_iter().any(|s| s >= n) {
            return Err("an event names a string the log does not hold".into());
        }
        let meta = EventMeta {
            id: table[r.id as usize].clone(),
            span: 0..0,
            source: table[r.source as usize].clone(),
            summary: r.summary.map(|i| table[i as usize].clone()),
            note: r.note.map(|i| table[i as usize].clone()),
        };
        out.push((r.event, meta));
    }
    Ok((h, out))
}
