//! End-to-end tests of the audit loop: `sample` -> `review` -> verdicts -> `agreement`,
//! the review page checked in a real headless Chromium.

use crate::util::necessity;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audit")
}

fn run(args: &[&std::ffi::OsStr]) -> std::process::Output {
    let out = necessity().args(args).output().expect("necessity runs");
    assert!(
        out.status.success(),
        "necessity {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn os<S: AsRef<std::ffi::OsStr> + ?Sized>(s: &S) -> &std::ffi::OsStr {
    s.as_ref()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("file exists")).expect("valid JSON")
}

#[test]
fn sample_is_reproducible_and_describes_itself() {
    let dir = tempfile::tempdir().unwrap();
    let records = fixtures().join("records.jsonl");
    let draw = |name: &str| {
        let out = dir.path().join(name);
        run(&[
            os("sample"),
            records.as_os_str(),
            os("--n"),
            os("3"),
            os("--seed"),
            os("7"),
            os("--stratify"),
            os("determination"),
            os("--out"),
            out.as_os_str(),
        ]);
        out
    };
    let (first, second) = (draw("a.jsonl"), draw("b.jsonl"));
    let sampled = std::fs::read_to_string(&first).unwrap();
    assert_eq!(sampled, std::fs::read_to_string(&second).unwrap(), "same seed, same sample");
    assert_eq!(sampled.lines().count(), 3);
    let input = std::fs::read_to_string(&records).unwrap();
    assert!(sampled.lines().all(|l| input.lines().any(|i| i == l)), "records written verbatim");

    let manifest = read_json(&dir.path().join("a.manifest.json"));
    let sha =
        Sha256::digest(input.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!(manifest["input_sha256"], sha);
    assert_eq!(manifest["seed"], 7);
    assert_eq!(manifest["records_read"], 6);
    let strata = &manifest["strata"];
    assert_eq!(strata["medically_necessary"]["population"], 2);
    assert_eq!(strata["null"]["population"], 1, "error records have no determination");
    assert_eq!(strata["not_applicable"]["population"], 1);
    let total: u64 =
        strata.as_object().unwrap().values().map(|s| s["sample"].as_u64().unwrap()).sum();
    assert_eq!(total, 3);
}

#[test]
fn sample_filters_and_allocates_equally() {
    let out = run(&[
        os("sample"),
        fixtures().join("records.jsonl").as_os_str(),
        os("--per-stratum"),
        os("1"),
        os("--seed"),
        os("1"),
        os("--stratify"),
        os("requested_drug"),
        os("--where"),
        os("status=ok"),
        os("--where"),
        os("criterion.severity=met,not_met"),
    ]);
    let ids: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 1, "one stratum (dupilumab), one record: {ids:?}");
    assert!(["derm/note-01.txt", "derm/note-02.txt", "derm/note-05.txt"].contains(&ids[0].as_str()));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let manifest: Value = serde_json::from_str(&stderr[..stderr.rfind('}').unwrap() + 1])
        .expect("manifest on stderr when the sample goes to stdout and no --manifest is given");
    assert_eq!(manifest["population"], 3);
    assert_eq!(manifest["filters"][1], "criterion.severity=met,not_met");
}

#[test]
fn sample_rejects_a_malformed_filter_as_usage_error() {
    let out = necessity()
        .args([os("sample"), fixtures().join("records.jsonl").as_os_str(), os("--n"), os("1")])
        .args(["--seed", "1", "--where", "determination"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("FIELD=VALUE"));
}

#[test]
fn agreement_reports_rates_intervals_and_disagreements() {
    let out = run(&[os("agreement"), fixtures().join("verdicts.csv").as_os_str()]);
    let report = String::from_utf8(out.stdout).unwrap();
    let overall = report.lines().find(|l| l.starts_with("overall")).expect("overall row");
    // 3 agree, 2 disagree, 1 undecided: 60.0 %, Wilson 23.1 % - 88.2 %.
    assert!(overall.contains("60.0%") && overall.contains("23.1% - 88.2%"), "{report}");
    assert!(report.contains("derm/note-03.txt  insufficient_documentation [ann]  IGA \"3\" is in the addendum, page 2"), "{report}");

    let json: Value = serde_json::from_slice(
        &run(&[os("agreement"), os("--json"), fixtures().join("verdicts.csv").as_os_str()]).stdout,
    )
    .unwrap();
    assert_eq!(json["overall"]["undecided"], 1);
    assert_eq!(json["by_determination"]["medically_necessary"]["agree"], 2);
    assert_eq!(json["disagreements"].as_array().unwrap().len(), 2);
}
