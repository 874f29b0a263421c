//! The context of a mention in a clinical note: is it negated, historical,
//! hypothetical, about someone else, or uncertain?
//!
//! Extraction asks this of every candidate fact, and `necessity context`
//! exposes the same engine for measurement on the ConText test kit, so there is
//! one rule path. The engine is built once from `lexicons/context.tsv` and is
//! shared across threads; [`ContextEngine::analyze`] does the per-document
//! work (sentences, sections, trigger hits) once, then [`Analysis::context_of`]
//! answers for any number of target spans.

mod fold;
pub mod kit;
mod lexicon;
mod scope;
mod sections;
mod sentences;

pub use fold::{find_phrase, FoldOptions, Folded};

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind, StartKind};
use lexicon::Entry;
use sections::{Heading, HeadingHit};
use std::ops::Range;
use std::sync::OnceLock;

/// The trigger lexicon shipped with the binary, so it works anywhere. This
/// crate's `lexicons` is a link to the repository's `lexicons/` folder, whose
/// files `cargo package` archives, so the published crate carries them.
pub const BUILTIN_LEXICON: &str = include_str!("../lexicons/context.tsv");

/// The context axes of ConText (negation, temporality, experiencer) plus
/// uncertainty, named as `necessity context` reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Axis {
    Negated,
    Historical,
    Hypothetical,
    Family,
    Uncertain,
}

impl Axis {
    /// Every axis, in the order `necessity context` reports them.
    pub const ALL: [Axis; 5] =
        [Axis::Negated, Axis::Historical, Axis::Hypothetical, Axis::Family, Axis::Uncertain];

    /// The name used in the lexicon and in `necessity context` output.
    pub fn name(self) -> &'static str {
        match self {
            Axis::Negated => "negated",
            Axis::Historical => "historical",
            Axis::Hypothetical => "hypothetical",
            Axis::Family => "family",
            Axis::Uncertain => "uncertain",
        }
    }

    /// The axis of a name as [`Axis::name`] writes it.
    pub fn from_name(name: &str) -> Option<Axis> {
        Axis::ALL.into_iter().find(|axis| axis.name() == name)
    }
}

/// Which way a trigger's scope runs from the trigger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Backward,
    Both,
}

/// What a lexicon phrase does: open a scope on an axis, end scopes (of one
/// axis or all), mask a look-alike ("no increase" is not a negation), or
/// name a section heading (with the context its mentions have by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Trigger(Axis, Direction),
    Terminate(Option<Axis>),
    Pseudo,
    Heading(SectionKind, Option<Axis>),
}

/// A malformed lexicon line: found at start-up, before any note is read.
#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    #[error("context lexicon line {line}: {message}")]
    Line { line: usize, message: String },
    #[error("context lexicon: {0}")]
    Build(String),
}

/// A trigger found in the text: which phrase of the lexicon, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TriggerHit {
    pub axis: Axis,
    /// The lexicon phrase that matched (lowercase, as written in the lexicon).
    pub phrase: String,
    /// Byte range of the match in the analysed text.
    pub span: Range<usize>,
}

/// The answer for one target: for each axis, the trigger that put the target
/// in its scope, if any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    pub negated: Option<TriggerHit>,
    pub historical: Option<TriggerHit>,
    pub hypothetical: Option<TriggerHit>,
    pub family: Option<TriggerHit>,
    pub uncertain: Option<TriggerHit>,
}

impl Context {
    /// True when the mention is a current, affirmed fact about the patient:
    /// the only kind extraction may record.
    pub fn is_current_fact(&self) -> bool {
        self.negated.is_none()
            && self.historical.is_none()
            && self.hypothetical.is_none()
            && self.family.is_none()
    }

    /// The trigger on one axis.
    pub fn get(&self, axis: Axis) -> Option<&TriggerHit> {
        match axis {
            Axis::Negated => self.negated.as_ref(),
            Axis::Historical => self.historical.as_ref(),
            Axis::Hypothetical => self.hypothetical.as_ref(),
            Axis::Family => self.family.as_ref(),
            Axis::Uncertain => self.uncertain.as_ref(),
        }
    }

    fn slot(&mut self, axis: Axis) -> &mut Option<TriggerHit> {
        match axis {
            Axis::Negated => &mut self.negated,
            Axis::Historical => &mut self.historical,
            Axis::Hypothetical => &mut self.hypothetical,
            Axis::Family => &mut self.family,
            Axis::Uncertain => &mut self.uncertain,
        }
    }
}

/// Kinds of note sections that change how a mention is read (a value in a
/// family-history section is not the patient's; copied-forward prior-visit
/// text is historical).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SectionKind {
    Hpi,
    Exam,
    AssessmentPlan,
    Medications,
    Allergies,
    FamilyHistory,
    SocialHistory,
    PastHistory,
    PriorVisit,
    Other,
}

impl SectionKind {
    /// Every kind, in the order of the enum.
    pub const ALL: [SectionKind; 10] = [
        SectionKind::Hpi,
        SectionKind::Exam,
        SectionKind::AssessmentPlan,
        SectionKind::Medications,
        SectionKind::Allergies,
        SectionKind::FamilyHistory,
        SectionKind::SocialHistory,
        SectionKind::PastHistory,
        SectionKind::PriorVisit,
        SectionKind::Other,
    ];

    /// The name the lexicon's `heading` rows use, and outputs report.
    pub fn name(self) -> &'static str {
        match self {
            SectionKind::Hpi => "hpi",
            SectionKind::Exam => "exam",
            SectionKind::AssessmentPlan => "assessment_plan",
            SectionKind::Medications => "medications",
            SectionKind::Allergies => "allergies",
            SectionKind::FamilyHistory => "family_history",
            SectionKind::SocialHistory => "social_history",
            SectionKind::PastHistory => "past_history",
            SectionKind::PriorVisit => "prior_visit",
            SectionKind::Other => "other",
        }
    }

    /// The kind of a name as [`SectionKind::name`] writes it.
    pub fn from_name(name: &str) -> Option<SectionKind> {
        SectionKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// A section of the note: its kind and the byte range it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub kind: SectionKind,
    pub span: Range<usize>,
}

/// The compiled trigger lexicon: built once, shared by every thread.
pub struct ContextEngine {
    /// Triggers, terminators and pseudo-triggers, matched everywhere.
    triggers: PhraseSet,
    /// Section heading phrases, matched only where a heading may stand.
    headings: PhraseSet,
    /// Every lexicon entry; the sets point into it.
    entries: Vec<Entry>,
}

/// Distinct phrases compiled into one leftmost-longest automaton (a longer
/// phrase, "no increase" or "day history of", hides the shorter ones inside
/// it), with the lexicon entries of each.
///
/// The automaton is aho-corasick's DFA, walked here rather than through
/// `AhoCorasick::find`: its set-up for each search (dynamic dispatch,
/// checks of the input) cost a fifth of the scan of a sentence.
struct PhraseSet {
    dfa: DFA,
    entries_of: Vec<Vec<u32>>,
    /// The length of the longest phrase, in bytes.
    longest: usize,
}

impl PhraseSet {
    /// The set of the entries whose role `keep` accepts; `entries` sorted
    /// by phrase.
    fn build(
        entries: &[Entry],
        keep: fn(&Role) -> bool,
        case_insensitive: bool,
    ) -> Result<PhraseSet, LexiconError> {
        let mut phrases: Vec<&str> = Vec::new();
        let mut entries_of: Vec<Vec<u32>> = Vec::new();
        for (i, entry) in entries.iter().enumerate().filter(|(_, e)| keep(&e.role)) {
            match (phrases.last(), entries_of.last_mut()) {
                (Some(last), Some(group)) if *last == entry.phrase => group.push(i as u32),
                _ => {
                    phrases.push(&entry.phrase);
                    entries_of.push(vec![i as u32]);
                }
            }
        }
        let dfa = DFA::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(case_insensitive)
            // Headings are also looked up anchored, as whole lines.
            .start_kind(if case_insensitive { StartKind::Both } else { StartKind::Unanchored })
            // No prefilter: the walks below do not use one.
            .prefilter(false)
            .build(&phrases)
            .map_err(|e| LexiconError::Build(e.to_string()))?;
        let longest = phrases.iter().map(|p| p.len()).max().unwrap_or(0);
        Ok(PhraseSet { dfa, entries_of, longest })
    }

    /// The leftmost-longest phrase that starts at or after `from`, as
    /// (pattern, range): what `AhoCorasick::find` reports for the span
    /// `from..`, by the same walk (a match state records the match and the
    /// walk goes on for a longer one until the dead state).
    fn leftmost_longest(&self, haystack: &[u8], from: usize) -> Option<(usize, Range<usize>)> {
        let mut state = self.dfa.start_state(Anchored::No).ok()?;
        let mut found = None;
        for (at, &byte) in haystack.iter().enumerate().skip(from) {
            state = self.dfa.next_state(Anchored::No, state, byte);
            if self.dfa.is_special(state) {
                if self.dfa.is_dead(state) {
                    break;
                }
                if self.dfa.is_match(state) {
                    found = Some(self.match_ending(state, at + 1));
                }
            }
        }
        found
    }

    /// The longest phrase that starts at the start of `haystack`, as
    /// (pattern, end).
    fn anchored_longest(&self, haystack: &[u8]) -> Option<(usize, usize)> {
        let mut state = self.dfa.start_state(Anchored::Yes).ok()?;
        let mut found = None;
        for (at, &byte) in haystack.iter().enumerate() {
            state = self.dfa.next_state(Anchored::Yes, state, byte);
            if self.dfa.is_special(state) {
                if self.dfa.is_dead(state) {
                    break;
                }
                if self.dfa.is_match(state) {
                    // A match state may also carry a match that starts
                    // later (through a failure transition): not anchored.
                    let (pattern, range) = self.match_ending(state, at + 1);
                    if range.start == 0 {
                        found = Some((pattern, range.end));
                    }
                }
            }
        }
        found
    }

    /// The match of match state `state` that ends at `end`.
    fn match_ending(&self, state: StateID, end: usize) -> (usize, Range<usize>) {
        let pattern = self.dfa.match_pattern(state, 0);
        (pattern.as_usize(), end - self.dfa.pattern_len(pattern)..end)
    }

    /// Every phrase of the set in `haystack` on word boundaries, as (pattern,
    /// range) pairs in order. Lazy, so that a caller who needs only the
    /// first (a heading) stops there, and nothing is collected per document.
    fn find_all<'h>(&'h self, haystack: &'h [u8]) -> PhraseMatches<'h> {
        PhraseMatches { set: self, haystack, at: 0 }
    }
}

/// The iterator of [`PhraseSet::find_all`].
struct PhraseMatches<'h> {
    set: &'h PhraseSet,
    haystack: &'h [u8],
    at: usize,
}

impl Iterator for PhraseMatches<'_> {
    type Item = (usize, Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        let haystack = self.haystack;
        while self.at <= haystack.len() {
            let (pattern, found) = self.set.leftmost_longest(haystack, self.at)?;
            if on_word_boundaries(haystack, found.start, found.end) {
                self.at = found.end;
                return Some((pattern, found));
            }
            // A match inside a word ("no" in "know") must not hide a
            // phrase that starts at the next word.
            self.at = next_word_start(haystack, found.start);
        }
        None
    }
}

impl ContextEngine {
    /// The engine built from the shipped lexicon, compiled on first use.
    pub fn builtin() -> &'static ContextEngine {
        static ENGINE: OnceLock<ContextEngine> = OnceLock::new();
        ENGINE.get_or_init(|| {
            // The shipped lexicon is checked by this crate's tests, so this
            // cannot fail in a released binary.
            ContextEngine::from_lexicon(BUILTIN_LEXICON)
                .unwrap_or_else(|error| panic!("the shipped context lexicon: {error}"))
        })
    }

    /// Compiles a lexicon in the `lexicons/context.tsv` format.
    pub fn from_lexicon(tsv: &str) -> Result<ContextEngine, LexiconError> {
        let mut entries = lexicon::parse(tsv)?;
        entries.sort_by(|a, b| a.phrase.cmp(&b.phrase));
        // Triggers run on the lower-cased folded copy with a case-sensitive
        // automaton (ignoring case would double the width of its states and
        // slow the scan by a sixth); headings on the text itself, a few
        // words at a time.
        let triggers = PhraseSet::build(&entries, |role| !is_heading(role), false)?;
        let headings = PhraseSet::build(&entries, is_heading, true)?;
        Ok(ContextEngine { triggers, headings, entries })
    }

    /// Finds sentences, sections and triggers of one document once, so that
    /// asking about many targets costs little.
    pub fn analyze<'t>(&'t self, text: &'t str) -> Analysis<'t> {
        let folded = fold::Folded::new(text, fold::TRIGGERS);
        let headings = sections::find(
            text,
            |range| self.heading_phrase(text, range),
            |range| self.whole_heading_phrase(text, range),
        );
        let mut hits = Vec::new();
        for (pattern, range) in self.triggers.find_all(folded.bytes()) {
            let span = folded.original_range(range);
            if inside_heading(&headings, &span) {
                continue;
            }
            for &entry in &self.triggers.entries_of[pattern] {
                if matches!(self.role(entry), Role::Trigger(..) | Role::Terminate(_)) {
                    hits.push(Hit { entry, span: span.clone() });
                }
            }
        }
        let breaks: Vec<usize> = headings.iter().map(|h| h.span.start).collect();
        let sentences = sentences::split(text, &breaks);
        let (sections, section_headings) = sections::spans(&headings, text.len());
        Analysis {
            engine: self,
            text,
            folded,
            sentences,
            sections,
            section_headings,
            headings,
            hits,
        }
    }

    /// The first heading phrase of the lexicon within `range` of `text`.
    fn heading_phrase(&self, text: &str, range: Range<usize>) -> Option<HeadingHit> {
        let bytes = &text.as_bytes()[range.clone()];
        let (pattern, found) = self.headings.find_all(bytes).next()?;
        // A short phrase ("cc", "a/p", "S") names a heading only when it is
        // the whole heading: "vitamin A:" is no assessment.
        if found.len() < 4 && found.len() != bytes.len() {
            return None;
        }
        self.heading_hit(pattern, range.start + found.start..range.start + found.end)
    }

    /// The heading phrase of the lexicon that is all of `range` of `text`:
    /// what [`ContextEngine::heading_phrase`] finds when its find spans the
    /// range, but by one anchored walk that stops at the first byte no
    /// phrase goes on with, instead of a search of the whole range.
    fn whole_heading_phrase(&self, text: &str, range: Range<usize>) -> Option<HeadingHit> {
        let bytes = &text.as_bytes()[range.clone()];
        // Most short lines are longer than any heading: no walk for them.
        if bytes.len() > self.headings.longest {
            return None;
        }
        let (pattern, end) = self.headings.anchored_longest(bytes)?;
        (end == bytes.len()).then_some(())?;
        self.heading_hit(pattern, range)
    }

    /// The heading named by `pattern` of the heading set, found at `span`.
    fn heading_hit(&self, pattern: usize, span: Range<usize>) -> Option<HeadingHit> {
        let entry = *self.headings.entries_of[pattern].first()?;
        let Role::Heading(kind, default) = self.role(entry) else { return None };
        Some(HeadingHit { kind, default, entry, span })
    }

    fn phrase(&self, entry: u32) -> &str {
        &self.entries[entry as usize].phrase
    }

    fn role(&self, entry: u32) -> Role {
        self.entries[entry as usize].role
    }
}

fn is_heading(role: &Role) -> bool {
    matches!(role, Role::Heading(..))
}

fn inside_heading(headings: &[Heading], span: &Range<usize>) -> bool {
    let i = headings.partition_point(|h| h.span.end <= span.start);
    headings.get(i).is_some_and(|h| h.span.start <= span.start && span.end <= h.span.end)
}

/// The first position after `from` where a word may start: after the
/// word that `from` is in, or `from + 1` when `from` is not in a word.
fn next_word_start(bytes: &[u8], from: usize) -> usize {
    let in_word = bytes[from + 1..].iter().take_while(|b| is_word_byte(**b)).count();
    if is_word_byte(bytes[from]) {
        from + 1 + in_word
    } else {
        from + 1
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn on_word_boundaries(bytes: &[u8], start: usize, end: usize) -> bool {
    let is_word = is_word_byte;
    let first_is_word = bytes.get(start).is_some_and(|b| is_word(*b));
    let last_is_word = end > start && is_word(bytes[end - 1]);
    (start == 0 || !first_is_word || !is_word(bytes[start - 1]))
        && (end == bytes.len() || !last_is_word || !is_word(bytes[end]))
}

/// A lexicon phrase found in the analysed text.
#[derive(Clone, Debug)]
struct Hit {
    entry: u32,
    span: Range<usize>,
}

/// One document's sentences, sections and trigger hits.
pub struct Analysis<'t> {
    engine: &'t ContextEngine,
    text: &'t str,
    folded: fold::Folded<'t>,
    sentences: Vec<Range<usize>>,
    sections: Vec<Section>,
    /// For each section, the index of the heading that opened it.
    section_headings: Vec<usize>,
    headings: Vec<Heading>,
    /// Triggers and terminators, sorted by start.
    hits: Vec<Hit>,
}

impl<'t> Analysis<'t> {
    /// The analysed text.
    pub fn text(&self) -> &'t str {
        self.text
    }

    /// Where `phrase` first occurs, as [`find_phrase`] finds it, but on the
    /// copy already folded and lower-cased for matching.
    pub fn find(&self, phrase: &str) -> Option<Range<usize>> {
        // The needle keeps its case, so it is copied only when it has white
        // space to fold; the copy it is compared with is lower case.
        let needle = fold::Folded::new(phrase.trim(), fold::KEEP_CASE);
        let needle = needle.bytes();
        let hay = self.folded.bytes();
        let first = needle.first()?.to_ascii_lowercase();
        let at = memchr::memchr_iter(first, hay).find(|&at| {
            hay[at..].get(..needle.len()).is_some_and(|h| h.eq_ignore_ascii_case(needle))
        })?;
        Some(self.folded.original_range(at..at + needle.len()))
    }

    /// Sentence byte ranges, in order, covering the text.
    pub fn sentences(&self) -> &[Range<usize>] {
        &self.sentences
    }

    /// Sections found by their headings, in order.
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// The sentence that holds `offset`.
    pub fn sentence_of(&self, offset: usize) -> Range<usize> {
        let i = self.sentences.partition_point(|s| s.end <= offset);
        self.sentences.get(i).cloned().unwrap_or(offset..offset)
    }

    /// The kind of section that holds `offset` (`Other` outside any heading).
    pub fn section_of(&self, offset: usize) -> SectionKind {
        self.section_index(offset).map_or(SectionKind::Other, |i| self.sections[i].kind)
    }

    fn section_index(&self, offset: usize) -> Option<usize> {
        let i = self.sections.partition_point(|s| s.span.end <= offset);
        self.sections.get(i).filter(|s| s.span.contains(&offset)).map(|_| i)
    }

    /// The context of the mention at `target`: which triggers have it in
    /// scope, or which section heading gives it a default.
    pub fn context_of(&self, target: Range<usize>) -> Context {
        // A span past the end or reversed is the caller's slip: answer for
        // what of it lies in the text rather than panic.
        let len = self.text.len();
        let target = target.start.min(len)..target.end.min(len).max(target.start.min(len));
        let last = target.end.max(target.start + 1) - 1;
        let sentence = self.sentence_of(target.start).start..self.sentence_of(last).end;
        let from = self.hits.partition_point(|h| h.span.start < sentence.start);
        let to = self.hits.partition_point(|h| h.span.start < sentence.end);
        let in_sentence = &self.hits[from..to];
        let mut context = Context::default();
        for axis in Axis::ALL {
            let found =
                scope::trigger_for(self.engine, self.text.as_bytes(), in_sentence, &target, axis)
                    .or_else(|| self.section_default(target.start, axis));
            *context.slot(axis) = found.map(|hit| TriggerHit {
                axis,
                phrase: self.engine.phrase(hit.entry).to_string(),
                span: hit.span.clone(),
            });
        }
        context
    }

    /// The heading whose section gives mentions at `offset` a default on `axis`.
    fn section_default(&self, offset: usize, axis: Axis) -> Option<Hit> {
        let heading = &self.headings[self.section_headings[self.section_index(offset)?]];
        let (default, entry) = heading.default?;
        (default == axis).then(|| Hit { entry, span: heading.phrase_span.clone() })
    }
}

#[cfg(test)]
mod tests;
