//! The `demarche` binary as users run it: exit codes, formats, errors naming file and line.

use std::process::{Command, Output};

pub(crate) fn demarche(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_demarche"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn validate_a_good_scenario_exits_0_with_one_line() {
    let o = demarche(&["validate", "scenarios/nato-russia-2021.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("valid: 4 actors, 5 missions"), "{out}");
}

#[test]
fn validate_a_broken_scenario_exits_1_naming_file_line_event_and_rule() {
    let o = demarche(&["validate", "scenarios/invalid/too-many-expelled.toml"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains(
            "error[E012]: scenarios/invalid/too-many-expelled.toml:34:1: event `nato-expels-30`"
        ),
        "{err}"
    );
    assert!(err.contains("CountExceedsStaff"), "{err}");
}

#[test]
fn validate_json_lists_every_problem_with_line_and_column() {
    let o = demarche(&[
        "validate",
        "scenarios/invalid/rejected-then-more.toml",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let problems = v["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 3);
    assert_eq!(problems[0]["code"], "E005");
    assert_eq!(problems[0]["line"], 34);
    assert_eq!(problems[2]["event"], "abolish-too-many");
    // The rule's name and the rules it enforces are separate fields.
    assert_eq!(problems[0]["rule"], "NotReceivingSide");
    assert_eq!(problems[0]["refs"], serde_json::json!(["R3", "R5", "R12"]));
    assert_eq!(problems[1]["rule"], "ResponseNotEarlier");
    assert_eq!(problems[1]["refs"], serde_json::json!(["causality"]));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(demarche(&["replay"]).status.code(), Some(2));
    assert_eq!(
        demarche(&[
            "replay",
            "scenarios/nato-russia-2021.toml",
            "--format",
            "xml"
        ])
        .status
        .code(),
        Some(2)
    );
    let o = demarche(&[
        "replay",
        "scenarios/nato-russia-2021.toml",
        "--until",
        "no-such-event",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("neither an event id"), "{}", stderr(&o));
}

#[test]
fn a_missing_file_exits_1_and_says_so() {
    let o = demarche(&["replay", "scenarios/none.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("cannot read scenarios/none.toml"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn state_json_has_the_documented_shape() {
    let o = demarche(&[
        "state",
        "scenarios/nato-russia-2021.toml",
        "--at",
        "2021-11-02",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["at"], "2021-11-02");
    assert_eq!(v["digest"].as_str().unwrap().len(), 32);
    for key in ["missions", "channels", "pending"] {
        assert!(v[key].is_array(), "{key}");
    }
    let m = &v["missions"][0];
    for key in [
        "id",
        "kind",
        "sender",
        "receiver",
        "status",
        "headcount",
        "cap",
    ] {
        assert!(m.get(key).is_some(), "mission lacks {key}");
    }
}

#[test]
fn replay_until_an_event_stops_after_it() {
    let o = demarche(&[
        "replay",
        "scenarios/nato-russia-2021.toml",
        "--until",
        "nato-expels-8-2021",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("nato-expels-8-2021"));
    assert!(!out.contains("ru-countermeasures-2021"));
}

#[test]
fn replay_prints_the_same_digest_as_state() {
    let replay = stdout(&demarche(&["replay", "scenarios/nato-russia-2021.toml"]));
    let state = stdout(&demarche(&["state", "scenarios/nato-russia-2021.toml"]));
    let digest = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("digest "))
            .unwrap()
            .to_string()
    };
    assert_eq!(digest(&replay), digest(&state));
}

#[test]
fn events_lists_every_kind_with_codes() {
    let o = demarche(&["events", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let kinds = v["kinds"].as_array().unwrap();
    assert_eq!(kinds.len(), demarche::core::Kind::ALL.len());
    let pr = kinds
        .iter()
        .find(|k| k["kind"] == "persona-non-grata")
        .unwrap();
    assert_eq!(pr["cameo"], "161");
    assert_eq!(pr["plover"], "SANCTION: expel");
}

#[test]
fn help_teaches_with_examples() {
    let out = stdout(&demarche(&["--help"]));
    assert!(
        out.contains("Examples:") && out.contains("Exit codes"),
        "{out}"
    );
}

#[test]
fn replay_json_gives_each_effect_as_data_with_scenario_ids() {
    let o = demarche(&[
        "replay",
        "scenarios/nato-russia-2021.toml",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let effects: Vec<&serde_json::Value> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["effects"].as_array().unwrap())
        .collect();
    let expelled = effects
        .iter()
        .find(|e| e["change"] == "StaffToLeave" && e["count"] == 8)
        .expect("the 8 expelled in October 2021");
    assert_eq!(expelled["mission"], "ru-mission-nato");
    assert_eq!(expelled["deadline"], "2021-10-31");
    assert!(effects.iter().any(|e| e["change"] == "Lifecycle"
        && e["mission"] == "nato-mlm-moscow"
        && e["to"] == "closed"));
}

/// A copy of the founding example whose actor and mission ids are as long as real ones can be,
/// written to a fresh temporary directory; returns its path.
fn long_ids_scenario(name: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/nato-russia-2021.toml"),
    )
    .unwrap()
    .replace(
        "\"ru-mission-nato\"",
        "\"permanent-mission-of-the-russian-federation-to-nato\"",
    )
    .replace("\"russia\"", "\"russian-federation\"")
    .replace("\"nato\"", "\"north-atlantic-treaty-organization\"");
    let dir = std::env::temp_dir().join(format!("demarche-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("long-ids.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The cells of a table line: runs of text parted by two spaces or more, with the character
/// columns where each starts and ends.
fn cells(line: &str) -> Vec<(usize, usize, String)> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == ' ' {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && !(chars[i] == ' ' && chars.get(i + 1).is_none_or(|c| *c == ' ')) {
            i += 1;
        }
        out.push((start, i, chars[start..i].iter().collect()));
    }
    out
}

/// Asserts that every line has one cell per column, each column's cells starting (`L`) or
/// ending (`R`) at the same character.
fn assert_columns(lines: &[&str], aligns: &str) {
    let rows: Vec<_> = lines.iter().map(|l| cells(l)).collect();
    for (l, r) in lines.iter().zip(&rows) {
        assert_eq!(r.len(), aligns.len(), "cells run together in {l:?}");
    }
    for (k, a) in aligns.chars().enumerate() {
        let edge = |r: &Vec<(usize, usize, String)>| if a == 'L' { r[k].0 } else { r[k].1 };
        for (l, r) in lines.iter().zip(&rows) {
            assert_eq!(edge(r), edge(&rows[0]), "column {k} misaligned in {l:?}");
        }
    }
}

#[test]
fn state_table_columns_fit_long_ids() {
    let path = long_ids_scenario("state");
    let o = demarche(&["state", path.to_str().unwrap(), "--at", "2021-11-02"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let table: Vec<&str> = out.lines().skip(1).take(6).collect();
    assert!(table[1].contains("permanent-mission-of-the-russian-federation-to-nato"));
    assert!(table[1].contains("russian-federation -> north-atlantic-treaty-organization"));
    assert_columns(&table, "LLLLRRRR");
}

#[test]
fn whatif_tables_keep_whole_actor_names_in_their_columns() {
    let path = long_ids_scenario("whatif");
    let o = demarche(&[
        "whatif",
        path.to_str().unwrap(),
        "--set",
        "nato-expels-8-2021.count=2",
        "--policy",
        "russian-federation=reciprocal,delay=12",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    let at = |title: &str| lines.iter().position(|l| l.starts_with(title)).unwrap();
    // Missions side by side: a mark column, then the table.
    let m = at("Missions on");
    let missions: Vec<&str> = lines[m + 1..m + 7].iter().map(|l| &l[4..]).collect();
    assert!(missions[1].starts_with("permanent-mission-of-the-russian-federation-to-nato  "));
    assert_columns(&missions, "LLLLLL");
    // Escalation: day, then per side every actor and the total, parted by a bar.
    let e = at("Escalation since the fork");
    let esc: Vec<&str> = lines[e + 2..]
        .iter()
        .take_while(|l| !l.is_empty())
        .copied()
        .collect();
    assert!(esc.len() >= 3, "{out}");
    let head = cells(esc[0]);
    assert!(
        head.iter()
            .any(|c| c.2 == "north-atlantic-treaty-organization"),
        "{}",
        esc[0]
    );
    let n = head.len() / 2 - 1;
    let aligns = format!("L{}L{}", "R".repeat(n), "R".repeat(n));
    assert_columns(&esc, &aligns);
    let bar = |l: &str| l.chars().position(|c| c == '|');
    assert_eq!(bar(lines[e + 1]), bar(esc[0]), "{}", lines[e + 1]);
}

#[test]
fn sweep_table_columns_fit_long_ids() {
    let path = long_ids_scenario("sweep");
    let o = demarche(&[
        "sweep",
        path.to_str().unwrap(),
        "--policy",
        "russian-federation=reciprocal,delay=12",
        "--runs",
        "20",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    let m = lines
        .iter()
        .position(|l| l.starts_with("Missions at the end"))
        .unwrap();
    assert_columns(&lines[m + 1..m + 7], "LRRRRRRR");
}

/// Every number in `v` that is not an integer, with where it is.
fn fractions(v: &serde_json::Value, at: &str, out: &mut Vec<(String, f64)>) {
    match v {
        serde_json::Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            out.push((at.to_string(), n.as_f64().unwrap()));
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                fractions(x, &format!("{at}[{i}]"), out);
            }
        }
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                fractions(x, &format!("{at}.{k}"), out);
            }
        }
        _ => {}
    }
}

/// Asserts that the JSON on stdout has fractions, all of them with at most 4 decimals.
fn assert_rounded(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut found = Vec::new();
    fractions(&v, "", &mut found);
    assert!(!found.is_empty(), "no fraction to check");
    for (at, x) in found {
        let text = x.to_string();
        let decimals = text.split_once('.').map_or(0, |(_, d)| d.len());
        assert!(decimals <= 4, "{at} = {text}");
    }
}

#[test]
fn json_fractions_are_rounded_to_4_decimals() {
    assert_rounded(&demarche(&[
        "whatif",
        "scenarios/whatif/nato-expels-two.toml",
        "--format",
        "json",
    ]));
    assert_rounded(&demarche(&[
        "sweep",
        "scenarios/whatif/nato-expels-two.toml",
        "--runs",
        "30",
        "--seed",
        "7",
        "--format",
        "json",
    ]));
    assert_rounded(&demarche(&[
        "replay",
        "scenarios/nato-russia-2021.toml",
        "--format",
        "json",
    ]));
    assert_rounded(&demarche(&["events", "--format", "json"]));
}

/// The cells of a Markdown table row: split at every `|` not escaped as `\|`.
fn markdown_cells(row: &str) -> usize {
    let mut n: usize = 0;
    let mut prev = ' ';
    for c in row.chars() {
        if c == '|' && prev != '\\' {
            n += 1;
        }
        prev = c;
    }
    n.saturating_sub(1)
}

#[test]
fn events_markdown_tables_keep_every_row_in_its_columns() {
    let o = demarche(&["events", "--format", "markdown"]);
    assert_eq!(o.status.code(), Some(0));
    let md = stdout(&o);
    let mut tables = 0;
    let mut width = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            width = None;
            continue;
        }
        match width {
            None => {
                width = Some(markdown_cells(line));
                tables += 1;
            }
            Some(w) => assert_eq!(markdown_cells(line), w, "{line}"),
        }
    }
    assert_eq!(tables, 3, "kinds, kinds of mission, rejection codes");
    assert!(
        md.contains("\\|"),
        "no cell holds a `|`: the test checks nothing"
    );
}

#[test]
fn the_timeline_and_the_status_column_use_the_same_words() {
    let statuses = ["not-open", "active", "over-cap", "suspended", "closed"];
    let out = stdout(&demarche(&["replay", "scenarios/nato-russia-2021.toml"]));
    let mut seen = 0;
    for line in out.lines().filter(|l| l.starts_with("      ")) {
        let Some((_, change)) = line.trim().split_once(": ") else {
            continue;
        };
        if let Some((from, to)) = change.split_once(" -> ")
            && !from.contains(' ')
            && !to.contains(' ')
        {
            assert!(statuses.contains(&from) && statuses.contains(&to), "{line}");
            seen += 1;
        }
    }
    assert!(seen >= 3, "only {seen} lifecycle changes in\n{out}");
    let o = demarche(&[
        "replay",
        "scenarios/nato-russia-2021.toml",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let changes: Vec<&serde_json::Value> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["effects"].as_array().unwrap())
        .filter(|e| e["change"] == "Lifecycle")
        .collect();
    assert!(!changes.is_empty());
    for c in changes {
        for k in ["from", "to"] {
            assert!(statuses.contains(&c[k].as_str().unwrap()), "{c}");
        }
    }
}
