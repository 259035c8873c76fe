//! The `demarche` binary as users run it: exit codes, formats, errors naming file and line.

use std::process::{Command, Output};

fn demarche(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_demarche"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
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
