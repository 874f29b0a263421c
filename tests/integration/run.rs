//! `necessity run` end to end: one record per input document, whatever the
//! input throws at it, with the documented exit codes and output forms.

use crate::util::{necessity, shared_data};
use serde_json::Value;
use std::fs;
use std::path::Path;
use std::process::Output;

/// A real PDF that pdftotext reads (see ../shared/data/pdfs/SOURCE.md).
pub const READABLE_PDF: &str = "pysf-minimal-document.pdf";

/// The records of a run's stdout, one JSON value per line.
pub fn records(output: &Output) -> Vec<Value> {
    let stdout = String::from_utf8(output.stdout.clone()).expect("records are UTF-8");
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON record"))
        .collect()
}

/// `(id, error kind or "ok")` of each record, in output order.
pub fn outcomes(records: &[Value]) -> Vec<(String, String)> {
    records
        .iter()
        .map(|record| {
            let kind = record["error"]["kind"].as_str().unwrap_or("ok");
            (record["id"].as_str().unwrap().to_string(), kind.to_string())
        })
        .collect()
}

fn run(args: &[&str], dir: &Path) -> Output {
    necessity().arg("run").args(args).arg(dir).output().unwrap()
}

/// A folder with one of every kind of input the issue names.
fn mixed_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| fs::write(dir.path().join(name), bytes).unwrap();
    write("a-good.txt", b"Atopic dermatitis, BSA 12%. Start Dupixent 600 mg.\n");
    write("b-empty.txt", b"");
    write("c-junk.bin", &[0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0xff, 0xfe, 0]);
    write("d-latin1.txt", b"Ecz\xe9ma on both hands.\n");
    write(
        "e-notes.csv",
        b"ROW_ID,CATEGORY,TEXT\n101,Physician,\"Line one of the note.\nLine \"\"two\"\".\"\n102,Nursing,\"\"\n103,Physician,\"Itch 8/10.\"\n",
    );
    write(
        "f-notes.jsonl",
        b"{\"note_id\": \"n1\", \"text\": \"Eczema follow-up.\"}\n{broken json\n{\"text\": \"No id here.\"}\n",
    );
    write("g-broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\n%%EOF\n");
    fs::copy(shared_data().join("pdfs").join(READABLE_PDF), dir.path().join(READABLE_PDF)).unwrap();
    dir
}

#[test]
fn mixed_folder_yields_one_typed_record_per_document() {
    let dir = mixed_folder();
    let output = run(&["--quiet"], dir.path());
    assert_eq!(output.status.code(), Some(3), "some documents are errors");
    let expected = [
        ("a-good.txt", "ok"),
        ("b-empty.txt", "empty"),
        ("c-junk.bin", "unsupported_format"),
        ("d-latin1.txt", "ok"),
        ("e-notes.csv#101", "ok"),
        ("e-notes.csv#102", "empty"),
        ("e-notes.csv#103", "ok"),
        ("f-notes.jsonl#n1", "ok"),
        ("f-notes.jsonl#2", "malformed"),
        ("f-notes.jsonl#3", "ok"),
        ("g-broken.pdf", "pdf_unreadable"),
        (READABLE_PDF, "ok"),
    ];
    let records = records(&output);
    let expected: Vec<(String, String)> =
        expected.iter().map(|(id, kind)| (id.to_string(), kind.to_string())).collect();
    assert_eq!(outcomes(&records), expected);
    let by_id = |id: &str| records.iter().find(|record| record["id"] == id).unwrap();
    assert_eq!(by_id("d-latin1.txt")["source"]["lossy_utf8"], true);
    assert_eq!(by_id("e-notes.csv#101")["source"]["format"], "csv");
    assert_eq!(by_id(READABLE_PDF)["source"]["format"], "pdf");
    for record in &records {
        let ok = record["status"] == "ok";
        assert_eq!(record["source"]["sha256"].is_string(), ok, "{}", record["id"]);
        assert_eq!(record["error"].is_null(), ok, "{}", record["id"]);
    }
}

#[test]
fn output_is_the_same_whatever_the_number_of_jobs() {
    let dir = mixed_folder();
    let one = run(&["--quiet", "--jobs", "1"], dir.path());
    let two = run(&["--quiet", "--jobs", "2"], dir.path());
    assert!(!one.stdout.is_empty());
    assert_eq!(one.stdout, two.stdout);
}

#[test]
fn all_good_documents_exit_zero_and_standard_input_is_a_document() {
    let mut child = necessity()
        .args(["run", "--quiet", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"Moderate eczema, BSA 15%.").unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(outcomes(&records(&output)), [("stdin".to_string(), "ok".to_string())]);
}

#[test]
fn usage_errors_exit_two_with_a_message() {
    let missing = necessity().args(["run", "no/such/dir"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/dir"));
    let dir = tempfile::tempdir().unwrap();
    for bad in [&["--no-such-flag"][..], &["--shard", "4/4"], &["--shard", "x"], &["--jobs", "0"]] {
        let output = run(bad, dir.path());
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        assert!(!output.stderr.is_empty(), "{bad:?}");
    }
    let no_input = necessity().arg("run").output().unwrap();
    assert_eq!(no_input.status.code(), Some(2));
}

#[test]
fn summary_line_unless_quiet_and_never_note_text() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("n.jsonl"), b"\"SECRET-PHI in a string\"\n{\"text\": 5}\n").unwrap();
    fs::write(dir.path().join("x.txt"), b"SECRET-PHI note").unwrap();
    let output = run(&[], dir.path());
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("3 documents, 1 ok, 2 errors; 0 approve, 3 pend;"), "{stderr}");
    let errors: Vec<String> = records(&output)
        .iter()
        .filter(|r| r["status"] == "error")
        .map(|r| r["error"].to_string())
        .collect();
    assert_eq!(errors.len(), 2);
    assert!(errors.iter().all(|error| !error.contains("SECRET")), "{errors:?}");
    let quiet = run(&["-q"], dir.path());
    assert!(quiet.stderr.is_empty());
}

#[test]
fn out_file_appears_complete_and_alone() {
    let dir = mixed_folder();
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("records.jsonl");
    let output = run(&["-q", "--out", out.to_str().unwrap()], dir.path());
    assert_eq!(output.status.code(), Some(3));
    assert!(output.stdout.is_empty());
    let written = fs::read_to_string(&out).unwrap();
    assert_eq!(written.lines().count(), 12);
    assert_eq!(fs::read_dir(out_dir.path()).unwrap().count(), 1, "no temporary file is left");
}

#[test]
fn unwritable_out_fails_with_status_one() {
    let dir = mixed_folder();
    let output = run(&["-q", "--out", "/nonexistent-dir/records.jsonl"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot write"));
}

#[test]
fn csv_format_has_one_row_per_document() {
    let dir = mixed_folder();
    let output = run(&["-q", "--format", "csv"], dir.path());
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "id");
    assert!(
        headers.iter().any(|h| h == "determination") && headers.iter().any(|h| h == "bsa_percent")
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 12);
    let empty = rows.iter().find(|row| &row[0] == "b-empty.txt").unwrap();
    assert_eq!((&empty[1], &empty[2]), ("error", "empty"));
}

#[cfg(unix)]
#[test]
fn symlink_loops_do_not_hang_or_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("notes")).unwrap();
    fs::write(dir.path().join("notes/a.txt"), b"Eczema.").unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("notes/loop")).unwrap();
    let output = run(&["-q"], dir.path());
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(outcomes(&records(&output)), [("notes/a.txt".to_string(), "ok".to_string())]);
}

#[test]
fn unknown_policy_fails_with_status_one_and_writes_nothing() {
    let dir = mixed_folder();
    let output = run(&["--policy", "no-such-policy"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no-such-policy"));
}

#[cfg(unix)]
#[test]
fn interrupted_run_leaves_no_partial_file() {
    // Ctrl-C at a terminal; SIGTERM from a cancelled Slurm or Kubernetes job.
    for signal in ["-INT", "-TERM"] {
        interrupt_a_run(signal);
    }
}

#[cfg(unix)]
fn interrupt_a_run(signal: &str) {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("records.jsonl");
    // Standard input held open keeps the run waiting with its output begun.
    let child = necessity()
        .args(["run", "-q", "--out", out.to_str().unwrap(), "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while fs::read_dir(out_dir.path()).unwrap().count() == 0 {
        assert!(started.elapsed() < Duration::from_secs(60), "the run never began its output");
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed =
        std::process::Command::new("kill").args([signal, &child.id().to_string()]).status();
    assert!(killed.unwrap().success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "after kill {signal}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("interrupted"));
    let left: Vec<_> = fs::read_dir(out_dir.path()).unwrap().collect();
    assert!(left.is_empty(), "kill {signal} leaves nothing behind: {left:?}");
}
