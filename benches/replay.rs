//! Replay benchmarks, in events per second, on the generated workload (200 actors, 1,000
//! missions) at 1 k, 100 k and 1 M events. The `replay` group holds, for each size, on the same
//! events in the same run:
//!
//! - `apply-in-memory`: the trusted fold of stored facts already decoded into memory
//!   (`State::apply_record` over `bench::Records`);
//! - `trusted-from-log`: open the log, check every frame, decode the facts and apply them
//!   (`Log::fold`), page cache warm;
//! - `verified-from-log`: every command decided again and its facts compared with the log's
//!   (`log::verify::verify`);
//! - `decide-in-memory`: every command decided and applied from memory, as the log writer
//!   does (what the earlier figures called the fold);
//! - `typed-json-baseline`: the JSON lines file read and each line deserialised into a typed
//!   serde struct with string ids, folded into `HashMap<String, _>` state (`bench::typed`);
//! - `value-json-baseline` (up to 100 k events): the earlier baseline, through
//!   `serde_json::Value`.
//!
//! Then the state at a random point of a log with snapshots (`state_at`), appends (`append`),
//! and the decode speed of fixed-width against varint integers that chose the log's bincode
//! configuration (`codec`).
//!
//! `cargo bench --bench replay` runs everything (about 15 minutes on two cores).
//! `DEMARCHE_BENCH_SIZES=1000,100000,1000000,10000000` adds 10 M (generating it takes a few
//! minutes, and holding it about 8 GiB). Filter groups by name: `cargo bench --bench replay --
//! replay/`. Figures are recorded in docs/benchmarks.md. Nothing here asserts a time.

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use demarche::bench::{self, Records, naive, typed};
use demarche::codec;
use demarche::core::State;
use demarche::r#gen::{Generator, Rng};
use demarche::log::wire;
use demarche::log::{Durability, Log, NewEvent, Upto, Writer, WriterOptions, snapshot};
use demarche::scenario::Scenario;
use std::collections::HashMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

fn sizes() -> Vec<usize> {
    std::env::var("DEMARCHE_BENCH_SIZES")
        .ok()
        .map(|v| {
            v.split(',')
                .map(|n| n.trim().parse().expect("a size"))
                .collect()
        })
        .unwrap_or_else(|| vec![1_000, 100_000, 1_000_000])
}

fn scratch() -> PathBuf {
    let d = std::env::temp_dir().join(format!("demarche-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

type Cache<T> = OnceLock<Mutex<HashMap<usize, &'static T>>>;

/// Memoises `make(n)` for the whole run: inputs are built only for the benchmarks criterion
/// selects (a filter such as `-- state_at` skips the others' setup), and only once.
fn cached<T: Send + Sync + 'static>(
    cache: &'static Cache<T>,
    n: usize,
    make: impl FnOnce(usize) -> T,
) -> &'static T {
    let mut map = cache.get_or_init(Default::default).lock().unwrap();
    map.entry(n).or_insert_with(|| Box::leak(Box::new(make(n))))
}

fn workload(n: usize) -> &'static Scenario {
    static CACHE: Cache<Scenario> = OnceLock::new();
    cached(&CACHE, n, |n| bench::workload(n, 1, &mut |_| {}))
}

/// Writes `s` as a log (no fsync per frame; one at the end) with snapshots every `every`.
fn write_log(s: &Scenario, name: &str, every: u32) -> PathBuf {
    let path = scratch().join(name);
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_dir_all(snapshot::dir(&path));
    bench::write_log(&path, s, every).unwrap();
    path
}

/// The workload of `n` events as a log file and as a JSON lines file, with their sizes printed.
fn files(n: usize) -> &'static (PathBuf, PathBuf) {
    static CACHE: Cache<(PathBuf, PathBuf)> = OnceLock::new();
    cached(&CACHE, n, |n| {
        let log = write_log(workload(n), &format!("replay-{n}.log"), 0);
        let json_path = scratch().join(format!("replay-{n}.jsonl"));
        std::fs::write(&json_path, bench::jsonl(workload(n))).unwrap();
        let log_bytes = std::fs::metadata(&log).unwrap().len();
        let json_bytes = std::fs::metadata(&json_path).unwrap().len();
        eprintln!(
            "replay/{n}: log {log_bytes} bytes ({:.1} per event), JSON lines {json_bytes} bytes ({:.1} per event)",
            log_bytes as f64 / n as f64,
            json_bytes as f64 / n as f64
        );
        (log, json_path)
    })
}

/// The stored facts of the workload of `n` events, decoded from its log into memory.
fn records(n: usize) -> &'static Records {
    static CACHE: Cache<Records> = OnceLock::new();
    cached(&CACHE, n, |n| {
        let log = bench::open(&files(n).0).unwrap();
        let r = Records::from_log(&log).unwrap();
        eprintln!(
            "replay/{n}: {} facts, {:.1} bytes per event in memory",
            r.facts(),
            r.memory_bytes() as f64 / n as f64
        );
        r
    })
}

fn replay(c: &mut Criterion) {
    let mut g = c.benchmark_group("replay");
    g.sample_size(10).warm_up_time(Duration::from_secs(1));
    for n in sizes() {
        g.throughput(Throughput::Elements(n as u64));
        g.measurement_time(Duration::from_secs(if n >= 1_000_000 { 20 } else { 5 }));
        g.bench_function(BenchmarkId::new("apply-in-memory", n), |b| {
            let r = records(n);
            let s = workload(n);
            b.iter_batched(
                || s.initial.clone(),
                |initial| black_box(r.apply(initial)),
                BatchSize::LargeInput,
            )
        });
        g.bench_function(BenchmarkId::new("trusted-from-log", n), |b| {
            let (log, _) = files(n);
            b.iter(|| black_box(bench::replay(log).unwrap()))
        });
        g.bench_function(BenchmarkId::new("proposed-reader-loop", n), |b| {
            let (log, _) = files(n);
            let opened = bench::open(log).unwrap();
            assert_eq!(
                proposed_fold(&opened).digest(),
                bench::replay(log).unwrap().digest(),
                "the sketch folds to the state the reader folds to"
            );
            b.iter(|| black_box(proposed_fold(&bench::open(log).unwrap())))
        });
        g.bench_function(BenchmarkId::new("verified-from-log", n), |b| {
            let (log, _) = files(n);
            b.iter(|| assert_eq!(black_box(bench::verify(log).unwrap()), n as u64))
        });
        g.bench_function(BenchmarkId::new("decide-in-memory", n), |b| {
            let s = workload(n);
            b.iter_batched(
                || s.initial.clone(),
                |initial| black_box(bench::decide_all(&s.world, &initial, &s.events)),
                BatchSize::LargeInput,
            )
        });
        g.bench_function(BenchmarkId::new("typed-json-baseline", n), |b| {
            let (_, json) = files(n);
            b.iter(|| black_box(typed::replay(json).unwrap()))
        });
        if n <= 100_000 {
            g.bench_function(BenchmarkId::new("value-json-baseline", n), |b| {
                let (_, json) = files(n);
                b.iter(|| black_box(naive::fold(&std::fs::read(json).unwrap())))
            });
        }
    }
    g.finish();
}

/// A sketch of the fold loop proposed for `Log::fold` (src/log/reader.rs), to measure what it
/// would gain; not the product's path. Like `Log::fold`, it reads every frame, checks its
/// checksum, checks each record against the state and decodes and applies every stored fact.
/// Unlike it: one body buffer reused across frames (no zeroed allocation per frame, no
/// `remove(0)` shifting the body to drop the kind byte), the strings section left undecoded (a
/// fold names no string), the id bounds built once per frame, the facts decoded into two
/// vectors reused across events.
fn proposed_fold(log: &Log) -> State {
    use demarche::core::{Day, Fact};
    use demarche::log::{check::Bounds, facts, format};
    use std::os::unix::fs::FileExt;
    let world = &log.genesis.world;
    let file = std::fs::File::open(&log.path).unwrap();
    let mut state = log.genesis.initial.clone();
    let mut body: Vec<u8> = Vec::new();
    let (mut passed, mut own): (Vec<Fact>, Vec<Fact>) = (Vec::new(), Vec::new());
    for f in &log.frames {
        body.resize(f.len as usize, 0);
        let at = f.offset + format::FRAME_HEADER_LEN as u64;
        file.read_exact_at(&mut body, at).unwrap();
        assert_eq!(format::crc(&body), f.crc, "a frame's checksum");
        let (h, sections) = format::EventsHeader::read(&body[1..]).unwrap();
        let mut bounds = Bounds::of(world, (h.first_seq - 1) as u32);
        let bytes = sections.facts;
        let mut at = 0;
        for _ in 0..h.count {
            let word = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
            let (date, np, nf) = (Day(word(at) as i32), word(at + 4), word(at + 8));
            at += 12;
            passed.clear();
            own.clear();
            for k in 0..np + nf {
                let (fact, used) = facts::get(&bytes[at..], &bounds).unwrap();
                at += used;
                if k < np { &mut passed } else { &mut own }.push(fact);
            }
            assert!(passed.first().is_none_or(|f| matches!(f, Fact::Due { .. })));
            assert!(state.events == u64::from(bounds.seq) && date >= state.clock);
            state.apply_record(date, &passed, &own, &mut ());
            bounds.seq += 1;
        }
        assert_eq!(at, bytes.len(), "the frame's facts end with its last event");
    }
    state
}

fn state_at(c: &mut Criterion) {
    let mut g = c.benchmark_group("state_at");
    g.sample_size(50).warm_up_time(Duration::from_secs(1));
    let n = *sizes().iter().max().unwrap();
    for every in [10_000u32, 100_000] {
        if every as usize > n {
            continue;
        }
        let mut rng = Rng::new(9);
        let id = BenchmarkId::new(format!("{n} events, snapshot every"), every);
        g.bench_function(id, |b| {
            static CACHE: Cache<Log> = OnceLock::new();
            let log = cached(&CACHE, every as usize, |every| {
                let path = write_log(workload(n), &format!("state-{n}-{every}.log"), every as u32);
                let log = Log::open(&path).unwrap();
                let snap_bytes: u64 = log
                    .snapshots
                    .iter()
                    .map(|(p, _)| std::fs::metadata(p).unwrap().len())
                    .sum();
                eprintln!(
                    "state_at/{n}/every {every}: {} snapshots, {snap_bytes} bytes",
                    log.snapshots.len()
                );
                log
            });
            b.iter_batched(
                || rng.below(n as u32) as u64 + 1,
                |at| black_box(log.state(Upto::Count(at), false).unwrap()),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

/// Valid events continuing from `state`.
fn continuation(s: &Scenario, state: &State, n: usize, tag: &str) -> Vec<NewEvent> {
    let mut g = Generator::new(&s.world, 77);
    let mut st = state.clone();
    (0..n)
        .map(|i| {
            let e = g.next_event(&mut st);
            NewEvent {
                id: format!("{tag}-{i}"),
                source: "benchmark".into(),
                summary: None,
                note: None,
                event: e,
            }
        })
        .collect()
}

fn append(c: &mut Criterion) {
    let mut g = c.benchmark_group("append");
    g.sample_size(10).warm_up_time(Duration::from_millis(500));
    g.throughput(Throughput::Elements(1));
    for (name, durability) in [("fsync", Durability::Fsync), ("batch", Durability::Batch)] {
        let mut round = 0;
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let s = workload(1_000);
                round += 1;
                let path = write_log(s, &format!("append-{name}-{round}.log"), 0);
                let options = WriterOptions {
                    durability,
                    ..WriterOptions::default()
                };
                let (mut w, _) = Writer::open(&path, options).unwrap();
                let events = continuation(s, w.state(), iters as usize, name);
                let t = Instant::now();
                for e in &events {
                    w.append(std::slice::from_ref(e), None).unwrap();
                }
                w.sync().unwrap();
                let took = t.elapsed();
                drop(w);
                let _ = std::fs::remove_file(&path);
                took
            })
        });
    }
    g.finish();
}

fn codec_choice(c: &mut Criterion) {
    let mut g = c.benchmark_group("codec");
    g.sample_size(20);
    g.throughput(Throughput::Elements(100_000));
    let encoded = || {
        static CACHE: Cache<(Vec<u8>, Vec<u8>)> = OnceLock::new();
        cached(&CACHE, 100_000, |n| encode_both(workload(n)))
    };
    g.bench_function("decode fixed-width", |b| {
        let (fixed, _) = encoded();
        b.iter(|| black_box(codec::decode::<Vec<wire::Command>>(fixed).unwrap()))
    });
    g.bench_function("decode varint", |b| {
        let (_, varint) = encoded();
        b.iter(|| black_box(codec::varint::decode::<Vec<wire::Command>>(varint).unwrap()))
    });
    g.finish();
}

/// The workload's commands as the log's wire types, encoded with fixed-width and with varint
/// integers.
fn encode_both(s: &Scenario) -> (Vec<u8>, Vec<u8>) {
    let records: Vec<wire::Command> = s.events.iter().map(wire::Command::from).collect();
    let fixed = codec::encode(&records);
    let varint = codec::varint::encode(&records);
    eprintln!(
        "codec: {} records, fixed-width {} bytes ({:.1} per record), varint {} bytes ({:.1} per record)",
        records.len(),
        fixed.len(),
        fixed.len() as f64 / records.len() as f64,
        varint.len(),
        varint.len() as f64 / records.len() as f64
    );
    (fixed, varint)
}

fn cleanup(_: &mut Criterion) {
    let _ = std::fs::remove_dir_all(scratch());
}

criterion_group!(benches, codec_choice, replay, state_at, append, cleanup);
criterion_main!(benches);
