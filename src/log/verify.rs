//! The verified replay: every stored command decided again with this build's rules, and the
//! facts it yields compared with the facts the log stores.
//!
//! A log means what its facts say, whatever build reads it. When the rules change, the facts
//! stored by an older build may differ from what this build would decide: `log verify` finds
//! the first command where they do, and `log upgrade` rewrites the log with this build's
//! facts, if its commands are all still accepted.

use super::LogError;
use super::reader::Log;
use crate::core::{Engine, Fact, Reason};

/// Where the stored facts and this build's decisions first part.
#[derive(Clone, Debug, PartialEq)]
pub struct Drift {
    /// The log sequence of the command (from 1).
    pub seq: u64,
    pub id: String,
    /// The byte offset of the frame holding it.
    pub offset: u64,
    /// What differs, in words.
    pub what: String,
}

/// The outcome of a verified replay.
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    /// Commands decided again (all of them when nothing drifted).
    pub checked: u64,
    /// The first command whose facts differ, if one does.
    pub drift: Option<Drift>,
    /// The digest of the state the decisions reached (when nothing drifted).
    pub digest: Option<String>,
}

/// Decides every command of `log` again and compares the facts with those stored. Reads every
/// frame (checking every checksum); calls `progress` with the commands checked so far after
/// each frame.
pub fn verify(log: &Log, progress: &mut dyn FnMut(u64)) -> Result<Verified, LogError> {
    let world = &log.genesis.world;
    let mut engine = Engine::recording(world, log.genesis.initial.clone());
    let mut checked = 0;
    for i in 0..log.frames.len() {
        let frame = log.frame(i)?;
        let f = &log.frames[i];
        let records = log.records(&frame)?;
        let mut stored = frame.stored(world);
        for r in &records {
            let seq = checked + 1;
            let s = stored
                .next_event()
                .map_err(|why| damaged(log, f.offset, checked, why))?
                .ok_or_else(|| damaged(log, f.offset, checked, "fewer facts than events".into()))?;
            let drift = |what: String| Drift {
                seq,
                id: frame.strings[r.id as usize].clone(),
                offset: f.offset,
                what,
            };
            if s.date != r.event.date {
                return Ok(Verified {
                    checked,
                    digest: None,
                    drift: Some(drift(format!(
                        "its facts are dated {} but the command {}",
                        s.date, r.event.date
                    ))),
                });
            }
            match engine.step(&r.event, &mut ()) {
                Err(reason) => {
                    return Ok(Verified {
                        checked,
                        digest: None,
                        drift: Some(drift(rejected(log, &reason))),
                    });
                }
                Ok(_) => {
                    let passed = engine.take_passed();
                    if let Some(what) = differ("facts of time passing", &s.passed, &passed)
                        .or_else(|| differ("facts", &s.facts, engine.facts()))
                    {
                        return Ok(Verified {
                            checked,
                            digest: None,
                            drift: Some(drift(what)),
                        });
                    }
                }
            }
            checked += 1;
        }
        progress(checked);
    }
    Ok(Verified {
        checked,
        drift: None,
        digest: Some(engine.state.digest()),
    })
}

fn rejected(log: &Log, reason: &Reason) -> String {
    format!(
        "this build's rules reject it: E{:03} {}",
        reason.code(),
        reason.describe(&log.genesis.world)
    )
}

fn damaged(log: &Log, offset: u64, last_good: u64, why: String) -> LogError {
    LogError::Damaged {
        path: log.path.clone(),
        offset,
        last_good,
        why,
    }
}

/// Describes the first difference between stored and decided facts, if any.
fn differ(what: &str, stored: &[Fact], decided: &[Fact]) -> Option<String> {
    if stored == decided {
        return None;
    }
    let i = stored
        .iter()
        .zip(decided)
        .position(|(a, b)| a != b)
        .unwrap_or(stored.len().min(decided.len()));
    Some(match (stored.get(i), decided.get(i)) {
        (Some(a), Some(b)) => format!(
            "its {what} differ at #{}: stored {a:?}, decided {b:?}",
            i + 1
        ),
        (Some(a), None) => format!(
            "the log stores {} {what} where this build decides {} (first extra: {a:?})",
            stored.len(),
            decided.len()
        ),
        (None, Some(b)) => format!(
            "the log stores {} {what} where this build decides {} (first missing: {b:?})",
            stored.len(),
            decided.len()
        ),
        (None, None) => unreachable!("the lists differ"),
    })
}
