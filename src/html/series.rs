//! Every mission's facts over time, as step series a page can look up by date.
//!
//! A [`Run`](crate::run::Run) keeps the changes of each event and the final state, not the states
//! in between. [`sample`] replays the same events through [`Engine::step`], stopping on every
//! day a scheduled effect is due, and after each step records the facts (status, staff in post,
//! cap, vacant posts, staff leaving) of the missions the step touched, when they differ from
//! the last recorded ones. The value of a series on day D is its last sample on or before D:
//! the state at the end of D, as `demarche state --at D` gives it.

use crate::core::event::CapScope;
use crate::core::state::{State, Status};
use crate::core::world::{ActorId, MissionId, World};
use crate::core::{Change, Day, Engine, Event, Reason, Seq};
use serde::Serialize;
use std::collections::HashMap;

/// One mission's facts that the report shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facts {
    pub status: Status,
    pub headcount: u32,
    pub cap: Option<u32>,
    pub vacant: u32,
    pub leaving: u32,
}

impl Facts {
    pub fn of(w: &World, s: &State, m: MissionId) -> Facts {
        let ms = s.mission(m);
        Facts {
            status: s.status(w, m),
            headcount: ms.headcount(),
            cap: s.cap_of(w, m),
            vacant: ms.vacant,
            leaving: ms.leaving_count(),
        }
    }
}

/// The code of a status in the page's data: its position in [`STATUSES`].
pub fn status_code(s: Status) -> u8 {
    match s {
        Status::NotOpen => 0,
        Status::Active => 1,
        Status::OverCap => 2,
        Status::Suspended => 3,
        Status::Closed => 4,
    }
}

/// Status keys, in the order of their codes.
pub const STATUSES: [&str; 5] = ["not-open", "active", "over-cap", "suspended", "closed"];

/// One mission's facts over time, column by column: sample `i` holds from day `day[i]` until
/// the day before `day[i + 1]`. The cap is -1 where none is in force.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Series {
    pub day: Vec<i32>,
    pub status: Vec<u8>,
    pub headcount: Vec<u32>,
    pub cap: Vec<i64>,
    pub vacant: Vec<u32>,
    pub leaving: Vec<u32>,
}

impl Series {
    fn last(&self) -> Option<Facts> {
        let i = self.day.len().checked_sub(1)?;
        Some(self.get(i))
    }

    fn get(&self, i: usize) -> Facts {
        let status = match self.status[i] {
            0 => Status::NotOpen,
            1 => Status::Active,
            2 => Status::OverCap,
            3 => Status::Suspended,
            _ => Status::Closed,
        };
        Facts {
            status,
            headcount: self.headcount[i],
            cap: u32::try_from(self.cap[i]).ok(),
            vacant: self.vacant[i],
            leaving: self.leaving[i],
        }
    }

    /// Records `f` on `day` unless it is what the series already says; a later sample of the
    /// same day replaces an earlier one (the state at the end of the day counts).
    fn record(&mut self, day: Day, f: Facts) {
        if self.last() == Some(f) {
            return;
        }
        if self.day.last() == Some(&day.0) {
            self.pop();
            if self.last() == Some(f) {
                return;
            }
        }
        self.day.push(day.0);
        self.status.push(status_code(f.status));
        self.headcount.push(f.headcount);
        self.cap.push(f.cap.map_or(-1, i64::from));
        self.vacant.push(f.vacant);
        self.leaving.push(f.leaving);
    }

    fn pop(&mut self) {
        self.day.pop();
        self.status.pop();
        self.headcount.pop();
        self.cap.pop();
        self.vacant.pop();
        self.leaving.pop();
    }

    /// The facts at the end of `day`: the last sample on or before it, else the first.
    pub fn at(&self, day: Day) -> Option<Facts> {
        if self.day.is_empty() {
            return None;
        }
        let i = self.day.partition_point(|&d| d <= day.0);
        Some(self.get(i.saturating_sub(1)))
    }

    /// How many samples the series holds.
    pub fn len(&self) -> usize {
        self.day.len()
    }

    pub fn is_empty(&self) -> bool {
        self.day.is_empty()
    }
}

/// The outcome of [`sample`].
#[derive(Clone, Debug)]
pub struct Sampled {
    /// One series per mission, in world order.
    pub series: Vec<Series>,
    /// Every change, with its day and the sequence of the event that caused it.
    pub changes: Vec<(Day, Seq, Change)>,
    /// Where each step's changes start in `changes`: step `k` (event `k`) owns
    /// `changes[steps[k]..steps[k + 1]]` (the last step runs to the end of the events' changes;
    /// the changes of the final advance to `end` follow `steps[len]`).
    pub steps: Vec<usize>,
    pub state: State,
}

/// An event the engine rejected while sampling: its position and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    pub index: usize,
    pub reason: Reason,
}

/// Missions whose facts a change may alter: the missions it names, and for a cap on all posts
/// of a sender in a host, every mission it covers.
fn touched(
    w: &World,
    by_pair: &HashMap<(ActorId, ActorId), Vec<MissionId>>,
    c: &Change,
) -> Vec<MissionId> {
    let pair = |m: MissionId| {
        let d = w.mission(m);
        by_pair
            .get(&(d.sender, d.receiver))
            .cloned()
            .unwrap_or_default()
    };
    match c {
        Change::StaffAdded { mission, .. }
        | Change::StaffToLeave { mission, .. }
        | Change::StaffRecalled { mission, .. }
        | Change::StaffDeparted { mission, .. }
        | Change::StatusLapsed { mission, .. }
        | Change::ExcessLeft { mission, .. }
        | Change::StaffReported { mission, .. }
        | Change::PostsAbolished { mission, .. }
        | Change::Lifecycle { mission, .. }
        | Change::LeftWithMission { mission, .. }
        | Change::LeftForCap { mission, .. }
        | Change::LocalHired { mission, .. }
        | Change::LocalDismissed { mission, .. }
        | Change::LocalShed { mission, .. } => pair(*mission),
        Change::Moved { from, to, .. } => {
            let mut v = pair(*from);
            v.extend(pair(*to));
            v
        }
        Change::CapSet { scope, .. } | Change::CapLifted { scope, .. } => match *scope {
            CapScope::Mission(m) => pair(m),
            CapScope::Posts { sender, host } => {
                by_pair.get(&(sender, host)).cloned().unwrap_or_default()
            }
        },
        Change::RelationsBroken { pair: (a, b) } | Change::RelationsRestored { pair: (a, b) } => {
            let mut v = by_pair.get(&(*a, *b)).cloned().unwrap_or_default();
            v.extend(by_pair.get(&(*b, *a)).cloned().unwrap_or_default());
            v
        }
        Change::Requested { mission, .. }
        | Change::Denied { mission, .. }
        | Change::PremisesSeized { mission }
        | Change::ConsentRestored { mission }
        | Change::Superseded { mission, .. } => vec![*mission],
        Change::ContactsFrozen { .. }
        | Change::ChannelDesignated { .. }
        | Change::Scheduled { .. }
        | Change::ProposalHeld { .. }
        | Change::Cancelled { .. }
        | Change::Recorded => Vec::new(),
    }
}

/// Replays events step by step and records the facts of the missions each step touched.
struct Sampler<'w> {
    world: &'w World,
    by_pair: HashMap<(ActorId, ActorId), Vec<MissionId>>,
    engine: Engine<'w>,
    series: Vec<Series>,
    changes: Vec<(Day, Seq, Change)>,
    seen: Vec<MissionId>,
    mark: Vec<bool>,
}

impl Sampler<'_> {
    /// Records, on `day`, the missions touched by the changes from `from` on.
    fn record(&mut self, day: Day, from: usize) {
        for (_, _, c) in &self.changes[from..] {
            for m in touched(self.world, &self.by_pair, c) {
                if !self.mark[m.index()] {
                    self.mark[m.index()] = true;
                    self.seen.push(m);
                }
            }
        }
        for m in self.seen.drain(..) {
            self.mark[m.index()] = false;
            self.series[m.index()].record(day, Facts::of(self.world, &self.engine.state, m));
        }
    }

    /// Applies the effects due before `day`, one due day at a time, so each lands on its day.
    fn advance_before(&mut self, day: Day) {
        while let Some(due) = self.engine.state.pending.first().map(|p| p.day)
            && due < day
        {
            let from = self.changes.len();
            self.engine.advance_to(due, &mut self.changes);
            self.record(due, from);
        }
    }
}

/// Replays `events` (references already log sequences, every one expected to be accepted) from
/// `initial`, then moves the clock to `end` if it is later; returns each mission's series, the
/// changes, and the final state. Stops at the first event the engine rejects.
pub fn sample(
    world: &World,
    initial: &State,
    events: &[Event],
    end: Option<Day>,
) -> Result<Sampled, Rejected> {
    let mut by_pair: HashMap<(ActorId, ActorId), Vec<MissionId>> = HashMap::new();
    for m in world.mission_ids() {
        let d = world.mission(m);
        by_pair.entry((d.sender, d.receiver)).or_default().push(m);
    }
    let mut series = vec![Series::default(); world.missions.len()];
    for m in world.mission_ids() {
        series[m.index()].record(initial.clock, Facts::of(world, initial, m));
    }
    let mut s = Sampler {
        world,
        by_pair,
        engine: Engine::new(world, initial.clone()),
        series,
        changes: Vec::new(),
        seen: Vec::new(),
        mark: vec![false; world.missions.len()],
    };
    let mut steps = Vec::with_capacity(events.len() + 1);
    for (index, event) in events.iter().enumerate() {
        steps.push(s.changes.len());
        s.advance_before(event.date);
        let from = s.changes.len();
        s.engine
            .step(event, &mut s.changes)
            .map_err(|reason| Rejected { index, reason })?;
        s.record(event.date, from);
    }
    steps.push(s.changes.len());
    if let Some(d) = end
        && d > s.engine.state.clock
    {
        s.advance_before(d);
        let from = s.changes.len();
        s.engine.advance_to(d, &mut s.changes);
        s.record(d, from);
    }
    // Whatever the touched sets missed, the last samples agree with the final state.
    let day = s.engine.state.clock;
    for m in world.mission_ids() {
        s.series[m.index()].record(day, Facts::of(world, &s.engine.state, m));
    }
    Ok(Sampled {
        series: s.series,
        changes: s.changes,
        steps,
        state: s.engine.state,
    })
}
