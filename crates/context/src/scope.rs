//! Scope: which trigger of an axis reaches a target. A forward trigger
//! reaches every later word of its sentence until a terminator ("but",
//! "however"; "now" for the past); a backward trigger ("free", "was ruled
//! out") reaches back the same way, but over a few words only. Triggers
//! inside the target do not count: a long target may hold a cue word of its
//! own, and a trigger inside parentheses reaches no further than the closing
//! one.
//!
//! Every target of a note is answered in two sweeps over the note's
//! triggers, brackets and targets, one forward and one backward, so the
//! work grows with the length of the note, not with the number of targets
//! times the triggers of their sentences. In each sweep and for each axis a
//! stack holds the triggers that may still reach the next target, nearest
//! on top: a terminator empties it, a bracket takes off those it closes in.

use crate::{ContextEngine, Direction, Hit, Role};
use std::ops::Range;

/// For one target, the index (into the analysis's hits) of the trigger that
/// reaches it on each axis, in the order of [`Axis::ALL`].
pub(crate) type Reached = [Option<u32>; 5];

/// The triggers that reach each of `targets` (any order, any spans: a span
/// past the end or reversed is answered for what of it lies in the text).
/// `sentences` cover the text in order; `hits` are sorted by start and do
/// not overlap.
pub(crate) fn resolve(
    engine: &ContextEngine,
    text: &Text,
    hits: &[Hit],
    targets: &[Range<usize>],
) -> Vec<Reached> {
    let sentences = text.sentences;
    crate::steps::add(targets.len());
    let targets: Vec<Target> =
        targets.iter().map(|t| Target::new(t, sentences, text.bytes.len())).collect();
    let mut reached = vec![[None; 5]; targets.len()];
    if targets.is_empty() {
        return reached;
    }
    // Only the sentences of the targets matter.
    let from = targets.iter().map(|t| t.sentence.start).min().unwrap_or(0);
    let to = targets.iter().map(|t| t.sentence.end).max().unwrap_or(0);
    let hits_from = hits.partition_point(|h| h.span.start < from);
    let hits_to = hits.partition_point(|h| h.span.start < to);
    let sweep = Sweep {
        engine,
        text: text.bytes,
        run_on: text.run_on,
        hits,
        hit_range: hits_from..hits_to,
        brackets: from..to,
    };
    sweep.forward(&targets, &mut reached);
    sweep.backward(&targets, &mut reached);
    reached
}

/// The text scope reads: its bytes, its sentences (covering it, in order)
/// and its stretches of run-on text (in order).
pub(crate) struct Text<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) sentences: &'a [Range<usize>],
    pub(crate) run_on: &'a [Range<usize>],
}

/// A target as scope sees it: its span in the text, and the sentences it
/// starts and ends in.
struct Target {
    span: Range<usize>,
    /// From the start of the target's first sentence to the end of its last.
    sentence: Range<usize>,
}

impl Target {
    fn new(target: &Range<usize>, sentences: &[Range<usize>], len: usize) -> Target {
        let start = target.start.min(len);
        let span = start..target.end.min(len).max(start);
        let last = span.end.max(span.start + 1) - 1;
        let sentence_of = |offset: usize| {
            let i = sentences.partition_point(|s| s.end <= offset);
            sentences.get(i).cloned().unwrap_or(offset..offset)
        };
        let sentence = sentence_of(span.start).start..sentence_of(last).end;
        Target { span, sentence }
    }
}

/// What both sweeps read.
struct Sweep<'a> {
    engine: &'a ContextEngine,
    text: &'a [u8],
    run_on: &'a [Range<usize>],
    hits: &'a [Hit],
    /// The hits in the targets' sentences.
    hit_range: Range<usize>,
    /// Where brackets matter.
    brackets: Range<usize>,
}

/// A forward trigger waiting for targets: its hit, and the bracket depth
/// at its end.
#[derive(Clone, Copy)]
struct Waiting {
    hit: u32,
    depth: i64,
}

impl Sweep<'_> {
    /// The nearest forward trigger before each target: pushed at its end,
    /// taken off by a terminator of its axis or by a ")" that closes a
    /// bracket it stands in ("(no rash) eczema": "no" does not reach).
    fn forward(&self, targets: &[Target], reached: &mut [Reached]) {
        let order = in_order(targets, |t| t.span.start);
        let mut stacks: [Vec<Waiting>; 5] = Default::default();
        let mut hits = self.hit_range.clone().peekable();
        let mut brackets = self.brackets_in().peekable();
        let mut depth: i64 = 0;
        for &t in &order {
            let target = &targets[t as usize];
            let at = target.span.start;
            // Hits that end by the target and brackets before it, in text
            // order; a hit ending where a bracket stands comes first.
            loop {
                crate::steps::add(1);
                let next_hit = hits.peek().map(|&h| self.hits[h].span.end).filter(|&e| e <= at);
                let next_bracket = brackets.peek().copied().filter(|&b| b < at);
                match (next_hit, next_bracket) {
                    (Some(end), Some(bracket)) if end <= bracket => {}
                    (Some(_), None) => {}
                    (_, Some(bracket)) => {
                        brackets.next();
                        depth += if self.text[bracket] == b'(' { 1 } else { -1 };
                        if self.text[bracket] == b')' {
                            for stack in &mut stacks {
                                while stack.last().is_some_and(|w| w.depth > depth) {
                                    crate::steps::add(1);
                                    stack.pop();
                                }
                            }
                        }
                        continue;
                    }
                    (None, None) => break,
                }
                let Some(h) = hits.next() else { break };
                self.enter(h, &mut stacks, |hit| Waiting { hit, depth }, Direction::Forward);
            }
            let run_on = self.in_run_on(at);
            for (slot, stack) in reached[t as usize].iter_mut().zip(&stacks) {
                let nearest = stack.last().filter(|w| {
                    let hit = &self.hits[w.hit as usize];
                    let reaches = !run_on
                        || words_up_to(
                            &self.text[hit.span.end.min(at)..at],
                            RUN_ON_REACH_WORDS + 1,
                        ) <= RUN_ON_REACH_WORDS;
                    hit.span.start >= target.sentence.start && hit.span.start < at && reaches
                });
                *slot = nearest.map(|w| w.hit);
            }
        }
    }

    /// The nearest backward trigger after each target that no forward one
    /// reached: pushed at its start (sweeping from the end), taken off by a
    /// terminator of its axis or by a "(" that opens a bracket it stands in
    /// ("eczema (not on the face) ..."), and reaching over a few words only.
    fn backward(&self, targets: &[Target], reached: &mut [Reached]) {
        let mut order = in_order(targets, |t| t.span.end);
        order.reverse();
        let closing = self.closing_brackets();
        let mut starts: Vec<usize> = targets.iter().map(|t| t.span.start).collect();
        starts.sort_unstable();
        crate::steps::add(starts.len());
        let mut stacks: [Vec<u32>; 5] = Default::default();
        let mut hits = self.hit_range.clone().rev().peekable();
        let mut opening = closing.iter().rev().peekable();
        for &t in &order {
            let target = &targets[t as usize];
            let at = target.span.end;
            loop {
                crate::steps::add(1);
                let next_hit = hits.peek().map(|&h| self.hits[h].span.start).filter(|&s| s >= at);
                let next_open = opening.peek().map(|&&(open, _)| open).filter(|&o| o >= at);
                // From the right: a "(" where a trigger starts comes first,
                // so that it does not hold that trigger.
                let take_hit = match (next_hit, next_open) {
                    (Some(start), Some(open)) => start > open,
                    (Some(_), None) => true,
                    (None, Some(_)) => false,
                    (None, None) => break,
                };
                if take_hit {
                    let Some(h) = hits.next() else { break };
                    self.enter(h, &mut stacks, |hit| hit, Direction::Backward);
                } else {
                    let Some(&(_, close)) = opening.next() else { break };
                    for stack in &mut stacks {
                        while stack
                            .last()
                            .is_some_and(|&h| self.hits[h as usize].span.start <= close)
                        {
                            crate::steps::add(1);
                            stack.pop();
                        }
                    }
                }
            }
            for (axis, (slot, stack)) in reached[t as usize].iter_mut().zip(&stacks).enumerate() {
                if slot.is_some() {
                    continue;
                }
                let Some(&nearest) = stack.last() else { continue };
                let hit = &self.hits[nearest as usize];
                // Only a denial has an object of its own to stop at ("BP
                // excluded"); a relative or a time after a list ("..., which
                // mom ...") still frames what comes before.
                let own_subject = axis == crate::Axis::Negated.index()
                    && own_subject_after_a_comma(self.text, at..hit.span.start, &starts);
                let reaches = hit.span.start >= at
                    && hit.span.start < target.sentence.end
                    && words_up_to(&self.text[at..hit.span.start], BACKWARD_REACH_WORDS + 1)
                        <= BACKWARD_REACH_WORDS
                    && !own_subject;
                if reaches {
                    *slot = Some(nearest);
                }
            }
        }
    }

    /// What hit `h` does to the waiting triggers of a sweep that runs
    /// `towards` the targets: a terminator empties the stacks of its axes,
    /// a trigger pointing that way waits on its axis.
    fn enter<W>(
        &self,
        h: usize,
        stacks: &mut [Vec<W>; 5],
        waiting: impl Fn(u32) -> W,
        towards: Direction,
    ) {
        match self.engine.role(self.hits[h].entry) {
            Role::Terminate(None) => stacks.iter_mut().for_each(Vec::clear),
            Role::Terminate(Some(axis)) => stacks[axis.index()].clear(),
            Role::Trigger(axis, direction)
                if direction == towards || direction == Direction::Both =>
            {
                stacks[axis.index()].push(waiting(h as u32));
            }
            _ => {}
        }
    }

    /// Whether `offset` is in a stretch of run-on text.
    fn in_run_on(&self, offset: usize) -> bool {
        let i = self.run_on.partition_point(|s| s.end <= offset);
        self.run_on.get(i).is_some_and(|s| s.start <= offset)
    }

    /// The positions of "(" and ")" where brackets matter, in order.
    fn brackets_in(&self) -> impl Iterator<Item = usize> + '_ {
        crate::steps::add(self.brackets.len());
        let from = self.brackets.start;
        memchr::memchr2_iter(b'(', b')', &self.text[self.brackets.clone()]).map(move |i| from + i)
    }

    /// Every "(" where brackets matter with the ")" that closes it, or the
    /// end of the text when none does, in order of the "(".
    fn closing_brackets(&self) -> Vec<(usize, usize)> {
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        for at in self.brackets_in() {
            if self.text[at] == b'(' {
                open.push(pairs.len());
                pairs.push((at, self.text.len()));
            } else if let Some(pair) = open.pop() {
                pairs[pair].1 = at;
            }
        }
        pairs
    }
}

/// The indices of `targets` in the order of `key`, without sorting when
/// they already are (mentions come in text order).
fn in_order(targets: &[Target], key: impl Fn(&Target) -> usize) -> Vec<u32> {
    let mut order: Vec<u32> = (0..targets.len() as u32).collect();
    crate::steps::add(targets.len());
    if !targets.windows(2).all(|pair| key(&pair[0]) <= key(&pair[1])) {
        // A sort costs its comparisons.
        crate::steps::add(targets.len() * (usize::BITS - targets.len().leading_zeros()) as usize);
        order.sort_by_key(|&i| key(&targets[i as usize]));
    }
    order
}

/// Whether the words before a backward trigger hold a comma and then a
/// subject of the trigger's own that is no target ("atopic dermatitis,
/// biopsy-supported, BP excluded"): what it denies is that last item, not
/// the target before the comma. A list of targets goes on ("face, neck,
/// hands clear"), and a bare comma before the trigger parts nothing.
/// `starts` are the targets' starts, in order.
fn own_subject_after_a_comma(text: &[u8], between: Range<usize>, starts: &[usize]) -> bool {
    // Six words of a phrase fit in this many bytes; a longer run is no phrase.
    let from = between.start.max(between.end.saturating_sub(SUBJECT_BYTES));
    crate::steps::add(between.end - from);
    let Some(comma) = text[from..between.end].iter().rposition(|&b| b == b',') else {
        return false;
    };
    let item = from + comma + 1..between.end;
    let words = text[item.clone()].iter().any(u8::is_ascii_alphanumeric);
    // "Neck, hands, flexures and trunk clear": a list goes on to the trigger.
    let joined = text[item.clone()]
        .split(|b| !b.is_ascii_alphabetic())
        .any(|w| [&b"and"[..], b"or", b"nor"].iter().any(|c| w.eq_ignore_ascii_case(c)));
    let first = starts.partition_point(|&s| s < item.start);
    let a_target = starts.get(first).is_some_and(|&s| s < item.end);
    words && !joined && !a_target
}

/// How far before a backward trigger its own subject after a comma is
/// looked for.
const SUBJECT_BYTES: usize = 96;

/// How many words a backward trigger reaches over. It closes a short phrase
/// ("the face is spared", "cultures were negative"); without a limit, a note
/// without full stops (dictation, MTSamples' run-on lines) let "10 years ago"
/// or "in the past" date a patient's age a clause away. Chosen on the kit's
/// odd rows, where any reach from 5 words on scores the same.
const BACKWARD_REACH_WORDS: usize = 6;

/// How many words a forward trigger reaches over in run-on text, where
/// no punctuation shows where its clause ends ("he could not get to the
/// sessions with his work schedule urgent care gave him prednisone"):
/// a negation's object follows it closely.
const RUN_ON_REACH_WORDS: usize = 10;

/// How many words `between` holds (white-space separated pieces with a
/// letter or digit), counting no further than `limit`.
fn words_up_to(between: &[u8], limit: usize) -> usize {
    let mut read = 0;
    let words = between
        .split(|b| b.is_ascii_whitespace())
        .inspect(|w| read += w.len() + 1)
        .filter(|w| w.iter().any(u8::is_ascii_alphanumeric))
        .take(limit)
        .count();
    crate::steps::add(read);
    words
}
