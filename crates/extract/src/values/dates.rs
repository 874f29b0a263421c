//! The note's own date: the visit, letter or form date it states, read
//! with the one date grammar ([`crate::dates`]) in windows of a few dozen
//! bytes after the labels the lexicon finds.

pub use crate::dates::{Date, DatePatterns};
use crate::lexicon::{DateLabel, Meaning, ValueCue};
use crate::mentions::{Mention, Note, Question, Reason};
use necessity_context::steps;
use necessity_context::SectionKind;
use std::ops::Range;

/// How far after its label a note's date may be written ("Date of
/// service (DOS): 02/17/2026"), and after a signature label, which a
/// name may part from its date ("E-signed: A. Lowry MD  06/03/2026").
const LABEL_REACH: usize = 40;
const SIGNED_REACH: usize = 64;

/// How far past a label's reach the date that starts within it is read.
const DATE_TAIL: usize = 24;

/// How many bytes may part a named label from its date ("Encounter
/// date/time: ...", "Date of service (DOS): ...").
const NAMED_LABEL_GAP: usize = 16;

/// How many lines at the top of a note a letter's date line may stand on.
const LETTER_LINES: usize = 15;

/// The note's own date, the visit, letter or form date it states, with the
/// words that state it: a visit label first ("Date of service:",
/// "Encounter date:", "DOS"), then a document's date ("Date:", a letter's
/// date line), a signature date, and last a fax or received date. Of labels
/// of one rank the first counts. Copied-forward or prior-visit text never
/// dates the note.
pub fn note_date(patterns: &DatePatterns, note: &Note) -> Option<(Date, Range<usize>)> {
    let text = note.text();
    let mut best: Option<(DateLabel, Date, Range<usize>)> = None;
    steps::add(note.mentions().len());
    for mention in note.mentions() {
        let Meaning::Value(ValueCue::Date { label, line_start }) = mention.meaning else {
            continue;
        };
        if best.as_ref().is_some_and(|(rank, _, _)| rank <= label)
            || (*line_start && !starts_a_cell(text, mention.span.start))
            || in_the_past(note, mention)
            || cites_another_document(note, mention.span.start)
        {
            continue;
        }
        let reach = if *label == DateLabel::Signed { SIGNED_REACH } else { LABEL_REACH };
        // The date must start within reach, and is read whole: a window
        // cut inside "01/09/2026" would read "01/09/20".
        let window = super::rest_of_line(text, mention.span.end, reach + DATE_TAIL);
        let Some(found) = patterns.first_precise(window).filter(|f| f.span.start < reach) else {
            continue;
        };
        // A bare label's date follows it ("Date of injury:" is no "Date:");
        // a named one may carry a few words ("Encounter date/time:"), and
        // a signature's date may stand after a name.
        let gap = &window[..found.span.start];
        let follows = match (*label, *line_start) {
            (DateLabel::Signed, _) => true,
            // "Today (01/16/2026):" brackets its date.
            (DateLabel::Today, true) if gap.trim() == "(" => true,
            (_, true) => patterns.label_gap.is_match(gap),
            (_, false) => gap.len() <= NAMED_LABEL_GAP,
        };
        if !follows {
            continue;
        }
        // A label run over a line break ("... Visit" then "Date:") starts
        // on the date's line.
        let label_text = &text[mention.span.clone()];
        let start = mention.span.start + label_text.rfind('\n').map_or(0, |i| i + 1);
        best = Some((*label, found.date, start..mention.span.end + found.span.end));
    }
    let letter = best.as_ref().is_none_or(|(rank, _, _)| *rank > DateLabel::Document);
    if letter {
        if let Some((date, span)) = letter_date_line(patterns, note) {
            return Some((date, span));
        }
    }
    best.map(|(_, date, span)| (date, span))
}

/// Whether the line of a date label at `at` cites another document: a
/// footnote ("² Clinic note 09/08/2025, visit at which dupilumab was
/// started") or an enclosure ("Clinic notes 04/14/2025 (enclosed)").
fn cites_another_document(note: &Note, at: usize) -> bool {
    const FOOTNOTE_MARKS: [char; 10] = ['¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹', '⁰'];
    let line = note.lines().range(note.lines().line_of(at));
    let text = &note.text()[line];
    steps::add(text.len());
    let opening = text.trim_start();
    let bracketed = opening.strip_prefix('[').and_then(|rest| rest.split_once(']'));
    opening.starts_with(FOOTNOTE_MARKS)
        || bracketed
            .is_some_and(|(mark, _)| !mark.is_empty() && mark.bytes().all(|b| b.is_ascii_digit()))
        || ["(enclosed)", "(attached)"].iter().any(|word| text.contains(word))
}

/// Whether a date label is in the past: after a historical trigger
/// ("at the last visit"), or in copied-forward text. A section heading's
/// default ("Occupation:" above a "Date:" line) does not make it so.
fn in_the_past(note: &Note, mention: &Mention) -> bool {
    match note.judge(mention, Question::NOT_HISTORICAL) {
        Ok(()) => mention.section == SectionKind::PriorVisit,
        Err(Reason::Context(_, cause)) => {
            !cause.is_heading() || mention.section == SectionKind::PriorVisit
        }
        Err(_) => true,
    }
}

/// Whether a label starts its line or a column of a form ("Date: ..." at
/// the left, or after a run of spaces, a tab or a bar), not a word inside
/// a phrase ("Start date") nor an aside in brackets, which dates what it
/// stands beside ("| (date: 06/10/2025) |" heads a table's column).
fn starts_a_cell(text: &str, start: usize) -> bool {
    let before = &text.as_bytes()[..start];
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let lead = &before[line_start..];
    let trimmed = lead.trim_ascii_end();
    if trimmed.last() == Some(&b'(') {
        return false;
    }
    trimmed.iter().all(|b| !b.is_ascii_alphanumeric())
        || lead.ends_with(b"  ")
        || matches!(trimmed.last(), Some(b'|' | b'\t'))
}

/// A letter's date line: one of the first lines of the note that holds a
/// date to the day and nothing else ("March 3, 2026").
fn letter_date_line(patterns: &DatePatterns, note: &Note) -> Option<(Date, Range<usize>)> {
    let text = note.text();
    let lines = note.lines();
    (0..lines.count().min(LETTER_LINES)).find_map(|index| {
        let range = lines.range(index);
        let line = &text[range.clone()];
        let trimmed = line.trim();
        if trimmed.len() > TITLED_DATE_LINE {
            return None;
        }
        let lead = line.len() - line.trim_start().len();
        let found = patterns.first_precise(trimmed)?;
        let rest = &trimmed[found.span.end..];
        let alone = found.span.start == 0 && trimmed.len() <= 32;
        let whole = (alone || titled(patterns, &trimmed[..found.span.start]))
            && (rest.is_empty() || patterns.time_after.is_match(rest))
            && found.date.is_day();
        let at = range.start + lead;
        whole.then(|| (found.date, at..at + trimmed.len()))
    })
}

/// The longest line read for a date that heads a note.
const TITLED_DATE_LINE: usize = 80;

/// Whether the words before a date on a heading line are a title that the
/// date is set apart from by a dash or bar ("Established patient visit --
/// Monday, February 9, 2026"): words of letters only, then the gap a
/// label's date may have.
fn titled(patterns: &DatePatterns, before: &str) -> bool {
    let title_end = before.find(|c: char| !(c.is_ascii_alphabetic() || c == ' ')).unwrap_or(0);
    let (title, gap) = before.split_at(title_end);
    let set_apart = gap.contains(['-', '|', '\u{2013}', '\u{2014}']);
    title.trim().contains(' ') && set_apart && patterns.label_gap.is_match(gap.trim_end())
}

#[cfg(test)]
mod tests {
    /// The note's date as the record writes it, and its evidence.
    fn note_date_of(text: &str) -> Option<(String, String)> {
        let facts = crate::extract_case(&crate::Lexicons::builtin(), text);
        let evidence = facts.evidence.get("note_date").map(|e| e[0].text.clone());
        facts.note_date.zip(evidence)
    }

    #[test]
    fn the_visit_date_comes_before_a_document_or_signature_date() {
        let text = "Dermatology follow-up\nDate: 03/02/2026\nDate of service: 02/27/2026\n\
                    Signed 03/04/2026";
        let (date, words) = note_date_of(text).unwrap();
        assert_eq!((date.as_str(), words.as_str()), ("2026-02-27", "Date of service: 02/27/2026"));
        let text = "Clinic note\nDate:  Thu 01/08/2026\nSeen for eczema.\nE-signed 01/09/2026";
        assert_eq!(note_date_of(text).unwrap().0, "2026-01-08");
        let text = "Seen for eczema.\nElectronically signed by A. Reyes, MD  11/21/2025 16:02";
        assert_eq!(note_date_of(text).unwrap().0, "2025-11-21");
        let text = "Encounter date/time: 05/06/2026 10:14\nCall about a refill.";
        assert_eq!(note_date_of(text).unwrap().0, "2026-05-06");
        let text = "encounter summary dictated date of service april 3 2026 patient seen";
        assert_eq!(note_date_of(text).unwrap().0, "2026-04-03");
        // A date at the end of a signature's reach is read whole.
        let text =
            "Seen for eczema.\nSigned: Rosalind Q. Featherstonehaugh, FNP-BC                    \
                    03/12/2026";
        assert_eq!(note_date_of(text).unwrap().0, "2026-03-12");
    }

    #[test]
    fn a_submission_stamp_may_say_how_in_brackets() {
        let text =
            "PRIOR AUTHORIZATION REQUEST\nSubmitted electronically (ePA) 02/17/2026 - Case 1\n\
                    Atopic dermatitis.";
        let (date, words) = note_date_of(text).unwrap();
        assert_eq!(
            (date.as_str(), words.as_str()),
            ("2026-02-17", "Submitted electronically (ePA) 02/17/2026")
        );
    }

    #[test]
    fn a_footnote_or_an_enclosure_dates_another_document() {
        let text = "WILLOWBROOK ALLERGY\n\nFebruary 17, 2026\n\nDear Reviewer,\nEczema.\n\
                    ________\n\u{b2} Clinic note 09/08/2025, visit at which dupilumab was started.\n";
        assert_eq!(note_date_of(text).unwrap().0, "2026-02-17");
        let text = "Letter\nFebruary 17, 2026\nEczema.\n[2] Clinic note 09/08/2025.\n";
        assert_eq!(note_date_of(text).unwrap().0, "2026-02-17");
        let text = "Letter\nFebruary 17, 2026\nEczema.\nClinic note 09/08/2025 (enclosed)\n";
        assert_eq!(note_date_of(text).unwrap().0, "2026-02-17");
        // The note's own label still dates it.
        let text = "Clinic note 02/17/2026\nEczema.\n";
        assert_eq!(note_date_of(text).unwrap().0, "2026-02-17");
    }

    #[test]
    fn a_header_visit_label_dates_the_note() {
        let text = "Progress Note\nPatient: R. Okafor     DOB: 02/03/1990\n\
                    Visit: 04/07/2026   Follow-up\nSeen for eczema.";
        let (date, words) = note_date_of(text).unwrap();
        assert_eq!((date.as_str(), words.as_str()), ("2026-04-07", "Visit: 04/07/2026"));
        let text = "ENCOUNTER : 01/06/2026\nSEEN FOR ECZEMA.";
        assert_eq!(note_date_of(text).unwrap().0, "2026-01-06");
        // A title set apart from its date by a dash heads the note too.
        let text = "Meridian Park Dermatology\nEstablished patient visit -- Monday, February 9, \
                    2026\n\nSeen for eczema.";
        assert_eq!(note_date_of(text).unwrap().0, "2026-02-09");
        let text = "Seen on the ward - 02/09/2026, with eczema.";
        assert_eq!(note_date_of(text), None);
        // A title joined to a second one by a slash still heads its date.
        let text = "PROGRESS NOTE / REAUTHORIZATION - 13 January 2026\nSeen for eczema.";
        assert_eq!(note_date_of(text).unwrap().0, "2026-01-13");
        // Of a packet's document date and its attached visit's, the first.
        let text = "PRIOR AUTHORIZATION FORM\nDate: 05/12/2026\nMember: 4471\n\n\
                    Patient: L. Abe   DOB 02/03/2017   Visit: 05/05/2026\nEczema.";
        assert_eq!(note_date_of(text).unwrap().0, "2026-05-12");
        // A visit word inside a sentence dates nothing.
        let text = "Seen for eczema. Her visit: 01/02/2026 was missed.";
        assert_eq!(note_date_of(text), None);
    }

    #[test]
    fn a_worksheets_or_reports_own_date_comes_before_a_receipt_stamp() {
        let text = "Renewal worksheet\nReceived: 04/02/2026 (fax)\nReview date: 04/06/2026\n";
        assert_eq!(note_date_of(text).unwrap().0, "2026-04-06");
        let text = "Case summary\nPrepared by: L. Ames, RN      Date prepared: 05/11/2026\n";
        assert_eq!(note_date_of(text).unwrap().0, "2026-05-11");
        let text = "Intake   Prepared: 05/11/2026   Ref 2231\nEczema.\n";
        assert_eq!(note_date_of(text).unwrap().0, "2026-05-11");
        let text = "Teledermatology\nReport date: 06/30/2026\nEczema of the hands.\n";
        assert_eq!(note_date_of(text).unwrap().0, "2026-06-30");
        let text = "Admit date: 06/01/2026\nDate of this note: 06/04/2026\nEczema.\n";
        assert_eq!(note_date_of(text).unwrap().0, "2026-06-04");
        let text = "Emergency department\nArrival: 07/09/2026 23:10   Triage 3\nRash.\n";
        assert_eq!(note_date_of(text).unwrap().0, "2026-07-09");
        // A demographics line's visit dates the note, but a packet's own
        // date, written first, outranks the visit of a note it encloses.
        let text = "Patient: R. Lee   DOB 02/03/2015   Visit: 08/12/2026\nEczema.\n";
        assert_eq!(note_date_of(text).unwrap().0, "2026-08-12");
        let packet =
            "Fax cover\nDate: 09/02/2026\n\nOFFICE NOTE\nPatient: R. Lee   Visit: 07/01/2026\n";
        assert_eq!(note_date_of(packet).unwrap().0, "2026-09-02");
        // Counter-example: a preparer named with no date dates nothing.
        assert_eq!(note_date_of("Prepared by: L. Ames, RN\nEczema.\n"), None);
    }

    #[test]
    fn a_date_in_brackets_heads_a_column_not_the_document() {
        let text = "Scores      | Before (date: 04/02/2025) | Now (date: 11/18/2025) |\n\
                    EASI        | 24                        | 5                      |\n\
                    Prescriber: K. Amadi, MD     Date: 11/19/2025";
        assert_eq!(note_date_of(text).unwrap().0, "2025-11-19");
        // A label that starts its cell still dates the document.
        let text = "Renewal form\n  | Date: 11/19/2025 | Member: 4471 |";
        assert_eq!(note_date_of(text).unwrap().0, "2025-11-19");
    }

    #[test]
    fn a_letters_date_line_dates_the_letter() {
        let text = "Northside Skin Clinic\n12 Elm Road\n\nJanuary 9, 2026\n\nDear Reviewer,\n\
                    I saw her on 12/30/2025.";
        assert_eq!(note_date_of(text).unwrap().0, "2026-01-09");
        let text = "Phone note\n02/11/2026 09:40\nMother called about the rash.";
        assert_eq!(note_date_of(text).unwrap().0, "2026-02-11");
    }

    #[test]
    fn an_export_of_several_visits_is_dated_by_its_latest() {
        let export = "[VISIT 1 of 2]  02/03/2025  Clinic\nEczema, BSA 20%.\n\
                      Signed by J. Ruiz, MD 02/03/2025\n\n\
                      [VISIT 2 of 2]  07/21/2025  Clinic\nEczema, BSA 4%.\n\
                      Signed by J. Ruiz, MD 07/21/2025\n";
        assert_eq!(note_date_of(export).unwrap().0, "2025-07-21");
        let export = "VISIT 1 of 2   02/03/2025\nEczema.\nSigned: J. Ruiz 02/03/2025\n\n\
                      VISIT 2 of 2   07/21/2025\nEczema.\nSigned: J. Ruiz 07/21/2025\n";
        assert_eq!(note_date_of(export).unwrap().0, "2025-07-21");
        // One visit's note signed twice is dated by its first signature.
        let note = "Clinic note\nEczema.\nSigned: J. Ruiz 02/03/2025\nCosigned: A. Li 02/04/2025\n";
        assert_eq!(note_date_of(note).unwrap().0, "2025-02-03");
    }

    #[test]
    fn another_date_of_the_patient_is_not_the_notes() {
        for text in [
            "Date of injury: 04/02/2025\nSeen for a burn.",
            "Start date: 05/12/2025 (dupilumab)\nRenewal requested.",
            "Date of last visit: 10/01/2025\nItch is worse.",
            "DOB: 02/17/1990\nEczema.",
            "She may start in March 2026 if approved.",
        ] {
            assert_eq!(note_date_of(text), None, "{text}");
        }
        // A heading's default ("Occupation:") does not date a label away.
        let text = "Patient: A. B.\nOccupation: chef\nDate: 10/28/2025\n";
        assert_eq!(note_date_of(text).unwrap().0, "2025-10-28");
    }
}
