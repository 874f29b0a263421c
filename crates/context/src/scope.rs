//! Scope: which trigger of an axis reaches a target. A forward trigger
//! reaches every later word of its sentence until a terminator ("but",
//! "however"; "now" for the past); a backward trigger ("free", "was ruled
//! out") reaches back the same way, but over a few words only. Triggers inside the target do not count:
//! a long target may hold a cue word of its own, and a trigger inside
//! parentheses reaches no further than the closing one.

use crate::{Axis, ContextEngine, Direction, Hit, Role};
use std::ops::Range;

/// The nearest trigger of `axis` among a sentence's `hits` (sorted by start)
/// whose scope holds `target`: forward triggers before it first.
pub(crate) fn trigger_for(
    engine: &ContextEngine,
    text: &[u8],
    hits: &[Hit],
    target: &Range<usize>,
    axis: Axis,
) -> Option<Hit> {
    let before = hits.partition_point(|h| h.span.start < target.start);
    let preceding = hits[..before].iter().rev().filter(|h| h.span.end <= target.start);
    let reaches_forward = |hit: &Hit| !closes_parenthesis(&text[hit.span.end..target.start]);
    if let Some(hit) = nearest(engine, preceding, axis, Direction::Forward, reaches_forward) {
        return Some(hit);
    }
    let after = hits.partition_point(|h| h.span.start < target.end);
    let reaches_backward = |hit: &Hit| {
        let between = &text[target.end..hit.span.start];
        !opens_parenthesis(between) && words_in(between) <= BACKWARD_REACH_WORDS
    };
    nearest(engine, hits[after..].iter(), axis, Direction::Backward, reaches_backward)
}

/// True when `between` closes a parenthesis it did not open: a forward
/// trigger before it sits inside parentheses that end before the target.
fn closes_parenthesis(between: &[u8]) -> bool {
    let mut depth = 0i32;
    for &b in between {
        match b {
            b'(' => depth += 1,
            b')' if depth == 0 => return true,
            b')' => depth -= 1,
            _ => {}
        }
    }
    false
}

/// True when `between` leaves a parenthesis open: a backward trigger after
/// it sits inside parentheses that open after the target.
fn opens_parenthesis(between: &[u8]) -> bool {
    let mut depth = 0i32;
    for &b in between {
        match b {
            b'(' => depth += 1,
            b')' => depth = (depth - 1).max(0),
            _ => {}
        }
    }
    depth > 0
}

/// Walks away from the target and returns the first trigger of `axis`
/// pointing towards it, unless a terminator of that axis comes first.
fn nearest<'h>(
    engine: &ContextEngine,
    walk: impl Iterator<Item = &'h Hit>,
    axis: Axis,
    towards: Direction,
    reaches: impl Fn(&Hit) -> bool,
) -> Option<Hit> {
    for hit in walk {
        match engine.role(hit.entry) {
            Role::Terminate(None) => return None,
            Role::Terminate(Some(ended)) if ended == axis => return None,
            Role::Trigger(a, direction)
                if a == axis
                    && (direction == towards || direction == Direction::Both)
                    && reaches(hit) =>
            {
                return Some(hit.clone());
            }
            _ => {}
        }
    }
    None
}

/// How many words a backward trigger reaches over. It closes a short phrase
/// ("the face is spared", "cultures were negative"); without a limit, a note
/// without full stops (dictation, MTSamples' run-on lines) let "10 years ago"
/// or "in the past" date a patient's age a clause away. Chosen on the kit's
/// odd rows, where any reach from 5 words on scores the same.
const BACKWARD_REACH_WORDS: usize = 6;

/// How many words `between` holds.
fn words_in(between: &[u8]) -> usize {
    between
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| w.iter().any(u8::is_ascii_alphanumeric))
        .count()
}
