//! PDFs end to end: every real-world PDF of ../shared/data/pdfs (broken,
//! encrypted, scanned, a decompression bomb) gives one record, typed when it
//! fails, with no panic, no hang and none of the parser's noise on stderr.

use crate::run::{outcomes, records, READABLE_PDF};
use crate::util::{necessity, shared_data};
use std::collections::BTreeSet;
use std::fs;

const PDF_KINDS: [&str; 7] =
    ["ok", "pdf_unreadable", "pdf_encrypted", "pdf_no_text", "timeout", "too_large", "io"];

#[test]
fn every_shared_pdf_gives_one_typed_record() {
    let folder = shared_data().join("pdfs");
    let output = necessity().args(["run", "--doc-timeout", "10"]).arg(&folder).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    let outcomes = outcomes(&records(&output));
    let pdfs: BTreeSet<String> = fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".pdf"))
        .collect();
    let ids: Vec<&String> =
        outcomes.iter().map(|(id, _)| id).filter(|id| id.ends_with(".pdf")).collect();
    assert_eq!(ids.len(), pdfs.len(), "one record per PDF");
    assert_eq!(ids.into_iter().cloned().collect::<BTreeSet<_>>(), pdfs);
    for (id, kind) in outcomes.iter().filter(|(id, _)| id.ends_with(".pdf")) {
        assert!(PDF_KINDS.contains(&kind.as_str()), "{id}: {kind}");
    }
    // pdf-extract alone reads 70, pdftotext alone 91; with the second
    // extractor and OCR (scripts/install-ocr.sh) 99, less a few that may hit
    // the short time limit on a loaded machine.
    let readable =
        outcomes.iter().filter(|(id, kind)| kind == "ok" && id.ends_with(".pdf")).count();
    assert!(readable >= 93, "only {readable} PDFs gave text (are poppler and tesseract installed? scripts/install-ocr.sh)");
    let encrypted = outcomes.iter().find(|(id, _)| id == "pypdf-r2-user-password.pdf").unwrap();
    assert_eq!(encrypted.1, "pdf_encrypted");
    // The parser's warnings and panics stay in the worker: only the summary shows.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// The one record's error kind when `run` reads one shared PDF with `limits`
/// and the worker's environment `env`.
fn limited_outcome(file: &str, limits: &[&str], env: &[(&str, &str)]) -> (String, String) {
    let pdf = shared_data().join("pdfs").join(file);
    let mut command = necessity();
    command.args(["run", "-q"]).args(limits).arg(&pdf).envs(env.iter().copied());
    let output = command.output().unwrap();
    let mut outcomes = outcomes(&records(&output));
    assert_eq!(outcomes.len(), 1);
    let expected_status = if outcomes[0].1 == "ok" { 0 } else { 3 };
    assert_eq!(output.status.code(), Some(expected_status));
    outcomes.remove(0)
}

#[test]
fn a_pdf_past_the_time_limit_is_a_timeout_record() {
    let outcome = limited_outcome("pdfjs-freeculture.pdf", &["--doc-timeout", "0.001"], &[]);
    assert_eq!(outcome, ("pdfjs-freeculture.pdf".into(), "timeout".into()));
}

#[test]
fn a_pdf_past_the_memory_cap_is_too_large() {
    // The worker's own footprint depends on the build, so the test makes the
    // worker allocate twice the cap itself; the same PDF under the same cap
    // without that allocation reads fine, so the kill is the cap's doing.
    let cap = ["--pdf-memory-mb", "512"];
    let fine = limited_outcome(READABLE_PDF, &cap, &[]);
    assert_eq!(fine, (READABLE_PDF.into(), "ok".into()));
    let env = [(necessity_ingest::TEST_ALLOCATE_MB_ENV, "1024")];
    let outcome = limited_outcome(READABLE_PDF, &cap, &env);
    assert_eq!(outcome, (READABLE_PDF.into(), "too_large".into()));
}

#[test]
fn a_readable_pdf_is_decided_with_its_text_hash() {
    let pdf = shared_data().join("pdfs").join(READABLE_PDF);
    let output = necessity().args(["run", "-q"]).arg(&pdf).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let records = records(&output);
    assert_eq!(records[0]["source"]["format"], "pdf");
    assert_eq!(records[0]["source"]["sha256"].as_str().map(str::len), Some(64));
}

/// A process as `/proc/<pid>/stat` shows it.
#[cfg(target_os = "linux")]
#[derive(Clone, Copy, Debug)]
struct Process {
    pid: u32,
    parent: u32,
    group: u32,
    zombie: bool,
}

/// Every process of the machine that can be read now.
#[cfg(target_os = "linux")]
fn processes() -> Vec<Process> {
    let pids = fs::read_dir("/proc").unwrap().filter_map(|entry| {
        entry.ok().and_then(|entry| entry.file_name().to_str().and_then(|name| name.parse().ok()))
    });
    pids.filter_map(|pid: u32| {
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name, in parentheses, may hold spaces: read after it.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        Some(Process {
            pid,
            zombie: fields.first() == Some(&"Z"),
            parent: fields.get(1)?.parse().ok()?,
            group: fields.get(2)?.parse().ok()?,
        })
    })
    .collect()
}

/// Kills `run` with `signal` while its two PDF workers (each waiting on a
/// child of its own) are busy, and checks that none of them survives.
#[cfg(target_os = "linux")]
fn workers_die_with_the_run(signal: libc::c_int) {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let pdf = shared_data().join("pdfs").join(READABLE_PDF);
    let mut run = necessity()
        .args(["run", "-q", "-j", "2"])
        .args([&pdf, &pdf])
        .env(necessity_ingest::TEST_SLEEP_SECONDS_ENV, "300")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let busy = loop {
        let all = processes();
        let workers: Vec<u32> =
            all.iter().filter(|p| p.parent == run.id()).map(|p| p.pid).collect();
        let busy: Vec<u32> =
            all.iter().filter(|p| !p.zombie && workers.contains(&p.group)).map(|p| p.pid).collect();
        // Both workers, each with its sleeping child.
        if busy.len() == 4 {
            break busy;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the workers never got busy");
        std::thread::sleep(Duration::from_millis(20));
    };
    // SAFETY: kill has no memory-safety preconditions.
    assert_eq!(unsafe { libc::kill(run.id() as libc::pid_t, signal) }, 0);
    let status = run.wait().unwrap();
    assert!(!status.success());
    let killed = Instant::now();
    let survivors = loop {
        let all = processes();
        let survivors: Vec<Process> =
            all.into_iter().filter(|p| busy.contains(&p.pid) && !p.zombie).collect();
        if survivors.is_empty() || killed.elapsed() > Duration::from_secs(10) {
            break survivors;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(survivors.is_empty(), "outlived the run: {survivors:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn pdf_workers_die_when_the_run_is_killed() {
    workers_die_with_the_run(libc::SIGKILL);
}

#[cfg(target_os = "linux")]
#[test]
fn pdf_workers_die_when_the_run_is_terminated() {
    workers_die_with_the_run(libc::SIGTERM);
}
