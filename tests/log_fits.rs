//! The trusted replay against crafted facts: a log whose checksums are all valid but whose
//! stored facts name a batch, person, queued measure or count the state does not have must be
//! reported as damage by every tool, never stop the program. And the check that catches them
//! must accept every fact the core decides.

use demarche::r#gen::{GenConfig, generate};
use demarche::log::format::{self, EventsHeader};
use demarche::log::tail::Follow;
use demarche::log::{Log, LogEnd, LogError, Upto, Writer, WriterOptions, verify};
use demarche::run::{Until, run};
use demarche::scenario::{self, Scenario};
use proptest::prelude::*;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let d = std::env::temp_dir().join(format!("demarche-fits-{}-{name}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn no_snapshots() -> WriterOptions {
    WriterOptions {
        snapshots: false,
        ..WriterOptions::default()
    }
}

fn generated(seed: u64, actors: usize, missions: usize, events: usize) -> Scenario {
    generate(&GenConfig {
        seed,
        actors,
        missions,
        events,
    })
    .into_scenario("generated")
}

/// Every scenario file of the repository that loads.
fn scenario_files() -> Vec<Scenario> {
    let mut out = Vec::new();
    for dir in ["scenarios", "scenarios/whatif"] {
        let Ok(entries) = std::fs::read_dir(root().join(dir)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            if p.extension().is_some_and(|x| x == "toml")
                && let Ok(s) = scenario::load(&p)
            {
                out.push(s);
            }
        }
    }
    assert!(out.len() >= 4, "{} scenario files", out.len());
    out
}

/// The trusted replay checks each stored fact before applying it: it must accept every fact
/// the core decides, on every scenario of the repository and on generated logs of every size,
/// and reach the state the core reaches.
#[test]
fn every_fact_the_core_decides_fits_the_state_it_is_applied_to() {
    let d = scratch("decided");
    let mut scenarios = scenario_files();
    for seed in 0..24u64 {
        let size = (seed as usize % 4) * 150 + 40;
        scenarios.push(generated(
            seed,
            3 + seed as usize % 9,
            seed as usize * 3 % 40,
            size,
        ));
    }
    for (i, s) in scenarios.iter().enumerate() {
        let r = run(s, Until::End, true);
        assert!(r.problems.is_empty(), "{}: {:?}", s.name, r.problems);
        let path = d.join(format!("s{i}.log"));
        drop(Writer::create(&path, s, 0, no_snapshots()).unwrap());
        let log = Log::open(&path).unwrap();
        assert_eq!(log.ending, LogEnd::Clean);
        let (state, _) = log
            .state(Upto::End, true)
            .unwrap_or_else(|e| panic!("{}: {e}", s.name));
        let (_, replayed) = log
            .run(Upto::End)
            .unwrap_or_else(|e| panic!("{}: {e}", s.name));
        assert_eq!(state.digest(), r.state.digest(), "{}", s.name);
        assert_eq!(replayed.state.digest(), r.state.digest(), "{}", s.name);
        let _ = std::fs::remove_file(&path);
    }
    let _ = std::fs::remove_dir_all(&d);
}

/// A base log for the mutations: a generated log with caps, expulsions, deferred measures and
/// departures, in frames of a few events (so that mutations fall in many frames), and the
/// offsets (in the file) of every byte of every frame's facts section.
struct Base {
    bytes: Vec<u8>,
    /// (frame offset, frame end, file offsets of the facts section)
    frames: Vec<(usize, usize, std::ops::Range<usize>)>,
}

fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let d = scratch("base");
        let path = d.join("base.log");
        let s = generated(7, 6, 14, 180);
        assert!(run(&s, Until::End, true).problems.is_empty());
        // Frames are cut at multiples of the snapshot interval; snapshots themselves are not
        // written (they are caches; the facts are what is tested here).
        drop(Writer::create(&path, &s, 9, no_snapshots()).unwrap());
        let log = Log::open(&path).unwrap();
        let mut frames = Vec::new();
        for (i, f) in log.frames.iter().enumerate() {
            let payload = log.payload(i).unwrap();
            let (_, sections) = EventsHeader::read(&payload).unwrap();
            let start = f.offset as usize + format::FRAME_HEADER_LEN + 1 + payload.len()
                - sections.facts.len();
            frames.push((f.offset as usize, f.end as usize, start..f.end as usize));
        }
        let bytes = std::fs::read(&path).unwrap();
        let _ = std::fs::remove_dir_all(&d);
        Base { bytes, frames }
    })
}

/// `bytes` with the byte at `at` (inside the frame `frame`) set to `value`, the frame's body
/// checksum made valid again.
fn mutated(b: &Base, frame: usize, at: usize, value: u8) -> Vec<u8> {
    let (offset, end, _) = b.frames[frame].clone();
    let mut bytes = b.bytes.clone();
    bytes[at] = value;
    let body = offset + format::FRAME_HEADER_LEN;
    let crc = format::crc(&bytes[body..end]);
    bytes[offset + 8..offset + 12].copy_from_slice(&crc.to_le_bytes());
    bytes
}

/// What the tools do with a log, in this process: open, fold (the trusted replay, to the end and
/// to a date), replay with a timeline and render it, verify, export, follow.
fn use_every_tool(path: &Path) {
    let Ok(log) = Log::open(path) else { return };
    let _ = log.damage().map(|e| e.to_string());
    if let Ok((state, _)) = log.state(Upto::End, true) {
        let _ = state.digest();
        if let Ok((s, index_of)) = log.sparse_scenario(state.events, &Log::named_by(&state)) {
            let considered = state.events as usize;
            let r = demarche::run::Run {
                state,
                timeline: Vec::new(),
                problems: Vec::new(),
                index_of,
                considered,
            };
            let _ = demarche::report::state_text(&s, &r);
            let _ = demarche::report::state_json(&s, &r);
        }
    }
    if let Some(last) = log.frames.last() {
        let mid = demarche::core::Day(last.header.first_date);
        let _ = log.state(Upto::Date(mid), true);
    }
    if let Ok((s, r)) = log.run(Upto::End) {
        let _ = demarche::report::run_text(&s, &r);
        let _ = demarche::report::run_json(&s, &r);
    }
    let _ = verify::verify(&log, &mut |_| {});
    if let Ok(s) = log.scenario() {
        let _ = demarche::export::to_toml(&s);
        let _ = demarche::export::to_jsonl(&s, &mut std::io::sink());
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut f = Follow::new(path, 1);
        while let Ok(Some(_)) = f.try_next().await {}
    });
}

/// The exit code of a `demarche` command (never a panic's 101).
fn exit_code(args: &[&str]) -> Option<i32> {
    let o = Command::new(env!("CARGO_BIN_EXE_demarche"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    assert_ne!(
        o.status.code(),
        Some(101),
        "`demarche {}` panicked: {}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    o.status.code()
}

proptest! {
    #![proptest_config(crate::seeded::config(192))]

    /// One byte of one frame's facts set to another value, the frame's checksum made valid
    /// again (what a crafted or badly written log looks like): every tool reads it without
    /// stopping the program, and what the trusted replay applies is what it reports (a misfit
    /// is damage naming the frame's offset).
    #[test]
    fn one_changed_byte_of_stored_facts_with_a_valid_checksum_never_stops_a_tool(
        pick in any::<prop::sample::Index>(),
        frame_pick in any::<prop::sample::Index>(),
        value in any::<u8>(),
    ) {
        let b = base();
        let frame = frame_pick.index(b.frames.len());
        let facts = b.frames[frame].2.clone();
        prop_assume!(!facts.is_empty());
        let at = facts.start + pick.index(facts.len());
        prop_assume!(b.bytes[at] != value);
        let d = scratch("mut");
        let path = d.join("m.log");
        std::fs::write(&path, mutated(b, frame, at, value)).unwrap();
        use_every_tool(&path);
        // Damage the trusted replay finds is in the changed frame or after it (a changed fact
        // may fit and leave a state a later fact does not fit), never before it.
        let log = Log::open(&path).unwrap();
        if let Err(LogError::Damaged { offset, .. }) = log.state(Upto::End, true) {
            prop_assert!(offset as usize >= b.frames[frame].0, "damage at {offset}, before the changed frame at {}", b.frames[frame].0);
        }
        // And the commands, one case in eight (each runs the program five times).
        if at.is_multiple_of(8) {
            let p = path.to_str().unwrap();
            for args in [
                &["log", "verify", p][..],
                &["replay", p],
                &["state", p],
                &["log", "export", p],
                &["log", "tail", p],
            ] {
                exit_code(args);
            }
        }
        let _ = std::fs::remove_dir_all(&d);
    }
}

/// A fact that names a leaving batch that is not there, with a valid checksum: before the
/// check, the trusted replay stopped the program on it; now it is damage, with the offset of
/// the frame and the event's sequence.
#[test]
fn a_fact_naming_a_batch_the_state_does_not_have_is_damage_with_offset_and_sequence() {
    let b = base();
    // Find a departure or lapse (tags 11 and 13: mission u32, then the batch's deadline day)
    // and move its deadline by a day: the batch it names is not there.
    let d = scratch("batch");
    let path = d.join("b.log");
    std::fs::write(&path, &b.bytes).unwrap();
    let log = Log::open(&path).unwrap();
    let world = log.genesis.world.clone();
    let mut found = None;
    'frames: for (i, f) in log.frames.iter().enumerate() {
        let payload = log.payload(i).unwrap();
        let (h, sections) = EventsHeader::read(&payload).unwrap();
        let facts = sections.facts;
        let base_at =
            f.offset as usize + format::FRAME_HEADER_LEN + 1 + payload.len() - facts.len();
        let mut at = 0;
        for k in 0..h.count {
            at += 4;
            let n = demarche::log::facts::get_count(facts, &mut at).unwrap()
                + demarche::log::facts::get_count(facts, &mut at).unwrap();
            let bounds = demarche::log::check::Bounds::of(&world, (h.first_seq - 1) as u32 + k);
            for _ in 0..n {
                if matches!(facts[at], 11 | 13) {
                    found = Some((i, base_at + at + 5, h.first_seq + u64::from(k)));
                    break 'frames;
                }
                let (_, used) = demarche::log::facts::get(&facts[at..], &bounds).unwrap();
                at += used;
            }
        }
    }
    let (frame, day_at, seq) = found.expect("the base log has a departure or a lapse");
    let mut bytes = b.bytes.clone();
    let day = u32::from_le_bytes(bytes[day_at..day_at + 4].try_into().unwrap());
    let (offset, end, _) = b.frames[frame].clone();
    bytes[day_at..day_at + 4].copy_from_slice(&(day + 1).to_le_bytes());
    let crc = format::crc(&bytes[offset + format::FRAME_HEADER_LEN..end]);
    bytes[offset + 8..offset + 12].copy_from_slice(&crc.to_le_bytes());
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.write_all_at(&bytes, 0).unwrap();
    let log = Log::open(&path).unwrap();
    match log.state(Upto::End, true) {
        Err(LogError::Damaged {
            offset: at,
            last_good,
            why,
            ..
        }) => {
            assert_eq!(at as usize, offset);
            assert_eq!(last_good, log.frames[frame].first());
            assert!(
                why.contains(&format!("event {seq}")) && why.contains("does not fit"),
                "{why}"
            );
        }
        other => panic!("{:?}", other.map(|(s, _)| s.digest())),
    }
    let o = Command::new(env!("CARGO_BIN_EXE_demarche"))
        .args(["log", "verify", path.to_str().unwrap()])
        .output()
        .unwrap();
    // verify decides every command again: the command is fine, the stored facts are not what
    // it decides.
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = Command::new(env!("CARGO_BIN_EXE_demarche"))
        .args(["state", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains(&format!("damaged frame at byte {offset}")),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// Every input the fuzz targets found stopping a tool (fuzz/regressions/, see docs/testing.md)
/// is read without stopping any: logs as they are, snapshots beside a valid log.
#[test]
fn inputs_the_fuzzer_found_no_longer_stop_a_tool() {
    let files = |target: &str| -> Vec<(PathBuf, Vec<u8>)> {
        let mut out: Vec<(PathBuf, Vec<u8>)> =
            std::fs::read_dir(root().join("fuzz/regressions").join(target))
                .map(|d| {
                    d.filter_map(|e| e.ok().map(|e| e.path()))
                        .map(|p| {
                            let b = std::fs::read(&p).unwrap();
                            (p, b)
                        })
                        .collect()
                })
                .unwrap_or_default();
        out.sort();
        out
    };
    let logs = files("log");
    let snapshots = files("snapshot");
    assert!(!logs.is_empty() && !snapshots.is_empty());
    let d = scratch("regressions");
    for (i, (_, bytes)) in logs.iter().enumerate() {
        let path = d.join(format!("r{i}.log"));
        std::fs::write(&path, bytes).unwrap();
        use_every_tool(&path);
    }
    let nato = scenario::load(&root().join("scenarios/nato-russia-2021.toml")).unwrap();
    for (i, (name, bytes)) in snapshots.iter().enumerate() {
        let path = d.join(format!("s{i}.log"));
        drop(Writer::create(&path, &nato, 5, WriterOptions::default()).unwrap());
        std::fs::write(
            demarche::log::snapshot::dir(&path).join("000000000010.snap"),
            bytes,
        )
        .unwrap();
        let log = Log::open(&path).unwrap();
        let (state, _) = log
            .state(Upto::End, false)
            .unwrap_or_else(|e| panic!("{}: {e}", name.display()));
        assert_eq!(
            state.digest(),
            run(&nato, Until::End, false).state.digest(),
            "{}: a snapshot that does not hold together is not used",
            name.display()
        );
        use_every_tool(&path);
    }
    let _ = std::fs::remove_dir_all(&d);
}
