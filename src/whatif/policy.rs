//! Response policies: how an actor answers hostile moves in a branch, as data.
//!
//! A [`Policy`] names its actor, the day it starts to hold, whom and what it answers, the delay
//! and one or more [`Respond`] rules drawn with fixed probabilities. It only drafts events: the
//! drafted [`Event`] goes through `Engine::step` like any recorded one, so the core's rules
//! still decide whether it happens. Randomness comes from the branch's seeded [`Rng`], drawn in
//! a fixed order, so a branch is a function of its seed.
//!
//! Drafting never picks a date the core would refuse for a reason of the draft's own making: a
//! measure is never aimed at a mission that stops operating on or before the day the measure
//! takes effect (by a measure already pending, or by an earlier measure of the same draft), and
//! measures of one draft never count the same staff, posts or requests twice.

use crate::core::event::{
    Action, Body, CapScope, Category, Counts, Event, Kind, Limit, Measure, Staff, Tone, Who,
};
use crate::core::state::{Effect, Premises, State, free_staff, pair, take_staff};
use crate::core::world::{ActorId, ActorKind, MissionId, MissionKind, World};
use crate::core::{Day, Seq};
use crate::r#gen::Rng;

/// Probabilities are kept in millionths, so draws are integer arithmetic on every machine.
pub const ONE: u32 = 1_000_000;

/// What `parity` counts as one's own presence on the other side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// Staff in post at every operating post of one's own accredited to the other side.
    Posts,
    /// Staff in post at one's own mission that corresponds to the capped one (the main mission
    /// when the cap covers all posts).
    Mission,
    /// As `Posts`, plus one's missions to organisations on the other side's territory (a
    /// state's mission to the UN in New York counts towards its presence in the United States).
    PostsAndOrganisations,
}

impl Basis {
    pub fn key(self) -> &'static str {
        match self {
            Basis::Posts => "posts",
            Basis::Mission => "mission",
            Basis::PostsAndOrganisations => "posts-and-organisations",
        }
    }

    pub fn from_key(s: &str) -> Option<Basis> {
        [Basis::Posts, Basis::Mission, Basis::PostsAndOrganisations]
            .into_iter()
            .find(|b| b.key() == s)
    }
}

/// One way of answering a move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Respond {
    /// Mirror each measure like for like: the same kind of measure, on the other side's post
    /// of the same kind, with the same count and the same delays.
    Reciprocal,
    /// As reciprocal, counts scaled by `k` (in thousandths), at least 1.
    Proportional { k_milli: u32 },
    /// Cap the other side's presence, over the scope the move acted on, at one's own presence
    /// counted on `basis`.
    Parity { basis: Basis },
    /// The reciprocal answer and one rung more on the [`LADDER`].
    Escalate,
    /// A statement only.
    Absorb,
    /// No answer at all.
    Nothing,
}

impl Respond {
    /// Parses `reciprocal`, `proportional(0.5)`, `parity`, `parity(BASIS)`, `escalate`,
    /// `absorb`, `none`.
    pub fn parse(s: &str) -> Result<Respond, String> {
        let s = s.trim();
        Ok(match s {
            "reciprocal" => Respond::Reciprocal,
            "parity" => Respond::Parity {
                basis: Basis::Posts,
            },
            "escalate" => Respond::Escalate,
            "absorb" => Respond::Absorb,
            "none" => Respond::Nothing,
            _ => {
                if let Some(b) = s.strip_prefix("parity(").and_then(|r| r.strip_suffix(')')) {
                    let basis = Basis::from_key(b.trim()).ok_or_else(|| {
                        format!(
                            "`{b}` in `{s}` is not a basis; expected posts, mission or posts-and-organisations"
                        )
                    })?;
                    return Ok(Respond::Parity { basis });
                }
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

    pub const HELP: &'static str = "reciprocal, proportional(K), parity, parity(mission), parity(posts-and-organisations), escalate, absorb or none";

    pub fn name(self) -> String {
        match self {
            Respond::Reciprocal => "reciprocal".into(),
            Respond::Proportional { k_milli } => {
                format!("proportional({})", f64::from(k_milli) / 1000.0)
            }
            Respond::Parity {
                basis: Basis::Posts,
            } => "parity".into(),
            Respond::Parity { basis } => format!("parity({})", basis.key()),
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

    /// True if this policy answers `e`, accepted in the branch. A proposal is not answered
    /// (it may yet be overruled or withdrawn); its adoption is, as the measures it adopts (see
    /// [`adopted`]).
    pub fn answers_event(&self, w: &World, e: &Event) -> bool {
        if e.actor == self.actor || e.date < self.from || e.proposed {
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
/// and Goldstein weight come from [`Kind::info`]. docs/counterfactuals.md gives, for each rung,
/// the moves that stand on it and what an answer one rung above them adds.
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
/// (0) or a protest, summons, accusation, demand or threat (1). Ending a main mission (an
/// embassy or permanent mission) stands on the suspension rung, ending a consulate, office or
/// property on the closure rung. `None` for moves that are not conflictual.
pub fn rung(w: &World, e: &Event) -> Option<usize> {
    match &e.body {
        Body::Signal { kind, .. } => match kind {
            Kind::Statement => Some(0),
            k if k.info().goldstein.is_some_and(|g| g < 0.0) => Some(1),
            _ => None,
        },
        Body::Measures { measures, .. } => measures
            .iter()
            .filter_map(|m| action_rung(w, &m.action))
            .max(),
        _ => None,
    }
}

fn is_main(k: MissionKind) -> bool {
    matches!(k, MissionKind::Embassy | MissionKind::PermanentMission)
}

fn action_rung(w: &World, a: &Action) -> Option<usize> {
    let ending = |m: &MissionId| if is_main(w.mission(*m).kind) { 6 } else { 5 };
    let size = |who: &Who| match who {
        Who::Count { count, .. } => *count,
        Who::Named(v) => v.len() as u32,
        Who::All => u32::MAX,
    };
    Some(match a {
        Action::AccreditationDenied { .. } | Action::PostsAbolished { .. } => 2,
        Action::AccreditationWithdrawn {
            mission,
            who: Who::All,
            ..
        } => ending(mission),
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
        Action::ConsentWithdrawn { mission, .. } | Action::MissionClosed { mission } => {
            ending(mission)
        }
        Action::MissionSuspended { .. } => 6,
        Action::RelationsBroken { .. } | Action::PremisesSeized { .. } => 7,
        _ => return None,
    })
}

/// Kinds of post that stand for one another in a like-for-like answer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Embassies and permanent missions.
    Main,
    Consular,
    /// Military liaison missions, information and cultural offices.
    Office,
    Interests,
    Property,
}

fn class(k: MissionKind) -> Class {
    match k {
        MissionKind::Embassy | MissionKind::PermanentMission => Class::Main,
        MissionKind::Consulate => Class::Consular,
        MissionKind::MilitaryLiaisonMission
        | MissionKind::InformationOffice
        | MissionKind::CulturalOffice
        | MissionKind::TradeMission
        | MissionKind::Annex => Class::Office,
        MissionKind::InterestsSection => Class::Interests,
        MissionKind::Property => Class::Property,
    }
}

/// The part a mission plays between its sender and receiver: its class, except that an office
/// is the sender's main presence where the sender keeps no embassy or permanent mission with
/// that receiver (NATO's liaison mission in Moscow).
fn role(w: &World, m: MissionId) -> Class {
    let d = w.mission(m);
    let c = class(d.kind);
    if c != Class::Office {
        return c;
    }
    let has_main = w
        .missions
        .iter()
        .any(|x| x.sender == d.sender && x.receiver == d.receiver && class(x.kind) == Class::Main);
    if has_main { c } else { Class::Main }
}

/// What a like-for-like measure is meant for: a post of this kind, playing this part.
#[derive(Clone, Copy)]
struct Want {
    kind: MissionKind,
    role: Class,
}

impl Want {
    fn of(w: &World, m: MissionId) -> Want {
        Want {
            kind: w.mission(m).kind,
            role: role(w, m),
        }
    }

    const MAIN: Want = Want {
        kind: MissionKind::Embassy,
        role: Class::Main,
    };
}

/// How well mission `have` stands for mission `want` (of the other side) in a like-for-like
/// answer: 0 a post of the same kind playing the same part, 1 the same part (an embassy for a
/// permanent mission, one office for another, the main presence for the main presence). `None`
/// when it is not like for like: never an embassy for a consulate or for an office, nor a post
/// for a property.
pub fn affinity(w: &World, want: MissionId, have: MissionId) -> Option<u8> {
    fit(Want::of(w, want), w, have)
}

fn fit(want: Want, w: &World, have: MissionId) -> Option<u8> {
    if role(w, have) != want.role {
        return None;
    }
    Some(u8::from(w.mission(have).kind != want.kind))
}

/// True for measures that stop a mission operating.
fn ends(a: &Action) -> bool {
    matches!(
        a,
        Action::MissionSuspended { .. }
            | Action::MissionClosed { .. }
            | Action::ConsentWithdrawn { .. }
            | Action::AccreditationWithdrawn { who: Who::All, .. }
    )
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

    /// The other side's main operating post to this actor (its embassy or permanent mission,
    /// else an office), or the mission the policy names.
    pub fn counterpart(&self) -> Option<MissionId> {
        Bundle::new(self).theirs(Want::MAIN, self.date)
    }

    /// This actor's own main operating post to the other side.
    pub fn own(&self) -> Option<MissionId> {
        Bundle::new(self).own(Want::MAIN, self.date)
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

    fn statement(&self) -> Body {
        self.signal(Kind::Statement, None)
    }

    /// A summons of the head of the other side's post like `want`, or a protest.
    fn summons(&self, want: Want) -> Body {
        match Bundle::new(self).theirs(want, self.date) {
            Some(m) => self.signal(Kind::AmbassadorSummoned, Some(m)),
            None => self.signal(Kind::Protest, None),
        }
    }

    /// The answer at rung `r` of the [`LADDER`] alone, if it can be taken; otherwise the next
    /// rung up that can, and a statement when none can.
    pub fn ladder(&self, r: usize) -> Body {
        for r in r.min(LADDER.len() - 1)..LADDER.len() {
            match r {
                0 => return self.statement(),
                1 => return self.summons(Want::MAIN),
                _ => {
                    let mut b = Bundle::new(self);
                    if b.raise(r) {
                        return b.body().expect("a rung was added");
                    }
                }
            }
        }
        self.statement()
    }

    /// Mirrors the hostile measures of `trigger` like for like, counts scaled by `k_milli`
    /// thousandths. Measures with nothing to mirror onto are left out; with none left, a
    /// statement. A signal is answered with the same signal.
    pub fn mirror(&self, trigger: &Event, k_milli: u32) -> Body {
        let scale =
            |n: u32| -> u32 { ((u64::from(n) * u64::from(k_milli) + 500) / 1000).max(1) as u32 };
        match &trigger.body {
            Body::Measures { measures, .. } => {
                let mut b = Bundle::new(self);
                for m in measures {
                    b.mirror(trigger, m, &scale);
                }
                b.body().unwrap_or_else(|| self.statement())
            }
            Body::Signal { kind, mission, .. } => match kind {
                Kind::AmbassadorSummoned => {
                    self.summons(mission.map_or(Want::MAIN, |m| Want::of(self.world, m)))
                }
                k => self.signal(*k, None),
            },
            _ => self.statement(),
        }
    }

    /// The reciprocal answer to `trigger` and one rung more: the lowest rung above the move's
    /// that can be added (a signal is answered by the rung above it alone).
    pub fn escalate(&self, trigger: &Event) -> Body {
        let r = rung(self.world, trigger);
        let Body::Measures { measures, .. } = &trigger.body else {
            return self.ladder(r.map_or(1, |r| r + 1));
        };
        let mut b = Bundle::new(self);
        for m in measures {
            b.mirror(trigger, m, &|n| n);
        }
        // Above an expulsion, small or large, the next step is to expel more.
        let start = match r {
            Some(2 | 3) => 3,
            Some(r) => r + 1,
            None => 2,
        };
        for up in start..LADDER.len() {
            if b.raise(up) {
                break;
            }
        }
        b.body().unwrap_or_else(|| self.statement())
    }

    /// Caps the other side's presence at this actor's own, counted on `basis`. The cap covers
    /// what the move covered: all posts for a cap on all posts, the post of the same kind for
    /// a cap on one mission; for other moves, all posts (or with the `mission` basis, the post
    /// of the kind the move acted on). It always comes with a compliance date.
    pub fn parity(&self, trigger: &Event, basis: Basis) -> Body {
        let w = self.world;
        let b = Bundle::new(self);
        let measures: &[Measure] = match &trigger.body {
            Body::Measures { measures, .. } => measures,
            _ => &[],
        };
        let capped = measures.iter().find_map(|m| match &m.action {
            Action::StaffCapSet { scope, .. } => Some(*scope),
            _ => None,
        });
        let acted = measures
            .iter()
            .filter_map(|m| m.action.mission())
            .find(|&m| w.mission(m).sender == self.actor)
            .map_or(Want::MAIN, |m| Want::of(w, m));
        let all_posts = CapScope::Posts {
            sender: self.other,
            host: self.actor,
        };
        let scope = match (capped, basis) {
            (Some(CapScope::Posts { .. }), _) => Some(all_posts),
            (Some(CapScope::Mission(m)), _) => {
                b.theirs(Want::of(w, m), self.date).map(CapScope::Mission)
            }
            (None, Basis::Mission) => b.theirs(acted, self.date).map(CapScope::Mission),
            (None, _) => Some(all_posts),
        };
        let Some(scope) = scope else {
            return self.statement();
        };
        if b.covered(&scope, Counts::Sent, self.date).is_none() {
            return self.statement();
        }
        let operating = |m: MissionId| self.state.mission(m).operating();
        let headcount = |m: MissionId| self.state.mission(m).headcount();
        let posts: u32 = w
            .mission_ids()
            .filter(|&m| {
                let d = w.mission(m);
                d.sender == self.actor
                    && d.receiver == self.other
                    && d.kind != MissionKind::Property
                    && operating(m)
            })
            .map(headcount)
            .sum();
        let own = match basis {
            Basis::Posts => posts,
            Basis::Mission => {
                let want = match scope {
                    CapScope::Mission(m) => Want::of(w, m),
                    CapScope::Posts { .. } => Want::MAIN,
                };
                b.own(want, self.date).map_or(0, headcount)
            }
            Basis::PostsAndOrganisations => {
                posts
                    + w.mission_ids()
                        .filter(|&m| {
                            let d = w.mission(m);
                            d.sender == self.actor
                                && d.territory == self.other
                                && d.receiver != self.other
                                && w.actor(d.receiver).kind == ActorKind::Organisation
                                && operating(m)
                        })
                        .map(headcount)
                        .sum::<u32>()
            }
        };
        Body::Measures {
            bundle: false,
            measures: vec![Measure {
                effective: self.date,
                action: Action::StaffCapSet {
                    scope,
                    limit: Limit::Absolute(own),
                    comply_by: Some(self.depart_by(self.date)),
                    counts: Counts::Sent,
                },
            }],
        }
    }
}

/// An answer being drafted: its measures so far, and what they already use up, so that no
/// measure is aimed at a mission that stops operating by the day it takes effect and no staff,
/// post or request is counted twice.
struct Bundle<'c, 'a> {
    ctx: &'c Ctx<'a>,
    measures: Vec<Measure>,
    taken: Vec<(MissionId, Staff)>,
    abolished: Vec<(MissionId, u32)>,
    denied: Vec<(MissionId, u32)>,
    /// Missions this draft stops operating, and from when.
    ends: Vec<(MissionId, Day)>,
    /// The post each post of the move was answered on, so that measures of the move on one
    /// post are answered on one post too.
    mapped: Vec<(MissionId, MissionId)>,
    broken: Option<Day>,
    frozen: bool,
}

impl<'c, 'a> Bundle<'c, 'a> {
    fn new(ctx: &'c Ctx<'a>) -> Self {
        Bundle {
            ctx,
            measures: Vec::new(),
            taken: Vec::new(),
            abolished: Vec::new(),
            denied: Vec::new(),
            ends: Vec::new(),
            mapped: Vec::new(),
            broken: None,
            frozen: false,
        }
    }

    fn body(self) -> Option<Body> {
        let bundle = self.measures.len() > 1;
        (!self.measures.is_empty()).then_some(Body::Measures {
            bundle,
            measures: self.measures,
        })
    }

    /// The first day `m` stops operating: by a measure already pending, or by this draft.
    fn end_of(&self, m: MissionId) -> Option<Day> {
        let (w, s) = (self.ctx.world, self.ctx.state);
        let d = w.mission(m);
        let between = d.kind != MissionKind::InterestsSection;
        let pending = s.pending.iter().filter_map(|p| {
            let Effect::Measure(planned) = &p.effect else {
                return None;
            };
            match &planned.action {
                a if ends(a) && a.mission() == Some(m) => Some(p.day),
                Action::RelationsBroken { with, .. }
                    if between && pair(p.actor, *with) == pair(d.sender, d.receiver) =>
                {
                    Some(p.day)
                }
                _ => None,
            }
        });
        let here = self
            .ends
            .iter()
            .filter(|(x, _)| *x == m)
            .map(|(_, day)| *day);
        let broken = self.broken.filter(|_| {
            between && pair(d.sender, d.receiver) == pair(self.ctx.actor, self.ctx.other)
        });
        pending.chain(here).chain(broken).min()
    }

    /// True if `m` operates now and is not due to stop operating on or before `eff`.
    fn usable(&self, m: MissionId, eff: Day) -> bool {
        self.ctx.state.mission(m).operating() && self.end_of(m).is_none_or(|end| end > eff)
    }

    /// Anonymous staff in post at `m` that nothing pending and nothing in this draft removes.
    fn free(&self, m: MissionId) -> Staff {
        let ms = self.ctx.state.mission(m);
        let mut f = free_staff(&ms.in_post, &ms.reserved);
        for (x, t) in &self.taken {
            if *x == m {
                for i in 0..4 {
                    f.0[i] -= t.0[i];
                }
            }
        }
        f
    }

    fn available(&self, m: MissionId, category: Category) -> u32 {
        let f = self.free(m);
        match category {
            Category::Unspecified => f.total(),
            c => f.get(c) + f.get(Category::Unspecified),
        }
    }

    /// Sets aside up to `n` staff of `category` at `m`; returns how many.
    fn take(&mut self, m: MissionId, n: u32, category: Category) -> u32 {
        let n = n.min(self.available(m, category));
        if n > 0 {
            let t = take_staff(&self.free(m), n, category).expect("no more than are available");
            self.taken.push((m, t));
        }
        n
    }

    /// The operating post of `sender` to `receiver` that best stands for a post of kind
    /// `want` and still operates after `eff`: like for like first, then the one with the most
    /// staff free, first declared among equals.
    fn pick(&self, sender: ActorId, receiver: ActorId, want: Want, eff: Day) -> Option<MissionId> {
        let w = self.ctx.world;
        w.mission_ids()
            .filter(|&m| {
                let d = w.mission(m);
                d.sender == sender && d.receiver == receiver && self.usable(m, eff)
            })
            .filter_map(|m| {
                fit(want, w, m).map(|a| (a, std::cmp::Reverse(self.free(m).total()), m))
            })
            .min()
            .map(|(_, _, m)| m)
    }

    /// The other side's post a measure meant for a post of kind `want` is aimed at: the one
    /// the policy names (if it still operates then), else the like-for-like one.
    fn theirs(&self, want: Want, eff: Day) -> Option<MissionId> {
        if let Some(m) = self.ctx.mission {
            return self.usable(m, eff).then_some(m);
        }
        self.pick(self.ctx.other, self.ctx.actor, want, eff)
    }

    fn own(&self, want: Want, eff: Day) -> Option<MissionId> {
        self.pick(self.ctx.actor, self.ctx.other, want, eff)
    }

    /// The post a measure of the move on `src` is answered on: the other side's (`theirs`) or
    /// this actor's own post like `src`, the same one as for earlier measures on `src` while it
    /// still operates after `eff` (and, for a staff measure, still has staff of `staff` free).
    fn like(
        &mut self,
        src: MissionId,
        theirs: bool,
        eff: Day,
        staff: Option<Category>,
    ) -> Option<MissionId> {
        let before = self
            .mapped
            .iter()
            .rev()
            .find(|(s, _)| *s == src)
            .map(|&(_, t)| t);
        if let Some(t) = before
            && self.usable(t, eff)
            && staff.is_none_or(|c| self.available(t, c) > 0)
        {
            return Some(t);
        }
        let want = Want::of(self.ctx.world, src);
        let t = if theirs {
            self.theirs(want, eff)
        } else {
            self.own(want, eff)
        }?;
        self.mapped.push((src, t));
        Some(t)
    }

    /// Staff under `scope` a cap counting `counts` counts, if it covers a post that still
    /// operates after `eff`.
    fn covered(&self, scope: &CapScope, counts: Counts, eff: Day) -> Option<u32> {
        let (w, s) = (self.ctx.world, self.ctx.state);
        let any = w
            .mission_ids()
            .any(|m| State::covers(w, scope, m) && self.usable(m, eff));
        any.then(|| s.covered_headcount(w, scope, counts))
    }

    fn push(&mut self, effective: Day, action: Action) {
        if ends(&action)
            && let Some(m) = action.mission()
        {
            self.ends.push((m, effective));
        }
        match action {
            Action::RelationsBroken { .. } => self.broken = Some(effective),
            Action::ContactsFrozen { .. } => self.frozen = true,
            _ => {}
        }
        self.measures.push(Measure { effective, action });
    }

    /// Who a mirrored staff measure concerns at `m`, scaled and within what is free there.
    fn who(
        &mut self,
        m: MissionId,
        who: &Who,
        scale: &dyn Fn(u32) -> u32,
        all: bool,
    ) -> Option<Who> {
        let (n, category) = match who {
            Who::All if all => return Some(Who::All),
            Who::All => (
                self.available(m, Category::Unspecified),
                Category::Unspecified,
            ),
            Who::Count { count, category } => (scale(*count), *category),
            Who::Named(v) => (scale(v.len() as u32), Category::Unspecified),
        };
        let n = self.take(m, n, category);
        (n > 0).then_some(Who::Count { count: n, category })
    }

    /// Adds the like-for-like mirror of one measure of `trigger`, if there is something to
    /// aim it at.
    fn mirror(&mut self, trigger: &Event, m: &Measure, scale: &dyn Fn(u32) -> u32) {
        let c = self.ctx;
        let eff = c.date.plus(m.effective.0 - trigger.date.0);
        let after = |deadline: Day| eff.plus((deadline.0 - m.effective.0).max(0));
        let category = |who: &Who| match who {
            Who::Count { category, .. } => *category,
            _ => Category::Unspecified,
        };
        let action = match &m.action {
            Action::AccreditationWithdrawn {
                mission,
                who,
                depart_by,
            } => self
                .like(*mission, true, eff, Some(category(who)))
                .and_then(|t| {
                    let who = self.who(t, who, scale, true)?;
                    Some(Action::AccreditationWithdrawn {
                        mission: t,
                        who,
                        depart_by: after(*depart_by),
                    })
                }),
            Action::PersonaNonGrata {
                mission,
                who,
                depart_by,
            }
            | Action::DepartureRequired {
                mission,
                who,
                depart_by,
            } => self
                .like(*mission, true, eff, Some(category(who)))
                .and_then(|t| {
                    let who = self.who(t, who, scale, false)?;
                    Some(Action::PersonaNonGrata {
                        mission: t,
                        who,
                        depart_by: after(*depart_by),
                    })
                }),
            Action::StaffRecalled { mission, who } => self
                .like(*mission, false, eff, Some(category(who)))
                .and_then(|t| {
                    let who = self.who(t, who, scale, false)?;
                    Some(Action::StaffRecalled { mission: t, who })
                }),
            Action::PostsAbolished { mission, count } => {
                self.like(*mission, true, eff, None).and_then(|t| {
                    let ms = c.state.mission(t);
                    let used: u32 = self
                        .abolished
                        .iter()
                        .filter(|x| x.0 == t)
                        .map(|x| x.1)
                        .sum();
                    let n = scale(*count).min(ms.vacant - ms.reserved_vacant - used);
                    self.abolished.push((t, n));
                    (n > 0).then_some(Action::PostsAbolished {
                        mission: t,
                        count: n,
                    })
                })
            }
            Action::AccreditationDenied { mission, count } => {
                self.like(*mission, true, eff, None).and_then(|t| {
                    let used: u32 = self.denied.iter().filter(|x| x.0 == t).map(|x| x.1).sum();
                    let n = scale(*count).min(c.state.mission(t).requested - used);
                    self.denied.push((t, n));
                    (n > 0).then_some(Action::AccreditationDenied {
                        mission: t,
                        count: n,
                    })
                })
            }
            Action::StaffCapSet {
                scope,
                limit,
                comply_by,
                counts,
            } => self.cap_like(scope, *counts, *limit, *comply_by, m.effective, eff),
            Action::ConsentWithdrawn { mission, depart_by } => self
                .like(*mission, true, eff, None)
                .map(|t| Action::ConsentWithdrawn {
                    mission: t,
                    depart_by: after(*depart_by),
                }),
            Action::MissionClosed { mission } => self
                .like(*mission, false, eff, None)
                .map(|t| Action::MissionClosed { mission: t }),
            Action::MissionSuspended { mission } => self
                .like(*mission, false, eff, None)
                .map(|t| Action::MissionSuspended { mission: t }),
            Action::RelationsBroken { depart_by, .. } => {
                let broken = c.state.relations_broken(c.actor, c.other) || self.broken.is_some();
                (!broken).then(|| Action::RelationsBroken {
                    with: c.other,
                    depart_by: Some(depart_by.map_or_else(|| c.depart_by(eff), after)),
                })
            }
            Action::ContactsFrozen { .. } => {
                let frozen = self.frozen
                    || c.state
                        .relation(c.actor, c.other)
                        .is_some_and(|r| r.contacts_frozen || r.broken);
                (!frozen).then_some(Action::ContactsFrozen { with: c.other })
            }
            Action::PremisesSeized { mission } => {
                if let Some((t, when)) = self.seizable(Want::of(c.world, *mission), eff) {
                    self.push(when, Action::PremisesSeized { mission: t });
                }
                return;
            }
            _ => None,
        };
        if let Some(a) = action {
            self.push(eff, a);
        }
    }

    /// A cap of the same size over the same scope, on the other side: all of its posts for a
    /// cap on all of this actor's posts, its post of the same kind for a cap on one mission.
    /// A cut by N is taken at the size it leaves; the compliance period is the same.
    /// A cap like the one received, counting the same staff (a ban on local staff answers a
    /// ban on local staff).
    fn cap_like(
        &mut self,
        scope: &CapScope,
        counts: Counts,
        limit: Limit,
        comply_by: Option<Day>,
        from: Day,
        eff: Day,
    ) -> Option<Action> {
        let c = self.ctx;
        // A cut is taken at the size it leaves the posts it cuts.
        let limit = match limit {
            Limit::Absolute(l) => l,
            Limit::ReduceBy(r) => c
                .state
                .covered_headcount(c.world, scope, counts)
                .saturating_sub(r),
        };
        let scope = match *scope {
            CapScope::Posts { sender, host } if sender == c.actor && host == c.other => {
                CapScope::Posts {
                    sender: c.other,
                    host: c.actor,
                }
            }
            CapScope::Posts { .. } => return None,
            CapScope::Mission(m) => CapScope::Mission(self.like(m, true, eff, None)?),
        };
        let h = self.covered(&scope, counts, eff)?;
        let comply_by = match comply_by {
            Some(d) => Some(eff.plus((d.0 - from.0).max(0))),
            None => (limit < h).then(|| c.depart_by(eff)),
        };
        Some(Action::StaffCapSet {
            scope,
            limit: Limit::Absolute(limit),
            comply_by,
            counts,
        })
    }

    /// Premises of the other side's post like the one seized, on this actor's territory, that
    /// can be seized: those of a post no longer operating on `eff`, or from the day a pending
    /// measure stops it.
    fn seizable(&self, want: Want, eff: Day) -> Option<(MissionId, Day)> {
        let c = self.ctx;
        let w = c.world;
        w.mission_ids()
            .filter_map(|m| {
                let d = w.mission(m);
                if d.sender != c.other || d.territory != c.actor {
                    return None;
                }
                let a = fit(want, w, m)?;
                let when = match c.state.mission(m).premises {
                    Premises::Seized => return None,
                    Premises::Protected => eff,
                    Premises::InUse => eff.max(self.end_of(m)?),
                };
                Some((a, when, m))
            })
            .min_by_key(|&(a, when, m)| (a, when, m))
            .map(|(_, when, m)| (m, when))
    }

    /// The largest expulsion by count in the draft: its position, mission, count, category.
    fn expulsion(&self) -> Option<(usize, MissionId, u32, Category)> {
        self.measures
            .iter()
            .enumerate()
            .filter_map(|(i, m)| match &m.action {
                Action::AccreditationWithdrawn {
                    mission,
                    who: Who::Count { count, category },
                    ..
                }
                | Action::PersonaNonGrata {
                    mission,
                    who: Who::Count { count, category },
                    ..
                } => Some((i, *mission, *count, *category)),
                _ => None,
            })
            .max_by_key(|&(i, _, n, _)| (n, std::cmp::Reverse(i)))
    }

    /// Adds an expulsion of `n` from the other side's main post, if it has at least
    /// `at_least` free.
    fn expel(&mut self, n: u32, at_least: u32) -> bool {
        let c = self.ctx;
        let Some(m) = self.theirs(Want::MAIN, c.date) else {
            return false;
        };
        if self.available(m, Category::Unspecified) < at_least {
            return false;
        }
        let n = self.take(m, n, Category::Unspecified);
        self.push(
            c.date,
            Action::AccreditationWithdrawn {
                mission: m,
                who: Who::Count {
                    count: n,
                    category: Category::Unspecified,
                },
                depart_by: c.depart_by(c.date),
            },
        );
        true
    }

    /// Adds the measure of rung `r` of the [`LADDER`] on top of what the draft holds, if it
    /// can be taken; see docs/counterfactuals.md for what each rung adds.
    fn raise(&mut self, r: usize) -> bool {
        let c = self.ctx;
        let now = c.date;
        match r {
            // An expulsion, when the answer expels nobody yet.
            2 => self.expulsion().is_none() && self.expel(SMALL_EXPULSION, 1),
            // More expelled than the move expelled: half as many again, at least 3.
            3 => match self.expulsion() {
                Some((i, m, n, category)) => {
                    let target = (n + n.div_ceil(2)).max(SMALL_EXPULSION + 1);
                    let extra = self.take(m, target - n.min(target), category);
                    if extra == 0 {
                        return false;
                    }
                    if let Action::AccreditationWithdrawn {
                        who: Who::Count { count, .. },
                        ..
                    }
                    | Action::PersonaNonGrata {
                        who: Who::Count { count, .. },
                        ..
                    } = &mut self.measures[i].action
                    {
                        *count += extra;
                    }
                    true
                }
                None => self.expel(SMALL_EXPULSION + 1, SMALL_EXPULSION + 1),
            },
            // A cap that removes staff: half of those the answer leaves at the main post.
            4 => {
                let Some(m) = self.theirs(Want::MAIN, now) else {
                    return false;
                };
                let free = self.free(m).total();
                let limit = free / 2;
                let capped = self.measures.iter().any(|x| {
                    matches!(x.action, Action::StaffCapSet { scope: CapScope::Mission(y), .. } if y == m)
                });
                if free < 2 || capped || c.state.cap_of(c.world, m).is_some_and(|l| l <= limit) {
                    return false;
                }
                self.push(
                    now,
                    Action::StaffCapSet {
                        scope: CapScope::Mission(m),
                        limit: Limit::Absolute(limit),
                        comply_by: Some(c.depart_by(now)),
                        counts: Counts::Sent,
                    },
                );
                true
            }
            // A consulate or office closed: one the answer does not act on yet, the largest.
            5 => {
                let w = c.world;
                let pick = w
                    .mission_ids()
                    .filter(|&m| {
                        let d = w.mission(m);
                        d.sender == c.other
                            && d.receiver == c.actor
                            && matches!(class(d.kind), Class::Consular | Class::Office)
                            && self.usable(m, now)
                    })
                    .min_by_key(|&m| {
                        (
                            self.measures.iter().any(|x| x.action.mission() == Some(m)),
                            std::cmp::Reverse(c.state.mission(m).headcount()),
                            m,
                        )
                    });
                let Some(m) = pick else { return false };
                self.push(
                    now,
                    Action::ConsentWithdrawn {
                        mission: m,
                        depart_by: c.depart_by(now),
                    },
                );
                true
            }
            // One's own main mission suspended.
            6 => {
                let Some(m) = self.own(Want::MAIN, now) else {
                    return false;
                };
                self.push(now, Action::MissionSuspended { mission: m });
                true
            }
            // Relations broken.
            7 => {
                if c.state.relations_broken(c.actor, c.other) || self.broken.is_some() {
                    return false;
                }
                self.push(
                    now,
                    Action::RelationsBroken {
                        with: c.other,
                        depart_by: Some(c.depart_by(now)),
                    },
                );
                true
            }
            _ => false,
        }
    }
}

/// What an adoption of a held proposal amounts to: the proposal's measures, announced on the
/// day of the adoption by its author (a measure due before that day takes effect on it, as the
/// core schedules it). `None` for any other event, or a proposal `state` does not hold.
pub fn adopted(state: &State, e: &Event) -> Option<Event> {
    let Body::ProposalAdopted { proposal } = e.body else {
        return None;
    };
    let held = state.proposals.iter().find(|p| p.seq == proposal)?;
    let measures: Vec<Measure> = held
        .measures
        .iter()
        .map(|m| Measure {
            effective: m.effective.max(e.date),
            action: m.action.clone(),
        })
        .collect();
    Some(Event {
        date: e.date,
        notified: e.notified,
        actor: e.actor,
        in_response_to: e.in_response_to.clone(),
        proposed: false,
        body: Body::Measures {
            bundle: measures.len() > 1,
            measures,
        },
    })
}

/// The Goldstein weight an event adds to the escalation score: nothing for a proposal (it may
/// be overruled or withdrawn), the adopted measures' for its adoption (`adopted`, from
/// [`adopted`]), the event's own otherwise.
pub fn weight_of(e: &Event, adopted: Option<&Event>) -> Option<f32> {
    if e.proposed {
        return None;
    }
    match adopted {
        Some(a) => a.goldstein(),
        None => e.goldstein(),
    }
}

/// Drafts the answer of `ctx.actor` to `trigger` (accepted as sequence `answers`), as drawn.
pub fn draft(ctx: &Ctx, trigger: &Event, answers: Seq, draw: &Draw) -> Option<Event> {
    let meant = match draw.respond {
        Respond::Nothing => return None,
        Respond::Reciprocal => ctx.mirror(trigger, 1000),
        Respond::Proportional { k_milli } => ctx.mirror(trigger, k_milli),
        Respond::Parity { basis } => ctx.parity(trigger, basis),
        Respond::Escalate => ctx.escalate(trigger),
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
    let r = rung(ctx.world, &probe).unwrap_or(0);
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
