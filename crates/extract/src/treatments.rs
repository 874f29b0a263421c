//! Treatments: one entry per distinct agent, with class, potency and the
//! outcome its cues give ([`outcome`]); and the requested drug with its
//! regimen. Read from the note's mentions; whether a drug mention is the
//! patient's treatment, or the request, is asked of the mention layer.

mod course;
pub(crate) mod outcome;
mod request;

use crate::dates::Date;
use crate::dosing::DosingPatterns;
use crate::findings::names_skin_disease;
use crate::lexicon::{Drug, Meaning, Route, Vocabulary};
use crate::mentions::{Mention, Note, Question};
use crate::renewal::{self, Continuation, Course, CourseMention, RenewalPatterns};
use crate::values::current::Dating;
use crate::words;
use course::{course_time, CoursePatterns, CourseTime};
use necessity_context::{steps, Axis, Scope, SectionKind};
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
pub(crate) const REQUESTABLE: [TreatmentClass; 2] =
    [TreatmentClass::Biologic, TreatmentClass::OralJakInhibitor];

/// The compiled window patterns of treatments.
#[derive(Clone, Debug)]
pub struct TreatmentPatterns {
    strength: Regex,
    vehicle: Regex,
    dose: Regex,
    regimen: Regex,
    /// The end of a list item's head after its drug name ("1. Dupilumab
    /// (Dupixent): start").
    item_head: Regex,
    course: CoursePatterns,
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
                  (?: (?P<percent>\d*[.,]?\d+)          # the strength, a decimal comma too
                      \s*(?:%|percent\b|pct\b)          # in percent: 0.05 %, 0,05 %
                    | (?P<per_gram>\d*\.?\d+)          # or in milligrams per gram
                      \s*mg\s*/\s*g\b )                 # (0.1 mg/g is 0.01 %)")?,
            vehicle: ci(r"\b(ointment|oint|cream|lotion|solution|foam|gel)\b   # the vehicle")?,
            dose: ci(r"^ [\s:,(]*                        # a separator, if any
                  \d*\.?\d+                              # the amount
                  \s*(?:mg|mcg|g|units?|meq|ml)\b       # its unit")?,
            regimen: ci(r"^ (?:[^.;,]|[.,]\d)*?            # strength, route, form: no clause end
                  (?: \d(?:[\d,]*\d)?(?:\.\d+)?\s*(?:mg|mcg|g|units?|meq|ml|iu)\b  # a dose
                  | \b(?: daily | nightly | weekly | bid | tid | qid | qd | qhs | qam | qpm | gtts?
                  | q\d+(?:-\d+)?h | prn | as\x20needed | at\x20bedtime
                  | (?:once|twice|three\x20times)\x20(?:a\x20)?(?:day|daily|week)
                  | every\x20(?:morning|evening|night|day|other\x20day|\d+(?:-\d+)?\x20hours?)
                  | at\x20night | in\x20the\x20(?:morning|evening)
                  | auto-?injectors?                      # or a device carried for use
                  )\b )                                   # or how often: a regimen in use")?,
            item_head: ci(r"^ [\x20\t]*
                  (?: \( [^()\n]{1,40} \) [\x20\t]* )?   # the other name: (Dupixent)
                  (?: (?: \d*\.?\d+\s*% | acetonide | propionate | dipropionate | valerate
                    | furoate | butyrate | topical | cream | ointment | oint | lotion
                    | solution | foam | gel ) [\x20\t]* )*  # a strength and vehicle: 0.1% cream
                  (?: [:.–—] | -\s | \r?\n | $ )    # a colon, a stop, a dash apart or the line's end")?,
            course: CoursePatterns::new()?,
            dosing: DosingPatterns::new()?,
        })
    }
}

/// One drug mention the note asserts about the patient, with what its cues say.
struct DrugMention {
    drug: usize,
    class: TreatmentClass,
    /// A route word near the name gave the class ("cream", "IM").
    routed: bool,
    span: Range<usize>,
    /// The mention's context, as the mention layer found it.
    scope: Scope,
    /// What the cues around the mention say of it.
    reading: CueReading,
    potency: Option<(u8, Potency)>,
    /// How long the course lasted and when it was last used, with the
    /// words that say so ("x 8 weeks", "stopped 11/02/2025").
    course: CourseTime,
    /// The course goes on at the note's date: in use now, also when it
    /// failed ("continues triamcinolone, still flaring"), or dated as an
    /// open period ("09/2024 - present").
    in_use_now: bool,
    /// Offered and declined or deferred: never given, so no treatment
    /// (the request reader still reads it, for a request declined later).
    offered_only: bool,
    /// The course is written as ended before now ("Dates: 09/2024 -
    /// 03/2025", "stopped 11/2025"): a trial, not a drug asked for.
    ended_before_now: bool,
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
    /// Where the cue that gave the outcome is, near or far: a failure,
    /// intolerance or contraindication is shown by its own words.
    said_by: Option<Range<usize>>,
    /// The outcome comes from a cue written for a list of agents ("despite
    /// topical agents, phototherapy and cyclosporine"), not for this one.
    listed: bool,
    /// A continue cue names the agent directly ("added to upadacitinib:
    /// 600 mg ..."): the regimen after it is the request's.
    course: bool,
    /// An inquiry cue reaches the mention ("asked about dupilumab").
    asked: bool,
    /// An allergy cue reaches the mention ("allergic to penicillin").
    allergy: bool,
    /// Where the first cue of current use that reaches the mention is,
    /// whatever stronger outcome another cue gives it ("continue Dupixent"
    /// of a course that failed): the renewal rules ask whether it is in use.
    in_use: Option<Range<usize>>,
    /// A decline, deferral or refusal cue reaches the mention ("decided
    /// against", "prefers to hold off").
    declined: bool,
    /// Where a cue says the drug never reached the patient ("was never
    /// picked up"): it outranks every failure or use said of the agent.
    never_used: Option<Range<usize>>,
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

use request::HeadedItem;
pub use request::{BlankField, Indication};

/// What the treatments part of extraction found.
pub struct TreatmentFacts {
    pub treatments: Vec<Treatment>,
    /// The indices of the treatments whose course goes on at the note's
    /// date, for [`date_courses_in_use`].
    pub in_use_now: Vec<usize>,
    pub requested: Option<(String, Span)>,
    pub dosing: Option<(Dosing, Span)>,
    /// Every agent's course as its mentions read, for the renewal rules.
    pub courses: Vec<Course>,
    /// The course the document asks a payer to go on paying for, if any.
    pub continuation: Option<Continuation>,
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
    renewal_patterns: &RenewalPatterns,
    note: &Note,
    dating: &Dating,
) -> TreatmentFacts {
    let text = note.text();
    steps::add(note.mentions().len());
    let skin_note = note
        .mentions()
        .iter()
        .any(|m| matches!(m.meaning, Meaning::Diagnosis(t) if names_skin_disease(t)));
    let shape = NoteShape { skin_note, outcomes: Outcomes::new(vocabulary, note), dating };
    let drug_mentions: Vec<DrugMention> = note
        .mentions()
        .iter()
        .filter_map(|m| match m.meaning {
            Meaning::Drug(id) => drug_mention(vocabulary, patterns, note, *id, m, &shape),
            _ => None,
        })
        .collect();
    let drug_mentions = with_routes_settled(vocabulary, drug_mentions);
    let drug_mentions = ended_before_now(begun_before_now(drug_mentions, dating), dating);
    let courses = courses(vocabulary, note, &drug_mentions);
    let asked = renewal::Reader::new(renewal_patterns, note, &courses, dating)
        .renewal_asked()
        .filter(|_| !declined_on_the_form(note));
    let (continuation, restarted) = match asked {
        Some(Ok(continuation)) => (Some(continuation), None),
        Some(Err(restarted)) => (None, Some(restarted)),
        None => (None, None),
    };
    let continued = continuation.as_ref().map(|c| c.agent.as_str());
    let renewal = request::Renewal { continued, restarted: restarted.as_deref() };
    let request =
        request::read_request(vocabulary, patterns, note, &drug_mentions, skin_note, renewal);
    let requested = request.requested;
    let (treatments, in_use_now) =
        merge_by_agent(vocabulary, text, &drug_mentions, requested.as_ref());
    TreatmentFacts {
        treatments,
        in_use_now,
        requested,
        dosing: request.dosing,
        courses,
        continuation,
        caveats: request.caveats,
        indication: request.indication,
        blank_fields: request.blank_fields,
    }
}

/// A course a start cue names, dated before now ("who started Dupixent on
/// 01/13/2025", a year before the note), was begun then and goes on: in
/// use, not planned, and no request.
fn begun_before_now(mut mentions: Vec<DrugMention>, dating: &Dating) -> Vec<DrugMention> {
    steps::add(mentions.len());
    for mention in mentions.iter_mut().filter(|m| m.reading.outcome == Outcome::Planned) {
        let Some(cue) = mention.reading.said_by.clone() else { continue };
        let words = cue.start.min(mention.span.start)..cue.end.max(mention.span.end);
        if dating.before_now(&words) {
            let reading = &mut mention.reading;
            reading.outcome = Outcome::Current;
            reading.planned = false;
            reading.plans.clear();
            reading.in_use = Some(cue);
        }
    }
    mentions
}

/// Marks the courses written as ended before now: a stated end (a
/// period's end, a date after a stop word) that the note dates before its
/// own date, and no open period.
fn ended_before_now(mut mentions: Vec<DrugMention>, dating: &Dating) -> Vec<DrugMention> {
    steps::add(mentions.len());
    for mention in &mut mentions {
        let end = mention.course.last_used.as_ref().filter(|last| last.stated_end);
        mention.ended_before_now =
            !mention.course.ongoing && end.is_some_and(|last| dating.before_now(&last.words));
    }
    mentions
}

/// Every agent's course: its accepted mentions in text order, each with
/// what its cues say and whether it is a request now.
fn courses(vocabulary: &Vocabulary, note: &Note, drug_mentions: &[DrugMention]) -> Vec<Course> {
    let mut courses: Vec<Course> = Vec::new();
    let mut by_agent: std::collections::HashMap<u32, usize> = Default::default();
    let drugs = request::Drugs::new(vocabulary, drug_mentions);
    steps::add(drug_mentions.len());
    for mention in drug_mentions {
        let drug = &vocabulary.drugs[mention.drug];
        let agent_id = vocabulary.agent_ids[mention.drug];
        let index = *by_agent.entry(agent_id).or_insert_with(|| {
            courses.push(Course {
                agent: drug.agent.clone(),
                agent_id,
                class: mention.class,
                for_dermatitis: drug.for_dermatitis,
                mentions: Vec::new(),
            });
            courses.len() - 1
        });
        courses[index].mentions.push(CourseMention {
            span: mention.span.clone(),
            stopped: mention.reading.stopped,
            requested: request::is_request(note, &drugs, mention),
            time_frame: outcome::names_a_time_frame(note.text(), mention.span.start),
            in_use: mention.reading.in_use.clone(),
        });
    }
    courses
}

/// What is known of the whole note before its drug mentions are read, found
/// once rather than for every mention.
struct NoteShape<'n, 't, 'v> {
    /// Whether the note names a skin disease at all.
    skin_note: bool,
    outcomes: Outcomes<'n, 't, 'v>,
    /// Which words are dated before now.
    dating: &'n Dating<'n, 't, 'v>,
}

/// A drug mention that counts as a treatment of the patient, of any class
/// (a steroid inhaled or injected into a joint is `other`; one for asthma
/// is still a systemic steroid), or `None` for a negated, hypothetical or
/// family mention.
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
    let (class, routed) = route_class(note, drug, &mention.span, skin_note);
    let advanced = REQUESTABLE.contains(&class);
    let mut reading = shape.outcomes.read(&mention.span, vocabulary.agent_ids[id], advanced);
    // A drug the patient only asks about is a question, not a treatment.
    if reading.asked
        && reading.outcome == Outcome::Mentioned
        && !reading.planned
        && !reading.stopped
    {
        return None;
    }
    // A drug allergy is no treatment, unless the allergy list tells how the
    // drug went when it was used ("tacrolimus (burning)").
    // In an allergies section a drug outside the spec's classes is a course
    // only when the list says it was not tolerated ("aspirin because of
    // intolerance"); a reaction it caused ("penicillin, which caused
    // hives") is an allergy still.
    let allergy = reading.allergy || mention.section == SectionKind::Allergies;
    let said = reading.said_by.as_ref().map_or("", |cue| &note.text()[cue.clone()]);
    let reaction_only = drug.class == TreatmentClass::Other
        && mention.section == SectionKind::Allergies
        && !said.to_ascii_lowercase().contains("toleran");
    let told =
        matches!(reading.outcome, Outcome::Intolerant | Outcome::Contraindicated) && !reaction_only;
    if allergy && !told {
        return None;
    }
    let unread = reading.outcome == Outcome::Mentioned && !reading.stopped && !reading.planned;
    // A plan item headed by an advanced drug says after its head what is
    // done with it ("1. Dupilumab (Dupixent): start.", "2. Dupixent - START.
    // Loading dose given today"; "1. Dupixent: continue 300 mg q2w").
    // An item headed by a topical in a note about skin disease orders it
    // the same way ("1. Triamcinolone 0.1% cream - apply BID ... Disp 30 g").
    let orderable = REQUESTABLE.contains(&class) || (skin_note && class != TreatmentClass::Other);
    let item = (orderable && !reading.stopped)
        .then(|| request::headed_item(vocabulary, patterns, note, mention, id))
        .flatten();
    if let (Some(HeadedItem::Declined(stop)), true) = (&item, reading.planned) {
        // The item's decline reaches its head, past the sentence.
        reading.planned = false;
        reading.plans.clear();
        reading.declined = true;
        reading.stops.push(stop.clone());
        if reading.outcome == Outcome::Planned {
            reading.outcome = Outcome::Mentioned;
        }
    }
    if let (Some(HeadedItem::Ordered(cue)), true) = (&item, unread) {
        reading.outcome = Outcome::Planned;
        reading.planned = true;
        reading.plans.push(cue.clone());
        let close = cue.start.saturating_sub(mention.span.end) <= QUOTE_GAP;
        reading.cue = close.then(|| cue.clone());
        reading.said_by = Some(cue.clone());
    } else if unread {
        if let Some(regimen) = in_use(patterns, note, mention, shape) {
            // An item of the plan that opens with an advanced drug and its
            // regimen ("PLAN\n1. Dupixent (dupilumab): 600 mg SC on day 1,
            // then 300 mg every 2 weeks") orders it now: the request, unless
            // the item says the course goes on.
            let ordered = REQUESTABLE.contains(&class)
                && mention.section == SectionKind::AssessmentPlan
                && opens_its_item(note, &mention.span)
                && item != Some(HeadedItem::GoesOn);
            match (ordered, regimen.clone()) {
                (true, Some(words)) => {
                    reading.outcome = Outcome::Planned;
                    reading.planned = true;
                    reading.plans.push(words);
                }
                _ => reading.outcome = Outcome::Current,
            }
            reading.cue = regimen.clone();
            reading.said_by = regimen;
        }
    }
    let potency = (class == TreatmentClass::TopicalCorticosteroid)
        .then(|| potency_of(vocabulary, patterns, note.text(), drug, &mention.span))
        .flatten();
    if drug.needs_strength && !has_strength(patterns, note.text(), drug, &mention.span, potency) {
        return None;
    }
    let span = mention.span.clone();
    let judged =
        matches!(reading.outcome, Outcome::Failed | Outcome::Intolerant | Outcome::Contraindicated);
    let course =
        course_time(&patterns.course, note, &span, reading.planned, judged, &shape.outcomes);
    let offered_only = offered_only(&reading);
    let in_use_now = !course.no_longer
        && (course.ongoing
            || reading.outcome == Outcome::Current
            || (reading.in_use.is_some() && !reading.stopped));
    Some(DrugMention {
        drug: id,
        class,
        routed,
        span,
        scope: mention.scope,
        reading,
        potency,
        course,
        in_use_now,
        offered_only,
        ended_before_now: false,
    })
}

/// Whether a form's ticked option declines or withdraws the request
/// ("[X] Request withdrawn by prescriber during P2P"): the document asks
/// to go on with no course.
fn declined_on_the_form(note: &Note) -> bool {
    steps::add(note.mentions().len());
    note.mentions().iter().any(|m| {
        matches!(m.meaning, Meaning::Cue(crate::lexicon::Cue::Declined, _))
            && note.mark_of(&m.span) == Some(crate::boxes::Mark::Ticked)
    })
}

/// Whether a drug with no outcome of its cues is written as in use now: in
/// a medications list, or with its regimen after it ("cetirizine 10 mg
/// daily", "albuterol HFA as needed"), and not put in the past by a phrase
/// (a past-history heading alone does not: "Hypothyroidism: levothyroxine
/// 75 mcg daily" under it is a drug taken now) or a date on its line.
/// `Some` with the regimen to quote, if any.
fn in_use(
    patterns: &TreatmentPatterns,
    note: &Note,
    mention: &Mention,
    shape: &NoteShape,
) -> Option<Option<Range<usize>>> {
    let outcomes = &shape.outcomes;
    note.judge(mention, Question::IN_USE).ok()?;
    let text = note.text();
    let lines = note.lines();
    let line_end = lines.range(lines.line_of(mention.span.end)).end;
    let sentence_end = note.sentence_of(mention.span.start).end;
    let next_drug = outcomes.next_drug_from(mention.span.end).unwrap_or(text.len());
    let end = (mention.span.end + REGIMEN_AFTER).min(sentence_end).min(next_drug);
    let end = floor_char_boundary(text, end).max(mention.span.end);
    steps::add(end - mention.span.end);
    let after = &text[mention.span.end..end];
    let regimen =
        patterns.regimen.find(after).map(|m| mention.span.end..mention.span.end + m.end());
    let listed = mention.section == SectionKind::Medications;
    if regimen.is_none() && !listed {
        return None;
    }
    // "hydrocortisone 2.5% BID 2019-2020": a course dated to the past in
    // its own clause ("albuterol as needed, last used months ago" is not).
    let reach = floor_char_boundary(text, (mention.span.end + DATE_AFTER).min(line_end))
        .max(mention.span.end);
    steps::add(reach - mention.span.end);
    let clause = &text[mention.span.end..reach];
    let clause = &clause[..clause.find([',', ';']).unwrap_or(clause.len())];
    let head = before_a_start(clause);
    if outcome::names_a_date(head) {
        return None;
    }
    // "Ebglyss 500 mg loading doses 10/13/2025": doses dated to a day
    // months before the note were given then, not taken now (a table's
    // start column, "50 mg PO daily | 2019-04-11 |", dates a course begun).
    let at = |range: Range<usize>| mention.span.end + range.start..mention.span.end + range.end;
    let given = words::terms(head).find(|(_, t)| words::is_one_of(t, &DOSES_GIVEN));
    let past_day = given.is_some_and(|(from, _)| {
        patterns.course.dates_in(&head[from..]).any(|found| {
            let span = from + found.span.start..from + found.span.end;
            found.date.is_day() && shape.dating.before_now(&at(span))
        })
    });
    if past_day {
        return None;
    }
    Some(regimen)
}

/// The words of a clause before its first word of a start or a fill
/// ("START 03/2015", "last fill 04/2026"): a date after one dates when a
/// course began or was dispensed, not that it ended. ("since" stays: "was
/// briefly on aspirin since the event three weeks ago" is over.)
fn before_a_start(clause: &str) -> &str {
    let start = words::terms(clause).find(|(_, t)| words::is_one_of(t, &COURSE_BEGINS));
    &clause[..start.map_or(clause.len(), |(at, _)| at)]
}

/// Words after which a date is when doses were given.
const DOSES_GIVEN: [&str; 8] =
    ["dose", "doses", "given", "administered", "injection", "injections", "shot", "shots"];

/// Words after which a date is when a course began or was filled.
const COURSE_BEGINS: [&str; 8] =
    ["start", "started", "starting", "began", "fill", "filled", "refill", "refilled"];

/// Whether a drug name opens its line or list item ("1. Dupixent ...",
/// "- Dupixent ...", or its other name in brackets: "1. Dupixent
/// (dupilumab): ..."): only a list marker, blanks and that name before it.
fn opens_its_item(note: &Note, span: &Range<usize>) -> bool {
    let text = note.text();
    let before = &text[note.lines().start_of(span.start)..span.start];
    steps::add(before.len());
    let lead = before.trim_start_matches(|c: char| c.is_ascii_digit() || " \t.)-*•".contains(c));
    let named_first = lead.strip_suffix('(').map(str::trim_end).is_some_and(|name| {
        !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '-')
    });
    lead.is_empty() || named_first
}

/// How far after a drug name its regimen is read ("metoprolol succinate 50
/// mg PO daily").
const REGIMEN_AFTER: usize = 48;
/// How far after a drug name a date on its line puts it in the past.
const DATE_AFTER: usize = 80;

/// The largest character boundary of `text` at or before `at`.
pub(crate) fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
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
pub(crate) const TOPICAL_CLASSES: [TreatmentClass; 5] = [
    TreatmentClass::TopicalCorticosteroid,
    TreatmentClass::TopicalCalcineurinInhibitor,
    TreatmentClass::TopicalPde4Inhibitor,
    TreatmentClass::TopicalJakInhibitor,
    TreatmentClass::TopicalAhrAgonist,
];

/// The class a mention has given its route, and whether a route word (or
/// the note's subject, skin disease) said it: a corticosteroid or calcineurin inhibitor given by mouth or
/// injection is systemic; one injected locally or inhaled is none of the
/// spec's classes (`other`); the route word nearest the name decides ("IM",
/// "cream", "injected into"). With no route word near it, a steroid is
/// topical in a note about skin disease, and otherwise takes its lexicon
/// default (hydrocortisone systemic, Kenalog injected).
fn route_class(
    note: &Note,
    drug: &Drug,
    span: &Range<usize>,
    skin_note: bool,
) -> (TreatmentClass, bool) {
    let routed = matches!(
        drug.class,
        TreatmentClass::TopicalCorticosteroid
            | TreatmentClass::SystemicCorticosteroid
            | TreatmentClass::TopicalCalcineurinInhibitor
    );
    if !routed {
        return (drug.class, true);
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
    // A route in a time clause after the drug is another event's ("May
    // continue mometasone to body PRN until injections start").
    let in_time_clause = |m: &Range<usize>| {
        m.start >= span.end
            && words::terms(&note.text()[span.end..m.start])
                .any(|(_, w)| words::is_one_of(w, &["until", "till", "once", "before", "when"]))
    };
    let nearest = note
        .mentions_in(&near)
        .filter_map(|m| match m.meaning {
            Meaning::Route(route) if !in_time_clause(&m.span) => Some((distance(&m.span), *route)),
            _ => None,
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, route)| route);
    let route = match nearest {
        Some(route) => route,
        None if skin_note => Route::Topical,
        None => drug.default_route.unwrap_or(Route::Topical),
    };
    let class = match route {
        Route::Local | Route::Inhaled => TreatmentClass::Other,
        Route::Topical => drug.class,
        Route::Systemic => match drug.class {
            TreatmentClass::TopicalCorticosteroid => TreatmentClass::SystemicCorticosteroid,
            TreatmentClass::TopicalCalcineurinInhibitor => {
                TreatmentClass::SystemicImmunosuppressant
            }
            other => other,
        },
    };
    // In a note about skin disease a bare steroid is topical by the note's
    // own subject; elsewhere only a route word decides.
    (class, nearest.is_some() || skin_note)
}

/// The mentions whose class only the lexicon's default gave them ("the
/// triamcinolone course", in a letter that names no skin disease) take the
/// class the note gives the drug where a route word says it
/// ("triamcinolone acetonide 0.1% cream"), when it gives one only: the
/// same course, not a second one of another class.
fn with_routes_settled(
    vocabulary: &Vocabulary,
    mut mentions: Vec<DrugMention>,
) -> Vec<DrugMention> {
    steps::add(2 * mentions.len());
    // Per agent, the class route words give it, or `None` when they give two.
    let mut routed: std::collections::HashMap<u32, Option<TreatmentClass>> = Default::default();
    for m in mentions.iter().filter(|m| m.routed) {
        let class = routed.entry(vocabulary.agent_ids[m.drug]).or_insert(Some(m.class));
        if *class != Some(m.class) {
            *class = None;
        }
    }
    for m in mentions.iter_mut().filter(|m| !m.routed) {
        if let Some(Some(class)) = routed.get(&vocabulary.agent_ids[m.drug]) {
            m.class = *class;
        }
    }
    mentions
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
/// merged, on twice the scale of `rank`: an intolerance comes first; a
/// failure read from a summary list of agents ("despite topical agents,
/// phototherapy and cyclosporine") yields to a contraindication stated for
/// the agent itself ("cyclosporine | stopped: hypertension"), but still
/// outranks current use.
fn merge_rank(mention: &DrugMention) -> u8 {
    let doubled = 2 * rank(mention.reading.outcome);
    // A course stopped for an adverse effect ("D/C'D 5 DAYS - BURNING") is
    // what the note says happened to it; a summary elsewhere ("failed TCI
    // (pimecrolimus)", a referral's "failed methotrexate") does not undo it.
    if mention.reading.outcome == Outcome::Intolerant {
        0
    } else if mention.reading.listed && mention.reading.outcome == Outcome::Failed {
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
    let strength = written_percent(patterns, window);
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

/// The strength written right after a topical steroid's name, in percent
/// as the potency table writes it ("0.05"): a decimal comma is a point
/// ("0,05 %"), and milligrams per gram are tenths of a percent ("0.1 mg/g"
/// is "0.01", "25 mg/g" is "2.5").
fn written_percent(patterns: &TreatmentPatterns, window: &str) -> Option<String> {
    let found = patterns.strength.captures(window)?;
    if let Some(per_gram) = found.name("per_gram") {
        let percent = per_gram.as_str().parse::<f64>().ok()? / 10.0;
        return Some(format!("{percent}"));
    }
    let written = found.name("percent")?.as_str().replace(',', ".");
    let written = written.trim_start_matches('0');
    Some(if written.starts_with('.') { format!("0{written}") } else { written.to_string() })
}

/// Whether a drug of flag `strength` is followed by its strength: a topical
/// steroid's percent found in the potency table ("HC 2.5%"), any other
/// drug's dose ("ASA 81 mg", not "ASA class II").
fn has_strength(
    patterns: &TreatmentPatterns,
    text: &str,
    drug: &Drug,
    span: &Range<usize>,
    potency: Option<(u8, Potency)>,
) -> bool {
    if drug.potency_key.is_some() {
        return potency.is_some_and(|(specificity, _)| specificity >= 2);
    }
    patterns.dose.is_match(window_after(text, span.end, ROUTE_AFTER))
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

/// A treatment being merged: its best potency evidence and outcome rank,
/// whether a mention of it was offered and declined, and what its mentions
/// say of the course's last use.
struct Merged {
    treatment: Treatment,
    potency: Option<(u8, Potency)>,
    rank: u8,
    declined: bool,
    /// The latest last use a mention dates, with its words.
    last_used: Option<(Date, Range<usize>)>,
    /// A mention says the course goes on at the note's date.
    in_use_now: bool,
    /// A mention after the last one in use says the course was stopped.
    stopped_after: bool,
    /// A mention after the last one in use stops the course, now or at
    /// the start of another ("D/C Opzelura at the first injection").
    stop_said_last: bool,
    /// The kept last use is a stated end ("last dose on 02/20/2026").
    end_stated: bool,
    /// Where a mention says the agent never reached the patient.
    never_used: Option<Range<usize>>,
    /// A mention dates the course's start with "since" and no end.
    since_open: bool,
    /// A mention tells of a stop.
    any_stop: bool,
}

/// One treatment per distinct agent and class: the strongest outcome, the
/// most specific potency, the course's length and last use, and the spans
/// that show them. An agent offered and declined or deferred that no
/// mention says the patient was given (every other mention bare) is no
/// treatment ("Dupixent (an injection every 2 weeks) ... We will hold off
/// on Dupixent as you asked"). Returns beside them the indices of the
/// courses still in use at the note's date, which [`date_courses_in_use`]
/// dates once the note's date is known.
fn merge_by_agent(
    vocabulary: &Vocabulary,
    text: &str,
    drug_mentions: &[DrugMention],
    requested: Option<&(String, Span)>,
) -> (Vec<Treatment>, Vec<usize>) {
    let mut treatments: Vec<Merged> = Vec::new();
    for mention in drug_mentions {
        let agent = &vocabulary.drugs[mention.drug].agent;
        let Some(span) = quote(text, &mention.span, mention.reading.cue.as_ref()) else { continue };
        steps::add(treatments.len());
        let position = treatments
            .iter()
            .position(|m| &m.treatment.agent == agent && m.treatment.class == mention.class);
        let index = position.unwrap_or_else(|| {
            treatments.push(Merged {
                treatment: Treatment {
                    agent: agent.clone(),
                    class: mention.class,
                    potency: None,
                    outcome: Outcome::Mentioned,
                    duration_days: None,
                    last_used: None,
                    stopped: false,
                    evidence: Vec::new(),
                },
                potency: None,
                rank: u8::MAX,
                declined: false,
                last_used: None,
                in_use_now: false,
                stopped_after: false,
                stop_said_last: false,
                end_stated: false,
                never_used: None,
                since_open: false,
                any_stop: false,
            });
            treatments.len() - 1
        });
        let merged = &mut treatments[index];
        if mention.offered_only {
            merged.declined = true;
            continue;
        }
        let treatment = &mut merged.treatment;
        let mention_rank = merge_rank(mention);
        if mention_rank < merged.rank {
            merged.rank = mention_rank;
            treatment.outcome = mention.reading.outcome;
            // The words that made a failure, intolerance or contraindication
            // are quoted on their own when they stand too far to join the name.
            let far_cue = mention
                .reading
                .said_by
                .as_ref()
                .filter(|_| rank(mention.reading.outcome) <= rank(Outcome::Contraindicated))
                .filter(|cue| cue.start < span.start || cue.end > span.end)
                .and_then(|cue| Span::of(text, cue.start, cue.end));
            if let Some(cue) = far_cue {
                treatment.evidence.retain(|kept| *kept != cue);
                treatment.evidence.insert(0, cue);
            }
            treatment.evidence.insert(0, span);
        } else if !treatment.evidence.contains(&span) {
            treatment.evidence.push(span);
        }
        // Only the first spans can be kept (the request's, if any, then the
        // first others): a note naming an agent a thousand times keeps no
        // more, and each mention costs a look at a few spans.
        treatment.evidence.truncate(EVIDENCE_KEPT);
        if mention.potency > merged.potency {
            merged.potency = mention.potency;
        }
        if let (None, Some((days, words))) = (treatment.duration_days, &mention.course.duration) {
            treatment.duration_days = Some(*days);
            if let Some(words) = Span::of(text, words.start, words.end).filter(|w| {
                !treatment.evidence.iter().any(|e| e.start <= w.start && w.end <= e.end)
            }) {
                treatment.evidence.truncate(EVIDENCE_KEPT - 1);
                treatment.evidence.push(words);
            }
        }
        // The requested drug's dates are the request's (an order, an
        // enrolment, a first dose) unless they end a past course.
        let is_request = requested.is_some_and(|(requested, _)| requested == agent);
        let last = mention.course.last_used.as_ref().filter(|l| l.stated_end || !is_request);
        if let Some(last) = last {
            if merged.last_used.as_ref().is_none_or(|(kept, _)| course::is_later(&last.date, kept))
            {
                merged.last_used = Some((last.date, last.words.clone()));
                merged.end_stated = last.stated_end;
            }
        }
        // A regimen written with the period it ran ("300 mg every 2 weeks,
        // 06/2025 through 12/2025") is a course that ended, not one in use.
        merged.in_use_now |= mention.in_use_now && !mention.ended_before_now;
        merged.since_open |= mention.course.since_open;
        merged.any_stop |= mention.reading.stopped || mention.course.no_longer;
        // A stop said after the last use ("Discontinue tralokinumab" in the
        // plan); a use said after the stop goes on again.
        if mention.in_use_now {
            merged.stopped_after = false;
            merged.stop_said_last = false;
        } else if mention.reading.stopped {
            merged.stopped_after |= !mention.reading.planned;
            // A stop asked about or weighed ("asked whether upadacitinib
            // will be discontinued") stops nothing.
            merged.stop_said_last = mention.scope.get(Axis::Hypothetical).is_none();
        }
        if merged.never_used.is_none() {
            merged.never_used = mention.reading.never_used.clone();
        }
    }
    let is_requested = |t: &Treatment| requested.is_some_and(|(agent, _)| *agent == t.agent);
    let mut in_use = Vec::new();
    let treatments = treatments
        .into_iter()
        .filter(|m| {
            !(m.declined
                && m.treatment.outcome == Outcome::Mentioned
                && !is_requested(&m.treatment))
        })
        .enumerate()
        .map(|(index, merged)| {
            let Merged {
                mut treatment,
                potency,
                mut in_use_now,
                last_used,
                never_used,
                stopped_after,
                stop_said_last,
                end_stated,
                since_open,
                any_stop,
                ..
            } = merged;
            // "On hydrocortisone 1% since 10/2025": a course begun "since"
            // a date, that no mention ends or stops, goes on now.
            if since_open && !any_stop && last_used.is_none() {
                in_use_now = true;
            }
            // A course stopped after its use, with its end written ("last
            // dose on 02/20/2026", "Discontinue tralokinumab"), ended then; a
            // stop with no end written is today's, and today it was in use.
            if stopped_after && end_stated && last_used.is_some() {
                in_use_now = false;
            }
            treatment.potency = potency.map(|(_, p)| p);
            let never_used = never_used.filter(|_| !is_requested(&treatment));
            if let Some(never) = &never_used {
                never_used_only(text, &mut treatment, never);
                in_use_now = false;
            }
            if let Some((_, request)) = requested.filter(|(agent, _)| *agent == treatment.agent) {
                treatment.outcome = Outcome::Planned;
                treatment.evidence.retain(|span| span != request);
                treatment.evidence.insert(0, request.clone());
            } else if treatment.outcome == Outcome::Planned
                && requested.is_some()
                && REQUESTABLE.contains(&treatment.class)
            {
                // Another biologic or JAK inhibitor planned beside the one
                // asked for is the plan it replaced ("Plan: start Adbry" under
                // an attending's "Dupixent instead"): named, never given.
                treatment.outcome = Outcome::Mentioned;
            } else if treatment.outcome == Outcome::Planned {
                // Ordered or started at this visit, but not what is asked
                // for: in use from today ("cetirizine 10 mg started").
                treatment.outcome = Outcome::Current;
                in_use_now = true;
            }
            treatment.evidence.truncate(EVIDENCE_KEPT);
            // A course in use now, also one that failed, was last used on
            // the note's date; a planned, stopped or intolerable one was not.
            let going_on =
                in_use_now && matches!(treatment.outcome, Outcome::Current | Outcome::Failed);
            // Stopped by the note, in use up to it or with the stop dated
            // ("DISCONTINUED 11/19/2025 ... last dose today"): it ends here.
            treatment.stopped = stop_said_last && (going_on || (stopped_after && end_stated));
            if going_on {
                in_use.push(index);
            } else if let Some((date, words)) = last_used.filter(|_| never_used.is_none()) {
                treatment.last_used = Some(date.iso());
                keep_time_words(&mut treatment.evidence, Span::of(text, words.start, words.end));
            }
            treatment
        })
        .collect();
    (treatments, in_use)
}

/// An agent some mention says never reached the patient ("the tacrolimus
/// ointment was never picked up"; an attending's correction of a resident's
/// "failed tacrolimus"): whatever failure or use another mention states, it
/// was never used, so it is only named, shown by the words that say so, and
/// has no last use (the date of its prescription is none).
fn never_used_only(text: &str, treatment: &mut Treatment, never: &Range<usize>) {
    treatment.outcome = Outcome::Mentioned;
    if let Some(words) = Span::of(text, never.start, never.end) {
        treatment.evidence.retain(|kept| *kept != words);
        treatment.evidence.insert(0, words);
    }
}

/// Adds the words that date a course's last use to a treatment's
/// evidence after the [`EVIDENCE_KEPT`] spans that show the agent, its
/// outcome and its length, unless a kept span already quotes them.
fn keep_time_words(evidence: &mut Vec<Span>, words: Option<Span>) {
    let Some(words) = words else { return };
    if !evidence.iter().any(|e| e.start <= words.start && words.end <= e.end) {
        evidence.push(words);
    }
}

/// Dates the courses still in use at the note's date (`in_use`, indices
/// into `treatments` as [`find_treatments`] returned them): their
/// `last_used` is the note's date, whose words are the record's
/// `note_date` evidence. Nothing when the note is undated.
pub fn date_courses_in_use(
    treatments: &mut [Treatment],
    in_use: &[usize],
    note_date: Option<&str>,
) {
    let Some(date) = note_date else { return };
    for &index in in_use {
        if let Some(treatment) = treatments.get_mut(index) {
            treatment.last_used = Some(date.to_string());
        }
    }
}
