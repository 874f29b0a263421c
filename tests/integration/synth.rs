//! `necessity synth`: seeded, size-true archives that `necessity run` reads.

use crate::util::necessity;
use std::path::{Path, PathBuf};

const BYTES: u64 = 1 << 20;

fn templates() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/notes")
}

/// Generates an archive and returns its bytes.
fn synth(seed: u64, out: &Path, extra: &[&str]) -> Vec<u8> {
    let status = necessity()
        .args(["synth", "--bytes", &BYTES.to_string(), "--seed", &seed.to_string()])
        .arg("--from")
        .arg(templates())
        .arg("--out")
        .arg(out)
        .args(extra)
        .status()
        .unwrap();
    assert!(status.success(), "necessity synth failed: {status}");
    std::fs::read(out).unwrap_or_default()
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let first = synth(7, &dir.path().join("a.jsonl"), &[]);
    let again = synth(7, &dir.path().join("b.jsonl"), &[]);
    let other = synth(8, &dir.path().join("c.jsonl"), &[]);
    assert!(first == again, "same seed gave different archives");
    assert!(first != other, "different seeds gave the same archive");
}

#[test]
fn archive_size_is_within_two_percent_of_request() {
    let dir = tempfile::tempdir().unwrap();
    let archive = synth(1, &dir.path().join("a.jsonl"), &[]);
    let size = archive.len() as f64;
    assert!((size - BYTES as f64).abs() / (BYTES as f64) < 0.02, "{size} bytes for {BYTES}");
}

#[test]
fn every_line_is_a_note_with_unique_id_and_text_and_few_are_dermatology() {
    let dir = tempfile::tempdir().unwrap();
    let archive = synth(3, &dir.path().join("a.jsonl"), &["--relevant-percent", "10"]);
    let text = String::from_utf8(archive).expect("archive is UTF-8");
    let mut ids = std::collections::HashSet::new();
    let mut relevant = 0;
    let lines: Vec<&str> = text.lines().collect();
    for line in &lines {
        let note: serde_json::Value = serde_json::from_str(line).expect("line is JSON");
        let id = note["id"].as_str().expect("id is a string").to_string();
        let body = note["text"].as_str().expect("text is a string");
        assert!(!body.is_empty());
        assert!(ids.insert(id), "duplicate id");
        relevant += usize::from(body.contains("atopic dermatitis") || body.contains("BSA"));
    }
    assert!(lines.len() > 100, "only {} notes in 1 MiB", lines.len());
    let share = relevant as f64 / lines.len() as f64;
    assert!((0.03..0.30).contains(&share), "dermatology share {share}");
}

#[test]
fn txt_dir_archive_holds_the_requested_bytes_in_txt_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("notes");
    synth(5, &out, &["--format", "txt-dir"]);
    let mut total = 0;
    let mut files = 0;
    for sub in std::fs::read_dir(&out).unwrap() {
        for file in std::fs::read_dir(sub.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            assert_eq!(path.extension().unwrap(), "txt");
            total += std::fs::metadata(&path).unwrap().len();
            files += 1;
        }
    }
    assert!(files > 100);
    assert!(BYTES - total < BYTES / 50 && total <= BYTES, "{total} bytes for {BYTES}");
}

#[test]
fn txt_dir_refuses_a_directory_with_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
    let out = necessity()
        .args(["synth", "--bytes", "1000", "--format", "txt-dir", "--out"])
        .arg(dir.path())
        .arg("--from")
        .arg(templates())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(std::fs::read_to_string(dir.path().join("keep.txt")).unwrap(), "mine");
}

#[test]
fn necessity_run_reads_every_note_of_the_archive() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("a.jsonl");
    let notes = String::from_utf8(synth(11, &archive, &[])).unwrap().lines().count();
    let out = necessity().args(["run", "--quiet"]).arg(&archive).output().unwrap();
    assert!(out.status.success(), "necessity run failed: {}", out.status);
    let records: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("record is JSON"))
        .collect();
    assert_eq!(records.len(), notes);
    assert!(records.iter().all(|r| r["status"] == "ok"), "some note was not read");
    let decided = records.iter().filter(|r| r["determination"] != "not_applicable").count();
    assert!(decided > 0, "no note of the archive asked for a covered drug");
}
