//! `necessity eval`: accuracy of records against gold records, field by
//! field, with the determination confusion matrix and every disagreement.

use anyhow::{bail, Context};
use necessity_record::gold::{
    compare_gold, decided_under, policy_selections, read_gold, score_routes, GoldRecord,
    FACT_FIELDS, STATED_FIELDS,
};
use necessity_record::{Determination, Record, Treatment};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Command-line arguments of this subcommand.
#[derive(clap::Args)]
pub struct Args {
    /// Gold records: a JSONL file or a directory of *.jsonl files.
    #[arg(long, value_name = "GOLD")]
    gold: PathBuf,
    /// A records file written by `necessity run`, or inputs (note files,
    /// directories) to run first.
    #[arg(required = true, value_name = "RECORDS.jsonl|INPUT")]
    inputs: Vec<PathBuf>,
    /// Exit 4 when determination accuracy is below this fraction (0-1).
    #[arg(long, value_name = "FRACTION")]
    min: Option<f64>,
    /// Exit 4 when any fact field's accuracy is below this fraction (0-1).
    #[arg(long, value_name = "FRACTION")]
    min_field: Option<f64>,
    /// Policies passed to `run` when inputs are run first.
    #[arg(long = "policy", value_name = "NAME|PATH")]
    policies: Vec<String>,
}

/// Scores the records against gold, prints the report, checks thresholds.
pub fn execute(args: Args) -> anyhow::Result<u8> {
    for threshold in [args.min, args.min_field].into_iter().flatten() {
        if !(0.0..=1.0).contains(&threshold) {
            bail!("thresholds are fractions between 0 and 1, got {threshold}");
        }
    }
    let gold = read_gold(&args.gold)?;
    let records = match records_file(&args.inputs) {
        Some(path) => read_records(path)?,
        None => run_per_policy(&args.inputs, &args.policies, &gold)?,
    };
    let report = score(&gold, &records);
    let routes = score_routes(&gold, &records);
    std::io::stdout()
        .lock()
        .write_all(format!("{}\n{routes}", report.render()).as_bytes())
        .context("cannot write the report")?;
    Ok(report.threshold_exit(args.min, args.min_field))
}

/// The single input when it is a records file: a file whose first line is a record.
fn records_file(inputs: &[PathBuf]) -> Option<&Path> {
    let [path] = inputs else { return None };
    let text = std::fs::read_to_string(path).ok()?;
    let first = text.lines().find(|line| !line.trim().is_empty())?;
    serde_json::from_str::<Record>(first).is_ok().then_some(path.as_path())
}

fn read_records(path: &Path) -> anyhow::Result<Vec<Record>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_records(&text, &path.display().to_string())
}

fn parse_records(text: &str, origin: &str) -> anyhow::Result<Vec<Record>> {
    let lines = text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty());
    lines
        .map(|(index, line)| {
            serde_json::from_str(line)
                .with_context(|| format!("{origin}:{}: not a record", index + 1))
        })
        .collect()
}

/// Runs the inputs once per policy selection the gold names, each note's
/// record taken from the run under its gold record's policy.
fn run_per_policy(
    inputs: &[PathBuf],
    policies: &[String],
    gold: &[GoldRecord],
) -> anyhow::Result<Vec<Record>> {
    let mut records = Vec::new();
    for selection in policy_selections(gold) {
        let chosen = selection.map_or_else(|| policies.to_vec(), |p| vec![p.to_string()]);
        let run = run_first(inputs, &chosen)?;
        records.extend(run.into_iter().filter(|r| decided_under(gold, &r.id, selection)));
    }
    Ok(records)
}

/// Runs this same binary on the inputs, so eval scores exactly what `run` writes.
fn run_first(inputs: &[PathBuf], policies: &[String]) -> anyhow::Result<Vec<Record>> {
    let exe = std::env::current_exe().context("cannot locate the necessity binary")?;
    let mut command = Command::new(exe);
    command.arg("run");
    for policy in policies {
        command.arg("--policy").arg(policy);
    }
    let output = command
        .args(inputs)
        .stderr(Stdio::inherit())
        .output()
        .context("cannot start `necessity run`")?;
    let code = output.status.code();
    if code != Some(crate::EXIT_OK.into()) && code != Some(crate::EXIT_SOME_ERRORS.into()) {
        bail!("`necessity run` failed ({})", output.status);
    }
    parse_records(&String::from_utf8_lossy(&output.stdout), "output of `necessity run`")
}

/// The treatment list's differences agent by agent, so a long list does not
/// hide the one outcome that differs.
fn treatment_differences(expected: &[Treatment], found: &[Treatment]) -> String {
    let describe = |t: &Treatment| {
        let potency = t.potency.map(|p| format!(" {}", word(&p))).unwrap_or_default();
        format!("{}{potency} {}", word(&t.class), word(&t.outcome))
    };
    let mut agents: Vec<&str> = expected.iter().chain(found).map(|t| t.agent.as_str()).collect();
    agents.sort_unstable();
    agents.dedup();
    let mut parts = Vec::new();
    for agent in agents {
        let find = |list: &[Treatment]| list.iter().find(|t| t.agent == agent).map(describe);
        match (find(expected), find(found)) {
            (Some(e), Some(f)) if e != f => parts.push(format!("{agent}: expected {e}, found {f}")),
            (Some(e), None) => parts.push(format!("{agent}: expected {e}, not found")),
            (None, Some(f)) => parts.push(format!("{agent}: not in gold, found {f}")),
            _ => {}
        }
    }
    if parts.is_empty() {
        // Same agents and values: the lists differ only by a repeated agent.
        parts.push(format!("expected {} entries, found {}", expected.len(), found.len()));
    }
    parts.join("; ")
}

/// A vocabulary value as its record word (`failed`, `topical_corticosteroid`).
fn word<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Column of the confusion matrix for a case without a decided record.
const NO_DECISION: &str = "no record / error";

/// Counts and disagreements of one evaluation.
struct Report {
    cases: usize,
    records: usize,
    /// Records whose id no gold case has (scored nowhere, but reported).
    without_gold: usize,
    /// Correct and scored counts per field, `determination` first, then
    /// [`FACT_FIELDS`] and [`STATED_FIELDS`] (scored where gold states them).
    correct: Vec<(&'static str, usize, usize)>,
    /// (gold, found) determination words and their counts.
    confusion: HashMap<(String, String), usize>,
    disagreements: Vec<String>,
}

fn score(gold: &[GoldRecord], records: &[Record]) -> Report {
    let by_id: HashMap<&str, &Record> = records.iter().rev().map(|r| (r.id.as_str(), r)).collect();
    let gold_ids: std::collections::HashSet<&str> = gold.iter().map(|g| g.id.as_str()).collect();
    let mut report = Report {
        cases: gold.len(),
        records: records.len(),
        without_gold: records.iter().filter(|r| !gold_ids.contains(r.id.as_str())).count(),
        correct: std::iter::once("determination")
            .chain(FACT_FIELDS)
            .chain(STATED_FIELDS)
            .map(|f| (f, 0, 0))
            .collect(),
        confusion: HashMap::new(),
        disagreements: Vec::new(),
    };
    for expected in gold {
        report.add(expected, by_id.get(expected.id.as_str()).copied());
    }
    report
}

fn determination_word(determination: Option<Determination>) -> String {
    determination.map_or("null".to_string(), |d| d.as_str().to_string())
}

impl Report {
    fn add(&mut self, expected: &GoldRecord, found: Option<&Record>) {
        // A case counts in every field it is scored on, with or without a record.
        let scored: Vec<&str> =
            std::iter::once("determination").chain(expected.scored.iter().copied()).collect();
        for (field, _, total) in &mut self.correct {
            *total += usize::from(scored.contains(field));
        }
        let gold_word = determination_word(expected.determination);
        let Some((record, facts)) = found.and_then(|r| r.facts.as_ref().map(|f| (r, f))) else {
            let why = found
                .and_then(|r| r.error.as_ref())
                .map_or("no record".to_string(), |e| format!("error record ({})", e.kind));
            self.disagreements.push(format!("`{}`: {why}; expected {gold_word}", expected.id));
            *self.confusion.entry((gold_word, NO_DECISION.to_string())).or_default() += 1;
            return;
        };
        let found_word = determination_word(record.determination);
        if found_word == gold_word {
            self.correct[0].1 += 1;
        } else {
            self.disagreements.push(format!(
                "`{}`: determination: expected {gold_word}, found {found_word}",
                expected.id
            ));
        }
        *self.confusion.entry((gold_word, found_word)).or_default() += 1;
        let differences = compare_gold(expected, facts);
        for (field, correct, _) in self.correct.iter_mut().skip(1) {
            if !expected.scored.contains(field) {
                continue;
            }
            match differences.iter().find(|d| d.field == *field) {
                Some(_) if *field == "treatments" => self.disagreements.push(format!(
                    "`{}`: treatments: {}",
                    expected.id,
                    treatment_differences(&expected.facts.treatments, &facts.treatments)
                )),
                Some(d) => self.disagreements.push(format!(
                    "`{}`: {field}: expected {}, found {}",
                    expected.id, d.expected, d.found
                )),
                None => *correct += 1,
            }
        }
    }

    fn accuracy(correct: usize, total: usize) -> f64 {
        if total == 0 {
            1.0
        } else {
            correct as f64 / total as f64
        }
    }

    fn render(&self) -> String {
        let mut out = String::new();
        let extra = match self.without_gold {
            0 => String::new(),
            n => format!(" ({n} without gold, not scored)"),
        };
        let _ = writeln!(
            out,
            "# Evaluation: {} gold cases, {} records{extra}\n",
            self.cases, self.records
        );
        let _ = writeln!(out, "| field | correct | accuracy |\n|---|---:|---:|");
        for (field, correct, total) in self.correct.iter().filter(|(_, _, total)| *total > 0) {
            let _ = writeln!(
                out,
                "| {field} | {correct}/{total} | {:.1}% |",
                100.0 * Report::accuracy(*correct, *total)
            );
        }
        self.render_confusion(&mut out);
        let _ = writeln!(out, "\n## Disagreements ({})\n", self.disagreements.len());
        for line in &self.disagreements {
            let _ = writeln!(out, "- {line}");
        }
        out
    }

    fn render_confusion(&self, out: &mut String) {
        let words: Vec<String> =
            Determination::ALL.iter().map(|d| d.as_str().to_string()).collect();
        let columns: Vec<&str> = words.iter().map(String::as_str).chain([NO_DECISION]).collect();
        let _ = writeln!(out, "\n## Determination confusion matrix (rows: gold, columns: found)\n");
        let _ = writeln!(
            out,
            "| gold \\ found | {} |\n|---|{}",
            columns.join(" | "),
            "---:|".repeat(columns.len())
        );
        for row in &words {
            let counts: Vec<String> = columns
                .iter()
                .map(|column| {
                    self.confusion
                        .get(&(row.clone(), column.to_string()))
                        .copied()
                        .unwrap_or(0)
                        .to_string()
                })
                .collect();
            let _ = writeln!(out, "| {row} | {} |", counts.join(" | "));
        }
    }

    /// EXIT_BELOW_THRESHOLD when an accuracy is under its threshold.
    fn threshold_exit(&self, min: Option<f64>, min_field: Option<f64>) -> u8 {
        let mut below = Vec::new();
        for (index, (field, correct, total)) in self.correct.iter().enumerate() {
            let threshold = if index == 0 { min } else { min_field };
            let accuracy = Report::accuracy(*correct, *total);
            if threshold.is_some_and(|t| accuracy < t) {
                below.push(format!(
                    "{field} {:.1}% < {:.1}%",
                    100.0 * accuracy,
                    100.0 * threshold.unwrap_or_default()
                ));
            }
        }
        if below.is_empty() {
            return crate::EXIT_OK;
        }
        eprintln!("necessity: below threshold: {}", below.join("; "));
        crate::EXIT_BELOW_THRESHOLD
    }
}
