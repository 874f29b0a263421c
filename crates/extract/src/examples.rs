//! The example sentence of every lexicon row, run: a row's meaning must be
//! found at its phrase in its example (`necessity_context::examples` gives
//! the convention), so a row that a longer one hides, that a boundary or
//! case check loses, or that notes could never match is caught where it is
//! written.

use crate::lexicon::{Meaning, Row};
use crate::mentions::Note;
use crate::{extract_case, Lexicons};

/// Every row of the lexicons (term files, `potency.tsv` and `context.tsv`)
/// whose example does not show its meaning, or that has none: each as
/// "file line N: ...".
pub fn failures(lexicons: &Lexicons) -> Vec<String> {
    let vocabulary = &lexicons.vocabulary;
    let mut failures = lexicons.context().example_failures();
    for row in &vocabulary.rows {
        if let Err(problem) = term_shown(lexicons, row) {
            failures.push(described(&row.file, row.line, &row.surface, problem, &row.example));
        }
    }
    for row in &vocabulary.potency_rows {
        let shown = row.example.as_ref().ok_or("has no example").and_then(|example| {
            // The key is a drug's name: the agent whose potency it gives.
            let drug = vocabulary.rows.iter().find_map(|r| match r.meaning {
                Meaning::Drug(id) if r.surface.eq_ignore_ascii_case(&row.key) => Some(id),
                _ => None,
            });
            let agent = &vocabulary.drugs[drug.ok_or("names no drug of drugs.tsv")?].agent;
            let facts = extract_case(lexicons, &example.sentence);
            let read = facts.treatments.iter().find(|t| &t.agent == agent).and_then(|t| t.potency);
            (read == Some(row.potency)).then_some(()).ok_or("gives another potency in its example")
        });
        if let Err(problem) = shown {
            failures.push(described("potency.tsv", row.line, &row.key, problem, &row.example));
        }
    }
    failures
}

/// Whether a term row's meaning is found at its phrase in its example.
fn term_shown(lexicons: &Lexicons, row: &Row) -> Result<(), &'static str> {
    let example = row.example.as_ref().ok_or("has no example")?;
    let at = example.locate(&row.surface).ok_or("is not in its example")?;
    let note = Note::read(&lexicons.vocabulary, lexicons.context(), &example.sentence, false);
    let found = note.mentions_from(&at).iter().any(|m| m.span == at && *m.meaning == row.meaning);
    found.then_some(()).ok_or("is not found where it stands in its example")
}

fn described(
    file: &str,
    line: usize,
    phrase: &str,
    problem: &str,
    example: &Option<necessity_context::examples::Example>,
) -> String {
    let sentence = example.as_ref().map_or("", |e| e.sentence.as_str());
    format!("{file} line {line}: {phrase:?} {problem}: {sentence:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row of the shipped lexicons does what it says in its example.
    #[test]
    fn every_lexicon_row_is_found_in_its_example() {
        let failures = failures(&Lexicons::builtin());
        assert!(failures.is_empty(), "{} rows:\n{}", failures.len(), failures.join("\n"));
    }

    #[test]
    fn a_row_hidden_by_a_longer_one_fails_its_example() {
        let mut files = crate::lexicon::builtin_files();
        let drugs = files.iter_mut().find(|(name, _)| name == "drugs.tsv").unwrap();
        // "clobetasol propionate" starts first and is longer: it hides this row.
        let hidden = "\npropionate\tclobetasol\ttopical_corticosteroid\tclobetasol propionate\t-\t\
                      e.g. Failed clobetasol propionate.\n";
        drugs.1.push_str(hidden);
        let lexicons = Lexicons::from_files(&files, necessity_context::BUILTIN_LEXICON).unwrap();
        let failures = failures(&lexicons);
        let line = drugs_lines(&files);
        let expected =
            format!("drugs.tsv line {line}: \"propionate\" is not found where it stands");
        assert!(failures.iter().any(|f| f.starts_with(&expected)), "{failures:?}");
    }

    fn drugs_lines(files: &[(String, String)]) -> usize {
        files
            .iter()
            .find(|(name, _)| name == "drugs.tsv")
            .map_or(0, |(_, text)| text.lines().count())
    }
}
