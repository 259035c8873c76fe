//! Fuzz targets of demarche: everything that reads bytes someone else wrote.
//!
//! Each [`Target`] takes arbitrary bytes and must return without panicking, whatever they are:
//! problems are reported as values, never by stopping the program. The same targets run two
//! ways (docs/testing.md):
//!
//! - coverage-guided, with AFL++ through afl.rs on the stable toolchain
//!   (`cargo afl build --features afl`, the harnesses in `src/bin/afl_*.rs`), for long runs;
//! - bounded and deterministic, in CI: [`run_bounded`] replays the committed corpus
//!   (`corpus/<target>/`) and every saved crash (`regressions/<target>/`), then tries a fixed
//!   number of seeded mutations of the corpus (`src/bin/fuzz.rs`).

use demarche::core::{Day, World};
use demarche::r#gen::Rng;
use demarche::log::format;
use demarche::log::tail::Follow;
use demarche::log::{Log, Upto, Writer, WriterOptions, snapshot, verify};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// What a fuzz input is read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A scenario file (`scenario::parse`).
    Scenario,
    /// A what-if branch file (`whatif::file::BranchFile::parse`).
    Branch,
    /// A whole log file: opened, folded (trusted replay), replayed with a timeline, verified
    /// (decided again), exported, followed.
    Log,
    /// A snapshot file beside a valid log: listed, checked, used for a state.
    Snapshot,
    /// The events file of `log append` (`scenario::parse_events`, against the nato cast).
    Events,
}

impl Target {
    pub const ALL: [Target; 5] = [
        Target::Scenario,
        Target::Branch,
        Target::Log,
        Target::Snapshot,
        Target::Events,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::Scenario => "scenario",
            Target::Branch => "branch",
            Target::Log => "log",
            Target::Snapshot => "snapshot",
            Target::Events => "events",
        }
    }

    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Runs the target on one input. Panics only on a bug.
    pub fn run(self, data: &[u8]) {
        match self {
            Target::Scenario => scenario(data),
            Target::Branch => branch(data),
            Target::Log => log(data),
            Target::Snapshot => snapshot_file(data),
            Target::Events => events(data),
        }
    }
}

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

fn scenario(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = demarche::scenario::parse("fuzz.toml", t);
    }
}

fn branch(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = demarche::whatif::file::is_branch_file(t);
        let _ = demarche::whatif::file::BranchFile::parse("fuzz.toml", t);
    }
}

/// The nato scenario: the cast and events the events and snapshot targets read against.
fn nato() -> &'static demarche::scenario::Scenario {
    static NATO: OnceLock<demarche::scenario::Scenario> = OnceLock::new();
    NATO.get_or_init(|| {
        let text = include_str!("../../scenarios/nato-russia-2021.toml");
        demarche::scenario::parse("nato-russia-2021.toml", text)
            .unwrap_or_else(|_| panic!("the nato scenario parses"))
    })
}

fn events(data: &[u8]) {
    let Some(t) = text(data) else { return };
    let s = nato();
    let earlier: Vec<String> = s.meta.iter().map(|m| m.id.clone()).collect();
    let world: &World = &s.world;
    let _ = demarche::scenario::parse_events(t, world, s.start, &earlier);
}

/// A folder of this process's own for the files the targets write.
fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("demarche-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("a temporary folder");
        d
    })
}

fn fresh_name(stem: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    scratch().join(format!("{stem}-{n}"))
}

fn remove_log(path: &Path) {
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(demarche::log::ack_path(path));
    let _ = std::fs::remove_dir_all(snapshot::dir(path));
}

fn log(data: &[u8]) {
    let path = fresh_name("log");
    std::fs::write(&path, data).expect("a temporary file");
    use_log(&path);
    remove_log(&path);
}

/// What the tools do with a log.
fn use_log(path: &Path) {
    let Ok(log) = Log::open(path) else { return };
    let _ = log.damage().map(|e| e.to_string());
    if let Ok((state, _)) = log.state(Upto::End, false) {
        let _ = state.digest();
        let _ = log.sparse_scenario(state.events, &Log::named_by(&state));
    }
    if let Some(f) = log.frames.first() {
        let _ = log.state(Upto::Date(Day(f.header.last_date)), true);
    }
    if let Ok((s, r)) = log.run(Upto::End) {
        let _ = demarche::report::run_text(&s, &r);
    }
    let _ = verify::verify(&log, &mut |_| {});
    if let Ok(s) = log.scenario() {
        let _ = demarche::export::to_toml(&s);
    }
    let _ = snapshot::check_all(&log);
    follow(path);
}

/// Follows the log to its end without waiting (the follower reads frames its own way).
fn follow(path: &Path) {
    thread_local! {
        static RT: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime");
    }
    RT.with(|rt| {
        rt.block_on(async {
            let mut f = Follow::new(path, 1);
            while let Ok(Some(_)) = f.try_next().await {}
        })
    });
}

/// A valid log of the nato scenario with snapshots every 5 events, for the snapshot target:
/// its bytes, and those of its snapshot after 10 events.
fn snapshot_base() -> &'static (Vec<u8>, Vec<u8>) {
    static BASE: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    BASE.get_or_init(|| {
        let path = fresh_name("base");
        let w = Writer::create(&path, nato(), 5, WriterOptions::default())
            .unwrap_or_else(|e| panic!("the base log: {e}"));
        drop(w);
        let log = std::fs::read(&path).expect("the base log");
        let snap = std::fs::read(snapshot::dir(&path).join("000000000010.snap"))
            .expect("the snapshot after 10 events");
        remove_log(&path);
        (log, snap)
    })
}

/// The bytes of a snapshot the snapshot target starts from (for seeding its corpus).
pub fn snapshot_seed() -> Vec<u8> {
    snapshot_base().1.clone()
}

/// A generated log of 60 events over 5 actors and 12 missions, in frames of 7 events (for
/// seeding the log target's corpus with caps, expulsions, deferred measures and departures).
pub fn generated_log_seed() -> Vec<u8> {
    let s = demarche::r#gen::generate(&demarche::r#gen::GenConfig {
        seed: 3,
        actors: 5,
        missions: 12,
        events: 60,
    })
    .into_scenario("generated");
    let path = fresh_name("generated");
    let options = WriterOptions {
        snapshots: false,
        ..WriterOptions::default()
    };
    drop(Writer::create(&path, &s, 7, options).unwrap_or_else(|e| panic!("a generated log: {e}")));
    let bytes = std::fs::read(&path).expect("the generated log");
    remove_log(&path);
    bytes
}

fn snapshot_file(data: &[u8]) {
    let (log_bytes, _) = snapshot_base();
    let path = fresh_name("snap");
    std::fs::write(&path, log_bytes).expect("a temporary file");
    let dir = snapshot::dir(&path);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    std::fs::write(dir.join("000000000010.snap"), data).expect("a temporary file");
    if let Ok(log) = Log::open(&path) {
        let _ = log.damage().map(|e| e.to_string());
        let _ = snapshot::check_all(&log);
        let _ = log.state(Upto::End, false);
        let _ = log.state(Upto::Count(12), false);
        let _ = snapshot::best(&log, |_| true);
    }
    remove_log(&path);
}

/// Makes every frame of a log's bytes check out again (length and body checksums), so that
/// mutations reach the payload decoders instead of stopping at the checksums. Stops at the
/// first frame whose length runs past the end.
pub fn fix_log_checksums(bytes: &mut [u8]) {
    if bytes.len() >= format::HEADER_LEN {
        let c = format::crc(&bytes[..12]);
        bytes[12..16].copy_from_slice(&c.to_le_bytes());
    }
    let mut at = format::HEADER_LEN;
    while at + format::FRAME_HEADER_LEN <= bytes.len() {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
        let end = at + format::FRAME_HEADER_LEN + len;
        if len == 0 || end > bytes.len() {
            return;
        }
        let lc = format::crc(&bytes[at..at + 4]);
        bytes[at + 4..at + 8].copy_from_slice(&lc.to_le_bytes());
        let bc = format::crc(&bytes[at + format::FRAME_HEADER_LEN..end]);
        bytes[at + 8..at + 12].copy_from_slice(&bc.to_le_bytes());
        at = end;
    }
}

/// Makes a snapshot's header and state checksums check out again.
pub fn fix_snapshot_checksums(bytes: &mut [u8]) {
    let h = format::SNAPSHOT_HEADER_LEN;
    if bytes.len() < h {
        return;
    }
    let body = format::crc(&bytes[h..]);
    bytes[72..76].copy_from_slice(&body.to_le_bytes());
    let len = (bytes.len() - h) as u64;
    bytes[76..84].copy_from_slice(&len.to_le_bytes());
    let c = format::crc(&bytes[..h - 4]);
    bytes[h - 4..h].copy_from_slice(&c.to_le_bytes());
}

const INTERESTING_U32: [u32; 9] = [0, 1, 2, 0x7f, 0x80, 0xff, 0xffff, 0x7fff_ffff, u32::MAX];

/// One seeded mutation of `input` (with `other`, another corpus entry, to splice from).
pub fn mutate(rng: &mut Rng, input: &[u8], other: &[u8], target: Target) -> Vec<u8> {
    let mut b = input.to_vec();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        if b.is_empty() {
            b.push(rng.below(256) as u8);
            continue;
        }
        match rng.below(8) {
            0 => {
                let i = rng.index(b.len());
                b[i] ^= 1 << rng.below(8);
            }
            1 => {
                let i = rng.index(b.len());
                b[i] = rng.below(256) as u8;
            }
            2 if b.len() >= 4 => {
                let i = rng.index(b.len() - 3);
                let v = INTERESTING_U32[rng.index(INTERESTING_U32.len())];
                b[i..i + 4].copy_from_slice(&v.to_le_bytes());
            }
            3 => {
                let i = rng.index(b.len() + 1);
                let n = 1 + rng.index(16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.below(256) as u8).collect();
                b.splice(i..i, bytes);
            }
            4 => {
                let i = rng.index(b.len());
                let n = 1 + rng.index((b.len() - i).min(64));
                b.drain(i..i + n);
            }
            5 => {
                let i = rng.index(b.len());
                let n = 1 + rng.index((b.len() - i).min(64));
                let chunk = b[i..i + n].to_vec();
                let at = rng.index(b.len() + 1);
                b.splice(at..at, chunk);
            }
            6 if !other.is_empty() => {
                let i = rng.index(other.len());
                let n = 1 + rng.index((other.len() - i).min(256));
                let at = rng.index(b.len() + 1);
                let end = (at + n).min(b.len());
                b.splice(at..end, other[i..i + n].iter().copied());
            }
            _ => {
                // Text targets: repeat a line, the way a file grows.
                if let Some(nl) = b.iter().position(|&c| c == b'\n') {
                    let line = b[..=nl].to_vec();
                    let at = rng.index(b.len() + 1);
                    b.splice(at..at, line);
                }
            }
        }
    }
    match target {
        Target::Log if rng.chance(750) => fix_log_checksums(&mut b),
        Target::Snapshot if rng.chance(750) => fix_snapshot_checksums(&mut b),
        _ => {}
    }
    b
}

/// The files of `dir`, sorted by name (missing folder: none).
pub fn read_dir_sorted(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b)))
        .collect()
}

/// What a bounded run found.
#[derive(Debug, Default)]
pub struct Report {
    pub replayed: usize,
    pub mutated: usize,
    /// Inputs that panicked, and where they were saved.
    pub crashes: Vec<PathBuf>,
}

/// Replays `corpus` and `regressions`, then runs `iterations` seeded mutations of the corpus.
/// Every input that panics is saved in `crashes` (named by its content's checksum).
pub fn run_bounded(
    target: Target,
    corpus: &Path,
    regressions: &Path,
    crashes: &Path,
    iterations: u64,
    seed: u64,
) -> Report {
    let mut report = Report::default();
    let mut inputs: Vec<Vec<u8>> = read_dir_sorted(corpus)
        .into_iter()
        .map(|(_, b)| b)
        .collect();
    let saved: Vec<Vec<u8>> = read_dir_sorted(regressions)
        .into_iter()
        .map(|(_, b)| b)
        .collect();
    let try_one = |data: &[u8], report: &mut Report| {
        let outcome = std::panic::catch_unwind(|| target.run(data));
        if outcome.is_err() {
            let _ = std::fs::create_dir_all(crashes);
            let name = format!("{}-{:08x}-{}", target.name(), format::crc(data), data.len());
            let p = crashes.join(name);
            let _ = std::fs::write(&p, data);
            report.crashes.push(p);
        }
    };
    for data in inputs.iter().chain(&saved) {
        try_one(data, &mut report);
        report.replayed += 1;
    }
    if inputs.is_empty() {
        inputs.push(Vec::new());
    }
    let mut rng = Rng::new(seed ^ (target as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    for _ in 0..iterations {
        let a = rng.index(inputs.len());
        let b = rng.index(inputs.len());
        let data = mutate(&mut rng, &inputs[a], &inputs[b], target);
        try_one(&data, &mut report);
        report.mutated += 1;
    }
    report
}
