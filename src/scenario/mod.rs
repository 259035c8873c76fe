//! Scenario files: human-written TOML in, a [`World`], an initial [`State`] and events out.
//!
//! This is an edge: it reads text, resolves the ids people write into dense ids, and reports
//! every problem with the byte span of the offending table or value, so that errors can name
//! the file, line and column. The format is documented in docs/scenario-format.md.

mod problems;
mod resolve;
mod toml;

pub use problems::{Problem, line_col};
pub use resolve::{parse_date, resolve_events};
pub use toml::EventTable;

use crate::core::Day;
use crate::core::event::Event;
use crate::core::state::State;
use crate::core::world::World;
use resolve::Builder;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::{RawEventsFile, RawFile};

/// Text that goes with an event but not into the core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventMeta {
    pub id: String,
    pub span: Range<usize>,
    pub source: String,
    pub summary: Option<String>,
    pub note: Option<String>,
}

/// A loaded scenario. Events refer to each other by position in `events` (as [`Seq`](crate::core::world::Seq)); the
/// runner maps positions to log sequences as events are accepted.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub text: String,
    pub title: String,
    pub summary: Option<String>,
    pub start: Day,
    /// The last day the scenario covers; a full replay moves the clock here after the last
    /// event, so that measures scheduled up to it take effect.
    pub end: Option<Day>,
    /// General sources of the whole scenario, as listed in its header.
    pub sources: Vec<String>,
    pub world: World,
    pub initial: State,
    pub events: Vec<Event>,
    pub meta: Vec<EventMeta>,
}

impl Scenario {
    /// The position of the event with this id.
    pub fn event_index(&self, id: &str) -> Option<usize> {
        self.meta.iter().position(|m| m.id == id)
    }

    /// Line and column (from 1) of a byte offset in the source.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        line_col(&self.text, offset)
    }
}

/// Parses a file of `[[events]]` tables (and nothing else) to append after `earlier`, the ids
/// of the events already in a log, in order; events may refer to those by id. `start` is the
/// day the log starts. On failure returns every problem found.
pub fn parse_events(
    text: &str,
    world: &World,
    start: Day,
    earlier: &[String],
) -> Result<(Vec<Event>, Vec<EventMeta>), Vec<Problem>> {
    let raw: RawEventsFile = match ::toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let p = Problem::file("syntax", e.span(), e.message().to_string())
                .with_help("an event file holds [[events]] tables only, as in a scenario");
            return Err(vec![p]);
        }
    };
    let earlier: Vec<&str> = earlier.iter().map(String::as_str).collect();
    resolve_events(world, start, &earlier, &raw.events)
}

/// Reads and loads a scenario file.
pub fn load(path: &std::path::Path) -> Result<Scenario, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| LoadError::Io {
        path: path.display().to_string(),
        error: e.to_string(),
    })?;
    parse(&path.display().to_string(), &text).map_err(|(scenario, problems)| LoadError::Invalid {
        name: path.display().to_string(),
        text,
        problems,
        world: scenario.map(|s| Box::new(s.world)),
    })
}

/// Why a scenario could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    Io {
        path: String,
        error: String,
    },
    Invalid {
        name: String,
        text: String,
        problems: Vec<Problem>,
        world: Option<Box<World>>,
    },
}

type Partial = (Option<Box<Scenario>>, Vec<Problem>);

/// Parses scenario text. On failure returns every problem found (and nothing applied).
pub fn parse(name: &str, text: &str) -> Result<Scenario, Partial> {
    let raw: RawFile = match ::toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let p = Problem::file("syntax", e.span(), e.message().to_string());
            return Err((None, vec![p]));
        }
    };
    let mut b = Builder {
        problems: Vec::new(),
        world: World::default(),
        event_ids: BTreeMap::new(),
        start: Day::default(),
    };
    let start = b.date(&raw.scenario.start).unwrap_or_default();
    b.start = start;
    let end = raw.scenario.end.as_ref().and_then(|e| b.date(e));
    b.actors(&raw.actors);
    b.persons(&raw.persons);
    b.mission_defs(&raw.missions);
    let initial = b.initial(&raw, start);
    let (events, meta) = b.events(&raw.events);
    if let (Some(end), Some(last)) = (end, events.last())
        && end < last.date
    {
        let at = raw.scenario.end.as_ref().map(|e| e.span());
        b.err(
            "field",
            at,
            format!("`end` {end} is before the last event, dated {}", last.date),
        );
    }
    let problems = b.problems;
    let scenario = Scenario {
        name: name.to_string(),
        text: text.to_string(),
        title: raw.scenario.title,
        summary: raw.scenario.summary,
        start,
        end,
        sources: raw.scenario.sources,
        world: b.world,
        initial,
        events,
        meta,
    };
    if problems.is_empty() {
        Ok(scenario)
    } else {
        Err((Some(Box::new(scenario)), problems))
    }
}
