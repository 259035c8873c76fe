//! Checks that ids read from a log name something: every actor, mission and person id against
//! the cast, every event reference against the events before it. Checksums prove that bytes
//! are what was written, not that a writer wrote sense; a crafted log with valid checksums
//! must give a damage report here, never an index out of bounds later.

use crate::core::event::{Action, Body, CapScope, Counts, Limit, Staff, Who};
use crate::core::fact::Fact;
use crate::core::state::{
    Effect, Lifecycle, MissionState, Planned, State, free_staff, removal, take_staff,
};
use crate::core::{Day, Event, MissionId, PersonId, Seq, World};

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

    /// The largest count a command may name: so large a number of staff at every mission of
    /// the cast still sums without overflow.
    fn count(&self, n: u32) -> Result<(), String> {
        let limit = u32::MAX / self.missions.saturating_add(1);
        if n <= limit {
            Ok(())
        } else {
            Err(format!(
                "names a count of {n}, more than a log of this cast counts ({limit})"
            ))
        }
    }

    fn staff(&self, s: &Staff) -> Result<(), String> {
        self.count(staff_total(s)?)
    }

    /// A reference from the event being read to an earlier one.
    fn earlier(&self, n: u32) -> Result<(), String> {
        if n < self.seq {
            Ok(())
        } else {
            Err(format!(
                "event {} refers to event {}, which does not come before it",
                u64::from(self.seq) + 1,
                u64::from(n) + 1
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

/// The days a log may name: years -9999 to 9999. Day arithmetic and calendar dates are exact
/// over far more; beyond it a crafted day would overflow them.
pub fn day(d: Day) -> Result<(), String> {
    const MIN: i32 = -4_371_588; // -9999-01-01
    const MAX: i32 = 2_932_896; // 9999-12-31
    if (MIN..=MAX).contains(&d.0) {
        Ok(())
    } else {
        Err(format!(
            "names day {}, outside the years -9999 to 9999 a log may name",
            d.0
        ))
    }
}

fn opt_day(d: Option<Day>) -> Result<(), String> {
    d.map_or(Ok(()), day)
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
        Action::AccreditationWithdrawn { depart_by, .. }
        | Action::PersonaNonGrata { depart_by, .. }
        | Action::DepartureRequired { depart_by, .. }
        | Action::ConsentWithdrawn { depart_by, .. } => day(*depart_by)?,
        Action::StaffCapSet { comply_by, .. } => opt_day(*comply_by)?,
        Action::RelationsBroken { depart_by, .. } => opt_day(*depart_by)?,
        _ => {}
    }
    match a {
        Action::AccreditationRequested { count, .. }
        | Action::AccreditationDenied { count, .. }
        | Action::PostsAbolished { count, .. } => b.count(*count)?,
        _ => {}
    }
    if let Some(Who::Count { count, .. }) = action_who(a) {
        b.count(*count)?;
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
        Action::StaffCapSet { scope: s, .. } | Action::CapLifted { scope: s, .. } => scope(b, s)?,
        Action::LocalStaffHired { mission, .. } | Action::LocalStaffDismissed { mission, .. } => {
            b.mission(mission.0)?
        }
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

/// Who a staff measure concerns, if it is one.
fn action_who(a: &Action) -> Option<&Who> {
    match a {
        Action::AccreditationGranted { who, .. }
        | Action::AccreditationWithdrawn { who, .. }
        | Action::PersonaNonGrata { who, .. }
        | Action::DepartureRequired { who, .. }
        | Action::StaffRecalled { who, .. }
        | Action::StaffDeparted { who, .. } => Some(who),
        _ => None,
    }
}

/// Checks the ids a command names; `b.seq` is its own sequence.
pub fn event(b: &Bounds, e: &Event) -> Result<(), String> {
    b.actor(e.actor.0)?;
    day(e.date)?;
    opt_day(e.notified)?;
    for r in &e.in_response_to {
        b.earlier(r.0)?;
    }
    match &e.body {
        Body::Measures { measures, .. } => {
            for m in measures {
                day(m.effective)?;
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
        Body::StaffReported {
            mission,
            in_post,
            vacant,
        } => {
            b.mission(mission.0)?;
            b.staff(in_post)?;
            b.count(*vacant)?;
        }
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
    day(s.clock)?;
    for c in &s.caps {
        day(c.since)?;
        opt_day(c.comply_by)?;
    }
    for d in &s.designated {
        day(d.since)?;
    }
    for ms in &s.missions {
        for l in &ms.leaving {
            day(l.deadline)?;
        }
    }
    for p in &s.pending {
        b.actor(p.actor.0)?;
        day(p.day)?;
        match &p.effect {
            Effect::Measure(planned) => action(&b, &planned.action)?,
            Effect::Lapse { mission } => b.mission(mission.0)?,
            Effect::Compliance { scope: sc, .. } => scope(&b, sc)?,
        }
    }
    for p in &s.proposals {
        b.actor(p.actor.0)?;
        for m in &p.measures {
            day(m.effective)?;
            action(&b, &m.action)?;
        }
    }
    consistent(s)?;
    deferred_caps_hold(s, world)
}

/// Checks that a state read from a log (a starting state, a snapshot) holds together the way
/// every state the core reaches does, so that applying facts to it and deciding commands on
/// it never meet what they assume away: reserved staff within staff in post, every person at
/// one place, batches and queues in order, what queued measures set aside adding up to what
/// the missions hold reserved.
fn consistent(s: &State) -> Result<(), String> {
    let mut reserved = vec![Staff::default(); s.missions.len()];
    let mut reserved_vacant = vec![0u32; s.missions.len()];
    let mut named: Vec<Vec<PersonId>> = vec![Vec::new(); s.missions.len()];
    if !s
        .pending
        .windows(2)
        .all(|w| (w[0].day, w[0].cause, w[0].index) <= (w[1].day, w[1].cause, w[1].index))
    {
        return Err("its queue of effects is out of order".into());
    }
    for entry in &s.pending {
        let Effect::Measure(p) = &entry.effect else {
            continue;
        };
        staff_total(&p.reserved)?;
        match &p.action {
            Action::AccreditationRequested { .. }
            | Action::AccreditationGranted { .. }
            | Action::AccreditationDenied { .. }
            | Action::StaffDeparted { .. }
            | Action::StaffCapSet {
                limit: Limit::ReduceBy(_),
                ..
            } => return Err("it queues a measure that cannot be scheduled".into()),
            _ => {}
        }
        match removal(&p.action) {
            Some((m, Who::Count { count, .. })) => {
                if staff_total(&p.reserved)? != *count {
                    return Err("a queued removal set aside another number of staff".into());
                }
                let r = reserved
                    .get_mut(m.index())
                    .ok_or("a queued removal names no mission")?;
                for i in 0..4 {
                    r.0[i] = r.0[i]
                        .checked_add(p.reserved.0[i])
                        .ok_or("queued removals set aside more staff than can be counted")?;
                }
            }
            Some((m, Who::Named(ps))) => named
                .get_mut(m.index())
                .ok_or("a queued removal names no mission")?
                .extend(ps),
            Some((_, Who::All)) if !matches!(p.action, Action::AccreditationWithdrawn { .. }) => {
                return Err("a queued removal of everyone is not a withdrawal".into());
            }
            _ => {}
        }
        if let Action::PostsAbolished { mission, count } = p.action {
            let r = reserved_vacant
                .get_mut(mission.index())
                .ok_or("a queued abolition names no mission")?;
            *r = r
                .checked_add(count)
                .ok_or("queued abolitions set aside more posts than can be counted")?;
        }
    }
    let limit = per_mission_limit(s);
    for (i, ms) in s.missions.iter().enumerate() {
        let m = MissionId(i as u32);
        let key = |what: &str| format!("mission {i}: {what}");
        if ms.reserved != reserved[i] || ms.reserved_vacant != reserved_vacant[i] {
            return Err(key(
                "what it holds reserved is not what queued measures set aside",
            ));
        }
        let mut set_aside = std::mem::take(&mut named[i]);
        set_aside.sort_unstable();
        if set_aside.windows(2).any(|w| w[0] == w[1]) || set_aside != ms.reserved_members {
            return Err(key(
                "the persons it holds reserved are not those queued measures name",
            ));
        }
        if !within_staff(&ms.reserved, &ms.in_post) || ms.reserved_vacant > ms.vacant {
            return Err(key("reserved staff or posts exceed those there"));
        }
        let total = staff_total(&ms.in_post)?
            .checked_add(ms.members.len() as u32)
            .and_then(|t| t.checked_add(leaving_total(ms)?));
        let with_local = total.and_then(|t| t.checked_add(ms.local));
        if with_local.is_none_or(|t| t > limit) || ms.vacant > limit || ms.requested > limit {
            return Err(key("more staff than a log of this cast counts"));
        }
        if !ms.operating() && (total != Some(leaving_total(ms).unwrap_or(0)) || ms.vacant > 0) {
            return Err(key("staff in post at a mission that is not operating"));
        }
        if ms.local > 0 && !matches!(ms.lifecycle, Lifecycle::Operating | Lifecycle::Suspended) {
            return Err(key(
                "locally employed staff at a mission closed or not open",
            ));
        }
        if !ms.members.windows(2).all(|w| w[0] < w[1])
            || !ms
                .reserved_members
                .iter()
                .all(|p| ms.members.binary_search(p).is_ok())
        {
            return Err(key(
                "its members are out of order or reserved members are not members",
            ));
        }
        if !ms
            .leaving
            .windows(2)
            .all(|w| (w[0].deadline, w[0].cause) < (w[1].deadline, w[1].cause))
            || ms
                .leaving
                .iter()
                .any(|l| leaving_total_of(l).is_none_or(|n| n == 0))
        {
            return Err(key("its leaving batches are out of order or empty"));
        }
        for p in ms
            .members
            .iter()
            .chain(ms.leaving.iter().flat_map(|l| &l.persons))
        {
            if person_at(s, *p)? != Some(m) {
                return Err(key(&format!("person {} is not recorded there", p.0)));
            }
        }
    }
    for (i, at) in s.person_at.iter().enumerate() {
        if let Some(m) = at {
            let ms = mission_of(s, *m)?;
            let p = PersonId(i as u32);
            let n = ms.members.iter().filter(|&&q| q == p).count()
                + ms.leaving
                    .iter()
                    .flat_map(|l| &l.persons)
                    .filter(|&&q| q == p)
                    .count();
            if n != 1 {
                return Err(format!("person {i} is at their mission {n} times"));
            }
        }
    }
    if !s
        .caps
        .windows(2)
        .all(|w| (w[0].scope, w[0].counts) < (w[1].scope, w[1].counts))
    {
        return Err("its caps are out of order".into());
    }
    if !s.relations.iter().all(|r| r.pair.0 <= r.pair.1)
        || !s.relations.windows(2).all(|w| w[0].pair < w[1].pair)
    {
        return Err("its relations are out of order".into());
    }
    Ok(())
}

/// The most staff (in post, leaving, vacant posts, requests) one mission may count in a log:
/// sums over every mission of the cast then never overflow.
fn per_mission_limit(state: &State) -> u32 {
    u32::MAX / (state.missions.len() as u32).saturating_add(1)
}

fn staff_total(s: &Staff) -> Result<u32, String> {
    s.0.iter()
        .try_fold(0u32, |t, &n| t.checked_add(n))
        .ok_or_else(|| format!("names staff {:?}, more than can be counted", s.0))
}

/// `a <= b` in every category.
fn within_staff(a: &Staff, b: &Staff) -> bool {
    a.0.iter().zip(&b.0).all(|(x, y)| x <= y)
}

/// `in_post - reserved`, or an error when the reserved staff exceed those in post.
fn free(ms: &MissionState) -> Result<Staff, String> {
    if !within_staff(&ms.reserved, &ms.in_post) {
        return Err("the mission's reserved staff exceed its staff in post".into());
    }
    Ok(free_staff(&ms.in_post, &ms.reserved))
}

fn mission_of(state: &State, m: MissionId) -> Result<&MissionState, String> {
    state
        .missions
        .get(m.index())
        .ok_or_else(|| format!("names mission {}, which the state does not hold", m.0))
}

fn person_at(state: &State, p: PersonId) -> Result<Option<MissionId>, String> {
    state
        .person_at
        .get(p.index())
        .copied()
        .ok_or_else(|| format!("names person {}, whom the state does not hold", p.0))
}

/// Staff a mission counts after adding `extra`: within the per-mission limit.
fn room_for(state: &State, ms: &MissionState, extra: u32) -> Result<(), String> {
    let limit = per_mission_limit(state);
    let count = staff_total(&ms.in_post)
        .ok()
        .and_then(|n| n.checked_add(ms.members.len() as u32))
        .and_then(|n| n.checked_add(leaving_total(ms)?))
        .and_then(|n| n.checked_add(ms.local))
        .and_then(|n| n.checked_add(extra));
    match count {
        Some(n) if n <= limit => Ok(()),
        _ => Err(format!(
            "would bring a mission's staff above {limit}, the most a log of this cast counts"
        )),
    }
}

fn leaving_total(ms: &MissionState) -> Option<u32> {
    ms.leaving.iter().try_fold(0u32, |t, l| {
        t.checked_add(staff_total(&l.staff).ok()?)?
            .checked_add(l.persons.len() as u32)
    })
}

fn counter(state: &State, now: u32, add: u32, what: &str) -> Result<(), String> {
    match now.checked_add(add) {
        Some(n) if n <= per_mission_limit(state) => Ok(()),
        _ => Err(format!(
            "would bring a mission's {what} beyond what a log counts"
        )),
    }
}

/// The queued deferred measure at (day, cause, index).
fn queued(state: &State, day: Day, cause: Seq, index: u32) -> Option<&Planned> {
    state.pending.iter().find_map(|s| match &s.effect {
        Effect::Measure(p) if (s.day, s.cause, s.index) == (day, cause, index) => Some(&**p),
        _ => None,
    })
}

/// What a queued measure set aside can be given back.
fn releasable(state: &State, p: &Planned) -> Result<(), String> {
    if let Some((m, _)) = removal(&p.action)
        && !within_staff(&p.reserved, &mission_of(state, m)?.reserved)
    {
        return Err("a queued measure set aside more staff than the mission has reserved".into());
    }
    if let Action::PostsAbolished { mission, count } = p.action
        && mission_of(state, mission)?.reserved_vacant < count
    {
        return Err("a queued abolition set aside more posts than the mission has reserved".into());
    }
    Ok(())
}

/// What a measure queued now may be: one that can be carried out when it falls due, with what
/// it sets aside taken from what is free now (as `decide` takes it).
fn schedulable(state: &State, p: &Planned) -> Result<(), String> {
    staff_total(&p.reserved)?;
    match &p.action {
        Action::AccreditationRequested { .. }
        | Action::AccreditationGranted { .. }
        | Action::AccreditationDenied { .. }
        | Action::StaffDeparted { .. } => {
            return Err("queues a measure that cannot be scheduled (requests, grants, denials and departures take effect when announced)".into());
        }
        Action::StaffCapSet {
            limit: Limit::ReduceBy(_),
            ..
        } => return Err("queues a cap given as a cut, which is resolved when announced".into()),
        _ => {}
    }
    let nothing_reserved = p.reserved == Staff::default();
    match removal(&p.action) {
        Some((m, who)) => {
            let ms = mission_of(state, m)?;
            match who {
                Who::Count { count, category } => {
                    if take_staff(&free(ms)?, *count, *category) != Some(p.reserved) {
                        return Err(format!(
                            "queues the removal of {count} staff, setting aside {:?}, which is not what the mission's free staff give",
                            p.reserved.0
                        ));
                    }
                }
                Who::Named(ps) => {
                    if !nothing_reserved {
                        return Err(
                            "queues the removal of named persons with staff set aside".into()
                        );
                    }
                    for (i, person) in ps.iter().enumerate() {
                        if ms.members.binary_search(person).is_err()
                            || ms.reserved_members.contains(person)
                            || ps[..i].contains(person)
                        {
                            return Err(format!(
                                "queues the removal of person {}, who is not a member free to remove",
                                person.0
                            ));
                        }
                    }
                }
                Who::All => {
                    if !matches!(p.action, Action::AccreditationWithdrawn { .. })
                        || !nothing_reserved
                    {
                        return Err("queues a removal of everyone that only a withdrawal of accreditation may name".into());
                    }
                }
            }
        }
        None if !nothing_reserved => {
            return Err("queues a measure that removes no staff, with staff set aside".into());
        }
        None => {}
    }
    if let Action::PostsAbolished { mission, count } = p.action {
        let ms = mission_of(state, mission)?;
        if ms
            .reserved_vacant
            .checked_add(count)
            .is_none_or(|n| n > ms.vacant)
        {
            return Err("queues the abolition of more vacant posts than are free".into());
        }
    }
    Ok(())
}

fn member_free_to_leave(
    state: &State,
    ms: &MissionState,
    m: MissionId,
    p: PersonId,
) -> Result<(), String> {
    if person_at(state, p)? != Some(m)
        || ms.members.binary_search(&p).is_err()
        || ms.reserved_members.contains(&p)
    {
        return Err(format!(
            "names person {} as a member of mission {} free to leave, which they are not",
            p.0, m.0
        ));
    }
    Ok(())
}

/// Checks that a stored fact fits the state it is about to be applied to: the due entry heads
/// the queue, the batch, person, queued measure or cap it names is there, the counts it takes
/// do not exceed what is there and those it adds stay countable. `State::apply` assumes all of
/// it (a decided fact always fits); a fact read from a log is checked first, so that a crafted
/// log with valid checksums is reported as damage instead of stopping the program. A few
/// comparisons per fact.
pub fn fits(state: &State, fact: &Fact) -> Result<(), String> {
    let fail = |why: String| Err(why);
    fact_days(fact)?;
    match fact {
        Fact::Due { day, cause, index } => match state.pending.first() {
            Some(s) if (s.day, s.cause, s.index) == (*day, *cause, *index) => {
                if let Effect::Measure(p) = &s.effect {
                    releasable(state, p)?;
                }
                Ok(())
            }
            _ => fail(format!(
                "the effect queued on {day} by event {} (#{index}) falls due, but it does not head the queue",
                cause.0 + 1
            )),
        },
        Fact::Scheduled { effect, .. } => match effect {
            Effect::Measure(p) => schedulable(state, p),
            Effect::Lapse { mission } => mission_of(state, *mission).map(drop),
            Effect::Compliance { .. } => Ok(()),
        },
        Fact::Unscheduled { day, cause, index } => match queued(state, *day, *cause, *index) {
            Some(p) => releasable(state, p),
            None => fail(format!(
                "unqueues the measure queued on {day} by event {} (#{index}), which is not queued",
                cause.0 + 1
            )),
        },
        Fact::Requested { mission, count } => counter(
            state,
            mission_of(state, *mission)?.requested,
            *count,
            "requests",
        ),
        Fact::Denied { mission, count } => {
            if mission_of(state, *mission)?.requested < *count {
                return fail(format!("denies {count} requests, more than are pending"));
            }
            Ok(())
        }
        Fact::Granted {
            mission,
            staff,
            filled,
        } => {
            let ms = mission_of(state, *mission)?;
            let n = staff_total(staff)?;
            if !ms.operating() {
                return fail("grants staff to a mission that is not operating".into());
            }
            if ms.requested < n {
                return fail(format!("grants {n} staff, more than were requested"));
            }
            if *filled > n || ms.vacant < *filled || ms.vacant - filled < ms.reserved_vacant {
                return fail(format!("fills {filled} vacant posts that are not free"));
            }
            room_for(state, ms, n)
        }
        Fact::MemberGranted {
            mission,
            person,
            filled,
        } => {
            let ms = mission_of(state, *mission)?;
            if person_at(state, *person)?.is_some() {
                return fail(format!(
                    "grants person {}, who is already at a mission",
                    person.0
                ));
            }
            if !ms.operating() || ms.requested == 0 {
                return fail("grants a person no request or operating mission is there for".into());
            }
            if *filled && ms.vacant <= ms.reserved_vacant {
                return fail("fills a vacant post that is not free".into());
            }
            room_for(state, ms, 1)
        }
        Fact::ToLeave { mission, staff, .. }
        | Fact::Shed { mission, staff }
        | Fact::DepartedForCap { mission, staff } => {
            let ms = mission_of(state, *mission)?;
            staff_total(staff)?;
            if !within_staff(staff, &free(ms)?) {
                return fail(format!(
                    "takes staff {:?} the mission does not have free",
                    staff.0
                ));
            }
            Ok(())
        }
        Fact::Moved {
            from,
            to,
            staff,
            filled,
        } => {
            let ms = mission_of(state, *from)?;
            let n = staff_total(staff)?;
            if !within_staff(staff, &free(ms)?) {
                return fail(format!(
                    "moves staff {:?} the mission does not have free",
                    staff.0
                ));
            }
            let to_ms = mission_of(state, *to)?;
            if *filled > n
                || to_ms.vacant < *filled
                || to_ms.vacant - filled < to_ms.reserved_vacant
            {
                return fail(format!("fills {filled} vacant posts that are not free"));
            }
            room_for(state, to_ms, n)
        }
        Fact::MemberMoved {
            from,
            to,
            person,
            filled,
        } => {
            member_free_to_leave(state, mission_of(state, *from)?, *from, *person)?;
            let to_ms = mission_of(state, *to)?;
            if *filled && to_ms.vacant <= to_ms.reserved_vacant {
                return fail("fills a vacant post that is not free".into());
            }
            room_for(state, to_ms, 1)
        }
        Fact::Recalled { mission, staff } => {
            let ms = mission_of(state, *mission)?;
            let n = staff_total(staff)?;
            if !within_staff(staff, &free(ms)?) {
                return fail(format!(
                    "recalls staff {:?} the mission does not have free",
                    staff.0
                ));
            }
            counter(state, ms.vacant, n, "vacant posts")
        }
        Fact::MemberToLeave {
            mission, person, ..
        }
        | Fact::MemberShed { mission, person }
        | Fact::MemberDepartedForCap { mission, person } => {
            member_free_to_leave(state, mission_of(state, *mission)?, *mission, *person)
        }
        Fact::MemberRecalled { mission, person } => {
            let ms = mission_of(state, *mission)?;
            member_free_to_leave(state, ms, *mission, *person)?;
            counter(state, ms.vacant, 1, "vacant posts")
        }
        Fact::Departed {
            mission,
            deadline,
            batch,
            staff,
        } => {
            let ms = mission_of(state, *mission)?;
            staff_total(staff)?;
            match ms
                .leaving
                .iter()
                .find(|l| (l.deadline, l.cause) == (*deadline, *batch))
            {
                Some(l) if within_staff(staff, &l.staff) => Ok(()),
                Some(_) => fail("more staff depart than the leaving batch holds".into()),
                None => fail(format!(
                    "names the batch leaving by {deadline} after event {}, which is not there",
                    batch.0 + 1
                )),
            }
        }
        Fact::MemberDeparted { mission, person } => {
            let ms = mission_of(state, *mission)?;
            if person_at(state, *person)? != Some(*mission)
                || !ms.leaving.iter().any(|l| l.persons.contains(person))
            {
                return fail(format!(
                    "person {} departs but is not leaving the mission",
                    person.0
                ));
            }
            Ok(())
        }
        Fact::Lapsed {
            mission,
            deadline,
            batch,
            count,
        } => {
            let ms = mission_of(state, *mission)?;
            match ms
                .leaving
                .iter()
                .find(|l| (l.deadline, l.cause) == (*deadline, *batch))
            {
                Some(l) if leaving_total_of(l) == Some(*count) => Ok(()),
                Some(_) => fail(format!(
                    "a leaving batch of {count} lapses, but it holds another number"
                )),
                None => fail(format!(
                    "names the batch leaving by {deadline} after event {}, which is not there",
                    batch.0 + 1
                )),
            }
        }
        Fact::PostsAbolished { mission, count } => {
            let ms = mission_of(state, *mission)?;
            if ms.vacant < *count || ms.vacant - count < ms.reserved_vacant {
                return fail(format!("abolishes {count} vacant posts that are not free"));
            }
            Ok(())
        }
        Fact::ReservedShed {
            mission,
            day,
            cause,
            index,
            staff,
        } => {
            let ms = mission_of(state, *mission)?;
            staff_total(staff)?;
            let Some(p) = queued(state, *day, *cause, *index) else {
                return fail("sheds staff set aside by a measure that is not queued".into());
            };
            match removal(&p.action) {
                Some((m, Who::Count { count, .. }))
                    if m == *mission
                        && within_staff(staff, &p.reserved)
                        && within_staff(staff, &ms.reserved)
                        && within_staff(staff, &ms.in_post)
                        && staff_total(staff)? <= *count =>
                {
                    Ok(())
                }
                _ => fail("sheds staff a queued measure did not set aside".into()),
            }
        }
        Fact::ReservedMemberShed {
            mission,
            day,
            cause,
            index,
            person,
        } => {
            let ms = mission_of(state, *mission)?;
            let Some(p) = queued(state, *day, *cause, *index) else {
                return fail("sheds a person set aside by a measure that is not queued".into());
            };
            match removal(&p.action) {
                Some((m, Who::Named(ps)))
                    if m == *mission
                        && ps.contains(person)
                        && ms.members.binary_search(person).is_ok()
                        && person_at(state, *person)? == Some(*mission) =>
                {
                    Ok(())
                }
                _ => fail(format!(
                    "sheds person {}, whom no queued measure set aside",
                    person.0
                )),
            }
        }
        Fact::StaffReported {
            mission,
            in_post,
            vacant,
        } => {
            let ms = mission_of(state, *mission)?;
            let n = staff_total(in_post)?;
            if !within_staff(&ms.reserved, in_post) || *vacant < ms.reserved_vacant {
                return fail("reports fewer staff or posts than queued measures set aside".into());
            }
            if !ms.operating() && (n > 0 || *vacant > 0) {
                return fail("reports staff at a mission that is not operating".into());
            }
            let limit = per_mission_limit(state);
            let total = n
                .checked_add(ms.members.len() as u32)
                .and_then(|t| t.checked_add(leaving_total(ms)?));
            if total.is_none_or(|t| t > limit) || *vacant > limit {
                return fail(format!(
                    "reports more staff than a log of this cast counts ({limit} a mission)"
                ));
            }
            Ok(())
        }
        Fact::CapLifted { scope, counts } => {
            if state.cap(*scope, *counts).is_none() {
                return fail("lifts a cap that is not in force".into());
            }
            Ok(())
        }
        Fact::LocalHired { mission, count } => {
            let ms = mission_of(state, *mission)?;
            if !ms.operating() {
                return fail("hires staff locally at a mission that is not operating".into());
            }
            room_for(state, ms, *count)
        }
        Fact::LocalDismissed { mission, count } | Fact::LocalShed { mission, count } => {
            let ms = mission_of(state, *mission)?;
            if *count > ms.local {
                return fail(format!(
                    "lets {count} locally employed staff go, more than the {} employed",
                    ms.local
                ));
            }
            Ok(())
        }
        Fact::Opened { mission, from } => {
            if mission_of(state, *mission)?.lifecycle != *from {
                return fail("opens a mission from another state than it is in".into());
            }
            Ok(())
        }
        Fact::Ended {
            mission,
            from,
            to,
            in_post,
            leaving,
            ..
        } => {
            let ms = mission_of(state, *mission)?;
            if ms.lifecycle != *from
                || !matches!(to, Lifecycle::Suspended | Lifecycle::Closed)
                || Some(*in_post) != staff_total(&ms.in_post)?.checked_add(ms.members.len() as u32)
                || Some(*leaving) != leaving_total(ms)
            {
                return fail("ends a mission from another state than it is in".into());
            }
            if *to == Lifecycle::Closed && ms.local > 0 {
                return fail(
                    "closes a mission whose locally employed staff were not let go first".into(),
                );
            }
            if ms.reserved != Staff::default()
                || !ms.reserved_members.is_empty()
                || ms.reserved_vacant != 0
            {
                return fail(
                    "ends a mission while queued measures still set aside its staff".into(),
                );
            }
            Ok(())
        }
        Fact::ChannelDesignated { .. }
        | Fact::CapSet { .. }
        | Fact::CapComplied { .. }
        | Fact::ConsentWithdrawn { .. }
        | Fact::ConsentGranted { .. }
        | Fact::PremisesSeized { .. }
        | Fact::RelationsBroken { .. }
        | Fact::RelationsRestored { .. }
        | Fact::ContactsFrozen { .. }
        | Fact::ProposalHeld { .. }
        | Fact::ProposalDropped { .. }
        | Fact::Cancelled { .. }
        | Fact::Superseded { .. }
        | Fact::Recorded => Ok(()),
    }
}

/// [`fits`], and what takes the cast to check: a cap announced for later without a compliance
/// date binds at once (grants and staff reports must stay within it, and it must hold when
/// announced), so that it holds when it falls due.
pub fn fits_in(world: &World, state: &State, fact: &Fact) -> Result<(), String> {
    fits(state, fact)?;
    match fact {
        Fact::Granted { mission, staff, .. } => {
            within_deferred_caps(world, state, *mission, staff_total(staff)?, false)
        }
        Fact::MemberGranted { mission, .. } => {
            within_deferred_caps(world, state, *mission, 1, false)
        }
        Fact::LocalHired { mission, count } => {
            within_deferred_caps(world, state, *mission, *count, true)
        }
        Fact::StaffReported {
            mission, in_post, ..
        } => {
            let ms = mission_of(state, *mission)?;
            let now = staff_total(&ms.in_post)? + ms.members.len() as u32;
            let then = staff_total(in_post)? + ms.members.len() as u32;
            within_deferred_caps(world, state, *mission, then.saturating_sub(now), false)
        }
        Fact::Scheduled {
            effect: Effect::Measure(p),
            ..
        } => match p.action {
            Action::StaffCapSet {
                scope,
                limit: Limit::Absolute(limit),
                comply_by: None,
                counts,
            } if state.covered_headcount(world, &scope, counts) > limit => Err(format!(
                "queues a cap of {limit} without a compliance date over more staff than that"
            )),
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Staff added at mission `m` (sent, or with `local` employed locally) stay within every cap
/// queued without a compliance date that counts them.
fn within_deferred_caps(
    world: &World,
    state: &State,
    m: MissionId,
    added: u32,
    local: bool,
) -> Result<(), String> {
    for (scope, counts, limit) in deferred_caps(state) {
        let counted = if local { counts.local() } else { counts.sent() };
        if counted
            && State::covers(world, &scope, m)
            && state
                .covered_headcount(world, &scope, counts)
                .saturating_add(added)
                > limit
        {
            return Err(format!(
                "adds staff beyond the cap of {limit} queued without a compliance date"
            ));
        }
    }
    Ok(())
}

/// The caps queued without a compliance date: they bind from their announcement.
fn deferred_caps(state: &State) -> impl Iterator<Item = (CapScope, Counts, u32)> + '_ {
    state.pending.iter().filter_map(|s| match &s.effect {
        Effect::Measure(p) => match p.action {
            Action::StaffCapSet {
                scope,
                limit: Limit::Absolute(limit),
                comply_by: None,
                counts,
            } => Some((scope, counts, limit)),
            _ => None,
        },
        _ => None,
    })
}

/// In a state read from a log, every cap queued without a compliance date holds already.
fn deferred_caps_hold(s: &State, world: &World) -> Result<(), String> {
    for (scope, counts, limit) in deferred_caps(s) {
        if s.covered_headcount(world, &scope, counts) > limit {
            return Err(format!(
                "a cap of {limit} queued without a compliance date is exceeded already"
            ));
        }
    }
    Ok(())
}

/// The days a fact names are days a log may name.
fn fact_days(fact: &Fact) -> Result<(), String> {
    match fact {
        Fact::Due { day: d, .. }
        | Fact::Unscheduled { day: d, .. }
        | Fact::ToLeave { deadline: d, .. }
        | Fact::MemberToLeave { deadline: d, .. }
        | Fact::Departed { deadline: d, .. }
        | Fact::Lapsed { deadline: d, .. }
        | Fact::ReservedShed { day: d, .. }
        | Fact::ReservedMemberShed { day: d, .. } => day(*d),
        Fact::Scheduled { day: d, effect, .. } => {
            day(*d)?;
            if let Effect::Measure(p) = effect {
                match &p.action {
                    Action::AccreditationWithdrawn { depart_by, .. }
                    | Action::PersonaNonGrata { depart_by, .. }
                    | Action::DepartureRequired { depart_by, .. }
                    | Action::ConsentWithdrawn { depart_by, .. } => day(*depart_by)?,
                    Action::StaffCapSet { comply_by, .. } => opt_day(*comply_by)?,
                    Action::RelationsBroken { depart_by, .. } => opt_day(*depart_by)?,
                    _ => {}
                }
            }
            Ok(())
        }
        Fact::CapSet { comply_by, .. } => opt_day(*comply_by),
        Fact::Ended { depart_by, .. } => opt_day(*depart_by),
        Fact::ProposalHeld { measures, .. } => {
            for m in measures.iter() {
                day(m.effective)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn leaving_total_of(l: &crate::core::state::Leaving) -> Option<u32> {
    staff_total(&l.staff)
        .ok()?
        .checked_add(l.persons.len() as u32)
}
