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
    std::fs::write(&policy, good.replace("\"oral_jak_inhibitor\"]", "\"oral_jak\"]")).unwrap();
    let out = necessity()
        .arg("explain")
        .arg("--policy")
        .arg(&policy)
        .arg(fixture("notes/seed.txt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("`criteria[4].excluded_classes`"), "{}", stderr(&out));
}

#[test]
fn explain_reports_an_unreadable_note_as_a_failure() {
    let out = necessity().arg("explain").arg(fixture("no-such-note.txt")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
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
