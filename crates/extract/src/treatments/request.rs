//! The request: the drug a note asks for now, and its regimen.
//!
//! A form states its request by layout ([`Form`]): a request field or a
//! heading over the drug ("Drug requested: Dupixent", "MEDICATION
//! REQUESTED"), a drug field on a request form ("Product: Adbry"), and the
//! request type it ticks ("[x] New start"; a ticked "Renewal" goes on with
//! the form's drug, which is then no request). A narrative states it by cues
//! (start, order, a first dose given today), unless a refusal, a deferral or
//! a stop comes after the plan ("He prefers to hold off", "decided against
//! starting it"), or the drug is an entry of a current-medication list. The form's request wins over
//! the narrative's; when they name different drugs, or the request is also
//! declined later, or is for another of the drug's indications, a caveat
//! tells the reviewer.

use super::{quote, DrugMention, TreatmentPatterns, REQUESTABLE};
use crate::boxes::Mark;
use crate::dosing::{dosing_detail, read_dosing};
use crate::lexicon::{
    Cue, DiagnosisTerm, FormLabel, Meaning, MeasureKind, RenewalTerm, Vocabulary,
};
use crate::mentions::{Mention, Note, Question, Reason};
use crate::words;
use necessity_context::Axis;
use necessity_context::{steps, SectionKind};
use necessity_record::{Caveat, Dosing, Outcome, PendKind, Span, TreatmentClass};
use std::collections::HashMap;
use std::ops::Range;

/// What the request part of extraction found.
pub struct Request {
    /// The requested drug's agent, with the words that ask for it.
    pub requested: Option<(String, Span)>,
    /// The requested drug's regimen, or with nothing requested on a renewal
    /// form or a continuation, the continued drug's maintenance regimen.
    pub dosing: Option<(Dosing, Span)>,
    /// What a reviewer must reconcile about the request.
    pub caveats: Vec<Caveat>,
    /// Another indication the request is stated to be for.
    pub indication: Option<Indication>,
    /// A request form's key fields left blank, for the partial-text caveat
    /// once the other facts are known.
    pub blank_fields: Vec<BlankField>,
}

/// A key field of a request form that holds nothing ("Drug: ______").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlankField {
    /// What the field asks: "the requested drug", "the diagnosis".
    pub asks: &'static str,
    /// The field's label.
    pub label: Span,
}

/// What the renewal reader found a note asks of a course under way.
pub(super) struct Renewal<'a> {
    /// The drug whose continuation the note asks for.
    pub continued: Option<&'a str>,
    /// The drug the note asks to renew but starts anew (a restart after a
    /// lapse): a ticked "Renewal" of it is a new request.
    pub restarted: Option<&'a str>,
}

/// Reads the request of a note whose drug mentions (treatments of the
/// patient, in text order) are `mentions`, with what the renewal reader
/// found it asks of a course under way.
pub(super) fn read_request(
    vocabulary: &Vocabulary,
    patterns: &TreatmentPatterns,
    note: &Note,
    mentions: &[DrugMention],
    skin_note: bool,
    renewal: Renewal,
) -> Request {
    let Renewal { continued, restarted } = renewal;
    // A renewal asks to go on with a course, not to start one: its
    // "continue Dupixent 300 mg q2w" is no request (conventions).
    let renewing = continued.is_some();
    let form = Form::read(note, mentions);
    let agent = |m: &DrugMention| vocabulary.agent_ids[m.drug];
    let drugs = Drugs::new(vocabulary, mentions);
    let denials = Denials::read(vocabulary, note, &drugs);
    let narrative = narrative_request(note, &drugs, &form, &denials, skin_note);
    // A form's drug that the note later takes back, another drug asked
    // for instead ("Prescriber agreed to withdraw the Dupixent request.
    // She will prescribe Ebglyss"), is no longer asked for.
    let form_drug =
        form.drugs.first().map(|&i| &mentions[i]).filter(|f| {
            !(denials.deny(&drugs, f) && narrative.is_some_and(|n| agent(n) != agent(f)))
        });
    let continuation = continued
        .and_then(|agent| mentions.iter().find(|m| vocabulary.drugs[m.drug].agent == agent));
    let restarts = |f: &DrugMention| Some(vocabulary.drugs[f.drug].agent.as_str()) == restarted;
    let (chosen, continued) = match form.kind {
        // A ticked renewal of a course the note restarts after a lapse
        // asks for it anew.
        Some(FormLabel::Renewal) if form_drug.is_some_and(restarts) => {
            (form_drug.map(|drug| (drug, form.label_of(note.text(), drug))), None)
        }
        Some(FormLabel::Renewal) => {
            let other = narrative.filter(|n| form_drug.is_none_or(|f| agent(f) != agent(n)));
            (other.map(|n| (n, None)), form_drug)
        }
        _ => match form_drug {
            Some(drug) => (Some((drug, form.label_of(note.text(), drug))), None),
            None => {
                let subject = form.subject.map(|i| &mentions[i]);
                (narrative.or(subject).map(|n| (n, None)), continuation)
            }
        },
    };
    // A published case tells what was given; it asks no payer for a drug.
    let chosen = chosen.filter(|_| !renewing && !form.published);
    // A renewal's regimen is the continued course's, whatever field names it.
    let continued = continued.or(continuation.filter(|_| renewing));
    let mut caveats = Vec::new();
    let text = note.text();
    let requested = chosen.and_then(|(m, label)| {
        let span = match label {
            Some(label) => Span::of(text, label.start, m.span.end),
            None => evidence_of(note, &drugs, m),
        }?;
        Some((m, span))
    });
    let dosing = match (&requested, continued) {
        (Some((m, _)), _) => regimen(vocabulary, patterns, note, mentions, m.drug, Some(m)),
        (None, Some(continued)) => {
            regimen(vocabulary, patterns, note, mentions, continued.drug, None)
                .map(|(dosing, span)| (Dosing { loading_mg: None, ..dosing }, span))
        }
        (None, None) => None,
    };
    if let Some((m, _)) = &requested {
        let name = &vocabulary.drugs[m.drug].agent;
        caveats.extend(declined_later(note, &drugs, m, name));
        // A topical the narrative starts beside the form's biologic (a
        // bridge) asks for nothing else; another advanced drug does.
        let advanced = |n: &&DrugMention| REQUESTABLE.contains(&n.class);
        if let (Some(form_drug), Some(narrative)) = (form_drug, narrative.filter(advanced)) {
            if agent(form_drug) != agent(narrative) {
                caveats.push(mismatch(vocabulary, note, &drugs, form_drug, narrative));
            }
        }
    }
    let indication = requested.as_ref().and_then(|(m, span)| other_indication(note, m, span));
    let requested = requested.map(|(m, span)| (vocabulary.drugs[m.drug].agent.clone(), span));
    Request { requested, dosing, caveats, indication, blank_fields: form.blank_fields }
}

/// The regimen written after the drug's mentions that plan it (or, for a
/// continued drug, after any of its mentions) and after the form's regimen
/// fields: the fullest statement, completed by what a regimen field adds
/// ("Frequency: every 2 weeks").
fn regimen(
    vocabulary: &Vocabulary,
    patterns: &TreatmentPatterns,
    note: &Note,
    mentions: &[DrugMention],
    drug: usize,
    requested: Option<&DrugMention>,
) -> Option<(Dosing, Span)> {
    let text = note.text();
    let agent = vocabulary.agent_ids[drug];
    let vocabulary_agent = |m: &DrugMention| vocabulary.agent_ids[m.drug] == agent;
    let after_drug = mentions
        .iter()
        .filter(|m| vocabulary_agent(m))
        // A continued course's regimen is today's, not a copied-forward plan's.
        .filter(|m| match requested {
            Some(_) => m.reading.planned,
            None => note.section_of(m.span.start) != SectionKind::PriorVisit,
        })
        .map(|m| m.span.end)
        .chain(requested.map(|m| m.span.end));
    // A topical is dosed by the gram, not in milligrams: a regimen label's
    // doses are another drug's ("the regimen would be 600 mg loading" of
    // dupilumab, in a note that orders tacrolimus).
    let topical = super::TOPICAL_CLASSES.contains(&vocabulary.drugs[drug].class);
    let labelled: Vec<usize> = note
        .mentions()
        .iter()
        .filter(|m| matches!(m.meaning, Meaning::DoseLabel) && !topical)
        .map(|m| m.span.end)
        .collect();
    // A regimen runs to the next drug of another agent: a restatement of
    // the name ("Dupixent (dupilumab) 600 mg") is not another drug.
    let next_drugs: Vec<usize> = mentions
        .iter()
        .filter(|m| !m.reading.course && !vocabulary_agent(m))
        .map(|m| m.span.start)
        .collect();
    let read = |from: usize| {
        let first = read_dosing(&patterns.dosing, text, from, &next_drugs)?;
        // "switch from Dupixent 300 mg every 4 weeks to 200 mg SC every 2
        // weeks": the regimen the change goes to is the one asked for.
        let changed = changed_to(text, first.1.end)
            .and_then(|to| read_dosing(&patterns.dosing, text, to, &next_drugs))
            .filter(|(d, _)| d.maintenance_mg.is_some());
        Some(match changed {
            Some((dosing, span)) => (dosing, span, true),
            None => (first.0, first.1, false),
        })
    };
    let best = after_drug
        .map(|from| (from, true))
        .chain(labelled.iter().map(|&from| (from, false)))
        .filter_map(|(from, of_drug)| {
            read(from).map(|(d, span, changed)| (d, span, changed, of_drug))
        })
        // Read after every mention of a continued course, not only an
        // order: an interval alone ("flaring every month") is no regimen.
        .filter(|(d, ..)| requested.is_some() || d.maintenance_mg.is_some())
        // Of equally full statements, one a change goes to is the latest,
        // and one said of the drug comes before a label's. A continued
        // course's loading dose is long past and weighs nothing.
        .max_by_key(|(d, _, changed, of_drug)| {
            let weighed = match requested {
                Some(_) => d.clone(),
                None => Dosing { loading_mg: None, ..d.clone() },
            };
            (dosing_detail(&weighed), *changed, *of_drug)
        });
    let (mut dosing, span, ..) = best?;
    // A regimen field completes what the fullest statement leaves out.
    for (field, _, _) in labelled.iter().filter_map(|&from| read(from)) {
        dosing.loading_mg = dosing.loading_mg.or(field.loading_mg);
        dosing.maintenance_mg = dosing.maintenance_mg.or(field.maintenance_mg);
        dosing.interval_weeks = dosing.interval_weeks.or(field.interval_weeks);
    }
    Some((dosing, span))
}

/// Where the regimen a change goes to starts, when the regimen ending at
/// `end` is what it changes from: "to" or an arrow right after it.
fn changed_to(text: &str, end: usize) -> Option<usize> {
    let rest = text.get(end..)?;
    let gap = rest.len() - rest.trim_start().len();
    ["to ", "-> ", "\u{2192} "]
        .iter()
        .find(|word| rest[gap..].starts_with(*word))
        .map(|word| end + gap + word.len())
}

/// The drug the narrative requests: a plan cue that stands (not refused,
/// stopped or declined after it, not negated), on a mention the mention
/// layer takes as the request, outside a current-medication list. An
/// advanced systemic drug (what payers authorise case by case) is the
/// request whenever one is started; otherwise, in a note about skin
/// disease, the drug newly started is, whatever its class.
fn narrative_request<'m>(
    note: &Note,
    drugs: &Drugs<'m>,
    form: &Form,
    denials: &Denials,
    skin_note: bool,
) -> Option<&'m DrugMention> {
    let mentions = drugs.mentions;
    steps::add(2 * mentions.len());
    let request = |m: &DrugMention| {
        is_request(note, drugs, m)
            && !form.in_current_list(&m.span)
            && !denials.deny(drugs, m)
            && !named_as_current(note.text(), &m.span)
    };
    let advanced = |m: &&DrugMention| REQUESTABLE.contains(&m.class) && request(m);
    // Of two advanced drugs a plan word reaches, one the note says failed
    // or was not tolerated (a mention of it so judged, with no plan word
    // of its own) is the course that led to the request ("Start Dupixent
    // ... Prior authorization: documents above (tralokinumab failure,
    // ...)"), not the drug asked for.
    // A plan word that reaches a course dated or timed and judged ("300 mg
    // loading dose then 150 mg ..., started 12/15/2025 and continued for 16
    // weeks: inadequate response") tells how that course began.
    let timed = |m: &DrugMention| m.course.duration.is_some() || m.course.last_used.is_some();
    let mut tried: Vec<u32> = mentions
        .iter()
        .filter(|m| (!m.reading.planned || timed(m)) && judged(m.reading.outcome))
        .map(|m| drugs.agent(m))
        .collect();
    tried.sort_unstable();
    tried.dedup();
    let untried = |m: &&DrugMention| advanced(m) && tried.binary_search(&drugs.agent(m)).is_err();
    // A drug started in a note about no skin disease treats something else
    // (prednisone for asthma, methotrexate for arthritis); one also
    // continued or judged in the same mention is no new start. A drug of
    // no class of the spec (an antihistamine, an antibiotic) is a
    // prescription of the visit, not what a payer is asked for.
    let any = |m: &&DrugMention| {
        skin_note
            && m.class != TreatmentClass::Other
            && m.reading.outcome == Outcome::Planned
            && request(m)
    };
    let rev = || mentions.iter().rev();
    rev().find(untried).or_else(|| rev().find(advanced)).or_else(|| rev().find(any))
}

/// Whether the word right before a drug names it as a course that goes on
/// ("requested as add-on to current abrocitinib", "with her ongoing
/// Dupixent"): what a plan is added to, not what it asks for.
fn named_as_current(text: &str, span: &Range<usize>) -> bool {
    words::words_before(text, span.start)
        .next()
        .is_some_and(|w| words::is_one_of(w, &["current", "ongoing", "existing"]))
}

/// Where, per agent, the note last takes back a request of it, read once
/// per note: a mention whose plan word is negated ("derm has prescribed
/// Dupixent ... No prescription or PA for Dupixent from this clinic"), or
/// a decline that is the last word on a mention with another drug asked for
/// after it ("Dupixent request WITHDRAWN at pt's request ... Start
/// Opzelura"; a decline alone leaves a request to reconcile: a conflict);
/// and where a request of it last stands.
struct Denials {
    /// Per agent: where it was last taken back, where it was last asked for.
    by_agent: HashMap<u32, (Option<usize>, Option<usize>)>,
}

impl Denials {
    fn read(vocabulary: &Vocabulary, note: &Note, drugs: &Drugs) -> Denials {
        steps::add(note.mentions().len() + 2 * drugs.mentions.len());
        let mut by_agent: HashMap<u32, (Option<usize>, Option<usize>)> = HashMap::new();
        let requests: Vec<(usize, u32)> = drugs
            .mentions
            .iter()
            .filter(|d| is_request(note, drugs, d))
            .map(|d| (d.span.start, drugs.agent(d)))
            .collect();
        for &(at, agent) in &requests {
            by_agent.entry(agent).or_default().1 = Some(at);
        }
        for m in note.mentions() {
            let Meaning::Drug(id) = m.meaning else { continue };
            let agent = vocabulary.agent_ids[*id];
            if let Err(Reason::Context(Axis::Negated, cause)) = note.judge(m, Question::REQUEST) {
                if negates_a_plan(vocabulary, note, agent, note.cause_span(cause).end, &m.span) {
                    by_agent.entry(agent).or_default().0 = Some(m.span.start);
                }
            }
        }
        // The last request of each agent, to tell whether another drug is
        // asked for after a decline.
        let last_other = |agent: u32, after: usize| {
            by_agent.iter().any(|(a, (_, asked))| *a != agent && asked.is_some_and(|at| at > after))
        };
        let withdrawn: Vec<(u32, usize)> = drugs
            .mentions
            .iter()
            .filter(|d| d.reading.declined && !plan_stands(note, drugs, d))
            .filter(|d| !is_request(note, drugs, d) && last_other(drugs.agent(d), d.span.end))
            .map(|d| (drugs.agent(d), d.span.start))
            .collect();
        for (agent, at) in withdrawn {
            let denied = &mut by_agent.entry(agent).or_default().0;
            *denied = (*denied).max(Some(at));
        }
        Denials { by_agent }
    }

    /// Whether the note's last word on asking for the drug of `mention`,
    /// after it, takes the request back.
    fn deny(&self, drugs: &Drugs, mention: &DrugMention) -> bool {
        self.by_agent.get(&drugs.agent(mention)).is_some_and(|(denied, asked)| {
            denied.is_some_and(|at| at > mention.span.start && Some(at) > *asked)
        })
    }
}

/// Whether a negation that ends at `from` denies a plan of the drug at
/// `drug`: a plan word between them governs it (no other agent named
/// between, "do not restart Dupixent, wait for Ebglyss"), and it is no
/// put-off start ("we will NOT start dupilumab until the biopsy is back":
/// it times the request).
fn negates_a_plan(
    vocabulary: &Vocabulary,
    note: &Note,
    agent: u32,
    from: usize,
    drug: &Range<usize>,
) -> bool {
    let between = from..drug.start;
    let plan = note
        .mentions_in(&between)
        .find(|c| matches!(c.meaning, Meaning::Cue(Cue::Outcome(Outcome::Planned), _)));
    let start = note
        .mentions_in(&between)
        .any(|c| matches!(c.meaning, Meaning::Renewal(RenewalTerm::Start | RenewalTerm::Restart)));
    let put_off = start && timed_after(note, drug);
    let other_between = |plan: &Mention| {
        note.mentions_in(&(plan.span.end..drug.start))
            .any(|m| matches!(m.meaning, Meaning::Drug(id) if vocabulary.agent_ids[*id] != agent))
    };
    plan.is_some_and(|plan| !put_off && !other_between(plan))
}

/// Whether the words after a drug, in its sentence, time its start to a
/// later event ("... dupilumab until the biopsy is back"), which makes a
/// negated start a put-off one; "NOT restart Dupixent during the pregnancy"
/// is refused now.
fn timed_after(note: &Note, drug: &Range<usize>) -> bool {
    let sentence = note.sentence_of(drug.start);
    let text = &note.text()[..sentence.end.max(drug.end)];
    steps::add(TIMED_REACH);
    crate::words::words_after(text, drug.end)
        .take(TIMED_REACH)
        .any(|w| crate::words::is_one_of(w, &["until", "till", "unless", "pending", "once"]))
}

/// How many words after a drug the event its start waits for may be named.
const TIMED_REACH: usize = 24;
/// Whether an outcome says how a course went: failed, not tolerated or
/// ruled out.
fn judged(outcome: Outcome) -> bool {
    matches!(outcome, Outcome::Failed | Outcome::Intolerant | Outcome::Contraindicated)
}

/// Whether a mention is a request now: a plan cue that stands, and a
/// current fact as the mention layer asks it of a request.
pub(super) fn is_request(note: &Note, drugs: &Drugs, mention: &DrugMention) -> bool {
    mention.reading.planned
        && plan_stands(note, drugs, mention)
        && !quoted_after_a_label(note.text(), mention.span.start)
        && note.judge_span(&mention.span, mention.scope, Question::REQUEST).is_ok()
}

/// How far a quotation's opening mark may stand before a word in it.
const QUOTE_REACH: usize = 300;

/// Whether the word at `at` stands in a quotation that a label opens
/// ("Dr. Andros's 03/19 note: "Plan to start Dupixent once ..."", "Patient
/// states: "..."): words quoted from another document or person, no plan
/// of this note.
fn quoted_after_a_label(text: &str, at: usize) -> bool {
    let from = super::floor_char_boundary(text, at.saturating_sub(QUOTE_REACH));
    steps::add(at - from);
    let before = &text[from..at];
    let Some(open) = before.rfind(['"', '\u{201c}']) else { return false };
    // An opening mark: a label's colon right before it, and the quotation
    // still open at the word (no closing mark between).
    let opens = before[..open].trim_end().ends_with(':');
    let to = super::floor_char_boundary(text, (at + QUOTE_REACH).min(text.len()));
    let closes = text[at..to].contains(['"', '\u{201d}']);
    opens && closes
}

/// Whether the last word on a drug is a plan: its last plan cue that is
/// not refused ("decided against starting it", "declined to start") comes
/// after its last stop, hold or decline cue ("declined Dupixent last year but today agrees to start
/// it" plans; "went over Adbry ... He prefers to hold off" does not).
fn plan_stands(note: &Note, drugs: &Drugs, mention: &DrugMention) -> bool {
    let reading = &mention.reading;
    let text = note.text();
    steps::add(reading.plans.len() * (1 + reading.stops.len()));
    let stops: Vec<&Range<usize>> =
        reading.stops.iter().filter(|stop| drugs.own_cue(note, mention, stop)).collect();
    let last_stop = stops.iter().map(|s| s.start).max();
    reading
        .plans
        .iter()
        .filter(|plan| !stops.iter().any(|stop| refuses(text, stop, plan, &mention.span)))
        .filter(|plan| !renews(note, mention, plan))
        .map(|plan| plan.start)
        .max()
        .is_some_and(|plan| last_stop.is_none_or(|stop| plan > stop))
}

/// What a list item headed by a drug says is done with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum HeadedItem {
    /// A plan cue after the head, no stop or decline after it: an order.
    Ordered(Range<usize>),
    /// Use or a renewal word comes first ("1. Dupixent: continue 300 mg
    /// q2w"): the course goes on, no order.
    GoesOn,
    /// A stop, hold or decline comes after every plan cue of the item
    /// ("1. Adbry: explained how to begin it; he would rather wait"): no
    /// order, whatever a plan word in the head's own sentence says.
    Declined(Range<usize>),
    /// Nothing said of a plan or of use.
    Silent,
}

/// What the list item headed by the drug at `mention` (of vocabulary drug
/// `drug`) says is done with it, if it is such an item: the item opens
/// with the drug, its other name in brackets at most, and a mark that ends
/// the head (":", "-", "." or the line's end: "1. Dupilumab (Dupixent):
/// start.", "2. Dupixent - START", "1. Dupilumab (Dupixent). ... we gave
/// the 600 mg loading dose today"). The first cue of a plan or of use
/// after the head decides: a plan orders the drug unless a stop, hold or
/// decline comes after it ("1. Dupixent: discussed starting; she prefers
/// to wait"); use ("1. Dupixent: continue 300 mg q2w") or a renewal word
/// orders nothing. Another agent named in the item ends what is said of
/// the head. In a medication, history or prior-visit list an item is a
/// course taken, not an order.
pub(super) fn headed_item(
    vocabulary: &Vocabulary,
    patterns: &TreatmentPatterns,
    note: &Note,
    mention: &Mention,
    drug: usize,
) -> Option<HeadedItem> {
    let item = note.item(mention.item?);
    // An item's head stands at its start: only a list mark before it.
    let lead = mention.span.start - note.lines().start_of(mention.span.start);
    if !matches!(mention.section, SectionKind::AssessmentPlan | SectionKind::Other)
        || lead > HEAD_LEAD
        || !super::opens_its_item(note, &mention.span)
    {
        return None;
    }
    let text = note.text();
    let end = super::floor_char_boundary(text, item.end.min(mention.span.end + HEAD_REACH));
    let window = &text[mention.span.end..end.max(mention.span.end)];
    steps::add(window.len());
    let head = patterns.item_head.find(window)?;
    let agent = vocabulary.agent_ids[drug];
    let after = note.mentions_from(&(mention.span.end + head.end()..item.end));
    steps::add(after.len().min(MAX_NEAR));
    let (mut plan, mut last_plan, mut last_stop) = (None, None, None::<Range<usize>>);
    let other_drug = |m: &Mention| match m.meaning {
        Meaning::Drug(other) => vocabulary.agent_ids[*other] != agent,
        _ => false,
    };
    for (i, m) in after.iter().enumerate().take(MAX_NEAR) {
        let stated = || note.judge(m, Question::REQUEST).is_ok();
        // A plan word right before another agent is that agent's ("begin
        // crisaborole instead").
        let governs_other = || {
            after[i + 1..]
                .iter()
                .take(MAX_NEAR)
                .find(|n| matches!(n.meaning, Meaning::Drug(_)))
                .is_some_and(|n| {
                    let between = m.span.end..n.span.start;
                    steps::add(between.len().min(OBJECT_REACH));
                    other_drug(n)
                        && between.len() <= OBJECT_REACH
                        && words::terms(&text[between]).count() <= OBJECT_WORDS
                })
        };
        match m.meaning {
            _ if other_drug(m) => break,
            Meaning::Cue(Cue::Outcome(Outcome::Planned), _) if governs_other() => break,
            Meaning::Cue(Cue::Outcome(Outcome::Planned), _) if stated() => {
                plan = plan.or(Some(m.span.clone()));
                last_plan = Some(m.span.start);
            }
            Meaning::Cue(Cue::Outcome(Outcome::Current), _) if plan.is_none() && stated() => {
                return Some(HeadedItem::GoesOn)
            }
            Meaning::Cue(Cue::Stopped | Cue::Declined, _) if stated() => {
                last_stop = Some(m.span.clone())
            }
            Meaning::Renewal(RenewalTerm::Request) | Meaning::Form(FormLabel::Renewal) => {
                return Some(HeadedItem::GoesOn)
            }
            _ => {}
        }
    }
    let stop_start = last_stop.as_ref().map(|s| s.start);
    Some(match (plan, last_stop) {
        (Some(plan), _) if last_plan > stop_start => HeadedItem::Ordered(plan),
        (_, Some(stop)) => HeadedItem::Declined(stop),
        _ => HeadedItem::Silent,
    })
}

/// How far into its line an item's head may start ("      12) ").
const HEAD_LEAD: usize = 16;

/// How many words, in how many bytes, may stand between a plan word and
/// the drug it governs ("start the new cream crisaborole").
const OBJECT_WORDS: usize = 3;
const OBJECT_REACH: usize = 40;

/// How far after a drug heading its item the mark that ends the head is
/// looked for.
const HEAD_REACH: usize = 60;

/// How far from a plan cue or its drug a renewal word makes the plan a
/// continuation ("Renewal PA submitted for Dupixent", "requesting continued
/// authorization of Dupixent").
const RENEWAL_REACH: usize = 24;

/// Whether a plan cue asks to go on with a course rather than start one: a
/// renewal word stands right before the cue, between it and the drug, or
/// right after the drug, in the cue's sentence.
fn renews(note: &Note, mention: &DrugMention, plan: &Range<usize>) -> bool {
    let sentence = note.sentence_of(plan.start);
    let from = plan.start.min(mention.span.start).saturating_sub(RENEWAL_REACH).max(sentence.start);
    let to = (plan.end.max(mention.span.end) + RENEWAL_REACH).min(sentence.end);
    let near = note.mentions_from(&(from..to));
    steps::add(near.len().min(MAX_NEAR));
    near.iter().take(MAX_NEAR).any(|m| matches!(m.meaning, Meaning::Form(FormLabel::Renewal)))
}

/// How many mentions a look around a cue reads at most.
const MAX_NEAR: usize = 32;

/// The drug mentions of a note with their agents, to tell whose a cue is.
pub(super) struct Drugs<'a> {
    mentions: &'a [DrugMention],
    agents: Vec<u32>,
}

impl<'a> Drugs<'a> {
    pub(super) fn new(vocabulary: &Vocabulary, mentions: &'a [DrugMention]) -> Drugs<'a> {
        steps::add(mentions.len());
        let agents = mentions.iter().map(|m| vocabulary.agent_ids[m.drug]).collect();
        Drugs { mentions, agents }
    }

    fn agent(&self, mention: &DrugMention) -> u32 {
        let i = self.mentions.partition_point(|m| m.span.start < mention.span.start);
        self.agents.get(i).copied().unwrap_or(u32::MAX)
    }

    /// Whether a drug of another agent than `agent` is named in `range`.
    fn other_in(&self, agent: u32, range: Range<usize>) -> bool {
        let first = self.mentions.partition_point(|m| m.span.start < range.start);
        let last = self.mentions.partition_point(|m| m.span.start < range.end);
        steps::add(last.saturating_sub(first).min(MAX_BETWEEN));
        (first..last).take(MAX_BETWEEN).any(|i| self.agents[i] != agent)
            || last.saturating_sub(first) > MAX_BETWEEN
    }

    /// Whether a cue that reaches `mention` is about it rather than about
    /// another agent of its sentence: none is named between them, and a cue
    /// before the drug does not follow another agent it can be about
    /// ("upadacitinib will be discontinued when dupilumab begins", "Stop
    /// hydrocortisone once Dupixent is approved"); a cue after it is on its
    /// line or in its sentence, and no label opening a list ("Discontinued:").
    fn own_cue(&self, note: &Note, mention: &DrugMention, cue: &Range<usize>) -> bool {
        let agent = self.agent(mention);
        let text = note.text();
        let sentence = note.sentence_of(mention.span.start);
        if cue.end <= mention.span.start {
            let before = cue.start.saturating_sub(OWN_CUE_REACH).max(sentence.start);
            // "aim to stop once dupilumab effective": the drug opens a
            // clause of when, and the cue's object is elsewhere.
            let timed = words::words_before(text, mention.span.start)
                .next()
                .is_some_and(|word| TIME_CLAUSE.iter().any(|w| word.eq_ignore_ascii_case(w)));
            return !timed
                && !self.other_in(agent, cue.end..mention.span.start)
                && !self.other_in(agent, before..cue.start);
        }
        let label = text[cue.end..].trim_start_matches([' ', '\t']).starts_with(':');
        steps::add(8);
        !label
            && cue.start < sentence.end.max(mention.span.end)
            && !self.other_in(agent, mention.span.end..cue.start)
    }
}

/// How many drug mentions a look between two places reads at most: more
/// than this are another agent's in any real note.
const MAX_BETWEEN: usize = 8;

/// Words that open a clause of when right before a drug ("once dupilumab
/// is effective", "until Dupixent is approved").
const TIME_CLAUSE: [&str; 4] = ["once", "until", "till", "when"];

/// How far before a cue another agent it may be about is looked for.
const OWN_CUE_REACH: usize = 60;

/// Words that may join a refusal to the start it refuses ("declined to
/// start", "hold off on starting").
const REFUSAL_JOINS: [&str; 5] = ["to", "on", "with", "the", "any"];

/// Whether a stop cue refuses the plan cue right after it: nothing but
/// joining words between ("decided against starting", "declined to start"),
/// or the drug itself when the plan word names what is done with it ("not
/// sending the Dupixent PA": the request is the refusal's object).
fn refuses(text: &str, stop: &Range<usize>, plan: &Range<usize>, drug: &Range<usize>) -> bool {
    if stop.end > plan.start {
        return false;
    }
    let joins = |between: &str| {
        steps::add(between.len());
        between.len() <= REFUSAL_GAP
            && between.chars().all(|c| c.is_alphabetic() || c.is_whitespace())
            && between.split_whitespace().all(|w| words::is_one_of(w, &REFUSAL_JOINS))
    };
    let names_the_drug = stop.end <= drug.start && drug.end <= plan.start;
    joins(&text[stop.end..plan.start])
        || (names_the_drug
            && joins(&text[stop.end..drug.start])
            && joins(&text[drug.end..plan.start]))
}

/// How far a refusal stands before the start it refuses.
const REFUSAL_GAP: usize = 12;

/// The evidence of a narrative request: the sentence's first request of
/// the drug ("Start Dupixent"), not a later restatement of its name
/// ("(dupilumab)"), with its cue when close.
fn evidence_of(note: &Note, drugs: &Drugs, last: &DrugMention) -> Option<Span> {
    let sentence = note.sentence_of(last.span.start);
    let first = drugs
        .mentions
        .iter()
        .find(|m| {
            m.drug == last.drug && sentence.contains(&m.span.start) && is_request(note, drugs, m)
        })
        .unwrap_or(last);
    quote(note.text(), &first.span, first.reading.cue.as_ref())
}

/// A caveat when a mention of the requested drug after the request is
/// declined, stopped or held, and says nothing more after it: a request a
/// reviewer must reconcile ("Start Dupixent ... Addendum: patient has
/// decided against Dupixent").
fn declined_later(
    note: &Note,
    drugs: &Drugs,
    requested: &DrugMention,
    name: &str,
) -> Option<Caveat> {
    let agent = drugs.agent(requested);
    steps::add(drugs.mentions.len());
    let later = drugs.mentions.iter().find(|m| {
        drugs.agent(m) == agent
            && m.span.start > requested.span.start
            && m.reading.stops.iter().any(|stop| drugs.own_cue(note, m, stop))
            && !plan_stands(note, drugs, m)
            && note.judge_span(&m.span, m.scope, Question::REQUEST).is_ok()
    })?;
    // A plan of it after the stop ("a ~10-week gap off dupilumab ... Plan:
    // Resume Dupixent") is the last word: the stop was the lapse before it.
    let planned_after = drugs.mentions.iter().any(|m| {
        drugs.agent(m) == agent
            && m.span.start > later.span.start
            && m.reading.planned
            && plan_stands(note, drugs, m)
            && note.judge_span(&m.span, m.scope, Question::REQUEST).is_ok()
    });
    if planned_after {
        return None;
    }
    let stop = later
        .reading
        .stops
        .iter()
        .filter(|s| drugs.own_cue(note, later, s))
        .max_by_key(|s| s.start)?;
    let evidence = quote(note.text(), &later.span, Some(stop))?;
    Some(Caveat {
        kind: PendKind::RequestConflict,
        field: Some("requested_drug".into()),
        message: format!(
            "{name} is requested and also declined, deferred, stopped or held later in this note"
        ),
        evidence: vec![evidence],
    })
}

/// A caveat when a form's request field and the narrative's request name
/// different drugs.
fn mismatch(
    vocabulary: &Vocabulary,
    note: &Note,
    drugs: &Drugs,
    form: &DrugMention,
    narrative: &DrugMention,
) -> Caveat {
    let (form_name, narrative_name) =
        (&vocabulary.drugs[form.drug].agent, &vocabulary.drugs[narrative.drug].agent);
    let text = note.text();
    let evidence =
        [Span::of(text, form.span.start, form.span.end), evidence_of(note, drugs, narrative)];
    Caveat {
        kind: PendKind::RequestMismatch,
        field: Some("requested_drug".into()),
        message: format!(
            "the form's request field names {form_name} but the narrative requests {narrative_name}"
        ),
        evidence: evidence.into_iter().flatten().collect(),
    }
}

/// How far after the requested drug, in its sentence, what it is for is
/// written ("Dupixent 300 mg every 2 weeks for his nasal polyps").
const PURPOSE_REACH: usize = 80;

/// Words that say what a drug is for.
const PURPOSE: [&str; 4] = ["for", "treat", "treating", "indication"];

/// What the requested drug is stated to be for, when that is another of
/// its indications ("Requesting Dupixent for her asthma"): the first
/// disease named after a word of purpose in its sentence decides, so
/// "dupilumab for his atopic dermatitis, which will also treat his asthma"
/// is for atopic dermatitis.
fn other_indication(note: &Note, requested: &DrugMention, span: &Span) -> Option<Indication> {
    let sentence = note.sentence_of(requested.span.start);
    let reach = requested.span.end..(requested.span.end + PURPOSE_REACH).min(sentence.end);
    let text = note.text();
    steps::add(reach.len());
    let stated = |m: &Mention| {
        let between = &text[requested.span.end..m.span.start];
        words::terms(between).any(|(_, w)| words::is_one_of(w, &PURPOSE))
    };
    let first = note.mentions_in(&reach).find(|m| {
        matches!(
            m.meaning,
            Meaning::Indication(_) | Meaning::Diagnosis(DiagnosisTerm::Named { .. })
        ) && stated(m)
            && note.judge(m, Question::AFFIRMED).is_ok()
    })?;
    let Meaning::Indication(name) = first.meaning else { return None };
    let at = &first.span;
    let evidence = Span::of(text, span.start.min(at.start), at.end.max(span.end))
        .filter(|s| s.end - s.start <= 2 * PURPOSE_REACH)
        .or_else(|| Span::of(text, at.start, at.end))?;
    Some(Indication { name: name.clone(), evidence })
}

/// Another indication a request is stated to be for.
#[derive(Clone, Debug, PartialEq)]
pub struct Indication {
    /// As the policies name it ("chronic_rhinosinusitis_with_nasal_polyps").
    pub name: String,
    /// The request and the words that name the indication.
    pub evidence: Span,
}

/// What a form states by its layout, read once per note.
struct Form {
    /// The request type the form chooses: `NewStart` or `Renewal`.
    kind: Option<FormLabel>,
    /// The drug mentions (indexes) a request label, or on a request form a
    /// drug label, gives as its value, in text order, with the label.
    drugs: Vec<usize>,
    labels: Vec<(usize, Range<usize>)>,
    /// Where the current-medication lists run.
    current_lists: Ranges,
    blank_fields: Vec<BlankField>,
    /// The document is a published case report or series: two different
    /// marks of one ("CASE REPORT", "Keywords:").
    published: bool,
    /// The drug a letter to a payer names as its subject, when it has no
    /// drug field: the request when the narrative asks for none.
    subject: Option<usize>,
}

/// Ranges of a note, merged where they overlap and in order, so that
/// whether an offset lies in one is a binary search.
#[derive(Default)]
struct Ranges(Vec<Range<usize>>);

impl Ranges {
    fn new(mut ranges: Vec<Range<usize>>) -> Ranges {
        ranges.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
        for range in ranges {
            match merged.last_mut() {
                Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
                _ => merged.push(range),
            }
        }
        Ranges(merged)
    }

    fn contains(&self, offset: usize) -> bool {
        let i = self.0.partition_point(|r| r.end <= offset);
        self.0.get(i).is_some_and(|r| r.contains(&offset))
    }
}

/// Where a label stands in a form's layout.
enum Layout {
    /// "Label: value": the value's range (the next line's when the label's
    /// own line leaves it empty).
    Field(Range<usize>),
    /// A heading alone on its line: the lines under it.
    Heading(Range<usize>),
}

/// How many lines under a heading its value may be.
const HEADING_LINES: usize = 4;

/// How much may stand before a label on its line: a section mark ("SECTION
/// C - ", "9. ").
const MARK_BEFORE_LABEL: usize = 16;

impl Form {
    fn read(note: &Note, mentions: &[DrugMention]) -> Form {
        let text = note.text();
        steps::add(note.mentions().len());
        let labels: Vec<(&Mention, FormLabel, Option<Layout>)> = note
            .mentions()
            .iter()
            .filter_map(|m| match m.meaning {
                Meaning::Form(label) => Some((m, *label, layout(note, &m.span, *label))),
                _ => None,
            })
            .collect();
        let fields = |kinds: &[FormLabel]| -> Vec<Range<usize>> {
            let field = |(_, label, layout): &(&Mention, FormLabel, Option<Layout>)| match layout {
                Some(Layout::Field(value)) if kinds.contains(label) => Some(value.clone()),
                _ => None,
            };
            labels.iter().filter_map(field).collect()
        };
        // A type label is chosen by a ticked box, or as the written value of
        // a type, request or drug field ("Referral type: NEW START").
        let value_fields = fields(&[FormLabel::TypeField, FormLabel::Request, FormLabel::Drug]);
        let value_fields = Ranges::new(value_fields);
        let chosen = |kind: FormLabel| {
            labels.iter().any(|(m, label, _)| {
                *label == kind
                    && match note.mark_of(&m.span) {
                        Some(mark) => mark == Mark::Ticked,
                        None => value_fields.contains(m.span.start) || ends_a_title(note, &m.span),
                    }
            })
        };
        let kind = if chosen(FormLabel::NewStart) {
            Some(FormLabel::NewStart)
        } else if chosen(FormLabel::Renewal) {
            Some(FormLabel::Renewal)
        } else {
            None
        };
        let typed = !fields(&[FormLabel::TypeField]).is_empty();
        let request_labelled = labels
            .iter()
            .any(|(_, label, layout)| *label == FormLabel::Request && layout.is_some());
        // A letter to a payer, or its reply to the payer's questions, asks
        // for the drug of its drug field ("Medication: Dupixent 300 mg ...").
        let payer_letter = labels.iter().any(|(_, label, _)| *label == FormLabel::PayerLetter);
        let request_form = kind.is_some() || typed || request_labelled || payer_letter;
        let mut form = Form {
            kind,
            drugs: Vec::new(),
            labels: Vec::new(),
            current_lists: Ranges::default(),
            blank_fields: Vec::new(),
            published: published(note, &labels),
            subject: None,
        };
        let mut lists = Vec::new();
        for (m, label, layout) in &labels {
            let Some(layout) = layout else { continue };
            match label {
                // "Current medications:" starts its line or column; a list
                // named otherwise ("DISCHARGE MEDICATIONS") may hold new starts.
                FormLabel::CurrentList if opens_a_column(note, &m.span) => {
                    lists.push(list_block(note, &m.span, layout))
                }
                FormLabel::Request | FormLabel::Drug
                    if *label == FormLabel::Request || request_form =>
                {
                    let under = match layout {
                        Layout::Field(value) | Layout::Heading(value) => value,
                    };
                    match first_drug(note, mentions, under) {
                        // A drug field dated as a course that ended lists a
                        // trial ("Product: Rinvoq   Dates: 09/2024 - 03/2025").
                        Some(i) if *label == FormLabel::Drug && mentions[i].ended_before_now => {}
                        Some(i) => {
                            form.drugs.push(i);
                            form.labels.push((i, m.span.clone()));
                        }
                        None if matches!(layout, Layout::Field(_))
                            && blank(&text[under.clone()]) =>
                        {
                            if let Some(label) = Span::of(text, m.span.start, m.span.end) {
                                form.blank_fields
                                    .push(BlankField { asks: "the requested drug", label });
                            }
                        }
                        None => {}
                    }
                }
                _ => {}
            }
        }
        if form.drugs.is_empty() && payer_letter {
            form.subject = letter_subject(note, mentions, &labels);
        }
        if request_form {
            form.blank_fields.extend(blank_diagnosis(note, &labels));
            form.blank_fields.extend(blank_severity(note));
        }
        // A drug of a current list is not what the form asks for.
        form.current_lists = Ranges::new(lists);
        let lists = &form.current_lists;
        form.drugs.retain(|&i| !lists.contains(mentions[i].span.start));
        form.drugs.sort_by_key(|&i| mentions[i].span.start);
        if !form.drugs.is_empty() {
            form.blank_fields.retain(|f| f.asks != "the requested drug");
        }
        form
    }

    /// The label a form drug was given by, when it stands on the drug's
    /// line ("Drug requested:  DUPIXENT"), so the evidence shows both.
    fn label_of(&self, text: &str, drug: &DrugMention) -> Option<Range<usize>> {
        let (_, label) = self.labels.iter().find(|(_, label)| {
            label.end <= drug.span.start
                && drug.span.start - label.end <= MAX_FIELD_GAP
                && !text[label.end..drug.span.start].contains('\n')
        })?;
        Some(label.clone())
    }

    fn in_current_list(&self, span: &Range<usize>) -> bool {
        self.current_lists.contains(span.start)
    }
}

/// The drug a letter to a payer names as its subject, right after its mark
/// on the mark's line ("RE: Letter of Medical Necessity - DUPIXENT
/// (dupilumab) for atopic dermatitis"), when the letter has no drug field:
/// an advanced drug, parted from the mark by a dash, a colon or "for".
fn letter_subject(
    note: &Note,
    mentions: &[DrugMention],
    labels: &[(&Mention, FormLabel, Option<Layout>)],
) -> Option<usize> {
    let text = note.text();
    let lines = note.lines();
    labels.iter().filter(|(_, label, _)| *label == FormLabel::PayerLetter).find_map(|(m, _, _)| {
        let line_end = lines.range(lines.line_of(m.span.end)).end.max(m.span.end);
        let i = first_drug(note, mentions, &(m.span.end..line_end))?;
        let between = &text[m.span.end..mentions[i].span.start];
        steps::add(between.len());
        let joins = between.split_whitespace().all(|w| {
            w.chars().all(|c| matches!(c, '-' | ':' | '\u{2013}' | '\u{2014}'))
                || w.eq_ignore_ascii_case("for")
        });
        (joins && REQUESTABLE.contains(&mentions[i].class)).then_some(i)
    })
}

/// How many different marks of a published case make a document one: a
/// note may cite "a case series"; a paper names itself, its key words and
/// its consent for publication.
const PUBLICATION_MARKS: usize = 2;

/// Whether the document is a published case report or series: it holds
/// [`PUBLICATION_MARKS`] different marks of one.
fn published(note: &Note, labels: &[(&Mention, FormLabel, Option<Layout>)]) -> bool {
    let text = note.text();
    let mut marks: Vec<String> = Vec::new();
    for (m, label, _) in labels {
        if *label != FormLabel::Publication || marks.len() >= PUBLICATION_MARKS {
            continue;
        }
        steps::add(1);
        let mark = words::terms(&text[m.span.clone()])
            .map(|(_, w)| w.to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(" ");
        if !marks.contains(&mark) {
            marks.push(mark);
        }
    }
    marks.len() >= PUBLICATION_MARKS
}

/// The diagnosis field of a request form, when it is left blank.
fn blank_diagnosis(
    note: &Note,
    labels: &[(&Mention, FormLabel, Option<Layout>)],
) -> Option<BlankField> {
    let text = note.text();
    let blank_field = labels.iter().find_map(|(m, label, layout)| match layout {
        Some(Layout::Field(value))
            if *label == FormLabel::DiagnosisField && blank(&text[value.clone()]) =>
        {
            Some(&m.span)
        }
        _ => None,
    })?;
    // Another diagnosis field that is filled in answers it.
    let filled = labels.iter().any(|(_, label, layout)| {
        *label == FormLabel::DiagnosisField
            && matches!(layout, Some(Layout::Field(value)) if !blank(&text[value.clone()]))
    });
    let label = Span::of(text, blank_field.start, blank_field.end)?;
    (!filled).then_some(BlankField { asks: "the diagnosis", label })
}

/// The severity scores of a request form, when every score field it has
/// ("BSA: ____  IGA: ____  EASI: ____") is left blank.
fn blank_severity(note: &Note) -> Option<BlankField> {
    let text = note.text();
    let scores = note.mentions().iter().filter(|m| {
        matches!(
            m.meaning,
            Meaning::Measure(
                MeasureKind::Bsa | MeasureKind::Iga | MeasureKind::Easi | MeasureKind::ItchNrs
            )
        )
    });
    let mut first = None;
    for score in scores {
        steps::add(1);
        match score_value(note, &score.span) {
            Some(value) if blank(&text[value.clone()]) => {
                first = first.or(Some(score.span.clone()))
            }
            Some(_) => return None,
            None => {}
        }
    }
    let first = first?;
    Some(BlankField { asks: "the severity scores", label: Span::of(text, first.start, first.end)? })
}

/// The value of a score's form field: what follows the first colon after
/// the score's name on its line ("BSA involved (%):  ____"), to the next
/// column; `None` when no colon follows within a few words.
fn score_value(note: &Note, span: &Range<usize>) -> Option<Range<usize>> {
    let text = note.text();
    let line_end = note.lines().range(note.lines().line_of(span.start)).end;
    let reach = (span.end + SCORE_LABEL).min(line_end);
    let mut cut = reach;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    // A name wrapped over a line break ends past its first line's end.
    let after = text.get(span.end..cut)?;
    steps::add(after.len());
    let colon = after.find(':')?;
    let label = &after[..colon];
    if label.contains(|c: char| !(c.is_alphanumeric() || " ()-/%".contains(c))) {
        return None;
    }
    let start = span.end + colon + 1;
    Some(start..column_end(text, start, line_end))
}

/// How far after a score's name its field's colon may be ("IGA (0-4):").
const SCORE_LABEL: usize = 24;

/// How far after its label a field's value starts to be quoted with it.
const MAX_FIELD_GAP: usize = 40;

/// Whether a field's value holds nothing: blanks and underscores.
fn blank(value: &str) -> bool {
    value.chars().all(|c| c.is_whitespace() || c == '_')
}

/// The first of `mentions` (drug mentions in text order) that starts in
/// `range` and that the mention layer takes as the request.
fn first_drug(note: &Note, mentions: &[DrugMention], range: &Range<usize>) -> Option<usize> {
    let first = mentions.partition_point(|m| m.span.start < range.start);
    let m = mentions.get(first).filter(|m| m.span.start < range.end)?;
    note.judge_span(&m.span, m.scope, Question::REQUEST).is_ok().then_some(first)
}

/// Where a label stands: a field ("Drug:  Dupixent", at the start of its
/// line or of a column), a heading alone on its line ("MEDICATION
/// REQUESTED"), or neither (a word in prose).
fn layout(note: &Note, span: &Range<usize>, label: FormLabel) -> Option<Layout> {
    let text = note.text();
    let lines = note.lines();
    let range = lines.range(lines.line_of(span.start));
    // A label that wraps ("Current\nmedications:") ends on a later line.
    let line = lines.line_of(span.end);
    let line_end = lines.range(line).end.max(span.end);
    let before = &text[range.start..span.start];
    let after = &text[span.end..line_end];
    steps::add(before.len().min(MARK_BEFORE_LABEL + 2) + after.len().min(MAX_FIELD_GAP));
    let column = before.trim_end_matches([' ', '\t']);
    // Only a short section mark stands before a heading ("SECTION C - ",
    // "4.", "PART 2"): words that qualify the label ("OTHER SYSTEMIC
    // THERAPY", "PRIOR THERAPY") name another heading.
    let is_mark = column.is_empty()
        || column.ends_with(['-', '.', ')', ':', '–', '—', '#'])
        || column.chars().any(|c| c.is_ascii_digit());
    let marked =
        (column.len() <= MARK_BEFORE_LABEL && !column.chars().any(char::is_lowercase) && is_mark)
            || words::asks_a_question(column);
    // A request label in capitals after a sentence's end starts a field of
    // its own in prose ("... (never dispensed). NEW REQUEST: Dupixent ...").
    let set_off = label == FormLabel::Request
        && column.ends_with(['.', '!', '?'])
        && !text[span.clone()].chars().any(char::is_lowercase);
    let at_start = column.is_empty() || before.len() - column.len() >= 2 || marked || set_off;
    if !at_start {
        return None;
    }
    let mut rest = after.trim_start_matches([' ', '\t', '.']);
    // A request label may have a few more words before its colon
    // ("Medication requested and directions:", "Drug requested (generic):").
    if label == FormLabel::Request && !rest.starts_with(':') {
        let words = rest
            .char_indices()
            .take(MAX_FIELD_GAP)
            .find(|&(_, c)| !(c.is_alphanumeric() || " /()&-".contains(c)));
        if let Some((colon, ':')) = words {
            rest = &rest[colon..];
        }
    }
    if let Some(value) = rest.strip_prefix(':') {
        let start = line_end - value.len();
        let end = column_end(text, start, line_end);
        if !blank(&text[start..end]) || line + 1 >= lines.count() {
            return Some(Layout::Field(start..end));
        }
        // A value left empty on the label's line may be written on the next,
        // unless that line opens a field of its own.
        let next = lines.range(line + 1);
        let own = !blank(&text[next.clone()]) && !opens_a_field(text[next.clone()].trim_start());
        return Some(Layout::Field(if own { next } else { start..end }));
    }
    if let Some(answer) = answer_below(note, line, rest) {
        return Some(Layout::Field(answer));
    }
    if !rest.trim().is_empty() || !marked {
        return None;
    }
    let last = (line + HEADING_LINES).min(lines.count() - 1);
    let mut end = line_end;
    for l in line + 1..=last {
        let next = lines.range(l);
        steps::add(1);
        if blank(&text[next.clone()]) {
            break;
        }
        end = next.end;
    }
    Some(Layout::Heading(line_end..end))
}

/// The value of a question's answer line under a label ("Medication
/// requested (name, strength, dosage form)" over "Response: Dupixent 300
/// mg"), when nothing but a bracketed aside follows the label on its line.
fn answer_below(note: &Note, line: usize, rest: &str) -> Option<Range<usize>> {
    let rest = rest.trim();
    if !(rest.is_empty() || (rest.starts_with('(') && rest.ends_with(')'))) {
        return None;
    }
    let lines = note.lines();
    if line + 1 >= lines.count() {
        return None;
    }
    let text = note.text();
    let next = lines.range(line + 1);
    let content = lines.content_of(line + 1).min(next.end);
    let written = &text[content..next.end];
    steps::add(written.len().min(ANSWER_LABEL_LEN));
    let colon = written.get(..ANSWER_LABEL_LEN.min(written.len()))?.find(':')?;
    let label = written[..colon].trim().to_ascii_lowercase();
    if !["response", "answer", "a"].contains(&label.as_str()) {
        return None;
    }
    let start = content + colon + 1;
    Some(start..column_end(text, start, next.end))
}

/// The longest answer label looked for ("Response:").
const ANSWER_LABEL_LEN: usize = 12;

/// Where a field's value ends: at a gap of three blanks before the next
/// field of the line ("DUPIXENT (dupilumab)      Strength: 300 mg"), or the
/// line's end.
fn column_end(text: &str, start: usize, line_end: usize) -> usize {
    let value = &text[start..line_end];
    let content = value.len() - value.trim_start().len();
    steps::add(value.len());
    value[content..].find("   ").map_or(line_end, |gap| start + content + gap)
}

/// Whether a type label ends a form's title, a line in capitals
/// ("PRESCRIBER CRITERIA CHECKLIST - INITIAL REQUEST").
fn ends_a_title(note: &Note, span: &Range<usize>) -> bool {
    let text = note.text();
    let line = note.lines().range(note.lines().line_of(span.start));
    let written = text[line.clone()].trim();
    steps::add(written.len());
    // A label that wraps ends on a later line than it starts.
    text[span.end..line.end.max(span.end)].trim().is_empty()
        && !written.chars().any(char::is_lowercase)
        && written.split_whitespace().count() >= 3
}

/// Whether a label starts its line or a column of it (after two blanks).
fn opens_a_column(note: &Note, span: &Range<usize>) -> bool {
    let text = note.text();
    let start = note.lines().start_of(span.start);
    let before = &text[start..span.start];
    let column = before.trim_end_matches([' ', '\t']);
    steps::add(before.len() - column.len() + 1);
    column.is_empty() || before.len() - column.len() >= 2
}

/// How many lines a current-medication list may run over.
const LIST_LINES: usize = 12;

/// Where a current-medication list runs: its field value or the lines
/// under its heading, and the lines after it that are indented deeper than
/// its label's line or start with a bullet, up to a blank line or a new
/// labelled line.
fn list_block(note: &Note, label: &Range<usize>, layout: &Layout) -> Range<usize> {
    let text = note.text();
    let lines = note.lines();
    let own = lines.line_of(label.start);
    let indent = |l: usize| {
        let r = lines.range(l);
        text[r.clone()].len() - text[r].trim_start().len()
    };
    let mut end = match layout {
        Layout::Field(value) | Layout::Heading(value) => value.end,
    };
    let label_indent = indent(own);
    let from = lines.line_of(end) + 1;
    for l in from..(from + LIST_LINES).min(lines.count()) {
        steps::add(1);
        let r = lines.range(l);
        let content = text[r.clone()].trim_start();
        let bullet = content.starts_with(['-', '*', '•', '–', '—']);
        if content.is_empty() || (indent(l) <= label_indent && !bullet) || opens_a_field(content) {
            break;
        }
        end = r.end;
    }
    label.start..end
}

/// Whether a line's content opens a new field: a few words and a colon
/// ("Allergies: NKDA", "Vitals:").
fn opens_a_field(content: &str) -> bool {
    let mut cut = content.len().min(32);
    while !content.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &content[..cut];
    head.find(':').is_some_and(|colon| {
        let label = &head[..colon];
        !label.is_empty()
            && label.split_whitespace().count() <= 4
            && !label.contains(|c: char| c.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use crate::{extract_case, Lexicons};
    use necessity_record::{Facts, PendKind};

    fn facts(text: &str) -> Facts {
        extract_case(&Lexicons::builtin(), text)
    }

    /// The requested drug of `text`.
    fn requested(text: &str) -> Option<String> {
        facts(text).requested_drug
    }

    /// The regimen of `text`: loading, maintenance, interval.
    fn regimen(text: &str) -> (Option<f64>, Option<f64>, Option<f64>) {
        let d = facts(text).dosing;
        (d.loading_mg, d.maintenance_mg, d.interval_weeks)
    }

    fn caveats(text: &str) -> Vec<PendKind> {
        facts(text).caveats.into_iter().map(|c| c.kind).collect()
    }

    const SKIN: &str = "Moderate atopic dermatitis of the flexures, BSA 15%.\n";

    #[test]
    fn a_form_states_its_request_by_fields_and_boxes() {
        let form = format!(
            "{SKIN}Request:  [x] New start   [ ] Renewal\n\
             Product:      Ebglyss 250 mg/2 mL pen\n\
             Sig:          500 mg SC at week 0 and week 2, then 250 mg\n\
                           every 2 weeks\n"
        );
        assert_eq!(requested(&form).as_deref(), Some("lebrikizumab"));
        assert_eq!(regimen(&form).1, Some(250.0));
        assert_eq!(regimen(&form).2, Some(2.0));
        let boxes_after = format!(
            "{SKIN}Therapy type:  Initial [X]   Renewal [ ]\nMedication:  Adbry 150 mg/mL syringe\n\
             Directions:  600 mg SC day 1, then 300 mg every other week\n"
        );
        assert_eq!(requested(&boxes_after).as_deref(), Some("tralokinumab"));
        assert_eq!(regimen(&boxes_after), (Some(600.0), Some(300.0), Some(2.0)));
    }

    #[test]
    fn a_heading_over_the_drug_requests_it() {
        let form =
            format!("{SKIN}\nREQUESTED THERAPY\n   Rinvoq (upadacitinib) 15 mg tablet daily\n");
        assert_eq!(requested(&form).as_deref(), Some("upadacitinib"));
        let section =
            format!("{SKIN}\nPART 3 - DRUG REQUESTED\n  Drug / strength:  Cibinqo 100 mg\n");
        assert_eq!(requested(&section).as_deref(), Some("abrocitinib"));
    }

    #[test]
    fn a_ticked_renewal_asks_to_go_on_not_to_start() {
        let renewal = format!(
            "{SKIN}Request type:  [ ] Initial   [X] Renewal\n\
             Drug:  Dupixent 300 mg/2 mL pen\n\
             Regimen:  300 mg every 2 weeks, no loading dose\n"
        );
        assert_eq!(requested(&renewal), None);
        assert_eq!(regimen(&renewal), (None, Some(300.0), Some(2.0)), "the continued regimen");
        let written =
            format!("{SKIN}Referral type:  CONTINUATION\nTherapy:  Dupixent 300 mg q2w\n");
        assert_eq!(requested(&written), None);
        // A plan beside a renewal word goes on with a course.
        let narrative =
            format!("{SKIN}Clear on Rinvoq 15 mg daily. Renewal PA submitted for Rinvoq.");
        assert_eq!(requested(&narrative), None);
        let continued = format!("{SKIN}We request continued authorization of Adbry for a year.");
        assert_eq!(requested(&continued), None);
        let restart =
            format!("{SKIN}Renewal was denied in the spring, so we will restart Adbry 300 mg q2w.");
        assert_eq!(requested(&restart).as_deref(), Some("tralokinumab"));
        // The same form ticking a new start asks for the drug.
        let start = renewal.replace("[ ] Initial   [X] Renewal", "[X] Initial   [ ] Renewal");
        assert_eq!(requested(&start).as_deref(), Some("dupilumab"));
    }

    #[test]
    fn a_continuation_takes_the_continued_drugs_maintenance_regimen() {
        let lexicons = Lexicons::builtin();
        let text = format!(
            "{SKIN}Clear on Dupixent since 2024 (600 mg load, then 300 mg every 2 weeks). \
             Authorization expires; please renew Dupixent 300 mg every 2 weeks."
        );
        let facts = crate::extract_case(&lexicons, &text);
        assert_eq!(facts.continuation_of.as_deref(), Some("dupilumab"));
        assert_eq!(facts.requested_drug, None);
        let d = facts.dosing;
        assert_eq!(
            (d.loading_mg, d.maintenance_mg, d.interval_weeks),
            (None, Some(300.0), Some(2.0))
        );
    }

    #[test]
    fn a_drug_field_of_a_clinic_note_lists_a_drug_taken() {
        // No request form: "Medication:" names what the patient takes.
        let clinic = format!("{SKIN}Medication:  hydroxyzine 25 mg at night\nPlan: emollients.\n");
        assert_eq!(requested(&clinic), None);
        // A current-medication list entry is no request, even restarted.
        let list = format!(
            "{SKIN}Current medications:  cetirizine 10 mg daily;\n    Dupixent 300 mg q2w, restarted by allergy\n\
             Plan: continue.\n"
        );
        assert_eq!(requested(&list), None);
        let discharge = format!(
            "{SKIN}\nDISCHARGE MEDICATIONS\n- Adbry: 600 mg loading dose given on the ward, \
             then 300 mg every 2 weeks\n"
        );
        assert_eq!(requested(&discharge).as_deref(), Some("tralokinumab"), "new starts listed");
        let plan =
            format!("{SKIN}Current medications:  cetirizine 10 mg daily\nPlan: start Dupixent.\n");
        assert_eq!(requested(&plan).as_deref(), Some("dupilumab"));
    }

    #[test]
    fn a_drug_field_dated_as_an_ended_course_is_a_trial_not_the_request() {
        let form = |trial: &str| {
            format!(
                "PRIOR AUTHORIZATION - ADBRY (tralokinumab)\nDate: 10/02/2026\n\
                 Request type: [x] New start  [ ] Renewal\n\
                 Preferred agent tried first?  [x] Yes\n   {trial}\n\
                 Dx: atopic dermatitis. Directions: 600 mg once, then 300 mg every 2 weeks.\n\
                 Plan: start Adbry after approval.\n"
            )
        };
        let trial = form("Drug: Cibinqo 100 mg daily   Used: 01/2025 to 06/2025");
        assert_eq!(requested(&trial).as_deref(), Some("tralokinumab"));
        // A drug field with no ended period is still the form's request.
        let asked = form("Drug: Cibinqo 100 mg daily");
        assert_eq!(requested(&asked).as_deref(), Some("abrocitinib"));
        let future = form("Drug: Cibinqo 100 mg daily   Dates: 11/2026 - 04/2027");
        assert_eq!(requested(&future).as_deref(), Some("abrocitinib"), "a period asked for");
    }

    #[test]
    fn a_first_dose_given_today_is_a_start() {
        let office = format!("{SKIN}Her first Ebglyss injection was given in the office today.");
        assert_eq!(requested(&office).as_deref(), Some("lebrikizumab"));
        let initial =
            format!("{SKIN}Initial tralokinumab dose administered today, tolerated well.");
        assert_eq!(requested(&initial).as_deref(), Some("tralokinumab"));
        let pens = format!(
            "{SKIN}We settled on dupilumab together; two 300 mg pens were given in clinic today."
        );
        let pens = pens.replace("settled on", "agreed on");
        assert_eq!(requested(&pens).as_deref(), Some("dupilumab"));
        assert_eq!(regimen(&pens).0, Some(600.0));
        // A last dose before stopping is no start.
        let last = format!("{SKIN}He had his last Ebglyss injection in May before stopping it.");
        assert_eq!(requested(&last), None);
    }

    #[test]
    fn declined_deferred_or_only_explained_requests_nothing() {
        let deferred = format!(
            "{SKIN}We reviewed Ebglyss, with its 500 mg loading doses and 250 mg every 2 weeks \
             afterwards. She would rather wait on injections for now."
        );
        assert_eq!(requested(&deferred), None);
        assert!(facts(&deferred).treatments.iter().all(|t| t.agent != "lebrikizumab"));
        // Offered in one place and deferred in another: never given.
        let options = format!(
            "{SKIN}Options: 1) Dupixent (dupilumab), an injection every 2 weeks. 2) Opzelura \
             cream.\nShe picked the cream; we will hold off on Dupixent as she asked."
        );
        assert!(facts(&options).treatments.iter().all(|t| t.agent != "dupilumab"));
        let taken = format!(
            "{SKIN}Dupixent was stopped in 2023 because of conjunctivitis. We will hold off on \
             Dupixent."
        );
        assert!(facts(&taken).treatments.iter().any(|t| t.agent == "dupilumab"));
        let refused = format!("{SKIN}Rinvoq was approved, but he has decided against starting it.");
        assert_eq!(requested(&refused), None);
        // A refusal before, then a start: the start stands.
        let later = format!(
            "{SKIN}She refused dupilumab in 2023 but today agrees to start it; 600 mg then \
             300 mg every 2 weeks ordered."
        );
        assert_eq!(requested(&later).as_deref(), Some("dupilumab"));
        assert_eq!(regimen(&later), (Some(600.0), Some(300.0), Some(2.0)));
    }

    /// The agents `text` lists as the patient's treatments.
    fn agents(text: &str) -> Vec<String> {
        facts(text).treatments.into_iter().map(|t| t.agent).collect()
    }

    #[test]
    fn options_and_alternatives_named_are_no_treatment_and_a_choice_among_them_stands() {
        for listed in [
            "Treatment options discussed included methotrexate, Adbry and Rinvoq.",
            "We went through the alternatives, and alternatives considered were methotrexate, \
             Adbry and Rinvoq.",
            "Discussed systemic options (methotrexate, Adbry, Rinvoq) with him at length.",
            "Methotrexate, Adbry and Rinvoq were discussed as alternatives.",
        ] {
            let note = format!("{SKIN}{listed}\nPlan: start Dupixent 600 mg, then 300 mg q2w.\n");
            let found = agents(&note);
            for never in ["methotrexate", "tralokinumab", "upadacitinib"] {
                assert!(!found.iter().any(|a| a == never), "{never} in {listed}");
            }
            assert_eq!(requested(&note).as_deref(), Some("dupilumab"), "{listed}");
        }
        // A choice made after the options is the request.
        let chosen =
            format!("{SKIN}Discussed treatment options and he elected to start Dupixent today.\n");
        assert_eq!(requested(&chosen).as_deref(), Some("dupilumab"));
        let consent = format!(
            "{SKIN}Risks, benefits and alternatives discussed; he agrees to start Dupixent.\n"
        );
        assert_eq!(requested(&consent).as_deref(), Some("dupilumab"));
        // A drug the patient takes stays a treatment beside the options.
        let taking = format!(
            "{SKIN}He takes methotrexate 15 mg weekly for psoriatic arthritis. Options \
             discussed include Adbry.\n"
        );
        assert!(agents(&taking).iter().any(|a| a == "methotrexate"));
    }

    #[test]
    fn a_drug_considered_is_no_treatment_but_one_judged_a_failure_is() {
        for considered in [
            "Cyclosporine was considered but not started because of her blood pressure.",
            "I considered cyclosporine; her kidney function rules it out.",
            "Narrowband UVB was also considered, but the unit is too far away.",
        ] {
            let note = format!("{SKIN}{considered}\n");
            let found = agents(&note);
            assert!(
                !found.iter().any(|a| a == "cyclosporine" || a == "phototherapy"),
                "{considered}"
            );
        }
        let judged = format!("{SKIN}Tacrolimus ointment for 8 weeks was considered a failure.\n");
        assert!(agents(&judged).iter().any(|a| a == "tacrolimus"));
    }

    #[test]
    fn a_forms_examples_of_a_class_are_no_drugs_of_the_patient() {
        let form = format!(
            "{SKIN}Plan: start Dupixent 600 mg, then 300 mg q2w.\n\
             7. Is the drug to be used in combination with another biologic (e.g., Xolair,\n\
             \x20   Adbry) or a JAK inhibitor (e.g., Olumiant)?\n    [ ] Yes   [X] No\n"
        );
        let found = agents(&form);
        for example in ["omalizumab", "tralokinumab", "baricitinib"] {
            assert!(!found.iter().any(|a| a == example), "{example}");
        }
        // A drug the patient is on, stated outside the question, stays.
        let on = format!("{form}Current medications: omalizumab 300 mg every 4 weeks.\n");
        assert!(agents(&on).iter().any(|a| a == "omalizumab"));
    }

    #[test]
    fn an_existing_course_is_no_new_prescription() {
        let applied = format!("{SKIN}He applies clobetasol ointment twice daily as prescribed.");
        assert_eq!(requested(&applied), None);
        let before = format!("{SKIN}Triamcinolone 0.1% cream, previously prescribed, did little.");
        assert_eq!(requested(&before), None);
        let new = format!("{SKIN}Triamcinolone 0.1% cream prescribed today for the trunk.");
        assert_eq!(requested(&new).as_deref(), Some("triamcinolone"));
    }

    #[test]
    fn capitals_and_raw_dictation_still_request() {
        let caps =
            "ATOPIC DERMATITIS, BSA 20%.\nPLAN START DUPIXENT 600 MG SC X1 THEN 300 MG SC Q2WK";
        assert_eq!(requested(caps).as_deref(), Some("dupilumab"));
        assert_eq!(regimen(caps), (Some(600.0), Some(300.0), Some(2.0)));
        // Speech transcribed without full stops: what was not pursued, and a
        // wish and an estimate earlier on, do not reach the plan.
        let dictated = "follow up of atopic dermatitis she would like to try a shot social \
                        history works nights i would estimate the body surface area at 20 \
                        percent she has never used tacrolimus we are not going to pursue \
                        methotrexate plan we will start dupixent 600 mg then 300 mg every 2 \
                        weeks end of dictation";
        assert_eq!(requested(dictated).as_deref(), Some("dupilumab"));
        assert_eq!(regimen(dictated), (Some(600.0), Some(300.0), Some(2.0)));
        // ... but a plan that is itself denied or conditional is none.
        let denied = dictated.replace("plan we will start", "we will not start");
        assert_eq!(requested(&denied), None);
        let conditional = dictated.replace("plan we will start", "if that fails we will start");
        assert_eq!(requested(&conditional), None);
    }

    #[test]
    fn a_plan_item_opening_with_an_advanced_drug_and_its_regimen_orders_it() {
        let plan = format!(
            "{SKIN}PLAN\n1. Dupixent (dupilumab): 600 mg SC on day 1, then 300 mg SC every 2 \
             weeks. Prior authorization submitted today.\n2. Face: new Rx Opzelura 1.5% cream \
             BID.\n"
        );
        assert_eq!(requested(&plan).as_deref(), Some("dupilumab"));
        assert_eq!(regimen(&plan), (Some(600.0), Some(300.0), Some(2.0)));
        // The same line in a medication list is a course taken, not an order.
        let list = plan.replace("PLAN\n", "CURRENT MEDICATIONS\n");
        assert_ne!(requested(&list).as_deref(), Some("dupilumab"));
        // A drug the plan's item does not open is no order of it.
        let mentioned = format!("{SKIN}PLAN\n1. Discussed that Dupixent 300 mg q2w helps.\n");
        assert_eq!(requested(&mentioned), None);
    }

    #[test]
    fn a_candidate_for_a_drug_is_not_its_request() {
        let referral = format!(
            "{SKIN}REFERRAL: Dermatology. She may be a candidate for biologic therapy such as \
             Dupixent - discussed that this is prescribed by dermatology. Not started here.\n"
        );
        assert_eq!(requested(&referral), None);
        let letter = format!(
            "{SKIN}She is an excellent candidate for Dupixent. We request authorization for \
             Dupixent 600 mg, then 300 mg every 2 weeks.\n"
        );
        assert_eq!(requested(&letter).as_deref(), Some("dupilumab"));
    }

    #[test]
    fn a_request_declined_later_is_a_conflict() {
        let text = format!(
            "{SKIN}Plan: start Dupixent 600 mg then 300 mg every 2 weeks.\n\
             Addendum 3/2: patient called, has decided against Dupixent for now."
        );
        assert_eq!(requested(&text).as_deref(), Some("dupilumab"));
        assert_eq!(caveats(&text), [PendKind::RequestConflict]);
        let without = format!("{SKIN}Plan: start Dupixent 600 mg then 300 mg every 2 weeks.");
        assert!(caveats(&without).is_empty());
        // Another drug stopped beside it is no conflict.
        let other = format!(
            "{SKIN}Plan: start Dupixent 600 mg then 300 mg every 2 weeks. Stop cyclosporine \
             once Dupixent is approved."
        );
        assert!(caveats(&other).is_empty());
        // A request held back, its refusal before the drug ("I am not
        // sending the Dupixent PA today").
        for refusal in ["I am not sending the Dupixent PA today.", "We will not submit Dupixent."] {
            let text = format!(
                "{SKIN}Reason for visit: to start Dupixent.\nPlan: {refusal} Patch testing first."
            );
            assert_eq!(caveats(&text), [PendKind::RequestConflict], "{refusal}");
        }
    }

    #[test]
    fn a_form_and_a_narrative_asking_for_different_drugs_disagree() {
        let text = format!(
            "{SKIN}Request type: [x] New start\nDrug requested:  Adbry 150 mg/mL\n\n\
             Comments: we will start Dupixent once approved."
        );
        assert_eq!(requested(&text).as_deref(), Some("tralokinumab"), "the form's field");
        assert_eq!(caveats(&text), [PendKind::RequestMismatch]);
        let same = text.replace("start Dupixent", "start Adbry");
        assert!(caveats(&same).is_empty());
    }

    #[test]
    fn a_request_for_another_indication() {
        let asthma = format!("{SKIN}Plan: start Dupixent for his eosinophilic asthma.");
        assert_eq!(caveats(&asthma), [PendKind::OtherIndication]);
        let polyps = format!("{SKIN}Requesting dupilumab to treat her nasal polyps.");
        assert_eq!(caveats(&polyps), [PendKind::OtherIndication]);
        let also = format!(
            "{SKIN}Plan: start Dupixent for his atopic dermatitis; it may also help his asthma."
        );
        assert!(caveats(&also).is_empty());
        let for_ad = format!("{SKIN}Plan: start Dupixent for the eczema. History of asthma.");
        assert!(caveats(&for_ad).is_empty());
    }

    #[test]
    fn a_request_form_with_its_key_fields_blank_is_partial() {
        let blank = "PRIOR AUTHORIZATION REQUEST\nRequest type: [x] Initial\n\
                     Drug requested:  ______________\nDiagnosis:  __________\n\
                     BSA (%):  ____     IGA:  ____     EASI:  ____\n";
        let found = facts(blank);
        let messages: Vec<&str> = found.caveats.iter().map(|c| c.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "the request form leaves the requested drug blank",
                "the request form leaves the diagnosis blank",
                "the request form leaves the severity scores blank"
            ]
        );
        let filled = "PRIOR AUTHORIZATION REQUEST\nRequest type: [x] Initial\n\
                      Drug requested:  Dupixent\nDiagnosis:  L20.9 atopic dermatitis\n\
                      BSA (%):  22     IGA:  ____     EASI:  ____\n";
        assert!(facts(filled).caveats.is_empty());
    }

    #[test]
    fn a_plan_item_headed_by_its_drug_requests_it() {
        // "Drug: request prior authorization" plans the drug before the cue.
        let item = format!(
            "{SKIN}Plan:\n1. Lebrikizumab (Ebglyss): request prior authorization with the \
             Medicare plan; nursing to give it once approved.\n2. Keep the desonide cream."
        );
        assert_eq!(requested(&item).as_deref(), Some("lebrikizumab"));
        // The cue written before the drug still plans the drug after it.
        let forward =
            format!("{SKIN}Clobetasol failed. Will request prior authorization for Adbry today.");
        assert_eq!(requested(&forward).as_deref(), Some("tralokinumab"));
    }

    #[test]
    fn a_score_at_the_start_of_a_course_starts_nothing() {
        // "at start" dates a score within a course taken before: no plan.
        let letter = format!(
            "{SKIN}I am requesting authorization of Dupixent 300 mg every 2 weeks.\n\
             Prior biologic: Ebglyss, 03/2024 to 11/2024; IGA 4 at start, 3 at the \
             last Ebglyss visit. Stopped for lack of response."
        );
        assert_eq!(requested(&letter).as_deref(), Some("dupilumab"));
        // A start written as a plan still is one.
        let plan = format!("{SKIN}We will start Ebglyss at the next visit.");
        assert_eq!(requested(&plan).as_deref(), Some("lebrikizumab"));
    }

    #[test]
    fn a_plan_item_headed_by_its_drug_orders_it_by_the_words_after_the_head() {
        for item in [
            "1. Lebrikizumab (Ebglyss): begin. 500 mg at weeks 0 and 2, then 250 mg every 2 weeks.",
            "1. Ebglyss - START. Teaching visit booked.",
            "1. Lebrikizumab.\n   We talked through eye dryness; the first dose was given in clinic today.",
        ] {
            let note = format!("{SKIN}Plan:\n{item}\n2. Moisturise twice daily.\n");
            assert_eq!(requested(&note).as_deref(), Some("lebrikizumab"), "{item}");
        }
        for item in [
            // A course that goes on, a renewal, a decline: no order.
            "1. Ebglyss: continue 250 mg every 2 weeks; begin ketoconazole shampoo.",
            "1. Ebglyss: renewal of the authorization submitted.",
            "1. Ebglyss: we reviewed how to begin it; he would rather wait.",
            // The drug names something else than the item's head.
            "1. Ebglyss-related eye dryness: begin lubricating drops.",
            // A plan word of another drug of the item is that drug's.
            "1. Ebglyss: stays on hold; begin crisaborole instead.",
        ] {
            let note = format!("{SKIN}Plan:\n{item}\n2. Moisturise twice daily.\n");
            assert_ne!(requested(&note).as_deref(), Some("lebrikizumab"), "{item}");
        }
        // The same head in a medication list is a course taken.
        let list = format!("{SKIN}Medications:\n1. Ebglyss: begun 2025, 250 mg every 2 weeks.\n");
        assert_eq!(requested(&list), None);
    }

    #[test]
    fn a_plan_item_headed_by_a_topical_with_its_prescription_orders_it() {
        let item = format!(
            "{SKIN}PLAN:\n1. Mometasone 0.1% ointment - apply to the arms nightly x 10 days, \
             then stop.\n   Disp 45 g, no refills.\n2. Emollient after bathing.\n"
        );
        assert_eq!(requested(&item).as_deref(), Some("mometasone"));
        // The same item that only goes on with the cream orders nothing.
        let going_on = format!(
            "{SKIN}PLAN:\n1. Mometasone 0.1% ointment: continue nightly to the arms. Refill \
             sent.\n2. Emollient after bathing.\n"
        );
        assert_eq!(requested(&going_on), None);
        // An antibiotic of the visit is no request of the spec's classes.
        let other =
            format!("{SKIN}PLAN:\n1. Cephalexin 500 mg - four times daily x 7 days. Disp 28.\n");
        assert_eq!(requested(&other), None);
    }

    #[test]
    fn a_published_case_requests_nothing() {
        let paper = format!(
            "CASE REPORT\nKeywords: atopic dermatitis; lebrikizumab\n{SKIN}\
             Lebrikizumab was started at 500 mg at weeks 0 and 2; the first dose was given in \
             clinic today, then 250 mg every 2 weeks.\n"
        );
        assert_eq!(requested(&paper), None);
        // A letter that cites a case series still asks for its drug.
        let letter = format!(
            "{SKIN}Benefit in such patients has been described in a case series.\n\
             Plan: start Ebglyss 500 mg at weeks 0 and 2, then 250 mg every 2 weeks.\n"
        );
        assert_eq!(requested(&letter).as_deref(), Some("lebrikizumab"));
    }

    #[test]
    fn an_appeal_of_a_denial_asks_again_for_the_drug_denied() {
        let appeal = format!(
            "{SKIN}Please accept this letter as an appeal of your denial of Ebglyss for my \
             patient. She meets each criterion of your policy.\n"
        );
        assert_eq!(requested(&appeal).as_deref(), Some("lebrikizumab"));
        // A drug started after a denial is the request.
        let after = format!(
            "{SKIN}After the plan's denial of Ebglyss last month, we will start Adbry 600 mg, \
             then 300 mg every 2 weeks.\n"
        );
        assert_eq!(requested(&after).as_deref(), Some("tralokinumab"));
    }

    #[test]
    fn the_writers_wish_to_start_a_drug_is_a_plan() {
        let wish = format!("{SKIN}I should like to begin Adbry, 600 mg then 300 mg fortnightly.\n");
        assert_eq!(requested(&wish).as_deref(), Some("tralokinumab"));
        let british = format!("{SKIN}Prior authorisation for Adbry is being sought.\n");
        assert_eq!(requested(&british).as_deref(), Some("tralokinumab"));
        let condition = format!("{SKIN}Should the cream fail, we could begin Adbry.\n");
        assert_eq!(requested(&condition), None);
    }

    #[test]
    fn a_drug_that_failed_is_no_request_beside_the_new_one() {
        let note = format!(
            "{SKIN}Adbry gave no meaningful improvement over 6 months.\n\
             Plan: start Dupixent 600 mg, then 300 mg every 2 weeks. Prior authorization \
             submitted with the records of the Adbry failure.\n"
        );
        assert_eq!(requested(&note).as_deref(), Some("dupilumab"));
        // One advanced drug a plan word reaches stays the request, whatever
        // its cues say ("counselled on conjunctivitis").
        let one = format!("{SKIN}Plan: start Dupixent; counselled on conjunctivitis.\n");
        assert_eq!(requested(&one).as_deref(), Some("dupilumab"));
    }

    #[test]
    fn an_offer_declined_or_a_kind_of_prescriber_requests_nothing() {
        let declined = format!("{SKIN}A change to Rinvoq was offered and declined.\n");
        assert_eq!(requested(&declined), None);
        let kind = format!(
            "{SKIN}- Dupixent: told her it is a specialist-prescribed shot; referral placed.\n"
        );
        assert_eq!(requested(&kind), None);
        let described = format!(
            "{SKIN}Two choices:\n1) Adbry - an injection every 2 weeks after a starting dose.\n\
             2) Opzelura cream twice daily.\n"
        );
        assert_ne!(requested(&described).as_deref(), Some("tralokinumab"));
    }

    #[test]
    fn a_pharmacy_notice_or_a_message_to_the_patient_states_the_request() {
        let fax = format!(
            "{SKIN}FROM: Elm Street Pharmacy\nRE: PRIOR AUTH REQUIRED - ADBRY 150 MG/ML SYRINGE\n\
             Rx at our store: HYDROCORTISONE 2.5% CREAM, last fill 01/2026.\n"
        );
        assert_eq!(requested(&fax).as_deref(), Some("tralokinumab"));
        let portal = format!(
            "{SKIN}Hi Sam - Dr. Osei sent your Adbry prescription yesterday and we submitted \
             the paperwork. Keep using the triamcinolone she prescribed in the meantime.\n"
        );
        assert_eq!(requested(&portal).as_deref(), Some("tralokinumab"));
        // Records sent are no prescription.
        let records = format!("{SKIN}We sent your records to the allergist; Adbry failed.\n");
        assert_eq!(requested(&records), None);
    }

    #[test]
    fn a_letter_to_the_payer_asks_for_the_drug_of_its_drug_field() {
        // A reply to a plan's questions: its drug field is the request.
        let reply = "Re: Request for additional information, reference 5512\n\
                     Medication: Adbry (tralokinumab) 600 mg SC once, then 300 mg every other week\n\
                     1) Diagnosis: atopic dermatitis, BSA 20%.\n\
                     2) Failed clobetasol 0.05% ointment for 6 weeks.\n";
        assert_eq!(requested(reply).as_deref(), Some("tralokinumab"));
        assert_eq!(regimen(reply), (Some(600.0), Some(300.0), Some(2.0)));
        // Counter-example: the same field in a clinic note lists a drug taken.
        let clinic = "Follow-up of atopic dermatitis, BSA 20%.\n\
                      Medication: Adbry (tralokinumab) 300 mg every other week\n\
                      Plan: continue.\n";
        assert_eq!(requested(clinic), None);
    }

    #[test]
    fn the_writers_request_put_to_the_payer_asks_for_the_drug() {
        let letter = "Atopic dermatitis, BSA 18%, failed triamcinolone 0.1% ointment.\n\
                      We ask that Ebglyss be approved for this patient.\n";
        assert_eq!(requested(letter).as_deref(), Some("lebrikizumab"));
        // Counter-example: asking the patient to stop a drug requests nothing.
        let stop =
            "Atopic dermatitis, BSA 18%. We ask that he stop using clobetasol on the face.\n";
        assert_eq!(requested(stop), None);
    }

    #[test]
    fn a_plan_item_marked_new_orders_its_drug() {
        let plan = "Atopic dermatitis of the eyelids, eczema flaring.\nPLAN\n\
                    1. NEW: pimecrolimus 1% cream to the eyelids twice daily.\n\
                    2. Continue emollients.\n";
        assert_eq!(requested(plan).as_deref(), Some("pimecrolimus"));
        // Counter-example: a new finding names no drug to order.
        let finding = "Atopic dermatitis.\nNEW: eczema on the eyelids.\n\
                       Continue pimecrolimus 1% cream twice daily.\n";
        assert_eq!(requested(finding), None);
    }

    #[test]
    fn an_order_written_as_not_given_today_is_no_request() {
        // An option explained and then "NOT ordered today" is declined; the
        // drug started instead is the request.
        let note = format!(
            "{SKIN}Plan: Adbry explained, schedule and side effects; he wants to wait. \
             Adbry NOT ordered today.\nStart crisaborole ointment twice daily."
        );
        assert_eq!(requested(&note).as_deref(), Some("crisaborole"));
        // An order written plainly stands.
        let ordered = format!("{SKIN}Plan: Adbry ordered today; teaching visit next week.");
        assert_eq!(requested(&ordered).as_deref(), Some("tralokinumab"));
    }

    #[test]
    fn a_plan_word_negated_just_before_it_plans_nothing() {
        let deferred = format!(
            "{SKIN}Dupixent was discussed in detail and deferred - not being requested at \
             this time.\n1. START Adbry 600 mg SC, then 300 mg every 2 weeks.\n"
        );
        assert_eq!(requested(&deferred).as_deref(), Some("tralokinumab"));
        for negated in ["Dupixent was not prescribed.", "Dupixent wasn't ordered today."] {
            assert_eq!(requested(&format!("{SKIN}{negated}\n")), None, "{negated}");
        }
        // Counter-example: a negation in an earlier clause negates another
        // word ("No improvement with TCS, so Dupixent was prescribed").
        let earlier = format!("{SKIN}No improvement with TCS, so Dupixent was prescribed.\n");
        assert_eq!(requested(&earlier).as_deref(), Some("dupilumab"));
        // "No" right before a plan word, over a wrapped line, denies it; "no
        // loading dose" plans a regimen without one.
        let none_sent = format!(
            "{SKIN}She is interested in Dupixent; we will revisit it next visit. No\n    \
             prior authorization submitted today.\n"
        );
        assert_eq!(requested(&none_sent), None);
        let no_load = format!("{SKIN}1. Dupixent 200 mg SC every 4 weeks, no loading dose.\n");
        assert_eq!(requested(&no_load).as_deref(), Some("dupilumab"));
    }

    #[test]
    fn a_plan_item_cut_inside_a_wide_character_reads_whole_characters() {
        // The head's window ends at a fixed reach: wherever that falls in a
        // run of two-byte characters, the item is read, not split.
        for pad in 0..4 {
            let item = format!(
                "PLAN\n1. Dupixent {}{} start 600 mg then 300 mg q2w\n",
                "x".repeat(pad),
                "é".repeat(60)
            );
            let _ = requested(&format!("{SKIN}{item}"));
        }
    }
}
