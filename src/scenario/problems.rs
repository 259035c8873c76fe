//! Problems found in scenario files, and the positions they point at.

use crate::core::Reason;
use crate::core::world::World;
use std::ops::Range;

/// A problem found in a scenario: where, which event, which rule, and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Byte range in the source, when known.
    pub span: Option<Range<usize>>,
    /// The id of the event concerned, if any.
    pub event: Option<String>,
    /// `E` and the rejection code for a rule (`E012`), or a word for a file problem
    /// (`syntax`, `field`, `reference`, `setup`).
    pub code: String,
    /// The rejection's name and rule (`CountExceedsStaff, counts`), for rule problems.
    pub rule: Option<String>,
    pub message: String,
    pub help: Option<String>,
}

impl Problem {
    pub(super) fn file(code: &str, span: Option<Range<usize>>, message: String) -> Problem {
        Problem {
            span,
            event: None,
            code: code.to_string(),
            rule: None,
            message,
            help: None,
        }
    }

    pub(super) fn with_help(mut self, help: impl Into<String>) -> Problem {
        self.help = Some(help.into());
        self
    }

    /// Adds `help` if there is some.
    pub(super) fn maybe_help(mut self, help: Option<String>) -> Problem {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// A rule rejection of the event `id` whose table spans `span`.
    pub fn rejected(reason: &Reason, world: &World, id: &str, span: Range<usize>) -> Problem {
        Problem {
            span: Some(span),
            event: Some(id.to_string()),
            code: format!("E{:03}", reason.code()),
            rule: Some(format!("{}, rule {}", reason.name(), reason.rule())),
            message: reason.describe(world),
            help: None,
        }
    }
}

pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |i| before.len() - i - 1)
        + 1;
    (line, col)
}

/// The candidates closest to `word` by edit distance, best first (at most three), among those
/// close enough to be a plausible typo: at most a third of the word's length apart, and at
/// least two edits allowed for short words.
pub(super) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    let mut near: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(word, c), c))
        .filter(|&(d, c)| d <= limit && c != word)
        .collect();
    near.sort();
    near.dedup();
    near.truncate(3);
    near.into_iter().map(|(_, c)| c).collect()
}

/// `did you mean "a"?`, `did you mean "a" or "b"?`, for the closest candidates; `None` when
/// none is close.
pub(super) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let near = closest(word, candidates);
    let quoted: Vec<String> = near.iter().map(|c| format!("\"{c}\"")).collect();
    match quoted.as_slice() {
        [] => None,
        [one] => Some(format!("did you mean {one}?")),
        [init @ .., last] => Some(format!("did you mean {} or {last}?", init.join(", "))),
    }
}

/// Text as quoted back in a message: long values (a mistyped reference may be anything) are
/// cut to 60 characters.
pub(super) fn shown(s: &str) -> String {
    const MAX: usize = 60;
    match s.char_indices().nth(MAX) {
        None => s.to_string(),
        Some((i, _)) => format!("{}... ({} bytes)", &s[..i], s.len()),
    }
}

/// At most `max` names, then how many more there are.
pub(super) fn listed<'a>(names: impl IntoIterator<Item = &'a str>, max: usize) -> String {
    let names: Vec<&str> = names.into_iter().collect();
    if names.len() <= max {
        names.join(", ")
    } else {
        format!(
            "{}, and {} more",
            names[..max].join(", "),
            names.len() - max
        )
    }
}
