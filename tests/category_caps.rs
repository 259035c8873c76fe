//! Caps on one category of staff sent (R5): a host caps a mission at 8 diplomats and, by a
//! second cap, at 15 administrative and technical staff. Given/when/then: the cast of `CAST`
//! and the `[[events]]` of a test; the run stops at a rejection with its code, or the state is
//! as the rule says.

use crate::given::{self, at_date};
use demarche::core::Status;
use demarche::core::event::{Category, Counts};
use demarche::run::{Run, Until, run};
use demarche::scenario::{self, Scenario};

const CAST: &str = r#"
[scenario]
title = "Caps by category"
start = "2023-01-01"

[[actors]]
id = "estonia"
name = "Estonia"
kind = "state"

[[actors]]
id = "russia"
name = "Russia"
kind = "state"

[[persons]]
id = "envoy"
category = "diplomatic"

[[persons]]
id = "clerk"
category = "administrative-technical"

[[missions]]
id = "ru-tallinn"
name = "Russian embassy in Tallinn"
kind = "embassy"
sender = "russia"
receiver = "estonia"
city = "Tallinn"
staff = { diplomatic = 20, administrative-technical = 22, unspecified = 3 }
members = ["envoy", "clerk"]
locally_employed = 4
requested = 5
vacant = 3

[[missions]]
id = "ru-narva"
name = "Russian consulate in Narva"
kind = "consulate"
sender = "russia"
receiver = "estonia"
city = "Narva"
staff = { diplomatic = 2 }
"#;

const CAPS: &str = r#"
[[events]]
id = "ee-caps-diplomats"
date = "2023-01-11"
kind = "staff-cap-set"
actor = "estonia"
mission = "ru-tallinn"
limit = 8
counts = "diplomatic"
comply_by = "2023-01-31"
source = "test"

[[events]]
id = "ee-caps-others"
date = "2023-01-11"
kind = "staff-cap-set"
actor = "estonia"
mission = "ru-tallinn"
limit = 15
counts = "administrative-technical"
comply_by = "2023-01-31"
source = "test"
"#;

fn scenario(events: &str) -> Scenario {
    given::scenario(CAST, events)
}

#[track_caller]
fn rejected(events: &str, code: &str) -> Run {
    given::rejected(CAST, events, code)
}

fn staff(r: &Run, c: Category) -> u32 {
    r.state.missions[0].in_post.get(c)
}

#[test]
fn two_caps_by_category_stand_side_by_side_and_count_named_members_of_their_category() {
    let s = scenario(CAPS);
    let r = at_date(&s, "2023-01-11");
    assert_eq!(r.state.caps.len(), 2);
    let m = s.world.mission_by_key("ru-tallinn").unwrap();
    // 20 anonymous diplomats and the envoy; 22 and the clerk.
    let counted = |c| {
        r.state
            .covered_headcount(&s.world, &r.state.caps[0].scope, c)
    };
    assert_eq!(counted(Counts::Diplomatic), 21);
    assert_eq!(counted(Counts::AdministrativeTechnical), 23);
    assert_eq!(r.state.status(&s.world, m), Status::OverCap);
    // A cap on one category is not the mission's cap on all staff sent.
    assert_eq!(r.state.cap_of(&s.world, m), None);
}

#[test]
fn at_the_compliance_date_each_cap_sheds_its_own_category_only() {
    let s = scenario(CAPS);
    let r = at_date(&s, "2023-02-01");
    let m = s.world.mission_by_key("ru-tallinn").unwrap();
    // Free anonymous staff of the category go first; the named members stay.
    assert_eq!(staff(&r, Category::Diplomatic), 7);
    assert_eq!(staff(&r, Category::AdministrativeTechnical), 14);
    assert_eq!(r.state.missions[0].members.len(), 2);
    // Staff of no known category and locally employed staff are counted by neither cap.
    assert_eq!(staff(&r, Category::Unspecified), 3);
    assert_eq!(r.state.missions[0].local, 4);
    assert_eq!(r.state.status(&s.world, m), Status::Active);
}

#[test]
fn a_cap_by_category_binds_grants_of_its_category_only() {
    let grant = |category: &str| {
        format!(
            r#"
[[events]]
id = "ee-grants"
date = "2023-02-02"
kind = "accreditation-granted"
actor = "estonia"
mission = "ru-tallinn"
count = 1
category = "{category}"
source = "test"
"#
        )
    };
    // At 8 diplomats after compliance, one more is refused...
    let r = rejected(&format!("{CAPS}{}", grant("diplomatic")), "E016");
    assert!(
        r.problems[0].message.contains("diplomatic staff"),
        "{}",
        r.problems[0].message
    );
    // ... a service member or one of no known category is not.
    for c in ["service", "unspecified"] {
        let s = scenario(&format!("{CAPS}{}", grant(c)));
        let r = run(&s, Until::End, false);
        assert!(r.problems.is_empty(), "{c}: {:#?}", r.problems);
    }
}

#[test]
fn a_cut_by_category_is_taken_from_that_category() {
    let s = scenario(
        r#"
[[events]]
id = "ee-cuts-diplomats"
date = "2023-01-11"
kind = "staff-cap-set"
actor = "estonia"
mission = "ru-tallinn"
reduce_by = 6
counts = "diplomatic"
comply_by = "2023-01-31"
source = "test"
"#,
    );
    let r = at_date(&s, "2023-02-01");
    assert_eq!(r.state.caps[0].limit, 15);
    assert_eq!(staff(&r, Category::Diplomatic), 14);
    assert_eq!(staff(&r, Category::AdministrativeTechnical), 22);
}

#[test]
fn a_cap_by_category_over_posts_sheds_from_the_post_with_most_of_them() {
    let s = scenario(
        r#"
[[events]]
id = "ee-caps-all-diplomats"
date = "2023-01-11"
kind = "staff-cap-set"
actor = "estonia"
sender = "russia"
host = "estonia"
limit = 10
counts = "diplomatic"
comply_by = "2023-01-31"
source = "test"
"#,
    );
    // 23 diplomats (21 at the embassy, 2 at Narva), 10 allowed: the embassy gives 13.
    let r = at_date(&s, "2023-02-01");
    assert_eq!(staff(&r, Category::Diplomatic) + 1, 8);
    assert_eq!(r.state.missions[1].in_post.get(Category::Diplomatic), 2);
}

#[test]
fn a_cap_by_category_leaves_vacant_posts_alone_and_is_lifted_by_its_counting() {
    let s = scenario(&format!(
        "{CAPS}{}",
        r#"
[[events]]
id = "ee-lifts-diplomat-cap"
date = "2023-03-01"
kind = "cap-lifted"
actor = "estonia"
mission = "ru-tallinn"
counts = "diplomatic"
source = "test"
"#
    ));
    let r = run(&s, Until::End, false);
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    assert_eq!(r.state.caps.len(), 1);
    assert_eq!(r.state.caps[0].counts, Counts::AdministrativeTechnical);
    // A vacant post has no category: caps on one category abolish none (a cap on all staff
    // sent would have).
    assert_eq!(r.state.missions[0].vacant, 3);
    let whole = scenario(&CAPS.replacen("counts = \"diplomatic\"\n", "", 1));
    let r = at_date(&whole, "2023-01-11");
    assert_eq!(r.state.missions[0].vacant, 0);
}

#[test]
fn the_loader_refuses_a_cap_on_staff_of_no_known_category() {
    let text = format!(
        "{CAST}\n{}",
        CAPS.replacen("\"diplomatic\"", "\"unspecified\"", 1)
    );
    let (_, problems) = scenario::parse("caps.toml", &text).unwrap_err();
    assert!(
        problems.iter().any(|p| p.message.contains("unspecified")),
        "{problems:#?}"
    );
}

#[test]
fn caps_by_category_go_through_a_log_and_back_to_a_file() {
    let s = scenario(CAPS);
    let whole = run(&s, Until::End, false);
    let d = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("category-caps");
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let path = d.join("caps.log");
    drop(
        demarche::log::Writer::create(&path, &s, 1, demarche::log::WriterOptions::default())
            .unwrap(),
    );
    let log = demarche::log::Log::open(&path).unwrap();
    let (_, from_log) = log.run(demarche::log::Upto::End).unwrap();
    assert_eq!(from_log.state, whole.state);
    let v = demarche::log::verify::verify(&log, &mut |_| {}).unwrap();
    assert!(v.drift.is_none(), "{:?}", v.drift);
    let text = demarche::export::to_toml(&s).unwrap();
    assert!(
        text.contains("counts = \"administrative-technical\""),
        "{text}"
    );
    let back = scenario::parse("back.toml", &text).unwrap_or_else(|(_, p)| panic!("{p:#?}"));
    assert_eq!(back.events, s.events);
}
