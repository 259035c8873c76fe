//! The decide step: a command in, facts out.
//!
//! [`State::decide_apply`] checks a command against the state as of its date (after
//! [`State::advance`] to it) with the rules of [`super::rules`] and, if it is accepted,
//! resolves what it does into [`Fact`]s, making every choice: which categories and how many
//! staff leave, the number a "cut by N" cap becomes, how many vacant posts a cap abolishes, which
//! pending measures a mission that stops operating supersedes, what a cancellation removes.
//! Each fact is applied as soon as it is resolved, so the next one is resolved against the
//! state the ones before it left, exactly as a replay of the stored facts will see it. A
//! rejected command leaves the state and the facts as they were.

use super::day::Day;
use super::event::{Action, Body, CapScope, Category, Event, Limit, Measure, Removal, Staff, Who};
use super::fact::Fact;
use super::reject::Reason;
use super::rules::{allowed_when_closed, allowed_when_suspended};
use super::state::{Effect, Lifecycle, Planned, State, free_staff, pair, take_staff};
use super::world::{ActorId, MissionId, PersonId, Seq, World};

/// Where a measure is carried out: the day, the event that caused it (and the measure's
/// position in it), and that event's actor.
#[derive(Clone, Copy, Debug)]
pub(crate) struct At {
    pub day: Day,
    pub cause: Seq,
    pub index: u32,
    pub actor: ActorId,
}

/// The missions enacting `action` (announced by `actor`) may change: its mission, the missions a
/// cap scope covers, and for measures between two actors every mission either sends to or
/// hosts for the other. A superset is fine; a mission missing here would be a defect, which
/// [`State::decide_apply`] catches in debug builds.
fn touched(world: &World, actor: ActorId, action: &Action, out: &mut Vec<MissionId>) {
    let pair_of = |with: ActorId, out: &mut Vec<MissionId>| {
        for (i, d) in world.missions.iter().enumerate() {
            let sides = [d.sender, d.receiver, d.territory];
            if sides.contains(&actor) && sides.contains(&with) {
                out.push(MissionId(i as u32));
            }
        }
    };
    match *action {
        Action::StaffCapSet { scope, .. } | Action::CapLifted { scope, .. } => {
            for m in world.mission_ids() {
                if State::covers(world, &scope, m) {
                    out.push(m);
                }
            }
        }
        Action::StaffMoved { to, .. } | Action::MissionClosedMovingStaff { to, .. } => out.push(to),
        Action::RemovalFromPosts { sender, host, .. } => {
            let scope = CapScope::Posts { sender, host };
            for m in world.mission_ids() {
                if State::covers(world, &scope, m) {
                    out.push(m);
                }
            }
        }
        Action::RelationsBroken { with, .. }
        | Action::RelationsEstablished { with }
        | Action::ContactsFrozen { with }
        | Action::ChannelDesignated { with, .. } => pair_of(with, out),
        _ => {}
    }
    if let Some(m) = action.mission() {
        out.push(m);
    }
}

/// What a transaction over several measures saves to put back if one of them is rejected.
struct Saved {
    missions: Vec<(MissionId, super::state::MissionState)>,
    person_at: Vec<Option<MissionId>>,
    caps: Vec<super::state::Cap>,
    relations: Vec<super::state::Relation>,
    designated: Vec<super::state::Designated>,
    pending: Vec<super::state::Scheduled>,
    proposals: Vec<super::state::Proposal>,
}

/// The measures that take effect only once the side whose staff they remove is notified (R6;
/// VCDR 9 and 10, VCCR 23 and 25): persona non grata, accreditation withdrawn, departure
/// required and consent withdrawn.
pub const NOTIFICATION_RULE: &str = "persona-non-grata, accreditation-withdrawn, departure-required and consent-withdrawn remove the other side's staff only once it is notified (R6): when `notified` is later than `effective`, the measure takes effect on the day notified (and is scheduled for it), and a `depart_by` before that day becomes that day; other measures, and events with no `notified`, take effect on `effective`";

/// How a removal over all posts of a sender in a host is allocated to posts.
pub const POSTS_ALLOCATION_RULE: &str = "a persona-non-grata, accreditation-withdrawn or staff-recalled given with `sender` and `host` instead of `mission` (a count and category, no split by post reported) is allocated when it takes effect: the operating post with the most staff it can take (anonymous staff of the category and unspecified, not set aside by a pending measure) gives as many as it has, then the next; ties go to the post declared first; each post's share is its own fact, with its own departure deadline; it cannot be scheduled for later (E045)";

/// `m` as R6 has it take effect, given the day its event was notified: a removal of the other
/// side's staff effective before the notification takes effect on it, and its departure
/// deadline (when it was not before the measure as written, which the rules refuse) is never
/// before that day.
fn on_notification(m: &Measure, notified: Option<Day>) -> Measure {
    let Some(day) = notified.filter(|&d| d > m.effective) else {
        return m.clone();
    };
    let written = m.effective;
    let mut out = Measure {
        effective: day,
        action: m.action.clone(),
    };
    match &mut out.action {
        Action::PersonaNonGrata { depart_by, .. }
        | Action::AccreditationWithdrawn { depart_by, .. }
        | Action::DepartureRequired { depart_by, .. }
        | Action::ConsentWithdrawn { depart_by, .. }
        | Action::RemovalFromPosts {
            removal:
                Removal::PersonaNonGrata { depart_by } | Removal::AccreditationWithdrawn { depart_by },
            ..
        } => {
            if *depart_by >= written {
                *depart_by = (*depart_by).max(day);
            }
        }
        _ => return m.clone(),
    }
    out
}

impl State {
    /// Decides `event` against this state (after [`State::advance`] to its date) without
    /// changing it: the facts it causes, or why it is rejected.
    pub fn decide(&self, world: &World, event: &Event) -> Result<Vec<Fact>, Reason> {
        let mut scratch = self.clone();
        let mut facts = Vec::new();
        scratch.decide_apply(world, event, &mut facts)?;
        Ok(facts)
    }

    /// Decides `event` and applies it: on acceptance the command takes the next sequence
    /// (returned), its facts are appended to `out` and already applied; on rejection the state
    /// and `out` are unchanged. Call after [`State::advance`] to the event's date.
    pub fn decide_apply(
        &mut self,
        world: &World,
        event: &Event,
        out: &mut Vec<Fact>,
    ) -> Result<Seq, Reason> {
        self.check_command(world, event)?;
        let (date, actor) = (event.date, event.actor);
        let at = |seq: Seq| At {
            day: date,
            cause: seq,
            index: 0,
            actor,
        };
        match &event.body {
            Body::Measures { measures, .. } if event.proposed => {
                let seq = self.accept(date);
                let held = Fact::ProposalHeld {
                    actor,
                    measures: measures.clone().into_boxed_slice(),
                };
                self.emit(&at(seq), held, out);
                Ok(seq)
            }
            Body::Measures { measures, .. } => self.transact(world, event, out, |s, out| {
                let seq = s.accept(date);
                s.enact(world, event, seq, measures, out)?;
                Ok(seq)
            }),
            Body::ProposalAdopted { proposal } => {
                let measures: Vec<Measure> = self
                    .proposals
                    .iter()
                    .find(|p| p.seq == *proposal)
                    .expect("checked: the proposal is held")
                    .measures
                    .iter()
                    .map(|m| Measure {
                        effective: m.effective.max(date),
                        ..m.clone()
                    })
                    .collect();
                self.transact(world, event, out, |s, out| {
                    let seq = s.accept(date);
                    s.emit(&at(seq), Fact::ProposalDropped { seq: *proposal }, out);
                    // Scheduled under the adoption, not the proposal: adopted measures run
                    // after those announced before the adoption, and are cancelled by naming it.
                    s.enact(world, event, seq, &measures, out)?;
                    Ok(seq)
                })
            }
            Body::MeasuresCancelled { of: events, how } => {
                // One cancellation per event named, in the order named.
                let seq = self.accept(date);
                for &of in events {
                    let mut n = 0;
                    if let Some(p) = self.proposals.iter().find(|p| p.seq == of) {
                        n += p.measures.len() as u32;
                        self.emit(&at(seq), Fact::ProposalDropped { seq: of }, out);
                    }
                    let queued: Vec<(Day, Seq, u32)> = self
                        .pending
                        .iter()
                        .filter(|s| s.cause == of && matches!(s.effect, Effect::Measure(_)))
                        .map(|s| (s.day, s.cause, s.index))
                        .collect();
                    for (day, cause, index) in queued {
                        n += 1;
                        self.emit(&at(seq), Fact::Unscheduled { day, cause, index }, out);
                    }
                    let cancelled = Fact::Cancelled {
                        of,
                        measures: n,
                        how: *how,
                    };
                    self.emit(&at(seq), cancelled, out);
                }
                Ok(seq)
            }
            Body::StaffReported {
                mission,
                in_post,
                vacant,
            } => {
                let seq = self.accept(date);
                let reported = Fact::StaffReported {
                    mission: *mission,
                    in_post: *in_post,
                    vacant: *vacant,
                };
                self.emit(&at(seq), reported, out);
                Ok(seq)
            }
            Body::Signal { .. } => {
                let seq = self.accept(date);
                self.emit(&at(seq), Fact::Recorded, out);
                Ok(seq)
            }
        }
    }

    /// Runs `f`, which accepts the command and enacts its measures; if one of them is
    /// rejected, puts back everything they changed. A single measure is checked before it
    /// changes anything, so only the clock and the count need saving for it.
    fn transact(
        &mut self,
        world: &World,
        event: &Event,
        out: &mut Vec<Fact>,
        f: impl FnOnce(&mut State, &mut Vec<Fact>) -> Result<Seq, Reason>,
    ) -> Result<Seq, Reason> {
        let single = matches!(&event.body, Body::Measures { measures, .. } if measures.len() == 1);
        let (clock, events, len) = (self.clock, self.events, out.len());
        #[cfg(debug_assertions)]
        let before = self.clone();
        let saved = (!single).then(|| self.save(world, event));
        let result = f(self, out);
        if result.is_err() {
            out.truncate(len);
            if let Some(saved) = saved {
                self.restore(saved);
            }
            (self.clock, self.events) = (clock, events);
            #[cfg(debug_assertions)]
            assert!(*self == before, "a rejected command left the state changed");
        }
        result
    }

    fn save(&self, world: &World, event: &Event) -> Saved {
        let mut ids = Vec::new();
        let measures: &[Measure] = match &event.body {
            Body::Measures { measures, .. } => measures,
            Body::ProposalAdopted { proposal } => self
                .proposals
                .iter()
                .find(|p| p.seq == *proposal)
                .map_or(&[], |p| &p.measures),
            _ => &[],
        };
        for m in measures {
            touched(world, event.actor, &m.action, &mut ids);
        }
        ids.sort();
        ids.dedup();
        Saved {
            missions: ids
                .iter()
                .map(|&m| (m, self.missions[m.index()].clone()))
                .collect(),
            person_at: self.person_at.clone(),
            caps: self.caps.clone(),
            relations: self.relations.clone(),
            designated: self.designated.clone(),
            pending: self.pending.clone(),
            proposals: self.proposals.clone(),
        }
    }

    fn restore(&mut self, saved: Saved) {
        for (m, ms) in saved.missions {
            self.missions[m.index()] = ms;
        }
        self.person_at = saved.person_at;
        self.caps = saved.caps;
        self.relations = saved.relations;
        self.designated = saved.designated;
        self.pending = saved.pending;
        self.proposals = saved.proposals;
    }

    /// Applies `fact` now and records it.
    pub(crate) fn emit(&mut self, at: &At, fact: Fact, out: &mut Vec<Fact>) {
        self.apply(at.day, at.cause, &fact);
        out.push(fact);
    }

    /// Checks each measure against what the ones before it left, then carries it out today or
    /// queues it (setting aside what it will remove).
    fn enact(
        &mut self,
        world: &World,
        event: &Event,
        seq: Seq,
        measures: &[Measure],
        out: &mut Vec<Fact>,
    ) -> Result<(), Reason> {
        let (date, actor) = (event.date, event.actor);
        for (i, m) in measures.iter().enumerate() {
            let m = &on_notification(m, event.notified);
            self.check_measure(world, actor, date, m)?;
            let at = At {
                day: date,
                cause: seq,
                index: i as u32,
                actor,
            };
            let action = self.resolve(world, &m.action);
            if m.effective <= date {
                self.act(world, &at, &action, out);
            } else {
                let reserved = self.set_aside(&action);
                let effect = Effect::Measure(Box::new(Planned { action, reserved }));
                let scheduled = Fact::Scheduled {
                    day: m.effective,
                    index: at.index,
                    actor,
                    effect,
                };
                self.emit(&at, scheduled, out);
            }
        }
        Ok(())
    }

    /// A cap given as a cut becomes a number, against the staff in post when announced.
    fn resolve(&self, world: &World, action: &Action) -> Action {
        match *action {
            Action::StaffCapSet {
                scope,
                limit: Limit::ReduceBy(n),
                comply_by,
                counts,
            } => Action::StaffCapSet {
                scope,
                limit: Limit::Absolute(
                    self.covered_headcount(world, &scope, counts)
                        .saturating_sub(n),
                ),
                comply_by,
                counts,
            },
            _ => action.clone(),
        }
    }

    /// The anonymous staff a deferred removal will take: chosen now, from staff nothing else
    /// has set aside.
    fn set_aside(&self, action: &Action) -> Staff {
        match super::state::removal(action) {
            Some((mission, Who::Count { count, category })) => {
                let ms = self.mission(mission);
                take_staff(&free_staff(&ms.in_post, &ms.reserved), *count, *category)
                    .expect("checked: enough staff")
            }
            _ => Staff::default(),
        }
    }

    /// Carries out one measure now, as facts.
    pub(crate) fn act(&mut self, world: &World, at: &At, action: &Action, out: &mut Vec<Fact>) {
        match action {
            Action::AccreditationRequested { mission, count } => {
                let f = Fact::Requested {
                    mission: *mission,
                    count: *count,
                };
                self.emit(at, f, out);
            }
            Action::AccreditationGranted { mission, who } => match who {
                Who::Count { count, category } => {
                    let ms = self.mission(*mission);
                    let filled = (*count).min(ms.vacant - ms.reserved_vacant);
                    let f = Fact::Granted {
                        mission: *mission,
                        staff: Staff::of(*category, *count),
                        filled,
                    };
                    self.emit(at, f, out);
                }
                Who::Named(ps) => {
                    for &person in ps {
                        // Vacant posts are filled first, but not those a pending abolition
                        // has set aside.
                        let ms = self.mission(*mission);
                        let filled = ms.vacant > ms.reserved_vacant;
                        let f = Fact::MemberGranted {
                            mission: *mission,
                            person,
                            filled,
                        };
                        self.emit(at, f, out);
                    }
                }
                Who::All => unreachable!("checked: grants name a count"),
            },
            Action::AccreditationDenied { mission, count } => {
                let f = Fact::Denied {
                    mission: *mission,
                    count: *count,
                };
                self.emit(at, f, out);
            }
            Action::AccreditationWithdrawn {
                mission,
                who: Who::All,
                depart_by,
            }
            | Action::ConsentWithdrawn { mission, depart_by } => {
                self.end_mission(at, *mission, Lifecycle::Closed, Some(*depart_by), None, out);
                self.emit(at, Fact::ConsentWithdrawn { mission: *mission }, out);
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
                match who {
                    Who::Count { count, category } => {
                        let ms = self.mission(*mission);
                        let staff =
                            take_staff(&free_staff(&ms.in_post, &ms.reserved), *count, *category)
                                .expect("checked: enough staff");
                        let f = Fact::ToLeave {
                            mission: *mission,
                            staff,
                            deadline: *depart_by,
                        };
                        self.emit(at, f, out);
                    }
                    Who::Named(ps) => {
                        for &person in ps {
                            let f = Fact::MemberToLeave {
                                mission: *mission,
                                person,
                                deadline: *depart_by,
                            };
                            self.emit(at, f, out);
                        }
                    }
                    Who::All => unreachable!("checked: only a withdrawal names everyone"),
                }
                let lapse = Fact::Scheduled {
                    day: depart_by.next(),
                    index: at.index,
                    actor: at.actor,
                    effect: Effect::Lapse { mission: *mission },
                };
                self.emit(at, lapse, out);
            }
            Action::StaffRecalled { mission, who } => {
                let n = match who {
                    Who::Count { count, category } => {
                        let ms = self.mission(*mission);
                        let staff =
                            take_staff(&free_staff(&ms.in_post, &ms.reserved), *count, *category)
                                .expect("checked: enough staff");
                        let f = Fact::Recalled {
                            mission: *mission,
                            staff,
                        };
                        self.emit(at, f, out);
                        *count
                    }
                    Who::Named(ps) => {
                        for &person in ps {
                            let f = Fact::MemberRecalled {
                                mission: *mission,
                                person,
                            };
                            self.emit(at, f, out);
                        }
                        ps.len() as u32
                    }
                    Who::All => unreachable!("checked: recalls name staff"),
                };
                self.abolish_above_cap(world, at, *mission, n, out);
            }
            Action::StaffDeparted { mission, who } => {
                // Staff due to leave go earliest deadline first; each batch gives what it can
                // of the category named, else of any.
                // Then, beyond those due to leave, staff in post above a cap in force go, with
                // their posts (the category named, else any).
                let mut facts = Vec::new();
                let ms = self.mission(*mission);
                match who {
                    Who::Count { count, category } => {
                        let mut left = *count;
                        for l in &ms.leaving {
                            let n = left.min(l.staff.total());
                            if n == 0 {
                                continue;
                            }
                            if let Some(staff) = take_staff(&l.staff, n, *category)
                                .or_else(|| take_staff(&l.staff, n, super::Category::Unspecified))
                            {
                                facts.push(Fact::Departed {
                                    mission: *mission,
                                    deadline: l.deadline,
                                    batch: l.cause,
                                    staff,
                                });
                                left -= n;
                            }
                        }
                        if left > 0 {
                            let free = free_staff(&ms.in_post, &ms.reserved);
                            let staff = take_staff(&free, left, *category)
                                .or_else(|| take_staff(&free, left, super::Category::Unspecified))
                                .expect("checked: enough staff above the cap");
                            facts.push(Fact::DepartedForCap {
                                mission: *mission,
                                staff,
                            });
                        }
                    }
                    Who::Named(ps) => {
                        for &person in ps {
                            let due = ms.leaving.iter().any(|l| l.persons.contains(&person));
                            facts.push(if due {
                                Fact::MemberDeparted {
                                    mission: *mission,
                                    person,
                                }
                            } else {
                                Fact::MemberDepartedForCap {
                                    mission: *mission,
                                    person,
                                }
                            });
                        }
                    }
                    Who::All => {
                        for l in &ms.leaving {
                            if l.staff.total() > 0 {
                                facts.push(Fact::Departed {
                                    mission: *mission,
                                    deadline: l.deadline,
                                    batch: l.cause,
                                    staff: l.staff,
                                });
                            }
                            for &person in &l.persons {
                                facts.push(Fact::MemberDeparted {
                                    mission: *mission,
                                    person,
                                });
                            }
                        }
                    }
                }
                for f in facts {
                    self.emit(at, f, out);
                }
            }
            Action::PostsAbolished { mission, count } => {
                let f = Fact::PostsAbolished {
                    mission: *mission,
                    count: *count,
                };
                self.emit(at, f, out);
            }
            Action::StaffCapSet {
                scope,
                limit,
                comply_by,
                counts,
            } => {
                let Limit::Absolute(limit) = *limit else {
                    unreachable!("resolved when announced")
                };
                let counts = *counts;
                let headcount = self.covered_headcount(world, scope, counts);
                // A cap announced without a compliance date was checked to fit when announced,
                // and grants since were checked against it; the fallback gives the excess one
                // day.
                debug_assert!(
                    headcount <= limit || comply_by.is_some(),
                    "deferred cap outrun"
                );
                let comply_by = (headcount > limit).then(|| comply_by.unwrap_or(at.day));
                if let CapScope::Mission(m) = scope
                    && counts.whole()
                {
                    // A vacant post above the cap cannot exist (a vacant post has no category:
                    // a cap on one category leaves them).
                    let ms = self.mission(*m);
                    let room = limit
                        .saturating_sub(self.counted(world, *m, counts))
                        .max(ms.reserved_vacant);
                    if ms.vacant > room {
                        let f = Fact::PostsAbolished {
                            mission: *m,
                            count: ms.vacant - room,
                        };
                        self.emit(at, f, out);
                    }
                }
                let set = Fact::CapSet {
                    scope: *scope,
                    counts,
                    limit,
                    comply_by,
                    set_by: at.actor,
                };
                self.emit(at, set, out);
                if let Some(by) = comply_by {
                    let f = Fact::Scheduled {
                        day: by.next(),
                        index: at.index,
                        actor: at.actor,
                        effect: Effect::Compliance {
                            scope: *scope,
                            counts,
                        },
                    };
                    self.emit(at, f, out);
                }
            }
            Action::CapLifted { scope, counts } => {
                let f = Fact::CapLifted {
                    scope: *scope,
                    counts: *counts,
                };
                self.emit(at, f, out)
            }
            Action::LocalStaffHired { mission, count } => {
                let f = Fact::LocalHired {
                    mission: *mission,
                    count: *count,
                };
                self.emit(at, f, out)
            }
            Action::LocalStaffDismissed { mission, count } => {
                let f = Fact::LocalDismissed {
                    mission: *mission,
                    count: *count,
                };
                self.emit(at, f, out)
            }
            Action::MissionOpened { mission } | Action::MissionReopened { mission } => {
                let from = self.mission(*mission).lifecycle;
                let f = Fact::Opened {
                    mission: *mission,
                    from,
                };
                self.emit(at, f, out);
            }
            Action::MissionSuspended { mission } => {
                self.end_mission(at, *mission, Lifecycle::Suspended, None, None, out)
            }
            Action::MissionClosed { mission } => {
                self.end_mission(at, *mission, Lifecycle::Closed, None, None, out)
            }
            Action::ConsentGranted { mission } => {
                self.emit(at, Fact::ConsentGranted { mission: *mission }, out)
            }
            Action::RelationsBroken { with, depart_by } => {
                let p = pair(at.actor, *with);
                self.emit(at, Fact::RelationsBroken { pair: p }, out);
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
                    self.end_mission(at, m, Lifecycle::Closed, *depart_by, None, out);
                }
            }
            Action::RelationsEstablished { with } => {
                let f = Fact::RelationsRestored {
                    pair: pair(at.actor, *with),
                };
                self.emit(at, f, out);
            }
            Action::ContactsFrozen { with } => {
                let f = Fact::ContactsFrozen {
                    pair: pair(at.actor, *with),
                };
                self.emit(at, f, out);
            }
            Action::PremisesSeized { mission } => {
                self.emit(at, Fact::PremisesSeized { mission: *mission }, out)
            }
            Action::ChannelDesignated { with, via } => {
                let f = Fact::ChannelDesignated {
                    pair: pair(at.actor, *with),
                    via: *via,
                };
                self.emit(at, f, out);
            }
            Action::StaffMoved { from, to, who } => {
                let (staff, members) = match who {
                    Who::Count { count, category } => {
                        let ms = self.mission(*from);
                        let staff =
                            take_staff(&free_staff(&ms.in_post, &ms.reserved), *count, *category)
                                .expect("checked: enough staff");
                        (staff, Vec::new())
                    }
                    Who::Named(ps) => (Staff::default(), ps.clone()),
                    Who::All => unreachable!("checked: moves name staff"),
                };
                self.move_staff(at, (*from, *to), staff, &members, out);
            }
            Action::MissionClosedMovingStaff { mission, to } => {
                self.end_mission(at, *mission, Lifecycle::Closed, None, Some(*to), out)
            }
            Action::RemovalFromPosts {
                sender,
                host,
                removal,
                count,
                category,
            } => self.remove_from_posts(
                world,
                at,
                (*sender, *host),
                *removal,
                *count,
                *category,
                out,
            ),
        }
    }

    /// Staff of `from` move to `to` with their posts, filling vacant posts there first (not
    /// those a pending abolition set aside).
    fn move_staff(
        &mut self,
        at: &At,
        (from, to): (MissionId, MissionId),
        staff: Staff,
        members: &[PersonId],
        out: &mut Vec<Fact>,
    ) {
        if staff.total() > 0 {
            let ms = self.mission(to);
            let filled = staff.total().min(ms.vacant - ms.reserved_vacant);
            let f = Fact::Moved {
                from,
                to,
                staff,
                filled,
            };
            self.emit(at, f, out);
        }
        for &person in members {
            let ms = self.mission(to);
            let f = Fact::MemberMoved {
                from,
                to,
                person,
                filled: ms.vacant > ms.reserved_vacant,
            };
            self.emit(at, f, out);
        }
    }

    /// Allocates a removal over all posts of a sender in a host (see
    /// [`POSTS_ALLOCATION_RULE`]) and carries out each post's share as that post's measure.
    #[allow(clippy::too_many_arguments)]
    fn remove_from_posts(
        &mut self,
        world: &World,
        at: &At,
        (sender, host): (ActorId, ActorId),
        removal: Removal,
        count: u32,
        category: Category,
        out: &mut Vec<Fact>,
    ) {
        let mut left = count;
        while left > 0 {
            let (m, n) = self
                .removable_at_posts(world, sender, host, category)
                .filter(|&(_, n)| n > 0)
                .max_by_key(|&(m, n)| (n, std::cmp::Reverse(m)))
                .expect("checked: enough staff at the posts");
            let who = Who::Count {
                count: left.min(n),
                category,
            };
            left -= left.min(n);
            let share = match removal {
                Removal::PersonaNonGrata { depart_by } => Action::PersonaNonGrata {
                    mission: m,
                    who,
                    depart_by,
                },
                Removal::AccreditationWithdrawn { depart_by } => Action::AccreditationWithdrawn {
                    mission: m,
                    who,
                    depart_by,
                },
                Removal::StaffRecalled => Action::StaffRecalled { mission: m, who },
            };
            self.act(world, at, &share, out);
        }
    }

    /// Staff recalled from mission `m` (`recalled` of them) leave their posts vacant, but not
    /// above a cap in force: those of their posts that a cap covering `m` leaves no room for
    /// are abolished with the recall.
    fn abolish_above_cap(
        &mut self,
        world: &World,
        at: &At,
        m: MissionId,
        recalled: u32,
        out: &mut Vec<Fact>,
    ) {
        let ms = self.mission(m);
        let count = self
            .posts_above_cap(world, m)
            .min(recalled)
            .min(ms.vacant - ms.reserved_vacant);
        if count > 0 {
            self.emit(at, Fact::PostsAbolished { mission: m, count }, out);
        }
    }

    /// A mission stops operating: the measures queued on it that a stopped mission does not
    /// allow are superseded (the staff they named leave with the mission), everyone in post
    /// goes, and with a deadline their lapse is queued.
    fn end_mission(
        &mut self,
        at: &At,
        mission: MissionId,
        to: Lifecycle,
        depart_by: Option<Day>,
        move_to: Option<MissionId>,
        out: &mut Vec<Fact>,
    ) {
        let allowed = match to {
            Lifecycle::Suspended => allowed_when_suspended,
            _ => allowed_when_closed,
        };
        let superseded: Vec<(Day, Seq, u32)> = self
            .pending
            .iter()
            .filter(|s| match &s.effect {
                Effect::Measure(p) => {
                    p.action.mission() == Some(mission) && !allowed(p.action.kind())
                }
                _ => false,
            })
            .map(|s| (s.day, s.cause, s.index))
            .collect();
        for &(day, cause, index) in &superseded {
            self.emit(at, Fact::Unscheduled { day, cause, index }, out);
        }
        if let Some(dest) = move_to {
            // Its staff in post (none set aside any more) move instead of leaving.
            let ms = self.mission(mission);
            let (staff, members) = (ms.in_post, ms.members.clone());
            self.move_staff(at, (mission, dest), staff, &members, out);
        }
        // A closed post employs no one locally any more; a suspended one keeps its local staff
        // (who may look after its premises) until the sender lets them go or it closes.
        let local = self.mission(mission).local;
        if local > 0 && to == Lifecycle::Closed {
            self.emit(
                at,
                Fact::LocalDismissed {
                    mission,
                    count: local,
                },
                out,
            );
        }
        let ms = self.mission(mission);
        let in_post = ms.headcount();
        let ended = Fact::Ended {
            mission,
            from: ms.lifecycle,
            to,
            depart_by,
            in_post,
            leaving: ms.leaving_count(),
        };
        self.emit(at, ended, out);
        if let Some(deadline) = depart_by
            && in_post > 0
        {
            let lapse = Fact::Scheduled {
                day: deadline.next(),
                index: at.index,
                actor: at.actor,
                effect: Effect::Lapse { mission },
            };
            self.emit(at, lapse, out);
        }
        if !superseded.is_empty() {
            let f = Fact::Superseded {
                mission,
                measures: superseded.len() as u32,
            };
            self.emit(at, f, out);
        }
    }
}
