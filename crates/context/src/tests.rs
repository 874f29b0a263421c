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
    ] {
        assert!(context(text, target).family.is_none(), "{text}");
    }
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

/// What `whole_heading_phrase` must equal: the first heading phrase within
/// the range, kept only when it spans all of it.
fn whole_by_search(engine: &ContextEngine, text: &str) -> Option<(SectionKind, Option<Axis>, u32)> {
    let hit =
        engine.heading_phrase(text, 0..text.len()).filter(|hit| hit.span == (0..text.len()))?;
    Some((hit.kind, hit.default, hit.entry))
}

#[test]
fn a_whole_line_heading_is_found_as_a_search_finds_it() {
    let engine = ContextEngine::builtin();
    let mut lines: Vec<String> = Vec::new();
    for entry in engine.entries.iter().filter(|e| is_heading(&e.role)) {
        let phrase = entry.phrase.as_str();
        for line in [
            phrase.to_string(),
            phrase.to_ascii_uppercase(),
            format!("{phrase}s"),
            format!("{phrase} x"),
            format!("x {phrase}"),
            phrase[..phrase.len() - 1].to_string(),
        ] {
            lines.push(line);
        }
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/notes");
    for note in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let note = std::fs::read_to_string(note.path()).unwrap_or_default();
        lines.extend(note.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from));
    }
    assert!(lines.len() > 300);
    for line in &lines {
        let anchored = engine.whole_heading_phrase(line, 0..line.len());
        let anchored = anchored.map(|hit| (hit.kind, hit.default, hit.entry));
        assert_eq!(anchored, whole_by_search(engine, line), "{line:?}");
    }
}

proptest::proptest! {
    #[test]
    fn whole_line_headings_agree_with_a_search(
        line in "(family|history|assessment|and|plan|a/p|s|hpi|exam|medications|ros|[a-z]{1,4}|[A-Z]{1,3}| |/|:|-){1,8}",
    ) {
        let engine = ContextEngine::builtin();
        let anchored = engine.whole_heading_phrase(&line, 0..line.len());
        let anchored = anchored.map(|hit| (hit.kind, hit.default, hit.entry));
        proptest::prop_assert_eq!(anchored, whole_by_search(engine, &line));
    }
}

/// The phrases of one set, as `PhraseSet::build` compiles them.
fn phrases_of(engine: &ContextEngine, headings: bool) -> Vec<&str> {
    let mut phrases: Vec<&str> = engine
        .entries
        .iter()
        .filter(|e| is_heading(&e.role) == headings)
        .map(|e| e.phrase.as_str())
        .collect();
    phrases.dedup();
    phrases
}

proptest::proptest! {
    /// The engine's own walk of the DFA finds what `AhoCorasick::find` finds.
    #[test]
    fn the_dfa_walk_finds_what_aho_corasick_finds(
        text in "(no|not|denies|history of|family history|negative for|if|mother|plan|a/p|\\(|-|\\?|[a-zA-Z]{1,5}| |\\.|é){0,24}",
        from in 0usize..60,
    ) {
        let engine = ContextEngine::builtin();
        for (set, headings) in [(&engine.triggers, false), (&engine.headings, true)] {
            let reference = aho_corasick::AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .ascii_case_insensitive(headings)
                .start_kind(StartKind::Both)
                .build(phrases_of(engine, headings))
                .unwrap();
            let hay = text.as_bytes();
            let from = from.min(hay.len());
            let expected = reference
                .find(aho_corasick::Input::new(hay).span(from..hay.len()))
                .map(|m| (m.pattern().as_usize(), m.start()..m.end()));
            proptest::prop_assert_eq!(set.leftmost_longest(hay, from), expected);
            if headings {
                let anchored = reference
                    .find(aho_corasick::Input::new(hay).anchored(Anchored::Yes))
                    .map(|m| (m.pattern().as_usize(), m.end()));
                proptest::prop_assert_eq!(set.anchored_longest(hay), anchored);
            }
        }
    }
}

#[test]
fn section_kinds_round_trip_through_their_names() {
    for kind in SectionKind::ALL {
        assert_eq!(SectionKind::from_name(kind.name()), Some(kind));
    }
    assert_eq!(SectionKind::from_name("assessment"), None);
}
