//! The state of every mission, cap, relation and channel, and the infallible `apply`.
//!
//! Architecture invariant: nothing here can fail or do I/O. [`State::apply`] assumes the event
//! was accepted by [`State::decide`](super::rules) against this very state; it only moves
//! numbers. Scheduled effects (deferred measures, departure deadlines, cap compliance dates)
//! are applied by [`State::advance_to`] when the replay clock reaches their day.
//!
//! All collections are vectors in a defined order, never hash maps, so that the canonical
//! encoding behind [`State::digest`] is the same on every machine.

use super::day::Day;
use super::event::{Action, Body, CapScope, Category, Event, Limit, Measure, Staff, Who};
use super::world::{ActorId, MissionId, PersonId, Seq, World};
use serde::{Deserialize, Serialize};

/// Where a mission stands in its lifecycle.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Lifecycle {
    /// Declared but not opened yet.
    NotOpen,
    Operating,
    Suspended,
    Closed,
}

/// The status reported to users: the lifecycle, with `OverCap` for an operating mission whose
/// staff in post exceed a cap in force (until its compliance date).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Status {
    NotOpen,
    Active,
    OverCap,
    Suspended,
    Closed,
}

impl Status {
    pub fn key(self) -> &'static str {
        match self {
            Status::NotOpen => "not-open",
            Status::Active => "active",
            Status::OverCap => "over-cap",
            Status::Suspended => "suspended",
            Status::Closed => "closed",
        }
    }
}

/// What protects a mission's premises.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Premises {
    InUse,
    /// Suspended or closed: the host must protect them (R9).
    Protected,
    /// Seized by the state where they stand, by an explicit event.
    Seized,
}

impl Premises {
    pub fn key(self) -> &'static str {
        match self {
            Premises::InUse => "in-use",
            Premises::Protected => "protected",
            Premises::Seized => "seized",
        }
    }
}

/// Staff whose accreditation ended and who must leave by a deadline.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Leaving {
    pub staff: Staff,
    pub persons: Vec<PersonId>,
    /// Last day to leave; the day after, those still there lose member status (R4).
    pub deadline: Day,
    pub cause: Seq,
}

impl Leaving {
    pub fn total(&self) -> u32 {
        self.staff.total() + self.persons.len() as u32
    }
}

/// A mission's changing facts.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct MissionState {
    pub lifecycle: Lifecycle,
    /// The receiving side withdrew consent (or accreditation of the whole mission).
    pub consent_withdrawn: bool,
    /// Anonymous accredited staff in post, by category.
    pub in_post: Staff,
    /// Named accredited members in post, sorted.
    pub members: Vec<PersonId>,
    /// Posts that exist but are not filled.
    pub vacant: u32,
    /// Accreditation requests awaiting an answer.
    pub requested: u32,
    pub leaving: Vec<Leaving>,
    /// Anonymous staff, members and vacancies that pending measures will remove.
    pub reserved: Staff,
    pub reserved_members: Vec<PersonId>,
    pub reserved_vacant: u32,
    pub premises: Premises,
}

impl MissionState {
    pub fn new(lifecycle: Lifecycle) -> MissionState {
        MissionState {
            lifecycle,
            consent_withdrawn: false,
            in_post: Staff::default(),
            members: Vec::new(),
            vacant: 0,
            requested: 0,
            leaving: Vec::new(),
            reserved: Staff::default(),
            reserved_members: Vec::new(),
            reserved_vacant: 0,
            premises: match lifecycle {
                Lifecycle::Suspended | Lifecycle::Closed => Premises::Protected,
                _ => Premises::InUse,
            },
        }
    }

    /// Accredited staff in post (named and anonymous); excludes staff due to leave.
    pub fn headcount(&self) -> u32 {
        self.in_post.total() + self.members.len() as u32
    }

    /// Staff due to leave after losing accreditation.
    pub fn leaving_count(&self) -> u32 {
        self.leaving.iter().map(Leaving::total).sum()
    }

    pub fn operating(&self) -> bool {
        self.lifecycle == Lifecycle::Operating
    }
}

/// A staff cap in force.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Cap {
    pub scope: CapScope,
    pub limit: u32,
    pub since: Day,
    /// When the cap took effect above the headcount: the last day the excess may stay.
    pub comply_by: Option<Day>,
    pub set_by: ActorId,
    /// The event that set it; `None` for a cap in force when the scenario starts.
    pub cause: Option<Seq>,
}

/// Relations between two actors; only pairs that differ from normal are stored.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Relation {
    /// The pair, smaller id first.
    pub pair: (ActorId, ActorId),
    pub broken: bool,
    pub contacts_frozen: bool,
}

/// A designated channel of contact between two actors through a mission.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Designated {
    pub pair: (ActorId, ActorId),
    pub via: MissionId,
    pub since: Day,
    /// The event that designated it; `None` for a channel in place when the scenario starts.
    pub cause: Option<Seq>,
}

/// What a scheduled entry will do.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Effect {
    /// A deferred measure takes effect; `reserved` is the anonymous staff it set aside.
    Measure { action: Action, reserved: Staff },
    /// The departure deadline of a leaving batch has passed (R4).
    Lapse { mission: MissionId },
    /// The compliance date of a cap has passed: the excess leaves.
    Compliance { scope: CapScope },
}

/// An effect due on a later day.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Scheduled {
    pub day: Day,
    pub cause: Seq,
    /// Position of the measure within its event, so several effects of one event keep order.
    pub index: u32,
    /// The actor of the event that scheduled it.
    pub actor: ActorId,
    pub effect: Effect,
}

/// Where a measure is carried out: the day, the event that caused it (and the measure's
/// position in it), and that event's actor.
#[derive(Clone, Copy, Debug)]
pub(crate) struct At {
    pub day: Day,
    pub cause: Seq,
    pub index: u32,
    pub actor: ActorId,
}

/// A proposal whose measures are held.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Proposal {
    pub seq: Seq,
    /// Who proposed it (only they may adopt or cancel it).
    pub actor: ActorId,
    pub measures: Vec<Measure>,
}

/// Everything the replay knows at a point in time.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct State {
    /// The replay clock: the last day reached.
    pub clock: Day,
    pub missions: Vec<MissionState>,
    /// Which mission each named person is in post at or leaving, if any.
    pub person_at: Vec<Option<MissionId>>,
    pub caps: Vec<Cap>,
    pub relations: Vec<Relation>,
    pub designated: Vec<Designated>,
    /// Sorted by (day, cause, index).
    pub pending: Vec<Scheduled>,
    pub proposals: Vec<Proposal>,
    /// Events accepted so far: the next event's sequence. (What the state needs of past events,
    /// who announced a held proposal or a pending measure, is kept with those, so the state
    /// does not grow with the log.)
    pub events: u64,
}

/// A change made by an event or a scheduled effect, for timelines and reports.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub enum Change {
    StaffAdded {
        mission: MissionId,
        count: u32,
    },
    /// Staff lost accreditation and must leave by `deadline`.
    StaffToLeave {
        mission: MissionId,
        count: u32,
        deadline: Day,
    },
    StaffRecalled {
        mission: MissionId,
        count: u32,
    },
    StaffDeparted {
        mission: MissionId,
        count: u32,
    },
    /// The deadline passed: those still there lost member status (R4).
    StatusLapsed {
        mission: MissionId,
        count: u32,
    },
    /// A cap's compliance date passed with the mission over it: the excess left.
    ExcessLeft {
        mission: MissionId,
        count: u32,
    },
    StaffReported {
        mission: MissionId,
        headcount: u32,
        vacant: u32,
    },
    Requested {
        mission: MissionId,
        count: u32,
    },
    Denied {
        mission: MissionId,
        count: u32,
    },
    PostsAbolished {
        mission: MissionId,
        count: u32,
    },
    CapSet {
        scope: CapScope,
        limit: u32,
        comply_by: Option<Day>,
    },
    Lifecycle {
        mission: MissionId,
        from: Lifecycle,
        to: Lifecycle,
    },
    PremisesSeized {
        mission: MissionId,
    },
    RelationsBroken {
        pair: (ActorId, ActorId),
    },
    RelationsRestored {
        pair: (ActorId, ActorId),
    },
    ContactsFrozen {
        pair: (ActorId, ActorId),
    },
    ConsentRestored {
        mission: MissionId,
    },
    ChannelDesignated {
        pair: (ActorId, ActorId),
        via: MissionId,
    },
    Scheduled {
        day: Day,
        what: super::event::Kind,
        mission: Option<MissionId>,
    },
    ProposalHeld {
        measures: u32,
    },
    Cancelled {
        of: Seq,
        measures: u32,
        how: super::event::Cancellation,
    },
    CapLifted {
        scope: CapScope,
    },
    /// Measures scheduled on a mission that stopped operating first will not happen.
    Superseded {
        mission: MissionId,
        measures: u32,
    },
    /// Staff left with a mission that stopped operating (suspended, closed, relations broken).
    LeftWithMission {
        mission: MissionId,
        count: u32,
    },
    /// A statement, accusation, protest... recorded; no mission changes.
    Recorded,
}

/// Receives changes as they are made. `()` ignores them, for fast replays.
pub trait Observe {
    fn change(&mut self, when: Day, cause: Seq, change: Change);
}

impl Observe for () {
    #[inline]
    fn change(&mut self, _: Day, _: Seq, _: Change) {}
}

impl Observe for Vec<(Day, Seq, Change)> {
    fn change(&mut self, when: Day, cause: Seq, change: Change) {
        self.push((when, cause, change));
    }
}

pub(crate) fn pair(a: ActorId, b: ActorId) -> (ActorId, ActorId) {
    if a <= b { (a, b) } else { (b, a) }
}

/// Takes `count` anonymous staff of `category` from `from`: that category first, then
/// `Unspecified`; for `Unspecified`, that first and then the named categories in order.
/// Returns what was taken, or `None` if there are not enough.
pub fn take_staff(from: &Staff, count: u32, category: Category) -> Option<Staff> {
    let order: [Category; 4] = if category == Category::Unspecified {
        [
            Category::Unspecified,
            Category::Diplomatic,
            Category::AdministrativeTechnical,
            Category::Service,
        ]
    } else {
        [category, Category::Unspecified, category, category]
    };
    let mut taken = Staff::default();
    let mut left = count;
    for c in order {
        let here = from.get(c) - taken.get(c);
        let n = here.min(left);
        taken.0[c.index()] += n;
        left -= n;
    }
    (left == 0).then_some(taken)
}

fn sub(a: &mut Staff, b: &Staff) {
    for i in 0..4 {
        a.0[i] -= b.0[i];
    }
}

fn add(a: &mut Staff, b: &Staff) {
    for i in 0..4 {
        a.0[i] += b.0[i];
    }
}

impl State {
    /// A state with every declared mission in the given lifecycle and nothing else.
    pub fn new(world: &World, start: Day, lifecycles: &[Lifecycle]) -> State {
        debug_assert_eq!(world.missions.len(), lifecycles.len());
        State {
            clock: start,
            missions: lifecycles.iter().map(|&l| MissionState::new(l)).collect(),
            person_at: vec![None; world.persons.len()],
            caps: Vec::new(),
            relations: Vec::new(),
            designated: Vec::new(),
            pending: Vec::new(),
            proposals: Vec::new(),
            events: 0,
        }
    }

    pub fn mission(&self, id: MissionId) -> &MissionState {
        &self.missions[id.index()]
    }

    /// The sequence the next accepted event gets.
    pub fn next_seq(&self) -> Seq {
        Seq(self.events as u32)
    }

    /// True when `scope` covers mission `m`.
    pub fn covers(world: &World, scope: &CapScope, m: MissionId) -> bool {
        match *scope {
            CapScope::Mission(id) => id == m,
            CapScope::Posts { sender, host } => {
                let d = world.mission(m);
                d.sender == sender && d.receiver == host
            }
        }
    }

    /// Staff in post under `scope`, over operating missions.
    pub fn covered_headcount(&self, world: &World, scope: &CapScope) -> u32 {
        match *scope {
            CapScope::Mission(id) => self.mission(id).headcount(),
            CapScope::Posts { .. } => world
                .mission_ids()
                .filter(|&m| Self::covers(world, scope, m) && self.mission(m).operating())
                .map(|m| self.mission(m).headcount())
                .sum(),
        }
    }

    /// Caps in force covering mission `m`: at most one on the mission and one on all posts of
    /// its sender in its receiver, found by binary search (caps are sorted by scope, one each).
    pub fn caps_on<'a>(&'a self, world: &'a World, m: MissionId) -> impl Iterator<Item = &'a Cap> {
        let d = world.mission(m);
        let find = move |scope: CapScope| {
            self.caps
                .binary_search_by(|c| c.scope.cmp(&scope))
                .ok()
                .map(|i| &self.caps[i])
        };
        let posts = CapScope::Posts {
            sender: d.sender,
            host: d.receiver,
        };
        find(CapScope::Mission(m)).into_iter().chain(find(posts))
    }

    /// The tightest cap in force covering mission `m`, as its limit.
    pub fn cap_of(&self, world: &World, m: MissionId) -> Option<u32> {
        self.caps_on(world, m).map(|c| c.limit).min()
    }

    /// The status users see.
    pub fn status(&self, world: &World, m: MissionId) -> Status {
        let ms = self.mission(m);
        match ms.lifecycle {
            Lifecycle::NotOpen => Status::NotOpen,
            Lifecycle::Suspended => Status::Suspended,
            Lifecycle::Closed => Status::Closed,
            Lifecycle::Operating => {
                let over = self
                    .caps_on(world, m)
                    .any(|c| self.covered_headcount(world, &c.scope) > c.limit);
                if over {
                    Status::OverCap
                } else {
                    Status::Active
                }
            }
        }
    }

    pub fn relation(&self, a: ActorId, b: ActorId) -> Option<&Relation> {
        let p = pair(a, b);
        self.relations.iter().find(|r| r.pair == p)
    }

    pub fn relations_broken(&self, a: ActorId, b: ActorId) -> bool {
        self.relation(a, b).is_some_and(|r| r.broken)
    }

    fn relation_mut(&mut self, a: ActorId, b: ActorId) -> &mut Relation {
        let p = pair(a, b);
        let i = match self.relations.binary_search_by(|r| r.pair.cmp(&p)) {
            Ok(i) => i,
            Err(i) => {
                self.relations.insert(
                    i,
                    Relation {
                        pair: p,
                        broken: false,
                        contacts_frozen: false,
                    },
                );
                i
            }
        };
        &mut self.relations[i]
    }

    fn schedule(&mut self, entry: Scheduled) {
        let key = (entry.day, entry.cause, entry.index);
        let at = self
            .pending
            .partition_point(|s| (s.day, s.cause, s.index) <= key);
        self.pending.insert(at, entry);
    }

    /// Applies every scheduled effect due on or before `day`, in (day, cause, index) order, and
    /// moves the clock to `day`. Time passing is not an event: this happens before the event
    /// dated `day` is decided, and stays even if that event is rejected.
    pub fn advance_to<O: Observe>(&mut self, world: &World, day: Day, obs: &mut O) {
        while self.pending.first().is_some_and(|s| s.day <= day) {
            let s = self.pending.remove(0);
            self.clock = self.clock.max(s.day);
            self.effect(world, s, obs);
        }
        self.clock = self.clock.max(day);
    }

    fn effect<O: Observe>(&mut self, world: &World, s: Scheduled, obs: &mut O) {
        let (day, cause) = (s.day, s.cause);
        match s.effect {
            Effect::Measure { action, reserved } => {
                self.release(&action, &reserved);
                let at = At {
                    day,
                    cause,
                    index: s.index,
                    actor: s.actor,
                };
                self.act(world, at, &action, obs);
            }
            Effect::Lapse { mission } => {
                let ms = &mut self.missions[mission.index()];
                if let Some(i) = ms
                    .leaving
                    .iter()
                    .position(|l| l.cause == cause && l.deadline < day)
                {
                    let gone = ms.leaving.remove(i);
                    for p in &gone.persons {
                        self.person_at[p.index()] = None;
                    }
                    if gone.total() > 0 {
                        obs.change(
                            day,
                            cause,
                            Change::StatusLapsed {
                                mission,
                                count: gone.total(),
                            },
                        );
                    }
                }
            }
            Effect::Compliance { scope } => {
                let Some(cap) = self
                    .caps
                    .iter()
                    .find(|c| c.scope == scope && c.cause == Some(cause))
                else {
                    return; // replaced by a later cap on the same scope, which has its own date
                };
                let limit = cap.limit;
                let mut excess = self.covered_headcount(world, &scope).saturating_sub(limit);
                while excess > 0 {
                    // Largest operating post first, ties by declaration order.
                    let m = world
                        .mission_ids()
                        .filter(|&m| Self::covers(world, &scope, m) && self.mission(m).operating())
                        .filter(|&m| self.mission(m).headcount() > 0)
                        .max_by_key(|&m| (self.mission(m).headcount(), std::cmp::Reverse(m)))
                        .expect("excess implies staff in post");
                    let n = excess.min(self.mission(m).headcount());
                    self.shed(m, n);
                    excess -= n;
                    obs.change(
                        day,
                        cause,
                        Change::ExcessLeft {
                            mission: m,
                            count: n,
                        },
                    );
                }
                if let Some(cap) = self.caps.iter_mut().find(|c| c.scope == scope) {
                    cap.comply_by = None;
                }
            }
        }
    }

    /// Removes `n` staff in post from mission `m` at a compliance date: staff no pending measure
    /// has set aside first (anonymous, then named from the last), then staff set aside, whose
    /// pending measures shrink accordingly (latest scheduled first), so they never act on staff
    /// already gone.
    fn shed(&mut self, m: MissionId, n: u32) {
        let ms = &mut self.missions[m.index()];
        let free = free_staff(&ms.in_post, &ms.reserved);
        let anon = n.min(free.total());
        let taken = shed_order(&free, anon);
        sub(&mut ms.in_post, &taken);
        let mut left = n - anon;
        while left > 0 {
            let Some(i) = ms
                .members
                .iter()
                .rposition(|p| !ms.reserved_members.contains(p))
            else {
                break;
            };
            let p = ms.members.remove(i);
            self.person_at[p.index()] = None;
            left -= 1;
        }
        let mut i = self.pending.len();
        while left > 0 && i > 0 {
            i -= 1;
            let s = &mut self.pending[i];
            let Effect::Measure { action, reserved } = &mut s.effect else {
                continue;
            };
            let ms = &mut self.missions[m.index()];
            let emptied = match action {
                Action::AccreditationWithdrawn { mission, who, .. }
                | Action::PersonaNonGrata { mission, who, .. }
                | Action::DepartureRequired { mission, who, .. }
                | Action::StaffRecalled { mission, who }
                    if *mission == m =>
                {
                    match who {
                        Who::Count { count, .. } => {
                            let k = left.min(reserved.total());
                            let t = shed_order(reserved, k);
                            sub(reserved, &t);
                            sub(&mut ms.reserved, &t);
                            sub(&mut ms.in_post, &t);
                            *count -= k;
                            left -= k;
                            *count == 0
                        }
                        Who::Named(ps) => {
                            while left > 0 {
                                let Some(p) = ps.pop() else { break };
                                ms.members.retain(|q| *q != p);
                                ms.reserved_members.retain(|q| *q != p);
                                self.person_at[p.index()] = None;
                                left -= 1;
                            }
                            ps.is_empty()
                        }
                        Who::All => false,
                    }
                }
                _ => false,
            };
            if emptied {
                self.pending.remove(i);
            }
        }
        debug_assert_eq!(left, 0, "a mission cannot shed more than its headcount");
    }

    /// Undoes the reservation a pending measure made when it was scheduled.
    fn release(&mut self, action: &Action, reserved: &Staff) {
        if let Some((mission, who)) = removal(action) {
            let ms = &mut self.missions[mission.index()];
            sub(&mut ms.reserved, reserved);
            if let Who::Named(ps) = who {
                ms.reserved_members.retain(|p| !ps.contains(p));
            }
        }
        if let Action::PostsAbolished { mission, count } = *action {
            self.missions[mission.index()].reserved_vacant -= count;
        }
    }

    /// Applies an accepted event. Infallible: the event was decided against this state after
    /// [`State::advance_to`] its date.
    pub fn apply<O: Observe>(&mut self, world: &World, event: &Event, obs: &mut O) {
        let seq = self.next_seq();
        let day = event.date;
        debug_assert!(day >= self.clock);
        self.clock = day;
        self.events += 1;
        match &event.body {
            Body::Measures { measures, .. } if event.proposed => {
                self.proposals.push(Proposal {
                    seq,
                    actor: event.actor,
                    measures: measures.clone(),
                });
                obs.change(
                    day,
                    seq,
                    Change::ProposalHeld {
                        measures: measures.len() as u32,
                    },
                );
            }
            Body::Measures { measures, .. } => {
                self.enact(world, day, seq, event.actor, measures, obs)
            }
            Body::ProposalAdopted { proposal } => {
                let i = self
                    .proposals
                    .iter()
                    .position(|p| p.seq == *proposal)
                    .expect("decided: proposal held");
                let p = self.proposals.remove(i);
                let measures: Vec<Measure> = p
                    .measures
                    .into_iter()
                    .map(|m| Measure {
                        effective: m.effective.max(day),
                        ..m
                    })
                    .collect();
                // Scheduled under the adoption, not the proposal: adopted measures run after
                // those announced before the adoption, and are cancelled by naming it.
                self.enact(world, day, seq, event.actor, &measures, obs);
            }
            Body::MeasuresCancelled { of, how } => {
                let mut n = 0;
                if let Some(i) = self.proposals.iter().position(|p| p.seq == *of) {
                    n += self.proposals.remove(i).measures.len() as u32;
                }
                let mut kept = Vec::with_capacity(self.pending.len());
                for s in std::mem::take(&mut self.pending) {
                    match &s.effect {
                        Effect::Measure { action, reserved } if s.cause == *of => {
                            self.release(action, reserved);
                            n += 1;
                        }
                        _ => kept.push(s),
                    }
                }
                self.pending = kept;
                obs.change(
                    day,
                    seq,
                    Change::Cancelled {
                        of: *of,
                        measures: n,
                        how: *how,
                    },
                );
            }
            Body::StaffReported {
                mission,
                in_post,
                vacant,
            } => {
                let ms = &mut self.missions[mission.index()];
                ms.in_post = *in_post;
                ms.vacant = *vacant;
                obs.change(
                    day,
                    seq,
                    Change::StaffReported {
                        mission: *mission,
                        headcount: in_post.total(),
                        vacant: *vacant,
                    },
                );
            }
            Body::Signal { .. } => obs.change(day, seq, Change::Recorded),
        }
    }

    /// Applies measures effective today and schedules the others (reserving what they remove).
    fn enact<O: Observe>(
        &mut self,
        world: &World,
        day: Day,
        cause: Seq,
        actor: ActorId,
        measures: &[Measure],
        obs: &mut O,
    ) {
        for (i, m) in measures.iter().enumerate() {
            let action = resolve(self, world, &m.action);
            if m.effective <= day {
                let at = At {
                    day,
                    cause,
                    index: i as u32,
                    actor,
                };
                self.act(world, at, &action, obs);
            } else {
                let reserved = self.reserve(&action);
                obs.change(
                    day,
                    cause,
                    Change::Scheduled {
                        day: m.effective,
                        what: action.kind(),
                        mission: action.mission(),
                    },
                );
                self.schedule(Scheduled {
                    day: m.effective,
                    cause,
                    index: i as u32,
                    actor,
                    effect: Effect::Measure { action, reserved },
                });
            }
        }
    }

    /// Sets aside what a deferred measure will remove, so that no other event takes it first.
    /// Returns the anonymous staff set aside.
    fn reserve(&mut self, action: &Action) -> Staff {
        let mut set_aside = Staff::default();
        if let Some((mission, who)) = removal(action) {
            let ms = &mut self.missions[mission.index()];
            match who {
                Who::Count { count, category } => {
                    let free = free_staff(&ms.in_post, &ms.reserved);
                    set_aside =
                        take_staff(&free, *count, *category).expect("decided: enough staff");
                    add(&mut ms.reserved, &set_aside);
                }
                Who::Named(ps) => {
                    ms.reserved_members.extend(ps.iter().copied());
                    ms.reserved_members.sort();
                }
                Who::All => {}
            }
        }
        if let Action::PostsAbolished { mission, count } = *action {
            self.missions[mission.index()].reserved_vacant += count;
        }
        set_aside
    }

    /// Carries out one measure now.
    fn act<O: Observe>(&mut self, world: &World, at: At, action: &Action, obs: &mut O) {
        let At {
            day,
            cause,
            index,
            actor,
        } = at;
        match action {
            Action::AccreditationRequested { mission, count } => {
                self.missions[mission.index()].requested += count;
                obs.change(
                    day,
                    cause,
                    Change::Requested {
                        mission: *mission,
                        count: *count,
                    },
                );
            }
            Action::AccreditationGranted { mission, who } => {
                let ms = &mut self.missions[mission.index()];
                let n = match who {
                    Who::Count { count, category } => {
                        ms.in_post.0[category.index()] += count;
                        *count
                    }
                    Who::Named(ps) => {
                        for p in ps {
                            self.person_at[p.index()] = Some(*mission);
                        }
                        ms.members.extend(ps.iter().copied());
                        ms.members.sort();
                        ps.len() as u32
                    }
                    Who::All => unreachable!("decided: grants name a count"),
                };
                ms.requested -= n;
                // Fill vacant posts, but not those a pending abolition has set aside.
                ms.vacant -= n.min(ms.vacant - ms.reserved_vacant);
                obs.change(
                    day,
                    cause,
                    Change::StaffAdded {
                        mission: *mission,
                        count: n,
                    },
                );
            }
            Action::AccreditationDenied { mission, count } => {
                self.missions[mission.index()].requested -= count;
                obs.change(
                    day,
                    cause,
                    Change::Denied {
                        mission: *mission,
                        count: *count,
                    },
                );
            }
            Action::AccreditationWithdrawn {
                mission,
                who: Who::All,
                depart_by,
            }
            | Action::ConsentWithdrawn { mission, depart_by } => {
                self.end_mission(*mission, Lifecycle::Closed, Some(*depart_by), at, obs);
                self.missions[mission.index()].consent_withdrawn = true;
            }
            Action::AccreditationWithdrawn {
                mission,
                who,
                depart_by,
            }
            | Action::PersonaNonGrata {
                mission,
                who,
                depart_by,
            }
            | Action::DepartureRequired {
                mission,
                who,
                depart_by,
            } => {
                let (staff, persons) = self.take(*mission, who);
                let batch = Leaving {
                    staff,
                    persons,
                    deadline: *depart_by,
                    cause,
                };
                let count = batch.total();
                self.missions[mission.index()].leaving.push(batch);
                self.schedule(Scheduled {
                    day: depart_by.next(),
                    cause,
                    index,
                    actor,
                    effect: Effect::Lapse { mission: *mission },
                });
                obs.change(
                    day,
                    cause,
                    Change::StaffToLeave {
                        mission: *mission,
                        count,
                        deadline: *depart_by,
                    },
                );
            }
            Action::StaffRecalled { mission, who } => {
                let (staff, persons) = self.take(*mission, who);
                for p in &persons {
                    self.person_at[p.index()] = None;
                }
                let count = staff.total() + persons.len() as u32;
                self.missions[mission.index()].vacant += count;
                obs.change(
                    day,
                    cause,
                    Change::StaffRecalled {
                        mission: *mission,
                        count,
                    },
                );
            }
            Action::StaffDeparted { mission, who } => {
                let count = self.depart(*mission, who);
                obs.change(
                    day,
                    cause,
                    Change::StaffDeparted {
                        mission: *mission,
                        count,
                    },
                );
            }
            Action::PostsAbolished { mission, count } => {
                self.missions[mission.index()].vacant -= count;
                obs.change(
                    day,
                    cause,
                    Change::PostsAbolished {
                        mission: *mission,
                        count: *count,
                    },
                );
            }
            Action::StaffCapSet {
                scope,
                limit,
                comply_by,
            } => {
                let Limit::Absolute(limit) = *limit else {
                    unreachable!("resolved when announced")
                };
                let headcount = self.covered_headcount(world, scope);
                // A cap announced without a compliance date was checked to fit when announced, and
                // grants since were checked against it; the fallback gives the excess one day.
                debug_assert!(
                    headcount <= limit || comply_by.is_some(),
                    "deferred cap outrun"
                );
                let comply_by = if headcount > limit {
                    Some(comply_by.unwrap_or(day))
                } else {
                    None
                };
                let cap = Cap {
                    scope: *scope,
                    limit,
                    since: day,
                    comply_by,
                    set_by: actor,
                    cause: Some(cause),
                };
                match self.caps.iter().position(|c| c.scope == *scope) {
                    Some(i) => self.caps[i] = cap,
                    None => {
                        let at = self.caps.partition_point(|c| c.scope < *scope);
                        self.caps.insert(at, cap);
                    }
                }
                if let CapScope::Mission(m) = scope {
                    // A vacant post above the cap cannot exist.
                    let ms = &mut self.missions[m.index()];
                    let room = limit.saturating_sub(ms.headcount()).max(ms.reserved_vacant);
                    if ms.vacant > room {
                        let n = ms.vacant - room;
                        ms.vacant = room;
                        obs.change(
                            day,
                            cause,
                            Change::PostsAbolished {
                                mission: *m,
                                count: n,
                            },
                        );
                    }
                }
                obs.change(
                    day,
                    cause,
                    Change::CapSet {
                        scope: *scope,
                        limit,
                        comply_by,
                    },
                );
                if let Some(by) = comply_by {
                    self.schedule(Scheduled {
                        day: by.next(),
                        cause,
                        index,
                        actor,
                        effect: Effect::Compliance { scope: *scope },
                    });
                }
            }
            Action::CapLifted { scope } => {
                self.caps.retain(|c| c.scope != *scope);
                obs.change(day, cause, Change::CapLifted { scope: *scope });
            }
            Action::MissionOpened { mission } | Action::MissionReopened { mission } => {
                let ms = &mut self.missions[mission.index()];
                let from = ms.lifecycle;
                ms.lifecycle = Lifecycle::Operating;
                if ms.premises == Premises::Protected {
                    ms.premises = Premises::InUse;
                }
                obs.change(
                    day,
                    cause,
                    Change::Lifecycle {
                        mission: *mission,
                        from,
                        to: Lifecycle::Operating,
                    },
                );
            }
            Action::MissionSuspended { mission } => {
                self.end_mission(*mission, Lifecycle::Suspended, None, at, obs)
            }
            Action::MissionClosed { mission } => {
                self.end_mission(*mission, Lifecycle::Closed, None, at, obs)
            }
            Action::ConsentGranted { mission } => {
                self.missions[mission.index()].consent_withdrawn = false;
                obs.change(day, cause, Change::ConsentRestored { mission: *mission });
            }
            Action::RelationsBroken { with, depart_by } => {
                let r = self.relation_mut(actor, *with);
                r.broken = true;
                let p = r.pair;
                obs.change(day, cause, Change::RelationsBroken { pair: p });
                let ends: Vec<MissionId> = world
                    .mission_ids()
                    .filter(|&m| {
                        let d = world.mission(m);
                        pair(d.sender, d.receiver) == p
                            && d.kind != super::world::MissionKind::InterestsSection
                            && matches!(
                                self.mission(m).lifecycle,
                                Lifecycle::Operating | Lifecycle::Suspended
                            )
                    })
                    .collect();
                for m in ends {
                    self.end_mission(m, Lifecycle::Closed, *depart_by, at, obs);
                }
            }
            Action::RelationsEstablished { with } => {
                let p = pair(actor, *with);
                self.relations.retain(|r| r.pair != p);
                obs.change(day, cause, Change::RelationsRestored { pair: p });
            }
            Action::ContactsFrozen { with } => {
                let r = self.relation_mut(actor, *with);
                r.contacts_frozen = true;
                let p = r.pair;
                obs.change(day, cause, Change::ContactsFrozen { pair: p });
            }
            Action::PremisesSeized { mission } => {
                self.missions[mission.index()].premises = Premises::Seized;
                obs.change(day, cause, Change::PremisesSeized { mission: *mission });
            }
            Action::ChannelDesignated { with, via } => {
                let p = pair(actor, *with);
                self.designated.push(Designated {
                    pair: p,
                    via: *via,
                    since: day,
                    cause: Some(cause),
                });
                obs.change(day, cause, Change::ChannelDesignated { pair: p, via: *via });
            }
        }
    }

    /// Takes staff in post (not those reserved by pending measures) out of a mission.
    fn take(&mut self, mission: MissionId, who: &Who) -> (Staff, Vec<PersonId>) {
        let ms = &mut self.missions[mission.index()];
        match who {
            Who::Count { count, category } => {
                let free = free_staff(&ms.in_post, &ms.reserved);
                let taken = take_staff(&free, *count, *category).expect("decided: enough staff");
                sub(&mut ms.in_post, &taken);
                (taken, Vec::new())
            }
            Who::Named(ps) => {
                ms.members.retain(|p| !ps.contains(p));
                (Staff::default(), ps.clone())
            }
            Who::All => {
                let staff = std::mem::take(&mut ms.in_post);
                (staff, std::mem::take(&mut ms.members))
            }
        }
    }

    /// Removes staff due to leave, earliest deadline first. Returns how many left.
    fn depart(&mut self, mission: MissionId, who: &Who) -> u32 {
        let ms = &mut self.missions[mission.index()];
        ms.leaving.sort_by_key(|l| (l.deadline, l.cause));
        let count = match who {
            Who::Count { count, category } => {
                let mut left = *count;
                for l in &mut ms.leaving {
                    let n = left.min(l.staff.total());
                    if let Some(t) = take_staff(&l.staff, n, *category)
                        .or_else(|| take_staff(&l.staff, n, Category::Unspecified))
                    {
                        sub(&mut l.staff, &t);
                        left -= n;
                    }
                }
                debug_assert_eq!(left, 0, "decided: enough leaving");
                *count
            }
            Who::Named(ps) => {
                for l in &mut ms.leaving {
                    l.persons.retain(|p| !ps.contains(p));
                }
                for p in ps {
                    self.person_at[p.index()] = None;
                }
                ps.len() as u32
            }
            Who::All => {
                let n = ms.leaving_count();
                for l in &ms.leaving {
                    for p in &l.persons {
                        self.person_at[p.index()] = None;
                    }
                }
                ms.leaving.clear();
                n
            }
        };
        ms.leaving.retain(|l| l.total() > 0);
        count
    }

    /// Suspends or closes a mission. With a deadline (the receiving side ended it) its staff
    /// must leave by then; otherwise the sender withdrew them and they are gone at once.
    #[allow(clippy::too_many_arguments)]
    fn end_mission<O: Observe>(
        &mut self,
        mission: MissionId,
        to: Lifecycle,
        depart_by: Option<Day>,
        at: At,
        obs: &mut O,
    ) {
        let At {
            day,
            cause,
            index,
            actor,
        } = at;
        let from = self.missions[mission.index()].lifecycle;
        let (staff, persons) = self.take(mission, &Who::All);
        let ms = &mut self.missions[mission.index()];
        ms.lifecycle = to;
        ms.vacant = 0;
        ms.requested = 0;
        ms.reserved = Staff::default();
        ms.reserved_members.clear();
        ms.reserved_vacant = 0;
        if ms.premises == Premises::InUse {
            ms.premises = Premises::Protected;
        }
        let count = staff.total() + persons.len() as u32;
        obs.change(day, cause, Change::Lifecycle { mission, from, to });
        match depart_by {
            // The receiving side ended it: staff in post must leave by the deadline; staff
            // already due to leave keep their own deadlines.
            Some(deadline) => {
                if count > 0 {
                    ms.leaving.push(Leaving {
                        staff,
                        persons,
                        deadline,
                        cause,
                    });
                    self.schedule(Scheduled {
                        day: deadline.next(),
                        cause,
                        index,
                        actor,
                        effect: Effect::Lapse { mission },
                    });
                    obs.change(
                        day,
                        cause,
                        Change::StaffToLeave {
                            mission,
                            count,
                            deadline,
                        },
                    );
                }
            }
            // The sender withdrew its mission: everyone leaves with it.
            None => {
                let leaving = ms.leaving_count();
                let departed: Vec<PersonId> = ms
                    .leaving
                    .drain(..)
                    .flat_map(|l| l.persons)
                    .chain(persons)
                    .collect();
                for p in departed {
                    self.person_at[p.index()] = None;
                }
                if count + leaving > 0 {
                    obs.change(
                        day,
                        cause,
                        Change::LeftWithMission {
                            mission,
                            count: count + leaving,
                        },
                    );
                }
            }
        }
        // Channels through the mission close with it.
        self.designated.retain(|c| c.via != mission);
        // Measures scheduled on it that a stopped mission does not allow are superseded: the
        // staff they named left with the mission. Reservations were cleared above.
        let allowed = match to {
            Lifecycle::Suspended => super::rules::allowed_when_suspended,
            _ => super::rules::allowed_when_closed,
        };
        let before = self.pending.len();
        self.pending.retain(|s| match &s.effect {
            Effect::Measure { action, .. } => {
                action.mission() != Some(mission) || allowed(action.kind())
            }
            _ => true,
        });
        let superseded = (before - self.pending.len()) as u32;
        if superseded > 0 {
            obs.change(
                day,
                cause,
                Change::Superseded {
                    mission,
                    measures: superseded,
                },
            );
        }
    }

    /// Checks every invariant; panics naming the first one broken. Called after each applied
    /// event in tests and debug builds.
    pub fn check_invariants(&self, world: &World) {
        for m in world.mission_ids() {
            let ms = self.mission(m);
            let key = &world.mission(m).key;
            for c in Category::ALL {
                assert!(
                    ms.reserved.get(c) <= ms.in_post.get(c),
                    "{key}: reserved above in post"
                );
            }
            assert!(
                ms.reserved_vacant <= ms.vacant,
                "{key}: reserved vacancies above vacant"
            );
            if !ms.operating() {
                assert_eq!(
                    ms.headcount(),
                    0,
                    "{key}: accredited staff at a mission not operating"
                );
                assert_eq!(
                    ms.vacant, 0,
                    "{key}: vacant posts at a mission not operating"
                );
            }
            if matches!(ms.lifecycle, Lifecycle::Suspended | Lifecycle::Closed) {
                assert_ne!(
                    ms.premises,
                    Premises::InUse,
                    "{key}: premises of a mission not operating unprotected"
                );
            }
            for p in ms
                .members
                .iter()
                .chain(ms.leaving.iter().flat_map(|l| l.persons.iter()))
            {
                assert_eq!(
                    self.person_at[p.index()],
                    Some(m),
                    "{key}: person record disagrees"
                );
            }
            for l in &ms.leaving {
                assert!(
                    l.deadline >= self.clock || l.total() == 0 || self.pending_lapse(m, l.cause),
                    "{key}: staff past their deadline still there"
                );
            }
        }
        for (i, at) in self.person_at.iter().enumerate() {
            if let Some(m) = at {
                let ms = self.mission(*m);
                let p = PersonId(i as u32);
                let n = ms.members.iter().filter(|&&q| q == p).count()
                    + ms.leaving
                        .iter()
                        .flat_map(|l| l.persons.iter())
                        .filter(|&&q| q == p)
                        .count();
                assert_eq!(n, 1, "person {i} accredited {n} times");
            }
        }
        for c in &self.caps {
            let late = c.comply_by.is_none_or(|by| by < self.clock);
            if late {
                let h = self.covered_headcount(world, &c.scope);
                assert!(h <= c.limit || c.comply_by.is_some_and(|by| by.next() >= self.clock && self.pending_compliance(c)),
                    "cap of {} exceeded after its compliance date: {h} in post", c.limit);
            }
        }
        assert!(
            self.pending
                .windows(2)
                .all(|w| (w[0].day, w[0].cause, w[0].index) <= (w[1].day, w[1].cause, w[1].index))
        );
        assert!(
            self.pending.iter().all(|s| s.day > self.clock),
            "an effect due is still pending"
        );
        assert!(
            self.pending
                .iter()
                .all(|s| (s.cause.index() as u64) < self.events)
        );
        assert!(
            self.proposals
                .iter()
                .all(|p| (p.seq.index() as u64) < self.events)
        );
    }

    fn pending_lapse(&self, m: MissionId, cause: Seq) -> bool {
        self.pending
            .iter()
            .any(|s| s.cause == cause && s.effect == Effect::Lapse { mission: m })
    }

    fn pending_compliance(&self, c: &Cap) -> bool {
        self.pending
            .iter()
            .any(|s| Some(s.cause) == c.cause && s.effect == Effect::Compliance { scope: c.scope })
    }

    /// A stable digest: SHA-256 over the canonical encoding, first 16 bytes in hex.
    pub fn digest(&self) -> String {
        crate::codec::digest(self)
    }
}

/// Takes `count` staff for a compliance date: unspecified, then service, then
/// administrative-technical, and diplomats last, so a cut never empties a mission of its
/// diplomats while others remain.
fn shed_order(from: &Staff, count: u32) -> Staff {
    let mut taken = Staff::default();
    let mut left = count;
    for c in [
        Category::Unspecified,
        Category::Service,
        Category::AdministrativeTechnical,
        Category::Diplomatic,
    ] {
        let n = from.get(c).min(left);
        taken.0[c.index()] = n;
        left -= n;
    }
    debug_assert_eq!(left, 0, "count within staff");
    taken
}

/// Staff in post not reserved by pending measures.
pub fn free_staff(in_post: &Staff, reserved: &Staff) -> Staff {
    let mut f = *in_post;
    sub(&mut f, reserved);
    f
}

/// The mission and who a staff-removing measure takes out of post, if it is one.
pub fn removal(action: &Action) -> Option<(MissionId, &Who)> {
    match action {
        Action::AccreditationWithdrawn { mission, who, .. }
        | Action::PersonaNonGrata { mission, who, .. }
        | Action::DepartureRequired { mission, who, .. }
        | Action::StaffRecalled { mission, who } => Some((*mission, who)),
        _ => None,
    }
}

/// Resolves a cap given as a cut into an absolute limit, against staff in post when announced.
fn resolve(state: &State, world: &World, action: &Action) -> Action {
    match *action {
        Action::StaffCapSet {
            scope,
            limit: Limit::ReduceBy(n),
            comply_by,
        } => Action::StaffCapSet {
            scope,
            limit: Limit::Absolute(state.covered_headcount(world, &scope).saturating_sub(n)),
            comply_by,
        },
        _ => action.clone(),
    }
}

impl State {
    /// Applies one measure of a bundle to a scratch copy while its later measures are checked.
    pub(crate) fn enact_one(
        &mut self,
        world: &World,
        day: Day,
        cause: Seq,
        actor: ActorId,
        m: &Measure,
    ) {
        self.enact(world, day, cause, actor, std::slice::from_ref(m), &mut ());
    }
}
