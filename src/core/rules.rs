//! The rules: every check a command must pass, in one place. Nothing here changes the state.
//!
//! Rules follow the Vienna Conventions as docs/rules.md restates them: R1, R3, R4 (by scheduled
//! lapse), R5, R6 (announced and notified kept apart), R8, R9, R12, plus the model's own:
//! counts never exceed what exists, the sender alone ends its mission, the receiving side alone
//! accredits and caps, dates never go backwards, causes point backwards.
//! [`super::decide`] runs these checks and then resolves what an accepted command does into
//! facts.

use super::day::Day;
use super::event::{
    Action, Body, CapScope, Category, Counts, Event, Kind, Limit, Measure, Staff, Who,
};
use super::reject::Reason;
use super::state::{Effect, Lifecycle, State, free_staff, pair, take_staff};
use super::world::{ActorId, MissionId, MissionKind, PersonId, Seq, World};

/// Kinds that may still act on a closed mission: departures can never be blocked (R8), seizure
/// is the explicit breach of protection (R9), and reopening needs consent first.
pub(crate) fn allowed_when_closed(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::StaffDeparted | Kind::PremisesSeized | Kind::MissionReopened | Kind::ConsentGranted
    )
}

pub(crate) fn allowed_when_suspended(kind: Kind) -> bool {
    allowed_when_closed(kind)
        || matches!(
            kind,
            Kind::MissionClosed
                | Kind::ConsentWithdrawn
                | Kind::StaffCapSet
                | Kind::CapLifted
                | Kind::LocalStaffDismissed
        )
}

/// True for measures that stop a mission operating.
fn ends(action: &Action) -> bool {
    matches!(
        action,
        Action::MissionSuspended { .. }
            | Action::MissionClosed { .. }
            | Action::MissionClosedMovingStaff { .. }
            | Action::ConsentWithdrawn { .. }
            | Action::AccreditationWithdrawn { who: Who::All, .. }
    )
}

/// Where the catalogue restricts a kind of event to some kinds of mission: the kind, what it
/// may act on, and the code of a refusal. docs/events.md lists them.
pub const MISSION_KIND_RULES: &[(&str, &str)] = &[
    (
        "consent-withdrawn",
        "consulates, military liaison missions, information and cultural offices, interests sections, trade missions, annexes and property, not embassies or permanent missions (E041; VCCR 4 and 25, VCDR 12 and 46)",
    ),
    (
        "departure-required",
        "missions accredited to an organisation; for a bilateral mission the host declares persona non grata (E039)",
    ),
    (
        "accreditation-requested, -granted, -denied, -withdrawn, persona-non-grata, departure-required, staff-recalled, posts-abolished, staff-cap-set on one mission, staff-reported, ambassador-summoned, staff-moved (either post)",
        "any mission but a property, which has no staff of its own (E042)",
    ),
    (
        "staff-moved, mission-closed with move_to",
        "two different operating posts of the same sender in the same host (E046)",
    ),
    (
        "relations-broken",
        "closes every mission between the two except interests sections",
    ),
    (
        "mission-opened, mission-reopened, accreditation-granted while relations are broken",
        "interests sections only (E020)",
    ),
];

/// Rules of the model the catalogue table does not show, each with its name; docs/events.md
/// lists them.
pub const MODEL_RULES: &[(&str, &str)] = &[
    ("notification (R6)", super::decide::NOTIFICATION_RULE),
    ("departures to meet a cap (R5)", CAP_DEPARTURE_RULE),
    (
        "removals over several posts",
        super::decide::POSTS_ALLOCATION_RULE,
    ),
];

/// How staff meet a cap before its compliance date.
pub const CAP_DEPARTURE_RULE: &str = "while staff in post exceed a cap in force (on the mission, or on all posts of its sender in its host), `staff-departed` may name them as well as staff due to leave: those due to leave go first (earliest deadline first), then staff in post, up to the excess, and their posts go with them; staff recalled under a cap leave their posts vacant only where the cap leaves room for them (counting staff in post and vacant posts it covers): the other posts are abolished with the recall";

/// True for the kinds of mission whose consent the receiving side may withdraw (R12): consular
/// posts and offices, not the diplomatic mission proper.
pub(crate) fn consent_withdrawable(kind: MissionKind) -> bool {
    !matches!(kind, MissionKind::Embassy | MissionKind::PermanentMission)
}

/// True for kinds that name the staff, posts or head of a mission, which a property has none of.
fn needs_staff(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::AccreditationRequested
            | Kind::AccreditationGranted
            | Kind::AccreditationDenied
            | Kind::AccreditationWithdrawn
            | Kind::PersonaNonGrata
            | Kind::DepartureRequired
            | Kind::StaffRecalled
            | Kind::PostsAbolished
            | Kind::StaffCapSet
            | Kind::StaffReported
            | Kind::AmbassadorSummoned
            | Kind::StaffMoved
            | Kind::LocalStaffHired
            | Kind::LocalStaffDismissed
    )
}

fn lifecycle_name(l: Lifecycle) -> &'static str {
    match l {
        Lifecycle::NotOpen => "not open",
        Lifecycle::Operating => "operating",
        Lifecycle::Suspended => "suspended",
        Lifecycle::Closed => "closed",
    }
}
impl State {
    /// The checks every event passes first: dates never go backwards, causes point backwards.
    fn decide_common(&self, event: &Event) -> Result<(), Reason> {
        if event.date < self.clock {
            return Err(Reason::DateBeforePrevious {
                date: event.date,
                previous: self.clock,
            });
        }
        let next = self.next_seq();
        if let Some(&target) = event.in_response_to.iter().find(|s| **s >= next) {
            return Err(Reason::ResponseNotEarlier { target, next });
        }
        Ok(())
    }

    /// The checks of a command that are not checks of its measures: a statement's target, a
    /// staff report, an adoption's or cancellation's author and object, and what a proposal
    /// can be checked for when announced. Measures are checked one by one with
    /// [`State::check_measure`], each against what the ones before it left.
    pub(crate) fn check_command(&self, world: &World, event: &Event) -> Result<(), Reason> {
        self.decide_common(event)?;
        let actor = event.actor;
        match &event.body {
            Body::Measures { measures, .. } => {
                if measures.is_empty() {
                    return Err(Reason::EmptyDecision);
                }
                if event.proposed {
                    // Held measures are checked against the state when adopted; only what
                    // cannot change with time is checked now.
                    for m in measures {
                        if m.effective < event.date {
                            return Err(Reason::EffectiveBeforeAnnounced {
                                effective: m.effective,
                                announced: event.date,
                            });
                        }
                        self.check_authority(world, actor, &m.action)?;
                    }
                }
                Ok(())
            }
            Body::Signal {
                kind,
                target,
                mission,
                ..
            } => {
                if *target == actor {
                    return Err(Reason::SelfTarget { actor });
                }
                if let (Kind::AmbassadorSummoned, Some(m)) = (kind, mission) {
                    let d = world.mission(*m);
                    if actor != d.receiver {
                        return Err(Reason::NotReceivingSide {
                            actor,
                            mission: *m,
                            receiver: d.receiver,
                        });
                    }
                    check_mission_kind(world, *m, *kind)?;
                    self.check_lifecycle(*m, *kind)?;
                }
                Ok(())
            }
            Body::StaffReported {
                mission, in_post, ..
            } => {
                check_mission_kind(world, *mission, Kind::StaffReported)?;
                self.check_lifecycle(*mission, Kind::StaffReported)?;
                let ms = self.mission(*mission);
                if !ms.members.is_empty() || ms.reserved.total() > 0 || ms.reserved_vacant > 0 {
                    return Err(Reason::StaffReportConflict {
                        mission: *mission,
                        named: ms.members.len() as u32,
                        reserved: ms.reserved.total() + ms.reserved_vacant,
                    });
                }
                // A report may not put more staff than a cap allows where it adds some (caps still
                // within their compliance period will remove any excess).
                let added = |counts: Counts| {
                    counts
                        .of_sent(in_post, [])
                        .saturating_sub(counts.of_sent(&ms.in_post, []))
                };
                self.within_caps(world, *mission, false, false, added)
            }
            Body::ProposalAdopted { proposal } => {
                if let Some(author) = self.author(*proposal)?
                    && author != actor
                {
                    return Err(Reason::NotTheAuthor {
                        actor,
                        of: *proposal,
                        author,
                    });
                }
                if !self.proposals.iter().any(|p| p.seq == *proposal) {
                    return Err(Reason::NotAProposal { of: *proposal });
                }
                Ok(())
            }
            Body::MeasuresCancelled { of: events, .. } => {
                if events.is_empty() {
                    return Err(Reason::EmptyDecision);
                }
                for (i, &of) in events.iter().enumerate() {
                    if let Some(author) = self.author(of)?
                        && author != actor
                    {
                        return Err(Reason::NotTheAuthor { actor, of, author });
                    }
                    let held = self.proposals.iter().any(|p| p.seq == of);
                    let pending = self
                        .pending
                        .iter()
                        .any(|s| s.cause == of && matches!(s.effect, Effect::Measure(_)));
                    // Named twice, the second time there is nothing left to cancel.
                    if (!held && !pending) || events[..i].contains(&of) {
                        return Err(Reason::NothingToCancel { of });
                    }
                }
                Ok(())
            }
        }
    }

    /// Who announced event `seq`, if it still holds a proposal or a pending effect (the only
    /// events adoption and cancellation can name); `None` for other earlier events.
    fn author(&self, seq: Seq) -> Result<Option<ActorId>, Reason> {
        if seq >= self.next_seq() {
            return Err(Reason::ResponseNotEarlier {
                target: seq,
                next: self.next_seq(),
            });
        }
        let held = self
            .proposals
            .iter()
            .find(|p| p.seq == seq)
            .map(|p| p.actor);
        Ok(held.or_else(|| {
            self.pending
                .iter()
                .find(|s| s.cause == seq)
                .map(|s| s.actor)
        }))
    }

    /// Checks measures announced together: each against the state left by those before it.
    /// Who may issue this measure: the sender, the receiving side or the territorial state.
    fn check_authority(
        &self,
        world: &World,
        actor: ActorId,
        action: &Action,
    ) -> Result<(), Reason> {
        let kind = action.kind();
        if let Action::RemovalFromPosts {
            sender,
            host,
            removal,
            ..
        } = *action
        {
            let side = match removal {
                super::event::Removal::StaffRecalled => sender,
                _ => host,
            };
            return if actor == side {
                Ok(())
            } else {
                Err(Reason::NotASideOfPosts {
                    actor,
                    sender,
                    host,
                })
            };
        }
        if let Action::StaffCapSet {
            scope: CapScope::Posts { host, .. },
            ..
        }
        | Action::CapLifted {
            scope: CapScope::Posts { host, .. },
            ..
        } = *action
        {
            return if actor == host {
                Ok(())
            } else {
                Err(Reason::NotAHostOfPosts { actor, host })
            };
        }
        if let Action::RelationsBroken { with, .. }
        | Action::RelationsEstablished { with }
        | Action::ContactsFrozen { with }
        | Action::ChannelDesignated { with, .. } = *action
            && with == actor
        {
            return Err(Reason::SelfTarget { actor });
        }
        let Some(mission) = action.mission() else {
            return Ok(());
        };
        let d = world.mission(mission);
        match kind.info().issuer {
            super::event::Issuer::Sender if actor != d.sender => Err(Reason::NotSendingSide {
                actor,
                mission,
                sender: d.sender,
            }),
            super::event::Issuer::Receiver if actor != d.receiver => {
                Err(Reason::NotReceivingSide {
                    actor,
                    mission,
                    receiver: d.receiver,
                })
            }
            super::event::Issuer::Territory if actor != d.territory => {
                Err(Reason::NotTerritorialState {
                    actor,
                    mission,
                    territory: d.territory,
                })
            }
            _ => Ok(()),
        }
    }

    fn check_lifecycle(&self, mission: MissionId, kind: Kind) -> Result<(), Reason> {
        let l = self.mission(mission).lifecycle;
        match l {
            Lifecycle::Closed if !allowed_when_closed(kind) => {
                Err(Reason::MissionClosed { mission })
            }
            Lifecycle::Suspended if !allowed_when_suspended(kind) => {
                Err(Reason::MissionNotOperating {
                    mission,
                    status: lifecycle_name(l),
                })
            }
            Lifecycle::NotOpen
                if !matches!(
                    kind,
                    Kind::MissionOpened | Kind::StaffCapSet | Kind::PremisesSeized
                ) =>
            {
                Err(Reason::MissionNotOperating {
                    mission,
                    status: lifecycle_name(l),
                })
            }
            _ => Ok(()),
        }
    }

    /// The days on which pending measures will stop `mission` operating, with the lifecycle
    /// each leaves it in.
    fn pending_ends<'a>(
        &'a self,
        world: &'a World,
        mission: MissionId,
    ) -> impl Iterator<Item = (Day, Lifecycle)> + 'a {
        let d = world.mission(mission);
        self.pending.iter().filter_map(move |s| {
            let Effect::Measure(planned) = &s.effect else {
                return None;
            };
            match &planned.action {
                action if ends(action) && action.mission() == Some(mission) => {
                    let to = match action {
                        Action::MissionSuspended { .. } => Lifecycle::Suspended,
                        _ => Lifecycle::Closed,
                    };
                    Some((s.day, to))
                }
                Action::RelationsBroken { with, .. }
                    if d.kind != super::world::MissionKind::InterestsSection
                        && pair(s.actor, *with) == pair(d.sender, d.receiver) =>
                {
                    Some((s.day, Lifecycle::Closed))
                }
                _ => None,
            }
        })
    }

    pub(crate) fn check_measure(
        &self,
        world: &World,
        actor: ActorId,
        date: Day,
        m: &Measure,
    ) -> Result<(), Reason> {
        let eff = m.effective;
        if eff < date {
            return Err(Reason::EffectiveBeforeAnnounced {
                effective: eff,
                announced: date,
            });
        }
        let action = &m.action;
        let kind = action.kind();
        // Departures happen when recorded; requests, grants and denials take effect at once, so
        // that nothing scheduled can consume requests, persons or cap room meanwhile.
        if eff > date
            && matches!(
                kind,
                Kind::StaffDeparted
                    | Kind::AccreditationRequested
                    | Kind::AccreditationGranted
                    | Kind::AccreditationDenied
                    | Kind::StaffMoved
            )
        {
            return Err(Reason::DeferralNotAllowed { kind: kind.key() });
        }
        if eff > date && matches!(action, Action::MissionClosedMovingStaff { .. }) {
            return Err(Reason::DeferralNotAllowed {
                kind: "mission-closed with move_to",
            });
        }
        self.check_authority(world, actor, action)?;
        if let Some(mission) = action.mission() {
            if !matches!(action, Action::ChannelDesignated { .. }) {
                check_mission_kind(world, mission, kind)?;
            }
            self.check_lifecycle(mission, kind)?;
            // A measure due after the mission stops operating must be one a stopped mission
            // allows (a cap may still be set on a suspended mission, say).
            for (end, to) in self.pending_ends(world, mission) {
                let allowed = match to {
                    Lifecycle::Suspended => allowed_when_suspended(kind),
                    _ => allowed_when_closed(kind),
                };
                if end <= eff && !allowed {
                    return Err(Reason::MissionEndsFirst {
                        mission,
                        ends: end,
                        effective: eff,
                    });
                }
            }
        }
        match action {
            Action::AccreditationRequested { count, .. } => nonzero(*count),
            Action::AccreditationGranted { mission, who } => {
                self.check_relations(world, *mission)?;
                let ms = self.mission(*mission);
                let (n, added) = match who {
                    Who::Count { count, category } => {
                        nonzero(*count)?;
                        (*count, Staff::of(*category, *count))
                    }
                    Who::Named(ps) => {
                        for (i, p) in ps.iter().enumerate() {
                            if ps[..i].contains(p) {
                                return Err(Reason::PersonAlreadyAccredited {
                                    person: *p,
                                    mission: *mission,
                                });
                            }
                            if let Some(at) = self.person_at[p.index()] {
                                return Err(Reason::PersonAlreadyAccredited {
                                    person: *p,
                                    mission: at,
                                });
                            }
                        }
                        (ps.len() as u32, Staff::default())
                    }
                    Who::All => return Err(Reason::AllNotAllowed { kind: kind.key() }),
                };
                let persons: &[PersonId] = match who {
                    Who::Named(ps) => ps,
                    _ => &[],
                };
                if n > ms.requested {
                    return Err(Reason::CountExceedsRequests {
                        mission: *mission,
                        count: n,
                        pending: ms.requested,
                    });
                }
                let cats = || persons.iter().map(|p| world.person(*p).category);
                let added = |counts: Counts| counts.of_sent(&added, cats());
                self.within_caps(world, *mission, true, false, added)
            }
            Action::AccreditationDenied { mission, count } => {
                nonzero(*count)?;
                let pending = self.mission(*mission).requested;
                if *count > pending {
                    return Err(Reason::CountExceedsRequests {
                        mission: *mission,
                        count: *count,
                        pending,
                    });
                }
                Ok(())
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
                if kind == Kind::DepartureRequired
                    && world.actor(world.mission(*mission).receiver).kind
                        != super::world::ActorKind::Organisation
                {
                    return Err(Reason::NotAMissionToAnOrganisation { mission: *mission });
                }
                if *depart_by < eff {
                    return Err(Reason::DeadlineBeforeEffective {
                        deadline: *depart_by,
                        effective: eff,
                    });
                }
                if matches!(who, Who::All) && kind == Kind::AccreditationWithdrawn {
                    return Ok(());
                }
                self.check_in_post(*mission, who, kind)
            }
            Action::StaffRecalled { mission, who } => self.check_in_post(*mission, who, kind),
            Action::StaffDeparted { mission, who } => {
                let ms = self.mission(*mission);
                // Staff in post above a cap in force may leave before its compliance date.
                let over = self.above_cap(world, *mission);
                match who {
                    Who::Count { count, .. } => {
                        nonzero(*count)?;
                        let leaving: u32 = ms.leaving.iter().map(|l| l.staff.total()).sum();
                        let free = free_staff(&ms.in_post, &ms.reserved).total();
                        let leaving = leaving + over.min(free);
                        if *count > leaving {
                            return Err(Reason::CountExceedsLeaving {
                                mission: *mission,
                                count: *count,
                                leaving,
                            });
                        }
                    }
                    Who::Named(ps) => {
                        let mut in_post = 0;
                        for (i, p) in ps.iter().enumerate() {
                            let due = ms.leaving.iter().any(|l| l.persons.contains(p));
                            let free = over > 0
                                && ms.members.contains(p)
                                && !ms.reserved_members.contains(p);
                            if ps[..i].contains(p) || !(due || free) {
                                return Err(Reason::PersonNotMember {
                                    person: *p,
                                    mission: *mission,
                                });
                            }
                            in_post += u32::from(!due);
                        }
                        if in_post > over {
                            let leaving = ps.len() as u32 - in_post + over;
                            return Err(Reason::CountExceedsLeaving {
                                mission: *mission,
                                count: ps.len() as u32,
                                leaving,
                            });
                        }
                    }
                    Who::All => {
                        if ms.leaving_count() == 0 {
                            return Err(Reason::CountExceedsLeaving {
                                mission: *mission,
                                count: 0,
                                leaving: 0,
                            });
                        }
                    }
                }
                Ok(())
            }
            Action::PostsAbolished { mission, count } => {
                nonzero(*count)?;
                let ms = self.mission(*mission);
                let vacant = ms.vacant - ms.reserved_vacant;
                if *count > vacant {
                    return Err(Reason::CountExceedsVacancies {
                        mission: *mission,
                        count: *count,
                        vacant,
                    });
                }
                Ok(())
            }
            Action::StaffCapSet {
                scope,
                limit,
                comply_by,
                counts,
            } => {
                if let Some(by) = comply_by
                    && *by < eff
                {
                    return Err(Reason::ComplianceBeforeEffective {
                        comply_by: *by,
                        effective: eff,
                    });
                }
                let headcount = self.covered_headcount(world, scope, *counts);
                let limit = match *limit {
                    Limit::Absolute(n) => n,
                    Limit::ReduceBy(n) => {
                        nonzero(n)?;
                        if n > headcount {
                            return Err(Reason::ReductionExceedsStaff {
                                scope: *scope,
                                reduce_by: n,
                                headcount,
                            });
                        }
                        headcount - n
                    }
                };
                if limit < headcount && comply_by.is_none() {
                    return Err(Reason::ComplianceDateMissing {
                        scope: *scope,
                        limit,
                        headcount,
                    });
                }
                Ok(())
            }
            Action::CapLifted { scope, counts } => {
                if self.cap(*scope, *counts).is_some() {
                    Ok(())
                } else {
                    Err(Reason::NoCapInForce { scope: *scope })
                }
            }
            Action::LocalStaffHired { mission, count } => {
                nonzero(*count)?;
                self.within_caps(world, *mission, true, true, |_| *count)
            }
            Action::LocalStaffDismissed { mission, count } => {
                nonzero(*count)?;
                let employed = self.mission(*mission).local;
                if *count > employed {
                    return Err(Reason::LocalStaffExceeded {
                        mission: *mission,
                        count: *count,
                        employed,
                    });
                }
                Ok(())
            }
            Action::MissionOpened { mission } => {
                let ms = self.mission(*mission);
                if ms.lifecycle != Lifecycle::NotOpen {
                    return Err(Reason::AlreadyInStatus {
                        mission: *mission,
                        status: lifecycle_name(ms.lifecycle),
                    });
                }
                self.check_relations(world, *mission)
            }
            Action::StaffMoved { from, to, who } => {
                self.check_in_post(*from, who, kind)?;
                let ms = self.mission(*from);
                let (staff, persons): (Staff, &[PersonId]) = match who {
                    // The staff that would move, as decide takes them.
                    Who::Count { count, category } => (
                        take_staff(&free_staff(&ms.in_post, &ms.reserved), *count, *category)
                            .unwrap_or_default(),
                        &[],
                    ),
                    Who::Named(ps) => (Staff::default(), ps),
                    Who::All => (Staff::default(), &[]),
                };
                self.check_move(world, *from, *to, &staff, persons)
            }
            Action::MissionClosedMovingStaff { mission, to } => {
                if self.mission(*mission).lifecycle == Lifecycle::Closed {
                    return Err(Reason::AlreadyInStatus {
                        mission: *mission,
                        status: lifecycle_name(Lifecycle::Closed),
                    });
                }
                let ms = self.mission(*mission);
                self.check_move(world, *mission, *to, &ms.in_post, &ms.members)
            }
            Action::MissionSuspended { mission } | Action::MissionClosed { mission } => {
                let l = self.mission(*mission).lifecycle;
                let target = if kind == Kind::MissionSuspended {
                    Lifecycle::Suspended
                } else {
                    Lifecycle::Closed
                };
                if l == target {
                    return Err(Reason::AlreadyInStatus {
                        mission: *mission,
                        status: lifecycle_name(l),
                    });
                }
                Ok(())
            }
            Action::MissionReopened { mission } => {
                let ms = self.mission(*mission);
                if !matches!(ms.lifecycle, Lifecycle::Suspended | Lifecycle::Closed) {
                    return Err(Reason::AlreadyInStatus {
                        mission: *mission,
                        status: lifecycle_name(ms.lifecycle),
                    });
                }
                if ms.consent_withdrawn {
                    return Err(Reason::ConsentWithdrawn { mission: *mission });
                }
                self.check_relations(world, *mission)
            }
            Action::ConsentWithdrawn { depart_by, .. } => {
                if *depart_by < eff {
                    return Err(Reason::DeadlineBeforeEffective {
                        deadline: *depart_by,
                        effective: eff,
                    });
                }
                Ok(())
            }
            Action::ConsentGranted { mission } => {
                if !self.mission(*mission).consent_withdrawn {
                    return Err(Reason::ConsentNotWithdrawn { mission: *mission });
                }
                Ok(())
            }
            Action::RelationsBroken { with, depart_by } => {
                if let Some(deadline) = *depart_by
                    && deadline < eff
                {
                    return Err(Reason::DeadlineBeforeEffective {
                        deadline,
                        effective: eff,
                    });
                }
                if self.relations_broken(actor, *with) {
                    return Err(Reason::RelationsAlreadySo {
                        a: actor,
                        b: *with,
                        state: "broken",
                    });
                }
                Ok(())
            }
            Action::RelationsEstablished { with } => match self.relation(actor, *with) {
                Some(_) => Ok(()),
                None => Err(Reason::RelationsAlreadySo {
                    a: actor,
                    b: *with,
                    state: "normal",
                }),
            },
            Action::ContactsFrozen { with } => match self.relation(actor, *with) {
                Some(r) if r.broken => Err(Reason::RelationsAlreadySo {
                    a: actor,
                    b: *with,
                    state: "broken",
                }),
                Some(r) if r.contacts_frozen => Err(Reason::RelationsAlreadySo {
                    a: actor,
                    b: *with,
                    state: "frozen",
                }),
                _ => Ok(()),
            },
            Action::PremisesSeized { mission } => {
                match self.mission(*mission).premises {
                    super::state::Premises::Seized => Err(Reason::AlreadyInStatus {
                        mission: *mission,
                        status: "seized",
                    }),
                    super::state::Premises::Protected => Ok(()),
                    // Premises in use are inviolable (VCDR 22); only those of a mission that
                    // will have stopped operating by then can be seized.
                    super::state::Premises::InUse => {
                        if self
                            .pending_ends(world, *mission)
                            .any(|(end, _)| end <= eff)
                        {
                            Ok(())
                        } else {
                            Err(Reason::PremisesInUse { mission: *mission })
                        }
                    }
                }
            }
            Action::RemovalFromPosts {
                sender,
                host,
                removal,
                count,
                category,
            } => {
                if eff > date {
                    return Err(Reason::PostsRemovalDeferred { kind: kind.key() });
                }
                if let Some(deadline) = removal.depart_by()
                    && deadline < eff
                {
                    return Err(Reason::DeadlineBeforeEffective {
                        deadline,
                        effective: eff,
                    });
                }
                nonzero(*count)?;
                let available: u32 = self
                    .removable_at_posts(world, *sender, *host, *category)
                    .map(|(_, n)| n)
                    .sum();
                if *count > available {
                    return Err(Reason::CountExceedsStaffOfPosts {
                        sender: *sender,
                        host: *host,
                        count: *count,
                        available,
                    });
                }
                Ok(())
            }
            Action::ChannelDesignated { with, via } => {
                let d = world.mission(*via);
                let parties = [actor, *with];
                if !parties.contains(&d.sender) && !parties.contains(&d.receiver) {
                    return Err(Reason::NotAParty {
                        actor,
                        with: *with,
                        via: Some(*via),
                    });
                }
                Ok(())
            }
        }
    }

    /// Staff added at mission `m` (`added`: how many of them a cap counting these counts; sent
    /// staff, or with `local` locally employed staff) stay within every binding cap (see
    /// [`Self::binding_limits`]).
    fn within_caps(
        &self,
        world: &World,
        m: MissionId,
        in_compliance: bool,
        local: bool,
        added: impl Fn(Counts) -> u32,
    ) -> Result<(), Reason> {
        self.within_caps_where(world, m, in_compliance, local, added, |_| true)
    }

    /// [`Self::within_caps`] over the caps whose scope `applies`.
    fn within_caps_where(
        &self,
        world: &World,
        m: MissionId,
        in_compliance: bool,
        local: bool,
        added: impl Fn(Counts) -> u32,
        applies: impl Fn(&CapScope) -> bool,
    ) -> Result<(), Reason> {
        for (scope, counts, limit) in self.binding_limits(world, m, in_compliance, local) {
            let n = added(counts);
            if n == 0 || !applies(&scope) {
                continue;
            }
            let would_be = self.covered_headcount(world, &scope, counts) + n;
            if would_be > limit {
                return Err(if local {
                    Reason::LocalCapExceeded {
                        scope,
                        counts,
                        limit,
                        would_be,
                    }
                } else {
                    Reason::CapExceeded {
                        scope,
                        counts,
                        limit,
                        would_be,
                    }
                });
            }
        }
        Ok(())
    }

    /// The limits staff at mission `m` must stay within: caps in force (with `in_compliance`,
    /// also those still within their compliance period), and caps announced for later without
    /// a compliance date, which will give no time to shed an excess. Those that count staff
    /// sent, or with `local` those that count locally employed staff.
    fn binding_limits(
        &self,
        world: &World,
        m: MissionId,
        in_compliance: bool,
        local: bool,
    ) -> Vec<(CapScope, Counts, u32)> {
        let counted = |c: Counts| if local { c.local() } else { c.sent() };
        let mut out: Vec<(CapScope, Counts, u32)> = self
            .caps_on(world, m)
            .filter(|c| counted(c.counts) && (in_compliance || c.comply_by.is_none()))
            .map(|c| (c.scope, c.counts, c.limit))
            .collect();
        for s in &self.pending {
            if let Effect::Measure(planned) = &s.effect
                && let Action::StaffCapSet {
                    scope,
                    limit: Limit::Absolute(limit),
                    comply_by: None,
                    counts,
                } = &planned.action
                && counted(*counts)
                && State::covers(world, scope, m)
            {
                out.push((*scope, *counts, *limit));
            }
        }
        out
    }

    /// The operating posts of `sender` in `host`, each with how many anonymous staff of
    /// `category` a removal can take there (staff of the category and unspecified, or any for
    /// unspecified; not those set aside), in declaration order.
    pub(crate) fn removable_at_posts<'a>(
        &'a self,
        world: &'a World,
        sender: ActorId,
        host: ActorId,
        category: Category,
    ) -> impl Iterator<Item = (MissionId, u32)> + 'a {
        let scope = CapScope::Posts { sender, host };
        world
            .mission_ids()
            .filter(move |&m| State::covers(world, &scope, m) && self.mission(m).operating())
            .map(move |m| {
                let ms = self.mission(m);
                let free = free_staff(&ms.in_post, &ms.reserved);
                let n = if category == Category::Unspecified {
                    free.total()
                } else {
                    free.get(category) + free.get(Category::Unspecified)
                };
                (m, n)
            })
    }

    /// Anonymous `staff` and named `persons` of `from` may move to `to`: another operating post
    /// of the same sender in the same host, with room under the caps on it that do not also
    /// cover `from` (R5).
    fn check_move(
        &self,
        world: &World,
        from: MissionId,
        to: MissionId,
        staff: &Staff,
        persons: &[PersonId],
    ) -> Result<(), Reason> {
        let (a, b) = (world.mission(from), world.mission(to));
        if from == to || a.sender != b.sender || a.receiver != b.receiver {
            return Err(Reason::NotSamePosts { from, to });
        }
        check_mission_kind(world, to, Kind::StaffMoved)?;
        self.check_lifecycle(to, Kind::StaffMoved)?;
        // Caps that also cover `from` count the moving staff already.
        let moving = |counts: Counts| {
            counts.of_sent(staff, persons.iter().map(|p| world.person(*p).category))
        };
        let beside = |scope: &CapScope| !State::covers(world, scope, from);
        self.within_caps_where(world, to, true, false, moving, beside)?;
        Ok(())
    }

    /// How many staff in post at mission `m` are above a cap in force covering it (the largest
    /// excess, over the caps on the mission and on all posts of its sender in its host).
    pub(crate) fn above_cap(&self, world: &World, m: MissionId) -> u32 {
        if !self.mission(m).operating() {
            return 0;
        }
        self.caps_on(world, m)
            .filter(|c| c.counts.whole())
            .map(|c| {
                self.covered_headcount(world, &c.scope, c.counts)
                    .saturating_sub(c.limit)
            })
            .max()
            .unwrap_or(0)
    }

    /// How many posts (staff in post and vacant posts) at or covered with mission `m` are above
    /// a cap in force covering it.
    pub(crate) fn posts_above_cap(&self, world: &World, m: MissionId) -> u32 {
        self.caps_on(world, m)
            .filter(|c| c.counts.whole())
            .map(|c| {
                let vacant: u32 = world
                    .mission_ids()
                    .filter(|&x| State::covers(world, &c.scope, x) && self.mission(x).operating())
                    .map(|x| self.mission(x).vacant)
                    .sum();
                (self.covered_headcount(world, &c.scope, c.counts) + vacant).saturating_sub(c.limit)
            })
            .max()
            .unwrap_or(0)
    }

    /// R1: no mission opens, reopens or gains staff while relations are broken, except an
    /// interests section, which exists for exactly that time (R9, R10).
    fn check_relations(&self, world: &World, mission: MissionId) -> Result<(), Reason> {
        let d = world.mission(mission);
        if d.kind != super::world::MissionKind::InterestsSection
            && self.relations_broken(d.sender, d.receiver)
        {
            return Err(Reason::RelationsBroken {
                a: d.sender,
                b: d.receiver,
            });
        }
        Ok(())
    }

    /// Staff a removal names must be in post and not already set aside by a pending measure.
    fn check_in_post(&self, mission: MissionId, who: &Who, kind: Kind) -> Result<(), Reason> {
        let ms = self.mission(mission);
        match who {
            Who::Count { count, category } => {
                nonzero(*count)?;
                let free = free_staff(&ms.in_post, &ms.reserved);
                if take_staff(&free, *count, *category).is_none() {
                    let available = if *category == Category::Unspecified {
                        free.total()
                    } else {
                        free.get(*category) + free.get(Category::Unspecified)
                    };
                    return Err(Reason::CountExceedsStaff {
                        mission,
                        count: *count,
                        available,
                    });
                }
                Ok(())
            }
            Who::Named(ps) => {
                for (i, p) in ps.iter().enumerate() {
                    if !ms.members.contains(p)
                        || ms.reserved_members.contains(p)
                        || ps[..i].contains(p)
                    {
                        return Err(Reason::PersonNotMember {
                            person: *p,
                            mission,
                        });
                    }
                }
                Ok(())
            }
            Who::All => Err(Reason::AllNotAllowed { kind: kind.key() }),
        }
    }
}

/// The restrictions of [`MISSION_KIND_RULES`] that depend on the kind of mission alone.
fn check_mission_kind(world: &World, mission: MissionId, kind: Kind) -> Result<(), Reason> {
    let mk = world.mission(mission).kind;
    if kind == Kind::ConsentWithdrawn && !consent_withdrawable(mk) {
        return Err(Reason::ConsentNotWithdrawable {
            mission,
            kind: mk.key(),
        });
    }
    if mk == MissionKind::Property && needs_staff(kind) {
        return Err(Reason::NoStaffAtProperty { mission });
    }
    Ok(())
}

fn nonzero(n: u32) -> Result<(), Reason> {
    if n == 0 {
        Err(Reason::ZeroCount)
    } else {
        Ok(())
    }
}
