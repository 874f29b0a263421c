//! Treatments: one entry per distinct agent, with class, potency and the
//! outcome its cues give ([`outcome`]); and the requested drug with its
//! regimen. Read from the note's mentions; whether a drug mention is the
//! patient's treatment, or the request, is asked of the mention layer.

mod outcome;
mod request;

use crate::dosing::DosingPatterns;
use crate::findings::names_skin_disease;
use crate::lexicon::{DiagnosisTerm, Drug, Meaning, Route, SiteTerm, Vocabulary};
use crate::mentions::{Mention, Note, Question};
use necessity_context::{steps, Scope};
use necessity_record::{Caveat, Dosing, Outcome, Potency, Span, Treatment, TreatmentClass};
use outcome::Outcomes;
use regex::Regex;
use std::ops::Range;

/// How far after a drug name its strength, vehicle and route are written.
const ROUTE_AFTER: usize = 40;
/// How far before a drug name a route word still belongs to it ("IM Kenalog").
const ROUTE_BEFORE: usize = 48;
/// A cue this close to the drug name is quoted with it in the evidence.
pub(crate) const QUOTE_GAP: usize = 40;

/// Classes that are the request whenever a note starts one (advanced
/// systemic therapy, which is what payers authorise case by case), before
/// any other drug it starts.
const REQUESTABLE: [TreatmentClass; 2] =
    [TreatmentClass::Biologic, TreatmentClass::OralJakInhibitor];

/// The compiled window patterns of treatments.
#[derive(Clone, Debug)]
pub struct TreatmentPatterns {
    strength: Regex,
    vehicle: Regex,
    dosing: DosingPatterns,
}

impl TreatmentPatterns {
    /// Compiles the window patterns; they are fixed, so a failure is a bug
    /// caught by every test.
    pub fn new() -> Result<TreatmentPatterns, regex::Error> {
        let ci = crate::case_insensitive;
        Ok(TreatmentPatterns {
            strength: ci(r"^ (?:\s|acetonide|propionate|dipropionate|valerate|furoate|butyrate
                      |topical|cream|ointment|oint|lotion|solution|foam|gel|,)*   # ester, vehicle
                  (\d*\.?\d+)                         # the strength
                  \s*(?:%|percent\b|pct\b)            # in percent")?,
            vehicle: ci(r"\b(ointment|oint|cream|lotion|solution|foam|gel)\b   # the vehicle")?,
            dosing: DosingPatterns::new()?,
        })
    }
}

/// One drug mention the note asserts about the patient, with what its cues say.
struct DrugMention {
    drug: usize,
    class: TreatmentClass,
    span: Range<usize>,
    /// The mention's context, as the mention layer found it.
    scope: Scope,
    /// What the cues around the mention say of it.
    reading: CueReading,
    potency: Option<(u8, Potency)>,
    /// Offered and declined or deferred: never given, so no treatment
    /// (the request reader still reads it, for a request declined later).
    offered_only: bool,
}

/// What the cues around one mention say.
pub(crate) struct CueReading {
    outcome: Outcome,
    /// A stop, hold or decline cue reaches the mention.
    stopped: bool,
    /// A plan cue (start, request, order...) reaches the mention, whatever
    /// stronger outcome another cue gives it.
    planned: bool,
    /// Where the outcome cue is, when it is near enough to quote.
    cue: Option<Range<usize>>,
    /// The outcome comes from a cue written for a list of agents ("despite
    /// topical agents, phototherapy and cyclosporine"), not for this one.
    listed: bool,
    /// A continue cue names the agent directly ("added to upadacitinib:
    /// 600 mg ..."): the regimen after it is the request's.
    course: bool,
    /// An inquiry cue reaches the mention ("asked about dupilumab").
    asked: bool,
    /// A decline, deferral or refusal cue reaches the mention ("decided
    /// against", "prefers to hold off").
    declined: bool,
    /// Where the plan cues that reach the mention are, so the request can
    /// tell a plan from a refusal of it ("decided against starting it") and
    /// which came last.
    plans: Vec<Range<usize>>,
    /// Where the stop, hold, decline and deferral cues that reach the
    /// mention are.
    stops: Vec<Range<usize>>,
}

/// How many evidence spans a treatment keeps.
const EVIDENCE_KEPT: usize = 3;

pub use request::{BlankField, Indication};

/// What the treatments part of extraction found.
pub struct TreatmentFacts {
    pub treatments: Vec<Treatment>,
    pub requested: Option<(String, Span)>,
    pub dosing: Option<(Dosing, Span)>,
    /// What a reviewer must reconcile about the request.
    pub caveats: Vec<Caveat>,
    /// Another indication the request is stated to be for.
    pub indication: Option<Indication>,
    /// A request form's key fields left blank.
    pub blank_fields: Vec<BlankField>,
}

/// Every treatment the note names, the requested drug and its regimen.
/// `continued` is the drug whose continuation the note asks for, when known:
/// with nothing requested, its regimen is the dosing.
pub fn find_treatments(
    vocabulary: &Vocabulary,
    patterns: &TreatmentPatterns,
    note: &Note,
    continued: Option<&str>,
) -> TreatmentFacts {
    let text = note.text();
    steps::add(note.mentions().len());
    let skin_note = note
        .mentions()
        .iter()
        .any(|m| matches!(m.meaning, Meaning::Diagnosis(t) if names_skin_disease(t)));
    let shape = NoteShape {
        skin_note,
        other_disease_paragraphs: other_disease_paragraphs(vocabulary, note),
        outcomes: Outcomes::new(vocabulary, note),
    };
    let drug_mentions: Vec<DrugMention> = note
        .mentions()
        .iter()
        .filter_map(|m| match m.meaning {
            Meaning::Drug(id) => drug_mention(vocabulary, patterns, note, *id, m, &shape),
            _ => None,
        })
        .collect();
    let request =
        request::read_request(vocabulary, patterns, note, &drug_mentions, skin_note, continued);
    let requested = request.requested;
    let treatments = merge_by_agent(vocabulary, text, &drug_mentions, requested.as_ref());
    TreatmentFacts {
        treatments,
        requested,
        dosing: request.dosing,
        caveats: request.caveats,
        indication: request.indication,
        blank_fields: request.blank_fields,
    }
}

/// What is known of the whole note before its drug mentions are read, found
/// once rather than for every mention.
struct NoteShape<'n, 't, 'v> {
    /// Whether the note names a skin disease at all.
    skin_note: bool,
    /// Per paragraph: about a non-skin disease and no skin disease.
    other_disease_paragraphs: Vec<bool>,
    outcomes: Outcomes<'n, 't, 'v>,
}

/// A drug mention that counts as a treatment of the patient, or `None` for a
/// negated, hypothetical or family mention, or a steroid given into a joint
/// or inhaled.
fn drug_mention(
    vocabulary: &Vocabulary,
    patterns: &TreatmentPatterns,
    note: &Note,
    id: usize,
    mention: &Mention,
    shape: &NoteShape,
) -> Option<DrugMention> {
    let skin_note = shape.skin_note;
    let drug = &vocabulary.drugs[id];
    let cream = TOPICAL_CLASSES.contains(&drug.class);
    note.judge(mention, Question::treatment(cream)).ok()?;
    if drug.skin_only && !skin_note {
        return None;
    }
    let class = route_class(note, drug, &mention.span, skin_note)?;
    if class == TreatmentClass::SystemicCorticosteroid
        && shape.other_disease_paragraphs[note.paragraph_of(mention.span.start)]
    {
        return None;
    }
    let reading = shape.outcomes.read(&mention.span, vocabulary.agent_ids[id]);
    // A drug the patient only asks about is a question, not a treatment.
    if reading.asked
        && reading.outcome == Outcome::Mentioned
        && !reading.planned
        && !reading.stopped
    {
        return None;
    }
    let potency = (class == TreatmentClass::TopicalCorticosteroid)
        .then(|| potency_of(vocabulary, patterns, note.text(), drug, &mention.span))
        .flatten();
    if drug.needs_strength && potency.is_none_or(|(specificity, _)| specificity < 2) {
        return None;
    }
    let span = mention.span.clone();
    let offered_only = offered_only(&reading);
    Some(DrugMention {
        drug: id,
        class,
        span,
        scope: mention.scope,
        reading,
        potency,
        offered_only,
    })
}

/// Whether a mention names a drug only offered and then declined or
/// deferred ("We went over Adbry ... He prefers to hold off"): a decline
/// is the last word on it and no stronger outcome than a plan is stated,
/// so the patient was never given it.
fn offered_only(reading: &CueReading) -> bool {
    let last = |cues: &[Range<usize>]| cues.iter().map(|c| c.start).max();
    reading.declined
        && matches!(reading.outcome, Outcome::Mentioned | Outcome::Planned)
        && last(&reading.stops) > last(&reading.plans)
}

/// Classes of creams a parent applies to a child.
const TOPICAL_CLASSES: [TreatmentClass; 5] = [
    TreatmentClass::TopicalCorticosteroid,
    TreatmentClass::TopicalCalcineurinInhibitor,
    TreatmentClass::TopicalPde4Inhibitor,
    TreatmentClass::TopicalJakInhibitor,
    TreatmentClass::TopicalAhrAgonist,
];

/// Classes applied to the skin alone: a steroid may be inhaled or
/// swallowed for another disease, these creams may not (tacrolimus by
/// mouth is read as systemic first).
const SKIN_ONLY_CLASSES: [TreatmentClass; 4] = [
    TreatmentClass::TopicalCalcineurinInhibitor,
    TreatmentClass::TopicalPde4Inhibitor,
    TreatmentClass::TopicalJakInhibitor,
    TreatmentClass::TopicalAhrAgonist,
];

/// For every paragraph, whether it names a non-skin disease (not negated)
/// and no skin disease; found in one pass so each steroid mention costs a
/// look-up, not a walk over its paragraph. A drug only ever applied to the
/// skin (a calcineurin inhibitor, PDE4 or JAK cream) makes the paragraph
/// one about the skin too ("tacrolimus ointment ... a short course of
/// prednisone ... history of asthma").
fn other_disease_paragraphs(vocabulary: &Vocabulary, note: &Note) -> Vec<bool> {
    let count = note.paragraph_count();
    steps::add(count + note.mentions().len());
    let (mut other, mut skin) = (vec![false; count], vec![false; count]);
    for mention in note.mentions() {
        let index = note.paragraph_of(mention.span.start);
        if note.paragraph_of(mention.span.end.saturating_sub(1)) != index {
            continue;
        }
        match mention.meaning {
            Meaning::Diagnosis(DiagnosisTerm::OtherIndication) => {
                other[index] |= note.judge(mention, Question::AFFIRMED).is_ok();
            }
            Meaning::Diagnosis(_) | Meaning::Site(SiteTerm::Lesion) | Meaning::Flare(_) => {
                skin[index] = true
            }
            Meaning::Drug(id) => {
                let drug = &vocabulary.drugs[*id];
                // Oral tacrolimus treats a transplant, not the skin.
                let class = route_class(note, drug, &mention.span, true);
                skin[index] |= class.is_some_and(|c| SKIN_ONLY_CLASSES.contains(&c));
            }
            _ => {}
        }
    }
    other.iter().zip(&skin).map(|(&o, &s)| o && !s).collect()
}

/// The class a mention has given its route: a corticosteroid or calcineurin
/// inhibitor given by mouth or injection is systemic; one injected locally or
/// inhaled is none of the spec's classes; the route word nearest the name
/// decides ("IM", "cream", "injected into"). With no route word near it, a
/// steroid is topical in a note about skin disease, and otherwise takes its
/// lexicon default (hydrocortisone systemic, Kenalog injected).
fn route_class(
    note: &Note,
    drug: &Drug,
    span: &Range<usize>,
    skin_note: bool,
) -> Option<TreatmentClass> {
    let routed = matches!(
        drug.class,
        TreatmentClass::TopicalCorticosteroid
            | TreatmentClass::SystemicCorticosteroid
            | TreatmentClass::TopicalCalcineurinInhibitor
    );
    if !routed {
        return Some(drug.class);
    }
    let sentence = note.sentence_of(span.start);
    let near = span.start.saturating_sub(ROUTE_BEFORE).max(sentence.start)
        ..(span.end + ROUTE_AFTER).min(sentence.end);
    let distance = |m: &Range<usize>| {
        if m.end <= span.start {
            span.start - m.end
        } else {
            m.start.saturating_sub(span.end)
        }
    };
    steps::add(near.len());
    let nearest = note
        .mentions_in(&near)
        .filter_map(|m| match m.meaning {
            Meaning::Route(route) => Some((distance(&m.span), *route)),
            _ => None,
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, route)| route);
    let route = match nearest {
        Some(route) => route,
        None if skin_note => Route::Topical,
        None => drug.default_route.unwrap_or(Route::Topical),
    };
    match route {
        Route::Local | Route::Inhaled => None,
        Route::Topical => Some(drug.class),
        Route::Systemic => Some(match drug.class {
            TreatmentClass::TopicalCorticosteroid => TreatmentClass::SystemicCorticosteroid,
            TreatmentClass::TopicalCalcineurinInhibitor => {
                TreatmentClass::SystemicImmunosuppressant
            }
            other => other,
        }),
    }
}

/// Outcome strength: failure, intolerance and contraindication outrank
/// current use, which outranks a plan, which outranks a bare mention.
pub(crate) fn rank(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Failed => 0,
        Outcome::Intolerant => 1,
        Outcome::Contraindicated => 2,
        Outcome::Current => 3,
        Outcome::Planned => 4,
        Outcome::Mentioned => 5,
    }
}

/// How strongly one mention's outcome counts when mentions of an agent are
/// merged, on twice the scale of `rank`: a failure read from a summary
/// list of agents ("despite topical agents, phototherapy and cyclosporine")
/// yields to an intolerance or contraindication stated for the agent
/// itself ("cyclosporine | stopped: hypertension"), but still outranks
/// current use.
fn merge_rank(mention: &DrugMention) -> u8 {
    let doubled = 2 * rank(mention.reading.outcome);
    if mention.reading.listed && mention.reading.outcome == Outcome::Failed {
        2 * rank(Outcome::Contraindicated) + 1
    } else {
        doubled
    }
}

/// Potency of a topical steroid mention with how specific the evidence is:
/// 2 a written strength found in the table, 1 a named ester, 0 the agent's
/// most common strength.
fn potency_of(
    vocabulary: &Vocabulary,
    patterns: &TreatmentPatterns,
    text: &str,
    drug: &Drug,
    span: &Range<usize>,
) -> Option<(u8, Potency)> {
    let key = drug.potency_key.as_ref()?;
    let window = window_after(text, span.end, ROUTE_AFTER);
    let strength = patterns
        .strength
        .captures(window)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().trim_start_matches('0').to_string())
        .map(|s| if s.starts_with('.') { format!("0{s}") } else { s });
    let vehicle = patterns.vehicle.captures(window).and_then(|c| c.get(1)).map(|m| {
        let v = m.as_str().to_ascii_lowercase();
        if v == "oint" {
            "ointment".to_string()
        } else {
            v
        }
    });
    let table = &vocabulary.potency;
    let lookup = |s: Option<&String>, v: Option<&String>| {
        table.get(&(key.clone(), s.cloned(), v.cloned())).copied()
    };
    if let Some(found) = strength
        .as_ref()
        .and_then(|s| lookup(Some(s), vehicle.as_ref()).or_else(|| lookup(Some(s), None)))
    {
        return Some((2, found));
    }
    let named = text[span.clone()].len() > drug.agent.len();
    lookup(None, None).map(|p| (u8::from(named), p))
}

/// The text after `end` up to `width` bytes, on a character boundary.
fn window_after(text: &str, end: usize, width: usize) -> &str {
    steps::add(width);
    let mut stop = (end + width).min(text.len());
    while !text.is_char_boundary(stop) {
        stop -= 1;
    }
    &text[end..stop]
}

/// The evidence span of a mention: the drug name, with its cue when the cue
/// is close enough to read as one phrase ("failed tacrolimus ointment").
fn quote(text: &str, name: &Range<usize>, cue: Option<&Range<usize>>) -> Option<Span> {
    let (start, end) = match cue {
        Some(cue) => (cue.start.min(name.start), cue.end.max(name.end)),
        None => (name.start, name.end),
    };
    Span::of(text, start, end)
}

/// A treatment being merged, with its best potency evidence, outcome rank,
/// and whether a mention of it was offered and declined.
type Merged = (Treatment, Option<(u8, Potency)>, u8, bool);

/// One treatment per distinct agent and class: the strongest outcome, the
/// most specific potency, and the spans that show them. An agent offered
/// and declined or deferred that no mention says the patient was given
/// (every other mention bare) is no treatment ("Dupixent (an injection every
/// 2 weeks) ... We will hold off on Dupixent as you asked").
fn merge_by_agent(
    vocabulary: &Vocabulary,
    text: &str,
    drug_mentions: &[DrugMention],
    requested: Option<&(String, Span)>,
) -> Vec<Treatment> {
    let mut treatments: Vec<Merged> = Vec::new();
    for mention in drug_mentions {
        let agent = &vocabulary.drugs[mention.drug].agent;
        let Some(span) = quote(text, &mention.span, mention.reading.cue.as_ref()) else { continue };
        steps::add(treatments.len());
        let position = treatments
            .iter()
            .position(|(t, _, _, _)| &t.agent == agent && t.class == mention.class);
        let index = position.unwrap_or_else(|| {
            treatments.push((
                Treatment {
                    agent: agent.clone(),
                    class: mention.class,
                    potency: None,
                    outcome: Outcome::Mentioned,
                    duration_days: None,
                    last_used: None,
                    evidence: Vec::new(),
                },
                None,
                u8::MAX,
                false,
            ));
            treatments.len() - 1
        });
        let (treatment, potency, best_rank, declined) = &mut treatments[index];
        if mention.offered_only {
            *declined = true;
            continue;
        }
        let mention_rank = merge_rank(mention);
        if mention_rank < *best_rank {
            *best_rank = mention_rank;
            treatment.outcome = mention.reading.outcome;
            treatment.evidence.insert(0, span);
        } else if !treatment.evidence.contains(&span) {
            treatment.evidence.push(span);
        }
        // Only the first spans can be kept (the request's, if any, then the
        // first others): a note naming an agent a thousand times keeps no
        // more, and each mention costs a look at a few spans.
        treatment.evidence.truncate(EVIDENCE_KEPT);
        if mention.potency > *potency {
            *potency = mention.potency;
        }
    }
    let is_requested = |t: &Treatment| requested.is_some_and(|(agent, _)| *agent == t.agent);
    treatments
        .into_iter()
        .filter(|(t, _, _, declined)| {
            !(*declined && t.outcome == Outcome::Mentioned && !is_requested(t))
        })
        .map(|(mut treatment, potency, _, _)| {
            treatment.potency = potency.map(|(_, p)| p);
            if let Some((_, request)) = requested.filter(|(agent, _)| *agent == treatment.agent) {
                treatment.outcome = Outcome::Planned;
                treatment.evidence.retain(|span| span != request);
                treatment.evidence.insert(0, request.clone());
            }
            treatment.evidence.truncate(EVIDENCE_KEPT);
            treatment
        })
        .collect()
}
