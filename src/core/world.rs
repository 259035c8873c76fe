//! The cast of a scenario: actors, missions and named persons, fixed for a whole replay.
//!
//! Everything here is static: ids are dense indices assigned when a scenario is loaded, and the
//! text (keys, names, cities) lives here so that the state and the events carry only numbers.
//! What changes over time (staff, status, caps) lives in [`crate::core::state`].

use serde::{Deserialize, Serialize};

macro_rules! dense_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
        pub struct $name(pub u32);

        impl $name {
            /// The index of this id in its table.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

dense_id!(
    /// An actor: a state or an international organisation.
    ActorId
);
dense_id!(
    /// A mission: an embassy, consulate, permanent mission, office...
    MissionId
);
dense_id!(
    /// A named member of staff.
    PersonId
);
dense_id!(
    /// The position of an event in its log, from 0.
    Seq
);

/// What kind of actor this is.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum ActorKind {
    State,
    Organisation,
}

impl ActorKind {
    pub fn key(self) -> &'static str {
        match self {
            ActorKind::State => "state",
            ActorKind::Organisation => "organisation",
        }
    }
}

/// An actor's fixed description.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The id users write in scenario files (`russia`).
    pub key: String,
    pub name: String,
    pub kind: ActorKind,
}

/// The kinds of mission the model knows.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum MissionKind {
    Embassy,
    Consulate,
    /// A permanent mission (or delegation) accredited to an international organisation.
    PermanentMission,
    MilitaryLiaisonMission,
    InformationOffice,
    /// A cultural institute working under diplomatic cover (the British Council in Russia).
    CulturalOffice,
    /// A section of a protecting power's embassy that looks after another state's interests.
    InterestsSection,
    /// Diplomatic property with no staff of its own: a compound, residence, dacha or warehouse.
    /// Closing it (consent withdrawn) and then seizing it records the 2016-2017 compound cases.
    Property,
    /// A trade mission or trade representation (Russia's trade missions abroad, Taiwan's
    /// economic and cultural offices), accredited with the host's consent.
    TradeMission,
    /// An office forming part of a mission in another place than the mission itself (VCDR 12:
    /// with the receiving state's prior consent), such as a consular section or a branch of an
    /// embassy.
    Annex,
}

impl MissionKind {
    pub const ALL: [MissionKind; 10] = [
        MissionKind::Embassy,
        MissionKind::Consulate,
        MissionKind::PermanentMission,
        MissionKind::MilitaryLiaisonMission,
        MissionKind::InformationOffice,
        MissionKind::CulturalOffice,
        MissionKind::InterestsSection,
        MissionKind::Property,
        MissionKind::TradeMission,
        MissionKind::Annex,
    ];

    pub fn key(self) -> &'static str {
        match self {
            MissionKind::Embassy => "embassy",
            MissionKind::Consulate => "consulate",
            MissionKind::PermanentMission => "permanent-mission",
            MissionKind::MilitaryLiaisonMission => "military-liaison-mission",
            MissionKind::InformationOffice => "information-office",
            MissionKind::CulturalOffice => "cultural-office",
            MissionKind::InterestsSection => "interests-section",
            MissionKind::Property => "property",
            MissionKind::TradeMission => "trade-mission",
            MissionKind::Annex => "annex",
        }
    }

    pub fn from_key(key: &str) -> Option<MissionKind> {
        MissionKind::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// A mission's fixed description.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissionDef {
    /// The id users write in scenario files (`ru-mission-nato`).
    pub key: String,
    pub name: String,
    pub kind: MissionKind,
    /// The actor that sends the mission.
    pub sender: ActorId,
    /// The receiving side: the host state, or the organisation the mission is accredited to.
    /// Only it grants, denies and withdraws accreditation, caps staff and withdraws consent.
    pub receiver: ActorId,
    /// The state on whose territory the premises stand (Belgium for a mission to NATO in
    /// Brussels). Only it may seize the premises. Equal to `receiver` for bilateral missions.
    pub territory: ActorId,
    pub city: String,
    /// The mission whose premises and auspices this one works under (NATO's offices in Moscow
    /// worked under Belgium's embassy).
    pub hosted_by: Option<MissionId>,
}

/// A named member of staff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub key: String,
    pub category: crate::core::event::Category,
}

/// The cast of a scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct World {
    pub actors: Vec<Actor>,
    pub missions: Vec<MissionDef>,
    pub persons: Vec<Person>,
}

impl World {
    pub fn actor(&self, id: ActorId) -> &Actor {
        &self.actors[id.index()]
    }

    pub fn mission(&self, id: MissionId) -> &MissionDef {
        &self.missions[id.index()]
    }

    pub fn person(&self, id: PersonId) -> &Person {
        &self.persons[id.index()]
    }

    pub fn actor_by_key(&self, key: &str) -> Option<ActorId> {
        self.actors
            .iter()
            .position(|a| a.key == key)
            .map(|i| ActorId(i as u32))
    }

    pub fn mission_by_key(&self, key: &str) -> Option<MissionId> {
        self.missions
            .iter()
            .position(|m| m.key == key)
            .map(|i| MissionId(i as u32))
    }

    pub fn person_by_key(&self, key: &str) -> Option<PersonId> {
        self.persons
            .iter()
            .position(|p| p.key == key)
            .map(|i| PersonId(i as u32))
    }

    /// Ids of all missions, in declaration order.
    pub fn mission_ids(&self) -> impl Iterator<Item = MissionId> + '_ {
        (0..self.missions.len() as u32).map(MissionId)
    }
}
