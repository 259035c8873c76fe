//! The serde types of a scenario file, as written: ids and dates are still text, every value
//! keeps its byte span.

use super::problems::{Problem, did_you_mean, shown};
use crate::core::event::Kind;
use ::toml::Spanned;
use ::toml::de::{DeTable, DeValue, ValueDeserializer};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::ops::Range;

/// A date as written: quoted text (`"2021-10-06"`) or a native TOML date (`2021-10-06`). Which
/// of them is a valid day, without a time of day, is decided when it is resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum DateText {
    Text(String),
    Native(::toml::value::Datetime),
}

impl<'de> Deserialize<'de> for DateText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = DateText;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a date, YYYY-MM-DD")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<DateText, E> {
                Ok(DateText::Text(s.to_string()))
            }
            // TOML date-times reach serde as a one-entry map.
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<DateText, A::Error> {
                let de = serde::de::value::MapAccessDeserializer::new(map);
                ::toml::value::Datetime::deserialize(de).map(DateText::Native)
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// A scenario file as read: every table that could be read, each kept with its span. A table
/// with a problem is left out (and its problem reported), except that an event table always
/// keeps its place in `events`, so that later events still find the ones it names.
#[derive(Default)]
pub(super) struct RawFile {
    pub(super) scenario: Option<Spanned<RawMeta>>,
    pub(super) actors: Vec<Spanned<RawActor>>,
    pub(super) missions: Vec<Spanned<RawMission>>,
    pub(super) persons: Vec<Spanned<RawPerson>>,
    pub(super) caps: Vec<Spanned<RawCap>>,
    pub(super) relations: Vec<Spanned<RawRelation>>,
    pub(super) channels: Vec<Spanned<RawChannel>>,
    pub(super) events: Vec<EventSlot>,
    /// The ids of actors, missions and persons whose tables could not be read, as
    /// (`"actors"`, id) and so on: references to them are not reported again.
    pub(super) unreadable: Vec<(&'static str, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMeta {
    pub(super) title: Spanned<String>,
    #[serde(default)]
    pub(super) summary: Option<Spanned<String>>,
    pub(super) start: Spanned<DateText>,
    #[serde(default)]
    pub(super) end: Option<Spanned<DateText>>,
    #[serde(default)]
    pub(super) sources: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawActor {
    pub(super) id: Spanned<String>,
    pub(super) name: Spanned<String>,
    pub(super) kind: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPerson {
    pub(super) id: Spanned<String>,
    #[serde(default)]
    pub(super) category: Option<Spanned<String>>,
}

#[derive(Deserialize, Clone)]
#[serde(untagged)]
pub(super) enum RawStaff {
    Total(u32),
    ByCategory(BTreeMap<String, u32>),
}

/// Events named by id: one, or a list (`of = ["a", "b"]`).
#[derive(Deserialize, Clone)]
#[serde(untagged)]
pub(super) enum RawRefs {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMission {
    pub(super) id: Spanned<String>,
    pub(super) name: Spanned<String>,
    pub(super) kind: Spanned<String>,
    pub(super) sender: Spanned<String>,
    pub(super) receiver: Spanned<String>,
    #[serde(default)]
    pub(super) territory: Option<Spanned<String>>,
    pub(super) city: Spanned<String>,
    #[serde(default)]
    pub(super) hosted_by: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) status: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) staff: Option<Spanned<RawStaff>>,
    #[serde(default)]
    pub(super) members: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) vacant: u32,
    #[serde(default)]
    pub(super) requested: u32,
    #[serde(default)]
    pub(super) locally_employed: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCap {
    #[serde(default)]
    pub(super) mission: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) sender: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) host: Option<Spanned<String>>,
    pub(super) limit: u32,
    pub(super) set_by: Spanned<String>,
    #[serde(default)]
    pub(super) since: Option<Spanned<DateText>>,
    #[serde(default)]
    pub(super) counts: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRelation {
    pub(super) between: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) broken: bool,
    #[serde(default)]
    pub(super) contacts_frozen: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawChannel {
    pub(super) between: Vec<Spanned<String>>,
    pub(super) via: Spanned<String>,
    #[serde(default)]
    pub(super) since: Option<Spanned<DateText>>,
}

/// Declares a raw table type holding `$extra` fields plus every field a measure may carry, and
/// its conversion into [`RawFields`]. One list serves events, measures and `RawFields`, because
/// serde's `flatten` would lose the spans errors point at.
macro_rules! with_measure_fields {
    ($name:ident { $($(#[$m:meta])* $extra:ident : $ety:ty),* $(,)? }) => {
        #[derive(Deserialize, Clone)]
        #[serde(deny_unknown_fields)]
        pub(super) struct $name {
            $($(#[$m])* pub(super) $extra: $ety,)*
            #[serde(default)] pub(super) mission: Option<Spanned<String>>,
            #[serde(default)] pub(super) count: Option<Spanned<u32>>,
            #[serde(default)] pub(super) category: Option<Spanned<String>>,
            #[serde(default)] pub(super) persons: Option<Vec<Spanned<String>>>,
            #[serde(default)] pub(super) all: Option<Spanned<bool>>,
            #[serde(default)] pub(super) depart_by: Option<Spanned<DateText>>,
            #[serde(default)] pub(super) limit: Option<Spanned<u32>>,
            #[serde(default)] pub(super) reduce_by: Option<Spanned<u32>>,
            #[serde(default)] pub(super) comply_by: Option<Spanned<DateText>>,
            #[serde(default)] pub(super) sender: Option<Spanned<String>>,
            #[serde(default)] pub(super) host: Option<Spanned<String>>,
            #[serde(default)] pub(super) with: Option<Spanned<String>>,
            #[serde(default)] pub(super) via: Option<Spanned<String>>,
            #[serde(default)] pub(super) target: Option<Spanned<String>>,
            #[serde(default)] pub(super) tone: Option<Spanned<String>>,
            #[serde(default)] pub(super) in_post: Option<Spanned<RawStaff>>,
            #[serde(default)] pub(super) vacant: Option<Spanned<u32>>,
            #[serde(default)] pub(super) proposal: Option<Spanned<String>>,
            #[serde(default)] pub(super) of: Option<Spanned<RawRefs>>,
            #[serde(default)] pub(super) how: Option<Spanned<String>>,
            #[serde(default)] pub(super) cap: Option<Spanned<u32>>,
            #[serde(default)] pub(super) measure: Option<Spanned<String>>,
            #[serde(default)] pub(super) from: Option<Spanned<String>>,
            #[serde(default)] pub(super) to: Option<Spanned<String>>,
            #[serde(default)] pub(super) move_to: Option<Spanned<String>>,
            #[serde(default)] pub(super) counts: Option<Spanned<String>>,
        }

        impl $name {
            #[allow(dead_code)]
            pub(super) fn fields(&self) -> RawFields {
                RawFields {
                    mission: self.mission.clone(),
                    count: self.count.clone(),
                    category: self.category.clone(),
                    persons: self.persons.clone(),
                    all: self.all.clone(),
                    depart_by: self.depart_by.clone(),
                    limit: self.limit.clone(),
                    reduce_by: self.reduce_by.clone(),
                    comply_by: self.comply_by.clone(),
                    sender: self.sender.clone(),
                    host: self.host.clone(),
                    with: self.with.clone(),
                    via: self.via.clone(),
                    target: self.target.clone(),
                    tone: self.tone.clone(),
                    in_post: self.in_post.clone(),
                    vacant: self.vacant.clone(),
                    proposal: self.proposal.clone(),
                    of: self.of.clone(),
                    how: self.how.clone(),
                    cap: self.cap.clone(),
                    measure: self.measure.clone(),
                    from: self.from.clone(),
                    to: self.to.clone(),
                    move_to: self.move_to.clone(),
                    counts: self.counts.clone(),
                }
            }
        }
    };
}

// The fields a measure may carry. Which apply depends on the kind; a field set where it does
// not apply is an error, never ignored.
with_measure_fields!(RawFields {});

with_measure_fields!(RawMeasure {
    kind: Spanned<String>,
    #[serde(default)]
    effective: Option<Spanned<DateText>>,
});

with_measure_fields!(RawEvent {
    id: Spanned<String>,
    date: Spanned<DateText>,
    kind: Spanned<String>,
    actor: Spanned<String>,
    #[serde(default)]
    effective: Option<Spanned<DateText>>,
    #[serde(default)]
    notified: Option<Spanned<DateText>>,
    #[serde(default)]
    in_response_to: Vec<Spanned<String>>,
    #[serde(default)]
    source: Option<Spanned<String>>,
    #[serde(default)]
    summary: Option<Spanned<String>>,
    #[serde(default)]
    note: Option<Spanned<String>>,
    #[serde(default)]
    proposed: bool,
    #[serde(default)]
    measures: Vec<Spanned<RawMeasure>>,
});

/// An `[[events]]` table as written, not yet resolved against a cast. Branch files (see
/// `crate::whatif`) embed such tables to insert or replace events in a scenario.
#[derive(Deserialize, Clone)]
#[serde(transparent)]
pub struct EventTable(pub(super) Spanned<RawEvent>);

impl EventTable {
    /// The id written in the table.
    pub fn id(&self) -> &str {
        self.0.get_ref().id.get_ref()
    }

    /// Byte range of the table in its file.
    pub fn span(&self) -> Range<usize> {
        self.0.span()
    }
}

impl RawFields {
    pub(super) fn set_names(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        macro_rules! check {
            ($($f:ident),*) => { $( if self.$f.is_some() { v.push(stringify!($f)); } )* };
        }
        check!(
            mission, count, category, persons, all, depart_by, limit, reduce_by, comply_by, sender,
            host, with, via, target, tone, in_post, vacant, proposal, of, how, cap, measure, from,
            to, move_to, counts
        );
        v
    }

    pub(super) fn any_set(&self) -> bool {
        !self.set_names().is_empty()
    }
}

// ---- Reading a file table by table, so that one problem does not hide the others ----

/// The top-level tables of a scenario file.
pub(super) const SECTIONS: &[&str] = &[
    "scenario",
    "actors",
    "missions",
    "persons",
    "caps",
    "relations",
    "channels",
    "events",
];
pub(super) const META_FIELDS: &[&str] = &["title", "summary", "start", "end", "sources"];
pub(super) const ACTOR_FIELDS: &[&str] = &["id", "name", "kind"];
pub(super) const PERSON_FIELDS: &[&str] = &["id", "category"];
pub(super) const MISSION_FIELDS: &[&str] = &[
    "id",
    "name",
    "kind",
    "sender",
    "receiver",
    "territory",
    "city",
    "hosted_by",
    "status",
    "staff",
    "members",
    "vacant",
    "requested",
    "locally_employed",
];
pub(super) const CAP_FIELDS: &[&str] = &[
    "mission", "sender", "host", "limit", "set_by", "since", "counts",
];
pub(super) const RELATION_FIELDS: &[&str] = &["between", "broken", "contacts_frozen"];
pub(super) const CHANNEL_FIELDS: &[&str] = &["between", "via", "since"];
/// The fields a measure may carry (which apply depends on its kind).
pub(super) const MEASURE_FIELDS: &[&str] = &[
    "mission",
    "count",
    "category",
    "persons",
    "all",
    "depart_by",
    "limit",
    "reduce_by",
    "comply_by",
    "sender",
    "host",
    "with",
    "via",
    "target",
    "tone",
    "in_post",
    "vacant",
    "proposal",
    "of",
    "how",
    "cap",
    "measure",
    "from",
    "to",
    "move_to",
    "counts",
];
/// The fields of an event besides those of its measure.
pub(super) const EVENT_OWN_FIELDS: &[&str] = &[
    "id",
    "date",
    "kind",
    "actor",
    "effective",
    "notified",
    "in_response_to",
    "source",
    "summary",
    "note",
    "proposed",
    "measures",
];
/// The fields of an `[[events.measures]]` table besides those of its measure.
pub(super) const MEASURE_OWN_FIELDS: &[&str] = &["kind", "effective"];

/// One `[[events]]` table: read, or not (its problems reported), with the id written in it
/// when there is one, so that other events may still refer to it.
/// Every event id the tables mention: their own, and those they answer, adopt or cancel.
pub(super) fn mentioned_ids(slots: &[EventSlot]) -> Vec<String> {
    let mut out = Vec::new();
    for s in slots {
        out.extend(s.id.as_ref().map(|i| i.get_ref().clone()));
        if let Some(t) = &s.table {
            let r = t.get_ref();
            out.extend(r.in_response_to.iter().map(|i| i.get_ref().clone()));
            out.extend(r.proposal.iter().map(|i| i.get_ref().clone()));
            if let Some(of) = &r.of {
                match of.get_ref() {
                    RawRefs::One(id) => out.push(id.clone()),
                    RawRefs::Many(ids) => out.extend(ids.iter().cloned()),
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[derive(Clone)]
pub(super) struct EventSlot {
    pub(super) table: Option<Spanned<RawEvent>>,
    pub(super) id: Option<Spanned<String>>,
    /// From the table's header to the end of its last value.
    pub(super) span: Range<usize>,
    /// Keys left out of the table because their values could not be read (each reported).
    pub(super) dropped: Vec<String>,
}

impl From<&EventTable> for EventSlot {
    fn from(t: &EventTable) -> EventSlot {
        EventSlot {
            table: Some(t.0.clone()),
            id: Some(t.0.get_ref().id.clone()),
            span: t.0.span(),
            dropped: Vec::new(),
        }
    }
}

/// Reads a whole scenario file. Syntax errors end the reading; after that every table is read
/// on its own and every problem in it reported.
pub(super) fn read_file(text: &str, problems: &mut Vec<Problem>) -> Option<RawFile> {
    let root = parse_document(text, problems, None)?;
    let mut raw = RawFile::default();
    let mut found = Vec::new();
    for (key, value) in root.into_inner() {
        let at = value.span();
        found.push(key.get_ref().to_string());
        match key.get_ref().as_ref() {
            "scenario" => {
                raw.scenario = read_table(value, "[scenario]", META_FIELDS, &|_| None, problems).0
            }
            "actors" => {
                raw.actors = read_list(value, "actors", ACTOR_FIELDS, &mut raw.unreadable, problems)
            }
            "missions" => {
                raw.missions = read_list(
                    value,
                    "missions",
                    MISSION_FIELDS,
                    &mut raw.unreadable,
                    problems,
                )
            }
            "persons" => {
                raw.persons = read_list(
                    value,
                    "persons",
                    PERSON_FIELDS,
                    &mut raw.unreadable,
                    problems,
                )
            }
            "caps" => raw.caps = read_list(value, "caps", CAP_FIELDS, &mut Vec::new(), problems),
            "relations" => {
                raw.relations = read_list(
                    value,
                    "relations",
                    RELATION_FIELDS,
                    &mut Vec::new(),
                    problems,
                )
            }
            "channels" => {
                raw.channels =
                    read_list(value, "channels", CHANNEL_FIELDS, &mut Vec::new(), problems)
            }
            "events" => raw.events = read_events(value, problems),
            other => problems.push(unknown_key(other, key.span(), "table", SECTIONS, &|_| None)),
        }
        let _ = at;
    }
    if !found.iter().any(|k| k == "scenario") {
        problems.push(
            Problem::file(
                "field",
                Some(0..0),
                "the file has no [scenario] table".into(),
            )
            .with_help("begin the file with [scenario], its title and its start date"),
        );
    }
    Some(raw)
}

/// Reads a file of `[[events]]` tables and nothing else.
pub(super) fn read_events_file(text: &str, problems: &mut Vec<Problem>) -> Option<Vec<EventSlot>> {
    let help = "an event file holds [[events]] tables only, as in a scenario";
    let root = parse_document(text, problems, Some(help))?;
    let mut events = Vec::new();
    for (key, value) in root.into_inner() {
        if key.get_ref() == "events" {
            events = read_events(value, problems);
        } else {
            let p = unknown_key(key.get_ref(), key.span(), "table", &["events"], &|_| None);
            problems.push(p.with_help(help));
        }
    }
    Some(events)
}

fn parse_document<'i>(
    text: &'i str,
    problems: &mut Vec<Problem>,
    help: Option<&str>,
) -> Option<Spanned<DeTable<'i>>> {
    match DeTable::parse(text) {
        Ok(root) => Some(root),
        Err(e) => {
            let p = Problem::file("syntax", e.span(), e.message().trim().to_string());
            problems.push(p.maybe_help(help.map(str::to_string)));
            None
        }
    }
}

/// An unknown key: a table (`what` = "table") or a field of `what`.
fn unknown_key(
    key: &str,
    at: Range<usize>,
    what: &str,
    valid: &[&str],
    otherwise: &dyn Fn(&str) -> Option<String>,
) -> Problem {
    let message = if what == "table" {
        format!("unknown table `{}`", shown(key))
    } else {
        format!("unknown field `{}` in {what}", shown(key))
    };
    let help = did_you_mean(key, valid.iter().copied())
        .or_else(|| otherwise(key))
        .unwrap_or_else(|| format!("the fields are: {}", valid.join(", ")));
    let help = if what == "table" && !help.starts_with("did") {
        format!("the tables are: {}", SECTIONS.join(", "))
    } else {
        help
    };
    Problem::file("field", Some(at), message).with_help(help)
}

/// Reads `[[name]]` tables.
/// Reads `[[name]]` tables; the ids of those that could not be read go to `unreadable`, as
/// (`name`, id).
fn read_list<T: DeserializeOwned>(
    value: Spanned<DeValue<'_>>,
    name: &'static str,
    fields: &[&str],
    unreadable: &mut Vec<(&'static str, String)>,
    problems: &mut Vec<Problem>,
) -> Vec<Spanned<T>> {
    let Some(items) = list(value, name, problems) else {
        return Vec::new();
    };
    let what = format!("[[{name}]]");
    let mut read = Vec::new();
    for item in items {
        let id = id_of(&item);
        match read_table(item, &what, fields, &|_| None, problems).0 {
            Some(t) => read.push(t),
            None => unreadable.extend(id.map(|id| (name, id.into_inner()))),
        }
    }
    read
}

/// Where a value ends, nested values included (the span of an `[[events]]` table is its header
/// alone).
fn extent(v: &Spanned<DeValue<'_>>) -> usize {
    let inner = match v.get_ref() {
        DeValue::Table(t) => t
            .iter()
            .map(|(k, v)| extent(v).max(k.span().end))
            .max()
            .unwrap_or(0),
        DeValue::Array(a) => a.iter().map(extent).max().unwrap_or(0),
        _ => 0,
    };
    inner.max(v.span().end)
}

/// The `id` written in a table, if it is text.
fn id_of(item: &Spanned<DeValue<'_>>) -> Option<Spanned<String>> {
    let DeValue::Table(t) = item.get_ref() else {
        return None;
    };
    t.iter()
        .find(|(k, _)| k.get_ref() == "id")
        .and_then(|(_, v)| {
            let s = v.get_ref().as_str()?;
            Some(Spanned::new(v.span(), s.to_string()))
        })
}

fn list<'i>(
    value: Spanned<DeValue<'i>>,
    name: &str,
    problems: &mut Vec<Problem>,
) -> Option<Vec<Spanned<DeValue<'i>>>> {
    let at = value.span();
    match value.into_inner() {
        DeValue::Array(items) => Some(items.to_vec()),
        other => {
            let msg = format!("`{name}` is a {}, not a list of tables", other.type_str());
            problems.push(
                Problem::file("field", Some(at), msg)
                    .with_help(format!("write each one under its own [[{name}]] header")),
            );
            None
        }
    }
}

/// Reads `[[events]]` tables: each keeps its place, read or not.
fn read_events(value: Spanned<DeValue<'_>>, problems: &mut Vec<Problem>) -> Vec<EventSlot> {
    let Some(items) = list(value, "events", problems) else {
        return Vec::new();
    };
    let mut slots = Vec::new();
    for mut item in items {
        let span = item.span();
        let id = id_of(&item);
        let span = span.start..extent(&item).max(span.end);
        if let DeValue::Table(t) = item.get_mut() {
            let kind = kind_of(t);
            if let Some((_, DeValue::Array(measures))) = t
                .iter_mut()
                .find(|(k, _)| k.get_ref() == "measures")
                .map(|(k, v)| (k, v.get_mut()))
            {
                for m in measures.iter_mut() {
                    if let DeValue::Table(mt) = m.get_mut() {
                        let kind = kind_of(mt);
                        let help = |_: &str| kind_fields_help(kind.as_deref(), false);
                        strip_unknown(
                            mt,
                            "[[events.measures]]",
                            &fields(MEASURE_OWN_FIELDS),
                            &help,
                            problems,
                        );
                    }
                }
            }
            let help = |_: &str| kind_fields_help(kind.as_deref(), true);
            strip_unknown(t, "[[events]]", &fields(EVENT_OWN_FIELDS), &help, problems);
        }
        let (table, dropped) = read_table(item, "[[events]]", &[], &|_| None, problems);
        slots.push(EventSlot {
            table,
            id,
            span,
            dropped,
        });
    }
    slots
}

fn fields(own: &[&'static str]) -> Vec<&'static str> {
    own.iter().chain(MEASURE_FIELDS).copied().collect()
}

fn kind_of(t: &DeTable<'_>) -> Option<String> {
    t.iter()
        .find(|(k, _)| k.get_ref() == "kind")
        .and_then(|(_, v)| v.get_ref().as_str().map(str::to_string))
}

/// The fields that apply to `kind`, when it is a known kind.
fn kind_fields_help(kind: Option<&str>, event: bool) -> Option<String> {
    let kind = Kind::from_key(kind?)?;
    let described = kind.info().fields;
    let mut own: Vec<&str> = described
        .split(|c: char| !(c.is_ascii_lowercase() || c == '_'))
        .filter(|w| MEASURE_FIELDS.contains(w) || *w == "measures")
        .collect();
    own.dedup();
    if kind.is_measure() {
        own.push("effective");
    }
    let common = if event {
        "; every event also has id, date, kind, actor, notified, in_response_to, source, summary and note"
    } else {
        ""
    };
    Some(format!("{} takes {}{common}", kind.key(), own.join(", ")))
}

/// Reports and removes every key of `table` not in `valid`.
fn strip_unknown(
    table: &mut DeTable<'_>,
    what: &str,
    valid: &[&str],
    otherwise: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<Problem>,
) {
    for (k, v) in std::mem::take(table) {
        if valid.contains(&k.get_ref().as_ref()) {
            table.insert(k, v);
        } else {
            problems.push(unknown_key(k.get_ref(), k.span(), what, valid, otherwise));
        }
    }
}

/// Reads one table into `T`, reporting every problem in it rather than the first: each
/// unknown key (unless `fields` is empty: the caller checked them), then each value of the
/// wrong type, which is left out before reading the table again, then a missing field. Returns
/// the table when it could be read, even with values left out (their problems are reported),
/// and the keys left out.
fn read_table<T: DeserializeOwned>(
    value: Spanned<DeValue<'_>>,
    what: &str,
    fields: &[&str],
    otherwise: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<Problem>,
) -> (Option<Spanned<T>>, Vec<String>) {
    let span = value.span();
    let mut table = match value.into_inner() {
        DeValue::Table(t) => t,
        other => {
            let msg = format!("{what} is a {}, not a table", other.type_str());
            problems.push(Problem::file("field", Some(span), msg));
            return (None, Vec::new());
        }
    };
    if !fields.is_empty() {
        strip_unknown(&mut table, what, fields, otherwise, problems);
    }
    let mut dropped: Vec<String> = Vec::new();
    // Each round either reads the table or removes one key, so this ends.
    for _ in 0..=table.len() {
        let de = ValueDeserializer::from(Spanned::new(span.clone(), DeValue::Table(table.clone())));
        let e = match Spanned::<T>::deserialize(de) {
            Ok(t) => return (Some(t), dropped),
            Err(e) => e,
        };
        let message = e.message().trim().to_string();
        if let Some(missing) = missing_field(&message) {
            if !dropped.iter().any(|d| d == missing) {
                let msg = format!("{what} needs `{missing}`");
                problems.push(Problem::file("field", Some(span.clone()), msg));
            }
            return (None, dropped);
        }
        let at = e.span().unwrap_or(span.clone());
        let key = table
            .iter()
            .find(|(k, v)| k.span().start <= at.start && at.start < v.span().end.max(k.span().end))
            .map(|(k, _)| k.get_ref().to_string());
        let Some(key) = key else {
            problems.push(Problem::file("field", Some(at), message));
            return (None, dropped);
        };
        let msg = format!("`{key}`: {}", type_message(&message));
        problems.push(Problem::file("field", Some(at), msg));
        table = std::mem::take(&mut table)
            .into_iter()
            .filter(|(k, _)| k.get_ref() != &key)
            .collect();
        dropped.push(key);
    }
    (None, dropped)
}

/// The field named in serde's "missing field `x`".
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// serde's type errors, in the terms of a scenario file.
fn type_message(message: &str) -> String {
    message
        .replace("invalid type: map, expected a date", "expected a date")
        .replace(
            "expected u32",
            "expected a whole number from 0 to 4294967295",
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fields serde expects of `T`, from its message about an unknown one.
    fn serde_fields<T: DeserializeOwned>() -> Vec<String> {
        let Err(e) = ::toml::from_str::<T>("zzz_unknown = 1") else {
            panic!("an unknown field was accepted");
        };
        let m = e.message().to_string();
        // "expected `a` or `b`", or "expected one of `a`, `b`, `c`".
        let list = m.split("expected ").nth(1).unwrap_or_else(|| panic!("{m}"));
        let list = list.strip_prefix("one of ").unwrap_or(list);
        list.split([',', ' '])
            .filter(|w| w.starts_with('`'))
            .map(|f| f.trim_matches('`').to_string())
            .collect()
    }

    fn sorted(v: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    }

    #[test]
    fn the_field_lists_name_every_field_of_their_tables() {
        let check = |mut serde: Vec<String>, ours: &[&str]| {
            serde.sort();
            assert_eq!(serde, sorted(ours));
        };
        check(serde_fields::<RawMeta>(), META_FIELDS);
        check(serde_fields::<RawActor>(), ACTOR_FIELDS);
        check(serde_fields::<RawPerson>(), PERSON_FIELDS);
        check(serde_fields::<RawMission>(), MISSION_FIELDS);
        check(serde_fields::<RawCap>(), CAP_FIELDS);
        check(serde_fields::<RawRelation>(), RELATION_FIELDS);
        check(serde_fields::<RawChannel>(), CHANNEL_FIELDS);
        check(serde_fields::<RawFields>(), MEASURE_FIELDS);
        check(serde_fields::<RawMeasure>(), &fields(MEASURE_OWN_FIELDS));
        check(serde_fields::<RawEvent>(), &fields(EVENT_OWN_FIELDS));
        assert_eq!(fields(EVENT_OWN_FIELDS).len(), 38);
    }
}
