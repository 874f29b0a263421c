//! The one pass over a note: every lexicon term and value keyword, found by
//! one case-sensitive automaton over the spellings notes use (abbreviations
//! only as written), kept only on word boundaries.

use crate::lexicon::{Meaning, MeasureKind, Vocabulary};
use necessity_context::{FoldOptions, Folded};
use std::ops::Range;

/// The note as the automaton reads it: case kept (abbreviations match only
/// as written), every whitespace run one space, and a hyphen between two
/// word parts ("clobe-\ntasol") dropped with the whitespace after it, and
/// a faxed "DERMATOL0GY" read with its letter O.
const NOTE: FoldOptions =
    FoldOptions { lowercase: false, join_hyphenated_words: true, zero_between_letters_is_o: true };

/// One meaning of a term found in the note.
#[derive(Clone, Debug)]
pub struct Mention<'v> {
    pub span: Range<usize>,
    pub meaning: &'v Meaning,
}

/// Finds every term of the vocabulary in `text`, in text order. Phrases
/// match across line breaks and runs of spaces ("continues\n   to flare"),
/// and words hyphenated at a line end or by OCR ("clobe-\ntasol", "burn-
/// ing") match whole; spans are always in the original text.
pub fn scan<'v>(vocabulary: &'v Vocabulary, text: &str) -> Vec<Mention<'v>> {
    let folded = Folded::new(text, NOTE);
    let haystack = folded.bytes();
    let mut mentions = Vec::new();
    for found in vocabulary.matcher.find_iter(haystack) {
        let folded_span = found.start()..found.end();
        let surface = &vocabulary.surfaces[found.pattern().as_usize()];
        let span = folded.original_range(folded_span.clone());
        for meaning in &vocabulary.senses[found.pattern().as_usize()] {
            if on_boundaries(haystack, &folded_span, surface, glued_to_number(meaning)) {
                mentions.push(Mention { span: span.clone(), meaning });
            }
        }
    }
    mentions.retain(|m| !unticked(text.as_bytes(), &m.span, m.meaning));
    mentions
}

/// Form checkboxes: a term after an empty box ("[ ] Hands") or answered by
/// an empty "Yes" box or a ticked "No" box ("Ongoing flares: [ ] Yes [ ] No",
/// "tried Dupixent? [ ] Yes [X] No") is not stated for the patient.
fn unticked(bytes: &[u8], span: &Range<usize>, meaning: &Meaning) -> bool {
    empty_box_before(bytes, span.start)
        || denied_by_answer(bytes, span.end)
        || (matches!(meaning, Meaning::Drug(_)) && answered_no(bytes, span.end))
        || (matches!(meaning, Meaning::Drug(_)) && in_unticked_item(bytes, span.start))
}

/// Whether a drug sits in the item of an empty box earlier on its line: a
/// form lists a class with its agents as examples ("[ ] Systemic
/// immunosuppressant (cyclosporine / methotrexate)"), none of them taken
/// unless the box is ticked. The nearest box before the drug on its line
/// decides, so "[x] TCI  [ ] PDE4 (crisaborole)" keeps a ticked item's drugs.
fn in_unticked_item(bytes: &[u8], start: usize) -> bool {
    let line_start = bytes[..start].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = &bytes[line_start..start];
    let Some(close) = line.iter().rposition(|&b| b == b']') else { return false };
    let Some(open) = line[..close].iter().rposition(|&b| b == b'[') else { return false };
    let inside = &line[open + 1..close];
    inside.len() <= 3 && inside.iter().all(|&b| b == b' ' || b == b'_')
}

/// How far after a term its Yes/No boxes may be.
const ANSWER_REACH: usize = 48;

/// Whether the box just before `start` is empty: "[ ]", "[]", "[_]".
fn empty_box_before(bytes: &[u8], start: usize) -> bool {
    let before = bytes[..start].trim_ascii_end();
    let Some(inner) = before.strip_suffix(b"]") else { return false };
    let Some(open) = inner.iter().rposition(|&b| b == b'[') else { return false };
    let inside = &inner[open + 1..];
    inside.len() <= 3 && inside.iter().all(|&b| b == b' ' || b == b'_')
}

/// Whether the box just before `start` is ticked ("[X] Failed"): the answer
/// of a form's question about the item above it.
pub fn ticked_box_before(bytes: &[u8], start: usize) -> bool {
    let before = bytes[..start].trim_ascii_end();
    let Some(inner) = before.strip_suffix(b"]") else { return false };
    let Some(open) = inner.iter().rposition(|&b| b == b'[') else { return false };
    let inside = inner[open + 1..].trim_ascii();
    inside.len() == 1 && matches!(inside[0], b'x' | b'X' | b'*')
}

/// Whether the first box after a term on its line answers it with an empty
/// "Yes" or a ticked "No".
fn denied_by_answer(bytes: &[u8], end: usize) -> bool {
    let rest = &bytes[end..bytes.len().min(end + ANSWER_REACH)];
    let line = rest.split(|&b| b == b'\n').next().unwrap_or_default();
    let Some(open) = line.iter().position(|&b| b == b'[') else { return false };
    let Some(close) = line[open..].iter().position(|&b| b == b']') else { return false };
    let inside = &line[open + 1..open + close];
    let ticked = inside.iter().any(|b| b.is_ascii_alphabetic() || *b == b'*');
    let answer = line[open + close + 1..].trim_ascii_start();
    let starts_with =
        |word: &[u8]| answer.len() >= word.len() && answer[..word.len()].eq_ignore_ascii_case(word);
    (!ticked && starts_with(b"yes")) || (ticked && starts_with(b"no"))
}

/// Whether a form question that names the drug is answered with a written
/// "No" ("Tried topical JAK (ruxolitinib): No", "Phototherapy? no."): the
/// first colon or question mark after the drug, within its short question,
/// is followed by "No" alone, so "Tacrolimus: no improvement" keeps its
/// drug, also when the phrase wraps ("for 3 months: no\nimprovement"), and
/// a later "Allow generic: No" on a long line answers another question.
fn answered_no(bytes: &[u8], end: usize) -> bool {
    const QUESTION_REACH: usize = 80;
    let rest = &bytes[end..bytes.len().min(end + QUESTION_REACH)];
    let Some(mark) = rest.iter().position(|&b| matches!(b, b':' | b'?' | b'\n' | b'.')) else {
        return false;
    };
    if !matches!(rest[mark], b':' | b'?') {
        return false;
    }
    let after = &bytes[end + mark + 1..];
    let answer_len =
        after.iter().position(|&b| matches!(b, b'\n' | b'.' | b',' | b';')).unwrap_or(after.len());
    let wraps_on = || {
        after.get(answer_len) == Some(&b'\n')
            && after[answer_len..].trim_ascii_start().first().is_some_and(u8::is_ascii_lowercase)
    };
    after[..answer_len].trim_ascii().eq_ignore_ascii_case(b"no") && !wraps_on()
}

/// Units written straight after a number ("34yo", "70kg") may touch a digit.
fn glued_to_number(meaning: &Meaning) -> bool {
    matches!(
        meaning,
        Meaning::Measure(MeasureKind::AgeBefore | MeasureKind::AgeSex | MeasureKind::Weight)
    )
}

fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// A term must not be part of a longer word ("AD" in "ADHD", "hand" in
/// "handle"); an edge of the term that is itself punctuation needs no check.
fn on_boundaries(bytes: &[u8], span: &Range<usize>, surface: &str, digit_before_ok: bool) -> bool {
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

    /// The drug names the scan keeps in `text`, as written.
    fn drugs(text: &str) -> Vec<String> {
        let vocabulary = build(&builtin_files()).unwrap();
        let found = scan(&vocabulary, text);
        let drugs = found.iter().filter(|m| matches!(m.meaning, Meaning::Drug(_)));
        drugs.map(|m| text[m.span.clone()].to_string()).collect()
    }

    #[test]
    fn abbreviations_need_their_case_and_boundaries() {
        assert_eq!(drugs("TAC 0.1% and Dupixent"), ["TAC", "Dupixent"]);
        assert!(drugs("a tac was placed; attack").is_empty());
        assert!(drugs("prednisonepack").is_empty());
    }

    #[test]
    fn unticked_boxes_hide_their_terms() {
        let vocabulary = build(&builtin_files()).unwrap();
        let count = |text: &str| scan(&vocabulary, text).len();
        assert_eq!(count("[ ] Hands  [X] Feet"), 1);
        assert_eq!(count("Tried Dupixent?  [ ] Yes  [X] No"), 0);
        assert_eq!(count("Tried Dupixent?  [X] Yes  [ ] No"), 1);
    }

    #[test]
    fn a_written_no_answering_a_question_hides_its_terms() {
        assert!(drugs("Used pimecrolimus in the past: No").is_empty());
        assert!(drugs("Any UVB? no.").is_empty());
        assert_eq!(drugs("Elidel: no change"), ["Elidel"]);
        assert_eq!(drugs("Elidel for a month: no\nchange"), ["Elidel"]);
        assert_eq!(drugs("Tried a TCI: Yes - pimecrolimus"), ["pimecrolimus"]);
        let one_line = "Start prednisone 40 mg. Sig: one PO daily Dispense: 5 Allow Generic: No";
        assert_eq!(drugs(one_line), ["prednisone"], "the No answers another question");
    }

    #[test]
    fn drugs_named_as_examples_of_an_empty_box_are_hidden() {
        assert!(drugs("[ ] Oral JAK inhibitor (abrocitinib / upadacitinib)").is_empty());
        assert!(drugs("[_] Calcineurin inhibitor: pimecrolimus, tacrolimus").is_empty());
        assert_eq!(drugs("[X] Oral JAK inhibitor (abrocitinib / upadacitinib)").len(), 2);
        assert_eq!(drugs("[x] TCI (tacrolimus)  [ ] PDE4 (crisaborole)"), ["tacrolimus"]);
        assert_eq!(drugs("[ ] None\nTried methotrexate 2021 [2021]"), ["methotrexate"]);
    }

    #[test]
    fn wrapped_and_hyphenated_words_match_with_original_spans() {
        let vocabulary = build(&builtin_files()).unwrap();
        let text = "Prior: clobe-\ntasol, no\n    improvement.";
        let found: Vec<&str> =
            scan(&vocabulary, text).iter().map(|m| &text[m.span.clone()]).collect();
        assert_eq!(found, ["clobe-\ntasol", "no\n    improvement"]);
    }

    #[test]
    fn units_may_touch_their_number() {
        let vocabulary = build(&builtin_files()).unwrap();
        let text = "34yo, 70kg";
        let found = scan(&vocabulary, text);
        assert_eq!(found.len(), 2);
    }
}
