//! The words of a note as the extraction rules read them, in one place:
//! the rules that look at the words around a mention (a pronoun after a
//! cue, a relative before a verb, "and" joining a list) split text here
//! rather than each in its own way. Every function reads only as far as
//! it answers and counts what it reads (`necessity_context::steps`).
//!
//! Two kinds of word: a *word* is a run of letters ("it", "which": what
//! pronouns and verbs are matched against); a *term* is a run of letters
//! and digits ("q2w", "and": what lists and objects are read from).

use necessity_context::steps;

/// The offset of `part` (a slice of `text`) in `text`.
pub(crate) fn offset_in(text: &str, part: &str) -> usize {
    part.as_ptr() as usize - text.as_ptr() as usize
}

/// The word right after `at`, past white space only: "it" in "start it",
/// "" in "start, it".
pub fn word_right_after(text: &str, at: usize) -> &str {
    let rest = text[at..].trim_start();
    let word = rest.split(|c: char| !c.is_alphabetic()).next().unwrap_or_default();
    steps::add(offset_in(text, word) - at + word.len());
    word
}

/// The word right before `at`, past white space only: "this" in "this has",
/// "" in "this, has".
pub fn word_right_before(text: &str, at: usize) -> &str {
    let before = text[..at].trim_end();
    let word = before.rsplit(|c: char| !c.is_alphabetic()).next().unwrap_or_default();
    steps::add(at - offset_in(text, word));
    word
}

/// The words after `at`, in order, whatever stands between them; the caller
/// takes as many as it needs.
pub fn words_after(text: &str, at: usize) -> impl Iterator<Item = &str> {
    let rest = &text[at..];
    rest.split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .inspect(move |w| steps::add(offset_in(rest, w) + w.len()))
}

/// The words before `at`, from the nearest back; the caller takes as many
/// as it needs.
pub fn words_before(text: &str, at: usize) -> impl Iterator<Item = &str> {
    text[..at]
        .rsplit(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .inspect(move |w| steps::add(at - offset_in(text, w)))
}

/// The terms of `text` with their offsets, in order.
pub fn terms(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(move |w| (offset_in(text, w), w))
}

/// Whether `word` is one of `set`, ASCII case aside.
pub fn is_one_of(word: &str, set: &[&str]) -> bool {
    set.iter().any(|s| word.eq_ignore_ascii_case(s))
}

/// Whether the word at `span` is one word of a proper name written in
/// title case mid-sentence: it and its neighbours are capitalised words
/// ("with Bright Start Kids (CHIP)"), and a word precedes the first of
/// them, so the capital is no sentence's or line's first ("Plan: Start
/// Dupixent", "Please Start Dupixent" are not names). All-capital words
/// are no title case ("WILL START DUPIXENT").
pub fn inside_a_name(text: &str, span: &std::ops::Range<usize>) -> bool {
    let before = word_right_before(text, span.start);
    let after = word_right_after(text, span.end);
    let lead = offset_in(text, before);
    let mid_sentence = text[..lead].trim_end().ends_with(char::is_alphanumeric);
    [before, &text[span.clone()], after].iter().all(|w| title_case(w)) && mid_sentence
}

/// Whether a word is written in title case: a capital, then lower case.
fn title_case(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(char::is_uppercase)
        && chars.clone().next().is_some()
        && chars.all(|c| !c.is_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capitalised_word_between_capitalised_words_mid_sentence_is_a_name() {
        let name = |text: &str, word: &str| {
            let at = text.find(word).unwrap();
            inside_a_name(text, &(at..at + word.len()))
        };
        assert!(name("Her care is covered by Fresh Start Health (Medicaid).", "Start"));
        assert!(name("Enrolled in the Early Begin Program today.", "Begin"));
        for (text, word) in [
            ("Plan: Start Dupixent 600 mg.", "Start"),
            ("Please Start Dupixent today.", "Start"),
            ("We will Start Dupixent today.", "Start"),
            ("PLAN WILL START DUPIXENT TODAY.", "START"),
            ("Covered by Fresh start program.", "start"),
        ] {
            assert!(!name(text, word), "{text}");
        }
    }

    #[test]
    fn words_and_terms_around_a_place() {
        let text = "Tried it, then this has q2w and-or";
        assert_eq!(word_right_after(text, 5), "it");
        assert_eq!(word_right_after(text, 8), "", "a comma first");
        assert_eq!(word_right_before(text, text.find(" has").unwrap()), "this");
        assert_eq!(word_right_before(text, 9), "");
        assert_eq!(words_after(text, 8).take(2).collect::<Vec<_>>(), ["then", "this"]);
        assert_eq!(words_before(text, 9).collect::<Vec<_>>(), ["it", "Tried"]);
        let found: Vec<(usize, &str)> = terms("q2w and-or").collect();
        assert_eq!(found, [(0, "q2w"), (4, "and"), (8, "or")]);
        assert!(is_one_of("WHICH", &["which", "that"]));
    }
}

/// Whether the words before a label open a question of an exported form
/// ("Question: Medication requested", "Q3."), which sets the label off as
/// a field.
pub(crate) fn asks_a_question(column: &str) -> bool {
    let lower = column.trim().to_ascii_lowercase();
    let numbered = lower.strip_prefix('q').is_some_and(|rest| {
        let digits = rest.trim_end_matches(['.', ':', ')']);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    });
    lower == "question:" || lower == "q:" || numbered
}
