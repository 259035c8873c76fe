//! The invariants every state reached by applying decided facts keeps. Checked after each step
//! in tests and debug builds; a broken one is a programmer error and stops the program.

use super::event::Category;
use super::state::{Cap, Effect, Lifecycle, Premises, State};
use super::world::{MissionId, PersonId, Seq, World};

impl State {
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
            if !matches!(ms.lifecycle, Lifecycle::Operating | Lifecycle::Suspended) {
                assert_eq!(
                    ms.local, 0,
                    "{key}: locally employed staff at a mission closed or not open"
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
                let h = self.covered_headcount(world, &c.scope, c.counts);
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
        for m in world.mission_ids() {
            let ms = self.mission(m);
            assert!(
                ms.leaving
                    .windows(2)
                    .all(|w| (w[0].deadline, w[0].cause) < (w[1].deadline, w[1].cause)),
                "{}: leaving batches out of order",
                world.mission(m).key
            );
            assert!(ms.leaving.iter().all(|l| l.total() > 0));
        }
    }

    fn pending_lapse(&self, m: MissionId, cause: Seq) -> bool {
        self.pending
            .iter()
            .any(|s| s.cause == cause && s.effect == Effect::Lapse { mission: m })
    }

    fn pending_compliance(&self, c: &Cap) -> bool {
        self.pending.iter().any(|s| {
            Some(s.cause) == c.cause
                && s.effect
                    == Effect::Compliance {
                        scope: c.scope,
                        counts: c.counts,
                    }
        })
    }
}
