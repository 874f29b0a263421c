//! `necessity run`: one case record per input document, in input order, with
//! documents decided in parallel and streamed out as they finish.

use crate::engine_args::EngineArgs;
use crate::{EXIT_OK, EXIT_SOME_ERRORS, EXIT_USAGE};
use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use necessity_engine::Lexicons;
use necessity_ingest::{units, IngestOptions, Shard, Unit};
use necessity_pipeline::output::{OutFile, OutputFormat, RecordWriter};
use necessity_pipeline::Runner;
use necessity_record::{Record, Status};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Command-line arguments of this subcommand.
#[derive(clap::Args)]
pub struct Args {
    /// Files or directories (read recursively, in sorted order); `-` reads one
    /// text document from standard input. Text (.txt, .text, .md, no
    /// extension), PDF, CSV and JSON Lines (.jsonl, .ndjson) are read.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Write records to FILE (complete or not at all) instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Output format: JSON Lines case records, a CSV summary row per
    /// document, or OMOP NOTE_NLP rows (CSV), one per evidence span of a fact.
    #[arg(long, value_enum, default_value_t = FormatArg::Jsonl)]
    format: FormatArg,
    #[command(flatten)]
    engine: EngineArgs,
    /// CSV column / JSONL field holding the note text (default: the first of
    /// transcription, text, note, in any case).
    #[arg(long, value_name = "NAME")]
    text_column: Option<String>,
    /// CSV column / JSONL field holding the note id (default: the first of
    /// note_id, row_id, id, in any case, else the 1-based row number).
    #[arg(long, value_name = "NAME")]
    id_column: Option<String>,
    /// Seconds a PDF may take to parse before it becomes a `timeout` error record.
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = parse_seconds)]
    doc_timeout: Duration,
    /// Memory cap of each PDF parser process, in MiB; beyond it the PDF is `too_large`.
    #[arg(long, value_name = "MiB", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(16..))]
    pdf_memory_mb: u64,
    /// Largest document, in bytes (suffixes K, M, G: KiB, MiB, GiB): a text
    /// file, CSV cell, JSON Lines text or PDF text beyond it is a `too_large`
    /// error record.
    #[arg(long, value_name = "BYTES", default_value = "1M", value_parser = parse_bytes)]
    max_doc_bytes: u64,
    /// Documents decided at once (default: the number of CPUs; at most 1024,
    /// since each may run a PDF worker process).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    jobs: Option<u16>,
    /// Decide only share K of N (0-based, K < N) of the documents, chosen by a
    /// stable hash of the id: N array tasks cover an archive exactly once.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// No progress bar and no summary line.
    #[arg(long, short = 'q')]
    quiet: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Jsonl,
    Csv,
    NoteNlp,
}

impl From<FormatArg> for OutputFormat {
    fn from(format: FormatArg) -> OutputFormat {
        match format {
            FormatArg::Jsonl => OutputFormat::Jsonl,
            FormatArg::Csv => OutputFormat::Csv,
            FormatArg::NoteNlp => OutputFormat::NoteNlp,
        }
    }
}

fn parse_bytes(value: &str) -> Result<u64, String> {
    let (number, unit) = match value.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => value.split_at(at),
        None => (value, ""),
    };
    let shift = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        _ => return Err("expected a number of bytes, such as 500000, 512K or 2M".to_string()),
    };
    match number.parse::<u64>().ok().and_then(|n| n.checked_mul(1 << shift)) {
        Some(bytes) if bytes > 0 => Ok(bytes),
        _ => Err("expected a positive number of bytes, such as 500000, 512K or 2M".to_string()),
    }
}

/// Longest `--doc-timeout` accepted: a week is "no limit" in practice, and
/// a bound keeps deadline arithmetic from overflowing.
const MAX_DOC_TIMEOUT_SECONDS: f64 = 7.0 * 24.0 * 3600.0;

fn parse_seconds(value: &str) -> Result<Duration, String> {
    let number = value.strip_suffix('s').unwrap_or(value);
    match number.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds <= MAX_DOC_TIMEOUT_SECONDS => {
            Ok(Duration::from_secs_f64(seconds))
        }
        _ => Err(format!(
            "expected a positive number of seconds up to {MAX_DOC_TIMEOUT_SECONDS}, such as 30 or 2.5"
        )),
    }
}

/// Runs the subcommand.
pub fn execute(args: Args) -> anyhow::Result<u8> {
    if let Some(missing) = args.inputs.iter().find(|path| !is_stdin(path) && !path.exists()) {
        eprintln!("necessity run: no such file or directory: {}", missing.display());
        return Ok(EXIT_USAGE);
    }
    if let Some(problem) = input_conflict(&args.inputs, args.out.as_deref()) {
        eprintln!("necessity run: {problem}");
        return Ok(EXIT_USAGE);
    }
    necessity_engine::install_quiet_panic_hook();
    let engine = args
        .engine
        .builder()
        .max_doc_bytes(args.max_doc_bytes)
        .build()
        .context("cannot load the policies and lexicons")?;
    if args.engine.lexicons.is_none() {
        // Compiling the shipped lexicons (two DFAs, most of a 40 ms start)
        // runs while the first document is read: the engine compiles them on
        // first use, so a PDF parsed by its worker process hides the
        // compilation, which matters when a process is started per file.
        std::thread::spawn(Lexicons::builtin);
    }
    let mut options = IngestOptions {
        text_column: args.text_column.clone(),
        id_column: args.id_column.clone(),
        doc_timeout: args.doc_timeout,
        pdf_memory_mb: args.pdf_memory_mb,
        pdf_worker: None,
        shard: args.shard,
        max_doc_bytes: args.max_doc_bytes,
        skip_files: Vec::new(),
    }
    .with_pdf_worker_of_this_binary()
    .context("cannot find this program to run PDF workers")?;
    let jobs = args.jobs.map_or_else(default_jobs, usize::from);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|index| format!("necessity-run-{index}"))
        .build()
        .context("cannot start worker threads")?;
    let mut progress = Progress::new(args.quiet);
    let format = OutputFormat::from(args.format);
    let with_mentions = format.needs_mentions();
    match &args.out {
        None => {
            let runner = Runner { engine: &engine, options: &options, pool: &pool, with_mentions };
            let documents = units(&args.inputs, &options);
            let stdout = BufWriter::new(io::stdout().lock());
            stream(stdout, format, &runner, documents, &mut progress)
                .context("cannot write records to stdout")?;
        }
        Some(path) => {
            let context = || format!("cannot write {}", path.display());
            let file = OutFile::create(path).with_context(context)?;
            // An output inside an input directory is not a note: neither the
            // file being written nor the one it replaces is read.
            options.skip_files = vec![path.clone()];
            options.skip_files.extend(file.temp_path().map(Path::to_path_buf));
            let runner = Runner { engine: &engine, options: &options, pool: &pool, with_mentions };
            let documents = units(&args.inputs, &options);
            let file = BufWriter::new(file);
            let file =
                stream(file, format, &runner, documents, &mut progress).with_context(context)?;
            let file = file.into_inner().map_err(|error| error.into_error());
            file.and_then(OutFile::commit).with_context(context)?;
        }
    }
    let errors = progress.finish();
    Ok(if errors == 0 { EXIT_OK } else { EXIT_SOME_ERRORS })
}

/// Decides every document and writes its record to `inner` in input order.
fn stream<W: Write>(
    inner: W,
    format: OutputFormat,
    runner: &Runner,
    documents: impl Iterator<Item = Unit> + Send,
    progress: &mut Progress,
) -> io::Result<W> {
    let mut writer = RecordWriter::new(format, inner)?;
    runner.run(documents, |decided| {
        progress.record(&decided.record);
        writer.write(&decided)
    })?;
    writer.finish()
}

/// Why these inputs and output cannot go together: standard input given
/// twice (it can be read once), or the output file also given as an input
/// (it would be replaced by records about itself).
fn input_conflict(inputs: &[PathBuf], out: Option<&Path>) -> Option<String> {
    if inputs.iter().filter(|path| is_stdin(path)).count() > 1 {
        return Some("standard input (-) can be read only once; give it once".to_string());
    }
    let out = out.and_then(|out| out.canonicalize().ok())?;
    inputs
        .iter()
        .filter(|path| !is_stdin(path))
        .find(|path| path.canonicalize().is_ok_and(|input| input == out))
        .map(|input| format!("the output file {} is also an input", input.display()))
}

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Counts what was written and shows it: a live bar when stderr is a
/// terminal, a one-line summary at the end, nothing with `--quiet`.
struct Progress {
    quiet: bool,
    bar: Option<ProgressBar>,
    started: Instant,
    documents: u64,
    errors: u64,
    bytes: u64,
}

impl Progress {
    fn new(quiet: bool) -> Progress {
        let bar = (!quiet && io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{spinner} {pos} documents {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar
        });
        Progress { quiet, bar, started: Instant::now(), documents: 0, errors: 0, bytes: 0 }
    }

    fn record(&mut self, record: &Record) {
        self.documents += 1;
        self.bytes += record.source.bytes;
        if record.status == Status::Error {
            self.errors += 1;
        }
        if let Some(bar) = &self.bar {
            bar.inc(1);
            if self.documents % 16 == 1 {
                let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
                bar.set_message(format!(
                    "({:.0}/s, {:.1} MB/s, {} errors)",
                    self.documents as f64 / seconds,
                    mb(self.bytes) / seconds,
                    self.errors
                ));
            }
        }
    }

    /// Clears the bar, prints the summary and returns the number of errors.
    fn finish(self) -> u64 {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if !self.quiet {
            let mut stderr = io::stderr().lock();
            let _ = writeln!(
                stderr,
                "necessity: {} documents, {} ok, {} errors, {:.1} MB, {:.1} s",
                self.documents,
                self.documents - self.errors,
                self.errors,
                mb(self.bytes),
                self.started.elapsed().as_secs_f64()
            );
        }
        self.errors
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}
