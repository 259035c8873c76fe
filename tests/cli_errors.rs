//! How the `demarche` binary reports problems: once each, coloured only when asked, on lines of
//! any length, and in time proportional to their number (with a limit on how many are listed).

use crate::cli::{demarche, stderr, stdout};
use std::path::PathBuf;
use std::process::{Command, Output};

/// A fresh directory for one test's files.
fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("demarche-errors-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

/// `too-many-expelled.toml` with its one event repeated `n` times under distinct ids: `n`
/// rejected events (E012 each: a rejected event changes nothing, so each is rejected alike).
fn many_rejected(name: &str, n: usize) -> PathBuf {
    let text = read("scenarios/invalid/too-many-expelled.toml");
    let (head, event) = text.split_once("[[events]]").unwrap();
    let mut out = head.to_string();
    for i in 0..n {
        out.push_str("[[events]]");
        out.push_str(&event.replace("nato-expels-30", &format!("nato-expels-30-{i}")));
        out.push('\n');
    }
    let path = dir(name).join("many.toml");
    std::fs::write(&path, out).unwrap();
    path
}

fn with_env(args: &[&str], key: &str, value: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_demarche"))
        .args(args)
        .env(key, value)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

#[test]
fn each_problem_is_printed_once_with_its_code_location_and_box() {
    let o = demarche(&["validate", "scenarios/invalid/rejected-then-more.toml"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    for msg in [
        "`belgium` is not the receiving side of `ru-mission-nato`",
        "refers to `wrong-actor-cap`, which was rejected",
        "abolishes 3 vacant posts at `ru-mission-nato`",
    ] {
        assert_eq!(err.matches(msg).count(), 1, "{msg} in\n{err}");
    }
    assert_eq!(
        err.matches(
            "error[E005]: scenarios/invalid/rejected-then-more.toml:34:1: event `wrong-actor-cap`"
        )
        .count(),
        1,
        "{err}"
    );
    // No line holds a bare code.
    assert!(!err.lines().any(|l| l.trim() == "E005"), "{err}");
    assert!(
        err.contains("╭─[scenarios/invalid/rejected-then-more.toml:34:1]"),
        "{err}"
    );
    assert!(
        err.ends_with("scenarios/invalid/rejected-then-more.toml: 3 problem(s)\n"),
        "{err}"
    );
}

#[test]
fn a_problem_with_help_prints_its_help_in_the_box() {
    let o = demarche(&["validate", "scenarios/invalid/many-problems.toml"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    let report = err
        .split("error[field]: scenarios/invalid/many-problems.toml:51:1: event `no-source`")
        .nth(1)
        .expect("the problem of the event without a source");
    let report = report.split("error[").next().unwrap();
    assert!(
        report.contains("help: cite where the fact comes from, in your own words"),
        "{report}"
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_without_no_color() {
    let file = "scenarios/invalid/too-many-expelled.toml";
    let esc = |o: &Output| stderr(o).contains('\u{1b}') || stdout(o).contains('\u{1b}');
    // Not a terminal: no colour unless asked.
    assert!(!esc(&demarche(&["validate", file])));
    assert!(!esc(&demarche(&["validate", file, "--color", "never"])));
    assert!(!esc(&demarche(&["validate", file, "--color", "auto"])));
    assert!(esc(&demarche(&["validate", file, "--color", "always"])));
    assert!(esc(&demarche(&["--color=always", "validate", file])));
    // --color always wins over NO_COLOR; NO_COLOR never adds colour.
    assert!(esc(&with_env(
        &["validate", file, "--color", "always"],
        "NO_COLOR",
        "1"
    )));
    assert!(!esc(&with_env(&["validate", file], "NO_COLOR", "1")));
    // clap's help follows the choice too.
    assert!(esc(&demarche(&["--color", "always", "--help"])));
    assert!(!esc(&demarche(&["--color", "never", "--help"])));
    assert_eq!(
        demarche(&["validate", file, "--color", "sometimes"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn an_error_on_a_line_longer_than_65535_characters_is_reported_without_panicking() {
    let text = read("scenarios/invalid/too-many-expelled.toml");
    let head = text.split("[[events]]").next().unwrap();
    // One event as an inline table on one line; its bad date lies past column 70,000.
    let line = format!(
        "events = [{{ id = \"nato-expels-30\", source = \"{}\", date = \"2021-13-06\", kind = \"accreditation-withdrawn\", actor = \"nato\", mission = \"ru-mission-nato\", count = 30, category = \"diplomatic\", depart_by = \"2021-10-31\" }}]\n",
        "x".repeat(70_000)
    );
    let (before, after) = head.split_once("[scenario]").unwrap();
    let path = dir("long-line").join("long.toml");
    std::fs::write(&path, format!("{before}{line}[scenario]{after}")).unwrap();
    let o = demarche(&["validate", path.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let line = before.lines().count() + 1;
    assert!(
        err.contains(&format!("long.toml:{line}:70056: event `nato-expels-30`")),
        "{err}"
    );
    assert!(
        err.contains("is not a date in the form YYYY-MM-DD"),
        "{err}"
    );
    // The line is cut around the problem, and says so.
    assert!(err.contains("…"), "{err}");
    assert!(err.lines().all(|l| l.chars().count() < 1000), "{err}");
}

#[test]
fn validate_lists_100_problems_then_how_many_more() {
    let path = many_rejected("limit", 3000);
    let file = path.to_str().unwrap();
    let o = demarche(&["validate", file]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.matches("error[E012]").count(), 100);
    assert!(
        err.ends_with(&format!(
            "{file}: 3000 problem(s); the first 100 are listed, 2900 more are not (see --max-problems)\n"
        )),
        "{}",
        err.lines().last().unwrap()
    );
    let o = demarche(&["validate", file, "--max-problems", "7"]);
    let err = stderr(&o);
    assert_eq!(err.matches("error[E012]").count(), 7);
    assert!(err.contains("3000 problem(s); the first 7 are listed, 2993 more are not"));
    let o = demarche(&["validate", file, "--max-problems", "0"]);
    let err = stderr(&o);
    assert_eq!(err.matches("error[E012]").count(), 3000);
    assert!(err.ends_with(&format!("{file}: 3000 problem(s)\n")));
    // The last one is on the right line: 33 lines of header, then 11 lines per event.
    assert!(
        err.contains(&format!(
            "{file}:{}:1: event `nato-expels-30-2999`",
            34 + 2999 * 11
        )),
        "{}",
        &err[err.len() - 2000..]
    );
    let o = demarche(&["validate", file, "--format", "json", "--max-problems", "10"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["count"], 3000);
    assert_eq!(v["omitted"], 2990);
    assert_eq!(v["problems"].as_array().unwrap().len(), 10);
}

#[test]
fn the_readme_error_sample_is_what_validate_prints() {
    let readme = read("README.md");
    let sample = readme
        .split("A rejected event looks like this")
        .nth(1)
        .unwrap()
        .split("```text\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let o = demarche(&["validate", "scenarios/invalid/wrong-side-withdraws.toml"]);
    assert_eq!(stderr(&o), sample);
}
