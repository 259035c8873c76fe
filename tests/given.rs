//! Given/when/then helpers shared by the rule tests: a cast (a scenario file without events)
//! and `[[events]]` tables, replayed by the loader and the core as users run them.

use demarche::run::{Run, Until, run};
use demarche::scenario::{self, Scenario};

/// The cast followed by the events, loaded; a file that does not load fails the test.
#[track_caller]
pub(crate) fn scenario(cast: &str, events: &str) -> Scenario {
    scenario::parse("given.toml", &format!("{cast}\n{events}"))
        .unwrap_or_else(|(_, p)| panic!("{p:#?}"))
}

/// Every event is accepted.
#[track_caller]
pub(crate) fn accepted(cast: &str, events: &str) -> (Scenario, Run) {
    let s = scenario(cast, events);
    let r = run(&s, Until::End, false);
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    (s, r)
}

/// Every event is accepted but the last, which is rejected with `code`; the state is the one
/// the events before it left.
#[track_caller]
pub(crate) fn rejected(cast: &str, events: &str, code: &str) -> Run {
    let s = scenario(cast, events);
    let r = run(&s, Until::End, false);
    let last = s.meta.last().expect("an event").id.clone();
    assert_eq!(r.problems.len(), 1, "{:#?}", r.problems);
    assert_eq!(r.problems[0].code, code, "{:#?}", r.problems[0]);
    assert_eq!(r.problems[0].event.as_deref(), Some(last.as_str()));
    assert_eq!(r.accepted(), s.events.len() - 1);
    r
}

/// The state on `day` (every event dated on or before it, and the effects due by then).
#[track_caller]
pub(crate) fn at_date(s: &Scenario, day: &str) -> Run {
    let r = run(s, Until::Date(scenario::parse_date(day).unwrap()), false);
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    r
}
