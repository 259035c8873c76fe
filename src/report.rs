//! Renders runs and states for people (text) and machines (JSON).
//!
//! Text is for reading in a terminal; JSON field names are stable and documented in
//! docs/scenario-format.md. Nothing here changes a state.

use crate::core::Change;
use crate::core::event::{Action, Body, CapScope, Category, Counts, Event, Kind};
use crate::core::state::{Effect, Lifecycle, State};
use crate::core::world::{ActorId, MissionId, World};
use crate::run::{Entry, Origin, Run};
use crate::scenario::Scenario;
use serde_json::{Value, json};
use std::fmt::Write;

/// How a column of a [`Table`] lines its cells up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A text table whose columns are as wide as their widest cell, so that ids of any length
/// stay in their column. The first row added is usually the header.
#[derive(Clone, Debug)]
pub struct Table {
    aligns: Vec<Align>,
    rows: Vec<Vec<String>>,
}

/// Spaces between two columns of a [`Table`].
pub const GAP: usize = 2;

impl Table {
    pub fn new(aligns: &[Align]) -> Table {
        Table {
            aligns: aligns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are empty.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) -> &mut Table {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }

    /// The width of every column, in characters.
    pub fn widths(&self) -> Vec<usize> {
        let mut w = vec![0; self.aligns.len()];
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                if i >= w.len() {
                    w.push(0);
                }
                w[i] = w[i].max(c.chars().count());
            }
        }
        w
    }

    /// The column where column `i` starts, after `indent` characters.
    pub fn offset(&self, indent: usize, i: usize) -> usize {
        indent + self.widths()[..i].iter().map(|w| w + GAP).sum::<usize>()
    }

    /// Every row on its own line, each prefixed with `indent`, without trailing spaces.
    pub fn render(&self, indent: &str) -> String {
        let widths = self.widths();
        let mut out = String::new();
        for r in &self.rows {
            let mut line = String::from(indent);
            for (i, width) in widths.iter().enumerate() {
                let cell = r.get(i).map_or("", String::as_str);
                let pad = width - cell.chars().count();
                if i > 0 {
                    line.push_str(&" ".repeat(GAP));
                }
                match self.aligns.get(i).copied().unwrap_or(Align::Left) {
                    Align::Left => {
                        line.push_str(cell);
                        line.push_str(&" ".repeat(pad));
                    }
                    Align::Right => {
                        line.push_str(&" ".repeat(pad));
                        line.push_str(cell);
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

fn a(w: &World, id: ActorId) -> &str {
    &w.actor(id).key
}

fn m(w: &World, id: MissionId) -> &str {
    &w.mission(id).key
}

/// What a cap counts, as said after its limit (nothing for staff sent, the usual cap).
fn counting(c: Counts) -> &'static str {
    match c {
        Counts::Sent => "",
        Counts::All => " counting staff sent and employed locally",
        Counts::Local => " on locally employed staff",
        Counts::Diplomatic => " on diplomatic staff",
        Counts::AdministrativeTechnical => " on administrative and technical staff",
        Counts::Service => " on service staff",
    }
}

fn scope(w: &World, s: &CapScope) -> String {
    match *s {
        CapScope::Mission(id) => m(w, id).to_string(),
        CapScope::Posts { sender, host } => {
            format!("all posts of {} in {}", a(w, sender), a(w, host))
        }
    }
}

/// The actor an event is directed at: the other side of its missions, or its named target.
pub fn targets(w: &World, e: &Event) -> Vec<ActorId> {
    let mut out = Vec::new();
    let mut push = |x: ActorId| {
        if x != e.actor && !out.contains(&x) {
            out.push(x);
        }
    };
    match &e.body {
        Body::Measures { measures, .. } => {
            for ms in measures {
                match &ms.action {
                    Action::RelationsBroken { with, .. }
                    | Action::RelationsEstablished { with }
                    | Action::ContactsFrozen { with }
                    | Action::ChannelDesignated { with, .. } => push(*with),
                    Action::StaffCapSet {
                        scope: CapScope::Posts { sender, .. },
                        ..
                    }
                    | Action::CapLifted {
                        scope: CapScope::Posts { sender, .. },
                        ..
                    } => push(*sender),
                    other => {
                        if let Some(mid) = other.mission() {
                            let d = w.mission(mid);
                            push(if e.actor == d.sender {
                                d.receiver
                            } else {
                                d.sender
                            });
                        }
                    }
                }
            }
        }
        Body::Signal { target, .. } => push(*target),
        Body::StaffReported { mission, .. } => push(w.mission(*mission).sender),
        Body::ProposalAdopted { .. } | Body::MeasuresCancelled { .. } => {}
    }
    out
}

/// A mission's lifecycle in the words of the status column (`State::status`), so that the
/// timeline and the state tables say the same thing.
fn lifecycle(l: Lifecycle) -> &'static str {
    match l {
        Lifecycle::NotOpen => "not-open",
        Lifecycle::Operating => "active",
        Lifecycle::Suspended => "suspended",
        Lifecycle::Closed => "closed",
    }
}

/// One change in words.
pub fn describe(w: &World, c: &Change) -> String {
    match c {
        Change::StaffAdded { mission, count } => {
            format!("{}: {count} staff accredited", m(w, *mission))
        }
        Change::StaffToLeave {
            mission,
            count,
            deadline,
        } => {
            format!(
                "{}: {count} staff lose accreditation, must leave by {deadline}",
                m(w, *mission)
            )
        }
        Change::StaffRecalled { mission, count } => {
            format!("{}: {count} staff withdrawn by the sender", m(w, *mission))
        }
        Change::StaffDeparted { mission, count } => {
            format!("{}: {count} staff departed", m(w, *mission))
        }
        Change::StatusLapsed { mission, count } => {
            format!(
                "{}: departure deadline passed; {count} staff not recorded as departed lose member status (R4)",
                m(w, *mission)
            )
        }
        Change::ExcessLeft { mission, count } => {
            format!(
                "{}: compliance date passed, {count} staff above the cap left",
                m(w, *mission)
            )
        }
        Change::Moved { from, to, count } => {
            format!("{}: {count} staff moved to {}", m(w, *from), m(w, *to))
        }
        Change::LeftForCap { mission, count } => {
            format!(
                "{}: {count} staff above the cap departed; their posts go",
                m(w, *mission)
            )
        }
        Change::StaffReported {
            mission,
            headcount,
            vacant,
        } => {
            format!(
                "{}: reported {headcount} in post, {vacant} vacant",
                m(w, *mission)
            )
        }
        Change::Requested { mission, count } => {
            format!("{}: {count} accreditations requested", m(w, *mission))
        }
        Change::Denied { mission, count } => {
            format!("{}: {count} accreditation requests denied", m(w, *mission))
        }
        Change::PostsAbolished { mission, count } => {
            format!("{}: {count} vacant posts abolished", m(w, *mission))
        }
        Change::CapSet {
            scope: s,
            counts,
            limit,
            comply_by,
        } => match comply_by {
            Some(by) => format!(
                "{}: cap {limit}{}, over cap until {by}",
                scope(w, s),
                counting(*counts)
            ),
            None => format!("{}: cap {limit}{}", scope(w, s), counting(*counts)),
        },
        Change::CapLifted { scope: s, counts } => {
            format!("{}: cap{} lifted", scope(w, s), counting(*counts))
        }
        Change::LocalHired { mission, count } => {
            format!("{}: {count} staff employed locally", m(w, *mission))
        }
        Change::LocalDismissed { mission, count } => {
            format!("{}: {count} locally employed staff let go", m(w, *mission))
        }
        Change::LocalShed { mission, count } => format!(
            "{}: compliance date passed, {count} locally employed staff above the cap let go",
            m(w, *mission)
        ),
        Change::Lifecycle { mission, from, to } => {
            format!(
                "{}: {} -> {}",
                m(w, *mission),
                lifecycle(*from),
                lifecycle(*to)
            )
        }
        Change::PremisesSeized { mission } => format!("{}: premises seized", m(w, *mission)),
        Change::RelationsBroken { pair } => {
            format!("relations {} - {} broken", a(w, pair.0), a(w, pair.1))
        }
        Change::RelationsRestored { pair } => {
            format!("relations {} - {} restored", a(w, pair.0), a(w, pair.1))
        }
        Change::ContactsFrozen { pair } => {
            format!(
                "high-level contacts {} - {} frozen",
                a(w, pair.0),
                a(w, pair.1)
            )
        }
        Change::ConsentRestored { mission } => format!("{}: consent granted again", m(w, *mission)),
        Change::ChannelDesignated { pair, via } => {
            format!(
                "channel {} - {} designated via {}",
                a(w, pair.0),
                a(w, pair.1),
                m(w, *via)
            )
        }
        Change::Scheduled { day, what, mission } => match mission {
            Some(x) => format!("{}: {} scheduled for {day}", m(w, *x), what.key()),
            None => format!("{} scheduled for {day}", what.key()),
        },
        Change::ProposalHeld { measures } => {
            format!("proposal of {measures} measures held, not in effect")
        }
        Change::Cancelled { measures, how, .. } => {
            let how = match how {
                crate::core::event::Cancellation::Withdrawn => "withdrawn",
                crate::core::event::Cancellation::Overruled => "overruled",
            };
            format!("{measures} pending measures {how}: they will not happen")
        }
        Change::Superseded { mission, measures } => format!(
            "{}: {measures} measures scheduled on it will not happen (it stopped operating first)",
            m(w, *mission)
        ),
        Change::LeftWithMission { mission, count } => {
            format!("{}: {count} staff leave with the mission", m(w, *mission))
        }
        Change::Recorded => "recorded; no mission changes".to_string(),
    }
}

/// The latest demand, threat or ultimatum that says what it demands or threatens, of each actor
/// against each target, read in order as a timeline is: a later measure of the same actor
/// against one of its targets is checked against it (see [`crate::core::Threat::matches`]).
#[derive(Default)]
pub struct Threats {
    latest: std::collections::HashMap<(ActorId, ActorId), (usize, String, crate::core::Threat)>,
    seen: usize,
}

impl Threats {
    /// The line to print under `e`, an event of measures, if an earlier threat applies; then
    /// `e` (with the id `id`) is remembered if it is a threat.
    pub fn next(&mut self, w: &World, e: &Event, id: &str) -> Option<String> {
        let line = match &e.body {
            Body::Measures { measures, .. } => targets(w, e)
                .into_iter()
                .filter_map(|t| self.latest.get(&(e.actor, t)))
                .max_by_key(|(order, _, _)| *order)
                .and_then(|(_, of, threat)| {
                    let verdict = if threat.matches(measures)? {
                        "matches"
                    } else {
                        "does not match"
                    };
                    Some(format!(
                        "threatened in {of} ({}): {verdict}",
                        threat.describe()
                    ))
                }),
            _ => None,
        };
        if let Body::Signal {
            target,
            threat: Some(threat),
            ..
        } = &e.body
        {
            self.latest
                .insert((e.actor, *target), (self.seen, id.to_string(), *threat));
        }
        self.seen += 1;
        line
    }
}

fn event_line(w: &World, e: &Event, id: &str) -> String {
    let targets: Vec<&str> = targets(w, e).into_iter().map(|t| a(w, t)).collect();
    let to = if targets.is_empty() {
        String::new()
    } else {
        format!(" -> {}", targets.join(", "))
    };
    let proposed = if e.proposed { " (proposed)" } else { "" };
    format!(
        "{}  {}  {}{proposed}  {}{to}",
        e.date,
        id,
        e.kind().key(),
        a(w, e.actor)
    )
}

/// What a timeline entry is about: an event, or a scheduled effect of an earlier one.
pub enum Head<'a> {
    /// An event, and the line saying whether it carries out a threat, if one applies.
    Event {
        event: &'a Event,
        id: &'a str,
        threat: Option<String>,
    },
    Effect {
        of: &'a str,
    },
}

/// One entry of a timeline as text: its heading line, then one line per change.
pub fn entry_text(
    out: &mut String,
    w: &World,
    day: crate::core::Day,
    head: Head<'_>,
    changes: &[Change],
) {
    match head {
        Head::Event {
            event: e,
            id,
            threat,
        } => {
            let _ = writeln!(out, "{}", event_line(w, e, id));
            if let Some(n) = e.notified {
                let _ = writeln!(out, "      notified {n}");
            } else if matches!(e.body, Body::Measures { .. }) {
                let _ = writeln!(out, "      not formally notified");
            }
            if let Some(line) = threat {
                let _ = writeln!(out, "      {line}");
            }
        }
        Head::Effect { of } => {
            let _ = writeln!(out, "{day}  (effect of {of})");
        }
    }
    for c in changes {
        let _ = writeln!(out, "      {}", describe(w, c));
    }
}

/// The heading of a timeline (title and source), as text.
pub fn run_heading(s: &Scenario) -> String {
    format!("{} ({})\n\n", s.title, s.name)
}

/// The timeline and summary of a run, as text.
pub fn run_text(s: &Scenario, run: &Run) -> String {
    let mut out = run_heading(s);
    let w = &s.world;
    let mut threats = Threats::default();
    for Entry {
        day,
        origin,
        changes,
    } in &run.timeline
    {
        let head = match origin {
            Origin::Event(i) => Head::Event {
                event: &s.events[*i],
                id: &s.meta[*i].id,
                threat: threats.next(w, &s.events[*i], &s.meta[*i].id),
            },
            Origin::Effect(i) => Head::Effect { of: &s.meta[*i].id },
        };
        entry_text(&mut out, w, *day, head, changes);
    }
    let _ = writeln!(out);
    out.push_str(&state_text(s, run));
    out
}

/// A state as text: missions, channels, relations, pending effects, digest.
pub fn state_text(s: &Scenario, run: &Run) -> String {
    let st = &run.state;
    let w = &s.world;
    let mut out = String::new();
    let _ = writeln!(out, "State on {}", st.clock);
    // Locally employed staff get a column when a mission employs any, or a cap counts them.
    let local = w.mission_ids().any(|id| st.mission(id).local > 0)
        || st.caps.iter().any(|c| c.counts.local());
    let mut align = vec![
        Align::Left,
        Align::Left,
        Align::Left,
        Align::Left,
        Align::Right,
        Align::Right,
        Align::Right,
        Align::Right,
    ];
    let mut head = vec![
        "mission",
        "kind",
        "sender -> receiver",
        "status",
        "in post",
        "cap",
        "vacant",
        "leaving",
    ];
    if local {
        align.push(Align::Right);
        head.push("local");
    }
    let mut t = Table::new(&align);
    t.row(head);
    for id in w.mission_ids() {
        let d = w.mission(id);
        let ms = st.mission(id);
        let cap = st.cap_of(w, id).map_or("-".to_string(), |c| c.to_string());
        let mut row = vec![
            d.key.clone(),
            d.kind.key().to_string(),
            format!("{} -> {}", a(w, d.sender), a(w, d.receiver)),
            st.status(w, id).key().to_string(),
            ms.headcount().to_string(),
            cap,
            ms.vacant.to_string(),
            ms.leaving_count().to_string(),
        ];
        if local {
            row.push(ms.local.to_string());
        }
        t.row(row);
    }
    out.push_str(&t.render("  "));
    let open: Vec<String> = channels(w, st)
        .into_iter()
        .filter(|c| c["open"] == true)
        .map(|c| {
            format!(
                "  {} - {} via {} ({})",
                c["between"][0].as_str().unwrap_or(""),
                c["between"][1].as_str().unwrap_or(""),
                c["via"].as_str().unwrap_or(""),
                c["kind"].as_str().unwrap_or("")
            )
        })
        .collect();
    if !st.caps.is_empty() {
        let _ = writeln!(out, "Caps");
        for c in &st.caps {
            let comply = c
                .comply_by
                .map(|d| format!(", excess must leave by {d}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {}: {}{} ({} {}, since {}, set by {}{comply})",
                scope(w, &c.scope),
                c.limit,
                counting(c.counts),
                match c.counts {
                    Counts::Sent => "in post",
                    Counts::All => "in post and employed locally",
                    Counts::Local => "employed locally",
                    Counts::Diplomatic => "diplomats in post",
                    Counts::AdministrativeTechnical => "administrative-technical in post",
                    Counts::Service => "service staff in post",
                },
                st.covered_headcount(w, &c.scope, c.counts),
                c.since,
                a(w, c.set_by)
            );
        }
    }
    let _ = writeln!(out, "Open channels");
    for c in open {
        let _ = writeln!(out, "{c}");
    }
    if !st.relations.is_empty() {
        let _ = writeln!(out, "Relations");
        for r in &st.relations {
            let what = if r.broken {
                "broken"
            } else {
                "high-level contacts frozen"
            };
            let _ = writeln!(out, "  {} - {}: {what}", a(w, r.pair.0), a(w, r.pair.1));
        }
    }
    let pending = pending(s, run);
    if !pending.is_empty() {
        let _ = writeln!(out, "Pending");
        for p in pending {
            let _ = writeln!(
                out,
                "  {}  {}  ({})",
                p["day"].as_str().unwrap_or(""),
                p["what"].as_str().unwrap_or(""),
                p["event"].as_str().unwrap_or("")
            );
        }
    }
    let _ = writeln!(out, "digest {}", st.digest());
    out
}

/// Every channel: one per mission (sender - receiver) and one per designated fallback.
fn channels(w: &World, st: &State) -> Vec<Value> {
    let mut out = Vec::new();
    for id in w.mission_ids() {
        let d = w.mission(id);
        out.push(json!({
            "between": [a(w, d.sender), a(w, d.receiver)],
            "via": d.key,
            "kind": "mission",
            "open": st.mission(id).operating(),
        }));
    }
    for c in &st.designated {
        out.push(json!({
            "between": [a(w, c.pair.0), a(w, c.pair.1)],
            "via": m(w, c.via),
            "kind": "designated",
            "since": c.since.to_string(),
            "open": st.mission(c.via).operating(),
        }));
    }
    out
}

/// Scheduled effects and held proposals, with the event they come from.
fn pending(s: &Scenario, run: &Run) -> Vec<Value> {
    let st = &run.state;
    let w = &s.world;
    let id_of = |seq: crate::core::Seq| -> String {
        event_index(run, seq).map_or(format!("#{}", seq.0), |i| s.meta[i].id.clone())
    };
    let mut out = Vec::new();
    for p in &st.pending {
        let what = match &p.effect {
            Effect::Measure(planned) => {
                let action = &planned.action;
                let target = action
                    .mission()
                    .map(|x| format!(" {}", m(w, x)))
                    .unwrap_or_default();
                format!("{}{target}", action.kind().key())
            }
            Effect::Lapse { mission } => format!("departure deadline passes at {}", m(w, *mission)),
            Effect::Compliance { scope: sc, counts } => format!(
                "cap compliance date passes for {}{}",
                scope(w, sc),
                counting(*counts)
            ),
        };
        let notified = event_index(run, p.cause).map(|i| s.events[i].notified.is_some());
        out.push(json!({
            "day": p.day.to_string(),
            "event": id_of(p.cause),
            "what": what,
            "notified": notified,
        }));
    }
    for p in &st.proposals {
        out.push(json!({
            "day": Value::Null,
            "event": id_of(p.seq),
            "what": format!("proposal of {} measures, held", p.measures.len()),
            "notified": Value::Null,
        }));
    }
    out
}

/// The file position of the event accepted with sequence `seq`.
/// The position in the scenario of the event with sequence `seq`, if the scenario holds it (a
/// report of a log's state holds only the events the state names).
fn event_index(run: &Run, seq: crate::core::Seq) -> Option<usize> {
    run.index_of
        .get(seq.index())
        .copied()
        .filter(|&i| i != usize::MAX)
}

/// A state as JSON (the shape documented in docs/scenario-format.md).
pub fn state_json(s: &Scenario, run: &Run) -> Value {
    let st = &run.state;
    let w = &s.world;
    let missions: Vec<Value> = w
        .mission_ids()
        .map(|id| {
            let d = w.mission(id);
            let ms = st.mission(id);
            let mut staff = serde_json::Map::new();
            for c in Category::ALL {
                let named = ms.members.iter().filter(|p| w.person(**p).category == c).count() as u32;
                staff.insert(c.key().into(), json!(ms.in_post.get(c) + named));
            }
            json!({
                "id": d.key,
                "name": d.name,
                "kind": d.kind.key(),
                "sender": a(w, d.sender),
                "receiver": a(w, d.receiver),
                "territory": a(w, d.territory),
                "city": d.city,
                "hosted_by": d.hosted_by.map(|h| m(w, h)),
                "status": st.status(w, id).key(),
                "headcount": ms.headcount(),
                "staff": staff,
                "members": ms.members.iter().map(|p| w.person(*p).key.clone()).collect::<Vec<_>>(),
                "vacant": ms.vacant,
                "requested": ms.requested,
                "locally_employed": ms.local,
                "leaving": ms.leaving.iter().map(|l| json!({
                    "count": l.total(), "deadline": l.deadline.to_string(), "event": event_index(run, l.cause).map(|i| s.meta[i].id.clone()),
                })).collect::<Vec<_>>(),
                "cap": st.cap_of(w, id),
                "cap_scope": st.caps_on(w, id).filter(|c| c.counts.whole()).min_by_key(|c| c.limit).map(|c| scope(w, &c.scope)),
                "premises": ms.premises.key(),
                "consent_withdrawn": ms.consent_withdrawn,
            })
        })
        .collect();
    let caps: Vec<Value> = st
        .caps
        .iter()
        .map(|c| {
            json!({
                "scope": scope(w, &c.scope),
                "limit": c.limit,
                "since": c.since.to_string(),
                "comply_by": c.comply_by.map(|d| d.to_string()),
                "set_by": a(w, c.set_by),
                "counts": c.counts.key(),
                "covered_headcount": st.covered_headcount(w, &c.scope, c.counts),
            })
        })
        .collect();
    let relations: Vec<Value> = st
        .relations
        .iter()
        .map(|r| json!({"between": [a(w, r.pair.0), a(w, r.pair.1)], "broken": r.broken, "contacts_frozen": r.contacts_frozen}))
        .collect();
    json!({
        "at": st.clock.to_string(),
        "digest": st.digest(),
        "events_applied": st.events,
        "missions": missions,
        "caps": caps,
        "channels": channels(w, st),
        "relations": relations,
        "pending": pending(s, run),
    })
}

/// A run as JSON: the timeline, problems and final state.
pub fn run_json(s: &Scenario, run: &Run) -> Value {
    let w = &s.world;
    let timeline: Vec<Value> = run
        .timeline
        .iter()
        .map(|e| {
            let (kind, id, event) = match e.origin {
                Origin::Event(i) => ("event", s.meta[i].id.clone(), Some(i)),
                Origin::Effect(i) => ("effect", s.meta[i].id.clone(), None),
            };
            let mut v = json!({
                "date": e.day.to_string(),
                "origin": kind,
                "event": id,
                "changes": e.changes.iter().map(|c| describe(w, c)).collect::<Vec<_>>(),
                "effects": e.changes.iter().map(|c| change_json(s, run, c)).collect::<Vec<_>>(),
            });
            if let Some(i) = event {
                let ev = &s.events[i];
                v["kind"] = json!(ev.kind().key());
                v["actor"] = json!(a(w, ev.actor));
                v["targets"] = json!(
                    targets(w, ev)
                        .into_iter()
                        .map(|t| a(w, t))
                        .collect::<Vec<_>>()
                );
                v["cameo"] = json!(ev.cameo());
                v["goldstein"] = json!(ev.goldstein().map(|g| round4(f64::from(g))));
                v["notified"] = json!(ev.notified.map(|d| d.to_string()));
                v["source"] = json!(s.meta[i].source);
            }
            v
        })
        .collect();
    json!({
        "scenario": s.title,
        "file": s.name,
        "timeline": timeline,
        "problems": problems_json(s, &run.problems),
        "state": state_json(s, run),
    })
}

/// One change as data: `{"change": "StaffToLeave", "mission": "ru-mission-nato", ...}`, with
/// ids written as in the scenario file.
pub fn change_json(s: &Scenario, run: &Run, c: &Change) -> Value {
    let w = &s.world;
    let Ok(Value::Object(outer)) = serde_json::to_value(c) else {
        // A variant without fields serialises as a bare string.
        return json!({ "change": serde_json::to_value(c).unwrap_or(Value::Null) });
    };
    let mut out = serde_json::Map::new();
    for (name, fields) in outer {
        out.insert("change".into(), json!(name));
        let Value::Object(fields) = fields else {
            continue;
        };
        for (k, v) in fields {
            let v = match (k.as_str(), &v) {
                ("mission" | "via", Value::Number(n)) => {
                    json!(m(w, MissionId(n.as_u64().unwrap_or(0) as u32)))
                }
                ("pair", Value::Array(ids)) => json!(
                    ids.iter()
                        .map(|i| a(w, ActorId(i.as_u64().unwrap_or(0) as u32)))
                        .collect::<Vec<_>>()
                ),
                ("of", Value::Number(n)) => {
                    let seq = crate::core::Seq(n.as_u64().unwrap_or(0) as u32);
                    json!(event_index(run, seq).map(|i| s.meta[i].id.clone()))
                }
                ("scope", _) => match c {
                    Change::CapSet { scope: sc, .. } | Change::CapLifted { scope: sc, .. } => {
                        json!(scope(w, sc))
                    }
                    _ => v,
                },
                ("what", Value::String(_)) => match c {
                    Change::Scheduled { what, .. } => json!(what.key()),
                    _ => v,
                },
                ("day" | "deadline" | "comply_by", Value::Number(n)) => {
                    json!(crate::core::Day(n.as_i64().unwrap_or(0) as i32).to_string())
                }
                ("from" | "to", _) => match (c, k.as_str()) {
                    (Change::Lifecycle { from, .. }, "from") => json!(lifecycle(*from)),
                    (Change::Lifecycle { to, .. }, _) => json!(lifecycle(*to)),
                    _ => v,
                },
                ("how", Value::String(h)) => json!(h.to_lowercase()),
                _ => v,
            };
            out.insert(k, v);
        }
    }
    Value::Object(out)
}

/// Problems as JSON objects with file, line and column.
pub fn problems_json(s: &Scenario, problems: &[crate::scenario::Problem]) -> Vec<Value> {
    let lines = LineIndex::new(&s.text);
    problems
        .iter()
        .map(|p| problem_json_at(&s.name, &lines, p))
        .collect()
}

/// One problem as a JSON object with file, line and column.
pub fn problem_json(name: &str, text: &str, p: &crate::scenario::Problem) -> Value {
    problem_json_at(name, &LineIndex::new(text), p)
}

/// One problem as a JSON object, its line and column found in `lines` (built once per file).
pub fn problem_json_at(name: &str, lines: &LineIndex, p: &crate::scenario::Problem) -> Value {
    let (line, column) = p.span.as_ref().map_or((None, None), |r| {
        let (l, c) = lines.line_col(r.start);
        (Some(l), Some(c))
    });
    let (rule, refs) = p.rule.as_deref().map_or((None, Vec::new()), split_rule);
    json!({
        "file": name,
        "line": line,
        "column": column,
        "event": p.event,
        "code": p.code,
        "rule": rule,
        "refs": refs,
        "message": p.message,
        "help": p.help,
    })
}

/// A problem's rule, `CountExceedsStaff, rule R3 R5`, as its name and the rules it enforces.
pub fn split_rule(rule: &str) -> (Option<&str>, Vec<&str>) {
    match rule.split_once(", rule ") {
        Some((name, refs)) => (Some(name), refs.split_whitespace().collect()),
        None => (Some(rule), Vec::new()),
    }
}

/// A number for JSON output, rounded to 4 decimals: shares, means and conflict weights are
/// sums of binary fractions, and `0.9829000000000001` says nothing `0.9829` does not.
pub fn round4(x: f64) -> f64 {
    let r = (x * 10_000.0).round() / 10_000.0;
    if r == 0.0 { 0.0 } else { r }
}

/// The start of every line of a text, so that each byte offset finds its line and column in
/// O(log lines) instead of a scan from the start of the text.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        LineIndex {
            starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
            len: text.len(),
        }
    }

    /// The line (from 1) and byte column (from 1) of `offset`, as [`crate::scenario::line_col`].
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let o = offset.min(self.len);
        let line = self.starts.partition_point(|&s| s <= o);
        (line, o - self.starts[line - 1] + 1)
    }

    /// How many lines the text has (a final line without a newline counts).
    pub fn lines(&self) -> usize {
        self.starts.len()
    }

    /// The byte range of line `line0` (from 0), without its newline.
    pub fn range(&self, line0: usize) -> std::ops::Range<usize> {
        let start = self.starts[line0];
        let end = self.starts.get(line0 + 1).map_or(self.len, |next| next - 1);
        start..end
    }
}

/// Text for a Markdown table cell: a `|` would end the cell, so it is escaped.
fn md(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The catalogue of event kinds and rejection codes as Markdown (docs/events.md).
pub fn catalogue_markdown() -> String {
    let mut out = String::new();
    out.push_str("# Event catalogue\n\n");
    out.push_str("Generated by `demarche events --format markdown`; a test fails when this file and the code disagree.\n\n");
    out.push_str("Every event has `id`, `date` (announced), `kind`, `actor`, `source`, and optionally `notified`, `in_response_to`, `summary`, `note`. Measure kinds also take `effective` and `proposed`.\n");
    out.push_str("CAMEO codes and Goldstein weights follow the CAMEO codebook; PLOVER is `CATEGORY: mode`. A mark in *ours* means the mapping is this project's choice, not the ontology table in the shared sources.\n\n");
    out.push_str("## Kinds\n\n| kind | measure | CAMEO | Goldstein | PLOVER | ours | who may issue | fields | effect |\n|---|---|---|---|---|---|---|---|---|\n");
    for k in Kind::ALL {
        let i = k.info();
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} |",
            md(i.key),
            if k.is_measure() { "yes" } else { "" },
            md(i.cameo.unwrap_or("none")),
            i.goldstein.map_or("".to_string(), |g| format!("{g:+.1}")),
            md(i.plover.unwrap_or("none")),
            if i.mapped_by_project { "yes" } else { "" },
            md(i.issuer.describe()),
            md(i.fields),
            md(i.effect)
        );
    }
    out.push_str("\n## Kinds of mission\n\nWhere the catalogue restricts an event to some kinds of mission:\n\n| event | acts on |\n|---|---|\n");
    for (kinds, on) in crate::core::rules::MISSION_KIND_RULES {
        let _ = writeln!(out, "| {} | {} |", md(kinds), md(on));
    }
    out.push_str("\n## Rules\n\nRules the tables above do not show:\n\n");
    for (name, rule) in crate::core::rules::MODEL_RULES {
        let _ = writeln!(out, "- **{name}**: {rule}.");
    }
    out.push_str("\n## Rejection codes\n\nCodes are fixed: a code never changes meaning and is never reused.\n\n| code | name | rule | meaning |\n|---|---|---|---|\n");
    for c in crate::core::Reason::CODES {
        let _ = writeln!(
            out,
            "| E{:03} | {} | {} | {} |",
            c.code,
            md(c.name),
            md(c.rule),
            md(c.meaning)
        );
    }
    out
}

/// The catalogue as JSON.
pub fn catalogue_json() -> Value {
    let kinds: Vec<Value> = Kind::ALL
        .iter()
        .map(|k| {
            let i = k.info();
            json!({
                "kind": i.key, "measure": k.is_measure(), "cameo": i.cameo, "goldstein": i.goldstein.map(|g| round4(f64::from(g))),
                "plover": i.plover, "mapped_by_project": i.mapped_by_project,
                "issuer": i.issuer.describe(), "fields": i.fields, "effect": i.effect,
            })
        })
        .collect();
    let codes: Vec<Value> = crate::core::Reason::CODES
        .iter()
        .map(|c| json!({"code": format!("E{:03}", c.code), "name": c.name, "rule": c.rule, "meaning": c.meaning}))
        .collect();
    json!({"kinds": kinds, "rejections": codes})
}

/// The catalogue as plain text for a terminal.
pub fn catalogue_text() -> String {
    let mut out = String::new();
    for k in Kind::ALL {
        let i = k.info();
        let codes = match (i.cameo, i.plover) {
            (Some(c), Some(p)) => {
                format!("CAMEO {c} ({:+.1}), PLOVER {p}", i.goldstein.unwrap_or(0.0))
            }
            (Some(c), None) => format!("CAMEO {c} ({:+.1})", i.goldstein.unwrap_or(0.0)),
            _ => "no CAMEO/PLOVER code".to_string(),
        };
        let _ = writeln!(
            out,
            "{}  [{}]  issued by: {}\n    fields: {}\n    {}\n",
            i.key,
            codes,
            i.issuer.describe(),
            i.fields,
            i.effect
        );
    }
    let _ = writeln!(out, "Rejection codes:");
    for c in crate::core::Reason::CODES {
        let _ = writeln!(
            out,
            "  E{:03} {:<26} [{}] {}",
            c.code, c.name, c.rule, c.meaning
        );
    }
    out
}
