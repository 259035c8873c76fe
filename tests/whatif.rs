//! Counterfactual branches: the three branch files of the founding example replay to reviewed
//! output, an unedited branch is the base, pruning follows `in_response_to`, each policy answers
//! as documented, and seeded runs and sweeps are reproducible.
//!
//! Regenerate the goldens with `UPDATE_EXPECT=1 cargo test`, then review the diff.

use crate::golden::{expect_file, root};
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
    // Given NATO answering Russia in kind from 18 October 2021, a day later,
    let base = founding();
    let nato = base.world.actor_by_key("nato").unwrap();
    let from = whatif_day("2021-10-18");
    let mut b = Branch::new(&base);
    b.policy(Policy::simple(nato, from, Respond::Reciprocal, 1));
    // when Russia's suspension of its mission is mirrored,
    let p = b.prepare();
    let out = p.run(0, true);
    // then NATO's own recorded answer is replaced by the policy,
    assert_eq!(gone_ids(&p), ["nato-not-notified-2021"]);
    // and its mirrored suspension of the liaison mission, due after that mission closes, is
    // rejected by the core (E024) and kept in the report.
    assert_eq!(out.generated.len(), 1);
    let g = &out.generated[0];
    assert_eq!(g.id, "policy:nato:1");
    assert_eq!(p.id_of(&out, g.answers), "ru-countermeasures-2021");
    assert_eq!(g.rejected.as_ref().map(|r| r.code()), Some(24));
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
