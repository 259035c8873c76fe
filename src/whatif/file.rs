//! Branch files: a TOML description of a counterfactual, read with spans so that every problem
//! names the file, line and column, the field, and what is expected. Unknown fields are
//! errors. The format is documented in docs/counterfactuals.md.
//!
//! Reading is in two steps because a branch borrows its base: [`BranchFile::parse`] reads the
//! file and names the base; [`BranchFile::build`] resolves everything against the loaded base.

use super::policy::{Answers, Choice, ONE, Policy, Respond};
use super::{Branch, EditError};
use crate::core::Day;
use crate::core::world::World;
use crate::scenario::{self, EventTable, Problem, Scenario};
use serde::Deserialize;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBranchFile {
    branch: RawHeader,
    #[serde(default)]
    drop: Vec<Spanned<RawDrop>>,
    #[serde(default)]
    set: Vec<Spanned<RawSet>>,
    #[serde(default)]
    replace: Vec<Spanned<RawReplace>>,
    #[serde(default)]
    insert: Vec<Spanned<RawInsert>>,
    #[serde(default)]
    policies: Vec<Spanned<RawPolicy>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    title: String,
    base: Spanned<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    diverge: Option<Spanned<String>>,
    #[serde(default)]
    until: Option<Spanned<String>>,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    max_generated: Option<usize>,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDrop {
    event: Spanned<String>,
    #[serde(default)]
    why: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum RawValue {
    Int(i64),
    Text(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    field: Spanned<String>,
    value: Spanned<RawValue>,
    #[serde(default)]
    why: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReplace {
    event: Spanned<String>,
    with: EventTable,
    #[serde(default)]
    why: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInsert {
    after: Spanned<String>,
    events: Vec<EventTable>,
    #[serde(default)]
    why: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum RawDelay {
    Days(u32),
    Range(Vec<u32>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    p: Spanned<f64>,
    respond: Spanned<String>,
    #[serde(default)]
    delay: Option<Spanned<RawDelay>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    actor: Spanned<String>,
    from: Spanned<String>,
    #[serde(default)]
    respond: Option<Spanned<String>>,
    #[serde(default)]
    mix: Vec<Spanned<RawChoice>>,
    #[serde(default)]
    delay: Option<Spanned<RawDelay>>,
    #[serde(default)]
    against: Option<Spanned<String>>,
    #[serde(default)]
    answers: Option<Spanned<String>>,
    #[serde(default)]
    mission: Option<Spanned<String>>,
    #[serde(default)]
    leave_within: Option<u32>,
    #[serde(default)]
    noise: Option<Spanned<f64>>,
    #[serde(default)]
    why: Option<String>,
}

/// A branch file read but not yet resolved against its base.
pub struct BranchFile {
    pub name: String,
    pub text: String,
    raw: RawBranchFile,
}

fn problem(code: &str, span: Option<Range<usize>>, message: String) -> Problem {
    Problem {
        span,
        event: None,
        code: code.into(),
        rule: None,
        message,
        help: None,
    }
}

/// True if the text is a branch file (it has a `[branch]` table) rather than a scenario.
pub fn is_branch_file(text: &str) -> bool {
    toml::from_str::<toml::Table>(text).is_ok_and(|t| t.contains_key("branch"))
}

impl BranchFile {
    /// Reads the file's structure (syntax, fields, types).
    pub fn parse(name: &str, text: &str) -> Result<BranchFile, Vec<Problem>> {
        match toml::from_str::<RawBranchFile>(text) {
            Ok(raw) => Ok(BranchFile {
                name: name.into(),
                text: text.into(),
                raw,
            }),
            Err(e) => Err(vec![problem("syntax", e.span(), e.message().to_string())]),
        }
    }

    pub fn title(&self) -> &str {
        &self.raw.branch.title
    }

    /// The base path as written, resolved against the directory of the branch file.
    pub fn base_path(&self, branch_path: &Path) -> PathBuf {
        let dir = branch_path.parent().unwrap_or(Path::new("."));
        dir.join(self.raw.branch.base.get_ref())
    }

    /// The span of `base`, to point at when the base cannot be loaded.
    pub fn base_span(&self) -> Range<usize> {
        self.raw.branch.base.span()
    }

    /// Resolves every edit and policy against `base`. Reports every problem found.
    pub fn build<'s>(&self, base: &'s Scenario) -> Result<Branch<'s>, Vec<Problem>> {
        let mut b = Branch::new(base);
        let mut problems = Vec::new();
        let h = &self.raw.branch;
        b.title = Some(h.title.clone());
        let _ = (&h.summary, &h.sources, &h.note);
        b.seed = h.seed.unwrap_or(0);
        if let Some(m) = h.max_generated {
            b.max_generated = m;
        }
        let date = |s: &Spanned<String>, problems: &mut Vec<Problem>| -> Option<Day> {
            match scenario::parse_date(s.get_ref()) {
                Ok(d) => Some(d),
                Err(m) => {
                    problems.push(problem("field", Some(s.span()), m));
                    None
                }
            }
        };
        if let Some(u) = &h.until {
            b.until = date(u, &mut problems);
        }
        let edit = |r: Result<(), EditError>, at: Range<usize>, problems: &mut Vec<Problem>| {
            if let Err(e) = r {
                problems.push(problem("edit", Some(at), e.0));
            }
        };
        for d in &self.raw.drop {
            let r = b.drop(d.get_ref().event.get_ref()).map(|_| ());
            edit(r, d.get_ref().event.span(), &mut problems);
            let _ = &d.get_ref().why;
        }
        for s in &self.raw.set {
            let s = s.get_ref();
            let v = match s.value.get_ref() {
                RawValue::Int(n) => n.to_string(),
                RawValue::Text(t) => t.clone(),
            };
            let r = b.set(s.field.get_ref(), &v).map(|_| ());
            edit(r, s.field.span(), &mut problems);
            let _ = &s.why;
        }
        for r in &self.raw.replace {
            let r = r.get_ref();
            let id = r.event.get_ref();
            let Some(i) = base.event_index(id) else {
                problems.push(problem(
                    "reference",
                    Some(r.event.span()),
                    format!("`event`: no event has the id `{id}` in {}", base.name),
                ));
                continue;
            };
            if r.with.id() != id {
                problems.push(problem(
                    "field",
                    Some(r.with.span()),
                    format!(
                        "the replacement of `{id}` must keep its id, not `{}`",
                        r.with.id()
                    ),
                ));
                continue;
            }
            let earlier: Vec<&str> = base.meta[..i].iter().map(|m| m.id.as_str()).collect();
            match scenario::resolve_events(
                &base.world,
                base.start,
                &earlier,
                std::slice::from_ref(&r.with),
            ) {
                Ok((mut events, _)) => {
                    let res = b.replace(id, events.remove(0)).map(|_| ());
                    edit(res, r.event.span(), &mut problems);
                }
                Err(ps) => problems.extend(ps),
            }
            let _ = &r.why;
        }
        for ins in &self.raw.insert {
            let ins = ins.get_ref();
            let id = ins.after.get_ref();
            let Some(after) = base.event_index(id) else {
                problems.push(problem(
                    "reference",
                    Some(ins.after.span()),
                    format!("`after`: no event has the id `{id}` in {}", base.name),
                ));
                continue;
            };
            let earlier: Vec<&str> = base.meta[..=after].iter().map(|m| m.id.as_str()).collect();
            match scenario::resolve_events(&base.world, base.start, &earlier, &ins.events) {
                Ok((mut events, metas)) => {
                    let shift = base.events.len() - (after + 1);
                    for e in &mut events {
                        for s in super::refs_mut(e) {
                            if s.index() > after {
                                s.0 += shift as u32;
                            }
                        }
                    }
                    let res = b.insert_after(id, events, metas).map(|_| ());
                    edit(res, ins.after.span(), &mut problems);
                }
                Err(ps) => problems.extend(ps),
            }
            let _ = &ins.why;
        }
        for p in &self.raw.policies {
            match self.policy(&base.world, p) {
                Ok(pol) => {
                    b.policy(pol);
                }
                Err(mut ps) => problems.append(&mut ps),
            }
        }
        if let Some(d) = &h.diverge {
            let s = d.get_ref();
            if let Some(i) = base.event_index(s) {
                b.diverge = Some(i);
            } else if let Ok(day) = scenario::parse_date(s) {
                b.diverge = Some(
                    base.events
                        .iter()
                        .position(|e| e.date >= day)
                        .unwrap_or(base.events.len()),
                );
            } else {
                problems.push(problem(
                    "field",
                    Some(d.span()),
                    format!(
                        "`diverge`: `{s}` is neither an event id of {} nor a date (YYYY-MM-DD)",
                        base.name
                    ),
                ));
            }
            if let (Some(i), Some(first)) = (b.diverge, b.first_edit_day()) {
                let at = base.events.get(i).map(|e| e.date);
                if at.is_some_and(|at| at > first) {
                    problems.push(problem(
                        "field",
                        Some(d.span()),
                        format!(
                            "`diverge` is after the first edit, dated {first}; the branch must diverge at or before it"
                        ),
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(b)
        } else {
            Err(problems)
        }
    }

    fn policy(&self, w: &World, sp: &Spanned<RawPolicy>) -> Result<Policy, Vec<Problem>> {
        let at = sp.span();
        let p = sp.get_ref();
        let mut problems = Vec::new();
        let actor = |s: &Spanned<String>, field: &str, problems: &mut Vec<Problem>| {
            let a = w.actor_by_key(s.get_ref());
            if a.is_none() {
                problems.push(problem(
                    "reference",
                    Some(s.span()),
                    format!("`{field}`: no actor has the id `{}`", s.get_ref()),
                ));
            }
            a
        };
        let me = actor(&p.actor, "actor", &mut problems);
        let against = p
            .against
            .as_ref()
            .and_then(|a| actor(a, "against", &mut problems));
        let from = match scenario::parse_date(p.from.get_ref()) {
            Ok(d) => Some(d),
            Err(m) => {
                problems.push(problem(
                    "field",
                    Some(p.from.span()),
                    format!("`from`: {m}"),
                ));
                None
            }
        };
        let delay = |d: &Option<Spanned<RawDelay>>, problems: &mut Vec<Problem>| -> (u32, u32) {
            match d.as_ref().map(|d| (d.get_ref(), d.span())) {
                None => (7, 7),
                Some((RawDelay::Days(n), s)) => {
                    if *n == 0 {
                        problems.push(problem(
                            "field",
                            Some(s),
                            "`delay`: at least 1 day, so that answers come after what they answer"
                                .into(),
                        ));
                    }
                    (*n, *n)
                }
                Some((RawDelay::Range(v), s)) => match v.as_slice() {
                    [a, b] if *a >= 1 && a <= b => (*a, *b),
                    _ => {
                        problems.push(problem("field", Some(s), "`delay`: expected a number of days (at least 1) or [min, max] with 1 <= min <= max".into()));
                        (1, 1)
                    }
                },
            }
        };
        let respond = |s: &Spanned<String>, problems: &mut Vec<Problem>| {
            Respond::parse(s.get_ref())
                .map_err(|m| {
                    problems.push(problem("field", Some(s.span()), format!("`respond`: {m}")))
                })
                .ok()
        };
        let prob = |x: &Spanned<f64>, field: &str, problems: &mut Vec<Problem>| -> u32 {
            let v = *x.get_ref();
            if !(0.0..=1.0).contains(&v) {
                problems.push(problem(
                    "field",
                    Some(x.span()),
                    format!("`{field}`: a probability between 0 and 1, not {v}"),
                ));
                return 0;
            }
            (v * f64::from(ONE)).round() as u32
        };
        let base_delay = delay(&p.delay, &mut problems);
        let mut choices = Vec::new();
        match (&p.respond, p.mix.is_empty()) {
            (Some(r), true) => {
                if let Some(r) = respond(r, &mut problems) {
                    choices.push(Choice {
                        respond: r,
                        p: ONE,
                        delay: base_delay,
                    });
                }
            }
            (None, false) => {
                for c in &p.mix {
                    let c = c.get_ref();
                    let pr = prob(&c.p, "p", &mut problems);
                    let d = match &c.delay {
                        Some(_) => delay(&c.delay, &mut problems),
                        None => base_delay,
                    };
                    if let Some(r) = respond(&c.respond, &mut problems) {
                        choices.push(Choice {
                            respond: r,
                            p: pr,
                            delay: d,
                        });
                    }
                }
                let total: u64 = choices.iter().map(|c| u64::from(c.p)).sum();
                if total > u64::from(ONE) {
                    problems.push(problem(
                        "field",
                        Some(at.clone()),
                        format!(
                            "`mix`: probabilities add up to {}, above 1 (what is left below 1 means no answer)",
                            total as f64 / f64::from(ONE)
                        ),
                    ));
                }
            }
            _ => problems.push(problem(
                "field",
                Some(at.clone()),
                format!(
                    "a policy needs exactly one of `respond` ({}) or [[policies.mix]]",
                    Respond::HELP
                ),
            )),
        }
        let answers = match p.answers.as_ref().map(|a| (a.get_ref().as_str(), a.span())) {
            None | Some(("measures", _)) => Answers::Measures,
            Some(("any", _)) => Answers::Any,
            Some((other, s)) => {
                problems.push(problem(
                    "field",
                    Some(s),
                    format!("`answers`: `{other}`; expected `measures` or `any`"),
                ));
                Answers::Measures
            }
        };
        let mission = p.mission.as_ref().and_then(|m| {
            let id = w.mission_by_key(m.get_ref());
            if id.is_none() {
                problems.push(problem(
                    "reference",
                    Some(m.span()),
                    format!("`mission`: no mission has the id `{}`", m.get_ref()),
                ));
            }
            id
        });
        let noise = p
            .noise
            .as_ref()
            .map_or(0, |n| prob(n, "noise", &mut problems));
        let _ = &p.why;
        match (me, from, problems.is_empty()) {
            (Some(actor), Some(from), true) => Ok(Policy {
                actor,
                from,
                against,
                answers,
                mission,
                leave_within: p.leave_within.unwrap_or(14),
                noise,
                choices,
            }),
            _ => Err(problems),
        }
    }
}

/// Parses a policy given on the command line: `ACTOR=RESPONSE[,key=value...]`, where RESPONSE
/// is one response or a mixture `0.6:reciprocal+0.4:absorb`, and keys are `delay` (days, or
/// `MIN-MAX`), `from` (a date; default `default_from`), `against`, `answers`, `mission`,
/// `noise` and `leave_within`.
pub fn parse_policy_spec(w: &World, spec: &str, default_from: Day) -> Result<Policy, String> {
    let (actor, rest) = spec
        .split_once('=')
        .ok_or_else(|| format!("`{spec}`: expected ACTOR=RESPONSE, e.g. russia=reciprocal"))?;
    let actor = w
        .actor_by_key(actor)
        .ok_or_else(|| format!("`{spec}`: no actor has the id `{actor}`"))?;
    let mut parts = rest.split(',');
    let what = parts.next().unwrap_or_default();
    let mut p = Policy::simple(actor, default_from, Respond::Nothing, 7);
    let mut delay = (7, 7);
    let mut options: Vec<(u32, Respond)> = Vec::new();
    for opt in what.split('+') {
        match opt.split_once(':') {
            Some((pr, r)) => {
                let x: f64 = pr
                    .parse()
                    .map_err(|_| format!("`{opt}`: `{pr}` is not a probability"))?;
                if !(0.0..=1.0).contains(&x) {
                    return Err(format!("`{opt}`: a probability is between 0 and 1"));
                }
                options.push(((x * f64::from(ONE)).round() as u32, Respond::parse(r)?));
            }
            None => options.push((ONE, Respond::parse(opt)?)),
        }
    }
    if options.iter().map(|(p, _)| u64::from(*p)).sum::<u64>() > u64::from(ONE) {
        return Err(format!("`{what}`: probabilities add up to more than 1"));
    }
    for kv in parts {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| format!("`{kv}`: expected key=value"))?;
        match k {
            "delay" => {
                let (a, b) = v.split_once('-').unwrap_or((v, v));
                let a: u32 = a
                    .parse()
                    .map_err(|_| format!("`delay={v}`: days, or MIN-MAX"))?;
                let b: u32 = b
                    .parse()
                    .map_err(|_| format!("`delay={v}`: days, or MIN-MAX"))?;
                if a == 0 || a > b {
                    return Err(format!("`delay={v}`: at least 1 day, MIN <= MAX"));
                }
                delay = (a, b);
            }
            "from" => p.from = scenario::parse_date(v)?,
            "against" => {
                p.against = Some(
                    w.actor_by_key(v)
                        .ok_or_else(|| format!("`against={v}`: no such actor"))?,
                )
            }
            "answers" => {
                p.answers = match v {
                    "measures" => Answers::Measures,
                    "any" => Answers::Any,
                    _ => return Err(format!("`answers={v}`: expected measures or any")),
                }
            }
            "mission" => {
                p.mission = Some(
                    w.mission_by_key(v)
                        .ok_or_else(|| format!("`mission={v}`: no such mission"))?,
                )
            }
            "noise" => {
                let x: f64 = v
                    .parse()
                    .map_err(|_| format!("`noise={v}`: a probability"))?;
                if !(0.0..=1.0).contains(&x) {
                    return Err(format!("`noise={v}`: a probability between 0 and 1"));
                }
                p.noise = (x * f64::from(ONE)).round() as u32;
            }
            "leave_within" => {
                p.leave_within = v
                    .parse()
                    .map_err(|_| format!("`leave_within={v}`: a number of days"))?
            }
            _ => {
                return Err(format!(
                    "`{k}`: unknown; expected delay, from, against, answers, mission, noise or leave_within"
                ));
            }
        }
    }
    p.choices = options
        .into_iter()
        .map(|(pr, r)| Choice {
            respond: r,
            p: pr,
            delay,
        })
        .collect();
    Ok(p)
}
