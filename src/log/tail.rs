//! Following a log as other processes append to it (tokio).
//!
//! [`Follow`] keeps one cursor: the byte offset after the last whole frame it has handed out,
//! and the next sequence it expects. Catching up from disk and waiting for new appends are the
//! same loop (read from the cursor to the end of the file, hand out every whole frame, wait,
//! repeat), so there is no switch-over where an event could be missed or seen twice. An
//! unfinished frame at the end (an append in progress) is read again on the next poll; a damaged
//! frame is an error.

use super::format::{self, FrameKind, Next};
use super::reader::{decode_events, read_ack};
use super::schema::{self, Genesis};
use super::{Fingerprint, LogError, io};
use crate::core::Event;
use crate::core::world::Seq;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// One event read from a log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEvent {
    /// From 1.
    pub seq: u64,
    pub id: String,
    pub source: String,
    pub summary: Option<String>,
    pub note: Option<String>,
    pub event: Event,
}

/// An async reader that yields every event from a given sequence on, then waits for more.
pub struct Follow {
    path: PathBuf,
    /// The byte after the last whole frame read.
    offset: u64,
    /// The sequence the next frame must start at.
    next_seq: u64,
    /// Events below this sequence are skipped.
    from: u64,
    genesis: Option<Genesis>,
    /// The prefix fingerprint after the genesis frame (which acknowledgement record is this
    /// log's).
    genesis_fingerprint: [u8; 32],
    strings: Vec<String>,
    ready: VecDeque<LogEvent>,
    /// How long to wait between looks at the file once caught up.
    pub poll: Duration,
}

impl Follow {
    /// Follows the log at `path` from sequence `from` (1 for everything).
    pub fn new(path: &Path, from: u64) -> Follow {
        Follow {
            path: path.to_path_buf(),
            offset: 0,
            next_seq: 1,
            from: from.max(1),
            genesis: None,
            genesis_fingerprint: [0; 32],
            strings: Vec::new(),
            ready: VecDeque::new(),
            poll: Duration::from_millis(20),
        }
    }

    /// The log's genesis, once the first read has happened.
    pub fn genesis(&self) -> Option<&Genesis> {
        self.genesis.as_ref()
    }

    /// The next event, waiting for it to be appended if need be.
    pub async fn next(&mut self) -> Result<LogEvent, LogError> {
        loop {
            if let Some(e) = self.try_next().await? {
                return Ok(e);
            }
            tokio::time::sleep(self.poll).await;
        }
    }

    /// The next event if one is already in the file, without waiting.
    pub async fn try_next(&mut self) -> Result<Option<LogEvent>, LogError> {
        if self.ready.is_empty() {
            self.read_more().await?;
        }
        Ok(self.ready.pop_front())
    }

    async fn read_more(&mut self) -> Result<(), LogError> {
        let path = self.path.clone();
        let mut file = tokio::fs::File::open(&path)
            .await
            .map_err(io(&path, "cannot open the log"))?;
        let mut buf = Vec::new();
        let base = if self.genesis.is_none() {
            file.read_to_end(&mut buf)
                .await
                .map_err(io(&path, "cannot read the log"))?;
            let not_a_log = |why: String| LogError::NotALog {
                path: path.clone(),
                why,
            };
            // A log is put in place whole (written under another name, then linked), so a
            // file too short for the header of one is not a log.
            if buf.len() < format::HEADER_LEN {
                return Err(not_a_log(format!(
                    "the file is {} bytes long, shorter than a log header ({} bytes)",
                    buf.len(),
                    format::HEADER_LEN
                )));
            }
            format::check_header(&buf).map_err(not_a_log)?;
            match format::next_frame(&buf, format::HEADER_LEN) {
                Next::Frame(f) if f.kind == FrameKind::Genesis => {
                    let g = schema::decode_genesis(f.payload).map_err(|e| {
                        not_a_log(format!("the genesis frame does not decode: {e}"))
                    })?;
                    let mut fp = Fingerprint::new(&buf[..format::HEADER_LEN]);
                    fp.add(f.len, f.crc);
                    self.genesis_fingerprint = fp.value();
                    self.genesis = Some(g);
                    self.offset = f.end as u64;
                }
                Next::Torn(_) | Next::End => return Ok(()),
                Next::Damaged(why) => {
                    return Err(not_a_log(format!(
                        "the genesis frame cannot be read: {why}"
                    )));
                }
                Next::Frame(_) => {
                    return Err(not_a_log("the first frame is not a genesis frame".into()));
                }
            }
            buf.drain(..self.offset as usize);
            self.offset
        } else {
            file.seek(std::io::SeekFrom::Start(self.offset))
                .await
                .map_err(io(&path, "cannot read the log"))?;
            file.read_to_end(&mut buf)
                .await
                .map_err(io(&path, "cannot read the log"))?;
            self.offset
        };
        let mut at = 0;
        loop {
            match format::next_frame(&buf, at) {
                Next::End | Next::Torn(_) => break,
                Next::Damaged(why) => {
                    // Past the last acknowledged frame, unreadable bytes are a write in
                    // progress or one a crash left unfinished (see `Log::open`): wait.
                    let acked = read_ack(&self.path, &self.genesis_fingerprint).0;
                    if acked.is_some_and(|a| base + at as u64 >= a.end) {
                        break;
                    }
                    return Err(self.damaged(base + at as u64, why));
                }
                Next::Frame(f) => {
                    let events = self
                        .decode(f.payload)
                        .map_err(|why| self.damaged(base + at as u64, why))?;
                    self.ready.extend(events);
                    at = f.end;
                    self.offset = base + at as u64;
                }
            }
        }
        Ok(())
    }

    fn damaged(&self, offset: u64, why: String) -> LogError {
        LogError::Damaged {
            path: self.path.clone(),
            offset,
            last_good: self.next_seq - 1,
            why,
        }
    }

    fn decode(&mut self, payload: &[u8]) -> Result<Vec<LogEvent>, String> {
        let world = &self.genesis.as_ref().expect("read before events").world;
        let (h, events) = decode_events(payload, self.next_seq, world, &mut self.strings)?;
        let out = events
            .into_iter()
            .enumerate()
            .map(|(k, (event, meta))| LogEvent {
                seq: h.first_seq + k as u64,
                id: meta.id,
                source: meta.source,
                summary: meta.summary,
                note: meta.note,
                event,
            })
            .filter(|e| e.seq >= self.from)
            .collect();
        self.next_seq = h.first_seq + u64::from(h.count);
        Ok(out)
    }
}

/// Names the earlier events a tailed event refers to (what it answers, adopts or cancels):
/// from the events read lately, else by reading the one frame that holds them, so that memory
/// does not grow with the log.
pub struct EventIds {
    path: PathBuf,
    seen: RefCell<HashMap<u64, String>>,
    /// The log as last opened (frame headers only), opened again only for an event it does
    /// not hold yet (one appended since).
    log: RefCell<Option<super::Log>>,
}

/// How many recent ids `EventIds` keeps before it starts over.
pub const RECENT_IDS: usize = 65_536;

impl EventIds {
    pub fn new(path: &Path) -> Self {
        EventIds {
            path: path.to_path_buf(),
            seen: RefCell::new(HashMap::new()),
            log: RefCell::new(None),
        }
    }

    /// Remembers the id of an event just read.
    pub fn saw(&self, e: &LogEvent) {
        let mut seen = self.seen.borrow_mut();
        if seen.len() >= RECENT_IDS {
            seen.clear();
        }
        seen.insert(e.seq - 1, e.id.clone());
    }

    /// The event as `log export --format jsonl` writes it, the events it refers to named by id.
    pub fn record(&self, world: &crate::core::World, e: &LogEvent) -> serde_json::Value {
        let meta = crate::scenario::EventMeta {
            id: e.id.clone(),
            span: 0..0,
            source: e.source.clone(),
            summary: e.summary.clone(),
            note: e.note.clone(),
        };
        let id_of = |seq: Seq| self.id(seq);
        crate::export::event_record(world, &e.event, e.seq, Some(&meta), &id_of)
    }

    /// The id of the event with sequence index `seq` (from 0).
    pub fn id(&self, seq: Seq) -> String {
        let at = seq.0 as u64;
        if let Some(id) = self.seen.borrow().get(&at) {
            return id.clone();
        }
        let mut log = self.log.borrow_mut();
        if log.as_ref().is_none_or(|l| at >= l.count) {
            *log = super::Log::open(&self.path).ok();
        }
        let read = match log.as_ref() {
            Some(l) => l.sparse_scenario(at + 1, &[at]),
            None => return format!("#{}", at + 1),
        };
        match read {
            Ok((s, _)) if !s.meta.is_empty() => {
                let id = s.meta[0].id.clone();
                self.seen.borrow_mut().insert(at, id.clone());
                id
            }
            // Not readable (damage before it): named by its sequence, as an export does.
            _ => format!("#{}", at + 1),
        }
    }
}
