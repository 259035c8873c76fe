//! Exports: a [`Scenario`] written back out as a scenario file, or as JSON lines for analysis.
//!
//! This is an edge, like [`crate::scenario`]: it turns dense ids back into the keys people
//! write, and days into `YYYY-MM-DD`. Both renderers read one shared description of each event
//! (its fields, named as in scenario files), so the TOML and the JSON always agree on names.
//!
//! # TOML
//!
//! [`to_toml`] writes a complete scenario file that [`crate::scenario::parse`] loads back to an
//! equal scenario (world, initial state, events, ids, sources, summaries and notes), in the
//! table order and style of `scenarios/nato-russia-2021.toml`: `[scenario]`, `[[actors]]`,
//! `[[persons]]`, `[[missions]]`, `[[caps]]`, `[[relations]]`, `[[channels]]`, `[[events]]`.
//! Fields a person would leave out are left out: `effective` when it is the announcement day,
//! `category` when unspecified, a statement's neutral `tone`, `how = "withdrawn"`, a start
//! condition's `since` when it is the start day. Text with line breaks is written as a
//! multi-line string; every string is escaped so that quotes, backslashes, control characters
//! and non-ASCII text come back unchanged. Named persons are listed in declaration order, as
//! the loader keeps them.
//!
//! Some states cannot be written as a scenario file: a starting state with staff already due to
//! leave, measures already scheduled, a cap still in its compliance period, a withdrawn consent,
//! seized premises... So can a few events a log may hold but a scenario file cannot say, such as
//! a statement or protest about a particular mission (only `ambassador-summoned` names one in
//! a scenario file). [`to_toml`] then returns an [`ExportError`] listing each such fact, rather
//! than writing a file that would load as a different scenario. The JSON lines say everything.
//!
//! # JSON lines
//!
//! [`to_jsonl`] writes one JSON object per event and nothing else: no header line, so that
//! every line has the same shape and tools that read a line at a time (`jq`, data frames) need
//! no special case. The cast (actors, missions, persons) is in the TOML export; the JSON refers
//! to it by the same keys. Each object ([`event_json`]) holds:
//!
//! - `seq`: the position in the log, from 1 (as the log numbers events);
//! - `id`, `date` (`YYYY-MM-DD`), `notified` (a date or `null`), `kind`, `actor` (a key),
//!   `in_response_to` (event ids), `source`, `summary` and `note` (`null` when absent),
//!   `proposed` (a boolean);
//! - the kind's fields, named as in scenario files, with keys for missions, actors and persons.
//!   A measure always has `effective` (the announcement day when not deferred); optional fields
//!   that are absent are `null` (`comply_by`, a `relations-broken` `depart_by`), so that every
//!   event of a kind has the same keys. Staff measures have `count` and `category`, or
//!   `persons`, or `all: true`; a cap has `mission`, or `sender` and `host`, and `limit` or
//!   `reduce_by`; `staff-reported` gives `in_post` as an object by category; signals have
//!   `target` and `mission` (the mission they concern, or `null`), statements `tone`;
//!   `proposal-adopted` has `proposal` and `measures-cancelled` has `of` (event ids) and `how`;
//! - for `countermeasures`, `measures`: an array of objects, each with `kind`, `effective` and
//!   its fields.
//!
//! Keys within an object are in alphabetical order.

use crate::core::event::{
    Action, Body, CapScope, Category, Counts, Event, Kind, Limit, Staff, Tone, Who,
};
use crate::core::state::{Lifecycle, MissionState, Premises};
use crate::core::world::{ActorKind, MissionId, Seq, World};
use crate::core::{Day, event::Cancellation};
use crate::scenario::{EventMeta, Scenario};
use serde_json::{Map, Value, json};
use std::fmt::{self, Write as _};

/// What in a scenario cannot be written as a scenario file, one fact per entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportError {
    pub problems: Vec<String>,
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the scenario cannot be written as a scenario file: {}",
            self.problems.join("; ")
        )
    }
}

impl std::error::Error for ExportError {}

/// A field value, before it is written as TOML or JSON.
#[derive(Clone, Debug)]
enum Val {
    Str(String),
    Int(u32),
    Bool(bool),
    Date(Day),
    Strs(Vec<String>),
    Staff(Staff),
    Null,
}

/// A field of an event or measure. `implied` marks a value a person would leave out of a
/// scenario file (the default); the JSON shows it anyway.
#[derive(Clone, Debug)]
struct Field {
    name: &'static str,
    val: Val,
    implied: bool,
}

fn field(name: &'static str, val: Val) -> Field {
    Field {
        name,
        val,
        implied: false,
    }
}

fn implied(name: &'static str, val: Val, implied: bool) -> Field {
    Field { name, val, implied }
}

/// Collects what cannot be expressed.
struct Check<'a> {
    s: &'a Scenario,
    problems: Vec<String>,
}

impl Check<'_> {
    fn no(&mut self, msg: String) {
        self.problems.push(msg);
    }

    fn event_name(&self, i: usize) -> String {
        match self.s.meta.get(i) {
            Some(m) => format!("event `{}`", m.id),
            None => format!("event {}", i + 1),
        }
    }
}

fn world_keys(w: &World) -> (Vec<&str>, Vec<&str>, Vec<&str>) {
    (
        w.actors.iter().map(|a| a.key.as_str()).collect(),
        w.missions.iter().map(|m| m.key.as_str()).collect(),
        w.persons.iter().map(|p| p.key.as_str()).collect(),
    )
}

fn id_ok(key: &str) -> bool {
    !key.is_empty() && !key.chars().any(char::is_whitespace)
}

fn mission_key(w: &World, m: MissionId) -> String {
    w.mission(m).key.clone()
}

fn event_id(s: &Scenario, seq: Seq) -> String {
    s.meta
        .get(seq.index())
        .map_or_else(|| format!("#{}", seq.0 + 1), |m| m.id.clone())
}

/// What a cap counts; implied (left out of a scenario file) for staff sent.
fn counts_field(c: Counts) -> Field {
    implied("counts", Val::Str(c.key().into()), c == Counts::Sent)
}

/// The fields of who a staff measure concerns.
fn who_fields(w: &World, who: &Who) -> Vec<Field> {
    match who {
        Who::Count { count, category } => vec![
            field("count", Val::Int(*count)),
            implied(
                "category",
                Val::Str(category.key().into()),
                *category == Category::Unspecified,
            ),
        ],
        // In id order, as the loader sorts them: the order of a list of names means nothing.
        Who::Named(ps) => {
            let mut ps = ps.clone();
            ps.sort();
            vec![field(
                "persons",
                Val::Strs(ps.iter().map(|p| w.person(*p).key.clone()).collect()),
            )]
        }
        Who::All => vec![field("all", Val::Bool(true))],
    }
}

fn scope_fields(w: &World, scope: &CapScope) -> Vec<Field> {
    match *scope {
        CapScope::Mission(m) => vec![field("mission", Val::Str(mission_key(w, m)))],
        CapScope::Posts { sender, host } => vec![
            field("sender", Val::Str(w.actor(sender).key.clone())),
            field("host", Val::Str(w.actor(host).key.clone())),
        ],
    }
}

/// A measure's fields (without its kind), with `effective` placed before its deadlines.
fn action_fields(w: &World, action: &Action, effective: Day, announced: Day) -> Vec<Field> {
    let mission = |m: MissionId| field("mission", Val::Str(mission_key(w, m)));
    let actor = |name, a: crate::core::ActorId| field(name, Val::Str(w.actor(a).key.clone()));
    let mut f = Vec::new();
    let mut deadlines = Vec::new();
    match action {
        Action::AccreditationRequested { mission: m, count }
        | Action::AccreditationDenied { mission: m, count }
        | Action::PostsAbolished { mission: m, count } => {
            f.push(mission(*m));
            f.push(field("count", Val::Int(*count)));
        }
        Action::AccreditationGranted { mission: m, who }
        | Action::StaffRecalled { mission: m, who }
        | Action::StaffDeparted { mission: m, who } => {
            f.push(mission(*m));
            f.extend(who_fields(w, who));
        }
        Action::AccreditationWithdrawn {
            mission: m,
            who,
            depart_by,
        }
        | Action::PersonaNonGrata {
            mission: m,
            who,
            depart_by,
        }
        | Action::DepartureRequired {
            mission: m,
            who,
            depart_by,
        } => {
            f.push(mission(*m));
            f.extend(who_fields(w, who));
            deadlines.push(field("depart_by", Val::Date(*depart_by)));
        }
        Action::StaffCapSet {
            scope,
            limit,
            comply_by,
            counts,
        } => {
            f.extend(scope_fields(w, scope));
            f.push(match limit {
                Limit::Absolute(n) => field("limit", Val::Int(*n)),
                Limit::ReduceBy(n) => field("reduce_by", Val::Int(*n)),
            });
            f.push(counts_field(*counts));
            deadlines.push(match comply_by {
                Some(d) => field("comply_by", Val::Date(*d)),
                None => implied("comply_by", Val::Null, true),
            });
        }
        Action::CapLifted { scope, counts } => {
            f.extend(scope_fields(w, scope));
            f.push(counts_field(*counts));
        }
        Action::LocalStaffHired { mission: m, count }
        | Action::LocalStaffDismissed { mission: m, count } => {
            f.push(mission(*m));
            f.push(field("count", Val::Int(*count)));
        }
        Action::MissionOpened { mission: m }
        | Action::MissionSuspended { mission: m }
        | Action::MissionClosed { mission: m }
        | Action::MissionReopened { mission: m }
        | Action::ConsentGranted { mission: m }
        | Action::PremisesSeized { mission: m } => f.push(mission(*m)),
        Action::ConsentWithdrawn {
            mission: m,
            depart_by,
        } => {
            f.push(mission(*m));
            deadlines.push(field("depart_by", Val::Date(*depart_by)));
        }
        Action::RelationsBroken { with, depart_by } => {
            f.push(actor("with", *with));
            deadlines.push(match depart_by {
                Some(d) => field("depart_by", Val::Date(*d)),
                None => implied("depart_by", Val::Null, true),
            });
        }
        Action::RelationsEstablished { with } | Action::ContactsFrozen { with } => {
            f.push(actor("with", *with));
        }
        Action::ChannelDesignated { with, via } => {
            f.push(actor("with", *with));
            f.push(field("via", Val::Str(mission_key(w, *via))));
        }
        Action::StaffMoved { from, to, who } => {
            f.push(field("from", Val::Str(mission_key(w, *from))));
            f.push(field("to", Val::Str(mission_key(w, *to))));
            f.extend(who_fields(w, who));
        }
        Action::MissionClosedMovingStaff { mission: m, to } => {
            f.push(mission(*m));
            f.push(field("move_to", Val::Str(mission_key(w, *to))));
        }
        Action::RemovalFromPosts {
            sender,
            host,
            removal,
            count,
            category,
        } => {
            f.push(actor("sender", *sender));
            f.push(actor("host", *host));
            f.extend(who_fields(
                w,
                &crate::core::Who::Count {
                    count: *count,
                    category: *category,
                },
            ));
            if let Some(d) = removal.depart_by() {
                deadlines.push(field("depart_by", Val::Date(d)));
            }
        }
    }
    f.push(implied(
        "effective",
        Val::Date(effective),
        effective == announced,
    ));
    f.extend(deadlines);
    f
}

/// An event's kind fields, or the measures of a `countermeasures` decision. Records what a
/// scenario file cannot say in `check`.
fn body_fields(
    w: &World,
    e: &Event,
    i: usize,
    name: &str,
    event_id: &dyn Fn(Seq) -> String,
    check: &mut Vec<String>,
) -> (Vec<Field>, Vec<(Kind, Vec<Field>)>) {
    let reference = |check: &mut Vec<String>, seq: Seq, what: &str| {
        if seq.index() >= i {
            check.push(format!(
                "{name} refers in `{what}` to a later event ({}); a scenario file refers only to earlier ones",
                event_id(seq)
            ));
        }
    };
    if e.proposed && !matches!(e.body, Body::Measures { .. }) {
        check.push(format!(
            "{name} is proposed, but only measures can be proposed"
        ));
    }
    match &e.body {
        Body::Measures {
            bundle: true,
            measures,
        } => {
            let ms = measures
                .iter()
                .map(|m| {
                    (
                        m.action.kind(),
                        action_fields(w, &m.action, m.effective, e.date),
                    )
                })
                .collect();
            (Vec::new(), ms)
        }
        Body::Measures {
            bundle: false,
            measures,
        } => {
            if measures.len() != 1 {
                check.push(format!(
                    "{name} holds {} measures outside a countermeasures decision; a single measure event holds one",
                    measures.len()
                ));
            }
            let f = measures
                .first()
                .map(|m| action_fields(w, &m.action, m.effective, e.date))
                .unwrap_or_default();
            (f, Vec::new())
        }
        Body::Signal {
            kind,
            target,
            mission,
            tone,
            threat,
        } => {
            let mut f = Vec::new();
            if !kind.is_signal() {
                check.push(format!(
                    "{name} is recorded as a signal of kind {}, which is not one",
                    kind.key()
                ));
            }
            if *kind == Kind::AmbassadorSummoned {
                match mission {
                    Some(m) => {
                        f.push(field("mission", Val::Str(mission_key(w, *m))));
                        if w.mission(*m).sender != *target {
                            check.push(format!(
                                "{name} summons the head of `{}` but targets `{}`, not the mission's sender",
                                w.mission(*m).key,
                                w.actor(*target).key
                            ));
                        }
                    }
                    None => check.push(format!("{name} summons an ambassador of no mission")),
                }
                // Implied by the mission in a scenario file; given in the JSON.
                f.push(implied(
                    "target",
                    Val::Str(w.actor(*target).key.clone()),
                    true,
                ));
            } else {
                f.push(field("target", Val::Str(w.actor(*target).key.clone())));
                match mission {
                    Some(m) => {
                        check.push(format!(
                            "{name} ({}) is about mission `{}`; in a scenario file only ambassador-summoned names a mission",
                            kind.key(),
                            w.mission(*m).key
                        ));
                        f.push(field("mission", Val::Str(mission_key(w, *m))));
                    }
                    None => f.push(implied("mission", Val::Null, true)),
                }
            }
            if *kind == Kind::Statement {
                f.push(implied(
                    "tone",
                    Val::Str(tone.key().into()),
                    *tone == Tone::Neutral,
                ));
            } else if *tone != Tone::Neutral {
                check.push(format!(
                    "{name} ({}) has the tone {}, which only statements have",
                    kind.key(),
                    tone.key()
                ));
            }
            if let Some(t) = threat {
                if !crate::core::event::THREAT_KINDS.contains(kind) {
                    check.push(format!(
                        "{name} ({}) says what it threatens, which only demands, threats and ultimatums do",
                        kind.key()
                    ));
                }
                if let Some(n) = t.cap {
                    f.push(field("cap", Val::Int(n)));
                }
                if let Some(k) = t.measure {
                    f.push(field("measure", Val::Str(k.key().into())));
                }
            }
            (f, Vec::new())
        }
        Body::StaffReported {
            mission,
            in_post,
            vacant,
        } => (
            vec![
                field("mission", Val::Str(mission_key(w, *mission))),
                field("in_post", Val::Staff(*in_post)),
                field("vacant", Val::Int(*vacant)),
            ],
            Vec::new(),
        ),
        Body::ProposalAdopted { proposal } => {
            reference(check, *proposal, "proposal");
            (
                vec![field("proposal", Val::Str(event_id(*proposal)))],
                Vec::new(),
            )
        }
        Body::MeasuresCancelled { of, how } => {
            for o in of {
                reference(check, *o, "of");
            }
            let of = match of.as_slice() {
                [one] => Val::Str(event_id(*one)),
                many => Val::Strs(many.iter().map(|o| event_id(*o)).collect()),
            };
            let how_key = match how {
                Cancellation::Withdrawn => "withdrawn",
                Cancellation::Overruled => "overruled",
            };
            (
                vec![
                    field("of", of),
                    implied(
                        "how",
                        Val::Str(how_key.into()),
                        *how == Cancellation::Withdrawn,
                    ),
                ],
                Vec::new(),
            )
        }
    }
}

// ---------------------------------------------------------------------------------------------
// TOML

/// A TOML basic string: quotes, backslashes and control characters escaped; other characters,
/// non-ASCII included, written as they are.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    escape_into(&mut out, s, false);
    out.push('"');
    out
}

/// Free text: a basic string, or a multi-line basic string when it holds line breaks.
fn text(s: &str) -> String {
    if !s.contains('\n') {
        return quoted(s);
    }
    // The line break right after the opening quotes is not part of the string.
    let mut out = String::from("\"\"\"\n");
    escape_into(&mut out, s, true);
    out.push_str("\"\"\"");
    out
}

fn escape_into(out: &mut String, s: &str, multiline: bool) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' if multiline => out.push('\n'),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < ' ' || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
}

fn string_list(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| quoted(s)).collect();
    format!("[{}]", parts.join(", "))
}

/// Staff as a scenario file writes it: a number when the category is unknown, else a table.
fn staff_toml(s: &Staff) -> String {
    let others = Category::ALL
        .iter()
        .filter(|&&c| c != Category::Unspecified)
        .all(|&c| s.get(c) == 0);
    if others {
        return s.get(Category::Unspecified).to_string();
    }
    let parts: Vec<String> = Category::ALL
        .iter()
        .filter(|&&c| s.get(c) > 0)
        .map(|&c| format!("{} = {}", c.key(), s.get(c)))
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

fn toml_val(v: &Val) -> String {
    match v {
        Val::Str(s) => quoted(s),
        Val::Int(n) => n.to_string(),
        Val::Bool(b) => b.to_string(),
        Val::Date(d) => quoted(&d.to_string()),
        Val::Strs(items) => string_list(items),
        Val::Staff(s) => staff_toml(s),
        // Only implied fields are null, and those are not written.
        Val::Null => unreachable!("a null field is implied"),
    }
}

fn line(out: &mut String, name: &str, value: &str) {
    let _ = writeln!(out, "{name} = {value}");
}

fn write_fields(out: &mut String, fields: &[Field]) {
    for f in fields.iter().filter(|f| !f.implied) {
        line(out, f.name, &toml_val(&f.val));
    }
}

/// What the loader builds for a mission's starting state: anything else cannot be written.
fn check_mission_state(check: &mut Check, key: &str, ms: &MissionState) {
    let mut no = |what: &str| {
        check.no(format!(
            "mission `{key}` starts with {what}, which a scenario file cannot express"
        ))
    };
    if ms.consent_withdrawn {
        no("consent withdrawn");
    }
    if !ms.leaving.is_empty() {
        no("staff due to leave");
    }
    if ms.reserved.total() > 0 || !ms.reserved_members.is_empty() || ms.reserved_vacant > 0 {
        no("staff or posts set aside by pending measures");
    }
    let premises = match ms.lifecycle {
        Lifecycle::Suspended | Lifecycle::Closed => Premises::Protected,
        _ => Premises::InUse,
    };
    if ms.premises != premises {
        no(&format!("premises {}", ms.premises.key()));
    }
    if ms.lifecycle != Lifecycle::Operating
        && (ms.headcount() > 0
            || ms.vacant > 0
            || ms.requested > 0
            || (ms.local > 0 && ms.lifecycle != Lifecycle::Suspended))
    {
        no("staff, vacant posts or requests while not operating");
    }
}

fn check_world(check: &mut Check, w: &World) {
    let (actors, missions, persons) = world_keys(w);
    for (what, keys) in [
        ("actor", actors),
        ("mission", missions),
        ("person", persons),
    ] {
        for (i, k) in keys.iter().enumerate() {
            if !id_ok(k) {
                check.no(format!(
                    "{what} id `{k}` is empty or has spaces, which a scenario file does not allow"
                ));
            }
            if keys[..i].contains(k) {
                check.no(format!("{what} id `{k}` is used twice"));
            }
        }
    }
    for m in &w.missions {
        if m.sender == m.receiver {
            check.no(format!("mission `{}` is sent to its own sender", m.key));
        }
        if m.hosted_by.is_some_and(|h| w.mission(h).key == m.key) {
            check.no(format!("mission `{}` is hosted by itself", m.key));
        }
    }
}

fn check_state(check: &mut Check, s: &Scenario) {
    let w = &s.world;
    let st = &s.initial;
    if st.clock != s.start {
        check.no(format!(
            "the starting state is at {}, not at the scenario's start {}",
            st.clock, s.start
        ));
    }
    if st.missions.len() != w.missions.len() {
        check.no(format!(
            "the starting state has {} missions for {} declared",
            st.missions.len(),
            w.missions.len()
        ));
    }
    for (def, ms) in w.missions.iter().zip(&st.missions) {
        check_mission_state(check, &def.key, ms);
    }
    for c in &st.caps {
        let what = cap_name(w, &c.scope);
        if c.comply_by.is_some() {
            check.no(format!(
                "{what} is still in its compliance period; a starting cap cannot have one"
            ));
        }
        if c.cause.is_some() {
            check.no(format!("{what} was set by an event before the start"));
        }
        if st.covered_headcount(w, &c.scope, c.counts) > c.limit {
            check.no(format!("{what} is exceeded at the start"));
        }
    }
    for r in &st.relations {
        if !r.broken && !r.contacts_frozen {
            check.no(format!(
                "relations between `{}` and `{}` are recorded as neither broken nor frozen",
                w.actor(r.pair.0).key,
                w.actor(r.pair.1).key
            ));
        }
    }
    for d in &st.designated {
        if d.cause.is_some() {
            check.no(format!(
                "the channel between `{}` and `{}` via `{}` was designated by an event before the start",
                w.actor(d.pair.0).key,
                w.actor(d.pair.1).key,
                w.mission(d.via).key
            ));
        }
    }
    if !st.pending.is_empty() {
        check.no(format!(
            "{} effects are already scheduled at the start",
            st.pending.len()
        ));
    }
    if !st.proposals.is_empty() {
        check.no(format!(
            "{} proposals are already held at the start",
            st.proposals.len()
        ));
    }
    if st.events > 0 {
        check.no(format!(
            "the starting state already records {} events",
            st.events
        ));
    }
}

fn cap_name(w: &World, scope: &CapScope) -> String {
    match *scope {
        CapScope::Mission(m) => format!("the starting cap on `{}`", w.mission(m).key),
        CapScope::Posts { sender, host } => format!(
            "the starting cap on `{}`'s posts in `{}`",
            w.actor(sender).key,
            w.actor(host).key
        ),
    }
}

fn check_events(check: &mut Check, s: &Scenario) {
    if s.meta.len() != s.events.len() {
        check.no(format!(
            "{} events but {} ids, sources and notes",
            s.events.len(),
            s.meta.len()
        ));
    }
    for (i, m) in s.meta.iter().enumerate() {
        if s.meta[..i].iter().any(|o| o.id == m.id) {
            check.no(format!("event id `{}` is used twice", m.id));
        }
        if m.source.trim().is_empty() {
            check.no(format!(
                "event `{}` has no source, which a scenario file requires",
                m.id
            ));
        }
    }
    for (i, e) in s.events.iter().enumerate() {
        if let Body::Measures { measures, .. } = &e.body {
            for m in measures {
                let who = match &m.action {
                    Action::AccreditationGranted { who, .. }
                    | Action::AccreditationWithdrawn { who, .. }
                    | Action::PersonaNonGrata { who, .. }
                    | Action::DepartureRequired { who, .. }
                    | Action::StaffRecalled { who, .. }
                    | Action::StaffDeparted { who, .. } => who,
                    _ => continue,
                };
                let name = check.event_name(i);
                let kind = m.action.kind();
                match who {
                    Who::Named(ps) if ps.is_empty() => {
                        check.no(format!("{name} ({}) names an empty list of persons", kind.key()))
                    }
                    Who::Named(ps) if (1..ps.len()).any(|k| ps[..k].contains(&ps[k])) => {
                        check.no(format!("{name} ({}) names someone twice", kind.key()))
                    }
                    Who::All
                        if !matches!(kind, Kind::AccreditationWithdrawn | Kind::StaffDeparted) =>
                    {
                        check.no(format!(
                            "{name} ({}) concerns all staff, which only accreditation-withdrawn and staff-departed can",
                            kind.key()
                        ))
                    }
                    _ => {}
                }
            }
        }
        if e.date < s.start {
            let name = check.event_name(i);
            check.no(format!(
                "{name} is dated {}, before the scenario starts on {}",
                e.date, s.start
            ));
        }
        for r in &e.in_response_to {
            if r.index() >= i {
                let name = check.event_name(i);
                check.no(format!(
                    "{name} responds to a later event ({})",
                    event_id(s, *r)
                ));
            }
        }
    }
    if let (Some(end), Some(last)) = (s.end, s.events.last())
        && end < last.date
    {
        check.no(format!(
            "the scenario ends on {end}, before its last event ({})",
            last.date
        ));
    }
}

/// The scenario as a scenario file that [`crate::scenario::parse`] loads back to an equal
/// scenario, or what in it a scenario file cannot express.
pub fn to_toml(s: &Scenario) -> Result<String, ExportError> {
    let mut check = Check {
        s,
        problems: Vec::new(),
    };
    check_world(&mut check, &s.world);
    check_state(&mut check, s);
    check_events(&mut check, s);
    let w = &s.world;
    let st = &s.initial;
    let mut out = String::new();

    out.push_str("[scenario]\n");
    line(&mut out, "title", &text(&s.title));
    if let Some(summary) = &s.summary {
        line(&mut out, "summary", &text(summary));
    }
    line(&mut out, "start", &quoted(&s.start.to_string()));
    if let Some(end) = s.end {
        line(&mut out, "end", &quoted(&end.to_string()));
    }
    if !s.sources.is_empty() {
        out.push_str("sources = [\n");
        for src in &s.sources {
            let _ = writeln!(out, "  {},", quoted(src));
        }
        out.push_str("]\n");
    }

    for a in &w.actors {
        out.push_str("\n[[actors]]\n");
        line(&mut out, "id", &quoted(&a.key));
        line(&mut out, "name", &quoted(&a.name));
        line(&mut out, "kind", &quoted(a.kind.key()));
    }

    for p in &w.persons {
        out.push_str("\n[[persons]]\n");
        line(&mut out, "id", &quoted(&p.key));
        if p.category != Category::Unspecified {
            line(&mut out, "category", &quoted(p.category.key()));
        }
    }

    for (i, m) in w.missions.iter().enumerate() {
        out.push_str("\n[[missions]]\n");
        line(&mut out, "id", &quoted(&m.key));
        line(&mut out, "name", &quoted(&m.name));
        line(&mut out, "kind", &quoted(m.kind.key()));
        line(&mut out, "sender", &quoted(&w.actor(m.sender).key));
        line(&mut out, "receiver", &quoted(&w.actor(m.receiver).key));
        if m.territory != m.receiver || w.actor(m.receiver).kind == ActorKind::Organisation {
            line(&mut out, "territory", &quoted(&w.actor(m.territory).key));
        }
        line(&mut out, "city", &quoted(&m.city));
        if let Some(h) = m.hosted_by {
            line(&mut out, "hosted_by", &quoted(&w.mission(h).key));
        }
        let Some(ms) = st.missions.get(i) else {
            continue;
        };
        match ms.lifecycle {
            Lifecycle::Operating => {}
            Lifecycle::NotOpen => line(&mut out, "status", &quoted("not-open")),
            Lifecycle::Suspended => line(&mut out, "status", &quoted("suspended")),
            Lifecycle::Closed => line(&mut out, "status", &quoted("closed")),
        }
        if ms.in_post.total() > 0 {
            line(&mut out, "staff", &staff_toml(&ms.in_post));
        }
        if !ms.members.is_empty() {
            let mut members = ms.members.clone();
            members.sort();
            let keys: Vec<String> = members.iter().map(|p| w.person(*p).key.clone()).collect();
            line(&mut out, "members", &string_list(&keys));
        }
        if ms.vacant > 0 {
            line(&mut out, "vacant", &ms.vacant.to_string());
        }
        if ms.requested > 0 {
            line(&mut out, "requested", &ms.requested.to_string());
        }
        if ms.local > 0 {
            line(&mut out, "locally_employed", &ms.local.to_string());
        }
    }

    for c in &st.caps {
        out.push_str("\n[[caps]]\n");
        for f in scope_fields(w, &c.scope) {
            line(&mut out, f.name, &toml_val(&f.val));
        }
        line(&mut out, "limit", &c.limit.to_string());
        if c.counts != Counts::Sent {
            line(&mut out, "counts", &quoted(c.counts.key()));
        }
        line(&mut out, "set_by", &quoted(&w.actor(c.set_by).key));
        if c.since != s.start {
            line(&mut out, "since", &quoted(&c.since.to_string()));
        }
    }

    for r in &st.relations {
        out.push_str("\n[[relations]]\n");
        let between = [w.actor(r.pair.0).key.clone(), w.actor(r.pair.1).key.clone()];
        line(&mut out, "between", &string_list(&between));
        if r.broken {
            line(&mut out, "broken", "true");
        }
        if r.contacts_frozen {
            line(&mut out, "contacts_frozen", "true");
        }
    }

    for d in &st.designated {
        out.push_str("\n[[channels]]\n");
        let between = [w.actor(d.pair.0).key.clone(), w.actor(d.pair.1).key.clone()];
        line(&mut out, "between", &string_list(&between));
        line(&mut out, "via", &quoted(&w.mission(d.via).key));
        if d.since != s.start {
            line(&mut out, "since", &quoted(&d.since.to_string()));
        }
    }

    for (i, e) in s.events.iter().enumerate() {
        let name = check.event_name(i);
        let id_of = |seq: Seq| event_id(s, seq);
        let (fields, measures) = body_fields(w, e, i, &name, &id_of, &mut check.problems);
        out.push_str("\n[[events]]\n");
        let meta = s.meta.get(i);
        line(&mut out, "id", &quoted(meta.map_or("", |m| m.id.as_str())));
        line(&mut out, "date", &quoted(&e.date.to_string()));
        line(&mut out, "kind", &quoted(e.kind().key()));
        line(&mut out, "actor", &quoted(&w.actor(e.actor).key));
        if let Some(n) = e.notified {
            line(&mut out, "notified", &quoted(&n.to_string()));
        }
        if e.proposed {
            line(&mut out, "proposed", "true");
        }
        write_fields(&mut out, &fields);
        if !e.in_response_to.is_empty() {
            let ids: Vec<String> = e.in_response_to.iter().map(|r| event_id(s, *r)).collect();
            line(&mut out, "in_response_to", &string_list(&ids));
        }
        if let Some(m) = meta {
            line(&mut out, "source", &text(&m.source));
            if let Some(summary) = &m.summary {
                line(&mut out, "summary", &text(summary));
            }
            if let Some(note) = &m.note {
                line(&mut out, "note", &text(note));
            }
        }
        for (kind, fields) in &measures {
            out.push_str("\n[[events.measures]]\n");
            line(&mut out, "kind", &quoted(kind.key()));
            write_fields(&mut out, fields);
        }
    }

    if check.problems.is_empty() {
        Ok(out)
    } else {
        Err(ExportError {
            problems: check.problems,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// JSON lines

fn json_val(v: &Val) -> Value {
    match v {
        Val::Str(s) => json!(s),
        Val::Int(n) => json!(n),
        Val::Bool(b) => json!(b),
        Val::Date(d) => json!(d.to_string()),
        Val::Strs(items) => json!(items),
        Val::Staff(s) => {
            let by: Map<String, Value> = Category::ALL
                .iter()
                .map(|c| (c.key().to_string(), json!(s.get(*c))))
                .collect();
            Value::Object(by)
        }
        Val::Null => Value::Null,
    }
}

fn json_fields(obj: &mut Map<String, Value>, fields: &[Field]) {
    for f in fields {
        obj.insert(f.name.to_string(), json_val(&f.val));
    }
}

/// The event at `index` (file position, from 0) as one JSON object; see the module docs for
/// its keys.
///
/// # Panics
///
/// If `index` is not the position of an event of `s`.
pub fn event_json(s: &Scenario, index: usize) -> Value {
    let id_of = |seq: Seq| event_id(s, seq);
    event_record(
        &s.world,
        &s.events[index],
        index as u64 + 1,
        s.meta.get(index),
        &id_of,
    )
}

/// The event with sequence `seq` (from 1) as the same JSON object as [`event_json`], for
/// readers that hold the event and its metadata but not the events before it (a log's tail):
/// `id_of` names the earlier events it refers to.
pub fn event_record(
    w: &World,
    e: &Event,
    seq: u64,
    meta: Option<&EventMeta>,
    id_of: &dyn Fn(Seq) -> String,
) -> Value {
    // What a scenario file cannot say does not matter here: the JSON says everything.
    let mut unsaid = Vec::new();
    let index = seq.saturating_sub(1) as usize;
    let name = format!("event {seq}");
    let (fields, measures) = body_fields(w, e, index, &name, id_of, &mut unsaid);
    let mut obj = Map::new();
    obj.insert("seq".into(), json!(seq));
    obj.insert("id".into(), json!(meta.map(|m| &m.id)));
    obj.insert("date".into(), json!(e.date.to_string()));
    obj.insert("notified".into(), json!(e.notified.map(|d| d.to_string())));
    obj.insert("kind".into(), json!(e.kind().key()));
    obj.insert("actor".into(), json!(w.actor(e.actor).key));
    let ids: Vec<String> = e.in_response_to.iter().map(|r| id_of(*r)).collect();
    obj.insert("in_response_to".into(), json!(ids));
    obj.insert("source".into(), json!(meta.map(|m| &m.source)));
    obj.insert(
        "summary".into(),
        json!(meta.and_then(|m| m.summary.as_ref())),
    );
    obj.insert("note".into(), json!(meta.and_then(|m| m.note.as_ref())));
    obj.insert("proposed".into(), json!(e.proposed));
    json_fields(&mut obj, &fields);
    if e.kind() == Kind::Countermeasures {
        let ms: Vec<Value> = measures
            .iter()
            .map(|(kind, fields)| {
                let mut m = Map::new();
                m.insert("kind".into(), json!(kind.key()));
                json_fields(&mut m, fields);
                Value::Object(m)
            })
            .collect();
        obj.insert("measures".into(), Value::Array(ms));
    }
    Value::Object(obj)
}

/// Every event of the scenario as JSON lines: one object per event, in log order, each line
/// ended by `\n`.
pub fn to_jsonl(s: &Scenario, out: &mut impl std::io::Write) -> std::io::Result<()> {
    for i in 0..s.events.len() {
        serde_json::to_writer(&mut *out, &event_json(s, i))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_for_toml() {
        assert_eq!(quoted("a \"b\" \\ c"), r#""a \"b\" \\ c""#);
        assert_eq!(
            quoted("line\nnext\t\u{1}\u{7f}é"),
            "\"line\\nnext\\t\\u0001\\u007Fé\""
        );
        assert_eq!(text("one\ntwo \"q\""), "\"\"\"\none\ntwo \\\"q\\\"\"\"\"");
    }

    #[test]
    fn staff_is_a_number_when_the_category_is_unknown() {
        assert_eq!(staff_toml(&Staff([0, 0, 0, 7])), "7");
        assert_eq!(
            staff_toml(&Staff([3, 0, 2, 1])),
            "{ diplomatic = 3, service = 2, unspecified = 1 }"
        );
    }
}
