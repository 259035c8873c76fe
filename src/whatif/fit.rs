//! Policy fit: which response policy reproduces what an actor really answered.
//!
//! For every recorded answer (an event with `in_response_to`, by an actor, answering another
//! actor's move; departures are not answers), each candidate policy is asked what it would have
//! drafted instead: the answer is dropped from a branch, with everything that depends on it, and
//! the policy answers that one move (and only it), after the recorded delay or a fixed one. The
//! draft goes through the core like any event, and is compared with the recorded answer: the
//! same kinds of measure (or signal), on the same kind of post or scope, counts within a
//! tolerance, and dates within a tolerance in days. Per actor, the policy reproducing the
//! largest share of its answers best explains its recorded behaviour.
//!
//! Runs are seeded and policies are deterministic, so a fit is the same on every machine.

use super::compare::{measures_json, signal_json};
use super::policy::{self, Answers, Policy, Respond};
use super::{Branch, Source};
use crate::core::event::{Action, Body, CapScope, Event, Kind, Limit, Who};
use crate::core::state::State;
use crate::core::world::{ActorId, World};
use crate::core::{Day, Engine, Reason};
use crate::report::{Align, Table, round4};
use crate::scenario::Scenario;
use serde_json::{Value, json};
use std::fmt::Write;

/// What to fit and how closely.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// The candidate policies, in the order ties are broken.
    pub policies: Vec<Respond>,
    /// A drafted count matches a recorded count N when within N times this (rounded).
    pub count_tolerance: f64,
    /// Dates match when at most this many days apart.
    pub days: u32,
    /// Days between the move and the policy's answer; `None`: as recorded.
    pub delay: Option<u32>,
    /// Days given to leave or to meet a cap where the policy sets its own deadline.
    pub leave_within: u32,
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            policies: Self::DEFAULT_POLICIES
                .iter()
                .map(|p| Respond::parse(p).expect("a valid response"))
                .collect(),
            count_tolerance: 0.25,
            days: 7,
            delay: None,
            leave_within: 14,
            seed: 0,
        }
    }
}

impl Options {
    pub const DEFAULT_POLICIES: [&'static str; 6] = [
        "reciprocal",
        "proportional(0.5)",
        "proportional(2)",
        "parity",
        "escalate",
        "absorb",
    ];
}

/// How one policy fares on one recorded answer.
#[derive(Clone, Debug)]
pub struct Verdict {
    pub respond: Respond,
    /// The draft, if the policy answered.
    pub drafted: Option<Event>,
    /// The core's rejection of the draft.
    pub rejected: Option<Reason>,
    pub kind: bool,
    pub post: bool,
    pub count: bool,
    pub timing: bool,
    /// Why it does not reproduce the answer; `None` when it does.
    pub why: Option<String>,
}

impl Verdict {
    pub fn matched(&self) -> bool {
        self.why.is_none()
    }

    /// A word for a table cell.
    pub fn short(&self) -> String {
        if self.matched() {
            return "match".into();
        }
        if let Some(r) = &self.rejected {
            return format!("E{:03}", r.code());
        }
        if self.drafted.is_none() {
            return "no answer".into();
        }
        let first = [
            (self.kind, "kind"),
            (self.post, "post"),
            (self.count, "count"),
            (self.timing, "timing"),
        ]
        .into_iter()
        .find(|(ok, _)| !ok)
        .map_or("-", |(_, w)| w);
        first.into()
    }
}

/// One recorded answer and how every policy fares on it.
#[derive(Clone, Debug)]
pub struct Answer {
    /// Position of the scenario in [`Fit::files`].
    pub file: usize,
    /// Position of the answer, and of the move it answers, in the scenario.
    pub index: usize,
    pub trigger: usize,
    pub actor: ActorId,
    /// Days between the move and the answer.
    pub delay: i32,
    pub verdicts: Vec<Verdict>,
}

/// The fit of every recorded answer of some scenarios.
pub struct Fit<'s> {
    pub files: Vec<(String, &'s Scenario)>,
    pub options: Options,
    pub answers: Vec<Answer>,
}

/// Fits the policies of `options` to every recorded answer of `files` (a name for each, and
/// the scenario).
pub fn fit<'s>(files: &[(String, &'s Scenario)], options: &Options) -> Fit<'s> {
    let mut answers = Vec::new();
    for (f, (_, base)) in files.iter().enumerate() {
        let mut engine = Engine::new(&base.world, base.initial.clone());
        for (i, e) in base.events.iter().enumerate() {
            if let Some(t) = answered(base, i) {
                // The state the answer was recorded in, to read it as the core did.
                let mut before = Engine::new(&base.world, engine.state.clone());
                before.advance_to(e.date, &mut ());
                let recorded = policy::adopted(&before.state, e).unwrap_or_else(|| e.clone());
                let verdicts = options
                    .policies
                    .iter()
                    .map(|&r| verdict(base, i, t, r, &recorded, &before.state, options))
                    .collect();
                answers.push(Answer {
                    file: f,
                    index: i,
                    trigger: t,
                    actor: e.actor,
                    delay: e.date.0 - base.events[t].date.0,
                    verdicts,
                });
            }
            // A base that does not replay cleanly is fitted as far as it goes.
            let _ = engine.step(e, &mut ());
        }
    }
    Fit {
        files: files.to_vec(),
        options: options.clone(),
        answers,
    }
}

/// The move event `i` answers, if it is an answer: the first event it responds to by another
/// actor. Departures are not answers: staff leaving is not a choice a policy makes.
pub fn answered(base: &Scenario, i: usize) -> Option<usize> {
    let e = &base.events[i];
    if e.kind() == Kind::StaffDeparted {
        return None;
    }
    e.in_response_to
        .iter()
        .map(|s| s.index())
        .find(|&t| base.events[t].actor != e.actor)
}

fn verdict(
    base: &Scenario,
    i: usize,
    t: usize,
    respond: Respond,
    recorded: &Event,
    recorded_state: &State,
    o: &Options,
) -> Verdict {
    let w = &base.world;
    let (answer, trigger) = (&base.events[i], &base.events[t]);
    let delay = o
        .delay
        .unwrap_or((answer.date.0 - trigger.date.0).max(0) as u32);
    let mut pol = Policy::simple(answer.actor, trigger.date, respond, delay);
    pol.against = Some(trigger.actor);
    pol.answers = Answers::Any;
    pol.leave_within = o.leave_within;
    let mut b = Branch::new(base);
    b.drop(&base.meta[i].id)
        .expect("a recorded event can be dropped");
    b.only_answers = Some(t);
    b.until = Some(trigger.date.plus(delay as i32));
    b.max_generated = 1;
    b.policy(pol.clone());
    let prepared = b.prepare();
    let out = prepared.run(o.seed, false);
    let mut v = Verdict {
        respond,
        drafted: None,
        rejected: None,
        kind: false,
        post: false,
        count: false,
        timing: false,
        why: None,
    };
    let Some(g) = out.generated.iter().find(|g| g.answers == Source::Item(t)) else {
        let who = &w.actor(answer.actor).key;
        let id = &base.meta[t].id;
        v.why = Some(if respond == Respond::Nothing {
            "the policy never answers".into()
        } else if trigger.goldstein().is_none_or(|g| g >= 0.0) {
            format!("does not answer {id}: not a hostile move")
        } else if !crate::report::targets(w, trigger).contains(&answer.actor) {
            format!("does not answer {id}: not aimed at {who}")
        } else {
            format!("does not answer {id}")
        });
        return v;
    };
    v.drafted = Some(g.event.clone());
    if let Some(r) = &g.rejected {
        v.rejected = Some(r.clone());
        v.why = Some(format!(
            "rejected by the core: E{:03} {}",
            r.code(),
            r.describe(w)
        ));
        return v;
    }
    let rec = parts(w, Some(recorded_state), recorded);
    let dra = parts(w, Some(&out.state), &g.event);
    let mut why: Vec<String> = Vec::new();
    // Pair recorded and drafted parts by kind, on the same kind of post first.
    let mut used = vec![false; dra.len()];
    let mut pairs: Vec<(&Part, &Part)> = Vec::new();
    let mut missing: Vec<&Part> = Vec::new();
    for r in &rec {
        let same = |d: &Part| d.kind == r.kind;
        let k = (0..dra.len())
            .find(|&k| !used[k] && same(&dra[k]) && dra[k].post == r.post)
            .or_else(|| (0..dra.len()).find(|&k| !used[k] && same(&dra[k])));
        match k {
            Some(k) => {
                used[k] = true;
                pairs.push((r, &dra[k]));
            }
            None => missing.push(r),
        }
    }
    let extra: Vec<&Part> = dra
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(d, _)| d)
        .collect();
    v.kind = missing.is_empty() && extra.is_empty();
    if !v.kind {
        why.push(format!(
            "kind: recorded {}, drafted {}",
            kinds(&rec),
            kinds(&dra)
        ));
    }
    v.post = true;
    v.count = true;
    v.timing = (g.event.date.0 - answer.date.0).unsigned_abs() <= o.days;
    if !v.timing {
        why.push(format!(
            "timing: answered on {}, recorded on {}",
            g.event.date, answer.date
        ));
    }
    for (r, d) in pairs {
        let k = r.kind.key();
        if r.post != d.post {
            v.post = false;
            why.push(format!(
                "post: {k} on {}, recorded on {}",
                post_text(&d.post),
                post_text(&r.post)
            ));
        }
        if !size_close(r.size, d.size, o.count_tolerance) {
            v.count = false;
            why.push(format!(
                "count: {k} of {}, recorded {}",
                size_text(d.size),
                size_text(r.size)
            ));
        }
        let near = |a: Day, b: Day| (a.0 - b.0).unsigned_abs() <= o.days;
        if !near(d.effective, r.effective) {
            v.timing = false;
            why.push(format!(
                "timing: {k} from {}, recorded from {}",
                d.effective, r.effective
            ));
        }
        let deadlines = match (d.deadline, r.deadline) {
            (None, None) => true,
            (Some(a), Some(b)) => near(a, b),
            _ => false,
        };
        if !deadlines {
            v.timing = false;
            let t = |x: Option<Day>| x.map_or("none".to_string(), |d| d.to_string());
            why.push(format!(
                "timing: {k} deadline {}, recorded {}",
                t(d.deadline),
                t(r.deadline)
            ));
        }
    }
    if !why.is_empty() {
        v.why = Some(why.join("; "));
    }
    v
}

/// What a compared measure (or signal) amounts to.
#[derive(Clone, Debug, PartialEq)]
struct Part {
    kind: Kind,
    /// The kind of post it acts on, `all posts` for a cap on all of a sender's posts.
    post: Option<String>,
    size: Size,
    effective: Day,
    /// The last day to leave, or to meet a cap.
    deadline: Option<Day>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Size {
    None,
    N(u32),
    All,
}

/// The conflictual measures of `e` (or its signal), as compared. A cap given as a cut is read
/// at the size it leaves in `state`, the state it was announced in.
fn parts(w: &World, state: Option<&State>, e: &Event) -> Vec<Part> {
    let measures = match &e.body {
        Body::Measures { measures, .. } => measures,
        Body::Signal { kind, .. } => {
            return vec![Part {
                kind: *kind,
                post: None,
                size: Size::None,
                effective: e.date,
                deadline: None,
            }];
        }
        _ => {
            return vec![Part {
                kind: e.kind(),
                post: None,
                size: Size::None,
                effective: e.date,
                deadline: None,
            }];
        }
    };
    let who = |x: &Who| match x {
        Who::Count { count, .. } => Size::N(*count),
        Who::Named(v) => Size::N(v.len() as u32),
        Who::All => Size::All,
    };
    measures
        .iter()
        .filter(|m| m.action.kind().info().goldstein.is_some_and(|g| g < 0.0))
        .map(|m| {
            let post = match &m.action {
                Action::StaffCapSet {
                    scope: CapScope::Posts { .. },
                    ..
                } => Some("all posts".to_string()),
                a => a.mission().map(|id| w.mission(id).kind.key().to_string()),
            };
            let (size, deadline) = match &m.action {
                Action::AccreditationWithdrawn {
                    who: x, depart_by, ..
                }
                | Action::PersonaNonGrata {
                    who: x, depart_by, ..
                }
                | Action::DepartureRequired {
                    who: x, depart_by, ..
                } => (who(x), Some(*depart_by)),
                Action::StaffRecalled { who: x, .. } => (who(x), None),
                Action::AccreditationDenied { count, .. }
                | Action::PostsAbolished { count, .. } => (Size::N(*count), None),
                Action::StaffCapSet {
                    scope,
                    limit,
                    comply_by,
                    counts,
                } => {
                    let n = match (*limit, state) {
                        (Limit::Absolute(l), _) => l,
                        (Limit::ReduceBy(r), Some(s)) => {
                            s.covered_headcount(w, scope, *counts).saturating_sub(r)
                        }
                        (Limit::ReduceBy(r), None) => r,
                    };
                    (Size::N(n), *comply_by)
                }
                Action::ConsentWithdrawn { depart_by, .. } => (Size::None, Some(*depart_by)),
                Action::RelationsBroken { depart_by, .. } => (Size::None, *depart_by),
                _ => (Size::None, None),
            };
            Part {
                kind: m.action.kind(),
                post,
                size,
                effective: m.effective,
                deadline,
            }
        })
        .collect()
}

fn kinds(ps: &[Part]) -> String {
    if ps.is_empty() {
        return "nothing".into();
    }
    let v: Vec<String> = ps
        .iter()
        .map(|p| match &p.post {
            Some(post) => format!("{} ({post})", p.kind.key()),
            None => p.kind.key().to_string(),
        })
        .collect();
    v.join(" + ")
}

fn post_text(p: &Option<String>) -> String {
    p.clone().unwrap_or_else(|| "no post".into())
}

fn size_text(s: Size) -> String {
    match s {
        Size::None => "none".into(),
        Size::N(n) => n.to_string(),
        Size::All => "all".into(),
    }
}

/// True when a drafted size is within `tol` of the recorded one (of its value, rounded).
fn size_close(recorded: Size, drafted: Size, tol: f64) -> bool {
    match (recorded, drafted) {
        (Size::N(r), Size::N(d)) => {
            let allowed = (f64::from(r) * tol).round() as u32;
            r.abs_diff(d) <= allowed
        }
        (a, b) => a == b,
    }
}

/// Per actor: how many answers, how many each policy reproduces, and the best.
pub struct ActorFit {
    pub actor: String,
    pub answers: usize,
    pub reproduced: Vec<usize>,
    /// The policy reproducing the largest share (the first listed among equals), if any
    /// reproduces at least one answer.
    pub best: Option<usize>,
}

impl Fit<'_> {
    fn world(&self, a: &Answer) -> &World {
        &self.files[a.file].1.world
    }

    fn id(&self, a: &Answer, i: usize) -> &str {
        &self.files[a.file].1.meta[i].id
    }

    fn event<'a>(&'a self, a: &Answer, i: usize) -> &'a Event {
        &self.files[a.file].1.events[i]
    }

    /// Per actor (by key, over all scenarios), in order of keys.
    pub fn actors(&self) -> Vec<ActorFit> {
        let mut keys: Vec<String> = self
            .answers
            .iter()
            .map(|a| self.world(a).actor(a.actor).key.clone())
            .collect();
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .map(|k| {
                let mine: Vec<&Answer> = self
                    .answers
                    .iter()
                    .filter(|a| self.world(a).actor(a.actor).key == k)
                    .collect();
                let reproduced: Vec<usize> = (0..self.options.policies.len())
                    .map(|p| mine.iter().filter(|a| a.verdicts[p].matched()).count())
                    .collect();
                let top = reproduced.iter().copied().max().unwrap_or(0);
                let best = (top > 0)
                    .then(|| reproduced.iter().position(|&n| n == top))
                    .flatten();
                ActorFit {
                    actor: k,
                    answers: mine.len(),
                    reproduced,
                    best,
                }
            })
            .collect()
    }

    fn delay_text(&self) -> String {
        match self.options.delay {
            Some(d) => format!("answers after {d} days"),
            None => "answers after the recorded delay".into(),
        }
    }

    /// The text report: one table per scenario, then the best explanation per actor.
    pub fn text(&self) -> String {
        let o = &self.options;
        let names: Vec<String> = o.policies.iter().map(|p| p.name()).collect();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Policy fit: {} recorded answer(s) in {} scenario(s)",
            self.answers.len(),
            self.files.len()
        );
        let _ = writeln!(
            out,
            "{}; counts within {}%, dates within {} days; seed {}",
            self.delay_text(),
            round4(o.count_tolerance * 100.0),
            o.days,
            o.seed
        );
        for (f, (name, _)) in self.files.iter().enumerate() {
            let _ = writeln!(out, "\n{name}");
            let mine: Vec<&Answer> = self.answers.iter().filter(|a| a.file == f).collect();
            if mine.is_empty() {
                let _ = writeln!(out, "  (no recorded answer to another actor)");
                continue;
            }
            let mut aligns = vec![Align::Left; 5];
            aligns.push(Align::Right);
            aligns.extend(std::iter::repeat_n(Align::Left, names.len()));
            let mut t = Table::new(&aligns);
            t.row(
                ["date", "answer", "by", "answers", "kind", "days"]
                    .map(String::from)
                    .into_iter()
                    .chain(names.iter().cloned()),
            );
            for a in mine {
                let e = self.event(a, a.index);
                let w = self.world(a);
                t.row(
                    [
                        e.date.to_string(),
                        self.id(a, a.index).to_string(),
                        w.actor(a.actor).key.clone(),
                        self.id(a, a.trigger).to_string(),
                        e.kind().key().to_string(),
                        a.delay.to_string(),
                    ]
                    .into_iter()
                    .chain(a.verdicts.iter().map(Verdict::short)),
                );
            }
            out += &t.render("  ");
        }
        let _ = writeln!(
            out,
            "\nmatch: reproduced; kind, post, count, timing: the first way the draft differs; E0NN: the core rejects the draft; no answer: the policy does not answer that move (--format json says why)"
        );
        let _ = writeln!(
            out,
            "\nBest explanation per actor (answers reproduced, of its recorded answers)"
        );
        let mut aligns = vec![Align::Left, Align::Right];
        aligns.extend(std::iter::repeat_n(Align::Right, names.len()));
        aligns.push(Align::Left);
        let mut t = Table::new(&aligns);
        t.row(
            ["actor", "answers"]
                .map(String::from)
                .into_iter()
                .chain(names.iter().cloned())
                .chain(["best".to_string()]),
        );
        for a in self.actors() {
            let best = match a.best {
                Some(p) => format!(
                    "{} ({}%)",
                    names[p],
                    (a.reproduced[p] * 100 + a.answers / 2) / a.answers
                ),
                None => "none".into(),
            };
            t.row(
                [a.actor.clone(), a.answers.to_string()]
                    .into_iter()
                    .chain(a.reproduced.iter().map(|n| n.to_string()))
                    .chain([best]),
            );
        }
        out += &t.render("  ");
        out
    }

    /// The JSON report: per answer, per policy, match or why not; and per actor, the best.
    pub fn json(&self) -> Value {
        let o = &self.options;
        let names: Vec<String> = o.policies.iter().map(|p| p.name()).collect();
        let scenarios: Vec<Value> = self
            .files
            .iter()
            .enumerate()
            .map(|(f, (name, _))| {
                let answers: Vec<Value> = self
                    .answers
                    .iter()
                    .filter(|a| a.file == f)
                    .map(|a| self.answer_json(a))
                    .collect();
                json!({"file": name, "answers": answers})
            })
            .collect();
        let actors: Vec<Value> = self
            .actors()
            .into_iter()
            .map(|a| {
                let share = |n: usize| round4(n as f64 / a.answers as f64);
                json!({
                    "actor": a.actor,
                    "answers": a.answers,
                    "policies": names.iter().zip(&a.reproduced).map(|(p, n)| json!({"policy": p, "reproduced": n, "share": share(*n)})).collect::<Vec<_>>(),
                    "best": a.best.map(|p| json!({"policy": names[p], "share": share(a.reproduced[p])})),
                })
            })
            .collect();
        json!({
            "policies": names,
            "delay": o.delay,
            "tolerance": {"count": round4(o.count_tolerance), "days": o.days},
            "leave_within": o.leave_within,
            "seed": o.seed,
            "scenarios": scenarios,
            "actors": actors,
        })
    }

    fn answer_json(&self, a: &Answer) -> Value {
        let w = self.world(a);
        let e = self.event(a, a.index);
        let t = self.event(a, a.trigger);
        let event = |e: &Event| {
            json!({"date": e.date.to_string(), "kind": e.kind().key(),
                   "signal": signal_json(w, e), "measures": measures_json(w, e)})
        };
        let verdicts: Vec<Value> = a
            .verdicts
            .iter()
            .map(|v| {
                json!({
                    "policy": v.respond.name(),
                    "match": v.matched(),
                    "why": v.why,
                    "checks": {"kind": v.kind, "post": v.post, "count": v.count, "timing": v.timing},
                    "drafted": v.drafted.as_ref().map(event),
                    "rejected": v.rejected.as_ref().map(|r| json!({"code": format!("E{:03}", r.code()), "message": r.describe(w)})),
                })
            })
            .collect();
        json!({
            "id": self.id(a, a.index),
            "actor": w.actor(a.actor).key,
            "answers": {"id": self.id(a, a.trigger), "actor": w.actor(t.actor).key, "date": t.date.to_string(), "kind": t.kind().key()},
            "delay": a.delay,
            "recorded": event(e),
            "policies": verdicts,
        })
    }
}
