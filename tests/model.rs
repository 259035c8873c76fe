//! Given/when/then tests of the concepts real episodes need beyond the first model: which kinds
//! of mission consent can be withdrawn from, notification moving removals, departures that meet
//! a cap, signals outside mission law, cancellations of several events, threats with content,
//! removals over several posts and moves between posts.
//!
//! Given: the cast of `CAST` (a scenario file, read by the loader) and the events of a test,
//! written as `[[events]]` tables, so that the fields people write are tested with the rule.
//! When: the events are replayed. Then: the run stops at a rejection with its code, or the
//! state (and the facts the engine decided) are as the rule says.

use crate::given::{self, at_date};
use demarche::core::{Body, Engine, Fact, Lifecycle, MissionId, State, Status};
use demarche::run::Run;
use demarche::scenario::{self, Scenario};

const CAST: &str = r#"
[scenario]
title = "Model"
start = "2021-10-01"

[[actors]]
id = "russia"
name = "Russian Federation"
kind = "state"

[[actors]]
id = "usa"
name = "United States"
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
id = "us-moscow"
name = "US embassy in Moscow"
kind = "embassy"
sender = "usa"
receiver = "russia"
city = "Moscow"
staff = { diplomatic = 20, service = 10 }

[[missions]]
id = "us-yekaterinburg"
name = "US consulate in Yekaterinburg"
kind = "consulate"
sender = "usa"
receiver = "russia"
city = "Yekaterinburg"
staff = { diplomatic = 6 }

[[missions]]
id = "us-vladivostok"
name = "US consulate in Vladivostok"
kind = "consulate"
sender = "usa"
receiver = "russia"
city = "Vladivostok"
staff = { diplomatic = 6 }

[[missions]]
id = "ru-washington"
name = "Russian embassy in Washington"
kind = "embassy"
sender = "russia"
receiver = "usa"
city = "Washington"
staff = { diplomatic = 30 }

[[missions]]
id = "ru-san-francisco"
name = "Russian consulate in San Francisco"
kind = "consulate"
sender = "russia"
receiver = "usa"
city = "San Francisco"
staff = { diplomatic = 10 }

[[missions]]
id = "ru-nato"
name = "Russia's mission to NATO"
kind = "permanent-mission"
sender = "russia"
receiver = "nato"
territory = "belgium"
city = "Brussels"
staff = 20

[[missions]]
id = "ru-maryland"
name = "Russian compound in Maryland"
kind = "property"
sender = "russia"
receiver = "usa"
city = "Centreville"
"#;

fn scenario(events: &str) -> Scenario {
    given::scenario(CAST, events)
}

/// Replays every event; each must be accepted.
#[track_caller]
fn accepted(events: &str) -> (Scenario, Run) {
    given::accepted(CAST, events)
}

/// Replays the events: every one is accepted but the last, which is rejected with `code`. The
/// state is the one the events before it left.
#[track_caller]
fn rejected(events: &str, code: &str) -> (Scenario, Run) {
    (scenario(events), given::rejected(CAST, events, code))
}

fn id(s: &Scenario, key: &str) -> MissionId {
    s.world
        .mission_by_key(key)
        .unwrap_or_else(|| panic!("{key}"))
}

fn headcount(s: &Scenario, r: &Run, key: &str) -> u32 {
    r.state.mission(id(s, key)).headcount()
}

fn status(s: &Scenario, r: &Run, key: &str) -> Status {
    r.state.status(&s.world, id(s, key))
}

/// The facts the engine decided for the last event of `s`, after the others.
fn facts_of_last(s: &Scenario) -> Vec<Fact> {
    let mut e = Engine::new(&s.world, s.initial.clone());
    let (last, before) = s.events.split_last().expect("an event");
    for ev in before {
        e.step(ev, &mut ()).expect("accepted");
    }
    e.step(last, &mut ()).expect("accepted");
    e.facts().to_vec()
}

fn state_of(r: &Run) -> &State {
    &r.state
}

// ==== Consent is withdrawn from consular posts and offices (R12) ====

#[test]
fn consent_withdrawn_from_an_embassy_is_refused() {
    // Given the US embassy in Moscow, when Russia withdraws consent to it, then it is refused:
    // an embassy ends by a break of relations or by withdrawing every accreditation.
    let (s, r) = rejected(
        r#"
[[events]]
id = "ru-ends-embassy"
date = "2021-10-06"
kind = "consent-withdrawn"
actor = "russia"
source = "test"
mission = "us-moscow"
depart_by = "2021-10-31"
"#,
        "E041",
    );
    assert_eq!(status(&s, &r, "us-moscow"), Status::Active);
    assert_eq!(headcount(&s, &r, "us-moscow"), 30);
}

#[test]
fn consent_withdrawn_from_a_permanent_mission_is_refused() {
    rejected(
        r#"
[[events]]
id = "nato-ends-mission"
date = "2021-10-06"
kind = "consent-withdrawn"
actor = "nato"
source = "test"
mission = "ru-nato"
depart_by = "2021-10-31"
"#,
        "E041",
    );
}

#[test]
fn consent_withdrawn_from_a_consulate_closes_it_and_its_staff_must_leave() {
    let (s, r) = accepted(
        r#"
[[events]]
id = "ru-ends-consulate"
date = "2021-10-06"
kind = "consent-withdrawn"
actor = "russia"
source = "test"
mission = "us-yekaterinburg"
depart_by = "2021-10-31"
"#,
    );
    let m = id(&s, "us-yekaterinburg");
    assert_eq!(state_of(&r).mission(m).lifecycle, Lifecycle::Closed);
    assert_eq!(state_of(&r).mission(m).leaving_count(), 6);
}

#[test]
fn a_property_has_no_staff_to_accredit_report_or_cap() {
    for (kind, fields) in [
        ("accreditation-requested", "count = 2"),
        ("staff-cap-set", "limit = 3"),
    ] {
        let actor = if kind == "staff-cap-set" {
            "usa"
        } else {
            "russia"
        };
        rejected(
            &format!(
                r#"
[[events]]
id = "on-property"
date = "2021-10-06"
kind = "{kind}"
actor = "{actor}"
source = "test"
mission = "ru-maryland"
{fields}
"#
            ),
            "E042",
        );
    }
    rejected(
        r#"
[[events]]
id = "report-property"
date = "2021-10-06"
kind = "staff-reported"
actor = "usa"
source = "test"
mission = "ru-maryland"
in_post = 3
"#,
        "E042",
    );
}

#[test]
fn a_property_is_closed_by_consent_withdrawn_and_then_seized() {
    let (s, r) = accepted(
        r#"
[[events]]
id = "close-compound"
date = "2021-10-06"
kind = "consent-withdrawn"
actor = "usa"
source = "test"
mission = "ru-maryland"
depart_by = "2021-10-06"

[[events]]
id = "seize-compound"
date = "2021-10-07"
kind = "premises-seized"
actor = "usa"
source = "test"
mission = "ru-maryland"
"#,
    );
    assert_eq!(status(&s, &r, "ru-maryland"), Status::Closed);
}

#[test]
fn the_loader_refuses_staff_at_a_property() {
    let text = CAST.replace(
        "city = \"Centreville\"",
        "city = \"Centreville\"\nstaff = 4",
    );
    let (_, problems) = scenario::parse("model.toml", &text).expect_err("refused");
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("is a property") && p.code == "setup"),
        "{problems:#?}"
    );
}

// ==== Notification decides when removals start (R6) ====

const NOTIFIED_LATE: &str = r#"
[[events]]
id = "us-expels"
date = "2021-10-06"
kind = "persona-non-grata"
actor = "usa"
source = "test"
mission = "ru-washington"
count = 5
category = "diplomatic"
depart_by = "2021-10-08"
notified = "2021-10-11"
"#;

#[test]
fn an_expulsion_takes_effect_when_notified_and_its_deadline_is_never_before() {
    // Given an expulsion announced on 6 October with a deadline of 8 October, when Russia is
    // notified only on 11 October, then nobody is removed before the 11th, and the five have
    // until the 11th to leave; they lose member status on the 12th.
    let s = scenario(NOTIFIED_LATE);
    let r = at_date(&s, "2021-10-10");
    assert_eq!(headcount(&s, &r, "ru-washington"), 30);
    let r = at_date(&s, "2021-10-11");
    let ms = r.state.mission(id(&s, "ru-washington"));
    assert_eq!((ms.headcount(), ms.leaving_count()), (25, 5));
    assert_eq!(
        ms.leaving[0].deadline,
        scenario::parse_date("2021-10-11").unwrap()
    );
    let r = at_date(&s, "2021-10-12");
    assert_eq!(r.state.mission(id(&s, "ru-washington")).leaving_count(), 0);
}

#[test]
fn staff_named_by_an_expulsion_awaiting_notification_cannot_be_taken_twice() {
    // The expelled five are set aside from the announcement: 25 remain to name.
    let events = format!(
        "{NOTIFIED_LATE}{}",
        r#"
[[events]]
id = "us-expels-more"
date = "2021-10-07"
kind = "persona-non-grata"
actor = "usa"
source = "test"
mission = "ru-washington"
count = 26
category = "diplomatic"
depart_by = "2021-10-20"
"#
    );
    rejected(&events, "E012");
}

#[test]
fn consent_withdrawn_before_notification_closes_the_consulate_on_the_notification_day() {
    let s = scenario(
        r#"
[[events]]
id = "us-closes-sf"
date = "2021-10-06"
kind = "consent-withdrawn"
actor = "usa"
source = "test"
mission = "ru-san-francisco"
depart_by = "2021-10-31"
notified = "2021-10-09"
"#,
    );
    assert_eq!(
        status(&s, &at_date(&s, "2021-10-08"), "ru-san-francisco"),
        Status::Active
    );
    let r = at_date(&s, "2021-10-09");
    assert_eq!(status(&s, &r, "ru-san-francisco"), Status::Closed);
    assert_eq!(
        r.state.mission(id(&s, "ru-san-francisco")).leaving[0].deadline,
        scenario::parse_date("2021-10-31").unwrap()
    );
}

#[test]
fn a_recall_by_the_sender_does_not_wait_for_a_notification() {
    let (s, r) = accepted(
        r#"
[[events]]
id = "ru-recalls"
date = "2021-10-06"
kind = "staff-recalled"
actor = "russia"
source = "test"
mission = "ru-washington"
count = 4
notified = "2021-10-20"
"#,
    );
    assert_eq!(headcount(&s, &r, "ru-washington"), 26);
}

#[test]
fn a_deadline_before_the_measure_as_written_is_still_refused() {
    rejected(
        r#"
[[events]]
id = "us-expels"
date = "2021-10-06"
kind = "persona-non-grata"
actor = "usa"
source = "test"
mission = "ru-washington"
count = 5
effective = "2021-10-07"
depart_by = "2021-10-06"
notified = "2021-10-11"
"#,
        "E004",
    );
}

// ==== Departures and recalls to meet a cap (R5) ====

const CAP_20: &str = r#"
[[events]]
id = "us-caps"
date = "2021-10-06"
kind = "staff-cap-set"
actor = "usa"
source = "test"
mission = "ru-washington"
limit = 20
comply_by = "2021-10-31"
"#;

#[test]
fn staff_above_a_cap_may_depart_before_its_compliance_date_with_their_posts() {
    // Given 30 in post and a cap of 20 by 31 October, when Russia records 10 departures on
    // 20 October (nobody was expelled), then they are accepted: 20 remain, no post is left
    // vacant, and the mission is no longer over its cap.
    let (s, r) = accepted(&format!(
        "{CAP_20}{}",
        r#"
[[events]]
id = "ru-complies"
date = "2021-10-20"
kind = "staff-departed"
actor = "russia"
source = "test"
mission = "ru-washington"
count = 10
"#
    ));
    let ms = r.state.mission(id(&s, "ru-washington"));
    assert_eq!((ms.headcount(), ms.vacant, ms.leaving_count()), (20, 0, 0));
    assert_eq!(status(&s, &r, "ru-washington"), Status::Active);
}

#[test]
fn departures_beyond_the_excess_over_a_cap_are_refused() {
    let (s, r) = rejected(
        &format!(
            "{CAP_20}{}",
            r#"
[[events]]
id = "ru-over-complies"
date = "2021-10-20"
kind = "staff-departed"
actor = "russia"
source = "test"
mission = "ru-washington"
count = 11
"#
        ),
        "E015",
    );
    assert_eq!(headcount(&s, &r, "ru-washington"), 30);
}

#[test]
fn departures_take_staff_due_to_leave_first_then_staff_above_the_cap() {
    // 3 expelled (due to leave) and 10 above the cap: 13 departures are 3 + 10.
    let (s, r) = accepted(&format!(
        "{CAP_20}{}",
        r#"
[[events]]
id = "us-expels"
date = "2021-10-07"
kind = "persona-non-grata"
actor = "usa"
source = "test"
mission = "ru-washington"
count = 3
depart_by = "2021-10-31"

[[events]]
id = "ru-departs"
date = "2021-10-20"
kind = "staff-departed"
actor = "russia"
source = "test"
mission = "ru-washington"
count = 10
"#
    ));
    // After the expulsion 27 are in post, 7 above the cap: 3 due to leave and 7 in post go.
    let ms = r.state.mission(id(&s, "ru-washington"));
    assert_eq!((ms.headcount(), ms.leaving_count()), (20, 0));
}

#[test]
fn a_departure_with_no_cap_and_nobody_due_to_leave_is_still_refused() {
    rejected(
        r#"
[[events]]
id = "ru-departs"
date = "2021-10-20"
kind = "staff-departed"
actor = "russia"
source = "test"
mission = "ru-washington"
count = 1
"#,
        "E015",
    );
}

#[test]
fn staff_recalled_under_a_cap_leave_no_vacant_post_above_it() {
    // Recalling 12 of 30 under a cap of 20: 18 stay in post, 2 posts stay vacant (room under
    // the cap), 10 are abolished with the recall.
    let (s, r) = accepted(&format!(
        "{CAP_20}{}",
        r#"
[[events]]
id = "ru-recalls"
date = "2021-10-20"
kind = "staff-recalled"
actor = "russia"
source = "test"
mission = "ru-washington"
count = 12
"#
    ));
    let ms = r.state.mission(id(&s, "ru-washington"));
    assert_eq!((ms.headcount(), ms.vacant), (18, 2));
}

#[test]
fn staff_recalled_with_no_cap_leave_their_posts_vacant() {
    let (s, r) = accepted(
        r#"
[[events]]
id = "ru-recalls"
date = "2021-10-20"
kind = "staff-recalled"
actor = "russia"
source = "test"
mission = "ru-washington"
count = 12
"#,
    );
    let ms = r.state.mission(id(&s, "ru-washington"));
    assert_eq!((ms.headcount(), ms.vacant), (18, 12));
}

#[test]
fn a_cap_over_all_posts_lets_any_of_them_depart_toward_it() {
    // Russia's posts in the US: 30 + 10 under a cap of 35 on all of them; 5 from the consulate
    // meet it.
    let (s, r) = accepted(
        r#"
[[events]]
id = "us-caps-posts"
date = "2021-10-06"
kind = "staff-cap-set"
actor = "usa"
source = "test"
sender = "russia"
host = "usa"
limit = 35
comply_by = "2021-10-31"

[[events]]
id = "ru-departs-sf"
date = "2021-10-20"
kind = "staff-departed"
actor = "russia"
source = "test"
mission = "ru-san-francisco"
count = 5
"#,
    );
    assert_eq!(headcount(&s, &r, "ru-san-francisco"), 5);
    assert_eq!(status(&s, &r, "ru-washington"), Status::Active);
}

// ==== Triggers outside mission law: sanctions, laws, attributed attacks ====

#[test]
fn sanctions_laws_and_attributed_attacks_are_recorded_and_change_no_mission() {
    let (s, r) = accepted(
        r#"
[[events]]
id = "us-sanctions"
date = "2021-10-06"
kind = "sanctions-imposed"
actor = "usa"
target = "russia"
source = "test"

[[events]]
id = "ru-agents-law"
date = "2021-10-07"
kind = "law-passed"
actor = "russia"
target = "usa"
source = "test"

[[events]]
id = "us-attributes-attack"
date = "2021-10-08"
kind = "attack-attributed"
actor = "usa"
target = "russia"
source = "test"
"#,
    );
    assert_eq!(r.state.missions, s.initial.missions);
    assert_eq!(r.accepted(), 3);
    let codes: Vec<_> = s
        .events
        .iter()
        .map(|e| (e.cameo(), e.goldstein()))
        .collect();
    assert_eq!(
        codes,
        vec![
            (Some("163"), Some(-8.0)),
            (Some("172"), Some(-5.0)),
            (Some("1123"), Some(-2.0)),
        ]
    );
    for e in &s.events {
        assert!(e.kind().is_signal(), "{:?}", e.kind());
        // Hostile: a response policy ranks them with protests and threats.
        assert_eq!(demarche::whatif::policy::rung(&s.world, e), Some(1));
    }
}

#[test]
fn sanctions_aimed_at_oneself_are_refused() {
    rejected(
        r#"
[[events]]
id = "us-sanctions-us"
date = "2021-10-06"
kind = "sanctions-imposed"
actor = "usa"
target = "usa"
source = "test"
"#,
        "E029",
    );
}

// ==== Trade missions and annexes ====

#[test]
fn trade_missions_and_annexes_are_missions_whose_consent_can_be_withdrawn() {
    let cast = r#"
[[missions]]
id = "ru-trade-washington"
name = "Russian trade representation in Washington"
kind = "trade-mission"
sender = "russia"
receiver = "usa"
city = "Washington"
staff = 6

[[missions]]
id = "ru-annex-seattle"
name = "Russian embassy office in Seattle"
kind = "annex"
sender = "russia"
receiver = "usa"
city = "Seattle"
hosted_by = "ru-washington"
staff = 3
"#;
    let (s, r) = accepted(&format!(
        "{cast}{}",
        r#"
[[events]]
id = "us-closes-trade"
date = "2021-10-06"
kind = "consent-withdrawn"
actor = "usa"
source = "test"
mission = "ru-trade-washington"
depart_by = "2021-10-31"

[[events]]
id = "us-closes-annex"
date = "2021-10-06"
kind = "consent-withdrawn"
actor = "usa"
source = "test"
mission = "ru-annex-seattle"
depart_by = "2021-10-31"
"#
    ));
    for key in ["ru-trade-washington", "ru-annex-seattle"] {
        assert_eq!(status(&s, &r, key), Status::Closed, "{key}");
    }
    assert_eq!(
        s.world.mission(id(&s, "ru-annex-seattle")).kind.key(),
        "annex"
    );
}

// ==== One decision cancelling several events ====

const TWO_PROPOSALS: &str = r#"
[[events]]
id = "mfa-proposes-expulsion"
date = "2021-10-06"
kind = "persona-non-grata"
actor = "russia"
source = "test"
mission = "us-moscow"
count = 10
depart_by = "2021-10-20"
proposed = true

[[events]]
id = "mfa-proposes-closure"
date = "2021-10-06"
kind = "consent-withdrawn"
actor = "russia"
source = "test"
mission = "us-vladivostok"
depart_by = "2021-10-20"
proposed = true
"#;

#[test]
fn one_decision_overrules_several_proposals_with_one_cancellation_each() {
    // Given two proposals of the foreign ministry, when the president overrules both in one
    // decision, then neither happens and the facts hold one cancellation per proposal.
    let events = format!(
        "{TWO_PROPOSALS}{}",
        r#"
[[events]]
id = "president-declines"
date = "2021-10-07"
kind = "measures-cancelled"
actor = "russia"
source = "test"
of = ["mfa-proposes-expulsion", "mfa-proposes-closure"]
how = "overruled"
"#
    );
    let (s, r) = accepted(&events);
    assert!(r.state.proposals.is_empty());
    assert_eq!(headcount(&s, &r, "us-moscow"), 30);
    assert_eq!(status(&s, &r, "us-vladivostok"), Status::Active);
    let cancelled: Vec<(u32, u32)> = facts_of_last(&s)
        .iter()
        .filter_map(|f| match f {
            Fact::Cancelled { of, measures, .. } => Some((of.0, *measures)),
            _ => None,
        })
        .collect();
    assert_eq!(cancelled, vec![(0, 1), (1, 1)]);
    // The scenario exports and reads back with the list.
    let text = demarche::export::to_toml(&s).unwrap();
    assert!(
        text.contains("of = [\"mfa-proposes-expulsion\", \"mfa-proposes-closure\"]"),
        "{text}"
    );
    let back = scenario::parse("back.toml", &text).unwrap_or_else(|(_, p)| panic!("{p:#?}"));
    assert_eq!(back.events, s.events);
    assert!(matches!(&back.events[2].body, Body::MeasuresCancelled { of, .. } if of.len() == 2));
}

#[test]
fn a_cancellation_of_several_is_refused_whole_when_one_has_nothing_to_cancel() {
    let events = format!(
        "{TWO_PROPOSALS}{}",
        r#"
[[events]]
id = "us-protests"
date = "2021-10-06"
kind = "protest"
actor = "russia"
target = "usa"
source = "test"

[[events]]
id = "president-declines"
date = "2021-10-07"
kind = "measures-cancelled"
actor = "russia"
source = "test"
of = ["mfa-proposes-expulsion", "us-protests"]
how = "overruled"
"#
    );
    let (_, r) = rejected(&events, "E026");
    assert_eq!(r.state.proposals.len(), 2, "neither proposal was dropped");
}

#[test]
fn a_cancellation_naming_an_event_twice_is_refused_by_the_loader() {
    let text = format!(
        "{CAST}{TWO_PROPOSALS}{}",
        r#"
[[events]]
id = "president-declines"
date = "2021-10-07"
kind = "measures-cancelled"
actor = "russia"
source = "test"
of = ["mfa-proposes-expulsion", "mfa-proposes-expulsion"]
"#
    );
    let (_, problems) = scenario::parse("model.toml", &text).expect_err("refused");
    assert!(
        problems.iter().any(|p| p.message.contains("twice")),
        "{problems:#?}"
    );
}

// ==== Threats and ultimatums that say what they threaten ====

#[test]
fn a_later_measure_is_checked_against_what_was_threatened() {
    let (s, r) = accepted(
        r#"
[[events]]
id = "ru-ultimatum"
date = "2021-10-06"
kind = "ultimatum"
actor = "russia"
target = "usa"
source = "test"
cap = 25
measure = "staff-cap-set"

[[events]]
id = "ru-threatens-expulsions"
date = "2021-10-06"
kind = "countermeasures-threatened"
actor = "russia"
target = "usa"
source = "test"
measure = "persona-non-grata"

[[events]]
id = "ru-caps"
date = "2021-10-10"
kind = "staff-cap-set"
actor = "russia"
source = "test"
mission = "us-moscow"
limit = 25
comply_by = "2021-10-31"

[[events]]
id = "us-threatens"
date = "2021-10-11"
kind = "ultimatum"
actor = "usa"
target = "russia"
source = "test"
cap = 20
"#,
    );
    let text = demarche::report::run_text(&s, &r);
    // The latest threat of Russia against the US named persona non grata: a cap does not
    // match it.
    assert!(
        text.contains(
            "threatened in ru-threatens-expulsions (measure = persona-non-grata): does not match"
        ),
        "{text}"
    );
    let mut threats = demarche::report::Threats::default();
    let third = s
        .events
        .iter()
        .zip(&s.meta)
        .take(3)
        .map(|(e, m)| threats.next(&s.world, e, &m.id))
        .last()
        .flatten();
    assert_eq!(
        third,
        text.lines()
            .find(|l| l.contains("threatened in"))
            .map(|l| l.trim().to_string())
    );
    // Against the ultimatum alone, the same cap matches.
    let t = s.events[0].clone();
    let demarche::core::Body::Signal {
        threat: Some(threat),
        ..
    } = t.body
    else {
        panic!("the ultimatum carries its threat")
    };
    let demarche::core::Body::Measures { measures, .. } = &s.events[2].body else {
        panic!("a measure")
    };
    assert_eq!(threat.matches(measures), Some(true));
    assert_eq!(threat.describe(), "cap = 25, measure = staff-cap-set");
}

#[test]
fn only_demands_threats_and_ultimatums_say_what_they_threaten() {
    let text = format!(
        "{CAST}{}",
        r#"
[[events]]
id = "us-protests"
date = "2021-10-06"
kind = "protest"
actor = "usa"
target = "russia"
source = "test"
cap = 20

[[events]]
id = "us-threatens"
date = "2021-10-06"
kind = "ultimatum"
actor = "usa"
target = "russia"
source = "test"
measure = "protest"
"#
    );
    let (_, problems) = scenario::parse("model.toml", &text).expect_err("refused");
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`cap` does not apply to protest")),
        "{messages:#?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("unknown measure kind")),
        "{messages:#?}"
    );
}

// ==== Removals over several posts with no split reported ====

#[test]
fn an_expulsion_over_all_posts_takes_the_largest_post_first() {
    // Given Russia's embassy (30 diplomats) and consulate (10) in the US, when the US expels
    // 35 Russian diplomats with no split by post, then the embassy gives its 30 and the
    // consulate 5, each share its own fact with the same deadline.
    let s = scenario(
        r#"
[[events]]
id = "us-expels-35"
date = "2021-10-06"
kind = "persona-non-grata"
actor = "usa"
source = "test"
sender = "russia"
host = "usa"
count = 35
category = "diplomatic"
depart_by = "2021-10-13"
"#,
    );
    let shares: Vec<(String, u32)> = facts_of_last(&s)
        .iter()
        .filter_map(|f| match f {
            Fact::ToLeave { mission, staff, .. } => {
                Some((s.world.mission(*mission).key.clone(), staff.total()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        shares,
        vec![("ru-washington".into(), 30), ("ru-san-francisco".into(), 5)]
    );
    let r = at_date(&s, "2021-10-13");
    assert_eq!(r.state.mission(id(&s, "ru-washington")).leaving_count(), 30);
    assert_eq!(
        r.state.mission(id(&s, "ru-san-francisco")).leaving_count(),
        5
    );
    let r = at_date(&s, "2021-10-14");
    assert_eq!(
        r.state.mission(id(&s, "ru-san-francisco")).leaving_count(),
        0
    );
    assert_eq!(headcount(&s, &r, "ru-san-francisco"), 5);
    // It exports and reads back as written.
    let text = demarche::export::to_toml(&s).unwrap();
    let back = scenario::parse("back.toml", &text).unwrap_or_else(|(_, p)| panic!("{p:#?}"));
    assert_eq!(back.events, s.events);
}

#[test]
fn posts_of_the_same_size_give_in_declaration_order() {
    // US posts in Russia: Moscow 20 diplomats, Yekaterinburg 6, Vladivostok 6. Expelling 26
    // diplomats takes Moscow's 20, then Yekaterinburg's 6 (declared before Vladivostok).
    let (s, r) = accepted(
        r#"
[[events]]
id = "ru-expels-26"
date = "2021-10-06"
kind = "persona-non-grata"
actor = "russia"
source = "test"
sender = "usa"
host = "russia"
count = 26
category = "diplomatic"
depart_by = "2021-10-13"
"#,
    );
    let leaving = |k: &str| r.state.mission(id(&s, k)).leaving_count();
    assert_eq!(
        (
            leaving("us-moscow"),
            leaving("us-yekaterinburg"),
            leaving("us-vladivostok")
        ),
        (20, 6, 0)
    );
    assert_eq!(headcount(&s, &r, "us-moscow"), 10, "the service staff stay");
}

#[test]
fn a_recall_over_all_posts_is_the_senders_and_leaves_posts_vacant() {
    let (s, r) = accepted(
        r#"
[[events]]
id = "ru-recalls-5"
date = "2021-10-06"
kind = "staff-recalled"
actor = "russia"
source = "test"
sender = "russia"
host = "usa"
count = 5
"#,
    );
    let ms = r.state.mission(id(&s, "ru-washington"));
    assert_eq!((ms.headcount(), ms.vacant), (25, 5));
}

#[test]
fn a_removal_over_posts_by_the_wrong_side_is_refused() {
    rejected(
        r#"
[[events]]
id = "ru-expels-own"
date = "2021-10-06"
kind = "persona-non-grata"
actor = "russia"
source = "test"
sender = "russia"
host = "usa"
count = 5
depart_by = "2021-10-13"
"#,
        "E043",
    );
}

#[test]
fn a_removal_over_posts_of_more_staff_than_they_have_is_refused() {
    // 40 diplomats in post at Russia's posts in the US; 41 cannot be expelled.
    let (s, r) = rejected(
        r#"
[[events]]
id = "us-expels-41"
date = "2021-10-06"
kind = "persona-non-grata"
actor = "usa"
source = "test"
sender = "russia"
host = "usa"
count = 41
category = "diplomatic"
depart_by = "2021-10-13"
"#,
        "E044",
    );
    assert_eq!(headcount(&s, &r, "ru-washington"), 30);
}

#[test]
fn a_removal_over_posts_cannot_be_scheduled() {
    rejected(
        r#"
[[events]]
id = "us-expels-later"
date = "2021-10-06"
kind = "persona-non-grata"
actor = "usa"
source = "test"
sender = "russia"
host = "usa"
count = 5
effective = "2021-10-10"
depart_by = "2021-10-13"
"#,
        "E045",
    );
}

// ==== Moving staff between posts of one sender in one host ====

fn moved(count: u32, from: &str, to: &str) -> String {
    format!(
        r#"
[[events]]
id = "ru-moves-{count}-{from}"
date = "2021-10-08"
kind = "staff-moved"
actor = "russia"
source = "test"
from = "{from}"
to = "{to}"
count = {count}
category = "diplomatic"
"#
    )
}

#[test]
fn staff_move_between_posts_with_their_posts_filling_vacancies_first() {
    // Given 3 recalled from the embassy (3 vacant posts), when 5 diplomats move from the
    // consulate in San Francisco to the embassy, then 3 fill the vacant posts, and the
    // consulate keeps no vacant post for them.
    let events = format!(
        "{}{}",
        r#"
[[events]]
id = "ru-recalls-3"
date = "2021-10-06"
kind = "staff-recalled"
actor = "russia"
source = "test"
mission = "ru-washington"
count = 3
"#,
        moved(5, "ru-san-francisco", "ru-washington")
    );
    let (s, r) = accepted(&events);
    let wash = r.state.mission(id(&s, "ru-washington"));
    let sf = r.state.mission(id(&s, "ru-san-francisco"));
    assert_eq!((wash.headcount(), wash.vacant), (32, 0));
    assert_eq!((sf.headcount(), sf.vacant), (5, 0));
    assert!(matches!(
        facts_of_last(&s).as_slice(),
        [Fact::Moved { filled: 3, staff, .. }] if staff.total() == 5
    ));
    let text = demarche::report::run_text(&s, &r);
    assert!(
        text.contains("ru-san-francisco: 5 staff moved to ru-washington"),
        "{text}"
    );
}

#[test]
fn a_move_to_a_post_in_another_host_is_refused() {
    rejected(&moved(5, "ru-washington", "ru-nato"), "E046");
}

#[test]
fn a_move_is_the_senders() {
    let events = moved(5, "ru-san-francisco", "ru-washington")
        .replace("actor = \"russia\"", "actor = \"usa\"");
    rejected(&events, "E006");
}

#[test]
fn a_move_to_a_closed_post_is_refused() {
    let events = format!(
        "{}{}",
        r#"
[[events]]
id = "ru-closes-sf"
date = "2021-10-06"
kind = "mission-closed"
actor = "russia"
source = "test"
mission = "ru-san-francisco"
"#,
        moved(5, "ru-washington", "ru-san-francisco")
    );
    rejected(&events, "E009");
}

#[test]
fn a_move_respects_a_cap_on_the_receiving_post_but_not_one_over_both() {
    let cap_embassy = r#"
[[events]]
id = "us-caps-embassy"
date = "2021-10-06"
kind = "staff-cap-set"
actor = "usa"
source = "test"
mission = "ru-washington"
limit = 30
"#;
    rejected(
        &format!(
            "{cap_embassy}{}",
            moved(1, "ru-san-francisco", "ru-washington")
        ),
        "E016",
    );
    let cap_posts = r#"
[[events]]
id = "us-caps-posts"
date = "2021-10-06"
kind = "staff-cap-set"
actor = "usa"
source = "test"
sender = "russia"
host = "usa"
limit = 40
"#;
    let (s, r) = accepted(&format!(
        "{cap_posts}{}",
        moved(4, "ru-san-francisco", "ru-washington")
    ));
    assert_eq!(headcount(&s, &r, "ru-washington"), 34);
}

#[test]
fn a_consulate_closes_and_its_staff_move_to_the_embassy() {
    let (s, r) = accepted(
        r#"
[[events]]
id = "ru-closes-sf"
date = "2021-10-06"
kind = "mission-closed"
actor = "russia"
source = "test"
mission = "ru-san-francisco"
move_to = "ru-washington"
"#,
    );
    assert_eq!(status(&s, &r, "ru-san-francisco"), Status::Closed);
    assert_eq!(headcount(&s, &r, "ru-washington"), 40);
    assert_eq!(
        r.state.mission(id(&s, "ru-san-francisco")).leaving_count(),
        0
    );
    let text = demarche::export::to_toml(&s).unwrap();
    let back = scenario::parse("back.toml", &text).unwrap_or_else(|(_, p)| panic!("{p:#?}"));
    assert_eq!(back.events, s.events);
}

#[test]
fn a_closing_mission_cannot_move_its_staff_to_another_host() {
    rejected(
        r#"
[[events]]
id = "ru-closes-sf"
date = "2021-10-06"
kind = "mission-closed"
actor = "russia"
source = "test"
mission = "ru-san-francisco"
move_to = "ru-nato"
"#,
        "E046",
    );
}

// ==== A real episode of locally employed staff (R13) ====

#[test]
fn us_russia_2021_local_staff_ban_lets_the_embassy_staff_go() {
    use demarche::core::CapScope;
    use demarche::core::event::Counts;
    let rel = "scenarios/us-russia-2021.toml";
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel))
        .unwrap();
    let s = scenario::parse(rel, &text).unwrap_or_else(|(_, p)| panic!("{p:#?}"));
    let posts = CapScope::Posts {
        sender: s.world.actor_by_key("usa").unwrap(),
        host: s.world.actor_by_key("russia").unwrap(),
    };
    let local = |r: &Run, key: &str| r.state.mission(id(&s, key)).local;
    let all = |r: &Run| r.state.covered_headcount(&s.world, &posts, Counts::All);

    // 2017: the cap of 455 counts staff sent and employed locally over all US posts; on its
    // last day the mission is over it with 1,210, and the next day the 755 above it are
    // let go, locally employed staff first (the embassy's, the post employing most).
    let last_day = at_date(&s, "2017-08-31");
    let cap = last_day
        .state
        .cap(posts, Counts::All)
        .expect("the cap of 455");
    assert_eq!(cap.limit, 455);
    assert!(last_day.state.cap(posts, Counts::Sent).is_none());
    assert_eq!(all(&last_day), 1210);
    assert_eq!(local(&last_day, "us-embassy-moscow"), 904);
    assert_eq!(status(&s, &last_day, "us-embassy-moscow"), Status::OverCap);
    let cut = at_date(&s, "2017-09-01");
    assert_eq!(all(&cut), 455);
    assert_eq!(local(&cut, "us-embassy-moscow"), 149);
    assert_eq!(headcount(&s, &cut, "us-embassy-moscow"), 239);
    assert_eq!(status(&s, &cut, "us-embassy-moscow"), Status::Active);

    // 2018: St Petersburg closes on 31 March and its local staff are let go with it.
    let spb = at_date(&s, "2018-03-31");
    assert_eq!(
        status(&s, &spb, "us-consulate-st-petersburg"),
        Status::Closed
    );
    assert_eq!(local(&spb, "us-consulate-st-petersburg"), 0);

    // 2020: Vladivostok is suspended, its staff sent leave and its local staff stay employed;
    // the plan to close it and suspend Yekaterinburg is held, then withdrawn, so Yekaterinburg
    // keeps working until the ban.
    let before = at_date(&s, "2021-07-31");
    assert_eq!(
        status(&s, &before, "us-consulate-vladivostok"),
        Status::Suspended
    );
    assert_eq!(local(&before, "us-consulate-vladivostok"), 16);
    assert_eq!(headcount(&s, &before, "us-consulate-vladivostok"), 0);
    // The ban lets go the 182 Blinken counted: 149 + 17 + 16.
    let employed: u32 = before.state.missions.iter().map(|m| m.local).sum();
    assert_eq!(employed, 182);
    assert_eq!(local(&before, "us-embassy-moscow"), 149);
    assert_eq!(local(&before, "us-consulate-yekaterinburg"), 17);
    let ban = before.state.cap(posts, Counts::Local).expect("the ban");
    assert_eq!(ban.limit, 0);
    assert_eq!(status(&s, &before, "us-embassy-moscow"), Status::OverCap);

    // 1 August 2021: every locally employed staff member of a US post is let go; the posts
    // that still operate keep their staff sent and are no longer over any cap.
    let after = at_date(&s, "2021-08-01");
    for key in [
        "us-embassy-moscow",
        "us-consulate-st-petersburg",
        "us-consulate-yekaterinburg",
        "us-consulate-vladivostok",
    ] {
        assert_eq!(local(&after, key), 0, "{key}");
    }
    assert_eq!(headcount(&s, &after, "us-embassy-moscow"), 171);
    assert_eq!(headcount(&s, &after, "us-consulate-yekaterinburg"), 5);
    assert_eq!(status(&s, &after, "us-embassy-moscow"), Status::Active);
    assert_eq!(
        status(&s, &after, "us-consulate-yekaterinburg"),
        Status::Active
    );
    assert_eq!(
        status(&s, &after, "us-consulate-vladivostok"),
        Status::Suspended
    );
    assert_eq!(
        status(&s, &after, "us-consulate-st-petersburg"),
        Status::Closed
    );
    assert_eq!(all(&after), 176);
}
