//! Topical steroid potency is written twice: in `lexicons/potency.tsv`, which
//! extraction reads (by strength and vehicle), and in each policy's
//! `[potency]` table, its fallback for a record whose treatment carries no
//! potency. The flow runs one way, so neither can read the other; this test
//! keeps the two from drifting apart.

use necessity_criteria::parse_policy;
use necessity_extract::{extract_case, Lexicons};
use std::path::Path;

#[test]
fn every_policy_potency_table_agrees_with_the_lexicon() {
    let lexicons = Lexicons::builtin();
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut checked = 0;
    for file in std::fs::read_dir(&policies).unwrap() {
        let path = file.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let policy = parse_policy(&text, &path.display().to_string()).unwrap();
        for (agent, potency) in &policy.potency {
            // The agent named without strength or vehicle, as the table means.
            let note = format!("Failed topical {agent} after four weeks.");
            let facts = extract_case(&lexicons, &note);
            let found = facts.treatments.iter().find(|t| note.contains(t.agent.as_str()));
            let found =
                found.unwrap_or_else(|| panic!("{}: {agent} not extracted", path.display()));
            assert_eq!(found.potency, Some(*potency), "{}: {agent}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 30, "both shipped policies have a potency table ({checked} agents)");
}
