//! Events: what an actor announced, and the catalogue of every kind with its codes.
//!
//! An [`Event`] carries only numbers (dense ids, days); its text id, source and notes live in
//! the scenario or log that holds it. Every kind is listed in [`Kind::ALL`] with its CAMEO
//! code, Goldstein weight and PLOVER category, who may issue it and what it does; docs/events.md
//! is generated from that table and a test keeps the two in step.

use super::day::Day;
use super::world::{ActorId, MissionId, PersonId, Seq};
use serde::{Deserialize, Serialize};

/// A staff category, as VCDR article 1 sorts members of a mission.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Category {
    Diplomatic,
    AdministrativeTechnical,
    Service,
    /// The source gives a count but not the category.
    Unspecified,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::Diplomatic,
        Category::AdministrativeTechnical,
        Category::Service,
        Category::Unspecified,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Category::Diplomatic => "diplomatic",
            Category::AdministrativeTechnical => "administrative-technical",
            Category::Service => "service",
            Category::Unspecified => "unspecified",
        }
    }

    pub fn from_key(key: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.key() == key)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Anonymous staff counts, one per [`Category`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct Staff(pub [u32; 4]);

impl Staff {
    pub fn total(&self) -> u32 {
        self.0.iter().sum()
    }

    pub fn of(category: Category, count: u32) -> Staff {
        let mut s = Staff::default();
        s.0[category.index()] = count;
        s
    }

    pub fn get(&self, category: Category) -> u32 {
        self.0[category.index()]
    }
}

/// Which staff a cap counts. Locally employed staff (nationals or residents of the host, or
/// third-country nationals, hired by the mission where it stands) are not members the sender
/// sends: a cap counts them only where the source says it does. A cap may also count one
/// category of staff sent (8 diplomats and, by a second cap, 15 others).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Counts {
    /// Staff the sender sends (every [`Category`]); the default.
    #[default]
    Sent,
    /// Staff sent and staff employed locally together.
    All,
    /// Locally employed staff only: a cap on hiring locally, or a ban at 0.
    Local,
    /// Diplomatic staff sent only.
    Diplomatic,
    /// Administrative and technical staff sent only.
    AdministrativeTechnical,
    /// Service staff sent only.
    Service,
}

impl Counts {
    pub const ALL: [Counts; 6] = [
        Counts::Sent,
        Counts::All,
        Counts::Local,
        Counts::Diplomatic,
        Counts::AdministrativeTechnical,
        Counts::Service,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Counts::Sent => "sent",
            Counts::All => "all",
            Counts::Local => "locally-employed",
            other => other.only().expect("a category").key(),
        }
    }

    pub fn from_key(key: &str) -> Option<Counts> {
        Counts::ALL.into_iter().find(|c| c.key() == key)
    }

    /// The one category of staff sent the cap counts, for a cap on one category. Staff of no
    /// known category (`unspecified`) are not counted by such a cap.
    pub fn only(self) -> Option<Category> {
        match self {
            Counts::Diplomatic => Some(Category::Diplomatic),
            Counts::AdministrativeTechnical => Some(Category::AdministrativeTechnical),
            Counts::Service => Some(Category::Service),
            Counts::Sent | Counts::All | Counts::Local => None,
        }
    }

    /// True when the cap counts staff sent by the sender (all of them, or one category).
    pub fn sent(self) -> bool {
        self != Counts::Local
    }

    /// True when the cap counts locally employed staff.
    pub fn local(self) -> bool {
        matches!(self, Counts::All | Counts::Local)
    }

    /// True when the cap counts every staff member sent, not one category only.
    pub fn whole(self) -> bool {
        matches!(self, Counts::Sent | Counts::All)
    }

    /// How many of these anonymous staff sent (`staff`) and named members (their categories,
    /// `persons`) the cap counts.
    pub fn of_sent(self, staff: &Staff, persons: impl IntoIterator<Item = Category>) -> u32 {
        match self.only() {
            _ if self == Counts::Local => 0,
            None => staff.total() + persons.into_iter().count() as u32,
            Some(c) => staff.get(c) + persons.into_iter().filter(|p| *p == c).count() as u32,
        }
    }
}

/// Who a staff measure concerns.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Who {
    /// A number of anonymous staff of one category. For removals, a specific category is taken
    /// from that category first and then from `Unspecified`; `Unspecified` is taken from
    /// `Unspecified` first, then diplomatic, administrative-technical, service.
    Count { count: u32, category: Category },
    /// Named members.
    Named(Vec<PersonId>),
    /// Every member of the mission: for accreditation withdrawn, this ends the mission.
    All,
}

/// The size a staff cap allows.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Limit {
    /// At most this many staff in post.
    Absolute(u32),
    /// This many fewer than are in post when the cap is announced (parity demands are often
    /// reported as a cut, not a size).
    ReduceBy(u32),
}

/// What a staff cap covers.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, PartialOrd, Ord)]
pub enum CapScope {
    /// One mission.
    Mission(MissionId),
    /// Every operating post of `sender` whose receiving side is `host` (the US cap of 455 in
    /// 2017 covered Russia's embassy and consulates).
    Posts { sender: ActorId, host: ActorId },
}

/// One measure of a decision, with the day it takes effect.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Measure {
    /// First day the measure holds. Equal to the announcement day unless deferred.
    pub effective: Day,
    pub action: Action,
}

/// What a measure does. One variant per measure kind of the catalogue.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Action {
    AccreditationRequested {
        mission: MissionId,
        count: u32,
    },
    AccreditationGranted {
        mission: MissionId,
        who: Who,
    },
    AccreditationDenied {
        mission: MissionId,
        count: u32,
    },
    AccreditationWithdrawn {
        mission: MissionId,
        who: Who,
        depart_by: Day,
    },
    PersonaNonGrata {
        mission: MissionId,
        who: Who,
        depart_by: Day,
    },
    /// The state where a mission to an organisation stands requires members to leave (under a
    /// headquarters agreement, as the United States did with Russia's mission to the UN).
    DepartureRequired {
        mission: MissionId,
        who: Who,
        depart_by: Day,
    },
    StaffRecalled {
        mission: MissionId,
        who: Who,
    },
    StaffDeparted {
        mission: MissionId,
        who: Who,
    },
    PostsAbolished {
        mission: MissionId,
        count: u32,
    },
    StaffCapSet {
        scope: CapScope,
        limit: Limit,
        comply_by: Option<Day>,
        counts: Counts,
    },
    /// The cap in force on this scope that counts `counts` is removed.
    CapLifted {
        scope: CapScope,
        counts: Counts,
    },
    /// The sender hires staff locally at one of its missions.
    LocalStaffHired {
        mission: MissionId,
        count: u32,
    },
    /// The sender lets locally employed staff go.
    LocalStaffDismissed {
        mission: MissionId,
        count: u32,
    },
    MissionOpened {
        mission: MissionId,
    },
    MissionSuspended {
        mission: MissionId,
    },
    MissionClosed {
        mission: MissionId,
    },
    MissionReopened {
        mission: MissionId,
    },
    ConsentWithdrawn {
        mission: MissionId,
        depart_by: Day,
    },
    ConsentGranted {
        mission: MissionId,
    },
    RelationsBroken {
        with: ActorId,
        /// Last day for staff of the missions it closes to leave; without it they leave with
        /// their missions at once.
        depart_by: Option<Day>,
    },
    RelationsEstablished {
        with: ActorId,
    },
    ContactsFrozen {
        with: ActorId,
    },
    PremisesSeized {
        mission: MissionId,
    },
    ChannelDesignated {
        with: ActorId,
        via: MissionId,
    },
    /// A removal over every operating post of `sender` whose receiving side is `host`, when
    /// the source gives a number but no split by post (the United States expelling 60 Russian
    /// diplomats from the embassy and consulates in 2018). Decide allocates it to posts by
    /// [`POSTS_ALLOCATION_RULE`](super::decide::POSTS_ALLOCATION_RULE), one fact per post.
    RemovalFromPosts {
        sender: ActorId,
        host: ActorId,
        removal: Removal,
        count: u32,
        category: Category,
    },
    /// The sender moves staff in post from one of its posts to another in the same host.
    StaffMoved {
        from: MissionId,
        to: MissionId,
        who: Who,
    },
    /// The sender closes `mission` and its staff in post move to `to`, another of its posts in
    /// the same host (a consulate's staff to the embassy), instead of leaving.
    MissionClosedMovingStaff {
        mission: MissionId,
        to: MissionId,
    },
}

/// Which removal a [`Action::RemovalFromPosts`] is.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Removal {
    PersonaNonGrata { depart_by: Day },
    AccreditationWithdrawn { depart_by: Day },
    StaffRecalled,
}

impl Removal {
    pub fn kind(self) -> Kind {
        match self {
            Removal::PersonaNonGrata { .. } => Kind::PersonaNonGrata,
            Removal::AccreditationWithdrawn { .. } => Kind::AccreditationWithdrawn,
            Removal::StaffRecalled => Kind::StaffRecalled,
        }
    }

    /// The departure deadline, for the removals that have one.
    pub fn depart_by(self) -> Option<Day> {
        match self {
            Removal::PersonaNonGrata { depart_by }
            | Removal::AccreditationWithdrawn { depart_by } => Some(depart_by),
            Removal::StaffRecalled => None,
        }
    }
}

impl Action {
    pub fn kind(&self) -> Kind {
        match self {
            Action::AccreditationRequested { .. } => Kind::AccreditationRequested,
            Action::AccreditationGranted { .. } => Kind::AccreditationGranted,
            Action::AccreditationDenied { .. } => Kind::AccreditationDenied,
            Action::AccreditationWithdrawn { .. } => Kind::AccreditationWithdrawn,
            Action::PersonaNonGrata { .. } => Kind::PersonaNonGrata,
            Action::DepartureRequired { .. } => Kind::DepartureRequired,
            Action::CapLifted { .. } => Kind::CapLifted,
            Action::StaffRecalled { .. } => Kind::StaffRecalled,
            Action::StaffDeparted { .. } => Kind::StaffDeparted,
            Action::PostsAbolished { .. } => Kind::PostsAbolished,
            Action::StaffCapSet { .. } => Kind::StaffCapSet,
            Action::MissionOpened { .. } => Kind::MissionOpened,
            Action::MissionSuspended { .. } => Kind::MissionSuspended,
            Action::MissionClosed { .. } => Kind::MissionClosed,
            Action::MissionReopened { .. } => Kind::MissionReopened,
            Action::ConsentWithdrawn { .. } => Kind::ConsentWithdrawn,
            Action::ConsentGranted { .. } => Kind::ConsentGranted,
            Action::RelationsBroken { .. } => Kind::RelationsBroken,
            Action::RelationsEstablished { .. } => Kind::RelationsEstablished,
            Action::ContactsFrozen { .. } => Kind::ContactsFrozen,
            Action::PremisesSeized { .. } => Kind::PremisesSeized,
            Action::ChannelDesignated { .. } => Kind::ChannelDesignated,
            Action::RemovalFromPosts { removal, .. } => removal.kind(),
            Action::StaffMoved { .. } => Kind::StaffMoved,
            Action::MissionClosedMovingStaff { .. } => Kind::MissionClosed,
            Action::LocalStaffHired { .. } => Kind::LocalStaffHired,
            Action::LocalStaffDismissed { .. } => Kind::LocalStaffDismissed,
        }
    }

    /// The mission this measure acts on, if it acts on one.
    pub fn mission(&self) -> Option<MissionId> {
        match *self {
            Action::AccreditationRequested { mission, .. }
            | Action::AccreditationGranted { mission, .. }
            | Action::AccreditationDenied { mission, .. }
            | Action::AccreditationWithdrawn { mission, .. }
            | Action::PersonaNonGrata { mission, .. }
            | Action::DepartureRequired { mission, .. }
            | Action::StaffRecalled { mission, .. }
            | Action::StaffDeparted { mission, .. }
            | Action::PostsAbolished { mission, .. }
            | Action::MissionOpened { mission }
            | Action::MissionSuspended { mission }
            | Action::MissionClosed { mission }
            | Action::MissionReopened { mission }
            | Action::ConsentWithdrawn { mission, .. }
            | Action::ConsentGranted { mission }
            | Action::PremisesSeized { mission }
            | Action::MissionClosedMovingStaff { mission, .. }
            | Action::LocalStaffHired { mission, .. }
            | Action::LocalStaffDismissed { mission, .. }
            | Action::StaffMoved { from: mission, .. } => Some(mission),
            Action::StaffCapSet {
                scope: CapScope::Mission(mission),
                ..
            }
            | Action::CapLifted {
                scope: CapScope::Mission(mission),
                ..
            } => Some(mission),
            Action::ChannelDesignated { via, .. } => Some(via),
            _ => None,
        }
    }
}

/// The tone of a statement, which picks its CAMEO code.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Tone {
    Neutral,
    Pessimistic,
    Optimistic,
}

impl Tone {
    pub fn key(self) -> &'static str {
        match self {
            Tone::Neutral => "neutral",
            Tone::Pessimistic => "pessimistic",
            Tone::Optimistic => "optimistic",
        }
    }
}

/// What a demand, threat or ultimatum says will follow, as far as the source reports it: a
/// cap on the target's staff (`cap = N` demanded), the kind of measure threatened, or both. A
/// later measure of the same actor against the target can be checked against it
/// ([`Threat::matches`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, Default)]
pub struct Threat {
    pub cap: Option<u32>,
    pub measure: Option<Kind>,
}

/// The kinds of signal that may say what they demand or threaten.
pub const THREAT_KINDS: [Kind; 3] = [
    Kind::Demand,
    Kind::CountermeasuresThreatened,
    Kind::Ultimatum,
];

impl Threat {
    /// Whether `measures` carry out this threat: a measure of the kind threatened, and a cap
    /// whose limit is the one demanded (given as a limit, not as a cut). `None` when the threat
    /// says nothing to check.
    pub fn matches(&self, measures: &[Measure]) -> Option<bool> {
        if self.cap.is_none() && self.measure.is_none() {
            return None;
        }
        let kind_ok = self
            .measure
            .is_none_or(|k| measures.iter().any(|m| m.action.kind() == k));
        let cap_ok = self.cap.is_none_or(|n| {
            measures.iter().any(|m| {
                matches!(
                    m.action,
                    Action::StaffCapSet {
                        limit: Limit::Absolute(l),
                        ..
                    } if l == n
                )
            })
        });
        Some(kind_ok && cap_ok)
    }

    /// The threat in words, as a scenario writes it.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(n) = self.cap {
            parts.push(format!("cap = {n}"));
        }
        if let Some(k) = self.measure {
            parts.push(format!("measure = {}", k.key()));
        }
        parts.join(", ")
    }
}

/// Why pending measures did not happen.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Cancellation {
    /// The issuing actor withdrew them.
    Withdrawn,
    /// A higher authority of the same actor overruled them (Russia, 2016: the president declined
    /// the foreign ministry's proposal).
    Overruled,
}

/// What an event says or does.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Body {
    /// Measures announced together. `bundle` is false for a single measure written as its own
    /// kind, true for a `countermeasures` decision (which may also hold just one measure).
    Measures {
        bundle: bool,
        measures: Vec<Measure>,
    },
    /// A stance, accusation, protest, demand or threat: recorded, no effect on any mission. A
    /// demand, threat or ultimatum may say what it demands or threatens (`threat`).
    Signal {
        kind: Kind,
        target: ActorId,
        mission: Option<MissionId>,
        tone: Tone,
        threat: Option<Threat>,
    },
    /// What a source reports a mission's staff to be on this day; it reconciles counts that
    /// changed through moves nobody recorded (rotations, unfilled posts).
    StaffReported {
        mission: MissionId,
        in_post: Staff,
        vacant: u32,
    },
    /// A held proposal is adopted: its measures are checked now and scheduled.
    ProposalAdopted { proposal: Seq },
    /// Measures not yet in effect (or held proposals) of the events `of` will not happen: one
    /// decision may overrule several proposals.
    MeasuresCancelled { of: Vec<Seq>, how: Cancellation },
}

/// One announced diplomatic event.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Event {
    /// The day it was announced. Never earlier than the event before it in the log.
    pub date: Day,
    /// The day the other side was formally notified (VCDR 10, rule R6), if known to have been.
    pub notified: Option<Day>,
    /// Who announced it.
    pub actor: ActorId,
    /// The earlier events this one answers.
    pub in_response_to: Vec<Seq>,
    /// A proposal: its measures are held until adopted or cancelled.
    pub proposed: bool,
    pub body: Body,
}

impl Event {
    /// The kind shown for this event.
    pub fn kind(&self) -> Kind {
        match &self.body {
            Body::Measures { bundle: true, .. } => Kind::Countermeasures,
            Body::Measures { measures, .. } => measures
                .first()
                .map_or(Kind::Countermeasures, |m| m.action.kind()),
            Body::Signal { kind, .. } => *kind,
            Body::StaffReported { .. } => Kind::StaffReported,
            Body::ProposalAdopted { .. } => Kind::ProposalAdopted,
            Body::MeasuresCancelled { .. } => Kind::MeasuresCancelled,
        }
    }

    /// The CAMEO code of this event: its kind's, refined by a statement's tone, or for a bundle
    /// that of its most conflictual measure. Conflictual measures that are only proposed, or
    /// all take effect after the announcement, are coded 1313 (a threat), as the CAMEO
    /// codebook codes acts announced in the future tense.
    pub fn cameo(&self) -> Option<&'static str> {
        self.codes().0
    }

    /// The Goldstein weight of this event (see [`Event::cameo`]).
    pub fn goldstein(&self) -> Option<f32> {
        self.codes().1
    }

    fn codes(&self) -> (Option<&'static str>, Option<f32>) {
        match &self.body {
            Body::Signal {
                kind: Kind::Statement,
                tone,
                ..
            } => match tone {
                Tone::Neutral => (Some("010"), Some(0.0)),
                Tone::Pessimistic => (Some("012"), Some(-0.4)),
                Tone::Optimistic => (Some("013"), Some(0.4)),
            },
            Body::Measures { measures, .. } => {
                let coded = || {
                    measures
                        .iter()
                        .filter(|m| m.action.kind().info().goldstein.is_some())
                };
                let worst = coded()
                    .map(|m| m.action.kind().info())
                    .min_by(|a, b| a.goldstein.partial_cmp(&b.goldstein).unwrap());
                // CAMEO codes a conflictual act announced for the future (or only proposed) as a
                // threat to reduce or break relations, not as the act.
                let future = self.proposed || coded().all(|m| m.effective > self.date);
                match worst {
                    Some(i) if future && i.goldstein.is_some_and(|g| g < 0.0) => {
                        (Some("1313"), Some(-5.8))
                    }
                    Some(i) => (i.cameo, i.goldstein),
                    None => (None, None),
                }
            }
            _ => {
                let i = self.kind().info();
                (i.cameo, i.goldstein)
            }
        }
    }
}

/// Who may issue an event kind.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Issuer {
    /// The mission's sending actor.
    Sender,
    /// The mission's receiving side: the host state, or the organisation it is accredited to.
    Receiver,
    /// The state on whose territory the premises stand.
    Territory,
    /// Either of the two actors concerned.
    Party,
    /// Any actor.
    Anyone,
    /// The actor that issued the referenced event.
    Author,
}

impl Issuer {
    pub fn describe(self) -> &'static str {
        match self {
            Issuer::Sender => "sending side",
            Issuer::Receiver => "receiving side",
            Issuer::Territory => "state of the premises",
            Issuer::Party => "either party",
            Issuer::Anyone => "any actor",
            Issuer::Author => "author of the referenced event",
        }
    }
}

/// A catalogue entry.
#[derive(Clone, Copy, Debug)]
pub struct KindInfo {
    pub key: &'static str,
    pub cameo: Option<&'static str>,
    pub goldstein: Option<f32>,
    /// PLOVER category and mode, as "CATEGORY: mode".
    pub plover: Option<&'static str>,
    /// True where the mapping is this project's choice rather than the ontology table in
    /// shared sources (event-ontologies.md).
    pub mapped_by_project: bool,
    pub issuer: Issuer,
    /// The scenario fields, beyond the common ones.
    pub fields: &'static str,
    pub effect: &'static str,
}

macro_rules! kinds {
    ($( $variant:ident => $key:literal, $cameo:expr, $gold:expr, $plover:expr, $ours:expr, $issuer:ident,
        $fields:literal, $effect:literal; )*) => {
        /// Every event kind. Measure kinds first, then the others.
        #[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, Serialize, Deserialize, PartialOrd, Ord)]
        pub enum Kind { $($variant),* }

        impl Kind {
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            pub fn info(self) -> KindInfo {
                match self {
                    $(Kind::$variant => KindInfo {
                        key: $key,
                        cameo: $cameo,
                        goldstein: $gold,
                        plover: $plover,
                        mapped_by_project: $ours,
                        issuer: Issuer::$issuer,
                        fields: $fields,
                        effect: $effect,
                    }),*
                }
            }
        }
    };
}

kinds! {
    AccreditationRequested => "accreditation-requested", Some("020"), Some(3.0), Some("REQUEST"), true, Sender,
        "mission, count",
        "adds count to the mission's pending accreditation requests";
    AccreditationGranted => "accreditation-granted", Some("050"), Some(3.5), Some("COOPERATE"), true, Receiver,
        "mission, count + category | persons",
        "staff take up post, filling vacant posts first; consumes pending requests; never above a cap in force (R5)";
    AccreditationDenied => "accreditation-denied", Some("120"), Some(-4.0), Some("REJECT"), true, Receiver,
        "mission, count",
        "removes count pending requests; no reason is required (R2, R3)";
    AccreditationWithdrawn => "accreditation-withdrawn", Some("161"), Some(-4.0), Some("SANCTION: expel"), false, Receiver,
        "mission | (sender, host), count + category | persons | all = true, depart_by",
        "staff lose accreditation and must leave by depart_by (R3); with all = true the mission ends; with sender and host, a count over all the sender's posts there, allocated by decide";
    PersonaNonGrata => "persona-non-grata", Some("161"), Some(-4.0), Some("SANCTION: expel"), false, Receiver,
        "mission | (sender, host), count + category | persons, depart_by",
        "members declared unwelcome must leave by depart_by; past it they lose member status (R3, R4, R12); with sender and host, a count over all the sender's posts there, allocated by decide";
    DepartureRequired => "departure-required", Some("161"), Some(-4.0), Some("SANCTION: expel"), true, Territory,
        "mission (to an organisation), count + category | persons, depart_by",
        "the state where a mission to an organisation stands requires members to leave under its headquarters agreement; as persona non grata";
    StaffRecalled => "staff-recalled", Some("161"), Some(-4.0), Some("SANCTION: withdraw"), false, Sender,
        "mission | (sender, host), count + category | persons",
        "the sender withdraws staff in post; their posts stay vacant (not above a cap); with sender and host, a count over all its posts there, allocated by decide";
    StaffDeparted => "staff-departed", None, None, None, true, Sender,
        "mission, count | persons | all = true",
        "staff whose accreditation ended leave before their deadline (R7, R8: no event may block it)";
    PostsAbolished => "posts-abolished", Some("161"), Some(-4.0), Some("SANCTION: discontinue"), true, Receiver,
        "mission, count",
        "removes vacant posts";
    StaffCapSet => "staff-cap-set", Some("161"), Some(-4.0), Some("SANCTION: discontinue"), false, Receiver,
        "mission | (sender, host), limit | reduce_by, comply_by, counts = sent | all | locally-employed | diplomatic | administrative-technical | service (optional)",
        "sets the maximum staff in post; below the headcount the mission is over cap until comply_by, after which the excess must have left (R5); `counts` says which staff the cap counts: those sent (the default), those sent and those employed locally, locally employed staff only (`limit = 0`: a ban on employing local staff, R13), or staff sent of one category (one cap per category)";
    CapLifted => "cap-lifted", Some("081"), Some(5.0), Some("CONCEDE"), true, Receiver,
        "mission | (sender, host), counts (optional)",
        "removes the cap in force on that scope that counts those staff (a mission over it is no longer over cap)";
    MissionOpened => "mission-opened", Some("054"), Some(6.0), Some("SUPPORT"), true, Sender,
        "mission",
        "a declared mission that was not open starts operating (R1: not while relations are broken)";
    MissionSuspended => "mission-suspended", Some("161"), Some(-4.0), Some("SANCTION: withdraw"), false, Sender,
        "mission",
        "the mission stops working: staff leave, channels through it close, premises protected (R9)";
    MissionClosed => "mission-closed", Some("161"), Some(-4.0), Some("SANCTION: withdraw"), false, Sender,
        "mission, move_to (optional)",
        "as suspended, and only reopening may follow; with move_to (another operating post of the sender in the same host), its staff in post move there instead of leaving";
    MissionReopened => "mission-reopened", Some("054"), Some(6.0), Some("SUPPORT"), true, Sender,
        "mission",
        "a suspended or closed mission operates again (R1: relations not broken, consent not withdrawn)";
    ConsentWithdrawn => "consent-withdrawn", Some("161"), Some(-4.0), Some("SANCTION: expel"), false, Receiver,
        "mission, depart_by",
        "the receiving side ends a consulate or office (R12): it closes and its staff must leave";
    ConsentGranted => "consent-granted", Some("054"), Some(6.0), Some("SUPPORT"), true, Receiver,
        "mission",
        "the receiving side again consents to a mission it had ended, so it may reopen";
    RelationsBroken => "relations-broken", Some("161"), Some(-4.0), Some("SANCTION: discontinue"), false, Party,
        "with, depart_by (optional)",
        "closes every mission between the two except interests sections (R9); their staff leave by depart_by, or at once without it (R8)";
    RelationsEstablished => "relations-established", Some("054"), Some(6.0), Some("SUPPORT"), false, Party,
        "with",
        "restores relations (and lifts a freeze on contacts)";
    ContactsFrozen => "contacts-frozen", Some("160"), Some(-4.0), Some("SANCTION: discontinue"), true, Party,
        "with",
        "high-level contacts between the two are suspended; missions keep working";
    PremisesSeized => "premises-seized", Some("1711"), Some(-9.2), Some("COERCE: seize"), false, Territory,
        "mission",
        "the only way protected premises stop being protected (R9)";
    ChannelDesignated => "channel-designated", None, None, None, false, Party,
        "with, via",
        "names a mission through which two actors may talk; it closes with that mission";
    StaffMoved => "staff-moved", None, None, None, true, Sender,
        "from, to, count + category | persons",
        "the sender moves staff in post between two of its operating posts in the same host; they take their posts with them, filling vacant posts at `to` first; never above a cap on `to` (R5)";
    LocalStaffHired => "local-staff-hired", None, None, None, true, Sender,
        "mission, count",
        "the sender employs count more staff locally at an operating mission; never above a cap that counts locally employed staff (R13)";
    LocalStaffDismissed => "local-staff-dismissed", None, None, None, true, Sender,
        "mission, count",
        "the sender lets count of the mission's locally employed staff go, also at a suspended mission, which keeps them until then (R13)";
    Countermeasures => "countermeasures", None, None, None, false, Anyone,
        "measures = [...] (each a measure kind above, with its own effective date)",
        "several measures announced as one decision; codes are those of its measures";
    Statement => "statement", Some("010"), Some(0.0), None, false, Anyone,
        "target, tone = neutral | pessimistic (012) | optimistic (013)",
        "records a stance; changes no mission";
    Accusation => "accusation", Some("1125"), Some(-2.0), Some("ACCUSE"), false, Anyone,
        "target",
        "records an accusation (of espionage, say); changes no mission";
    Protest => "protest", Some("114"), Some(-2.0), Some("ACCUSE: disapprove"), false, Anyone,
        "target",
        "records a protest; changes no mission";
    AmbassadorSummoned => "ambassador-summoned", Some("114"), Some(-2.0), Some("ACCUSE: disapprove"), false, Receiver,
        "mission",
        "the receiving side summons the head of a mission; changes no mission";
    Demand => "demand", Some("100"), Some(-5.0), Some("REQUEST"), false, Anyone,
        "target, cap (optional), measure (optional)",
        "records a demand (`cap = N`: the staff cap demanded; `measure = kind`: the measure that will follow); changes no mission";
    CountermeasuresThreatened => "countermeasures-threatened", Some("1313"), Some(-5.8), Some("THREATEN"), false, Anyone,
        "target, cap (optional), measure (optional)",
        "announces that measures will follow; `measure = kind` names the measure threatened, `cap = N` the cap; the timeline says whether a later measure of the actor against the target matches";
    Ultimatum => "ultimatum", Some("139"), Some(-7.0), Some("THREATEN"), false, Anyone,
        "target, cap (optional), measure (optional)",
        "records an ultimatum, with what it demands (`cap = N`) or threatens (`measure = kind`); changes no mission";
    SanctionsImposed => "sanctions-imposed", Some("163"), Some(-8.0), Some("SANCTION"), false, Anyone,
        "target",
        "records sanctions, an embargo or a boycott imposed on the target; changes no mission, but policies may answer it";
    LawPassed => "law-passed", Some("172"), Some(-5.0), Some("COERCE: restrict"), true, Anyone,
        "target",
        "records a law aimed at the target's agents, media or organisations (a foreign-agents law), coded as administrative sanctions; changes no mission";
    AttackAttributed => "attack-attributed", Some("1123"), Some(-2.0), Some("ACCUSE: disapprove"), true, Anyone,
        "target",
        "records that the actor attributes an attack or a poisoning to the target, coded as an accusation of aggression (the attack itself is not coded); changes no mission";
    StaffReported => "staff-reported", None, None, None, true, Anyone,
        "mission, in_post (count or by category), vacant",
        "a source's count of a mission's staff on this day replaces the modelled one";
    ProposalAdopted => "proposal-adopted", None, None, None, true, Author,
        "proposal",
        "a held proposal's measures are checked and scheduled";
    MeasuresCancelled => "measures-cancelled", None, None, None, true, Author,
        "of (one event or a list), how = withdrawn | overruled",
        "measures of earlier events that had not yet taken effect (or held proposals) will not happen; one decision may name several";
}

impl Kind {
    pub fn key(self) -> &'static str {
        self.info().key
    }

    pub fn from_key(key: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.key() == key)
    }

    /// True for kinds that are measures (may appear inside a `countermeasures` decision).
    pub fn is_measure(self) -> bool {
        self <= Kind::LocalStaffDismissed
    }

    /// True for kinds recorded as a [`Body::Signal`].
    pub fn is_signal(self) -> bool {
        (Kind::Statement..=Kind::AttackAttributed).contains(&self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(date: i32, effective: i32, proposed: bool) -> Event {
        let action = Action::PersonaNonGrata {
            mission: MissionId(0),
            who: Who::Count {
                count: 2,
                category: Category::Diplomatic,
            },
            depart_by: Day(effective + 7),
        };
        Event {
            date: Day(date),
            notified: None,
            actor: ActorId(0),
            in_response_to: Vec::new(),
            proposed,
            body: Body::Measures {
                bundle: false,
                measures: vec![Measure {
                    effective: Day(effective),
                    action,
                }],
            },
        }
    }

    #[test]
    fn an_expulsion_carried_out_is_coded_161() {
        assert_eq!(png(10, 10, false).cameo(), Some("161"));
        assert_eq!(png(10, 10, false).goldstein(), Some(-4.0));
    }

    #[test]
    fn an_expulsion_announced_for_later_or_proposed_is_coded_as_a_threat() {
        assert_eq!(png(10, 20, false).cameo(), Some("1313"));
        assert_eq!(png(10, 10, true).cameo(), Some("1313"));
        assert_eq!(png(10, 20, true).goldstein(), Some(-5.8));
    }

    #[test]
    fn a_statement_is_coded_by_its_tone() {
        let mut e = png(10, 10, false);
        e.body = Body::Signal {
            kind: Kind::Statement,
            target: ActorId(1),
            mission: None,
            tone: Tone::Pessimistic,
            threat: None,
        };
        assert_eq!(e.cameo(), Some("012"));
    }
}
