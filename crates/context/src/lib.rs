//! The context of a mention in a clinical note: is it negated, historical,
//! hypothetical, about someone else, or uncertain?
//!
//! Extraction asks this of every candidate fact, and `necessity context`
//! exposes the same engine for measurement on the ConText test kit, so there is
//! one rule path. The engine is built once from `lexicons/context.tsv` and is
//! shared across threads; [`ContextEngine::analyze`] does the per-document
//! work (sentences, sections, trigger hits) once, then [`Analysis::context_of`]
//! answers for any number of target spans.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::ops::Range;
use std::sync::OnceLock;

/// The trigger lexicon shipped with the binary, so it works anywhere.
pub const BUILTIN_LEXICON: &str = include_str!("../../../lexicons/context.tsv");

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

/// Which way a trigger's scope runs from the trigger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Backward,
    Both,
}

/// What a lexicon phrase does: open a scope on an axis, end scopes, or mask a
/// look-alike ("no increase" is not a negation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Trigger(Axis, Direction),
    Terminate,
    Pseudo,
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

/// A section of the note: its kind and the byte range it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub kind: SectionKind,
    pub span: Range<usize>,
}

/// The compiled trigger lexicon: built once, shared by every thread.
pub struct ContextEngine {
    matcher: AhoCorasick,
    phrases: Vec<(String, Role)>,
}

impl ContextEngine {
    /// The engine built from the shipped lexicon, compiled on first use.
    pub fn builtin() -> &'static ContextEngine {
        static ENGINE: OnceLock<ContextEngine> = OnceLock::new();
        ENGINE.get_or_init(|| {
            ContextEngine::from_lexicon(BUILTIN_LEXICON)
                .expect("the shipped context lexicon is valid")
        })
    }

    /// Compiles a lexicon in the `lexicons/context.tsv` format.
    pub fn from_lexicon(tsv: &str) -> Result<ContextEngine, LexiconError> {
        let mut phrases = Vec::new();
        for (index, line) in tsv.lines().enumerate() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            phrases.push(parse_line(index + 1, line)?);
        }
        let matcher = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(phrases.iter().map(|(p, _)| p.as_str()))
            .map_err(|e| LexiconError::Build(e.to_string()))?;
        Ok(ContextEngine { matcher, phrases })
    }

    /// Finds sentences, sections and triggers of one document once, so that
    /// asking about many targets costs little.
    pub fn analyze<'t>(&self, text: &'t str) -> Analysis<'t> {
        let sentences = split_sentences(text);
        let mut hits = Vec::new();
        for m in self.matcher.find_iter(text) {
            if !on_word_boundaries(text, m.start(), m.end()) {
                continue;
            }
            let (phrase, role) = &self.phrases[m.pattern().as_usize()];
            hits.push(Hit { role: *role, phrase: phrase.clone(), span: m.start()..m.end() });
        }
        Analysis { text, sentences, sections: Vec::new(), hits }
    }
}

fn parse_line(line_no: usize, line: &str) -> Result<(String, Role), LexiconError> {
    let bad = |message: &str| LexiconError::Line { line: line_no, message: message.to_string() };
    let fields: Vec<&str> = line.split('\t').collect();
    if fields.len() != 3 {
        return Err(bad("expected phrase<TAB>axis<TAB>direction"));
    }
    let phrase = fields[0].trim().to_ascii_lowercase();
    if phrase.is_empty() {
        return Err(bad("empty phrase"));
    }
    let role = match fields[2].trim() {
        "terminate" => Role::Terminate,
        "pseudo" => Role::Pseudo,
        dir => {
            let axis = match fields[1].trim() {
                "negated" => Axis::Negated,
                "historical" => Axis::Historical,
                "hypothetical" => Axis::Hypothetical,
                "family" => Axis::Family,
                "uncertain" => Axis::Uncertain,
                _ => return Err(bad("unknown axis")),
            };
            let direction = match dir {
                "forward" => Direction::Forward,
                "backward" => Direction::Backward,
                "both" => Direction::Both,
                _ => return Err(bad("unknown direction")),
            };
            Role::Trigger(axis, direction)
        }
    };
    Ok((phrase, role))
}

#[derive(Clone, Debug)]
struct Hit {
    role: Role,
    phrase: String,
    span: Range<usize>,
}

/// One document's sentences, sections and trigger hits.
pub struct Analysis<'t> {
    text: &'t str,
    sentences: Vec<Range<usize>>,
    sections: Vec<Section>,
    hits: Vec<Hit>,
}

impl<'t> Analysis<'t> {
    /// The analysed text.
    pub fn text(&self) -> &'t str {
        self.text
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
        self.sections
            .iter()
            .find(|s| s.span.contains(&offset))
            .map_or(SectionKind::Other, |s| s.kind)
    }

    /// The context of the mention at `target`: which triggers have it in scope.
    pub fn context_of(&self, target: Range<usize>) -> Context {
        let sentence = self.sentence_of(target.start);
        let in_sentence: Vec<&Hit> = self
            .hits
            .iter()
            .filter(|h| h.span.start >= sentence.start && h.span.end <= sentence.end)
            .filter(|h| h.span.end <= target.start || h.span.start >= target.end)
            .collect();
        let mut context = Context::default();
        for (i, hit) in in_sentence.iter().enumerate() {
            let Role::Trigger(axis, direction) = hit.role else { continue };
            let forward = hit.span.end <= target.start
                && matches!(direction, Direction::Forward | Direction::Both)
                && !in_sentence[i + 1..]
                    .iter()
                    .any(|h| h.role == Role::Terminate && h.span.start < target.start);
            let backward = hit.span.start >= target.end
                && matches!(direction, Direction::Backward | Direction::Both)
                && !in_sentence[..i]
                    .iter()
                    .any(|h| h.role == Role::Terminate && h.span.start >= target.end);
            let slot = context.slot(axis);
            if (forward || backward) && slot.is_none() {
                *slot =
                    Some(TriggerHit { axis, phrase: hit.phrase.clone(), span: hit.span.clone() });
            }
        }
        context
    }
}

fn on_word_boundaries(text: &str, start: usize, end: usize) -> bool {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    (start == 0 || !is_word(bytes[start - 1])) && (end == bytes.len() || !is_word(bytes[end]))
}

/// Splits on sentence-final punctuation followed by white space, and on blank
/// lines, so list lines and paragraphs do not share a scope.
fn split_sentences(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut sentences = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let end_here = match bytes[i] {
            b'.' | b'!' | b'?' | b';' => bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace()),
            b'\n' => bytes.get(i + 1) == Some(&b'\n'),
            _ => false,
        };
        if end_here {
            sentences.push(start..i + 1);
            start = i + 1;
        }
        i += 1;
    }
    if start < bytes.len() {
        sentences.push(start..bytes.len());
    }
    sentences
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(sentence: &str, target: &str) -> Context {
        let analysis = ContextEngine::builtin().analyze(sentence);
        let start = sentence.to_ascii_lowercase().find(&target.to_ascii_lowercase()).unwrap();
        analysis.context_of(start..start + target.len())
    }

    #[test]
    fn negation_runs_forward_to_a_terminator() {
        assert!(context("She denies any cough or sputum.", "sputum").negated.is_some());
        assert!(context("No fever, but has cough.", "cough").negated.is_none());
    }

    #[test]
    fn negation_stops_at_sentence_end() {
        assert!(context("No fever. Cough for two days.", "cough").negated.is_none());
    }

    #[test]
    fn pseudo_trigger_masks_negation() {
        assert!(context("There was no increase in itch.", "itch").negated.is_none());
    }

    #[test]
    fn family_and_history() {
        assert!(context("Mother has eczema.", "eczema").family.is_some());
        assert!(context("History of asthma.", "asthma").historical.is_some());
    }
}
