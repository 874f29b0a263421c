//! The case record of `../shared/spec/case-record.md` as Rust types.
//!
//! Every crate of the pipeline speaks these types, so the field names and
//! vocabularies of the spec live in exactly one place. Serialising a [`Record`]
//! yields the spec's JSON; deserialising one reads it back (the audit and
//! evaluation commands depend on that round trip).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub mod gold;
pub mod jsonl;
pub mod spreadsheet;

/// Lowercase hex SHA-256, the one form every hash of a record takes
/// (`source.sha256`, `provenance`), so `sha256sum` output compares directly.
pub fn sha256_hex(bytes: &[u8]) -> String {
    // Every record hashes its text: a table look-up per nibble, not a
    // formatter call per byte.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(64);
    for byte in Sha256::digest(bytes) {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    hex
}

/// The date of `date` as text that sorts in time order: `date` itself when
/// it starts with an ISO 8601 date (`2024-03-15`, `2024-03-15T09:30`), else
/// `None` (a date written otherwise orders nothing).
pub fn sortable_date(date: &str) -> Option<&str> {
    let bytes = date.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes.get(range).is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    let iso = digits(0..4)
        && bytes.get(4) == Some(&b'-')
        && digits(5..7)
        && bytes.get(7) == Some(&b'-')
        && digits(8..10)
        && bytes.get(10).is_none_or(|next| !next.is_ascii_digit());
    iso.then_some(date)
}

/// A byte range of the document text that a fact rests on, so an auditor can
/// find the exact words: `text[start..end] == span.text` always holds, in the
/// record's own text, or in the text of the note `note_id` names.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// The id of another note of the same patient the words are quoted
    /// from (a renewal's baseline read in an earlier note); absent when the
    /// span quotes the record's own text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_id: Option<String>,
}

impl Span {
    /// Builds a span over `text[start..end]`; `None` when the range is not on
    /// character boundaries, so an invalid span can never be produced silently.
    pub fn of(text: &str, start: usize, end: usize) -> Option<Span> {
        let slice = text.get(start..end)?;
        Some(Span { start, end, text: slice.to_string(), note_id: None })
    }

    /// This span as quoted from the note `note_id`, for the record of
    /// another note of the same patient.
    pub fn from_note(&self, note_id: &str) -> Span {
        Span { note_id: Some(note_id.to_string()), ..self.clone() }
    }

    /// Whether the span quotes another note than the record's own.
    pub fn is_from_other_note(&self) -> bool {
        self.note_id.is_some()
    }

    /// Whether the span really quotes `text`: the invariant audits rely on
    /// (for a span of another note, `text` is that note's).
    pub fn is_valid_in(&self, text: &str) -> bool {
        text.get(self.start..self.end) == Some(self.text.as_str())
    }
}

/// The input kinds the ingester reads; reported so an auditor knows how the
/// text was obtained (PDF text is extracted, the others are as written).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Text,
    Pdf,
    Csv,
    Jsonl,
    /// A FHIR `DocumentReference` (alone, in a `Bundle`, or a Bulk Data NDJSON line).
    Fhir,
}

/// Where a record's text came from, so an auditor can verify offsets against
/// the same bytes (`sha256` is of the ingested UTF-8 text).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// `None` only when the input kind could not be recognised at all.
    pub format: Option<Format>,
    pub bytes: u64,
    pub sha256: Option<String>,
    /// True when invalid UTF-8 was replaced: offsets refer to the repaired text.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lossy_utf8: bool,
    /// True when some of the text was recognised from page images (a scanned
    /// fax): a reviewer weighs OCR'd words less than typed ones.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ocr: bool,
    /// Mean word confidence of the recognised pages, 0-100, when `ocr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocr_confidence: Option<f64>,
    /// 1-based pages whose text could not be read: the text is partial.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pages_failed: Vec<u32>,
    /// The patient the input names for this note (a CSV/JSONL column, a FHIR
    /// `subject`), so a patient's notes can be read together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient: Option<String>,
    /// The note's date as the input gives it (ISO 8601 where known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// Whether a document could be read; an unreadable one still yields a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Error,
}

/// Why a document could not be read. The message names kinds, ids and
/// offsets only, never note text (notes are protected health information).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordError {
    /// A stable machine-readable kind such as `pdf_unreadable`, `pdf_encrypted`,
    /// `pdf_no_text`, `timeout`, `too_large`, `unsupported_format`, `io`, `empty`.
    pub kind: String,
    pub message: String,
}

/// The outcome of applying a policy to one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Determination {
    MedicallyNecessary,
    NotMedicallyNecessary,
    InsufficientDocumentation,
    NotApplicable,
}

impl Determination {
    /// Every value, in the spec's order, for tables and confusion matrices.
    pub const ALL: [Determination; 4] = [
        Determination::MedicallyNecessary,
        Determination::NotMedicallyNecessary,
        Determination::InsufficientDocumentation,
        Determination::NotApplicable,
    ];

    /// The spec's vocabulary word, as written in records and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Determination::MedicallyNecessary => "medically_necessary",
            Determination::NotMedicallyNecessary => "not_medically_necessary",
            Determination::InsufficientDocumentation => "insufficient_documentation",
            Determination::NotApplicable => "not_applicable",
        }
    }
}

/// Which policy, at which version, decided a record: audits must be able to
/// find the exact rule text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRef {
    pub id: String,
    pub version: String,
}

/// Treatment classes of the spec's vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TreatmentClass {
    TopicalCorticosteroid,
    TopicalCalcineurinInhibitor,
    TopicalPde4Inhibitor,
    TopicalJakInhibitor,
    TopicalAhrAgonist,
    SystemicCorticosteroid,
    SystemicImmunosuppressant,
    OralJakInhibitor,
    Biologic,
    Phototherapy,
    Other,
}

/// Grouped US topical corticosteroid potency classes (the policy's table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Potency {
    Low,
    Medium,
    High,
    SuperHigh,
}

/// What happened with a treatment; one per agent, with failure, intolerance
/// and contraindication outranking `current` (spec conventions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Failed,
    Intolerant,
    Contraindicated,
    Current,
    Planned,
    Mentioned,
}

/// One distinct agent the note names, with the words that show its outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Treatment {
    /// Generic lowercase name without salt or ester words ("triamcinolone").
    pub agent: String,
    pub class: TreatmentClass,
    pub potency: Option<Potency>,
    pub outcome: Outcome,
    /// How long the course lasted, in days, where the note says ("x 8 weeks",
    /// "daily for a month"): payers ask for a minimum trial length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_days: Option<f64>,
    /// When the agent was last used, as precisely as the note says
    /// (`2024-03-15`, `2024-03`, `2024`): payers look back a fixed window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
    /// The note stops the course at its date ("Rinvoq STOPPED today",
    /// "D/C Opzelura at the first injection"): it goes on alongside
    /// nothing the note starts, though it was in use that day.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stopped: bool,
    #[serde(default)]
    pub evidence: Vec<Span>,
}

/// High-impact body sites of the spec's vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Site {
    Face,
    Neck,
    Scalp,
    Hands,
    Feet,
    Genitals,
    Intertriginous,
}

/// Prescriber specialty as the policy's prescriber criterion needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Specialty {
    Dermatology,
    AllergyImmunology,
    Other,
}

/// Current severity measures; `None` when the note does not document one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Measures {
    pub bsa_percent: Option<f64>,
    pub iga: Option<f64>,
    /// Present only when the note writes a scale other than 0-4 (e.g. 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iga_scale: Option<u8>,
    pub itch_nrs: Option<f64>,
    pub easi: Option<f64>,
}

impl Measures {
    /// True when no measure is documented (the record then leaves a
    /// baseline out rather than print four nulls).
    pub fn is_empty(&self) -> bool {
        self.bsa_percent.is_none()
            && self.iga.is_none()
            && self.itch_nrs.is_none()
            && self.easi.is_none()
    }
}

/// How long the patient has been on the drug whose continuation is asked:
/// the renewal policy's `time_on_therapy` reads it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TimeOnTherapy {
    /// The start, as precisely as the note says (`2024-03-15`, `2024-03`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// Days on the drug by the note's date, stated or computed from `start`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<f64>,
}

/// The prescriber's own word on how the patient responded to the drug
/// being continued, when the note gives one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseStatement {
    Improved,
    NotImproved,
}

/// The requested drug's regimen, as the dosing criterion checks it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Dosing {
    pub loading_mg: Option<f64>,
    pub maintenance_mg: Option<f64>,
    pub interval_weeks: Option<f64>,
    /// The interval of a regimen written per day ("15 mg daily" -> 1), as
    /// oral drugs are dosed; set instead of `interval_weeks`, never with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval_days: Option<f64>,
}

impl Dosing {
    /// True when the note gives no part of a regimen.
    pub fn is_empty(&self) -> bool {
        self.loading_mg.is_none()
            && self.maintenance_mg.is_none()
            && self.interval_weeks.is_none()
            && self.interval_days.is_none()
    }

    /// The interval in days, whichever way the note wrote it.
    pub fn interval_in_days(&self) -> Option<f64> {
        self.interval_days.or(self.interval_weeks.map(|weeks| weeks * 7.0))
    }
}

/// Everything extraction found in one note. Values are current facts only:
/// negated, hypothetical, family and historical mentions are left out.
/// Missing fields read as empty, so hand-written gold records stay short.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Facts {
    pub requested_drug: Option<String>,
    pub diagnosis: Option<String>,
    pub age_years: Option<f64>,
    pub weight_kg: Option<f64>,
    pub measures: Measures,
    pub high_impact_sites: Vec<Site>,
    pub treatments: Vec<Treatment>,
    /// True only when the note says flares recur or continue now.
    pub persistent_flares: bool,
    /// True when the note states that no prescription topical therapy was
    /// ever tried: the policy's `topical_failure` is then `not_met`, not merely
    /// undocumented.
    pub no_prescription_topicals: bool,
    /// Classes of advanced drug (biologic, oral JAK inhibitor) the note says
    /// the patient takes none of, now or alongside the request ("no other
    /// biologic or JAK inhibitor", a combination question answered No): a
    /// drug of such a class named with no status then goes on with nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub no_concurrent_classes: Vec<TreatmentClass>,
    /// Agents the note says the patient never tried (a form's question
    /// naming them answered No: "tried a preferred product (Adbry, Ebglyss
    /// ...)?  [X] N"): a step-therapy criterion is then `not_met`, not
    /// merely undocumented.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub never_tried: Vec<String>,
    pub dosing: Dosing,
    pub prescriber_specialty: Option<Specialty>,
    /// Values documented at or before the start of the drug being continued
    /// ("baseline EASI 28"): a renewal judges response against them.
    #[serde(skip_serializing_if = "Measures::is_empty")]
    pub measures_baseline: Measures,
    /// Generic name of the drug whose continuation (renewal) is asked, or null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_of: Option<String>,
    /// Start or duration of the course being continued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_on_therapy: Option<TimeOnTherapy>,
    /// The prescriber's statement of response to the continued drug.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseStatement>,
    /// The date of the visit or letter (ISO 8601), as the note states it;
    /// when the text states none, the date the input gives the note
    /// (`source.date`, a date column), which has no evidence span.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note_date: Option<String>,
    /// What a reviewer must check before trusting these facts (values that
    /// disagree, a fact resting only on uncertain or copied-forward text):
    /// any caveat keeps a record from automatic approval.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub caveats: Vec<Caveat>,
    /// Evidence for the scalar facts, keyed by field path: `requested_drug`,
    /// `diagnosis`, `age_years`, `weight_kg`, `measures.bsa_percent`,
    /// `measures.iga`, `measures.itch_nrs`, `measures.easi`,
    /// `high_impact_sites.<site>`, `persistent_flares`,
    /// `no_prescription_topicals`, `no_concurrent_classes.<class>`,
    /// `never_tried.<agent>`, `dosing`,
    /// `prescriber_specialty`, and for
    /// renewals `measures_baseline.<measure>`, `continuation_of`,
    /// `time_on_therapy`, `response`, `note_date`. Treatments carry their own evidence.
    #[serde(default)]
    pub evidence: BTreeMap<String, Vec<Span>>,
}

/// A criterion's outcome: the spec's three-valued vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionStatus {
    Met,
    NotMet,
    NotDocumented,
}

/// One policy criterion as a reviewer reads it: outcome, reason, evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    pub id: String,
    pub required: bool,
    pub status: CriterionStatus,
    pub reason: String,
    pub evidence: Vec<Span>,
}

/// Whether a machine may act on a record: only a clinician may deny, so the
/// tool approves what is clearly met and pends everything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    Approve,
    Pend,
}

impl Route {
    /// The vocabulary word, as written in records and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Approve => "approve",
            Route::Pend => "pend",
        }
    }
}

/// Why a record pends (or a fact carries a caveat): a closed vocabulary, so
/// a queue can be sorted and counted by reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PendKind {
    /// A required criterion is not met: a clinician must decide.
    CriterionNotMet,
    /// A required criterion is not documented: ask the prescriber.
    NotDocumented,
    /// No selected policy covers the note's request.
    NotApplicable,
    /// The document could not be read at all.
    Unreadable,
    /// Two current values of one measure disagree.
    MeasureConflict,
    /// A measure lies outside its scale.
    MeasureOutOfScale,
    /// The requested drug is also declined, stopped or held in the note.
    RequestConflict,
    /// A form's fields and its narrative request different drugs.
    RequestMismatch,
    /// The drug is asked for another of its indications.
    OtherIndication,
    /// The diagnosis is uncertain ("vs", "rule out", a differential).
    DiagnosisUncertain,
    /// A required criterion rests only on a mention the context engine was unsure of.
    UncertainEvidence,
    /// A required criterion rests only on copied-forward (prior-visit) text.
    CopiedForwardEvidence,
    /// Part of the text is missing or unreliable (failed page, weak OCR, empty form, cut short).
    PartialText,
    /// The regimen is outside the label for the patient's age.
    DosingOutsideLabel,
    /// The weight a child's dose depends on is missing.
    WeightMissing,
    /// A drug the policy excludes alongside (another biologic, an oral JAK
    /// inhibitor) is named with no status: whether it continues is unclear.
    ConcurrentUnclear,
}

/// One reason a record pends, with the words it rests on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendReason {
    pub kind: PendKind,
    /// The criterion the reason is about, when it is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criterion: Option<String>,
    /// What a reviewer reads: names values and criteria, never quotes beyond evidence.
    pub message: String,
    #[serde(default)]
    pub evidence: Vec<Span>,
}

/// A warning extraction attaches to facts it found but cannot vouch for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Caveat {
    pub kind: PendKind,
    /// The fact it is about, as a key of [`Facts::evidence`] (`measures.bsa_percent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
    #[serde(default)]
    pub evidence: Vec<Span>,
}

/// How long an approval lasts under the deciding policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Authorization {
    pub months: u32,
}

/// Which rule set decided a record, so an auditor can tell and a rerun can
/// be checked byte for byte.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// `necessity` and its version.
    pub tool: String,
    /// SHA-256 of the deciding policy's file, when a policy applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_sha256: Option<String>,
    /// SHA-256 over the lexicon files the facts were read with.
    pub lexicons_sha256: String,
}

/// One output line of `necessity run`: exactly one per input document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    pub status: Status,
    pub error: Option<RecordError>,
    pub source: Source,
    pub determination: Option<Determination>,
    pub policy: Option<PolicyRef>,
    pub facts: Option<Facts>,
    #[serde(default)]
    pub criteria: Vec<Criterion>,
    /// Whether a machine may act on the determination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<Route>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pend_reasons: Vec<PendReason>,
    /// The approval length the deciding policy grants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<Authorization>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

impl Record {
    /// A record for a document that could not be read, so nothing is dropped.
    /// It pends with an `unreadable` reason: a reviewer's queue must hold
    /// every document no machine could decide, and only its kind is named.
    pub fn error(id: String, source: Source, kind: &str, message: String) -> Record {
        let unreadable = PendReason {
            kind: PendKind::Unreadable,
            criterion: None,
            message: format!("the document could not be read ({kind}): ask for a readable copy"),
            evidence: Vec::new(),
        };
        Record {
            id,
            status: Status::Error,
            error: Some(RecordError { kind: kind.to_string(), message }),
            source,
            determination: None,
            policy: None,
            facts: None,
            criteria: Vec::new(),
            route: Some(Route::Pend),
            pend_reasons: vec![unreadable],
            authorization: None,
            provenance: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_records_pend_as_unreadable_naming_only_the_kind() {
        let record = Record::error("a.pdf".into(), Source::default(), "pdf_encrypted", "x".into());
        assert_eq!(record.route, Some(Route::Pend));
        let [reason] = &record.pend_reasons[..] else { panic!("one reason") };
        assert_eq!(reason.kind, PendKind::Unreadable);
        assert!(reason.message.contains("(pdf_encrypted)"), "{}", reason.message);
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["route"], "pend");
        assert_eq!(json["pend_reasons"][0]["kind"], "unreadable");
    }

    #[test]
    fn sha256_hex_is_sha256sum_output() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn span_of_rejects_non_boundaries() {
        let text = "é BSA 10%";
        assert!(Span::of(text, 1, 3).is_none());
        let span = Span::of(text, 3, 6).unwrap();
        assert_eq!(span.text, "BSA");
        assert!(span.is_valid_in(text));
    }

    #[test]
    fn a_span_of_another_note_names_it_and_only_then() {
        let own = Span::of("BSA 30%", 0, 3).unwrap();
        assert_eq!(serde_json::to_value(&own).unwrap().get("note_id"), None);
        let earlier = own.from_note("notes.csv#1");
        assert!(earlier.is_from_other_note() && !own.is_from_other_note());
        let json = serde_json::to_value(&earlier).unwrap();
        assert_eq!(json["note_id"], "notes.csv#1");
        assert_eq!(serde_json::from_value::<Span>(json).unwrap(), earlier);
    }

    #[test]
    fn record_round_trips_with_spec_names() {
        let mut facts = Facts { requested_drug: Some("dupilumab".into()), ..Facts::default() };
        facts.treatments.push(Treatment {
            agent: "tacrolimus".into(),
            class: TreatmentClass::TopicalCalcineurinInhibitor,
            potency: None,
            outcome: Outcome::Failed,
            duration_days: None,
            last_used: None,
            stopped: false,
            evidence: vec![],
        });
        facts.high_impact_sites.push(Site::Hands);
        let record = Record {
            id: "a.txt".into(),
            status: Status::Ok,
            error: None,
            source: Source { format: Some(Format::Text), bytes: 3, ..Source::default() },
            determination: Some(Determination::InsufficientDocumentation),
            policy: None,
            facts: Some(facts),
            criteria: vec![Criterion {
                id: "severity".into(),
                required: true,
                status: CriterionStatus::NotDocumented,
                reason: "no BSA, IGA, EASI or site".into(),
                evidence: vec![],
            }],
            route: None,
            pend_reasons: Vec::new(),
            authorization: None,
            provenance: None,
        };
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["determination"], "insufficient_documentation");
        assert_eq!(json["facts"]["treatments"][0]["class"], "topical_calcineurin_inhibitor");
        assert_eq!(json["facts"]["high_impact_sites"][0], "hands");
        assert_eq!(json["criteria"][0]["status"], "not_documented");
        assert_eq!(json["source"]["format"], "text");
        let back: Record = serde_json::from_value(json).unwrap();
        assert_eq!(back, record);
    }
}
