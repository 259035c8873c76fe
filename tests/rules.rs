//! Given/when/then tests: one per rule and rejection code.
