//! `demarche log ...`: durable logs from the command line.

use super::common::{Format, print_problems, usage};
use clap::{Subcommand, ValueEnum};
use demarche::log::tail::Follow;
use demarche::log::{
    AppendError, Durability, Log, LogEnd, NewEvent, Writer, WriterOptions, snapshot,
};
use demarche::run::{Until, run};
use demarche::scenario::{self, Problem};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Subcommand)]
pub enum LogCommand {
    /// Turn a scenario file into a new log (every event checked by the state machine first).
    #[command(
        after_help = "Examples:\n  demarche log import scenarios/nato-russia-2021.toml crisis.log\n  demarche log import big.toml big.log --snapshot-every 10000"
    )]
    Import {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// The log to create; an existing file is never overwritten.
        log: PathBuf,
        /// Keep a snapshot of the state every this many events, beside the log (0: none).
        #[arg(long, default_value_t = 1000, value_name = "K")]
        snapshot_every: u32,
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
        /// Seconds to wait for another writer to finish.
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
    /// Check every frame's checksum, that every event decodes in sequence and is accepted by
    /// the state machine, and which snapshots are valid.
    #[command(
        after_help = "Exit code 0 when the log is whole (a torn tail is reported but not an error), 1 when damaged."
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
    /// log). The next append does the same on its own.
    Repair { log: PathBuf },
    /// Rebuild the snapshots beside a log (every K events, K set at import).
    Snapshot { log: PathBuf },
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
        } => import(&scenario, &log, snapshot_every),
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
        LogCommand::Repair { log } => repair(&log),
        LogCommand::Snapshot { log } => match snapshot::rebuild(&log) {
            Ok(n) => {
                println!("{}: {n} snapshot(s) written", log.display());
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
    }
}

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(1)
}

fn import(scenario_path: &Path, log: &Path, every: u32) -> ExitCode {
    let s = match super::common::load(scenario_path, Format::Text) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // Every rule problem, with file and line, before anything is written.
    let r = run(&s, Until::End, true);
    if !r.problems.is_empty() {
        print_problems(&s.name, &s.text, &r.problems, Format::Text);
        eprintln!("nothing was written: the log would not hold a rejected event");
        return ExitCode::from(1);
    }
    match Writer::create(log, &s, every, WriterOptions::default()) {
        Ok(w) => {
            let bytes = std::fs::metadata(log).map_or(0, |m| m.len());
            println!(
                "{}: {} events from {} ({} bytes), last sequence {}",
                log.display(),
                w.last_seq(),
                scenario_path.display(),
                bytes,
                w.last_seq()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn append(log: &Path, events: &Path, expect: Option<u64>, wait: f64, format: Format) -> ExitCode {
    if !wait.is_finite() || wait < 0.0 {
        return usage("--wait takes a number of seconds, 0 or more");
    }
    let text = match std::fs::read_to_string(events) {
        Ok(t) => t,
        Err(e) => return fail(&format!("cannot read {}: {e}", events.display())),
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
    let earlier = w.event_ids();
    let name = events.display().to_string();
    let g = w.genesis();
    let (evs, meta) = match scenario::parse_events(&text, &g.world, g.start, &earlier) {
        Ok(x) => x,
        Err(problems) => {
            print_problems(&name, &text, &problems, format);
            return ExitCode::from(1);
        }
    };
    let batch: Vec<NewEvent> = evs
        .into_iter()
        .zip(&meta)
        .map(|(event, m)| NewEvent {
            id: m.id.clone(),
            source: m.source.clone(),
            summary: m.summary.clone(),
            note: m.note.clone(),
            event,
        })
        .collect();
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

fn event_line(log_world: &demarche::core::World, e: &demarche::log::tail::LogEvent) -> String {
    let actor = &log_world.actors[e.event.actor.index()].key;
    format!(
        "{:>6}  {}  {:<24} {:<12} {}",
        e.seq,
        e.event.date,
        e.event.kind().key(),
        actor,
        e.id
    )
}

fn tail(log: &Path, from: u64, follow: bool, format: Format) -> ExitCode {
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
        let mut out = std::io::stdout().lock();
        loop {
            let next = if follow {
                f.next().await.map(Some)
            } else {
                f.try_next().await
            };
            let e = match next {
                Ok(Some(e)) => e,
                Ok(None) => return ExitCode::SUCCESS,
                Err(e) => return fail(&e),
            };
            let world = &f.genesis().expect("read before events").world;
            let line = match format {
                Format::Text => event_line(world, &e),
                Format::Json => serde_json::json!({
                    "seq": e.seq,
                    "id": e.id,
                    "date": e.event.date.to_string(),
                    "kind": e.event.kind().key(),
                    "actor": world.actors[e.event.actor.index()].key,
                    "source": e.source,
                })
                .to_string(),
            };
            if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                // The reader went away (a closed pipe): stop quietly.
                return ExitCode::SUCCESS;
            }
        }
    })
}

fn verify(path: &Path, format: Format) -> ExitCode {
    let log = match Log::open(path) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let mut problems: Vec<String> = Vec::new();
    let mut damage = log.damage().map(|e| e.to_string());
    let mut digest = None;
    match log.scenario() {
        Ok(s) => {
            let r = run(&s, Until::End, false);
            if let Some(p) = r.problems.first() {
                problems.push(format!(
                    "event `{}` is rejected by this build's rules: {} {}",
                    p.event.as_deref().unwrap_or("?"),
                    p.code,
                    p.message
                ));
            } else {
                digest = Some(r.state.digest());
            }
        }
        Err(e) => damage = Some(e.to_string()),
    }
    let snapshots = log.snapshots.len();
    let ignored = snapshot::check_all(&log);
    let torn = match &log.ending {
        LogEnd::Torn { offset, bytes, why } => Some(format!(
            "an unfinished frame at byte {offset} ({bytes} bytes: {why}); `demarche log repair` cuts it"
        )),
        _ => None,
    };
    let ok = damage.is_none() && problems.is_empty();
    match format {
        Format::Json => println!(
            "{:#}",
            serde_json::json!({
                "log": path.display().to_string(),
                "ok": ok,
                "events": log.count,
                "frames": log.frames.len() + 1,
                "bytes": log.end,
                "torn_tail": torn,
                "damage": damage,
                "problems": problems,
                "digest": digest,
                "snapshots": snapshots,
                "snapshots_ignored": ignored.iter().map(|i| serde_json::json!({"file": i.path.display().to_string(), "why": i.why})).collect::<Vec<_>>(),
            })
        ),
        Format::Text => {
            println!(
                "{}: {} events in {} frames, {} bytes{}",
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
                }
            );
            if let Some(t) = &torn {
                println!("torn tail: {t}");
            }
            println!(
                "snapshots: {} valid, {} ignored",
                snapshots - ignored.len(),
                ignored.len()
            );
            for i in &ignored {
                println!("  {} ignored: {}", i.path.display(), i.why);
            }
            if let Some(d) = &digest {
                println!("every frame checks out; replay accepts every event; digest {d}");
            }
            for p in &problems {
                eprintln!("error: {p}");
            }
            if let Some(d) = &damage {
                eprintln!("error: {d}");
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn export(path: &Path, format: ExportFormat) -> ExitCode {
    let log = match Log::open(path) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    if let Some(e) = log.damage() {
        return fail(&e);
    }
    let s = match log.scenario() {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
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
    ExitCode::SUCCESS
}

fn repair(path: &Path) -> ExitCode {
    let options = WriterOptions {
        wait: Some(Duration::from_secs(10)),
        ..WriterOptions::default()
    };
    match Writer::open(path, options) {
        Ok((w, Some(r))) => {
            println!(
                "{}: cut an unfinished frame at byte {} ({} bytes: {}); the log ends after sequence {}; the cut bytes are saved in {}",
                path.display(),
                r.offset,
                r.bytes,
                r.why,
                w.last_seq(),
                r.saved_to.display()
            );
            ExitCode::SUCCESS
        }
        Ok((w, None)) => {
            println!(
                "{}: nothing to repair; {} events, last sequence {}",
                path.display(),
                w.last_seq(),
                w.last_seq()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}
