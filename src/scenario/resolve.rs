//! Resolution: the ids and events people write, checked and turned into core types.

use super::problems::{Problem, did_you_mean, listed, shown};
use super::toml::{
    DateText, EventSlot, EventTable, RawActor, RawEvent, RawFields, RawFile, RawMission, RawPerson,
    RawRefs, RawStaff,
};
use super::{
    EventMeta, MAX_ID_BYTES, MAX_NAME_BYTES, MAX_NOTE_BYTES, MAX_SOURCE_BYTES, MAX_SUMMARY_BYTES,
};
use crate::core::Day;
use crate::core::event::{
    Action, Body, CapScope, Category, Counts, Event, Kind, Limit, Measure, Staff, Tone, Who,
};
use crate::core::state::{Cap, Designated, Lifecycle, Relation, State};
use crate::core::world::{
    Actor, ActorId, ActorKind, MissionDef, MissionId, MissionKind, Person, PersonId, Seq, World,
};
use ::toml::Spanned;
use std::collections::BTreeMap;
use std::ops::Range;

/// Resolves event tables written against an existing cast, with the same checks as a scenario
/// file. The tables may refer to the events named in `earlier` and to tables before them. In the
/// events returned, `Seq(i)` refers to `earlier[i]` and `Seq(earlier.len() + j)` to `tables[j]`.
pub fn resolve_events(
    world: &World,
    start: Day,
    earlier: &[&str],
    tables: &[EventTable],
) -> Result<(Vec<Event>, Vec<EventMeta>), Vec<Problem>> {
    let slots: Vec<EventSlot> = tables.iter().map(EventSlot::from).collect();
    resolve_slots(world, start, &Known::all(earlier), &slots, Vec::new())
}

/// The earlier events new tables may name: how many there are, and the position of those
/// that matter (every one, or for a log only those the tables mention, looked up by id).
pub(super) struct Known {
    pub(super) count: usize,
    pub(super) ids: BTreeMap<String, usize>,
}

impl Known {
    pub(super) fn all(earlier: &[&str]) -> Known {
        Known {
            count: earlier.len(),
            ids: earlier
                .iter()
                .enumerate()
                .map(|(i, id)| (id.to_string(), i))
                .collect(),
        }
    }
}

/// [`resolve_events`] over tables as read, some perhaps unreadable, after the `problems` found
/// reading them.
pub(super) fn resolve_slots(
    world: &World,
    start: Day,
    earlier: &Known,
    slots: &[EventSlot],
    problems: Vec<Problem>,
) -> Result<(Vec<Event>, Vec<EventMeta>), Vec<Problem>> {
    let mut b = Builder {
        problems,
        world: world.clone(),
        event_ids: earlier.ids.clone(),
        start: Some(start),
        unreadable: Vec::new(),
        dropped: Vec::new(),
    };
    let mut events = Vec::new();
    let mut metas = Vec::new();
    for (j, slot) in slots.iter().enumerate() {
        let own = earlier.count + j;
        if let Some(id) = &slot.id {
            if let Some(&i) = b.event_ids.get(id.get_ref()) {
                let msg = if i < earlier.count {
                    format!(
                        "event id `{}` is already used (event {} of the base)",
                        shown(id.get_ref()),
                        i + 1
                    )
                } else {
                    format!("event id `{}` is already used", shown(id.get_ref()))
                };
                b.err("setup", span(id), msg);
            }
            b.check_id("event", id);
            b.event_ids.insert(id.get_ref().clone(), own);
        }
        let Some(t) = &slot.table else { continue };
        let r = t.get_ref();
        let before = b.problems.len();
        b.dropped.clone_from(&slot.dropped);
        let event = b.event(own, r, t.span());
        b.dropped.clear();
        for p in &mut b.problems[before..] {
            p.event.get_or_insert_with(|| r.id.get_ref().clone());
        }
        metas.push(meta(r, t.span()));
        events.extend(event);
    }
    if b.problems.is_empty() {
        Ok((events, metas))
    } else {
        Err(b.problems)
    }
}

fn meta(r: &RawEvent, span: Range<usize>) -> EventMeta {
    let text = |s: &Option<Spanned<String>>| s.as_ref().map(|s| s.get_ref().clone());
    EventMeta {
        id: r.id.get_ref().clone(),
        span,
        source: text(&r.source).unwrap_or_default(),
        summary: text(&r.summary),
        note: text(&r.note),
    }
}

pub(super) struct Builder {
    pub(super) problems: Vec<Problem>,
    pub(super) world: World,
    pub(super) event_ids: BTreeMap<String, usize>,
    /// The day the scenario starts, when known (an unreadable start is reported once, and no
    /// event is then said to come before it).
    pub(super) start: Option<Day>,
    /// Ids of tables that could not be read, as (`"actors"`, id) and so on: their problems
    /// are reported, so references to them are not.
    pub(super) unreadable: Vec<(&'static str, String)>,
    /// Keys left out of the event being built because their values could not be read: that
    /// the event then lacks them is not reported again.
    pub(super) dropped: Vec<String>,
}

fn span<T>(s: &Spanned<T>) -> Option<Range<usize>> {
    Some(s.span())
}

impl Builder {
    pub(super) fn err(&mut self, code: &str, at: Option<Range<usize>>, msg: String) {
        // "needs `count`" after `count` was reported unreadable says nothing new.
        let redundant =
            msg.contains(" needs ") && self.dropped.iter().any(|f| msg.contains(&format!("`{f}`")));
        if !redundant {
            self.problems.push(Problem::file(code, at, msg));
        }
    }

    fn unreadable(&self, what: &str, key: &str) -> bool {
        self.unreadable.iter().any(|(w, k)| *w == what && k == key)
    }

    fn err_help(
        &mut self,
        code: &str,
        at: Option<Range<usize>>,
        msg: String,
        help: Option<String>,
    ) {
        self.problems
            .push(Problem::file(code, at, msg).maybe_help(help));
    }

    /// The day written in the date field `field`.
    pub(super) fn date(&mut self, s: &Spanned<DateText>, field: &str) -> Option<Day> {
        match day_of(s.get_ref()) {
            Ok(d) => Some(d),
            Err(msg) => {
                let help = "dates are whole days, written YYYY-MM-DD (quoted or not)";
                self.err_help(
                    "field",
                    span(s),
                    format!("`{field}`: {msg}"),
                    Some(help.into()),
                );
                None
            }
        }
    }

    /// Refuses text longer than `max` bytes in `field`.
    pub(super) fn bounded(&mut self, s: &Spanned<String>, field: &str, max: usize) -> bool {
        let n = s.get_ref().len();
        if n > max {
            // Point at the opening quote only: the value itself may be megabytes long.
            let at = s.span().start..s.span().start + 1;
            let msg = format!("`{field}` is {n} bytes long; at most {max} are allowed");
            let help = "keep long texts outside the scenario and cite them in `source`";
            self.err_help("field", Some(at), msg, Some(help.into()));
            return false;
        }
        true
    }

    pub(super) fn actor(&mut self, s: &Spanned<String>) -> Option<ActorId> {
        let id = self.world.actor_by_key(s.get_ref());
        if id.is_none() && !self.unreadable("actors", s.get_ref()) {
            let known = self.world.actors.iter().map(|a| a.key.as_str());
            let help = did_you_mean(s.get_ref(), known.clone())
                .unwrap_or_else(|| format!("declared actors: {}", listed(known, 12)));
            let msg = format!("unknown actor `{}`", shown(s.get_ref()));
            self.err_help("reference", span(s), msg, Some(help));
        }
        id
    }

    pub(super) fn mission(&mut self, s: &Spanned<String>) -> Option<MissionId> {
        let id = self.world.mission_by_key(s.get_ref());
        if id.is_none() && !self.unreadable("missions", s.get_ref()) {
            let known = self.world.missions.iter().map(|m| m.key.as_str());
            let help = did_you_mean(s.get_ref(), known.clone())
                .unwrap_or_else(|| format!("declared missions: {}", listed(known, 12)));
            let msg = format!("unknown mission `{}`", shown(s.get_ref()));
            self.err_help("reference", span(s), msg, Some(help));
        }
        id
    }

    pub(super) fn person(&mut self, s: &Spanned<String>) -> Option<PersonId> {
        let id = self.world.person_by_key(s.get_ref());
        if id.is_none() && !self.unreadable("persons", s.get_ref()) {
            let known = self.world.persons.iter().map(|p| p.key.as_str());
            let help = did_you_mean(s.get_ref(), known)
                .unwrap_or_else(|| "declare every person named under [[persons]]".into());
            let msg = format!("unknown person `{}`", shown(s.get_ref()));
            self.err_help("reference", span(s), msg, Some(help));
        }
        id
    }

    /// A problem for a word that is none of `keys`, with the closest as help.
    fn unknown_word(&mut self, what: &str, s: &Spanned<String>, keys: &[&str]) {
        let help = did_you_mean(s.get_ref(), keys.iter().copied())
            .unwrap_or_else(|| format!("use one of {}", keys.join(", ")));
        let msg = format!("unknown {what} `{}`", shown(s.get_ref()));
        self.err_help("field", span(s), msg, Some(help));
    }

    pub(super) fn category(&mut self, s: &Spanned<String>) -> Option<Category> {
        let c = Category::from_key(s.get_ref());
        if c.is_none() {
            let keys: Vec<&str> = Category::ALL.iter().map(|c| c.key()).collect();
            self.unknown_word("category", s, &keys);
        }
        c
    }

    pub(super) fn counts(&mut self, s: &Spanned<String>) -> Option<Counts> {
        let c = Counts::from_key(s.get_ref());
        if c.is_none() {
            let keys: Vec<&str> = Counts::ALL.iter().map(|c| c.key()).collect();
            self.unknown_word("counting", s, &keys);
        }
        c
    }

    pub(super) fn staff(&mut self, s: &Spanned<RawStaff>) -> Staff {
        match s.get_ref() {
            RawStaff::Total(n) => Staff::of(Category::Unspecified, *n),
            RawStaff::ByCategory(map) => {
                let mut staff = Staff::default();
                for (k, n) in map {
                    match Category::from_key(k) {
                        Some(c) => staff.0[c.index()] = *n,
                        None => {
                            let keys: Vec<&str> = Category::ALL.iter().map(|c| c.key()).collect();
                            let msg =
                                format!("unknown staff category `{k}`; use {}", keys.join(", "));
                            self.err("field", span(s), msg);
                        }
                    }
                }
                staff
            }
        }
    }

    pub(super) fn unique(&mut self, what: &str, key: &Spanned<String>, taken: bool) -> bool {
        if taken {
            self.err(
                "setup",
                span(key),
                format!("{what} `{}` is declared twice", key.get_ref()),
            );
        }
        self.check_id(what, key);
        !taken
    }

    /// Ids are non-empty, without spaces or line breaks, and at most [`MAX_ID_BYTES`] long.
    pub(super) fn check_id(&mut self, what: &str, key: &Spanned<String>) {
        if key.get_ref().is_empty() || key.get_ref().chars().any(char::is_whitespace) {
            self.err(
                "field",
                span(key),
                format!(
                    "{what} id `{}` must be non-empty, without spaces",
                    shown(&key.get_ref().escape_debug().to_string())
                ),
            );
        }
        self.bounded(key, &format!("{what} id"), MAX_ID_BYTES);
    }

    pub(super) fn actors(&mut self, raw: &[Spanned<RawActor>]) {
        for a in raw {
            let a = a.get_ref();
            let taken = self.world.actor_by_key(a.id.get_ref()).is_some();
            let kind = match a.kind.get_ref().as_str() {
                "state" => Some(ActorKind::State),
                "organisation" | "organization" => Some(ActorKind::Organisation),
                _ => {
                    self.unknown_word("actor kind", &a.kind, &["state", "organisation"]);
                    None
                }
            };
            self.bounded(&a.name, "name", MAX_NAME_BYTES);
            // An actor of unknown kind is still declared (as a state), so that the references
            // to it do not add problems of their own.
            if self.unique("actor", &a.id, taken) {
                self.world.actors.push(Actor {
                    key: a.id.get_ref().clone(),
                    name: a.name.get_ref().clone(),
                    kind: kind.unwrap_or(ActorKind::State),
                });
            }
        }
    }

    pub(super) fn persons(&mut self, raw: &[Spanned<RawPerson>]) {
        for p in raw {
            let p = p.get_ref();
            let taken = self.world.person_by_key(p.id.get_ref()).is_some();
            let category = match &p.category {
                Some(c) => self.category(c).unwrap_or(Category::Unspecified),
                None => Category::Unspecified,
            };
            if self.unique("person", &p.id, taken) {
                self.world.persons.push(Person {
                    key: p.id.get_ref().clone(),
                    category,
                });
            }
        }
    }

    pub(super) fn mission_defs(&mut self, raw: &[Spanned<RawMission>]) {
        // Declare all ids first so that hosted_by may point forwards.
        for m in raw {
            let m = m.get_ref();
            let taken = self.world.mission_by_key(m.id.get_ref()).is_some();
            if self.unique("mission", &m.id, taken) {
                self.world.missions.push(MissionDef {
                    key: m.id.get_ref().clone(),
                    name: m.name.get_ref().clone(),
                    kind: MissionKind::Embassy,
                    sender: ActorId(0),
                    receiver: ActorId(0),
                    territory: ActorId(0),
                    city: m.city.get_ref().clone(),
                    hosted_by: None,
                });
            }
        }
        for (i, m) in raw.iter().enumerate() {
            let m = m.get_ref();
            let kind = MissionKind::from_key(m.kind.get_ref()).or_else(|| {
                let keys: Vec<&str> = MissionKind::ALL.iter().map(|k| k.key()).collect();
                self.unknown_word("mission kind", &m.kind, &keys);
                None
            });
            self.bounded(&m.name, "name", MAX_NAME_BYTES);
            self.bounded(&m.city, "city", MAX_NAME_BYTES);
            let sender = self.actor(&m.sender);
            let receiver = self.actor(&m.receiver);
            let territory = match &m.territory {
                Some(t) => self.actor(t),
                None => match receiver.map(|r| self.world.actor(r).kind) {
                    Some(ActorKind::Organisation) => {
                        let msg = format!(
                            "mission `{}` is accredited to an organisation; give `territory`, the state where its premises stand",
                            m.id.get_ref()
                        );
                        self.err("field", span(&m.receiver), msg);
                        None
                    }
                    _ => receiver,
                },
            };
            let hosted_by = m.hosted_by.as_ref().and_then(|h| self.mission(h));
            if hosted_by.is_some() && hosted_by == self.world.mission_by_key(m.id.get_ref()) {
                let msg = format!("mission `{}` cannot be hosted by itself", m.id.get_ref());
                self.err("setup", m.hosted_by.as_ref().map(|h| h.span()), msg);
            }
            if sender.is_some() && sender == receiver {
                self.err(
                    "setup",
                    span(&m.receiver),
                    format!("mission `{}` is sent to its own sender", m.id.get_ref()),
                );
            }
            if let (Some(kind), Some(sender), Some(receiver), Some(territory)) =
                (kind, sender, receiver, territory)
                && let Some(def) = self.world.missions.get_mut(i)
                && def.key == *m.id.get_ref()
            {
                def.kind = kind;
                def.sender = sender;
                def.receiver = receiver;
                def.territory = territory;
                def.hosted_by = hosted_by;
            }
        }
    }

    pub(super) fn initial(&mut self, raw: &RawFile, start: Day) -> State {
        let mut lifecycles = vec![Lifecycle::Operating; self.world.missions.len()];
        for (i, m) in raw.missions.iter().enumerate().take(lifecycles.len()) {
            if let Some(s) = &m.get_ref().status {
                lifecycles[i] = match s.get_ref().as_str() {
                    "active" | "operating" => Lifecycle::Operating,
                    "suspended" => Lifecycle::Suspended,
                    "closed" => Lifecycle::Closed,
                    "not-open" => Lifecycle::NotOpen,
                    _ => {
                        let keys = ["active", "suspended", "closed", "not-open"];
                        self.unknown_word("status", s, &keys);
                        Lifecycle::Operating
                    }
                };
            }
        }
        let mut state = State::new(&self.world, start, &lifecycles);
        for (i, m) in raw.missions.iter().enumerate().take(lifecycles.len()) {
            let at = span(m);
            let m = m.get_ref();
            let id = MissionId(i as u32);
            let staff = m.staff.as_ref().map(|s| self.staff(s)).unwrap_or_default();
            let members: Vec<PersonId> = m.members.iter().filter_map(|p| self.person(p)).collect();
            let operating = lifecycles[i] == Lifecycle::Operating;
            let property =
                self.world.missions.get(i).map(|d| d.kind) == Some(MissionKind::Property);
            let any = staff.total() > 0 || !members.is_empty() || m.vacant > 0 || m.requested > 0;
            if property && (any || m.locally_employed > 0) {
                let msg = format!(
                    "mission `{}` is a property: it has no staff, vacant posts or requests of its own",
                    m.id.get_ref()
                );
                self.err("setup", at.clone(), msg);
            }
            if !operating && any {
                let msg = format!(
                    "mission `{}` is not operating, so it has no staff, vacant posts or requests",
                    m.id.get_ref()
                );
                self.err("setup", at.clone(), msg);
            }
            if m.locally_employed > 0
                && !matches!(lifecycles[i], Lifecycle::Operating | Lifecycle::Suspended)
            {
                let msg = format!(
                    "mission `{}` is closed or not open, so it employs no one locally (a suspended mission may)",
                    m.id.get_ref()
                );
                self.err("setup", at.clone(), msg);
            }
            for p in &members {
                if let Some(other) = state.person_at[p.index()] {
                    let msg = format!(
                        "person `{}` is already a member of `{}`",
                        self.world.person(*p).key,
                        self.world.mission(other).key
                    );
                    self.err("setup", at.clone(), msg);
                } else {
                    state.person_at[p.index()] = Some(id);
                }
            }
            let ms = &mut state.missions[i];
            ms.in_post = staff;
            ms.members = members;
            ms.members.sort();
            ms.members.dedup();
            ms.vacant = m.vacant;
            ms.requested = m.requested;
            ms.local = m.locally_employed;
        }
        for c in &raw.caps {
            let at = span(c);
            let c = c.get_ref();
            let set_by = self.actor(&c.set_by);
            let since = c
                .since
                .as_ref()
                .and_then(|d| self.date(d, "since"))
                .unwrap_or(start);
            let scope = match (&c.mission, &c.sender, &c.host) {
                (Some(m), None, None) => self.mission(m).map(CapScope::Mission),
                (None, Some(s), Some(h)) => match (self.actor(s), self.actor(h)) {
                    (Some(sender), Some(host)) => Some(CapScope::Posts { sender, host }),
                    _ => None,
                },
                _ => {
                    self.err(
                        "field",
                        at.clone(),
                        "a cap covers either `mission`, or `sender` and `host`".into(),
                    );
                    None
                }
            };
            let counts = match &c.counts {
                Some(k) => self.counts(k),
                None => Some(Counts::Sent),
            };
            let (Some(scope), Some(set_by), Some(counts)) = (scope, set_by, counts) else {
                continue;
            };
            let who_may = match scope {
                CapScope::Mission(m) => self.world.mission(m).receiver,
                CapScope::Posts { host, .. } => host,
            };
            if set_by != who_may {
                let msg = format!(
                    "only the receiving side `{}` may cap these staff (R5)",
                    self.world.actor(who_may).key
                );
                self.err("setup", at.clone(), msg);
            }
            let h = state.covered_headcount(&self.world, &scope, counts);
            if h > c.limit {
                let msg = format!(
                    "{h} staff in post exceed the starting cap of {}; start the scenario earlier and set the cap with a staff-cap-set event",
                    c.limit
                );
                self.err("setup", at.clone(), msg);
            }
            if state
                .caps
                .iter()
                .any(|x| (x.scope, x.counts) == (scope, counts))
            {
                self.err(
                    "setup",
                    at.clone(),
                    "two starting caps cover the same staff".into(),
                );
                continue;
            }
            state.caps.push(Cap {
                scope,
                counts,
                limit: c.limit,
                since,
                comply_by: None,
                set_by,
                cause: None,
            });
        }
        state.caps.sort_by_key(|c| (c.scope, c.counts));
        for r in &raw.relations {
            let at = span(r);
            let r = r.get_ref();
            let Some((a, b)) = self.pair(&r.between, at) else {
                continue;
            };
            let pair = if a <= b { (a, b) } else { (b, a) };
            if state.relations.iter().all(|x| x.pair != pair) && (r.broken || r.contacts_frozen) {
                state.relations.push(Relation {
                    pair,
                    broken: r.broken,
                    contacts_frozen: r.contacts_frozen,
                });
            }
        }
        state.relations.sort_by_key(|r| r.pair);
        for c in &raw.channels {
            let at = span(c);
            let c = c.get_ref();
            let pair = self.pair(&c.between, at);
            let via = self.mission(&c.via);
            let since = c
                .since
                .as_ref()
                .and_then(|d| self.date(d, "since"))
                .unwrap_or(start);
            if let (Some((a, b)), Some(via)) = (pair, via) {
                let pair = if a <= b { (a, b) } else { (b, a) };
                state.designated.push(Designated {
                    pair,
                    via,
                    since,
                    cause: None,
                });
            }
        }
        state
    }

    pub(super) fn pair(
        &mut self,
        between: &[Spanned<String>],
        at: Option<Range<usize>>,
    ) -> Option<(ActorId, ActorId)> {
        if between.len() != 2 {
            self.err("field", at, "`between` names exactly two actors".into());
            return None;
        }
        let a = self.actor(&between[0])?;
        let b = self.actor(&between[1])?;
        if a == b {
            self.err("field", at, "`between` names the same actor twice".into());
            return None;
        }
        Some((a, b))
    }

    pub(super) fn events(&mut self, raw: &[EventSlot]) -> (Vec<Event>, Vec<EventMeta>) {
        let mut events = Vec::new();
        let mut metas = Vec::new();
        for (i, slot) in raw.iter().enumerate() {
            let Some(id) = &slot.id else { continue };
            if self.event_ids.contains_key(id.get_ref()) {
                let msg = format!("event id `{}` is used twice", shown(id.get_ref()));
                self.err("setup", span(id), msg);
            } else {
                self.event_ids.insert(id.get_ref().clone(), i);
            }
            self.check_id("event", id);
        }
        for (i, slot) in raw.iter().enumerate() {
            let Some(e) = &slot.table else { continue };
            let at = e.span();
            let r = e.get_ref();
            let before = self.problems.len();
            self.dropped.clone_from(&slot.dropped);
            let event = self.event(i, r, at.clone());
            self.dropped.clear();
            for p in &mut self.problems[before..] {
                p.event.get_or_insert_with(|| r.id.get_ref().clone());
            }
            metas.push(meta(r, at));
            // An event may fail to build without a problem of its own when it names an actor,
            // mission or person whose table could not be read (that problem is reported).
            events.extend(event);
        }
        if events.len() != raw.len() {
            events.clear();
        }
        (events, metas)
    }

    pub(super) fn event_ref(&mut self, own: usize, s: &Spanned<String>) -> Option<Seq> {
        match self.event_ids.get(s.get_ref()) {
            Some(&i) if i < own => Some(Seq(i as u32)),
            Some(&i) if i == own => {
                let msg = format!(
                    "`{}` refers to itself; an event can only refer to earlier ones",
                    s.get_ref()
                );
                self.err("reference", span(s), msg);
                None
            }
            Some(_) => {
                let msg = format!(
                    "`{}` comes later in the file; an event can only refer to earlier ones",
                    s.get_ref()
                );
                self.problems.push(Problem {
                    span: span(s),
                    event: None,
                    code: format!("E{:03}", 2),
                    rule: Some("ResponseNotEarlier, rule causality".into()),
                    message: msg,
                    help: None,
                });
                None
            }
            None => {
                let msg = format!("no event has the id `{}`", shown(s.get_ref()));
                let help = did_you_mean(s.get_ref(), self.event_ids.keys().map(String::as_str));
                self.err_help("reference", span(s), msg, help);
                None
            }
        }
    }

    pub(super) fn event(&mut self, own: usize, r: &RawEvent, at: Range<usize>) -> Option<Event> {
        let date = self.date(&r.date, "date");
        if let (Some(d), Some(start)) = (date, self.start)
            && d < start
        {
            let msg = format!("dated {d}, before the scenario starts on {start}");
            self.err("field", span(&r.date), msg);
        }
        let actor = self.actor(&r.actor);
        let notified = match &r.notified {
            Some(d) => self.date(d, "notified").map(Some),
            None => Some(None),
        };
        for (text, field, max) in [
            (&r.source, "source", MAX_SOURCE_BYTES),
            (&r.summary, "summary", MAX_SUMMARY_BYTES),
            (&r.note, "note", MAX_NOTE_BYTES),
        ] {
            if let Some(s) = text {
                self.bounded(s, field, max);
            }
        }
        if r.source
            .as_ref()
            .is_none_or(|s| s.get_ref().trim().is_empty())
        {
            self.problems.push(
                Problem::file(
                    "field",
                    Some(at.clone()),
                    "every event needs a `source` (a URL or a citation)".into(),
                )
                .with_help("cite where the fact comes from, in your own words"),
            );
        }
        let in_response_to: Vec<Seq> = r
            .in_response_to
            .iter()
            .filter_map(|s| self.event_ref(own, s))
            .collect();
        let kind_key = r.kind.get_ref();
        let Some(kind) = Kind::from_key(kind_key) else {
            let msg = format!("unknown event kind `{}`", shown(kind_key));
            let help = did_you_mean(kind_key, Kind::ALL.iter().map(|k| k.key()))
                .unwrap_or_else(|| "`demarche events` lists them all".into());
            self.err_help("field", span(&r.kind), msg, Some(help));
            return None;
        };
        // Without a date or an actor the event cannot be built, but its other fields are still
        // checked, so that every problem is reported at once.
        let (known_date, known_actor) = (date, actor);
        let (date, actor) = (date.unwrap_or_default(), actor.unwrap_or(ActorId(0)));
        let body = if kind == Kind::Countermeasures {
            if r.effective.is_some() || r.fields().any_set() {
                let msg = "a countermeasures decision keeps its fields in [[events.measures]]; each measure has its own kind and effective date".into();
                self.err("field", Some(at.clone()), msg);
                return None;
            }
            let mut measures = Vec::new();
            for m in &r.measures {
                let mr = m.get_ref();
                let Some(k) = Kind::from_key(mr.kind.get_ref()).filter(|k| k.is_measure()) else {
                    let msg = format!("`{}` is not a measure kind", shown(mr.kind.get_ref()));
                    let measure_kinds =
                        Kind::ALL.iter().filter(|k| k.is_measure()).map(|k| k.key());
                    let help = did_you_mean(mr.kind.get_ref(), measure_kinds)
                        .unwrap_or_else(|| "`demarche events` lists the measure kinds".into());
                    self.err_help("field", span(&mr.kind), msg, Some(help));
                    continue;
                };
                let eff = match &mr.effective {
                    Some(d) => self.date(d, "effective"),
                    None => Some(date),
                };
                let action = self.action(k, &mr.fields(), span(m), own);
                if let (Some(effective), Some(action)) = (eff, action) {
                    measures.push(Measure { effective, action });
                }
            }
            if measures.len() != r.measures.len() {
                return None;
            }
            Body::Measures {
                bundle: true,
                measures,
            }
        } else {
            if !r.measures.is_empty() {
                self.err(
                    "field",
                    Some(at.clone()),
                    format!("only countermeasures hold [[events.measures]], not {kind_key}"),
                );
                return None;
            }
            if r.proposed && !kind.is_measure() {
                self.err(
                    "field",
                    Some(at.clone()),
                    format!("only measures can be proposed, not {kind_key}"),
                );
                return None;
            }
            if kind.is_measure() {
                let eff = match &r.effective {
                    Some(d) => self.date(d, "effective"),
                    None => Some(date),
                };
                let action = self.action(kind, &r.fields(), Some(at.clone()), own);
                Body::Measures {
                    bundle: false,
                    measures: vec![Measure {
                        effective: eff?,
                        action: action?,
                    }],
                }
            } else {
                if let Some(eff) = &r.effective {
                    self.err(
                        "field",
                        span(eff),
                        format!("{kind_key} has no effective date"),
                    );
                    return None;
                }
                self.other(kind, actor, &r.fields(), at.clone(), own)?
            }
        };
        known_date?;
        known_actor?;
        Some(Event {
            date,
            notified: notified?,
            actor,
            in_response_to,
            proposed: r.proposed,
            body,
        })
    }

    /// Builds a measure, taking the fields it uses; any other field set is an error.
    pub(super) fn action(
        &mut self,
        kind: Kind,
        f: &RawFields,
        at: Option<Range<usize>>,
        own: usize,
    ) -> Option<Action> {
        let _ = own;
        let mut f = f.clone();
        let before = self.problems.len();
        let key = kind.key();
        let posts = f.mission.is_none() && (f.sender.is_some() || f.host.is_some());
        let action = match kind {
            Kind::PersonaNonGrata | Kind::AccreditationWithdrawn | Kind::StaffRecalled if posts => {
                self.removal_from_posts(kind, &mut f, &at)?
            }
            Kind::AccreditationRequested => Action::AccreditationRequested {
                mission: self.need_mission(&mut f, key, &at)?,
                count: self.need(f.count.take(), "count", key, &at)?,
            },
            Kind::AccreditationGranted => Action::AccreditationGranted {
                mission: self.need_mission(&mut f, key, &at)?,
                who: self.who(&mut f, key, &at, false)?,
            },
            Kind::AccreditationDenied => Action::AccreditationDenied {
                mission: self.need_mission(&mut f, key, &at)?,
                count: self.need(f.count.take(), "count", key, &at)?,
            },
            Kind::AccreditationWithdrawn | Kind::PersonaNonGrata | Kind::DepartureRequired => {
                let mission = self.need_mission(&mut f, key, &at)?;
                let who = self.who(&mut f, key, &at, kind == Kind::AccreditationWithdrawn)?;
                let depart_by = self.need_date(f.depart_by.take(), "depart_by", key, &at)?;
                if kind == Kind::PersonaNonGrata {
                    Action::PersonaNonGrata {
                        mission,
                        who,
                        depart_by,
                    }
                } else if kind == Kind::DepartureRequired {
                    Action::DepartureRequired {
                        mission,
                        who,
                        depart_by,
                    }
                } else {
                    Action::AccreditationWithdrawn {
                        mission,
                        who,
                        depart_by,
                    }
                }
            }
            Kind::StaffRecalled => Action::StaffRecalled {
                mission: self.need_mission(&mut f, key, &at)?,
                who: self.who(&mut f, key, &at, false)?,
            },
            Kind::StaffDeparted => Action::StaffDeparted {
                mission: self.need_mission(&mut f, key, &at)?,
                who: self.who(&mut f, key, &at, true)?,
            },
            Kind::PostsAbolished => Action::PostsAbolished {
                mission: self.need_mission(&mut f, key, &at)?,
                count: self.need(f.count.take(), "count", key, &at)?,
            },
            Kind::CapLifted => {
                let scope = self.cap_scope(&mut f, key, &at);
                let counts = match f.counts.take() {
                    Some(k) => self.counts(&k),
                    None => Some(Counts::Sent),
                };
                Action::CapLifted {
                    scope: scope?,
                    counts: counts?,
                }
            }
            Kind::LocalStaffHired => Action::LocalStaffHired {
                mission: self.need_mission(&mut f, key, &at)?,
                count: self.need(f.count.take(), "count", key, &at)?,
            },
            Kind::LocalStaffDismissed => Action::LocalStaffDismissed {
                mission: self.need_mission(&mut f, key, &at)?,
                count: self.need(f.count.take(), "count", key, &at)?,
            },
            Kind::StaffCapSet => {
                let scope = self.cap_scope(&mut f, key, &at)?;
                let limit = match (f.limit.take(), f.reduce_by.take()) {
                    (Some(l), None) => Limit::Absolute(*l.get_ref()),
                    (None, Some(r)) => Limit::ReduceBy(*r.get_ref()),
                    _ => {
                        self.err(
                            "field",
                            at.clone(),
                            "staff-cap-set needs exactly one of `limit` and `reduce_by`".into(),
                        );
                        return None;
                    }
                };
                let comply_by = match f.comply_by.take() {
                    Some(d) => Some(self.date(&d, "comply_by")?),
                    None => None,
                };
                let counts = match f.counts.take() {
                    Some(k) => self.counts(&k)?,
                    None => Counts::Sent,
                };
                Action::StaffCapSet {
                    scope,
                    limit,
                    comply_by,
                    counts,
                }
            }
            Kind::MissionOpened => Action::MissionOpened {
                mission: self.need_mission(&mut f, key, &at)?,
            },
            Kind::MissionSuspended => Action::MissionSuspended {
                mission: self.need_mission(&mut f, key, &at)?,
            },
            Kind::MissionClosed => {
                let mission = self.need_mission(&mut f, key, &at)?;
                match f.move_to.take() {
                    Some(to) => Action::MissionClosedMovingStaff {
                        mission,
                        to: self.mission(&to)?,
                    },
                    None => Action::MissionClosed { mission },
                }
            }
            Kind::StaffMoved => {
                let from = self.need(f.from.take(), "from", key, &at);
                let to = self.need(f.to.take(), "to", key, &at);
                let who = self.who(&mut f, key, &at, false);
                let (from, to) = (from?, to?);
                let from = self.mission(&Spanned::new(at.clone().unwrap_or(0..0), from));
                let to = self.mission(&Spanned::new(at.clone().unwrap_or(0..0), to));
                Action::StaffMoved {
                    from: from?,
                    to: to?,
                    who: who?,
                }
            }
            Kind::MissionReopened => Action::MissionReopened {
                mission: self.need_mission(&mut f, key, &at)?,
            },
            Kind::ConsentWithdrawn => Action::ConsentWithdrawn {
                mission: self.need_mission(&mut f, key, &at)?,
                depart_by: self.need_date(f.depart_by.take(), "depart_by", key, &at)?,
            },
            Kind::ConsentGranted => Action::ConsentGranted {
                mission: self.need_mission(&mut f, key, &at)?,
            },
            Kind::RelationsBroken => Action::RelationsBroken {
                with: self.need_actor(f.with.take(), "with", key, &at)?,
                depart_by: match f.depart_by.take() {
                    Some(d) => Some(self.date(&d, "depart_by")?),
                    None => None,
                },
            },
            Kind::RelationsEstablished => Action::RelationsEstablished {
                with: self.need_actor(f.with.take(), "with", key, &at)?,
            },
            Kind::ContactsFrozen => Action::ContactsFrozen {
                with: self.need_actor(f.with.take(), "with", key, &at)?,
            },
            Kind::PremisesSeized => Action::PremisesSeized {
                mission: self.need_mission(&mut f, key, &at)?,
            },
            Kind::ChannelDesignated => Action::ChannelDesignated {
                with: self.need_actor(f.with.take(), "with", key, &at)?,
                via: {
                    let v = self.need(f.via.take(), "via", key, &at)?;
                    self.mission(&Spanned::new(0..0, v)).or_else(|| {
                        if let Some(p) = self.problems.last_mut() {
                            p.span = at.clone();
                        }
                        None
                    })?
                },
            },
            // Listed, not `_`, so that a new measure kind cannot compile without a builder here.
            Kind::Countermeasures
            | Kind::Statement
            | Kind::Accusation
            | Kind::Protest
            | Kind::AmbassadorSummoned
            | Kind::Demand
            | Kind::CountermeasuresThreatened
            | Kind::Ultimatum
            | Kind::SanctionsImposed
            | Kind::LawPassed
            | Kind::AttackAttributed
            | Kind::StaffReported
            | Kind::ProposalAdopted
            | Kind::MeasuresCancelled => unreachable!("only measure kinds reach here"),
        };
        self.leftover(&f, key, &at);
        (self.problems.len() == before).then_some(action)
    }

    pub(super) fn other(
        &mut self,
        kind: Kind,
        actor: ActorId,
        f: &RawFields,
        at: Range<usize>,
        own: usize,
    ) -> Option<Body> {
        let mut f = f.clone();
        let key = kind.key();
        let at = Some(at);
        let before = self.problems.len();
        let body = match kind {
            _ if kind.is_signal() || kind == Kind::AmbassadorSummoned => {
                let (target, mission) = if kind == Kind::AmbassadorSummoned {
                    let m = self.need_mission(&mut f, key, &at)?;
                    (self.world.mission(m).sender, Some(m))
                } else {
                    (self.need_actor(f.target.take(), "target", key, &at)?, None)
                };
                let tone = match f.tone.take() {
                    None => Tone::Neutral,
                    Some(t) if kind == Kind::Statement => match t.get_ref().as_str() {
                        "neutral" => Tone::Neutral,
                        "pessimistic" => Tone::Pessimistic,
                        "optimistic" => Tone::Optimistic,
                        _ => {
                            let keys = ["neutral", "pessimistic", "optimistic"];
                            self.unknown_word("tone", &t, &keys);
                            return None;
                        }
                    },
                    Some(t) => {
                        self.err(
                            "field",
                            span(&t),
                            format!("`tone` applies to statement, not {key}"),
                        );
                        return None;
                    }
                };
                let _ = actor;
                // A demand, threat or ultimatum may say what it demands or threatens; other
                // kinds keep `cap` and `measure` for the leftover check to refuse.
                let threat = if crate::core::event::THREAT_KINDS.contains(&kind) {
                    let cap = f.cap.take().map(|c| *c.get_ref());
                    let measure = match f.measure.take() {
                        None => None,
                        Some(m) => match Kind::from_key(m.get_ref()).filter(|k| k.is_measure()) {
                            Some(k) => Some(k),
                            None => {
                                let measures: Vec<&str> = Kind::ALL
                                    .iter()
                                    .filter(|k| k.is_measure())
                                    .map(|k| k.key())
                                    .collect();
                                self.unknown_word("measure kind", &m, &measures);
                                return None;
                            }
                        },
                    };
                    (cap.is_some() || measure.is_some())
                        .then_some(crate::core::event::Threat { cap, measure })
                } else {
                    None
                };
                Body::Signal {
                    kind,
                    target,
                    mission,
                    tone,
                    threat,
                }
            }
            Kind::StaffReported => {
                let mission = self.need_mission(&mut f, key, &at)?;
                let in_post = match f.in_post.take() {
                    Some(s) => self.staff(&s),
                    None => {
                        self.err("field", at.clone(), "staff-reported needs `in_post`".into());
                        return None;
                    }
                };
                let vacant = f.vacant.take().map_or(0, |v| *v.get_ref());
                Body::StaffReported {
                    mission,
                    in_post,
                    vacant,
                }
            }
            Kind::ProposalAdopted => {
                let p = self.need(f.proposal.take(), "proposal", key, &at)?;
                Body::ProposalAdopted {
                    proposal: self.event_ref(own, &Spanned::new(at.clone().unwrap(), p))?,
                }
            }
            Kind::MeasuresCancelled => {
                let ids = match self.need(f.of.take(), "of", key, &at)? {
                    RawRefs::One(id) => vec![id],
                    RawRefs::Many(ids) => ids,
                };
                if ids.is_empty() {
                    self.err("field", at.clone(), "`of` names no event".into());
                    return None;
                }
                if let Some(twice) = ids
                    .iter()
                    .enumerate()
                    .find(|(i, id)| ids[..*i].contains(id))
                {
                    let msg = format!("`of` names `{}` twice", shown(twice.1));
                    self.err("field", at.clone(), msg);
                    return None;
                }
                let refs: Vec<Option<Seq>> = ids
                    .into_iter()
                    .map(|id| self.event_ref(own, &Spanned::new(at.clone().unwrap(), id)))
                    .collect();
                let of: Vec<Seq> = refs.into_iter().collect::<Option<_>>()?;
                let how = match f.how.take().as_ref().map(|h| h.get_ref().as_str()) {
                    None | Some("withdrawn") => crate::core::event::Cancellation::Withdrawn,
                    Some("overruled") => crate::core::event::Cancellation::Overruled,
                    Some(other) => {
                        self.err(
                            "field",
                            at.clone(),
                            format!("unknown `how` `{other}`; use withdrawn or overruled"),
                        );
                        return None;
                    }
                };
                Body::MeasuresCancelled { of, how }
            }
            _ => unreachable!("measure kinds are built by action()"),
        };
        self.leftover(&f, key, &at);
        (self.problems.len() == before).then_some(body)
    }

    /// A removal over all posts of `sender` in `host`: a count (and category), and for an
    /// expulsion a deadline.
    fn removal_from_posts(
        &mut self,
        kind: Kind,
        f: &mut RawFields,
        at: &Option<Range<usize>>,
    ) -> Option<Action> {
        let key = kind.key();
        let (Some(s), Some(h)) = (f.sender.take(), f.host.take()) else {
            let msg = format!("{key} over several posts needs both `sender` and `host`");
            self.err("field", at.clone(), msg);
            return None;
        };
        let (sender, host) = (self.actor(&s), self.actor(&h));
        let Who::Count { count, category } = self.who(f, key, at, false)? else {
            let msg = format!("{key} over all posts of a sender takes a `count`, not `persons`");
            self.err("field", at.clone(), msg);
            return None;
        };
        let removal = match kind {
            Kind::StaffRecalled => crate::core::Removal::StaffRecalled,
            _ => {
                let depart_by = self.need_date(f.depart_by.take(), "depart_by", key, at)?;
                if kind == Kind::PersonaNonGrata {
                    crate::core::Removal::PersonaNonGrata { depart_by }
                } else {
                    crate::core::Removal::AccreditationWithdrawn { depart_by }
                }
            }
        };
        Some(Action::RemovalFromPosts {
            sender: sender?,
            host: host?,
            removal,
            count,
            category,
        })
    }

    /// A cap's scope: `mission`, or `sender` and `host` (all the sender's posts there).
    pub(super) fn cap_scope(
        &mut self,
        f: &mut RawFields,
        kind: &str,
        at: &Option<Range<usize>>,
    ) -> Option<CapScope> {
        match (f.mission.take(), f.sender.take(), f.host.take()) {
            (Some(m), None, None) => Some(CapScope::Mission(self.mission(&m)?)),
            (None, Some(s), Some(h)) => Some(CapScope::Posts {
                sender: self.actor(&s)?,
                host: self.actor(&h)?,
            }),
            _ => {
                let msg = format!(
                    "{kind} covers either `mission`, or `sender` and `host` (all their posts)"
                );
                self.err("field", at.clone(), msg);
                None
            }
        }
    }

    pub(super) fn need<T: Clone>(
        &mut self,
        v: Option<Spanned<T>>,
        field: &str,
        kind: &str,
        at: &Option<Range<usize>>,
    ) -> Option<T> {
        match v {
            Some(v) => Some(v.get_ref().clone()),
            None => {
                self.err("field", at.clone(), format!("{kind} needs `{field}`"));
                None
            }
        }
    }

    pub(super) fn need_mission(
        &mut self,
        f: &mut RawFields,
        kind: &str,
        at: &Option<Range<usize>>,
    ) -> Option<MissionId> {
        match f.mission.take() {
            Some(m) => self.mission(&m),
            None => {
                self.err("field", at.clone(), format!("{kind} needs `mission`"));
                None
            }
        }
    }

    pub(super) fn need_actor(
        &mut self,
        v: Option<Spanned<String>>,
        field: &str,
        kind: &str,
        at: &Option<Range<usize>>,
    ) -> Option<ActorId> {
        match v {
            Some(a) => self.actor(&a),
            None => {
                self.err("field", at.clone(), format!("{kind} needs `{field}`"));
                None
            }
        }
    }

    pub(super) fn need_date(
        &mut self,
        v: Option<Spanned<DateText>>,
        field: &str,
        kind: &str,
        at: &Option<Range<usize>>,
    ) -> Option<Day> {
        match v {
            Some(d) => self.date(&d, field),
            None => {
                self.err("field", at.clone(), format!("{kind} needs `{field}`"));
                None
            }
        }
    }

    /// `count` (+ `category`), `persons`, or (where allowed) `all = true`.
    pub(super) fn who(
        &mut self,
        f: &mut RawFields,
        kind: &str,
        at: &Option<Range<usize>>,
        all_ok: bool,
    ) -> Option<Who> {
        let count = f.count.take();
        let persons = f.persons.take();
        let all = f.all.take().filter(|a| *a.get_ref());
        let category = f.category.take();
        match (count, persons, all) {
            (Some(c), None, None) => {
                let category = match &category {
                    Some(s) => self.category(s)?,
                    None => Category::Unspecified,
                };
                Some(Who::Count {
                    count: *c.get_ref(),
                    category,
                })
            }
            (None, Some(ps), None) => {
                if let Some(c) = category {
                    self.err(
                        "field",
                        span(&c),
                        "named persons carry their own category".into(),
                    );
                }
                let ids: Vec<PersonId> = ps.iter().filter_map(|p| self.person(p)).collect();
                if ids.len() != ps.len() {
                    return None;
                }
                if ids.is_empty() {
                    self.err("field", at.clone(), "`persons` is empty".into());
                    return None;
                }
                let mut sorted = ids.clone();
                sorted.sort();
                sorted.dedup();
                if sorted.len() != ids.len() {
                    self.err("field", at.clone(), "`persons` names someone twice".into());
                    return None;
                }
                Some(Who::Named(sorted))
            }
            (None, None, Some(_)) if all_ok => Some(Who::All),
            _ => {
                let options = if all_ok {
                    "`count`, `persons` or `all = true`"
                } else {
                    "`count` or `persons`"
                };
                self.err(
                    "field",
                    at.clone(),
                    format!("{kind} needs exactly one of {options}"),
                );
                None
            }
        }
    }

    pub(super) fn leftover(&mut self, f: &RawFields, kind: &str, at: &Option<Range<usize>>) {
        for name in f.set_names() {
            self.err(
                "field",
                at.clone(),
                format!("field `{name}` does not apply to {kind}"),
            );
        }
    }
}

/// Parses `YYYY-MM-DD` into a [`Day`], with a message people understand. A date with a time of
/// day is refused: events happen on whole days, and a time would otherwise be silently lost.
pub fn parse_date(s: &str) -> Result<Day, String> {
    let with_time = s.len() > 10
        && matches!(s.as_bytes()[10], b'T' | b't' | b' ')
        && s[..10].parse::<jiff::civil::Date>().is_ok();
    if with_time {
        return Err(format!(
            "`{}` has a time of day; give the day alone, as YYYY-MM-DD",
            shown(s)
        ));
    }
    let d: jiff::civil::Date = s
        .parse()
        .map_err(|e| format!("`{}` is not a date in the form YYYY-MM-DD ({e})", shown(s)))?;
    Day::from_ymd(i32::from(d.year()), d.month() as u32, d.day() as u32)
        .ok_or_else(|| format!("`{}` is not a calendar date", shown(s)))
}

/// The day of a date as written, quoted or as a native TOML date (without a time of day).
pub(super) fn day_of(d: &DateText) -> Result<Day, String> {
    match d {
        DateText::Text(s) => parse_date(s),
        DateText::Native(dt) => match (dt.date, dt.time, dt.offset) {
            (Some(date), None, None) => Day::from_ymd(
                i32::from(date.year),
                u32::from(date.month),
                u32::from(date.day),
            )
            .ok_or_else(|| format!("`{dt}` is not a calendar date")),
            (Some(_), _, _) => Err(format!(
                "`{dt}` has a time of day; give the day alone, as YYYY-MM-DD"
            )),
            (None, _, _) => Err(format!("`{dt}` is a time of day, not a date")),
        },
    }
}
