//! Exports: a scenario written as TOML loads back to the same scenario and replays to the same
//! digest; JSON lines hold one reviewed object per event.

use crate::golden::expect_file;
use demarche::core::{Body, Kind, Who};
use demarche::export::{self, ExportError};
use demarche::r#gen::{GenConfig, Generated, generate, start_day};
use demarche::run::{Until, run};
use demarche::scenario::{self, EventMeta, Scenario};
use proptest::prelude::*;
use std::path::PathBuf;

const SCENARIOS: [&str; 2] = [
    "scenarios/nato-russia-2021.toml",
    "scenarios/uk-russia-2018.toml",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load(rel: &str) -> Scenario {
    let text = std::fs::read_to_string(root().join(rel)).unwrap();
    scenario::parse(rel, &text).unwrap_or_else(|(_, p)| panic!("{rel} does not load: {p:#?}"))
}

fn reparse(text: &str) -> Scenario {
    scenario::parse("exported.toml", text)
        .unwrap_or_else(|(_, p)| panic!("the export does not load: {p:#?}\n{text}"))
}

/// Everything but the file text and spans.
fn assert_same(a: &Scenario, b: &Scenario) {
    assert_eq!(a.title, b.title);
    assert_eq!(a.summary, b.summary);
    assert_eq!(a.start, b.start);
    assert_eq!(a.end, b.end);
    assert_eq!(a.sources, b.sources);
    assert_eq!(a.world, b.world);
    assert_eq!(a.initial, b.initial);
    assert_eq!(a.events, b.events);
    let text = |m: &[EventMeta]| -> Vec<(String, String, Option<String>, Option<String>)> {
        m.iter()
            .map(|m| {
                (
                    m.id.clone(),
                    m.source.clone(),
                    m.summary.clone(),
                    m.note.clone(),
                )
            })
            .collect()
    };
    assert_eq!(text(&a.meta), text(&b.meta));
}

#[test]
fn committed_scenarios_round_trip_through_toml_and_replay_to_the_same_digest() {
    for rel in SCENARIOS {
        let s = load(rel);
        assert!(
            !s.sources.is_empty(),
            "{rel}: the header's sources are read"
        );
        let text = export::to_toml(&s).unwrap();
        let back = reparse(&text);
        assert_same(&s, &back);
        let a = run(&s, Until::End, false);
        let b = run(&back, Until::End, false);
        assert!(a.problems.is_empty() && b.problems.is_empty());
        assert_eq!(a.accepted(), s.events.len());
        assert_eq!(a.state.digest(), b.state.digest(), "{rel}");
        assert_eq!(
            export::to_toml(&back).unwrap(),
            text,
            "{rel}: exporting the export changes nothing"
        );
    }
}

#[test]
fn the_exported_nato_scenario_reads_like_the_committed_file() {
    let text = export::to_toml(&load(SCENARIOS[0])).unwrap();
    for expected in [
        "[scenario]\ntitle = \"NATO and Russia: from the 2015 staff cap to the suspension of November 2021\"\nsummary = \"\"\"\nNATO caps partner delegations",
        "start = \"2015-04-01\"\nend = \"2021-11-02\"\nsources = [\n  \"DPA wire report",
        "\n[[missions]]\nid = \"ru-mission-nato\"\nname = \"Permanent Mission of the Russian Federation to NATO\"\nkind = \"permanent-mission\"\nsender = \"russia\"\nreceiver = \"nato\"\nterritory = \"belgium\"\ncity = \"Brussels\"\nstaff = 50\n",
        "\n[[events]]\nid = \"nato-expels-8-2021\"\ndate = \"2021-10-06\"\nkind = \"countermeasures\"\nactor = \"nato\"\nnotified = \"2021-10-06\"\nsource = ",
        "\n[[events.measures]]\nkind = \"accreditation-withdrawn\"\nmission = \"ru-mission-nato\"\ncount = 8\ncategory = \"diplomatic\"\ndepart_by = \"2021-10-31\"\n",
        "\n[[events.measures]]\nkind = \"staff-cap-set\"\nmission = \"ru-mission-nato\"\nlimit = 10\neffective = \"2021-10-31\"\n",
        "\n[[events.measures]]\nkind = \"accreditation-withdrawn\"\nmission = \"nato-mlm-moscow\"\nall = true\neffective = \"2021-11-01\"\ndepart_by = \"2021-11-01\"\n",
        "kind = \"statement\"\nactor = \"russia\"\ntarget = \"nato\"\ntone = \"pessimistic\"\nin_response_to = [\"nato-cap-30-2015\"]\n",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(!text.contains("category = \"unspecified\""));
    assert!(!text.contains("tone = \"neutral\""));
}

#[test]
fn a_starting_state_a_scenario_file_cannot_express_is_an_error_not_a_loss() {
    let mut s = load(SCENARIOS[0]);
    s.initial.missions[0].consent_withdrawn = true;
    s.initial.caps.push(demarche::core::state::Cap {
        scope: demarche::core::CapScope::Mission(demarche::core::MissionId(1)),
        limit: 5,
        since: s.start,
        comply_by: Some(s.start.plus(30)),
        set_by: demarche::core::ActorId(0),
        cause: None,
        counts: demarche::core::event::Counts::Sent,
    });
    let err: ExportError = export::to_toml(&s).unwrap_err();
    assert_eq!(err.problems.len(), 2, "{err}");
    assert!(
        err.problems[0].contains("`ru-mission-nato` starts with consent withdrawn"),
        "{err}"
    );
    assert!(
        err.problems[1].contains("`be-embassy-moscow` is still in its compliance period"),
        "{err}"
    );
}

#[test]
fn nato_russia_jsonl_is_the_reviewed_file() {
    let s = load(SCENARIOS[0]);
    let mut out = Vec::new();
    export::to_jsonl(&s, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    expect_file(
        &root().join("tests/golden/export/nato-russia-2021.jsonl"),
        &text,
    );
}

#[test]
fn every_jsonl_line_is_an_event_object_with_the_common_keys() {
    for rel in SCENARIOS {
        let s = load(rel);
        let mut out = Vec::new();
        export::to_jsonl(&s, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), s.events.len(), "{rel}: one line per event");
        for (i, l) in lines.iter().enumerate() {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert_eq!(v, export::event_json(&s, i));
            for key in [
                "seq",
                "id",
                "date",
                "notified",
                "kind",
                "actor",
                "in_response_to",
                "source",
                "summary",
                "note",
                "proposed",
            ] {
                assert!(
                    v.get(key).is_some(),
                    "{rel} line {}: no `{key}`: {l}",
                    i + 1
                );
            }
            assert_eq!(v["seq"], i + 1);
            assert_eq!(v["id"], s.meta[i].id);
            assert_eq!(v["date"], s.events[i].date.to_string());
            assert_eq!(v["kind"], s.events[i].kind().key());
            let is_bundle = v["kind"] == "countermeasures";
            assert_eq!(v.get("measures").is_some(), is_bundle, "{l}");
            if is_bundle {
                for m in v["measures"].as_array().unwrap() {
                    assert!(m["kind"].is_string() && m["effective"].is_string(), "{l}");
                }
            }
        }
    }
}

#[test]
fn a_jsonl_line_carries_the_fields_of_its_kind() {
    let s = load(SCENARIOS[0]);
    let i = s.event_index("nato-cap-30-2015").unwrap();
    assert_eq!(
        export::event_json(&s, i),
        serde_json::json!({
            "seq": 1,
            "id": "nato-cap-30-2015",
            "date": "2015-04-10",
            "notified": null,
            "kind": "staff-cap-set",
            "actor": "nato",
            "in_response_to": [],
            "source": s.meta[i].source,
            "summary": s.meta[i].summary,
            "note": s.meta[i].note,
            "proposed": false,
            "mission": "ru-mission-nato",
            "limit": 30,
            "counts": "sent",
            "effective": "2015-04-10",
            "comply_by": "2016-01-10",
        })
    );
}

/// Pieces of text that are hard to write in TOML.
fn tricky() -> impl Strategy<Value = String> {
    let pieces = vec![
        "a", " ", "\"", "\"\"\"", "\\", "\\n", "\n", "\r\n", "\t", "'", "''' ", "#", "[x]", "=",
        "é", "漢字", "🙂", "\u{1}", "\u{7f}", "\u{feff}", "$", "{", "}",
    ];
    prop::collection::vec(prop::sample::select(pieces), 0..8).prop_map(|v| v.concat())
}

fn texts() -> impl Strategy<Value = (String, Vec<String>, Vec<String>)> {
    (
        tricky(),
        prop::collection::vec(tricky(), 0..4),
        prop::collection::vec(tricky(), 8),
    )
}

/// A scenario value from a generated log, with synthetic ids and awkward texts.
fn scenario_of(g: Generated, title: String, sources: Vec<String>, notes: &[String]) -> Scenario {
    let meta = (0..g.events.len())
        .map(|i| EventMeta {
            id: format!("ev-{i}-{}", ["\"q\"", "é", "\\", "x"][i % 4]),
            span: 0..0,
            source: format!("source {i}: {}", notes[i % notes.len()]),
            summary: (i % 3 == 0).then(|| notes[(i + 1) % notes.len()].clone()),
            note: (i % 2 == 0).then(|| notes[(i + 2) % notes.len()].clone()),
        })
        .collect();
    let end = g.events.last().map(|e| e.date.plus(10));
    Scenario {
        name: "generated".into(),
        text: String::new(),
        title: format!("Generated {title}"),
        summary: Some(notes[0].clone()),
        start: start_day(),
        end,
        sources,
        world: g.world,
        initial: g.initial,
        events: g.events,
        meta,
    }
}

/// Forgets what the generator records but a scenario file cannot say: the mission a statement,
/// protest or demand is about (the export refuses it; see the test below).
fn without_signal_missions(mut s: Scenario) -> Scenario {
    for e in &mut s.events {
        if let Body::Signal { kind, mission, .. } = &mut e.body
            && *kind != Kind::AmbassadorSummoned
        {
            *mission = None;
        }
    }
    s
}

#[test]
fn a_statement_about_a_mission_is_an_error_in_toml_and_kept_in_json() {
    let mut s = load(SCENARIOS[0]);
    let i = s.event_index("ru-reacts-cap-2015").unwrap();
    let Body::Signal { mission, .. } = &mut s.events[i].body else {
        panic!("a statement");
    };
    *mission = s.world.mission_by_key("ru-mission-nato");
    let err = export::to_toml(&s).unwrap_err();
    assert_eq!(
        err.problems,
        vec![
            "event `ru-reacts-cap-2015` (statement) is about mission `ru-mission-nato`; in a scenario file only ambassador-summoned names a mission"
        ]
    );
    assert_eq!(export::event_json(&s, i)["mission"], "ru-mission-nato");
    let j = s.event_index("nato-not-notified-2021").unwrap();
    assert_eq!(
        export::event_json(&s, j)["mission"],
        serde_json::Value::Null
    );
}

/// The loader keeps named persons in id order; so does the export.
fn sorted_names(mut s: Scenario) -> Scenario {
    for e in &mut s.events {
        if let Body::Measures { measures, .. } = &mut e.body {
            for m in measures {
                use demarche::core::Action::*;
                match &mut m.action {
                    AccreditationGranted { who, .. }
                    | AccreditationWithdrawn { who, .. }
                    | PersonaNonGrata { who, .. }
                    | DepartureRequired { who, .. }
                    | StaffRecalled { who, .. }
                    | StaffDeparted { who, .. }
                    | StaffMoved { who, .. } => {
                        if let Who::Named(ps) = who {
                            ps.sort();
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    s
}

proptest! {
    #![proptest_config(crate::seeded::config(32))]

    #[test]
    fn generated_logs_round_trip_through_toml(
        seed in any::<u64>(),
        actors in 2usize..10,
        missions in 0usize..25,
        events in 1usize..120,
        (title, sources, notes) in texts(),
    ) {
        let g = generate(&GenConfig { seed, actors, missions, events });
        let s = without_signal_missions(scenario_of(g, title, sources, &notes));
        let text = export::to_toml(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = scenario::parse("exported.toml", &text)
            .map_err(|(_, p)| TestCaseError::fail(format!("{p:#?}\n{text}")))?;
        let s = sorted_names(s);
        assert_same(&s, &back);
        let a = run(&s, Until::End, false);
        let b = run(&back, Until::End, false);
        prop_assert!(a.problems.is_empty() && b.problems.is_empty(), "{:#?}", b.problems);
        prop_assert_eq!(a.state.digest(), b.state.digest());
        prop_assert_eq!(export::to_toml(&back).unwrap(), text);
    }
}
