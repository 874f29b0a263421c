//! Sentence splitting: the scope of a trigger never leaves its sentence, so
//! where sentences end decides how far "no" reaches.

use std::ops::Range;

/// Titles and short forms whose period does not end a sentence.
const ABBREVIATIONS: &[&str] =
    &["dr", "mr", "mrs", "ms", "st", "jr", "sr", "vs", "approx", "e.g", "i.e"];

/// Splits `text` into sentences covering it, ending them at sentence-final
/// punctuation, at ";", at blank lines, at a line break before a list item,
/// and at every offset in `breaks` (section headings).
pub(crate) fn split(text: &str, breaks: &[usize]) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    // Each end is first an empty range at it, then becomes the sentence
    // that it ends, in place: one vector per text, not two.
    let mut sentences = Vec::new();
    push_ends(bytes, &mut sentences);
    let breaks = breaks.iter().copied().filter(|&b| b > 0 && b < bytes.len());
    sentences.extend(breaks.map(|end| end..end));
    // Stable: the ends come as two or three sorted runs, which it merges.
    sentences.sort_by_key(|s| s.end);
    sentences.dedup_by_key(|s| s.end);
    // No end is at 0, so every end closes a sentence.
    let mut start = 0;
    for sentence in &mut sentences {
        sentence.start = start;
        start = sentence.end;
    }
    if start < bytes.len() || sentences.is_empty() {
        sentences.push(start..bytes.len());
    }
    sentences
}

/// Pushes, as an empty range at it, each place where a sentence ends by the
/// text's own punctuation and lines, in no particular order, maybe twice.
fn push_ends(bytes: &[u8], ends: &mut Vec<Range<usize>>) {
    let mut push = |end: usize| ends.push(end..end);
    // Two vectorised scans find the few bytes that may end a sentence.
    let candidates = memchr::memchr3_iter(b'.', b';', b'\n', bytes)
        .chain(memchr::memchr3_iter(b'!', b'?', b')', bytes));
    for i in candidates {
        match bytes[i] {
            b'.' | b'!' | b'?' => {
                // A quotation or parenthesis may close after the full stop:
                // 'reports "itchy all over." Says it keeps flaring'.
                let end = i + 1 + closers_at(&bytes[i + 1..]);
                let closes = bytes.get(end).is_none_or(u8::is_ascii_whitespace);
                if closes && !(bytes[i] == b'.' && follows_abbreviation(bytes, i)) {
                    push(end);
                }
            }
            b';' => push(i + 1),
            b'\n' if starts_new_item(&bytes[i + 1..]) || answered_line_ends(bytes, i) => {
                push(i + 1)
            }
            b')' => inline_item_start(bytes, i).into_iter().for_each(&mut push),
            _ => {}
        }
    }
}

/// The length of the closing quotes and brackets at the start of `rest`
/// (ASCII, and the typographic ’ and ” of word processors).
fn closers_at(rest: &[u8]) -> usize {
    let mut at = 0;
    loop {
        match rest.get(at..) {
            Some([b'"' | b'\'' | b')' | b']', ..]) => at += 1,
            Some([0xE2, 0x80, 0x99 | 0x9D, ..]) => at += 3,
            _ => return at,
        }
    }
}

/// True when the line break at `newline` ends a form's answered question
/// ("Currently on a biologic: No"), so that its "No" does not negate the
/// next question; not when the next line goes on in lower case ("...: no\n
/// improvement").
fn answered_line_ends(bytes: &[u8], newline: usize) -> bool {
    let next = bytes[newline + 1..].iter().find(|b| !b.is_ascii_whitespace());
    !next.is_some_and(u8::is_ascii_lowercase) && ends_with_answer(&bytes[..newline])
}

/// True when a line ends with a short answer after a colon.
fn ends_with_answer(line: &[u8]) -> bool {
    let line = line.trim_ascii_end();
    let word_start =
        line.iter().rposition(|b| !b.is_ascii_alphabetic() && *b != b'/').map_or(0, |p| p + 1);
    let answer = &line[word_start..];
    let before = line[..word_start].trim_ascii_end();
    before.ends_with(b":")
        && [&b"yes"[..], b"no", b"n/a", b"none", b"unknown"]
            .iter()
            .any(|a| answer.eq_ignore_ascii_case(a))
}

/// True when the period at `dot` closes an abbreviation such as "Dr.".
fn follows_abbreviation(bytes: &[u8], dot: usize) -> bool {
    let word_start = bytes[..dot]
        .iter()
        .rposition(|b| !(b.is_ascii_alphabetic() || *b == b'.'))
        .map_or(0, |p| p + 1);
    let word = &bytes[word_start..dot];
    ABBREVIATIONS.iter().any(|a| a.as_bytes().eq_ignore_ascii_case(word))
}

/// Where the item starts when the ")" at `paren` closes an inline list
/// number ("1) esophagitis  2) hiatal hernia"), whose items do not share a
/// scope: one or two digits after white space, and white space after.
fn inline_item_start(bytes: &[u8], paren: usize) -> Option<usize> {
    let digits = bytes[..paren].iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let start = paren - digits;
    let spaced_before = start > 0 && bytes[start - 1].is_ascii_whitespace();
    let spaced_after = bytes.get(paren + 1).is_some_and(u8::is_ascii_whitespace);
    ((1..=2).contains(&digits) && spaced_before && spaced_after).then_some(start)
}

/// True when the line after a line break starts a new item: a blank line,
/// a bullet, a number followed by "." or ")", or a label such as "Skin:".
fn starts_new_item(rest: &[u8]) -> bool {
    let content = rest.iter().position(|b| *b != b' ' && *b != b'\t').unwrap_or(rest.len());
    let rest = &rest[content..];
    match rest.first() {
        None | Some(b'\n' | b'\r') => true,
        Some(b'-' | b'*' | b'+' | b'#') => true,
        Some(b'0'..=b'9') => {
            let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            // "1. " and "2) " number items; "0.05% ointment" is a wrapped strength.
            matches!(rest.get(digits), Some(b'.' | b')'))
                && rest.get(digits + 1).is_none_or(u8::is_ascii_whitespace)
        }
        Some(b) if b.is_ascii_alphabetic() => starts_with_label(rest),
        _ => rest.starts_with("•".as_bytes()),
    }
}

/// True when a line opens with a short capitalised label and a colon
/// ("Itch: 8/10", "Current Medications:"), not a wrapped line that happens to
/// hold a colon ("four-week courses during 2024: inadequate response").
fn starts_with_label(line: &[u8]) -> bool {
    if !line.first().is_some_and(u8::is_ascii_uppercase) {
        return false;
    }
    let label = line.iter().take(40).position(|b| {
        !(b.is_ascii_alphabetic() || matches!(b, b' ' | b'/' | b'&' | b'-' | b'(' | b')'))
    });
    label.is_some_and(|end| {
        line[end] == b':'
            && line[..end].split(|b| *b == b' ').filter(|w| !w.is_empty()).count() <= 4
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces<'a>(text: &'a str, breaks: &[usize]) -> Vec<&'a str> {
        split(text, breaks).into_iter().map(|r| text[r].trim()).collect()
    }

    #[test]
    fn ends_at_punctuation_and_semicolons() {
        assert_eq!(pieces("No fever. Cough; wheeze", &[]), ["No fever.", "Cough;", "wheeze"]);
    }

    #[test]
    fn a_closing_quote_or_parenthesis_stays_with_its_sentence() {
        let text = "Reports \"itchy all over.\" Known AD (since 2019.) Flaring; ok.\u{201d} Next";
        assert_eq!(
            pieces(text, &[]),
            [
                "Reports \"itchy all over.\"",
                "Known AD (since 2019.)",
                "Flaring;",
                "ok.\u{201d}",
                "Next"
            ]
        );
        assert_eq!(pieces("He said \"no.\"x", &[]).len(), 1, "no space after: no end");
    }

    #[test]
    fn an_answered_form_line_ends_its_sentence() {
        let form = "Currently on a biologic: No\nPersistent flares despite topical therapy: Yes\nX";
        assert_eq!(
            pieces(form, &[]),
            ["Currently on a biologic: No", "Persistent flares despite topical therapy: Yes", "X"]
        );
        assert_eq!(pieces("She says no\nmore itching", &[]).len(), 1, "no colon, no answer");
        assert_eq!(pieces("Tacrolimus: no\n  improvement.", &[]).len(), 1, "a wrapped line");
    }

    #[test]
    fn abbreviations_and_decimals_do_not_end_sentences() {
        assert_eq!(pieces("Seen by Dr. Smith with BSA 2.5 today.", &[]).len(), 1);
    }

    #[test]
    fn list_lines_and_blank_lines_end_sentences() {
        let text = "Denies:\n- fever\n2) cough\nwrapped line\n\nnew paragraph";
        assert_eq!(
            pieces(text, &[]),
            ["Denies:", "- fever", "2) cough\nwrapped line", "", "new paragraph"]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn inline_numbered_items_end_sentences() {
        let text = "DIAGNOSIS:  1) Esophagitis s/p biopsy  2) Hiatal hernia (0.7-1.1 cm) x 2";
        assert_eq!(
            pieces(text, &[]),
            ["DIAGNOSIS:", "1) Esophagitis s/p biopsy", "2) Hiatal hernia (0.7-1.1 cm) x 2"]
        );
    }

    #[test]
    fn a_labelled_line_ends_a_sentence() {
        let text = "Denies fever and\nItch: 8/10\nwrapped still";
        assert_eq!(pieces(text, &[]), ["Denies fever and", "Itch: 8/10\nwrapped still"]);
    }

    #[test]
    fn breaks_end_sentences() {
        assert_eq!(
            pieces("Itchy rash,MEDICATIONS: none", &[11]),
            ["Itchy rash,", "MEDICATIONS: none"]
        );
    }
}
