//! The public ConText test kit (rsAnnotations-1-120-random.txt): its rows,
//! and precision, recall and F1 of the engine against its labels, so that
//! every change to the lexicon is measured the same way.

use crate::{find_phrase, Axis, Context, ContextEngine};
use std::ops::Range;

/// The axes the kit labels (it has no uncertainty labels).
pub const KIT_AXES: [Axis; 4] = [Axis::Negated, Axis::Historical, Axis::Hypothetical, Axis::Family];

/// A kit line that cannot be read: by line number only.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KitError {
    #[error("kit line {line}: expected 7 tab-separated columns")]
    Columns { line: usize },
    #[error("kit line {line}: the first column is not a row number")]
    Number { line: usize },
    #[error("kit line {line}: unknown label")]
    Label { line: usize },
}

/// One kit row: the row number, the target phrase, its sentence and the
/// reference labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KitRow {
    pub number: u32,
    pub target: String,
    pub sentence: String,
    pub labels: Labels,
}

/// The reference labels of a row mapped onto our axes: negation "Negated";
/// temporality "Historical", and "Not particular" as hypothetical;
/// experiencer anything but "Patient" as family.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Labels {
    pub negated: bool,
    pub historical: bool,
    pub hypothetical: bool,
    pub family: bool,
}

impl Labels {
    /// The label on one axis (uncertainty is never labelled).
    pub fn get(&self, axis: Axis) -> bool {
        match axis {
            Axis::Negated => self.negated,
            Axis::Historical => self.historical,
            Axis::Hypothetical => self.hypothetical,
            Axis::Family => self.family,
            Axis::Uncertain => false,
        }
    }

    /// The labels the engine gives: an axis is true when a trigger reaches.
    pub fn of(context: &Context) -> Labels {
        Labels {
            negated: context.negated.is_some(),
            historical: context.historical.is_some(),
            hypothetical: context.hypothetical.is_some(),
            family: context.family.is_some(),
        }
    }
}

/// Which rows to use: development happens on the odd rows, the even rows
/// check that the rules generalise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rows {
    Odd,
    Even,
    All,
}

impl Rows {
    /// True when row `number` belongs to this selection.
    pub fn contains(self, number: u32) -> bool {
        match self {
            Rows::Odd => number & 1 == 1,
            Rows::Even => number & 1 == 0,
            Rows::All => true,
        }
    }
}

/// Reads one line of the kit (`line` is its 1-based number, for errors).
pub fn parse_row(line: usize, text: &str) -> Result<KitRow, KitError> {
    let fields: Vec<&str> = text.trim_end_matches(['\r', '\n']).split('\t').collect();
    let [number, _, target, sentence, negation, temporality, experiencer] = fields[..] else {
        return Err(KitError::Columns { line });
    };
    let number = number.trim().parse().map_err(|_| KitError::Number { line })?;
    let labels = Labels {
        negated: label(line, negation, "Negated", "Affirmed")?,
        historical: label(line, temporality, "Historical", "Recent")?,
        hypothetical: temporality == "Not particular",
        family: label(line, experiencer, "Family member", "Patient")? || experiencer == "Other",
    };
    Ok(KitRow { number, target: target.to_string(), sentence: sentence.to_string(), labels })
}

fn label(line: usize, value: &str, yes: &str, no: &str) -> Result<bool, KitError> {
    match value {
        v if v == yes => Ok(true),
        v if v == no || v == "Not particular" || v == "Other" => Ok(false),
        _ => Err(KitError::Label { line }),
    }
}

/// Counts of one axis: true positives, false positives, false negatives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Score {
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
}

impl Score {
    /// Adds one decision.
    pub fn add(&mut self, expected: bool, predicted: bool) {
        match (expected, predicted) {
            (true, true) => self.true_positives += 1,
            (false, true) => self.false_positives += 1,
            (true, false) => self.false_negatives += 1,
            (false, false) => {}
        }
    }

    /// TP / (TP + FP); 1 when nothing was predicted.
    pub fn precision(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.false_positives)
    }

    /// TP / (TP + FN); 1 when nothing was expected.
    pub fn recall(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.false_negatives)
    }

    /// The harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(numerator: usize, denominator: usize) -> f64 {
    if denominator == 0 {
        1.0
    } else {
        numerator as f64 / denominator as f64
    }
}

/// What the engine said about one row, beside the reference.
#[derive(Clone, Debug)]
pub struct Judged {
    pub row: KitRow,
    /// `None` when the target is not in the sentence.
    pub context: Option<Context>,
}

impl Judged {
    /// The engine's labels (all false when the target was not found).
    pub fn predicted(&self) -> Labels {
        self.context.as_ref().map(Labels::of).unwrap_or_default()
    }
}

/// Runs the engine on one row.
pub fn judge(engine: &ContextEngine, row: KitRow) -> Judged {
    let context = locate(&row.target, &row.sentence)
        .map(|span| engine.analyze(&row.sentence).context_of(span));
    Judged { row, context }
}

/// Where a row's target is: the kit writes it in upper case in its sentence,
/// so an upper-case occurrence is preferred to an earlier one in lower case
/// ("history of PE's ... consistent with PE").
pub fn locate(target: &str, sentence: &str) -> Option<Range<usize>> {
    let first = find_phrase(sentence, target)?;
    let mut candidate = first.clone();
    loop {
        if !sentence.as_bytes()[candidate.clone()].iter().any(u8::is_ascii_lowercase) {
            return Some(candidate);
        }
        let from =
            candidate.start + sentence[candidate.start..].chars().next().map_or(1, char::len_utf8);
        match find_phrase(&sentence[from..], target) {
            Some(next) => candidate = next.start + from..next.end + from,
            None => return Some(first),
        }
    }
}

/// Per-axis scores of judged rows, in [`KIT_AXES`] order.
pub fn score(judged: &[Judged]) -> [Score; 4] {
    let mut scores = [Score::default(); 4];
    for j in judged {
        let predicted = j.predicted();
        for (score, axis) in scores.iter_mut().zip(KIT_AXES) {
            score.add(j.row.labels.get(axis), predicted.get(axis));
        }
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_row_and_maps_labels() {
        let row =
            parse_row(1, "2\t \tcough\tShe denies any COUGH.\tNegated\tNot particular\tOther")
                .unwrap();
        assert_eq!(row.number, 2);
        assert_eq!(
            row.labels,
            Labels { negated: true, historical: false, hypothetical: true, family: true }
        );
        assert_eq!(parse_row(3, "1\tx"), Err(KitError::Columns { line: 3 }));
        assert_eq!(
            parse_row(4, "a\t \tx\ty\tNegated\tRecent\tPatient"),
            Err(KitError::Number { line: 4 })
        );
        assert_eq!(
            parse_row(5, "1\t \tx\ty\tMaybe\tRecent\tPatient"),
            Err(KitError::Label { line: 5 })
        );
    }

    #[test]
    fn scores_count_each_kind_of_decision() {
        let mut score = Score::default();
        for (expected, predicted) in [(true, true), (true, true), (false, true), (true, false)] {
            score.add(expected, predicted);
        }
        assert!((score.precision() - 2.0 / 3.0).abs() < 1e-9);
        assert!((score.recall() - 2.0 / 3.0).abs() < 1e-9);
        assert!((score.f1() - 2.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn rows_select_by_parity() {
        assert!(Rows::Odd.contains(1) && !Rows::Odd.contains(2));
        assert!(Rows::Even.contains(2) && Rows::All.contains(3));
    }
}
