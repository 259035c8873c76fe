//! Replay, both ways: decide commands into facts ([`Engine`]), or fold stored facts
//! ([`State::apply_record`]).
//!
//! [`Engine::step`] is how a command changes a [`State`]: it advances the clock to the
//! command's date (deciding the effects due by then), decides the command and, if it is
//! accepted, its facts are already applied. In debug builds and tests every invariant is
//! checked after each step. [`State::apply_record`] is the trusted replay of what a step
//! decided: the same facts, folded without a single check, to the same state.

use super::change::Observe;
use super::day::Day;
use super::event::Event;
use super::fact::Fact;
use super::reject::Reason;
use super::state::State;
use super::world::{Seq, World};

/// What happened to one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Accepted(Seq),
    Rejected(Reason),
}

/// A rejected event: its position in the input and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// Position of the event in its input (file order), from 0.
    pub index: usize,
    pub reason: Reason,
}

/// A state, the world it belongs to, and the facts of the last decisions.
#[derive(Clone, Debug)]
pub struct Engine<'w> {
    pub world: &'w World,
    pub state: State,
    /// Facts of time passing not yet claimed by an accepted command (kept only when
    /// recording).
    passed: Vec<Fact>,
    /// The facts of the last accepted command.
    facts: Vec<Fact>,
    recording: bool,
}

impl<'w> Engine<'w> {
    pub fn new(world: &'w World, state: State) -> Engine<'w> {
        Engine {
            world,
            state,
            passed: Vec::new(),
            facts: Vec::new(),
            recording: false,
        }
    }

    /// An engine that keeps the facts of time passing until an accepted command claims them
    /// with [`Engine::take_passed`], as a log writer needs.
    pub fn recording(world: &'w World, state: State) -> Engine<'w> {
        Engine {
            recording: true,
            ..Engine::new(world, state)
        }
    }

    /// Advances the clock to `day`, deciding and applying the effects due by then.
    pub fn advance_to<O: Observe>(&mut self, day: Day, obs: &mut O) {
        let start = self.passed.len();
        self.state.advance(self.world, day, &mut self.passed);
        observe_passed(&self.passed[start..], obs);
        if !self.recording {
            self.passed.clear();
        }
        #[cfg(debug_assertions)]
        self.state.check_invariants(self.world);
    }

    /// Replays one event. On rejection the state is as after [`Engine::advance_to`] its date.
    pub fn step<O: Observe>(&mut self, event: &Event, obs: &mut O) -> Result<Seq, Reason> {
        if event.date >= self.state.clock {
            self.advance_to(event.date, obs);
        }
        self.facts.clear();
        let seq = self
            .state
            .decide_apply(self.world, event, &mut self.facts)?;
        for f in &self.facts {
            if O::WANTS {
                f.changes(|c| obs.change(event.date, seq, c));
            }
        }
        #[cfg(debug_assertions)]
        self.state.check_invariants(self.world);
        Ok(seq)
    }

    /// The facts of the last accepted command.
    pub fn facts(&self) -> &[Fact] {
        &self.facts
    }

    /// The facts of time passing since they were last taken (with [`Engine::recording`]).
    pub fn take_passed(&mut self) -> Vec<Fact> {
        std::mem::take(&mut self.passed)
    }

    /// The facts of time passing not yet taken.
    pub fn passed(&self) -> &[Fact] {
        &self.passed
    }
}

/// Reports the changes of facts of time passing, each in the context its `Due` gives.
pub fn observe_passed<O: Observe>(passed: &[Fact], obs: &mut O) {
    let mut at = None;
    for f in passed {
        if let Fact::Due { day, cause, .. } = *f {
            at = Some((day, cause));
        }
        let (day, cause) = at.expect("facts of time passing start with a Due");
        if O::WANTS {
            f.changes(|c| obs.change(day, cause, c));
        }
    }
}

impl State {
    /// The trusted replay of one stored record: the facts of time passing, then the command
    /// (dated `date`) and its facts. No rule runs; returns the command's sequence.
    pub fn apply_record<O: Observe>(
        &mut self,
        date: Day,
        passed: &[Fact],
        facts: &[Fact],
        obs: &mut O,
    ) -> Seq {
        self.apply_passed(passed, obs);
        let seq = self.accept(date);
        for f in facts {
            self.apply(date, seq, f);
            if O::WANTS {
                f.changes(|c| obs.change(date, seq, c));
            }
        }
        seq
    }

    /// Applies facts of time passing; returns how many.
    pub fn apply_passed<O: Observe>(&mut self, passed: &[Fact], obs: &mut O) -> usize {
        self.apply_passed_until(passed, Day(i32::MAX), obs)
    }

    /// Applies the facts of time passing that fall due on or before `until` (a prefix, since
    /// they are in day order); returns how many it applied.
    pub fn apply_passed_until<O: Observe>(
        &mut self,
        passed: &[Fact],
        until: Day,
        obs: &mut O,
    ) -> usize {
        let mut at = (self.clock, Seq(0));
        for (i, f) in passed.iter().enumerate() {
            if let Fact::Due { day, cause, .. } = *f {
                if day > until {
                    return i;
                }
                at = (day, cause);
            }
            self.apply(at.0, at.1, f);
            if O::WANTS {
                f.changes(|c| obs.change(at.0, at.1, c));
            }
        }
        passed.len()
    }
}
