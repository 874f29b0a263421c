//! Caveats for routing: facts extraction found but cannot vouch for. A
//! required criterion's support (the diagnosis; the severity measures and
//! sites; the failed topical therapy) that rests only on text copied
//! forward from an earlier visit, or only on mentions the context engine
//! holds uncertain, and a diagnosis the note itself holds in doubt ("AD vs
//! contact dermatitis", "rule out"), keep a record from automatic
//! approval: each becomes a pend reason.
//!
//! Whether evidence is copied or uncertain is asked of the mention layer
//! ([`Note::support`]), for every fact at once.

use crate::mentions::{Note, Support};
use necessity_record::{Caveat, Facts, Outcome, PendKind, Span, TreatmentClass};
use std::ops::Range;

/// One fact that supports a criterion: its evidence key (or a treatment's
/// agent) and its spans.
struct Member {
    field: Option<String>,
    name: String,
    evidence: Vec<Span>,
}

/// The facts that support one criterion, and what a reviewer calls it.
struct Group {
    what: &'static str,
    members: Vec<Member>,
}

/// The caveats of `facts`, read from `note`; `doubts` are the mentions of
/// the diagnosis the note holds in doubt.
pub fn caveats(facts: &Facts, note: &Note, doubts: Vec<Span>) -> Vec<Caveat> {
    let groups = [diagnosis(facts), severity(facts), topical_failure(facts)];
    let evidence: Vec<Vec<Range<usize>>> = groups
        .iter()
        .flat_map(|group| &group.members)
        .map(|member| member.evidence.iter().map(|s| s.start..s.end).collect())
        .collect();
    let mut support = note.support(&evidence).into_iter();
    let mut caveats = Vec::new();
    for group in &groups {
        let judged: Vec<(&Member, Support)> =
            group.members.iter().map(|m| (m, support.next().unwrap_or_default())).collect();
        if judged.is_empty() || !judged.iter().all(|(_, s)| s.is_weak()) {
            continue;
        }
        let copied: Vec<&Member> =
            judged.iter().filter(|(_, s)| s.copied_forward).map(|(m, _)| *m).collect();
        let uncertain: Vec<&Member> = judged
            .iter()
            .filter(|(_, s)| s.uncertain && !s.copied_forward)
            .map(|(m, _)| *m)
            .collect();
        if let Some(caveat) = caveat(PendKind::CopiedForwardEvidence, group.what, &copied) {
            caveats.push(caveat);
        }
        if let Some(caveat) = caveat(PendKind::UncertainEvidence, group.what, &uncertain) {
            caveats.push(caveat);
        }
    }
    if !doubts.is_empty() {
        caveats.push(Caveat {
            kind: PendKind::DiagnosisUncertain,
            field: Some("diagnosis".to_string()),
            message: "the note holds the diagnosis in doubt (a differential, 'vs', 'rule out'): \
                      confirm the diagnosis"
                .to_string(),
            evidence: doubts,
        });
    }
    caveats
}

/// A caveat of `kind` on the weak `members` of the group `what`, if any.
fn caveat(kind: PendKind, what: &str, members: &[&Member]) -> Option<Caveat> {
    let first = members.first()?;
    let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
    let why = match kind {
        PendKind::CopiedForwardEvidence => {
            "rests only on text copied forward from an earlier visit: confirm it is current"
        }
        _ => "rests only on mentions the note states with doubt: confirm them",
    };
    Some(Caveat {
        kind,
        field: first.field.clone(),
        message: format!("{what} ({}) {why}", names.join(", ")),
        evidence: members.iter().flat_map(|m| m.evidence.iter().cloned()).collect(),
    })
}

/// The diagnosis as a group of one.
fn diagnosis(facts: &Facts) -> Group {
    let members = facts
        .diagnosis
        .as_ref()
        .map(|diagnosis| scalar(facts, "diagnosis", diagnosis))
        .into_iter()
        .collect();
    Group { what: "the diagnosis", members }
}

/// The severity measures and high-impact sites.
fn severity(facts: &Facts) -> Group {
    let measures = [
        ("measures.bsa_percent", facts.measures.bsa_percent),
        ("measures.iga", facts.measures.iga),
        ("measures.easi", facts.measures.easi),
    ];
    let mut members: Vec<Member> = measures
        .into_iter()
        .filter(|(_, value)| value.is_some())
        .map(|(field, _)| scalar(facts, field, field))
        .collect();
    for site in &facts.high_impact_sites {
        let field = format!("high_impact_sites.{}", crate::findings::site_name(*site));
        members.push(scalar(facts, &field, crate::findings::site_name(*site)));
    }
    Group { what: "the severity", members }
}

/// The topical treatments that failed, were not tolerated or are
/// contraindicated.
fn topical_failure(facts: &Facts) -> Group {
    let members = facts
        .treatments
        .iter()
        .filter(|t| is_topical(t.class))
        .filter(|t| {
            matches!(t.outcome, Outcome::Failed | Outcome::Intolerant | Outcome::Contraindicated)
        })
        .map(|t| Member { field: None, name: t.agent.clone(), evidence: t.evidence.clone() })
        .collect();
    Group { what: "the failed topical therapy", members }
}

/// A scalar fact by its evidence key.
fn scalar(facts: &Facts, field: &str, name: &str) -> Member {
    Member {
        field: Some(field.to_string()),
        name: name.to_string(),
        evidence: facts.evidence.get(field).cloned().unwrap_or_default(),
    }
}

fn is_topical(class: TreatmentClass) -> bool {
    matches!(
        class,
        TreatmentClass::TopicalCorticosteroid
            | TreatmentClass::TopicalCalcineurinInhibitor
            | TreatmentClass::TopicalPde4Inhibitor
            | TreatmentClass::TopicalJakInhibitor
            | TreatmentClass::TopicalAhrAgonist
    )
}

#[cfg(test)]
mod tests {
    use crate::{extract_case, Lexicons};
    use necessity_record::PendKind;

    /// The kinds of caveat extraction attaches to `note`, and their fields.
    fn caveats(note: &str) -> Vec<(PendKind, Option<String>)> {
        let facts = extract_case(&Lexicons::builtin(), note);
        facts.caveats.into_iter().map(|c| (c.kind, c.field)).collect()
    }

    const TODAY: &str = "Today: 30-year-old with atopic dermatitis, flaring despite \
        clobetasol 0.05% ointment, which failed. BSA 15%. Start Dupixent.";

    #[test]
    fn a_criterion_resting_only_on_copied_text_is_a_caveat() {
        let note = "[Copied forward from visit of 3/2025]\nFailed tacrolimus 0.1% ointment.\n\
                    [End of copied text]\nToday: 30-year-old with atopic dermatitis. BSA 15%. \
                    Start Dupixent.";
        assert_eq!(caveats(note), [(PendKind::CopiedForwardEvidence, None)]);
        // The same failure also stated today: no caveat.
        let restated = format!("{note} Clobetasol ointment failed.");
        assert_eq!(caveats(&restated), []);
        assert_eq!(caveats(TODAY), []);
    }

    #[test]
    fn a_criterion_resting_only_on_uncertain_mentions_is_a_caveat() {
        let note = "Atopic dermatitis, 30-year-old. Clobetasol 0.05% ointment failed. \
                    Possible involvement of the hands. Start Dupixent.";
        let found = caveats(note);
        assert_eq!(found, [(PendKind::UncertainEvidence, Some("high_impact_sites.hands".into()))]);
        // A certain measure beside it carries the severity: no caveat.
        let measured = note.replace("Start Dupixent.", "BSA 20%. Start Dupixent.");
        assert_eq!(caveats(&measured), []);
    }

    #[test]
    fn a_diagnosis_held_in_doubt_is_a_caveat() {
        for doubt in [
            "Assessment: atopic dermatitis vs allergic contact dermatitis.",
            "Rule out atopic dermatitis; patch testing planned.",
            "Differential includes atopic dermatitis and psoriasis.",
        ] {
            let note = format!("{TODAY} {doubt}");
            assert!(
                caveats(&note).contains(&(PendKind::DiagnosisUncertain, Some("diagnosis".into()))),
                "{doubt}"
            );
        }
        for sure in [
            "Not contact dermatitis.",
            "Her mother has possible psoriasis.",
            "Seen for eczema herpeticum last year.",
        ] {
            assert_eq!(caveats(&format!("{TODAY} {sure}")), [], "{sure}");
        }
    }
}
