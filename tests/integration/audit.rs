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

/// Headless Chromium, or `None` when NECESSITY_SKIP_BROWSER=1 asks to skip.
/// A missing browser fails loudly: a review page never checked in a browser
/// must not pass as checked.
fn chromium() -> Option<PathBuf> {
    if std::env::var("NECESSITY_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        eprintln!("NECESSITY_SKIP_BROWSER=1: skipping the review page's browser test");
        return None;
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("chromium"));
    let found =
        std::iter::once(PathBuf::from("/usr/bin/chromium")).chain(on_path).find(|p| p.is_file());
    assert!(
        found.is_some(),
        "Chromium not found (looked for /usr/bin/chromium and chromium on PATH). \
         Install it with scripts/install-chromium.sh, or set NECESSITY_SKIP_BROWSER=1 to skip this test."
    );
    found
}

/// Runs headless Chromium on `url` with `extra` arguments and returns stdout.
fn headless(browser: &Path, url: &str, extra: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromium starts");
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("chromium did not finish within 120 s on {url}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    reader.join().unwrap()
}

/// Opens `page#selftest` and returns what the page's self-test wrote.
fn selftest(browser: &Path, page: &Path) -> Value {
    let url = format!("file://{}#selftest", page.display());
    let dom = headless(browser, &url, &["--dump-dom"]);
    let start = dom.find("<pre id=\"selftest\">").expect("self-test ran and wrote its result")
        + "<pre id=\"selftest\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    // Text nodes serialise with &amp; &lt; &gt; &nbsp; escaped.
    let json = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    serde_json::from_str(&json).expect("self-test result is JSON")
}

/// Every evidence text of a record: criteria, fact and treatment evidence.
fn evidence_texts(record: &Value) -> Vec<String> {
    let mut spans: Vec<&Value> = Vec::new();
    for criterion in record["criteria"].as_array().into_iter().flatten() {
        spans.extend(criterion["evidence"].as_array().into_iter().flatten());
    }
    let facts = &record["facts"];
    for list in facts["evidence"].as_object().into_iter().flat_map(|m| m.values()) {
        spans.extend(list.as_array().into_iter().flatten());
    }
    for treatment in facts["treatments"].as_array().into_iter().flatten() {
        spans.extend(treatment["evidence"].as_array().into_iter().flatten());
    }
    spans.iter().map(|s| s["text"].as_str().unwrap().to_string()).collect()
}

#[test]
fn review_page_highlights_evidence_runs_no_note_script_and_exports_verdicts() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("sample.jsonl");
    let page = dir.path().join("review.html");
    let fixtures = fixtures();
    run(&[
        os("sample"),
        fixtures.join("records.jsonl").as_os_str(),
        os("--n"),
        os("50"),
        os("--seed"),
        os("7"),
        os("--out"),
        sample.as_os_str(),
    ]);
    run(&[
        os("review"),
        sample.as_os_str(),
        os("--notes"),
        fixtures.join("notes").as_os_str(),
        os("--out"),
        page.as_os_str(),
    ]);
    let html = std::fs::read_to_string(&page).unwrap();
    for forbidden in ["http://", "https://", "<script>window", "<img src=\"x\"", "onerror=\""] {
        assert!(!html.contains(forbidden), "page contains {forbidden:?}");
    }

    let result = selftest(&browser, &page);
    assert_eq!(result["pwned"], Value::Null, "a note's script ran");
    assert_eq!(result["foreign_elements"], 0, "note text became elements");

    // Every evidence span sits on its words where the note is verified, and
    // nothing is highlighted in the note that changed since the run.
    let records: Vec<Value> = std::fs::read_to_string(&sample)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 6);
    for record in &records {
        let id = record["id"].as_str().unwrap();
        let case = &result["cases"][id];
        let marked: Vec<&str> = case["spans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["marked"].as_str().unwrap())
            .collect();
        let mut expected = evidence_texts(record);
        expected.sort();
        expected.dedup();
        if id == "derm/note-03.txt" {
            assert!(marked.iter().all(|m| m.is_empty()), "changed note highlighted: {case}");
            assert_eq!(case["warnings"], 1);
            continue;
        }
        let mut found: Vec<String> = marked.iter().map(|m| m.to_string()).collect();
        found.sort();
        found.dedup();
        assert_eq!(found, expected, "{id}: highlighted text differs from the evidence");
        assert_eq!(
            case["text_matches"],
            !matches!(id, "derm/note-04.txt" | "scans/fax-0007.pdf"),
            "{id}"
        );
    }
    let note_02 = &result["cases"]["derm/note-02.txt"]["spans"][0];
    assert_eq!(note_02["marked"], "<b>BSA 5%</b> & IGA 2");
    assert_eq!(note_02["cited_by"][0], "severity");
    assert_eq!(
        result["cases"]["derm/note-05.txt"]["spans"][1]["marked"],
        "EASI 24, IGA 3, BSA 18%"
    );
    assert_eq!(result["cases"]["derm/note-01.txt"]["text_matches"], true);
    assert_eq!(result["cases"]["derm/note-04.txt"]["warnings"], 1, "missing note is flagged");

    assert_eq!(result["filter_counts"]["medically_necessary"], 2);
    assert_eq!(result["filter_counts"]["error"], 1);
    assert_eq!(result["after_j"], "derm/note-02.txt");
    assert_eq!(result["flash"]["flashed"], true, "{}", result["flash"]);

    // The export, read as CSV, then through `necessity agreement`.
    let csv_text = result["csv"].as_str().unwrap();
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["id", "determination", "verdict", "comment", "reviewer", "timestamp"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 6);
    assert_eq!(
        &rows[0].iter().collect::<Vec<_>>()[..5],
        ["derm/note-01.txt", "medically_necessary", "agree", "", "self test"]
    );
    assert!(
        rows[0][5].ends_with('Z') && rows[0][5].contains('T'),
        "ISO timestamp: {}",
        &rows[0][5]
    );
    assert_eq!(&rows[1][2], "disagree");
    assert_eq!(&rows[1][3], "BSA is \"5%\", not 15%,\nsee plan");
    assert!(rows[2..].iter().all(|r| r[2].is_empty()), "undecided rows stay empty");
    let verdicts = dir.path().join("verdicts.csv");
    std::fs::write(&verdicts, csv_text).unwrap();
    let report = String::from_utf8(run(&[os("agreement"), verdicts.as_os_str()]).stdout).unwrap();
    let overall = report.lines().find(|l| l.starts_with("overall")).unwrap();
    assert!(overall.split_whitespace().collect::<Vec<_>>()[1..4] == ["1", "1", "4"], "{report}");
    assert!(report.contains(
        "derm/note-02.txt  not_medically_necessary [self test]  BSA is \"5%\", not 15%, see plan"
    ));

    // A picture for people: target/tmp/audit-review.png.
    let picture = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("audit-review.png");
    let shot = format!("--screenshot={}", picture.display());
    headless(
        &browser,
        &format!("file://{}#case=derm%2Fnote-01.txt", page.display()),
        &[&shot, "--window-size=1440,900"],
    );
    let png = std::fs::read(&picture).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000, "screenshot is a real picture");
}
