//! The pure core: actors and missions, events, the rules that accept or reject them, and the
//! state they fold into.
//!
//! Architecture invariant: no I/O, no clock, no threads, no async, no randomness. Everything
//! here is a function of its inputs, so the same events give the same state on any machine.

pub mod day;
pub mod event;
pub mod reject;
pub mod replay;
pub mod rules;
pub mod state;
pub mod world;

pub use day::Day;
pub use event::{Action, Body, CapScope, Category, Event, Kind, Limit, Measure, Staff, Tone, Who};
pub use reject::Reason;
pub use replay::{Engine, Rejection, Step};
pub use state::{Change, Lifecycle, State, Status};
pub use world::{ActorId, MissionId, PersonId, Seq, World};
