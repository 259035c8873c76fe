//! Golden tests: every scenario replays to reviewed output, and every broken file in
//! scenarios/invalid/ produces exactly the errors in its `.expected` file.
//!
//! Regenerate expectations with `UPDATE_EXPECT=1 cargo test`, then review the diff.

use demarche::report;
use demarche::run::{Until, run};
use demarche::scenario::{self, Scenario, line_col};
use std::path::{Path, PathBuf};

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compares `actual` with the file at `path`, or writes it when UPDATE_EXPECT is set.
pub(crate) fn expect_file(path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|_| panic!("{} is missing; run with UPDATE_EXPECT=1", path.display()));
    assert!(
        expected == actual,
        "{} differs from the output (rerun with UPDATE_EXPECT=1 and review the diff)\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

fn load(rel: &str) -> Scenario {
    let path = root().join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    scenario::parse(rel, &text).unwrap_or_else(|(_, p)| panic!("{rel} does not load: {p:#?}"))
}

/// The problems of a file, one line each: code, line:column, event, message; then the help,
/// if any, indented on the next line.
fn problem_lines(rel: &str) -> String {
    let text = std::fs::read_to_string(root().join(rel)).unwrap();
    let problems = match scenario::parse(rel, &text) {
        Err((_, problems)) => problems,
        Ok(s) => run(&s, Until::End, true).problems,
    };
    problems
        .iter()
        .map(|p| {
            let (l, c) = p.span.as_ref().map_or((0, 0), |r| line_col(&text, r.start));
            let event = p.event.as_deref().unwrap_or("-");
            let help = p
                .help
                .as_deref()
                .map(|h| format!("    help: {h}\n"))
                .unwrap_or_default();
            format!("{} {l}:{c} {event}: {}\n{help}", p.code, p.message)
        })
        .collect()
}

#[test]
fn every_invalid_scenario_produces_its_expected_errors() {
    let dir = root().join("scenarios/invalid");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let rel = format!(
                "scenarios/invalid/{}",
                path.file_name().unwrap().to_string_lossy()
            );
            let lines = problem_lines(&rel);
            assert!(
                !lines.is_empty(),
                "{rel} is meant to be invalid but has no problem"
            );
            expect_file(&path.with_extension("expected"), &lines);
            n += 1;
        }
    }
    assert!(n >= 5, "only {n} invalid scenarios found");
}

#[test]
fn every_scenario_validates_and_replays_to_its_reviewed_timeline() {
    let mut n = 0;
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let rel = format!("scenarios/{}", path.file_name().unwrap().to_string_lossy());
            let s = load(&rel);
            let r = run(&s, Until::End, true);
            assert!(r.problems.is_empty(), "{rel}: {:#?}", r.problems);
            assert_eq!(
                r.accepted(),
                s.events.len(),
                "{rel}: every event is accepted"
            );
            let stem = path.file_stem().unwrap().to_string_lossy().to_string();
            expect_file(
                &root().join(format!("tests/golden/{stem}.txt")),
                &report::run_text(&s, &r),
            );
            n += 1;
        }
    }
    assert!(n >= 6, "only {n} scenarios found");
}

fn state_at(s: &Scenario, date: &str) -> serde_json::Value {
    let r = run(s, Until::Date(scenario::parse_date(date).unwrap()), false);
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    report::state_json(s, &r)
}

fn mission<'a>(state: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    state["missions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap()
}

#[test]
fn nato_russia_on_7_october_2021_the_mission_has_10_in_post_and_a_cap_of_10_pending() {
    let s = load("scenarios/nato-russia-2021.toml");
    let st = state_at(&s, "2021-10-07");
    let m = mission(&st, "ru-mission-nato");
    assert_eq!(m["status"], "active");
    assert_eq!(m["headcount"], 10);
    assert_eq!(m["vacant"], 0);
    assert_eq!(
        m["cap"], 20,
        "the cap of 10 takes effect at the end of October"
    );
    assert_eq!(m["leaving"][0]["count"], 8);
    assert_eq!(m["leaving"][0]["deadline"], "2021-10-31");
    let pending = st["pending"].as_array().unwrap();
    assert!(
        pending
            .iter()
            .any(|p| p["what"] == "staff-cap-set ru-mission-nato" && p["day"] == "2021-10-31"),
        "{pending:#?}"
    );
}

#[test]
fn nato_russia_before_6_october_2021_the_mission_has_18_in_post_2_vacant_and_a_cap_of_20() {
    let s = load("scenarios/nato-russia-2021.toml");
    let i = s.event_index("ru-mission-size-2021").unwrap();
    let r = run(&s, Until::Event(i), false);
    let st = report::state_json(&s, &r);
    let m = mission(&st, "ru-mission-nato");
    assert_eq!(
        (
            m["headcount"].as_u64(),
            m["vacant"].as_u64(),
            m["cap"].as_u64()
        ),
        (Some(18), Some(2), Some(20))
    );
}

#[test]
fn nato_russia_on_2_november_2021_the_mission_is_suspended_and_nato_offices_closed() {
    let s = load("scenarios/nato-russia-2021.toml");
    let st = state_at(&s, "2021-11-02");
    let ru = mission(&st, "ru-mission-nato");
    assert_eq!(ru["status"], "suspended");
    assert_eq!(ru["headcount"], 0);
    assert_eq!(ru["premises"], "protected");
    for id in ["nato-mlm-moscow", "nato-info-office-moscow"] {
        let m = mission(&st, id);
        assert_eq!(m["status"], "closed", "{id}");
        assert_eq!(m["headcount"], 0, "{id}");
        assert_eq!(m["consent_withdrawn"], true, "{id}");
    }
    let channels = st["channels"].as_array().unwrap();
    let open: Vec<_> = channels
        .iter()
        .filter(|c| {
            c["open"] == true && c["between"].as_array().unwrap().iter().any(|a| a == "nato")
        })
        .collect();
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(open[0]["kind"], "designated");
    assert_eq!(open[0]["via"], "ru-embassy-belgium");
    assert!(st["pending"].as_array().unwrap().is_empty());
}

#[test]
fn nato_russia_2015_cap_leaves_30_after_its_compliance_date() {
    let s = load("scenarios/nato-russia-2021.toml");
    let over = state_at(&s, "2016-01-10");
    assert_eq!(mission(&over, "ru-mission-nato")["status"], "over-cap");
    assert_eq!(mission(&over, "ru-mission-nato")["headcount"], 50);
    let after = state_at(&s, "2016-01-11");
    assert_eq!(mission(&after, "ru-mission-nato")["status"], "active");
    assert_eq!(mission(&after, "ru-mission-nato")["headcount"], 30);
}

#[test]
fn us_china_2020_houston_closes_on_24_july_and_is_entered_while_chengdu_still_works() {
    let s = load("scenarios/us-china-2020.toml");
    let st = state_at(&s, "2020-07-24");
    let houston = mission(&st, "cn-consulate-houston");
    assert_eq!(houston["status"], "closed");
    assert_eq!(houston["consent_withdrawn"], true);
    assert_eq!(houston["premises"], "seized");
    let chengdu = mission(&st, "us-consulate-chengdu");
    assert_eq!(chengdu["status"], "active");
    assert_eq!(chengdu["headcount"], 50);
    let pending = st["pending"].as_array().unwrap();
    assert!(
        pending.iter().any(|p| p["event"] == "cn-closes-chengdu"
            && p["day"] == "2020-07-27"
            && p["notified"] == true),
        "{pending:#?}"
    );
}

#[test]
fn us_china_2020_chengdu_closes_on_27_july_taken_over_with_its_staff_given_30_days() {
    let s = load("scenarios/us-china-2020.toml");
    let st = state_at(&s, "2020-07-27");
    let chengdu = mission(&st, "us-consulate-chengdu");
    assert_eq!(chengdu["status"], "closed");
    assert_eq!(chengdu["consent_withdrawn"], true);
    assert_eq!(chengdu["premises"], "seized");
    assert_eq!(chengdu["headcount"], 0);
    assert_eq!(chengdu["leaving"][0]["count"], 50);
    assert_eq!(chengdu["leaving"][0]["deadline"], "2020-08-23");
    let end = state_at(&s, "2020-08-24");
    for id in ["cn-consulate-houston", "us-consulate-chengdu"] {
        let m = mission(&end, id);
        assert_eq!(m["status"], "closed", "{id}");
        assert_eq!(m["premises"], "seized", "{id}");
        assert_eq!(m["leaving"].as_array().unwrap().len(), 0, "{id}");
    }
    assert!(end["pending"].as_array().unwrap().is_empty());
}

#[test]
fn india_canada_2023_one_expulsion_each_leaves_62_and_21() {
    let s = load("scenarios/india-canada-2023.toml");
    let st = state_at(&s, "2023-09-25");
    assert_eq!(mission(&st, "in-hc-ottawa")["headcount"], 21);
    assert_eq!(
        mission(&st, "in-hc-ottawa")["leaving"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(mission(&st, "ca-hc-new-delhi")["headcount"], 62);
    assert_eq!(
        mission(&st, "ca-hc-new-delhi")["leaving"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn india_canada_2023_parity_cap_of_21_on_every_canadian_post_and_canada_complies() {
    let s = load("scenarios/india-canada-2023.toml");
    let over = state_at(&s, "2023-10-04");
    let ca = mission(&over, "ca-hc-new-delhi");
    assert_eq!(ca["status"], "over-cap");
    assert_eq!(ca["headcount"], 62);
    assert_eq!(ca["cap"], 21);
    assert_eq!(ca["cap_scope"], "all posts of canada in india");
    assert_eq!(over["caps"][0]["comply_by"], "2023-10-19");
    let end = state_at(&s, "2023-10-21");
    let ca = mission(&end, "ca-hc-new-delhi");
    assert_eq!(ca["status"], "active");
    assert_eq!(ca["headcount"], 21);
    assert_eq!(
        ca["vacant"], 0,
        "the cap leaves no room for the posts of the 41 withdrawn: they are abolished"
    );
    assert_eq!(
        mission(&end, "in-hc-ottawa")["headcount"],
        ca["headcount"],
        "parity"
    );
    assert_eq!(end["caps"][0]["covered_headcount"], 21);
    assert!(
        end["relations"].as_array().unwrap().is_empty(),
        "relations were never broken"
    );
    assert!(end["pending"].as_array().unwrap().is_empty());
}

#[test]
fn china_lithuania_2021_ambassadors_recalled_then_lithuania_empties_its_embassy() {
    let s = load("scenarios/china-lithuania-2021.toml");
    let autumn = state_at(&s, "2021-09-04");
    assert_eq!(mission(&autumn, "cn-embassy-vilnius")["headcount"], 0);
    let lt = mission(&autumn, "lt-embassy-beijing");
    assert_eq!(lt["headcount"], 5);
    assert_eq!(lt["staff"]["diplomatic"], 4);
    assert_eq!(lt["staff"]["administrative-technical"], 1);
    assert_eq!(mission(&autumn, "tw-office-vilnius")["status"], "not-open");
    let end = state_at(&s, "2021-12-17");
    assert_eq!(mission(&end, "tw-office-vilnius")["status"], "active");
    let lt = mission(&end, "lt-embassy-beijing");
    assert_eq!(
        lt["status"], "active",
        "run remotely, neither suspended nor closed"
    );
    assert_eq!(lt["headcount"], 0);
    assert_eq!(lt["vacant"], 6);
    assert!(end["relations"].as_array().unwrap().is_empty());
}

#[test]
fn estonia_russia_2023_caps_of_8_and_15_then_ambassadors_leave_on_7_february() {
    let s = load("scenarios/estonia-russia-2023.toml");
    let over = state_at(&s, "2023-01-12");
    let ru = mission(&over, "ru-embassy-tallinn");
    assert_eq!(ru["status"], "over-cap");
    assert_eq!(ru["headcount"], 44);
    // Two caps, one per category: no cap on all staff sent.
    assert_eq!(ru["cap"], serde_json::Value::Null);
    let caps: Vec<(u64, &str)> = over["caps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["limit"].as_u64().unwrap(), c["counts"].as_str().unwrap()))
        .collect();
    assert_eq!(caps, [(8, "diplomatic"), (15, "administrative-technical")]);
    let feb1 = state_at(&s, "2023-02-01");
    let ru = mission(&feb1, "ru-embassy-tallinn");
    assert_eq!(ru["status"], "active");
    assert_eq!(ru["staff"]["diplomatic"], 7);
    assert_eq!(ru["staff"]["administrative-technical"], 15);
    assert_eq!(ru["leaving"][0]["count"], 1);
    assert_eq!(ru["leaving"][0]["deadline"], "2023-02-07");
    assert_eq!(
        ru["vacant"], 21,
        "a vacant post has no category: caps on one category abolish none of the 21 vacated"
    );
    let ee = mission(&feb1, "ee-embassy-moscow");
    assert_eq!(ee["leaving"][0]["count"], 1);
    assert_eq!(ee["leaving"][0]["deadline"], "2023-02-07");
    let feb8 = state_at(&s, "2023-02-08");
    for id in ["ru-embassy-tallinn", "ee-embassy-moscow"] {
        assert_eq!(
            mission(&feb8, id)["leaving"].as_array().unwrap().len(),
            0,
            "{id}: both ambassadors left on 7 February"
        );
    }
    assert_eq!(mission(&feb8, "ee-embassy-moscow")["headcount"], 5);
    let end = state_at(&s, "2023-03-20");
    let ru = mission(&end, "ru-embassy-tallinn");
    assert_eq!(ru["staff"]["diplomatic"], 8);
    assert_eq!(ru["staff"]["administrative-technical"], 15);
    assert_eq!(ru["status"], "active", "within both caps");
    assert_eq!(ru["locally_employed"], 4);
    assert_eq!(end["caps"].as_array().unwrap().len(), 2);
}

#[test]
fn replay_digest_is_stable_across_runs_and_prefixes() {
    let s = load("scenarios/nato-russia-2021.toml");
    let a = run(&s, Until::End, false).state.digest();
    let b = run(&s, Until::End, false).state.digest();
    assert_eq!(a, b);
    let mid = run(
        &s,
        Until::Date(scenario::parse_date("2021-10-07").unwrap()),
        false,
    )
    .state
    .digest();
    assert_ne!(a, mid);
}

#[test]
fn events_doc_is_in_step_with_the_catalogue() {
    let path = root().join("docs/events.md");
    expect_file(&path, &report::catalogue_markdown());
}

#[test]
fn readme_sample_output_is_what_replay_prints() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let sample = readme
        .split("```text")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let s = load("scenarios/nato-russia-2021.toml");
    let out = report::run_text(&s, &run(&s, Until::End, false));
    let mut checked = 0;
    for line in sample
        .lines()
        .filter(|l| !l.trim().is_empty() && l.trim() != "...")
    {
        assert!(
            out.lines().any(|l| l == line),
            "README line not in replay output: {line:?}"
        );
        checked += 1;
    }
    assert!(checked > 10, "the README sample is too short to check");
}

#[test]
fn departure_required_and_cap_lifted_are_written_as_documented() {
    let text = r#"
[scenario]
title = "US and Russia's mission to the UN"
start = "2022-02-01"

[[actors]]
id = "usa"
name = "United States"
kind = "state"

[[actors]]
id = "russia"
name = "Russian Federation"
kind = "state"

[[actors]]
id = "un"
name = "United Nations"
kind = "organisation"

[[missions]]
id = "ru-mission-un"
name = "Permanent Mission of Russia to the UN"
kind = "permanent-mission"
sender = "russia"
receiver = "un"
territory = "usa"
city = "New York"
staff = 40

[[events]]
id = "un-cap"
date = "2022-02-10"
kind = "staff-cap-set"
actor = "un"
mission = "ru-mission-un"
limit = 30
comply_by = "2022-03-31"
source = "constructed for this test"

[[events]]
id = "us-requires-12"
date = "2022-02-28"
kind = "departure-required"
actor = "usa"
mission = "ru-mission-un"
count = 12
category = "diplomatic"
depart_by = "2022-03-07"
source = "constructed for this test"

[[events]]
id = "un-lifts-cap"
date = "2022-03-01"
kind = "cap-lifted"
actor = "un"
mission = "ru-mission-un"
source = "constructed for this test"
"#;
    let s = scenario::parse("inline.toml", text).unwrap_or_else(|(_, p)| panic!("{p:#?}"));
    let r = run(
        &s,
        Until::Date(scenario::parse_date("2022-04-01").unwrap()),
        false,
    );
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    let st = report::state_json(&s, &r);
    let m = mission(&st, "ru-mission-un");
    assert_eq!(m["headcount"], 28);
    assert_eq!(m["cap"], serde_json::Value::Null);
    assert_eq!(m["status"], "active");
}
