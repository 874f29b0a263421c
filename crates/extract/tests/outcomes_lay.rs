//! Outcomes a reviewer reads in lay words, in list items and after a
//! drug's own remarks (issue #11, session 6): every sentence here is
//! written for the test, with the counter-examples that must not change.

use necessity_extract::{extract_case, Lexicons};
use necessity_record::{Facts, Outcome};

fn facts(text: &str) -> Facts {
    extract_case(&Lexicons::builtin(), text)
}

fn outcome(facts: &Facts, agent: &str) -> Option<Outcome> {
    facts.treatments.iter().find(|t| t.agent == agent).map(|t| t.outcome)
}

const AD: &str = "Atopic dermatitis of the arms and legs. ";

fn last_used(facts: &Facts, agent: &str) -> Option<String> {
    facts.treatments.iter().find(|t| t.agent == agent).and_then(|t| t.last_used.clone())
}

#[test]
fn lay_words_of_a_course_that_did_little_are_failures() {
    let f =
        facts(&format!("{AD}She put OTC hydrocortisone 1% on for a month and it didn't do much."));
    assert_eq!(outcome(&f, "hydrocortisone"), Some(Outcome::Failed));
    let f =
        facts(&format!("{AD}The desonide 0.05% cream she uses twice a day is not helping at all."));
    assert_eq!(outcome(&f, "desonide"), Some(Outcome::Failed));
    let f =
        facts(&format!("{AD}- Desonide 0.05% cream (2024-2025) - itchy throughout; insufficient."));
    assert_eq!(outcome(&f, "desonide"), Some(Outcome::Failed));
    let f = facts(&format!("{AD}Fluocinolone oil to the scalp for years with poor control."));
    assert_eq!(outcome(&f, "fluocinolone"), Some(Outcome::Failed));
    // Counter-examples: help is no failure, and a payer's lack of papers
    // is no lack of effect.
    let f = facts(&format!("{AD}Desonide 0.05% cream twice daily helps with the itch."));
    assert_ne!(outcome(&f, "desonide"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD}The plan returned the tacrolimus request: insufficient documentation of a trial."
    ));
    assert_ne!(outcome(&f, "tacrolimus"), Some(Outcome::Failed));
}

#[test]
fn flaring_on_through_a_course_in_its_sentence_is_a_failure() {
    let f = facts(&format!(
        "{AD}Mometasone 0.1% ointment BID for 6 weeks, and he keeps flaring on the shins."
    ));
    assert_eq!(outcome(&f, "mometasone"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD}  - Halobetasol 0.05% cream to the legs, in use now\n    for 3 months: she continues to flare every week."
    ));
    assert_eq!(outcome(&f, "halobetasol"), Some(Outcome::Failed));
}

#[test]
fn a_flare_after_the_list_or_in_a_new_sentence_is_not_the_items() {
    // A line left of the item's text speaks of the whole list.
    let f = facts(&format!(
        "{AD}Tried so far:\n - pimecrolimus 1% cream in 2022: stinging, stopped after 2 days\nHe continues to flare despite all of the above."
    ));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Intolerant));
    // An abbreviation's stop the sentence splitter kept ("wk.") still
    // ends what is said of the drug.
    let f = facts(&format!(
        "{AD}Pimecrolimus 1% cream - stinging, stopped after 2 wk.\nContinues to flare despite TCS."
    ));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Intolerant));
}

#[test]
fn a_flare_back_on_or_after_the_course_is_a_failure() {
    let f = facts(&format!("{AD}A prednisone burst in May cleared her for a week, then flared."));
    assert_eq!(outcome(&f, "prednisone"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD}Fluocinonide ointment to the hands worked only while he was applying it."
    ));
    assert_eq!(outcome(&f, "fluocinonide"), Some(Outcome::Failed));
    let f =
        facts(&format!("{AD}- halcinonide cream, 2023: her legs flared every time it was stopped"));
    assert_eq!(outcome(&f, "halcinonide"), Some(Outcome::Failed));
    // Counter-example: an eye condition that returns when the drops are
    // tapered says the drops work.
    let f = facts(&format!(
        "{AD}The conjunctivitis settled on loteprednol drops and came back within two weeks when they were tapered, so she uses them again."
    ));
    assert_ne!(outcome(&f, "loteprednol"), Some(Outcome::Failed));
}

#[test]
fn a_word_of_use_about_the_drug_leaves_the_clause_open() {
    let f = facts(&format!(
        "{AD}- Loratadine 10 mg daily - takes it every morning; doesn't touch the itch."
    ));
    assert_eq!(outcome(&f, "loratadine"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD}- Hydrocortisone 2.5% ointment (started by his pediatrician at 6 months), used on and off since: did little."
    ));
    assert_eq!(outcome(&f, "hydrocortisone"), Some(Outcome::Failed));
    // Counter-example: use that helps stays current.
    let f = facts(&format!("{AD}- Loratadine 10 mg daily - takes it every morning and it helps."));
    assert_eq!(outcome(&f, "loratadine"), Some(Outcome::Current));
}

#[test]
fn a_failure_later_in_the_drugs_own_list_item_reaches_it() {
    let f = facts(&format!(
        "{AD}Prior therapy:\n  3. Pimecrolimus 1% cream to the eyelids, 01/2025 to 04/2025.\n     Some help at first, but the neck kept flaring through the spring - an inadequate response.\n"
    ));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Failed));
    // Counter-example: a plan's item says what comes next, not how the
    // drug went.
    let f = facts(&format!(
        "{AD}ASSESSMENT AND PLAN:\n  2. Pimecrolimus 1% cream to the eyelids twice daily, new today.\n     Her legs itch at night and the itch there remains poorly controlled - add wet wraps.\n"
    ));
    assert_ne!(outcome(&f, "pimecrolimus"), Some(Outcome::Failed));
}

#[test]
fn an_adverse_effect_that_stopped_or_limited_a_drug_is_an_intolerance() {
    let f = facts(&format!("{AD}Montelukast was stopped after a month because of nightmares."));
    assert_eq!(outcome(&f, "montelukast"), Some(Outcome::Intolerant));
    let f = facts(&format!(
        "{AD}Gabapentin was raised to 300 mg TID but the dose was limited by dizziness; she takes 100 mg at night."
    ));
    assert_eq!(outcome(&f, "gabapentin"), Some(Outcome::Intolerant));
    // Counter-example: a symptom with no stop and no limit is no
    // intolerance.
    let f = facts(&format!("{AD}He has nightmares since the move. Montelukast 10 mg nightly."));
    assert_eq!(outcome(&f, "montelukast"), Some(Outcome::Current));
}

#[test]
fn doses_dated_to_a_day_months_ago_are_not_taken_now() {
    let f = facts(&format!(
        "Date of service: 02/03/2026\n{AD}Details: Ebglyss 500 mg loading doses 10/13/2025 and 10/27/2025.\nCetirizine 10 mg daily."
    ));
    assert_ne!(outcome(&f, "lebrikizumab"), Some(Outcome::Current));
    // Counter-examples: a dose taken now, and a course dated by its start.
    assert_eq!(outcome(&f, "cetirizine"), Some(Outcome::Current));
    let f = facts(&format!(
        "Date of service: 02/03/2026\n{AD}Hydroxyzine 25 mg at night, started 10/14/2025."
    ));
    assert_eq!(outcome(&f, "hydroxyzine"), Some(Outcome::Current));
}

#[test]
fn a_stop_said_after_the_use_ends_it() {
    let f = facts(&format!(
        "Date of service: 03/05/2026\n{AD}Tralokinumab 300 mg every 2 weeks since 04/2025; it helped for a while.\nPlan: Discontinue tralokinumab; start dupilumab."
    ));
    assert_ne!(last_used(&f, "tralokinumab").as_deref(), Some("2026-03-05"));
    // Counter-example: a course in use with no stop was used on the
    // note's date.
    let f = facts(&format!(
        "Date of service: 03/05/2026\n{AD}Tralokinumab 300 mg every 2 weeks since 04/2025; it helps.\nPlan: Continue tralokinumab."
    ));
    assert_eq!(last_used(&f, "tralokinumab").as_deref(), Some("2026-03-05"));
}

#[test]
fn a_later_cell_of_the_drugs_table_row_says_how_it_went() {
    let f = facts(&format!(
        "{AD}PRIOR THERAPY\n   Drug                  Dates       Result\n   azathioprine 50 mg  PO        2024               other: nausea, d/c'd\n   cetirizine 10 mg    PO        2025               still taking\n"
    ));
    assert_eq!(outcome(&f, "azathioprine"), Some(Outcome::Intolerant));
    // Counter-example: the next row's cell is not this row's.
    assert_ne!(outcome(&f, "cetirizine"), Some(Outcome::Intolerant));
}

#[test]
fn an_effect_the_drug_caused_is_an_intolerance() {
    let f = facts(&format!(
        "{AD}Lebrikizumab in March caused hives and lip swelling after the second loading dose. Plan: start Dupixent 600 mg today, then 300 mg every 2 weeks."
    ));
    assert_eq!(outcome(&f, "lebrikizumab"), Some(Outcome::Intolerant));
}

fn days(facts: &Facts, agent: &str) -> Option<f64> {
    facts.treatments.iter().find(|t| t.agent == agent).and_then(|t| t.duration_days)
}

#[test]
fn a_course_length_so_far_or_in_words_or_nights() {
    let f = facts(&format!("{AD}Mometasone 0.1% ointment BID to the shins for the past 6 weeks."));
    assert_eq!(days(&f, "mometasone"), Some(42.0));
    let f = facts(&format!(
        "{AD}Pimecrolimus cream stung the cheeks and the boy refused it after 3 nights."
    ));
    assert_eq!(days(&f, "pimecrolimus"), Some(3.0));
    let f = facts(&format!("{AD}Desonide cream was applied under wet wraps for nine weeks."));
    assert_eq!(days(&f, "desonide"), Some(63.0));
    let f = facts(&format!(
        "{AD}Halobetasol 0.05% cream - apply a thin layer twice daily to the plaques of the hands, wrists, knees and ankles x 10 days, then stop."
    ));
    assert_eq!(days(&f, "halobetasol"), Some(10.0));
    // Counter-examples: a time ago, and an interval, are no length.
    let f =
        facts(&format!("{AD}Mometasone 0.1% ointment, last used for the past time 3 weeks ago."));
    assert_eq!(days(&f, "mometasone"), None);
    let f = facts(&format!("{AD}Dupixent 300 mg every 2 weeks."));
    assert_eq!(days(&f, "dupilumab"), None);
}
