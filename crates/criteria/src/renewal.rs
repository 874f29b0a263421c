//! The two criteria only a renewal asks: has the patient been on the drug
//! long enough to judge, and did it work.

use crate::policy::{Policy, Response};
use crate::rules::{number, spans, Outcome3};
use necessity_record::{Facts, ResponseStatement};

use necessity_record::CriterionStatus::{Met, NotDocumented, NotMet};

/// `time_on_therapy`: the days on the drug by the note's date (stated, or
/// counted by extraction from the start date) against the policy's minimum.
pub fn time_on_therapy(policy: &Policy, min_weeks: f64, facts: &Facts) -> Outcome3 {
    let evidence = spans(facts, &["time_on_therapy", "note_date"]);
    let course = facts.time_on_therapy.as_ref();
    let since = course
        .and_then(|c| c.start.as_deref())
        .map(|start| format!(" (since {start})"))
        .unwrap_or_default();
    match course.and_then(|c| c.days) {
        Some(days) => {
            let weeks = days / 7.0;
            let (status, sign) = if weeks >= min_weeks { (Met, ">=") } else { (NotMet, "<") };
            let reason = format!(
                "on {} for {} weeks{since} {sign} {} weeks",
                policy.drug,
                number(weeks.floor()),
                number(min_weeks)
            );
            (status, reason, evidence)
        }
        None if !since.is_empty() => {
            let why = match facts.note_date.as_deref() {
                None => {
                    "the note's date is not documented, so the time on therapy cannot be counted"
                        .to_string()
                }
                Some(date) => format!("its length by the note's date ({date}) is not documented"),
            };
            (NotDocumented, format!("on {}{since}, but {why}", policy.drug), evidence)
        }
        None => (
            NotDocumented,
            format!("no start date or duration of the current {} course", policy.drug),
            evidence,
        ),
    }
}

/// One measure compared from baseline to now.
struct Change {
    text: String,
    improved: bool,
    keys: [String; 2],
}

/// `response`: any measure that fell enough from baseline, a current IGA of
/// clear or almost clear, or the prescriber's statement of improvement;
/// never when the prescriber states no improvement.
pub fn response(policy: &Policy, test: &Response, facts: &Facts) -> Outcome3 {
    let changes = changes(test, facts);
    let mut parts: Vec<String> = changes.iter().map(|c| c.text.clone()).collect();
    let mut keys: Vec<String> = changes.iter().flat_map(|c| c.keys.iter().cloned()).collect();
    let iga_fell = changes.iter().any(|c| c.improved && c.keys[1] == "measures.iga");
    let improved_now = current_iga_clear(test, facts).filter(|_| !iga_fell);
    if let Some(text) = &improved_now {
        parts.push(text.clone());
        keys.push("measures.iga".into());
    }
    match facts.response {
        Some(ResponseStatement::Improved) => {
            parts.push("the prescriber documents improvement".into());
            keys.push("response".into());
        }
        Some(ResponseStatement::NotImproved) => {
            parts.push("the prescriber documents no improvement".into());
            keys.push("response".into());
        }
        None => {}
    }
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let evidence = spans(facts, &keys);
    // The prescriber's word that the drug did not work outranks a measure
    // that fell ("no meaningful improvement" beside BSA 30% -> 28%): the
    // numbers and the word disagree, and not met sends it to a reviewer.
    let said_not_improved = facts.response == Some(ResponseStatement::NotImproved);
    let met = !said_not_improved
        && (changes.iter().any(|c| c.improved)
            || improved_now.is_some()
            || facts.response == Some(ResponseStatement::Improved));
    if met {
        (Met, parts.join("; "), evidence)
    } else if !parts.is_empty() {
        (NotMet, parts.join("; "), evidence)
    } else {
        let reason = format!(
            "no response to {} documented: no baseline to compare current values with, and no statement of response",
            policy.drug
        );
        (NotDocumented, reason, evidence)
    }
}

/// Each measure the policy counts and the note gives at baseline and now.
fn changes(test: &Response, facts: &Facts) -> Vec<Change> {
    let (before, now) = (&facts.measures_baseline, &facts.measures);
    let mut changes = Vec::new();
    let rows = [
        ("EASI", "", "easi", before.easi, now.easi, test.easi_drop_percent, true),
        ("IGA", "", "iga", before.iga, now.iga, test.iga_drop, false),
        (
            "BSA",
            "%",
            "bsa_percent",
            before.bsa_percent,
            now.bsa_percent,
            test.bsa_drop_percent,
            true,
        ),
        ("itch NRS", "", "itch_nrs", before.itch_nrs, now.itch_nrs, test.itch_drop, false),
    ];
    for (name, unit, key, before, now, least_fall, relative) in rows {
        let (Some(before), Some(now), Some(least_fall)) = (before, now, least_fall) else {
            continue;
        };
        let fall = before - now;
        let (shown_fall, change) = if relative {
            if before <= 0.0 {
                continue;
            }
            let percent = (100.0 * fall / before).round();
            (percent, format!("{} %", signed(-percent)))
        } else {
            (fall, format!("{} points", signed(-fall)))
        };
        let improved = fall > 0.0 && shown_fall >= least_fall;
        let mut text =
            format!("{name} {}{unit} -> {}{unit} ({change})", number(before), number(now));
        if !improved {
            let what = if relative { " %" } else { " points" };
            text.push_str(&format!(", not the fall of {}{what} that counts", number(least_fall)));
        }
        changes.push(Change {
            text,
            improved,
            keys: [format!("measures_baseline.{key}"), format!("measures.{key}")],
        });
    }
    changes
}

/// "-79", "+25", "0": a change with its sign.
fn signed(value: f64) -> String {
    if value > 0.0 {
        format!("+{}", number(value))
    } else if value < 0.0 {
        number(value)
    } else {
        "0".to_string()
    }
}

/// A current IGA at or below the policy's "clear or almost clear" level.
fn current_iga_clear(test: &Response, facts: &Facts) -> Option<String> {
    let (iga, at_most) = (facts.measures.iga?, test.iga_at_most?);
    let on_four_point_scale = facts.measures.iga_scale.is_none_or(|scale| scale == 4);
    (on_four_point_scale && iga <= at_most)
        .then(|| format!("IGA now {} (clear or almost clear)", number(iga)))
}
