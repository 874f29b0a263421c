//! The terms of the one walk over a note, as extraction reads them: every
//! lexicon term the context engine's automaton found (in a spelling its row
//! allows, on word boundaries), with each of its meanings, less those a form
//! leaves unticked.

use crate::boxes::{Answer, Boxes, Mark};
use crate::lexicon::{glued_to_number, Meaning, Vocabulary};
use necessity_context::{steps, Lines, TermHit};
use std::ops::Range;

/// One meaning of a term found in the note.
#[derive(Clone, Debug)]
pub struct Term<'v> {
    pub span: Range<usize>,
    pub meaning: &'v Meaning,
}

/// The terms of a note: those it states, and the drugs a form's answer
/// (not their own empty box) hides, which a question answered No may still
/// name as never tried.
pub struct Scanned<'v> {
    pub stated: Vec<Term<'v>>,
    pub hidden_drugs: Vec<Term<'v>>,
}

/// Every meaning of every term of `hits` (the walk's terms, in text order)
/// that the note states: a unit may touch the number before it ("34yo"),
/// no other term may; an unticked form box hides its terms.
pub fn scan<'v>(
    vocabulary: &'v Vocabulary,
    text: &str,
    lines: &Lines,
    boxes: &Boxes,
    hits: &[TermHit],
) -> Scanned<'v> {
    let mut mentions = Vec::new();
    for hit in hits {
        let senses = &vocabulary.senses[hit.term as usize][hit.spelling as usize];
        steps::add(1 + senses.len());
        for meaning in senses {
            if !hit.after_digit || glued_to_number(meaning) {
                mentions.push(Term { span: hit.span.clone(), meaning });
            }
        }
    }
    let (stated, hidden): (Vec<Term>, Vec<Term>) =
        mentions.into_iter().partition(|m| !unticked(text, lines, boxes, &m.span, m.meaning));
    // A drug its own empty box hides is an option not chosen, not a drug a
    // question asks about.
    let answered = |m: &Term| {
        matches!(m.meaning, Meaning::Drug(_))
            && boxes.mark_of(text, lines, &m.span) != Some(Mark::Unticked)
            && !boxes.in_unticked_item(text, lines, m.span.start)
    };
    let hidden_drugs = hidden.into_iter().filter(answered).collect();
    Scanned { stated, hidden_drugs }
}

/// Form checkboxes: a term marked by an empty box ("[ ] Hands", "☐ Feet",
/// "Renewal [ ]"), or answered by an empty "Yes" box or a ticked "No" box
/// ("Ongoing flares: [ ] Yes [ ] No", "tried Dupixent? ☐ Yes ☒ No"), is
/// not stated for the patient; nor is a term in the item of an empty box
/// ("[ ] Systemic (cyclosporine)", "☐ axillae/groin"), or a drug answered
/// by a written "No".
fn unticked(
    text: &str,
    lines: &Lines,
    boxes: &Boxes,
    span: &Range<usize>,
    meaning: &Meaning,
) -> bool {
    let drug = matches!(meaning, Meaning::Drug(_));
    steps::add(ANSWER_REACH + QUESTION_REACH);
    boxes.mark_of(text, lines, span) == Some(Mark::Unticked)
        || boxes.answer_after(text, lines, span.end, ANSWER_REACH) == Some(Answer::No)
        || (!drug
            && wrapped_question_end(text.as_bytes(), span.end).is_some_and(|mark| {
                boxes.answer_after(text, lines, mark + 1, ANSWER_REACH) == Some(Answer::No)
            }))
        || (drug && answered_no(text.as_bytes(), span.end))
        || boxes.in_unticked_item(text, lines, span.start)
}

/// How far after a term the question mark of a form question that wraps
/// over lines may stand.
const WRAPPED_QUESTION_REACH: usize = 160;

/// The question mark that ends a form question holding the term ending at
/// `end` when the question wraps onto a later line ("Has the patient had a
/// positive response to therapy (e.g. lower\n EASI)?  [ ] Yes  [ ] No"):
/// its Yes/No boxes answer the question's words as a one-line question's
/// do. Not past a blank line, a box or another sentence's end. Drugs are
/// left out: a question names a drug to ask about something else ("Will
/// Dupixent be used with another\n biologic? [ ] Yes [X] No").
fn wrapped_question_end(bytes: &[u8], end: usize) -> Option<usize> {
    let rest = &bytes[end..bytes.len().min(end + WRAPPED_QUESTION_REACH)];
    steps::add(rest.len());
    let mark = rest.iter().position(|&b| matches!(b, b'?' | b'[' | b']' | b'!' | b';'))?;
    let question = &rest[..mark];
    if rest[mark] != b'?' || !question.contains(&b'\n') {
        return None;
    }
    // A stop at a line's end or before a capital ends a sentence; "(e.g.
    // lower" does not.
    let ends_sentence = question.iter().enumerate().any(|(i, &b)| {
        b == b'.' && {
            let next = question[i + 1..].iter().find(|&&c| c != b' ' && c != b'\t');
            matches!(next, Some(c) if *c == b'\n' || c.is_ascii_uppercase())
        }
    });
    let blank_line = question.windows(2).any(|w| w == b"\n\n");
    (!ends_sentence && !blank_line).then_some(end + mark)
}

/// How far after a drug the question its written answer ends may reach.
const QUESTION_REACH: usize = 80;

/// How far after a term its Yes/No boxes may be.
const ANSWER_REACH: usize = 48;

/// Whether a form question that names the drug is answered with a written
/// "No" ("Tried topical JAK (ruxolitinib): No", "Phototherapy? no."): the
/// first colon or question mark after the drug, within its short question,
/// is followed by "No" alone, so "Tacrolimus: no improvement" keeps its
/// drug, also when the phrase wraps ("for 3 months: no\nimprovement"), and
/// a later "Allow generic: No" on a long line answers another question.
fn answered_no(bytes: &[u8], end: usize) -> bool {
    let rest = &bytes[end..bytes.len().min(end + QUESTION_REACH)];
    let Some(mark) = rest.iter().position(|&b| matches!(b, b':' | b'?' | b'\n' | b'.')) else {
        return false;
    };
    if !matches!(rest[mark], b':' | b'?') {
        return false;
    }
    // The answer runs to the next line break or stop; it is "No" alone when
    // white space, "no" and white space fill it.
    let after = &bytes[end + mark + 1..];
    let blank = |from: usize| {
        let run = after[from..].iter().take_while(|b| b.is_ascii_whitespace() && **b != b'\n');
        let run = run.count();
        steps::add(run);
        run
    };
    let word = blank(0);
    if !after.get(word..word + 2).is_some_and(|w| w.eq_ignore_ascii_case(b"no")) {
        return false;
    }
    let answer_len = word + 2 + blank(word + 2);
    if !after.get(answer_len).is_none_or(|b| matches!(b, b'\n' | b'.' | b',' | b';')) {
        return false;
    }
    let wraps_on = || {
        after.get(answer_len) == Some(&b'\n')
            && after[answer_len..].trim_ascii_start().first().is_some_and(u8::is_ascii_lowercase)
    };
    !wraps_on()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mentions::Note;
    use crate::Lexicons;

    /// The words of every mention the scan keeps in `text` that `keep`
    /// accepts, as written.
    fn kept(text: &str, keep: fn(&Meaning) -> bool) -> Vec<String> {
        let lexicons = Lexicons::builtin();
        let note = Note::read(&lexicons.vocabulary, lexicons.context(), text, false);
        let found = note.mentions().iter().filter(|m| keep(m.meaning));
        found.map(|m| text[m.span.clone()].to_string()).collect()
    }

    /// The drug names the scan keeps in `text`, as written.
    fn drugs(text: &str) -> Vec<String> {
        kept(text, |m| matches!(m, Meaning::Drug(_)))
    }

    /// Every term the scan keeps in `text`, as written.
    fn all(text: &str) -> Vec<String> {
        kept(text, |_| true)
    }

    #[test]
    fn abbreviations_need_their_case_and_boundaries() {
        assert_eq!(drugs("TAC 0.1% and Dupixent"), ["TAC", "Dupixent"]);
        assert!(drugs("a tac was placed; attack").is_empty());
        assert!(drugs("prednisonepack").is_empty());
    }

    #[test]
    fn unticked_boxes_hide_their_terms() {
        let count = |text: &str| all(text).len();
        assert_eq!(count("[ ] Hands  [X] Feet"), 1);
        assert_eq!(count("Tried Dupixent?  [ ] Yes  [X] No"), 0);
        assert_eq!(count("Tried Dupixent?  [X] Yes  [ ] No"), 1);
    }

    #[test]
    fn every_box_style_hides_or_keeps_alike() {
        let count = |text: &str| all(text).len();
        assert_eq!(count("☐ Hands   ☒ Feet   ☐ Scalp"), 1);
        assert_eq!(count("(x) Hands  ( ) Feet"), 1);
        assert_eq!(count("Hands [ ]   Feet [X]"), 1, "boxes after their labels");
        assert_eq!(count("Ever on Dupixent?   ☐ Yes   ☒ No"), 0);
        assert_eq!(count("Ever on Dupixent?   Yes ☑   No ☐"), 1);
        assert_eq!(count("Ever on Dupixent?   (Yes)   No"), 1);
        assert_eq!(count("Ever on Dupixent?   Yes   (No)"), 0);
        // The item of an empty box runs to the next column gap.
        assert_eq!(all("☐ axillae/groin      other: neck"), ["neck"]);
        assert!(drugs("( ) Topical JAK (ruxolitinib cream)   dates: ____").is_empty());
        assert_eq!(drugs("(x) TCI:  tacrolimus 0.03% oint BID"), ["tacrolimus"]);
    }

    #[test]
    fn the_boxes_of_a_question_that_wraps_answer_its_words() {
        let question = |boxes: &str| {
            format!(
                "7. Are flares far fewer on treatment (e.g. fewer\n   nights awake)?    {boxes}\n"
            )
        };
        let count = |text: &str| all(text).len();
        assert_eq!(
            count(&question("[ ] Yes   [ ] No")),
            0,
            "an unanswered question states nothing"
        );
        assert_eq!(count(&question("[X] No    [ ] Yes")), 0);
        assert!(count(&question("[X] Yes   [ ] No")) > 0, "a ticked Yes states it");
        // A sentence that ends before a later question keeps its words.
        let text = "Far fewer flares since the spring. Is the\n patient adherent? [ ] Yes [ ] No";
        assert!(count(text) > 0);
        let text = "Far fewer flares since the spring.\n  Q6. Has the patient been\n  hospitalized? [ ] Yes [X] No";
        assert!(count(text) > 0, "a stop at a line's end ends the sentence");
        // A drug named in the question is asked about, not answered.
        let text =
            "5. Will Dupixent be used together with another\n   biologic?   [ ] Yes   [X] No";
        assert_eq!(drugs(text), ["Dupixent"]);
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
        let text = "Prior: clobe-\ntasol, no\n    improvement.";
        // "no improvement" is an outcome cue and a response statement: two meanings.
        assert_eq!(all(text), ["clobe-\ntasol", "no\n    improvement", "no\n    improvement"]);
    }

    #[test]
    fn units_may_touch_their_number() {
        assert_eq!(all("34yo, 70kg"), ["yo", "kg"]);
        assert!(all("3DUPIXENT").is_empty(), "only units may touch a number");
    }

    #[test]
    fn a_phrase_that_runs_into_a_longer_word_hides_no_shorter_one() {
        // "triamcinolone cream" runs into "creams": triamcinolone is still found.
        assert_eq!(drugs("Failed triamcinolone creams."), ["triamcinolone"]);
        assert_eq!(drugs("clobetasol propionate ointments"), ["clobetasol propionate"]);
    }
}
