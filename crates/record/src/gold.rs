//! Gold records and the field-by-field comparison of facts against them.
//!
//! The corpus test of extraction and `necessity eval` both compare with this
//! one routine, so "field X is right" means the same thing everywhere.

use crate::jsonl::{parse_line, LineError};
use crate::{Determination, Facts, Record, Route};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
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
#[serde(try_from = "RawGold")]
pub struct GoldRecord {
    pub id: String,
    pub determination: Option<Determination>,
    #[serde(default)]
    pub facts: Facts,
    /// The policy the determination is for, as `--policy` names it (a
    /// built-in name, a bundle or a file); `None`: the run's own selection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Why the note is in the corpus (the trap it sets), for people reading it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The fact fields this record is scored on, in report order: every
    /// [`FACT_FIELDS`] field when it has `facts` at all (a record without
    /// them is scored on its determination only), and the fields of
    /// [`STATED_FIELDS`] it states (gold written before them leaves them out).
    #[serde(skip)]
    pub scored: Vec<&'static str>,
}

/// A gold line as written, its facts kept as JSON to see which keys it states.
#[derive(Deserialize)]
struct RawGold {
    id: String,
    determination: Option<Determination>,
    facts: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    policy: Option<String>,
    #[serde(default)]
    comment: Option<String>,
}

impl TryFrom<RawGold> for GoldRecord {
    type Error = serde_json::Error;

    fn try_from(raw: RawGold) -> Result<GoldRecord, serde_json::Error> {
        let scored = match &raw.facts {
            None => Vec::new(),
            Some(facts) => FACT_FIELDS
                .into_iter()
                .chain(STATED_FIELDS.into_iter().filter(|field| states(facts, field)))
                .collect(),
        };
        let facts = raw.facts.unwrap_or_default();
        Ok(GoldRecord {
            id: raw.id,
            determination: raw.determination,
            facts: serde_json::from_value(serde_json::Value::Object(facts))?,
            policy: raw.policy,
            comment: raw.comment,
            scored,
        })
    }
}

/// Whether gold facts written as `facts` state `field` of [`STATED_FIELDS`].
fn states(facts: &serde_json::Map<String, serde_json::Value>, field: &str) -> bool {
    if field == "treatment_trials" {
        let treatments = facts.get("treatments").and_then(|t| t.as_array());
        return treatments
            .into_iter()
            .flatten()
            .any(|t| t.get("duration_days").is_some() || t.get("last_used").is_some());
    }
    let top = field.split('.').next().unwrap_or(field);
    facts.contains_key(top)
}

/// The policy selections a gold set is decided under, each once: `None`
/// (the run's own selection) first when a record names no policy, then each
/// policy gold records name.
pub fn policy_selections(gold: &[GoldRecord]) -> Vec<Option<&str>> {
    let mut selections = Vec::new();
    if gold.is_empty() || gold.iter().any(|g| g.policy.is_none()) {
        selections.push(None);
    }
    for policy in gold.iter().filter_map(|g| g.policy.as_deref()) {
        if !selections.contains(&Some(policy)) {
            selections.push(Some(policy));
        }
    }
    selections
}

/// Whether the record of `id` is to be taken from the run under `selection`:
/// the one its gold names, or the run's own when it has no gold or names none.
pub fn decided_under(gold: &[GoldRecord], id: &str, selection: Option<&str>) -> bool {
    let named = gold.iter().find(|g| g.id == id).and_then(|g| g.policy.as_deref());
    named == selection
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

/// Fields of facts added after the first gold was written (renewals,
/// trial times): compared only where a gold record states them.
pub const STATED_FIELDS: [&str; 10] = [
    "measures_baseline.bsa_percent",
    "measures_baseline.iga",
    "measures_baseline.itch_nrs",
    "measures_baseline.easi",
    "continuation_of",
    "time_on_therapy",
    "response",
    "note_date",
    "treatment_trials",
    "never_tried",
];

/// One field's value in a canonical, comparable, printable form: numbers
/// rounded to two decimals, sets sorted, evidence left out.
pub fn field_value(facts: &Facts, field: &str) -> String {
    let number = |v: Option<f64>| v.map_or("null".to_string(), |v| format!("{:.2}", v));
    let m = &facts.measures;
    let b = &facts.measures_baseline;
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
        "never_tried" => {
            let mut agents = facts.never_tried.clone();
            agents.sort();
            agents.dedup();
            format!("[{}]", agents.join(","))
        }
        "dosing" => {
            let d = &facts.dosing;
            let interval = match d.interval_days {
                Some(days) => format!("every {} days", number(Some(days))),
                None => format!("every {} weeks", number(d.interval_weeks)),
            };
            format!(
                "loading {} / maintenance {} / {interval}",
                number(d.loading_mg),
                number(d.maintenance_mg),
            )
        }
        "prescriber_specialty" => word(&facts.prescriber_specialty),
        "measures_baseline.bsa_percent" => number(b.bsa_percent),
        "measures_baseline.iga" => number(b.iga),
        "measures_baseline.itch_nrs" => number(b.itch_nrs),
        "measures_baseline.easi" => number(b.easi),
        "continuation_of" => word(&facts.continuation_of),
        "time_on_therapy" => match &facts.time_on_therapy {
            Some(t) => format!(
                "since {} / {} days",
                word(&t.start),
                t.days.map_or("null".to_string(), |d| format!("{d:.0}"))
            ),
            None => "null".to_string(),
        },
        "response" => word(&facts.response),
        "note_date" => word(&facts.note_date),
        _ => String::new(),
    }
}

/// Each treatment's trial length and last use, for the agents `agents` names.
fn trials_value(facts: &Facts, agents: &[&str]) -> String {
    let mut rows: Vec<String> = agents
        .iter()
        .map(|agent| match facts.treatments.iter().find(|t| t.agent == *agent) {
            Some(t) => format!(
                "{agent} {} days, last used {}",
                t.duration_days.map_or("null".to_string(), |d| format!("{d:.0}")),
                word(&t.last_used)
            ),
            None => format!("{agent} not found"),
        })
        .collect();
    rows.sort();
    format!("[{}]", rows.join("; "))
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
    FACT_FIELDS.iter().filter_map(|&field| difference(field, expected, found)).collect()
}

/// Every field a gold record is scored on ([`GoldRecord::scored`]) on
/// which `found` differs from it: the one comparison of the corpus tests and
/// `necessity eval`.
pub fn compare_gold(gold: &GoldRecord, found: &Facts) -> Vec<FieldDifference> {
    gold.scored.iter().filter_map(|field| difference(field, &gold.facts, found)).collect()
}

fn difference(field: &'static str, expected: &Facts, found: &Facts) -> Option<FieldDifference> {
    let (e, f) = if field == "treatment_trials" {
        let agents: Vec<&str> = expected.treatments.iter().map(|t| t.agent.as_str()).collect();
        (trials_value(expected, &agents), trials_value(found, &agents))
    } else {
        (field_value(expected, field), field_value(found, field))
    };
    let same = e == f || (field == "time_on_therapy" && same_time_on_therapy(expected, found));
    (!same).then_some(FieldDifference { field, expected: e, found: f })
}

/// How far a time on therapy's days may be from gold's and still agree:
/// the gold conventions compare it with a 10 % tolerance (a month counted
/// as 30 days or by the calendar, a start read to its first day).
const TIME_ON_THERAPY_TOLERANCE: f64 = 0.10;

/// Whether two times on therapy agree: the same start as written, and
/// days within the tolerance of gold's (or both unknown).
fn same_time_on_therapy(expected: &Facts, found: &Facts) -> bool {
    match (&expected.time_on_therapy, &found.time_on_therapy) {
        (Some(e), Some(f)) => {
            let days = match (e.days, f.days) {
                (Some(e), Some(f)) => (e - f).abs() <= TIME_ON_THERAPY_TOLERANCE * e.abs(),
                (e, f) => e == f,
            };
            e.start == f.start && days
        }
        (e, f) => e == f,
    }
}

/// How routing fares against gold. The tool is worth what it approves
/// correctly: an approval of a case gold does not call medically necessary
/// is the one mistake no reviewer catches, so it must never happen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteScore {
    /// Gold cases that are `medically_necessary`.
    pub gold_necessary: usize,
    /// Of those, the ones whose record approves: coverage's numerator.
    pub gold_necessary_approved: usize,
    /// Ids of approved records whose gold is not `medically_necessary`.
    pub wrong_approvals: Vec<String>,
    pub approved: usize,
    /// Approved records whose determination equals gold's.
    pub approved_correct: usize,
    pub pended: usize,
    /// Pended records whose determination equals gold's (error records never do).
    pub pended_correct: usize,
    /// Gold cases with no record, or a record without a route.
    pub unrouted: usize,
}

/// Scores the routes of `records` against `gold`, case by case; when an id
/// has several records the first counts, as in `eval`.
pub fn score_routes(gold: &[GoldRecord], records: &[Record]) -> RouteScore {
    let mut by_id: HashMap<&str, &Record> = HashMap::new();
    for record in records {
        by_id.entry(record.id.as_str()).or_insert(record);
    }
    let mut score = RouteScore::default();
    for case in gold {
        let necessary = case.determination == Some(Determination::MedicallyNecessary);
        score.gold_necessary += usize::from(necessary);
        let Some(record) = by_id.get(case.id.as_str()) else {
            score.unrouted += 1;
            continue;
        };
        let correct = usize::from(record.determination == case.determination);
        match record.route {
            Some(Route::Approve) => {
                score.approved += 1;
                score.approved_correct += correct;
                score.gold_necessary_approved += usize::from(necessary);
                if !necessary {
                    score.wrong_approvals.push(case.id.clone());
                }
            }
            Some(Route::Pend) => {
                score.pended += 1;
                score.pended_correct += correct;
            }
            None => score.unrouted += 1,
        }
    }
    score
}

impl RouteScore {
    /// The share of gold-necessary cases approved; `None` without any.
    pub fn coverage(&self) -> Option<f64> {
        share(self.gold_necessary_approved, self.gold_necessary)
    }

    /// Determination accuracy among approved records.
    pub fn approved_accuracy(&self) -> Option<f64> {
        share(self.approved_correct, self.approved)
    }

    /// Determination accuracy among pended records.
    pub fn pended_accuracy(&self) -> Option<f64> {
        share(self.pended_correct, self.pended)
    }
}

fn share(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The route section of an evaluation report, in Markdown.
impl fmt::Display for RouteScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ratio = |part: usize, whole: usize, value: Option<f64>| match value {
            Some(v) => format!("{part}/{whole} | {:.1}%", 100.0 * v),
            None => format!("{part}/{whole} | -"),
        };
        writeln!(f, "## Route against gold\n")?;
        writeln!(f, "| measure | count | share |\n|---|---:|---:|")?;
        writeln!(
            f,
            "| approved, gold not medically_necessary (must be 0) | {} | |",
            self.wrong_approvals.len()
        )?;
        let coverage = ratio(self.gold_necessary_approved, self.gold_necessary, self.coverage());
        writeln!(f, "| coverage: gold medically_necessary approved | {coverage} |")?;
        let approved = ratio(self.approved_correct, self.approved, self.approved_accuracy());
        writeln!(f, "| determination right among approved | {approved} |")?;
        let pended = ratio(self.pended_correct, self.pended, self.pended_accuracy());
        writeln!(f, "| determination right among pended | {pended} |")?;
        if self.unrouted > 0 {
            writeln!(f, "| gold cases without a routed record | {} | |", self.unrouted)?;
        }
        for id in &self.wrong_approvals {
            writeln!(f, "\n- wrong approval: `{id}`")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Source, Status};

    fn gold_of(id: &str, determination: Determination) -> GoldRecord {
        GoldRecord {
            id: id.into(),
            determination: Some(determination),
            facts: Facts::default(),
            policy: None,
            comment: None,
            scored: Vec::new(),
        }
    }

    fn routed(id: &str, determination: Determination, route: Route) -> Record {
        let mut record = Record::error(id.into(), Source::default(), "x", String::new());
        record.status = Status::Ok;
        record.error = None;
        record.determination = Some(determination);
        record.route = Some(route);
        record
    }

    #[test]
    fn route_scores_count_wrong_approvals_coverage_and_accuracy_by_route() {
        use Determination::*;
        let gold = [
            gold_of("a", MedicallyNecessary),
            gold_of("b", MedicallyNecessary),
            gold_of("c", MedicallyNecessary),
            gold_of("d", InsufficientDocumentation),
            gold_of("e", NotMedicallyNecessary),
            gold_of("f", NotApplicable),
        ];
        let records = [
            routed("a", MedicallyNecessary, Route::Approve),
            routed("a", NotApplicable, Route::Pend),
            routed("b", MedicallyNecessary, Route::Pend),
            routed("d", MedicallyNecessary, Route::Approve),
            routed("e", NotMedicallyNecessary, Route::Pend),
            Record::error("f".into(), Source::default(), "pdf_unreadable", String::new()),
        ];
        let score = score_routes(&gold, &records);
        assert_eq!(score.wrong_approvals, ["d"]);
        assert_eq!(
            (score.gold_necessary_approved, score.gold_necessary),
            (1, 3),
            "c has no record"
        );
        assert_eq!((score.approved_correct, score.approved), (1, 2));
        assert_eq!((score.pended_correct, score.pended), (2, 3), "the error record is never right");
        assert_eq!(score.unrouted, 1);
        assert_eq!(score.coverage(), Some(1.0 / 3.0));
        let report = score.to_string();
        assert!(report.contains("| approved, gold not medically_necessary (must be 0) | 1 | |"));
        assert!(report.contains("| coverage: gold medically_necessary approved | 1/3 | 33.3% |"));
        assert!(report.contains("- wrong approval: `d`"), "{report}");
        assert_eq!(score_routes(&[], &[]).coverage(), None);
    }

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

    fn gold(line: &str) -> GoldRecord {
        serde_json::from_str(line).unwrap()
    }

    #[test]
    fn new_fields_are_compared_only_where_gold_states_them() {
        let old =
            gold(r#"{"id":"a","determination":"medically_necessary","facts":{"age_years":34}}"#);
        assert_eq!((old.scored.len(), old.policy.as_deref()), (FACT_FIELDS.len(), None));
        let mut found = old.facts.clone();
        found.continuation_of = Some("dupilumab".into());
        found.note_date = Some("2026-01-02".into());
        assert!(compare_gold(&old, &found).is_empty(), "old gold says nothing of them");
        let renewal = gold(
            r#"{"id":"b","determination":"medically_necessary","policy":"cigna-dupixent-atopic-dermatitis",
                "facts":{"continuation_of":"dupilumab","measures_baseline":{"easi":28},
                "time_on_therapy":{"start":"2025-09","days":168},"response":"improved",
                "treatments":[{"agent":"tacrolimus","class":"topical_calcineurin_inhibitor",
                               "potency":null,"outcome":"failed","duration_days":56}]}}"#,
        );
        assert_eq!(renewal.policy.as_deref(), Some("cigna-dupixent-atopic-dermatitis"));
        let stated: Vec<&str> = STATED_FIELDS
            .into_iter()
            .filter(|f| !["note_date", "never_tried"].contains(f))
            .collect();
        assert_eq!(renewal.scored[FACT_FIELDS.len()..], stated, "all it states");
        let mut found = renewal.facts.clone();
        assert!(compare_gold(&renewal, &found).is_empty());
        found.measures_baseline.easi = None;
        found.time_on_therapy.as_mut().unwrap().days = Some(100.0);
        found.treatments[0].duration_days = Some(28.0);
        let diffs = compare_gold(&renewal, &found);
        let fields: Vec<&str> = diffs.iter().map(|d| d.field).collect();
        assert_eq!(fields, ["measures_baseline.easi", "time_on_therapy", "treatment_trials"]);
        assert_eq!(diffs[1].expected, "since \"2025-09\" / 168 days");
        // Days within 10 % of gold's agree (the conventions' tolerance).
        found.time_on_therapy.as_mut().unwrap().days = Some(180.0);
        let fields: Vec<&str> = compare_gold(&renewal, &found).iter().map(|d| d.field).collect();
        assert!(!fields.contains(&"time_on_therapy"), "{fields:?}");
        found.time_on_therapy.as_mut().unwrap().days = Some(190.0);
        let fields: Vec<&str> = compare_gold(&renewal, &found).iter().map(|d| d.field).collect();
        assert!(fields.contains(&"time_on_therapy"), "{fields:?}");
        assert_eq!(diffs[2].found, "[tacrolimus 28 days, last used null]");
    }

    #[test]
    fn gold_without_facts_is_scored_on_its_determination_only() {
        let bare = gold(r#"{"id":"a","determination":"not_applicable"}"#);
        assert!(bare.scored.is_empty());
        let found = Facts { age_years: Some(3.0), ..Facts::default() };
        assert!(compare_gold(&bare, &found).is_empty());
    }

    #[test]
    fn each_note_is_taken_from_the_run_under_its_gold_policy() {
        let gold: Vec<GoldRecord> = [
            r#"{"id":"a","determination":null}"#,
            r#"{"id":"b","determination":null,"policy":"cigna-dupixent-atopic-dermatitis"}"#,
            r#"{"id":"c","determination":null,"policy":"cigna-dupixent-atopic-dermatitis"}"#,
        ]
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
        let cigna = Some("cigna-dupixent-atopic-dermatitis");
        assert_eq!(policy_selections(&gold), [None, cigna]);
        assert!(decided_under(&gold, "a", None) && !decided_under(&gold, "a", cigna));
        assert!(decided_under(&gold, "b", cigna) && !decided_under(&gold, "b", None));
        assert!(decided_under(&gold, "no-gold", None));
        assert_eq!(policy_selections(&gold[1..]), [cigna], "no run without a policy is needed");
    }
}
