//! The case record of `../shared/spec/case-record.md` as Rust types.
//!
//! Every crate of the pipeline speaks these types, so the field names and
//! vocabularies of the spec live in exactly one place. Serialising a [`Record`]
//! yields the spec's JSON; deserialising one reads it back (the audit and
//! evaluation commands depend on that round trip).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub mod gold;

/// A byte range of the document text that a fact rests on, so an auditor can
/// find the exact words: `text[start..end] == span.text` always holds.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

impl Span {
    /// Builds a span over `text[start..end]`; `None` when the range is not on
    /// character boundaries, so an invalid span can never be produced silently.
    pub fn of(text: &str, start: usize, end: usize) -> Option<Span> {
        let slice = text.get(start..end)?;
        Some(Span { start, end, text: slice.to_string() })
    }

    /// Whether the span really quotes `text`: the invariant audits rely on.
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
}

/// Where a record's text came from, so an auditor can verify offsets against
/// the same bytes (`sha256` is of the ingested UTF-8 text).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// `None` only when the input kind could not be recognised at all.
    pub format: Option<Format>,
    pub bytes: u64,
    pub sha256: Option<String>,
    /// True when invalid UTF-8 was replaced: offsets refer to the repaired text.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lossy_utf8: bool,
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

/// The requested drug's regimen, as the dosing criterion checks it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Dosing {
    pub loading_mg: Option<f64>,
    pub maintenance_mg: Option<f64>,
    pub interval_weeks: Option<f64>,
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
    pub dosing: Dosing,
    pub prescriber_specialty: Option<Specialty>,
    /// Evidence for the scalar facts, keyed by field path: `requested_drug`,
    /// `diagnosis`, `age_years`, `weight_kg`, `measures.bsa_percent`,
    /// `measures.iga`, `measures.itch_nrs`, `measures.easi`,
    /// `high_impact_sites.<site>`, `persistent_flares`,
    /// `no_prescription_topicals`, `dosing`, `prescriber_specialty`. Treatments carry their own evidence.
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
}

impl Record {
    /// A record for a document that could not be read, so nothing is dropped.
    pub fn error(id: String, source: Source, kind: &str, message: String) -> Record {
        Record {
            id,
            status: Status::Error,
            error: Some(RecordError { kind: kind.to_string(), message }),
            source,
            determination: None,
            policy: None,
            facts: None,
            criteria: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_of_rejects_non_boundaries() {
        let text = "é BSA 10%";
        assert!(Span::of(text, 1, 3).is_none());
        let span = Span::of(text, 3, 6).unwrap();
        assert_eq!(span.text, "BSA");
        assert!(span.is_valid_in(text));
    }

    #[test]
    fn record_round_trips_with_spec_names() {
        let mut facts = Facts { requested_drug: Some("dupilumab".into()), ..Facts::default() };
        facts.treatments.push(Treatment {
            agent: "tacrolimus".into(),
            class: TreatmentClass::TopicalCalcineurinInhibitor,
            potency: None,
            outcome: Outcome::Failed,
            evidence: vec![],
        });
        facts.high_impact_sites.push(Site::Hands);
        let record = Record {
            id: "a.txt".into(),
            status: Status::Ok,
            error: None,
            source: Source {
                format: Some(Format::Text),
                bytes: 3,
                sha256: None,
                lossy_utf8: false,
            },
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
