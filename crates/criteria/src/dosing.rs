//! The dosing check: the documented regimen against the label row for the
//! patient's age and weight, as the regimen to match or as a ceiling.

use crate::policy::{DosingRow, Interval, Policy};
use crate::rules::number;
use necessity_record::{CriterionStatus, Dosing, Facts};

/// Which label row applies to a patient, or why none can be chosen.
#[derive(Clone, Debug, PartialEq)]
pub enum LabelRow<'a> {
    Found(&'a DosingRow),
    /// The row cannot be chosen without the age.
    NeedsAge,
    /// Rows for this age differ by weight and the weight is not documented.
    NeedsWeight,
    /// The label gives no regimen for this age and weight.
    NoRow,
}

/// The label row of `policy` for the patient of `facts`. Where the label
/// gives several regimens for one patient (induction and maintenance, a
/// dose raised after an inadequate response), the one the note documents
/// is chosen, else the first.
pub fn label_row<'a>(policy: &'a Policy, facts: &Facts) -> LabelRow<'a> {
    let Some(age) = facts.age_years else { return LabelRow::NeedsAge };
    let for_age: Vec<&DosingRow> = policy.dosing.iter().filter(|row| row.covers_age(age)).collect();
    let fits_weight = |row: &DosingRow| facts.weight_kg.is_some_and(|w| row.covers_weight(w));
    // A row that does not depend on weight comes first, as a label reads.
    let candidates: Vec<&DosingRow> = for_age
        .iter()
        .filter(|row| !row.needs_weight())
        .chain(for_age.iter().filter(|row| row.needs_weight() && fits_weight(row)))
        .copied()
        .collect();
    let Some(first) = candidates.first() else {
        return match facts.weight_kg {
            None if !for_age.is_empty() => LabelRow::NeedsWeight,
            _ => LabelRow::NoRow,
        };
    };
    let documented = candidates.iter().find(|row| !differs(row, &facts.dosing, false));
    LabelRow::Found(documented.unwrap_or(first))
}

/// An interval in words: "every 2 weeks", "daily", "every 2 days".
fn describe_interval(interval: Interval) -> String {
    match interval {
        Interval::Weeks(1.0) => "every week".to_string(),
        Interval::Weeks(weeks) => format!("every {} weeks", number(weeks)),
        Interval::Days(1.0) => "daily".to_string(),
        Interval::Days(days) => format!("every {} days", number(days)),
    }
}

/// The documented interval, whichever way the note wrote it.
fn documented_interval(dosing: &Dosing) -> Option<Interval> {
    dosing.interval_days.map(Interval::Days).or(dosing.interval_weeks.map(Interval::Weeks))
}

/// A regimen as a reviewer writes it: "600 mg, then 300 mg every 2 weeks".
fn describe_regimen(
    loading_mg: Option<f64>,
    maintenance_mg: Option<f64>,
    interval: Option<Interval>,
) -> String {
    let maintenance = maintenance_mg
        .map_or("maintenance dose not stated".to_string(), |mg| format!("{} mg", number(mg)));
    let interval = interval
        .map_or(", interval not stated".to_string(), |i| format!(" {}", describe_interval(i)));
    match loading_mg {
        Some(mg) => format!("{} mg, then {maintenance}{interval}", number(mg)),
        None => format!("{maintenance}{interval}"),
    }
}

/// The documented regimen in words.
pub fn describe_dosing(dosing: &Dosing) -> String {
    describe_regimen(dosing.loading_mg, dosing.maintenance_mg, documented_interval(dosing))
}

/// The label row's regimen in words.
pub fn describe_row(row: &DosingRow) -> String {
    let regimen = describe_regimen(row.loading_mg, Some(row.maintenance_mg), Some(row.interval));
    if row.loading_mg.is_none() {
        format!("{regimen} (no loading dose)")
    } else {
        regimen
    }
}

/// The dosing criterion's status and reason; with `ceiling`, a regimen at
/// or below the label passes.
pub fn check_dosing(policy: &Policy, facts: &Facts, ceiling: bool) -> (CriterionStatus, String) {
    let dosing = &facts.dosing;
    if dosing.is_empty() {
        return (CriterionStatus::NotDocumented, "no regimen documented".into());
    }
    let documented = describe_dosing(dosing);
    match label_row(policy, facts) {
        LabelRow::Found(row) => compare_with_row(row, dosing, &documented, ceiling),
        LabelRow::NeedsAge => (
            CriterionStatus::NotDocumented,
            format!(
                "documented {documented}; age not documented, so the label row cannot be chosen"
            ),
        ),
        LabelRow::NeedsWeight => (
            CriterionStatus::NotDocumented,
            format!(
                "documented {documented}; weight not documented and the label dose depends on it"
            ),
        ),
        LabelRow::NoRow => (
            CriterionStatus::NotMet,
            format!("documented {documented}; the label gives no regimen for {}", patient(facts)),
        ),
    }
}

/// Whether the documented parts of a regimen differ from the row (or, as a
/// ceiling, exceed it: a larger dose, or the same dose more often).
fn differs(row: &DosingRow, dosing: &Dosing, ceiling: bool) -> bool {
    let interval = dosing.interval_in_days();
    if ceiling {
        let per_day = |mg: f64, days: f64| mg / days;
        return dosing.loading_mg.is_some_and(|mg| mg > row.loading_mg.unwrap_or(0.0))
            || dosing.maintenance_mg.zip(interval).is_some_and(|(mg, days)| {
                per_day(mg, days) > per_day(row.maintenance_mg, row.interval.days())
            });
    }
    dosing.loading_mg.is_some_and(|mg| Some(mg) != row.loading_mg)
        || dosing.maintenance_mg.is_some_and(|mg| mg != row.maintenance_mg)
        || interval.is_some_and(|days| days != row.interval.days())
}

fn compare_with_row(
    row: &DosingRow,
    dosing: &Dosing,
    documented: &str,
    ceiling: bool,
) -> (CriterionStatus, String) {
    let label = format!("label for {}: {}", row.label, describe_row(row));
    if differs(row, dosing, ceiling) {
        let verb = if ceiling { " exceeds the" } else { ";" };
        return (CriterionStatus::NotMet, format!("documented {documented}{verb} {label}"));
    }
    if dosing.maintenance_mg.is_none() || dosing.interval_in_days().is_none() {
        return (
            CriterionStatus::NotDocumented,
            format!("documented {documented} (incomplete); {label}"),
        );
    }
    let loading_note = if dosing.loading_mg.is_none() && row.loading_mg.is_some() {
        " (loading dose not stated)"
    } else {
        ""
    };
    let verb = if ceiling { "is within" } else { "matches" };
    (CriterionStatus::Met, format!("documented {documented}{loading_note} {verb} the {label}"))
}

fn patient(facts: &Facts) -> String {
    let age = facts.age_years.map_or("unknown age".to_string(), |a| format!("age {} y", number(a)));
    match facts.weight_kg {
        Some(w) => format!("{age}, {} kg", number(w)),
        None => age,
    }
}
