//! Every criterion's three outcomes, the determination order, the seed case,
//! the second policy and malformed policies.

use super::*;
use necessity_record::{
    Dosing, Measures, Outcome, Potency, Record, Site, Source, Span, Specialty, Status, Treatment,
    TreatmentClass,
};

use CriterionStatus::{Met, NotDocumented, NotMet};

pub(crate) fn span(start: usize, text: &str) -> Span {
    Span { start, end: start + text.len(), text: text.to_string(), note_id: None }
}

pub(crate) fn treatment(
    agent: &str,
    class: TreatmentClass,
    potency: Option<Potency>,
    outcome: Outcome,
    at: usize,
) -> Treatment {
    Treatment {
        agent: agent.into(),
        class,
        potency,
        outcome,
        duration_days: None,
        last_used: None,
        stopped: false,
        evidence: vec![span(at, agent)],
    }
}

/// The seed case: an adult with moderate-to-severe AD who failed four topicals.
pub(crate) fn seed() -> Facts {
    use TreatmentClass::*;
    let mut facts = Facts {
        requested_drug: Some("dupilumab".into()),
        diagnosis: Some("atopic_dermatitis".into()),
        age_years: Some(34.0),
        measures: Measures {
            bsa_percent: Some(10.0),
            iga: Some(4.0),
            itch_nrs: Some(8.0),
            ..Measures::default()
        },
        high_impact_sites: vec![Site::Hands],
        treatments: vec![
            treatment("tacrolimus", TopicalCalcineurinInhibitor, None, Outcome::Failed, 300),
            treatment(
                "betamethasone",
                TopicalCorticosteroid,
                Some(Potency::High),
                Outcome::Failed,
                340,
            ),
            treatment(
                "triamcinolone",
                TopicalCorticosteroid,
                Some(Potency::Medium),
                Outcome::Failed,
                380,
            ),
            treatment("ruxolitinib", TopicalJakInhibitor, None, Outcome::Failed, 420),
            treatment("dupilumab", Biologic, None, Outcome::Planned, 500),
        ],
        persistent_flares: true,
        dosing: Dosing {
            loading_mg: Some(600.0),
            maintenance_mg: Some(300.0),
            interval_weeks: Some(2.0),
            interval_days: None,
        },
        prescriber_specialty: Some(Specialty::Dermatology),
        ..Facts::default()
    };
    for (key, at, text) in [
        ("requested_drug", 500, "Dupixent"),
        ("diagnosis", 20, "atopic dermatitis"),
        ("age_years", 0, "34-year-old"),
        ("measures.bsa_percent", 120, "BSA 10%"),
        ("measures.iga", 130, "IGA 4"),
        ("measures.itch_nrs", 140, "itch 8/10"),
        ("high_impact_sites.hands", 160, "dorsal hands"),
        ("dosing", 520, "600 mg loading dose, then 300 mg every 2 weeks"),
        ("prescriber_specialty", 600, "Dermatology"),
    ] {
        facts.evidence.insert(key.into(), vec![span(at, text)]);
    }
    facts
}

pub(crate) fn default_set() -> PolicySet {
    PolicySet::select(&[]).unwrap()
}

pub(crate) fn criterion(facts: &Facts, id: &str) -> Criterion {
    evaluate_policy(&default_set(), facts).criteria.into_iter().find(|c| c.id == id).unwrap()
}

pub(crate) fn status(facts: &Facts, id: &str) -> CriterionStatus {
    criterion(facts, id).status
}

#[test]
fn seed_case_is_medically_necessary_with_evidence() {
    let evaluation = evaluate_policy(&default_set(), &seed());
    assert_eq!(evaluation.determination, Determination::MedicallyNecessary);
    let policy = evaluation.policy.unwrap();
    assert_eq!(
        (policy.id.as_str(), policy.version.as_str()),
        ("dupixent-atopic-dermatitis", "2026.1")
    );
    for id in ["diagnosis", "age", "severity", "topical_failure", "dosing"] {
        let c = evaluation.criteria.iter().find(|c| c.id == id).unwrap();
        assert_eq!(c.status, Met, "{id}: {}", c.reason);
        assert!(!c.evidence.is_empty(), "{id} cites evidence");
    }
    let severity = criterion(&seed(), "severity");
    assert_eq!(severity.reason, "BSA 10% >= 10%; IGA 4 >= 3; hands involved");
    let texts: Vec<&str> = severity.evidence.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(texts, ["BSA 10%", "IGA 4", "dorsal hands"]);
    let topical = criterion(&seed(), "topical_failure");
    assert_eq!(topical.evidence.len(), 4, "{}", topical.reason);
    let mut repeated = seed();
    let cited = repeated.evidence["age_years"].clone();
    repeated.evidence.insert("weight_kg".into(), cited);
    assert_eq!(
        criterion(&repeated, "dosing").evidence.len(),
        2,
        "one span cited twice is listed once"
    );
    assert!(
        topical.reason.contains("failed betamethasone (high-potency topical corticosteroid)"),
        "{}",
        topical.reason
    );
}

#[test]
fn criteria_are_reported_in_policy_order_with_required_flags() {
    let criteria = evaluate_policy(&default_set(), &seed()).criteria;
    let ids: Vec<(&str, bool)> = criteria.iter().map(|c| (c.id.as_str(), c.required)).collect();
    assert_eq!(
        ids,
        [
            ("diagnosis", true),
            ("age", true),
            ("severity", true),
            ("topical_failure", true),
            ("no_concurrent_systemic", true),
            ("dosing", false),
            ("prescriber", false),
        ]
    );
}

#[test]
fn not_applicable_without_a_covered_request() {
    for drug in [None, Some("tralokinumab"), Some("upadacitinib")] {
        let facts = Facts { requested_drug: drug.map(str::to_string), ..seed() };
        let evaluation = evaluate_policy(&default_set(), &facts);
        assert_eq!(evaluation.determination, Determination::NotApplicable);
        assert_eq!(evaluation.policy, None);
        assert!(evaluation.criteria.is_empty());
    }
}

#[test]
fn diagnosis_three_outcomes() {
    assert_eq!(status(&seed(), "diagnosis"), Met);
    let other = Facts { diagnosis: Some("contact_dermatitis".into()), ..seed() };
    assert_eq!(status(&other, "diagnosis"), NotMet);
    assert_eq!(
        evaluate_policy(&default_set(), &other).determination,
        Determination::NotMedicallyNecessary
    );
    let none = Facts { diagnosis: None, ..seed() };
    assert_eq!(status(&none, "diagnosis"), NotDocumented);
    assert_eq!(
        evaluate_policy(&default_set(), &none).determination,
        Determination::InsufficientDocumentation
    );
}

#[test]
fn age_three_outcomes_at_the_boundary() {
    assert_eq!(status(&Facts { age_years: Some(0.5), ..seed() }, "age"), Met);
    assert_eq!(status(&Facts { age_years: Some(0.33), ..seed() }, "age"), NotMet);
    assert_eq!(status(&Facts { age_years: None, ..seed() }, "age"), NotDocumented);
}

#[test]
fn severity_any_threshold_or_site_is_enough() {
    let mild =
        Measures { bsa_percent: Some(5.0), iga: Some(2.0), easi: Some(8.0), ..Measures::default() };
    let no_sites = Facts { measures: mild.clone(), high_impact_sites: vec![], ..seed() };
    let c = criterion(&no_sites, "severity");
    assert_eq!(c.status, NotMet);
    assert_eq!(c.reason, "BSA 5% < 10%; IGA 2 < 3; EASI 8 < 16; no high-impact site involved");
    let five = Facts {
        measures: Measures { iga_scale: Some(5), ..mild.clone() },
        high_impact_sites: vec![],
        ..seed()
    };
    assert!(criterion(&five, "severity").reason.contains("IGA (0-5 scale) 2 < 3"));
    let easi = Facts {
        measures: Measures { easi: Some(16.0), ..mild.clone() },
        high_impact_sites: vec![],
        ..seed()
    };
    assert_eq!(status(&easi, "severity"), Met);
    let face = Facts { measures: mild, high_impact_sites: vec![Site::Face], ..seed() };
    assert_eq!(status(&face, "severity"), Met);
    let only_site =
        Facts { measures: Measures::default(), high_impact_sites: vec![Site::Genitals], ..seed() };
    assert_eq!(status(&only_site, "severity"), Met);
    let nothing = Facts {
        measures: Measures { itch_nrs: Some(9.0), ..Measures::default() },
        high_impact_sites: vec![],
        ..seed()
    };
    assert_eq!(status(&nothing, "severity"), NotDocumented, "itch alone is not severity");
}

#[test]
fn topical_failure_needs_a_qualifying_agent() {
    use TreatmentClass::*;
    let only = |treatments: Vec<Treatment>| Facts { treatments, ..seed() };
    let low = only(vec![treatment(
        "hydrocortisone",
        TopicalCorticosteroid,
        Some(Potency::Low),
        Outcome::Failed,
        0,
    )]);
    let c = criterion(&low, "topical_failure");
    assert_eq!(c.status, NotDocumented);
    assert!(
        c.reason.contains("hydrocortisone (low-potency topical corticosteroid)"),
        "{}",
        c.reason
    );
    let unnamed =
        only(vec![treatment("topical steroid", TopicalCorticosteroid, None, Outcome::Failed, 0)]);
    assert_eq!(status(&unnamed, "topical_failure"), NotDocumented);
    let by_table =
        only(vec![treatment("clobetasol", TopicalCorticosteroid, None, Outcome::Intolerant, 0)]);
    assert_eq!(status(&by_table, "topical_failure"), Met, "potency from the policy table");
    let current =
        only(vec![treatment("tacrolimus", TopicalCalcineurinInhibitor, None, Outcome::Current, 0)]);
    assert_eq!(status(&current, "topical_failure"), NotDocumented, "current is not a failure");
    let contraindicated = only(vec![treatment(
        "crisaborole",
        TopicalPde4Inhibitor,
        None,
        Outcome::Contraindicated,
        0,
    )]);
    assert_eq!(status(&contraindicated, "topical_failure"), Met);
    let systemic =
        only(vec![treatment("cyclosporine", SystemicImmunosuppressant, None, Outcome::Failed, 0)]);
    assert_eq!(status(&systemic, "topical_failure"), NotDocumented);
    assert_eq!(status(&only(vec![]), "topical_failure"), NotDocumented);
    let mut none_tried = Facts { no_prescription_topicals: true, ..only(vec![]) };
    none_tried
        .evidence
        .insert("no_prescription_topicals".into(), vec![span(50, "no prescription topicals")]);
    let c = criterion(&none_tried, "topical_failure");
    assert_eq!((c.status, c.evidence.len()), (NotMet, 1));
    assert_eq!(
        evaluate_policy(&default_set(), &none_tried).determination,
        Determination::NotMedicallyNecessary
    );
}

#[test]
fn no_concurrent_ignores_the_requested_drug_and_stopped_agents() {
    use TreatmentClass::*;
    assert_eq!(
        status(&seed(), "no_concurrent_systemic"),
        Met,
        "planned dupilumab is the request itself"
    );
    let mut facts = seed();
    facts.treatments.push(treatment("upadacitinib", OralJakInhibitor, None, Outcome::Current, 700));
    let c = criterion(&facts, "no_concurrent_systemic");
    assert_eq!(c.status, NotMet);
    assert_eq!(c.evidence[0].text, "upadacitinib");
    assert_eq!(
        evaluate_policy(&default_set(), &facts).determination,
        Determination::NotMedicallyNecessary
    );
    facts.treatments.last_mut().unwrap().outcome = Outcome::Failed;
    assert_eq!(
        status(&facts, "no_concurrent_systemic"),
        Met,
        "a failed, stopped agent is not concurrent"
    );
    // Failed but still taken on the note's date: concurrent.
    facts.note_date = Some("2026-11-02".into());
    facts.treatments.last_mut().unwrap().last_used = Some("2026-11-02".into());
    assert_eq!(status(&facts, "no_concurrent_systemic"), NotMet, "failed, still taken");
    facts.treatments.last_mut().unwrap().last_used = Some("2025-01".into());
    assert_eq!(status(&facts, "no_concurrent_systemic"), Met, "failed, taken until 2025");
    facts.treatments.push(treatment(
        "methotrexate",
        SystemicImmunosuppressant,
        None,
        Outcome::Current,
        800,
    ));
    assert_eq!(status(&facts, "no_concurrent_systemic"), Met, "not an excluded class");
}

#[test]
fn dosing_follows_the_label_row_for_age_and_weight() {
    let child = |age: f64, weight: Option<f64>, dosing: (Option<f64>, f64, f64)| Facts {
        age_years: Some(age),
        weight_kg: weight,
        dosing: Dosing {
            loading_mg: dosing.0,
            maintenance_mg: Some(dosing.1),
            interval_weeks: Some(dosing.2),
            interval_days: None,
        },
        ..seed()
    };
    assert_eq!(status(&child(10.0, Some(45.0), (Some(400.0), 200.0, 2.0)), "dosing"), Met);
    assert_eq!(status(&child(10.0, Some(25.0), (Some(600.0), 300.0, 4.0)), "dosing"), Met);
    assert_eq!(status(&child(10.0, Some(45.0), (Some(600.0), 300.0, 2.0)), "dosing"), NotMet);
    assert_eq!(status(&child(10.0, None, (Some(600.0), 300.0, 2.0)), "dosing"), NotDocumented);
    assert_eq!(status(&child(3.0, Some(12.0), (None, 200.0, 4.0)), "dosing"), Met);
    assert_eq!(
        status(&child(3.0, Some(12.0), (Some(400.0), 200.0, 4.0)), "dosing"),
        NotMet,
        "no loading dose under 6"
    );
    assert_eq!(
        status(&child(8.0, Some(12.0), (None, 200.0, 4.0)), "dosing"),
        NotMet,
        "no label row"
    );
    assert_eq!(
        status(&child(40.0, None, (None, 300.0, 2.0)), "dosing"),
        Met,
        "adult weight is irrelevant"
    );
    assert_eq!(status(&Facts { dosing: Dosing::default(), ..seed() }, "dosing"), NotDocumented);
    let wrong = child(40.0, None, (Some(600.0), 300.0, 4.0));
    assert_eq!(
        evaluate_policy(&default_set(), &wrong).determination,
        Determination::MedicallyNecessary,
        "dosing is advisory"
    );
    assert!(criterion(&wrong, "dosing")
        .reason
        .contains("label for adults (18 years and older): 600 mg, then 300 mg every 2 weeks"));
}

#[test]
fn prescriber_three_outcomes_never_decide() {
    assert_eq!(status(&seed(), "prescriber"), Met);
    let other = Facts { prescriber_specialty: Some(Specialty::Other), ..seed() };
    assert_eq!(status(&other, "prescriber"), NotMet);
    assert_eq!(
        evaluate_policy(&default_set(), &other).determination,
        Determination::MedicallyNecessary
    );
    assert_eq!(
        status(&Facts { prescriber_specialty: None, ..seed() }, "prescriber"),
        NotDocumented
    );
}

#[test]
fn not_met_outranks_not_documented() {
    let facts = Facts { age_years: Some(0.2), diagnosis: None, ..seed() };
    assert_eq!(
        evaluate_policy(&default_set(), &facts).determination,
        Determination::NotMedicallyNecessary
    );
    let advisory_only = [Criterion {
        id: "x".into(),
        required: false,
        status: NotMet,
        reason: String::new(),
        evidence: vec![],
    }];
    assert_eq!(determine(&advisory_only), Determination::MedicallyNecessary);
}

#[test]
fn adbry_policy_is_data_with_its_own_rules() {
    let set = PolicySet::select(&["adbry-atopic-dermatitis".into()]).unwrap();
    let mut facts = Facts { requested_drug: Some("tralokinumab".into()), ..seed() };
    facts.treatments.last_mut().unwrap().agent = "tralokinumab".into();
    let evaluation = evaluate_policy(&set, &facts);
    assert_eq!(evaluation.determination, Determination::MedicallyNecessary);
    assert_eq!(evaluation.policy.unwrap().id, "adbry-atopic-dermatitis");
    let teen = Facts { age_years: Some(11.0), ..facts.clone() };
    assert_eq!(evaluate_policy(&set, &teen).determination, Determination::NotMedicallyNecessary);
    let mut with_dupilumab = facts.clone();
    with_dupilumab.treatments.push(treatment(
        "dupilumab",
        TreatmentClass::Biologic,
        None,
        Outcome::Current,
        900,
    ));
    assert_eq!(
        evaluate_policy(&set, &with_dupilumab).determination,
        Determination::NotMedicallyNecessary,
        "dupilumab excluded"
    );
    assert_eq!(
        evaluate_policy(&set, &seed()).determination,
        Determination::NotApplicable,
        "dupilumab is not covered"
    );
    let both =
        PolicySet::select(&[DEFAULT_POLICY.into(), "adbry-atopic-dermatitis".into()]).unwrap();
    assert_eq!(evaluate_policy(&both, &seed()).policy.unwrap().id, DEFAULT_POLICY);
    assert_eq!(evaluate_policy(&both, &facts).policy.unwrap().id, "adbry-atopic-dermatitis");
}

#[test]
fn builtin_policies_parse_and_carry_their_name_as_id() {
    for name in builtin_names() {
        let set = PolicySet::select(&[name.to_string()]).unwrap();
        assert_eq!(set.policies()[0].id, name);
        assert!(set.policies()[0].origin.ends_with(&format!("{name}.toml")));
        assert!(!set.policies()[0].considerations.is_empty());
    }
    let default = PolicySet::default();
    let ids: Vec<&str> = default.policies().iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, [DEFAULT_POLICY, "dupixent-atopic-dermatitis-continuation"]);
}

#[test]
fn unknown_names_and_overlaps_are_refused() {
    let error = PolicySet::select(&["no-such-policy".into()]).unwrap_err();
    assert!(error.to_string().contains("dupixent-atopic-dermatitis"), "{error}");
    let twice = PolicySet::select(&[DEFAULT_POLICY.into(), DEFAULT_POLICY.into()]).unwrap();
    assert_eq!(twice.policies().len(), 2, "one policy named twice is selected once");
    let file =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies/dupixent-atopic-dermatitis.toml");
    let error = PolicySet::select(&[DEFAULT_POLICY.into(), file.into()]).unwrap_err();
    assert!(matches!(error, PolicyError::Overlap { .. }), "{error}");
    let error = PolicySet::select(&[
        "cigna-dupixent-atopic-dermatitis".into(),
        "unitedhealthcare-dupixent-atopic-dermatitis-continuation".into(),
    ])
    .unwrap_err();
    assert!(error.to_string().contains("both cover dupilumab"), "two renewals clash: {error}");
    let error = PolicySet::select(&["/no/such/file.toml".into()]).unwrap_err();
    assert!(error.to_string().starts_with("/no/such/file.toml: "), "{error}");
}

const DEFAULT_TEXT: &str = include_str!("../policies/dupixent-atopic-dermatitis.toml");

fn broken(from: &str, to: &str) -> String {
    assert!(DEFAULT_TEXT.contains(from), "fixture text {from:?}");
    let text = DEFAULT_TEXT.replacen(from, to, 1);
    parse_policy(&text, "broken.toml").unwrap_err().to_string()
}

#[test]
fn syntax_errors_name_file_line_and_column() {
    let error = broken("bsa_min = 10", "bsa_min = = 10");
    let line = DEFAULT_TEXT.lines().position(|l| l.starts_with("bsa_min")).unwrap() + 1;
    assert!(error.starts_with(&format!("broken.toml:{line}:")), "{error}");
    let error = broken("iga_min = 3", "iga_min = \"three\"");
    assert!(error.starts_with("broken.toml:") && error.contains("invalid type"), "{error}");
    let error = broken("easi_min = 16", "easi_minimum = 16");
    assert!(error.contains("easi_minimum"), "{error}");
}

#[test]
fn semantic_errors_name_the_key() {
    let cases = [
        (
            "kind = \"severity\"",
            "kind = \"severity_score\"",
            "criteria[2].kind",
            "unknown criterion kind",
        ),
        (
            "\"topical_pde4_inhibitor\",",
            "\"topical_pde5_inhibitor\",",
            "criteria[3].classes",
            "unknown variant",
        ),
        ("bsa_min = 10", "bsa_min = 110", "criteria[2].bsa_min", "outside"),
        ("min_age_years = 0.5", "min_age_years = -1", "criteria[1].min_age_years", "outside"),
        (
            "outcomes = [\"current\", \"planned\"]",
            "outcomes = [\"current\", \"ongoing\"]",
            "criteria[4].outcomes",
            "unknown variant",
        ),
        (
            "specialties = [\"dermatology\", \"allergy_immunology\"]",
            "specialties = [\"dermatology\", \"allergy\"]",
            "criteria[6].specialties",
            "unknown variant",
        ),
        (
            "corticosteroid_min_potency = \"medium\"",
            "corticosteroid_min_potency = \"moderate\"",
            "criteria[3].corticosteroid_min_potency",
            "unknown variant",
        ),
        (
            "min_age_years = 0.5\n",
            "min_age_years = 0.5\nbsa_min = 10\n",
            "criteria[1].bsa_min",
            "does not apply",
        ),
        ("max_weight_kg = 60", "max_weight_kg = 20", "dosing[2].max_weight_kg", "not above"),
        ("maintenance_mg = 300", "maintenance_mg = 0", "dosing[0].maintenance_mg", "positive"),
        ("id = \"age\"", "id = \"diagnosis\"", "criteria[1].id", "used twice"),
        ("super_high = [", "ultra_high = [", "potency.ultra_high", "unknown variant"),
    ];
    for (from, to, key, what) in cases {
        let error = broken(from, to);
        assert!(error.starts_with("broken.toml"), "{error}");
        assert!(error.contains(&format!("`{key}`")) && error.contains(what), "{key}: {error}");
    }
    let line = DEFAULT_TEXT.lines().position(|l| l.starts_with("bsa_min")).unwrap() + 1;
    assert!(
        broken("bsa_min = 10", "bsa_min = 110").starts_with(&format!("broken.toml:{line}: ")),
        "the key's own line"
    );
}

/// The review `explain` writes for `facts` as the note `note` with `text`.
fn review_of(set: &PolicySet, facts: &Facts, note: &str, text: &str) -> String {
    let evaluation = evaluate_policy(set, facts);
    let routing = route_case(set, facts, &evaluation, &Source::default());
    let record = Record {
        id: note.into(),
        status: Status::Ok,
        error: None,
        source: Source::default(),
        determination: Some(evaluation.determination),
        policy: evaluation.policy,
        facts: Some(facts.clone()),
        criteria: evaluation.criteria,
        route: Some(routing.route),
        pend_reasons: routing.reasons,
        authorization: None,
        provenance: None,
    };
    write_review(set, &record, text)
}

#[test]
fn review_reads_decision_first_then_quotes_and_considerations() {
    let set = default_set();
    let facts = seed();
    let review = review_of(&set, &facts, "seed.txt", "");
    let route = review.find("**Route: APPROVE").unwrap();
    let decision = review.find("**Determination: MEDICALLY NECESSARY").unwrap();
    let severity = review.find("### Moderate-to-severe disease (`severity`): met").unwrap();
    assert!(route < decision && decision < severity);
    assert!(review.contains("> \"BSA 10%\" (bytes 120-127)"), "{review}");
    assert!(
        review.contains("- Label regimen: 600 mg, then 300 mg every 2 weeks for adults"),
        "{review}"
    );
    assert!(review.contains("conjunctivitis"));
    assert!(
        review.contains(
            "| betamethasone | topical_corticosteroid | high | failed | \"betamethasone\" |"
        ),
        "{review}"
    );
    assert!(!review.contains("## Documentation to request"));
    let mut nested = seed();
    nested.evidence.insert("measures.iga".into(), vec![span(120, "BSA 10% IGA 4")]);
    let review = review_of(&set, &nested, "nested.txt", "");
    assert!(
        review.contains("> \"BSA 10% IGA 4\"") && !review.contains("> \"BSA 10%\""),
        "{review}"
    );
    let thin = Facts { measures: Measures::default(), high_impact_sites: vec![], ..seed() };
    let review = review_of(&set, &thin, "thin.txt", "");
    assert!(review.starts_with("# Medical necessity review: Dupixent (dupilumab)\n\n**Route: PEND"));
    assert!(review.contains("- `not_documented` (`severity`): Moderate-to-severe disease: not documented; ask the prescriber for current severity"), "{review}");
    assert!(review.contains("INSUFFICIENT DOCUMENTATION"));
    assert!(
        review.contains(
            "> Re: prior authorization request for Dupixent (dupilumab) (our reference \
             `thin.txt`). To complete the review under the policy \"Dupilumab (Dupixent) for \
             atopic dermatitis, initial authorization\" (version 2026.1), please send: (1) \
             current severity: BSA %, IGA or EASI score, or involvement of a high-impact site. \
             The request is pended until we receive them; it has not been denied."
        ),
        "{review}"
    );
    let unsure = Facts { prescriber_specialty: None, ..thin.clone() };
    let review = review_of(&set, &unsure, "unsure.txt", "");
    assert!(
        review.contains("- Prescribed by or with a specialist (advisory, decides nothing): the prescriber's specialty"),
        "{review}"
    );
    assert!(!review.contains("conjunctivitis"), "considerations go with an approval only");
    let other = Facts { requested_drug: Some("abrocitinib".into()), ..seed() };
    let review = review_of(&set, &other, "other.txt", "");
    assert!(review.contains("requests abrocitinib, which no selected policy covers"), "{review}");
    assert!(review.contains("- `not_applicable`: the note requests abrocitinib"), "{review}");
}

#[test]
fn review_quotes_evidence_in_its_line_with_the_words_in_bold() {
    let text =
        "HPI: adult.\nExam: lichenified plaques, BSA 10%,   dorsal hands fissured.\nPlan: start.";
    let start = text.find("BSA 10%").unwrap();
    let mut facts = Facts { evidence: Default::default(), ..seed() };
    facts
        .evidence
        .insert("measures.bsa_percent".into(), vec![Span::of(text, start, start + 7).unwrap()]);
    let set = default_set();
    let review = review_of(&set, &facts, "n.txt", text);
    let quote = format!(
        "> \"Exam: lichenified plaques, **BSA 10%**, dorsal hands fissured.\" (bytes {start}-{})",
        start + 7
    );
    assert!(review.contains(&quote), "{review}");
    let long = format!("{}BSA 10%{}", "x ".repeat(100), " y".repeat(100));
    let start = long.find("BSA").unwrap();
    facts
        .evidence
        .insert("measures.bsa_percent".into(), vec![Span::of(&long, start, start + 7).unwrap()]);
    let review = review_of(&set, &facts, "n.txt", &long);
    let line = review.lines().find(|l| l.contains("**BSA 10%**")).unwrap();
    assert!(line.starts_with("> \"…x") && line.contains("y…\""), "cut to the context: {line}");
}
