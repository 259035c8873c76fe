//! Branch against base: what no longer happens, what policies drafted, every mission side by
//! side, and an escalation score over time; as text and as JSON.

use super::{Gone, Origin, Outcome, Prepared, Source};
use crate::core::event::{Action, Body, CapScope, Limit, Measure, Who};
use crate::core::state::{State, Status};
use crate::core::world::{ActorId, MissionId, World};
use crate::core::{Day, Event, Seq};
use crate::report;
use serde_json::{Value, json};
use std::fmt::Write;

/// A branch run next to the base run from the same fork.
pub struct Comparison<'p, 's> {
    pub prepared: &'p Prepared<'s>,
    pub title: String,
    pub notes: Vec<String>,
    pub branch: Outcome,
    pub base: Outcome,
}

impl<'p, 's> Comparison<'p, 's> {
    /// Runs the base from the same fork, for comparison with `branch`.
    pub fn new(
        prepared: &'p Prepared<'s>,
        title: String,
        notes: Vec<String>,
        branch: Outcome,
    ) -> Self {
        let base = prepared.base_outcome();
        Comparison {
            prepared,
            title,
            notes,
            branch,
            base,
        }
    }
}

/// One mission's facts that the comparison shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissionFacts {
    pub status: Status,
    pub headcount: u32,
    pub cap: Option<u32>,
    pub vacant: u32,
    pub leaving: u32,
}

pub fn facts(w: &World, s: &State, m: MissionId) -> MissionFacts {
    let ms = s.mission(m);
    MissionFacts {
        status: s.status(w, m),
        headcount: ms.headcount(),
        cap: s.cap_of(w, m),
        vacant: ms.vacant,
        leaving: ms.leaving_count(),
    }
}

/// Open channels, as `a - b via mission (kind)`, sorted.
pub fn channels(w: &World, s: &State) -> Vec<String> {
    let mut v = Vec::new();
    for m in w.mission_ids() {
        let d = w.mission(m);
        if s.mission(m).operating() && d.kind != crate::core::world::MissionKind::Property {
            v.push(format!(
                "{} - {} via {} (mission)",
                w.actor(d.sender).key,
                w.actor(d.receiver).key,
                d.key
            ));
        }
    }
    for c in &s.designated {
        if s.mission(c.via).operating() {
            v.push(format!(
                "{} - {} via {} (designated)",
                w.actor(c.pair.0).key,
                w.actor(c.pair.1).key,
                w.mission(c.via).key
            ));
        }
    }
    v.sort();
    v
}

/// A measure in full, with the same keys for every kind (null where a key does not apply):
/// `kind`, `effective`, `mission`, `scope` (`{"sender", "host"}` for a cap on all posts),
/// `count`, `category`, `persons`, `all`, `limit`, `reduce_by`, `comply_by`, `depart_by`,
/// `with`, `via`.
pub fn measure_json(w: &World, m: &Measure) -> Value {
    let mission = |id: MissionId| json!(w.mission(id).key);
    let actor = |id: ActorId| json!(w.actor(id).key);
    let day = |d: Day| json!(d.to_string());
    let mut v = json!({
        "kind": m.action.kind().key(), "effective": m.effective.to_string(), "mission": null,
        "scope": null, "count": null, "category": null, "persons": null, "all": false,
        "limit": null, "reduce_by": null, "comply_by": null, "depart_by": null, "with": null,
        "via": null,
    });
    let who = |v: &mut Value, who: &Who| match who {
        Who::Count { count, category } => {
            v["count"] = json!(count);
            v["category"] = json!(category.key());
        }
        Who::Named(ps) => {
            v["count"] = json!(ps.len());
            v["persons"] = json!(
                ps.iter()
                    .map(|p| w.person(*p).key.clone())
                    .collect::<Vec<_>>()
            );
        }
        Who::All => v["all"] = json!(true),
    };
    let scope = |v: &mut Value, s: &CapScope| match *s {
        CapScope::Mission(id) => v["mission"] = mission(id),
        CapScope::Posts { sender, host } => {
            v["scope"] = json!({"sender": w.actor(sender).key, "host": w.actor(host).key})
        }
    };
    if let Some(id) = m.action.mission() {
        v["mission"] = mission(id);
    }
    match &m.action {
        Action::AccreditationRequested { count, .. }
        | Action::AccreditationDenied { count, .. }
        | Action::PostsAbolished { count, .. } => v["count"] = json!(count),
        Action::AccreditationGranted { who: x, .. }
        | Action::StaffRecalled { who: x, .. }
        | Action::StaffDeparted { who: x, .. } => who(&mut v, x),
        Action::AccreditationWithdrawn {
            who: x, depart_by, ..
        }
        | Action::PersonaNonGrata {
            who: x, depart_by, ..
        }
        | Action::DepartureRequired {
            who: x, depart_by, ..
        } => {
            who(&mut v, x);
            v["depart_by"] = day(*depart_by);
        }
        Action::StaffCapSet {
            scope: s,
            limit,
            comply_by,
            counts,
        } => {
            scope(&mut v, s);
            match limit {
                Limit::Absolute(l) => v["limit"] = json!(l),
                Limit::ReduceBy(r) => v["reduce_by"] = json!(r),
            }
            v["comply_by"] = comply_by.map_or(Value::Null, day);
            v["counts"] = json!(counts.key());
        }
        Action::CapLifted { scope: s, counts } => {
            scope(&mut v, s);
            v["counts"] = json!(counts.key());
        }
        Action::LocalStaffHired { count, .. } | Action::LocalStaffDismissed { count, .. } => {
            v["count"] = json!(count)
        }
        Action::ConsentWithdrawn { depart_by, .. } => v["depart_by"] = day(*depart_by),
        Action::RelationsBroken { with, depart_by } => {
            v["with"] = actor(*with);
            v["depart_by"] = depart_by.map_or(Value::Null, day);
        }
        Action::RelationsEstablished { with } | Action::ContactsFrozen { with } => {
            v["with"] = actor(*with)
        }
        Action::ChannelDesignated { with, via } => {
            v["with"] = actor(*with);
            v["via"] = mission(*via);
            v["mission"] = Value::Null;
        }
        Action::MissionOpened { .. }
        | Action::MissionSuspended { .. }
        | Action::MissionClosed { .. }
        | Action::MissionReopened { .. }
        | Action::ConsentGranted { .. }
        | Action::PremisesSeized { .. } => {}
        Action::RemovalFromPosts {
            sender,
            host,
            count,
            category,
            ..
        } => {
            v["scope"] = json!({"sender": actor(*sender), "host": actor(*host)});
            v["count"] = json!(count);
            v["category"] = json!(category.key());
        }
        Action::StaffMoved { to, who: x, .. } => {
            who(&mut v, x);
            v["to"] = mission(*to);
        }
        Action::MissionClosedMovingStaff { to, .. } => v["to"] = mission(*to),
    }
    v
}

/// Every measure of an event in full ([`measure_json`]); empty for a signal.
pub fn measures_json(w: &World, e: &Event) -> Value {
    match &e.body {
        Body::Measures { measures, .. } => measures
            .iter()
            .map(|m| measure_json(w, m))
            .collect::<Vec<_>>()
            .into(),
        _ => json!([]),
    }
}

/// A signal's kind, target, mission and tone; null for measures.
pub fn signal_json(w: &World, e: &Event) -> Value {
    match &e.body {
        Body::Signal {
            kind,
            target,
            mission,
            tone,
            ..
        } => json!({"kind": kind.key(), "target": w.actor(*target).key,
                    "mission": mission.map(|m| w.mission(m).key.clone()), "tone": tone.key()}),
        _ => Value::Null,
    }
}

/// Conflict weight of an accepted event: minus its Goldstein score when negative.
fn weight(g: Option<f32>) -> f64 {
    g.map_or(0.0, |g| if g < 0.0 { -f64::from(g) } else { 0.0 })
}

/// Cumulative conflict weight per actor, on every day either run had an event.
pub struct Escalation {
    pub actors: Vec<ActorId>,
    /// (day, base per actor, branch per actor), cumulative since the fork.
    pub rows: Vec<(Day, Vec<f64>, Vec<f64>)>,
}

pub fn escalation(base: &Outcome, branch: &Outcome) -> Escalation {
    let mut actors: Vec<ActorId> = Vec::new();
    for s in base.steps.iter().chain(&branch.steps) {
        if let Some(a) = s.actor
            && weight(s.goldstein) > 0.0
            && !actors.contains(&a)
        {
            actors.push(a);
        }
    }
    actors.sort();
    let mut days: Vec<Day> = base
        .steps
        .iter()
        .chain(&branch.steps)
        .filter(|s| s.actor.is_some())
        .map(|s| s.day)
        .collect();
    days.sort();
    days.dedup();
    let cum = |o: &Outcome, d: Day| -> Vec<f64> {
        actors
            .iter()
            .map(|&a| {
                o.steps
                    .iter()
                    .filter(|s| s.actor == Some(a) && s.day <= d)
                    .map(|s| weight(s.goldstein))
                    .sum::<f64>()
                    + 0.0
            })
            .collect()
    };
    let rows = days
        .into_iter()
        .map(|d| (d, cum(base, d), cum(branch, d)))
        .collect();
    Escalation { actors, rows }
}

fn kind_line(w: &World, e: &Event) -> String {
    let targets: Vec<&str> = report::targets(w, e)
        .into_iter()
        .map(|a| w.actor(a).key.as_str())
        .collect();
    let who = if targets.is_empty() {
        w.actor(e.actor).key.clone()
    } else {
        format!("{} -> {}", w.actor(e.actor).key, targets.join(", "))
    };
    format!("{}  {who}", e.kind().key())
}

fn status_cell<T: PartialEq + ToString>(a: T, b: T) -> (String, bool) {
    if a == b {
        (a.to_string(), false)
    } else {
        (format!("{} | {}", a.to_string(), b.to_string()), true)
    }
}

fn cap_text(c: Option<u32>) -> String {
    c.map_or("-".into(), |c| c.to_string())
}

impl Comparison<'_, '_> {
    fn world(&self) -> &World {
        &self.prepared.base.world
    }

    /// Why an item is gone, in words.
    pub fn why(&self, p: usize) -> String {
        let items = &self.prepared.items;
        match &items[p].gone {
            Some(Gone::Dropped) => "dropped by the branch".into(),
            Some(Gone::Pruned { because }) => {
                let t = &items[*because];
                let what = match (&t.gone, t.origin) {
                    (Some(Gone::Dropped), _) => "which the branch drops",
                    (Some(_), _) => "which no longer happens",
                    (None, Origin::Changed(_)) => "which the branch changes",
                    (None, _) => "which the branch changes",
                };
                format!("responds to {}, {what}", t.id)
            }
            Some(Gone::Superseded { policy }) => {
                let pol = &self.prepared.policies[*policy];
                format!(
                    "{} follows the {} policy from {}",
                    self.world().actor(pol.actor).key,
                    pol.choices
                        .iter()
                        .map(|c| c.respond.name())
                        .collect::<Vec<_>>()
                        .join("/"),
                    pol.from
                )
            }
            None => String::new(),
        }
    }

    /// Items gone after the fork (dropped ones included), in order.
    pub fn gone(&self) -> Vec<usize> {
        (self.prepared.fork..self.prepared.items.len())
            .filter(|&p| self.prepared.items[p].gone.is_some())
            .collect()
    }

    fn changes_of(&self, step_seq: Seq, out: &Outcome, src: Source) -> Vec<String> {
        let w = self.world();
        out.steps
            .iter()
            .filter(|s| s.source == Some(src))
            .flat_map(|s| s.changes.iter())
            .filter(|(_, cause, _)| *cause == step_seq)
            .map(|(_, _, c)| report::describe(w, c))
            .collect()
    }

    /// The text report.
    pub fn text(&self) -> String {
        let w = self.world();
        let p = self.prepared;
        let b = &self.branch;
        let mut o = String::new();
        let _ = writeln!(o, "What if: {}", self.title);
        let end = p.end.map_or("the last event".into(), |d| d.to_string());
        let _ = writeln!(o, "base {}, seed {}, until {end}", p.base.name, b.seed);
        let _ = writeln!(o, "\nEdits");
        if self.notes.is_empty() {
            let _ = writeln!(o, "  (none: the branch replays the base)");
        }
        for n in &self.notes {
            let _ = writeln!(o, "  {n}");
        }
        match p.items.get(p.fork) {
            Some(it) => {
                let _ = writeln!(
                    o,
                    "\nDiverges on {} at {} ({} recorded events before it replay as recorded)",
                    it.event.date, it.id, p.fork
                );
            }
            None => {
                let _ = writeln!(
                    o,
                    "\nDoes not diverge: every recorded event replays as recorded"
                );
            }
        }
        let gone = self.gone();
        let _ = writeln!(o, "\nNo longer happen ({})", gone.len());
        for &i in &gone {
            let it = &p.items[i];
            let _ = writeln!(
                o,
                "  {}  {}  {}: {}",
                it.event.date,
                it.id,
                kind_line(w, &it.event),
                self.why(i)
            );
        }
        let _ = writeln!(
            o,
            "\nInvalidated: recorded events the core now rejects ({})",
            b.invalidated.len() + b.orphaned.len()
        );
        for inv in &b.invalidated {
            let it = &p.items[inv.item];
            let _ = writeln!(
                o,
                "  {}  {}  {}: rejected, E{:03} {}",
                it.event.date,
                it.id,
                kind_line(w, &it.event),
                inv.reason.code(),
                inv.reason.describe(w)
            );
        }
        for &(i, because) in &b.orphaned {
            let it = &p.items[i];
            let _ = writeln!(
                o,
                "  {}  {}  {}: responds to {}, which the core rejected in the branch",
                it.event.date,
                it.id,
                kind_line(w, &it.event),
                p.items[because].id
            );
        }
        let _ = writeln!(o, "\nNew events from policies ({})", b.generated.len());
        for (k, g) in b.generated.iter().enumerate() {
            let answers = p.id_of(b, g.answers);
            let mis = g
                .misjudged
                .map(|m| format!(", misjudged: {}", m.key()))
                .unwrap_or_default();
            let _ = writeln!(
                o,
                "  {}  {}  {}  answers {answers} ({}{mis})",
                g.event.date,
                g.id,
                kind_line(w, &g.event),
                g.respond.name()
            );
            match &g.rejected {
                Some(r) => {
                    let _ = writeln!(
                        o,
                        "        rejected by the core: E{:03} {}",
                        r.code(),
                        r.describe(w)
                    );
                }
                None => {
                    let seq = b
                        .steps
                        .iter()
                        .find(|s| s.source == Some(Source::Generated(k)))
                        .and_then(|s| s.result.clone().ok());
                    if let Some(seq) = seq {
                        for c in self.changes_of(seq, b, Source::Generated(k)) {
                            let _ = writeln!(o, "        {c}");
                        }
                    }
                }
            }
        }
        if b.after_end > 0 {
            let _ = writeln!(
                o,
                "  ({} answer(s) would come after {end}, beyond the branch)",
                b.after_end
            );
        }
        if b.truncated {
            let _ = writeln!(
                o,
                "  (stopped drafting at {} events; raise max_generated)",
                p.max_generated
            );
        }
        o += &self.side_by_side();
        o += &self.escalation_text();
        let _ = writeln!(
            o,
            "\ndigest base {}  branch {}",
            self.base.digest(),
            b.digest()
        );
        o
    }

    fn side_by_side(&self) -> String {
        let w = self.world();
        let (sa, sb) = (&self.base.state, &self.branch.state);
        let mut o = String::new();
        let _ = writeln!(
            o,
            "\nMissions on {} (base | branch where they differ, marked *)",
            sb.clock
        );
        // The mark of a differing mission sits before the table, which starts at column 4.
        let mut t = report::Table::new(&[report::Align::Left; 6]);
        t.row(["mission", "status", "in post", "cap", "vacant", "leaving"]);
        let mut marks = vec![' '];
        for m in w.mission_ids() {
            let (fa, fb) = (facts(w, sa, m), facts(w, sb, m));
            let (st, d1) = status_cell(fa.status.key(), fb.status.key());
            let (hc, d2) = status_cell(fa.headcount, fb.headcount);
            let (cap, d3) = status_cell(cap_text(fa.cap), cap_text(fb.cap));
            let (vac, d4) = status_cell(fa.vacant, fb.vacant);
            let (lv, d5) = status_cell(fa.leaving, fb.leaving);
            marks.push(if d1 || d2 || d3 || d4 || d5 { '*' } else { ' ' });
            t.row([w.mission(m).key.clone(), st, hc, cap, vac, lv]);
        }
        for (mark, line) in marks.iter().zip(t.render("").lines()) {
            let _ = writeln!(o, "  {mark} {line}");
        }
        let (ca, cb) = (channels(w, sa), channels(w, sb));
        let _ = writeln!(o, "Open channels");
        let mut all: Vec<&String> = ca.iter().chain(&cb).collect();
        all.sort();
        all.dedup();
        for c in all {
            let (ia, ib) = (ca.contains(c), cb.contains(c));
            let tag = match (ia, ib) {
                (true, true) => "  ",
                (true, false) => "* ",
                _ => "* ",
            };
            let which = match (ia, ib) {
                (true, true) => "",
                (true, false) => "  (base only)",
                _ => "  (branch only)",
            };
            let _ = writeln!(o, "  {tag}{c}{which}");
        }
        o
    }

    fn escalation_text(&self) -> String {
        let w = self.world();
        let e = escalation(&self.base, &self.branch);
        let mut o = String::new();
        let _ = writeln!(
            o,
            "\nEscalation since the fork (cumulative conflict weight: minus the Goldstein score of each hostile event)"
        );
        if e.actors.is_empty() {
            let _ = writeln!(o, "  (no hostile event in either)");
            return o;
        }
        let names: Vec<&str> = e.actors.iter().map(|&a| w.actor(a).key.as_str()).collect();
        // day, then per side every actor and the total, the two sides parted by a bar.
        let n = names.len() + 1;
        let mut aligns = vec![report::Align::Left];
        aligns.extend(std::iter::repeat_n(report::Align::Right, n));
        aligns.push(report::Align::Left);
        aligns.extend(std::iter::repeat_n(report::Align::Right, n));
        let mut t = report::Table::new(&aligns);
        let head = || names.iter().map(|s| s.to_string()).chain(["total".into()]);
        t.row(
            std::iter::once("day".to_string())
                .chain(head())
                .chain(["|".into()])
                .chain(head()),
        );
        let row = |v: &[f64]| -> Vec<String> {
            v.iter()
                .map(|x| format!("{x:.1}"))
                .chain([format!("{:.1}", v.iter().sum::<f64>())])
                .collect()
        };
        for (d, a, b) in &e.rows {
            t.row(
                std::iter::once(d.to_string())
                    .chain(row(a))
                    .chain(["|".into()])
                    .chain(row(b)),
            );
        }
        // "base" over the first actor column, "| branch" from the bar.
        let (first, bar) = (t.offset(2, 1), t.offset(2, n + 1));
        let _ = writeln!(o, "{:first$}{:<w$}| branch", "", "base", w = bar - first);
        o += &t.render("  ");
        o
    }

    /// The JSON report.
    pub fn json(&self) -> Value {
        let w = self.world();
        let p = self.prepared;
        let b = &self.branch;
        let gone: Vec<Value> = self
            .gone()
            .into_iter()
            .map(|i| {
                let it = &p.items[i];
                let (why, because) = match &it.gone {
                    Some(Gone::Dropped) => ("dropped", Value::Null),
                    Some(Gone::Pruned { because }) => ("pruned", json!(p.items[*because].id)),
                    Some(Gone::Superseded { policy }) => (
                        "superseded",
                        json!(w.actor(p.policies[*policy].actor).key),
                    ),
                    None => ("", Value::Null),
                };
                json!({"id": it.id, "date": it.event.date.to_string(), "kind": it.event.kind().key(),
                       "actor": w.actor(it.event.actor).key, "why": why, "because": because,
                       "explanation": self.why(i)})
            })
            .collect();
        let invalidated: Vec<Value> = b
            .invalidated
            .iter()
            .map(|inv| {
                let it = &p.items[inv.item];
                json!({"id": it.id, "date": it.event.date.to_string(), "code": format!("E{:03}", inv.reason.code()),
                       "rule": inv.reason.name(), "message": inv.reason.describe(w)})
            })
            .chain(b.orphaned.iter().map(|&(i, because)| {
                json!({"id": p.items[i].id, "date": p.items[i].event.date.to_string(), "code": Value::Null,
                       "rule": "orphaned", "message": format!("responds to {}, which the core rejected in the branch", p.items[because].id)})
            }))
            .collect();
        let generated: Vec<Value> = b
            .generated
            .iter()
            .map(|g| {
                json!({"id": g.id, "date": g.event.date.to_string(), "actor": w.actor(g.event.actor).key,
                       "kind": g.event.kind().key(), "answers": p.id_of(b, g.answers),
                       "notified": g.event.notified.map(|d| d.to_string()),
                       "signal": signal_json(w, &g.event), "measures": measures_json(w, &g.event),
                       "respond": g.respond.name(), "misjudged": g.misjudged.map(|m| m.key()),
                       "goldstein": g.event.goldstein().map(|x| report::round4(f64::from(x))),
                       "rejected": g.rejected.as_ref().map(|r| json!({"code": format!("E{:03}", r.code()), "message": r.describe(w)}))})
            })
            .collect();
        let missions: Vec<Value> = w
            .mission_ids()
            .map(|m| {
                let f = |s: &State| {
                    let x = facts(w, s, m);
                    json!({"status": x.status.key(), "headcount": x.headcount, "cap": x.cap, "vacant": x.vacant, "leaving": x.leaving})
                };
                let (a, bb) = (f(&self.base.state), f(&b.state));
                json!({"id": w.mission(m).key, "differs": a != bb, "base": a, "branch": bb})
            })
            .collect();
        let e = escalation(&self.base, b);
        let esc: Vec<Value> = e
            .rows
            .iter()
            .map(|(d, a, bb)| {
                let obj = |v: &[f64]| -> Value {
                    e.actors
                        .iter()
                        .zip(v)
                        .map(|(&x, y)| (w.actor(x).key.clone(), json!(report::round4(*y))))
                        .collect::<serde_json::Map<_, _>>()
                        .into()
                };
                json!({"day": d.to_string(), "base": obj(a), "branch": obj(bb)})
            })
            .collect();
        json!({
            "title": self.title,
            "base": p.base.name,
            "seed": b.seed,
            "until": p.end.map(|d| d.to_string()),
            "edits": self.notes,
            "diverges": p.items.get(p.fork).map(|it| json!({"date": it.event.date.to_string(), "at": it.id, "shared": p.fork})),
            "no_longer_happen": gone,
            "invalidated": invalidated,
            "generated": generated,
            "answers_after_end": b.after_end,
            "truncated": b.truncated,
            "missions": missions,
            "channels": {"base": channels(w, &self.base.state), "branch": channels(w, &b.state)},
            "escalation": esc,
            "digest": {"base": self.base.digest(), "branch": b.digest()},
        })
    }
}
