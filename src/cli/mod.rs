//! The subcommands of the `demarche` binary, one file each, and what they share (`common`).

/// A help template: clap's usual layout, then the examples exactly as given, one per line.
/// clap wraps `about` and `after_help` to the terminal, which would split a long example in
/// two and break pasting it; the literal text of a template is printed as written.
macro_rules! help_template {
    ($($example:literal),+ $(,)?) => {
        concat!(
            "{before-help}{about-with-newline}\n{usage-heading} {usage}\n\n{all-args}{after-help}\n\nExamples:",
            $("\n  ", $example),+
        )
    };
}

pub mod bench;
pub mod common;
pub mod events;
pub mod fit;
pub mod log;
pub mod problems;
pub mod replay;
pub mod report;
pub mod serve;
pub mod state;
pub mod sweep;
pub mod validate;
pub mod whatif;

pub const ABOUT: &str =
    "Replay diplomatic crises event by event, and ask what state every mission was in on any date.";

/// One line per paragraph: clap wraps it to the terminal.
pub const LONG_ABOUT: &str = "demarche replays a scenario (a TOML file of actors, missions and dated diplomatic events) through a state machine that enforces the rules missions follow (Vienna Conventions: who may expel, who may cap staff, deadlines, compliance dates...). Events that break a rule are rejected with the file, line, event and rule; nothing from a rejected event is applied.";

pub const AFTER_HELP: &str = "\
Exit codes: 0 ok, 1 rejected or invalid input, 2 usage.
Docs: docs/scenario-format.md (writing scenarios), docs/events.md (event kinds, rejection codes), docs/counterfactuals.md (branches, policies, sweeps), docs/log-format.md (logs), docs/benchmarks.md (replay speed).";

pub const TEMPLATE: &str = help_template!(
    "demarche replay scenarios/nato-russia-2021.toml",
    "demarche replay scenarios/nato-russia-2021.toml --until 2021-10-07",
    "demarche state scenarios/nato-russia-2021.toml --at 2021-11-02 --format json",
    "demarche state scenarios/nato-russia-2021.toml --after ru-countermeasures-2021",
    "demarche validate scenarios/uk-russia-2018.toml",
    "demarche events",
    "demarche whatif scenarios/whatif/nato-expels-two.toml",
    "demarche sweep scenarios/whatif/nato-expels-two.toml --runs 10000 --seed 7",
);
