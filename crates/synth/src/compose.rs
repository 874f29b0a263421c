//! Composing one synthetic note from template parts.
//!
//! A relevant note follows a dermatology template's section order, with some
//! sections and sentences swapped for ones under the same header in other
//! templates, numbers and agent names varied, and filler sections mixed in up
//! to a drawn length. A filler note is made of non-dermatology sections only,
//! as most notes of a real archive are.

use crate::dice::Dice;
use crate::templates::{Section, Sentence, Templates};
use crate::vocab::{Side, Values, Vocabulary};

/// How far before a number a cue may end and still apply to it, in bytes.
const CUE_WINDOW: usize = 28;

/// One generated note.
#[derive(Clone, Debug)]
pub struct Note {
    pub text: String,
    /// True when it was built on a dermatology template.
    pub relevant: bool,
}

/// A seeded, endless source of notes.
pub struct Generator<'a> {
    templates: &'a Templates,
    vocab: &'a Vocabulary,
    dice: Dice,
    relevant_percent: u32,
}

impl<'a> Generator<'a> {
    /// Notes fully determined by the templates, the vocabulary and `seed`;
    /// about `relevant_percent` in 100 are dermatology notes.
    pub fn new(
        templates: &'a Templates,
        vocab: &'a Vocabulary,
        seed: u64,
        relevant_percent: u32,
    ) -> Generator<'a> {
        Generator { templates, vocab, dice: Dice::new(seed), relevant_percent }
    }

    /// The next note of the stream.
    pub fn next_note(&mut self) -> Note {
        let target = self.draw_length();
        let relevant = self.dice.percent(self.relevant_percent);
        let mut parts = if relevant { self.relevant_sections() } else { self.preamble() };
        let mut length: usize = parts.iter().map(String::len).sum();
        while length < target {
            let part = self.filler_section(target - length);
            length += part.len() + 2;
            // A note keeps its opening first, and a relevant one its plan last.
            let first = usize::from(!parts.is_empty());
            let last = parts.len() + 1 - usize::from(relevant && parts.len() > 1);
            let at = first + self.dice.below(last.saturating_sub(first).max(1));
            parts.insert(at, part);
        }
        Note { text: parts.join("\n\n"), relevant }
    }

    fn draw_length(&mut self) -> usize {
        let buckets = &self.vocab.lengths;
        let total: u32 = buckets.iter().map(|b| b.weight).sum();
        let mut draw = self.dice.below(total as usize) as u32;
        let bucket = buckets
            .iter()
            .find(|b| {
                let inside = draw < b.weight;
                draw = draw.saturating_sub(b.weight);
                inside
            })
            .unwrap_or(&buckets[0]);
        self.dice.between(bucket.min as u64, bucket.max as u64) as usize
    }

    fn relevant_sections(&mut self) -> Vec<String> {
        let templates = self.templates;
        let note = &templates.notes[*self.dice.pick(&templates.relevant_notes)];
        note.iter()
            .map(|&section| {
                let source = if self.dice.percent(30) {
                    *self.dice.pick(templates.same_header(section))
                } else {
                    section
                };
                self.render(&templates.sections[source], usize::MAX)
            })
            .collect()
    }

    /// A filler note's opening lines, when the templates have any.
    fn preamble(&mut self) -> Vec<String> {
        let templates = self.templates;
        if templates.preambles.is_empty() {
            return Vec::new();
        }
        let section = &templates.sections[*self.dice.pick(&templates.preambles)];
        vec![self.render(section, usize::MAX)]
    }

    fn filler_section(&mut self, budget: usize) -> String {
        let templates = self.templates;
        let section = &templates.sections[*self.dice.pick(&templates.filler_sections)];
        self.render(section, budget)
    }

    /// Writes a section with its sentences varied, stopping once `budget`
    /// bytes are exceeded.
    fn render(&mut self, section: &Section, budget: usize) -> String {
        let mut out = String::new();
        if !section.header.is_empty() {
            out.push_str(&section.header);
            out.push(':');
        }
        for sentence in &section.sentences {
            if out.len() >= budget {
                break;
            }
            if self.dice.percent(10) {
                continue;
            }
            let sentence = self.swap_sentence(section, sentence);
            self.push_sentence(&mut out, sentence);
            if self.dice.percent(5) {
                let filler = self.filler_sentence();
                self.push_sentence(&mut out, filler);
            }
        }
        out
    }

    /// Usually the sentence itself; sometimes one from a section of the same
    /// header (and relevance) in another template.
    fn swap_sentence<'s>(&mut self, section: &'s Section, sentence: &'s Sentence) -> &'s Sentence
    where
        'a: 's,
    {
        if !self.dice.percent(10) {
            return sentence;
        }
        let key = section.header.to_uppercase();
        let Some(peers) = self.templates.by_header.get(&key) else { return sentence };
        let peer = &self.templates.sections[*self.dice.pick(peers)];
        // A filler section stays filler: a few notes of the archive are relevant, by design.
        if peer.relevant != section.relevant {
            return sentence;
        }
        self.dice.pick(&peer.sentences)
    }

    fn filler_sentence(&mut self) -> &'a Sentence {
        let templates = self.templates;
        let section = &templates.sections[*self.dice.pick(&templates.filler_sections)];
        self.dice.pick(&section.sentences)
    }

    fn push_sentence(&mut self, out: &mut String, sentence: &Sentence) {
        if !out.is_empty() {
            out.push(if sentence.starts_line { '\n' } else { ' ' });
        }
        let named = self.vary_agents(&sentence.text);
        self.vary_numbers(&named, out);
    }

    /// Replaces most agent names with another of the same class.
    fn vary_agents(&mut self, text: &str) -> String {
        let vocab = self.vocab;
        let mut out = String::with_capacity(text.len() + 16);
        let mut copied = 0;
        for found in vocab.agent_finder.find_iter(text) {
            if !is_word(text, found.start(), found.end()) || !self.dice.percent(70) {
                continue;
            }
            let class = vocab.agent_class[found.pattern().as_usize()];
            let other = *self.dice.pick(&vocab.class_members[class]);
            out.push_str(&text[copied..found.start()]);
            out.push_str(&vocab.agent_names[other]);
            copied = found.end();
        }
        out.push_str(&text[copied..]);
        out
    }

    /// Copies `text` to `out`, redrawing each number a rule of `numbers.tsv` covers.
    fn vary_numbers(&mut self, text: &str, out: &mut String) {
        let bytes = text.as_bytes();
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_alphanumeric()) {
                i += 1;
                continue;
            }
            let end = number_end(bytes, i);
            if let Some(values) = self.rule_for(text, i, end) {
                let value = match values {
                    Values::Range(lo, hi) => self.dice.between(*lo, *hi),
                    Values::OneOf(list) => *self.dice.pick(list),
                };
                out.push_str(&text[copied..i]);
                out.push_str(&value.to_string());
                copied = end;
            }
            i = end;
        }
        out.push_str(&text[copied..]);
    }

    /// The values of the rule whose cue is right after the number, else of
    /// the nearest cue before it.
    fn rule_for(&self, text: &str, start: usize, end: usize) -> Option<&'a Values> {
        let rules = &self.vocab.number_rules;
        let after = &text.as_bytes()[end..];
        let follows = rules.iter().find(|r| {
            r.side == Side::After
                && after.len() >= r.cue.len()
                && after[..r.cue.len()].eq_ignore_ascii_case(r.cue.as_bytes())
        });
        if let Some(rule) = follows {
            return Some(&rule.values);
        }
        if is_compound(text.as_bytes(), start, end) {
            return None;
        }
        let mut from = start.saturating_sub(CUE_WINDOW);
        while !text.is_char_boundary(from) {
            from += 1;
        }
        let window = text[from..start].to_ascii_lowercase();
        rules
            .iter()
            .filter(|r| r.side == Side::Before)
            .filter_map(|r| {
                let at = window.rfind(&r.cue)?;
                is_word(&window, at, at + r.cue.len()).then_some((at + r.cue.len(), &r.values))
            })
            .fold(None, |best: Option<(usize, &Values)>, candidate| match best {
                Some(b) if b.0 >= candidate.0 => Some(b),
                _ => Some(candidate),
            })
            .map(|(_, values)| values)
    }
}

/// End of the number starting at `start`: digits, optionally a decimal part.
fn number_end(bytes: &[u8], start: usize) -> usize {
    let digits_from = |i: usize| i + bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    let end = digits_from(start);
    if end + 1 < bytes.len() && bytes[end] == b'.' && bytes[end + 1].is_ascii_digit() {
        digits_from(end + 1)
    } else {
        end
    }
}

/// True when the number is part of a date, time, range or ratio
/// ("2024-01-05", "10:30", "10-15", "120/80"), which keeps its form.
fn is_compound(bytes: &[u8], start: usize, end: usize) -> bool {
    let joiner = |b: u8| matches!(b, b'-' | b'/' | b':' | b'.');
    let joined_before = start >= 2 && joiner(bytes[start - 1]) && bytes[start - 2].is_ascii_digit();
    let joined_after =
        end + 1 < bytes.len() && joiner(bytes[end]) && bytes[end + 1].is_ascii_digit();
    joined_before || joined_after
}

/// True when `text[start..end]` is not part of a longer word.
fn is_word(text: &str, start: usize, end: usize) -> bool {
    let bytes = text.as_bytes();
    let before = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
    let after = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
    before && after
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::Role;

    fn templates(vocab: &Vocabulary) -> Templates {
        let texts = [
            "HPI: 34-year-old with atopic dermatitis. BSA 20%, IGA 3, itch 8/10.\n\
             TREATMENT HISTORY:\nFailed tacrolimus ointment.\n\
             SOCIAL HISTORY:\nWorks as a teacher. No tobacco.\n\
             PLAN:\nStart dupilumab 600 mg loading dose.",
            "CHIEF COMPLAINT: Cough.\nVITALS:\nBP 120/80. Pulse 72.\n",
        ];
        let mut templates = Templates::default();
        texts.iter().for_each(|t| templates.add_text(t, Role::Template, vocab));
        templates
    }

    #[test]
    fn numbers_are_redrawn_within_their_scale() {
        let vocab = Vocabulary::builtin().unwrap();
        let templates = templates(&vocab);
        let mut generator = Generator::new(&templates, &vocab, 3, 100);
        for _ in 0..200 {
            let mut out = String::new();
            generator.vary_numbers("IGA 3 and itch 8/10 on 2024-01-05", &mut out);
            let words: Vec<&str> = out.split(' ').collect();
            assert!(words[1].parse::<u64>().unwrap() <= 4, "IGA out of scale");
            let itch = words[4].trim_end_matches("/10").parse::<u64>().unwrap();
            assert!(itch <= 10, "itch out of scale");
            assert_eq!(words[6], "2024-01-05", "a date has no rule and is kept");
        }
    }

    #[test]
    fn agents_are_swapped_within_their_class() {
        let vocab = Vocabulary::builtin().unwrap();
        let templates = templates(&vocab);
        let mut generator = Generator::new(&templates, &vocab, 5, 100);
        let tcis = ["tacrolimus", "Protopic", "pimecrolimus", "Elidel"];
        for _ in 0..50 {
            let varied = generator.vary_agents("Failed tacrolimus ointment.");
            let agent = varied.trim_start_matches("Failed ").trim_end_matches(" ointment.");
            assert!(tcis.contains(&agent), "{agent} is not a calcineurin inhibitor");
        }
    }

    #[test]
    fn filler_notes_carry_no_dermatology_and_relevant_ones_do() {
        let vocab = Vocabulary::builtin().unwrap();
        let templates = templates(&vocab);
        let mut filler = Generator::new(&templates, &vocab, 9, 0);
        assert!((0..20).all(|_| !vocab.is_relevant(&filler.next_note().text)));
        let mut relevant = Generator::new(&templates, &vocab, 9, 100);
        assert!((0..20).all(|_| relevant.next_note().relevant));
    }
}
