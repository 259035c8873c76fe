//! Property tests over generated event logs: invariants after every event, determinism,
//! prefix-then-rest equals all, and rejected events changing nothing.
//!
//! Inputs (seed and sizes) are drawn by proptest, which prints them on failure.

use demarche::core::{Day, Engine, Event, Reason, State};
use demarche::r#gen::{GenConfig, Generated, generate};
use proptest::prelude::*;

fn config() -> impl Strategy<Value = GenConfig> {
    (any::<u64>(), 2usize..12, 0usize..40, 1usize..250).prop_map(
        |(seed, actors, missions, events)| GenConfig {
            seed,
            actors,
            missions,
            events,
        },
    )
}

fn replay(g: &Generated, events: &[Event]) -> State {
    let mut e = Engine::new(&g.world, g.initial.clone());
    for (i, ev) in events.iter().enumerate() {
        e.step(ev, &mut ())
            .unwrap_or_else(|r| panic!("event {i} rejected: {r:?}"));
    }
    e.state
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_generated_event_is_accepted_and_invariants_hold_after_each(cfg in config()) {
        let g = generate(&cfg);
        let mut e = Engine::new(&g.world, g.initial.clone());
        for ev in &g.events {
            let next = e.state.next_seq();
            let backwards = ev.in_response_to.iter().all(|r| *r < next);
            prop_assert!(backwards, "a reference points forwards");
            prop_assert!(e.step(ev, &mut ()).is_ok());
            e.state.check_invariants(&g.world);
        }
        prop_assert_eq!(e.state.log.len(), g.events.len());
    }

    #[test]
    fn replay_is_deterministic(cfg in config()) {
        let g = generate(&cfg);
        let a = replay(&g, &g.events);
        let b = replay(&g, &g.events);
        prop_assert_eq!(a.digest(), b.digest());
        prop_assert_eq!(a, b);
        prop_assert_eq!(generate(&cfg).events, g.events);
    }

    #[test]
    fn a_prefix_then_the_rest_equals_the_whole(cfg in config(), cut in 0.0f64..1.0) {
        let g = generate(&cfg);
        let k = (g.events.len() as f64 * cut) as usize;
        let prefix = replay(&g, &g.events[..k]);
        let mut e = Engine::new(&g.world, prefix.clone());
        for ev in &g.events[k..] {
            prop_assert!(e.step(ev, &mut ()).is_ok());
        }
        let whole = replay(&g, &g.events);
        prop_assert_eq!(e.state.digest(), whole.digest());
    }

    #[test]
    fn a_rejected_event_leaves_state_and_digest_unchanged(cfg in config(), at in 0.0f64..1.0, how in 0u8..3) {
        let g = generate(&cfg);
        let k = ((g.events.len() as f64 * at) as usize).min(g.events.len() - 1);
        let mut e = Engine::new(&g.world, replay(&g, &g.events[..k]));
        let mut bad = g.events[k].clone();
        match how {
            // Dated before the clock.
            0 => bad.date = Day(e.state.clock.0 - 1),
            // Answers an event that is not earlier.
            1 => bad.in_response_to.push(e.state.next_seq()),
            // Adopts something that was never proposed.
            _ => bad.body = demarche::core::Body::ProposalAdopted { proposal: e.state.next_seq() },
        }
        if bad.date >= e.state.clock {
            e.advance_to(bad.date, &mut ());
        }
        let before = e.state.clone();
        let digest = before.digest();
        let result = e.step(&bad, &mut ());
        prop_assert!(result.is_err());
        if how == 0 {
            let dated_back = matches!(result, Err(Reason::DateBeforePrevious { .. }));
            prop_assert!(dated_back);
        }
        prop_assert_eq!(&e.state, &before);
        prop_assert_eq!(e.state.digest(), digest);
    }

    #[test]
    fn the_digest_changes_when_a_mission_changes(cfg in config()) {
        let g = generate(&cfg);
        let mut e = Engine::new(&g.world, g.initial.clone());
        for ev in &g.events {
            let before = e.state.missions.clone();
            let digest = e.state.digest();
            e.step(ev, &mut ()).unwrap();
            if e.state.missions != before {
                prop_assert_ne!(e.state.digest(), digest);
            }
        }
    }
}
