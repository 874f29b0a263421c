//! `necessity run` against a hostile user: odd encodings, files that are not
//! what their name says, runaway sizes, special files, clashing options. Each
//! test is a regression test of something that once broke (or nearly did).

use crate::run::{outcomes, records, READABLE_PDF};
use crate::util::{necessity, shared_data};
use serde_json::Value;
use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs `command`, failing the test if it takes longer than `limit`: these
/// inputs once hung the run, so a hang must fail, not block.
fn output_within(command: &mut Command, limit: Duration) -> Output {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let started = Instant::now();
    // Read the pipes on threads so a chatty child cannot block on them.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut bytes).map(|_| bytes)
    });
    let err = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut bytes).map(|_| bytes)
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("necessity run did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output { status, stdout: out.join().unwrap().unwrap(), stderr: err.join().unwrap().unwrap() }
}

fn run_quiet(args: &[&str], inputs: &[&Path]) -> Output {
    let mut command = necessity();
    command.args(["run", "-q"]).args(args).args(inputs).stdin(Stdio::null());
    output_within(&mut command, Duration::from_secs(60))
}

fn by_id<'a>(records: &'a [Value], id: &str) -> &'a Value {
    records.iter().find(|record| record["id"] == id).unwrap_or_else(|| panic!("no record {id}"))
}

fn utf16le(text: &str) -> Vec<u8> {
    [0xff, 0xfe].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect()
}

#[test]
fn utf16_and_byte_order_marks_give_the_same_text_and_offsets_as_plain_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let note = "Atopic dermatitis.\r\nBSA 12%, itch 8/10.\r\n";
    fs::write(dir.path().join("plain.txt"), note).unwrap();
    fs::write(dir.path().join("utf8-bom.txt"), format!("\u{feff}{note}")).unwrap();
    fs::write(dir.path().join("utf16le.txt"), utf16le(note)).unwrap();
    let output = run_quiet(&[], &[dir.path()]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    let records = records(&output);
    let plain = by_id(&records, "plain.txt");
    let evidence = &plain["facts"]["evidence"]["measures.bsa_percent"][0];
    // The offsets index the text the record hashes: the CRLF note as written.
    let (start, end) = (evidence["start"].as_u64().unwrap(), evidence["end"].as_u64().unwrap());
    assert_eq!(&note[start as usize..end as usize], evidence["text"].as_str().unwrap());
    for id in ["utf8-bom.txt", "utf16le.txt"] {
        let record = by_id(&records, id);
        assert_eq!(record["source"]["sha256"], plain["source"]["sha256"], "{id}");
        assert_eq!(record["facts"]["evidence"], plain["facts"]["evidence"], "{id}");
        assert!(record["source"]["lossy_utf8"].is_null(), "{id}");
    }
}

#[test]
fn tables_without_rows_still_give_one_record() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("header-only.csv"), b"note_id,text\n").unwrap();
    fs::write(dir.path().join("blank.jsonl"), b"\n  \n\n").unwrap();
    let output = run_quiet(&[], &[dir.path()]);
    assert_eq!(output.status.code(), Some(3));
    let expected = [("blank.jsonl", "empty"), ("header-only.csv", "empty")];
    let expected: Vec<(String, String)> =
        expected.iter().map(|(id, kind)| (id.to_string(), kind.to_string())).collect();
    assert_eq!(outcomes(&records(&output)), expected);
}

#[test]
fn a_pdf_saved_as_txt_is_read_as_a_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let named_txt = dir.path().join("scan.txt");
    fs::copy(shared_data().join("pdfs").join(READABLE_PDF), &named_txt).unwrap();
    let output = run_quiet(&[], &[&named_txt]);
    assert_eq!(output.status.code(), Some(0));
    let records = records(&output);
    assert_eq!(records[0]["source"]["format"], "pdf");
}

#[test]
fn documents_past_max_doc_bytes_are_too_large_and_cost_no_time() {
    let dir = tempfile::tempdir().unwrap();
    // Extraction time grows faster than the text: a few MB of repeated
    // treatment mentions once took minutes per document.
    let sentence = "Eczema, BSA 12%, failed tacrolimus and clobetasol. ";
    let big = sentence.repeat(3 << 20 >> 6);
    fs::write(dir.path().join("a-big.txt"), &big).unwrap();
    fs::write(dir.path().join("b-small.txt"), sentence).unwrap();
    let csv = format!("id,text\n1,\"{sentence}\"\n2,\"{big}\"\n");
    fs::write(dir.path().join("c.csv"), csv).unwrap();
    let json_line =
        |id: u32, text: &str| serde_json::json!({"id": id, "text": text}).to_string() + "\n";
    let jsonl = json_line(1, &sentence.repeat(100)) + &json_line(2, &big) + &json_line(3, sentence);
    fs::write(dir.path().join("d.jsonl"), jsonl).unwrap();
    let started = Instant::now();
    let output = run_quiet(&["--max-doc-bytes", "4K"], &[dir.path()]);
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
    assert_eq!(output.status.code(), Some(3));
    let expected = [
        ("a-big.txt", "too_large"),
        ("b-small.txt", "ok"),
        ("c.csv#1", "ok"),
        ("c.csv#2", "too_large"),
        ("d.jsonl#1", "too_large"),
        ("d.jsonl#2", "too_large"),
        ("d.jsonl#3", "ok"),
    ];
    let expected: Vec<(String, String)> =
        expected.iter().map(|(id, kind)| (id.to_string(), kind.to_string())).collect();
    let records = records(&output);
    assert_eq!(outcomes(&records), expected);
    for record in records.iter().filter(|record| record["status"] == "error") {
        let message = record["error"]["message"].as_str().unwrap();
        assert!(message.contains("--max-doc-bytes") && !message.contains("Eczema"), "{message}");
    }
    let bad = run_quiet(&["--max-doc-bytes", "lots"], &[dir.path()]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn standard_input_past_max_doc_bytes_is_too_large_even_when_endless() {
    // Standard input that never ends once hung the run (it drained it all).
    let zero = fs::File::open("/dev/zero").unwrap();
    let mut command = necessity();
    command.args(["run", "-q", "--max-doc-bytes", "1K", "-"]).stdin(zero);
    let output = output_within(&mut command, Duration::from_secs(30));
    assert_eq!(output.status.code(), Some(3));
    let records = records(&output);
    assert_eq!(outcomes(&records), [("stdin".to_string(), "too_large".to_string())]);
    assert!(records[0]["source"]["bytes"].as_u64().unwrap() > 1024);
}

#[test]
fn standard_input_twice_and_an_output_that_is_an_input_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let twice = necessity().args(["run", "-", "-"]).stdin(Stdio::null()).output().unwrap();
    assert_eq!(twice.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("standard input"));
    let note = dir.path().join("note.txt");
    fs::write(&note, b"Eczema, BSA 12%.").unwrap();
    let same = dir.path().join(".").join("note.txt");
    let clash = necessity().args(["run", "--out"]).arg(&same).arg(&note).output().unwrap();
    assert_eq!(clash.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&clash.stderr).contains("also an input"));
    assert_eq!(fs::read(&note).unwrap(), b"Eczema, BSA 12%.", "the input is untouched");
}

#[test]
fn an_output_inside_the_input_directory_is_not_read_as_a_note() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("note.txt"), b"Eczema, BSA 12%.").unwrap();
    let out = dir.path().join("records.jsonl");
    for _ in 0..2 {
        // The second run meets the first run's output, and each run its own
        // temporary file: neither is a document.
        let output = run_quiet(&["--out", out.to_str().unwrap()], &[dir.path()]);
        assert_eq!(output.status.code(), Some(0));
        let written = fs::read_to_string(&out).unwrap();
        let ids: Vec<Value> = written
            .lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap()["id"].clone())
            .collect();
        assert_eq!(ids, ["note.txt"]);
    }
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2, "no temporary file is left");
}

#[cfg(unix)]
#[test]
fn special_files_give_records_and_never_hang() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    fs::write(path("a-note.txt"), b"Eczema.").unwrap();
    std::os::unix::fs::symlink("/dev/zero", path("b-zero.txt")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", path("b-zero")).unwrap();
    assert!(Command::new("mkfifo").arg(path("c-fifo.txt")).status().unwrap().success());
    std::os::unix::fs::symlink(path("nowhere"), path("d-dangling.txt")).unwrap();
    std::os::unix::fs::symlink(dir.path(), path("e-loop")).unwrap();
    let output = run_quiet(&[], &[dir.path()]);
    assert_eq!(output.status.code(), Some(3));
    let expected = [
        ("a-note.txt", "ok"),
        ("b-zero", "unsupported_format"),
        ("b-zero.txt", "unsupported_format"),
        ("c-fifo.txt", "unsupported_format"),
        ("d-dangling.txt", "io"),
    ];
    let expected: Vec<(String, String)> =
        expected.iter().map(|(id, kind)| (id.to_string(), kind.to_string())).collect();
    assert_eq!(outcomes(&records(&output)), expected);
    // Named directly, a special file is the same error record, not a hang.
    let direct = run_quiet(&[], &[&path("c-fifo.txt"), &path("b-zero.txt")]);
    assert_eq!(direct.status.code(), Some(3));
    assert_eq!(records(&direct).len(), 2);
}

#[test]
fn the_same_file_twice_gives_two_records() {
    let dir = tempfile::tempdir().unwrap();
    let note = dir.path().join("note.txt");
    fs::write(&note, b"Eczema, BSA 12%.").unwrap();
    let output = run_quiet(&[], &[&note, &note]);
    assert_eq!(output.status.code(), Some(0));
    let ok = ("note.txt".to_string(), "ok".to_string());
    assert_eq!(outcomes(&records(&output)), [ok.clone(), ok]);
}

#[test]
fn hostile_inputs_never_put_note_text_in_errors_or_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| fs::write(dir.path().join(name), bytes).unwrap();
    write("a.csv", b"id,text\n1,SECRET one,extra\n2,\"SECRET unterminated\n");
    write(
        "b.jsonl",
        b"\"SECRET\"\n[\"SECRET\"]\n{\"text\": {\"x\": \"SECRET\"}}\n{\"text\": \"SECRET\n",
    );
    write("c.txt", b"SECRET\x00binary");
    write("d.pdf", b"%PDF-1.4\n1 0 obj (SECRET) endobj\n%%EOF");
    write("e.json", b"{\"text\": \"SECRET\"}");
    write("f.csv", b"SECRET,column,names\n1,2,3\n");
    write("g.txt", &[b"SECRET ".repeat(2000), vec![b'\n']].concat());
    let output = run_quiet(&["--max-doc-bytes", "1K"], &[dir.path()]);
    assert_eq!(output.status.code(), Some(3));
    let records = records(&output);
    assert!(records.len() >= 10, "{}", records.len());
    for record in &records {
        assert!(!record["error"].to_string().contains("SECRET"), "{record}");
    }
    assert!(!String::from_utf8_lossy(&output.stderr).contains("SECRET"));
}

#[cfg(unix)]
#[test]
fn out_to_a_device_or_a_link_writes_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let note = dir.path().join("note.txt");
    fs::write(&note, b"Eczema, BSA 12%.").unwrap();
    // `--out /dev/null` once renamed a file over the device (as root). The
    // test goes through a link of its own, so a regression replaces the link.
    let null = dir.path().join("null");
    std::os::unix::fs::symlink("/dev/null", &null).unwrap();
    let output = run_quiet(&["--out", null.to_str().unwrap()], &[&note]);
    assert_eq!(output.status.code(), Some(0));
    assert!(fs::symlink_metadata(&null).unwrap().file_type().is_symlink());
    // A link to a regular file: the file gets the records, the link stays.
    let records_file = dir.path().join("records.jsonl");
    fs::write(&records_file, b"").unwrap();
    let latest = dir.path().join("latest.jsonl");
    std::os::unix::fs::symlink(&records_file, &latest).unwrap();
    let output = run_quiet(&["--out", latest.to_str().unwrap()], &[&note]);
    assert_eq!(output.status.code(), Some(0));
    assert!(fs::symlink_metadata(&latest).unwrap().file_type().is_symlink());
    assert_eq!(fs::read_to_string(&records_file).unwrap().lines().count(), 1);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 4, "no temporary file is left");
}

#[cfg(unix)]
#[test]
fn a_full_disk_is_a_failure_not_a_success() {
    let note = tempfile::NamedTempFile::new().unwrap();
    fs::write(note.path(), b"Eczema, BSA 12%.").unwrap();
    let stdout = fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let output = necessity().args(["run", "-q"]).arg(note.path()).stdout(stdout).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot write"));
}

#[test]
fn out_of_range_numbers_are_usage_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    for bad in [
        &["--doc-timeout", "1e300"][..],
        &["--doc-timeout", "NaN"],
        &["--doc-timeout", "inf"],
        &["--jobs", "65535"],
        &["--max-doc-bytes", "0"],
        &["--max-doc-bytes", "99999999999G"],
        &["--pdf-memory-mb", "15"],
    ] {
        let output = necessity().arg("run").args(bad).arg(dir.path()).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("invalid value") && !stderr.contains("panicked"),
            "{bad:?}: {stderr}"
        );
    }
}

/// `necessity` as a user the permission bits apply to: root reads anything,
/// so as root the run drops to `nobody` with `setpriv`. `None` when that is
/// not possible here.
#[cfg(unix)]
pub(crate) fn necessity_unprivileged() -> Option<Command> {
    let uid = String::from_utf8(Command::new("id").arg("-u").output().ok()?.stdout).ok()?;
    if uid.trim() != "0" {
        return Some(necessity());
    }
    let setpriv = Command::new("setpriv").arg("--version").output().ok()?;
    setpriv.status.success().then(|| {
        let mut command = Command::new("setpriv");
        command
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_necessity"));
        command
    })
}

#[cfg(unix)]
#[test]
fn unreadable_files_and_directories_are_io_records() {
    use std::os::unix::fs::PermissionsExt;
    let Some(mut command) = necessity_unprivileged() else {
        eprintln!("skipped: running as root without setpriv, permissions cannot be tested");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let path = |name: &str| dir.path().join(name);
    fs::write(path("a.txt"), b"Eczema.").unwrap();
    fs::create_dir(path("b-locked")).unwrap();
    fs::write(path("b-locked/hidden.txt"), b"Eczema.").unwrap();
    fs::write(path("c.txt"), b"Eczema.").unwrap();
    fs::write(path("d.csv"), b"id,text\n1,Eczema.\n").unwrap();
    for locked in ["b-locked", "c.txt", "d.csv"] {
        fs::set_permissions(path(locked), fs::Permissions::from_mode(0o000)).unwrap();
    }
    let output =
        output_within(command.args(["run", "-q"]).arg(dir.path()), Duration::from_secs(60));
    // So that the temporary directory can be removed by a non-root user.
    fs::set_permissions(path("b-locked"), fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", String::from_utf8_lossy(&output.stderr));
    let expected = [("a.txt", "ok"), ("b-locked", "io"), ("c.txt", "io"), ("d.csv", "io")];
    let expected: Vec<(String, String)> =
        expected.iter().map(|(id, kind)| (id.to_string(), kind.to_string())).collect();
    assert_eq!(outcomes(&records(&output)), expected);
}

#[test]
fn doc_timeout_covers_text_documents_too() {
    // About 1 MB of the adversarial note (treatment cues, then
    // relatives), as a text file and as a JSON Lines row: a timeout far
    // shorter than deciding either takes makes each a `timeout` record.
    let dir = tempfile::tempdir().unwrap();
    let note = "clobetasol failed ".repeat(28_000) + &"mother ".repeat(70_000);
    let text = dir.path().join("huge.txt");
    fs::write(&text, &note).unwrap();
    let jsonl = dir.path().join("huge.jsonl");
    let row = serde_json::json!({"id": "h1", "text": note});
    fs::write(&jsonl, format!("{row}\n")).unwrap();
    let output = run_quiet(&["--doc-timeout", "0.000001"], &[&text, &jsonl]);
    assert_eq!(output.status.code(), Some(3), "{}", String::from_utf8_lossy(&output.stderr));
    let decided = records(&output);
    let ids: Vec<&str> = decided.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["huge.txt", "huge.jsonl#h1"]);
    for record in &decided {
        assert_eq!(record["status"], "error");
        assert_eq!(record["error"]["kind"], "timeout", "{record}");
        assert_eq!(record["route"], "pend");
    }
    assert!(!String::from_utf8_lossy(&output.stderr).contains("clobetasol"));
    // With the default timeout the same notes are decided.
    let output = run_quiet(&[], &[&jsonl]);
    assert_eq!(records(&output)[0]["status"], "ok");
}
