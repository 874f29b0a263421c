//! PDF text through `pdf-extract`, isolated in a child process.
//!
//! The parser panics on many malformed files and runs for ever on some
//! (decompression bombs), eating gigabytes. A thread cannot be killed, so the
//! parent re-runs its own binary as `pdf-worker` on one file, under an address
//! space cap, and kills it when it passes the time limit. The worker writes the
//! text to its stdout and reports failures by exit status; its stderr (the
//! parser's noise, panic messages) is discarded, never shown to the user.

use crate::text::document;
use crate::{kind, Document, IngestFailure, IngestOptions};
use necessity_record::Format;
use std::io::{self, Read, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use wait_timeout::ChildExt;

mod children;

pub use children::kill_all_groups as kill_pdf_workers;

/// Largest text a PDF may yield whatever `max_doc_bytes` says (beyond it the
/// document is `too_large`): keeps a batch's memory flat.
const MAX_TEXT_BYTES: u64 = 256 << 20;

/// Worker exit statuses; anything else (a signal, a foreign status) is read
/// from how the process ended.
const EXIT_ENCRYPTED: i32 = 10;
const EXIT_UNREADABLE: i32 = 11;
const EXIT_IO: i32 = 13;
const EXIT_TOO_LARGE: i32 = 14;

/// Test hook: when set to a number of MiB, the worker allocates that much
/// before parsing, so tests can drive the memory-cap path the same way in
/// any build (the worker's own footprint differs between debug and release).
/// It can only make a worker fail, never read anything.
pub const TEST_ALLOCATE_MB_ENV: &str = "NECESSITY_PDF_WORKER_TEST_ALLOCATE_MB";

/// Test hook: when set to a number of seconds, the worker first waits that
/// long on a `sleep` child it starts as it starts its OCR tools, so tests can
/// kill a run while workers, and their children, are busy.
pub const TEST_SLEEP_SECONDS_ENV: &str = "NECESSITY_PDF_WORKER_TEST_SLEEP_SECONDS";

/// Limits the worker applies to itself, in case the parent cannot (it died).
#[derive(Clone, Copy, Debug)]
pub struct PdfWorkerLimits {
    /// Address-space cap, in MiB (`RLIMIT_AS`).
    pub memory_mb: u64,
    /// CPU-time cap, in seconds (`RLIMIT_CPU`), a backstop to the parent's timer.
    pub cpu_seconds: u64,
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

/// One PDF file as a document, parsed in the worker when one is configured.
pub(crate) fn pdf_document(
    id: String,
    path: &Path,
    size: u64,
    options: &IngestOptions,
) -> Result<Document, IngestFailure> {
    let text = match &options.pdf_worker {
        Some(program) => parse_in_worker(program, path, options),
        None => std::fs::read(path)
            .map_err(|error| PdfFailure::new(kind::IO, format!("cannot read: {}", error.kind())))
            .and_then(|bytes| extract_text(&bytes)),
    };
    match text {
        Ok(text) if text.trim().is_empty() => Err(IngestFailure::new(
            id,
            Some(Format::Pdf),
            size,
            kind::PDF_NO_TEXT,
            "the PDF has no text layer",
        )),
        Ok(text) if text.len() as u64 > options.max_doc_bytes => Err(crate::text::too_large(
            id,
            Some(Format::Pdf),
            size,
            options.max_doc_bytes,
            "the PDF's text",
        )),
        Ok(text) => document(id, text, Format::Pdf, size, false, "the PDF"),
        Err(failure) => {
            Err(IngestFailure::new(id, Some(Format::Pdf), size, failure.kind, failure.message))
        }
    }
}

/// The text of a PDF, parsed in this process; a parser panic is a failure.
fn extract_text(bytes: &[u8]) -> Result<String, PdfFailure> {
    match panic::catch_unwind(AssertUnwindSafe(|| pdf_extract::extract_text_from_mem(bytes))) {
        Ok(Ok(text)) => Ok(text),
        Ok(Err(error)) => Err(classify(&error)),
        Err(_) => Err(PdfFailure::new(kind::PDF_UNREADABLE, "the PDF parser crashed on this file")),
    }
}

/// A parser error as a kind and a fixed message: lopdf messages can quote
/// strings from the file, which may be note text.
fn classify(error: &pdf_extract::OutputError) -> PdfFailure {
    use lopdf::Error as E;
    use pdf_extract::OutputError;
    let unreadable = |why: &str| {
        PdfFailure::new(kind::PDF_UNREADABLE, format!("the PDF cannot be parsed: {why}"))
    };
    match error {
        OutputError::PdfError(
            E::Decryption(_) | E::InvalidPassword | E::UnsupportedSecurityHandler(_),
        ) => PdfFailure::new(
            kind::PDF_ENCRYPTED,
            "the PDF is encrypted and does not open without a password",
        ),
        OutputError::PdfError(E::Parse(_) | E::IndirectObject { .. } | E::InvalidOffset(_)) => {
            unreadable("syntax error")
        }
        OutputError::PdfError(E::Xref(_) | E::MissingXrefEntry | E::ObjectNotFound(_)) => {
            unreadable("broken cross-reference table")
        }
        OutputError::PdfError(E::Decompress(_) | E::InvalidStream(_)) => {
            unreadable("a stream does not decode")
        }
        OutputError::PdfError(E::ReferenceCycle(_) | E::ReferenceLimit) => {
            unreadable("reference cycle")
        }
        // The bytes are already in memory: an I/O error here is truncated data.
        OutputError::PdfError(E::IO(_)) => unreadable("truncated or damaged data"),
        _ => unreadable("invalid structure"),
    }
}

/// Runs the worker on `path` and reads its verdict, killing it at the timeout.
fn parse_in_worker(
    program: &Path,
    path: &Path,
    options: &IngestOptions,
) -> Result<String, PdfFailure> {
    let cpu_seconds = options.doc_timeout.as_secs() + 5;
    let mut command = Command::new(program);
    command
        .arg("pdf-worker")
        .arg("--memory-mb")
        .arg(options.pdf_memory_mb.to_string())
        .arg("--cpu-seconds")
        .arg(cpu_seconds.to_string())
        .arg("--")
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut worker = children::Group::spawn(&mut command).map_err(|error| {
        PdfFailure::new(kind::IO, format!("cannot start the PDF worker: {}", error.kind()))
    })?;
    let Some(stdout) = worker.child.stdout.take() else {
        worker.kill();
        return Err(PdfFailure::new(kind::IO, "the PDF worker has no output pipe"));
    };
    let limit = options.max_doc_bytes.min(MAX_TEXT_BYTES);
    let reader = thread::spawn(move || read_capped(stdout, limit));
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
        // Kill before joining the reader: the worker (or a tool it started)
        // may still be writing.
        worker.kill();
    }
    let output = reader.join().unwrap_or_else(|_| Ok((Vec::new(), false)));
    verdict(status?, output, options.pdf_memory_mb)
}

/// Reads the worker's stdout up to `limit` bytes, draining the rest so the
/// worker never blocks; the flag says whether anything was cut.
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
) -> Result<String, PdfFailure> {
    let (stdout, cut) = output.map_err(|error| {
        PdfFailure::new(kind::IO, format!("lost the PDF worker's output: {}", error.kind()))
    })?;
    let message = || String::from_utf8_lossy(&stdout).chars().take(200).collect::<String>();
    match status.code() {
        Some(0) if cut => Err(PdfFailure::new(
            kind::TOO_LARGE,
            "the PDF's text is larger than the limit (--max-doc-bytes)",
        )),
        Some(0) => String::from_utf8(stdout).map_err(|_| {
            PdfFailure::new(kind::PDF_UNREADABLE, "the PDF worker wrote invalid UTF-8")
        }),
        Some(EXIT_ENCRYPTED) => Err(PdfFailure::new(kind::PDF_ENCRYPTED, message())),
        Some(EXIT_UNREADABLE) => Err(PdfFailure::new(kind::PDF_UNREADABLE, message())),
        Some(EXIT_IO) => Err(PdfFailure::new(kind::IO, message())),
        Some(EXIT_TOO_LARGE) => Err(too_large(memory_mb)),
        Some(code) => Err(PdfFailure::new(
            kind::PDF_UNREADABLE,
            format!("the PDF worker failed with status {code}"),
        )),
        None => Err(signal_failure(status, memory_mb)),
    }
}

/// A worker killed by a signal: an abort is almost always a failed allocation
/// under the address-space cap, a CPU-limit signal is a timeout.
#[cfg(unix)]
fn signal_failure(status: ExitStatus, memory_mb: u64) -> PdfFailure {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(libc::SIGABRT) | Some(libc::SIGKILL) => PdfFailure::new(
            kind::TOO_LARGE,
            format!("parsing needed more than {memory_mb} MiB of memory"),
        ),
        Some(libc::SIGXCPU) => PdfFailure::new(kind::TIMEOUT, "parsing used up its CPU time"),
        Some(signal) => PdfFailure::new(
            kind::PDF_UNREADABLE,
            format!("the PDF parser crashed (signal {signal})"),
        ),
        None => PdfFailure::new(kind::PDF_UNREADABLE, "the PDF worker ended abnormally"),
    }
}

fn too_large(memory_mb: u64) -> PdfFailure {
    PdfFailure::new(kind::TOO_LARGE, format!("parsing needed more than {memory_mb} MiB of memory"))
}

#[cfg(not(unix))]
fn signal_failure(_status: ExitStatus, _memory_mb: u64) -> PdfFailure {
    PdfFailure::new(kind::PDF_UNREADABLE, "the PDF worker ended abnormally")
}

/// The body of the hidden `pdf-worker` subcommand: caps its own memory and CPU
/// time, parses one PDF and writes its text to stdout. Returns the exit status.
/// Nothing else may reach stdout, so anything the parser prints goes to stderr,
/// which the parent discards.
pub fn run_pdf_worker(path: &Path, limits: PdfWorkerLimits) -> u8 {
    panic::set_hook(Box::new(|_| {}));
    apply_limits(limits);
    if let Some(mb) =
        std::env::var(TEST_ALLOCATE_MB_ENV).ok().and_then(|mb| mb.parse::<usize>().ok())
    {
        // Past the cap the allocation fails and the process aborts, as a
        // parser's would.
        std::hint::black_box(vec![1u8; mb.saturating_mul(1 << 20)]);
    }
    if let Ok(seconds) = std::env::var(TEST_SLEEP_SECONDS_ENV) {
        let _ = children::die_with_parent(Command::new("sleep").arg(seconds))
            .stdout(Stdio::null())
            .status();
    }
    let Some(mut output) = take_stdout() else {
        return EXIT_IO as u8;
    };
    let (status, bytes) = match std::fs::read(path) {
        // Under the address-space cap, a file too big to hold is a memory failure.
        Err(error) if error.kind() == io::ErrorKind::OutOfMemory => return EXIT_TOO_LARGE as u8,
        Err(error) => (EXIT_IO, format!("cannot read: {}", error.kind()).into_bytes()),
        Ok(bytes) => match extract_text(&bytes) {
            Ok(text) => (0, text.into_bytes()),
            Err(failure) => (failure_status(&failure), failure.message.into_bytes()),
        },
    };
    match output.write_all(&bytes).and_then(|()| output.flush()) {
        Ok(()) => status as u8,
        Err(_) => EXIT_IO as u8,
    }
}

fn failure_status(failure: &PdfFailure) -> i32 {
    match failure.kind {
        k if k == kind::PDF_ENCRYPTED => EXIT_ENCRYPTED,
        k if k == kind::IO => EXIT_IO,
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
    fn garbage_is_unreadable_not_a_panic() {
        let failure =
            extract_text(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\nendobj\n%%EOF").unwrap_err();
        assert_eq!(failure.kind, kind::PDF_UNREADABLE);
    }

    #[test]
    fn in_process_documents_report_the_pdf_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.pdf");
        std::fs::write(&path, b"%PDF-1.7 truncated").unwrap();
        let failure =
            pdf_document("bad.pdf".into(), &path, 18, &IngestOptions::default()).unwrap_err();
        assert_eq!(failure.source.format, Some(Format::Pdf));
        assert_eq!(failure.kind, kind::PDF_UNREADABLE);
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
        let ok = ExitStatus::from_raw(0);
        assert_eq!(verdict(ok, Ok((b"text".to_vec(), false)), 64).unwrap(), "text");
        assert_eq!(verdict(ok, Ok((vec![], true)), 64).unwrap_err().kind, kind::TOO_LARGE);
    }
}
