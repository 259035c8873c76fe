//! The bytes of facts in a log: one tag byte, then fixed-width little-endian fields, the same
//! size for every fact of a tag. A fold reads them with plain loads, no varints, no field
//! names, no allocation but for the two facts that carry announced measures forward (a
//! deferred measure, a held proposal), whose measures are stored as bincode of the log's frozen
//! wire types.
//!
//! This layout is frozen: docs/log-format.md lists every tag with its fields. A new fact is a
//! new tag; a changed fact is a new tag too, and the old one stays readable.
//!
//! Decoding checks every id against the log's cast and every sequence against the events
//! before it, so a crafted log with valid checksums cannot make a later fold index out of
//! bounds: a bad id is an error naming the fact.

use super::wire;
use crate::codec;
use crate::core::event::{Cancellation, CapScope, Counts, Staff};
use crate::core::fact::Fact;
use crate::core::state::{Effect, Lifecycle, Planned};
use crate::core::{ActorId, Day, MissionId, PersonId, Seq};

pub use super::check::Bounds;

/// Appends a count of facts: 7 bits a byte, low bits first, the high bit set on every byte
/// but the last (one byte below 128).
pub fn put_count(mut n: u32, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Reads a count written by [`put_count`] at `*at`, moving `*at` past it.
pub fn get_count(bytes: &[u8], at: &mut usize) -> Result<u32, String> {
    let mut n: u32 = 0;
    for shift in [0, 7, 14, 21, 28] {
        let b = *bytes
            .get(*at)
            .ok_or("the facts of an event are cut short")?;
        *at += 1;
        if shift == 28 && b > 0x0f {
            return Err("a count of facts is too large".into());
        }
        n |= u32::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(n);
        }
    }
    Err("a count of facts is too large".into())
}

/// Appends the bytes of `fact`.
pub fn put(fact: &Fact, out: &mut Vec<u8>) {
    let mut w = W(out);
    match fact {
        Fact::Due { day, cause, index } => {
            w.tag(0);
            w.day(*day);
            w.seq(*cause);
            w.u32(*index);
        }
        Fact::Scheduled {
            day,
            index,
            actor,
            effect,
        } => {
            w.tag(1);
            w.day(*day);
            w.u32(*index);
            w.u32(actor.0);
            match effect {
                Effect::Lapse { mission } => {
                    w.u8(0);
                    w.u32(mission.0);
                }
                Effect::Compliance { scope, counts } => {
                    w.u8(1);
                    w.scope(scope, *counts);
                }
                Effect::Measure(planned) => {
                    w.u8(2);
                    w.staff(&planned.reserved);
                    w.blob(&codec::encode(&wire::Action::from(&planned.action)));
                }
            }
        }
        Fact::Unscheduled { day, cause, index } => {
            w.tag(2);
            w.day(*day);
            w.seq(*cause);
            w.u32(*index);
        }
        Fact::Requested { mission, count } => {
            w.tag(3);
            w.u32(mission.0);
            w.u32(*count);
        }
        Fact::Denied { mission, count } => {
            w.tag(4);
            w.u32(mission.0);
            w.u32(*count);
        }
        Fact::Granted {
            mission,
            staff,
            filled,
        } => {
            w.tag(5);
            w.u32(mission.0);
            w.staff(staff);
            w.u32(*filled);
        }
        Fact::MemberGranted {
            mission,
            person,
            filled,
        } => {
            w.tag(6);
            w.u32(mission.0);
            w.u32(person.0);
            w.u8(u8::from(*filled));
        }
        Fact::ToLeave {
            mission,
            staff,
            deadline,
        } => {
            w.tag(7);
            w.u32(mission.0);
            w.staff(staff);
            w.day(*deadline);
        }
        Fact::MemberToLeave {
            mission,
            person,
            deadline,
        } => {
            w.tag(8);
            w.u32(mission.0);
            w.u32(person.0);
            w.day(*deadline);
        }
        Fact::Recalled { mission, staff } => {
            w.tag(9);
            w.u32(mission.0);
            w.staff(staff);
        }
        Fact::MemberRecalled { mission, person } => {
            w.tag(10);
            w.u32(mission.0);
            w.u32(person.0);
        }
        Fact::Departed {
            mission,
            deadline,
            batch,
            staff,
        } => {
            w.tag(11);
            w.u32(mission.0);
            w.day(*deadline);
            w.seq(*batch);
            w.staff(staff);
        }
        Fact::MemberDeparted { mission, person } => {
            w.tag(12);
            w.u32(mission.0);
            w.u32(person.0);
        }
        Fact::Lapsed {
            mission,
            deadline,
            batch,
            count,
        } => {
            w.tag(13);
            w.u32(mission.0);
            w.day(*deadline);
            w.seq(*batch);
            w.u32(*count);
        }
        Fact::PostsAbolished { mission, count } => {
            w.tag(14);
            w.u32(mission.0);
            w.u32(*count);
        }
        Fact::Shed { mission, staff } => {
            w.tag(15);
            w.u32(mission.0);
            w.staff(staff);
        }
        Fact::MemberShed { mission, person } => {
            w.tag(16);
            w.u32(mission.0);
            w.u32(person.0);
        }
        Fact::ReservedShed {
            mission,
            day,
            cause,
            index,
            staff,
        } => {
            w.tag(17);
            w.u32(mission.0);
            w.day(*day);
            w.seq(*cause);
            w.u32(*index);
            w.staff(staff);
        }
        Fact::ReservedMemberShed {
            mission,
            day,
            cause,
            index,
            person,
        } => {
            w.tag(18);
            w.u32(mission.0);
            w.day(*day);
            w.seq(*cause);
            w.u32(*index);
            w.u32(person.0);
        }
        Fact::StaffReported {
            mission,
            in_post,
            vacant,
        } => {
            w.tag(19);
            w.u32(mission.0);
            w.staff(in_post);
            w.u32(*vacant);
        }
        Fact::CapSet {
            scope,
            counts,
            limit,
            comply_by,
            set_by,
        } => {
            w.tag(20);
            w.scope(scope, *counts);
            w.u32(*limit);
            w.opt_day(*comply_by);
            w.u32(set_by.0);
        }
        Fact::CapLifted { scope, counts } => {
            w.tag(21);
            w.scope(scope, *counts);
        }
        Fact::CapComplied { scope, counts } => {
            w.tag(22);
            w.scope(scope, *counts);
        }
        Fact::LocalHired { mission, count } => {
            w.tag(41);
            w.u32(mission.0);
            w.u32(*count);
        }
        Fact::LocalDismissed { mission, count } => {
            w.tag(42);
            w.u32(mission.0);
            w.u32(*count);
        }
        Fact::LocalShed { mission, count } => {
            w.tag(43);
            w.u32(mission.0);
            w.u32(*count);
        }
        Fact::Opened { mission, from } => {
            w.tag(23);
            w.u32(mission.0);
            w.u8(lifecycle_byte(*from));
        }
        Fact::Ended {
            mission,
            from,
            to,
            depart_by,
            in_post,
            leaving,
        } => {
            w.tag(24);
            w.u32(mission.0);
            w.u8(lifecycle_byte(*from));
            w.u8(lifecycle_byte(*to));
            w.opt_day(*depart_by);
            w.u32(*in_post);
            w.u32(*leaving);
        }
        Fact::ConsentWithdrawn { mission } => {
            w.tag(25);
            w.u32(mission.0);
        }
        Fact::ConsentGranted { mission } => {
            w.tag(26);
            w.u32(mission.0);
        }
        Fact::PremisesSeized { mission } => {
            w.tag(27);
            w.u32(mission.0);
        }
        Fact::RelationsBroken { pair } => {
            w.tag(28);
            w.pair(*pair);
        }
        Fact::RelationsRestored { pair } => {
            w.tag(29);
            w.pair(*pair);
        }
        Fact::ContactsFrozen { pair } => {
            w.tag(30);
            w.pair(*pair);
        }
        Fact::ChannelDesignated { pair, via } => {
            w.tag(31);
            w.pair(*pair);
            w.u32(via.0);
        }
        Fact::ProposalHeld { actor, measures } => {
            w.tag(32);
            w.u32(actor.0);
            let wired: Vec<wire::Measure> = measures.iter().map(wire::Measure::from).collect();
            w.blob(&codec::encode(&wired));
        }
        Fact::ProposalDropped { seq } => {
            w.tag(33);
            w.seq(*seq);
        }
        Fact::Cancelled { of, measures, how } => {
            w.tag(34);
            w.seq(*of);
            w.u32(*measures);
            w.u8(match how {
                Cancellation::Withdrawn => 0,
                Cancellation::Overruled => 1,
            });
        }
        Fact::Superseded { mission, measures } => {
            w.tag(35);
            w.u32(mission.0);
            w.u32(*measures);
        }
        Fact::Recorded => w.tag(36),
        Fact::DepartedForCap { mission, staff } => {
            w.tag(37);
            w.u32(mission.0);
            w.staff(staff);
        }
        Fact::MemberDepartedForCap { mission, person } => {
            w.tag(38);
            w.u32(mission.0);
            w.u32(person.0);
        }
        Fact::Moved {
            from,
            to,
            staff,
            filled,
        } => {
            w.tag(39);
            w.u32(from.0);
            w.u32(to.0);
            w.staff(staff);
            w.u32(*filled);
        }
        Fact::MemberMoved {
            from,
            to,
            person,
            filled,
        } => {
            w.tag(40);
            w.u32(from.0);
            w.u32(to.0);
            w.u32(person.0);
            w.u8(u8::from(*filled));
        }
    }
}

/// Reads one fact from the front of `bytes`; returns it and the bytes it used.
///
/// A fact of fixed size with enough bytes after it (all but the last few of a frame) is read
/// from a fixed-size window, with one length check; anything else, and any fact that does not
/// check out, is read field by field, which also words the error.
#[inline]
pub fn get(bytes: &[u8], b: &Bounds) -> Result<(Fact, usize), String> {
    if let Some(window) = bytes.first_chunk::<WINDOW>()
        && let Some(read) = fast(window, b)
    {
        return Ok(read);
    }
    get_checked(bytes, b)
}

/// Bytes of the window [`fast`] reads: at least the tag and the largest fixed-size fact.
const WINDOW: usize = 40;

/// Reads a fact of fixed size from a window of bytes that holds it whole: each field at a
/// constant offset, no length check. `None` for a fact of variable size (a deferred measure,
/// a held proposal) or one that does not check out ([`get_checked`] says why).
#[inline]
fn fast(a: &[u8; WINDOW], b: &Bounds) -> Option<(Fact, usize)> {
    let u = |i: usize| u32::from_le_bytes([a[i], a[i + 1], a[i + 2], a[i + 3]]);
    let day = |i: usize| Day(u(i) as i32);
    let below = |i: usize, bound: u32| {
        let n = u(i);
        (n < bound).then_some(n)
    };
    let mission = |i: usize| below(i, b.missions).map(MissionId);
    let actor = |i: usize| below(i, b.actors).map(ActorId);
    let person = |i: usize| below(i, b.persons).map(PersonId);
    let seq = |i: usize| {
        let n = u(i);
        (n <= b.seq).then_some(Seq(n))
    };
    let staff = |i: usize| Staff([u(i), u(i + 4), u(i + 8), u(i + 12)]);
    let flag = |i: usize| match a[i] {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    };
    let opt_day = |i: usize| Some(flag(i)?.then_some(day(i + 1)));
    let lifecycle = |i: usize| {
        Some(match a[i] {
            0 => Lifecycle::NotOpen,
            1 => Lifecycle::Operating,
            2 => Lifecycle::Suspended,
            3 => Lifecycle::Closed,
            _ => return None,
        })
    };
    let scope = |i: usize| {
        let counts = counts_of(a[i] >> 4)?;
        let scope = match a[i] & 0x0f {
            0 => CapScope::Mission(mission(i + 1)?),
            1 => CapScope::Posts {
                sender: actor(i + 1)?,
                host: actor(i + 5)?,
            },
            _ => return None,
        };
        Some((scope, counts))
    };
    let pair = |i: usize| Some((actor(i)?, actor(i + 4)?));
    // Offsets count the tag byte: the first field is at 1.
    Some(match a[0] {
        0 => (
            Fact::Due {
                day: day(1),
                cause: seq(5)?,
                index: u(9),
            },
            13,
        ),
        1 => {
            let (at, index, actor) = (day(1), u(5), actor(9)?);
            let (effect, used) = match a[13] {
                0 => (
                    Effect::Lapse {
                        mission: mission(14)?,
                    },
                    18,
                ),
                1 => {
                    let (scope, counts) = scope(14)?;
                    (Effect::Compliance { scope, counts }, 23)
                }
                _ => return None,
            };
            let f = Fact::Scheduled {
                day: at,
                index,
                actor,
                effect,
            };
            (f, used)
        }
        2 => (
            Fact::Unscheduled {
                day: day(1),
                cause: seq(5)?,
                index: u(9),
            },
            13,
        ),
        3 => (
            Fact::Requested {
                mission: mission(1)?,
                count: u(5),
            },
            9,
        ),
        4 => (
            Fact::Denied {
                mission: mission(1)?,
                count: u(5),
            },
            9,
        ),
        5 => (
            Fact::Granted {
                mission: mission(1)?,
                staff: staff(5),
                filled: u(21),
            },
            25,
        ),
        6 => (
            Fact::MemberGranted {
                mission: mission(1)?,
                person: person(5)?,
                filled: flag(9)?,
            },
            10,
        ),
        7 => (
            Fact::ToLeave {
                mission: mission(1)?,
                staff: staff(5),
                deadline: day(21),
            },
            25,
        ),
        8 => (
            Fact::MemberToLeave {
                mission: mission(1)?,
                person: person(5)?,
                deadline: day(9),
            },
            13,
        ),
        9 => (
            Fact::Recalled {
                mission: mission(1)?,
                staff: staff(5),
            },
            21,
        ),
        10 => (
            Fact::MemberRecalled {
                mission: mission(1)?,
                person: person(5)?,
            },
            9,
        ),
        11 => (
            Fact::Departed {
                mission: mission(1)?,
                deadline: day(5),
                batch: seq(9)?,
                staff: staff(13),
            },
            29,
        ),
        12 => (
            Fact::MemberDeparted {
                mission: mission(1)?,
                person: person(5)?,
            },
            9,
        ),
        13 => (
            Fact::Lapsed {
                mission: mission(1)?,
                deadline: day(5),
                batch: seq(9)?,
                count: u(13),
            },
            17,
        ),
        14 => (
            Fact::PostsAbolished {
                mission: mission(1)?,
                count: u(5),
            },
            9,
        ),
        15 => (
            Fact::Shed {
                mission: mission(1)?,
                staff: staff(5),
            },
            21,
        ),
        16 => (
            Fact::MemberShed {
                mission: mission(1)?,
                person: person(5)?,
            },
            9,
        ),
        17 => (
            Fact::ReservedShed {
                mission: mission(1)?,
                day: day(5),
                cause: seq(9)?,
                index: u(13),
                staff: staff(17),
            },
            33,
        ),
        18 => (
            Fact::ReservedMemberShed {
                mission: mission(1)?,
                day: day(5),
                cause: seq(9)?,
                index: u(13),
                person: person(17)?,
            },
            21,
        ),
        19 => (
            Fact::StaffReported {
                mission: mission(1)?,
                in_post: staff(5),
                vacant: u(21),
            },
            25,
        ),
        20 => {
            let (scope, counts) = scope(1)?;
            let f = Fact::CapSet {
                scope,
                counts,
                limit: u(10),
                comply_by: opt_day(14)?,
                set_by: actor(19)?,
            };
            (f, 23)
        }
        21 => {
            let (scope, counts) = scope(1)?;
            (Fact::CapLifted { scope, counts }, 10)
        }
        22 => {
            let (scope, counts) = scope(1)?;
            (Fact::CapComplied { scope, counts }, 10)
        }
        23 => (
            Fact::Opened {
                mission: mission(1)?,
                from: lifecycle(5)?,
            },
            6,
        ),
        24 => (
            Fact::Ended {
                mission: mission(1)?,
                from: lifecycle(5)?,
                to: lifecycle(6)?,
                depart_by: opt_day(7)?,
                in_post: u(12),
                leaving: u(16),
            },
            20,
        ),
        25 => (
            Fact::ConsentWithdrawn {
                mission: mission(1)?,
            },
            5,
        ),
        26 => (
            Fact::ConsentGranted {
                mission: mission(1)?,
            },
            5,
        ),
        27 => (
            Fact::PremisesSeized {
                mission: mission(1)?,
            },
            5,
        ),
        28 => (Fact::RelationsBroken { pair: pair(1)? }, 9),
        29 => (Fact::RelationsRestored { pair: pair(1)? }, 9),
        30 => (Fact::ContactsFrozen { pair: pair(1)? }, 9),
        31 => (
            Fact::ChannelDesignated {
                pair: pair(1)?,
                via: mission(9)?,
            },
            13,
        ),
        33 => (Fact::ProposalDropped { seq: seq(1)? }, 5),
        34 => (
            Fact::Cancelled {
                of: seq(1)?,
                measures: u(5),
                how: match a[9] {
                    0 => Cancellation::Withdrawn,
                    1 => Cancellation::Overruled,
                    _ => return None,
                },
            },
            10,
        ),
        35 => (
            Fact::Superseded {
                mission: mission(1)?,
                measures: u(5),
            },
            9,
        ),
        36 => (Fact::Recorded, 1),
        37 => (
            Fact::DepartedForCap {
                mission: mission(1)?,
                staff: staff(5),
            },
            21,
        ),
        38 => (
            Fact::MemberDepartedForCap {
                mission: mission(1)?,
                person: person(5)?,
            },
            9,
        ),
        39 => (
            Fact::Moved {
                from: mission(1)?,
                to: mission(5)?,
                staff: staff(9),
                filled: u(25),
            },
            29,
        ),
        40 => (
            Fact::MemberMoved {
                from: mission(1)?,
                to: mission(5)?,
                person: person(9)?,
                filled: flag(13)?,
            },
            14,
        ),
        41 => (
            Fact::LocalHired {
                mission: mission(1)?,
                count: u(5),
            },
            9,
        ),
        42 => (
            Fact::LocalDismissed {
                mission: mission(1)?,
                count: u(5),
            },
            9,
        ),
        43 => (
            Fact::LocalShed {
                mission: mission(1)?,
                count: u(5),
            },
            9,
        ),
        _ => return None,
    })
}

/// Reads one fact field by field, checking the length of each: for facts near the end of the
/// bytes, facts of variable size, and to word what is wrong with a fact.
#[cold]
fn get_checked(bytes: &[u8], b: &Bounds) -> Result<(Fact, usize), String> {
    let mut r = R { bytes, at: 0, b };
    let tag = r.u8()?;
    let fact = match tag {
        0 => Fact::Due {
            day: r.day()?,
            cause: r.seq()?,
            index: r.u32()?,
        },
        1 => {
            let (day, index, actor) = (r.day()?, r.u32()?, r.actor()?);
            let effect = match r.u8()? {
                0 => Effect::Lapse {
                    mission: r.mission()?,
                },
                1 => {
                    let (scope, counts) = r.scope()?;
                    Effect::Compliance { scope, counts }
                }
                2 => {
                    let reserved = r.staff()?;
                    let w: wire::Action = codec::decode(r.blob()?)
                        .map_err(|e| format!("a deferred measure does not decode: {e}"))?;
                    let action: crate::core::Action = w.into();
                    super::check::action(b, &action)?;
                    Effect::Measure(Box::new(Planned { action, reserved }))
                }
                n => return Err(format!("unknown scheduled effect {n}")),
            };
            Fact::Scheduled {
                day,
                index,
                actor,
                effect,
            }
        }
        2 => Fact::Unscheduled {
            day: r.day()?,
            cause: r.seq()?,
            index: r.u32()?,
        },
        3 => Fact::Requested {
            mission: r.mission()?,
            count: r.u32()?,
        },
        4 => Fact::Denied {
            mission: r.mission()?,
            count: r.u32()?,
        },
        5 => Fact::Granted {
            mission: r.mission()?,
            staff: r.staff()?,
            filled: r.u32()?,
        },
        6 => Fact::MemberGranted {
            mission: r.mission()?,
            person: r.person()?,
            filled: r.flag()?,
        },
        7 => Fact::ToLeave {
            mission: r.mission()?,
            staff: r.staff()?,
            deadline: r.day()?,
        },
        8 => Fact::MemberToLeave {
            mission: r.mission()?,
            person: r.person()?,
            deadline: r.day()?,
        },
        9 => Fact::Recalled {
            mission: r.mission()?,
            staff: r.staff()?,
        },
        10 => Fact::MemberRecalled {
            mission: r.mission()?,
            person: r.person()?,
        },
        11 => Fact::Departed {
            mission: r.mission()?,
            deadline: r.day()?,
            batch: r.seq()?,
            staff: r.staff()?,
        },
        12 => Fact::MemberDeparted {
            mission: r.mission()?,
            person: r.person()?,
        },
        13 => Fact::Lapsed {
            mission: r.mission()?,
            deadline: r.day()?,
            batch: r.seq()?,
            count: r.u32()?,
        },
        14 => Fact::PostsAbolished {
            mission: r.mission()?,
            count: r.u32()?,
        },
        15 => Fact::Shed {
            mission: r.mission()?,
            staff: r.staff()?,
        },
        16 => Fact::MemberShed {
            mission: r.mission()?,
            person: r.person()?,
        },
        17 => Fact::ReservedShed {
            mission: r.mission()?,
            day: r.day()?,
            cause: r.seq()?,
            index: r.u32()?,
            staff: r.staff()?,
        },
        18 => Fact::ReservedMemberShed {
            mission: r.mission()?,
            day: r.day()?,
            cause: r.seq()?,
            index: r.u32()?,
            person: r.person()?,
        },
        19 => Fact::StaffReported {
            mission: r.mission()?,
            in_post: r.staff()?,
            vacant: r.u32()?,
        },
        20 => {
            let (scope, counts) = r.scope()?;
            Fact::CapSet {
                scope,
                counts,
                limit: r.u32()?,
                comply_by: r.opt_day()?,
                set_by: r.actor()?,
            }
        }
        21 => {
            let (scope, counts) = r.scope()?;
            Fact::CapLifted { scope, counts }
        }
        22 => {
            let (scope, counts) = r.scope()?;
            Fact::CapComplied { scope, counts }
        }
        23 => Fact::Opened {
            mission: r.mission()?,
            from: r.lifecycle()?,
        },
        24 => Fact::Ended {
            mission: r.mission()?,
            from: r.lifecycle()?,
            to: r.lifecycle()?,
            depart_by: r.opt_day()?,
            in_post: r.u32()?,
            leaving: r.u32()?,
        },
        25 => Fact::ConsentWithdrawn {
            mission: r.mission()?,
        },
        26 => Fact::ConsentGranted {
            mission: r.mission()?,
        },
        27 => Fact::PremisesSeized {
            mission: r.mission()?,
        },
        28 => Fact::RelationsBroken { pair: r.pair()? },
        29 => Fact::RelationsRestored { pair: r.pair()? },
        30 => Fact::ContactsFrozen { pair: r.pair()? },
        31 => Fact::ChannelDesignated {
            pair: r.pair()?,
            via: r.mission()?,
        },
        32 => {
            let actor = r.actor()?;
            let wired: Vec<wire::Measure> = codec::decode(r.blob()?)
                .map_err(|e| format!("a held proposal does not decode: {e}"))?;
            let mut measures = Vec::with_capacity(wired.len());
            for m in wired {
                let m: crate::core::Measure = m.into();
                super::check::action(b, &m.action)?;
                measures.push(m);
            }
            Fact::ProposalHeld {
                actor,
                measures: measures.into_boxed_slice(),
            }
        }
        33 => Fact::ProposalDropped { seq: r.seq()? },
        34 => Fact::Cancelled {
            of: r.seq()?,
            measures: r.u32()?,
            how: match r.u8()? {
                0 => Cancellation::Withdrawn,
                1 => Cancellation::Overruled,
                n => return Err(format!("unknown cancellation {n}")),
            },
        },
        35 => Fact::Superseded {
            mission: r.mission()?,
            measures: r.u32()?,
        },
        36 => Fact::Recorded,
        37 => Fact::DepartedForCap {
            mission: r.mission()?,
            staff: r.staff()?,
        },
        38 => Fact::MemberDepartedForCap {
            mission: r.mission()?,
            person: r.person()?,
        },
        39 => Fact::Moved {
            from: r.mission()?,
            to: r.mission()?,
            staff: r.staff()?,
            filled: r.u32()?,
        },
        40 => Fact::MemberMoved {
            from: r.mission()?,
            to: r.mission()?,
            person: r.person()?,
            filled: r.flag()?,
        },
        41 => Fact::LocalHired {
            mission: r.mission()?,
            count: r.u32()?,
        },
        42 => Fact::LocalDismissed {
            mission: r.mission()?,
            count: r.u32()?,
        },
        43 => Fact::LocalShed {
            mission: r.mission()?,
            count: r.u32()?,
        },
        n => return Err(format!("unknown fact tag {n}")),
    };
    Ok((fact, r.at))
}

fn counts_byte(c: Counts) -> u8 {
    match c {
        Counts::Sent => 0,
        Counts::All => 1,
        Counts::Local => 2,
        Counts::Diplomatic => 3,
        Counts::AdministrativeTechnical => 4,
        Counts::Service => 5,
    }
}

fn counts_of(b: u8) -> Option<Counts> {
    match b {
        0 => Some(Counts::Sent),
        1 => Some(Counts::All),
        2 => Some(Counts::Local),
        3 => Some(Counts::Diplomatic),
        4 => Some(Counts::AdministrativeTechnical),
        5 => Some(Counts::Service),
        _ => None,
    }
}

fn lifecycle_byte(l: Lifecycle) -> u8 {
    match l {
        Lifecycle::NotOpen => 0,
        Lifecycle::Operating => 1,
        Lifecycle::Suspended => 2,
        Lifecycle::Closed => 3,
    }
}

struct W<'a>(&'a mut Vec<u8>);

impl W<'_> {
    fn tag(&mut self, t: u8) {
        self.0.push(t);
    }
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn day(&mut self, d: Day) {
        self.0.extend_from_slice(&d.0.to_le_bytes());
    }
    fn seq(&mut self, s: Seq) {
        self.u32(s.0);
    }
    fn opt_day(&mut self, d: Option<Day>) {
        self.u8(u8::from(d.is_some()));
        self.day(d.unwrap_or(Day(0)));
    }
    fn staff(&mut self, s: &Staff) {
        for n in s.0 {
            self.u32(n);
        }
    }
    /// A cap's scope and what it counts: the kind of scope in the low four bits of the first
    /// byte, the counting in the high four (0 for staff sent, so caps of logs written before
    /// caps counted anything else read the same).
    fn scope(&mut self, s: &CapScope, counts: Counts) {
        let high = counts_byte(counts) << 4;
        match *s {
            CapScope::Mission(m) => {
                self.u8(high);
                self.u32(m.0);
                self.u32(0);
            }
            CapScope::Posts { sender, host } => {
                self.u8(high | 1);
                self.u32(sender.0);
                self.u32(host.0);
            }
        }
    }
    fn pair(&mut self, (a, b): (ActorId, ActorId)) {
        self.u32(a.0);
        self.u32(b.0);
    }
    fn blob(&mut self, bytes: &[u8]) {
        self.u32(u32::try_from(bytes.len()).expect("a measure fits in 4 GiB"));
        self.0.extend_from_slice(bytes);
    }
}

struct R<'a> {
    bytes: &'a [u8],
    at: usize,
    b: &'a Bounds,
}

impl<'a> R<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at + n;
        if end > self.bytes.len() {
            return Err("a fact is cut short".into());
        }
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn flag(&mut self) -> Result<bool, String> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            n => Err(format!("a flag reads {n}")),
        }
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn day(&mut self) -> Result<Day, String> {
        Ok(Day(self.u32()? as i32))
    }
    fn opt_day(&mut self) -> Result<Option<Day>, String> {
        let some = self.flag()?;
        let d = self.day()?;
        Ok(some.then_some(d))
    }
    fn check(n: u32, bound: u32, what: &str) -> Result<u32, String> {
        if n < bound {
            Ok(n)
        } else {
            Err(format!("a fact names {what} {n}; the log has {bound}"))
        }
    }
    fn mission(&mut self) -> Result<MissionId, String> {
        let n = self.u32()?;
        Ok(MissionId(Self::check(n, self.b.missions, "mission")?))
    }
    fn actor(&mut self) -> Result<ActorId, String> {
        let n = self.u32()?;
        Ok(ActorId(Self::check(n, self.b.actors, "actor")?))
    }
    fn person(&mut self) -> Result<PersonId, String> {
        let n = self.u32()?;
        Ok(PersonId(Self::check(n, self.b.persons, "person")?))
    }
    fn seq(&mut self) -> Result<Seq, String> {
        let n = self.u32()?;
        if n > self.b.seq {
            return Err(format!(
                "a fact names event {} after the one it belongs to ({})",
                n + 1,
                self.b.seq + 1
            ));
        }
        Ok(Seq(n))
    }
    fn staff(&mut self) -> Result<Staff, String> {
        Ok(Staff([self.u32()?, self.u32()?, self.u32()?, self.u32()?]))
    }
    fn lifecycle(&mut self) -> Result<Lifecycle, String> {
        Ok(match self.u8()? {
            0 => Lifecycle::NotOpen,
            1 => Lifecycle::Operating,
            2 => Lifecycle::Suspended,
            3 => Lifecycle::Closed,
            n => return Err(format!("unknown lifecycle {n}")),
        })
    }
    fn scope(&mut self) -> Result<(CapScope, Counts), String> {
        let byte = self.u8()?;
        let counts =
            counts_of(byte >> 4).ok_or_else(|| format!("unknown cap counting {}", byte >> 4))?;
        let scope = match byte & 0x0f {
            0 => {
                let m = self.mission()?;
                self.u32()?;
                CapScope::Mission(m)
            }
            1 => CapScope::Posts {
                sender: self.actor()?,
                host: self.actor()?,
            },
            n => return Err(format!("unknown cap scope {n}")),
        };
        Ok((scope, counts))
    }
    fn pair(&mut self) -> Result<(ActorId, ActorId), String> {
        Ok((self.actor()?, self.actor()?))
    }
    fn blob(&mut self) -> Result<&'a [u8], String> {
        let n = self.u32()? as usize;
        self.take(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Engine;

    /// Every fact of a generated log, as stored.
    fn stored_facts(seed: u64) -> (Bounds, Vec<Fact>) {
        let g = crate::r#gen::generate(&crate::r#gen::GenConfig {
            seed,
            actors: 12,
            missions: 40,
            events: 3_000,
        });
        let mut engine = Engine::recording(&g.world, g.initial.clone());
        let mut facts = Vec::new();
        for e in &g.events {
            engine
                .step(e, &mut ())
                .expect("generated events are accepted");
            facts.extend(engine.take_passed());
            facts.extend_from_slice(engine.facts());
        }
        (Bounds::of(&g.world, g.events.len() as u32), facts)
    }

    #[test]
    fn departures_for_a_cap_and_moves_read_back_through_the_window() {
        let b = Bounds {
            actors: 3,
            missions: 4,
            persons: 5,
            seq: 9,
        };
        let facts = [
            Fact::DepartedForCap {
                mission: MissionId(3),
                staff: Staff([1, 2, 3, 4]),
            },
            Fact::MemberDepartedForCap {
                mission: MissionId(2),
                person: PersonId(4),
            },
            Fact::Moved {
                from: MissionId(1),
                to: MissionId(0),
                staff: Staff([5, 0, 7, 0]),
                filled: 3,
            },
            Fact::MemberMoved {
                from: MissionId(0),
                to: MissionId(3),
                person: PersonId(1),
                filled: true,
            },
        ];
        for f in facts {
            let mut bytes = Vec::new();
            put(&f, &mut bytes);
            let len = bytes.len();
            assert_eq!(get_checked(&bytes, &b).unwrap(), (f.clone(), len));
            bytes.resize(len + WINDOW, 0xAB);
            let window = bytes.first_chunk::<WINDOW>().unwrap();
            assert_eq!(fast(window, &b), Some((f.clone(), len)), "{f:?}");
        }
    }

    #[test]
    fn the_window_and_the_field_by_field_reader_agree_on_every_fact() {
        let (b, facts) = stored_facts(11);
        let mut tags = std::collections::BTreeSet::new();
        for f in &facts {
            let mut bytes = Vec::new();
            put(f, &mut bytes);
            tags.insert(bytes[0]);
            let len = bytes.len();
            let checked = get_checked(&bytes, &b).unwrap();
            assert_eq!(checked, (f.clone(), len));
            // Followed by other bytes, as in a frame, the window reads it.
            bytes.resize(len + WINDOW, 0xAB);
            assert_eq!(get(&bytes, &b).unwrap(), (f.clone(), len));
            let window = bytes.first_chunk::<WINDOW>().unwrap();
            if let Some(read) = fast(window, &b) {
                assert_eq!(read, (f.clone(), len));
            } else {
                assert!(
                    matches!(
                        f,
                        Fact::Scheduled {
                            effect: Effect::Measure(_),
                            ..
                        } | Fact::ProposalHeld { .. }
                    ),
                    "only facts of variable size leave the window: {f:?}"
                );
            }
        }
        assert!(tags.len() >= 25, "the log exercises most tags: {tags:?}");
    }

    #[test]
    fn a_fact_that_does_not_check_out_is_refused_in_the_same_words_either_way() {
        let (b, facts) = stored_facts(12);
        let mut refused = 0;
        let fixed = facts.iter().filter(|f| {
            !matches!(
                f,
                Fact::Scheduled {
                    effect: Effect::Measure(_),
                    ..
                } | Fact::ProposalHeld { .. }
            )
        });
        for f in fixed.take(600) {
            let mut bytes = Vec::new();
            put(f, &mut bytes);
            let len = bytes.len();
            for at in 1..len {
                for v in [0xFF, 2, 7] {
                    let mut bad = bytes.clone();
                    bad[at] = v;
                    bad.resize(len + WINDOW, 0);
                    let read = get(&bad, &b);
                    assert_eq!(read, get_checked(&bad, &b), "{f:?} with byte {at} = {v}");
                    refused += usize::from(read.is_err());
                }
            }
            assert_eq!(
                get(&bytes[..len - 1], &b).unwrap_err(),
                "a fact is cut short"
            );
        }
        assert!(
            refused > 100,
            "ids out of range and unknown tags are refused"
        );
        assert_eq!(get(&[99; WINDOW], &b).unwrap_err(), "unknown fact tag 99");
    }
}
