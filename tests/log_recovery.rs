//! Damage and recovery as users meet them, through the commands: a whole last frame that no
//! longer checks out, a log shortened by whole frames, a torn write that is not a clean prefix,
//! `log verify` saying the same thing everywhere, `log salvage`, what `tail`, `export` and
//! `state` say about what they could not read, special files and runaway arguments, and the
//! files a killed import leaves behind.

use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let d = std::env::temp_dir().join(format!(
        "demarche-recovery-{}-{name}-{n}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs `demarche` with `args`; a run that does not end within a minute is killed and fails the
/// test (a command must never block on its input).
fn demarche(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_demarche"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`demarche {}` did not end", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let o = child.wait_with_output().unwrap();
    assert_ne!(
        o.status.code(),
        Some(101),
        "`demarche {}` panicked: {}",
        args.join(" "),
        text(&o.stderr)
    );
    o
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A file of one statement, `id`, dated after the nato scenario, with a note of `note_bytes`.
fn event_file(dir: &Path, id: &str, note_bytes: usize) -> PathBuf {
    let p = dir.join(format!("{id}.toml"));
    let note = if note_bytes > 0 {
        format!("note = \"{}\"\n", "n".repeat(note_bytes))
    } else {
        String::new()
    };
    std::fs::write(
        &p,
        format!(
            "[[events]]\nid = \"{id}\"\ndate = \"2021-12-01\"\nkind = \"statement\"\nactor = \"nato\"\ntarget = \"russia\"\nsource = \"recovery test\"\n{note}"
        ),
    )
    .unwrap();
    p
}

/// The nato log (13 events in one frame) with `extra` statements appended by `log append`, one
/// frame each (sequences 14...). Returns the log's path and the byte offsets of its frames
/// (start, end), read from the file.
fn nato_log(dir: &Path, extra: usize) -> (PathBuf, Vec<(u64, u64)>) {
    let log = dir.join("crisis.log");
    let o = demarche(&["log", "import", "scenarios/nato-russia-2021.toml", s(&log)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for i in 1..=extra {
        let ev = event_file(dir, &format!("extra-{i}"), 0);
        let o = demarche(&["log", "append", s(&log), s(&ev)]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    }
    (log.clone(), frames(&log))
}

/// (start, end) of every frame after the genesis frame, from the frame headers.
fn frames(log: &Path) -> Vec<(u64, u64)> {
    let bytes = std::fs::read(log).unwrap();
    let mut at = 16usize;
    let mut out = Vec::new();
    while at + 12 <= bytes.len() {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let end = at + 12 + len;
        if end > bytes.len() {
            break;
        }
        out.push((at as u64, end as u64));
        at = end;
    }
    out.remove(0); // the genesis frame
    out
}

fn flip(log: &Path, at: u64) {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(log)
        .unwrap();
    let mut b = [0u8];
    f.read_exact_at(&mut b, at).unwrap();
    f.write_all_at(&[b[0] ^ 0x04], at).unwrap();
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&o.stdout), text(&o.stderr)))
}

// ---- a whole last frame whose checksum fails ----

/// A bit flipped in the last frame, acknowledged long ago, is damage: the next append and
/// `log repair` refuse to cut it, repair says what cutting it would lose, and only
/// `--discard-damaged-tail` cuts it, saving the bytes.
#[test]
fn a_damaged_last_frame_is_not_cut_without_an_explicit_discard_that_says_what_is_lost() {
    let d = scratch("last");
    let (log, frames) = nato_log(&d, 2);
    let (offset, end) = *frames.last().unwrap();
    flip(&log, (offset + end) / 2);
    let damaged = std::fs::read(&log).unwrap();

    let ev = event_file(&d, "after", 0);
    let o = demarche(&["log", "append", s(&log), s(&ev)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains(&format!("damaged frame at byte {offset}")),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(std::fs::read(&log).unwrap(), damaged, "nothing was cut");

    let o = demarche(&["log", "repair", s(&log)]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("--discard-damaged-tail")
            && err.contains(&format!("bytes {offset}..{end}"))
            && err.contains("claims sequences 15..=15")
            && err.contains("keeping sequences 1..=14")
            && err.contains("1 acknowledged event(s) after it cannot be read (sequences 15..=15")
            && err.contains("nothing was changed"),
        "{err}"
    );
    assert_eq!(std::fs::read(&log).unwrap(), damaged, "nothing was cut");

    let o = demarche(&["log", "repair", s(&log), "--discard-damaged-tail"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains(&format!("cut a damaged last frame at byte {offset}"))
            && out.contains("ends after sequence 14")
            && out.contains("lost: 1 acknowledged event(s)"),
        "{out}"
    );
    assert_eq!(std::fs::metadata(&log).unwrap().len(), offset);
    let saved = std::fs::read(format!("{}.damaged-{offset}", log.display())).unwrap();
    assert_eq!(saved, damaged[offset as usize..]);
    // The log takes appends again, and says it is whole.
    let o = demarche(&["log", "verify", s(&log)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    let o = demarche(&["log", "append", s(&log), s(&ev)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("last sequence 15"));
}

// ---- a log shorter than what proves its length ----

/// Whole frames dropped from the end read as a valid shorter log, unless something proves the
/// log was longer: the writer's acknowledgement record.
#[test]
fn frames_dropped_from_the_end_are_found_by_the_acknowledgement_record() {
    let d = scratch("short");
    let (log, frames) = nato_log(&d, 3);
    let keep = frames[frames.len() - 3].1; // sequences 1..=14 stay
    let f = std::fs::OpenOptions::new().write(true).open(&log).unwrap();
    f.set_len(keep).unwrap();
    drop(f);
    let short = std::fs::read(&log).unwrap();

    let o = demarche(&["log", "verify", s(&log)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    assert!(
        text(&o.stdout).contains("2 acknowledged event(s) are missing"),
        "{}",
        text(&o.stdout)
    );
    let v = json(&demarche(&["log", "verify", s(&log), "--format", "json"]));
    assert_eq!(v["status"], "shortened");
    assert_eq!(v["acknowledged"], 16);
    assert_eq!(v["acknowledged_lost"], 2);
    assert_eq!(v["last_good"], 14);

    let ev = event_file(&d, "after", 0);
    let o = demarche(&["log", "append", s(&log), s(&ev)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("2 acknowledged event(s) are missing"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(std::fs::read(&log).unwrap(), short, "nothing was appended");
    // Readers say it too.
    let o = demarche(&["state", s(&log)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("2 acknowledged event(s) are missing"));
}

/// A snapshot covering events past the end of the log proves it was longer, even without an
/// acknowledgement record.
#[test]
fn a_snapshot_past_the_end_of_the_log_proves_it_was_longer() {
    let d = scratch("snap-short");
    let log = d.join("crisis.log");
    let o = demarche(&[
        "log",
        "import",
        "scenarios/nato-russia-2021.toml",
        s(&log),
        "--snapshot-every",
        "5",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let frames = frames(&log);
    assert_eq!(frames.len(), 3, "frames of 5, 5 and 3 events");
    std::fs::remove_file(format!("{}.ack", log.display())).unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(&log).unwrap();
    f.set_len(frames[0].1).unwrap();
    drop(f);
    let o = demarche(&["log", "verify", s(&log)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    let out = text(&o.stdout);
    assert!(
        out.contains("000000000010.snap covers 10 events")
            && out.contains("5 acknowledged event(s) are missing"),
        "{out}"
    );
    let ev = event_file(&d, "after", 0);
    let o = demarche(&["log", "append", s(&log), s(&ev)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("5 acknowledged event(s) are missing"));
}

// ---- log verify: one verdict, said the same way everywhere ----

/// In every case (whole, torn tail, damaged middle frame, damaged last frame, shortened, facts
/// that differ), `log verify` exits with the code its help gives, and stdout, stderr and
/// `--format json` give the same verdict: what is wrong, where, and how many acknowledged
/// events it costs.
#[test]
fn log_verify_says_the_same_thing_on_stdout_stderr_and_in_json() {
    struct Case {
        name: &'static str,
        code: i32,
        status: &'static str,
        offset: Option<u64>,
        last_good: u64,
        lost: Option<u64>,
        says: &'static str,
    }
    let d = scratch("verdict");
    let (clean, frames) = nato_log(&d, 3);
    let bytes = std::fs::read(&clean).unwrap();
    let ack = std::fs::read(format!("{}.ack", clean.display())).unwrap();
    let end = bytes.len() as u64;
    let mut cases: Vec<(Case, Vec<u8>, bool)> = Vec::new();
    cases.push((
        Case {
            name: "clean",
            code: 0,
            status: "clean",
            offset: None,
            last_good: 16,
            lost: Some(0),
            says: "every frame checks out",
        },
        bytes.clone(),
        true,
    ));
    let mut torn = bytes.clone();
    torn.extend_from_slice(&bytes[frames[3].0 as usize..frames[3].0 as usize + 20]);
    cases.push((
        Case {
            name: "torn",
            code: 3,
            status: "torn",
            offset: Some(end),
            last_good: 16,
            lost: Some(0),
            says: "torn tail: an unfinished frame",
        },
        torn,
        true,
    ));
    let mut middle = bytes.clone();
    middle[(frames[2].0 + 30) as usize] ^= 1;
    cases.push((
        Case {
            name: "damaged middle frame",
            code: 1,
            status: "damaged",
            offset: Some(frames[2].0),
            last_good: 14,
            lost: Some(2),
            says: "2 acknowledged event(s) after it cannot be read (sequences 15..=16",
        },
        middle,
        true,
    ));
    let mut last = bytes.clone();
    last[(frames[3].0 + 30) as usize] ^= 1;
    cases.push((
        Case {
            name: "damaged last frame",
            code: 1,
            status: "damaged",
            offset: Some(frames[3].0),
            last_good: 15,
            lost: Some(1),
            says: "1 acknowledged event(s) after it cannot be read (sequences 16..=16",
        },
        last.clone(),
        true,
    ));
    cases.push((
        Case {
            name: "damaged last frame, no acknowledgement record",
            code: 1,
            status: "damaged",
            offset: Some(frames[3].0),
            last_good: 15,
            lost: None,
            says: "how many acknowledged events follow is not known",
        },
        last,
        false,
    ));
    cases.push((
        Case {
            name: "shortened",
            code: 1,
            status: "shortened",
            offset: Some(frames[2].1),
            last_good: 15,
            lost: Some(1),
            says: "1 acknowledged event(s) are missing",
        },
        bytes[..frames[2].1 as usize].to_vec(),
        true,
    ));
    for (case, content, with_ack) in &cases {
        let path = d.join(format!("case-{}.log", case.name.replace(' ', "-")));
        std::fs::write(&path, content).unwrap();
        if *with_ack {
            std::fs::write(format!("{}.ack", path.display()), &ack).unwrap();
        }
        let o = demarche(&["log", "verify", s(&path)]);
        assert_eq!(
            o.status.code(),
            Some(case.code),
            "{}: {}",
            case.name,
            text(&o.stdout)
        );
        let verdict = text(&o.stdout).lines().last().unwrap().to_string();
        assert!(verdict.contains(case.says), "{}: {verdict}", case.name);
        let err = text(&o.stderr);
        if case.code == 0 {
            assert_eq!(err, "", "{}", case.name);
        } else {
            assert_eq!(err.trim_end(), format!("error: {verdict}"), "{}", case.name);
        }
        let jo = demarche(&["log", "verify", s(&path), "--format", "json"]);
        assert_eq!(jo.status.code(), Some(case.code), "{}", case.name);
        assert_eq!(text(&jo.stderr), err, "{}: the same on stderr", case.name);
        let v = json(&jo);
        assert_eq!(v["verdict"], verdict.as_str(), "{}", case.name);
        assert_eq!(v["ok"], case.code == 0, "{}", case.name);
        assert_eq!(v["status"], case.status, "{}", case.name);
        assert_eq!(v["offset"].as_u64(), case.offset, "{}", case.name);
        assert_eq!(v["last_good"], case.last_good, "{}", case.name);
        assert_eq!(v["acknowledged_lost"].as_u64(), case.lost, "{}", case.name);
        if let Some(at) = case.offset {
            assert!(
                verdict.contains(&format!("byte {at}")),
                "{}: {verdict}",
                case.name
            );
        }
    }
    // Facts that differ from this build's decisions (a log written by another build, without
    // an acknowledgement record): exit 1, the event named everywhere. A cap's limit (tag 20:
    // scope of 9 bytes, then the limit) is raised by one, the frame's checksum made valid.
    let path = d.join("drift.log");
    let mut drift = bytes.clone();
    let (start, fend) = frames[0];
    let opened = demarche::log::Log::open(&clean).unwrap();
    let payload = opened.payload(0).unwrap().into_owned();
    let (cap, _) = crate::log::find_fact(&payload, 1, &opened.genesis.world, 20).expect("a cap");
    let limit_at = start as usize + 13 + cap + 10;
    drift[limit_at] = drift[limit_at].wrapping_add(1);
    let crc = demarche::log::format::crc(&drift[start as usize + 12..fend as usize]);
    drift[start as usize + 8..start as usize + 12].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(&path, &drift).unwrap();
    let o = demarche(&["log", "verify", s(&path)]);
    let jo = demarche(&["log", "verify", s(&path), "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    let verdict = text(&o.stdout).lines().last().unwrap().to_string();
    let v = json(&jo);
    assert_eq!(v["status"], "drift", "{verdict}");
    assert_eq!(v["verdict"], verdict.as_str());
    assert_eq!(text(&o.stderr).trim_end(), format!("error: {verdict}"));
    assert!(
        verdict.contains(&format!("frame at byte {start}")),
        "{verdict}"
    );
}

// ---- salvage ----

/// The documented procedure for damage in the middle: `log salvage` writes the frames before it
/// to a new log and keeps the rest beside it; the new log verifies and takes appends; the old
/// one is left as it was.
#[test]
fn salvage_copies_the_frames_before_the_damage_into_a_new_log_that_takes_appends() {
    let d = scratch("salvage");
    let (log, frames) = nato_log(&d, 3);
    let damage_at = frames[2].0; // the frame of sequence 15
    flip(&log, damage_at + 40);
    let damaged = std::fs::read(&log).unwrap();
    let out = d.join("salvaged.log");
    let o = demarche(&["log", "salvage", s(&log), s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let said = text(&o.stdout);
    assert!(
        said.contains("14 events copied")
            && said.contains(&format!("reading stopped at byte {damage_at}"))
            && said.contains(&format!("salvaged.log.damaged-{damage_at}"))
            && said.contains("2 acknowledged event(s) after it cannot be read (sequences 15..=16"),
        "{said}"
    );
    assert_eq!(
        std::fs::read(&log).unwrap(),
        damaged,
        "the old log is untouched"
    );
    assert_eq!(
        std::fs::read(&out).unwrap(),
        damaged[..damage_at as usize],
        "the frames before the damage, byte for byte"
    );
    assert_eq!(
        std::fs::read(format!("{}.damaged-{damage_at}", out.display())).unwrap(),
        damaged[damage_at as usize..]
    );
    let o = demarche(&["log", "verify", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("14 events"));
    let ev = event_file(&d, "after-salvage", 0);
    let o = demarche(&["log", "append", s(&out), s(&ev), "--expect-seq", "14"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("last sequence 15"));
    let o = demarche(&["log", "verify", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    // The documented steps that put it in the damaged log's place (docs/log-format.md,
    // Recovery): the damaged log aside, its snapshots removed, the new log and its record
    // renamed.
    let aside = d.join("crisis.log.damaged");
    std::fs::rename(&log, &aside).unwrap();
    let _ = std::fs::remove_dir_all(d.join("crisis.log.snapshots"));
    std::fs::rename(&out, &log).unwrap();
    std::fs::rename(d.join("salvaged.log.ack"), d.join("crisis.log.ack")).unwrap();
    let o = demarche(&["log", "verify", s(&log)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    let ev = event_file(&d, "after-rename", 0);
    let o = demarche(&["log", "append", s(&log), s(&ev), "--expect-seq", "15"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let (log, out) = (aside, d.join("salvaged-again.log"));
    std::fs::write(&out, b"taken").unwrap();
    // A new log is never written over an existing file.
    let o = demarche(&["log", "salvage", s(&log), s(&out)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("already exists"));
}

// ---- what readers say about what they could not read ----

#[test]
fn tail_export_and_state_say_what_they_read_and_what_they_could_not() {
    let d = scratch("readers");
    let (log, frames) = nato_log(&d, 3);
    let bytes = std::fs::read(&log).unwrap();

    // A torn tail: everything whole is printed, exit 0, and a note says what was left.
    let torn = d.join("torn.log");
    let mut t = bytes.clone();
    t.extend_from_slice(&[9, 9, 9]);
    std::fs::write(&torn, &t).unwrap();
    for args in [
        &["log", "tail", s(&torn)][..],
        &["log", "export", s(&torn)],
        &["state", s(&torn)],
    ] {
        let o = demarche(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains(&format!("unfinished frame at byte {}", bytes.len())),
            "{args:?}: {}",
            text(&o.stderr)
        );
    }
    let o = demarche(&["log", "tail", s(&torn)]);
    assert_eq!(text(&o.stdout).lines().count(), 16);

    // Damage in a middle frame: the events before it are printed, then what could not be read,
    // and exit 1.
    let bad = d.join("bad.log");
    let mut b = bytes.clone();
    b[(frames[2].0 + 40) as usize] ^= 1;
    std::fs::write(&bad, &b).unwrap();
    std::fs::copy(
        format!("{}.ack", log.display()),
        format!("{}.ack", bad.display()),
    )
    .unwrap();
    let o = demarche(&["log", "tail", s(&bad), "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stdout).lines().count(), 14, "{}", text(&o.stdout));
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!("damaged frame at byte {}", frames[2].0))
            && err.contains("2 acknowledged event(s) after it cannot be read")
            && err.contains("printed 14 event(s), sequences 1..=14"),
        "{err}"
    );
    let o = demarche(&["log", "export", s(&bad), "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stdout).lines().count(), 14);
    assert!(
        text(&o.stderr).contains("the export holds sequences 1..=14 only"),
        "{}",
        text(&o.stderr)
    );
    let o = demarche(&["state", s(&bad), "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert!(
        v.is_object(),
        "the state as far as the log reads is printed"
    );
    let err = text(&o.stderr);
    assert!(
        err.contains("the state above includes sequences 1..=14 only")
            && err.contains("2 acknowledged event(s) after it cannot be read"),
        "{err}"
    );
    // The state right after an event before the damage needs no damaged frame: it is read
    // whole, and nothing is wrong with what was read.
    let o = demarche(&["state", s(&bad), "--after", "extra-1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // When the damage is known on opening (in the last frame), the same answer says it is
    // exact, and the exit code says the log is damaged.
    let bad_last = d.join("bad-last.log");
    let mut b = bytes.clone();
    b[(frames[3].0 + 40) as usize] ^= 1;
    std::fs::write(&bad_last, &b).unwrap();
    let o = demarche(&["state", s(&bad_last), "--after", "extra-1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("needs sequences 1..=14 only, and they were all read"),
        "{}",
        text(&o.stderr)
    );
    let o = demarche(&["replay", s(&bad)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stdout).contains("extra-1"), "{}", text(&o.stdout));
    assert!(
        text(&o.stderr).contains("covers sequences 1..=14 only"),
        "{}",
        text(&o.stderr)
    );

    // A file shorter than a log header is not a log: said, exit 1.
    let tiny = d.join("tiny.log");
    std::fs::write(&tiny, b"DEMARCHE").unwrap();
    for args in [
        &["log", "tail", s(&tiny)][..],
        &["log", "tail", s(&tiny), "--follow"],
    ] {
        let o = demarche(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(
            text(&o.stderr).contains("shorter than a log header"),
            "{args:?}: {}",
            text(&o.stderr)
        );
    }
}

// ---- a torn write that is not a clean prefix ----

/// A machine crash during an append can leave the first page of the unfinished frame zeroed
/// and later pages written. Past the last acknowledged frame, that is a torn tail the next
/// writer cuts; without the acknowledgement record, or before the acknowledged end, it is
/// damage.
#[test]
fn a_torn_write_with_its_first_page_zeroed_is_torn_only_past_the_acknowledged_end() {
    let d = scratch("zeroed");
    // A frame of more than two pages: one event with a long note, appended to a copy.
    let (log, _) = nato_log(&d, 1);
    let copy = d.join("copy.log");
    std::fs::copy(&log, &copy).unwrap();
    let big = event_file(&d, "big", 9000);
    let o = demarche(&["log", "append", s(&copy), s(&big)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let (start, end) = *frames(&copy).last().unwrap();
    assert!(end - start > 8192);
    let mut unfinished = std::fs::read(&copy).unwrap()[start as usize..end as usize].to_vec();
    unfinished[..4096].fill(0);
    let acked = std::fs::read(&log).unwrap();
    let mut torn = acked.clone();
    torn.extend_from_slice(&unfinished);

    // Past the acknowledged end: torn, cut by the next append and saved.
    std::fs::write(&log, &torn).unwrap();
    let o = demarche(&["log", "verify", s(&log)]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stdout));
    let ev = event_file(&d, "next", 0);
    let o = demarche(&["log", "append", s(&log), s(&ev)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains(&format!("cut an unfinished frame at byte {}", acked.len())),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(
        std::fs::read(format!("{}.torn-{}", log.display(), acked.len())).unwrap(),
        unfinished
    );

    // Without an acknowledgement record nothing tells that frame was never acknowledged.
    let bare = d.join("bare.log");
    std::fs::write(&bare, &torn).unwrap();
    let o = demarche(&["log", "verify", s(&bare)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    let o = demarche(&["log", "append", s(&bare), s(&ev)]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read(&bare).unwrap(), torn, "nothing was cut");

    // The first page of an acknowledged frame zeroed is damage, whatever follows.
    let (start, end) = *frames(&copy).last().unwrap();
    let mut zeroed = std::fs::read(&copy).unwrap();
    zeroed[start as usize..start as usize + 4096].fill(0);
    assert_eq!(zeroed.len() as u64, end);
    std::fs::write(&copy, &zeroed).unwrap();
    let o = demarche(&["log", "verify", s(&copy)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    assert!(
        text(&o.stdout).contains("1 acknowledged event(s) after it cannot be read"),
        "{}",
        text(&o.stdout)
    );
    let o = demarche(&["log", "append", s(&copy), s(&ev)]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read(&copy).unwrap(), zeroed, "nothing was cut");
}

// ---- special files and runaway arguments ----

fn mkfifo(path: &Path) {
    let o = Command::new("mkfifo").arg(path).output().unwrap();
    assert!(o.status.success(), "mkfifo: {}", text(&o.stderr));
}

#[test]
fn a_fifo_or_a_runaway_wait_is_refused_without_blocking_or_panicking() {
    let d = scratch("special");
    let (log, _) = nato_log(&d, 0);
    let ev = event_file(&d, "ev", 0);
    for wait in ["1e19", "1e20", "86401", "-1", "NaN"] {
        let arg = format!("--wait={wait}");
        let o = demarche(&["log", "append", s(&log), s(&ev), &arg]);
        assert_eq!(
            o.status.code(),
            Some(2),
            "--wait {wait}: {}",
            text(&o.stderr)
        );
        assert!(
            text(&o.stderr).contains("--wait takes a number of seconds from 0 to 86400"),
            "{}",
            text(&o.stderr)
        );
    }
    let fifo = d.join("events.fifo");
    mkfifo(&fifo);
    let o = demarche(&["log", "append", s(&log), s(&fifo)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("FIFO"), "{}", text(&o.stderr));
    for cmd in ["validate", "replay", "state"] {
        let o = demarche(&[cmd, s(&fifo)]);
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        assert!(
            text(&o.stderr).contains("FIFO"),
            "{cmd}: {}",
            text(&o.stderr)
        );
    }
    for args in [
        &["log", "verify", s(&fifo)][..],
        &["log", "tail", s(&fifo)],
        &["log", "export", s(&fifo)],
    ] {
        let o = demarche(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(
            text(&o.stderr).contains("not a regular file"),
            "{args:?}: {}",
            text(&o.stderr)
        );
    }
    // The append waits its time for the lock (it is free) and works.
    let o = demarche(&["log", "append", s(&log), s(&ev), "--wait", "86400"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

// ---- what a killed import leaves behind ----

/// The id of a process that has ended.
fn dead_pid() -> u32 {
    let mut c = Command::new("true").spawn().unwrap();
    let pid = c.id();
    c.wait().unwrap();
    pid
}

#[test]
fn files_left_by_killed_imports_are_removed_by_the_next_import_or_repair() {
    let d = scratch("partials");
    let log = d.join("crisis.log");
    let stale = d.join(format!("crisis.log.partial-{}-0", dead_pid()));
    let mut live_child = Command::new("sleep").arg("60").spawn().unwrap();
    let live = d.join(format!("crisis.log.partial-{}-3", live_child.id()));
    let other = d.join(format!("other.log.partial-{}-0", dead_pid()));
    for p in [&stale, &live, &other] {
        std::fs::File::create(p)
            .unwrap()
            .write_all(b"half a log")
            .unwrap();
    }
    let o = demarche(&["log", "import", "scenarios/nato-russia-2021.toml", s(&log)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        !stale.exists(),
        "the file of a process that ended is removed"
    );
    assert!(live.exists(), "the file of a running process is left alone");
    assert!(other.exists(), "the file of another log is left alone");
    let again = d.join(format!("crisis.log.partial-{}-1", dead_pid()));
    std::fs::write(&again, b"half a log").unwrap();
    let o = demarche(&["log", "repair", s(&log)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(!again.exists());
    assert!(
        text(&o.stdout).contains(&format!("removed {}", again.display())),
        "{}",
        text(&o.stdout)
    );
    let _ = live_child.kill();
    let _ = live_child.wait();
}
