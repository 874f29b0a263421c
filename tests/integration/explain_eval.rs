//! `necessity explain` and `necessity eval` run as a user runs them.

use crate::util::necessity;
use std::path::PathBuf;
use std::process::Output;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/criteria").join(name)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn explain_writes_a_markdown_review_route_then_decision_first() {
    let out = necessity().arg("explain").arg(fixture("notes/seed.txt")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let review = stdout(&out);
    assert!(review.starts_with("# Medical necessity review"), "{review}");
    let lines: Vec<&str> = review.lines().collect();
    assert!(lines[2].starts_with("**Route: "), "the route comes first: {review}");
    let decision = review.find("**Determination: ").expect("a determination line");
    let between = &review[review.find("**Route: ").unwrap()..decision];
    assert!(
        between.lines().skip(1).all(|l| l.is_empty() || l.starts_with("- `")),
        "only the route's reasons come between: {review}"
    );
    assert!(review.contains("seed.txt"));
    assert!(review.contains("- Decided by: necessity "), "provenance: {review}");
}

/// A case with a severity left blank on the form pends with the reason and
/// a request the reviewer can send, in the policy's words.
#[test]
fn explain_leads_with_the_pend_reasons_and_a_ready_to_send_request() {
    let note =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/notes/a-pa-form-incomplete.txt");
    let out = necessity().arg("explain").arg(&note).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let review = stdout(&out);
    let route = review.find("**Route: PEND").expect("pends");
    let reason = review
        .find("- `not_documented` (`severity`): Moderate-to-severe disease: not documented; ask the prescriber for current severity")
        .expect("the reason names the criterion and what to ask for");
    let decision = review.find("**Determination: INSUFFICIENT DOCUMENTATION").unwrap();
    assert!(route < reason && reason < decision, "{review}");
    let letter = review
        .lines()
        .find(|l| l.starts_with("> Re: prior authorization request for Dupixent (dupilumab)"))
        .expect("a ready-to-send request");
    assert!(
        letter.contains("please send: (1) current severity: BSA %, IGA or EASI score")
            && letter.contains("it has not been denied."),
        "{letter}"
    );
    assert!(!review.contains("(deny)"), "the tool never denies: {review}");
}

#[test]
fn explain_refuses_a_malformed_policy_before_reading_the_note() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("broken.toml");
    std::fs::write(&policy, "[policy]\nid = \"x\"\nversion = = \"1\"\n").unwrap();
    let out = necessity()
        .arg("explain")
        .arg("--policy")
        .arg(&policy)
        .arg(dir.path().join("absent.txt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(message.contains("broken.toml:3:"), "file:line:column first: {message}");
    assert!(!message.contains("absent.txt"), "the note is never read: {message}");

    let good = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies/dupixent-atopic-dermatitis.toml"),
    )
    .unwrap();
    std::fs::write(
        &policy,
        good.replace(
            "outcomes = [\"current\", \"planned\"]",
            "outcomes = [\"current\", \"ongoing\"]",
        ),
    )
    .unwrap();
    let out = necessity()
        .arg("explain")
        .arg("--policy")
        .arg(&policy)
        .arg(fixture("notes/seed.txt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("`criteria[4].outcomes`"), "{}", stderr(&out));
}

#[test]
fn explain_reports_an_unreadable_note_as_a_failure() {
    let out = necessity().arg("explain").arg(fixture("no-such-note.txt")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no-such-note.txt: io (cannot read"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}

#[test]
fn explain_takes_a_policy_by_name() {
    let out = necessity()
        .args(["explain", "--policy", "adbry-atopic-dermatitis"])
        .arg(fixture("notes/seed.txt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = necessity()
        .args(["explain", "--policy", "no-such-policy"])
        .arg(fixture("notes/seed.txt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("dupixent-atopic-dermatitis"),
        "lists the built-ins: {}",
        stderr(&out)
    );
}

/// A CSV of three notes: the seed note, a note without a request, and the seed again.
fn three_note_csv(dir: &std::path::Path) -> PathBuf {
    let seed = std::fs::read_to_string(fixture("notes/seed.txt")).unwrap();
    let quoted = seed.replace('"', "\"\"");
    let csv = format!(
        "note_id,text\n101,\"{quoted}\"\n102,\"Mrs Example has mild acne.\"\n103,\"{quoted}\"\n"
    );
    let path = dir.join("notes.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

#[test]
fn explain_of_a_table_needs_a_row_and_names_how_to_choose() {
    let dir = tempfile::tempdir().unwrap();
    let csv = three_note_csv(dir.path());
    let out = necessity().arg("explain").arg(&csv).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "a usage error: {}", stderr(&out));
    let message = stderr(&out);
    assert!(message.contains("holds 3 documents"), "{message}");
    assert!(message.contains("--row N (1 to 3)") && message.contains("--id"), "{message}");
    assert!(!message.contains("Example") && !message.contains("eczema"), "no note text: {message}");
    assert!(stdout(&out).is_empty());

    let row = necessity().arg("explain").arg(&csv).args(["--row", "2"]).output().unwrap();
    assert_eq!(row.status.code(), Some(0), "{}", stderr(&row));
    assert!(stdout(&row).contains("- Note: `notes.csv#102`"), "{}", stdout(&row));
    assert!(stdout(&row).contains("NOT APPLICABLE"), "{}", stdout(&row));
    for id in ["103", "notes.csv#103"] {
        let by_id = necessity().arg("explain").arg(&csv).args(["--id", id]).output().unwrap();
        assert_eq!(by_id.status.code(), Some(0), "{}", stderr(&by_id));
        assert!(stdout(&by_id).contains("- Note: `notes.csv#103`"));
        assert!(stdout(&by_id).contains("**Determination: MEDICALLY NECESSARY"));
    }
    let past = necessity().arg("explain").arg(&csv).args(["--row", "4"]).output().unwrap();
    assert_eq!(past.status.code(), Some(2));
    assert!(stderr(&past).contains("--row goes from 1 to 3"), "{}", stderr(&past));
    let unknown = necessity().arg("explain").arg(&csv).args(["--id", "999"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("no document with id \"999\""), "{}", stderr(&unknown));
}

#[test]
fn explain_of_a_row_agrees_with_the_record_run_writes() {
    let dir = tempfile::tempdir().unwrap();
    let csv = three_note_csv(dir.path());
    let run = necessity().args(["run", "-q"]).arg(&csv).output().unwrap();
    let records: Vec<serde_json::Value> =
        stdout(&run).lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    for (row, record) in records.iter().enumerate() {
        let row = (row + 1).to_string();
        let out = necessity().arg("explain").arg(&csv).args(["--row", &row]).output().unwrap();
        let headline = match record["determination"].as_str().unwrap() {
            "medically_necessary" => "MEDICALLY NECESSARY",
            "not_applicable" => "NOT APPLICABLE",
            other => panic!("unexpected {other}"),
        };
        assert!(stdout(&out).contains(&format!("**Determination: {headline}")), "row {row}");
    }
}

#[test]
fn explain_reads_a_pdf_through_its_worker_not_its_bytes() {
    let pdf = crate::util::shared_data().join("pdfs").join(crate::run::READABLE_PDF);
    let out = necessity().arg("explain").arg(&pdf).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let review = stdout(&out);
    assert!(review.starts_with("# Medical necessity review"), "{review}");
    for operator in ["endobj", "/Type", "stream", "%PDF"] {
        assert!(!review.contains(operator), "raw PDF syntax {operator:?} quoted: {review}");
    }
}

#[test]
fn explain_fails_clearly_on_what_it_cannot_read() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("scan.txt");
    std::fs::write(&binary, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let out = necessity().arg("explain").arg(&binary).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("unsupported_format"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "  \n").unwrap();
    let out = necessity().arg("explain").arg(&empty).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("empty"), "{}", stderr(&out));
    let broken = dir.path().join("broken.pdf");
    std::fs::write(&broken, b"%PDF-1.7\nnot a pdf at all").unwrap();
    let out = necessity().arg("explain").arg(&broken).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("pdf_unreadable"), "{}", stderr(&out));
}

#[test]
fn explain_takes_the_lexicons_run_takes() {
    let dir = tempfile::tempdir().unwrap();
    let lexicons = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("lexicons");
    let shipped = necessity().arg("explain").arg(fixture("notes/seed.txt")).output().unwrap();
    let loaded = necessity()
        .arg("explain")
        .arg("--lexicons")
        .arg(&lexicons)
        .arg(fixture("notes/seed.txt"))
        .output()
        .unwrap();
    assert_eq!(loaded.status.code(), Some(0), "{}", stderr(&loaded));
    assert_eq!(stdout(&loaded), stdout(&shipped));
    let missing = necessity()
        .arg("explain")
        .arg("--lexicons")
        .arg(dir.path())
        .arg(fixture("notes/seed.txt"))
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("drugs.tsv"), "{}", stderr(&missing));
}

fn eval_records(extra: &[&str]) -> Output {
    necessity()
        .arg("eval")
        .arg("--gold")
        .arg(fixture("gold.jsonl"))
        .arg(fixture("records.jsonl"))
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn eval_scores_a_records_file_against_gold() {
    let out = eval_records(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(report.contains("# Evaluation: 3 gold cases, 2 records"), "{report}");
    assert!(report.contains("| determination | 1/3 | 33.3% |"), "{report}");
    assert!(report.contains("| age_years | 1/3 | 33.3% |"), "{report}");
    assert!(report.contains("| treatments | 1/3 | 33.3% |"), "{report}");
    let treatments =
        "`seed.txt`: treatments: betamethasone: expected topical_corticosteroid high failed, \
                      found topical_corticosteroid high mentioned";
    assert!(report.contains(treatments), "agent by agent: {report}");
    assert!(
        report.contains("| insufficient_documentation | 0 | 1 | 0 | 0 | 0 |"),
        "confusion row: {report}"
    );
    assert!(report.contains("`thin.txt`: determination: expected insufficient_documentation, found not_medically_necessary"));
    assert!(report.contains("`thin.txt`: age_years: expected 40.00, found 41.00"));
    assert!(report.contains("`absent.txt`: no record"), "missing records are listed: {report}");
}

#[test]
fn eval_exits_4_below_its_thresholds() {
    assert_eq!(eval_records(&["--min", "0.3"]).status.code(), Some(0));
    let out = eval_records(&["--min", "0.5"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("determination 33.3% < 50.0%"), "{}", stderr(&out));
    let out = eval_records(&["--min", "0.3", "--min-field", "0.5"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("age_years"), "{}", stderr(&out));
    assert_eq!(eval_records(&["--min", "1.5"]).status.code(), Some(1), "a threshold is a fraction");
}

#[test]
fn eval_runs_note_inputs_first_and_lists_cases_without_records() {
    let out = necessity()
        .arg("eval")
        .arg("--gold")
        .arg(fixture("gold.jsonl"))
        .arg(fixture("notes"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(report.contains("# Evaluation: 3 gold cases, 1 records"), "{report}");
    assert!(
        report.contains("`thin.txt`: no record; expected insufficient_documentation"),
        "{report}"
    );
    assert!(report.contains("`absent.txt`: no record; expected not_applicable"), "{report}");
    assert!(
        !report.contains("`seed.txt`: no record"),
        "the run's record is joined by id: {report}"
    );
}

#[test]
fn explain_lists_the_mentions_it_set_aside_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let note = dir.path().join("maybe.txt");
    let text = "Atopic dermatitis since childhood. Mother has psoriasis.\n\
                Continue tacrolimus. If this fails, consider Dupixent.\n";
    std::fs::write(&note, text).unwrap();
    let out = necessity().arg("explain").arg(&note).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let review = stdout(&out);
    let set_aside = &review[review.find("## Set aside").expect("a set-aside section")..];
    let offset = text.find("Dupixent").unwrap();
    let line = format!("- 'Dupixent' (offset {offset}), as a treatment: hypothetical ('consider')");
    assert!(set_aside.contains(&line), "{set_aside}");
    assert!(set_aside.contains("'psoriasis'"), "{set_aside}");
    assert!(set_aside.contains("as the diagnosis: family ('mother')"), "{set_aside}");
    assert!(!set_aside.contains("If this fails"), "only the mention's own words: {set_aside}");
}

fn eval(gold: &std::path::Path, input: &std::path::Path) -> Output {
    necessity().arg("eval").arg("--gold").arg(gold).arg(input).output().unwrap()
}

#[test]
fn eval_without_gold_cases_is_a_usage_error_naming_the_gold() {
    let notes = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/notes");
    let out = eval(&notes, &notes);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("corpus/notes holds no gold records"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "no report of 0 cases at 100 %");
    let missing = eval(&notes.join("absent.jsonl"), &notes);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("absent.jsonl does not exist"), "{}", stderr(&missing));
}

/// The fixture's records, one JSON value per line.
fn fixture_records() -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(fixture("records.jsonl")).unwrap();
    text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

fn write_lines(path: &std::path::Path, lines: &[serde_json::Value]) {
    let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
    std::fs::write(path, text).unwrap();
}

#[test]
fn eval_names_the_line_and_field_of_a_bad_record_never_its_value() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records.jsonl");
    let mut lines = fixture_records();
    lines[1]["facts"]["age_years"] = "Mrs Jane Roe of 44 Elm Street".into();
    write_lines(&records, &lines);
    let out = eval(&fixture("gold.jsonl"), &records);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(message.contains("line 2, field `facts.age_years`: invalid type"), "{message}");
    assert!(!message.contains("Roe") && !message.contains("Elm"), "a value leaked: {message}");

    // A damaged first line does not turn a records file into notes to decide.
    let mut lines = fixture_records();
    lines[0]["status"] = "fine, Mrs Roe".into();
    write_lines(&records, &lines);
    let out = eval(&fixture("gold.jsonl"), &records);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("line 2 is a record but line 1, field `status`"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("Roe"));

    let gold = dir.path().join("gold.jsonl");
    let mut cases: Vec<serde_json::Value> = std::fs::read_to_string(fixture("gold.jsonl"))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    cases[2]["determination"] = "approved for Mrs Roe".into();
    write_lines(&gold, &cases);
    let out = eval(&gold, &fixture("records.jsonl"));
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(message.contains("line 3, field `determination`: unknown variant"), "{message}");
    assert!(!message.contains("Roe"), "{message}");
}

#[test]
fn eval_decides_a_json_lines_file_of_notes_rather_than_reading_it_as_records() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.jsonl");
    let seed = std::fs::read_to_string(fixture("notes/seed.txt")).unwrap();
    let lines = [serde_json::json!({"id": "seed.txt", "text": seed})];
    write_lines(&notes, &lines);
    let out = eval(&fixture("gold.jsonl"), &notes);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("3 gold cases, 1 records (1 without gold"), "{}", stdout(&out));
}

#[test]
fn eval_counts_a_repeated_id_once_or_refuses_two_different_ones() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records.jsonl");
    let mut lines = fixture_records();
    lines.push(lines[0].clone());
    write_lines(&records, &lines);
    let out = eval(&fixture("gold.jsonl"), &records);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("# Evaluation: 3 gold cases, 2 records\n"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("id `seed.txt` appears 2 times in the records, identically"),
        "{}",
        stderr(&out)
    );
    lines.last_mut().unwrap()["determination"] = "not_applicable".into();
    write_lines(&records, &lines);
    let out = eval(&fixture("gold.jsonl"), &records);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("id `seed.txt` appears more than once in the records"));

    let gold = dir.path().join("gold.jsonl");
    let text = std::fs::read_to_string(fixture("gold.jsonl")).unwrap();
    let first = text.lines().next().unwrap();
    std::fs::write(&gold, format!("{text}{first}\n")).unwrap();
    let out = eval(&gold, &fixture("records.jsonl"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("# Evaluation: 3 gold cases"), "{}", stdout(&out));
    assert!(stderr(&out).contains("appears 2 times in the gold"), "{}", stderr(&out));
}
