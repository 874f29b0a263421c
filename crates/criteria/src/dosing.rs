//! The dosing check: the documented regimen against the label row for the
//! patient's age and weight.

use crate::policy::{DosingRow, Policy};
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

/// The label row of `policy` for the patient of `facts`.
pub fn label_row<'a>(policy: &'a Policy, facts: &Facts) -> LabelRow<'a> {
    let Some(age) = facts.age_years else { return LabelRow::NeedsAge };
    let for_age: Vec<&DosingRow> = policy.dosing.iter().filter(|row| row.covers_age(age)).collect();
    if let Some(row) = for_age.iter().find(|row| !row.needs_weight()) {
        return LabelRow::Found(row);
    }
    match facts.weight_kg {
        Some(weight) => for_age
            .into_iter()
            .find(|row| row.covers_weight(weight))
            .map_or(LabelRow::NoRow, LabelRow::Found),
        None if for_age.is_empty() => LabelRow::NoRow,
        None => LabelRow::NeedsWeight,
    }
}

/// A regimen as a reviewer writes it: "600 mg, then 300 mg every 2 weeks".
pub fn describe_regimen(
    loading_mg: Option<f64>,
    maintenance_mg: Option<f64>,
    interval_weeks: Option<f64>,
) -> String {
    let maintenance = maintenance_mg
        .map_or("maintenance dose not stated".to_string(), |mg| format!("{} mg", number(mg)));
    let interval = interval_weeks
        .map_or(", interval not stated".to_string(), |w| format!(" every {} weeks", number(w)));
    match loading_mg {
        Some(mg) => format!("{} mg, then {maintenance}{interval}", number(mg)),
        None => format!("{maintenance}{interval}"),
    }
}

/// The label row's regimen in words.
pub fn describe_row(row: &DosingRow) -> String {
    let regimen =
        describe_regimen(row.loading_mg, Some(row.maintenance_mg), Some(row.interval_weeks));
    if row.loading_mg.is_none() {
        format!("{regimen} (no loading dose)")
    } else {
        regimen
    }
}

/// The dosing criterion's status and reason.
pub fn check_dosing(policy: &Policy, facts: &Facts) -> (CriterionStatus, String) {
    let dosing = &facts.dosing;
    if dosing.loading_mg.is_none()
        && dosing.maintenance_mg.is_none()
        && dosing.interval_weeks.is_none()
    {
        return (CriterionStatus::NotDocumented, "no regimen documented".into());
    }
    let documented =
        describe_regimen(dosing.loading_mg, dosing.maintenance_mg, dosing.interval_weeks);
    match label_row(policy, facts) {
        LabelRow::Found(row) => compare_with_row(row, dosing, &documented),
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

fn compare_with_row(
    row: &DosingRow,
    dosing: &Dosing,
    documented: &str,
) -> (CriterionStatus, String) {
    let label = format!("label for {}: {}", row.label, describe_row(row));
    let loading_differs = dosing.loading_mg.is_some() && dosing.loading_mg != row.loading_mg;
    let differs = loading_differs
        || dosing.maintenance_mg.is_some_and(|mg| mg != row.maintenance_mg)
        || dosing.interval_weeks.is_some_and(|w| w != row.interval_weeks);
    if differs {
        return (CriterionStatus::NotMet, format!("documented {documented}; {label}"));
    }
    if dosing.maintenance_mg.is_none() || dosing.interval_weeks.is_none() {
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
    (CriterionStatus::Met, format!("documented {documented}{loading_note} matches the {label}"))
}

fn patient(facts: &Facts) -> String {
    let age = facts.age_years.map_or("unknown age".to_string(), |a| format!("age {} y", number(a)));
    match facts.weight_kg {
        Some(w) => format!("{age}, {} kg", number(w)),
        None => age,
    }
}
