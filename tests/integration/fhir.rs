//! FHIR input end to end: corpus notes base64-encoded into DocumentReference
//! resources (alone, in a Bundle, in Bulk Data NDJSON listed by a manifest)
//! must be decided exactly as the text notes are, with the patient and date
//! the resources name; a PDF attachment goes through the PDF worker.

use crate::run::{records, READABLE_PDF};
use crate::util::{necessity, shared_data};
use base64::Engine as _;
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Corpus notes of three outcomes: approved, a form, refused.
const NOTES: [&str; 3] =
    ["a-pa-form-complete.txt", "seed-dupixent-adult.txt", "a-letter-easi-low.txt"];

fn corpus_note(name: &str) -> Vec<u8> {
    fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/notes").join(name)).unwrap()
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A DocumentReference with one attachment, for patient `patient`.
fn document_reference(id: &str, patient: &str, content_type: &str, data: &[u8]) -> Value {
    json!({
        "resourceType": "DocumentReference",
        "id": id,
        "status": "current",
        "subject": {"reference": format!("Patient/{patient}")},
        "date": "2026-02-25T10:30:00-05:00",
        "content": [{"attachment": {"contentType": content_type, "data": base64(data)}}],
    })
}

fn run(inputs: &[&Path]) -> Output {
    necessity().args(["run", "--doc-timeout", "60"]).args(inputs).output().unwrap()
}

/// The record of each corpus note read as a text file.
fn text_records() -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = NOTES
        .iter()
        .map(|name| {
            let path = dir.path().join(name);
            fs::write(&path, corpus_note(name)).unwrap();
            path
        })
        .collect();
    let inputs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    records(&run(&inputs))
}

/// What must not change between a note read as text and read from FHIR.
fn decision(record: &Value) -> Value {
    json!([
        record["determination"],
        record["facts"],
        record["criteria"],
        record["source"]["sha256"]
    ])
}

fn check_against_text(records: &[Value], ids: &[String]) {
    let texts = text_records();
    assert_eq!(records.len(), NOTES.len());
    for ((record, text), id) in records.iter().zip(&texts).zip(ids) {
        assert_eq!(record["id"], id.as_str());
        assert_eq!(record["status"], "ok", "{record}");
        assert_eq!(decision(record), decision(text), "{id}");
        assert_eq!(record["source"]["format"], "fhir");
        assert_eq!(record["source"]["date"], "2026-02-25T10:30:00-05:00");
    }
}

#[test]
fn document_references_in_ndjson_decide_as_their_text_notes() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines: Vec<String> = NOTES
        .iter()
        .enumerate()
        .map(|(n, name)| {
            document_reference(
                &format!("doc-{n}"),
                &format!("p{n}"),
                "text/plain",
                &corpus_note(name),
            )
            .to_string()
        })
        .collect();
    lines.insert(1, json!({"resourceType": "Patient", "id": "p0"}).to_string());
    let path = dir.path().join("DocumentReference.ndjson");
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    let output = run(&[&path]);
    assert_eq!(output.status.code(), Some(0));
    let records = records(&output);
    let ids: Vec<String> =
        (0..NOTES.len()).map(|n| format!("DocumentReference.ndjson#doc-{n}")).collect();
    check_against_text(&records, &ids);
    assert_eq!(records[2]["source"]["patient"], "Patient/p2");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("; 1 FHIR resource of another type than DocumentReference skipped"),
        "{stderr}"
    );
}

#[test]
fn a_bundle_and_a_bulk_export_manifest_are_read_as_the_same_documents() {
    let dir = tempfile::tempdir().unwrap();
    let resources: Vec<Value> = NOTES
        .iter()
        .enumerate()
        .map(|(n, name)| {
            let note = corpus_note(name);
            // A patient each: notes of one patient would be read together.
            let patient = format!("p{n}");
            document_reference(&format!("doc-{n}"), &patient, "text/plain; charset=utf-8", &note)
        })
        .collect();
    let bundle = json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": resources.iter().map(|resource| json!({"resource": resource})).collect::<Vec<_>>(),
    });
    let bundle_path = dir.path().join("bundle.json");
    fs::write(&bundle_path, bundle.to_string()).unwrap();
    let records_of_bundle = records(&run(&[&bundle_path]));
    let ids: Vec<String> = (0..NOTES.len()).map(|n| format!("bundle.json#doc-{n}")).collect();
    check_against_text(&records_of_bundle, &ids);

    let export = dir.path().join("export");
    fs::create_dir(&export).unwrap();
    let lines: Vec<String> = resources.iter().map(Value::to_string).collect();
    fs::write(export.join("DocumentReference.000.ndjson"), lines.join("\n")).unwrap();
    fs::write(export.join("Patient.000.ndjson"), "{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n")
        .unwrap();
    let manifest = json!({
        "transactionTime": "2026-02-26T00:00:00Z",
        "request": "https://fhir.example.org/Patient/$export?_type=DocumentReference,Patient",
        "requiresAccessToken": true,
        "output": [
            {"type": "DocumentReference", "url": "https://fhir.example.org/files/DocumentReference.000.ndjson"},
            {"type": "Patient", "url": "https://fhir.example.org/files/Patient.000.ndjson"},
        ],
        "error": [],
    });
    let manifest_path = export.join("manifest.json");
    fs::write(&manifest_path, manifest.to_string()).unwrap();
    let records_of_export = records(&run(&[&manifest_path]));
    let ids: Vec<String> =
        (0..NOTES.len()).map(|n| format!("DocumentReference.000.ndjson#doc-{n}")).collect();
    check_against_text(&records_of_export, &ids);
    // The folder walked: the manifest is left to the walk, which reads the
    // same NDJSON file once (and counts the patient).
    let walked = run(&[&export]);
    let walked_ids: Vec<Value> =
        records(&walked).iter().map(|record| record["id"].clone()).collect();
    let expected: Vec<Value> = ids.iter().map(|id| json!(id)).collect();
    assert_eq!(walked_ids, expected);
}

#[test]
fn an_html_attachment_is_read_as_a_browser_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let note = String::from_utf8(corpus_note("a-pa-form-complete.txt")).unwrap();
    let html = format!(
        "<html><head><title>PA</title></head><body><pre>{}</pre></body></html>",
        note.replace('&', "&amp;").replace('<', "&lt;")
    );
    let path = dir.path().join("pa.json");
    let resource = document_reference("pa", "p9", "text/html", html.as_bytes());
    fs::write(&path, resource.to_string()).unwrap();
    let record = &records(&run(&[&path]))[0];
    let text = &text_records()[0];
    assert_eq!(record["determination"], text["determination"]);
    assert_eq!(record["facts"]["treatments"].as_array().map(Vec::len), Some(4));
    assert_eq!(record["source"]["patient"], "Patient/p9");
}

#[test]
fn a_pdf_attachment_goes_through_the_pdf_worker() {
    let dir = tempfile::tempdir().unwrap();
    let pdf_path = shared_data().join("pdfs").join(READABLE_PDF);
    let pdf = fs::read(&pdf_path).unwrap();
    let path = dir.path().join("scan.json");
    fs::write(&path, document_reference("pdf-1", "p3", "application/pdf", &pdf).to_string())
        .unwrap();
    let direct = &records(&run(&[&pdf_path]))[0];
    let output = run(&[&path]);
    let record = &records(&output)[0];
    assert_eq!(record["id"], "scan.json#pdf-1");
    assert_eq!(record["status"], "ok", "{record}");
    assert_eq!(record["source"]["format"], "fhir");
    assert_eq!(record["source"]["bytes"], pdf.len());
    assert_eq!(record["source"]["sha256"], direct["source"]["sha256"]);
    assert_eq!(record["source"]["patient"], "Patient/p3");
}

#[test]
fn unreadable_document_references_are_typed_error_records() {
    let dir = tempfile::tempdir().unwrap();
    let url_only = json!({"resourceType": "DocumentReference", "id": "u",
        "subject": {"reference": "Patient/p4"},
        "content": [{"attachment": {"contentType": "application/pdf", "url": "Binary/9"}}]});
    let tiff = document_reference("t", "p5", "image/tiff", b"II*\0");
    let lines = [url_only.to_string(), tiff.to_string(), "{\"resourceType\": \"Docum".to_string()];
    let path = dir.path().join("bad.ndjson");
    fs::write(&path, lines.join("\n")).unwrap();
    let output = run(&[&path]);
    assert_eq!(output.status.code(), Some(3));
    let kinds: Vec<(Value, Value, Value)> = records(&output)
        .iter()
        .map(|record| {
            (
                record["id"].clone(),
                record["error"]["kind"].clone(),
                record["source"]["patient"].clone(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (json!("bad.ndjson#u"), json!("fhir_no_attachment"), json!("Patient/p4")),
            (json!("bad.ndjson#t"), json!("fhir_no_attachment"), json!("Patient/p5")),
            (json!("bad.ndjson#3"), json!("fhir_malformed"), Value::Null),
        ]
    );
}
