//! The vocabularies of `lexicons/*.tsv`, parsed into one table of terms that
//! the context engine's automaton finds in the one walk over a note, beside
//! its own triggers.

use necessity_context::examples::{Example, Examples};
use necessity_context::{Spelling, Term};
use necessity_record::{Outcome, Potency, Site, Specialty, TreatmentClass};
use std::collections::HashMap;
use std::path::Path;

/// The lexicon files, by name, as a directory given to [`crate::Lexicons::load`] holds them.
pub const FILES: [&str; 12] = [
    "drugs.tsv",
    "potency.tsv",
    "routes.tsv",
    "diagnoses.tsv",
    "sites.tsv",
    "flares.tsv",
    "outcomes.tsv",
    "measures.tsv",
    "specialties.tsv",
    "statements.tsv",
    "renewals.tsv",
    "requests.tsv",
];

/// The shipped lexicon files, embedded so the binary works anywhere. This
/// crate's `lexicons` is a link to the repository's `lexicons/` folder, whose
/// files `cargo package` archives, so the published crate carries them.
const BUILTIN: [&str; 12] = [
    include_str!("../lexicons/drugs.tsv"),
    include_str!("../lexicons/potency.tsv"),
    include_str!("../lexicons/routes.tsv"),
    include_str!("../lexicons/diagnoses.tsv"),
    include_str!("../lexicons/sites.tsv"),
    include_str!("../lexicons/flares.tsv"),
    include_str!("../lexicons/outcomes.tsv"),
    include_str!("../lexicons/measures.tsv"),
    include_str!("../lexicons/specialties.tsv"),
    include_str!("../lexicons/statements.tsv"),
    include_str!("../lexicons/renewals.tsv"),
    include_str!("../lexicons/requests.tsv"),
];

/// A lexicon that cannot be used: found at start-up, before any note is read.
#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    #[error("{file}: {source}")]
    Io { file: String, source: std::io::Error },
    #[error("{file} line {line}: {message}")]
    Line { file: String, line: usize, message: String },
    #[error("lexicon automaton: {0}")]
    Build(String),
}

/// Which way an outcome cue reaches a drug name within its sentence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    Forward,
    Backward,
    Both,
}

impl Reach {
    pub fn forward(self) -> bool {
        matches!(self, Reach::Forward | Reach::Both)
    }
    pub fn backward(self) -> bool {
        matches!(self, Reach::Backward | Reach::Both)
    }
}

/// What an outcome cue says about the drugs in its reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cue {
    Outcome(Outcome),
    /// Stopped, held: no outcome, and no request unless a plan comes after.
    Stopped,
    /// Declined, deferred or refused when offered ("prefers to hold off",
    /// "decided against"): a drug never given, so no treatment and no
    /// intolerance, and no request unless a plan comes after.
    Declined,
    /// A look-alike ("in order to") that only masks a cue word.
    Masked,
    /// An adverse effect ("nausea", "rise in creatinine"): the reason a
    /// drug was stopped, so intolerance only beside a stop cue; alone it is
    /// a symptom or a finding, not an outcome.
    AdverseEffect,
    /// The disease still flares ("still flaring"): a failure of the drug
    /// before it only when its clause names that drug back ("... still
    /// flaring every week on it"); alone it is a finding, not an outcome.
    FlaringOn,
    /// Use that has gone on for a while ("has been on", "takes"): current,
    /// unless the clause dates it to the past ("in the past she has been on
    /// azathioprine" is a past course).
    Ongoing,
    /// The drug was tolerated ("then tolerated it well"): an adverse effect
    /// said before it passed, so no intolerance; alone it says nothing.
    Tolerated,
    /// The patient asks about or has read about a drug ("asked about
    /// dupilumab"): a question for the prescriber, no treatment, unless
    /// another cue gives the drug an outcome or a plan.
    Inquiry,
    /// The patient is allergic to the drug ("allergic to penicillin"): a
    /// drug allergy is no treatment, unless another cue tells how the drug
    /// went when it was used ("allergy: tacrolimus (burning)").
    Allergy,
    /// The drug was prescribed but never reached the patient ("was never
    /// picked up", "never filled"): never used, so no failure, intolerance
    /// or current use said of it anywhere in the note stands.
    NeverUsed,
    /// The cost of a drug or its cover ("because of cost", "copay"): the
    /// reason a drug was stopped, so beside a stop cue the course ended for
    /// no failure of the drug, whatever a failure word beside it says
    /// ("verdict: FAILED - helping some, but the copay was $285 and they
    /// stopped"); alone it says nothing.
    CostReason,
}

/// How a corticosteroid is given, which decides whether it is listed and in
/// which class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Systemic,
    Local,
    Inhaled,
    /// Applied to the skin: a vehicle, strength or "apply".
    Topical,
}

/// The numeric measures and demographics whose keywords the scan finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeasureKind {
    Bsa,
    Iga,
    ItchNrs,
    Itch,
    Easi,
    AgeBefore,
    AgeAfter,
    AgeSex,
    /// A demographics label ("Patient:", "Name:") whose line gives the age
    /// after the name ("Lucas Ferreira, 33 M").
    AgeNameLine,
    /// A date of birth with the age beside it ("DOB: 01 Aug 2001 (23 y)").
    AgeBirthDate,
    Weight,
}

impl MeasureKind {
    /// Whether the kind is a severity measure (BSA, IGA, itch, EASI), not
    /// an age or a weight.
    pub fn is_measure(self) -> bool {
        matches!(
            self,
            MeasureKind::Bsa
                | MeasureKind::Iga
                | MeasureKind::ItchNrs
                | MeasureKind::Itch
                | MeasureKind::Easi
        )
    }
}

/// A word that says when a value was taken, whether today's scoring was
/// done, or that the note's own date follows (`measures.tsv`): what decides
/// which of a note's values is current.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueCue {
    /// "today", "currently": the value is today's.
    Now,
    /// "at presentation", "per 2021 records": taken before now.
    Earlier,
    /// "baseline", "at initiation", "pre-treatment": taken at or before the
    /// start of a drug.
    Baseline,
    /// "before", "prior to", "pre-": a baseline when a drug follows ("before
    /// Dupixent"); alone it dates nothing ("worse before bed").
    Before,
    /// "exam deferred", "skin not examined": no measure was scored today.
    NoExamToday,
    /// "not assessed", "not done" after a measure's keyword: that measure
    /// was not scored today.
    NotScored,
    /// A look-alike of a value keyword that is another scale ("pain NRS"):
    /// it hides the keyword.
    NotAMeasure,
    /// "ATTENDING ADDENDUM": what follows was written after the note and
    /// corrects it, so its values supersede the note's earlier ones.
    Addendum,
    /// A label the note's own date follows ("Date of service:"), by rank;
    /// `line_start` when it counts only at the start of a line or column
    /// ("Date:", not the "date" of "Start date").
    Date { label: DateLabel, line_start: bool },
}

/// Which date of the note is its own, best first: the visit's, the
/// document's, the signature's, a fax or receipt stamp's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DateLabel {
    Service,
    Document,
    Signed,
    Sent,
    /// "Today (01/16/2026):" over the day's scores: the visit's day said in
    /// passing, the last resort (a letter quotes the exam days before).
    Today,
}

/// A drug of `drugs.tsv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Drug {
    pub agent: String,
    pub class: TreatmentClass,
    /// Row group of the potency table; topical corticosteroids only.
    pub potency_key: Option<String>,
    /// A biologic for atopic dermatitis (flag `ad`).
    pub for_dermatitis: bool,
    /// Only a drug when a strength follows (flag `strength`: "HC 2.5%").
    pub needs_strength: bool,
    /// Only a treatment in a note about skin disease (flag `skin`).
    pub skin_only: bool,
    /// How the drug is given when nothing near it says and the note names no
    /// skin disease (flag `route=systemic` or `route=local`).
    pub default_route: Option<Route>,
}

/// A diagnosis word, or a word that puts a bare "AD" in a dermatitis context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiagnosisTerm {
    Named {
        diagnosis: String,
        needs_context: bool,
    },
    DermatitisContext,
    /// A non-skin disease steroids are given for ("asthma").
    OtherIndication,
    /// A skin disease that stands beside atopic dermatitis, never as its
    /// look-alike ("vitiligo"): the values of a block about it are its own.
    Comorbid,
}

/// A word of a diagnostic work-up: a test ("punch biopsy", "patch
/// testing") or the word its finding is told with ("consistent with").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkUp {
    Test,
    Finding,
}

/// A flare statement: persistent, ended, or persistent only when "despite"
/// follows ("flaring q2-3wk despite above").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlareTerm {
    Persistent,
    Ended,
    Despite,
}

/// A site word, a skin-lesion word that ties a site to the disease, or a
/// word that says the skin is clear.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteTerm {
    Site(Site),
    Lesion,
    /// "Clear" ("hands clear"): the context lexicon's negation, which says
    /// the skin before it is not involved and so denies sites and lesions,
    /// not a drug ("on Dupixent and clear") nor a diagnosis.
    Clear,
    /// A unit of skin area when a number counts it ("plaques of about 2
    /// palms", the palm method of estimating BSA): then it names no site.
    Area,
    /// "Skin exam of", "examination including": a list of sites after it,
    /// before any lesion word, names what was looked at, not what is involved.
    Examined,
    /// "Risks", "side effects": the sites in the bracket after it name
    /// effects a drug may have ("risks (conjunctivitis, facial erythema)"),
    /// not skin involved now.
    Risk,
}

/// One meaning of a lexicon surface form; a form may carry several ("eczema"
/// is a diagnosis and a lesion word).
#[derive(Clone, Debug, PartialEq)]
pub enum Meaning {
    Drug(usize),
    Route(Route),
    Diagnosis(DiagnosisTerm),
    Site(SiteTerm),
    Flare(FlareTerm),
    Cue(Cue, Reach),
    Measure(MeasureKind),
    Specialty(SpecialtyTerm),
    /// "Dosing:", "Regimen:": a regimen may follow.
    DoseLabel,
    /// "no prescription topical therapy ever tried".
    NoPrescriptionTopicals,
    /// A biologic or JAK inhibitor named by its class, not by a drug ("no
    /// other biologic", "a JAK inhibitor"): what a note denies of the
    /// patient's other advanced drugs.
    AdvancedClass(&'static [TreatmentClass]),
    /// A word of a diagnostic work-up (`diagnoses.tsv`): what settles a
    /// differential the note held open.
    WorkUp(WorkUp),
    /// When a value was taken, or where the note's date is.
    Value(ValueCue),
    /// A word of a renewal document (`renewals.tsv`).
    Renewal(RenewalTerm),
    /// A form's label for its request (`requests.tsv`).
    Form(FormLabel),
    /// Another labelled use of an advanced drug for atopic dermatitis
    /// ("asthma", "nasal polyps"), by the name the policies give it.
    Indication(String),
}

/// What a word of `renewals.tsv` says of the course a document asks a payer
/// to go on paying for (see the file's header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenewalTerm {
    /// Names a payer renewal: "reauthorization", "12 more months".
    Request,
    /// A renewal only when ticked or a field's whole value: "[X] Continuation".
    FormChoice,
    /// A start: a new request, never a continuation.
    Start,
    /// A restart ("resume", "restart"): a new request after a gap, but of a
    /// course in use now with no stop it is a change of regimen ("Resume
    /// Dupixent every 2 weeks" after a spell every 4 weeks).
    Restart,
    /// A course taken up again after a hold, told in the past ("was
    /// resumed on 10/27"): it went on, so an earlier hold did not end it.
    Resumed,
    /// A renewal to come ("will", "at week"): no course under way is named.
    Ahead,
    /// A look-alike that is none of these: "prescription renewal".
    Masked,
    /// Something else a response word may be about ("eyes much better",
    /// "breathing better"): no response of the skin.
    OtherSubject,
    /// A positive response: "much better", "almost clear".
    Improved,
    /// No response: "no meaningful improvement", "not responding".
    NotImproved,
    /// No response or worse, said only of a drug its sentence names.
    NamedNotImproved,
    /// No change, only beside a severity measure or the disease.
    Unchanged,
    /// Too little improvement to call either way: "some improvement".
    Partial,
    /// A change a percentage before it measures: "reduced 74% from
    /// baseline" is a response, "up 20% from baseline" none.
    ChangeFromBaseline,
    /// A label whose value is the course's start date.
    StartLabel,
    /// A word of a dose log's row that marks the course's first dose
    /// ("loading"): the date that opens its row is the start.
    StartRow,
    /// A label whose value is the time on therapy, in this unit (or the
    /// unit written after the number when `None`).
    DurationLabel(Option<TimeUnit>),
    /// "week 16" of a course, at a visit.
    Week,
    /// Words after the time on the course so far: "11 weeks into treatment".
    IntoCourse,
}

/// A unit of time a course is counted in, with its length in days as the
/// conventions count it (a month is 30 days, a year 365).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    Day,
    Week,
    Month,
    Year,
}

impl TimeUnit {
    /// Days in one unit.
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Day => 1.0,
            TimeUnit::Week => 7.0,
            TimeUnit::Month => 30.0,
            TimeUnit::Year => 365.0,
        }
    }
}

/// The meaning of a `renewals.tsv` kind.
fn renewal_meaning(kind: &str) -> Option<Meaning> {
    Some(Meaning::Renewal(match kind {
        "request" => RenewalTerm::Request,
        "form_choice" => RenewalTerm::FormChoice,
        "start" => RenewalTerm::Start,
        "restart" => RenewalTerm::Restart,
        "resumed" => RenewalTerm::Resumed,
        "ahead" => RenewalTerm::Ahead,
        "masked" => RenewalTerm::Masked,
        "improved" => RenewalTerm::Improved,
        "not_improved" => RenewalTerm::NotImproved,
        "named_not_improved" => RenewalTerm::NamedNotImproved,
        "unchanged" => RenewalTerm::Unchanged,
        "partial" => RenewalTerm::Partial,
        "change_from_baseline" => RenewalTerm::ChangeFromBaseline,
        "start_label" => RenewalTerm::StartLabel,
        "start_row" => RenewalTerm::StartRow,
        "weeks_label" => RenewalTerm::DurationLabel(Some(TimeUnit::Week)),
        "months_label" => RenewalTerm::DurationLabel(Some(TimeUnit::Month)),
        "duration_label" => RenewalTerm::DurationLabel(None),
        "week" => RenewalTerm::Week,
        "into_course" => RenewalTerm::IntoCourse,
        "other_subject" => RenewalTerm::OtherSubject,
        _ => return None,
    }))
}

/// A label by which a form states its request (`requests.tsv`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormLabel {
    /// "Drug requested:", "MEDICATION REQUESTED": the requested drug follows.
    Request,
    /// "Drug:", "Product:": a drug follows, the request on a request form.
    Drug,
    /// "Request type:": the request type follows.
    TypeField,
    /// "New start", "Initial": a request type that starts a drug.
    NewStart,
    /// "Renewal", "Continuation": a request type that goes on with one.
    Renewal,
    /// "Current medications:": what the patient takes, no request.
    CurrentList,
    /// "Diagnosis:", "Dx (ICD-10):": the diagnosis follows.
    DiagnosisField,
    /// "CASE REPORT", "Keywords": a mark of a published case, which tells
    /// what treatment was given and requests nothing.
    Publication,
    /// "Letter of medical necessity", "additional information requested": a
    /// letter to a payer or its reply to the payer's questions, which asks
    /// for the drug its drug field names.
    PayerLetter,
}

/// A specialty word, or a word that says whose specialty a nearby one is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecialtyTerm {
    Named(Specialty),
    /// A credential that tells a clinician's training, not where they
    /// practise ("FNP-C"): the specialty when nothing better names one.
    Credential(Specialty),
    /// "Prescriber:", "Provider:": the line states the prescriber.
    Label,
    /// "refer to", "wait list": the specialty is someone else's.
    Referral,
    /// "Referring clinician:": the line names someone else.
    Referrer,
    /// "reviewed by", "Plan reviewer:": a specialty later in the sentence
    /// is a reviewer's, not the prescriber's.
    Reviewer,
}

/// The parsed vocabularies: their terms for the automaton, and what each
/// spelling of each term means.
pub struct Vocabulary {
    /// Every surface form in lower case, with the spellings that count
    /// (abbreviations only as written), in the order of [`Vocabulary::senses`].
    pub terms: Vec<Term>,
    /// The meanings of each spelling of each term.
    pub senses: Vec<Vec<Vec<Meaning>>>,
    pub drugs: Vec<Drug>,
    /// For each drug, a number shared by the drugs of one agent (brand and
    /// generic), so that agents compare without comparing names.
    pub agent_ids: Vec<u32>,
    /// Every row of the term files, for the test of examples.
    pub rows: Vec<Row>,
    /// Every row of `potency.tsv`, likewise.
    pub potency_rows: Vec<PotencyRow>,
    /// (key, strength or None for `*`, vehicle or None for `*`) -> potency.
    pub potency: HashMap<(String, Option<String>, Option<String>), Potency>,
}

/// Reads the files of a user's lexicon directory.
pub fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, LexiconError> {
    FILES
        .iter()
        .map(|name| {
            let path = dir.join(name);
            std::fs::read_to_string(&path)
                .map(|text| (name.to_string(), text))
                .map_err(|source| LexiconError::Io { file: path.display().to_string(), source })
        })
        .collect()
}

/// The shipped files with their names.
pub fn builtin_files() -> Vec<(String, String)> {
    FILES.iter().zip(BUILTIN).map(|(n, t)| (n.to_string(), t.to_string())).collect()
}

/// One row of a term file: where it is, its phrase as written, what it
/// means, and its example sentence (see `necessity_context::examples`).
#[derive(Clone, Debug)]
pub struct Row {
    pub file: String,
    pub line: usize,
    pub surface: String,
    pub meaning: Meaning,
    pub example: Option<Example>,
}

/// One row of `potency.tsv`, with its example sentence.
#[derive(Clone, Debug)]
pub struct PotencyRow {
    pub line: usize,
    pub key: String,
    pub potency: Potency,
    pub example: Option<Example>,
}

/// A row of a TSV file: its line number, its fields (trimmed, its own
/// example taken off) and its example sentence.
type Fields<'a> = (usize, Vec<&'a str>, Option<Example>);

/// The rows of one TSV file: comment and blank lines skipped (an
/// `#example:` comment sets the example of the rows after it), fields
/// trimmed. `phrase` names the field the example shows.
fn rows<'a>(
    file: &'a str,
    text: &'a str,
    width: usize,
    phrase: impl Fn(&[&str]) -> String + 'a,
) -> impl Iterator<Item = Result<Fields<'a>, LexiconError>> + 'a {
    let mut examples = Examples::default();
    text.lines().enumerate().filter_map(move |(index, line)| {
        let line = line.trim_end();
        if line.starts_with('#') {
            examples.comment(line);
            return None;
        }
        if line.trim().is_empty() {
            return None;
        }
        let mut fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        let shown = phrase(&fields);
        let example = examples.of_row(&mut fields, &shown);
        if fields.len() != width || fields[0].is_empty() {
            return Some(Err(LexiconError::Line {
                file: file.to_string(),
                line: index + 1,
                message: format!("expected {width} tab-separated fields"),
            }));
        }
        Some(Ok((index + 1, fields, example)))
    })
}

/// The phrase a term row's example shows: its first field.
fn surface(fields: &[&str]) -> String {
    fields[0].to_string()
}

fn bad(file: &str, line: usize, message: &str) -> LexiconError {
    LexiconError::Line { file: file.to_string(), line, message: message.to_string() }
}

/// Parses a vocabulary word of the spec (`topical_corticosteroid`, `hands`...).
fn word<T: serde::de::DeserializeOwned>(value: &str) -> Option<T> {
    serde::Deserialize::deserialize(
        serde::de::value::StrDeserializer::<serde::de::value::Error>::new(value),
    )
    .ok()
}

/// Collects surface forms and their meanings, merging forms that several
/// files share into one term (one automaton pattern) with one entry per
/// spelling.
#[derive(Default)]
struct Builder {
    /// Term index by lower-case phrase.
    index: HashMap<String, usize>,
    terms: Vec<Term>,
    senses: Vec<Vec<Vec<Meaning>>>,
    rows: Vec<Row>,
}

impl Builder {
    /// Adds the term of a row of `file`, and keeps the row for the test of
    /// its example.
    fn add_row(&mut self, file: &str, (line, fields, example): Fields, cs: bool, meaning: Meaning) {
        self.add(fields[0], cs, meaning.clone());
        let (file, surface) = (file.to_string(), fields[0].to_string());
        self.rows.push(Row { file, line, surface, meaning, example });
    }

    /// Adds a surface form: as written when case matters ("AD", "TAC"),
    /// else in the spellings notes use (lower, UPPER, Capitalised, Title
    /// Case). Each spelling is checked against the note's own case where
    /// the automaton (which reads a lower-case copy) finds the term, so "AD"
    /// is not found in every "ad".
    fn add(&mut self, surface: &str, case_sensitive: bool, meaning: Meaning) {
        let spellings = if case_sensitive { vec![surface.to_string()] } else { spellings(surface) };
        let glued = glued_to_number(&meaning);
        for spelling in spellings {
            let phrase = spelling.to_ascii_lowercase();
            let term = *self.index.entry(phrase.clone()).or_insert_with(|| {
                self.terms.push(Term { phrase, spellings: Vec::new() });
                self.senses.push(Vec::new());
                self.terms.len() - 1
            });
            let written = &mut self.terms[term].spellings;
            let at = written.iter().position(|s| s.cased.as_deref() == Some(&spelling));
            let at = at.unwrap_or_else(|| {
                written.push(Spelling { cased: Some(spelling), digit_before_ok: false });
                self.senses[term].push(Vec::new());
                written.len() - 1
            });
            written[at].digit_before_ok |= glued;
            let senses = &mut self.senses[term][at];
            if !senses.contains(&meaning) {
                senses.push(meaning.clone());
            }
        }
    }
}

/// Units written straight after a number ("34yo", "70kg") may touch a digit.
pub fn glued_to_number(meaning: &Meaning) -> bool {
    matches!(
        meaning,
        Meaning::Measure(MeasureKind::AgeBefore | MeasureKind::AgeSex | MeasureKind::Weight)
    )
}

/// Short words that headline-style titles leave in lower case ("Allergy and
/// Immunology", "Department of Dermatology").
const TITLE_SMALL_WORDS: [&str; 12] =
    ["a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the", "to"];

/// Words a writer stresses in capitals inside a phrase ("did NOT use").
const STRESSED_WORDS: [&str; 3] = ["not", "never", "no"];

/// Words that terse notes write in shorthand ("flares w/in 1-2 wk off",
/// "3 mo w/o meaningful change", "still flaring w/ new plaques").
const SHORTHAND: [(&str, &str); 3] = [("within", "w/in"), ("without", "w/o"), ("with", "w/")];

/// The spellings of a case-insensitive surface form that notes use: as
/// written in the lexicon ("vIGA", "CellCept") and so at a sentence start
/// ("Worst itch NRS"), lower, UPPER, Capitalised, Title Case, headline
/// Title Case with its small words in lower case, and in lower case with
/// its words of [`SHORTHAND`] shortened.
fn spellings(surface: &str) -> Vec<String> {
    let lower = surface.to_ascii_lowercase();
    let capitalise = |word: &str| {
        let mut chars = word.chars();
        chars.next().map_or(String::new(), |c| c.to_ascii_uppercase().to_string() + chars.as_str())
    };
    let title: String = lower.split_inclusive([' ', '-', '/', '(']).map(capitalise).collect();
    let headline: String = lower
        .split_inclusive(' ')
        .enumerate()
        .map(|(i, word)| match i > 0 && TITLE_SMALL_WORDS.contains(&word.trim_end()) {
            true => word.to_string(),
            false => capitalise(word),
        })
        .collect();
    // A phrase whose first word is stressed in capitals ("CONTINUATION of
    // existing therapy", "NOT ordered today").
    let stressed = match lower.split_once(' ') {
        Some((first, rest)) => format!("{} {rest}", first.to_ascii_uppercase()),
        None => lower.clone(),
    };
    // ... or whose negation is ("did NOT use", "has NEVER been").
    let words: Vec<&str> = lower.split(' ').collect();
    let stressed_negations =
        (1..words.len()).filter(|&i| STRESSED_WORDS.contains(&words[i])).map(|i| {
            let mut stressed = words.clone();
            let upper = words[i].to_ascii_uppercase();
            stressed[i] = &upper;
            stressed.join(" ")
        });
    let mut all = vec![
        surface.to_string(),
        capitalise(surface),
        lower.clone(),
        lower.to_ascii_uppercase(),
        capitalise(&lower),
        title,
        headline,
        stressed,
    ];
    all.extend(stressed_negations);
    // ... or whose last word is ("request WITHDRAWN", "Dupixent STOPPED").
    if let Some((head, last)) = lower.rsplit_once(' ') {
        all.push(format!("{head} {}", last.to_ascii_uppercase()));
    }
    let shortened: Vec<&str> = words
        .iter()
        .map(|w| SHORTHAND.iter().find(|(long, _)| long == w).map_or(*w, |(_, short)| *short))
        .collect();
    if words.len() > 1 && shortened != words {
        all.push(shortened.join(" "));
    }
    all.sort();
    all.dedup();
    all
}

fn flags(field: &str) -> (bool, bool) {
    (has_flag(field, "cs"), has_flag(field, "needs_context"))
}

fn has_flag(field: &str, flag: &str) -> bool {
    field.split(',').any(|f| f.trim() == flag)
}

/// Builds the vocabulary from the files (name, text), in [`FILES`] order.
pub fn build(files: &[(String, String)]) -> Result<Vocabulary, LexiconError> {
    let text_of = |name: &str| {
        files.iter().find(|(n, _)| n == name).map(|(_, t)| t.as_str()).unwrap_or_default()
    };
    let mut builder = Builder::default();
    let drugs = add_drugs(&mut builder, text_of("drugs.tsv"))?;
    let (potency, potency_rows) = read_potency(text_of("potency.tsv"))?;
    add_simple(&mut builder, "routes.tsv", text_of("routes.tsv"), 3, |v| {
        Some(Meaning::Route(match v {
            "systemic" => Route::Systemic,
            "local" => Route::Local,
            "inhaled" => Route::Inhaled,
            "topical" => Route::Topical,
            _ => return None,
        }))
    })?;
    add_diagnoses(&mut builder, text_of("diagnoses.tsv"))?;
    add_sites(&mut builder, text_of("sites.tsv"))?;
    add_simple(&mut builder, "flares.tsv", text_of("flares.tsv"), 2, |v| match v {
        "persistent" => Some(Meaning::Flare(FlareTerm::Persistent)),
        "ended" => Some(Meaning::Flare(FlareTerm::Ended)),
        "despite" => Some(Meaning::Flare(FlareTerm::Despite)),
        _ => None,
    })?;
    add_cues(&mut builder, text_of("outcomes.tsv"))?;
    add_measures(&mut builder, text_of("measures.tsv"))?;
    add_simple(&mut builder, "specialties.tsv", text_of("specialties.tsv"), 2, |v| {
        Some(Meaning::Specialty(match v {
            "label" => SpecialtyTerm::Label,
            "referral" => SpecialtyTerm::Referral,
            "referrer" => SpecialtyTerm::Referrer,
            "reviewer" => SpecialtyTerm::Reviewer,
            "credential_other" => SpecialtyTerm::Credential(Specialty::Other),
            _ => SpecialtyTerm::Named(word::<Specialty>(v)?),
        }))
    })?;
    add_simple(&mut builder, "statements.tsv", text_of("statements.tsv"), 2, |v| match v {
        "no_prescription_topicals" => Some(Meaning::NoPrescriptionTopicals),
        "biologic" => Some(Meaning::AdvancedClass(&[TreatmentClass::Biologic])),
        "jak_inhibitor" => Some(Meaning::AdvancedClass(&[TreatmentClass::OralJakInhibitor])),
        "biologic_or_jak_inhibitor" => Some(Meaning::AdvancedClass(&[
            TreatmentClass::Biologic,
            TreatmentClass::OralJakInhibitor,
        ])),
        _ => None,
    })?;
    add_simple(&mut builder, "renewals.tsv", text_of("renewals.tsv"), 2, renewal_meaning)?;
    add_requests(&mut builder, text_of("requests.tsv"))?;
    let agent_ids = drugs
        .iter()
        .map(|d| drugs.iter().position(|other| other.agent == d.agent).unwrap_or(0) as u32)
        .collect();
    Ok(Vocabulary {
        terms: builder.terms,
        senses: builder.senses,
        drugs,
        agent_ids,
        rows: builder.rows,
        potency_rows,
        potency,
    })
}

/// `measures.tsv`: value keywords, the cues that date values, and the
/// labels of the note's date (flag `line`: only at the start of a line or
/// column).
fn add_measures(builder: &mut Builder, text: &str) -> Result<(), LexiconError> {
    let file = "measures.tsv";
    for row in rows(file, text, 3, surface) {
        let row = row?;
        let line_start = has_flag(row.1[2], "line");
        let meaning = measure_meaning(row.1[1], line_start)
            .ok_or_else(|| bad(file, row.0, "unknown value"))?;
        let (cs, _) = flags(row.1[2]);
        builder.add_row(file, row, cs, meaning);
    }
    Ok(())
}

fn measure_meaning(value: &str, line_start: bool) -> Option<Meaning> {
    let cue = |cue| Some(Meaning::Value(cue));
    let date = |label| cue(ValueCue::Date { label, line_start });
    match value {
        "value_now" => return cue(ValueCue::Now),
        "value_earlier" => return cue(ValueCue::Earlier),
        "value_baseline" => return cue(ValueCue::Baseline),
        "value_before" => return cue(ValueCue::Before),
        "no_exam_today" => return cue(ValueCue::NoExamToday),
        "not_scored" => return cue(ValueCue::NotScored),
        "not_a_measure" => return cue(ValueCue::NotAMeasure),
        "value_addendum" => return cue(ValueCue::Addendum),
        "date_service" => return date(DateLabel::Service),
        "date_document" => return date(DateLabel::Document),
        "date_signed" => return date(DateLabel::Signed),
        "date_sent" => return date(DateLabel::Sent),
        "date_today" => return date(DateLabel::Today),
        _ => {}
    }
    Some(Meaning::Measure(match value {
        "bsa" => MeasureKind::Bsa,
        "iga" => MeasureKind::Iga,
        "itch_nrs" => MeasureKind::ItchNrs,
        "itch" => MeasureKind::Itch,
        "easi" => MeasureKind::Easi,
        "age_before" => MeasureKind::AgeBefore,
        "age_after" => MeasureKind::AgeAfter,
        "age_sex" => MeasureKind::AgeSex,
        "age_name_line" => MeasureKind::AgeNameLine,
        "age_birth_date" => MeasureKind::AgeBirthDate,
        "weight" => MeasureKind::Weight,
        "dose_label" => return Some(Meaning::DoseLabel),
        _ => return None,
    }))
}

/// Files of `surface<TAB>value[<TAB>flags]` rows (`width` fields) whose value maps to one meaning.
fn add_simple(
    builder: &mut Builder,
    file: &str,
    text: &str,
    width: usize,
    meaning: impl Fn(&str) -> Option<Meaning>,
) -> Result<(), LexiconError> {
    for row in rows(file, text, width, surface) {
        let row = row?;
        let meaning = meaning(row.1[1]).ok_or_else(|| bad(file, row.0, "unknown value"))?;
        let (cs, _) = flags(row.1.get(2).copied().unwrap_or("-"));
        builder.add_row(file, row, cs, meaning);
    }
    Ok(())
}

fn add_drugs(builder: &mut Builder, text: &str) -> Result<Vec<Drug>, LexiconError> {
    let mut drugs: Vec<Drug> = Vec::new();
    for row in rows("drugs.tsv", text, 5, surface) {
        let row = row?;
        let (line, f) = (row.0, &row.1);
        let class = word::<TreatmentClass>(f[2])
            .ok_or_else(|| bad("drugs.tsv", line, "unknown treatment class"))?;
        let potency_key = (f[3] != "-").then(|| f[3].to_string());
        if class == TreatmentClass::TopicalCorticosteroid && potency_key.is_none() {
            return Err(bad("drugs.tsv", line, "a topical corticosteroid needs a potency key"));
        }
        let flag = |name: &str| f[4].split(',').any(|flag| flag.trim() == name);
        let default_route = if flag("route=systemic") {
            Some(Route::Systemic)
        } else if flag("route=local") {
            Some(Route::Local)
        } else {
            None
        };
        let drug = Drug {
            agent: f[1].to_string(),
            class,
            potency_key,
            for_dermatitis: flag("ad"),
            needs_strength: flag("strength"),
            skin_only: flag("skin"),
            default_route,
        };
        let id = drugs.iter().position(|d| *d == drug).unwrap_or_else(|| {
            drugs.push(drug);
            drugs.len() - 1
        });
        let cs = flags(f[4]).0;
        builder.add_row("drugs.tsv", row, cs, Meaning::Drug(id));
    }
    Ok(drugs)
}

type PotencyTable = HashMap<(String, Option<String>, Option<String>), Potency>;

fn read_potency(text: &str) -> Result<(PotencyTable, Vec<PotencyRow>), LexiconError> {
    let mut table = HashMap::new();
    let mut kept = Vec::new();
    for row in rows("potency.tsv", text, 4, potency_phrase) {
        let (line, f, example) = row?;
        let potency =
            word::<Potency>(f[3]).ok_or_else(|| bad("potency.tsv", line, "unknown potency"))?;
        let any = |v: &str| (v != "*").then(|| v.to_string());
        let key = f[0].to_string();
        table.insert((key.clone(), any(f[1]), any(f[2])), potency);
        kept.push(PotencyRow { line, key: key.clone(), potency, example });
    }
    Ok((table, kept))
}

/// The phrase a potency row's example shows: the key (a drug's name) with
/// the strength and vehicle it names ("desonide 0.05% ointment").
fn potency_phrase(fields: &[&str]) -> String {
    let mut phrase = fields[0].to_string();
    if let Some(strength) = fields.get(1).filter(|s| **s != "*") {
        phrase = format!("{phrase} {strength}%");
    }
    if let Some(vehicle) = fields.get(2).filter(|v| **v != "*") {
        phrase = format!("{phrase} {vehicle}");
    }
    phrase
}

fn add_diagnoses(builder: &mut Builder, text: &str) -> Result<(), LexiconError> {
    for row in rows("diagnoses.tsv", text, 3, surface) {
        let row = row?;
        let f = &row.1;
        let (cs, needs_context) = flags(f[2]);
        let work_up = match f[1] {
            "work_up" => Some(WorkUp::Test),
            "test_finding" => Some(WorkUp::Finding),
            _ => None,
        };
        if let Some(work_up) = work_up {
            builder.add_row("diagnoses.tsv", row, cs, Meaning::WorkUp(work_up));
            continue;
        }
        let term = match f[1] {
            "dermatitis_context" => DiagnosisTerm::DermatitisContext,
            "other_indication" => DiagnosisTerm::OtherIndication,
            "comorbid" => DiagnosisTerm::Comorbid,
            _ => DiagnosisTerm::Named { diagnosis: f[1].to_string(), needs_context },
        };
        builder.add_row("diagnoses.tsv", row, cs, Meaning::Diagnosis(term));
    }
    Ok(())
}

fn add_sites(builder: &mut Builder, text: &str) -> Result<(), LexiconError> {
    for row in rows("sites.tsv", text, 2, surface) {
        let row = row?;
        let (line, f) = (row.0, &row.1);
        let term = if f[1] == "lesion" {
            SiteTerm::Lesion
        } else if f[1] == "clear" {
            SiteTerm::Clear
        } else if f[1] == "area" {
            SiteTerm::Area
        } else if f[1] == "examined" {
            SiteTerm::Examined
        } else if f[1] == "risk" {
            SiteTerm::Risk
        } else {
            SiteTerm::Site(
                word::<Site>(f[1]).ok_or_else(|| bad("sites.tsv", line, "unknown site"))?,
            )
        };
        builder.add_row("sites.tsv", row, false, Meaning::Site(term));
    }
    Ok(())
}

fn add_cues(builder: &mut Builder, text: &str) -> Result<(), LexiconError> {
    for row in rows("outcomes.tsv", text, 3, surface) {
        let row = row?;
        let meaning = cue_meaning("outcomes.tsv", row.0, row.1[1], row.1[2])?;
        builder.add_row("outcomes.tsv", row, false, meaning);
    }
    Ok(())
}

/// An outcome or request cue row's meaning: the cue and its reach.
fn cue_meaning(file: &str, line: usize, cue: &str, reach: &str) -> Result<Meaning, LexiconError> {
    let cue = match cue {
        "stopped" => Cue::Stopped,
        "declined" => Cue::Declined,
        "none" => Cue::Masked,
        "adverse" => Cue::AdverseEffect,
        "flaring_on" => Cue::FlaringOn,
        "ongoing" => Cue::Ongoing,
        "inquiry" => Cue::Inquiry,
        "allergy" => Cue::Allergy,
        "tolerated" => Cue::Tolerated,
        "never_used" => Cue::NeverUsed,
        "cost" => Cue::CostReason,
        other => {
            Cue::Outcome(word::<Outcome>(other).ok_or_else(|| bad(file, line, "unknown outcome"))?)
        }
    };
    let reach = match reach {
        "forward" => Reach::Forward,
        "backward" => Reach::Backward,
        "both" => Reach::Both,
        _ => return Err(bad(file, line, "unknown direction")),
    };
    Ok(Meaning::Cue(cue, reach))
}

/// `requests.tsv`: form labels (`label<TAB>kind<TAB>flags`) and request
/// cues (`phrase<TAB>cue<TAB>reach`, as in `outcomes.tsv`).
fn add_requests(builder: &mut Builder, text: &str) -> Result<(), LexiconError> {
    const FILE: &str = "requests.tsv";
    for row in rows(FILE, text, 3, surface) {
        let row = row?;
        let (line, kind, third) = (row.0, row.1[1], row.1[2]);
        let label = |label| Meaning::Form(label);
        let meaning = match kind {
            "request_label" => label(FormLabel::Request),
            "drug_label" => label(FormLabel::Drug),
            "type_field" => label(FormLabel::TypeField),
            "new_start" => label(FormLabel::NewStart),
            "renewal" => label(FormLabel::Renewal),
            "current_list" => label(FormLabel::CurrentList),
            "diagnosis_field" => label(FormLabel::DiagnosisField),
            "publication" => label(FormLabel::Publication),
            "payer_letter" => label(FormLabel::PayerLetter),
            "regimen_field" => Meaning::DoseLabel,
            _ => match kind.strip_prefix("indication:") {
                Some(name) if !name.is_empty() => Meaning::Indication(name.to_string()),
                _ => {
                    let meaning = cue_meaning(FILE, line, kind, third)?;
                    builder.add_row(FILE, row, false, meaning);
                    continue;
                }
            },
        };
        let (cs, _) = flags(third);
        builder.add_row(FILE, row, cs, meaning);
    }
    Ok(())
}
