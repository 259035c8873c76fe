//! Changes: how facts read in a timeline. Each fact gives at most one [`Change`], computed from
//! the fact alone; observers (timelines, reports, tests) receive them with their day and cause.

use super::day::Day;
use super::event::{CapScope, Counts, Kind};
use super::fact::Fact;
use super::state::{Effect, Lifecycle};
use super::world::{ActorId, MissionId, Seq};
use serde::Serialize;

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
    /// Staff moved between two posts of one sender in one host.
    Moved {
        from: MissionId,
        to: MissionId,
        count: u32,
    },
    /// Staff in post above a cap left before its compliance date; their posts went with them.
    LeftForCap {
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
        counts: Counts,
        limit: u32,
        comply_by: Option<Day>,
    },
    /// The mission employed staff locally.
    LocalHired {
        mission: MissionId,
        count: u32,
    },
    /// Locally employed staff were let go (by the sender, or as the mission stopped working).
    LocalDismissed {
        mission: MissionId,
        count: u32,
    },
    /// A compliance date of a cap counting locally employed staff passed: the excess went.
    LocalShed {
        mission: MissionId,
        count: u32,
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
        what: Kind,
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
        counts: Counts,
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
    /// False for observers that ignore every change, so that replays skip deriving them.
    const WANTS: bool = true;
    fn change(&mut self, when: Day, cause: Seq, change: Change);
}

impl Observe for () {
    const WANTS: bool = false;
    #[inline]
    fn change(&mut self, _: Day, _: Seq, _: Change) {}
}

/// Collects changes, merging one with the one before it when both count staff of the same
/// kind at the same mission on the same day and cause (a removal of named persons is one fact
/// per person, but one line of a timeline).
impl Observe for Vec<(Day, Seq, Change)> {
    fn change(&mut self, when: Day, cause: Seq, change: Change) {
        if let Some((w, c, last)) = self.last_mut()
            && *w == when
            && *c == cause
            && last.merge(&change)
        {
            return;
        }
        self.push((when, cause, change));
    }
}

impl Change {
    /// Adds `other` into `self` when both count the same thing; returns whether it did.
    fn merge(&mut self, other: &Change) -> bool {
        use Change::*;
        match (self, other) {
            (
                StaffAdded { mission, count },
                StaffAdded {
                    mission: m,
                    count: n,
                },
            )
            | (
                StaffRecalled { mission, count },
                StaffRecalled {
                    mission: m,
                    count: n,
                },
            )
            | (
                StaffDeparted { mission, count },
                StaffDeparted {
                    mission: m,
                    count: n,
                },
            )
            | (
                ExcessLeft { mission, count },
                ExcessLeft {
                    mission: m,
                    count: n,
                },
            )
            | (
                LeftForCap { mission, count },
                LeftForCap {
                    mission: m,
                    count: n,
                },
            ) if mission == m => {
                *count += n;
                true
            }
            (
                Moved { from, to, count },
                Moved {
                    from: f,
                    to: t,
                    count: n,
                },
            ) if from == f && to == t => {
                *count += n;
                true
            }
            (
                StaffToLeave {
                    mission,
                    count,
                    deadline,
                },
                StaffToLeave {
                    mission: m,
                    count: n,
                    deadline: d,
                },
            ) if mission == m && deadline == d => {
                *count += n;
                true
            }
            _ => false,
        }
    }
}

impl Fact {
    /// The changes a timeline shows for this fact (at most two), computed from the fact alone.
    pub fn changes(&self, mut out: impl FnMut(Change)) {
        match *self {
            Fact::Due { .. }
            | Fact::Unscheduled { .. }
            | Fact::ProposalDropped { .. }
            | Fact::CapComplied { .. }
            | Fact::Scheduled {
                effect: Effect::Lapse { .. } | Effect::Compliance { .. },
                ..
            } => {}
            Fact::Scheduled {
                day,
                effect: Effect::Measure(ref planned),
                ..
            } => out(Change::Scheduled {
                day,
                what: planned.action.kind(),
                mission: planned.action.mission(),
            }),
            Fact::Requested { mission, count } => out(Change::Requested { mission, count }),
            Fact::Denied { mission, count } => out(Change::Denied { mission, count }),
            Fact::Granted { mission, staff, .. } => out(Change::StaffAdded {
                mission,
                count: staff.total(),
            }),
            Fact::MemberGranted { mission, .. } => out(Change::StaffAdded { mission, count: 1 }),
            Fact::ToLeave {
                mission,
                staff,
                deadline,
            } => out(Change::StaffToLeave {
                mission,
                count: staff.total(),
                deadline,
            }),
            Fact::MemberToLeave {
                mission, deadline, ..
            } => out(Change::StaffToLeave {
                mission,
                count: 1,
                deadline,
            }),
            Fact::Recalled { mission, staff } => out(Change::StaffRecalled {
                mission,
                count: staff.total(),
            }),
            Fact::MemberRecalled { mission, .. } => {
                out(Change::StaffRecalled { mission, count: 1 })
            }
            Fact::Departed { mission, staff, .. } => out(Change::StaffDeparted {
                mission,
                count: staff.total(),
            }),
            Fact::MemberDeparted { mission, .. } => {
                out(Change::StaffDeparted { mission, count: 1 })
            }
            Fact::Lapsed { mission, count, .. } => out(Change::StatusLapsed { mission, count }),
            Fact::PostsAbolished { mission, count } => {
                out(Change::PostsAbolished { mission, count })
            }
            Fact::Shed { mission, staff } | Fact::ReservedShed { mission, staff, .. } => {
                out(Change::ExcessLeft {
                    mission,
                    count: staff.total(),
                })
            }
            Fact::MemberShed { mission, .. } | Fact::ReservedMemberShed { mission, .. } => {
                out(Change::ExcessLeft { mission, count: 1 })
            }
            Fact::Moved {
                from, to, staff, ..
            } => out(Change::Moved {
                from,
                to,
                count: staff.total(),
            }),
            Fact::MemberMoved { from, to, .. } => out(Change::Moved { from, to, count: 1 }),
            Fact::DepartedForCap { mission, staff } => out(Change::LeftForCap {
                mission,
                count: staff.total(),
            }),
            Fact::MemberDepartedForCap { mission, .. } => {
                out(Change::LeftForCap { mission, count: 1 })
            }
            Fact::StaffReported {
                mission,
                in_post,
                vacant,
            } => out(Change::StaffReported {
                mission,
                headcount: in_post.total(),
                vacant,
            }),
            Fact::CapSet {
                scope,
                counts,
                limit,
                comply_by,
                ..
            } => out(Change::CapSet {
                scope,
                counts,
                limit,
                comply_by,
            }),
            Fact::CapLifted { scope, counts } => out(Change::CapLifted { scope, counts }),
            Fact::LocalHired { mission, count } => out(Change::LocalHired { mission, count }),
            Fact::LocalDismissed { mission, count } => {
                out(Change::LocalDismissed { mission, count })
            }
            Fact::LocalShed { mission, count } => out(Change::LocalShed { mission, count }),
            Fact::Opened { mission, from } => out(Change::Lifecycle {
                mission,
                from,
                to: Lifecycle::Operating,
            }),
            Fact::Ended {
                mission,
                from,
                to,
                depart_by,
                in_post,
                leaving,
            } => {
                out(Change::Lifecycle { mission, from, to });
                match depart_by {
                    Some(deadline) if in_post > 0 => out(Change::StaffToLeave {
                        mission,
                        count: in_post,
                        deadline,
                    }),
                    None if in_post + leaving > 0 => out(Change::LeftWithMission {
                        mission,
                        count: in_post + leaving,
                    }),
                    _ => {}
                }
            }
            Fact::ConsentWithdrawn { .. } => {}
            Fact::ConsentGranted { mission } => out(Change::ConsentRestored { mission }),
            Fact::PremisesSeized { mission } => out(Change::PremisesSeized { mission }),
            Fact::RelationsBroken { pair } => out(Change::RelationsBroken { pair }),
            Fact::RelationsRestored { pair } => out(Change::RelationsRestored { pair }),
            Fact::ContactsFrozen { pair } => out(Change::ContactsFrozen { pair }),
            Fact::ChannelDesignated { pair, via } => out(Change::ChannelDesignated { pair, via }),
            Fact::ProposalHeld { ref measures, .. } => out(Change::ProposalHeld {
                measures: measures.len() as u32,
            }),
            Fact::Cancelled { of, measures, how } => out(Change::Cancelled { of, measures, how }),
            Fact::Superseded { mission, measures } => out(Change::Superseded { mission, measures }),
            Fact::Recorded => out(Change::Recorded),
        }
    }
}
