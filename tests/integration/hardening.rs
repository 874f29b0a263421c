//! Regression tests of issue #16's runner, input and audit defects, each
//! run through the binary as a user (or an attacker) would.

use crate::run::{outcomes, records};
use crate::util::necessity;
use std::fs;
use std::path::Path;
use std::process::Output;

fn run_quiet(args: &[&str], inputs: &[&Path]) -> Output {
    necessity().arg("run").arg("-q").args(args).args(inputs).output().unwrap()
}

#[test]
fn csv_with_an_unclosed_quote_gives_one_record_per_row_and_decides_no_merged_note() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,text\n");
    for n in 1..=10 {
        let quote = if n == 2 { "\"" } else { "" };
        csv.push_str(&format!("{n},{quote}Atopic dermatitis with BSA {n}0% and IGA 3.\n"));
    }
    let path = dir.path().join("notes.csv");
    fs::write(&path, csv).unwrap();
    let output = run_quiet(&[], &[&path]);
    assert_eq!(output.status.code(), Some(3), "error records, not a clean run");
    let outcomes = outcomes(&records(&output));
    let mut expected = vec![("notes.csv#1".to_string(), "ok".to_string())];
    expected.extend((2..=10).map(|n| (format!("notes.csv#{n}"), "csv_malformed".to_string())));
    assert_eq!(outcomes, expected);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("the quote opened on line 3 never closes"), "{stdout}");
}

#[test]
fn hidden_files_and_stale_partials_are_not_inputs_and_the_summary_says_so() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.txt"), b"Atopic dermatitis, BSA 12%.").unwrap();
    fs::write(dir.path().join(".DS_Store"), b"\x00\x00\x00\x01Bud1").unwrap();
    fs::write(dir.path().join(".records.jsonl.a1B2.partial"), b"{\"id\":\"a.txt\"}\n").unwrap();
    let output = necessity().arg("run").arg(dir.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(outcomes(&records(&output)), [("a.txt".to_string(), "ok".to_string())]);
    let summary = String::from_utf8(output.stderr).unwrap();
    assert!(summary.contains("1 documents") && summary.contains("2 hidden skipped"), "{summary}");
    let hidden = run_quiet(&["--hidden"], &[dir.path()]);
    let expected = [(".DS_Store", "unsupported_format"), ("a.txt", "ok")];
    let expected: Vec<(String, String)> =
        expected.iter().map(|(id, kind)| (id.to_string(), kind.to_string())).collect();
    assert_eq!(outcomes(&records(&hidden)), expected, "a .partial is never an input");
}

#[cfg(unix)]
#[test]
fn ids_are_injective_and_an_unreadable_directory_is_named_by_its_path() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(std::ffi::OsStr::from_bytes(b"caf\xe9.txt")), b"Eczema.").unwrap();
    fs::write(dir.path().join("caf%E9.txt"), b"Eczema.").unwrap();
    let ids: Vec<String> =
        outcomes(&records(&run_quiet(&[], &[dir.path()]))).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["caf%25E9.txt", "caf%E9.txt"]);

    use std::os::unix::fs::PermissionsExt;
    let Some(mut command) = crate::hostile::necessity_unprivileged() else {
        eprintln!("skipped: running as root without setpriv, permissions cannot be tested");
        return;
    };
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let locked = dir.path().join("locked");
    fs::create_dir(&locked).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let output = command.args(["run", "-q"]).arg(&locked).output().unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    let outcomes = outcomes(&records(&output));
    assert_eq!(outcomes, [(locked.display().to_string(), "io".to_string())]);
}

#[test]
fn csv_output_quotes_cells_a_spreadsheet_would_run_as_formulas() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("=HYPERLINK(1).txt"), b"Atopic dermatitis.").unwrap();
    fs::write(dir.path().join("@SUM.txt"), b"Atopic dermatitis.").unwrap();
    fs::write(dir.path().join("note.txt"), b"Atopic dermatitis.").unwrap();
    let output = run_quiet(&["--format", "csv"], &[dir.path()]);
    let ids: Vec<String> = csv::Reader::from_reader(output.stdout.as_slice())
        .records()
        .map(|row| row.unwrap()[0].to_string())
        .collect();
    assert_eq!(ids, ["'=HYPERLINK(1).txt", "'@SUM.txt", "note.txt"]);
}

fn corpus_notes() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/notes")
}

#[cfg(unix)]
#[test]
fn a_reader_that_stops_early_ends_the_run_quietly_and_a_closed_stdout_is_an_error() {
    for format in ["jsonl", "csv"] {
        let output = std::process::Command::new("bash")
            .arg("-c")
            .arg(r#"set -o pipefail; "$0" run --format "$1" "$2" | head -c 10 >/dev/null"#)
            .arg(env!("CARGO_BIN_EXE_necessity"))
            .arg(format)
            .arg(corpus_notes())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{format}: a broken pipe is a quiet stop");
        assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let closed = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"exec "$0" run -q "$1" >&-"#)
        .arg(env!("CARGO_BIN_EXE_necessity"))
        .arg(corpus_notes().join("seed-dupixent-adult.txt"))
        .output()
        .unwrap();
    assert_eq!(closed.status.code(), Some(1), "nothing written is not a success");
    assert!(String::from_utf8_lossy(&closed.stderr).contains("standard output is closed"));
}

fn audit_fixtures() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audit")
}

#[cfg(unix)]
#[test]
fn the_review_page_holds_notes_so_it_is_owner_only_and_written_whole() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("review.html");
    let output = necessity()
        .arg("review")
        .arg(audit_fixtures().join("records.jsonl"))
        .arg("--notes")
        .arg(audit_fixtures().join("notes"))
        .arg("--out")
        .arg(&page)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(fs::metadata(&page).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file is left");
}

#[test]
fn audit_commands_name_the_line_and_field_of_a_bad_record_never_its_value() {
    let dir = tempfile::tempdir().unwrap();
    let good = fs::read_to_string(audit_fixtures().join("records.jsonl")).unwrap();
    let good = good.lines().next().unwrap();
    let bad = good.replacen("\"status\": \"ok\"", "\"status\": \"Mrs Jane Roe, DOB 1970\"", 1);
    assert_ne!(bad, good);
    let records = dir.path().join("records.jsonl");
    fs::write(&records, format!("{good}\n{bad}\n")).unwrap();
    let review = necessity()
        .arg("review")
        .arg(&records)
        .arg("--notes")
        .arg(audit_fixtures().join("notes"))
        .arg("--out")
        .arg(dir.path().join("review.html"))
        .output()
        .unwrap();
    let stderr = String::from_utf8(review.stderr).unwrap();
    assert!(stderr.contains("line 2: field status does not fit the case record"), "{stderr}");
    assert!(!stderr.contains("Roe"), "{stderr}");

    fs::write(&records, format!("{good}\n{{\"id\": \"Mrs Jane Roe\n")).unwrap();
    let sample =
        necessity().args(["sample", "--n", "1", "--seed", "1"]).arg(&records).output().unwrap();
    let stderr = String::from_utf8(sample.stderr).unwrap();
    assert!(stderr.contains("line 2: not JSON"), "{stderr}");
    assert!(!stderr.contains("Roe"), "{stderr}");

    let verdicts = dir.path().join("verdicts.csv");
    fs::write(&verdicts, b"id,determination,verdict,comment\na,x,agree,\"Jane \xff Roe\"\n")
        .unwrap();
    let agreement = necessity().arg("agreement").arg(&verdicts).output().unwrap();
    let stderr = String::from_utf8(agreement.stderr).unwrap();
    assert!(stderr.contains("row 1: column \"comment\" is not UTF-8"), "{stderr}");
    assert!(!stderr.contains("Roe"), "{stderr}");
}

/// A small xorshift generator of numbers in [low, high): kill points differ
/// from run to run, and the seed is printed so a failure can be replayed.
struct KillPoints(u64);

impl KillPoints {
    fn next_in(&mut self, low: u64, high: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        low + self.0 % (high - low)
    }
}

/// Runs `run --resume` on `inputs`, killing it with SIGKILL `kills` times
/// once its partial output has grown past a random point (progress, not
/// time, so the points do not depend on the machine's load), then lets it
/// finish; returns the finished output.
#[cfg(unix)]
fn killed_and_resumed(inputs: &Path, format: &str, kills: usize, seed: u64, whole: u64) -> Vec<u8> {
    use std::time::{Duration, Instant};
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("records.out");
    let partial = || {
        fs::read_dir(out_dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .find(|path| path.to_string_lossy().ends_with(".partial"))
    };
    let mut points = KillPoints(seed);
    let mut thresholds: Vec<u64> =
        (0..kills).map(|_| points.next_in(whole / 20, whole * 3 / 4)).collect();
    thresholds.sort_unstable();
    let resumed = || {
        let mut command = necessity();
        command.args(["run", "-q", "-j", "1", "--resume", "--format", format, "--out"]);
        command.arg(&out).arg(inputs).spawn().unwrap()
    };
    let mut sizes = Vec::new();
    for threshold in thresholds {
        let mut child = resumed();
        let started = Instant::now();
        while child.try_wait().unwrap().is_none() {
            let size = partial().and_then(|path| fs::metadata(path).ok()).map_or(0, |m| m.len());
            if size >= threshold {
                child.kill().unwrap(); // SIGKILL
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(120), "seed {seed}: the run hangs");
            std::thread::sleep(Duration::from_millis(2));
        }
        let _ = child.wait();
        // Output is flushed 8 KiB at a time: a run can reach its end between
        // two looks at its size, and then simply finishes.
        match partial() {
            Some(path) => sizes.push(fs::metadata(path).unwrap().len()),
            None => assert!(out.exists(), "seed {seed}: a kill left neither output"),
        }
    }
    eprintln!("seed {seed}, {format}: partial output after each kill: {sizes:?} of {whole} bytes");
    let finished = resumed().wait_with_output().unwrap();
    assert!(matches!(finished.status.code(), Some(0 | 3)), "seed {seed}: {finished:?}");
    let left: Vec<_> = fs::read_dir(out_dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "seed {seed}: only the finished output is left: {left:?}");
    fs::read(&out).unwrap()
}

#[cfg(unix)]
#[test]
fn a_run_killed_at_random_points_and_resumed_writes_what_an_uninterrupted_run_writes() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("archive.jsonl");
    let synth = necessity().args(["synth", "--bytes", "2M", "--out"]).arg(&archive).output();
    assert!(synth.unwrap().status.success());
    let seed =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
            as u64
            | 1;
    for (format, kills) in [("jsonl", 5), ("csv", 2)] {
        let whole = necessity()
            .args(["run", "-q", "--format", format])
            .arg(&archive)
            .output()
            .unwrap()
            .stdout;
        assert!(whole.len() > 10_000);
        let resumed = killed_and_resumed(&archive, format, kills, seed, whole.len() as u64);
        assert!(resumed == whole, "seed {seed}, {format}: the resumed output differs");
    }
}

#[cfg(unix)]
#[test]
fn an_interrupted_resumable_run_keeps_its_partial_output_and_other_settings_start_afresh() {
    use std::time::{Duration, Instant};
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("records.jsonl");
    let note = corpus_notes().join("seed-dupixent-adult.txt");
    // A PDF whose worker waits (a test hook) holds the run open with its
    // output begun.
    let held = crate::util::shared_data().join("pdfs").join(crate::run::READABLE_PDF);
    let partials = || -> Vec<std::path::PathBuf> {
        fs::read_dir(out_dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.to_string_lossy().ends_with(".partial"))
            .collect()
    };
    let child = necessity()
        .args(["run", "-q", "--resume", "--out"])
        .arg(&out)
        .arg(&note)
        .arg(&held)
        .env(necessity_ingest::TEST_SLEEP_SECONDS_ENV, "300")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while partials().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(60), "the run never began its output");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130));
    assert!(String::from_utf8_lossy(&output.stderr).contains("partial output kept for --resume"));
    assert_eq!(partials().len(), 1, "SIGTERM keeps a resumable partial output");
    // Other inputs (the PDF left out) never continue it.
    let other = run_quiet(&["--resume", "--out", out.to_str().unwrap()], &[&note]);
    assert_eq!(other.status.code(), Some(0));
    let warning = String::from_utf8_lossy(&other.stderr);
    assert!(warning.contains("partial output of a run with other inputs"), "{warning}");
    assert_eq!(records(&necessity().arg("run").arg("-q").arg(&note).output().unwrap()).len(), 1);
    assert_eq!(fs::read_to_string(&out).unwrap().lines().count(), 1);
}

/// Starts `script` under `sh -c` as PID 1 of a new PID namespace, as a
/// container runs its command; returns the process and the outer PID of
/// the namespace's PID 1. `None` where namespaces cannot be made here.
#[cfg(target_os = "linux")]
fn as_pid_1(script: &str, args: &[&std::ffi::OsStr]) -> Option<(std::process::Child, u32)> {
    use std::process::Stdio;
    let probe = std::process::Command::new("unshare").args(["--pid", "--fork", "true"]).status();
    if !probe.is_ok_and(|status| status.success()) {
        return None;
    }
    let mut child = std::process::Command::new("unshare")
        .args(["--pid", "--fork", "--kill-child", "sh", "-c", script])
        .args(args)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let children = format!("/proc/{0}/task/{0}/children", child.id());
    let started = std::time::Instant::now();
    let first_child =
        || fs::read_to_string(&children).ok()?.split_whitespace().next()?.parse().ok();
    let mut pid_1 = first_child();
    while pid_1.is_none() && started.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(10));
        pid_1 = first_child();
    }
    if pid_1.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    Some((child, pid_1.expect("unshare starts its child")))
}

#[cfg(target_os = "linux")]
#[test]
fn the_kubernetes_recipe_execs_so_sigterm_reaches_the_run_and_no_partial_file_stays() {
    use std::time::{Duration, Instant};
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("records.jsonl");
    let necessity = std::ffi::OsStr::new(env!("CARGO_BIN_EXE_necessity"));
    let left = || fs::read_dir(out_dir.path()).unwrap().count();
    let wait_for_output = || {
        let started = Instant::now();
        while left() == 0 {
            assert!(started.elapsed() < Duration::from_secs(60), "the run never began its output");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let term = |pid: u32| {
        let pid = pid.to_string();
        assert!(std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success());
    };
    // The old recipe: `sh -c '...; status=$?; ...'` is PID 1 and ignores SIGTERM.
    let old = r#""$0" run -q --out "$1" -; status=$?; [ "$status" -eq 0 ] || [ "$status" -eq 3 ]"#;
    let Some((mut child, pid_1)) = as_pid_1(old, &[necessity, out.as_os_str()]) else {
        eprintln!("skipped: no PID namespace can be made here (unshare needs root)");
        return;
    };
    wait_for_output();
    term(pid_1);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "PID 1 sh ignored SIGTERM: the pod waits for SIGKILL"
    );
    child.kill().unwrap(); // SIGKILL, as the kubelet after the grace period
    child.wait().unwrap();
    assert_eq!(left(), 1, "and the .partial file with note text stays: the defect");
    for entry in fs::read_dir(out_dir.path()).unwrap() {
        fs::remove_file(entry.unwrap().path()).unwrap();
    }
    // The recipe now: `exec` makes necessity PID 1, whose handler runs.
    let new = r#"exec "$0" run -q --error-records-ok --out "$1" -"#;
    let (child, pid_1) = as_pid_1(new, &[necessity, out.as_os_str()]).unwrap();
    wait_for_output();
    term(pid_1);
    let output = child.wait_with_output().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("interrupted"), "{output:?}");
    assert_eq!(left(), 0, "SIGTERM removed the unfinished output");
}

#[test]
fn audit_commands_refuse_fields_and_values_no_record_has_and_count_a_verdict_once() {
    let records = audit_fixtures().join("records.jsonl");
    let sample = |extra: &[&str]| {
        necessity()
            .args(["sample", "--n", "3", "--seed", "7"])
            .args(extra)
            .arg(&records)
            .output()
            .unwrap()
    };
    let bogus = sample(&["--stratify", "bogus_field"]);
    assert_eq!(bogus.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bogus.stderr).contains("no field \"bogus_field\""));
    let approved = sample(&["--where", "determination=approved"]);
    assert_eq!(approved.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&approved.stderr).contains("\"approved\" is not a value"));
    // A field of the record schema works even where no record carries it yet.
    let route = sample(&["--stratify", "route", "--where", "route=approve,pend,null"]);
    assert_eq!(route.status.code(), Some(0), "{}", String::from_utf8_lossy(&route.stderr));

    let verdicts = audit_fixtures().join("verdicts.csv");
    let report = |files: &[&Path]| {
        let output = necessity().args(["agreement", "--json"]).args(files).output().unwrap();
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        (json["overall"]["agree"].as_u64().unwrap(), String::from_utf8(output.stderr).unwrap())
    };
    let (once, quiet) = report(&[&verdicts]);
    let (twice, warning) = report(&[&verdicts, &verdicts]);
    assert!(quiet.is_empty());
    assert_eq!(twice, once, "the same verdicts are counted once");
    assert!(warning.contains("counted once"), "{warning}");
}

#[cfg(target_os = "linux")]
#[test]
fn on_a_terminal_the_progress_bar_shows_a_total_a_percentage_and_an_eta() {
    if std::process::Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: util-linux's script (a pseudo-terminal) is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("archive.jsonl");
    let synth = necessity().args(["synth", "--bytes", "2M", "--out"]).arg(&archive).output();
    assert!(synth.unwrap().status.success());
    let typescript = dir.path().join("typescript");
    let command = format!(
        "'{}' run -j 1 --out '{}' '{}'",
        env!("CARGO_BIN_EXE_necessity"),
        dir.path().join("records.jsonl").display(),
        archive.display()
    );
    let status = std::process::Command::new("script")
        .args(["-qfec", &command])
        .arg(&typescript)
        .env("TERM", "xterm")
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let screen = String::from_utf8_lossy(&fs::read(&typescript).unwrap()).into_owned();
    assert!(screen.contains("% of 2.00 MiB, ETA "), "{screen}");
    assert!(screen.contains("documents ("), "{screen}");
}
