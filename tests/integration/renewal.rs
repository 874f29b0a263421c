//! Renewal notes end to end: `necessity run` with the default policy set
//! (the initial policy and its renewal) picks the renewal policy for a
//! continuation request and decides it, keeps a restart after a gap under
//! the initial policy, and leaves a routine follow-up not applicable while
//! still giving its time on therapy and response.

use crate::util::necessity;
use serde_json::Value;
use std::path::PathBuf;

const RENEWAL: &str = "dupixent-atopic-dermatitis-continuation";
const INITIAL: &str = "dupixent-atopic-dermatitis";

fn notes() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/renewal/notes")
}

/// Every record of one run over the fixture notes, by file name.
fn records() -> Vec<(String, Value)> {
    let out = necessity().arg("run").arg(notes()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).unwrap();
            (record["id"].as_str().unwrap().to_string(), record)
        })
        .collect()
}

/// What a fixture note must be decided as: its determination, the policy
/// that decides it, what is continued or requested, the response, and the
/// days on therapy.
struct Expected {
    note: &'static str,
    determination: &'static str,
    policy: Option<&'static str>,
    continuation_of: Option<&'static str>,
    requested_drug: Option<&'static str>,
    response: Option<&'static str>,
    days: Option<f64>,
}

const EXPECTED: [Expected; 7] = [
    Expected {
        note: "responder-letter.txt",
        determination: "medically_necessary",
        policy: Some(RENEWAL),
        continuation_of: Some("dupilumab"),
        requested_drug: None,
        response: Some("improved"),
        days: Some(314.0),
    },
    Expected {
        note: "nonresponder-form.txt",
        determination: "not_medically_necessary",
        policy: Some(RENEWAL),
        continuation_of: Some("dupilumab"),
        requested_drug: None,
        response: Some("not_improved"),
        days: Some(210.0),
    },
    Expected {
        note: "too-early.txt",
        determination: "not_medically_necessary",
        policy: Some(RENEWAL),
        continuation_of: Some("dupilumab"),
        requested_drug: None,
        response: Some("improved"),
        days: Some(57.0),
    },
    Expected {
        note: "no-response-statement.txt",
        determination: "insufficient_documentation",
        policy: Some(RENEWAL),
        continuation_of: Some("dupilumab"),
        requested_drug: None,
        response: None,
        days: Some(256.0),
    },
    Expected {
        note: "concurrent-jak.txt",
        determination: "not_medically_necessary",
        policy: Some(RENEWAL),
        continuation_of: Some("dupilumab"),
        requested_drug: None,
        response: Some("improved"),
        days: Some(292.0),
    },
    Expected {
        note: "routine-followup.txt",
        determination: "not_applicable",
        policy: None,
        continuation_of: None,
        requested_drug: None,
        response: Some("improved"),
        days: Some(240.0),
    },
    Expected {
        note: "restart-after-gap.txt",
        determination: "medically_necessary",
        policy: Some(INITIAL),
        continuation_of: None,
        requested_drug: Some("dupilumab"),
        response: None,
        days: None,
    },
];

#[test]
fn renewal_notes_are_decided_under_the_policy_that_applies() {
    let records = records();
    assert_eq!(records.len(), EXPECTED.len());
    for expected in EXPECTED {
        let (_, record) = records.iter().find(|(id, _)| id == expected.note).unwrap();
        let facts = &record["facts"];
        let found = (
            record["determination"].as_str(),
            record["policy"]["id"].as_str(),
            facts["continuation_of"].as_str(),
            facts["requested_drug"].as_str(),
            facts["response"].as_str(),
            facts["time_on_therapy"]["days"].as_f64(),
        );
        let wanted = (
            Some(expected.determination),
            expected.policy,
            expected.continuation_of,
            expected.requested_drug,
            expected.response,
            expected.days,
        );
        assert_eq!(found, wanted, "{}", expected.note);
    }
}

#[test]
fn a_continuation_shows_its_arithmetic_and_the_maintenance_regimen() {
    let records = records();
    let (_, record) = records.iter().find(|(id, _)| id == "too-early.txt").unwrap();
    let criterion = |id: &str| {
        record["criteria"].as_array().unwrap().iter().find(|c| c["id"] == id).cloned().unwrap()
    };
    let time = criterion("time_on_therapy");
    assert_eq!(time["status"], "not_met");
    assert_eq!(time["reason"], "on dupilumab for 8 weeks (since 2026-01-05) < 16 weeks");
    let quoted: Vec<&str> =
        time["evidence"].as_array().unwrap().iter().filter_map(|e| e["text"].as_str()).collect();
    assert!(quoted.contains(&"Date of service: 03/03/2026"), "{quoted:?}");
    let dosing = &record["facts"]["dosing"];
    assert_eq!(
        (dosing["loading_mg"].as_f64(), dosing["maintenance_mg"].as_f64()),
        (None, Some(300.0)),
        "a renewal gives no loading dose"
    );
    assert_eq!(record["authorization"]["months"], Value::Null, "only an approval is granted");
}
