//! `necessity context` end to end: JSON Lines in, one answer per line out,
//! and the ConText test kit scored per axis with thresholds at the level the
//! engine reached, so a lexicon change that loses accuracy fails here.

use crate::util::{necessity, shared_data};
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn kit() -> String {
    shared_data().join("context-kit/rsAnnotations-1-120-random.txt").display().to_string()
}

fn run_with_stdin(mut command: Command, input: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// Runs `--eval` on some rows with per-axis minimum F1s; returns the report.
fn eval(rows: &str, minimums: &[(&str, f64)]) -> String {
    let mut command = necessity();
    command.args(["context", "--kit", &kit(), "--eval", "--rows", rows]);
    for (axis, f1) in minimums {
        command.arg("--min").arg(format!("{axis}={f1}"));
    }
    let out = command.output().unwrap();
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{rows} rows below threshold: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        report.lines().take(8).collect::<Vec<_>>().join("\n")
    );
    report
}

// Floors at the F1 the engine reached (docs/context.md), rounded down.
#[test]
fn whole_kit_scores_at_least_the_level_reached() {
    let report = eval(
        "all",
        &[("negated", 0.989), ("historical", 0.755), ("hypothetical", 0.954), ("family", 0.727)],
    );
    assert!(report.contains("| negated |"), "{report}");
    assert!(report.contains("Mistakes"));
}

#[test]
fn odd_and_even_rows_score_at_least_the_level_reached() {
    eval(
        "odd",
        &[("negated", 0.991), ("historical", 0.762), ("hypothetical", 0.981), ("family", 0.666)],
    );
    eval(
        "even",
        &[("negated", 0.988), ("historical", 0.749), ("hypothetical", 0.925), ("family", 0.799)],
    );
}

#[test]
fn a_threshold_above_the_score_exits_with_status_4() {
    let out = necessity()
        .args(["context", "--kit", &kit(), "--eval", "--rows", "odd", "--min", "negated=1.01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
}

#[test]
fn json_lines_get_one_answer_each_with_triggers_and_spans() {
    let input = concat!(
        "{\"id\": \"a\", \"text\": \"She denies any cough.\", \"target\": \"COUGH\"}\n",
        "{\"id\": 7, \"text\": \"Mother has eczema.\", \"target\": \"eczema\"}\n",
        "{\"id\": \"c\", \"text\": \"Chest clear.\", \"target\": \"wheeze\"}\n",
        "not json\n",
        "{\"text\": \"negative   for\\n fever\", \"target\": \"fever\"}\n",
    );
    let mut command = necessity();
    command.arg("context");
    let out = run_with_stdin(command, input);
    assert_eq!(out.status.code(), Some(3), "some inputs were errors");
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 5, "one line per input");

    assert_eq!(lines[0]["id"], "a");
    assert_eq!(lines[0]["negated"], true);
    assert_eq!(lines[0]["historical"], false);
    assert_eq!(lines[0]["triggers"]["negated"]["phrase"], "denies");
    assert_eq!(lines[0]["triggers"]["negated"]["start"], 4);
    assert_eq!(lines[0]["triggers"]["negated"]["end"], 10);
    assert_eq!(lines[0]["target"]["start"], 15);

    assert_eq!(lines[1]["id"], 7);
    assert_eq!(lines[1]["family"], true);
    assert_eq!(lines[1]["negated"], false);

    assert_eq!(lines[2]["id"], "c");
    assert_eq!(lines[2]["error"]["kind"], "target_not_found");
    assert_eq!(lines[3]["id"], "-#4");
    assert_eq!(lines[3]["error"]["kind"], "bad_input");
    assert!(!lines[3].to_string().contains("not json"), "no input text in errors");

    assert_eq!(lines[4]["id"], "-#5");
    assert_eq!(lines[4]["negated"], true);
    assert_eq!(lines[4]["triggers"]["negated"]["end"], 14);
}

#[test]
fn files_are_read_in_order_and_a_missing_file_is_an_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.jsonl");
    std::fs::write(&file, "{\"id\": 1, \"text\": \"No rash.\", \"target\": \"rash\"}\n").unwrap();
    let missing = dir.path().join("missing.jsonl");
    let out = necessity().arg("context").arg(&file).arg(&missing).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].contains("\"negated\":true"));
    assert!(lines[1].contains("\"unreadable\""));
}

#[test]
fn kit_rows_without_eval_are_answered_by_row_number() {
    let out = necessity().args(["context", "--kit", &kit(), "--rows", "even"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1188);
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["id"], 2);
    assert_eq!(first["negated"], true);
}

#[test]
fn a_lexicon_directory_changes_the_triggers() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("lexicons");
    for entry in std::fs::read_dir(&shipped).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    // A new negation trigger, written as a copy of the `denies` row.
    let context = dir.path().join("context.tsv");
    let table = std::fs::read_to_string(&context).unwrap();
    let row = table.lines().find(|line| line.starts_with("denies\t")).unwrap();
    std::fs::write(&context, format!("{table}\n{}\n", row.replacen("denies", "zorbles", 1)))
        .unwrap();
    let input = r#"{"id": 1, "text": "Patient zorbles itching.", "target": "itching"}"#;
    let negated = |extra: &[&std::ffi::OsStr]| {
        let mut command = necessity();
        command.arg("context").args(extra);
        let out = run_with_stdin(command, input);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        answer["negated"].as_bool().unwrap()
    };
    assert!(!negated(&[]));
    assert!(negated(&["--lexicons".as_ref(), dir.path().as_os_str()]));
    let empty = tempfile::tempdir().unwrap();
    let out = necessity().arg("context").arg("--lexicons").arg(empty.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot load the lexicons"));
}
