//! Agents of every class and the outcomes reviewers read: drugs for other
//! conditions, drug allergies, regimens that show a course in use, rebound
//! after a course, a flare in the drug's own sentence, and drugs only
//! discussed. Each pattern with the counter-example that must not change.

use necessity_extract::{extract_case, Lexicons};
use necessity_record::{Facts, Outcome, TreatmentClass};

fn facts(text: &str) -> Facts {
    extract_case(&Lexicons::builtin(), text)
}

fn outcome(facts: &Facts, agent: &str) -> Option<Outcome> {
    facts.treatments.iter().find(|t| t.agent == agent).map(|t| t.outcome)
}

fn class(facts: &Facts, agent: &str) -> Option<TreatmentClass> {
    facts.treatments.iter().find(|t| t.agent == agent).map(|t| t.class)
}

const AD: &str = "Atopic dermatitis of the arms. ";

#[test]
fn drugs_for_other_conditions_in_a_list_are_current_agents_of_class_other() {
    let f = facts(&format!(
        "{AD}\n\nMedications:\n- lisinopril 10 mg daily\n- atorvastatin 20 mg nightly\n- emollients\n"
    ));
    assert_eq!(outcome(&f, "lisinopril"), Some(Outcome::Current));
    assert_eq!(class(&f, "lisinopril"), Some(TreatmentClass::Other));
    assert_eq!(outcome(&f, "atorvastatin"), Some(Outcome::Current));
    // Emollients are no agent.
    assert_eq!(f.treatments.len(), 2);
}

#[test]
fn a_regimen_after_a_drug_shows_it_in_use_unless_its_clause_dates_it() {
    let f = facts(&format!("{AD}Hypothyroidism: levothyroxine 50 mcg."));
    assert_eq!(outcome(&f, "levothyroxine"), Some(Outcome::Current));
    let f = facts(&format!("{AD}Wheeze: montelukast 5 mg at night."));
    assert_eq!(outcome(&f, "montelukast"), Some(Outcome::Current));
    let dated = facts(&format!("{AD}Hydrocortisone 2.5% cream BID 2019-2020."));
    assert_eq!(outcome(&dated, "hydrocortisone"), Some(Outcome::Mentioned));
    let course = facts(&format!("{AD}Impetigo last spring was treated with cephalexin."));
    assert_eq!(outcome(&course, "cephalexin"), Some(Outcome::Mentioned));
}

#[test]
fn a_drug_allergy_is_no_treatment_but_an_allergy_list_may_tell_an_intolerance() {
    let f = facts(&format!("{AD}She is allergic to amoxicillin and sulfa."));
    assert_eq!(outcome(&f, "amoxicillin"), None);
    let f = facts(&format!("{AD}\n\nAllergies: cefdinir (hives); pimecrolimus (stinging).\n"));
    assert_eq!(outcome(&f, "cefdinir"), None);
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Intolerant));
}

#[test]
fn inhaled_and_nasal_steroids_are_other_and_a_dose_decides_an_abbreviation() {
    let f = facts(&format!("{AD}Asthma controlled on a beclomethasone inhaler; Nasacort daily."));
    assert_eq!(class(&f, "beclomethasone"), Some(TreatmentClass::Other));
    assert_eq!(outcome(&f, "beclomethasone"), Some(Outcome::Current));
    assert_eq!(class(&f, "triamcinolone"), Some(TreatmentClass::Other));
    assert_eq!(outcome(&facts("Takes ASA 81 mg daily."), "aspirin"), Some(Outcome::Current));
    assert!(facts("ASA class II, general anesthesia.").treatments.is_empty());
    assert!(facts("Non-insulin-dependent diabetes mellitus.").treatments.is_empty());
}

#[test]
fn a_parenthesised_remark_belongs_to_the_list_item_before_it() {
    let f = facts(&format!(
        "{AD}Meds: amlodipine 5 mg daily, cetirizine 10 mg daily (no help for the itch)."
    ));
    assert_eq!(outcome(&f, "cetirizine"), Some(Outcome::Failed));
    assert_eq!(outcome(&f, "amlodipine"), Some(Outcome::Current));
}

#[test]
fn a_drug_ordered_today_that_is_not_the_request_is_current() {
    let f = facts(&format!(
        "{AD}Plan: start Dupixent 600 mg then 300 mg every 2 weeks. Start hydroxyzine 10 mg at night."
    ));
    assert_eq!(f.requested_drug.as_deref(), Some("dupilumab"));
    assert_eq!(outcome(&f, "dupilumab"), Some(Outcome::Planned));
    assert_eq!(outcome(&f, "hydroxyzine"), Some(Outcome::Current));
}

#[test]
fn better_only_on_the_drug_and_back_after_the_course_is_a_failure() {
    let f = facts(&format!(
        "{AD}A methylprednisolone pack settled the rash; it flared back within a week of the last dose."
    ));
    assert_eq!(outcome(&f, "methylprednisolone"), Some(Outcome::Failed));
    let f = facts(&format!("{AD}Oral prednisolone helped only while he was taking it."));
    assert_eq!(outcome(&f, "prednisolone"), Some(Outcome::Failed));
    // A flare after a stop for side effects is no failure of the drug.
    let f = facts(&format!(
        "{AD}Tralokinumab worked but caused conjunctivitis and was stopped. \
         Since then she has flared back to BSA 20%."
    ));
    assert_eq!(outcome(&f, "tralokinumab"), Some(Outcome::Intolerant));
}

#[test]
fn a_flare_in_the_drugs_own_sentence_is_how_the_course_went() {
    let f = facts(&format!(
        "{AD}Fluocinonide 0.05% ointment daily for six weeks, still flaring on the shins."
    ));
    assert_eq!(outcome(&f, "fluocinonide"), Some(Outcome::Failed));
    let f = facts(&format!("{AD}Fluocinonide 0.05% ointment for six weeks. Still flaring."));
    assert_ne!(outcome(&f, "fluocinonide"), Some(Outcome::Failed));
    let row = facts(&format!("{AD}\nDesonide cream    2024-2025    flaring despite BID\n"));
    assert_eq!(outcome(&row, "desonide"), Some(Outcome::Failed));
}

#[test]
fn a_course_that_stopped_working_or_was_stopped_for_a_lab_rise() {
    let f = facts(&format!("{AD}The clobetasol stopped working after a few weeks."));
    assert_eq!(outcome(&f, "clobetasol"), Some(Outcome::Failed));
    let f = facts(&format!("{AD}Cyclosporine was stopped after two months for BP elevation."));
    assert_eq!(outcome(&f, "cyclosporine"), Some(Outcome::Intolerant));
    let f = facts(&format!("{AD}Azathioprine was stopped because of rising transaminases."));
    assert_eq!(outcome(&f, "azathioprine"), Some(Outcome::Intolerant));
    // A stop for cost stays a bare stop.
    let f = facts(&format!("{AD}Crisaborole was stopped because of cost."));
    assert_eq!(outcome(&f, "crisaborole"), Some(Outcome::Mentioned));
}

#[test]
fn a_drug_only_discussed_or_not_offered_is_no_treatment() {
    let f = facts(&format!("{AD}Azathioprine was discussed; she would rather wait."));
    assert_eq!(outcome(&f, "azathioprine"), None);
    let f = facts(&format!("{AD}Given her kidneys we did not offer cyclosporine."));
    assert_eq!(outcome(&f, "cyclosporine"), None);
    let f = facts(&format!("{AD}Azathioprine was discussed: it failed in 2021."));
    assert_eq!(outcome(&f, "azathioprine"), Some(Outcome::Failed));
}

fn duration(facts: &Facts, agent: &str) -> Option<f64> {
    facts.treatments.iter().find(|t| t.agent == agent).and_then(|t| t.duration_days)
}

#[test]
fn a_course_length_written_after_the_drug_is_its_duration() {
    let f = facts(&format!("{AD}Mometasone 0.1% ointment x 6 weeks, no improvement."));
    assert_eq!(duration(&f, "mometasone"), Some(42.0));
    let evidence = &f.treatments[0].evidence;
    assert!(evidence.iter().any(|e| e.text.contains("6 weeks")), "{evidence:?}");
    let f = facts(&format!("{AD}Desonide cream twice daily for a month without benefit."));
    assert_eq!(duration(&f, "desonide"), Some(30.0));
    let f = facts(&format!("{AD}Crisaborole (3 months): minimal benefit."));
    assert_eq!(duration(&f, "crisaborole"), Some(90.0));
    // An interval or a time ago is no length.
    let f = facts(&format!("{AD}Dupixent 300 mg every 2 weeks was stopped 3 months ago."));
    assert_eq!(duration(&f, "dupilumab"), None);
}

#[test]
fn a_request_the_note_later_says_it_does_not_make_is_none() {
    // Another clinic's order, reported, and this note's own words that it
    // asks for nothing.
    let f = facts(
        "Atopic dermatitis. Derm has prescribed Dupixent and sent the prior auth to her \
         insurance. Prednisone 40 mg x 5 days as a bridge. No prescription or PA for Dupixent \
         from this clinic.",
    );
    assert_eq!(f.requested_drug, None);
    // A start put off is still asked for.
    let f = facts(
        "Atopic dermatitis vs CTCL. Submitting a prior authorization for dupilumab now. We will \
         NOT start dupilumab until the biopsy is back.",
    );
    assert_eq!(f.requested_drug.as_deref(), Some("dupilumab"));
    // A denial of another drug's restart is no denial of this one.
    let f = facts(
        "Atopic dermatitis. Ebglyss PA sent to the plan. Provider says no - do not restart \
         Dupixent, wait for Ebglyss.",
    );
    assert_eq!(f.requested_drug.as_deref(), Some("lebrikizumab"));
    // A restart refused now, with no event it waits for, takes the option back.
    let f = facts(
        "Atopic dermatitis, BSA 20%. Options discussed:\n1) Restart dupilumab now. Reasonable \
         option.\nDecision: she prefers to stay with topicals and NOT restart Dupixent during the \
         pregnancy.",
    );
    assert_eq!(f.requested_drug, None);
}

#[test]
fn a_forms_drug_withdrawn_for_another_is_no_longer_asked_for() {
    let form = "Drug requested:   Dupixent (dupilumab) 300 mg/2 mL pen\nDiagnosis: atopic \
                dermatitis\n\nPeer-to-peer call. ";
    let f = facts(&format!(
        "{form}Prescriber agreed to withdraw the Dupixent request. She will prescribe Ebglyss \
         (lebrikizumab) instead and will submit a new prior authorization for Ebglyss today."
    ));
    assert_eq!(f.requested_drug.as_deref(), Some("lebrikizumab"));
    // Withdrawn with nothing asked for instead, the form's drug stays.
    let f = facts(&format!("{form}Prescriber agreed to withdraw the Dupixent request."));
    assert_eq!(f.requested_drug.as_deref(), Some("dupilumab"));
}

#[test]
fn counselled_risks_and_a_topicals_order_state_no_site_or_dose() {
    let f = facts(
        "Atopic dermatitis, BSA 6%, trunk and arms. Start Dupixent 600 mg then 300 mg every 2 \
         weeks. Discussed conjunctivitis and facial erythema with dupilumab; pt agrees.",
    );
    assert!(f.high_impact_sites.is_empty(), "{:?}", f.high_impact_sites);
    // A regimen label of dupilumab's doses is no dose of a topical ordered.
    let f = facts(
        "Atopic dermatitis, BSA 16%. We talked about dupilumab. For her weight the regimen \
         would be 600 mg loading then 300 mg every 4 weeks. Family decided to DEFER Dupixent.\n\
         PLAN\n1. NEW: tacrolimus 0.03% ointment BID to face and neck.",
    );
    assert_eq!(f.requested_drug.as_deref(), Some("tacrolimus"));
    assert_eq!(f.dosing.maintenance_mg, None);
}

#[test]
fn a_route_in_a_time_clause_after_a_steroid_is_another_events() {
    let f = facts(
        "Atopic dermatitis. Failed mometasone furoate 0.1% ointment. Start Dupixent. May \
         continue mometasone to body PRN until injections start.",
    );
    let classes: Vec<_> =
        f.treatments.iter().filter(|t| t.agent == "mometasone").map(|t| t.class).collect();
    assert_eq!(classes, [TreatmentClass::TopicalCorticosteroid]);
}

#[test]
fn a_course_the_note_stops_is_marked_stopped_and_a_question_stops_nothing() {
    let stopped = |text: &str| {
        let f = facts(text);
        f.treatments.iter().find(|t| t.agent == "upadacitinib").map(|t| t.stopped)
    };
    let text = "Date: 11/19/2025\nAtopic dermatitis, inadequately controlled on upadacitinib \
                x 8 months.\nMeds: Rinvoq 15 mg PO daily.\nPLAN\n- Rinvoq STOPPED today.\n\
                - Start Dupixent.";
    assert_eq!(stopped(text), Some(true));
    let asked = "Date: 11/19/2025\nAtopic dermatitis. He has been taking upadacitinib 30 mg \
                 daily. The reviewer asked whether upadacitinib will be discontinued when \
                 dupilumab begins. Request: Dupixent.";
    assert_eq!(stopped(asked), Some(false));
}

#[test]
fn a_ticked_preferred_product_is_not_answered_by_the_next_question() {
    let form = "Atopic dermatitis, BSA 18%.\n4. Preferred products tried (check all that \
                apply):\n   [X] Adbry (tralokinumab)   [ ] Ebglyss   [ ] Nemluvio\n5. Will \
                Dupixent be given with another biologic or a JAK inhibitor?  [ ] Yes  [X] No\n\
                We started tralokinumab first. Adbry was discontinued after the third dose \
                because of the reaction. Start Dupixent.";
    let f = facts(form);
    assert!(!f.never_tried.contains(&"tralokinumab".to_string()), "{:?}", f.never_tried);
    assert_eq!(outcome(&f, "tralokinumab"), Some(Outcome::Intolerant));
}

#[test]
fn a_drug_named_as_the_current_course_a_plan_adds_to_is_no_request() {
    let f = facts(
        "Atopic dermatitis. Dupilumab requested as add-on to current abrocitinib 200 mg daily.",
    );
    assert_eq!(f.requested_drug.as_deref(), Some("dupilumab"));
    let f = facts("Atopic dermatitis. Requested as add-on to current abrocitinib 200 mg daily.");
    assert_eq!(f.requested_drug, None);
}

#[test]
fn a_request_label_in_capitals_after_a_sentence_is_a_field() {
    let f = facts(
        "Atopic dermatitis. Start Adbry. Patient called back: Adbry Rx CANCELLED with pharmacy \
         (never dispensed). NEW REQUEST: Dupixent (dupilumab) 300 mg/2 mL pen - 600 mg SC day 1 \
         (two pens), then 300 mg SC every 2 weeks.",
    );
    assert_eq!(f.requested_drug.as_deref(), Some("dupilumab"));
    assert_eq!(f.dosing.loading_mg, Some(600.0));
    assert_eq!(f.dosing.maintenance_mg, Some(300.0));
}

#[test]
fn a_renewal_s_regimen_is_the_one_a_dose_change_goes_to() {
    let f = facts(
        "Date: 09/01/2026. Atopic dermatitis, almost clear on dupilumab since 10/2025.\n\
         Dosing history: 600 mg load, then 300 mg q4w (wt 29 kg at start).\n\
         Plan\n\
         1. Dose change: switch from Dupixent 300 mg every 4 weeks to 200 mg SC every\n\
         \x20  2 weeks, first 200 mg dose on 09/10/2026.\n\
         2. Submitting a reauthorization request for Dupixent today.\n",
    );
    assert_eq!(f.continuation_of.as_deref(), Some("dupilumab"));
    assert_eq!(f.dosing.loading_mg, None);
    assert_eq!(f.dosing.maintenance_mg, Some(200.0));
    assert_eq!(f.dosing.interval_weeks, Some(2.0));
}

#[test]
fn a_stop_timed_by_the_requested_drug_is_no_stop_of_it() {
    let text = "Atopic dermatitis of the face and eyelids.\nPlan:\n\
                1. Start Dupixent 600 mg then 300 mg every 2 weeks.\n\
                2. Continue hydrocortisone 2.5% sparingly for now; aim to stop once dupilumab \
                effective.\n";
    let f = facts(text);
    assert_eq!(f.requested_drug.as_deref(), Some("dupilumab"));
    assert!(f.caveats.is_empty(), "no request conflict: {:?}", f.caveats);
    // Its own stop is one.
    let f =
        facts(&text.replace("aim to stop once dupilumab effective", "stop dupilumab if no effect"));
    assert!(!f.caveats.is_empty());
}

#[test]
fn a_bare_name_takes_the_class_the_note_gives_the_drug_elsewhere() {
    // A letter that names no skin disease: "triamcinolone" alone would take
    // the lexicon's default (an injection), but the note says it was a cream.
    let f = facts(
        "Appeal of the denial of Dupixent. vIGA 3, EASI 19.4.\n\
         - Triamcinolone acetonide 0.1% cream BID to trunk and arms, 11/03/2025 to 11/24/2025. \
         Minimal improvement.\n\
         Our office sent only the November 24 visit note, which documented the triamcinolone \
         course.\n",
    );
    let rows: Vec<_> = f.treatments.iter().filter(|t| t.agent == "triamcinolone").collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].class, TreatmentClass::TopicalCorticosteroid);
    assert_eq!(rows[0].outcome, Outcome::Failed);
}

#[test]
fn a_loading_dose_dated_after_its_dose_and_an_aside_starts_the_course() {
    let f = facts(
        "Date: 01/20/2026. Request continuation of Dupixent for atopic dermatitis; he started \
         dupilumab last fall.\n\
         \x20 - Loading dose 600 mg (2 x 300 mg) administered in clinic 10/13/2025 with RN \
         teaching.\n\
         \x20 - Since then 300 mg SC every 2 weeks.\n",
    );
    let time = f.time_on_therapy.expect("a time on therapy");
    assert_eq!(time.start.as_deref(), Some("2025-10-13"));
}

#[test]
fn a_request_withdrawn_is_none_and_the_drug_started_instead_is_asked_for() {
    let f = facts(
        "Atopic dermatitis of the hands. Called the plan re: Dupixent PA submitted 11/06/25, \
         pending review.\nPlan:\n- Dupixent request WITHDRAWN at pt's request.\n\
         - Start Opzelura (ruxolitinib 1.5%) cream BID to hands; eRx sent.\n",
    );
    assert_eq!(f.requested_drug.as_deref(), Some("ruxolitinib"));
}

#[test]
fn a_loading_dose_given_on_a_date_starts_the_course_but_not_a_table_s_next_row() {
    let f = facts(
        "Date: 11/18/2025\nRenewal for 12 months requested for dupilumab; atopic dermatitis.\n\
         Dupilumab 600 mg loading dose given in office on 03/04/2025; since then 300 mg SC \
         every 2 weeks.\n",
    );
    let start = f.time_on_therapy.and_then(|t| t.start);
    assert_eq!(start.as_deref(), Some("2025-03-04"));
    let table = facts(
        "Date: 2026-05-04\nReauthorization of Dupixent for atopic dermatitis.\n\
         Date        Wk   Dupixent dose       Comment\n\
         2025-11-03    0  600 mg load         baseline; first dose in clinic\n\
         2025-12-01    4  300 mg q2w\n",
    );
    let start = table.time_on_therapy.and_then(|t| t.start);
    assert_ne!(start.as_deref(), Some("2025-12-01"));
}

#[test]
fn a_bare_assent_between_a_drug_and_its_order_is_passed() {
    let f = facts(
        "Atopic dermatitis, uncontrolled.\n - Discussed Dupixent: 600 mg load then 300 mg q2wk. \
         Pt agrees. PA to be sent with POEM/DLQI as severity documentation.\n",
    );
    assert_eq!(f.requested_drug.as_deref(), Some("dupilumab"));
    assert_eq!(f.dosing.maintenance_mg, Some(300.0));
}
