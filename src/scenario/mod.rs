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
use std::io::Read;
use std::ops::Range;
use std::path::Path;

/// The largest scenario or event file read, in bytes (64 MiB).
pub const MAX_FILE_BYTES: u64 = 64 << 20;
/// The longest id (of an actor, mission, person or event), in bytes.
pub const MAX_ID_BYTES: usize = 200;
/// The longest title, name or city, in bytes.
pub const MAX_NAME_BYTES: usize = 1024;
/// The longest summary of an event, in bytes.
pub const MAX_SUMMARY_BYTES: usize = 4 << 10;
/// The longest summary of a whole scenario, in bytes.
pub const MAX_SCENARIO_SUMMARY_BYTES: usize = 16 << 10;
/// The longest source (of an event, or one of the scenario's sources), in bytes.
pub const MAX_SOURCE_BYTES: usize = 2 << 10;
/// The longest note of an event, in bytes.
pub const MAX_NOTE_BYTES: usize = 64 << 10;

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
    let count = earlier.len();
    let mut lookup =
        |id: &str| -> Result<Option<usize>, String> { Ok(earlier.iter().position(|e| e == id)) };
    parse_events_after(text, world, start, count, &mut lookup)
}

/// [`parse_events`] after `count` earlier events that are looked up by id only for the ids the
/// tables mention (their own, and those they answer, adopt or cancel): a log's writer answers
/// from its index, without holding every id. `lookup` gives an earlier event's position, or
/// why it could not look (the error is reported as a problem).
pub fn parse_events_after(
    text: &str,
    world: &World,
    start: Day,
    count: usize,
    lookup: &mut dyn FnMut(&str) -> Result<Option<usize>, String>,
) -> Result<(Vec<Event>, Vec<EventMeta>), Vec<Problem>> {
    let mut problems = Vec::new();
    if let Some(p) = too_long(text) {
        return Err(vec![p]);
    }
    let Some(slots) = toml::read_events_file(text, &mut problems) else {
        return Err(problems);
    };
    tag_events(&mut problems, &slots);
    let mut known = resolve::Known {
        count,
        ids: Default::default(),
    };
    for id in toml::mentioned_ids(&slots) {
        match lookup(&id) {
            Ok(Some(i)) => {
                known.ids.insert(id, i);
            }
            Ok(None) => {}
            Err(why) => problems.push(Problem {
                span: None,
                event: None,
                code: "setup".into(),
                rule: None,
                message: format!("cannot look up the event id `{id}` in the log: {why}"),
                help: None,
            }),
        }
    }
    resolve::resolve_slots(world, start, &known, &slots, problems)
}

/// Gives the problems found reading an event table the id of that event.
fn tag_events(problems: &mut [Problem], slots: &[toml::EventSlot]) {
    for p in problems {
        let Some(at) = &p.span else { continue };
        let slot = slots
            .iter()
            .find(|s| s.span.start <= at.start && at.end <= s.span.end);
        if let Some(id) = slot.and_then(|s| s.id.as_ref()) {
            p.event.get_or_insert_with(|| id.get_ref().clone());
        }
    }
}

fn too_long(text: &str) -> Option<Problem> {
    (text.len() as u64 > MAX_FILE_BYTES).then(|| {
        let msg = format!(
            "the text is {} bytes long; at most {MAX_FILE_BYTES} are read",
            text.len()
        );
        Problem::file("syntax", None, msg)
    })
}

/// Checks that `path` is a regular file of at most [`MAX_FILE_BYTES`], from its metadata alone:
/// a FIFO, a device such as /dev/zero or a directory is refused without being opened, so that
/// nothing blocks or reads forever. Returns its size.
pub fn check_file(path: &Path) -> Result<u64, LoadError> {
    let io = |error: String| LoadError::Io {
        path: path.display().to_string(),
        error,
    };
    let meta = std::fs::metadata(path).map_err(|e| io(e.to_string()))?;
    let ft = meta.file_type();
    if !ft.is_file() {
        let what = if ft.is_dir() {
            "a directory"
        } else if is_fifo(&ft) {
            "a FIFO (named pipe)"
        } else {
            "a device or other special file"
        };
        return Err(io(format!(
            "not a regular file but {what}; give the path of a scenario file"
        )));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(io(format!(
            "the file is {} bytes long; at most {MAX_FILE_BYTES} are read",
            meta.len()
        )));
    }
    Ok(meta.len())
}

#[cfg(unix)]
fn is_fifo(ft: &std::fs::FileType) -> bool {
    std::os::unix::fs::FileTypeExt::is_fifo(ft)
}

#[cfg(not(unix))]
fn is_fifo(_: &std::fs::FileType) -> bool {
    false
}

/// Reads a scenario or event file as text, after [`check_file`], never more than
/// [`MAX_FILE_BYTES`] even if the file grows while it is read.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    check_file(path)?;
    let io = |error: String| LoadError::Io {
        path: path.display().to_string(),
        error,
    };
    let file = std::fs::File::open(path).map_err(|e| io(e.to_string()))?;
    // The path could have been replaced between the check and the open.
    if !file.metadata().map_err(|e| io(e.to_string()))?.is_file() {
        return Err(io("not a regular file".into()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(io(format!(
            "the file grew beyond {MAX_FILE_BYTES} bytes while it was read"
        )));
    }
    String::from_utf8(bytes).map_err(|e| io(format!("not UTF-8 text: {e}")))
}

/// Reads and loads a scenario file.
pub fn load(path: &Path) -> Result<Scenario, LoadError> {
    let text = read_text(path)?;
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

/// Parses scenario text. On failure returns every problem found (and nothing applied): every
/// problem in reading the file's tables, then every problem resolving what could be read.
pub fn parse(name: &str, text: &str) -> Result<Scenario, Partial> {
    if let Some(p) = too_long(text) {
        return Err((None, vec![p]));
    }
    let mut problems = Vec::new();
    let Some(raw) = toml::read_file(text, &mut problems) else {
        return Err((None, problems));
    };
    problems.sort_by_key(|p| p.span.as_ref().map_or(0, |s| s.start));
    tag_events(&mut problems, &raw.events);
    let mut b = Builder {
        problems,
        world: World::default(),
        event_ids: BTreeMap::new(),
        start: None,
        unreadable: raw.unreadable.clone(),
        dropped: Vec::new(),
    };
    let meta = raw.scenario.as_ref().map(|m| m.get_ref());
    let start = meta.and_then(|m| b.date(&m.start, "start"));
    b.start = start;
    let start = start.unwrap_or_default();
    let end = meta
        .and_then(|m| m.end.as_ref())
        .and_then(|e| b.date(e, "end"));
    if let Some(m) = meta {
        b.bounded(&m.title, "title", MAX_NAME_BYTES);
        if let Some(s) = &m.summary {
            b.bounded(s, "summary", MAX_SCENARIO_SUMMARY_BYTES);
        }
        for s in &m.sources {
            b.bounded(s, "sources", MAX_SOURCE_BYTES);
        }
    }
    b.actors(&raw.actors);
    b.persons(&raw.persons);
    b.mission_defs(&raw.missions);
    let initial = b.initial(&raw, start);
    let (events, meta_of_events) = b.events(&raw.events);
    if let (Some(end), Some(last)) = (end, events.last())
        && end < last.date
    {
        let at = meta.and_then(|m| m.end.as_ref()).map(|e| e.span());
        b.err(
            "field",
            at,
            format!("`end` {end} is before the last event, dated {}", last.date),
        );
    }
    let problems = b.problems;
    let text_of = |s: &::toml::Spanned<String>| s.get_ref().clone();
    let scenario = Scenario {
        name: name.to_string(),
        text: text.to_string(),
        title: meta.map(|m| text_of(&m.title)).unwrap_or_default(),
        summary: meta.and_then(|m| m.summary.as_ref()).map(text_of),
        start,
        end,
        sources: meta
            .map(|m| m.sources.iter().map(text_of).collect())
            .unwrap_or_default(),
        world: b.world,
        initial,
        events,
        meta: meta_of_events,
    };
    if problems.is_empty() {
        Ok(scenario)
    } else {
        Err((Some(Box::new(scenario)), problems))
    }
}
