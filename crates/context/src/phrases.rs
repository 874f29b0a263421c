//! The one walk over a note: one automaton holds every phrase the pipeline
//! looks for (the context lexicon's triggers, terminators, look-alikes and
//! section headings, and the caller's terms: drug names, measures, sites,
//! cues ...), built once and shared by every thread, and walks one
//! lower-cased folded copy of the note once.
//!
//! The walk is a tight loop over aho-corasick's DFA (its state in a
//! register; a match state only pushes its position to a per-note buffer),
//! with every match reported (overlapping ones too), so that each class of
//! phrases is then chosen leftmost-longest on its own: a context trigger
//! inside a longer drug or cue phrase is still a trigger, as it was when
//! each had its own automaton. A phrase that fails a check where it stands
//! (a word boundary; for a term, its case) hides nothing: the longest phrase
//! that passes is found ("Failed triamcinolone creams." finds triamcinolone
//! though "triamcinolone cream" runs into "creams").

use crate::fold::Folded;
use crate::lexicon::Entry;
use crate::transitions::{State, Transitions};
use crate::{is_word_byte, LexiconError, Role};
use aho_corasick::dfa::DFA;
use aho_corasick::MatchKind;
use std::collections::HashMap;
use std::ops::Range;

/// How many parts of a note the walk walks at once (see [`Phrases::match_ends`]).
const STREAMS: usize = 4;

/// A note is walked in parts only when each part is at least this many
/// times the longest phrase: each part but the first walks that much more.
const MIN_PART_PER_LONGEST: usize = 4;

/// A phrase a caller wants found in the same walk as the context lexicon:
/// lower case, white space single.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    pub phrase: String,
    /// The ways it may be written; at least one.
    pub spellings: Vec<Spelling>,
}

/// One way a term may be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spelling {
    /// The exact case it must have in the note ("AD", "Dupixent"), or
    /// `None` for any case.
    pub cased: Option<String>,
    /// Whether it may follow a digit without a space ("34yo", "70kg").
    pub digit_before_ok: bool,
}

/// A term found in the note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TermHit {
    /// The term's index among the terms the engine was built with.
    pub term: u32,
    /// Which of its spellings the note wrote.
    pub spelling: u32,
    /// Where it is, in the original text.
    pub span: Range<usize>,
    /// Whether a digit stands right before it (allowed by its spelling).
    pub after_digit: bool,
}

/// What one automaton pattern is: a phrase of the context lexicon (with its
/// entries, by role), a caller's term, or both.
#[derive(Clone, Debug, Default)]
struct Pattern {
    len: u32,
    /// Triggers, terminators and look-alikes.
    context: Vec<u32>,
    /// Section heading phrases.
    headings: Vec<u32>,
    /// Banners of copied-forward text and visits.
    banners: Vec<u32>,
    /// Words that open a clause in run-on text.
    clauses: Vec<u32>,
    /// Words of organizations' names.
    organizations: Vec<u32>,
    term: Option<u32>,
}

/// What the walk reads of a pattern at each of its matches, in eight
/// bytes (a [`Pattern`] is over a hundred, and the walk reads one per
/// match): its length and the classes it belongs to.
#[derive(Clone, Copy, Debug)]
struct Shape {
    len: u32,
    classes: u8,
}

/// The classes of a [`Shape`], one bit each.
const CONTEXT: u8 = 1;
const HEADING: u8 = 1 << 1;
const BANNER: u8 = 1 << 2;
const CLAUSE: u8 = 1 << 3;
const ORGANIZATION: u8 = 1 << 4;
const TERM: u8 = 1 << 5;

impl Shape {
    fn of(pattern: &Pattern) -> Shape {
        let classes = [
            (!pattern.context.is_empty(), CONTEXT),
            (!pattern.headings.is_empty(), HEADING),
            (!pattern.banners.is_empty(), BANNER),
            (!pattern.clauses.is_empty(), CLAUSE),
            (!pattern.organizations.is_empty(), ORGANIZATION),
            (pattern.term.is_some(), TERM),
        ];
        let classes = classes.iter().filter(|(is, _)| *is).fold(0, |all, (_, bit)| all | bit);
        Shape { len: pattern.len, classes }
    }
}

/// Every phrase compiled into one automaton.
pub(crate) struct Phrases {
    /// The automaton over every phrase, as a compact table.
    transitions: Transitions,
    /// The longest phrase's length: how far back of its part of a note a
    /// stream of the walk starts (see [`Phrases::match_ends`]).
    longest: usize,
    patterns: Vec<Pattern>,
    /// Each pattern's [`Shape`], by pattern.
    shapes: Vec<Shape>,
    terms: Vec<Term>,
    /// Heading phrases of one letter ("S:", "P:"): too common as words to
    /// walk for, they are looked up only as a whole heading.
    letter_headings: Vec<(u8, u32)>,
}

/// A phrase found in the walk, in folded offsets, with its pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) start: u32,
    pub(crate) end: u32,
    pub(crate) pattern: u32,
}

impl Found {
    fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// What the walk found in one note: the context phrases chosen
/// leftmost-longest (look-alikes included), every heading phrase (chosen
/// where a heading may stand), the banner phrases, the clause openers of
/// run-on text and the words of organizations' names, each chosen
/// leftmost-longest (banners chosen again
/// where a banner may stand), and the caller's terms chosen
/// leftmost-longest among those written in a case they allow.
pub(crate) struct Walked {
    pub(crate) context: Vec<Found>,
    pub(crate) headings: Vec<Found>,
    pub(crate) banners: Vec<Found>,
    pub(crate) clauses: Vec<Found>,
    pub(crate) organizations: Vec<Found>,
    pub(crate) terms: Vec<TermHit>,
}

impl Phrases {
    /// Compiles the context lexicon's `entries` and the caller's `terms`.
    pub(crate) fn build(entries: &[Entry], terms: Vec<Term>) -> Result<Phrases, LexiconError> {
        let mut phrases: Vec<String> = Vec::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut slot = |phrase: &str, phrases: &mut Vec<String>, patterns: &mut Vec<Pattern>| {
            *index.entry(phrase.to_string()).or_insert_with(|| {
                phrases.push(phrase.to_string());
                patterns.push(Pattern { len: phrase.len() as u32, ..Pattern::default() });
                phrases.len() - 1
            })
        };
        let mut letter_headings = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            if matches!(entry.role, Role::Heading(..)) && entry.phrase.len() == 1 {
                letter_headings.push((entry.phrase.as_bytes()[0], i as u32));
                continue;
            }
            let at = slot(&entry.phrase, &mut phrases, &mut patterns);
            match entry.role {
                Role::Heading(..) => patterns[at].headings.push(i as u32),
                Role::Banner(_) => patterns[at].banners.push(i as u32),
                Role::Clause { .. } => patterns[at].clauses.push(i as u32),
                Role::Organization(_) => patterns[at].organizations.push(i as u32),
                _ => patterns[at].context.push(i as u32),
            }
        }
        for (i, term) in terms.iter().enumerate() {
            if term.phrase.is_empty() || term.spellings.is_empty() {
                return Err(LexiconError::Build(format!("term {i} has no phrase or spelling")));
            }
            let at = slot(&term.phrase, &mut phrases, &mut patterns);
            if patterns[at].term.replace(i as u32).is_some() {
                return Err(LexiconError::Build(format!("term {i} repeats a phrase")));
            }
        }
        // Every match is reported (standard semantics): the classes are
        // chosen apart after the walk. No prefilter: the walk below does
        // not use one.
        let dfa = DFA::builder()
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(&phrases)
            .map_err(|e| LexiconError::Build(e.to_string()))?;
        let transitions = Transitions::of(&dfa, &phrases)
            .ok_or_else(|| LexiconError::Build("the automaton has no unanchored start".into()))?;
        let longest = phrases.iter().map(String::len).max().unwrap_or(0);
        let shapes = patterns.iter().map(Shape::of).collect();
        Ok(Phrases { transitions, longest, patterns, shapes, terms, letter_headings })
    }

    /// Every phrase of the automaton, as compiled (lower case).
    pub(crate) fn phrases(&self, entries: &[Entry]) -> Vec<String> {
        self.patterns
            .iter()
            .map(|p| {
                let entry = [&p.context, &p.headings, &p.banners, &p.clauses, &p.organizations]
                    .into_iter()
                    .find_map(|entries| entries.first());
                match (entry, p.term) {
                    (Some(&e), _) => entries[e as usize].phrase.clone(),
                    (None, Some(t)) => self.terms[t as usize].phrase.clone(),
                    (None, None) => String::new(),
                }
            })
            .collect()
    }

    /// The terms the automaton was built with.
    pub(crate) fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// The entries of the context lexicon a context pattern stands for.
    pub(crate) fn context_entries(&self, pattern: u32) -> &[u32] {
        &self.patterns[pattern as usize].context
    }

    /// The first heading entry of a heading pattern.
    pub(crate) fn heading_entry(&self, pattern: u32) -> Option<u32> {
        self.patterns[pattern as usize].headings.first().copied()
    }

    /// The first organization entry of an organization-word pattern.
    pub(crate) fn organization_entry(&self, pattern: u32) -> Option<u32> {
        self.patterns[pattern as usize].organizations.first().copied()
    }

    /// The first clause entry of a clause-opener pattern.
    pub(crate) fn clause_entry(&self, pattern: u32) -> Option<u32> {
        self.patterns[pattern as usize].clauses.first().copied()
    }

    /// The first banner entry of a banner pattern.
    pub(crate) fn banner_entry(&self, pattern: u32) -> Option<u32> {
        self.patterns[pattern as usize].banners.first().copied()
    }

    /// The heading entry of a one-letter heading, if `letter` is one.
    pub(crate) fn letter_heading(&self, letter: u8) -> Option<u32> {
        let letter = letter.to_ascii_lowercase();
        self.letter_headings.iter().find(|(l, _)| *l == letter).map(|(_, e)| *e)
    }

    /// Walks the folded note once and chooses each class's phrases; the
    /// clause openers only `with_clauses` (only run-on text reads them, and
    /// they are common words: choosing them in every note was a tenth of
    /// the walk).
    pub(crate) fn walk(&self, folded: &Folded, with_clauses: bool) -> Walked {
        let bytes = folded.bytes();
        crate::steps::add(bytes.len());
        let ends = self.match_ends(bytes);
        let wanted = if with_clauses { u8::MAX } else { !CLAUSE };
        // Each list sized once for what it will hold: grown match by match,
        // they were copied over and over.
        let mut sizes = [0usize; 6];
        for &(_, state) in &ends {
            for &pattern in self.transitions.patterns(state) {
                let classes = self.shapes[pattern as usize].classes & wanted;
                for (bit, size) in sizes.iter_mut().enumerate() {
                    *size += usize::from(classes & (1 << bit) != 0);
                }
            }
        }
        let [mut context, mut headings, mut banners, mut clauses, mut organizations, mut terms] =
            sizes.map(Vec::with_capacity);
        for &(end, state) in &ends {
            for &pattern in self.transitions.patterns(state) {
                crate::steps::add(1);
                let shape = self.shapes[pattern as usize];
                let found = Found { start: end - shape.len, end, pattern };
                let lists = [
                    (CONTEXT, &mut context),
                    (HEADING, &mut headings),
                    (BANNER, &mut banners),
                    (CLAUSE, &mut clauses),
                    (ORGANIZATION, &mut organizations),
                    (TERM, &mut terms),
                ];
                for (class, list) in lists {
                    if shape.classes & wanted & class != 0 {
                        list.push(found);
                    }
                }
            }
        }
        let lists = [&mut context, &mut headings, &mut banners, &mut clauses, &mut organizations];
        for list in lists.into_iter().chain([&mut terms]) {
            sort_by_start_then_longest(list);
        }
        let bounded = |f: &Found| on_word_boundaries(bytes, f.range(), false).then_some(*f);
        let context = leftmost_longest(&context, bounded);
        let banners = leftmost_longest(&banners, bounded);
        let clauses = leftmost_longest(&clauses, bounded);
        let organizations = leftmost_longest(&organizations, bounded);
        // Each term's spelling is read once, where it is chosen.
        let terms = leftmost_longest(&terms, |f| {
            let (spelling, after_digit) = self.spelling_at(folded, f)?;
            Some(TermHit {
                term: self.patterns[f.pattern as usize].term?,
                spelling,
                span: folded.original_range(f.range()),
                after_digit,
            })
        });
        Walked { context, headings, banners, clauses, organizations, terms }
    }

    /// The walk proper: the end of every match and the state that saw it,
    /// in the order of their ends.
    ///
    /// Each step of a DFA walk waits on the load of the state before it, so
    /// one walk runs at the latency of a load per byte. A note of some
    /// length is walked as [`STREAMS`] parts at once instead, one step of
    /// each in turn, whose loads overlap. The automaton's state after a
    /// byte is the longest phrase prefix ending there, never longer than
    /// the longest phrase: so a part's walk starts that far before the part
    /// from the start state, is in the true state by the part's first byte,
    /// and keeps only the matches ending in its part.
    fn match_ends(&self, bytes: &[u8]) -> Vec<(u32, State)> {
        let start = self.transitions.start();
        let mut ends = Vec::with_capacity(bytes.len() / 16);
        if bytes.len() < STREAMS * MIN_PART_PER_LONGEST * self.longest.max(1) {
            self.transitions.walk(bytes, start, 0..bytes.len(), 0, &mut ends);
            return ends;
        }
        let bounds: [usize; STREAMS + 1] = std::array::from_fn(|j| j * bytes.len() / STREAMS);
        let mut at: [usize; STREAMS] =
            std::array::from_fn(|j| bounds[j].saturating_sub(self.longest));
        let mut state = [start; STREAMS];
        let mut found: [Vec<(u32, State)>; STREAMS] = std::array::from_fn(|j| {
            if j == 0 {
                std::mem::take(&mut ends)
            } else {
                Vec::with_capacity((bounds[j + 1] - bounds[j]) / 16)
            }
        });
        let together = (0..STREAMS).map(|j| bounds[j + 1] - at[j]).min().unwrap_or(0);
        for _ in 0..together {
            for j in 0..STREAMS {
                let next = self.transitions.next(state[j], bytes[at[j]]);
                state[j] = next;
                at[j] += 1;
                if self.transitions.is_match(next) && at[j] > bounds[j] {
                    found[j].push((at[j] as u32, next));
                }
            }
        }
        for j in 0..STREAMS {
            let part = at[j]..bounds[j + 1];
            self.transitions.walk(bytes, state[j], part, bounds[j], &mut found[j]);
        }
        let [first, rest @ ..] = found;
        ends = first;
        for part in rest {
            ends.extend_from_slice(&part);
        }
        ends
    }

    /// The spelling of the term at `found` that the note wrote, and whether
    /// a digit stands before it, if the term may stand there.
    fn spelling_at(&self, folded: &Folded, found: &Found) -> Option<(u32, bool)> {
        let term = &self.terms[self.patterns[found.pattern as usize].term? as usize];
        let written = &folded.cased()[found.range()];
        let bytes = folded.bytes();
        let after_digit = found.start > 0 && bytes[found.start as usize - 1].is_ascii_digit();
        crate::steps::add(term.spellings.len());
        term.spellings.iter().enumerate().find_map(|(i, spelling)| {
            let case_ok = spelling.cased.as_ref().is_none_or(|c| c.as_bytes() == written);
            let bounded = on_word_boundaries(bytes, found.range(), spelling.digit_before_ok);
            (case_ok && bounded).then_some((i as u32, after_digit && spelling.digit_before_ok))
        })
    }
}

/// Sorts phrases found in the order of their ends by start, the longest
/// first at each start. They come nearly sorted (each is out of place only
/// among the few that end inside it), so an insertion sort does it in time
/// proportional to their number.
fn sort_by_start_then_longest(found: &mut [Found]) {
    let key = |f: &Found| (f.start, u32::MAX - f.end);
    for i in 1..found.len() {
        let mut j = i;
        crate::steps::add(1);
        while j > 0 && key(&found[j - 1]) > key(&found[j]) {
            crate::steps::add(1);
            found.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// The phrases chosen leftmost-longest among those that may stand where
/// they are, each as `read` reads it (`None`: it may not stand there): at
/// the first start where one may, the longest that may; then on after it.
/// `found` is sorted by start, the longest first at each.
fn leftmost_longest<R>(found: &[Found], read: impl Fn(&Found) -> Option<R>) -> Vec<R> {
    let mut chosen = Vec::new();
    let mut free_from = 0;
    for f in found {
        crate::steps::add(1);
        if f.start >= free_from {
            if let Some(read) = read(f) {
                chosen.push(read);
                free_from = f.end;
            }
        }
    }
    chosen
}

/// Whether `range` of `bytes` stands on word boundaries: not part of a
/// longer word ("no" in "know", "AD" in "ADHD"); an edge of the phrase that
/// is itself punctuation needs no check, and a digit before it is allowed
/// when `digit_before_ok` ("34yo").
pub(crate) fn on_word_boundaries(bytes: &[u8], range: Range<usize>, digit_before_ok: bool) -> bool {
    let (start, end) = (range.start, range.end);
    let first_is_word = bytes.get(start).is_some_and(|b| is_word_byte(*b));
    let last_is_word = end > start && is_word_byte(bytes[end - 1]);
    let before_ok = start == 0
        || !first_is_word
        || !is_word_byte(bytes[start - 1])
        || (digit_before_ok && bytes[start - 1].is_ascii_digit());
    before_ok && (end == bytes.len() || !last_is_word || !is_word_byte(bytes[end]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn phrases() -> &'static Phrases {
        static PHRASES: std::sync::OnceLock<Phrases> = std::sync::OnceLock::new();
        PHRASES.get_or_init(|| {
            let entries = crate::lexicon::parse(crate::BUILTIN_LEXICON).unwrap();
            Phrases::build(&entries, Vec::new()).unwrap()
        })
    }

    /// The matches of one plain walk over the whole text.
    fn one_walk(phrases: &Phrases, bytes: &[u8]) -> Vec<(u32, State)> {
        let mut ends = Vec::new();
        let start = phrases.transitions.start();
        phrases.transitions.walk(bytes, start, 0..bytes.len(), 0, &mut ends);
        ends
    }

    /// Every (end, pattern) of a walk's matches, in order.
    fn matched(transitions: &Transitions, bytes: &[u8]) -> Vec<(usize, u32)> {
        let mut ends = Vec::new();
        transitions.walk(bytes, transitions.start(), 0..bytes.len(), 0, &mut ends);
        let mut matched: Vec<(usize, u32)> = ends
            .iter()
            .flat_map(|&(end, state)| {
                transitions.patterns(state).iter().map(move |&p| (end as usize, p))
            })
            .collect();
        matched.sort_unstable();
        matched
    }

    /// What aho-corasick's own overlapping search finds, as (end, pattern).
    fn searched(bytes: &[u8]) -> Vec<(usize, u32)> {
        static SEARCHER: std::sync::OnceLock<aho_corasick::AhoCorasick> =
            std::sync::OnceLock::new();
        let searcher = SEARCHER.get_or_init(|| {
            let entries = crate::lexicon::parse(crate::BUILTIN_LEXICON).unwrap();
            aho_corasick::AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(phrases().phrases(&entries))
                .unwrap()
        });
        let mut found: Vec<(usize, u32)> = searcher
            .find_overlapping_iter(bytes)
            .map(|m| (m.end(), m.pattern().as_u32()))
            .collect();
        found.sort_unstable();
        found
    }

    /// Notes of up to `words` words, phrases and bytes the walk meets.
    fn notes(words: usize) -> impl Strategy<Value = String> {
        let words = prop::collection::vec(
            prop::sample::select(vec![
                "no ",
                "denies ",
                "family history",
                "mother ",
                "history of ",
                "not ",
                "possible ",
                "ruled out",
                "but ",
                "a/p:",
                "s:",
                "plan:",
                "x",
                " ",
                "\n",
                "e",
                "ne",
                "-",
                "é",
                "X",
                "\t",
                "1.",
            ]),
            0..words,
        );
        words.prop_map(|words| words.concat())
    }

    proptest! {
        #[test]
        fn the_parts_walked_at_once_find_what_one_walk_finds(text in notes(1500)) {
            let phrases = phrases();
            prop_assert_eq!(phrases.match_ends(text.as_bytes()), one_walk(phrases, text.as_bytes()));
        }

        #[test]
        fn the_table_finds_what_aho_corasick_finds(text in notes(600)) {
            let transitions = &phrases().transitions;
            let found = matched(transitions, text.as_bytes());
            prop_assert_eq!(&found, &searched(text.as_bytes()));
            prop_assert_eq!(found, matched(&transitions.widened(), text.as_bytes()));
        }
    }

    #[test]
    fn the_table_is_narrow_and_smaller_than_the_dfa() {
        let entries = crate::lexicon::parse(crate::BUILTIN_LEXICON).unwrap();
        let words = phrases().phrases(&entries);
        let dfa = DFA::builder().match_kind(MatchKind::Standard).build(&words).unwrap();
        use aho_corasick::automaton::Automaton;
        let table = phrases().transitions.table_bytes();
        assert!(table * 2 < dfa.memory_usage(), "{table} against {}", dfa.memory_usage());
        assert!(phrases().transitions.widened().table_bytes() == 2 * table);
    }

    #[test]
    fn a_long_note_is_walked_in_parts_and_a_match_across_a_part_is_found_once() {
        let phrases = phrases();
        let text = "the patient denies itching; family history of eczema. ".repeat(200);
        assert!(text.len() >= STREAMS * MIN_PART_PER_LONGEST * phrases.longest);
        let ends = phrases.match_ends(text.as_bytes());
        assert_eq!(ends, one_walk(phrases, text.as_bytes()));
        assert!(ends.windows(2).all(|pair| pair[0].0 <= pair[1].0));
    }
}
