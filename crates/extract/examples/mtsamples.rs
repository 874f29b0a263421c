//! Extraction over every MTSamples note: how many notes carry each fact, and
//! the note ids (row numbers) per fact for reading them by hand. Prints ids,
//! field names and vocabulary words only, never note text.
//!
//! `cargo run -p necessity-extract --example mtsamples -- ../shared/data/mtsamples/mtsamples.csv [field]`
//! With a field (`diagnosis`, `treatment:<class>`, `site:<site>`, `measures.bsa_percent`...),
//! also prints the ids of the notes that carry it.

use necessity_extract::{extract_case, Lexicons};
use necessity_record::Facts;
use std::collections::BTreeMap;

fn fields(facts: &Facts) -> Vec<String> {
    let mut found = Vec::new();
    let mut add = |name: String| found.push(name);
    let word = |v: &dyn erased::Word| v.word();
    if let Some(drug) = &facts.requested_drug {
        add(format!("requested_drug:{drug}"));
    }
    if let Some(diagnosis) = &facts.diagnosis {
        add(format!("diagnosis:{diagnosis}"));
    }
    for (name, value) in [
        ("age_years", facts.age_years),
        ("weight_kg", facts.weight_kg),
        ("measures.bsa_percent", facts.measures.bsa_percent),
        ("measures.iga", facts.measures.iga),
        ("measures.itch_nrs", facts.measures.itch_nrs),
        ("measures.easi", facts.measures.easi),
        ("dosing", facts.dosing.maintenance_mg.or(facts.dosing.interval_weeks)),
    ] {
        if value.is_some() {
            add(name.to_string());
        }
    }
    for site in &facts.high_impact_sites {
        add(format!("site:{}", word(site)));
    }
    for treatment in &facts.treatments {
        add(format!("treatment:{}", word(&treatment.class)));
        add(format!("outcome:{}", word(&treatment.outcome)));
    }
    if facts.persistent_flares {
        add("persistent_flares".to_string());
    }
    if facts.no_prescription_topicals {
        add("no_prescription_topicals".to_string());
    }
    if let Some(specialty) = &facts.prescriber_specialty {
        add(format!("prescriber_specialty:{}", word(specialty)));
    }
    found.sort();
    found.dedup();
    found
}

mod erased {
    /// A vocabulary value's JSON word.
    pub trait Word {
        fn word(&self) -> String;
    }
    impl<T: serde::Serialize> Word for T {
        fn word(&self) -> String {
            serde_json::to_value(self)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        }
    }
}

/// The speed of a bare scan for every lexicon term over the same notes, the
/// baseline extraction is compared with (issue #6).
fn bare_scan_mb_per_s(lexicons: &Lexicons, path: &str) -> Result<f64, Box<dyn std::error::Error>> {
    let matcher = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(lexicons.scan_terms())?;
    let mut reader = csv::Reader::from_path(path)?;
    let column = reader
        .headers()?
        .iter()
        .position(|h| h == "transcription")
        .ok_or("no transcription column")?;
    let texts: Vec<String> = reader
        .records()
        .filter_map(Result::ok)
        .map(|r| r.get(column).unwrap_or_default().to_string())
        .collect();
    let started = std::time::Instant::now();
    let (mut hits, mut bytes) = (0usize, 0usize);
    for text in &texts {
        hits += matcher.find_iter(text).count();
        bytes += text.len();
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("bare scan: {hits} hits");
    Ok(bytes as f64 / seconds / 1e6)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: mtsamples <mtsamples.csv> [field]")?;
    let wanted = args.next();
    let lexicons = Lexicons::builtin();
    let mut reader = csv::Reader::from_path(&path)?;
    let headers = reader.headers()?.clone();
    let column =
        headers.iter().position(|h| h == "transcription").ok_or("no transcription column")?;
    let (mut notes, mut bytes, mut bad_spans) = (0usize, 0usize, 0usize);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut ids: Vec<usize> = Vec::new();
    let started = std::time::Instant::now();
    for (row, record) in reader.records().enumerate() {
        let record = record?;
        let text = record.get(column).unwrap_or_default();
        let facts = extract_case(&lexicons, text);
        notes += 1;
        bytes += text.len();
        let spans = facts
            .evidence
            .values()
            .flatten()
            .chain(facts.treatments.iter().flat_map(|t| &t.evidence));
        bad_spans += spans.filter(|s| !s.is_valid_in(text)).count();
        for field in fields(&facts) {
            if wanted.as_deref().is_some_and(|w| field.starts_with(w))
                && ids.last() != Some(&(row + 1))
            {
                ids.push(row + 1);
            }
            *counts.entry(field).or_default() += 1;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{notes} notes, {bytes} bytes, {:.1} MB/s, invalid spans: {bad_spans}",
        bytes as f64 / seconds / 1e6
    );
    let baseline = bare_scan_mb_per_s(&lexicons, &path)?;
    println!("bare aho-corasick scan of the same lexicon: {baseline:.1} MB/s");
    for (field, count) in &counts {
        println!("{count:>6}  {field}");
    }
    if let Some(field) = wanted {
        println!("rows with {field}: {ids:?}");
    }
    Ok(())
}
