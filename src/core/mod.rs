//! The pure core: actors and missions, commands (events as announced), the rules that accept
//! or reject them, the facts an accepted command resolves into, and the state facts fold into.
//!
//! The data path: command -> [`State::decide_apply`] (rules, then every choice) -> facts ->
//! [`State::apply`] (infallible, no choice) -> state. Time passing is decided the same way
//! ([`State::advance`]).
//!
//! Architecture invariant: no I/O, no clock, no threads, no async, no randomness. Everything
//! here is a function of its inputs, so the same events give the same state on any machine.

/// The version of the rules that turn commands into facts. A log records the version its facts
/// were decided with. Bump it whenever a command, or the passing of time, would yield different
/// facts than before (a rule added or changed, a choice made differently): logs of an older
/// version still read as they were written, `log verify` shows where this build would decide
/// otherwise, and `log upgrade` rewrites them.
///
/// History: 1, the rules facts were first stored with; 2, consent is withdrawn only from consular
/// posts and offices, a property has no staff, a removal notified after its effective day takes
/// effect when notified, staff above a cap may depart before its compliance date, and posts
/// recalled staff leave above a cap are abolished, removals over all posts of a sender are
/// allocated to posts, a cancellation may name several events, and staff move between posts.
pub const RULES_VERSION: u32 = 2;

pub mod apply;
pub mod change;
pub mod clock;
pub mod day;
pub mod decide;
pub mod event;
pub mod fact;
pub mod invariants;
pub mod reject;
pub mod replay;
pub mod rules;
pub mod state;
pub mod world;

pub use change::{Change, Observe};
pub use day::Day;
pub use event::{
    Action, Body, CapScope, Category, Event, Kind, Limit, Measure, Removal, Staff, Threat, Tone,
    Who,
};
pub use fact::Fact;
pub use reject::Reason;
pub use replay::{Engine, Rejection, Step};
pub use state::{Lifecycle, State, Status};
pub use world::{ActorId, MissionId, PersonId, Seq, World};
