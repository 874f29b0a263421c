//! The whole labelled corpus, end to end: `necessity eval` runs the binary
//! over `corpus/notes` and scores it against `corpus/gold`; and `explain`
//! on the seed case reads as a reviewer's determination.

use crate::util::necessity;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn corpus(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus").join(path)
}

/// Every note is decided and read as its gold says, but for the misses listed
/// with their reasons in `corpus/known-misses.tsv`: a new difference fails,
/// and so does a listed one that has been fixed (the list must shrink).
#[test]
fn corpus_is_decided_as_gold_says() {
    let out =
        necessity().arg("eval").arg("--gold").arg(corpus("gold")).arg(corpus("notes")).output();
    let out = out.unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}\n{report}", String::from_utf8_lossy(&out.stderr));
    assert!(!report.contains(": no record"), "every note yields a record: {report}");
    let found = disagreements(&report);
    let known = known_misses();
    let new: Vec<_> = found.difference(&known).collect();
    let gone: Vec<_> = known.difference(&found).collect();
    assert!(new.is_empty(), "differences not in corpus/known-misses.tsv: {new:?}\n{report}");
    assert!(gone.is_empty(), "known misses now right, delete them from the list: {gone:?}");
}

/// The route on the whole corpus, each note decided under the policy its gold
/// names as `eval` decides it (a payer round's gold is that payer's
/// determination, a renewal's gold under the initial policy is that policy's
/// alone; `run`'s own selection would score them against another policy's
/// answer): no approval of a case whose gold is not medically necessary,
/// except the ones listed in `KNOWN_WRONG_APPROVALS` (found by the first run
/// of a blind round, each to be fixed and then deleted from the list); and
/// the coverage reached kept as a floor: 92% on the notes that had joined
/// before session 14 (92.7%, 433 of 467; 92.9%, 434 of 467, in session 15),
/// 91% on the notes before t25 since the rounds t20, t21 and t22 joined with
/// their pends (470 of 512; 91.5%, 496 of 542, when t23 and t24 joined in
/// session 15), and 90% on the whole corpus since t25 joined with its pends
/// (90.7%, 505 of 557); 92%
/// (192 of 207) after the conflicts
/// fixes of session 7 (93%, 216 of 232, when the rounds z and q joined) (88%, 183 of 207, when the rounds x and y joined); 84% (154 of 182) after the pending
/// fixes of session 6 (78%, 143 of 182, when the blind rounds v and w joined; 80%, 134 of 167, before them after session 5's
/// fixes; 77%, 130 of 167, when the blind round u joined (77%, 122 of 157, when s and t joined, 79% after the
/// request fixes that followed; 89%, 109 of 122, before them; 86% when the rounds
/// n, o, r and pay joined, 97 of 112; before them 69 of 72).
/// Approvals the first run of a blind round found wrong, not yet fixed: a
/// note leaves the list when its rule is fixed (the test fails until it does).
/// Rounds s, t and u left four, fixed by general rules: a prescription never
/// picked up was never used, an empty "[ ] No" box denies nothing, a palm
/// counted by a number is a unit of area, a worry about side effects is no
/// intolerance. Round v's one (v-x-cigna-p2p-renewal: a criterion's wording,
/// "the renewal criteria require a positive clinical response", read as a
/// response) was fixed by masking a requirement's wording.
const KNOWN_WRONG_APPROVALS: &[&str] = &[];

/// The gold files of the blind rounds that joined in session 14 and after.
const JOINED_SINCE_SESSION_14: [&str; 6] =
    ["t20.jsonl", "t21.jsonl", "t22.jsonl", "t23.jsonl", "t24.jsonl", "t25.jsonl"];

/// The gold file of the last blind round of session 15, which joined with
/// its pends after the whole corpus had reached 91.5%.
const JOINED_WITH_T25: [&str; 1] = ["t25.jsonl"];

/// The route section of `eval` on the corpus without the gold files
/// `left_out`.
fn route_without(left_out: &[&str]) -> String {
    let earlier = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(corpus("gold")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !left_out.contains(&name.as_str()) {
            std::fs::copy(&path, earlier.path().join(&name)).unwrap();
        }
    }
    let out = necessity()
        .arg("eval")
        .arg("--gold")
        .arg(earlier.path())
        .arg(corpus("notes"))
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    report.split("## Route against gold").nth(1).expect("a route section").to_string()
}

#[test]
fn corpus_routes_never_approve_wrongly_and_keep_their_coverage() {
    let out =
        necessity().arg("eval").arg("--gold").arg(corpus("gold")).arg(corpus("notes")).output();
    let out = out.unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let route = report.split("## Route against gold").nth(1).expect("a route section");
    let wrong: Vec<&str> = route
        .lines()
        .filter_map(|line| line.strip_prefix("- wrong approval: `"))
        .map(|rest| rest.trim_end_matches('`'))
        .collect();
    let mut known = KNOWN_WRONG_APPROVALS.to_vec();
    known.sort_unstable();
    let mut found = wrong.clone();
    found.sort_unstable();
    assert_eq!(found, known, "wrong approvals differ from the known list:\n{route}");
    let count = route_count(route, "approved, gold not medically_necessary");
    assert_eq!(count, KNOWN_WRONG_APPROVALS.len().to_string(), "{route}");
    assert!(!route.contains("without a routed record"), "every note has a routed record:\n{route}");
    assert!(coverage_share(route) >= 0.90, "coverage fell below its floor of 90%:\n{route}");

    // Each earlier set of notes keeps the floor it had when later rounds
    // joined with their pends: 92% before session 14, 91% before t25.
    for (left_out, floor) in [(&JOINED_SINCE_SESSION_14[..], 0.92), (&JOINED_WITH_T25[..], 0.91)] {
        let route = route_without(left_out);
        assert!(
            coverage_share(&route) >= floor,
            "coverage of the notes before {left_out:?} fell below {floor}:\n{route}"
        );
    }

    let out = necessity().arg("run").arg("--quiet").arg(corpus("notes")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let records: Vec<necessity_record::Record> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert!(records.iter().all(|r| r.route.is_some() && r.provenance.is_some()));
}

/// The count column of the route table's row that opens with `measure`.
fn route_count<'a>(route: &'a str, measure: &str) -> &'a str {
    let row = route.lines().find(|line| line.starts_with(&format!("| {measure}")));
    let row = row.unwrap_or_else(|| panic!("no route row {measure:?}:\n{route}"));
    row.split('|').nth(2).map(str::trim).unwrap_or_default()
}

/// (note, field) of each "- `note`: field: ..." line of an eval report.
fn disagreements(report: &str) -> BTreeSet<(String, String)> {
    report
        .lines()
        .filter_map(|line| line.strip_prefix("- `"))
        .filter_map(|rest| {
            let (note, rest) = rest.split_once("`: ")?;
            let (field, _) = rest.split_once(':')?;
            Some((note.to_string(), field.to_string()))
        })
        .collect()
}

fn known_misses() -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(corpus("known-misses.tsv")).unwrap();
    let rows = text.lines().filter(|line| !line.starts_with('#') && !line.trim().is_empty());
    rows.map(|line| {
        let mut fields = line.split('\t');
        (fields.next().unwrap().to_string(), fields.next().unwrap().to_string())
    })
    .collect()
}

/// `--min` turns the report into an exit status for CI: scored against the
/// 35 gold cases of half "a", the seed note alone is 1 right of 35.
#[test]
fn eval_threshold_sets_the_exit_status() {
    let status = |min: &str| {
        let mut eval = necessity();
        eval.arg("eval").arg("--gold").arg(corpus("gold/a.jsonl"));
        eval.arg(corpus("notes/seed-dupixent-adult.txt")).args(["--min", min]);
        eval.output().unwrap().status.code()
    };
    assert_eq!(status("1.0"), Some(4), "34 gold cases have no record");
    assert_eq!(status("0.02"), Some(0));
}

#[test]
fn explain_reads_the_seed_case_like_a_reviewer() {
    let out =
        necessity().arg("explain").arg(corpus("notes/seed-dupixent-adult.txt")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let review = String::from_utf8_lossy(&out.stdout);
    let note = std::fs::read_to_string(corpus("notes/seed-dupixent-adult.txt")).unwrap();
    assert!(review.contains("**Determination: MEDICALLY NECESSARY"), "{review}");
    for id in
        ["diagnosis", "age", "severity", "topical_failure", "no_concurrent_systemic", "dosing"]
    {
        assert!(review.contains(&format!("(`{id}`): met")), "{id} met: {review}");
    }
    let quotes: Vec<&str> = review
        .lines()
        .filter(|l| l.starts_with("> \""))
        .filter_map(|l| l.split("**").nth(1))
        .collect();
    assert!(quotes.len() >= 5, "criteria quote the note: {review}");
    let folded = note.split_whitespace().collect::<Vec<_>>().join(" ");
    for quote in quotes {
        assert!(folded.contains(quote), "quotes are the note's own words: {quote:?}");
    }
    assert!(
        review.contains("- Label regimen: 600 mg, then 300 mg every 2 weeks for adults"),
        "{review}"
    );
    assert!(
        review.contains("conjunctivitis") && review.contains("16 weeks"),
        "approval considerations: {review}"
    );
}

#[test]
fn explain_decides_an_adbry_request_under_the_adbry_policy() {
    let note = corpus("notes/a-letter-tralokinumab.txt");
    let default = necessity().arg("explain").arg(&note).output().unwrap();
    assert!(String::from_utf8_lossy(&default.stdout).contains("**Determination: NOT APPLICABLE"));
    let out = necessity()
        .args(["explain", "--policy", "adbry-atopic-dermatitis"])
        .arg(&note)
        .output()
        .unwrap();
    let review = String::from_utf8_lossy(&out.stdout);
    assert!(review.contains("`adbry-atopic-dermatitis`, version"), "{review}");
    assert!(review.contains("**Determination: MEDICALLY NECESSARY"), "{review}");
    assert!(review.contains("Age 12 years or older (`age`): met"), "{review}");
}

/// The share of gold medically-necessary notes a route section approves.
fn coverage_share(route: &str) -> f64 {
    let coverage = route_count(route, "coverage: gold medically_necessary approved");
    let (approved, necessary) = coverage.split_once('/').expect("approved/necessary");
    approved.parse::<f64>().unwrap() / necessary.parse::<f64>().unwrap()
}
