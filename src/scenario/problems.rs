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

    pub(super) fn with_help(mut self, help: &str) -> Problem {
        self.help = Some(help.to_string());
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
