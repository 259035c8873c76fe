//! One seed source for every property test, so that a run in CI is the same run everywhere.
//!
//! Property tests take their configuration from [`config`]: ChaCha, seeded with [`SEED`]
//! unless `PROPTEST_RNG_SEED` gives another, and the file's own number of cases unless
//! `PROPTEST_CASES` gives another. docs/testing.md says how to run with another seed and how
//! regression files work.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestRunner};

/// The seed every property test starts from by default.
pub(crate) const SEED: u64 = 20_211_101;

/// A configuration running `cases` cases from the fixed seed (or those the environment asks).
pub(crate) fn config(cases: u32) -> Config {
    // `Config::default()` reads the PROPTEST_* variables.
    let base = Config::default();
    let rng_seed = match base.rng_seed {
        RngSeed::Random => RngSeed::Fixed(SEED),
        given => given,
    };
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() {
        base.cases
    } else {
        cases
    };
    Config {
        cases,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed,
        ..base
    }
}

/// The values a runner with [`config`] draws first.
fn first_draws() -> Vec<u64> {
    let mut runner = TestRunner::new(config(8));
    (0..8)
        .map(|_| any::<u64>().new_tree(&mut runner).unwrap().current())
        .collect()
}

#[test]
fn two_runners_from_the_config_draw_the_same_values() {
    assert_eq!(first_draws(), first_draws());
}

#[test]
fn the_seed_is_fixed_unless_the_environment_gives_one() {
    let c = config(8);
    assert_eq!(c.rng_algorithm, RngAlgorithm::ChaCha);
    match std::env::var("PROPTEST_RNG_SEED") {
        Ok(s) => assert_eq!(c.rng_seed, RngSeed::Fixed(s.parse().unwrap())),
        Err(_) => assert_eq!(c.rng_seed, RngSeed::Fixed(SEED)),
    }
}
