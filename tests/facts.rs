//! Commands in, facts out: the facts a decision stores replay, without a single rule, to the
//! state the decisions reached, and the timeline they give is the one the decisions gave.
//!
//! Inputs are generated logs; proptest draws the seed and sizes and prints them on failure.

use demarche::core::{Change, Day, Engine, Fact, Seq};
use demarche::r#gen::{GenConfig, generate};
use proptest::prelude::*;

fn config() -> impl Strategy<Value = GenConfig> {
    (any::<u64>(), 2usize..10, 0usize..40, 1usize..400).prop_map(
        |(seed, actors, missions, events)| GenConfig {
            seed,
            actors,
            missions,
            events,
        },
    )
}

/// One accepted command as a log stores it: its date and the facts it brought.
struct Record {
    date: Day,
    passed: Vec<Fact>,
    facts: Vec<Fact>,
}

proptest! {
    #![proptest_config(crate::seeded::config(48))]

    /// Applying the stored facts gives, after every command, the state (and digest) deciding
    /// the commands gave, and the same timeline of changes.
    #[test]
    fn stored_facts_replay_to_the_decided_state(cfg in config()) {
        let g = generate(&cfg);
        let mut decided = Engine::recording(&g.world, g.initial.clone());
        let mut decided_changes: Vec<(Day, Seq, Change)> = Vec::new();
        let mut records = Vec::new();
        let mut states = Vec::new();
        for e in &g.events {
            decided.step(e, &mut decided_changes).expect("generated events are accepted");
            records.push(Record {
                date: e.date,
                passed: decided.take_passed(),
                facts: decided.facts().to_vec(),
            });
            states.push(decided.state.clone());
        }
        let mut trusted = g.initial.clone();
        let mut trusted_changes: Vec<(Day, Seq, Change)> = Vec::new();
        for (i, r) in records.iter().enumerate() {
            let seq = trusted.apply_record(r.date, &r.passed, &r.facts, &mut trusted_changes);
            prop_assert_eq!(seq, Seq(i as u32));
            prop_assert_eq!(&trusted, &states[i], "state after command {}", i);
        }
        prop_assert_eq!(trusted.digest(), decided.state.digest());
        prop_assert_eq!(trusted_changes, decided_changes);
    }

    /// A command's facts are what deciding it against the state before it yields, and deciding
    /// without applying leaves the state as it was.
    #[test]
    fn decide_yields_the_facts_and_changes_nothing(cfg in config()) {
        let g = generate(&cfg);
        let mut engine = Engine::new(&g.world, g.initial.clone());
        for e in &g.events {
            engine.advance_to(e.date, &mut ());
            let before = engine.state.clone();
            let facts = engine.state.decide(&g.world, e).expect("accepted");
            prop_assert_eq!(&engine.state, &before);
            engine.step(e, &mut ()).expect("accepted");
            prop_assert_eq!(engine.facts(), &facts[..]);
        }
    }

    /// The facts of time passing that fall due by a day are a prefix of a command's stored
    /// facts: applying that prefix gives the state an advance to that day gives.
    #[test]
    fn a_prefix_of_the_passed_facts_is_the_state_at_a_day(cfg in config()) {
        let g = generate(&cfg);
        let mut engine = Engine::recording(&g.world, g.initial.clone());
        for e in &g.events {
            let before = engine.state.clone();
            engine.step(e, &mut ()).expect("accepted");
            let passed = engine.take_passed();
            for d in before.clock.0..=e.date.0 {
                let mut advanced = Engine::new(&g.world, before.clone());
                advanced.advance_to(Day(d), &mut ());
                let mut folded = before.clone();
                folded.apply_passed_until(&passed, Day(d), &mut ());
                folded.clock = folded.clock.max(Day(d));
                prop_assert_eq!(&folded, &advanced.state, "day {}", d);
            }
        }
    }
}
