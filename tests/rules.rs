//! Given/when/then tests of the pure core: one or more per rejection code in `Reason::CODES`,
//! and one per rule the core enforces or effect the catalogue promises. Each test builds a
//! small world of Russia, NATO, Belgium, the UK and the USA and their missions, sets the Given
//! part directly on the state, steps events through `Engine::step` and checks either the whole
//! rejection (with its code, and that the state did not move) or the state the event left.

use demarche::core::event::Cancellation;
use demarche::core::state::{Designated, Premises, Relation};
use demarche::core::world::{Actor, ActorKind, MissionDef, MissionKind, Person};
use demarche::core::{
    Action, ActorId, Body, CapScope, Category, Change, Day, Engine, Event, Kind, Lifecycle, Limit,
    Measure, MissionId, PersonId, Reason, Seq, Staff, State, Status, Tone, Who, World,
};
use demarche::scenario::parse_date;

const RUSSIA: ActorId = ActorId(0);
const NATO: ActorId = ActorId(1);
const BELGIUM: ActorId = ActorId(2);
const UK: ActorId = ActorId(3);
const USA: ActorId = ActorId(4);

/// Russia's permanent mission to NATO: receiver NATO, premises in Belgium.
const RU_NATO: MissionId = MissionId(0);
const BE_MOSCOW: MissionId = MissionId(1);
/// NATO's information office in Moscow, under the Belgian embassy.
const NATO_MOSCOW: MissionId = MissionId(2);
const UK_MOSCOW: MissionId = MissionId(3);
const UK_YEKATERINBURG: MissionId = MissionId(4);
/// Declared but not open when the scenario starts.
const UK_ST_PETERSBURG: MissionId = MissionId(5);
/// The UK's interests section in the Belgian embassy: survives a break of relations.
const UK_INTERESTS: MissionId = MissionId(6);
const RU_LONDON: MissionId = MissionId(7);
const US_MOSCOW: MissionId = MissionId(8);
const RU_WASHINGTON: MissionId = MissionId(9);
const RU_SAN_FRANCISCO: MissionId = MissionId(10);

const IVANOV: PersonId = PersonId(0);
const PETROV: PersonId = PersonId(1);
const SMITH: PersonId = PersonId(2);

const START: &str = "2021-10-01";

fn world() -> World {
    let actor = |key: &str, kind| Actor {
        key: key.into(),
        name: key.into(),
        kind,
    };
    let mission =
        |key: &str, kind, sender, receiver, territory, city: &str, hosted_by| MissionDef {
            key: key.into(),
            name: key.into(),
            kind,
            sender,
            receiver,
            territory,
            city: city.into(),
            hosted_by,
        };
    let person = |key: &str| Person {
        key: key.into(),
        category: Category::Diplomatic,
    };
    use MissionKind::*;
    World {
        actors: vec![
            actor("russia", ActorKind::State),
            actor("nato", ActorKind::Organisation),
            actor("belgium", ActorKind::State),
            actor("uk", ActorKind::State),
            actor("usa", ActorKind::State),
        ],
        missions: vec![
            mission(
                "ru-nato",
                PermanentMission,
                RUSSIA,
                NATO,
                BELGIUM,
                "Brussels",
                None,
            ),
            mission(
                "be-moscow",
                Embassy,
                BELGIUM,
                RUSSIA,
                RUSSIA,
                "Moscow",
                None,
            ),
            mission(
                "nato-moscow",
                InformationOffice,
                NATO,
                RUSSIA,
                RUSSIA,
                "Moscow",
                Some(BE_MOSCOW),
            ),
            mission("uk-moscow", Embassy, UK, RUSSIA, RUSSIA, "Moscow", None),
            mission(
                "uk-yekaterinburg",
                Consulate,
                UK,
                RUSSIA,
                RUSSIA,
                "Yekaterinburg",
                None,
            ),
            mission(
                "uk-st-petersburg",
                Consulate,
                UK,
                RUSSIA,
                RUSSIA,
                "St Petersburg",
                None,
            ),
            mission(
                "uk-interests",
                InterestsSection,
                UK,
                RUSSIA,
                RUSSIA,
                "Moscow",
                Some(BE_MOSCOW),
            ),
            mission("ru-london", Embassy, RUSSIA, UK, UK, "London", None),
            mission("us-moscow", Embassy, USA, RUSSIA, RUSSIA, "Moscow", None),
            mission(
                "ru-washington",
                Embassy,
                RUSSIA,
                USA,
                USA,
                "Washington",
                None,
            ),
            mission(
                "ru-san-francisco",
                Consulate,
                RUSSIA,
                USA,
                USA,
                "San Francisco",
                None,
            ),
        ],
        persons: vec![person("ivanov"), person("petrov"), person("smith")],
    }
}

/// Every mission operating, except the consulate in St Petersburg; no staff anywhere.
fn engine(w: &World) -> Engine<'_> {
    let mut lifecycles = vec![Lifecycle::Operating; w.missions.len()];
    lifecycles[UK_ST_PETERSBURG.index()] = Lifecycle::NotOpen;
    Engine::new(w, State::new(w, day(START), &lifecycles))
}

fn day(s: &str) -> Day {
    parse_date(s).unwrap()
}

// ---- Given ----

fn given_staff(e: &mut Engine, m: MissionId, diplomats: u32) {
    e.state.missions[m.index()].in_post = Staff::of(Category::Diplomatic, diplomats);
}

fn given_members(e: &mut Engine, m: MissionId, persons: &[PersonId]) {
    for p in persons {
        e.state.person_at[p.index()] = Some(m);
    }
    e.state.missions[m.index()].members = persons.to_vec();
}

fn given_requests(e: &mut Engine, m: MissionId, n: u32) {
    e.state.missions[m.index()].requested = n;
}

fn given_vacant(e: &mut Engine, m: MissionId, n: u32) {
    e.state.missions[m.index()].vacant = n;
}

fn given_lifecycle(e: &mut Engine, m: MissionId, l: Lifecycle) {
    let ms = &mut e.state.missions[m.index()];
    ms.lifecycle = l;
    ms.premises = if l == Lifecycle::Operating {
        Premises::InUse
    } else {
        Premises::Protected
    };
}

// ---- When: events and measures ----

fn event(date: &str, actor: ActorId, body: Body) -> Event {
    Event {
        date: day(date),
        notified: None,
        actor,
        in_response_to: vec![],
        proposed: false,
        body,
    }
}

/// One measure taking effect on the day it is announced.
fn ev(date: &str, actor: ActorId, action: Action) -> Event {
    deferred(date, actor, date, action)
}

fn deferred(date: &str, actor: ActorId, effective: &str, action: Action) -> Event {
    bundle_of(date, actor, false, vec![at(effective, action)])
}

fn bundle(date: &str, actor: ActorId, measures: Vec<Measure>) -> Event {
    bundle_of(date, actor, true, measures)
}

fn bundle_of(date: &str, actor: ActorId, bundle: bool, measures: Vec<Measure>) -> Event {
    event(date, actor, Body::Measures { bundle, measures })
}

fn proposal(date: &str, actor: ActorId, action: Action) -> Event {
    Event {
        proposed: true,
        ..ev(date, actor, action)
    }
}

fn at(effective: &str, action: Action) -> Measure {
    Measure {
        effective: day(effective),
        action,
    }
}

fn signal(
    date: &str,
    actor: ActorId,
    kind: Kind,
    target: ActorId,
    mission: Option<MissionId>,
) -> Event {
    event(
        date,
        actor,
        Body::Signal {
            kind,
            target,
            mission,
            tone: Tone::Neutral,
            threat: None,
        },
    )
}

fn adopt(date: &str, actor: ActorId, proposal: Seq) -> Event {
    event(date, actor, Body::ProposalAdopted { proposal })
}

fn cancel(date: &str, actor: ActorId, of: Seq) -> Event {
    event(
        date,
        actor,
        Body::MeasuresCancelled {
            of: vec![of],
            how: Cancellation::Withdrawn,
        },
    )
}

fn report(date: &str, actor: ActorId, mission: MissionId, in_post: u32, vacant: u32) -> Event {
    let in_post = Staff::of(Category::Unspecified, in_post);
    event(
        date,
        actor,
        Body::StaffReported {
            mission,
            in_post,
            vacant,
        },
    )
}

fn dipl(count: u32) -> Who {
    Who::Count {
        count,
        category: Category::Diplomatic,
    }
}

fn named(persons: &[PersonId]) -> Who {
    Who::Named(persons.to_vec())
}

fn png(mission: MissionId, who: Who, depart_by: &str) -> Action {
    Action::PersonaNonGrata {
        mission,
        who,
        depart_by: day(depart_by),
    }
}

fn withdrawn(mission: MissionId, who: Who, depart_by: &str) -> Action {
    Action::AccreditationWithdrawn {
        mission,
        who,
        depart_by: day(depart_by),
    }
}

fn granted(mission: MissionId, who: Who) -> Action {
    Action::AccreditationGranted { mission, who }
}

fn recalled(mission: MissionId, who: Who) -> Action {
    Action::StaffRecalled { mission, who }
}

fn departed(mission: MissionId, who: Who) -> Action {
    Action::StaffDeparted { mission, who }
}

fn cap(mission: MissionId, limit: u32, comply_by: Option<&str>) -> Action {
    Action::StaffCapSet {
        scope: CapScope::Mission(mission),
        limit: Limit::Absolute(limit),
        comply_by: comply_by.map(day),
        counts: demarche::core::event::Counts::Sent,
    }
}

fn consent_withdrawn(mission: MissionId, depart_by: &str) -> Action {
    Action::ConsentWithdrawn {
        mission,
        depart_by: day(depart_by),
    }
}

// ---- Then ----

/// Steps `event`, which must be rejected with exactly `reason`, whose code must be `code`;
/// the state must be as the clock advance left it, byte for byte.
#[track_caller]
fn then_rejected(e: &mut Engine, event: &Event, reason: Reason, code: u16) {
    e.advance_to(event.date, &mut ());
    let before = e.state.clone();
    let digest = before.digest();
    assert_eq!(e.step(event, &mut ()), Err(reason.clone()));
    assert_eq!(reason.code(), code);
    assert_eq!(e.state, before, "a rejected event changed the state");
    assert_eq!(e.state.digest(), digest);
}

#[track_caller]
fn then_accepted(e: &mut Engine, event: &Event) -> Seq {
    match e.step(event, &mut ()) {
        Ok(seq) => seq,
        Err(r) => panic!("rejected with code {}: {}", r.code(), r.describe(e.world)),
    }
}

fn status(e: &Engine, m: MissionId) -> Status {
    e.state.status(e.world, m)
}

fn headcount(e: &Engine, m: MissionId) -> u32 {
    e.state.mission(m).headcount()
}

fn leaving(e: &Engine, m: MissionId) -> u32 {
    e.state.mission(m).leaving_count()
}

// ==== The code table ====

#[test]
fn codes_run_from_1_without_gaps_so_each_has_a_test_here() {
    // A new code must come with a given/when/then test in this file (codes 1 to 40) or in
    // tests/model.rs (from 41).
    let codes: Vec<u16> = Reason::CODES.iter().map(|c| c.code).collect();
    assert_eq!(codes, (1..=codes.len() as u16).collect::<Vec<u16>>());
    assert!(codes.len() >= 42);
}

// ==== Signals and notification ====

#[test]
fn a_signal_is_recorded_and_changes_no_mission() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let missions = e.state.missions.clone();
    then_accepted(
        &mut e,
        &signal(
            "2021-10-06",
            RUSSIA,
            Kind::CountermeasuresThreatened,
            UK,
            None,
        ),
    );
    then_accepted(
        &mut e,
        &signal(
            "2021-10-06",
            RUSSIA,
            Kind::AmbassadorSummoned,
            UK,
            Some(UK_MOSCOW),
        ),
    );
    assert_eq!(e.state.missions, missions);
    assert_eq!(e.state.events, 2);
}

#[test]
fn an_expulsion_notified_after_its_announcement_takes_effect_on_the_notification_day() {
    // R6: staff are not removed before the sending side is notified; the deadline stays.
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let expel = Event {
        notified: Some(day("2021-10-09")),
        ..ev("2021-10-06", RUSSIA, png(UK_MOSCOW, dipl(2), "2021-10-15"))
    };
    then_accepted(&mut e, &expel);
    assert_eq!((headcount(&e, UK_MOSCOW), leaving(&e, UK_MOSCOW)), (5, 0));
    e.advance_to(day("2021-10-08"), &mut ());
    assert_eq!((headcount(&e, UK_MOSCOW), leaving(&e, UK_MOSCOW)), (5, 0));
    e.advance_to(day("2021-10-09"), &mut ());
    assert_eq!((headcount(&e, UK_MOSCOW), leaving(&e, UK_MOSCOW)), (3, 2));
    assert_eq!(
        e.state.mission(UK_MOSCOW).leaving[0].deadline,
        day("2021-10-15")
    );
}

#[test]
fn a_measure_notified_on_or_before_its_effective_day_takes_effect_on_that_day() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let expel = Event {
        notified: Some(day("2021-10-06")),
        ..ev("2021-10-06", RUSSIA, png(UK_MOSCOW, dipl(2), "2021-10-15"))
    };
    then_accepted(&mut e, &expel);
    assert_eq!((headcount(&e, UK_MOSCOW), leaving(&e, UK_MOSCOW)), (3, 2));
}

// ==== 1 DateBeforePrevious ====

#[test]
fn an_event_dated_before_the_replay_clock_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    then_accepted(
        &mut e,
        &signal("2021-10-06", RUSSIA, Kind::Statement, NATO, None),
    );
    let late = signal("2021-10-05", RUSSIA, Kind::Protest, NATO, None);
    let reason = Reason::DateBeforePrevious {
        date: day("2021-10-05"),
        previous: day("2021-10-06"),
    };
    then_rejected(&mut e, &late, reason, 1);
}

#[test]
fn an_event_dated_on_the_replay_clock_day_is_accepted() {
    let w = world();
    let mut e = engine(&w);
    then_accepted(
        &mut e,
        &signal("2021-10-06", RUSSIA, Kind::Statement, NATO, None),
    );
    assert_eq!(
        then_accepted(
            &mut e,
            &signal("2021-10-06", NATO, Kind::Protest, RUSSIA, None)
        ),
        Seq(1)
    );
    assert_eq!(e.state.clock, day("2021-10-06"));
}

// ==== 2 ResponseNotEarlier ====

#[test]
fn a_response_to_an_event_not_earlier_in_the_log_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    then_accepted(
        &mut e,
        &signal("2021-10-06", NATO, Kind::Accusation, RUSSIA, None),
    );
    let answer = Event {
        in_response_to: vec![Seq(0), Seq(1)],
        ..signal("2021-10-07", RUSSIA, Kind::Protest, NATO, None)
    };
    then_rejected(
        &mut e,
        &answer,
        Reason::ResponseNotEarlier {
            target: Seq(1),
            next: Seq(1),
        },
        2,
    );
}

#[test]
fn a_response_to_an_earlier_event_is_accepted() {
    let w = world();
    let mut e = engine(&w);
    then_accepted(
        &mut e,
        &signal("2021-10-06", NATO, Kind::Accusation, RUSSIA, None),
    );
    let answer = Event {
        in_response_to: vec![Seq(0)],
        ..signal("2021-10-07", RUSSIA, Kind::Protest, NATO, None)
    };
    assert_eq!(then_accepted(&mut e, &answer), Seq(1));
}

#[test]
fn cancelling_an_event_not_in_the_log_is_rejected_as_not_earlier() {
    let w = world();
    let mut e = engine(&w);
    then_rejected(
        &mut e,
        &cancel("2021-10-06", RUSSIA, Seq(4)),
        Reason::ResponseNotEarlier {
            target: Seq(4),
            next: Seq(0),
        },
        2,
    );
}

// ==== 3 EffectiveBeforeAnnounced ====

#[test]
fn a_measure_taking_effect_before_its_announcement_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let backdated = deferred(
        "2021-10-06",
        RUSSIA,
        "2021-10-05",
        png(UK_MOSCOW, dipl(1), "2021-10-10"),
    );
    let reason = Reason::EffectiveBeforeAnnounced {
        effective: day("2021-10-05"),
        announced: day("2021-10-06"),
    };
    then_rejected(&mut e, &backdated, reason, 3);
}

#[test]
fn a_proposal_whose_measure_takes_effect_before_it_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    let mut held = proposal("2021-10-06", RUSSIA, png(UK_MOSCOW, dipl(1), "2021-10-10"));
    held.body = Body::Measures {
        bundle: false,
        measures: vec![at("2021-10-04", png(UK_MOSCOW, dipl(1), "2021-10-10"))],
    };
    let reason = Reason::EffectiveBeforeAnnounced {
        effective: day("2021-10-04"),
        announced: day("2021-10-06"),
    };
    then_rejected(&mut e, &held, reason, 3);
}

// ==== 4 DeadlineBeforeEffective ====

#[test]
fn a_departure_deadline_before_the_expulsion_takes_effect_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let expel = deferred(
        "2021-10-06",
        RUSSIA,
        "2021-10-10",
        png(UK_MOSCOW, dipl(2), "2021-10-08"),
    );
    let reason = Reason::DeadlineBeforeEffective {
        deadline: day("2021-10-08"),
        effective: day("2021-10-10"),
    };
    then_rejected(&mut e, &expel, reason, 4);
}

#[test]
fn a_departure_deadline_before_consent_is_withdrawn_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    let end = deferred(
        "2021-10-06",
        RUSSIA,
        "2021-10-20",
        consent_withdrawn(UK_YEKATERINBURG, "2021-10-19"),
    );
    let reason = Reason::DeadlineBeforeEffective {
        deadline: day("2021-10-19"),
        effective: day("2021-10-20"),
    };
    then_rejected(&mut e, &end, reason, 4);
}

#[test]
fn a_departure_deadline_on_the_day_of_effect_is_accepted() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    then_accepted(
        &mut e,
        &ev("2021-10-06", RUSSIA, png(UK_MOSCOW, dipl(2), "2021-10-06")),
    );
    assert_eq!(leaving(&e, UK_MOSCOW), 2);
    assert_eq!(
        e.state.mission(UK_MOSCOW).leaving[0].deadline,
        day("2021-10-06")
    );
}

// ==== 5 NotReceivingSide ====

#[test]
fn withdrawal_by_the_host_state_of_a_mission_to_an_organisation_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_NATO, 20);
    let expel = ev(
        "2021-10-06",
        BELGIUM,
        withdrawn(RU_NATO, dipl(8), "2021-10-31"),
    );
    then_rejected(
        &mut e,
        &expel,
        Reason::NotReceivingSide {
            actor: BELGIUM,
            mission: RU_NATO,
            receiver: NATO,
        },
        5,
    );
}

#[test]
fn the_organisation_withdraws_accreditation_from_a_mission_accredited_to_it() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_NATO, 20);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            NATO,
            withdrawn(RU_NATO, dipl(8), "2021-10-31"),
        ),
    );
    assert_eq!(headcount(&e, RU_NATO), 12);
    assert_eq!(leaving(&e, RU_NATO), 8);
    assert_eq!(status(&e, RU_NATO), Status::Active);
}

#[test]
fn the_sender_cannot_cap_its_own_mission() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    let cap = ev("2021-10-06", RUSSIA, cap(RU_LONDON, 12, None));
    then_rejected(
        &mut e,
        &cap,
        Reason::NotReceivingSide {
            actor: RUSSIA,
            mission: RU_LONDON,
            receiver: UK,
        },
        5,
    );
}

#[test]
fn only_the_receiving_side_summons_the_head_of_a_mission() {
    let w = world();
    let mut e = engine(&w);
    let summons = signal(
        "2021-10-06",
        UK,
        Kind::AmbassadorSummoned,
        RUSSIA,
        Some(RU_WASHINGTON),
    );
    then_rejected(
        &mut e,
        &summons,
        Reason::NotReceivingSide {
            actor: UK,
            mission: RU_WASHINGTON,
            receiver: USA,
        },
        5,
    );
    then_accepted(
        &mut e,
        &signal(
            "2021-10-06",
            USA,
            Kind::AmbassadorSummoned,
            RUSSIA,
            Some(RU_WASHINGTON),
        ),
    );
}

// ==== 6 NotSendingSide ====

#[test]
fn the_host_cannot_close_another_states_embassy() {
    let w = world();
    let mut e = engine(&w);
    let close = ev(
        "2021-10-06",
        RUSSIA,
        Action::MissionClosed { mission: UK_MOSCOW },
    );
    then_rejected(
        &mut e,
        &close,
        Reason::NotSendingSide {
            actor: RUSSIA,
            mission: UK_MOSCOW,
            sender: UK,
        },
        6,
    );
}

#[test]
fn the_host_cannot_recall_the_senders_staff() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let recall = ev("2021-10-06", RUSSIA, recalled(UK_MOSCOW, dipl(1)));
    then_rejected(
        &mut e,
        &recall,
        Reason::NotSendingSide {
            actor: RUSSIA,
            mission: UK_MOSCOW,
            sender: UK,
        },
        6,
    );
}

// ==== 7 NotTerritorialState ====

#[test]
fn the_organisation_cannot_seize_the_premises_of_a_mission_accredited_to_it() {
    let w = world();
    let mut e = engine(&w);
    given_lifecycle(&mut e, RU_NATO, Lifecycle::Suspended);
    let seize = ev(
        "2021-10-06",
        NATO,
        Action::PremisesSeized { mission: RU_NATO },
    );
    then_rejected(
        &mut e,
        &seize,
        Reason::NotTerritorialState {
            actor: NATO,
            mission: RU_NATO,
            territory: BELGIUM,
        },
        7,
    );
}

// ==== 8 NotAParty ====

#[test]
fn a_channel_through_a_mission_of_neither_party_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    let channel = ev(
        "2021-10-06",
        UK,
        Action::ChannelDesignated {
            with: NATO,
            via: US_MOSCOW,
        },
    );
    then_rejected(
        &mut e,
        &channel,
        Reason::NotAParty {
            actor: UK,
            with: NATO,
            via: Some(US_MOSCOW),
        },
        8,
    );
}

#[test]
fn a_channel_through_a_mission_accredited_to_one_party_is_designated() {
    let w = world();
    let mut e = engine(&w);
    let seq = then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            UK,
            Action::ChannelDesignated {
                with: RUSSIA,
                via: BE_MOSCOW,
            },
        ),
    );
    let channel = Designated {
        pair: (RUSSIA, UK),
        via: BE_MOSCOW,
        since: day("2021-10-06"),
        cause: Some(seq),
    };
    assert_eq!(e.state.designated, vec![channel]);
}

// ==== 9 MissionClosed ====

#[test]
fn no_accreditation_is_requested_for_a_closed_mission() {
    let w = world();
    let mut e = engine(&w);
    given_lifecycle(&mut e, UK_YEKATERINBURG, Lifecycle::Closed);
    let request = ev(
        "2021-10-06",
        UK,
        Action::AccreditationRequested {
            mission: UK_YEKATERINBURG,
            count: 2,
        },
    );
    then_rejected(
        &mut e,
        &request,
        Reason::MissionClosed {
            mission: UK_YEKATERINBURG,
        },
        9,
    );
}

#[test]
fn a_closed_mission_cannot_be_closed_again() {
    let w = world();
    let mut e = engine(&w);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            UK,
            Action::MissionClosed {
                mission: UK_YEKATERINBURG,
            },
        ),
    );
    let again = ev(
        "2021-10-07",
        UK,
        Action::MissionClosed {
            mission: UK_YEKATERINBURG,
        },
    );
    then_rejected(
        &mut e,
        &again,
        Reason::MissionClosed {
            mission: UK_YEKATERINBURG,
        },
        9,
    );
}

#[test]
fn staff_of_a_closed_mission_may_still_depart() {
    // R8: nothing may block a departure, not even the mission having closed.
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_YEKATERINBURG, 4);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            RUSSIA,
            consent_withdrawn(UK_YEKATERINBURG, "2021-10-15"),
        ),
    );
    assert_eq!(status(&e, UK_YEKATERINBURG), Status::Closed);
    then_accepted(
        &mut e,
        &ev("2021-10-12", UK, departed(UK_YEKATERINBURG, dipl(3))),
    );
    assert_eq!(leaving(&e, UK_YEKATERINBURG), 1);
}

// ==== 10 MissionNotOperating ====

#[test]
fn no_accreditation_is_requested_for_a_suspended_mission() {
    let w = world();
    let mut e = engine(&w);
    given_lifecycle(&mut e, RU_NATO, Lifecycle::Suspended);
    let request = ev(
        "2021-10-06",
        RUSSIA,
        Action::AccreditationRequested {
            mission: RU_NATO,
            count: 1,
        },
    );
    then_rejected(
        &mut e,
        &request,
        Reason::MissionNotOperating {
            mission: RU_NATO,
            status: "suspended",
        },
        10,
    );
}

#[test]
fn no_accreditation_is_requested_for_a_mission_not_yet_open() {
    let w = world();
    let mut e = engine(&w);
    let request = ev(
        "2021-10-06",
        UK,
        Action::AccreditationRequested {
            mission: UK_ST_PETERSBURG,
            count: 1,
        },
    );
    then_rejected(
        &mut e,
        &request,
        Reason::MissionNotOperating {
            mission: UK_ST_PETERSBURG,
            status: "not open",
        },
        10,
    );
}

#[test]
fn suspending_a_suspended_mission_is_rejected_as_not_operating() {
    // The lifecycle check runs before the status check, so this is code 10 and not code 11.
    let w = world();
    let mut e = engine(&w);
    given_lifecycle(&mut e, RU_NATO, Lifecycle::Suspended);
    let again = ev(
        "2021-10-06",
        RUSSIA,
        Action::MissionSuspended { mission: RU_NATO },
    );
    then_rejected(
        &mut e,
        &again,
        Reason::MissionNotOperating {
            mission: RU_NATO,
            status: "suspended",
        },
        10,
    );
}

#[test]
fn an_ambassador_of_a_suspended_mission_cannot_be_summoned() {
    let w = world();
    let mut e = engine(&w);
    given_lifecycle(&mut e, RU_NATO, Lifecycle::Suspended);
    let summons = signal(
        "2021-10-06",
        NATO,
        Kind::AmbassadorSummoned,
        RUSSIA,
        Some(RU_NATO),
    );
    then_rejected(
        &mut e,
        &summons,
        Reason::MissionNotOperating {
            mission: RU_NATO,
            status: "suspended",
        },
        10,
    );
}

// ==== 11 AlreadyInStatus ====

#[test]
fn opening_a_mission_already_operating_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    let open = ev(
        "2021-10-06",
        UK,
        Action::MissionOpened { mission: UK_MOSCOW },
    );
    then_rejected(
        &mut e,
        &open,
        Reason::AlreadyInStatus {
            mission: UK_MOSCOW,
            status: "operating",
        },
        11,
    );
}

#[test]
fn reopening_a_mission_already_operating_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    let reopen = ev(
        "2021-10-06",
        UK,
        Action::MissionReopened { mission: UK_MOSCOW },
    );
    then_rejected(
        &mut e,
        &reopen,
        Reason::AlreadyInStatus {
            mission: UK_MOSCOW,
            status: "operating",
        },
        11,
    );
}

#[test]
fn seizing_premises_already_seized_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_lifecycle(&mut e, RU_NATO, Lifecycle::Closed);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            BELGIUM,
            Action::PremisesSeized { mission: RU_NATO },
        ),
    );
    let again = ev(
        "2021-10-07",
        BELGIUM,
        Action::PremisesSeized { mission: RU_NATO },
    );
    then_rejected(
        &mut e,
        &again,
        Reason::AlreadyInStatus {
            mission: RU_NATO,
            status: "seized",
        },
        11,
    );
}

#[test]
fn a_mission_not_yet_open_opens() {
    let w = world();
    let mut e = engine(&w);
    assert_eq!(status(&e, UK_ST_PETERSBURG), Status::NotOpen);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            UK,
            Action::MissionOpened {
                mission: UK_ST_PETERSBURG,
            },
        ),
    );
    assert_eq!(status(&e, UK_ST_PETERSBURG), Status::Active);
    assert_eq!(e.state.mission(UK_ST_PETERSBURG).premises, Premises::InUse);
}

// ==== 12 CountExceedsStaff ====

#[test]
fn declaring_more_diplomats_persona_non_grata_than_are_in_post_is_rejected() {
    // A diplomatic count may also take staff of unspecified category: 2 + 1 are available.
    let w = world();
    let mut e = engine(&w);
    e.state.missions[UK_MOSCOW.index()].in_post = Staff([2, 4, 0, 1]);
    let expel = ev("2021-10-06", RUSSIA, png(UK_MOSCOW, dipl(4), "2021-10-15"));
    then_rejected(
        &mut e,
        &expel,
        Reason::CountExceedsStaff {
            mission: UK_MOSCOW,
            count: 4,
            available: 3,
        },
        12,
    );
}

#[test]
fn a_diplomatic_count_takes_diplomats_first_then_unspecified_staff() {
    let w = world();
    let mut e = engine(&w);
    e.state.missions[UK_MOSCOW.index()].in_post = Staff([2, 4, 0, 1]);
    then_accepted(
        &mut e,
        &ev("2021-10-06", RUSSIA, png(UK_MOSCOW, dipl(3), "2021-10-15")),
    );
    assert_eq!(e.state.mission(UK_MOSCOW).in_post, Staff([0, 4, 0, 0]));
    assert_eq!(
        e.state.mission(UK_MOSCOW).leaving[0].staff,
        Staff([2, 0, 0, 1])
    );
}

#[test]
fn recalling_more_staff_than_are_in_post_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 2);
    let recall = ev(
        "2021-10-06",
        UK,
        recalled(
            UK_MOSCOW,
            Who::Count {
                count: 3,
                category: Category::Unspecified,
            },
        ),
    );
    then_rejected(
        &mut e,
        &recall,
        Reason::CountExceedsStaff {
            mission: UK_MOSCOW,
            count: 3,
            available: 2,
        },
        12,
    );
}

// ==== 13 CountExceedsRequests ====

#[test]
fn granting_more_accreditations_than_are_requested_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_requests(&mut e, RU_LONDON, 2);
    let grant = ev("2021-10-06", UK, granted(RU_LONDON, dipl(3)));
    then_rejected(
        &mut e,
        &grant,
        Reason::CountExceedsRequests {
            mission: RU_LONDON,
            count: 3,
            pending: 2,
        },
        13,
    );
}

#[test]
fn granting_a_named_person_without_a_request_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    let grant = ev("2021-10-06", UK, granted(RU_LONDON, named(&[IVANOV])));
    then_rejected(
        &mut e,
        &grant,
        Reason::CountExceedsRequests {
            mission: RU_LONDON,
            count: 1,
            pending: 0,
        },
        13,
    );
}

#[test]
fn denying_more_accreditations_than_are_requested_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_requests(&mut e, RU_LONDON, 2);
    let deny = ev(
        "2021-10-06",
        UK,
        Action::AccreditationDenied {
            mission: RU_LONDON,
            count: 3,
        },
    );
    then_rejected(
        &mut e,
        &deny,
        Reason::CountExceedsRequests {
            mission: RU_LONDON,
            count: 3,
            pending: 2,
        },
        13,
    );
}

#[test]
fn requests_add_up_and_denials_remove_them() {
    let w = world();
    let mut e = engine(&w);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            RUSSIA,
            Action::AccreditationRequested {
                mission: RU_LONDON,
                count: 3,
            },
        ),
    );
    then_accepted(
        &mut e,
        &ev(
            "2021-10-07",
            RUSSIA,
            Action::AccreditationRequested {
                mission: RU_LONDON,
                count: 2,
            },
        ),
    );
    assert_eq!(e.state.mission(RU_LONDON).requested, 5);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-08",
            UK,
            Action::AccreditationDenied {
                mission: RU_LONDON,
                count: 4,
            },
        ),
    );
    assert_eq!(e.state.mission(RU_LONDON).requested, 1);
    assert_eq!(headcount(&e, RU_LONDON), 0);
}

#[test]
fn granted_staff_take_up_post_filling_vacant_posts_first() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    given_vacant(&mut e, RU_LONDON, 3);
    given_requests(&mut e, RU_LONDON, 5);
    then_accepted(&mut e, &ev("2021-10-06", UK, granted(RU_LONDON, dipl(2))));
    let ms = e.state.mission(RU_LONDON);
    assert_eq!((ms.headcount(), ms.vacant, ms.requested), (12, 1, 3));
}

// ==== 14 CountExceedsVacancies ====

#[test]
fn abolishing_more_posts_than_are_vacant_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    given_vacant(&mut e, RU_LONDON, 2);
    let abolish = ev(
        "2021-10-06",
        UK,
        Action::PostsAbolished {
            mission: RU_LONDON,
            count: 3,
        },
    );
    then_rejected(
        &mut e,
        &abolish,
        Reason::CountExceedsVacancies {
            mission: RU_LONDON,
            count: 3,
            vacant: 2,
        },
        14,
    );
}

#[test]
fn vacancies_a_deferred_abolition_will_remove_cannot_be_abolished_again() {
    let w = world();
    let mut e = engine(&w);
    given_vacant(&mut e, RU_LONDON, 3);
    then_accepted(
        &mut e,
        &deferred(
            "2021-10-06",
            UK,
            "2021-10-20",
            Action::PostsAbolished {
                mission: RU_LONDON,
                count: 2,
            },
        ),
    );
    let abolish = ev(
        "2021-10-07",
        UK,
        Action::PostsAbolished {
            mission: RU_LONDON,
            count: 2,
        },
    );
    then_rejected(
        &mut e,
        &abolish,
        Reason::CountExceedsVacancies {
            mission: RU_LONDON,
            count: 2,
            vacant: 1,
        },
        14,
    );
    e.advance_to(day("2021-10-20"), &mut ());
    assert_eq!(e.state.mission(RU_LONDON).vacant, 1);
    assert_eq!(e.state.mission(RU_LONDON).reserved_vacant, 0);
}

#[test]
fn recalled_staff_leave_their_posts_vacant_and_abolition_removes_them() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    then_accepted(&mut e, &ev("2021-10-06", UK, recalled(UK_MOSCOW, dipl(2))));
    assert_eq!(
        (headcount(&e, UK_MOSCOW), e.state.mission(UK_MOSCOW).vacant),
        (3, 2)
    );
    then_accepted(
        &mut e,
        &ev(
            "2021-10-07",
            RUSSIA,
            Action::PostsAbolished {
                mission: UK_MOSCOW,
                count: 2,
            },
        ),
    );
    assert_eq!(
        (headcount(&e, UK_MOSCOW), e.state.mission(UK_MOSCOW).vacant),
        (3, 0)
    );
}

// ==== 15 CountExceedsLeaving ====

#[test]
fn more_departures_than_staff_due_to_leave_are_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    then_accepted(
        &mut e,
        &ev("2021-10-06", RUSSIA, png(UK_MOSCOW, dipl(2), "2021-10-15")),
    );
    let depart = ev("2021-10-07", UK, departed(UK_MOSCOW, dipl(3)));
    then_rejected(
        &mut e,
        &depart,
        Reason::CountExceedsLeaving {
            mission: UK_MOSCOW,
            count: 3,
            leaving: 2,
        },
        15,
    );
}

#[test]
fn everyone_departing_when_nobody_is_due_to_leave_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let depart = ev("2021-10-06", UK, departed(UK_MOSCOW, Who::All));
    then_rejected(
        &mut e,
        &depart,
        Reason::CountExceedsLeaving {
            mission: UK_MOSCOW,
            count: 0,
            leaving: 0,
        },
        15,
    );
}

// ==== 16 CapExceeded ====

#[test]
fn a_grant_above_a_cap_in_force_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    given_requests(&mut e, RU_LONDON, 1);
    then_accepted(&mut e, &ev("2021-10-06", UK, cap(RU_LONDON, 10, None)));
    let grant = ev("2021-10-07", UK, granted(RU_LONDON, dipl(1)));
    then_rejected(
        &mut e,
        &grant,
        Reason::CapExceeded {
            scope: CapScope::Mission(RU_LONDON),
            counts: demarche::core::event::Counts::Sent,
            limit: 10,
            would_be: 11,
        },
        16,
    );
}

#[test]
fn a_grant_while_over_cap_within_the_compliance_period_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    given_requests(&mut e, RU_LONDON, 1);
    then_accepted(
        &mut e,
        &ev("2021-10-06", UK, cap(RU_LONDON, 8, Some("2021-10-20"))),
    );
    let grant = ev("2021-10-07", UK, granted(RU_LONDON, dipl(1)));
    then_rejected(
        &mut e,
        &grant,
        Reason::CapExceeded {
            scope: CapScope::Mission(RU_LONDON),
            counts: demarche::core::event::Counts::Sent,
            limit: 8,
            would_be: 11,
        },
        16,
    );
}

#[test]
fn a_staff_report_above_a_cap_in_force_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    then_accepted(&mut e, &ev("2021-10-06", UK, cap(RU_LONDON, 10, None)));
    let count = report("2021-10-07", UK, RU_LONDON, 12, 0);
    then_rejected(
        &mut e,
        &count,
        Reason::CapExceeded {
            scope: CapScope::Mission(RU_LONDON),
            counts: demarche::core::event::Counts::Sent,
            limit: 10,
            would_be: 12,
        },
        16,
    );
}

// ==== 17 ZeroCount ====

#[test]
fn a_request_for_zero_accreditations_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    let request = ev(
        "2021-10-06",
        RUSSIA,
        Action::AccreditationRequested {
            mission: RU_LONDON,
            count: 0,
        },
    );
    then_rejected(&mut e, &request, Reason::ZeroCount, 17);
}

#[test]
fn declaring_zero_staff_persona_non_grata_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    then_rejected(
        &mut e,
        &ev("2021-10-06", RUSSIA, png(UK_MOSCOW, dipl(0), "2021-10-15")),
        Reason::ZeroCount,
        17,
    );
}

#[test]
fn a_cap_reducing_staff_by_zero_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    let cut = Action::StaffCapSet {
        scope: CapScope::Mission(RU_LONDON),
        limit: Limit::ReduceBy(0),
        comply_by: None,
        counts: demarche::core::event::Counts::Sent,
    };
    then_rejected(&mut e, &ev("2021-10-06", UK, cut), Reason::ZeroCount, 17);
}

// ==== 18 ComplianceDateMissing ====

#[test]
fn a_cap_below_the_headcount_without_a_compliance_date_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    let reason = Reason::ComplianceDateMissing {
        scope: CapScope::Mission(RU_LONDON),
        limit: 5,
        headcount: 10,
    };
    then_rejected(
        &mut e,
        &ev("2021-10-06", UK, cap(RU_LONDON, 5, None)),
        reason,
        18,
    );
}

#[test]
fn a_cut_without_a_compliance_date_is_rejected_with_the_limit_it_resolves_to() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    let scope = CapScope::Mission(RU_LONDON);
    let cut = Action::StaffCapSet {
        scope,
        limit: Limit::ReduceBy(3),
        comply_by: None,
        counts: demarche::core::event::Counts::Sent,
    };
    then_rejected(
        &mut e,
        &ev("2021-10-06", UK, cut),
        Reason::ComplianceDateMissing {
            scope,
            limit: 7,
            headcount: 10,
        },
        18,
    );
}

#[test]
fn a_cap_at_the_headcount_needs_no_compliance_date() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    then_accepted(&mut e, &ev("2021-10-06", UK, cap(RU_LONDON, 10, None)));
    assert_eq!(e.state.cap_of(&w, RU_LONDON), Some(10));
    assert_eq!(status(&e, RU_LONDON), Status::Active);
}

// ==== 19 ComplianceBeforeEffective ====

#[test]
fn a_compliance_date_before_the_cap_takes_effect_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    let cap = deferred(
        "2021-10-06",
        UK,
        "2021-10-10",
        cap(RU_LONDON, 5, Some("2021-10-09")),
    );
    let reason = Reason::ComplianceBeforeEffective {
        comply_by: day("2021-10-09"),
        effective: day("2021-10-10"),
    };
    then_rejected(&mut e, &cap, reason, 19);
}

// ==== 20 RelationsBroken ====

#[test]
fn an_interests_section_gains_staff_while_relations_are_broken() {
    // Interests sections exist for exactly that time (R9, R10).
    let w = world();
    let mut e = engine(&w);
    given_requests(&mut e, UK_INTERESTS, 2);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            RUSSIA,
            Action::RelationsBroken {
                with: UK,
                depart_by: None,
            },
        ),
    );
    then_accepted(
        &mut e,
        &ev("2021-10-07", RUSSIA, granted(UK_INTERESTS, dipl(2))),
    );
    assert_eq!(e.state.mission(UK_INTERESTS).headcount(), 2);
}

#[test]
fn no_mission_opens_while_relations_are_broken() {
    let w = world();
    let mut e = engine(&w);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            UK,
            Action::RelationsBroken {
                with: RUSSIA,
                depart_by: None,
            },
        ),
    );
    let open = ev(
        "2021-10-07",
        UK,
        Action::MissionOpened {
            mission: UK_ST_PETERSBURG,
        },
    );
    then_rejected(
        &mut e,
        &open,
        Reason::RelationsBroken { a: UK, b: RUSSIA },
        20,
    );
}

#[test]
fn no_mission_reopens_while_relations_are_broken_and_it_may_once_they_are_restored() {
    let w = world();
    let mut e = engine(&w);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            UK,
            Action::RelationsBroken {
                with: RUSSIA,
                depart_by: None,
            },
        ),
    );
    let reopen = ev(
        "2021-10-07",
        UK,
        Action::MissionReopened { mission: UK_MOSCOW },
    );
    then_rejected(
        &mut e,
        &reopen,
        Reason::RelationsBroken { a: UK, b: RUSSIA },
        20,
    );
    then_accepted(
        &mut e,
        &ev(
            "2021-10-08",
            RUSSIA,
            Action::RelationsEstablished { with: UK },
        ),
    );
    assert_eq!(e.state.relations, vec![]);
    assert_eq!(
        status(&e, UK_MOSCOW),
        Status::Closed,
        "restoring relations reopens nothing"
    );
    then_accepted(
        &mut e,
        &ev(
            "2021-10-09",
            UK,
            Action::MissionReopened { mission: UK_MOSCOW },
        ),
    );
    assert_eq!(status(&e, UK_MOSCOW), Status::Active);
    assert_eq!(e.state.mission(UK_MOSCOW).premises, Premises::InUse);
}

// ==== 21 ConsentWithdrawn ====

#[test]
fn a_consulate_whose_consent_was_withdrawn_cannot_reopen_until_consent_is_granted() {
    let w = world();
    let mut e = engine(&w);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            RUSSIA,
            consent_withdrawn(UK_YEKATERINBURG, "2021-10-15"),
        ),
    );
    let reopen = ev(
        "2021-10-07",
        UK,
        Action::MissionReopened {
            mission: UK_YEKATERINBURG,
        },
    );
    then_rejected(
        &mut e,
        &reopen,
        Reason::ConsentWithdrawn {
            mission: UK_YEKATERINBURG,
        },
        21,
    );
    then_accepted(
        &mut e,
        &ev(
            "2021-10-08",
            RUSSIA,
            Action::ConsentGranted {
                mission: UK_YEKATERINBURG,
            },
        ),
    );
    assert!(!e.state.mission(UK_YEKATERINBURG).consent_withdrawn);
    assert_eq!(
        status(&e, UK_YEKATERINBURG),
        Status::Closed,
        "consent alone reopens nothing"
    );
    then_accepted(
        &mut e,
        &ev(
            "2021-10-09",
            UK,
            Action::MissionReopened {
                mission: UK_YEKATERINBURG,
            },
        ),
    );
    assert_eq!(status(&e, UK_YEKATERINBURG), Status::Active);
}

#[test]
fn withdrawing_consent_closes_the_consulate_and_its_staff_must_leave_by_the_deadline() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_YEKATERINBURG, 4);
    given_vacant(&mut e, UK_YEKATERINBURG, 2);
    given_requests(&mut e, UK_YEKATERINBURG, 1);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            RUSSIA,
            consent_withdrawn(UK_YEKATERINBURG, "2021-10-15"),
        ),
    );
    let ms = e.state.mission(UK_YEKATERINBURG);
    assert_eq!(
        (ms.lifecycle, ms.premises, ms.consent_withdrawn),
        (Lifecycle::Closed, Premises::Protected, true)
    );
    assert_eq!(
        (ms.headcount(), ms.vacant, ms.requested, ms.leaving_count()),
        (0, 0, 0, 4)
    );
    assert_eq!(ms.leaving[0].deadline, day("2021-10-15"));
    e.advance_to(day("2021-10-16"), &mut ());
    assert_eq!(leaving(&e, UK_YEKATERINBURG), 0);
}

#[test]
fn withdrawing_accreditation_of_the_whole_mission_ends_it() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_NATO, 8);
    given_members(&mut e, RU_NATO, &[IVANOV]);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            NATO,
            withdrawn(RU_NATO, Who::All, "2021-10-31"),
        ),
    );
    let ms = e.state.mission(RU_NATO);
    assert_eq!(
        (
            ms.lifecycle,
            ms.consent_withdrawn,
            ms.headcount(),
            ms.leaving_count()
        ),
        (Lifecycle::Closed, true, 0, 9)
    );
    assert_eq!(
        e.state.person_at[IVANOV.index()],
        Some(RU_NATO),
        "still there until the deadline"
    );
    let reopen = ev(
        "2021-10-07",
        RUSSIA,
        Action::MissionReopened { mission: RU_NATO },
    );
    then_rejected(
        &mut e,
        &reopen,
        Reason::ConsentWithdrawn { mission: RU_NATO },
        21,
    );
}

// ==== 22 PersonAlreadyAccredited ====

#[test]
fn a_person_in_post_at_one_mission_cannot_be_accredited_at_another() {
    let w = world();
    let mut e = engine(&w);
    given_members(&mut e, RU_LONDON, &[IVANOV]);
    given_requests(&mut e, RU_WASHINGTON, 1);
    let grant = ev("2021-10-06", USA, granted(RU_WASHINGTON, named(&[IVANOV])));
    then_rejected(
        &mut e,
        &grant,
        Reason::PersonAlreadyAccredited {
            person: IVANOV,
            mission: RU_LONDON,
        },
        22,
    );
}

#[test]
fn an_expelled_person_is_accredited_elsewhere_only_after_departing() {
    let w = world();
    let mut e = engine(&w);
    given_members(&mut e, RU_LONDON, &[IVANOV, PETROV]);
    given_requests(&mut e, RU_WASHINGTON, 1);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            UK,
            png(RU_LONDON, named(&[IVANOV]), "2021-10-15"),
        ),
    );
    let grant = ev("2021-10-07", USA, granted(RU_WASHINGTON, named(&[IVANOV])));
    then_rejected(
        &mut e,
        &grant,
        Reason::PersonAlreadyAccredited {
            person: IVANOV,
            mission: RU_LONDON,
        },
        22,
    );
    then_accepted(
        &mut e,
        &ev("2021-10-08", RUSSIA, departed(RU_LONDON, named(&[IVANOV]))),
    );
    assert_eq!(e.state.person_at[IVANOV.index()], None);
    then_accepted(
        &mut e,
        &ev("2021-10-09", USA, granted(RU_WASHINGTON, named(&[IVANOV]))),
    );
    assert_eq!(e.state.person_at[IVANOV.index()], Some(RU_WASHINGTON));
    assert_eq!(e.state.mission(RU_WASHINGTON).members, vec![IVANOV]);
    assert_eq!(e.state.mission(RU_LONDON).members, vec![PETROV]);
}

#[test]
fn the_same_person_granted_twice_in_one_bundle_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_requests(&mut e, RU_LONDON, 2);
    let twice = bundle(
        "2021-10-06",
        UK,
        vec![
            at("2021-10-06", granted(RU_LONDON, named(&[IVANOV]))),
            at("2021-10-06", granted(RU_LONDON, named(&[IVANOV]))),
        ],
    );
    then_rejected(
        &mut e,
        &twice,
        Reason::PersonAlreadyAccredited {
            person: IVANOV,
            mission: RU_LONDON,
        },
        22,
    );
}

#[test]
fn a_person_named_twice_in_one_grant_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_requests(&mut e, RU_LONDON, 2);
    let twice = ev(
        "2021-10-06",
        UK,
        granted(RU_LONDON, named(&[IVANOV, IVANOV])),
    );
    then_rejected(
        &mut e,
        &twice,
        Reason::PersonAlreadyAccredited {
            person: IVANOV,
            mission: RU_LONDON,
        },
        22,
    );
}

// ==== 23 PersonNotMember ====

#[test]
fn expelling_a_person_who_is_not_a_member_of_the_mission_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_members(&mut e, RU_LONDON, &[IVANOV]);
    given_members(&mut e, RU_WASHINGTON, &[SMITH]);
    let expel = ev(
        "2021-10-06",
        UK,
        png(RU_LONDON, named(&[IVANOV, SMITH]), "2021-10-15"),
    );
    then_rejected(
        &mut e,
        &expel,
        Reason::PersonNotMember {
            person: SMITH,
            mission: RU_LONDON,
        },
        23,
    );
}

#[test]
fn a_person_not_due_to_leave_cannot_depart() {
    let w = world();
    let mut e = engine(&w);
    given_members(&mut e, RU_LONDON, &[IVANOV]);
    let depart = ev("2021-10-06", RUSSIA, departed(RU_LONDON, named(&[IVANOV])));
    then_rejected(
        &mut e,
        &depart,
        Reason::PersonNotMember {
            person: IVANOV,
            mission: RU_LONDON,
        },
        23,
    );
}

#[test]
fn a_person_a_deferred_expulsion_names_cannot_be_expelled_again() {
    let w = world();
    let mut e = engine(&w);
    given_members(&mut e, RU_LONDON, &[IVANOV]);
    then_accepted(
        &mut e,
        &deferred(
            "2021-10-06",
            UK,
            "2021-10-20",
            png(RU_LONDON, named(&[IVANOV]), "2021-10-27"),
        ),
    );
    let again = ev(
        "2021-10-07",
        UK,
        png(RU_LONDON, named(&[IVANOV]), "2021-10-14"),
    );
    then_rejected(
        &mut e,
        &again,
        Reason::PersonNotMember {
            person: IVANOV,
            mission: RU_LONDON,
        },
        23,
    );
}

// ==== 24 MissionEndsFirst ====

#[test]
fn a_measure_taking_effect_once_the_mission_is_due_to_close_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_YEKATERINBURG, 4);
    then_accepted(
        &mut e,
        &deferred(
            "2021-10-06",
            UK,
            "2021-10-20",
            Action::MissionClosed {
                mission: UK_YEKATERINBURG,
            },
        ),
    );
    let expel = deferred(
        "2021-10-07",
        RUSSIA,
        "2021-10-20",
        png(UK_YEKATERINBURG, dipl(1), "2021-10-25"),
    );
    let reason = Reason::MissionEndsFirst {
        mission: UK_YEKATERINBURG,
        ends: day("2021-10-20"),
        effective: day("2021-10-20"),
    };
    then_rejected(&mut e, &expel, reason, 24);
    then_accepted(
        &mut e,
        &deferred(
            "2021-10-07",
            RUSSIA,
            "2021-10-19",
            png(UK_YEKATERINBURG, dipl(1), "2021-10-25"),
        ),
    );
}

#[test]
fn a_measure_after_a_pending_break_of_relations_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    then_accepted(
        &mut e,
        &deferred(
            "2021-10-06",
            RUSSIA,
            "2021-10-20",
            Action::RelationsBroken {
                with: UK,
                depart_by: None,
            },
        ),
    );
    let expel = deferred(
        "2021-10-07",
        UK,
        "2021-10-21",
        png(RU_LONDON, dipl(1), "2021-10-25"),
    );
    let reason = Reason::MissionEndsFirst {
        mission: RU_LONDON,
        ends: day("2021-10-20"),
        effective: day("2021-10-21"),
    };
    then_rejected(&mut e, &expel, reason, 24);
}

#[test]
fn a_measure_on_an_interests_section_after_a_pending_break_of_relations_is_accepted() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_INTERESTS, 3);
    then_accepted(
        &mut e,
        &deferred(
            "2021-10-06",
            RUSSIA,
            "2021-10-20",
            Action::RelationsBroken {
                with: UK,
                depart_by: None,
            },
        ),
    );
    then_accepted(
        &mut e,
        &deferred(
            "2021-10-07",
            RUSSIA,
            "2021-10-21",
            png(UK_INTERESTS, dipl(1), "2021-10-25"),
        ),
    );
    e.advance_to(day("2021-10-21"), &mut ());
    assert_eq!(status(&e, UK_INTERESTS), Status::Active);
    assert_eq!(
        (headcount(&e, UK_INTERESTS), leaving(&e, UK_INTERESTS)),
        (2, 1)
    );
}

// ==== 25 MeasuresPendingAfterEnd (retired) ====
// Code 25 is never produced: a mission that stops operating supersedes what was scheduled on it.

#[test]
fn closing_a_mission_supersedes_an_expulsion_scheduled_after_it() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    then_accepted(
        &mut e,
        &deferred(
            "2021-10-06",
            RUSSIA,
            "2021-10-20",
            png(UK_MOSCOW, dipl(2), "2021-10-27"),
        ),
    );
    assert_eq!(e.state.mission(UK_MOSCOW).reserved.total(), 2);
    let close = ev(
        "2021-10-07",
        UK,
        Action::MissionClosed { mission: UK_MOSCOW },
    );
    let mut changes: Vec<(Day, Seq, Change)> = Vec::new();
    e.step(&close, &mut changes).unwrap();
    assert!(changes.iter().any(|(_, _, c)| *c
        == Change::Superseded {
            mission: UK_MOSCOW,
            measures: 1
        }));
    assert_eq!(e.state.pending, vec![]);
    assert_eq!(status(&e, UK_MOSCOW), Status::Closed);
    assert_eq!(e.state.mission(UK_MOSCOW).reserved.total(), 0);
    // The day the expulsion was due passes without it.
    e.advance_to(day("2021-10-28"), &mut ());
    assert_eq!(e.state.mission(UK_MOSCOW).headcount(), 0);
    assert_eq!(e.state.mission(UK_MOSCOW).leaving_count(), 0);
}

#[test]
fn breaking_relations_with_a_deadline_lets_staff_depart_until_it_passes() {
    // R8: no event may block a departure; staff keep their status until they leave (R7).
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let by = day("2021-10-13");
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            RUSSIA,
            Action::RelationsBroken {
                with: UK,
                depart_by: Some(by),
            },
        ),
    );
    assert_eq!(status(&e, UK_MOSCOW), Status::Closed);
    assert_eq!(headcount(&e, UK_MOSCOW), 0);
    assert_eq!(leaving(&e, UK_MOSCOW), 5);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-10",
            UK,
            Action::StaffDeparted {
                mission: UK_MOSCOW,
                who: dipl(3),
            },
        ),
    );
    assert_eq!(leaving(&e, UK_MOSCOW), 2);
    e.advance_to(day("2021-10-14"), &mut ());
    assert_eq!(
        leaving(&e, UK_MOSCOW),
        0,
        "the rest lose status the day after the deadline"
    );
}

#[test]
fn breaking_relations_supersedes_a_measure_scheduled_on_a_mission_between_the_two() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    then_accepted(
        &mut e,
        &deferred(
            "2021-10-06",
            RUSSIA,
            "2021-10-20",
            png(UK_MOSCOW, dipl(2), "2021-10-27"),
        ),
    );
    then_accepted(
        &mut e,
        &ev(
            "2021-10-07",
            RUSSIA,
            Action::RelationsBroken {
                with: UK,
                depart_by: None,
            },
        ),
    );
    assert_eq!(status(&e, UK_MOSCOW), Status::Closed);
    assert_eq!(e.state.pending, vec![]);
}

#[test]
fn suspending_a_mission_keeps_a_scheduled_cap_on_it() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let cap = Action::StaffCapSet {
        scope: CapScope::Mission(UK_MOSCOW),
        limit: Limit::Absolute(5),
        comply_by: None,
        counts: demarche::core::event::Counts::Sent,
    };
    then_accepted(&mut e, &deferred("2021-10-06", RUSSIA, "2021-10-20", cap));
    then_accepted(
        &mut e,
        &ev(
            "2021-10-07",
            UK,
            Action::MissionSuspended { mission: UK_MOSCOW },
        ),
    );
    assert_eq!(
        e.state.pending.len(),
        1,
        "a cap may act on a suspended mission"
    );
    e.advance_to(day("2021-10-20"), &mut ());
    assert_eq!(e.state.cap_of(&w, UK_MOSCOW), Some(5));
}

#[test]
fn breaking_relations_with_a_measure_scheduled_on_an_interests_section_is_accepted() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_INTERESTS, 3);
    then_accepted(
        &mut e,
        &deferred(
            "2021-10-06",
            RUSSIA,
            "2021-10-20",
            png(UK_INTERESTS, dipl(1), "2021-10-27"),
        ),
    );
    then_accepted(
        &mut e,
        &ev(
            "2021-10-07",
            RUSSIA,
            Action::RelationsBroken {
                with: UK,
                depart_by: None,
            },
        ),
    );
    assert_eq!(status(&e, UK_INTERESTS), Status::Active);
}

// ==== 26 NothingToCancel ====

#[test]
fn cancelling_measures_already_in_effect_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let now = then_accepted(
        &mut e,
        &ev("2021-10-06", RUSSIA, png(UK_MOSCOW, dipl(2), "2021-10-15")),
    );
    then_rejected(
        &mut e,
        &cancel("2021-10-07", RUSSIA, now),
        Reason::NothingToCancel { of: now },
        26,
    );
}

#[test]
fn cancelling_a_deferred_measure_once_it_took_effect_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let later = then_accepted(
        &mut e,
        &deferred(
            "2021-10-06",
            RUSSIA,
            "2021-10-10",
            png(UK_MOSCOW, dipl(2), "2021-10-15"),
        ),
    );
    then_rejected(
        &mut e,
        &cancel("2021-10-10", RUSSIA, later),
        Reason::NothingToCancel { of: later },
        26,
    );
}

#[test]
fn a_cancelled_deferred_measure_never_happens_and_frees_the_staff_it_reserved() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let later = then_accepted(
        &mut e,
        &deferred(
            "2021-10-06",
            RUSSIA,
            "2021-10-20",
            png(UK_MOSCOW, dipl(2), "2021-10-27"),
        ),
    );
    assert_eq!(
        e.state.mission(UK_MOSCOW).reserved,
        Staff::of(Category::Diplomatic, 2)
    );
    then_accepted(&mut e, &cancel("2021-10-08", RUSSIA, later));
    assert_eq!(e.state.pending, vec![]);
    assert_eq!(e.state.mission(UK_MOSCOW).reserved, Staff::default());
    e.advance_to(day("2021-10-21"), &mut ());
    assert_eq!((headcount(&e, UK_MOSCOW), leaving(&e, UK_MOSCOW)), (5, 0));
    then_accepted(
        &mut e,
        &ev("2021-10-21", RUSSIA, png(UK_MOSCOW, dipl(5), "2021-10-28")),
    );
}

// ==== 27 NotTheAuthor ====

#[test]
fn cancelling_another_actors_measures_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let later = then_accepted(
        &mut e,
        &deferred(
            "2021-10-06",
            RUSSIA,
            "2021-10-20",
            png(UK_MOSCOW, dipl(2), "2021-10-27"),
        ),
    );
    then_rejected(
        &mut e,
        &cancel("2021-10-07", UK, later),
        Reason::NotTheAuthor {
            actor: UK,
            of: later,
            author: RUSSIA,
        },
        27,
    );
}

#[test]
fn adopting_another_actors_proposal_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let held = then_accepted(
        &mut e,
        &proposal("2021-10-06", RUSSIA, png(UK_MOSCOW, dipl(2), "2021-10-27")),
    );
    then_rejected(
        &mut e,
        &adopt("2021-10-07", UK, held),
        Reason::NotTheAuthor {
            actor: UK,
            of: held,
            author: RUSSIA,
        },
        27,
    );
}

// ==== 28 NotAProposal ====

#[test]
fn adopting_an_event_that_was_not_proposed_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let now = then_accepted(
        &mut e,
        &ev("2021-10-06", RUSSIA, png(UK_MOSCOW, dipl(2), "2021-10-15")),
    );
    then_rejected(
        &mut e,
        &adopt("2021-10-07", RUSSIA, now),
        Reason::NotAProposal { of: now },
        28,
    );
}

#[test]
fn a_proposal_is_adopted_only_once() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let held = then_accepted(
        &mut e,
        &proposal("2021-10-06", RUSSIA, png(UK_MOSCOW, dipl(2), "2021-10-27")),
    );
    then_accepted(&mut e, &adopt("2021-10-07", RUSSIA, held));
    then_rejected(
        &mut e,
        &adopt("2021-10-08", RUSSIA, held),
        Reason::NotAProposal { of: held },
        28,
    );
}

#[test]
fn an_overruled_proposal_never_happens_and_cannot_be_adopted() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let held = then_accepted(
        &mut e,
        &proposal("2021-10-06", RUSSIA, png(UK_MOSCOW, dipl(2), "2021-10-27")),
    );
    let overrule = event(
        "2021-10-07",
        RUSSIA,
        Body::MeasuresCancelled {
            of: vec![held],
            how: Cancellation::Overruled,
        },
    );
    then_accepted(&mut e, &overrule);
    assert_eq!(e.state.proposals, vec![]);
    assert_eq!((headcount(&e, UK_MOSCOW), leaving(&e, UK_MOSCOW)), (5, 0));
    then_rejected(
        &mut e,
        &adopt("2021-10-08", RUSSIA, held),
        Reason::NotAProposal { of: held },
        28,
    );
}

#[test]
fn a_proposal_is_held_without_effect_until_adopted() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let held = then_accepted(
        &mut e,
        &proposal("2021-10-06", RUSSIA, png(UK_MOSCOW, dipl(2), "2021-10-27")),
    );
    assert_eq!(e.state.proposals.len(), 1);
    assert_eq!((headcount(&e, UK_MOSCOW), leaving(&e, UK_MOSCOW)), (5, 0));
    assert_eq!(
        e.state.mission(UK_MOSCOW).reserved,
        Staff::default(),
        "a held proposal reserves nothing"
    );
    // The measure was due on 10-06; adopted on 10-08, it takes effect then.
    then_accepted(&mut e, &adopt("2021-10-08", RUSSIA, held));
    assert_eq!(e.state.proposals, vec![]);
    assert_eq!((headcount(&e, UK_MOSCOW), leaving(&e, UK_MOSCOW)), (3, 2));
}

#[test]
fn a_proposal_is_checked_against_the_state_when_adopted() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let held = then_accepted(
        &mut e,
        &proposal("2021-10-06", RUSSIA, png(UK_MOSCOW, dipl(4), "2021-10-27")),
    );
    then_accepted(&mut e, &ev("2021-10-07", UK, recalled(UK_MOSCOW, dipl(2))));
    let reason = Reason::CountExceedsStaff {
        mission: UK_MOSCOW,
        count: 4,
        available: 3,
    };
    then_rejected(&mut e, &adopt("2021-10-08", RUSSIA, held), reason, 12);
}

#[test]
fn a_proposal_adopted_after_its_departure_deadline_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let held = then_accepted(
        &mut e,
        &proposal("2021-10-06", RUSSIA, png(UK_MOSCOW, dipl(2), "2021-10-10")),
    );
    let reason = Reason::DeadlineBeforeEffective {
        deadline: day("2021-10-10"),
        effective: day("2021-10-12"),
    };
    then_rejected(&mut e, &adopt("2021-10-12", RUSSIA, held), reason, 4);
}

#[test]
fn deferred_measures_of_an_adopted_proposal_are_cancelled_through_the_adoption() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let mut held = proposal("2021-10-06", RUSSIA, png(UK_MOSCOW, dipl(2), "2021-10-27"));
    held.body = Body::Measures {
        bundle: false,
        measures: vec![at("2021-10-20", png(UK_MOSCOW, dipl(2), "2021-10-27"))],
    };
    let held = then_accepted(&mut e, &held);
    let adoption = then_accepted(&mut e, &adopt("2021-10-08", RUSSIA, held));
    assert_eq!(e.state.pending.len(), 1);
    // Once adopted, the measures belong to the adoption: the proposal holds nothing more.
    then_rejected(
        &mut e,
        &cancel("2021-10-09", RUSSIA, held),
        Reason::NothingToCancel { of: held },
        26,
    );
    then_accepted(&mut e, &cancel("2021-10-09", RUSSIA, adoption));
    assert_eq!(e.state.pending, vec![]);
}

// ==== 29 SelfTarget ====

#[test]
fn a_protest_at_oneself_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    then_rejected(
        &mut e,
        &signal("2021-10-06", UK, Kind::Protest, UK, None),
        Reason::SelfTarget { actor: UK },
        29,
    );
}

#[test]
fn breaking_relations_with_oneself_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    then_rejected(
        &mut e,
        &ev(
            "2021-10-06",
            UK,
            Action::RelationsBroken {
                with: UK,
                depart_by: None,
            },
        ),
        Reason::SelfTarget { actor: UK },
        29,
    );
}

#[test]
fn a_channel_with_oneself_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    let channel = ev(
        "2021-10-06",
        UK,
        Action::ChannelDesignated {
            with: UK,
            via: UK_MOSCOW,
        },
    );
    then_rejected(&mut e, &channel, Reason::SelfTarget { actor: UK }, 29);
}

// ==== 30 RelationsAlreadySo ====

#[test]
fn breaking_relations_already_broken_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            UK,
            Action::RelationsBroken {
                with: RUSSIA,
                depart_by: None,
            },
        ),
    );
    let again = ev(
        "2021-10-07",
        RUSSIA,
        Action::RelationsBroken {
            with: UK,
            depart_by: None,
        },
    );
    then_rejected(
        &mut e,
        &again,
        Reason::RelationsAlreadySo {
            a: RUSSIA,
            b: UK,
            state: "broken",
        },
        30,
    );
}

#[test]
fn establishing_relations_that_are_normal_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    let establish = ev(
        "2021-10-06",
        UK,
        Action::RelationsEstablished { with: RUSSIA },
    );
    then_rejected(
        &mut e,
        &establish,
        Reason::RelationsAlreadySo {
            a: UK,
            b: RUSSIA,
            state: "normal",
        },
        30,
    );
}

#[test]
fn freezing_contacts_already_frozen_or_broken_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    then_accepted(
        &mut e,
        &ev("2021-10-06", NATO, Action::ContactsFrozen { with: RUSSIA }),
    );
    let again = ev("2021-10-07", RUSSIA, Action::ContactsFrozen { with: NATO });
    then_rejected(
        &mut e,
        &again,
        Reason::RelationsAlreadySo {
            a: RUSSIA,
            b: NATO,
            state: "frozen",
        },
        30,
    );
    then_accepted(
        &mut e,
        &ev(
            "2021-10-08",
            UK,
            Action::RelationsBroken {
                with: RUSSIA,
                depart_by: None,
            },
        ),
    );
    let freeze = ev("2021-10-09", UK, Action::ContactsFrozen { with: RUSSIA });
    then_rejected(
        &mut e,
        &freeze,
        Reason::RelationsAlreadySo {
            a: UK,
            b: RUSSIA,
            state: "broken",
        },
        30,
    );
}

#[test]
fn frozen_contacts_leave_missions_working_until_relations_are_restored() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_NATO, 20);
    then_accepted(
        &mut e,
        &ev("2021-10-06", NATO, Action::ContactsFrozen { with: RUSSIA }),
    );
    assert_eq!(
        e.state.relations,
        vec![Relation {
            pair: (RUSSIA, NATO),
            broken: false,
            contacts_frozen: true
        }]
    );
    assert_eq!(
        (status(&e, RU_NATO), headcount(&e, RU_NATO)),
        (Status::Active, 20)
    );
    assert_eq!(status(&e, NATO_MOSCOW), Status::Active);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-07",
            RUSSIA,
            Action::RelationsEstablished { with: NATO },
        ),
    );
    assert_eq!(e.state.relations, vec![]);
}

// ==== 31 StaffReportConflict ====

#[test]
fn a_staff_report_on_a_mission_with_named_members_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    given_members(&mut e, RU_LONDON, &[IVANOV]);
    let count = report("2021-10-06", UK, RU_LONDON, 12, 0);
    then_rejected(
        &mut e,
        &count,
        Reason::StaffReportConflict {
            mission: RU_LONDON,
            named: 1,
            reserved: 0,
        },
        31,
    );
}

#[test]
fn a_staff_report_on_a_mission_with_staff_reserved_by_pending_measures_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    given_vacant(&mut e, RU_LONDON, 1);
    then_accepted(
        &mut e,
        &deferred(
            "2021-10-06",
            UK,
            "2021-10-20",
            png(RU_LONDON, dipl(2), "2021-10-27"),
        ),
    );
    then_accepted(
        &mut e,
        &deferred(
            "2021-10-06",
            UK,
            "2021-10-20",
            Action::PostsAbolished {
                mission: RU_LONDON,
                count: 1,
            },
        ),
    );
    let count = report("2021-10-07", UK, RU_LONDON, 12, 0);
    then_rejected(
        &mut e,
        &count,
        Reason::StaffReportConflict {
            mission: RU_LONDON,
            named: 0,
            reserved: 3,
        },
        31,
    );
}

#[test]
fn a_staff_report_replaces_the_modelled_counts() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    given_vacant(&mut e, RU_LONDON, 1);
    then_accepted(&mut e, &report("2021-10-06", BELGIUM, RU_LONDON, 7, 4));
    let ms = e.state.mission(RU_LONDON);
    assert_eq!(
        (ms.in_post, ms.vacant),
        (Staff::of(Category::Unspecified, 7), 4)
    );
}

// ==== 32 EmptyDecision ====

#[test]
fn a_decision_without_measures_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    then_rejected(
        &mut e,
        &bundle("2021-10-06", RUSSIA, vec![]),
        Reason::EmptyDecision,
        32,
    );
}

#[test]
fn a_proposal_without_measures_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    let empty = Event {
        proposed: true,
        ..bundle("2021-10-06", RUSSIA, vec![])
    };
    then_rejected(&mut e, &empty, Reason::EmptyDecision, 32);
}

// ==== 33 ConsentNotWithdrawn ====

#[test]
fn granting_consent_that_was_never_withdrawn_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    let grant = ev(
        "2021-10-06",
        RUSSIA,
        Action::ConsentGranted {
            mission: UK_YEKATERINBURG,
        },
    );
    then_rejected(
        &mut e,
        &grant,
        Reason::ConsentNotWithdrawn {
            mission: UK_YEKATERINBURG,
        },
        33,
    );
}

#[test]
fn consent_to_a_mission_closed_by_its_sender_was_never_withdrawn() {
    let w = world();
    let mut e = engine(&w);
    given_lifecycle(&mut e, UK_YEKATERINBURG, Lifecycle::Closed);
    let grant = ev(
        "2021-10-06",
        RUSSIA,
        Action::ConsentGranted {
            mission: UK_YEKATERINBURG,
        },
    );
    then_rejected(
        &mut e,
        &grant,
        Reason::ConsentNotWithdrawn {
            mission: UK_YEKATERINBURG,
        },
        33,
    );
}

// ==== 34 NotAHostOfPosts ====

#[test]
fn capping_posts_accredited_to_another_host_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    let scope = CapScope::Posts {
        sender: RUSSIA,
        host: USA,
    };
    let cap = ev(
        "2021-10-06",
        UK,
        Action::StaffCapSet {
            scope,
            limit: Limit::Absolute(455),
            comply_by: None,
            counts: demarche::core::event::Counts::Sent,
        },
    );
    then_rejected(
        &mut e,
        &cap,
        Reason::NotAHostOfPosts {
            actor: UK,
            host: USA,
        },
        34,
    );
}

// ==== 35 AllNotAllowed ====

#[test]
fn declaring_a_whole_mission_persona_non_grata_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let expel = ev("2021-10-06", RUSSIA, png(UK_MOSCOW, Who::All, "2021-10-15"));
    then_rejected(
        &mut e,
        &expel,
        Reason::AllNotAllowed {
            kind: "persona-non-grata",
        },
        35,
    );
}

#[test]
fn granting_all_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_requests(&mut e, RU_LONDON, 3);
    let grant = ev("2021-10-06", UK, granted(RU_LONDON, Who::All));
    then_rejected(
        &mut e,
        &grant,
        Reason::AllNotAllowed {
            kind: "accreditation-granted",
        },
        35,
    );
}

#[test]
fn recalling_all_staff_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    let recall = ev("2021-10-06", UK, recalled(UK_MOSCOW, Who::All));
    then_rejected(
        &mut e,
        &recall,
        Reason::AllNotAllowed {
            kind: "staff-recalled",
        },
        35,
    );
}

// ==== 36 ReductionExceedsStaff ====

#[test]
fn a_cut_larger_than_the_staff_in_post_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    let scope = CapScope::Mission(RU_LONDON);
    let cut = ev(
        "2021-10-06",
        UK,
        Action::StaffCapSet {
            scope,
            limit: Limit::ReduceBy(11),
            comply_by: Some(day("2021-10-20")),
            counts: demarche::core::event::Counts::Sent,
        },
    );
    then_rejected(
        &mut e,
        &cut,
        Reason::ReductionExceedsStaff {
            scope,
            reduce_by: 11,
            headcount: 10,
        },
        36,
    );
}

#[test]
fn a_cut_resolves_to_a_limit_against_the_staff_in_post_when_announced() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    let scope = CapScope::Mission(RU_LONDON);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            UK,
            Action::StaffCapSet {
                scope,
                limit: Limit::ReduceBy(3),
                comply_by: Some(day("2021-10-20")),
                counts: demarche::core::event::Counts::Sent,
            },
        ),
    );
    assert_eq!(e.state.cap_of(&w, RU_LONDON), Some(7));
    assert_eq!(status(&e, RU_LONDON), Status::OverCap);
}

// ==== 37 DeferralNotAllowed ====

#[test]
fn a_departure_scheduled_for_a_later_day_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    then_accepted(
        &mut e,
        &ev("2021-10-06", RUSSIA, png(UK_MOSCOW, dipl(2), "2021-10-15")),
    );
    let depart = deferred("2021-10-07", UK, "2021-10-10", departed(UK_MOSCOW, dipl(2)));
    then_rejected(
        &mut e,
        &depart,
        Reason::DeferralNotAllowed {
            kind: "staff-departed",
        },
        37,
    );
}

// ==== Scheduled effects ====

#[test]
fn a_deferred_measure_takes_effect_at_the_start_of_its_day_before_events_of_that_day() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    then_accepted(
        &mut e,
        &deferred(
            "2021-10-06",
            RUSSIA,
            "2021-10-10",
            png(UK_MOSCOW, dipl(2), "2021-10-15"),
        ),
    );
    e.advance_to(day("2021-10-09"), &mut ());
    assert_eq!((headcount(&e, UK_MOSCOW), leaving(&e, UK_MOSCOW)), (5, 0));
    // Departing on 10-10 is only possible if the expulsion already applied that morning.
    then_accepted(&mut e, &ev("2021-10-10", UK, departed(UK_MOSCOW, dipl(2))));
    assert_eq!((headcount(&e, UK_MOSCOW), leaving(&e, UK_MOSCOW)), (3, 0));
    assert_eq!(e.state.mission(UK_MOSCOW).reserved, Staff::default());
}

#[test]
fn a_deferred_cap_binds_grants_dated_on_its_first_day() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    given_requests(&mut e, RU_LONDON, 2);
    then_accepted(
        &mut e,
        &deferred("2021-10-06", UK, "2021-10-10", cap(RU_LONDON, 11, None)),
    );
    assert_eq!(e.state.cap_of(&w, RU_LONDON), None);
    let grant = ev("2021-10-10", UK, granted(RU_LONDON, dipl(2)));
    then_rejected(
        &mut e,
        &grant,
        Reason::CapExceeded {
            scope: CapScope::Mission(RU_LONDON),
            counts: demarche::core::event::Counts::Sent,
            limit: 11,
            would_be: 12,
        },
        16,
    );
}

#[test]
fn staff_still_there_after_the_departure_deadline_lose_status_the_next_day() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    given_members(&mut e, RU_LONDON, &[IVANOV, PETROV]);
    let expel = then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            UK,
            png(RU_LONDON, Who::Named(vec![IVANOV]), "2021-10-15"),
        ),
    );
    then_accepted(
        &mut e,
        &ev("2021-10-06", UK, png(RU_LONDON, dipl(2), "2021-10-15")),
    );
    let mut seen: Vec<(Day, Seq, Change)> = Vec::new();
    e.advance_to(day("2021-10-15"), &mut seen);
    assert_eq!(
        leaving(&e, RU_LONDON),
        3,
        "the deadline day is the last day to leave"
    );
    assert_eq!(e.state.person_at[IVANOV.index()], Some(RU_LONDON));
    e.advance_to(day("2021-10-16"), &mut seen);
    assert_eq!(leaving(&e, RU_LONDON), 0);
    assert_eq!(e.state.person_at[IVANOV.index()], None);
    assert_eq!(e.state.mission(RU_LONDON).members, vec![PETROV]);
    assert_eq!(headcount(&e, RU_LONDON), 9);
    let lapse = Change::StatusLapsed {
        mission: RU_LONDON,
        count: 1,
    };
    assert_eq!(seen.first(), Some(&(day("2021-10-16"), expel, lapse)));
    assert_eq!(seen.len(), 2);
    let late = ev("2021-10-16", RUSSIA, departed(RU_LONDON, dipl(1)));
    then_rejected(
        &mut e,
        &late,
        Reason::CountExceedsLeaving {
            mission: RU_LONDON,
            count: 1,
            leaving: 0,
        },
        15,
    );
}

#[test]
fn a_mission_over_its_cap_is_over_cap_until_the_compliance_date_then_the_excess_leaves() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    given_vacant(&mut e, RU_LONDON, 3);
    then_accepted(
        &mut e,
        &ev("2021-10-06", UK, cap(RU_LONDON, 7, Some("2021-10-20"))),
    );
    assert_eq!(
        e.state.mission(RU_LONDON).vacant,
        0,
        "no vacant post can exist above the cap"
    );
    assert_eq!(status(&e, RU_LONDON), Status::OverCap);
    e.advance_to(day("2021-10-20"), &mut ());
    assert_eq!(
        (status(&e, RU_LONDON), headcount(&e, RU_LONDON)),
        (Status::OverCap, 10)
    );
    e.advance_to(day("2021-10-21"), &mut ());
    assert_eq!(
        (status(&e, RU_LONDON), headcount(&e, RU_LONDON)),
        (Status::Active, 7)
    );
    assert_eq!(e.state.caps[0].comply_by, None);
    assert_eq!(e.state.cap_of(&w, RU_LONDON), Some(7));
}

#[test]
fn a_cap_above_the_headcount_keeps_only_the_vacant_posts_it_leaves_room_for() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 5);
    given_vacant(&mut e, RU_LONDON, 5);
    then_accepted(&mut e, &ev("2021-10-06", UK, cap(RU_LONDON, 7, None)));
    assert_eq!(
        (headcount(&e, RU_LONDON), e.state.mission(RU_LONDON).vacant),
        (5, 2)
    );
    assert_eq!(status(&e, RU_LONDON), Status::Active);
}

#[test]
fn a_cap_over_all_posts_of_a_sender_in_a_host_takes_the_excess_from_the_largest_post() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_WASHINGTON, 30);
    given_staff(&mut e, RU_SAN_FRANCISCO, 10);
    given_staff(&mut e, RU_LONDON, 50);
    let scope = CapScope::Posts {
        sender: RUSSIA,
        host: USA,
    };
    let posts_cap = Action::StaffCapSet {
        scope,
        limit: Limit::Absolute(35),
        comply_by: Some(day("2021-10-20")),
        counts: demarche::core::event::Counts::Sent,
    };
    then_accepted(&mut e, &ev("2021-10-06", USA, posts_cap));
    assert_eq!(status(&e, RU_WASHINGTON), Status::OverCap);
    assert_eq!(status(&e, RU_SAN_FRANCISCO), Status::OverCap);
    assert_eq!(
        status(&e, RU_LONDON),
        Status::Active,
        "posts in another host are not covered"
    );
    e.advance_to(day("2021-10-21"), &mut ());
    assert_eq!(
        (
            headcount(&e, RU_WASHINGTON),
            headcount(&e, RU_SAN_FRANCISCO)
        ),
        (25, 10)
    );
    assert_eq!(
        (status(&e, RU_WASHINGTON), status(&e, RU_SAN_FRANCISCO)),
        (Status::Active, Status::Active)
    );
    assert_eq!(
        e.state
            .covered_headcount(&w, &scope, demarche::core::event::Counts::Sent),
        35
    );
    given_requests(&mut e, RU_SAN_FRANCISCO, 1);
    let grant = ev("2021-10-22", USA, granted(RU_SAN_FRANCISCO, dipl(1)));
    then_rejected(
        &mut e,
        &grant,
        Reason::CapExceeded {
            scope,
            counts: demarche::core::event::Counts::Sent,
            limit: 35,
            would_be: 36,
        },
        16,
    );
}

// ==== Bundles ====

#[test]
fn a_later_measure_of_a_bundle_sees_the_earlier_ones() {
    // Requesting staff for a suspended mission is rejected on its own, not after reopening.
    let w = world();
    let mut e = engine(&w);
    given_lifecycle(&mut e, RU_NATO, Lifecycle::Suspended);
    let alone = ev(
        "2021-10-06",
        RUSSIA,
        Action::AccreditationRequested {
            mission: RU_NATO,
            count: 4,
        },
    );
    then_rejected(
        &mut e,
        &alone,
        Reason::MissionNotOperating {
            mission: RU_NATO,
            status: "suspended",
        },
        10,
    );
    let decision = bundle(
        "2021-10-06",
        RUSSIA,
        vec![
            at("2021-10-06", Action::MissionReopened { mission: RU_NATO }),
            at(
                "2021-10-06",
                Action::AccreditationRequested {
                    mission: RU_NATO,
                    count: 4,
                },
            ),
        ],
    );
    then_accepted(&mut e, &decision);
    assert_eq!(
        (status(&e, RU_NATO), e.state.mission(RU_NATO).requested),
        (Status::Active, 4)
    );
}

#[test]
fn a_bundle_whose_measures_together_exceed_the_staff_is_rejected_whole() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 3);
    let decision = bundle(
        "2021-10-06",
        RUSSIA,
        vec![
            at("2021-10-06", png(UK_MOSCOW, dipl(2), "2021-10-15")),
            at("2021-10-06", png(UK_MOSCOW, dipl(2), "2021-10-15")),
        ],
    );
    then_rejected(
        &mut e,
        &decision,
        Reason::CountExceedsStaff {
            mission: UK_MOSCOW,
            count: 2,
            available: 1,
        },
        12,
    );
}

#[test]
fn a_bundle_cap_binds_a_grant_later_in_the_same_bundle() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    given_requests(&mut e, RU_LONDON, 1);
    let decision = bundle(
        "2021-10-06",
        UK,
        vec![
            at("2021-10-06", cap(RU_LONDON, 10, None)),
            at("2021-10-06", granted(RU_LONDON, dipl(1))),
        ],
    );
    then_rejected(
        &mut e,
        &decision,
        Reason::CapExceeded {
            scope: CapScope::Mission(RU_LONDON),
            counts: demarche::core::event::Counts::Sent,
            limit: 10,
            would_be: 11,
        },
        16,
    );
}

#[test]
fn a_deferred_closure_in_a_bundle_ends_the_mission_for_later_measures_of_it() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_YEKATERINBURG, 4);
    let decision = bundle(
        "2021-10-06",
        UK,
        vec![
            at(
                "2021-10-20",
                Action::MissionClosed {
                    mission: UK_YEKATERINBURG,
                },
            ),
            at("2021-10-25", recalled(UK_YEKATERINBURG, dipl(1))),
        ],
    );
    let reason = Reason::MissionEndsFirst {
        mission: UK_YEKATERINBURG,
        ends: day("2021-10-20"),
        effective: day("2021-10-25"),
    };
    then_rejected(&mut e, &decision, reason, 24);
}

// ==== Reservations ====

#[test]
fn staff_reserved_by_a_deferred_withdrawal_cannot_be_removed_again_at_once() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 5);
    then_accepted(
        &mut e,
        &deferred(
            "2021-10-06",
            UK,
            "2021-10-20",
            withdrawn(RU_LONDON, dipl(3), "2021-10-27"),
        ),
    );
    assert_eq!(
        (
            headcount(&e, RU_LONDON),
            e.state.mission(RU_LONDON).reserved.total()
        ),
        (5, 3)
    );
    let expel = ev("2021-10-07", UK, png(RU_LONDON, dipl(3), "2021-10-14"));
    then_rejected(
        &mut e,
        &expel,
        Reason::CountExceedsStaff {
            mission: RU_LONDON,
            count: 3,
            available: 2,
        },
        12,
    );
    let recall = ev("2021-10-07", RUSSIA, recalled(RU_LONDON, dipl(3)));
    then_rejected(
        &mut e,
        &recall,
        Reason::CountExceedsStaff {
            mission: RU_LONDON,
            count: 3,
            available: 2,
        },
        12,
    );
    e.advance_to(day("2021-10-20"), &mut ());
    assert_eq!((headcount(&e, RU_LONDON), leaving(&e, RU_LONDON)), (2, 3));
}

// ==== Suspension, closure and premises ====

#[test]
fn suspending_a_mission_sends_its_staff_home_and_protects_its_premises() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_NATO, 10);
    given_members(&mut e, RU_NATO, &[IVANOV]);
    given_vacant(&mut e, RU_NATO, 2);
    given_requests(&mut e, RU_NATO, 1);
    then_accepted(
        &mut e,
        &ev("2021-10-06", NATO, png(RU_NATO, dipl(2), "2021-10-31")),
    );
    then_accepted(
        &mut e,
        &ev(
            "2021-11-01",
            RUSSIA,
            Action::MissionSuspended { mission: RU_NATO },
        ),
    );
    let ms = e.state.mission(RU_NATO);
    assert_eq!(
        (ms.lifecycle, ms.premises),
        (Lifecycle::Suspended, Premises::Protected)
    );
    assert_eq!(
        (ms.headcount(), ms.vacant, ms.requested, ms.leaving_count()),
        (0, 0, 0, 0)
    );
    assert_eq!(e.state.person_at[IVANOV.index()], None);
    assert_eq!(status(&e, RU_NATO), Status::Suspended);
}

#[test]
fn only_the_state_where_suspended_premises_stand_may_seize_them() {
    let w = world();
    let mut e = engine(&w);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            RUSSIA,
            Action::MissionSuspended { mission: RU_NATO },
        ),
    );
    assert_eq!(e.state.mission(RU_NATO).premises, Premises::Protected);
    let by_nato = ev(
        "2021-10-07",
        NATO,
        Action::PremisesSeized { mission: RU_NATO },
    );
    then_rejected(
        &mut e,
        &by_nato,
        Reason::NotTerritorialState {
            actor: NATO,
            mission: RU_NATO,
            territory: BELGIUM,
        },
        7,
    );
    let by_russia = ev(
        "2021-10-07",
        RUSSIA,
        Action::PremisesSeized { mission: RU_NATO },
    );
    then_rejected(
        &mut e,
        &by_russia,
        Reason::NotTerritorialState {
            actor: RUSSIA,
            mission: RU_NATO,
            territory: BELGIUM,
        },
        7,
    );
    then_accepted(
        &mut e,
        &ev(
            "2021-10-08",
            BELGIUM,
            Action::PremisesSeized { mission: RU_NATO },
        ),
    );
    assert_eq!(e.state.mission(RU_NATO).premises, Premises::Seized);
    assert_eq!(status(&e, RU_NATO), Status::Suspended);
}

// ==== 39 NotAMissionToAnOrganisation ====

#[test]
fn the_state_where_a_mission_to_an_organisation_stands_may_require_members_to_leave() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_NATO, 10);
    let required = Action::DepartureRequired {
        mission: RU_NATO,
        who: dipl(3),
        depart_by: day("2021-10-13"),
    };
    then_rejected(
        &mut e,
        &ev("2021-10-06", UK, required.clone()),
        Reason::NotTerritorialState {
            actor: UK,
            mission: RU_NATO,
            territory: BELGIUM,
        },
        7,
    );
    then_accepted(&mut e, &ev("2021-10-06", BELGIUM, required));
    assert_eq!(headcount(&e, RU_NATO), 7);
    assert_eq!(leaving(&e, RU_NATO), 3);
}

#[test]
fn departure_required_of_a_bilateral_mission_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    let required = Action::DepartureRequired {
        mission: RU_LONDON,
        who: dipl(3),
        depart_by: day("2021-10-13"),
    };
    then_rejected(
        &mut e,
        &ev("2021-10-06", UK, required),
        Reason::NotAMissionToAnOrganisation { mission: RU_LONDON },
        39,
    );
}

// ==== 40 NoCapInForce ====

#[test]
fn lifting_a_cap_ends_over_cap_and_lifting_none_is_rejected() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_NATO, 10);
    let scope = CapScope::Mission(RU_NATO);
    then_rejected(
        &mut e,
        &ev(
            "2021-10-06",
            NATO,
            Action::CapLifted {
                scope,
                counts: demarche::core::event::Counts::Sent,
            },
        ),
        Reason::NoCapInForce { scope },
        40,
    );
    let cap = Action::StaffCapSet {
        scope,
        limit: Limit::Absolute(5),
        comply_by: Some(day("2021-10-31")),
        counts: demarche::core::event::Counts::Sent,
    };
    then_accepted(&mut e, &ev("2021-10-06", NATO, cap));
    assert_eq!(status(&e, RU_NATO), Status::OverCap);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-07",
            NATO,
            Action::CapLifted {
                scope,
                counts: demarche::core::event::Counts::Sent,
            },
        ),
    );
    assert_eq!(status(&e, RU_NATO), Status::Active);
    assert_eq!(e.state.cap_of(&w, RU_NATO), None);
    // The old compliance date passes without effect.
    e.advance_to(day("2021-11-02"), &mut ());
    assert_eq!(headcount(&e, RU_NATO), 10);
}

// ==== 38 PremisesInUse ====

#[test]
fn premises_of_an_operating_mission_cannot_be_seized() {
    let w = world();
    let mut e = engine(&w);
    let seize = ev(
        "2021-10-06",
        BELGIUM,
        Action::PremisesSeized { mission: RU_NATO },
    );
    then_rejected(
        &mut e,
        &seize,
        Reason::PremisesInUse { mission: RU_NATO },
        38,
    );
}

#[test]
fn premises_may_be_seized_for_the_day_after_a_scheduled_closure() {
    let w = world();
    let mut e = engine(&w);
    then_accepted(
        &mut e,
        &deferred(
            "2021-10-06",
            RUSSIA,
            "2021-11-01",
            Action::MissionClosed { mission: RU_NATO },
        ),
    );
    then_accepted(
        &mut e,
        &deferred(
            "2021-10-07",
            BELGIUM,
            "2021-11-02",
            Action::PremisesSeized { mission: RU_NATO },
        ),
    );
    e.advance_to(day("2021-11-02"), &mut ());
    assert_eq!(e.state.mission(RU_NATO).premises, Premises::Seized);
    // Without a closure scheduled first, a later seizure is refused just the same.
    let early = deferred(
        "2021-11-03",
        UK,
        "2021-11-20",
        Action::PremisesSeized { mission: RU_LONDON },
    );
    then_rejected(
        &mut e,
        &early,
        Reason::PremisesInUse { mission: RU_LONDON },
        38,
    );
}

#[test]
fn reopening_a_suspended_mission_puts_its_premises_back_in_use() {
    let w = world();
    let mut e = engine(&w);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            RUSSIA,
            Action::MissionSuspended { mission: RU_NATO },
        ),
    );
    then_accepted(
        &mut e,
        &ev(
            "2021-10-07",
            RUSSIA,
            Action::MissionReopened { mission: RU_NATO },
        ),
    );
    assert_eq!(
        (status(&e, RU_NATO), e.state.mission(RU_NATO).premises),
        (Status::Active, Premises::InUse)
    );
}

#[test]
fn a_suspended_mission_may_still_be_closed() {
    let w = world();
    let mut e = engine(&w);
    given_lifecycle(&mut e, RU_NATO, Lifecycle::Suspended);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            RUSSIA,
            Action::MissionClosed { mission: RU_NATO },
        ),
    );
    assert_eq!(
        (status(&e, RU_NATO), e.state.mission(RU_NATO).premises),
        (Status::Closed, Premises::Protected)
    );
}

#[test]
fn a_channel_closes_with_the_mission_it_runs_through() {
    let w = world();
    let mut e = engine(&w);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            RUSSIA,
            Action::ChannelDesignated {
                with: NATO,
                via: RU_NATO,
            },
        ),
    );
    assert_eq!(e.state.designated.len(), 1);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-18",
            RUSSIA,
            Action::MissionSuspended { mission: RU_NATO },
        ),
    );
    assert_eq!(e.state.designated, vec![]);
}

#[test]
fn withdrawing_consent_keeps_the_deadline_of_staff_already_due_to_leave() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_YEKATERINBURG, 2);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            RUSSIA,
            png(UK_YEKATERINBURG, dipl(2), "2021-10-31"),
        ),
    );
    then_accepted(
        &mut e,
        &ev(
            "2021-10-07",
            RUSSIA,
            consent_withdrawn(UK_YEKATERINBURG, "2021-10-20"),
        ),
    );
    assert_eq!(leaving(&e, UK_YEKATERINBURG), 2);
    then_accepted(
        &mut e,
        &ev("2021-10-10", UK, departed(UK_YEKATERINBURG, dipl(2))),
    );
}

// ==== Relations ====

#[test]
fn breaking_relations_closes_every_mission_between_the_two_except_interests_sections() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, UK_MOSCOW, 5);
    given_staff(&mut e, RU_LONDON, 10);
    given_staff(&mut e, UK_INTERESTS, 2);
    given_staff(&mut e, US_MOSCOW, 7);
    given_lifecycle(&mut e, UK_YEKATERINBURG, Lifecycle::Suspended);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-06",
            UK,
            Action::RelationsBroken {
                with: RUSSIA,
                depart_by: None,
            },
        ),
    );
    assert_eq!(
        e.state.relations,
        vec![Relation {
            pair: (RUSSIA, UK),
            broken: true,
            contacts_frozen: false
        }]
    );
    for m in [UK_MOSCOW, UK_YEKATERINBURG, RU_LONDON] {
        assert_eq!(
            (status(&e, m), headcount(&e, m)),
            (Status::Closed, 0),
            "{}",
            w.mission(m).key
        );
        assert_eq!(e.state.mission(m).premises, Premises::Protected);
    }
    assert_eq!(status(&e, UK_ST_PETERSBURG), Status::NotOpen);
    assert_eq!(
        (status(&e, UK_INTERESTS), headcount(&e, UK_INTERESTS)),
        (Status::Active, 2)
    );
    assert_eq!(
        (status(&e, US_MOSCOW), headcount(&e, US_MOSCOW)),
        (Status::Active, 7)
    );
    assert_eq!(status(&e, BE_MOSCOW), Status::Active);
}

#[test]
fn an_organisation_breaking_relations_closes_the_missions_between_it_and_the_state_only() {
    let w = world();
    let mut e = engine(&w);
    then_accepted(
        &mut e,
        &ev(
            "2021-10-18",
            NATO,
            Action::RelationsBroken {
                with: RUSSIA,
                depart_by: None,
            },
        ),
    );
    assert_eq!(
        (status(&e, RU_NATO), status(&e, NATO_MOSCOW)),
        (Status::Closed, Status::Closed)
    );
    assert_eq!(status(&e, BE_MOSCOW), Status::Active);
    assert_eq!(e.state.mission(RU_NATO).premises, Premises::Protected);
}

// ==== Bugs: deferred measures reserve what they remove, but not what they consume ====

#[test]
fn a_grant_leaves_vacancies_reserved_by_a_deferred_abolition() {
    let w = world();
    let mut e = engine(&w);
    given_vacant(&mut e, RU_LONDON, 2);
    given_requests(&mut e, RU_LONDON, 2);
    then_accepted(
        &mut e,
        &deferred(
            "2021-10-06",
            UK,
            "2021-10-20",
            Action::PostsAbolished {
                mission: RU_LONDON,
                count: 2,
            },
        ),
    );
    then_accepted(&mut e, &ev("2021-10-07", UK, granted(RU_LONDON, dipl(2))));
    assert_eq!(
        (headcount(&e, RU_LONDON), e.state.mission(RU_LONDON).vacant),
        (2, 2)
    );
    e.advance_to(day("2021-10-20"), &mut ());
    assert_eq!(e.state.mission(RU_LONDON).vacant, 0);
}

#[test]
fn a_grant_cannot_be_scheduled_so_its_requests_stay_countable() {
    let w = world();
    let mut e = engine(&w);
    given_requests(&mut e, RU_LONDON, 2);
    then_rejected(
        &mut e,
        &deferred("2021-10-06", UK, "2021-10-20", granted(RU_LONDON, dipl(2))),
        Reason::DeferralNotAllowed {
            kind: "accreditation-granted",
        },
        37,
    );
}

#[test]
fn a_named_grant_cannot_be_scheduled_so_nobody_is_promised_twice() {
    let w = world();
    let mut e = engine(&w);
    given_requests(&mut e, RU_LONDON, 1);
    then_rejected(
        &mut e,
        &deferred(
            "2021-10-06",
            UK,
            "2021-10-20",
            granted(RU_LONDON, named(&[IVANOV])),
        ),
        Reason::DeferralNotAllowed {
            kind: "accreditation-granted",
        },
        37,
    );
}

#[test]
fn a_deferred_cap_is_not_outrun_by_grants_made_before_it_takes_effect() {
    let w = world();
    let mut e = engine(&w);
    given_staff(&mut e, RU_LONDON, 10);
    given_requests(&mut e, RU_LONDON, 2);
    then_accepted(
        &mut e,
        &deferred("2021-10-06", UK, "2021-10-20", cap(RU_LONDON, 10, None)),
    );
    // A cap announced for later without a compliance date binds grants at once: nothing could
    // shed an excess when it takes effect, so the grant that would make one is refused.
    then_rejected(
        &mut e,
        &ev("2021-10-07", UK, granted(RU_LONDON, dipl(2))),
        Reason::CapExceeded {
            scope: CapScope::Mission(RU_LONDON),
            counts: demarche::core::event::Counts::Sent,
            limit: 10,
            would_be: 12,
        },
        16,
    );
    e.advance_to(day("2021-10-21"), &mut ());
    assert_eq!(
        (headcount(&e, RU_LONDON), status(&e, RU_LONDON)),
        (10, Status::Active)
    );
}

#[test]
fn the_excess_leaving_at_a_compliance_date_spares_a_member_a_pending_expulsion_names() {
    let w = world();
    let mut e = engine(&w);
    given_members(&mut e, RU_LONDON, &[IVANOV, PETROV]);
    then_accepted(
        &mut e,
        &deferred(
            "2021-10-06",
            UK,
            "2021-10-25",
            png(RU_LONDON, named(&[PETROV]), "2021-10-31"),
        ),
    );
    then_accepted(
        &mut e,
        &ev("2021-10-06", UK, cap(RU_LONDON, 1, Some("2021-10-10"))),
    );
    e.advance_to(day("2021-10-11"), &mut ());
    assert_eq!(e.state.mission(RU_LONDON).members, vec![PETROV]);
    e.advance_to(day("2021-10-25"), &mut ());
    assert_eq!((headcount(&e, RU_LONDON), leaving(&e, RU_LONDON)), (0, 1));
    assert_eq!(e.state.person_at[PETROV.index()], Some(RU_LONDON));
}

#[test]
fn a_member_in_post_above_a_cap_may_depart_before_its_compliance_date() {
    // R5: staff above a cap in force may leave before its compliance date, named or counted.
    let w = world();
    let mut e = engine(&w);
    given_members(&mut e, RU_LONDON, &[IVANOV, PETROV]);
    then_accepted(
        &mut e,
        &ev("2021-10-06", UK, cap(RU_LONDON, 1, Some("2021-10-31"))),
    );
    let depart = ev("2021-10-07", RUSSIA, departed(RU_LONDON, named(&[IVANOV])));
    then_accepted(&mut e, &depart);
    assert_eq!(e.state.mission(RU_LONDON).members, vec![PETROV]);
    assert_eq!(e.state.person_at[IVANOV.index()], None);
    assert_eq!(e.state.mission(RU_LONDON).vacant, 0);
    assert_eq!(status(&e, RU_LONDON), Status::Active);
    // Petrov is within the cap: he cannot depart without being due to leave.
    let again = ev("2021-10-08", RUSSIA, departed(RU_LONDON, named(&[PETROV])));
    then_rejected(
        &mut e,
        &again,
        Reason::PersonNotMember {
            person: PETROV,
            mission: RU_LONDON,
        },
        23,
    );
}
