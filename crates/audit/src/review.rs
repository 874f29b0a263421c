//! The review model: one sampled record beside its note, with every evidence
//! span checked and the note cut into highlightable segments here, in Rust,
//! because offsets are UTF-8 byte offsets that JavaScript strings cannot slice.

use necessity_record::{Criterion, Facts, Record, Span, Status};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::BufRead;
use thiserror::Error;

use crate::lines::{parse_line, LineError};
use crate::sample::hex;

/// Why records could not be read for review; names lines and fields, never values.
#[derive(Debug, Error)]
pub enum ReviewError {
    #[error("reading records: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Line(#[from] LineError),
}

/// Reads the records to review (JSON Lines, blank lines skipped).
pub fn read_records(input: impl BufRead) -> Result<Vec<Record>, ReviewError> {
    let mut records = Vec::new();
    for (index, line) in input.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        records.push(parse_line(&line, index as u64 + 1)?);
    }
    Ok(records)
}

/// The note text found for a record, if any, as the review page needs it.
#[derive(Clone, Copy, Debug)]
pub enum Note<'a> {
    /// No document with the record's id was found under the notes root.
    Missing,
    /// The document was found but could not be read again; the ingest
    /// failure's kind (`pdf_unreadable`, ...) says why.
    Unreadable(&'a str),
    /// The document's text; its hash is checked against the record.
    Text(&'a str),
}

/// One case of the review page: what the page's script renders.
#[derive(Clone, Debug, Serialize)]
pub struct Case {
    pub id: String,
    /// The determination's word, or `error` for an unreadable document.
    pub determination: String,
    /// `approve` or `pend`; `none` for a record written before routing.
    pub route: String,
    /// Why the record pends, as a reviewer reads each reason.
    pub pend_reasons: Vec<CaseReason>,
    pub policy: Option<String>,
    /// Why the document could not be read (kind and message, never note text).
    pub error: Option<String>,
    /// Problems the reviewer must know before trusting the highlights.
    pub warnings: Vec<String>,
    pub criteria: Vec<CaseCriterion>,
    pub facts: Vec<FactRow>,
    /// Every distinct evidence span of the record, criteria's first.
    pub spans: Vec<CaseSpan>,
    /// The note text cut at span edges: (text, indexes into `spans` covering it).
    pub segments: Vec<(String, Vec<usize>)>,
    /// Whether the note text was shown at all (missing notes have none).
    pub has_text: bool,
}

/// One pend reason: its kind, the criterion it concerns, and the message
/// (which names values and criteria, never note text).
#[derive(Clone, Debug, Serialize)]
pub struct CaseReason {
    pub kind: String,
    pub criterion: Option<String>,
    pub message: String,
}

/// A criterion row with its evidence as indexes into [`Case::spans`].
#[derive(Clone, Debug, Serialize)]
pub struct CaseCriterion {
    pub id: String,
    pub required: bool,
    pub status: String,
    pub reason: String,
    pub spans: Vec<usize>,
    /// The criterion's colour slot, shared by every case on the page.
    pub colour: usize,
}

/// A fact as the side panel lists it, with its evidence.
#[derive(Clone, Debug, Serialize)]
pub struct FactRow {
    pub name: String,
    pub value: String,
    pub spans: Vec<usize>,
}

/// One distinct evidence span: the words, who cites them, and whether they
/// really are at their offsets in this note.
#[derive(Clone, Debug, Serialize)]
pub struct CaseSpan {
    pub text: String,
    /// Criterion ids and fact names citing this span.
    pub cited_by: Vec<String>,
    /// Colour slot of the first citing criterion; `None` for fact-only spans.
    pub colour: Option<usize>,
    /// False when the span is not at its offsets (or the note failed its hash).
    pub highlighted: bool,
    #[serde(skip)]
    start: usize,
    #[serde(skip)]
    end: usize,
}

/// Colour slots handed to criteria in order of first appearance, so
/// "severity" has the same colour on every case of a page.
#[derive(Clone, Debug, Default)]
pub struct Palette {
    slots: BTreeMap<String, usize>,
}

impl Palette {
    fn slot(&mut self, criterion: &str) -> usize {
        let next = self.slots.len();
        *self.slots.entry(criterion.to_string()).or_insert(next)
    }
}

/// Builds the review case of `record` beside its `note`.
pub fn build_case(record: &Record, note: Note<'_>, palette: &mut Palette) -> Case {
    let mut case = Case {
        id: record.id.clone(),
        determination: determination_word(record),
        route: record.route.map_or("none", |route| route.as_str()).to_string(),
        pend_reasons: record
            .pend_reasons
            .iter()
            .map(|reason| CaseReason {
                kind: word(&reason.kind),
                criterion: reason.criterion.clone(),
                message: reason.message.clone(),
            })
            .collect(),
        policy: record.policy.as_ref().map(|p| format!("{} {}", p.id, p.version)),
        error: record.error.as_ref().map(|e| format!("{}: {}", e.kind, e.message)),
        warnings: Vec::new(),
        criteria: Vec::new(),
        facts: Vec::new(),
        spans: Vec::new(),
        segments: Vec::new(),
        has_text: false,
    };
    let mut spans = SpanTable::default();
    for criterion in &record.criteria {
        case.criteria.push(criterion_row(criterion, &mut spans, palette));
    }
    if let Some(facts) = &record.facts {
        case.facts = fact_rows(facts, &mut spans);
    }
    let text = checked_text(record, note, &mut case.warnings);
    case.spans = spans.spans;
    if let Some((text, trusted)) = text {
        case.has_text = true;
        mark_valid_spans(&mut case, text, trusted);
        case.segments = segments(text, &case.spans);
    }
    case
}

fn determination_word(record: &Record) -> String {
    match (record.status, record.determination) {
        (_, Some(d)) => d.as_str().to_string(),
        (Status::Error, None) => "error".to_string(),
        (Status::Ok, None) => "none".to_string(),
    }
}

/// The note text to show and whether its offsets can be trusted, with a
/// warning for every reason they cannot.
fn checked_text<'a>(
    record: &Record,
    note: Note<'a>,
    warnings: &mut Vec<String>,
) -> Option<(&'a str, bool)> {
    let text = match note {
        Note::Text(text) => text,
        Note::Missing | Note::Unreadable(_) if record.status == Status::Error => return None,
        Note::Missing => {
            warnings.push("No note with this id was found under the notes root.".to_string());
            return None;
        }
        Note::Unreadable(kind) => {
            warnings.push(format!("The note could not be read again ({kind})."));
            return None;
        }
    };
    let actual = hex(&Sha256::digest(text.as_bytes()));
    match &record.source.sha256 {
        Some(expected) if expected.eq_ignore_ascii_case(&actual) => Some((text, true)),
        Some(_) => {
            warnings.push(
                "The note's SHA-256 differs from the record's: the note changed since `run`, \
                 so evidence offsets would be wrong and nothing is highlighted."
                    .to_string(),
            );
            Some((text, false))
        }
        None => {
            warnings.push(
                "The record carries no SHA-256: each span was checked against the text on its own."
                    .to_string(),
            );
            Some((text, true))
        }
    }
}

fn mark_valid_spans(case: &mut Case, text: &str, trusted: bool) {
    let mut invalid = 0;
    for span in &mut case.spans {
        let at_offsets = text.get(span.start..span.end) == Some(span.text.as_str());
        span.highlighted = trusted && at_offsets;
        invalid += usize::from(trusted && !at_offsets);
    }
    if invalid > 0 {
        case.warnings.push(format!(
            "{invalid} evidence span(s) do not quote the note at their offsets and are not highlighted."
        ));
    }
}

/// Distinct spans of a case, keyed by offsets, collecting who cites each.
#[derive(Default)]
struct SpanTable {
    spans: Vec<CaseSpan>,
    index: BTreeMap<(usize, usize), usize>,
}

impl SpanTable {
    fn cite(&mut self, span: &Span, by: &str, colour: Option<usize>) -> usize {
        let spans = &mut self.spans;
        let index = *self.index.entry((span.start, span.end)).or_insert_with(|| {
            spans.push(CaseSpan {
                text: span.text.clone(),
                cited_by: Vec::new(),
                colour,
                highlighted: false,
                start: span.start,
                end: span.end,
            });
            spans.len() - 1
        });
        let entry = &mut self.spans[index];
        if !entry.cited_by.iter().any(|c| c == by) {
            entry.cited_by.push(by.to_string());
        }
        entry.colour = entry.colour.or(colour);
        index
    }

    fn cite_all(&mut self, spans: &[Span], by: &str, colour: Option<usize>) -> Vec<usize> {
        // Words quoted from another note of the patient cannot be shown in this one.
        let own = spans.iter().filter(|s| !s.is_from_other_note());
        let mut indexes: Vec<usize> = own.map(|s| self.cite(s, by, colour)).collect();
        indexes.dedup();
        indexes
    }
}

fn criterion_row(
    criterion: &Criterion,
    spans: &mut SpanTable,
    palette: &mut Palette,
) -> CaseCriterion {
    let colour = palette.slot(&criterion.id);
    CaseCriterion {
        id: criterion.id.clone(),
        required: criterion.required,
        status: word(&criterion.status),
        reason: criterion.reason.clone(),
        spans: spans.cite_all(&criterion.evidence, &criterion.id, Some(colour)),
        colour,
    }
}

/// The facts as rows: every scalar field, `measures` one row per measure,
/// then one row per treatment, each with the evidence that backs it.
fn fact_rows(facts: &Facts, spans: &mut SpanTable) -> Vec<FactRow> {
    let value = serde_json::to_value(facts).unwrap_or_default();
    let mut rows = Vec::new();
    for (name, field) in value.as_object().into_iter().flatten() {
        match (name.as_str(), field) {
            ("evidence" | "treatments", _) => {}
            ("measures", serde_json::Value::Object(measures)) => {
                for (measure, v) in measures {
                    rows.push((format!("measures.{measure}"), display(v)));
                }
            }
            _ => rows.push((name.clone(), display(field))),
        }
    }
    let mut out: Vec<FactRow> = rows
        .into_iter()
        .map(|(name, value)| {
            let cited = facts
                .evidence
                .iter()
                .filter(|(key, _)| *key == &name || key.starts_with(&format!("{name}.")))
                .flat_map(|(key, evidence)| spans.cite_all(evidence, key, None))
                .collect();
            FactRow { name, value, spans: cited }
        })
        .collect();
    for treatment in &facts.treatments {
        let name = format!("treatment: {}", treatment.agent);
        let potency = treatment.potency.map(|p| format!(", {}", word(&p))).unwrap_or_default();
        out.push(FactRow {
            value: format!("{}{potency}; {}", word(&treatment.class), word(&treatment.outcome)),
            spans: spans.cite_all(&treatment.evidence, &name, None),
            name,
        });
    }
    out
}

/// A fact value as a reviewer reads it: words bare, objects as `key value` pairs.
fn display(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "—".to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.is_empty() => "—".to_string(),
        Value::Array(items) => items.iter().map(display).collect::<Vec<_>>().join(", "),
        Value::Object(fields) if fields.values().all(Value::is_null) => "—".to_string(),
        Value::Object(fields) => {
            fields.iter().map(|(k, v)| format!("{k} {}", display(v))).collect::<Vec<_>>().join(", ")
        }
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// A vocabulary value as its JSON word.
fn word<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => other.map(|v| v.to_string()).unwrap_or_default(),
    }
}

/// Cuts `text` at the edges of its highlighted spans; each piece lists the
/// spans covering it, so overlapping evidence stays visible.
fn segments(text: &str, spans: &[CaseSpan]) -> Vec<(String, Vec<usize>)> {
    let shown: Vec<(usize, &CaseSpan)> =
        spans.iter().enumerate().filter(|(_, s)| s.highlighted).collect();
    let mut edges: Vec<usize> = vec![0, text.len()];
    edges.extend(shown.iter().flat_map(|(_, s)| [s.start, s.end]));
    edges.sort_unstable();
    edges.dedup();
    edges
        .windows(2)
        .map(|w| {
            let covering = shown
                .iter()
                .filter(|(_, s)| s.start <= w[0] && w[1] <= s.end)
                .map(|(i, _)| *i)
                .collect();
            (text[w[0]..w[1]].to_string(), covering)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use necessity_record::{
        CriterionStatus, Determination, Format, PendKind, PendReason, Route, Source,
    };

    const NOTE: &str = "Café patient. BSA 12% with IGA 4. Failed tacrolimus.";

    fn span(text: &str, quote: &str) -> Span {
        let start = text.find(quote).unwrap();
        Span::of(text, start, start + quote.len()).unwrap()
    }

    fn record(text: &str) -> Record {
        let mut facts = Facts::default();
        facts.measures.bsa_percent = Some(12.0);
        facts.evidence.insert("measures.bsa_percent".into(), vec![span(text, "BSA 12%")]);
        Record {
            id: "a.txt".into(),
            status: Status::Ok,
            error: None,
            source: Source {
                format: Some(Format::Text),
                bytes: text.len() as u64,
                sha256: Some(hex(&Sha256::digest(text.as_bytes()))),
                ..Source::default()
            },
            determination: Some(Determination::MedicallyNecessary),
            policy: None,
            facts: Some(facts),
            criteria: vec![Criterion {
                id: "severity".into(),
                required: true,
                status: CriterionStatus::Met,
                reason: "BSA 12% >= 10%".into(),
                evidence: vec![span(text, "BSA 12% with IGA 4"), span(text, "BSA 12%")],
            }],
            route: Some(Route::Pend),
            pend_reasons: vec![PendReason {
                kind: PendKind::UncertainEvidence,
                criterion: Some("severity".into()),
                message: "BSA rests on an uncertain mention".into(),
                evidence: Vec::new(),
            }],
            authorization: None,
            provenance: None,
        }
    }

    #[test]
    fn cases_carry_the_route_and_its_reasons() {
        let case = build_case(&record(NOTE), Note::Text(NOTE), &mut Palette::default());
        assert_eq!(case.route, "pend");
        let reason = &case.pend_reasons[0];
        assert_eq!(
            (reason.kind.as_str(), reason.criterion.as_deref(), reason.message.as_str()),
            ("uncertain_evidence", Some("severity"), "BSA rests on an uncertain mention")
        );
        let unrouted = Record { route: None, pend_reasons: Vec::new(), ..record(NOTE) };
        let case = build_case(&unrouted, Note::Text(NOTE), &mut Palette::default());
        assert_eq!((case.route.as_str(), case.pend_reasons.len()), ("none", 0));
    }

    #[test]
    fn reads_records_and_names_bad_lines() {
        let line = serde_json::to_string(&record(NOTE)).unwrap();
        let records = read_records(format!("{line}\n\n{line}\n").as_bytes()).unwrap();
        assert_eq!(records.len(), 2);
        let err = read_records(format!("{line}\n{{\"id\":1}}\n").as_bytes()).unwrap_err();
        assert!(matches!(&err, ReviewError::Line(e) if e.line == 2), "{err}");
    }

    #[test]
    fn segments_follow_byte_offsets_and_overlaps() {
        let case = build_case(&record(NOTE), Note::Text(NOTE), &mut Palette::default());
        assert!(case.warnings.is_empty(), "{:?}", case.warnings);
        assert_eq!(case.criteria[0].spans, [0, 1]);
        assert_eq!(case.spans[1].cited_by, ["severity", "measures.bsa_percent"]);
        let joined: String = case.segments.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(joined, NOTE);
        let marked: Vec<(&str, &[usize])> = case
            .segments
            .iter()
            .map(|(t, s)| (t.as_str(), s.as_slice()))
            .filter(|(_, s)| !s.is_empty())
            .collect();
        assert_eq!(marked, [("BSA 12%", &[0, 1][..]), (" with IGA 4", &[0][..])]);
        let bsa = case.facts.iter().find(|f| f.name == "measures.bsa_percent").unwrap();
        assert_eq!((bsa.value.as_str(), bsa.spans.as_slice()), ("12", &[1][..]));
    }

    #[test]
    fn changed_note_is_shown_without_highlights() {
        let changed = NOTE.replace("Café", "Cafe");
        let case = build_case(&record(NOTE), Note::Text(&changed), &mut Palette::default());
        assert_eq!(case.warnings.len(), 1);
        assert!(case.warnings[0].contains("SHA-256"));
        assert_eq!(case.segments, [(changed, vec![])]);
        assert!(case.spans.iter().all(|s| !s.highlighted));
    }

    #[test]
    fn spans_off_their_offsets_are_not_highlighted() {
        let mut record = record(NOTE);
        record.criteria[0].evidence[0].start += 1;
        let case = build_case(&record, Note::Text(NOTE), &mut Palette::default());
        assert!(case.warnings[0].contains("1 evidence span"), "{:?}", case.warnings);
        assert!(!case.spans[0].highlighted);
        assert!(case.spans[1].highlighted);
    }

    #[test]
    fn missing_note_and_palette_shared_across_cases() {
        let mut palette = Palette::default();
        let first = build_case(&record(NOTE), Note::Missing, &mut palette);
        assert!(!first.has_text);
        assert!(first.warnings[0].contains("No note"));
        let unreadable =
            build_case(&record(NOTE), Note::Unreadable("pdf_unreadable"), &mut palette);
        assert!(unreadable.warnings[0].contains("(pdf_unreadable)"));
        let mut other = record(NOTE);
        other.criteria.insert(0, Criterion { id: "age".into(), ..other.criteria[0].clone() });
        let second = build_case(&other, Note::Text(NOTE), &mut palette);
        assert_eq!((second.criteria[0].colour, second.criteria[1].colour), (1, 0));
    }
}
