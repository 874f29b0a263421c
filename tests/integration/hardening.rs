//! Regression tests of issue #16's runner, input and audit defects, each
//! run through the binary as a user (or an attacker) would.

use crate::run::{outcomes, records};
use crate::util::necessity;
use std::fs;
use std::path::Path;
use std::process::Output;

fn run_quiet(args: &[&str], inputs: &[&Path]) -> Output {
    necessity().arg("run").arg("-q").args(args).args(inputs).output().unwrap()
}

#[test]
fn csv_with_an_unclosed_quote_gives_one_record_per_row_and_decides_no_merged_note() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,text\n");
    for n in 1..=10 {
        let quote = if n == 2 { "\"" } else { "" };
        csv.push_str(&format!("{n},{quote}Atopic dermatitis with BSA {n}0% and IGA 3.\n"));
    }
    let path = dir.path().join("notes.csv");
    fs::write(&path, csv).unwrap();
    let output = run_quiet(&[], &[&path]);
    assert_eq!(output.status.code(), Some(3), "error records, not a clean run");
    let outcomes = outcomes(&records(&output));
    let mut expected = vec![("notes.csv#1".to_string(), "ok".to_string())];
    expected.extend((2..=10).map(|n| (format!("notes.csv#{n}"), "csv_malformed".to_string())));
    assert_eq!(outcomes, expected);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("the quote opened on line 3 never closes"), "{stdout}");
}
