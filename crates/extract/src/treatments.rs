//! Treatments: one entry per distinct agent, with class, potency and the
//! outcome its cues give; and the requested drug with its regimen.

use crate::dosing::{dosing_detail, read_dosing, DosingPatterns};
use crate::findings::names_skin_disease;
use crate::lexicon::{Cue, DiagnosisTerm, Drug, Meaning, Reach, Route, SiteTerm, Vocabulary};
use crate::scan::Mention;
use necessity_context::{Analysis, SectionKind};
use necessity_record::{Dosing, Outcome, Potency, Span, Treatment, TreatmentClass};
use regex::Regex;
use std::ops::Range;

/// How far after a drug name its strength, vehicle and route are written.
const ROUTE_AFTER: usize = 40;
/// How far before a drug name a route word still belongs to it ("IM Kenalog").
const ROUTE_BEFORE: usize = 48;
/// A cue this close to the drug name is quoted with it in the evidence.
const QUOTE_GAP: usize = 40;

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
            strength: ci(
                r"^(?:\s|acetonide|propionate|dipropionate|valerate|furoate|butyrate|topical|cream|ointment|oint|lotion|solution|foam|gel|,)*(\d*\.?\d+)\s*(?:%|percent\b|pct\b)",
            )?,
            vehicle: ci(r"\b(ointment|oint|cream|lotion|solution|foam|gel)\b")?,
            dosing: DosingPatterns::new()?,
        })
    }
}

/// One drug mention the note asserts about the patient, with what its cues say.
struct DrugMention {
    drug: usize,
    class: TreatmentClass,
    span: Range<usize>,
    /// What the cues around the mention say of it.
    reading: CueReading,
    potency: Option<(u8, Potency)>,
}

/// What the cues around one mention say.
struct CueReading {
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
}

/// What the treatments part of extraction found.
pub struct TreatmentFacts {
    pub treatments: Vec<Treatment>,
    pub requested: Option<(String, Span)>,
    pub dosing: Option<(Dosing, Span)>,
}

/// Every treatment the note names, the requested drug and its regimen.
pub fn find_treatments(
    vocabulary: &Vocabulary,
    patterns: &TreatmentPatterns,
    analysis: &Analysis,
    mentions: &[Mention],
) -> TreatmentFacts {
    let text = analysis.text();
    let note = NoteShape {
        skin_note: mentions
            .iter()
            .any(|m| matches!(m.meaning, Meaning::Diagnosis(t) if names_skin_disease(t))),
        paragraphs: Paragraphs::of(text),
        other_disease_paragraphs: Vec::new(),
    };
    let note = NoteShape {
        other_disease_paragraphs: other_disease_paragraphs(
            vocabulary,
            analysis,
            mentions,
            &note.paragraphs,
        ),
        ..note
    };
    let drug_mentions: Vec<DrugMention> = mentions
        .iter()
        .filter_map(|m| match m.meaning {
            Meaning::Drug(id) => {
                drug_mention(vocabulary, patterns, analysis, mentions, *id, m, &note)
            }
            _ => None,
        })
        .collect();
    let requested = requested_drug(vocabulary, analysis, &drug_mentions, note.skin_note);
    let dosing = requested.as_ref().and_then(|(agent, _)| {
        let after_drug = drug_mentions
            .iter()
            .filter(|m| &vocabulary.drugs[m.drug].agent == agent && m.reading.planned)
            .map(|m| m.span.end);
        let labelled =
            mentions.iter().filter(|m| matches!(m.meaning, Meaning::DoseLabel)).map(|m| m.span.end);
        let next_drugs: Vec<usize> =
            drug_mentions.iter().filter(|m| !m.reading.course).map(|m| m.span.start).collect();
        after_drug
            .chain(labelled)
            .filter_map(|from| read_dosing(&patterns.dosing, text, from, &next_drugs))
            .max_by_key(|(d, _)| dosing_detail(d))
    });
    let treatments = merge_by_agent(vocabulary, text, &drug_mentions, requested.as_ref());
    TreatmentFacts { treatments, requested, dosing }
}

/// What is known of the whole note before its drug mentions are read, found
/// once rather than for every mention.
struct NoteShape {
    /// Whether the note names a skin disease at all.
    skin_note: bool,
    paragraphs: Paragraphs,
    /// Per paragraph: about a non-skin disease and no skin disease.
    other_disease_paragraphs: Vec<bool>,
}

/// The blank lines that separate a note's paragraphs, in order.
struct Paragraphs(Vec<usize>);

impl Paragraphs {
    fn of(text: &str) -> Paragraphs {
        Paragraphs(memchr::memmem::find_iter(text.as_bytes(), b"\n\n").collect())
    }

    /// Which paragraph holds byte `offset` (0 for the first).
    fn index_of(&self, offset: usize) -> usize {
        self.0.partition_point(|&blank| blank + 2 <= offset)
    }
}

/// A drug mention that counts as a treatment of the patient, or `None` for a
/// negated, hypothetical or family mention, or a steroid given into a joint
/// or inhaled.
fn drug_mention(
    vocabulary: &Vocabulary,
    patterns: &TreatmentPatterns,
    analysis: &Analysis,
    mentions: &[Mention],
    id: usize,
    mention: &Mention,
    note: &NoteShape,
) -> Option<DrugMention> {
    let skin_note = note.skin_note;
    let context = analysis.context_of(mention.span.clone());
    let negated = context.negated.as_ref().is_some_and(|t| !states_an_outcome(mentions, &t.span));
    let drug = &vocabulary.drugs[id];
    let family = context.family.as_ref().is_some_and(|t| {
        !(TOPICAL_CLASSES.contains(&drug.class) && caregiver_applies(analysis.text(), &t.span))
    });
    if negated || context.hypothetical.is_some() || family {
        return None;
    }
    if analysis.section_of(mention.span.start) == SectionKind::FamilyHistory {
        return None;
    }
    if drug.skin_only && !skin_note {
        return None;
    }
    let class = route_class(analysis, mentions, drug, &mention.span, skin_note)?;
    if class == TreatmentClass::SystemicCorticosteroid && for_other_disease(note, &mention.span) {
        return None;
    }
    let reading = outcome_of(vocabulary, analysis, mentions, &mention.span, &drug.agent);
    // A drug the patient only asks about is a question, not a treatment.
    if reading.asked
        && reading.outcome == Outcome::Mentioned
        && !reading.planned
        && !reading.stopped
    {
        return None;
    }
    let potency = (class == TreatmentClass::TopicalCorticosteroid)
        .then(|| potency_of(vocabulary, patterns, analysis.text(), drug, &mention.span))
        .flatten();
    if drug.needs_strength && potency.is_none_or(|(specificity, _)| specificity < 2) {
        return None;
    }
    Some(DrugMention { drug: id, class, span: mention.span.clone(), reading, potency })
}

/// Classes of creams a parent applies to a child.
const TOPICAL_CLASSES: [TreatmentClass; 5] = [
    TreatmentClass::TopicalCorticosteroid,
    TreatmentClass::TopicalCalcineurinInhibitor,
    TreatmentClass::TopicalPde4Inhibitor,
    TreatmentClass::TopicalJakInhibitor,
    TreatmentClass::TopicalAhrAgonist,
];

/// Verbs of putting a cream on someone, as the first or second word after
/// the relative who does it.
const APPLYING: [&str; 10] =
    ["used", "use", "uses", "using", "applied", "apply", "applies", "applying", "tried", "put"];

/// Whether a relative is the subject of applying the drug ("parents have
/// used hydrocortisone", "mother applies desonide"): a caregiver treating
/// the patient, not the relative's own treatment.
fn caregiver_applies(text: &str, trigger: &Range<usize>) -> bool {
    let words = text[trigger.end..].split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty());
    let mut words = words.take(3).skip_while(|w| {
        ["has", "have", "had", "been", "is", "are", "was", "were"]
            .iter()
            .any(|aux| w.eq_ignore_ascii_case(aux))
    });
    words.next().is_some_and(|w| APPLYING.iter().any(|a| w.eq_ignore_ascii_case(a)))
}

/// Whether a negation word is part of an outcome cue ("without adequate
/// improvement", "no meaningful benefit"): it states how the drug before it
/// did and denies nothing, not even a drug named after it ("... without
/// adequate improvement, and crisaborole for 8 weeks").
fn states_an_outcome(mentions: &[Mention], trigger: &Range<usize>) -> bool {
    let from = trigger.start.saturating_sub(MAX_CUE_LEN);
    mentions_from(mentions, &(from..trigger.start + 1)).iter().any(|m| {
        matches!(m.meaning, Meaning::Cue(Cue::Outcome(Outcome::Failed), _))
            && m.span.start <= trigger.start
            && trigger.end <= m.span.end
    })
}

/// Longer than any outcome cue phrase of the lexicon, so a cue holding a
/// negation word starts no further before it.
const MAX_CUE_LEN: usize = 64;

/// Whether a steroid mention sits in a paragraph about a non-skin disease
/// and about no skin disease ("her asthma ...; she needed two prednisone
/// bursts"): a non-AD use, not a treatment of this case.
fn for_other_disease(note: &NoteShape, span: &Range<usize>) -> bool {
    note.other_disease_paragraphs[note.paragraphs.index_of(span.start)]
}

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
fn other_disease_paragraphs(
    vocabulary: &Vocabulary,
    analysis: &Analysis,
    mentions: &[Mention],
    paragraphs: &Paragraphs,
) -> Vec<bool> {
    let count = paragraphs.0.len() + 1;
    let (mut other, mut skin) = (vec![false; count], vec![false; count]);
    for mention in mentions {
        let index = paragraphs.index_of(mention.span.start);
        if paragraphs.index_of(mention.span.end.saturating_sub(1)) != index {
            continue;
        }
        match mention.meaning {
            Meaning::Diagnosis(DiagnosisTerm::OtherIndication) => {
                other[index] |= analysis.context_of(mention.span.clone()).negated.is_none();
            }
            Meaning::Diagnosis(_) | Meaning::Site(SiteTerm::Lesion) | Meaning::Flare(_) => {
                skin[index] = true
            }
            Meaning::Drug(id) => {
                let drug = &vocabulary.drugs[*id];
                // Oral tacrolimus treats a transplant, not the skin.
                let class = route_class(analysis, mentions, drug, &mention.span, true);
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
    analysis: &Analysis,
    mentions: &[Mention],
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
    let sentence = analysis.sentence_of(span.start);
    let near = span.start.saturating_sub(ROUTE_BEFORE).max(sentence.start)
        ..(span.end + ROUTE_AFTER).min(sentence.end);
    let distance = |m: &Range<usize>| {
        if m.end <= span.start {
            span.start - m.end
        } else {
            m.start.saturating_sub(span.end)
        }
    };
    let nearest = mentions_in(mentions, &near)
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

/// A cue found in the note: where, what it says, which way it reaches.
type CueHit<'m> = (&'m Range<usize>, Cue, Reach);

/// The mentions that start inside `range`. Mentions are in text order, so
/// they are found by binary search: scanning them all for every drug
/// mention made extraction quadratic in the number of mentions.
fn mentions_from<'m, 'v>(mentions: &'m [Mention<'v>], range: &Range<usize>) -> &'m [Mention<'v>] {
    let first = mentions.partition_point(|m| m.span.start < range.start);
    let last = first + mentions[first..].partition_point(|m| m.span.start < range.end);
    &mentions[first..last]
}

/// The mentions wholly inside `range`.
fn mentions_in<'m, 'v>(
    mentions: &'m [Mention<'v>],
    range: &Range<usize>,
) -> impl Iterator<Item = &'m Mention<'v>> {
    let end = range.end;
    mentions_from(mentions, range).iter().filter(move |m| m.span.end <= end)
}

/// The outcome cues of a sentence, in text order. A cue in a hypothetical
/// clause states no outcome ("If she has not responded within 8 weeks, ..."),
/// so it is left out; so is ongoing use dated to the past ("in the past she
/// has been on azathioprine": a past course, not a current one).
fn cues_in<'m>(
    analysis: &Analysis,
    mentions: &'m [Mention],
    sentence: &Range<usize>,
) -> Vec<CueHit<'m>> {
    mentions_in(mentions, sentence)
        .filter_map(|m| match m.meaning {
            Meaning::Cue(cue, reach) => Some((&m.span, *cue, *reach)),
            _ => None,
        })
        .filter(|(span, cue, _)| {
            matches!(cue, Cue::Masked)
                || analysis.context_of((*span).clone()).hypothetical.is_none()
        })
        .filter_map(|(span, cue, reach)| match cue {
            Cue::Ongoing => (analysis.context_of(span.clone()).historical.is_none()).then_some((
                span,
                Cue::Outcome(Outcome::Current),
                reach,
            )),
            Cue::FlaringOn => names_drug_back(&analysis.text()[span.end..sentence.end])
                .then_some((span, Cue::Outcome(Outcome::Failed), reach)),
            // "Started Dupixent 600 mg load then 300 mg q2w in 06/2024": a
            // start in the past tense dated by a month or year is a course
            // begun before, no order of this visit.
            Cue::Outcome(Outcome::Planned)
                if past_tense(&analysis.text()[span.clone()])
                    && clause_dated(analysis.text(), sentence, span) =>
            {
                Some((span, Cue::Masked, reach))
            }
            _ => Some((span, cue, reach)),
        })
        .collect()
}

/// Whether a cue is a verb in the past tense ("started", "was started on",
/// "began"), which a date can place before the visit.
fn past_tense(cue: &str) -> bool {
    let lower = cue.to_ascii_lowercase();
    let verb = lower.trim_end_matches(" on").trim_end();
    verb.ends_with("ed") || verb.ends_with("began") || verb.ends_with("begun")
}

/// Whether the clause of a cue (its sentence, cut at ";" and "but") holds
/// a month-and-year or a year date ("in 06/2024", "in January 2025", "in
/// 2019") or a time ago ("8 weeks ago", "last year"): a date without a day
/// names a past month, not today's order.
fn clause_dated(text: &str, sentence: &Range<usize>, cue: &Range<usize>) -> bool {
    let mut start = sentence.start;
    let mut end = sentence.end;
    for brk in CLAUSE_BREAK {
        if let Some(i) = text[start..cue.start].rfind(brk) {
            start = start.max(start + i + brk.len());
        }
        if let Some(i) = text[cue.end..end].find(brk) {
            end = cue.end + i;
        }
    }
    let words: Vec<&str> = text[start..end]
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | '.' | ':'))
        .filter(|w| !w.is_empty())
        .collect();
    let year = |w: &str| {
        w.len() == 4
            && w.chars().all(|c| c.is_ascii_digit())
            && (w.starts_with("19") || w.starts_with("20"))
    };
    let month_year = |w: &str| {
        w.split_once(['/', '-']).is_some_and(|(m, y)| {
            (1..=2).contains(&m.len()) && m.chars().all(|c| c.is_ascii_digit()) && year(y)
        })
    };
    let month = |w: &str| {
        let lower = w.to_ascii_lowercase();
        lower.len() >= 3 && crate::values::MONTHS.iter().any(|m| m.starts_with(lower.as_str()))
    };
    let unit = |w: &str| {
        let lower = w.to_ascii_lowercase();
        [
            "day", "days", "week", "weeks", "month", "months", "year", "years", "wk", "wks", "mo",
            "mos",
        ]
        .contains(&lower.as_str())
    };
    words.iter().any(|w| month_year(w))
        || words.windows(2).any(|pair| {
            (unit(pair[0]) && pair[1].eq_ignore_ascii_case("ago"))
                || (pair[0].eq_ignore_ascii_case("last") && unit(pair[1]))
        })
        || words.windows(2).any(|pair| {
            (month(pair[0]) || ["in", "since"].iter().any(|p| pair[0].eq_ignore_ascii_case(p)))
                && year(pair[1])
        })
}

/// Whether the rest of a clause names a drug before it back as what the
/// patient is on ("still flaring every week on it", "despite this").
fn names_drug_back(rest: &str) -> bool {
    let words: Vec<String> = rest
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    words.windows(2).any(|pair| {
        matches!(pair[0].as_str(), "on" | "despite" | "with")
            && OBJECT_PRONOUNS.contains(&pair[1].as_str())
    })
}

/// Whether a cue is followed by a date ("started 03/2019", "started Sept
/// 2024"): a row of a medication history dating the agent before it, not a
/// clause that starts the agent after it.
fn dated(text: &str, cue_end: usize) -> bool {
    let rest = text[cue_end..].trim_start();
    let token: &str =
        rest.split(|c: char| c.is_whitespace() || c == ',').next().unwrap_or_default();
    let digits = token.chars().filter(char::is_ascii_digit).count();
    let numeric_date = digits > 0
        && token.chars().all(|c| c.is_ascii_digit() || matches!(c, '/' | '-' | '.'))
        && (token.contains(['/', '-']) || (digits == 4 && token.len() == 4));
    let lower = token.to_ascii_lowercase();
    let stem = lower.trim_end_matches('.');
    let month = stem.len() >= 3
        && crate::values::MONTHS.iter().any(|m| m.starts_with(stem))
        && rest[token.len()..].trim_start().starts_with(|c: char| c.is_ascii_digit());
    numeric_date || month
}

/// The cues after a drug that reach back to it: every one up to the first
/// cue that only reaches forward, which opens a new clause ("X was
/// ineffective and Y was started"). One outcome is shared by a list of bare
/// agents ("X for four weeks and Y for three months without benefit"), but
/// not past another agent once this one has its own outcome ("X helps, Y -
/// no help"), nor past another agent after "but" or ";" ("X helped but Y did
/// not"), nor when "it", "this" or "which" names the agent nearest the cue
/// instead. The flag tells whether the walk ended before the sentence did.
fn reaching_back<'m>(scope: &Scope, from: usize, after: &[CueHit<'m>]) -> (Vec<CueHit<'m>>, bool) {
    let mut reached = Vec::new();
    let (mut own, mut last) = (false, from);
    for hit in after {
        // "Hydrocortisone - started 03/2019, stopped 09/2019 - ineffective":
        // a dated start is a column of the agent's row, not a new clause.
        if !hit.2.backward() && dated(scope.text, hit.0.end) {
            continue;
        }
        // "triamcinolone, which she still uses on the arms - ineffective":
        // a relative clause names the agent before it, and the clause goes on.
        if !hit.2.backward()
            && relative_clause_before(scope.text, hit.0.start)
            && scope.other_agent_in(last..hit.0.start).is_none()
        {
            reached.push(*hit);
            last = hit.0.end;
            continue;
        }
        if !hit.2.backward() {
            // "... dupilumab ..., and we have agreed to start it": a pronoun
            // object names the agent nearest before the cue.
            if object_is_pronoun(scope.text, hit.0.end)
                && scope.other_agent_in(last..hit.0.start).is_none()
            {
                reached.push(*hit);
            }
            return (reached, true);
        }
        if let Some(other) = scope.other_agent_in(last..hit.0.start) {
            let broken = CLAUSE_BREAK.iter().any(|b| scope.text[last..other].contains(b));
            if own || broken || refers_to_nearest(scope.text, hit.0.start) {
                return (reached, true);
            }
        }
        own |= states_own_outcome(hit.1);
        reached.push(*hit);
        last = hit.0.end;
    }
    (reached, false)
}

/// Whether a cue after an agent gives it an outcome of its own: anything
/// but a plan or a look-alike.
fn states_own_outcome(cue: Cue) -> bool {
    match cue {
        Cue::Outcome(outcome) => outcome != Outcome::Planned,
        Cue::Stopped | Cue::AdverseEffect => true,
        // `cues_in` has already made flare and ongoing-use cues outcomes
        // or left them out.
        Cue::Masked | Cue::FlaringOn | Cue::Ongoing | Cue::Inquiry => false,
    }
}

/// Words that make the drug after them a point in time ("before dupilumab").
const TIME_FRAME: [&str; 2] = ["before", "prior to"];

/// Whether the words just before a drug name make it a time frame.
fn names_a_time_frame(text: &str, start: usize) -> bool {
    let before = text[..start].trim_end();
    TIME_FRAME.iter().any(|w| {
        before.len() >= w.len()
            && before.is_char_boundary(before.len() - w.len())
            && before[before.len() - w.len()..].eq_ignore_ascii_case(w)
            && !before[..before.len() - w.len()].ends_with(|c: char| c.is_alphanumeric())
    })
}

/// What separates two clauses of one sentence, each with its own subject.
const CLAUSE_BREAK: [&str; 3] = [";", " but ", ",but "];

/// Pronouns that name only the agent nearest before them.
const ANAPHORA: [&str; 3] = ["it", "this", "which"];

/// Whether the words just before a cue are a pronoun naming the last agent
/// before it ("..., and her mother says that this has not helped").
fn refers_to_nearest(text: &str, cue_start: usize) -> bool {
    let before = text[..cue_start].trim_end();
    let word = before.rsplit(|c: char| !c.is_alphabetic()).next().unwrap_or_default();
    ANAPHORA.iter().any(|a| word.eq_ignore_ascii_case(a))
}

/// Whether the word just after a cue is a pronoun ("start it", "restart
/// them"), so the cue is about an agent named before it.
fn object_is_pronoun(text: &str, cue_end: usize) -> bool {
    let word =
        text[cue_end..].trim_start().split(|c: char| !c.is_alphabetic()).next().unwrap_or_default();
    OBJECT_PRONOUNS.iter().any(|p| word.eq_ignore_ascii_case(p))
}

/// Whether the words just before a cue open a relative clause whose object
/// is the agent named before ("which she still uses", "that he takes"); a
/// bare "which" is the clause's subject ("which started to burn"), not this.
fn relative_clause_before(text: &str, cue_start: usize) -> bool {
    let mut words =
        text[..cue_start].rsplit(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty());
    let is = |w: Option<&str>, set: &[&str]| {
        w.is_some_and(|w| set.iter().any(|s| w.eq_ignore_ascii_case(s)))
    };
    let (last, before) = (words.next(), words.next());
    is(last, &SUBJECTS) && is(before, &RELATIVES)
}

/// Relative pronouns that take a drug named before as their object.
const RELATIVES: [&str; 2] = ["which", "that"];

/// Subjects of a relative clause about the patient's own use.
const SUBJECTS: [&str; 5] = ["she", "he", "they", "we", "i"];

/// Pronouns that stand for a drug named before as the object of a cue.
const OBJECT_PRONOUNS: [&str; 3] = ["it", "this", "them"];

/// What a walk over the cues after a mention needs to know of its sentence:
/// the text, and where other agents are named.
struct Scope<'t> {
    text: &'t str,
    /// Start of every mention of another agent in the sentence, in order.
    others: Vec<usize>,
}

impl Scope<'_> {
    /// Where the first other agent in `range` is named.
    fn other_agent_in(&self, range: Range<usize>) -> Option<usize> {
        self.others.iter().copied().find(|start| range.contains(start))
    }
}

/// The outcome the cues around a mention give it: the nearest cue before it
/// if it reaches forward ("failed tacrolimus, betamethasone and ..."), the
/// cues after it that reach back ("... but stopped because of burning"), and
/// those opening the next sentence before any drug it names ("Opzelura was
/// added; no meaningful improvement"). The strongest wins.
fn outcome_of(
    vocabulary: &Vocabulary,
    analysis: &Analysis,
    mentions: &[Mention],
    span: &Range<usize>,
    agent: &str,
) -> CueReading {
    let reaching = reaching_cues(vocabulary, analysis, mentions, span, agent);
    read_cues(&reaching, span)
}

/// The cues that reach the drug at `span`, with which of them a list of
/// agents shares and whether a continue cue names the drug as the course.
struct ReachingCues<'m> {
    cues: Vec<CueHit<'m>>,
    listed_cue: Option<Range<usize>>,
    ongoing_course: bool,
}

/// Finds the cues of the drug's sentence (and of the start of the next one)
/// that reach it.
fn reaching_cues<'m>(
    vocabulary: &Vocabulary,
    analysis: &Analysis,
    mentions: &'m [Mention],
    span: &Range<usize>,
    agent: &str,
) -> ReachingCues<'m> {
    let sentence = analysis.sentence_of(span.start);
    let cues = cues_in(analysis, mentions, &sentence);
    let others = |range: &Range<usize>| -> Vec<usize> {
        mentions_in(mentions, range)
            .filter(
                |m| matches!(m.meaning, Meaning::Drug(id) if vocabulary.drugs[*id].agent != agent),
            )
            .map(|m| m.span.start)
            .collect()
    };
    let text = analysis.text();
    let mut reaching: Vec<CueHit> = Vec::new();
    let before = cues.iter().rev().find(|(s, _, _)| s.end <= span.start).copied();
    let after: Vec<CueHit> = cues.iter().filter(|(s, _, _)| s.start >= span.end).copied().collect();
    let scope = Scope { text, others: others(&sentence) };
    // "Before dupilumab, she had failed X": a drug after "before" or "prior
    // to" dates what follows and is not what its cues are about.
    let (back, clause_ended) = if names_a_time_frame(text, span.start) {
        (Vec::new(), true)
    } else {
        reaching_back(&scope, span.end, &after)
    };
    // A cue before the drug is the outcome of an earlier agent too ("X with
    // inadequate control, and Y, stopped because of burning"; "X with
    // inadequate response and now uses Y, which helps"): when the drug has
    // an outcome of its own after it, the shared one does not reach it.
    let own_outcome = back.iter().any(|(_, cue, _)| states_own_outcome(*cue));
    let mut listed_cue = None;
    let mut ongoing_course = false;
    if let Some(cue) = before {
        let across = scope.other_agent_in(cue.0.end..span.start).is_some();
        let shared = across
            || (cue.2.backward() && scope.other_agent_in(sentence.start..cue.0.start).is_some());
        let reaches_forward = cue.2.forward() && !dated(text, cue.0.end);
        if reaches_forward
            && !answers_line_above(text, mentions, &cue, span)
            && !(own_outcome && shared)
        {
            reaching.push(cue);
            ongoing_course = cue.1 == Cue::Outcome(Outcome::Current)
                && names_the_course(&text[cue.0.end..span.start]);
            // "despite several topical classes and a course of
            // cyclosporine": a later item of the cue's list, not its object.
            let joined = joins_a_list(&text[cue.0.end..span.start]);
            listed_cue = (across || joined).then(|| cue.0.clone());
        }
    }
    // "dupilumab be added to upadacitinib: 600 mg ... as a loading dose":
    // an agent a continue cue names directly is the course under way, and
    // a regimen written after it is the request's, not its own.
    let back = back
        .into_iter()
        .filter(|(_, cue, _)| !(ongoing_course && *cue == Cue::Outcome(Outcome::Planned)));
    reaching.extend(back);
    if !clause_ended && sentence.end < text.len() {
        reaching.extend(opening_cues_of_next(analysis, mentions, &sentence, &others));
    }
    ReachingCues { cues: reaching, listed_cue, ongoing_course }
}

/// The cues that open the sentence after the drug's and reach back to it
/// ("Tried tacrolimus. Burned." ), before that sentence names a drug of its
/// own; `others` gives the other agents' mentions in a range.
fn opening_cues_of_next<'m>(
    analysis: &Analysis,
    mentions: &'m [Mention],
    sentence: &Range<usize>,
    others: &dyn Fn(&Range<usize>) -> Vec<usize>,
) -> Vec<CueHit<'m>> {
    let text = analysis.text();
    let next = analysis.sentence_of(sentence.end);
    let opening = opening_of(text, &next);
    let next_drug = mentions_from(mentions, &next)
        .iter()
        .find(|m| matches!(m.meaning, Meaning::Drug(_)))
        .map(|m| m.span.start);
    let first_drug = next_drug.unwrap_or(next.end);
    let cues = cues_in(analysis, mentions, &next);
    let scope = Scope { text, others: others(&next) };
    let (back, _) = reaching_back(&scope, next.start, &cues);
    back.into_iter()
        .filter(|(s, _, _)| s.start < opening.min(first_drug))
        .filter(|hit| next_drug.is_none_or(|drug| !governs_drug_after(text, hit, drug)))
        .collect()
}

/// Whether a cue that reaches forward runs straight on into the drug after
/// it, with no comma, colon or dash between ("- h/o failed triamcinolone"):
/// then it is that drug's outcome, and not a comment on the line before.
fn governs_drug_after(text: &str, (cue, _, reach): &CueHit, drug_start: usize) -> bool {
    reach.forward()
        && drug_start >= cue.end
        && !text[cue.end..drug_start].contains([',', ';', ':', '-', '.', '\n'])
}

/// The outcome the reaching cues give: the strongest one, a stop made an
/// intolerance by an adverse effect beside it.
fn read_cues(reaching: &ReachingCues, span: &Range<usize>) -> CueReading {
    let ReachingCues { cues, listed_cue, ongoing_course } = reaching;
    let mut best = CueReading {
        outcome: Outcome::Mentioned,
        stopped: false,
        planned: false,
        cue: None,
        listed: false,
        course: *ongoing_course,
        asked: false,
    };
    let mut adverse = None;
    for &(cue_span, cue, _) in cues {
        let gap = if cue_span.end <= span.start {
            span.start - cue_span.end
        } else {
            cue_span.start - span.end
        };
        let quoted = (gap <= QUOTE_GAP).then(|| cue_span.clone());
        let outcome = match cue {
            Cue::Outcome(outcome) => outcome,
            Cue::Stopped => {
                best.stopped = true;
                continue;
            }
            Cue::AdverseEffect => {
                adverse = adverse.or(Some(quoted));
                continue;
            }
            Cue::Inquiry => {
                best.asked = true;
                continue;
            }
            Cue::Masked | Cue::FlaringOn | Cue::Ongoing => continue,
        };
        best.planned |= outcome == Outcome::Planned;
        if rank(outcome) < rank(best.outcome) {
            best.outcome = outcome;
            best.cue = quoted.or(best.cue);
            best.listed = listed_cue.as_ref() == Some(cue_span);
        }
    }
    // Stopped because of an adverse effect: intolerance ("discontinued for
    // persistent nausea"). Stopped for cost or plans stays a bare stop.
    if let Some(quoted) = adverse.filter(|_| best.stopped) {
        if rank(Outcome::Intolerant) < rank(best.outcome) {
            best.outcome = Outcome::Intolerant;
            best.cue = quoted.or(best.cue);
            best.listed = false;
        }
    }
    best
}

/// Whether the words between a cue and the drug after it leave the drug
/// its object: nothing, or a determiner ("to her current Rinvoq").
fn names_the_course(between: &str) -> bool {
    between.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).all(|w| {
        ["the", "her", "his", "their", "current", "existing", "ongoing"]
            .iter()
            .any(|d| w.eq_ignore_ascii_case(d))
    })
}

/// Whether the words between a cue and a drug after it join a list ("and",
/// a comma), so the drug is a later item of what the cue is about.
fn joins_a_list(between: &str) -> bool {
    between.contains(',')
        || between
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| w.eq_ignore_ascii_case("and") || w.eq_ignore_ascii_case("or"))
}

/// Whether a cue before a drug on a later line is the outcome of the row or
/// box above instead: a ticked answer ("Outcome: [X] Failed"), or a cue
/// that ends a line after a drug (a table row ending "Inadequate
/// response"). Either way it does not reach down to the next drug. A cue
/// that only reaches forward ("... be added to\nupadacitinib") cannot end
/// a row, so a line wrapped after it is prose.
fn answers_line_above(
    text: &str,
    mentions: &[Mention],
    (cue, _, reach): &CueHit,
    drug: &Range<usize>,
) -> bool {
    if !text[cue.end..drug.start].contains('\n') {
        return false;
    }
    if crate::scan::ticked_box_before(text.as_bytes(), cue.start) {
        return true;
    }
    if !reach.backward() {
        return false;
    }
    let rest_of_line = text[cue.end..].split('\n').next().unwrap_or_default();
    if rest_of_line.contains(|c: char| c.is_alphanumeric()) {
        return false;
    }
    let line_start = text[..cue.start].rfind('\n').map_or(0, |i| i + 1);
    mentions_in(mentions, &(line_start..cue.start)).any(|m| matches!(m.meaning, Meaning::Drug(_)))
}

/// How far into the next sentence a cue still reads as a comment on the
/// drug before it ("...; no meaningful improvement after 10 weeks").
const OPENING: usize = 40;

/// The end of a sentence's opening words: its first bytes after white space.
fn opening_of(text: &str, sentence: &Range<usize>) -> usize {
    let body = &text[sentence.clone()];
    let leading = body.len() - body.trim_start().len();
    sentence.start + leading + OPENING
}

/// Outcome strength: failure, intolerance and contraindication outrank
/// current use, which outranks a plan, which outranks a bare mention.
fn rank(outcome: Outcome) -> u8 {
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
    let mut stop = (end + width).min(text.len());
    while !text.is_char_boundary(stop) {
        stop -= 1;
    }
    &text[end..stop]
}

/// The drug the note requests now: one with a plan cue (start, request,
/// order, prescribe, restart), asserted as a current fact outside
/// copied-forward text, and not stopped or declined. A biologic or oral JAK
/// inhibitor (what payers authorise case by case) is the request whenever
/// one is started; otherwise, in a note about skin disease, the drug newly
/// started is, whatever its class ("Start Opzelura (ruxolitinib 1.5%
/// cream)").
fn requested_drug(
    vocabulary: &Vocabulary,
    analysis: &Analysis,
    drug_mentions: &[DrugMention],
    skin_note: bool,
) -> Option<(String, Span)> {
    let advanced = |m: &&DrugMention| REQUESTABLE.contains(&m.class) && is_request(analysis, m);
    // A drug started in a note about no skin disease treats something else
    // (prednisone for asthma, methotrexate for arthritis); one also
    // continued or judged in the same mention is no new start.
    let any = |m: &&DrugMention| {
        skin_note && m.reading.outcome == Outcome::Planned && is_request(analysis, m)
    };
    let last = drug_mentions
        .iter()
        .rev()
        .find(advanced)
        .or_else(|| drug_mentions.iter().rev().find(any))?;
    // Quote the sentence's first request ("Start Dupixent"), not a later
    // restatement of the name ("(dupilumab)").
    let sentence = analysis.sentence_of(last.span.start);
    let first = drug_mentions
        .iter()
        .find(|m| {
            m.drug == last.drug && sentence.contains(&m.span.start) && is_request(analysis, m)
        })
        .unwrap_or(last);
    let span = quote(analysis.text(), &first.span, first.reading.cue.as_ref())?;
    Some((vocabulary.drugs[first.drug].agent.clone(), span))
}

/// Whether a mention is a request now: a plan cue, not stopped, a current
/// fact, and outside copied-forward or family text.
fn is_request(analysis: &Analysis, mention: &DrugMention) -> bool {
    mention.reading.planned
        && !mention.reading.stopped
        && analysis.context_of(mention.span.clone()).is_current_fact()
        && !matches!(
            analysis.section_of(mention.span.start),
            SectionKind::PriorVisit | SectionKind::FamilyHistory
        )
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

/// A treatment being merged, with its best potency evidence and outcome rank.
type Merged = (Treatment, Option<(u8, Potency)>, u8);

/// One treatment per distinct agent and class: the strongest outcome, the
/// most specific potency, and the spans that show them.
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
        let position =
            treatments.iter().position(|(t, _, _)| &t.agent == agent && t.class == mention.class);
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
            ));
            treatments.len() - 1
        });
        let (treatment, potency, best_rank) = &mut treatments[index];
        let mention_rank = merge_rank(mention);
        if mention_rank < *best_rank {
            *best_rank = mention_rank;
            treatment.outcome = mention.reading.outcome;
            treatment.evidence.insert(0, span);
        } else if !treatment.evidence.contains(&span) {
            treatment.evidence.push(span);
        }
        if mention.potency > *potency {
            *potency = mention.potency;
        }
    }
    treatments
        .into_iter()
        .map(|(mut treatment, potency, _)| {
            treatment.potency = potency.map(|(_, p)| p);
            if let Some((_, request)) = requested.filter(|(agent, _)| *agent == treatment.agent) {
                treatment.outcome = Outcome::Planned;
                treatment.evidence.retain(|span| span != request);
                treatment.evidence.insert(0, request.clone());
            }
            treatment.evidence.truncate(3);
            treatment
        })
        .collect()
}
