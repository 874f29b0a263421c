//! A relative named only by a pronoun: "Mom asks about Dupixent. She has
//! hand eczema herself and has been on Dupixent for two years." The second
//! sentence names no relative, so no family trigger reaches it, yet it is
//! all about the mother. An emphatic reflexive ("herself" after what she
//! has, not after a verb she does to herself) sets its subject against the
//! patient; with a relative named in the sentence before, that subject is
//! the relative, and the relative's family trigger reaches the sentence.

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
    let mut found = Vec::new();
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
    found
}
