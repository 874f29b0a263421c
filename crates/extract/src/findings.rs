//! The scalar facts: diagnosis, measures, age, weight, high-impact sites,
//! persistent flares and prescriber specialty, each with its evidence. All
//! read from the note's mentions; whether one is a current fact is asked of
//! the mention layer ([`Note::judge`]).

use crate::lexicon::{
    DiagnosisTerm, Drug, FlareTerm, Meaning, MeasureKind, SiteTerm, SpecialtyTerm, Vocabulary,
};
use crate::mentions::{Mention, Note, Question, Reason};
use crate::values::{read_value, restatement, Tables, Value, ValuePatterns, MONTHS};
use necessity_context::{steps, Axis};
use necessity_record::{Site, Span, Specialty, TreatmentClass};
use std::collections::HashMap;
use std::ops::Range;

fn span_of(text: &str, range: &Range<usize>) -> Option<Span> {
    Span::of(text, range.start, range.end)
}

/// Whether the note is about a skin disease: it names a dermatitis, eczema or
/// look-alike, or a biologic for atopic dermatitis. Body sites, BSA and itch
/// scores count only in such notes (not a burn's "60% TBSA" or a surgeon's
/// "right-hand dominant").
pub fn is_skin_note(vocabulary: &Vocabulary, note: &Note) -> bool {
    steps::add(note.mentions().len());
    note.mentions().iter().any(|m| match m.meaning {
        Meaning::Diagnosis(term) => names_skin_disease(term),
        Meaning::Drug(id) => vocabulary.drugs[*id].for_dermatitis,
        _ => false,
    })
}

/// Whether a diagnosis word is about skin disease (not "asthma").
pub fn names_skin_disease(term: &DiagnosisTerm) -> bool {
    !matches!(term, DiagnosisTerm::OtherIndication)
}

/// Whether a drug is a skin treatment, which puts a bare "AD" in a
/// dermatitis context ("On Dupixent ... for AD").
fn treats_dermatitis(drug: &Drug) -> bool {
    matches!(
        drug.class,
        TreatmentClass::TopicalCorticosteroid
            | TreatmentClass::TopicalCalcineurinInhibitor
            | TreatmentClass::TopicalPde4Inhibitor
            | TreatmentClass::TopicalJakInhibitor
            | TreatmentClass::TopicalAhrAgonist
    ) || drug.for_dermatitis
}

/// The diagnosis: atopic dermatitis when affirmed anywhere (a bare "AD" only
/// in a dermatitis context, not in a differential), else a look-alike the
/// note affirms.
pub fn diagnosis(vocabulary: &Vocabulary, note: &Note) -> Option<(String, Span)> {
    let mentions = note.mentions();
    steps::add(2 * mentions.len());
    let named: Vec<(&String, bool, &Mention)> = mentions
        .iter()
        .filter_map(|m| match m.meaning {
            // A clinic's name ("Lakeview Psoriasis Center") is no diagnosis.
            Meaning::Diagnosis(DiagnosisTerm::Named { diagnosis, needs_context })
                if !note.in_organization_name(m) =>
            {
                Some((diagnosis, *needs_context, m))
            }
            _ => None,
        })
        .collect();
    let dermatitis_context = mentions.iter().any(|m| match m.meaning {
        Meaning::Diagnosis(DiagnosisTerm::DermatitisContext) => true,
        Meaning::Diagnosis(DiagnosisTerm::Named { needs_context, .. }) => !needs_context,
        Meaning::Drug(id) => treats_dermatitis(&vocabulary.drugs[*id]),
        _ => false,
    });
    let affirmed: Vec<&(&String, bool, &Mention)> = named
        .iter()
        .filter(|(_, needs_context, _)| !needs_context || dermatitis_context)
        .filter(|(_, _, m)| note.judge(m, Question::DIAGNOSIS).is_ok())
        .collect();
    let is_ad = |d: &String| d.as_str() == "atopic_dermatitis";
    let look_alike = affirmed.iter().find(|(d, _, _)| !is_ad(d));
    let ad_ruled_out =
        named.iter().any(|(d, _, m)| is_ad(d) && note.judge(m, Question::AFFIRMED).is_err());
    // "This is psoriasis, not atopic dermatitis" decides the diagnosis: the
    // spec's not_met case, whatever "eczema" the referral called it before.
    let chosen = match look_alike {
        Some(other) if ad_ruled_out => other,
        _ => affirmed.iter().find(|(d, _, _)| is_ad(d)).or(look_alike)?,
    };
    Some((chosen.0.clone(), span_of(note.text(), &chosen.2.span)?))
}

/// The mentions of the patient's diagnosis that the note holds in doubt
/// ("AD vs contact dermatitis", "rule out atopic dermatitis", a
/// differential), of atopic dermatitis or of the diagnosis `chosen`: set
/// aside as uncertain, and for nothing else (a negated or a relative's
/// diagnosis is no doubt).
pub fn diagnosis_doubts(note: &Note, chosen: Option<&str>) -> Vec<Span> {
    steps::add(note.mentions().len());
    note.mentions()
        .iter()
        .filter(|m| match m.meaning {
            Meaning::Diagnosis(DiagnosisTerm::Named { diagnosis, .. }) => {
                (diagnosis == "atopic_dermatitis" || Some(diagnosis.as_str()) == chosen)
                    && !note.in_organization_name(m)
            }
            _ => false,
        })
        .filter(|m| {
            matches!(note.judge(m, Question::DIAGNOSIS), Err(Reason::Context(Axis::Uncertain, _)))
        })
        .filter_map(|m| span_of(note.text(), &m.span))
        .collect()
}

/// The current measures and demographics, with the words that state them.
#[derive(Default)]
pub struct ValueFacts {
    pub bsa: Option<Value>,
    pub iga: Option<Value>,
    pub itch: Option<Value>,
    pub easi: Option<Value>,
    pub age: Option<Value>,
    pub weight: Option<Value>,
}

/// Reads every value keyword; a measure keeps its last current statement
/// (historical ones, "BSA was 30% last year", never count), age and weight
/// their first (the patient's introduction).
pub fn values(patterns: &ValuePatterns, note: &Note, skin_note: bool) -> ValueFacts {
    let text = note.text();
    let mut tables = Tables::default();
    // The values each keyword states, read in windows, then asked about
    // all at once: a value's span runs from its keyword to its number.
    let mut read: Vec<(MeasureKind, &Mention, Value, Option<Value>)> = Vec::new();
    steps::add(note.mentions().len());
    for mention in note.mentions() {
        let Meaning::Measure(kind) = mention.meaning else { continue };
        let skin_only = matches!(kind, MeasureKind::Bsa | MeasureKind::Itch | MeasureKind::ItchNrs);
        if skin_only && !skin_note {
            continue;
        }
        let found =
            read_value(patterns, &mut tables, note.lines(), *kind, text, mention.span.clone());
        let Some(first) = found else { continue };
        let restated = restatement(patterns, *kind, text, &first);
        read.push((*kind, mention, first, restated));
    }
    let spans: Vec<Range<usize>> = read
        .iter()
        .flat_map(|(_, _, first, restated)| {
            std::iter::once(&first.span).chain(restated.as_ref().map(|v| &v.span))
        })
        .cloned()
        .collect();
    let mut scopes = note.scopes(&spans).into_iter();
    let mut facts = ValueFacts::default();
    let mut recencies = Recencies::default();
    let mut clauses = Clauses::default();
    for (kind, mention, first, restated) in read {
        let first_scope = scopes.next().unwrap_or_default();
        let restated_scope = restated.as_ref().and_then(|_| scopes.next()).unwrap_or_default();
        let current_first = note.judge_span(&first.span, first_scope, Question::VALUE).is_ok()
            && note.judge(mention, Question::VALUE).is_ok();
        let candidates = [
            current_first.then_some(first),
            restated.filter(|v| note.judge_span(&v.span, restated_scope, Question::VALUE).is_ok()),
        ];
        for value in candidates.into_iter().flatten() {
            let recency = clauses.recency(note, &value.span);
            record_value(&mut facts, &mut recencies, kind, value, recency);
        }
    }
    facts
}

/// How a value's own clause dates it: the clause is its sentence cut at
/// brackets and semicolons, so "EASI 18 today (EASI was 28 in January)"
/// dates each EASI apart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Recency {
    /// A time before now: "before she started", "in January", "at
    /// baseline", "at the peak of a flare".
    Earlier,
    /// Nothing dates it.
    #[default]
    Undated,
    /// Said to be now: "today", "now", "currently", "this morning".
    Now,
}

/// Words that say a value is the present one.
const NOW_WORDS: [&str; 5] = ["today", "now", "currently", "presently", "today's"];
/// Two-word phrases that say so.
const NOW_PHRASES: [&str; 4] = ["this morning", "at present", "this visit", "this week"];
/// Words that put a value before now (those ConText already marks
/// historical, "previously", "last year", are dropped before this).
const EARLIER_WORDS: [&str; 7] =
    ["before", "initially", "originally", "baseline", "peak", "pretreatment", "pre-treatment"];
/// Seasons, which date a value like a month: "in the spring".
const SEASONS: [&str; 4] = ["spring", "summer", "autumn", "winter"];

/// The clauses of a note that values were dated by, each read once: a
/// note with many values in one long sentence does not read it again for
/// each.
#[derive(Default)]
struct Clauses {
    /// Where a clause may break (brackets and semicolons), in order; found
    /// on first use.
    breaks: Option<Vec<usize>>,
    /// How each clause read so far dates its values, by its range.
    read: HashMap<(usize, usize), Recency>,
}

impl Clauses {
    /// How the clause around `span` dates the value: a present word wins
    /// over a past one ("BSA was 30% in March, 5% today" is read per
    /// clause). The clause is the value's sentence cut at the nearest
    /// bracket or semicolon on each side.
    fn recency(&mut self, note: &Note, span: &Range<usize>) -> Recency {
        let text = note.text();
        let breaks = self.breaks.get_or_insert_with(|| {
            let bytes = text.as_bytes();
            steps::add(2 * bytes.len());
            let round = memchr::memchr3_iter(b'(', b')', b';', bytes);
            let square = memchr::memchr2_iter(b'[', b']', bytes);
            let mut all: Vec<usize> = round.chain(square).collect();
            all.sort_unstable();
            all
        });
        let sentence = note.sentence_of(span.start);
        let before = breaks.partition_point(|&b| b < span.start);
        let start = breaks[..before]
            .last()
            .filter(|&&b| b >= sentence.start)
            .map_or(sentence.start, |&b| b + 1);
        let stop = sentence.end.max(span.end);
        let after = breaks.partition_point(|&b| b < span.end);
        let end = breaks.get(after).filter(|&&b| b < stop).map_or(stop, |&b| b);
        *self.read.entry((start, end)).or_insert_with(|| match text.get(start..end) {
            Some(clause) => clause_recency(clause),
            None => Recency::Undated,
        })
    }
}

/// How a clause dates the values in it.
fn clause_recency(clause: &str) -> Recency {
    steps::add(clause.len());
    let clause = clause.to_ascii_lowercase();
    let words: Vec<&str> = clause
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    let pairs = || words.windows(2).map(|w| (w[0], w[1]));
    let now = words.iter().any(|w| NOW_WORDS.contains(w))
        || pairs().any(|(a, b)| NOW_PHRASES.iter().any(|p| p.split_once(' ') == Some((a, b))));
    if now {
        return Recency::Now;
    }
    let year = |w: &str| w.len() == 4 && (w.starts_with("19") || w.starts_with("20"));
    let dated = |w: &str| MONTHS.contains(&w) || SEASONS.contains(&w) || year(w);
    let earlier = words.iter().any(|w| EARLIER_WORDS.contains(w))
        || pairs().any(|(a, b)| (a == "in" && dated(b)) || (a == "prior" && b == "to"))
        || words.windows(3).any(|w| w[0] == "in" && w[1] == "the" && dated(w[2]));
    if earlier {
        Recency::Earlier
    } else {
        Recency::Undated
    }
}

/// How each measure slot's value was dated, to let a present value beat an
/// earlier one whatever their order.
#[derive(Default)]
struct Recencies {
    bsa: Recency,
    iga: Recency,
    itch: Recency,
    easi: Recency,
}

/// Keeps a measure's most recent current value (the last of equally dated
/// ones), and age's and weight's first.
fn record_value(
    facts: &mut ValueFacts,
    recencies: &mut Recencies,
    kind: MeasureKind,
    value: Value,
    recency: Recency,
) {
    let (slot, held) = match kind {
        MeasureKind::Bsa => (&mut facts.bsa, &mut recencies.bsa),
        MeasureKind::Iga => (&mut facts.iga, &mut recencies.iga),
        MeasureKind::ItchNrs | MeasureKind::Itch => (&mut facts.itch, &mut recencies.itch),
        MeasureKind::Easi => (&mut facts.easi, &mut recencies.easi),
        MeasureKind::AgeBefore
        | MeasureKind::AgeAfter
        | MeasureKind::AgeSex
        | MeasureKind::AgeNameLine
        | MeasureKind::AgeBirthDate => {
            facts.age.get_or_insert(value);
            return;
        }
        MeasureKind::Weight => {
            facts.weight.get_or_insert(value);
            return;
        }
    };
    if slot.is_none() || recency >= *held {
        *slot = Some(value);
        *held = recency;
    }
}

/// The high-impact sites involved now: a site word in a sentence that also
/// names a lesion, rash or eczema, and is itself a current fact ("no hand
/// involvement" and "face spared" are not).
pub fn sites(note: &Note) -> Vec<(Site, Span)> {
    let text = note.text();
    // A lesion word counts only when it is itself affirmed: "the penis has no
    // plaques" involves no site.
    let mut lesion_sentences: Vec<bool> = Vec::new();
    steps::add(2 * note.mentions().len());
    for m in note.mentions() {
        let lesion = matches!(
            m.meaning,
            Meaning::Site(SiteTerm::Lesion)
                | Meaning::Flare { .. }
                | Meaning::Diagnosis(DiagnosisTerm::Named { .. })
        );
        if lesion && note.judge(m, Question::AFFIRMED).is_ok() {
            if lesion_sentences.len() <= m.sentence {
                lesion_sentences.resize(m.sentence + 1, false);
            }
            lesion_sentences[m.sentence] = true;
        }
    }
    let mut found: Vec<(Site, Span)> = Vec::new();
    for mention in note.mentions() {
        let Meaning::Site(SiteTerm::Site(site)) = mention.meaning else { continue };
        if found.iter().any(|(s, _)| s == site) {
            continue;
        }
        let with_lesion = lesion_sentences.get(mention.sentence).copied().unwrap_or(false);
        if !with_lesion || note.judge(mention, Question::CURRENT_FACT).is_err() {
            continue;
        }
        if let Some(span) = span_of(text, &mention.span) {
            found.push((*site, span));
        }
    }
    found.sort_by_key(|(site, _)| *site);
    found
}

/// How close "despite" must follow a bare flare word to make it a statement
/// of persistence ("flaring q2-3wk despite above").
const DESPITE_REACH: usize = 24;

/// Whether flares persist now: a current persistent-flare phrase, and no
/// current statement that they ended.
pub fn persistent_flares(note: &Note) -> Option<Span> {
    let text = note.text();
    let mut persistent = None;
    steps::add(note.mentions().len());
    for mention in note.mentions() {
        let Meaning::Flare(term) = mention.meaning else { continue };
        if note.judge(mention, Question::CURRENT_FACT).is_err() {
            continue;
        }
        match term {
            FlareTerm::Ended => return None,
            FlareTerm::Despite if !despite_follows(note, mention.span.end) => continue,
            _ => {}
        }
        persistent = persistent.or_else(|| span_of(text, &mention.span));
    }
    persistent
}

/// Whether "despite" follows `end` closely, in the same sentence.
fn despite_follows(note: &Note, end: usize) -> bool {
    let sentence = note.sentence_of(end.saturating_sub(1));
    let stop = (end + DESPITE_REACH).min(sentence.end);
    steps::add(DESPITE_REACH);
    note.text().get(end..stop).is_some_and(|after| after.to_ascii_lowercase().contains("despite"))
}

/// Whether the note states that no prescription topical therapy was ever
/// tried: a statement carrying its own negation ("no prescription topical
/// therapy"), or a bare "prescription topical" that a negation reaches over
/// nothing but words of trying. Only hypothetical and family context drop
/// such a statement.
pub fn no_prescription_topicals(note: &Note) -> Option<Span> {
    let text = note.text();
    steps::add(note.mentions().len());
    let statements =
        note.mentions().iter().filter(|m| matches!(m.meaning, Meaning::NoPrescriptionTopicals));
    statements.into_iter().find_map(|m| {
        let about_patient = note.judge(m, Question::STATEMENT).is_ok();
        let stated = (note.negates(&m.span) || negated_over_trying(note, m.span.start))
            && !judged_after(text, m.span.end);
        (about_patient && stated).then(|| span_of(text, &m.span)).flatten()
    })
}

/// The words of a phrase, lowercased, apostrophes kept ("hasn't").
fn words(phrase: &str) -> impl DoubleEndedIterator<Item = String> + '_ {
    phrase.split(|c: char| !is_word_char(c)).filter(|w| !w.is_empty()).map(normalised)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\'' || c == '’'
}

fn normalised(word: &str) -> String {
    word.to_lowercase().replace('’', "'")
}

/// The words of `text[range]` as [`words`] splits them, from the last one
/// back, each with its span.
fn words_back(
    text: &str,
    range: Range<usize>,
) -> impl Iterator<Item = (Range<usize>, String)> + '_ {
    let slice = &text[range.clone()];
    let mut end = slice.len();
    std::iter::from_fn(move || {
        let word_end = slice[..end].trim_end_matches(|c: char| !is_word_char(c)).len();
        steps::add(end - word_end);
        if word_end == 0 {
            return None;
        }
        let word_start = slice[..word_end]
            .char_indices()
            .rev()
            .find(|(_, c)| !is_word_char(*c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        steps::add(word_end - word_start);
        end = word_start;
        let span = range.start + word_start..range.start + word_end;
        Some((span, normalised(&slice[word_start..word_end])))
    })
}

/// Words that may stand between a negation and what was never tried ("never
/// been prescribed or tried any", "no prior trial of a").
const TRYING_WORDS: [&str; 24] = [
    "been",
    "ever",
    "yet",
    "tried",
    "trialed",
    "used",
    "received",
    "prescribed",
    "given",
    "had",
    "any",
    "a",
    "an",
    "or",
    "and",
    "prior",
    "previous",
    "previously",
    "trial",
    "trials",
    "of",
    "with",
    "on",
    "started",
];

/// Words that judge how treatments worked: "no prescription topical has
/// helped" says they were tried.
const JUDGING_WORDS: [&str; 16] = [
    "help",
    "helped",
    "helps",
    "work",
    "worked",
    "works",
    "effective",
    "control",
    "controlled",
    "improved",
    "improvement",
    "benefit",
    "benefited",
    "response",
    "responded",
    "adequate",
];

/// How far after a statement its clause is read for a judgement.
const JUDGED_REACH: usize = 60;

/// Whether the clause after `end` judges the treatments rather than denying
/// they were tried.
fn judged_after(text: &str, end: usize) -> bool {
    let mut stop = (end + JUDGED_REACH).min(text.len());
    while !text.is_char_boundary(stop) {
        stop -= 1;
    }
    let after = &text[end..stop];
    steps::add(after.len());
    let clause = after.find(['.', ';', ':', ',', '\n']).map_or(after, |i| &after[..i]);
    words(clause).any(|w| JUDGING_WORDS.contains(&w.as_str()))
}

/// How many words before a statement a negation may be.
const NEGATION_REACH: usize = 10;

/// Whether the words before `start`, in its sentence, are a negation (a
/// negation trigger of the context lexicon) and then only words of trying.
fn negated_over_trying(note: &Note, start: usize) -> bool {
    let sentence = note.sentence_of(start);
    let from = sentence.start.min(start);
    for (span, word) in words_back(note.text(), from..start).take(NEGATION_REACH) {
        if note.negates(&span) {
            return true;
        }
        if !TRYING_WORDS.contains(&word.as_str()) {
            return false;
        }
    }
    false
}

/// How far a referral word reaches a specialty ("referral to pediatric
/// dermatology placed").
const REFERRAL_REACH: usize = 24;
/// Lines at the top (letterhead) and bottom (signature) of a note that state
/// its author.
const HEADER_LINES: usize = 2;
const SIGNATURE_LINES: usize = 4;
/// How far from the start or end of a note its letterhead or signature is.
const EDGE_BYTES: usize = 240;
/// How far before a specialty its field label may be ("Provider: D. Lange,
/// MD, Pediatrics").
const LABEL_REACH: usize = 48;
/// The longest line a letterhead or signature line has (not prose).
const SHORT_LINE: usize = 90;

/// The prescriber's specialty: the note's own, not one it refers to. A
/// specialty on a labelled line ("Prescriber specialty: Family Medicine")
/// wins, then the clinician's own line in the letterhead or signature,
/// then a clinic's name there, then any other; a
/// specialty near a referral word ("refer to dermatology"), in the past, or
/// heading an exam section ("DERM:") never counts.
pub fn specialty(note: &Note) -> Option<(Specialty, Span)> {
    let text = note.text();
    let named = |m: &Mention| matches!(m.meaning, Meaning::Specialty(SpecialtyTerm::Named(_)));
    if !note.mentions().iter().any(named) {
        return None;
    }
    // The cues of one kind whose span starts in `range`: every cue that
    // can reach a specialty starts a few dozen bytes from it.
    let cues = |term: SpecialtyTerm, range: Range<usize>| {
        let near = note.mentions_from(&range);
        steps::add(near.len());
        near.iter()
            .filter(move |m| matches!(m.meaning, Meaning::Specialty(t) if *t == term))
            .map(|m| &m.span)
    };
    let lines = LineIndex::new(text);
    steps::add(note.mentions().len());
    let mut best: Option<(u8, Specialty, &Range<usize>)> = None;
    for mention in note.mentions() {
        let Meaning::Specialty(SpecialtyTerm::Named(specialty)) = mention.meaning else { continue };
        let span = &mention.span;
        let line = lines.line_of(span.start);
        let header = lines.is_header_or_signature(line, span.start, text.len());
        let on_line = |cue: &Range<usize>| {
            cue.end <= span.start
                && span.start - cue.end <= LABEL_REACH
                && lines.line_of(cue.start) == line
        };
        let before_label = span.start.saturating_sub(LABEL_REACH + MAX_CUE_LEN)..span.start;
        let near =
            span.start.saturating_sub(REFERRAL_REACH + MAX_CUE_LEN)..span.end + REFERRAL_REACH + 1;
        let referred = cues(SpecialtyTerm::Referral, near).any(|r| refers_to(text, r, span))
            || cues(SpecialtyTerm::Referrer, before_label.clone()).any(on_line);
        // "Dermatology:" opens a section; "Dermatologist: A. Quinn, MD"
        // names the note's clinician.
        let names_a_clinician = ["ist", "ian"].iter().any(|end| text[span.clone()].ends_with(end));
        let heading = text[span.end..].starts_with(':') && !names_a_clinician;
        if referred || heading || note.judge(mention, Question::CURRENT_FACT).is_err() {
            continue;
        }
        let labelled = cues(SpecialtyTerm::Label, before_label).any(on_line);
        // A clinic's name ("Harborview Allergy & Asthma Associates") tells
        // less than the clinician's own line ("J. Ruiz, MD - Dermatology").
        let score = if labelled {
            4
        } else if header && !note.in_organization_name(mention) {
            3
        } else if header {
            2
        } else {
            1
        };
        // Other specialties are everywhere in passing ("follow up with his
        // primary care physician"): only a labelled line, the letterhead or
        // the signature says one prescribes.
        if *specialty == Specialty::Other && score < 2 {
            continue;
        }
        if best.is_none_or(|(s, _, _)| score > s) {
            best = Some((score, *specialty, span));
        }
    }
    let (_, specialty, span) = best?;
    Some((specialty, span_of(text, span)?))
}

/// Longer than any specialty cue phrase of the lexicon ("referring
/// clinician", "e-consult"), so that a cue within reach of a specialty
/// starts no further from it.
const MAX_CUE_LEN: usize = 64;

/// Whether a referral word is about this specialty: next to it, on the same
/// line, with nothing but a few words between ("refer to dermatology",
/// "dermatology wait list").
fn refers_to(text: &str, referral: &Range<usize>, specialty: &Range<usize>) -> bool {
    let between = if referral.end <= specialty.start {
        referral.end..specialty.start
    } else {
        specialty.end..referral.start.max(specialty.end)
    };
    steps::add(REFERRAL_REACH);
    between.len() <= REFERRAL_REACH
        && text.get(between).is_some_and(|gap| !gap.contains(['\n', '(', ')', ';', '.']))
}

/// Line numbers of offsets, and which lines are the letterhead or signature
/// (counted over non-blank lines).
struct LineIndex {
    starts: Vec<usize>,
    non_blank: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        steps::add(text.len());
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        let non_blank = (0..starts.len())
            .filter(|&i| {
                let end = starts.get(i + 1).copied().unwrap_or(text.len());
                !text[starts[i]..end].trim().is_empty()
            })
            .collect();
        LineIndex { starts, non_blank }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).saturating_sub(1)
    }

    /// Whether `offset` (on `line`) is in the letterhead or the signature:
    /// among the first or last non-blank lines, and near the start or end of
    /// the text (a transcription may be one long line).
    fn is_header_or_signature(&self, line: usize, offset: usize, len: usize) -> bool {
        let Ok(rank) = self.non_blank.binary_search(&line) else { return false };
        let end = self.starts.get(line + 1).copied().unwrap_or(len);
        let short = end - self.starts[line] <= SHORT_LINE;
        short
            && ((rank < HEADER_LINES && offset < EDGE_BYTES)
                || (rank + SIGNATURE_LINES >= self.non_blank.len() && offset + EDGE_BYTES >= len))
    }
}

/// The spec's word for a site, as evidence keys (`high_impact_sites.hands`) use it.
pub fn site_name(site: Site) -> &'static str {
    match site {
        Site::Face => "face",
        Site::Neck => "neck",
        Site::Scalp => "scalp",
        Site::Hands => "hands",
        Site::Feet => "feet",
        Site::Genitals => "genitals",
        Site::Intertriginous => "intertriginous",
    }
}
