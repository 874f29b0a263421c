//! The walk's automaton as a table of its own: aho-corasick's DFA copied
//! into the smallest table that holds it.
//!
//! A walk over a note spends most of its time waiting for the next state
//! to load from a table too large for the cache (the union of every
//! lexicon's phrases). aho-corasick stores each state's transitions as
//! `u32`s, one per byte class rounded up to a power of two. Here each
//! state holds exactly one entry per byte class, as a `u16` when there are
//! at most 65,536 states, so the table is about a third of the size and
//! more of it stays in the cache. Match states are numbered after all
//! others, so a step tells a match by one comparison, and each keeps the
//! patterns it matches.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::Anchored;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

/// A state's number in [`Transitions`].
pub(crate) type State = u32;

/// Every state's next state for every byte class, and the patterns each
/// match state matches.
pub(crate) struct Transitions {
    /// The class of each byte: each byte some phrase holds has its own,
    /// every other byte shares class 0 (it leads back to the start).
    classes: [u8; 256],
    /// How many classes, so how many entries each state has.
    stride: usize,
    next: Table,
    start: State,
    /// States from this number on are match states.
    first_match: State,
    /// For match state `first_match + i`, its patterns are
    /// `patterns[pattern_starts[i]..pattern_starts[i + 1]]`.
    pattern_starts: Vec<u32>,
    patterns: Vec<u32>,
}

/// The transitions, as narrow as the number of states allows.
enum Table {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

impl Transitions {
    /// Copies the unanchored automaton of `dfa`, built over `phrases`
    /// (`None` if `dfa` has no unanchored start).
    pub(crate) fn of(dfa: &DFA, phrases: &[String]) -> Option<Transitions> {
        let mut held = [false; 256];
        for byte in phrases.iter().flat_map(|p| p.bytes()) {
            held[byte as usize] = true;
        }
        let mut classes = [0u8; 256];
        // Class 0 is every byte no phrase holds; its representative is a
        // byte that no phrase holds, if any (else class 0 is never used).
        let mut representatives = vec![(0..=255u8).find(|b| !held[*b as usize])];
        for byte in (0..=255u8).filter(|b| held[*b as usize]) {
            classes[byte as usize] = representatives.len() as u8;
            representatives.push(Some(byte));
        }
        let stride = representatives.len();
        // Every state the walk can reach, found breadth first and numbered
        // as found, with its transitions by those numbers.
        let start_sid = dfa.start_state(Anchored::No).ok()?;
        let mut found = vec![start_sid];
        let mut number: IdMap<State> = HashMap::default();
        number.insert(start_sid, 0);
        let mut found_next: Vec<State> = Vec::new();
        let mut at = 0;
        while at < found.len() {
            let sid = found[at];
            at += 1;
            for byte in &representatives {
                // A class no byte stands for is never looked up.
                let Some(byte) = byte else {
                    found_next.push(0);
                    continue;
                };
                let to = dfa.next_state(Anchored::No, sid, *byte);
                let to = *number.entry(to).or_insert_with(|| {
                    found.push(to);
                    (found.len() - 1) as State
                });
                found_next.push(to);
            }
        }
        // Renumbered: non-match states first, then match states.
        let (mut order, matches): (Vec<usize>, Vec<usize>) =
            (0..found.len()).partition(|&i| !dfa.is_match(found[i]));
        let first_match = order.len() as State;
        order.extend(matches);
        let mut renumber = vec![0; found.len()];
        for (new, &old) in order.iter().enumerate() {
            renumber[old] = new as State;
        }
        let mut next = Vec::with_capacity(found_next.len());
        for &old in &order {
            let row = &found_next[old * stride..(old + 1) * stride];
            next.extend(row.iter().map(|&to| renumber[to as usize]));
        }
        let order: Vec<StateID> = order.into_iter().map(|i| found[i]).collect();
        let mut pattern_starts = vec![0];
        let mut patterns = Vec::new();
        for sid in &order[first_match as usize..] {
            patterns.extend((0..dfa.match_len(*sid)).map(|i| dfa.match_pattern(*sid, i).as_u32()));
            pattern_starts.push(patterns.len() as u32);
        }
        let next = if order.len() <= 1 << 16 {
            Table::Narrow(next.into_iter().map(|s| s as u16).collect())
        } else {
            Table::Wide(next)
        };
        Some(Transitions {
            classes,
            stride,
            next,
            start: renumber[0],
            first_match,
            pattern_starts,
            patterns,
        })
    }

    /// The state a walk starts in.
    pub(crate) fn start(&self) -> State {
        self.start
    }

    /// The state after `state` on `byte`.
    #[inline(always)]
    pub(crate) fn next(&self, state: State, byte: u8) -> State {
        let at = state as usize * self.stride + self.classes[byte as usize] as usize;
        match &self.next {
            Table::Narrow(next) => State::from(next[at]),
            Table::Wide(next) => next[at],
        }
    }

    /// Whether `state` matches some pattern.
    #[inline(always)]
    pub(crate) fn is_match(&self, state: State) -> bool {
        state >= self.first_match
    }

    /// The patterns match state `state` matches.
    pub(crate) fn patterns(&self, state: State) -> &[u32] {
        let Some(i) = state.checked_sub(self.first_match) else { return &[] };
        let i = i as usize;
        &self.patterns[self.pattern_starts[i] as usize..self.pattern_starts[i + 1] as usize]
    }

    /// Walks `range` of `bytes` from `state`, pushing the end of each match
    /// after `keep_after` with its state; returns the state at the end.
    /// The table's width is matched once, outside the loop, so the loop
    /// keeps its state in a register.
    pub(crate) fn walk(
        &self,
        bytes: &[u8],
        state: State,
        range: Range<usize>,
        keep_after: usize,
        ends: &mut Vec<(u32, State)>,
    ) -> State {
        match &self.next {
            Table::Narrow(next) => self.walk_in(next, bytes, state, range, keep_after, ends),
            Table::Wide(next) => self.walk_in(next, bytes, state, range, keep_after, ends),
        }
    }

    fn walk_in<T: Copy + Into<State>>(
        &self,
        next: &[T],
        bytes: &[u8],
        mut state: State,
        range: Range<usize>,
        keep_after: usize,
        ends: &mut Vec<(u32, State)>,
    ) -> State {
        let first = range.start;
        for (i, &byte) in bytes[range].iter().enumerate() {
            let at = state as usize * self.stride + self.classes[byte as usize] as usize;
            state = next[at].into();
            if state >= self.first_match && first + i >= keep_after {
                ends.push(((first + i) as u32 + 1, state));
            }
        }
        state
    }

    /// The same table with `u32` entries, as a larger automaton has.
    #[cfg(test)]
    pub(crate) fn widened(&self) -> Transitions {
        let next = match &self.next {
            Table::Narrow(next) => next.iter().map(|&s| State::from(s)).collect(),
            Table::Wide(next) => next.clone(),
        };
        Transitions {
            next: Table::Wide(next),
            pattern_starts: self.pattern_starts.clone(),
            patterns: self.patterns.clone(),
            ..*self
        }
    }

    /// The table's size in bytes.
    #[cfg(test)]
    pub(crate) fn table_bytes(&self) -> usize {
        match &self.next {
            Table::Narrow(next) => next.len() * 2,
            Table::Wide(next) => next.len() * 4,
        }
    }
}

/// A map from aho-corasick's state ids.
type IdMap<V> = HashMap<StateID, V, BuildHasherDefault<IdHasher>>;

/// Hashes a state id by one multiplication: the table is copied by a
/// couple of million look-ups of small distinct integers, where the
/// default hasher doubled the start-up.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        // The product's high half is well mixed; ids are multiples of a
        // power of two, so its low bits are not.
        self.0.rotate_left(32)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u32(u32::from(byte));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0 ^ u64::from(n)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}
