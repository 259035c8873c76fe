//! The log commands as programs read them: `--format json` records of import, repair,
//! snapshot, salvage and upgrade; `log tail --format json` giving the same record per event as
//! `log export --format jsonl`; and `log tail`'s text columns fitting the longest kind.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh, empty folder for one test.
fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let d = std::env::temp_dir().join(format!(
        "demarche-logjson-{}-{name}-{n}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn demarche(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_demarche"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The one JSON object a command printed on stdout.
fn record(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not one JSON object ({e}): {}\nstderr: {}",
            text(&o.stdout),
            text(&o.stderr)
        )
    })
}

fn lines(o: &Output) -> Vec<Value> {
    text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn scenarios() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    v.sort();
    v
}

fn import(scenario: &Path, log: &Path, every: &str) {
    let o = demarche(&[
        "log",
        "import",
        s(scenario),
        s(log),
        "--snapshot-every",
        every,
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

#[test]
fn tail_json_gives_the_export_record_of_every_event_of_every_scenario() {
    let d = scratch("tail-export");
    for sc in scenarios() {
        let log = d.join(format!("{}.log", sc.file_stem().unwrap().to_str().unwrap()));
        // Small frames, so that answers refer to events of earlier frames.
        import(&sc, &log, "3");
        let exported = lines(&demarche(&["log", "export", s(&log), "--format", "jsonl"]));
        let tailed = lines(&demarche(&["log", "tail", s(&log), "--format", "json"]));
        assert!(!exported.is_empty(), "{}", sc.display());
        assert_eq!(tailed, exported, "{}", sc.display());
        // From the middle on: events before `from` are named all the same.
        let from = exported.len() / 2 + 1;
        let o = demarche(&[
            "log",
            "tail",
            s(&log),
            "--from",
            &from.to_string(),
            "--format",
            "json",
        ]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert_eq!(lines(&o), exported[from - 1..], "{}", sc.display());
    }
}

#[test]
fn tail_json_names_what_an_event_did() {
    let d = scratch("tail-what");
    let log = d.join("nato.log");
    import(
        &root().join("scenarios/nato-russia-2021.toml"),
        &log,
        "1000",
    );
    let all = lines(&demarche(&["log", "tail", s(&log), "--format", "json"]));
    // Russia's answer of 18 October 2021 refers to NATO's expulsions, and acts on missions.
    let answer = all
        .iter()
        .find(|e| !e["in_response_to"].as_array().unwrap().is_empty())
        .expect("an answer in the founding scenario");
    let refs = answer["in_response_to"].as_array().unwrap();
    assert!(
        refs.iter().all(|r| all
            .iter()
            .any(|e| e["id"] == *r && e["seq"].as_u64() < answer["seq"].as_u64())),
        "{answer}"
    );
    assert!(
        all.iter()
            .any(|e| e.get("mission").is_some_and(|m| m.is_string())),
        "no event names its mission: {all:?}"
    );
    assert!(
        all.iter()
            .any(|e| e.get("measures").is_some_and(|m| m.is_array())),
        "no decision lists its measures"
    );
}

#[test]
fn tail_text_columns_fit_the_longest_kind_and_actor() {
    let d = scratch("tail-text");
    let log = d.join("uk.log");
    // The 2018 episode has `countermeasures-threatened`, the longest kind.
    import(&root().join("scenarios/uk-russia-2018.toml"), &log, "1000");
    let o = demarche(&["log", "tail", s(&log)]);
    assert!(o.status.success());
    let out = text(&o.stdout);
    assert!(out.contains("countermeasures-threatened"), "{out}");
    // The actor column (the fourth) starts at the same place on every line, at least two
    // spaces after the kind, however long the kind.
    let starts: Vec<usize> = out
        .lines()
        .map(|l| {
            let mut tokens = 0;
            let mut prev = ' ';
            for (at, c) in l.char_indices() {
                if c != ' ' && prev == ' ' {
                    tokens += 1;
                    if tokens == 4 {
                        assert!(l[..at].ends_with("  "), "kind and actor run together: {l}");
                        return at;
                    }
                }
                prev = c;
            }
            panic!("fewer than four columns: {l}")
        })
        .collect();
    assert!(
        starts.windows(2).all(|w| w[0] == w[1]),
        "actor columns differ: {starts:?}\n{out}"
    );
}

#[test]
fn import_snapshot_and_upgrade_say_what_they_did_as_json() {
    let d = scratch("json-records");
    let log = d.join("nato.log");
    let o = demarche(&[
        "log",
        "import",
        "scenarios/nato-russia-2021.toml",
        s(&log),
        "--snapshot-every",
        "5",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = record(&o);
    assert_eq!(r["ok"], true);
    assert_eq!(r["log"], s(&log));
    assert_eq!(r["events"], r["last_seq"]);
    assert!(r["events"].as_u64().unwrap() > 5);
    assert_eq!(r["bytes"], std::fs::metadata(&log).unwrap().len());
    assert_eq!(r["snapshot_every"], 5);

    let o = demarche(&["log", "snapshot", s(&log), "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let snap = record(&o);
    assert_eq!(snap["ok"], true);
    assert_eq!(
        snap["snapshots"].as_u64().unwrap(),
        r["events"].as_u64().unwrap() / 5
    );

    let o = demarche(&["log", "upgrade", s(&log), "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let u = record(&o);
    assert_eq!(u["upgraded"], false);
    assert_eq!(u["events"], r["events"]);

    // An old log is rewritten; the record says from what to what and where the original is.
    let old = d.join("v2.log");
    std::fs::copy(
        root().join("tests/golden/logs/v2-nato-russia-2021.log"),
        &old,
    )
    .unwrap();
    let o = demarche(&["log", "upgrade", s(&old), "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let u = record(&o);
    assert_eq!(u["upgraded"], true);
    assert_eq!(u["from"]["record_schema"], 2);
    assert_eq!(u["to"]["record_schema"], r["record_schema"]);
    let kept = u["kept_as"].as_str().unwrap();
    assert!(Path::new(kept).exists(), "{kept}");

    // An import that cannot happen says so in the record too, and on stderr.
    let o = demarche(&[
        "log",
        "import",
        "scenarios/nato-russia-2021.toml",
        s(&log),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = record(&o);
    assert_eq!(e["ok"], false);
    assert!(e["error"].as_str().unwrap().contains("exists"), "{e}");
    assert!(text(&o.stderr).contains("error:"));
}

#[test]
fn repair_and_salvage_say_what_they_cut_as_json() {
    let d = scratch("json-repair");
    let log = d.join("nato.log");
    import(
        &root().join("scenarios/nato-russia-2021.toml"),
        &log,
        "1000",
    );
    let whole = std::fs::read(&log).unwrap();

    let o = demarche(&["log", "repair", s(&log), "--format", "json"]);
    assert!(o.status.success());
    let r = record(&o);
    assert_eq!(r["outcome"], "nothing-to-repair");
    let last = r["last_seq"].as_u64().unwrap();
    assert!(r["cut"].is_null());

    // A torn tail: cut, saved, said.
    let mut torn = whole.clone();
    torn.extend_from_slice(&[9, 9, 9]);
    std::fs::write(&log, &torn).unwrap();
    let o = demarche(&["log", "repair", s(&log), "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = record(&o);
    assert_eq!(r["outcome"], "cut-torn-tail");
    assert_eq!(r["last_seq"], last);
    assert_eq!(r["cut"]["offset"], whole.len());
    assert_eq!(r["cut"]["bytes"], 3);
    let saved = r["cut"]["saved_to"].as_str().unwrap();
    assert_eq!(std::fs::read(saved).unwrap(), [9, 9, 9]);
    assert_eq!(std::fs::read(&log).unwrap(), whole);

    // A damaged last frame: refused without --discard-damaged-tail, nothing changed.
    let mut damaged = whole.clone();
    let n = damaged.len();
    damaged[n - 3] ^= 0xff;
    std::fs::write(&log, &damaged).unwrap();
    let o = demarche(&["log", "repair", s(&log), "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let r = record(&o);
    assert_eq!(r["ok"], false);
    assert_eq!(r["outcome"], "refused");
    assert!(
        r["hint"]
            .as_str()
            .unwrap()
            .contains("--discard-damaged-tail"),
        "{r}"
    );
    assert_eq!(std::fs::read(&log).unwrap(), damaged);

    // Salvage copies what reads, and says where it stopped.
    let out = d.join("salvaged.log");
    let o = demarche(&["log", "salvage", s(&log), s(&out), "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = record(&o);
    assert_eq!(r["ok"], true);
    assert!(r["events"].as_u64().unwrap() < last);
    assert!(r["stopped"]["offset"].as_u64().unwrap() < n as u64);
    assert_eq!(r["bytes"], std::fs::metadata(&out).unwrap().len());

    // With the flag, the damaged frame goes, and the record says what was lost.
    let o = demarche(&[
        "log",
        "repair",
        s(&log),
        "--discard-damaged-tail",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r = record(&o);
    assert_eq!(r["outcome"], "cut-damaged-tail");
    assert!(r["last_seq"].as_u64().unwrap() < last);
    assert!(r["lost"].as_str().unwrap().contains("acknowledged"), "{r}");
}
