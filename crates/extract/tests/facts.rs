//! Extraction of each fact from short notes, including each context trap.

use necessity_extract::{extract_case, Lexicons};
use necessity_record::{Facts, Outcome, Potency, Site, Specialty, TreatmentClass};

fn facts(text: &str) -> Facts {
    let facts = extract_case(&Lexicons::builtin(), text);
    for span in
        facts.evidence.values().flatten().chain(facts.treatments.iter().flat_map(|t| &t.evidence))
    {
        assert!(span.is_valid_in(text), "invalid span {}..{}", span.start, span.end);
    }
    facts
}

fn outcome(facts: &Facts, agent: &str) -> Option<Outcome> {
    facts.treatments.iter().find(|t| t.agent == agent).map(|t| t.outcome)
}

const SEED: &str = "Dermatology clinic note.\n\nHPI: 34-year-old woman with eczema for years. \
She has failed tacrolimus ointment, betamethasone, triamcinolone acetonide 0.1 % and Opzelura 1.5 %. \
Patient continues to flare.\n\nExam: BSA 10 %. IGA 4. Itch NRS 8. Bilateral dorsal hands involved with \
lichenified plaques.\n\nPlan: Start Dupixent 600 mg then 300 mg every 2 weeks, first dose given in clinic. \
Continuing triamcinolone and Opzelura.\n";

#[test]
fn seed_case_gives_exactly_its_facts() {
    let f = facts(SEED);
    assert_eq!(f.requested_drug.as_deref(), Some("dupilumab"));
    assert_eq!(f.diagnosis.as_deref(), Some("atopic_dermatitis"));
    assert_eq!(f.age_years, Some(34.0));
    assert_eq!(f.measures.bsa_percent, Some(10.0));
    assert_eq!(f.measures.iga, Some(4.0));
    assert_eq!(f.measures.itch_nrs, Some(8.0));
    assert_eq!(f.high_impact_sites, [Site::Hands]);
    assert!(f.persistent_flares);
    assert_eq!(f.dosing.loading_mg, Some(600.0));
    assert_eq!(f.dosing.maintenance_mg, Some(300.0));
    assert_eq!(f.dosing.interval_weeks, Some(2.0));
    assert_eq!(f.prescriber_specialty, Some(Specialty::Dermatology));
    let agents: Vec<(&str, Outcome)> =
        f.treatments.iter().map(|t| (t.agent.as_str(), t.outcome)).collect();
    assert_eq!(
        agents,
        [
            ("tacrolimus", Outcome::Failed),
            ("betamethasone", Outcome::Failed),
            ("triamcinolone", Outcome::Failed),
            ("ruxolitinib", Outcome::Failed),
            ("dupilumab", Outcome::Planned),
        ]
    );
    let triamcinolone = &f.treatments[2];
    assert_eq!(triamcinolone.potency, Some(Potency::Medium));
    assert_eq!(f.treatments[1].potency, Some(Potency::High));
    assert_eq!(f.treatments[3].class, TreatmentClass::TopicalJakInhibitor);
    assert_eq!(f.treatments[0].evidence[0].text, "failed tacrolimus ointment");
    assert_eq!(f.evidence["measures.bsa_percent"][0].text, "BSA 10 %");
}

#[test]
fn negated_site_and_itch_are_not_facts() {
    let f = facts("Eczema on the trunk. No hand involvement. Denies itch 8/10.");
    assert!(f.high_impact_sites.is_empty());
    assert_eq!(f.measures.itch_nrs, None);
}

#[test]
fn hypothetical_drug_is_neither_requested_nor_listed() {
    let f = facts("Atopic dermatitis. Continue tacrolimus. If this fails, consider Dupixent.");
    assert_eq!(f.requested_drug, None);
    assert_eq!(outcome(&f, "dupilumab"), None);
    assert_eq!(outcome(&f, "tacrolimus"), Some(Outcome::Current));
}

#[test]
fn family_eczema_is_not_the_diagnosis() {
    let f = facts("Mother has eczema. Patient has a rash on the trunk.");
    assert_eq!(f.diagnosis, None);
}

#[test]
fn historical_measure_gives_way_to_the_current_one() {
    let f = facts("Atopic dermatitis. BSA 5% today. History of BSA 30%.");
    assert_eq!(f.measures.bsa_percent, Some(5.0));
}

#[test]
fn declined_or_stopped_dupilumab_is_not_requested() {
    let notes =
        ["Discussed Dupixent at length. Patient declined it.", "Dupixent was stopped in March."];
    for note in notes {
        let f = facts(note);
        assert_eq!(f.requested_drug, None, "{note}");
        assert_eq!(outcome(&f, "dupilumab"), Some(Outcome::Mentioned), "{note}");
    }
}

#[test]
fn restart_is_a_request() {
    let f = facts("Eczema flaring off therapy. Restart dupilumab 300 mg every other week.");
    assert_eq!(f.requested_drug.as_deref(), Some("dupilumab"));
    assert_eq!(f.dosing.maintenance_mg, Some(300.0));
    assert_eq!(f.dosing.loading_mg, None);
    assert_eq!(f.dosing.interval_weeks, Some(2.0));
}

#[test]
fn look_alike_diagnosis_only_without_atopic_dermatitis() {
    assert_eq!(
        facts("Allergic contact dermatitis to nickel.").diagnosis.as_deref(),
        Some("contact_dermatitis")
    );
    let both = facts("Atopic dermatitis with superimposed contact dermatitis.");
    assert_eq!(both.diagnosis.as_deref(), Some("atopic_dermatitis"));
    assert_eq!(facts("AD, age 3").diagnosis, None, "a bare AD needs a dermatitis context");
}

#[test]
fn a_look_alike_stated_instead_of_atopic_dermatitis_wins_over_the_referral() {
    let note = "Referred for eczema unresponsive to creams. Exam: silvery scale on elbows. \
                Assessment: plaque psoriasis; this is not atopic dermatitis.";
    assert_eq!(facts(note).diagnosis.as_deref(), Some("psoriasis"));
    let discoid = "Coin-shaped plaques on the shins. Impression: nummular (discoid) eczema.";
    assert_eq!(facts(discoid).diagnosis.as_deref(), Some("nummular_eczema"));
    let ruled_in = "Eczema. Not contact dermatitis: patch tests negative.";
    assert_eq!(facts(ruled_in).diagnosis.as_deref(), Some("atopic_dermatitis"));
}

#[test]
fn intolerance_and_potency_by_strength() {
    let f = facts(
        "Tacrolimus caused burning. Clobetasol 0.05% ointment was ineffective. HC 2.5% helps.",
    );
    assert_eq!(outcome(&f, "tacrolimus"), Some(Outcome::Intolerant));
    assert_eq!(outcome(&f, "clobetasol"), Some(Outcome::Failed));
    let hydrocortisone = f.treatments.iter().find(|t| t.agent == "hydrocortisone").unwrap();
    assert_eq!(hydrocortisone.potency, Some(Potency::Low));
}

/// The class of a steroid follows how it is given: IM is systemic, into a
/// joint or up the nose is none of the spec's classes (`other`), listed all
/// the same since every agent the patient is given is.
#[test]
fn steroid_routes() {
    let f =
        facts("Kenalog 40 mg IM given. Depo-Medrol injected into the knee. Flonase nasal spray.");
    let listed: Vec<(&str, TreatmentClass)> =
        f.treatments.iter().map(|t| (t.agent.as_str(), t.class)).collect();
    assert_eq!(
        listed,
        [
            ("triamcinolone", TreatmentClass::SystemicCorticosteroid),
            ("methylprednisolone", TreatmentClass::Other),
            ("fluticasone", TreatmentClass::Other)
        ]
    );
}

#[test]
fn age_weight_and_months() {
    let f = facts("18-month-old boy, weight 24 lb.");
    assert_eq!(f.age_years, Some(1.5));
    assert_eq!(f.weight_kg, Some(10.9));
}

#[test]
fn flares_that_ended_are_not_persistent() {
    assert!(!facts("Eczema is no longer flaring.").persistent_flares);
    assert!(facts("Eczema: she keeps flaring despite clobetasol.").persistent_flares);
    assert!(!facts("Her osteoarthritis keeps flaring despite naproxen.").persistent_flares);
}

#[test]
fn emollients_are_not_treatments_but_antihistamines_are() {
    let f = facts("Uses Vaseline, CeraVe and cetirizine for eczema.");
    let listed: Vec<(&str, TreatmentClass)> =
        f.treatments.iter().map(|t| (t.agent.as_str(), t.class)).collect();
    assert_eq!(listed, [("cetirizine", TreatmentClass::Other)]);
}

#[test]
fn lexicons_load_from_a_directory_like_the_builtin_ones() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lexicons");
    let loaded = Lexicons::load(&dir).expect("the shipped lexicon directory loads");
    assert_eq!(loaded.scan_terms(), Lexicons::builtin().scan_terms());
    assert!(loaded.scan_terms().iter().any(|t| t == "dupixent"));
    assert_eq!(extract_case(&loaded, SEED), facts(SEED));
}

#[test]
fn a_bad_lexicon_directory_is_an_error_not_a_panic() {
    let missing = std::path::Path::new("/nonexistent/lexicons");
    assert!(matches!(Lexicons::load(missing), Err(necessity_extract::LexiconError::Io { .. })));
    let dir = std::env::temp_dir().join(format!("necessity-lexicons-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lexicons");
    for name in necessity_extract::LEXICON_FILES {
        std::fs::copy(shipped.join(name), dir.join(name)).unwrap();
    }
    std::fs::write(dir.join("drugs.tsv"), "dupixent\tdupilumab\tnot_a_class\t-\t-\n").unwrap();
    let error = Lexicons::load(&dir).err().expect("an unknown class is an error");
    assert!(error.to_string().contains("drugs.tsv line 1"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A steroid given for another disease is still a systemic steroid the
/// patient had; only an eczema failure makes it failed.
#[test]
fn a_steroid_burst_for_asthma_is_listed_without_an_outcome() {
    let note = "Atopic dermatitis since childhood. Failed prednisone for eczema flares.\n\n\
                Her asthma is partly controlled; she needed two prednisone bursts this year.";
    assert_eq!(outcome(&facts(note), "prednisone"), Some(Outcome::Failed));
    let asthma_only = "Eczema on the hands.\n\nAsthma: two prednisone bursts this year.";
    let f = facts(asthma_only);
    assert_eq!(outcome(&f, "prednisone"), Some(Outcome::Mentioned));
    assert_eq!(f.treatments[0].class, TreatmentClass::SystemicCorticosteroid);
}

#[test]
fn the_spec_historical_example_keeps_the_current_bsa() {
    let f = facts("Atopic dermatitis. BSA was 30% last year, now 5%.");
    assert_eq!(f.measures.bsa_percent, Some(5.0));
    assert_eq!(f.evidence["measures.bsa_percent"][0].text, "5%");
}

#[test]
fn copied_forward_prior_visit_values_are_not_current() {
    let note =
        "Atopic dermatitis follow-up.\n\nPrior visit:\nBSA 25%, IGA 4.\n\nExam:\nBSA 2%. IGA 1.\n";
    let f = facts(note);
    assert_eq!(f.measures.bsa_percent, Some(2.0));
    assert_eq!(f.measures.iga, Some(1.0));
}

#[test]
fn a_later_word_of_clear_skin_outranks_an_earlier_involvement_of_the_site() {
    let f = facts(
        "HPI: atopic dermatitis flaring on the dorsal hands and face despite creams.\n\
         Exam: face clear. Dorsal hands clear, no fissures. Eczematous plaques on the trunk.",
    );
    assert!(f.high_impact_sites.is_empty(), "{:?}", f.high_impact_sites);
    // Involvement written after the clear word stands, and a clear word of
    // one site leaves the others.
    let f = facts(
        "Exam: hands clear at first look. Assessment: eczema flaring on the hands and neck \
         today; face clear.",
    );
    assert_eq!(f.high_impact_sites, [Site::Neck, Site::Hands]);
    // A negation that is no word of clear skin keeps the earlier involvement.
    let f = facts("Eczematous plaques on the eyelids. Gentle eyelid care, fragrance-free.");
    assert_eq!(f.high_impact_sites, [Site::Face]);
}

#[test]
fn spared_sites_and_family_history_sections_do_not_count() {
    let f = facts("Eczematous plaques on the trunk; face spared.\n\nFamily history:\nMother has eczema of the hands.\n");
    assert!(f.high_impact_sites.is_empty());
}

#[test]
fn the_prescriber_is_the_notes_own_specialty_not_a_referral() {
    let note = "Maple Grove Family Medicine\n\nAtopic dermatitis. Refer to dermatology.\n\nG. Oyelaran, MD\nFamily Medicine\n";
    assert_eq!(facts(note).prescriber_specialty, Some(Specialty::Other));
    let derm = "Eczema follow-up.\nProvider: R. Albescu, MD, Dermatology\n";
    assert_eq!(facts(derm).prescriber_specialty, Some(Specialty::Dermatology));
}

#[test]
fn no_prescription_topicals_is_a_statement_of_the_note() {
    let f = facts(
        "Eczema. Pt states no prescription topical therapy ever tried; OTC hydrocortisone 1% only.",
    );
    assert!(f.no_prescription_topicals);
    assert!(!facts("Eczema. Failed tacrolimus.").no_prescription_topicals);
}

#[test]
fn unticked_form_boxes_are_not_facts() {
    let form = "Diagnosis: [X] Atopic dermatitis\nSites: [ ] Face [X] Hands\nOngoing flares: [ ] Yes [X] No\n";
    let f = facts(form);
    assert_eq!(f.diagnosis.as_deref(), Some("atopic_dermatitis"));
    assert_eq!(f.high_impact_sites, [Site::Hands]);
    assert!(!f.persistent_flares);
}

#[test]
fn flares_still_present_and_perioral_sites() {
    let f = facts("Atopic dermatitis. He still has flares on the shins every month.");
    assert!(f.persistent_flares);
    let f = facts("Eczema with active plaques around the mouth and on the wrists.");
    assert_eq!(f.high_impact_sites, [Site::Face, Site::Hands]);
}

#[test]
fn a_value_said_to_be_now_beats_one_dated_earlier_in_any_order() {
    let f = facts(
        "Atopic dermatitis on dupilumab. The pictures sent today show BSA about 3%; he scores \
         itch 2/10. At the start he was at 40% BSA and itch 8/10, before the first injection.",
    );
    assert_eq!(f.measures.bsa_percent, Some(3.0));
    assert_eq!(f.measures.itch_nrs, Some(2.0));
    let f = facts("Atopic dermatitis. EASI 12 now [EASI had been 30 in March, during a flare].");
    assert_eq!(f.measures.easi, Some(12.0));
    // Undated values keep the last one.
    let f = facts("Atopic dermatitis. Exam: BSA 12%. Assessment: BSA 14%.");
    assert_eq!(f.measures.bsa_percent, Some(14.0));
}

#[test]
fn ages_on_header_lines() {
    let f = facts("Patient: Tomas Riva, 41 M    Weight: 80 kg\nAtopic dermatitis.");
    assert_eq!((f.age_years, f.weight_kg), (Some(41.0), Some(80.0)));
    let f = facts("Pt: Mei Chen    DOB: 02 Feb 2010 (15 y)\nAtopic dermatitis.");
    assert_eq!(f.age_years, Some(15.0));
}

#[test]
fn a_negation_reaching_prescription_topicals_over_words_of_trying() {
    let stated = |text: &str| facts(text).no_prescription_topicals;
    assert!(stated(
        "Atopic dermatitis. He has not ever received or used any prescription topicals."
    ));
    assert!(stated("Eczema. Never been given a prescription cream; only Vaseline."));
    assert!(!stated("Atopic dermatitis. No improvement with prescription topicals."));
    assert!(!stated("Eczema. No prescription topical therapy has helped her."));
    assert!(!stated("Eczema. Prescription topicals failed; no phototherapy."));
}

#[test]
fn never_prescribed_a_topical_is_the_statement_in_verb_form() {
    let stated = |text: &str| facts(text).no_prescription_topicals;
    assert!(stated("Eczema. She was never prescribed a topical agent; OTC creams only."));
    assert!(stated("Atopic dermatitis. Has not been prescribed any topical so far."));
    assert!(stated("Eczema. No topical prescriptions to date."));
    assert!(!stated("Eczema. He was prescribed a topical steroid in May."));
    assert!(!stated("Eczema. Topical prescriptions have not helped."));
}

#[test]
fn a_relative_on_the_next_line_does_not_own_the_header_values() {
    let f = facts("Pt: Ana Ruiz   9 years   Wt 30 kg\nMother present.\nAtopic dermatitis.");
    assert_eq!((f.age_years, f.weight_kg), (Some(9.0), Some(30.0)));
    // On the same line the relative still owns them.
    let f = facts("Eczema. Her mother is 38 years old and weighs 70 kg.");
    assert_eq!((f.age_years, f.weight_kg), (None, None));
}

#[test]
fn bsa_as_a_share_of_the_skin() {
    let f = facts("Atopic dermatitis. He reckons about 20% of his skin is affected.");
    assert_eq!(f.measures.bsa_percent, Some(20.0));
    let f = facts("Eczema. Exam: BSA approx. 15%.");
    assert_eq!(f.measures.bsa_percent, Some(15.0));
}

#[test]
fn headline_title_case_and_dictated_flair() {
    let f = facts("Atopic dermatitis. Start Dupixent.\n\nA. Smith, MD - Allergy and Immunology\n");
    assert_eq!(f.prescriber_specialty, Some(Specialty::AllergyImmunology));
    let f = facts("eczema since childhood she continues to flair every few weeks");
    assert!(f.persistent_flares);
}

#[test]
fn a_letter_to_dermatology_from_a_gp_is_the_gp_s() {
    let letter =
        "Dermatology Outpatients\nCity Hospital\n\nDear Colleague,\n\nI would be grateful \
                  if you would see this man with atopic eczema.\n\nYours sincerely,\nDr A. Lee\n\
                  General Practitioner\n";
    assert_eq!(facts(letter).prescriber_specialty, Some(Specialty::Other));
}

#[test]
fn e_consult_requester_and_clinician_labels() {
    let note = "E-CONSULT RESPONSE\n\nRequesting clinician: N. Shah, PA-C (urgent care)\n\
                Dermatologist: A. Quinn, MD\n\nAtopic dermatitis. I will prescribe dupilumab.\n";
    assert_eq!(facts(note).prescriber_specialty, Some(Specialty::Dermatology));
    let urgent = "Provider: J. Lee, PA-C (Urgent Care)\n\nFlare of atopic dermatitis; the flares \
                  keep coming back.\n";
    let f = facts(urgent);
    assert_eq!(f.prescriber_specialty, Some(Specialty::Other));
    assert!(f.persistent_flares);
}

#[test]
fn the_traced_extraction_gives_the_same_facts_and_what_it_set_aside() {
    let text = "Eczema. Prior visit: BSA 30% last year. Mother has psoriasis. \
                If tacrolimus fails, consider Dupixent.";
    let (traced, set_aside) = necessity_extract::extract_case_traced(&Lexicons::builtin(), text);
    assert_eq!(traced, facts(text));
    let read: Vec<(&str, &str, &str, Option<&str>)> = set_aside
        .iter()
        .map(|s| {
            let trigger = s.trigger.as_ref().map(|(phrase, _)| phrase.as_str());
            (s.mention.text.as_str(), s.taken_as, s.why, trigger)
        })
        .collect();
    assert!(read.contains(&("BSA 30%", "a value", "historical", Some("last year"))), "{read:?}");
    assert!(read.contains(&("psoriasis", "the diagnosis", "family", Some("mother"))), "{read:?}");
    assert!(
        read.contains(&("Dupixent", "a treatment", "hypothetical", Some("consider"))),
        "{read:?}"
    );
    for s in &set_aside {
        assert!(s.mention.is_valid_in(text));
        let (_, at) = s.trigger.as_ref().expect("each was set aside by a phrase here");
        assert!(at.is_valid_in(text));
    }
    let starts: Vec<usize> = set_aside.iter().map(|s| s.mention.start).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "in text order");
}

#[test]
fn copied_forward_text_states_no_request_and_ends_no_flare_of_today() {
    let note = "Derm follow-up, 29-year-old with atopic dermatitis.\n\
        [Copied forward from visit of 04/2024]\n\
        Assessment: flares have resolved on tacrolimus; BSA 35%, neck involved.\n\
        Plan: start Dupixent 600 mg then 300 mg every 2 weeks.\n\
        [End of copied text]\n\
        Today: she keeps flaring despite triamcinolone 0.1% ointment. BSA 8%, arms only.\n\
        Plan: continue triamcinolone.";
    let f = facts(note);
    assert_eq!(f.requested_drug, None, "an old plan is no request");
    assert!(f.persistent_flares, "an old resolution ends no flare of today");
    assert_eq!(f.measures.bsa_percent, Some(8.0));
    assert!(f.high_impact_sites.is_empty());
    assert_eq!(outcome(&f, "tacrolimus"), Some(Outcome::Mentioned), "old treatments stay listed");
    // The same plan written today is the request.
    let today = note.replace("[Copied forward from visit of 04/2024]\n", "");
    let today = today.replace("[End of copied text]\n", "");
    assert_eq!(facts(&today).requested_drug.as_deref(), Some("dupilumab"));
}

#[test]
fn a_dictation_without_punctuation_keeps_its_facts_apart() {
    let note = "dictating a dermatology visit for a 27 year old man with atopic dermatitis since \
        infancy he has flares every few weeks that wake him at night he denies fever he has no \
        asthma he used clobetasol 0.05 percent ointment for two months with no improvement \
        review of systems otherwise negative physical exam weight 180 pounds thick plaques on \
        the dorsal hands and the neck I would estimate the body surface area at 25 percent \
        plan we will start dupixent 600 mg loading dose then 300 mg every 2 weeks \
        continue clobetasol follow up in 3 months";
    let f = facts(note);
    assert_eq!(f.requested_drug.as_deref(), Some("dupilumab"));
    assert_eq!(f.age_years, Some(27.0));
    assert_eq!(f.weight_kg, Some(81.6));
    assert_eq!(f.measures.bsa_percent, Some(25.0));
    assert_eq!(f.high_impact_sites, [Site::Neck, Site::Hands]);
    assert_eq!(outcome(&f, "clobetasol"), Some(Outcome::Failed));
    assert_eq!(f.dosing.maintenance_mg, Some(300.0));
}

#[test]
fn a_clinics_name_says_nothing_about_the_diagnosis() {
    let letter = "Lakeview Psoriasis Center\n400 Shore Rd, Unit 2  |  Fax 555-0100\n\n\
        Re: 45-year-old man with itchy plaques on the shins for a year, BSA 12%.\n\
        Plan: biopsy; start Dupixent if confirmed.";
    assert_eq!(facts(letter).diagnosis, None, "the clinic's name");
    let stated = letter.replace("itchy plaques", "psoriasis with itchy plaques");
    assert_eq!(facts(&stated).diagnosis.as_deref(), Some("psoriasis"), "the note's own words");
    let program = "SUNRIDGE ATOPIC DERMATITIS PROGRAM\nSeen for chronic hand dermatitis.";
    assert_eq!(facts(program).diagnosis, None);
}

#[test]
fn the_clinicians_own_line_tells_the_specialty_before_the_clinics_name() {
    let letter = "Harborview Allergy & Immunology Associates\n12 Pier St\n\n\
        Atopic dermatitis, 30-year-old, starting Dupixent.\n\n\
        R. Okoye, MD\nDermatology";
    assert_eq!(facts(letter).prescriber_specialty, Some(Specialty::Dermatology));
    let unsigned = letter.replace("R. Okoye, MD\nDermatology", "R. Okoye, MD");
    assert_eq!(facts(&unsigned).prescriber_specialty, Some(Specialty::AllergyImmunology));
}

#[test]
fn a_note_in_capitals_reads_as_the_same_note_in_mixed_case() {
    let note = "Clinic note, 41-year-old woman with atopic dermatitis; keeps flaring.\n\
        Treatments tried:\n\
        - Triamcinolone 0.1% ointment twice daily for 8 weeks (prescribed by urgent\n  \
          care): no improvement.\n\
        - Pimecrolimus 1% cream, used for 2 weeks, then stopped because of\n  \
          burning.\n\
        - Crisaborole 2% ointment for 6 weeks gave no\n\
        improvement.\n\
        Exam: plaques on the neck and eyelids, BSA 14%, IGA 3.\n\
        We request that dupilumab be started and added to\n\
        cetirizine: 600 mg loading dose, then 300 mg every 2 weeks.";
    let (mixed, capitals) = (facts(note), facts(&note.to_uppercase()));
    let outcomes = |f: &Facts| -> Vec<(String, Outcome)> {
        f.treatments.iter().map(|t| (t.agent.clone(), t.outcome)).collect()
    };
    assert_eq!(outcomes(&capitals), outcomes(&mixed));
    assert_eq!(outcome(&mixed, "crisaborole"), Some(Outcome::Failed));
    assert_eq!(capitals.measures, mixed.measures);
    assert_eq!(capitals.high_impact_sites, mixed.high_impact_sites);
    assert_eq!(capitals.persistent_flares, mixed.persistent_flares);
    assert_eq!(capitals.requested_drug.as_deref(), Some("dupilumab"));
}

/// The sites of a short skin note.
fn sites_of(text: &str) -> Vec<Site> {
    facts(&format!("Atopic dermatitis. {text}")).high_impact_sites
}

#[test]
fn palms_counted_by_a_number_measure_area_and_name_no_site() {
    assert!(sites_of("Lichenified plaques behind both knees, about 3 palms in all.").is_empty());
    assert!(sites_of("Eczematous plaques of the flanks, 1-2 palms each.").is_empty());
    // Counter-examples: palms that are involved stay hands.
    assert_eq!(sites_of("Fissured plaques on both palms."), [Site::Hands]);
    assert_eq!(sites_of("Dyshidrotic-looking eczema of the left palm, 2 weeks."), [Site::Hands]);
}

#[test]
fn an_empty_no_box_denies_nothing_on_the_next_line() {
    let text = "Atopic dermatitis. Dupixent 300 mg every 2 weeks, renewal.\n\
                Taking another biologic or JAK inhibitor?\n   [X] Yes    [ ] No\n   \
                Drug and start: abrocitinib 100 mg daily since 06/2026\n";
    let f = facts(text);
    assert!(f.treatments.iter().any(|t| t.agent == "abrocitinib"), "{:?}", f.treatments);
    // Counter-example: a ticked No still answers its own question.
    let text = "Atopic dermatitis.\nTried abrocitinib?  [ ] Yes  [X] No\n";
    assert!(facts(text).treatments.iter().all(|t| t.agent != "abrocitinib"));
}

#[test]
fn a_site_described_by_its_lesion_is_involved() {
    assert_eq!(sites_of("Soles are improved but still cracking at the heels."), [Site::Feet]);
    assert_eq!(sites_of("Fissured knuckles, worse in winter."), [Site::Hands]);
    assert_eq!(sites_of("Weeping, crusted patches behind the neck."), [Site::Neck]);
    assert_eq!(sites_of("Excoriated plaques of the eyelids."), [Site::Face]);
    // Flexures are not high-impact, however described.
    assert!(sites_of("Oozing popliteal plaques.").is_empty());
}

#[test]
fn a_site_said_clear_or_spared_is_not_involved() {
    assert!(sites_of("Trunk and arms with plaques, palms clear.").is_empty());
    assert!(sites_of("Eczema on the back; forehead now clear.").is_empty());
    assert!(sites_of("Widespread dermatitis that spares the scalp.").is_empty());
    assert!(sites_of("Diffuse eczema sparing the genitals.").is_empty());
    assert!(sites_of("Patches on the legs; neck, face and hands clear.").is_empty());
    // "Clear" as a goal or as "evident" clears nothing.
    assert_eq!(sites_of("Eczema of the hands: apply the cream until clear."), [Site::Hands]);
    assert_eq!(sites_of("It is clear that the plaques on her hands are eczema."), [Site::Hands]);
    // Clear skin denies sites and lesions only: not the diagnosis, not a drug.
    let f = facts("Atopic dermatitis on the arms, hands clear. On tacrolimus and clear.");
    assert_eq!(f.diagnosis.as_deref(), Some("atopic_dermatitis"));
    assert!(outcome(&f, "tacrolimus").is_some(), "a drug is never 'clear'");
}

#[test]
fn a_negation_after_a_site_is_the_nearest_sites() {
    // Dictation without full stops: "the face is spared" is the face's.
    let dictated = "thick plaques on the wrists the lower back and the front of both feet the \
        face is spared";
    assert_eq!(sites_of(dictated), [Site::Hands, Site::Feet]);
    // Sites listed together share it.
    assert!(sites_of("Plaques on the trunk. The ankles and the wrists are spared.").is_empty());
}

#[test]
fn a_criterion_not_met_states_no_site() {
    let review = "Criteria review:\n  Severity: BSA >= 10% OR IGA >= 3 OR\n    involvement of \
        face/hands/feet ............ NOT MET\n  Age ................ MET";
    assert!(sites_of(review).is_empty());
    let met = "Criteria review:\n  Severity: involvement of the hands ........ MET";
    assert_eq!(sites_of(met), [Site::Hands], "a criterion met keeps its site");
}

#[test]
fn an_application_site_gives_way_to_a_site_said_clear() {
    let note = "Atopic dermatitis, 6 weeks after starting pimecrolimus cream BID to the face. \
        Exam: scaly patches on the shins; eyelids and cheeks clear.";
    assert!(facts(note).high_impact_sites.is_empty());
    // Without a statement that it is clear, where a cream goes is involved.
    let applied = "Atopic dermatitis, 6 weeks after starting pimecrolimus cream BID to the face. \
        Exam: scaly patches on the shins.";
    assert_eq!(facts(applied).high_impact_sites, [Site::Face]);
    // A site involved in its own words stays involved.
    let both = "Atopic dermatitis with eczema of the cheeks; pimecrolimus BID to the face. \
        Forehead clear.";
    assert_eq!(facts(both).high_impact_sites, [Site::Face]);
}

#[test]
fn a_later_clear_word_for_a_part_of_the_same_site_clears_it() {
    let note = "Heat and wet work aggravate his hands in flares.\nSkin: Dorsal hands: clear.";
    assert!(sites_of(note).is_empty());
    assert!(sites_of("Eczema on the hand.\nSkin: hands clear.").is_empty());
    // Another part of the site is another word: the cheeks stay involved.
    assert_eq!(sites_of("Eczema of the cheeks. Forehead clear."), [Site::Face]);
}

#[test]
fn a_stop_opening_the_next_sentence_carries_its_reason() {
    let note = "Atopic dermatitis. Prior biologic: tralokinumab 300 mg q2w, 01/2024-06/2024; \
        stopped 07/2024 - reason given by the referring office: lack of efficacy.";
    assert_eq!(outcome(&facts(note), "tralokinumab"), Some(Outcome::Failed));
    // Without a stop, a cue far into the next sentence is its own finding.
    let far = "Atopic dermatitis. Prior biologic: tralokinumab 300 mg q2w, 01/2024-06/2024; \
        the referring office wrote two letters about the family's move: lack of efficacy.";
    assert_ne!(outcome(&facts(far), "tralokinumab"), Some(Outcome::Failed));
}

#[test]
fn a_medicines_list_in_prose_names_drugs_taken_now() {
    let note = "Referral for eczema. He has no other illnesses; his regular medications are \
        loratadine and a fluticasone nasal spray.";
    assert_eq!(outcome(&facts(note), "loratadine"), Some(Outcome::Current));
    let past = "Referral for eczema. He once took loratadine.";
    assert_ne!(outcome(&facts(past), "loratadine"), Some(Outcome::Current));
}

#[test]
fn an_effect_that_passed_is_no_intolerance() {
    let note = "Atopic dermatitis. Crisaborole stung for the first few days, then he tolerated it.";
    assert_eq!(outcome(&facts(note), "crisaborole"), Some(Outcome::Mentioned));
    let now = "Atopic dermatitis. Still applying crisaborole; it stung at first but she tolerates \
        it now.";
    assert_eq!(outcome(&facts(now), "crisaborole"), Some(Outcome::Current));
    // An effect that did not pass stays an intolerance.
    for kept in [
        "Atopic dermatitis. Crisaborole stung and was poorly tolerated.",
        "Atopic dermatitis. Crisaborole stung so much it could not be tolerated.",
        "Atopic dermatitis. Crisaborole stung, so she stopped it.",
    ] {
        assert_eq!(outcome(&facts(kept), "crisaborole"), Some(Outcome::Intolerant), "{kept}");
    }
}

#[test]
fn inadequate_before_a_drug_is_an_amount_not_a_failure() {
    let amount = "Atopic dermatitis. Ketosis from inadequate insulin over the weekend.";
    assert_ne!(outcome(&facts(amount), "insulin"), Some(Outcome::Failed));
    let failed = "Atopic dermatitis. Triamcinolone 0.1% ointment for 6 weeks: inadequate.";
    assert_eq!(outcome(&facts(failed), "triamcinolone"), Some(Outcome::Failed));
}

#[test]
fn is_on_a_drug_is_current_use() {
    let note = "Eczema flaring. Also I'm on minocycline for acne from my GP.";
    assert_eq!(outcome(&facts(note), "minocycline"), Some(Outcome::Current));
    let third = "Eczema flaring. She's on montelukast for asthma.";
    assert_eq!(outcome(&facts(third), "montelukast"), Some(Outcome::Current));
    let past = "Eczema flaring. In 2019 she was on montelukast.";
    assert_ne!(outcome(&facts(past), "montelukast"), Some(Outcome::Current));
    let other = "Eczema flaring. I read about Dupixent and my neighbour is on it.";
    assert_ne!(outcome(&facts(other), "dupilumab"), Some(Outcome::Current), "not the patient's");
}

/// A class of advanced drug the note denies: negated in a statement about
/// the patient, or asked in a form question answered No.
#[test]
fn no_concurrent_classes_are_the_classes_a_note_denies() {
    use TreatmentClass::{Biologic, OralJakInhibitor};
    let denied = |text: &str| facts(text).no_concurrent_classes;
    let both = [Biologic, OralJakInhibitor];
    assert_eq!(denied("Eczema. She has never been on a biologic or a JAK inhibitor."), both);
    assert_eq!(denied("Eczema. No other biologic will be given with Dupixent."), [Biologic]);
    assert_eq!(denied("Eczema. Concomitant biologic/JAK: none."), both);
    let asked = "Eczema. Will the drug be given in combination with another biologic or a \
                 JAK inhibitor?\n  [ ] Yes   [x] No\n";
    assert_eq!(denied(asked), both);
    let yes = asked.replace("[ ] Yes   [x] No", "[x] Yes   [ ] No");
    assert_eq!(denied(&yes), []);
    // A failure cue's negation denies nothing; a condition or a relative's
    // treatment says nothing of the patient.
    assert_eq!(denied("Eczema. No response to a biologic last year."), []);
    assert_eq!(denied("Eczema. If there is no biologic coverage, use methotrexate."), []);
    assert_eq!(denied("Eczema. His brother is on no biologic."), []);
    assert_eq!(denied("Eczema. She asked about a JAK inhibitor."), []);
}

/// A value taken on admission or at an earlier visit is no current value,
/// so it neither becomes the measure nor disagrees with today's.
#[test]
fn values_on_admission_or_at_an_earlier_visit_are_earlier_examinations() {
    use necessity_record::PendKind;
    let conflict = |f: &Facts| f.caveats.iter().any(|c| c.kind == PendKind::MeasureConflict);
    let stay = facts("Eczema flare, admitted Monday. BSA 40% on admission. Exam: BSA 25%.");
    assert_eq!(stay.measures.bsa_percent, Some(25.0));
    assert!(!conflict(&stay));
    let visit = facts("Eczema. EASI 10 at the last visit. On exam EASI 18, vIGA 3.");
    assert_eq!(visit.measures.easi, Some(18.0));
    assert!(!conflict(&visit));
    let moved = facts("Eczema. Itch went from 9/10 on admission to 6/10 at discharge.");
    assert_eq!(moved.measures.itch_nrs, Some(6.0));
    // Two values nothing dates apart still disagree.
    let both = facts("Eczema. BSA 40%. Exam: BSA 25%.");
    assert!(conflict(&both));
}

#[test]
fn an_exports_field_names_are_read_as_words() {
    let text = "ENCOUNTER_DATE: 2026-02-17\nPRIMARY_DX_TEXT: Other atopic dermatitis\n\
                FAMILY_HX: Son - atopic dermatitis, on Dupixent\nSOCIAL_HX: Never smoker.\n\
                BSA_PERCENT_CURRENT: 22\nIGA_CURRENT: 3\n\
                REQUESTED_MEDICATION: Dupixent (dupilumab) 300 mg/2 mL pen\n";
    let f = extract_case(&Lexicons::builtin(), text);
    assert_eq!(f.requested_drug.as_deref(), Some("dupilumab"));
    assert_eq!((f.measures.bsa_percent, f.measures.iga), (Some(22.0), Some(3.0)));
    // The evidence quotes the note as given.
    let span = &f.evidence["requested_drug"][0];
    assert_eq!(&text[span.start..span.end], &span.text);
    assert!(span.text.contains('_'), "{span:?}");
}

#[test]
fn a_course_begun_since_a_date_that_nothing_stops_goes_on_now() {
    let last = |text: &str, agent: &str| {
        let f = extract_case(&Lexicons::builtin(), text);
        f.treatments.iter().find(|t| t.agent == agent).and_then(|t| t.last_used.clone())
    };
    let text = "Date: 11/18/2026\nAtopic dermatitis. On hydrocortisone 1% cream since 10/2025, \
                with little effect.";
    assert_eq!(last(text, "hydrocortisone").as_deref(), Some("2026-11-18"));
    // A stop told anywhere ends it.
    let text = "Date: 11/18/2026\nHypertension. Amlodipine since 2019; switched amlodipine to \
                losartan 07/2026.";
    assert_eq!(last(text, "amlodipine"), None);
    let text = "Date: 11/18/2026\nAtopic dermatitis. Tacrolimus since 2024 - stopped 08/2026.";
    assert_eq!(last(text, "tacrolimus").as_deref(), Some("2026-08"));
    // A start word names its date past the usual reach.
    let text = "Date: 03/10/2026\nAtopic dermatitis.\n   Betamethasone valerate 0.1% ointment \
                BID to trunk, arms, scalp (as 0.1% lotion) - current,\n   in use since 2024 - \
                inadequate response, continues to flare on face and neck.\n";
    assert_eq!(last(text, "betamethasone").as_deref(), Some("2026-03-10"));
}

#[test]
fn a_failed_courses_loading_regimen_is_how_it_began_not_the_request() {
    let text = "Date: 05/06/2026\nSevere atopic dermatitis.\nTreatment history\n\
                - Tralokinumab (Adbry), 300 mg loading dose then 150 mg every other\n  \
                week (adolescent dosing), started 12/15/2025 and continued for\n  16 weeks: \
                inadequate response.\n\nI write to request coverage of dupilumab. I ask that \
                you approve dupilumab.\n";
    let f = extract_case(&Lexicons::builtin(), text);
    assert_eq!(f.requested_drug.as_deref(), Some("dupilumab"));
    let tralokinumab = f.treatments.iter().find(|t| t.agent == "tralokinumab");
    assert_eq!(
        tralokinumab.map(|t| (t.outcome, t.duration_days)),
        Some((Outcome::Failed, Some(112.0)))
    );
}

#[test]
fn a_use_said_to_have_ended_names_the_drug_and_its_last_use() {
    let last = |text: &str, agent: &str| {
        let f = extract_case(&Lexicons::builtin(), text);
        f.treatments.iter().find(|t| t.agent == agent).map(|t| t.last_used.clone())
    };
    let text = "Date: 02/17/2026\nAtopic dermatitis on Dupixent. He has not needed mometasone \
                since December 2025.";
    assert_eq!(last(text, "mometasone"), Some(Some("2025-12".into())));
    let text = "Date: 02/03/2026\nAtopic dermatitis on Dupixent. She uses tacrolimus on the \
                eyelids and has not needed triamcinolone or clobetasol at all since 05/2025.";
    assert_eq!(last(text, "clobetasol"), Some(Some("2025-05".into())));
    let text = "Date: 02/03/2026\nAtopic dermatitis on Dupixent. He no longer needs clobetasol.";
    assert_eq!(last(text, "clobetasol"), Some(None), "named, not denied, not in use");
}

#[test]
fn a_plan_quoted_from_another_note_or_never_started_is_no_request() {
    let requested = |text: &str| extract_case(&Lexicons::builtin(), text).requested_drug;
    let quoted = "Atopic dermatitis, severe.\n  - Dr. Andros's 03/19 note: \"Plan to start \
                  Dupixent once skin infection risk addressed.\"\n";
    assert_eq!(requested(quoted), None);
    let never = "Atopic dermatitis, severe.\n  - Plan was to start Dupixent once the skin \
                 infection was treated. Never started.\n";
    assert_eq!(requested(never), None);
    // This note's own plan is its request.
    let own = "Atopic dermatitis, severe. Plan: start Dupixent 600 mg, then 300 mg every 2 weeks.";
    assert_eq!(requested(own).as_deref(), Some("dupilumab"));
}

#[test]
fn a_look_alike_the_note_names_as_the_eruption_decides_the_diagnosis() {
    let text = "Labelled severe eczema by outside providers.\nASSESSMENT\nNetherton syndrome \
                (SPINK5) - CONFIRMED. The eruption is Netherton syndrome and NOT atopic \
                dermatitis.\nPLAN\nWill submit prior authorization for Dupixent 600 mg.";
    let f = extract_case(&Lexicons::builtin(), text);
    assert_eq!(f.diagnosis.as_deref(), Some("netherton_syndrome"));
}

#[test]
fn a_forms_title_names_its_kind_and_a_qualified_heading_is_no_drug_field() {
    let requested = |text: &str| extract_case(&Lexicons::builtin(), text).requested_drug;
    let form = "=====\n CIGNA - DUPIXENT (dupilumab) FOR ATOPIC DERMATITIS\n PRESCRIBER CRITERIA \
                CHECKLIST - INITIAL REQUEST\n=====\n Product:     Dupixent 300 mg/2 mL pen\n\
                \x20Diagnosis:   L20.9  Atopic dermatitis\n";
    assert_eq!(requested(form).as_deref(), Some("dupilumab"));
    let letter = "Letter of medical necessity.\nAtopic dermatitis, severe.\n\nOTHER SYSTEMIC THERAPY\n  - Methotrexate 15 mg \
                  weekly in 2023, stopped after 3 months because of rising transaminases.\n\n\
                  ASSESSMENT AND PLAN\nDupixent is requested as monotherapy: 600 mg, then 300 mg \
                  every 2 weeks.\n";
    assert_eq!(requested(letter).as_deref(), Some("dupilumab"));
}

#[test]
fn a_scans_letters_for_digits_in_dates_are_read_as_digits() {
    let text = "Atopic dermatitis. Dupixent renewal.\n\
                1. Date Dupixent therapy started:   05/O6/2026\n\
                Prescriber signature: J. Barrientos MD   Date:  09/1O/2026\n\
                Seen w/o her mother; and/or call.";
    let f = extract_case(&Lexicons::builtin(), text);
    let start = f.time_on_therapy.as_ref().and_then(|t| t.start.clone());
    assert_eq!(start.as_deref(), Some("2026-05-06"));
    // The evidence quotes the note as given.
    let span = &f.evidence["time_on_therapy"][0];
    assert_eq!(&text[span.start..span.end], &span.text);
    assert!(span.text.contains("O6"), "{span:?}");
}

#[test]
fn a_biologic_planned_beside_the_one_requested_is_the_plan_it_replaced() {
    let text = "Atopic dermatitis. Plan: start tralokinumab (Adbry) 600 mg loading dose.\n\
                Attending: I recommend dupilumab rather than tralokinumab. We will NOT start \
                Adbry. Prior authorization will be submitted for Dupixent 600 mg then 300 mg \
                every 2 weeks.";
    let f = extract_case(&Lexicons::builtin(), text);
    assert_eq!(f.requested_drug.as_deref(), Some("dupilumab"));
    let tralokinumab = f.treatments.iter().find(|t| t.agent == "tralokinumab").map(|t| t.outcome);
    assert_eq!(tralokinumab, Some(Outcome::Mentioned));
    // A topical ordered beside the request is in use from today.
    let text = "Atopic dermatitis. Start triamcinolone 0.1% ointment BID. Prior authorization \
                submitted for Dupixent 600 mg then 300 mg every 2 weeks.";
    let f = extract_case(&Lexicons::builtin(), text);
    let triamcinolone = f.treatments.iter().find(|t| t.agent == "triamcinolone").map(|t| t.outcome);
    assert_eq!(triamcinolone, Some(Outcome::Current));
}

#[test]
fn an_assessment_that_affirms_atopic_dermatitis_beside_psoriasis_keeps_it() {
    let text = "HPI: plaque psoriasis of the elbows since 2016. Eczematous eruption of the \
                flexures; biopsy: no psoriasiform hyperplasia, PAS negative - consistent with \
                atopic dermatitis, not psoriasis.\n\nASSESSMENT AND PLAN:\n1. Atopic \
                dermatitis, moderate.\n2. Plaque psoriasis, limited, well controlled.\n";
    let f = extract_case(&Lexicons::builtin(), text);
    assert_eq!(f.diagnosis.as_deref(), Some("atopic_dermatitis"));
    // An assessment that rules it out decides.
    let text = "HPI: 'eczema' per the referral.\n\nASSESSMENT:\n1. Prurigo nodularis. This is \
                NOT atopic dermatitis.\n";
    let f = extract_case(&Lexicons::builtin(), text);
    assert_eq!(f.diagnosis.as_deref(), Some("prurigo_nodularis"));
}

#[test]
fn an_easi_score_documents_atopic_dermatitis_in_a_note_naming_no_skin_disease() {
    let worksheet =
        "PA worksheet. Continuation of Dupixent.\nBaseline EASI 31.4; current EASI 12.0.";
    assert_eq!(facts(worksheet).diagnosis.as_deref(), Some("atopic_dermatitis"));
    // Without a score, or beside a named look-alike, nothing is inferred.
    assert_eq!(facts("PA worksheet. Continuation of Dupixent.").diagnosis, None);
    let named = "Plaque psoriasis, not atopic dermatitis. EASI 12.0.";
    assert_eq!(facts(named).diagnosis.as_deref(), Some("psoriasis"));
}

#[test]
fn a_trial_question_answered_no_names_drugs_never_tried() {
    let form = "Atopic dermatitis. BSA 12%. Request Dupixent.\n\
                6. Has the patient tried and had an inadequate response to a PREFERRED\n   \
                product (Adbry, Ebglyss or Nemluvio)?\n   [ ] Y [X] N\n";
    let f = facts(form);
    assert_eq!(f.never_tried, ["tralokinumab", "lebrikizumab", "nemolizumab"]);
    // Answered on its own line, after a plan's list of the same products.
    let same_line = "Atopic dermatitis. BSA 12%. Request Dupixent.\n\
                     Step therapy: plan lists preferred products: Adbry, Rinvoq.\n\
                     Tried a preferred product (Adbry,\n  Rinvoq)?  [ ] Yes  [X] No\n";
    let f = facts(same_line);
    assert_eq!(f.never_tried, ["tralokinumab", "upadacitinib"]);
    assert!(f.treatments.iter().all(|t| t.agent == "dupilumab"), "only named, never given");
    // A question about use alongside the request denies no trial.
    let combination = "Atopic dermatitis. Request Dupixent.\n\
                       7. Will Dupixent be used with another biologic (Adbry)?\n   [ ] Y [X] N\n";
    assert!(facts(combination).never_tried.is_empty());
}

#[test]
fn a_weekly_regimen_is_read_as_every_week() {
    let text = "Atopic dermatitis. Plan: Dupixent 600 mg SC today as loading dose, then 300 mg SC \
                EVERY WEEK for 16 weeks, then every 2 weeks once controlled.";
    let dosing = facts(text).dosing;
    assert_eq!((dosing.maintenance_mg, dosing.interval_weeks), (Some(300.0), Some(1.0)));
}

#[test]
fn a_denial_after_a_comma_denies_its_own_subject() {
    let f = facts("Assessment: late-onset atopic dermatitis, biopsy-supported, BP excluded.");
    assert_eq!(f.diagnosis.as_deref(), Some("atopic_dermatitis"));
    // A list of targets, or one joined by "and", is denied whole.
    let f = facts("Atopic dermatitis of the trunk. Face, neck, hands clear. BSA 12%.");
    assert!(f.high_impact_sites.is_empty(), "{:?}", f.high_impact_sites);
    let f = facts("Atopic dermatitis. Neck, hands, flexures and trunk clear. BSA 12%.");
    assert!(f.high_impact_sites.is_empty(), "{:?}", f.high_impact_sites);
}

#[test]
fn a_cue_said_of_another_disease_does_not_reach_the_drug_before() {
    let note = "Atopic dermatitis. Adbry and Ebglyss are labelled for skin disease only. \
        Her asthma is not well controlled.";
    assert_eq!(outcome(&facts(note), "tralokinumab"), Some(Outcome::Mentioned));
    // Said of the eczema, or of nothing named, it is the drug's outcome.
    let eczema = "Atopic dermatitis. Tried tacrolimus. Her eczema is not well controlled.";
    assert_eq!(outcome(&facts(eczema), "tacrolimus"), Some(Outcome::Failed));
}

#[test]
fn a_sentence_saying_none_of_the_list_was_taken_names_them_never_tried() {
    let note = "Atopic dermatitis. Request Dupixent. Dupixent is no longer preferred; the plan \
        requires prior use of Adbry (tralokinumab), Ebglyss or Rinvoq. She has not taken any of \
        these five medications.";
    let f = facts(note);
    assert_eq!(f.never_tried, ["tralokinumab", "lebrikizumab", "upadacitinib"]);
    // Words that point back to no list, or a sentence that names its own drug, do not.
    let used = "Atopic dermatitis. Adbry and Ebglyss were discussed. She has used both of them.";
    assert!(facts(used).never_tried.is_empty());
    let own = "Atopic dermatitis. Adbry and Ebglyss were discussed. She has not taken these or \
        Rinvoq.";
    assert!(facts(own).never_tried.is_empty());
}

#[test]
fn a_site_whose_own_words_deny_eczema_there_is_not_involved() {
    // "No facial eczema" denies the whole face, a part of it included.
    let face = "Eczema of the flexures. New patches and thinning of the outer eyebrow.\n\
                Face: partial loss of the eyebrow. No facial eczema.";
    assert!(!sites_of(face).contains(&Site::Face));
    // An examination field whose own sentence denies eczema: its patches are
    // another disease's.
    let scalp = "New patches on the scalp.\nEXAM:\nScalp: 3 round patches of non-scarring \
                 alopecia.\nSkin within patches smooth, no eczematous change.\nFace: clear.";
    assert!(!sites_of(scalp).contains(&Site::Scalp));
    // A denial that names other sites is theirs, not the field's.
    let hands = "EXAM:\nHands: erythema and fissuring of the dorsal hands.\n\
                 Elsewhere (face, neck, trunk): no dermatitis.";
    assert_eq!(sites_of(hands), [Site::Hands]);
    // A site in a plan item of another skin disease is that disease's.
    let other = "A/P:\n1. Alopecia areata, patchy, active.\n   - Intralesional triamcinolone \
                 injected to occipital and parietal patches today.\n2. Atopic dermatitis, mild.";
    assert!(sites_of(other).is_empty());
    // A clause's "not" is no denial of the site's disease.
    let not_for = "Eczema of the dorsal hands. Dupixent is approved for atopic dermatitis, \
                   not for irritant hand dermatitis.";
    assert_eq!(sites_of(not_for), [Site::Hands]);
}

#[test]
fn a_form_label_answered_no_history_states_no_prescription_topicals() {
    let form = "Atopic dermatitis. BSA 12%.\n\
                History of prescription topical Rx ....... No history. Uses OTC hydrocortisone.\n";
    assert!(facts(form).no_prescription_topicals);
    let tried = "Atopic dermatitis. BSA 12%.\nPrescription topicals: triamcinolone 0.1%, failed.\n";
    assert!(!facts(tried).no_prescription_topicals);
}

#[test]
fn a_labelled_line_after_a_blank_line_says_nothing_of_the_drug_above() {
    let note = "Atopic dermatitis.\nMEDICATIONS\n- epinephrine 0.3 mg auto-injector\n\n\
                ACT score: 16 (not well controlled)\n";
    assert_eq!(outcome(&facts(note), "epinephrine"), Some(Outcome::Current));
    // A field right under the drug is its own.
    let field = "Atopic dermatitis.\n- tacrolimus 0.1% ointment BID\n  Outcome: no improvement\n";
    assert_eq!(outcome(&facts(field), "tacrolimus"), Some(Outcome::Failed));
}

#[test]
fn a_drug_s_story_goes_on_in_sentences_that_refer_back_to_it() {
    let story = "Atopic dermatitis. Her doctor moved her to fluocinonide 0.05% ointment. That one \
        she tolerated and used faithfully for a month. The same pattern repeated itself: it only \
        helped while she was putting it on.";
    assert_eq!(outcome(&facts(story), "fluocinonide"), Some(Outcome::Failed));
    let stung = "Atopic dermatitis. She was given pimecrolimus 1% cream in August. She could not \
        continue it. It stung so badly that she stopped it after five days.";
    assert_eq!(outcome(&facts(stung), "pimecrolimus"), Some(Outcome::Intolerant));
    // A product the lexicon does not know is what "it" names in its sentence.
    let other = "Atopic dermatitis. She uses triamcinolone 0.1% ointment daily. We also tried pro \
        topic ointment last October and it burned so she quit.";
    assert_eq!(outcome(&facts(other), "triamcinolone"), Some(Outcome::Current));
}

#[test]
fn flares_since_stopping_a_drug_and_a_denied_reason_are_no_failure_of_it() {
    let since = "Atopic dermatitis. Since stopping the triamcinolone she has been flaring on the \
        arms and is still flaring now.";
    assert_ne!(outcome(&facts(since), "triamcinolone"), Some(Outcome::Failed));
    let cost = "Atopic dermatitis. She stopped triamcinolone in June because she could not afford \
        refills. She did not stop because it stopped working.";
    assert_ne!(outcome(&facts(cost), "triamcinolone"), Some(Outcome::Failed));
    // A failure said plainly still is one.
    let failed = "Atopic dermatitis. She stopped triamcinolone in June because it stopped working.";
    assert_eq!(outcome(&facts(failed), "triamcinolone"), Some(Outcome::Failed));
}

#[test]
fn a_note_that_writes_its_dates_day_first_is_read_so() {
    let uk = "Clinic date: 06/01/2026\nLetter signed: 13/01/2026\nAtopic eczema.";
    let f = facts(uk);
    assert_eq!(f.note_date.as_deref(), Some("2026-01-06"));
    // The evidence quotes the note as written.
    assert_eq!(f.evidence["note_date"][0].text, "Clinic date: 06/01/2026");
    // A note with a month-first date, or none that tells, stays month first.
    let us = "Visit date: 06/01/2026\nSigned 06/13/2026\nAtopic dermatitis.";
    assert_eq!(facts(us).note_date.as_deref(), Some("2026-06-01"));
}

#[test]
fn a_fill_tables_last_fill_column_ends_the_course_there() {
    let text = "Date: 02/17/2026\nAtopic dermatitis.\n\
                \x20 NDC            Product                              Fills  Last fill\n\
                \x20 -------------  -----------------------------------  -----  ----------\n\
                \x20 51672-1258-03  CLOBETASOL PROP 0.05% OINT 60 G          3  10/03/2024\n";
    let f = facts(text);
    let clobetasol = f.treatments.iter().find(|t| t.agent == "clobetasol").unwrap();
    assert_eq!(clobetasol.last_used.as_deref(), Some("2024-10-03"));
    // A date column whose heading says no last use (a start) ends nothing.
    let started = text.replace("Last fill", "Started  ");
    let f = facts(&started);
    let clobetasol = f.treatments.iter().find(|t| t.agent == "clobetasol").unwrap();
    assert_eq!(clobetasol.last_used.as_deref(), Some("2026-02-17"));
}

#[test]
fn a_loading_dose_given_on_a_date_starts_the_course() {
    let text = "Date: 10/20/2025\nDupixent renewal for atopic dermatitis. The authorization began \
                06/20/2025, but she could not start right away: enrollment took weeks, and her \
                loading dose was administered in our office on 08/11/2025. She continues Dupixent \
                300 mg every 2 weeks and is much improved.";
    let f = facts(text);
    let time = f.time_on_therapy.expect("a start");
    assert_eq!((time.start.as_deref(), time.days), (Some("2025-08-11"), Some(70.0)));
}

#[test]
fn a_colleagues_plan_told_in_the_past_requests_nothing() {
    let text = "Atopic dermatitis, BSA 12%, IGA 3. Triamcinolone failed after 6 weeks.\n\
                At the 11/4 visit Dr. Okafor saw her. Her plan was: start dupilumab 600 mg load \
                then 300 mg q2w, PA paperwork drafted.\n\
                Plan: patch testing first; I am not sending the Dupixent PA today.";
    assert_eq!(facts(text).requested_drug, None);
}

#[test]
fn a_plan_judged_not_realistic_denies_no_drug_after_it() {
    let text = "Hand eczema. Given severity and that full avoidance is not realistic, requesting \
                dupilumab (Dupixent) 600 mg load, then 300 mg every 2 weeks.";
    assert_eq!(facts(text).requested_drug.as_deref(), Some("dupilumab"));
}

#[test]
fn a_quotation_of_an_earlier_letter_after_a_blank_line_is_that_letters() {
    let text = "Date: 10/20/2025\nAtopic dermatitis.\n\
                I am quoting the baseline in my original letter of June 9, 2025:\n\n\
                \x20   \"At today's visit her EASI is 24.6, BSA 28%.\"\n\n\
                Today her EASI is 11.2 and BSA 12%.\n";
    let f = facts(text);
    assert_eq!((f.measures.easi, f.measures.bsa_percent), (Some(11.2), Some(12.0)));
    assert!(f.caveats.is_empty(), "the quoted values are no current ones");
}

#[test]
fn rxd_by_names_who_prescribed_a_course_not_an_order() {
    let text = "Atopic dermatitis. TAC 0.1% cream Rx'd by PCP 5/2025 was never picked up.";
    assert_eq!(outcome(&facts(text), "triamcinolone"), Some(Outcome::Mentioned));
}

#[test]
fn a_quotation_whose_lead_in_wraps_onto_a_second_line_is_the_quoted_letters() {
    let text = "Date: 01/21/2026\nAtopic dermatitis.\nShe brought a letter from her previous \
                dermatologist, which I quote in full below because\nit summarizes her earlier \
                course:\n\n  \"March 4, 2024\n   At her visit today she had 35% BSA with an IGA \
                of 4.\"\n\nExam: BSA about 7%. IGA 2 (mild).\n";
    let f = facts(text);
    assert_eq!((f.measures.bsa_percent, f.measures.iga), (Some(7.0), Some(2.0)));
}

#[test]
fn a_letter_to_a_payer_asks_for_the_drug_its_subject_line_names() {
    let text = "RE: Letter of Medical Necessity - DUPIXENT (dupilumab) for atopic dermatitis\n\n\
                Below I answer each criterion of your policy. Atopic dermatitis, BSA 22%.\n\
                CRITERION 5 - Dose: 600 mg SC x1, then 300 mg every other week.\n";
    assert_eq!(facts(text).requested_drug.as_deref(), Some("dupilumab"));
    // Its narrative's request comes first, and a letter with none asks
    // for no drug its subject does not name.
    let other = text.replace("Below I answer", "We request Adbry; below I answer");
    assert_eq!(facts(&other).requested_drug.as_deref(), Some("tralokinumab"));
}

#[test]
fn a_ticked_renewal_of_a_course_that_lapsed_and_restarts_asks_for_it_anew() {
    let text = "Medication: DUPIXENT (dupilumab)   Request: [ ] Initial  [X] Renewal\n\
                Dose: 300 mg SC every 14 days\n\n\
                S: Atopic dermatitis. Has had no injection since 11/24/25; flaring after a \
                ~10-week gap off dupilumab due to the lapsed PA. BSA 18%. EASI 15.2.\n\
                P: 1. Resume Dupixent 300 mg SC every 2 weeks once approved.\n";
    let f = facts(text);
    assert_eq!(
        (f.requested_drug.as_deref(), f.continuation_of.as_deref()),
        (Some("dupilumab"), None)
    );
    assert!(f.caveats.iter().all(|c| c.kind != necessity_record::PendKind::RequestConflict));
    // Without the lapse the ticked renewal continues the course.
    let going_on = text.replace(
        "flaring after a ~10-week gap off dupilumab due to the lapsed PA",
        "on dupilumab since 2024",
    );
    let f = facts(&going_on);
    assert_eq!(f.continuation_of.as_deref(), Some("dupilumab"));
}

#[test]
fn a_strength_in_milligrams_per_gram_or_with_a_decimal_comma_gives_the_potency() {
    let f = facts(
        "Atopic dermatitis. Fluocinolone acetonide 0.1 mg/g topical oil to the scalp: no better.\n\
         Mometasone furoate 0,1 % ointment: minimal benefit.\n",
    );
    let potency =
        |agent: &str| f.treatments.iter().find(|t| t.agent == agent).and_then(|t| t.potency);
    assert_eq!(potency("fluocinolone"), Some(Potency::Low), "0.1 mg/g is 0.01 %");
    assert_eq!(potency("mometasone"), Some(Potency::High));
}

#[test]
fn a_start_told_in_the_next_sentence_or_a_bulleted_row_dates_the_course() {
    let next = "Date: 05/26/2026. She returns on dupilumab (Dupixent) 300 mg SC every 2 weeks for \
                atopic dermatitis. Started 10/14/2025 (600 mg loading dose in clinic). Much \
                improved. Requesting reauthorization for 12 months.";
    let time = facts(next).time_on_therapy.expect("a start");
    assert_eq!(time.start.as_deref(), Some("2025-10-14"));
    let row = "Date: 03/02/2026. Dupixent renewal for atopic dermatitis, much improved.\n\
               Dupilumab timeline:\n - 11/18/2025: 600 mg SC loading dose given in clinic.\n\
               \x20- 12/02/2025 onward: 300 mg every 2 weeks at home.\n";
    let time = facts(row).time_on_therapy.expect("a start");
    assert_eq!(time.start.as_deref(), Some("2025-11-18"));
}

#[test]
fn the_palm_method_of_estimating_bsa_names_no_site() {
    let text = "Atopic dermatitis of the back and arms. My estimate (palm method, 1 palm ~1%): \
                BSA about 6%. IGA 2.";
    assert!(facts(text).high_impact_sites.is_empty());
}

#[test]
fn a_question_and_response_export_states_the_request_and_the_specialty() {
    let text = "Atopic dermatitis, BSA 20%.\n\n\
                Question: Prescriber specialty\nResponse: Family Medicine\n\n\
                Question: Medication requested (name, strength, dosage form)\n\
                Response: Dupixent 300 mg/2 mL prefilled pen\n";
    let f = facts(text);
    assert_eq!(f.requested_drug.as_deref(), Some("dupilumab"));
    assert_eq!(f.prescriber_specialty, Some(Specialty::Other));
}
