//! Each criterion kind applied to a case's facts: a status, a reason a
//! reviewer can read, and the evidence spans it rests on.

use crate::dosing::check_dosing;
use crate::policy::{Policy, Rule, Severity, Test};
use crate::prior::prior_failure;
use crate::renewal::{response, time_on_therapy};
use crate::route::ended_before_the_note;
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
        Test::Severity(test) => severity(test, facts),
        Test::PriorFailure(test) => prior_failure(policy, test, facts),
        Test::NoConcurrent { excluded_classes, excluded_agents, outcomes } => no_concurrent(
            policy,
            &Exclusions { classes: excluded_classes, agents: excluded_agents, outcomes },
            facts,
        ),
        Test::Dosing { ceiling } => {
            let (status, reason) = check_dosing(policy, facts, *ceiling);
            (status, reason, spans(facts, &["dosing", "age_years", "weight_kg"]))
        }
        Test::Prescriber { specialties } => prescriber(specialties, facts),
        Test::TimeOnTherapy { min_weeks } => time_on_therapy(policy, *min_weeks, facts),
        Test::Response(test) => response(policy, test, facts),
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

/// A criterion's status, its reason and the evidence it rests on.
pub(crate) type Outcome3 = (CriterionStatus, String, Vec<Span>);

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
pub(crate) fn spans(facts: &Facts, keys: &[&str]) -> Vec<Span> {
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
pub(crate) fn words(term: &str) -> String {
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

/// How the involved sites stand under a policy that counts sites from an age.
enum SiteAge {
    Counts,
    TooYoung(f64, f64),
    AgeUnknown(f64),
}

fn site_age(t: &Severity, facts: &Facts) -> SiteAge {
    match (t.sites_min_age_years, facts.age_years) {
        (None, _) => SiteAge::Counts,
        (Some(min), Some(age)) if age >= min => SiteAge::Counts,
        (Some(min), Some(age)) => SiteAge::TooYoung(age, min),
        (Some(min), None) => SiteAge::AgeUnknown(min),
    }
}

/// What the severity criterion has read so far: reason parts, evidence
/// keys, and whether anything met, was documented, or waits on the age.
#[derive(Default)]
struct SeverityReading {
    parts: Vec<String>,
    keys: Vec<String>,
    met: bool,
    documented: bool,
    age_needed: bool,
}

fn severity(t: &Severity, facts: &Facts) -> Outcome3 {
    let mut reading = SeverityReading::default();
    let not_accepted = read_measures(t, facts, &mut reading);
    read_sites(t, facts, &mut reading);
    let SeverityReading { mut parts, keys, met, documented, age_needed } = reading;
    if !not_accepted.is_empty() {
        parts.push(format!("{} not accepted by this policy", not_accepted.join(", ")));
    }
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let evidence = spans(facts, &keys);
    if met {
        (Met, parts.join("; "), evidence)
    } else if age_needed {
        (NotDocumented, parts.join("; "), evidence)
    } else if documented {
        (NotMet, parts.join("; "), evidence)
    } else {
        (NotDocumented, nothing_documented(t, &not_accepted), evidence)
    }
}

/// Each measure against its threshold; returns the measures the policy
/// does not accept (no threshold), so the reason can name them.
fn read_measures(t: &Severity, facts: &Facts, reading: &mut SeverityReading) -> Vec<String> {
    let m = &facts.measures;
    // The policy's IGA threshold reads the same on a 0-5 scale (3 = moderate);
    // the reason names the scale so a reviewer can check.
    let iga = m.iga_scale.map_or("IGA".to_string(), |scale| format!("IGA (0-{scale} scale)"));
    let measures = [
        ("BSA", "%", m.bsa_percent, t.bsa_min, "measures.bsa_percent"),
        (iga.as_str(), "", m.iga, t.iga_min, "measures.iga"),
        ("EASI", "", m.easi, t.easi_min, "measures.easi"),
    ];
    let mut not_accepted = Vec::new();
    for (name, unit, value, min, key) in measures {
        let Some(value) = value else { continue };
        let Some(min) = min else {
            not_accepted.push(format!("{name} {}{unit}", number(value)));
            continue;
        };
        reading.documented = true;
        reading.met |= value >= min;
        let sign = if value >= min { ">=" } else { "<" };
        reading.parts.push(format!("{name} {}{unit} {sign} {}{unit}", number(value), number(min)));
        reading.keys.push(key.to_string());
    }
    not_accepted
}

/// The listed sites involved, counted when the patient is of the sites' age.
fn read_sites(t: &Severity, facts: &Facts, reading: &mut SeverityReading) {
    let sites: Vec<Site> =
        facts.high_impact_sites.iter().copied().filter(|s| t.sites.contains(s)).collect();
    if sites.is_empty() {
        if reading.documented && !t.sites.is_empty() {
            reading.parts.push("no high-impact site involved".into());
        }
        return;
    }
    let names: Vec<String> = sites.iter().map(vocabulary).collect();
    reading.keys.extend(names.iter().map(|n| format!("high_impact_sites.{n}")));
    let involved = format!("{} involved", names.join(", "));
    let part = match site_age(t, facts) {
        SiteAge::Counts => {
            reading.met = true;
            involved
        }
        SiteAge::TooYoung(age, min) => {
            reading.documented = true;
            format!(
                "{involved}, but sites count from age {} y (age {} y)",
                number(min),
                number(age)
            )
        }
        SiteAge::AgeUnknown(min) => {
            reading.age_needed = true;
            format!(
                "{involved}, but sites count from age {} y and the age is not documented",
                number(min)
            )
        }
    };
    if t.sites_min_age_years.is_some() {
        reading.keys.push("age_years".into());
    }
    reading.parts.push(part);
}

/// "no BSA, IGA, EASI or high-impact site documented", naming only what the policy accepts.
fn nothing_documented(t: &Severity, not_accepted: &[String]) -> String {
    let mut accepted: Vec<&str> = [("BSA", t.bsa_min), ("IGA", t.iga_min), ("EASI", t.easi_min)]
        .into_iter()
        .filter_map(|(name, min)| min.map(|_| name))
        .collect();
    if !t.sites.is_empty() {
        accepted.push("high-impact site");
    }
    let listed = match accepted.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    let mut reason = format!("no {listed} documented");
    if !not_accepted.is_empty() {
        reason.push_str(&format!(" ({} not accepted by this policy)", not_accepted.join(", ")));
    }
    reason
}

/// A treatment's potency: as the note gives it, else the policy's table.
pub fn potency_of(policy: &Policy, treatment: &Treatment) -> Option<Potency> {
    treatment.potency.or_else(|| policy.potency.get(&treatment.agent).copied())
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
        // A course the note dates as ended before it ("discontinued on
        // 12/02/2025") goes on alongside nothing, whatever its outcome says.
        .filter(|t| {
            let ended =
                t.stopped || (t.outcome == Outcome::Current && ended_before_the_note(t, facts));
            (x.outcomes.contains(&t.outcome) && !ended) || still_taken(x, facts, t)
        })
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
        .map(|t| {
            let taken = if still_taken(x, facts, t) { ", still taken" } else { "" };
            format!("{} ({}) is {}{taken}", t.agent, class_words(&t.class), vocabulary(&t.outcome))
        })
        .collect();
    let evidence = conflicting.iter().flat_map(|t| t.evidence.iter().cloned()).collect();
    (NotMet, format!("{} and not documented as stopped", names.join("; ")), evidence)
}

/// Whether a drug that failed or was not tolerated is still taken on the
/// note's date (its `last_used` is the note's date: "partial response,
/// continues abrocitinib"), which a policy excluding current use excludes.
fn still_taken(x: &Exclusions, facts: &Facts, t: &Treatment) -> bool {
    x.outcomes.contains(&Outcome::Current)
        && !x.outcomes.contains(&t.outcome)
        && matches!(t.outcome, Outcome::Failed | Outcome::Intolerant)
        && t.last_used.is_some()
        && t.last_used == facts.note_date
        && !t.stopped
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
