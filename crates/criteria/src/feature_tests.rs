//! The policy format's payer features, each written as data with a case that
//! passes and one that does not; the renewal policy; the choice between an
//! initial and a renewal policy; the shipped payer and drug policies.

use crate::rules::evaluate_rule;
use crate::tests::{seed, span, treatment};
use crate::*;
use necessity_record::{
    Dosing, Measures, Outcome, Potency, ResponseStatement, Site, Specialty, TimeOnTherapy,
    Treatment, TreatmentClass,
};

use CriterionStatus::{Met, NotDocumented, NotMet};
use TreatmentClass::*;

/// A policy for dupilumab with one required criterion, written in TOML.
fn one_rule(criterion: &str) -> Policy {
    let text = format!(
        "[policy]\nid = \"test\"\nversion = \"1\"\ndrug = \"dupilumab\"\n\n\
         [[criteria]]\nid = \"rule\"\nrequired = true\n{criterion}\n"
    );
    parse_policy(&text, "test.toml").unwrap_or_else(|e| panic!("{e}"))
}

/// The one criterion of `policy` applied to `facts`.
fn judge(policy: &Policy, facts: &Facts) -> Criterion {
    evaluate_rule(policy, &policy.rules[0], facts)
}

fn with_treatments(treatments: Vec<Treatment>) -> Facts {
    Facts { treatments, ..seed() }
}

/// A trial of `agent` with its length and last use.
fn trial(agent: &str, class: TreatmentClass, days: Option<f64>, last: Option<&str>) -> Treatment {
    let potency = (class == TopicalCorticosteroid).then_some(Potency::Medium);
    Treatment {
        duration_days: days,
        last_used: last.map(str::to_string),
        stopped: false,
        ..treatment(agent, class, potency, Outcome::Failed, 10)
    }
}

fn select(names: &[&str]) -> PolicySet {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    PolicySet::select(&names).unwrap_or_else(|e| panic!("{e}"))
}

fn criterion_of(set: &PolicySet, facts: &Facts, id: &str) -> Criterion {
    let evaluation = evaluate_policy(set, facts);
    evaluation.criteria.into_iter().find(|c| c.id == id).unwrap_or_else(|| panic!("{id}"))
}

#[test]
fn min_trial_days_counts_a_failure_only_after_a_long_enough_trial() {
    let policy = one_rule(
        "kind = \"prior_failure\"\noutcomes = [\"failed\", \"intolerant\"]\n\
         corticosteroid_min_potency = \"medium\"\nmin_trial_days = 28",
    );
    let long =
        with_treatments(vec![trial("triamcinolone", TopicalCorticosteroid, Some(28.0), None)]);
    let c = judge(&policy, &long);
    assert_eq!(c.status, Met);
    assert_eq!(
        c.reason,
        "failed triamcinolone (medium-potency topical corticosteroid) for 28 days"
    );
    let short =
        with_treatments(vec![trial("triamcinolone", TopicalCorticosteroid, Some(14.0), None)]);
    let c = judge(&policy, &short);
    assert_eq!(c.status, NotMet, "{}", c.reason);
    assert!(c.reason.ends_with("for 14 days: under the 28 days a trial needs"), "{}", c.reason);
    assert_eq!(c.evidence.len(), 1, "the short trial is quoted");
    let unknown = with_treatments(vec![trial("triamcinolone", TopicalCorticosteroid, None, None)]);
    let c = judge(&policy, &unknown);
    assert_eq!(c.status, NotDocumented, "no length is a gap, not a denial");
    assert!(c.reason.contains("the length of the trial is not documented"), "{}", c.reason);
    let mut intolerant = trial("triamcinolone", TopicalCorticosteroid, None, None);
    intolerant.outcome = Outcome::Intolerant;
    assert_eq!(judge(&policy, &with_treatments(vec![intolerant])).status, Met, "no length asked");
    let both = with_treatments(vec![
        trial("triamcinolone", TopicalCorticosteroid, Some(7.0), None),
        trial("mometasone", TopicalCorticosteroid, None, None),
    ]);
    assert_eq!(judge(&policy, &both).status, NotDocumented, "an undated trial may still count");
}

#[test]
fn lookback_months_counts_trials_of_the_window_before_the_note() {
    let policy = one_rule(
        "kind = \"prior_failure\"\noutcomes = [\"failed\"]\n\
         classes = [\"topical_calcineurin_inhibitor\"]\nlookback_months = 12",
    );
    let dated = |last: Option<&str>, note: Option<&str>| Facts {
        note_date: note.map(str::to_string),
        ..with_treatments(vec![trial("tacrolimus", TopicalCalcineurinInhibitor, None, last)])
    };
    let c = judge(&policy, &dated(Some("2025-03"), Some("2026-03-10")));
    assert_eq!(
        (c.status, c.reason.as_str()),
        (Met, "failed tacrolimus (topical calcineurin inhibitor), last used 2025-03")
    );
    assert_eq!(
        judge(&policy, &dated(Some("2025"), Some("2026-06-01"))).status,
        Met,
        "a year reads as its December"
    );
    let old = judge(&policy, &dated(Some("2024-11"), Some("2026-03-10")));
    assert_eq!(old.status, NotMet);
    assert!(
        old.reason.contains("more than 12 months before the note's date (2026-03-10)"),
        "{}",
        old.reason
    );
    let undated = judge(&policy, &dated(None, Some("2026-03-10")));
    assert_eq!(undated.status, NotDocumented);
    assert!(undated.reason.contains("the date of the trial is not documented"));
    let no_note_date = judge(&policy, &dated(Some("2025-03"), None));
    assert_eq!(no_note_date.status, NotDocumented);
    assert!(no_note_date.reason.contains("the note's date is not documented"));
}

#[test]
fn min_classes_needs_that_many_distinct_classes_with_dated_trials() {
    let policy = one_rule(
        "kind = \"prior_failure\"\noutcomes = [\"failed\", \"intolerant\", \"contraindicated\"]\n\
         corticosteroid_min_potency = \"medium\"\nclasses = [\"topical_calcineurin_inhibitor\"]\n\
         agents = [\"crisaborole\"]\nmin_classes = 2\nrequire_trial_date = true",
    );
    let two = with_treatments(vec![
        trial("triamcinolone", TopicalCorticosteroid, None, Some("2025-01")),
        trial("crisaborole", TopicalPde4Inhibitor, None, Some("2025-06")),
    ]);
    assert_eq!(judge(&policy, &two).status, Met);
    let one_class_twice = with_treatments(vec![
        trial("triamcinolone", TopicalCorticosteroid, None, Some("2025-01")),
        trial("clobetasol", TopicalCorticosteroid, None, Some("2025-06")),
    ]);
    let c = judge(&policy, &one_class_twice);
    assert_eq!(c.status, NotDocumented, "two steroids are one class");
    assert!(c.reason.starts_with("1 of the 2 classes needed: "), "{}", c.reason);
    let undated = with_treatments(vec![
        trial("triamcinolone", TopicalCorticosteroid, None, Some("2025-01")),
        trial("tacrolimus", TopicalCalcineurinInhibitor, None, None),
    ]);
    let c = judge(&policy, &undated);
    assert_eq!(c.status, NotDocumented);
    assert!(
        c.reason.contains(
            "tacrolimus (topical calcineurin inhibitor): the date of the trial is not documented"
        ),
        "{}",
        c.reason
    );
    let roflumilast = with_treatments(vec![
        trial("triamcinolone", TopicalCorticosteroid, None, Some("2025-01")),
        trial("roflumilast", TopicalPde4Inhibitor, None, Some("2025-06")),
    ]);
    assert_eq!(
        judge(&policy, &roflumilast).status,
        NotDocumented,
        "only crisaborole of its class is listed"
    );
}

#[test]
fn step_therapy_lists_preferred_products_by_name() {
    let policy = one_rule(
        "kind = \"prior_failure\"\noutcomes = [\"failed\", \"intolerant\"]\n\
         agents = [\"tralokinumab\", \"upadacitinib\"]",
    );
    let tried = with_treatments(vec![trial("tralokinumab", Biologic, None, None)]);
    let c = judge(&policy, &tried);
    assert_eq!((c.status, c.reason.as_str()), (Met, "failed tralokinumab (biologic)"));
    let not_tried = with_treatments(vec![
        trial("triamcinolone", TopicalCorticosteroid, None, None),
        trial("omalizumab", Biologic, None, None),
    ]);
    let c = judge(&policy, &not_tried);
    assert_eq!(c.status, NotDocumented);
    assert_eq!(
        c.reason,
        "no failure, intolerance or contraindication of tralokinumab or upadacitinib documented; \
         failed omalizumab (biologic) does not qualify"
    );
    let stated_no_topicals = Facts { no_prescription_topicals: true, ..not_tried.clone() };
    assert_eq!(
        judge(&policy, &stated_no_topicals).status,
        NotDocumented,
        "not a topical criterion"
    );
    // A form's question naming the products answered No denies the step.
    let denied = Facts { never_tried: vec!["tralokinumab".into()], ..not_tried };
    let c = judge(&policy, &denied);
    assert_eq!(
        (c.status, c.reason.as_str()),
        (NotMet, "the note states tralokinumab was not tried")
    );
    // ... unless the note tells a trial of one of them after all.
    let also_tried = Facts {
        never_tried: vec!["upadacitinib".into()],
        treatments: vec![trial("tralokinumab", Biologic, None, None)],
        ..Facts::default()
    };
    assert_eq!(judge(&policy, &also_tried).status, Met);
}

#[test]
fn severity_counts_only_accepted_measures_and_sites_from_an_age() {
    let policy = one_rule(
        "kind = \"severity\"\nbsa_min = 10\nsites = [\"hands\", \"feet\"]\nsites_min_age_years = 12",
    );
    let iga_only = Facts {
        measures: Measures { iga: Some(4.0), easi: Some(30.0), ..Measures::default() },
        high_impact_sites: vec![Site::Face],
        ..seed()
    };
    let c = judge(&policy, &iga_only);
    assert_eq!(c.status, NotDocumented);
    assert_eq!(
        c.reason,
        "no BSA or high-impact site documented (IGA 4, EASI 30 not accepted by this policy)"
    );
    let bsa = Facts {
        measures: Measures { bsa_percent: Some(12.0), ..Measures::default() },
        ..iga_only.clone()
    };
    assert_eq!(judge(&policy, &bsa).status, Met);
    let hands = |age: Option<f64>| Facts {
        age_years: age,
        measures: Measures { bsa_percent: Some(4.0), ..Measures::default() },
        high_impact_sites: vec![Site::Hands],
        ..seed()
    };
    let c = judge(&policy, &hands(Some(12.0)));
    assert_eq!((c.status, c.reason.as_str()), (Met, "BSA 4% < 10%; hands involved"));
    let c = judge(&policy, &hands(Some(10.0)));
    assert_eq!(c.status, NotMet);
    assert!(
        c.reason.ends_with("hands involved, but sites count from age 12 y (age 10 y)"),
        "{}",
        c.reason
    );
    assert_eq!(judge(&policy, &hands(None)).status, NotDocumented, "the age decides");
}

#[test]
fn a_required_prescriber_decides_and_an_advisory_one_does_not() {
    let other = Facts { prescriber_specialty: Some(Specialty::Other), ..seed() };
    let cigna = select(&["cigna-dupixent-atopic-dermatitis"]);
    let c = criterion_of(&cigna, &other, "prescriber");
    assert!(c.required && c.status == NotMet);
    let mut fit = other.clone();
    fit.treatments[2].duration_days = Some(42.0);
    assert_eq!(evaluate_policy(&cigna, &fit).determination, Determination::NotMedicallyNecessary);
    let derm = Facts { prescriber_specialty: Some(Specialty::Dermatology), ..fit.clone() };
    assert_eq!(evaluate_policy(&cigna, &derm).determination, Determination::MedicallyNecessary);
    let default = PolicySet::default();
    assert_eq!(evaluate_policy(&default, &fit).determination, Determination::MedicallyNecessary);
}

#[test]
fn a_dosing_ceiling_passes_lower_doses_and_fails_higher_ones() {
    let policy = parse_policy(
        "[policy]\nid = \"t\"\nversion = \"1\"\ndrug = \"dupilumab\"\n\n\
         [[criteria]]\nid = \"dosing\"\nkind = \"dosing\"\nrequired = true\nceiling = true\n\n\
         [[dosing]]\nlabel = \"adults\"\nmin_age_years = 18\nloading_mg = 600\nmaintenance_mg = 300\ninterval_weeks = 2\n",
        "ceiling.toml",
    )
    .unwrap();
    let regimen = |loading: Option<f64>, mg: f64, weeks: f64| Facts {
        dosing: Dosing {
            loading_mg: loading,
            maintenance_mg: Some(mg),
            interval_weeks: Some(weeks),
            interval_days: None,
        },
        ..seed()
    };
    let c = judge(&policy, &regimen(None, 300.0, 4.0));
    assert_eq!(c.status, Met, "{}", c.reason);
    assert!(c.reason.contains("is within the label for adults"), "{}", c.reason);
    assert_eq!(judge(&policy, &regimen(Some(600.0), 300.0, 2.0)).status, Met);
    let c = judge(&policy, &regimen(None, 300.0, 1.0));
    assert_eq!(c.status, NotMet, "weekly is twice the label");
    assert!(c.reason.contains("exceeds the label for adults"), "{}", c.reason);
    assert_eq!(judge(&policy, &regimen(Some(900.0), 300.0, 2.0)).status, NotMet);
    assert_eq!(
        judge(&policy, &Facts { dosing: Dosing::default(), ..seed() }).status,
        NotDocumented
    );
}

#[test]
fn daily_oral_regimens_match_label_rows_by_the_day() {
    let set = select(&["rinvoq-atopic-dermatitis"]);
    let daily = |mg: f64, age: f64, weight: Option<f64>| Facts {
        requested_drug: Some("upadacitinib".into()),
        age_years: Some(age),
        weight_kg: weight,
        dosing: Dosing { maintenance_mg: Some(mg), interval_days: Some(1.0), ..Dosing::default() },
        ..seed()
    };
    let c = criterion_of(&set, &daily(15.0, 40.0, None), "dosing");
    assert_eq!((c.status, c.reason.as_str()), (Met, "documented 15 mg daily matches the label for adults under 65 years: 15 mg daily (no loading dose)"));
    let c = criterion_of(&set, &daily(30.0, 40.0, None), "dosing");
    assert!(
        c.status == Met && c.reason.contains("after an inadequate response to 15 mg"),
        "{}",
        c.reason
    );
    let c = criterion_of(&set, &daily(30.0, 70.0, None), "dosing");
    assert_eq!(c.status, NotMet, "15 mg only from 65: {}", c.reason);
    assert_eq!(
        criterion_of(&set, &daily(15.0, 14.0, None), "dosing").status,
        NotDocumented,
        "a child's weight"
    );
    assert_eq!(
        criterion_of(&set, &daily(15.0, 14.0, Some(35.0)), "dosing").status,
        NotMet,
        "under 40 kg"
    );
    let weekly = Facts {
        dosing: Dosing {
            maintenance_mg: Some(15.0),
            interval_weeks: Some(1.0),
            ..Dosing::default()
        },
        ..daily(15.0, 40.0, None)
    };
    assert_eq!(
        criterion_of(&set, &weekly, "dosing").status,
        NotMet,
        "15 mg weekly is not 15 mg daily"
    );
    let seven_days = Facts {
        dosing: Dosing {
            maintenance_mg: Some(300.0),
            interval_days: Some(14.0),
            ..Dosing::default()
        },
        ..seed()
    };
    assert_eq!(
        criterion_of(&PolicySet::default(), &seven_days, "dosing").status,
        Met,
        "every 14 days is every 2 weeks"
    );
}

#[test]
fn a_course_dated_as_ended_before_the_note_goes_on_alongside_nothing() {
    let uhc = select(&["unitedhealthcare-dupixent-atopic-dermatitis"]);
    let mut facts = seed();
    facts.note_date = Some("2026-01-27".into());
    facts.treatments[3].outcome = Outcome::Current;
    facts.treatments[3].last_used = Some("2025-12-02".into());
    assert_eq!(criterion_of(&uhc, &facts, "no_concurrent_systemic").status, Met);
    // Counter-example: in use up to the note's own date it goes on.
    facts.treatments[3].last_used = Some("2026-01-27".into());
    assert_eq!(criterion_of(&uhc, &facts, "no_concurrent_systemic").status, NotMet);
    // ... unless the note stops it there ("D/C Opzelura at first dose"),
    // failed and still applied today or only in use.
    facts.treatments[3].stopped = true;
    assert_eq!(criterion_of(&uhc, &facts, "no_concurrent_systemic").status, Met);
    facts.treatments[3].outcome = Outcome::Failed;
    assert_eq!(criterion_of(&uhc, &facts, "no_concurrent_systemic").status, Met);
}

#[test]
fn an_excluded_combination_may_name_a_topical_class() {
    let uhc = select(&["unitedhealthcare-dupixent-atopic-dermatitis"]);
    let mut facts = seed();
    facts.treatments[3].outcome = Outcome::Current;
    let c = criterion_of(&uhc, &facts, "no_concurrent_systemic");
    assert_eq!(c.status, NotMet);
    assert_eq!(
        c.reason,
        "ruxolitinib (topical JAK inhibitor) is current and not documented as stopped"
    );
    assert_eq!(
        criterion_of(&PolicySet::default(), &facts, "no_concurrent_systemic").status,
        Met,
        "the default allows it"
    );
    assert_eq!(
        criterion_of(&uhc, &seed(), "no_concurrent_systemic").status,
        Met,
        "a failed, stopped cream"
    );
}

#[test]
fn an_approval_length_is_written_for_an_approval_only() {
    let evaluation = evaluate_policy(&PolicySet::default(), &seed());
    assert_eq!(evaluation.authorization, Some(Authorization { months: 4 }));
    let denied = Facts { age_years: Some(0.2), ..seed() };
    assert_eq!(evaluate_policy(&PolicySet::default(), &denied).authorization, None);
    let policy = one_rule("kind = \"age\"\nmin_age_years = 1");
    assert_eq!(policy.approval_months, None, "a policy need not give one");
    let highmark = select(&["highmark-dupixent-atopic-dermatitis"]);
    let mut fit = seed();
    fit.treatments[0].outcome = Outcome::Failed;
    let evaluation = evaluate_policy(&highmark, &fit);
    assert_eq!(
        (evaluation.determination, evaluation.authorization),
        (Determination::MedicallyNecessary, None)
    );
}

/// A dupilumab renewal: on it 24 weeks, EASI 28 at baseline and 6 now.
pub(crate) fn renewal() -> Facts {
    let mut facts = Facts {
        requested_drug: None,
        continuation_of: Some("dupilumab".into()),
        time_on_therapy: Some(TimeOnTherapy {
            start: Some("2025-09-01".into()),
            days: Some(168.0),
        }),
        note_date: Some("2026-02-16".into()),
        measures_baseline: Measures { easi: Some(28.0), iga: Some(4.0), ..Measures::default() },
        measures: Measures { easi: Some(6.0), iga: Some(2.0), ..Measures::default() },
        dosing: Dosing {
            maintenance_mg: Some(300.0),
            interval_weeks: Some(2.0),
            ..Dosing::default()
        },
        ..seed()
    };
    facts.treatments.retain(|t| t.agent != "dupilumab");
    facts.treatments.push(treatment("dupilumab", Biologic, None, Outcome::Current, 500));
    for (key, at, text) in [
        ("measures_baseline.easi", 200, "baseline EASI 28"),
        ("measures.easi", 240, "EASI 6"),
        ("measures_baseline.iga", 210, "IGA 4 at baseline"),
        ("measures.iga", 250, "IGA 2"),
        ("time_on_therapy", 260, "since September"),
        ("continuation_of", 280, "renewal of Dupixent"),
    ] {
        facts.evidence.insert(key.into(), vec![span(at, text)]);
    }
    facts
}

#[test]
fn the_default_set_decides_a_renewal_under_the_renewal_policy() {
    let evaluation = evaluate_policy(&PolicySet::default(), &renewal());
    assert_eq!(evaluation.determination, Determination::MedicallyNecessary);
    assert_eq!(evaluation.policy.unwrap().id, "dupixent-atopic-dermatitis-continuation");
    assert_eq!(evaluation.authorization, Some(Authorization { months: 12 }));
    let ids: Vec<&str> = evaluation.criteria.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "diagnosis",
            "time_on_therapy",
            "response",
            "no_concurrent_systemic",
            "dosing",
            "prescriber"
        ]
    );
    assert!(evaluation.criteria.iter().all(|c| c.status == Met), "{:?}", evaluation.criteria);
    let initial = evaluate_policy(&PolicySet::default(), &seed());
    assert_eq!(initial.policy.unwrap().id, DEFAULT_POLICY);
    let neither = Facts { requested_drug: None, ..seed() };
    assert_eq!(
        evaluate_policy(&PolicySet::default(), &neither).determination,
        Determination::NotApplicable
    );
    let both = Facts { requested_drug: Some("dupilumab".into()), ..renewal() };
    assert_eq!(
        evaluate_policy(&PolicySet::default(), &both).policy.unwrap().id,
        "dupixent-atopic-dermatitis-continuation",
        "the renewal wins"
    );
    let initial_only = select(&[concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../policies/dupixent-atopic-dermatitis.toml"
    )]);
    assert_eq!(
        evaluate_policy(&initial_only, &renewal()).determination,
        Determination::NotApplicable,
        "a path is that file alone"
    );
}

#[test]
fn time_on_therapy_three_outcomes() {
    let set = PolicySet::default();
    let on = |days: Option<f64>, start: Option<&str>| Facts {
        time_on_therapy: Some(TimeOnTherapy { start: start.map(str::to_string), days }),
        ..renewal()
    };
    let c = criterion_of(&set, &on(Some(112.0), None), "time_on_therapy");
    assert_eq!((c.status, c.reason.as_str()), (Met, "on dupilumab for 16 weeks >= 16 weeks"));
    let c = criterion_of(&set, &on(Some(168.0), Some("2025-09-01")), "time_on_therapy");
    assert_eq!(c.reason, "on dupilumab for 24 weeks (since 2025-09-01) >= 16 weeks");
    assert_eq!(c.evidence[0].text, "since September");
    let c = criterion_of(&set, &on(Some(70.0), None), "time_on_therapy");
    assert_eq!((c.status, c.reason.as_str()), (NotMet, "on dupilumab for 10 weeks < 16 weeks"));
    assert_eq!(
        evaluate_policy(&set, &on(Some(70.0), None)).determination,
        Determination::NotMedicallyNecessary
    );
    let c = criterion_of(&set, &on(None, Some("2025-09")), "time_on_therapy");
    assert_eq!(c.status, NotDocumented);
    assert!(
        c.reason.ends_with("by the note's date (2026-02-16) is not documented"),
        "{}",
        c.reason
    );
    let undated = Facts { note_date: None, ..on(None, Some("2025-09")) };
    let c = criterion_of(&set, &undated, "time_on_therapy");
    assert!(c.reason.contains("the note's date is not documented"), "{}", c.reason);
    let none = Facts { time_on_therapy: None, ..renewal() };
    let c = criterion_of(&set, &none, "time_on_therapy");
    assert_eq!(
        (c.status, c.reason.as_str()),
        (NotDocumented, "no start date or duration of the current dupilumab course")
    );
}

#[test]
fn response_gives_the_arithmetic_or_the_prescribers_word() {
    let set = PolicySet::default();
    let measured = |before: Measures, now: Measures| Facts {
        measures_baseline: before,
        measures: now,
        ..renewal()
    };
    let c = criterion_of(&set, &renewal(), "response");
    assert_eq!(c.status, Met);
    assert_eq!(c.reason, "EASI 28 -> 6 (-79 %); IGA 4 -> 2 (-2 points)");
    let texts: Vec<&str> = c.evidence.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(texts, ["baseline EASI 28", "EASI 6", "IGA 4 at baseline", "IGA 2"]);
    let easi = |now: f64| {
        measured(
            Measures { easi: Some(28.0), ..Measures::default() },
            Measures { easi: Some(now), ..Measures::default() },
        )
    };
    let c = criterion_of(&set, &easi(20.0), "response");
    assert_eq!(
        (c.status, c.reason.as_str()),
        (NotMet, "EASI 28 -> 20 (-29 %), not the fall of 50 % that counts")
    );
    assert_eq!(
        evaluate_policy(&set, &easi(20.0)).determination,
        Determination::NotMedicallyNecessary
    );
    let c = criterion_of(&set, &easi(28.0), "response");
    assert_eq!(c.reason, "EASI 28 -> 28 (0 %), not the fall of 50 % that counts");
    assert_eq!(criterion_of(&set, &easi(14.0), "response").status, Met, "exactly half");
    let bsa = measured(
        Measures { bsa_percent: Some(30.0), ..Measures::default() },
        Measures { bsa_percent: Some(25.0), ..Measures::default() },
    );
    assert_eq!(criterion_of(&set, &bsa, "response").reason, "BSA 30% -> 25% (-17 %)");
    let itch = |now: f64| {
        measured(
            Measures { itch_nrs: Some(9.0), ..Measures::default() },
            Measures { itch_nrs: Some(now), ..Measures::default() },
        )
    };
    assert_eq!(criterion_of(&set, &itch(5.0), "response").status, Met);
    assert_eq!(criterion_of(&set, &itch(6.0), "response").status, NotMet);
    let clear = measured(Measures::default(), Measures { iga: Some(1.0), ..Measures::default() });
    let c = criterion_of(&set, &clear, "response");
    assert_eq!((c.status, c.reason.as_str()), (Met, "IGA now 1 (clear or almost clear)"));
    let silent = measured(Measures::default(), Measures { iga: Some(3.0), ..Measures::default() });
    assert_eq!(
        criterion_of(&set, &silent, "response").status,
        NotDocumented,
        "no baseline, no statement"
    );
    let said = |statement| Facts { response: Some(statement), ..silent.clone() };
    let c = criterion_of(&set, &said(ResponseStatement::Improved), "response");
    assert_eq!((c.status, c.reason.as_str()), (Met, "the prescriber documents improvement"));
    let c = criterion_of(&set, &said(ResponseStatement::NotImproved), "response");
    assert_eq!((c.status, c.reason.as_str()), (NotMet, "the prescriber documents no improvement"));
    let small_fall = Facts { response: Some(ResponseStatement::NotImproved), ..bsa.clone() };
    let c = criterion_of(&set, &small_fall, "response");
    assert_eq!(
        (c.status, c.reason.as_str()),
        (NotMet, "BSA 30% -> 25% (-17 %); the prescriber documents no improvement"),
        "the prescriber's word outranks a fall of BSA"
    );
    let agreeing = Facts { response: Some(ResponseStatement::Improved), ..bsa.clone() };
    assert_eq!(criterion_of(&set, &agreeing, "response").status, Met);
}

#[test]
fn a_renewal_checks_the_maintenance_regimen_without_a_loading_dose() {
    let set = PolicySet::default();
    assert_eq!(criterion_of(&set, &renewal(), "dosing").status, Met);
    let loaded =
        Facts { dosing: Dosing { loading_mg: Some(600.0), ..renewal().dosing }, ..renewal() };
    let c = criterion_of(&set, &loaded, "dosing");
    assert_eq!(c.status, NotMet, "{}", c.reason);
    assert!(c.reason.ends_with("300 mg every 2 weeks (no loading dose)"), "{}", c.reason);
    let mut combined = renewal();
    combined.treatments.push(treatment(
        "upadacitinib",
        OralJakInhibitor,
        None,
        Outcome::Current,
        700,
    ));
    assert_eq!(
        criterion_of(&set, &combined, "no_concurrent_systemic").status,
        NotMet,
        "the continued drug itself never counts, another does"
    );
}

#[test]
fn bundles_and_built_in_names_bring_their_renewals() {
    let ids = |set: &PolicySet| set.policies().iter().map(|p| p.id.clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(&select(&["cigna-dupixent-atopic-dermatitis"])),
        ["cigna-dupixent-atopic-dermatitis", "cigna-dupixent-atopic-dermatitis-continuation"]
    );
    assert_eq!(
        ids(&select(&["adbry-atopic-dermatitis"])),
        ["adbry-atopic-dermatitis"],
        "no renewal shipped"
    );
    let all = select(&["atopic-dermatitis"]);
    let mut drugs: Vec<&str> = all.policies().iter().map(|p| p.drug.as_str()).collect();
    drugs.sort_unstable();
    let expected = ["abrocitinib", "dupilumab", "dupilumab", "lebrikizumab", "nemolizumab"];
    assert_eq!(drugs[..5], expected);
    assert_eq!(drugs[5..], ["tralokinumab", "upadacitinib"], "label-based policies only");
    for (drug, id) in [
        ("lebrikizumab", "ebglyss-atopic-dermatitis"),
        ("abrocitinib", "cibinqo-atopic-dermatitis"),
    ] {
        let facts = Facts { requested_drug: Some(drug.into()), ..seed() };
        assert_eq!(evaluate_policy(&all, &facts).policy.unwrap().id, id);
    }
    assert_eq!(bundle_names(), ["atopic-dermatitis"]);
    for bundle in bundle_names() {
        assert!(!builtin_names().contains(&bundle.as_str()), "{bundle} names a policy too");
    }
    let error = PolicySet::select(&["nope".into()]).unwrap_err().to_string();
    assert!(
        error.contains("atopic-dermatitis (bundle)")
            && error.contains("cigna-dupixent-atopic-dermatitis-continuation"),
        "{error}"
    );
    assert_eq!(builtin_names().len(), 17, "every file of policies/ is built in");
}

#[test]
fn payer_policies_differ_from_the_default_both_ways() {
    let default = PolicySet::default();
    let decide = |set: &PolicySet, facts: &Facts| evaluate_policy(set, facts).determination;
    // The seed passes the default; Cigna wants the steroid trial's length,
    // UnitedHealthcare dated trials, CareFirst a preferred product first.
    assert_eq!(decide(&default, &seed()), Determination::MedicallyNecessary);
    for (name, id) in [
        ("cigna-dupixent-atopic-dermatitis", "topical_failure"),
        ("unitedhealthcare-dupixent-atopic-dermatitis", "topical_failure"),
        ("carefirst-dupixent-atopic-dermatitis", "preferred_products"),
    ] {
        let set = select(&[name]);
        assert_eq!(decide(&set, &seed()), Determination::InsufficientDocumentation, "{name}");
        assert_eq!(criterion_of(&set, &seed(), id).status, NotDocumented, "{name}");
    }
    // A failed low-potency steroid is not enough for the default, but is for Highmark.
    let low = with_treatments(vec![
        treatment("hydrocortisone", TopicalCorticosteroid, Some(Potency::Low), Outcome::Failed, 0),
        treatment("dupilumab", Biologic, None, Outcome::Planned, 500),
    ]);
    assert_eq!(decide(&default, &low), Determination::InsufficientDocumentation);
    assert_eq!(
        decide(&select(&["highmark-dupixent-atopic-dermatitis"]), &low),
        Determination::MedicallyNecessary
    );
    // IGA 4 alone is severe for the default, not for Cigna or Medica.
    let iga = Facts {
        measures: Measures { iga: Some(4.0), ..Measures::default() },
        high_impact_sites: vec![],
        ..seed()
    };
    assert_eq!(criterion_of(&default, &iga, "severity").status, Met);
    for name in [
        "cigna-dupixent-atopic-dermatitis",
        "medica-dupixent-atopic-dermatitis",
        "carefirst-dupixent-atopic-dermatitis",
    ] {
        assert_eq!(
            criterion_of(&select(&[name]), &iga, "severity").status,
            NotDocumented,
            "{name}"
        );
    }
    // A renewal too early for Cigna is still decided on its response by UnitedHealthcare.
    let early = Facts {
        time_on_therapy: Some(TimeOnTherapy { start: None, days: Some(84.0) }),
        ..renewal()
    };
    assert_eq!(
        decide(&select(&["cigna-dupixent-atopic-dermatitis"]), &early),
        Determination::NotMedicallyNecessary
    );
    assert_eq!(
        decide(&select(&["unitedhealthcare-dupixent-atopic-dermatitis"]), &early),
        Determination::MedicallyNecessary
    );
}

#[test]
fn the_oral_jak_policies_ask_for_a_failed_systemic_drug() {
    let set = select(&["atopic-dermatitis"]);
    let jak = |drug: &str| {
        let mut facts = Facts { requested_drug: Some(drug.into()), ..seed() };
        facts.treatments.retain(|t| t.agent != "dupilumab");
        facts.dosing = Dosing::default();
        facts
    };
    for drug in ["upadacitinib", "abrocitinib"] {
        let c = criterion_of(&set, &jak(drug), "systemic_failure");
        assert_eq!(c.status, NotDocumented, "{drug}: topicals alone");
        let mut after_dupilumab = jak(drug);
        after_dupilumab.treatments.push(treatment(
            "dupilumab",
            Biologic,
            None,
            Outcome::Failed,
            900,
        ));
        assert_eq!(
            evaluate_policy(&set, &after_dupilumab).determination,
            Determination::MedicallyNecessary,
            "{drug}"
        );
        let mut with_cyclosporine = after_dupilumab.clone();
        with_cyclosporine.treatments.push(treatment(
            "cyclosporine",
            SystemicImmunosuppressant,
            None,
            Outcome::Current,
            950,
        ));
        assert_eq!(
            criterion_of(&set, &with_cyclosporine, "no_concurrent_systemic").status,
            NotMet,
            "{drug}"
        );
    }
    let child = Facts { age_years: Some(10.0), ..jak("abrocitinib") };
    assert_eq!(criterion_of(&set, &child, "age").status, NotMet);
}

#[test]
fn new_keys_are_checked_and_located() {
    let error = |criterion: &str| {
        let text = format!(
            "[policy]\nid = \"t\"\nversion = \"1\"\ndrug = \"dupilumab\"\n\n[[criteria]]\nid = \"x\"\nrequired = true\n{criterion}\n"
        );
        parse_policy(&text, "bad.toml").unwrap_err().to_string()
    };
    let cases = [
        ("kind = \"prior_failure\"\noutcomes = [\"failed\"]\nclasses = [\"biologic\"]\nmin_classes = 2", "`criteria[0].min_classes`: 2 is outside 1..=1"),
        ("kind = \"prior_failure\"\noutcomes = [\"failed\"]\nagents = [\"x\"]\nlookback_months = 0", "`criteria[0].lookback_months`: 0 is outside 1..=600"),
        ("kind = \"prior_failure\"\noutcomes = [\"failed\"]\nagents = [\"x\"]\nmin_trial_days = 0", "`criteria[0].min_trial_days`: 0 is outside"),
        ("kind = \"severity\"\nbsa_min = 10\nsites_min_age_years = 12", "`criteria[0].sites_min_age_years`: applies to listed sites"),
        ("kind = \"time_on_therapy\"", "`criteria[0].min_weeks`: is required"),
        ("kind = \"response\"\neasi_drop_percent = 150", "`criteria[0].easi_drop_percent`: 150 is outside"),
        ("kind = \"age\"\nmin_age_years = 1\nmin_weeks = 16", "`criteria[0].min_weeks`: does not apply"),
        ("kind = \"age\"\nmin_age_years = 1\nceiling = true", "`criteria[0].ceiling`: does not apply"),
    ];
    for (criterion, expected) in cases {
        let error = error(criterion);
        assert!(error.starts_with("bad.toml:") && error.contains(expected), "{expected}: {error}");
    }
    let header = "[policy]\nid = \"t\"\nversion = \"1\"\ndrug = \"d\"\napplies_on = \"renewal\"\n";
    let error = parse_policy(header, "bad.toml").unwrap_err().to_string();
    assert!(
        error.starts_with("bad.toml:5:") && error.contains("unknown variant `renewal`"),
        "{error}"
    );
    let months = "[policy]\nid = \"t\"\nversion = \"1\"\ndrug = \"d\"\n[approval]\nmonths = 0\n";
    assert!(parse_policy(months, "bad.toml")
        .unwrap_err()
        .to_string()
        .contains("`approval.months`"));
    let both = "[policy]\nid = \"t\"\nversion = \"1\"\ndrug = \"d\"\n\n[[dosing]]\nlabel = \"a\"\nmaintenance_mg = 1\ninterval_weeks = 1\ninterval_days = 7\n";
    let error = parse_policy(both, "bad.toml").unwrap_err().to_string();
    assert!(error.contains("`dosing[0].interval_weeks`: give the interval once"), "{error}");
}
