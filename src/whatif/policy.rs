//! Response policies: how an actor answers hostile moves in a branch, as data.
//!
//! A [`Policy`] names its actor, the day it starts to hold, whom and what it answers, the delay
//! and one or more [`Respond`] rules drawn with fixed probabilities. It only drafts events: the
//! drafted [`Event`] goes through `Engine::step` like any recorded one, so the core's rules
//! still decide whether it happens. Randomness comes from the branch's seeded [`Rng`], drawn in
//! a fixed order, so a branch is a function of its seed.

use crate::core::event::{
    Action, Body, CapScope, Category, Event, Kind, Limit, Measure, Tone, Who,
};
use crate::core::state::{Lifecycle, State};
use crate::core::world::{ActorId, MissionId, MissionKind, World};
use crate::core::{Day, Seq};
use crate::r#gen::Rng;

/// Probabilities are kept in millionths, so draws are integer arithmetic on every machine.
pub const ONE: u32 = 1_000_000;

/// One way of answering a move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Respond {
    /// Mirror each measure in kind and count against the counterpart mission.
    Reciprocal,
    /// As reciprocal, counts scaled by `k` (in thousandths), at least 1.
    Proportional { k_milli: u32 },
    /// Cap the counterpart mission at one's own headcount on the other side.
    Parity,
    /// One rung above the move on the [`LADDER`].
    Escalate,
    /// A statement only.
    Absorb,
    /// No answer at all.
    Nothing,
}

impl Respond {
    /// Parses `reciprocal`, `proportional(0.5)`, `parity`, `escalate`, `absorb`, `none`.
    pub fn parse(s: &str) -> Result<Respond, String> {
        let s = s.trim();
        Ok(match s {
            "reciprocal" => Respond::Reciprocal,
            "parity" => Respond::Parity,
            "escalate" => Respond::Escalate,
            "absorb" => Respond::Absorb,
            "none" => Respond::Nothing,
            _ => {
                let k = s
                    .strip_prefix("proportional(")
                    .and_then(|r| r.strip_suffix(')'))
                    .ok_or_else(|| {
                        format!("`{s}` is not a response; expected {}", Respond::HELP)
                    })?;
                let k: f64 = k
                    .trim()
                    .parse()
                    .map_err(|_| format!("`{k}` in `{s}` is not a number"))?;
                if !(k > 0.0 && k <= 100.0) {
                    return Err(format!(
                        "the factor of `{s}` must be above 0 and at most 100"
                    ));
                }
                Respond::Proportional {
                    k_milli: (k * 1000.0).round() as u32,
                }
            }
        })
    }

    pub const HELP: &'static str = "reciprocal, proportional(K), parity, escalate, absorb or none";

    pub fn name(self) -> String {
        match self {
            Respond::Reciprocal => "reciprocal".into(),
            Respond::Proportional { k_milli } => {
                format!("proportional({})", f64::from(k_milli) / 1000.0)
            }
            Respond::Parity => "parity".into(),
            Respond::Escalate => "escalate".into(),
            Respond::Absorb => "absorb".into(),
            Respond::Nothing => "none".into(),
        }
    }
}

/// One option of a policy: a response, its probability and its delay range in days.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub respond: Respond,
    /// Probability in millionths of [`ONE`].
    pub p: u32,
    /// Inclusive range of days between the move and the answer.
    pub delay: (u32, u32),
}

/// What a policy answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answers {
    /// Conflictual measures (expulsions, caps, closures...) only.
    Measures,
    /// Conflictual measures and conflictual signals (accusations, threats, summons...).
    Any,
}

/// How an actor answers hostile moves from a day on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub actor: ActorId,
    /// The first day of moves it answers. Its actor's recorded answers from this day on are
    /// replaced by the policy.
    pub from: Day,
    /// Only moves by this actor, or by anyone but `actor`.
    pub against: Option<ActorId>,
    pub answers: Answers,
    /// The mission answers are aimed at, instead of the counterpart found in the world.
    pub mission: Option<MissionId>,
    /// Days staff are given to leave, and mission caps to be met.
    pub leave_within: u32,
    /// Probability (millionths) that an answer is misjudged in kind or size.
    pub noise: u32,
    /// Options, their probabilities summing to at most [`ONE`]; the rest is no answer.
    pub choices: Vec<Choice>,
}

impl Policy {
    /// A deterministic policy: one response, always, after `delay` days.
    pub fn simple(actor: ActorId, from: Day, respond: Respond, delay: u32) -> Policy {
        Policy {
            actor,
            from,
            against: None,
            answers: Answers::Measures,
            mission: None,
            leave_within: 14,
            noise: 0,
            choices: vec![Choice {
                respond,
                p: ONE,
                delay: (delay, delay),
            }],
        }
    }

    /// A one-line description, as a branch file would write it.
    pub fn describe(&self, w: &World) -> String {
        let opts: Vec<String> = self
            .choices
            .iter()
            .map(|c| {
                let delay = if c.delay.0 == c.delay.1 {
                    format!("{} days", c.delay.0)
                } else {
                    format!("{}-{} days", c.delay.0, c.delay.1)
                };
                if self.choices.len() == 1 && c.p == ONE {
                    format!("{} after {delay}", c.respond.name())
                } else {
                    format!("{}% {} after {delay}", pct(c.p), c.respond.name())
                }
            })
            .collect();
        let mut s = format!(
            "{} from {}: {}",
            w.actor(self.actor).key,
            self.from,
            opts.join(", ")
        );
        if let Some(a) = self.against {
            s += &format!("; answers {}", w.actor(a).key);
        }
        if self.answers == Answers::Any {
            s += "; answers signals too";
        }
        if self.noise > 0 {
            s += &format!("; misjudges {}% of answers", pct(self.noise));
        }
        s
    }

    /// True if this policy answers `e`, accepted in the branch.
    pub fn answers_event(&self, w: &World, e: &Event) -> bool {
        if e.actor == self.actor || e.date < self.from {
            return false;
        }
        if self.against.is_some_and(|a| a != e.actor) {
            return false;
        }
        let hostile = e.goldstein().is_some_and(|g| g < 0.0);
        let is_measure = matches!(e.body, Body::Measures { .. });
        if !hostile || (self.answers == Answers::Measures && !is_measure) {
            return false;
        }
        crate::report::targets(w, e).contains(&self.actor)
    }

    /// Draws the option and whether it is misjudged, in that order.
    pub fn draw(&self, rng: &mut Rng) -> Option<Draw> {
        let x = if self.choices.len() == 1 && self.choices[0].p == ONE {
            0
        } else {
            rng.below(ONE)
        };
        let mut acc = 0;
        let mut pick = None;
        for (i, c) in self.choices.iter().enumerate() {
            acc += c.p;
            if x < acc {
                pick = Some(i);
                break;
            }
        }
        let i = pick?;
        let c = &self.choices[i];
        let delay = if c.delay.0 == c.delay.1 {
            c.delay.0
        } else {
            rng.between(c.delay.0, c.delay.1)
        };
        let misjudge = if self.noise > 0 && rng.below(ONE) < self.noise {
            Some(match rng.below(4) {
                0 => Misjudge::Higher,
                1 => Misjudge::Lower,
                2 => Misjudge::Larger,
                _ => Misjudge::Smaller,
            })
        } else {
            None
        };
        Some(Draw {
            respond: c.respond,
            delay,
            misjudge,
        })
    }
}

fn pct(p: u32) -> String {
    let x = f64::from(p) / 10_000.0;
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// How an answer is misjudged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Misjudge {
    /// One rung higher on the ladder than meant.
    Higher,
    /// One rung lower.
    Lower,
    /// Twice the count.
    Larger,
    /// Half the count (at least 1).
    Smaller,
}

impl Misjudge {
    pub fn key(self) -> &'static str {
        match self {
            Misjudge::Higher => "one rung higher",
            Misjudge::Lower => "one rung lower",
            Misjudge::Larger => "twice the size",
            Misjudge::Smaller => "half the size",
        }
    }
}

/// The outcome of drawing from a policy for one move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Draw {
    pub respond: Respond,
    pub delay: u32,
    pub misjudge: Option<Misjudge>,
}

/// The escalation ladder, lowest rung first. Each rung is a catalogue kind, so its CAMEO code
/// and Goldstein weight come from [`Kind::info`].
pub const LADDER: [(&str, Kind); 8] = [
    ("statement", Kind::Statement),
    ("summons", Kind::AmbassadorSummoned),
    ("small expulsion", Kind::AccreditationWithdrawn),
    ("large expulsion", Kind::AccreditationWithdrawn),
    ("cap", Kind::StaffCapSet),
    ("consulate closure", Kind::ConsentWithdrawn),
    ("mission suspension", Kind::MissionSuspended),
    ("break of relations", Kind::RelationsBroken),
];

/// Expulsions of at most this many are the small-expulsion rung.
pub const SMALL_EXPULSION: u32 = 2;

/// The rung of a move on the [`LADDER`]: its most severe measure, or for a signal, a statement
/// (0) or a protest, summons, accusation, demand or threat (1). `None` for moves that are not
/// conflictual.
pub fn rung(e: &Event) -> Option<usize> {
    match &e.body {
        Body::Signal { kind, .. } => match kind {
            Kind::Statement => Some(0),
            k if k.info().goldstein.is_some_and(|g| g < 0.0) => Some(1),
            _ => None,
        },
        Body::Measures { measures, .. } => {
            measures.iter().filter_map(|m| action_rung(&m.action)).max()
        }
        _ => None,
    }
}

fn action_rung(a: &Action) -> Option<usize> {
    let size = |who: &Who| match who {
        Who::Count { count, .. } => *count,
        Who::Named(v) => v.len() as u32,
        Who::All => u32::MAX,
    };
    Some(match a {
        Action::AccreditationDenied { .. } | Action::PostsAbolished { .. } => 2,
        Action::AccreditationWithdrawn { who, .. }
        | Action::PersonaNonGrata { who, .. }
        | Action::DepartureRequired { who, .. }
        | Action::StaffRecalled { who, .. } => {
            if size(who) <= SMALL_EXPULSION {
                2
            } else {
                3
            }
        }
        Action::StaffCapSet { .. } | Action::ContactsFrozen { .. } => 4,
        Action::ConsentWithdrawn { .. } | Action::MissionClosed { .. } => 5,
        Action::MissionSuspended { .. } => 6,
        Action::RelationsBroken { .. } | Action::PremisesSeized { .. } => 7,
        _ => return None,
    })
}

/// What a policy needs to draft an answer: the cast, the state on the day of the answer, who
/// answers whom, and when.
pub struct Ctx<'a> {
    pub world: &'a World,
    pub state: &'a State,
    pub actor: ActorId,
    pub other: ActorId,
    pub date: Day,
    pub leave_within: u32,
    /// A mission named by the policy, used instead of the counterpart found in the world.
    pub mission: Option<MissionId>,
}

impl Ctx<'_> {
    fn depart_by(&self, effective: Day) -> Day {
        effective.plus(self.leave_within as i32)
    }

    fn free_staff(&self, m: MissionId) -> u32 {
        let ms = self.state.mission(m);
        ms.headcount() - ms.reserved.total() - ms.reserved_members.len() as u32
    }

    /// The other side's operating mission to this actor that answers are aimed at: the one the
    /// policy names, or the largest (first declared among equals).
    pub fn counterpart(&self) -> Option<MissionId> {
        if let Some(m) = self.mission {
            return self.state.mission(m).operating().then_some(m);
        }
        self.largest(self.other, self.actor, |_| true)
    }

    /// This actor's own largest operating mission to the other side.
    pub fn own(&self) -> Option<MissionId> {
        self.largest(self.actor, self.other, |_| true)
    }

    fn largest(
        &self,
        sender: ActorId,
        receiver: ActorId,
        keep: impl Fn(MissionKind) -> bool,
    ) -> Option<MissionId> {
        let mut best: Option<(u32, MissionId)> = None;
        for m in self.world.mission_ids() {
            let d = self.world.mission(m);
            if d.sender != sender || d.receiver != receiver || !keep(d.kind) {
                continue;
            }
            if d.kind == MissionKind::Property || !self.state.mission(m).operating() {
                continue;
            }
            let h = self.state.mission(m).headcount();
            if best.is_none_or(|(bh, _)| h > bh) {
                best = Some((h, m));
            }
        }
        best.map(|(_, m)| m)
    }

    fn signal(&self, kind: Kind, mission: Option<MissionId>) -> Body {
        Body::Signal {
            kind,
            target: self.other,
            mission,
            tone: if kind == Kind::Statement {
                Tone::Pessimistic
            } else {
                Tone::Neutral
            },
            threat: None,
        }
    }

    fn measures(&self, measures: Vec<Measure>) -> Option<Body> {
        if measures.is_empty() {
            return None;
        }
        Some(Body::Measures {
            bundle: measures.len() > 1,
            measures,
        })
    }

    fn now(&self, action: Action) -> Measure {
        Measure {
            effective: self.date,
            action,
        }
    }

    /// The answer at rung `r` of the [`LADDER`], if it can be taken; otherwise the next rung up
    /// that can, and a statement when none can.
    pub fn ladder(&self, r: usize) -> Body {
        for r in r.min(LADDER.len() - 1)..LADDER.len() {
            if let Some(b) = self.rung_body(r) {
                return b;
            }
        }
        self.signal(Kind::Statement, None)
    }

    fn rung_body(&self, r: usize) -> Option<Body> {
        let cp = self.counterpart();
        match r {
            0 => Some(self.signal(Kind::Statement, None)),
            1 => Some(match cp {
                Some(m) => self.signal(Kind::AmbassadorSummoned, Some(m)),
                None => self.signal(Kind::Protest, None),
            }),
            2 | 3 => {
                let m = cp?;
                let free = self.free_staff(m);
                let n = if r == 2 {
                    SMALL_EXPULSION.min(free)
                } else {
                    (SMALL_EXPULSION + 1).max(free / 2).min(free)
                };
                if n == 0 || (r == 3 && n <= SMALL_EXPULSION) {
                    return None;
                }
                self.measures(vec![self.now(Action::AccreditationWithdrawn {
                    mission: m,
                    who: Who::Count {
                        count: n,
                        category: Category::Unspecified,
                    },
                    depart_by: self.depart_by(self.date),
                })])
            }
            4 => {
                let m = cp?;
                let h = self.state.mission(m).headcount();
                if h < 2 {
                    return None;
                }
                self.measures(vec![self.cap(m, Limit::Absolute(h / 2), self.date)])
            }
            5 => {
                let m = self.largest(self.other, self.actor, |k| {
                    !matches!(k, MissionKind::Embassy | MissionKind::PermanentMission)
                })?;
                self.measures(vec![self.now(Action::ConsentWithdrawn {
                    mission: m,
                    depart_by: self.depart_by(self.date),
                })])
            }
            6 => {
                let m = self.own()?;
                self.measures(vec![self.now(Action::MissionSuspended { mission: m })])
            }
            _ => {
                if self.state.relations_broken(self.actor, self.other) {
                    return None;
                }
                self.measures(vec![self.now(Action::RelationsBroken {
                    with: self.other,
                    depart_by: Some(self.depart_by(self.date)),
                })])
            }
        }
    }

    /// A cap on `m`, with a compliance date when it is below the staff in post.
    fn cap(&self, m: MissionId, limit: Limit, effective: Day) -> Measure {
        let h = self.state.mission(m).headcount();
        let below = match limit {
            Limit::Absolute(l) => l < h,
            Limit::ReduceBy(r) => r > 0,
        };
        Measure {
            effective,
            action: Action::StaffCapSet {
                scope: CapScope::Mission(m),
                limit,
                comply_by: below.then(|| self.depart_by(effective)),
            },
        }
    }

    /// Mirrors the hostile measures of `trigger` against the counterpart, counts scaled by
    /// `k_milli` thousandths. Measures with nothing to mirror onto are left out; with none left,
    /// a statement.
    pub fn mirror(&self, trigger: &Event, k_milli: u32) -> Body {
        let scale =
            |n: u32| -> u32 { ((u64::from(n) * u64::from(k_milli) + 500) / 1000).max(1) as u32 };
        let mut out = Vec::new();
        let cp = self.counterpart();
        match &trigger.body {
            Body::Measures { measures, .. } => {
                for m in measures {
                    let offset = m.effective.0 - trigger.date.0;
                    let effective = self.date.plus(offset);
                    if let Some(a) = self.mirror_action(&m.action, cp, effective, &scale) {
                        out.push(Measure {
                            effective,
                            action: a,
                        });
                    }
                }
            }
            Body::Signal { kind, .. } => {
                return match kind {
                    Kind::AmbassadorSummoned => match cp {
                        Some(m) => self.signal(Kind::AmbassadorSummoned, Some(m)),
                        None => self.signal(Kind::Protest, None),
                    },
                    k => self.signal(*k, None),
                };
            }
            _ => {}
        }
        self.measures(out)
            .unwrap_or_else(|| self.signal(Kind::Statement, None))
    }

    fn mirror_action(
        &self,
        a: &Action,
        cp: Option<MissionId>,
        effective: Day,
        scale: &dyn Fn(u32) -> u32,
    ) -> Option<Action> {
        let depart_by = self.depart_by(effective);
        let who = |who: &Who, m: MissionId| -> Option<Who> {
            let free = self.free_staff(m);
            let (n, category) = match who {
                Who::All => return (free > 0).then_some(Who::All),
                Who::Count { count, category } => (scale(*count), *category),
                Who::Named(v) => (scale(v.len() as u32), Category::Unspecified),
            };
            let n = n.min(free);
            (n > 0).then_some(Who::Count { count: n, category })
        };
        Some(match a {
            Action::AccreditationWithdrawn { who: w, .. } => {
                let m = cp?;
                Action::AccreditationWithdrawn {
                    mission: m,
                    who: who(w, m)?,
                    depart_by,
                }
            }
            Action::PersonaNonGrata { who: w, .. } | Action::DepartureRequired { who: w, .. } => {
                let m = cp?;
                let w = match who(w, m)? {
                    Who::All => Who::Count {
                        count: self.free_staff(m),
                        category: Category::Unspecified,
                    },
                    w => w,
                };
                Action::PersonaNonGrata {
                    mission: m,
                    who: w,
                    depart_by,
                }
            }
            Action::StaffRecalled { who: w, .. } => {
                let m = self.own()?;
                Action::StaffRecalled {
                    mission: m,
                    who: who(w, m)?,
                }
            }
            Action::PostsAbolished { count, .. } => {
                let m = cp?;
                let ms = self.state.mission(m);
                let n = scale(*count).min(ms.vacant - ms.reserved_vacant);
                if n == 0 {
                    return None;
                }
                Action::PostsAbolished {
                    mission: m,
                    count: n,
                }
            }
            Action::AccreditationDenied { count, .. } => {
                let m = cp?;
                let n = scale(*count).min(self.state.mission(m).requested);
                if n == 0 {
                    return None;
                }
                Action::AccreditationDenied {
                    mission: m,
                    count: n,
                }
            }
            Action::StaffCapSet { limit, .. } => {
                let m = cp?;
                let limit = match *limit {
                    Limit::Absolute(l) => Limit::Absolute(l),
                    Limit::ReduceBy(r) => Limit::ReduceBy(scale(r)),
                };
                return Some(self.cap(m, limit, effective).action);
            }
            Action::ConsentWithdrawn { .. } | Action::MissionClosed { .. } => {
                let m = cp?;
                Action::ConsentWithdrawn {
                    mission: m,
                    depart_by,
                }
            }
            Action::MissionSuspended { .. } => Action::MissionSuspended {
                mission: self.own()?,
            },
            Action::RelationsBroken { .. } => {
                if self.state.relations_broken(self.actor, self.other) {
                    return None;
                }
                Action::RelationsBroken {
                    with: self.other,
                    depart_by: Some(depart_by),
                }
            }
            _ => return None,
        })
    }

    /// Caps the counterpart at this actor's own staff on the other side.
    pub fn parity(&self) -> Body {
        let own: u32 = self
            .world
            .mission_ids()
            .filter(|&m| {
                let d = self.world.mission(m);
                d.sender == self.actor
                    && d.receiver == self.other
                    && self.state.mission(m).lifecycle == Lifecycle::Operating
            })
            .map(|m| self.state.mission(m).headcount())
            .sum();
        match self.counterpart() {
            Some(m) => Body::Measures {
                bundle: false,
                measures: vec![self.cap(m, Limit::Absolute(own), self.date)],
            },
            None => self.signal(Kind::Statement, None),
        }
    }
}

/// Drafts the answer of `ctx.actor` to `trigger` (accepted as sequence `answers`), as drawn.
pub fn draft(ctx: &Ctx, trigger: &Event, answers: Seq, draw: &Draw) -> Option<Event> {
    let meant = match draw.respond {
        Respond::Nothing => return None,
        Respond::Reciprocal => ctx.mirror(trigger, 1000),
        Respond::Proportional { k_milli } => ctx.mirror(trigger, k_milli),
        Respond::Parity => ctx.parity(),
        Respond::Escalate => ctx.ladder(rung(trigger).map_or(0, |r| r + 1)),
        Respond::Absorb => ctx.ladder(0),
    };
    let body = match draw.misjudge {
        None => meant,
        Some(m) => misjudge(ctx, meant, m),
    };
    Some(Event {
        date: ctx.date,
        notified: Some(ctx.date),
        actor: ctx.actor,
        in_response_to: vec![answers],
        proposed: false,
        body,
    })
}

fn misjudge(ctx: &Ctx, meant: Body, how: Misjudge) -> Body {
    let probe = Event {
        date: ctx.date,
        notified: None,
        actor: ctx.actor,
        in_response_to: Vec::new(),
        proposed: false,
        body: meant,
    };
    let r = rung(&probe).unwrap_or(0);
    match how {
        Misjudge::Higher => ctx.ladder(r + 1),
        Misjudge::Lower => ctx.ladder(r.saturating_sub(1)),
        Misjudge::Larger | Misjudge::Smaller => {
            let mut body = probe.body;
            let mut resized = false;
            if let Body::Measures { measures, .. } = &mut body {
                for m in measures {
                    if let Action::AccreditationWithdrawn { mission, who, .. }
                    | Action::PersonaNonGrata { mission, who, .. } = &mut m.action
                        && let Who::Count { count, .. } = who
                    {
                        let free = ctx.free_staff(*mission);
                        *count = if how == Misjudge::Larger {
                            (*count * 2).min(free)
                        } else {
                            (*count / 2).max(1)
                        };
                        resized = true;
                    }
                }
            }
            if resized {
                body
            } else if how == Misjudge::Larger {
                ctx.ladder(r + 1)
            } else {
                ctx.ladder(r.saturating_sub(1))
            }
        }
    }
}
