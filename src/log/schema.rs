//! The versioned payloads of a log: what the genesis frame and each event record hold, and the
//! upcasters that read older schemas.
//!
//! Every payload is made of the log's own frozen wire types ([`super::wire`]) and facts in the
//! layout of [`super::facts`], never of core types: the core can change without changing a
//! byte on disk. A change to a stored layout is a new schema, with the old one frozen here and
//! read on.
//!
//! History:
//! - genesis 1: title, summary, sources, start, end, snapshot interval, cast, starting state.
//! - genesis 2: adds the rules version the log's facts were decided with.
//! - genesis 3: adds what the starting state holds beyond genesis 2's ([`wire::StateExtra`]:
//!   locally employed staff, caps counting other staff than those sent). Written only when
//!   that is not empty; otherwise genesis 2, byte for byte as before.
//! - records 1: id, source and the command (announced event); readers decided every command.
//! - records 2: adds the one-line summary and the note of an event.
//! - records 3: each frame holds its own strings, the commands, and the facts each command
//!   caused (the facts of time passing first); readers apply facts and decide nothing.

use super::wire;
use crate::codec::{self, DecodeError};
use crate::core::{Day, Event, State, World};
use serde::{Deserialize, Serialize};

/// The newest schema of the genesis payload this build writes (it writes 2 when the starting
/// state has nothing only 3 can hold).
pub const GENESIS_SCHEMA: u16 = 3;
/// The schema of event records this build writes.
pub const RECORD_SCHEMA: u16 = 3;

/// What a log starts from: the scenario's header, cast and starting state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Genesis {
    pub title: String,
    pub summary: Option<String>,
    pub sources: Vec<String>,
    pub start: Day,
    /// The last day the scenario covered when imported. A replay moves the clock here after the
    /// last event only if no event is dated later.
    pub end: Option<Day>,
    /// Snapshots are taken every this many events (0: never).
    pub snapshot_every: u32,
    /// The rules version the stored facts were decided with ([`crate::core::RULES_VERSION`]);
    /// 0 for logs written before facts were stored.
    pub rules: u32,
    pub world: World,
    pub initial: State,
}

/// The genesis payload of schema 1, frozen.
#[derive(Serialize, Deserialize)]
struct GenesisV1 {
    title: String,
    summary: Option<String>,
    sources: Vec<String>,
    start: i32,
    end: Option<i32>,
    snapshot_every: u32,
    world: wire::World,
    initial: wire::State,
}

/// The genesis payload of schema 2, frozen.
#[derive(Serialize, Deserialize)]
struct GenesisV2 {
    title: String,
    summary: Option<String>,
    sources: Vec<String>,
    start: i32,
    end: Option<i32>,
    snapshot_every: u32,
    rules: u32,
    world: wire::World,
    initial: wire::State,
}

/// The genesis payload of schema 3, frozen.
#[derive(Serialize, Deserialize)]
struct GenesisV3 {
    v2: GenesisV2,
    extra: wire::StateExtra,
}

/// An index into a string table: the frame's own (schema 3), or the log's (schemas 1 and 2,
/// where strings are introduced by frames in order).
pub type StrId = u32;

/// One event as the reader hands it out: the command and the ids of its strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub id: StrId,
    pub source: StrId,
    pub summary: Option<StrId>,
    pub note: Option<StrId>,
    pub event: Event,
}

/// An event record of schemas 2 and 3, frozen: the strings' ids and the command.
#[derive(Serialize, Deserialize)]
struct RecordV2 {
    id: StrId,
    source: StrId,
    summary: Option<StrId>,
    note: Option<StrId>,
    event: wire::Command,
}

/// An event record of schema 1, frozen as it was written.
#[derive(Serialize, Deserialize)]
pub struct RecordV1 {
    pub id: StrId,
    pub source: StrId,
    pub event: wire::Command,
}

/// Encodes the genesis payload: schema, then the value.
pub fn encode_genesis(g: &Genesis) -> Vec<u8> {
    let extra = wire::StateExtra::of(&g.initial);
    let schema: u16 = if extra.is_empty() { 2 } else { 3 };
    let mut out = schema.to_le_bytes().to_vec();
    let v = GenesisV2 {
        title: g.title.clone(),
        summary: g.summary.clone(),
        sources: g.sources.clone(),
        start: g.start.0,
        end: g.end.map(|d| d.0),
        snapshot_every: g.snapshot_every,
        rules: g.rules,
        world: wire::World::from(&g.world),
        initial: wire::State::from(&g.initial),
    };
    if extra.is_empty() {
        codec::encode_into(&v, &mut out);
    } else {
        codec::encode_into(&GenesisV3 { v2: v, extra }, &mut out);
    }
    out
}

pub fn decode_genesis(payload: &[u8]) -> Result<Genesis, DecodeError> {
    let (schema, body) = split_schema(payload)?;
    let mut extra = wire::StateExtra::default();
    let v: GenesisV2 = match schema {
        1 => {
            let v: GenesisV1 = codec::decode(body)?;
            GenesisV2 {
                title: v.title,
                summary: v.summary,
                sources: v.sources,
                start: v.start,
                end: v.end,
                snapshot_every: v.snapshot_every,
                rules: 0,
                world: v.world,
                initial: v.initial,
            }
        }
        2 => codec::decode(body)?,
        3 => {
            let v: GenesisV3 = codec::decode(body)?;
            extra = v.extra;
            v.v2
        }
        n => return Err(unknown_schema("genesis", n, GENESIS_SCHEMA)),
    };
    let world = World::from(v.world);
    super::check::world(&world).map_err(DecodeError)?;
    let mut initial = State::from(v.initial);
    extra.restore(&mut initial).map_err(DecodeError)?;
    super::check::state(&initial, &world).map_err(DecodeError)?;
    Ok(Genesis {
        title: v.title,
        summary: v.summary,
        sources: v.sources,
        start: Day(v.start),
        end: v.end.map(Day),
        snapshot_every: v.snapshot_every,
        rules: v.rules,
        world,
        initial,
    })
}

/// Encodes records (the commands section of schema 3: compact integers, since a fold never
/// reads it).
pub fn encode_records(records: &[Record], out: &mut Vec<u8>) {
    let v: Vec<RecordV2> = records
        .iter()
        .map(|r| RecordV2 {
            id: r.id,
            source: r.source,
            summary: r.summary,
            note: r.note,
            event: wire::Command::from(&r.event),
        })
        .collect();
    out.extend_from_slice(&codec::encode_compact(&v));
}

/// Decodes the records of a frame of any schema. Ids in the commands are checked against the
/// cast, and references against the sequence each command had (`first`, the core sequence of
/// the frame's first event).
pub fn decode_records(
    schema: u16,
    bytes: &[u8],
    world: &World,
    first: u32,
) -> Result<Vec<Record>, DecodeError> {
    let raw: Vec<RecordV2> = match schema {
        1 => {
            let old: Vec<RecordV1> = codec::decode(bytes)?;
            old.into_iter()
                .map(|r| RecordV2 {
                    id: r.id,
                    source: r.source,
                    summary: None,
                    note: None,
                    event: r.event,
                })
                .collect()
        }
        2 => codec::decode(bytes)?,
        3 => codec::decode_compact(bytes)?,
        n => return Err(unknown_schema("event record", n, RECORD_SCHEMA)),
    };
    let mut out = Vec::with_capacity(raw.len());
    for (i, r) in raw.into_iter().enumerate() {
        let seq = first + i as u32;
        let event =
            Event::try_from(r.event).map_err(|e| DecodeError(format!("event {}: {e}", seq + 1)))?;
        super::check::event(&super::check::Bounds::of(world, seq), &event)
            .map_err(|e| DecodeError(format!("event {}: {e}", seq + 1)))?;
        out.push(Record {
            id: r.id,
            source: r.source,
            summary: r.summary,
            note: r.note,
            event,
        });
    }
    Ok(out)
}

pub fn split_schema(payload: &[u8]) -> Result<(u16, &[u8]), DecodeError> {
    if payload.len() < 2 {
        return Err(DecodeError("payload shorter than its schema number".into()));
    }
    Ok((u16::from_le_bytes([payload[0], payload[1]]), &payload[2..]))
}

fn unknown_schema(what: &str, n: u16, newest: u16) -> DecodeError {
    DecodeError(format!(
        "{what} schema {n} is newer than this build reads (up to {newest}); upgrade demarche"
    ))
}
