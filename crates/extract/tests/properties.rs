//! Extraction never panics and never returns a span that does not quote the
//! text, whatever the input.

use necessity_extract::{extract_case, Lexicons};
use necessity_record::Facts;
use proptest::prelude::*;

fn spans_are_valid(facts: &Facts, text: &str) -> bool {
    let scalar = facts.evidence.values().flatten();
    let treatments = facts.treatments.iter().flat_map(|t| &t.evidence);
    scalar.chain(treatments).all(|span| span.is_valid_in(text))
}

/// Words that exercise every extractor, so random notes reach deep code
/// paths rather than only the empty scan.
const WORDS: &[&str] = &[
    "Dupixent",
    "600 mg",
    "then",
    "300 mg",
    "every 2 weeks",
    "q2w",
    "failed",
    "tacrolimus",
    "ointment",
    "clobetasol 0.05%",
    "HC 2.5%",
    "BSA",
    "10-15%",
    "IGA",
    "4/5",
    "itch",
    "8/10",
    "NRS",
    "EASI",
    "23.4",
    "34-year-old",
    "18-month-old",
    "weight",
    "154 lb",
    "kg",
    "no",
    "denies",
    "mother",
    "if",
    "consider",
    "history of",
    "hands",
    "face",
    "eczema",
    "AD",
    "continues to flare",
    "no longer flaring",
    "[ ]",
    "[X]",
    "Yes",
    "No",
    ":",
    ".",
    ";",
    "\n",
    "\n\n",
    "-",
    "é",
    "—",
    "Plan:",
    "Family history:",
    "Dermatology",
    "refer to",
    "Prescriber:",
    "Kenalog",
    "IM",
    "éé600 mg",
    "ü loading 300 mg q4w",
    "injected",
    "burn-\ning",
    "clobe-\ntasol",
    "(was 4)",
    "28M",
    "you are",
    // Shapes the held-out rounds added code for: tables, header lines,
    // dates, OCR digits, spelled numbers and units, form answers.
    "|",
    "\t",
    "Measure | Today | 3 mo ago",
    "| BSA | 6% | 30% |",
    "Patient: Ana Ruiz, 33 F",
    "DOB: 01 Aug 2001 (23 y)",
    "q14d",
    "600/300 q2w",
    "O.1%",
    "3OO mg",
    "DERMATOL0GY",
    "kilos",
    "% of her skin",
    "twenty-one",
    "seven out of ten",
    "apply to <20% BSA",
    "started",
    "in 06/2024",
    "before",
    "Phototherapy: No",
    "with her mother",
    "\u{201d}",
];

fn note() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(WORDS), 0..60)
        .prop_map(|words| words.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics_and_spans_are_valid(text in "\\PC{0,400}") {
        let facts = extract_case(&Lexicons::builtin(), &text);
        prop_assert!(spans_are_valid(&facts, &text));
    }

    #[test]
    fn note_like_text_never_panics_and_spans_are_valid(text in note()) {
        let facts = extract_case(&Lexicons::builtin(), &text);
        prop_assert!(spans_are_valid(&facts, &text));
    }

    #[test]
    fn words_glued_without_spaces_are_handled(text in note().prop_map(|t| t.replace(' ', ""))) {
        let facts = extract_case(&Lexicons::builtin(), &text);
        prop_assert!(spans_are_valid(&facts, &text));
    }
}

/// Shapes that once panicked, from blind-round documents: a phrase wrapped
/// over a line break at a form field's end ("photos of\n skin"), and a
/// dated table header whose column cue ("(week 12)") sits beside a
/// bracketed baseline. Each must give facts with valid spans.
#[test]
fn wrapped_phrases_and_table_headers_do_not_panic() {
    let notes = [
        "Atopic dermatitis, Dupixent renewal. IGA: 1\nPatient will upload photos of\n skin \
         through the portal. BSA (%): 3",
        "Date: 02/16/2026\nAtopic dermatitis on dupilumab, reauthorization.\n\
         \x20                 11/24/2025 (baseline)      02/16/2026 (week 12)\n\
         \x20 EASI                  26.5                       4.0\n\
         \x20 BSA                   32%                        3%\n",
    ];
    let lexicons = Lexicons::builtin();
    for text in notes {
        let facts = extract_case(&lexicons, text);
        assert!(spans_are_valid(&facts, text), "{text:?}");
    }
}
