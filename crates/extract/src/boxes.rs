//! Form checkboxes: one rule for what a form ticks, what it leaves empty
//! and what is no box at all, read the same way for every box a form has
//! (sites, therapies, flares, the prescriber's specialty, the request type).
//!
//! A box is written `[x]`, `[X]`, `[ ]`, `[_]`, `(x)`, `( )`, as one glyph
//! (`☒ ☑ ✓ ✔ ■` ticked, `☐ □` empty), as a lone capital `X` before a label
//! at the start of a line or of a column ("X  New start"), or as an answer
//! in brackets ("(Yes)", the circled word of a typed form). A line keeps
//! one convention: its boxes stand before their labels ("[x] Initial
//! [ ] Renewal") unless its first box follows a word ("Initial [X]
//! Renewal [ ]"), and then each box marks the label before it.
//!
//! All boxes of a note are found in one pass over the few bytes that may
//! open one; every question after that is a binary search.

use necessity_context::{steps, Lines};
use std::ops::Range;

/// What a box says of its label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    Ticked,
    Unticked,
}

/// One box of a form: where it is, what it says, and whether it stands
/// right after a word on its line (the convention of "Initial [X]").
#[derive(Clone, Debug, PartialEq, Eq)]
struct FormBox {
    span: Range<usize>,
    mark: Mark,
    follows_word: bool,
    /// The answer word a bracketed answer holds ("(Yes)"), lower case.
    answer: Option<Answer>,
}

/// A Yes/No option of a form question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
}

/// Glyphs of a ticked box.
const TICKED_GLYPHS: [char; 11] = ['☒', '☑', '✓', '✔', '■', '▣', '☓', '✗', '✘', '⊠', '●'];
/// Glyphs of an empty box.
const EMPTY_GLYPHS: [char; 6] = ['☐', '□', '▢', '❏', '❑', '○'];
/// Marks that tick a bracketed box ("[x]", "[✓]", "(*)").
const TICKS: [char; 7] = ['x', 'X', '*', '✓', '✔', '√', '•'];
/// How many characters a bracketed box holds, blanks included ("[ x ]").
const MAX_INSIDE: usize = 3;

/// The boxes of one note, in text order.
pub struct Boxes {
    boxes: Vec<FormBox>,
}

impl Boxes {
    /// Finds every box of `text` in one pass over the bytes that may open
    /// one ("[", "(", "X" and the first byte of a glyph).
    pub fn new(text: &str) -> Boxes {
        let bytes = text.as_bytes();
        steps::add(bytes.len() / 16);
        let mut starts: Vec<usize> = memchr::memchr3_iter(b'[', b'(', 0xE2, bytes).collect();
        let capitals = memchr::memchr_iter(b'X', bytes);
        let mut boxes = Vec::new();
        let mut capitals = capitals.peekable();
        // Merge the two ordered lists of candidates.
        let mut merged = Vec::with_capacity(starts.len());
        for s in starts.drain(..) {
            while let Some(&x) = capitals.peek().filter(|&&x| x < s) {
                merged.push(x);
                capitals.next();
            }
            merged.push(s);
        }
        merged.extend(capitals);
        steps::add(merged.len());
        for at in merged {
            if boxes.last().is_some_and(|b: &FormBox| b.span.end > at) {
                continue;
            }
            if let Some(found) = box_at(text, at) {
                boxes.push(found);
            }
        }
        Boxes { boxes }
    }

    /// The mark of the box that belongs to the term at `span`, by its
    /// line's convention: the box right before it, or, on a line whose
    /// first box follows a word, the box right after it. Only blanks may
    /// stand between a box and its term.
    pub fn mark_of(&self, text: &str, lines: &Lines, span: &Range<usize>) -> Option<Mark> {
        self.own_box(text, lines, span).map(|b| b.mark)
    }

    fn own_box(&self, text: &str, lines: &Lines, span: &Range<usize>) -> Option<&FormBox> {
        let line = lines.range(lines.line_of(span.start));
        let first = self.first_from(line.start).filter(|b| b.span.start < line.end)?;
        steps::add(1);
        if first.follows_word {
            let after = self.first_from(span.end).filter(|b| b.span.start < line.end)?;
            only_blanks(&text[span.end..after.span.start]).then_some(after)
        } else {
            let before = self.last_before(span.start).filter(|b| b.span.start >= line.start)?;
            only_blanks(&text[before.span.end..span.start]).then_some(before)
        }
    }

    /// Whether the term at `span` is a Yes or No that is the whole label of
    /// an empty box ("[ ] No", "No [ ]", then the line's end or the next
    /// box): an option of the question before it left unticked, which
    /// [`Boxes::answer_after`] reads and which states nothing, so it denies
    /// nothing on the line after it ("[X] Yes  [ ] No\n If yes, which drug:
    /// upadacitinib").
    pub fn is_unticked_option(&self, text: &str, lines: &Lines, span: &Range<usize>) -> bool {
        let Some(own) = self.own_box(text, lines, span) else { return false };
        if own.mark != Mark::Unticked || answer_word(&text[span.clone()]).is_none() {
            return false;
        }
        let label_end = span.end.max(own.span.end);
        let line_end = lines.range(lines.line_of(span.start)).end.max(label_end);
        let rest = &text[label_end..line_end];
        let blanks = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        steps::add(blanks + 1);
        blanks == rest.len()
            || self.first_from(label_end).is_some_and(|b| b.span.start == label_end + blanks)
    }

    /// Whether `start` lies in the item of an empty box earlier on its line,
    /// on a line whose boxes stand before their labels: the item runs from
    /// the box to the next column gap (two blanks) or box, so a form's
    /// class with its agents as examples ("[ ] Systemic immunosuppressant
    /// (cyclosporine / methotrexate)") or a pair of sites ("☐ axillae/groin")
    /// is not taken unless the box is ticked.
    pub fn in_unticked_item(&self, text: &str, lines: &Lines, start: usize) -> bool {
        let line = lines.range(lines.line_of(start));
        let Some(first) = self.first_from(line.start).filter(|b| b.span.start < start) else {
            return false;
        };
        let Some(nearest) = self.last_before(start) else { return false };
        if first.follows_word || nearest.span.start < line.start || nearest.mark == Mark::Ticked {
            return false;
        }
        let item = text[nearest.span.end..start].trim_start_matches([' ', '\t']);
        steps::add(start - nearest.span.end);
        !item.contains("  ") && !item.contains('\t')
    }

    /// How a form question that ends at `end` is answered by the Yes/No
    /// boxes after it on its line ("Ongoing flares? [ ] Yes [X] No",
    /// "Flares: (Yes) No"), within `reach` bytes: `Some(Yes)` when its Yes
    /// is ticked, `Some(No)` when its No is ticked or its Yes is left
    /// empty, `None` when no Yes/No box answers it.
    pub fn answer_after(
        &self,
        text: &str,
        lines: &Lines,
        end: usize,
        reach: usize,
    ) -> Option<Answer> {
        match self.marks_after(text, lines, end, reach) {
            (_, Some(Mark::Ticked)) | (Some(Mark::Unticked), _) => Some(Answer::No),
            (Some(Mark::Ticked), _) => Some(Answer::Yes),
            _ => None,
        }
    }

    /// The marks of the Yes and the No box after `end` on its line, for a
    /// reader that must tell a blank Yes from a ticked No.
    pub fn marks_after(
        &self,
        text: &str,
        lines: &Lines,
        end: usize,
        reach: usize,
    ) -> (Option<Mark>, Option<Mark>) {
        let line_end = lines.range(lines.line_of(end)).end;
        let mut stop = line_end.min(end + reach);
        while !text.is_char_boundary(stop) {
            stop -= 1;
        }
        let first = self.boxes.partition_point(|b| b.span.start < end);
        let (mut yes, mut no) = (None, None);
        // Both options of a question are laid out alike: after a box that
        // reads the word after it ("[ ] Y [X] N"), the next box does too,
        // though a word (the first option's) stands before it.
        let mut words_after = false;
        // A question has two options; more boxes are another question's.
        for b in self.boxes[first..].iter().take(2).take_while(|b| b.span.end <= stop) {
            steps::add(1);
            let read = match words_after {
                true => self.word_after(text, b, stop),
                false => self.option_word(text, b, stop),
            };
            words_after |= !b.follows_word && read.is_some();
            match b.answer.or(read) {
                Some(Answer::Yes) => yes = yes.or(Some(b.mark)),
                Some(Answer::No) => no = no.or(Some(b.mark)),
                None => break,
            }
        }
        (yes, no)
    }

    /// The Yes or No a box marks: the word after it, or before it when the
    /// box follows its word ("Yes [X]").
    fn option_word(&self, text: &str, b: &FormBox, stop: usize) -> Option<Answer> {
        if !b.follows_word {
            return self.word_after(text, b, stop);
        }
        let word = text[..b.span.start].trim_end().rsplit(|c: char| !c.is_alphabetic()).next()?;
        steps::add(word.len() + 1);
        answer_word(word)
    }

    /// The Yes or No written right after a box, before `stop`.
    fn word_after(&self, text: &str, b: &FormBox, stop: usize) -> Option<Answer> {
        let rest = text.get(b.span.end..stop.max(b.span.end))?;
        let word = rest.trim_start().split(|c: char| !c.is_alphabetic()).next()?;
        steps::add(word.len() + 1);
        answer_word(word)
    }

    /// The first box that starts at or after `at`.
    fn first_from(&self, at: usize) -> Option<&FormBox> {
        self.boxes.get(self.boxes.partition_point(|b| b.span.start < at))
    }

    /// The last box that ends at or before `at`.
    fn last_before(&self, at: usize) -> Option<&FormBox> {
        let i = self.boxes.partition_point(|b| b.span.end <= at);
        i.checked_sub(1).map(|i| &self.boxes[i])
    }
}

/// Whether a form's written answer word is Yes or No.
fn answer_word(word: &str) -> Option<Answer> {
    if word.eq_ignore_ascii_case("yes") || word.eq_ignore_ascii_case("y") {
        Some(Answer::Yes)
    } else if word.eq_ignore_ascii_case("no") || word.eq_ignore_ascii_case("n") {
        Some(Answer::No)
    } else {
        None
    }
}

/// Whether `gap` holds only spaces and tabs (or nothing).
fn only_blanks(gap: &str) -> bool {
    steps::add(gap.len().min(8));
    gap.len() <= 8 && gap.bytes().all(|b| b == b' ' || b == b'\t')
}

/// The box that starts at `at`, if one does.
fn box_at(text: &str, at: usize) -> Option<FormBox> {
    let rest = &text[at..];
    let first = rest.chars().next()?;
    let (len, mark, answer) = match first {
        '[' | '(' => bracketed(rest, first)?,
        'X' => (1, lone_capital_x(text, at)?, None),
        glyph if TICKED_GLYPHS.contains(&glyph) => (glyph.len_utf8(), Mark::Ticked, None),
        glyph if EMPTY_GLYPHS.contains(&glyph) => (glyph.len_utf8(), Mark::Unticked, None),
        _ => return None,
    };
    let span = at..at + len;
    Some(FormBox { follows_word: follows_word(text, at), span, mark, answer })
}

/// A box in brackets at the start of `rest`: "[ ]", "[x]", "( )", "(x)",
/// and an answer in brackets ("(Yes)").
fn bracketed(rest: &str, open: char) -> Option<(usize, Mark, Option<Answer>)> {
    let close = if open == '[' { ']' } else { ')' };
    let inside_end = rest[1..].char_indices().take(5).find(|&(_, c)| c == close)?.0 + 1;
    let inside = &rest[1..inside_end];
    let len = inside_end + 1;
    if let Some(answer) = answer_word(inside.trim()).filter(|_| inside.trim().len() > 1) {
        return Some((len, Mark::Ticked, Some(answer)));
    }
    if inside.chars().count() > MAX_INSIDE {
        return None;
    }
    let marks: Vec<char> = inside.chars().filter(|c| !matches!(c, ' ' | '_' | '\t')).collect();
    match marks.as_slice() {
        // "()" is no box; "( )" and "[]" are.
        [] if open == '(' && inside.is_empty() => None,
        [] => Some((len, Mark::Unticked, None)),
        [mark] if TICKS.contains(mark) => Some((len, Mark::Ticked, None)),
        _ => None,
    }
}

/// A lone capital X ticking the label after it: at the start of its line
/// or of a column (after two blanks or a colon), with a blank and a letter
/// after it ("X  New start"), never inside a word or a phrase ("BID X 4
/// WKS").
fn lone_capital_x(text: &str, at: usize) -> Option<Mark> {
    let after = &text[at + 1..];
    let blanks = after.len() - after.trim_start_matches([' ', '\t']).len();
    let letter = after[blanks..].starts_with(|c: char| c.is_alphabetic());
    let before = &text[..at];
    let indent = before.len() - before.trim_end_matches([' ', '\t']).len();
    let opens = match before.trim_end_matches([' ', '\t']).chars().next_back() {
        None | Some('\n') => true,
        Some(':') => indent >= 1,
        Some(_) => indent >= 2,
    };
    steps::add(blanks + indent + 1);
    (blanks >= 1 && letter && opens).then_some(Mark::Ticked)
}

/// Whether a box at `at` stands right after a word on its line (at most
/// one blank between): "Initial [X]", "Yes ☐".
fn follows_word(text: &str, at: usize) -> bool {
    let before = &text[..at];
    let before = before.strip_suffix(' ').unwrap_or(before);
    steps::add(2);
    before.chars().next_back().is_some_and(|c| c.is_alphanumeric())
}

/// Whether the box right before `start` is ticked ("[X] Failed"): the
/// answer of a form's question about the item above it.
pub fn ticked_box_before(text: &str, start: usize) -> bool {
    let before = text[..start].trim_end_matches([' ', '\t']);
    steps::add(start - before.len() + 8);
    // The box's opening is within a few characters of its end.
    let from = before.char_indices().rev().take(MAX_INSIDE + 2).last().map_or(0, |(i, _)| i);
    (from..before.len()).filter(|&i| before.is_char_boundary(i)).any(|i| {
        box_at(before, i).is_some_and(|b| b.span.end == before.len() && b.mark == Mark::Ticked)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(text: &str) -> Vec<(String, Option<Mark>)> {
        let boxes = Boxes::new(text);
        let lines = Lines::new(text.as_bytes());
        text.split(|c: char| !c.is_alphabetic())
            .filter(|w| w.len() > 1)
            .map(|w| {
                let start = w.as_ptr() as usize - text.as_ptr() as usize;
                (w.to_string(), boxes.mark_of(text, &lines, &(start..start + w.len())))
            })
            .collect()
    }

    fn mark(text: &str, word: &str) -> Option<Mark> {
        marks(text).into_iter().find(|(w, _)| w == word).and_then(|(_, m)| m)
    }

    use Mark::{Ticked, Unticked};

    /// Whether the word `word` (its first occurrence) is an unticked option.
    fn unticked_option(text: &str, word: &str) -> bool {
        let start = text.find(word).expect("word in text");
        let lines = Lines::new(text.as_bytes());
        Boxes::new(text).is_unticked_option(text, &lines, &(start..start + word.len()))
    }

    #[test]
    fn an_empty_yes_or_no_box_is_an_unticked_option() {
        assert!(unticked_option("Taking another biologic?  [X] Yes  [ ] No\n", "No"));
        assert!(unticked_option("Response:  [ ] No  [ ] Yes", "No"));
        assert!(unticked_option("Adherent?  Yes [X]  No [ ]", "No"));
        // A ticked No answers; a box whose label says more is no option.
        assert!(!unticked_option("Taking another biologic?  [ ] Yes  [X] No", "No"));
        assert!(!unticked_option("[ ] No prior systemic therapy", "No"));
        assert!(!unticked_option("No change in the plan.", "No"));
    }

    #[test]
    fn both_options_of_a_question_are_laid_out_alike() {
        // "[ ] Y [X] N": the ticked box stands after "Y" but marks the "N"
        // after it, as the first box marks the word after it.
        let text = "Tried a preferred product?   [ ] Y [X] N\n";
        let lines = Lines::new(text.as_bytes());
        let end = text.find('?').unwrap() + 1;
        assert_eq!(
            Boxes::new(text).marks_after(text, &lines, end, 48),
            (Some(Unticked), Some(Ticked))
        );
        let text = "Tried a preferred product?   Yes [ ]  No [X]\n";
        let lines = Lines::new(text.as_bytes());
        assert_eq!(
            Boxes::new(text).marks_after(text, &lines, end, 48),
            (Some(Unticked), Some(Ticked))
        );
    }

    #[test]
    fn every_box_style_reads_the_same() {
        for (ticked, empty) in [
            ("[x]", "[ ]"),
            ("[X]", "[_]"),
            ("(x)", "( )"),
            ("☒", "☐"),
            ("☑", "□"),
            ("✓", "☐"),
            ("✔", "☐"),
            ("■", "□"),
            ("[✓]", "[  ]"),
        ] {
            let text = format!("Sites: {ticked} Hands   {empty} Feet");
            assert_eq!(mark(&text, "Hands"), Some(Ticked), "{text}");
            assert_eq!(mark(&text, "Feet"), Some(Unticked), "{text}");
        }
    }

    #[test]
    fn a_box_after_its_label_when_the_line_starts_so() {
        let text = "Therapy type: Initial [X]   Renewal [ ]";
        assert_eq!(mark(text, "Initial"), Some(Ticked));
        assert_eq!(mark(text, "Renewal"), Some(Unticked));
        let leading = "Therapy type: [ ] Initial [X] Renewal";
        assert_eq!(mark(leading, "Initial"), Some(Unticked));
        assert_eq!(mark(leading, "Renewal"), Some(Ticked));
    }

    #[test]
    fn a_lone_capital_x_ticks_a_label_at_a_line_or_column_start() {
        assert_eq!(mark("X  New start\n   Renewal", "New"), Some(Ticked));
        assert_eq!(mark("Type:  X New start", "New"), Some(Ticked));
        assert_eq!(mark("Mometasone BID X 4 WKS then stop", "WKS"), None);
        assert_eq!(mark("X-ray of the hands", "ray"), None);
    }

    #[test]
    fn no_box_is_no_mark() {
        assert_eq!(mark("Triamcinolone (0.1%) to hands", "to"), None);
        assert_eq!(mark("Hands (x2) and feet", "and"), None);
        assert_eq!(mark("Response [adequate] noted", "noted"), None);
        assert_eq!(mark("Plan () start", "start"), None);
    }

    #[test]
    fn yes_no_answers_in_every_style() {
        let answer = |text: &str| {
            let boxes = Boxes::new(text);
            let lines = Lines::new(text.as_bytes());
            let end = text.find('?').unwrap();
            boxes.answer_after(text, &lines, end, 48)
        };
        assert_eq!(answer("Flares?  [X] Yes  [ ] No"), Some(Answer::Yes));
        assert_eq!(answer("Flares?  [ ] Yes  [X] No"), Some(Answer::No));
        assert_eq!(answer("Flares?  ☐ Yes   ☒ No"), Some(Answer::No));
        assert_eq!(answer("Flares?  ☑ Yes   ☐ No"), Some(Answer::Yes));
        assert_eq!(answer("Flares?  Yes [X]   No [ ]"), Some(Answer::Yes));
        assert_eq!(answer("Flares?  (Yes)  No"), Some(Answer::Yes));
        assert_eq!(answer("Flares?  Yes  (No)"), Some(Answer::No));
        assert_eq!(answer("Flares?  [ ] Yes  [ ] No"), Some(Answer::No), "left blank");
        assert_eq!(answer("Flares? see note [x] attached"), None);
    }

    #[test]
    fn a_ticked_box_right_before() {
        assert!(ticked_box_before("Outcome: [X] Failed", 13));
        assert!(ticked_box_before("Outcome: ☒ Failed", "Outcome: ☒ ".len()));
        assert!(!ticked_box_before("Outcome: [ ] Failed", 13));
        assert!(!ticked_box_before("Outcome: Failed", 9));
    }
}
