//! `demarche log ...`: durable logs from the command line.

use super::common::{Format, open_log, print_problems, report_log_error, usage};
use clap::{Subcommand, ValueEnum};
use demarche::core::RULES_VERSION;
use demarche::core::event::Kind;
use demarche::core::world::World;
use demarche::log::tail::{EventIds, Follow, LogEvent};
use demarche::log::{
    AppendError, Durability, Log, LogEnd, LogError, NewEvent, Writer, WriterOptions, ack_path,
    schema, snapshot, verify, writer,
};
use demarche::run::{Until, run};
use demarche::scenario::{self, Problem};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Subcommand)]
pub enum LogCommand {
    /// Turn a scenario file into a new log (every event checked by the state machine first).
    #[command(
        after_help = "Examples:\n  demarche log import scenarios/nato-russia-2021.toml crisis.log\n  demarche log import scenarios/us-china-2020.toml houston.log --format json"
    )]
    Import {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// The log to create; an existing file is never overwritten.
        log: PathBuf,
        /// Keep a snapshot of the state every this many events, beside the log (0: none).
        #[arg(long, default_value_t = 1000, value_name = "K")]
        snapshot_every: u32,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Append the events of a TOML file ([[events]] tables, as in a scenario) to a log, all or
    /// nothing, each checked by the state machine. Acknowledged once fsynced.
    #[command(
        after_help = "The event file holds [[events]] tables written as in a scenario file; they may refer to events already in the log by id (in_response_to).

Examples:
  demarche log append crisis.log event.toml
  demarche log append crisis.log event.toml --expect-seq 13

Exit codes: 0 appended, 1 rejected (rule, conflict, lock), 2 usage."
    )]
    Append {
        log: PathBuf,
        /// The events to append (TOML).
        events: PathBuf,
        /// Append only if the log's last sequence is N (0 for a log with no events): refuses
        /// if another process appended since you read the log.
        #[arg(long, value_name = "N")]
        expect_seq: Option<u64>,
        /// Seconds to wait for another writer to finish (at most a day).
        #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
        wait: f64,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Print the events of a log; with --follow, keep printing them as other processes append.
    #[command(
        after_help = "Examples:\n  demarche log tail crisis.log\n  demarche log tail crisis.log --from 10 --follow --format json"
    )]
    Tail {
        log: PathBuf,
        /// The first sequence to print (from 1).
        #[arg(long, default_value_t = 1, value_name = "SEQ")]
        from: u64,
        /// Wait for new events after the last one (stop with Ctrl-C).
        #[arg(long)]
        follow: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// The verified replay: check every frame's checksum, decide every stored command again
    /// with this build's rules and compare the facts with those stored, and check which
    /// snapshots are valid.
    #[command(
        after_help = "Exit code 0 when the log is whole and every command decides into the facts stored; 1 when it is damaged or the facts differ (the first command whose facts differ is named, with its sequence and id: a rules change since the log was written); 3 when only a torn tail follows the last whole frame (`demarche log repair` cuts it).\n\nExamples:\n  demarche log verify crisis.log\n  demarche log verify crisis.log --format json"
    )]
    Verify {
        log: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Write the events back out: as JSON lines, or as a whole scenario file (TOML).
    #[command(
        after_help = "Examples:\n  demarche log export crisis.log --format jsonl > crisis.jsonl\n  demarche log export crisis.log --format toml > crisis.toml"
    )]
    Export {
        log: PathBuf,
        #[arg(long, value_enum, default_value = "jsonl")]
        format: ExportFormat,
    },
    /// Cut an unfinished frame left at the end by a crash (the bytes cut are saved beside the
    /// log). The next append does the same on its own. A damaged last frame is only cut with
    /// --discard-damaged-tail.
    #[command(
        after_help = "A torn tail (a write a crash left unfinished, never acknowledged) is cut and saved as LOG.torn-OFFSET. A last frame that is whole but damaged (its bytes changed since they were written) held events that may have been acknowledged: without --discard-damaged-tail, repair says what cutting it would lose and changes nothing; with it, the frame is saved as LOG.damaged-OFFSET, cut, and the events it held are gone from the log. Damage before the last frame is never cut: `demarche log salvage` copies what reads into a new log.\n\nExit codes: 0 repaired or nothing to repair, 1 damaged (nothing changed) or refused.\n\nExamples:\n  demarche log repair crisis.log\n  demarche log repair crisis.log --discard-damaged-tail\n  demarche log repair crisis.log --format json"
    )]
    Repair {
        log: PathBuf,
        /// Cut a damaged last frame too, losing the events it held (saved beside the log).
        #[arg(long)]
        discard_damaged_tail: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Copy the readable part of a damaged log (every whole frame before the damage) into a
    /// new log, and save the bytes that do not read beside it.
    #[command(
        after_help = "The old log is left as it is. The new log holds the events before the damage, byte for byte, takes appends like any log, and the bytes from the damage to the end of the old log are saved as OUT.damaged-OFFSET. What the damage cost (how many acknowledged events, by the log's acknowledgement record) is printed.\n\nExamples:\n  demarche log salvage crisis.log crisis-salvaged.log\n  demarche log verify crisis-salvaged.log"
    )]
    Salvage {
        /// The damaged log (read only).
        log: PathBuf,
        /// The new log to write; an existing file is never overwritten.
        out: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Rebuild the snapshots beside a log (every K events, K set at import).
    #[command(
        after_help = "A snapshot holds the state after every K events (K is set by `log import --snapshot-every`), so that `demarche state --at` starts from the nearest one instead of the first event. Snapshots that do not load are replaced.\n\nExamples:\n  demarche log snapshot crisis.log\n  demarche log snapshot crisis.log --format json"
    )]
    Snapshot {
        log: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Rewrite a log written by an older build (commands only, or facts decided by older rules)
    /// as a log of this build's facts, every command decided once more.
    #[command(
        after_help = "In place, the original is kept as LOG.before-upgrade; with --output the original is left as it is.\nA command this build's rules reject stops the upgrade, naming it, and changes nothing.\n\nExamples:\n  demarche log upgrade old.log\n  demarche log upgrade tests/golden/logs/v2-nato-russia-2021.log --output nato.log"
    )]
    Upgrade {
        log: PathBuf,
        /// Write the upgraded log here (a new file) and leave the original alone.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ExportFormat {
    Jsonl,
    Toml,
}

pub fn run_cmd(cmd: LogCommand) -> ExitCode {
    match cmd {
        LogCommand::Import {
            scenario,
            log,
            snapshot_every,
            format,
        } => import(&scenario, &log, snapshot_every, format),
        LogCommand::Append {
            log,
            events,
            expect_seq,
            wait,
            format,
        } => append(&log, &events, expect_seq, wait, format),
        LogCommand::Tail {
            log,
            from,
            follow,
            format,
        } => tail(&log, from, follow, format),
        LogCommand::Verify { log, format } => verify(&log, format),
        LogCommand::Export { log, format } => export(&log, format),
        LogCommand::Repair {
            log,
            discard_damaged_tail,
            format,
        } => repair(&log, discard_damaged_tail, format),
        LogCommand::Salvage { log, out, format } => salvage(&log, &out, format),
        LogCommand::Upgrade {
            log,
            output,
            format,
        } => upgrade(&log, output.as_deref(), format),
        LogCommand::Snapshot { log, format } => match snapshot::rebuild(&log) {
            Ok(n) => say(
                format,
                &format!("{}: {n} snapshot(s) written", log.display()),
                json!({"log": log.display().to_string(), "ok": true, "snapshots": n}),
            ),
            Err(e) => failed(format, &log, &e),
        },
    }
}

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(1)
}

/// A command's outcome: its text, or its JSON record (pretty-printed, one object).
fn say(format: Format, text: &str, record: serde_json::Value) -> ExitCode {
    match format {
        Format::Text => println!("{text}"),
        Format::Json => println!("{record:#}"),
    }
    ExitCode::SUCCESS
}

/// An error: said on stderr, and with `--format json` also as a record on stdout
/// (`"ok": false`) so that a program reading stdout learns of it.
fn failed(format: Format, log: &Path, e: &dyn std::fmt::Display) -> ExitCode {
    if format == Format::Json {
        println!(
            "{:#}",
            json!({"log": log.display().to_string(), "ok": false, "error": e.to_string()})
        );
    }
    fail(e)
}

fn import(scenario_path: &Path, log: &Path, every: u32, format: Format) -> ExitCode {
    let s = match super::common::load(scenario_path, format) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // Every rule problem, with file and line, before anything is written.
    let r = run(&s, Until::End, true);
    if !r.problems.is_empty() {
        print_problems(&s.name, &s.text, &r.problems, format);
        eprintln!("nothing was written: the log would not hold a rejected event");
        return ExitCode::from(1);
    }
    match Writer::create(log, &s, every, WriterOptions::default()) {
        Ok(w) => {
            let bytes = std::fs::metadata(log).map_or(0, |m| m.len());
            say(
                format,
                &format!(
                    "{}: {} events from {} ({} bytes), last sequence {}",
                    log.display(),
                    w.last_seq(),
                    scenario_path.display(),
                    bytes,
                    w.last_seq()
                ),
                json!({
                    "log": log.display().to_string(),
                    "ok": true,
                    "scenario": scenario_path.display().to_string(),
                    "events": w.last_seq(),
                    "last_seq": w.last_seq(),
                    "bytes": bytes,
                    "snapshot_every": every,
                    "rules_version": RULES_VERSION,
                    "record_schema": schema::RECORD_SCHEMA,
                }),
            )
        }
        Err(e) => failed(format, log, &e),
    }
}

/// The longest `--wait`: a day.
pub const MAX_WAIT_SECONDS: f64 = 86_400.0;

fn append(log: &Path, events: &Path, expect: Option<u64>, wait: f64, format: Format) -> ExitCode {
    if !wait.is_finite() || !(0.0..=MAX_WAIT_SECONDS).contains(&wait) {
        return usage(&format!(
            "--wait takes a number of seconds from 0 to {MAX_WAIT_SECONDS} (a day), not {wait}"
        ));
    }
    let text = match scenario::read_text(events) {
        Ok(t) => t,
        Err(scenario::LoadError::Io { path, error }) => {
            return fail(&format!("cannot read {path}: {error}"));
        }
        Err(scenario::LoadError::Invalid { name, .. }) => {
            return fail(&format!("cannot read {name}"));
        }
    };
    let options = WriterOptions {
        durability: Durability::Fsync,
        wait: Some(Duration::from_secs_f64(wait)),
        snapshots: true,
    };
    let (mut w, recovered) = match Writer::open(log, options) {
        Ok(x) => x,
        Err(e) => return fail(&e),
    };
    if let Some(r) = recovered {
        eprintln!(
            "note: {}: cut an unfinished frame at byte {} ({} bytes: {}); the log ends after sequence {}; the cut bytes are saved in {}",
            log.display(),
            r.offset,
            r.bytes,
            r.why,
            r.last_seq,
            r.saved_to.display()
        );
    }
    // A stale expectation is the first thing to say: the events were written for another log.
    if let Err(e) = w.append(&[], expect) {
        eprintln!("error: {e}");
        eprintln!("nothing was appended");
        return ExitCode::from(1);
    }
    let name = events.display().to_string();
    let g = w.genesis();
    let mut lookup = |id: &str| {
        w.seq_of(id)
            .map(|seq| seq.map(|s| s as usize - 1))
            .map_err(|e| e.to_string())
    };
    let parsed =
        scenario::parse_events_after(&text, &g.world, g.start, w.last_seq() as usize, &mut lookup);
    let (evs, meta) = match parsed {
        Ok(x) => x,
        Err(problems) => {
            print_problems(&name, &text, &problems, format);
            return ExitCode::from(1);
        }
    };
    let batch = NewEvent::batch(evs, &meta);
    match w.append(&batch, expect) {
        Ok(last) => {
            match format {
                Format::Text => println!(
                    "{}: appended {} event(s), last sequence {last}",
                    log.display(),
                    batch.len()
                ),
                Format::Json => println!(
                    "{}",
                    serde_json::json!({"log": log.display().to_string(), "appended": batch.len(), "last_seq": last})
                ),
            }
            ExitCode::SUCCESS
        }
        Err(AppendError::Rejected { index, reason, .. }) => {
            let m = &meta[index];
            let p = Problem::rejected(&reason, &w.genesis().world, &m.id, m.span.clone());
            print_problems(&name, &text, &[p], format);
            eprintln!("nothing was appended");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("nothing was appended");
            ExitCode::from(1)
        }
    }
}

/// Column widths of `log tail`'s text lines: the longest kind there is, and the longest actor
/// key of the log.
fn tail_widths(world: &World) -> (usize, usize) {
    let kind = Kind::ALL.iter().map(|k| k.key().len()).max().unwrap_or(0);
    let actor = world.actors.iter().map(|a| a.key.len()).max().unwrap_or(0);
    (kind, actor)
}

fn tail_line(world: &World, e: &LogEvent, format: Format, ids: &EventIds) -> String {
    ids.saw(e);
    match format {
        Format::Text => {
            let (kw, aw) = tail_widths(world);
            format!(
                "{:>6}  {}  {:<kw$}  {:<aw$}  {}",
                e.seq,
                e.event.date,
                e.event.kind().key(),
                world.actors[e.event.actor.index()].key,
                e.id
            )
        }
        Format::Json => ids.record(world, e).to_string(),
    }
}

fn tail(log: &Path, from: u64, follow: bool, format: Format) -> ExitCode {
    if !follow {
        return tail_once(log, from, format);
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&e),
    };
    rt.block_on(async {
        use std::io::Write;
        let mut f = Follow::new(log, from);
        let ids = EventIds::new(log);
        let mut out = std::io::stdout().lock();
        loop {
            let e = match f.next().await {
                Ok(e) => e,
                Err(e) => return fail(&e),
            };
            let world = &f.genesis().expect("read before events").world;
            let line = tail_line(world, &e, format, &ids);
            if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                // The reader went away (a closed pipe): stop quietly.
                return ExitCode::SUCCESS;
            }
        }
    })
}

/// The events of a log from `from` on, as it is now; then what could not be read, if anything.
fn tail_once(path: &Path, from: u64, format: Format) -> ExitCode {
    use std::io::Write;
    let log = match open_log(path) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let world = &log.genesis.world;
    let ids = EventIds::new(path);
    let mut out = std::io::stdout().lock();
    let mut printed = 0u64;
    let start = log
        .frame_of(from.saturating_sub(1))
        .unwrap_or(log.frames.len());
    let mut stopped = None;
    for i in start..log.frames.len() {
        let first = log.frames[i].header.first_seq;
        let events = match log.frame(i).and_then(|f| log.events(&f)) {
            Ok(evs) => evs,
            Err(e) => {
                stopped = Some(e);
                break;
            }
        };
        for (k, (event, meta)) in events.into_iter().enumerate() {
            let seq = first + k as u64;
            let e = LogEvent {
                seq,
                id: meta.id,
                source: meta.source,
                summary: meta.summary,
                note: meta.note,
                event,
            };
            if seq < from {
                // Not printed, but later events may answer it.
                ids.saw(&e);
                continue;
            }
            if writeln!(out, "{}", tail_line(world, &e, format, &ids)).is_err() {
                return ExitCode::SUCCESS;
            }
            printed += 1;
        }
    }
    let _ = out.flush();
    drop(out);
    match stopped.or_else(|| log.damage()) {
        Some(e) => {
            let last = match &e {
                LogError::Damaged { last_good, .. } => *last_good,
                _ => log.count,
            };
            report_log_error(
                &log,
                &e,
                &format!(
                    "printed {printed} event(s), sequences {}..={last}: the events before the damage",
                    from.max(1)
                ),
            );
            ExitCode::from(1)
        }
        None => ExitCode::SUCCESS,
    }
}

/// What `log verify` found, said once and printed the same way on stdout, on stderr and in
/// JSON.
struct Verdict {
    /// `clean`, `torn`, `damaged`, `shortened` or `drift`.
    status: &'static str,
    /// The sentence people read.
    text: String,
    /// The byte where reading stopped, or the frame whose facts differ.
    offset: Option<u64>,
    /// The last event read whole before it.
    last_good: Option<u64>,
    /// Acknowledged events the problem makes unreadable (by the acknowledgement record;
    /// `None`: not known).
    lost: Option<u64>,
}

impl Verdict {
    fn code(&self) -> u8 {
        match self.status {
            "clean" => 0,
            "torn" => 3,
            _ => 1,
        }
    }

    fn of_error(log: &Log, e: &LogError) -> Verdict {
        match e {
            LogError::Damaged {
                offset, last_good, ..
            } => Verdict {
                status: "damaged",
                text: format!("damaged: {e}; {}", log.affected(*last_good)),
                offset: Some(*offset),
                last_good: Some(*last_good),
                lost: log.lost(*last_good),
            },
            LogError::Shortened { holds, missing, .. } => Verdict {
                status: "shortened",
                text: format!("shortened: {e}"),
                offset: Some(log.end),
                last_good: Some(*holds),
                lost: Some(*missing),
            },
            other => Verdict {
                status: "damaged",
                text: format!("damaged: {other}"),
                offset: None,
                last_good: None,
                lost: None,
            },
        }
    }
}

fn verify(path: &Path, format: Format) -> ExitCode {
    let log = match Log::open(path) {
        Ok(l) => l,
        Err(e) => {
            let verdict = format!("not readable as a log: {e}");
            if format == Format::Json {
                println!(
                    "{:#}",
                    serde_json::json!({"log": path.display().to_string(), "ok": false, "status": "unreadable", "verdict": verdict})
                );
            } else {
                println!("{verdict}");
            }
            eprintln!("error: {verdict}");
            return ExitCode::from(1);
        }
    };
    let mut problem = log.damage();
    let mut drift = None;
    let mut digest = None;
    let mut checked = 0;
    match verify::verify(&log, &mut |_| {}) {
        Ok(v) => {
            checked = v.checked;
            drift = v.drift;
            digest = v.digest;
        }
        // Damage found reading a frame's body comes before any found at its end.
        Err(e) => problem = Some(e),
    }
    let snapshots = log.snapshots.len();
    let ignored = snapshot::check_all(&log);
    let outdated = (log.schema < schema::RECORD_SCHEMA || log.genesis.rules != RULES_VERSION)
        .then(|| {
            if log.schema < schema::RECORD_SCHEMA {
                format!(
                    "written before logs stored facts (event record schema {}): its commands were decided now; `demarche log upgrade` stores them as facts",
                    log.schema
                )
            } else {
                format!(
                    "its facts were decided with rules version {}, this build decides with version {RULES_VERSION}; `demarche log upgrade` rewrites it",
                    log.genesis.rules
                )
            }
        });
    let acknowledged = log.acknowledged.as_ref().map(|a| a.last_seq);
    let verdict = if let Some(e) = &problem {
        Verdict::of_error(&log, e)
    } else if let Some(d) = &drift {
        Verdict {
            status: "drift",
            text: format!(
                "the stored facts differ from this build's decisions at event {} `{}` (frame at byte {}): {}",
                d.seq, d.id, d.offset, d.what
            ),
            offset: Some(d.offset),
            last_good: Some(d.seq - 1),
            lost: None,
        }
    } else if let LogEnd::Torn { offset, bytes, why } = &log.ending {
        Verdict {
            status: "torn",
            text: format!(
                "torn tail: an unfinished frame at byte {offset} ({bytes} bytes: {why}) after sequence {}; it was never acknowledged; `demarche log repair` cuts it",
                log.count
            ),
            offset: Some(*offset),
            last_good: Some(log.count),
            lost: Some(0),
        }
    } else {
        Verdict {
            status: "clean",
            text: format!(
                "every frame checks out and this build's rules decide every command into the facts stored; digest after the last event {}",
                digest.as_deref().unwrap_or("-")
            ),
            offset: None,
            last_good: Some(log.count),
            lost: Some(0),
        }
    };
    if verdict.status != "clean" {
        digest = None;
    }
    let code = verdict.code();
    match format {
        Format::Json => println!(
            "{:#}",
            serde_json::json!({
                "log": path.display().to_string(),
                "ok": code == 0,
                "status": verdict.status,
                "verdict": verdict.text,
                "offset": verdict.offset,
                "last_good": verdict.last_good,
                "acknowledged": acknowledged,
                "acknowledged_lost": verdict.lost,
                "events": log.count,
                "checked": checked,
                "frames": log.frames.len() + 1,
                "bytes": log.end,
                "rules_version": log.genesis.rules,
                "record_schema": log.schema,
                "outdated": outdated,
                "ack_note": log.ack_note,
                "drift": drift.as_ref().map(|d| serde_json::json!({"seq": d.seq, "id": d.id, "offset": d.offset, "what": d.what})),
                "digest": digest,
                "snapshots": snapshots,
                "snapshots_ignored": ignored.iter().map(|i| serde_json::json!({"file": i.path.display().to_string(), "why": i.why})).collect::<Vec<_>>(),
            })
        ),
        Format::Text => {
            println!(
                "{}: {} events in {} frames, {} bytes{}; facts of rules version {}",
                path.display(),
                log.count,
                log.frames.len() + 1,
                log.end,
                if log.count > 0 {
                    format!(
                        " ({:.1} bytes per event)",
                        log.end as f64 / log.count as f64
                    )
                } else {
                    String::new()
                },
                log.genesis.rules
            );
            println!(
                "acknowledged: {}",
                match acknowledged {
                    Some(a) => format!("up to sequence {a} (by {})", ack_path(path).display()),
                    None => "no acknowledgement record".into(),
                }
            );
            if let Some(o) = &outdated {
                println!("note: {o}");
            }
            if let Some(n) = &log.ack_note {
                println!("note: {n}");
            }
            println!(
                "snapshots: {} valid, {} ignored",
                snapshots - ignored.len(),
                ignored.len()
            );
            for i in &ignored {
                println!("  {} ignored: {}", i.path.display(), i.why);
            }
            println!("{}", verdict.text);
        }
    }
    if code != 0 {
        eprintln!("error: {}", verdict.text);
    }
    ExitCode::from(code)
}

/// Rewrites a log written by an older build (commands only, or facts of an older rules
/// version) as a log of this build's facts, deciding every command once more.
fn upgrade(path: &Path, output: Option<&Path>, format: Format) -> ExitCode {
    let log = match Log::open(path) {
        Ok(l) => l,
        Err(e) => return failed(format, path, &e),
    };
    if let Some(e) = log.damage() {
        return failed(format, path, &e);
    }
    let current = log.schema == schema::RECORD_SCHEMA && log.genesis.rules == RULES_VERSION;
    let shown = path.display().to_string();
    if current && output.is_none() {
        return say(
            format,
            &format!(
                "{shown}: already a log of this build's facts (rules version {RULES_VERSION}); nothing to do"
            ),
            json!({
                "log": shown,
                "ok": true,
                "upgraded": false,
                "events": log.count,
                "record_schema": log.schema,
                "rules_version": log.genesis.rules,
            }),
        );
    }
    let s = match log.scenario() {
        Ok(s) => s,
        Err(e) => return failed(format, path, &e),
    };
    let every = log.genesis.snapshot_every;
    let (old_schema, old_rules) = (log.schema, log.genesis.rules);
    drop(log);
    let created = |target: &Path| Writer::create(target, &s, every, WriterOptions::default());
    let mut kept_as = None;
    let result = match output {
        Some(out) => created(out).map(|_| out.to_path_buf()),
        None => {
            // The original is kept under a new name that is never overwritten, and comes back
            // if the rewrite fails.
            let kept = PathBuf::from(format!("{shown}.before-upgrade"));
            if let Err(e) = std::fs::hard_link(path, &kept) {
                return failed(
                    format,
                    path,
                    &format!("cannot keep the original as {}: {e}", kept.display()),
                );
            }
            if let Err(e) = std::fs::remove_file(path) {
                let _ = std::fs::remove_file(&kept);
                return failed(format, path, &format!("cannot move {shown} aside: {e}"));
            }
            match created(path) {
                Ok(_) => {
                    kept_as = Some(kept);
                    Ok(path.to_path_buf())
                }
                Err(e) => {
                    let _ = std::fs::hard_link(&kept, path);
                    let _ = std::fs::remove_file(&kept);
                    Err(e)
                }
            }
        }
    };
    match result {
        Ok(to) => {
            let mut text = String::new();
            if let Some(kept) = &kept_as {
                text = format!("{shown}: the original is kept as {}\n", kept.display());
            }
            text.push_str(&format!(
                "{}: {} events upgraded (from record schema {old_schema}, rules version {old_rules}) to record schema {}, rules version {RULES_VERSION}",
                to.display(),
                s.events.len(),
                schema::RECORD_SCHEMA
            ));
            say(
                format,
                &text,
                json!({
                    "log": shown,
                    "ok": true,
                    "upgraded": true,
                    "output": to.display().to_string(),
                    "kept_as": kept_as.as_ref().map(|k| k.display().to_string()),
                    "events": s.events.len(),
                    "from": {"record_schema": old_schema, "rules_version": old_rules},
                    "to": {"record_schema": schema::RECORD_SCHEMA, "rules_version": RULES_VERSION},
                }),
            )
        }
        Err(AppendError::Rejected { index, id, reason }) => failed(
            format,
            path,
            &format!(
                "event {} `{id}` is rejected by this build's rules: E{:03} {}; the log was left as it was",
                index + 1,
                reason.code(),
                reason.describe(&s.world)
            ),
        ),
        Err(e) => failed(format, path, &e),
    }
}

fn export(path: &Path, format: ExportFormat) -> ExitCode {
    let log = match open_log(path) {
        Ok(l) => l,
        Err(code) => return code,
    };
    // The events of every frame that reads, in order; reading stops at the first that does
    // not, and the export says so.
    let mut s = log.empty_scenario();
    let mut stopped = log.damage();
    for i in 0..log.frames.len() {
        match log.frame(i).and_then(|f| log.events(&f)) {
            Ok(events) => {
                for (e, m) in events {
                    s.events.push(e);
                    s.meta.push(m);
                }
            }
            Err(e) => {
                stopped = Some(e);
                break;
            }
        }
    }
    s.end = log
        .genesis
        .end
        .filter(|e| s.events.last().is_none_or(|l| l.date <= *e));
    let mut out = std::io::stdout().lock();
    match format {
        ExportFormat::Jsonl => {
            if let Err(e) = demarche::export::to_jsonl(&s, &mut out)
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                return fail(&e);
            }
        }
        ExportFormat::Toml => match demarche::export::to_toml(&s) {
            Ok(text) => {
                use std::io::Write;
                let _ = out.write_all(text.as_bytes());
            }
            Err(e) => return fail(&e),
        },
    }
    drop(out);
    match stopped {
        Some(e) => {
            report_log_error(
                &log,
                &e,
                &format!(
                    "the export holds sequences 1..={} only, the events before the damage",
                    s.events.len()
                ),
            );
            ExitCode::from(1)
        }
        None => ExitCode::SUCCESS,
    }
}

fn repair(path: &Path, discard: bool, format: Format) -> ExitCode {
    let shown = path.display().to_string();
    let removed: Vec<String> = writer::clean_partials(path)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    if format == Format::Text {
        for p in &removed {
            println!("{shown}: removed {p}, left by an import that did not finish");
        }
    }
    // The record of a repair that changed nothing, or cut what it says.
    let record = |outcome: &str, last_seq: u64, cut: serde_json::Value, lost: Option<String>| {
        json!({
            "log": shown,
            "ok": true,
            "outcome": outcome,
            "last_seq": last_seq,
            "cut": cut,
            "lost": lost,
            "removed": removed,
        })
    };
    // A repair that changed nothing because cutting would lose events, or cannot help.
    let refused = |error: String, hint: String| {
        eprintln!("error: {error}");
        eprintln!("{hint}");
        eprintln!("nothing was changed");
        if format == Format::Json {
            println!(
                "{:#}",
                json!({"log": shown, "ok": false, "outcome": "refused", "error": error, "hint": hint, "removed": removed})
            );
        }
        ExitCode::from(1)
    };
    let log = match Log::open(path) {
        Ok(l) => l,
        Err(e) => return failed(format, path, &e),
    };
    if let Some(e) = log.damage() {
        let cut = match (&e, log.damaged_end) {
            (
                LogError::Damaged {
                    offset, last_good, ..
                },
                Some(end),
            ) => Some((*offset, end, *last_good)),
            _ => None,
        };
        let Some((offset, end, last_good)) = cut else {
            let hint = match &e {
                LogError::Damaged { last_good, .. } => format!(
                    "{}; the damage is not a last frame that can be cut; `demarche log salvage {shown} NEW.log` copies the events before it into a new log",
                    log.affected(*last_good)
                ),
                _ => "repair cannot bring back events that are not in the log".into(),
            };
            return refused(e.to_string(), hint);
        };
        if !discard {
            let claims = log
                .claimed_at(offset)
                .map(|(first, n)| {
                    format!(
                        "; its header, unverified, claims sequences {first}..={}",
                        first + u64::from(n) - 1
                    )
                })
                .unwrap_or_default();
            return refused(
                e.to_string(),
                format!(
                    "the damaged frame is the last one: `demarche log repair --discard-damaged-tail {shown}` would save bytes {offset}..{end} ({} bytes{claims}) beside the log and cut them, keeping sequences 1..={last_good}; {}",
                    end - offset,
                    log.affected(last_good)
                ),
            );
        }
        drop(log);
        match writer::discard_damaged_tail(path, Some(Duration::from_secs(10))) {
            Ok(Some(d)) => {
                let lost = demarche::log::affected(d.last_seq, d.acknowledged);
                return say(
                    format,
                    &format!(
                        "{shown}: cut a damaged last frame at byte {} ({} bytes: {}); the log ends after sequence {}; lost: {lost}; the cut bytes are saved in {}",
                        d.offset,
                        d.bytes,
                        d.why,
                        d.last_seq,
                        d.saved_to.display()
                    ),
                    record(
                        "cut-damaged-tail",
                        d.last_seq,
                        json!({"offset": d.offset, "bytes": d.bytes, "why": d.why, "saved_to": d.saved_to.display().to_string()}),
                        Some(lost),
                    ),
                );
            }
            // Repaired by someone else meanwhile: carry on as for any log.
            Ok(None) => {}
            Err(e) => return failed(format, path, &e),
        }
    } else {
        drop(log);
    }
    let options = WriterOptions {
        wait: Some(Duration::from_secs(10)),
        ..WriterOptions::default()
    };
    match Writer::open(path, options) {
        Ok((w, Some(r))) => say(
            format,
            &format!(
                "{shown}: cut an unfinished frame at byte {} ({} bytes: {}); the log ends after sequence {}; the cut bytes are saved in {}",
                r.offset,
                r.bytes,
                r.why,
                w.last_seq(),
                r.saved_to.display()
            ),
            record(
                "cut-torn-tail",
                w.last_seq(),
                json!({"offset": r.offset, "bytes": r.bytes, "why": r.why, "saved_to": r.saved_to.display().to_string()}),
                None,
            ),
        ),
        Ok((w, None)) => say(
            format,
            &format!(
                "{shown}: nothing to repair; {} events, last sequence {}",
                w.last_seq(),
                w.last_seq()
            ),
            record(
                "nothing-to-repair",
                w.last_seq(),
                serde_json::Value::Null,
                None,
            ),
        ),
        Err(e) => failed(format, path, &e),
    }
}

fn salvage(path: &Path, out: &Path, format: Format) -> ExitCode {
    let r = match writer::salvage(path, out) {
        Ok(r) => r,
        Err(e) => return failed(format, path, &e),
    };
    let lost = demarche::log::affected(r.events, r.acknowledged);
    if format == Format::Json {
        return say(
            format,
            "",
            json!({
                "log": path.display().to_string(),
                "ok": true,
                "out": out.display().to_string(),
                "events": r.events,
                "bytes": r.bytes,
                "stopped": r.stopped.as_ref().map(|(offset, why)| json!({"offset": offset, "why": why})),
                "saved_to": r.saved_to.as_ref().map(|p| p.display().to_string()),
                "acknowledged": r.acknowledged,
                "lost": lost,
            }),
        );
    }
    println!(
        "{}: {} events copied from {} (sequences 1..={}), {} bytes",
        out.display(),
        r.events,
        path.display(),
        r.events,
        r.bytes
    );
    match &r.stopped {
        Some((offset, why)) => println!(
            "{}: reading stopped at byte {offset}: {why}",
            path.display()
        ),
        None => println!("{}: read to its end", path.display()),
    }
    if let Some(saved) = &r.saved_to {
        println!(
            "the bytes of {} that did not read are saved in {}",
            path.display(),
            saved.display()
        );
    }
    println!("{lost}");
    ExitCode::SUCCESS
}
