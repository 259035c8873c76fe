//! Checks that ids read from a log name something: every actor, mission and person id against
//! the cast, every event reference against the events before it. Checksums prove that bytes
//! are what was written, not that a writer wrote sense; a crafted log with valid checksums
//! must give a damage report here, never an index out of bounds later.

use crate::core::event::{Action, Body, CapScope, Who};
use crate::core::state::{Effect, State};
use crate::core::{Event, World};

/// What ids may name: the cast's sizes, and the sequence of the event being read (references
/// name earlier events; facts may name this one).
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    pub actors: u32,
    pub missions: u32,
    pub persons: u32,
    pub seq: u32,
}

impl Bounds {
    pub fn of(world: &World, seq: u32) -> Bounds {
        Bounds {
            actors: world.actors.len() as u32,
            missions: world.missions.len() as u32,
            persons: world.persons.len() as u32,
            seq,
        }
    }

    fn actor(&self, n: u32) -> Result<(), String> {
        within(n, self.actors, "actor")
    }

    fn mission(&self, n: u32) -> Result<(), String> {
        within(n, self.missions, "mission")
    }

    fn person(&self, n: u32) -> Result<(), String> {
        within(n, self.persons, "person")
    }

    /// A reference from the event being read to an earlier one.
    fn earlier(&self, n: u32) -> Result<(), String> {
        if n < self.seq {
            Ok(())
        } else {
            Err(format!(
                "event {} refers to event {}, which does not come before it",
                self.seq + 1,
                n + 1
            ))
        }
    }
}

fn within(n: u32, bound: u32, what: &str) -> Result<(), String> {
    if n < bound {
        Ok(())
    } else {
        Err(format!("names {what} {n}, but the log's cast has {bound}"))
    }
}

fn scope(b: &Bounds, s: &CapScope) -> Result<(), String> {
    match *s {
        CapScope::Mission(m) => b.mission(m.0),
        CapScope::Posts { sender, host } => {
            b.actor(sender.0)?;
            b.actor(host.0)
        }
    }
}

/// Checks the ids an action names.
pub fn action(b: &Bounds, a: &Action) -> Result<(), String> {
    if let Some(m) = a.mission() {
        b.mission(m.0)?;
    }
    match a {
        Action::AccreditationGranted { who, .. }
        | Action::AccreditationWithdrawn { who, .. }
        | Action::PersonaNonGrata { who, .. }
        | Action::DepartureRequired { who, .. }
        | Action::StaffRecalled { who, .. }
        | Action::StaffDeparted { who, .. } => {
            if let Who::Named(ps) = who {
                for p in ps {
                    b.person(p.0)?;
                }
            }
        }
        Action::StaffCapSet { scope: s, .. } | Action::CapLifted { scope: s } => scope(b, s)?,
        Action::RelationsBroken { with, .. }
        | Action::RelationsEstablished { with }
        | Action::ContactsFrozen { with } => b.actor(with.0)?,
        Action::ChannelDesignated { with, via } => {
            b.actor(with.0)?;
            b.mission(via.0)?;
        }
        Action::RemovalFromPosts { sender, host, .. } => {
            b.actor(sender.0)?;
            b.actor(host.0)?;
        }
        Action::StaffMoved { to, who, .. } => {
            b.mission(to.0)?;
            if let Who::Named(ps) = who {
                for p in ps {
                    b.person(p.0)?;
                }
            }
        }
        Action::MissionClosedMovingStaff { to, .. } => b.mission(to.0)?,
        _ => {}
    }
    Ok(())
}

/// Checks the ids a command names; `b.seq` is its own sequence.
pub fn event(b: &Bounds, e: &Event) -> Result<(), String> {
    b.actor(e.actor.0)?;
    for r in &e.in_response_to {
        b.earlier(r.0)?;
    }
    match &e.body {
        Body::Measures { measures, .. } => {
            for m in measures {
                action(b, &m.action)?;
            }
        }
        Body::Signal {
            target, mission, ..
        } => {
            b.actor(target.0)?;
            if let Some(m) = mission {
                b.mission(m.0)?;
            }
        }
        Body::StaffReported { mission, .. } => b.mission(mission.0)?,
        Body::ProposalAdopted { proposal } => b.earlier(proposal.0)?,
        Body::MeasuresCancelled { of, .. } => {
            for o in of {
                b.earlier(o.0)?;
            }
        }
    }
    Ok(())
}

/// Checks that the cast refers only to itself: each mission's sides are actors of the cast and
/// the mission it works under is another mission of it.
pub fn world(w: &World) -> Result<(), String> {
    let b = Bounds::of(w, 0);
    for (i, m) in w.missions.iter().enumerate() {
        let named = |e: String| format!("mission {} `{}` {e}", i, m.key);
        b.actor(m.sender.0).map_err(named)?;
        b.actor(m.receiver.0).map_err(named)?;
        b.actor(m.territory.0).map_err(named)?;
        if let Some(h) = m.hosted_by {
            b.mission(h.0).map_err(named)?;
        }
    }
    Ok(())
}

/// Checks that a state (a genesis's starting state, a snapshot) fits the cast it claims.
pub fn state(s: &State, world: &World) -> Result<(), String> {
    let b = Bounds::of(world, s.events.min(u64::from(u32::MAX)) as u32);
    if s.missions.len() != world.missions.len() {
        return Err(format!(
            "the state has {} missions where the cast has {}",
            s.missions.len(),
            world.missions.len()
        ));
    }
    if s.person_at.len() != world.persons.len() {
        return Err(format!(
            "the state places {} persons where the cast has {}",
            s.person_at.len(),
            world.persons.len()
        ));
    }
    for ms in &s.missions {
        for p in ms.members.iter().chain(&ms.reserved_members) {
            b.person(p.0)?;
        }
        for l in &ms.leaving {
            for p in &l.persons {
                b.person(p.0)?;
            }
        }
    }
    for m in s.person_at.iter().flatten() {
        b.mission(m.0)?;
    }
    for c in &s.caps {
        scope(&b, &c.scope)?;
        b.actor(c.set_by.0)?;
    }
    for r in &s.relations {
        b.actor(r.pair.0.0)?;
        b.actor(r.pair.1.0)?;
    }
    for d in &s.designated {
        b.actor(d.pair.0.0)?;
        b.actor(d.pair.1.0)?;
        b.mission(d.via.0)?;
    }
    for p in &s.pending {
        b.actor(p.actor.0)?;
        match &p.effect {
            Effect::Measure(planned) => action(&b, &planned.action)?,
            Effect::Lapse { mission } => b.mission(mission.0)?,
            Effect::Compliance { scope: sc } => scope(&b, sc)?,
        }
    }
    for p in &s.proposals {
        b.actor(p.actor.0)?;
        for m in &p.measures {
            action(&b, &m.action)?;
        }
    }
    Ok(())
}
