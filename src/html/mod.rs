//! The HTML report: one self-contained page (styles, D3 and the data inline) that shows a run
//! as one lane per mission over time, with its events, and optionally a counterfactual branch
//! over it.
//!
//! The page's data is JSON built here from a [`Run`] (what each event and effect changed) and
//! from [`series::sample`] (each mission's facts over time); the script in `page.js` draws it
//! with D3 and computes the state table at any date from the series. The shape of the data is
//! described in docs/report.md.

pub mod figure;
pub mod series;
pub mod sweep;

use crate::core::Change;
use crate::core::event::{Action, Body, Event, Kind};
use crate::core::world::{MissionId, World};
use crate::core::{Day, Seq};
use crate::report;
use crate::run::{Entry, Origin, Run};
use crate::scenario::Scenario;
use crate::whatif::compare::{Comparison, escalation};
use crate::whatif::{Gone, Origin as ItemOrigin, Source};
use serde::Serialize;
use series::{STATUSES, Series, sample};

/// The family of an event kind, which gives its mark a colour.
pub fn family(k: Kind) -> &'static str {
    use Kind::*;
    match k {
        AccreditationWithdrawn | PersonaNonGrata | DepartureRequired | StaffRecalled => "expulsion",
        SanctionsImposed | LawPassed | AttackAttributed => "words",
        StaffCapSet | PostsAbolished | AccreditationDenied => "cap",
        MissionSuspended | MissionClosed | ConsentWithdrawn | RelationsBroken | ContactsFrozen
        | PremisesSeized | Countermeasures => "rupture",
        AccreditationRequested
        | AccreditationGranted
        | CapLifted
        | MissionOpened
        | MissionReopened
        | ConsentGranted
        | RelationsEstablished
        | ChannelDesignated => "cooperation",
        Statement
        | Accusation
        | Protest
        | AmbassadorSummoned
        | Demand
        | CountermeasuresThreatened
        | Ultimatum => "words",
        StaffReported | StaffDeparted | StaffMoved | ProposalAdopted | MeasuresCancelled
        | LocalStaffHired | LocalStaffDismissed => "record",
    }
}

/// Families of kinds, in the legend's order, with what they hold.
pub const FAMILIES: [(&str, &str); 6] = [
    ("expulsion", "expulsions and recalls"),
    ("cap", "caps, denials, posts abolished"),
    ("rupture", "suspensions, closures, ruptures, decisions"),
    ("cooperation", "openings, grants, requests, channels"),
    ("words", "statements, protests, threats"),
    ("record", "staff reports, departures, proposals"),
];

#[derive(Serialize)]
struct KindOut {
    key: &'static str,
    family: &'static str,
    cameo: Option<&'static str>,
    goldstein: Option<f32>,
}

#[derive(Serialize)]
struct MissionOut {
    key: String,
    name: String,
    kind: &'static str,
    sender: u32,
    receiver: u32,
    city: String,
}

/// What an event is in a branch report.
pub mod tag {
    /// As recorded (or no branch).
    pub const NONE: u8 = 0;
    /// Recorded, and no longer happens in the branch (dropped, pruned, superseded, rejected).
    pub const STRUCK: u8 = 1;
    /// Drafted by a response policy.
    pub const DRAFTED: u8 = 2;
    /// A recorded event as the branch edits it.
    pub const EDITED: u8 = 3;
    /// Inserted by the branch.
    pub const INSERTED: u8 = 4;
    /// Drafted by a policy and rejected by the rules: it changed nothing.
    pub const REJECTED: u8 = 5;
}

/// Which run an event belongs to.
pub mod side {
    pub const BOTH: u8 = 0;
    pub const BASE: u8 = 1;
    pub const BRANCH: u8 = 2;
}

/// Events, column by column (index = position in every column).
#[derive(Serialize, Default)]
struct Events {
    id: Vec<String>,
    day: Vec<i32>,
    kind: Vec<u8>,
    actor: Vec<u32>,
    targets: Vec<Vec<u32>>,
    /// The mission lane the mark sits in; -1 for the lane of events that touch no mission.
    lane: Vec<i32>,
    /// Events this one answers (`in_response_to`, the proposal adopted, the decision
    /// cancelled), as indices.
    refs: Vec<Vec<u32>>,
    source: Vec<String>,
    summary: Vec<Option<String>>,
    notified: Vec<Option<i32>>,
    /// What it changed when announced, in words (in the base, for an event of both runs).
    changes: Vec<Vec<String>>,
    /// For an event of both runs whose changes differ in the branch: the branch's.
    branch_changes: Vec<Option<Vec<String>>>,
    side: Vec<u8>,
    tag: Vec<u8>,
    /// Why it is struck, what drafted it...
    note: Vec<Option<String>>,
}

impl Events {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        w: &World,
        id: String,
        e: &Event,
        lane: i32,
        source: String,
        summary: Option<String>,
        changes: Vec<String>,
    ) -> usize {
        self.id.push(id);
        self.day.push(e.date.0);
        self.kind.push(kind_index(e.kind()));
        self.actor.push(e.actor.0);
        self.targets
            .push(report::targets(w, e).into_iter().map(|a| a.0).collect());
        self.lane.push(lane);
        self.refs.push(Vec::new());
        self.source.push(source);
        self.summary.push(summary);
        self.notified.push(e.notified.map(|d| d.0));
        self.changes.push(changes);
        self.branch_changes.push(None);
        self.side.push(side::BOTH);
        self.tag.push(tag::NONE);
        self.note.push(None);
        self.id.len() - 1
    }
}

/// Scheduled effects that applied (deadlines passing, deferred measures), column by column.
#[derive(Serialize, Default)]
struct Effects {
    day: Vec<i32>,
    /// The event that scheduled it.
    event: Vec<u32>,
    lane: Vec<i32>,
    changes: Vec<Vec<String>>,
}

/// Staff told to leave, with their deadline, column by column.
#[derive(Serialize, Default)]
struct Leaving {
    mission: Vec<u32>,
    day: Vec<i32>,
    count: Vec<u32>,
    deadline: Vec<i32>,
    event: Vec<u32>,
}

/// One run drawn in the lanes: each mission's series, its effects and departures.
#[derive(Serialize)]
struct Side {
    series: Vec<Series>,
    effects: Effects,
    leaving: Leaving,
    digest: String,
}

#[derive(Serialize)]
struct Fork {
    day: i32,
    id: String,
    /// Recorded events before it, replayed as recorded.
    shared: usize,
}

#[derive(Serialize)]
struct EscalationOut {
    actors: Vec<u32>,
    day: Vec<i32>,
    base: Vec<Vec<f64>>,
    branch: Vec<Vec<f64>>,
}

#[derive(Serialize)]
struct BranchOut {
    title: String,
    edits: Vec<String>,
    seed: u64,
    until: Option<i32>,
    fork: Option<Fork>,
    side: Side,
    escalation: EscalationOut,
    /// Recorded events that no longer happen in the branch.
    struck: usize,
    drafted: usize,
    answers_after_end: usize,
    truncated: bool,
}

/// Everything the page draws.
#[derive(Serialize)]
pub struct Data {
    title: String,
    file: String,
    summary: Option<String>,
    sources: Vec<String>,
    start: i32,
    end: i32,
    generator: String,
    statuses: [&'static str; 5],
    families: Vec<(&'static str, &'static str)>,
    kinds: Vec<KindOut>,
    actors: Vec<String>,
    missions: Vec<MissionOut>,
    events: Events,
    base: Side,
    branch: Option<BranchOut>,
    /// The sweep view: the distribution of many seeded runs of a branch.
    #[serde(skip_serializing_if = "Option::is_none")]
    sweep: Option<sweep::SweepOut>,
}

/// Why a report cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportError(pub String);

impl std::fmt::Display for ReportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReportError {}

fn kind_index(k: Kind) -> u8 {
    Kind::ALL.iter().position(|&x| x == k).unwrap_or(0) as u8
}

fn change_mission(c: &Change) -> Option<MissionId> {
    match c {
        Change::StaffAdded { mission, .. }
        | Change::StaffToLeave { mission, .. }
        | Change::StaffRecalled { mission, .. }
        | Change::StaffDeparted { mission, .. }
        | Change::StatusLapsed { mission, .. }
        | Change::ExcessLeft { mission, .. }
        | Change::StaffReported { mission, .. }
        | Change::Requested { mission, .. }
        | Change::Denied { mission, .. }
        | Change::PostsAbolished { mission, .. }
        | Change::Lifecycle { mission, .. }
        | Change::PremisesSeized { mission }
        | Change::ConsentRestored { mission }
        | Change::Superseded { mission, .. }
        | Change::LeftWithMission { mission, .. } => Some(*mission),
        Change::LocalHired { mission, .. }
        | Change::LocalDismissed { mission, .. }
        | Change::LocalShed { mission, .. } => Some(*mission),
        Change::CapSet { scope, .. } | Change::CapLifted { scope, .. } => match scope {
            crate::core::event::CapScope::Mission(m) => Some(*m),
            crate::core::event::CapScope::Posts { .. } => None,
        },
        Change::Scheduled { mission, .. } => *mission,
        _ => None,
    }
}

/// The lane of an event: the first mission its changes name, else the mission its body names,
/// else the first mission between its actor and its target; -1 when none.
fn lane_of(w: &World, e: &Event, changes: &[Change]) -> i32 {
    if let Some(m) = changes.iter().find_map(change_mission) {
        return m.0 as i32;
    }
    let named = match &e.body {
        Body::Measures { measures, .. } => measures.iter().find_map(|m| m.action.mission()),
        Body::Signal { mission, .. } => *mission,
        Body::StaffReported { mission, .. } => Some(*mission),
        _ => None,
    };
    if let Some(m) = named {
        return m.0 as i32;
    }
    let mut other = report::targets(w, e);
    if let Body::Measures { measures, .. } = &e.body {
        for m in measures {
            if let Action::StaffCapSet {
                scope: crate::core::event::CapScope::Posts { sender, host },
                ..
            } = &m.action
            {
                other.push(*sender);
                other.push(*host);
            }
        }
    }
    w.mission_ids()
        .find(|&m| {
            let d = w.mission(m);
            other.iter().any(|&t| {
                (d.sender == e.actor && d.receiver == t) || (d.receiver == e.actor && d.sender == t)
            })
        })
        .map_or(-1, |m| m.0 as i32)
}

fn refs_of(e: &Event) -> Vec<Seq> {
    crate::whatif::refs(e).collect()
}

/// Effects and departures of a timeline whose origins are event indices of the page.
fn side_of(
    w: &World,
    timeline: &[Entry],
    lanes: &[i32],
    series: Vec<Series>,
    digest: String,
) -> Side {
    let mut effects = Effects::default();
    let mut leaving = Leaving::default();
    for entry in timeline {
        let (event, is_effect) = match entry.origin {
            Origin::Event(i) => (i, false),
            Origin::Effect(i) => (i, true),
        };
        if event >= lanes.len() {
            continue;
        }
        for c in &entry.changes {
            if let Change::StaffToLeave {
                mission,
                count,
                deadline,
            } = c
            {
                leaving.mission.push(mission.0);
                leaving.day.push(entry.day.0);
                leaving.count.push(*count);
                leaving.deadline.push(deadline.0);
                leaving.event.push(event as u32);
            }
        }
        if is_effect {
            let lane = entry
                .changes
                .iter()
                .find_map(change_mission)
                .map_or(lanes[event], |m| m.0 as i32);
            effects.day.push(entry.day.0);
            effects.event.push(event as u32);
            effects.lane.push(lane);
            effects.changes.push(
                entry
                    .changes
                    .iter()
                    .map(|c| report::describe(w, c))
                    .collect(),
            );
        }
    }
    Side {
        series,
        effects,
        leaving,
        digest,
    }
}

/// The changes each event made when announced, by event index.
fn announced(timeline: &[Entry], n: usize) -> Vec<Vec<Change>> {
    let mut out = vec![Vec::new(); n];
    for e in timeline {
        if let Origin::Event(i) = e.origin
            && i < n
        {
            out[i].extend(e.changes.iter().cloned());
        }
    }
    out
}

/// The base run's events and the common parts of the data.
fn base_data(s: &Scenario, run: &Run) -> Result<Data, ReportError> {
    let w = &s.world;
    if !run.problems.is_empty() {
        return Err(ReportError(format!(
            "{} does not replay: {} event(s) rejected; `demarche validate {}` lists them",
            s.name,
            run.problems.len(),
            s.name
        )));
    }
    let n = s.events.len();
    if run.accepted() != n {
        return Err(ReportError(format!(
            "{}: {} of {} events replayed",
            s.name,
            run.accepted(),
            n
        )));
    }
    let sampled = sample(w, &s.initial, &s.events, s.end).map_err(|r| {
        ReportError(format!(
            "{}: event `{}` is rejected when replayed: {}",
            s.name,
            s.meta[r.index].id,
            r.reason.describe(w)
        ))
    })?;
    if sampled.state.digest() != run.state.digest() {
        return Err(ReportError(format!(
            "{}: its stored facts and this build's rules give different states (digest {} against {}); the lanes would not match the timeline",
            s.name,
            run.state.digest(),
            sampled.state.digest()
        )));
    }
    let changes = announced(&run.timeline, n);
    let mut events = Events::default();
    for (i, e) in s.events.iter().enumerate() {
        let m = &s.meta[i];
        let lane = lane_of(w, e, &changes[i]);
        let described = changes[i].iter().map(|c| report::describe(w, c)).collect();
        events.push(
            w,
            m.id.clone(),
            e,
            lane,
            m.source.clone(),
            m.summary.clone(),
            described,
        );
        events.refs[i] = refs_of(e).iter().map(|r| r.0).collect();
    }
    let base = side_of(
        w,
        &run.timeline,
        &events.lane,
        sampled.series,
        run.state.digest(),
    );
    let end = s
        .end
        .unwrap_or(run.state.clock)
        .max(run.state.clock)
        .max(s.events.last().map_or(s.start, |e| e.date));
    Ok(Data {
        title: s.title.clone(),
        file: s.name.clone(),
        summary: s.summary.clone(),
        sources: s.sources.clone(),
        start: s.start.0.min(s.initial.clock.0),
        end: end.0,
        generator: format!("demarche {}", env!("CARGO_PKG_VERSION")),
        statuses: STATUSES,
        families: FAMILIES.to_vec(),
        kinds: Kind::ALL
            .iter()
            .map(|&k| KindOut {
                key: k.key(),
                family: family(k),
                cameo: k.info().cameo,
                goldstein: k.info().goldstein,
            })
            .collect(),
        actors: w.actors.iter().map(|a| a.key.clone()).collect(),
        missions: w
            .mission_ids()
            .map(|m| {
                let d = w.mission(m);
                MissionOut {
                    key: d.key.clone(),
                    name: d.name.clone(),
                    kind: d.kind.key(),
                    sender: d.sender.0,
                    receiver: d.receiver.0,
                    city: d.city.clone(),
                }
            })
            .collect(),
        events,
        base,
        branch: None,
        sweep: None,
    })
}

/// The data of a report of one run (a scenario or a log replayed to its end).
pub fn data(s: &Scenario, run: &Run) -> Result<Data, ReportError> {
    base_data(s, run)
}

/// The data of a report of a sweep: `run` is the base replayed to its end, `runs` the sweep's
/// runs of the branch `p` in run order (from [`crate::whatif::sweep::sweep_with`] with
/// [`sweep::keep`]), seeded from `seed`. `command` is the `demarche whatif` command line that
/// replays one run when its seed is appended.
pub fn sweep_data(
    s: &Scenario,
    run: &Run,
    p: &crate::whatif::Prepared,
    title: String,
    seed: u64,
    command: String,
    runs: &[sweep::SweepRun],
) -> Result<Data, ReportError> {
    let mut data = base_data(s, run)?;
    let end = p.end.map_or(data.end, |d| d.0).max(data.end);
    data.end = end;
    data.sweep = Some(sweep::aggregate(p, title, seed, command, end, runs));
    Ok(data)
}

/// Rewrites references between items of a branch into log sequences.
fn remap(e: &Event, seq_of: &[Option<Seq>]) -> Option<Event> {
    let mut e = e.clone();
    let map = |s: &mut Seq| -> Option<()> {
        *s = seq_of.get(s.index()).copied().flatten()?;
        Some(())
    };
    for r in &mut e.in_response_to {
        map(r)?;
    }
    match &mut e.body {
        Body::ProposalAdopted { proposal } => map(proposal)?,
        Body::MeasuresCancelled { of, .. } => {
            for s in of {
                map(s)?;
            }
        }
        _ => {}
    }
    Some(e)
}

/// The data of a report of a branch drawn over its base: `run` is the base replayed to its end,
/// `cmp` the branch against the base from the fork.
pub fn branch_data(s: &Scenario, run: &Run, cmp: &Comparison) -> Result<Data, ReportError> {
    let mut data = base_data(s, run)?;
    let w = &s.world;
    let p = cmp.prepared;
    let out = &cmp.branch;
    let n = s.events.len();
    let ev = &mut data.events;

    // Page indices of the branch's items and drafted events.
    let mut u_of_item: Vec<usize> = vec![usize::MAX; p.items.len()];
    for (q, it) in p.items.iter().enumerate() {
        u_of_item[q] = match it.origin {
            ItemOrigin::Recorded(i) => i,
            ItemOrigin::Changed(_) | ItemOrigin::Inserted => usize::MAX,
        };
    }
    // Base events are in the branch only if the branch ran them; first assume not.
    let mut in_branch = vec![false; n];

    // The branch's accepted events, in sequence order, with their page indices.
    let mut seq_of_item: Vec<Option<Seq>> = vec![None; p.items.len()];
    let mut events: Vec<Event> = Vec::new();
    let mut u_of_seq: Vec<usize> = Vec::new();
    let rejected_prefix: Vec<usize> = p.prefix_rejected.iter().map(|(k, _)| *k).collect();
    for k in 0..p.fork {
        if rejected_prefix.contains(&k) {
            continue;
        }
        let e = remap(&p.items[k].event, &seq_of_item).ok_or_else(|| {
            ReportError(format!(
                "{}: the shared prefix refers to a rejected event",
                s.name
            ))
        })?;
        seq_of_item[k] = Some(Seq(events.len() as u32));
        events.push(e);
        u_of_seq.push(k);
    }
    let mut drafted_u: Vec<usize> = vec![usize::MAX; out.generated.len()];
    for step in &out.steps {
        let Some(src) = step.source else { continue };
        match src {
            Source::Item(q) => {
                let it = &p.items[q];
                if u_of_item[q] == usize::MAX {
                    let e = &it.event;
                    let (source, summary, t) = match it.origin {
                        ItemOrigin::Changed(i) => (
                            s.meta[i].source.clone(),
                            s.meta[i].summary.clone(),
                            tag::EDITED,
                        ),
                        _ => (String::new(), None, tag::INSERTED),
                    };
                    let u = ev.push(w, it.id.clone(), e, -1, source, summary, Vec::new());
                    ev.side[u] = side::BRANCH;
                    ev.tag[u] = t;
                    ev.note[u] = Some(match it.origin {
                        ItemOrigin::Changed(_) => "the branch's version of a recorded event".into(),
                        _ => "inserted by the branch".into(),
                    });
                    u_of_item[q] = u;
                }
                let u = u_of_item[q];
                if let Ok(seq) = step.result {
                    let e = remap(&it.event, &seq_of_item).ok_or_else(|| {
                        ReportError(format!(
                            "{}: `{}` refers to an event not in the branch",
                            s.name, it.id
                        ))
                    })?;
                    debug_assert_eq!(seq.index(), events.len());
                    seq_of_item[q] = Some(seq);
                    events.push(e);
                    u_of_seq.push(u);
                    if u < n {
                        in_branch[u] = true;
                    }
                }
            }
            Source::Generated(k) => {
                let g = &out.generated[k];
                let u = ev.push(
                    w,
                    g.id.clone(),
                    &g.event,
                    -1,
                    String::new(),
                    None,
                    Vec::new(),
                );
                ev.side[u] = side::BRANCH;
                let answers = p.id_of(out, g.answers).to_string();
                let pol = &p.policies[g.policy];
                let mis = g
                    .misjudged
                    .map(|m| format!(", misjudged: {}", m.key()))
                    .unwrap_or_default();
                ev.note[u] = Some(match &g.rejected {
                    None => format!(
                        "drafted by the policy of {} ({}{mis}), answering {answers}",
                        w.actor(pol.actor).key,
                        g.respond.name()
                    ),
                    Some(r) => format!(
                        "drafted by the policy of {} ({}{mis}), answering {answers}; rejected by the rules, E{:03} {}: it changed nothing",
                        w.actor(pol.actor).key,
                        g.respond.name(),
                        r.code(),
                        r.describe(w)
                    ),
                });
                ev.tag[u] = if g.rejected.is_some() {
                    tag::REJECTED
                } else {
                    tag::DRAFTED
                };
                drafted_u[k] = u;
                if let Ok(seq) = step.result {
                    debug_assert_eq!(seq.index(), events.len());
                    events.push(g.event.clone());
                    u_of_seq.push(u);
                }
            }
        }
    }
    for flag in in_branch.iter_mut().take(p.fork.min(n)) {
        *flag = true;
    }
    // References of branch-only events, as page indices.
    for (q, it) in p.items.iter().enumerate() {
        let u = u_of_item[q];
        if u == usize::MAX || u < n {
            continue;
        }
        ev.refs[u] = refs_of(&it.event)
            .iter()
            .filter_map(|r| {
                u_of_item
                    .get(r.index())
                    .copied()
                    .filter(|&x| x != usize::MAX)
            })
            .map(|x| x as u32)
            .collect();
    }
    for (k, g) in out.generated.iter().enumerate() {
        let u = drafted_u[k];
        if u == usize::MAX {
            continue;
        }
        ev.refs[u] = refs_of(&g.event)
            .iter()
            .filter_map(|r| u_of_seq.get(r.index()).copied())
            .map(|x| x as u32)
            .collect();
    }
    // Base events the branch does not run, and why.
    for (q, it) in p.items.iter().enumerate() {
        let i = match it.origin {
            ItemOrigin::Recorded(i) | ItemOrigin::Changed(i) => i,
            ItemOrigin::Inserted => continue,
        };
        if in_branch[i] {
            continue;
        }
        ev.side[i] = side::BASE;
        ev.tag[i] = tag::STRUCK;
        let why = if it.gone.is_some() {
            let kind = match it.gone {
                Some(Gone::Dropped) => "dropped",
                Some(Gone::Pruned { .. }) => "pruned",
                _ => "superseded",
            };
            format!("no longer happens in the branch ({kind}): {}", cmp.why(q))
        } else if matches!(it.origin, ItemOrigin::Changed(_)) {
            "edited by the branch: the branch's version is drawn apart".into()
        } else if let Some(inv) = out.invalidated.iter().find(|x| x.item == q) {
            format!(
                "rejected by the rules in the branch: E{:03} {}",
                inv.reason.code(),
                inv.reason.describe(w)
            )
        } else if let Some((_, because)) = out.orphaned.iter().find(|(x, _)| *x == q) {
            format!(
                "responds to {}, which the rules rejected in the branch",
                p.items[*because].id
            )
        } else {
            "after the branch's last day".into()
        };
        ev.note[i] = Some(why);
    }

    let sampled = sample(w, &s.initial, &events, p.end).map_err(|r| {
        ReportError(format!(
            "the branch's event `{}` is rejected when replayed: {}",
            ev.id[u_of_seq[r.index]],
            r.reason.describe(w)
        ))
    })?;
    if sampled.state.digest() != out.digest() {
        return Err(ReportError(format!(
            "the branch replayed for the report ends in another state (digest {} against {})",
            sampled.state.digest(),
            out.digest()
        )));
    }
    // The branch's timeline, its origins page indices.
    let mut timeline: Vec<Entry> = Vec::new();
    for k in 0..=events.len() {
        let (a, b) = (
            sampled
                .steps
                .get(k)
                .copied()
                .unwrap_or(sampled.changes.len()),
            sampled
                .steps
                .get(k + 1)
                .copied()
                .unwrap_or(sampled.changes.len()),
        );
        let current = u_of_seq.get(k).copied().unwrap_or(usize::MAX);
        crate::run::group(
            &sampled.changes[a..b],
            &u_of_seq[..k.min(u_of_seq.len())],
            current,
            &mut timeline,
        );
    }
    let total = ev.id.len();
    let branch_changes = announced(&timeline, total);
    for u in 0..total {
        let words: Vec<String> = branch_changes[u]
            .iter()
            .map(|c| report::describe(w, c))
            .collect();
        if u >= n {
            ev.lane[u] = {
                let e_day = ev.day[u];
                let _ = e_day;
                let event = if let Some(q) = u_of_item.iter().position(|&x| x == u) {
                    &p.items[q].event
                } else if let Some(k) = drafted_u.iter().position(|&x| x == u) {
                    &out.generated[k].event
                } else {
                    continue;
                };
                lane_of(w, event, &branch_changes[u])
            };
            ev.changes[u] = words;
        } else if in_branch[u] && words != ev.changes[u] {
            ev.branch_changes[u] = Some(words);
        }
    }
    let side = side_of(w, &timeline, &ev.lane, sampled.series, out.digest());
    let esc = escalation(&cmp.base, out);
    let fork = p.items.get(p.fork).map(|it| Fork {
        day: it.event.date.0,
        id: it.id.clone(),
        shared: p.fork,
    });
    let struck = ev.tag.iter().filter(|&&t| t == tag::STRUCK).count();
    let end = p.end.map(|d| d.0).unwrap_or(data.end).max(data.end);
    data.end = end;
    data.branch = Some(BranchOut {
        title: cmp.title.clone(),
        edits: cmp.notes.clone(),
        seed: out.seed,
        until: p.end.map(|d: Day| d.0),
        fork,
        side,
        escalation: EscalationOut {
            actors: esc.actors.iter().map(|a| a.0).collect(),
            day: esc.rows.iter().map(|r| r.0.0).collect(),
            base: esc
                .rows
                .iter()
                .map(|r| r.1.iter().map(|x| report::round4(*x)).collect())
                .collect(),
            branch: esc
                .rows
                .iter()
                .map(|r| r.2.iter().map(|x| report::round4(*x)).collect())
                .collect(),
        },
        struck,
        drafted: out.generated.len(),
        answers_after_end: out.after_end,
        truncated: out.truncated,
    });
    Ok(data)
}

const TEMPLATE: &str = include_str!("page.html");
const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");
const D3: &str = include_str!("../../assets/d3/d3.min.js");
/// The licences of what is inlined, shown at the foot of the page.
const LICENCES: [(&str, &str); 5] = [
    ("D3 7.9.2 (ISC)", include_str!("../../assets/d3/LICENSE")),
    (
        "d3-ease 3.0.2, in D3 (BSD-3-Clause)",
        include_str!("../../assets/d3/LICENSE.d3-ease"),
    ),
    (
        "internmap 2.0.3, in D3 (ISC)",
        include_str!("../../assets/d3/LICENSE.internmap"),
    ),
    (
        "delaunator 5.1.0, in D3 (ISC)",
        include_str!("../../assets/d3/LICENSE.delaunator"),
    ),
    (
        "robust-predicates 3.0.3, in D3 (Unlicense)",
        include_str!("../../assets/d3/LICENSE.robust-predicates"),
    ),
];

/// Text safe inside a `<script>` element: `</` cannot end it early.
fn script_safe(s: &str) -> String {
    s.replace("</", "<\\/")
}

/// Text safe inside HTML.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The whole page: one HTML file with its styles, D3, the data and the script inline.
pub fn page(data: &Data) -> String {
    let json = serde_json::to_string(data).expect("report data serialises");
    // Placeholders are replaced in one pass, so text inside one cannot be read as another.
    let mut out = String::with_capacity(TEMPLATE.len() + D3.len() + json.len() + SCRIPT.len());
    let mut rest = TEMPLATE;
    while let Some(at) = rest.find("{{") {
        out.push_str(&rest[..at]);
        let close = rest[at..].find("}}").map_or(rest.len(), |c| at + c);
        let name = &rest[at + 2..close];
        match name {
            "TITLE" => out.push_str(&escape(&data.title)),
            "STYLE" => out.push_str(STYLE),
            "D3" => out.push_str(&script_safe(D3)),
            "DATA" => out.push_str(&script_safe(&json)),
            "SCRIPT" => out.push_str(&script_safe(SCRIPT)),
            "LICENCES" => {
                for (name, text) in LICENCES {
                    out.push_str(&escape(&format!("{name}\n\n{}\n\n", text.trim_end())));
                }
            }
            other => {
                out.push_str("{{");
                out.push_str(other);
                out.push_str("}}");
            }
        }
        rest = &rest[(close + 2).min(rest.len())..];
    }
    out.push_str(rest);
    out
}
