//! PDF text, read in an isolated child process: the text layer through
//! `pdf-extract`, then poppler's `pdftotext`, then OCR for pages that still
//! have no text (see [`read`]).
//!
//! The parser panics on many malformed files and runs for ever on some
//! (decompression bombs), eating gigabytes. A thread cannot be killed, so the
//! parent re-runs its own binary as `pdf-worker` on one file, under an address
//! space cap, and kills it (with everything it started) when it passes the
//! time limit. The worker writes a header line and the text to its stdout and
//! reports failures by exit status; its stderr (the parser's noise, panic
//! messages) is discarded, never shown to the user.

use crate::text::document;
use crate::{kind, Document, IngestFailure, IngestOptions};
use necessity_record::Format;
use serde::{Deserialize, Serialize};
use std::io::{self, Read, Write};
use std::panic;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};
use wait_timeout::ChildExt;

mod children;
mod layer;
mod ocr;
mod read;
mod tools;

pub use children::kill_all_groups as kill_pdf_workers;
use read::{read_pdf, PdfText};
use tools::ToolFile;

/// Largest text a PDF may yield whatever `max_doc_bytes` says (beyond it the
/// document is `too_large`): keeps a batch's memory flat.
const MAX_TEXT_BYTES: u64 = 256 << 20;

/// Worker exit statuses; anything else (a signal, a foreign status) is read
/// from how the process ended.
const EXIT_ENCRYPTED: i32 = 10;
const EXIT_UNREADABLE: i32 = 11;
const EXIT_NO_TEXT: i32 = 12;
const EXIT_IO: i32 = 13;
const EXIT_TOO_LARGE: i32 = 14;
const EXIT_TIMEOUT: i32 = 15;

/// Test hook: when set to a number of MiB, the worker allocates that much
/// before parsing, so tests can drive the memory-cap path the same way in
/// any build (the worker's own footprint differs between debug and release).
/// It can only make a worker fail, never read anything.
pub const TEST_ALLOCATE_MB_ENV: &str = "NECESSITY_PDF_WORKER_TEST_ALLOCATE_MB";

/// Test hook: when set to a number of seconds, the worker first waits that
/// long on a `sleep` child it starts as it starts its OCR tools, so tests can
/// kill a run while workers, and their children, are busy.
pub const TEST_SLEEP_SECONDS_ENV: &str = "NECESSITY_PDF_WORKER_TEST_SLEEP_SECONDS";

/// The argument that makes the worker read the PDF from its standard input.
pub const STDIN_ARGUMENT: &str = "-";

/// Limits the worker applies to itself, in case the parent cannot (it died).
#[derive(Clone, Copy, Debug)]
pub struct PdfWorkerLimits {
    /// Address-space cap, in MiB (`RLIMIT_AS`); the OCR tools inherit it.
    pub memory_mb: u64,
    /// CPU-time cap, in seconds (`RLIMIT_CPU`), a backstop to the parent's timer.
    pub cpu_seconds: u64,
    /// Wall-clock seconds the parent allows before it kills the worker: OCR
    /// stops short of it, so the pages read by then are kept.
    pub seconds: f64,
}

/// Why a PDF gave no text: a record kind and a message without note text.
#[derive(Debug, PartialEq, Eq)]
struct PdfFailure {
    kind: &'static str,
    message: String,
}

impl PdfFailure {
    fn new(kind: &'static str, message: impl Into<String>) -> PdfFailure {
        PdfFailure { kind, message: message.into() }
    }
}

/// Where a PDF's bytes are.
#[derive(Clone, Copy)]
pub(crate) enum PdfInput<'a> {
    File(&'a Path),
    /// Already in memory (an attachment); they reach the worker on its stdin.
    Bytes(&'a [u8]),
}

/// What the worker's first output line says about the text after it.
#[derive(Debug, Default, Deserialize, Serialize)]
struct Header {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ocr_confidence: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pages_failed: Vec<u32>,
}

/// One PDF as a document, read in the worker when one is configured; `size`
/// is the PDF's size in bytes.
pub(crate) fn pdf_document(
    id: String,
    input: PdfInput,
    size: u64,
    options: &IngestOptions,
) -> Result<Document, IngestFailure> {
    let read = match &options.pdf_worker {
        Some(program) => parse_in_worker(program, input, options),
        None => read_in_process(input, Instant::now() + options.doc_timeout),
    };
    let failure = |kind: &str, message: String| {
        IngestFailure::new(id.clone(), Some(Format::Pdf), size, kind, message)
    };
    match read {
        Ok(pdf) if pdf.text.trim().is_empty() => {
            Err(failure(kind::PDF_NO_TEXT, "the PDF has no text layer".to_string()))
        }
        Ok(pdf) if pdf.text.len() as u64 > options.max_doc_bytes => Err(crate::text::too_large(
            id,
            Some(Format::Pdf),
            size,
            options.max_doc_bytes,
            "the PDF's text",
        )),
        Ok(pdf) => {
            let mut document = document(id, pdf.text, Format::Pdf, size, false, "the PDF")?;
            document.provenance.ocr_confidence = pdf.ocr_confidence;
            document.provenance.pages_failed = pdf.pages_failed;
            Ok(document)
        }
        Err(error) => Err(failure(error.kind, error.message)),
    }
}

/// Reads a PDF in this process: parser panics are caught, but nothing bounds
/// its time or memory (see [`IngestOptions::pdf_worker`]).
fn read_in_process(input: PdfInput, deadline: Instant) -> Result<PdfText, PdfFailure> {
    match input {
        PdfInput::File(path) => {
            let bytes = std::fs::read(path).map_err(|error| {
                PdfFailure::new(kind::IO, format!("cannot read: {}", error.kind()))
            })?;
            read_pdf(&bytes, &ToolFile::Path(path.to_path_buf()), deadline)
        }
        PdfInput::Bytes(bytes) => read_pdf(bytes, &ToolFile::of_bytes(bytes), deadline),
    }
}

/// Runs the worker on `input` and reads its verdict, killing it (and what it
/// started) at the timeout.
fn parse_in_worker(
    program: &Path,
    input: PdfInput,
    options: &IngestOptions,
) -> Result<PdfText, PdfFailure> {
    let cpu_seconds = options.doc_timeout.as_secs() + 5;
    let mut command = Command::new(program);
    command
        .arg("pdf-worker")
        .arg("--memory-mb")
        .arg(options.pdf_memory_mb.to_string())
        .arg("--cpu-seconds")
        .arg(cpu_seconds.to_string())
        .arg("--seconds")
        .arg(options.doc_timeout.as_secs_f64().to_string())
        .arg("--")
        .arg(match input {
            PdfInput::File(path) => path.as_os_str(),
            PdfInput::Bytes(_) => STDIN_ARGUMENT.as_ref(),
        })
        .stdin(match input {
            PdfInput::File(_) => Stdio::null(),
            PdfInput::Bytes(_) => Stdio::piped(),
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut worker = children::Group::spawn(&mut command).map_err(|error| {
        PdfFailure::new(kind::IO, format!("cannot start the PDF worker: {}", error.kind()))
    })?;
    let (stdin, stdout) = (worker.child.stdin.take(), worker.child.stdout.take());
    let Some(stdout) = stdout else {
        worker.kill();
        return Err(PdfFailure::new(kind::IO, "the PDF worker has no output pipe"));
    };
    let limit = options.max_doc_bytes.min(MAX_TEXT_BYTES);
    thread::scope(|scope| {
        if let (Some(mut stdin), PdfInput::Bytes(bytes)) = (stdin, input) {
            // A worker that dies early closes the pipe: its status tells why.
            scope.spawn(move || stdin.write_all(bytes));
        }
        // Room for the header line beyond the text's own limit.
        let reader = scope.spawn(move || read_capped(stdout, limit.saturating_add(1 << 16)));
        let status = match worker.child.wait_timeout(options.doc_timeout) {
            Ok(Some(status)) => Ok(status),
            Ok(None) => Err(PdfFailure::new(
                kind::TIMEOUT,
                format!("parsing took longer than {} s", options.doc_timeout.as_secs_f64()),
            )),
            Err(error) => {
                Err(PdfFailure::new(kind::IO, format!("lost the PDF worker: {}", error.kind())))
            }
        };
        if status.is_err() {
            // Kill before joining the reader: the worker (or a tool it
            // started) may still be writing.
            worker.kill();
        }
        let output = reader.join().unwrap_or_else(|_| Ok((Vec::new(), false)));
        verdict(status?, output, options.pdf_memory_mb)
    })
}

/// Reads `stdout` up to `limit` bytes, draining the rest so the writer never
/// blocks; the flag says whether anything was cut.
fn read_capped(stdout: impl Read, limit: u64) -> io::Result<(Vec<u8>, bool)> {
    let mut stdout = stdout;
    let mut text = Vec::new();
    (&mut stdout).take(limit.saturating_add(1)).read_to_end(&mut text)?;
    let cut = text.len() as u64 > limit;
    if cut {
        text.clear();
        io::copy(&mut stdout, &mut io::sink())?;
    }
    Ok((text, cut))
}

/// What the worker's exit status and output mean for the document.
fn verdict(
    status: ExitStatus,
    output: io::Result<(Vec<u8>, bool)>,
    memory_mb: u64,
) -> Result<PdfText, PdfFailure> {
    let (stdout, cut) = output.map_err(|error| {
        PdfFailure::new(kind::IO, format!("lost the PDF worker's output: {}", error.kind()))
    })?;
    let message = || String::from_utf8_lossy(&stdout).chars().take(200).collect::<String>();
    match status.code() {
        Some(0) if cut => Err(PdfFailure::new(
            kind::TOO_LARGE,
            "the PDF's text is larger than the limit (--max-doc-bytes)",
        )),
        Some(0) => read_output(stdout),
        Some(EXIT_ENCRYPTED) => Err(PdfFailure::new(kind::PDF_ENCRYPTED, message())),
        Some(EXIT_UNREADABLE) => Err(PdfFailure::new(kind::PDF_UNREADABLE, message())),
        Some(EXIT_NO_TEXT) => Err(PdfFailure::new(kind::PDF_NO_TEXT, message())),
        Some(EXIT_IO) => Err(PdfFailure::new(kind::IO, message())),
        Some(EXIT_TOO_LARGE) => Err(too_large(memory_mb)),
        Some(EXIT_TIMEOUT) => Err(PdfFailure::new(kind::TIMEOUT, message())),
        Some(code) => Err(PdfFailure::new(
            kind::PDF_UNREADABLE,
            format!("the PDF worker failed with status {code}"),
        )),
        None => Err(signal_failure(status, memory_mb)),
    }
}

/// A successful worker's output: the header line, then the text.
fn read_output(stdout: Vec<u8>) -> Result<PdfText, PdfFailure> {
    let garbled = || PdfFailure::new(kind::PDF_UNREADABLE, "the PDF worker wrote invalid output");
    let output = String::from_utf8(stdout).map_err(|_| garbled())?;
    let (header, text) = output.split_once('\n').ok_or_else(garbled)?;
    let header: Header = serde_json::from_str(header).map_err(|_| garbled())?;
    Ok(PdfText {
        text: text.to_string(),
        ocr_confidence: header.ocr_confidence,
        pages_failed: header.pages_failed,
    })
}

/// The worker's output for a text: what [`read_output`] reads back.
fn write_output(pdf: PdfText) -> Vec<u8> {
    let header = Header { ocr_confidence: pdf.ocr_confidence, pages_failed: pdf.pages_failed };
    let mut output = serde_json::to_vec(&header).unwrap_or_else(|_| b"{}".to_vec());
    output.push(b'\n');
    output.extend_from_slice(pdf.text.as_bytes());
    output
}

/// A worker killed by a signal: an abort is almost always a failed allocation
/// under the address-space cap, a CPU-limit signal is a timeout.
#[cfg(unix)]
fn signal_failure(status: ExitStatus, memory_mb: u64) -> PdfFailure {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(libc::SIGABRT) | Some(libc::SIGKILL) => too_large(memory_mb),
        Some(libc::SIGXCPU) => PdfFailure::new(kind::TIMEOUT, "parsing used up its CPU time"),
        Some(signal) => PdfFailure::new(
            kind::PDF_UNREADABLE,
            format!("the PDF parser crashed (signal {signal})"),
        ),
        None => PdfFailure::new(kind::PDF_UNREADABLE, "the PDF worker ended abnormally"),
    }
}

#[cfg(not(unix))]
fn signal_failure(_status: ExitStatus, _memory_mb: u64) -> PdfFailure {
    PdfFailure::new(kind::PDF_UNREADABLE, "the PDF worker ended abnormally")
}

fn too_large(memory_mb: u64) -> PdfFailure {
    PdfFailure::new(kind::TOO_LARGE, format!("parsing needed more than {memory_mb} MiB of memory"))
}

/// The body of the hidden `pdf-worker` subcommand: caps its own memory and CPU
/// time, reads one PDF (a file, or standard input for [`STDIN_ARGUMENT`])
/// and writes its text to stdout. Returns the exit status. Nothing else may
/// reach stdout, so anything the parser prints goes to stderr, which the
/// parent discards.
pub fn run_pdf_worker(path: &Path, limits: PdfWorkerLimits) -> u8 {
    panic::set_hook(Box::new(|_| {}));
    let deadline = Instant::now() + reading_budget(limits.seconds);
    apply_limits(limits);
    run_test_hooks();
    let Some(mut output) = take_stdout() else {
        return EXIT_IO as u8;
    };
    let input = if path.as_os_str() == STDIN_ARGUMENT {
        let mut bytes = Vec::new();
        io::stdin().lock().read_to_end(&mut bytes).map(|_| bytes)
    } else {
        std::fs::read(path)
    };
    let (status, bytes) = match input {
        // Under the address-space cap, a file too big to hold is a memory failure.
        Err(error) if error.kind() == io::ErrorKind::OutOfMemory => return EXIT_TOO_LARGE as u8,
        Err(error) => (EXIT_IO, format!("cannot read: {}", error.kind()).into_bytes()),
        Ok(bytes) => {
            let file = match path.as_os_str() == STDIN_ARGUMENT {
                true => ToolFile::of_bytes(&bytes),
                false => ToolFile::Path(path.to_path_buf()),
            };
            match read_pdf(&bytes, &file, deadline) {
                Ok(pdf) => (0, write_output(pdf)),
                Err(failure) => (failure_status(&failure), failure.message.into_bytes()),
            }
        }
    };
    match output.write_all(&bytes).and_then(|()| output.flush()) {
        Ok(()) => status as u8,
        Err(_) => EXIT_IO as u8,
    }
}

/// How long the worker may spend reading when the parent allows `seconds`:
/// a little less, so that it can still write what it read before the kill.
fn reading_budget(seconds: f64) -> Duration {
    let margin = (seconds * 0.1).clamp(0.2, 2.0);
    Duration::try_from_secs_f64(seconds - margin).unwrap_or(Duration::ZERO)
}

/// The hooks of [`TEST_ALLOCATE_MB_ENV`] and [`TEST_SLEEP_SECONDS_ENV`].
fn run_test_hooks() {
    if let Some(mb) =
        std::env::var(TEST_ALLOCATE_MB_ENV).ok().and_then(|mb| mb.parse::<usize>().ok())
    {
        // Past the cap the allocation fails and the process aborts, as a
        // parser's would.
        std::hint::black_box(vec![1u8; mb.saturating_mul(1 << 20)]);
    }
    if let Ok(seconds) = std::env::var(TEST_SLEEP_SECONDS_ENV) {
        let mut sleep = Command::new("sleep");
        sleep.arg(seconds).stdout(Stdio::null());
        let _ = children::die_with_parent(&mut sleep).status();
    }
}

fn failure_status(failure: &PdfFailure) -> i32 {
    match failure.kind {
        k if k == kind::PDF_ENCRYPTED => EXIT_ENCRYPTED,
        k if k == kind::PDF_NO_TEXT => EXIT_NO_TEXT,
        k if k == kind::IO => EXIT_IO,
        k if k == kind::TIMEOUT => EXIT_TIMEOUT,
        _ => EXIT_UNREADABLE,
    }
}

/// Sets `RLIMIT_AS` and `RLIMIT_CPU` on this process.
#[cfg(unix)]
fn apply_limits(limits: PdfWorkerLimits) {
    let cap = |resource, value: u64| {
        let limit =
            libc::rlimit { rlim_cur: value as libc::rlim_t, rlim_max: value as libc::rlim_t };
        // SAFETY: setrlimit reads a valid, initialised struct; failure leaves the
        // old limit, which the parent's timer still backs up.
        unsafe { libc::setrlimit(resource, &limit) };
    };
    cap(libc::RLIMIT_AS, limits.memory_mb.saturating_mul(1 << 20));
    cap(libc::RLIMIT_CPU, limits.cpu_seconds.max(1));
}

#[cfg(not(unix))]
fn apply_limits(_limits: PdfWorkerLimits) {}

/// The real stdout as a file, with fd 1 pointed at stderr so stray prints of
/// the parser cannot corrupt the text.
#[cfg(unix)]
fn take_stdout() -> Option<std::fs::File> {
    use std::os::unix::io::FromRawFd;
    // SAFETY: dup/dup2 on the standard descriptors; the duplicate is owned by
    // the returned File alone.
    unsafe {
        let real = libc::dup(libc::STDOUT_FILENO);
        if real < 0 || libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO) < 0 {
            return None;
        }
        Some(std::fs::File::from_raw_fd(real))
    }
}

#[cfg(not(unix))]
fn take_stdout() -> Option<Box<dyn Write>> {
    Some(Box::new(io::stdout()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_process_documents_report_the_pdf_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.pdf");
        std::fs::write(&path, b"%PDF-1.7 truncated").unwrap();
        let input = PdfInput::File(&path);
        let failure =
            pdf_document("bad.pdf".into(), input, 18, &IngestOptions::default()).unwrap_err();
        assert_eq!(failure.source.format, Some(Format::Pdf));
        assert_eq!(failure.kind, kind::PDF_UNREADABLE);
    }

    #[test]
    fn the_header_line_carries_what_ocr_found() {
        let pdf = PdfText {
            text: "BSA 12%\nIGA 3\n".into(),
            ocr_confidence: Some(91.5),
            pages_failed: vec![2],
        };
        let output = write_output(pdf);
        assert!(output.starts_with(b"{\"ocr_confidence\":91.5,\"pages_failed\":[2]}\n"));
        let typed = write_output(PdfText { text: "x".into(), ..PdfText::default() });
        assert_eq!(typed, b"{}\nx");
        assert_eq!(read_output(typed).unwrap().text, "x");
        assert_eq!(read_output(b"no header".to_vec()).unwrap_err().kind, kind::PDF_UNREADABLE);
    }

    #[test]
    fn the_worker_keeps_a_margin_to_write_before_the_kill() {
        assert_eq!(reading_budget(30.0), Duration::from_secs(28));
        assert_eq!(reading_budget(1.0), Duration::from_millis(800));
        assert_eq!(reading_budget(0.001), Duration::ZERO);
    }

    #[cfg(unix)]
    #[test]
    fn signals_and_statuses_map_to_kinds() {
        use std::os::unix::process::ExitStatusExt;
        let abort = ExitStatus::from_raw(libc::SIGABRT);
        assert_eq!(verdict(abort, Ok((vec![], false)), 64).unwrap_err().kind, kind::TOO_LARGE);
        let encrypted = ExitStatus::from_raw(EXIT_ENCRYPTED << 8);
        assert_eq!(
            verdict(encrypted, Ok((b"locked".to_vec(), false)), 64).unwrap_err().kind,
            kind::PDF_ENCRYPTED
        );
        let no_text = ExitStatus::from_raw(EXIT_NO_TEXT << 8);
        let failure = verdict(no_text, Ok((b"OCR is unavailable".to_vec(), false)), 64);
        assert_eq!(failure.unwrap_err().kind, kind::PDF_NO_TEXT);
        let ok = ExitStatus::from_raw(0);
        assert_eq!(verdict(ok, Ok((b"{}\ntext".to_vec(), false)), 64).unwrap().text, "text");
        assert_eq!(verdict(ok, Ok((vec![], true)), 64).unwrap_err().kind, kind::TOO_LARGE);
    }
}
