//! One given/when/then case per rejection code: every code in `Reason::CODES` that the model
//! can produce is produced here, through the public API (`Engine::step`), and the table of
//! cases covers `Reason::CODES` exactly, so a new code cannot come without its case.
//!
//! Given: the cast and starting state of `GIVEN` (a scenario file, read by the loader), then
//! the events a case steps first, each of which must be accepted. When: one more event. Then:
//! it is rejected with the case's code, and the state is as the clock advance left it.

use demarche::core::event::{Cancellation, Counts};
use demarche::core::{
    Action, ActorId, Body, CapScope, Category, Engine, Event, Kind, Limit, Measure, MissionId,
    PersonId, Reason, Removal, Seq, Staff, State, Tone, Who, World,
};
use demarche::scenario::{self, Scenario, parse_date};

const GIVEN: &str = r#"
[scenario]
title = "Rejection codes"
start = "2021-10-01"

[[actors]]
id = "russia"
name = "Russian Federation"
kind = "state"

[[actors]]
id = "nato"
name = "North Atlantic Treaty Organization"
kind = "organisation"

[[actors]]
id = "belgium"
name = "Kingdom of Belgium"
kind = "state"

[[actors]]
id = "uk"
name = "United Kingdom"
kind = "state"

[[persons]]
id = "ivanov"
category = "diplomatic"

[[persons]]
id = "smith"
category = "diplomatic"

[[persons]]
id = "petrov"
category = "diplomatic"

[[missions]]
id = "ru-nato"
name = "Russia to NATO"
kind = "permanent-mission"
sender = "russia"
receiver = "nato"
territory = "belgium"
city = "Brussels"
status = "suspended"

[[missions]]
id = "be-moscow"
name = "Belgium in Moscow"
kind = "embassy"
sender = "belgium"
receiver = "russia"
city = "Moscow"

[[missions]]
id = "uk-moscow"
name = "UK in Moscow"
kind = "embassy"
sender = "uk"
receiver = "russia"
city = "Moscow"
staff = { diplomatic = 10 }
members = ["smith"]

[[missions]]
id = "uk-st-petersburg"
name = "UK in St Petersburg"
kind = "consulate"
sender = "uk"
receiver = "russia"
city = "St Petersburg"
status = "not-open"

[[missions]]
id = "uk-yekaterinburg"
name = "UK in Yekaterinburg"
kind = "consulate"
sender = "uk"
receiver = "russia"
city = "Yekaterinburg"
status = "closed"

[[missions]]
id = "uk-kazan"
name = "UK in Kazan"
kind = "consulate"
sender = "uk"
receiver = "russia"
city = "Kazan"
status = "suspended"

[[missions]]
id = "ru-london"
name = "Russia in London"
kind = "embassy"
sender = "russia"
receiver = "uk"
city = "London"
staff = { diplomatic = 10 }
members = ["ivanov"]
vacant = 2
requested = 2

[[missions]]
id = "ru-dacha"
name = "Russian compound in Kent"
kind = "property"
sender = "russia"
receiver = "uk"
city = "Kent"

[[caps]]
mission = "ru-london"
limit = 11
set_by = "uk"
"#;

const RUSSIA: ActorId = ActorId(0);
const NATO: ActorId = ActorId(1);
const BELGIUM: ActorId = ActorId(2);
const UK: ActorId = ActorId(3);

const RU_NATO: MissionId = MissionId(0);
const BE_MOSCOW: MissionId = MissionId(1);
const UK_MOSCOW: MissionId = MissionId(2);
const UK_ST_PETERSBURG: MissionId = MissionId(3);
const UK_YEKATERINBURG: MissionId = MissionId(4);
const UK_KAZAN: MissionId = MissionId(5);
const RU_LONDON: MissionId = MissionId(6);
const RU_DACHA: MissionId = MissionId(7);

const IVANOV: PersonId = PersonId(0);
const PETROV: PersonId = PersonId(2);

fn given() -> Scenario {
    scenario::parse("codes.toml", GIVEN).unwrap_or_else(|(_, p)| panic!("{p:#?}"))
}

fn day(s: &str) -> demarche::core::Day {
    parse_date(s).unwrap()
}

fn event(date: &str, actor: ActorId, body: Body) -> Event {
    Event {
        date: day(date),
        notified: None,
        actor,
        in_response_to: Vec::new(),
        proposed: false,
        body,
    }
}

/// One measure, taking effect on `effective`.
fn at(date: &str, actor: ActorId, effective: &str, action: Action) -> Event {
    let measures = vec![Measure {
        effective: day(effective),
        action,
    }];
    event(
        date,
        actor,
        Body::Measures {
            bundle: false,
            measures,
        },
    )
}

/// One measure, taking effect on the day it is announced.
fn now(date: &str, actor: ActorId, action: Action) -> Event {
    at(date, actor, date, action)
}

fn signal(date: &str, actor: ActorId, kind: Kind, target: ActorId) -> Event {
    let body = Body::Signal {
        kind,
        target,
        mission: None,
        tone: Tone::Neutral,
        threat: None,
    };
    event(date, actor, body)
}

fn dipl(count: u32) -> Who {
    Who::Count {
        count,
        category: Category::Diplomatic,
    }
}

fn png(mission: MissionId, who: Who, depart_by: &str) -> Action {
    Action::PersonaNonGrata {
        mission,
        who,
        depart_by: day(depart_by),
    }
}

fn cap(mission: MissionId, limit: Limit, comply_by: Option<&str>) -> Action {
    Action::StaffCapSet {
        scope: CapScope::Mission(mission),
        limit,
        comply_by: comply_by.map(day),
        counts: demarche::core::event::Counts::Sent,
    }
}

/// A case: the code expected, the events accepted first, and the event rejected.
struct Case {
    code: u16,
    given: Vec<Event>,
    when: Event,
}

fn case(code: u16, given: Vec<Event>, when: Event) -> Case {
    Case { code, given, when }
}

/// Codes kept in the table so they are never reused, but that no event can produce any more.
/// Their meaning in `Reason::CODES` says so.
const RETIRED: &[u16] = &[25];

fn cases() -> Vec<Case> {
    vec![
        case(1, vec![], signal("2021-09-30", UK, Kind::Protest, RUSSIA)),
        case(
            2,
            vec![],
            Event {
                in_response_to: vec![Seq(5)],
                ..signal("2021-10-06", UK, Kind::Protest, RUSSIA)
            },
        ),
        case(
            3,
            vec![],
            at(
                "2021-10-06",
                UK,
                "2021-10-05",
                png(RU_LONDON, dipl(1), "2021-10-31"),
            ),
        ),
        case(
            4,
            vec![],
            at(
                "2021-10-06",
                UK,
                "2021-10-10",
                png(RU_LONDON, dipl(1), "2021-10-08"),
            ),
        ),
        case(
            5,
            vec![],
            now("2021-10-06", RUSSIA, png(RU_LONDON, dipl(1), "2021-10-31")),
        ),
        case(
            6,
            vec![],
            now(
                "2021-10-06",
                UK,
                Action::StaffRecalled {
                    mission: RU_LONDON,
                    who: dipl(1),
                },
            ),
        ),
        case(
            7,
            vec![],
            now(
                "2021-10-06",
                NATO,
                Action::PremisesSeized { mission: RU_NATO },
            ),
        ),
        case(
            8,
            vec![],
            now(
                "2021-10-06",
                UK,
                Action::ChannelDesignated {
                    with: NATO,
                    via: BE_MOSCOW,
                },
            ),
        ),
        case(
            9,
            vec![],
            now(
                "2021-10-06",
                UK,
                Action::AccreditationRequested {
                    mission: UK_YEKATERINBURG,
                    count: 1,
                },
            ),
        ),
        case(
            10,
            vec![],
            now(
                "2021-10-06",
                UK,
                Action::AccreditationRequested {
                    mission: UK_KAZAN,
                    count: 1,
                },
            ),
        ),
        case(
            11,
            vec![],
            now(
                "2021-10-06",
                UK,
                Action::MissionOpened { mission: UK_MOSCOW },
            ),
        ),
        case(
            12,
            vec![],
            now("2021-10-06", UK, png(RU_LONDON, dipl(30), "2021-10-31")),
        ),
        case(
            13,
            vec![],
            now(
                "2021-10-06",
                UK,
                Action::AccreditationGranted {
                    mission: RU_LONDON,
                    who: dipl(3),
                },
            ),
        ),
        case(
            14,
            vec![],
            now(
                "2021-10-06",
                UK,
                Action::PostsAbolished {
                    mission: RU_LONDON,
                    count: 3,
                },
            ),
        ),
        case(
            15,
            vec![],
            now(
                "2021-10-06",
                RUSSIA,
                Action::StaffDeparted {
                    mission: RU_LONDON,
                    who: dipl(1),
                },
            ),
        ),
        case(
            16,
            vec![],
            now(
                "2021-10-06",
                UK,
                Action::AccreditationGranted {
                    mission: RU_LONDON,
                    who: dipl(2),
                },
            ),
        ),
        case(
            17,
            vec![],
            now("2021-10-06", UK, png(RU_LONDON, dipl(0), "2021-10-31")),
        ),
        case(
            18,
            vec![],
            now("2021-10-06", UK, cap(RU_LONDON, Limit::Absolute(5), None)),
        ),
        case(
            19,
            vec![],
            at(
                "2021-10-06",
                UK,
                "2021-10-20",
                cap(RU_LONDON, Limit::Absolute(5), Some("2021-10-10")),
            ),
        ),
        case(
            20,
            vec![now(
                "2021-10-06",
                UK,
                Action::RelationsBroken {
                    with: RUSSIA,
                    depart_by: None,
                },
            )],
            now(
                "2021-10-07",
                UK,
                Action::MissionOpened {
                    mission: UK_ST_PETERSBURG,
                },
            ),
        ),
        case(
            21,
            vec![now(
                "2021-10-06",
                RUSSIA,
                Action::ConsentWithdrawn {
                    mission: UK_KAZAN,
                    depart_by: day("2021-10-15"),
                },
            )],
            now(
                "2021-10-07",
                UK,
                Action::MissionReopened { mission: UK_KAZAN },
            ),
        ),
        case(
            22,
            vec![],
            now(
                "2021-10-06",
                UK,
                Action::AccreditationGranted {
                    mission: RU_LONDON,
                    who: Who::Named(vec![IVANOV]),
                },
            ),
        ),
        case(
            23,
            vec![],
            now(
                "2021-10-06",
                UK,
                png(RU_LONDON, Who::Named(vec![PETROV]), "2021-10-31"),
            ),
        ),
        case(
            24,
            vec![at(
                "2021-10-06",
                RUSSIA,
                "2021-10-20",
                Action::MissionSuspended { mission: RU_LONDON },
            )],
            at(
                "2021-10-07",
                UK,
                "2021-10-25",
                png(RU_LONDON, dipl(1), "2021-10-31"),
            ),
        ),
        case(
            26,
            vec![signal("2021-10-06", UK, Kind::Protest, RUSSIA)],
            event(
                "2021-10-07",
                UK,
                Body::MeasuresCancelled {
                    of: vec![Seq(0)],
                    how: Cancellation::Withdrawn,
                },
            ),
        ),
        case(
            27,
            vec![Event {
                proposed: true,
                ..now("2021-10-06", UK, png(RU_LONDON, dipl(1), "2021-10-31"))
            }],
            event(
                "2021-10-07",
                RUSSIA,
                Body::ProposalAdopted { proposal: Seq(0) },
            ),
        ),
        case(
            28,
            vec![signal("2021-10-06", UK, Kind::Protest, RUSSIA)],
            event("2021-10-07", UK, Body::ProposalAdopted { proposal: Seq(0) }),
        ),
        case(29, vec![], signal("2021-10-06", UK, Kind::Protest, UK)),
        case(
            30,
            vec![],
            now(
                "2021-10-06",
                UK,
                Action::RelationsEstablished { with: RUSSIA },
            ),
        ),
        case(
            31,
            vec![],
            event(
                "2021-10-06",
                UK,
                Body::StaffReported {
                    mission: UK_MOSCOW,
                    in_post: Staff::of(Category::Diplomatic, 12),
                    vacant: 0,
                },
            ),
        ),
        case(
            32,
            vec![],
            event(
                "2021-10-06",
                UK,
                Body::Measures {
                    bundle: true,
                    measures: Vec::new(),
                },
            ),
        ),
        case(
            33,
            vec![],
            now(
                "2021-10-06",
                RUSSIA,
                Action::ConsentGranted { mission: UK_MOSCOW },
            ),
        ),
        case(
            34,
            vec![],
            now(
                "2021-10-06",
                RUSSIA,
                Action::StaffCapSet {
                    scope: CapScope::Posts {
                        sender: UK,
                        host: BELGIUM,
                    },
                    limit: Limit::Absolute(5),
                    comply_by: None,
                    counts: demarche::core::event::Counts::Sent,
                },
            ),
        ),
        case(
            35,
            vec![],
            now("2021-10-06", UK, png(RU_LONDON, Who::All, "2021-10-31")),
        ),
        case(
            36,
            vec![],
            now(
                "2021-10-06",
                UK,
                cap(RU_LONDON, Limit::ReduceBy(20), Some("2021-10-31")),
            ),
        ),
        case(
            37,
            vec![],
            at(
                "2021-10-06",
                UK,
                "2021-10-20",
                Action::AccreditationGranted {
                    mission: RU_LONDON,
                    who: dipl(1),
                },
            ),
        ),
        case(
            38,
            vec![],
            now(
                "2021-10-06",
                RUSSIA,
                Action::PremisesSeized { mission: UK_MOSCOW },
            ),
        ),
        case(
            39,
            vec![],
            now(
                "2021-10-06",
                RUSSIA,
                Action::DepartureRequired {
                    mission: UK_MOSCOW,
                    who: dipl(1),
                    depart_by: day("2021-10-31"),
                },
            ),
        ),
        case(
            40,
            vec![],
            now(
                "2021-10-06",
                RUSSIA,
                Action::CapLifted {
                    scope: CapScope::Mission(UK_MOSCOW),
                    counts: demarche::core::event::Counts::Sent,
                },
            ),
        ),
        case(
            41,
            vec![],
            now(
                "2021-10-06",
                RUSSIA,
                Action::ConsentWithdrawn {
                    mission: UK_MOSCOW,
                    depart_by: day("2021-10-31"),
                },
            ),
        ),
        case(
            42,
            vec![],
            now(
                "2021-10-06",
                RUSSIA,
                Action::AccreditationRequested {
                    mission: RU_DACHA,
                    count: 1,
                },
            ),
        ),
        case(43, vec![], now("2021-10-06", RUSSIA, posts_png(1))),
        case(44, vec![], now("2021-10-06", UK, posts_png(30))),
        case(45, vec![], at("2021-10-06", UK, "2021-10-10", posts_png(1))),
        case(
            46,
            vec![],
            now(
                "2021-10-06",
                UK,
                Action::StaffMoved {
                    from: UK_MOSCOW,
                    to: BE_MOSCOW,
                    who: dipl(1),
                },
            ),
        ),
        // Given Russia bans the UK embassy from employing local staff (a cap at 0 that counts
        // them), when the UK hires 3 locally, then E047.
        case(
            47,
            vec![now(
                "2021-10-05",
                RUSSIA,
                Action::StaffCapSet {
                    scope: CapScope::Mission(UK_MOSCOW),
                    limit: Limit::Absolute(0),
                    comply_by: None,
                    counts: Counts::Local,
                },
            )],
            now(
                "2021-10-06",
                UK,
                Action::LocalStaffHired {
                    mission: UK_MOSCOW,
                    count: 3,
                },
            ),
        ),
        // Given the UK embassy employs 2 staff locally, when the UK lets 3 go, then E048.
        case(
            48,
            vec![now(
                "2021-10-05",
                UK,
                Action::LocalStaffHired {
                    mission: UK_MOSCOW,
                    count: 2,
                },
            )],
            now(
                "2021-10-06",
                UK,
                Action::LocalStaffDismissed {
                    mission: UK_MOSCOW,
                    count: 3,
                },
            ),
        ),
    ]
}

/// Persona non grata over all of Russia's posts in the UK.
fn posts_png(count: u32) -> Action {
    Action::RemovalFromPosts {
        sender: RUSSIA,
        host: UK,
        removal: Removal::PersonaNonGrata {
            depart_by: day("2021-10-31"),
        },
        count,
        category: Category::Diplomatic,
    }
}

fn run(world: &World, initial: &State, c: &Case) -> Result<(), String> {
    let mut e = Engine::new(world, initial.clone());
    for (i, g) in c.given.iter().enumerate() {
        e.step(g, &mut ())
            .map_err(|r| format!("given event {i} rejected: {}", r.describe(world)))?;
    }
    e.advance_to(c.when.date, &mut ());
    let before = e.state.clone();
    match e.step(&c.when, &mut ()) {
        Ok(seq) => Err(format!("accepted as {seq:?}")),
        Err(r) if r.code() != c.code => Err(format!("rejected with code {}: {r:?}", r.code())),
        Err(r) => {
            // What `State::decide` says, the engine did.
            if before.decide(world, &c.when) != Err(r) {
                return Err("State::decide disagrees with Engine::step".into());
            }
            if e.state != before || e.state.digest() != before.digest() {
                return Err("the rejected event changed the state".into());
            }
            Ok(())
        }
    }
}

#[test]
fn every_code_is_produced_by_its_case() {
    let s = given();
    let failures: Vec<String> = cases()
        .iter()
        .filter_map(|c| {
            run(&s.world, &s.initial, c)
                .err()
                .map(|e| format!("code {}: {e}", c.code))
        })
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_cases_cover_reason_codes_exactly() {
    let mut covered: Vec<u16> = cases().iter().map(|c| c.code).collect();
    let n = covered.len();
    covered.extend(RETIRED);
    covered.sort();
    covered.dedup();
    assert_eq!(
        covered.len(),
        n + RETIRED.len(),
        "a code has two cases, or is retired and has one"
    );
    let codes: Vec<u16> = Reason::CODES.iter().map(|c| c.code).collect();
    assert_eq!(covered, codes);
    for info in Reason::CODES.iter().filter(|i| RETIRED.contains(&i.code)) {
        assert!(
            info.meaning.starts_with("retired"),
            "code {} is not retired: {}",
            info.code,
            info.meaning
        );
    }
}
