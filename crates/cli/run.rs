//! `necessity run`: one case record per input document, in input order, with
//! documents decided in parallel and streamed out as they finish.

use crate::engine_args::EngineArgs;
use crate::{EXIT_FAILURE, EXIT_OK, EXIT_SOME_ERRORS, EXIT_USAGE};
use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use necessity_engine::{Engine, Lexicons};
use necessity_ingest::{input_bytes, units, HiddenSkipped, IngestOptions, Shard, Unit};
use necessity_pipeline::output::{OutFile, OutputFormat, RecordWriter};
use necessity_pipeline::resume::{Kept, ResumableFile};
use necessity_pipeline::Runner;
use necessity_record::{sha256_hex, Record, Route, Status};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Command-line arguments of this subcommand.
#[derive(clap::Args)]
pub struct Args {
    /// Files or directories (read recursively, in sorted order); `-` reads one
    /// text document from standard input. Text (.txt, .text, .md, no
    /// extension), PDF (scans through OCR), CSV, JSON Lines (.jsonl, .ndjson)
    /// and FHIR (a DocumentReference, a Bundle or a Bulk Data manifest in
    /// .json, Bulk Data NDJSON) are read.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Write records to FILE (complete or not at all) instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Keep the partial output of an interrupted or killed run with the same
    /// inputs and options, and continue from there (needs --out; JSON Lines
    /// or CSV).
    #[arg(long, requires = "out")]
    resume: bool,
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
    /// CSV column / JSONL field naming the patient (default: the first of
    /// patient_id, subject_id, patient, mrn, in any case). A patient's notes
    /// in a row of the input are read together, in date order, and
    /// `--shard` keeps them in one shard.
    #[arg(long, value_name = "NAME")]
    patient_column: Option<String>,
    /// CSV column / JSONL field holding the note's date (default: the first
    /// of note_date, date, chartdate, charttime, encounter_date, visit_date).
    #[arg(long, value_name = "NAME")]
    date_column: Option<String>,
    /// Seconds a document may take, read (a PDF parsed, scanned pages
    /// recognised) and decided, before it becomes a `timeout` error record.
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
    /// Exit 0 when every document has its record, even if some are error
    /// records (otherwise 3): for orchestrators that read any other status
    /// as a failed task (a Kubernetes Job run with `exec`).
    #[arg(long)]
    error_records_ok: bool,
    /// Also read hidden files and folders (names starting with `.`) inside
    /// input directories; a run's own `.partial` files are never read.
    #[arg(long)]
    hidden: bool,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
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
    if let Some(problem) = input_conflict(&args.inputs, args.out.as_deref(), args.resume) {
        eprintln!("necessity run: {problem}");
        return Ok(EXIT_USAGE);
    }
    if args.resume && matches!(args.format, FormatArg::NoteNlp) {
        // NOTE_NLP rows are numbered across the output: a resumed file
        // could not carry the numbering on from its kept rows.
        eprintln!("necessity run: --resume takes --format jsonl or csv, not note-nlp");
        return Ok(EXIT_USAGE);
    }
    if args.out.is_none() && !stdout_is_open() {
        eprintln!(
            "necessity run: standard output is closed, so no record can be written; give --out FILE"
        );
        return Ok(EXIT_FAILURE);
    }
    necessity_engine::install_quiet_panic_hook();
    let engine = args
        .engine
        .builder()
        .max_doc_bytes(args.max_doc_bytes)
        .build()
        .context("cannot load the policies and lexicons")?;
    if args.engine.lexicons.is_none() {
        // Compiling the shipped lexicons (most of a 40 ms start) runs while
        // the first document is read: the engine compiles them on first use,
        // so a PDF parsed by its worker process hides the compilation, which
        // matters when a process is started per file.
        std::thread::spawn(Lexicons::builtin);
    }
    let mut options = IngestOptions {
        text_column: args.text_column.clone(),
        id_column: args.id_column.clone(),
        patient_column: args.patient_column.clone(),
        date_column: args.date_column.clone(),
        doc_timeout: args.doc_timeout,
        pdf_memory_mb: args.pdf_memory_mb,
        pdf_worker: None,
        shard: args.shard,
        max_doc_bytes: args.max_doc_bytes,
        hidden: args.hidden,
        skip_files: Vec::new(),
        skipped_resources: Default::default(),
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
    progress.measure_total(&args.inputs, &options);
    let format = OutputFormat::from(args.format);
    let output = Output::open(&args, &options, &engine)?;
    // An output inside an input directory is not a note: neither the file
    // being written (its temporary or partial file) nor the one it replaces is read.
    options.skip_files = output.own_files();
    let with_mentions = format.needs_mentions();
    let runner = Runner { engine: &engine, options: &options, pool: &pool, with_mentions };
    let documents = units(&args.inputs, &options);
    progress.hidden_skipped = documents.hidden_skipped();
    match output {
        Output::Stdout => {
            let stdout = BufWriter::new(io::stdout().lock());
            let writer = RecordWriter::new(format, stdout).context("cannot write to stdout")?;
            stream(writer, &runner, documents, &mut progress)
                .context("cannot write records to stdout")?;
        }
        Output::Atomic(path, file) => {
            let context = || format!("cannot write {}", path.display());
            let writer = RecordWriter::new(format, BufWriter::new(file)).with_context(context)?;
            let file = stream(writer, &runner, documents, &mut progress).with_context(context)?;
            let file = file.into_inner().map_err(|error| error.into_error());
            file.and_then(OutFile::commit).with_context(context)?;
        }
        Output::Resumable(path, mut file) => {
            let context = || format!("cannot write {}", path.display());
            let (kept, documents) = file.resume(documents).with_context(context)?;
            progress.kept(&kept, file.partial_path());
            let file = BufWriter::new(file);
            let writer = match kept.header {
                true => RecordWriter::continuing(format, file)
                    .context("--resume takes --format jsonl or csv")?,
                false => RecordWriter::new(format, file).with_context(context)?,
            };
            let file = stream(writer, &runner, documents, &mut progress).with_context(context)?;
            let file = file.into_inner().map_err(|error| error.into_error());
            file.and_then(ResumableFile::commit).with_context(context)?;
        }
    }
    let skipped_resources = options.skipped_resources.load(std::sync::atomic::Ordering::Relaxed);
    let errors = progress.finish(skipped_resources);
    Ok(if errors == 0 || args.error_records_ok { EXIT_OK } else { EXIT_SOME_ERRORS })
}

/// Where the records go.
enum Output {
    Stdout,
    /// `--out FILE`: written under a temporary name, renamed when complete.
    Atomic(PathBuf, OutFile),
    /// `--out FILE --resume`: a partial output kept across interruptions.
    Resumable(PathBuf, ResumableFile),
}

impl Output {
    fn open(args: &Args, options: &IngestOptions, engine: &Engine) -> anyhow::Result<Output> {
        let Some(path) = &args.out else { return Ok(Output::Stdout) };
        let context = || format!("cannot write {}", path.display());
        if !args.resume {
            return Ok(Output::Atomic(path.clone(), OutFile::create(path).with_context(context)?));
        }
        let settings = settings_fingerprint(args, options, engine);
        let format = OutputFormat::from(args.format);
        let file = ResumableFile::open(path, &settings, format).with_context(context)?;
        for other in file.other_partials() {
            eprintln!(
                "necessity run: warning: {} is the partial output of a run with other inputs \
                 or options; it is not resumed (delete it: it holds note text)",
                other.display()
            );
        }
        Ok(Output::Resumable(path.clone(), file))
    }

    /// The files this output writes or replaces.
    fn own_files(&self) -> Vec<PathBuf> {
        match self {
            Output::Stdout => Vec::new(),
            Output::Atomic(path, file) => {
                [Some(path.clone()), file.temp_path().map(Path::to_path_buf)]
                    .into_iter()
                    .flatten()
                    .collect()
            }
            Output::Resumable(path, file) => vec![path.clone(), file.partial_path().to_path_buf()],
        }
    }
}

/// Decides every document and writes its record with `writer`, in input order.
fn stream<W: Write>(
    mut writer: RecordWriter<W>,
    runner: &Runner,
    documents: impl Iterator<Item = Unit> + Send,
    progress: &mut Progress,
) -> io::Result<W> {
    runner.run(documents, |decided| {
        progress.record(&decided.record);
        writer.write(&decided)
    })?;
    writer.finish()
}

/// What makes two runs' records the same: the inputs, the options that
/// change a record, the policies' content, the lexicons and this program's
/// version. A resumed run continues only a partial output with the same
/// fingerprint.
fn settings_fingerprint(args: &Args, options: &IngestOptions, engine: &Engine) -> String {
    let inputs: Vec<PathBuf> =
        args.inputs.iter().map(|input| input.canonicalize().unwrap_or(input.clone())).collect();
    // Where the PDF worker lives and which files are skipped change no record.
    let options = IngestOptions { pdf_worker: None, skip_files: Vec::new(), ..options.clone() };
    let settings = format!(
        "{} {inputs:?} {:?} {options:?} {:?} {}",
        env!("CARGO_PKG_VERSION"),
        args.format,
        engine.policies(),
        engine.lexicons().sha256(),
    );
    sha256_hex(settings.as_bytes())[..16].to_string()
}

/// Why these inputs and output cannot go together: standard input given
/// twice (it can be read once), or the output file also given as an input
/// (it would be replaced by records about itself).
fn input_conflict(inputs: &[PathBuf], out: Option<&Path>, resume: bool) -> Option<String> {
    if inputs.iter().filter(|path| is_stdin(path)).count() > 1 {
        return Some("standard input (-) can be read only once; give it once".to_string());
    }
    if resume && inputs.iter().any(|path| is_stdin(path)) {
        return Some(
            "standard input (-) cannot be read again, so it cannot be resumed".to_string(),
        );
    }
    let out = out.and_then(|out| out.canonicalize().ok())?;
    inputs
        .iter()
        .filter(|path| !is_stdin(path))
        .find(|path| path.canonicalize().is_ok_and(|input| input == out))
        .map(|input| format!("the output file {} is also an input", input.display()))
}

/// Whether standard output was open when the program started. When it was
/// closed (`necessity run notes >&-`), Rust's runtime opens `/dev/null` in
/// its place before `main`, read-write, and every record would vanish while
/// the run reports success. A shell's `> /dev/null` opens it write-only, so
/// a `/dev/null` that can also be read is the runtime's stand-in.
#[cfg(unix)]
fn stdout_is_open() -> bool {
    use std::io::Read;
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let Ok(duplicate) = io::stdout().as_fd().try_clone_to_owned() else { return false };
    let mut stdout = std::fs::File::from(duplicate);
    let device = |metadata: std::fs::Metadata| (metadata.dev(), metadata.ino());
    let is_dev_null = match (stdout.metadata(), std::fs::metadata("/dev/null")) {
        (Ok(stdout), Ok(null)) => device(stdout) == device(null),
        _ => false,
    };
    !(is_dev_null && stdout.read(&mut [0u8; 1]).is_ok())
}

#[cfg(not(unix))]
fn stdout_is_open() -> bool {
    true
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
    /// Records a machine may act on; every other record pends to a reviewer.
    approved: u64,
    bytes: u64,
    /// Hidden files and folders the walk left out, for the summary.
    hidden_skipped: HiddenSkipped,
}

/// The bar while the input's size is unknown: documents and rates only.
const SPINNER: &str = "{spinner} {msg}";
/// The bar once the input's size is known: its share done, and when it ends.
const WITH_TOTAL: &str = "{spinner} [{bar:24}] {percent:>3}% of {total_bytes}, ETA {eta} · {msg}";

impl Progress {
    fn new(quiet: bool) -> Progress {
        let bar = (!quiet && io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(style(SPINNER));
            bar
        });
        Progress {
            quiet,
            bar,
            started: Instant::now(),
            documents: 0,
            errors: 0,
            approved: 0,
            bytes: 0,
            hidden_skipped: HiddenSkipped::default(),
        }
    }

    /// Measures the inputs (the same walk, by file sizes) in another thread,
    /// then shows the bar's total, percentage and time to go. Progress is
    /// counted in input bytes (`source.bytes`), which every document has.
    fn measure_total(&self, inputs: &[PathBuf], options: &IngestOptions) {
        let Some(bar) = self.bar.clone() else { return };
        let (inputs, options) = (inputs.to_vec(), options.clone());
        std::thread::spawn(move || {
            let total = input_bytes(&inputs, &options);
            // A shard holds about its share of every input's bytes.
            let total = total / options.shard.map_or(1, |shard| shard.count());
            if total > 0 {
                bar.set_length(total);
                bar.set_style(style(WITH_TOTAL));
            }
        });
    }

    /// Counts the records a resumed run kept, and says so.
    fn kept(&mut self, kept: &Kept, partial: &Path) {
        self.documents += kept.records;
        self.errors += kept.errors;
        self.approved += kept.approved;
        self.bytes += kept.bytes;
        if let Some(bar) = &self.bar {
            bar.inc(kept.bytes);
        }
        if self.quiet {
            return;
        }
        if let Some((found, wanted)) = &kept.mismatch {
            let inputs = match wanted.as_str() {
                "" => "the inputs end before it".to_string(),
                wanted => format!("the inputs give {wanted:?}"),
            };
            eprintln!(
                "necessity run: the partial output's record {} is {found:?} where {inputs}: \
                 the inputs changed, so it and the records after it are decided again",
                kept.records + 1
            );
        }
        if kept.records > 0 {
            eprintln!(
                "necessity run: resuming after {} records kept from {}",
                kept.records,
                partial.display()
            );
        }
    }

    fn record(&mut self, record: &Record) {
        self.documents += 1;
        self.bytes += record.source.bytes;
        if record.status == Status::Error {
            self.errors += 1;
        }
        if record.route == Some(Route::Approve) {
            self.approved += 1;
        }
        if let Some(bar) = &self.bar {
            bar.inc(record.source.bytes);
            if self.documents % 16 == 1 {
                let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
                bar.set_message(format!(
                    "{} documents ({:.0}/s, {:.1} MB/s, {} errors)",
                    self.documents,
                    self.documents as f64 / seconds,
                    mb(self.bytes) / seconds,
                    self.errors
                ));
            }
        }
    }

    /// Clears the bar, prints the summary and returns the number of errors.
    /// `skipped_resources` FHIR resources of other types were met (and, not
    /// being documents, got no record): said when there were any.
    fn finish(self, skipped_resources: u64) -> u64 {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if !self.quiet {
            let mut stderr = io::stderr().lock();
            let hidden = match self.hidden_skipped.get() {
                0 => String::new(),
                skipped => format!(", {skipped} hidden skipped (--hidden reads them)"),
            };
            let skipped = match skipped_resources {
                0 => String::new(),
                1 => "; 1 FHIR resource of another type than DocumentReference skipped".to_string(),
                n => format!("; {n} FHIR resources of other types than DocumentReference skipped"),
            };
            let _ = writeln!(
                stderr,
                "necessity: {} documents, {} ok, {} errors; {} approve, {} pend; {:.1} MB, {:.1} s{hidden}{skipped}",
                self.documents,
                self.documents - self.errors,
                self.errors,
                self.approved,
                self.documents - self.approved,
                mb(self.bytes),
                self.started.elapsed().as_secs_f64()
            );
        }
        self.errors
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}
