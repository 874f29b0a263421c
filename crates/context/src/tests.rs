//! Unit tests of the engine with the shipped lexicon: one group per trigger
//! family, then scope termination and sections.

use super::*;

fn context(text: &str, target: &str) -> Context {
    let analysis = ContextEngine::builtin().analyze(text);
    let span = find_phrase(text, target).expect("target in test text");
    analysis.context_of(span)
}

fn axes(text: &str, target: &str) -> Vec<Axis> {
    let found = context(text, target);
    Axis::ALL.into_iter().filter(|axis| found.get(*axis).is_some()).collect()
}

#[test]
fn negation_triggers() {
    for (text, target) in [
        ("She denies any cough or sputum.", "sputum"),
        ("No wheezes, rales, or rhonchi.", "rhonchi"),
        ("Skin is without lesions.", "lesions"),
        ("Chest x-ray negative   for pneumonia.", "pneumonia"),
        ("He has not tried tacrolimus.", "tacrolimus"),
        ("She has never used cyclosporine.", "cyclosporine"),
        ("The scalp is free of plaques.", "plaques"),
        ("There is no evidence of infection.", "infection"),
        ("Absence of erythema on the face.", "erythema"),
        ("Pneumonia was ruled out.", "pneumonia"),
        ("She is no longer flaring.", "flaring"),
        ("Patient did not have fever.", "fever"),
    ] {
        assert_eq!(axes(text, target), [Axis::Negated], "{text}");
    }
}

/// A semicolon ends a sentence, so a negation stops there.
#[test]
fn a_negation_ends_at_a_semicolon() {
    let text = "He could not wear a shirt at work; he had already failed triamcinolone.";
    assert!(context(text, "triamcinolone").negated.is_none());
    assert!(context("No fever; cough present.", "cough").negated.is_none());
    // Counter-example: before the semicolon the negation still reaches.
    assert!(context("No fever or chills; cough present.", "chills").negated.is_some());
}

#[test]
fn pseudo_triggers_are_not_negations() {
    for (text, target) in [
        ("There was no increase in itch.", "itch"),
        ("Not only itch but pain.", "pain"),
        ("Cultures grew gram negative rods.", "rods"),
        ("There was no interval change in the nodule.", "nodule"),
        ("She has no specific diagnosis for her rash.", "rash"),
    ] {
        assert!(context(text, target).negated.is_none(), "{text}");
    }
}

#[test]
fn an_opinion_is_no_plan() {
    let text = "Clobetasol gave only transient benefit; I consider this a treatment failure.";
    assert!(context(text, "treatment failure").hypothetical.is_none());
    assert!(context("Will consider dupilumab.", "dupilumab").hypothetical.is_some());
}

#[test]
fn hypothetical_triggers() {
    for (text, target) in [
        ("If this fails, consider Dupixent.", "dupixent"),
        ("Will consider dupilumab.", "dupilumab"),
        ("She may need systemic therapy.", "systemic therapy"),
        ("Return to the clinic if fever develops.", "fever"),
        ("Call for any worsening pain.", "worsening pain"),
        ("Plan to consider phototherapy.", "phototherapy"),
        ("Should topical steroids fail, start dupilumab.", "dupilumab"),
    ] {
        assert!(context(text, target).hypothetical.is_some(), "{text}");
    }
}

#[test]
fn historical_triggers() {
    for (text, target) in [
        ("History of asthma.", "asthma"),
        ("She previously used tacrolimus.", "tacrolimus"),
        ("BSA was 30% at diagnosis.", "BSA"),
        ("At the prior visit the IGA was 4.", "IGA"),
        ("Status post appendectomy.", "appendectomy"),
        ("He had eczema in the past.", "eczema"),
    ] {
        assert!(context(text, target).historical.is_some(), "{text}");
    }
}

#[test]
fn durations_and_headings_are_not_historical() {
    assert!(context("She has a two-day history of fever.", "fever").historical.is_none());
    assert!(context("A 10-year history of eczema.", "eczema").historical.is_none());
    let note = "HISTORY OF PRESENT ILLNESS: Itchy rash on both hands.";
    assert!(context(note, "itchy rash").historical.is_none());
}

#[test]
fn family_triggers() {
    for (text, target) in [
        ("Mother has eczema.", "eczema"),
        ("Her father had psoriasis.", "psoriasis"),
        ("A sister with colon polyps.", "colon polyps"),
        ("Family history of asthma.", "asthma"),
        ("Maternal aunt with lupus.", "lupus"),
        ("Mother with eczema; his asthma is controlled.", "eczema"),
        ("He lives with his grandmother who has psoriasis.", "psoriasis"),
        ("Lives with his father, age 35.", "35"),
        ("His wife has eczema and does well on Dupixent.", "dupixent"),
    ] {
        assert!(context(text, target).family.is_some(), "{text}");
    }
}

#[test]
fn a_relative_named_by_a_pronoun_set_against_the_patient_is_the_experiencer() {
    let mom = "Mom asks about Dupixent. She has hand eczema herself and is on Dupixent.";
    assert!(context(mom, "hand eczema").family.is_some());
    let dad = "His father is here today. He had severe eczema himself as a child.";
    assert!(context(dad, "severe eczema").family.is_some());
    for (text, target) in [
        // No reflexive: the pronoun may be the patient's.
        ("Her mother was present. She has eczema on both hands.", "eczema"),
        // A reflexive that is the object of what the patient does.
        ("Mom taught her the pen. She has been injecting herself since May.", "May"),
        ("Dad is here. He has been giving himself the Dupixent shots.", "dupixent"),
        // No relative in the sentence before.
        ("Seen in clinic today. She has eczema herself.", "eczema"),
    ] {
        assert!(context(text, target).family.is_none(), "{text}");
    }
}

#[test]
fn a_relative_named_by_a_given_name_is_the_subject_of_sentences_opening_with_it() {
    let text = "Owen's older brother Callum (12) is also our patient. Callum has had severe \
                atopic dermatitis since infancy, with face and hands involved. He failed \
                clobetasol. Comparing the boys: Callum's disease was widespread. Owen's eczema \
                stays in the flexures.";
    for target in ["severe", "clobetasol", "widespread"] {
        assert!(context(text, target).family.is_some(), "{target}");
    }
    assert!(context(text, "flexures").family.is_none());
    // The writer's own child, in a parent's letter, is the patient.
    let letter = "I am writing for my daughter Naomi, who is 14. Naomi has eczema on her hands.";
    assert!(context(letter, "hands").family.is_none());
}

#[test]
fn a_relative_who_reports_accompanies_or_is_taught_is_not_the_experiencer() {
    for (text, target) in [
        ("Seen today with her mother for follow up of atopic dermatitis.", "atopic dermatitis"),
        ("An 8-year-old here with his dad for eczema.", "8-year-old"),
        ("Brought in by her father for itching.", "itching"),
        ("Her mother says that the pimecrolimus has not helped.", "pimecrolimus"),
        ("Tacrolimus burned, his parents report.", "tacrolimus"),
        ("Dad was instructed in the dupilumab injections.", "dupilumab"),
        ("Itch 6/10 according to her mother.", "6/10"),
        ("Father rates the itch 8/10 most nights.", "8/10"),
        ("Discussed dupilumab with Ana and her mother; agreed to start.", "dupilumab"),
        ("A 40-year-old woman visiting with her husband for vomiting.", "40-year-old"),
        ("A 51-year-old man, brought by the wife for snoring.", "51-year-old"),
        ("Shared decision with Jaylen and mother: start dupilumab now.", "dupilumab"),
    ] {
        assert!(context(text, target).family.is_none(), "{text}");
    }
    // A relative described after the names is still the experiencer.
    let text = "Lives with Tom and mother, who has eczema on dupilumab.";
    assert!(context(text, "dupilumab").family.is_some());
}

#[test]
fn a_hyphenated_non_is_no_negation() {
    assert!(context("Non-healing erosions on the hands.", "erosions").negated.is_none());
}

#[test]
fn uncertainty_triggers() {
    for (text, target) in [
        ("Possible contact dermatitis.", "contact dermatitis"),
        ("Cannot rule out scabies.", "scabies"),
        ("Questionable tinea.", "tinea"),
        ("Suspected impetigo.", "impetigo"),
    ] {
        assert_eq!(axes(text, target), [Axis::Uncertain], "{text}");
    }
}

#[test]
fn scope_ends_at_terminators_and_sentence_ends() {
    assert!(context("No fever, but has cough.", "cough").negated.is_none());
    assert!(context("No fever. Cough for two days.", "cough").negated.is_none());
    assert!(context("No fever; cough for two days.", "cough").negated.is_none());
    assert!(context("Denies fever however reports chills.", "chills").negated.is_none());
    // A list of findings that "all favor" a diagnosis ends its negations.
    let favor = "Absence of greasy scale, negative KOH, and no response to antifungal \
                 shampoo all favor AD.";
    assert!(context(favor, "AD").negated.is_none());
    assert!(context(favor, "greasy scale").negated.is_some());
    // A new clause with its own subject ends a negation.
    let clauses = "He is not cooperative and he is difficult to keep focused.";
    assert!(context(clauses, "difficult to keep focused").negated.is_none());
    assert!(context("No rash and she denies itch.", "itch").negated.is_some());
    let visit = "At her last visit BSA was 40%; today 8%.";
    assert!(context(visit, "40%").historical.is_some());
    assert!(context(visit, "8%").historical.is_none());
    let first = "At her first visit in 2021 her BSA was 25%.";
    assert!(context(first, "25%").historical.is_some());
    let since = "Since his last visit he has used clobetasol.";
    assert!(context(since, "clobetasol").historical.is_none());
    let bsa = "BSA was 30% last year, now 5% on the arms.";
    assert!(context(bsa, "30%").historical.is_some());
    assert!(context(bsa, "5%").historical.is_none());
}

#[test]
fn a_backward_trigger_reaches_over_a_few_words_only() {
    assert!(context("Plaques on the neck; the face is spared.", "face").negated.is_some());
    assert!(context("Pneumonia was ruled out.", "pneumonia").negated.is_some());
    // Dictation without full stops: "10 years ago" dates the transplant, not the age.
    let run_on = "The patient is a 77-year-old man with hypertension and gout status post cardiac \
                  transplant 10 years ago who was admitted";
    assert!(context(run_on, "77-year-old").historical.is_none());
}

#[test]
fn scope_inside_parentheses_ends_with_them() {
    assert!(context("Biopsy (slides not reviewed) shows eczema.", "eczema").negated.is_none());
    assert!(context("No (acute) fever.", "fever").negated.is_some());
    assert!(context("Eczema (rash free today).", "eczema").negated.is_none());
}

#[test]
fn a_heading_s_bracketed_aside_states_what_it_says() {
    let text = "Skin (full exam except genitals): plaques on the forearms and hands.";
    assert!(context(text, "genitals").negated.is_some());
    assert!(context(text, "hands").negated.is_none());
    // The heading's own words trigger nothing.
    let text = "History of present illness: eczema since childhood.";
    assert!(context(text, "eczema").historical.is_none());
}

#[test]
fn scope_ends_at_list_lines() {
    let note = "Denies fever\n- itching 8/10\n- BSA 12%";
    assert!(context(note, "itching").negated.is_none());
    assert!(context("Denies:\n1. fever\n2. chills", "chills").negated.is_none());
}

#[test]
fn a_cue_inside_the_target_does_not_count() {
    assert!(context("Patient has no known drug allergies.", "no known drug allergies")
        .negated
        .is_none());
}

#[test]
fn sections_are_found_on_their_own_line_and_inline() {
    let note = "HPI:\nItchy rash.\nFamily History:\nMother with eczema.\n\
                Physical Exam: BSA 12%.\nA/P: start dupilumab.";
    let analysis = ContextEngine::builtin().analyze(note);
    let kinds: Vec<SectionKind> = analysis.sections().iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            SectionKind::Hpi,
            SectionKind::FamilyHistory,
            SectionKind::Exam,
            SectionKind::AssessmentPlan
        ]
    );
    let mtsamples =
        "SUBJECTIVE:,  This 23-year-old has eczema.,MEDICATIONS: , Allegra.,ALLERGIES: , none.";
    let analysis = ContextEngine::builtin().analyze(mtsamples);
    let kinds: Vec<SectionKind> = analysis.sections().iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [SectionKind::Hpi, SectionKind::Medications, SectionKind::Allergies]);
    let allegra = find_phrase(mtsamples, "allegra").unwrap().start;
    assert_eq!(analysis.section_of(allegra), SectionKind::Medications);
}

#[test]
fn section_defaults() {
    let note = "Family History:\nAsthma and eczema.\nPast Medical History:\nHypertension.\n\
                Prior visit (copied forward):\nBSA 30%.\nCurrent Medications:\nTacrolimus.";
    assert!(context(note, "eczema").family.is_some());
    assert!(context(note, "hypertension").historical.is_some());
    assert!(context(note, "BSA").historical.is_some());
    assert!(context(note, "tacrolimus").is_current_fact());
}

#[test]
fn an_indented_heading_is_a_subheading_of_a_copied_forward_visit() {
    let note = "Prior visit (copied forward):\n  BSA 25%.\n  Plan: start Dupixent.\n\
                Today:\nS: On Dupixent. BSA 2%.\nP: Continue Dupixent.";
    let analysis = ContextEngine::builtin().analyze(note);
    let kinds: Vec<SectionKind> = analysis.sections().iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [SectionKind::PriorVisit, SectionKind::Hpi, SectionKind::Hpi, SectionKind::AssessmentPlan]
    );
    assert!(context(note, "start Dupixent").historical.is_some());
    assert!(context(note, "BSA 2%").is_current_fact());
    assert!(context(note, "Continue Dupixent").is_current_fact());
}

#[test]
fn a_short_heading_phrase_must_be_the_whole_heading() {
    let analysis = ContextEngine::builtin().analyze("Took vitamin A: 5000 units.");
    assert!(analysis.sections().is_empty());
}

#[test]
fn headings_without_colon_alone_on_a_line() {
    let note = "FAMILY HISTORY\nEczema in the brother.\nASSESSMENT AND PLAN\nStart dupilumab.";
    let analysis = ContextEngine::builtin().analyze(note);
    let start = find_phrase(note, "start dupilumab").unwrap().start;
    assert_eq!(analysis.section_of(start), SectionKind::AssessmentPlan);
    assert!(context(note, "eczema").family.is_some());
}

/// The kind of section that holds `target` in `note`.
fn section_at(note: &str, target: &str) -> SectionKind {
    let analysis = ContextEngine::builtin().analyze(note);
    analysis.section_of(find_phrase(note, target).expect("target in test text").start)
}

#[test]
fn fixed_width_labels_are_headings() {
    let note = "ALLERGIES : NONE KNOWN.\nFAM HX    : BROTHER - ASTHMA.\n\
                EXAM......: PLAQUES ON NECK.\nSCORES    : BSA 15%";
    assert_eq!(section_at(note, "brother"), SectionKind::FamilyHistory);
    assert_eq!(section_at(note, "plaques"), SectionKind::Exam);
    assert!(context(note, "BSA 15%").is_current_fact(), "no allergy default reaches it");
    // A short phrase padded to its colon is still the whole heading.
    assert_eq!(section_at("CC        : ITCH.\nX", "itch"), SectionKind::Hpi);
    // An ellipsis inside prose is no fill.
    assert!(ContextEngine::builtin().analyze("and then...: nothing").sections().is_empty());
}

#[test]
fn framed_and_qualified_headings_alone_on_their_line() {
    let note = "=== Family History ===\nEczema in a cousin.\n*** PLAN ***\nStart dupilumab.";
    assert_eq!(section_at(note, "cousin"), SectionKind::FamilyHistory);
    assert_eq!(section_at(note, "start dupilumab"), SectionKind::AssessmentPlan);
    let note = "History of Present Illness (per mother)\nItchy rash for a year.\n\
                HPI - limited\nSleeps poorly.";
    assert_eq!(section_at(note, "itchy rash"), SectionKind::Hpi);
    assert_eq!(section_at(note, "sleeps"), SectionKind::Hpi);
    // A bullet is no frame, and a sentence is no qualifier.
    let note =
        "FAMILY HISTORY\nEczema.\n- Skin\nPlan is to see her - not today, maybe next year\nX";
    assert_eq!(section_at(note, "skin"), SectionKind::FamilyHistory);
    assert_eq!(section_at(note, "maybe"), SectionKind::FamilyHistory);
    // A trigger after a dash qualifier still counts.
    assert!(context("Skin - no rash\nX", "rash").negated.is_some());
}

#[test]
fn an_inline_label_section_ends_at_the_paragraph_or_the_next_label() {
    let note = "Family history: sister with asthma.\nOn inspection: eczema of the neck.";
    assert_eq!(section_at(note, "sister"), SectionKind::FamilyHistory);
    assert!(context(note, "eczema").is_current_fact());
    let note = "Family history: asthma in a sister\nand eczema.\n\nEczema of the hands.";
    assert!(context(note, "and eczema").family.is_some(), "a wrapped line goes on");
    assert!(context(note, "of the hands").is_current_fact());
    let note = "Allergies: none.\nShe keeps flaring on her hands.";
    assert!(context(note, "flaring").is_current_fact(), "a new sentence on a new line");
    // A heading alone on its line keeps its block, labels and all.
    let note = "FAMILY HISTORY:\nMother: eczema.\nBrother - asthma and eczema.\nX";
    assert!(context(note, "asthma and eczema").family.is_some());
    // Lines indented under the label go on with it.
    let note = "PMH   : ASTHMA.\n        ALLERGY: PEANUT.\nFAM HX: ECZEMA\n        IN FATHER.";
    assert_eq!(section_at(note, "peanut"), SectionKind::PastHistory);
    assert_eq!(section_at(note, "in father"), SectionKind::FamilyHistory);
}

#[test]
fn a_capitalised_heading_with_qualifying_words_heads_its_indented_block() {
    for note in [
        "FAMILY HISTORY\n  Mother: asthma.\n\nOTHER MEDICAL HISTORY\n  Gout - allopurinol daily\n",
        "Family History\n  Mother: asthma.\n\nPertinent Past Medical History\n  Gout - allopurinol daily\n",
    ] {
        assert_eq!(section_at(note, "Gout"), SectionKind::PastHistory, "{note}");
    }
    // A block head the lexicon does not name ends the section before it.
    let note = "OTHER MEDICAL HISTORY\n  Gout - allopurinol daily\n\n\
                DRUG ASKED FOR\n  Adbry 150 mg/mL syringe, started today\n";
    assert_ne!(section_at(note, "Adbry"), SectionKind::PastHistory);
    assert!(context(note, "Adbry").is_current_fact());
    // A capitalised line over text at its own indent is no heading, nor
    // one with more than two words before the phrase.
    for note in [
        "FAMILY HISTORY\n  Mother: asthma.\n\nNO KNOWN MEDICAL HISTORY\nGout - allopurinol daily\n",
        "FAMILY HISTORY\n  Mother: asthma.\n\nNOT MUCH ELSE MEDICAL HISTORY\n  Gout - allopurinol daily\n",
    ] {
        assert_ne!(section_at(note, "Gout"), SectionKind::PastHistory, "{note}");
    }
}

#[test]
fn a_bracketed_banner_holds_an_earlier_visit_up_to_its_end_marker() {
    let note =
        "SUBJECTIVE\n[Pasted from the encounter of 2/2024]\nHPI: flares resolved on cream.\n\
                Exam: BSA 40%.\n\nPlan: start dupilumab.\n[End of pasted note]\n\
                She keeps flaring; BSA 12% today.";
    assert_eq!(section_at(note, "flares resolved"), SectionKind::PriorVisit);
    assert_eq!(section_at(note, "BSA 40%"), SectionKind::PriorVisit);
    assert!(context(note, "start dupilumab").historical.is_some(), "whatever labels it holds");
    assert!(context(note, "keeps flaring").is_current_fact());
    assert_eq!(section_at(note, "keeps flaring"), SectionKind::Hpi, "SUBJECTIVE goes on");
    let cause = context(note, "BSA 40%").historical.unwrap();
    assert_eq!(cause.phrase, "pasted from");
}

#[test]
fn a_framed_banner_runs_to_the_heading_of_today() {
    let note =
        "=== Earlier note, for reference ===\nAssessment: IGA 4.\nPlan: start tralokinumab.\n\n\
                Interval events: none.\n=== Today ===\nIGA 2.\nPlan: continue cream.";
    assert!(context(note, "IGA 4").historical.is_some());
    assert!(context(note, "start tralokinumab").historical.is_some());
    assert!(context(note, "IGA 2").is_current_fact());
    assert!(context(note, "continue cream").is_current_fact());
    // A heading of today after a banner heading with no end marker.
    let note = "Interval history from last visit:\nBSA 30%, plan to start Adbry.\n\
                Assessment today: BSA 8%.";
    assert!(context(note, "BSA 30%").historical.is_some());
    assert!(context(note, "BSA 8%").is_current_fact());
}

#[test]
fn copied_text_in_brackets_ends_with_them() {
    let note = "Exam: BSA 22%. [Copied from 3/2024 visit: BSA 40%, IGA 4.] IGA 3 now.\n\
                (For reference, clinic 11/2025: EASI 30.)\nEASI 18.";
    assert!(context(note, "BSA 40%").historical.is_none(), "not at the start of its line");
    let note = "[Copied from 3/2024 visit: BSA 40%,\n IGA 4.]\nToday IGA 3.\n\
                (For reference, clinic 11/2025: EASI 30.)\nEASI 18.";
    assert!(context(note, "BSA 40%").historical.is_some());
    assert!(context(note, "IGA 4").historical.is_some());
    assert!(context(note, "IGA 3").is_current_fact());
    assert!(context(note, "EASI 30").historical.is_some());
    assert!(context(note, "EASI 18").is_current_fact());
}

#[test]
fn unmarked_copied_text_ends_with_its_quoted_lines_or_paragraph() {
    let note = "[Copied forward from my note of 1/2025]\n> Hands fissured, BSA 15%.\n\
                > Start cream.\nHands now clear.";
    assert!(context(note, "BSA 15%").historical.is_some());
    assert!(context(note, "hands now clear").is_current_fact());
    let note = "*** Carried over from 2023 visit ***\nBSA 25%.\nIGA 4.\n\nBSA 6% on exam.";
    assert!(context(note, "IGA 4").historical.is_some());
    assert!(context(note, "BSA 6%").is_current_fact());
}

#[test]
fn a_banner_in_brackets_inside_a_label_holds_what_the_label_opens() {
    let note =
        "Exam (copied forward from the 3/2025 visit, unchanged):\n  Fissured palms, BSA 30%.\n\n\
                Today: palms healed, BSA 3%.";
    assert!(context(note, "BSA 30%").historical.is_some());
    assert!(context(note, "BSA 3%").is_current_fact());
    let note = "HPI from intake 01/2025 (carried over):\n| IGA 4, face involved.\nIGA 2 now.";
    assert!(context(note, "IGA 4").historical.is_some());
    assert!(context(note, "IGA 2").is_current_fact());
    // Text after the colon on the line is prose with an aside; a label
    // before the brackets makes them an aside in its text.
    for note in [
        "She brought photos (copied forward to the chart): IGA 4.\nIGA 2 now.",
        "Exam: dry skin (carried over from winter): IGA 4.\nIGA 2 now.",
    ] {
        assert!(context(note, "IGA 4").historical.is_none(), "{note}");
    }
}

#[test]
fn a_line_leading_into_a_quoted_earlier_note_opens_copied_text() {
    let note = "Seen with her father today.\n\
                Excerpt of the consult of 02/2025 by Dr. Moss, for reference:\n\
                \x20 \"Palms fissured, IGA 4. Begin tralokinumab 600 mg, then 300 mg.\"\n\n\
                Palms healed; IGA 1 today.";
    assert!(context(note, "IGA 4").historical.is_some());
    assert!(context(note, "Begin tralokinumab").historical.is_some());
    assert!(context(note, "IGA 1").is_current_fact());
    let note = "As written in the previous note:\n> BSA 20%.\nBSA 5% now.";
    assert!(context(note, "BSA 20%").historical.is_some());
    assert!(context(note, "BSA 5%").is_current_fact());
    // A banner phrase run over a line break is read without a fault.
    let note = "Seen today, unlike the prior\nnote:\n\"BSA 10%\" today.";
    let _ = context(note, "BSA 10%");
    // A quotation under a line with no banner phrase is today's.
    let note = "Her mother told us at the visit:\n\"It itches all night.\" BSA 10%.";
    assert!(context(note, "BSA 10%").is_current_fact());
}

#[test]
fn a_banner_phrase_in_prose_opens_nothing() {
    for note in [
        "The eruption was copied from a photo she took.\nBSA 10%.",
        "We reviewed it at the last visit.\nBSA 10% now.",
        "Last visit we increased the cream\nBSA 10%.",
    ] {
        assert_ne!(section_at(note, "BSA 10%"), SectionKind::PriorVisit, "{note}");
    }
}

#[test]
fn of_several_dated_visits_only_the_latest_is_current() {
    let export = "VISIT NOTE\nDate of service: 01/09/2025\nBSA 30%. Plan: start dupilumab.\n\n\
                  VISIT NOTE\nDate of service: 06/12/2025\nBSA 4%. Continue dupilumab.";
    assert!(context(export, "BSA 30%").historical.is_some());
    assert!(context(export, "start dupilumab").historical.is_some());
    assert!(context(export, "BSA 4%").is_current_fact());
    // Newest first.
    let export = "DOS: 06/12/2025\nBSA 4%.\n\nDOS: 01/09/2025\nBSA 30%.";
    assert!(context(export, "BSA 4%").is_current_fact());
    assert!(context(export, "BSA 30%").historical.is_some());
    // A counted visit's date after blanks or the count's bracket.
    for export in [
        "ENCOUNTER 1 of 2    01/09/2025  Clinic\nBSA 30%.\n\nENCOUNTER 2 of 2    06/12/2025  Clinic\nBSA 4%.",
        "[Encounter 1 of 2]  01/09/2025\nBSA 30%.\n\n[Encounter 2 of 2]  06/12/2025\nBSA 4%.",
        // Alone on its line, its date on the header line under it.
        "--------\nVISIT 1 of 2\nDate: 01/09/2025   Provider: A. Lee, MD\n--------\nBSA 30%.\n\n\
         --------\nVISIT 2 of 2\nDate: 06/12/2025   Provider: A. Lee, MD\n--------\nBSA 4%.",
        "Encounter 1 of 2\n=====\nDate of service: 01/09/2025\nBSA 30%.\n\n\
         Encounter 2 of 2\n=====\nDate of service: 06/12/2025\nBSA 4%.",
        // An aside between the count and the date; newest first.
        "VISIT 2 OF 2 (CURRENT) - 06/12/2025 - Clinic\nBSA 4%.\n\n\
         VISIT 1 OF 2 (PREVIOUS) - 01/09/2025 - Clinic\nBSA 30%.",
        // Office notes quoted in a letter, dated with the month's name.
        "Office note, January 9, 2025 (Dr. Lee):\nBSA 30%.\n\n\
         Office note, June 12, 2025 (Dr. Lee):\nBSA 4%.",
        // A label in capitals parted from the date's label by a dash.
        "DATE OF SERVICE: 01/09/2025\nBSA 30%.\n\n\
         FOLLOW-UP - DATE OF SERVICE: 06/12/2025   (appended)\nBSA 4%.",
    ] {
        assert!(context(export, "BSA 30%").historical.is_some(), "{export}");
        assert!(context(export, "BSA 4%").is_current_fact(), "{export}");
    }
    // A visit label in a column of a header line dates its visit.
    let columns = "Patient: A. Lee   DOB 02/03/2017   Visit: 01/20/2026\nBSA 40%.\n\n\
                   Patient: A. Lee   DOB 02/03/2017   Visit: 05/05/2026\nBSA 25%.";
    assert!(context(columns, "BSA 40%").historical.is_some());
    assert!(context(columns, "BSA 25%").is_current_fact());
    let prose = "Seen for a visit: 01/20/2026 went well.\nBSA 40%.\n\nVisit: 05/05/2026\nBSA 25%.";
    assert!(context(prose, "BSA 40%").is_current_fact(), "a label inside prose");
    // An uncounted visit word before a date is prose, not a visit's label.
    let prose = "Visit 01/09/2025 was missed.\nBSA 30%.\n\nVisit 06/12/2025 kept.\nBSA 4%.";
    assert!(context(prose, "BSA 30%").is_current_fact());
    // One visit's date on every page is one visit.
    let pages = "Date of service: 06/12/2025\nBSA 4%.\n\nDate of service: 06/12/2025\nIGA 2.";
    assert!(context(pages, "BSA 4%").is_current_fact());
    // A line under a lone count that is no date label dates nothing.
    let prose = "Encounter 1 of 2\nSeen on 01/09/2025 with her father.\nBSA 30%.\n\n\
                 Encounter 2 of 2\nSeen on 06/12/2025.\nBSA 4%.";
    assert!(context(prose, "BSA 30%").is_current_fact());
    // A date in a sentence is no visit label.
    let letter = "Visit date: 06/12/2025\nBSA 4%.\nHer last visit date: 01/09/2025 showed IGA 2.";
    assert!(context(letter, "BSA 4%").is_current_fact());
}

/// A dictation without punctuation, in the words of a speech recognizer.
const DICTATION: &str = "this is a follow up for a woman with eczema of the arms and legs since \
    childhood she denies fever or chills she has no asthma and no hay fever review of systems \
    otherwise negative medications cetirizine daily she could not get to the phototherapy \
    sessions because of her job and her sister gave her some tacrolimus to try exam today \
    I would estimate the body surface area at about 20 percent with plaques on the neck \
    plan we will start dupilumab and continue emollients counseled to call for eye pain \
    continue triamcinolone";

#[test]
fn run_on_dictation_splits_at_its_own_cues() {
    assert!(context(DICTATION, "chills").negated.is_some(), "within its clause");
    assert!(context(DICTATION, "hay fever").negated.is_some());
    for current in ["cetirizine", "body surface area", "neck", "start dupilumab"] {
        assert!(context(DICTATION, current).is_current_fact(), "{current}");
    }
    // No cue between "could not" and the drug: a short reach in run-on text.
    assert!(context(DICTATION, "phototherapy").negated.is_some());
    assert!(context(DICTATION, "tacrolimus").negated.is_none());
    assert!(context(DICTATION, "continue triamcinolone").hypothetical.is_none());
    // The same words with their punctuation read as before.
    let punctuated = "She could not get to the phototherapy sessions because of her job and her \
                      sister gave her some tacrolimus to try.";
    assert!(context(punctuated, "tacrolimus").negated.is_some());
}

#[test]
fn history_as_a_plain_noun_is_not_the_past() {
    let text = "Dupixent is requested given the medication history outlined above.";
    assert!(context(text, "dupixent").historical.is_none());
    assert!(context("Her eczema history is long.", "eczema").historical.is_some());
    let dictated = "history of present illness she is a 30 year old with eczema";
    assert!(context(dictated, "30 year old").historical.is_none());
    assert!(context("History of eczema in childhood.", "eczema").historical.is_some());
}

#[test]
fn a_negated_form_line_does_not_negate_the_next_line() {
    let form = "Ruxolitinib cream: never used\nFlaring every few weeks.\n\
                Photos: not taken\nItch NRS (past 3 days, worst): 6\n\
                \u{2013} Tacrolimus: no\n\u{2013} Eczema of the hands";
    assert!(context(form, "ruxolitinib cream").negated.is_some(), "its own line is negated");
    assert!(context(form, "flaring").negated.is_none());
    assert!(context(form, "itch NRS").negated.is_none());
    assert!(context(form, "eczema of the hands").negated.is_none());
    // A value that goes on, on the next line, is still negated there.
    let wrapped = "Exam: free of\nEczema today.\nTacrolimus: no\nimprovement.";
    assert!(context(wrapped, "eczema").negated.is_some());
    assert!(context("Photos: not taken Itch NRS 6", "itch").negated.is_some(), "one line");
}

#[test]
fn organization_names_are_capitalised_words_an_organization_word_ends_or_opens() {
    let text = "Lakeview Psoriasis Center\nDepartment of Dermatology\nNORTH VALE ECZEMA CLINIC\n\
                Seen at the psoriasis center. Psoriasis Center visits: 2.\nPsoriasis, Center";
    let analysis = ContextEngine::builtin().analyze(text);
    let named = |phrase: &str, nth: usize| {
        let start = text.match_indices(phrase).nth(nth).unwrap().0;
        analysis.in_organization_name(&(start..start + phrase.len()))
    };
    assert!(named("Psoriasis", 0));
    assert!(named("Dermatology", 0));
    assert!(named("ECZEMA", 0));
    assert!(!named("psoriasis", 0), "lower case: a description");
    assert!(named("Psoriasis", 1), "a name, wherever it stands");
    assert!(!named("Psoriasis", 2), "a comma parts the words");
}

#[test]
fn case_says_nothing_in_a_text_all_in_capitals() {
    let export = "HPI       : 41 YO F WITH ECZEMA, STARTED ON TRIAMCINOLONE (URGENT\n\
                  \x20           CARE): NO RESPONSE. WE ASKED TO ADD IT TO\n\
                  TACROLIMUS: NOT DONE.\nAD TX HX  : TACROLIMUS: NO\nIMPROVEMENT ON THE NECK.\n\
                  VITALS    : WT 60 KG";
    let analysis = ContextEngine::builtin().analyze(export);
    let kinds: Vec<SectionKind> = analysis.sections().iter().map(|s| s.kind).collect();
    // "CARE):" ends a bracket and "TACROLIMUS:" goes on from "TO": no
    // headings; "AD TX HX" and "VITALS" start their lines: headings.
    assert_eq!(kinds, [SectionKind::Hpi, SectionKind::Other, SectionKind::Exam]);
    assert!(context(export, "NO RESPONSE").negated.is_none());
    let neck = find_phrase(export, "NECK").unwrap().start;
    let sentence = &export[analysis.sentence_of(neck)];
    assert!(sentence.contains("TACROLIMUS: NO"), "'NO\\nIMPROVEMENT' is one phrase: {sentence:?}");
    // Mixed case keeps reading case: a capitalised line after an answer
    // starts anew.
    assert!(context("Tacrolimus: no\nEczema of the neck.", "neck").negated.is_none());
}

#[test]
fn analysis_finds_phrases_as_find_phrase_does() {
    let text = "Chest x-ray NEGATIVE   for\n pneumonia; no rash.";
    let analysis = ContextEngine::builtin().analyze(text);
    for phrase in ["negative for pneumonia", " Pneumonia ", "no rash.", "chest", "x-ray negative"] {
        assert_eq!(analysis.find(phrase), find_phrase(text, phrase), "{phrase}");
    }
    assert_eq!(analysis.find("eczema"), None);
    assert_eq!(analysis.find("  "), None);
}

#[test]
fn the_shipped_lexicon_compiles() {
    assert!(ContextEngine::from_lexicon(BUILTIN_LEXICON).is_ok());
}

proptest::proptest! {
    #[test]
    fn any_text_and_span_get_an_answer(
        text in "(no|denies|history of|if|mother|but|\\(|\\)|FAMILY HISTORY:|  Plan:|\\n|- |[a-z]{1,6}| |\\.|;|é){0,30}",
        start in 0usize..400,
        len in 0usize..50,
    ) {
        let analysis = ContextEngine::builtin().analyze(&text);
        let context = analysis.context_of(start..start + len);
        for axis in Axis::ALL {
            if let Some(hit) = context.get(axis) {
                proptest::prop_assert!(text.get(hit.span.clone()).is_some());
            }
        }
        // A reversed span must not panic either.
        let reversed = analysis.context_of(start + len..start);
        if start >= text.len() {
            proptest::prop_assert_eq!(reversed, analysis.context_of(text.len()..text.len()));
        }
    }
}

/// The walk's choice for one class, by brute force: every place where a
/// phrase of the class occurs on word boundaries, then at the first start
/// the longest, and on after it.
fn chosen_by_search(bytes: &[u8], phrases: &[(&str, u32)]) -> Vec<(usize, usize, String)> {
    let mut found: Vec<(usize, usize, String)> = Vec::new();
    for start in 0..bytes.len() {
        for (phrase, _) in phrases {
            let end = start + phrase.len();
            if bytes.get(start..end) == Some(phrase.as_bytes())
                && phrases::on_word_boundaries(bytes, start..end, false)
            {
                found.push((start, end, phrase.to_string()));
            }
        }
    }
    found.sort_by_key(|(s, e, _)| (*s, std::cmp::Reverse(*e)));
    let mut chosen = Vec::new();
    let mut free = 0;
    for (s, e, p) in found {
        if s >= free {
            free = e;
            chosen.push((s, e, p));
        }
    }
    chosen
}

proptest::proptest! {
    /// The one walk chooses the context lexicon's phrases as a search for
    /// each place and phrase would: leftmost, then longest, of those on
    /// word boundaries; one that runs into a longer word hides nothing.
    #[test]
    fn the_walk_chooses_trigger_phrases_as_a_search_does(
        text in "(no|not|nor|denies|history of|family history|negative for|no increase|no increased|if|mother|mothers|plan|a/p|\\(|-|\\?|[a-z]{1,5}| |\\.|é){0,24}",
    ) {
        let engine = ContextEngine::builtin();
        let folded = Folded::new(&text, fold::NOTE);
        let walked = engine.phrases.walk(&folded, true);
        let got: Vec<(usize, usize, String)> = walked
            .context
            .iter()
            .map(|f| (f.start as usize, f.end as usize, String::from_utf8_lossy(&folded.bytes()[f.start as usize..f.end as usize]).into_owned()))
            .collect();
        let phrases: Vec<(&str, u32)> = engine
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| !matches!(e.role, Role::Heading(..) | Role::Banner(_) | Role::Clause { .. } | Role::Organization(_)))
            .map(|(i, e)| (e.phrase.as_str(), i as u32))
            .collect();
        proptest::prop_assert_eq!(got, chosen_by_search(folded.bytes(), &phrases));
    }
}

#[test]
fn a_longer_phrase_that_runs_into_a_word_hides_no_trigger() {
    // "no increase" runs into "increased": "no" still negates.
    assert!(context("There was no increased itch.", "itch").negated.is_some());
    assert!(context("There was no increase in itch.", "itch").negated.is_none());
}

#[test]
fn terms_are_found_in_the_same_walk_in_the_case_they_allow() {
    let any = |digit| Spelling { cased: None, digit_before_ok: digit };
    let exact = |s: &str| Spelling { cased: Some(s.to_string()), digit_before_ok: false };
    let terms = vec![
        Term { phrase: "triamcinolone".into(), spellings: vec![any(false)] },
        Term { phrase: "triamcinolone cream".into(), spellings: vec![any(false)] },
        Term { phrase: "ad".into(), spellings: vec![exact("AD")] },
        Term { phrase: "yo".into(), spellings: vec![any(true)] },
        // A phrase the lexicon has too: both find it.
        Term { phrase: "no".into(), spellings: vec![any(false)] },
    ];
    let engine = ContextEngine::with_terms(BUILTIN_LEXICON, terms).unwrap();
    let text = "34yo had AD. Failed Triamcinolone creams; no ad.";
    let analysis = engine.analyze(text);
    let found: Vec<&str> = analysis.terms().iter().map(|t| &text[t.span.clone()]).collect();
    assert_eq!(found, ["yo", "AD", "Triamcinolone", "no"]);
    assert!(analysis.terms()[0].after_digit);
    let last = text.rfind("ad.").unwrap();
    assert!(analysis.context_of(last..last + 2).negated.is_some(), "'no' is still a trigger");
    assert!(ContextEngine::with_terms(
        BUILTIN_LEXICON,
        vec![Term { phrase: "x".into(), spellings: vec![] }]
    )
    .is_err());
}

#[test]
fn one_letter_headings_are_headings_only_alone() {
    let analysis = ContextEngine::builtin().analyze("S: itchy.\nP: start dupilumab.\nA plan: x");
    let kinds: Vec<SectionKind> = analysis.sections().iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [SectionKind::Hpi, SectionKind::AssessmentPlan]);
    let alone = ContextEngine::builtin().analyze("O\nBSA 10%\nA/P\nstart");
    let kinds: Vec<SectionKind> = alone.sections().iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [SectionKind::Exam, SectionKind::AssessmentPlan]);
}

/// The scope rule as it read before the sweep, one target at a time: the
/// nearest trigger before the target pointing forward, else the nearest
/// after it pointing back, unless a terminator of the axis comes first.
/// The sweep must answer every target exactly as this does.
mod one_at_a_time {
    use super::*;

    pub(super) fn reached(analysis: &Analysis, target: Range<usize>) -> [Option<usize>; 5] {
        let len = analysis.text.len();
        let target = target.start.min(len)..target.end.min(len).max(target.start.min(len));
        let last = target.end.max(target.start + 1) - 1;
        let sentence = analysis.sentence_of(target.start).start..analysis.sentence_of(last).end;
        let hits = &analysis.hits;
        let from = hits.partition_point(|h| h.span.start < sentence.start);
        let to = hits.partition_point(|h| h.span.start < sentence.end);
        let mut found = [None; 5];
        for axis in Axis::ALL {
            found[axis.index()] = trigger_for(analysis, from, to, &target, axis);
        }
        found
    }

    fn trigger_for(
        analysis: &Analysis,
        from: usize,
        to: usize,
        target: &Range<usize>,
        axis: Axis,
    ) -> Option<usize> {
        let text = analysis.text.as_bytes();
        let hits = &analysis.hits;
        let before = from + hits[from..to].partition_point(|h| h.span.start < target.start);
        let preceding = (from..before).rev().filter(|&i| hits[i].span.end <= target.start);
        let reaches_forward = |i: usize| !closes_parenthesis(&text[hits[i].span.end..target.start]);
        if let Some(i) = nearest(analysis, preceding, axis, Direction::Forward, reaches_forward) {
            return Some(i);
        }
        let after = from + hits[from..to].partition_point(|h| h.span.start < target.end);
        let reaches_backward = |i: usize| {
            let between = &text[target.end..hits[i].span.start];
            !opens_parenthesis(between) && words_in(between) <= 6
        };
        nearest(analysis, after..to, axis, Direction::Backward, reaches_backward)
    }

    fn closes_parenthesis(between: &[u8]) -> bool {
        let mut depth = 0i32;
        for &b in between {
            match b {
                b'(' => depth += 1,
                b')' if depth == 0 => return true,
                b')' => depth -= 1,
                _ => {}
            }
        }
        false
    }

    fn opens_parenthesis(between: &[u8]) -> bool {
        let mut depth = 0i32;
        for &b in between {
            match b {
                b'(' => depth += 1,
                b')' => depth = (depth - 1).max(0),
                _ => {}
            }
        }
        depth > 0
    }

    fn nearest(
        analysis: &Analysis,
        walk: impl Iterator<Item = usize>,
        axis: Axis,
        towards: Direction,
        reaches: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        for i in walk {
            match analysis.engine.role(analysis.hits[i].entry) {
                Role::Terminate(None) => return None,
                Role::Terminate(Some(ended)) if ended == axis => return None,
                Role::Trigger(a, direction)
                    if a == axis
                        && (direction == towards || direction == Direction::Both)
                        && reaches(i) =>
                {
                    return Some(i);
                }
                _ => {}
            }
        }
        None
    }

    fn words_in(between: &[u8]) -> usize {
        between
            .split(|b| b.is_ascii_whitespace())
            .filter(|w| w.iter().any(u8::is_ascii_alphanumeric))
            .count()
    }
}

proptest::proptest! {
    /// All targets of a text answered at once agree with each answered
    /// alone by the walk the sweep replaced, brackets, terminators,
    /// sentence ends and overlapping targets included.
    #[test]
    fn the_sweep_answers_as_one_target_at_a_time(
        text in "(no|not|denies|without|free of|history of|previously|if|consider|mother|but|however|now|\\(|\\)|is negative|ruled out|Plan:|FAMILY HISTORY:|\\n|- |[a-z]{1,6}| |\\.|;|é){0,40}",
        targets in proptest::collection::vec((0usize..300, 0usize..40), 0..12),
    ) {
        let analysis = ContextEngine::builtin().analyze(&text);
        let spans: Vec<Range<usize>> = targets.iter().map(|&(s, l)| s..s + l).collect();
        let scopes = analysis.scopes(&spans);
        for (span, scope) in spans.iter().zip(&scopes) {
            let expected = one_at_a_time::reached(&analysis, span.clone());
            for axis in Axis::ALL {
                let got = match scope.get(axis) {
                    Some(Cause::Trigger(hit)) => Some(hit as usize),
                    _ => None,
                };
                proptest::prop_assert_eq!(got, expected[axis.index()], "{:?} {:?}", span, axis);
            }
        }
    }
}

/// Every line of the shipped lexicon does what it says in its example
/// sentence (lexicons/context.tsv: an `#example:` template or a line's own
/// `e.g.` field).
#[test]
fn every_lexicon_line_does_what_it_says_in_its_example() {
    let failures = ContextEngine::builtin().example_failures();
    assert!(failures.is_empty(), "{} lines:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn section_kinds_round_trip_through_their_names() {
    for kind in SectionKind::ALL {
        assert_eq!(SectionKind::from_name(kind.name()), Some(kind));
    }
    assert_eq!(SectionKind::from_name("assessment"), None);
}

#[test]
fn a_banner_in_a_headings_bracket_opens_copied_text() {
    let note = "Reason for visit: follow-up.\n\nHistory (carried forward from 03/02/2024, not edited):\n  \
                \"Widespread eczema, BSA 30%. Plan: begin Adbry.\"\n\nToday: skin clear, BSA 2%.\n";
    assert!(context(note, "BSA 30%").historical.is_some());
    assert!(context(note, "begin Adbry").historical.is_some());
    assert!(context(note, "BSA 2%").is_current_fact());
    let note = "Subjective from the intake visit 03/02/2024 (copied forward, not updated):\n\
                | Itchy rash of the hands, BSA 25%.\n| Plan: begin Adbry.\n\nSkin much better today.";
    assert!(context(note, "BSA 25%").historical.is_some());
    assert!(context(note, "skin much better").is_current_fact());
}

#[test]
fn a_banner_in_a_headings_bracket_that_wraps_opens_copied_text() {
    let note = "EXAM\nDeferred (video).\n\nBASELINE (quoted from our letter dated 05/12/2025,\n\
                J. Whitcombe, MD):\n   \"EASI 29, BSA 35%. We request approval of dupilumab.\"\n\n\
                PLAN\nContinue Dupixent.\n";
    assert!(context(note, "BSA 35%").historical.is_some());
    assert!(context(note, "request approval").historical.is_some());
    assert!(context(note, "Continue Dupixent").is_current_fact());
    // An aside that closes on its own line and a phrase that runs over
    // the break read as before.
    let note = "Plan (quoted from\nthe chart) reviewed.\nBSA 35%.\n";
    assert!(context(note, "BSA 35%").is_current_fact());
}

#[test]
fn a_field_code_in_brackets_before_a_banner_phrase_is_no_frame() {
    // Found by a blind round: the bracket closes before the phrase, which
    // once indexed a reversed range.
    let text = "[NT.01] CLINICAL NOTE (copied from 01/14/2026 progress note, RKO):\nBSA 12%.\n";
    assert!(axes(text, "BSA 12%").is_empty());
}
