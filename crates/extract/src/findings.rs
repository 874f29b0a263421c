//! The scalar facts: diagnosis, measures, age, weight, high-impact sites,
//! persistent flares and prescriber specialty, each with its evidence.

use crate::lexicon::{DiagnosisTerm, Meaning, MeasureKind, SiteTerm};
use crate::scan::Mention;
use crate::values::{read_value, Value, ValuePatterns};
use necessity_context::{Analysis, SectionKind};
use necessity_record::{Site, Span, Specialty};
use std::ops::Range;

/// Whether a mention states a current fact about the patient: not negated,
/// hypothetical, family or historical, and not in family-history or
/// copied-forward prior-visit text.
pub fn is_current(analysis: &Analysis, span: &Range<usize>) -> bool {
    analysis.context_of(span.clone()).is_current_fact()
        && !matches!(
            analysis.section_of(span.start),
            SectionKind::FamilyHistory | SectionKind::PriorVisit
        )
}

/// Whether a mention is about the patient at all (a diagnosis the patient
/// has had for years is still the patient's): not negated, hypothetical or
/// family, and not in the family history.
fn is_patients(analysis: &Analysis, span: &Range<usize>) -> bool {
    let context = analysis.context_of(span.clone());
    context.negated.is_none()
        && context.hypothetical.is_none()
        && context.family.is_none()
        && analysis.section_of(span.start) != SectionKind::FamilyHistory
}

fn span_of(text: &str, range: &Range<usize>) -> Option<Span> {
    Span::of(text, range.start, range.end)
}

/// The diagnosis: atopic dermatitis when affirmed anywhere (a bare "AD" only
/// in a dermatitis context), else a look-alike the note affirms.
pub fn diagnosis(analysis: &Analysis, mentions: &[Mention]) -> Option<(String, Span)> {
    let named: Vec<(&String, bool, &Range<usize>)> = mentions
        .iter()
        .filter_map(|m| match m.meaning {
            Meaning::Diagnosis(DiagnosisTerm::Named { diagnosis, needs_context }) => {
                Some((diagnosis, *needs_context, &m.span))
            }
            _ => None,
        })
        .collect();
    let dermatitis_context = mentions.iter().any(|m| {
        matches!(m.meaning, Meaning::Diagnosis(DiagnosisTerm::DermatitisContext))
            || matches!(
                m.meaning,
                Meaning::Diagnosis(DiagnosisTerm::Named { needs_context: false, .. })
            )
    });
    let affirmed: Vec<&(&String, bool, &Range<usize>)> = named
        .iter()
        .filter(|(_, needs_context, _)| !needs_context || dermatitis_context)
        .filter(|(_, _, span)| is_patients(analysis, span))
        .collect();
    let chosen = affirmed
        .iter()
        .find(|(d, _, _)| d.as_str() == "atopic_dermatitis")
        .or_else(|| affirmed.first())?;
    Some((chosen.0.clone(), span_of(analysis.text(), chosen.2)?))
}

/// The current measures and demographics, with the words that state them.
#[derive(Default)]
pub struct ValueFacts {
    pub bsa: Option<Value>,
    pub iga: Option<Value>,
    pub itch: Option<Value>,
    pub easi: Option<Value>,
    pub age: Option<Value>,
    pub weight: Option<Value>,
}

/// Reads every value keyword; a measure keeps its last current statement
/// (historical ones, "BSA was 30% last year", never count), age and weight
/// their first (the patient's introduction).
pub fn values(patterns: &ValuePatterns, analysis: &Analysis, mentions: &[Mention]) -> ValueFacts {
    let text = analysis.text();
    let mut facts = ValueFacts::default();
    for mention in mentions {
        let Meaning::Measure(kind) = mention.meaning else { continue };
        let Some(value) = read_value(patterns, *kind, text, mention.span.clone()) else { continue };
        if !is_current(analysis, &value.span) || !is_current(analysis, &mention.span) {
            continue;
        }
        let slot = match kind {
            MeasureKind::Bsa => &mut facts.bsa,
            MeasureKind::Iga => &mut facts.iga,
            MeasureKind::ItchNrs | MeasureKind::Itch => &mut facts.itch,
            MeasureKind::Easi => &mut facts.easi,
            MeasureKind::AgeBefore | MeasureKind::AgeAfter => {
                facts.age.get_or_insert(value);
                continue;
            }
            MeasureKind::Weight => {
                facts.weight.get_or_insert(value);
                continue;
            }
        };
        *slot = Some(value);
    }
    facts
}

/// The high-impact sites involved now: a site word in a sentence that also
/// names a lesion, rash or eczema, and is itself a current fact ("no hand
/// involvement" and "face spared" are not).
pub fn sites(analysis: &Analysis, mentions: &[Mention]) -> Vec<(Site, Span)> {
    let text = analysis.text();
    let lesion_sentences: Vec<Range<usize>> = mentions
        .iter()
        .filter(|m| {
            matches!(
                m.meaning,
                Meaning::Site(SiteTerm::Lesion)
                    | Meaning::Flare { .. }
                    | Meaning::Diagnosis(DiagnosisTerm::Named { .. })
            )
        })
        .map(|m| analysis.sentence_of(m.span.start))
        .collect();
    let mut found: Vec<(Site, Span)> = Vec::new();
    for mention in mentions {
        let Meaning::Site(SiteTerm::Site(site)) = mention.meaning else { continue };
        if found.iter().any(|(s, _)| s == site) {
            continue;
        }
        let sentence = analysis.sentence_of(mention.span.start);
        if !lesion_sentences.contains(&sentence) || !is_current(analysis, &mention.span) {
            continue;
        }
        if let Some(span) = span_of(text, &mention.span) {
            found.push((*site, span));
        }
    }
    found.sort_by_key(|(site, _)| *site);
    found
}

/// Whether flares persist now: a current persistent-flare phrase, and no
/// current statement that they ended.
pub fn persistent_flares(analysis: &Analysis, mentions: &[Mention]) -> Option<Span> {
    let mut persistent = None;
    for mention in mentions {
        let Meaning::Flare { persistent: is_persistent } = mention.meaning else { continue };
        if !is_current(analysis, &mention.span) {
            continue;
        }
        if !is_persistent {
            return None;
        }
        persistent = persistent.or_else(|| span_of(analysis.text(), &mention.span));
    }
    persistent
}

/// The prescriber's specialty: the first specialty the note states as its
/// own or the prescriber's.
pub fn specialty(analysis: &Analysis, mentions: &[Mention]) -> Option<(Specialty, Span)> {
    mentions.iter().find_map(|m| match m.meaning {
        Meaning::Specialty(specialty) if is_patients(analysis, &m.span) => {
            Some((*specialty, span_of(analysis.text(), &m.span)?))
        }
        _ => None,
    })
}

/// The spec's word for a site, as evidence keys (`high_impact_sites.hands`) use it.
pub fn site_name(site: Site) -> &'static str {
    match site {
        Site::Face => "face",
        Site::Neck => "neck",
        Site::Scalp => "scalp",
        Site::Hands => "hands",
        Site::Feet => "feet",
        Site::Genitals => "genitals",
        Site::Intertriginous => "intertriginous",
    }
}
