//! The serde types of a scenario file, as written: ids and dates are still text, every value
//! keeps its byte span.

use ::toml::Spanned;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub(super) scenario: RawMeta,
    #[serde(default)]
    pub(super) actors: Vec<Spanned<RawActor>>,
    #[serde(default)]
    pub(super) missions: Vec<Spanned<RawMission>>,
    #[serde(default)]
    pub(super) persons: Vec<Spanned<RawPerson>>,
    #[serde(default)]
    pub(super) caps: Vec<Spanned<RawCap>>,
    #[serde(default)]
    pub(super) relations: Vec<Spanned<RawRelation>>,
    #[serde(default)]
    pub(super) channels: Vec<Spanned<RawChannel>>,
    #[serde(default)]
    pub(super) events: Vec<Spanned<RawEvent>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMeta {
    pub(super) title: String,
    #[serde(default)]
    pub(super) summary: Option<String>,
    pub(super) start: Spanned<String>,
    #[serde(default)]
    pub(super) end: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) sources: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawActor {
    pub(super) id: Spanned<String>,
    pub(super) name: String,
    pub(super) kind: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPerson {
    pub(super) id: Spanned<String>,
    #[serde(default)]
    pub(super) category: Option<Spanned<String>>,
}

#[derive(Deserialize, Clone)]
#[serde(untagged)]
pub(super) enum RawStaff {
    Total(u32),
    ByCategory(BTreeMap<String, u32>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMission {
    pub(super) id: Spanned<String>,
    pub(super) name: String,
    pub(super) kind: Spanned<String>,
    pub(super) sender: Spanned<String>,
    pub(super) receiver: Spanned<String>,
    #[serde(default)]
    pub(super) territory: Option<Spanned<String>>,
    pub(super) city: String,
    #[serde(default)]
    pub(super) hosted_by: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) status: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) staff: Option<Spanned<RawStaff>>,
    #[serde(default)]
    pub(super) members: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) vacant: u32,
    #[serde(default)]
    pub(super) requested: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCap {
    #[serde(default)]
    pub(super) mission: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) sender: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) host: Option<Spanned<String>>,
    pub(super) limit: u32,
    pub(super) set_by: Spanned<String>,
    #[serde(default)]
    pub(super) since: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRelation {
    pub(super) between: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) broken: bool,
    #[serde(default)]
    pub(super) contacts_frozen: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawChannel {
    pub(super) between: Vec<Spanned<String>>,
    pub(super) via: Spanned<String>,
    #[serde(default)]
    pub(super) since: Option<Spanned<String>>,
}

/// Declares a raw table type holding `$extra` fields plus every field a measure may carry, and
/// its conversion into [`RawFields`]. One list serves events, measures and `RawFields`, because
/// serde's `flatten` would lose the spans errors point at.
macro_rules! with_measure_fields {
    ($name:ident { $($(#[$m:meta])* $extra:ident : $ety:ty),* $(,)? }) => {
        #[derive(Deserialize, Clone)]
        #[serde(deny_unknown_fields)]
        pub(super) struct $name {
            $($(#[$m])* pub(super) $extra: $ety,)*
            #[serde(default)] pub(super) mission: Option<Spanned<String>>,
            #[serde(default)] pub(super) count: Option<Spanned<u32>>,
            #[serde(default)] pub(super) category: Option<Spanned<String>>,
            #[serde(default)] pub(super) persons: Option<Vec<Spanned<String>>>,
            #[serde(default)] pub(super) all: Option<Spanned<bool>>,
            #[serde(default)] pub(super) depart_by: Option<Spanned<String>>,
            #[serde(default)] pub(super) limit: Option<Spanned<u32>>,
            #[serde(default)] pub(super) reduce_by: Option<Spanned<u32>>,
            #[serde(default)] pub(super) comply_by: Option<Spanned<String>>,
            #[serde(default)] pub(super) sender: Option<Spanned<String>>,
            #[serde(default)] pub(super) host: Option<Spanned<String>>,
            #[serde(default)] pub(super) with: Option<Spanned<String>>,
            #[serde(default)] pub(super) via: Option<Spanned<String>>,
            #[serde(default)] pub(super) target: Option<Spanned<String>>,
            #[serde(default)] pub(super) tone: Option<Spanned<String>>,
            #[serde(default)] pub(super) in_post: Option<Spanned<RawStaff>>,
            #[serde(default)] pub(super) vacant: Option<Spanned<u32>>,
            #[serde(default)] pub(super) proposal: Option<Spanned<String>>,
            #[serde(default)] pub(super) of: Option<Spanned<String>>,
            #[serde(default)] pub(super) how: Option<Spanned<String>>,
        }

        impl $name {
            #[allow(dead_code)]
            pub(super) fn fields(&self) -> RawFields {
                RawFields {
                    mission: self.mission.clone(),
                    count: self.count.clone(),
                    category: self.category.clone(),
                    persons: self.persons.clone(),
                    all: self.all.clone(),
                    depart_by: self.depart_by.clone(),
                    limit: self.limit.clone(),
                    reduce_by: self.reduce_by.clone(),
                    comply_by: self.comply_by.clone(),
                    sender: self.sender.clone(),
                    host: self.host.clone(),
                    with: self.with.clone(),
                    via: self.via.clone(),
                    target: self.target.clone(),
                    tone: self.tone.clone(),
                    in_post: self.in_post.clone(),
                    vacant: self.vacant.clone(),
                    proposal: self.proposal.clone(),
                    of: self.of.clone(),
                    how: self.how.clone(),
                }
            }
        }
    };
}

// The fields a measure may carry. Which apply depends on the kind; a field set where it does
// not apply is an error, never ignored.
with_measure_fields!(RawFields {});

with_measure_fields!(RawMeasure {
    kind: Spanned<String>,
    #[serde(default)]
    effective: Option<Spanned<String>>,
});

with_measure_fields!(RawEvent {
    id: Spanned<String>,
    date: Spanned<String>,
    kind: Spanned<String>,
    actor: Spanned<String>,
    #[serde(default)]
    effective: Option<Spanned<String>>,
    #[serde(default)]
    notified: Option<Spanned<String>>,
    #[serde(default)]
    in_response_to: Vec<Spanned<String>>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    proposed: bool,
    #[serde(default)]
    measures: Vec<Spanned<RawMeasure>>,
});

/// An `[[events]]` table as written, not yet resolved against a cast. Branch files (see
/// `crate::whatif`) embed such tables to insert or replace events in a scenario.
#[derive(Deserialize, Clone)]
#[serde(transparent)]
pub struct EventTable(pub(super) Spanned<RawEvent>);

impl EventTable {
    /// The id written in the table.
    pub fn id(&self) -> &str {
        self.0.get_ref().id.get_ref()
    }

    /// Byte range of the table in its file.
    pub fn span(&self) -> Range<usize> {
        self.0.span()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEventsFile {
    pub(super) events: Vec<EventTable>,
}

impl RawFields {
    pub(super) fn set_names(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        macro_rules! check {
            ($($f:ident),*) => { $( if self.$f.is_some() { v.push(stringify!($f)); } )* };
        }
        check!(
            mission, count, category, persons, all, depart_by, limit, reduce_by, comply_by, sender,
            host, with, via, target, tone, in_post, vacant, proposal, of, how
        );
        v
    }

    pub(super) fn any_set(&self) -> bool {
        !self.set_names().is_empty()
    }
}
