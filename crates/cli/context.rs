//! `necessity context` (issue #7): the context engine extraction uses, run on
//! target phrases so it can be checked and measured on its own.

use crate::{EXIT_BELOW_THRESHOLD, EXIT_OK, EXIT_SOME_ERRORS};
use anyhow::Context as _;
use necessity_context::kit::{self, Judged, KitRow, Rows, Score, KIT_AXES};
use necessity_context::{Analysis, Axis, Context, ContextEngine};
use necessity_engine::Lexicons;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Command-line arguments of this subcommand.
#[derive(clap::Args)]
pub struct Args {
    /// JSON Lines files of {"id": ..., "text": "...", "target": "..."}; standard input when none.
    pub files: Vec<PathBuf>,
    /// Read the ConText test kit's tab-separated format (rsAnnotations-1-120-random.txt) instead.
    #[arg(long, value_name = "FILE", conflicts_with = "files")]
    pub kit: Option<PathBuf>,
    /// With --kit: print precision, recall and F1 per axis and the mistakes, not one line per row.
    #[arg(long, requires = "kit")]
    pub eval: bool,
    /// With --kit: which rows by their number (development uses the odd ones).
    #[arg(long, value_enum, default_value = "all", requires = "kit")]
    pub rows: RowsArg,
    /// With --eval: exit with status 4 when an axis's F1 is below this, as AXIS=F1 (repeatable).
    #[arg(long, value_name = "AXIS=F1", value_parser = parse_min, requires = "eval")]
    pub min: Vec<(Axis, f64)>,
    /// Read the vocabularies from DIR, as `run --lexicons` does, and answer
    /// with the context engine extraction would use with them.
    #[arg(long, value_name = "DIR")]
    pub lexicons: Option<PathBuf>,
}

/// The `--rows` values.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum RowsArg {
    Odd,
    Even,
    All,
}

impl From<RowsArg> for Rows {
    fn from(rows: RowsArg) -> Rows {
        match rows {
            RowsArg::Odd => Rows::Odd,
            RowsArg::Even => Rows::Even,
            RowsArg::All => Rows::All,
        }
    }
}

fn parse_min(value: &str) -> Result<(Axis, f64), String> {
    let (axis, f1) = value.split_once('=').ok_or("expected AXIS=F1, e.g. negated=0.98")?;
    let axis = Axis::from_name(axis).ok_or_else(|| format!("unknown axis {axis:?}"))?;
    let f1: f64 = f1.parse().map_err(|_| format!("not a number: {f1:?}"))?;
    Ok((axis, f1))
}

/// Runs the subcommand.
pub fn execute(args: Args) -> anyhow::Result<u8> {
    let loaded = match &args.lexicons {
        Some(dir) => Some(Lexicons::load(dir).context("cannot load the lexicons")?),
        None => None,
    };
    let engine: &ContextEngine = match &loaded {
        Some(lexicons) => lexicons.context(),
        None => ContextEngine::builtin(),
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let code = match &args.kit {
        Some(path) if args.eval => evaluate(engine, path, &args, &mut out)?,
        Some(path) => annotate_kit(engine, path, args.rows.into(), &mut out)?,
        None => annotate_json_lines(engine, &args.files, &mut out)?,
    };
    out.flush().context("writing standard output")?;
    Ok(code)
}

/// Writes one output line, the context of one input's target, as serde
/// would write `{"id", "target": {"start", "end"}, the five axes as
/// booleans, "triggers": {the trigger of each true axis}}`. Written by hand
/// because it is most of the output work: the fixed parts are copied, and
/// only the id and the phrases go through serde_json.
fn write_answer(
    out: &mut impl Write,
    id: &serde_json::Value,
    target: &Range<usize>,
    context: &Context,
) -> anyhow::Result<()> {
    out.write_all(b"{\"id\":")?;
    serde_json::to_writer(&mut *out, id)?;
    out.write_all(b",\"target\":")?;
    write_span(out, target)?;
    for axis in Axis::ALL {
        out.write_all(b",\"")?;
        out.write_all(axis.name().as_bytes())?;
        out.write_all(if context.get(axis).is_some() { b"\":true" } else { b"\":false" })?;
    }
    out.write_all(b",\"triggers\":{")?;
    let mut first = true;
    for axis in Axis::ALL {
        let Some(hit) = context.get(axis) else { continue };
        out.write_all(if first { b"\"" } else { b",\"" })?;
        first = false;
        out.write_all(axis.name().as_bytes())?;
        out.write_all(b"\":{\"phrase\":")?;
        serde_json::to_writer(&mut *out, hit.phrase.as_str())?;
        out.write_all(b",")?;
        write_span_fields(out, &hit.span)?;
        out.write_all(b"}")?;
    }
    out.write_all(b"}}\n").context("writing standard output")?;
    Ok(())
}

/// `{"start":S,"end":E}`.
fn write_span(out: &mut impl Write, span: &Range<usize>) -> io::Result<()> {
    out.write_all(b"{")?;
    write_span_fields(out, span)?;
    out.write_all(b"}")
}

/// `"start":S,"end":E`.
fn write_span_fields(out: &mut impl Write, span: &Range<usize>) -> io::Result<()> {
    out.write_all(b"\"start\":")?;
    write_number(out, span.start)?;
    out.write_all(b",\"end\":")?;
    write_number(out, span.end)
}

/// A number in decimal; `itoa` skips the formatting machinery.
fn write_number(out: &mut impl Write, n: usize) -> io::Result<()> {
    out.write_all(itoa::Buffer::new().format(n).as_bytes())
}

/// An input that got no answer: its id and what went wrong, never its text.
#[derive(Serialize)]
struct ErrorLine<'a> {
    id: &'a serde_json::Value,
    error: ErrorBody,
}

#[derive(Serialize)]
struct ErrorBody {
    kind: &'static str,
    message: String,
}

/// One JSON Lines input.
#[derive(Deserialize)]
struct Input<'a> {
    id: Option<serde_json::Value>,
    #[serde(borrow)]
    text: Cow<'a, str>,
    #[serde(borrow)]
    target: Cow<'a, str>,
}

fn annotate_json_lines(
    engine: &ContextEngine,
    files: &[PathBuf],
    out: &mut impl Write,
) -> anyhow::Result<u8> {
    let mut errors = 0;
    if files.is_empty() {
        errors += annotate_stream(engine, "-", io::stdin().lock(), out)?;
    }
    for path in files {
        match File::open(path) {
            Ok(file) => {
                let name = path.display().to_string();
                let reader = BufReader::with_capacity(1 << 16, file);
                errors += annotate_stream(engine, &name, reader, out)?;
            }
            Err(error) => {
                let id = serde_json::Value::String(path.display().to_string());
                let message = format!("cannot open the file: {error}");
                write_error(out, &id, "unreadable", message)?;
                errors += 1;
            }
        }
    }
    Ok(if errors == 0 { EXIT_OK } else { EXIT_SOME_ERRORS })
}

/// Answers every line of one JSON Lines stream; returns how many were errors.
/// Lines are answered where they lie in the reader's buffer: only a line
/// that straddles two fills of the buffer is copied.
fn annotate_stream(
    engine: &ContextEngine,
    name: &str,
    mut reader: impl BufRead,
    out: &mut impl Write,
) -> anyhow::Result<usize> {
    let mut straddling = Vec::new();
    let mut lines = 0;
    let mut errors = 0;
    loop {
        let buffer = match reader.fill_buf() {
            Ok(buffer) => buffer,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                let id = serde_json::Value::String(format!("{name}#{}", lines + 1));
                write_error(out, &id, "unreadable", format!("reading stopped: {error}"))?;
                return Ok(errors + 1);
            }
        };
        if buffer.is_empty() {
            // The last line has no line break.
            if !straddling.is_empty() {
                errors += annotate_nonblank(engine, name, lines + 1, &straddling, out)?;
            }
            return Ok(errors);
        }
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', buffer).map(|at| at + 1) {
            lines += 1;
            let line = if straddling.is_empty() {
                &buffer[start..end]
            } else {
                straddling.extend_from_slice(&buffer[start..end]);
                &straddling[..]
            };
            errors += annotate_nonblank(engine, name, lines, line, out)?;
            straddling.clear();
            start = end;
        }
        straddling.extend_from_slice(&buffer[start..]);
        let used = buffer.len();
        reader.consume(used);
    }
}

/// Answers one line unless it is blank; 1 when it was an error line.
fn annotate_nonblank(
    engine: &ContextEngine,
    name: &str,
    number: usize,
    line: &[u8],
    out: &mut impl Write,
) -> anyhow::Result<usize> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(0);
    }
    Ok(usize::from(!annotate_line(engine, name, number, line, out)?))
}

/// Answers one JSON line; false when it was an error line.
fn annotate_line(
    engine: &ContextEngine,
    name: &str,
    number: usize,
    line: &[u8],
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    // Checking the whole line as UTF-8 once is cheaper than checking each
    // string on its own; a line that is not UTF-8 gets the same error as
    // before.
    let parsed = match std::str::from_utf8(line) {
        Ok(line) => serde_json::from_str(line),
        Err(_) => serde_json::from_slice(line),
    };
    let input: Input = match parsed {
        Ok(input) => input,
        Err(error) => {
            let id = serde_json::Value::String(format!("{name}#{number}"));
            let message = format!(
                "line {number} is not a JSON object with string \"text\" and \"target\" ({:?} at column {})",
                error.classify(),
                error.column()
            );
            write_error(out, &id, "bad_input", message)?;
            return Ok(false);
        }
    };
    let id = input.id.unwrap_or_else(|| serde_json::Value::String(format!("{name}#{number}")));
    answer(engine, &id, &input.text, |analysis| analysis.find(&input.target), out)
}

/// Writes the answer for the target that `locate` finds in `text`; false
/// when it is not there.
fn answer(
    engine: &ContextEngine,
    id: &serde_json::Value,
    text: &str,
    locate: impl FnOnce(&Analysis) -> Option<Range<usize>>,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    let analysis = engine.analyze(text);
    let Some(span) = locate(&analysis) else {
        let message = "the target phrase does not occur in the text".to_string();
        write_error(out, id, "target_not_found", message)?;
        return Ok(false);
    };
    let context = analysis.context_of(span.clone());
    write_answer(out, id, &span, &context)?;
    Ok(true)
}

fn write_error(
    out: &mut impl Write,
    id: &serde_json::Value,
    kind: &'static str,
    message: String,
) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, &ErrorLine { id, error: ErrorBody { kind, message } })?;
    out.write_all(b"\n").context("writing standard output")?;
    Ok(())
}

/// Calls `each` on the kit's rows of one parity, reading line by line; a
/// malformed line stops the command, since answers or scores over part of
/// the kit would mislead.
fn for_each_kit_row(
    path: &Path,
    rows: Rows,
    mut each: impl FnMut(KitRow) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let file = File::open(path).with_context(|| format!("opening the kit {}", path.display()))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut line = Vec::new();
    for number in 1.. {
        line.clear();
        let read = reader.read_until(b'\n', &mut line);
        if read.with_context(|| format!("reading the kit {}", path.display()))? == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&line);
        if text.trim().is_empty() {
            continue;
        }
        let row = kit::parse_row(number, &text).with_context(|| path.display().to_string())?;
        if rows.contains(row.number) {
            each(row)?;
        }
    }
    Ok(())
}

fn annotate_kit(
    engine: &ContextEngine,
    path: &Path,
    rows: Rows,
    out: &mut impl Write,
) -> anyhow::Result<u8> {
    let mut errors = 0;
    for_each_kit_row(path, rows, |row| {
        let id = serde_json::Value::from(row.number);
        let locate = |_: &Analysis| kit::locate(&row.target, &row.sentence);
        if !answer(engine, &id, &row.sentence, locate, out)? {
            errors += 1;
        }
        Ok(())
    })?;
    Ok(if errors == 0 { EXIT_OK } else { EXIT_SOME_ERRORS })
}

fn evaluate(
    engine: &ContextEngine,
    path: &Path,
    args: &Args,
    out: &mut impl Write,
) -> anyhow::Result<u8> {
    let mut judged: Vec<Judged> = Vec::new();
    for_each_kit_row(path, args.rows.into(), |row| {
        judged.push(kit::judge(engine, row));
        Ok(())
    })?;
    let scores = kit::score(&judged);
    let not_found = judged.iter().filter(|j| j.context.is_none()).count();
    write_table(out, &scores, judged.len(), args.rows)?;
    writeln!(out, "\nTargets not found in their sentence (scored as all false): {not_found}")?;
    write_mistakes(out, &judged)?;
    let below: Vec<String> = args
        .min
        .iter()
        .filter_map(|&(axis, min)| {
            let f1 = KIT_AXES.iter().position(|a| *a == axis).map_or(1.0, |i| scores[i].f1());
            (f1 < min).then(|| format!("{} F1 {f1:.3} < {min}", axis.name()))
        })
        .collect();
    if below.is_empty() {
        return Ok(EXIT_OK);
    }
    eprintln!("necessity context: below threshold: {}", below.join(", "));
    Ok(EXIT_BELOW_THRESHOLD)
}

fn write_table(
    out: &mut impl Write,
    scores: &[Score; 4],
    rows: usize,
    which: RowsArg,
) -> io::Result<()> {
    let which = match which {
        RowsArg::Odd => "odd",
        RowsArg::Even => "even",
        RowsArg::All => "all",
    };
    writeln!(out, "ConText kit, {which} rows ({rows})")?;
    writeln!(out, "| axis | TP | FP | FN | precision | recall | F1 |")?;
    writeln!(out, "|---|---:|---:|---:|---:|---:|---:|")?;
    for (axis, s) in KIT_AXES.iter().zip(scores) {
        writeln!(
            out,
            "| {} | {} | {} | {} | {:.3} | {:.3} | {:.3} |",
            axis.name(),
            s.true_positives,
            s.false_positives,
            s.false_negatives,
            s.precision(),
            s.recall(),
            s.f1()
        )?;
    }
    Ok(())
}

/// Every disagreement with the kit: row, axis, reference and engine labels,
/// the trigger, target and sentence (the kit is public).
fn write_mistakes(out: &mut impl Write, judged: &[Judged]) -> io::Result<()> {
    writeln!(out, "\nMistakes (row, axis, expected, got, trigger, target, sentence):")?;
    for j in judged {
        let predicted = j.predicted();
        for axis in KIT_AXES {
            let (expected, got) = (j.row.labels.get(axis), predicted.get(axis));
            if expected == got {
                continue;
            }
            let trigger = match j.context.as_ref().and_then(|c| c.get(axis)) {
                Some(hit) => hit.phrase.as_str(),
                None if j.context.is_none() => "(target not found)",
                None => "-",
            };
            writeln!(
                out,
                "{}\t{}\t{expected}\t{got}\t{trigger}\t{}\t{}",
                j.row.number,
                axis.name(),
                j.row.target,
                j.row.sentence
            )?;
        }
    }
    Ok(())
}
