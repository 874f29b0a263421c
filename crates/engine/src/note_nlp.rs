//! The facts of a record as rows of the OMOP CDM `NOTE_NLP` table: one row
//! per evidence span of every fact, with the section and sentence around it
//! and the context engine's reading of it, so an OMOP site can load what the
//! tool found next to its own NLP output.

use crate::Engine;
use necessity_context::Analysis;
use necessity_record::{Outcome, Record, Span};
use serde_json::Value;

/// The OMOP CDM v5.4 `NOTE_NLP` columns, in the table's order.
pub const NOTE_NLP_COLUMNS: [&str; 14] = [
    "note_nlp_id",
    "note_id",
    "section_concept_id",
    "snippet",
    "offset",
    "lexical_variant",
    "note_nlp_concept_id",
    "note_nlp_source_concept_id",
    "nlp_system",
    "nlp_date",
    "nlp_datetime",
    "term_exists",
    "term_temporal",
    "term_modifiers",
];

/// The widest `snippet` and `lexical_variant` the table holds (`varchar(250)`).
pub const NOTE_NLP_TEXT_CHARS: usize = 250;

/// How many bytes of the sentence a long snippet keeps on each side of its span.
const SNIPPET_MARGIN: usize = 120;

/// One evidence span of one fact: a `NOTE_NLP` row without what belongs to
/// the run (its row number, date and system name), which the writer adds.
#[derive(Clone, Debug, PartialEq)]
pub struct FactMention {
    /// The record's id.
    pub note_id: String,
    /// The section the span lies in, as the context engine names it (`hpi`, `other`).
    pub section: &'static str,
    /// The sentence around the span, white space folded to single spaces, at
    /// most [`NOTE_NLP_TEXT_CHARS`] characters.
    pub snippet: String,
    /// Byte offset of the span in the decided text (the record's offsets).
    pub offset: usize,
    /// The span's words, white space folded, at most [`NOTE_NLP_TEXT_CHARS`] characters.
    pub lexical_variant: String,
    /// False when the context engine reads the span as negated,
    /// hypothetical or about someone other than the patient; a negation of
    /// a drug the patient failed, could not tolerate or takes is the
    /// outcome's own words and does not count.
    pub term_exists: bool,
    /// `past` when the context engine reads the span as historical, else `present`.
    pub term_temporal: &'static str,
    /// `key=value` pairs joined by `;`: `fact` (the record's field), `value`,
    /// the treatment's class, potency and outcome, `section`, and
    /// `uncertain=yes` when the context engine reads the span as uncertain.
    pub term_modifiers: String,
}

impl Engine {
    /// The `NOTE_NLP` mentions of a record decided from `text`, ordered by
    /// offset; none for an error record, and none for the words a fact
    /// quotes from another note of the patient (they are that note's).
    pub fn fact_mentions(&self, record: &Record, text: &str) -> Vec<FactMention> {
        let Some(facts) = &record.facts else { return Vec::new() };
        let facts_json = serde_json::to_value(facts).unwrap_or(Value::Null);
        let mut facts_of_spans: Vec<(&Span, String, bool)> = Vec::new();
        for (key, spans) in &facts.evidence {
            let modifiers = scalar_modifiers(&facts_json, key);
            facts_of_spans.extend(spans.iter().map(|span| (span, modifiers.clone(), false)));
        }
        for treatment in &facts.treatments {
            let modifiers =
                treatment_modifiers(&serde_json::to_value(treatment).unwrap_or_default());
            let taken = matches!(
                treatment.outcome,
                Outcome::Failed | Outcome::Intolerant | Outcome::Current
            );
            let spans = treatment.evidence.iter();
            facts_of_spans.extend(spans.map(|span| (span, modifiers.clone(), taken)));
        }
        let analysis = self.lexicons().context().analyze(text);
        // A span quoting another note of the patient is a mention of that note.
        let mut mentions: Vec<FactMention> = facts_of_spans
            .into_iter()
            .filter(|(span, _, _)| !span.is_from_other_note())
            .map(|(span, modifiers, taken)| mention(&analysis, &record.id, span, modifiers, taken))
            .collect();
        mentions.sort_by_key(|mention| mention.offset);
        mentions
    }
}

/// The row of one span, read in its context. A negation of a drug the
/// patient `taken` (failed, could not tolerate, takes now) is the outcome's
/// own words ("desonide - neither controls", "which did nothing"), which
/// extraction read as a failure, not an absent drug: it does not count.
fn mention(
    analysis: &Analysis,
    note_id: &str,
    span: &Span,
    modifiers: String,
    taken: bool,
) -> FactMention {
    let context = analysis.context_of(span.start..span.end);
    let section = analysis.section_of(span.start).name();
    let mut term_modifiers = format!("{modifiers};section={section}");
    if context.uncertain.is_some() {
        term_modifiers.push_str(";uncertain=yes");
    }
    FactMention {
        note_id: note_id.to_string(),
        section,
        snippet: snippet(analysis, span),
        offset: span.start,
        lexical_variant: clip(&fold_white_space(&span.text)),
        term_exists: (taken || context.negated.is_none())
            && context.hypothetical.is_none()
            && context.family.is_none(),
        term_temporal: if context.historical.is_some() { "past" } else { "present" },
        term_modifiers,
    }
}

/// The sentence (or sentences) holding `span`, cut around the span when longer
/// than the column holds.
fn snippet(analysis: &Analysis, span: &Span) -> String {
    let text = analysis.text();
    let last = span.end.max(span.start + 1) - 1;
    let sentence = analysis.sentence_of(span.start).start..analysis.sentence_of(last).end;
    let start = floor_boundary(text, span.start.saturating_sub(SNIPPET_MARGIN).max(sentence.start));
    let end = ceil_boundary(text, (span.end + SNIPPET_MARGIN).min(sentence.end));
    // A list's bullet ("- Dupixent ...") is no part of the snippet, and a
    // cell opening with one would be quoted for spreadsheets past 250.
    let folded = fold_white_space(text.get(start..end).unwrap_or(&span.text));
    clip(folded.trim_start_matches(['-', '+', '=', '@', ' ']))
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// Runs of white space (line breaks included) as one space, trimmed: OMOP
/// loaders read one line per row.
fn fold_white_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most [`NOTE_NLP_TEXT_CHARS`] characters.
fn clip(text: &str) -> String {
    text.chars().take(NOTE_NLP_TEXT_CHARS).collect()
}

/// `fact=KEY;value=...` of a scalar fact, its value found by the evidence
/// key's path in the record's facts (`measures.bsa_percent`); a site key
/// (`high_impact_sites.hands`) names its value itself; an object (`dosing`)
/// gives one pair per documented member.
fn scalar_modifiers(facts: &Value, key: &str) -> String {
    let mut value = facts;
    for part in key.split('.') {
        match value.get(part) {
            Some(inner) => value = inner,
            // A list's evidence key ends in the item: the item is the value.
            None => return format!("fact={key};value={part}"),
        }
    }
    match value {
        Value::Object(members) => {
            let pairs: Vec<String> = members
                .iter()
                .filter_map(|(name, member)| scalar(member).map(|v| format!("{name}={v}")))
                .collect();
            format!("fact={key};{}", pairs.join(";"))
        }
        other => format!("fact={key};value={}", scalar(other).unwrap_or_default()),
    }
}

/// `fact=treatments;value=AGENT;...` with every documented field of the treatment.
fn treatment_modifiers(treatment: &Value) -> String {
    let mut pairs = vec![format!(
        "fact=treatments;value={}",
        treatment.get("agent").and_then(scalar).unwrap_or_default()
    )];
    for (name, member) in treatment.as_object().into_iter().flatten() {
        if name != "agent" && name != "evidence" {
            pairs.extend(scalar(member).map(|v| format!("{name}={v}")));
        }
    }
    pairs.join(";")
}

/// A JSON scalar as text (`34`, `true`, `dupilumab`); `None` for null and containers.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => number.as_f64().map(|n| n.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}
