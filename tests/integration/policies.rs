//! The shipped policy files end to end: `necessity eval` decides each
//! fixture note under the policy its gold names (`run --policy NAME`), a
//! payer's name selects its initial and renewal policy as the default does,
//! and the `atopic-dermatitis` bundle decides every drug of the condition.

use crate::util::necessity;
use serde_json::Value;
use std::path::PathBuf;

fn fixtures(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/criteria/policies").join(path)
}

/// The one record `necessity run` writes for a fixture note.
fn run(policies: &[&str], note: &str) -> Value {
    let mut command = necessity();
    command.arg("run");
    for policy in policies {
        command.args(["--policy", policy]);
    }
    let out = command.arg(fixtures("notes").join(note)).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn each_fixture_note_is_decided_under_the_policy_its_gold_names() {
    let out = necessity()
        .args(["eval", "--gold"])
        .arg(fixtures("gold.jsonl"))
        .arg(fixtures("notes"))
        .args(["--min", "1.0"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(report.contains("| determination | 11/11 | 100.0% |"), "{report}");
    assert!(!report.contains("| requested_drug |"), "gold without facts scores no fact field");
    let gold = std::fs::read_to_string(fixtures("gold.jsonl")).unwrap();
    for payer in ["cigna", "unitedhealthcare", "carefirst", "medica", "highmark"] {
        assert!(
            gold.contains(&format!("\"policy\":\"{payer}-dupixent-atopic-dermatitis\"")),
            "{payer}"
        );
    }
}

#[test]
fn a_payer_name_decides_like_the_default_under_its_own_rules() {
    let default = run(&[], "highmark-hydrocortisone.txt");
    assert_eq!(default["determination"], "insufficient_documentation", "a low-potency steroid");
    assert_eq!(default["policy"]["id"], "dupixent-atopic-dermatitis");
    let highmark = run(&["highmark-dupixent-atopic-dermatitis"], "highmark-hydrocortisone.txt");
    assert_eq!(highmark["determination"], "medically_necessary");
    assert_eq!(highmark["policy"]["id"], "highmark-dupixent-atopic-dermatitis");
    assert!(highmark.get("authorization").is_none(), "Highmark publishes no approval length");
    let default = run(&[], "uhc-opzelura-current.txt");
    assert_eq!(default["determination"], "medically_necessary");
    assert_eq!(default["authorization"]["months"], 4);
    let cigna = run(&["cigna-dupixent-atopic-dermatitis"], "cigna-iga-only.txt");
    assert_eq!(cigna["policy"]["id"], "cigna-dupixent-atopic-dermatitis");
    let severity = cigna["criteria"].as_array().unwrap().iter().find(|c| c["id"] == "severity");
    assert_eq!(
        severity.unwrap()["reason"],
        "no BSA or high-impact site documented (IGA 4, EASI 26 not accepted by this policy)"
    );
}

#[test]
fn the_atopic_dermatitis_bundle_decides_every_drug_of_the_condition() {
    for (note, policy) in [
        ("ebglyss-adult.txt", "ebglyss-atopic-dermatitis"),
        ("nemluvio-child.txt", "nemluvio-atopic-dermatitis"),
        ("rinvoq-after-dupixent.txt", "rinvoq-atopic-dermatitis"),
        ("cibinqo-no-systemic.txt", "cibinqo-atopic-dermatitis"),
        ("cigna-iga-only.txt", "dupixent-atopic-dermatitis"),
    ] {
        assert_eq!(
            run(&[], note)["policy"].is_null(),
            policy != "dupixent-atopic-dermatitis",
            "{note}"
        );
        assert_eq!(run(&["atopic-dermatitis"], note)["policy"]["id"], policy, "{note}");
    }
    let out = necessity()
        .args(["run", "--policy", "no-such-bundle"])
        .arg(fixtures("notes"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("atopic-dermatitis"), "names the bundle");
}
