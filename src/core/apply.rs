//! The infallible fold: [`State::apply`] moves the numbers a [`Fact`] names.
//!
//! Architecture invariant: nothing here checks a rule or makes a choice. Every count, category,
//! person, batch and queue entry is named by the fact; `apply` only finds it and changes it.
//! A fact that does not fit the state is a programmer error (the fact was not decided against
//! this state), caught by assertions in debug builds.

use super::day::Day;
use super::event::{Action, Staff, Who};
use super::fact::Fact;
use super::state::{
    Cap, Designated, Effect, Leaving, Lifecycle, Premises, Proposal, Scheduled, State, add,
    removal, sub,
};
use super::world::{MissionId, PersonId, Seq};

impl State {
    /// Starts applying an accepted command dated `date`: the clock moves to it and the command
    /// takes the next sequence, which it returns. Its facts follow.
    pub fn accept(&mut self, date: Day) -> Seq {
        debug_assert!(date >= self.clock, "dates never go backwards");
        let seq = self.next_seq();
        self.clock = date;
        self.events += 1;
        seq
    }

    /// Applies one fact, on `day`, caused by the event `cause`. Infallible; chooses nothing.
    ///
    /// The facts most logs are made of (records, requests, answers, grants, reports) are
    /// applied here, small enough to inline into a replay loop; the rest out of line.
    #[inline(always)]
    pub fn apply(&mut self, day: Day, cause: Seq, fact: &Fact) {
        match *fact {
            Fact::Cancelled { .. } | Fact::Superseded { .. } | Fact::Recorded => {}
            Fact::Requested { mission, count } => self.mission_mut(mission).requested += count,
            Fact::Denied { mission, count } => self.mission_mut(mission).requested -= count,
            Fact::Granted {
                mission,
                staff,
                filled,
            } => {
                let ms = self.mission_mut(mission);
                add(&mut ms.in_post, &staff);
                ms.requested -= staff.total();
                ms.vacant -= filled;
            }
            Fact::StaffReported {
                mission,
                in_post,
                vacant,
            } => {
                let ms = self.mission_mut(mission);
                ms.in_post = in_post;
                ms.vacant = vacant;
            }
            _ => self.apply_rest(day, cause, fact),
        }
    }

    /// [`State::apply`] of every other fact.
    #[inline(never)]
    fn apply_rest(&mut self, day: Day, cause: Seq, fact: &Fact) {
        match *fact {
            Fact::Cancelled { .. }
            | Fact::Superseded { .. }
            | Fact::Recorded
            | Fact::Requested { .. }
            | Fact::Denied { .. }
            | Fact::Granted { .. }
            | Fact::StaffReported { .. } => unreachable!("applied inline"),
            Fact::Due {
                day: due,
                cause: c,
                index,
            } => {
                let s = self.pending.remove(0);
                debug_assert!(
                    (s.day, s.cause, s.index) == (due, c, index),
                    "the due entry heads the queue"
                );
                self.clock = self.clock.max(due);
                if let Effect::Measure(planned) = &s.effect {
                    self.release(&planned.action, &planned.reserved);
                }
            }
            Fact::Scheduled {
                day: at,
                index,
                actor,
                ref effect,
            } => {
                if let Effect::Measure(planned) = effect {
                    self.reserve(&planned.action, &planned.reserved);
                }
                self.schedule(Scheduled {
                    day: at,
                    cause,
                    index,
                    actor,
                    effect: effect.clone(),
                });
            }
            Fact::Unscheduled {
                day: at,
                cause: c,
                index,
            } => {
                let i = self
                    .pending
                    .iter()
                    .position(|s| {
                        (s.day, s.cause, s.index) == (at, c, index)
                            && matches!(s.effect, Effect::Measure(_))
                    })
                    .expect("decided: the measure is queued");
                let s = self.pending.remove(i);
                if let Effect::Measure(planned) = &s.effect {
                    self.release(&planned.action, &planned.reserved);
                }
            }
            Fact::MemberGranted {
                mission,
                person,
                filled,
            } => {
                self.person_at[person.index()] = Some(mission);
                let ms = self.mission_mut(mission);
                insert_sorted(&mut ms.members, person);
                ms.requested -= 1;
                ms.vacant -= u32::from(filled);
            }
            Fact::ToLeave {
                mission,
                staff,
                deadline,
            } => {
                let ms = self.mission_mut(mission);
                sub(&mut ms.in_post, &staff);
                add(&mut batch(&mut ms.leaving, deadline, cause).staff, &staff);
            }
            Fact::MemberToLeave {
                mission,
                person,
                deadline,
            } => {
                let ms = self.mission_mut(mission);
                remove_person(&mut ms.members, person);
                batch(&mut ms.leaving, deadline, cause).persons.push(person);
            }
            Fact::Recalled { mission, staff } => {
                let ms = self.mission_mut(mission);
                sub(&mut ms.in_post, &staff);
                ms.vacant += staff.total();
            }
            Fact::MemberRecalled { mission, person } => {
                self.person_at[person.index()] = None;
                let ms = self.mission_mut(mission);
                remove_person(&mut ms.members, person);
                ms.vacant += 1;
            }
            Fact::Departed {
                mission,
                deadline,
                batch: b,
                staff,
            } => {
                let ms = self.mission_mut(mission);
                let i = find_batch(&ms.leaving, deadline, b);
                sub(&mut ms.leaving[i].staff, &staff);
                if ms.leaving[i].total() == 0 {
                    ms.leaving.remove(i);
                }
            }
            Fact::MemberDeparted { mission, person } => {
                self.person_at[person.index()] = None;
                let ms = self.mission_mut(mission);
                let i = ms
                    .leaving
                    .iter()
                    .position(|l| l.persons.contains(&person))
                    .expect("decided: the person is leaving");
                ms.leaving[i].persons.retain(|p| *p != person);
                if ms.leaving[i].total() == 0 {
                    ms.leaving.remove(i);
                }
            }
            Fact::Lapsed {
                mission,
                deadline,
                batch: b,
                ..
            } => {
                let ms = self.mission_mut(mission);
                let i = find_batch(&ms.leaving, deadline, b);
                let gone = ms.leaving.remove(i);
                for p in gone.persons {
                    self.person_at[p.index()] = None;
                }
            }
            Fact::PostsAbolished { mission, count } => self.mission_mut(mission).vacant -= count,
            Fact::DepartedForCap { mission, staff } => {
                sub(&mut self.mission_mut(mission).in_post, &staff)
            }
            Fact::Moved {
                from,
                to,
                staff,
                filled,
            } => {
                sub(&mut self.mission_mut(from).in_post, &staff);
                let ms = self.mission_mut(to);
                add(&mut ms.in_post, &staff);
                ms.vacant -= filled;
            }
            Fact::MemberMoved {
                from,
                to,
                person,
                filled,
            } => {
                remove_person(&mut self.mission_mut(from).members, person);
                self.person_at[person.index()] = Some(to);
                let ms = self.mission_mut(to);
                insert_sorted(&mut ms.members, person);
                ms.vacant -= u32::from(filled);
            }
            Fact::MemberDepartedForCap { mission, person } => {
                self.person_at[person.index()] = None;
                remove_person(&mut self.mission_mut(mission).members, person);
            }
            Fact::Shed { mission, staff } => sub(&mut self.mission_mut(mission).in_post, &staff),
            Fact::MemberShed { mission, person } => {
                self.person_at[person.index()] = None;
                remove_person(&mut self.mission_mut(mission).members, person);
            }
            Fact::ReservedShed {
                mission,
                day: at,
                cause: c,
                index,
                staff,
            } => {
                let i = self.queued_measure(at, c, index);
                let Effect::Measure(planned) = &mut self.pending[i].effect else {
                    unreachable!("queued_measure finds measures")
                };
                sub(&mut planned.reserved, &staff);
                let emptied = match &mut planned.action {
                    Action::AccreditationWithdrawn { who, .. }
                    | Action::PersonaNonGrata { who, .. }
                    | Action::DepartureRequired { who, .. }
                    | Action::StaffRecalled { who, .. } => match who {
                        Who::Count { count, .. } => {
                            *count -= staff.total();
                            *count == 0
                        }
                        _ => unreachable!("decided: a count was set aside"),
                    },
                    _ => unreachable!("decided: a removal"),
                };
                if emptied {
                    self.pending.remove(i);
                }
                let ms = self.mission_mut(mission);
                sub(&mut ms.reserved, &staff);
                sub(&mut ms.in_post, &staff);
            }
            Fact::ReservedMemberShed {
                mission,
                day: at,
                cause: c,
                index,
                person,
            } => {
                let i = self.queued_measure(at, c, index);
                let Effect::Measure(planned) = &mut self.pending[i].effect else {
                    unreachable!("queued_measure finds measures")
                };
                let emptied = match &mut planned.action {
                    Action::AccreditationWithdrawn { who, .. }
                    | Action::PersonaNonGrata { who, .. }
                    | Action::DepartureRequired { who, .. }
                    | Action::StaffRecalled { who, .. } => match who {
                        Who::Named(ps) => {
                            ps.retain(|p| *p != person);
                            ps.is_empty()
                        }
                        _ => unreachable!("decided: named persons were set aside"),
                    },
                    _ => unreachable!("decided: a removal"),
                };
                if emptied {
                    self.pending.remove(i);
                }
                self.person_at[person.index()] = None;
                let ms = self.mission_mut(mission);
                remove_person(&mut ms.members, person);
                ms.reserved_members.retain(|p| *p != person);
            }
            Fact::CapSet {
                scope,
                counts,
                limit,
                comply_by,
                set_by,
            } => {
                let cap = Cap {
                    scope,
                    counts,
                    limit,
                    since: day,
                    comply_by,
                    set_by,
                    cause: Some(cause),
                };
                match self.cap_index(scope, counts) {
                    Ok(i) => self.caps[i] = cap,
                    Err(i) => self.caps.insert(i, cap),
                }
            }
            // Caps are sorted by scope and counting, one each.
            Fact::CapLifted { scope, counts } => {
                if let Ok(i) = self.cap_index(scope, counts) {
                    self.caps.remove(i);
                }
            }
            Fact::CapComplied { scope, counts } => {
                if let Ok(i) = self.cap_index(scope, counts) {
                    self.caps[i].comply_by = None;
                }
            }
            Fact::LocalHired { mission, count } => {
                let ms = self.mission_mut(mission);
                ms.local = ms.local.saturating_add(count);
            }
            Fact::LocalDismissed { mission, count } | Fact::LocalShed { mission, count } => {
                let ms = self.mission_mut(mission);
                ms.local = ms.local.saturating_sub(count);
            }
            Fact::Opened { mission, .. } => {
                let ms = self.mission_mut(mission);
                ms.lifecycle = Lifecycle::Operating;
                if ms.premises == Premises::Protected {
                    ms.premises = Premises::InUse;
                }
            }
            Fact::Ended {
                mission,
                to,
                depart_by,
                ..
            } => self.close_mission(mission, to, depart_by, cause),
            Fact::ConsentWithdrawn { mission } => {
                self.mission_mut(mission).consent_withdrawn = true
            }
            Fact::ConsentGranted { mission } => self.mission_mut(mission).consent_withdrawn = false,
            Fact::PremisesSeized { mission } => {
                self.mission_mut(mission).premises = Premises::Seized
            }
            Fact::RelationsBroken { pair } => self.relation_mut(pair.0, pair.1).broken = true,
            // Relations are sorted by pair, one each.
            Fact::RelationsRestored { pair } => {
                if let Ok(i) = self.relations.binary_search_by(|r| r.pair.cmp(&pair)) {
                    self.relations.remove(i);
                }
            }
            Fact::ContactsFrozen { pair } => {
                self.relation_mut(pair.0, pair.1).contacts_frozen = true
            }
            Fact::ChannelDesignated { pair, via } => self.designated.push(Designated {
                pair,
                via,
                since: day,
                cause: Some(cause),
            }),
            Fact::ProposalHeld {
                actor,
                ref measures,
            } => self.proposals.push(Proposal {
                seq: cause,
                actor,
                measures: measures.to_vec(),
            }),
            Fact::ProposalDropped { seq } => {
                if let Some(i) = self.proposals.iter().position(|p| p.seq == seq) {
                    self.proposals.remove(i);
                }
            }
        }
    }

    #[inline]
    fn mission_mut(&mut self, id: MissionId) -> &mut super::state::MissionState {
        &mut self.missions[id.index()]
    }

    /// The position of the deferred measure queued at (day, cause, index).
    fn queued_measure(&self, day: Day, cause: Seq, index: u32) -> usize {
        self.pending
            .iter()
            .position(|s| {
                (s.day, s.cause, s.index) == (day, cause, index)
                    && matches!(s.effect, Effect::Measure(_))
            })
            .expect("decided: the measure is queued")
    }

    /// Queues an entry after every entry with the same or an earlier (day, cause, index).
    fn schedule(&mut self, entry: Scheduled) {
        let key = (entry.day, entry.cause, entry.index);
        let at = self
            .pending
            .partition_point(|s| (s.day, s.cause, s.index) <= key);
        self.pending.insert(at, entry);
    }

    /// Sets aside what a deferred measure will remove.
    fn reserve(&mut self, action: &Action, reserved: &Staff) {
        if let Some((mission, who)) = removal(action) {
            let ms = self.mission_mut(mission);
            add(&mut ms.reserved, reserved);
            if let Who::Named(ps) = who {
                for p in ps {
                    insert_sorted(&mut ms.reserved_members, *p);
                }
            }
        }
        if let Action::PostsAbolished { mission, count } = *action {
            self.mission_mut(mission).reserved_vacant += count;
        }
    }

    /// Undoes what [`State::reserve`] set aside.
    fn release(&mut self, action: &Action, reserved: &Staff) {
        if let Some((mission, who)) = removal(action) {
            let ms = self.mission_mut(mission);
            sub(&mut ms.reserved, reserved);
            if let Who::Named(ps) = who {
                ms.reserved_members.retain(|p| !ps.contains(p));
            }
        }
        if let Action::PostsAbolished { mission, count } = *action {
            self.mission_mut(mission).reserved_vacant -= count;
        }
    }

    /// A mission stops operating; everyone in post goes, as [`Fact::Ended`] says.
    fn close_mission(
        &mut self,
        mission: MissionId,
        to: Lifecycle,
        depart_by: Option<Day>,
        cause: Seq,
    ) {
        let ms = &mut self.missions[mission.index()];
        let staff = std::mem::take(&mut ms.in_post);
        let persons = std::mem::take(&mut ms.members);
        ms.lifecycle = to;
        ms.vacant = 0;
        ms.requested = 0;
        ms.reserved = Staff::default();
        ms.reserved_members.clear();
        ms.reserved_vacant = 0;
        if ms.premises == Premises::InUse {
            ms.premises = Premises::Protected;
        }
        match depart_by {
            Some(deadline) => {
                if staff.total() + persons.len() as u32 > 0 {
                    let b = batch(&mut ms.leaving, deadline, cause);
                    add(&mut b.staff, &staff);
                    b.persons.extend(persons);
                }
            }
            None => {
                for l in std::mem::take(&mut ms.leaving) {
                    for p in l.persons {
                        self.person_at[p.index()] = None;
                    }
                }
                for p in persons {
                    self.person_at[p.index()] = None;
                }
            }
        }
        self.designated.retain(|c| c.via != mission);
    }
}

/// The leaving batch keyed (deadline, cause), created in order if there is none. Batches are
/// kept sorted by that key, which is the order departures take them in.
fn batch(leaving: &mut Vec<Leaving>, deadline: Day, cause: Seq) -> &mut Leaving {
    let i = match leaving.binary_search_by(|l| (l.deadline, l.cause).cmp(&(deadline, cause))) {
        Ok(i) => i,
        Err(i) => {
            leaving.insert(
                i,
                Leaving {
                    staff: Staff::default(),
                    persons: Vec::new(),
                    deadline,
                    cause,
                },
            );
            i
        }
    };
    &mut leaving[i]
}

fn find_batch(leaving: &[Leaving], deadline: Day, cause: Seq) -> usize {
    leaving
        .binary_search_by(|l| (l.deadline, l.cause).cmp(&(deadline, cause)))
        .expect("decided: the leaving batch exists")
}

fn insert_sorted(list: &mut Vec<PersonId>, p: PersonId) {
    let at = list.partition_point(|q| *q < p);
    list.insert(at, p);
}

fn remove_person(list: &mut Vec<PersonId>, p: PersonId) {
    if let Ok(i) = list.binary_search(&p) {
        list.remove(i);
    } else {
        debug_assert!(false, "decided: the person is a member");
    }
}
