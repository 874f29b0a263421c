//! The outcome rule: what the outcome cues around a drug mention say of it,
//! in four steps over the note's mentions.
//!
//! 1. **The cues of each sentence**, read once per note ([`Outcomes::new`]):
//!    a cue in a hypothetical clause says nothing ("if she has not
//!    responded"), ongoing use dated to the past is no current use, a flare
//!    cue is a failure only when its clause names the drug back ("still
//!    flaring on it"), and a past start dated to a month is no order.
//! 2. **The cue before the drug** reaches it when it reaches forward
//!    ("failed tacrolimus, betamethasone and ..."), unless it answers the
//!    row above or the drug has an outcome of its own after it.
//! 3. **The cues after it** that reach back ("... but stopped because of
//!    burning"), walked until a cue opens a new clause or another agent
//!    takes them ([`reaching_back`]), and those opening the next sentence
//!    before any drug it names ("Opzelura was added; no meaningful
//!    improvement").
//! 4. **Reading them** ([`read_cues`]): the strongest outcome wins, a stop
//!    beside an adverse effect is an intolerance.
//!
//! Every step looks things up in indexes built once per note (cues by
//! position, drug mentions with the next mention of another agent, the
//! commas and "and"s that join lists), and a walk reads a bounded number of
//! cues, so a note costs time in proportion to its length.

use super::{rank, CueReading, QUOTE_GAP};
use crate::lexicon::{
    Cue, DiagnosisTerm, FlareTerm, Meaning, Reach, RenewalTerm, Route, Vocabulary,
};
use crate::mentions::{Mention, Note, Question, Reason};
use crate::words;
use necessity_context::{steps, Axis, SectionKind};
use necessity_record::Outcome;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

/// A cue found in the note: where, what it says, which way it reaches.
pub(super) type CueHit<'m> = (&'m Range<usize>, Cue, Reach);

/// How many cues after a drug the walk back to it reads. Real notes reach
/// over four at most (corpus, MTSamples, ACI-Bench); a sentence of dozens
/// of cues is a list, and without a bound a note of repeated cues took time
/// in proportion to the square of its length.
const MAX_CUES_BACK: usize = 16;

/// What the outcome rule looks up in a note, found once.
pub(super) struct Outcomes<'n, 't, 'v> {
    note: &'n Note<'t, 'v>,
    /// Every cue that lies wholly in its sentence, as step 1 reads it, in
    /// text order.
    cues: Vec<CueHit<'n>>,
    /// Where the cues of some benefit that flares going on make a failure
    /// are ("partial response, still flaring"), in text order.
    partial: Vec<Range<usize>>,
    /// Where the failure words a route word qualifies are ("PA requires
    /// topical failure"), in text order: the failure of what is applied to
    /// the skin, never of an injected or oral advanced drug.
    topical_failures: Vec<Range<usize>>,
    drugs: DrugIndex,
    /// Where the commas and the words "and" and "or" that join a list
    /// stand, by sentence, for the sentences asked about.
    joiners: RefCell<HashMap<usize, Vec<usize>>>,
    /// The opening cues of a sentence that reach back into the one before,
    /// by sentence, agent and whether the sentence goes on in the drug's
    /// list item.
    openings: RefCell<HashMap<(usize, u32, bool), Vec<CueHit<'n>>>>,
}

impl<'n, 't, 'v> Outcomes<'n, 't, 'v> {
    /// Reads the cues of every sentence and indexes the drug mentions.
    pub(super) fn new(vocabulary: &Vocabulary, note: &'n Note<'t, 'v>) -> Outcomes<'n, 't, 'v> {
        let mut reader = CueReader::default();
        let mut cues = Vec::new();
        let flares = flare_spans(note);
        let mut partial = Vec::new();
        let mut topical_failures = Vec::new();
        let some_benefit = sentences_of_some_benefit(note);
        // The sentence and end of the last stop cue read, so a "for" after
        // it gives a reason, not an indication.
        let mut last_stop: Option<(usize, usize)> = None;
        steps::add(note.mentions().len());
        let mentions = note.mentions();
        for (i, m) in mentions.iter().enumerate() {
            let (cue, reach) = match m.meaning {
                Meaning::Cue(cue, reach) => (cue, reach),
                // "partial response, still flaring", "helped a little but she
                // kept flaring": some benefit with flares going on is a
                // failure; some benefit alone says neither (`renewals.tsv`
                // `partial`, the words a renewal reads as no response either
                // way).
                Meaning::Renewal(RenewalTerm::Partial)
                    if flares_beside(note.text(), &flares, &m.span) =>
                {
                    partial.push(m.span.clone());
                    (&Cue::Outcome(Outcome::Failed), &Reach::Both)
                }
                // "mometasone BID since 08/2025 - ongoing flares despite
                // twice-daily use": every persistent-flare phrase of
                // `flares.tsv` tells how a course in its sentence went, as the
                // `flaring_on` cues do (a phrase in both files is read once);
                // beside words of some benefit ("partial improvement: itch is
                // better, but she still has monthly flares") only the rule of
                // some benefit with flares decides.
                Meaning::Flare(FlareTerm::Persistent)
                    if !also_a_cue(mentions, i)
                        && some_benefit.binary_search(&m.sentence).is_err() =>
                {
                    (&Cue::FlaringOn, &Reach::Backward)
                }
                _ => continue,
            };
            let sentence = note.sentence(m.sentence);
            if m.span.end > sentence.end {
                continue;
            }
            if !matches!(cue, Cue::Masked) && note.judge(m, Question::NOT_HYPOTHETICAL).is_err() {
                continue;
            }
            // "could not be tolerated" says the opposite.
            if matches!(cue, Cue::Tolerated) && note.judge(m, Question::AFFIRMED).is_err() {
                continue;
            }
            // "She did not stop because it stopped working": a failure
            // denied as the reason for a stop is no failure.
            if matches!(cue, Cue::Outcome(Outcome::Failed)) && denied_from_before(note, m) {
                continue;
            }
            // "Re Dupixent: ... I would not start it today": a plan said of a
            // pronoun stands after the drug it names, out of reach of the
            // negation the drug is judged by, so the plan itself is asked.
            if matches!(cue, Cue::Outcome(Outcome::Planned))
                && object_is_pronoun(note.text(), m.span.end)
                && note.judge(m, Question::AFFIRMED).is_err()
            {
                continue;
            }
            // "Dupixent was discussed and deferred - not being requested",
            // "was not prescribed": a plan word negated just before it plans
            // nothing.
            if matches!(cue, Cue::Outcome(Outcome::Planned))
                && !holds_a_negation(&note.text()[m.span.clone()])
                && negated_just_before(note.text(), &m.span)
            {
                continue;
            }
            // "No conjunctivitis or injection-site reactions": an adverse
            // effect denied is none (a cue that holds its own negation,
            // "did not tolerate", is read as written).
            let effect = matches!(cue, Cue::AdverseEffect | Cue::Outcome(Outcome::Intolerant));
            // "Pt has no contraindication to a preferred agent" likewise.
            let denied = effect || matches!(cue, Cue::Outcome(Outcome::Contraindicated));
            if denied
                && !holds_a_negation(&note.text()[m.span.clone()])
                && denied_just_before(note.text(), m.span.start)
            {
                continue;
            }
            // "eye drops prescribed for allergic conjunctivitis": an effect a
            // drug is given for is its indication; after a stop in its
            // sentence ("stopped after two weeks for nausea") it is the
            // reason.
            let stop_before = last_stop
                .is_some_and(|(sentence, end)| sentence == m.sentence && end <= m.span.start);
            if effect && !stop_before && given_for(note.text(), m.span.start) {
                continue;
            }
            if *cue == Cue::Stopped {
                last_stop = Some((m.sentence, m.span.end));
            }
            let read = match cue {
                Cue::Ongoing => (note.judge(m, Question::NOT_HISTORICAL).is_ok())
                    .then_some(Cue::Outcome(Outcome::Current)),
                // Kept as a flare when it names no drug back: it may still
                // be the failure of a drug in its own sentence (step 3).
                Cue::FlaringOn => {
                    Some(match reader.names_drug_back(note, m.sentence, m.span.end) {
                        true => Cue::Outcome(Outcome::Failed),
                        false => Cue::FlaringOn,
                    })
                }
                // "Started Dupixent 600 mg load then 300 mg q2w in 06/2024": a
                // start in the past tense dated by a month or year is a course
                // begun before, no order of this visit.
                Cue::Outcome(Outcome::Planned)
                    if past_tense(&note.text()[m.span.clone()])
                        && reader.clause_dated(note, &sentence, &m.span) =>
                {
                    Some(Cue::Masked)
                }
                other => Some(*other),
            };
            if let Some(read) = read {
                if read == Cue::Outcome(Outcome::Failed) && topical_word_before(note, &m.span) {
                    topical_failures.push(m.span.clone());
                }
                cues.push((&m.span, read, *reach));
            }
        }
        Outcomes {
            note,
            cues,
            partial,
            topical_failures,
            drugs: DrugIndex::new(vocabulary, note),
            joiners: RefCell::default(),
            openings: RefCell::default(),
        }
    }

    /// Where the first drug mention at or after `from` starts, if any.
    pub(super) fn next_drug_from(&self, from: usize) -> Option<usize> {
        self.drugs.first_from(from)
    }

    /// Where the first mention of another agent after the drug mention at
    /// `span` starts ("tacrolimus 0.1% ointment (Protopic)" names one).
    pub(super) fn next_other_drug_after(&self, span: &Range<usize>) -> Option<usize> {
        let drugs = &self.drugs;
        let i = drugs.starts.partition_point(|&s| s < span.start);
        match drugs.starts.get(i) {
            Some(&start) if start == span.start => drugs.starts.get(drugs.next_other[i]).copied(),
            _ => drugs.first_from(span.end),
        }
    }

    /// The outcome the cues around the mention at `span` of `agent` give it.
    /// Some benefit with flares going on is no failure of an advanced
    /// systemic course (`advanced`: a biologic or an oral JAK inhibitor),
    /// whose partial response is a renewal's question, not a trial's end.
    pub(super) fn read(&self, span: &Range<usize>, agent: u32, advanced: bool) -> CueReading {
        let mut r = self.reaching_cues(span, agent);
        // Some benefit with flares decides only when nothing else tells how
        // the course went or ended ("stopped because of nausea; somewhat
        // better but continues to flare" is an intolerance).
        let partial =
            |s: &Range<usize>| self.partial.binary_search_by_key(&s.start, |p| p.start).is_ok();
        let ended = r.cues.iter().any(|(s, cue, _)| {
            !partial(s)
                && (states_a_failure(*cue) || matches!(cue, Cue::Stopped | Cue::AdverseEffect))
        });
        if advanced || ended {
            r.cues.retain(|(s, _, _)| !partial(s));
        }
        if advanced {
            let topical = |s: &Range<usize>| {
                self.topical_failures.binary_search_by_key(&s.start, |t| t.start).is_ok()
            };
            r.cues.retain(|(s, _, _)| !topical(s));
        }
        read_cues(&r, span)
    }

    /// The cues of the sentence `sentence`, in order.
    fn cues_in(&self, sentence: &Range<usize>) -> &[CueHit<'n>] {
        let from = self.cues.partition_point(|(s, _, _)| s.start < sentence.start);
        let to = from + self.cues[from..].partition_point(|(s, _, _)| s.start < sentence.end);
        &self.cues[from..to]
    }

    /// Steps 2 and 3: the cues of the drug's sentence (and of the start of
    /// the next one) that reach it.
    fn reaching_cues(&self, span: &Range<usize>, agent: u32) -> ReachingCues<'n> {
        steps::add(1);
        let text = self.note.text();
        let index = self.note.sentence_index(span.start);
        let sentence = self.note.sentence(index);
        let cues = self.cues_in(&sentence);
        let scope = Scope { text, drugs: &self.drugs, agent, sentence_end: sentence.end };
        let before_count = cues.partition_point(|(s, _, _)| s.end <= span.start);
        // Cues end in order too (they do not overlap), so the last that
        // ends before the drug is the one before it.
        let before = before_count.checked_sub(1).map(|i| cues[i]);
        let after = &cues[cues.partition_point(|(s, _, _)| s.start < span.end)..];
        // "Before dupilumab, she had failed X": a drug after "before" or "prior
        // to" dates what follows and is not what its cues are about.
        let (back, clause_ended) = if names_a_time_frame(text, span.start) {
            (Vec::new(), true)
        } else {
            reaching_back(&scope, span.end, after)
        };
        // A cue before the drug is the outcome of an earlier agent too ("X with
        // inadequate control, and Y, stopped because of burning"; "X with
        // inadequate response and now uses Y, which helps"): when the drug has
        // an outcome of its own after it, the shared one does not reach it.
        let own_outcome = back.iter().any(|(_, cue, _)| states_own_outcome(*cue));
        let mut reaching: Vec<CueHit> = Vec::new();
        let mut listed_cue = None;
        let mut ongoing_course = false;
        if let Some(cue) = before {
            let across = scope.other_agent_in(cue.0.end..span.start).is_some();
            let shared = across
                || (cue.2.backward()
                    && scope.other_agent_in(sentence.start..cue.0.start).is_some());
            // "Discussed upadacitinib", "discussed dupilumab (Dupixent) vs
            // upadacitinib", "asked about the new eczema shot Ebglyss": a talk
            // about a drug names it within a few words, or a list it opens;
            // "had discussed this issue with Dr Khan and had been approved to
            // get off of the Plavix" is about something else.
            // "We had started the Dupixent conversation": the cue's object
            // is the talk the drug names.
            let talked_of =
                (cue.1 != Cue::Inquiry || across || few_words(&text[cue.0.end..span.start]))
                    && !names_a_talk(text, span.end);
            // "his pulmonologist discontinued it in 11/2025 when Dupixent
            // was started": a cue whose object is a pronoun is about an
            // agent named before it, not one named later.
            let reaches_forward = cue.2.forward()
                && !dated(text, cue.0.end)
                && !object_is_pronoun(text, cue.0.end)
                && talked_of
                && !(states_own_outcome(cue.1)
                    && bracketed_before(text, sentence.start, cue.0, span.start));
            if reaches_forward && !self.answers_line_above(&cue, span) && !(own_outcome && shared) {
                reaching.push(cue);
                ongoing_course = cue.1 == Cue::Outcome(Outcome::Current)
                    && names_the_course(&text[cue.0.end..span.start]);
                // "despite several topical classes and a course of
                // cyclosporine": a later item of the cue's list, not its object.
                let joined = self.joins_a_list(index, cue.0.end..span.start);
                listed_cue = (across || joined).then(|| cue.0.clone());
            }
        }
        // "dupilumab be added to upadacitinib: 600 mg ... as a loading dose":
        // an agent a continue cue names directly is the course under way, and
        // a regimen written after it is the request's, not its own.
        // "triamcinolone ointment BID for 2 months, still flaring": a flare
        // cue in the drug's own sentence, with no other agent between, is
        // how that course went (across a sentence it is a finding).
        // A flare said on a line that stands left of the drug's list item
        // ("- crisaborole ...: stinging, stopped" over "She continues to
        // flare despite the above") is about the list, not this item.
        let back = back
            .into_iter()
            .filter(|(_, cue, _)| !(ongoing_course && *cue == Cue::Outcome(Outcome::Planned)))
            .filter_map(|(cue_span, cue, reach)| match cue {
                Cue::FlaringOn
                    if self.leaves_the_item(span.start, cue_span.start)
                        || new_sentence_between(&text[span.end..cue_span.start]) =>
                {
                    None
                }
                Cue::FlaringOn => Some((cue_span, Cue::Outcome(Outcome::Failed), reach)),
                other => Some((cue_span, other, reach)),
            });
        reaching.extend(back);
        if sentence.end < text.len() && !names_a_time_frame(text, span.start) {
            let next = self.next_written(index, span.start);
            if !clause_ended {
                reaching.extend(self.opening_cues_of_next(next, agent, span.start));
                reaching.extend(self.failures_later_in_item(next, span.start));
            }
            for hit in self.said_of_it_next(next, agent) {
                if !reaching.contains(&hit) {
                    reaching.push(hit);
                }
            }
        }
        ReachingCues { cues: reaching, listed_cue, ongoing_course }
    }

    /// The index of the sentence said next after sentence `index`: the one
    /// after it, or past white space and labelled lines that say nothing of
    /// an outcome ("Dates: 02/2025, BID x 4 weeks") to a labelled line under
    /// it ("... 0.1% ointment BID.\n   Outcome: no improvement."), which
    /// still says how the drug above went. A blank line, a line that is no
    /// field ("- Discussed conjunctivitis risk") or a field naming a drug of
    /// its own ("ORDERED: DUPIXENT ...") or a cue in its label ("STOPPED:
    /// none") says something else. A cell of the drug's own table row that
    /// names nothing ("2025", "PO") is passed over to the row's next cell
    /// ("hydroxyzine 25 mg  PO    2025    other: sedation, d/c'd").
    fn next_written(&self, index: usize, drug: usize) -> usize {
        let drug_line = self.note.lines().line_of(drug);
        let text = self.note.text();
        let mut after = index + 1;
        let mut next = after;
        // A field whose words only say the drug is in use ("Dates: ... and
        // a refill") answers when no later field says how it went.
        let mut in_use_field = None;
        // An export's numbered field group ("PRIOR TX 1 AGENT: ..." over
        // "PRIOR TX 1 RESPONSE: ...") says how its drug went in any of its
        // fields, however many stand between.
        let lines = self.note.lines();
        let drug_field = &text.as_bytes()[lines.content_of(drug_line)..lines.range(drug_line).end];
        let group = necessity_context::field_group(drug_field)
            .and_then(|_| self.note.item_at(drug))
            .filter(|item| item.start == lines.range(drug_line).start);
        let passed = if group.is_some() { GROUP_FIELDS_PASSED } else { MAX_SENTENCES_PASSED };
        for _ in 0..passed {
            let range = self.note.sentence(next);
            let body = &text[range.clone()];
            let blank = body.len() - body.trim_start().len();
            steps::add(blank + 1);
            if body.is_empty() {
                return in_use_field.unwrap_or(after);
            }
            if blank == body.len() {
                // A blank line ends what is said of the drug (the line
                // break before it may end the sentence before).
                let line_ended = text[..range.start].ends_with('\n');
                if body.matches('\n').nth(1).is_some() || (line_ended && body.contains('\n')) {
                    return in_use_field.unwrap_or(after);
                }
                next += 1;
                continue;
            }
            let written = body.trim_start().as_bytes();
            steps::add(written.len().min(necessity_context::LABEL_REACH));
            // "Discussed Dupixent: 600 mg load then 300 mg q2wk. Pt agrees.
            // PA to be sent ...": a bare assent says nothing else and is
            // passed to what is said after it.
            if is_bare_assent(body) && next == after {
                next += 1;
                after = next;
                continue;
            }
            let own_drug = self.drugs.first_from(range.start).is_some_and(|s| s < range.end);
            // A cell stands after a column gap (two blanks or a tab), not
            // after a sentence's stop.
            let before = text[..range.start].trim_end_matches([' ', '\t']);
            let cell = (body.starts_with("  ")
                || body.starts_with('\t')
                || before.len() + 1 < range.start)
                && !before.ends_with(['.', '?', '!', ';']);
            let same_row = cell && self.note.lines().line_of(range.end) == drug_line;
            if same_row && !own_drug {
                if self.cues_in(&range).is_empty() {
                    next += 1;
                    continue;
                }
                return next;
            }
            let in_group = group.as_ref().is_some_and(|item| item.contains(&range.start));
            let label = necessity_context::starts_with_label(written)
                || in_group && necessity_context::field_group(written).is_some();
            // A field's value wrapped onto this line ("Dates of use: ... (two
            // fills 09/02/2025" over "and 09/23/2025; fill history
            // attached)") goes on with the field above: a failure it states
            // is the drug's, other words are passed.
            let wrapped = written.first().is_some_and(u8::is_ascii_lowercase)
                && !before.ends_with(['.', '?', '!']);
            if !own_drug && !label && wrapped && next > after {
                if self.cues_in(&range).iter().any(|(_, cue, _)| states_a_failure(*cue)) {
                    return next;
                }
                next += 1;
                continue;
            }
            if own_drug || !label {
                return in_use_field.unwrap_or(after);
            }
            // "Outcome: no improvement", "Reason stopped: burning" hold
            // their cue after the label, "Inadequate response: ..." in it;
            // "STOPPED: none" is a field of its own.
            let label_end = necessity_context::label_end(written)
                .or_else(|| written.iter().position(|&b| b == b':'))
                .unwrap_or(written.len());
            let colon = range.end - written.len() + label_end;
            let cues = self.cues_in(&range);
            // A group's field is named by its label ("PRIOR TX 1 STOP:"),
            // and only its value says anything.
            let cues = if in_group {
                &cues[cues.partition_point(|(s, _, _)| s.start < colon)..]
            } else {
                cues
            };
            let says = |(s, cue, _): &&CueHit| s.start >= colon || states_a_failure(*cue);
            let in_use =
                |(s, cue, _): &&CueHit| s.start >= colon && *cue == Cue::Outcome(Outcome::Current);
            if cues.iter().any(|hit| says(&hit)) && !cues.iter().all(|hit| in_use(&hit)) {
                return next;
            }
            if !cues.is_empty() && cues.iter().all(|hit| in_use(&hit)) {
                in_use_field.get_or_insert(next);
                next += 1;
                continue;
            }
            // "START / STOP ..... 11/03/2025 - 11/24/2025": a field whose
            // cues only name it and whose value is a date dates the course.
            let value = text[colon..range.end].trim_start_matches([':', '.', ' ', '\t']);
            let dated = value.starts_with(|c: char| c.is_ascii_digit());
            let names_a_dated_field = dated && cues.iter().all(|(s, _, _)| s.start < colon);
            if !cues.is_empty() && !names_a_dated_field {
                return in_use_field.unwrap_or(after);
            }
            next += 1;
        }
        in_use_field.unwrap_or(after)
    }

    /// The cues that open sentence `next` and reach back into the one
    /// before ("Tried tacrolimus. Burned."), before that sentence names a
    /// drug of its own; the same for every mention of `agent` before it,
    /// so found once.
    /// When that sentence goes on in the drug's own list item (outside a
    /// plan), its failure cues reach the drug wherever they stand before
    /// another drug ("4. Tacrolimus ... 12/2025 to 02/2026." over "Some
    /// benefit on the neck, but the hands kept flaring - an inadequate
    /// response."): the item is what is said of that drug.
    fn opening_cues_of_next(&self, next: usize, agent: u32, drug: usize) -> Vec<CueHit<'n>> {
        let next_range = self.note.sentence(next);
        // The item is the drug's when it names it first ("4. Tacrolimus
        // ..."), not a block that lists several ("--- copied history ---").
        let same_item = self.note.item_at(drug).is_some_and(|item| {
            item.contains(&next_range.start)
                && (self.drugs.first_from(item.start) == Some(drug) || self.opens_its_line(drug))
                && self.note.section_of(drug) != SectionKind::AssessmentPlan
        });
        if let Some(found) = self.openings.borrow().get(&(next, agent, same_item)) {
            return found.clone();
        }
        let text = self.note.text();
        let opening = opening_of(text, &next_range);
        let next_drug = self.drugs.first_from(next_range.start).filter(|&s| s < next_range.end);
        let first_drug = next_drug.unwrap_or(next_range.end);
        let scope = Scope { text, drugs: &self.drugs, agent, sentence_end: next_range.end };
        let (back, _) = reaching_back(&scope, next_range.start, self.cues_in(&next_range));
        // A stop that opens the sentence carries its reason with it however
        // far in its clause ("Discontinued 09/2023 - reason per office: lack
        // of efficacy"): the walk back already ends at a new clause.
        let stop_opens = back.iter().any(|(s, cue, _)| *cue == Cue::Stopped && s.start < opening);
        let reach = if stop_opens { first_drug } else { opening.min(first_drug) };
        // In the item, a failure said anywhere before another drug: a flare,
        // or a failure cue that reaches back or ends its clause ("- an
        // inadequate response."), never one that opens a new object.
        // So is a harm it did ("At his August visit I documented new
        // striae ... and cutaneous atrophy").
        let item_failure = |(s, cue, way): &CueHit| {
            let judged = matches!(cue, Cue::Outcome(Outcome::Failed | Outcome::Contraindicated));
            same_item
                && s.start < first_drug
                && (*cue == Cue::FlaringOn
                    || (judged && (!way.forward() || has_no_object(text, s.end))))
        };
        let found: Vec<CueHit> = back
            .into_iter()
            .filter(|hit| hit.0.start < reach || item_failure(hit))
            .filter(|hit| !self.another_disease_opens(next_range.start..hit.0.start))
            .filter(|hit| next_drug.is_none_or(|drug| !governs_drug_after(text, hit, drug)))
            .map(|(s, cue, way)| match cue {
                Cue::FlaringOn if same_item && !self.leaves_the_item(drug, s.start) => {
                    (s, Cue::Outcome(Outcome::Failed), way)
                }
                other => (s, other, way),
            })
            .collect();
        self.openings.borrow_mut().insert((next, agent, same_item), found.clone());
        found
    }

    /// Whether another disease than atopic dermatitis is named in `range`,
    /// the opening of a sentence before its cue: the cue is said of that
    /// disease ("Her asthma is not well controlled"), not of the drug the
    /// sentence before ends with.
    fn another_disease_opens(&self, range: Range<usize>) -> bool {
        let other = |m: &&Mention| match m.meaning {
            Meaning::Diagnosis(DiagnosisTerm::Named { diagnosis, .. }) => {
                diagnosis != "atopic_dermatitis"
            }
            Meaning::Diagnosis(DiagnosisTerm::OtherIndication | DiagnosisTerm::Comorbid) => true,
            _ => false,
        };
        self.note.mentions_in(&range).any(|m| other(&m))
    }

    /// The failures said in the sentences of a drug's own list item after
    /// the one after it, before another drug ("- Clobetasol ... (6 wks);
    /// cotton gloves overnight for the last 3 wks. Minimal improvement,
    /// fissures never closed."): the item tells how its course went, in as
    /// many sentences as it takes. Only an item the drug opens, outside the
    /// plan, where an item is a thing to do rather than a course told.
    fn failures_later_in_item(&self, next: usize, drug: usize) -> Vec<CueHit<'n>> {
        let Some(item) = self.note.item_at(drug) else { return Vec::new() };
        let opens = self.drugs.first_from(item.start) == Some(drug) || self.opens_its_line(drug);
        if !opens || self.note.section_of(drug) == SectionKind::AssessmentPlan {
            return Vec::new();
        }
        let text = self.note.text();
        let mut found = Vec::new();
        let next_range = self.note.sentence(next);
        if self.drugs.first_from(drug + 1).is_some_and(|s| s < next_range.end) {
            return found;
        }
        for sentence in next + 1..next + 1 + MAX_SENTENCES_PASSED {
            let range = self.note.sentence(sentence);
            steps::add(1);
            let other_drug = self.drugs.first_from(range.start).is_some_and(|s| s < range.end);
            if range.is_empty() || !item.contains(&range.start) || other_drug {
                break;
            }
            found.extend(self.cues_in(&range).iter().copied().filter(|(s, cue, way)| {
                let judged = matches!(cue, Cue::Outcome(Outcome::Failed));
                (judged && (!way.forward() || has_no_object(text, s.end)))
                    && !self.another_disease_opens(range.start..s.start)
            }));
        }
        found
    }

    /// The cues of sentence `next` said of "it" or "them" when that sentence
    /// names no drug and `agent` is the last one named before it (see
    /// [`said_of_a_pronoun`]), whatever the clauses of the drug's own
    /// sentence ("Ebglyss 500 mg loading doses ..., from 03/02 to 08/17.
    /// ... we stopped it for inadequate response.").
    /// The sentences after a semicolon go on with the same statement ("he
    /// was still flaring; we stopped it for inadequate response").
    fn said_of_it_next(&self, next: usize, agent: u32) -> Vec<CueHit<'n>> {
        let text = self.note.text();
        let first = self.note.sentence(next);
        if self.drugs.last_before(first.start) != Some(agent) {
            return Vec::new();
        }
        for sentence in next..next + MAX_SENTENCES_PASSED {
            let range = self.note.sentence(sentence);
            let names_a_drug = self.drugs.first_from(range.start).is_some_and(|s| s < range.end);
            if range.is_empty() || names_a_drug || names_a_product(&text[range.clone()]) {
                break;
            }
            let scope = Scope { text, drugs: &self.drugs, agent, sentence_end: range.end };
            let it_subject = opens_with_it(&text[range.clone()]);
            let said = said_of_a_pronoun(&scope, self.cues_in(&range), it_subject);
            steps::add(1);
            let goes_on = text[..range.end].trim_end().ends_with(';')
                || (refers_back(&text[range.clone()]) && !self.paragraph_ends(range.end));
            if !said.is_empty() || !goes_on {
                return said;
            }
        }
        Vec::new()
    }

    /// Whether a blank line follows the sentence ending at `end`.
    fn paragraph_ends(&self, end: usize) -> bool {
        let text = self.note.text();
        let rest = &text[end..];
        let blank = rest.len() - rest.trim_start().len();
        steps::add(blank);
        rest[..blank].matches('\n').nth(1).is_some()
    }

    /// Whether a cue before a drug on a later line is the outcome of the row or
    /// box above instead: a ticked answer ("Outcome: [X] Failed"), or a cue
    /// that ends a line after a drug (a table row ending "Inadequate
    /// response"). Either way it does not reach down to the next drug. A cue
    /// that only reaches forward ("... be added to\nupadacitinib") cannot end
    /// a row, so a line wrapped after it is prose.
    fn answers_line_above(&self, (cue, _, reach): &CueHit, drug: &Range<usize>) -> bool {
        let text = self.note.text();
        let lines = self.note.lines();
        if lines.line_of(cue.end) == lines.line_of(drug.start) {
            return false;
        }
        if crate::boxes::ticked_box_before(text, cue.start) || self.in_a_wrapped_cell(cue) {
            return true;
        }
        if !reach.backward() {
            return false;
        }
        // Anything more on the cue's line: the first letter, digit or line
        // break after it says.
        let rest = &text[cue.end..];
        let more = rest.char_indices().find(|(_, c)| c.is_alphanumeric() || *c == '\n');
        steps::add(more.map_or(rest.len(), |(i, _)| i + 1));
        let more = more.map(|(_, c)| c);
        if more.is_some_and(|c| c != '\n') {
            return false;
        }
        // The row's drug, unless a clause ends between it and the cue ("He
        // needed prednisone bursts; he had already failed" over the next
        // drug is prose wrapped after its verb).
        let line_start = lines.start_of(cue.start);
        self.drugs
            .first_from(line_start)
            .is_some_and(|start| start < cue.start && !ends_a_clause(&text[start..cue.start]))
    }

    /// Whether a cue stands in a table cell wrapped under its column
    /// ("pimecrolimus ...  Intolerance -" over "             burning/
    /// erythema"): deep blanks open the cue's line, and the row above names
    /// a drug. It is that row's, and reaches no drug of the next row.
    fn in_a_wrapped_cell(&self, cue: &Range<usize>) -> bool {
        let (text, lines) = (self.note.text(), self.note.lines());
        let line = lines.line_of(cue.start);
        let line_start = lines.start_of(cue.start);
        let before = &text[line_start..cue.start];
        let indent = before.len() - before.trim_start_matches([' ', '\t']).len();
        steps::add(indent);
        indent == before.len()
            && indent >= WRAPPED_CELL_INDENT
            && line > 0
            && self.drugs.first_from(lines.range(line - 1).start).is_some_and(|s| s < line_start)
    }

    /// Whether the cue at `cue` stands on a later line than the drug at
    /// `drug` that starts left of the text of the drug's list item (its
    /// bullet or number and the blanks after it): a new statement after
    /// the list, not a wrapped line of the item.
    fn leaves_the_item(&self, drug: usize, cue: usize) -> bool {
        let text = self.note.text();
        let lines = self.note.lines();
        let (drug_line, cue_line) = (lines.line_of(drug), lines.line_of(cue));
        if cue_line <= drug_line {
            return false;
        }
        let content = lines.content_of(drug_line);
        let head = &text[content..drug.max(content)];
        steps::add(head.len());
        let marker = head.len() - head.trim_start_matches(item_mark).len();
        if marker == 0 {
            return false;
        }
        let item_text = content + marker - lines.start_of(drug);
        let cue_indent = lines.content_of(cue_line) - lines.start_of(cue);
        cue_indent < item_text
    }

    /// Whether the drug at `drug` opens its line after an item's mark ("  b.
    /// tacrolimus ...", "- Tacrolimus ..."): a sub-item of its own.
    fn opens_its_line(&self, drug: usize) -> bool {
        let text = self.note.text();
        let content = self.note.lines().content_of(self.note.lines().line_of(drug));
        let head = &text[content..drug.max(content)];
        steps::add(head.len());
        let mut rest = head.trim_start_matches(item_mark).chars();
        match (rest.next(), rest.next(), rest.as_str().trim().is_empty()) {
            (None, _, _) => true,
            (Some(letter), Some('.' | ')'), true) => letter.is_ascii_alphabetic(),
            _ => false,
        }
    }

    /// Whether the words between a cue and a drug after it join a list
    /// ("and", "or", a comma), so the drug is a later item of what the cue
    /// is about.
    fn joins_a_list(&self, sentence: usize, between: Range<usize>) -> bool {
        let mut joiners = self.joiners.borrow_mut();
        let joiners = joiners.entry(sentence).or_insert_with(|| {
            let range = self.note.sentence(sentence);
            steps::add(range.len());
            list_joiners(&self.note.text()[range.clone()]).map(|j| range.start + j).collect()
        });
        let first = joiners.partition_point(|&j| j < between.start);
        joiners.get(first).is_some_and(|&j| j < between.end)
    }
}

/// The positions of what joins a list in `text`: every comma, and the
/// start of every word "and" or "or" (words split as [`str::split`] on
/// non-alphanumeric characters splits them), in order.
fn list_joiners(text: &str) -> impl Iterator<Item = usize> + '_ {
    let words =
        words::terms(text).filter(|(_, t)| words::is_one_of(t, &["and", "or"])).map(|(at, _)| at);
    let commas = memchr::memchr_iter(b',', text.as_bytes());
    let mut all: Vec<usize> = words.chain(commas).collect();
    all.sort_unstable();
    all.into_iter()
}

/// What step 1 looks up once per note: clause breaks and the sentences
/// whose words name a drug back.
#[derive(Default)]
struct CueReader {
    /// Where ";", " but " and ",but " stand, by kind, in order.
    breaks: Option<[Vec<usize>; 3]>,
    /// Whether each clause read so far is dated, by its range.
    dated: HashMap<(usize, usize), bool>,
    /// For each sentence read so far, where each "on it", "despite this"
    /// ... starts.
    pronoun_objects: HashMap<usize, Vec<usize>>,
}

impl CueReader {
    /// Whether the clause of a cue (its sentence, cut at ";" and "but") holds
    /// a month-and-year or a year date ("in 06/2024", "in January 2025", "in
    /// 2019") or a time ago ("8 weeks ago", "last year"): a date without a day
    /// names a past month, not today's order.
    fn clause_dated(&mut self, note: &Note, sentence: &Range<usize>, cue: &Range<usize>) -> bool {
        let text = note.text();
        let breaks = self.breaks.get_or_insert_with(|| {
            let bytes = text.as_bytes();
            steps::add(CLAUSE_BREAK.len() * bytes.len());
            CLAUSE_BREAK.map(|brk| overlapping(bytes, brk.as_bytes()))
        });
        let mut start = sentence.start;
        let mut end = sentence.end;
        for (brk, at) in CLAUSE_BREAK.iter().zip(breaks.iter()) {
            // The last break wholly between the sentence start and the cue.
            let last = at[..at.partition_point(|&b| b + brk.len() <= cue.start)].last();
            if let Some(&b) = last.filter(|&&b| b >= start) {
                start = b + brk.len();
            }
            // The first wholly between the cue and the clause end so far.
            let first = at[at.partition_point(|&b| b < cue.end)..].first();
            if let Some(&b) = first.filter(|&&b| b + brk.len() <= end) {
                end = b;
            }
        }
        *self.dated.entry((start, end)).or_insert_with(|| {
            steps::add(end - start);
            names_a_date(&text[start..end])
        })
    }

    /// Whether the rest of a clause, from `from`, names a drug before it
    /// back as what the patient is on ("still flaring every week on it",
    /// "despite this").
    fn names_drug_back(&mut self, note: &Note, sentence: usize, from: usize) -> bool {
        let text = note.text();
        let range = note.sentence(sentence);
        // A cue that ends inside a word leaves a piece of it: read the rest
        // itself (no cue of the lexicon does).
        let mid_word = from > range.start
            && from < range.end
            && text[..from].chars().next_back().is_some_and(char::is_alphanumeric)
            && text[from..].chars().next().is_some_and(char::is_alphanumeric);
        if mid_word {
            steps::add(range.end - from);
            return pronoun_object_starts(&text[from..range.end]).next().is_some();
        }
        let starts = self.pronoun_objects.entry(sentence).or_insert_with(|| {
            steps::add(range.len());
            pronoun_object_starts(&text[range.clone()]).map(|s| range.start + s).collect()
        });
        starts.last().is_some_and(|&last| last >= from)
    }
}

/// Whether the phrase of mention `i` is an outcome cue too (mentions of one
/// phrase sit side by side).
fn also_a_cue(mentions: &[Mention], i: usize) -> bool {
    let same_cue =
        |m: &Mention| m.span == mentions[i].span && matches!(m.meaning, Meaning::Cue(..));
    mentions[i.saturating_sub(1)..].iter().take(3).any(same_cue)
}

/// The sentences (indices, in order) that say a drug helped in part
/// (`renewals.tsv` `partial`).
fn sentences_of_some_benefit(note: &Note) -> Vec<usize> {
    steps::add(note.mentions().len());
    let mut sentences: Vec<usize> = note
        .mentions()
        .iter()
        .filter(|m| matches!(m.meaning, Meaning::Renewal(RenewalTerm::Partial)))
        .map(|m| m.sentence)
        .collect();
    sentences.dedup();
    sentences
}

/// Where the note says the disease still flares (a `flaring_on` cue or a
/// persistent-flare phrase of `flares.tsv`, not in a hypothetical clause),
/// in text order.
fn flare_spans(note: &Note) -> Vec<Range<usize>> {
    steps::add(note.mentions().len());
    let flare = |m: &&Mention| {
        matches!(m.meaning, Meaning::Cue(Cue::FlaringOn, _) | Meaning::Flare(FlareTerm::Persistent))
    };
    note.mentions()
        .iter()
        .filter(flare)
        .filter(|m| note.judge(m, Question::NOT_HYPOTHETICAL).is_ok())
        .map(|m| m.span.clone())
        .collect()
}

/// How far from words of some benefit the flares going on are said in the
/// same breath ("partial response but still flaring", "Partial response;
/// eyelid flares continue", "helped a little but she kept flaring"); a
/// flare told further on ("partial improvement: itch is better, but she
/// still has monthly flares") is a finding of its own.
const PARTIAL_FLARE_GAP: usize = 24;

/// Whether a flare of `flares` is said within [`PARTIAL_FLARE_GAP`] bytes of
/// `partial`, before or after it, in its sentence or across a semicolon
/// ("sleeping slightly better. Still flaring" is the sleep's benefit).
fn flares_beside(text: &str, flares: &[Range<usize>], partial: &Range<usize>) -> bool {
    let from = partial.start.saturating_sub(PARTIAL_FLARE_GAP);
    let first = flares.partition_point(|f| f.end < from);
    steps::add(1);
    flares.get(first).is_some_and(|f| {
        let between = f.end.min(partial.start)..f.start.max(partial.end);
        steps::add(between.len());
        f.start <= partial.end + PARTIAL_FLARE_GAP
            && !text.get(between).is_some_and(|b| b.contains(['.', '!', '?']))
    })
}

/// Every position where `needle` occurs in `bytes`, overlapping ones too
/// (" but but " holds " but " twice), in order.
fn overlapping(bytes: &[u8], needle: &[u8]) -> Vec<usize> {
    let finder = memchr::memmem::Finder::new(needle);
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = bytes.get(from..).and_then(|rest| finder.find(rest)) {
        found.push(from + at);
        from += at + 1;
    }
    found
}

/// Where each pair of a preposition and a pronoun ("on it", "despite
/// this", "with them") starts in `rest`, splitting words as
/// [`str::split`] on non-alphanumeric characters does.
fn pronoun_object_starts(rest: &str) -> impl Iterator<Item = usize> + '_ {
    let mut terms = words::terms(rest).peekable();
    std::iter::from_fn(move || loop {
        let (start, term) = terms.next()?;
        let (_, next) = terms.peek()?;
        if words::is_one_of(term, &["on", "despite", "with"])
            && words::is_one_of(next, &OBJECT_PRONOUNS)
        {
            return Some(start);
        }
    })
}

/// Whether a clause holds a month-and-year or a year date, a range of
/// years, or a time ago.
pub(super) fn names_a_date(clause: &str) -> bool {
    let words: Vec<&str> = clause
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
    // "2019-2020": a course that ended in the second year.
    let year_range = |w: &str| w.split_once('-').is_some_and(|(a, b)| year(a) && year(b));
    words.iter().any(|w| month_year(w) || year_range(w))
        || words.windows(2).any(|pair| {
            (unit(pair[0]) && pair[1].eq_ignore_ascii_case("ago"))
                || (pair[0].eq_ignore_ascii_case("last") && unit(pair[1]))
        })
        || words.windows(2).any(|pair| {
            (month(pair[0]) || ["in", "since"].iter().any(|p| pair[0].eq_ignore_ascii_case(p)))
                && year(pair[1])
        })
}

/// How far past a month name its year is read ("Sept 2024").
const MONTH_AND_YEAR: usize = 16;

/// Whether a cue is a verb in the past tense ("started", "was started on",
/// "began"), which a date can place before the visit.
fn past_tense(cue: &str) -> bool {
    let lower = cue.to_ascii_lowercase();
    let verb = lower.trim_end_matches(" on").trim_end();
    // "first dose given (in the office)": a participle anywhere in the cue.
    let given = lower.split(' ').any(|word| word == "given");
    verb.ends_with("ed") || verb.ends_with("began") || verb.ends_with("begun") || given
}

/// Whether a cue is followed by a date ("started 03/2019", "started Sept
/// 2024"): a row of a medication history dating the agent before it, not a
/// clause that starts the agent after it.
fn dated(text: &str, cue_end: usize) -> bool {
    let rest = text[cue_end..].trim_start();
    // A date may close its clause ("started 06/2026: burning ...").
    let token: &str = rest
        .split(|c: char| c.is_whitespace() || c == ',')
        .next()
        .unwrap_or_default()
        .trim_end_matches([':', ';', ')']);
    steps::add(text.len() - cue_end - rest.len() + 2 * token.len() + MONTH_AND_YEAR);
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

/// Every drug mention of a note with its agent, and for each the next
/// mention of another agent, so that "the first other agent in this
/// range" is a look-up.
struct DrugIndex {
    starts: Vec<usize>,
    ends: Vec<usize>,
    agents: Vec<u32>,
    /// For each mention, the index of the next mention of another agent
    /// (the length when there is none).
    next_other: Vec<usize>,
}

impl DrugIndex {
    fn new(vocabulary: &Vocabulary, note: &Note) -> DrugIndex {
        steps::add(note.mentions().len());
        let (mut starts, mut ends, mut agents) = (Vec::new(), Vec::new(), Vec::new());
        for m in note.mentions() {
            if let Meaning::Drug(id) = m.meaning {
                starts.push(m.span.start);
                ends.push(m.span.end);
                agents.push(vocabulary.agent_ids[*id]);
            }
        }
        let mut next_other = vec![agents.len(); agents.len()];
        for i in (0..agents.len().saturating_sub(1)).rev() {
            next_other[i] = if agents[i + 1] != agents[i] { i + 1 } else { next_other[i + 1] };
        }
        DrugIndex { starts, ends, agents, next_other }
    }

    /// Where the first drug mention at or after `from` starts.
    fn first_from(&self, from: usize) -> Option<usize> {
        self.starts.get(self.starts.partition_point(|&s| s < from)).copied()
    }

    /// The agent of the last drug mention that starts before `at`.
    fn last_before(&self, at: usize) -> Option<u32> {
        let count = self.starts.partition_point(|&s| s < at);
        count.checked_sub(1).map(|i| self.agents[i])
    }
}

/// How many sentences (white space, labelled lines with no cue) the look
/// for the next thing said of a drug passes over: a layout leaves a few,
/// and a bound keeps a text of many in linear time.
const MAX_SENTENCES_PASSED: usize = 4;
/// How many fields of a drug's numbered field group the look passes over:
/// an export's group holds a field a line (site, start, stop, duration,
/// response, adverse effect ...).
const GROUP_FIELDS_PASSED: usize = 12;

/// What a walk over the cues after a mention needs to know of its
/// sentence: the text, and where agents other than the mention's are named.
struct Scope<'a> {
    text: &'a str,
    drugs: &'a DrugIndex,
    agent: u32,
    /// A drug mention that runs past the sentence end is not in it.
    sentence_end: usize,
}

impl Scope<'_> {
    /// Where the first mention of another agent in `range` (wholly in the
    /// sentence) is named.
    fn other_agent_in(&self, range: Range<usize>) -> Option<usize> {
        let drugs = self.drugs;
        let mut i = drugs.starts.partition_point(|&s| s < range.start);
        if drugs.agents.get(i) == Some(&self.agent) {
            i = drugs.next_other[i];
        }
        let start = *drugs.starts.get(i)?;
        (start < range.end && drugs.ends[i] <= self.sentence_end).then_some(start)
    }
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
    let bounded = &after[..after.len().min(MAX_CUES_BACK)];
    for (i, hit) in bounded.iter().enumerate() {
        steps::add(1);
        // "Pimecrolimus was denied by her plan; it was never filled": a
        // prescription that never reached the patient is one drug's, the
        // nearest before it, never a list's ("losartan ..., pimecrolimus -
        // prescribed, never filled" in a medication list).
        if hit.1 == Cue::NeverUsed && scope.other_agent_in(from..hit.0.start).is_some() {
            continue;
        }
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
        // "Tacrolimus ointment BID, still using - minimal benefit": a word of
        // use that reaches forward to nothing (a dash, a comma or the line's
        // end after it) is a remark on the agent before, and the clause goes
        // on. (Other cues with no object, "first - pt declined", end it.)
        // One that reaches no other agent before the next cue or the
        // sentence's end ("the desonide cream she uses twice a day is not
        // helping", "helping some, but refill copay was $285 and they
        // stopped") opens no clause of another drug: the walk goes on past
        // it to the failure or stop after it, though it says nothing of this
        // one.
        let next_cue = bounded.get(i + 1).map_or(scope.sentence_end, |next| next.0.start);
        if !hit.2.backward()
            && hit.1 == Cue::Outcome(Outcome::Current)
            && !has_no_object(scope.text, hit.0.end)
            && !object_is_pronoun(scope.text, hit.0.end)
            && scope.other_agent_in(hit.0.end..next_cue).is_none()
            && scope.other_agent_in(last..hit.0.start).is_none()
            && bounded[i + 1..].iter().any(|next| ends_the_course(next.1))
        {
            continue;
        }
        if !hit.2.backward()
            && hit.1 == Cue::Outcome(Outcome::Current)
            && has_no_object(scope.text, hit.0.end)
            && scope.other_agent_in(last..hit.0.start).is_none()
        {
            reached.push(*hit);
            last = hit.0.end;
            continue;
        }
        // "hydrocortisone ointment (started by her pediatrician), used on and
        // off - did little", "triamcinolone x 6 wks (Rx from urgent care) w/
        // minimal improvement": a past start, or a cue that names no other
        // agent before its bracket closes, in a bracket opened after the
        // agent is an aside on it, and the clause goes on.
        if !hit.2.backward()
            && in_parenthesis_after(scope.text, from, hit.0.start)
            && (past_tense(&scope.text[hit.0.clone()]) || bracket_names_no_agent(scope, hit.0.end))
            && scope.other_agent_in(from..hit.0.start).is_none()
        {
            continue;
        }
        if !hit.2.backward() {
            // "... dupilumab ..., and we have agreed to start it": a pronoun
            // object names the agent nearest before the cue.
            if object_is_pronoun(scope.text, hit.0.end)
                && scope.other_agent_in(last..hit.0.start).is_none()
            {
                reached.push(*hit);
                // "cetirizine at night - takes it most nights; does not help
                // the itch": a word of use with the agent as its object is a
                // remark on it, and the clause goes on.
                if hit.1 == Cue::Outcome(Outcome::Current) {
                    last = hit.0.end;
                    continue;
                }
            }
            return (reached, true);
        }
        if let Some(other) = scope.other_agent_in(last..hit.0.start) {
            steps::add(CLAUSE_BREAK.len() * (other - last));
            let broken = CLAUSE_BREAK.iter().any(|b| scope.text[last..other].contains(b));
            if own
                || broken
                || refers_to_nearest(scope.text, hit.0.start)
                || in_parenthesis_after(scope.text, other, hit.0.start)
                || in_a_table_row(scope.text, other)
            {
                return (reached, true);
            }
        }
        own |= states_own_outcome(hit.1);
        reached.push(*hit);
        last = hit.0.end;
    }
    (reached, false)
}

/// The cues of a sentence that names no drug which are said of "it" or
/// "them", the agent named last before the sentence: a stop or an outcome
/// whose object is the pronoun ("... from 03/02 to 08/17. At week 16 he was
/// still flaring, and we stopped it for inadequate response."), with the
/// stops, failures and adverse effects its clause goes on with. A plan or
/// a word of use said of a pronoun ("we will restart it", "she uses it")
/// is left to the sentence's own reading.
///
/// Only a failure or an adverse effect is carried: a stop alone ("he
/// declined it") stays with its own sentence.
fn said_of_a_pronoun<'m>(scope: &Scope, cues: &[CueHit<'m>], it_subject: bool) -> Vec<CueHit<'m>> {
    let ends_a_course = |cue: Cue| cue == Cue::Stopped || states_a_failure(cue);
    let told = |(_, cue, _): &CueHit| ends_a_course(*cue) || *cue == Cue::AdverseEffect;
    let cues = &cues[..cues.len().min(MAX_CUES_BACK)];
    steps::add(cues.len());
    // "we stopped it for inadequate response", or a failure said with the
    // pronoun as its subject: "it only helped while she was putting it on",
    // "It stung so badly ... that she stopped it"; or anywhere in a sentence
    // whose subject is the pronoun ("It cleared them while he was using it,
    // but he flared within a week of stopping").
    let Some(at) = cues.iter().position(|(span, cue, reach)| {
        (reach.forward() && ends_a_course(*cue) && object_is_pronoun(scope.text, span.end))
            || (reach.backward()
                && states_a_failure(*cue)
                && (it_subject || subject_is_pronoun(scope.text, span)))
    }) else {
        return Vec::new();
    };
    let (back, _) = reaching_back(scope, cues[at].0.end, &cues[at + 1..]);
    let said: Vec<CueHit> =
        std::iter::once(cues[at]).chain(back.into_iter().filter(told)).collect();
    let failed =
        said.iter().any(|(_, cue, _)| states_a_failure(*cue) || *cue == Cue::AdverseEffect);
    if failed {
        said
    } else {
        Vec::new()
    }
}

/// Whether the words right after a drug make it the topic of a talk, not
/// the object of the cue before it ("We had started the Dupixent
/// conversation in December", "began the dupilumab discussion"): the cue
/// is about the talk.
fn names_a_talk(text: &str, drug_end: usize) -> bool {
    words::is_one_of(words::word_right_after(text, drug_end), &TALK_NOUNS)
}

/// Nouns of a talk about a drug.
const TALK_NOUNS: [&str; 4] = ["conversation", "conversations", "discussion", "discussions"];

/// Whether a sentence opens with "it", its subject, or with what someone
/// says of it ("she says it clears things while she's on it"): the drug
/// named last before it is what the sentence tells of.
fn opens_with_it(sentence: &str) -> bool {
    let mut opening = words::terms(sentence).map(|(_, word)| word);
    let is_it = |word: Option<&str>| word.is_some_and(|w| w.eq_ignore_ascii_case("it"));
    let first = opening.next();
    if is_it(first) {
        return true;
    }
    let reported = first.is_some_and(|w| words::is_one_of(w, &["she", "he", "they", "mom", "dad"]))
        && opening.next().is_some_and(|w| words::is_one_of(w, &REPORTING_VERBS));
    reported && is_it(opening.next())
}

/// Verbs that report what the patient or a parent says of a drug.
const REPORTING_VERBS: [&str; 8] =
    ["says", "said", "reports", "reported", "notes", "noted", "feels", "states"];

/// How far before a failure word the route word qualifying it may start.
const QUALIFIER_REACH: usize = 16;

/// Whether a route word of the skin stands right before a failure word
/// ("topical failure", "topical therapy failure" is not so qualified).
fn topical_word_before(note: &Note, cue: &Range<usize>) -> bool {
    let before = note.text()[..cue.start].trim_end();
    let near = note.mentions_from(&(cue.start.saturating_sub(QUALIFIER_REACH)..cue.start));
    steps::add(near.len());
    near.iter()
        .any(|m| m.span.end == before.len() && matches!(m.meaning, Meaning::Route(Route::Topical)))
}

/// Whether a sentence names a product the lexicon does not know ("We also
/// tried pro topic ointment 0.1% ... and it burned"): its "it" is that one.
fn names_a_product(sentence: &str) -> bool {
    words::terms(sentence).any(|(_, word)| {
        steps::add(word.len());
        words::is_one_of(word, &PRODUCT_NOUNS)
    })
}

/// Nouns of a product's form.
const PRODUCT_NOUNS: [&str; 8] =
    ["ointment", "cream", "lotion", "gel", "foam", "solution", "tablets", "capsules"];

/// Whether a sentence that names no drug speaks of the one before with a
/// pronoun ("That one she tolerated without any trouble ... ."), so that
/// the story of that drug goes on in the sentence after it ("The same
/// pattern repeated itself: it only helped while she was putting it on").
fn refers_back(sentence: &str) -> bool {
    let mut previous = "";
    words::terms(sentence).any(|(_, word)| {
        steps::add(word.len());
        let found = words::is_one_of(word, &["it"])
            || (words::is_one_of(word, &["one"]) && words::is_one_of(previous, &["that", "this"]));
        previous = word;
        found
    })
}

/// Whether a negation trigger standing before a cue, outside its words,
/// denies it as a reason ("She did not stop because it stopped working").
fn denied_from_before(note: &Note, cue: &Mention) -> bool {
    let Err(Reason::Context(Axis::Negated, cause)) = note.judge(cue, Question::AFFIRMED) else {
        return false;
    };
    let trigger = note.cause_span(cause);
    if trigger.end > cue.span.start {
        return false;
    }
    // Only a denied reason: "did not stop because it stopped working", "not
    // due to lack of efficacy".
    let between = &note.text()[trigger.end..cue.span.start];
    steps::add(between.len());
    words::terms(between).any(|(_, w)| words::is_one_of(w, &["because", "due"]))
}

/// Whether a semicolon in `between` opens a clause with a subject of its
/// own ("prednisone bursts; he had already failed"), as a table row's cell
/// after a semicolon does not ("~2 wk; stopped d/t burning").
fn ends_a_clause(between: &str) -> bool {
    steps::add(between.len());
    between.match_indices(';').any(|(i, _)| {
        let next = words::terms(&between[i + 1..]).next().map(|(_, w)| w);
        next.is_some_and(|w| words::is_one_of(w, &["he", "she", "they", "we", "patient", "pt"]))
    })
}

/// Whether a cue's own words hold a negation ("did not tolerate", "unable
/// to tolerate", "couldn't tolerate").
fn holds_a_negation(cue: &str) -> bool {
    let read = |(at, t): &(usize, &str)| steps::add(at + t.len());
    words::terms(cue)
        .inspect(read)
        .any(|(_, t)| words::is_one_of(t, &["not", "no", "never", "unable", "without", "t"]))
}

/// How many words before an adverse effect a denial of it may stand ("no
/// conjunctivitis", "denies any nausea or").
const DENIAL_REACH: usize = 3;
/// How many bytes before an adverse effect its clause is looked for.
const DENIAL_BYTES: usize = 40;

/// Whether a word of denial stands in the few words just before `start`
/// ("No conjunctivitis or injection-site reactions", "denies nausea").
fn denied_just_before(text: &str, start: usize) -> bool {
    words_of_clause_before(text, start)
        .any(|w| words::is_one_of(w, &["no", "denies", "denied", "nor", "without"]))
}

/// The few words just before `start` in its own clause, nearest first:
/// "(8 weeks, no improvement) and developed burning" denies nothing.
fn words_of_clause_before(text: &str, start: usize) -> impl Iterator<Item = &str> {
    let reach = start.saturating_sub(DENIAL_BYTES);
    let from = super::floor_char_boundary(text, reach);
    steps::add(start - from);
    let clause_start = text[from..start]
        .rfind([',', ';', '.', '(', ')', ':', '\n'])
        .map_or(from, |i| from + i + 1);
    words::words_before(&text[..start], start)
        .take_while(move |w| words::offset_in(text, w) >= clause_start)
        .take(DENIAL_REACH)
}

/// Whether a word of negation stands in the few words of its clause just
/// before a plan word ("not being requested", "was never ordered"), or
/// "no" right before it ("No prior authorization submitted today"); "no
/// loading dose" plans a regimen without one.
fn negated_just_before(text: &str, cue: &Range<usize>) -> bool {
    let names_a_dose = words::words_before(&text[..cue.end], cue.end)
        .next()
        .is_some_and(|w| words::is_one_of(w, &["dose", "doses"]));
    // Only blanks, a wrapped line's break too, between "no" and the cue.
    let before = text[..cue.start].trim_end().as_bytes();
    let no_right_before = before.len() >= 2
        && before[before.len() - 2..].eq_ignore_ascii_case(b"no")
        && !before[..before.len() - 2].last().is_some_and(u8::is_ascii_alphanumeric);
    (no_right_before && !names_a_dose)
        || words_of_clause_before(text, cue.start)
            .any(|w| words::is_one_of(w, &["not", "never", "t", "nor"]))
}

/// How many words before an effect the "for" of an indication may stand
/// ("for allergic conjunctivitis", "for dupilumab-associated conjunctivitis").
const INDICATION_REACH: usize = 3;

/// Whether the word "for" stands in the few words of its clause just before
/// `start`: the effect is what a drug is given for.
fn given_for(text: &str, start: usize) -> bool {
    let reach = start.saturating_sub(DENIAL_BYTES);
    let from = super::floor_char_boundary(text, reach);
    steps::add(start - from);
    // A line wrapped inside the clause goes on with it; a dash apart ends
    // it ("hydroxyzine for itch - too sedating").
    let window = &text[from..start];
    let mark = window.rfind([',', ';', '.', '(', ')', ':']).map(|i| i + 1);
    let dash = window.rfind(" - ").map(|i| i + 2);
    let clause_start = from + mark.max(dash).unwrap_or(0);
    words::words_before(&text[..start], start)
        .take_while(|w| words::offset_in(text, w) >= clause_start)
        .take(INDICATION_REACH)
        .any(|w| words::is_one_of(w, &["for"]))
}

/// Whether the agent at `at` stands in a row of a bar-drawn table ("|
/// tamsulosin 0.4 mg | 1 cap nightly | BPH | Active |"): a row of its own,
/// so a cell on a later row ("| | | | inadequate |") is not shared back
/// past it to the rows above.
fn in_a_table_row(text: &str, at: usize) -> bool {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    steps::add(at - line_start);
    text[line_start..at].trim_start().starts_with('|')
}

/// Whether a cue after an agent gives it an outcome of its own: anything
/// but a plan or a look-alike.
fn states_own_outcome(cue: Cue) -> bool {
    match cue {
        Cue::Outcome(outcome) => outcome != Outcome::Planned,
        Cue::Stopped | Cue::Declined | Cue::AdverseEffect => true,
        // Step 1 has already made flare and ongoing-use cues outcomes or
        // left them out.
        Cue::Masked
        | Cue::FlaringOn
        | Cue::Ongoing
        | Cue::Inquiry
        | Cue::Allergy
        | Cue::Tolerated
        | Cue::CostReason => false,
        // "Tacrolimus was never filled": the course never began.
        Cue::NeverUsed => true,
    }
}

/// Whether a cue says a course failed or ended ("refill copay was $285
/// and they stopped"): what a word of use with no drug for its object
/// ("refill") leaves the clause to say.
fn ends_the_course(cue: Cue) -> bool {
    states_a_failure(cue) || matches!(cue, Cue::Stopped | Cue::CostReason)
}

/// Whether a cue says a course failed or could not go on (failed,
/// intolerant, contraindicated).
fn states_a_failure(cue: Cue) -> bool {
    matches!(cue, Cue::Outcome(Outcome::Failed | Outcome::Intolerant | Outcome::Contraindicated))
}

/// Whether a stop and a capital after white space stand in `between`
/// ("... stopped after 1 wk.\nContinues to flare"): a new sentence that the
/// sentence splitter kept in one for an abbreviation's stop.
fn new_sentence_between(between: &str) -> bool {
    steps::add(between.len());
    between.match_indices('.').any(|(at, _)| {
        let rest = &between[at + 1..];
        let next = rest.trim_start();
        next.len() < rest.len() && next.starts_with(|c: char| c.is_uppercase())
    })
}

/// Whether a character may open a list item before its text: a bullet, an
/// item number, their stop or bracket, and the blanks after them ("- ",
/// "4. ", "• ").
fn item_mark(c: char) -> bool {
    c.is_ascii_digit() || " \t.)-*•–—▪".contains(c)
}

/// Words that make the drug after them a point in time ("before dupilumab",
/// "since stopping the triamcinolone she has been flaring": what follows is
/// told of the time without it).
const TIME_FRAME: [&str; 6] = [
    "before",
    "prior to",
    "since stopping",
    "since stopping the",
    "after stopping",
    "after stopping the",
];

/// Whether the words just before a drug name make it a time frame.
pub(crate) fn names_a_time_frame(text: &str, start: usize) -> bool {
    let before = text[..start].trim_end();
    steps::add(start - before.len() + "prior to".len());
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
/// before it ("..., and her mother says that this has not helped"), or the
/// pronoun and its verb ("..., and a prednisone taper, which gave temporary
/// improvement"); with a subject between ("Cymbalta, Neurontin and Lexapro,
/// which he discontinued due to side effects") it is the object, which may
/// be the whole list.
fn refers_to_nearest(text: &str, cue_start: usize) -> bool {
    let mut before = words::words_before(text, cue_start);
    let (last, earlier) = (before.next().unwrap_or_default(), before.next().unwrap_or_default());
    words::is_one_of(last, &ANAPHORA)
        || (words::is_one_of(earlier, &ANAPHORA) && !words::is_one_of(last, &SUBJECTS))
}

/// How far before a cue the bracket it stands in is looked for.
const BRACKET_REACH: usize = 80;

/// Whether a cue stands in a bracket that closes before the drug after it
/// ("mometasone 0.1% cream (no improvement), tacrolimus 0.03% ointment"):
/// a remark on what the bracket follows, not on the drug.
fn bracketed_before(text: &str, sentence_start: usize, cue: &Range<usize>, drug: usize) -> bool {
    // The bracket opens within a short remark before the cue.
    let from = super::floor_char_boundary(text, cue.start.saturating_sub(BRACKET_REACH));
    if drug - cue.end > BRACKET_REACH {
        return false;
    }
    let (before, after) = (&text[sentence_start.max(from)..cue.start], &text[cue.end..drug]);
    steps::add(before.len() + after.len());
    let opened = before.rfind('(').is_some_and(|open| !before[open..].contains(')'));
    opened && after.contains(')')
}

/// Whether a cue stands in a parenthesis opened after the agent at
/// `other` ("..., cetirizine 10 mg daily (no benefit for itch)"): a remark
/// on that item of a list alone.
///
/// A bracket after a plural that names the whole list ("triamcinolone 0.1%
/// and clobetasol 0.05% ointments (inadequate response)") is said of every
/// item.
fn in_parenthesis_after(text: &str, other: usize, cue_start: usize) -> bool {
    let between = &text[other..cue_start];
    steps::add(between.len());
    between.rfind('(').is_some_and(|open| {
        let of_all = words::words_before(between, open)
            .next()
            .is_some_and(|w| words::is_one_of(w, &LIST_PLURALS));
        !between[open..].contains(')') && !of_all
    })
}

/// Whether the bracket a cue stands in closes, in the cue's sentence,
/// before any other agent is named after the cue.
fn bracket_names_no_agent(scope: &Scope, cue_end: usize) -> bool {
    let rest = &scope.text[cue_end..scope.sentence_end.max(cue_end)];
    steps::add(rest.len().min(BRACKET_REACH));
    rest[..super::floor_char_boundary(rest, BRACKET_REACH)]
        .find(')')
        .is_some_and(|close| scope.other_agent_in(cue_end..cue_end + close).is_none())
}

/// Plural nouns that end a list of agents and name all of them.
const LIST_PLURALS: [&str; 8] =
    ["ointments", "creams", "lotions", "gels", "steroids", "topicals", "TCS", "agents"];

/// Whether the word right before a cue is "it", its subject ("it stung").
fn subject_is_pronoun(text: &str, cue: &Range<usize>) -> bool {
    words::word_right_before(text, cue.start).eq_ignore_ascii_case("it")
}

/// Whether the word just after a cue is a pronoun ("start it", "restart
/// them"), so the cue is about an agent named before it.
fn object_is_pronoun(text: &str, cue_end: usize) -> bool {
    words::is_one_of(words::word_right_after(text, cue_end), &OBJECT_PRONOUNS)
}

/// Whether nothing a cue could be about follows it on its line: only
/// blanks, then a dash, a comma, a colon, a semicolon, a stop, a closing
/// bracket or the line's end.
fn has_no_object(text: &str, cue_end: usize) -> bool {
    let rest = &text[cue_end..];
    let next = rest.char_indices().find(|(_, c)| *c != ' ' && *c != '\t');
    steps::add(next.map_or(rest.len(), |(i, _)| i + 1));
    next.is_none_or(|(_, c)| {
        matches!(c, '-' | '–' | '—' | ',' | ';' | ':' | '.' | ')' | '\n' | '\r')
    })
}

/// Whether the words just before a cue open a relative clause whose object
/// is the agent named before ("which she still uses", "that he takes"); a
/// bare "which" is the clause's subject ("which started to burn"), not this.
fn relative_clause_before(text: &str, cue_start: usize) -> bool {
    let mut before = words::words_before(text, cue_start);
    let is = |w: Option<&str>, set: &[&str]| w.is_some_and(|w| words::is_one_of(w, set));
    let (last, earlier) = (before.next(), before.next());
    is(last, &SUBJECTS) && is(earlier, &RELATIVES)
}

/// Relative pronouns that take a drug named before as their object.
const RELATIVES: [&str; 2] = ["which", "that"];

/// Subjects of a relative clause about the patient's own use.
const SUBJECTS: [&str; 5] = ["she", "he", "they", "we", "i"];

/// How many blanks open a table cell wrapped under its column, past any
/// prose indent or list item's.
const WRAPPED_CELL_INDENT: usize = 16;

/// Words of a patient's assent to what was put to her.
const ASSENT: [&str; 4] = ["agrees", "agreed", "consents", "consented"];

/// Whether a sentence is only a subject's assent ("Pt agrees.", "She
/// consents."): at most three words, one of them [`ASSENT`].
fn is_bare_assent(sentence: &str) -> bool {
    // A long sentence is no bare assent: no need to split it.
    if sentence.len() > ASSENT_LEN {
        return false;
    }
    let words = || sentence.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| !w.is_empty());
    words().count() <= 3 && words().any(|w| ASSENT.iter().any(|a| w.eq_ignore_ascii_case(a)))
}

/// The longest bare assent, in bytes ("The patient consents.").
const ASSENT_LEN: usize = 40;

/// Pronouns that stand for a drug named before as the object of a cue.
const OBJECT_PRONOUNS: [&str; 3] = ["it", "this", "them"];

/// The cues that reach the drug at `span`, with which of them a list of
/// agents shares and whether a continue cue names the drug as the course.
struct ReachingCues<'m> {
    cues: Vec<CueHit<'m>>,
    listed_cue: Option<Range<usize>>,
    ongoing_course: bool,
}

/// Whether a cue that reaches forward runs straight on into the drug after
/// it, with no comma, colon or dash between ("- h/o failed triamcinolone"):
/// then it is that drug's outcome, and not a comment on the line before.
fn governs_drug_after(text: &str, (cue, _, reach): &CueHit, drug_start: usize) -> bool {
    steps::add(drug_start.saturating_sub(cue.end));
    reach.forward()
        && drug_start >= cue.end
        && !text[cue.end..drug_start].contains([',', ';', ':', '-', '.', '\n'])
}

/// Step 4: the outcome the reaching cues give: the strongest one, a stop
/// made an intolerance by an adverse effect beside it.
fn read_cues(reaching: &ReachingCues, span: &Range<usize>) -> CueReading {
    let ReachingCues { cues, listed_cue, ongoing_course } = reaching;
    let mut best = CueReading {
        outcome: Outcome::Mentioned,
        stopped: false,
        planned: false,
        cue: None,
        said_by: None,
        listed: false,
        course: *ongoing_course,
        asked: false,
        allergy: false,
        in_use: None,
        declined: false,
        never_used: None,
        plans: Vec::new(),
        stops: Vec::new(),
    };
    let mut adverse = None;
    let mut cost = false;
    let mut tolerated: Option<usize> = None;
    steps::add(cues.len());
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
                best.stops.push(cue_span.clone());
                continue;
            }
            Cue::Declined => {
                best.declined = true;
                best.stops.push(cue_span.clone());
                continue;
            }
            Cue::AdverseEffect => {
                adverse = adverse.or(Some((quoted, cue_span.clone())));
                continue;
            }
            Cue::Inquiry => {
                best.asked = true;
                continue;
            }
            Cue::Allergy => {
                best.allergy = true;
                continue;
            }
            Cue::NeverUsed => {
                best.never_used.get_or_insert_with(|| cue_span.clone());
                continue;
            }
            Cue::Tolerated => {
                tolerated = Some(cue_span.start);
                continue;
            }
            Cue::CostReason => {
                cost = true;
                continue;
            }
            Cue::Masked | Cue::FlaringOn | Cue::Ongoing => continue,
        };
        if outcome == Outcome::Planned {
            best.planned = true;
            best.plans.push(cue_span.clone());
        }
        if outcome == Outcome::Current && best.in_use.is_none() {
            best.in_use = Some(cue_span.clone());
        }
        if rank(outcome) < rank(best.outcome) {
            best.outcome = outcome;
            // A weaker cue near the name ("Continue triamcinolone") is no
            // quote for a stronger outcome said further on.
            best.cue = quoted;
            best.said_by = Some(cue_span.clone());
            best.listed = listed_cue.as_ref() == Some(cue_span);
        }
    }
    // Stopped because of an adverse effect: intolerance ("discontinued for
    // persistent nausea"). Stopped for cost or plans stays a bare stop.
    if let Some((quoted, said_by)) = adverse.filter(|_| best.stopped) {
        if rank(Outcome::Intolerant) < rank(best.outcome) {
            best.outcome = Outcome::Intolerant;
            best.cue = quoted;
            best.said_by = Some(said_by);
            best.listed = false;
        }
    }
    // Stopped for its cost ("helping some, but the copay was $285 and they
    // stopped"): the course ended for no failure of the drug, and is no
    // longer in use, whatever a verdict beside it says.
    if cost && best.stopped && matches!(best.outcome, Outcome::Failed | Outcome::Current) {
        best.outcome = Outcome::Mentioned;
        best.cue = None;
        best.said_by = best.stops.last().cloned();
        best.in_use = None;
        best.listed = false;
    }
    // "Burned the first week, then tolerated it": the effect passed, and a
    // tolerance said after it leaves no intolerance.
    let passed = |said_by: &Range<usize>| tolerated.is_some_and(|at| at >= said_by.end);
    if best.outcome == Outcome::Intolerant && best.said_by.as_ref().is_some_and(passed) {
        best.outcome = if best.in_use.is_some() { Outcome::Current } else { Outcome::Mentioned };
        best.cue = None;
        best.said_by = None;
    }
    // "The tacrolimus he was prescribed was never picked up": a course that
    // never began neither failed nor goes on, and the prescription before
    // the words was that course, no order now; a plan after them stands
    // ("never filled it; will resend the prescription").
    if let Some(never) = best.never_used.clone() {
        if best.plans.iter().all(|plan| plan.end <= never.start) {
            best.planned = false;
            best.plans.clear();
        }
        if rank(best.outcome) <= rank(Outcome::Planned) {
            best.outcome = if best.planned { Outcome::Planned } else { Outcome::Mentioned };
            best.cue = None;
            best.said_by = Some(never);
            best.in_use = None;
            best.listed = false;
        }
    }
    best
}

/// Whether the words between a cue and the drug after it leave the drug
/// its object: nothing, or a determiner ("to her current Rinvoq").
fn names_the_course(between: &str) -> bool {
    let determiners = ["the", "her", "his", "their", "current", "existing", "ongoing"];
    // What it reads: up to the end of the first term that is no determiner.
    let read = |(at, t): &(usize, &str)| steps::add(at + t.len());
    words::terms(between).inspect(read).all(|(_, t)| words::is_one_of(t, &determiners))
}

/// How many words a talk about a drug ("discussed", "asked about") may
/// stand before it: a short noun phrase ("the new eczema shot").
const TALK_REACH_WORDS: usize = 4;

/// Whether the words between a talk cue and the drug after it are few
/// enough to be the drug's noun phrase.
fn few_words(between: &str) -> bool {
    let read = |(at, t): &(usize, &str)| steps::add(at + t.len());
    words::terms(between).inspect(read).take(TALK_REACH_WORDS + 1).count() <= TALK_REACH_WORDS
}

/// How far into the next sentence a cue still reads as a comment on the
/// drug before it ("...; no meaningful improvement after 10 weeks").
const OPENING: usize = 40;

/// The end of a sentence's opening words: its first bytes after white space.
fn opening_of(text: &str, sentence: &Range<usize>) -> usize {
    let body = &text[sentence.clone()];
    let leading = body.len() - body.trim_start().len();
    steps::add(leading);
    sentence.start + leading + OPENING
}
