//! Replay: move the clock, decide, apply, check invariants.
//!
//! [`Engine::step`] is the only way the edges change a [`State`]: it advances the clock to the
//! event's date (applying scheduled effects due by then), decides, and applies only if the
//! event was accepted. In debug builds and tests every invariant is checked after each step.

use super::day::Day;
use super::event::Event;
use super::reject::Reason;
use super::state::{Observe, State};
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

/// A state and the world it belongs to.
#[derive(Clone, Debug)]
pub struct Engine<'w> {
    pub world: &'w World,
    pub state: State,
}

impl<'w> Engine<'w> {
    pub fn new(world: &'w World, state: State) -> Engine<'w> {
        Engine { world, state }
    }

    /// Advances the clock to `day`, applying effects due by then.
    pub fn advance_to<O: Observe>(&mut self, day: Day, obs: &mut O) {
        self.state.advance_to(self.world, day, obs);
        #[cfg(debug_assertions)]
        self.state.check_invariants(self.world);
    }

    /// Replays one event. On rejection the state is as after [`Engine::advance_to`] its date.
    pub fn step<O: Observe>(&mut self, event: &Event, obs: &mut O) -> Result<Seq, Reason> {
        if event.date >= self.state.clock {
            self.advance_to(event.date, obs);
        }
        self.state.decide_mut(self.world, event)?;
        let seq = self.state.next_seq();
        self.state.apply(self.world, event, obs);
        #[cfg(debug_assertions)]
        self.state.check_invariants(self.world);
        Ok(seq)
    }
}
