//! Every corpus note's facts against its gold record, with the one field
//! comparison of `necessity_record::gold`. Prints per-field accuracy and every
//! difference (ids and field values only: values are vocabulary words and
//! numbers, never note text).

use necessity_extract::{extract_case, Lexicons};
use necessity_record::gold::{compare_facts, read_gold, FieldDifference, FACT_FIELDS};
use std::collections::BTreeMap;
use std::path::Path;

fn corpus_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus")
}

#[test]
fn corpus_facts_match_gold() {
    let dir = corpus_dir();
    let gold = read_gold(&dir.join("gold")).expect("corpus gold is readable");
    assert!(!gold.is_empty(), "no gold records");
    let lexicons = Lexicons::builtin();
    let mut differences: Vec<(String, FieldDifference)> = Vec::new();
    for record in &gold {
        let path = dir.join("notes").join(&record.id);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", record.id));
        let facts = extract_case(&lexicons, &text);
        for diff in compare_facts(&record.facts, &facts) {
            differences.push((record.id.clone(), diff));
        }
    }
    let mut wrong: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, diff) in &differences {
        *wrong.entry(diff.field).or_default() += 1;
    }
    println!("corpus: {} notes", gold.len());
    for field in FACT_FIELDS {
        let bad = wrong.get(field).copied().unwrap_or(0);
        let right = gold.len() - bad;
        println!(
            "{field:<24} {right:>3}/{} ({:.1}%)",
            gold.len(),
            100.0 * right as f64 / gold.len() as f64
        );
    }
    for (id, diff) in &differences {
        println!("{id} {}: expected {} found {}", diff.field, diff.expected, diff.found);
    }
    assert!(
        differences.is_empty(),
        "{} field differences from gold (listed above)",
        differences.len()
    );
}
