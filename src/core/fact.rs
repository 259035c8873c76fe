//! Facts: what a decision (or the passing of time) did, with every choice already made.
//!
//! [`State::decide`](super::State::decide) turns a command into facts: which categories and how
//! many staff leave, the number a "cut by N" cap becomes, which posts a cap over several posts
//! sheds from, which pending measures a closing mission supersedes. When the clock moves,
//! [`State::advance`](super::State::advance) decides what falls due, as facts with their own
//! day. [`State::apply`](super::State::apply) folds a fact in: it cannot fail and chooses
//! nothing, so a log of facts replays without re-running a single rule.
//!
//! A fact is read in a context: the day it happens and the sequence of the event that caused
//! it. A command's own facts happen on its date under its sequence; the facts after a
//! [`Fact::Due`] happen on that entry's day under the event that scheduled it.
//!
//! Facts are small and fixed-size (no heap) except the two that carry announced measures
//! forward: a deferred measure ([`Effect::Measure`]) and a held proposal.

use super::day::Day;
use super::event::{Cancellation, CapScope, Counts, Measure, Staff};
use super::state::{Effect, Lifecycle};
use super::world::{ActorId, MissionId, PersonId, Seq};
use serde::{Deserialize, Serialize};

/// One resolved change to the state. See the module documentation.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Fact {
    // Time.
    /// The first entry of the pending queue falls due: it leaves the queue and releases what it
    /// set aside; the clock moves to `day`. The facts that follow, up to the next `Due` (or the
    /// command's own facts), are what it does. `cause` and `index` name the entry.
    Due {
        day: Day,
        cause: Seq,
        index: u32,
    },
    /// An effect is queued for `day` (a deferred measure, with what it sets aside; a departure
    /// deadline's lapse; a cap's compliance date), under the context's cause.
    Scheduled {
        day: Day,
        index: u32,
        actor: ActorId,
        effect: Effect,
    },
    /// A deferred measure will not happen (cancelled, or superseded by its mission stopping):
    /// it leaves the queue and releases what it set aside.
    Unscheduled {
        day: Day,
        cause: Seq,
        index: u32,
    },

    // Accreditation and staff.
    Requested {
        mission: MissionId,
        count: u32,
    },
    Denied {
        mission: MissionId,
        count: u32,
    },
    /// Anonymous staff take up post; `filled` of them fill vacant posts.
    Granted {
        mission: MissionId,
        staff: Staff,
        filled: u32,
    },
    /// A named person takes up post, filling a vacant post if `filled`.
    MemberGranted {
        mission: MissionId,
        person: PersonId,
        filled: bool,
    },
    /// Anonymous staff lose accreditation and must leave by `deadline` (the leaving batch is
    /// keyed by that deadline and the context's cause).
    ToLeave {
        mission: MissionId,
        staff: Staff,
        deadline: Day,
    },
    MemberToLeave {
        mission: MissionId,
        person: PersonId,
        deadline: Day,
    },
    /// The sender withdraws staff in post; their posts stay vacant.
    Recalled {
        mission: MissionId,
        staff: Staff,
    },
    MemberRecalled {
        mission: MissionId,
        person: PersonId,
    },
    /// Staff of the leaving batch (`deadline`, `batch`) leave.
    Departed {
        mission: MissionId,
        deadline: Day,
        batch: Seq,
        staff: Staff,
    },
    MemberDeparted {
        mission: MissionId,
        person: PersonId,
    },
    /// A departure deadline passed: the leaving batch (`deadline`, `batch`), `count` strong,
    /// lost member status (R4).
    Lapsed {
        mission: MissionId,
        deadline: Day,
        batch: Seq,
        count: u32,
    },
    PostsAbolished {
        mission: MissionId,
        count: u32,
    },
    /// A cap's compliance date passed: anonymous staff no pending measure set aside leave.
    Shed {
        mission: MissionId,
        staff: Staff,
    },
    MemberShed {
        mission: MissionId,
        person: PersonId,
    },
    /// A cap's compliance date passed: staff a pending removal had set aside leave now, and
    /// that measure (queued at `day`, `cause`, `index`) shrinks by as many.
    ReservedShed {
        mission: MissionId,
        day: Day,
        cause: Seq,
        index: u32,
        staff: Staff,
    },
    ReservedMemberShed {
        mission: MissionId,
        day: Day,
        cause: Seq,
        index: u32,
        person: PersonId,
    },
    /// Anonymous staff in post above a cap in force leave before its compliance date (the
    /// sender records them as departed); their posts go with them.
    DepartedForCap {
        mission: MissionId,
        staff: Staff,
    },
    MemberDepartedForCap {
        mission: MissionId,
        person: PersonId,
    },
    /// Anonymous staff in post move from one post to another of the same sender in the same
    /// host, taking their posts with them; `filled` of them fill vacant posts at `to`.
    Moved {
        from: MissionId,
        to: MissionId,
        staff: Staff,
        filled: u32,
    },
    /// A named member moves, filling a vacant post at `to` if `filled`.
    MemberMoved {
        from: MissionId,
        to: MissionId,
        person: PersonId,
        filled: bool,
    },
    /// The mission employs `count` more staff locally.
    LocalHired {
        mission: MissionId,
        count: u32,
    },
    /// The mission lets `count` locally employed staff go: by the sender's measure, or because
    /// the mission stops operating.
    LocalDismissed {
        mission: MissionId,
        count: u32,
    },
    /// A compliance date of a cap counting locally employed staff passed: `count` of them go.
    LocalShed {
        mission: MissionId,
        count: u32,
    },
    /// What a source reports a mission's staff to be.
    StaffReported {
        mission: MissionId,
        in_post: Staff,
        vacant: u32,
    },

    // Caps.
    /// A cap in force from the context's day; `comply_by` is set when staff in post exceed it.
    CapSet {
        scope: CapScope,
        counts: Counts,
        limit: u32,
        comply_by: Option<Day>,
        set_by: ActorId,
    },
    CapLifted {
        scope: CapScope,
        counts: Counts,
    },
    /// The cap on `scope` counting `counts` no longer has a compliance date pending.
    CapComplied {
        scope: CapScope,
        counts: Counts,
    },

    // Missions.
    /// A mission starts or resumes operating.
    Opened {
        mission: MissionId,
        from: Lifecycle,
    },
    /// A mission stops operating. Everyone in post goes: with `depart_by` (the receiving side
    /// ended it) they must leave by then; without it they leave with the mission, and so do
    /// staff already leaving. `in_post` and `leaving` are how many that is, for timelines.
    Ended {
        mission: MissionId,
        from: Lifecycle,
        to: Lifecycle,
        depart_by: Option<Day>,
        in_post: u32,
        leaving: u32,
    },
    ConsentWithdrawn {
        mission: MissionId,
    },
    ConsentGranted {
        mission: MissionId,
    },
    PremisesSeized {
        mission: MissionId,
    },

    // Relations and channels.
    RelationsBroken {
        pair: (ActorId, ActorId),
    },
    RelationsRestored {
        pair: (ActorId, ActorId),
    },
    ContactsFrozen {
        pair: (ActorId, ActorId),
    },
    ChannelDesignated {
        pair: (ActorId, ActorId),
        via: MissionId,
    },

    // Proposals.
    /// The context's event is a proposal: its measures are held until adopted or cancelled.
    ProposalHeld {
        actor: ActorId,
        measures: Box<[Measure]>,
    },
    /// A held proposal leaves the table (adopted or cancelled).
    ProposalDropped {
        seq: Seq,
    },

    // Records: they change nothing but the timeline.
    /// Measures of `of` will not happen.
    Cancelled {
        of: Seq,
        measures: u32,
        how: Cancellation,
    },
    /// Measures scheduled on a mission that stopped operating first will not happen.
    Superseded {
        mission: MissionId,
        measures: u32,
    },
    /// A statement, accusation, protest... recorded.
    Recorded,
}
