//! The bounded, deterministic fuzz run CI makes (no AFL++ needed):
//!
//! ```text
//! cargo run --manifest-path fuzz/Cargo.toml --bin fuzz -- TARGET [--iterations N] [--seed S]
//! cargo run --manifest-path fuzz/Cargo.toml --bin fuzz -- all --iterations 2000
//! cargo run --manifest-path fuzz/Cargo.toml --bin fuzz -- log --input FILE   # one input
//! cargo run --manifest-path fuzz/Cargo.toml --bin fuzz -- seed-corpus   # rewrite the generated seeds
//! ```
//!
//! Replays `fuzz/corpus/TARGET/` and `fuzz/regressions/TARGET/`, then N seeded mutations of the
//! corpus. Inputs that panic are saved in `fuzz/crashes/` and the run exits 1.

use demarche_fuzz::{Target, run_bounded};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || {
        eprintln!(
            "usage: fuzz TARGET|all [--iterations N] [--seed S]\ntargets: scenario, branch, log, snapshot, events"
        );
        ExitCode::from(2)
    };
    let Some(which) = args.first() else {
        return usage();
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if which == "seed-corpus" {
        let dir = root.join("corpus/snapshot");
        std::fs::create_dir_all(&dir).expect("the corpus folder");
        std::fs::write(dir.join("nato-after-10"), demarche_fuzz::snapshot_seed())
            .expect("the snapshot seed");
        let dir = root.join("corpus/log");
        std::fs::write(
            dir.join("generated-60"),
            demarche_fuzz::generated_log_seed(),
        )
        .expect("the generated log seed");
        return ExitCode::SUCCESS;
    }
    // One input, to see what it does (with RUST_BACKTRACE=1, where it panics).
    if let (Some(t), Some("--input"), Some(file)) = (
        Target::from_name(which),
        args.get(1).map(String::as_str),
        args.get(2),
    ) {
        let data = std::fs::read(file).expect("the input file");
        t.run(&data);
        println!("{}: {file}: no panic", t.name());
        return ExitCode::SUCCESS;
    }
    let mut iterations = 1000u64;
    let mut seed = 1u64;
    let mut rest = args[1..].iter();
    while let Some(a) = rest.next() {
        let value = rest.next().and_then(|v| v.parse::<u64>().ok());
        match (a.as_str(), value) {
            ("--iterations", Some(v)) => iterations = v,
            ("--seed", Some(v)) => seed = v,
            _ => return usage(),
        }
    }
    let targets: Vec<Target> = if which == "all" {
        Target::ALL.to_vec()
    } else {
        match Target::from_name(which) {
            Some(t) => vec![t],
            None => return usage(),
        }
    };
    let mut failed = false;
    for t in targets {
        let started = std::time::Instant::now();
        let r = run_bounded(
            t,
            &root.join("corpus").join(t.name()),
            &root.join("regressions").join(t.name()),
            &root.join("crashes"),
            iterations,
            seed,
        );
        println!(
            "{}: {} inputs replayed, {} mutations, {} crash(es), {:.1?}",
            t.name(),
            r.replayed,
            r.mutated,
            r.crashes.len(),
            started.elapsed()
        );
        for c in &r.crashes {
            println!("  crash saved in {}", c.display());
        }
        failed |= !r.crashes.is_empty();
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
