//! Each criterion kind applied to a case's facts: a status, a reason a
//! reviewer can read, and the evidence spans it rests on.

use crate::dosing::check_dosing;
use crate::policy::{Policy, Rule, Test};
use necessity_record::{
    Criterion, CriterionStatus, Facts, Outcome, Potency, Site, Span, Specialty, Treatment,
    TreatmentClass,
};
use serde::Serialize;

use CriterionStatus::{Met, NotDocumented, NotMet};

/// Applies one rule of `policy` to a case.
pub fn evaluate_rule(policy: &Policy, rule: &Rule, facts: &Facts) -> Criterion {
    let (status, reason, evidence) = match &rule.test {
        Test::Diagnosis { accepted } => diagnosis(accepted, facts),
        Test::Age { min_age_years } => age(*min_age_years, facts),
        Test::Severity { bsa_min, iga_min, easi_min, sites } => severity(
            &Thresholds { bsa_min: *bsa_min, iga_min: *iga_min, easi_min: *easi_min, sites },
            facts,
        ),
        Test::TopicalFailure { outcomes, classes, corticosteroid_min_potency } => topical_failure(
            policy,
            &Qualifying {
                outcomes,
                classes,
                corticosteroid_min_potency: *corticosteroid_min_potency,
            },
            facts,
        ),
        Test::NoConcurrent { excluded_classes, excluded_agents, outcomes } => no_concurrent(
            policy,
            &Exclusions { classes: excluded_classes, agents: excluded_agents, outcomes },
            facts,
        ),
        Test::Dosing => {
            let (status, reason) = check_dosing(policy, facts);
            (status, reason, spans(facts, &["dosing", "age_years", "weight_kg"]))
        }
        Test::Prescriber { specialties } => prescriber(specialties, facts),
    };
    Criterion {
        id: rule.id.clone(),
        required: rule.required,
        status,
        reason,
        evidence: distinct(evidence),
    }
}

/// The spans without repeats, in first-seen order: facts may cite one phrase twice.
fn distinct(spans: Vec<Span>) -> Vec<Span> {
    let mut seen = std::collections::HashSet::new();
    spans.into_iter().filter(|span| seen.insert((span.start, span.end))).collect()
}

type Outcome3 = (CriterionStatus, String, Vec<Span>);

/// A number as a reviewer writes it: `10`, `1.5`, `0.33`.
pub fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A vocabulary value as written in records (`topical_calcineurin_inhibitor`).
pub fn vocabulary<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The evidence of the scalar facts at `keys`, in key order.
fn spans(facts: &Facts, keys: &[&str]) -> Vec<Span> {
    keys.iter().filter_map(|key| facts.evidence.get(*key)).flatten().cloned().collect()
}

fn diagnosis(accepted: &[String], facts: &Facts) -> Outcome3 {
    let evidence = spans(facts, &["diagnosis"]);
    match facts.diagnosis.as_deref() {
        Some(d) if accepted.iter().any(|a| a == d) => {
            (Met, format!("{} affirmed", words(d)), evidence)
        }
        Some(d) => (
            NotMet,
            format!(
                "the eruption is documented as {}, not {}",
                words(d),
                accepted.iter().map(|a| words(a)).collect::<Vec<_>>().join(" or ")
            ),
            evidence,
        ),
        None => (NotDocumented, "no affirmed diagnosis of atopic dermatitis".into(), evidence),
    }
}

/// `atopic_dermatitis` -> "atopic dermatitis".
fn words(term: &str) -> String {
    term.replace('_', " ")
}

/// A treatment class as a clinician writes it: "oral JAK inhibitor".
pub(crate) fn class_words(class: &TreatmentClass) -> String {
    let text = words(&vocabulary(class));
    text.split(' ')
        .map(|word| match word {
            "jak" => "JAK",
            "pde4" => "PDE4",
            "ahr" => "AhR",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn age(min_age_years: f64, facts: &Facts) -> Outcome3 {
    let evidence = spans(facts, &["age_years"]);
    match facts.age_years {
        Some(age) if age >= min_age_years => {
            (Met, format!("age {} y >= {} y", number(age), number(min_age_years)), evidence)
        }
        Some(age) => {
            (NotMet, format!("age {} y < {} y", number(age), number(min_age_years)), evidence)
        }
        None => (NotDocumented, "age not documented".into(), evidence),
    }
}

struct Thresholds<'a> {
    bsa_min: Option<f64>,
    iga_min: Option<f64>,
    easi_min: Option<f64>,
    sites: &'a [Site],
}

fn severity(t: &Thresholds, facts: &Facts) -> Outcome3 {
    let m = &facts.measures;
    // The policy's IGA threshold reads the same on a 0-5 scale (3 = moderate);
    // the reason names the scale so a reviewer can check.
    let iga = m.iga_scale.map_or("IGA".to_string(), |scale| format!("IGA (0-{scale} scale)"));
    let measures = [
        ("BSA", "%", m.bsa_percent, t.bsa_min, "measures.bsa_percent"),
        (iga.as_str(), "", m.iga, t.iga_min, "measures.iga"),
        ("EASI", "", m.easi, t.easi_min, "measures.easi"),
    ];
    let mut parts = Vec::new();
    let mut keys = Vec::new();
    let mut any_met = false;
    let mut any_documented = false;
    for (name, unit, value, min, key) in measures {
        let (Some(value), Some(min)) = (value, min) else { continue };
        any_documented = true;
        any_met |= value >= min;
        let sign = if value >= min { ">=" } else { "<" };
        parts.push(format!("{name} {}{unit} {sign} {}{unit}", number(value), number(min)));
        keys.push(key.to_string());
    }
    let sites: Vec<Site> =
        facts.high_impact_sites.iter().copied().filter(|s| t.sites.contains(s)).collect();
    if sites.is_empty() {
        if any_documented && !t.sites.is_empty() {
            parts.push("no high-impact site involved".into());
        }
    } else {
        any_met = true;
        let names: Vec<String> = sites.iter().map(vocabulary).collect();
        parts.push(format!("{} involved", names.join(", ")));
        keys.extend(names.iter().map(|n| format!("high_impact_sites.{n}")));
    }
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let evidence = spans(facts, &keys);
    match (any_met, any_documented) {
        (true, _) => (Met, parts.join("; "), evidence),
        (false, true) => (NotMet, parts.join("; "), evidence),
        (false, false) => {
            (NotDocumented, "no BSA, IGA, EASI or high-impact site documented".into(), evidence)
        }
    }
}

struct Qualifying<'a> {
    outcomes: &'a [Outcome],
    classes: &'a [TreatmentClass],
    corticosteroid_min_potency: Option<Potency>,
}

/// A treatment's potency: as the note gives it, else the policy's table.
pub fn potency_of(policy: &Policy, treatment: &Treatment) -> Option<Potency> {
    treatment.potency.or_else(|| policy.potency.get(&treatment.agent).copied())
}

/// Why a treatment does or does not count as a qualifying topical.
fn qualifies(policy: &Policy, q: &Qualifying, t: &Treatment) -> Result<String, String> {
    let outcome = vocabulary(&t.outcome);
    if t.class == TreatmentClass::TopicalCorticosteroid {
        let potency = potency_of(policy, t);
        let label = potency.map_or("unknown-potency".to_string(), |p| {
            format!("{}-potency", vocabulary(&p).replace('_', "-"))
        });
        let text = format!("{outcome} {} ({label} topical corticosteroid)", t.agent);
        let enough =
            matches!((potency, q.corticosteroid_min_potency), (Some(p), Some(min)) if p >= min);
        return if enough { Ok(text) } else { Err(text) };
    }
    let text = format!("{outcome} {} ({})", t.agent, class_words(&t.class));
    if q.classes.contains(&t.class) {
        Ok(text)
    } else {
        Err(text)
    }
}

fn topical_failure(policy: &Policy, q: &Qualifying, facts: &Facts) -> Outcome3 {
    let tried = facts.treatments.iter().filter(|t| q.outcomes.contains(&t.outcome));
    let (mut met, mut other) = (Vec::new(), Vec::new());
    let mut evidence = Vec::new();
    for treatment in tried {
        match qualifies(policy, q, treatment) {
            Ok(text) => {
                met.push(text);
                evidence.extend(treatment.evidence.iter().cloned());
            }
            Err(text) if is_topical(treatment.class) => other.push(text),
            Err(_) => {}
        }
    }
    if !met.is_empty() {
        return (Met, met.join("; "), evidence);
    }
    // Only a stated absence of prescription topicals is a denial; silence is
    // a documentation gap.
    if facts.no_prescription_topicals {
        let stated = spans(facts, &["no_prescription_topicals"]);
        return (
            NotMet,
            "the note states no prescription topical therapy was tried".into(),
            stated,
        );
    }
    let reason = if other.is_empty() {
        "no failure, intolerance or contraindication of a qualifying prescription topical documented".to_string()
    } else {
        format!("no qualifying topical failure: {} does not qualify", other.join("; "))
    };
    (NotDocumented, reason, evidence)
}

fn is_topical(class: TreatmentClass) -> bool {
    vocabulary(&class).starts_with("topical_")
}

struct Exclusions<'a> {
    classes: &'a [TreatmentClass],
    agents: &'a [String],
    outcomes: &'a [Outcome],
}

fn no_concurrent(policy: &Policy, x: &Exclusions, facts: &Facts) -> Outcome3 {
    let conflicting: Vec<&Treatment> = facts
        .treatments
        .iter()
        .filter(|t| {
            t.agent != policy.drug && Some(t.agent.as_str()) != facts.requested_drug.as_deref()
        })
        .filter(|t| x.outcomes.contains(&t.outcome))
        .filter(|t| x.classes.contains(&t.class) || x.agents.contains(&t.agent))
        .collect();
    if conflicting.is_empty() {
        let mut excluded: Vec<String> = x.classes.iter().map(class_words).collect();
        excluded.extend(x.agents.iter().cloned());
        return (
            Met,
            format!("no {} current or planned alongside {}", excluded.join(" or "), policy.drug),
            Vec::new(),
        );
    }
    let names: Vec<String> = conflicting
        .iter()
        .map(|t| format!("{} ({}) is {}", t.agent, class_words(&t.class), vocabulary(&t.outcome)))
        .collect();
    let evidence = conflicting.iter().flat_map(|t| t.evidence.iter().cloned()).collect();
    (NotMet, format!("{} and not documented as stopped", names.join("; ")), evidence)
}

fn prescriber(specialties: &[Specialty], facts: &Facts) -> Outcome3 {
    let evidence = spans(facts, &["prescriber_specialty"]);
    let allowed: Vec<String> = specialties.iter().map(|s| words(&vocabulary(s))).collect();
    match facts.prescriber_specialty {
        Some(s) if specialties.contains(&s) => {
            (Met, format!("prescribed in {}", words(&vocabulary(&s))), evidence)
        }
        Some(s) => (
            NotMet,
            format!(
                "prescriber specialty {} is not {}",
                words(&vocabulary(&s)),
                allowed.join(" or ")
            ),
            evidence,
        ),
        None => (NotDocumented, "prescriber specialty not documented".into(), evidence),
    }
}
