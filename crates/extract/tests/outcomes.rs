//! Treatment outcomes from the cue phrases around each agent: which cue
//! words count, how far one outcome is shared, and which drug is requested.

use necessity_extract::{extract_case, Lexicons};
use necessity_record::{Facts, Outcome, Potency};

fn facts(text: &str) -> Facts {
    extract_case(&Lexicons::builtin(), text)
}

fn outcome(facts: &Facts, agent: &str) -> Option<Outcome> {
    facts.treatments.iter().find(|t| t.agent == agent).map(|t| t.outcome)
}

const AD: &str = "Atopic dermatitis of the arms. ";

#[test]
fn short_failure_cues() {
    let f = facts(&format!("{AD}Prior:\n- desonide 0.05% cream x3 mo - no help\n"));
    assert_eq!(outcome(&f, "desonide"), Some(Outcome::Failed));
    let f = facts(&format!("{AD}Mometasone 0.1% ointment gave minimal response."));
    assert_eq!(outcome(&f, "mometasone"), Some(Outcome::Failed));
    let f = facts(&format!("{AD}Pimecrolimus cream, which did nothing for the itch."));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Failed));
}

#[test]
fn failing_reaches_every_agent_after_it_even_after_a_start() {
    let f = facts(&format!(
        "{AD}Tralokinumab was begun in 2022 after failing halobetasol 0.05% cream and pimecrolimus 1% cream."
    ));
    assert_eq!(outcome(&f, "halobetasol"), Some(Outcome::Failed));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Failed));
}

#[test]
fn neither_fails_both_agents_before_it() {
    let f = facts(&format!(
        "{AD}He applies fluocinonide 0.05% cream to the legs and pimecrolimus cream to the neck; neither helped."
    ));
    assert_eq!(outcome(&f, "fluocinonide"), Some(Outcome::Failed));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Failed));
}

#[test]
fn helps_and_prn_use_are_current() {
    let f = facts(&format!("{AD}Prior: desonide 0.05% cream to face - helps, using PRN."));
    assert_eq!(outcome(&f, "desonide"), Some(Outcome::Current));
}

#[test]
fn a_stop_for_an_adverse_effect_is_intolerance() {
    let f = facts(&format!(
        "{AD}Methotrexate 15 mg weekly was stopped after two months because of elevated LFTs."
    ));
    assert_eq!(outcome(&f, "methotrexate"), Some(Outcome::Intolerant));
    let f = facts(&format!("{AD}- azathioprine 100 mg daily, 2019: discontinued for vomiting"));
    assert_eq!(outcome(&f, "azathioprine"), Some(Outcome::Intolerant));
    let f = facts(&format!(
        "{AD}Pimecrolimus 1% cream was started for the face but had to be discontinued within days due to stinging."
    ));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Intolerant));
}

#[test]
fn a_stop_for_lack_of_effect_or_cost_is_not_intolerance() {
    let f = facts(&format!("{AD}Crisaborole ointment was stopped due to lack of efficacy."));
    assert_eq!(outcome(&f, "crisaborole"), Some(Outcome::Failed));
    let f = facts(&format!("{AD}Ruxolitinib cream was discontinued because of cost."));
    assert_eq!(outcome(&f, "ruxolitinib"), Some(Outcome::Mentioned));
}

#[test]
fn a_course_stopped_for_its_cost_failed_nothing_whatever_its_verdict() {
    // A parent's log labels it "FAILED"; the item says it helped and the
    // copay stopped it.
    let item = "5. Crisaborole ointment, Nov 2025 ........ verdict: \"FAILED\" - it was helping \
                some, but refill copay was $285 and they stopped";
    let f = facts(&format!("{AD}{item}\n"));
    assert_eq!(outcome(&f, "crisaborole"), Some(Outcome::Mentioned));
    let f = facts(&format!("{AD}Crisaborole was stopped because of cost while it was working."));
    assert_eq!(outcome(&f, "crisaborole"), Some(Outcome::Mentioned));
    // Cost alone, with no stop, says nothing of how the course went.
    let f = facts(&format!("{AD}Tacrolimus ointment failed after 8 weeks; the copay was high."));
    assert_eq!(outcome(&f, "tacrolimus"), Some(Outcome::Failed));
}

#[test]
fn an_adverse_effect_word_alone_is_no_outcome() {
    let f =
        facts(&format!("{AD}Methotrexate 15 mg weekly since May. Has had headaches this month."));
    // No intolerance: a course with its regimen, going on.
    assert_eq!(outcome(&f, "methotrexate"), Some(Outcome::Current));
}

#[test]
fn one_outcome_is_shared_by_conjoined_agents() {
    let f = facts(&format!(
        "{AD}He applied halobetasol 0.05% cream for a month and pimecrolimus 1% cream for six weeks without adequate response."
    ));
    assert_eq!(outcome(&f, "halobetasol"), Some(Outcome::Failed));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD}Tried desonide 0.05% cream and crisaborole ointment without any benefit."
    ));
    assert_eq!(outcome(&f, "desonide"), Some(Outcome::Failed));
    assert_eq!(outcome(&f, "crisaborole"), Some(Outcome::Failed));
}

#[test]
fn a_shared_outcome_stops_at_but_semicolons_and_an_agents_own_outcome() {
    let f = facts(&format!("{AD}Desonide 0.05% cream helps, but pimecrolimus cream did not help."));
    assert_eq!(outcome(&f, "desonide"), Some(Outcome::Current));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD}Uses desonide 0.05% cream on the face; crisaborole ointment - no help."
    ));
    assert_eq!(outcome(&f, "crisaborole"), Some(Outcome::Failed));
    assert_ne!(outcome(&f, "desonide"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD}Pimecrolimus cream caused stinging and halobetasol 0.05% ointment gave no benefit."
    ));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Intolerant));
    assert_eq!(outcome(&f, "halobetasol"), Some(Outcome::Failed));
}

#[test]
fn a_pronoun_names_the_last_agent_before_it() {
    let f = facts(&format!(
        "{AD}She was given mometasone 0.1 percent cream for the trunk and the patient reports that this has not worked."
    ));
    assert_eq!(outcome(&f, "mometasone"), Some(Outcome::Failed));
    assert_eq!(
        f.treatments.iter().find(|t| t.agent == "mometasone").and_then(|t| t.potency),
        Some(Potency::Medium)
    );
    let f = facts(&format!(
        "{AD}Desonide 0.05% cream is used on the face and pimecrolimus cream on the eyelids, and it did not help."
    ));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Failed));
    assert_ne!(outcome(&f, "desonide"), Some(Outcome::Failed));
}

#[test]
fn adding_a_drug_to_a_continued_one_requests_only_the_added_one() {
    let f = facts(&format!(
        "{AD}On abrocitinib (Cibinqo) 200 mg daily since March.\n\nPlan: add dupilumab 600 mg loading dose then 300 mg every 2 weeks to current Cibinqo; continue abrocitinib 200 mg daily alongside it."
    ));
    assert_eq!(f.requested_drug.as_deref(), Some("dupilumab"));
    assert_eq!(outcome(&f, "dupilumab"), Some(Outcome::Planned));
    assert_eq!(outcome(&f, "abrocitinib"), Some(Outcome::Current));
}

#[test]
fn a_drug_the_request_is_added_to_is_current_not_requested() {
    let f = facts(&format!(
        "{AD}Plan: start lebrikizumab 500 mg at weeks 0 and 2 in addition to abrocitinib 100 mg daily."
    ));
    assert_eq!(f.requested_drug.as_deref(), Some("lebrikizumab"));
    assert_eq!(outcome(&f, "abrocitinib"), Some(Outcome::Current));
}

fn requested(facts: &Facts) -> Option<&str> {
    facts.requested_drug.as_deref()
}

#[test]
fn a_failure_phrase_with_a_negation_word_hides_no_drug_after_it() {
    let f = facts(&format!(
        "{AD}He used fluocinonide 0.05% cream for 6 weeks without adequate response, and pimecrolimus (Elidel) for 3 months, which did nothing."
    ));
    assert_eq!(outcome(&f, "fluocinonide"), Some(Outcome::Failed));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Failed));
    let f = facts(&format!("{AD}Desonide 0.05% lotion (2020): no meaningful benefit."));
    assert_eq!(outcome(&f, "desonide"), Some(Outcome::Failed));
}

#[test]
fn short_lived_relief_and_rebound_are_failure() {
    let f = facts(&format!("{AD}Two methylprednisolone dose packs, each followed by rebound."));
    assert_eq!(outcome(&f, "methylprednisolone"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD}An oral prednisone taper last spring gave only transient relief, with rebound after ten days."
    ));
    assert_eq!(outcome(&f, "prednisone"), Some(Outcome::Failed));
    let f = facts(&format!("{AD}She applied mometasone 0.1% ointment daily without control."));
    assert_eq!(outcome(&f, "mometasone"), Some(Outcome::Failed));
    // Told in the next sentence, whose subject is the drug's pronoun,
    // however far into it; and with "only while" in the drug's own.
    let f = facts(&format!(
        "{AD}We tried clobetasol 0.05% ointment for four weeks. It cleared them while he was \
         using it but he flared within a week of stopping."
    ));
    assert_eq!(outcome(&f, "clobetasol"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD}Clobetasol 0.05% oint was used on the hands Jan-Mar 2025; hands cleared only while \
         she was on it."
    ));
    assert_eq!(outcome(&f, "clobetasol"), Some(Outcome::Failed));
    // What she says of it tells of it too.
    let f = facts(&format!(
        "{AD}Triamcinolone 0.1% cream BID for 6 weeks this winter (Jan-Feb); she says it clears \
         things while she's on it but the rash comes back within a week of stopping, and she is \
         still using it PRN."
    ));
    assert_eq!(outcome(&f, "triamcinolone"), Some(Outcome::Failed));
}

#[test]
fn a_list_item_tells_how_its_course_went_in_as_many_sentences_as_it_takes() {
    let f = facts(&format!(
        "{AD}Treatment so far:\n- Clobetasol 0.05% ointment BID 09/08/2025-10/20/2025 (6 wks); \
         cotton\n  gloves overnight for the last 3 wks. Minimal improvement,\n  fissures never \
         closed.\n- Tacrolimus 0.1% ointment nightly since Oct 2025.\n"
    ));
    assert_eq!(outcome(&f, "clobetasol"), Some(Outcome::Failed));
    assert_ne!(outcome(&f, "tacrolimus"), Some(Outcome::Failed));
    // Past another drug, the failure is that drug's.
    let f = facts(&format!(
        "{AD}Treatment so far:\n- Clobetasol 0.05% ointment BID for 6 weeks; then \
         pimecrolimus. Gloves at night. Minimal improvement.\n"
    ));
    assert_ne!(outcome(&f, "clobetasol"), Some(Outcome::Failed));
}

#[test]
fn a_talk_about_a_drug_started_is_no_start_of_the_drug() {
    let f = facts(&format!("{AD}We had started the Dupixent conversation in December."));
    assert_ne!(outcome(&f, "dupilumab"), Some(Outcome::Planned));
    let f = facts(&format!("{AD}We started Dupixent in December."));
    assert_ne!(outcome(&f, "dupilumab"), None);
}

#[test]
fn a_course_during_which_the_disease_flared_failed() {
    let f = facts(&format!(
        "{AD}He took methotrexate 15 mg weekly for a year, during which his eczema flared twice; it was stopped last May."
    ));
    assert_eq!(outcome(&f, "methotrexate"), Some(Outcome::Failed));
}

#[test]
fn an_agent_with_its_own_outcome_keeps_it() {
    let f = facts(&format!(
        "{AD}She tried halobetasol 0.05% cream with inadequate control, and pimecrolimus 1% cream, stopped because of stinging."
    ));
    assert_eq!(outcome(&f, "halobetasol"), Some(Outcome::Failed));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Intolerant));
    let f = facts(&format!(
        "{AD}She applied fluocinolone 0.025% cream in 2022 with inadequate response and now uses pimecrolimus 1% cream, which helps."
    ));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Current));
    // A cue aimed at the drug itself still reaches it.
    let f = facts(&format!(
        "{AD}He failed clobetasol 0.05% ointment and developed burning with pimecrolimus 1% cream, which he stopped."
    ));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Intolerant));
}

#[test]
fn a_drug_after_before_is_a_time_frame() {
    let f = facts(&format!(
        "{AD}Before tralokinumab he had failed clobetasol 0.05% ointment. Continue tralokinumab 300 mg every 2 weeks."
    ));
    assert_eq!(outcome(&f, "tralokinumab"), Some(Outcome::Current));
    assert_eq!(outcome(&f, "clobetasol"), Some(Outcome::Failed));
}

#[test]
fn cues_in_a_conditional_clause_state_no_outcome() {
    let f = facts(&format!(
        "{AD}Plan: Start Eucrisa (crisaborole 2% ointment) twice daily. If there is no improvement in 6 weeks, we may discuss a biologic."
    ));
    assert_eq!(outcome(&f, "crisaborole"), Some(Outcome::Planned));
    assert_eq!(requested(&f), Some("crisaborole"));
}

#[test]
fn a_topical_started_is_the_request_when_no_advanced_drug_is() {
    let f = facts(&format!("{AD}Plan: begin Vtama (tapinarof 1% cream) once a day."));
    assert_eq!(requested(&f), Some("tapinarof"));
    assert_eq!(outcome(&f, "tapinarof"), Some(Outcome::Planned));
    let f = facts(&format!(
        "{AD}Plan: start tapinarof 1% cream daily and start Adbry 600 mg loading dose."
    ));
    assert_eq!(requested(&f), Some("tralokinumab"));
    // A start in the past dates the visit; continuing it is no request.
    let f = facts(&format!(
        "{AD}Seen 4 weeks after starting desonide 0.05% cream. Continue desonide 0.05% cream."
    ));
    assert_eq!(requested(&f), None);
    assert_eq!(outcome(&f, "desonide"), Some(Outcome::Current));
}

#[test]
fn start_it_names_the_drug_discussed() {
    let f = facts(&format!(
        "{AD}We talked through tralokinumab and its injection-site reactions, and the family wants to start it."
    ));
    assert_eq!(outcome(&f, "tralokinumab"), Some(Outcome::Planned));
    assert_eq!(requested(&f), Some("tralokinumab"));
}

#[test]
fn a_stated_intolerance_outranks_a_failure_read_from_a_summary_list() {
    let f = facts(&format!(
        "{AD}- Methotrexate 15 mg weekly, 2021-2022: stopped for elevated LFTs\n\nImpression: disease uncontrolled despite topical steroids, tacrolimus and methotrexate."
    ));
    assert_eq!(outcome(&f, "methotrexate"), Some(Outcome::Intolerant));
    assert_eq!(outcome(&f, "tacrolimus"), Some(Outcome::Failed));
}

#[test]
fn dated_starts_in_a_history_row_leave_the_row_its_outcome() {
    let f = facts(&format!(
        "{AD}History:\n- Desonide 0.05% cream - started 2/2020, stopped 8/2020 - not effective.\n- Halobetasol 0.05% ointment - started Jan 2021, stopped Mar 2021 - skin atrophy.\n- Methotrexate 10 mg weekly - started 2022, stopped 2022 - persistent nausea.\n"
    ));
    assert_eq!(outcome(&f, "desonide"), Some(Outcome::Failed));
    assert_eq!(outcome(&f, "halobetasol"), Some(Outcome::Contraindicated));
    assert_eq!(outcome(&f, "methotrexate"), Some(Outcome::Intolerant));
    assert_eq!(requested(&f), None);
    // A dated start may close its clause with a colon.
    let f = facts(&format!(
        "{AD}Prior treatments:\n  - Tacrolimus 0.03% ointment BID, started 06/2026: intense burning with every application; stopped after 9 days.\n"
    ));
    assert_eq!(outcome(&f, "tacrolimus"), Some(Outcome::Intolerant));
}

#[test]
fn a_later_item_of_a_summary_failure_yields_to_its_own_intolerance() {
    let f = facts(&format!(
        "{AD}Azathioprine was stopped for vomiting. Eczema persists despite topical treatment and six months of azathioprine."
    ));
    assert_eq!(outcome(&f, "azathioprine"), Some(Outcome::Intolerant));
}

#[test]
fn still_flaring_fails_a_drug_only_when_it_names_the_drug_back() {
    let f = facts(&format!(
        "{AD}Mometasone 0.1% cream daily for a month. He is still flaring weekly despite it."
    ));
    assert_eq!(outcome(&f, "mometasone"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD}On abrocitinib 100 mg for a year, partly better. Still flaring on the shins."
    ));
    // Not failed; a course the patient is on now, for a year, is current.
    assert_eq!(outcome(&f, "abrocitinib"), Some(Outcome::Current));
}

#[test]
fn courses_that_did_little_or_changed_nothing_failed() {
    let f = facts(&format!("{AD}Desonide cream for a year did little."));
    assert_eq!(outcome(&f, "desonide"), Some(Outcome::Failed));
    let f = facts(&format!("{AD}Pimecrolimus since spring, no meaningful change by autumn."));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Failed));
}

#[test]
fn ongoing_courses_are_current() {
    let f = facts(&format!("{AD}He has been taking abrocitinib 200 mg since March."));
    assert_eq!(outcome(&f, "abrocitinib"), Some(Outcome::Current));
    let f = facts(&format!("{AD}He takes desonide lotion for the face."));
    assert_eq!(outcome(&f, "desonide"), Some(Outcome::Current));
    let f = facts(&format!("{AD}Has mometasone cream at home and uses it on weekends."));
    assert_eq!(outcome(&f, "mometasone"), Some(Outcome::Current));
}

#[test]
fn a_switch_or_a_decision_to_proceed_is_a_request() {
    let f = facts(&format!("{AD}Plan: switch to Adbry 600 mg once, then 300 mg q2w."));
    assert_eq!(requested(&f), Some("tralokinumab"));
    let f = facts(&format!("{AD}We agreed to proceed with tralokinumab."));
    assert_eq!(requested(&f), Some("tralokinumab"));
}

#[test]
fn counselling_on_possible_side_effects_is_no_intolerance() {
    let f = facts(&format!(
        "{AD}I wrote a prescription for pimecrolimus cream and reviewed its potential side effects with him."
    ));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Planned));
}

#[test]
fn current_use_dated_to_the_past_is_a_past_course() {
    let f = facts(&format!("{AD}In the past he has been on cyclosporine and methotrexate."));
    assert_eq!(outcome(&f, "cyclosporine"), Some(Outcome::Mentioned));
    let f = facts(&format!("{AD}He has been on cyclosporine since March."));
    assert_eq!(outcome(&f, "cyclosporine"), Some(Outcome::Current));
}

#[test]
fn present_use_after_a_history_is_current() {
    let f = facts(&format!("{AD}She has a history of eczema and takes fluocinonide cream for it."));
    assert_eq!(outcome(&f, "fluocinonide"), Some(Outcome::Current));
}

#[test]
fn a_start_dated_to_a_past_month_is_no_request() {
    let f = facts(&format!(
        "{AD}BEGAN TRALOKINUMAB 300 MG Q2W IN 09/2023, GOOD RESPONSE. CONTINUE TRALOKINUMAB."
    ));
    assert_eq!(outcome(&f, "tralokinumab"), Some(Outcome::Current));
    assert_eq!(requested(&f), None);
    let f = facts(&format!("{AD}We initiated abrocitinib in May 2024. Continue abrocitinib."));
    assert_eq!(requested(&f), None);
    let f = facts(&format!("{AD}Started Vtama 6 weeks ago, much better. Continue Vtama daily."));
    assert_eq!(outcome(&f, "tapinarof"), Some(Outcome::Current));
    let f = facts(&format!("{AD}Tacrolimus failed in 2022. Start tralokinumab today."));
    assert_eq!(requested(&f), Some("tralokinumab"));
}

#[test]
fn a_drug_added_to_a_course_leaves_that_course_current() {
    let f = facts(&format!(
        "{AD}Abrocitinib helps and he stays on it. We request that lebrikizumab be added to\nabrocitinib: 500 mg at weeks 0 and 2, then 250 mg every 2 weeks."
    ));
    assert_eq!(requested(&f), Some("lebrikizumab"));
    assert_eq!(outcome(&f, "abrocitinib"), Some(Outcome::Current));
}

#[test]
fn a_stop_for_kidney_harm_is_intolerance() {
    let f = facts(&format!("{AD}Methotrexate was discontinued for nephrotoxicity."));
    assert_eq!(outcome(&f, "methotrexate"), Some(Outcome::Intolerant));
}

#[test]
fn denied_side_effects_are_no_intolerance() {
    let f = facts(&format!("{AD}Using crisaborole twice daily, helping, without side effects."));
    assert_ne!(outcome(&f, "crisaborole"), Some(Outcome::Intolerant));
}

#[test]
fn a_cream_that_burned_is_intolerance() {
    let f = facts(&format!("{AD}pimecrolimus cream which burned so she stopped it"));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Intolerant));
}

#[test]
fn a_caregiver_applying_a_cream_treats_the_child() {
    let f = facts(&format!(
        "{AD}His mother has applied mometasone 0.1% cream nightly; it does not control the rash."
    ));
    assert_eq!(outcome(&f, "mometasone"), Some(Outcome::Failed));
    let f = facts(&format!("{AD}Her father takes methotrexate for psoriasis."));
    assert_eq!(outcome(&f, "methotrexate"), None);
}

#[test]
fn a_steroid_beside_a_skin_cream_is_for_the_skin_despite_asthma() {
    let f = facts(
        "Eczema follow up.\n\nshe used pimecrolimus cream for a year then had a course of prednisone from urgent care there is a history of asthma\n",
    );
    assert!(outcome(&f, "prednisone").is_some());
}

#[test]
fn a_course_with_little_or_no_lasting_effect_failed() {
    let f = facts(&format!(
        "{AD}Treatments:\n- desonide 0.05% cream to the cheeks, with little effect.\n- halobetasol 0.05% ointment to the shins: no lasting benefit\n- UVB phototherapy twice weekly w/o benefit\n"
    ));
    assert_eq!(outcome(&f, "desonide"), Some(Outcome::Failed));
    assert_eq!(outcome(&f, "halobetasol"), Some(Outcome::Failed));
    assert_eq!(outcome(&f, "phototherapy"), Some(Outcome::Failed));
}

#[test]
fn still_using_a_drug_is_current() {
    let f =
        facts(&format!("{AD}He still applies desonide 0.05% cream to the eyelids now and then."));
    assert_eq!(outcome(&f, "desonide"), Some(Outcome::Current));
}

#[test]
fn a_relative_clause_of_use_does_not_end_the_agents_clause() {
    let f = facts(&format!(
        "{AD}Mometasone 0.1% ointment for two years, which he still uses on the legs - not helpful."
    ));
    assert_eq!(outcome(&f, "mometasone"), Some(Outcome::Failed));
}

#[test]
fn submitting_a_pa_for_a_drug_or_asking_approval_requests_it() {
    let f = facts(&format!("{AD}Plan: will submit PA for Adbry. Follow up in 2 months."));
    assert_eq!(requested(&f), Some("tralokinumab"));
    let f = facts(&format!("{AD}We ask that you approve Rinvoq 15 mg daily for this patient."));
    assert_eq!(requested(&f), Some("upadacitinib"));
}

#[test]
fn a_stop_for_abbreviated_hypertension_is_intolerance_not_the_next_lines_failure() {
    let f = facts(&format!(
        "{AD}History:\n- s/p methotrexate x 4 mo, d/c'd when she developed HTN\n- h/o failed desonide cream\n"
    ));
    assert_eq!(outcome(&f, "methotrexate"), Some(Outcome::Intolerant));
    assert_eq!(outcome(&f, "desonide"), Some(Outcome::Failed));
}

#[test]
fn a_drug_the_patient_only_asks_about_is_no_treatment() {
    let f = facts(&format!(
        "{AD}He asked about Adbry after a friend's good result; that is for the specialist to decide."
    ));
    assert_eq!(outcome(&f, "tralokinumab"), None);
    let f = facts(&format!(
        "{AD}He asked about Adbry after a friend's good result. Will submit prior authorization for Adbry."
    ));
    assert_eq!(requested(&f), Some("tralokinumab"));
}

#[test]
fn a_labelled_line_under_a_drug_says_how_it_went() {
    let f = facts(&format!(
        "{AD}Prior therapy:\n 1. Fluocinonide 0.05% cream BID to legs, 01/2025 - 02/2025.\n    Result: no improvement.\n"
    ));
    assert_eq!(outcome(&f, "fluocinonide"), Some(Outcome::Failed));
    // A list item under it is another remark, not its outcome.
    let f = facts(&format!(
        "{AD}Meds:\n - Desonide 0.05% cream BID to face.\n - Counselled on eye dryness and stopping if it stings.\n"
    ));
    assert_eq!(outcome(&f, "desonide"), Some(Outcome::Current));
    // A field that names its own drug is about that drug.
    let f = facts(&format!(
        "{AD}Plan:\n Continue hydrocortisone 2.5% ointment to face.\n Ordered: Adbry 600 mg loading, then 300 mg every other week.\n"
    ));
    assert_eq!(outcome(&f, "hydrocortisone"), Some(Outcome::Current));
    assert_eq!(outcome(&f, "tralokinumab"), Some(Outcome::Planned));
}

#[test]
fn a_word_of_use_with_nothing_after_it_leaves_the_clause_open() {
    let f = facts(&format!(
        "{AD}Prior therapy:\n 2. Pimecrolimus 1% cream to eyelids since spring, still using -\n    no real effect.\n"
    ));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Failed));
}

#[test]
fn present_tense_and_partial_failures() {
    let f = facts(&format!(
        "{AD}She applies OTC hydrocortisone 1% cream most days and says it does nothing for the itch."
    ));
    assert_eq!(outcome(&f, "hydrocortisone"), Some(Outcome::Failed));
    let f =
        facts(&format!("{AD}Mometasone ointment, used for three months: only a partial response."));
    assert_eq!(outcome(&f, "mometasone"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD}Fluocinonide ointment cleared the shins, but the plaques recurred within days of each taper."
    ));
    assert_eq!(outcome(&f, "fluocinonide"), Some(Outcome::Failed));
    // Some benefit alone is no failure.
    let f = facts(&format!("{AD}Desonide cream to the face gives partial benefit; continue."));
    assert_ne!(outcome(&f, "desonide"), Some(Outcome::Failed));
}

#[test]
fn a_start_or_fill_date_leaves_a_listed_course_in_use() {
    let f =
        facts(&format!("{AD}\nMEDICATIONS\n METFORMIN 500MG TAB     1 PO BID     START 06/2019\n"));
    assert_eq!(outcome(&f, "metformin"), Some(Outcome::Current));
    let f =
        facts(&format!("{AD}\nMedications:\n - Montelukast 10 mg nightly (last filled 08/2026)\n"));
    assert_eq!(outcome(&f, "montelukast"), Some(Outcome::Current));
    // A course dated to its end is over.
    let f = facts(&format!("{AD}\nMedications:\n - hydrocortisone 2.5% BID 2019-2020\n"));
    assert_eq!(outcome(&f, "hydrocortisone"), Some(Outcome::Mentioned));
}

#[test]
fn an_outcome_field_below_other_fields_of_the_drug_is_its_outcome() {
    let f = facts(&format!(
        "{AD}\nTopical history:\n   Agent: fluocinonide 0.05% cream\n   Period: 03/2025, BID x 6 weeks\n   Result: no durable benefit, rash back within days\n"
    ));
    assert_eq!(outcome(&f, "fluocinonide"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD}\nPrior:\n  - Pimecrolimus 1% cream to the neck, 05/2025.\n    Reason stopped: burning on application.\n"
    ));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Intolerant));
    // A field whose label is the cue and that says nothing after it is a
    // field of its own.
    let f = facts(&format!(
        "{AD}\nDischarge medications:\n  - loratadine 10 mg PO daily\nNEW: none\nSTOPPED: none\n"
    ));
    assert_eq!(outcome(&f, "loratadine"), Some(Outcome::Current));
    // A field named by cue words whose value is only dates ("START / STOP
    // ..... 11/03/2025 - 11/24/2025") dates the course: the result field
    // under it is still the drug's, not the next field-coded drug's.
    let f = facts(&format!(
        "{AD}\nPRIOR TREATMENT\n[TX.01] AGENT ...... CLOBETASOL 0.05% OINT\n        START / STOP ..... 11/03/2025 - 11/24/2025   DAYS: 21\n        RESULT ........ INADEQUATE RESPONSE\n[TX.02] AGENT ...... TACROLIMUS 0.1% OINT\n        DURATION ...... 3 MO\n"
    ));
    assert_eq!(outcome(&f, "clobetasol"), Some(Outcome::Failed));
    assert_eq!(outcome(&f, "tacrolimus"), Some(Outcome::Mentioned));
}

#[test]
fn a_stop_for_dizziness_confusion_or_cough_is_intolerance() {
    let f = facts(&format!(
        "{AD}Doxepin 10 mg at night was stopped after a week because of dizziness and morning confusion."
    ));
    assert_eq!(outcome(&f, "doxepin"), Some(Outcome::Intolerant));
    // The effect alone, with no stop, is a finding.
    let f = facts(&format!("{AD}Lisinopril 10 mg daily; she has a dry cough this week."));
    assert_eq!(outcome(&f, "lisinopril"), Some(Outcome::Current));
}

#[test]
fn a_stop_for_an_adverse_effect_outlasts_a_failure_said_elsewhere() {
    let f = facts(&format!(
        "{AD}Tacrolimus ointment was stopped after four days because of stinging.\nAssessment: failed tacrolimus; start dupilumab."
    ));
    assert_eq!(outcome(&f, "tacrolimus"), Some(Outcome::Intolerant));
}

#[test]
fn a_prescription_never_picked_up_was_never_used_whatever_else_is_said() {
    // The correction outranks a failure written earlier in the note.
    let f = facts(&format!(
        "{AD}History: failed pimecrolimus 1% cream.\n\nAddendum: the pimecrolimus cream \
         her PCP prescribed in 04/2026 was never picked up at the pharmacy because of its price."
    ));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Mentioned));
    let f = facts(&format!(
        "{AD}Crisaborole was prescribed in the spring, but she never filled it. Takes loratadine 10 mg daily."
    ));
    assert_eq!(outcome(&f, "crisaborole"), Some(Outcome::Mentioned));
    assert_eq!(outcome(&f, "loratadine"), Some(Outcome::Current));
}

#[test]
fn a_prescription_never_filled_is_one_drugs_not_its_lists() {
    // Counter-examples: the agents before the unfilled one keep their
    // outcomes, and a failure with no such words stands.
    let f = facts(&format!(
        "{AD}Fluocinonide 0.05% ointment did not help. Tacrolimus ointment was not \
         covered by her plan; it was never filled.\nMedications:\n  cetirizine 10 mg daily\n  \
         pimecrolimus 1% cream - prescribed 05/2026, never filled\n"
    ));
    assert_eq!(outcome(&f, "fluocinonide"), Some(Outcome::Failed));
    assert_eq!(outcome(&f, "tacrolimus"), Some(Outcome::Mentioned));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Mentioned));
    assert_eq!(outcome(&f, "cetirizine"), Some(Outcome::Current));
    let f = facts(&format!("{AD}Failed pimecrolimus 1% cream after two months of use."));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Failed));
}

#[test]
fn a_worry_about_side_effects_is_no_intolerance() {
    let f = facts(&format!(
        "{AD}We talked about mometasone 0.1% ointment; her father is worried about steroid side \
         effects and would rather wait."
    ));
    assert_ne!(outcome(&f, "mometasone"), Some(Outcome::Intolerant));
    // Counter-example: side effects the patient had still stop a drug.
    let f = facts(&format!("{AD}Mometasone 0.1% ointment was stopped because of side effects."));
    assert_eq!(outcome(&f, "mometasone"), Some(Outcome::Intolerant));
}

#[test]
fn a_drug_only_talked_over_is_no_treatment() {
    let f = facts(&format!(
        "{AD}Discussed abrocitinib versus dupilumab; he chose dupilumab. Start dupilumab 600 mg today."
    ));
    assert_eq!(outcome(&f, "abrocitinib"), None);
    assert_eq!(outcome(&f, "dupilumab"), Some(Outcome::Planned));
    // Counter-example: a talk about something else says nothing of the
    // drug named far after it.
    let f = facts(&format!(
        "{AD}She discussed the surgery with her cardiologist and was cleared to hold the clopidogrel."
    ));
    assert!(outcome(&f, "clopidogrel").is_some());
}

// Outcomes a reviewer reads in lay words, in list items and after a drug's
// own remarks, and course lengths (issue #11, session 6): every sentence is
// written for the test, with the counter-examples that must not change.

const AD_LIMBS: &str = "Atopic dermatitis of the arms and legs. ";

fn last_used(facts: &Facts, agent: &str) -> Option<String> {
    facts.treatments.iter().find(|t| t.agent == agent).and_then(|t| t.last_used.clone())
}

#[test]
fn lay_words_of_a_course_that_did_little_are_failures() {
    let f = facts(&format!(
        "{AD_LIMBS}She put OTC hydrocortisone 1% on for a month and it didn't do much."
    ));
    assert_eq!(outcome(&f, "hydrocortisone"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD_LIMBS}The desonide 0.05% cream she uses twice a day is not helping at all."
    ));
    assert_eq!(outcome(&f, "desonide"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD_LIMBS}- Desonide 0.05% cream (2024-2025) - itchy throughout; insufficient."
    ));
    assert_eq!(outcome(&f, "desonide"), Some(Outcome::Failed));
    let f = facts(&format!("{AD_LIMBS}Fluocinolone oil to the scalp for years with poor control."));
    assert_eq!(outcome(&f, "fluocinolone"), Some(Outcome::Failed));
    // Counter-examples: help is no failure, and a payer's lack of papers
    // is no lack of effect.
    let f = facts(&format!("{AD_LIMBS}Desonide 0.05% cream twice daily helps with the itch."));
    assert_ne!(outcome(&f, "desonide"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD_LIMBS}The plan returned the tacrolimus request: insufficient documentation of a trial."
    ));
    assert_ne!(outcome(&f, "tacrolimus"), Some(Outcome::Failed));
}

#[test]
fn flaring_on_through_a_course_in_its_sentence_is_a_failure() {
    let f = facts(&format!(
        "{AD_LIMBS}Mometasone 0.1% ointment BID for 6 weeks, and he keeps flaring on the shins."
    ));
    assert_eq!(outcome(&f, "mometasone"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD_LIMBS}  - Halobetasol 0.05% cream to the legs, in use now\n    for 3 months: she continues to flare every week."
    ));
    assert_eq!(outcome(&f, "halobetasol"), Some(Outcome::Failed));
}

#[test]
fn a_flare_after_the_list_or_in_a_new_sentence_is_not_the_items() {
    // A line left of the item's text speaks of the whole list.
    let f = facts(&format!(
        "{AD_LIMBS}Tried so far:\n - pimecrolimus 1% cream in 2022: stinging, stopped after 2 days\nHe continues to flare despite all of the above."
    ));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Intolerant));
    // An abbreviation's stop the sentence splitter kept ("wk.") still
    // ends what is said of the drug.
    let f = facts(&format!(
        "{AD_LIMBS}Pimecrolimus 1% cream - stinging, stopped after 2 wk.\nContinues to flare despite TCS."
    ));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Intolerant));
}

#[test]
fn a_flare_back_on_or_after_the_course_is_a_failure() {
    let f =
        facts(&format!("{AD_LIMBS}A prednisone burst in May cleared her for a week, then flared."));
    assert_eq!(outcome(&f, "prednisone"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD_LIMBS}Fluocinonide ointment to the hands worked only while he was applying it."
    ));
    assert_eq!(outcome(&f, "fluocinonide"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD_LIMBS}- halcinonide cream, 2023: her legs flared every time it was stopped"
    ));
    assert_eq!(outcome(&f, "halcinonide"), Some(Outcome::Failed));
    // Counter-example: an eye condition that returns when the drops are
    // tapered says the drops work.
    let f = facts(&format!(
        "{AD_LIMBS}The conjunctivitis settled on loteprednol drops and came back within two weeks when they were tapered, so she uses them again."
    ));
    assert_ne!(outcome(&f, "loteprednol"), Some(Outcome::Failed));
}

#[test]
fn a_word_of_use_about_the_drug_leaves_the_clause_open() {
    let f = facts(&format!(
        "{AD_LIMBS}- Loratadine 10 mg daily - takes it every morning; doesn't touch the itch."
    ));
    assert_eq!(outcome(&f, "loratadine"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD_LIMBS}- Hydrocortisone 2.5% ointment (started by his pediatrician at 6 months), used on and off since: did little."
    ));
    assert_eq!(outcome(&f, "hydrocortisone"), Some(Outcome::Failed));
    // Counter-example: use that helps stays current.
    let f = facts(&format!(
        "{AD_LIMBS}- Loratadine 10 mg daily - takes it every morning and it helps."
    ));
    assert_eq!(outcome(&f, "loratadine"), Some(Outcome::Current));
}

#[test]
fn a_failure_later_in_the_drugs_own_list_item_reaches_it() {
    let f = facts(&format!(
        "{AD_LIMBS}Prior therapy:\n  3. Pimecrolimus 1% cream to the eyelids, 01/2025 to 04/2025.\n     Some help at first, but the neck kept flaring through the spring - an inadequate response.\n"
    ));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Failed));
    // Counter-example: a plan's item says what comes next, not how the
    // drug went.
    let f = facts(&format!(
        "{AD_LIMBS}ASSESSMENT AND PLAN:\n  2. Pimecrolimus 1% cream to the eyelids twice daily, new today.\n     Her legs itch at night and the itch there remains poorly controlled - add wet wraps.\n"
    ));
    assert_ne!(outcome(&f, "pimecrolimus"), Some(Outcome::Failed));
}

#[test]
fn an_adverse_effect_that_stopped_or_limited_a_drug_is_an_intolerance() {
    let f =
        facts(&format!("{AD_LIMBS}Montelukast was stopped after a month because of nightmares."));
    assert_eq!(outcome(&f, "montelukast"), Some(Outcome::Intolerant));
    let f = facts(&format!(
        "{AD_LIMBS}Gabapentin was raised to 300 mg TID but the dose was limited by dizziness; she takes 100 mg at night."
    ));
    assert_eq!(outcome(&f, "gabapentin"), Some(Outcome::Intolerant));
    // Counter-example: a symptom with no stop and no limit is no
    // intolerance.
    let f =
        facts(&format!("{AD_LIMBS}He has nightmares since the move. Montelukast 10 mg nightly."));
    assert_eq!(outcome(&f, "montelukast"), Some(Outcome::Current));
}

#[test]
fn doses_dated_to_a_day_months_ago_are_not_taken_now() {
    let f = facts(&format!(
        "Date of service: 02/03/2026\n{AD_LIMBS}Details: Ebglyss 500 mg loading doses 10/13/2025 and 10/27/2025.\nCetirizine 10 mg daily."
    ));
    assert_ne!(outcome(&f, "lebrikizumab"), Some(Outcome::Current));
    // Counter-examples: a dose taken now, and a course dated by its start.
    assert_eq!(outcome(&f, "cetirizine"), Some(Outcome::Current));
    let f = facts(&format!(
        "Date of service: 02/03/2026\n{AD_LIMBS}Hydroxyzine 25 mg at night, started 10/14/2025."
    ));
    assert_eq!(outcome(&f, "hydroxyzine"), Some(Outcome::Current));
}

#[test]
fn a_stop_said_after_the_use_ends_it() {
    let f = facts(&format!(
        "Date of service: 03/05/2026\n{AD_LIMBS}Tralokinumab 300 mg every 2 weeks since 04/2025; it helped for a while.\nPlan: Discontinue tralokinumab; start dupilumab."
    ));
    assert_ne!(last_used(&f, "tralokinumab").as_deref(), Some("2026-03-05"));
    // Counter-example: a course in use with no stop was used on the
    // note's date.
    let f = facts(&format!(
        "Date of service: 03/05/2026\n{AD_LIMBS}Tralokinumab 300 mg every 2 weeks since 04/2025; it helps.\nPlan: Continue tralokinumab."
    ));
    assert_eq!(last_used(&f, "tralokinumab").as_deref(), Some("2026-03-05"));
}

#[test]
fn a_later_cell_of_the_drugs_table_row_says_how_it_went() {
    let f = facts(&format!(
        "{AD_LIMBS}PRIOR THERAPY\n   Drug                  Dates       Result\n   azathioprine 50 mg  PO        2024               other: nausea, d/c'd\n   cetirizine 10 mg    PO        2025               still taking\n"
    ));
    assert_eq!(outcome(&f, "azathioprine"), Some(Outcome::Intolerant));
    // Counter-example: the next row's cell is not this row's.
    assert_ne!(outcome(&f, "cetirizine"), Some(Outcome::Intolerant));
}

#[test]
fn an_effect_the_drug_caused_is_an_intolerance() {
    let f = facts(&format!(
        "{AD_LIMBS}Lebrikizumab in March caused hives and lip swelling after the second loading dose. Plan: start Dupixent 600 mg today, then 300 mg every 2 weeks."
    ));
    assert_eq!(outcome(&f, "lebrikizumab"), Some(Outcome::Intolerant));
}

fn days(facts: &Facts, agent: &str) -> Option<f64> {
    facts.treatments.iter().find(|t| t.agent == agent).and_then(|t| t.duration_days)
}

#[test]
fn a_course_length_so_far_or_in_words_or_nights() {
    let f = facts(&format!(
        "{AD_LIMBS}Mometasone 0.1% ointment BID to the shins for the past 6 weeks."
    ));
    assert_eq!(days(&f, "mometasone"), Some(42.0));
    let f = facts(&format!(
        "{AD_LIMBS}Pimecrolimus cream stung the cheeks and the boy refused it after 3 nights."
    ));
    assert_eq!(days(&f, "pimecrolimus"), Some(3.0));
    let f = facts(&format!("{AD_LIMBS}Desonide cream was applied under wet wraps for nine weeks."));
    assert_eq!(days(&f, "desonide"), Some(63.0));
    let f = facts(&format!(
        "{AD_LIMBS}Halobetasol 0.05% cream - apply a thin layer twice daily to the plaques of the hands, wrists, knees and ankles x 10 days, then stop."
    ));
    assert_eq!(days(&f, "halobetasol"), Some(10.0));
    // Counter-examples: a time ago, and an interval, are no length.
    let f = facts(&format!(
        "{AD_LIMBS}Mometasone 0.1% ointment, last used for the past time 3 weeks ago."
    ));
    assert_eq!(days(&f, "mometasone"), None);
    let f = facts(&format!("{AD_LIMBS}Dupixent 300 mg every 2 weeks."));
    assert_eq!(days(&f, "dupilumab"), None);
}

#[test]
fn a_cell_of_a_bar_table_row_is_not_shared_with_the_rows_above() {
    let f = facts(&format!(
        "{AD_LIMBS}MEDICATIONS\n| lisinopril 10 mg            | 1 tab daily      | HTN      | Active     |\n| loratadine 10 mg            | 1 tab daily      | itch     | Active     |\n| mometasone 0.1% ointment    | BID to limbs     | eczema   | Active -   |\n|                             |                  |          | inadequate |\n"
    ));
    assert_eq!(outcome(&f, "mometasone"), Some(Outcome::Failed));
    assert_eq!(outcome(&f, "lisinopril"), Some(Outcome::Current));
    assert_eq!(outcome(&f, "loratadine"), Some(Outcome::Current));
    // Counter-example: a list in prose shares its outcome.
    let f = facts(&format!(
        "{AD_LIMBS}She tried mometasone 0.1% ointment, desonide 0.05% cream and\nfluocinonide 0.05% cream without benefit."
    ));
    assert_eq!(outcome(&f, "mometasone"), Some(Outcome::Failed));
}

#[test]
fn an_adverse_effect_denied_is_none() {
    let f = facts(&format!(
        "{AD_LIMBS}Other medications: lisinopril 10 mg daily, loratadine 10 mg daily.\nNo conjunctivitis or injection-site reactions."
    ));
    assert_eq!(outcome(&f, "loratadine"), Some(Outcome::Current));
    // Counter-examples: an effect that stopped the drug, and a cue that
    // holds its own negation.
    let f = facts(&format!("{AD_LIMBS}Dupilumab was stopped because of conjunctivitis."));
    assert_eq!(outcome(&f, "dupilumab"), Some(Outcome::Intolerant));
    let f = facts(&format!("{AD_LIMBS}She did not tolerate pimecrolimus cream."));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Intolerant));
}

#[test]
fn an_auto_injector_carried_is_in_use() {
    let f = facts(&format!("{AD_LIMBS}Tree nut allergy (epinephrine auto-injector)."));
    assert_eq!(outcome(&f, "epinephrine"), Some(Outcome::Current));
    // Counter-example: one used in the past is not.
    let f = facts(&format!("{AD_LIMBS}Epinephrine was given in the ED in 2019 for a reaction."));
    assert_ne!(outcome(&f, "epinephrine"), Some(Outcome::Current));
}

#[test]
fn a_bracket_after_a_plural_is_said_of_the_whole_list() {
    let f = facts(&format!(
        "{AD_LIMBS}Before this she used mometasone 0.1% and fluocinonide 0.05% ointments (no real improvement)."
    ));
    assert_eq!(outcome(&f, "mometasone"), Some(Outcome::Failed));
    assert_eq!(outcome(&f, "fluocinonide"), Some(Outcome::Failed));
    // Counter-example: a bracket after one item is that item's.
    let f = facts(&format!(
        "{AD_LIMBS}She takes loratadine 10 mg daily and cetirizine 10 mg at night (no benefit for itch)."
    ));
    assert_eq!(outcome(&f, "loratadine"), Some(Outcome::Current));
}

#[test]
fn a_stop_said_of_it_in_the_next_sentences_is_the_last_named_agents() {
    let f = facts(&format!(
        "{AD}Nemolizumab 60 mg every 4 weeks from January to June 2026. Her itch eased at first but by week 12 she was flaring again; we stopped it in June for lack of response."
    ));
    assert_eq!(outcome(&f, "nemolizumab"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD}Pimecrolimus 1% cream to the eyelids in the spring. She stopped it after five days because of stinging."
    ));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Intolerant));
    // The pronoun names the agent named last, not one before it.
    let f = facts(&format!(
        "{AD}Tacrolimus ointment for a month, then pimecrolimus cream. By June she was still itching; we stopped it because of burning."
    ));
    assert_ne!(outcome(&f, "tacrolimus"), Some(Outcome::Intolerant));
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Intolerant));
    // A sentence that names its own drug speaks of that one.
    let f = facts(&format!(
        "{AD}Tacrolimus ointment for a month. Cetirizine was stopped because it caused drowsiness."
    ));
    assert_ne!(outcome(&f, "tacrolimus"), Some(Outcome::Intolerant));
    // A plan said of it is left to the sentence's own reading.
    let f = facts(&format!(
        "{AD}Desonide cream to the face last winter, which helped. We may stop it for the summer."
    ));
    assert_ne!(outcome(&f, "desonide"), Some(Outcome::Failed));
}

#[test]
fn some_benefit_with_flares_going_on_is_a_failure() {
    let f = facts(&format!(
        "{AD}Fluocinonide 0.05% ointment to the legs for six weeks: partial response, but flares continue every week."
    ));
    assert_eq!(outcome(&f, "fluocinonide"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD}Crisaborole ointment twice daily since May. Partial benefit; flares continue every month."
    ));
    assert_eq!(outcome(&f, "crisaborole"), Some(Outcome::Failed));
    let f = facts(&format!(
        "{AD}- Desonide 0.05% cream to the face for 3 months\n  - helped a little but he kept flaring\n"
    ));
    assert_eq!(outcome(&f, "desonide"), Some(Outcome::Failed));
}

#[test]
fn some_benefit_alone_or_of_an_advanced_course_is_no_failure() {
    // Some benefit alone says neither.
    let f = facts(&format!("{AD}Fluocinonide 0.05% ointment to the legs, with partial benefit."));
    assert_ne!(outcome(&f, "fluocinonide"), Some(Outcome::Failed));
    // Flares told further on are a finding of their own.
    let f = facts(&format!(
        "{AD}Desonide cream nightly with partial improvement: the itch is much better at night, but she still has flares every month."
    ));
    assert_ne!(outcome(&f, "desonide"), Some(Outcome::Failed));
    // A biologic or JAK course in use with a partial response goes on.
    let f = facts(&format!(
        "{AD}Tralokinumab 300 mg every 2 weeks since March: partial response; flares continue monthly."
    ));
    assert_ne!(outcome(&f, "tralokinumab"), Some(Outcome::Failed));
}

#[test]
fn lay_words_of_no_effect_and_poor_control() {
    for (text, agent) in [
        ("Hydrocortisone 1% cream for a month, no better.", "hydrocortisone"),
        ("Pimecrolimus cream nightly since the summer. Doesn't seem to help.", "pimecrolimus"),
        ("Clobetasol ointment to the hands hasn't helped.", "clobetasol"),
        ("- Mometasone 0.1% ointment for a year - never got her under control", "mometasone"),
        ("Eczema poorly controlled on desonide cream alone.", "desonide"),
    ] {
        let f = facts(&format!("{AD}{text}"));
        assert_eq!(outcome(&f, agent), Some(Outcome::Failed), "{text}");
    }
    // Control on a drug is its current use.
    let f = facts(&format!("{AD}Asthma well controlled on montelukast 10 mg nightly."));
    assert_eq!(outcome(&f, "montelukast"), Some(Outcome::Current));
}

#[test]
fn an_effect_a_drug_is_given_for_is_its_indication() {
    let f = facts(&format!(
        "{AD}Olopatadine eye drops, prescribed by the eye clinic for allergic conjunctivitis; uses them most days."
    ));
    assert_ne!(outcome(&f, "olopatadine"), Some(Outcome::Intolerant));
    let f = facts(&format!(
        "{AD}Artificial tears and loteprednol drops started in May for dupilumab-associated\n   conjunctivitis, still using."
    ));
    assert_ne!(outcome(&f, "loteprednol"), Some(Outcome::Intolerant));
    // After a stop, "for" gives the reason.
    let f = facts(&format!("{AD}Lebrikizumab was stopped after three doses for conjunctivitis."));
    assert_eq!(outcome(&f, "lebrikizumab"), Some(Outcome::Intolerant));
}

#[test]
fn which_and_its_verb_name_the_nearest_agent() {
    let f = facts(&format!(
        "{AD}She has used loratadine 10 mg daily and a methylprednisolone dose pack, which brought temporary improvement before she flared again within a week."
    ));
    assert_eq!(outcome(&f, "methylprednisolone"), Some(Outcome::Failed));
    assert_ne!(outcome(&f, "loratadine"), Some(Outcome::Failed));
}

#[test]
fn a_bracketed_remark_is_on_what_it_follows() {
    let f = facts(&format!(
        "{AD}Before the biologic: fluocinonide 0.05% cream (no improvement), pimecrolimus 1% cream to the eyelids, still used as needed."
    ));
    assert_eq!(outcome(&f, "fluocinonide"), Some(Outcome::Failed));
    assert_ne!(outcome(&f, "pimecrolimus"), Some(Outcome::Failed));
}

#[test]
fn which_with_a_subject_may_take_the_whole_list() {
    let f = facts(&format!(
        "{AD}She tried cetirizine, hydroxyzine and doxepin, which she stopped because of drowsiness."
    ));
    assert_eq!(outcome(&f, "cetirizine"), Some(Outcome::Intolerant));
    assert_eq!(outcome(&f, "doxepin"), Some(Outcome::Intolerant));
}

#[test]
fn more_lay_words_of_no_effect() {
    for (text, agent) in [
        ("Pimecrolimus cream to the face since spring - didn't do anything.", "pimecrolimus"),
        ("- Fluocinonide ointment, used on and off in 2024: poor control.", "fluocinonide"),
        (
            "Mometasone ointment cleared the legs, but they flared each time she stopped.",
            "mometasone",
        ),
    ] {
        let f = facts(&format!("{AD}{text}"));
        assert_eq!(outcome(&f, agent), Some(Outcome::Failed), "{text}");
    }
}

#[test]
fn not_having_responded_to_drugs_fails_them_and_negates_none() {
    let f = facts(&format!(
        "{AD}History\nHe had not responded adequately to triamcinolone 0.1% ointment, clobetasol \
         0.05% ointment or tacrolimus 0.1% ointment.\n"
    ));
    for agent in ["triamcinolone", "clobetasol", "tacrolimus"] {
        assert_eq!(outcome(&f, agent), Some(Outcome::Failed), "{agent}");
    }
}

#[test]
fn a_cue_whose_object_is_a_pronoun_is_about_the_agent_before_it() {
    // The stop is omalizumab's ("it"); Dupixent, named after it, goes on.
    let f = facts(&format!(
        "{AD}On Dupixent 300 mg every 2 weeks. He previously received omalizumab for asthma; his \
         pulmonologist discontinued it in 11/2025 when Dupixent was started."
    ));
    assert_eq!(outcome(&f, "dupilumab"), Some(Outcome::Current));
    // Without the pronoun the stop reaches the drug it names.
    let f = facts(&format!("{AD}His pulmonologist discontinued Dupixent in 11/2025."));
    assert_ne!(outcome(&f, "dupilumab"), Some(Outcome::Current));
}

#[test]
fn a_bracketed_aside_after_an_agent_does_not_end_its_clause() {
    // "(Rx from urgent care)" says who prescribed it; the failure after the
    // bracket is still the agent's.
    let f = facts(&format!(
        "{AD}Used triamcinolone 0.1% oint BID x 6 wks (Rx from urgent care) w/ minimal improvement."
    ));
    assert_eq!(outcome(&f, "triamcinolone"), Some(Outcome::Failed));
    // A bracket that names another agent is no aside on this one.
    let f = facts(&format!(
        "{AD}Used hydrocortisone cream (Rx tacrolimus ointment instead) w/ minimal improvement."
    ));
    assert_ne!(outcome(&f, "hydrocortisone"), Some(Outcome::Failed));
}

#[test]
fn a_plan_said_of_a_pronoun_is_asked_whether_it_is_negated() {
    let base = "Atopic dermatitis of the hands, flaring. BSA 12%. Failed clobetasol.\n";
    let f = facts(&format!("{base}Re Dupixent: I would not start it today."));
    assert_eq!(f.requested_drug, None);
    let f = facts(&format!("{base}Dupixent discussed; we will start it today."));
    assert_eq!(f.requested_drug.as_deref(), Some("dupilumab"));
}

#[test]
fn a_failed_trials_drug_field_reads_past_its_brand_to_the_fields_under_it() {
    let f = facts(&format!(
        "{AD}\n    [x] Topical calcineurin inhibitor\n        Drug: pimecrolimus 1% cream (Elidel) BID to neck\n        \
         Dates: 06/16/2025 - 06/26/2025\n        Result: intolerance - burning, discontinued\n"
    ));
    let t = f.treatments.iter().find(|t| t.agent == "pimecrolimus").expect("pimecrolimus");
    assert_eq!(t.outcome, Outcome::Intolerant);
    assert_eq!(t.last_used.as_deref(), Some("2025-06-26"));
}

#[test]
fn a_cue_in_a_table_cell_wrapped_under_its_column_is_its_rows() {
    let table = format!(
        "{AD}\nDrug                        Start       Stop        Reason stopped\n\
         pimecrolimus 1% cream       06/02/2025  06/12/2025  Intolerance -\n\
         \x20                                                   burning/erythema\n\
         ruxolitinib 1.5% cream      09/08/2025  --          (active)\n"
    );
    let f = facts(&table);
    assert_eq!(outcome(&f, "pimecrolimus"), Some(Outcome::Intolerant));
    assert_ne!(outcome(&f, "ruxolitinib"), Some(Outcome::Intolerant));
}

#[test]
fn a_drug_the_patient_asks_whether_to_take_is_no_treatment() {
    let f = facts(&format!(
        "{AD}She asked whether \"the pill\" (Rinvoq) she saw advertised would help; we talked \
         about it but she would rather avoid a JAK."
    ));
    assert_eq!(outcome(&f, "upadacitinib"), None);
}

#[test]
fn a_failure_of_topicals_is_no_failure_of_an_advanced_drug_beside_it() {
    // A formulary line: the PA for Adbry requires a topical failure.
    let formulary = format!(
        "{AD}Formulary:\n- Adbry (tralokinumab): preferred, PA required - derm dx + topical failure\n"
    );
    assert_ne!(outcome(&facts(&formulary), "tralokinumab"), Some(Outcome::Failed));
    // Counter-example: the failure of a topical so qualified is still its own.
    let topical = format!("{AD}Triamcinolone 0.1% cream BID x 8 wks - topical failure.\n");
    assert_eq!(outcome(&facts(&topical), "triamcinolone"), Some(Outcome::Failed));
}

#[test]
fn a_denied_contraindication_rules_nothing_out() {
    let f = facts(&format!(
        "{AD}Dr. Sorensen prefers Adbry. Pt has no contraindication to a preferred agent.\n"
    ));
    assert_ne!(outcome(&f, "tralokinumab"), Some(Outcome::Contraindicated));
    let f = facts(&format!("{AD}Cyclosporine is contraindicated (CKD stage 3).\n"));
    assert_eq!(outcome(&f, "cyclosporine"), Some(Outcome::Contraindicated));
}

#[test]
fn a_failure_verb_wrapped_to_the_next_line_reaches_its_object() {
    // Prose wrapped after "failed", another drug earlier on the line in a
    // clause of its own: the failure is of the drugs after it.
    let f = facts(&format!(
        "{AD}He had needed prednisone bursts; he had already failed\n\
         triamcinolone 0.1% and clobetasol 0.05% ointments.\n"
    ));
    assert_eq!(outcome(&f, "triamcinolone"), Some(Outcome::Failed));
    assert_eq!(outcome(&f, "clobetasol"), Some(Outcome::Failed));
    // Counter-example: a table row's last cell after a semicolon is that
    // row's answer, not the next row's.
    let f = facts(&format!(
        "{AD}\nTacrolimus 0.1% ointment    01/2026, ~2 wk; stopped d/t burning\n\
         Pimecrolimus 1% cream       --\n"
    ));
    assert_ne!(outcome(&f, "pimecrolimus"), Some(Outcome::Intolerant));
}

#[test]
fn a_negation_does_not_reach_past_a_semicolon() {
    let f = facts(&format!(
        "{AD}He could not wear a uniform shirt at work; he had already failed triamcinolone \
         0.1% ointment.\n"
    ));
    assert_eq!(outcome(&f, "triamcinolone"), Some(Outcome::Failed));
    let f = facts(&format!("{AD}He has not used tacrolimus ointment.\n"));
    assert_ne!(outcome(&f, "tacrolimus"), Some(Outcome::Current));
}

#[test]
fn cue_words_in_shorthand_read_as_written_out() {
    // "w/in" for within, "w/o" for without: a terse note's spelling.
    let f = facts(&format!(
        "{AD}s/p TAC 0.1% oint BID x 6wk -> helps while using, flares w/in 1-2 wk off.\n"
    ));
    assert_eq!(outcome(&f, "triamcinolone"), Some(Outcome::Failed));
    let f = facts(&format!("{AD}Tacrolimus 0.1% oint x 3 mo w/o meaningful change.\n"));
    assert_eq!(outcome(&f, "tacrolimus"), Some(Outcome::Failed));
}

#[test]
fn a_harm_told_later_in_the_drug_s_own_item_contraindicates_it() {
    let f = facts(&format!(
        "{AD}\nPrior therapy:\n2. Clobetasol propionate 0.05% ointment, started June 2025 (applied \
         about 6 weeks). At his August visit I documented new striae distensae in both axillae, \
         and cutaneous atrophy in the left axilla. Clobetasol was stopped in August 2025.\n"
    ));
    assert_eq!(outcome(&f, "clobetasol"), Some(Outcome::Contraindicated));
    // A risk counselled, or a harm denied, is no harm done.
    for later in ["Discussed the risk of skin atrophy with long use.", "No atrophy seen."] {
        let f = facts(&format!(
            "{AD}\nPrior therapy:\n1. Triamcinolone 0.1% ointment BID x 8 weeks in 2025. {later}\n"
        ));
        assert_eq!(outcome(&f, "triamcinolone"), Some(Outcome::Mentioned), "{later}");
    }
}
