//! Response policies, given/when/then on small scenarios: what each one drafts in answer to
//! one move, and which recorded events a policy replaces.
//!
//! The cast: two states, `north` and `south`, each with an embassy, consulates and a compound
//! (property) in the other; `north` also keeps a mission to an organisation, `league`, seated
//! in `south`; a third state, `east`, has an embassy in `north`.

use crate::golden::root;
use demarche::core::event::{Action, Body, CapScope, Limit, Who};
use demarche::core::{Day, Kind};
use demarche::scenario::{self, Scenario};
use demarche::whatif::{self, Branch, Generated, Outcome, Policy, Respond};

const CAST: &str = r#"
[scenario]
title = "north and south"
start = "2030-01-01"
end = "2030-06-30"

[[actors]]
id = "north"
name = "North"
kind = "state"

[[actors]]
id = "south"
name = "South"
kind = "state"

[[actors]]
id = "east"
name = "East"
kind = "state"

[[actors]]
id = "league"
name = "League"
kind = "organisation"

[[missions]]
id = "north-embassy"
name = "Embassy of North in South"
kind = "embassy"
sender = "north"
receiver = "south"
city = "Southport"
staff = 20

[[missions]]
id = "north-consulate"
name = "Consulate of North in South"
kind = "consulate"
sender = "north"
receiver = "south"
city = "Bay"
staff = 6

[[missions]]
id = "north-consulate-2"
name = "Second consulate of North in South"
kind = "consulate"
sender = "north"
receiver = "south"
city = "Cape"
staff = 2

[[missions]]
id = "north-compound"
name = "Compound of North in South"
kind = "property"
sender = "north"
receiver = "south"
city = "Hills"

[[missions]]
id = "north-league"
name = "Mission of North to the League"
kind = "permanent-mission"
sender = "north"
receiver = "league"
territory = "south"
city = "Southport"
staff = 7

[[missions]]
id = "south-embassy"
name = "Embassy of South in North"
kind = "embassy"
sender = "south"
receiver = "north"
city = "Northbury"
staff = 30

[[missions]]
id = "south-consulate"
name = "Consulate of South in North"
kind = "consulate"
sender = "south"
receiver = "north"
city = "Harbour"
staff = 5

[[missions]]
id = "south-consulate-2"
name = "Second consulate of South in North"
kind = "consulate"
sender = "south"
receiver = "north"
city = "Ford"
staff = 3

[[missions]]
id = "south-compound"
name = "Compound of South in North"
kind = "property"
sender = "south"
receiver = "north"
city = "Lake"

[[missions]]
id = "east-embassy"
name = "Embassy of East in North"
kind = "embassy"
sender = "east"
receiver = "north"
city = "Northbury"
staff = 4
"#;

/// The cast and these `[[events]]`.
pub(crate) fn scenario(events: &str) -> Scenario {
    let text = format!("{CAST}\n{events}");
    scenario::parse("north-south.toml", &text)
        .unwrap_or_else(|(_, p)| panic!("the scenario does not load: {p:#?}"))
}

fn day(s: &str) -> Day {
    scenario::parse_date(s).unwrap()
}

/// Runs `base` with `actor` following `respond` from `from`, answering after `delay` days.
fn follow(base: &Scenario, actor: &str, respond: &str, from: &str, delay: u32) -> Outcome {
    let a = base.world.actor_by_key(actor).unwrap();
    let mut b = Branch::new(base);
    b.policy(Policy::simple(
        a,
        day(from),
        Respond::parse(respond).unwrap(),
        delay,
    ));
    b.run()
}

fn only(out: &Outcome) -> &Generated {
    assert_eq!(out.generated.len(), 1, "{:#?}", out.generated);
    let g = &out.generated[0];
    assert!(g.rejected.is_none(), "rejected: {:?}", g.rejected);
    g
}

fn actions(g: &Generated) -> Vec<(Day, &Action)> {
    match &g.event.body {
        Body::Measures { measures, .. } => {
            measures.iter().map(|m| (m.effective, &m.action)).collect()
        }
        other => panic!("a signal, not measures: {other:?}"),
    }
}

fn key(base: &Scenario, m: demarche::core::MissionId) -> &str {
    &base.world.mission(m).key
}

#[test]
fn given_a_consulate_closed_when_north_answers_in_kind_then_it_closes_a_consulate_with_the_same_delays()
 {
    let base = scenario(
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
"#,
    );
    let out = follow(&base, "north", "reciprocal", "2030-02-01", 2);
    let g = only(&out);
    assert_eq!(g.event.date, day("2030-02-03"));
    let [(eff, Action::ConsentWithdrawn { mission, depart_by })] = actions(g)[..] else {
        panic!("{:?}", actions(g));
    };
    // The larger of south's two consulates, never its embassy.
    assert_eq!(key(&base, *mission), "south-consulate");
    assert_eq!(eff, day("2030-02-06"));
    assert_eq!(*depart_by, day("2030-03-05"));
}

#[test]
fn given_a_compound_closed_when_north_answers_in_kind_then_it_closes_the_other_compound() {
    let base = scenario(
        r#"
[[events]]
id = "south-closes-compound"
date = "2030-02-01"
kind = "consent-withdrawn"
actor = "south"
mission = "north-compound"
depart_by = "2030-02-01"
source = "test"
"#,
    );
    let out = follow(&base, "north", "reciprocal", "2030-02-01", 5);
    let g = only(&out);
    let [(_, Action::ConsentWithdrawn { mission, .. })] = actions(g)[..] else {
        panic!("{:?}", actions(g));
    };
    assert_eq!(key(&base, *mission), "south-compound");
}

#[test]
fn given_three_expelled_from_a_consulate_when_north_answers_in_kind_then_three_leave_a_consulate() {
    let base = scenario(
        r#"
[[events]]
id = "south-expels-consuls"
date = "2030-02-01"
kind = "persona-non-grata"
actor = "south"
mission = "north-consulate"
count = 3
category = "diplomatic"
depart_by = "2030-02-08"
source = "test"
"#,
    );
    let out = follow(&base, "north", "reciprocal", "2030-02-01", 3);
    let g = only(&out);
    let [
        (
            _,
            Action::PersonaNonGrata {
                mission,
                who,
                depart_by,
            },
        ),
    ] = actions(g)[..]
    else {
        panic!("{:?}", actions(g));
    };
    assert_eq!(key(&base, *mission), "south-consulate");
    assert!(matches!(who, Who::Count { count: 3, .. }), "{who:?}");
    assert_eq!(*depart_by, day("2030-02-11"));
}

#[test]
fn given_two_consulates_hit_on_one_day_then_the_answer_never_aims_at_a_post_closing_that_day() {
    // North has already ended south's second consulate from 11 February. On 1 February south
    // closes north's first consulate and expels 2 from its second, both from 10 February, and
    // closes its compound; north answers in kind two days later, so from 12 February.
    let base = scenario(
        r#"
[[events]]
id = "north-closes-consulate-2"
date = "2030-01-10"
kind = "consent-withdrawn"
actor = "north"
mission = "south-consulate-2"
effective = "2030-02-11"
depart_by = "2030-03-20"
source = "test"

[[events]]
id = "south-hits-consulates"
date = "2030-02-01"
kind = "countermeasures"
actor = "south"
source = "test"

[[events.measures]]
kind = "consent-withdrawn"
mission = "north-consulate"
effective = "2030-02-10"
depart_by = "2030-02-20"

[[events.measures]]
kind = "persona-non-grata"
mission = "north-consulate-2"
count = 2
effective = "2030-02-10"
depart_by = "2030-02-20"

[[events.measures]]
kind = "consent-withdrawn"
mission = "north-compound"
effective = "2030-02-10"
depart_by = "2030-02-20"
"#,
    );
    let out = follow(&base, "north", "reciprocal", "2030-02-01", 2);
    let g = only(&out);
    let acts = actions(g);
    // The closure lands on south's consulate still open, the compound's on the compound. The
    // expulsion has no consulate of south left that still operates on 12 February (the one
    // this answer closes that day, the other closed the day before), so it is left out rather
    // than aimed at a post that stops operating on the very day it would take effect.
    assert_eq!(acts.len(), 2, "{acts:?}");
    assert_eq!(acts[0].0, day("2030-02-12"));
    assert!(
        matches!(acts[0].1, Action::ConsentWithdrawn { mission, .. } if key(&base, *mission) == "south-consulate")
    );
    assert!(
        matches!(acts[1].1, Action::ConsentWithdrawn { mission, .. } if key(&base, *mission) == "south-compound")
    );
}

#[test]
fn a_drafted_bundle_is_never_refused_for_a_day_it_chose_itself() {
    // Given Russia's answer of 18 October 2021 without the suspension of its own mission: all
    // of NATO's liaison staff lose accreditation and its information office closes, both from
    // 1 November. NATO answers in kind two days later.
    let base = whatif::load_base(&root().join("scenarios/nato-russia-2021.toml")).unwrap();
    let nato = base.world.actor_by_key("nato").unwrap();
    let mut b = Branch::new(&base);
    b.drop("ru-countermeasures-2021.mission-suspended").unwrap();
    b.policy(Policy::simple(
        nato,
        day("2021-10-18"),
        Respond::Reciprocal,
        2,
    ));
    let out = b.run();
    // Then its answer is not refused for acting on Russia's mission on the day its own first
    // measure ends that mission (which the core reported as E024).
    let g = only(&out);
    assert_eq!(g.event.date, day("2021-10-20"));
}

#[test]
fn measures_of_one_answer_never_count_the_same_staff_twice() {
    // Given Russia recalling 13 diplomats and 8 technical staff from Tallinn, and Estonia
    // answering in kind from its embassy in Moscow, which has 5 diplomats and 1 other,
    let base = whatif::load_base(&root().join("scenarios/estonia-russia-2023.toml")).unwrap();
    let out = follow(&base, "estonia", "reciprocal", "2023-01-31", 1);
    // then the recall takes what is in post once (5: the ambassador is already leaving), not 5
    // for the diplomats and then the same 5 again for the technical staff (E012).
    let g = only(&out);
    let total: u32 = actions(g)
        .iter()
        .map(|(_, a)| match a {
            Action::StaffRecalled {
                who: Who::Count { count, .. },
                ..
            } => *count,
            other => panic!("{other:?}"),
        })
        .sum();
    assert_eq!(total, 5);
}

const PROPOSAL: &str = r#"
[[events]]
id = "south-proposes"
date = "2030-02-01"
kind = "persona-non-grata"
actor = "south"
mission = "north-embassy"
count = 2
depart_by = "2030-02-20"
effective = "2030-02-05"
proposed = true
source = "test"
"#;

#[test]
fn given_a_proposal_that_is_overruled_then_no_policy_answers_it_and_it_weighs_nothing() {
    let base = scenario(&format!(
        r#"{PROPOSAL}
[[events]]
id = "south-overrules"
date = "2030-02-03"
kind = "measures-cancelled"
actor = "south"
of = "south-proposes"
how = "overruled"
source = "test"
"#
    ));
    let out = follow(&base, "north", "reciprocal", "2030-01-15", 1);
    assert!(out.generated.is_empty(), "{:#?}", out.generated);
    let weights: Vec<Option<f32>> = out.steps.iter().map(|s| s.goldstein).collect();
    assert_eq!(weights, [None, None]);
}

#[test]
fn given_a_proposal_adopted_then_it_is_answered_at_adoption_and_weighs_as_its_measures() {
    let base = scenario(&format!(
        r#"{PROPOSAL}
[[events]]
id = "south-adopts"
date = "2030-02-10"
kind = "proposal-adopted"
actor = "south"
proposal = "south-proposes"
source = "test"
"#
    ));
    let out = follow(&base, "north", "reciprocal", "2030-01-15", 2);
    let g = only(&out);
    // Answered two days after the adoption, not after the proposal.
    assert_eq!(g.event.date, day("2030-02-12"));
    let [(_, Action::PersonaNonGrata { mission, who, .. })] = actions(g)[..] else {
        panic!("{:?}", actions(g));
    };
    assert_eq!(key(&base, *mission), "south-embassy");
    assert!(matches!(who, Who::Count { count: 2, .. }));
    // The proposal weighs nothing; the adoption weighs as an expulsion carried out (-4).
    let weights: Vec<Option<f32>> = out.steps.iter().map(|s| s.goldstein).collect();
    assert_eq!(weights[..2], [None, Some(-4.0)]);
}

const POSTS_CAP: &str = r#"
[[events]]
id = "south-caps-north"
date = "2030-02-01"
kind = "staff-cap-set"
actor = "south"
sender = "north"
host = "south"
limit = 10
comply_by = "2030-03-01"
source = "test"
"#;

fn cap_of(g: &Generated) -> (CapScope, u32, Option<Day>) {
    match actions(g)[..] {
        [
            (
                _,
                Action::StaffCapSet {
                    scope,
                    limit: Limit::Absolute(l),
                    comply_by,
                    ..
                },
            ),
        ] => (*scope, *l, *comply_by),
        ref other => panic!("{other:?}"),
    }
}

#[test]
fn given_a_cap_on_all_posts_then_parity_caps_all_posts_at_ones_own_with_a_compliance_date() {
    let base = scenario(POSTS_CAP);
    let south = base.world.actor_by_key("south").unwrap();
    let north = base.world.actor_by_key("north").unwrap();
    let all_south = CapScope::Posts {
        sender: south,
        host: north,
    };
    // Basis: north's posts in south (20 + 6 + 2), its embassy alone, or with its mission to
    // the league, which sits in south (7).
    for (respond, limit) in [
        ("parity", 28),
        ("parity(posts)", 28),
        ("parity(mission)", 20),
        ("parity(posts-and-organisations)", 35),
    ] {
        let out = follow(&base, "north", respond, "2030-02-01", 3);
        let (scope, l, comply_by) = cap_of(only(&out));
        assert_eq!((scope, l), (all_south, limit), "{respond}");
        assert_eq!(comply_by, Some(day("2030-02-18")), "{respond}");
    }
}

#[test]
fn given_a_cap_on_a_consulate_then_parity_on_one_mission_caps_a_consulate_at_ones_own() {
    let base = scenario(
        r#"
[[events]]
id = "south-caps-consulate"
date = "2030-02-01"
kind = "staff-cap-set"
actor = "south"
mission = "north-consulate"
limit = 4
comply_by = "2030-03-01"
source = "test"
"#,
    );
    let out = follow(&base, "north", "parity(mission)", "2030-02-01", 3);
    let (scope, l, comply_by) = cap_of(only(&out));
    let CapScope::Mission(m) = scope else {
        panic!("{scope:?}")
    };
    // South's larger consulate (5) capped at north's consulate (6): no one leaves, but the
    // ceiling holds from a compliance date.
    assert_eq!((key(&base, m), l), ("south-consulate", 6));
    assert_eq!(comply_by, Some(day("2030-02-18")));
}

#[test]
fn given_five_expelled_then_escalate_expels_more_and_sets_no_cap() {
    let base = scenario(
        r#"
[[events]]
id = "south-expels-five"
date = "2030-02-01"
kind = "persona-non-grata"
actor = "south"
mission = "north-embassy"
count = 5
depart_by = "2030-02-08"
source = "test"
"#,
    );
    let out = follow(&base, "north", "escalate", "2030-02-01", 2);
    let acts = actions(only(&out));
    let [(_, Action::PersonaNonGrata { mission, who, .. })] = acts[..] else {
        panic!("{acts:?}");
    };
    assert_eq!(key(&base, *mission), "south-embassy");
    // Half as many again: 8.
    assert!(matches!(who, Who::Count { count: 8, .. }), "{who:?}");
}

#[test]
fn given_a_cap_then_escalate_caps_in_kind_and_adds_a_closure() {
    let base = scenario(
        r#"
[[events]]
id = "south-caps-embassy"
date = "2030-02-01"
kind = "staff-cap-set"
actor = "south"
mission = "north-embassy"
limit = 15
comply_by = "2030-03-01"
source = "test"
"#,
    );
    let out = follow(&base, "north", "escalate", "2030-02-01", 2);
    let acts = actions(only(&out));
    assert_eq!(acts.len(), 2, "{acts:?}");
    assert!(
        matches!(acts[0].1, Action::StaffCapSet { scope: CapScope::Mission(m), limit: Limit::Absolute(15), .. } if key(&base, *m) == "south-embassy"),
        "{acts:?}"
    );
    assert!(
        matches!(acts[1].1, Action::ConsentWithdrawn { mission, .. } if key(&base, *mission) == "south-consulate"),
        "{acts:?}"
    );
}

#[test]
fn given_a_policy_against_south_then_only_answers_to_south_are_replaced_and_departures_stay() {
    let base = scenario(
        r#"
[[events]]
id = "south-expels-two"
date = "2030-02-01"
kind = "persona-non-grata"
actor = "south"
mission = "north-embassy"
count = 2
depart_by = "2030-02-10"
source = "test"

[[events]]
id = "north-regrets"
date = "2030-02-02"
kind = "statement"
actor = "north"
target = "south"
tone = "pessimistic"
in_response_to = ["south-expels-two"]
source = "test"

[[events]]
id = "east-protests"
date = "2030-02-02"
kind = "protest"
actor = "east"
target = "north"
source = "test"

[[events]]
id = "north-answers-east"
date = "2030-02-03"
kind = "statement"
actor = "north"
target = "east"
tone = "neutral"
in_response_to = ["east-protests"]
source = "test"

[[events]]
id = "north-two-leave"
date = "2030-02-05"
kind = "staff-departed"
actor = "north"
mission = "north-embassy"
count = 2
in_response_to = ["south-expels-two"]
source = "test"
"#,
    );
    let north = base.world.actor_by_key("north").unwrap();
    let south = base.world.actor_by_key("south").unwrap();
    let mut pol = Policy::simple(north, day("2030-02-01"), Respond::Absorb, 4);
    pol.against = Some(south);
    let mut b = Branch::new(&base);
    b.policy(pol);
    let p = b.prepare();
    let gone: Vec<&str> = p
        .items
        .iter()
        .filter(|it| it.gone.is_some())
        .map(|it| it.id.as_str())
        .collect();
    assert_eq!(gone, ["north-regrets"]);
    let out = p.run(0, false);
    assert!(out.invalidated.is_empty(), "{:?}", out.invalidated);
    assert_eq!(only(&out).event.kind(), Kind::Statement);
}
