//! Scope: which trigger of an axis reaches a target. A forward trigger
//! reaches every later word of its sentence until a terminator ("but",
//! "however"; "now" for the past); a backward trigger ("free", "was ruled
//! out") reaches back the same way. Triggers inside the target do not count:
//! a long target may hold a cue word of its own.

use crate::{Axis, ContextEngine, Direction, Hit, Role};
use std::ops::Range;

/// The nearest trigger of `axis` among a sentence's `hits` (sorted by start)
/// whose scope holds `target`: forward triggers before it first.
pub(crate) fn trigger_for(
    engine: &ContextEngine,
    hits: &[Hit],
    target: &Range<usize>,
    axis: Axis,
) -> Option<Hit> {
    let before = hits.partition_point(|h| h.span.start < target.start);
    let preceding = hits[..before].iter().rev().filter(|h| h.span.end <= target.start);
    if let Some(hit) = nearest(engine, preceding, axis, Direction::Forward) {
        return Some(hit);
    }
    let after = hits.partition_point(|h| h.span.start < target.end);
    nearest(engine, hits[after..].iter(), axis, Direction::Backward)
}

/// Walks away from the target and returns the first trigger of `axis`
/// pointing towards it, unless a terminator of that axis comes first.
fn nearest<'h>(
    engine: &ContextEngine,
    walk: impl Iterator<Item = &'h Hit>,
    axis: Axis,
    towards: Direction,
) -> Option<Hit> {
    for hit in walk {
        match engine.role(hit.entry) {
            Role::Terminate(None) => return None,
            Role::Terminate(Some(ended)) if ended == axis => return None,
            Role::Trigger(a, direction)
                if a == axis && (direction == towards || direction == Direction::Both) =>
            {
                return Some(hit.clone());
            }
            _ => {}
        }
    }
    None
}
