//! Replay workloads and the measurements `demarche bench` and the criterion benchmarks share.
//!
//! - [`workload`]: a seeded log of realistic size and mix (about 200 actors, 1,000 missions;
//!   crises of expulsions, caps, suspensions and statements answering each other), valid under
//!   the state machine, from [`crate::gen`].
//! - [`Records`] and [`Records::apply`]: the trusted apply in memory, stored facts already
//!   decoded, folded with [`State::apply_record`].
//! - [`replay`]: the trusted replay of a log file, through [`Log::fold`] (decode + apply).
//! - [`verify`]: the verified replay of a log file, through [`crate::log::verify::verify`]
//!   (every command decided again, its facts compared with those stored).
//! - [`typed`]: the baseline, the design event-sourcing crates use: JSON lines deserialised with
//!   serde into typed event structs (string ids), folded into `HashMap<String, _>` state.
//!   [`naive`] is the earlier baseline through `serde_json::Value`, kept for comparison with
//!   the figures measured before; it is slower than a typed design needs to be.

use crate::core::event::{Action, Body, Who};
use crate::core::state::Effect;
use crate::core::{Day, Engine, Event, Fact, Measure, State, World};
use crate::r#gen::{GenConfig, generate_with_progress};
use crate::log::{AppendError, Durability, Log, LogError, Upto, Writer, WriterOptions};
use crate::scenario::Scenario;
use std::mem::size_of;
use std::path::Path;
use std::time::{Duration, Instant};

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

/// Writes `s` as a new log at `path` (no fsync per frame, one at the end), with a snapshot
/// every `snapshot_every` events (0: none).
pub fn write_log(path: &Path, s: &Scenario, snapshot_every: u32) -> Result<(), AppendError> {
    let options = WriterOptions {
        durability: Durability::Batch,
        snapshots: snapshot_every > 0,
        ..WriterOptions::default()
    };
    Writer::create(path, s, snapshot_every, options).map(|_| ())
}

/// Decides and applies every event in memory, as the log writer does. Panics on a rejected
/// event (a workload is valid by construction).
pub fn decide_all(world: &World, initial: &State, events: &[Event]) -> State {
    let mut engine = Engine::new(world, initial.clone());
    for (i, e) in events.iter().enumerate() {
        if let Err(r) = engine.step(e, &mut ()) {
            panic!("workload event {} rejected: {}", i + 1, r.describe(world));
        }
    }
    engine.state
}

/// The stored facts of a log, decoded once and held in memory: every fact in one vector, and
/// per event its date and where its facts of time passing and its own facts end.
#[derive(Clone, Debug, Default)]
pub struct Records {
    dates: Vec<Day>,
    /// Per event: the end of its facts of time passing, then of its own facts, in `facts`.
    ends: Vec<(u32, u32)>,
    facts: Vec<Fact>,
}

impl Records {
    /// Decodes every frame of `log` (checking its checksum).
    pub fn from_log(log: &Log) -> Result<Records, LogError> {
        let mut r = Records {
            dates: Vec::with_capacity(log.count as usize),
            ends: Vec::with_capacity(log.count as usize),
            facts: Vec::new(),
        };
        let world = &log.genesis.world;
        for i in 0..log.frames.len() {
            let frame = log.frame(i)?;
            let mut reader = frame.stored(world);
            let damaged = |why: String, last_good: usize| LogError::Damaged {
                path: log.path.clone(),
                offset: log.frames[i].offset,
                last_good: last_good as u64,
                why,
            };
            let mut done = r.dates.len();
            while let Some(e) = reader.next_event().map_err(|why| damaged(why, done))? {
                done += 1;
                r.dates.push(e.date);
                r.facts.extend(e.passed.iter().cloned());
                let passed = r.facts.len() as u32;
                r.facts.extend(e.facts.iter().cloned());
                r.ends.push((passed, r.facts.len() as u32));
            }
        }
        r.facts.shrink_to_fit();
        Ok(r)
    }

    /// Decides every event of `s` and keeps the facts, as a writer would store them.
    pub fn decide(s: &Scenario) -> Records {
        let mut engine = Engine::recording(&s.world, s.initial.clone());
        let mut r = Records::default();
        for (i, e) in s.events.iter().enumerate() {
            if let Err(why) = engine.step(e, &mut ()) {
                panic!(
                    "workload event {} rejected: {}",
                    i + 1,
                    why.describe(&s.world)
                );
            }
            r.dates.push(e.date);
            r.facts.extend(engine.take_passed());
            let passed = r.facts.len() as u32;
            r.facts.extend_from_slice(engine.facts());
            r.ends.push((passed, r.facts.len() as u32));
        }
        r
    }

    /// Events held.
    pub fn events(&self) -> usize {
        self.dates.len()
    }

    /// Facts held, of time passing and of the commands.
    pub fn facts(&self) -> usize {
        self.facts.len()
    }

    /// The trusted apply in memory: folds every record into `state`, checking no rule.
    pub fn apply(&self, mut state: State) -> State {
        let mut start = 0;
        for (date, &(passed, end)) in self.dates.iter().zip(&self.ends) {
            let (passed, end) = (passed as usize, end as usize);
            state.apply_record(
                *date,
                &self.facts[start..passed],
                &self.facts[passed..end],
                &mut (),
            );
            start = end;
        }
        state
    }

    /// What the records take in memory: the vectors' allocations (capacity, not length) and
    /// what the facts own on the heap (deferred measures, held proposals).
    pub fn memory_bytes(&self) -> usize {
        size_of::<Self>()
            + self.dates.capacity() * size_of::<Day>()
            + self.ends.capacity() * size_of::<(u32, u32)>()
            + self.facts.capacity() * size_of::<Fact>()
            + self.facts.iter().map(fact_heap).sum::<usize>()
    }
}

/// Heap bytes a fact owns.
pub fn fact_heap(f: &Fact) -> usize {
    match f {
        Fact::Scheduled {
            effect: Effect::Measure(planned),
            ..
        } => size_of_val(&**planned) + action_heap(&planned.action),
        Fact::ProposalHeld { measures, .. } => measures_heap(measures, measures.len()),
        _ => 0,
    }
}

fn action_heap(a: &Action) -> usize {
    match a {
        Action::AccreditationGranted { who, .. }
        | Action::AccreditationWithdrawn { who, .. }
        | Action::PersonaNonGrata { who, .. }
        | Action::DepartureRequired { who, .. }
        | Action::StaffRecalled { who, .. }
        | Action::StaffDeparted { who, .. } => match who {
            Who::Named(ps) => ps.capacity() * size_of::<crate::core::PersonId>(),
            _ => 0,
        },
        _ => 0,
    }
}

fn measures_heap(ms: &[Measure], capacity: usize) -> usize {
    capacity * size_of::<Measure>() + ms.iter().map(|m| action_heap(&m.action)).sum::<usize>()
}

/// What commands take in memory as a scenario holds them (without their text: ids, sources
/// and notes are strings beside them).
pub fn commands_memory_bytes(events: &[Event]) -> usize {
    size_of_val(events)
        + events
            .iter()
            .map(|e| {
                e.in_response_to.capacity() * size_of::<crate::core::Seq>()
                    + match &e.body {
                        Body::Measures { measures, .. } => {
                            measures_heap(measures, measures.capacity())
                        }
                        _ => 0,
                    }
            })
            .sum::<usize>()
}

/// Opens the log at `path`, refusing a damaged one.
pub fn open(path: &Path) -> Result<Log, LogError> {
    let log = Log::open(path)?;
    match log.damage() {
        Some(e) => Err(e),
        None => Ok(log),
    }
}

/// The trusted replay of the log at `path`: opens it, reads every frame (checking its
/// checksum), decodes the stored facts and applies them through [`Log::fold`], ignoring
/// snapshots. No rule runs.
pub fn replay(path: &Path) -> Result<State, LogError> {
    let log = open(path)?;
    log.fold(
        log.genesis.initial.clone(),
        0,
        Upto::Count(log.count),
        &mut (),
    )
}

/// The verified replay of the log at `path`: every command decided again with this build's
/// rules and its facts compared with those stored. Returns the commands checked; a drift is an
/// error naming where.
pub fn verify(path: &Path) -> Result<u64, String> {
    let log = open(path).map_err(|e| e.to_string())?;
    let v = crate::log::verify::verify(&log, &mut |_| {}).map_err(|e| e.to_string())?;
    match v.drift {
        Some(d) => Err(format!("event {} (`{}`): {}", d.seq, d.id, d.what)),
        None => Ok(v.checked),
    }
}

/// Times `samples` queries of the state after a random number of events (seeded), through
/// [`Log::state`] as `demarche state` asks it (newest snapshot at or before the point, then the
/// trusted replay of the rest); returns the latencies sorted, shortest first.
pub fn state_at_latencies(
    log: &Log,
    samples: usize,
    seed: u64,
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<Duration>, LogError> {
    let mut rng = crate::r#gen::Rng::new(seed);
    let mut out = Vec::with_capacity(samples);
    for i in 0..samples {
        let at = rng.below(log.count.max(1) as u32) as u64 + 1;
        let (state, took) = timed(|| log.state(Upto::Count(at.min(log.count)), false));
        std::hint::black_box(state?);
        out.push(took);
        progress(i + 1);
    }
    out.sort();
    Ok(out)
}

/// The `q` quantile (0 to 1) of sorted durations, the nearest rank.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i]
}

/// How long `f` takes, on the wall clock.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let v = f();
    (v, t.elapsed())
}

/// Events per second of `f` over `events` events: the fastest of `rounds` runs (the least
/// disturbed by other work on the machine). Each run times its own measured part and returns
/// it, so that setup stays outside.
pub fn rate(events: usize, rounds: usize, mut f: impl FnMut() -> Duration) -> f64 {
    let best = (0..rounds.max(1))
        .map(|_| f())
        .min()
        .unwrap_or(Duration::MAX);
    events as f64 / best.as_secs_f64().max(1e-9)
}

/// The load average over the last minute (/proc/loadavg): how busy the machine was.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The peak resident set size of this process so far (`VmHWM` in /proc/self/status), in bytes;
/// `None` where the kernel does not report it.
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// The events of `s` as JSON lines (the same as `demarche log export --format jsonl`), the
/// input of both baselines.
pub fn jsonl(s: &Scenario) -> Vec<u8> {
    let mut out = Vec::new();
    crate::export::to_jsonl(s, &mut out).expect("writing to memory cannot fail");
    out
}

/// What both baselines keep per mission.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mission {
    pub staff: i64,
    pub leaving: i64,
    /// A cap on staff sent, and one on locally employed staff (the baselines keep one of each).
    pub cap: Option<i64>,
    pub local_cap: Option<i64>,
    pub local: i64,
    pub status: String,
}

/// The baselines' state: missions, event counts and relations by string id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Naive {
    pub missions: std::collections::HashMap<String, Mission>,
    pub events_by_actor: std::collections::HashMap<String, u64>,
    pub relations: std::collections::HashMap<String, String>,
}

pub mod typed {
    //! The baseline: each JSON line deserialised with serde into a typed event struct (string
    //! ids, owned strings, `#[derive(Deserialize)]`), as event-sourcing crates store and load
    //! events, folded into `HashMap<String, _>` state. It checks no rule: like the trusted
    //! replay, it only folds what it reads.

    use super::{Mission, Naive};
    use serde::Deserialize;

    /// One event line: every field the export writes (those an event kind does not use are
    /// absent or null). A measure's own fields sit at the top level for a single measure and
    /// in `measures` for a decision bundling several.
    #[derive(Deserialize, Debug)]
    pub struct Line {
        pub seq: u64,
        pub id: String,
        pub date: String,
        pub notified: Option<String>,
        pub kind: String,
        pub actor: String,
        #[serde(default)]
        pub in_response_to: Vec<String>,
        pub source: Option<String>,
        pub summary: Option<String>,
        pub note: Option<String>,
        #[serde(default)]
        pub proposed: bool,
        pub effective: Option<String>,
        pub mission: Option<String>,
        pub count: Option<i64>,
        pub category: Option<String>,
        pub persons: Option<Vec<String>>,
        pub all: Option<bool>,
        pub depart_by: Option<String>,
        pub limit: Option<i64>,
        pub reduce_by: Option<i64>,
        pub comply_by: Option<String>,
        pub sender: Option<String>,
        pub host: Option<String>,
        pub with: Option<String>,
        pub via: Option<String>,
        pub measures: Option<Vec<MeasureLine>>,
        pub target: Option<String>,
        pub tone: Option<String>,
        pub in_post: Option<InPost>,
        pub vacant: Option<i64>,
        pub proposal: Option<String>,
        pub of: Option<String>,
        pub how: Option<String>,
        pub counts: Option<String>,
    }

    /// A measure of a `countermeasures` decision.
    #[derive(Deserialize, Debug)]
    pub struct MeasureLine {
        pub kind: String,
        pub effective: Option<String>,
        pub mission: Option<String>,
        pub count: Option<i64>,
        pub category: Option<String>,
        pub persons: Option<Vec<String>>,
        pub all: Option<bool>,
        pub depart_by: Option<String>,
        pub limit: Option<i64>,
        pub reduce_by: Option<i64>,
        pub comply_by: Option<String>,
        pub sender: Option<String>,
        pub host: Option<String>,
        pub with: Option<String>,
        pub via: Option<String>,
        pub counts: Option<String>,
    }

    /// Staff in post by category, as a staff report gives them.
    #[derive(Deserialize, Debug, Default)]
    #[serde(rename_all = "kebab-case")]
    pub struct InPost {
        #[serde(default)]
        pub diplomatic: i64,
        #[serde(default)]
        pub administrative_technical: i64,
        #[serde(default)]
        pub service: i64,
        #[serde(default)]
        pub unspecified: i64,
    }

    /// What the fold reads of a measure, wherever it stands in the line.
    struct View<'a> {
        kind: &'a str,
        mission: Option<&'a String>,
        count: i64,
        limit: Option<i64>,
        counts: Option<&'a str>,
        with: Option<&'a str>,
        in_post: Option<&'a InPost>,
    }

    fn count(count: Option<i64>, persons: &Option<Vec<String>>) -> i64 {
        count
            .or_else(|| persons.as_ref().map(|p| p.len() as i64))
            .unwrap_or(0)
    }

    fn apply(state: &mut Naive, actor: &str, v: View<'_>) {
        let Some(mission) = v.mission else {
            if v.kind == "relations-broken" || v.kind == "relations-established" {
                let key = format!("{actor}|{}", v.with.unwrap_or(""));
                state.relations.insert(key, v.kind.to_string());
            }
            return;
        };
        let m = match state.missions.get_mut(mission) {
            Some(m) => m,
            None => state.missions.entry(mission.clone()).or_insert(Mission {
                status: "active".into(),
                ..Mission::default()
            }),
        };
        match v.kind {
            "accreditation-granted" => m.staff += v.count.max(1),
            "accreditation-withdrawn" | "persona-non-grata" | "departure-required" => {
                m.leaving += v.count.max(1)
            }
            "staff-departed" | "staff-recalled" => {
                let n = v.count.max(1);
                m.staff = (m.staff - n).max(0);
                m.leaving = (m.leaving - n).max(0);
            }
            "staff-cap-set" if v.counts == Some("locally-employed") => m.local_cap = v.limit,
            "cap-lifted" if v.counts == Some("locally-employed") => m.local_cap = None,
            "staff-cap-set" => m.cap = v.limit,
            "cap-lifted" => m.cap = None,
            "local-staff-hired" => m.local += v.count,
            "local-staff-dismissed" => m.local = (m.local - v.count).max(0),
            "mission-suspended" => m.status = "suspended".into(),
            "mission-closed" | "consent-withdrawn" => m.status = "closed".into(),
            "mission-opened" | "mission-reopened" => m.status = "active".into(),
            "staff-reported" => {
                if let Some(p) = v.in_post {
                    m.staff = p.diplomatic + p.administrative_technical + p.service + p.unspecified;
                }
            }
            _ => {}
        }
    }

    /// Folds one line.
    pub fn apply_line(state: &mut Naive, e: &Line) {
        match state.events_by_actor.get_mut(&e.actor) {
            Some(n) => *n += 1,
            None => {
                state.events_by_actor.insert(e.actor.clone(), 1);
            }
        }
        match &e.measures {
            Some(ms) if e.kind == "countermeasures" => {
                for m in ms {
                    let v = View {
                        kind: &m.kind,
                        mission: m.mission.as_ref(),
                        count: count(m.count, &m.persons),
                        limit: m.limit,
                        counts: m.counts.as_deref(),
                        with: m.with.as_deref(),
                        in_post: None,
                    };
                    apply(state, &e.actor, v);
                }
            }
            _ => {
                let v = View {
                    kind: &e.kind,
                    mission: e.mission.as_ref(),
                    count: count(e.count, &e.persons),
                    limit: e.limit,
                    counts: e.counts.as_deref(),
                    with: e.with.as_deref(),
                    in_post: e.in_post.as_ref(),
                };
                apply(state, &e.actor, v);
            }
        }
    }

    /// Parses every line into a [`Line`] and folds it.
    pub fn fold(jsonl: &[u8]) -> Naive {
        let mut state = Naive::default();
        for line in jsonl.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let e: Line = serde_json::from_slice(line).expect("baseline lines are event JSON");
            apply_line(&mut state, &e);
        }
        state
    }

    /// Reads the JSON lines file at `path` and folds it.
    pub fn replay(path: &std::path::Path) -> std::io::Result<Naive> {
        Ok(fold(&std::fs::read(path)?))
    }
}

pub mod naive {
    //! The earlier baseline, kept so the figures measured with it can be compared: every line
    //! parsed into a `serde_json::Value` tree, then folded into the same `HashMap<String, _>`
    //! state as [`super::typed`]. Building a tree per line makes it slower than a typed design.

    use super::{Mission, Naive};
    use serde_json::Value;

    fn count(v: &Value) -> i64 {
        v.get("count")
            .and_then(Value::as_i64)
            .or_else(|| {
                v.get("persons")
                    .and_then(Value::as_array)
                    .map(|p| p.len() as i64)
            })
            .unwrap_or(0)
    }

    fn apply(state: &mut Naive, actor: &str, e: &Value) {
        let kind = e["kind"].as_str().unwrap_or("");
        if kind == "countermeasures"
            && let Some(ms) = e["measures"].as_array()
        {
            for m in ms {
                apply(state, actor, m);
            }
            return;
        }
        let Some(mission) = e.get("mission").and_then(Value::as_str) else {
            if kind == "relations-broken" || kind == "relations-established" {
                let key = format!("{actor}|{}", e["with"].as_str().unwrap_or(""));
                state.relations.insert(key, kind.to_string());
            }
            return;
        };
        let m = state
            .missions
            .entry(mission.to_string())
            .or_insert_with(|| Mission {
                status: "active".into(),
                ..Mission::default()
            });
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
            "staff-cap-set" | "cap-lifted" => {
                let cap = (kind == "staff-cap-set")
                    .then(|| e.get("limit").and_then(Value::as_i64))
                    .flatten();
                if e.get("counts").and_then(Value::as_str) == Some("locally-employed") {
                    m.local_cap = cap;
                } else {
                    m.cap = cap;
                }
            }
            "local-staff-hired" => m.local += count(e),
            "local-staff-dismissed" => m.local = (m.local - count(e)).max(0),
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

    /// Parses every line into a `Value` and folds it.
    pub fn fold(jsonl: &[u8]) -> Naive {
        let mut state = Naive::default();
        for line in jsonl.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let e: Value = serde_json::from_slice(line).expect("baseline lines are JSON");
            let actor = e["actor"].as_str().unwrap_or("");
            *state.events_by_actor.entry(actor.to_string()).or_default() += 1;
            apply(&mut state, actor, &e);
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let d =
            std::env::temp_dir().join(format!("demarche-bench-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn every_replay_of_a_workload_reaches_the_decided_state() {
        let s = workload(800, 4, &mut |_| {});
        assert_eq!(s.world.actors.len(), 200);
        assert_eq!(s.world.missions.len(), 1000);
        let decided = decide_all(&s.world, &s.initial, &s.events);
        let d = scratch("replays");
        let path = d.join("w.log");
        write_log(&path, &s, 0).unwrap();
        assert_eq!(replay(&path).unwrap().digest(), decided.digest());
        assert_eq!(verify(&path).unwrap(), 800);
        let log = open(&path).unwrap();
        let records = Records::from_log(&log).unwrap();
        assert_eq!(records.events(), 800);
        assert!(
            records.facts() >= 800,
            "every command has at least one fact"
        );
        assert_eq!(records.apply(s.initial.clone()).digest(), decided.digest());
        let in_memory = Records::decide(&s);
        assert_eq!(in_memory.facts(), records.facts());
        assert_eq!(in_memory.apply(s.initial.clone()), decided);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn memory_counts_every_fact_and_what_it_owns() {
        let s = workload(300, 2, &mut |_| {});
        let r = Records::decide(&s);
        let flat = r.facts.capacity() * size_of::<Fact>();
        assert!(r.memory_bytes() > flat + r.events() * size_of::<(Day, (u32, u32))>() - 1);
        let owned: usize = r.facts.iter().map(fact_heap).sum();
        let deferred = r
            .facts
            .iter()
            .filter(|f| {
                matches!(
                    f,
                    Fact::Scheduled {
                        effect: Effect::Measure(_),
                        ..
                    }
                )
            })
            .count();
        assert!(deferred > 0, "the workload defers measures");
        assert!(owned >= deferred * size_of::<crate::core::state::Planned>());
        assert!(commands_memory_bytes(&s.events) >= s.events.len() * size_of::<Event>());
    }

    #[test]
    fn both_baselines_fold_the_same_lines_to_the_same_state() {
        let s = workload(2_000, 5, &mut |_| {});
        let lines = jsonl(&s);
        let typed = typed::fold(&lines);
        assert_eq!(typed.events_by_actor.values().sum::<u64>(), 2_000);
        assert!(typed.missions.len() > 100);
        assert!(typed.missions.values().any(|m| m.staff > 0));
        assert!(typed.missions.values().any(|m| m.cap.is_some()));
        assert!(typed.missions.values().any(|m| m.local > 0));
        assert!(typed.missions.values().any(|m| m.local_cap.is_some()));
        assert!(typed.missions.values().any(|m| m.status != "active"));
        assert_eq!(typed, naive::fold(&lines));
    }

    #[test]
    fn peak_rss_and_load_are_read_rates_take_the_fastest_run_and_quantiles_the_nearest_rank() {
        assert!(peak_rss().is_some_and(|b| b > 0));
        let d: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(quantile(&d, 0.5), Duration::from_millis(51));
        assert_eq!(quantile(&d, 0.99), Duration::from_millis(99));
        assert_eq!(quantile(&[], 0.5), Duration::ZERO);
        assert!(load_average().is_some_and(|l| l >= 0.0));
        let mut runs = [3, 1, 2].into_iter().map(Duration::from_millis);
        assert_eq!(rate(1_000, 3, || runs.next().unwrap()), 1_000_000.0);
    }
}
