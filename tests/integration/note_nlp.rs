//! `necessity run --format note-nlp`: one OMOP NOTE_NLP row per evidence span
//! of every fact of the records `run` writes for the same notes.

use crate::run::records;
use crate::util::necessity;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/notes")
}

/// The NOTE_NLP rows of a CSV output, each as column name -> cell.
fn rows(csv_text: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|row| headers.iter().cloned().zip(row.unwrap().iter().map(String::from)).collect())
        .collect()
}

fn folded(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(250).collect()
}

/// (record id, offset, lexical variant, fact, value, outcome) of every evidence span of a record.
fn expected_rows(record: &Value) -> Vec<(String, u64, String, String, String, Option<String>)> {
    let id = record["id"].as_str().unwrap().to_string();
    let facts = &record["facts"];
    let mut expected = Vec::new();
    for (key, spans) in facts["evidence"].as_object().into_iter().flatten() {
        let mut value = facts;
        for part in key.split('.') {
            value = value.get(part).unwrap_or(&Value::Null);
        }
        let value = match value {
            Value::String(text) => text.clone(),
            Value::Number(n) => n.as_f64().unwrap().to_string(),
            Value::Bool(b) => b.to_string(),
            // An object (`dosing`, `time_on_therapy`): its row names each
            // member instead of one value.
            Value::Object(_) => String::new(),
            _ => key.rsplit('.').next().unwrap().to_string(),
        };
        for span in spans.as_array().unwrap() {
            let text = folded(span["text"].as_str().unwrap());
            let start = span["start"].as_u64().unwrap();
            expected.push((id.clone(), start, text, key.clone(), value.clone(), None));
        }
    }
    for treatment in facts["treatments"].as_array().into_iter().flatten() {
        let agent = treatment["agent"].as_str().unwrap().to_string();
        let outcome = treatment["outcome"].as_str().map(String::from);
        for span in treatment["evidence"].as_array().unwrap() {
            let text = folded(span["text"].as_str().unwrap());
            let start = span["start"].as_u64().unwrap();
            let fact = "treatments".to_string();
            expected.push((id.clone(), start, text, fact, agent.clone(), outcome.clone()));
        }
    }
    expected
}

#[test]
fn note_nlp_rows_are_the_records_facts() {
    let jsonl = necessity().args(["run", "-q"]).arg(corpus()).output().unwrap();
    assert_eq!(jsonl.status.code(), Some(0));
    let records = records(&jsonl);
    let out =
        necessity().args(["run", "-q", "--format", "note-nlp"]).arg(corpus()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = rows(&String::from_utf8(out.stdout).unwrap());

    let mut expected: Vec<_> = records.iter().flat_map(expected_rows).collect();
    let mut found: Vec<_> = rows
        .iter()
        .map(|row| {
            let modifiers: BTreeMap<&str, &str> =
                row["term_modifiers"].split(';').filter_map(|pair| pair.split_once('=')).collect();
            let fact = modifiers["fact"].to_string();
            let value = modifiers.get("value").copied().unwrap_or_default().to_string();
            let outcome = (fact == "treatments").then(|| modifiers["outcome"].to_string());
            let offset = row["offset"].parse().unwrap();
            (row["note_id"].clone(), offset, row["lexical_variant"].clone(), fact, value, outcome)
        })
        .collect();
    for rows in [&mut expected, &mut found] {
        rows.sort();
    }
    assert!(expected.len() > 1000, "the corpus has many facts ({})", expected.len());
    assert_eq!(found, expected);

    let numbers: Vec<u64> = rows.iter().map(|row| row["note_nlp_id"].parse().unwrap()).collect();
    assert_eq!(numbers, (1..=rows.len() as u64).collect::<Vec<_>>());
    for row in &rows {
        assert!(["Y", "N"].contains(&row["term_exists"].as_str()), "{row:?}");
        assert!(["present", "past"].contains(&row["term_temporal"].as_str()), "{row:?}");
        assert!(row["nlp_system"].starts_with("necessity "), "{row:?}");
        assert!(row["snippet"].contains(&row["lexical_variant"]), "{row:?}");
        assert!(row["snippet"].chars().count() <= 250);
    }
    // Extraction keeps current facts: nearly every row reads as existing now.
    let existing = rows.iter().filter(|row| row["term_exists"] == "Y").count();
    assert!(existing * 10 > rows.len() * 9, "{existing} of {} rows exist", rows.len());
}

#[test]
fn run_takes_a_lexicon_directory() {
    let lexicons = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("lexicons");
    let shipped = necessity().args(["run", "-q"]).arg(corpus()).output().unwrap();
    let loaded = necessity()
        .args(["run", "-q", "--lexicons"])
        .arg(&lexicons)
        .arg(corpus())
        .output()
        .unwrap();
    assert_eq!(loaded.status.code(), Some(0));
    assert_eq!(loaded.stdout, shipped.stdout, "the shipped files read from disk decide alike");
    let empty = tempfile::tempdir().unwrap();
    let out = necessity()
        .args(["run", "-q", "--lexicons"])
        .arg(empty.path())
        .arg(corpus())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no record before the lexicons load");
    assert!(String::from_utf8_lossy(&out.stderr).contains("drugs.tsv"));
}
