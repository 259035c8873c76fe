//! Runs a loaded scenario through the engine: maps file positions to log sequences, records
//! what every event and scheduled effect changed, and turns rejections into [`Problem`]s that
//! point at the event's table in the file.

use crate::core::Change;
use crate::core::event::{Body, Event};
use crate::core::state::State;
use crate::core::{Day, Engine, Seq};
use crate::scenario::{Problem, Scenario};

/// Where to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Until {
    /// Every event, and the clock left at the last event's date.
    End,
    /// Through the event at this file position (inclusive).
    Event(usize),
    /// Every event dated on or before this day, then the clock moved to it (so effects due by
    /// then have applied).
    Date(Day),
}

/// What caused an entry of the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The event at this file position.
    Event(usize),
    /// A scheduled effect of the event at this file position (deferred measure, deadline,
    /// compliance date).
    Effect(usize),
}

/// One line group of the timeline.
#[derive(Clone, Debug)]
pub struct Entry {
    pub day: Day,
    pub origin: Origin,
    pub changes: Vec<Change>,
}

/// The outcome of a run.
#[derive(Clone, Debug)]
pub struct Run {
    pub state: State,
    pub timeline: Vec<Entry>,
    pub problems: Vec<Problem>,
    /// File position of each accepted sequence.
    pub index_of: Vec<usize>,
    /// Events that were replayed (accepted or rejected).
    pub considered: usize,
}

impl Run {
    pub fn accepted(&self) -> usize {
        self.index_of.len()
    }
}

/// Replays `scenario` up to `until`. With `keep_going`, a rejected event is reported and the
/// run goes on without it (to find every error); otherwise the run stops at it.
pub fn run(scenario: &Scenario, until: Until, keep_going: bool) -> Run {
    run_from(scenario, scenario.initial.clone(), 0, until, keep_going)
}

/// Like [`run`], starting from `state`, the state after the first `first` events, all of them
/// accepted (a snapshot of a log). The timeline covers the events from `first` on.
pub fn run_from(
    scenario: &Scenario,
    state: State,
    first: usize,
    until: Until,
    keep_going: bool,
) -> Run {
    debug_assert_eq!(state.next_seq().index(), first);
    let mut engine = Engine::new(&scenario.world, state);
    let mut seq_of: Vec<Option<Seq>> = Vec::with_capacity(scenario.events.len());
    seq_of.extend((0..first).map(|i| Some(Seq(i as u32))));
    let mut out = Run {
        state: scenario.initial.clone(),
        timeline: Vec::new(),
        problems: Vec::new(),
        index_of: (0..first).collect(),
        considered: first,
    };
    let mut changes: Vec<(Day, Seq, Change)> = Vec::new();
    for (i, event) in scenario.events.iter().enumerate().skip(first) {
        if let Until::Date(d) = until
            && event.date > d
        {
            break;
        }
        out.considered += 1;
        let meta = &scenario.meta[i];
        let event = match remap(event, &seq_of) {
            Ok(e) => e,
            Err(target) => {
                out.problems.push(Problem {
                    span: Some(meta.span.clone()),
                    event: Some(meta.id.clone()),
                    code: "E002".into(),
                    rule: Some("ResponseNotEarlier, rule causality".into()),
                    message: format!(
                        "refers to `{}`, which was rejected, so it is not in the log",
                        scenario.meta[target].id
                    ),
                    help: None,
                });
                seq_of.push(None);
                if keep_going {
                    continue;
                }
                break;
            }
        };
        changes.clear();
        let result = engine.step(&event, &mut changes);
        group(&changes, &out.index_of, i, &mut out.timeline);
        match result {
            Ok(seq) => {
                debug_assert_eq!(seq.index(), out.index_of.len());
                if !out
                    .timeline
                    .iter()
                    .rev()
                    .any(|e| e.origin == Origin::Event(i))
                {
                    out.timeline.push(Entry {
                        day: event.date,
                        origin: Origin::Event(i),
                        changes: Vec::new(),
                    });
                }
                out.index_of.push(i);
                seq_of.push(Some(seq));
            }
            Err(reason) => {
                let p = Problem::rejected(&reason, &scenario.world, &meta.id, meta.span.clone());
                out.problems.push(p);
                seq_of.push(None);
                if !keep_going {
                    break;
                }
            }
        }
        if until == Until::Event(i) {
            break;
        }
    }
    let end = match until {
        Until::Date(d) => Some(d),
        Until::End => scenario.end,
        Until::Event(_) => None,
    };
    if let Some(d) = end
        && (out.problems.is_empty() || keep_going)
    {
        changes.clear();
        engine.advance_to(d, &mut changes);
        group(&changes, &out.index_of, usize::MAX, &mut out.timeline);
    }
    out.state = engine.state;
    out
}

/// Sorts recorded changes into timeline entries: those caused by the event being stepped
/// (file position `current`), and those of scheduled effects of earlier events.
pub(crate) fn group(
    changes: &[(Day, Seq, Change)],
    index_of: &[usize],
    current: usize,
    timeline: &mut Vec<Entry>,
) {
    for (day, cause, change) in changes {
        let origin = match index_of.get(cause.index()) {
            Some(&i) => Origin::Effect(i),
            None => Origin::Event(current),
        };
        match timeline.last_mut() {
            Some(e) if e.day == *day && e.origin == origin => e.changes.push(change.clone()),
            _ => timeline.push(Entry {
                day: *day,
                origin,
                changes: vec![change.clone()],
            }),
        }
    }
}

/// Rewrites file positions in references into log sequences. Returns the position of a
/// referenced event that was rejected.
fn remap(event: &Event, seq_of: &[Option<Seq>]) -> Result<Event, usize> {
    let map = |s: Seq| seq_of.get(s.index()).copied().flatten().ok_or(s.index());
    let mut e = event.clone();
    for r in &mut e.in_response_to {
        *r = map(*r)?;
    }
    match &mut e.body {
        Body::ProposalAdopted { proposal } => *proposal = map(*proposal)?,
        Body::MeasuresCancelled { of, .. } => {
            for o in of {
                *o = map(*o)?;
            }
        }
        _ => {}
    }
    Ok(e)
}
