//! Extraction takes time in proportion to a note's length, whatever the
//! note repeats. Notes of 1 to 64 KB are built from repeated cues,
//! triggers, list items, headings, labelled lines and tables, and the work
//! done on each (the step count of `necessity_context::steps`: every loop
//! of the layer and the extractors whose length depends on the note adds
//! its trip count, every scan of text the bytes it may read; a look-up by
//! binary search counts as one step of its caller) must not grow faster
//! than the note. Wall time is never measured here.

use necessity_extract::{extract_case, Lexicons};

/// The sizes of the notes, in bytes.
const SIZES: [usize; 7] = [1 << 10, 2 << 10, 4 << 10, 8 << 10, 16 << 10, 32 << 10, 64 << 10];

/// How much more work per byte the largest note may take than the
/// smallest: fixed costs per note make small notes dearer per byte, so a
/// linear extractor stays well under 1; a quadratic one doubles at every
/// size.
const MOST_GROWTH: f64 = 1.25;

/// Notes made of one piece repeated to a size (or two, each repeated to
/// half of it): each family stresses one kind of structure.
const FAMILIES: [(&str, &str); 20] = [
    // The note: 2.4 s at 2.5 KB, minutes at 10 KB.
    ("cues then relatives", "clobetasol failed \u{0}mother "),
    ("one run-on sentence", "triamcinolone was ineffective and pimecrolimus burned and "),
    ("the same agent again", "tacrolimus ointment helped, tacrolimus ointment stopped, "),
    ("bullet lists", "- tacrolimus 0.1% ointment: failed, burning\n- mother has eczema\n"),
    (
        "headings",
        "FAMILY HISTORY: mother with eczema.\nPlan: start Dupixent 600 mg then 300 mg q2w.\n",
    ),
    ("labelled lines", "BSA: 12%\nIGA: 3\nItch NRS: 8/10 today\nWeight: 70 kg\nAge: 34\n"),
    ("a table", "| Measure | Today | 3 mo ago |\n| BSA | 10% | 30% |\n| EASI | 12 | 20 |\n"),
    ("one long table row", "| BSA 10% | EASI 12 | IGA 3 "),
    ("brackets", "eczema (no itch (denies pain) but burning) flares (if Dupixent) "),
    ("form boxes", "[ ] Hands [X] Face Tried Dupixent? [ ] Yes [X] No Elidel: no "),
    ("blank lines", "Eczema on the hands.\n\n\n\n   \n"),
    ("hyphens and spaces", "clobe-\ntasol    fail-\ned   no   history   of   it  "),
    (
        "dated values run on",
        "baseline EASI 28 before Dupixent in 03/2025, EASI today 6 at week 16 (BSA 4%) and ",
    ),
    (
        "a spaced table",
        "          Baseline (01/2025)     Today\n  EASI    28     6\n  BSA    30%    4%\n",
    ),
    (
        "a renewal run-on",
        "on Dupixent since 03/2025 and much better, PA renewal, week 16 visit, EASI unchanged and ",
    ),
    (
        "renewal form lines",
        "[X] Continuation Start date: 05/12/2025 Weeks on therapy: 18\nDate: 03/18/2026 \
         Dupixent 300 mg q2w: no improvement, EASI unchanged\n",
    ),
    (
        "copied-forward blocks",
        "[Copied from visit 1/2024]\n> BSA 30%\n[End of copied text]\nToday: BSA 5%\n",
    ),
    ("banners without ends", "*** Carried over from 2023 visit ***\nPlan: start Dupixent.\n"),
    ("dated visits", "DOS: 01/02/2025\nBSA 3%\n\u{0}Date of service: 03/04/2025\nBSA 5%\n"),
    (
        "dictation",
        "she has no asthma plan we will start dupixent he could not tolerate tacrolimus ",
    ),
];

/// A note of about `size` bytes: the piece (or its parts, split at a NUL,
/// in two halves) repeated.
fn note(piece: &str, size: usize) -> String {
    match piece.split_once('\u{0}') {
        Some((first, second)) => {
            let half = size / 2;
            first.repeat(half / first.len() + 1) + &second.repeat(half / second.len() + 1)
        }
        None => piece.repeat(size / piece.len() + 1),
    }
}

/// The steps extraction takes on `text`.
fn steps_of(lexicons: &Lexicons, text: &str) -> u64 {
    necessity_context::steps::take();
    std::hint::black_box(extract_case(lexicons, text));
    necessity_context::steps::take()
}

#[test]
fn work_per_byte_does_not_grow_with_the_note() {
    const { assert!(necessity_context::steps::COUNTED, "the steps feature is on for this test") };
    let lexicons = Lexicons::builtin();
    let mut failures = Vec::new();
    for (family, piece) in FAMILIES {
        let per_byte: Vec<f64> = SIZES
            .iter()
            .map(|&size| {
                let text = note(piece, size);
                steps_of(&lexicons, &text) as f64 / text.len() as f64
            })
            .collect();
        let curve: Vec<String> = per_byte.iter().map(|p| format!("{p:.1}")).collect();
        eprintln!("{family:>20}: steps per byte at 1..64 KB: {}", curve.join(" "));
        let growth = per_byte[per_byte.len() - 1] / per_byte[0];
        if growth > MOST_GROWTH {
            failures
                .push(format!("{family}: {growth:.2}x more work per byte at 64 KB than at 1 KB"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_counter_counts_and_starts_from_zero() {
    let lexicons = Lexicons::builtin();
    let short = steps_of(&lexicons, "Eczema. Failed clobetasol.");
    assert!(short > 0);
    assert_eq!(necessity_context::steps::take(), 0);
    let longer = steps_of(&lexicons, &"Eczema. Failed clobetasol. ".repeat(10));
    assert!(longer > short);
}
