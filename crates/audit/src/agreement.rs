//! Agreement of reviewers with determinations, with Wilson score intervals,
//! from the verdict CSV the review page exports.

use necessity_record::spreadsheet::unquoted_cell;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Read;
use thiserror::Error;

/// The columns the review page exports, in order; `agreement` reads them by name.
pub const VERDICT_COLUMNS: [&str; 6] =
    ["id", "determination", "verdict", "comment", "reviewer", "timestamp"];

/// The normal quantile for a two-sided 95 % interval.
const Z95: f64 = 1.959_963_984_540_054;

/// One reviewer's verdict on one case: a row of the exported CSV.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Verdict {
    pub id: String,
    pub determination: String,
    /// `agree`, `disagree`, or empty while undecided.
    pub verdict: String,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub reviewer: String,
    #[serde(default)]
    pub timestamp: String,
}

/// A proportion's 95 % Wilson score interval, which stays inside [0, 1] and
/// behaves at 0/n and n/n where the normal approximation does not.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// The Wilson 95 % interval of `successes` out of `trials`; `None` for no trials.
pub fn wilson95(successes: u64, trials: u64) -> Option<Interval> {
    if trials == 0 {
        return None;
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let margin = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    Some(Interval { low: (centre - margin).max(0.0), high: (centre + margin).min(1.0) })
}

/// Agreement counts of one group of verdicts.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Tally {
    pub agree: u64,
    pub disagree: u64,
    /// Rows without a verdict: reported, never counted as either.
    pub undecided: u64,
    /// `agree / (agree + disagree)`; `None` when nothing was decided.
    pub rate: Option<f64>,
    pub interval: Option<Interval>,
}

impl Tally {
    fn count(&mut self, verdict: Judgement) {
        match verdict {
            Judgement::Agree => self.agree += 1,
            Judgement::Disagree => self.disagree += 1,
            Judgement::Undecided => self.undecided += 1,
        }
        let decided = self.agree + self.disagree;
        self.rate = (decided > 0).then(|| self.agree as f64 / decided as f64);
        self.interval = wilson95(self.agree, decided);
    }
}

/// A verdict word as the page writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Judgement {
    Agree,
    Disagree,
    Undecided,
}

/// A case the reviewer disagreed with, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    pub id: String,
    pub determination: String,
    pub comment: String,
    pub reviewer: String,
}

/// What `necessity agreement` reports.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AgreementReport {
    pub overall: Tally,
    pub by_determination: BTreeMap<String, Tally>,
    pub disagreements: Vec<Disagreement>,
}

/// Why verdicts could not be read; names rows and columns, never their cells.
#[derive(Debug, Error)]
pub enum AgreementError {
    #[error("row {row}: {problem}")]
    Row { row: u64, problem: String },
    #[error("missing column {0:?} (expected {cols})", cols = VERDICT_COLUMNS.join(","))]
    MissingColumn(&'static str),
    #[error("row {row}: verdict must be agree, disagree or empty")]
    BadVerdict { row: u64 },
    #[error("reading verdicts: {0}")]
    Read(String),
}

/// Reads verdict rows from CSV with a header naming at least `id`,
/// `determination` and `verdict`.
pub fn read_verdicts(input: impl Read) -> Result<Vec<Verdict>, AgreementError> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let headers = reader
        .headers()
        .map_err(|error| AgreementError::Read(csv_problem(&error, &csv::StringRecord::new())))?
        .clone();
    for required in &VERDICT_COLUMNS[..3] {
        if !headers.iter().any(|h| h == *required) {
            return Err(AgreementError::MissingColumn(required));
        }
    }
    reader
        .deserialize()
        .enumerate()
        .map(|(index, row)| {
            row.map(Verdict::unquoted).map_err(|error| AgreementError::Row {
                row: index as u64 + 1,
                problem: csv_problem(&error, &headers),
            })
        })
        .collect()
}

/// What was wrong with a row, from the error's parts: the `csv` crate's
/// messages may quote a cell, and a comment can quote a note.
fn csv_problem(error: &csv::Error, headers: &csv::StringRecord) -> String {
    let column = |index: u64| {
        let index = usize::try_from(index).unwrap_or(usize::MAX);
        headers.get(index).map_or_else(|| format!("{}", index + 1), |name| format!("{name:?}"))
    };
    match error.kind() {
        csv::ErrorKind::Io(io) => format!("cannot read: {}", io.kind()),
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("it has {len} fields where the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { err, .. } => {
            format!("column {} is not UTF-8", column(err.field() as u64))
        }
        csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(field) => format!("column {} cannot be read", column(field)),
            None => "the row cannot be read".to_string(),
        },
        _ => "invalid CSV".to_string(),
    }
}

impl Verdict {
    /// The verdict with every cell as the reviewer and the record wrote it.
    fn unquoted(self) -> Verdict {
        Verdict {
            id: unquoted_cell(&self.id).to_string(),
            determination: unquoted_cell(&self.determination).to_string(),
            verdict: unquoted_cell(&self.verdict).to_string(),
            comment: unquoted_cell(&self.comment).to_string(),
            reviewer: unquoted_cell(&self.reviewer).to_string(),
            timestamp: unquoted_cell(&self.timestamp).to_string(),
        }
    }
}

/// Keeps the first of verdict rows that repeat one another in every column
/// (the same export given twice, or copied into two files), so no verdict
/// counts twice; returns how many were dropped.
pub fn drop_repeated(verdicts: &mut Vec<Verdict>) -> usize {
    let mut seen = std::collections::BTreeSet::new();
    let before = verdicts.len();
    verdicts.retain(|verdict| seen.insert(verdict.clone()));
    before - verdicts.len()
}

/// Tallies verdicts overall and per determination and lists disagreements.
pub fn agreement(verdicts: &[Verdict]) -> Result<AgreementReport, AgreementError> {
    let mut report = AgreementReport::default();
    for (index, verdict) in verdicts.iter().enumerate() {
        let judgement = match verdict.verdict.trim().to_ascii_lowercase().as_str() {
            "agree" => Judgement::Agree,
            "disagree" => Judgement::Disagree,
            "" => Judgement::Undecided,
            _ => return Err(AgreementError::BadVerdict { row: index as u64 + 1 }),
        };
        report.overall.count(judgement);
        report.by_determination.entry(verdict.determination.clone()).or_default().count(judgement);
        if judgement == Judgement::Disagree {
            report.disagreements.push(Disagreement {
                id: verdict.id.clone(),
                determination: verdict.determination.clone(),
                comment: verdict.comment.clone(),
                reviewer: verdict.reviewer.clone(),
            });
        }
    }
    Ok(report)
}

impl std::fmt::Display for AgreementReport {
    /// A plain-text report: rates table, then the disagreements.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{:<28} {:>6} {:>9} {:>9} {:>8}  95% CI (Wilson)",
            "determination", "agree", "disagree", "undecided", "rate"
        )?;
        for (name, tally) in &self.by_determination {
            write_tally(f, name, tally)?;
        }
        write_tally(f, "overall", &self.overall)?;
        if self.disagreements.is_empty() {
            return writeln!(f, "\nNo disagreements.");
        }
        writeln!(f, "\nDisagreements ({}):", self.disagreements.len())?;
        for d in &self.disagreements {
            let by =
                if d.reviewer.is_empty() { String::new() } else { format!(" [{}]", d.reviewer) };
            let comment = d.comment.replace(['\n', '\r'], " ");
            writeln!(f, "  {}  {}{}  {}", d.id, d.determination, by, comment)?;
        }
        Ok(())
    }
}

fn write_tally(f: &mut std::fmt::Formatter<'_>, name: &str, tally: &Tally) -> std::fmt::Result {
    let rate = tally.rate.map_or("-".to_string(), |r| format!("{:.1}%", 100.0 * r));
    let interval = tally
        .interval
        .map_or("-".to_string(), |i| format!("{:.1}% - {:.1}%", 100.0 * i.low, 100.0 * i.high));
    let name = if name.is_empty() { "(none)" } else { name };
    writeln!(
        f,
        "{name:<28} {:>6} {:>9} {:>9} {rate:>8}  {interval}",
        tally.agree, tally.disagree, tally.undecided
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(interval: Interval, low: f64, high: f64) -> bool {
        (interval.low - low).abs() < 5e-4 && (interval.high - high).abs() < 5e-4
    }

    #[test]
    fn wilson_matches_known_values() {
        assert!(close(wilson95(8, 10).unwrap(), 0.490, 0.943), "{:?}", wilson95(8, 10));
        assert!(close(wilson95(0, 10).unwrap(), 0.000, 0.278), "{:?}", wilson95(0, 10));
        assert!(close(wilson95(10, 10).unwrap(), 0.722, 1.000), "{:?}", wilson95(10, 10));
        assert!(close(wilson95(50, 100).unwrap(), 0.404, 0.596), "{:?}", wilson95(50, 100));
        assert_eq!(wilson95(0, 0), None);
    }

    const CSV: &str = "id,determination,verdict,comment,reviewer,timestamp\n\
        a.txt,medically_necessary,agree,,ann,2026-01-01T00:00:00Z\n\
        b.txt,medically_necessary,disagree,\"BSA is 5%, not 15%\",ann,2026-01-01T00:01:00Z\n\
        c.txt,not_applicable,agree,,ann,2026-01-01T00:02:00Z\n\
        d.txt,not_applicable,,,,\n";

    #[test]
    fn tallies_per_determination_and_lists_disagreements() {
        let verdicts = read_verdicts(CSV.as_bytes()).unwrap();
        let report = agreement(&verdicts).unwrap();
        assert_eq!(
            (report.overall.agree, report.overall.disagree, report.overall.undecided),
            (2, 1, 1)
        );
        assert_eq!(report.overall.rate, Some(2.0 / 3.0));
        let mn = &report.by_determination["medically_necessary"];
        assert_eq!((mn.agree, mn.disagree, mn.rate), (1, 1, Some(0.5)));
        let na = &report.by_determination["not_applicable"];
        assert_eq!((na.agree, na.undecided), (1, 1));
        assert_eq!(report.disagreements.len(), 1);
        assert_eq!(report.disagreements[0].comment, "BSA is 5%, not 15%");
        let text = report.to_string();
        assert!(text.contains("b.txt  medically_necessary [ann]  BSA is 5%, not 15%"), "{text}");
        assert!(text.contains("66.7%"), "{text}");
    }

    #[test]
    fn bad_rows_are_named_by_row_and_column_never_by_their_cells() {
        let csv =
            b"id,determination,verdict,comment\na,x,agree,fine\nb,x,disagree,\"Mrs \xff Smith\"\n";
        let error = read_verdicts(&csv[..]).unwrap_err().to_string();
        assert_eq!(error, "row 2: column \"comment\" is not UTF-8");
        let ragged = "id,determination,verdict\na,x,agree,Mrs Smith\n";
        let error = read_verdicts(ragged.as_bytes()).unwrap_err().to_string();
        assert_eq!(error, "row 1: it has 4 fields where the header has 3");
    }

    #[test]
    fn cells_quoted_for_spreadsheets_read_as_written() {
        let csv =
            "id,determination,verdict,comment,reviewer\n'=cmd.txt,error,disagree,'-5 not 5,'@ann\n";
        let verdicts = read_verdicts(csv.as_bytes()).unwrap();
        assert_eq!(
            (verdicts[0].id.as_str(), verdicts[0].comment.as_str(), verdicts[0].reviewer.as_str()),
            ("=cmd.txt", "-5 not 5", "@ann")
        );
    }

    #[test]
    fn repeated_rows_count_once() {
        let mut verdicts = read_verdicts(CSV.as_bytes()).unwrap();
        verdicts.extend(read_verdicts(CSV.as_bytes()).unwrap());
        assert_eq!(drop_repeated(&mut verdicts), 4);
        assert_eq!(agreement(&verdicts).unwrap().overall.agree, 2);
        let mut other = read_verdicts(CSV.replace(",ann,", ",bob,").as_bytes()).unwrap();
        other.extend(read_verdicts(CSV.as_bytes()).unwrap());
        assert_eq!(
            drop_repeated(&mut other),
            1,
            "only the undecided row without a reviewer repeats"
        );
    }

    #[test]
    fn reads_the_byte_order_mark_the_page_writes() {
        let verdicts = read_verdicts(format!("\u{feff}{CSV}").as_bytes()).unwrap();
        assert_eq!(verdicts.len(), 4);
        assert_eq!(verdicts[0].id, "a.txt");
    }

    #[test]
    fn rejects_unknown_verdicts_and_missing_columns() {
        let bad = "id,determination,verdict\na,x,maybe\n";
        let verdicts = read_verdicts(bad.as_bytes()).unwrap();
        assert!(matches!(agreement(&verdicts), Err(AgreementError::BadVerdict { row: 1 })));
        let missing = "id,determination\na,x\n";
        assert!(matches!(
            read_verdicts(missing.as_bytes()),
            Err(AgreementError::MissingColumn("verdict"))
        ));
    }
}
