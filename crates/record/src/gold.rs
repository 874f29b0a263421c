//! Gold records and the field-by-field comparison of facts against them.
//!
//! The corpus test of extraction and `necessity eval` both compare with this
//! one routine, so "field X is right" means the same thing everywhere.

use crate::jsonl::{parse_line, LineError};
use crate::{Determination, Facts};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Why gold could not be read: the file and line, never note text.
#[derive(Debug)]
pub enum GoldError {
    Io(PathBuf, std::io::Error),
    /// A line that is not a gold record: its line and field, never its value.
    Line(PathBuf, LineError),
}

impl std::fmt::Display for GoldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GoldError::Io(path, e) => write!(f, "{}: {e}", path.display()),
            GoldError::Line(path, e) => write!(f, "{}: {e}", path.display()),
        }
    }
}

impl std::error::Error for GoldError {}

/// Reads gold records from a JSONL file, or from every `*.jsonl` file of a
/// directory in name order, so several authors can keep their own files.
pub fn read_gold(path: &Path) -> Result<Vec<GoldRecord>, GoldError> {
    let io = |e| GoldError::Io(path.to_path_buf(), e);
    let files = if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(io)?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    };
    let mut records = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| GoldError::Io(file.clone(), e))?;
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let record = parse_line(line.as_bytes(), index + 1)
                .map_err(|e| GoldError::Line(file.clone(), e))?;
            records.push(record);
        }
    }
    Ok(records)
}

/// A hand-written expected record: one line of `corpus/gold.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoldRecord {
    pub id: String,
    pub determination: Option<Determination>,
    #[serde(default)]
    pub facts: Facts,
    /// Why the note is in the corpus (the trap it sets), for people reading it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The fields compared, in report order. `treatments` is compared as a whole
/// (agent, class, potency, outcome of every agent) and also per agent.
pub const FACT_FIELDS: [&str; 14] = [
    "requested_drug",
    "diagnosis",
    "age_years",
    "weight_kg",
    "measures.bsa_percent",
    "measures.iga",
    "measures.itch_nrs",
    "measures.easi",
    "high_impact_sites",
    "treatments",
    "persistent_flares",
    "no_prescription_topicals",
    "dosing",
    "prescriber_specialty",
];

/// One field's value in a canonical, comparable, printable form: numbers
/// rounded to two decimals, sets sorted, evidence left out.
pub fn field_value(facts: &Facts, field: &str) -> String {
    let number = |v: Option<f64>| v.map_or("null".to_string(), |v| format!("{:.2}", v));
    let m = &facts.measures;
    match field {
        "requested_drug" => word(&facts.requested_drug),
        "diagnosis" => word(&facts.diagnosis),
        "age_years" => number(facts.age_years),
        "weight_kg" => number(facts.weight_kg),
        "measures.bsa_percent" => number(m.bsa_percent),
        "measures.iga" => {
            let scale = m.iga_scale.map(|s| format!(" (scale {s})")).unwrap_or_default();
            format!("{}{scale}", number(m.iga))
        }
        "measures.itch_nrs" => number(m.itch_nrs),
        "measures.easi" => number(m.easi),
        "high_impact_sites" => {
            let mut sites: Vec<String> = facts.high_impact_sites.iter().map(word).collect();
            sites.sort();
            sites.dedup();
            format!("[{}]", sites.join(","))
        }
        "treatments" => {
            let mut rows: Vec<String> = facts.treatments.iter().map(treatment_value).collect();
            rows.sort();
            format!("[{}]", rows.join("; "))
        }
        "persistent_flares" => facts.persistent_flares.to_string(),
        "no_prescription_topicals" => facts.no_prescription_topicals.to_string(),
        "dosing" => {
            let d = &facts.dosing;
            format!(
                "loading {} / maintenance {} / every {} weeks",
                number(d.loading_mg),
                number(d.maintenance_mg),
                number(d.interval_weeks)
            )
        }
        "prescriber_specialty" => word(&facts.prescriber_specialty),
        _ => String::new(),
    }
}

/// A vocabulary value as its JSON word (`"failed"`, `null`).
fn word<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn treatment_value(t: &crate::Treatment) -> String {
    format!("{} {} {} {}", t.agent, word(&t.class), word(&t.potency), word(&t.outcome))
}

/// A field on which found facts differ from gold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldDifference {
    pub field: &'static str,
    pub expected: String,
    pub found: String,
}

/// Every field on which `found` differs from `expected`, in [`FACT_FIELDS`] order.
pub fn compare_facts(expected: &Facts, found: &Facts) -> Vec<FieldDifference> {
    FACT_FIELDS
        .iter()
        .filter_map(|&field| {
            let (e, f) = (field_value(expected, field), field_value(found, field));
            (e != f).then_some(FieldDifference { field, expected: e, found: f })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gold_reads_short_records_and_compares() {
        let gold: GoldRecord = serde_json::from_str(
            r#"{"id":"a.txt","determination":"not_applicable",
                "facts":{"age_years":34,"measures":{"bsa_percent":10},
                "treatments":[{"agent":"tacrolimus","class":"topical_calcineurin_inhibitor",
                               "potency":null,"outcome":"failed"}]}}"#,
        )
        .unwrap();
        let mut found = gold.facts.clone();
        assert!(compare_facts(&gold.facts, &found).is_empty());
        found.age_years = Some(34.004);
        assert!(compare_facts(&gold.facts, &found).is_empty(), "two decimals");
        found.measures.bsa_percent = Some(15.0);
        found.treatments.clear();
        let diffs = compare_facts(&gold.facts, &found);
        let fields: Vec<_> = diffs.iter().map(|d| d.field).collect();
        assert_eq!(fields, ["measures.bsa_percent", "treatments"]);
        assert_eq!(diffs[0].expected, "10.00");
    }
}
