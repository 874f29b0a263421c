//! Renewals: the course a document asks a payer to go on paying for
//! (`continuation_of`), how long the patient has been on it
//! (`time_on_therapy`) and how it worked (`response`).
//!
//! A document asks for a continuation when it says so in words of
//! `lexicons/renewals.tsv` ("reauthorization", "12 more months", a ticked
//! "[X] Continuation") and names a course the patient is on now: a drug
//! payers authorise case by case, read as in current use or with a time on
//! it ("since 08/2024") or named by the renewal itself, never one started,
//! restarted after a gap or loaded now (that is a new request). The course a routine follow-up continues (an atopic dermatitis
//! drug in current use, nothing else requested) gets its time and response
//! too. Whether a word is a current fact of the patient is asked of the
//! mention layer; times and dates are read by the `(?x)` grammars below in
//! windows around the course's mentions and the lexicon's labels.

use crate::boxes::Answer;
use crate::dates::{days_between, DatePatterns, WrittenDate};
use crate::lexicon::{Cue, DiagnosisTerm, Meaning, RenewalTerm, SiteTerm, TimeUnit};
use crate::mentions::{Mention, Note, Question};
use crate::treatments::outcome::names_a_time_frame;
use crate::values::current::Dating;
use crate::values::parse_number;
use crate::words;
use chrono::NaiveDate;
use necessity_context::{steps, SectionKind};
use necessity_record::Outcome;
use necessity_record::{ResponseStatement, TimeOnTherapy, TreatmentClass};
use regex::{Captures, Regex};
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// Classes whose courses payers authorise, and so renew, case by case:
/// advanced systemic therapy and the branded topicals that need a prior
/// authorization. A "renewal" beside any other drug is a refill.
const RENEWABLE: [TreatmentClass; 5] = [
    TreatmentClass::Biologic,
    TreatmentClass::OralJakInhibitor,
    TreatmentClass::TopicalJakInhibitor,
    TreatmentClass::TopicalPde4Inhibitor,
    TreatmentClass::TopicalAhrAgonist,
];

/// How far before a drug name a time statement about it may start ("since
/// March 2025 she has been on").
const BEFORE: usize = 64;
/// How far after a drug name a time statement about it may end
/// ("Dupixent 300 mg SC every 2 weeks since 08/2024").
const AFTER: usize = 96;
/// How far after a label its value may start.
const LABEL_REACH: usize = 32;
/// How far into the clause after a started drug the "in"/"on" of its date
/// may stand ("started Dupixent 300 mg every 2 weeks on 01/06/2026"), and
/// how many of them are tried.
const IN_DATE_REACH: usize = 64;
const IN_DATE_TRIES: usize = 4;
/// How far before the drug a no-response word said of it may end ("worse
/// on Dupixent", "flaring despite Dupixent"): further, it is said of
/// something else ("not controlled with topical therapy, ... dupilumab").
const SAID_OF_GAP: usize = 12;
/// How far after a start label an aside and the place may run before its
/// date ("first dose (600 mg loading dose, given as two 300 mg injections)
/// in our office on").
const ASIDE_REACH: usize = 160;
/// How far after a date the start it names may end ("the 04/06/2026
/// first injection").
const START_NOUN_REACH: usize = 24;
/// How far back on its line a form's box may stand before its choice.
const BOX_REACH: usize = 80;

/// One agent's course as the note's mentions of it read.
#[derive(Clone, Debug)]
pub struct Course {
    /// The generic name.
    pub agent: String,
    pub agent_id: u32,
    pub class: TreatmentClass,
    /// A biologic for atopic dermatitis (`drugs.tsv` flag `ad`).
    pub for_dermatitis: bool,
    /// Its mentions the mention layer accepts as the patient's treatment.
    pub mentions: Vec<CourseMention>,
}

/// One accepted mention of a course.
#[derive(Clone, Debug)]
pub struct CourseMention {
    pub span: Range<usize>,
    /// A stop, hold or decline cue reaches it.
    pub stopped: bool,
    /// The request rule takes it as a request now.
    pub requested: bool,
    /// It is a point in time ("before Dupixent"), not what its sentence is about.
    pub time_frame: bool,
    /// Where a cue of current use that reaches it is ("continue"), whatever
    /// outcome a stronger cue gives it.
    pub in_use: Option<Range<usize>>,
}

/// The course a document asks a payer to go on paying for.
#[derive(Clone, Debug, PartialEq)]
pub struct Continuation {
    pub agent: String,
    /// The words that ask for it ("Reauthorization request").
    pub span: Range<usize>,
}

/// The compiled grammars of times on therapy and dates.
#[derive(Clone, Debug)]
pub struct RenewalPatterns {
    dates: DatePatterns,
    since_after: Regex,
    started_before: Regex,
    /// A past start right after the drug ("Dupixent started with 600 mg
    /// loading dose in clinic 09/04/2025").
    started_after: Regex,
    in_date_after: Regex,
    since_before: Regex,
    ago_after: Regex,
    ongoing_before: Regex,
    duration_after: Regex,
    duration_before: Regex,
    week_visit: Regex,
    week_before: Regex,
    visit_after: Regex,
    label_number: Regex,
    aside_then_date: Regex,
    /// A start word opening a sentence, then its date ("Started 10/14/2025").
    start_opening: Regex,
    time_before: Regex,
    doses_before: Regex,
    start_noun: Regex,
    interval: Regex,
    percent_change: Regex,
    /// A form's field of the change ("percent improvement from baseline:
    /// 70 %"): the words before "baseline" ...
    percent_field_label: Regex,
    /// ... and the percentage after it.
    percent_field_value: Regex,
    /// When a change of a course under way takes effect, after a start
    /// word ("starting with the 2/27 dose").
    takes_effect: Regex,
}

/// How far after a word its field's colon may stand ("Percent improvement
/// from baseline: ____ %").
const FIELD_COLON_REACH: usize = 40;

/// Whether the words ending at `end` are in a form's label whose value is
/// left blank: a colon later on the line, within a label's reach, and
/// after it only blanks, underscores or a unit.
fn blank_field_after(text: &str, end: usize) -> bool {
    let rest = crate::values::rest_of_line(text, end, FIELD_COLON_REACH + 80);
    let Some(colon) = rest.find(':').filter(|&at| at <= FIELD_COLON_REACH) else {
        return false;
    };
    let label_goes_on = !rest[..colon].contains(['.', ';', '?', '!']);
    let value =
        rest[colon + 1..].trim_matches(|c: char| c.is_whitespace() || matches!(c, '_' | '%'));
    label_goes_on && value.is_empty()
}

/// Whether the words at `span` open with a form box's option word and run
/// on into the next line ("[x] No\nResponse to therapy ...").
fn option_runs_on(text: &str, span: &Range<usize>) -> bool {
    let boxed =
        text[..span.start].trim_end_matches([' ', '\t']).ends_with([']', ')', '☐', '☒', '☑']);
    boxed && text[span.clone()].contains('\n')
}

/// How far before "baseline" its percentage and change word are read.
const PERCENT_REACH: usize = 60;

/// A number of units as notes write it: digits or a word.
const NUMBER: &str = r"(?P<n>\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten
    |eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty)";
/// A unit of time.
const UNIT: &str = r"(?P<unit>days?|weeks?|wks?|months?|mos?|mths?|years?|yrs?)";

impl RenewalPatterns {
    /// Compiles the grammars; they are fixed, so a failure is a bug caught by every test.
    pub fn new() -> Result<RenewalPatterns, regex::Error> {
        let ci = crate::case_insensitive;
        let (n, unit) = (NUMBER, UNIT);
        Ok(RenewalPatterns {
            dates: DatePatterns::new()?,
            since_after: ci(
                r"^ (?P<between>(?:[^.;]|\.\d){0,60}?)   # the regimen, within the clause
                \b(?:since|started|initiated|began|begun|commenced|first\x20dose)  # the start
                (?: \s+ (?:here | (?:in|at) \s+ (?:the\s+|our\s+|this\s+)?   # where it
                          (?:office|clinic|practice|hospital) ) \s+ on    # began, then on
                  | (?:\s+(?:on|in|around|about|approximately|early|mid|late))* )
                (?:\s*[:=])?                                        # a label's colon
                \s+                                                 # then its date,
                (?P<article>the\s+)?                               # or the dated start
                ",
            )?,
            started_before: ci(r"\b(?:started|initiated|began|begun|commenced   # a past start
                |since\s+(?:starting|beginning|initiating)                  # since starting
                |since\s+(?:she|he|they|the\s+patient)\s+(?:started|began)
                |(?:switched|changed|transitioned)                         # a switch to it
                    (?:\s+(?:him|her|them|the\x20patient))?                 #   of the patient
                    \s+(?:from\s+[^.;]{1,48}?\s+)?to                        #   from another drug
                |first(?:\s+(?:dose|injection|shot)\s+of)?)              # its first dose
                \s+(?:(?:on|taking|treatment\s+with|therapy\s+with)\s+)?$      # of the drug next")?,
            start_opening: ci(
                r"^ (?:started|began|initiated|first\x20dose)   # a start opening its sentence
                (?:\s+(?:on|in))? \s+                                    # then its date",
            )?,
            started_after: ci(r"^ [\s,]* (?:(?:was|were)\s+)?
                (?:started|initiated|begun|began|commenced) \b   # a past start after the drug")?,
            in_date_after: ci(r"\b(?:in|on)\s+   # a date's preposition within the clause")?,
            since_before: ci(r"\bsince\s+   # a start, then its date, before the drug")?,
            ago_after: ci(&format!(
                r"^ (?:[^.;]|\.\d){{0,40}}? \b                    # the regimen, within the clause
                (?P<stmt>(?:about\s+|approximately\s+|nearly\s+|almost\s+|over\s+)?
                {n} [\s-]* {unit} \s+ ago) \b                       # four months ago"
            ))?,
            ongoing_before: ci(
                r"\b(?:on|taking|using|receiving|received|treated\s+with   # in use
                |(?:therapy|treatment)\s+with)\s+$                        # of the drug next",
            )?,
            duration_after: ci(&format!(
                r"^ (?:[^.;]|\.\d){{0,60}}?                     # the regimen, within the clause
                (?P<stmt>(?:\bfor|\bx|×)\s*                        # for, x
                (?P<past>(?:the\s+)?(?:past|last)\s+)?              # the past
                (?:(?:about|approximately|approx\.|nearly|almost|over|roughly|around|~)\s*)?
                {n} [\s-]* {unit} \b                                # six months
                (?P<now>\s+(?:now|so\s+far|to\s+date))?)            # so far"
            ))?,
            duration_before: ci(&format!(
                r"(?P<ahead>\b(?:more|additional|another|next|further|requesting|request|requested
                    |approve|approved|approval|authorize|authorized|authorization|coverage)
                    \s+(?:(?:an?|the|for)\s+)*)?                    # a period asked for, not had
                {n} [\s-]* (?P<more>(?:more|additional|further)\s+)? {unit} \s+  # six months
                (?:of|on|into)\s+                                   # of, on
                (?:(?:treatment|therapy)\s+(?:with|on)\s+)?$        # the drug next"
            ))?,
            week_visit: ci(r"^ [\s\#-]* (?P<n>\d{1,3}) \b          # week 16
                (?: (?P<visit>\s*(?:visit|follow[\s-]?up|f/u|check[\s-]?in|check|assessment
                    |appointment|evaluation|review|reassessment))     # at a visit
                  | \s+(?:of|on)\b )                                 # of a course")?,
            week_before: ci(r"\b (?P<n>\d{1,3}) [\s-]* $          # 16-week")?,
            visit_after: ci(r"^ \s* (?:visit|follow[\s-]?up|f/u|check[\s-]?in|check|assessment
                |appointment|evaluation|review|reassessment)        # a visit")?,
            aside_then_date: ci(r"^ [\x20\t]*
                (?: \d{2,4} \s* mg \s* )?                          # the dose: 600 mg
                (?: \( [^()]{0,100} \) )?    # an aside after the label
                [\s,]* (?:(?:was|were) \s+)?
                (?:(?:given|administered|received|injected) \s+)?  # was given
                (?:(?:in|at) \s+ (?:[a-z]+\s+){1,3}?)?            # where: in our office
                (?:(?:on|dated) \s+)? \d                          # (on), then the date's digit")?,
            time_before: ci(&format!(
                r"\b {n} [\s-]* {unit} \s+ $    # 11 weeks, right before the words"
            ))?,
            doses_before: ci(&format!(
                r"\b(?:completed|received|had|taken|been\s+given)     # doses had so far
                \s+(?:(?:a\s+total\s+of|all)\s+)?
                {n} \s+ (?:injections|doses|shots)                    # 24 injections
                \s+ (?:of\s+)? (?:(?:treatment|therapy)\s+with\s+)? $   # of the drug next"
            ))?,
            start_noun: ci(
                r"^ \s+ (?:start|initiation|first\s+(?:dose|injection)|loading\s+dose)\b
                # the start a date names: since the 04/06/2026 start",
            )?,
            interval: ci(crate::dosing::INTERVAL)?,
            percent_change: ci(
                r"\b (?: (?P<less> reduced | reduction | decreased | decrease | down | lower
                      | improved | improvement | fell | dropped | declined )   # less disease
                    | (?P<more> increased | increase | up | higher | worse
                      | rose | worsened ) )                                   # or more
                \s+ (?: by \s+ )? (?: about \s+ | ~ \s* )?
                \d{1,3} (?: \.\d+ )? \s? (?: % | percent ) \s+          # the percentage
                (?: from | vs\.? | versus | compared \s+ (?: with | to ) | since | over )
                \s+ (?: the \s+ )? $                                       # then baseline",
            )?,
            percent_field_label: ci(
                r"\b (?: (?P<less> improvement | reduction | decrease )   # less disease
                    | (?P<more> worsening | increase ) )                  # or more
                \s+ from \s+ (?: the \s+ )? $                            # then baseline",
            )?,
            takes_effect: ci(r"^ \s+ (?: with | from ) \s+                       # starting with
                (?: the | his | her | their ) \s+                  # the
                \d{1,2} / \d{1,2} (?: / \d{2,4} )? \s+            # 2/27
                (?: dose | injection | shot )                     # dose")?,
            percent_field_value: ci(
                r"^ \s* (?: \( \s* % \s* \) \s* )? [:=] [\s_]*    # the field's colon
                (?P<pct> \d{1,3} (?: \.\d+ )? ) \s? (?: % | percent )    # its percentage",
            )?,
            label_number: ci(&format!(
                r"^ (?: [^\d\n:=]{{0,40}}? [:=] \s*   # the label's colon, after a qualifier
                      | [\x20\t]* \[ \s* )                # or an answer field's bracket
                (?P<n>\d+(?:\.\d+)?) \s* {unit}? \b    # 18 (weeks)"
            ))?,
        })
    }
}

/// What the renewal rules look up in a note, found once: its courses, the
/// accepted drug mentions in text order, the sentences that start a course
/// and the label statements, so each question is a look-up, not a walk.
pub struct Reader<'a, 't, 'v> {
    patterns: &'a RenewalPatterns,
    note: &'a Note<'t, 'v>,
    courses: &'a [Course],
    /// Every accepted drug mention as (start, course index, index among
    /// the course's mentions), in text order.
    drugs: Vec<(usize, usize, usize)>,
    /// Per sentence that names drugs: the one course it names, or `None`
    /// when it names several.
    sentence_course: HashMap<usize, Option<usize>>,
    /// Sentences with a start or restart word the layer affirms, and
    /// whether one of them is a fresh start (not a restart).
    starts: HashMap<usize, bool>,
    /// Sentences that tell a course resumed after a hold ("was resumed on
    /// 10/27"): it went on.
    resumed: HashSet<usize>,
    /// Sentences that speak of a renewal to come ("will", "at week 16").
    ahead: HashSet<usize>,
    /// The labels' and visits' time statements, with their sentence.
    labels: Vec<(usize, TimeStatement)>,
}

impl<'a, 't, 'v> Reader<'a, 't, 'v> {
    /// Indexes the note's courses and renewal words.
    pub fn new(
        patterns: &'a RenewalPatterns,
        note: &'a Note<'t, 'v>,
        courses: &'a [Course],
        dating: &Dating,
    ) -> Reader<'a, 't, 'v> {
        let mut drugs: Vec<(usize, usize, usize)> = courses
            .iter()
            .enumerate()
            .flat_map(|(i, c)| {
                c.mentions.iter().enumerate().map(move |(j, m)| (m.span.start, i, j))
            })
            .collect();
        drugs.sort_unstable();
        let mut sentence_course: HashMap<usize, Option<usize>> = HashMap::new();
        for &(start, course, _) in &drugs {
            let named = sentence_course.entry(note.sentence_index(start)).or_insert(Some(course));
            if *named != Some(course) {
                *named = None;
            }
        }
        let (mut starts, mut ahead, mut labels) = (HashMap::new(), HashSet::new(), Vec::new());
        // Times "into treatment", kept unless their sentence speaks ahead
        // ("we will reassess 16 weeks into treatment").
        let mut so_far: Vec<(usize, TimeStatement)> = Vec::new();
        let mut resumed = HashSet::new();
        steps::add(drugs.len() + note.mentions().len());
        for m in note.mentions() {
            let Meaning::Renewal(term) = m.meaning else { continue };
            let text = note.text();
            let statement = match term {
                // "(dupilumab start = week 0, 06/24/2025)": a start word
                // that a colon or an equals sign follows, right after a drug,
                // labels its start date ("Coverage start:" dates no course).
                RenewalTerm::Start | RenewalTerm::Restart
                    if labels_a_value(text, m.span.end)
                        && drug_right_before(&drugs, text, &m.span) =>
                {
                    label_date(patterns, text, m.span.end)
                }
                RenewalTerm::Start | RenewalTerm::Restart => {
                    // A start dated before now began the course that goes
                    // on; a start word in a programme's name starts nothing,
                    // nor does one that dates a change of dose ("300 mg every
                    // 4 weeks starting with the 2/27 dose").
                    let rest = &text[m.span.end..];
                    let affirmed = !names_a_time_frame(text, m.span.start)
                        && !patterns.takes_effect.is_match(
                            &rest[..crate::treatments::floor_char_boundary(
                                rest,
                                TAKES_EFFECT_REACH,
                            )],
                        )
                        && !words::inside_a_name(text, &m.span)
                        && !asked_in_its_sentence(note, m)
                        && note.judge(m, Question::CONTINUATION).is_ok();
                    if affirmed && !dating.before_now(&m.span) {
                        // A start whose object is a date ("200 mg every 2
                        // weeks, starting 2026-01-30") says when a change
                        // takes effect: of a course in use it is no new start.
                        let date_next = |at: usize| {
                            let rest = &text[at..];
                            let gap = rest.len() - rest.trim_start_matches([' ', ',']).len();
                            patterns.dates.read_at(text, at + gap).is_some()
                        };
                        let fresh = *term == RenewalTerm::Start && !date_next(m.span.end);
                        *starts.entry(m.sentence).or_insert(fresh) |= fresh;
                    }
                    continue;
                }
                RenewalTerm::Resumed => {
                    if note.judge(m, Question::CONTINUATION).is_ok() {
                        resumed.insert(m.sentence);
                    }
                    continue;
                }
                RenewalTerm::Ahead => {
                    if note.judge(m, Question::CONTINUATION).is_ok() {
                        ahead.insert(m.sentence);
                    }
                    continue;
                }
                // "Date of first Dupixent dose: 11/12/2025": a label whose
                // drug stands inside it ends at its dose word.
                RenewalTerm::StartLabel if text[m.span.clone()].ends_with("first") => {
                    dose_word_after(text, m.span.end)
                        .and_then(|end| label_date(patterns, text, end))
                }
                RenewalTerm::StartLabel => label_date(patterns, text, m.span.end),
                // "took his loading dose (600 mg, two pens) in our clinic
                // on 02/18/2026": told in prose, dated after an aside.
                RenewalTerm::StartRow => row_date(patterns, note, &m.span)
                    .or_else(|| date_after_aside(patterns, text, m.span.end)),
                RenewalTerm::DurationLabel(unit) => label_days(patterns, text, m.span.end, *unit),
                RenewalTerm::Week => week_visit(patterns, text, &m.span),
                RenewalTerm::IntoCourse => {
                    let told = time_before(patterns, text, &m.span);
                    // "Starting around mid-July (about 3 months into
                    // treatment)", "at 6 weeks into therapy she flared": a
                    // time into the course in an aside or after "at" dates
                    // an event, not the time on the course now.
                    let now = told.filter(|t| !dates_an_event(text, t.span.start));
                    so_far.extend(now.map(|t| (m.sentence, t)));
                    continue;
                }
                _ => continue,
            };
            if let Some(statement) = statement {
                let span = m.span.start.min(statement.span.start)..statement.span.end;
                labels.push((m.sentence, TimeStatement { span, ..statement }));
            }
        }
        labels.extend(so_far.into_iter().filter(|(sentence, _)| !ahead.contains(sentence)));
        Reader { patterns, note, courses, drugs, sentence_course, starts, resumed, ahead, labels }
    }

    /// The course the document asks a payer to go on paying for, if it
    /// asks: the continuation, or (as the error) the agent of a course it
    /// asks to renew that the note starts anew, a restart after a lapse
    /// ("[X] Renewal" ticked over "has had NO Dupixent since 11/24/2025 ...
    /// Resume Dupixent"), which is a new request of it.
    pub fn renewal_asked(&self) -> Option<Result<Continuation, String>> {
        let note = self.note;
        if !self.courses.iter().any(|c| RENEWABLE.contains(&c.class)) {
            return None;
        }
        steps::add(note.mentions().len());
        let mut form = false;
        let asked = note.mentions().iter().find(|m| {
            let (asks, chosen_on_form) = match m.meaning {
                // A form's question ("Is this request for continuation of
                // therapy?") asks only when it is answered Yes.
                // A renewal word that is a ticked option ("(•) Continuation of
                // therapy") is chosen, whatever question follows it.
                Meaning::Renewal(RenewalTerm::Request) if chosen(note, &m.span) == Some(true) => {
                    (true, true)
                }
                Meaning::Renewal(RenewalTerm::Request) => {
                    let sentence_end = note.sentence(m.sentence).end;
                    let question = note
                        .question_mark_after(m.span.end, QUESTION_REACH)
                        .filter(|&mark| mark < sentence_end);
                    match question {
                        Some(mark) => {
                            let yes = note.answer_to(mark) == Some(Answer::Yes);
                            (yes, yes)
                        }
                        None => {
                            let chosen = chosen(note, &m.span);
                            (chosen != Some(false), chosen == Some(true))
                        }
                    }
                }
                Meaning::Renewal(RenewalTerm::FormChoice) => {
                    let on_form = chosen(note, &m.span) == Some(true) || field_value(note, &m.span);
                    (on_form, on_form)
                }
                _ => (false, false),
            };
            form = chosen_on_form;
            asks && note.judge(m, Question::CONTINUATION).is_ok()
        })?;
        let Some(course) = self.continued_course(asked, form) else {
            return self.restarted_course().map(|course| Err(self.courses[course].agent.clone()));
        };
        let agent = self.courses[course].agent.clone();
        if self.started_anew(course) {
            return Some(Err(agent));
        }
        Some(Ok(Continuation { agent, span: asked.span.clone() }))
    }

    /// The course a renewal word asks for, one the patient is on now: the
    /// renewable one its sentence names nearest (a renewal of a drug says
    /// it is under way, unless the sentence speaks of one to come,
    /// "reauthorization at week 16 will need EASI"), else the renewable
    /// course in use (an atopic dermatitis drug first), else the one
    /// renewable course named that nothing starts ("Dupixent 300 mg q2w.
    /// Auth expiring."; a form "REQUEST - DUPILUMAB ... [x] Continuation of
    /// therapy"), the renewal being under way. Never a stopped course.
    fn continued_course(&self, asked: &Mention, form: bool) -> Option<usize> {
        let sentence = self.note.sentence(asked.sentence);
        let renewable = |course: usize| RENEWABLE.contains(&self.courses[course].class);
        let under_way = !self.ahead.contains(&asked.sentence);
        let usable = |course: usize, named: bool| {
            !self.stopped(course) && (form || (named && under_way) || self.on_now(course))
        };
        let from = self.drugs.partition_point(|(start, _, _)| *start < sentence.start);
        let in_sentence =
            self.drugs[from..].iter().take_while(|(start, _, _)| *start < sentence.end);
        let named = in_sentence
            .inspect(|_| steps::add(1))
            .filter(|(_, course, _)| renewable(*course))
            .min_by_key(|(start, _, _)| start.abs_diff(asked.span.start));
        steps::add(1 + self.courses.len());
        if let Some(&(_, course, _)) = named {
            return usable(course, true).then_some(course);
        }
        let on: Vec<usize> =
            (0..self.courses.len()).filter(|&c| renewable(c) && self.on_now(c)).collect();
        let first = on.iter().find(|&&c| self.courses[c].for_dermatitis).or(on.first());
        if let Some(&course) = first {
            return Some(course);
        }
        let mut quiet = (0..self.courses.len())
            .filter(|&c| renewable(c) && usable(c, under_way) && !self.started_anew(c));
        match (quiet.next(), quiet.next()) {
            (Some(course), None) => Some(course),
            _ => None,
        }
    }

    /// The one renewable course the note says stopped and then starts anew
    /// ("has had NO Dupixent since her last injection ... a ~10-week gap off
    /// dupilumab ... Resume Dupixent"), which a renewal asked of it restarts.
    fn restarted_course(&self) -> Option<usize> {
        steps::add(self.courses.len());
        let mut restarted = (0..self.courses.len()).filter(|&c| {
            RENEWABLE.contains(&self.courses[c].class) && self.stopped(c) && self.started_anew(c)
        });
        match (restarted.next(), restarted.next()) {
            (Some(course), None) => Some(course),
            _ => None,
        }
    }

    /// Whether the patient is on a course now: a mention in current use
    /// that is no new request ("continues Dupixent", a medication list), or
    /// a time on it ("since 08/2024") of a course nothing stops.
    fn on_now(&self, course: usize) -> bool {
        self.in_use(course) || (!self.stopped(course) && !self.time_statements(course).is_empty())
    }

    /// Whether a mention says the course is in use: its own cue of use, or
    /// a medication list, and no stop or request on it.
    fn in_use(&self, course: usize) -> bool {
        let mentions = &self.courses[course].mentions;
        steps::add(mentions.len());
        mentions.iter().any(|m| {
            let listed = self.note.section_of(m.span.start) == SectionKind::Medications;
            (self.used_now(m) || listed) && !m.stopped && !m.requested
        })
    }

    /// Whether the course was stopped and not taken up again: a stop that
    /// a later mention of use follows ("discontinued" in a copied line or
    /// an earlier visit, then "Meds: Dupixent 300 mg q2w" or "continues
    /// Dupixent") was a pause or a misread neighbour, not the course's end;
    /// so was a hold the course was resumed after ("held for surgery ...
    /// Dupixent was resumed on 10/27").
    fn stopped(&self, course: usize) -> bool {
        let mentions = &self.courses[course].mentions;
        steps::add(mentions.len());
        let Some(last_stop) = mentions.iter().filter(|m| m.stopped).map(|m| m.span.start).max()
        else {
            return false;
        };
        !mentions.iter().any(|m| {
            let listed = self.note.section_of(m.span.start) == SectionKind::Medications;
            let resumed = self.resumed.contains(&self.note.sentence_index(m.span.start));
            m.span.start > last_stop
                && (self.used_now(m) || listed || resumed)
                && !m.stopped
                && !m.requested
        })
    }

    /// Whether a mention's own cue says the course is in use ("continues
    /// Dupixent", "currently on"): not a renewal word, which makes the drug
    /// it names current but says nothing of use on its own.
    fn used_now(&self, mention: &CourseMention) -> bool {
        let Some(cue) = &mention.in_use else { return false };
        let renewal_word =
            self.note.mentions_from(cue).iter().any(|m| {
                m.span == *cue && matches!(m.meaning, Meaning::Renewal(RenewalTerm::Request))
            });
        !renewal_word
    }

    /// Whether a sentence that names the course starts or restarts it
    /// ("restart Dupixent after the lapse"): a new request, not a
    /// continuation. A start that dates something else
    /// ("EASI 28 before starting Dupixent") starts nothing now, nor does
    /// one a later time on the course follows ("Start Dupixent." in an
    /// earlier visit or a quoted note, then "now at week 24 of Dupixent"):
    /// that start began the course that goes on.
    /// A restart of a course in use now that nothing stopped changes its
    /// regimen ("Resume Dupixent every 2 weeks" of a course listed every 4
    /// weeks): the course goes on.
    fn started_anew(&self, course: usize) -> bool {
        let mentions = &self.courses[course].mentions;
        steps::add(mentions.len());
        let last_time = self.time_statements(course).last().map(|t| t.span.start);
        let going_on = || self.in_use(course) && !self.stopped(course);
        mentions.iter().any(|m| {
            let sentence = self.note.sentence_index(m.span.start);
            self.starts.get(&sentence).is_some_and(|&fresh| fresh || !going_on())
                && last_time.is_none_or(|time| time < self.note.sentence(sentence).end)
        })
    }

    /// The course whose time and response the record gives: the continued
    /// one, else the atopic dermatitis drug a follow-up continues (on it
    /// now, not started or requested now, and no other advanced drug
    /// requested instead).
    pub fn followed_course(
        &self,
        continuation: Option<&Continuation>,
        requested: Option<&str>,
    ) -> Option<&'a Course> {
        let courses = self.courses;
        if let Some(continued) = continuation {
            return courses.iter().find(|c| c.agent == continued.agent);
        }
        let advanced = [TreatmentClass::Biologic, TreatmentClass::OralJakInhibitor];
        let requested_course = requested.and_then(|r| courses.iter().find(|c| c.agent == r));
        if requested_course.is_some_and(|c| advanced.contains(&c.class)) {
            return None;
        }
        steps::add(courses.len());
        let followed = (0..courses.len()).find(|&i| {
            let c = &courses[i];
            (c.for_dermatitis || c.class == TreatmentClass::OralJakInhibitor)
                && Some(c.agent.as_str()) != requested
                && self.on_now(i)
                && !self.started_anew(i)
        });
        followed.map(|i| &courses[i])
    }

    /// The course's start and days on it by `today` (the note's date): a
    /// stated duration wins, then the days from the start, then a visit
    /// named by its week; with the spans that state them, and the time on
    /// it so far that the note states (a duration, else a visit's week),
    /// if it states one.
    pub fn time_on_therapy(
        &self,
        course: &Course,
        today: Option<NaiveDate>,
    ) -> Option<(TimeOnTherapy, Vec<Range<usize>>, Option<f64>)> {
        let index = self.courses.iter().position(|c| c.agent_id == course.agent_id)?;
        let statements = self.time_statements(index);
        let starts = statements.iter().filter_map(|s| match s.stated {
            Stated::Start(written) => {
                let date = match today {
                    Some(today) => written.in_year_up_to(today),
                    None => written,
                };
                // A start after the note is no start of this course.
                let before_note = today.is_none_or(|t| date.first_day().is_some_and(|d| d <= t));
                (date.year.is_some() && before_note).then_some((written, date, s.span.clone()))
            }
            Stated::Days(_) | Stated::Visit(_) => None,
        });
        // The same start told at several precisions ("since January",
        // "since 01/12/2026"): the most precise, the first of equals.
        let precision = |written: &WrittenDate| {
            (
                written.day.is_some(),
                written.month.is_some() && !written.season,
                written.year.is_some(),
            )
        };
        let start = starts
            .fold(None, |best: Option<(WrittenDate, WrittenDate, Range<usize>)>, next| match best {
                Some(held) if precision(&held.0) >= precision(&next.0) => Some(held),
                _ => Some(next),
            })
            .map(|(_, date, span)| (date, span));
        let stated_as = |visit: bool| {
            statements.iter().find_map(|s| match s.stated {
                Stated::Days(days) if !visit => Some((days, s.span.clone())),
                Stated::Visit(days) if visit => Some((days, s.span.clone())),
                _ => None,
            })
        };
        let counted = start.as_ref().and_then(|(date, _)| days_between(date, today?));
        let stated = stated_as(false).or_else(|| stated_as(true).filter(|_| counted.is_none()));
        let days = stated.as_ref().map(|(days, _)| *days).or(counted);
        if start.is_none() && days.is_none() {
            return None;
        }
        let mut spans: Vec<Range<usize>> = stated.iter().map(|(_, s)| s.clone()).collect();
        spans.extend(start.iter().map(|(_, s)| s.clone()));
        spans.sort_by_key(|s| s.start);
        let therapy = TimeOnTherapy { start: start.and_then(|(date, _)| date.iso()), days };
        let so_far = stated_as(false).or_else(|| stated_as(true)).map(|(days, _)| days);
        Some((therapy, spans, so_far))
    }

    /// Every time statement of a course the note asserts, in text order:
    /// the windows around its mentions, and the labels and "week 16"
    /// visits in sentences that name no other course.
    fn time_statements(&self, course: usize) -> Vec<TimeStatement> {
        let (patterns, note) = (self.patterns, self.note);
        let mut found: Vec<TimeStatement> = Vec::new();
        let mentions = self.courses[course].mentions.iter().filter(|m| !m.time_frame);
        for mention in mentions {
            let around =
                Around::new(note.text(), &mention.span, &note.sentence_of(mention.span.start));
            found.extend(after_drug(patterns, note, &around));
            found.extend(before_drug(patterns, note, &around));
            found.extend(start_said_next(patterns, note, &mention.span));
        }
        steps::add(self.labels.len());
        let own = |sentence: &usize| {
            self.sentence_course.get(sentence).is_none_or(|named| *named == Some(course))
        };
        found.extend(self.labels.iter().filter(|(s, _)| own(s)).map(|(_, t)| t.clone()));
        let spans: Vec<Range<usize>> = found.iter().map(|s| s.span.clone()).collect();
        let scopes = note.scopes(&spans);
        let mut asserted: Vec<TimeStatement> = found
            .into_iter()
            .zip(scopes)
            .filter(|(s, scope)| {
                note.judge_span(&s.span, *scope, Question::treatment(false)).is_ok()
            })
            .map(|(s, _)| s)
            .collect();
        asserted.sort_by_key(|s| s.span.start);
        asserted.dedup();
        asserted
    }

    /// The response to the course the document states: the last statement
    /// of the assessment and plan if it makes one, else those whose
    /// sentence names the course over those that name no drug, and when
    /// these state both, not improved (a reviewer then reads it). A
    /// statement is about the course when its sentence names it nearest
    /// (and not as a time frame, "before Dupixent"), or names no drug at
    /// all; "worse" or "failed" only in a sentence that names it,
    /// "unchanged" only beside a measure or the disease.
    pub fn response(&self, course: &Course) -> Option<(ResponseStatement, Range<usize>)> {
        let note = self.note;
        // (what is said, where, whether its sentence names the course)
        let mut statements: Vec<(ResponseStatement, Range<usize>, bool)> = Vec::new();
        steps::add(note.mentions().len());
        for mention in note.mentions() {
            let Meaning::Renewal(term) = mention.meaning else { continue };
            // A form's answer is a statement however its question or
            // instruction is worded ("Has the member experienced a positive
            // clinical response?  [X] Yes", "If yes, percent improvement
            // from baseline: 70 %").
            // A form's label left blank ("Improvement: ____") says nothing,
            // nor does a box's option run into the next line ("[x] No" over
            // "Response to therapy documented?").
            if blank_field_after(note.text(), mention.span.end)
                || option_runs_on(note.text(), &mention.span)
            {
                continue;
            }
            let (said, answered) = match term {
                RenewalTerm::Improved => match self.form_answer(mention) {
                    Some(Some(said)) => (said, true),
                    Some(None) => continue,
                    None => (ResponseStatement::Improved, false),
                },
                RenewalTerm::ChangeFromBaseline => match self.percent_change(&mention.span) {
                    Some(said) => said,
                    None => continue,
                },
                RenewalTerm::NotImproved
                | RenewalTerm::NamedNotImproved
                | RenewalTerm::Unchanged => (ResponseStatement::NotImproved, false),
                _ => continue,
            };
            let sentence = note.sentence(mention.sentence);
            let said_of_drug = *term == RenewalTerm::NamedNotImproved;
            let (about_course, named) = match self.nearest_drug(&mention.span, &sentence) {
                Some((_, m)) if m.time_frame => (false, true),
                // "Dupixent failed", "worse on Dupixent"; not "not
                // controlled with topical therapy, so dupilumab was begun".
                Some((_, m)) if said_of_drug && m.span.start > mention.span.end + SAID_OF_GAP => {
                    (false, true)
                }
                Some((nearest, _)) => (nearest.agent_id == course.agent_id, true),
                None => (!said_of_drug, false),
            };
            let beside_disease = *term != RenewalTerm::Unchanged || names_disease(note, &sentence);
            if !answered && about_another_subject(note, &mention.span, &sentence) {
                continue;
            }
            let no_response = said == ResponseStatement::NotImproved;
            if !answered && no_response && about_one_site(note, &mention.span, &sentence) {
                continue;
            }
            let asserted = answered || note.judge(mention, Question::RESPONSE).is_ok();
            if about_course && beside_disease && asserted {
                statements.push((said, mention.span.clone(), named));
            }
        }
        statements.sort_by_key(|(_, span, _)| span.start);
        let assessed = statements
            .iter()
            .rev()
            .find(|(_, span, _)| note.section_of(span.start) == SectionKind::AssessmentPlan);
        // Else the statements that name the course outrank those that name
        // no drug ("topical steroids gave no improvement" may be of another
        // treatment); among equals, no response wins: a reviewer reads it.
        let named = statements.iter().any(|(_, _, named)| *named);
        let tier = statements.iter().filter(|(_, _, n)| *n == named);
        let mut tier: Vec<_> = tier.collect();
        tier.sort_by_key(|(said, _, _)| *said != ResponseStatement::NotImproved);
        assessed.or(tier.first().copied()).map(|(said, span, _)| (*said, span.clone()))
    }

    /// How a form's question holding a word of response is answered:
    /// `None` when the words are no question's, `Some(None)` when the
    /// question is left unanswered, else Yes (improved) or No (not).
    fn form_answer(&self, mention: &Mention) -> Option<Option<ResponseStatement>> {
        let mark = self.note.question_mark_after(mention.span.end, QUESTION_REACH)?;
        Some(match self.note.ticked_answer_to(mark) {
            Some(Answer::Yes) => Some(ResponseStatement::Improved),
            Some(Answer::No) => Some(ResponseStatement::NotImproved),
            None => None,
        })
    }

    /// What a percentage right before "from baseline" says: less disease
    /// ("EASI ..... reduced 74%") is a response, more is none; and whether
    /// it is a form field's written value, a statement however its
    /// instruction is worded ("If yes, percent improvement from baseline:
    /// 70 %").
    fn percent_change(&self, cue: &Range<usize>) -> Option<(ResponseStatement, bool)> {
        let text = self.note.text();
        let from =
            crate::treatments::floor_char_boundary(text, cue.start.saturating_sub(PERCENT_REACH));
        steps::add(cue.start - from);
        let before = &text[from..cue.start];
        if let Some(caps) = self.patterns.percent_change.captures(before) {
            return Some(match caps.name("less") {
                Some(_) => (ResponseStatement::Improved, false),
                None => (ResponseStatement::NotImproved, false),
            });
        }
        // A form's field: "percent improvement from baseline:   70 %"; an
        // improvement of none is no response.
        let label = self.patterns.percent_field_label.captures(before)?;
        let after = crate::values::rest_of_line(text, cue.end, PERCENT_REACH);
        steps::add(after.len());
        let value = self.patterns.percent_field_value.captures(after)?;
        let percent: f64 = value.name("pct")?.as_str().parse().ok()?;
        Some(match label.name("less") {
            Some(_) if percent > 0.0 => (ResponseStatement::Improved, true),
            _ => (ResponseStatement::NotImproved, true),
        })
    }

    /// The drug mention of `sentence` nearest to `span`, with its course:
    /// the last before it or the first after it.
    fn nearest_drug(
        &self,
        span: &Range<usize>,
        sentence: &Range<usize>,
    ) -> Option<(&'a Course, &'a CourseMention)> {
        let at = self.drugs.partition_point(|(start, _, _)| *start < span.start);
        let before =
            at.checked_sub(1).map(|i| self.drugs[i]).filter(|(s, _, _)| *s >= sentence.start);
        let after = self.drugs.get(at).copied().filter(|(s, _, _)| *s < sentence.end);
        let (_, course, mention) = match (before, after) {
            (Some(b), Some(a)) if a.0 - span.start < span.start - b.0 => a,
            (Some(b), _) => b,
            (None, a) => a?,
        };
        let course = &self.courses[course];
        Some((course, &course.mentions[mention]))
    }
}

/// A form's box before a choice on its line: `Some(true)` ticked
/// ("[X]", "☒"), `Some(false)` empty ("[ ]", "☐"), `None` no box. The
/// nearest box decides ("[ ] Initial  [X] Continuation / renewal").
fn chosen(note: &Note, span: &Range<usize>) -> Option<bool> {
    // The box right before the choice, in any style the box reader knows
    // ("(•) Continuation of therapy"); else the nearest bracket or glyph
    // box within reach on its line ("[X] Continuation / Renewal").
    if let Some(mark) = note.mark_of(span) {
        return Some(mark == crate::boxes::Mark::Ticked);
    }
    let text = note.text();
    let line_start = note.lines().start_of(span.start);
    let (_, before) =
        clipped(text, span.start.saturating_sub(BOX_REACH).max(line_start)..span.start);
    let (at, mark) = before
        .char_indices()
        .rev()
        .find(|(_, c)| matches!(c, ']' | '☐' | '□') || TICKED_BOXES.contains(c))?;
    match mark {
        ']' => {
            let open = before[..at].rfind('[')?;
            let inside = &before[open + 1..at];
            (inside.len() <= MAX_BOX_INSIDE).then(|| !inside.trim_matches([' ', '_']).is_empty())
        }
        '☐' | '□' => Some(false),
        _ => Some(true),
    }
}

/// How far after a renewal word the mark of the question holding it may
/// stand ("Is this a request for continuation of therapy previously
/// approved by the plan?").
const QUESTION_REACH: usize = 120;

/// Ticked boxes as forms print them.
const TICKED_BOXES: [char; 7] = ['☒', '☑', '✓', '✔', '■', '▣', '⊠'];

/// How much a bracketed box holds: "[ ]", "[X]", "[ x ]".
const MAX_BOX_INSIDE: usize = 4;

/// How far after a form choice its line is read for what follows it.
const CHOICE_TAIL: usize = 16;

/// Whether a form choice is a labelled field's whole value ("Request
/// type: Continuation"): a colon before it on its line, and nothing but a
/// slash, a bracket or the line's end after it.
fn field_value(note: &Note, span: &Range<usize>) -> bool {
    let text = note.text();
    let line = note.lines().range(note.lines().line_of(span.start));
    let (_, before) =
        clipped(text, span.start.saturating_sub(BOX_REACH).max(line.start)..span.start);
    let (_, after) = clipped(text, span.end..(span.end + CHOICE_TAIL).min(line.end));
    before.trim_end().ends_with(':')
        && after.trim_start().chars().next().is_none_or(|c| matches!(c, '/' | '(' | '['))
}

/// What a time statement says of a course.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Stated {
    Start(WrittenDate),
    /// Days on it so far.
    Days(f64),
    /// Days on it at a visit named by its week ("week 16 visit"), which
    /// may be an earlier visit: a start counted to the note's date wins.
    Visit(f64),
}

/// A time statement and the words that state it.
#[derive(Clone, Debug, PartialEq)]
struct TimeStatement {
    stated: Stated,
    span: Range<usize>,
}

/// The text of `range` clipped to character boundaries.
fn clipped(text: &str, mut range: Range<usize>) -> (usize, &str) {
    range.end = range.end.min(text.len());
    while !text.is_char_boundary(range.start) {
        range.start += 1;
    }
    while !text.is_char_boundary(range.end) {
        range.end -= 1;
    }
    steps::add(range.len());
    (range.start, text.get(range.clone()).unwrap_or_default())
}

/// The text around a drug mention that its time statements stand in,
/// within its sentence: before it (from `before_at`) and after it (from `at`).
struct Around<'t> {
    drug: Range<usize>,
    before_at: usize,
    before: &'t str,
    at: usize,
    after: &'t str,
}

impl<'t> Around<'t> {
    fn new(text: &'t str, drug: &Range<usize>, sentence: &Range<usize>) -> Around<'t> {
        let (at, after) = clipped(text, drug.end..(drug.end + AFTER).min(sentence.end));
        let (before_at, before) =
            clipped(text, drug.start.saturating_sub(BEFORE).max(sentence.start)..drug.start);
        Around { drug: drug.clone(), before_at, before, at, after }
    }
}

/// Statements after the drug: "Dupixent 300 mg q2w since 08/2024",
/// "on Dupixent for 6 months", and a past start's date ("started
/// Dupixent in 03/2025", "started Dupixent 4 months ago").
fn after_drug(patterns: &RenewalPatterns, note: &Note, around: &Around) -> Vec<TimeStatement> {
    let text = note.text();
    let &Around { ref drug, before_at, before, at, after } = around;
    let mut found = Vec::new();
    if let Some(caps) = patterns.since_after.captures(after) {
        let between = at..at + caps.name("between").map_or(0, |m| m.end());
        // "since the 04/06/2026 start": a date after "the" is the start's
        // only when a start follows it ("since the 2024 flare" dates a flare).
        let dated_start = |span: &Range<usize>| {
            caps.name("article").is_none()
                || patterns
                    .start_noun
                    .is_match(clipped(text, span.end..span.end + START_NOUN_REACH).1)
        };
        if let Some((date, span)) = plain_between(note, &between)
            .then(|| patterns.dates.read_at(text, at + caps.get(0).map_or(0, |m| m.end())))
            .flatten()
            .filter(|(_, span)| dated_start(span))
        {
            found.push(TimeStatement { stated: Stated::Start(date), span: between.end..span.end });
        }
    }
    if patterns.started_before.is_match(before) {
        let started =
            patterns.started_before.find(before).map_or(drug.start, |m| before_at + m.start());
        // "started Dupixent 4 months ago": a stated duration.
        if let Some(caps) = patterns.ago_after.captures(after) {
            if let (Some(days), Some(stmt)) = (days_of(&caps), caps.name("stmt")) {
                let span = started..at + stmt.end();
                found.push(TimeStatement { stated: Stated::Days(days), span });
            }
        }
        let right_after = at + (after.len() - after.trim_start_matches([' ', '(', ',', ':']).len());
        // The date after the drug, or after an "in"/"on" of the clause: the
        // first that reads one ("started Dupixent in our office on 03/10/2026").
        let clause = clause_end(after).min(IN_DATE_REACH);
        let ons = patterns.in_date_after.find_iter(after);
        let ons = ons.take_while(|m| m.start() <= clause).map(|m| at + m.end());
        let read = std::iter::once(right_after)
            .chain(ons)
            .take(IN_DATE_TRIES)
            .find_map(|date_at| patterns.dates.read_at(text, date_at));
        if let Some((date, span)) = read {
            found.push(TimeStatement { stated: Stated::Start(date), span: started..span.end });
        } else if let Some((date, span)) = date_right_before(patterns, text, before_at, started) {
            found.push(TimeStatement { stated: Stated::Start(date), span: span.start..drug.end });
        }
    }
    // "Dupixent started with 600 mg loading dose in clinic 09/04/2025": the
    // first date with its month in the start's clause.
    if let Some(start) = patterns.started_after.find(after) {
        // Within the clause, on the start's line or the one it wraps onto
        // (a table's next row is another course's).
        let line_end = after[start.end()..].find("\n").map_or(after.len(), |i| {
            let next = start.end() + i + 1;
            let wraps =
                after[next..].starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit());
            match wraps {
                true => after[next..].find('\n').map_or(after.len(), |j| next + j),
                false => next - 1,
            }
        });
        let end = clause_end(after).min(start.end() + IN_DATE_REACH).min(line_end).max(start.end());
        let clause = &after[start.end()..crate::treatments::floor_char_boundary(after, end)];
        let dated = patterns.dates.dates_in(clause).find(|d| !d.date.is_year());
        let read =
            dated.and_then(|d| patterns.dates.read_at(text, at + start.end() + d.span.start));
        if let Some((date, span)) = read {
            found.push(TimeStatement { stated: Stated::Start(date), span: drug.start..span.end });
        }
    }
    if let Some(caps) = patterns.duration_after.captures(after) {
        let in_use = patterns.ongoing_before.is_match(before);
        let elapsed = caps.name("past").is_some() || caps.name("now").is_some();
        if let (true, Some(days), Some(stmt)) =
            (in_use || elapsed, days_of(&caps), caps.name("stmt"))
        {
            let span = at + stmt.start()..at + stmt.end();
            found.push(TimeStatement { stated: Stated::Days(days), span });
        }
    }
    found
}

/// The date that labels a start verb right before it ("03/10/2025:
/// started Dupixent", "On 03/10/2025 started Dupixent", a dated log's
/// entry): only blanks, a colon or a dash stand between them, and the date
/// is written to the month or the day.
fn date_right_before(
    patterns: &RenewalPatterns,
    text: &str,
    from: usize,
    verb: usize,
) -> Option<(WrittenDate, Range<usize>)> {
    let window = text.get(from..verb)?;
    let last = patterns.dates.dates_in(window).filter(|d| !d.date.is_year()).last()?;
    let gap = &window[last.span.end..];
    if !gap
        .chars()
        .all(|c| c.is_whitespace() && c != '\n' || matches!(c, ':' | '-' | '\u{2013}' | ','))
    {
        return None;
    }
    patterns.dates.read_at(text, from + last.span.start)
}

/// Where the clause that starts `text` ends: at a semicolon, or a full
/// stop that is no decimal point ("0.05").
fn clause_end(text: &str) -> usize {
    let bytes = text.as_bytes();
    let stop = |i: usize| match bytes[i] {
        b';' => true,
        b'.' => !bytes.get(i + 1).is_some_and(u8::is_ascii_digit),
        _ => false,
    };
    (0..bytes.len()).find(|&i| stop(i)).unwrap_or(bytes.len())
}

/// Statements before the drug: "6 months of Dupixent", "after 20 weeks on
/// dupilumab", "since March 2025 she has been on Dupixent".
fn before_drug(patterns: &RenewalPatterns, note: &Note, around: &Around) -> Vec<TimeStatement> {
    let text = note.text();
    let (drug, at, before) = (&around.drug, around.before_at, around.before);
    let mut found = Vec::new();
    if let Some(caps) = patterns.duration_before.captures(before) {
        let asked_for = caps.name("ahead").is_some() || caps.name("more").is_some();
        if let (false, Some(days), Some(n)) = (asked_for, days_of(&caps), caps.name("n")) {
            found
                .push(TimeStatement { stated: Stated::Days(days), span: at + n.start()..drug.end });
        }
    }
    if let Some(statement) = doses_had(patterns, around) {
        found.push(statement);
    }
    if let Some(since) = patterns.since_before.find_iter(before).last() {
        if let Some((date, span)) = patterns.dates.read_at(text, at + since.end()) {
            let between = span.end..drug.start;
            let words = text[between.clone()].split_whitespace().count();
            let plain = !text[between.clone()].contains(['.', ';', '(', ')']) && words <= 5;
            if plain && plain_between(note, &between) {
                found.push(TimeStatement {
                    stated: Stated::Start(date),
                    span: at + since.start()..span.end,
                });
            }
        }
    }
    found
}

/// The fewest doses counted that tell a time on the course: two are a
/// loading dose ("received two injections of Dupixent today").
const FEWEST_DOSES: f64 = 3.0;

/// The time a count of doses had tells, at the regimen's interval written
/// in the drug's sentence: "has now completed 24 injections of Dupixent"
/// after "200 mg every other week" is 24 two-week intervals (336 days).
/// Without an interval the count tells no time.
fn doses_had(patterns: &RenewalPatterns, around: &Around) -> Option<TimeStatement> {
    let caps = patterns.doses_before.captures(around.before)?;
    let count = parse_number(caps.name("n")?.as_str())?;
    if count < FEWEST_DOSES {
        return None;
    }
    let interval = patterns
        .interval
        .captures(around.before)
        .or_else(|| patterns.interval.captures(&around.after[..clause_end(around.after)]))?;
    let days = 7.0 * crate::dosing::interval_weeks(&interval);
    let start = around.before_at + caps.get(0)?.start();
    Some(TimeStatement { stated: Stated::Days(count * days), span: start..around.drug.end })
}

/// Whether the words between a drug and a time statement say nothing else
/// that the time could be of: no flare, response, site, lesion, measure or
/// other drug ("on Dupixent with no flares since 08/2025" dates the flares).
fn plain_between(note: &Note, between: &Range<usize>) -> bool {
    // A regimen's "every other week" is no week of a course.
    !note.mentions_in(between).any(|m| {
        matches!(
            m.meaning,
            Meaning::Flare(_)
                | Meaning::Site(_)
                | Meaning::Measure(_)
                | Meaning::Drug(_)
                | Meaning::Diagnosis(_)
        ) || matches!(m.meaning, Meaning::Renewal(term) if *term != RenewalTerm::Week)
    })
}

/// Days in a captured number of units ("six months" -> 180, "a year" -> 365).
fn days_of(caps: &Captures) -> Option<f64> {
    let n = caps.name("n")?.as_str();
    let count = if n.eq_ignore_ascii_case("a") || n.eq_ignore_ascii_case("an") {
        1.0
    } else {
        parse_number(n)?
    };
    let unit = unit_of(caps.name("unit")?.as_str())?;
    Some(count * unit.days())
}

/// The unit a word names ("wks" -> weeks).
fn unit_of(word: &str) -> Option<TimeUnit> {
    let lower = word.to_ascii_lowercase();
    match lower.chars().next()? {
        'd' => Some(TimeUnit::Day),
        'w' => Some(TimeUnit::Week),
        'm' => Some(TimeUnit::Month),
        'y' => Some(TimeUnit::Year),
        _ => None,
    }
}

/// The date a start label gives, within its line: right after it ("Start
/// date: 05/12/2025"), or after the label's own colon ("Start date of
/// Dupixent: 05/12/2025").
fn label_date(patterns: &RenewalPatterns, text: &str, end: usize) -> Option<TimeStatement> {
    if let Some(statement) = date_after_aside(patterns, text, end) {
        return Some(statement);
    }
    let from = answer_field(text, end).unwrap_or(end);
    let (at, value) = clipped(text, from..from + LABEL_REACH);
    let value = value.split('\n').next().unwrap_or_default();
    let skipped =
        value.len() - value.trim_start_matches([' ', '\t', ':', '=', '-', '(', '[']).len();
    // The date right after the label, after its colon, or as the first
    // number of its line's words ("First dose given in clinic 10/06/2025").
    // A label told in a sentence reaches its date over a verb ("first
    // injection was July twenty-second, twenty twenty-five").
    let told = value[skipped..]
        .strip_prefix("was on ")
        .or_else(|| value[skipped..].strip_prefix("was "))
        .or_else(|| value[skipped..].strip_prefix("on "))
        .map(|rest| value.len() - rest.len());
    let read = patterns
        .dates
        .read_at(text, at + skipped)
        .or_else(|| patterns.dates.read_at(text, at + told?))
        .or_else(|| {
            let colon = value.find(':')?;
            patterns.dates.read_at(text, at + colon + 1)
        })
        .or_else(|| {
            // The first number that reads as a date with its month ("=
            // week 0, 06/24/2025").
            let numbers = value.match_indices(|c: char| c.is_ascii_digit()).filter(|(i, _)| {
                !value[..*i].ends_with(|c: char| c.is_ascii_digit() || c == '/' || c == '.')
            });
            numbers.take(MAX_LABEL_NUMBERS).find_map(|(digit, _)| {
                let read = patterns.dates.read_at(text, at + digit)?;
                read.0.month.is_some().then_some(read)
            })
        })?;
    Some(TimeStatement { stated: Stated::Start(read.0), span: end..read.1.end })
}

/// The date that opens the row of a dose log's first-dose word, after the
/// row's number ("1   09/22/25   600 mg   abd   RN   loading, 2 pens").
fn row_date(patterns: &RenewalPatterns, note: &Note, word: &Range<usize>) -> Option<TimeStatement> {
    let text = note.text();
    let line = note.lines().range(note.lines().line_of(word.start));
    let row = &text[line.start..word.start];
    steps::add(row.len());
    // A row may open with its number or a bullet ("- 11/18/2025: 600 mg SC
    // loading dose given in clinic").
    let number = row.len() - row.trim_start_matches([' ', '\t', '#', '-', '*', '\u{2022}']).len();
    let digits = row[number..].bytes().take_while(u8::is_ascii_digit).count();
    let after_number = row[number + digits..].trim_start_matches(['.', ')']);
    let gap = after_number.len() - after_number.trim_start_matches([' ', '\t']).len();
    let cells = [number, row.len() - after_number.len() + gap];
    let (date, span) =
        cells.iter().find_map(|&at| patterns.dates.read_at(text, line.start + at))?;
    (span.end <= word.start)
        .then_some(TimeStatement { stated: Stated::Start(date), span: span.start..word.end })
}

/// A start told in the sentence after the drug's, when that sentence
/// opens with it and its date and names no drug ("... on dupilumab 300 mg
/// every 2 weeks. Started 10/14/2025 (600 mg loading dose in clinic)").
fn start_said_next(
    patterns: &RenewalPatterns,
    note: &Note,
    drug: &Range<usize>,
) -> Option<TimeStatement> {
    let text = note.text();
    let next = note.sentence(note.sentence_index(drug.start) + 1);
    let body = &text[next.clone()];
    let lead = body.len() - body.trim_start().len();
    let caps = patterns.start_opening.captures(&body[lead..])?;
    let opening = caps.get(0)?;
    let at = next.start + lead + opening.end();
    let (date, span) = patterns.dates.read_at(text, at)?;
    let names_a_drug = note.mentions_in(&next).any(|m| matches!(m.meaning, Meaning::Drug(_)));
    (!names_a_drug)
        .then_some(TimeStatement { stated: Stated::Start(date), span: next.start + lead..span.end })
}

/// Whether a drug is named just before a word, on its line ("dupilumab
/// start", "Dupixent (dupilumab) start").
fn drug_right_before(drugs: &[(usize, usize, usize)], text: &str, word: &Range<usize>) -> bool {
    let from = word.start.saturating_sub(DRUG_LABEL_REACH);
    let at = drugs.partition_point(|(start, _, _)| *start < from);
    steps::add(1 + word.start - from);
    drugs.get(at).is_some_and(|(start, _, _)| {
        *start < word.start && !text[*start..word.start].contains('\n')
    })
}

/// How far before a start word the drug whose start it labels may stand.
const DRUG_LABEL_REACH: usize = 32;

/// Whether a word stands in a sentence that asks ("And when did he start
/// Dupixent?"): a question starts nothing.
fn asked_in_its_sentence(note: &Note, m: &Mention) -> bool {
    let sentence_end = note.sentence(m.sentence).end;
    note.question_mark_after(m.span.end, QUESTION_REACH).is_some_and(|mark| mark < sentence_end)
}

/// How far after a start word the dose whose date it names is looked for.
const TAKES_EFFECT_REACH: usize = 40;

/// How many numbers after a date's label are tried as its date.
const MAX_LABEL_NUMBERS: usize = 4;

/// Whether a colon or an equals sign follows a word, so that it labels the
/// value after it ("start = 06/24/2025", "Start: 03/2025").
fn labels_a_value(text: &str, end: usize) -> bool {
    let rest = text[end..].trim_start_matches([' ', '\t']);
    steps::add(text.len() - end - rest.len() + 1);
    rest.starts_with([':', '='])
}

/// How many bytes of a question may follow its label on the label's line
/// ("Date of first dose of the requested medication").
const QUESTION_TAIL: usize = 64;

/// The answer field under a form's question: where the next line's
/// bracket opens ("Q4. Date of first dose of the requested medication"
/// over "      [07/14/2026]"), when the rest of the label's line states
/// no number of its own.
fn answer_field(text: &str, end: usize) -> Option<usize> {
    let (at, rest) = clipped(text, end..end + QUESTION_TAIL);
    let (question, _) = rest.split_once('\n')?;
    if question.contains(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let next = at + question.len() + 1;
    let (_, line) = clipped(text, next..next + LABEL_REACH);
    let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
    line[indent..].starts_with('[').then_some(next + indent)
}

/// The date of a start label that a bracketed aside parts from it, with
/// where it was given, in prose that may wrap ("first dose (600 mg, two
/// pens) in our\noffice on 06/16/2025").
fn date_after_aside(patterns: &RenewalPatterns, text: &str, end: usize) -> Option<TimeStatement> {
    let (at, value) = clipped(text, end..end + ASIDE_REACH);
    let lead = patterns.aside_then_date.find(value)?;
    // The match ends past the date's first digit. A date that opens a
    // line is the next row's ("first dose in clinic" over "2025-12-01"),
    // unless the line before runs on into it ("given in this office on"
    // over "11/24/2025").
    let digit = lead.end() - 1;
    let before = value[..digit].trim_end_matches([' ', '\t']);
    let runs_on = [" on", " dated"].iter().any(|w| before.trim_end().ends_with(w));
    if before.ends_with('\n') && !runs_on {
        return None;
    }
    let read = patterns.dates.read_at(text, at + digit)?;
    Some(TimeStatement { stated: Stated::Start(read.0), span: end..read.1.end })
}

/// Where the dose word of a label that names its drug ends ("Date of
/// first| Dupixent dose|: 11/12/2025"), when it comes within a few words.
fn dose_word_after(text: &str, from: usize) -> Option<usize> {
    let rest =
        text.get(from..crate::treatments::floor_char_boundary(text, from + DOSE_WORD_REACH))?;
    let line = &rest[..rest.find(['\n', ':']).unwrap_or(rest.len())];
    steps::add(line.len());
    ["dose", "injection", "shot"]
        .iter()
        .filter_map(|word| {
            let at = line.to_ascii_lowercase().find(word)?;
            Some(from + at + word.len())
        })
        .min()
}

/// How far after "Date of first" its drug and dose word may reach.
const DOSE_WORD_REACH: usize = 32;

/// The days a duration label gives ("Weeks on therapy: 18" -> 126), in the
/// label's unit or the one written.
fn label_days(
    patterns: &RenewalPatterns,
    text: &str,
    end: usize,
    unit: Option<TimeUnit>,
) -> Option<TimeStatement> {
    let from = answer_field(text, end).unwrap_or(end);
    let (at, value) = clipped(text, from..from + LABEL_REACH);
    let caps = patterns.label_number.captures(value)?;
    let written = caps.name("unit").and_then(|u| unit_of(u.as_str()));
    let days = parse_number(caps.name("n")?.as_str())? * written.or(unit)?.days();
    Some(TimeStatement { stated: Stated::Days(days), span: end..at + caps.get(0)?.end() })
}

/// The days of the time stated right before `words` ("now 11 weeks into
/// treatment" -> 77).
fn time_before(
    patterns: &RenewalPatterns,
    text: &str,
    words: &Range<usize>,
) -> Option<TimeStatement> {
    let (at, before) = clipped(text, words.start.saturating_sub(LABEL_REACH)..words.start);
    let caps = patterns.time_before.captures(before)?;
    let days = days_of(&caps)?;
    let span = at + caps.get(0)?.start()..words.end;
    Some(TimeStatement { stated: Stated::Days(days), span })
}

/// Whether the time statement at `start` is an aside in brackets or follows
/// "at", "by", "around" or "after": the time of an event then.
fn dates_an_event(text: &str, start: usize) -> bool {
    let last_word = |before: &str| {
        let word = before.rsplit(|c: char| !c.is_alphabetic()).next().unwrap_or("");
        steps::add(word.len() + 1);
        word.len()
    };
    let mut before = text[..start].trim_end().trim_end_matches('~').trim_end();
    // An approximation belongs to the time ("(about 3 months").
    let approximate = &before[before.len() - last_word(before)..];
    if words::is_one_of(approximate, &["about", "approximately", "roughly", "nearly", "almost"]) {
        before = before[..before.len() - approximate.len()].trim_end();
    }
    let word = &before[before.len() - last_word(before)..];
    before.ends_with('(') || words::is_one_of(word, &["at", "by", "around", "after"])
}

/// The days of a "week 16 visit" or a "16-week follow-up" (112), the
/// "week" word at `word`.
fn week_visit(
    patterns: &RenewalPatterns,
    text: &str,
    word: &Range<usize>,
) -> Option<TimeStatement> {
    let (at, value) = clipped(text, word.end..word.end + LABEL_REACH);
    if let Some(caps) = patterns.week_visit.captures(value) {
        let number = caps.name("n")?;
        let weeks = parse_number(number.as_str())?;
        let stated_end = caps.name("visit").unwrap_or(number).end();
        let span = word.start..at + stated_end;
        return Some(TimeStatement { stated: Stated::Visit(weeks * 7.0), span });
    }
    if let Some(statement) = week_of_today(text, word, at, value) {
        return Some(statement);
    }
    let visit = patterns.visit_after.find(value)?;
    let (before_at, before) = clipped(text, word.start.saturating_sub(8)..word.start);
    let number = patterns.week_before.captures(before)?.name("n")?;
    let weeks = parse_number(number.as_str())?;
    let span = before_at + number.start()..at + visit.end();
    Some(TimeStatement { stated: Stated::Visit(weeks * 7.0), span })
}

/// The week of the course that a bracket after today's date names
/// ("Today: 2026-01-12 (week 32)"): the time on the course now. `value`
/// is the text after the week word, starting at `at`.
fn week_of_today(text: &str, word: &Range<usize>, at: usize, value: &str) -> Option<TimeStatement> {
    let line_start = text[..word.start].rfind('\n').map_or(0, |i| i + 1);
    let before = text[line_start..word.start].trim_end();
    steps::add(before.len());
    let today = before.strip_suffix('(')?.trim_start().get(..5)?.eq_ignore_ascii_case("today");
    let digits = value.trim_start();
    let len = digits.bytes().take_while(u8::is_ascii_digit).count();
    let closes = digits[len..].trim_start().starts_with(')');
    if !today || len == 0 || len > 3 || !closes {
        return None;
    }
    let weeks: f64 = digits[..len].parse().ok()?;
    let end = at + (value.len() - digits.len()) + len;
    Some(TimeStatement { stated: Stated::Visit(weeks * 7.0), span: word.start..end })
}

/// Whether what a response word is said of, the subject its clause names
/// last before it (else its sentence first after it: "much better on
/// Dupixent"), is something else than the course or the skin disease:
/// another organ, another disease or an adverse effect affirmed ("eyes
/// "much better, maybe 80% better", mild AM crusting", "conjunctivitis -
/// improving on loteprednol"; not "no flares ... and no conjunctivitis").
fn about_another_subject(note: &Note, word: &Range<usize>, sentence: &Range<usize>) -> bool {
    response_subject(note, word, sentence).is_some_and(|m| {
        subject_of_response(m.meaning) == Some(false) && note.judge(m, Question::AFFIRMED).is_ok()
    })
}

/// Whether a word of no response is said of one site of the skin ("hand
/// dermatitis has not responded"): a part that lags says nothing of the
/// course as a whole, which the measures and the other words tell.
fn about_one_site(note: &Note, word: &Range<usize>, sentence: &Range<usize>) -> bool {
    let is_site = |m: &Mention| matches!(m.meaning, Meaning::Site(SiteTerm::Site(_)));
    let Some(subject) = response_subject(note, word, sentence) else { return false };
    if subject.span.end > word.start {
        return false;
    }
    match subject.meaning {
        Meaning::Site(SiteTerm::Site(_)) => true,
        // A lesion word named by its site ("hand dermatitis").
        Meaning::Site(SiteTerm::Lesion) => {
            let before = note.mentions_from(&(sentence.start..subject.span.start));
            before.last().is_some_and(|site| {
                let gap = note.text().get(site.span.end..subject.span.start);
                is_site(site) && gap.is_some_and(|gap| gap.trim().is_empty())
            })
        }
        _ => false,
    }
}

/// The subject of a response word: what its clause names last before it
/// that a response may be about, else what its sentence names first after.
fn response_subject<'n, 'v>(
    note: &'n Note<'_, 'v>,
    word: &Range<usize>,
    sentence: &Range<usize>,
) -> Option<&'n Mention<'v>> {
    let text = note.text();
    let reach_start = crate::treatments::floor_char_boundary(
        text,
        word.start.saturating_sub(SUBJECT_REACH).max(sentence.start),
    );
    let reach_end =
        crate::treatments::floor_char_boundary(text, (word.end + SUBJECT_REACH).min(sentence.end));
    steps::add(word.start - reach_start);
    let clause_start =
        text[reach_start..word.start].rfind(';').map_or(reach_start, |at| reach_start + at + 1);
    let is_subject = |m: &&Mention| subject_of_response(m.meaning).is_some();
    let before = note.mentions_from(&(clause_start..word.start));
    let after = note.mentions_from(&(word.end..reach_end));
    steps::add(before.len().min(MAX_SUBJECTS) + after.len().min(MAX_SUBJECTS));
    let before =
        before.iter().rev().take(MAX_SUBJECTS).find(|m| m.span.end <= word.start && is_subject(m));
    before.or_else(|| after.iter().take(MAX_SUBJECTS).find(is_subject))
}

/// How far from a response word its subject is looked for, in bytes.
const SUBJECT_REACH: usize = 160;

/// How many mentions each way the look for a response word's subject reads.
const MAX_SUBJECTS: usize = 8;

/// Whether a mention names the skin disease or its treatment (`true`) or
/// something else a response word may be about (`false`), if either.
fn subject_of_response(meaning: &Meaning) -> Option<bool> {
    match meaning {
        Meaning::Drug(_) | Meaning::Site(_) | Meaning::Measure(_) => Some(true),
        Meaning::Diagnosis(DiagnosisTerm::OtherIndication) => Some(false),
        Meaning::Diagnosis(_) => Some(true),
        Meaning::Renewal(RenewalTerm::OtherSubject) | Meaning::Indication(_) => Some(false),
        Meaning::Cue(Cue::AdverseEffect | Cue::Outcome(Outcome::Intolerant), _) => Some(false),
        _ => None,
    }
}

/// Whether a sentence names a severity measure or the disease ("EASI
/// unchanged", "the eczema is unchanged"), not a dose or a plan.
fn names_disease(note: &Note, sentence: &Range<usize>) -> bool {
    note.mentions_in(sentence).any(|m| {
        matches!(m.meaning, Meaning::Measure(_) | Meaning::Diagnosis(_) | Meaning::Site(_))
    })
}

#[cfg(test)]
mod tests {
    use crate::{extract_case, Lexicons};
    use necessity_record::{Facts, Outcome, ResponseStatement};

    fn facts(text: &str) -> Facts {
        extract_case(&Lexicons::builtin(), text)
    }

    /// The continued drug and the requested one.
    fn asked(text: &str) -> (Option<String>, Option<String>) {
        let f = facts(text);
        (f.continuation_of, f.requested_drug)
    }

    fn renewal() -> (Option<String>, Option<String>) {
        (Some("dupilumab".to_string()), None)
    }

    fn request() -> (Option<String>, Option<String>) {
        (None, Some("dupilumab".to_string()))
    }

    fn neither() -> (Option<String>, Option<String>) {
        (None, None)
    }

    #[test]
    fn renewal_words_with_a_course_under_way_ask_for_its_continuation() {
        for text in [
            "Reauthorization request for dupilumab. He injects it every other week.",
            "She has been on Dupixent since 02/2025 and is clear. Requesting 12 more months.",
            "Atopic dermatitis on Dupixent. I am requesting continued approval of Dupixent.",
            "Dupixent 300 mg every 2 weeks. Auth expiring 3/31; reauth sent.",
            "Continue Dupixent 300 mg every 2 weeks, new PA needed.",
            "On Dupixent for 9 months. Authorization expires 6/30; please renew.",
            "Atopic dermatitis, on dupilumab since June 2024. PA renewal submitted today.",
        ] {
            assert_eq!(asked(text), renewal(), "{text}");
        }
    }

    #[test]
    fn a_form_asks_for_a_renewal_only_by_a_ticked_choice() {
        let form =
            |boxes: &str| format!("Drug: Dupixent 300 mg q2w (on it since 01/2025)\n{boxes}\n");
        assert_eq!(asked(&form("Request: [ ] Initial   [X] Continuation")), renewal());
        assert_eq!(asked(&form("Request: ☐ New start  ☒ Renewal")), renewal());
        assert_eq!(asked(&form("Request type: Continuation")), renewal());
        assert_eq!(asked(&form("Request: [X] Initial  [ ] Continuation / renewal")).0, None);
        assert_eq!(asked(&form("Request: ☒ Initial  ☐ Renewal")).0, None);
    }

    #[test]
    fn a_plan_to_continue_without_a_word_of_authorization_asks_nothing() {
        let text = "Doing well on Dupixent. Plan: continue Dupixent 300 mg every 2 weeks.";
        assert_eq!(asked(text), neither());
        let text = "Tacrolimus ointment: prescription renewal sent. Continue Dupixent.";
        assert_eq!(asked(text), neither(), "a refill is no renewal");
        let text = "Continue Dupixent 300 mg every 2 weeks; the authorization runs through \
                    09/2026; please plan the next renewal before then.";
        assert_eq!(asked(text), neither(), "a renewal to come is asked later");
    }

    #[test]
    fn a_new_start_or_a_restart_is_a_request_not_a_continuation() {
        let text = "Dupixent was stopped 5 months ago when her coverage lapsed. \
                    Restart Dupixent 600 mg then 300 mg every 2 weeks; PA renewal sent.";
        assert_eq!(asked(text), request());
        let text = "Start Dupixent 600 mg then 300 mg every 2 weeks. \
                    Renewal will need documented response at 16 weeks.";
        assert_eq!(asked(text), request());
        let text = "Request: Dupixent 600 mg once, then 300 mg every 2 weeks. \
                    Dupixent reauthorization at week 16 will need EASI scores.";
        assert_eq!(asked(text), request(), "a renewal to come");
    }

    #[test]
    fn the_start_as_a_point_in_time_starts_nothing_now() {
        let text = "On Dupixent since March. EASI was 31 at the start of Dupixent \
                    and is 5 today. Reauthorization requested for 12 months.";
        assert_eq!(asked(text), renewal());
        let text = "Follow-up on Dupixent, weight up from 24 kg at start. \
                    Notes from the Dupixent start visit are attached. PA renewal sent.";
        assert_eq!(asked(text), renewal());
        let text = "Cyclosporine was stopped at the start of the year for hypertension. \
                    Start Dupixent 600 mg then 300 mg every 2 weeks.";
        assert_eq!(asked(text), request(), "a start as an act still starts");
    }

    #[test]
    fn a_change_under_way_or_a_past_first_dose_starts_nothing_now() {
        let text = "Date: 10/14/2025. Dupixent started 06/10/2025. Plan: Dupixent 300 mg \
                    every 4 weeks, starting with the next dose. Reauthorization requested.";
        assert_eq!(asked(text), renewal());
        let text = "Date: 10/14/2025. Dupixent since 06/2025 (600 mg loading dose at the \
                    start). Dupixent reauthorization requested.";
        assert_eq!(asked(text), renewal());
        let text = "Date: 01/19/2026. Week 10 on Dupixent: first dose given in this office \
                    on 11/10/2025. Her new plan needs its own authorization; \
                    continuity-of-care request for Dupixent sent today.";
        assert_eq!(asked(text), renewal());
    }

    #[test]
    fn a_restart_named_as_a_time_the_course_goes_on_from_restarts_nothing_now() {
        let text = "Coverage lapsed last winter; Dupixent was taken up again in 04/2026. \
                    Clear on Dupixent since the restart. Much better on Dupixent after \
                    restart. Requesting reauthorization for 12 months.";
        assert_eq!(asked(text), renewal());
        // A restart now is still a request.
        let now = "Coverage lapsed last winter. Restart Dupixent 600 mg, then 300 mg every \
                   2 weeks; PA renewal sent.";
        assert_eq!(asked(now), request());
    }

    #[test]
    fn a_forms_renewal_question_asks_only_when_answered_yes() {
        let form = |answer: &str| {
            format!(
                "Drug: Dupixent 300 mg every 2 weeks\nRequest type: (x) Initial ( ) Renewal\n\
                 7. Is this request for continuation of therapy?\n   {answer}\n"
            )
        };
        assert_eq!(asked(&form("A:  No")).0, None);
        assert_eq!(asked(&form("[ ] Yes   [X] No")).0, None);
        assert_eq!(asked(&form("")).0, None, "unanswered");
        // A renewal form that answers Yes asks for the course's continuation.
        let yes = "Dupixent 300 mg every 2 weeks, on it since 01/2025.\n\
                   Request for reauthorization?  [X] Yes  [ ] No\n";
        assert_eq!(asked(yes), renewal());
        let written = "Dupixent 300 mg every 2 weeks, on it since 01/2025.\n\
                       Request for reauthorization?\n   Answer: Yes\n";
        assert_eq!(asked(written), renewal());
    }

    #[test]
    fn a_course_resumed_after_a_hold_goes_on() {
        let text = "Atopic dermatitis on dupilumab since 01/2025. \
                    Dupilumab was held for six weeks around her hip surgery in 08/2025. \
                    Dupilumab was resumed on 09/20/2025 at the same dose. \
                    Letter of 01/10/2026: please renew the authorization for 12 months.";
        assert_eq!(asked(text), renewal());
        let text = "Atopic dermatitis on dupilumab since 01/2025. \
                    Dupilumab was stopped in 08/2025 for conjunctivitis. \
                    Letter of 01/10/2026: please renew the authorization for 12 months.";
        assert_eq!(asked(text).0, None, "a stop with no resumption ends the course");
    }

    #[test]
    fn a_restart_of_a_course_in_use_changes_its_regimen() {
        let text = "Note date 02/10/2026. Atopic dermatitis on Dupixent since 09/2024, extended to \
                    every 4 weeks; flaring again.\n\
                    Meds: Dupixent 300 mg every 4 weeks (last dose 01/27/2026)\n\n\
                    Plan: Resume Dupixent 300 mg every 2 weeks. Renewal request sent for 12 months.";
        assert_eq!(asked(text), renewal());
        let text = "Note date 02/10/2026. Atopic dermatitis. Dupixent 2023-2024, stopped when her \
                    coverage lapsed.\n\nPlan: Resume Dupixent 300 mg every 2 weeks. PA submitted.";
        assert_eq!(asked(text), request(), "a restart after a stop is a new request");
    }

    #[test]
    fn a_start_word_labelling_a_date_after_a_drug_dates_the_course() {
        let text = "Date: 01/20/2026\nAtopic dermatitis.\n\
                    FLOWSHEET (dupilumab start = week 0, 06/24/2025)\n\
                    Plan: submit the reauthorization request to continue dupilumab.\n";
        let f = facts(text);
        assert_eq!((f.continuation_of.clone(), f.requested_drug.clone()), renewal());
        let time = f.time_on_therapy.expect("a time on therapy");
        assert_eq!(time.start.as_deref(), Some("2025-06-24"));
        let text = "Date: 01/20/2026\nAtopic dermatitis.\nCoverage start: 09/01/2025\n\
                    On dupilumab. Plan: submit the reauthorization request to continue dupilumab.\n";
        assert_eq!(facts(text).time_on_therapy.and_then(|t| t.start), None);
    }

    #[test]
    fn a_start_word_dating_a_change_of_dose_starts_nothing() {
        let text = "Date: 2/11/26. Atopic dermatitis almost clear on Dupixent.\n\
                    1. Renewal / continuation of Dupixent - PA renewal form faxed.\n\
                    2. Dupixent 200 mg q4 weeks -> 300 mg every 4 weeks starting with the 2/27 dose.\n";
        assert_eq!(asked(text), renewal());
        let text = "Date: 2/11/26. Atopic dermatitis.\n\
                    Plan: start Dupixent 300 mg every 4 weeks starting with the 2/27 dose.\n";
        assert_eq!(asked(text), request());
    }

    #[test]
    fn a_past_starts_date_may_follow_a_long_aside_in_its_clause() {
        let text = "Date of visit: 03/17/2026. Atopic dermatitis, almost clear. He started do pill \
                    you mab, Dupixent, with the 600 mg loading dose here in the office on September \
                    23, 2025. We will submit the reauthorization request today.";
        let f = facts(text);
        assert_eq!(f.continuation_of.as_deref(), Some("dupilumab"));
        let time = f.time_on_therapy.expect("a time on therapy");
        assert_eq!(time.start.as_deref(), Some("2025-09-23"));
    }

    #[test]
    fn a_ticked_renewal_option_is_chosen_whatever_question_follows() {
        for answer in ["Yes", "No"] {
            let text = format!(
                "Atopic dermatitis.\nDrug ......... Dupixent 300 mg every 2 weeks\n\
                 Request type ......... ( ) New start   (•) Continuation of therapy\n\
                 Has the member had a flare this month? ..... {answer}\n"
            );
            assert_eq!(asked(&text), renewal(), "{answer}");
        }
    }

    #[test]
    fn a_start_dated_as_a_change_of_a_course_in_use_starts_nothing() {
        let text = "Visit: 2026-01-16. Atopic dermatitis, excellent response.\n\
                    Medications:\n- dupilumab (Dupixent) 300 mg SC every 4 weeks\n\n\
                    Plan: Change dupilumab to 200 mg SC every 2 weeks, starting 2026-01-30. \
                    Submitting continuation request x 12 months today.\n";
        assert_eq!(asked(text), renewal());
        let text = "Visit: 2026-01-16. Atopic dermatitis.\n\
                    Plan: Dupixent 300 mg SC every 2 weeks, starting 2026-01-30. PA submitted.\n";
        assert_eq!(asked(text).0, None, "no course in use: nothing to continue");
    }

    #[test]
    fn a_start_word_in_a_question_starts_nothing() {
        let text = "Atopic dermatitis on Dupixent since 07/2025. It's a renewal for Dupixent. \
                    AGENT: And when did he start Dupixent? CALLER: July, in our office.";
        assert_eq!(asked(text), renewal());
    }

    #[test]
    fn a_start_label_told_in_a_sentence_reaches_its_date_over_a_verb() {
        let text =
            "Date: 05/06/2026. Atopic dermatitis. It's a renewal for Dupixent, much better. \
                    His first injection was July twenty-second, twenty twenty-five.";
        let time = facts(text).time_on_therapy.expect("a time on therapy");
        assert_eq!(time.start.as_deref(), Some("2025-07-22"));
    }

    #[test]
    fn a_start_told_after_the_drug_is_dated_in_its_clause() {
        let text = "Visit date: 01/08/2026. Atopic dermatitis. Washout, then Dupixent started\n\
                    with 600 mg loading dose in clinic 09/04/2025. Night and day.\n\
                    Request type:  [X] Renewal / continuation\n";
        let time = facts(text).time_on_therapy.expect("a time on therapy");
        assert_eq!(time.start.as_deref(), Some("2025-09-04"));
        // A table's next row is another course's.
        let table = "Visit date: 01/08/2026. Atopic dermatitis. Renewal requested.\n\
                     Hydroxyzine 2017-2019   stopped when dupilumab began\n\
                     NB-UVB       Jan-Apr 2019   24 sessions\n";
        let start = facts(table).time_on_therapy.and_then(|t| t.start);
        assert_ne!(start.as_deref(), Some("2019-04"));
    }

    #[test]
    fn a_start_word_in_a_programmes_name_starts_nothing() {
        let text = "On Dupixent 300 mg every 4 weeks since 2025, clear now. \
                    His Dupixent is paid by Fresh Start Health until 10/31. \
                    Renewal request sent for 12 more months.";
        assert_eq!(asked(text), renewal());
        let text = "Dupixent was stopped in May for lack of coverage. \
                    Plan: Restart Dupixent via Fresh Start Health; PA renewal sent.";
        assert_eq!(asked(text), request(), "the restart outside the name still starts");
    }

    #[test]
    fn a_start_a_later_time_on_the_course_follows_began_the_course_that_goes_on() {
        let text = "Visit 03/02/2026: Plan: start Dupixent 600 mg loading dose today.\n\n\
                    Visit 09/01/2026: On Dupixent for six months, much improved. \
                    Reauthorization requested.";
        assert_eq!(asked(text), renewal());
        let text = "Dupixent 300 mg every 2 weeks from 01/2025 to 03/2026, stopped when \
                    coverage lapsed. Restart Dupixent 600 mg then 300 mg every 2 weeks; \
                    PA renewal sent.";
        assert_eq!(asked(text), request(), "a restart after the course's time is new");
    }

    #[test]
    fn the_continued_course_lasts_its_stated_time_so_far_never_the_period_asked_for() {
        let days = |text: &str| {
            let f = facts(text);
            f.treatments.iter().find(|t| t.agent == "dupilumab").and_then(|t| t.duration_days)
        };
        let text = "Renewal request. Drug: Dupixent 300 mg q2w.\nWeeks on therapy: 20\n";
        assert_eq!(days(text), Some(140.0));
        let text = "He has been on Dupixent for 9 months and is clear. PA renewal submitted.";
        assert_eq!(days(text), Some(270.0));
        let text = "Renewal request. Duration on current therapy: 10 months. Dupixent 300 mg q2w.";
        assert_eq!(days(text), Some(300.0));
        // A visit named by its week states the time so far, beside a start.
        let text = "Week 12 visit on Dupixent (started 11/2025); much better. Reauthorization \
                    request sent.";
        assert_eq!(days(text), Some(84.0));
        // A start alone, or the months asked for, give no length.
        let text = "Dupixent since 03/2025, much better. We request reauthorization of Dupixent \
                    300 mg every 2 weeks for 12 months.";
        assert_eq!(days(text), None);
    }

    #[test]
    fn a_course_that_was_stopped_is_not_renewed() {
        let text =
            "Dupixent was discontinued in May for conjunctivitis. Reauthorization requested.";
        assert_eq!(asked(text).0, None);
    }

    #[test]
    fn a_stop_that_a_later_use_follows_ends_no_course() {
        let text = "Dupixent was stopped in March for a skin infection.\n\n\
                    Medications:\nDupixent 300 mg every 2 weeks\n\n\
                    Plan: Dupixent reauthorization requested for 12 months.";
        assert_eq!(asked(text), renewal());
        let text = "Medications:\nDupixent 300 mg every 2 weeks\n\n\
                    Dupixent was stopped last month for conjunctivitis.\n\n\
                    Plan: Dupixent reauthorization requested for 12 months.";
        assert_ne!(asked(text), renewal(), "a stop after the list ends the course");
    }

    #[test]
    fn a_continuation_doses_the_continued_course_without_a_load() {
        let text = "Dupilumab reauthorization.\nThe 600 mg loading dose was given 05/2025.\n\
                    Plan: continue Dupixent 300 mg every 2 weeks.";
        let f = facts(text);
        assert_eq!(f.continuation_of.as_deref(), Some("dupilumab"));
        assert_eq!(f.dosing.loading_mg, None);
        assert_eq!((f.dosing.maintenance_mg, f.dosing.interval_weeks), (Some(300.0), Some(2.0)));
        let dupilumab = f.treatments.iter().find(|t| t.agent == "dupilumab").unwrap();
        assert_eq!(dupilumab.outcome, Outcome::Current);
        let text = "Dupilumab reauthorization; on Dupixent since 2024, still flaring every month.";
        let f = facts(text);
        assert!(f.dosing.is_empty(), "an interval alone is no regimen: {:?}", f.dosing);
    }

    /// The time on therapy as (start, days).
    fn time(text: &str) -> Option<(Option<String>, Option<f64>)> {
        facts(text).time_on_therapy.map(|t| (t.start, t.days))
    }

    const DATED: &str = "Date of service: 02/16/2026\nAtopic dermatitis. ";

    #[test]
    fn a_start_is_kept_as_written_and_counted_to_the_note_date() {
        let at = |start: &str, days: f64| Some((Some(start.to_string()), Some(days)));
        let t = |s: &str| time(&format!("{DATED}{s} Continue Dupixent."));
        assert_eq!(t("On Dupixent since March 14, 2025."), at("2025-03-14", 339.0));
        assert_eq!(t("Dupixent 300 mg q2w, started 03/2025."), at("2025-03", 352.0));
        assert_eq!(t("She started dupilumab in September 2025."), at("2025-09", 168.0));
        assert_eq!(t("Since March she has been on Dupixent."), at("2025-03", 352.0));
        assert_eq!(t("Dupixent start date: 2025-10-01."), at("2025-10-01", 138.0));
        // A switch from another drug starts the course switched to.
        let switch = t("We switched him from Xolair to Dupixent in May 2025.");
        assert_eq!(switch, at("2025-05", 291.0));
        assert_eq!(t("She changed to dupilumab on 06/02/2025."), at("2025-06-02", 259.0));
        // Counter-examples: the drug switched away from, and a switch of
        // the dosing interval, start nothing.
        assert_eq!(t("He switched from Dupixent to Adbry in May 2025."), None);
        assert_eq!(t("Dupixent was switched to every 4 weeks in May 2025."), None);
    }

    #[test]
    fn a_start_named_by_its_date_is_the_courses_start() {
        let note = "Date of service: 03/01/2026\nAtopic dermatitis.\n\
                    On Adbry 300 mg every 2 weeks since the 09/15/2025 first injection; \
                    much better. Reauthorization requested.\n";
        assert_eq!(time(note), Some((Some("2025-09-15".into()), Some(167.0))));
        // Counter-example: "since the" a dated event that is no start.
        let flare = "Date of service: 03/01/2026\nAtopic dermatitis.\n\
                     On Adbry 300 mg every 2 weeks since the 09/15/2025 flare; \
                     much better. Reauthorization requested.\n";
        assert_eq!(time(flare), None);
    }

    #[test]
    fn a_date_labelling_a_start_verb_dates_the_course() {
        let log = "DOS: 01/26/2026\nReauthorization request for Dupixent.\nCourse so far\n\
                   - 03/10/2025: started Dupixent 600 mg load, then 300 mg q2wk.\n\
                   Today EASI 5.1.\n";
        assert_eq!(time(log), Some((Some("2025-03-10".into()), Some(322.0))));
        // A date further back in the sentence, words between, dates no start.
        let flare = "DOS: 01/26/2026\nReauthorization request for Dupixent.\n\
                     In 03/2019 she had a flare and started Dupixent.\nToday EASI 5.1.\n";
        assert_eq!(time(flare), None);
    }

    #[test]
    fn the_most_precise_of_the_starts_written_wins() {
        // The same start told as a month with no year and as a day.
        let note = "Date of service: 06/01/2026\nAtopic dermatitis on Dupixent since January, \
                    better.\nSummary: on Dupixent since 01/20/2026. Reauthorization requested.\n";
        assert_eq!(time(note), Some((Some("2026-01-20".into()), Some(132.0))));
    }

    #[test]
    fn a_stated_duration_wins_over_the_start() {
        let days = |s: &str| time(&format!("{DATED}{s}")).and_then(|(_, d)| d);
        assert_eq!(days("He has been on Dupixent for 6 months. Continue it."), Some(180.0));
        assert_eq!(days("Dupixent week 16 visit. Continue Dupixent."), Some(112.0));
        assert_eq!(days("Weeks on therapy: 18\nContinue Dupixent."), Some(126.0));
        assert_eq!(days("After 20 weeks on dupilumab she is clear. Continue it."), Some(140.0));
        let both = time(&format!("{DATED}On Dupixent since 01/2025, for about a year now."));
        assert_eq!(both, Some((Some("2025-01".into()), Some(365.0))));
    }

    #[test]
    fn more_ways_of_writing_a_course_s_time() {
        let t = |s: &str| time(&format!("{DATED}{s} PA renewal."));
        let since_june = Some((Some("2025-06".into()), Some(260.0)));
        assert_eq!(t("Since starting Dupixent in June 2025 she sleeps well."), since_june);
        let colon = t("Start date of Dupixent: 10/01/2025");
        assert_eq!(colon, Some((Some("2025-10-01".into()), Some(138.0))));
        assert_eq!(t("He has received Dupixent for 14 months."), Some((None, Some(420.0))));
        assert_eq!(t("Months on Dupixent: 9"), Some((None, Some(270.0))));
        assert_eq!(t("She started Dupixent 4 months ago."), Some((None, Some(120.0))));
        assert_eq!(
            t("He had his first Dupixent injection eight weeks ago."),
            Some((None, Some(56.0)))
        );
        assert_eq!(t("First dose of Dupixent 8 weeks ago in clinic."), Some((None, Some(56.0))));
        let interval = t("He began Dupixent 300 mg every 2 weeks on 01/05/2026.");
        assert_eq!(interval, Some((Some("2026-01-05".into()), Some(42.0))), "no 'weeks on' label");
        assert_eq!(t("Dupixent, at the 16-week follow-up."), Some((None, Some(112.0))));
        // A visit named by its week may be an earlier one: a start counted
        // to the note's date wins over it.
        let both = t("Dupixent started 03/2025. At the 16-week visit she was better.");
        assert_eq!(both, Some((Some("2025-03".into()), Some(352.0))));
        // A past season is the last one that ended before the note.
        let season = t("On Dupixent since last spring.");
        assert_eq!(season, Some((Some("2025-03".into()), Some(352.0))));
    }

    #[test]
    fn a_start_s_date_may_follow_a_colon_a_place_or_the_regimen() {
        let dated = |text: &str| time(&format!("Visit date: 09/14/2026\n{text}"));
        let start = |iso: &str, days: f64| Some((Some(iso.to_string()), Some(days)));
        let text = "Date Adbry was first started: 02/10/2026\nContinue Adbry; renewal requested.";
        assert_eq!(time(text).map(|t| t.0), Some(Some("2026-02-10".into())));
        let text = "On Dupixent, started here on 03/10/2026. Plan: continue Dupixent, PA renewal.";
        assert_eq!(dated(text), start("2026-03-10", 188.0));
        let text = "She started Dupixent in our office on 03/10/2026 and goes on with it. \
                    Reauthorization requested.";
        assert_eq!(dated(text), start("2026-03-10", 188.0));
        let text = "He started Dupixent 300 mg every 2 weeks on 03/10/2026 with good effect. \
                    Reauthorization requested.";
        assert_eq!(dated(text), start("2026-03-10", 188.0));
        // A date past the clause is not the start's.
        let text = "He started Dupixent after a long wait; seen in clinic on 03/10/2026. \
                    Reauthorization requested.";
        assert_eq!(dated(text).and_then(|t| t.0), None);
    }

    #[test]
    fn the_time_before_into_treatment_is_the_time_so_far() {
        let text = "Visit date: 03/24/2026\nStarted Dupixant (sic) in January, so he is now 11 \
                    weeks into treatment. Plan: continue Dupixent; reauthorization requested.";
        assert_eq!(time(text), Some((Some("2026-01".into()), Some(77.0))));
        let text = "Visit date: 03/24/2026\nHe is 12 weeks into therapy with Dupixent. Plan: \
                    continue Dupixent; reauthorization requested.";
        assert_eq!(time(text), Some((None, Some(84.0))));
        // A time to come is not the time so far.
        let text = "On Dupixent. We will reassess 16 weeks into treatment. Plan: continue \
                    Dupixent; reauthorization requested.";
        assert_eq!(time(text), None);
        // An aside or "at" dates an event: the start date counts instead.
        let text = "Visit date: 12/03/2025\nShe started Dupixent on 4/15/2025. In July (about \
                    3 months into treatment) she developed facial redness. Plan: continue \
                    Dupixent; reauthorization requested.";
        assert_eq!(time(text), Some((Some("2025-04-15".into()), Some(232.0))));
    }

    #[test]
    fn a_start_label_s_date_may_follow_an_aside_and_a_place() {
        let t = |s: &str| time(&format!("{DATED}{s} Reauthorization requested."));
        let text = "She is on Dupixent 200 mg every 2 weeks. Her first dose (400 mg, two\n\
                    200 mg pens) was given at the clinic on 09/02/2025.";
        assert_eq!(t(text), Some((Some("2025-09-02".into()), Some(167.0))));
        let text = "She is on Dupixent 200 mg every 2 weeks; first injection (400 mg load,\n\
                    two pens) at our clinic on 09/02/2025.";
        assert_eq!(t(text), Some((Some("2025-09-02".into()), Some(167.0))));
        let text = "She is on Dupixent; first dose (400 mg) on 09/02/2025.";
        assert_eq!(t(text), Some((Some("2025-09-02".into()), Some(167.0))));
        let text = "She is on Dupixent; first dose (400 mg) went well, next due on 03/02/2026.";
        assert_eq!(t(text), None, "another event's date");
    }

    #[test]
    fn periods_asked_for_and_other_dates_are_no_time_on_therapy() {
        let t = |s: &str| time(&format!("{DATED}{s}"));
        assert_eq!(t("Continue Dupixent 300 mg every 2 weeks."), None, "a dosing interval");
        assert_eq!(t("Renewal: continue Dupixent. Requesting 12 more months of Dupixent."), None);
        assert_eq!(t("Reauthorization: please renew Dupixent for 12 months."), None);
        assert_eq!(t("Continue Dupixent, no flares since 08/2025."), None, "the flares' date");
        let later = t("PA renewal. Continue Dupixent, which she started 05/2026.");
        assert_eq!(later, None, "a start after the note");
    }

    #[test]
    fn a_forms_answer_under_its_question_is_the_labels_value() {
        let t = |s: &str| time(&format!("{DATED}Continuation of Dupixent; PA renewal.\n{s}"));
        let text = "  Q4. Date of first dose of the requested medication\n      [07/14/2025]\n";
        assert_eq!(t(text), Some((Some("2025-07-14".into()), Some(217.0))));
        let text = "  Q5. Weeks on therapy\n      [30]\n";
        assert_eq!(t(text), Some((None, Some(210.0))));
        // Counter-examples: a label whose line states a number keeps it,
        // and a next line that is no answer field is not read.
        let text = "  Q5. Weeks on therapy (as of 2025)\n      [30]\n";
        assert_eq!(t(text), None);
        let text = "  Q5. Weeks on therapy\n      30 mg tablets\n";
        assert_eq!(t(text), None);
    }

    #[test]
    fn doses_counted_at_the_regimens_interval_are_the_time_so_far() {
        let t = |s: &str| time(&format!("{DATED}{s} PA renewal.")).and_then(|(_, days)| days);
        let text = "She takes 300 mg every 2 weeks and has had 10 injections of Dupixent so far.";
        assert_eq!(t(text), Some(140.0));
        let text = "He has completed 6 doses of dupilumab, 300 mg q4w, all at home.";
        assert_eq!(t(text), Some(168.0));
        // Counter-examples: two pens are a loading dose, and a count
        // without an interval tells no time.
        let text = "She received 2 injections of Dupixent today; 300 mg every 2 weeks.";
        assert_eq!(t(text), None);
        assert_eq!(t("He has had 10 injections of Dupixent without trouble."), None);
    }

    fn response(text: &str) -> Option<ResponseStatement> {
        facts(&format!("Atopic dermatitis. Continue Dupixent 300 mg every 2 weeks. {text}"))
            .response
    }

    #[test]
    fn a_response_word_said_of_another_subject_is_no_response_of_the_course() {
        let improved = Some(ResponseStatement::Improved);
        assert_eq!(
            response("Today reports eyes \"much better, maybe 80% better\", mild crusting."),
            None
        );
        assert_eq!(
            response("Dupilumab-associated conjunctivitis - improving on loteprednol."),
            None
        );
        assert_eq!(response("Asthma much better."), None);
        assert_eq!(response("Atopic dermatitis much better, eyes still red."), improved);
        assert_eq!(response("Conjunctivitis improved on drops; skin much better."), improved);
        // A denied adverse effect is no subject.
        assert_eq!(response("No flares and no conjunctivitis, much better."), improved);
    }

    #[test]
    fn a_week_in_brackets_after_today_is_the_time_on_the_course() {
        let text = "Dupixent renewal. Atopic dermatitis.\nRegimen: 400 mg load, then 200 mg \
                    q2w\nToday: 2026-01-12 (week 32) - renewal of authorization requested\n";
        let time = facts(text).time_on_therapy.expect("a time on therapy");
        assert_eq!(time.days, Some(224.0));
        // A week in brackets after another event dates that event.
        let text = "Dupixent renewal. Atopic dermatitis. Date: 2026-01-12.\n\
                    Conjunctivitis (week 6) resolved.\n";
        assert_eq!(facts(text).time_on_therapy.and_then(|t| t.days), None);
    }

    #[test]
    fn a_response_held_in_doubt_documents_none() {
        assert_eq!(response("In his words: \"It's better than it was, I think.\""), None);
        assert_eq!(response("Possibly improved."), None);
        assert_eq!(response("Much better."), Some(ResponseStatement::Improved));
    }

    #[test]
    fn no_response_said_of_one_site_is_no_word_on_the_whole_course() {
        let not_improved = Some(ResponseStatement::NotImproved);
        let improved = Some(ResponseStatement::Improved);
        assert_eq!(response("Hand dermatitis has not responded."), None);
        assert_eq!(response("Itch better; hand dermatitis has not responded."), improved);
        assert_eq!(response("Much better overall; the hands have not responded."), improved);
        assert_eq!(response("The eczema has not responded."), not_improved);
        // Eczema named by no high-impact site is the disease's.
        assert_eq!(response("Eczema of the trunk and legs has not responded."), not_improved);
    }

    #[test]
    fn a_first_dose_dated_after_an_aside_starts_the_course_a_today_line_dates() {
        let text = "Dupixent renewal request. Atopic dermatitis.\n\
                    1. First dose (600 mg loading) 06/10/2025 in our office; on Dupixent since.\n\
                    \x20  Today (01/16/2026): EASI 3.2, BSA 3%.\n";
        let f = facts(text);
        assert_eq!(f.note_date.as_deref(), Some("2026-01-16"));
        let time = f.time_on_therapy.expect("a time on therapy");
        assert_eq!((time.start.as_deref(), time.days), (Some("2025-06-10"), Some(220.0)));
    }

    #[test]
    fn a_start_label_that_names_its_drug_ends_at_its_dose_word() {
        let text = "Date: 02/03/2026\nDupixent renewal request. Atopic dermatitis.\n\
                    1. Date of first Dupixent dose: 11/12/2025\n";
        let time = facts(text).time_on_therapy.expect("a time on therapy");
        assert_eq!((time.start.as_deref(), time.days), (Some("2025-11-12"), Some(83.0)));
        // Another first event dates no course.
        let text = "Date: 02/03/2026\nDupixent renewal request. Atopic dermatitis.\n\
                    Date of first visit: 06/01/2024\n";
        assert_eq!(facts(text).time_on_therapy, None);
    }

    #[test]
    fn a_change_in_percent_from_baseline_states_the_response() {
        use ResponseStatement::{Improved, NotImproved};
        let renewal = "Atopic dermatitis. Dupixent 300 mg every 2 weeks since 09/2025; \
                       reauthorization requested. ";
        for (said, expected) in [
            ("EASI ....... reduced 74% from baseline.", Some(Improved)),
            ("BSA down by 80% vs baseline.", Some(Improved)),
            ("Itch NRS up 20% compared with baseline.", Some(NotImproved)),
            ("EASI 28 at baseline.", None),
            // A form's field, under its conditional instruction.
            (
                "\n   If yes, please indicate percent improvement from baseline:   70 %\n",
                Some(Improved),
            ),
            ("\n   Percent improvement from baseline: ____ %\n", None),
            ("\n   Improvement since start: ________\n", None),
        ] {
            assert_eq!(response(&format!("{renewal}{said}")), expected, "{said}");
        }
    }

    #[test]
    fn a_visit_said_to_be_at_a_week_of_the_course_now_is_its_time() {
        let text = "Date: 04/14/2026\nTheo is here at week 12 of Dupixent for his atopic \
                    dermatitis. Renewal request for Dupixent sent.";
        let time = facts(text).time_on_therapy.expect("a time on therapy");
        assert_eq!(time.days, Some(84.0));
        // A renewal at a week to come is no time so far.
        let text = "Date: 04/14/2026\nAtopic dermatitis on Dupixent since 02/2026. \
                    Reauthorization at week 16 needs EASI scores.";
        let time = facts(text).time_on_therapy.expect("a time on therapy");
        assert_ne!(time.days, Some(112.0));
    }

    #[test]
    fn a_renewal_phrase_with_its_first_word_stressed_in_capitals_asks_to_continue() {
        let text = format!(
            "{DATED}Atopic dermatitis on dupilumab since 04/2025.\n- Request to the new plan: \
             CONTINUATION of existing therapy (new to plan, not a new start). Dupilumab 300 mg \
             SC q2 weeks, 12 months requested.\n"
        );
        let f = facts(&text);
        assert_eq!(f.continuation_of.as_deref(), Some("dupilumab"));
        assert_eq!(f.requested_drug, None);
    }

    #[test]
    fn a_dose_logs_loading_row_dates_the_start() {
        let log = |row: &str| {
            format!(
                "{DATED}Renewal of Dupixent 300 mg q2w requested.\n\
                 DOSE LOG\n #   Date        Dose     Given by     Note\n\
                 {row}\n 2   10/06/25    300 mg   pt           first home dose\n"
            )
        };
        let loading = time(&log(" 1   09/22/25    600 mg   RN (clinic)  loading, 2 pens"));
        assert_eq!(loading, Some((Some("2025-09-22".into()), Some(147.0))));
        // Counter-example: a loading dose with no date opening its row
        // dates nothing.
        let undated = time(&format!("{DATED}Renewal of Dupixent requested. Loading dose given.\n"));
        assert_eq!(undated.and_then(|t| t.0), None);
    }

    #[test]
    fn a_start_or_restart_named_as_a_point_in_time_starts_nothing_now() {
        let text = "Date: 03/23/2026\nDupixent was started here on 11/17/2025; held for surgery \
                    and resumed on 03/16/2026. A flare resolved within 10 days of resuming \
                    Dupixent.\nSCORES   Baseline (11/17/2025, start of Dupixent)   Today\n\
                    Plan: continue Dupixent 300 mg every 2 weeks. Renewal of the \
                    authorization submitted today.";
        assert_eq!(asked(text), renewal());
    }

    #[test]
    fn a_box_option_run_into_the_next_line_states_nothing() {
        let form = "Atopic dermatitis. Dupixent 300 mg every 2 weeks since 09/2025; \
                    reauthorization requested.\n\
                    Is the patient using another biologic?   [ ] Yes   [x] No\n\
                    Response to therapy documented?   [x] Yes (see letter below)\n";
        assert_eq!(response(form), None);
    }

    #[test]
    fn a_forms_response_question_states_the_response_only_when_a_box_is_ticked() {
        use ResponseStatement::Improved;
        let renewal = "Atopic dermatitis. Dupixent 300 mg every 2 weeks since 09/2025; \
                       reauthorization requested.\n";
        let question = "3. Has the member experienced a positive clinical response to therapy\n\
                        \x20  (e.g., reduction in BSA, EASI, pruritus, flares)?\n";
        for (boxes, expected) in
            [("      [X] Yes   [ ] No\n", Some(Improved)), ("      [ ] Yes   [ ] No\n", None)]
        {
            assert_eq!(response(&format!("{renewal}{question}{boxes}")), expected, "{boxes}");
        }
    }

    #[test]
    fn the_prescribers_word_on_the_course_is_its_response() {
        use ResponseStatement::{Improved, NotImproved};
        for text in [
            "She is much better.",
            "Skin almost clear today.",
            "He responded well to Dupixent.",
            "Flares far fewer since the spring.",
            "Less need for topical steroids.",
            "EASI down from 26 to 5.",
            "There has been a tremendous improvement.",
        ] {
            assert_eq!(response(text), Some(Improved), "{text}");
        }
        for text in [
            "No meaningful improvement after 6 months of Dupixent.",
            "EASI unchanged at 24.",
            "She is not responding to dupilumab.",
            "Suboptimal response to Dupixent after 6 months.",
            "The eczema is worse on Dupixent.",
            "Dupixent failed to control it: uncontrolled on Dupixent.",
        ] {
            assert_eq!(response(text), Some(NotImproved), "{text}");
        }
    }

    #[test]
    fn what_is_no_statement_of_the_courses_response() {
        for text in [
            "If no improvement by week 16, we will switch to an oral JAK.",
            "Her eczema is worse in winter.",
            "Before Dupixent there was no improvement with tacrolimus.",
            "Her sister's eczema is much better.",
            "Dose unchanged.",
            "Some improvement in itch.",
            "As eczema was not controlled with topical therapy, Dupixent was begun.",
            "The plan's renewal terms require a positive clinical response to Dupixent.",
            "Coverage goes on only if the chart must show a positive response at week 16.",
        ] {
            assert_eq!(response(text), None, "{text}");
        }
    }

    #[test]
    fn skin_almost_clear_keeps_the_diagnosis_and_clears_the_sites() {
        let f = facts("Eczema nearly clear on Dupixent. Auth renewal sent.");
        assert_eq!(f.diagnosis.as_deref(), Some("atopic_dermatitis"));
        assert_eq!(f.response, Some(ResponseStatement::Improved));
        let f = facts("Eczema with lichenified plaques on the neck; hands mostly clear.");
        assert_eq!(f.high_impact_sites, vec![necessity_record::Site::Neck]);
    }

    #[test]
    fn a_statement_naming_the_course_outranks_one_naming_no_drug() {
        let text = "Topical steroids gave no improvement. She has responded well to Dupixent.";
        assert_eq!(response(text), Some(ResponseStatement::Improved));
        let text = "Itch is much better. EASI unchanged.";
        assert_eq!(response(text), Some(ResponseStatement::NotImproved), "both: a reviewer reads");
    }

    #[test]
    fn the_assessment_decides_and_no_response_fails_the_course() {
        let text = "Itch better.\nAssessment: no meaningful improvement on dupilumab.";
        assert_eq!(response(text), Some(ResponseStatement::NotImproved));
        let f = facts("PA renewal. On Dupixent for 7 months; no meaningful improvement.");
        let dupilumab = f.treatments.iter().find(|t| t.agent == "dupilumab").unwrap();
        assert_eq!(dupilumab.outcome, Outcome::Failed);
    }
}
