//! Therapy that must have failed first: the topical trial of an initial
//! policy, a payer's "two of three classes", step therapy through preferred
//! products, the oral JAK label's failed systemic drugs. One kind, with the
//! qualifying agents and what makes a trial count as parameters.

use crate::policy::{Policy, PriorFailure};
use crate::rules::{class_words, number, potency_of, spans, vocabulary, Outcome3};
use necessity_record::{Facts, Outcome, Span, Treatment, TreatmentClass};
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;

use necessity_record::CriterionStatus::{Met, NotDocumented, NotMet};

/// What one qualifying trial amounts to under the policy's trial conditions.
enum Trial {
    Counts,
    /// The note shows it falls short (too short, too long ago).
    FallsShort(String),
    /// The note leaves out what the conditions need (its length, its date).
    Undocumented(String),
}

/// The trials of a case sorted by what they amount to, each described.
#[derive(Default)]
struct Trials {
    counted: Vec<(TreatmentClass, String)>,
    falling_short: Vec<String>,
    undocumented: Vec<String>,
    not_qualifying: Vec<String>,
    evidence: Vec<Span>,
}

/// The `prior_failure` criterion: met when enough distinct classes have a
/// qualifying trial that counts.
pub fn prior_failure(policy: &Policy, test: &PriorFailure, facts: &Facts) -> Outcome3 {
    let trials = sort_trials(policy, test, facts);
    let classes: BTreeSet<TreatmentClass> = trials.counted.iter().map(|(c, _)| *c).collect();
    let counted: Vec<&str> = trials.counted.iter().map(|(_, text)| text.as_str()).collect();
    if classes.len() >= test.min_classes {
        return (Met, counted.join("; "), trials.evidence);
    }
    // Only a stated absence of prescription topicals is a denial of a topical
    // criterion; silence is a documentation gap.
    if topical_only(test) && facts.no_prescription_topicals {
        let stated = spans(facts, &["no_prescription_topicals"]);
        let reason = "the note states no prescription topical therapy was tried".to_string();
        return (NotMet, reason, stated);
    }
    // Step therapy: a note that says the products were not tried (a form's
    // question naming them answered No), and tells no trial of any, denies
    // it.
    let denied: Vec<&String> =
        test.agents.iter().filter(|agent| facts.never_tried.contains(agent)).collect();
    let tried_any = facts.treatments.iter().any(|t| test.agents.contains(&t.agent));
    if !denied.is_empty() && !tried_any && counted.is_empty() {
        let keys: Vec<String> = denied.iter().map(|a| format!("never_tried.{a}")).collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let names: Vec<&str> = denied.iter().map(|a| a.as_str()).collect();
        let reason = format!("the note states {} was not tried", names.join(", "));
        return (NotMet, reason, spans(facts, &keys));
    }
    let mut parts = Vec::new();
    if !counted.is_empty() {
        parts.push(format!(
            "{} of the {} classes needed: {}",
            classes.len(),
            test.min_classes,
            counted.join("; ")
        ));
    }
    if !trials.undocumented.is_empty() {
        parts.extend(trials.undocumented);
        return (NotDocumented, parts.join("; "), trials.evidence);
    }
    if !trials.falling_short.is_empty() {
        parts.extend(trials.falling_short);
        return (NotMet, parts.join("; "), trials.evidence);
    }
    if parts.is_empty() {
        parts.push(nothing_qualifies(test, &trials.not_qualifying));
    } else if !trials.not_qualifying.is_empty() {
        parts.push(format!("{} does not qualify", trials.not_qualifying.join("; ")));
    }
    (NotDocumented, parts.join("; "), trials.evidence)
}

fn sort_trials(policy: &Policy, test: &PriorFailure, facts: &Facts) -> Trials {
    let mut trials = Trials::default();
    let tried = facts.treatments.iter().filter(|t| test.outcomes.contains(&t.outcome));
    for treatment in tried.filter(|t| t.agent != policy.drug) {
        let text = match qualifies(policy, test, treatment) {
            Ok(text) => text,
            Err(text) => {
                if worth_naming(test, treatment.class) {
                    trials.not_qualifying.push(text);
                }
                continue;
            }
        };
        let text = format!("{text}{}", trial_details(test, treatment));
        match trial(test, treatment, facts.note_date.as_deref()) {
            Trial::Counts => trials.counted.push((treatment.class, text)),
            Trial::FallsShort(why) => trials.falling_short.push(format!("{text}: {why}")),
            Trial::Undocumented(why) => trials.undocumented.push(format!("{text}: {why}")),
        }
        trials.evidence.extend(treatment.evidence.iter().cloned());
    }
    if test.lookback_months.is_some() && !trials.evidence.is_empty() {
        trials.evidence.extend(spans(facts, &["note_date"]));
    }
    trials
}

/// Why a treatment does or does not qualify by its class, potency or name.
fn qualifies(policy: &Policy, test: &PriorFailure, t: &Treatment) -> Result<String, String> {
    let outcome = vocabulary(&t.outcome);
    if test.agents.contains(&t.agent) {
        return Ok(format!("{outcome} {} ({})", t.agent, class_words(&t.class)));
    }
    if t.class == TreatmentClass::TopicalCorticosteroid {
        let potency = potency_of(policy, t);
        let label = potency.map_or("unknown-potency".to_string(), |p| {
            format!("{}-potency", vocabulary(&p).replace('_', "-"))
        });
        let text = format!("{outcome} {} ({label} topical corticosteroid)", t.agent);
        let enough =
            matches!((potency, test.corticosteroid_min_potency), (Some(p), Some(min)) if p >= min);
        return if enough { Ok(text) } else { Err(text) };
    }
    let text = format!("{outcome} {} ({})", t.agent, class_words(&t.class));
    if test.classes.contains(&t.class) {
        Ok(text)
    } else {
        Err(text)
    }
}

/// Whether the criterion asks only for topicals (then a note stating none
/// were tried fails it, and other topicals are named as not qualifying).
fn topical_only(test: &PriorFailure) -> bool {
    test.agents.is_empty() && test.classes.iter().all(|c| is_topical(*c))
}

/// Whether a non-qualifying treatment is worth naming in the reason: one of
/// the kind of therapy the criterion asks about (topical or systemic).
fn worth_naming(test: &PriorFailure, class: TreatmentClass) -> bool {
    if topical_only(test) {
        is_topical(class)
    } else {
        !is_topical(class) && class != TreatmentClass::Other
    }
}

fn is_topical(class: TreatmentClass) -> bool {
    vocabulary(&class).starts_with("topical_")
}

/// The reason when nothing qualifies, naming what would.
fn nothing_qualifies(test: &PriorFailure, not_qualifying: &[String]) -> String {
    if topical_only(test) {
        return if not_qualifying.is_empty() {
            "no failure, intolerance or contraindication of a qualifying prescription topical documented".to_string()
        } else {
            format!("no qualifying topical failure: {} does not qualify", not_qualifying.join("; "))
        };
    }
    let mut qualifying: Vec<String> = test.classes.iter().map(class_words).collect();
    qualifying.extend(test.agents.iter().cloned());
    let mut reason = format!(
        "no failure, intolerance or contraindication of {} documented",
        qualifying.join(" or ")
    );
    if !not_qualifying.is_empty() {
        reason.push_str(&format!("; {} does not qualify", not_qualifying.join("; ")));
    }
    reason
}

/// What the note says of a trial's length and date, when the policy asks.
fn trial_details(test: &PriorFailure, t: &Treatment) -> String {
    let mut details = String::new();
    if let (Some(_), Some(days)) = (test.min_trial_days, t.duration_days) {
        details.push_str(&format!(" for {} days", number(days)));
    }
    let dated = test.require_trial_date || test.lookback_months.is_some();
    if let (true, Some(last)) = (dated, t.last_used.as_deref()) {
        details.push_str(&format!(", last used {last}"));
    }
    details
}

/// Whether a qualifying trial counts under the trial conditions. A trial
/// the note shows to fall short outranks one it merely leaves undated.
fn trial(test: &PriorFailure, t: &Treatment, note_date: Option<&str>) -> Trial {
    let mut undocumented = None;
    if let Some(min) = test.min_trial_days.filter(|_| t.outcome == Outcome::Failed) {
        match t.duration_days {
            Some(days) if days < min => {
                return Trial::FallsShort(format!("under the {} days a trial needs", number(min)))
            }
            Some(_) => {}
            None => undocumented = Some("the length of the trial is not documented".to_string()),
        }
    }
    if test.require_trial_date || test.lookback_months.is_some() {
        match (t.last_used.as_deref().and_then(Month::latest_of), test.lookback_months) {
            (None, _) => {
                undocumented.get_or_insert("the date of the trial is not documented".to_string());
            }
            (Some(_), None) => {}
            (Some(last), Some(window)) => match note_date.and_then(Month::earliest_of) {
                None => {
                    undocumented.get_or_insert(
                        "the note's date is not documented, so the look-back cannot be counted"
                            .to_string(),
                    );
                }
                Some(note) if note.0 - last.0 > i64::from(window) => {
                    return Trial::FallsShort(format!(
                        "more than {window} months before the note's date ({})",
                        note_date.unwrap_or_default()
                    ))
                }
                Some(_) => {}
            },
        }
    }
    undocumented.map_or(Trial::Counts, Trial::Undocumented)
}

/// A calendar month as a count of months, so look-back windows subtract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Month(i64);

/// An ISO 8601 date as precise as a note gives it: a year, a month or a day.
static PARTIAL_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        ^ (?<year>\d{4})                       # 2024
          (?: - (?<month>0[1-9]|1[0-2])        # -03
              (?: - (?:0[1-9]|[12]\d|3[01]) )? # -15, which a month-wide window ignores
          )? $",
    )
    .expect("the partial date grammar compiles (unit-tested)")
});

impl Month {
    /// The month of a date; a bare year reads as `month_of_year_only`.
    fn parse(date: &str, month_of_year_only: i64) -> Option<Month> {
        let captures = PARTIAL_DATE.captures(date.trim())?;
        let year: i64 = captures["year"].parse().ok()?;
        let month =
            captures.name("month").map_or(Some(month_of_year_only), |m| m.as_str().parse().ok())?;
        Some(Month(year * 12 + month - 1))
    }

    /// The latest month a date can mean (a trial "in 2023" may have run to December).
    fn latest_of(date: &str) -> Option<Month> {
        Month::parse(date, 12)
    }

    /// The earliest month a date can mean.
    fn earliest_of(date: &str) -> Option<Month> {
        Month::parse(date, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates_read_to_their_month() {
        assert_eq!(Month::latest_of("2024"), Some(Month(2024 * 12 + 11)));
        assert_eq!(Month::earliest_of("2024"), Some(Month(2024 * 12)));
        assert_eq!(Month::latest_of("2024-03"), Some(Month(2024 * 12 + 2)));
        assert_eq!(Month::latest_of("2024-03-15"), Month::latest_of("2024-03"));
        for bad in ["24-03", "2024-13", "2024-03-32", "March 2024", ""] {
            assert_eq!(Month::latest_of(bad), None, "{bad}");
        }
    }
}
