//! `demarche fit`: given/when/then on small scenarios, and the reviewed fit of the committed
//! episodes (tests/golden/fit/), regenerated with `UPDATE_EXPECT=1`.

use crate::cli::{demarche, stderr};
use crate::golden::{expect_file, root};
use crate::policies::scenario;
use demarche::scenario::Scenario;
use demarche::whatif::Respond;
use demarche::whatif::fit::{self, Fit, Options};

/// South closes north's consulate on 1 February, from 4 February, its staff to leave by
/// 3 March; north's recorded answer, three days later, is `answer` (an `[[events]]` table).
fn episode(answer: &str) -> Scenario {
    scenario(&format!(
        r#"
[[events]]
id = "south-closes-consulate"
date = "2030-02-01"
kind = "consent-withdrawn"
actor = "south"
mission = "north-consulate"
effective = "2030-02-04"
depart_by = "2030-03-03"
source = "test"
{answer}
"#
    ))
}

fn fit_one<'s>(s: &'s Scenario, o: &Options) -> Fit<'s> {
    fit::fit(&[("episode.toml".to_string(), s)], o)
}

/// The verdict word of each policy on the only answer.
fn words(f: &Fit) -> Vec<(String, String)> {
    assert_eq!(f.answers.len(), 1, "{:#?}", f.answers);
    f.answers[0]
        .verdicts
        .iter()
        .map(|v| (v.respond.name(), v.short()))
        .collect()
}

fn word<'a>(w: &'a [(String, String)], policy: &str) -> &'a str {
    &w.iter().find(|(p, _)| p == policy).unwrap().1
}

const IN_KIND: &str = r#"
[[events]]
id = "north-closes-consulate"
date = "2030-02-04"
kind = "consent-withdrawn"
actor = "north"
mission = "south-consulate"
effective = "2030-02-07"
depart_by = "2030-03-06"
in_response_to = ["south-closes-consulate"]
source = "test"
"#;

#[test]
fn given_a_closure_answered_in_kind_then_reciprocal_reproduces_it_and_best_explains_north() {
    let s = episode(IN_KIND);
    let f = fit_one(&s, &Options::default());
    let w = words(&f);
    assert_eq!(word(&w, "reciprocal"), "match");
    assert_eq!(word(&w, "proportional(0.5)"), "match");
    // Escalating adds a rung; parity caps instead; absorbing says words.
    assert_eq!(word(&w, "escalate"), "kind");
    assert_eq!(word(&w, "parity"), "kind");
    assert_eq!(word(&w, "absorb"), "kind");
    let actors = f.actors();
    assert_eq!(actors.len(), 1);
    assert_eq!(actors[0].actor, "north");
    assert_eq!(actors[0].best, Some(0), "reciprocal, the first of equals");
    let why = f.answers[0].verdicts[4].why.as_deref().unwrap();
    assert!(
        why.starts_with(
            "kind: recorded consent-withdrawn (consulate), drafted consent-withdrawn (consulate) + "
        ),
        "{why}"
    );
}

#[test]
fn given_a_later_deadline_then_timing_fails_within_the_tolerance_and_passes_beyond_it() {
    // North gives south's consulate 20 more days than it was given itself.
    let s = episode(&IN_KIND.replace("2030-03-06", "2030-03-26"));
    let f = fit_one(&s, &Options::default());
    let v = &f.answers[0].verdicts[0];
    assert_eq!(v.short(), "timing");
    assert!((v.kind, v.post, v.count, v.timing) == (true, true, true, false));
    assert_eq!(
        v.why.as_deref(),
        Some("timing: consent-withdrawn deadline 2030-03-06, recorded 2030-03-26")
    );
    let wide = Options {
        days: 20,
        ..Options::default()
    };
    assert_eq!(fit_one(&s, &wide).answers[0].verdicts[0].short(), "match");
}

const TRIGGER_3: &str = r#"
[[events]]
id = "south-expels-three"
date = "2030-02-10"
kind = "persona-non-grata"
actor = "south"
mission = "north-embassy"
count = 3
depart_by = "2030-02-17"
source = "test"
"#;

fn expels(count: u32, mission: &str) -> String {
    format!(
        r#"{TRIGGER_3}
[[events]]
id = "north-expels"
date = "2030-02-12"
kind = "persona-non-grata"
actor = "north"
mission = "{mission}"
count = {count}
depart_by = "2030-02-19"
in_response_to = ["south-expels-three"]
source = "test"

[[events]]
id = "north-staff-leave"
date = "2030-02-15"
kind = "staff-departed"
actor = "north"
mission = "north-embassy"
count = 3
in_response_to = ["south-expels-three"]
source = "test"
"#
    )
}

#[test]
fn given_twice_as_many_expelled_then_counts_decide_between_policies() {
    let s = scenario(&expels(6, "south-embassy"));
    let o = Options::default();
    let f = fit_one(&s, &o);
    // Only the expulsion is an answer: the departure is not one.
    let w = words(&f);
    assert_eq!(word(&w, "reciprocal"), "count");
    assert_eq!(word(&w, "proportional(2)"), "match");
    // Escalating expels half as many again (5): within 25% of 6 (2 either way, rounded).
    assert_eq!(word(&w, "escalate"), "match");
    let why = f.answers[0].verdicts[0].why.as_deref().unwrap();
    assert_eq!(why, "count: persona-non-grata of 3, recorded 6");
    // With counts matching within half, 3 for 6 is close enough.
    let loose = Options {
        count_tolerance: 0.5,
        ..o
    };
    assert_eq!(fit_one(&s, &loose).answers[0].verdicts[0].short(), "match");
}

#[test]
fn given_an_expulsion_answered_on_a_consulate_then_the_post_differs() {
    let s = scenario(&expels(3, "south-consulate"));
    let f = fit_one(&s, &Options::default());
    let v = &f.answers[0].verdicts[0];
    assert_eq!(v.short(), "post");
    assert_eq!(
        v.why.as_deref(),
        Some("post: persona-non-grata on embassy, recorded on consulate")
    );
}

#[test]
fn given_a_fixed_delay_then_the_answer_date_is_compared_too() {
    let s = scenario(&expels(3, "south-embassy"));
    let o = Options {
        delay: Some(20),
        policies: vec![Respond::Reciprocal],
        ..Options::default()
    };
    let f = fit_one(&s, &o);
    let v = &f.answers[0].verdicts[0];
    assert_eq!(v.short(), "timing");
    assert!(
        v.why
            .as_deref()
            .unwrap()
            .starts_with("timing: answered on 2030-03-02, recorded on 2030-02-12"),
        "{:?}",
        v.why
    );
}

#[test]
fn the_same_fit_twice_is_the_same_report() {
    let s = scenario(&expels(6, "south-embassy"));
    let a = fit_one(&s, &Options::default());
    let b = fit_one(&s, &Options::default());
    assert_eq!(a.text(), b.text());
    assert_eq!(a.json(), b.json());
}

const EPISODES: [&str; 7] = [
    "scenarios/china-lithuania-2021.toml",
    "scenarios/estonia-russia-2023.toml",
    "scenarios/india-canada-2023.toml",
    "scenarios/nato-russia-2021.toml",
    "scenarios/uk-russia-2018.toml",
    "scenarios/us-china-2020.toml",
    "scenarios/us-russia-2021.toml",
];

#[test]
fn fit_of_the_episodes_is_the_reviewed_one() {
    let mut args = vec!["fit"];
    args.extend(EPISODES);
    let o = demarche(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    expect_file(&root().join("tests/golden/fit/episodes.txt"), &text);
}

#[test]
fn fit_json_says_per_answer_and_policy_what_was_drafted_and_why_not() {
    let mut args = vec!["fit"];
    args.extend(EPISODES);
    args.extend(["--format", "json"]);
    let o = demarche(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["tolerance"],
        serde_json::json!({"count": 0.25, "days": 7})
    );
    let files = v["scenarios"].as_array().unwrap();
    assert_eq!(files.len(), 7);
    let us = &files[5];
    assert_eq!(us["file"], "scenarios/us-china-2020.toml");
    let chengdu = us["answers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "cn-closes-chengdu")
        .unwrap();
    assert_eq!(chengdu["answers"]["id"], "us-closes-houston");
    assert_eq!(chengdu["delay"], 3);
    let rec = &chengdu["policies"][0];
    assert_eq!(rec["policy"], "reciprocal");
    assert_eq!(rec["match"], true);
    let m = &rec["drafted"]["measures"][0];
    assert_eq!(m["kind"], "consent-withdrawn");
    assert_eq!(m["mission"], "us-consulate-chengdu");
    assert_eq!(m["effective"], "2020-07-27");
    assert_eq!(m["depart_by"], "2020-08-23");
    let absorb = &chengdu["policies"][5];
    assert_eq!(absorb["match"], false);
    assert_eq!(
        absorb["why"],
        "kind: recorded consent-withdrawn (consulate), drafted statement"
    );
    // Per actor, the share each policy reproduces and the best.
    let china = v["actors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["actor"] == "china")
        .unwrap();
    assert_eq!(china["best"]["policy"], "reciprocal");
}

#[test]
fn fit_help_examples_run_and_bad_flags_are_usage_errors() {
    let o = demarche(&["fit", "--help"]);
    let help = String::from_utf8(o.stdout).unwrap();
    let (_, examples) = help.split_once("\nExamples:\n").unwrap();
    let mut n = 0;
    for line in examples.lines() {
        let args: Vec<&str> = line.split_whitespace().skip(1).collect();
        let o = demarche(&args);
        assert_eq!(o.status.code(), Some(0), "{line}: {}", stderr(&o));
        n += 1;
    }
    assert!(n >= 3);
    let o = demarche(&[
        "fit",
        "scenarios/uk-russia-2018.toml",
        "--policies",
        "retaliate",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`retaliate` is not a response"),
        "{}",
        stderr(&o)
    );
    let o = demarche(&["fit", "scenarios/uk-russia-2018.toml", "--delay", "99999"]);
    assert_eq!(o.status.code(), Some(2));
    let o = demarche(&["fit", "no-such-file.toml"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn the_fit_shown_in_the_docs_is_the_reviewed_one() {
    let doc = std::fs::read_to_string(root().join("docs/counterfactuals.md")).unwrap();
    let (_, rest) = doc.split_once("<!-- fit: ").unwrap();
    let (rel, rest) = rest.split_once(" -->").unwrap();
    let sample = rest
        .split("```text")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let golden = std::fs::read_to_string(root().join(rel)).unwrap();
    let mut n = 0;
    for line in sample.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            golden.lines().any(|l| l == line),
            "docs/counterfactuals.md line not in {rel}: {line:?}"
        );
        n += 1;
    }
    assert!(n >= 10, "only {n} lines checked");
}

/// Each committed episode ends with what `demarche fit` measures of it: per recorded answer,
/// the policies that reproduce it. The note must say what the command says today.
#[test]
fn every_episode_states_the_policies_that_reproduce_its_answers() {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 6);
    for path in files {
        let rel = format!("scenarios/{}", path.file_name().unwrap().to_str().unwrap());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(&format!(
                "# Policy fit, as measured by `demarche fit {rel}`"
            )),
            "{rel} does not state its policy fit"
        );
        let o = demarche(&["fit", &rel, "--format", "json"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        for answer in v["scenarios"][0]["answers"].as_array().unwrap() {
            let ok: Vec<&str> = answer["policies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["match"] == true)
                .map(|p| p["policy"].as_str().unwrap())
                .collect();
            let line = format!(
                "#   {} ({}, answering {}): {}",
                answer["id"].as_str().unwrap(),
                answer["actor"].as_str().unwrap(),
                answer["answers"]["id"].as_str().unwrap(),
                if ok.is_empty() {
                    "no policy".to_string()
                } else {
                    ok.join(", ")
                }
            );
            assert!(text.contains(&line), "{rel} lacks the line: {line}");
        }
    }
}
