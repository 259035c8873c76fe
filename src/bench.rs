//! Replay workloads and the measurements `demarche bench` and the criterion benchmarks share.
//!
//! - [`workload`]: a seeded log of realistic size and mix (about 200 actors, 1,000 missions;
//!   crises of expulsions, caps, suspensions and statements answering each other), valid under
//!   the state machine, from [`crate::gen`].
//! - [`fold`]: the in-memory fold (decide + apply every event).
//! - [`decode_fold`]: read a log file, check its frames, decode and fold.
//! - [`naive`]: the baseline most event-sourcing libraries resemble: events as JSON lines with
//!   string ids, folded into `HashMap<String, _>` state. It applies no rules at all, so the ratio
//!   to it understates what the state machine does per event.

use crate::core::{Engine, Event, State, World};
use crate::r#gen::{GenConfig, generate_with_progress};
use crate::log::{Log, LogError};
use crate::scenario::Scenario;
use std::time::Instant;

/// The workload's shape: actors and missions of a busy multilateral period.
pub fn config(events: usize, seed: u64) -> GenConfig {
    GenConfig {
        seed,
        actors: 200,
        missions: 1000,
        events,
    }
}

/// Generates a workload of `events` events as a scenario (ids `g-1`...).
pub fn workload(events: usize, seed: u64, progress: &mut dyn FnMut(usize)) -> Scenario {
    generate_with_progress(&config(events, seed), progress).into_scenario("workload")
}

/// Folds `events` into `initial`: decide then apply each, as a replay does. Panics on a
/// rejected event (a workload is valid by construction).
pub fn fold(world: &World, initial: &State, events: &[Event]) -> State {
    let mut engine = Engine::new(world, initial.clone());
    for (i, e) in events.iter().enumerate() {
        if let Err(r) = engine.step(e, &mut ()) {
            panic!("workload event {} rejected: {}", i + 1, r.describe(world));
        }
    }
    engine.state
}

/// The trusted replay of the log at `path`: reads every frame (checking its checksum), decodes
/// the stored facts and applies them, ignoring snapshots. No rule runs.
pub fn decode_fold(path: &std::path::Path) -> Result<State, LogError> {
    let log = Log::open(path)?;
    if let Some(e) = log.damage() {
        return Err(e);
    }
    log.fold(
        log.genesis.initial.clone(),
        0,
        crate::log::Upto::Count(log.count),
        &mut (),
    )
}

/// Times `samples` queries of the state after a random number of events (seeded), from the
/// nearest snapshot; returns the latencies sorted, shortest first.
pub fn state_at_latencies(
    log: &Log,
    samples: usize,
    seed: u64,
) -> Result<Vec<std::time::Duration>, LogError> {
    let mut rng = crate::r#gen::Rng::new(seed);
    let mut out = Vec::with_capacity(samples);
    for _ in 0..samples {
        let at = rng.below(log.count.max(1) as u32) as u64 + 1;
        let t = Instant::now();
        std::hint::black_box(log.state(crate::log::Upto::Count(at.min(log.count)), false)?);
        out.push(t.elapsed());
    }
    out.sort();
    Ok(out)
}

/// The `q` quantile (0 to 1) of sorted durations.
pub fn quantile(sorted: &[std::time::Duration], q: f64) -> std::time::Duration {
    if sorted.is_empty() {
        return std::time::Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i]
}

/// Events per second of `f` over `events` events: the best of `rounds` runs (the least
/// disturbed by other work on the machine).
pub fn rate(events: usize, rounds: usize, mut f: impl FnMut()) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    events as f64 / best.max(1e-9)
}

pub mod naive {
    //! The baseline: JSON lines with string ids, folded into string-keyed hash maps.

    use crate::scenario::Scenario;
    use serde_json::Value;
    use std::collections::HashMap;

    /// What the baseline keeps per mission.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct Mission {
        pub staff: i64,
        pub leaving: i64,
        pub cap: Option<i64>,
        pub status: String,
    }

    /// The baseline's state: missions and event counts by string id.
    #[derive(Clone, Debug, Default)]
    pub struct State {
        pub missions: HashMap<String, Mission>,
        pub events_by_actor: HashMap<String, u64>,
        pub relations: HashMap<String, String>,
    }

    /// The events of `s` as JSON lines (the same as `demarche log export --format jsonl`).
    pub fn jsonl(s: &Scenario) -> Vec<u8> {
        let mut out = Vec::new();
        crate::export::to_jsonl(s, &mut out).expect("writing to memory cannot fail");
        out
    }

    fn count(v: &Value) -> i64 {
        v.get("count").and_then(Value::as_i64).unwrap_or(0)
    }

    fn apply(state: &mut State, e: &Value) {
        let kind = e["kind"].as_str().unwrap_or("");
        if kind == "countermeasures" {
            if let Some(ms) = e["measures"].as_array() {
                for m in ms {
                    apply(state, m);
                }
            }
            return;
        }
        let mission = e.get("mission").and_then(Value::as_str).map(str::to_string);
        let entry = |state: &mut State| {
            mission.clone().map(|m| {
                let e = state.missions.entry(m).or_default();
                if e.status.is_empty() {
                    e.status = "active".to_string();
                }
            })
        };
        entry(state);
        let Some(m) = mission.as_ref().and_then(|m| state.missions.get_mut(m)) else {
            if kind == "relations-broken" || kind == "relations-established" {
                let key = format!("{}|{}", e["actor"], e["with"]);
                state.relations.insert(key, kind.to_string());
            }
            return;
        };
        match kind {
            "accreditation-granted" => m.staff += count(e).max(1),
            "accreditation-withdrawn" | "persona-non-grata" | "departure-required" => {
                m.leaving += count(e).max(1)
            }
            "staff-departed" | "staff-recalled" => {
                let n = count(e).max(1);
                m.staff = (m.staff - n).max(0);
                m.leaving = (m.leaving - n).max(0);
            }
            "staff-cap-set" => m.cap = e.get("limit").and_then(Value::as_i64),
            "cap-lifted" => m.cap = None,
            "mission-suspended" => m.status = "suspended".into(),
            "mission-closed" | "consent-withdrawn" => m.status = "closed".into(),
            "mission-opened" | "mission-reopened" => m.status = "active".into(),
            "staff-reported" => {
                if let Some(o) = e["in_post"].as_object() {
                    m.staff = o.values().filter_map(Value::as_i64).sum();
                }
            }
            _ => {}
        }
    }

    /// Parses every line and folds it.
    pub fn fold(jsonl: &[u8]) -> State {
        let mut state = State::default();
        for line in jsonl.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let e: Value = serde_json::from_slice(line).expect("baseline lines are JSON");
            let actor = e["actor"].as_str().unwrap_or("").to_string();
            *state.events_by_actor.entry(actor).or_default() += 1;
            apply(&mut state, &e);
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workload_folds_the_same_from_memory_and_from_a_log() {
        let s = workload(800, 4, &mut |_| {});
        assert_eq!(s.world.actors.len(), 200);
        assert_eq!(s.world.missions.len(), 1000);
        let mem = fold(&s.world, &s.initial, &s.events);
        let d = std::env::temp_dir().join(format!("demarche-bench-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        let path = d.join("w.log");
        crate::log::Writer::create(&path, &s, 0, crate::log::WriterOptions::default()).unwrap();
        let from_log = decode_fold(&path).unwrap();
        assert_eq!(mem.digest(), from_log.digest());
        let naive = naive::fold(&naive::jsonl(&s));
        assert_eq!(naive.events_by_actor.values().sum::<u64>(), 800);
        assert!(!naive.missions.is_empty());
        let _ = std::fs::remove_dir_all(&d);
    }
}
