//! docs/rules.md: a section for every rule R1 to R13 (and every rule `Reason::rule()` names),
//! the codes each section lists are exactly those whose rule names it, and every example runs
//! as its first line says.

use crate::golden::root;
use demarche::core::Reason;
use demarche::run::{Until, run};
use demarche::scenario;
use std::collections::BTreeSet;

fn doc() -> String {
    std::fs::read_to_string(root().join("docs/rules.md")).unwrap()
}

/// The rules `R<n>` a rule text names.
fn named(rule: &str) -> Vec<u32> {
    rule.split_whitespace()
        .filter_map(|w| w.strip_prefix('R')?.parse().ok())
        .collect()
}

/// The text of the section `## R<n>:`, up to the next heading.
fn section(doc: &str, n: u32) -> Option<&str> {
    let head = format!("\n## R{n}:");
    let start = doc.find(&head)? + 1;
    let rest = &doc[start..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    Some(&rest[..end])
}

#[test]
fn every_rule_named_by_a_rejection_has_a_section_and_so_do_r1_to_r13() {
    let doc = doc();
    let mut rules: BTreeSet<u32> = Reason::CODES.iter().flat_map(|c| named(c.rule)).collect();
    assert!(!rules.is_empty());
    rules.extend(1..=13);
    for n in rules {
        assert!(
            section(&doc, n).is_some(),
            "docs/rules.md has no section `## R{n}:`"
        );
    }
}

#[test]
fn each_section_lists_the_codes_that_enforce_it() {
    let doc = doc();
    for n in 1..=13 {
        let s = section(&doc, n).unwrap();
        let line = s
            .lines()
            .find(|l| l.starts_with("Codes:"))
            .unwrap_or_else(|| panic!("R{n}: no `Codes:` line"));
        let listed: BTreeSet<String> = line
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| w.len() == 4 && w.starts_with('E'))
            .map(String::from)
            .collect();
        let own: BTreeSet<String> = Reason::CODES
            .iter()
            .filter(|c| named(c.rule).contains(&n))
            .map(|c| format!("E{:03}", c.code))
            .collect();
        // A section may point at a code enforcing a related rule, after "none of its own".
        if line.starts_with("Codes: none") {
            assert!(own.is_empty(), "R{n}: says none, but {own:?} name it");
        } else {
            assert_eq!(
                listed, own,
                "R{n}: the codes listed differ from Reason::CODES"
            );
        }
    }
}

#[test]
fn every_example_runs_as_it_says() {
    let doc = doc();
    let (_, after) = doc.split_once("<!-- cast -->\n```toml\n").unwrap();
    let (cast, _) = after.split_once("```").unwrap();
    let mut checked = 0;
    for n in 1..=13 {
        let s = section(&doc, n).unwrap();
        let (_, block) = s
            .split_once("```toml\n")
            .unwrap_or_else(|| panic!("R{n}: no example"));
        let (example, _) = block.split_once("```").unwrap();
        let expect = example
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("R{n}: the example does not start with `# expect:`"));
        let text = format!("{cast}\n{example}");
        let s = scenario::parse(&format!("docs/rules.md R{n}"), &text)
            .unwrap_or_else(|(_, p)| panic!("R{n}: the example does not load: {p:#?}"));
        let problems = run(&s, Until::End, true).problems;
        match expect.split_once(' ') {
            None => {
                assert_eq!(expect, "accepted", "R{n}");
                assert!(
                    problems.is_empty(),
                    "R{n}: the example is rejected: {problems:#?}"
                );
            }
            Some((code, event)) => {
                assert!(
                    problems
                        .iter()
                        .any(|p| p.code == code && p.event.as_deref() == Some(event)),
                    "R{n}: expected {code} on {event}, got {problems:#?}"
                );
                let rule = Reason::CODES
                    .iter()
                    .find(|c| format!("E{:03}", c.code) == code)
                    .unwrap()
                    .rule;
                assert!(named(rule).contains(&n), "R{n}: {code} enforces {rule}");
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 13);
}
