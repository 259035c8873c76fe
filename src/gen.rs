//! A seeded, deterministic generator of realistic, valid event logs.
//!
//! Benchmarks and property tests need event logs of any size (a thousand to millions of events)
//! over many actors and missions, that the core accepts from the first event to the last. This
//! module builds them in memory from a seed, with no I/O, no clock and no external randomness:
//! [`Rng`] is a small splitmix64 generator written here, so the same seed gives the same world,
//! the same initial state and the same events on every machine and every build.
//!
//! # How it works
//!
//! [`cast`] builds the cast: states and a few international organisations, missions of every
//! kind (embassies, consulates, permanent missions to organisations, military liaison missions,
//! information and cultural offices, interests sections hosted by a third state's embassy) with
//! realistic staff (5 to 200), named heads of mission, vacancies and pending accreditation
//! requests, and a pool of named persons not yet posted anywhere.
//!
//! A [`Generator`] then proposes one event at a time. [`Generator::next_event`] moves the state's
//! clock forward by 0 to a few days (applying scheduled effects, as [`Engine::step`] would),
//! drafts a plausible event from the state, and checks it with [`State::decide`]: a rejected
//! draft is discarded and another drafted, and after a bounded number of attempts the generator
//! falls back to a statement, which is always valid. Every event it returns is therefore
//! accepted by construction, against the state it was handed.
//!
//! Events follow crises: most measures and signals concern a *focus* pair of actors that
//! changes every few dozen events, and each side mostly answers the other's last move (its
//! `in_response_to` names that move). Around the crises runs ordinary diplomatic life:
//! accreditation requests and their grants or denials, staff reports, abolished posts, and the
//! departure of staff who were told to leave, and crises ending (relations restored, consent
//! granted again, missions reopened, caps raised).
//!
//! # The event mix
//!
//! Drafts are picked by fixed weights (parts per thousand, before rejections): signals
//! (statements, accusations, protests, demands, threats, ultimatums, summoned ambassadors) about
//! a quarter; expulsions (persona non grata, accreditation withdrawn, with departure deadlines)
//! and recalls; departures of staff due to leave; caps on a mission or over all posts of a
//! sender in a host, with compliance dates; consent withdrawn and granted; missions opened,
//! suspended, closed and reopened; contacts frozen, relations broken and restored; channels
//! designated; premises seized; decisions bundling two to four measures; proposals, adopted or
//! cancelled, and deferred measures cancelled; accreditation requests, grants (by count or by
//! name) and denials; abolished posts; staff reports. One measure in five takes effect later
//! than it is announced. A few per cent of drafts are rejected, and fewer than one event in a
//! thousand falls back to a statement.
//!
//! Answers to accreditation requests (grants, denials) are never deferred: the core rejects
//! that (code 37), so that nothing scheduled can consume requests, persons or cap room.
//!
//! # Cost
//!
//! Generation is linear in the number of events: deciding a decision of several measures
//! copies the state's missions, caps and pending effects (not held proposals) to check each measure
//! against the ones before it.
//!
//! # Example
//!
//! ```
//! use demarche::core::Engine;
//! use demarche::r#gen::{GenConfig, generate};
//!
//! let g = generate(&GenConfig { seed: 7, events: 200, ..GenConfig::default() });
//! let mut engine = Engine::new(&g.world, g.initial.clone());
//! for e in &g.events {
//!     engine.step(e, &mut ()).expect("generated events are accepted");
//! }
//! ```
//!
//! [`Engine::step`]: crate::core::Engine::step

use crate::core::event::{Cancellation, Counts};
use crate::core::state::{Cap, Effect, Lifecycle, MissionState, Premises, free_staff};
use crate::core::world::{Actor, ActorKind, MissionDef, MissionKind, Person};
use crate::core::{
    Action, ActorId, Body, CapScope, Category, Day, Event, Kind, Limit, Measure, MissionId,
    PersonId, Seq, Staff, State, Tone, Who, World,
};

/// Salt of the stream that draws locally employed staff and the events about them, kept apart
/// from the main stream so that the rest of a generated log is the same with or without them.
const LOCAL_STREAM: u64 = 0x10CA_11E1_B10E_D5A1;

/// A small, fast, seeded pseudo-random generator (splitmix64).
///
/// Not for cryptography; good enough to pick moves. Every stream is a pure function of its
/// seed (any `u64`, zero included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`; `n` must not be zero.
    pub fn below(&mut self, n: u32) -> u32 {
        debug_assert!(n > 0);
        (((self.next_u64() >> 32) * u64::from(n)) >> 32) as u32
    }

    /// An index in `0..len`; `len` must not be zero.
    pub fn index(&mut self, len: usize) -> usize {
        debug_assert!(len > 0);
        ((u128::from(self.next_u64()) * len as u128) >> 64) as usize
    }

    /// A number in `lo..=hi`; `lo` must not exceed `hi`.
    pub fn between(&mut self, lo: u32, hi: u32) -> u32 {
        debug_assert!(lo <= hi);
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < per_mille
    }

    /// The index of a weight, picked in proportion to it. The weights must not all be zero.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        unreachable!("x < total")
    }
}

/// The size and seed of a generated log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenConfig {
    /// Everything generated is a function of this seed and the sizes.
    pub seed: u64,
    /// Actors (at least 2 are made): mostly states, one organisation in eight from five up.
    pub actors: usize,
    /// Declared missions (zero is allowed: the log is then statements only).
    pub missions: usize,
    /// Events to generate.
    pub events: usize,
}

impl Default for GenConfig {
    fn default() -> GenConfig {
        GenConfig {
            seed: 0,
            actors: 12,
            missions: 60,
            events: 1000,
        }
    }
}

/// A generated scenario: the cast, the state before the first event, and the events.
#[derive(Clone, Debug)]
pub struct Generated {
    pub world: World,
    pub initial: State,
    /// Every event is accepted when replayed in order from `initial`.
    pub events: Vec<Event>,
}

/// What a generator did so far, to tune the event mix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stats {
    /// Events returned.
    pub events: u64,
    /// Drafts checked with [`State::decide`].
    pub drafts: u64,
    /// Drafts rejected, by rejection code (index = [`crate::core::Reason::code`]).
    pub rejected: Vec<u64>,
    /// Events that fell back to a statement after every draft was rejected.
    pub fallbacks: u64,
    /// Accepted events by kind, as `(kind, count)` in [`Kind::ALL`] order.
    pub kinds: Vec<(Kind, u64)>,
}

impl Stats {
    fn new() -> Stats {
        Stats {
            events: 0,
            drafts: 0,
            rejected: vec![0; 64],
            fallbacks: 0,
            kinds: Kind::ALL.iter().map(|&k| (k, 0)).collect(),
        }
    }

    /// Drafts rejected in all.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.iter().sum()
    }
}

impl Generated {
    /// The generated log as a scenario named `name`: event ids `g-1`, `g-2`... (by position,
    /// from 1), and a handful of repeated sources, as real episodes cite a few documents many
    /// times.
    pub fn into_scenario(self, name: &str) -> crate::scenario::Scenario {
        let meta = (0..self.events.len())
            .map(|i| crate::scenario::EventMeta {
                id: format!("g-{}", i + 1),
                span: 0..0,
                source: format!("generated: source {}", i % 7),
                summary: None,
                note: None,
            })
            .collect();
        crate::scenario::Scenario {
            name: name.to_string(),
            text: String::new(),
            title: format!("Generated log {name}"),
            summary: None,
            start: start_day(),
            end: None,
            sources: Vec::new(),
            world: self.world,
            initial: self.initial,
            events: self.events,
            meta,
        }
    }
}

/// The day generated scenarios start on (2014-03-01).
pub fn start_day() -> Day {
    Day::from_ymd(2014, 3, 1).expect("a real date")
}

/// Generates a whole scenario: [`cast`], then `cfg.events` events from [`Generator`].
pub fn generate(cfg: &GenConfig) -> Generated {
    generate_with_progress(cfg, &mut |_| {})
}

/// [`generate`], calling `progress` with the number of events made so far every 4096 events
/// and at the end (for progress bars).
pub fn generate_with_progress(cfg: &GenConfig, progress: &mut dyn FnMut(usize)) -> Generated {
    let (world, initial) = cast(cfg);
    let events = {
        let mut g = Generator::new(&world, cfg.seed);
        let mut state = initial.clone();
        let mut events = Vec::with_capacity(cfg.events);
        for _ in 0..cfg.events {
            // `next_event` decided `e` against `state` as advanced to its date, and applied it.
            let e = g.next_event(&mut state);
            #[cfg(debug_assertions)]
            state.check_invariants(&world);
            events.push(e);
            if events.len() % 4096 == 0 {
                progress(events.len());
            }
        }
        progress(events.len());
        events
    };
    Generated {
        world,
        initial,
        events,
    }
}

/// Staff ranges (total in post, named members included) by kind of mission.
fn staff_range(kind: MissionKind) -> (u32, u32) {
    match kind {
        MissionKind::Embassy => (20, 200),
        MissionKind::Consulate => (5, 40),
        MissionKind::PermanentMission => (10, 90),
        MissionKind::MilitaryLiaisonMission => (5, 20),
        MissionKind::InformationOffice => (5, 15),
        MissionKind::CulturalOffice => (5, 30),
        MissionKind::InterestsSection => (5, 20),
        MissionKind::Property => (0, 0),
        MissionKind::TradeMission => (3, 25),
        MissionKind::Annex => (3, 15),
    }
}

fn kind_name(kind: MissionKind) -> &'static str {
    match kind {
        MissionKind::Embassy => "Embassy",
        MissionKind::Consulate => "Consulate",
        MissionKind::PermanentMission => "Permanent mission",
        MissionKind::MilitaryLiaisonMission => "Military liaison mission",
        MissionKind::InformationOffice => "Information office",
        MissionKind::CulturalOffice => "Cultural office",
        MissionKind::InterestsSection => "Interests section",
        MissionKind::Property => "Property",
        MissionKind::TradeMission => "Trade mission",
        MissionKind::Annex => "Annex",
    }
}

/// Builds the world and the state before the first event for `cfg`.
///
/// Actors `0..states` are states (low ids are the major powers most missions go to), then come
/// the organisations, each seated in some state. Most missions are operating with 5 to 200
/// staff; a few are not open yet, suspended or closed; a few have a staff cap in force.
pub fn cast(cfg: &GenConfig) -> (World, State) {
    let mut rng = Rng::new(cfg.seed ^ 0xC0FF_EE00_D1A1_06E5);
    let n = cfg.actors.max(2);
    let orgs = if n >= 5 { (n / 8).max(1) } else { 0 };
    let states = (n - orgs) as u32;
    let mut world = World::default();
    for i in 0..states {
        world.actors.push(Actor {
            key: format!("state-{i:03}"),
            name: format!("State {i}"),
            kind: ActorKind::State,
        });
    }
    let mut seats = Vec::new();
    for i in 0..orgs {
        world.actors.push(Actor {
            key: format!("org-{i:02}"),
            name: format!("Organisation {i}"),
            kind: ActorKind::Organisation,
        });
        seats.push(ActorId(rng.below(states)));
    }
    // A state picked with a bias towards low ids: the powers most missions go to.
    let major = |rng: &mut Rng| ActorId(rng.below(states).min(rng.below(states)));
    let other_state = |rng: &mut Rng, not: ActorId| {
        let i = (not.0 + 1 + rng.below(states - 1)) % states;
        ActorId(i)
    };
    let mut embassies: Vec<MissionId> = Vec::new();
    for i in 0..cfg.missions {
        let id = MissionId(i as u32);
        let mut kind = MissionKind::ALL[rng.weighted(&[45, 22, 10, 4, 6, 8, 5])];
        if kind == MissionKind::PermanentMission && orgs == 0 {
            kind = MissionKind::Embassy;
        }
        let (sender, receiver, territory) = match kind {
            MissionKind::PermanentMission => {
                let o = rng.index(orgs);
                let org = ActorId(states + o as u32);
                (ActorId(rng.below(states)), org, seats[o])
            }
            MissionKind::Consulate if !embassies.is_empty() && rng.chance(700) => {
                let e = world.mission(embassies[rng.index(embassies.len())]);
                (e.sender, e.receiver, e.territory)
            }
            MissionKind::MilitaryLiaisonMission | MissionKind::InformationOffice
                if orgs > 0 && rng.chance(400) =>
            {
                let org = ActorId(states + rng.below(orgs as u32));
                let host = major(&mut rng);
                (org, host, host)
            }
            _ => {
                let receiver = major(&mut rng);
                let sender = other_state(&mut rng, receiver);
                (sender, receiver, receiver)
            }
        };
        let hosted_by = if kind == MissionKind::InterestsSection {
            // The embassy of a third state in the same host, if there is one.
            let start = if embassies.is_empty() {
                0
            } else {
                rng.index(embassies.len())
            };
            (0..embassies.len())
                .map(|k| embassies[(start + k) % embassies.len()])
                .find(|&e| {
                    let d = world.mission(e);
                    d.receiver == receiver && d.sender != sender
                })
        } else {
            None
        };
        let city = match kind {
            MissionKind::Consulate => format!(
                "City {} of {}",
                rng.below(5) + 2,
                world.actor(territory).name
            ),
            _ => format!("Capital of {}", world.actor(territory).name),
        };
        let name = format!(
            "{} of {} to {}",
            kind_name(kind),
            world.actor(sender).name,
            world.actor(receiver).name
        );
        world.missions.push(MissionDef {
            key: format!("m-{i:05}"),
            name,
            kind,
            sender,
            receiver,
            territory,
            city,
            hosted_by,
        });
        if kind == MissionKind::Embassy {
            embassies.push(id);
        }
    }

    let lifecycles: Vec<Lifecycle> = world
        .missions
        .iter()
        .map(|m| match rng.below(100) {
            _ if m.kind == MissionKind::InterestsSection => Lifecycle::Operating,
            0..=6 => Lifecycle::NotOpen,
            7..=9 => Lifecycle::Suspended,
            10..=11 => Lifecycle::Closed,
            _ => Lifecycle::Operating,
        })
        .collect();
    let mut state = State::new(&world, start_day(), &lifecycles);
    let mut caps = Vec::new();
    for (i, &l) in lifecycles.iter().enumerate() {
        if l != Lifecycle::Operating {
            continue;
        }
        let m = MissionId(i as u32);
        let def = world.mission(m).clone();
        let (lo, hi) = staff_range(def.kind);
        let total = rng.between(lo, hi);
        let named = rng.below(4).min(total);
        let mut members = Vec::new();
        for k in 0..named {
            let p = PersonId(world.persons.len() as u32);
            let category = if k == 0 || rng.chance(800) {
                Category::Diplomatic
            } else {
                Category::AdministrativeTechnical
            };
            world.persons.push(Person {
                key: format!("p-{:06}", p.0),
                category,
            });
            state.person_at.push(Some(m));
            members.push(p);
        }
        let anon = total - named;
        let d = anon * rng.between(25, 45) / 100;
        let at = (anon - d) * rng.between(45, 70) / 100;
        let sv = (anon - d - at) * rng.between(50, 90) / 100;
        let un = anon - d - at - sv;
        let ms = &mut state.missions[i];
        ms.in_post = Staff([d, at, sv, un]);
        ms.members = members;
        ms.vacant = rng.below(total / 10 + 1);
        ms.requested = rng.below(4);
        if rng.chance(60) {
            let limit = total + rng.below(6);
            ms.vacant = ms.vacant.min(limit - total);
            caps.push(Cap {
                scope: CapScope::Mission(m),
                counts: Counts::Sent,
                limit,
                since: start_day(),
                comply_by: None,
                set_by: def.receiver,
                cause: None,
            });
        }
    }
    state.caps = caps;
    // About half the operating embassies and consulates employ staff locally.
    let mut local = Rng::new(cfg.seed ^ LOCAL_STREAM);
    for (def, ms) in world.missions.iter().zip(&mut state.missions) {
        if ms.operating()
            && matches!(def.kind, MissionKind::Embassy | MissionKind::Consulate)
            && local.chance(500)
        {
            ms.local = local.between(1, ms.headcount().max(1) * 2);
        }
    }
    // Persons not posted anywhere yet, for accreditations by name.
    let pool = (cfg.missions * 2).max(4);
    for _ in 0..pool {
        let p = world.persons.len();
        world.persons.push(Person {
            key: format!("p-{p:06}"),
            category: Category::Diplomatic,
        });
        state.person_at.push(None);
    }
    (world, state)
}

/// A pair of actors with missions between them (either way), smaller id first.
#[derive(Clone, Debug)]
struct Dyad {
    pair: (ActorId, ActorId),
    missions: Vec<MissionId>,
    /// The last event each side (0 = `pair.0`) generated about this pair.
    last: [Option<Seq>; 2],
}

impl Dyad {
    fn side(&self, a: ActorId) -> usize {
        usize::from(a != self.pair.0)
    }

    fn actor(&self, side: usize) -> ActorId {
        if side == 0 { self.pair.0 } else { self.pair.1 }
    }
}

/// What kind of move to draft next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Move {
    Signal,
    Summon,
    Expel,
    Depart,
    Recall,
    Cap,
    PostsCap,
    Consent,
    Lifecycle,
    Relations,
    Channel,
    Seize,
    Bundle,
    Propose,
    Resolve,
    Request,
    Answer,
    Abolish,
    Report,
    Normalise,
}

/// The event mix, in parts per thousand (before rejections and fallbacks).
const MOVES: [(Move, u32); 20] = [
    (Move::Signal, 200),
    (Move::Summon, 30),
    (Move::Expel, 90),
    (Move::Depart, 110),
    (Move::Recall, 40),
    (Move::Cap, 30),
    (Move::PostsCap, 8),
    (Move::Consent, 20),
    (Move::Lifecycle, 35),
    (Move::Relations, 10),
    (Move::Channel, 8),
    (Move::Seize, 3),
    (Move::Bundle, 40),
    (Move::Propose, 15),
    (Move::Resolve, 25),
    (Move::Request, 115),
    (Move::Answer, 185),
    (Move::Abolish, 15),
    (Move::Report, 21),
    (Move::Normalise, 40),
];

/// Drafts tried before falling back to a statement.
const ATTEMPTS: usize = 12;

/// How long a focus crisis lasts, in events.
const FOCUS: (u32, u32) = (10, 80);

/// Proposes events, one at a time, that the state they are drafted from accepts.
///
/// The generator keeps a little memory (the focus pair, each side's last move, the last
/// accreditation request of each mission, missions with staff due to leave) only to make logs
/// realistic; validity never depends on it, because every draft is checked against the state.
#[derive(Clone, Debug)]
pub struct Generator<'w> {
    world: &'w World,
    rng: Rng,
    /// Draws events about locally employed staff (see [`LOCAL_STREAM`]).
    local: Rng,
    dyads: Vec<Dyad>,
    /// The dyad of each mission.
    dyad_of: Vec<u32>,
    focus: usize,
    focus_left: u32,
    /// The dyad the draft in progress concerns.
    current: Option<usize>,
    last_request: Vec<Option<Seq>>,
    /// Missions whose staff were told to leave, and the last day they may stay.
    leaving: Vec<(MissionId, Day)>,
    stats: Stats,
    /// Scratch for the facts of deciding drafts.
    facts: Vec<crate::core::Fact>,
}

impl<'w> Generator<'w> {
    /// A generator over `world`. `world` must have at least two actors.
    pub fn new(world: &'w World, seed: u64) -> Generator<'w> {
        assert!(
            world.actors.len() >= 2,
            "a generated log needs at least two actors"
        );
        let mut pairs: Vec<((ActorId, ActorId), MissionId)> = world
            .mission_ids()
            .map(|m| {
                let d = world.mission(m);
                let p = if d.sender <= d.receiver {
                    (d.sender, d.receiver)
                } else {
                    (d.receiver, d.sender)
                };
                (p, m)
            })
            .collect();
        pairs.sort();
        let mut dyads: Vec<Dyad> = Vec::new();
        let mut dyad_of = vec![0; world.missions.len()];
        for (p, m) in pairs {
            if dyads.last().is_none_or(|d| d.pair != p) {
                dyads.push(Dyad {
                    pair: p,
                    missions: Vec::new(),
                    last: [None, None],
                });
            }
            let d = dyads.len() - 1;
            dyads[d].missions.push(m);
            dyad_of[m.index()] = d as u32;
        }
        let mut g = Generator {
            world,
            rng: Rng::new(seed),
            local: Rng::new(seed ^ LOCAL_STREAM),
            dyads,
            dyad_of,
            focus: 0,
            focus_left: 0,
            current: None,
            last_request: vec![None; world.missions.len()],
            leaving: Vec::new(),
            stats: Stats::new(),
            facts: Vec::new(),
        };
        g.refocus();
        g
    }

    /// What the generator did so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Moves `state` to the next event's date, drafts an event `state` accepts, and applies it.
    ///
    /// The clock moves forward by 0 to a few days and scheduled effects due by then are applied,
    /// exactly as [`crate::core::Engine::step`] does before deciding, so stepping an engine
    /// holding the state as it was before this call with the returned event reaches the same
    /// state.
    pub fn next_event(&mut self, state: &mut State) -> Event {
        let date = state.clock.plus(self.gap());
        self.facts.clear();
        state.advance(self.world, date, &mut self.facts);
        let seq = state.next_seq();
        if self.local.chance(30)
            && let Some(e) = self.local_event(state, date)
        {
            self.stats.drafts += 1;
            self.facts.clear();
            match state.decide_apply(self.world, &e, &mut self.facts) {
                Ok(_) => {
                    self.note(&e, seq);
                    return e;
                }
                Err(r) => self.stats.rejected[usize::from(r.code()).min(63)] += 1,
            }
        }
        for _ in 0..ATTEMPTS {
            self.current = None;
            let Some(e) = self.draft(state, date) else {
                continue;
            };
            self.stats.drafts += 1;
            self.facts.clear();
            match state.decide_apply(self.world, &e, &mut self.facts) {
                Ok(_) => {
                    self.note(&e, seq);
                    return e;
                }
                Err(r) => self.stats.rejected[usize::from(r.code()).min(63)] += 1,
            }
        }
        self.stats.fallbacks += 1;
        let d = self.focus_dyad();
        let (x, y) = match d {
            Some(d) => {
                let side = self.rng.below(2) as usize;
                (self.dyads[d].actor(side), self.dyads[d].actor(1 - side))
            }
            None => self.two_actors(),
        };
        self.current = d;
        let in_response_to = d.map(|d| self.response(d, y, seq)).unwrap_or_default();
        let tone = [Tone::Neutral, Tone::Pessimistic, Tone::Optimistic][self.rng.index(3)];
        let e = Event {
            date,
            notified: None,
            actor: x,
            in_response_to,
            proposed: false,
            body: Body::Signal {
                kind: Kind::Statement,
                target: y,
                mission: None,
                tone,
                threat: None,
            },
        };
        self.facts.clear();
        let accepted = state.decide_apply(self.world, &e, &mut self.facts);
        debug_assert_eq!(accepted, Ok(seq), "a statement is always accepted");
        self.note(&e, seq);
        e
    }

    /// An event about locally employed staff or caps that count other staff than all those
    /// sent, drawn from their own stream: the sender hires or lets go locally, the host caps or
    /// bans local staff, caps staff sent and local together or one category of staff sent, or
    /// lifts such a cap.
    fn local_event(&mut self, s: &State, date: Day) -> Option<Event> {
        let w = self.world;
        let n = w.missions.len();
        if n == 0 {
            return None;
        }
        let m = (0..8)
            .map(|_| MissionId(self.local.index(n) as u32))
            .find(|&m| {
                s.mission(m).operating()
                    && matches!(
                        w.mission(m).kind,
                        MissionKind::Embassy | MissionKind::Consulate
                    )
            })?;
        let def = w.mission(m);
        let local = s.mission(m).local;
        let scope = CapScope::Mission(m);
        let (actor, action) = match self.local.below(10) {
            0..=3 => (
                def.sender,
                Action::LocalStaffHired {
                    mission: m,
                    count: self.local.between(1, 6),
                },
            ),
            4..=6 if local > 0 => (
                def.sender,
                Action::LocalStaffDismissed {
                    mission: m,
                    count: self.local.between(1, local),
                },
            ),
            7..=8 => {
                let counts = match self.local.below(10) {
                    0..=5 => Counts::Local,
                    6..=7 => Counts::All,
                    8 => Counts::Diplomatic,
                    _ => Counts::AdministrativeTechnical,
                };
                let h = s.covered_headcount(w, &scope, counts);
                let limit = h.saturating_sub(self.local.below(h / 2 + 2));
                let comply_by = date.plus(self.local.between(14, 60) as i32);
                (
                    def.receiver,
                    Action::StaffCapSet {
                        scope,
                        limit: Limit::Absolute(limit),
                        comply_by: Some(comply_by),
                        counts,
                    },
                )
            }
            _ => {
                let c = s
                    .caps_on(w, m)
                    .find(|c| c.counts != Counts::Sent && c.comply_by.is_none())?;
                (
                    def.receiver,
                    Action::CapLifted {
                        scope: c.scope,
                        counts: c.counts,
                    },
                )
            }
        };
        Some(Event {
            date,
            notified: None,
            actor,
            in_response_to: Vec::new(),
            proposed: false,
            body: Body::Measures {
                bundle: false,
                measures: vec![Measure {
                    effective: date,
                    action,
                }],
            },
        })
    }

    /// Days between two events: 0 half the time, rarely up to a week.
    fn gap(&mut self) -> i32 {
        match self.rng.below(100) {
            0..50 => 0,
            50..80 => 1,
            80..92 => 2,
            92..97 => 3,
            _ => self.rng.between(4, 7) as i32,
        }
    }

    fn refocus(&mut self) {
        if !self.dyads.is_empty() {
            self.focus = self.rng.index(self.dyads.len());
            self.focus_left = self.rng.between(FOCUS.0, FOCUS.1);
        }
    }

    fn focus_dyad(&self) -> Option<usize> {
        (!self.dyads.is_empty()).then_some(self.focus)
    }

    fn two_actors(&mut self) -> (ActorId, ActorId) {
        let n = self.world.actors.len() as u32;
        let x = self.rng.below(n);
        let y = (x + 1 + self.rng.below(n - 1)) % n;
        (ActorId(x), ActorId(y))
    }

    /// Records an accepted event in the generator's memory.
    fn note(&mut self, e: &Event, seq: Seq) {
        self.stats.events += 1;
        self.stats.kinds[Kind::ALL
            .iter()
            .position(|&k| k == e.kind())
            .expect("listed")]
        .1 += 1;
        if let Some(d) = self.current {
            let side = self.dyads[d].side(e.actor);
            self.dyads[d].last[side] = Some(seq);
        }
        if let Body::Measures { measures, .. } = &e.body
            && !e.proposed
        {
            for m in measures {
                self.note_measure(m, seq);
            }
        }
        self.focus_left = self.focus_left.saturating_sub(1);
        if self.focus_left == 0 {
            self.refocus();
        }
    }

    fn note_measure(&mut self, m: &Measure, seq: Seq) {
        match m.action {
            Action::AccreditationRequested { mission, .. } => {
                self.last_request[mission.index()] = Some(seq);
            }
            Action::AccreditationWithdrawn {
                mission, depart_by, ..
            }
            | Action::PersonaNonGrata {
                mission, depart_by, ..
            }
            | Action::ConsentWithdrawn { mission, depart_by } => {
                self.leaving.push((mission, depart_by));
            }
            _ => {}
        }
    }

    /// The other side's last move in dyad `d`, most of the time, as a response list.
    fn response(&mut self, d: usize, other: ActorId, next: Seq) -> Vec<Seq> {
        let dy = &self.dyads[d];
        let theirs = dy.last[dy.side(other)];
        let mine = dy.last[1 - dy.side(other)];
        let mut v = Vec::new();
        if let Some(s) = theirs.filter(|s| *s < next)
            && self.rng.chance(800)
        {
            v.push(s);
            // Now and then a move also follows up on the actor's own earlier one.
            if let Some(m) = mine.filter(|m| *m < next && *m != s)
                && self.rng.chance(100)
            {
                v.push(m);
            }
        }
        v
    }

    /// The actors of a crisis move: the dyad, who acts and who is acted upon.
    fn crisis_parties(&mut self) -> Option<(usize, ActorId, ActorId)> {
        if self.dyads.is_empty() {
            return None;
        }
        let d = if self.rng.chance(850) {
            self.focus
        } else {
            self.rng.index(self.dyads.len())
        };
        let dy = &self.dyads[d];
        // Mostly the side that did not make the last move answers.
        let last_mover = match dy.last {
            [Some(a), Some(b)] => Some(usize::from(b > a)),
            [Some(_), None] => Some(0),
            [None, Some(_)] => Some(1),
            [None, None] => None,
        };
        let side = match last_mover {
            Some(s) if self.rng.chance(750) => 1 - s,
            _ => self.rng.below(2) as usize,
        };
        Some((d, dy.actor(side), dy.actor(1 - side)))
    }

    fn pick_move(&mut self) -> Move {
        let mut x = self.rng.below(MOVES.iter().map(|m| m.1).sum());
        for &(m, w) in &MOVES {
            if x < w {
                return m;
            }
            x -= w;
        }
        unreachable!("x < total weight")
    }

    /// A mission of dyad `d` that satisfies `ok`, starting from a random one; at most 32 looked at.
    fn pick_in(
        &mut self,
        s: &State,
        d: usize,
        ok: impl Fn(&MissionDef, &MissionState) -> bool,
    ) -> Option<MissionId> {
        let ms = &self.dyads[d].missions;
        let start = self.rng.index(ms.len());
        (0..ms.len().min(32))
            .map(|k| ms[(start + k) % ms.len()])
            .find(|&m| ok(self.world.mission(m), s.mission(m)))
    }

    /// A random mission that satisfies `ok`; at most 8 tried.
    fn pick_any(
        &mut self,
        s: &State,
        ok: impl Fn(&MissionDef, &MissionState) -> bool,
    ) -> Option<MissionId> {
        let n = self.world.missions.len();
        if n == 0 {
            return None;
        }
        (0..8)
            .map(|_| MissionId(self.rng.index(n) as u32))
            .find(|&m| ok(self.world.mission(m), s.mission(m)))
    }

    /// The day a measure announced on `date` takes effect: mostly at once, one in five later.
    fn effective(&mut self, date: Day) -> Day {
        if self.rng.chance(200) {
            date.plus(self.rng.between(1, 45) as i32)
        } else {
            date
        }
    }

    /// A departure deadline after `eff`: 72 hours, a week, a month...
    fn deadline(&mut self, eff: Day) -> Day {
        const DAYS: [i32; 10] = [2, 3, 3, 5, 7, 7, 10, 14, 14, 30];
        eff.plus(DAYS[self.rng.index(DAYS.len())])
    }

    /// How many staff a measure names, at most `max` (which is not zero).
    fn size(&mut self, max: u32) -> u32 {
        let n = match self.rng.below(100) {
            0..70 => self.rng.between(1, 3),
            70..95 => self.rng.between(4, 12),
            _ => self.rng.between(13, 60),
        };
        n.clamp(1, max)
    }

    fn category(&mut self) -> Category {
        Category::ALL[self.rng.weighted(&[55, 20, 5, 20])]
    }

    /// Staff of `ms` in post and not already set aside: some named members or a count.
    fn who_in_post(&mut self, ms: &MissionState) -> Option<Who> {
        if !ms.members.is_empty() && self.rng.chance(250) {
            let want = self.rng.between(1, 2) as usize;
            let start = self.rng.index(ms.members.len());
            let ps: Vec<PersonId> = (0..ms.members.len())
                .map(|k| ms.members[(start + k) % ms.members.len()])
                .filter(|p| !ms.reserved_members.contains(p))
                .take(want)
                .collect();
            if !ps.is_empty() {
                return Some(Who::Named(ps));
            }
        }
        let free = free_staff(&ms.in_post, &ms.reserved);
        if free.total() == 0 {
            return None;
        }
        let mut category = self.category();
        let mut avail = if category == Category::Unspecified {
            free.total()
        } else {
            free.get(category) + free.get(Category::Unspecified)
        };
        if avail == 0 {
            category = Category::Unspecified;
            avail = free.total();
        }
        Some(Who::Count {
            count: self.size(avail),
            category,
        })
    }

    /// Drafts one event on `date` (the state's clock).
    fn draft(&mut self, s: &State, date: Day) -> Option<Event> {
        let next = s.next_seq();
        let mv = self.pick_move();
        match mv {
            Move::Request => return self.request(s, date),
            Move::Answer => return self.answer(s, date),
            Move::Report => return self.report(s, date),
            Move::Depart => return self.depart(s, date),
            Move::Resolve => return self.resolve(s, date),
            Move::Normalise => return self.normalise(s, date),
            _ => {}
        }
        let (d, x, y) = self.crisis_parties()?;
        self.current = Some(d);
        let single = |m: Measure| Body::Measures {
            bundle: false,
            measures: vec![m],
        };
        let mut proposed = false;
        let body = match mv {
            Move::Signal => self.signal(s, d, y),
            Move::Summon => {
                let m = self.pick_in(s, d, |def, ms| def.receiver == x && ms.operating())?;
                Body::Signal {
                    kind: Kind::AmbassadorSummoned,
                    target: y,
                    mission: Some(m),
                    tone: Tone::Neutral,
                    threat: None,
                }
            }
            Move::Expel => single(self.expel(s, d, x, date)?),
            Move::Recall => single(self.recall(s, d, x, date)?),
            Move::Cap => single(self.cap(s, d, x, date)?),
            Move::PostsCap => single(self.posts_cap(s, x, y, date)?),
            Move::Consent => single(self.consent(s, d, x, date)?),
            Move::Lifecycle => single(self.lifecycle(s, d, x, date)?),
            Move::Relations => single(self.relations(s, x, y, date)?),
            Move::Abolish => single(self.abolish(s, d, x, date)?),
            Move::Channel => {
                let via = self.pick_in(s, d, |_, ms| ms.operating())?;
                single(Measure {
                    effective: date,
                    action: Action::ChannelDesignated { with: y, via },
                })
            }
            Move::Seize => {
                let m = self.pick_in(s, d, |def, ms| {
                    def.territory == x
                        && matches!(ms.lifecycle, Lifecycle::Closed | Lifecycle::Suspended)
                        && ms.premises != Premises::Seized
                })?;
                single(Measure {
                    effective: date,
                    action: Action::PremisesSeized { mission: m },
                })
            }
            Move::Bundle => self.bundle(s, d, x, y, date)?,
            Move::Propose => {
                proposed = true;
                if self.rng.chance(500) {
                    self.bundle(s, d, x, y, date)?
                } else {
                    single(self.expel(s, d, x, date)?)
                }
            }
            Move::Request
            | Move::Answer
            | Move::Report
            | Move::Depart
            | Move::Resolve
            | Move::Normalise => unreachable!("handled above"),
        };
        // Mostly notified on the day; sometimes a few days later, which moves removals (R6).
        let notified = match body {
            Body::Measures { .. } if self.rng.chance(600) => Some(if self.rng.chance(150) {
                date.plus(self.rng.between(1, 3) as i32)
            } else {
                date
            }),
            _ => None,
        };
        Some(Event {
            date,
            notified,
            actor: x,
            in_response_to: self.response(d, y, next),
            proposed,
            body,
        })
    }

    fn signal(&mut self, s: &State, d: usize, y: ActorId) -> Body {
        const KINDS: [Kind; 9] = [
            Kind::Statement,
            Kind::Accusation,
            Kind::Protest,
            Kind::Demand,
            Kind::CountermeasuresThreatened,
            Kind::Ultimatum,
            Kind::SanctionsImposed,
            Kind::LawPassed,
            Kind::AttackAttributed,
        ];
        let kind = KINDS[self.rng.weighted(&[35, 20, 20, 10, 12, 3, 3, 2, 2])];
        let tone = match kind {
            Kind::Statement => {
                [Tone::Neutral, Tone::Pessimistic, Tone::Optimistic][self.rng.index(3)]
            }
            _ => Tone::Neutral,
        };
        let mission = if self.rng.chance(300) {
            self.pick_in(s, d, |_, _| true)
        } else {
            None
        };
        Body::Signal {
            kind,
            target: y,
            mission,
            tone,
            threat: None,
        }
    }

    /// The receiving side `x` expels staff of a mission it hosts in dyad `d`.
    fn expel(&mut self, s: &State, d: usize, x: ActorId, date: Day) -> Option<Measure> {
        let m = self.pick_in(s, d, |def, ms| def.receiver == x && ms.operating())?;
        let ms = s.mission(m);
        if self.rng.chance(30) {
            let eff = self.effective(date);
            let depart_by = self.deadline(eff);
            let action = Action::AccreditationWithdrawn {
                mission: m,
                who: Who::All,
                depart_by,
            };
            return Some(Measure {
                effective: eff,
                action,
            });
        }
        let who = self.who_in_post(ms)?;
        let eff = self.effective(date);
        let depart_by = self.deadline(eff);
        // Sometimes the source gives a number over all the sender's posts, with no split: the
        // core allocates it (it takes effect when announced).
        if let Who::Count { count, category } = who
            && eff == date
            && self.rng.chance(100)
        {
            return Some(Measure {
                effective: eff,
                action: Action::RemovalFromPosts {
                    sender: self.world.mission(m).sender,
                    host: x,
                    removal: crate::core::Removal::PersonaNonGrata { depart_by },
                    count,
                    category,
                },
            });
        }
        let action = if self.rng.chance(600) {
            Action::PersonaNonGrata {
                mission: m,
                who,
                depart_by,
            }
        } else {
            Action::AccreditationWithdrawn {
                mission: m,
                who,
                depart_by,
            }
        };
        Some(Measure {
            effective: eff,
            action,
        })
    }

    /// The sending side `x` recalls staff of one of its missions in dyad `d`.
    fn recall(&mut self, s: &State, d: usize, x: ActorId, date: Day) -> Option<Measure> {
        let m = self.pick_in(s, d, |def, ms| def.sender == x && ms.operating())?;
        let who = self.who_in_post(s.mission(m))?;
        // Sometimes the staff move to another of the sender's posts in the same host instead
        // (moves happen when recorded).
        let host = self.world.mission(m).receiver;
        if self.rng.chance(80)
            && let Some(to) = self.pick_in(s, d, |def, ms| {
                def.sender == x
                    && def.receiver == host
                    && def.kind != MissionKind::Property
                    && ms.operating()
            })
            && to != m
        {
            return Some(Measure {
                effective: date,
                action: Action::StaffMoved { from: m, to, who },
            });
        }
        let eff = self.effective(date);
        Some(Measure {
            effective: eff,
            action: Action::StaffRecalled { mission: m, who },
        })
    }

    /// A cap, cut or freeze of the `h` staff in post over `scope`.
    fn cap_measure(&mut self, scope: CapScope, h: u32, date: Day) -> Measure {
        let eff = self.effective(date);
        let comply = eff.plus(self.rng.between(14, 90) as i32);
        let comply_by = self.rng.chance(300).then_some(comply);
        let (limit, comply_by) = match self.rng.below(10) {
            // A cut, as a number to lose (parity demands) or a size.
            0..=2 if h > 1 => (
                Limit::ReduceBy(self.rng.between(1, (h / 3).max(1))),
                Some(comply),
            ),
            3..=4 if h > 1 => (
                Limit::Absolute(h - self.rng.between(1, (h / 2).max(1))),
                Some(comply),
            ),
            // A freeze at about the present size.
            5..=6 => (Limit::Absolute(h + self.rng.below(5)), comply_by),
            // A cap raised, or set with room to grow, as relations thaw.
            _ => (Limit::Absolute(h + self.rng.between(5, 40)), comply_by),
        };
        let action = Action::StaffCapSet {
            scope,
            limit,
            comply_by,
            counts: Counts::Sent,
        };
        Measure {
            effective: eff,
            action,
        }
    }

    /// The receiving side `x` caps the staff of a mission it hosts in dyad `d`.
    fn cap(&mut self, s: &State, d: usize, x: ActorId, date: Day) -> Option<Measure> {
        let m = self.pick_in(s, d, |def, ms| def.receiver == x && ms.operating())?;
        let h = s.mission(m).headcount();
        Some(self.cap_measure(CapScope::Mission(m), h, date))
    }

    /// The host `x` caps all posts of `y` accredited to it (the 2017 US cap on Russia's posts).
    fn posts_cap(&mut self, s: &State, x: ActorId, y: ActorId, date: Day) -> Option<Measure> {
        let scope = CapScope::Posts { sender: y, host: x };
        let h = s.covered_headcount(self.world, &scope, Counts::Sent);
        if h == 0 {
            return None;
        }
        Some(self.cap_measure(scope, h, date))
    }

    /// The receiving side `x` withdraws consent to a mission it hosts, or grants it again.
    fn consent(&mut self, s: &State, d: usize, x: ActorId, date: Day) -> Option<Measure> {
        let m = self.pick_in(s, d, |def, ms| {
            def.receiver == x
                && (ms.consent_withdrawn
                    || matches!(ms.lifecycle, Lifecycle::Operating | Lifecycle::Suspended))
        })?;
        let def = self.world.mission(m);
        let eff = self.effective(date);
        if s.mission(m).consent_withdrawn {
            return Some(Measure {
                effective: eff,
                action: Action::ConsentGranted { mission: m },
            });
        }
        if matches!(
            def.kind,
            MissionKind::Embassy | MissionKind::PermanentMission
        ) {
            return None; // consent is withdrawn from consulates and offices only (R12)
        }
        let depart_by = self.deadline(eff);
        Some(Measure {
            effective: eff,
            action: Action::ConsentWithdrawn {
                mission: m,
                depart_by,
            },
        })
    }

    /// The sending side `x` opens, suspends, closes or reopens one of its missions.
    fn lifecycle(&mut self, s: &State, d: usize, x: ActorId, date: Day) -> Option<Measure> {
        let m = self.pick_in(s, d, |def, _| def.sender == x)?;
        let ms = s.mission(m);
        let action = match ms.lifecycle {
            Lifecycle::NotOpen => Action::MissionOpened { mission: m },
            Lifecycle::Operating if self.rng.chance(650) => Action::MissionSuspended { mission: m },
            Lifecycle::Operating => Action::MissionClosed { mission: m },
            Lifecycle::Suspended if self.rng.chance(600) => Action::MissionReopened { mission: m },
            Lifecycle::Suspended => Action::MissionClosed { mission: m },
            Lifecycle::Closed => Action::MissionReopened { mission: m },
        };
        Some(Measure {
            effective: self.effective(date),
            action,
        })
    }

    /// `x` freezes contacts with `y`, breaks relations, or restores them.
    fn relations(&mut self, s: &State, x: ActorId, y: ActorId, date: Day) -> Option<Measure> {
        let effective = self.effective(date);
        let action = match s.relation(x, y) {
            Some(r) if r.broken => {
                if !self.rng.chance(700) {
                    return None;
                }
                Action::RelationsEstablished { with: y }
            }
            Some(_) => match self.rng.below(100) {
                0..50 => Action::RelationsEstablished { with: y },
                50..65 => Action::RelationsBroken {
                    with: y,
                    depart_by: self
                        .rng
                        .chance(2)
                        .then(|| effective.plus(self.rng.between(2, 30) as i32)),
                },
                _ => return None,
            },
            None if self.rng.chance(750) => Action::ContactsFrozen { with: y },
            None => Action::RelationsBroken {
                with: y,
                depart_by: None,
            },
        };
        Some(Measure { effective, action })
    }

    /// The receiving side `x` abolishes vacant posts of a mission it hosts in dyad `d`.
    fn abolish(&mut self, s: &State, d: usize, x: ActorId, date: Day) -> Option<Measure> {
        let m = self.pick_in(s, d, |def, ms| {
            def.receiver == x && ms.operating() && ms.vacant > ms.reserved_vacant
        })?;
        let ms = s.mission(m);
        let count = self.rng.between(1, ms.vacant - ms.reserved_vacant);
        let action = Action::PostsAbolished { mission: m, count };
        Some(Measure {
            effective: self.effective(date),
            action,
        })
    }

    /// The receiving side `x` denies pending requests for a mission it hosts in dyad `d`.
    /// Never deferred: nothing sets aside the requests a deferred answer would consume (see
    /// the module docs).
    fn deny_in(&mut self, s: &State, d: usize, x: ActorId, date: Day) -> Option<Measure> {
        let m = self.pick_in(s, d, |def, ms| {
            def.receiver == x && ms.operating() && ms.requested > 0
        })?;
        let count = self.rng.between(1, s.mission(m).requested);
        Some(Measure {
            effective: date,
            action: Action::AccreditationDenied { mission: m, count },
        })
    }

    /// A decision of two to four measures by `x` against `y`.
    fn bundle(&mut self, s: &State, d: usize, x: ActorId, y: ActorId, date: Day) -> Option<Body> {
        let n = self.rng.between(2, 4);
        let mut measures = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let m = match self.rng.below(11) {
                0..=3 => self.expel(s, d, x, date),
                4 => self.cap(s, d, x, date),
                5 => self.consent(s, d, x, date),
                6 => self.deny_in(s, d, x, date),
                7 => self.recall(s, d, x, date),
                8 => self.lifecycle(s, d, x, date),
                9 => self.abolish(s, d, x, date),
                _ => self.relations(s, x, y, date),
            };
            measures.extend(m);
        }
        if measures.is_empty() {
            return None;
        }
        Some(Body::Measures {
            bundle: true,
            measures,
        })
    }
    /// A crisis ends for a mission: the next step back to normal, from restored relations and
    /// renewed consent to reopening, or a cap raised that left no room to grow.
    fn normalise(&mut self, s: &State, date: Day) -> Option<Event> {
        let w = self.world;
        let m = match self.pick_any(s, |_, ms| !ms.operating()) {
            Some(m) => m,
            None => self.pick_any(s, |_, _| true)?,
        };
        let def = w.mission(m);
        let ms = s.mission(m);
        let tightest = s
            .caps_on(w, m)
            .filter(|c| c.counts == Counts::Sent)
            .min_by_key(|c| c.limit);
        let (actor, action) = if ms.operating() {
            // A cap that leaves no room to grow is raised.
            let c = tightest.filter(|c| c.comply_by.is_none())?;
            let h = s.covered_headcount(w, &c.scope, c.counts);
            if c.limit > h + 2 {
                return None;
            }
            let limit = Limit::Absolute(h + self.rng.between(10, 40));
            (
                def.receiver,
                Action::StaffCapSet {
                    scope: c.scope,
                    limit,
                    comply_by: None,
                    counts: c.counts,
                },
            )
        } else if s.relations_broken(def.sender, def.receiver) {
            (
                def.sender,
                Action::RelationsEstablished { with: def.receiver },
            )
        } else if ms.consent_withdrawn {
            (def.receiver, Action::ConsentGranted { mission: m })
        } else if ms.lifecycle == Lifecycle::NotOpen {
            (def.sender, Action::MissionOpened { mission: m })
        } else {
            (def.sender, Action::MissionReopened { mission: m })
        };
        let effective = self.effective(date);
        let d = self.dyad_of[m.index()] as usize;
        self.current = Some(d);
        let other = if actor == def.sender {
            def.receiver
        } else {
            def.sender
        };
        let in_response_to = self.response(d, other, s.next_seq());
        Some(Event {
            date,
            notified: self.rng.chance(500).then_some(date),
            actor,
            in_response_to,
            proposed: false,
            body: Body::Measures {
                bundle: false,
                measures: vec![Measure { effective, action }],
            },
        })
    }

    /// A sender asks for accreditation of new staff: more when the mission is short of staff.
    fn request(&mut self, s: &State, date: Day) -> Option<Event> {
        // A property has no staff of its own (E042).
        let m = self.pick_any(s, |def, ms| {
            ms.operating() && def.kind != MissionKind::Property
        })?;
        let (lo, hi) = staff_range(self.world.mission(m).kind);
        let (h, asked) = (s.mission(m).headcount(), s.mission(m).requested);
        let short = ((lo + hi) / 2).saturating_sub(h + asked);
        let count = if short > 3 && self.rng.chance(700) {
            self.rng.between(3, short.min(30))
        } else {
            self.rng.between(1, 4)
        };
        let actor = self.world.mission(m).sender;
        self.current = Some(self.dyad_of[m.index()] as usize);
        Some(Event {
            date,
            notified: self.rng.chance(500).then_some(date),
            actor,
            in_response_to: Vec::new(),
            proposed: false,
            body: Body::Measures {
                bundle: false,
                measures: vec![Measure {
                    // Requests take effect when made (the core rejects a later date, E037).
                    effective: date,
                    action: Action::AccreditationRequested { mission: m, count },
                }],
            },
        })
    }

    /// A free person, if one is found among a few tried.
    fn free_person(&mut self, s: &State, not: &[PersonId]) -> Option<PersonId> {
        let n = s.person_at.len();
        if n == 0 {
            return None;
        }
        (0..6)
            .map(|_| PersonId(self.rng.index(n) as u32))
            .find(|p| s.person_at[p.index()].is_none() && !not.contains(p))
    }

    /// The receiving side answers pending accreditation requests: grants or denies them.
    fn answer(&mut self, s: &State, date: Day) -> Option<Event> {
        let m = self.pick_any(s, |_, ms| ms.operating() && ms.requested > 0)?;
        let def = self.world.mission(m);
        let ms = s.mission(m);
        let actor = def.receiver;
        self.current = Some(self.dyad_of[m.index()] as usize);
        // Room left under the caps in force.
        let room = s
            .caps_on(self.world, m)
            .filter(|c| c.counts.sent())
            .map(|c| {
                c.limit
                    .saturating_sub(s.covered_headcount(self.world, &c.scope, c.counts))
            })
            .min()
            .unwrap_or(u32::MAX);
        let broken = s.relations_broken(def.sender, def.receiver);
        let action = if room == 0 || broken || self.rng.chance(250) {
            Action::AccreditationDenied {
                mission: m,
                count: self.rng.between(1, ms.requested),
            }
        } else {
            let max = ms.requested.min(room);
            let who = if self.rng.chance(200) {
                let mut ps = Vec::new();
                for _ in 0..self.rng.between(1, max.min(2)) {
                    if let Some(p) = self.free_person(s, &ps) {
                        ps.push(p);
                    }
                }
                if ps.is_empty() {
                    None
                } else {
                    Some(Who::Named(ps))
                }
            } else {
                None
            };
            let who = who.unwrap_or_else(|| Who::Count {
                count: self.rng.between(1, max.min(30)),
                category: self.category(),
            });
            Action::AccreditationGranted { mission: m, who }
        };
        let next = s.next_seq();
        let in_response_to = self.last_request[m.index()]
            .filter(|r| *r < next)
            .into_iter()
            .collect();
        Some(Event {
            date,
            notified: None,
            actor,
            in_response_to,
            proposed: false,
            body: Body::Measures {
                bundle: false,
                measures: vec![Measure {
                    effective: date,
                    action,
                }],
            },
        })
    }

    /// A source reports the staff of a mission with no named members.
    fn report(&mut self, s: &State, date: Day) -> Option<Event> {
        let m = self.pick_any(s, |_, ms| {
            ms.operating()
                && ms.members.is_empty()
                && ms.reserved.total() == 0
                && ms.reserved_vacant == 0
        })?;
        let ms = s.mission(m);
        let mut in_post = ms.in_post;
        for c in &mut in_post.0 {
            *c = (*c + self.rng.below(3)).saturating_sub(self.rng.below(3));
        }
        let vacant = (ms.vacant + self.rng.below(2)).saturating_sub(self.rng.below(2));
        let def = self.world.mission(m);
        let actor = if self.rng.chance(500) {
            def.sender
        } else {
            def.receiver
        };
        Some(Event {
            date,
            notified: None,
            actor,
            in_response_to: Vec::new(),
            proposed: false,
            body: Body::StaffReported {
                mission: m,
                in_post,
                vacant,
            },
        })
    }

    /// Staff told to leave depart, in response to the measure that expelled them.
    fn depart(&mut self, s: &State, date: Day) -> Option<Event> {
        self.leaving.retain(|&(_, by)| by >= date);
        if self.leaving.is_empty() {
            return None;
        }
        let (m, _) = self.leaving[self.rng.index(self.leaving.len())];
        let ms = s.mission(m);
        let first = ms.leaving.iter().min_by_key(|l| (l.deadline, l.cause))?;
        let cause = first.cause;
        let anon: u32 = ms.leaving.iter().map(|l| l.staff.total()).sum();
        let persons: Vec<PersonId> = ms
            .leaving
            .iter()
            .flat_map(|l| l.persons.iter().copied())
            .collect();
        let who = match self.rng.below(10) {
            0..=3 => Who::All,
            4..=5 if !persons.is_empty() => {
                Who::Named(vec![persons[self.rng.index(persons.len())]])
            }
            // Staff in post above a cap in force may leave with them (R5).
            _ if anon > 0 => Who::Count {
                count: self.rng.between(
                    1,
                    anon + s
                        .above_cap(self.world, m)
                        .min(ms.in_post.total() - ms.reserved.total()),
                ),
                category: self.category(),
            },
            _ => Who::All,
        };
        let actor = self.world.mission(m).sender;
        self.current = Some(self.dyad_of[m.index()] as usize);
        Some(Event {
            date,
            notified: None,
            actor,
            in_response_to: vec![cause],
            proposed: false,
            body: Body::Measures {
                bundle: false,
                measures: vec![Measure {
                    effective: date,
                    action: Action::StaffDeparted { mission: m, who },
                }],
            },
        })
    }

    /// The author of a held proposal adopts or drops it, or of deferred measures cancels them.
    fn resolve(&mut self, s: &State, date: Day) -> Option<Event> {
        let use_proposal =
            !s.proposals.is_empty() && (s.pending.is_empty() || self.rng.chance(650));
        let (of, body) = if use_proposal {
            let p = &s.proposals[self.rng.index(s.proposals.len())];
            let adopt = self.rng.chance(600);
            let body = match self.rng.below(10) {
                _ if adopt => Body::ProposalAdopted { proposal: p.seq },
                6..=7 => Body::MeasuresCancelled {
                    of: vec![p.seq],
                    how: Cancellation::Overruled,
                },
                _ => Body::MeasuresCancelled {
                    of: vec![p.seq],
                    how: Cancellation::Withdrawn,
                },
            };
            (p.seq, body)
        } else {
            if s.pending.is_empty() || self.rng.chance(500) {
                return None;
            }
            let start = self.rng.index(s.pending.len());
            let n = s.pending.len();
            let cause = (0..n.min(16))
                .map(|k| &s.pending[(start + k) % n])
                .find(|p| matches!(p.effect, Effect::Measure { .. }))?
                .cause;
            (
                cause,
                Body::MeasuresCancelled {
                    of: vec![cause],
                    how: Cancellation::Withdrawn,
                },
            )
        };
        let held = s.proposals.iter().find(|p| p.seq == of).map(|p| p.actor);
        let actor = held.or_else(|| s.pending.iter().find(|p| p.cause == of).map(|p| p.actor))?;
        Some(Event {
            date,
            notified: None,
            actor,
            in_response_to: vec![of],
            proposed: false,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Engine;

    fn small(seed: u64) -> GenConfig {
        GenConfig {
            seed,
            actors: 8,
            missions: 30,
            events: 600,
        }
    }

    #[test]
    fn rng_is_deterministic_and_in_range() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        for _ in 0..1000 {
            assert_eq!(a.next_u64(), b.next_u64());
            let x = a.between(3, 9);
            assert!((3..=9).contains(&x));
            b.between(3, 9);
        }
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
    }

    #[test]
    fn cast_is_consistent() {
        for seed in 0..20 {
            let (world, state) = cast(&GenConfig {
                seed,
                ..GenConfig::default()
            });
            state.check_invariants(&world);
            assert_eq!(state.person_at.len(), world.persons.len());
            for m in world.mission_ids() {
                let d = world.mission(m);
                assert_ne!(d.sender, d.receiver);
                let ms = state.mission(m);
                if ms.operating() {
                    assert!((5..=200).contains(&ms.headcount()), "{}", ms.headcount());
                }
            }
            for c in &state.caps {
                assert!(state.covered_headcount(&world, &c.scope, c.counts) <= c.limit);
            }
        }
    }

    #[test]
    fn generated_logs_hire_let_go_and_cap_locally_employed_staff() {
        let g = generate(&GenConfig {
            events: 5000,
            ..small(5)
        });
        assert!(g.initial.missions.iter().any(|m| m.local > 0));
        let kinds: Vec<Kind> = g.events.iter().map(Event::kind).collect();
        assert!(kinds.contains(&Kind::LocalStaffHired));
        assert!(kinds.contains(&Kind::LocalStaffDismissed));
        let counted = |c: Counts| {
            g.events.iter().any(|e| match &e.body {
                Body::Measures { measures, .. } => measures
                    .iter()
                    .any(|m| matches!(m.action, Action::StaffCapSet { counts, .. } if counts == c)),
                _ => false,
            })
        };
        assert!(counted(Counts::Local) && counted(Counts::All) && counted(Counts::Diplomatic));
        // And the local staff are let go at those caps' compliance dates.
        let mut e = crate::core::Engine::recording(&g.world, g.initial.clone());
        let mut shed = false;
        for ev in &g.events {
            e.step(ev, &mut ()).expect("accepted");
            let passed = e.take_passed();
            shed |= passed
                .iter()
                .any(|f| matches!(f, crate::core::Fact::LocalShed { .. }));
        }
        assert!(shed, "no compliance date let local staff go");
    }

    #[test]
    fn generation_is_deterministic_for_a_seed() {
        let a = generate(&small(11));
        let b = generate(&small(11));
        assert_eq!(a.world, b.world);
        assert_eq!(a.initial, b.initial);
        assert_eq!(a.events, b.events);
        let c = generate(&small(12));
        assert_ne!(a.events, c.events);
    }

    #[test]
    fn every_generated_event_is_accepted() {
        for seed in 0..8 {
            let g = generate(&small(seed));
            assert_eq!(g.events.len(), 600);
            let mut engine = Engine::new(&g.world, g.initial.clone());
            for (i, e) in g.events.iter().enumerate() {
                if let Err(r) = engine.step(e, &mut ()) {
                    panic!("seed {seed}: event {i} rejected: {}", r.describe(&g.world));
                }
                engine.state.check_invariants(&g.world);
            }
        }
    }

    #[test]
    fn one_event_at_a_time_matches_generate() {
        let cfg = small(5);
        let g = generate(&cfg);
        let mut generator = Generator::new(&g.world, cfg.seed);
        let mut engine = Engine::new(&g.world, g.initial.clone());
        let mut state = g.initial.clone();
        for e in &g.events {
            let mine = generator.next_event(&mut state);
            assert_eq!(&mine, e);
            engine.step(&mine, &mut ()).expect("accepted");
            assert_eq!(engine.state, state);
        }
        assert_eq!(generator.stats().events, 600);
    }

    #[test]
    fn tiny_worlds_work() {
        for (actors, missions) in [(0, 0), (2, 0), (2, 1), (3, 2)] {
            let g = generate(&GenConfig {
                seed: 3,
                actors,
                missions,
                events: 200,
            });
            let mut engine = Engine::new(&g.world, g.initial.clone());
            for e in &g.events {
                engine.step(e, &mut ()).expect("accepted");
            }
        }
    }

    #[test]
    fn the_mix_is_varied() {
        let cfg = GenConfig {
            seed: 1,
            actors: 10,
            missions: 40,
            events: 5000,
        };
        let (world, initial) = cast(&cfg);
        let mut generator = Generator::new(&world, cfg.seed);
        let mut state = initial;
        let mut responses = 0;
        for _ in 0..cfg.events {
            let e = generator.next_event(&mut state);
            responses += usize::from(!e.in_response_to.is_empty());
        }
        let st = generator.stats();
        let seen = |k: Kind| st.kinds.iter().find(|x| x.0 == k).unwrap().1;
        for k in [
            Kind::Statement,
            Kind::PersonaNonGrata,
            Kind::AccreditationWithdrawn,
            Kind::StaffDeparted,
            Kind::StaffCapSet,
            Kind::Countermeasures,
            Kind::AccreditationGranted,
            Kind::AccreditationDenied,
            Kind::AccreditationRequested,
            Kind::MissionSuspended,
            Kind::MissionReopened,
            Kind::ConsentWithdrawn,
            Kind::ProposalAdopted,
            Kind::MeasuresCancelled,
            Kind::StaffReported,
        ] {
            assert!(seen(k) > 0, "no {k:?} in 5000 events: {st:?}");
        }
        assert!(st.fallbacks * 10 < st.events, "too many fallbacks: {st:?}");
        assert!(responses * 4 > cfg.events, "few responses: {responses}");
    }
    /// Prints how fast logs are generated. Run with
    /// `cargo test --release --lib throughput -- --ignored --nocapture`.
    #[test]
    #[ignore = "timing: run by hand in release mode"]
    fn throughput() {
        let events = std::env::var("GEN_EVENTS").map_or(1_000_000, |v| v.parse().unwrap());
        for (actors, missions) in [(12, 60), (60, 1000)] {
            let cfg = GenConfig {
                seed: 1,
                actors,
                missions,
                events,
            };
            let t = std::time::Instant::now();
            let g = generate(&cfg);
            let secs = t.elapsed().as_secs_f64();
            println!(
                "{actors} actors, {missions} missions: {} events in {secs:.2} s ({:.0} events/s)",
                g.events.len(),
                g.events.len() as f64 / secs
            );
        }
    }
}
