//! One test per pend reason kind, each beside the same case without it,
//! which approves: the seed case of the policy tests.

use super::*;
use crate::evaluate_policy;
use crate::tests::{default_set, seed, span, treatment};
use necessity_record::{Caveat, Measures, Treatment, TreatmentClass};

fn routing_of(facts: &Facts, source: &Source) -> Routing {
    let set = default_set();
    route_case(&set, facts, &evaluate_policy(&set, facts), source)
}

fn routing(facts: &Facts) -> Routing {
    routing_of(facts, &Source::default())
}

/// The kinds of a routing's reasons, in order.
fn kinds(routing: &Routing) -> Vec<PendKind> {
    routing.reasons.iter().map(|r| r.kind).collect()
}

/// Asserts the case pends with exactly `expected` reason kinds and returns
/// the reasons for closer checks.
fn pends(routing: Routing, expected: &[PendKind]) -> Vec<PendReason> {
    assert_eq!(routing.route, Route::Pend, "{:?}", routing.reasons);
    assert_eq!(kinds(&routing), expected, "{:?}", routing.reasons);
    routing.reasons
}

#[test]
fn the_seed_case_approves_with_no_reason() {
    let routing = routing(&seed());
    assert_eq!(routing, Routing { route: Route::Approve, reasons: Vec::new() });
}

/// The seed case with upadacitinib (an oral JAK inhibitor) of `outcome` added.
fn with_jak_inhibitor(outcome: Outcome) -> Facts {
    let mut facts = seed();
    facts.treatments.push(treatment(
        "upadacitinib",
        TreatmentClass::OralJakInhibitor,
        None,
        outcome,
        900,
    ));
    facts
}

#[test]
fn a_criterion_not_met_pends_naming_it() {
    let facts = with_jak_inhibitor(Outcome::Current);
    let [reason] = &pends(routing(&facts), &[PendKind::CriterionNotMet])[..] else { panic!() };
    assert_eq!(reason.criterion.as_deref(), Some("no_concurrent_systemic"));
    assert!(reason.message.contains(": not met (upadacitinib (oral JAK inhibitor) is current"));
    assert_eq!(reason.evidence[0].text, "upadacitinib");
    let infant = Facts { age_years: Some(0.25), ..seed() };
    let reasons =
        pends(routing(&infant), &[PendKind::CriterionNotMet, PendKind::DosingOutsideLabel]);
    assert_eq!(reasons[0].message, "Age 6 months or older: not met (age 0.25 y < 0.5 y)");
    let mut thin_infant = Facts { high_impact_sites: vec![], ..infant };
    thin_infant.measures = Measures::default();
    let reasons = routing(&thin_infant).reasons;
    let severity = reasons.iter().find(|r| r.kind == PendKind::NotDocumented).unwrap();
    assert_eq!(severity.message, "Moderate-to-severe disease: not documented", "nothing to ask");
}

#[test]
fn a_criterion_not_documented_pends_with_what_to_ask_for() {
    let mut thin = Facts { high_impact_sites: vec![], ..seed() };
    thin.measures = Default::default();
    let [reason] = &pends(routing(&thin), &[PendKind::NotDocumented])[..] else { panic!() };
    assert_eq!(reason.criterion.as_deref(), Some("severity"));
    assert_eq!(
        reason.message,
        "Moderate-to-severe disease: not documented; ask the prescriber for current severity: \
         BSA %, IGA or EASI score, or involvement of a high-impact site"
    );
    let set = default_set();
    let evaluation = evaluate_policy(&set, &thin);
    let request = documentation_request(&set.policies()[0], &thin, &evaluation.criteria);
    assert_eq!(request.len(), 1);
    assert_eq!(request[0].criterion, "severity");
}

#[test]
fn a_request_no_policy_covers_pends_as_not_applicable() {
    let other = Facts { requested_drug: Some("abrocitinib".into()), ..seed() };
    let [reason] = &pends(routing(&other), &[PendKind::NotApplicable])[..] else { panic!() };
    assert!(reason.message.contains("requests abrocitinib"), "{reason:?}");
    let none = Facts { requested_drug: None, ..seed() };
    pends(routing(&none), &[PendKind::NotApplicable]);
}

#[test]
fn partial_text_pends_on_failed_pages_and_weak_or_unrated_ocr() {
    let failed = Source { pages_failed: vec![2, 3], ..Source::default() };
    let [reason] = &pends(routing_of(&seed(), &failed), &[PendKind::PartialText])[..] else {
        panic!()
    };
    assert!(reason.message.contains("page(s) 2, 3"), "{reason:?}");
    let weak = Source { ocr: true, ocr_confidence: Some(61.5), ..Source::default() };
    let reasons = pends(routing_of(&seed(), &weak), &[PendKind::PartialText]);
    assert!(reasons[0].message.contains("confidence 61.5, below 80"), "{reasons:?}");
    let unrated = Source { ocr: true, ..Source::default() };
    pends(routing_of(&seed(), &unrated), &[PendKind::PartialText]);
    let clear = Source { ocr: true, ocr_confidence: Some(OCR_MIN_CONFIDENCE), ..Source::default() };
    assert_eq!(routing_of(&seed(), &clear).route, Route::Approve);
}

#[test]
fn a_measure_outside_its_scale_pends() {
    for (field, set) in [
        ("measures.bsa_percent", (|m| m.bsa_percent = Some(110.0)) as fn(&mut Measures)),
        ("measures.iga", |m| m.iga = Some(5.0)),
        ("measures.itch_nrs", |m| m.itch_nrs = Some(12.0)),
        ("measures.easi", |m| m.easi = Some(80.0)),
    ] {
        let mut facts = seed();
        set(&mut facts.measures);
        facts.evidence.insert(field.into(), vec![span(700, "misread")]);
        let reasons = pends(routing(&facts), &[PendKind::MeasureOutOfScale]);
        assert_eq!(reasons[0].evidence[0].text, "misread", "{field}");
    }
    let mut five_point = seed();
    five_point.measures.iga = Some(5.0);
    five_point.measures.iga_scale = Some(5);
    assert_eq!(routing(&five_point).route, Route::Approve, "IGA 5 on a 0-5 scale is in scale");
}

#[test]
fn a_requested_drug_also_documented_as_not_tolerated_pends() {
    let mut facts = seed();
    let dupilumab = facts.treatments.iter_mut().find(|t| t.agent == "dupilumab").unwrap();
    dupilumab.outcome = Outcome::Intolerant;
    let reasons = pends(routing(&facts), &[PendKind::RequestConflict]);
    assert!(reasons[0].message.contains("also documented as intolerant"), "{reasons:?}");
    assert_eq!(reasons[0].evidence.len(), 2, "the request and the intolerance");
}

#[test]
fn another_indication_of_the_drug_pends_beside_the_unmet_diagnosis() {
    let prurigo = Facts { diagnosis: Some("prurigo_nodularis".into()), ..seed() };
    let reasons = pends(routing(&prurigo), &[PendKind::CriterionNotMet, PendKind::OtherIndication]);
    assert_eq!(reasons[1].criterion.as_deref(), Some("diagnosis"));
    assert!(reasons[1].message.contains("prurigo nodularis, another indication of dupilumab"));
    let psoriasis = Facts { diagnosis: Some("psoriasis".into()), ..seed() };
    pends(routing(&psoriasis), &[PendKind::CriterionNotMet]);
}

#[test]
fn a_regimen_outside_the_label_pends_though_dosing_is_advisory() {
    let mut facts = seed();
    facts.dosing.interval_weeks = Some(4.0);
    let evaluation = evaluate_policy(&default_set(), &facts);
    assert_eq!(evaluation.determination, Determination::MedicallyNecessary);
    let reasons = pends(routing(&facts), &[PendKind::DosingOutsideLabel]);
    assert_eq!(reasons[0].criterion.as_deref(), Some("dosing"));
    assert!(reasons[0].message.contains("every 4 weeks"), "{reasons:?}");
}

#[test]
fn a_childs_dose_without_weight_pends_and_asks_for_it() {
    let mut child = Facts { age_years: Some(10.0), ..seed() };
    child.dosing.loading_mg = Some(400.0);
    child.dosing.maintenance_mg = Some(200.0);
    let reasons = pends(routing(&child), &[PendKind::WeightMissing]);
    assert!(reasons[0].message.contains("at 10 y depends on weight"), "{reasons:?}");
    let set = default_set();
    let evaluation = evaluate_policy(&set, &child);
    let request = documentation_request(&set.policies()[0], &child, &evaluation.criteria);
    assert_eq!(request.len(), 1);
    assert_eq!(request[0].criterion, "dosing");
    assert!(request[0].missing.contains("the weight"));
    let weighed = Facts { weight_kg: Some(40.0), ..child };
    assert_eq!(routing(&weighed).route, Route::Approve);
}

/// A caveat as extraction will attach it, on the BSA value's evidence.
fn with_caveat(kind: PendKind, field: Option<&str>) -> Facts {
    let mut facts = seed();
    facts.caveats.push(Caveat {
        kind,
        field: field.map(str::to_string),
        message: format!("test caveat {kind:?}"),
        evidence: vec![span(800, "elsewhere")],
    });
    facts
}

#[test]
fn every_caveat_pends_with_its_kind_and_the_criterion_it_touches() {
    for kind in [
        PendKind::MeasureConflict,
        PendKind::RequestConflict,
        PendKind::RequestMismatch,
        PendKind::OtherIndication,
        PendKind::DiagnosisUncertain,
        PendKind::UncertainEvidence,
        PendKind::CopiedForwardEvidence,
        PendKind::PartialText,
    ] {
        let support = matches!(kind, PendKind::UncertainEvidence | PendKind::CopiedForwardEvidence);
        if support {
            // A doubt about a fact no criterion rests on asks nothing.
            assert_eq!(routing(&with_caveat(kind, None)).route, Route::Approve, "{kind:?}");
        } else {
            let reasons = pends(routing(&with_caveat(kind, None)), &[kind]);
            assert_eq!(reasons[0].message, format!("test caveat {kind:?}"));
            assert_eq!(reasons[0].criterion, None, "its evidence touches no criterion");
        }
        let on_bsa = pends(routing(&with_caveat(kind, Some("measures.bsa_percent"))), &[kind]);
        assert_eq!(on_bsa[0].criterion.as_deref(), Some("severity"), "{kind:?}");
        assert_eq!(on_bsa[0].evidence[0].text, "elsewhere", "the caveat's own evidence");
    }
}

#[test]
fn a_caveat_on_a_treatment_names_the_topical_criterion() {
    let mut facts = with_caveat(PendKind::CopiedForwardEvidence, None);
    let tacrolimus: &Treatment = facts
        .treatments
        .iter()
        .find(|t| t.class == TreatmentClass::TopicalCalcineurinInhibitor)
        .unwrap();
    facts.caveats[0].evidence = tacrolimus.evidence.clone();
    let reasons = pends(routing(&facts), &[PendKind::CopiedForwardEvidence]);
    assert_eq!(reasons[0].criterion.as_deref(), Some("topical_failure"));
}

#[test]
fn an_excluded_drug_named_with_no_status_pends() {
    let mut facts = with_jak_inhibitor(Outcome::Mentioned);
    let reasons = pends(routing(&facts), &[PendKind::ConcurrentUnclear]);
    assert_eq!(reasons[0].criterion.as_deref(), Some("no_concurrent_systemic"));
    assert!(reasons[0]
        .message
        .starts_with("upadacitinib (oral JAK inhibitor) is named with no status"));
    let stopped = facts.treatments.last_mut().unwrap();
    stopped.outcome = Outcome::Failed;
    assert_eq!(routing(&facts).route, Route::Approve, "a failed JAK inhibitor is over");
    let mut topical = seed();
    topical.treatments[0].outcome = Outcome::Mentioned;
    assert_eq!(routing(&topical).route, Route::Approve, "a mentioned topical excludes nothing");
}

#[test]
fn an_excluded_drug_whose_use_the_note_dates_before_it_is_over() {
    // "upadacitinib 15 mg daily Feb-May 2025" in a note of 2026-01-08.
    let mut facts = with_jak_inhibitor(Outcome::Mentioned);
    facts.note_date = Some("2026-01-08".into());
    facts.treatments.last_mut().unwrap().last_used = Some("2025-05".into());
    assert_eq!(routing(&facts).route, Route::Approve);
    // Used this month (or undated), it may go on.
    facts.treatments.last_mut().unwrap().last_used = Some("2026-01".into());
    pends(routing(&facts), &[PendKind::ConcurrentUnclear]);
}

#[test]
fn an_excluded_drug_with_no_status_is_settled_when_the_note_denies_its_class() {
    // "No other JAK inhibitor will be used": the upadacitinib named without
    // a status goes on with nothing.
    let mut facts = with_jak_inhibitor(Outcome::Mentioned);
    facts.no_concurrent_classes = vec![TreatmentClass::OralJakInhibitor];
    assert_eq!(routing(&facts).route, Route::Approve);
    // A denial of another class says nothing of this drug's.
    facts.no_concurrent_classes = vec![TreatmentClass::Biologic];
    let reasons = pends(routing(&facts), &[PendKind::ConcurrentUnclear]);
    assert!(reasons[0].message.starts_with("upadacitinib (oral JAK inhibitor)"));
    // A drug of the denied class documented as current is no status unclear:
    // the criterion itself is not met, whatever the note denies.
    let mut current = with_jak_inhibitor(Outcome::Current);
    current.no_concurrent_classes = vec![TreatmentClass::OralJakInhibitor];
    assert_eq!(routing(&current).route, Route::Pend);
}
