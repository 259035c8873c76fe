//! The scenario loader at its edges: every problem in one pass, native dates, bounded strings
//! and files, and paths that are not regular files. The broken files with their expected errors
//! are golden tests (tests/golden.rs); these check what a file in the repository cannot.

use demarche::core::Day;
use demarche::scenario::{
    self, LoadError, MAX_FILE_BYTES, MAX_ID_BYTES, MAX_NOTE_BYTES, Problem, Scenario,
};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh, empty folder for one test.
fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let d = std::env::temp_dir().join(format!("demarche-loader-{}-{name}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const CAST: &str = r#"
[[actors]]
id = "russia"
name = "Russian Federation"
kind = "state"

[[actors]]
id = "nato"
name = "North Atlantic Treaty Organization"
kind = "organisation"

[[actors]]
id = "belgium"
name = "Kingdom of Belgium"
kind = "state"

[[missions]]
id = "ru-mission-nato"
name = "Permanent Mission of the Russian Federation to NATO"
kind = "permanent-mission"
sender = "russia"
receiver = "nato"
territory = "belgium"
city = "Brussels"
staff = 18
vacant = 2
"#;

/// A scenario starting on `start` (written as given: quoted or not) with the cast above and
/// `events`.
fn file(start: &str, events: &str) -> String {
    format!("[scenario]\ntitle = \"Loader test\"\nstart = {start}\n{CAST}\n{events}")
}

fn problems(text: &str) -> Vec<Problem> {
    match scenario::parse("test.toml", text) {
        Ok(_) => panic!("expected problems, the file loads"),
        Err((_, p)) => p,
    }
}

fn loads(text: &str) -> Scenario {
    scenario::parse("test.toml", text).unwrap_or_else(|(_, p)| panic!("{p:#?}"))
}

fn expel(id: &str, date: &str, depart_by: &str, extra: &str) -> String {
    format!(
        r#"
[[events]]
id = "{id}"
date = {date}
kind = "persona-non-grata"
actor = "nato"
mission = "ru-mission-nato"
count = 2
depart_by = {depart_by}
source = "constructed for this test"
{extra}
"#
    )
}

#[test]
fn problems_in_several_tables_are_all_reported_with_their_places() {
    // Before: the first of these (an unknown field) was the only problem reported.
    let events = [
        expel("a", "\"2021-10-06\"", "\"2021-10-31\"", "typo = 1"),
        expel("b", "\"2021-10-06\"", "\"2021-10-31\"", "summary = 3"),
        expel(
            "c",
            "\"2021-10-06\"",
            "\"2021-10-31\"",
            "in_response_to = \"a\"",
        ),
    ]
    .concat();
    let text = file("\"2021-10-01\"", &events);
    let p = problems(&text);
    let at = |p: &Problem| &text[p.span.clone().unwrap()];
    assert_eq!(p.len(), 3, "{p:#?}");
    assert_eq!((p[0].event.as_deref(), at(&p[0])), (Some("a"), "typo"));
    assert_eq!((p[1].event.as_deref(), at(&p[1])), (Some("b"), "3"));
    assert!(
        p[1].message.starts_with("`summary`: invalid type"),
        "{p:#?}"
    );
    assert_eq!((p[2].event.as_deref(), at(&p[2])), (Some("c"), "\"a\""));
}

#[test]
fn an_event_file_reports_every_problem_too() {
    let s = loads(&file("\"2021-10-01\"", ""));
    let text = [
        expel("a", "\"2021-10-06\"", "\"2021-10-31\"", "typo = 1"),
        expel("b", "\"2021-10-06\"", "\"2021-10-31\"", "note = 1"),
        "[extra]\nkey = 1\n".to_string(),
    ]
    .concat();
    let p = scenario::parse_events(&text, &s.world, s.start, &[]).unwrap_err();
    let words: Vec<&str> = p.iter().map(|p| &text[p.span.clone().unwrap()]).collect();
    assert_eq!(words.len(), 3, "{p:#?}");
    assert!(
        words.contains(&"typo") && words.contains(&"extra"),
        "{p:#?}"
    );
}

#[test]
fn unknown_fields_and_ids_suggest_the_closest_valid_names() {
    let events = expel("a", "\"2021-10-06\"", "\"2021-10-31\"", "in_post_ = 3")
        .replace("\"ru-mission-nato\"\ncount", "\"ru-mision-nato\"\ncount");
    let p = problems(&file("\"2021-10-01\"", &events));
    let helps: Vec<&str> = p.iter().filter_map(|p| p.help.as_deref()).collect();
    assert!(helps.contains(&"did you mean \"in_post\"?"), "{p:#?}");
    assert!(
        helps.contains(&"did you mean \"ru-mission-nato\"?"),
        "{p:#?}"
    );
    // Nothing close: the fields of the kind, not all 32.
    let p = problems(&file(
        "\"2021-10-01\"",
        &expel("a", "\"2021-10-06\"", "\"2021-10-31\"", "zzzzzzzz = 3"),
    ));
    let help = p[0].help.as_deref().unwrap();
    assert!(
        help.starts_with(
            "persona-non-grata takes mission, sender, host, count, category, persons, depart_by, effective"
        ),
        "{help}"
    );
    assert!(!help.contains("reduce_by"), "{help}");
}

#[test]
fn native_toml_dates_load_as_quoted_ones_do() {
    let quoted = loads(&file(
        "\"2021-10-01\"",
        &expel("a", "\"2021-10-06\"", "\"2021-10-31\"", ""),
    ));
    let native = loads(&file(
        "2021-10-01",
        &expel("a", "2021-10-06", "2021-10-31", ""),
    ));
    assert_eq!(native.start, quoted.start);
    assert_eq!(native.events, quoted.events);
    assert_eq!(native.initial, quoted.initial);
}

#[test]
fn a_date_with_a_time_of_day_is_refused_naming_its_field() {
    for (date, depart_by) in [
        ("2021-10-06T10:00:00", "2021-10-31"),
        ("\"2021-10-06T10:00:00\"", "2021-10-31"),
        ("2021-10-06", "2021-10-31 18:00:00"),
        ("2021-10-06", "\"2021-10-31T18:00:00+02:00\""),
    ] {
        let p = problems(&file("2021-10-01", &expel("a", date, depart_by, "")));
        assert_eq!(p.len(), 1, "{date} {depart_by}: {p:#?}");
        let field = if date.contains('T') {
            "date"
        } else {
            "depart_by"
        };
        assert!(
            p[0].message.starts_with(&format!("`{field}`: "))
                && p[0].message.contains("has a time of day"),
            "{p:#?}"
        );
    }
    assert!(scenario::parse_date("2021-10-06T10:00").is_err());
    assert_eq!(
        scenario::parse_date("2021-10-06"),
        Ok(Day::from_ymd(2021, 10, 6).unwrap())
    );
}

#[test]
fn event_ids_are_checked_as_mission_ids_are() {
    for id in ["", "two words", "two\\nlines", "tab\\there"] {
        let p = problems(&file(
            "\"2021-10-01\"",
            &expel(id, "\"2021-10-06\"", "\"2021-10-31\"", ""),
        ));
        assert_eq!(p.len(), 1, "{id}: {p:#?}");
        assert!(
            p[0].message.starts_with("event id `")
                && p[0]
                    .message
                    .ends_with("` must be non-empty, without spaces"),
            "{p:#?}"
        );
    }
    // And in an event file to append to a log.
    let s = loads(&file("\"2021-10-01\"", ""));
    let text = expel("two words", "\"2021-10-06\"", "\"2021-10-31\"", "");
    let p = scenario::parse_events(&text, &s.world, s.start, &[]).unwrap_err();
    assert!(
        p[0].message.contains("must be non-empty, without spaces"),
        "{p:#?}"
    );
}

#[test]
fn strings_longer_than_their_bound_are_refused_at_load() {
    let long_id = "x".repeat(MAX_ID_BYTES + 1);
    let p = problems(&file(
        "\"2021-10-01\"",
        &expel(&long_id, "\"2021-10-06\"", "\"2021-10-31\"", ""),
    ));
    assert!(
        p.iter()
            .any(|p| p.message.starts_with("`event id` is 201 bytes long")),
        "{p:#?}"
    );
    let note = format!("note = \"{}\"", "n".repeat(MAX_NOTE_BYTES + 1));
    let events = expel("a", "\"2021-10-06\"", "\"2021-10-31\"", &note);
    let p = problems(&file("\"2021-10-01\"", &events));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(
        p[0].message,
        format!(
            "`note` is {} bytes long; at most {MAX_NOTE_BYTES} are allowed",
            MAX_NOTE_BYTES + 1
        )
    );
    // The problem points at the start of the note, not at all of it.
    assert_eq!(p[0].span.as_ref().map(|s| s.len()), Some(1));
    // An event file to append is refused the same way, before anything reaches a log.
    let s = loads(&file("\"2021-10-01\"", ""));
    let p = scenario::parse_events(&events, &s.world, s.start, &[]).unwrap_err();
    assert!(p[0].message.starts_with("`note` is"), "{p:?}");
    // At the bound exactly, it loads.
    let note = format!("note = \"{}\"", "n".repeat(MAX_NOTE_BYTES));
    loads(&file(
        "\"2021-10-01\"",
        &expel("a", "\"2021-10-06\"", "\"2021-10-31\"", &note),
    ));
}

fn io_error(path: &Path) -> String {
    match scenario::load(path) {
        Err(LoadError::Io { error, .. }) => error,
        Err(LoadError::Invalid { problems, .. }) => panic!("read and parsed: {problems:?}"),
        Ok(_) => panic!("loaded"),
    }
}

#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = scratch("fifo");
    let fifo = dir.join("scenario.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // Opening a FIFO with no writer would block forever: the loader must not open it.
    let error = io_error(&fifo);
    assert!(error.contains("FIFO"), "{error}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_device_and_a_directory_are_refused() {
    let error = io_error(Path::new("/dev/zero"));
    assert!(
        error.starts_with("not a regular file but a device"),
        "{error}"
    );
    let dir = scratch("dir");
    let error = io_error(&dir);
    assert!(
        error.starts_with("not a regular file but a directory"),
        "{error}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_file_beyond_the_size_bound_is_refused_before_it_is_read() {
    let dir = scratch("big");
    let path = dir.join("big.toml");
    // Sparse: the size is there, the bytes are not written.
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(MAX_FILE_BYTES + 1).unwrap();
    let error = io_error(&path);
    assert_eq!(
        error,
        format!(
            "the file is {} bytes long; at most {MAX_FILE_BYTES} are read",
            MAX_FILE_BYTES + 1
        )
    );
    std::fs::remove_dir_all(dir).unwrap();
}
