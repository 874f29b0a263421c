//! The whole labelled corpus, end to end: `necessity eval` runs the binary
//! over `corpus/notes` and scores it against `corpus/gold`; and `explain`
//! on the seed case reads as a reviewer's determination.

use crate::util::necessity;
use std::path::PathBuf;

/// Determination accuracy the corpus must keep (a fraction): every note is
/// decided as its gold says, the level reached at integration. Never lower it
/// to pass.
const CORPUS_MIN_DETERMINATION_ACCURACY: &str = "1.0";
/// Accuracy every fact field must keep: all 67 notes right on every field.
const CORPUS_MIN_FIELD_ACCURACY: &str = "1.0";

fn corpus(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus").join(path)
}

#[test]
fn corpus_is_decided_as_gold_says() {
    let out = necessity()
        .arg("eval")
        .arg("--gold")
        .arg(corpus("gold"))
        .arg(corpus("notes"))
        .args(["--min", CORPUS_MIN_DETERMINATION_ACCURACY])
        .args(["--min-field", CORPUS_MIN_FIELD_ACCURACY])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}\n{report}", String::from_utf8_lossy(&out.stderr));
    assert!(!report.contains(": no record"), "every note yields a record: {report}");
}

#[test]
fn explain_reads_the_seed_case_like_a_reviewer() {
    let out =
        necessity().arg("explain").arg(corpus("notes/seed-dupixent-adult.txt")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let review = String::from_utf8_lossy(&out.stdout);
    let note = std::fs::read_to_string(corpus("notes/seed-dupixent-adult.txt")).unwrap();
    assert!(review.contains("**Determination: MEDICALLY NECESSARY"), "{review}");
    for id in
        ["diagnosis", "age", "severity", "topical_failure", "no_concurrent_systemic", "dosing"]
    {
        assert!(review.contains(&format!("(`{id}`): met")), "{id} met: {review}");
    }
    let quotes: Vec<&str> = review
        .lines()
        .filter(|l| l.starts_with("> \""))
        .filter_map(|l| l.split("**").nth(1))
        .collect();
    assert!(quotes.len() >= 5, "criteria quote the note: {review}");
    let folded = note.split_whitespace().collect::<Vec<_>>().join(" ");
    for quote in quotes {
        assert!(folded.contains(quote), "quotes are the note's own words: {quote:?}");
    }
    assert!(
        review.contains("- Label regimen: 600 mg, then 300 mg every 2 weeks for adults"),
        "{review}"
    );
    assert!(
        review.contains("conjunctivitis") && review.contains("16 weeks"),
        "approval considerations: {review}"
    );
}

#[test]
fn explain_decides_an_adbry_request_under_the_adbry_policy() {
    let note = corpus("notes/a-letter-tralokinumab.txt");
    let default = necessity().arg("explain").arg(&note).output().unwrap();
    assert!(String::from_utf8_lossy(&default.stdout).contains("**Determination: NOT APPLICABLE"));
    let out = necessity()
        .args(["explain", "--policy", "adbry-atopic-dermatitis"])
        .arg(&note)
        .output()
        .unwrap();
    let review = String::from_utf8_lossy(&out.stdout);
    assert!(review.contains("`adbry-atopic-dermatitis`, version"), "{review}");
    assert!(review.contains("**Determination: MEDICALLY NECESSARY"), "{review}");
    assert!(review.contains("Age 12 years or older (`age`): met"), "{review}");
}
