//! Extraction: from one note's text, the case facts of the spec, each with
//! evidence spans, leaving out negated, hypothetical, family and historical
//! mentions.
//!
//! The vocabularies live in `lexicons/*.tsv`. They are compiled once, with the
//! context lexicon, into one aho-corasick automaton ([`Lexicons`]) that finds
//! every term, value keyword, context trigger and heading in a single walk
//! over a note; values are then read by small regexes in windows of a few
//! dozen bytes around the hits, never over whole notes.
//! Every extractor reads the note through the mention layer (`mentions`):
//! each hit is a mention with its sentence, item, section and context,
//! asked of the context engine (`necessity-context`) once, and whether it
//! is a current fact is answered there and nowhere else.

mod boxes;
mod caveats;
mod dates;
mod dosing;
mod examples;
mod findings;
mod lexicon;
mod mentions;
mod ocr;
mod renewal;
mod scan;
mod treatments;
mod values;
mod words;

pub use lexicon::{LexiconError, FILES as LEXICON_FILES};

use chrono::NaiveDate;
use lexicon::Vocabulary;
use mentions::Note;
use necessity_context::{ContextEngine, BUILTIN_LEXICON as BUILTIN_CONTEXT};
use necessity_record::{
    sha256_hex, Caveat, Facts, Measures, Outcome, PendKind, ResponseStatement, Span, Treatment,
};
use renewal::RenewalPatterns;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use treatments::{TreatmentFacts, TreatmentPatterns};
use values::current::{BaselineValue, Dating, Measure, PerMeasure};
use values::ValuePatterns;

/// Compiles a window pattern that must match however the note capitalises
/// it ("BSA", "bsa", "Bsa"); shared by every pattern set of this crate.
/// Patterns are written in verbose syntax, a comment per part: white space
/// in them is not matched (a space is written `\x20`), `#` starts a comment.
fn case_insensitive(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern).case_insensitive(true).ignore_whitespace(true).build()
}

/// The compiled vocabularies and window patterns, built once and shared by
/// every thread (cloning is cheap: the automaton is reference-counted).
#[derive(Clone)]
pub struct Lexicons {
    vocabulary: Arc<Vocabulary>,
    values: ValuePatterns,
    treatments: TreatmentPatterns,
    renewal: RenewalPatterns,
    findings: findings::FindingPatterns,
    /// The context lexicon and the vocabulary's terms in one automaton.
    engine: Arc<ContextEngine>,
    /// The drug names a scan's misread word may stand for.
    drug_words: Arc<ocr::DrugWords>,
    /// See [`Lexicons::sha256`]; computed once, when the files are compiled.
    sha256: Arc<str>,
}

impl Lexicons {
    /// The lexicons shipped with the binary, compiled on first use.
    pub fn builtin() -> Lexicons {
        static BUILTIN: OnceLock<Lexicons> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                Lexicons::from_files(&lexicon::builtin_files(), BUILTIN_CONTEXT)
                    .expect("the shipped lexicons are valid (tested)")
            })
            .clone()
    }

    /// Lexicons from a user's directory holding the files of [`LEXICON_FILES`]
    /// (and optionally `context.tsv`), so vocabularies change without a rebuild.
    pub fn load(dir: &Path) -> Result<Lexicons, LexiconError> {
        let files = lexicon::read_dir(dir)?;
        let context_path = dir.join("context.tsv");
        if context_path.exists() {
            let tsv = std::fs::read_to_string(&context_path).map_err(|source| {
                LexiconError::Io { file: context_path.display().to_string(), source }
            })?;
            Lexicons::from_files(&files, &tsv)
        } else {
            Lexicons::from_files(&files, BUILTIN_CONTEXT)
        }
    }

    fn from_files(files: &[(String, String)], context: &str) -> Result<Lexicons, LexiconError> {
        // The grammars' regexes and the lexicons' automaton take about the
        // same time to compile and need nothing of each other: built side by
        // side, start-up waits for the slower half only.
        let (built, grammars) = std::thread::scope(|scope| {
            let grammars = scope.spawn(Grammars::new);
            (Self::automaton(files, context), grammars.join())
        });
        let (vocabulary, engine) = built?;
        let grammars = grammars
            .map_err(|_| LexiconError::Build("compiling the grammars panicked".into()))?
            .map_err(|e| LexiconError::Build(e.to_string()))?;
        Ok(Lexicons {
            drug_words: Arc::new(ocr::DrugWords::of(&vocabulary)),
            vocabulary: Arc::new(vocabulary),
            values: grammars.values,
            treatments: grammars.treatments,
            renewal: grammars.renewal,
            findings: grammars.findings,
            engine: Arc::new(engine),
            sha256: lexicons_sha256(files, context).into(),
        })
    }

    /// The drug names a scan's misread word may stand for.
    pub(crate) fn drug_words(&self) -> &ocr::DrugWords {
        &self.drug_words
    }

    /// The vocabulary of the lexicon files and the one automaton that
    /// finds its terms and the context lexicon's phrases.
    fn automaton(
        files: &[(String, String)],
        context: &str,
    ) -> Result<(Vocabulary, ContextEngine), LexiconError> {
        let vocabulary = lexicon::build(files)?;
        let engine = ContextEngine::with_terms(context, vocabulary.terms.clone())
            .map_err(|e| LexiconError::Build(e.to_string()))?;
        Ok((vocabulary, engine))
    }

    /// SHA-256 over the lexicon files these facts are read with, for each
    /// record's provenance: the hash of `sha256sum`'s listing of the files
    /// (`<hash>  <name>` lines, by name), so an auditor reproduces it with
    /// `cd lexicons && sha256sum *.tsv | sha256sum`.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The context engine extraction reads scope with, which also finds
    /// the vocabulary's terms in the same walk.
    pub fn context(&self) -> &ContextEngine {
        &self.engine
    }

    /// Every row of the lexicons whose example sentence does not show its
    /// meaning at its phrase, or that has none ("drugs.tsv line 12: ..."):
    /// empty for sound lexicons. The shipped ones are tested; run it after
    /// editing a lexicon directory.
    pub fn example_failures(&self) -> Vec<String> {
        examples::failures(self)
    }

    /// Every phrase of the one automaton (vocabulary terms, context
    /// triggers and headings, lower case), so a benchmark can time a bare
    /// scan of the same lexicon, matched ASCII case-insensitively, as a
    /// baseline.
    pub fn scan_terms(&self) -> Vec<String> {
        self.engine.phrases()
    }
}

/// The grammars left in code (commented regexes) that read values,
/// treatments, renewals and findings: compiled once, beside the automaton.
struct Grammars {
    values: ValuePatterns,
    treatments: TreatmentPatterns,
    renewal: RenewalPatterns,
    findings: findings::FindingPatterns,
}

impl Grammars {
    fn new() -> Result<Grammars, regex::Error> {
        Ok(Grammars {
            values: ValuePatterns::new()?,
            treatments: TreatmentPatterns::new()?,
            renewal: RenewalPatterns::new()?,
            findings: findings::FindingPatterns::new()?,
        })
    }
}

/// The hash [`Lexicons::sha256`] describes, of `files` and the context lexicon.
fn lexicons_sha256(files: &[(String, String)], context_tsv: &str) -> String {
    let mut listed: Vec<(&str, &str)> =
        files.iter().map(|(name, text)| (name.as_str(), text.as_str())).collect();
    listed.push(("context.tsv", context_tsv));
    listed.sort_unstable();
    let listing: String = listed
        .iter()
        .map(|(name, text)| format!("{}  {name}\n", sha256_hex(text.as_bytes())))
        .collect();
    sha256_hex(listing.as_bytes())
}

/// Extracts the case facts of one note, every fact with evidence spans.
pub fn extract_case(lexicons: &Lexicons, text: &str) -> Facts {
    extract_case_dated(lexicons, text, None)
}

/// [`extract_case`] of a note whose input gives its date (`dated`, ISO
/// 8601 `YYYY-MM-DD`, an export's date column): when the text states no
/// date of its own, the note is read as written on that day, so time on
/// therapy, look-back windows and "dated before now" count from it. Such a
/// `note_date` has no evidence span: the words are not in the text.
pub fn extract_case_dated(lexicons: &Lexicons, text: &str, dated: Option<&str>) -> Facts {
    let read = the_note_as_read(text, lexicons.drug_words());
    let note = Note::read(&lexicons.vocabulary, lexicons.context(), &read, false);
    let mut facts = facts_of(lexicons, &note, dated.and_then(day_of));
    if matches!(read, std::borrow::Cow::Owned(_)) {
        quote_the_note(&mut facts, text);
    }
    facts
}

/// Sets each evidence span's words back to the note's own ("ENCOUNTER_DATE"
/// where it was read as "ENCOUNTER DATE"): the offsets are the same.
fn quote_the_note(facts: &mut Facts, text: &str) {
    let spans = facts
        .evidence
        .values_mut()
        .flatten()
        .chain(facts.treatments.iter_mut().flat_map(|t| t.evidence.iter_mut()))
        .chain(facts.caveats.iter_mut().flat_map(|c| c.evidence.iter_mut()));
    for span in spans {
        if let Some(words) = text.get(span.start..span.end) {
            span.text = words.to_string();
        }
    }
}

/// The note as read: an export's field names join their words with
/// underscores ("REQUESTED_MEDICATION:", "BSA_PERCENT_CURRENT: 22",
/// "FAMILY_HX:"), and each such underscore, between two letters or digits,
/// is read as the space it stands for; a scan's date may hold letters for
/// digits ("05/O6/2026", "09/1O/2026"), read as the digits they stand for.
/// A scan's drug name may hold digits or look-alike letters for its
/// letters (see [`ocr`]). Offsets are unchanged (one byte for one), so
/// evidence spans point into the note as given.
fn the_note_as_read<'t>(text: &'t str, drug_words: &ocr::DrugWords) -> std::borrow::Cow<'t, str> {
    let bytes = text.as_bytes();
    let joins = |i: usize| {
        i > 0
            && bytes[i - 1].is_ascii_alphanumeric()
            && bytes.get(i + 1).is_some_and(u8::is_ascii_alphanumeric)
    };
    necessity_context::steps::add(bytes.len() / 8);
    let mut repairs: Vec<(usize, u8)> =
        memchr::memchr_iter(b'_', bytes).filter(|&i| joins(i)).map(|i| (i, b' ')).collect();
    for slash in memchr::memchr_iter(b'/', bytes) {
        repairs.extend(digits_misread(bytes, slash));
    }
    repairs.extend(drug_words.repairs(bytes));
    let mut read = std::borrow::Cow::Borrowed(bytes);
    if !repairs.is_empty() {
        let owned = read.to_mut();
        for (at, byte) in repairs {
            owned[at] = byte;
        }
    }
    let swaps = day_first_dates(&read);
    if !swaps.is_empty() {
        let owned = read.to_mut();
        for (at, byte) in swaps {
            owned[at] = byte;
        }
    }
    match read {
        std::borrow::Cow::Borrowed(_) => std::borrow::Cow::Borrowed(text),
        // Only ASCII bytes were replaced by ASCII bytes.
        std::borrow::Cow::Owned(read) => {
            std::borrow::Cow::Owned(String::from_utf8(read).unwrap_or_else(|_| text.to_string()))
        }
    }
}

/// A note that writes its dates day first ("13/01/2026" and no
/// "01/13/2026"), as British and Australian letters do: each of its
/// day/month/year dates is read month first, the two numbers changing
/// places ("06/01/2026" read "01/06/2026", "6/11/2025" read "11/6/2025"),
/// so that one date grammar reads them; the length is the same.
fn day_first_dates(bytes: &[u8]) -> Vec<(usize, u8)> {
    static DATE: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(
            r"(?x) (?-u: \b ([0-9]{1,2}) / ([0-9]{1,2}) / (?: [0-9]{4} | [0-9]{2} ) \b )  # d/m/y",
        )
        .expect("the day-first date grammar compiles")
    });
    if memchr::memchr(b'/', bytes).is_none() {
        return Vec::new();
    }
    necessity_context::steps::add(bytes.len() / 8);
    let number = |b: &[u8]| b.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    let dates: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> = DATE
        .captures_iter(bytes)
        .filter_map(|c| Some((c.get(1)?.range(), c.get(2)?.range())))
        .collect();
    let parts = |d: &(std::ops::Range<usize>, std::ops::Range<usize>)| {
        (number(&bytes[d.0.clone()]), number(&bytes[d.1.clone()]))
    };
    let day_first = dates.iter().map(parts).any(|(a, b)| a > 12 && (1..=12).contains(&b));
    let month_first = dates.iter().map(parts).any(|(a, b)| b > 12 && (1..=12).contains(&a));
    if !day_first || month_first {
        return Vec::new();
    }
    let mut swaps = Vec::new();
    for (day, month) in &dates {
        // "dd/m" becomes "m/dd": the month's digits, the slash, the day's.
        let swapped: Vec<u8> =
            bytes[month.clone()].iter().chain(b"/").chain(&bytes[day.clone()]).copied().collect();
        swaps.extend(swapped.into_iter().enumerate().map(|(i, b)| (day.start + i, b)));
    }
    swaps
}

/// The letters a scan read for digits in the numbers either side of a
/// date's slash ("O6" of "05/O6/2026", "1O" of "09/1O/2026"): a number of
/// up to four characters, each a digit or a letter like one (O, o for 0; l,
/// I for 1), holding at least one digit and standing apart from any word.
fn digits_misread(bytes: &[u8], slash: usize) -> Vec<(usize, u8)> {
    const REACH: usize = 4;
    let digit_like = |b: u8| b.is_ascii_digit() || matches!(b, b'O' | b'o' | b'l' | b'I');
    let as_digit = |b: u8| match b {
        b'O' | b'o' => b'0',
        b'l' | b'I' => b'1',
        other => other,
    };
    let left_len =
        bytes[..slash].iter().rev().take(REACH + 1).take_while(|b| digit_like(**b)).count();
    let right_len =
        bytes[slash + 1..].iter().take(REACH + 1).take_while(|b| digit_like(**b)).count();
    let mut repairs = Vec::new();
    for (start, len) in [(slash - left_len, left_len), (slash + 1, right_len)] {
        let number = &bytes[start..start + len];
        let apart = |b: Option<&u8>| b.is_none_or(|b| !b.is_ascii_alphabetic());
        let before = start.checked_sub(1).map(|i| &bytes[i]);
        if len == 0
            || len > REACH
            || !number.iter().any(u8::is_ascii_digit)
            || !apart(before)
            || !apart(bytes.get(start + len))
        {
            continue;
        }
        for (i, &b) in number.iter().enumerate() {
            if !b.is_ascii_digit() {
                repairs.push((start + i, as_digit(b)));
            }
        }
    }
    repairs
}

/// The calendar day an ISO 8601 date (or timestamp) starts with.
fn day_of(iso: &str) -> Option<dates::Date> {
    let part = |range: std::ops::Range<usize>| iso.get(range)?.parse::<u32>().ok();
    let year = i32::try_from(part(0..4)?).ok()?;
    let dash = |at: usize| iso.as_bytes().get(at) == Some(&b'-');
    (dash(4) && dash(7)).then_some(())?;
    dates::Date::day(year, part(5..7)?, part(8..10)?)
}

/// A mention extraction set aside, and why: what `necessity explain` shows
/// a reviewer beside the facts. It quotes only the mention's own words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetAside {
    /// The mention's words and where they are.
    pub mention: Span,
    /// What it was not taken as: "a treatment", "the request", "a value",
    /// "the diagnosis", "a statement", "a current fact", "a current value".
    pub taken_as: &'static str,
    /// Why: a context axis ("negated", "hypothetical", "family",
    /// "historical", "uncertain"), a section ("family history section"),
    /// or, for a value, its time ("dated before the latest examination",
    /// "a baseline, not today's", "not scored today").
    pub why: &'static str,
    /// The lexicon phrase that set it aside ("consider", "mother") and
    /// where it stands, when a phrase or a section heading did.
    pub trigger: Option<(String, Span)>,
}

/// [`extract_case`], and beside the facts every mention it set aside with
/// its reason, in text order (the same facts: one path).
pub fn extract_case_traced(lexicons: &Lexicons, text: &str) -> (Facts, Vec<SetAside>) {
    let read = the_note_as_read(text, lexicons.drug_words());
    let note = Note::read(&lexicons.vocabulary, lexicons.context(), &read, true);
    let mut facts = facts_of(lexicons, &note, None);
    if matches!(read, std::borrow::Cow::Owned(_)) {
        quote_the_note(&mut facts, text);
    }
    let mut set_aside: Vec<SetAside> = note
        .set_aside()
        .into_iter()
        .filter_map(|entry| {
            let trigger = match entry.trigger {
                Some((phrase, at)) => Some((phrase, Span::of(text, at.start, at.end)?)),
                None => None,
            };
            Some(SetAside {
                mention: Span::of(text, entry.span.start, entry.span.end)?,
                taken_as: entry.purpose,
                why: entry.why,
                trigger,
            })
        })
        .collect();
    set_aside.sort_by_key(|s| (s.mention.start, s.mention.end));
    (facts, set_aside)
}

/// The facts of a note read by the mention layer.
/// `dated` is the day the input gives the note, used when its text states none.
fn facts_of(lexicons: &Lexicons, note: &Note, dated: Option<dates::Date>) -> Facts {
    let skin_note = findings::is_skin_note(&lexicons.vocabulary, note);
    let mut facts = Facts::default();
    // The note's own date first: every rule that asks whether words are
    // dated before now asks the one `Dating`.
    let note_date = values::dates::note_date(&lexicons.values.dates, note);
    let dated = dated.filter(|_| note_date.is_none());
    let today = note_date.as_ref().map(|(date, _)| date).or(dated.as_ref()).map(dates::Date::last);
    let dating = Dating::new(&lexicons.values, &lexicons.vocabulary, note, today);
    let mut found = record_treatments(&mut facts, lexicons, note, &dating);
    let (baseline, on_day) = record_values(&mut facts, lexicons, note, skin_note, note_date);
    // The input's date has no words in the text, so no evidence span.
    if let (None, Some(date)) = (&facts.note_date, dated) {
        facts.note_date = Some(date.iso());
    }
    record_findings(&mut facts, lexicons, note, skin_note, &dating);
    record_renewal(&mut facts, lexicons, note, &mut found, &dating, today);
    let note_date = facts.note_date.clone();
    treatments::date_courses_in_use(&mut facts.treatments, &found.in_use_now, note_date.as_deref());
    record_never_tried(&mut facts, lexicons, note);
    record_baseline(&mut facts, note.text(), baseline, on_day);
    record_caveats(&mut facts, &mut found);
    let doubts = findings::diagnosis_doubts(note, facts.diagnosis.as_deref());
    let caveats = caveats::caveats(&facts, note, &lexicons.vocabulary, doubts);
    facts.caveats.extend(caveats);
    facts
}

/// The drugs a form's trial question answered No says were never tried
/// (after the courses are dated, which index the treatments list).
fn record_never_tried(facts: &mut Facts, lexicons: &Lexicons, note: &Note) {
    // A drug only named elsewhere (a plan's list of preferred products) was
    // not given to the patient, so the form's "not tried" stands and the
    // bare mention goes; a trial the note tells keeps the drug.
    let (patterns, vocabulary) = (&lexicons.findings, &lexicons.vocabulary);
    let asked = findings::never_tried(patterns, vocabulary, note);
    let told = findings::never_taken_list(patterns, vocabulary, note);
    for (agent, span) in asked.into_iter().chain(told) {
        if facts.never_tried.contains(&agent) {
            continue;
        }
        let only_named = |t: &Treatment| t.agent != agent || t.outcome == Outcome::Mentioned;
        if facts.treatments.iter().all(only_named) {
            facts.treatments.retain(|t| t.agent != agent);
            add_evidence(facts, &format!("never_tried.{agent}"), span);
            facts.never_tried.push(agent);
        }
    }
}

/// What a reviewer must check about the request: the caveats the request
/// reader found, a request stated to be for another indication than the
/// diagnosis the note affirms, and a request form whose key fields are blank.
fn record_caveats(facts: &mut Facts, request: &mut TreatmentFacts) {
    facts.caveats.append(&mut request.caveats);
    let indication =
        request.indication.take().filter(|i| facts.diagnosis.as_ref() != Some(&i.name));
    if let (Some(indication), Some(drug)) = (indication, &facts.requested_drug) {
        facts.caveats.push(Caveat {
            kind: PendKind::OtherIndication,
            field: Some("requested_drug".into()),
            message: format!(
                "{drug} is requested for {}, another of its indications",
                indication.name.replace('_', " ")
            ),
            evidence: vec![indication.evidence],
        });
    }
    for field in std::mem::take(&mut request.blank_fields) {
        facts.caveats.push(Caveat {
            kind: PendKind::PartialText,
            field: None,
            message: format!("the request form leaves {} blank", field.asks),
            evidence: vec![field.label],
        });
    }
}

/// Adds a span to the evidence of a scalar fact.
fn add_evidence(facts: &mut Facts, field: &str, span: Span) {
    facts.evidence.entry(field.to_string()).or_default().push(span);
}

/// The treatments, the requested drug and its regimen, or on a renewal the
/// continued drug and its regimen (recorded here, before the values, so a
/// rule may ask whether the note is a renewal); what was found, for the
/// renewal facts.
fn record_treatments(
    facts: &mut Facts,
    lexicons: &Lexicons,
    note: &Note,
    dating: &Dating,
) -> TreatmentFacts {
    let mut found = treatments::find_treatments(
        &lexicons.vocabulary,
        &lexicons.treatments,
        &lexicons.renewal,
        note,
        dating,
    );
    if let Some((agent, span)) = found.requested.take() {
        facts.requested_drug = Some(agent);
        add_evidence(facts, "requested_drug", span);
    }
    if let Some((dosing, span)) = found.dosing.take() {
        facts.dosing = dosing;
        add_evidence(facts, "dosing", span);
    }
    if let Some(continued) = &found.continuation {
        facts.continuation_of = Some(continued.agent.clone());
        if let Some(span) = Span::of(note.text(), continued.span.start, continued.span.end) {
            add_evidence(facts, "continuation_of", span);
        }
    }
    facts.treatments = std::mem::take(&mut found.treatments);
    found
}

/// The renewal facts: the followed course's time and response, counted to
/// the note's date (`today`, as [`record_values`] read it); the course
/// followed is current, or failed when the note says it did not work.
fn record_renewal(
    facts: &mut Facts,
    lexicons: &Lexicons,
    note: &Note,
    found: &mut TreatmentFacts,
    dating: &Dating,
    today: Option<NaiveDate>,
) {
    let patterns = &lexicons.renewal;
    let reader = renewal::Reader::new(patterns, note, &found.courses, dating);
    let continuation = found.continuation.as_ref();
    let requested = facts.requested_drug.as_deref();
    let Some(course) = reader.followed_course(continuation, requested) else { return };
    let text = note.text();
    let mut so_far = None;
    if let Some((therapy, spans, stated)) = reader.time_on_therapy(course, today) {
        so_far = stated;
        facts.time_on_therapy = Some(therapy);
        for span in spans.iter().filter_map(|s| Span::of(text, s.start, s.end)) {
            add_evidence(facts, "time_on_therapy", span);
        }
    }
    // The course goes on: its length is the stated time on it so far
    // ("Weeks on therapy: 18", "week 12 visit"), never a period asked for ("for
    // 12 months" of a reauthorization); a start alone gives none.
    for treatment in facts.treatments.iter_mut().filter(|t| t.agent == course.agent) {
        treatment.duration_days = so_far;
    }
    if let Some((response, span)) = reader.response(course) {
        facts.response = Some(response);
        if let Some(span) = Span::of(text, span.start, span.end) {
            add_evidence(facts, "response", span);
        }
    }
    // The course is on now: current, or failed when the response the
    // document states (else the outcome its cues give) is no response.
    for (index, treatment) in facts.treatments.iter_mut().enumerate() {
        if treatment.agent != course.agent {
            continue;
        }
        if !found.in_use_now.contains(&index) {
            found.in_use_now.push(index);
        }
        let failed = match facts.response {
            Some(response) => response == ResponseStatement::NotImproved,
            None => treatment.outcome == Outcome::Failed,
        };
        // A failure the response states is shown by its words, first.
        let stated = facts.response == Some(ResponseStatement::NotImproved);
        if failed && stated {
            let said = facts.evidence.get("response").and_then(|e| e.first());
            if let Some(span) = said.filter(|s| !treatment.evidence.contains(s)) {
                treatment.evidence.insert(0, span.clone());
            }
        }
        treatment.outcome = if failed { Outcome::Failed } else { Outcome::Current };
    }
}

/// Age, weight, the severity measures, the note's date and the caveats of
/// measures that disagree; returns the baseline values for
/// [`record_baseline`], which only a continuation keeps, and the note's
/// date (its last day), which dates the other findings.
fn record_values(
    facts: &mut Facts,
    lexicons: &Lexicons,
    note: &Note,
    skin_note: bool,
    note_date: Option<(values::dates::Date, std::ops::Range<usize>)>,
) -> (PerMeasure<Option<BaselineValue>>, values::current::OnDay) {
    let text = note.text();
    let values =
        values::current::values(&lexicons.values, &lexicons.vocabulary, note, skin_note, note_date);
    facts.age_years = with_evidence(facts, text, "age_years", values.age);
    facts.weight_kg = with_evidence(facts, text, "weight_kg", values.weight);
    let [bsa, iga, itch, easi] = values.measures;
    facts.measures.bsa_percent = with_evidence(facts, text, "measures.bsa_percent", bsa);
    facts.measures.iga_scale = iga.as_ref().and_then(|v| v.scale);
    facts.measures.iga = with_evidence(facts, text, "measures.iga", iga);
    facts.measures.itch_nrs = with_evidence(facts, text, "measures.itch_nrs", itch);
    facts.measures.easi = with_evidence(facts, text, "measures.easi", easi);
    if let Some((date, span)) = values.note_date {
        if let Some(span) = Span::of(text, span.start, span.end) {
            facts.note_date = Some(date.iso());
            add_evidence(facts, "note_date", span);
        }
    }
    for (measure, disagreeing) in values.conflicts {
        facts.caveats.push(measure_conflict(text, measure, &disagreeing));
    }
    for (measure, value) in values.out_of_scale {
        facts.caveats.push(measure_out_of_scale(text, measure, &value));
    }
    (values.baseline, values.on_day)
}

/// The caveat of current values of one measure that disagree ("BSA 8%"
/// and "BSA 25%" both today's): a reviewer must tell which holds.
fn measure_conflict(text: &str, measure: Measure, values: &[values::Value]) -> Caveat {
    let numbers: Vec<String> = values.iter().map(|v| format_number(v.number)).collect();
    Caveat {
        kind: PendKind::MeasureConflict,
        field: Some(format!("measures.{}", measure.key())),
        message: format!(
            "the note gives {} current values that disagree ({}): which holds must be checked",
            measure.name(),
            numbers.join(", ")
        ),
        evidence: values.iter().filter_map(|v| Span::of(text, v.span.start, v.span.end)).collect(),
    }
}

/// The caveat of a measure written past the end of its scale ("BSA
/// 150%"): extraction keeps no such value, and a reviewer must read it.
fn measure_out_of_scale(text: &str, measure: Measure, value: &values::Value) -> Caveat {
    Caveat {
        kind: PendKind::MeasureOutOfScale,
        field: Some(format!("measures.{}", measure.key())),
        message: format!(
            "the note gives {} {}, outside its scale: misread or mistyped, and not taken",
            measure.name(),
            format_number(value.number)
        ),
        evidence: Span::of(text, value.span.start, value.span.end).into_iter().collect(),
    }
}

/// A number as a reviewer writes it: no trailing ".0".
fn format_number(number: f64) -> String {
    let rounded = (number * 100.0).round() / 100.0;
    format!("{rounded}")
}

/// Keeps the baseline values, with their evidence, only on a continuation
/// request: the one place the renewal's gate stands. A value counts when
/// its clause names no drug or the drug being continued ("baseline EASI
/// 28", "EASI 28 before starting Dupixent"), not another ("BSA 35% before
/// she started tacrolimus").
fn record_baseline(
    facts: &mut Facts,
    text: &str,
    baseline: PerMeasure<Option<BaselineValue>>,
    on_day: values::current::OnDay,
) {
    let Some(continued) = facts.continuation_of.clone() else { return };
    // A value dated to the day the continued course started is its
    // baseline ("Exam 04/06/2026: BSA 35%" of a course "started 04/06/2026").
    let start = facts.time_on_therapy.as_ref().and_then(|t| t.start.clone());
    let on_start = |dated: Vec<(dates::Date, values::Value)>| {
        let start = start.as_deref().filter(|s| s.len() == "2026-04-06".len())?;
        let (_, value) = dated.into_iter().find(|(date, _)| date.iso() == start)?;
        Some(BaselineValue { value, agents: Vec::new() })
    };
    let mut on_day = on_day.into_iter();
    let [bsa, iga, itch, easi] = baseline.map(|value| {
        let dated = on_day.next().unwrap_or_default();
        value
            .filter(|b| b.agents.is_empty() || b.agents.contains(&continued))
            .or_else(|| on_start(dated))
    });
    let mut keep = |key: &str, value: Option<BaselineValue>| -> Option<f64> {
        with_evidence(facts, text, &format!("measures_baseline.{key}"), value.map(|b| b.value))
    };
    let scale = iga.as_ref().and_then(|b| b.value.scale);
    let measures = Measures {
        bsa_percent: keep(Measure::Bsa.key(), bsa),
        iga: keep(Measure::Iga.key(), iga),
        iga_scale: scale,
        itch_nrs: keep(Measure::Itch.key(), itch),
        easi: keep(Measure::Easi.key(), easi),
    };
    facts.measures_baseline = measures;
}

/// Diagnosis, sites, flares, the no-topicals statement and the specialty.
fn record_findings(
    facts: &mut Facts,
    lexicons: &Lexicons,
    note: &Note,
    skin_note: bool,
    dating: &Dating,
) {
    if let Some((diagnosis, span)) = findings::diagnosis(&lexicons.vocabulary, note) {
        facts.diagnosis = Some(diagnosis);
        add_evidence(facts, "diagnosis", span);
    }
    let sites = if skin_note { findings::sites(note, dating) } else { Vec::new() };
    for (site, span) in sites {
        facts.high_impact_sites.push(site);
        add_evidence(facts, &format!("high_impact_sites.{}", findings::site_name(site)), span);
    }
    let flares = skin_note.then(|| findings::persistent_flares(note, dating)).flatten();
    if let Some(span) = flares {
        facts.persistent_flares = true;
        add_evidence(facts, "persistent_flares", span);
    }
    if let Some(span) = findings::no_prescription_topicals(&lexicons.findings, note) {
        facts.no_prescription_topicals = true;
        add_evidence(facts, "no_prescription_topicals", span);
    }
    // One evidence key per class, as a list's items are keyed
    // (`no_concurrent_classes.biologic`), by the spec's word for it.
    for (class, span) in findings::no_concurrent_classes(note) {
        facts.no_concurrent_classes.push(class);
        let word = findings::class_name(class);
        add_evidence(facts, &format!("no_concurrent_classes.{word}"), span);
    }
    if let Some((specialty, span)) = findings::specialty(&lexicons.findings, note) {
        facts.prescriber_specialty = Some(specialty);
        add_evidence(facts, "prescriber_specialty", span);
    }
}

/// Records a value's evidence under `field` and returns its number.
fn with_evidence(
    facts: &mut Facts,
    text: &str,
    field: &str,
    value: Option<values::Value>,
) -> Option<f64> {
    let value = value?;
    let span = Span::of(text, value.span.start, value.span.end)?;
    add_evidence(facts, field, span);
    Some(value.number)
}
