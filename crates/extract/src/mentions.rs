//! The mention layer: every extractor reads a note through it.
//!
//! One walk over the note finds every lexicon hit; each becomes a
//! [`Mention`] that knows its span, meaning, sentence, list item and section
//! and its context (negated, historical, hypothetical, family, uncertain),
//! asked of the context engine once for all mentions of the note. Whether a
//! mention is a current fact about the patient is answered here and only
//! here, by [`Note::judge`], which says why when it sets a mention aside.
//! An extractor that needs another question (a value is the patient's but
//! may be dated; a failure cue may hold a negation word) asks it by a
//! [`Question`], not by a copy of the rule.
//!
//! Nothing in this crate outside this module asks the context engine.

use crate::boxes::{Answer, Boxes, Mark};
use crate::lexicon::{Cue, Meaning, SiteTerm, Vocabulary};
use crate::scan;
use crate::words;
use necessity_context::{steps, Analysis, Axis, Cause, ContextEngine, Lines, Scope, SectionKind};
use necessity_record::Outcome;
use std::cell::RefCell;
use std::collections::HashSet;
use std::ops::Range;

/// One meaning of a lexicon term found in the note, with everything the
/// extractors ask of it, found once.
#[derive(Clone, Debug)]
pub struct Mention<'v> {
    /// Where the term is, in the original text.
    pub span: Range<usize>,
    pub meaning: &'v Meaning,
    /// The index of the sentence the term starts in.
    pub sentence: usize,
    /// The index of the list item it stands in, if any.
    pub item: Option<usize>,
    /// The kind of section it stands in.
    pub section: SectionKind,
    /// Which triggers or headings put it in scope on each axis.
    pub scope: Scope,
}

/// One note as the extractors read it: its text, layout and mentions.
pub struct Note<'t, 'v> {
    analysis: Analysis<'t>,
    mentions: Vec<Mention<'v>>,
    /// The drugs a form's answer hides: not mentions, but a trial question
    /// answered No names them as never tried.
    hidden_drugs: Vec<scan::Term<'v>>,
    /// The note's form checkboxes.
    boxes: Boxes,
    /// The mentions set aside so far, kept only when asked for, with the
    /// (span, purpose) pairs already kept.
    trace: Option<RefCell<Trace>>,
}

impl<'t, 'v> Note<'t, 'v> {
    /// Reads `text`: one walk for the terms of `vocabulary` and the context
    /// triggers (`engine` was built with the vocabulary's terms), then every
    /// mention's context in one pass.
    pub fn read(
        vocabulary: &'v Vocabulary,
        engine: &'t ContextEngine,
        text: &'t str,
        traced: bool,
    ) -> Note<'t, 'v> {
        let analysis = engine.analyze(text);
        let boxes = Boxes::new(text);
        let scan::Scanned { stated: found, hidden_drugs } =
            scan::scan(vocabulary, text, analysis.lines(), &boxes, analysis.terms());
        steps::add(found.len());
        let spans: Vec<Range<usize>> = found.iter().map(|m| m.span.clone()).collect();
        let scopes = analysis.scopes(&spans);
        let mentions = found
            .into_iter()
            .zip(scopes)
            .map(|(term, scope)| Mention {
                sentence: analysis.sentence_index(term.span.start),
                item: analysis.item_of(term.span.start),
                section: analysis.section_of(term.span.start),
                span: term.span,
                meaning: term.meaning,
                scope,
            })
            .collect();
        Note { analysis, mentions, hidden_drugs, boxes, trace: traced.then(RefCell::default) }
    }

    /// The note's text: extractors read it only in a bounded window around
    /// a mention.
    pub fn text(&self) -> &'t str {
        self.analysis.text()
    }

    /// Every mention, in text order (several meanings of one term in a row).
    pub fn mentions(&self) -> &[Mention<'v>] {
        &self.mentions
    }

    /// The drug terms a form's box or written answer hides, in text order.
    pub fn hidden_drugs(&self) -> &[scan::Term<'v>] {
        &self.hidden_drugs
    }

    /// The mentions that start inside `range`, found by binary search.
    pub fn mentions_from(&self, range: &Range<usize>) -> &[Mention<'v>] {
        let mentions = &self.mentions;
        let first = mentions.partition_point(|m| m.span.start < range.start);
        let last = first + mentions[first..].partition_point(|m| m.span.start < range.end);
        &mentions[first..last]
    }

    /// The mentions wholly inside `range`.
    pub fn mentions_in(&self, range: &Range<usize>) -> impl Iterator<Item = &Mention<'v>> {
        let end = range.end;
        self.mentions_from(range).iter().filter(move |m| m.span.end <= end)
    }

    /// The byte range of list item `index` (a mention's `item`).
    pub fn item(&self, index: usize) -> Range<usize> {
        let items = self.analysis.items();
        items.get(index).cloned().unwrap_or(self.text().len()..self.text().len())
    }

    /// The byte range of sentence `index`.
    pub fn sentence(&self, index: usize) -> Range<usize> {
        let sentences = self.analysis.sentences();
        sentences.get(index).cloned().unwrap_or(self.text().len()..self.text().len())
    }

    /// The sentence that holds `offset`.
    pub fn sentence_of(&self, offset: usize) -> Range<usize> {
        self.analysis.sentence_of(offset)
    }

    /// The index of the sentence that holds `offset`.
    pub fn sentence_index(&self, offset: usize) -> usize {
        self.analysis.sentence_index(offset)
    }

    /// The kind of section that holds `offset`.
    pub fn section_of(&self, offset: usize) -> SectionKind {
        self.analysis.section_of(offset)
    }

    /// The list item that holds `offset`, if one does: what one item says
    /// of its drug is kept from the next.
    pub fn item_at(&self, offset: usize) -> Option<Range<usize>> {
        self.analysis.item_of(offset).map(|i| self.analysis.items()[i].clone())
    }

    /// The lines of the note.
    pub fn lines(&self) -> &Lines {
        self.analysis.lines()
    }

    /// What the form box of the term at `span` says, if it has one
    /// ("[x] New start", "Renewal [ ]"): the one rule for boxes.
    pub fn mark_of(&self, span: &Range<usize>) -> Option<Mark> {
        self.boxes.mark_of(self.text(), self.lines(), span)
    }

    /// How the form question ending at `end` is answered by the Yes/No
    /// boxes after it on its line, within `reach` bytes: the one rule for
    /// boxes, as [`Note::mark_of`].
    pub fn answer_after(&self, end: usize, reach: usize) -> Option<Answer> {
        self.boxes.answer_after(self.text(), self.lines(), end, reach)
    }

    /// The question mark that ends the question holding the words that end
    /// at `end`, within `reach` bytes: not past a blank line or a
    /// sentence's end ("(e.g. Adbry" goes on: an abbreviation's stop ends
    /// nothing).
    pub fn question_mark_after(&self, end: usize, reach: usize) -> Option<usize> {
        let bytes = self.text().as_bytes();
        let rest = &bytes[end..bytes.len().min(end + reach)];
        for (i, &b) in rest.iter().enumerate() {
            steps::add(1);
            let next = rest.get(i + 1).copied();
            match b {
                b'?' => return Some(end + i),
                b'\n' if next == Some(b'\n') => return None,
                b'!' | b';' => return None,
                b'.' if next.is_none_or(|c| c.is_ascii_whitespace())
                    && !abbreviated(&rest[..i]) =>
                {
                    return None
                }
                _ => {}
            }
        }
        None
    }

    /// How the question ending at `mark` is answered: by its Yes/No boxes
    /// on its line or the next ("?\n  [X] Yes  [ ] No"), or by a written
    /// answer after it or opening the next line ("?\n  > Yes", "?\n  A:
    /// No"); `None` when it is not answered.
    pub fn answer_to(&self, mark: usize) -> Option<Answer> {
        self.answer_by(mark, false)
    }

    /// As [`Note::answer_to`], but a question whose boxes are all left
    /// blank is unanswered ("Has the patient had a positive response?  [ ]
    /// Yes  [ ] No" says nothing of the response).
    pub fn ticked_answer_to(&self, mark: usize) -> Option<Answer> {
        self.answer_by(mark, true)
    }

    fn answer_by(&self, mark: usize, ticked_only: bool) -> Option<Answer> {
        let text = self.text();
        let lines = self.lines();
        let line = lines.line_of(mark);
        let rest_of_line = lines.range(line).end;
        let next_line =
            if line + 1 < lines.count() { lines.range(line + 1) } else { text.len()..text.len() };
        // Only a ticked box answers when asked so: a question whose boxes
        // are all blank is unanswered.
        let ticked = |end: usize| match self.boxes.marks_after(text, lines, end, ANSWER_REACH) {
            (_, Some(Mark::Ticked)) => Some(Answer::No),
            (Some(Mark::Ticked), _) => Some(Answer::Yes),
            _ => None,
        };
        let boxes = |end: usize| match ticked_only {
            true => ticked(end),
            false => self.answer_after(end, ANSWER_REACH),
        };
        let boxed = boxes(mark + 1).or_else(|| boxes(next_line.start));
        if boxed.is_some() {
            return boxed;
        }
        let after = text.get(mark + 1..rest_of_line).unwrap_or("");
        let written =
            if after.trim().is_empty() { text.get(next_line).unwrap_or("") } else { after };
        steps::add(written.len().min(ANSWER_REACH));
        let mut written = answer_opening(written);
        // An answer's own label ("A:", "Answer:") stands before it.
        for label in ["answer:", "a:"] {
            if written.get(..label.len()).is_some_and(|w| w.eq_ignore_ascii_case(label)) {
                written = answer_opening(&written[label.len()..]);
            }
        }
        let word = written.split(|c: char| !c.is_alphabetic()).next().unwrap_or("");
        if word.eq_ignore_ascii_case("yes") {
            Some(Answer::Yes)
        } else if word.eq_ignore_ascii_case("no") {
            Some(Answer::No)
        } else {
            None
        }
    }

    /// Which paragraph holds `offset` (0 for the first).
    pub fn paragraph_of(&self, offset: usize) -> usize {
        self.analysis.paragraphs().index_of(offset)
    }

    /// Where the trigger or heading phrase of `cause` is.
    pub fn cause_span(&self, cause: Cause) -> Range<usize> {
        self.analysis.cause_span(cause)
    }

    /// Whether `mention` is a word of an organization's name ("Lakeview
    /// Psoriasis Center"): a letterhead, address or fax header that names
    /// a clinic says nothing about the patient.
    pub fn in_organization_name(&self, mention: &Mention) -> bool {
        self.analysis.in_organization_name(&mention.span)
    }

    /// Whether a negation trigger of the context lexicon stands on `range`:
    /// the one answer to "is this word a negation".
    pub fn negates(&self, range: &Range<usize>) -> bool {
        self.analysis.trigger_overlaps(range, Axis::Negated)
    }

    /// The contexts of spans that are not mentions (a value runs from its
    /// keyword to its number), all asked at once.
    pub fn scopes(&self, spans: &[Range<usize>]) -> Vec<Scope> {
        self.analysis.scopes(spans)
    }

    /// How firmly each fact's evidence stands: for each list of evidence
    /// spans (one list per fact), whether every span lies in copied-forward
    /// text and whether the context engine was unsure of every one. One
    /// question for every extractor's facts, asked for all of them at once
    /// (one pass over the note's triggers), so a caveat for routing is
    /// decided in one place.
    pub fn support(&self, facts: &[Vec<Range<usize>>]) -> Vec<Support> {
        let spans: Vec<Range<usize>> = facts.iter().flatten().cloned().collect();
        let mut scopes = self.analysis.scopes(&spans).into_iter();
        steps::add(spans.len());
        facts
            .iter()
            .map(|evidence| {
                let stated = !evidence.is_empty();
                let mut support = Support { copied_forward: stated, uncertain: stated };
                for span in evidence {
                    let scope = scopes.next().unwrap_or_default();
                    support.copied_forward &=
                        self.section_of(span.start) == SectionKind::PriorVisit;
                    support.uncertain &= scope.get(Axis::Uncertain).is_some();
                }
                support
            })
            .collect()
    }

    /// Whether `mention` is what `question` asks for: `Ok` when it is, or
    /// the reason it is set aside.
    pub fn judge(&self, mention: &Mention, question: Question) -> Verdict {
        self.judged(&mention.span, mention.scope, mention.section, question)
    }

    /// [`Note::judge`] for a span that is not a mention, with its scope
    /// from [`Note::scopes`].
    pub fn judge_span(&self, span: &Range<usize>, scope: Scope, question: Question) -> Verdict {
        self.judged(span, scope, self.section_of(span.start), question)
    }

    /// The verdict on a span in `section`, kept in the trace when the
    /// question is traced and sets the span aside.
    fn judged(
        &self,
        span: &Range<usize>,
        scope: Scope,
        section: SectionKind,
        question: Question,
    ) -> Verdict {
        steps::add(1);
        let verdict = self.verdict(span, scope, section, &question);
        if let (Err(reason), Some(trace), Some(purpose)) =
            (verdict, &self.trace, question.traced_as)
        {
            let mut trace = trace.borrow_mut();
            if trace.seen.insert((span.start, span.end, purpose)) {
                let (why, trigger) = match reason {
                    Reason::Context(axis, cause) => (
                        axis.name(),
                        Some((
                            self.analysis.cause_phrase(cause).to_string(),
                            self.cause_span(cause),
                        )),
                    ),
                    Reason::Section(SectionKind::FamilyHistory) => ("family history section", None),
                    Reason::Section(_) => ("prior visit section", None),
                };
                trace.kept.push(SetAside { span: span.clone(), purpose, why, trigger });
            }
        }
        verdict
    }

    /// The one rule: the first axis the question counts whose trigger
    /// reaches the span (unless an exception of the question lets it
    /// pass), then the sections the question counts.
    fn verdict(
        &self,
        span: &Range<usize>,
        scope: Scope,
        section: SectionKind,
        question: &Question,
    ) -> Verdict {
        for axis in ORDER {
            if !question.axes[axis.index()] {
                continue;
            }
            let Some(cause) = scope.get(axis) else { continue };
            let excused = match axis {
                Axis::Negated => {
                    (question.failure_cues_deny_nothing && self.in_failure_cue(cause))
                        || (question.negation_after_a_site_is_the_sites
                            && self.negation_of_a_nearer_site(span, cause))
                        || (!question.clear_skin_denies && self.says_skin_is_clear(cause))
                        || self.is_unticked_option(cause)
                }
                Axis::Family => {
                    (question.family_on_a_later_line_is_not_the_values
                        && self.family_on_a_later_line(span, cause))
                        || (question.caregivers_apply && self.caregiver_applies(cause))
                }
                _ => false,
            } || (!question.heading_defaults_count && cause.is_heading());
            if !excused {
                return Err(Reason::Context(axis, cause));
            }
        }
        let set_aside = match section {
            SectionKind::FamilyHistory => question.sections_count,
            SectionKind::PriorVisit => {
                question.sections_count && question.axes[Axis::Historical.index()]
            }
            _ => false,
        };
        if set_aside {
            return Err(Reason::Section(section));
        }
        Ok(())
    }

    /// Whether a negation trigger is a word of a failure cue ("without
    /// adequate improvement", "no meaningful benefit"): it states how the
    /// drug before it did and denies nothing, not even a drug named after
    /// it ("... without adequate improvement, and crisaborole for 8 weeks").
    fn in_failure_cue(&self, cause: Cause) -> bool {
        let trigger = self.cause_span(cause);
        let from = trigger.start.saturating_sub(MAX_CUE_LEN);
        let near = self.mentions_from(&(from..trigger.start + 1));
        steps::add(near.len());
        near.iter().any(|m| {
            matches!(m.meaning, Meaning::Cue(Cue::Outcome(Outcome::Failed), _))
                && m.span.start <= trigger.start
                && trigger.end <= m.span.end
        })
    }

    /// Whether a negation trigger is the "No" of an empty box of a form's
    /// Yes/No boxes ("[X] Yes  [ ] No"): an unticked box states nothing (the
    /// boxes rule reads what the question's boxes answer), so it denies
    /// nothing written after it.
    fn is_unticked_option(&self, cause: Cause) -> bool {
        let trigger = self.cause_span(cause);
        self.boxes.is_unticked_option(self.text(), self.lines(), &trigger)
    }

    /// Whether a negation trigger after `span` ("clear", "is spared") speaks
    /// of a body site nearer to it that is not listed with the span: in
    /// "plaques on the neck and the back of both hands the face is spared"
    /// the face is spared, not the hands; in "plaques on the neck, hands
    /// clear" the hands are clear, not the plaques. A site joined to the
    /// span by a list ("face and hands spared", "face, hands clear") shares
    /// its negation.
    fn negation_of_a_nearer_site(&self, span: &Range<usize>, cause: Cause) -> bool {
        let trigger = self.cause_span(cause);
        if trigger.start < span.end {
            return false;
        }
        let between = self.mentions_from(&(span.end..trigger.start));
        steps::add(between.len());
        let Some(nearer) =
            between.iter().find(|m| matches!(m.meaning, Meaning::Site(SiteTerm::Site(_))))
        else {
            return false;
        };
        !listed_with(&self.text()[span.end..nearer.span.start])
    }

    /// Whether a negation trigger is a word of clear skin ("hands clear",
    /// "eczema almost clear": sites.tsv, the trigger the last word of the
    /// phrase): it denies sites and lesions, not what else stands before it
    /// ("on Dupixent and clear", the eczema of "eczema almost clear").
    pub fn says_skin_is_clear(&self, cause: Cause) -> bool {
        let trigger = self.cause_span(cause);
        let from = trigger.start.saturating_sub(MAX_CLEAR_PHRASE_LEN);
        let at = self.mentions_from(&(from..trigger.start + 1));
        steps::add(at.len());
        at.iter().any(|m| {
            matches!(m.meaning, Meaning::Site(SiteTerm::Clear))
                && m.span.start <= trigger.start
                && trigger.end <= m.span.end
        })
    }

    /// Whether a family trigger stands after the value on a later line: an
    /// unpunctuated demographics line runs into the next one as one
    /// sentence ("Patient: J. Doe  14 years  Weight 45 kg" then "Father
    /// present."), and the relative named there is not whose age or weight
    /// it is.
    fn family_on_a_later_line(&self, span: &Range<usize>, cause: Cause) -> bool {
        let trigger = self.cause_span(cause);
        trigger.start >= span.end
            && self.lines().line_of(span.end) != self.lines().line_of(trigger.start)
    }

    /// Whether the relative of a family trigger is the subject of applying
    /// a cream ("parents have used hydrocortisone", "mother applies
    /// desonide"): a caregiver treating the patient, not the relative's own
    /// treatment. The verb is the first or second word after the relative.
    fn caregiver_applies(&self, cause: Cause) -> bool {
        let trigger = self.cause_span(cause);
        let mut after = words::words_after(self.text(), trigger.end)
            .take(3)
            .skip_while(|w| words::is_one_of(w, &AUXILIARIES));
        after.next().is_some_and(|w| words::is_one_of(w, &APPLYING))
    }

    /// Keeps, for `explain`, a span an extractor set aside by a reading of
    /// its own that no context axis gives (a value dated before now), with
    /// the words that said so; nothing when the note is not traced.
    pub fn trace_set_aside(
        &self,
        span: &Range<usize>,
        purpose: &'static str,
        why: &'static str,
        cue: Option<Range<usize>>,
    ) {
        let Some(trace) = &self.trace else { return };
        let mut trace = trace.borrow_mut();
        if trace.seen.insert((span.start, span.end, purpose)) {
            let trigger = cue.and_then(|at| Some((self.text().get(at.clone())?.to_string(), at)));
            trace.kept.push(SetAside { span: span.clone(), purpose, why, trigger });
        }
    }

    /// The mentions set aside so far (empty unless the note is traced).
    pub fn set_aside(&self) -> Vec<SetAside> {
        self.trace.as_ref().map(|t| t.borrow().kept.clone()).unwrap_or_default()
    }
}

/// How firmly a fact's evidence stands (see [`Note::support`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Support {
    /// Every span of the evidence is in copied-forward (prior-visit) text.
    pub copied_forward: bool,
    /// The context engine marks every span of the evidence uncertain.
    pub uncertain: bool,
}

impl Support {
    /// Whether the fact rests on nothing firmer than copied or uncertain text.
    pub fn is_weak(self) -> bool {
        self.copied_forward || self.uncertain
    }
}

/// What a traced note keeps of the mentions it set aside.
#[derive(Default)]
struct Trace {
    kept: Vec<SetAside>,
    seen: HashSet<(usize, usize, &'static str)>,
}

/// The order in which axes are asked, which decides the reason reported
/// when several apply.
const ORDER: [Axis; 5] =
    [Axis::Negated, Axis::Hypothetical, Axis::Family, Axis::Historical, Axis::Uncertain];

/// Longer than any outcome cue phrase of the lexicon, so a cue holding a
/// negation word starts no further before it.
const MAX_CUE_LEN: usize = 64;

/// Verbs of putting a cream on someone.
const APPLYING: [&str; 10] =
    ["used", "use", "uses", "using", "applied", "apply", "applies", "applying", "tried", "put"];

/// Auxiliaries between a relative and the verb ("have used").
/// Whether the words between two terms list them together: only list
/// words and articles stand there, and at least one comma, slash or
/// conjunction ("face, neck and the hands"; not "hands the face").
fn listed_with(gap: &str) -> bool {
    steps::add(gap.len());
    let mut joined = gap.contains([',', '/', '&']);
    for word in words::words_after(gap, 0) {
        if words::is_one_of(word, &CONJUNCTIONS) {
            joined = true;
        } else if !words::is_one_of(word, &LIST_FILLERS) {
            return false;
        }
    }
    joined
}

/// How far after a question's mark its Yes/No answer may stand.
const ANSWER_REACH: usize = 48;

/// A written answer without the blanks and marks before it ("  > Yes").
fn answer_opening(written: &str) -> &str {
    // A dot leader runs a form's question to its answer ("... drug? ..... Yes").
    written.trim_start_matches(|c: char| c.is_whitespace() || ":>-._".contains(c))
}

/// Whether the word before a stop is an abbreviation ("e.g", "etc", "vs"):
/// it holds a stop of its own or has three letters or fewer.
fn abbreviated(before: &[u8]) -> bool {
    let word = before.rsplit(|b| !(b.is_ascii_alphanumeric() || *b == b'.')).next().unwrap_or(b"");
    word.contains(&b'.') || word.len() <= 3
}

/// Words that join the items of a list.
/// A part named as included in its site joins the two as a list does
/// ("Face incl. eyelids: clear").
const CONJUNCTIONS: [&str; 5] = ["and", "or", "nor", "including", "incl"];

/// How far before the word "clear" a phrase of clear skin that ends in it
/// may start ("essentially clear").
const MAX_CLEAR_PHRASE_LEN: usize = 24;

/// Words that may stand before a list item besides a conjunction.
const LIST_FILLERS: [&str; 6] = ["the", "both", "his", "her", "their", "its"];

const AUXILIARIES: [&str; 8] = ["has", "have", "had", "been", "is", "are", "was", "were"];

/// `Ok` for a mention the question accepts, or why it was set aside.
pub type Verdict = Result<(), Reason>;

/// Why a mention was set aside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// A trigger phrase, or a section heading's default, on an axis.
    Context(Axis, Cause),
    /// A section whose mentions are never the patient's current facts.
    Section(SectionKind),
}

/// A mention a traced question set aside: where, what it was not taken as
/// ("the request"), why ("hypothetical", "family history section") and,
/// for a trigger, the lexicon phrase and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetAside {
    pub span: Range<usize>,
    pub purpose: &'static str,
    pub why: &'static str,
    pub trigger: Option<(String, Range<usize>)>,
}

/// A question asked of a mention: which context axes set it aside, and
/// the exceptions some facts need. The constants below are the questions
/// extraction asks; each is documented by what it is for.
#[derive(Clone, Copy, Debug)]
pub struct Question {
    /// The axes whose trigger sets a mention aside, by [`Axis::ALL`] index.
    axes: [bool; 5],
    /// Whether family-history and (with the historical axis) copied-forward
    /// prior-visit sections set mentions aside even without a heading default.
    sections_count: bool,
    /// A negation word inside a failure cue denies nothing.
    failure_cues_deny_nothing: bool,
    /// A family word on a later line than a value is not whose value it is.
    family_on_a_later_line_is_not_the_values: bool,
    /// A relative who applies a cream is a caregiver, not the experiencer.
    caregivers_apply: bool,
    /// A section heading's default axis sets a mention aside, not only a
    /// phrase near it.
    heading_defaults_count: bool,
    /// A negation after the mention speaks of a nearer body site not
    /// listed with it ("the back of both hands the face is spared").
    negation_after_a_site_is_the_sites: bool,
    /// A word of clear skin ("hands clear") denies the mention: only sites
    /// and lesions are what such a word can deny.
    clear_skin_denies: bool,
    /// What the question takes a mention as, when its answers are traced
    /// for `necessity explain`.
    traced_as: Option<&'static str>,
}

impl Question {
    const fn new(negated: bool, historical: bool, hypothetical: bool, family: bool) -> Question {
        Question {
            axes: [negated, historical, hypothetical, family, false],
            sections_count: true,
            failure_cues_deny_nothing: false,
            family_on_a_later_line_is_not_the_values: false,
            caregivers_apply: false,
            negation_after_a_site_is_the_sites: false,
            clear_skin_denies: false,
            heading_defaults_count: true,
            traced_as: None,
        }
    }

    /// A current, affirmed fact about the patient: not negated, historical,
    /// hypothetical or about the family, and not in family-history or
    /// copied-forward text. Sites, flares and the prescriber's specialty.
    pub const CURRENT_FACT: Question =
        Question { traced_as: Some("a current fact"), ..Question::new(true, true, true, true) };

    /// The drug requested now: a current fact.
    pub const REQUEST: Question =
        Question { traced_as: Some("the request"), ..Question::CURRENT_FACT };

    /// Words that ask a payer to go on paying for a course ("PA renewal",
    /// "restart"): a current fact; a past renewal ("renewed last year") or
    /// a hypothetical one asks for nothing.
    pub const CONTINUATION: Question =
        Question { traced_as: Some("the continuation request"), ..Question::CURRENT_FACT };

    /// The prescriber's statement of how a course worked ("much better",
    /// "no meaningful improvement"): a current fact, so "if no improvement
    /// by week 16" and "previously worse" state nothing. Negation words of
    /// the statement's own phrase are inside it and deny nothing. A
    /// statement held in doubt ("better than it was, I think", "possibly
    /// improved") documents no response either way.
    pub const RESPONSE: Question = Question {
        axes: [true, true, true, true, true],
        traced_as: Some("a response statement"),
        ..Question::CURRENT_FACT
    };

    /// A measure, age or weight: a current fact, except that a family word
    /// on a later line (an unpunctuated demographics line running into the
    /// next) is not whose value it is.
    pub const VALUE: Question = Question {
        family_on_a_later_line_is_not_the_values: true,
        traced_as: Some("a value"),
        ..Question::CURRENT_FACT
    };

    /// The patient's diagnosis: the patient's past counts (eczema for
    /// years is still eczema), but not a negated, hypothetical, family or
    /// uncertain one ("possible contact dermatitis").
    pub const DIAGNOSIS: Question = Question {
        axes: [true, false, true, true, true],
        traced_as: Some("the diagnosis"),
        ..Question::new(true, false, true, true)
    };

    /// A treatment of the patient: tried before counts (treatment history
    /// is history), a negated, hypothetical or family one does not, except
    /// that a negation word inside a failure cue denies nothing, a negation
    /// after a body site named after the drug is the site's ("hydrocortisone
    /// cream - face clear") and, for a cream, a relative who applies it is a
    /// caregiver.
    pub const fn treatment(cream: bool) -> Question {
        Question {
            failure_cues_deny_nothing: true,
            caregivers_apply: cream,
            negation_after_a_site_is_the_sites: true,
            traced_as: Some("a treatment"),
            ..Question::new(true, false, true, true)
        }
    }

    /// A statement about the whole treatment history ("no prescription
    /// topical therapy"): it carries its own negation, so only a
    /// hypothetical or family one is set aside.
    pub const STATEMENT: Question =
        Question { traced_as: Some("a statement"), ..Question::new(false, false, true, true) };

    /// Whether a word is affirmed at all (a lesion word beside a site, a
    /// disease beside a steroid): only negation sets it aside.
    pub const AFFIRMED: Question =
        Question { sections_count: false, ..Question::new(true, false, false, false) };

    /// A body site involved now: a current fact, except that a negation
    /// after it that speaks of a nearer site not listed with it does not
    /// deny it ("hands the face is spared").
    pub const SITE: Question = Question {
        negation_after_a_site_is_the_sites: true,
        clear_skin_denies: true,
        ..Question::CURRENT_FACT
    };

    /// A lesion word tying a site to skin disease: affirmed, except that a
    /// negation after it that speaks of a nearer site does not deny it
    /// ("plaques on the neck, hands clear").
    pub const LESION: Question = Question {
        negation_after_a_site_is_the_sites: true,
        clear_skin_denies: true,
        axes: [true, false, true, false, false],
        ..Question::AFFIRMED
    };

    /// Whether a cue is in a hypothetical clause ("if she has not responded").
    pub const NOT_HYPOTHETICAL: Question =
        Question { sections_count: false, ..Question::new(false, false, true, false) };

    /// Whether a drug written with its regimen or in a medications list is
    /// in use now: not put in the past by a phrase ("previously") or by
    /// copied-forward text; a past-history heading alone does not, since a
    /// problem list names the drug taken now for each problem.
    pub const IN_USE: Question = Question {
        heading_defaults_count: false,
        traced_as: Some("a course in use"),
        ..Question::new(false, true, false, false)
    };

    /// Whether a cue of ongoing use is dated to the past ("in the past she
    /// has been on").
    pub const NOT_HISTORICAL: Question =
        Question { sections_count: false, ..Question::new(false, true, false, false) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lexicons;

    /// Reads `text` with the shipped lexicons and hands the note to `check`.
    fn with_note(text: &str, check: impl FnOnce(&Note)) {
        let lexicons = Lexicons::builtin();
        let note = Note::read(&lexicons.vocabulary, lexicons.context(), text, true);
        check(&note);
    }

    /// The first mention whose words are `words`.
    fn mention<'n, 'v>(note: &'n Note<'_, 'v>, words: &str) -> &'n Mention<'v> {
        note.mentions()
            .iter()
            .find(|m| note.text()[m.span.clone()].eq_ignore_ascii_case(words))
            .unwrap_or_else(|| panic!("no mention {words:?}"))
    }

    fn why(verdict: Verdict) -> Option<&'static str> {
        match verdict.err()? {
            Reason::Context(axis, _) => Some(axis.name()),
            Reason::Section(SectionKind::FamilyHistory) => Some("family history section"),
            Reason::Section(_) => Some("section"),
        }
    }

    #[test]
    fn each_question_sets_aside_what_it_counts() {
        with_note("Tacrolimus was tried in the past. If this fails, consider Dupixent.", |note| {
            let past = mention(note, "tacrolimus");
            assert_eq!(why(note.judge(past, Question::treatment(true))), None);
            assert_eq!(why(note.judge(past, Question::CURRENT_FACT)), Some("historical"));
            let maybe = mention(note, "dupixent");
            assert_eq!(why(note.judge(maybe, Question::REQUEST)), Some("hypothetical"));
            assert_eq!(why(note.judge(maybe, Question::AFFIRMED)), None);
        });
    }

    #[test]
    fn a_negation_inside_a_failure_cue_denies_no_treatment() {
        let text = "Tacrolimus without adequate control, and crisaborole for 8 weeks.";
        with_note(text, |note| {
            let crisaborole = mention(note, "crisaborole");
            assert_eq!(why(note.judge(crisaborole, Question::treatment(true))), None);
            assert_eq!(why(note.judge(crisaborole, Question::CURRENT_FACT)), Some("negated"));
        });
    }

    #[test]
    fn a_parent_applying_a_cream_is_a_caregiver() {
        with_note("Parents have used hydrocortisone on her.", |note| {
            let cream = mention(note, "hydrocortisone");
            assert_eq!(why(note.judge(cream, Question::treatment(true))), None);
            assert_eq!(why(note.judge(cream, Question::treatment(false))), Some("family"));
        });
    }

    #[test]
    fn a_family_history_section_sets_aside_even_the_patients_past() {
        with_note("FAMILY HISTORY:\nEczema.\n\nHPI: eczema since childhood.", |note| {
            let family = &note.mentions()[0];
            assert_eq!(family.section, SectionKind::FamilyHistory);
            assert_eq!(why(note.judge(family, Question::DIAGNOSIS)), Some("family"));
            let own = note.mentions().iter().rev().find(|m| m.section == SectionKind::Hpi);
            assert_eq!(why(note.judge(own.unwrap(), Question::DIAGNOSIS)), None);
        });
    }

    #[test]
    fn mentions_know_their_sentence_and_list_item() {
        let text = "Tried:\n- clobetasol, failed\n- tacrolimus\nPlan: start Dupixent.";
        with_note(text, |note| {
            let (clobetasol, tacrolimus) =
                (mention(note, "clobetasol"), mention(note, "tacrolimus"));
            assert_eq!((clobetasol.item, tacrolimus.item), (Some(0), Some(1)));
            assert_ne!(clobetasol.sentence, tacrolimus.sentence);
            let dupixent = mention(note, "dupixent");
            assert_eq!((dupixent.item, dupixent.section), (None, SectionKind::AssessmentPlan));
            assert_eq!(&text[note.sentence(dupixent.sentence)], "Plan: start Dupixent.");
        });
    }

    #[test]
    fn traced_questions_keep_what_they_set_aside_once() {
        with_note("Mother uses Dupixent. No itch.", |note| {
            let dupixent = mention(note, "dupixent");
            for _ in 0..2 {
                assert!(note.judge(dupixent, Question::treatment(false)).is_err());
            }
            assert!(note.judge(dupixent, Question::AFFIRMED).is_ok());
            let trace = note.set_aside();
            assert_eq!(trace.len(), 1);
            assert_eq!((trace[0].purpose, trace[0].why), ("a treatment", "family"));
            assert_eq!(trace[0].trigger.as_ref().map(|(p, _)| p.as_str()), Some("mother"));
        });
    }

    #[test]
    fn support_says_whether_all_of_a_facts_evidence_is_copied_or_uncertain() {
        let text =
            "*** Copied from 2024 visit ***\nBSA 30%.\n\nPossible eczema of the neck. BSA 8%.";
        with_note(text, |note| {
            let at = |words: &str| {
                let start = text.find(words).unwrap();
                start..start + words.len()
            };
            let support = note.support(&[
                vec![at("BSA 30%")],
                vec![at("neck")],
                vec![at("BSA 30%"), at("BSA 8%")],
                vec![],
            ]);
            assert_eq!(support[0], Support { copied_forward: true, uncertain: false });
            assert_eq!(support[1], Support { copied_forward: false, uncertain: true });
            assert!(!support[2].is_weak(), "one firm span carries the fact");
            assert!(!support[3].is_weak(), "no evidence is no weak evidence");
        });
    }

    /// The rule has one home: no other file of extraction asks the context
    /// engine about a span, so a fix made here reaches every extractor.
    #[test]
    fn no_extractor_asks_the_context_engine_itself() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![src.clone()];
        let mut checked = 0;
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            if path.ends_with("mentions.rs") || path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let code = std::fs::read_to_string(&path).unwrap();
            for call in ["context_of(", ".analyze(", ".scopes(", "is_current_fact(", "Analysis"] {
                let asks =
                    code.lines().any(|line| line.contains(call) && !line.contains("note.scopes("));
                assert!(
                    !asks,
                    "{} asks the context engine ({call}): ask the mention layer",
                    path.display()
                );
            }
            checked += 1;
        }
        assert!(checked >= 8, "only {checked} files checked");
    }
}
