//! Whether a machine may act on a determination: `approve` or `pend`.
//!
//! Only a clinician may deny a request (42 CFR 422.566(d) for Medicare
//! Advantage; California SB 1120, 2024), so the tool approves what is clearly
//! medically necessary and pends everything else to a reviewer, with typed
//! reasons a queue can sort and count by. A record approves only when its
//! determination is `medically_necessary` and nothing below applies: no
//! caveat from extraction, no conflict in the facts, no doubt about the text.

use crate::dosing::{label_row, LabelRow};
use crate::policy::{Policy, Test};
use crate::rules::{class_words, number, vocabulary};
use crate::set::PolicySet;
use crate::Evaluation;
use necessity_record::{
    Caveat, Criterion, CriterionStatus, Determination, Facts, Outcome, PendKind, PendReason, Route,
    Source, Span,
};

/// Lowest mean OCR word confidence (0-100) at which recognised text is
/// trusted to approve. Tesseract's mean word confidence is about 90-96 on
/// clean typed faxes and falls below 80 where digits and short words start
/// to be misread ("BSA 18%" read as "BSA 10%"), which is what approval rests on.
pub const OCR_MIN_CONFIDENCE: f64 = 80.0;

/// A record's route and, when it pends, every reason why.
#[derive(Clone, Debug, PartialEq)]
pub struct Routing {
    pub route: Route,
    pub reasons: Vec<PendReason>,
}

/// Routes one decided case: run right after [`crate::evaluate_policy`],
/// with the source the facts were read from.
pub fn route_case(
    policies: &PolicySet,
    facts: &Facts,
    evaluation: &Evaluation,
    source: &Source,
) -> Routing {
    let policy = evaluation.policy.as_ref().and_then(|p| policies.by_id(&p.id));
    let mut reasons = determination_reasons(policy, facts, evaluation);
    reasons.extend(partial_text(source));
    reasons.extend(out_of_scale(facts));
    reasons.extend(request_conflict(facts));
    if let Some(policy) = policy {
        reasons.extend(other_indication(policy, facts));
        reasons.extend(concurrent_unclear(policy, facts, &evaluation.criteria));
        reasons.extend(dosing_reasons(policy, facts, &evaluation.criteria));
    }
    reasons
        .extend(facts.caveats.iter().filter_map(|caveat| from_caveat(caveat, facts, evaluation)));
    let approve =
        evaluation.determination == Determination::MedicallyNecessary && reasons.is_empty();
    Routing { route: if approve { Route::Approve } else { Route::Pend }, reasons }
}

/// One thing to ask the prescriber for, in the policy's own words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentationItem {
    /// The criterion it completes.
    pub criterion: String,
    /// The criterion's title, as a reviewer names it.
    pub title: String,
    /// The policy's `missing` text: what to send.
    pub missing: String,
}

/// What a pended case needs from the prescriber before it can be decided:
/// every required criterion not documented, and the dosing criterion when a
/// child's label dose depends on a weight the note does not give. The words
/// are the policy's `missing` texts (data), never code. Nothing is asked
/// when a required criterion is not met: a clinician decides on what is there.
pub fn documentation_request(
    policy: &Policy,
    facts: &Facts,
    criteria: &[Criterion],
) -> Vec<DocumentationItem> {
    if criteria.iter().any(|c| c.required && c.status == CriterionStatus::NotMet) {
        return Vec::new();
    }
    let item = |id: &str| {
        let rule = policy.rules.iter().find(|rule| rule.id == id)?;
        Some(DocumentationItem {
            criterion: rule.id.clone(),
            title: rule.title.clone(),
            missing: rule.missing.clone(),
        })
    };
    let mut items: Vec<DocumentationItem> = criteria
        .iter()
        .filter(|c| c.required && c.status == CriterionStatus::NotDocumented)
        .filter_map(|c| item(&c.id))
        .collect();
    if weight_missing(policy, facts) {
        let dosing = policy.rules.iter().find(|rule| matches!(rule.test, Test::Dosing { .. }));
        items.extend(dosing.and_then(|rule| item(&rule.id)));
    }
    items
}

/// Whether the label dose for the patient's age depends on a weight the
/// note does not give (a child's dose cannot be checked or dispensed).
fn weight_missing(policy: &Policy, facts: &Facts) -> bool {
    policy.rules.iter().any(|rule| matches!(rule.test, Test::Dosing { .. }))
        && label_row(policy, facts) == LabelRow::NeedsWeight
}

/// Why the determination itself is not an approval: the policy does not
/// apply, or required criteria are not met or not documented.
fn determination_reasons(
    policy: Option<&Policy>,
    facts: &Facts,
    evaluation: &Evaluation,
) -> Vec<PendReason> {
    let Some(policy) = policy else {
        let message = match &facts.requested_drug {
            Some(drug) => format!("the note requests {drug}, which no selected policy covers"),
            None => "the note newly requests no drug that a selected policy covers".to_string(),
        };
        return vec![reason(
            PendKind::NotApplicable,
            None,
            message,
            evidence(facts, "requested_drug"),
        )];
    };
    let request = documentation_request(policy, facts, &evaluation.criteria);
    let required = evaluation.criteria.iter().filter(|c| c.required);
    required
        .filter_map(|c| {
            let title = policy.rules.iter().find(|r| r.id == c.id).map_or(&c.id, |r| &r.title);
            let (kind, message) = match c.status {
                CriterionStatus::Met => return None,
                CriterionStatus::NotMet => {
                    (PendKind::CriterionNotMet, format!("{title}: not met ({})", c.reason))
                }
                CriterionStatus::NotDocumented => {
                    let missing = request.iter().find(|item| item.criterion == c.id);
                    let ask = missing.map_or(String::new(), |item| {
                        format!("; ask the prescriber for {}", item.missing)
                    });
                    (PendKind::NotDocumented, format!("{title}: not documented{ask}"))
                }
            };
            Some(reason(kind, Some(c.id.clone()), message, c.evidence.clone()))
        })
        .collect()
}

/// Text that is partial or unreliable: failed pages, weak or unrated OCR.
fn partial_text(source: &Source) -> Vec<PendReason> {
    let mut reasons = Vec::new();
    if !source.pages_failed.is_empty() {
        let pages: Vec<String> = source.pages_failed.iter().map(u32::to_string).collect();
        reasons.push(reason(
            PendKind::PartialText,
            None,
            format!("page(s) {} could not be read: the text is partial", pages.join(", ")),
            Vec::new(),
        ));
    }
    if source.ocr {
        let message = match source.ocr_confidence {
            Some(confidence) if confidence >= OCR_MIN_CONFIDENCE => None,
            Some(confidence) => Some(format!(
                "the text was recognised from images (OCR) with mean confidence {}, below {}",
                number(confidence),
                number(OCR_MIN_CONFIDENCE)
            )),
            None => {
                Some("the text was recognised from images (OCR) with unknown confidence".into())
            }
        };
        reasons.extend(message.map(|m| reason(PendKind::PartialText, None, m, Vec::new())));
    }
    reasons
}

/// A measure outside its scale: a misread, never a severity to act on.
fn out_of_scale(facts: &Facts) -> Vec<PendReason> {
    let m = &facts.measures;
    let iga_max = f64::from(m.iga_scale.unwrap_or(4));
    let measures = [
        ("BSA", m.bsa_percent, 100.0, "%", "measures.bsa_percent"),
        ("IGA", m.iga, iga_max, "", "measures.iga"),
        ("itch NRS", m.itch_nrs, 10.0, "", "measures.itch_nrs"),
        ("EASI", m.easi, 72.0, "", "measures.easi"),
    ];
    measures
        .into_iter()
        .filter_map(|(name, value, max, unit, field)| {
            let value = value.filter(|v| !(0.0..=max).contains(v))?;
            let message = format!(
                "{name} {}{unit} is outside its 0-{}{unit} scale: the value is misread or mistyped",
                number(value),
                number(max)
            );
            Some(reason(PendKind::MeasureOutOfScale, None, message, evidence(facts, field)))
        })
        .collect()
}

/// The requested drug is also documented as failed, not tolerated or
/// contraindicated for this patient: a request a reviewer must reconcile.
fn request_conflict(facts: &Facts) -> Option<PendReason> {
    let drug = facts.requested_drug.as_deref()?;
    let against = facts.treatments.iter().find(|t| {
        t.agent == drug
            && matches!(t.outcome, Outcome::Failed | Outcome::Intolerant | Outcome::Contraindicated)
    })?;
    let message = format!(
        "{drug} is requested and also documented as {} for this patient",
        vocabulary(&against.outcome)
    );
    let mut spans = evidence(facts, "requested_drug");
    spans.extend(against.evidence.iter().cloned());
    Some(reason(PendKind::RequestConflict, None, message, spans))
}

/// The diagnosis is another indication of the drug, which this policy does not cover.
fn other_indication(policy: &Policy, facts: &Facts) -> Option<PendReason> {
    let diagnosis = facts.diagnosis.as_deref()?;
    policy.other_indications.iter().find(|other| *other == diagnosis)?;
    let criterion = policy.rules.iter().find(|r| matches!(r.test, Test::Diagnosis { .. }));
    let message = format!(
        "the diagnosis is {}, another indication of {}: a reviewer decides it under that indication's policy",
        diagnosis.replace('_', " "),
        policy.drug
    );
    Some(reason(
        PendKind::OtherIndication,
        criterion.map(|r| r.id.clone()),
        message,
        evidence(facts, "diagnosis"),
    ))
}

/// A drug that a met `no_concurrent` criterion excludes, named with no
/// status (outcome `mentioned`): the criterion is met only because nothing
/// says the drug goes on, which a reviewer must confirm, unless the note
/// says the patient takes no drug of its class (`no_concurrent_classes`:
/// "no other biologic or JAK inhibitor will be used with it").
fn concurrent_unclear(policy: &Policy, facts: &Facts, criteria: &[Criterion]) -> Vec<PendReason> {
    let mut reasons = Vec::new();
    for rule in &policy.rules {
        let Test::NoConcurrent { excluded_classes, excluded_agents, outcomes } = &rule.test else {
            continue;
        };
        let met = criteria.iter().any(|c| c.id == rule.id && c.status == CriterionStatus::Met);
        if !met || outcomes.contains(&Outcome::Mentioned) {
            continue;
        }
        let unclear = facts.treatments.iter().filter(|t| {
            t.outcome == Outcome::Mentioned
                && !ended_before_the_note(t, facts)
                && t.agent != policy.drug
                && Some(t.agent.as_str()) != facts.requested_drug.as_deref()
                && !facts.no_concurrent_classes.contains(&t.class)
                && (excluded_classes.contains(&t.class) || excluded_agents.contains(&t.agent))
        });
        for t in unclear {
            let message = format!(
                "{} ({}) is named with no status: whether it goes on alongside {} is unclear",
                t.agent,
                class_words(&t.class),
                policy.drug
            );
            let criterion = Some(rule.id.clone());
            reasons.push(reason(
                PendKind::ConcurrentUnclear,
                criterion,
                message,
                t.evidence.clone(),
            ));
        }
    }
    reasons
}

/// Whether the note dates a course's last use before its own date, at the
/// precision the note gives it ("Feb-May 2025" in a note of 01/08/2026):
/// an ended course goes on alongside nothing.
pub(crate) fn ended_before_the_note(
    treatment: &necessity_record::Treatment,
    facts: &Facts,
) -> bool {
    let (Some(last), Some(today)) = (&treatment.last_used, &facts.note_date) else {
        return false;
    };
    today.get(..last.len()).is_some_and(|same_precision| last.as_str() < same_precision)
}

/// An advisory dosing check that fails (the regimen is outside the label
/// for the patient), or a child's dose that depends on a missing weight.
/// A required dosing criterion already pends as `criterion_not_met`.
fn dosing_reasons(policy: &Policy, facts: &Facts, criteria: &[Criterion]) -> Vec<PendReason> {
    let dosing_ids: Vec<&str> = policy
        .rules
        .iter()
        .filter(|r| matches!(r.test, Test::Dosing { .. }))
        .map(|r| r.id.as_str())
        .collect();
    let mut reasons: Vec<PendReason> = criteria
        .iter()
        .filter(|c| !c.required && c.status == CriterionStatus::NotMet)
        .filter(|c| dosing_ids.contains(&c.id.as_str()))
        .map(|c| {
            let message = format!("the regimen is outside the label: {}", c.reason);
            reason(PendKind::DosingOutsideLabel, Some(c.id.clone()), message, c.evidence.clone())
        })
        .collect();
    if weight_missing(policy, facts) {
        let age = facts.age_years.map_or(String::new(), |a| format!(" at {} y", number(a)));
        let message = format!(
            "the label dose{age} depends on weight, which is not documented: ask for the patient's weight"
        );
        let criterion = dosing_ids.first().map(|id| id.to_string());
        reasons.push(reason(
            PendKind::WeightMissing,
            criterion,
            message,
            evidence(facts, "age_years"),
        ));
    }
    reasons
}

/// A caveat extraction attached to the facts, as a pend reason naming the
/// criterion whose evidence it touches. A caveat that only doubts how firmly
/// a fact stands (copied forward, uncertain) pends nothing when no criterion
/// of the deciding policy rests on that fact: a renewal decided on response
/// and time on therapy does not rest on the topical failures its copied
/// initial visit lists, so there is nothing for a reviewer to check.
fn from_caveat(caveat: &Caveat, facts: &Facts, evaluation: &Evaluation) -> Option<PendReason> {
    let mut spans = caveat.evidence.clone();
    if let Some(field) = &caveat.field {
        spans.extend(evidence(facts, field));
    }
    let overlaps = |c: &&Criterion| {
        c.evidence.iter().any(|e| spans.iter().any(|s| s.start < e.end && e.start < s.end))
    };
    let criteria = &evaluation.criteria;
    let criterion = criteria.iter().filter(|c| c.required).find(overlaps);
    let criterion = criterion.or_else(|| criteria.iter().find(overlaps));
    let only_support =
        matches!(caveat.kind, PendKind::CopiedForwardEvidence | PendKind::UncertainEvidence);
    if only_support && criterion.is_none() && evaluation.policy.is_some() {
        return None;
    }
    Some(reason(
        caveat.kind,
        criterion.map(|c| c.id.clone()),
        caveat.message.clone(),
        caveat.evidence.clone(),
    ))
}

/// The evidence of a scalar fact (`facts.evidence[field]`).
fn evidence(facts: &Facts, field: &str) -> Vec<Span> {
    facts.evidence.get(field).cloned().unwrap_or_default()
}

fn reason(
    kind: PendKind,
    criterion: Option<String>,
    message: String,
    evidence: Vec<Span>,
) -> PendReason {
    PendReason { kind, criterion, message, evidence }
}

#[cfg(test)]
#[path = "route_tests.rs"]
mod tests;
