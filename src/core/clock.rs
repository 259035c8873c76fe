//! Time passing, decided: when the clock moves, the effects that fall due become facts.
//!
//! [`State::advance`] takes the queue's due entries in (day, cause, index) order and resolves
//! each into facts with its own day: a deferred measure is carried out as if announced that
//! day; a departure deadline's lapse names the batch that loses member status; a cap's
//! compliance date chooses which posts shed their excess (the largest first) and which staff
//! go (staff nothing has set aside first, then staff pending measures set aside, whose
//! measures shrink by as many). Like every decision, the choices are made here, once, and
//! stored as facts; a replay of the facts does not make them again.

use super::day::Day;
use super::decide::At;
use super::event::{Action, CapScope, Category, Counts, Staff, Who};
use super::fact::Fact;
use super::state::{Effect, State, free_staff};
use super::world::{MissionId, PersonId, World};

impl State {
    /// Decides and applies every effect due on or before `day`, appending their facts to
    /// `out`, and moves the clock to `day`. Time passing is not an event: this happens before
    /// the event dated `day` is decided, and stays even if that event is rejected.
    pub fn advance(&mut self, world: &World, day: Day, out: &mut Vec<Fact>) {
        while let Some(s) = self.pending.first()
            && s.day <= day
        {
            let at = At {
                day: s.day,
                cause: s.cause,
                index: s.index,
                actor: s.actor,
            };
            let effect = match &s.effect {
                Effect::Measure(p) => Due::Measure(p.action.clone()),
                Effect::Lapse { mission } => Due::Lapse(*mission),
                Effect::Compliance { scope, counts } => Due::Compliance(*scope, *counts),
            };
            let due = Fact::Due {
                day: at.day,
                cause: at.cause,
                index: at.index,
            };
            self.emit(&at, due, out);
            match effect {
                Due::Measure(action) => self.act(world, &at, &action, out),
                Due::Lapse(mission) => self.lapse(&at, mission, out),
                Due::Compliance(scope, counts) => self.comply(world, &at, scope, counts, out),
            }
        }
        self.clock = self.clock.max(day);
    }

    /// The departure deadline of the batch `at.cause` queued has passed: those still there
    /// lose member status (R4).
    fn lapse(&mut self, at: &At, mission: MissionId, out: &mut Vec<Fact>) {
        let batch = self
            .mission(mission)
            .leaving
            .iter()
            .find(|l| l.cause == at.cause && l.deadline < at.day);
        if let Some(l) = batch {
            let f = Fact::Lapsed {
                mission,
                deadline: l.deadline,
                batch: l.cause,
                count: l.total(),
            };
            self.emit(at, f, out);
        }
    }

    /// A cap's compliance date has passed: the excess leaves, from the largest operating post
    /// first (ties by declaration order). A cap that counts locally employed staff lets them
    /// go first (R13), then, if it counts staff sent, staff in post.
    fn comply(
        &mut self,
        world: &World,
        at: &At,
        scope: CapScope,
        counts: Counts,
        out: &mut Vec<Fact>,
    ) {
        let Some(cap) = self
            .cap(scope, counts)
            .filter(|c| c.cause == Some(at.cause))
        else {
            return; // replaced by a later cap on the same scope, which has its own date
        };
        let limit = cap.limit;
        let mut excess = self
            .covered_headcount(world, &scope, counts)
            .saturating_sub(limit);
        if counts.local() {
            while excess > 0 {
                let Some(m) = world
                    .mission_ids()
                    .filter(|&m| Self::covers(world, &scope, m) && self.counts_at(m, counts))
                    .filter(|&m| self.mission(m).local > 0)
                    .max_by_key(|&m| (self.mission(m).local, std::cmp::Reverse(m)))
                else {
                    break;
                };
                let count = excess.min(self.mission(m).local);
                self.emit(at, Fact::LocalShed { mission: m, count }, out);
                excess -= count;
            }
        }
        // Staff in post: all of them, or those of the one category the cap counts.
        let sent = if counts.whole() { Counts::Sent } else { counts };
        let only = counts.only();
        while excess > 0 && counts.sent() {
            let m = world
                .mission_ids()
                .filter(|&m| Self::covers(world, &scope, m) && self.mission(m).operating())
                .filter(|&m| self.counted(world, m, sent) > 0)
                .max_by_key(|&m| (self.counted(world, m, sent), std::cmp::Reverse(m)))
                .expect("excess implies staff in post");
            let n = excess.min(self.counted(world, m, sent));
            self.shed(world, at, m, n, only, out);
            excess -= n;
        }
        self.emit(at, Fact::CapComplied { scope, counts }, out);
    }

    /// Chooses `n` staff in post at mission `m` (with `only`, of that category) to leave at a
    /// compliance date: staff no pending measure has set aside first (anonymous, then named
    /// from the last), then staff set aside, latest scheduled measure first.
    fn shed(
        &mut self,
        world: &World,
        at: &At,
        m: MissionId,
        n: u32,
        only: Option<Category>,
        out: &mut Vec<Fact>,
    ) {
        let of = |p: &PersonId| only.is_none_or(|c| world.person(*p).category == c);
        let ms = self.mission(m);
        let free = free_staff(&ms.in_post, &ms.reserved);
        let free_counted = only.map_or(free.total(), |c| free.get(c));
        let anon = n.min(free_counted);
        let mut left = n - anon;
        if anon > 0 {
            let staff = match only {
                Some(c) => Staff::of(c, anon),
                None => shed_order(&free, anon),
            };
            self.emit(at, Fact::Shed { mission: m, staff }, out);
        }
        while left > 0 {
            let ms = self.mission(m);
            let Some(&person) = ms
                .members
                .iter()
                .rev()
                .find(|p| !ms.reserved_members.contains(p) && of(p))
            else {
                break;
            };
            self.emit(at, Fact::MemberShed { mission: m, person }, out);
            left -= 1;
        }
        let mut i = self.pending.len();
        while left > 0 && i > 0 {
            i -= 1;
            let s = &self.pending[i];
            let Effect::Measure(planned) = &s.effect else {
                continue;
            };
            let who = match &planned.action {
                Action::AccreditationWithdrawn { mission, who, .. }
                | Action::PersonaNonGrata { mission, who, .. }
                | Action::DepartureRequired { mission, who, .. }
                | Action::StaffRecalled { mission, who }
                    if *mission == m =>
                {
                    who
                }
                _ => continue,
            };
            let (day, cause, index) = (s.day, s.cause, s.index);
            let facts: Vec<Fact> = match who {
                Who::Count { .. } => {
                    let reserved = &planned.reserved;
                    let k = left.min(only.map_or(reserved.total(), |c| reserved.get(c)));
                    left -= k;
                    let staff = match only {
                        Some(c) => Staff::of(c, k),
                        None => shed_order(reserved, k),
                    };
                    (k > 0)
                        .then_some(Fact::ReservedShed {
                            mission: m,
                            day,
                            cause,
                            index,
                            staff,
                        })
                        .into_iter()
                        .collect()
                }
                Who::Named(ps) => {
                    let k = left.min(ps.iter().filter(|p| of(p)).count() as u32);
                    left -= k;
                    ps.iter()
                        .rev()
                        .filter(|p| of(p))
                        .take(k as usize)
                        .map(|&person| Fact::ReservedMemberShed {
                            mission: m,
                            day,
                            cause,
                            index,
                            person,
                        })
                        .collect()
                }
                Who::All => Vec::new(),
            };
            for f in facts {
                self.emit(at, f, out);
            }
        }
        debug_assert_eq!(left, 0, "a mission cannot shed more than its headcount");
    }
}

/// What a due entry does, taken out of the queue entry before it leaves the queue.
enum Due {
    Measure(Action),
    Lapse(MissionId),
    Compliance(CapScope, Counts),
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
