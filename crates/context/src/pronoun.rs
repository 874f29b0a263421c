//! A relative named only by a pronoun: "Mom asks about Dupixent. She has
//! hand eczema herself and has been on Dupixent for two years." The second
//! sentence names no relative, so no family trigger reaches it, yet it is
//! all about the mother. An emphatic reflexive ("herself" after what she
//! has, not after a verb she does to herself) sets its subject against the
//! patient; with a relative named in the sentence before, that subject is
//! the relative, and the relative's family trigger reaches the sentence.
//! A relative also named by a given name ("Owen's older brother Callum
//! (12)") is the subject of every later sentence that opens with that name
//! ("Callum has had severe atopic dermatitis since infancy ..."), and the
//! relative's trigger reaches it too.

use crate::lexicon::Entry;
use crate::{Axis, Hit, Role};
use regex::Regex;
use std::ops::Range;
use std::sync::OnceLock;

/// How much of a sentence's opening is read for its pronoun and reflexive.
const OPENING: usize = 200;

/// A sentence whose subject is a pronoun that its emphatic reflexive of the
/// same gender sets against someone else. What comes between holds no end
/// of a clause; the word before the reflexive is checked apart (a regex
/// has no look-behind): a verb or preposition there makes it an object.
fn emphatic() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(
            r"(?xi)
            ^ \s*
            (?:
                she \s+ (?:has|had|is|was|also) \b [^.;:\n]{0,120}? \s (?P<her>\w+) \s+ herself \b
              | he  \s+ (?:has|had|is|was|also) \b [^.;:\n]{0,120}? \s (?P<him>\w+) \s+ himself \b
            )",
        )
        .expect("a fixed pattern")
    })
}

/// Whether the word before a reflexive makes it the object of what its
/// subject does ("has been injecting herself", "lives by himself").
fn object_before(word: &str) -> bool {
    let word = word.to_ascii_lowercase();
    word.ends_with("ing")
        || word.ends_with("ed")
        || ["by", "for", "to", "of", "on", "with", "about", "gave", "gives", "give"]
            .contains(&word.as_str())
}

/// For each lexicon entry, whether it names a relative: a family trigger,
/// or a look-alike whose first word is one ("mom asks" masks the trigger
/// "mom" as the experiencer of what she asks, yet names her).
pub(crate) fn names_relative(entries: &[Entry]) -> Vec<bool> {
    let relatives: Vec<&str> = entries
        .iter()
        .filter(|e| matches!(e.role, Role::Trigger(Axis::Family, _)))
        .map(|e| e.phrase.as_str())
        .collect();
    entries
        .iter()
        .map(|e| match e.role {
            Role::Trigger(Axis::Family, _) => true,
            Role::Pseudo => e.phrase.split_once(' ').is_some_and(|(w, _)| relatives.contains(&w)),
            _ => false,
        })
        .collect()
}

/// For each sentence about a relative named by a pronoun, its index and
/// the phrase naming the relative in the sentence before, in order of
/// sentences. `relatives` are the phrases naming a relative, by start.
pub(crate) fn relatives_by_pronoun(
    text: &str,
    sentences: &[Range<usize>],
    relatives: Vec<Hit>,
) -> Vec<(usize, Hit)> {
    let mut found = by_given_name(text, sentences, &relatives);
    if relatives.is_empty() {
        return found;
    }
    for (i, sentence) in sentences.iter().enumerate().skip(1) {
        crate::steps::add(1);
        let bytes = text.as_bytes();
        let first = bytes[sentence.clone()].iter().position(|b| !b.is_ascii_whitespace());
        // Only a sentence opening with "he" or "she" is read further.
        let Some(first) = first.map(|f| sentence.start + f) else { continue };
        if !matches!(bytes[first].to_ascii_lowercase(), b'h' | b's') {
            continue;
        }
        let mut end = sentence.end.min(first + OPENING);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        crate::steps::add(end - first);
        // Most openings hold no reflexive: looked for before the regex runs.
        if !bytes[first..end].windows(4).any(|w| w.eq_ignore_ascii_case(b"self")) {
            continue;
        }
        let Some(caps) = emphatic().captures(&text[first..end]) else { continue };
        let before = caps.name("her").or_else(|| caps.name("him")).map_or("", |m| m.as_str());
        if object_before(before) {
            continue;
        }
        let previous = &sentences[i - 1];
        let from = relatives.partition_point(|h| h.span.start < previous.start);
        if let Some(relative) = relatives.get(from).filter(|h| h.span.start < previous.end) {
            found.push((i, relative.clone()));
        }
    }
    found.sort_by_key(|(sentence, _)| *sentence);
    found.dedup_by_key(|(sentence, _)| *sentence);
    found
}

/// The longest given name read after a relative's word, in bytes.
const NAME_LEN: usize = 20;

/// The given name written right after a relative's word ("brother Callum",
/// "sister, Maya,"): a capitalised word of letters, then no full stop. The
/// writer's own ("my daughter Naomi", in a parent's letter) is the patient.
fn given_name(text: &str, relative: &Range<usize>) -> Option<Range<usize>> {
    let before = text[..relative.start].trim_end().as_bytes();
    let writers = [&b" my"[..], b" our"].iter().any(|w| {
        before.len() > w.len() && before[before.len() - w.len()..].eq_ignore_ascii_case(w)
    });
    if writers {
        return None;
    }
    let rest = &text[relative.end..];
    let gap = rest.len() - rest.trim_start_matches([' ', ',']).len();
    let start = relative.end + gap;
    let bytes = text.as_bytes();
    if !bytes.get(start).is_some_and(u8::is_ascii_uppercase) || gap == 0 {
        return None;
    }
    let len =
        bytes[start..].iter().take(NAME_LEN + 1).take_while(|b| b.is_ascii_alphabetic()).count();
    crate::steps::add(len + gap);
    let lower = bytes[start + 1..start + len].iter().all(u8::is_ascii_lowercase);
    ((3..=NAME_LEN).contains(&len) && lower && bytes.get(start + len) != Some(&b'.'))
        .then_some(start..start + len)
}

/// The sentences after a relative named by a given name that open with
/// that name (as the sentence's first word, or the first after a colon in
/// it), with the phrase naming the relative, in order of sentences.
fn by_given_name(text: &str, sentences: &[Range<usize>], relatives: &[Hit]) -> Vec<(usize, Hit)> {
    let mut found = Vec::new();
    let named: Vec<(Range<usize>, &Hit)> =
        relatives.iter().filter_map(|h| Some((given_name(text, &h.span)?, h))).collect();
    if named.is_empty() {
        return found;
    }
    for (i, sentence) in sentences.iter().enumerate() {
        let body = &text[sentence.clone()];
        crate::steps::add(body.len().min(OPENING));
        let openings = std::iter::once(0).chain(
            body.char_indices()
                .take_while(|(at, _)| *at < OPENING)
                .filter(|(_, c)| *c == ':')
                .map(|(at, _)| at + 1),
        );
        let opens = |name: &str| {
            openings.clone().any(|at| {
                let word = body[at..].trim_start();
                word.starts_with(name)
                    && !word[name.len()..].starts_with(|c: char| c.is_ascii_alphabetic())
            })
        };
        let relative = named
            .iter()
            .find(|(name, hit)| hit.span.end <= sentence.start && opens(&text[name.clone()]))
            .map(|(_, hit)| (*hit).clone());
        // "Callum has had severe atopic dermatitis ... He failed clobetasol":
        // a sentence right after that opens with a pronoun goes on about him.
        let goes_on = || {
            let (last, hit) = found.last()?;
            let word = body.trim_start().split(|c: char| !c.is_ascii_alphabetic()).next()?;
            (*last + 1 == i && SUBJECT_PRONOUNS.contains(&word)).then(|| hit.clone())
        };
        if let Some(hit) = relative.or_else(goes_on) {
            found.push((i, hit));
        }
    }
    found
}

/// Pronouns that open a sentence about the person the sentence before is
/// about.
const SUBJECT_PRONOUNS: [&str; 4] = ["He", "She", "His", "Her"];
