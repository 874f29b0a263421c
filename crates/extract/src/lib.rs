//! Extraction: from one note's text, the case facts of the spec, each with
//! evidence spans, leaving out negated, hypothetical, family and historical
//! mentions.
//!
//! The vocabularies live in `lexicons/*.tsv`. They are compiled once, with the
//! context lexicon, into one aho-corasick automaton ([`Lexicons`]) that finds
//! every term, value keyword, context trigger and heading in a single walk
//! over a note; values are then read by small regexes in windows of a few
//! dozen bytes around the hits, never over whole notes.
//! Every extractor reads the note through the mention layer (`mentions`):
//! each hit is a mention with its sentence, item, section and context,
//! asked of the context engine (`necessity-context`) once, and whether it
//! is a current fact is answered there and nowhere else.

mod caveats;
mod dosing;
mod examples;
mod findings;
mod lexicon;
mod mentions;
mod scan;
mod treatments;
mod values;
mod words;

pub use lexicon::{LexiconError, FILES as LEXICON_FILES};

use lexicon::Vocabulary;
use mentions::Note;
use necessity_context::{ContextEngine, BUILTIN_LEXICON as BUILTIN_CONTEXT};
use necessity_record::{sha256_hex, Facts, Span};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use treatments::TreatmentPatterns;
use values::ValuePatterns;

/// Compiles a window pattern that must match however the note capitalises
/// it ("BSA", "bsa", "Bsa"); shared by every pattern set of this crate.
/// Patterns are written in verbose syntax, a comment per part: white space
/// in them is not matched (a space is written `\x20`), `#` starts a comment.
fn case_insensitive(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern).case_insensitive(true).ignore_whitespace(true).build()
}

/// The compiled vocabularies and window patterns, built once and shared by
/// every thread (cloning is cheap: the automaton is reference-counted).
#[derive(Clone)]
pub struct Lexicons {
    vocabulary: Arc<Vocabulary>,
    values: ValuePatterns,
    treatments: TreatmentPatterns,
    /// The context lexicon and the vocabulary's terms in one automaton.
    engine: Arc<ContextEngine>,
    /// See [`Lexicons::sha256`]; computed once, when the files are compiled.
    sha256: Arc<str>,
}

impl Lexicons {
    /// The lexicons shipped with the binary, compiled on first use.
    pub fn builtin() -> Lexicons {
        static BUILTIN: OnceLock<Lexicons> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                Lexicons::from_files(&lexicon::builtin_files(), BUILTIN_CONTEXT)
                    .expect("the shipped lexicons are valid (tested)")
            })
            .clone()
    }

    /// Lexicons from a user's directory holding the files of [`LEXICON_FILES`]
    /// (and optionally `context.tsv`), so vocabularies change without a rebuild.
    pub fn load(dir: &Path) -> Result<Lexicons, LexiconError> {
        let files = lexicon::read_dir(dir)?;
        let context_path = dir.join("context.tsv");
        if context_path.exists() {
            let tsv = std::fs::read_to_string(&context_path).map_err(|source| {
                LexiconError::Io { file: context_path.display().to_string(), source }
            })?;
            Lexicons::from_files(&files, &tsv)
        } else {
            Lexicons::from_files(&files, BUILTIN_CONTEXT)
        }
    }

    fn from_files(files: &[(String, String)], context: &str) -> Result<Lexicons, LexiconError> {
        let regex_error = |e: regex::Error| LexiconError::Build(e.to_string());
        let vocabulary = lexicon::build(files)?;
        let engine = ContextEngine::with_terms(context, vocabulary.terms.clone())
            .map_err(|e| LexiconError::Build(e.to_string()))?;
        Ok(Lexicons {
            vocabulary: Arc::new(vocabulary),
            values: ValuePatterns::new().map_err(regex_error)?,
            treatments: TreatmentPatterns::new().map_err(regex_error)?,
            engine: Arc::new(engine),
            sha256: lexicons_sha256(files, context).into(),
        })
    }

    /// SHA-256 over the lexicon files these facts are read with, for each
    /// record's provenance: the hash of `sha256sum`'s listing of the files
    /// (`<hash>  <name>` lines, by name), so an auditor reproduces it with
    /// `cd lexicons && sha256sum *.tsv | sha256sum`.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The context engine extraction reads scope with, which also finds
    /// the vocabulary's terms in the same walk.
    pub fn context(&self) -> &ContextEngine {
        &self.engine
    }

    /// Every row of the lexicons whose example sentence does not show its
    /// meaning at its phrase, or that has none ("drugs.tsv line 12: ..."):
    /// empty for sound lexicons. The shipped ones are tested; run it after
    /// editing a lexicon directory.
    pub fn example_failures(&self) -> Vec<String> {
        examples::failures(self)
    }

    /// Every phrase of the one automaton (vocabulary terms, context
    /// triggers and headings, lower case), so a benchmark can time a bare
    /// scan of the same lexicon, matched ASCII case-insensitively, as a
    /// baseline.
    pub fn scan_terms(&self) -> Vec<String> {
        self.engine.phrases()
    }
}

/// The hash [`Lexicons::sha256`] describes, of `files` and the context lexicon.
fn lexicons_sha256(files: &[(String, String)], context_tsv: &str) -> String {
    let mut listed: Vec<(&str, &str)> =
        files.iter().map(|(name, text)| (name.as_str(), text.as_str())).collect();
    listed.push(("context.tsv", context_tsv));
    listed.sort_unstable();
    let listing: String = listed
        .iter()
        .map(|(name, text)| format!("{}  {name}\n", sha256_hex(text.as_bytes())))
        .collect();
    sha256_hex(listing.as_bytes())
}

/// Extracts the case facts of one note, every fact with evidence spans.
pub fn extract_case(lexicons: &Lexicons, text: &str) -> Facts {
    let note = Note::read(&lexicons.vocabulary, lexicons.context(), text, false);
    facts_of(lexicons, &note)
}

/// A mention extraction set aside, and why: what `necessity explain` shows
/// a reviewer beside the facts. It quotes only the mention's own words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetAside {
    /// The mention's words and where they are.
    pub mention: Span,
    /// What it was not taken as: "a treatment", "the request", "a value",
    /// "the diagnosis", "a statement", "a current fact".
    pub taken_as: &'static str,
    /// Why: a context axis ("negated", "hypothetical", "family",
    /// "historical", "uncertain") or a section ("family history section").
    pub why: &'static str,
    /// The lexicon phrase that set it aside ("consider", "mother") and
    /// where it stands, when a phrase or a section heading did.
    pub trigger: Option<(String, Span)>,
}

/// [`extract_case`], and beside the facts every mention it set aside with
/// its reason, in text order (the same facts: one path).
pub fn extract_case_traced(lexicons: &Lexicons, text: &str) -> (Facts, Vec<SetAside>) {
    let note = Note::read(&lexicons.vocabulary, lexicons.context(), text, true);
    let facts = facts_of(lexicons, &note);
    let mut set_aside: Vec<SetAside> = note
        .set_aside()
        .into_iter()
        .filter_map(|entry| {
            let trigger = match entry.trigger {
                Some((phrase, at)) => Some((phrase, Span::of(text, at.start, at.end)?)),
                None => None,
            };
            Some(SetAside {
                mention: Span::of(text, entry.span.start, entry.span.end)?,
                taken_as: entry.purpose,
                why: entry.why,
                trigger,
            })
        })
        .collect();
    set_aside.sort_by_key(|s| (s.mention.start, s.mention.end));
    (facts, set_aside)
}

/// The facts of a note read by the mention layer.
fn facts_of(lexicons: &Lexicons, note: &Note) -> Facts {
    let skin_note = findings::is_skin_note(&lexicons.vocabulary, note);
    let mut facts = Facts::default();
    record_treatments(&mut facts, lexicons, note);
    record_values(&mut facts, lexicons, note, skin_note);
    record_findings(&mut facts, lexicons, note, skin_note);
    let doubts = findings::diagnosis_doubts(note, facts.diagnosis.as_deref());
    let caveats = caveats::caveats(&facts, note, doubts);
    facts.caveats.extend(caveats);
    facts
}

/// Adds a span to the evidence of a scalar fact.
fn add_evidence(facts: &mut Facts, field: &str, span: Span) {
    facts.evidence.entry(field.to_string()).or_default().push(span);
}

/// The treatments, the requested drug and its regimen.
fn record_treatments(facts: &mut Facts, lexicons: &Lexicons, note: &Note) {
    let found = treatments::find_treatments(&lexicons.vocabulary, &lexicons.treatments, note);
    if let Some((agent, span)) = found.requested {
        facts.requested_drug = Some(agent);
        add_evidence(facts, "requested_drug", span);
    }
    if let Some((dosing, span)) = found.dosing {
        facts.dosing = dosing;
        add_evidence(facts, "dosing", span);
    }
    facts.treatments = found.treatments;
}

/// Age, weight and the severity measures.
fn record_values(facts: &mut Facts, lexicons: &Lexicons, note: &Note, skin_note: bool) {
    let text = note.text();
    let values = findings::values(&lexicons.values, note, skin_note);
    facts.age_years = with_evidence(facts, text, "age_years", values.age);
    facts.weight_kg = with_evidence(facts, text, "weight_kg", values.weight);
    facts.measures.bsa_percent = with_evidence(facts, text, "measures.bsa_percent", values.bsa);
    facts.measures.iga_scale = values.iga.as_ref().and_then(|v| v.scale);
    facts.measures.iga = with_evidence(facts, text, "measures.iga", values.iga);
    facts.measures.itch_nrs = with_evidence(facts, text, "measures.itch_nrs", values.itch);
    facts.measures.easi = with_evidence(facts, text, "measures.easi", values.easi);
}

/// Diagnosis, sites, flares, the no-topicals statement and the specialty.
fn record_findings(facts: &mut Facts, lexicons: &Lexicons, note: &Note, skin_note: bool) {
    if let Some((diagnosis, span)) = findings::diagnosis(&lexicons.vocabulary, note) {
        facts.diagnosis = Some(diagnosis);
        add_evidence(facts, "diagnosis", span);
    }
    let sites = if skin_note { findings::sites(note) } else { Vec::new() };
    for (site, span) in sites {
        facts.high_impact_sites.push(site);
        add_evidence(facts, &format!("high_impact_sites.{}", findings::site_name(site)), span);
    }
    let flares = skin_note.then(|| findings::persistent_flares(note)).flatten();
    if let Some(span) = flares {
        facts.persistent_flares = true;
        add_evidence(facts, "persistent_flares", span);
    }
    if let Some(span) = findings::no_prescription_topicals(note) {
        facts.no_prescription_topicals = true;
        add_evidence(facts, "no_prescription_topicals", span);
    }
    if let Some((specialty, span)) = findings::specialty(note) {
        facts.prescriber_specialty = Some(specialty);
        add_evidence(facts, "prescriber_specialty", span);
    }
}

/// Records a value's evidence under `field` and returns its number.
fn with_evidence(
    facts: &mut Facts,
    text: &str,
    field: &str,
    value: Option<values::Value>,
) -> Option<f64> {
    let value = value?;
    let span = Span::of(text, value.span.start, value.span.end)?;
    add_evidence(facts, field, span);
    Some(value.number)
}
