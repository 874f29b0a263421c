//! The context of a mention in a clinical note: is it negated, historical,
//! hypothetical, about someone else, or uncertain?
//!
//! Extraction asks this of every candidate fact, and `necessity context`
//! exposes the same engine for measurement on the ConText test kit, so there is
//! one rule path. The engine is built once from `lexicons/context.tsv` and is
//! shared across threads; [`ContextEngine::analyze`] does the per-document
//! work (sentences, sections, trigger hits) once, then [`Analysis::context_of`]
//! answers for any number of target spans.

mod copied;
pub mod examples;
mod fold;
pub mod kit;
mod layout;
mod lexicon;
mod phrases;
mod pronoun;
mod scope;
mod sections;
mod sentences;
pub mod steps;
mod transitions;

pub use fold::{find_phrase, FoldOptions, Folded};
pub use layout::{field_group, Lines, Paragraphs};
pub use phrases::{Spelling, Term, TermHit};
pub use sentences::{label_end, starts_with_bullet, starts_with_label, LABEL_REACH};

use lexicon::Entry;
use phrases::Phrases;
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

    /// The position of the axis in [`Axis::ALL`].
    pub fn index(self) -> usize {
        self as usize
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
/// axis or all), mask a look-alike ("no increase" is not a negation), name
/// a section heading (with the context its mentions have by default), or
/// mark where copied-forward text begins or ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Trigger(Axis, Direction),
    Terminate(Option<Axis>),
    Pseudo,
    Heading(SectionKind, Option<Axis>),
    Banner(Banner),
    /// A word that opens a clause in run-on text (dictation without
    /// punctuation): "she", "plan", "medications", a spoken "period"; or,
    /// when `subordinate`, a word that opens a clause needing a main one
    /// ("if", "unless"), whose next opener starts no sentence: "if that
    /// fails we will start" is one conditional sentence.
    Clause {
        subordinate: bool,
    },
    /// A word of an organization's name ("Center", "Associates",
    /// "Department of"), which reaches the capitalised words of the name
    /// before it (backward) or after it (forward): "Lakeview Psoriasis
    /// Center" says nothing about a patient's psoriasis.
    Organization(Direction),
}

/// What a banner phrase says about the text after it, where it stands as
/// a banner (a bracketed or framed line, a line's first words, a heading):
/// everything between a `Copied` banner and its `End` (or the next
/// `Current` heading) is an earlier visit's, whatever headings it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Banner {
    /// Text from an earlier visit follows: "[Pasted from previous
    /// encounter]", "*** Carried over from 2023 visit ***".
    Copied,
    /// The copied text ends here: "[End of copied text]".
    End,
    /// Today's visit starts here: "Today:", "=== This visit ===".
    Current,
    /// A visit's date label ("Date of service: 03/04/2025"): of several
    /// visits in one export, only the latest is current.
    Visit,
}

impl Banner {
    /// The name the lexicon's `banner` rows use.
    pub fn name(self) -> &'static str {
        match self {
            Banner::Copied => "copied",
            Banner::End => "end",
            Banner::Current => "current",
            Banner::Visit => "visit",
        }
    }
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

/// What puts a target in scope on one axis: a trigger phrase found in the
/// text, or the heading of the section it stands in (a family-history
/// section is about the family), as indices into its [`Analysis`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    Trigger(u32),
    Heading(u32),
    /// A relative named in the sentence before one that names them by a
    /// pronoun ("Mom asks about Dupixent. She has hand eczema herself.").
    Pronoun(u32),
}

impl Cause {
    /// Whether a section heading, not a phrase near the target, gave it.
    pub fn is_heading(self) -> bool {
        matches!(self, Cause::Heading(_))
    }
}

/// The context of one target in compact form, one [`Cause`] per axis:
/// what extraction keeps for every mention (asked once, copied freely);
/// [`Analysis::context`] writes it out with phrases.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scope([Option<Cause>; 5]);

impl Scope {
    /// What puts the target in scope on `axis`, if anything does.
    pub fn get(&self, axis: Axis) -> Option<Cause> {
        self.0[axis.index()]
    }

    /// True when the target is a current, affirmed fact about the patient,
    /// as [`Context::is_current_fact`] says.
    pub fn is_current_fact(&self) -> bool {
        [Axis::Negated, Axis::Historical, Axis::Hypothetical, Axis::Family]
            .into_iter()
            .all(|axis| self.get(axis).is_none())
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

/// The compiled trigger lexicon, and with it every phrase a caller wants
/// found in the same walk: built once, shared by every thread.
pub struct ContextEngine {
    /// Every phrase of the lexicon and the caller's terms, in one automaton.
    phrases: Phrases,
    /// Every lexicon entry; the automaton's patterns point into it.
    entries: Vec<Entry>,
    /// For each entry, whether it names a relative: a family trigger, or a
    /// look-alike opened by one ("mom asks").
    names_relative: Vec<bool>,
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
        ContextEngine::with_terms(tsv, Vec::new())
    }

    /// Compiles a lexicon in the `lexicons/context.tsv` format together
    /// with a caller's `terms`, which [`Analysis::terms`] then reports: one
    /// automaton, one walk over each note for both.
    pub fn with_terms(tsv: &str, terms: Vec<Term>) -> Result<ContextEngine, LexiconError> {
        let mut entries = lexicon::parse(tsv)?;
        entries.sort_by(|a, b| a.phrase.cmp(&b.phrase));
        let phrases = Phrases::build(&entries, terms)?;
        let names_relative = pronoun::names_relative(&entries);
        Ok(ContextEngine { phrases, entries, names_relative })
    }

    /// The terms the engine was built with, by the index [`TermHit`] gives.
    pub fn terms(&self) -> &[Term] {
        self.phrases.terms()
    }

    /// Every phrase of the engine's automaton (lower case): what a bare
    /// scan of the same vocabulary matches, ASCII case-insensitively.
    pub fn phrases(&self) -> Vec<String> {
        self.phrases.phrases(&self.entries)
    }

    /// Finds sentences, sections, triggers and the caller's terms of one
    /// document once, in one walk, so that asking about many targets costs
    /// little.
    pub fn analyze<'t>(&'t self, text: &'t str) -> Analysis<'t> {
        let folded = fold::Folded::new(text, fold::NOTE);
        // Clause openers only split run-on text: a note without any needs
        // none chosen.
        let run_on = sentences::run_on_stretches(text.as_bytes());
        let walked = self.phrases.walk(&folded, !run_on.is_empty());
        let lines = Lines::new(text.as_bytes());
        let heading_phrases =
            HeadingPhrases { engine: self, folded: &folded, found: &walked.headings };
        let capitals = layout::in_capitals(text.as_bytes());
        let headings = sections::find(
            text,
            &lines,
            capitals,
            |range| heading_phrases.within(range),
            |range| heading_phrases.whole(range),
        );
        let banners: Vec<copied::BannerHit> = walked
            .banners
            .iter()
            .inspect(|_| steps::add(1))
            .filter_map(|found| {
                let entry = self.phrases.banner_entry(found.pattern)?;
                let Role::Banner(banner) = self.role(entry) else { return None };
                let span = folded.original_range(found.start as usize..found.end as usize);
                Some(copied::BannerHit { entry, banner, span })
            })
            .collect();
        let copied = copied::find(text.as_bytes(), &lines, &headings, &banners);
        let (headings, openers) = copied::with_openers(headings, &copied, &lines);
        let mut hits = Vec::new();
        // Every context phrase, look-alikes too: a line break inside one
        // of a text in capitals ends no sentence.
        let mut phrases = Vec::new();
        steps::add(walked.context.len());
        for found in &walked.context {
            let span = folded.original_range(found.start as usize..found.end as usize);
            if capitals {
                phrases.push(span.clone());
            }
            if inside_heading(&headings, &span) && !in_heading_aside(text, &headings, &span) {
                continue;
            }
            for &entry in self.phrases.context_entries(found.pattern) {
                let role = self.role(entry);
                if matches!(role, Role::Trigger(Axis::Family, _)) && named_with(text, &span) {
                    continue;
                }
                if matches!(role, Role::Trigger(..) | Role::Terminate(_)) {
                    hits.push(Hit { entry, span: span.clone() });
                }
            }
        }
        // A sentence ends where a heading starts and where copied text ends.
        let mut breaks: Vec<usize> = headings.iter().map(|h| h.span.start).collect();
        breaks.extend(copied.iter().map(|block| block.span.end));
        let organizations: Vec<(Range<usize>, Direction)> = walked
            .organizations
            .iter()
            .filter_map(|found| {
                let entry = self.phrases.organization_entry(found.pattern)?;
                let Role::Organization(direction) = self.role(entry) else { return None };
                Some((folded.original_range(found.start as usize..found.end as usize), direction))
            })
            .collect();
        let clauses: Vec<(usize, bool)> = walked
            .clauses
            .iter()
            .map(|found| {
                let at = folded.original_range(found.start as usize..found.end as usize).start;
                let entry = self.phrases.clause_entry(found.pattern);
                let subordinate = entry
                    .is_some_and(|e| matches!(self.role(e), Role::Clause { subordinate: true }));
                (at, subordinate)
            })
            .collect();
        let layout =
            sentences::Layout { lines: &lines, capitals, phrases: &phrases, run_on: &run_on };
        let sentences = sentences::split(text, &breaks, &clauses, &layout);
        let blocks: Vec<(Range<usize>, usize)> = copied
            .iter()
            .zip(openers)
            .map(|(block, opener)| (block.span.clone(), opener))
            .collect();
        let (sections, section_headings) =
            sections::spans(text.as_bytes(), &headings, &lines, &blocks);
        let paragraphs = Paragraphs::new(text.as_bytes());
        let items = layout::list_items(text.as_bytes(), &lines);
        let relatives: Vec<Hit> = walked
            .context
            .iter()
            .filter_map(|found| {
                let entries = self.phrases.context_entries(found.pattern);
                let entry = *entries.iter().find(|&&e| self.names_relative[e as usize])?;
                let span = folded.original_range(found.start as usize..found.end as usize);
                Some(Hit { entry, span })
            })
            .collect();
        let relatives_by_pronoun = pronoun::relatives_by_pronoun(text, &sentences, relatives);
        Analysis {
            engine: self,
            text,
            folded,
            lines,
            paragraphs,
            items,
            sentences,
            sections,
            section_headings,
            headings,
            copied,
            run_on,
            organizations,
            hits,
            terms: walked.terms,
            relatives_by_pronoun,
        }
    }

    /// Every lexicon line whose example sentence does not show it doing
    /// what it says at its phrase (a trigger, terminator or look-alike
    /// chosen there, a heading of its kind standing there), or that has no
    /// example: each as "context.tsv line N: ...". Empty for a sound
    /// lexicon; the tests require it of the shipped one.
    pub fn example_failures(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for (i, entry) in self.entries.iter().enumerate() {
            let shown = entry.example.as_ref().map(|example| self.shows(i as u32, example));
            let problem = match shown {
                None => "has no example",
                Some(Err(problem)) => problem,
                Some(Ok(())) => continue,
            };
            let sentence = entry.example.as_ref().map_or("", |e| e.sentence.as_str());
            failures.push(format!(
                "context.tsv line {}: {:?} {problem}: {sentence:?}",
                entry.line, entry.phrase
            ));
        }
        failures
    }

    /// Whether entry `entry` does what it says at its phrase in `example`.
    fn shows(&self, entry: u32, example: &examples::Example) -> Result<(), &'static str> {
        let phrase = &self.entries[entry as usize].phrase;
        let at = example.locate(phrase).ok_or("is not in its example")?;
        let analysis = self.analyze(&example.sentence);
        let shown = match self.role(entry) {
            Role::Heading(kind, _) => analysis
                .headings
                .iter()
                .any(|h| h.phrase_span == at && h.kind == kind && self.heads(h, entry)),
            Role::Pseudo => {
                let walked = self.phrases.walk(&analysis.folded, true);
                walked.context.iter().any(|f| {
                    analysis.folded.original_range(f.start as usize..f.end as usize) == at
                        && self.phrases.context_entries(f.pattern).contains(&entry)
                })
            }
            Role::Trigger(..) | Role::Terminate(_) => {
                analysis.hits.iter().any(|h| h.entry == entry && h.span == at)
            }
            Role::Banner(Banner::Copied | Banner::Visit) => {
                analysis.copied.iter().any(|block| block.phrase == at)
            }
            Role::Banner(Banner::End | Banner::Current) => {
                analysis.copied.iter().any(|block| block.ended_by.as_ref() == Some(&at))
            }
            Role::Clause { subordinate: false } => {
                analysis.sentences.iter().any(|sentence| sentence.start == at.start)
            }
            // Its clause and the main one after it are one sentence.
            Role::Clause { subordinate: true } => analysis
                .sentences
                .iter()
                .any(|sentence| sentence.contains(&at.start) && at.end + 20 <= sentence.end),
            Role::Organization(_) => analysis.organizations.iter().any(|(span, _)| *span == at),
        };
        shown.then_some(()).ok_or("is not found where it stands in its example")
    }

    /// Whether heading `heading` was named by entry `entry` (or one of its
    /// phrase: the first heading entry of a phrase names it).
    fn heads(&self, heading: &Heading, entry: u32) -> bool {
        heading.default.is_none_or(|(_, named)| self.phrase(named) == self.phrase(entry))
    }

    /// The heading named by heading entry `entry`, found at `span`.
    fn heading_hit(&self, entry: u32, span: Range<usize>) -> Option<HeadingHit> {
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

/// The heading phrases the walk found in one note, looked up where a
/// heading may stand (text before a colon, a short line alone).
struct HeadingPhrases<'a> {
    engine: &'a ContextEngine,
    folded: &'a Folded<'a>,
    /// Sorted by start, the longest first at each.
    found: &'a [phrases::Found],
}

impl HeadingPhrases<'_> {
    /// The first heading phrase of the lexicon within `range` of the text
    /// (leftmost, then longest, on word boundaries). A short phrase ("cc",
    /// "a/p", "S") names a heading only when it is the whole heading:
    /// "vitamin A:" is no assessment.
    fn within(&self, range: Range<usize>) -> Option<HeadingHit> {
        let (from, to) =
            (self.folded.folded_offset(range.start), self.folded.folded_offset(range.end));
        let bytes = self.folded.bytes();
        let first = self.found[self.found.partition_point(|f| (f.start as usize) < from)..]
            .iter()
            .take_while(|f| (f.start as usize) < to)
            .inspect(|_| steps::add(1))
            .find(|f| {
                (f.end as usize) <= to
                    && phrases::on_word_boundaries(bytes, f.start as usize..f.end as usize, false)
            });
        // A one-letter heading word before it comes first.
        let limit = first.map_or(to, |f| f.start as usize);
        steps::add(limit.saturating_sub(from));
        if let Some(at) = (from..limit).find(|&at| self.letter_heading_at(at).is_some()) {
            return (to - from == 1).then(|| self.letter(at)).flatten();
        }
        let first = first?;
        let length = (first.end - first.start) as usize;
        if length < 4 && length != to - from {
            return None;
        }
        let span = self.folded.original_range(first.start as usize..first.end as usize);
        self.engine.heading_hit(self.engine.phrases.heading_entry(first.pattern)?, span)
    }

    /// The heading phrase of the lexicon that is all of `range` (a short
    /// line alone).
    fn whole(&self, range: Range<usize>) -> Option<HeadingHit> {
        let (from, to) =
            (self.folded.folded_offset(range.start), self.folded.folded_offset(range.end));
        if to - from == 1 {
            return self.letter(from);
        }
        // The longest phrase at the line's start that stays on the line.
        let longest = self.found[self.found.partition_point(|f| (f.start as usize) < from)..]
            .iter()
            .take_while(|f| f.start as usize == from)
            .inspect(|_| steps::add(1))
            .find(|f| f.end as usize <= to)?;
        let entry = self.engine.phrases.heading_entry(longest.pattern)?;
        let rest = &self.folded.bytes()[longest.end as usize..to];
        let span = match sections::qualifier(rest)? {
            sections::Qualifier::None | sections::Qualifier::Bracketed => range,
            sections::Qualifier::Dashed => {
                self.folded.original_range(longest.start as usize..longest.end as usize)
            }
        };
        self.engine.heading_hit(entry, span)
    }

    /// The one-letter heading entry at folded offset `at`, when a letter
    /// stands alone there.
    fn letter_heading_at(&self, at: usize) -> Option<u32> {
        let bytes = self.folded.bytes();
        let alone = (at == 0 || !is_word_byte(bytes[at - 1]))
            && bytes.get(at + 1).is_none_or(|b| !is_word_byte(*b));
        alone.then(|| self.engine.phrases.letter_heading(bytes[at])).flatten()
    }

    /// The one-letter heading at folded offset `at`.
    fn letter(&self, at: usize) -> Option<HeadingHit> {
        let entry = self.letter_heading_at(at)?;
        self.engine.heading_hit(entry, self.folded.original_range(at..at + 1))
    }
}

fn inside_heading(headings: &[Heading], span: &Range<usize>) -> bool {
    let i = headings.partition_point(|h| h.span.end <= span.start);
    headings.get(i).is_some_and(|h| h.span.start <= span.start && span.end <= h.span.end)
}

/// How far before a relative's word the "with" that names the people of
/// a talk may stand.
const WITH_REACH: usize = 40;

/// Whether a relative is named after "with" among the people a talk or a
/// visit was with ("Shared decision with Jaylen and mother: start
/// dupilumab"): only given names, "and" and commas between. The relative
/// takes part; what the sentence says is the patient's. ("with mother"
/// alone is a look-alike of the lexicon.)
fn named_with(text: &str, relative: &Range<usize>) -> bool {
    let from = floor_boundary(text, relative.start.saturating_sub(WITH_REACH));
    let before = &text[from..relative.start];
    steps::add(before.len());
    let Some(at) = before.rfind("with ") else { return false };
    let names = &before[at + "with ".len()..];
    let mut words = names.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty());
    let named = |w: &str| {
        w == "and"
            || w.chars().next().is_some_and(char::is_uppercase)
                && w.chars().all(char::is_alphabetic)
    };
    let first = words.next();
    // "with Tom and mother, who has eczema": what follows is hers.
    let after = text[relative.end..].trim_start_matches([' ', ',']);
    let described = ["who ", "whose "].iter().any(|w| after.starts_with(w));
    !described && first.is_some_and(|w| w != "and" && named(w)) && words.all(named)
}

/// The nearest char boundary at or before `at`.
fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Whether a phrase inside a heading stands in a bracketed aside of it
/// ("Skin (full exam except genitals):"): the aside states something, so
/// its trigger reaches what follows it there, up to its ")", while the
/// heading's own words ("History of present illness:") trigger nothing.
fn in_heading_aside(text: &str, headings: &[Heading], span: &Range<usize>) -> bool {
    let i = headings.partition_point(|h| h.span.end <= span.start);
    let Some(heading) = headings.get(i) else { return false };
    let before = &text.as_bytes()[heading.span.start..span.start];
    let after = &text.as_bytes()[span.end..heading.span.end];
    steps::add(before.len() + after.len());
    let open = before.iter().rposition(|&b| b == b'(');
    let closed = open.is_some_and(|at| before[at..].contains(&b')'));
    open.is_some() && !closed && after.contains(&b')')
}

/// How far before an organization word the name it ends may start.
const ORGANIZATION_REACH: usize = 40;

/// Whether `words` are a name: each word capitalised ("Lakeview",
/// "Psoriasis") or a joining word ("&", "and", "of", "for", "the"), with
/// no punctuation between them (a comma or a line break parts them).
fn is_name(words: &[u8]) -> bool {
    const JOINING: [&[u8]; 6] = [b"&", b"and", b"of", b"for", b"the", b"-"];
    let plain = |w: &[u8]| w.iter().all(|b| b.is_ascii_alphanumeric() || b"&-'.".contains(b));
    words.split(|b| *b == b' ' || *b == b'/').filter(|w| !w.is_empty()).all(|w| {
        plain(w) && (w.first().is_some_and(u8::is_ascii_uppercase) || JOINING.contains(&w))
    })
}

/// A byte that is part of a word: an ASCII letter, digit or underscore.
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
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
    lines: Lines,
    paragraphs: Paragraphs,
    items: Vec<Range<usize>>,
    sentences: Vec<Range<usize>>,
    sections: Vec<Section>,
    /// For each section, the index of the heading that opened it.
    section_headings: Vec<usize>,
    headings: Vec<Heading>,
    /// The copied-forward blocks, in order.
    copied: Vec<copied::Block>,
    /// The stretches of run-on text (no punctuation), in order.
    run_on: Vec<Range<usize>>,
    /// The words of organizations' names, in order, with the way each
    /// reaches the rest of its name.
    organizations: Vec<(Range<usize>, Direction)>,
    /// Triggers and terminators, sorted by start.
    hits: Vec<Hit>,
    /// The caller's terms, in text order.
    terms: Vec<TermHit>,
    /// The sentences about a relative named only by a pronoun, with the
    /// phrase naming the relative in the sentence before, in order.
    relatives_by_pronoun: Vec<(usize, Hit)>,
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
        let needle = fold::Folded::new(phrase.trim(), fold::NEEDLE);
        let needle = needle.bytes();
        let hay = self.folded.bytes();
        let first = needle.first()?.to_ascii_lowercase();
        let at = memchr::memchr_iter(first, hay).find(|&at| {
            hay[at..].get(..needle.len()).is_some_and(|h| h.eq_ignore_ascii_case(needle))
        })?;
        Some(self.folded.original_range(at..at + needle.len()))
    }

    /// The caller's terms found in the text, in order (see
    /// [`ContextEngine::with_terms`]).
    pub fn terms(&self) -> &[TermHit] {
        &self.terms
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

    /// The lines of the text.
    pub fn lines(&self) -> &Lines {
        &self.lines
    }

    /// The paragraphs of the text.
    pub fn paragraphs(&self) -> &Paragraphs {
        &self.paragraphs
    }

    /// The list items of the text, in order.
    pub fn items(&self) -> &[Range<usize>] {
        &self.items
    }

    /// The index of the list item that holds `offset`, if one does.
    pub fn item_of(&self, offset: usize) -> Option<usize> {
        let i = self.items.partition_point(|item| item.end <= offset);
        self.items.get(i).filter(|item| item.start <= offset).map(|_| i)
    }

    /// The index of the sentence that holds `offset` (one past the last
    /// for the end of the text).
    pub fn sentence_index(&self, offset: usize) -> usize {
        self.sentences.partition_point(|s| s.end <= offset)
    }

    /// The context of the mention at `target`: which triggers have it in
    /// scope, or which section heading gives it a default.
    pub fn context_of(&self, target: Range<usize>) -> Context {
        let scope = self.scopes(std::slice::from_ref(&target))[0];
        self.context(&scope)
    }

    /// The context of each of `targets` in compact form, all found in one
    /// pass over the text: asking for every mention of a note at once costs
    /// about what asking for one does.
    pub fn scopes(&self, targets: &[Range<usize>]) -> Vec<Scope> {
        steps::add(targets.len());
        let text = scope::Text {
            bytes: self.text.as_bytes(),
            sentences: &self.sentences,
            run_on: &self.run_on,
        };
        let reached = scope::resolve(self.engine, &text, &self.hits, targets);
        let len = self.text.len();
        targets
            .iter()
            .zip(reached)
            .map(|(target, reached)| {
                let mut found = Scope::default();
                // One section, one default: looked up once, not once an axis.
                let default = self.section_default(target.start.min(len));
                for axis in Axis::ALL {
                    found.0[axis.index()] =
                        reached[axis.index()].map(Cause::Trigger).or_else(|| {
                            default
                                .filter(|(on, _)| *on == axis)
                                .map(|(_, heading)| Cause::Heading(heading))
                        });
                }
                let family = &mut found.0[Axis::Family.index()];
                if family.is_none() && !self.relatives_by_pronoun.is_empty() {
                    *family = self.relative_by_pronoun(target.start.min(len)).map(Cause::Pronoun);
                }
                found
            })
            .collect()
    }

    /// Where in [`Analysis::relatives_by_pronoun`] the sentence at
    /// `offset` is, if it names a relative only by a pronoun.
    fn relative_by_pronoun(&self, offset: usize) -> Option<u32> {
        let sentence = self.sentence_index(offset);
        let found = &self.relatives_by_pronoun;
        found.binary_search_by_key(&sentence, |(s, _)| *s).ok().map(|at| at as u32)
    }

    /// A compact context written out with its phrases.
    pub fn context(&self, scope: &Scope) -> Context {
        let mut context = Context::default();
        for axis in Axis::ALL {
            *context.slot(axis) = scope.get(axis).map(|cause| TriggerHit {
                axis,
                phrase: self.cause_phrase(cause).to_string(),
                span: self.cause_span(cause),
            });
        }
        context
    }

    /// Whether a trigger of `axis` (as a trigger, not a terminator) overlaps
    /// `range`: "is this word a negation", asked of the lexicon, not of a
    /// word list of one's own.
    pub fn trigger_overlaps(&self, range: &Range<usize>, axis: Axis) -> bool {
        let first = self.hits.partition_point(|h| h.span.end <= range.start);
        self.hits[first..]
            .iter()
            .take_while(|h| h.span.start < range.end)
            .inspect(|_| steps::add(1))
            .any(|h| matches!(self.engine.role(h.entry), Role::Trigger(a, _) if a == axis))
    }

    /// Whether `span` is part of an organization's name ("Lakeview
    /// Psoriasis Center", "Harborview Allergy & Asthma Associates",
    /// "Department of Dermatology"): capitalised words on one line that an
    /// organization word of the lexicon ends or opens. Such a name says
    /// nothing about the patient's diagnosis, and less about a clinician's
    /// specialty than the clinician's own line does.
    pub fn in_organization_name(&self, span: &Range<usize>) -> bool {
        let bytes = self.text.as_bytes();
        let line_end = self.lines.range(self.lines.line_of(span.start)).end;
        let i = self.organizations.partition_point(|(org, _)| org.start < span.end);
        let after = self.organizations.get(i).filter(|(org, direction)| {
            *direction == Direction::Backward
                && org.end <= line_end
                && org.start - span.end <= ORGANIZATION_REACH
                && is_name(&bytes[span.start..org.start])
        });
        let before = i.checked_sub(1).and_then(|b| self.organizations.get(b)).filter(|(org, d)| {
            *d == Direction::Forward
                && org.end <= span.start
                && span.start - org.end <= 2
                && bytes[org.end..span.start].iter().all(|b| *b == b' ')
        });
        steps::add(ORGANIZATION_REACH);
        after.is_some() || before.is_some()
    }

    /// Where the trigger phrase or heading phrase of `cause` is.
    pub fn cause_span(&self, cause: Cause) -> Range<usize> {
        match cause {
            Cause::Trigger(hit) => self.hits[hit as usize].span.clone(),
            Cause::Heading(heading) => self.headings[heading as usize].phrase_span.clone(),
            Cause::Pronoun(at) => self.relatives_by_pronoun[at as usize].1.span.clone(),
        }
    }

    /// The lexicon phrase of `cause`, as the lexicon writes it.
    pub fn cause_phrase(&self, cause: Cause) -> &str {
        let entry = match cause {
            Cause::Trigger(hit) => self.hits[hit as usize].entry,
            Cause::Heading(heading) => {
                self.headings[heading as usize].default.map_or(0, |(_, e)| e)
            }
            Cause::Pronoun(at) => self.relatives_by_pronoun[at as usize].1.entry,
        };
        self.engine.phrase(entry)
    }

    /// The heading whose section gives mentions at `offset` a default, and
    /// the axis of that default.
    fn section_default(&self, offset: usize) -> Option<(Axis, u32)> {
        let heading = self.section_headings[self.section_index(offset)?];
        let (default, _) = self.headings[heading].default?;
        Some((default, heading as u32))
    }
}

#[cfg(test)]
mod tests;
