//! `demarche sweep` and `whatif` from the command line: results independent of the thread
//! count, CSV that survives any id, and inputs that would run away refused with a clear error.

use crate::cli::{demarche, stderr, stdout};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh directory for one test's files.
fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("demarche-sweep-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn one_and_three_threads_give_byte_identical_json_and_csv() {
    for format in ["json", "csv"] {
        let run = |threads: &str| {
            let o = demarche(&[
                "sweep",
                "scenarios/whatif/nato-expels-two.toml",
                "--runs",
                "200",
                "--seed",
                "11",
                "--threads",
                threads,
                "--format",
                format,
            ]);
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
            o.stdout
        };
        let one = run("1");
        assert!(one.len() > 1000, "{format}: too little output to compare");
        assert_eq!(one, run("3"), "{format}");
    }
}

#[test]
fn csv_quotes_ids_holding_commas_and_quotes() {
    let text = std::fs::read_to_string(root().join("scenarios/nato-russia-2021.toml"))
        .unwrap()
        .replace("\"ru-mission-nato\"", r#""ru-mission,\"nato\"""#)
        // A policy names its actor before a comma, so the actor's id holds a quote only.
        .replace("\"russia\"", r#""rus\"sia""#);
    let path = dir("csv").join("odd-ids.toml");
    std::fs::write(&path, text).unwrap();
    let o = demarche(&[
        "sweep",
        path.to_str().unwrap(),
        "--policy",
        r#"rus"sia=reciprocal,delay=12"#,
        "--set",
        "nato-expels-8-2021.count=2",
        "--drop",
        "nato-expels-8-2021.staff-cap-set",
        "--runs",
        "5",
        "--format",
        "csv",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let head: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(head.len(), 7 + 2 * 5, "{head:?}");
    assert_eq!(head[7], r#"ru-mission,"nato".status"#);
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5);
    for row in &rows {
        assert_eq!(row.len(), head.len(), "{row:?}");
    }
    assert!(
        rows.iter().any(|row| row[6].contains(r#"rus"sia:"#)),
        "no answer by the oddly named actor: {rows:?}"
    );
}

#[test]
fn runs_beyond_the_bound_are_refused_with_a_clear_error() {
    for runs in ["18446744073709551615", "10000001", "0"] {
        let o = demarche(&[
            "sweep",
            "scenarios/whatif/nato-expels-two.toml",
            "--runs",
            runs,
        ]);
        assert_eq!(o.status.code(), Some(2), "{runs}");
        let err = stderr(&o);
        assert!(
            err.contains(&format!(
                "--runs {runs}: a sweep runs from 1 to 10000000 branches"
            )),
            "{err}"
        );
    }
    let o = demarche(&[
        "sweep",
        "scenarios/whatif/nato-expels-two.toml",
        "--threads",
        "100000",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--threads 100000: from 1 to 1024"));
}

#[test]
fn delays_beyond_ten_years_are_refused_naming_the_field() {
    for (cmd, spec, field) in [
        ("whatif", "russia=reciprocal,delay=2147483647", "delay"),
        ("sweep", "russia=reciprocal,delay=1-4000", "delay"),
        (
            "whatif",
            "russia=reciprocal,leave_within=3651",
            "leave_within",
        ),
    ] {
        let o = demarche(
            &[
                cmd,
                "scenarios/nato-russia-2021.toml",
                "--policy",
                spec,
                "--runs",
                "3",
            ]
            .into_iter()
            .take(if cmd == "sweep" { 6 } else { 4 })
            .collect::<Vec<_>>(),
        );
        assert_eq!(o.status.code(), Some(2), "{cmd} {spec}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains(&format!("--policy {spec}: `{field}` of "))
                && err.contains("days is too long; at most 3650 (ten years)"),
            "{err}"
        );
    }
    // Within the bound, it runs.
    let o = demarche(&[
        "whatif",
        "scenarios/nato-russia-2021.toml",
        "--policy",
        "russia=reciprocal,delay=3650",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_branch_file_with_a_runaway_delay_is_refused_naming_the_file_and_field() {
    let base = root().join("scenarios/nato-russia-2021.toml");
    let text = std::fs::read_to_string(root().join("scenarios/whatif/nato-expels-two.toml"))
        .unwrap()
        .replace(
            "base = \"../nato-russia-2021.toml\"",
            &format!("base = {:?}", base.to_str().unwrap()),
        )
        .replace("delay = [3, 7]", "delay = [3, 2147483647]");
    let path = dir("branch").join("runaway.toml");
    std::fs::write(&path, text).unwrap();
    let o = demarche(&["whatif", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("runaway.toml: the policy of nato: `delay` of 2147483647 days is too long"),
        "{err}"
    );
}
