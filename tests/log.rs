//! The durable log as users and later builds meet it: golden logs every build must read, the
//! schema 1 upcaster, bounded decoding of hostile bytes, encode/decode round trips over
//! generated logs, snapshots that give the same state as a full replay, and the `log` commands.
//! Crash and multi-process tests are in log_crash.rs.

use demarche::codec;
use demarche::core::{Engine, Event};
use demarche::r#gen::{GenConfig, Generator, generate};
use demarche::log::format::{self, EventsHeader, FrameKind};
use demarche::log::schema::{self, RecordV1};
use demarche::log::{
    AppendError, Log, LogEnd, LogError, NewEvent, Writer, WriterOptions, snapshot,
};
use demarche::log::{Upto, wire};
use demarche::run::{Until, run};
use demarche::scenario::{self, Scenario};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh, empty folder for one test.
fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let d = std::env::temp_dir().join(format!("demarche-log-{}-{name}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn nato() -> Scenario {
    scenario::load(&root().join("scenarios/nato-russia-2021.toml")).unwrap()
}

fn demarche(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_demarche"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn create(path: &Path, s: &Scenario, every: u32) -> Writer {
    Writer::create(path, s, every, WriterOptions::default()).unwrap()
}

/// A generated scenario (ids `g-1`...) over `actors` actors and `missions` missions.
fn generated(seed: u64, actors: usize, missions: usize, events: usize) -> Scenario {
    generate(&GenConfig {
        seed,
        actors,
        missions,
        events,
    })
    .into_scenario("generated")
}

fn digest_at_end(s: &Scenario) -> String {
    let r = run(s, Until::End, false);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    r.state.digest()
}

// ---- golden logs ----

#[test]
fn golden_logs_of_every_schema_still_read_as_the_scenario_they_were_imported_from() {
    let s = nato();
    for (file, has_text) in [
        ("v1-nato-russia-2021.log", false),
        ("v2-nato-russia-2021.log", true),
        ("v3-nato-russia-2021.log", true),
        ("v3-rules2-nato-russia-2021.log", true),
    ] {
        let log = Log::open(&root().join("tests/golden/logs").join(file)).unwrap();
        assert_eq!(log.ending, LogEnd::Clean, "{file}");
        assert_eq!(log.count, 13, "{file}");
        let back = log.scenario().unwrap();
        assert_eq!(back.title, s.title);
        assert_eq!(back.world, s.world, "{file}");
        assert_eq!(back.initial, s.initial, "{file}");
        assert_eq!(back.events, s.events, "{file}");
        for (a, b) in back.meta.iter().zip(&s.meta) {
            assert_eq!((&a.id, &a.source), (&b.id, &b.source), "{file}");
            if has_text {
                assert_eq!((&a.summary, &a.note), (&b.summary, &b.note), "{file}");
            } else {
                // Schema 1 had no summaries or notes: the upcaster gives none.
                assert_eq!((&a.summary, &a.note), (&None, &None), "{file}");
            }
        }
        assert_eq!(digest_at_end(&back), digest_at_end(&s), "{file}");
        // The trusted replay (stored facts, or for older schemas facts decided once on open)
        // reaches the recorded state too.
        let (_, trusted) = log.run(Upto::End).unwrap();
        assert_eq!(trusted.state.digest(), digest_at_end(&s), "{file}");
    }
}

#[test]
fn the_golden_log_of_this_build_is_what_this_build_writes() {
    // If this fails, the bytes this build writes changed: bump the schema (with an upcaster
    // for the old one) and commit a new golden log beside the old ones; never edit them.
    let d = scratch("golden");
    let path = d.join("nato.log");
    create(&path, &nato(), 0);
    let now = std::fs::read(&path).unwrap();
    let golden =
        std::fs::read(root().join("tests/golden/logs/v3-rules2-nato-russia-2021.log")).unwrap();
    assert!(
        now == golden,
        "this build writes other bytes than the golden log"
    );
}

#[test]
fn a_log_of_facts_of_an_older_rules_version_reads_and_verify_reports_it_outdated() {
    // The v3 golden log holds facts of rules version 1: it still opens and replays as its
    // facts say, and `log verify` says it is outdated (its commands still decide into the
    // same facts, so nothing drifts).
    let path = root().join("tests/golden/logs/v3-nato-russia-2021.log");
    let log = Log::open(&path).unwrap();
    assert_eq!(log.genesis.rules, 1);
    assert!(log.genesis.rules < demarche::core::RULES_VERSION);
    let (_, r) = log.run(Upto::End).unwrap();
    assert_eq!(r.state.digest(), digest_at_end(&nato()));
    let o = demarche(&["log", "verify", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    let out = format!("{}{}", text(&o.stdout), text(&o.stderr));
    assert!(
        out.contains("decided with rules version 1")
            && out.contains(&format!(
                "this build decides with version {}",
                demarche::core::RULES_VERSION
            )),
        "{out}"
    );
}

#[test]
fn schema_1_records_upcast_to_the_current_schema() {
    let g = generate(&GenConfig {
        seed: 3,
        actors: 4,
        missions: 6,
        events: 40,
    });
    let old: Vec<RecordV1> = g
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| RecordV1 {
            id: i as u32,
            source: 0,
            event: wire::Command::from(e),
        })
        .collect();
    let bytes = codec::encode(&old);
    let new = schema::decode_records(1, &bytes, &g.world, 0).unwrap();
    assert_eq!(new.len(), old.len());
    for (i, n) in new.iter().enumerate() {
        assert_eq!((n.id, n.source, &n.event), (i as u32, 0, &g.events[i]));
        assert_eq!((n.summary, n.note), (None, None));
    }
    // The same bytes read as schema 2 would be misread: the schema number matters.
    assert_ne!(
        schema::decode_records(2, &bytes, &g.world, 0).ok(),
        Some(new)
    );
    let err = schema::decode_records(9, &bytes, &g.world, 0).unwrap_err();
    assert!(err.0.contains("schema 9 is newer"), "{err}");
}

// ---- hostile and damaged bytes ----

/// The bytes of the nato cast and starting state as a log without events.
fn genesis_only() -> Vec<u8> {
    let s = nato();
    let d = scratch("hostile");
    let path = d.join("base.log");
    let empty = Scenario {
        events: vec![],
        meta: vec![],
        ..s
    };
    create(&path, &empty, 0);
    std::fs::read(&path).unwrap()
}

/// A log whose only events frame has `payload` (with a valid checksum: a hostile writer).
fn log_with_payload(payload: &[u8]) -> Vec<u8> {
    let mut bytes = genesis_only();
    format::write_frame(FrameKind::Events, payload, &mut bytes).unwrap();
    bytes
}

/// An events payload for sequence 1 holding one event, with `strings` then `records` bytes.
fn events_payload(strings: &[u8], records: &[u8]) -> Vec<u8> {
    let mut payload = Vec::new();
    EventsHeader {
        schema: schema::RECORD_SCHEMA,
        first_seq: 1,
        count: 1,
        strings_len: strings.len() as u32,
        commands_len: records.len() as u32,
        filter_len: 0,
        first_date: 0,
        last_date: 0,
    }
    .write(&mut payload);
    payload.extend_from_slice(strings);
    payload.extend_from_slice(records);
    payload
}

fn open_bytes(bytes: &[u8]) -> Result<Log, LogError> {
    let d = scratch("open");
    let path = d.join("x.log");
    std::fs::write(&path, bytes).unwrap();
    Log::open(&path)
}

#[test]
fn hostile_lengths_inside_a_valid_frame_are_errors_not_allocations() {
    // Strings section claiming 2^60 strings.
    let mut strings = (1u64 << 60).to_le_bytes().to_vec();
    strings.extend_from_slice(b"xx");
    let log = open_bytes(&log_with_payload(&events_payload(&strings, &[]))).unwrap();
    assert_eq!(log.ending, LogEnd::Clean, "the frame itself checks out");
    let err = log.scenario().unwrap_err();
    assert!(
        matches!(&err, LogError::Damaged { last_good: 0, why, .. } if why.contains("strings do not decode")),
        "{err}"
    );

    // Records claiming 2^40 of them, after an empty string section.
    let strings = codec::encode(&Vec::<String>::new());
    let records = (1u64 << 40).to_le_bytes();
    let log = open_bytes(&log_with_payload(&events_payload(&strings, &records))).unwrap();
    assert_eq!(log.ending, LogEnd::Clean, "the frame itself checks out");
    let err = log.scenario().unwrap_err();
    assert!(
        matches!(&err, LogError::Damaged { last_good: 0, why, .. } if why.contains("do not decode")),
        "{err}"
    );
}

#[test]
fn a_frame_length_beyond_the_limit_is_damage_even_with_a_valid_length_checksum() {
    // Right after the genesis frame, a frame header claiming 4 GiB, its length checksum
    // valid, followed by more bytes than a header but far fewer than claimed.
    let mut bytes = genesis_only();
    let at = bytes.len() as u64;
    let len = u32::MAX.to_le_bytes();
    bytes.extend_from_slice(&len);
    bytes.extend_from_slice(&format::crc(&len).to_le_bytes());
    bytes.extend_from_slice(&[0; 4]);
    bytes.extend_from_slice(&[7; 64]);
    let log = open_bytes(&bytes).unwrap();
    assert_eq!(log.count, 0);
    match &log.ending {
        LogEnd::Damaged { offset, why } => {
            assert_eq!(*offset, at);
            assert!(
                why.contains(&format!("declares {} bytes", u32::MAX)),
                "{why}"
            );
        }
        // Taking it for a torn tail would let a writer cut what follows.
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_damaged_middle_frame_stops_reading_and_names_the_offset_and_last_good_sequence() {
    let d = scratch("middle");
    let path = d.join("x.log");
    let mut w = create(&path, &nato(), 0);
    let extra = more_events(&w, 3);
    for e in &extra {
        w.append(std::slice::from_ref(e), None).unwrap();
    }
    drop(w);
    let clean = Log::open(&path).unwrap();
    assert_eq!(clean.count, 16);
    let second_last = clean.frames[clean.frames.len() - 2].clone();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[second_last.offset as usize + 20] ^= 0x10;
    std::fs::write(&path, &bytes).unwrap();
    let log = Log::open(&path).unwrap();
    assert_eq!(log.count, 14);
    let err = log.damage().unwrap().to_string();
    assert!(
        err.contains(&format!("damaged frame at byte {}", second_last.offset))
            && err.contains("last good event is sequence 14"),
        "{err}"
    );
    // The CLI says so, and exits 1 after replaying the part before the damage.
    let p = path.to_str().unwrap();
    let o = demarche(&["replay", p]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("last good event is sequence 14"),
        "{}",
        text(&o.stderr)
    );
    let o = demarche(&["log", "verify", p]);
    assert_eq!(o.status.code(), Some(1));
    // And a writer refuses it.
    assert!(matches!(
        Writer::open(&path, WriterOptions::default()),
        Err(LogError::Damaged { last_good: 14, .. })
    ));
}

/// `n` more valid statements to append to what `w` holds.
fn more_events(w: &Writer, n: usize) -> Vec<NewEvent> {
    let world = &w.genesis().world;
    let mut g = Generator::new(world, 99);
    let mut state = w.state().clone();
    let mut out = Vec::new();
    let mut engine_state = state.clone();
    for i in 0..n {
        let e = g.next_event(&mut state);
        let mut engine = Engine::new(world, engine_state);
        engine.step(&e, &mut ()).unwrap();
        engine_state = engine.state;
        state = engine_state.clone();
        out.push(NewEvent {
            id: format!("extra-{}-{i}", w.last_seq()),
            source: "generated".into(),
            summary: Some(format!("extra event {i}")),
            note: None,
            event: e,
        });
    }
    out
}

// ---- appends ----

#[test]
fn a_rejected_append_writes_nothing_and_names_the_rule() {
    let d = scratch("reject");
    let path = d.join("x.log");
    let mut w = create(&path, &nato(), 0);
    let before = std::fs::read(&path).unwrap();
    let mut bad = more_events(&w, 2);
    // Date before the last event in the log: the core rejects it.
    bad[1].event.date = demarche::core::Day::from_ymd(2000, 1, 1).unwrap();
    let err = w.append(&bad, None).unwrap_err();
    assert!(
        matches!(err, AppendError::Rejected { index: 1, .. }),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before, "nothing written");
    assert_eq!(w.last_seq(), 13);
    // Conflicts and duplicate ids are refused too, before anything is written.
    let good = more_events(&w, 1);
    assert!(matches!(
        w.append(&good, Some(12)),
        Err(AppendError::Conflict {
            expected: 12,
            actual: 13
        })
    ));
    let mut dup = good.clone();
    dup[0].id = "nato-expels-8-2021".into();
    assert!(matches!(
        w.append(&dup, None),
        Err(AppendError::DuplicateId { .. })
    ));
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(w.append(&good, Some(13)).unwrap(), 14);
    let log = Log::open(&path).unwrap();
    let s = log.scenario().unwrap();
    assert_eq!(s.meta[13].id, good[0].id);
    assert_eq!(s.meta[13].summary, good[0].summary);
    assert_eq!(s.events[13], good[0].event);
}

// ---- round trips ----

proptest! {
    #![proptest_config(crate::seeded::config(24))]

    #[test]
    fn generated_logs_read_back_exactly(
        seed in any::<u64>(),
        actors in 2usize..10,
        missions in 0usize..30,
        events in 0usize..400,
        every in prop_oneof![Just(0u32), 1u32..50],
        appended in 0usize..6,
    ) {
        let g = generate(&GenConfig { seed, actors, missions, events });
        let s = g.into_scenario("prop");
        let d = scratch("prop");
        let path = d.join("p.log");
        let mut w = create(&path, &s, every);
        let extra = more_events(&w, appended);
        for e in &extra {
            w.append(std::slice::from_ref(e), None).unwrap();
        }
        drop(w);
        let log = Log::open(&path).unwrap();
        prop_assert_eq!(&log.ending, &LogEnd::Clean);
        prop_assert_eq!(log.count as usize, events + appended);
        let back = log.scenario().unwrap();
        prop_assert_eq!(&back.world, &s.world);
        prop_assert_eq!(&back.initial, &s.initial);
        let all: Vec<Event> = s.events.iter().cloned().chain(extra.iter().map(|e| e.event.clone())).collect();
        prop_assert_eq!(&back.events, &all);
        let ids: Vec<String> = s.meta.iter().map(|m| m.id.clone()).chain(extra.iter().map(|e| e.id.clone())).collect();
        let back_ids: Vec<String> = back.meta.iter().map(|m| m.id.clone()).collect();
        prop_assert_eq!(back_ids, ids);
        // A frame stores each string once, however often its events cite it.
        for i in 0..log.frames.len() {
            let strings = log.frame(i).unwrap().strings;
            let distinct: std::collections::BTreeSet<&String> = strings.iter().collect();
            prop_assert_eq!(distinct.len(), strings.len());
        }
        let _ = std::fs::remove_dir_all(&d);
    }
}

// ---- snapshots ----

#[test]
fn snapshot_plus_the_rest_equals_a_full_replay_at_many_points() {
    let s = generated(11, 8, 30, 1500);
    let d = scratch("snap");
    let path = d.join("s.log");
    create(&path, &s, 100);
    assert_eq!(snapshot::list(&path).len(), 15);
    // `log snapshot` rebuilds the very files the import took during its load.
    let taken: Vec<Vec<u8>> = snapshot::list(&path)
        .iter()
        .map(|(p, _)| std::fs::read(p).unwrap())
        .collect();
    std::fs::remove_dir_all(snapshot::dir(&path)).unwrap();
    let o = demarche(&["log", "snapshot", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("15 snapshot(s) written"));
    let rebuilt: Vec<Vec<u8>> = snapshot::list(&path)
        .iter()
        .map(|(p, _)| std::fs::read(p).unwrap())
        .collect();
    assert!(
        taken == rebuilt,
        "rebuilt snapshots differ from those taken at import"
    );
    let log = Log::open(&path).unwrap();
    let scen = log.scenario().unwrap();
    let mut from_snapshot = 0;
    // Every multiple of the interval, where a snapshot answers exactly, and points between.
    for count in (0..=1500u64)
        .step_by(37)
        .chain((0..=1500).step_by(100))
        .chain([1499])
    {
        let (state, used) = log.state(Upto::Count(count), false).unwrap();
        if let Some(c) = used {
            from_snapshot += 1;
            assert!(c <= count && count - c < 100, "snapshot {c} for {count}");
        }
        let full = if count == 0 {
            scen.initial.clone()
        } else {
            run(&scen, Until::Event(count as usize - 1), false).state
        };
        assert_eq!(state.digest(), full.digest(), "after {count} events");
    }
    assert!(from_snapshot > 30);
}

#[test]
fn snapshots_of_another_or_rewritten_log_are_never_used() {
    let s = generated(5, 6, 20, 300);
    let d = scratch("rewrite");
    let a = d.join("a.log");
    create(&a, &s, 100);
    // Log b: the same first 150 events, then others.
    let b = d.join("b.log");
    let first = Scenario {
        events: s.events[..150].to_vec(),
        meta: s.meta[..150].to_vec(),
        ..s.clone()
    };
    let mut w = create(&b, &first, 100);
    let mut extra = more_events(&w, 150);
    for (i, e) in extra.iter_mut().enumerate() {
        e.id = format!("b-{i}");
    }
    w.append(&extra, None).unwrap();
    drop(w);
    // Put a's snapshots beside b.
    std::fs::create_dir_all(snapshot::dir(&b)).unwrap();
    for (p, _) in snapshot::list(&a) {
        std::fs::copy(&p, snapshot::dir(&b).join(p.file_name().unwrap())).unwrap();
    }
    let log = Log::open(&b).unwrap();
    let (best, ignored) = snapshot::best(&log, |_| true);
    // Only the snapshot at 100 covers a prefix the two logs share.
    assert_eq!(best.map(|(c, _)| c), Some(100));
    let whys: Vec<&str> = ignored.iter().map(|i| i.why.as_str()).collect();
    assert_eq!(whys.len(), 2, "{whys:?}");
    assert!(whys.iter().all(|w| w.contains("different log")), "{whys:?}");
    // The state from b is b's, not a's.
    let (state, used) = log.state(Upto::Count(300), false).unwrap();
    assert_eq!(used, Some(100));
    let full = run(&log.scenario().unwrap(), Until::End, false).state;
    assert_eq!(state.digest(), full.digest());
    // A damaged snapshot is ignored too.
    let p = snapshot::dir(&b).join("000000000100.snap");
    let mut bytes = std::fs::read(&p).unwrap();
    let n = bytes.len();
    bytes[n - 3] ^= 1;
    std::fs::write(&p, bytes).unwrap();
    let (best, ignored) = snapshot::best(&log, |_| true);
    assert!(best.is_none());
    assert!(
        ignored.iter().any(|i| i.why.contains("damaged")),
        "{ignored:?}"
    );
}

// ---- the commands ----

#[test]
fn import_then_replay_and_state_give_what_the_scenario_gives() {
    let d = scratch("cli");
    let log = d.join("crisis.log");
    let l = log.to_str().unwrap();
    let o = demarche(&["log", "import", "scenarios/nato-russia-2021.toml", l]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("13 events"), "{}", text(&o.stdout));
    for args in [
        vec!["replay"],
        vec!["replay", "--until", "nato-expels-8-2021"],
        vec!["replay", "--until", "2021-10-20", "--format", "json"],
        vec!["state", "--at", "2021-10-20"],
        vec![
            "state",
            "--after",
            "ru-countermeasures-2021",
            "--format",
            "json",
        ],
    ] {
        let mut from_log = args.clone();
        from_log.insert(1, l);
        let mut from_file = args.clone();
        from_file.insert(1, "scenarios/nato-russia-2021.toml");
        let a = demarche(&from_log);
        let b = demarche(&from_file);
        assert_eq!(a.status.code(), Some(0), "{args:?}: {}", text(&a.stderr));
        let strip = |s: String| {
            s.replace(l, "FILE")
                .replace("scenarios/nato-russia-2021.toml", "FILE")
        };
        assert_eq!(strip(text(&a.stdout)), strip(text(&b.stdout)), "{args:?}");
    }
    // Importing over an existing log is refused.
    let o = demarche(&["log", "import", "scenarios/nato-russia-2021.toml", l]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("already exists"));
    // Export as TOML gives back a scenario with the same final digest.
    let o = demarche(&["log", "export", l, "--format", "toml"]);
    assert_eq!(o.status.code(), Some(0));
    let back = scenario::parse("export", &text(&o.stdout)).unwrap();
    assert_eq!(digest_at_end(&back), digest_at_end(&nato()));
}

#[test]
fn state_from_a_snapshot_equals_state_from_the_first_event() {
    let s = generated(21, 6, 20, 600);
    let last = s.events.last().unwrap().date;
    let d = scratch("cli-snap");
    let path = d.join("g.log");
    create(&path, &s, 50);
    let l = path.to_str().unwrap();
    let first = s.events[0].date;
    let span = last.0 - first.0;
    let mut used = 0;
    for k in 1..=8 {
        let day = demarche::core::Day(first.0 + span * k / 8).to_string();
        let a = demarche(&["state", l, "--at", &day, "--format", "json"]);
        let b = demarche(&[
            "state",
            l,
            "--at",
            &day,
            "--format",
            "json",
            "--no-snapshots",
        ]);
        assert_eq!(a.status.code(), Some(0), "{}", text(&a.stderr));
        assert_eq!(text(&a.stdout), text(&b.stdout), "at {day}");
        if text(&a.stderr).contains("started from the snapshot") {
            used += 1;
        }
        assert!(!text(&b.stderr).contains("snapshot"));
    }
    assert!(used >= 6, "snapshots were used {used} times");
}

#[test]
fn append_verify_and_tail_from_the_command_line() {
    let d = scratch("append");
    let log = d.join("crisis.log");
    let l = log.to_str().unwrap();
    assert!(
        demarche(&["log", "import", "scenarios/nato-russia-2021.toml", l])
            .status
            .success()
    );
    let ev = d.join("ev.toml");
    std::fs::write(
        &ev,
        r#"[[events]]
id = "nato-regrets-2021"
date = "2021-11-03"
kind = "statement"
actor = "nato"
target = "russia"
in_response_to = ["ru-countermeasures-2021"]
source = "hypothetical, for a test"
summary = "NATO regrets the suspension."
"#,
    )
    .unwrap();
    let e = ev.to_str().unwrap();
    let before = std::fs::read(&log).unwrap();
    let o = demarche(&["log", "append", l, e, "--expect-seq", "12"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("last sequence is 13, not 12"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(std::fs::read(&log).unwrap(), before);
    let o = demarche(&["log", "append", l, e, "--expect-seq", "13"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("last sequence 14"));
    // A rule broken: named with file, line, event and code; nothing written.
    std::fs::write(
        &ev,
        r#"[[events]]
id = "nato-expels-99"
date = "2021-11-04"
kind = "accreditation-withdrawn"
actor = "nato"
mission = "ru-mission-nato"
count = 99
depart_by = "2021-12-01"
source = "hypothetical, for a test"
"#,
    )
    .unwrap();
    let before = std::fs::read(&log).unwrap();
    let o = demarche(&["log", "append", l, e]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    // Russia's mission to NATO is suspended by then (E010: the rule that only operating
    // missions lose staff).
    assert!(
        err.contains("error[E010]") && err.contains(":1:1: event `nato-expels-99`"),
        "{err}"
    );
    assert_eq!(std::fs::read(&log).unwrap(), before);
    let o = demarche(&["log", "verify", l]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("14 events"), "{}", text(&o.stdout));
    let o = demarche(&["log", "tail", l, "--from", "13", "--format", "json"]);
    let lines: Vec<serde_json::Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["seq"], 14);
    assert_eq!(lines[1]["id"], "nato-regrets-2021");
    // A torn tail is reported by readers, cut by repair, and the bytes kept.
    let mut bytes = std::fs::read(&log).unwrap();
    let whole = bytes.len();
    bytes.extend_from_slice(&[1, 2, 3, 4, 5]);
    std::fs::write(&log, &bytes).unwrap();
    let o = demarche(&["state", l]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stderr).contains(&format!("unfinished frame at byte {whole}")));
    let o = demarche(&["log", "repair", l]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        text(&o.stdout).contains("after sequence 14"),
        "{}",
        text(&o.stdout)
    );
    assert_eq!(std::fs::read(&log).unwrap().len(), whole);
    let saved = std::fs::read(format!("{l}.torn-{whole}")).unwrap();
    assert_eq!(saved, [1, 2, 3, 4, 5]);
}

#[test]
fn the_readme_log_session_is_what_the_commands_print() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let logs = &readme[readme.find("## Logs").expect("a Logs section")..];
    let block = |fence: &str| -> String {
        let start = logs.find(fence).unwrap() + fence.len();
        logs[start..start + logs[start..].find("```").unwrap()].to_string()
    };
    let d = scratch("readme");
    std::os::unix::fs::symlink(root().join("scenarios"), d.join("scenarios")).unwrap();
    std::fs::write(d.join("event.toml"), block("```toml\n")).unwrap();
    let session = block("```text\n$ ");
    let mut checked = 0;
    for step in format!("$ {session}").split("$ ").filter(|s| !s.is_empty()) {
        let (cmd, expected) = step.split_once('\n').unwrap();
        let args: Vec<&str> = cmd.split_whitespace().skip(1).collect();
        let o = Command::new(env!("CARGO_BIN_EXE_demarche"))
            .args(&args)
            .current_dir(&d)
            .output()
            .unwrap();
        let got = format!("{}{}", text(&o.stdout), text(&o.stderr));
        assert_eq!(got.trim_end(), expected.trim_end(), "`{cmd}`");
        checked += 1;
    }
    assert_eq!(checked, 3);
}

#[test]
fn bench_measures_a_log_and_a_small_generated_workload() {
    let d = scratch("bench");
    let log = d.join("crisis.log");
    let l = log.to_str().unwrap();
    assert!(
        demarche(&["log", "import", "scenarios/nato-russia-2021.toml", l])
            .status
            .success()
    );
    let o = demarche(&["bench", "--log", l, "--rounds", "1", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["events"], 13);
    assert_eq!(v["log_bytes"], std::fs::metadata(&log).unwrap().len());
    assert!(v["apply_events_per_second"].as_f64().unwrap() > 0.0);
    assert!(v["replay_events_per_second"].as_f64().unwrap() > 0.0);
    assert!(v["verify_events_per_second"].as_f64().unwrap() > 0.0);
    // On 13 events a ratio is noise, and may round to 0.00: it must be there, a number.
    for key in ["apply_ratio", "replay_ratio", "verify_ratio"] {
        let r = v["baseline"][key].as_f64();
        assert!(r.is_some_and(|r| r.is_finite() && r >= 0.0), "{key}: {r:?}");
    }
    assert!(v["cores"].as_u64().unwrap() >= 1);
    assert!(v["state_at"].is_null(), "the log has no snapshots");
    // With snapshots, the state at random points is timed too.
    let snapped = d.join("snapped.log");
    create(&snapped, &generated(3, 4, 10, 120), 20);
    let o = demarche(&[
        "bench",
        "--log",
        snapped.to_str().unwrap(),
        "--rounds",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["state_at"]["snapshots"], 6);
    assert!(
        v["state_at"]["median_ms"].as_f64().unwrap() <= v["state_at"]["p99_ms"].as_f64().unwrap()
    );
    let o = demarche(&["bench", "--events", "40", "--rounds", "1", "--no-baseline"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("generated, seed 1: 40 events"), "{out}");
    assert!(
        out.contains("decode+fold") && !out.contains("baseline"),
        "{out}"
    );
    let o = demarche(&["bench", "--events", "0"]);
    assert_eq!(o.status.code(), Some(2));
    // A saved workload is a log like any other.
    let saved = d.join("w.log");
    let w = saved.to_str().unwrap();
    let o = demarche(&["bench", "--events", "30", "--rounds", "1", "--save", w]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = demarche(&["log", "verify", w]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("30 events"), "{}", text(&o.stdout));
}

#[test]
fn a_branch_can_start_from_a_log() {
    let d = scratch("whatif-log");
    let log = d.join("crisis.log");
    let l = log.to_str().unwrap();
    assert!(
        demarche(&["log", "import", "scenarios/nato-russia-2021.toml", l])
            .status
            .success()
    );
    let args = |base: &str| {
        let o = demarche(&[
            "whatif",
            base,
            "--drop",
            "nato-expels-8-2021",
            "--format",
            "json",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v.as_object_mut()
            .unwrap()
            .retain(|k, _| k != "base" && k != "title");
        v
    };
    assert_eq!(args(l), args("scenarios/nato-russia-2021.toml"));
}

// ---- facts: trusted and verified replays ----

/// The offset in `payload` (an events frame of the current schema) of the first fact of the
/// tag `tag`, and the sequence (from 1) of the event it belongs to.
pub(crate) fn find_fact(
    payload: &[u8],
    first_seq: u64,
    world: &demarche::core::World,
    tag: u8,
) -> Option<(usize, u64)> {
    let (h, sections) = EventsHeader::read(payload).unwrap();
    let base = payload.len() - sections.facts.len();
    let bytes = sections.facts;
    let mut at = 0;
    for k in 0..h.count {
        at += 4;
        let n = demarche::log::facts::get_count(bytes, &mut at).unwrap()
            + demarche::log::facts::get_count(bytes, &mut at).unwrap();
        let bounds = demarche::log::check::Bounds::of(world, (first_seq - 1) as u32 + k);
        for _ in 0..n {
            if bytes[at] == tag {
                return Some((base + at, first_seq + u64::from(k)));
            }
            let (_, used) = demarche::log::facts::get(&bytes[at..], &bounds).unwrap();
            at += used;
        }
    }
    None
}

#[test]
fn verify_names_the_first_command_whose_stored_facts_this_build_would_not_decide() {
    let d = scratch("drift");
    let path = d.join("nato.log");
    create(&path, &nato(), 0);
    let o = demarche(&["log", "verify", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // As if an older build had decided NATO's cap differently: the stored cap (tag 20: scope
    // of 9 bytes, then the limit) says 21 where this build decides 20. The frame is rewritten
    // with a valid checksum: only the verified replay can tell.
    let log = Log::open(&path).unwrap();
    let payload = log.payload(0).unwrap().into_owned();
    let (at, seq) = find_fact(&payload, 1, &log.genesis.world, 20).expect("a cap is stored");
    let mut changed = payload.clone();
    let limit = u32::from_le_bytes(changed[at + 10..at + 14].try_into().unwrap());
    changed[at + 10..at + 14].copy_from_slice(&(limit + 1).to_le_bytes());
    let mut frame = Vec::new();
    format::write_frame(FrameKind::Events, &changed, &mut frame).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let f = &log.frames[0];
    assert_eq!(frame.len() as u64, f.end - f.offset);
    bytes[f.offset as usize..f.end as usize].copy_from_slice(&frame);
    std::fs::write(&path, &bytes).unwrap();
    // An older build wrote no acknowledgement record (this build's would tell the log was
    // rewritten since it was acknowledged).
    std::fs::remove_file(demarche::log::ack_path(&path)).unwrap();
    let id = nato().meta[seq as usize - 1].id.clone();
    let o = demarche(&["log", "verify", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    assert!(
        out.contains(&format!("event {seq} `{id}`")) && out.contains("differ"),
        "{out}"
    );
    // The trusted replay reads the stored facts as they are: the log means what it says.
    let log = Log::open(&path).unwrap();
    let (state, _) = log.state(Upto::Count(seq), true).unwrap();
    assert!(
        state.caps.iter().any(|c| c.limit == limit + 1),
        "{:?}",
        state.caps
    );
}

#[test]
fn logs_of_older_schemas_upgrade_to_logs_of_facts_that_replay_the_same() {
    let d = scratch("upgrade");
    for old in [
        "v1-nato-russia-2021.log",
        "v2-nato-russia-2021.log",
        "v3-nato-russia-2021.log",
    ] {
        let from = root().join("tests/golden/logs").join(old);
        let path = d.join(old);
        std::fs::copy(&from, &path).unwrap();
        // Appending needs an upgrade first, and says so.
        let w = Writer::open(&path, WriterOptions::default());
        assert!(
            matches!(&w, Err(LogError::Outdated { .. })),
            "{old}: {:?}",
            w.err().map(|e| e.to_string())
        );
        let o = demarche(&["log", "upgrade", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{old}: {}", text(&o.stderr));
        assert_eq!(
            std::fs::read(d.join(format!("{old}.before-upgrade"))).unwrap(),
            std::fs::read(&from).unwrap()
        );
        let log = Log::open(&path).unwrap();
        assert_eq!(log.schema, schema::RECORD_SCHEMA);
        assert_eq!(log.genesis.rules, demarche::core::RULES_VERSION);
        let (_, r) = log.run(Upto::End).unwrap();
        assert_eq!(r.state.digest(), digest_at_end(&nato()), "{old}");
        let o = demarche(&["log", "verify", path.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{old}: {}", text(&o.stdout));
        // Upgrading again changes nothing.
        let o = demarche(&["log", "upgrade", path.to_str().unwrap()]);
        assert!(
            text(&o.stdout).contains("nothing to do"),
            "{}",
            text(&o.stdout)
        );
    }
}

#[test]
fn the_state_at_a_date_reads_no_frame_past_the_answer() {
    let s = generated(21, 10, 40, 6000);
    let d = scratch("stream");
    let path = d.join("g.log");
    create(&path, &s, 500);
    let probe = Log::open(&path).unwrap();
    assert!(probe.frames.len() > 6, "{} frames", probe.frames.len());
    for (i, f) in probe.frames.iter().enumerate().take(probe.frames.len() - 1) {
        for fresh in [false, true] {
            let log = Log::open(&path).unwrap();
            let at_open = log.frames_read();
            let day = demarche::core::Day(f.header.first_date);
            let (state, _) = log.state(Upto::Date(day), fresh).unwrap();
            let full = run(&s, Until::Date(day), false).state;
            assert_eq!(state.digest(), full.digest(), "frame {i}, fresh {fresh}");
            // Frames are found by their headers; bodies are read up to the one holding the
            // first event after the date (its facts of time passing may fall due by then),
            // never beyond: once to count the events of the date, once to fold.
            let count = s.events.iter().filter(|e| e.date <= day).count() as u64;
            let answer = log.frame_of(count).unwrap_or(log.frames.len() - 1) as u64;
            let read = log.frames_read() - at_open;
            assert!(
                read <= answer + 2,
                "frame {i}: read {read} frames for an answer in frame {answer} (fresh {fresh})"
            );
            if !fresh && i > 2 {
                assert!(read <= 3, "frame {i}: from a snapshot, read {read} frames");
            }
        }
    }
}

#[test]
fn a_log_replays_and_states_exactly_as_its_scenario_does_whatever_its_snapshots() {
    let d = scratch("same-output");
    let mut scenarios: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    scenarios.sort();
    assert!(scenarios.len() >= 6);
    // Drops the first line, which names the file read.
    let body = |o: &Output| {
        text(&o.stdout)
            .lines()
            .skip(1)
            .collect::<Vec<_>>()
            .join("\n")
    };
    for path in &scenarios {
        let s = scenario::load(path).unwrap();
        let file = path.to_str().unwrap();
        let log = d.join(path.file_name().unwrap()).with_extension("log");
        let log_s = log.to_str().unwrap();
        // A snapshot every 3 events: many queries end exactly on one.
        let o = demarche(&["log", "import", file, log_s, "--snapshot-every", "3"]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let mut points: Vec<String> = s.meta.iter().map(|m| m.id.clone()).collect();
        points.extend(s.events.iter().map(|e| e.date.to_string()));
        for until in std::iter::once(None).chain(points.iter().map(Some)) {
            let mut args = vec!["replay"];
            if let Some(u) = until {
                args.extend(["--until", u]);
            }
            let from_file = demarche(&[&args[..], &[file]].concat());
            let from_log = demarche(&[&args[..], &[log_s]].concat());
            assert_eq!(body(&from_log), body(&from_file), "{file} {until:?}");
        }
        for id in s.meta.iter().map(|m| m.id.as_str()) {
            let from_file = demarche(&["state", file, "--after", id, "--format", "json"]);
            let from_log = demarche(&["state", log_s, "--after", id, "--format", "json"]);
            assert_eq!(
                text(&from_log.stdout),
                text(&from_file.stdout),
                "{file} after {id}"
            );
        }
    }
}

#[test]
fn a_writer_finds_ids_through_its_frames_filters_without_holding_them() {
    let s = generated(31, 6, 20, 5000);
    let d = scratch("ids");
    let path = d.join("g.log");
    drop(create(&path, &s, 0));
    let mut w = Writer::open(&path, WriterOptions::default()).unwrap().0;
    // Every id is found, in the first frames as in the last; unknown ids are not.
    for (i, m) in s.meta.iter().enumerate().step_by(97) {
        assert_eq!(w.seq_of(&m.id).unwrap(), Some(i as u64 + 1), "{}", m.id);
    }
    assert_eq!(w.seq_of("no-such-event").unwrap(), None);
    // A duplicate of an event of the first frame is refused; a fresh id is accepted and then
    // found too.
    let mut extra = more_events(&w, 2);
    extra[0].id = s.meta[3].id.clone();
    let err = w.append(&extra[..1], None).unwrap_err();
    assert!(
        matches!(&err, AppendError::DuplicateId { id } if *id == s.meta[3].id),
        "{err}"
    );
    extra[0].id = "fresh-one".into();
    w.append(&extra[..1], None).unwrap();
    assert_eq!(w.seq_of("fresh-one").unwrap(), Some(5001));
}
