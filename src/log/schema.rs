//! The versioned payloads of a log: what the genesis frame and each event record hold, and the
//! upcasters that read older schemas into the current one.
//!
//! Core types (`World`, `State`, `Event`) are stored as bincode inside these payloads. bincode
//! has no field names, so any change to the layout of a stored type is a schema change: bump
//! the schema, freeze the old layout here as a `...V<n>` struct, and add an upcaster. The golden
//! logs under tests/golden/logs/ fail to decode if this is forgotten.

use crate::codec::{self, DecodeError};
use crate::core::{Day, Event, State, World};
use serde::{Deserialize, Serialize};

/// The schema of the genesis payload this build writes.
pub const GENESIS_SCHEMA: u16 = 1;
/// The schema of event records this build writes.
///
/// History: 1 (first release) held id, source and event; 2 adds the one-line summary and the
/// note of an event, so that an exported log gives back the scenario file it came from.
pub const RECORD_SCHEMA: u16 = 2;

/// What a log starts from: the scenario's header, cast and starting state.
///
/// Genesis schema 1 was first written when `State` ended with a list of every accepted event's
/// author and date (`Vec<Logged>`); that list became a count (`events: u64`). A starting state
/// holds no events, and bincode writes an empty vector and a zero count as the same 8 zero
/// bytes, so schema 1 genesis frames read unchanged (the golden logs prove it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    pub world: World,
    pub initial: State,
}

/// An index into the log's string table (strings are introduced by event frames, in order).
pub type StrId = u32;

/// One event as stored (schema 2): the core event and the ids of its strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub id: StrId,
    pub source: StrId,
    pub summary: Option<StrId>,
    pub note: Option<StrId>,
    pub event: Event,
}

/// An event record of schema 1, frozen as it was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordV1 {
    pub id: StrId,
    pub source: StrId,
    pub event: Event,
}

impl From<RecordV1> for Record {
    /// Schema 1 had no summary or note: the upcast event has none.
    fn from(r: RecordV1) -> Record {
        Record {
            id: r.id,
            source: r.source,
            summary: None,
            note: None,
            event: r.event,
        }
    }
}

/// Encodes the genesis payload: schema, then the value.
pub fn encode_genesis(g: &Genesis) -> Vec<u8> {
    let mut out = GENESIS_SCHEMA.to_le_bytes().to_vec();
    codec::encode_into(g, &mut out);
    out
}

pub fn decode_genesis(payload: &[u8]) -> Result<Genesis, DecodeError> {
    let (schema, body) = split_schema(payload)?;
    match schema {
        1 => codec::decode(body),
        n => Err(unknown_schema("genesis", n, GENESIS_SCHEMA)),
    }
}

/// Decodes records of a given schema into the current one.
pub fn decode_records(schema: u16, bytes: &[u8]) -> Result<Vec<Record>, DecodeError> {
    match schema {
        1 => {
            let old: Vec<RecordV1> = codec::decode(bytes)?;
            Ok(old.into_iter().map(Record::from).collect())
        }
        2 => codec::decode(bytes),
        n => Err(unknown_schema("event record", n, RECORD_SCHEMA)),
    }
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
