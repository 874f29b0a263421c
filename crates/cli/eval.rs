//! `necessity eval`: accuracy of records against gold records, field by
//! field, with the determination confusion matrix and every disagreement.

use crate::engine_args::EngineArgs;
use crate::EXIT_USAGE;
use anyhow::{bail, Context};
use necessity_engine::Engine;
use necessity_ingest::{units, IngestOptions};
use necessity_pipeline::Runner;
use necessity_record::gold::{
    compare_gold, decided_under, policy_selections, read_gold, score_routes, GoldError, GoldRecord,
    FACT_FIELDS, STATED_FIELDS,
};
use necessity_record::jsonl::parse_line;
use necessity_record::{Determination, Record, Treatment};
use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};

/// Command-line arguments of this subcommand.
#[derive(clap::Args)]
pub struct Args {
    /// Gold records: a JSONL file or a directory of *.jsonl files.
    #[arg(long, value_name = "GOLD")]
    gold: PathBuf,
    /// A records file written by `necessity run` (a file every line of which
    /// is a record), or inputs (notes, directories, tables) to decide first.
    #[arg(required = true, value_name = "RECORDS.jsonl|INPUT")]
    inputs: Vec<PathBuf>,
    /// Exit 4 when determination accuracy is below this fraction (0-1).
    #[arg(long, value_name = "FRACTION")]
    min: Option<f64>,
    /// Exit 4 when any fact field's accuracy is below this fraction (0-1).
    #[arg(long, value_name = "FRACTION")]
    min_field: Option<f64>,
    /// What inputs are decided with when they are decided first.
    #[command(flatten)]
    engine: EngineArgs,
}

/// A problem with the files given, which the user must fix: exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Usage(String);

/// Scores the records against gold, prints the report, checks thresholds.
pub fn execute(args: Args) -> anyhow::Result<u8> {
    match evaluate(&args) {
        Err(error) if error.downcast_ref::<Usage>().is_some() => {
            eprintln!("necessity eval: {error}");
            Ok(EXIT_USAGE)
        }
        result => result,
    }
}

fn evaluate(args: &Args) -> anyhow::Result<u8> {
    for threshold in [args.min, args.min_field].into_iter().flatten() {
        if !(0.0..=1.0).contains(&threshold) {
            bail!("thresholds are fractions between 0 and 1, got {threshold}");
        }
    }
    let gold = gold_cases(&args.gold)?;
    let records = match records_file(&args.inputs)? {
        Some(records) => records,
        None => decide_inputs(args, &gold)?,
    };
    let records = once_each(records, "records", |record| &record.id)?;
    let report = score(&gold, &records);
    let routes = score_routes(&gold, &records);
    std::io::stdout()
        .lock()
        .write_all(format!("{}\n{routes}", report.render()).as_bytes())
        .context("cannot write the report")?;
    Ok(report.threshold_exit(args.min, args.min_field))
}

/// The gold cases, each id once; no case at all is a usage error, since a
/// score over nothing reads as perfect.
fn gold_cases(path: &Path) -> anyhow::Result<Vec<GoldRecord>> {
    if !path.exists() {
        return Err(Usage(format!("the gold {} does not exist", path.display())).into());
    }
    let gold = read_gold(path).map_err(|error| match error {
        GoldError::Line(..) => anyhow::Error::new(Usage(format!("gold {error}"))),
        GoldError::Io(..) => anyhow::Error::new(error),
    })?;
    if gold.is_empty() {
        return Err(Usage(format!(
            "the gold {} holds no gold records (give a JSON Lines file of gold records, \
             or a directory of *.jsonl files)",
            path.display()
        ))
        .into());
    }
    Ok(once_each(gold, "gold", |case| &case.id)?)
}

/// `items` with each id once. A repeated id whose items are identical (the
/// same file given twice) is counted once, with a warning; items that differ
/// under one id cannot both be scored, which is a usage error naming the id.
fn once_each<T: PartialEq>(
    items: Vec<T>,
    what: &str,
    id: impl Fn(&T) -> &String,
) -> Result<Vec<T>, Usage> {
    let mut first_of: HashMap<String, usize> = HashMap::new();
    let mut repeats: Vec<(String, usize)> = Vec::new();
    let mut kept: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        match first_of.get(id(&item)) {
            Some(&index) if kept[index] == item => {
                match repeats.iter_mut().find(|(seen, _)| seen == id(&item)) {
                    Some((_, count)) => *count += 1,
                    None => repeats.push((id(&item).clone(), 2)),
                }
            }
            Some(_) => {
                return Err(Usage(format!(
                    "id `{}` appears more than once in the {what}, with different values; \
                     make ids unique (--id-column) or remove one",
                    id(&item)
                )))
            }
            None => {
                first_of.insert(id(&item).clone(), kept.len());
                kept.push(item);
            }
        }
    }
    for (repeated, count) in repeats {
        eprintln!(
            "necessity eval: warning: id `{repeated}` appears {count} times in the {what}, \
             identically; counted once"
        );
    }
    Ok(kept)
}

/// The records of the only input when it is a records file: every non-blank
/// line parses as a record. When no line does, the input holds notes to
/// decide (`None`); when some do and some do not, the file is a damaged
/// records file, a usage error naming the first bad line and field (never
/// its value).
fn records_file(inputs: &[PathBuf]) -> anyhow::Result<Option<Vec<Record>>> {
    let [path] = inputs else { return Ok(None) };
    if !path.is_file() {
        return Ok(None);
    }
    let file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut reader = BufReader::new(file);
    let mut records = Vec::new();
    let mut first_record = None;
    let mut first_problem = None;
    let mut line = Vec::new();
    for number in 1.. {
        line.clear();
        let read = reader.read_until(b'\n', &mut line);
        if read.with_context(|| format!("cannot read {}", path.display()))? == 0 {
            break;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match parse_line::<Record>(&line, number) {
            Ok(record) => {
                first_record.get_or_insert(number);
                records.push(record);
            }
            Err(problem) => {
                first_problem.get_or_insert(problem);
            }
        }
        if first_record.is_some() && first_problem.is_some() {
            break;
        }
    }
    match (first_record, first_problem) {
        (Some(_), None) => Ok(Some(records)),
        (None, _) => Ok(None),
        (Some(record), Some(problem)) => Err(Usage(format!(
            "{}: line {record} is a record but {problem}; a records file holds one record \
             on every line",
            path.display()
        ))
        .into()),
    }
}

/// Decides the inputs as `run` would, in this process, so eval scores
/// exactly what `run` writes: once per policy selection the gold names, each
/// note's record taken from the run under its gold record's policy.
fn decide_inputs(args: &Args, gold: &[GoldRecord]) -> anyhow::Result<Vec<Record>> {
    if let Some(missing) = args.inputs.iter().find(|path| !path.exists()) {
        return Err(Usage(format!("no such file or directory: {}", missing.display())).into());
    }
    necessity_engine::install_quiet_panic_hook();
    let options = IngestOptions::default()
        .with_pdf_worker_of_this_binary()
        .context("cannot find this program to run PDF workers")?;
    let pool = rayon::ThreadPoolBuilder::new().build().context("cannot start worker threads")?;
    let mut records = Vec::new();
    for selection in policy_selections(gold) {
        // A gold record's determination is its named policy's: that policy
        // alone decides it (a renewal is not_applicable under an initial
        // policy), not with the renewal its name brings to `run`.
        let engine: Engine = match selection {
            None => args.engine.builder(),
            Some(policy) => {
                let builder =
                    EngineArgs { policies: Vec::new(), lexicons: args.engine.lexicons.clone() }
                        .builder();
                builder.policy_exactly(policy)
            }
        }
        .build()?;
        let runner =
            Runner { engine: &engine, options: &options, pool: &pool, with_mentions: false };
        let decided = runner.run(units(&args.inputs, &options), |decided| {
            if decided_under(gold, &decided.record.id, selection) {
                records.push(decided.record);
            }
            Ok::<(), Infallible>(())
        });
        if let Err(never) = decided {
            match never {}
        }
    }
    Ok(records)
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
