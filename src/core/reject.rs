//! Rejections: one enum, fixed numeric codes that never change meaning.
//!
//! Each variant carries the facts that break the rule. Codes are listed in docs/events.md
//! (generated from [`Reason::CODES`]); a code is never reused for another meaning.

use super::day::Day;
use super::event::{CapScope, Counts};
use super::world::{ActorId, MissionId, PersonId, Seq, World};
use serde::Serialize;

/// Why an event was rejected. See [`Reason::code`] and [`Reason::rule`].
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub enum Reason {
    DateBeforePrevious {
        date: Day,
        previous: Day,
    },
    ResponseNotEarlier {
        target: Seq,
        next: Seq,
    },
    EffectiveBeforeAnnounced {
        effective: Day,
        announced: Day,
    },
    DeadlineBeforeEffective {
        deadline: Day,
        effective: Day,
    },
    NotReceivingSide {
        actor: ActorId,
        mission: MissionId,
        receiver: ActorId,
    },
    NotSendingSide {
        actor: ActorId,
        mission: MissionId,
        sender: ActorId,
    },
    NotTerritorialState {
        actor: ActorId,
        mission: MissionId,
        territory: ActorId,
    },
    NotAParty {
        actor: ActorId,
        with: ActorId,
        via: Option<MissionId>,
    },
    MissionClosed {
        mission: MissionId,
    },
    MissionNotOperating {
        mission: MissionId,
        status: &'static str,
    },
    AlreadyInStatus {
        mission: MissionId,
        status: &'static str,
    },
    CountExceedsStaff {
        mission: MissionId,
        count: u32,
        available: u32,
    },
    CountExceedsRequests {
        mission: MissionId,
        count: u32,
        pending: u32,
    },
    CountExceedsVacancies {
        mission: MissionId,
        count: u32,
        vacant: u32,
    },
    CountExceedsLeaving {
        mission: MissionId,
        count: u32,
        leaving: u32,
    },
    CapExceeded {
        scope: CapScope,
        counts: Counts,
        limit: u32,
        would_be: u32,
    },
    ZeroCount,
    ComplianceDateMissing {
        scope: CapScope,
        limit: u32,
        headcount: u32,
    },
    ComplianceBeforeEffective {
        comply_by: Day,
        effective: Day,
    },
    RelationsBroken {
        a: ActorId,
        b: ActorId,
    },
    ConsentWithdrawn {
        mission: MissionId,
    },
    PersonAlreadyAccredited {
        person: PersonId,
        mission: MissionId,
    },
    PersonNotMember {
        person: PersonId,
        mission: MissionId,
    },
    MissionEndsFirst {
        mission: MissionId,
        ends: Day,
        effective: Day,
    },
    MeasuresPendingAfterEnd {
        mission: MissionId,
        ends: Day,
        pending: Day,
    },
    NothingToCancel {
        of: Seq,
    },
    NotTheAuthor {
        actor: ActorId,
        of: Seq,
        author: ActorId,
    },
    NotAProposal {
        of: Seq,
    },
    SelfTarget {
        actor: ActorId,
    },
    RelationsAlreadySo {
        a: ActorId,
        b: ActorId,
        state: &'static str,
    },
    StaffReportConflict {
        mission: MissionId,
        named: u32,
        reserved: u32,
    },
    EmptyDecision,
    ConsentNotWithdrawn {
        mission: MissionId,
    },
    NotAHostOfPosts {
        actor: ActorId,
        host: ActorId,
    },
    AllNotAllowed {
        kind: &'static str,
    },
    ReductionExceedsStaff {
        scope: CapScope,
        reduce_by: u32,
        headcount: u32,
    },
    PremisesInUse {
        mission: MissionId,
    },
    NotAMissionToAnOrganisation {
        mission: MissionId,
    },
    NoCapInForce {
        scope: CapScope,
    },
    DeferralNotAllowed {
        kind: &'static str,
    },
    ConsentNotWithdrawable {
        mission: MissionId,
        kind: &'static str,
    },
    NoStaffAtProperty {
        mission: MissionId,
    },
    NotASideOfPosts {
        actor: ActorId,
        sender: ActorId,
        host: ActorId,
    },
    CountExceedsStaffOfPosts {
        sender: ActorId,
        host: ActorId,
        count: u32,
        available: u32,
    },
    PostsRemovalDeferred {
        kind: &'static str,
    },
    NotSamePosts {
        from: MissionId,
        to: MissionId,
    },
    LocalCapExceeded {
        scope: CapScope,
        counts: Counts,
        limit: u32,
        would_be: u32,
    },
    LocalStaffExceeded {
        mission: MissionId,
        count: u32,
        employed: u32,
    },
}

/// One row of the code table.
pub struct CodeInfo {
    pub code: u16,
    pub name: &'static str,
    pub rule: &'static str,
    pub meaning: &'static str,
}

macro_rules! code_table {
    ($($variant:ident = $code:literal, $rule:literal, $meaning:literal;)*) => {
        impl Reason {
            /// Every code, in order.
            pub const CODES: &'static [CodeInfo] = &[
                $(CodeInfo { code: $code, name: stringify!($variant), rule: $rule, meaning: $meaning }),*
            ];

            /// The fixed numeric code.
            pub fn code(&self) -> u16 {
                match self { $(Reason::$variant { .. } => $code),* }
            }

            /// The variant's name, as printed with the code.
            pub fn name(&self) -> &'static str {
                match self { $(Reason::$variant { .. } => stringify!($variant)),* }
            }

            /// The rule this rejection enforces (see shared vienna-rules and docs/events.md).
            pub fn rule(&self) -> &'static str {
                match self { $(Reason::$variant { .. } => $rule),* }
            }
        }
    };
}

code_table! {
    DateBeforePrevious = 1, "log order", "the event is dated before the replay clock: dates never go backwards in log order";
    ResponseNotEarlier = 2, "causality", "in_response_to names an event that is not earlier in the log";
    EffectiveBeforeAnnounced = 3, "time", "a measure takes effect before the event announcing it";
    DeadlineBeforeEffective = 4, "time", "a departure deadline falls before the measure takes effect";
    NotReceivingSide = 5, "R3 R5 R12", "only the receiving side (the organisation, for a mission to one) accredits, withdraws accreditation, declares persona non grata, caps staff, abolishes posts or withdraws consent";
    NotSendingSide = 6, "sender", "only the sending side requests accreditation, recalls staff, opens, suspends, closes or reopens its own mission";
    NotTerritorialState = 7, "R9", "only the state where the premises stand can seize them";
    NotAParty = 8, "parties", "relations and channels concern the actor itself; a channel runs through a mission of one of the two parties";
    MissionClosed = 9, "lifecycle", "no event on a closed mission except reopening, consent granted, departure and seizure";
    MissionNotOperating = 10, "lifecycle", "the mission is not operating (not open or suspended)";
    AlreadyInStatus = 11, "lifecycle", "the transition would not change the mission's status";
    CountExceedsStaff = 12, "counts", "more staff named than are in post (and not already due to leave)";
    CountExceedsRequests = 13, "counts", "more accreditations granted or denied than are pending";
    CountExceedsVacancies = 14, "counts", "more posts abolished than are vacant";
    CountExceedsLeaving = 15, "counts", "more departures than staff due to leave (staff whose accreditation ended, and staff in post above a cap in force)";
    CapExceeded = 16, "R5", "staff in post would exceed a cap in force";
    ZeroCount = 17, "counts", "a count of zero changes nothing and is almost certainly a typo";
    ComplianceDateMissing = 18, "R5", "a cap below the current headcount needs a compliance date (comply_by)";
    ComplianceBeforeEffective = 19, "R5", "the compliance date falls before the cap takes effect";
    RelationsBroken = 20, "R1", "no mission opens, reopens or gains staff while relations are broken";
    ConsentWithdrawn = 21, "R1 R12", "the receiving side withdrew its consent; it must grant it again before the mission reopens";
    PersonAlreadyAccredited = 22, "persons", "a person cannot be accredited twice";
    PersonNotMember = 23, "persons", "the person is not a member in post at this mission";
    MissionEndsFirst = 24, "time", "the mission is due to be suspended or closed before this measure would take effect";
    MeasuresPendingAfterEnd = 25, "time", "retired, never produced: measures scheduled on a mission that stops operating first are now superseded (reported in the timeline); the number is kept so it is never reused";
    NothingToCancel = 26, "proposals", "the referenced event has no measure still pending and is not a held proposal";
    NotTheAuthor = 27, "proposals", "only the actor that announced measures adopts, withdraws or overrules them";
    NotAProposal = 28, "proposals", "the referenced event is not a proposal still held";
    SelfTarget = 29, "parties", "an actor cannot direct this event at itself";
    RelationsAlreadySo = 30, "parties", "relations are already in the state this event would put them in";
    StaffReportConflict = 31, "counts", "a staff report cannot replace counts that include named members or staff reserved by pending measures";
    EmptyDecision = 32, "decisions", "a decision must hold at least one measure";
    ConsentNotWithdrawn = 33, "R12", "consent was not withdrawn, so it cannot be granted again";
    NotAHostOfPosts = 34, "R5", "a cap over all posts of a sender is set by the host they are accredited to";
    AllNotAllowed = 35, "counts", "this kind names counts or persons; `all` is only for accreditation withdrawn and staff departed";
    ReductionExceedsStaff = 36, "counts", "a cap cannot cut more staff than are in post";
    DeferralNotAllowed = 37, "time", "departures, accreditation requests, grants and denials (and moves of staff between posts) happen on the day they are recorded; they cannot be scheduled";
    PremisesInUse = 38, "R9", "premises of a mission in use are inviolable; only those of a suspended or closed mission can be seized (close it first, e.g. with consent-withdrawn)";
    NotAMissionToAnOrganisation = 39, "R3", "departure-required is for missions to organisations; the host of a bilateral mission declares persona non grata";
    NoCapInForce = 40, "R5", "there is no cap in force on that scope to lift";
    ConsentNotWithdrawable = 41, "R12", "consent is what a receiving state withdraws from a consular post or an office (VCCR 4 and 25, VCDR 12); an embassy or a permanent mission ends by breaking relations, by its sender closing it, or by withdrawing every accreditation";
    NoStaffAtProperty = 42, "counts", "a property (compound, residence, warehouse) has no staff of its own: no accreditation, removal, cap, post or staff report names it, and no head of mission is summoned from it";
    NotASideOfPosts = 43, "R3 sender", "a removal over all posts of a sender in a host is declared by the host (persona non grata, accreditation withdrawn) or the sender (recall)";
    CountExceedsStaffOfPosts = 44, "counts", "more staff named than the operating posts of the sender in the host have in post (and not already set aside)";
    PostsRemovalDeferred = 45, "time", "a removal over all posts of a sender is allocated to posts when it takes effect, on the day announced and notified; to schedule one, name each post";
    NotSamePosts = 46, "sender", "staff move between two different posts of one sender in one host (staff-moved, mission-closed with move_to)";
    LocalCapExceeded = 47, "R13", "hiring locally would exceed a cap in force that counts locally employed staff (a ban on employing local staff is such a cap at 0)";
    LocalStaffExceeded = 48, "R13", "more locally employed staff let go than the mission employs";
}

impl Reason {
    /// A sentence for people, with names looked up in `world`.
    pub fn describe(&self, w: &World) -> String {
        let a = |id: ActorId| w.actor(id).key.as_str();
        let m = |id: MissionId| w.mission(id).key.as_str();
        let p = |id: PersonId| w.person(id).key.as_str();
        let scope = |s: &CapScope| match *s {
            CapScope::Mission(id) => format!("mission `{}`", m(id)),
            CapScope::Posts { sender, host } => {
                format!("all posts of `{}` in `{}`", a(sender), a(host))
            }
        };
        match self {
            Reason::DateBeforePrevious { date, previous } => {
                format!("dated {date}, but the replay has already reached {previous}")
            }
            Reason::ResponseNotEarlier { target, next } => format!(
                "in_response_to points at event #{} which is not before this one (#{})",
                target.0, next.0
            ),
            Reason::EffectiveBeforeAnnounced {
                effective,
                announced,
            } => {
                format!("takes effect on {effective}, before it was announced on {announced}")
            }
            Reason::DeadlineBeforeEffective {
                deadline,
                effective,
            } => format!(
                "departure deadline {deadline} is before the measure takes effect on {effective}"
            ),
            Reason::NotReceivingSide {
                actor,
                mission,
                receiver,
            } => format!(
                "`{}` is not the receiving side of `{}`; only `{}` may do this",
                a(*actor),
                m(*mission),
                a(*receiver)
            ),
            Reason::NotSendingSide {
                actor,
                mission,
                sender,
            } => format!(
                "`{}` did not send `{}`; only `{}` may do this to its own mission",
                a(*actor),
                m(*mission),
                a(*sender)
            ),
            Reason::NotTerritorialState {
                actor,
                mission,
                territory,
            } => format!(
                "`{}` cannot seize the premises of `{}`; they stand on the territory of `{}`",
                a(*actor),
                m(*mission),
                a(*territory)
            ),
            Reason::NotAParty { actor, with, via } => match via {
                Some(v) => format!(
                    "channel via `{}` is neither sent by nor accredited to `{}` or `{}`",
                    m(*v),
                    a(*actor),
                    a(*with)
                ),
                None => format!("`{}` is not a party to this with `{}`", a(*actor), a(*with)),
            },
            Reason::MissionClosed { mission } => {
                format!(
                    "mission `{}` is closed; only reopening may follow",
                    m(*mission)
                )
            }
            Reason::MissionNotOperating { mission, status } => {
                format!("mission `{}` is {status}, not operating", m(*mission))
            }
            Reason::AlreadyInStatus { mission, status } => {
                format!("mission `{}` is already {status}", m(*mission))
            }
            Reason::CountExceedsStaff {
                mission,
                count,
                available,
            } => format!(
                "names {count} staff of `{}`, but only {available} are in post and not already due to leave",
                m(*mission)
            ),
            Reason::CountExceedsRequests {
                mission,
                count,
                pending,
            } => format!(
                "acts on {count} accreditation requests for `{}`, but only {pending} are pending",
                m(*mission)
            ),
            Reason::CountExceedsVacancies {
                mission,
                count,
                vacant,
            } => format!(
                "abolishes {count} vacant posts at `{}`, but only {vacant} are vacant",
                m(*mission)
            ),
            Reason::CountExceedsLeaving {
                mission,
                count,
                leaving,
            } => format!(
                "{count} staff of `{}` depart, but only {leaving} are due to leave (accreditation ended, or above a cap in force)",
                m(*mission)
            ),
            Reason::CapExceeded {
                scope: s,
                counts,
                limit,
                would_be,
            } => match counts.only() {
                Some(c) => format!(
                    "{} would have {would_be} {} staff in post, above the cap of {limit} on them in force",
                    scope(s),
                    c.key()
                ),
                None => format!(
                    "{} would have {would_be} staff in post, above the cap of {limit} in force",
                    scope(s)
                ),
            },
            Reason::ZeroCount => "count is zero".to_string(),
            Reason::ComplianceDateMissing {
                scope: s,
                limit,
                headcount,
            } => format!(
                "cap of {limit} on {} is below its {headcount} staff in post; give comply_by, the date by which the excess must leave",
                scope(s)
            ),
            Reason::ComplianceBeforeEffective {
                comply_by,
                effective,
            } => {
                format!("comply_by {comply_by} is before the cap takes effect on {effective}")
            }
            Reason::RelationsBroken { a: x, b: y } => {
                format!("relations between `{}` and `{}` are broken", a(*x), a(*y))
            }
            Reason::ConsentWithdrawn { mission } => format!(
                "the receiving side withdrew consent to `{}`; a consent-granted event must come first",
                m(*mission)
            ),
            Reason::PersonAlreadyAccredited { person, mission } => {
                format!("`{}` is already a member of `{}`", p(*person), m(*mission))
            }
            Reason::PersonNotMember { person, mission } => {
                format!(
                    "`{}` is not a member in post at `{}`",
                    p(*person),
                    m(*mission)
                )
            }
            Reason::MissionEndsFirst {
                mission,
                ends,
                effective,
            } => format!(
                "`{}` is due to stop operating on {ends}, {} this takes effect on {effective}",
                m(*mission),
                if ends == effective {
                    "the day"
                } else {
                    "before"
                }
            ),
            Reason::MeasuresPendingAfterEnd {
                mission,
                ends,
                pending,
            } => format!(
                "`{}` would stop operating on {ends}, but a measure on it is scheduled for {pending}",
                m(*mission)
            ),
            Reason::NothingToCancel { of } => {
                format!(
                    "event #{} has no measure still pending and is not a held proposal",
                    of.0
                )
            }
            Reason::NotTheAuthor { actor, of, author } => format!(
                "`{}` cannot act on event #{} announced by `{}`",
                a(*actor),
                of.0,
                a(*author)
            ),
            Reason::NotAProposal { of } => format!("event #{} is not a proposal still held", of.0),
            Reason::SelfTarget { actor } => format!("`{}` directs this at itself", a(*actor)),
            Reason::RelationsAlreadySo { a: x, b: y, state } => {
                format!(
                    "relations between `{}` and `{}` are already {state}",
                    a(*x),
                    a(*y)
                )
            }
            Reason::StaffReportConflict {
                mission,
                named,
                reserved,
            } => format!(
                "`{}` has {named} named members and {reserved} staff reserved by pending measures; report changes to them as events",
                m(*mission)
            ),
            Reason::EmptyDecision => "the decision holds no measures".to_string(),
            Reason::ConsentNotWithdrawn { mission } => {
                format!("consent to `{}` was never withdrawn", m(*mission))
            }
            Reason::NotAHostOfPosts { actor, host } => format!(
                "`{}` cannot cap posts accredited to `{}`",
                a(*actor),
                a(*host)
            ),
            Reason::AllNotAllowed { kind } => format!("{kind} takes a count or persons, not all"),
            Reason::PremisesInUse { mission } => format!(
                "the premises of `{}` are in use by an operating mission and inviolable; end the mission first",
                m(*mission)
            ),
            Reason::NotAMissionToAnOrganisation { mission } => format!(
                "`{}` is not accredited to an organisation; its receiving side declares persona non grata instead",
                m(*mission)
            ),
            Reason::NoCapInForce { scope: s } => format!("no cap is in force on {}", scope(s)),
            Reason::ConsentNotWithdrawable { mission, kind } => format!(
                "`{}` is a mission of kind {kind}: consent is withdrawn from consular posts and offices; end it by breaking relations, or by withdrawing every accreditation",
                m(*mission)
            ),
            Reason::NoStaffAtProperty { mission } => {
                format!("`{}` is a property with no staff of its own", m(*mission))
            }
            Reason::NotASideOfPosts {
                actor,
                sender,
                host,
            } => format!(
                "`{}` can neither expel from nor recall from the posts of `{}` in `{}`",
                a(*actor),
                a(*sender),
                a(*host)
            ),
            Reason::CountExceedsStaffOfPosts {
                sender,
                host,
                count,
                available,
            } => format!(
                "names {count} staff of the posts of `{}` in `{}`, but only {available} are in post and not already due to leave",
                a(*sender),
                a(*host)
            ),
            Reason::LocalCapExceeded {
                scope: s,
                counts,
                limit,
                would_be,
            } => format!(
                "{} would count {would_be} staff{}, above the cap of {limit} in force on {}",
                scope(s),
                match counts {
                    Counts::Local => " employed locally",
                    _ => " sent and employed locally",
                },
                if *limit == 0 && *counts == Counts::Local {
                    "locally employed staff (a ban on employing them)"
                } else {
                    "them"
                }
            ),
            Reason::LocalStaffExceeded {
                mission,
                count,
                employed,
            } => format!(
                "lets {count} locally employed staff of `{}` go, but it employs {employed}",
                m(*mission)
            ),
            Reason::NotSamePosts { from, to } => format!(
                "staff of `{}` cannot move to `{}`: a move is between two different posts of one sender in one host",
                m(*from),
                m(*to)
            ),
            Reason::PostsRemovalDeferred { kind } => format!(
                "{kind} over all posts of a sender takes effect when announced; name each post to schedule it"
            ),
            Reason::DeferralNotAllowed { kind } => {
                format!("{kind} cannot take effect later than it is recorded")
            }
            Reason::ReductionExceedsStaff {
                scope: s,
                reduce_by,
                headcount,
            } => format!(
                "cuts {reduce_by} from {}, which has only {headcount} in post",
                scope(s)
            ),
        }
    }
}
