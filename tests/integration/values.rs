//! Values end to end: the record of `necessity run` carries the note's date
//! with its evidence, keeps a value dated before the latest examination out
//! of the current measures (and `explain` says why), and pends a note whose
//! current values of one measure disagree.

use crate::run::records;
use crate::util::necessity;
use std::fs;

/// Runs `necessity run` over one note and returns its record.
fn record_of(note: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("note.txt"), note).unwrap();
    let output = necessity().arg("run").arg(dir.path()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    records(&output).remove(0)
}

const DATED: &str = "Dermatology visit\nDate of service: 03/02/2026\n\n\
    Atopic dermatitis since childhood. The outside records (2023) give BSA 35% and IGA 4.\n\
    Exam today: plaques on the flexures; BSA 12%, IGA 3.\n";

#[test]
fn the_record_carries_the_notes_date_and_only_todays_values() {
    let record = record_of(DATED);
    let facts = &record["facts"];
    assert_eq!(facts["note_date"], "2026-03-02");
    assert_eq!(facts["evidence"]["note_date"][0]["text"], "Date of service: 03/02/2026");
    assert_eq!(facts["measures"]["bsa_percent"], 12.0);
    assert_eq!(facts["measures"]["iga"], 3.0);
    assert!(facts.get("caveats").is_none(), "{facts}");
}

#[test]
fn explain_says_why_an_old_value_is_not_current() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("note.txt");
    fs::write(&path, DATED).unwrap();
    let output = necessity().arg("explain").arg(&path).output().unwrap();
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(
        page.contains("'BSA 35%' (offset 114), as a current value: dated before the latest examination ('records')"),
        "{page}"
    );
}

#[test]
fn current_values_that_disagree_pend_the_record() {
    let note = "Date: 02/02/2026\nAtopic dermatitis, severe, failed clobetasol and tacrolimus.\n\
                Exam today: BSA 8%. Assessment: BSA 25% today, IGA 4.\n\
                Plan: start Dupixent 600 mg then 300 mg every 2 weeks.\n";
    let record = record_of(note);
    assert_eq!(record["route"], "pend");
    let kinds: Vec<&str> = record["pend_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"measure_conflict"), "{kinds:?}");
}
