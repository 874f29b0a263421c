//! End-to-end tests: they run the built `necessity` binary as a user would.

// Helpers are shared by test modules that each use a part of them.
#[allow(dead_code)]
mod util;

mod audit;
mod context_kit;
mod corpus_eval;
mod explain_eval;
mod fhir;
mod hardening;
mod hostile;
mod longitudinal;
mod mtsamples;
mod note_nlp;
mod packaging;
mod pdf;
mod policies;
mod potency;
mod renewal;
mod run;
#[cfg(unix)]
mod scan;
mod shard;
mod synth;
mod values;
