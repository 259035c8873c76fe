//! Locally employed staff (R13): given/when/then tests of hiring and letting go, caps that count
//! them (alone, or with staff sent), bans, compliance dates and closures; then the same staff
//! through a log (the starting state's addition, snapshots, the trusted and verified replays)
//! and through the scenario file written back.
//!
//! Given: the cast of `CAST` and the events of a test, written as `[[events]]` tables. When: the
//! events are replayed. Then: the run stops at a rejection with its code, or the state and the
//! facts decided are as the rule says.

use crate::given::{self, at_date};
use demarche::core::event::Counts;
use demarche::core::{Engine, Fact, MissionId, Status};
use demarche::log::{Log, Upto, Writer, WriterOptions};
use demarche::run::{Run, Until, run};
use demarche::scenario::{self, Scenario};
use std::path::PathBuf;

const CAST: &str = r#"
[scenario]
title = "Locally employed staff"
start = "2021-04-01"

[[actors]]
id = "russia"
name = "Russian Federation"
kind = "state"

[[actors]]
id = "usa"
name = "United States"
kind = "state"

[[missions]]
id = "us-moscow"
name = "US embassy in Moscow"
kind = "embassy"
sender = "usa"
receiver = "russia"
city = "Moscow"
staff = { diplomatic = 20, service = 10 }
locally_employed = 100

[[missions]]
id = "us-yekaterinburg"
name = "US consulate in Yekaterinburg"
kind = "consulate"
sender = "usa"
receiver = "russia"
city = "Yekaterinburg"
staff = { diplomatic = 6 }
locally_employed = 30

[[missions]]
id = "us-vladivostok"
name = "US consulate in Vladivostok"
kind = "consulate"
sender = "usa"
receiver = "russia"
city = "Vladivostok"
staff = { diplomatic = 4 }
locally_employed = 10
requested = 2

[[missions]]
id = "ru-washington"
name = "Russian embassy in Washington"
kind = "embassy"
sender = "russia"
receiver = "usa"
city = "Washington"
staff = { diplomatic = 30 }
"#;

fn scenario(events: &str) -> Scenario {
    given::scenario(CAST, events)
}

#[track_caller]
fn accepted(events: &str) -> (Scenario, Run) {
    given::accepted(CAST, events)
}

#[track_caller]
fn rejected(events: &str, code: &str) -> Run {
    given::rejected(CAST, events, code)
}

fn id(s: &Scenario, key: &str) -> MissionId {
    s.world.mission_by_key(key).unwrap()
}

fn local(s: &Scenario, r: &Run, key: &str) -> u32 {
    r.state.mission(id(s, key)).local
}

fn headcount(s: &Scenario, r: &Run, key: &str) -> u32 {
    r.state.mission(id(s, key)).headcount()
}

/// The facts decided for the last event of `s`, after the others.
fn facts_of_last(s: &Scenario) -> Vec<Fact> {
    let mut e = Engine::new(&s.world, s.initial.clone());
    let (last, before) = s.events.split_last().expect("an event");
    for ev in before {
        e.step(ev, &mut ()).expect("accepted");
    }
    e.step(last, &mut ()).expect("accepted");
    e.facts().to_vec()
}

const BAN: &str = r#"
[[events]]
id = "ru-bans-local-staff"
date = "2021-04-23"
kind = "staff-cap-set"
actor = "russia"
sender = "usa"
host = "russia"
limit = 0
counts = "locally-employed"
comply_by = "2021-07-31"
source = "test"
"#;

// ==== Hiring and letting go ====

#[test]
fn hiring_and_letting_go_change_the_local_count_and_nothing_else() {
    let (s, r) = accepted(
        r#"
[[events]]
id = "us-hires"
date = "2021-04-02"
kind = "local-staff-hired"
actor = "usa"
mission = "us-moscow"
count = 12
source = "test"

[[events]]
id = "us-lets-go"
date = "2021-04-03"
kind = "local-staff-dismissed"
actor = "usa"
mission = "us-yekaterinburg"
count = 30
source = "test"
"#,
    );
    assert_eq!(local(&s, &r, "us-moscow"), 112);
    assert_eq!(local(&s, &r, "us-yekaterinburg"), 0);
    assert_eq!(headcount(&s, &r, "us-moscow"), 30);
    assert_eq!(headcount(&s, &r, "us-yekaterinburg"), 6);
    assert_eq!(
        r.state.status(&s.world, id(&s, "us-moscow")),
        Status::Active
    );
}

#[test]
fn letting_go_more_than_are_employed_is_refused() {
    let r = rejected(
        r#"
[[events]]
id = "us-lets-go"
date = "2021-04-03"
kind = "local-staff-dismissed"
actor = "usa"
mission = "us-vladivostok"
count = 11
source = "test"
"#,
        "E048",
    );
    assert_eq!(r.state.missions[2].local, 10, "nothing changed");
}

#[test]
fn only_the_sender_hires_and_lets_go() {
    rejected(
        r#"
[[events]]
id = "ru-hires-for-them"
date = "2021-04-03"
kind = "local-staff-hired"
actor = "russia"
mission = "us-moscow"
count = 1
source = "test"
"#,
        "E006",
    );
}

// ==== Bans and caps on locally employed staff ====

#[test]
fn a_ban_lets_local_staff_go_on_the_day_after_its_compliance_date_and_not_before() {
    let s = scenario(BAN);
    let before = at_date(&s, "2021-07-31");
    assert_eq!(local(&s, &before, "us-moscow"), 100);
    // Above the ban, the posts are over cap until it is met.
    assert_eq!(
        before.state.status(&s.world, id(&s, "us-moscow")),
        Status::OverCap
    );
    let after = at_date(&s, "2021-08-01");
    for m in ["us-moscow", "us-yekaterinburg", "us-vladivostok"] {
        assert_eq!(local(&s, &after, m), 0, "{m}");
    }
    // Staff sent are not counted by the ban, and stay.
    assert_eq!(headcount(&s, &after, "us-moscow"), 30);
    assert_eq!(
        after.state.status(&s.world, id(&s, "us-moscow")),
        Status::Active
    );
}

#[test]
fn a_ban_over_posts_lets_go_from_the_post_employing_most_first() {
    let (s, _) = accepted(
        &BAN.replace("limit = 0", "limit = 25")
            .replace("ru-bans-local-staff", "ru-caps-local-staff"),
    );
    // 140 employed over three posts, capped at 25: 115 go, the embassy's 100 first, then 15 of
    // the 30 at Yekaterinburg; Vladivostok keeps its 10.
    let after = at_date(&s, "2021-08-01");
    assert_eq!(local(&s, &after, "us-moscow"), 0);
    assert_eq!(local(&s, &after, "us-yekaterinburg"), 15);
    assert_eq!(local(&s, &after, "us-vladivostok"), 10);
}

#[test]
fn a_ban_below_those_employed_needs_a_compliance_date() {
    rejected(&BAN.replace("comply_by = \"2021-07-31\"\n", ""), "E018");
}

#[test]
fn hiring_under_a_ban_is_refused_and_under_a_cap_on_staff_sent_is_not() {
    let hire = r#"
[[events]]
id = "us-hires"
date = "2021-08-02"
kind = "local-staff-hired"
actor = "usa"
mission = "us-moscow"
count = 1
source = "test"
"#;
    rejected(&format!("{BAN}{hire}"), "E047");
    // A cap on staff sent at their number leaves hiring locally free.
    let sent_cap = r#"
[[events]]
id = "ru-caps-sent"
date = "2021-04-23"
kind = "staff-cap-set"
actor = "russia"
mission = "us-moscow"
limit = 30
source = "test"
"#;
    let (s, r) = accepted(&format!("{sent_cap}{hire}"));
    assert_eq!(local(&s, &r, "us-moscow"), 101);
    assert_eq!(headcount(&s, &r, "us-moscow"), 30);
}

#[test]
fn a_ban_on_local_staff_does_not_stop_staff_sent_from_being_accredited() {
    let (s, r) = accepted(&format!(
        "{BAN}{}",
        r#"
[[events]]
id = "ru-grants"
date = "2021-08-02"
kind = "accreditation-granted"
actor = "russia"
mission = "us-vladivostok"
count = 2
category = "diplomatic"
source = "test"
"#
    ));
    assert_eq!(headcount(&s, &r, "us-vladivostok"), 6);
    assert_eq!(local(&s, &r, "us-vladivostok"), 0);
}

#[test]
fn a_cap_counting_all_staff_lets_local_staff_go_first_then_staff_in_post() {
    let s = scenario(
        r#"
[[events]]
id = "ru-caps-all"
date = "2021-04-23"
kind = "staff-cap-set"
actor = "russia"
mission = "us-moscow"
limit = 25
counts = "all"
comply_by = "2021-07-31"
source = "test"
"#,
    );
    let before = at_date(&s, "2021-07-31");
    assert_eq!(
        before.state.status(&s.world, id(&s, "us-moscow")),
        Status::OverCap
    );
    // 130 counted (30 sent, 100 local), 25 allowed: the 100 local go, then 5 in post.
    let after = at_date(&s, "2021-08-01");
    assert_eq!(local(&s, &after, "us-moscow"), 0);
    assert_eq!(headcount(&s, &after, "us-moscow"), 25);
    assert_eq!(
        after.state.status(&s.world, id(&s, "us-moscow")),
        Status::Active
    );
    // The cap is the one that counts all: a grant would take it above, a local hire too.
    let cap = after
        .state
        .caps_on(&s.world, id(&s, "us-moscow"))
        .next()
        .unwrap();
    assert_eq!(cap.counts, Counts::All);
    assert_eq!(after.state.cap_of(&s.world, id(&s, "us-moscow")), Some(25));
}

#[test]
fn a_cut_counting_local_staff_is_taken_from_those_employed() {
    let s = scenario(
        r#"
[[events]]
id = "ru-cuts-local"
date = "2021-04-23"
kind = "staff-cap-set"
actor = "russia"
mission = "us-yekaterinburg"
reduce_by = 20
counts = "locally-employed"
comply_by = "2021-05-31"
source = "test"
"#,
    );
    let after = at_date(&s, "2021-06-01");
    assert_eq!(local(&s, &after, "us-yekaterinburg"), 10);
    assert_eq!(headcount(&s, &after, "us-yekaterinburg"), 6);
}

#[test]
fn lifting_a_ban_leaves_a_cap_on_staff_sent_in_force() {
    let (s, r) = accepted(&format!(
        "{BAN}{}",
        r#"
[[events]]
id = "ru-caps-sent"
date = "2021-04-24"
kind = "staff-cap-set"
actor = "russia"
sender = "usa"
host = "russia"
limit = 40
source = "test"

[[events]]
id = "ru-lifts-ban"
date = "2021-05-01"
kind = "cap-lifted"
actor = "russia"
sender = "usa"
host = "russia"
counts = "locally-employed"
source = "test"
"#
    ));
    assert_eq!(r.state.caps.len(), 1);
    assert_eq!(r.state.caps[0].counts, Counts::Sent);
    assert_eq!(r.state.caps[0].limit, 40);
    // No compliance date any more: the local staff stay.
    let after = at_date(&s, "2021-08-01");
    assert_eq!(local(&s, &after, "us-moscow"), 100);
    // Lifting a ban that is not in force is refused.
    rejected(
        r#"
[[events]]
id = "ru-lifts-nothing"
date = "2021-05-01"
kind = "cap-lifted"
actor = "russia"
mission = "us-moscow"
counts = "locally-employed"
source = "test"
"#,
        "E040",
    );
}

#[test]
fn a_closed_mission_lets_its_local_staff_go_and_a_suspended_one_keeps_them() {
    let closed = scenario(
        r#"
[[events]]
id = "us-closes-vladivostok"
date = "2021-04-05"
kind = "mission-closed"
actor = "usa"
mission = "us-vladivostok"
source = "test"
"#,
    );
    let facts = facts_of_last(&closed);
    assert!(
        facts.iter().any(|f| *f
            == Fact::LocalDismissed {
                mission: id(&closed, "us-vladivostok"),
                count: 10
            }),
        "{facts:?}"
    );
    let r = run(&closed, Until::End, false);
    assert_eq!(local(&closed, &r, "us-vladivostok"), 0);
    // Suspended, the post's staff sent leave; its local staff stay employed, counted by a ban
    // over the sender's posts and let go at its compliance date, or by the sender.
    let suspend = r#"
[[events]]
id = "us-suspends-vladivostok"
date = "2021-04-05"
kind = "mission-suspended"
actor = "usa"
mission = "us-vladivostok"
source = "test"
"#;
    let s = scenario(&format!("{suspend}{BAN}"));
    let before = at_date(&s, "2021-07-31");
    assert_eq!(local(&s, &before, "us-vladivostok"), 10);
    assert_eq!(headcount(&s, &before, "us-vladivostok"), 0);
    let after = at_date(&s, "2021-08-01");
    assert_eq!(local(&s, &after, "us-vladivostok"), 0);
    let dismiss = r#"
[[events]]
id = "us-lets-vladivostok-staff-go"
date = "2021-04-06"
kind = "local-staff-dismissed"
actor = "usa"
mission = "us-vladivostok"
count = 10
source = "test"
"#;
    let (s, r) = accepted(&format!("{suspend}{dismiss}"));
    assert_eq!(local(&s, &r, "us-vladivostok"), 0);
    // And hiring at a suspended post is refused.
    rejected(
        r#"
[[events]]
id = "us-suspends-vladivostok"
date = "2021-04-05"
kind = "mission-suspended"
actor = "usa"
mission = "us-vladivostok"
source = "test"

[[events]]
id = "us-hires-there"
date = "2021-04-06"
kind = "local-staff-hired"
actor = "usa"
mission = "us-vladivostok"
count = 1
source = "test"
"#,
        "E010",
    );
}

// ==== What the loader says ====

#[test]
fn the_loader_names_an_unknown_counting_and_suggests_the_closest() {
    let text = format!(
        "{CAST}\n{}",
        BAN.replace("locally-employed", "locally-employd")
    );
    let (_, problems) = scenario::parse("local.toml", &text).unwrap_err();
    let p = problems
        .iter()
        .find(|p| p.message.contains("locally-employd"))
        .unwrap_or_else(|| panic!("{problems:#?}"));
    assert!(
        format!("{p:?}").contains("locally-employed"),
        "no suggestion: {p:#?}"
    );
}

#[test]
fn the_loader_refuses_local_staff_at_a_closed_post_not_at_a_suspended_one() {
    let at = |status: &str| {
        CAST.replace(
            "staff = { diplomatic = 4 }\nlocally_employed = 10\nrequested = 2\n",
            &format!("status = \"{status}\"\nlocally_employed = 10\n"),
        )
    };
    let (_, problems) = scenario::parse("local.toml", &at("closed")).unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("employs no one locally")),
        "{problems:#?}"
    );
    let s =
        scenario::parse("local.toml", &at("suspended")).unwrap_or_else(|(_, p)| panic!("{p:#?}"));
    assert_eq!(s.initial.missions[2].local, 10);
}

#[test]
fn counts_is_refused_on_kinds_that_take_no_cap() {
    let text = format!(
        "{CAST}\n{}",
        r#"
[[events]]
id = "us-lets-go"
date = "2021-04-03"
kind = "local-staff-dismissed"
actor = "usa"
mission = "us-moscow"
count = 1
counts = "all"
source = "test"
"#
    );
    let (_, problems) = scenario::parse("local.toml", &text).unwrap_err();
    assert!(
        problems.iter().any(|p| p.message.contains("counts")),
        "{problems:#?}"
    );
}

// ==== Through a log, and back to a file ====

fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("local-staff");
    std::fs::create_dir_all(&d).unwrap();
    let p = d.join(name);
    let _ = std::fs::remove_file(&p);
    let _ = std::fs::remove_dir_all(p.with_extension("log.snapshots"));
    let _ = std::fs::remove_dir_all(format!("{}.snapshots", p.display()));
    p
}

const LIFE: &str = r#"
[[events]]
id = "ru-bans-local-staff"
date = "2021-04-23"
kind = "staff-cap-set"
actor = "russia"
sender = "usa"
host = "russia"
limit = 0
counts = "locally-employed"
comply_by = "2021-07-31"
source = "test"

[[events]]
id = "us-lets-some-go"
date = "2021-05-12"
kind = "local-staff-dismissed"
actor = "usa"
mission = "us-moscow"
count = 40
source = "test"

[[events]]
id = "ru-caps-all"
date = "2021-05-20"
kind = "staff-cap-set"
actor = "russia"
mission = "us-vladivostok"
limit = 3
counts = "all"
comply_by = "2021-06-30"
source = "test"

[[events]]
id = "us-statement"
date = "2021-08-02"
kind = "statement"
actor = "usa"
target = "russia"
source = "test"
"#;

#[test]
fn a_log_keeps_local_staff_and_countings_through_snapshots_and_both_replays() {
    let s = scenario(LIFE);
    let whole = run(&s, Until::End, false);
    assert!(whole.problems.is_empty(), "{:#?}", whole.problems);
    let path = scratch("life.log");
    // A snapshot after every event: each holds local staff, a counted cap, or its compliance.
    drop(Writer::create(&path, &s, 1, WriterOptions::default()).unwrap());
    let log = Log::open(&path).unwrap();
    assert_eq!(
        log.genesis.initial, s.initial,
        "the starting state's addition"
    );
    assert_eq!(log.snapshots.len(), s.events.len());
    let (_, from_log) = log.run(Upto::End).unwrap();
    assert_eq!(from_log.state, whole.state);
    assert_eq!(from_log.state.digest(), whole.state.digest());
    // At every event, from the nearest snapshot and from the start, the same state.
    for k in 1..=s.events.len() as u64 {
        let (with, used) = log.state(Upto::Count(k), false).unwrap();
        let (fresh, _) = log.state(Upto::Count(k), true).unwrap();
        assert_eq!(with, fresh, "after {k}");
        assert!(used.is_some(), "no snapshot used after {k}");
    }
    // The verified replay decides every command again into the facts stored.
    let v = demarche::log::verify::verify(&log, &mut |_| {}).unwrap();
    assert!(v.drift.is_none(), "{:?}", v.drift);
    assert_eq!(v.digest.as_deref(), Some(whole.state.digest().as_str()));
}

#[test]
fn a_scenario_with_local_staff_is_written_back_as_it_was_read() {
    let s = scenario(LIFE);
    let text = demarche::export::to_toml(&s).unwrap();
    assert!(text.contains("locally_employed = 100"), "{text}");
    assert!(text.contains("counts = \"locally-employed\""), "{text}");
    assert!(text.contains("counts = \"all\""), "{text}");
    let back = scenario::parse("back.toml", &text).unwrap_or_else(|(_, p)| panic!("{p:#?}"));
    assert_eq!(back.initial, s.initial);
    assert_eq!(back.events, s.events);
}

#[test]
fn a_starting_cap_may_count_local_staff() {
    let text = format!(
        "{CAST}\n{}",
        r#"
[[caps]]
mission = "us-yekaterinburg"
limit = 30
counts = "locally-employed"
set_by = "russia"
"#
    );
    let s = scenario::parse("local.toml", &text).unwrap_or_else(|(_, p)| panic!("{p:#?}"));
    assert_eq!(s.initial.caps.len(), 1);
    assert_eq!(s.initial.caps[0].counts, Counts::Local);
    // At the cap: one more local hire is refused, a grant of staff sent is not.
    let r = run(&s, Until::End, false);
    assert!(r.problems.is_empty());
    let over = text.clone()
        + r#"
[[events]]
id = "us-hires"
date = "2021-04-02"
kind = "local-staff-hired"
actor = "usa"
mission = "us-yekaterinburg"
count = 1
source = "test"
"#;
    let s = scenario::parse("local.toml", &over).unwrap();
    let r = run(&s, Until::End, false);
    assert_eq!(r.problems.len(), 1);
    assert_eq!(r.problems[0].code, "E047");
}
