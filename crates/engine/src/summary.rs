//! A record's main fields, typed and flat: one row of a spreadsheet summary
//! (`necessity run --format csv`) or of an Arrow batch (the Python
//! package's `decide_arrow`), so both show the same columns.

use necessity_record::{Record, Status};
use serde::Serialize;

/// The summary's columns, in order.
/// `route` comes last, so the columns before it keep their places.
pub const SUMMARY_COLUMNS: [&str; 15] = [
    "id",
    "status",
    "error_kind",
    "determination",
    "requested_drug",
    "diagnosis",
    "age_years",
    "bsa_percent",
    "iga",
    "itch_nrs",
    "easi",
    "sites",
    "treatments",
    "persistent_flares",
    "route",
];

/// The main fields of one record, borrowed from it. Fact fields are `None`
/// on an error record (it has no facts); on a decided one they are `None`
/// only when the note does not document them.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary<'r> {
    /// The record's id.
    pub id: &'r str,
    /// `ok` or `error`.
    pub status: &'static str,
    /// The error's kind (`empty`, `pdf_no_text`, ...) on an error record.
    pub error_kind: Option<&'r str>,
    /// The determination's word (`medically_necessary`, ...).
    pub determination: Option<&'static str>,
    /// The requested drug's generic name.
    pub requested_drug: Option<&'r str>,
    /// The diagnosis (`atopic_dermatitis`, ...).
    pub diagnosis: Option<&'r str>,
    /// Age in years.
    pub age_years: Option<f64>,
    /// Current body surface area affected, percent.
    pub bsa_percent: Option<f64>,
    /// Current IGA score.
    pub iga: Option<f64>,
    /// Current peak itch NRS.
    pub itch_nrs: Option<f64>,
    /// Current EASI score.
    pub easi: Option<f64>,
    /// High-impact sites joined by `;` (empty when none).
    pub sites: Option<String>,
    /// How many treatments the note names.
    pub treatments: Option<u64>,
    /// Whether the note says flares recur or continue now.
    pub persistent_flares: Option<bool>,
    /// `approve` or `pend`: whether a machine may act on the record.
    pub route: Option<&'static str>,
}

impl<'r> Summary<'r> {
    /// The summary of `record`.
    pub fn of(record: &'r Record) -> Summary<'r> {
        let facts = record.facts.as_ref();
        let measures = facts.map(|facts| &facts.measures);
        Summary {
            id: &record.id,
            status: match record.status {
                Status::Ok => "ok",
                Status::Error => "error",
            },
            error_kind: record.error.as_ref().map(|error| error.kind.as_str()),
            determination: record.determination.map(|d| d.as_str()),
            requested_drug: facts.and_then(|facts| facts.requested_drug.as_deref()),
            diagnosis: facts.and_then(|facts| facts.diagnosis.as_deref()),
            age_years: facts.and_then(|facts| facts.age_years),
            bsa_percent: measures.and_then(|m| m.bsa_percent),
            iga: measures.and_then(|m| m.iga),
            itch_nrs: measures.and_then(|m| m.itch_nrs),
            easi: measures.and_then(|m| m.easi),
            sites: facts.map(|facts| {
                let names: Vec<String> = facts.high_impact_sites.iter().map(word).collect();
                names.join(";")
            }),
            treatments: facts.map(|facts| facts.treatments.len() as u64),
            persistent_flares: facts.map(|facts| facts.persistent_flares),
            route: record.route.map(|route| route.as_str()),
        }
    }

    /// The summary as text cells in [`SUMMARY_COLUMNS`] order; absent values are empty.
    pub fn cells(&self) -> [String; 15] {
        let text = |value: Option<&str>| value.unwrap_or_default().to_string();
        let number = |value: Option<f64>| value.map(|v| v.to_string()).unwrap_or_default();
        [
            self.id.to_string(),
            self.status.to_string(),
            text(self.error_kind),
            text(self.determination),
            text(self.requested_drug),
            text(self.diagnosis),
            number(self.age_years),
            number(self.bsa_percent),
            number(self.iga),
            number(self.itch_nrs),
            number(self.easi),
            self.sites.clone().unwrap_or_default(),
            self.treatments.map(|n| n.to_string()).unwrap_or_default(),
            self.persistent_flares.map(|b| b.to_string()).unwrap_or_default(),
            text(self.route),
        ]
    }
}

/// A vocabulary value as the record writes it (`hands`).
fn word<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
