//! The state of every mission, cap, relation and channel, and the queries on it.
//!
//! The state changes only by [`State::apply`](super::apply) of a fact; what the facts are is
//! decided in [`super::decide`] (commands) and [`super::clock`] (time passing). Invariants are
//! checked in [`super::invariants`].
//!
//! All collections are vectors in a defined order, never hash maps, so that the canonical
//! encoding behind [`State::digest`] is the same on every machine.

use super::day::Day;
use super::event::{Action, CapScope, Category, Counts, Measure, Staff, Who};
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
    /// Staff the mission employs locally (host or third-country nationals hired where it
    /// stands): not members sent by the sender, not in `in_post`, counted only by caps that
    /// count them.
    pub local: u32,
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
            local: 0,
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
    /// Which staff it counts; one cap per scope and counting.
    pub counts: Counts,
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
/// What a scheduled entry will do.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Effect {
    /// A deferred measure takes effect.
    Measure(Box<Planned>),
    /// The departure deadline of a leaving batch has passed (R4).
    Lapse { mission: MissionId },
    /// The compliance date of a cap has passed: the excess leaves.
    Compliance { scope: CapScope, counts: Counts },
}

/// A deferred measure, resolved when announced: a cap given as a cut is a number, and
/// `reserved` is the anonymous staff it sets aside so that no other event takes them first.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Planned {
    pub action: Action,
    pub reserved: Staff,
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

pub(crate) fn sub(a: &mut Staff, b: &Staff) {
    for i in 0..4 {
        a.0[i] -= b.0[i];
    }
}

pub(crate) fn add(a: &mut Staff, b: &Staff) {
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

    /// The staff at mission `m` a cap counting `counts` counts: staff in post (all, or of one
    /// category), locally employed staff, or both.
    pub fn counted(&self, world: &World, m: MissionId, counts: Counts) -> u32 {
        let ms = self.mission(m);
        let sent = match counts {
            // The usual caps: no need to look at each member.
            Counts::Sent | Counts::All => ms.headcount(),
            _ => counts.of_sent(
                &ms.in_post,
                ms.members.iter().map(|p| world.person(*p).category),
            ),
        };
        let local = if counts.local() { ms.local } else { 0 };
        sent + local
    }

    /// Staff under `scope` that a cap counting `counts` counts: over operating missions, and
    /// for a cap counting locally employed staff, suspended ones too (they keep their local
    /// staff; their staff sent have left).
    pub fn covered_headcount(&self, world: &World, scope: &CapScope, counts: Counts) -> u32 {
        match *scope {
            CapScope::Mission(id) => self.counted(world, id, counts),
            CapScope::Posts { .. } => world
                .mission_ids()
                .filter(|&m| Self::covers(world, scope, m) && self.counts_at(m, counts))
                .map(|m| self.counted(world, m, counts))
                .sum(),
        }
    }

    /// True when a cap over several posts counting `counts` counts staff at mission `m`: an
    /// operating one, or a suspended one's locally employed staff.
    pub fn counts_at(&self, m: MissionId, counts: Counts) -> bool {
        let l = self.mission(m).lifecycle;
        l == Lifecycle::Operating || (l == Lifecycle::Suspended && counts.local())
    }

    /// The position of the cap on `scope` counting `counts` (caps are sorted by both, one each).
    pub fn cap_index(&self, scope: CapScope, counts: Counts) -> Result<usize, usize> {
        self.caps
            .binary_search_by(|c| (c.scope, c.counts).cmp(&(scope, counts)))
    }

    /// The cap in force on `scope` counting `counts`.
    pub fn cap(&self, scope: CapScope, counts: Counts) -> Option<&Cap> {
        self.cap_index(scope, counts).ok().map(|i| &self.caps[i])
    }

    /// Caps in force covering mission `m`: at most one per counting on the mission, and one per
    /// counting on all posts of its sender in its receiver, found by binary search (those on
    /// the mission first, each scope's in the order of [`Counts`]).
    pub fn caps_on<'a>(&'a self, world: &'a World, m: MissionId) -> impl Iterator<Item = &'a Cap> {
        let d = world.mission(m);
        let posts = CapScope::Posts {
            sender: d.sender,
            host: d.receiver,
        };
        // Caps are sorted by scope, then counting: those of one scope are one run.
        let run = move |scope: CapScope| {
            let from = self.caps.partition_point(|c| c.scope < scope);
            self.caps[from..]
                .iter()
                .take_while(move |c| c.scope == scope)
        };
        run(CapScope::Mission(m)).chain(run(posts))
    }

    /// The tightest cap in force covering mission `m` that counts every staff member sent, as
    /// its limit (caps on one category, or on local staff only, are listed with the caps).
    pub fn cap_of(&self, world: &World, m: MissionId) -> Option<u32> {
        self.caps_on(world, m)
            .filter(|c| c.counts.whole())
            .map(|c| c.limit)
            .min()
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
                    .any(|c| self.covered_headcount(world, &c.scope, c.counts) > c.limit);
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

    pub(crate) fn relation_mut(&mut self, a: ActorId, b: ActorId) -> &mut Relation {
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

    /// A stable digest: SHA-256 over the canonical encoding, first 16 bytes in hex.
    pub fn digest(&self) -> String {
        crate::codec::digest(self)
    }
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
