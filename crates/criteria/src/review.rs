//! A case written as a clinical reviewer reads one: the route and its
//! reasons first (a machine approves or pends, never denies), then the
//! determination, each criterion with the note's own words, the dosing
//! check, the documentation to request, and what goes with an approval.

use crate::dosing::{describe_dosing, describe_row, label_row, LabelRow};
use crate::policy::Policy;
use crate::route::{documentation_request, DocumentationItem};
use crate::rules::{potency_of, vocabulary};
use crate::set::PolicySet;
use necessity_record::{
    Criterion, CriterionStatus, Determination, Facts, PendReason, Record, Route, Span,
};
use std::fmt::Write;

/// The Markdown review of one note's record; `text` is the note's text,
/// which evidence quotes in context.
pub fn write_review(policies: &PolicySet, record: &Record, text: &str) -> String {
    let mut out = String::new();
    let empty = Facts::default();
    let facts = record.facts.as_ref().unwrap_or(&empty);
    let policy = record.policy.as_ref().and_then(|p| policies.by_id(&p.id));
    let drug = policy.map(drug_name).or_else(|| facts.requested_drug.clone());
    let _ = writeln!(
        out,
        "# Medical necessity review{}\n",
        drug.map(|d| format!(": {d}")).unwrap_or_default()
    );
    write_route(&mut out, record);
    if let Some(determination) = record.determination {
        let _ = writeln!(out, "**Determination: {}**\n", headline(determination));
    }
    let _ = writeln!(out, "- Note: `{}`", record.id);
    if let Some(policy) = policy {
        let _ = writeln!(
            out,
            "- Policy: {} (`{}`, version {}, from `{}`)",
            policy.title, policy.id, policy.version, policy.origin
        );
    }
    write_provenance(&mut out, record);
    let _ = writeln!(out);
    let Some(determination) = record.determination else { return out };
    match policy {
        Some(policy) => {
            let _ = writeln!(out, "{}\n", summary(&record.criteria, determination));
            write_criteria(&mut out, policy, &record.criteria, text);
            write_dosing(&mut out, policy, facts);
            write_treatments(&mut out, policy, facts);
            write_documentation_request(&mut out, policy, record, facts);
            write_considerations(&mut out, policy, record);
        }
        None => write_not_applicable(&mut out, policies, facts, text),
    }
    out
}

/// A mention extraction set aside, as the review lists it: the mention's
/// own words and where they are, what it was not taken as ("the request",
/// "a treatment"), why ("hypothetical", "family history section") and the
/// lexicon phrase that said so. No other note text is shown.
#[derive(Clone, Copy, Debug)]
pub struct SetAsideMention<'a> {
    pub mention: &'a Span,
    pub taken_as: &'a str,
    pub why: &'a str,
    pub trigger: Option<&'a str>,
}

/// [`write_review`], ending with the mentions extraction set aside and
/// why, so a reviewer sees what was left out as well as what was found.
pub fn write_review_with_set_aside(
    policies: &PolicySet,
    record: &Record,
    text: &str,
    set_aside: &[SetAsideMention],
) -> String {
    let mut out = write_review(policies, record, text);
    write_set_aside(&mut out, set_aside);
    out
}

/// How many set-aside mentions the review lists; the rest are counted.
const SET_ASIDE_SHOWN: usize = 20;

/// "## Set aside": one line per mention, "'Dupixent' (offset 812), as the
/// request: hypothetical ('consider')".
fn write_set_aside(out: &mut String, set_aside: &[SetAsideMention]) {
    if set_aside.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## Set aside
"
    );
    let _ = writeln!(
        out,
        "Mentions not taken as facts, and why:
"
    );
    for s in set_aside.iter().take(SET_ASIDE_SHOWN) {
        let trigger = s.trigger.map_or(String::new(), |t| format!(" ('{}')", fold(t)));
        let _ = writeln!(
            out,
            "- '{}' (offset {}), as {}: {}{trigger}",
            fold(&s.mention.text),
            s.mention.start,
            s.taken_as,
            s.why
        );
    }
    if set_aside.len() > SET_ASIDE_SHOWN {
        let _ = writeln!(out, "- ... and {} more", set_aside.len() - SET_ASIDE_SHOWN);
    }
    let _ = writeln!(out);
}

fn drug_name(policy: &Policy) -> String {
    match &policy.brand {
        Some(brand) => format!("{brand} ({})", policy.drug),
        None => policy.drug.clone(),
    }
}

/// The route first, since it says whether anyone must act: an approval, or
/// a pend with every reason a reviewer works through.
fn write_route(out: &mut String, record: &Record) {
    let headline = match record.route {
        Some(Route::Approve) => "APPROVE (every required criterion met; nothing to check)",
        Some(Route::Pend) => "PEND (a reviewer decides; the tool never denies)",
        None => "none (a record written before routing)",
    };
    let _ = writeln!(out, "**Route: {headline}**\n");
    if record.pend_reasons.is_empty() {
        return;
    }
    for reason in &record.pend_reasons {
        let _ = writeln!(out, "- {}", reason_line(reason));
    }
    let _ = writeln!(out);
}

/// One pend reason as a list item: kind, criterion, message, quoted evidence.
fn reason_line(reason: &PendReason) -> String {
    let criterion = reason.criterion.as_ref().map(|c| format!(" (`{c}`)")).unwrap_or_default();
    let quotes: Vec<String> =
        reason.evidence.iter().map(|s| format!("\"{}\"", fold(&s.text))).collect();
    let quoted = if quotes.is_empty() { String::new() } else { format!(": {}", quotes.join(", ")) };
    format!("`{}`{criterion}: {}{quoted}", vocabulary(&reason.kind), reason.message)
}

/// Which tool, policy file and lexicons decided, by hash, for audits.
fn write_provenance(out: &mut String, record: &Record) {
    let Some(provenance) = &record.provenance else { return };
    let policy = provenance
        .policy_sha256
        .as_ref()
        .map(|sha| format!("; policy file sha256 `{sha}`"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "- Decided by: {}{policy}; lexicons sha256 `{}`",
        provenance.tool, provenance.lexicons_sha256
    );
}

fn headline(determination: Determination) -> &'static str {
    match determination {
        Determination::MedicallyNecessary => "MEDICALLY NECESSARY (required criteria met)",
        Determination::NotMedicallyNecessary => {
            "NOT MEDICALLY NECESSARY (required criteria not met; only a clinician may deny)"
        }
        Determination::InsufficientDocumentation => {
            "INSUFFICIENT DOCUMENTATION (documentation requested)"
        }
        Determination::NotApplicable => "NOT APPLICABLE (no policy covers this request)",
    }
}

fn summary(criteria: &[Criterion], determination: Determination) -> String {
    let required: Vec<&Criterion> = criteria.iter().filter(|c| c.required).collect();
    let with = |status| {
        required
            .iter()
            .filter(|c| c.status == status)
            .map(|c| format!("`{}`", c.id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match determination {
        Determination::MedicallyNecessary => {
            format!("All {} required criteria are met.", required.len())
        }
        Determination::NotMedicallyNecessary => {
            format!("Required criteria not met: {}.", with(CriterionStatus::NotMet))
        }
        _ => format!("Required criteria not documented: {}.", with(CriterionStatus::NotDocumented)),
    }
}

fn status_word(status: CriterionStatus) -> &'static str {
    match status {
        CriterionStatus::Met => "met",
        CriterionStatus::NotMet => "NOT met",
        CriterionStatus::NotDocumented => "not documented",
    }
}

fn write_criteria(out: &mut String, policy: &Policy, criteria: &[Criterion], text: &str) {
    for (heading, required) in [
        ("Required criteria", true),
        ("Advisory criteria (do not change the determination)", false),
    ] {
        let _ = writeln!(out, "## {heading}\n");
        for criterion in criteria.iter().filter(|c| c.required == required) {
            let title = policy
                .rules
                .iter()
                .find(|r| r.id == criterion.id)
                .map_or(criterion.id.as_str(), |r| r.title.as_str());
            let _ = writeln!(
                out,
                "### {title} (`{}`): {}\n",
                criterion.id,
                status_word(criterion.status)
            );
            let _ = writeln!(out, "{}.\n", capitalised(&criterion.reason));
            write_quotes(out, &criterion.evidence, text);
        }
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// The note's own words, one quote per span: the line it stands in with the
/// evidence in bold, and byte offsets to find it; a span inside a wider
/// quoted one is not repeated.
fn write_quotes(out: &mut String, evidence: &[Span], text: &str) {
    let inside = |s: &Span| {
        evidence
            .iter()
            .any(|w| w.start <= s.start && s.end <= w.end && w.end - w.start > s.end - s.start)
    };
    for span in evidence.iter().filter(|s| !inside(s)) {
        let (start, end) = (span.start, span.end);
        let _ = match &span.note_id {
            // Words of another note of the patient: quoted as they are, with that note's id.
            Some(note) => {
                writeln!(out, "> \"{}\" (note {note}, bytes {start}-{end})\n", fold(&span.text))
            }
            None => writeln!(out, "> \"{}\" (bytes {start}-{end})\n", in_context(span, text)),
        };
    }
}

/// Most context a quote shows on each side of the evidence, in bytes.
const CONTEXT_BYTES: usize = 80;

/// The span in bold within its line, cut to [`CONTEXT_BYTES`] either side;
/// the span's own text alone when it does not quote `text`.
fn in_context(span: &Span, text: &str) -> String {
    if !span.is_valid_in(text) {
        return fold(&span.text);
    }
    let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[span.end..].find('\n').map_or(text.len(), |i| span.end + i);
    let start = floor_boundary(text, line_start.max(span.start.saturating_sub(CONTEXT_BYTES)));
    let end = ceil_boundary(text, line_end.min(span.end + CONTEXT_BYTES));
    let before = if start > line_start { "…" } else { "" };
    let after = if end < line_end { "…" } else { "" };
    let (left, middle, right) =
        (&text[start..span.start], &text[span.start..span.end], &text[span.end..end]);
    format!(
        "{before}{}**{}**{}{after}",
        fold_keep_edges(left),
        fold(middle),
        fold_keep_edges(right)
    )
    .trim()
    .to_string()
}

/// Whitespace folded to single spaces, ends trimmed.
fn fold(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whitespace folded, keeping one space at an edge that had any, so the bold
/// evidence stays a separate word.
fn fold_keep_edges(text: &str) -> String {
    let lead = if text.starts_with(char::is_whitespace) { " " } else { "" };
    let trail = if text.ends_with(char::is_whitespace) { " " } else { "" };
    let inner = fold(text);
    if inner.is_empty() {
        return lead.max(trail).to_string();
    }
    format!("{lead}{inner}{trail}")
}

fn floor_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn ceil_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index += 1;
    }
    index
}

fn write_dosing(out: &mut String, policy: &Policy, facts: &Facts) {
    if policy.dosing.is_empty() {
        return;
    }
    let d = &facts.dosing;
    let _ = writeln!(out, "## Dosing check\n");
    let documented = if d.is_empty() { "not documented".to_string() } else { describe_dosing(d) };
    let _ = writeln!(out, "- Documented regimen: {documented}");
    let label = match label_row(policy, facts) {
        LabelRow::Found(row) => format!("{} for {}", describe_row(row), row.label),
        LabelRow::NeedsAge => "cannot be chosen: age not documented".to_string(),
        LabelRow::NeedsWeight => {
            "cannot be chosen: weight not documented and the dose depends on it".to_string()
        }
        LabelRow::NoRow => "none for this patient's age and weight".to_string(),
    };
    let _ = writeln!(out, "- Label regimen: {label}\n");
}

/// The treatment history as extracted, one row per agent, so a reviewer
/// sees what the topical and concurrent-therapy criteria weighed.
fn write_treatments(out: &mut String, policy: &Policy, facts: &Facts) {
    if facts.treatments.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Treatment history\n");
    let _ =
        writeln!(out, "| agent | class | potency | outcome | note says |\n|---|---|---|---|---|");
    for t in &facts.treatments {
        let potency = potency_of(policy, t).map_or(String::new(), |p| vocabulary(&p));
        let quote =
            t.evidence.first().map_or(String::new(), |s| format!("\"{}\"", table_cell(&s.text)));
        let _ = writeln!(
            out,
            "| {} | {} | {potency} | {} | {quote} |",
            t.agent,
            vocabulary(&t.class),
            vocabulary(&t.outcome)
        );
    }
    let _ = writeln!(out);
}

/// Note text made safe for one Markdown table cell.
fn table_cell(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").replace('|', "\\|")
}

/// What to ask the prescriber for: a paragraph ready to send, built from
/// the policy's `missing` texts of what blocks a decision, then advisory
/// items that would help but decide nothing.
fn write_documentation_request(out: &mut String, policy: &Policy, record: &Record, facts: &Facts) {
    let request = documentation_request(policy, facts, &record.criteria);
    let requested: Vec<&str> = request.iter().map(|item| item.criterion.as_str()).collect();
    let advisory: Vec<&Criterion> = record
        .criteria
        .iter()
        .filter(|c| !c.required && c.status == CriterionStatus::NotDocumented)
        .filter(|c| !requested.contains(&c.id.as_str()))
        .collect();
    if request.is_empty() && advisory.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Documentation to request\n");
    if !request.is_empty() {
        let _ = writeln!(out, "Ready to send to the prescriber:\n");
        let _ = writeln!(out, "> {}\n", request_letter(policy, &record.id, &request));
    }
    for criterion in advisory {
        let Some(rule) = policy.rules.iter().find(|r| r.id == criterion.id) else { continue };
        let _ = writeln!(out, "- {} (advisory, decides nothing): {}", rule.title, rule.missing);
    }
    let _ = writeln!(out);
}

/// The documentation request as one paragraph a reviewer can send as is.
fn request_letter(policy: &Policy, note: &str, request: &[DocumentationItem]) -> String {
    let items: Vec<String> = request
        .iter()
        .enumerate()
        .map(|(index, item)| format!("({}) {}", index + 1, item.missing))
        .collect();
    format!(
        "Re: prior authorization request for {} (our reference `{note}`). To complete the \
         review under the policy \"{}\" (version {}), please send: {}. The request is pended \
         until we receive them; it has not been denied.",
        drug_name(policy),
        policy.title,
        policy.version,
        items.join("; ")
    )
}

fn write_considerations(out: &mut String, policy: &Policy, record: &Record) {
    if record.determination != Some(Determination::MedicallyNecessary)
        || policy.considerations.is_empty()
    {
        return;
    }
    let _ = writeln!(out, "## With this approval\n");
    for consideration in &policy.considerations {
        let _ = writeln!(out, "- {consideration}");
    }
    let _ = writeln!(out);
}

fn write_not_applicable(out: &mut String, policies: &PolicySet, facts: &Facts, text: &str) {
    let selected: Vec<String> =
        policies.policies().iter().map(|p| format!("`{}` ({})", p.id, p.drug)).collect();
    let _ = writeln!(out, "- Policies selected: {}\n", selected.join(", "));
    match facts.requested_drug.as_deref() {
        Some(drug) => {
            let _ = writeln!(out, "The note requests {drug}, which no selected policy covers.\n");
        }
        None => {
            let _ = writeln!(out, "The note does not newly request, order or start a drug; mentions of past, declined or hypothetical therapy are not requests.\n");
        }
    }
    write_quotes(out, facts.evidence.get("requested_drug").map_or(&[], Vec::as_slice), text);
}

#[cfg(test)]
mod set_aside_tests {
    use super::*;

    #[test]
    fn set_aside_mentions_are_listed_with_their_reason_and_counted_past_twenty() {
        let span = Span { start: 812, end: 820, text: "Dupixent".to_string(), note_id: None };
        let line = SetAsideMention {
            mention: &span,
            taken_as: "the request",
            why: "hypothetical",
            trigger: Some("consider"),
        };
        let mut out = String::new();
        write_set_aside(&mut out, &[line]);
        assert!(out.starts_with("## Set aside\n"));
        assert!(
            out.contains("- 'Dupixent' (offset 812), as the request: hypothetical ('consider')")
        );
        let mut many = String::new();
        write_set_aside(&mut many, &vec![line; 25]);
        assert_eq!(many.matches("- 'Dupixent'").count(), SET_ASIDE_SHOWN);
        assert!(many.contains("- ... and 5 more"));
        let mut none = String::new();
        write_set_aside(&mut none, &[]);
        assert!(none.is_empty());
    }
}
