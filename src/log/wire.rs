//! The frozen types a log stores: plain serde mirrors of the core's commands, world and state.
//!
//! A log payload is bincode, which writes no field or variant names: the bytes of a value are
//! fixed by the order of its fields and of its enum variants. If the log stored core types, a
//! field or variant moved in the core would silently change what old logs mean. So the log
//! stores these types instead, and converts to and from the core at its edge:
//!
//! - core -> wire with `From<&core::X>`, which cannot fail;
//! - wire -> core with `From<wire::X>`, or `TryFrom` where a decoded value may be invalid for
//!   the core (a signal carrying a kind that is not a signal); the error says what is wrong.
//!
//! Ids are plain `u32` and days plain `i32`, so nothing here depends on the core's id types.
//! Conversions do not check that ids are in range: [`check_ids`] does, against the cast and
//! the next sequence, before a command read from a log reaches the core.
//!
//! **These types are frozen.** Never reorder, insert, remove or retype a field or a variant of
//! a type here, even when the core type it mirrors changes: adapt the conversion instead. When
//! the log must hold a new layout, write a new type beside the old one (`ActionV2`, say), bump
//! the schema in [`super::schema`] and upcast the old type into the new. The golden-bytes test
//! at the bottom of this file fails on any change to an existing type.
//!
//! When they were written, every type here encoded to the same bytes as the core type it
//! mirrors (same field order, same variant order), so logs written before these types existed
//! read unchanged; the golden bytes were taken from the core's encoding of the same values.

use crate::core::day::Day;
use crate::core::event as ce;
use crate::core::state as cs;
use crate::core::world as cw;
use crate::core::world::{ActorId, MissionId, PersonId, Seq};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// Commands (events as announced).
// ---------------------------------------------------------------------------------------------

/// A staff category (VCDR article 1).
///
/// Frozen order: 0 Diplomatic, 1 AdministrativeTechnical, 2 Service, 3 Unspecified.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Category {
    /// 0
    Diplomatic,
    /// 1
    AdministrativeTechnical,
    /// 2
    Service,
    /// 3
    Unspecified,
}

/// Anonymous staff counts, one field per category, in the frozen order of [`Category`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct Staff {
    pub diplomatic: u32,
    pub administrative_technical: u32,
    pub service: u32,
    pub unspecified: u32,
}

/// Who a staff measure concerns.
///
/// Frozen order: 0 Count, 1 Named, 2 All.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Who {
    /// 0
    Count { count: u32, category: Category },
    /// 1: person ids.
    Named(Vec<u32>),
    /// 2
    All,
}

/// The size a staff cap allows.
///
/// Frozen order: 0 Absolute, 1 ReduceBy.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Limit {
    /// 0
    Absolute(u32),
    /// 1
    ReduceBy(u32),
}

/// What a staff cap covers.
///
/// Frozen order: 0 Mission, 1 Posts.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum CapScope {
    /// 0: a mission id.
    Mission(u32),
    /// 1: actor ids.
    Posts { sender: u32, host: u32 },
}

/// Which staff a cap counts.
///
/// Frozen order: 0 Sent, 1 All, 2 Local, 3 Diplomatic, 4 AdministrativeTechnical, 5 Service.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Counts {
    /// 0
    Sent,
    /// 1
    All,
    /// 2
    Local,
    /// 3
    Diplomatic,
    /// 4
    AdministrativeTechnical,
    /// 5
    Service,
}

impl From<ce::Counts> for Counts {
    fn from(c: ce::Counts) -> Counts {
        match c {
            ce::Counts::Sent => Counts::Sent,
            ce::Counts::All => Counts::All,
            ce::Counts::Local => Counts::Local,
            ce::Counts::Diplomatic => Counts::Diplomatic,
            ce::Counts::AdministrativeTechnical => Counts::AdministrativeTechnical,
            ce::Counts::Service => Counts::Service,
        }
    }
}

impl From<Counts> for ce::Counts {
    fn from(c: Counts) -> ce::Counts {
        match c {
            Counts::Sent => ce::Counts::Sent,
            Counts::All => ce::Counts::All,
            Counts::Local => ce::Counts::Local,
            Counts::Diplomatic => ce::Counts::Diplomatic,
            Counts::AdministrativeTechnical => ce::Counts::AdministrativeTechnical,
            Counts::Service => ce::Counts::Service,
        }
    }
}

/// One measure of a decision, with the day it takes effect.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Measure {
    pub effective: i32,
    pub action: Action,
}

/// What a measure does. `mission` and `via` are mission ids, `with` an actor id, days are
/// days since 1970-01-01.
///
/// Frozen order: 0 AccreditationRequested, 1 AccreditationGranted, 2 AccreditationDenied,
/// 3 AccreditationWithdrawn, 4 PersonaNonGrata, 5 DepartureRequired, 6 StaffRecalled,
/// 7 StaffDeparted, 8 PostsAbolished, 9 StaffCapSet, 10 CapLifted, 11 MissionOpened,
/// 12 MissionSuspended, 13 MissionClosed, 14 MissionReopened, 15 ConsentWithdrawn,
/// 16 ConsentGranted, 17 RelationsBroken, 18 RelationsEstablished, 19 ContactsFrozen,
/// 20 PremisesSeized, 21 ChannelDesignated, 22 RemovalFromPosts, 23 StaffMoved,
/// 24 MissionClosedMovingStaff (the last three added at the end), 25 StaffCapSetCounting,
/// 26 CapLiftedCounting, 27 LocalStaffHired, 28 LocalStaffDismissed (added at the end; a cap
/// that counts staff sent is still written as 9 and 10, as before caps counted anything else).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Action {
    /// 0
    AccreditationRequested { mission: u32, count: u32 },
    /// 1
    AccreditationGranted { mission: u32, who: Who },
    /// 2
    AccreditationDenied { mission: u32, count: u32 },
    /// 3
    AccreditationWithdrawn {
        mission: u32,
        who: Who,
        depart_by: i32,
    },
    /// 4
    PersonaNonGrata {
        mission: u32,
        who: Who,
        depart_by: i32,
    },
    /// 5
    DepartureRequired {
        mission: u32,
        who: Who,
        depart_by: i32,
    },
    /// 6
    StaffRecalled { mission: u32, who: Who },
    /// 7
    StaffDeparted { mission: u32, who: Who },
    /// 8
    PostsAbolished { mission: u32, count: u32 },
    /// 9
    StaffCapSet {
        scope: CapScope,
        limit: Limit,
        comply_by: Option<i32>,
    },
    /// 10
    CapLifted { scope: CapScope },
    /// 11
    MissionOpened { mission: u32 },
    /// 12
    MissionSuspended { mission: u32 },
    /// 13
    MissionClosed { mission: u32 },
    /// 14
    MissionReopened { mission: u32 },
    /// 15
    ConsentWithdrawn { mission: u32, depart_by: i32 },
    /// 16
    ConsentGranted { mission: u32 },
    /// 17
    RelationsBroken { with: u32, depart_by: Option<i32> },
    /// 18
    RelationsEstablished { with: u32 },
    /// 19
    ContactsFrozen { with: u32 },
    /// 20
    PremisesSeized { mission: u32 },
    /// 21
    ChannelDesignated { with: u32, via: u32 },
    /// 22: a removal over all posts of `sender` (an actor id) in `host`.
    RemovalFromPosts {
        sender: u32,
        host: u32,
        removal: Removal,
        count: u32,
        category: Category,
    },
    /// 23: mission ids.
    StaffMoved { from: u32, to: u32, who: Who },
    /// 24: mission ids.
    MissionClosedMovingStaff { mission: u32, to: u32 },
    /// 25: a cap that counts other staff than those sent.
    StaffCapSetCounting {
        scope: CapScope,
        limit: Limit,
        comply_by: Option<i32>,
        counts: Counts,
    },
    /// 26
    CapLiftedCounting { scope: CapScope, counts: Counts },
    /// 27: a mission id.
    LocalStaffHired { mission: u32, count: u32 },
    /// 28: a mission id.
    LocalStaffDismissed { mission: u32, count: u32 },
}

/// Which removal a [`Action::RemovalFromPosts`] is; days since 1970-01-01.
///
/// Frozen order: 0 PersonaNonGrata, 1 AccreditationWithdrawn, 2 StaffRecalled.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Removal {
    /// 0
    PersonaNonGrata { depart_by: i32 },
    /// 1
    AccreditationWithdrawn { depart_by: i32 },
    /// 2
    StaffRecalled,
}

impl From<ce::Removal> for Removal {
    fn from(r: ce::Removal) -> Removal {
        match r {
            ce::Removal::PersonaNonGrata { depart_by } => Removal::PersonaNonGrata {
                depart_by: depart_by.0,
            },
            ce::Removal::AccreditationWithdrawn { depart_by } => Removal::AccreditationWithdrawn {
                depart_by: depart_by.0,
            },
            ce::Removal::StaffRecalled => Removal::StaffRecalled,
        }
    }
}

impl From<Removal> for ce::Removal {
    fn from(r: Removal) -> ce::Removal {
        match r {
            Removal::PersonaNonGrata { depart_by } => ce::Removal::PersonaNonGrata {
                depart_by: Day(depart_by),
            },
            Removal::AccreditationWithdrawn { depart_by } => ce::Removal::AccreditationWithdrawn {
                depart_by: Day(depart_by),
            },
            Removal::StaffRecalled => ce::Removal::StaffRecalled,
        }
    }
}

/// The tone of a statement.
///
/// Frozen order: 0 Neutral, 1 Pessimistic, 2 Optimistic.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Tone {
    /// 0
    Neutral,
    /// 1
    Pessimistic,
    /// 2
    Optimistic,
}

/// Why pending measures did not happen.
///
/// Frozen order: 0 Withdrawn, 1 Overruled.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Cancellation {
    /// 0
    Withdrawn,
    /// 1
    Overruled,
}

/// The kind a signal carries.
///
/// It lists every event kind, not only the signal kinds, because that is how signals
/// were first written (as the index of the kind in the whole catalogue); a decoded signal whose
/// kind is not a signal kind is refused by the conversion to the core. Converted to and from
/// [`ce::Kind`] by an explicit match, so the core catalogue may be reordered freely.
///
/// Frozen order: 0 AccreditationRequested, 1 AccreditationGranted, 2 AccreditationDenied,
/// 3 AccreditationWithdrawn, 4 PersonaNonGrata, 5 DepartureRequired, 6 StaffRecalled,
/// 7 StaffDeparted, 8 PostsAbolished, 9 StaffCapSet, 10 CapLifted, 11 MissionOpened,
/// 12 MissionSuspended, 13 MissionClosed, 14 MissionReopened, 15 ConsentWithdrawn,
/// 16 ConsentGranted, 17 RelationsBroken, 18 RelationsEstablished, 19 ContactsFrozen,
/// 20 PremisesSeized, 21 ChannelDesignated, 22 Countermeasures, 23 Statement, 24 Accusation,
/// 25 Protest, 26 AmbassadorSummoned, 27 Demand, 28 CountermeasuresThreatened, 29 Ultimatum,
/// 30 StaffReported, 31 ProposalAdopted, 32 MeasuresCancelled, 33 SanctionsImposed,
/// 34 LawPassed, 35 AttackAttributed, 36 StaffMoved, 37 LocalStaffHired, 38 LocalStaffDismissed
/// (kinds added after the first, at the end).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Kind {
    /// 0
    AccreditationRequested,
    /// 1
    AccreditationGranted,
    /// 2
    AccreditationDenied,
    /// 3
    AccreditationWithdrawn,
    /// 4
    PersonaNonGrata,
    /// 5
    DepartureRequired,
    /// 6
    StaffRecalled,
    /// 7
    StaffDeparted,
    /// 8
    PostsAbolished,
    /// 9
    StaffCapSet,
    /// 10
    CapLifted,
    /// 11
    MissionOpened,
    /// 12
    MissionSuspended,
    /// 13
    MissionClosed,
    /// 14
    MissionReopened,
    /// 15
    ConsentWithdrawn,
    /// 16
    ConsentGranted,
    /// 17
    RelationsBroken,
    /// 18
    RelationsEstablished,
    /// 19
    ContactsFrozen,
    /// 20
    PremisesSeized,
    /// 21
    ChannelDesignated,
    /// 22
    Countermeasures,
    /// 23
    Statement,
    /// 24
    Accusation,
    /// 25
    Protest,
    /// 26
    AmbassadorSummoned,
    /// 27
    Demand,
    /// 28
    CountermeasuresThreatened,
    /// 29
    Ultimatum,
    /// 30
    StaffReported,
    /// 31
    ProposalAdopted,
    /// 32
    MeasuresCancelled,
    /// 33
    SanctionsImposed,
    /// 34
    LawPassed,
    /// 35
    AttackAttributed,
    /// 36
    StaffMoved,
    /// 37
    LocalStaffHired,
    /// 38
    LocalStaffDismissed,
}

/// What a command says or does. `proposal` and `of` are event sequences (from 0).
///
/// Frozen order: 0 Measures, 1 Signal, 2 StaffReported, 3 ProposalAdopted, 4 MeasuresCancelled,
/// 5 MeasuresCancelledMany (added at the end: a cancellation naming several events; one naming
/// a single event is still written as 4), 6 Threat (added at the end: a signal that says what
/// it demands or threatens; one that says nothing is still written as 1).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Body {
    /// 0
    Measures {
        bundle: bool,
        measures: Vec<Measure>,
    },
    /// 1
    Signal {
        kind: Kind,
        target: u32,
        mission: Option<u32>,
        tone: Tone,
    },
    /// 2
    StaffReported {
        mission: u32,
        in_post: Staff,
        vacant: u32,
    },
    /// 3
    ProposalAdopted { proposal: u32 },
    /// 4
    MeasuresCancelled { of: u32, how: Cancellation },
    /// 5
    MeasuresCancelledMany { of: Vec<u32>, how: Cancellation },
    /// 6: `cap` demanded of the target, `measure` the kind threatened.
    Threat {
        kind: Kind,
        target: u32,
        mission: Option<u32>,
        tone: Tone,
        cap: Option<u32>,
        measure: Option<Kind>,
    },
}

/// One announced event as the log stores it (the core's [`ce::Event`]).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Command {
    pub date: i32,
    pub notified: Option<i32>,
    /// An actor id.
    pub actor: u32,
    /// Sequences of earlier events.
    pub in_response_to: Vec<u32>,
    pub proposed: bool,
    pub body: Body,
}

// ---------------------------------------------------------------------------------------------
// The world (the cast).
// ---------------------------------------------------------------------------------------------

/// What kind of actor this is.
///
/// Frozen order: 0 State, 1 Organisation.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum ActorKind {
    /// 0
    State,
    /// 1
    Organisation,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Actor {
    pub key: String,
    pub name: String,
    pub kind: ActorKind,
}

/// The kinds of mission.
///
/// Frozen order: 0 Embassy, 1 Consulate, 2 PermanentMission, 3 MilitaryLiaisonMission,
/// 4 InformationOffice, 5 CulturalOffice, 6 InterestsSection, 7 Property, 8 TradeMission,
/// 9 Annex (the last two added at the end).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum MissionKind {
    /// 0
    Embassy,
    /// 1
    Consulate,
    /// 2
    PermanentMission,
    /// 3
    MilitaryLiaisonMission,
    /// 4
    InformationOffice,
    /// 5
    CulturalOffice,
    /// 6
    InterestsSection,
    /// 7
    Property,
    /// 8
    TradeMission,
    /// 9
    Annex,
}

/// A mission's fixed description; `sender`, `receiver`, `territory` are actor ids,
/// `hosted_by` a mission id.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct MissionDef {
    pub key: String,
    pub name: String,
    pub kind: MissionKind,
    pub sender: u32,
    pub receiver: u32,
    pub territory: u32,
    pub city: String,
    pub hosted_by: Option<u32>,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Person {
    pub key: String,
    pub category: Category,
}

#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct World {
    pub actors: Vec<Actor>,
    pub missions: Vec<MissionDef>,
    pub persons: Vec<Person>,
}

// ---------------------------------------------------------------------------------------------
// The state.
// ---------------------------------------------------------------------------------------------

/// Where a mission stands in its lifecycle.
///
/// Frozen order: 0 NotOpen, 1 Operating, 2 Suspended, 3 Closed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Lifecycle {
    /// 0
    NotOpen,
    /// 1
    Operating,
    /// 2
    Suspended,
    /// 3
    Closed,
}

/// What protects a mission's premises.
///
/// Frozen order: 0 InUse, 1 Protected, 2 Seized.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Premises {
    /// 0
    InUse,
    /// 1
    Protected,
    /// 2
    Seized,
}

/// Staff who must leave by a deadline; `persons` are person ids, `cause` a sequence.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Leaving {
    pub staff: Staff,
    pub persons: Vec<u32>,
    pub deadline: i32,
    pub cause: u32,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct MissionState {
    pub lifecycle: Lifecycle,
    pub consent_withdrawn: bool,
    pub in_post: Staff,
    pub members: Vec<u32>,
    pub vacant: u32,
    pub requested: u32,
    pub leaving: Vec<Leaving>,
    pub reserved: Staff,
    pub reserved_members: Vec<u32>,
    pub reserved_vacant: u32,
    pub premises: Premises,
}

/// A staff cap in force; `set_by` an actor id, `cause` a sequence.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Cap {
    pub scope: CapScope,
    pub limit: u32,
    pub since: i32,
    pub comply_by: Option<i32>,
    pub set_by: u32,
    pub cause: Option<u32>,
}

/// Relations between two actors (ids, smaller first).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Relation {
    pub pair: (u32, u32),
    pub broken: bool,
    pub contacts_frozen: bool,
}

/// A designated channel between two actors through a mission.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Designated {
    pub pair: (u32, u32),
    pub via: u32,
    pub since: i32,
    pub cause: Option<u32>,
}

/// A deferred measure and the anonymous staff it sets aside.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Planned {
    pub action: Action,
    pub reserved: Staff,
}

/// What a scheduled entry will do.
///
/// Frozen order: 0 Measure, 1 Lapse, 2 Compliance.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Effect {
    /// 0
    Measure(Planned),
    /// 1: a mission id.
    Lapse { mission: u32 },
    /// 2
    Compliance { scope: CapScope },
    /// 3: the compliance date of a cap that counts other staff than those sent.
    ComplianceCounting { scope: CapScope, counts: Counts },
}

/// An effect due on a later day.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Scheduled {
    pub day: i32,
    pub cause: u32,
    pub index: u32,
    pub actor: u32,
    pub effect: Effect,
}

/// A held proposal: `seq` its event's sequence, `actor` who proposed it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Proposal {
    pub seq: u32,
    pub actor: u32,
    pub measures: Vec<Measure>,
}

/// Everything the replay knows at a point in time.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct State {
    pub clock: i32,
    pub missions: Vec<MissionState>,
    /// The mission id each person is at, if any.
    pub person_at: Vec<Option<u32>>,
    pub caps: Vec<Cap>,
    pub relations: Vec<Relation>,
    pub designated: Vec<Designated>,
    pub pending: Vec<Scheduled>,
    pub proposals: Vec<Proposal>,
    pub events: u64,
}

// ---------------------------------------------------------------------------------------------
// Conversions.
// ---------------------------------------------------------------------------------------------

fn ids<T: Copy>(v: &[T], f: impl Fn(T) -> u32) -> Vec<u32> {
    v.iter().map(|&x| f(x)).collect()
}

fn day(d: i32) -> Day {
    Day(d)
}

impl From<ce::Category> for Category {
    fn from(c: ce::Category) -> Category {
        match c {
            ce::Category::Diplomatic => Category::Diplomatic,
            ce::Category::AdministrativeTechnical => Category::AdministrativeTechnical,
            ce::Category::Service => Category::Service,
            ce::Category::Unspecified => Category::Unspecified,
        }
    }
}

impl From<Category> for ce::Category {
    fn from(c: Category) -> ce::Category {
        match c {
            Category::Diplomatic => ce::Category::Diplomatic,
            Category::AdministrativeTechnical => ce::Category::AdministrativeTechnical,
            Category::Service => ce::Category::Service,
            Category::Unspecified => ce::Category::Unspecified,
        }
    }
}

impl From<&ce::Staff> for Staff {
    fn from(s: &ce::Staff) -> Staff {
        Staff {
            diplomatic: s.get(ce::Category::Diplomatic),
            administrative_technical: s.get(ce::Category::AdministrativeTechnical),
            service: s.get(ce::Category::Service),
            unspecified: s.get(ce::Category::Unspecified),
        }
    }
}

impl From<Staff> for ce::Staff {
    fn from(s: Staff) -> ce::Staff {
        let mut out = ce::Staff::default();
        out.0[ce::Category::Diplomatic.index()] = s.diplomatic;
        out.0[ce::Category::AdministrativeTechnical.index()] = s.administrative_technical;
        out.0[ce::Category::Service.index()] = s.service;
        out.0[ce::Category::Unspecified.index()] = s.unspecified;
        out
    }
}

impl From<&ce::Who> for Who {
    fn from(w: &ce::Who) -> Who {
        match w {
            ce::Who::Count { count, category } => Who::Count {
                count: *count,
                category: (*category).into(),
            },
            ce::Who::Named(persons) => Who::Named(ids(persons, |p| p.0)),
            ce::Who::All => Who::All,
        }
    }
}

impl From<Who> for ce::Who {
    fn from(w: Who) -> ce::Who {
        match w {
            Who::Count { count, category } => ce::Who::Count {
                count,
                category: category.into(),
            },
            Who::Named(persons) => ce::Who::Named(persons.into_iter().map(PersonId).collect()),
            Who::All => ce::Who::All,
        }
    }
}

impl From<ce::Limit> for Limit {
    fn from(l: ce::Limit) -> Limit {
        match l {
            ce::Limit::Absolute(n) => Limit::Absolute(n),
            ce::Limit::ReduceBy(n) => Limit::ReduceBy(n),
        }
    }
}

impl From<Limit> for ce::Limit {
    fn from(l: Limit) -> ce::Limit {
        match l {
            Limit::Absolute(n) => ce::Limit::Absolute(n),
            Limit::ReduceBy(n) => ce::Limit::ReduceBy(n),
        }
    }
}

impl From<ce::CapScope> for CapScope {
    fn from(s: ce::CapScope) -> CapScope {
        match s {
            ce::CapScope::Mission(m) => CapScope::Mission(m.0),
            ce::CapScope::Posts { sender, host } => CapScope::Posts {
                sender: sender.0,
                host: host.0,
            },
        }
    }
}

impl From<CapScope> for ce::CapScope {
    fn from(s: CapScope) -> ce::CapScope {
        match s {
            CapScope::Mission(m) => ce::CapScope::Mission(MissionId(m)),
            CapScope::Posts { sender, host } => ce::CapScope::Posts {
                sender: ActorId(sender),
                host: ActorId(host),
            },
        }
    }
}

impl From<&ce::Action> for Action {
    fn from(a: &ce::Action) -> Action {
        use ce::Action as C;
        match a {
            C::AccreditationRequested { mission, count } => Action::AccreditationRequested {
                mission: mission.0,
                count: *count,
            },
            C::AccreditationGranted { mission, who } => Action::AccreditationGranted {
                mission: mission.0,
                who: who.into(),
            },
            C::AccreditationDenied { mission, count } => Action::AccreditationDenied {
                mission: mission.0,
                count: *count,
            },
            C::AccreditationWithdrawn {
                mission,
                who,
                depart_by,
            } => Action::AccreditationWithdrawn {
                mission: mission.0,
                who: who.into(),
                depart_by: depart_by.0,
            },
            C::PersonaNonGrata {
                mission,
                who,
                depart_by,
            } => Action::PersonaNonGrata {
                mission: mission.0,
                who: who.into(),
                depart_by: depart_by.0,
            },
            C::DepartureRequired {
                mission,
                who,
                depart_by,
            } => Action::DepartureRequired {
                mission: mission.0,
                who: who.into(),
                depart_by: depart_by.0,
            },
            C::StaffRecalled { mission, who } => Action::StaffRecalled {
                mission: mission.0,
                who: who.into(),
            },
            C::StaffDeparted { mission, who } => Action::StaffDeparted {
                mission: mission.0,
                who: who.into(),
            },
            C::PostsAbolished { mission, count } => Action::PostsAbolished {
                mission: mission.0,
                count: *count,
            },
            C::StaffCapSet {
                scope,
                limit,
                comply_by,
                counts: ce::Counts::Sent,
            } => Action::StaffCapSet {
                scope: (*scope).into(),
                limit: (*limit).into(),
                comply_by: comply_by.map(|d| d.0),
            },
            C::StaffCapSet {
                scope,
                limit,
                comply_by,
                counts,
            } => Action::StaffCapSetCounting {
                scope: (*scope).into(),
                limit: (*limit).into(),
                comply_by: comply_by.map(|d| d.0),
                counts: (*counts).into(),
            },
            C::CapLifted {
                scope,
                counts: ce::Counts::Sent,
            } => Action::CapLifted {
                scope: (*scope).into(),
            },
            C::CapLifted { scope, counts } => Action::CapLiftedCounting {
                scope: (*scope).into(),
                counts: (*counts).into(),
            },
            C::LocalStaffHired { mission, count } => Action::LocalStaffHired {
                mission: mission.0,
                count: *count,
            },
            C::LocalStaffDismissed { mission, count } => Action::LocalStaffDismissed {
                mission: mission.0,
                count: *count,
            },
            C::MissionOpened { mission } => Action::MissionOpened { mission: mission.0 },
            C::MissionSuspended { mission } => Action::MissionSuspended { mission: mission.0 },
            C::MissionClosed { mission } => Action::MissionClosed { mission: mission.0 },
            C::MissionReopened { mission } => Action::MissionReopened { mission: mission.0 },
            C::ConsentWithdrawn { mission, depart_by } => Action::ConsentWithdrawn {
                mission: mission.0,
                depart_by: depart_by.0,
            },
            C::ConsentGranted { mission } => Action::ConsentGranted { mission: mission.0 },
            C::RelationsBroken { with, depart_by } => Action::RelationsBroken {
                with: with.0,
                depart_by: depart_by.map(|d| d.0),
            },
            C::RelationsEstablished { with } => Action::RelationsEstablished { with: with.0 },
            C::ContactsFrozen { with } => Action::ContactsFrozen { with: with.0 },
            C::PremisesSeized { mission } => Action::PremisesSeized { mission: mission.0 },
            C::ChannelDesignated { with, via } => Action::ChannelDesignated {
                with: with.0,
                via: via.0,
            },
            C::RemovalFromPosts {
                sender,
                host,
                removal,
                count,
                category,
            } => Action::RemovalFromPosts {
                sender: sender.0,
                host: host.0,
                removal: (*removal).into(),
                count: *count,
                category: (*category).into(),
            },
            C::StaffMoved { from, to, who } => Action::StaffMoved {
                from: from.0,
                to: to.0,
                who: who.into(),
            },
            C::MissionClosedMovingStaff { mission, to } => Action::MissionClosedMovingStaff {
                mission: mission.0,
                to: to.0,
            },
        }
    }
}

impl From<Action> for ce::Action {
    fn from(a: Action) -> ce::Action {
        use ce::Action as C;
        let m = MissionId;
        match a {
            Action::AccreditationRequested { mission, count } => C::AccreditationRequested {
                mission: m(mission),
                count,
            },
            Action::AccreditationGranted { mission, who } => C::AccreditationGranted {
                mission: m(mission),
                who: who.into(),
            },
            Action::AccreditationDenied { mission, count } => C::AccreditationDenied {
                mission: m(mission),
                count,
            },
            Action::AccreditationWithdrawn {
                mission,
                who,
                depart_by,
            } => C::AccreditationWithdrawn {
                mission: m(mission),
                who: who.into(),
                depart_by: day(depart_by),
            },
            Action::PersonaNonGrata {
                mission,
                who,
                depart_by,
            } => C::PersonaNonGrata {
                mission: m(mission),
                who: who.into(),
                depart_by: day(depart_by),
            },
            Action::DepartureRequired {
                mission,
                who,
                depart_by,
            } => C::DepartureRequired {
                mission: m(mission),
                who: who.into(),
                depart_by: day(depart_by),
            },
            Action::StaffRecalled { mission, who } => C::StaffRecalled {
                mission: m(mission),
                who: who.into(),
            },
            Action::StaffDeparted { mission, who } => C::StaffDeparted {
                mission: m(mission),
                who: who.into(),
            },
            Action::PostsAbolished { mission, count } => C::PostsAbolished {
                mission: m(mission),
                count,
            },
            Action::StaffCapSet {
                scope,
                limit,
                comply_by,
            } => C::StaffCapSet {
                scope: scope.into(),
                limit: limit.into(),
                comply_by: comply_by.map(day),
                counts: ce::Counts::Sent,
            },
            Action::StaffCapSetCounting {
                scope,
                limit,
                comply_by,
                counts,
            } => C::StaffCapSet {
                scope: scope.into(),
                limit: limit.into(),
                comply_by: comply_by.map(day),
                counts: counts.into(),
            },
            Action::CapLifted { scope } => C::CapLifted {
                scope: scope.into(),
                counts: ce::Counts::Sent,
            },
            Action::CapLiftedCounting { scope, counts } => C::CapLifted {
                scope: scope.into(),
                counts: counts.into(),
            },
            Action::LocalStaffHired { mission, count } => C::LocalStaffHired {
                mission: m(mission),
                count,
            },
            Action::LocalStaffDismissed { mission, count } => C::LocalStaffDismissed {
                mission: m(mission),
                count,
            },
            Action::MissionOpened { mission } => C::MissionOpened {
                mission: m(mission),
            },
            Action::MissionSuspended { mission } => C::MissionSuspended {
                mission: m(mission),
            },
            Action::MissionClosed { mission } => C::MissionClosed {
                mission: m(mission),
            },
            Action::MissionReopened { mission } => C::MissionReopened {
                mission: m(mission),
            },
            Action::ConsentWithdrawn { mission, depart_by } => C::ConsentWithdrawn {
                mission: m(mission),
                depart_by: day(depart_by),
            },
            Action::ConsentGranted { mission } => C::ConsentGranted {
                mission: m(mission),
            },
            Action::RelationsBroken { with, depart_by } => C::RelationsBroken {
                with: ActorId(with),
                depart_by: depart_by.map(day),
            },
            Action::RelationsEstablished { with } => C::RelationsEstablished {
                with: ActorId(with),
            },
            Action::ContactsFrozen { with } => C::ContactsFrozen {
                with: ActorId(with),
            },
            Action::PremisesSeized { mission } => C::PremisesSeized {
                mission: m(mission),
            },
            Action::ChannelDesignated { with, via } => C::ChannelDesignated {
                with: ActorId(with),
                via: m(via),
            },
            Action::RemovalFromPosts {
                sender,
                host,
                removal,
                count,
                category,
            } => C::RemovalFromPosts {
                sender: ActorId(sender),
                host: ActorId(host),
                removal: removal.into(),
                count,
                category: category.into(),
            },
            Action::StaffMoved { from, to, who } => C::StaffMoved {
                from: m(from),
                to: m(to),
                who: who.into(),
            },
            Action::MissionClosedMovingStaff { mission, to } => C::MissionClosedMovingStaff {
                mission: m(mission),
                to: m(to),
            },
        }
    }
}

impl From<&ce::Measure> for Measure {
    fn from(m: &ce::Measure) -> Measure {
        Measure {
            effective: m.effective.0,
            action: (&m.action).into(),
        }
    }
}

impl From<Measure> for ce::Measure {
    fn from(m: Measure) -> ce::Measure {
        ce::Measure {
            effective: day(m.effective),
            action: m.action.into(),
        }
    }
}

fn measures_to_wire(ms: &[ce::Measure]) -> Vec<Measure> {
    ms.iter().map(Measure::from).collect()
}

fn measures_to_core(ms: Vec<Measure>) -> Vec<ce::Measure> {
    ms.into_iter().map(ce::Measure::from).collect()
}

impl From<ce::Tone> for Tone {
    fn from(t: ce::Tone) -> Tone {
        match t {
            ce::Tone::Neutral => Tone::Neutral,
            ce::Tone::Pessimistic => Tone::Pessimistic,
            ce::Tone::Optimistic => Tone::Optimistic,
        }
    }
}

impl From<Tone> for ce::Tone {
    fn from(t: Tone) -> ce::Tone {
        match t {
            Tone::Neutral => ce::Tone::Neutral,
            Tone::Pessimistic => ce::Tone::Pessimistic,
            Tone::Optimistic => ce::Tone::Optimistic,
        }
    }
}

impl From<ce::Cancellation> for Cancellation {
    fn from(c: ce::Cancellation) -> Cancellation {
        match c {
            ce::Cancellation::Withdrawn => Cancellation::Withdrawn,
            ce::Cancellation::Overruled => Cancellation::Overruled,
        }
    }
}

impl From<Cancellation> for ce::Cancellation {
    fn from(c: Cancellation) -> ce::Cancellation {
        match c {
            Cancellation::Withdrawn => ce::Cancellation::Withdrawn,
            Cancellation::Overruled => ce::Cancellation::Overruled,
        }
    }
}

impl From<ce::Kind> for Kind {
    fn from(k: ce::Kind) -> Kind {
        use ce::Kind as C;
        match k {
            C::AccreditationRequested => Kind::AccreditationRequested,
            C::AccreditationGranted => Kind::AccreditationGranted,
            C::AccreditationDenied => Kind::AccreditationDenied,
            C::AccreditationWithdrawn => Kind::AccreditationWithdrawn,
            C::PersonaNonGrata => Kind::PersonaNonGrata,
            C::DepartureRequired => Kind::DepartureRequired,
            C::StaffRecalled => Kind::StaffRecalled,
            C::StaffDeparted => Kind::StaffDeparted,
            C::PostsAbolished => Kind::PostsAbolished,
            C::StaffCapSet => Kind::StaffCapSet,
            C::CapLifted => Kind::CapLifted,
            C::MissionOpened => Kind::MissionOpened,
            C::MissionSuspended => Kind::MissionSuspended,
            C::MissionClosed => Kind::MissionClosed,
            C::MissionReopened => Kind::MissionReopened,
            C::ConsentWithdrawn => Kind::ConsentWithdrawn,
            C::ConsentGranted => Kind::ConsentGranted,
            C::RelationsBroken => Kind::RelationsBroken,
            C::RelationsEstablished => Kind::RelationsEstablished,
            C::ContactsFrozen => Kind::ContactsFrozen,
            C::PremisesSeized => Kind::PremisesSeized,
            C::ChannelDesignated => Kind::ChannelDesignated,
            C::Countermeasures => Kind::Countermeasures,
            C::Statement => Kind::Statement,
            C::Accusation => Kind::Accusation,
            C::Protest => Kind::Protest,
            C::AmbassadorSummoned => Kind::AmbassadorSummoned,
            C::Demand => Kind::Demand,
            C::CountermeasuresThreatened => Kind::CountermeasuresThreatened,
            C::Ultimatum => Kind::Ultimatum,
            C::StaffReported => Kind::StaffReported,
            C::ProposalAdopted => Kind::ProposalAdopted,
            C::MeasuresCancelled => Kind::MeasuresCancelled,
            C::SanctionsImposed => Kind::SanctionsImposed,
            C::LawPassed => Kind::LawPassed,
            C::AttackAttributed => Kind::AttackAttributed,
            C::StaffMoved => Kind::StaffMoved,
            C::LocalStaffHired => Kind::LocalStaffHired,
            C::LocalStaffDismissed => Kind::LocalStaffDismissed,
        }
    }
}

impl From<Kind> for ce::Kind {
    fn from(k: Kind) -> ce::Kind {
        use ce::Kind as C;
        match k {
            Kind::AccreditationRequested => C::AccreditationRequested,
            Kind::AccreditationGranted => C::AccreditationGranted,
            Kind::AccreditationDenied => C::AccreditationDenied,
            Kind::AccreditationWithdrawn => C::AccreditationWithdrawn,
            Kind::PersonaNonGrata => C::PersonaNonGrata,
            Kind::DepartureRequired => C::DepartureRequired,
            Kind::StaffRecalled => C::StaffRecalled,
            Kind::StaffDeparted => C::StaffDeparted,
            Kind::PostsAbolished => C::PostsAbolished,
            Kind::StaffCapSet => C::StaffCapSet,
            Kind::CapLifted => C::CapLifted,
            Kind::MissionOpened => C::MissionOpened,
            Kind::MissionSuspended => C::MissionSuspended,
            Kind::MissionClosed => C::MissionClosed,
            Kind::MissionReopened => C::MissionReopened,
            Kind::ConsentWithdrawn => C::ConsentWithdrawn,
            Kind::ConsentGranted => C::ConsentGranted,
            Kind::RelationsBroken => C::RelationsBroken,
            Kind::RelationsEstablished => C::RelationsEstablished,
            Kind::ContactsFrozen => C::ContactsFrozen,
            Kind::PremisesSeized => C::PremisesSeized,
            Kind::ChannelDesignated => C::ChannelDesignated,
            Kind::Countermeasures => C::Countermeasures,
            Kind::Statement => C::Statement,
            Kind::Accusation => C::Accusation,
            Kind::Protest => C::Protest,
            Kind::AmbassadorSummoned => C::AmbassadorSummoned,
            Kind::Demand => C::Demand,
            Kind::CountermeasuresThreatened => C::CountermeasuresThreatened,
            Kind::Ultimatum => C::Ultimatum,
            Kind::StaffReported => C::StaffReported,
            Kind::ProposalAdopted => C::ProposalAdopted,
            Kind::MeasuresCancelled => C::MeasuresCancelled,
            Kind::SanctionsImposed => C::SanctionsImposed,
            Kind::LawPassed => C::LawPassed,
            Kind::AttackAttributed => C::AttackAttributed,
            Kind::StaffMoved => C::StaffMoved,
            Kind::LocalStaffHired => C::LocalStaffHired,
            Kind::LocalStaffDismissed => C::LocalStaffDismissed,
        }
    }
}

impl From<&ce::Body> for Body {
    fn from(b: &ce::Body) -> Body {
        match b {
            ce::Body::Measures { bundle, measures } => Body::Measures {
                bundle: *bundle,
                measures: measures_to_wire(measures),
            },
            ce::Body::Signal {
                kind,
                target,
                mission,
                tone,
                threat: None,
            } => Body::Signal {
                kind: (*kind).into(),
                target: target.0,
                mission: mission.map(|m| m.0),
                tone: (*tone).into(),
            },
            ce::Body::Signal {
                kind,
                target,
                mission,
                tone,
                threat: Some(t),
            } => Body::Threat {
                kind: (*kind).into(),
                target: target.0,
                mission: mission.map(|m| m.0),
                tone: (*tone).into(),
                cap: t.cap,
                measure: t.measure.map(Kind::from),
            },
            ce::Body::StaffReported {
                mission,
                in_post,
                vacant,
            } => Body::StaffReported {
                mission: mission.0,
                in_post: in_post.into(),
                vacant: *vacant,
            },
            ce::Body::ProposalAdopted { proposal } => Body::ProposalAdopted {
                proposal: proposal.0,
            },
            ce::Body::MeasuresCancelled { of, how } => match of.as_slice() {
                [one] => Body::MeasuresCancelled {
                    of: one.0,
                    how: (*how).into(),
                },
                many => Body::MeasuresCancelledMany {
                    of: ids(many, |s| s.0),
                    how: (*how).into(),
                },
            },
        }
    }
}

impl TryFrom<Body> for ce::Body {
    type Error = String;

    /// Fails on a signal whose kind is not a signal kind (statement to attack-attributed).
    fn try_from(b: Body) -> Result<ce::Body, String> {
        Ok(match b {
            Body::Measures { bundle, measures } => ce::Body::Measures {
                bundle,
                measures: measures_to_core(measures),
            },
            Body::Signal {
                kind,
                target,
                mission,
                tone,
            } => {
                let kind = ce::Kind::from(kind);
                if !kind.is_signal() {
                    return Err(format!(
                        "a signal of kind {}, which is not a signal kind",
                        kind.key()
                    ));
                }
                ce::Body::Signal {
                    kind,
                    target: ActorId(target),
                    mission: mission.map(MissionId),
                    tone: tone.into(),
                    threat: None,
                }
            }
            Body::Threat {
                kind,
                target,
                mission,
                tone,
                cap,
                measure,
            } => {
                let kind = ce::Kind::from(kind);
                if !ce::THREAT_KINDS.contains(&kind) {
                    return Err(format!(
                        "a signal of kind {} says what it threatens; only a demand, a threat or an ultimatum does",
                        kind.key()
                    ));
                }
                let measure = measure.map(ce::Kind::from);
                if let Some(k) = measure.filter(|k| !k.is_measure()) {
                    return Err(format!(
                        "a threat of {}, which is not a measure kind",
                        k.key()
                    ));
                }
                ce::Body::Signal {
                    kind,
                    target: ActorId(target),
                    mission: mission.map(MissionId),
                    tone: tone.into(),
                    threat: Some(ce::Threat { cap, measure }),
                }
            }
            Body::StaffReported {
                mission,
                in_post,
                vacant,
            } => ce::Body::StaffReported {
                mission: MissionId(mission),
                in_post: in_post.into(),
                vacant,
            },
            Body::ProposalAdopted { proposal } => ce::Body::ProposalAdopted {
                proposal: Seq(proposal),
            },
            Body::MeasuresCancelled { of, how } => ce::Body::MeasuresCancelled {
                of: vec![Seq(of)],
                how: how.into(),
            },
            Body::MeasuresCancelledMany { of, how } => {
                if of.is_empty() {
                    return Err("a cancellation that names no event".into());
                }
                ce::Body::MeasuresCancelled {
                    of: of.into_iter().map(Seq).collect(),
                    how: how.into(),
                }
            }
        })
    }
}

impl From<&ce::Event> for Command {
    fn from(e: &ce::Event) -> Command {
        Command {
            date: e.date.0,
            notified: e.notified.map(|d| d.0),
            actor: e.actor.0,
            in_response_to: ids(&e.in_response_to, |s| s.0),
            proposed: e.proposed,
            body: (&e.body).into(),
        }
    }
}

impl TryFrom<Command> for ce::Event {
    type Error = String;

    /// Fails where the body does (see [`Body`]).
    fn try_from(c: Command) -> Result<ce::Event, String> {
        Ok(ce::Event {
            date: day(c.date),
            notified: c.notified.map(day),
            actor: ActorId(c.actor),
            in_response_to: c.in_response_to.into_iter().map(Seq).collect(),
            proposed: c.proposed,
            body: c.body.try_into()?,
        })
    }
}

impl From<cw::ActorKind> for ActorKind {
    fn from(k: cw::ActorKind) -> ActorKind {
        match k {
            cw::ActorKind::State => ActorKind::State,
            cw::ActorKind::Organisation => ActorKind::Organisation,
        }
    }
}

impl From<ActorKind> for cw::ActorKind {
    fn from(k: ActorKind) -> cw::ActorKind {
        match k {
            ActorKind::State => cw::ActorKind::State,
            ActorKind::Organisation => cw::ActorKind::Organisation,
        }
    }
}

impl From<cw::MissionKind> for MissionKind {
    fn from(k: cw::MissionKind) -> MissionKind {
        use cw::MissionKind as C;
        match k {
            C::Embassy => MissionKind::Embassy,
            C::Consulate => MissionKind::Consulate,
            C::PermanentMission => MissionKind::PermanentMission,
            C::MilitaryLiaisonMission => MissionKind::MilitaryLiaisonMission,
            C::InformationOffice => MissionKind::InformationOffice,
            C::CulturalOffice => MissionKind::CulturalOffice,
            C::InterestsSection => MissionKind::InterestsSection,
            C::Property => MissionKind::Property,
            C::TradeMission => MissionKind::TradeMission,
            C::Annex => MissionKind::Annex,
        }
    }
}

impl From<MissionKind> for cw::MissionKind {
    fn from(k: MissionKind) -> cw::MissionKind {
        use cw::MissionKind as C;
        match k {
            MissionKind::Embassy => C::Embassy,
            MissionKind::Consulate => C::Consulate,
            MissionKind::PermanentMission => C::PermanentMission,
            MissionKind::MilitaryLiaisonMission => C::MilitaryLiaisonMission,
            MissionKind::InformationOffice => C::InformationOffice,
            MissionKind::CulturalOffice => C::CulturalOffice,
            MissionKind::InterestsSection => C::InterestsSection,
            MissionKind::Property => C::Property,
            MissionKind::TradeMission => C::TradeMission,
            MissionKind::Annex => C::Annex,
        }
    }
}

impl From<&cw::Actor> for Actor {
    fn from(a: &cw::Actor) -> Actor {
        Actor {
            key: a.key.clone(),
            name: a.name.clone(),
            kind: a.kind.into(),
        }
    }
}

impl From<Actor> for cw::Actor {
    fn from(a: Actor) -> cw::Actor {
        cw::Actor {
            key: a.key,
            name: a.name,
            kind: a.kind.into(),
        }
    }
}

impl From<&cw::MissionDef> for MissionDef {
    fn from(m: &cw::MissionDef) -> MissionDef {
        MissionDef {
            key: m.key.clone(),
            name: m.name.clone(),
            kind: m.kind.into(),
            sender: m.sender.0,
            receiver: m.receiver.0,
            territory: m.territory.0,
            city: m.city.clone(),
            hosted_by: m.hosted_by.map(|h| h.0),
        }
    }
}

impl From<MissionDef> for cw::MissionDef {
    fn from(m: MissionDef) -> cw::MissionDef {
        cw::MissionDef {
            key: m.key,
            name: m.name,
            kind: m.kind.into(),
            sender: ActorId(m.sender),
            receiver: ActorId(m.receiver),
            territory: ActorId(m.territory),
            city: m.city,
            hosted_by: m.hosted_by.map(MissionId),
        }
    }
}

impl From<&cw::Person> for Person {
    fn from(p: &cw::Person) -> Person {
        Person {
            key: p.key.clone(),
            category: p.category.into(),
        }
    }
}

impl From<Person> for cw::Person {
    fn from(p: Person) -> cw::Person {
        cw::Person {
            key: p.key,
            category: p.category.into(),
        }
    }
}

impl From<&cw::World> for World {
    fn from(w: &cw::World) -> World {
        World {
            actors: w.actors.iter().map(Actor::from).collect(),
            missions: w.missions.iter().map(MissionDef::from).collect(),
            persons: w.persons.iter().map(Person::from).collect(),
        }
    }
}

impl From<World> for cw::World {
    fn from(w: World) -> cw::World {
        cw::World {
            actors: w.actors.into_iter().map(cw::Actor::from).collect(),
            missions: w.missions.into_iter().map(cw::MissionDef::from).collect(),
            persons: w.persons.into_iter().map(cw::Person::from).collect(),
        }
    }
}

impl From<cs::Lifecycle> for Lifecycle {
    fn from(l: cs::Lifecycle) -> Lifecycle {
        match l {
            cs::Lifecycle::NotOpen => Lifecycle::NotOpen,
            cs::Lifecycle::Operating => Lifecycle::Operating,
            cs::Lifecycle::Suspended => Lifecycle::Suspended,
            cs::Lifecycle::Closed => Lifecycle::Closed,
        }
    }
}

impl From<Lifecycle> for cs::Lifecycle {
    fn from(l: Lifecycle) -> cs::Lifecycle {
        match l {
            Lifecycle::NotOpen => cs::Lifecycle::NotOpen,
            Lifecycle::Operating => cs::Lifecycle::Operating,
            Lifecycle::Suspended => cs::Lifecycle::Suspended,
            Lifecycle::Closed => cs::Lifecycle::Closed,
        }
    }
}

impl From<cs::Premises> for Premises {
    fn from(p: cs::Premises) -> Premises {
        match p {
            cs::Premises::InUse => Premises::InUse,
            cs::Premises::Protected => Premises::Protected,
            cs::Premises::Seized => Premises::Seized,
        }
    }
}

impl From<Premises> for cs::Premises {
    fn from(p: Premises) -> cs::Premises {
        match p {
            Premises::InUse => cs::Premises::InUse,
            Premises::Protected => cs::Premises::Protected,
            Premises::Seized => cs::Premises::Seized,
        }
    }
}

impl From<&cs::Leaving> for Leaving {
    fn from(l: &cs::Leaving) -> Leaving {
        Leaving {
            staff: (&l.staff).into(),
            persons: ids(&l.persons, |p| p.0),
            deadline: l.deadline.0,
            cause: l.cause.0,
        }
    }
}

impl From<Leaving> for cs::Leaving {
    fn from(l: Leaving) -> cs::Leaving {
        cs::Leaving {
            staff: l.staff.into(),
            persons: l.persons.into_iter().map(PersonId).collect(),
            deadline: day(l.deadline),
            cause: Seq(l.cause),
        }
    }
}

impl From<&cs::MissionState> for MissionState {
    fn from(m: &cs::MissionState) -> MissionState {
        MissionState {
            lifecycle: m.lifecycle.into(),
            consent_withdrawn: m.consent_withdrawn,
            in_post: (&m.in_post).into(),
            members: ids(&m.members, |p| p.0),
            vacant: m.vacant,
            requested: m.requested,
            leaving: m.leaving.iter().map(Leaving::from).collect(),
            reserved: (&m.reserved).into(),
            reserved_members: ids(&m.reserved_members, |p| p.0),
            reserved_vacant: m.reserved_vacant,
            premises: m.premises.into(),
        }
    }
}

impl From<MissionState> for cs::MissionState {
    fn from(m: MissionState) -> cs::MissionState {
        cs::MissionState {
            lifecycle: m.lifecycle.into(),
            consent_withdrawn: m.consent_withdrawn,
            in_post: m.in_post.into(),
            members: m.members.into_iter().map(PersonId).collect(),
            vacant: m.vacant,
            requested: m.requested,
            leaving: m.leaving.into_iter().map(cs::Leaving::from).collect(),
            reserved: m.reserved.into(),
            reserved_members: m.reserved_members.into_iter().map(PersonId).collect(),
            reserved_vacant: m.reserved_vacant,
            premises: m.premises.into(),
            local: 0,
        }
    }
}

impl From<&cs::Cap> for Cap {
    fn from(c: &cs::Cap) -> Cap {
        Cap {
            scope: c.scope.into(),
            limit: c.limit,
            since: c.since.0,
            comply_by: c.comply_by.map(|d| d.0),
            set_by: c.set_by.0,
            cause: c.cause.map(|s| s.0),
        }
    }
}

impl From<Cap> for cs::Cap {
    fn from(c: Cap) -> cs::Cap {
        cs::Cap {
            scope: c.scope.into(),
            counts: ce::Counts::Sent,
            limit: c.limit,
            since: day(c.since),
            comply_by: c.comply_by.map(day),
            set_by: ActorId(c.set_by),
            cause: c.cause.map(Seq),
        }
    }
}

impl From<&cs::Relation> for Relation {
    fn from(r: &cs::Relation) -> Relation {
        Relation {
            pair: (r.pair.0.0, r.pair.1.0),
            broken: r.broken,
            contacts_frozen: r.contacts_frozen,
        }
    }
}

impl From<Relation> for cs::Relation {
    fn from(r: Relation) -> cs::Relation {
        cs::Relation {
            pair: (ActorId(r.pair.0), ActorId(r.pair.1)),
            broken: r.broken,
            contacts_frozen: r.contacts_frozen,
        }
    }
}

impl From<&cs::Designated> for Designated {
    fn from(d: &cs::Designated) -> Designated {
        Designated {
            pair: (d.pair.0.0, d.pair.1.0),
            via: d.via.0,
            since: d.since.0,
            cause: d.cause.map(|s| s.0),
        }
    }
}

impl From<Designated> for cs::Designated {
    fn from(d: Designated) -> cs::Designated {
        cs::Designated {
            pair: (ActorId(d.pair.0), ActorId(d.pair.1)),
            via: MissionId(d.via),
            since: day(d.since),
            cause: d.cause.map(Seq),
        }
    }
}

impl From<&cs::Planned> for Planned {
    fn from(p: &cs::Planned) -> Planned {
        Planned {
            action: (&p.action).into(),
            reserved: (&p.reserved).into(),
        }
    }
}

impl From<Planned> for cs::Planned {
    fn from(p: Planned) -> cs::Planned {
        cs::Planned {
            action: p.action.into(),
            reserved: p.reserved.into(),
        }
    }
}

impl From<&cs::Effect> for Effect {
    fn from(e: &cs::Effect) -> Effect {
        match e {
            cs::Effect::Measure(p) => Effect::Measure(p.as_ref().into()),
            cs::Effect::Lapse { mission } => Effect::Lapse { mission: mission.0 },
            cs::Effect::Compliance {
                scope,
                counts: ce::Counts::Sent,
            } => Effect::Compliance {
                scope: (*scope).into(),
            },
            cs::Effect::Compliance { scope, counts } => Effect::ComplianceCounting {
                scope: (*scope).into(),
                counts: (*counts).into(),
            },
        }
    }
}

impl From<Effect> for cs::Effect {
    fn from(e: Effect) -> cs::Effect {
        match e {
            Effect::Measure(p) => cs::Effect::Measure(Box::new(p.into())),
            Effect::Lapse { mission } => cs::Effect::Lapse {
                mission: MissionId(mission),
            },
            Effect::Compliance { scope } => cs::Effect::Compliance {
                scope: scope.into(),
                counts: ce::Counts::Sent,
            },
            Effect::ComplianceCounting { scope, counts } => cs::Effect::Compliance {
                scope: scope.into(),
                counts: counts.into(),
            },
        }
    }
}

impl From<&cs::Scheduled> for Scheduled {
    fn from(s: &cs::Scheduled) -> Scheduled {
        Scheduled {
            day: s.day.0,
            cause: s.cause.0,
            index: s.index,
            actor: s.actor.0,
            effect: (&s.effect).into(),
        }
    }
}

impl From<Scheduled> for cs::Scheduled {
    fn from(s: Scheduled) -> cs::Scheduled {
        cs::Scheduled {
            day: day(s.day),
            cause: Seq(s.cause),
            index: s.index,
            actor: ActorId(s.actor),
            effect: s.effect.into(),
        }
    }
}

impl From<&cs::Proposal> for Proposal {
    fn from(p: &cs::Proposal) -> Proposal {
        Proposal {
            seq: p.seq.0,
            actor: p.actor.0,
            measures: measures_to_wire(&p.measures),
        }
    }
}

impl From<Proposal> for cs::Proposal {
    fn from(p: Proposal) -> cs::Proposal {
        cs::Proposal {
            seq: Seq(p.seq),
            actor: ActorId(p.actor),
            measures: measures_to_core(p.measures),
        }
    }
}

impl From<&cs::State> for State {
    fn from(s: &cs::State) -> State {
        State {
            clock: s.clock.0,
            missions: s.missions.iter().map(MissionState::from).collect(),
            person_at: s.person_at.iter().map(|m| m.map(|m| m.0)).collect(),
            caps: s.caps.iter().map(Cap::from).collect(),
            relations: s.relations.iter().map(Relation::from).collect(),
            designated: s.designated.iter().map(Designated::from).collect(),
            pending: s.pending.iter().map(Scheduled::from).collect(),
            proposals: s.proposals.iter().map(Proposal::from).collect(),
            events: s.events,
        }
    }
}

impl From<State> for cs::State {
    fn from(s: State) -> cs::State {
        cs::State {
            clock: day(s.clock),
            missions: s.missions.into_iter().map(cs::MissionState::from).collect(),
            person_at: s.person_at.into_iter().map(|m| m.map(MissionId)).collect(),
            caps: s.caps.into_iter().map(cs::Cap::from).collect(),
            relations: s.relations.into_iter().map(cs::Relation::from).collect(),
            designated: s.designated.into_iter().map(cs::Designated::from).collect(),
            pending: s.pending.into_iter().map(cs::Scheduled::from).collect(),
            proposals: s.proposals.into_iter().map(cs::Proposal::from).collect(),
            events: s.events,
        }
    }
}

/// What the state holds beyond [`State`], frozen before it: the locally employed staff of
/// each mission and what each cap counts, when not only staff sent. Written beside a `State`
/// only when not empty, so a state without them is stored byte for byte as before.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct StateExtra {
    /// (mission id, locally employed staff), for missions that employ any, by mission id.
    pub local: Vec<(u32, u32)>,
    /// (index in `State::caps`, what it counts), for caps that count other staff than those
    /// sent, by index.
    pub caps: Vec<(u32, Counts)>,
}

impl StateExtra {
    pub fn of(s: &cs::State) -> StateExtra {
        StateExtra {
            local: s
                .missions
                .iter()
                .enumerate()
                .filter(|(_, m)| m.local > 0)
                .map(|(i, m)| (i as u32, m.local))
                .collect(),
            caps: s
                .caps
                .iter()
                .enumerate()
                .filter(|(_, c)| c.counts != ce::Counts::Sent)
                .map(|(i, c)| (i as u32, c.counts.into()))
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.local.is_empty() && self.caps.is_empty()
    }

    /// Puts what it holds into `s` (converted from the `State` stored beside it): refused when
    /// it names a mission or cap `s` does not have, or lists one twice or out of order.
    pub fn restore(self, s: &mut cs::State) -> Result<(), String> {
        let ascending = |v: &[u32]| v.windows(2).all(|w| w[0] < w[1]);
        let missions: Vec<u32> = self.local.iter().map(|x| x.0).collect();
        let caps: Vec<u32> = self.caps.iter().map(|x| x.0).collect();
        if !ascending(&missions) || !ascending(&caps) {
            return Err("locally employed staff or cap countings out of order".into());
        }
        for (m, n) in self.local {
            let ms = s.missions.get_mut(m as usize).ok_or_else(|| {
                format!("locally employed staff at mission {m}, which is not in the cast")
            })?;
            ms.local = n;
        }
        for (i, c) in self.caps {
            let cap = s
                .caps
                .get_mut(i as usize)
                .ok_or_else(|| format!("a counting for cap {i}, which is not in the state"))?;
            cap.counts = c.into();
        }
        // Caps are sorted by scope and counting: a counting restored must keep them so.
        if !s
            .caps
            .windows(2)
            .all(|w| (w[0].scope, w[0].counts) < (w[1].scope, w[1].counts))
        {
            return Err("caps are not sorted by scope and counting, one each".into());
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Id checks.
// ---------------------------------------------------------------------------------------------

/// What ids a command read from a log may name: actor, mission and person ids below the
/// counts of the cast, and sequences of events before it (below `next_seq`, the sequence the
/// command itself gets).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Bounds {
    pub actors: u32,
    pub missions: u32,
    pub persons: u32,
    pub next_seq: u64,
}

impl Bounds {
    /// The bounds of a command about to be applied to `state` in `world`.
    pub fn of(world: &cw::World, state: &cs::State) -> Bounds {
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Bounds {
            actors: count(world.actors.len()),
            missions: count(world.missions.len()),
            persons: count(world.persons.len()),
            next_seq: state.events,
        }
    }
}

fn check(what: &str, field: &str, id: u32, count: u32) -> Result<(), String> {
    if id < count {
        Ok(())
    } else {
        Err(format!(
            "{field} names {what} {id}, but the log's cast has {count} {what}s"
        ))
    }
}

fn check_seq(field: &str, seq: u32, next: u64) -> Result<(), String> {
    if u64::from(seq) < next {
        Ok(())
    } else {
        Err(format!(
            "{field} names event sequence {seq}, which is not before this event's ({next})"
        ))
    }
}

fn check_who(who: &Who, b: &Bounds) -> Result<(), String> {
    match who {
        Who::Named(persons) => persons
            .iter()
            .try_for_each(|&p| check("person", "a named member", p, b.persons)),
        Who::Count { .. } | Who::All => Ok(()),
    }
}

fn check_scope(scope: &CapScope, b: &Bounds) -> Result<(), String> {
    match *scope {
        CapScope::Mission(m) => check("mission", "a cap's scope", m, b.missions),
        CapScope::Posts { sender, host } => {
            check("actor", "a cap's sender", sender, b.actors)?;
            check("actor", "a cap's host", host, b.actors)
        }
    }
}

fn check_action(a: &Action, b: &Bounds) -> Result<(), String> {
    let mission = |m: u32| check("mission", "a measure", m, b.missions);
    match a {
        Action::AccreditationRequested { mission: m, .. }
        | Action::AccreditationDenied { mission: m, .. }
        | Action::PostsAbolished { mission: m, .. }
        | Action::MissionOpened { mission: m }
        | Action::MissionSuspended { mission: m }
        | Action::MissionClosed { mission: m }
        | Action::MissionReopened { mission: m }
        | Action::ConsentWithdrawn { mission: m, .. }
        | Action::ConsentGranted { mission: m }
        | Action::PremisesSeized { mission: m }
        | Action::LocalStaffHired { mission: m, .. }
        | Action::LocalStaffDismissed { mission: m, .. } => mission(*m),
        Action::AccreditationGranted { mission: m, who }
        | Action::AccreditationWithdrawn {
            mission: m, who, ..
        }
        | Action::PersonaNonGrata {
            mission: m, who, ..
        }
        | Action::DepartureRequired {
            mission: m, who, ..
        }
        | Action::StaffRecalled { mission: m, who }
        | Action::StaffDeparted { mission: m, who } => {
            mission(*m)?;
            check_who(who, b)
        }
        Action::StaffCapSet { scope, .. }
        | Action::CapLifted { scope }
        | Action::StaffCapSetCounting { scope, .. }
        | Action::CapLiftedCounting { scope, .. } => check_scope(scope, b),
        Action::RelationsBroken { with, .. }
        | Action::RelationsEstablished { with }
        | Action::ContactsFrozen { with } => check("actor", "a measure's `with`", *with, b.actors),
        Action::ChannelDesignated { with, via } => {
            check("actor", "a measure's `with`", *with, b.actors)?;
            check("mission", "a channel's `via`", *via, b.missions)
        }
        Action::RemovalFromPosts { sender, host, .. } => {
            check("actor", "a removal's sender", *sender, b.actors)?;
            check("actor", "a removal's host", *host, b.actors)
        }
        Action::StaffMoved { from, to, who } => {
            mission(*from)?;
            mission(*to)?;
            check_who(who, b)
        }
        Action::MissionClosedMovingStaff { mission: m, to } => {
            mission(*m)?;
            mission(*to)
        }
    }
}

/// Checks that every id in `command` is in range (see [`Bounds`]), so that no id read from a
/// log indexes out of bounds later. The error says which field names which id.
pub fn check_ids(command: &Command, b: &Bounds) -> Result<(), String> {
    check("actor", "the event's actor", command.actor, b.actors)?;
    for &s in &command.in_response_to {
        check_seq("in_response_to", s, b.next_seq)?;
    }
    match &command.body {
        Body::Measures { measures, .. } => {
            measures.iter().try_for_each(|m| check_action(&m.action, b))
        }
        Body::Signal {
            target, mission, ..
        }
        | Body::Threat {
            target, mission, ..
        } => {
            check("actor", "a signal's target", *target, b.actors)?;
            match mission {
                Some(m) => check("mission", "a signal", *m, b.missions),
                None => Ok(()),
            }
        }
        Body::StaffReported { mission, .. } => {
            check("mission", "a staff report", *mission, b.missions)
        }
        Body::ProposalAdopted { proposal } => check_seq("proposal", *proposal, b.next_seq),
        Body::MeasuresCancelled { of, .. } => check_seq("of", *of, b.next_seq),
        Body::MeasuresCancelledMany { of, .. } => {
            of.iter().try_for_each(|&o| check_seq("of", o, b.next_seq))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode, encode};
    use crate::core::Engine;
    use crate::r#gen::{GenConfig, generate};
    use serde::de::DeserializeOwned;
    use std::collections::HashSet;
    use std::fmt::Debug;
    use std::mem::discriminant;

    /// Wire value -> bytes -> wire value, checked equal.
    fn through_bytes<W: Serialize + DeserializeOwned + PartialEq + Debug>(w: W) -> W {
        let back: W = decode(&encode(&w)).expect("wire bytes decode");
        assert_eq!(back, w);
        back
    }

    /// core -> wire -> bytes -> wire -> core, for conversions that cannot fail.
    fn round_trip<'a, C, W>(c: &'a C)
    where
        C: PartialEq + Debug + From<W> + 'a,
        W: Serialize + DeserializeOwned + PartialEq + Debug + From<&'a C>,
    {
        let back = C::from(through_bytes(W::from(c)));
        assert_eq!(&back, c);
    }

    /// A state through the bytes of a `State` and, beside it, a `StateExtra`.
    fn state_round_trip(s: &cs::State) {
        let extra = through_bytes(StateExtra::of(s));
        let mut back = cs::State::from(through_bytes(State::from(s)));
        extra.restore(&mut back).expect("restores");
        assert_eq!(&back, s);
    }

    fn event_round_trip(e: &ce::Event) {
        let back = ce::Event::try_from(through_bytes(Command::from(e))).expect("valid command");
        assert_eq!(&back, e);
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn d(n: i32) -> Day {
        Day(n)
    }

    fn whos() -> Vec<ce::Who> {
        vec![
            ce::Who::Count {
                count: 3,
                category: ce::Category::AdministrativeTechnical,
            },
            ce::Who::Named(vec![PersonId(0), PersonId(4)]),
            ce::Who::All,
        ]
    }

    /// One action per variant of the core's `Action`.
    fn actions() -> Vec<ce::Action> {
        use ce::Action as C;
        let m = MissionId(2);
        let [count, named, all] = <[ce::Who; 3]>::try_from(whos()).unwrap();
        let posts = ce::CapScope::Posts {
            sender: ActorId(1),
            host: ActorId(3),
        };
        vec![
            C::AccreditationRequested {
                mission: m,
                count: 4,
            },
            C::AccreditationGranted {
                mission: m,
                who: count.clone(),
            },
            C::AccreditationDenied {
                mission: m,
                count: 2,
            },
            C::AccreditationWithdrawn {
                mission: m,
                who: all.clone(),
                depart_by: d(19_000),
            },
            C::PersonaNonGrata {
                mission: m,
                who: named.clone(),
                depart_by: d(19_007),
            },
            C::DepartureRequired {
                mission: m,
                who: count.clone(),
                depart_by: d(-3),
            },
            C::StaffRecalled {
                mission: m,
                who: named.clone(),
            },
            C::StaffDeparted {
                mission: m,
                who: all,
            },
            C::PostsAbolished {
                mission: m,
                count: 6,
            },
            C::StaffCapSet {
                scope: posts,
                limit: ce::Limit::ReduceBy(5),
                comply_by: Some(d(19_030)),
                counts: ce::Counts::Sent,
            },
            C::StaffCapSet {
                scope: ce::CapScope::Mission(m),
                limit: ce::Limit::Absolute(0),
                comply_by: Some(d(19_031)),
                counts: ce::Counts::Local,
            },
            C::StaffCapSet {
                scope: posts,
                limit: ce::Limit::Absolute(455),
                comply_by: None,
                counts: ce::Counts::All,
            },
            C::StaffCapSet {
                scope: ce::CapScope::Mission(m),
                limit: ce::Limit::Absolute(8),
                comply_by: Some(d(19_032)),
                counts: ce::Counts::Diplomatic,
            },
            C::StaffCapSet {
                scope: ce::CapScope::Mission(m),
                limit: ce::Limit::ReduceBy(2),
                comply_by: Some(d(19_032)),
                counts: ce::Counts::Service,
            },
            C::CapLifted {
                scope: ce::CapScope::Mission(m),
                counts: ce::Counts::AdministrativeTechnical,
            },
            C::CapLifted {
                scope: ce::CapScope::Mission(m),
                counts: ce::Counts::Sent,
            },
            C::CapLifted {
                scope: posts,
                counts: ce::Counts::Local,
            },
            C::LocalStaffHired {
                mission: m,
                count: 12,
            },
            C::LocalStaffDismissed {
                mission: m,
                count: 182,
            },
            C::MissionOpened { mission: m },
            C::MissionSuspended { mission: m },
            C::MissionClosed { mission: m },
            C::MissionReopened { mission: m },
            C::ConsentWithdrawn {
                mission: m,
                depart_by: d(19_010),
            },
            C::ConsentGranted { mission: m },
            C::RelationsBroken {
                with: ActorId(5),
                depart_by: None,
            },
            C::RelationsEstablished { with: ActorId(5) },
            C::ContactsFrozen { with: ActorId(5) },
            C::PremisesSeized { mission: m },
            C::ChannelDesignated {
                with: ActorId(5),
                via: MissionId(7),
            },
            C::RemovalFromPosts {
                sender: ActorId(1),
                host: ActorId(3),
                removal: ce::Removal::PersonaNonGrata {
                    depart_by: d(19_012),
                },
                count: 60,
                category: ce::Category::Diplomatic,
            },
            C::RemovalFromPosts {
                sender: ActorId(1),
                host: ActorId(3),
                removal: ce::Removal::AccreditationWithdrawn {
                    depart_by: d(19_013),
                },
                count: 4,
                category: ce::Category::Unspecified,
            },
            C::RemovalFromPosts {
                sender: ActorId(1),
                host: ActorId(3),
                removal: ce::Removal::StaffRecalled,
                count: 5,
                category: ce::Category::Service,
            },
            C::StaffMoved {
                from: m,
                to: MissionId(3),
                who: named.clone(),
            },
            C::MissionClosedMovingStaff {
                mission: m,
                to: MissionId(3),
            },
        ]
    }

    fn event(body: ce::Body) -> ce::Event {
        ce::Event {
            date: d(18_906),
            notified: Some(d(18_907)),
            actor: ActorId(1),
            in_response_to: vec![Seq(0), Seq(9)],
            proposed: true,
            body,
        }
    }

    /// One body per variant of the core's `Body`, and one signal per signal kind.
    fn bodies() -> Vec<ce::Body> {
        let measures = actions()
            .into_iter()
            .enumerate()
            .map(|(i, action)| ce::Measure {
                effective: d(18_906 + i as i32),
                action,
            })
            .collect();
        let mut out = vec![
            ce::Body::Measures {
                bundle: true,
                measures,
            },
            ce::Body::StaffReported {
                mission: MissionId(3),
                in_post: ce::Staff([1, 2, 3, 4]),
                vacant: 5,
            },
            ce::Body::ProposalAdopted { proposal: Seq(8) },
            ce::Body::MeasuresCancelled {
                of: vec![Seq(8)],
                how: ce::Cancellation::Withdrawn,
            },
            ce::Body::MeasuresCancelled {
                of: vec![Seq(2)],
                how: ce::Cancellation::Overruled,
            },
            ce::Body::MeasuresCancelled {
                of: vec![Seq(2), Seq(5), Seq(3)],
                how: ce::Cancellation::Overruled,
            },
        ];
        let tones = [
            ce::Tone::Neutral,
            ce::Tone::Pessimistic,
            ce::Tone::Optimistic,
        ];
        for (i, &kind) in ce::Kind::ALL.iter().filter(|k| k.is_signal()).enumerate() {
            out.push(ce::Body::Signal {
                kind,
                target: ActorId(2),
                mission: (i % 2 == 0).then_some(MissionId(1)),
                tone: tones[i % 3],
                threat: None,
            });
        }
        for (i, kind) in ce::THREAT_KINDS.into_iter().enumerate() {
            let threat = [
                ce::Threat {
                    cap: Some(455),
                    measure: None,
                },
                ce::Threat {
                    cap: None,
                    measure: Some(ce::Kind::PersonaNonGrata),
                },
                ce::Threat {
                    cap: Some(10),
                    measure: Some(ce::Kind::StaffCapSet),
                },
            ][i];
            out.push(ce::Body::Signal {
                kind,
                target: ActorId(2),
                mission: None,
                tone: ce::Tone::Neutral,
                threat: Some(threat),
            });
        }
        out
    }

    #[test]
    fn every_action_round_trips() {
        let all = actions();
        let kinds: HashSet<ce::Kind> = all.iter().map(ce::Action::kind).collect();
        let measure_kinds = ce::Kind::ALL.iter().filter(|k| k.is_measure()).count();
        assert_eq!(kinds.len(), measure_kinds, "one action per measure kind");
        for a in &all {
            round_trip::<ce::Action, Action>(a);
        }
        let wire: HashSet<_> = all.iter().map(|a| discriminant(&Action::from(a))).collect();
        assert_eq!(wire.len(), 29);
    }

    #[test]
    fn every_small_enum_round_trips() {
        for w in whos() {
            round_trip::<ce::Who, Who>(&w);
        }
        for c in ce::Category::ALL {
            assert_eq!(ce::Category::from(through_bytes(Category::from(c))), c);
            let s = ce::Staff::of(c, 7);
            assert_eq!(ce::Staff::from(through_bytes(Staff::from(&s))), s);
        }
        for l in [ce::Limit::Absolute(20), ce::Limit::ReduceBy(3)] {
            assert_eq!(ce::Limit::from(through_bytes(Limit::from(l))), l);
        }
        for s in [
            ce::CapScope::Mission(MissionId(4)),
            ce::CapScope::Posts {
                sender: ActorId(0),
                host: ActorId(9),
            },
        ] {
            assert_eq!(ce::CapScope::from(through_bytes(CapScope::from(s))), s);
        }
        for t in [
            ce::Tone::Neutral,
            ce::Tone::Pessimistic,
            ce::Tone::Optimistic,
        ] {
            assert_eq!(ce::Tone::from(through_bytes(Tone::from(t))), t);
        }
        for c in [ce::Cancellation::Withdrawn, ce::Cancellation::Overruled] {
            assert_eq!(
                ce::Cancellation::from(through_bytes(Cancellation::from(c))),
                c
            );
        }
        for k in [cw::ActorKind::State, cw::ActorKind::Organisation] {
            assert_eq!(cw::ActorKind::from(through_bytes(ActorKind::from(k))), k);
        }
        for k in cw::MissionKind::ALL {
            assert_eq!(
                cw::MissionKind::from(through_bytes(MissionKind::from(k))),
                k
            );
        }
        for l in [
            cs::Lifecycle::NotOpen,
            cs::Lifecycle::Operating,
            cs::Lifecycle::Suspended,
            cs::Lifecycle::Closed,
        ] {
            assert_eq!(cs::Lifecycle::from(through_bytes(Lifecycle::from(l))), l);
        }
        for p in [
            cs::Premises::InUse,
            cs::Premises::Protected,
            cs::Premises::Seized,
        ] {
            assert_eq!(cs::Premises::from(through_bytes(Premises::from(p))), p);
        }
    }

    #[test]
    fn every_kind_maps_one_to_one() {
        let mut seen = HashSet::new();
        for &k in ce::Kind::ALL {
            let w = through_bytes(Kind::from(k));
            assert!(seen.insert(discriminant(&w)), "{k:?} shares a wire kind");
            assert_eq!(ce::Kind::from(w), k);
        }
        assert_eq!(seen.len(), 39);
    }

    /// The variant numbers written in the doc comments are the ones on disk.
    #[test]
    fn fieldless_enums_encode_their_frozen_numbers() {
        fn numbered<T: Serialize>(values: &[T]) {
            for (i, v) in values.iter().enumerate() {
                assert_eq!(encode(v), (i as u32).to_le_bytes(), "variant {i}");
            }
        }
        use Kind as K;
        numbered(&[
            K::AccreditationRequested,
            K::AccreditationGranted,
            K::AccreditationDenied,
            K::AccreditationWithdrawn,
            K::PersonaNonGrata,
            K::DepartureRequired,
            K::StaffRecalled,
            K::StaffDeparted,
            K::PostsAbolished,
            K::StaffCapSet,
            K::CapLifted,
            K::MissionOpened,
            K::MissionSuspended,
            K::MissionClosed,
            K::MissionReopened,
            K::ConsentWithdrawn,
            K::ConsentGranted,
            K::RelationsBroken,
            K::RelationsEstablished,
            K::ContactsFrozen,
            K::PremisesSeized,
            K::ChannelDesignated,
            K::Countermeasures,
            K::Statement,
            K::Accusation,
            K::Protest,
            K::AmbassadorSummoned,
            K::Demand,
            K::CountermeasuresThreatened,
            K::Ultimatum,
            K::StaffReported,
            K::ProposalAdopted,
            K::MeasuresCancelled,
            K::SanctionsImposed,
            K::LawPassed,
            K::AttackAttributed,
            K::StaffMoved,
        ]);
        numbered(&[
            Category::Diplomatic,
            Category::AdministrativeTechnical,
            Category::Service,
            Category::Unspecified,
        ]);
        numbered(&[Tone::Neutral, Tone::Pessimistic, Tone::Optimistic]);
        numbered(&[Cancellation::Withdrawn, Cancellation::Overruled]);
        numbered(&[ActorKind::State, ActorKind::Organisation]);
        numbered(&[
            MissionKind::Embassy,
            MissionKind::Consulate,
            MissionKind::PermanentMission,
            MissionKind::MilitaryLiaisonMission,
            MissionKind::InformationOffice,
            MissionKind::CulturalOffice,
            MissionKind::InterestsSection,
            MissionKind::Property,
            MissionKind::TradeMission,
            MissionKind::Annex,
        ]);
        numbered(&[
            Lifecycle::NotOpen,
            Lifecycle::Operating,
            Lifecycle::Suspended,
            Lifecycle::Closed,
        ]);
        numbered(&[Premises::InUse, Premises::Protected, Premises::Seized]);
    }

    #[test]
    fn every_body_round_trips_in_a_command() {
        let all = bodies();
        let variants: HashSet<_> = all.iter().map(discriminant).collect();
        assert_eq!(variants.len(), 5);
        let wired: HashSet<_> = all.iter().map(|b| discriminant(&Body::from(b))).collect();
        assert_eq!(
            wired.len(),
            7,
            "every wire body, several cancelled and threats too"
        );
        for body in all {
            let mut e = event(body);
            event_round_trip(&e);
            e.notified = None;
            e.proposed = false;
            e.in_response_to.clear();
            event_round_trip(&e);
        }
    }

    #[test]
    fn a_signal_of_a_kind_that_is_not_a_signal_is_refused() {
        for &k in ce::Kind::ALL.iter().filter(|k| !k.is_signal()) {
            let c = Command::from(&event(ce::Body::Signal {
                kind: k,
                target: ActorId(2),
                mission: None,
                tone: ce::Tone::Neutral,
                threat: None,
            }));
            let err = ce::Event::try_from(through_bytes(c)).unwrap_err();
            assert!(err.contains(k.key()), "{err}");
            assert!(err.contains("not a signal"), "{err}");
        }
    }

    #[test]
    fn a_cancellation_naming_no_event_is_refused() {
        let mut c = Command::from(&event(ce::Body::ProposalAdopted { proposal: Seq(1) }));
        c.body = Body::MeasuresCancelledMany {
            of: Vec::new(),
            how: Cancellation::Withdrawn,
        };
        let err = ce::Event::try_from(through_bytes(c)).unwrap_err();
        assert!(err.contains("names no event"), "{err}");
    }

    #[test]
    fn an_unknown_variant_number_does_not_decode() {
        assert!(decode::<Kind>(&39u32.to_le_bytes()).is_err());
        assert!(decode::<Body>(&7u32.to_le_bytes()).is_err());
        assert!(decode::<Action>(&29u32.to_le_bytes()).is_err());
        assert!(decode::<Effect>(&4u32.to_le_bytes()).is_err());
        assert!(decode::<Counts>(&6u32.to_le_bytes()).is_err());
    }

    /// A state with one value of each state enum's variants, pending entries of each effect and
    /// a leaving batch.
    fn sample_state() -> cs::State {
        let mut open = cs::MissionState::new(cs::Lifecycle::Operating);
        open.in_post = ce::Staff([3, 1, 0, 2]);
        open.members = vec![PersonId(0)];
        open.vacant = 1;
        open.requested = 2;
        open.leaving = vec![cs::Leaving {
            staff: ce::Staff([1, 0, 0, 1]),
            persons: vec![PersonId(1)],
            deadline: d(18_920),
            cause: Seq(4),
        }];
        open.reserved = ce::Staff([1, 0, 0, 0]);
        open.reserved_members = vec![PersonId(0)];
        open.reserved_vacant = 1;
        let mut seized = cs::MissionState::new(cs::Lifecycle::Closed);
        seized.consent_withdrawn = true;
        seized.premises = cs::Premises::Seized;
        let suspended = cs::MissionState::new(cs::Lifecycle::Suspended);
        let not_open = cs::MissionState::new(cs::Lifecycle::NotOpen);
        let posts = ce::CapScope::Posts {
            sender: ActorId(0),
            host: ActorId(1),
        };
        cs::State {
            clock: d(18_910),
            missions: vec![open, seized, suspended, not_open],
            person_at: vec![Some(MissionId(0)), Some(MissionId(0)), None],
            caps: vec![cs::Cap {
                scope: posts,
                counts: ce::Counts::Sent,
                limit: 12,
                since: d(18_900),
                comply_by: Some(d(18_930)),
                set_by: ActorId(1),
                cause: Some(Seq(3)),
            }],
            relations: vec![cs::Relation {
                pair: (ActorId(0), ActorId(1)),
                broken: false,
                contacts_frozen: true,
            }],
            designated: vec![cs::Designated {
                pair: (ActorId(0), ActorId(1)),
                via: MissionId(0),
                since: d(18_800),
                cause: None,
            }],
            pending: vec![
                cs::Scheduled {
                    day: d(18_915),
                    cause: Seq(5),
                    index: 0,
                    actor: ActorId(1),
                    effect: cs::Effect::Measure(Box::new(cs::Planned {
                        action: ce::Action::PersonaNonGrata {
                            mission: MissionId(0),
                            who: ce::Who::Count {
                                count: 1,
                                category: ce::Category::Diplomatic,
                            },
                            depart_by: d(18_922),
                        },
                        reserved: ce::Staff([1, 0, 0, 0]),
                    })),
                },
                cs::Scheduled {
                    day: d(18_921),
                    cause: Seq(4),
                    index: 1,
                    actor: ActorId(1),
                    effect: cs::Effect::Lapse {
                        mission: MissionId(0),
                    },
                },
                cs::Scheduled {
                    day: d(18_931),
                    cause: Seq(3),
                    index: 0,
                    actor: ActorId(1),
                    effect: cs::Effect::Compliance {
                        scope: posts,
                        counts: ce::Counts::Sent,
                    },
                },
            ],
            proposals: vec![cs::Proposal {
                seq: Seq(6),
                actor: ActorId(0),
                measures: vec![ce::Measure {
                    effective: d(18_912),
                    action: ce::Action::MissionClosed {
                        mission: MissionId(0),
                    },
                }],
            }],
            events: 7,
        }
    }

    fn sample_world() -> cw::World {
        cw::World {
            actors: vec![
                cw::Actor {
                    key: "ru".into(),
                    name: "Russia".into(),
                    kind: cw::ActorKind::State,
                },
                cw::Actor {
                    key: "nato".into(),
                    name: "NATO".into(),
                    kind: cw::ActorKind::Organisation,
                },
            ],
            missions: vec![
                cw::MissionDef {
                    key: "ru-nato".into(),
                    name: "Mission".into(),
                    kind: cw::MissionKind::PermanentMission,
                    sender: ActorId(0),
                    receiver: ActorId(1),
                    territory: ActorId(1),
                    city: "Brussels".into(),
                    hosted_by: None,
                },
                cw::MissionDef {
                    key: "nato-mil".into(),
                    name: "Liaison".into(),
                    kind: cw::MissionKind::MilitaryLiaisonMission,
                    sender: ActorId(1),
                    receiver: ActorId(0),
                    territory: ActorId(0),
                    city: "Moscow".into(),
                    hosted_by: Some(MissionId(0)),
                },
            ],
            persons: vec![cw::Person {
                key: "envoy".into(),
                category: ce::Category::Diplomatic,
            }],
        }
    }

    fn sample_command() -> ce::Event {
        ce::Event {
            date: d(18_906),
            notified: Some(d(18_907)),
            actor: ActorId(1),
            in_response_to: vec![Seq(3)],
            proposed: false,
            body: ce::Body::Measures {
                bundle: true,
                measures: vec![
                    ce::Measure {
                        effective: d(18_906),
                        action: ce::Action::PersonaNonGrata {
                            mission: MissionId(0),
                            who: ce::Who::Named(vec![PersonId(0)]),
                            depart_by: d(18_913),
                        },
                    },
                    ce::Measure {
                        effective: d(18_910),
                        action: ce::Action::StaffCapSet {
                            scope: ce::CapScope::Mission(MissionId(0)),
                            limit: ce::Limit::Absolute(10),
                            comply_by: None,
                            counts: ce::Counts::Sent,
                        },
                    },
                ],
            },
        }
    }

    #[test]
    fn hand_built_world_and_state_round_trip() {
        round_trip::<cw::World, World>(&sample_world());
        let state = sample_state();
        round_trip::<cs::State, State>(&state);
        let effects: HashSet<_> = state
            .pending
            .iter()
            .map(|s| discriminant(&s.effect))
            .collect();
        assert_eq!(effects.len(), 3, "one pending entry per effect");
        event_round_trip(&sample_command());
        // What only the addition holds: locally employed staff, caps counting them, and the
        // compliance date of such a cap; nothing of it in the `State` bytes.
        let mut more = state;
        more.missions[0].local = 40;
        more.caps.push(cs::Cap {
            scope: ce::CapScope::Posts {
                sender: ActorId(0),
                host: ActorId(1),
            },
            counts: ce::Counts::Local,
            limit: 0,
            since: d(18_900),
            comply_by: Some(d(18_940)),
            set_by: ActorId(1),
            cause: Some(Seq(5)),
        });
        more.pending.push(cs::Scheduled {
            day: d(18_941),
            cause: Seq(5),
            index: 0,
            actor: ActorId(1),
            effect: cs::Effect::Compliance {
                scope: more.caps[1].scope,
                counts: ce::Counts::Local,
            },
        });
        state_round_trip(&more);
        assert!(StateExtra::of(&sample_state()).is_empty());
        let extra = StateExtra::of(&more);
        assert_eq!(extra.local, vec![(0, 40)]);
        assert_eq!(extra.caps, vec![(1, Counts::Local)]);
        // Without its addition the state reads back without them: the addition is needed.
        let bare = cs::State::from(through_bytes(State::from(&more)));
        assert_ne!(bare, more);
    }

    #[test]
    fn generated_worlds_states_and_events_round_trip() {
        for seed in [1, 2] {
            let g = generate(&GenConfig {
                seed,
                actors: 8,
                missions: 30,
                events: 2000,
            });
            round_trip::<cw::World, World>(&g.world);
            state_round_trip(&g.initial);
            let mut engine = Engine::new(&g.world, g.initial.clone());
            for (i, e) in g.events.iter().enumerate() {
                let wire = Command::from(e);
                let bounds = Bounds::of(&g.world, &engine.state);
                check_ids(&wire, &bounds).unwrap_or_else(|err| panic!("event {i}: {err}"));
                event_round_trip(e);
                engine
                    .step(e, &mut ())
                    .expect("generated events are accepted");
                if i % 250 == 0 {
                    state_round_trip(&engine.state);
                }
            }
            let end = &engine.state;
            assert_eq!(end.events, 2000);
            state_round_trip(end);
        }
    }

    // Golden bytes: the encoding of each top-level type, fixed forever. Taken, when these types
    // were written, from the core's own encoding of the same values (the bytes logs already
    // held). If this fails, a wire type changed: undo the change and write a new type instead.

    const GOLDEN_COMMAND: &str = concat!(
        "da49000001db4900000100000001000000000000000300000000000000000102",
        "00000000000000da490000040000000000000001000000010000000000000000",
        "000000e1490000de490000090000000000000000000000000000000a00000000",
    );
    const GOLDEN_WORLD: &str = concat!(
        "0200000000000000020000000000000072750600000000000000527573736961",
        "0000000004000000000000006e61746f04000000000000004e41544f01000000",
        "0200000000000000070000000000000072752d6e61746f07000000000000004d",
        "697373696f6e0200000000000000010000000100000008000000000000004272",
        "757373656c730008000000000000006e61746f2d6d696c07000000000000004c",
        "696169736f6e0300000001000000000000000000000006000000000000004d6f",
        "73636f77010000000001000000000000000500000000000000656e766f790000",
        "0000",
    );
    const GOLDEN_STATE: &str = concat!(
        "de49000004000000000000000100000000030000000100000000000000020000",
        "0001000000000000000000000001000000020000000100000000000000010000",
        "00000000000000000001000000010000000000000001000000e8490000040000",
        "0001000000000000000000000000000000010000000000000000000000010000",
        "0000000000030000000100000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000020000000200000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000100000000",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000300000000000000010000000001000000000001",
        "000000000000000100000000000000010000000c000000d449000001f2490000",
        "0100000001030000000100000000000000000000000100000000010100000000",
        "00000000000000010000000000000070490000000300000000000000e3490000",
        "0500000000000000010000000000000004000000000000000000000001000000",
        "00000000ea49000001000000000000000000000000000000e949000004000000",
        "01000000010000000100000000000000f3490000030000000000000001000000",
        "0200000001000000000000000100000001000000000000000600000000000000",
        "0100000000000000e04900000d000000000000000700000000000000",
    );

    #[test]
    fn golden_bytes() {
        let c = Command::from(&sample_command());
        let w = World::from(&sample_world());
        let s = State::from(&sample_state());
        assert_eq!(hex(&encode(&c)), GOLDEN_COMMAND);
        assert_eq!(hex(&encode(&w)), GOLDEN_WORLD);
        assert_eq!(hex(&encode(&s)), GOLDEN_STATE);
    }

    #[test]
    fn check_ids_accepts_ids_in_range_and_names_the_first_out_of_range() {
        let b = Bounds {
            actors: 6,
            missions: 8,
            persons: 5,
            next_seq: 10,
        };
        for body in bodies() {
            check_ids(&Command::from(&event(body)), &b).expect("in range");
        }
        let refused = |c: Command, needle: &str| {
            let err = check_ids(&c, &b).expect_err(needle);
            assert!(err.contains(needle), "{err} should mention {needle}");
        };
        let with = |f: &dyn Fn(&mut Command)| {
            let mut c = Command::from(&event(ce::Body::ProposalAdopted { proposal: Seq(9) }));
            f(&mut c);
            c
        };
        let measure = |a: Action| {
            with(&|c| {
                c.body = Body::Measures {
                    bundle: false,
                    measures: vec![Measure {
                        effective: 0,
                        action: a.clone(),
                    }],
                }
            })
        };
        refused(with(&|c| c.actor = 6), "actor 6");
        refused(with(&|c| c.in_response_to = vec![10]), "sequence 10");
        refused(
            with(&|c| c.body = Body::ProposalAdopted { proposal: 10 }),
            "sequence 10",
        );
        refused(
            with(&|c| {
                c.body = Body::MeasuresCancelled {
                    of: 12,
                    how: Cancellation::Withdrawn,
                }
            }),
            "sequence 12",
        );
        refused(
            with(&|c| {
                c.body = Body::MeasuresCancelledMany {
                    of: vec![3, 11],
                    how: Cancellation::Overruled,
                }
            }),
            "sequence 11",
        );
        refused(
            with(&|c| {
                c.body = Body::Signal {
                    kind: Kind::Protest,
                    target: 6,
                    mission: None,
                    tone: Tone::Neutral,
                }
            }),
            "target names actor 6",
        );
        refused(
            with(&|c| {
                c.body = Body::Signal {
                    kind: Kind::AmbassadorSummoned,
                    target: 1,
                    mission: Some(8),
                    tone: Tone::Neutral,
                }
            }),
            "mission 8",
        );
        refused(
            with(&|c| {
                c.body = Body::StaffReported {
                    mission: 9,
                    in_post: Staff::default(),
                    vacant: 0,
                }
            }),
            "mission 9",
        );
        refused(measure(Action::MissionOpened { mission: 8 }), "mission 8");
        refused(
            measure(Action::StaffRecalled {
                mission: 1,
                who: Who::Named(vec![4, 5]),
            }),
            "person 5",
        );
        refused(
            measure(Action::CapLifted {
                scope: CapScope::Mission(8),
            }),
            "mission 8",
        );
        refused(
            measure(Action::CapLifted {
                scope: CapScope::Posts { sender: 0, host: 7 },
            }),
            "actor 7",
        );
        refused(measure(Action::ContactsFrozen { with: 6 }), "actor 6");
        refused(
            measure(Action::ChannelDesignated { with: 5, via: 8 }),
            "mission 8",
        );
    }
}
