//! `demarche --help` and every subcommand's help teach with examples that work as printed:
//! each example is one line, and running it from the repository root exits as documented.

use crate::cli::{demarche, stderr};

/// The commands whose help is checked here (`log` and `bench` document themselves).
const COMMANDS: [&[&str]; 7] = [
    &[],
    &["replay"],
    &["state"],
    &["validate"],
    &["events"],
    &["whatif"],
    &["sweep"],
];

fn help(cmd: &[&str]) -> String {
    let mut args = cmd.to_vec();
    args.push("--help");
    let o = demarche(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    String::from_utf8(o.stdout).unwrap()
}

/// The lines of the `Examples:` section, which runs to the end of the help.
fn examples(help: &str) -> Vec<&str> {
    let (_, section) = help
        .split_once("\nExamples:\n")
        .unwrap_or_else(|| panic!("no Examples section in\n{help}"));
    section.lines().collect()
}

#[test]
fn every_help_has_examples_each_on_one_line() {
    for cmd in COMMANDS {
        let h = help(cmd);
        let ex = examples(&h);
        assert!(ex.len() >= 2, "{cmd:?}: too few examples");
        for line in ex {
            assert!(
                line.starts_with("  demarche "),
                "{cmd:?}: an example is split over lines or the section holds more: {line:?}"
            );
        }
    }
}

#[test]
fn the_preamble_wraps_into_whole_lines() {
    let h = help(&[]);
    for line in h.lines() {
        let words = line.split_whitespace().count();
        assert!(
            words != 1 || line.trim_start().starts_with('-') || line.ends_with(':'),
            "a line holding one word: {line:?}"
        );
    }
}

#[test]
fn every_argument_has_help() {
    for cmd in COMMANDS.iter().skip(1) {
        let h = help(cmd);
        let lines: Vec<&str> = h.lines().collect();
        let mut seen = 0;
        for (i, line) in lines.iter().enumerate() {
            let is_arg =
                line.starts_with("  <") || line.starts_with("  -") || line.starts_with("      --");
            if !is_arg {
                continue;
            }
            seen += 1;
            let next = lines.get(i + 1).copied().unwrap_or("");
            assert!(
                next.starts_with("          ") && !next.trim().is_empty(),
                "{cmd:?}: {} has no help",
                line.trim()
            );
        }
        assert!(seen >= 3, "{cmd:?}: only {seen} arguments found");
    }
}

/// An example's arguments (after `demarche`, before any `>` redirection) and the exit code it
/// documents: `# exits N` at the end of the line, else 0.
fn parse_example(line: &str) -> (Vec<&str>, i32) {
    let (command, comment) = line.split_once(" # ").unwrap_or((line, ""));
    let code = comment.trim().strip_prefix("exits ").map_or(0, |rest| {
        rest.split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    });
    let command = command.split(" > ").next().unwrap();
    assert!(
        !command.contains(['"', '\'', '\\', '|', '$']),
        "examples are plain words: {line}"
    );
    let mut words = command.split_whitespace();
    assert_eq!(words.next(), Some("demarche"));
    (words.collect(), code)
}

#[test]
fn every_example_in_the_help_runs_and_exits_as_documented() {
    let mut ran = 0;
    for cmd in COMMANDS {
        for line in examples(&help(cmd)) {
            let (args, code) = parse_example(line.trim());
            let o = demarche(&args);
            assert_eq!(
                o.status.code(),
                Some(code),
                "`{}` exited {:?}\n{}",
                line.trim(),
                o.status.code(),
                stderr(&o)
            );
            ran += 1;
        }
    }
    assert!(ran >= 20, "only {ran} examples ran");
}

#[test]
fn a_documented_exit_code_is_read_from_the_example() {
    assert_eq!(
        parse_example("demarche validate x.toml   # exits 1: three problems"),
        (vec!["validate", "x.toml"], 1)
    );
    assert_eq!(
        parse_example("demarche events --format markdown > docs/events.md"),
        (vec!["events", "--format", "markdown"], 0)
    );
}

#[test]
fn the_readme_lists_every_doc_and_starts_with_the_two_commands() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let docs = readme
        .split("\n## Docs\n")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let link = if name.ends_with(".md") {
            format!("(docs/{name})")
        } else {
            format!("(docs/{name}/)")
        };
        assert!(docs.contains(&link), "README's Docs section lacks {link}");
    }
    // The first screen: the main job and the test command.
    let first: String = readme.lines().take(12).collect::<Vec<_>>().join("\n");
    assert!(first.contains("cargo run --release -- replay scenarios/nato-russia-2021.toml"));
    assert!(first.contains("cargo test --locked "));
    assert!(readme.contains("cargo install --locked --path ."));
}
