//! `demarche log ...`: durable logs from the command line.

use super::common::{Format, print_problems, usage};
use clap::{Subcommand, ValueEnum};
use demarche::core::RULES_VERSION;
use demarche::log::tail::Follow;
use demarche::log::{
    AppendError, Durability, Log, LogEnd, NewEvent, Writer, WriterOptions, schema, snapshot, verify,
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
    /// log). The next append does the same on its own.
    Repair { log: PathBuf },
    /// Rebuild the snapshots beside a log (every K events, K set at import).
    Snapshot { log: PathBuf },
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
        LogCommand::Upgrade { log, output } => upgrade(&log, output.as_deref()),
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
    let mut damage = log.damage().map(|e| e.to_string());
    let mut drift = None;
    let mut digest = None;
    let mut checked = 0;
    match verify::verify(&log, &mut |_| {}) {
        Ok(v) => {
            checked = v.checked;
            drift = v.drift;
            if damage.is_none() {
                digest = v.digest;
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
    let drift_text = drift.as_ref().map(|d| {
        format!(
            "event {} `{}` (frame at byte {}): {}",
            d.seq, d.id, d.offset, d.what
        )
    });
    let verdict = match (&damage, &drift_text, &torn) {
        (Some(d), _, _) => format!("damaged: {d}"),
        (None, Some(d), _) => format!("the stored facts differ from this build's decisions at {d}"),
        (None, None, Some(t)) => format!("torn tail: {t}"),
        (None, None, None) => format!(
            "every frame checks out and this build's rules decide every command into the facts stored; digest after the last event {}",
            digest.as_deref().unwrap_or("-")
        ),
    };
    let code = if damage.is_some() || drift.is_some() {
        1
    } else if torn.is_some() {
        3
    } else {
        0
    };
    match format {
        Format::Json => println!(
            "{:#}",
            serde_json::json!({
                "log": path.display().to_string(),
                "ok": code == 0,
                "verdict": verdict,
                "events": log.count,
                "checked": checked,
                "frames": log.frames.len() + 1,
                "bytes": log.end,
                "rules_version": log.genesis.rules,
                "record_schema": log.schema,
                "outdated": outdated,
                "torn_tail": torn,
                "damage": damage,
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
            if let Some(o) = &outdated {
                println!("note: {o}");
            }
            println!(
                "snapshots: {} valid, {} ignored",
                snapshots - ignored.len(),
                ignored.len()
            );
            for i in &ignored {
                println!("  {} ignored: {}", i.path.display(), i.why);
            }
            println!("{verdict}");
            if code != 0 {
                eprintln!("error: {verdict}");
            }
        }
    }
    ExitCode::from(code)
}

/// Rewrites a log written by an older build (commands only, or facts of an older rules
/// version) as a log of this build's facts, deciding every command once more.
fn upgrade(path: &Path, output: Option<&Path>) -> ExitCode {
    let log = match Log::open(path) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    if let Some(e) = log.damage() {
        return fail(&e);
    }
    let current = log.schema == schema::RECORD_SCHEMA && log.genesis.rules == RULES_VERSION;
    if current && output.is_none() {
        println!(
            "{}: already a log of this build's facts (rules version {RULES_VERSION}); nothing to do",
            path.display()
        );
        return ExitCode::SUCCESS;
    }
    let s = match log.scenario() {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let every = log.genesis.snapshot_every;
    let (old_schema, old_rules) = (log.schema, log.genesis.rules);
    drop(log);
    let created = |target: &Path| Writer::create(target, &s, every, WriterOptions::default());
    let result = match output {
        Some(out) => created(out).map(|_| out.to_path_buf()),
        None => {
            // The original is kept under a new name that is never overwritten, and comes back
            // if the rewrite fails.
            let kept = PathBuf::from(format!("{}.before-upgrade", path.display()));
            if let Err(e) = std::fs::hard_link(path, &kept) {
                return fail(&format!(
                    "cannot keep the original as {}: {e}",
                    kept.display()
                ));
            }
            if let Err(e) = std::fs::remove_file(path) {
                let _ = std::fs::remove_file(&kept);
                return fail(&format!("cannot move {} aside: {e}", path.display()));
            }
            match created(path) {
                Ok(_) => {
                    println!(
                        "{}: the original is kept as {}",
                        path.display(),
                        kept.display()
                    );
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
            println!(
                "{}: {} events upgraded (from record schema {old_schema}, rules version {old_rules}) to record schema {}, rules version {RULES_VERSION}",
                to.display(),
                s.events.len(),
                schema::RECORD_SCHEMA
            );
            ExitCode::SUCCESS
        }
        Err(AppendError::Rejected { index, id, reason }) => fail(&format!(
            "event {} `{id}` is rejected by this build's rules: E{:03} {}; the log was left as it was",
            index + 1,
            reason.code(),
            reason.describe(&s.world)
        )),
        Err(e) => fail(&e),
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
