//! A patient's notes read together: `necessity run` over a CSV (and a JSON
//! Lines file) with patient and date columns reads one patient's notes in
//! date order, so a renewal without a baseline takes it from the note that
//! started the course, with evidence naming that note, and is decided on
//! it; records stay one per note, in input order; `--shard` never parts a
//! patient's notes.

use crate::util::necessity;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/longitudinal").join(name)
}

/// The records of `necessity run` over `input`, with `extra` arguments.
fn run(input: &Path, extra: &[&str]) -> Vec<Value> {
    let out = necessity().args(["run", "-q"]).args(extra).arg(input).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn by_id<'a>(records: &'a [Value], id: &str) -> &'a Value {
    records.iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("no record {id}"))
}

fn criterion<'a>(record: &'a Value, id: &str) -> &'a Value {
    let criteria = record["criteria"].as_array().unwrap();
    criteria.iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("no criterion {id}"))
}

/// The renewal `renewal` of patient P-1001 took its baseline from note
/// `initial`, dated before it but later in the file.
fn assert_baseline_from_earlier_note(records: &[Value], renewal: &str, initial: &str) {
    let record = by_id(records, renewal);
    assert_eq!(record["source"]["patient"], "P-1001");
    assert_eq!(record["source"]["date"], "2025-11-20");
    let facts = &record["facts"];
    assert_eq!(facts["continuation_of"], "dupilumab");
    assert_eq!(facts["measures_baseline"]["easi"], 28.0);
    assert_eq!(facts["measures"]["easi"], 6.0, "current measures are the note's own");
    assert_eq!(facts["measures"]["iga"], Value::Null, "an earlier current IGA is no current IGA");
    let evidence = &facts["evidence"]["measures_baseline.easi"][0];
    assert_eq!(evidence["note_id"], initial);
    assert_eq!(evidence["text"], "EASI 28");
    let response = criterion(record, "response");
    assert_eq!(response["status"], "met");
    assert!(response["reason"].as_str().unwrap().contains("EASI 28 -> 6 (-79 %)"));
    let cited: Vec<&Value> = response["evidence"].as_array().unwrap().iter().collect();
    assert!(cited.iter().any(|span| span["note_id"] == initial), "{cited:?}");
    assert!(cited.iter().any(|span| span.get("note_id").is_none()), "and the note's own words");
    assert_eq!(record["determination"], "medically_necessary");
    // The earlier note's failed topicals come along, naming it too.
    let treatments = facts["treatments"].as_array().unwrap();
    let clobetasol = treatments.iter().find(|t| t["agent"] == "clobetasol").unwrap();
    assert_eq!(clobetasol["outcome"], "failed");
    assert_eq!(clobetasol["evidence"][0]["note_id"], initial);
}

#[test]
fn a_renewal_takes_its_baseline_from_an_earlier_note_of_the_patient() {
    let records = run(&fixture("notes.csv"), &[]);
    let ids: Vec<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["notes.csv#r-200", "notes.csv#r-100", "notes.csv#r-300"], "input order");
    assert_baseline_from_earlier_note(&records, "notes.csv#r-200", "notes.csv#r-100");
    // The initial note is earlier in date: it takes nothing from the renewal.
    let initial = by_id(&records, "notes.csv#r-100");
    assert_eq!(initial["facts"].get("measures_baseline"), None);
    assert_eq!(initial["source"]["date"], "2025-03-10");
    // Another patient's renewal takes nothing from patient P-1001.
    let other = by_id(&records, "notes.csv#r-300");
    assert_eq!(other["source"]["patient"], "P-2002");
    assert_eq!(other["facts"].get("measures_baseline"), None);
    assert_eq!(criterion(other, "response")["status"], "not_documented");
    assert_eq!(other["determination"], "insufficient_documentation");
}

#[test]
fn without_the_patient_column_the_renewal_is_read_alone_and_decided_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let csv = fs::read_to_string(fixture("notes.csv")).unwrap();
    let anonymous = dir.path().join("notes.csv");
    fs::write(&anonymous, csv.replacen("patient_id", "clinic", 1)).unwrap();
    let records = run(&anonymous, &[]);
    let renewal = by_id(&records, "notes.csv#r-200");
    assert_eq!(renewal["source"].get("patient"), None);
    assert_eq!(renewal["facts"].get("measures_baseline"), None);
    assert_eq!(renewal["determination"], "insufficient_documentation");
    // Named on the command line, the column is read again.
    let records = run(&anonymous, &["--patient-column", "clinic", "--date-column", "note_date"]);
    assert_baseline_from_earlier_note(&records, "notes.csv#r-200", "notes.csv#r-100");
}

#[test]
fn a_json_lines_archive_with_patient_and_date_fields_reads_notes_together() {
    // Fields found by name: `MRN` and `chartdate`.
    let records = run(&fixture("notes.jsonl"), &[]);
    assert_eq!(records.len(), 3);
    assert_eq!(records[0]["id"], "notes.jsonl#r-200", "input order");
    assert_baseline_from_earlier_note(&records, "notes.jsonl#r-200", "notes.jsonl#r-100");
    assert_eq!(by_id(&records, "notes.jsonl#r-300")["determination"], "insufficient_documentation");
}

#[test]
fn a_named_patient_column_that_is_missing_is_one_error_record() {
    let out = necessity()
        .args(["run", "-q", "--patient-column", "nobody"])
        .arg(fixture("notes.csv"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let records: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["error"]["kind"], "missing_column");
}

/// An archive of 40 patients with 3 notes each, rows grouped by patient.
fn many_patients(dir: &Path) -> PathBuf {
    let mut csv = String::from("note_id,subject_id,chartdate,text\n");
    for patient in 1..=40 {
        for visit in 1..=3 {
            let id = patient * 10 + visit;
            csv.push_str(&format!(
                "{id},{patient},2025-0{visit}-15,\"Atopic dermatitis, BSA {visit}0%. Visit {visit}.\"\n"
            ));
        }
    }
    let path = dir.join("patients.csv");
    fs::write(&path, csv).unwrap();
    path
}

#[test]
fn shards_never_part_a_patients_notes() {
    let dir = tempfile::tempdir().unwrap();
    let archive = many_patients(dir.path());
    let count = 3;
    let mut shard_of: BTreeMap<String, usize> = BTreeMap::new();
    let mut total = 0;
    for k in 0..count {
        let records = run(&archive, &["--shard", &format!("{k}/{count}")]);
        assert!(!records.is_empty(), "shard {k} gets patients");
        total += records.len();
        for record in &records {
            let patient = record["source"]["patient"].as_str().unwrap().to_string();
            let first = *shard_of.entry(patient.clone()).or_insert(k);
            assert_eq!(first, k, "patient {patient} is in shards {first} and {k}");
        }
    }
    assert_eq!(total, 120, "every note once");
    assert_eq!(shard_of.len(), 40);
}

/// `necessity explain` of one note of the CSV, as Markdown.
fn explain(input: &Path, extra: &[&str]) -> String {
    let out = necessity().arg("explain").arg(input).args(extra).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn explain_reads_a_patients_earlier_notes_as_run_does() {
    // The review explains the record `run` writes: the renewal's baseline
    // comes from the earlier note and is quoted with that note's id.
    let review = explain(&fixture("notes.csv"), &["--id", "r-200"]);
    assert!(review.contains("EASI 28 -> 6 (-79 %)"), "{review}");
    assert!(review.contains("(note notes.csv#r-100, bytes"), "{review}");
    assert!(review.contains("MEDICALLY NECESSARY"), "{review}");
    // The earlier note itself is explained with nothing from the later one.
    let initial = explain(&fixture("notes.csv"), &["--row", "2"]);
    assert!(!initial.contains("(note notes.csv#"), "{initial}");
    // Another patient's renewal borrows nothing.
    let other = explain(&fixture("notes.csv"), &["--id", "r-300"]);
    assert!(!other.contains("(note notes.csv#"), "{other}");
    assert!(!other.contains("EASI 28"), "{other}");
}

#[test]
fn a_note_whose_text_gives_no_date_is_dated_by_its_date_column() {
    let dir = tempfile::tempdir().unwrap();
    let course = "Atopic dermatitis. She continues Dupixent 300 mg every 2 weeks, started \
                  02/2025. EASI 7, down from EASI 26 before Dupixent. Plan: continue \
                  Dupixent; reauthorization request sent to the plan.";
    let renewal = course;
    let dated = format!("Visit date: 06/02/2025\n{course}");
    let csv = format!(
        "note_id,note_date,text\nu,2025-12-01,\"{renewal}\"\nt,2025-12-01,\"{dated}\"\n\
         n,,\"{renewal}\"\n"
    );
    let path = dir.path().join("dates.csv");
    fs::write(&path, csv).unwrap();
    let records = run(&path, &[]);
    // The export's date counts the course: ten months by 2025-12-01.
    let undated = by_id(&records, "dates.csv#u");
    assert_eq!(undated["facts"]["note_date"], "2025-12-01");
    assert_eq!(undated["facts"]["evidence"].get("note_date"), None, "no words to quote");
    assert_eq!(criterion(undated, "time_on_therapy")["status"], "met");
    // The text's own date wins over the column's, and keeps its evidence.
    let own = by_id(&records, "dates.csv#t");
    assert_eq!(own["facts"]["note_date"], "2025-06-02");
    assert_eq!(own["facts"]["evidence"]["note_date"][0]["text"], "Visit date: 06/02/2025");
    // With neither, the length cannot be counted.
    let neither = by_id(&records, "dates.csv#n");
    assert_eq!(neither["facts"].get("note_date"), None);
    assert_eq!(criterion(neither, "time_on_therapy")["status"], "not_documented");
}
