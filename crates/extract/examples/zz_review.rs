use necessity_extract::{extract_case, Lexicons};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let key = &args[1];
    let limit: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(25);
    let lexicons = Lexicons::builtin();
    let mut reader = csv::Reader::from_path("../shared/data/mtsamples/mtsamples.csv").unwrap();
    let mut shown = 0;
    for (row, record) in reader.records().enumerate() {
        let record = record.unwrap();
        let text = record.get(4).unwrap_or_default();
        let facts = extract_case(&lexicons, text);
        let mut spans = Vec::new();
        for (k, v) in &facts.evidence {
            if k.starts_with(key.as_str()) {
                for s in v {
                    spans.push((k.clone(), s.clone()));
                }
            }
        }
        for t in &facts.treatments {
            let cls = serde_json::to_string(&t.class).unwrap();
            if format!("treatment:{}", cls.trim_matches('"')).starts_with(key.as_str())
                || format!("agent:{}", t.agent).starts_with(key.as_str())
            {
                for s in &t.evidence {
                    spans.push((
                        format!("{} {:?} {:?} {:?}", t.agent, t.class, t.potency, t.outcome),
                        s.clone(),
                    ));
                }
            }
        }
        if spans.is_empty() {
            continue;
        }
        shown += 1;
        if shown > limit {
            break;
        }
        println!("== row {} [{}]", row + 1, record.get(2).unwrap_or_default());
        for (k, s) in spans.iter().take(4) {
            let a = s.start.saturating_sub(90);
            let b = (s.end + 60).min(text.len());
            let (mut a, mut b) = (a, b);
            while !text.is_char_boundary(a) {
                a -= 1;
            }
            while !text.is_char_boundary(b) {
                b += 1;
            }
            println!("  {k}: «{}» ... {}", s.text, text[a..b].replace('\n', " "));
        }
    }
}
