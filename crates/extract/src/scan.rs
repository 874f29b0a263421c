//! The one pass over a note: every lexicon term and value keyword, found by
//! one automaton, kept only on word boundaries and, for abbreviations, in
//! their exact case.

use crate::lexicon::{Meaning, MeasureKind, Vocabulary};
use std::borrow::Cow;
use std::ops::Range;

/// One meaning of a term found in the note.
#[derive(Clone, Debug)]
pub struct Mention<'v> {
    pub span: Range<usize>,
    pub meaning: &'v Meaning,
}

/// Finds every term of the vocabulary in `text`, in text order. Line breaks
/// and tabs match a phrase's spaces ("continues\nto flare" is wrapped text),
/// on a copy that keeps every offset.
pub fn scan<'v>(vocabulary: &'v Vocabulary, text: &str) -> Vec<Mention<'v>> {
    let spaced = spaced(text);
    let mut mentions = Vec::new();
    for found in vocabulary.matcher.find_iter(spaced.as_ref()) {
        let span = found.start()..found.end();
        let matched = &spaced[span.clone()];
        let surface = &vocabulary.surfaces[found.pattern().as_usize()];
        for sense in &vocabulary.senses[found.pattern().as_usize()] {
            if sense.exact.as_deref().is_some_and(|exact| exact.as_bytes() != matched) {
                continue;
            }
            if !on_boundaries(text, &span, surface, glued_to_number(&sense.meaning)) {
                continue;
            }
            mentions.push(Mention { span: span.clone(), meaning: &sense.meaning });
        }
    }
    mentions
}

/// The text with every ASCII white-space byte made a space: same length,
/// same offsets, copied only when there is something to change.
fn spaced(text: &str) -> Cow<'_, [u8]> {
    let bytes = text.as_bytes();
    if !bytes.iter().any(|b| matches!(b, b'\n' | b'\r' | b'\t' | b'\x0c')) {
        return Cow::Borrowed(bytes);
    }
    Cow::Owned(bytes.iter().map(|&b| if b.is_ascii_whitespace() { b' ' } else { b }).collect())
}

/// Units written straight after a number ("34yo", "70kg") may touch a digit.
fn glued_to_number(meaning: &Meaning) -> bool {
    matches!(meaning, Meaning::Measure(MeasureKind::AgeBefore | MeasureKind::Weight))
}

fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// A term must not be part of a longer word ("AD" in "ADHD", "hand" in
/// "handle"); an edge of the term that is itself punctuation needs no check.
fn on_boundaries(text: &str, span: &Range<usize>, surface: &str, digit_before_ok: bool) -> bool {
    let bytes = text.as_bytes();
    let pattern = surface.as_bytes();
    let start_ok = span.start == 0
        || !pattern.first().copied().is_some_and(is_word)
        || !is_word(bytes[span.start - 1])
        || (digit_before_ok && bytes[span.start - 1].is_ascii_digit());
    let end_ok = span.end == bytes.len()
        || !pattern.last().copied().is_some_and(is_word)
        || !is_word(bytes[span.end]);
    start_ok && end_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::{build, builtin_files};

    #[test]
    fn abbreviations_need_their_case_and_boundaries() {
        let vocabulary = build(&builtin_files()).unwrap();
        let drugs = |text: &str| {
            scan(&vocabulary, text)
                .iter()
                .filter(|m| matches!(m.meaning, Meaning::Drug(_)))
                .map(|m| text[m.span.clone()].to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(drugs("TAC 0.1% and Dupixent"), ["TAC", "Dupixent"]);
        assert!(drugs("a tac was placed; attack").is_empty());
        assert!(drugs("prednisonepack").is_empty());
    }

    #[test]
    fn units_may_touch_their_number() {
        let vocabulary = build(&builtin_files()).unwrap();
        let text = "34yo, 70kg";
        let found = scan(&vocabulary, text);
        assert_eq!(found.len(), 2);
    }
}
