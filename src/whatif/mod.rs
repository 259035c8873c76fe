//! Counterfactuals: fork a scenario at an event, edit the past, re-simulate with response
//! policies, and compare the outcome with what was recorded.
//!
//! A [`Branch`] holds edits to a base scenario (drop, change or insert events) and response
//! [`Policy`]s. [`Branch::prepare`] works out which recorded events no longer happen (causal
//! pruning through `in_response_to`, `proposal` and `of`), finds the divergence point and
//! replays the shared prefix once; [`Prepared::run`] then runs the branch from a copy of that
//! state with a seed. Every event, recorded or drafted by a policy, goes through
//! `Engine::step`, so the core's rules decide what happens; a recorded event the core now
//! rejects is reported as invalidated, a drafted one as rejected, never dropped silently.
//!
//! The semantics, with worked examples, are in docs/counterfactuals.md.

pub mod compare;
pub mod file;
pub mod fit;
pub mod policy;
pub mod sweep;

use crate::core::Change;
use crate::core::event::{Action, Body, Event, Measure, Who};
use crate::core::state::State;
use crate::core::{ActorId, Day, Engine, Reason, Seq};
use crate::r#gen::Rng;
use crate::scenario::{self, EventMeta, LoadError, Scenario};
use std::collections::BTreeMap;
use std::path::Path;

pub use policy::{Answers, Choice, Policy, Respond};

/// Loads the base of a branch: a scenario file (TOML) or a log (told apart by its magic bytes).
pub fn load_base(path: &Path) -> Result<Scenario, LoadError> {
    if !crate::log::Log::is_log(path) {
        return scenario::load(path);
    }
    // A log: every event in it was accepted when appended. A damaged log is refused rather
    // than used up to the damage: a branch of part of the history would mislead.
    let unreadable = |e: crate::log::LogError| LoadError::Io {
        path: path.display().to_string(),
        error: e.to_string(),
    };
    let log = crate::log::Log::open(path).map_err(unreadable)?;
    if let Some(e) = log.damage() {
        return Err(unreadable(e));
    }
    log.scenario().map_err(unreadable)
}

/// An edit that cannot be made, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditError(pub String);

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EditError {}

fn err<T>(msg: impl Into<String>) -> Result<T, EditError> {
    Err(EditError(msg.into()))
}

/// Events inserted after a recorded one. References are positions in the base (`Seq(i)` for
/// base event `i`, for `i <= after`) or, from `base_len + j`, the `j`-th inserted event here.
#[derive(Clone, Debug)]
struct Insert {
    after: usize,
    events: Vec<Event>,
    metas: Vec<EventMeta>,
}

/// A counterfactual branch of a base scenario: edits, policies, seed and horizon.
#[derive(Clone, Debug)]
pub struct Branch<'s> {
    pub base: &'s Scenario,
    pub title: Option<String>,
    /// Base events dropped, with the edit that dropped them.
    dropped: BTreeMap<usize, String>,
    /// Base events replaced by an edited version (references still in base positions).
    changed: BTreeMap<usize, Event>,
    inserted: Vec<Insert>,
    /// Every edit in words, in the order made.
    pub notes: Vec<String>,
    pub policies: Vec<Policy>,
    /// The declared divergence point: the first base event not shared with the base.
    pub diverge: Option<usize>,
    /// The last day simulated (default: the base's `end`, else the last event's day).
    pub until: Option<Day>,
    pub seed: u64,
    /// At most this many events drafted by policies in one run.
    pub max_generated: usize,
    /// When set, policies answer only this recorded event (a base position), and no recorded
    /// answer is superseded: drop the one to replace. `demarche fit` asks each policy this way
    /// what it would have answered instead of one recorded answer.
    pub only_answers: Option<usize>,
}

impl<'s> Branch<'s> {
    /// A branch with no edits: it reproduces the base.
    pub fn new(base: &'s Scenario) -> Branch<'s> {
        Branch {
            base,
            title: None,
            dropped: BTreeMap::new(),
            changed: BTreeMap::new(),
            inserted: Vec::new(),
            notes: Vec::new(),
            policies: Vec::new(),
            diverge: None,
            until: None,
            seed: 0,
            max_generated: 200,
            only_answers: None,
        }
    }

    /// True when nothing is edited and no policy is set.
    pub fn is_unedited(&self) -> bool {
        self.dropped.is_empty()
            && self.changed.is_empty()
            && self.inserted.is_empty()
            && self.policies.is_empty()
    }

    fn index(&self, id: &str) -> Result<usize, EditError> {
        match self.base.event_index(id) {
            Some(i) => Ok(i),
            None => err(format!("no event has the id `{id}` in {}", self.base.name)),
        }
    }

    /// The event as edited so far.
    fn current(&self, i: usize) -> Result<Event, EditError> {
        if self.dropped.contains_key(&i) {
            return err(format!(
                "`{}` is already dropped in this branch",
                self.base.meta[i].id
            ));
        }
        Ok(self
            .changed
            .get(&i)
            .cloned()
            .unwrap_or_else(|| self.base.events[i].clone()))
    }

    /// Splits `id` or `id.rest` where `id` is an event id (ids may contain dots).
    fn split<'a>(&self, target: &'a str) -> Result<(usize, Vec<&'a str>), EditError> {
        if let Some(i) = self.base.event_index(target) {
            return Ok((i, Vec::new()));
        }
        let parts: Vec<&str> = target.split('.').collect();
        for n in (1..parts.len()).rev() {
            let id = parts[..n].join(".");
            if let Some(i) = self.base.event_index(&id) {
                return Ok((i, parts[n..].to_vec()));
            }
        }
        err(format!(
            "`{target}` does not start with an event id of {}",
            self.base.name
        ))
    }

    /// Drops an event (`id`) or one measure of a decision (`id.KIND` or `id.N`, from 1).
    pub fn drop(&mut self, target: &str) -> Result<&mut Self, EditError> {
        let (i, rest) = self.split(target)?;
        let id = self.base.meta[i].id.clone();
        match rest.as_slice() {
            [] => {
                self.current(i)?;
                self.changed.remove(&i);
                self.dropped.insert(i, format!("drop {id}"));
                self.notes.push(format!("{id} is dropped"));
            }
            [sel] => {
                let mut e = self.current(i)?;
                let Body::Measures { measures, bundle } = &mut e.body else {
                    return err(format!("`{id}` has no measures to drop"));
                };
                let k = measure_index(measures, sel, &id)?;
                if measures.len() == 1 {
                    return err(format!(
                        "`{id}` has only that measure; drop the event instead"
                    ));
                }
                let kind = measures[k].action.kind().key();
                measures.remove(k);
                if measures.len() == 1 && *bundle {
                    // Still a decision: it keeps its kind.
                }
                self.changed.insert(i, e);
                self.notes
                    .push(format!("{id}: its {kind} measure is dropped"));
            }
            _ => return err(format!("`{target}`: expected EVENT_ID or EVENT_ID.MEASURE")),
        }
        Ok(self)
    }

    /// Changes one field: `id.FIELD` (the first measure that has it) or `id.MEASURE.FIELD`,
    /// where MEASURE is a measure kind or its position from 1. Fields: `count`, `limit`,
    /// `depart_by`, `comply_by`, `effective`, `date`, `notified` (a date or `none`).
    pub fn set(&mut self, target: &str, value: &str) -> Result<&mut Self, EditError> {
        let (i, rest) = self.split(target)?;
        let id = self.base.meta[i].id.clone();
        let (sel, field) = match rest.as_slice() {
            [f] => (None, *f),
            [s, f] => (Some(*s), *f),
            _ => {
                return err(format!(
                    "`{target}`: expected EVENT_ID.FIELD or EVENT_ID.MEASURE.FIELD"
                ));
            }
        };
        let mut e = self.current(i)?;
        let before = describe_value(&e, sel, field, &id)?;
        match field {
            "date" => e.date = date_value(value)?,
            "notified" => {
                e.notified = if value == "none" {
                    None
                } else {
                    Some(date_value(value)?)
                }
            }
            _ => {
                let Body::Measures { measures, .. } = &mut e.body else {
                    return err(format!("`{id}` has no measures; `{field}` cannot be set"));
                };
                let k = match sel {
                    Some(s) => measure_index(measures, s, &id)?,
                    None => measures
                        .iter()
                        .position(|m| field_of(m, field).is_some())
                        .ok_or_else(|| {
                            EditError(format!("no measure of `{id}` has a `{field}`"))
                        })?,
                };
                set_field(&mut measures[k], field, value, &id)?;
            }
        }
        self.changed.insert(i, e);
        self.notes
            .push(format!("{id}: {field} {before} -> {value}"));
        Ok(self)
    }

    /// Replaces a recorded event by another (references in base positions, all earlier).
    pub fn replace(&mut self, id: &str, event: Event) -> Result<&mut Self, EditError> {
        let i = self.index(id)?;
        self.current(i)?;
        if event.in_response_to.iter().any(|s| s.index() >= i) {
            return err(format!("the replacement of `{id}` refers to a later event"));
        }
        self.changed.insert(i, event);
        self.notes.push(format!("{id} is replaced"));
        Ok(self)
    }

    /// Inserts events after the recorded event `id`. References: base positions up to that
    /// event, then (from the base's length) the inserted events before each one.
    pub fn insert_after(
        &mut self,
        id: &str,
        events: Vec<Event>,
        metas: Vec<EventMeta>,
    ) -> Result<&mut Self, EditError> {
        let after = self.index(id)?;
        let n = self.base.events.len();
        for (j, e) in events.iter().enumerate() {
            for s in &e.in_response_to {
                let ok = s.index() <= after || (s.index() >= n && s.index() < n + j);
                if !ok {
                    return err(format!(
                        "inserted event `{}` refers to an event after `{id}`",
                        metas[j].id
                    ));
                }
            }
            if self.base.event_index(&metas[j].id).is_some() || self.inserted_id(&metas[j].id) {
                return err(format!("event id `{}` is already used", metas[j].id));
            }
        }
        let names: Vec<&str> = metas.iter().map(|m| m.id.as_str()).collect();
        self.notes
            .push(format!("{} inserted after {id}", names.join(", ")));
        self.inserted.push(Insert {
            after,
            events,
            metas,
        });
        Ok(self)
    }

    fn inserted_id(&self, id: &str) -> bool {
        self.inserted
            .iter()
            .any(|ins| ins.metas.iter().any(|m| m.id == id))
    }

    /// Inserts the `[[events]]` of a TOML text after `id`, checked as a scenario's are.
    pub fn insert_toml(
        &mut self,
        id: &str,
        name: &str,
        text: &str,
    ) -> Result<&mut Self, EditError> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Tables {
            events: Vec<scenario::EventTable>,
        }
        let after = self.index(id)?;
        let t: Tables = toml::from_str(text).map_err(|e| {
            let (l, c) = e
                .span()
                .map_or((0, 0), |s| scenario::line_col(text, s.start));
            EditError(format!("{name}:{l}:{c}: {}", e.message()))
        })?;
        let (events, metas) = self.resolve(after, &t.events, text, name)?;
        self.insert_after(id, events, metas)
    }

    /// Resolves event tables written to go after base event `after`.
    pub(crate) fn resolve(
        &self,
        after: usize,
        tables: &[scenario::EventTable],
        text: &str,
        name: &str,
    ) -> Result<(Vec<Event>, Vec<EventMeta>), EditError> {
        let earlier: Vec<&str> = self.base.meta[..=after]
            .iter()
            .map(|m| m.id.as_str())
            .collect();
        let (mut events, metas) =
            scenario::resolve_events(&self.base.world, self.base.start, &earlier, tables).map_err(
                |ps| {
                    let lines: Vec<String> = ps
                        .iter()
                        .map(|p| {
                            let (l, c) = p
                                .span
                                .as_ref()
                                .map_or((0, 0), |s| scenario::line_col(text, s.start));
                            format!("{name}:{l}:{c}: {}", p.message)
                        })
                        .collect();
                    EditError(lines.join("\n"))
                },
            )?;
        // Positions past `after` are inserted events: move them past the base.
        let shift = self.base.events.len() - (after + 1);
        for e in &mut events {
            for s in refs_mut(e) {
                if s.index() > after {
                    s.0 += shift as u32;
                }
            }
        }
        Ok((events, metas))
    }

    /// Sets a policy.
    pub fn policy(&mut self, p: Policy) -> &mut Self {
        self.notes
            .push(format!("policy {}", p.describe(&self.base.world)));
        self.policies.push(p);
        self
    }

    /// The day edits start: the earliest edited, dropped or insertion point's date.
    pub fn first_edit_day(&self) -> Option<Day> {
        let base = self.base;
        let a = self.dropped.keys().next().map(|&i| base.events[i].date);
        let b = self.changed.keys().next().map(|&i| base.events[i].date);
        let c = self
            .inserted
            .iter()
            .filter_map(|ins| ins.events.first().map(|e| e.date))
            .min();
        [a, b, c].into_iter().flatten().min()
    }

    /// Works out the branch's events, what is pruned and where it diverges, and replays the
    /// shared prefix once.
    pub fn prepare(&self) -> Prepared<'s> {
        prepare(self)
    }

    /// Prepares and runs once with the branch's seed, keeping timelines and digests.
    pub fn run(&self) -> Outcome {
        self.prepare().run(self.seed, true)
    }
}

fn measure_index(measures: &[Measure], sel: &str, id: &str) -> Result<usize, EditError> {
    if let Ok(n) = sel.parse::<usize>() {
        if n >= 1 && n <= measures.len() {
            return Ok(n - 1);
        }
        return err(format!(
            "`{id}` has {} measure(s); {n} is not one",
            measures.len()
        ));
    }
    let hits: Vec<usize> = measures
        .iter()
        .enumerate()
        .filter(|(_, m)| m.action.kind().key() == sel)
        .map(|(k, _)| k)
        .collect();
    match hits.as_slice() {
        [k] => Ok(*k),
        [] => err(format!("`{id}` has no {sel} measure")),
        _ => err(format!(
            "`{id}` has several {sel} measures; name one by its position (1, 2, ...)"
        )),
    }
}

fn date_value(v: &str) -> Result<Day, EditError> {
    scenario::parse_date(v).map_err(EditError)
}

fn u32_value(v: &str, field: &str) -> Result<u32, EditError> {
    v.parse()
        .map_err(|_| EditError(format!("`{field}` takes a whole number, not `{v}`")))
}

/// The current value of a field, as text.
fn field_of(m: &Measure, field: &str) -> Option<String> {
    let a = &m.action;
    match field {
        "effective" => Some(m.effective.to_string()),
        "count" => match a {
            Action::AccreditationRequested { count, .. }
            | Action::AccreditationDenied { count, .. }
            | Action::PostsAbolished { count, .. } => Some(count.to_string()),
            Action::AccreditationGranted { who, .. }
            | Action::AccreditationWithdrawn { who, .. }
            | Action::PersonaNonGrata { who, .. }
            | Action::DepartureRequired { who, .. }
            | Action::StaffRecalled { who, .. }
            | Action::StaffDeparted { who, .. } => match who {
                Who::Count { count, .. } => Some(count.to_string()),
                _ => None,
            },
            _ => None,
        },
        "limit" => match a {
            Action::StaffCapSet {
                limit: crate::core::Limit::Absolute(l),
                ..
            } => Some(l.to_string()),
            _ => None,
        },
        "depart_by" => match a {
            Action::AccreditationWithdrawn { depart_by, .. }
            | Action::PersonaNonGrata { depart_by, .. }
            | Action::DepartureRequired { depart_by, .. }
            | Action::ConsentWithdrawn { depart_by, .. } => Some(depart_by.to_string()),
            Action::RelationsBroken { depart_by, .. } => {
                Some(depart_by.map_or("none".into(), |d| d.to_string()))
            }
            _ => None,
        },
        "comply_by" => match a {
            Action::StaffCapSet { comply_by, .. } => {
                Some(comply_by.map_or("none".into(), |d| d.to_string()))
            }
            _ => None,
        },
        _ => None,
    }
}

fn describe_value(
    e: &Event,
    sel: Option<&str>,
    field: &str,
    id: &str,
) -> Result<String, EditError> {
    match field {
        "date" => Ok(e.date.to_string()),
        "notified" => Ok(e.notified.map_or("none".into(), |d| d.to_string())),
        "count" | "limit" | "depart_by" | "comply_by" | "effective" => {
            let Body::Measures { measures, .. } = &e.body else {
                return err(format!("`{id}` has no measures; `{field}` cannot be set"));
            };
            let m = match sel {
                Some(s) => Some(&measures[measure_index(measures, s, id)?]),
                None => measures.iter().find(|m| field_of(m, field).is_some()),
            };
            m.and_then(|m| field_of(m, field))
                .ok_or_else(|| EditError(format!("no measure of `{id}` has a `{field}` to set")))
        }
        _ => err(format!(
            "`{field}` cannot be set; fields: count, limit, depart_by, comply_by, effective, date, notified"
        )),
    }
}

fn set_field(m: &mut Measure, field: &str, v: &str, id: &str) -> Result<(), EditError> {
    let kind = m.action.kind().key();
    let missing = || EditError(format!("the {kind} measure of `{id}` has no `{field}`"));
    match field {
        "effective" => m.effective = date_value(v)?,
        "count" => {
            let n = u32_value(v, field)?;
            match &mut m.action {
                Action::AccreditationRequested { count, .. }
                | Action::AccreditationDenied { count, .. }
                | Action::PostsAbolished { count, .. } => *count = n,
                Action::AccreditationGranted { who, .. }
                | Action::AccreditationWithdrawn { who, .. }
                | Action::PersonaNonGrata { who, .. }
                | Action::DepartureRequired { who, .. }
                | Action::StaffRecalled { who, .. }
                | Action::StaffDeparted { who, .. } => match who {
                    Who::Count { count, .. } => *count = n,
                    _ => return Err(missing()),
                },
                _ => return Err(missing()),
            }
        }
        "limit" => match &mut m.action {
            Action::StaffCapSet { limit, .. } => {
                *limit = crate::core::Limit::Absolute(u32_value(v, field)?)
            }
            _ => return Err(missing()),
        },
        "depart_by" => {
            let d = date_value(v)?;
            match &mut m.action {
                Action::AccreditationWithdrawn { depart_by, .. }
                | Action::PersonaNonGrata { depart_by, .. }
                | Action::DepartureRequired { depart_by, .. }
                | Action::ConsentWithdrawn { depart_by, .. } => *depart_by = d,
                Action::RelationsBroken { depart_by, .. } => *depart_by = Some(d),
                _ => return Err(missing()),
            }
        }
        "comply_by" => match &mut m.action {
            Action::StaffCapSet { comply_by, .. } => {
                *comply_by = if v == "none" {
                    None
                } else {
                    Some(date_value(v)?)
                }
            }
            _ => return Err(missing()),
        },
        _ => return Err(missing()),
    }
    Ok(())
}

/// Every reference an event holds to earlier events: what it answers, and the proposal or
/// decision it adopts or cancels.
pub fn refs(e: &Event) -> impl Iterator<Item = Seq> + '_ {
    let extra: &[Seq] = match &e.body {
        Body::ProposalAdopted { proposal } => std::slice::from_ref(proposal),
        Body::MeasuresCancelled { of, .. } => of,
        _ => &[],
    };
    e.in_response_to.iter().chain(extra).copied()
}

fn refs_mut(e: &mut Event) -> Vec<&mut Seq> {
    let mut v: Vec<&mut Seq> = e.in_response_to.iter_mut().collect();
    match &mut e.body {
        Body::ProposalAdopted { proposal } => v.push(proposal),
        Body::MeasuresCancelled { of, .. } => v.extend(of.iter_mut()),
        _ => {}
    }
    v
}

/// Where an event of the branch comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The base event at this position, as recorded.
    Recorded(usize),
    /// The base event at this position, edited.
    Changed(usize),
    /// Inserted by an edit.
    Inserted,
}

/// Why a recorded event is not history in the branch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gone {
    /// An edit dropped it.
    Dropped,
    /// It answers (directly or through others) an event the branch drops or changes;
    /// `because` is the item it refers to.
    Pruned { because: usize },
    /// Its actor follows a policy from a day on or before it, which decides instead.
    Superseded { policy: usize },
}

/// One event of the branch's script, before running.
#[derive(Clone, Debug)]
pub struct Item {
    /// References are positions in [`Prepared::items`].
    pub event: Event,
    pub id: String,
    pub origin: Origin,
    pub gone: Option<Gone>,
}

/// A branch ready to run: its script, the divergence point and the shared state there.
#[derive(Clone, Debug)]
pub struct Prepared<'s> {
    pub base: &'s Scenario,
    pub items: Vec<Item>,
    /// The first item not shared with the base: items before it replay as recorded.
    pub fork: usize,
    /// The state after the shared prefix, computed once and copied by every run.
    pub prefix: State,
    prefix_seq: Vec<Option<Seq>>,
    /// Items of the prefix the core rejected (only in a base that does not replay cleanly).
    pub prefix_rejected: Vec<(usize, Reason)>,
    pub policies: Vec<Policy>,
    pub end: Option<Day>,
    pub max_generated: usize,
    /// The only item policies answer, when the branch says so ([`Branch::only_answers`]).
    pub only_answers: Option<usize>,
}

fn prepare<'s>(b: &Branch<'s>) -> Prepared<'s> {
    let mut p = prepare_script(b);
    let mut engine = Engine::new(&p.base.world, p.base.initial.clone());
    for (k, it) in p.items[..p.fork].iter().enumerate() {
        let Some(e) = remap(&it.event, &p.prefix_seq) else {
            p.prefix_seq.push(None);
            continue;
        };
        match engine.step(&e, &mut ()) {
            Ok(s) => p.prefix_seq.push(Some(s)),
            Err(r) => {
                p.prefix_rejected.push((k, r));
                p.prefix_seq.push(None);
            }
        }
    }
    p.prefix = engine.state;
    p
}

/// The script, pruning and fork of a branch, without replaying the prefix.
fn prepare_script<'s>(b: &Branch<'s>) -> Prepared<'s> {
    let base = b.base;
    let n = base.events.len();
    let mut items: Vec<Item> = Vec::with_capacity(n);
    let mut item_of_base = vec![0usize; n];
    let mut item_of_inserted: BTreeMap<usize, usize> = BTreeMap::new();
    let mut next_inserted = n;
    let mut inserts_after: BTreeMap<usize, Vec<&Insert>> = BTreeMap::new();
    for ins in &b.inserted {
        inserts_after.entry(ins.after).or_default().push(ins);
    }
    for i in 0..n {
        item_of_base[i] = items.len();
        let (event, origin, gone) = if b.dropped.contains_key(&i) {
            (
                base.events[i].clone(),
                Origin::Recorded(i),
                Some(Gone::Dropped),
            )
        } else if let Some(e) = b.changed.get(&i) {
            (e.clone(), Origin::Changed(i), None)
        } else {
            (base.events[i].clone(), Origin::Recorded(i), None)
        };
        let mut event = event;
        for s in refs_mut(&mut event) {
            *s = Seq(item_of_base[s.index()] as u32);
        }
        items.push(Item {
            event,
            id: base.meta[i].id.clone(),
            origin,
            gone,
        });
        for ins in inserts_after.get(&i).into_iter().flatten() {
            for (e, m) in ins.events.iter().zip(&ins.metas) {
                let mut e = e.clone();
                for s in refs_mut(&mut e) {
                    *s = Seq(if s.index() < n {
                        item_of_base[s.index()]
                    } else {
                        item_of_inserted[&s.index()]
                    } as u32);
                }
                item_of_inserted.insert(next_inserted, items.len());
                next_inserted += 1;
                items.push(Item {
                    event: e,
                    id: m.id.clone(),
                    origin: Origin::Inserted,
                    gone: None,
                });
            }
        }
    }
    // Inserted events are numbered in the order of `b.inserted`, whatever their position.
    debug_assert!(next_inserted == n + b.inserted.iter().map(|i| i.events.len()).sum::<usize>());

    // Causal pruning, in order: references point backwards, so one pass sees every cause.
    for p in 0..items.len() {
        if items[p].gone.is_some() {
            continue;
        }
        let cause = refs(&items[p].event).find(|s| {
            let t = &items[s.index()];
            t.gone.is_some() || matches!(t.origin, Origin::Changed(_))
        });
        if let Some(s) = cause {
            items[p].gone = Some(Gone::Pruned { because: s.index() });
            continue;
        }
        if let Origin::Recorded(_) = items[p].origin
            && b.only_answers.is_none()
        {
            let e = &items[p].event;
            // An answer to another actor's move is the policy's to make, if a policy of its
            // actor answers that actor then; a departure is not an answer but the staff
            // leaving, which nothing may prevent (R7, R8).
            let governed = (e.kind() != crate::core::Kind::StaffDeparted)
                .then(|| {
                    e.in_response_to.iter().find_map(|s| {
                        let mover = items[s.index()].event.actor;
                        (mover != e.actor)
                            .then(|| governing(&b.policies, e.actor, mover, e.date))
                            .flatten()
                    })
                })
                .flatten();
            if let Some(k) = governed {
                items[p].gone = Some(Gone::Superseded { policy: k });
            }
        }
    }

    let earliest_policy = b.policies.iter().map(|p| p.from).min();
    let declared = b
        .diverge
        .map(|i| item_of_base.get(i).copied().unwrap_or(items.len()));
    let fork = items
        .iter()
        .position(|it| {
            it.gone.is_some()
                || !matches!(it.origin, Origin::Recorded(_))
                || earliest_policy.is_some_and(|d| it.event.date >= d)
        })
        .unwrap_or(items.len())
        .min(declared.unwrap_or(usize::MAX));

    let end = b
        .until
        .or(base.end)
        .or_else(|| base.events.last().map(|e| e.date));
    let only_answers = b.only_answers.map(|i| item_of_base[i]);
    Prepared {
        base,
        items,
        fork,
        only_answers,
        prefix: base.initial.clone(),
        prefix_seq: Vec::with_capacity(fork),
        prefix_rejected: Vec::new(),
        policies: b.policies.clone(),
        end,
        max_generated: b.max_generated,
    }
}

/// The policy of `actor` in force on `day` for moves by `mover`: of those answering `mover`
/// (`against` it, or anyone), the one with the latest `from` on or before `day`.
fn governing(policies: &[Policy], actor: ActorId, mover: ActorId, day: Day) -> Option<usize> {
    policies
        .iter()
        .enumerate()
        .filter(|(_, p)| p.actor == actor && p.from <= day && p.against.is_none_or(|a| a == mover))
        .max_by_key(|(k, p)| (p.from, *k))
        .map(|(k, _)| k)
}

/// Rewrites item positions into log sequences; `None` if a referenced item is not in the log.
fn remap(e: &Event, seq_of: &[Option<Seq>]) -> Option<Event> {
    let mut e = e.clone();
    for s in refs_mut(&mut e) {
        *s = seq_of.get(s.index()).copied().flatten()?;
    }
    Some(e)
}

/// What a step of a run was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// An item of the script ([`Prepared::items`]).
    Item(usize),
    /// An event drafted by a policy ([`Outcome::generated`]).
    Generated(usize),
}

/// One event considered after the fork, or the clock moved to the end.
#[derive(Clone, Debug)]
pub struct Stepped {
    pub day: Day,
    pub source: Option<Source>,
    /// The event's actor and its Goldstein weight, when accepted.
    pub actor: Option<ActorId>,
    pub goldstein: Option<f32>,
    pub result: Result<Seq, Reason>,
    /// What it and the effects due by its day changed (kept when tracing).
    pub changes: Vec<(Day, Seq, Change)>,
    /// The state digest after it (kept when tracing).
    pub digest: Option<String>,
}

/// An event drafted by a policy.
#[derive(Clone, Debug)]
pub struct Generated {
    /// `policy:ACTOR:N`.
    pub id: String,
    pub policy: usize,
    pub respond: Respond,
    pub misjudged: Option<policy::Misjudge>,
    /// What it answers.
    pub answers: Source,
    pub event: Event,
    /// The core's rejection, if it rejected the draft.
    pub rejected: Option<Reason>,
}

/// A recorded event the core rejects in the branch.
#[derive(Clone, Debug)]
pub struct Invalidated {
    pub item: usize,
    pub reason: Reason,
}

/// The outcome of one run of a branch.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub seed: u64,
    pub state: State,
    pub steps: Vec<Stepped>,
    pub generated: Vec<Generated>,
    pub invalidated: Vec<Invalidated>,
    /// Items not run because an item they refer to was invalidated: (item, the referenced one).
    pub orphaned: Vec<(usize, usize)>,
    /// Answers drawn for a day after the end.
    pub after_end: usize,
    /// True when the cap on drafted events was reached.
    pub truncated: bool,
}

impl Outcome {
    pub fn digest(&self) -> String {
        self.state.digest()
    }
}

struct Pending {
    date: Day,
    order: usize,
    policy: usize,
    draw: policy::Draw,
    trigger: Event,
    trigger_seq: Seq,
    answers: Source,
}

impl Prepared<'_> {
    /// Runs the branch once. `trace` keeps every change and a digest after every step (for
    /// reports); sweeps run without.
    pub fn run(&self, seed: u64, trace: bool) -> Outcome {
        let world = &self.base.world;
        let mut engine = Engine::new(world, self.prefix.clone());
        let mut rng = Rng::new(seed);
        let mut seq_of: Vec<Option<Seq>> = Vec::with_capacity(self.items.len());
        seq_of.extend_from_slice(&self.prefix_seq);
        let mut out = Outcome {
            seed,
            state: State::new(&crate::core::World::default(), Day(0), &[]),
            steps: Vec::new(),
            generated: Vec::new(),
            invalidated: Vec::new(),
            orphaned: Vec::new(),
            after_end: 0,
            truncated: false,
        };
        let mut pending: Vec<Pending> = Vec::new();
        let mut order = 0usize;
        let mut per_actor = vec![0u32; world.actors.len()];
        let mut changes: Vec<(Day, Seq, Change)> = Vec::new();
        let mut p = self.fork;
        loop {
            // Next script item that still happens.
            while p < self.items.len() && self.items[p].gone.is_some() {
                seq_of.push(None);
                p += 1;
            }
            let rec = self
                .items
                .get(p)
                .filter(|it| self.end.is_none_or(|d| it.event.date <= d));
            let next_gen = pending
                .iter()
                .enumerate()
                .min_by_key(|(_, g)| (g.date, g.order))
                .map(|(k, g)| (k, g.date));
            let take_gen = match (rec, next_gen) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(it), Some((_, d))) => d < it.event.date,
            };
            if !take_gen && rec.is_none() {
                break;
            }
            changes.clear();
            // An adoption is answered, and weighed, as the measures it adopts.
            let adopted: Option<Event>;
            let (source, event, result) = if take_gen {
                let g = pending.swap_remove(next_gen.expect("taken").0);
                engine.advance_to(g.date, &mut changes);
                let pol = &self.policies[g.policy];
                let ctx = policy::Ctx {
                    world,
                    state: &engine.state,
                    actor: pol.actor,
                    other: g.trigger.actor,
                    date: g.date,
                    leave_within: pol.leave_within,
                    mission: pol.mission,
                };
                let event = policy::draft(&ctx, &g.trigger, g.trigger_seq, &g.draw)
                    .expect("`none` is never drawn into the queue");
                let k = out.generated.len();
                per_actor[pol.actor.index()] += 1;
                adopted = policy::adopted(&engine.state, &event);
                let result = engine.step(&event, &mut changes);
                out.generated.push(Generated {
                    id: format!(
                        "policy:{}:{}",
                        world.actor(pol.actor).key,
                        per_actor[pol.actor.index()]
                    ),
                    policy: g.policy,
                    respond: g.draw.respond,
                    misjudged: g.draw.misjudge,
                    answers: g.answers,
                    event: event.clone(),
                    rejected: result.clone().err(),
                });
                (Source::Generated(k), event, result)
            } else {
                let it = &self.items[p];
                let event = match remap(&it.event, &seq_of) {
                    Some(e) => e,
                    None => {
                        let missing = refs(&it.event)
                            .find(|s| seq_of[s.index()].is_none())
                            .expect("a reference is missing");
                        out.orphaned.push((p, missing.index()));
                        seq_of.push(None);
                        p += 1;
                        continue;
                    }
                };
                adopted = policy::adopted(&engine.state, &event);
                let result = engine.step(&event, &mut changes);
                seq_of.push(result.clone().ok());
                if let Err(r) = &result {
                    out.invalidated.push(Invalidated {
                        item: p,
                        reason: r.clone(),
                    });
                }
                p += 1;
                (Source::Item(p - 1), event, result)
            };
            let trigger = adopted.as_ref().unwrap_or(&event);
            let answerable = self.only_answers.is_none_or(|t| source == Source::Item(t));
            if let Ok(seq) = result
                && answerable
            {
                for (k, pol) in self.policies.iter().enumerate() {
                    if governing(&self.policies, pol.actor, trigger.actor, trigger.date) != Some(k)
                        || !pol.answers_event(world, trigger)
                    {
                        continue;
                    }
                    let Some(draw) = pol.draw(&mut rng) else {
                        continue;
                    };
                    if draw.respond == Respond::Nothing {
                        continue;
                    }
                    let date = event.date.plus(draw.delay as i32);
                    if self.end.is_some_and(|d| date > d) {
                        out.after_end += 1;
                        continue;
                    }
                    if out.generated.len() + pending.len() >= self.max_generated {
                        out.truncated = true;
                        continue;
                    }
                    pending.push(Pending {
                        date,
                        order,
                        policy: k,
                        draw,
                        trigger: trigger.clone(),
                        trigger_seq: seq,
                        answers: source,
                    });
                    order += 1;
                }
            }
            out.steps.push(Stepped {
                day: event.date,
                source: Some(source),
                actor: result.is_ok().then_some(event.actor),
                goldstein: if result.is_ok() {
                    policy::weight_of(&event, adopted.as_ref())
                } else {
                    None
                },
                result,
                changes: if trace { changes.clone() } else { Vec::new() },
                digest: trace.then(|| engine.state.digest()),
            });
        }
        if let Some(d) = self.end
            && d > engine.state.clock
        {
            changes.clear();
            engine.advance_to(d, &mut changes);
            if trace && !changes.is_empty() {
                out.steps.push(Stepped {
                    day: d,
                    source: None,
                    actor: None,
                    goldstein: None,
                    result: Ok(engine.state.next_seq()),
                    changes: changes.clone(),
                    digest: Some(engine.state.digest()),
                });
            }
        }
        out.state = engine.state;
        out
    }

    /// The base run from the same fork to the same end, for comparison. The prefix is shared,
    /// so it starts from the same cached state.
    pub fn base_outcome(&self) -> Outcome {
        let mut b = Branch::new(self.base);
        b.until = self.end;
        b.diverge = Some(self.fork.min(self.base.events.len()));
        let mut p = prepare_script(&b);
        p.fork = self.fork.min(p.items.len());
        p.prefix = self.prefix.clone();
        p.prefix_seq = self.prefix_seq.clone();
        p.run(0, true)
    }

    /// The id of an item or a drafted event.
    pub fn id_of<'a>(&'a self, out: &'a Outcome, s: Source) -> &'a str {
        match s {
            Source::Item(p) => &self.items[p].id,
            Source::Generated(g) => &out.generated[g].id,
        }
    }

    /// The day the branch diverges (the first item not shared), if it does.
    pub fn fork_day(&self) -> Option<Day> {
        self.items.get(self.fork).map(|it| it.event.date)
    }
}

/// Why a branch file could not be read.
#[derive(Debug)]
pub enum BranchLoadError {
    /// The branch file could not be read.
    Io { path: String, error: String },
    /// The branch file has problems (spans into `text`).
    Invalid {
        name: String,
        text: String,
        problems: Vec<scenario::Problem>,
    },
    /// Its base could not be loaded.
    Base(LoadError),
}

/// What the first argument of `whatif` and `sweep` names: a branch file, or a base to edit.
pub enum Input {
    Branch(Box<file::BranchFile>, Scenario),
    Base(Scenario),
}

/// Reads a branch file (with a `[branch]` table) and loads its base, or loads a base.
pub fn load_input(path: &Path) -> Result<Input, BranchLoadError> {
    if crate::log::Log::is_log(path) {
        return load_base(path)
            .map(Input::Base)
            .map_err(BranchLoadError::Base);
    }
    let text = std::fs::read_to_string(path).map_err(|e| BranchLoadError::Io {
        path: path.display().to_string(),
        error: e.to_string(),
    })?;
    if !file::is_branch_file(&text) {
        return load_base(path)
            .map(Input::Base)
            .map_err(BranchLoadError::Base);
    }
    let name = path.display().to_string();
    let bf =
        file::BranchFile::parse(&name, &text).map_err(|problems| BranchLoadError::Invalid {
            name: name.clone(),
            text: text.clone(),
            problems,
        })?;
    let base = load_base(&bf.base_path(path)).map_err(|e| match e {
        LoadError::Io { path, error } => BranchLoadError::Invalid {
            name: name.clone(),
            text: text.clone(),
            problems: vec![scenario::Problem {
                span: Some(bf.base_span()),
                event: None,
                code: "reference".into(),
                rule: None,
                message: format!("`base`: cannot read {path}: {error}"),
                help: Some("`base` is relative to the branch file".into()),
            }],
        },
        e => BranchLoadError::Base(e),
    })?;
    Ok(Input::Branch(Box::new(bf), base))
}
