//! Audit: the loop an audit team runs over `necessity run` output. Draw a
//! reproducible sample, review it beside the notes with the evidence
//! highlighted, and report how often reviewers agree.
//!
//! - [`sample`]: seeded, streaming, stratified samples and their manifest.
//! - [`review`] and [`page`]: the self-contained HTML review page.
//! - [`agreement`]: agreement rates with Wilson intervals from exported verdicts.

pub mod agreement;
pub mod field;
pub mod lines;
pub mod page;
pub mod review;
pub mod sample;
