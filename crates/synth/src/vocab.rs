//! The generator's word lists, kept as data files in `crates/synth/data` so
//! that what the archive varies can be changed without touching code.

use crate::SynthError;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

const AGENTS: &str = include_str!("../data/agents.tsv");
const NUMBERS: &str = include_str!("../data/numbers.tsv");
const RELEVANT_TERMS: &str = include_str!("../data/relevant_terms.txt");
const LENGTHS: &str = include_str!("../data/lengths.tsv");

/// Where a number rule's cue stands relative to the number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Before,
    After,
}

/// The values a varied number may take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Values {
    Range(u64, u64),
    OneOf(Vec<u64>),
}

/// One line of `numbers.tsv`: how to vary a number next to a cue.
#[derive(Clone, Debug)]
pub struct NumberRule {
    pub side: Side,
    /// Lowercase cue text.
    pub cue: String,
    pub values: Values,
}

/// One line of `lengths.tsv`.
#[derive(Clone, Copy, Debug)]
pub struct LengthBucket {
    pub weight: u32,
    pub min: usize,
    pub max: usize,
}

/// Every list the generator draws from, parsed and compiled once.
pub struct Vocabulary {
    /// Agent names, in file order; `agent_class[i]` is the class of `agent_names[i]`.
    pub agent_names: Vec<String>,
    pub agent_class: Vec<usize>,
    /// For each class, the indexes of its names.
    pub class_members: Vec<Vec<usize>>,
    /// Finds agent names in template text (pattern i is `agent_names[i]`).
    pub agent_finder: AhoCorasick,
    pub number_rules: Vec<NumberRule>,
    /// Finds any dermatology term or agent name: marks a section relevant.
    pub relevance_finder: AhoCorasick,
    pub lengths: Vec<LengthBucket>,
}

impl Vocabulary {
    /// The lists shipped with the binary.
    pub fn builtin() -> Result<Vocabulary, SynthError> {
        let (agent_names, agent_class, class_members) = parse_agents(AGENTS)?;
        let number_rules = parse_number_rules(NUMBERS)?;
        let lengths = parse_lengths(LENGTHS)?;
        let mut relevant: Vec<String> = data_lines(RELEVANT_TERMS).map(|(_, l)| l.into()).collect();
        relevant.extend(agent_names.iter().cloned());
        Ok(Vocabulary {
            agent_finder: finder(&agent_names)?,
            relevance_finder: finder(&relevant)?,
            agent_names,
            agent_class,
            class_members,
            number_rules,
            lengths,
        })
    }

    /// True when the text mentions dermatology content.
    pub fn is_relevant(&self, text: &str) -> bool {
        self.relevance_finder.is_match(text)
    }
}

fn finder(patterns: &[String]) -> Result<AhoCorasick, SynthError> {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .build(patterns)
        .map_err(|e| SynthError::Data { file: "agents/terms", line: 0, message: e.to_string() })
}

/// Non-blank, non-comment lines with their 1-based line numbers.
fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim_end_matches('\r')))
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
}

fn fields<'a>(
    file: &'static str,
    line: usize,
    text: &'a str,
    count: usize,
) -> Result<Vec<&'a str>, SynthError> {
    let parts: Vec<&str> = text.split('\t').collect();
    if parts.len() != count {
        let message = format!("expected {count} tab-separated fields, found {}", parts.len());
        return Err(SynthError::Data { file, line, message });
    }
    Ok(parts)
}

type AgentLists = (Vec<String>, Vec<usize>, Vec<Vec<usize>>);

fn parse_agents(text: &str) -> Result<AgentLists, SynthError> {
    let mut classes: Vec<&str> = Vec::new();
    let (mut names, mut class_of, mut members) = (Vec::new(), Vec::new(), Vec::<Vec<usize>>::new());
    for (line, content) in data_lines(text) {
        let parts = fields("agents.tsv", line, content, 2)?;
        let class = match classes.iter().position(|c| *c == parts[0]) {
            Some(index) => index,
            None => {
                classes.push(parts[0]);
                members.push(Vec::new());
                classes.len() - 1
            }
        };
        members[class].push(names.len());
        names.push(parts[1].to_string());
        class_of.push(class);
    }
    Ok((names, class_of, members))
}

fn parse_number_rules(text: &str) -> Result<Vec<NumberRule>, SynthError> {
    let mut rules = Vec::new();
    for (line, content) in data_lines(text) {
        let parts = fields("numbers.tsv", line, content, 3)?;
        let bad = |message: String| SynthError::Data { file: "numbers.tsv", line, message };
        let side = match parts[0] {
            "before" => Side::Before,
            "after" => Side::After,
            other => return Err(bad(format!("side must be before or after, not {other:?}"))),
        };
        let values =
            parse_values(parts[2]).ok_or_else(|| bad(format!("bad values {:?}", parts[2])))?;
        rules.push(NumberRule { side, cue: parts[1].to_ascii_lowercase(), values });
    }
    Ok(rules)
}

fn parse_values(text: &str) -> Option<Values> {
    if let Some((lo, hi)) = text.split_once('-') {
        let (lo, hi) = (lo.parse().ok()?, hi.parse().ok()?);
        return (lo <= hi).then_some(Values::Range(lo, hi));
    }
    let list: Option<Vec<u64>> = text.split('|').map(|v| v.parse().ok()).collect();
    list.filter(|l| !l.is_empty()).map(Values::OneOf)
}

fn parse_lengths(text: &str) -> Result<Vec<LengthBucket>, SynthError> {
    let mut buckets = Vec::new();
    for (line, content) in data_lines(text) {
        let parts = fields("lengths.tsv", line, content, 3)?;
        let bad = || SynthError::Data { file: "lengths.tsv", line, message: "bad number".into() };
        let weight = parts[0].parse().map_err(|_| bad())?;
        let min = parts[1].parse().map_err(|_| bad())?;
        let max: usize = parts[2].parse().map_err(|_| bad())?;
        if max < min {
            return Err(bad());
        }
        buckets.push(LengthBucket { weight, min, max });
    }
    if buckets.iter().all(|b| b.weight == 0) {
        return Err(SynthError::Data { file: "lengths.tsv", line: 0, message: "no weight".into() });
    }
    Ok(buckets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_lists_parse() {
        let vocab = Vocabulary::builtin().unwrap();
        assert_eq!(vocab.agent_names.len(), vocab.agent_class.len());
        assert!(vocab.number_rules.iter().any(|r| r.cue == "bsa"));
        assert!(vocab.is_relevant("Failed TACROLIMUS ointment."));
        assert!(!vocab.is_relevant("Blood pressure 120/80, lungs clear."));
    }

    #[test]
    fn values_parse_ranges_and_lists() {
        assert_eq!(parse_values("0-4"), Some(Values::Range(0, 4)));
        assert_eq!(parse_values("150|300"), Some(Values::OneOf(vec![150, 300])));
        assert_eq!(parse_values("4-0"), None);
        assert_eq!(parse_values("x"), None);
    }
}
