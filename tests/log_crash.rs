//! Crash and concurrency tests of the durable log: a log cut at any byte of its last frames,
//! every single-bit flip, a writer killed with SIGKILL at random moments, the writer's lock
//! across threads and processes, two processes racing with `--expect-seq`, and following a log
//! that other processes append to.
//!
//! The SIGKILL test runs this test binary again as its child: `sigkill_child` below is ignored
//! and does nothing unless `DEMARCHE_LOG_CRASH_CHILD` names a log.

use demarche::core::{Body, Day, Event, Kind, Tone, World};
use demarche::r#gen::Rng;
use demarche::log::schema::Genesis;
use demarche::log::tail::Follow;
use demarche::log::{Durability, Log, LogEnd, LogError, NewEvent, Writer, WriterOptions};
use demarche::scenario::{self, Scenario};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::FileExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

// ---- helpers ----

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh folder under the system temp dir, removed when dropped (kept if the test fails, to
/// look at).
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(name: &str) -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!(
            "demarche-log-crash-{}-{name}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch { dir }
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept {} for inspection", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A child process killed (SIGKILL) and reaped when dropped, so a failing test leaves none
/// behind.
struct Reaped(Option<Child>);

impl Reaped {
    fn spawn(c: &mut Command) -> Reaped {
        Reaped(Some(c.spawn().unwrap()))
    }

    fn child(&mut self) -> &mut Child {
        self.0.as_mut().unwrap()
    }

    /// Waits for the child to exit on its own.
    fn output(mut self) -> Output {
        self.0.take().unwrap().wait_with_output().unwrap()
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        if let Some(c) = &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn nato() -> Scenario {
    scenario::load(&root().join("scenarios/nato-russia-2021.toml"))
        .unwrap_or_else(|e| panic!("the nato scenario does not load: {e:?}"))
}

/// The day every appended event is dated (after the last event of the nato scenario).
fn append_day() -> Day {
    Day::from_ymd(2021, 12, 1).unwrap()
}

/// A statement between NATO and Russia (alternating sides with `n`): always accepted.
fn statement(world: &World, n: u64) -> Event {
    let nato = world.actor_by_key("nato").unwrap();
    let russia = world.actor_by_key("russia").unwrap();
    let (actor, target) = if n.is_multiple_of(2) {
        (nato, russia)
    } else {
        (russia, nato)
    };
    Event {
        date: append_day(),
        notified: None,
        actor,
        in_response_to: Vec::new(),
        proposed: false,
        body: Body::Signal {
            kind: Kind::Statement,
            target,
            mission: None,
            tone: Tone::Neutral,
            threat: None,
        },
    }
}

fn new_event(world: &World, id: &str, n: u64) -> NewEvent {
    NewEvent {
        id: id.to_string(),
        source: format!("log_crash test, event {n}"),
        summary: None,
        note: None,
        event: statement(world, n),
    }
}

fn no_snapshots() -> WriterOptions {
    WriterOptions {
        snapshots: false,
        ..WriterOptions::default()
    }
}

type Texts = Vec<(String, String, Option<String>, Option<String>)>;

/// Id, source, summary and note of every event.
fn texts(s: &Scenario) -> Texts {
    s.meta
        .iter()
        .map(|m| {
            (
                m.id.clone(),
                m.source.clone(),
                m.summary.clone(),
                m.note.clone(),
            )
        })
        .collect()
}

fn ids(s: &Scenario) -> Vec<String> {
    s.meta.iter().map(|m| m.id.clone()).collect()
}

/// A TOML event file holding one statement.
fn event_file(id: &str, actor: &str, target: &str) -> String {
    format!(
        "[[events]]\nid = \"{id}\"\ndate = \"2021-12-01\"\nkind = \"statement\"\nactor = \"{actor}\"\ntarget = \"{target}\"\nsource = \"log_crash test\"\n"
    )
}

fn demarche_cmd(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_demarche"));
    c.args(args).current_dir(root());
    c
}

fn demarche(args: &[&str]) -> Output {
    demarche_cmd(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Creates the nato log at `path` with `extra` statements appended one frame each (ids
/// `<prefix>-1`...). Returns the imported scenario.
fn nato_log(path: &Path, every: u32, extra: u64, prefix: &str) -> Scenario {
    let sc = nato();
    let mut w = Writer::create(path, &sc, every, no_snapshots()).unwrap();
    assert_eq!(w.last_seq(), sc.events.len() as u64);
    let world = w.genesis().world.clone();
    for n in 1..=extra {
        let seq = w
            .append(&[new_event(&world, &format!("{prefix}-{n}"), n)], None)
            .unwrap();
        assert_eq!(seq, sc.events.len() as u64 + n);
    }
    sc
}

// ---- 1. a log cut at every byte of its last three frames ----

#[test]
fn a_log_cut_at_any_byte_of_its_last_three_frames_keeps_the_whole_frames_and_a_writer_recovers_it()
{
    let dir = Scratch::new("cut");
    let original = dir.path("original.log");
    nato_log(&original, 0, 5, "t");
    let bytes = std::fs::read(&original).unwrap();
    let full = Log::open(&original).unwrap();
    assert_eq!(full.ending, LogEnd::Clean);
    assert_eq!(full.end, bytes.len() as u64);
    let all = full.scenario().unwrap();
    let all_texts = texts(&all);
    assert_eq!(all.events.len() as u64, full.count);
    // (frame start, frame end, events up to the frame's end)
    let frames: Vec<(u64, u64, u64)> = full
        .frames
        .iter()
        .map(|f| {
            (
                f.offset,
                f.end,
                f.header.first_seq - 1 + u64::from(f.header.count),
            )
        })
        .collect();
    assert_eq!(frames.len(), 6, "one imported frame and five appended");
    let genesis_end = frames[0].0;
    let world = full.genesis.world.clone();
    let first_cut = frames[frames.len() - 3].0;
    let mut torn = 0;
    for cut in first_cut..=bytes.len() as u64 {
        // The whole frames before the cut.
        let (end, count) = frames
            .iter()
            .rfind(|f| f.1 <= cut)
            .map(|f| (f.1, f.2))
            .unwrap_or((genesis_end, 0));
        let path = dir.path(&format!("cut-{cut}.log"));
        std::fs::write(&path, &bytes[..cut as usize]).unwrap();
        let log = Log::open(&path).unwrap_or_else(|e| panic!("cut {cut}: {e}"));
        if cut == end {
            assert_eq!(log.ending, LogEnd::Clean, "cut {cut} at a frame boundary");
        } else {
            torn += 1;
            match &log.ending {
                LogEnd::Torn { offset, bytes, .. } => {
                    assert_eq!(*offset, end, "cut {cut}: where the torn frame starts");
                    assert_eq!(*bytes, cut - end, "cut {cut}: bytes of the torn frame");
                }
                other => panic!("cut {cut}: {other:?}, expected a torn tail at {end}"),
            }
        }
        assert_eq!(log.count, count, "cut {cut}: events in whole frames");
        assert_eq!(log.end, end, "cut {cut}");
        assert!(log.damage().is_none(), "cut {cut}");
        assert_eq!(log.genesis, full.genesis, "cut {cut}");
        let prefix = log.scenario().unwrap_or_else(|e| panic!("cut {cut}: {e}"));
        assert_eq!(prefix.events[..], all.events[..count as usize], "cut {cut}");
        assert_eq!(texts(&prefix)[..], all_texts[..count as usize], "cut {cut}");

        // A writer cuts the torn tail, saving it, and appends after it.
        let (mut w, recovered) =
            Writer::open(&path, no_snapshots()).unwrap_or_else(|e| panic!("cut {cut}: {e}"));
        let saved = match recovered {
            None => {
                assert_eq!(cut, end, "cut {cut}: a torn tail was not recovered");
                None
            }
            Some(r) => {
                assert_ne!(cut, end, "cut {cut}: recovered a clean log: {r:?}");
                assert_eq!(r.offset, end, "cut {cut}: {r:?}");
                assert_eq!(r.bytes, cut - end, "cut {cut}: {r:?}");
                assert_eq!(r.last_seq, count, "cut {cut}: {r:?}");
                assert_eq!(r.saved_to.parent(), path.parent(), "saved beside the log");
                assert_eq!(
                    std::fs::read(&r.saved_to).unwrap(),
                    &bytes[end as usize..cut as usize],
                    "cut {cut}: the saved bytes are the cut bytes"
                );
                Some(r.saved_to)
            }
        };
        assert_eq!(std::fs::metadata(&path).unwrap().len(), end, "cut {cut}");
        assert_eq!(w.last_seq(), count, "cut {cut}");
        assert_eq!(w.seq_of("after-cut").unwrap(), None);
        let after = w
            .append(&[new_event(&world, "after-cut", 1000)], Some(count))
            .unwrap_or_else(|e| panic!("cut {cut}: append after recovery: {e}"));
        assert_eq!(after, count + 1, "cut {cut}");
        drop(w);
        let back = Log::open(&path).unwrap();
        assert_eq!(back.ending, LogEnd::Clean, "cut {cut}");
        assert_eq!(back.count, count + 1, "cut {cut}");
        let back_s = back.scenario().unwrap();
        assert_eq!(
            back_s.events[..count as usize],
            all.events[..count as usize]
        );
        assert_eq!(
            texts(&back_s)[..count as usize],
            all_texts[..count as usize]
        );
        assert_eq!(back_s.meta[count as usize].id, "after-cut", "cut {cut}");
        assert_eq!(
            back_s.events[count as usize],
            statement(&world, 1000),
            "cut {cut}"
        );
        let back_bytes = std::fs::read(&path).unwrap();
        assert_eq!(
            back_bytes[..end as usize],
            bytes[..end as usize],
            "cut {cut}: the kept frames are untouched"
        );
        let _ = std::fs::remove_file(&path);
        if let Some(p) = saved {
            let _ = std::fs::remove_file(p);
        }
    }
    assert!(torn > 100, "only {torn} torn cuts");
}

// ---- 2. every single-bit flip ----

/// What opening a log with one bit flipped gave.
enum Flip {
    /// `Log::open` refused the file.
    Refused(String),
    /// Read with this ending, count and decoded prefix (or a decode error).
    Read {
        ending: LogEnd,
        count: u64,
        decoded: Result<Box<Scenario>, String>,
        genesis_same: bool,
    },
}

fn open_flipped(path: &Path, genesis: &Genesis) -> Flip {
    match Log::open(path) {
        Err(e) => Flip::Refused(e.to_string()),
        Ok(log) => {
            // Opening reads frame headers (and the last frame whole); reading the events reads
            // every frame and checks its checksum, so the first frame that fails is where a
            // reader finds the log damaged.
            let (mut ending, mut count) = (log.ending.clone(), log.count);
            let mut read = log.empty_scenario();
            for i in 0..log.frames.len() {
                match log.frame(i).and_then(|f| log.events(&f)) {
                    Ok(events) => {
                        for (e, m) in events {
                            read.events.push(e);
                            read.meta.push(m);
                        }
                    }
                    Err(LogError::Damaged { offset, why, .. }) => {
                        ending = LogEnd::Damaged { offset, why };
                        count = log.frames[i].first();
                        break;
                    }
                    Err(e) => return Flip::Refused(e.to_string()),
                }
            }
            Flip::Read {
                ending,
                count,
                decoded: Ok(Box::new(read)),
                genesis_same: log.genesis == *genesis,
            }
        }
    }
}

/// Every bit of a small log (the nato scenario, one frame of 13 events, then three frames of one
/// event) is flipped in turn, all ~57 000 of them: each flip is detected where it is determined
/// (the header or genesis: refused; any frame, the last included: damaged there, never a torn
/// tail a writer would cut), the events before the flipped frame still decode exactly, and
/// nothing panics. A flip that read as a clean log would have to decode to exactly the
/// original.
#[test]
fn every_single_bit_flip_is_detected_where_it_is_and_never_panics() {
    let dir = Scratch::new("flip");
    let original = dir.path("original.log");
    nato_log(&original, 0, 3, "f");
    let bytes = std::fs::read(&original).unwrap();
    let full = Log::open(&original).unwrap();
    assert_eq!(full.ending, LogEnd::Clean);
    let all = full.scenario().unwrap();
    let all_texts = texts(&all);
    assert_eq!(full.frames.len(), 4);
    let genesis_end = full.frames[0].offset as usize;
    let last = full.frames.len() - 1;
    let path = dir.path("flipped.log");
    let started = Instant::now();
    let mut failures: Vec<String> = Vec::new();
    let mut outcomes: BTreeMap<&'static str, usize> = BTreeMap::new();
    std::fs::write(&path, &bytes).unwrap();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    for (byte, &original_byte) in bytes.iter().enumerate() {
        for bit in 0..8 {
            // Two one-byte writes in place (rewriting the file each time is slower).
            file.write_all_at(&[original_byte ^ (1 << bit)], byte as u64)
                .unwrap();
            let at = format!("byte {byte} bit {bit}");
            let result = std::panic::catch_unwind(|| open_flipped(&path, &full.genesis));
            file.write_all_at(&[original_byte], byte as u64).unwrap();
            let outcome = match result {
                Err(_) => {
                    failures.push(format!("{at}: panicked"));
                    continue;
                }
                Ok(o) => o,
            };
            // Which frame the flip is in: None for the header and genesis.
            let frame = full
                .frames
                .iter()
                .position(|f| (f.offset as usize..f.end as usize).contains(&byte));
            match (&outcome, frame) {
                (Flip::Refused(_), None) => *outcomes.entry("header/genesis: refused").or_default() += 1,
                (Flip::Refused(why), Some(i)) => failures.push(format!(
                    "{at} (frame {i}): the whole log was refused ({why}); the frames before should still read"
                )),
                (Flip::Read { .. }, None) => failures.push(format!(
                    "{at} (in the {}): read, not refused",
                    if byte < 16 { "header" } else { "genesis frame" }
                )),
                (
                    Flip::Read {
                        ending,
                        count,
                        decoded,
                        genesis_same,
                    },
                    Some(i),
                ) => {
                    let f = &full.frames[i];
                    let before = f.header.first_seq - 1;
                    let kind = match ending {
                        LogEnd::Damaged { offset, .. } if *offset == f.offset => {
                            if i == last { "last frame: damaged" } else { "middle frame: damaged" }
                        }
                        LogEnd::Torn { offset, .. } if *offset == f.offset && i == last => {
                            // A torn tail is cut by the next writer: a flipped bit in a whole,
                            // acknowledged frame must never be taken for one.
                            failures.push(format!(
                                "{at} (the last frame): read as a torn tail, which a writer would cut"
                            ));
                            continue;
                        }
                        LogEnd::Clean => {
                            // Undetected: only acceptable if nothing changed.
                            let same = *genesis_same
                                && decoded.as_ref().is_ok_and(|s| {
                                    s.events == all.events && texts(s) == all_texts
                                });
                            failures.push(format!(
                                "{at} (frame {i}): read as a clean log of {count} events, {}",
                                if same { "identical (harmless)" } else { "DIFFERENT from the original" }
                            ));
                            continue;
                        }
                        other => {
                            failures.push(format!(
                                "{at} (frame {i} at {}, {}): ending {other:?}",
                                f.offset,
                                if i == last { "the last" } else { "a middle one" }
                            ));
                            continue;
                        }
                    };
                    *outcomes.entry(kind).or_default() += 1;
                    if *count != before {
                        failures.push(format!("{at} (frame {i}): count {count}, expected {before}"));
                    }
                    if !genesis_same {
                        failures.push(format!("{at} (frame {i}): the genesis changed"));
                    }
                    match decoded {
                        Ok(s) => {
                            if s.events[..] != all.events[..before as usize]
                                || texts(s)[..] != all_texts[..before as usize]
                            {
                                failures.push(format!(
                                    "{at} (frame {i}): the events before the flipped frame differ"
                                ));
                            }
                        }
                        Err(e) => failures.push(format!(
                            "{at} (frame {i}): the frames before the flipped one do not decode: {e}"
                        )),
                    }
                }
            }
        }
    }
    assert!(
        bytes.len() > genesis_end,
        "the genesis frame is not the whole log"
    );
    eprintln!(
        "bit flips: {} bits of a {}-byte log in {:.1?}: {outcomes:?}",
        bytes.len() * 8,
        bytes.len(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} of {} flips misbehaved; the first:\n{}",
        failures.len(),
        bytes.len() * 8,
        failures[..failures.len().min(30)].join("\n")
    );
    assert_eq!(outcomes.values().sum::<usize>(), bytes.len() * 8);
}

// ---- 3. SIGKILL at random moments ----

const CHILD_ENV: &str = "DEMARCHE_LOG_CRASH_CHILD";
/// Marks the child's own lines (the test harness prints its own on the same stdout).
const MARK: &str = "@@";

/// The child of `acknowledged_appends_survive_sigkill_at_random_moments`: opens the log named
/// by `DEMARCHE_LOG_CRASH_CHILD` and appends statements one frame at a time, printing
/// `@@ack <seq> <id>` once each append is acknowledged, until killed.
#[test]
#[ignore = "the child process of the SIGKILL test; does nothing unless DEMARCHE_LOG_CRASH_CHILD names a log"]
fn sigkill_child() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let path = PathBuf::from(path);
    let options = WriterOptions {
        durability: Durability::Fsync,
        wait: Some(Duration::from_secs(5)),
        snapshots: true,
    };
    let (mut w, recovered) = Writer::open(&path, options).expect("the child opens the log");
    let mut out = std::io::stdout().lock();
    if let Some(r) = recovered {
        writeln!(
            out,
            "{MARK}recovered {} {} {} {}",
            r.offset,
            r.bytes,
            r.last_seq,
            r.saved_to.display()
        )
        .unwrap();
    }
    writeln!(out, "{MARK}open {}", w.last_seq()).unwrap();
    out.flush().unwrap();
    let world = w.genesis().world.clone();
    for _ in 0..1_000_000 {
        let n = w.last_seq() + 1;
        let id = format!("k-{n}");
        let seq = w
            .append(&[new_event(&world, &id, n)], Some(n - 1))
            .expect("the child's append");
        assert_eq!(seq, n);
        if writeln!(out, "{MARK}ack {seq} {id}")
            .and_then(|()| out.flush())
            .is_err()
        {
            return;
        }
    }
}

/// A child appends in a loop and is killed with SIGKILL after 0 to 40 ms (one in eight right
/// after it is spawned), 200 times. After each kill the log is never damaged, holds every append
/// any child acknowledged at the sequence it was acknowledged with, and the next child's writer
/// opens at the count a reader saw (cutting a torn tail, if any, exactly where the reader saw
/// it).
#[test]
fn acknowledged_appends_survive_sigkill_at_random_moments() {
    const ROUNDS: usize = 200;
    let dir = Scratch::new("sigkill");
    let log = dir.path("kill.log");
    let sc = nato();
    drop(Writer::create(&log, &sc, 50, WriterOptions::default()).unwrap());
    let exe = std::env::current_exe().unwrap();
    let mut rng = Rng::new(0x5161_4b11_d3ad_0001);
    let mut acked: BTreeMap<u64, String> = BTreeMap::new();
    let mut prev = Log::open(&log).unwrap();
    let mut prev_bytes = std::fs::read(&log).unwrap();
    let started = Instant::now();
    let (mut torn_tails, mut recoveries, mut opened, mut immediate, mut injected) = (0, 0, 0, 0, 0);
    for round in 0..ROUNDS {
        let stderr_path = dir.path("child-stderr.txt");
        let mut child = Reaped::spawn(
            Command::new(&exe)
                .args([
                    "--exact",
                    "log_crash::sigkill_child",
                    "--ignored",
                    "--nocapture",
                ])
                .env(CHILD_ENV, &log)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(std::fs::File::create(&stderr_path).unwrap()),
        );
        let stdout = child.child().stdout.take().unwrap();
        let (tx, rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut buf = Vec::new();
                match r.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    // A line cut by the kill is not an acknowledgement.
                    Ok(_) if buf.ends_with(b"\n") => {
                        let line = text(&buf);
                        if let Some(at) = line.find(MARK) {
                            let _ = tx.send(line[at + MARK.len()..].trim_end().to_string());
                        }
                    }
                    Ok(_) => {}
                }
            }
        });
        // When to kill: one round in eight right after the spawn, one in eight 0 to 40 ms after
        // it (while the test harness starts or the writer opens and recovers), the others 0 to
        // 40 ms after the writer has opened the log (while it appends).
        let mut lines = Vec::new();
        match rng.below(8) {
            0 => immediate += 1,
            1 => std::thread::sleep(Duration::from_millis(u64::from(rng.below(41)))),
            _ => {
                let deadline = Instant::now() + Duration::from_secs(20);
                while !lines.iter().any(|l: &String| l.starts_with("open ")) {
                    let left = deadline.saturating_duration_since(Instant::now());
                    match rx.recv_timeout(left) {
                        Ok(l) => lines.push(l),
                        Err(e) => panic!(
                            "round {round}: the child did not open the log: {e}; {}",
                            std::fs::read_to_string(&stderr_path).unwrap_or_default()
                        ),
                    }
                }
                std::thread::sleep(Duration::from_millis(u64::from(rng.below(41))));
            }
        }
        let _ = child.child().kill();
        let status = child.child().wait().unwrap();
        reader.join().unwrap();
        lines.extend(rx.try_iter());
        let child_err = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        assert_eq!(
            status.signal(),
            Some(9),
            "round {round}: the child was not killed but exited with {status:?} (did it run the child test?): {lines:?}\n{child_err}"
        );

        // What the child said.
        let mut next_ack = None;
        let mut saw_recovered = false;
        for line in &lines {
            let w: Vec<&str> = line.split_whitespace().collect();
            match w[..] {
                ["recovered", offset, bytes, last_seq, ref saved @ ..] => {
                    recoveries += 1;
                    saw_recovered = true;
                    let (offset, bytes, last_seq): (u64, u64, u64) = (
                        offset.parse().unwrap(),
                        bytes.parse().unwrap(),
                        last_seq.parse().unwrap(),
                    );
                    match &prev.ending {
                        LogEnd::Torn {
                            offset: o,
                            bytes: b,
                            ..
                        } => {
                            assert_eq!((offset, bytes), (*o, *b), "round {round}: {line}");
                        }
                        other => panic!(
                            "round {round}: the child recovered {line} but a reader saw {other:?}"
                        ),
                    }
                    assert_eq!(last_seq, prev.count, "round {round}: {line}");
                    let saved = std::fs::read(saved.join(" ")).unwrap();
                    assert_eq!(
                        saved,
                        prev_bytes[offset as usize..],
                        "round {round}: the saved tail is the cut bytes"
                    );
                }
                ["open", last_seq] => {
                    opened += 1;
                    assert_eq!(
                        last_seq.parse::<u64>().unwrap(),
                        prev.count,
                        "round {round}: the writer opened at another count than a reader saw"
                    );
                    assert!(
                        saw_recovered || !matches!(prev.ending, LogEnd::Torn { .. }),
                        "round {round}: a torn tail was not recovered: {:?}",
                        prev.ending
                    );
                    next_ack = Some(prev.count + 1);
                }
                ["ack", seq, id] => {
                    let seq: u64 = seq.parse().unwrap();
                    assert_eq!(
                        Some(seq),
                        next_ack,
                        "round {round}: acknowledgements out of order: {lines:?}"
                    );
                    next_ack = Some(seq + 1);
                    assert_eq!(id, format!("k-{seq}"));
                    assert!(acked.insert(seq, id.to_string()).is_none());
                }
                _ => panic!("round {round}: the child printed {line:?}"),
            }
        }

        // What is on disk.
        let log_now = Log::open(&log).unwrap_or_else(|e| panic!("round {round}: {e}"));
        if let Some(e) = log_now.damage() {
            panic!("round {round}: a SIGKILL damaged the log: {e}");
        }
        // A torn tail the test left and no writer cut yet is not one a kill left.
        let carried = matches!(prev.ending, LogEnd::Torn { .. }) && !saw_recovered;
        if matches!(log_now.ending, LogEnd::Torn { .. }) && !carried {
            torn_tails += 1;
        }
        assert!(
            log_now.count >= prev.count,
            "round {round}: the log lost whole events: {} then {}",
            prev.count,
            log_now.count
        );
        if let Some((&last, _)) = acked.last_key_value() {
            assert!(
                last <= log_now.count,
                "round {round}: sequence {last} was acknowledged but the log holds {} events",
                log_now.count
            );
        }
        let on_disk = log_now.scenario().unwrap();
        for (&seq, id) in &acked {
            assert_eq!(
                &on_disk.meta[seq as usize - 1].id,
                id,
                "round {round}: sequence {seq}"
            );
        }
        assert_eq!(
            on_disk.events[..sc.events.len()],
            sc.events[..],
            "round {round}: the imported events"
        );
        prev_bytes = std::fs::read(&log).unwrap();
        prev = log_now;

        // A SIGKILL cannot tear a write (the kernel finishes it), so one round in eight also
        // leaves what a machine crash could: the start of a frame (a copy of the last one) or
        // zeros after the last whole frame. The next writer must cut exactly that.
        if prev.ending == LogEnd::Clean && rng.chance(125) {
            let last = prev.frames.last().unwrap().clone();
            let frame = &prev_bytes[last.offset as usize..last.end as usize];
            let n = 1 + rng.index(frame.len() - 1);
            let junk = if rng.chance(250) {
                vec![0; n]
            } else {
                frame[..n].to_vec()
            };
            let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
            f.write_all(&junk).unwrap();
            drop(f);
            injected += 1;
            prev = Log::open(&log).unwrap();
            assert!(
                matches!(&prev.ending, LogEnd::Torn { offset, bytes, .. } if *offset == last.end && *bytes == n as u64),
                "round {round}: {} bytes after the last frame read as {:?}",
                n,
                prev.ending
            );
            prev_bytes = std::fs::read(&log).unwrap();
        }
    }
    let elapsed = started.elapsed();
    // The last child's writer is gone: a writer opens, cuts any torn tail, and replays.
    let (w, _) = Writer::open(&log, WriterOptions::default()).unwrap();
    assert!(w.last_seq() >= acked.keys().last().copied().unwrap_or(0));
    drop(w);
    eprintln!(
        "sigkill: {ROUNDS} kills ({immediate} right after spawn) in {elapsed:.1?}: {} appends acknowledged, {} events in the log, {opened} writers opened, {injected} torn tails left by the test, {torn_tails} torn tails left by a kill, {recoveries} recovered by the next writer",
        acked.len(),
        prev.count
    );
    assert!(
        acked.len() >= ROUNDS / 4,
        "too few appends acknowledged ({}) for the kills to have hit appends",
        acked.len()
    );
    assert!(
        recoveries > 0 && recoveries <= injected + torn_tails,
        "{recoveries} recoveries of {injected} + {torn_tails} torn tails"
    );
    assert!(
        opened >= ROUNDS / 4,
        "only {opened} children opened the log"
    );
}

// ---- 4. the writer's lock ----

#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_lock_and_readers_still_read() {
    let dir = Scratch::new("lock");
    let log = dir.path("locked.log");
    let sc = nato_log(&dir.path("locked.log"), 0, 0, "unused");
    let n0 = sc.events.len() as u64;
    let nowait = WriterOptions {
        wait: None,
        ..no_snapshots()
    };
    let (mut w, recovered) = Writer::open(&log, nowait).unwrap();
    assert!(recovered.is_none());
    let world = w.genesis().world.clone();
    assert_eq!(
        w.append(&[new_event(&world, "held-1", 1)], Some(n0))
            .unwrap(),
        n0 + 1
    );

    // In this process.
    match Writer::open(&log, nowait) {
        Err(LogError::Locked { path }) => assert_eq!(path, log),
        Err(e) => panic!("expected Locked, got {e}"),
        Ok(_) => panic!("a second writer opened a locked log"),
    }
    let t = Instant::now();
    let waiting = WriterOptions {
        wait: Some(Duration::from_millis(150)),
        ..no_snapshots()
    };
    match Writer::open(&log, waiting) {
        Err(LogError::Locked { .. }) => assert!(
            t.elapsed() >= Duration::from_millis(150),
            "gave up after {:?}",
            t.elapsed()
        ),
        Err(e) => panic!("expected Locked, got {e}"),
        Ok(_) => panic!("a second writer opened a locked log"),
    }

    // A reader reads, and sees the acknowledged append.
    let r = Log::open(&log).unwrap();
    assert_eq!(r.ending, LogEnd::Clean);
    assert_eq!(r.count, n0 + 1);
    assert_eq!(ids(&r.scenario().unwrap()).last().unwrap(), "held-1");

    // Another process.
    let ev = dir.path("ev.toml");
    std::fs::write(&ev, event_file("cli-1", "russia", "nato")).unwrap();
    let o = demarche(&["log", "append", s(&log), s(&ev), "--wait", "0"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("holds the lock"),
        "{}",
        text(&o.stderr)
    );
    assert!(text(&o.stderr).contains("nothing was appended") || o.stdout.is_empty());
    assert_eq!(Log::open(&log).unwrap().count, n0 + 1, "nothing appended");

    // The first writer goes on; a process that waits gets the lock once it is released.
    let mut waiter = Reaped::spawn(
        demarche_cmd(&["log", "append", s(&log), s(&ev), "--wait", "20"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        waiter.child().try_wait().unwrap().is_none(),
        "the waiting process did not wait for the lock"
    );
    assert_eq!(
        w.append(&[new_event(&world, "held-2", 2)], Some(n0 + 1))
            .unwrap(),
        n0 + 2
    );
    drop(w);
    let o = waiter.output();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains(&format!("last sequence {}", n0 + 3)),
        "{}",
        text(&o.stdout)
    );
    let r = Log::open(&log).unwrap();
    assert_eq!(r.count, n0 + 3);
    assert_eq!(
        ids(&r.scenario().unwrap())[n0 as usize..],
        ["held-1", "held-2", "cli-1"]
    );
}

// ---- 5. two processes racing with --expect-seq ----

#[test]
fn of_two_processes_appending_with_the_same_expect_seq_exactly_one_wins() {
    const ROUNDS: u64 = 20;
    let dir = Scratch::new("race");
    let log = dir.path("race.log");
    let sc = nato_log(&log, 0, 0, "unused");
    let mut expected = ids(&sc);
    let mut wins = [0, 0];
    for round in 0..ROUNDS {
        let n = Log::open(&log).unwrap().count;
        assert_eq!(n, sc.events.len() as u64 + round);
        let names = [format!("a-{round}"), format!("b-{round}")];
        let files: Vec<PathBuf> = names
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let p = dir.path(&format!("{id}.toml"));
                let (actor, target) = if i == 0 {
                    ("nato", "russia")
                } else {
                    ("russia", "nato")
                };
                std::fs::write(&p, event_file(id, actor, target)).unwrap();
                p
            })
            .collect();
        let expect = n.to_string();
        let spawn = |f: &Path| {
            Reaped::spawn(
                demarche_cmd(&["log", "append", s(&log), s(f), "--expect-seq", &expect])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped()),
            )
        };
        let a = spawn(&files[0]);
        let b = spawn(&files[1]);
        let outs = [a.output(), b.output()];
        let codes: Vec<Option<i32>> = outs.iter().map(|o| o.status.code()).collect();
        let winner = match codes[..] {
            [Some(0), Some(1)] => 0,
            [Some(1), Some(0)] => 1,
            _ => panic!(
                "round {round}: exit codes {codes:?}, expected exactly one 0 and one 1\na: {}\nb: {}",
                text(&outs[0].stderr),
                text(&outs[1].stderr)
            ),
        };
        wins[winner] += 1;
        let loser = &outs[1 - winner];
        let err = text(&loser.stderr);
        assert!(
            err.contains(&format!("the log's last sequence is {}, not {n}", n + 1)),
            "round {round}: the loser failed for another reason than a conflict: {err}"
        );
        assert!(
            text(&outs[winner].stdout).contains(&format!("last sequence {}", n + 1)),
            "round {round}: {}",
            text(&outs[winner].stdout)
        );
        expected.push(names[winner].clone());
        let after = Log::open(&log).unwrap();
        assert_eq!(after.ending, LogEnd::Clean);
        assert_eq!(after.count, n + 1, "round {round}: one event per round");
        assert_eq!(ids(&after.scenario().unwrap()), expected, "round {round}");
    }
    eprintln!(
        "expect-seq race: a won {} rounds, b won {}",
        wins[0], wins[1]
    );
}

// ---- 6. following a log other processes append to ----

/// A follower started from sequence 1 while another process appends 50 events yields 1..=63
/// once each, in order, with the right ids; one started later from 20 yields 20..=63.
#[tokio::test]
async fn a_follower_sees_every_event_other_processes_append_once_and_in_order() {
    const APPENDS: u64 = 50;
    let dir = Scratch::new("follow");
    let log = dir.path("follow.log");
    let sc = nato_log(&log, 0, 0, "unused");
    let mut expected = ids(&sc);
    expected.extend((1..=APPENDS).map(|i| format!("live-{i}")));
    let total = expected.len() as u64;

    let appender = {
        let log = log.clone();
        let dir = dir.dir.clone();
        std::thread::spawn(move || -> Result<(), String> {
            for i in 1..=APPENDS {
                let ev = dir.join(format!("live-{i}.toml"));
                let (actor, target) = if i.is_multiple_of(2) {
                    ("nato", "russia")
                } else {
                    ("russia", "nato")
                };
                std::fs::write(&ev, event_file(&format!("live-{i}"), actor, target)).unwrap();
                let o = demarche(&["log", "append", s(&log), s(&ev)]);
                if o.status.code() != Some(0) {
                    return Err(format!("append {i}: {}", text(&o.stderr)));
                }
            }
            Ok(())
        })
    };

    let mut f = Follow::new(&log, 1);
    f.poll = Duration::from_millis(5);
    let mut seen: Vec<(u64, String)> = Vec::new();
    while (seen.len() as u64) < total {
        let e = tokio::time::timeout(Duration::from_secs(30), f.next())
            .await
            .unwrap_or_else(|_| panic!("no event after {:?} in 30 s", seen.last()))
            .unwrap_or_else(|e| panic!("after {:?}: {e}", seen.last()));
        seen.push((e.seq, e.id));
    }
    appender.join().unwrap().unwrap();
    assert!(
        f.try_next().await.unwrap().is_none(),
        "an event after the last"
    );
    let want: Vec<(u64, String)> = expected
        .iter()
        .enumerate()
        .map(|(i, id)| (i as u64 + 1, id.clone()))
        .collect();
    assert_eq!(seen, want);
    assert_eq!(
        f.genesis().unwrap().title,
        sc.title,
        "the follower read the genesis"
    );

    let mut late = Follow::new(&log, 20);
    let mut from_20 = Vec::new();
    while let Some(e) = late.try_next().await.unwrap() {
        from_20.push((e.seq, e.id));
    }
    assert_eq!(from_20, want[19..]);
}

/// `demarche log tail --follow --format json` as a process prints the events already in the log,
/// then the ones other processes append, one JSON object a line.
#[test]
fn tail_follow_as_a_process_prints_events_appended_after_it_started() {
    let dir = Scratch::new("tailf");
    let log = dir.path("tail.log");
    let sc = nato_log(&log, 0, 0, "unused");
    let n0 = sc.events.len();
    let mut tail = Reaped::spawn(
        demarche_cmd(&["log", "tail", s(&log), "--follow", "--format", "json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let stdout = tail.child().stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = |what: &str| -> serde_json::Value {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|e| panic!("no line for {what}: {e}"));
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{what}: {e}: {line}"))
    };
    for (i, m) in sc.meta.iter().enumerate() {
        let v = next(&m.id);
        assert_eq!(v["seq"], i as u64 + 1);
        assert_eq!(v["id"], m.id.as_str());
    }
    for i in 1..=5u64 {
        let ev = dir.path(&format!("tail-{i}.toml"));
        std::fs::write(&ev, event_file(&format!("tail-{i}"), "nato", "russia")).unwrap();
        let o = demarche(&["log", "append", s(&log), s(&ev)]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    }
    for i in 1..=5u64 {
        let v = next(&format!("tail-{i}"));
        assert_eq!(v["seq"], n0 as u64 + i, "{v}");
        assert_eq!(v["id"], format!("tail-{i}"), "{v}");
        assert_eq!(v["kind"], "statement");
        assert_eq!(v["actor"], "nato");
        assert_eq!(v["date"], "2021-12-01");
        assert_eq!(v["source"], "log_crash test");
    }
    // Still following: nothing more until killed.
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
    assert!(
        tail.child().try_wait().unwrap().is_none(),
        "tail --follow exited"
    );
    drop(tail);
    reader.join().unwrap();
}

// ---- 7. two writers creating the same log ----

/// Two `Writer::create` calls for the same path at the same time: at most one may succeed, and
/// the log left at the path must be whole and be the scenario of a create that succeeded. (A
/// create that returned Ok has acknowledged every event of its scenario.)
#[test]
fn two_concurrent_creates_of_one_path_never_leave_a_damaged_log_behind_an_ok() {
    let dir = Scratch::new("create-race");
    let log = dir.path("race.log");
    // The slow create's temporary file: `race.log.partial-<pid>-<n>`, beside the log.
    let partial_len = |d: &Path| -> u64 {
        std::fs::read_dir(d)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("race.log.partial")
            })
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .max()
            .unwrap_or(0)
    };
    let folder = log.parent().unwrap().to_path_buf();
    let big = demarche::r#gen::generate(&demarche::r#gen::GenConfig {
        seed: 11,
        events: 4000,
        ..demarche::r#gen::GenConfig::default()
    })
    .into_scenario("big");
    let small = nato();
    // Where the big log's first events frame starts, and how long a create of it takes.
    let genesis_end = {
        let probe = dir.path("probe.log");
        let t = Instant::now();
        drop(Writer::create(&probe, &big, 0, no_snapshots()).unwrap());
        eprintln!(
            "create race: creating the big log alone takes {:.1?}",
            t.elapsed()
        );
        Log::open(&probe).unwrap().frames[0].offset
    };
    let slow = {
        let log = log.clone();
        let big = big.clone();
        std::thread::spawn(move || {
            let t = Instant::now();
            let r = Writer::create(&log, &big, 0, no_snapshots()).map(drop);
            (r.map_err(|e| e.to_string()), t.elapsed())
        })
    };
    // Once the slow create has written its first events frame (it holds the lock on its
    // temporary file by then), a quick one starts.
    let t = Instant::now();
    while partial_len(&folder) <= genesis_end && !log.exists() {
        assert!(t.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_micros(200));
    }
    let quick = Writer::create(&log, &small, 0, no_snapshots()).map(drop);
    let quick = quick.map_err(|e| e.to_string());
    let (slow, took) = slow.join().unwrap();
    eprintln!("create race: slow create {slow:?} in {took:.1?}, quick create {quick:?}");
    assert!(
        slow.is_ok() || quick.is_ok(),
        "neither create succeeded: {slow:?} {quick:?}"
    );
    let on_disk = Log::open(&log).unwrap();
    assert!(on_disk.damage().is_none(), "{:?}", on_disk.ending);
    assert_eq!(on_disk.ending, LogEnd::Clean);
    let read = on_disk.scenario().unwrap();
    let expected = if slow.is_ok() && quick.is_err() {
        &big
    } else if quick.is_ok() && slow.is_err() {
        &small
    } else {
        // Both said Ok: one log was overwritten, which a create promises never to do.
        panic!("both creates succeeded: one log was written over the other");
    };
    assert_eq!(read.world, expected.world);
    assert_eq!(read.events, expected.events);
    assert_eq!(texts(&read), texts(expected));
}

// ---- 8. torn tails cut twice at the same offset ----

/// A writer that cuts a torn tail saves the cut bytes beside the log (`<log>.torn-<offset>`). A
/// second torn tail at the same offset (two crashes before any append got through) must not
/// destroy the bytes saved from the first.
#[test]
fn a_second_torn_tail_at_the_same_offset_does_not_overwrite_the_first_saved_tail() {
    let dir = Scratch::new("torn-twice");
    let log = dir.path("twice.log");
    nato_log(&log, 0, 0, "unused");
    let mut saved = Vec::new();
    for junk in [&b"\x01\x02\x03"[..], &b"\x04\x05\x06\x07\x08"[..]] {
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        f.write_all(junk).unwrap();
        drop(f);
        let (w, r) = Writer::open(&log, no_snapshots()).unwrap();
        drop(w);
        let r = r.expect("a torn tail was cut");
        assert_eq!(r.bytes, junk.len() as u64);
        assert_eq!(std::fs::read(&r.saved_to).unwrap(), junk);
        saved.push((r.saved_to, junk));
    }
    for (path, junk) in &saved {
        assert_eq!(
            std::fs::read(path).unwrap(),
            *junk,
            "{} no longer holds the bytes cut from the first torn tail (both were saved to {})",
            path.display(),
            saved[1].0.display()
        );
    }
}

// ---- 9. the log replaced while an append waits for its lock ----

/// Waits until process `pid` has `path` open (it then waits for the log's lock).
fn wait_until_open(pid: u32, path: &Path) {
    let want = path.canonicalize().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let fds = std::fs::read_dir(format!("/proc/{pid}/fd"));
        if let Ok(fds) = fds
            && fds
                .filter_map(|e| e.ok())
                .any(|e| std::fs::read_link(e.path()).is_ok_and(|l| l == want))
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "process {pid} never opened {}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// An append that waits for the lock while the log is replaced (a new log renamed over its
/// name, as an import elsewhere then a rename would do) must not write into the replaced file,
/// which no one reads any more: its acknowledged event is in the log at the path.
#[test]
fn an_append_waiting_for_the_lock_while_the_log_is_replaced_lands_in_the_new_log() {
    let dir = Scratch::new("replaced");
    let log = dir.path("crisis.log");
    nato_log(&log, 0, 0, "unused");
    let (holder, _) = Writer::open(&log, no_snapshots()).unwrap();
    let ev = dir.path("ev.toml");
    std::fs::write(&ev, event_file("waiter-1", "russia", "nato")).unwrap();
    let waiter = Reaped::spawn(
        demarche_cmd(&["log", "append", s(&log), s(&ev), "--wait", "30"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    wait_until_open(waiter.0.as_ref().unwrap().id(), &log);
    // The new log: the same import and one more event, put in place by a rename.
    let new = dir.path("new.log");
    nato_log(&new, 0, 1, "new");
    std::fs::rename(&new, &log).unwrap();
    let _ = std::fs::rename(dir.path("new.log.ack"), dir.path("crisis.log.ack"));
    // The lock the waiter waits for is on the replaced file.
    drop(holder);
    let o = waiter.output();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("last sequence 15"),
        "{}",
        text(&o.stdout)
    );
    let r = Log::open(&log).unwrap();
    assert_eq!(r.ending, LogEnd::Clean);
    assert_eq!(
        r.count, 15,
        "the acknowledged append is in the log at the path"
    );
    assert_eq!(
        ids(&r.scenario().unwrap())[13..],
        ["new-1", "waiter-1"],
        "appended after the new log's events"
    );
}

// ---- 10. import, repair and snapshot killed at random moments ----

/// `log import`, `log repair` and `log snapshot` killed with SIGKILL at random moments: after
/// each kill the log opens, is not damaged, and holds every event acknowledged (an import
/// acknowledges all its events at once, on success); what a killed import leaves behind is
/// removed by the next one.
#[test]
fn import_repair_and_snapshot_killed_at_random_moments_keep_every_acknowledged_event() {
    const ROUNDS: usize = 10;
    let dir = Scratch::new("kill-tools");
    // The nato scenario and 1500 statements after it: an import of a few hundred milliseconds.
    let mut toml = std::fs::read_to_string(root().join("scenarios/nato-russia-2021.toml"))
        .unwrap()
        .replace("end = \"2021-11-02\"", "end = \"2022-01-01\"");
    for i in 0..1500 {
        let (actor, target) = if i % 2 == 0 {
            ("nato", "russia")
        } else {
            ("russia", "nato")
        };
        toml.push('\n');
        toml.push_str(&event_file(&format!("bulk-{i}"), actor, target));
    }
    let scenario_file = dir.path("big.toml");
    std::fs::write(&scenario_file, toml).unwrap();
    let big = scenario::load(&scenario_file).unwrap_or_else(|_| panic!("big.toml does not load"));
    let n = big.events.len() as u64;
    let digest = demarche::run::run(&big, demarche::run::Until::End, false)
        .state
        .digest();
    let mut rng = Rng::new(0x1dea_5eed_0000_0011);
    let partials = |name: &str| -> usize {
        std::fs::read_dir(&dir.dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("{name}.partial-"))
            })
            .count()
    };
    let kill_after = |c: &mut Reaped, ms: u64| -> bool {
        std::thread::sleep(Duration::from_millis(ms));
        let finished = c.child().try_wait().unwrap().is_some();
        let _ = c.child().kill();
        let _ = c.child().wait();
        !finished
    };
    let (mut import_kills, mut left_behind, mut repair_kills, mut snapshot_kills) = (0, 0, 0, 0);

    // How long each command takes when not killed: kills fall at random moments within it.
    let timed = |args: &[&str]| -> u32 {
        let t = Instant::now();
        let o = demarche(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
        t.elapsed().as_millis() as u32 + 1
    };
    let probe = dir.path("probe.log");
    let import_ms = timed(&[
        "log",
        "import",
        s(&scenario_file),
        s(&probe),
        "--snapshot-every",
        "500",
    ]);
    let _ = std::fs::remove_dir_all(dir.path("probe.log.snapshots"));
    let snapshot_ms = timed(&["log", "snapshot", s(&probe)]);

    // Import.
    let log = dir.path("imp.log");
    for round in 0..ROUNDS {
        let mut c = Reaped::spawn(
            demarche_cmd(&[
                "log",
                "import",
                s(&scenario_file),
                s(&log),
                "--snapshot-every",
                "500",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
        );
        if kill_after(&mut c, u64::from(rng.below(import_ms))) {
            import_kills += 1;
        }
        if log.exists() {
            // Put in place whole, or not at all.
            let l = Log::open(&log).unwrap_or_else(|e| panic!("round {round}: {e}"));
            assert!(l.damage().is_none(), "round {round}: {:?}", l.ending);
            assert_eq!(l.ending, LogEnd::Clean, "round {round}");
            assert_eq!(l.count, n, "round {round}");
        } else {
            left_behind += partials("imp.log");
            // The next import completes, and removes what the killed one left.
            let o = demarche(&[
                "log",
                "import",
                s(&scenario_file),
                s(&log),
                "--snapshot-every",
                "500",
            ]);
            assert_eq!(
                o.status.code(),
                Some(0),
                "round {round}: {}",
                text(&o.stderr)
            );
            assert_eq!(partials("imp.log"), 0, "round {round}");
        }
        let l = Log::open(&log).unwrap();
        assert_eq!(
            l.state(demarche::log::Upto::End, false).unwrap().0.digest(),
            digest
        );
        std::fs::remove_file(&log).unwrap();
        let _ = std::fs::remove_dir_all(dir.path("imp.log.snapshots"));
        let _ = std::fs::remove_file(dir.path("imp.log.ack"));
    }

    // Repair of a torn tail.
    let log = dir.path("rep.log");
    let o = demarche(&[
        "log",
        "import",
        s(&scenario_file),
        s(&log),
        "--snapshot-every",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let whole = std::fs::read(&log).unwrap();
    for round in 0..ROUNDS {
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        f.write_all(&whole[whole.len() - 1 - round..]).unwrap();
        drop(f);
        let mut c = Reaped::spawn(
            demarche_cmd(&["log", "repair", s(&log)])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        if kill_after(&mut c, u64::from(rng.below(20))) {
            repair_kills += 1;
        }
        let l = Log::open(&log).unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert!(l.damage().is_none(), "round {round}: {:?}", l.ending);
        assert_eq!(l.count, n, "round {round}");
        // Cut, or still there for the next writer: never anything else.
        let now = std::fs::read(&log).unwrap();
        assert_eq!(now[..whole.len()], whole[..], "round {round}");
        if now.len() > whole.len() {
            assert!(matches!(l.ending, LogEnd::Torn { .. }), "round {round}");
            let (w, r) = Writer::open(&log, no_snapshots()).unwrap();
            assert!(r.is_some(), "round {round}");
            drop(w);
        }
        assert_eq!(std::fs::read(&log).unwrap(), whole, "round {round}");
    }

    // Snapshots rebuilt.
    let log = dir.path("snap.log");
    let o = demarche(&[
        "log",
        "import",
        s(&scenario_file),
        s(&log),
        "--snapshot-every",
        "100",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for round in 0..ROUNDS {
        let _ = std::fs::remove_dir_all(dir.path("snap.log.snapshots"));
        let mut c = Reaped::spawn(
            demarche_cmd(&["log", "snapshot", s(&log)])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        if kill_after(&mut c, u64::from(rng.below(snapshot_ms))) {
            snapshot_kills += 1;
        }
        let l = Log::open(&log).unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert!(l.damage().is_none(), "round {round}: {:?}", l.ending);
        assert_eq!(l.count, n, "round {round}");
        let (from_snapshots, _) = l.state(demarche::log::Upto::End, false).unwrap();
        assert_eq!(from_snapshots.digest(), digest, "round {round}");
        let mid = demarche::log::Upto::Count(n / 2 + round as u64);
        assert_eq!(
            l.state(mid, false).unwrap().0.digest(),
            l.state(mid, true).unwrap().0.digest(),
            "round {round}"
        );
    }
    eprintln!(
        "killed {import_kills} imports ({left_behind} left a temporary file), {repair_kills} repairs, {snapshot_kills} snapshot rebuilds, of {ROUNDS} each"
    );
    assert!(
        import_kills > 0 && snapshot_kills > 0,
        "no kill landed while a command ran"
    );
}
