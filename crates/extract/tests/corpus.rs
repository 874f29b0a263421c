//! Every corpus note's facts against its gold record, with the one field
//! comparison of `necessity_record::gold`. Prints per-field accuracy and every
//! difference (ids and field values only: values are vocabulary words and
//! numbers, never note text).

use necessity_extract::{extract_case, Lexicons};
use necessity_record::gold::{compare_gold, read_gold, FieldDifference, FACT_FIELDS};
use necessity_record::Outcome;
use std::collections::{BTreeMap, BTreeSet};
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
        for diff in compare_gold(record, &facts) {
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
    // The list also holds determination misses (scored by `necessity eval`,
    // not by facts alone): this test holds only the fact fields to it.
    let scored: BTreeSet<&str> = gold.iter().flat_map(|g| g.scored.iter().copied()).collect();
    let known: BTreeSet<(String, String)> = known_misses(&dir)
        .into_iter()
        .filter(|(_, field)| scored.contains(field.as_str()))
        .collect();
    let found: BTreeSet<(String, String)> =
        differences.iter().map(|(id, diff)| (id.clone(), diff.field.to_string())).collect();
    let new: Vec<_> = found.difference(&known).collect();
    let gone: Vec<_> = known.difference(&found).collect();
    assert!(new.is_empty(), "field differences from gold not in corpus/known-misses.tsv: {new:?}");
    assert!(gone.is_empty(), "known misses now right, delete them from the list: {gone:?}");
}

/// The (note, field) pairs of `corpus/known-misses.tsv`.
fn known_misses(corpus: &Path) -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(corpus.join("known-misses.tsv")).expect("known misses");
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let mut fields = line.split('\t');
            let note = fields.next().unwrap_or_default().to_string();
            let field = fields.next().expect("note<TAB>field<TAB>why").to_string();
            assert!(fields.next().is_some_and(|why| !why.trim().is_empty()), "{line}: give why");
            (note, field)
        })
        .collect()
}

/// A reviewer must see the words that made an outcome (#16): every failed,
/// intolerant or contraindicated treatment of the corpus has an evidence
/// span holding an outcome cue of `lexicons/outcomes.tsv` (a failure,
/// intolerance, contraindication, adverse-effect or flare phrase).
#[test]
fn every_outcome_is_shown_by_its_own_words() {
    let dir = corpus_dir();
    let mut cues = outcome_cue_phrases(&dir.join("../lexicons/outcomes.tsv"));
    cues.extend(outcome_cue_phrases(&dir.join("../lexicons/renewals.tsv")));
    cues.extend(outcome_cue_phrases(&dir.join("../lexicons/flares.tsv")));
    let gold = read_gold(&dir.join("gold")).expect("corpus gold is readable");
    let lexicons = Lexicons::builtin();
    let (mut judged, mut unshown) = (0, Vec::new());
    for record in &gold {
        let text = std::fs::read_to_string(dir.join("notes").join(&record.id)).expect("note");
        for treatment in extract_case(&lexicons, &text).treatments {
            if !matches!(
                treatment.outcome,
                Outcome::Failed | Outcome::Intolerant | Outcome::Contraindicated
            ) {
                continue;
            }
            judged += 1;
            let shown = treatment.evidence.iter().any(|span| {
                // As the layer reads it: white space folded, a word split
                // across a line ("fail- ed") joined.
                let words =
                    span.text.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ");
                // Shorthand reads as written out ("flares w/in" as within).
                let words = words
                    .replace("- ", "")
                    .replace("w/in", "within")
                    .replace("w/o", "without")
                    .replace("w/ ", "with ");
                cues.iter().any(|cue| words.contains(cue.as_str()))
            });
            if !shown {
                unshown.push(format!("{} {}", record.id, treatment.agent));
            }
        }
    }
    println!("{judged} judged treatments, {} without their outcome's words", unshown.len());
    assert!(judged > 300, "only {judged} judged treatments");
    assert!(unshown.is_empty(), "evidence without the outcome's words: {unshown:?}");
}

/// The lower-case phrases of the cues that make an outcome other than use.
fn outcome_cue_phrases(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("a lexicon file");
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let phrase = fields.next()?;
            let meaning = fields.next()?;
            // outcomes.tsv's failure words, and renewals.tsv's statements
            // that a continued course did not work ("has not improved"), or
            // worked in part, a failure beside flares going on ("partial
            // response, still flaring"), and flares.tsv's flares going on,
            // which tell how a course in their sentence went.
            ["failed", "intolerant", "contraindicated", "adverse", "flaring_on"]
                .iter()
                .chain(&["not_improved", "named_not_improved", "unchanged", "partial"])
                .chain(&["persistent"])
                .any(|m| *m == meaning)
                .then(|| phrase.to_lowercase())
        })
        .collect()
}
