//! A counterfactual in a few lines: what if NATO had withdrawn 2 accreditations instead of 8 on
//! 6 October 2021, kept the cap at 20, and Russia had answered in kind after 12 days?
//!
//! `cargo run --example whatif`

use demarche::core::Status;
use demarche::whatif::compare::{Comparison, facts};
use demarche::whatif::{self, Branch, Policy, Respond};
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/nato-russia-2021.toml");
    let base = whatif::load_base(&path).map_err(|e| format!("{e:?}"))?;
    let russia = base.world.actor_by_key("russia").ok_or("no russia")?;
    let from = demarche::scenario::parse_date("2021-10-06")?;

    let mut branch = Branch::new(&base);
    branch
        .set("nato-expels-8-2021.count", "2")?
        .drop("nato-expels-8-2021.staff-cap-set")?;
    branch.policy(Policy::simple(russia, from, Respond::Reciprocal, 12));

    let prepared = branch.prepare();
    let outcome = prepared.run(branch.seed, true);
    let m = base
        .world
        .mission_by_key("ru-mission-nato")
        .ok_or("no mission")?;
    let f = facts(&base.world, &outcome.state, m);
    assert_eq!(f.status, Status::Active);
    println!(
        "{}",
        Comparison::new(
            &prepared,
            "NATO expels 2, Russia answers in kind".into(),
            branch.notes.clone(),
            outcome
        )
        .text()
    );
    Ok(())
}
