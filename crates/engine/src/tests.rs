use super::*;
use necessity_extract::extract_case;
use necessity_record::{Determination, Span};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn seed_note() -> String {
    std::fs::read_to_string(repo().join("corpus/notes/seed-dupixent-adult.txt")).unwrap()
}

#[test]
fn decide_is_extraction_then_evaluation() {
    let engine = Engine::new().unwrap();
    let text = seed_note();
    let record = engine.decide("seed.txt", &text);
    let facts = extract_case(&Lexicons::builtin(), &text);
    let evaluation = evaluate_policy(&PolicySet::default(), &facts);
    assert_eq!(record.id, "seed.txt");
    assert_eq!(record.status, Status::Ok);
    assert_eq!(record.determination, Some(evaluation.determination));
    assert_eq!(record.criteria, evaluation.criteria);
    assert_eq!(record.facts, Some(facts));
    assert_eq!(record.source.format, Some(Format::Text));
    assert_eq!(record.source.bytes, text.len() as u64);
    assert_eq!(record.source.sha256, Some(sha256_hex(text.as_bytes())));
    assert_eq!(record.determination, Some(Determination::MedicallyNecessary));
}

#[test]
fn a_source_given_is_kept_with_the_text_hash() {
    let engine = Engine::new().unwrap();
    let source = Source { format: Some(Format::Csv), bytes: 999, ..Source::default() };
    let record = engine.decide_with_source("notes.csv#7", "BSA 10%", source);
    assert_eq!(record.source.format, Some(Format::Csv));
    assert_eq!(record.source.bytes, 999);
    assert_eq!(record.source.sha256, Some(sha256_hex(b"BSA 10%")));
}

#[test]
fn blank_and_oversized_texts_are_error_records_without_text() {
    let engine = Engine::builder().max_doc_bytes(64).build().unwrap();
    let blank = engine.decide("blank", " \n\t ");
    assert_eq!(blank.status, Status::Error);
    assert_eq!(blank.error.as_ref().unwrap().kind, kind::EMPTY);
    assert!(blank.facts.is_none() && blank.source.sha256.is_none());
    let long = "Patient Jane Roe reports itch. ".repeat(10);
    let large = engine.decide("large", &long);
    assert_eq!(large.error.as_ref().unwrap().kind, kind::TOO_LARGE);
    assert!(!large.error.as_ref().unwrap().message.contains("Roe"));
    assert_eq!(engine.decide("ok", "BSA 10%").status, Status::Ok);
}

#[test]
fn a_batch_is_decided_in_input_order_on_the_engines_pool() {
    let engine = Engine::builder().threads(2).build().unwrap();
    let seed = seed_note();
    let notes: Vec<(String, String)> = (0..40)
        .map(|n| {
            let text = if n % 3 == 0 { seed.clone() } else { format!("Note {n}: BSA {n}%.") };
            (format!("note-{n}"), text)
        })
        .collect();
    let batch = engine.decide_batch(&notes);
    let one_by_one: Vec<Record> = notes.iter().map(|(id, text)| engine.decide(id, text)).collect();
    assert_eq!(batch, one_by_one);
    let on_pool = engine.install(|| rayon::current_thread_index().is_some());
    assert!(on_pool, "install runs on the engine's own pool");
}

#[test]
fn policies_come_from_names_files_and_toml_text() {
    let adbry = repo().join("policies/adbry-atopic-dermatitis.toml");
    let text = std::fs::read_to_string(&adbry).unwrap();
    let from_file = Engine::builder().policy_file(&adbry).build().unwrap();
    let from_text = Engine::builder().policy_toml(text.clone(), "adbry.toml").build().unwrap();
    let from_name = Engine::builder().policy("adbry-atopic-dermatitis").build().unwrap();
    let ids = |engine: &Engine| -> Vec<String> {
        engine.policies().policies().iter().map(|p| p.id.clone()).collect()
    };
    assert_eq!(ids(&from_file), ids(&from_name));
    assert_eq!(ids(&from_text), ids(&from_name));
    let both =
        Engine::builder().policies(["dupixent-atopic-dermatitis", "adbry-atopic-dermatitis"]);
    // dupixent-atopic-dermatitis brings its renewal policy.
    assert_eq!(both.build().unwrap().policies().policies().len(), 3);

    let broken = Engine::builder().policy_toml("[policy]\nid = = 1\n", "inline.toml").build();
    let error = broken.err().expect("malformed TOML fails");
    assert_eq!(error.kind(), "policy");
    assert!(error.to_string().starts_with("inline.toml:2:"), "{error}");
    let twice = Engine::builder().policy_toml(text, "a.toml").policy("adbry-atopic-dermatitis");
    assert!(twice.build().err().unwrap().to_string().contains("both cover"));
}

#[test]
fn lexicons_come_from_a_directory_or_fail_early() {
    let shipped = Engine::builder().lexicons_dir(repo().join("lexicons")).build().unwrap();
    let text = seed_note();
    assert_eq!(shipped.decide("a", &text), Engine::new().unwrap().decide("a", &text));

    let dir = tempfile::tempdir().unwrap();
    let missing = Engine::builder().lexicons_dir(dir.path()).build();
    assert_eq!(missing.err().expect("an empty directory fails").kind(), "lexicon");
    for name in necessity_extract::LEXICON_FILES {
        std::fs::copy(repo().join("lexicons").join(name), dir.path().join(name)).unwrap();
    }
    // A new brand spelling, written as a copy of the `dupixent` row.
    let drugs = dir.path().join("drugs.tsv");
    let table = std::fs::read_to_string(&drugs).unwrap();
    let row = table.lines().find(|line| line.starts_with("dupixent\t")).unwrap();
    std::fs::write(&drugs, format!("{table}\n{}\n", row.replacen("dupixent", "zupixent", 1)))
        .unwrap();
    let note = "Atopic dermatitis, BSA 20%. Plan: start Zupixent 300 mg every 2 weeks.";
    let requested = |engine: &Engine| engine.decide("z", note).facts.unwrap().requested_drug;
    assert_eq!(requested(&Engine::new().unwrap()), None);
    let extended = Engine::builder().lexicons_dir(dir.path()).build().unwrap();
    assert_eq!(requested(&extended).as_deref(), Some("dupilumab"));
}

#[test]
fn review_is_the_markdown_explain_prints() {
    let engine = Engine::new().unwrap();
    let review = engine.review("seed.txt", &seed_note());
    assert!(review.starts_with("# Medical necessity review"), "{review}");
    assert!(review.contains("**Determination: MEDICALLY NECESSARY"), "{review}");
    assert!(review.contains("- Note: `seed.txt`"));
}

#[test]
fn every_evidence_span_is_one_fact_mention() {
    let engine = Engine::new().unwrap();
    let text = seed_note();
    let record = engine.decide("seed.txt", &text);
    let mentions = engine.fact_mentions(&record, &text);
    let facts = record.facts.as_ref().unwrap();
    let spans: usize = facts.evidence.values().map(Vec::len).sum::<usize>()
        + facts.treatments.iter().map(|t| t.evidence.len()).sum::<usize>();
    assert_eq!(mentions.len(), spans);
    assert!(mentions.windows(2).all(|pair| pair[0].offset <= pair[1].offset));
    for treatment in &facts.treatments {
        for span in &treatment.evidence {
            let found = mentions
                .iter()
                .find(|m| {
                    let fact = format!("fact=treatments;value={};", treatment.agent);
                    m.offset == span.start
                        && m.lexical_variant == fold_white_space(&span.text)
                        && m.term_modifiers.starts_with(&fact)
                })
                .unwrap_or_else(|| panic!("no row for {} at {}", treatment.agent, span.start));
            let outcome = serde_json::to_value(treatment.outcome).unwrap();
            assert!(found
                .term_modifiers
                .contains(&format!("outcome={}", outcome.as_str().unwrap())));
            assert_eq!(found.lexical_variant, fold_white_space(&span.text));
            assert!(found.snippet.contains(&found.lexical_variant), "{found:?}");
        }
    }
    let bsa = mentions.iter().find(|m| m.term_modifiers.starts_with("fact=measures.bsa_percent;"));
    let bsa = bsa.expect("a BSA row");
    assert!(bsa.term_modifiers.contains("value=10;"), "{bsa:?}");
    assert!(bsa.term_exists);
    assert_eq!(bsa.note_id, "seed.txt");
    let error = engine.decide("blank", " ");
    assert!(engine.fact_mentions(&error, " ").is_empty());
}

fn fold_white_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn a_mention_takes_its_existence_and_time_from_the_context() {
    let engine = Engine::new().unwrap();
    let text =
        "SUBJECTIVE:\nItchy rash, BSA 10%.\n\nPAST MEDICAL HISTORY:\nNo hand involvement.\n\n\
                FAMILY HISTORY:\nMother has eczema.\n";
    let mut record = engine.decide("n", text);
    let span = |word: &str| {
        let start = text.find(word).unwrap();
        Span::of(text, start, start + word.len()).unwrap()
    };
    let mut evidence = BTreeMap::new();
    evidence.insert("measures.bsa_percent".to_string(), vec![span("BSA 10%")]);
    evidence.insert("high_impact_sites.hands".to_string(), vec![span("hand")]);
    evidence.insert("diagnosis".to_string(), vec![span("eczema")]);
    let facts = Facts { evidence, diagnosis: Some("atopic_dermatitis".into()), ..Facts::default() };
    record.facts = Some(facts);
    let mentions = engine.fact_mentions(&record, text);
    let read: Vec<(&str, bool, &str, &str)> = mentions
        .iter()
        .map(|m| (m.lexical_variant.as_str(), m.term_exists, m.term_temporal, m.section))
        .collect();
    assert_eq!(
        read,
        [
            ("BSA 10%", true, "present", "hpi"),
            ("hand", false, "past", "past_history"),
            ("eczema", false, "present", "family_history"),
        ]
    );
    assert_eq!(
        mentions[0].snippet, "SUBJECTIVE: Itchy rash, BSA 10%.",
        "the sentence as the context engine cuts it"
    );
    assert_eq!(mentions[0].term_modifiers, "fact=measures.bsa_percent;value=;section=hpi");
    assert_eq!(
        mentions[1].term_modifiers,
        "fact=high_impact_sites.hands;value=hands;section=past_history"
    );
    assert_eq!(
        mentions[2].term_modifiers,
        "fact=diagnosis;value=atopic_dermatitis;section=family_history"
    );
}

#[test]
fn a_negated_outcome_of_a_taken_drug_is_not_an_absent_drug() {
    let engine = Engine::new().unwrap();
    // "without" reaches forward past "improvement" to both drugs.
    let text = "She used mometasone cream for 10 weeks without adequate control, \
                and desonide and tacrolimus for 8 weeks.";
    let mut record = engine.decide("n", text);
    let treatment = |agent: &str, outcome: necessity_record::Outcome| {
        let start = text.find(agent).unwrap();
        necessity_record::Treatment {
            agent: agent.to_string(),
            class: necessity_record::TreatmentClass::TopicalCorticosteroid,
            potency: None,
            outcome,
            duration_days: None,
            last_used: None,
            stopped: false,
            evidence: vec![Span::of(text, start, start + agent.len()).unwrap()],
        }
    };
    use necessity_record::Outcome::{Failed, Mentioned};
    let treatments = vec![treatment("desonide", Failed), treatment("tacrolimus", Mentioned)];
    record.facts = Some(Facts { treatments, ..Facts::default() });
    let mentions = engine.fact_mentions(&record, text);
    let exists: Vec<(&str, bool)> =
        mentions.iter().map(|m| (m.lexical_variant.as_str(), m.term_exists)).collect();
    assert_eq!(exists, [("desonide", true), ("tacrolimus", false)]);
}

#[test]
fn quiet_scopes_end_even_when_their_work_panics() {
    let depth = || QUIET_DEPTH.with(Cell::get);
    assert_eq!(depth(), 0);
    let inner = with_quiet_panics(|| with_quiet_panics(depth));
    assert_eq!(inner, 2);
    let caught = panic::catch_unwind(|| with_quiet_panics(|| panic!("a note's words")));
    assert!(caught.is_err());
    assert_eq!(depth(), 0, "the scope closed while unwinding");
}

#[test]
fn request_caveats_pend_an_otherwise_approvable_record() {
    use necessity_record::{PendKind, Route};
    let engine = Engine::new().unwrap();
    let text = seed_note();
    assert_eq!(engine.decide("seed.txt", &text).route, Some(Route::Approve));
    let kinds = |note: &str| -> Vec<PendKind> {
        let record = engine.decide("n.txt", note);
        assert_eq!(record.route, Some(Route::Pend));
        record.pend_reasons.iter().map(|r| r.kind).collect()
    };
    let declined =
        format!("{text}\nAddendum: patient called back and has decided against Dupixent.");
    assert_eq!(kinds(&declined), [PendKind::RequestConflict]);
    let other =
        text.replace("Start Dupixent (dupilumab)", "Start Dupixent (dupilumab) for his asthma:");
    assert_eq!(kinds(&other), [PendKind::OtherIndication]);
    let form = format!("Request type: [x] New start\nDrug requested:  Adbry\n\n{text}");
    assert!(kinds(&form).contains(&PendKind::RequestMismatch));
    let blank = format!("Request type: [x] New start\nDiagnosis:  ________\n\n{text}");
    assert_eq!(kinds(&blank), [PendKind::PartialText]);
}

#[test]
fn drugs_named_but_never_given_approve_and_a_yes_to_combination_still_pends() {
    use necessity_record::{PendKind, Route};
    let engine = Engine::new().unwrap();
    let text = seed_note();
    let route = |note: &str| engine.decide("n.txt", note);
    // Options listed, a drug considered, a form's examples answered No: no
    // drug of the patient, so nothing is unclear and the seed case approves.
    let named = format!(
        "{text}\nAlternatives discussed included Adbry and Rinvoq.\n\
         Cibinqo was considered but not started.\n\
         Q4. Will the drug be used in combination with another biologic (e.g. Ebglyss,\n\
         \x20   Nemluvio) or an oral JAK inhibitor (e.g. Olumiant)?   [ ] Yes   [X] No\n"
    );
    assert_eq!(route(&named).route, Some(Route::Approve), "{:?}", route(&named).pend_reasons);
    // The same question answered Yes: another advanced drug may go on.
    let yes = named.replace("[ ] Yes   [X] No", "[X] Yes   [ ] No");
    let record = route(&yes);
    assert_eq!(record.route, Some(Route::Pend));
    let kinds: Vec<PendKind> = record.pend_reasons.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, [PendKind::ConcurrentUnclear]);
    // A drug the patient takes, named beside the options, is no option.
    let taking =
        named.replace("Cibinqo was", "He started Rinvoq 15 mg daily last month.\nCibinqo was");
    assert_eq!(route(&taking).route, Some(Route::Pend));
}

#[test]
fn a_patients_history_is_an_input_of_the_one_path_and_grows_with_each_note() {
    let engine = Engine::new().unwrap();
    let initial = "Atopic dermatitis, EASI 28, BSA 30%, IGA 4. Failed clobetasol 0.05% \
                   ointment and tacrolimus. Plan: start Dupixent 600 mg then 300 mg q2w.";
    let renewal = "Visit date: 11/20/2025. Atopic dermatitis. Continues Dupixent 300 mg every \
                   2 weeks, started 03/2025. EASI 6. Plan: continue Dupixent, reauthorization \
                   requested.";
    let mut history = PatientHistory::new();
    let source = || Source { format: Some(Format::Csv), ..Source::default() };
    let first = engine.decide_in_history("n#1", initial, source(), None, Some(&mut history));
    assert_eq!(history.len(), 1);
    let alone = engine.decide("n#2", renewal);
    let read = engine.decide_in_history("n#2", renewal, source(), None, Some(&mut history));
    assert_eq!(history.len(), 2);
    // The history changes the renewal's facts and its determination, nothing else.
    let (alone_facts, read_facts) = (alone.facts.unwrap(), read.facts.clone().unwrap());
    assert_eq!(alone_facts.measures_baseline.easi, None);
    assert_eq!(read_facts.measures_baseline.easi, Some(28.0));
    assert_eq!(alone_facts.measures, read_facts.measures);
    assert_eq!(alone.determination, Some(Determination::InsufficientDocumentation));
    assert_eq!(read.determination, Some(Determination::MedicallyNecessary));
    // The first note is the same record as read alone.
    let first_alone = engine.decide_with_source("n#1", initial, source());
    assert_eq!(first, first_alone);
    // NOTE_NLP rows are of the note's own words only.
    let mentions = engine.fact_mentions(&read, renewal);
    assert!(mentions.iter().all(|m| m.lexical_variant != "EASI 28"));
}

#[test]
fn a_patients_notes_are_decided_in_date_order_and_returned_in_input_order() {
    use crate::{patient_order, PatientNote};
    let engine = Engine::new().unwrap();
    let initial = "Atopic dermatitis, EASI 28, BSA 30%, IGA 4. Failed clobetasol 0.05% \
                   ointment and tacrolimus. Plan: start Dupixent 600 mg then 300 mg q2w.";
    let renewal = "Atopic dermatitis. Continues Dupixent 300 mg every 2 weeks, started \
                   03/2025. EASI 6. Plan: continue Dupixent, reauthorization requested.";
    let undated = "Atopic dermatitis. Phone call about refills.";
    // Given later note first: the date column orders them.
    let notes = [
        PatientNote { id: "n#2", text: renewal, date: Some("2025-11-20") },
        PatientNote { id: "n#3", text: undated, date: None },
        PatientNote { id: "n#1", text: initial, date: Some("2025-03-02") },
    ];
    assert_eq!(patient_order(&notes.map(|n| n.date)), [2, 0, 1]);
    let records = engine.decide_patient(Some("p7"), &notes);
    let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["n#2", "n#3", "n#1"]);
    let renewal_facts = records[0].facts.clone().unwrap();
    assert_eq!(renewal_facts.measures_baseline.easi, Some(28.0));
    assert_eq!(records[0].determination, Some(Determination::MedicallyNecessary));
    assert_eq!(records[0].source.patient.as_deref(), Some("p7"));
    assert_eq!(records[0].source.date.as_deref(), Some("2025-11-20"));
    // The undated note is read alone, as `run` reads it.
    let source =
        Source { format: Some(Format::Text), bytes: undated.len() as u64, ..Source::default() };
    let alone =
        engine.decide_with_source("n#3", undated, Source { patient: Some("p7".into()), ..source });
    assert_eq!(records[1], alone);
    // Many patients at once give each patient's records, in input order.
    let both = engine.decide_patients(&[(Some("p7"), notes.to_vec()), (None, notes[..1].to_vec())]);
    assert_eq!(both[..3], records[..]);
    assert_eq!(both[3].facts.clone().unwrap().measures_baseline.easi, None);
}
