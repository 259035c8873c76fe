//! Counterfactual branches: the three branch files of the founding example replay to reviewed
//! output, an unedited branch is the base, pruning follows `in_response_to`, each policy answers
//! as documented, and seeded runs and sweeps are reproducible.
//!
//! Regenerate the goldens with `UPDATE_EXPECT=1 cargo test`, then review the diff.

use crate::golden::{expect_file, root};
use demarche::core::event::Body;
use demarche::core::{Engine, Kind, Status};
use demarche::scenario::Scenario;
use demarche::whatif::compare::{Comparison, facts};
use demarche::whatif::{self, Branch, Input, Outcome, Policy, Prepared, Respond, sweep};

fn founding() -> Scenario {
    whatif::load_base(&root().join("scenarios/nato-russia-2021.toml")).unwrap()
}

/// Loads a branch file and its base.
fn branch_file(rel: &str) -> (Box<whatif::file::BranchFile>, Scenario) {
    match whatif::load_input(&root().join(rel)) {
        Ok(Input::Branch(bf, base)) => (bf, base),
        Ok(Input::Base(_)) => panic!("{rel} is not a branch file"),
        Err(e) => panic!("{rel} does not load: {e:?}"),
    }
}

fn report(rel: &str) -> String {
    let (bf, base) = branch_file(rel);
    let b = bf.build(&base).unwrap_or_else(|p| panic!("{rel}: {p:#?}"));
    let p = b.prepare();
    let out = p.run(b.seed, true);
    let text = Comparison::new(&p, bf.title().into(), b.notes.clone(), out).text();
    // The base path is written relative to the checkout, whatever the machine.
    text.replace(&root().display().to_string(), ".")
}

fn mission(base: &Scenario, out: &Outcome, key: &str) -> (Status, u32, Option<u32>) {
    let m = base.world.mission_by_key(key).unwrap();
    let f = facts(&base.world, &out.state, m);
    (f.status, f.headcount, f.cap)
}

fn gone_ids<'a>(p: &'a Prepared) -> Vec<&'a str> {
    p.items[p.fork..]
        .iter()
        .filter(|it| it.gone.is_some())
        .map(|it| it.id.as_str())
        .collect()
}

#[test]
fn every_branch_file_runs_to_its_reviewed_report() {
    let mut n = 0;
    for entry in std::fs::read_dir(root().join("scenarios/whatif")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            let rel = format!("scenarios/whatif/{name}.toml");
            let golden = root().join(format!("tests/golden/whatif/{name}.txt"));
            expect_file(&golden, &report(&rel));
            n += 1;
        }
    }
    assert!(n >= 3, "only {n} branch files");
}

#[test]
fn given_nato_does_nothing_then_its_accusation_and_every_russian_answer_are_pruned() {
    let (bf, base) = branch_file("scenarios/whatif/nato-does-nothing.toml");
    let b = bf.build(&base).unwrap();
    let p = b.prepare();
    assert_eq!(
        gone_ids(&p),
        [
            "nato-expels-8-2021",
            "nato-accuses-2021",
            "ru-threatens-2021",
            "peskov-no-illusions-2021",
            "ru-countermeasures-2021",
            "nato-not-notified-2021",
            "maas-ice-age-2021",
        ]
    );
    // The staff report of 6 October answers nothing, so it still happens.
    let i = p
        .items
        .iter()
        .position(|it| it.id == "ru-mission-size-2021")
        .unwrap();
    assert!(p.items[i].gone.is_none());
    let out = p.run(b.seed, true);
    assert!(out.generated.is_empty() && out.invalidated.is_empty());
    assert_eq!(
        mission(&base, &out, "ru-mission-nato"),
        (Status::Active, 18, Some(20))
    );
    assert_eq!(mission(&base, &out, "nato-mlm-moscow").0, Status::Active);
    assert_eq!(mission(&base, &out, "nato-info-office-moscow").1, 2);
}

#[test]
fn given_russia_absorbs_then_it_answers_with_one_statement_and_keeps_its_mission() {
    let (bf, base) = branch_file("scenarios/whatif/russia-absorbs.toml");
    let b = bf.build(&base).unwrap();
    let p = b.prepare();
    assert_eq!(
        gone_ids(&p),
        [
            "ru-threatens-2021",
            "peskov-no-illusions-2021",
            "ru-countermeasures-2021",
            "nato-not-notified-2021",
            "maas-ice-age-2021",
        ]
    );
    let out = p.run(b.seed, true);
    assert_eq!(out.generated.len(), 1);
    let g = &out.generated[0];
    assert_eq!(g.id, "policy:russia:1");
    assert_eq!(g.event.kind(), Kind::Statement);
    assert_eq!(g.event.date.to_string(), "2021-10-18");
    assert_eq!(p.id_of(&out, g.answers), "nato-expels-8-2021");
    assert_eq!(
        mission(&base, &out, "ru-mission-nato"),
        (Status::Active, 10, Some(10))
    );
    assert_eq!(
        mission(&base, &out, "nato-mlm-moscow"),
        (Status::Active, 6, None)
    );
}

#[test]
fn given_nato_expels_two_with_russia_reciprocal_then_russia_expels_two_from_the_liaison_mission() {
    let base = founding();
    let russia = base.world.actor_by_key("russia").unwrap();
    let from = base.events[base.event_index("nato-expels-8-2021").unwrap()].date;
    let mut b = Branch::new(&base);
    b.set("nato-expels-8-2021.count", "2").unwrap();
    b.drop("nato-expels-8-2021.staff-cap-set").unwrap();
    b.policy(Policy::simple(russia, from, Respond::Reciprocal, 12));
    let out = b.run();
    assert_eq!(out.generated.len(), 1);
    let g = &out.generated[0];
    assert!(g.rejected.is_none());
    assert_eq!(g.event.date.to_string(), "2021-10-18");
    assert_eq!(g.event.kind(), Kind::AccreditationWithdrawn);
    assert_eq!(
        mission(&base, &out, "ru-mission-nato"),
        (Status::Active, 16, Some(20))
    );
    assert_eq!(
        mission(&base, &out, "nato-mlm-moscow"),
        (Status::Active, 4, None)
    );
}

#[test]
fn an_unedited_branch_reproduces_the_base_digest_at_every_step() {
    let base = founding();
    let b = Branch::new(&base);
    assert!(b.is_unedited());
    let p = b.prepare();
    assert_eq!(p.fork, p.items.len(), "nothing diverges");
    let mut engine = Engine::new(&base.world, base.initial.clone());
    let mut digests = Vec::new();
    for e in &base.events {
        engine.step(e, &mut ()).unwrap();
        digests.push(engine.state.digest());
    }
    // From the very start, stepping every event: compare every step.
    let mut b0 = Branch::new(&base);
    b0.diverge = Some(0);
    let out = b0.prepare().run(0, true);
    let stepped: Vec<String> = out
        .steps
        .iter()
        .filter(|s| s.source.is_some())
        .map(|s| s.digest.clone().unwrap())
        .collect();
    assert_eq!(stepped, digests);
    assert_eq!(
        out.digest(),
        demarche::run::run(&base, demarche::run::Until::End, false)
            .state
            .digest()
    );
}

#[test]
fn the_same_seed_gives_the_same_branch_and_another_seed_may_not() {
    let (bf, base) = branch_file("scenarios/whatif/nato-expels-two.toml");
    let b = bf.build(&base).unwrap();
    let p = b.prepare();
    let a = p.run(7, false);
    let again = p.run(7, false);
    assert_eq!(a.digest(), again.digest());
    assert_eq!(a.generated.len(), again.generated.len());
    let digests: std::collections::BTreeSet<String> =
        (0..40).map(|s| p.run(s, false).digest()).collect();
    assert!(
        digests.len() > 1,
        "a stochastic policy gives varied outcomes"
    );
}

#[test]
fn a_sweep_gives_the_same_runs_on_one_and_two_threads() {
    let (bf, base) = branch_file("scenarios/whatif/nato-expels-two.toml");
    let b = bf.build(&base).unwrap();
    let p = b.prepare();
    let one = sweep::sweep(&p, 60, 7, 1, None);
    let two = sweep::sweep(&p, 60, 7, 2, None);
    assert_eq!(one, two);
    let d = sweep::distribution(&p, &one, 3);
    assert_eq!(d.runs, 60);
    let ru = d
        .missions
        .iter()
        .find(|m| m.0 == "ru-mission-nato")
        .unwrap();
    assert_eq!(ru.1.iter().sum::<usize>(), 60);
    assert!(d.sequences.len() <= 3 && !d.sequences.is_empty());
}

#[test]
fn a_recorded_event_that_becomes_impossible_is_reported_as_invalidated_with_the_rejection() {
    // Given a 2015 cap of 25 instead of 30,
    let base = founding();
    let mut b = Branch::new(&base);
    b.set("nato-cap-30-2015.limit", "25").unwrap();
    // when the branch runs,
    let p = b.prepare();
    let out = p.run(0, true);
    // then the 2018 report of 27 in post no longer fits under the cap, and says why.
    assert_eq!(gone_ids(&p), ["ru-reacts-cap-2015"]);
    assert_eq!(out.invalidated.len(), 1);
    let inv = &out.invalidated[0];
    assert_eq!(p.items[inv.item].id, "ru-mission-size-2018");
    assert_eq!(inv.reason.code(), 16);
    // Everything else still happens: the mission is suspended in November as recorded.
    assert_eq!(mission(&base, &out, "ru-mission-nato").0, Status::Suspended);
}

#[test]
fn a_policy_draft_the_core_rejects_is_reported_with_the_rejection() {
    // Given NATO answering Russia in kind from 18 October 2021, a day later, aiming its answers
    // at a mission it names but has no say over (Russia's embassy in Belgium),
    let base = founding();
    let nato = base.world.actor_by_key("nato").unwrap();
    let from = whatif_day("2021-10-18");
    let mut b = Branch::new(&base);
    let mut pol = Policy::simple(nato, from, Respond::Reciprocal, 1);
    pol.mission = base.world.mission_by_key("ru-embassy-belgium");
    b.policy(pol);
    // when Russia's countermeasures are mirrored,
    let p = b.prepare();
    let out = p.run(0, true);
    // then NATO's own recorded answer is replaced by the policy,
    assert_eq!(gone_ids(&p), ["nato-not-notified-2021"]);
    // and its answer, withdrawing accreditation at a mission Belgium receives, is rejected by
    // the core (E005) and kept in the report.
    assert_eq!(out.generated.len(), 1);
    let g = &out.generated[0];
    assert_eq!(g.id, "policy:nato:1");
    assert_eq!(p.id_of(&out, g.answers), "ru-countermeasures-2021");
    assert_eq!(g.rejected.as_ref().map(|r| r.code()), Some(5));
    assert_eq!(mission(&base, &out, "ru-mission-nato").0, Status::Suspended);
}

fn whatif_day(s: &str) -> demarche::core::Day {
    demarche::scenario::parse_date(s).unwrap()
}

#[test]
fn edits_that_name_nothing_say_so() {
    let base = founding();
    let mut b = Branch::new(&base);
    assert!(
        b.drop("no-such-event")
            .unwrap_err()
            .0
            .contains("does not start with an event id")
    );
    assert!(
        b.set("nato-expels-8-2021.colour", "red")
            .unwrap_err()
            .0
            .contains("cannot be set")
    );
    assert!(
        b.drop("nato-expels-8-2021.mission-suspended")
            .unwrap_err()
            .0
            .contains("no mission-suspended")
    );
    b.drop("nato-expels-8-2021").unwrap();
    assert!(
        b.drop("nato-expels-8-2021")
            .unwrap_err()
            .0
            .contains("already dropped")
    );
}

/// Given the recorded NATO decision of 6 October 2021 and Russia following `respond` from
/// that day after 12 days, when the branch runs, then this is the outcome.
fn russia_follows(respond: Respond, noise: u32) -> (Scenario, Outcome) {
    let base = founding();
    let russia = base.world.actor_by_key("russia").unwrap();
    let mut pol = Policy::simple(russia, whatif_day("2021-10-06"), respond, 12);
    pol.noise = noise;
    let mut b = Branch::new(&base);
    b.policy(pol);
    let out = b.run();
    (base, out)
}

#[test]
fn given_proportional_one_half_then_russia_expels_half_as_many() {
    let (base, out) = russia_follows(Respond::Proportional { k_milli: 500 }, 0);
    assert_eq!(out.generated.len(), 1);
    let g = &out.generated[0];
    assert!(g.rejected.is_none());
    // 8 diplomats mirrored at one half: 4 leave the liaison mission (of 6); the 2 abolished
    // posts have no counterpart (no vacant posts), the cap of 10 is mirrored 25 days later.
    assert_eq!(g.event.kind(), Kind::Countermeasures);
    assert_eq!(
        mission(&base, &out, "nato-mlm-moscow"),
        (Status::Active, 2, None)
    );
    assert_eq!(
        mission(&base, &out, "ru-mission-nato"),
        (Status::Active, 10, Some(10))
    );
}

#[test]
fn given_parity_then_russia_caps_the_liaison_mission_at_its_own_headcount_at_nato() {
    let (base, out) = russia_follows(Respond::parse("parity").unwrap(), 0);
    assert_eq!(out.generated.len(), 1);
    assert_eq!(out.generated[0].event.kind(), Kind::StaffCapSet);
    // Russia has 10 in post at NATO on 18 October: NATO's 6 in Moscow fit under a cap of 10.
    assert_eq!(
        mission(&base, &out, "nato-mlm-moscow"),
        (Status::Active, 6, Some(10))
    );
}

#[test]
fn given_escalate_then_russia_answers_in_kind_and_adds_a_closure_above_the_cap() {
    let (base, out) = russia_follows(Respond::Escalate, 0);
    // NATO's decision tops out at a cap (rung 4): Russia answers it in kind (all 6 of the
    // liaison mission expelled, the cap of 10 mirrored on it) and adds rung 5, a closure by
    // withdrawn consent, of the office its answer does not already act on.
    assert_eq!(whatif::policy::LADDER[5].0, "consulate closure");
    assert_eq!(out.generated.len(), 1);
    let g = &out.generated[0];
    assert!(g.rejected.is_none());
    let Body::Measures { measures, .. } = &g.event.body else {
        panic!("{:?}", g.event.body)
    };
    let kinds: Vec<Kind> = measures.iter().map(|m| m.action.kind()).collect();
    assert_eq!(
        kinds,
        [
            Kind::AccreditationWithdrawn,
            Kind::StaffCapSet,
            Kind::ConsentWithdrawn
        ]
    );
    assert_eq!(
        mission(&base, &out, "nato-info-office-moscow").0,
        Status::Closed
    );
    // The mirrored cap is due on 12 November, after the scenario ends.
    assert_eq!(
        mission(&base, &out, "nato-mlm-moscow"),
        (Status::Active, 0, None)
    );
}

#[test]
fn given_absorb_then_russia_only_makes_a_statement() {
    let (base, out) = russia_follows(Respond::Absorb, 0);
    assert_eq!(out.generated.len(), 1);
    assert_eq!(out.generated[0].event.kind(), Kind::Statement);
    assert_eq!(
        mission(&base, &out, "nato-mlm-moscow"),
        (Status::Active, 6, None)
    );
}

#[test]
fn given_noise_every_answer_is_misjudged_and_says_how() {
    let (_, out) = russia_follows(Respond::Reciprocal, whatif::policy::ONE);
    assert_eq!(out.generated.len(), 1);
    assert!(out.generated[0].misjudged.is_some());
}

#[test]
fn the_ladder_orders_rungs_by_the_catalogue() {
    use demarche::whatif::policy::{LADDER, rung};
    let base = founding();
    let at = |id: &str| &base.events[base.event_index(id).unwrap()];
    assert_eq!(rung(&base.world, at("peskov-no-illusions-2021")), Some(0));
    assert_eq!(rung(&base.world, at("nato-accuses-2021")), Some(1));
    assert_eq!(rung(&base.world, at("nato-expels-8-2021")), Some(4));
    assert_eq!(rung(&base.world, at("ru-countermeasures-2021")), Some(6));
    // Every rung from a summons up is conflictual in the catalogue.
    for (_, k) in &LADDER[1..] {
        assert!(k.info().goldstein.unwrap() < 0.0, "{k:?}");
    }
}

#[test]
fn cli_whatif_and_sweep_print_reports_and_json() {
    let bin = env!("CARGO_BIN_EXE_demarche");
    let o = std::process::Command::new(bin)
        .current_dir(root())
        .args([
            "whatif",
            "scenarios/whatif/nato-does-nothing.toml",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["no_longer_happen"].as_array().unwrap().len(), 7);
    assert_eq!(v["digest"]["base"], "b3823370ef01832d18cb3cd37c4b3226");
    let o = std::process::Command::new(bin)
        .current_dir(root())
        .args([
            "sweep",
            "scenarios/whatif/nato-expels-two.toml",
            "--runs",
            "50",
            "--seed",
            "7",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["runs"], 50);
    assert!(String::from_utf8_lossy(&o.stderr).contains("branches/s"));
    let o = std::process::Command::new(bin)
        .current_dir(root())
        .args([
            "whatif",
            "scenarios/nato-russia-2021.toml",
            "--drop",
            "no-such-event",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn counterfactuals_doc_examples_are_what_whatif_prints() {
    let doc = std::fs::read_to_string(root().join("docs/counterfactuals.md")).unwrap();
    let mut checked = 0;
    for part in doc.split("<!-- checked: ").skip(1) {
        let (rel, rest) = part.split_once(" -->").unwrap();
        let sample = rest
            .split("```text")
            .nth(1)
            .unwrap()
            .split("```")
            .next()
            .unwrap();
        let out = report(rel);
        for line in sample.lines().filter(|l| !l.trim().is_empty()) {
            assert!(
                out.lines().any(|l| l == line),
                "docs/counterfactuals.md line not in the report of {rel}: {line:?}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 12, "only {checked} lines checked");
}

mod props {
    //! Properties over generated logs (`demarche::gen`): an unedited branch is the base,
    //! dropping any one event prunes exactly what is causally downstream of it, a sweep does
    //! not depend on the thread count, and the core's invariants hold in every branch (checked
    //! after every step in test builds).

    use demarche::r#gen::{GenConfig, generate};
    use demarche::scenario::{EventMeta, Scenario};
    use demarche::whatif::policy::{Choice, ONE};
    use demarche::whatif::{Answers, Branch, Policy, Respond, refs, sweep};
    use proptest::prelude::*;

    fn scenario(cfg: &GenConfig) -> Scenario {
        let g = generate(cfg);
        let start = g.initial.clock;
        Scenario {
            name: format!("generated seed {}", cfg.seed),
            text: String::new(),
            title: "generated".into(),
            summary: None,
            start,
            end: None,
            sources: Vec::new(),
            meta: (0..g.events.len())
                .map(|i| EventMeta {
                    id: format!("e{i}"),
                    span: 0..0,
                    source: "generated".into(),
                    summary: None,
                    note: None,
                })
                .collect(),
            world: g.world,
            initial: g.initial,
            events: g.events,
        }
    }

    fn config() -> impl Strategy<Value = GenConfig> {
        (any::<u64>(), 2usize..8, 2usize..20, 1usize..120).prop_map(
            |(seed, actors, missions, events)| GenConfig {
                seed,
                actors,
                missions,
                events,
            },
        )
    }

    proptest! {
        #![proptest_config(crate::seeded::config(24))]

        #[test]
        fn an_unedited_branch_equals_the_base_at_every_step(cfg in config()) {
            let s = scenario(&cfg);
            let mut engine = demarche::core::Engine::new(&s.world, s.initial.clone());
            let mut digests = Vec::new();
            for e in &s.events {
                engine.step(e, &mut ()).unwrap();
                digests.push(engine.state.digest());
            }
            let mut b = Branch::new(&s);
            b.diverge = Some(0);
            let out = b.prepare().run(cfg.seed, true);
            let stepped: Vec<String> = out.steps.iter().filter(|x| x.source.is_some())
                .map(|x| x.digest.clone().unwrap()).collect();
            prop_assert_eq!(stepped, digests);
            prop_assert_eq!(out.digest(), engine.state.digest());
            // Without a declared fork, nothing diverges and the prefix is the whole base.
            let p = Branch::new(&s).prepare();
            prop_assert_eq!(p.fork, s.events.len());
            prop_assert_eq!(p.run(0, false).digest(), engine.state.digest());
        }

        #[test]
        fn dropping_one_event_keeps_every_event_not_downstream_of_it(cfg in config(), pick in any::<prop::sample::Index>()) {
            let s = scenario(&cfg);
            let k = pick.index(s.events.len());
            let mut b = Branch::new(&s);
            b.drop(&format!("e{k}")).unwrap();
            let p = b.prepare();
            // Downstream, worked out independently: k, and whatever refers to something downstream.
            let mut down = vec![false; s.events.len()];
            down[k] = true;
            for j in k + 1..s.events.len() {
                down[j] = refs(&s.events[j]).any(|r| down[r.index()]);
            }
            for (j, it) in p.items.iter().enumerate() {
                prop_assert_eq!(it.gone.is_some(), down[j], "event e{} (dropped e{})", j, k);
            }
            // The branch runs (invariants are checked after every step in test builds), and
            // every event kept either happens or is reported as invalidated.
            let out = p.run(cfg.seed, false);
            let kept = down.iter().filter(|d| !**d).count();
            let accepted = out.steps.iter().filter(|x| x.result.is_ok()).count() + p.fork;
            prop_assert_eq!(accepted + out.invalidated.len() + out.orphaned.len(), kept);
        }

        #[test]
        fn a_sweep_gives_the_same_result_on_one_and_two_threads(cfg in config(), pick in any::<prop::sample::Index>()) {
            let s = scenario(&cfg);
            let k = pick.index(s.events.len());
            let mut b = Branch::new(&s);
            b.drop(&format!("e{k}")).unwrap();
            let from = s.events[k].date;
            for a in 0..s.world.actors.len().min(3) {
                b.policy(Policy {
                    actor: demarche::core::ActorId(a as u32),
                    from,
                    against: None,
                    answers: Answers::Any,
                    mission: None,
                    leave_within: 10,
                    noise: ONE / 5,
                    choices: vec![
                        Choice { respond: Respond::Reciprocal, p: ONE / 3, delay: (1, 20) },
                        Choice { respond: Respond::Escalate, p: ONE / 3, delay: (1, 20) },
                        Choice { respond: Respond::parse("parity(posts-and-organisations)").unwrap(), p: ONE / 6, delay: (5, 5) },
                        Choice { respond: Respond::Proportional { k_milli: 1500 }, p: ONE / 6, delay: (2, 9) },
                    ],
                });
            }
            b.until = Some(s.events.last().unwrap().date.plus(60));
            let p = b.prepare();
            let one = sweep::sweep(&p, 6, cfg.seed, 1, None);
            let two = sweep::sweep(&p, 6, cfg.seed, 2, None);
            prop_assert_eq!(one, two);
        }
    }
}

#[test]
fn branch_file_problems_name_line_column_field_and_what_is_expected() {
    let base = founding();
    let text = "[branch]\ntitle = \"bad\"\nbase = \"x\"\n\n[[set]]\nfield = \"nato-expels-8-2021.colour\"\nvalue = 2\n\n[[policies]]\nactor = \"rusia\"\nfrom = \"2021-10-06\"\nrespond = \"retaliate\"\n";
    let bf = whatif::file::BranchFile::parse("bad.toml", text).unwrap();
    let problems = bf.build(&base).unwrap_err();
    let lines: Vec<String> = problems
        .iter()
        .map(|p| {
            let (l, c) = demarche::scenario::line_col(text, p.span.clone().unwrap().start);
            format!("{l}:{c} {}", p.message)
        })
        .collect();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(lines[0].starts_with("6:9 `colour` cannot be set"));
    assert!(lines[1].starts_with("10:9 `actor`: no actor has the id `rusia`"));
    assert!(lines[2].starts_with("12:11 `respond`: `retaliate` is not a response"));
    let unknown =
        whatif::file::BranchFile::parse("u.toml", "[branch]\ntitle=\"x\"\nbase=\"a\"\nfoo=1\n");
    let p = unknown.err().unwrap();
    assert!(
        p[0].message.contains("unknown field `foo`"),
        "{}",
        p[0].message
    );
}

#[test]
fn whatif_json_gives_every_drafted_measure_in_full() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_demarche"))
        .current_dir(root())
        .args([
            "whatif",
            "scenarios/nato-russia-2021.toml",
            "--policy",
            "russia=escalate,delay=12,from=2021-10-06",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let g = &v["generated"][0];
    assert_eq!(g["signal"], serde_json::Value::Null);
    let m = g["measures"].as_array().unwrap();
    assert_eq!(m.len(), 3, "{m:#?}");
    assert_eq!(
        m[0],
        serde_json::json!({"kind": "accreditation-withdrawn", "effective": "2021-10-18",
            "mission": "nato-mlm-moscow", "scope": null, "count": 6, "category": "diplomatic",
            "persons": null, "all": false, "limit": null, "reduce_by": null, "comply_by": null,
            "depart_by": "2021-11-12", "with": null, "via": null})
    );
    assert_eq!(m[1]["kind"], "staff-cap-set");
    assert_eq!(m[1]["mission"], "nato-mlm-moscow");
    assert_eq!(m[1]["limit"], 10);
    assert_eq!(m[1]["effective"], "2021-11-12");
    assert_eq!(m[2]["kind"], "consent-withdrawn");
    assert_eq!(m[2]["mission"], "nato-info-office-moscow");
    assert_eq!(m[2]["depart_by"], "2021-11-01");
}
