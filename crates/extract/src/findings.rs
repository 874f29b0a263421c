//! The scalar facts: diagnosis, high-impact sites, persistent flares and
//! prescriber specialty, each with its evidence (values are `values`'). All
//! read from the note's mentions; whether one is a current fact is asked of
//! the mention layer ([`Note::judge`]).

use crate::boxes::Answer;
use crate::lexicon::{
    DiagnosisTerm, Drug, FlareTerm, Meaning, SiteTerm, SpecialtyTerm, Vocabulary, WorkUp,
};
use crate::mentions::{Mention, Note, Question, Reason};
use crate::values::current::{addendum_start, Dating};
use crate::words;
use necessity_context::{steps, Axis, Cause, SectionKind};
use necessity_record::{Site, Span, Specialty, TreatmentClass};
use regex::Regex;
use std::ops::Range;

fn span_of(text: &str, range: &Range<usize>) -> Option<Span> {
    Span::of(text, range.start, range.end)
}

/// Whether the note is about a skin disease: it names a dermatitis, eczema or
/// look-alike, or a biologic for atopic dermatitis. Body sites, BSA and itch
/// scores count only in such notes (not a burn's "60% TBSA" or a surgeon's
/// "right-hand dominant").
pub fn is_skin_note(vocabulary: &Vocabulary, note: &Note) -> bool {
    steps::add(note.mentions().len());
    note.mentions().iter().any(|m| match m.meaning {
        Meaning::Diagnosis(term) => names_skin_disease(term),
        Meaning::Drug(id) => vocabulary.drugs[*id].for_dermatitis,
        _ => false,
    })
}

/// Whether a diagnosis word is about skin disease (not "asthma").
pub fn names_skin_disease(term: &DiagnosisTerm) -> bool {
    !matches!(term, DiagnosisTerm::OtherIndication)
}

/// Whether a drug is a skin treatment, which puts a bare "AD" in a
/// dermatitis context ("On Dupixent ... for AD").
fn treats_dermatitis(drug: &Drug) -> bool {
    matches!(
        drug.class,
        TreatmentClass::TopicalCorticosteroid
            | TreatmentClass::TopicalCalcineurinInhibitor
            | TreatmentClass::TopicalPde4Inhibitor
            | TreatmentClass::TopicalJakInhibitor
            | TreatmentClass::TopicalAhrAgonist
    ) || drug.for_dermatitis
}

/// The diagnosis: atopic dermatitis when affirmed anywhere (a bare "AD" only
/// in a dermatitis context, not in a differential), else a look-alike the
/// note affirms; in a document that names no skin disease, an EASI score.
pub fn diagnosis(vocabulary: &Vocabulary, note: &Note) -> Option<(String, Span)> {
    let mentions = note.mentions();
    steps::add(2 * mentions.len());
    let named: Vec<(&String, bool, &Mention)> = mentions
        .iter()
        .filter_map(|m| match m.meaning {
            // A clinic's name ("Lakeview Psoriasis Center") is no diagnosis.
            Meaning::Diagnosis(DiagnosisTerm::Named { diagnosis, needs_context })
                if !note.in_organization_name(m) =>
            {
                Some((diagnosis, *needs_context, m))
            }
            _ => None,
        })
        .collect();
    // A document that names no skin disease at all but scores EASI (the
    // Eczema Area and Severity Index, an instrument of atopic dermatitis
    // alone) documents atopic dermatitis: a pharmacist's renewal worksheet
    // that gives "EASI 31.4 -> 12.0" and nothing else.
    if named.is_empty() {
        let scored = mentions.iter().find(|m| {
            matches!(m.meaning, Meaning::Measure(crate::lexicon::MeasureKind::Easi))
                && note.judge(m, Question::AFFIRMED).is_ok()
        })?;
        return Some(("atopic_dermatitis".to_string(), span_of(note.text(), &scored.span)?));
    }
    let dermatitis_context = mentions.iter().any(|m| match m.meaning {
        Meaning::Diagnosis(DiagnosisTerm::DermatitisContext) => true,
        Meaning::Diagnosis(DiagnosisTerm::Named { needs_context, .. }) => !needs_context,
        Meaning::Drug(id) => treats_dermatitis(&vocabulary.drugs[*id]),
        _ => false,
    });
    let affirmed: Vec<&(&String, bool, &Mention)> = named
        .iter()
        .filter(|(_, needs_context, _)| !needs_context || dermatitis_context)
        .filter(|(_, _, m)| note.judge(m, Question::DIAGNOSIS).is_ok())
        .collect();
    let is_ad = |d: &String| d.as_str() == "atopic_dermatitis";
    let ruling_out: Vec<usize> = named
        .iter()
        .filter(|(d, _, m)| is_ad(d) && note.judge(m, Question::AFFIRMED).is_err())
        .map(|(_, _, m)| m.span.start)
        .collect();
    let ad_ruled_out = !ruling_out.is_empty();
    // The look-alike named nearest the words that rule atopic dermatitis
    // out ("this is prurigo nodularis and not atopic dermatitis"), before
    // one named elsewhere ("... twice treated for scabies" in the history).
    let distance = |m: &Mention| ruling_out.iter().map(|&at| at.abs_diff(m.span.start)).min();
    let nearest = affirmed.iter().filter(|(d, _, _)| !is_ad(d)).min_by_key(|(_, _, m)| distance(m));
    // Its first affirmed mention is the evidence.
    let look_alike =
        nearest.and_then(|(chosen, _, _)| affirmed.iter().find(|(d, _, _)| d == chosen));
    // "This is psoriasis, not atopic dermatitis" decides the diagnosis: the
    // spec's not_met case, whatever "eczema" the referral called it before.
    // Its evidence is today's words where the note has them, not an
    // earlier visit's copied or exported text ahead of them.
    let today = |(_, _, m): &&&(&String, bool, &Mention)| m.section != SectionKind::PriorVisit;
    let ad = || affirmed.iter().filter(|(d, _, _)| is_ad(d));
    // An assessment that affirms atopic dermatitis beside another disease
    // ("1. Atopic dermatitis, moderate ... 2. Plaque psoriasis, limited")
    // keeps it, whatever a negation elsewhere reached.
    let in_assessment = |m: &Mention| m.section == SectionKind::AssessmentPlan;
    let ruled_out_there = named.iter().any(|(d, _, m)| {
        is_ad(d) && in_assessment(m) && note.judge(m, Question::AFFIRMED).is_err()
    });
    let assessed = !ruled_out_there && ad().any(|(_, _, m)| in_assessment(m));
    let chosen = match look_alike {
        Some(other) if ad_ruled_out && !assessed => other,
        _ => ad().find(today).or_else(|| ad().next()).or(look_alike)?,
    };
    Some((chosen.0.clone(), span_of(note.text(), &chosen.2.span)?))
}

/// Whether a doubt's cause is a form's question mark answered Yes
/// ("Diagnosis of moderate-to-severe atopic dermatitis?   Yes"): the
/// answer affirms what the question asks.
fn answered_yes(note: &Note, cause: Range<usize>) -> bool {
    note.text()[cause.clone()].ends_with('?')
        && note.answer_to(cause.end - 1) == Some(crate::boxes::Answer::Yes)
}

/// The mentions of the patient's diagnosis that the note holds in doubt
/// ("AD vs contact dermatitis", "rule out atopic dermatitis", a
/// differential), of atopic dermatitis or of the diagnosis `chosen`: set
/// aside as uncertain, and for nothing else (a negated or a relative's
/// diagnosis is no doubt). A doubt the note goes on to settle by a work-up
/// is none: a later sentence that names a test done and the diagnosis
/// affirmed ("putting the histology and negative work-up together, this is
/// atopic dermatitis"), or told as the test's finding ("punch biopsy showed
/// spongiotic dermatitis consistent with atopic dermatitis"). A test planned
/// or denied settles nothing, nor does a doubt left after the settling words.
pub fn diagnosis_doubts(note: &Note, chosen: Option<&str>) -> Vec<Span> {
    steps::add(2 * note.mentions().len());
    let tested = sentences_with_a_test(note);
    let mut doubts: Vec<(usize, &Mention)> = Vec::new();
    // The last sentence that settles the diagnosis by a work-up.
    let mut settled: Option<usize> = None;
    for m in note.mentions() {
        let of_patient = match m.meaning {
            Meaning::Diagnosis(DiagnosisTerm::Named { diagnosis, .. }) => {
                (diagnosis == "atopic_dermatitis" || Some(diagnosis.as_str()) == chosen)
                    && !note.in_organization_name(m)
            }
            _ => false,
        };
        if !of_patient {
            continue;
        }
        let with_test = tested.binary_search(&m.sentence).is_ok();
        match note.judge(m, Question::DIAGNOSIS) {
            Ok(()) if with_test => settled = Some(m.sentence),
            Err(Reason::Context(Axis::Uncertain, cause)) => {
                if with_test && told_as_finding(note, cause) {
                    settled = Some(m.sentence);
                } else if !asks_about_what_follows(note, m, note.cause_span(cause))
                    && !answered_yes(note, note.cause_span(cause))
                {
                    doubts.push((m.sentence, m));
                }
            }
            _ => {}
        }
    }
    doubts
        .into_iter()
        .filter(|(sentence, _)| settled.is_none_or(|at| *sentence > at))
        .filter_map(|(_, m)| span_of(note.text(), &m.span))
        .collect()
}

/// The sentences that name a test done: a work-up word neither denied nor
/// planned ("biopsy pending" is no result, "if patch testing" none either).
fn sentences_with_a_test(note: &Note) -> Vec<usize> {
    let mut sentences: Vec<usize> = note
        .mentions()
        .iter()
        .filter(|m| matches!(m.meaning, Meaning::WorkUp(WorkUp::Test)))
        .filter(|m| {
            note.judge(m, Question::AFFIRMED).is_ok()
                && note.judge(m, Question::NOT_HYPOTHETICAL).is_ok()
        })
        .map(|m| m.sentence)
        .collect();
    sentences.dedup();
    sentences
}

/// Whether the uncertainty trigger `cause` is the word a test's finding is
/// told with ("consistent with"): a result, not a doubt.
fn told_as_finding(note: &Note, cause: Cause) -> bool {
    let trigger = note.cause_span(cause);
    let at = note.mentions_from(&trigger);
    steps::add(at.len());
    at.iter().any(|m| m.span == trigger && matches!(m.meaning, Meaning::WorkUp(WorkUp::Finding)))
}

/// The classes of advanced drug the note says the patient takes none of,
/// now or alongside the request, with the words that say so: a class word
/// negated in a statement about the patient ("he is not on, and has never
/// received, any biologic", "no other biologic or JAK inhibitor will be
/// used with it"), or named in a form question answered No ("Will Dupixent
/// be used in combination with another biologic? [x] No"). A negation word
/// of a failure cue ("no response to a biologic") denies nothing, and a
/// hypothetical or a relative's statement says nothing of the patient.
pub fn no_concurrent_classes(note: &Note) -> Vec<(TreatmentClass, Span)> {
    let text = note.text();
    let mut found: Vec<(TreatmentClass, Span)> = Vec::new();
    steps::add(note.mentions().len());
    for m in note.mentions() {
        let Meaning::AdvancedClass(classes) = m.meaning else { continue };
        let denied = matches!(
            note.judge(m, Question::treatment(false)),
            Err(Reason::Context(Axis::Negated, _))
        ) && note.judge(m, Question::STATEMENT).is_ok();
        let answered_no = || {
            note.question_mark_after(m.span.end, CLASS_QUESTION_REACH)
                .is_some_and(|mark| note.answer_to(mark) == Some(Answer::No))
        };
        if !(denied || answered_no()) {
            continue;
        }
        for class in classes.iter() {
            if found.iter().all(|(c, _)| c != class) {
                found.extend(span_of(text, &m.span).map(|span| (*class, span)));
            }
        }
    }
    found
}

/// The agents a form's question about a past trial names and its ticked
/// answer denies ("Has the patient tried and had an inadequate response
/// ... to a PREFERRED product (Adbry, Ebglyss, Nemluvio, Cibinqo or
/// Rinvoq)?  [ ] Y [X] N"): drugs the note says were never tried, each
/// with its first mention. A drug the note also gives the patient is the
/// caller's to drop.
/// Whether a line opens a numbered item ("5. Will ...", "12) ...").
fn starts_a_numbered_item(line: &str) -> bool {
    let line = line.trim_start();
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    digits > 0 && line[digits..].starts_with(['.', ')'])
}

pub fn never_tried(
    patterns: &FindingPatterns,
    vocabulary: &Vocabulary,
    note: &Note,
) -> Vec<(String, Span)> {
    let text = note.text();
    let mut found: Vec<(String, Span)> = Vec::new();
    // A question answered on its own line hides its drugs from the
    // mentions; one that wraps leaves those on its first line stated.
    let stated = note.mentions().iter().map(|m| (&m.span, m.meaning));
    let hidden = note.hidden_drugs().iter().map(|t| (&t.span, t.meaning));
    let mut drugs: Vec<_> = stated
        .chain(hidden)
        .filter_map(|(span, meaning)| match meaning {
            Meaning::Drug(id) => Some((span, &vocabulary.drugs[*id].agent)),
            _ => None,
        })
        .collect();
    drugs.sort_by_key(|(span, _)| span.start);
    steps::add(note.mentions().len() + drugs.len());
    for (span, agent) in drugs {
        if found.iter().any(|(a, _)| a == agent) {
            continue;
        }
        // The question's words run back to the previous question's mark
        // (or as far as a question reaches), across wrapped lines; they are
        // read as written, since a form's question words are no findings.
        let from = span.start.saturating_sub(CLASS_QUESTION_REACH);
        let from = crate::treatments::floor_char_boundary(text, from);
        let from = text[from..span.start].rfind('?').map_or(from, |mark| from + mark + 1);
        steps::add(span.start - from);
        let asks_of_a_trial = patterns.trial_question.is_match(&text[from..span.start]);
        // The mark ends the drug's own question: no box or numbered item
        // of a later question stands between them ("[X] Adbry  [ ] Ebglyss
        // \n 5. Will Dupixent be given with ...? [X] No" asks another thing).
        let own_question = |mark: usize| {
            let between = &text[span.end..mark];
            !between.contains(['[', '\u{2610}', '\u{2612}', '\u{2611}'])
                && !between.lines().skip(1).any(starts_a_numbered_item)
        };
        let answered_no = || {
            note.question_mark_after(span.end, CLASS_QUESTION_REACH)
                .filter(|&mark| own_question(mark))
                .is_some_and(|mark| note.ticked_answer_to(mark) == Some(Answer::No))
        };
        if asks_of_a_trial && answered_no() {
            found.extend(span_of(text, span).map(|span| (agent.clone(), span)));
        }
    }
    found
}

/// The drugs of the list that ends a sentence when the next sentence says
/// the patient never took them ("... requires prior use of a preferred
/// product: Adbry (tralokinumab), Ebglyss (lebrikizumab) or Rinvoq
/// (upadacitinib). She has not taken any of these medications."), each with
/// its mention. Only the list is pointed back to: a drug named earlier in
/// the sentence ("Dupixent is no longer preferred ...") is not.
pub fn never_taken_list(
    patterns: &FindingPatterns,
    vocabulary: &Vocabulary,
    note: &Note,
) -> Vec<(String, Span)> {
    let text = note.text();
    let drugs: Vec<&Mention> =
        note.mentions().iter().filter(|m| matches!(m.meaning, Meaning::Drug(_))).collect();
    steps::add(drugs.len());
    let mut found: Vec<(String, Span)> = Vec::new();
    for sentence in drugs.chunk_by(|a, b| a.sentence == b.sentence) {
        let mut first = sentence.len() - 1;
        while first > 0
            && joins_list(&text[sentence[first - 1].span.end..sentence[first].span.start])
        {
            first -= 1;
        }
        let list = &sentence[first..];
        let next = note.sentence(list[0].sentence + 1);
        let names_a_drug =
            note.mentions_from(&next).iter().any(|m| matches!(m.meaning, Meaning::Drug(_)));
        steps::add(next.len());
        if list.len() < 2 || names_a_drug || !patterns.none_of_these_taken.is_match(&text[next]) {
            continue;
        }
        for m in list {
            let Meaning::Drug(id) = m.meaning else { continue };
            let agent = &vocabulary.drugs[*id].agent;
            if found.iter().all(|(a, _)| a != agent) {
                found.extend(span_of(text, &m.span).map(|span| (agent.clone(), span)));
            }
        }
    }
    found
}

/// Whether the words between two drugs join them in one list: commas,
/// brackets, "or" and "and" ("), Ebglyss (", " or ").
fn joins_list(between: &str) -> bool {
    steps::add(between.len().min(LIST_GAP));
    between.len() <= LIST_GAP
        && between.split(|c: char| !c.is_alphabetic()).all(|word| {
            word.is_empty() || word.eq_ignore_ascii_case("or") || word.eq_ignore_ascii_case("and")
        })
}

/// How long the words joining two drugs of a list may be.
const LIST_GAP: usize = 12;

/// How far after a class word a form question's mark may stand ("another
/// biologic or a JAK inhibitor (oral or topical)?").
const CLASS_QUESTION_REACH: usize = 200;

/// Whether the question mark at `mark` asks about a clause after the
/// diagnosis `mention` that names no diagnosis: "worsening eczema,
/// options?" asks about the options, while "eczema?", "eczema or
/// psoriasis?" and "eczema, psoriasis or tinea?" doubt the diagnosis.
fn asks_about_what_follows(note: &Note, mention: &Mention, mark: Range<usize>) -> bool {
    let text = note.text().as_bytes();
    if &text[mark.clone()] != b"?" || mark.start < mention.span.end {
        return false;
    }
    let between = &text[mention.span.end..mark.start];
    let Some(cut) = between.iter().rposition(|b| matches!(b, b',' | b';' | b':')) else {
        return false;
    };
    let clause = mention.span.end + cut..mark.start;
    let first = note.mentions().partition_point(|m| m.span.start < clause.start);
    let in_clause = note.mentions()[first..].iter().take_while(|m| m.span.start < clause.end);
    steps::add(clause.len());
    !in_clause.into_iter().any(|m| matches!(m.meaning, Meaning::Diagnosis(_)))
}
/// The part of the body a site phrase names, for telling which word a
/// later "clear" denies: its last word in the singular, so "Dorsal hands:
/// clear" clears the hands, and "hand" the "hands", while "forehead clear"
/// leaves the cheeks.
fn site_word(text: &str, span: &Range<usize>) -> String {
    let phrase = text.get(span.clone()).unwrap_or_default();
    let last = phrase.rsplit(|c: char| !c.is_alphabetic()).find(|w| !w.is_empty()).unwrap_or("");
    let last = last.to_lowercase();
    last.strip_suffix('s').map(str::to_string).unwrap_or(last)
}

/// Whether a site labels an examination's field ("Scalp: 3 round patches of
/// non-scarring alopecia ... no eczematous change.") that denies eczema in
/// it: whatever lesions the field describes are another disease's, and the
/// site has no eczema.
fn labels_a_field_without_eczema(note: &Note, mention: &Mention) -> bool {
    let (text, lines) = (note.text(), note.lines());
    let first = lines.line_of(mention.span.start);
    let opens = lines.content_of(first) == mention.span.start;
    let label = text[mention.span.end..].trim_start_matches([' ', '\t']).starts_with(':');
    if !(opens && label) {
        return false;
    }
    // The field runs to the next label, list item or blank line.
    let mut last = first;
    while last + 1 < lines.count() && last < first + FIELD_LINES {
        let next = lines.range(last + 1);
        let line = &text.as_bytes()[lines.content_of(last + 1).min(next.end)..next.end];
        steps::add(necessity_context::LABEL_REACH.min(line.len()));
        if line.is_empty()
            || necessity_context::starts_with_label(line)
            || necessity_context::starts_with_bullet(line)
        {
            break;
        }
        last += 1;
    }
    let item = lines.range(first).start..lines.range(last).end;
    let eczema = |m: &Mention| match m.meaning {
        Meaning::Diagnosis(DiagnosisTerm::DermatitisContext) => true,
        Meaning::Diagnosis(DiagnosisTerm::Named { diagnosis, .. }) => {
            diagnosis == "atopic_dermatitis"
        }
        _ => false,
    };
    steps::add(1);
    // The denial is the field's own: its sentence names no site of its own
    // ("Elsewhere (face, neck, trunk): no dermatitis").
    let names_a_site = |m: &Mention| {
        let sentence = note.sentence(m.sentence);
        note.mentions_in(&sentence).any(|other| {
            matches!(other.meaning, Meaning::Site(SiteTerm::Site(_)))
                && other.span.start != mention.span.start
        })
    };
    note.mentions_in(&item).filter(|m| eczema(m)).any(|m| {
        matches!(note.judge(m, Question::CURRENT_FACT), Err(Reason::Context(Axis::Negated, _)))
            && !names_a_site(m)
    })
}

/// How many lines an examination's field may run to.
const FIELD_LINES: usize = 6;

/// Whether a site's word names all of it ("face", "facial", "hands"), not a
/// part ("cheeks", "dorsal hands" is the hands too by its last word).
fn is_whole_site(site: Site, word: &str) -> bool {
    let name = site_name(site);
    word == name.strip_suffix('s').unwrap_or(name)
        || matches!((site, word), (Site::Face, "facial") | (Site::Feet, "foot"))
}

/// Whether a site word names the disease of the site right after it ("No
/// facial eczema", "no hand dermatitis"): a denial of that disease there.
fn names_its_disease(note: &Note, site: &Mention) -> bool {
    let next = site.span.end..site.span.end + SITE_DISEASE_GAP;
    note.mentions_from(&next).iter().any(|m| {
        matches!(m.meaning, Meaning::Diagnosis(_))
            && note.text()[site.span.end..m.span.start].trim().is_empty()
    })
}

/// Whether the negation that reaches a site is a "no" right before it ("No
/// facial eczema"), not a clause's "not" ("not for irritant hand
/// dermatitis").
fn says_no_just_before(note: &Note, cause: Cause, site: &Mention) -> bool {
    let trigger = note.cause_span(cause);
    let text = note.text();
    trigger.end <= site.span.start
        && text[trigger.end..site.span.start].trim().is_empty()
        && text[trigger.clone()].eq_ignore_ascii_case("no")
}

/// Whether the site labels an examination's field whose value says the
/// skin is clear ("- Hands/wrists: clear, mild xerosis only", "Face incl.
/// eyelids: clear"): the field speaks of all of the site, so its knuckles
/// and dorsal hands are clear too, as "No hand eczema" clears them.
fn labels_a_clear_field(note: &Note, cause: Cause, site: &Mention) -> bool {
    let text = note.text();
    let trigger = note.cause_span(cause);
    let line = note.lines().range(note.lines().line_of(site.span.start));
    let opens_line = text[line.start..site.span.start]
        .trim_start()
        .trim_start_matches(['-', '*', '\u{2022}'])
        .trim()
        .is_empty();
    let label = text.get(site.span.end..trigger.start).unwrap_or_default();
    opens_line
        && trigger.end <= line.end
        && note.says_skin_is_clear(cause)
        && label.rfind(':').is_some_and(|colon| label[colon + 1..].trim().is_empty())
}

/// How far after a site word the disease it names may start.
const SITE_DISEASE_GAP: usize = 2;

/// The high-impact sites involved now: a site word in a sentence that also
/// names a lesion, rash or eczema, and is itself a current fact ("no hand
/// involvement" and "face spared" are not). A site named only as where a
/// drug is applied ("tacrolimus to face") gives way to a current statement
/// that it is clear ("eyelids and hands clear"), and so does any involvement
/// a later word of clear skin denies: a note's latest word on a site is its
/// examination ("flaring on dorsal hands" in the history, "dorsal hands
/// clear" in the exam), and a policy's criteria quoted in a letter ("atopic
/// dermatitis of the hands and/or feet") give way to "hands and feet are
/// clear".
pub fn sites(note: &Note, dating: &Dating) -> Vec<(Site, Span)> {
    let text = note.text();
    // A lesion word counts only when it is itself affirmed: "the penis has no
    // plaques" involves no site.
    let mut lesion_sentences: Vec<bool> = Vec::new();
    steps::add(2 * note.mentions().len());
    for m in note.mentions() {
        // A lesion or flare put in the past ("hyperpigmentation from prior
        // flares") ties no site to disease now; a disease named with its
        // history ("eczema since childhood") still does.
        let past = !matches!(m.meaning, Meaning::Diagnosis(_))
            && note.judge(m, Question::NOT_HISTORICAL).is_err();
        if is_lesion_word(m.meaning) && !past && note.judge(m, Question::LESION).is_ok() {
            if lesion_sentences.len() <= m.sentence {
                lesion_sentences.resize(m.sentence + 1, false);
            }
            lesion_sentences[m.sentence] = true;
        }
    }
    // Per site: the first mention that involves it, whether that one and
    // every later one only name where a drug is applied, and whether a
    // current statement clears it ("eyelids and hands clear").
    let mut involved: Vec<(Site, Span, bool)> = Vec::new();
    let mut cleared: Vec<Site> = Vec::new();
    // Per site and word involving it ("cheeks"), whether a word of clear
    // skin denies that same word after its last involvement: "forehead
    // clear" leaves the cheeks involved.
    let mut words: Vec<(Site, String, bool)> = Vec::new();
    let examined = examined_areas(note);
    let risks = risk_brackets(note);
    // An addendum supersedes what was written before it, as it does the
    // values: a site whose last word in it is that it is not involved ("No
    // hand, face or neck involvement today", after quoting the paragraph it
    // corrects) is not.
    let addendum = addendum_start(note);
    let in_addendum = |m: &Mention| addendum.is_some_and(|at| m.span.start > at);
    let mut addendum_says: Vec<(Site, bool)> = Vec::new();
    let mut addendum_said =
        |site: Site, involved: bool| match addendum_says.iter_mut().find(|(s, _)| *s == site) {
            Some(entry) => entry.1 = involved,
            None => addendum_says.push((site, involved)),
        };
    for mention in note.mentions() {
        let Meaning::Site(SiteTerm::Site(site)) = mention.meaning else { continue };
        if counted_area(note, mention)
            || examined.contains(&mention.span.start)
            || risks.iter().any(|bracket| bracket.contains(&mention.span.start))
            || asked_and_answered_no(note, mention)
            || options_of_a_question(text, &mention.span)
            || crate::values::current::of_another_disease(note, &mention.span)
        {
            continue;
        }
        if labels_a_field_without_eczema(note, mention) {
            let denied = words.iter_mut().filter(|(s, _, _)| s == site);
            denied.for_each(|entry| entry.2 = true);
            cleared.push(*site);
            continue;
        }
        let verdict = note.judge(mention, Question::SITE);
        if dating.before_now(&mention.span) {
            continue;
        }
        if let Err(Reason::Context(Axis::Negated, cause)) = verdict {
            cleared.push(*site);
            if in_addendum(mention) {
                addendum_said(*site, false);
            }
            // The site's own word denies disease of all of it ("No facial
            // eczema" after "thinning of the eyebrow"); a part's word, only
            // that part ("forehead clear" leaves the cheeks).
            let word = site_word(text, &mention.span);
            let whole = is_whole_site(*site, &word)
                && ((says_no_just_before(note, cause, mention)
                    && names_its_disease(note, mention))
                    || labels_a_clear_field(note, cause, mention));
            if note.says_skin_is_clear(cause) || whole {
                let denied =
                    words.iter_mut().filter(|(s, w, _)| s == site && (whole || *w == word));
                denied.for_each(|entry| entry.2 = true);
            }
            continue;
        }
        let with_lesion = lesion_sentences.get(mention.sentence).copied().unwrap_or(false);
        if !with_lesion || verdict.is_err() {
            continue;
        }
        if in_addendum(mention) {
            addendum_said(*site, true);
        }
        let applied = is_application_site(note, mention);
        let word = site_word(text, &mention.span);
        match words.iter_mut().find(|(s, w, _)| s == site && *w == word) {
            Some(entry) => entry.2 = false,
            None => words.push((*site, word, false)),
        }
        match involved.iter_mut().find(|(s, _, _)| s == site) {
            Some(entry) => entry.2 &= applied,
            None => {
                if let Some(span) = span_of(text, &mention.span) {
                    involved.push((*site, span, applied));
                }
            }
        }
    }
    // A site named only as where a cream goes is outranked by a current
    // statement that it is clear.
    let mut found: Vec<(Site, Span)> = involved
        .into_iter()
        .filter(|(site, _, applied)| !(*applied && cleared.contains(site)))
        .filter(|(site, _, _)| !words.iter().filter(|(s, _, _)| s == site).all(|e| e.2))
        .filter(|(site, _, _)| !addendum_says.contains(&(*site, false)))
        .map(|(site, span, _)| (site, span))
        .collect();
    found.sort_by_key(|(site, _)| *site);
    found
}

/// Whether a site word is a unit of skin area a number counts ("plaques
/// of about 2 palms each side", "1-2 palms": the palm method of estimating
/// BSA), which names no site: a word of `area` in sites.tsv right after a
/// number.
fn counted_area(note: &Note, site: &Mention) -> bool {
    let text = note.text();
    let before = text[..site.span.start].trim_end_matches([' ', '\t']);
    let at = note.mentions_from(&site.span);
    steps::add(at.len());
    before.ends_with(|c: char| c.is_ascii_digit())
        && at
            .iter()
            .any(|m| m.span == site.span && matches!(m.meaning, Meaning::Site(SiteTerm::Area)))
}

/// How far after a site the bracket of a question's options may close
/// ("Crucial body area involved (hands, feet, face, neck, scalp,
/// genitals/groin, intertriginous)?").
const OPTIONS_REACH: usize = 120;

/// Whether a site is one of the options a form's question lists in a
/// bracket right before its question mark: the question names the sites it
/// asks about, its answer ("[x] Yes -> neck, hands") says which are involved.
fn options_of_a_question(text: &str, site: &Range<usize>) -> bool {
    let rest = &text.as_bytes()[site.end..];
    let rest = &rest[..rest.len().min(OPTIONS_REACH)];
    steps::add(rest.len());
    let Some(close) = memchr::memchr2(b')', b'(', rest) else { return false };
    rest[close] == b')'
        && !rest[..close].contains(&b'?')
        && rest[close + 1..].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'?')
}

/// How far after an examination's opening ("skin exam of") its list of
/// areas may run, in bytes.
const EXAMINED_REACH: usize = 200;
/// How many sites make a list an examination's inventory rather than a
/// finding ("exam of the hands shows fissures" names one, and involves it).
const EXAMINED_LIST: usize = 3;

/// Where the sites start that an examination's list names as looked at
/// ("Skin exam of scalp, face, neck, trunk, hands, feet: ..."): the sites
/// after an `examined` cue in its sentence, up to the first lesion word,
/// colon or semicolon, when there are at least [`EXAMINED_LIST`] of them.
fn examined_areas(note: &Note) -> Vec<usize> {
    let text = note.text();
    let mut examined = Vec::new();
    for cue in note.mentions() {
        if !matches!(cue.meaning, Meaning::Site(SiteTerm::Examined)) {
            continue;
        }
        let sentence = note.sentence(cue.sentence);
        let reach = cue.span.end..(cue.span.end + EXAMINED_REACH).min(sentence.end);
        let mut listed = Vec::new();
        let mut from = cue.span.end;
        steps::add(note.mentions_from(&reach).len());
        for m in note.mentions_in(&reach) {
            // Overlapping mentions ("dorsal hands", "hands") leave no gap.
            let gap = text.get(from..m.span.start.max(from)).unwrap_or(":");
            if gap.contains([':', ';']) || is_lesion_word(m.meaning) {
                break;
            }
            if let Meaning::Site(SiteTerm::Site(_)) = m.meaning {
                listed.push(m.span.start);
            }
            from = from.max(m.span.end);
        }
        if listed.len() >= EXAMINED_LIST {
            examined.extend(listed);
        }
    }
    examined
}

/// How far after a site its form question's mark may stand ("Is there
/// involvement of the hands and/or feet (palms, soles, fingers)?").
const SITE_QUESTION_REACH: usize = 200;

/// Whether a site is named in a form question answered No ("Is there
/// involvement of the hands and/or feet? No - clear on exam"): the form
/// says the site is not involved, whatever lesion word the question holds.
fn asked_and_answered_no(note: &Note, mention: &Mention) -> bool {
    let sentence = note.sentence(mention.sentence);
    note.question_mark_after(mention.span.end, SITE_QUESTION_REACH)
        .filter(|mark| *mark < sentence.end)
        .is_some_and(|mark| note.answer_to(mark) == Some(Answer::No))
}

/// How far after a `risk` cue its bracket may open ("risks and benefits
/// (", "side effects discussed (").
const RISK_REACH: usize = 32;

/// The brackets that list a drug's possible effects: opened within
/// [`RISK_REACH`] of a `risk` cue in its sentence and closed in it ("After
/// discussion of risks and benefits (conjunctivitis, injection site
/// reactions, facial erythema), we will start Dupixent"): a site named in
/// one is an effect discussed, not skin involved.
fn risk_brackets(note: &Note) -> Vec<Range<usize>> {
    let text = note.text().as_bytes();
    let mut brackets = Vec::new();
    for cue in note.mentions() {
        if !matches!(cue.meaning, Meaning::Site(SiteTerm::Risk)) {
            continue;
        }
        let sentence = note.sentence(cue.sentence);
        let reach = (cue.span.end + RISK_REACH).min(sentence.end).max(cue.span.end);
        steps::add(reach - cue.span.end);
        let Some(open) = text[cue.span.end..reach].iter().position(|b| *b == b'(') else {
            continue;
        };
        let open = cue.span.end + open;
        let Some(close) = text[open..sentence.end].iter().position(|b| *b == b')') else {
            continue;
        };
        steps::add(close);
        brackets.push(open..open + close);
    }
    brackets
}

/// Whether a mention's meaning ties a site to skin disease.
fn is_lesion_word(meaning: &Meaning) -> bool {
    matches!(
        meaning,
        Meaning::Site(SiteTerm::Lesion)
            | Meaning::Flare { .. }
            | Meaning::Diagnosis(DiagnosisTerm::Named { .. })
    )
}

/// How far before a site a drug may stand for "to" the site to name where
/// the drug is applied ("tacrolimus 0.1% ointment BID to face"), in bytes.
const APPLICATION_REACH: usize = 60;

/// Whether a site word names where a drug is applied: "to" (and an
/// article or possessive) right before it, a drug named shortly before in
/// the same sentence ("tacrolimus 0.1% ointment BID to the face").
fn is_application_site(note: &Note, site: &Mention) -> bool {
    let text = note.text();
    let mut before = words::words_before(text, site.span.start)
        .skip_while(|w| words::is_one_of(w, &["the", "his", "her", "their", "both"]));
    if !before.next().is_some_and(|w| w.eq_ignore_ascii_case("to")) {
        return false;
    }
    let sentence = note.sentence(site.sentence);
    let from = site.span.start.saturating_sub(APPLICATION_REACH).max(sentence.start);
    let near = note.mentions_from(&(from..site.span.start));
    steps::add(near.len());
    near.iter().any(|m| matches!(m.meaning, Meaning::Drug(_)))
}

/// How close "despite" must follow a bare flare word to make it a statement
/// of persistence ("flaring q2-3wk despite above").
const DESPITE_REACH: usize = 24;

/// Whether flares persist now: a current persistent-flare phrase, and no
/// current statement that they ended. A flare dated before now is how an
/// earlier course went ("triamcinolone 05/2025 - 07/2025: continued to
/// flare", "before Dupixent: flaring despite TCS"), not how the skin is
/// today.
pub fn persistent_flares(note: &Note, dating: &Dating) -> Option<Span> {
    let text = note.text();
    let mut persistent = None;
    steps::add(note.mentions().len());
    for mention in note.mentions() {
        let Meaning::Flare(term) = mention.meaning else { continue };
        if note.judge(mention, Question::CURRENT_FACT).is_err()
            || dating.dated_before_now(&mention.span)
        {
            continue;
        }
        match term {
            FlareTerm::Ended => return None,
            FlareTerm::Despite if !despite_follows(note, mention.span.end) => continue,
            _ => {}
        }
        persistent = persistent.or_else(|| span_of(text, &mention.span));
    }
    persistent
}

/// Whether "despite" follows `end` closely, in the same sentence.
fn despite_follows(note: &Note, end: usize) -> bool {
    let sentence = note.sentence_of(end.saturating_sub(1));
    let stop = (end + DESPITE_REACH).min(sentence.end);
    steps::add(DESPITE_REACH);
    note.text().get(end..stop).is_some_and(|after| after.to_ascii_lowercase().contains("despite"))
}

/// Whether the note states that no prescription topical therapy was ever
/// tried: a statement carrying its own negation ("no prescription topical
/// therapy"), or a bare "prescription topical" that a negation reaches over
/// nothing but words of trying. Only hypothetical and family context drop
/// such a statement.
pub fn no_prescription_topicals(patterns: &FindingPatterns, note: &Note) -> Option<Span> {
    let text = note.text();
    steps::add(note.mentions().len());
    let statements =
        note.mentions().iter().filter(|m| matches!(m.meaning, Meaning::NoPrescriptionTopicals));
    statements.into_iter().find_map(|m| {
        let about_patient = note.judge(m, Question::STATEMENT).is_ok();
        let stated = (note.negates(&m.span)
            || negated_over_trying(note, m.span.start)
            || answered_none(patterns, text, m.span.end))
            && !judged_after(text, m.span.end);
        (about_patient && stated).then(|| span_of(text, &m.span)).flatten()
    })
}

/// The words of a phrase, lowercased, apostrophes kept ("hasn't").
fn words(phrase: &str) -> impl DoubleEndedIterator<Item = String> + '_ {
    phrase.split(|c: char| !is_word_char(c)).filter(|w| !w.is_empty()).map(normalised)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\'' || c == '’'
}

fn normalised(word: &str) -> String {
    word.to_lowercase().replace('’', "'")
}

/// The words of `text[range]` as [`words`] splits them, from the last one
/// back, each with its span.
fn words_back(
    text: &str,
    range: Range<usize>,
) -> impl Iterator<Item = (Range<usize>, String)> + '_ {
    let slice = &text[range.clone()];
    let mut end = slice.len();
    std::iter::from_fn(move || {
        let word_end = slice[..end].trim_end_matches(|c: char| !is_word_char(c)).len();
        steps::add(end - word_end);
        if word_end == 0 {
            return None;
        }
        let word_start = slice[..word_end]
            .char_indices()
            .rev()
            .find(|(_, c)| !is_word_char(*c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        steps::add(word_end - word_start);
        end = word_start;
        let span = range.start + word_start..range.start + word_end;
        Some((span, normalised(&slice[word_start..word_end])))
    })
}

/// Words that may stand between a negation and what was never tried ("never
/// been prescribed or tried any", "no prior trial of a").
const TRYING_WORDS: [&str; 24] = [
    "been",
    "ever",
    "yet",
    "tried",
    "trialed",
    "used",
    "received",
    "prescribed",
    "given",
    "had",
    "any",
    "a",
    "an",
    "or",
    "and",
    "prior",
    "previous",
    "previously",
    "trial",
    "trials",
    "of",
    "with",
    "on",
    "started",
];

/// Words that judge how treatments worked: "no prescription topical has
/// helped" says they were tried.
const JUDGING_WORDS: [&str; 16] = [
    "help",
    "helped",
    "helps",
    "work",
    "worked",
    "works",
    "effective",
    "control",
    "controlled",
    "improved",
    "improvement",
    "benefit",
    "benefited",
    "response",
    "responded",
    "adequate",
];

/// How far after a statement its clause is read for a judgement.
const JUDGED_REACH: usize = 60;

/// Whether the clause after `end` judges the treatments rather than denying
/// they were tried.
fn judged_after(text: &str, end: usize) -> bool {
    let mut stop = (end + JUDGED_REACH).min(text.len());
    while !text.is_char_boundary(stop) {
        stop -= 1;
    }
    let after = &text[end..stop];
    steps::add(after.len());
    let clause = after.find(['.', ';', ':', ',', '\n']).map_or(after, |i| &after[..i]);
    words(clause).any(|w| JUDGING_WORDS.contains(&w.as_str()))
}

/// Whether the statement ending at `end` is a form's label answered with a
/// denial ("History of prescription topical Rx ....... No history").
fn answered_none(patterns: &FindingPatterns, text: &str, end: usize) -> bool {
    let rest = &text[end..];
    let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let line = &line[..crate::treatments::floor_char_boundary(line, ANSWER_LINE_REACH)];
    steps::add(line.len());
    patterns.label_answered_none.is_match(line)
}

/// How far along its line a label's answer may stand.
const ANSWER_LINE_REACH: usize = 80;

/// How many words before a statement a negation may be.
const NEGATION_REACH: usize = 10;

/// Whether the words before `start`, in its sentence, are a negation (a
/// negation trigger of the context lexicon) and then only words of trying.
fn negated_over_trying(note: &Note, start: usize) -> bool {
    let sentence = note.sentence_of(start);
    let from = sentence.start.min(start);
    for (span, word) in words_back(note.text(), from..start).take(NEGATION_REACH) {
        if note.negates(&span) {
            return true;
        }
        if !TRYING_WORDS.contains(&word.as_str()) {
            return false;
        }
    }
    false
}

/// How far a referral word reaches a specialty ("referral to pediatric
/// dermatology placed").
const REFERRAL_REACH: usize = 24;
/// Lines at the top (letterhead) and bottom (signature) of a note that state
/// its author.
const HEADER_LINES: usize = 2;
const SIGNATURE_LINES: usize = 4;
/// How far from the start or end of a note its letterhead or signature is.
const EDGE_BYTES: usize = 240;
/// How far before a specialty its field label may be ("Provider: D. Lange,
/// MD, Pediatrics").
const LABEL_REACH: usize = 48;
/// The longest line a letterhead or signature line has (not prose).
const SHORT_LINE: usize = 90;

/// The prescriber's specialty: the note's own, not one it refers to. A
/// specialty on a labelled line wins ("Prescriber specialty: Family
/// Medicine", a field or heading on the line above: "PRESCRIBER" over
/// "J. Ruiz, MD - Pediatric Dermatology", or a role after it: "(Allergy &
/// Immunology), ordering physician"), then one in the letterhead or
/// signature (the clinician's own line before a clinic's name there),
/// then any other; a specialty near a referral word ("refer to
/// dermatology", "coordinate with pediatrician"), named in a sentence about
/// a reviewer ("reviewed by a physician board certified in dermatology"),
/// in the past, or heading an exam section ("DERM:") never counts.
pub fn specialty(patterns: &FindingPatterns, note: &Note) -> Option<(Specialty, Span)> {
    let text = note.text();
    let named = |m: &Mention| {
        matches!(
            m.meaning,
            Meaning::Specialty(SpecialtyTerm::Named(_) | SpecialtyTerm::Credential(_))
        )
    };
    if !note.mentions().iter().any(named) {
        return None;
    }
    // The cues of one kind whose span starts in `range`: every cue that
    // can reach a specialty starts a few dozen bytes from it.
    let cues = |term: SpecialtyTerm, range: Range<usize>| {
        let near = note.mentions_from(&range);
        steps::add(near.len());
        near.iter()
            .filter(move |m| matches!(m.meaning, Meaning::Specialty(t) if *t == term))
            .map(|m| &m.span)
    };
    let lines = LineIndex::new(text);
    steps::add(note.mentions().len());
    let mut best: Option<(u8, Specialty, &Range<usize>)> = None;
    for mention in note.mentions() {
        let (specialty, credential) = match &mention.meaning {
            Meaning::Specialty(SpecialtyTerm::Named(specialty)) => (specialty, false),
            Meaning::Specialty(SpecialtyTerm::Credential(specialty)) => (specialty, true),
            _ => continue,
        };
        let span = &mention.span;
        let line = lines.line_of(span.start);
        let header = lines.is_header_or_signature(line, span.start, text.len());
        let on_line = |cue: &Range<usize>| {
            cue.end <= span.start
                && span.start - cue.end <= LABEL_REACH
                && lines.line_of(cue.start) == line
        };
        let before_label = span.start.saturating_sub(LABEL_REACH + MAX_CUE_LEN)..span.start;
        let near =
            span.start.saturating_sub(REFERRAL_REACH + MAX_CUE_LEN)..span.end + REFERRAL_REACH + 1;
        let sentence = note.sentence_of(span.start);
        let reviewed = sentence.start.max(span.start.saturating_sub(REVIEWER_REACH))..span.start;
        let referred = cues(SpecialtyTerm::Referral, near).any(|r| refers_to(text, r, span))
            || cues(SpecialtyTerm::Referrer, before_label.clone()).any(on_line)
            || cues(SpecialtyTerm::Reviewer, reviewed).next().is_some();
        // "Dermatology:" opens a section; "Dermatologist: A. Quinn, MD"
        // names the note's clinician.
        let names_a_clinician = ["ist", "ian"].iter().any(|end| text[span.clone()].ends_with(end));
        let heading = text[span.end..].starts_with(':') && !names_a_clinician;
        if referred
            || heading
            || asked_about(text, span)
            || note.judge(mention, Question::CURRENT_FACT).is_err()
        {
            continue;
        }
        let labelled = clinicians_own_line(patterns, text, lines.starts[line], span.start)
            || cues(SpecialtyTerm::Label, before_label).any(on_line)
            || cues(SpecialtyTerm::Label, lines.previous_line(line))
                .any(|l| lines.opens_its_line(text, l))
            || cues(SpecialtyTerm::Label, span.end..span.end + ROLE_AFTER)
                .any(|l| lines.line_of(l.start) == line && role_after(text, span, l));
        // A clinic's name ("Harborview Allergy & Asthma Associates") tells
        // less than the clinician's own line ("J. Ruiz, MD - Dermatology").
        let score = if labelled {
            4
        } else if header && !note.in_organization_name(mention) {
            3
        } else if header {
            2
        } else {
            1
        };
        // A credential's line names the clinician, but a practice named in
        // the letterhead or signature says more ("FNP-C" of a dermatology clinic).
        let score = if credential { score.min(2) } else { score };
        // Other specialties are everywhere in passing ("follow up with his
        // primary care physician"): only a labelled line, the letterhead or
        // the signature says one prescribes.
        if *specialty == Specialty::Other && score < 2 {
            continue;
        }
        // A credential ("J. Ames, FNP-C, Dermatology") tells the training; a
        // specialty named on its line tells where the clinician practises.
        let better = best.is_none_or(|(s, held, at)| {
            score > s
                || (score == s
                    && held == Specialty::Other
                    && *specialty != Specialty::Other
                    && lines.line_of(at.start) == line)
        });
        if better {
            best = Some((score, *specialty, span));
        }
    }
    let (_, specialty, span) = best?;
    Some((specialty, span_of(text, span)?))
}

/// The compiled grammars of the findings readers.
#[derive(Clone, Debug)]
pub struct FindingPatterns {
    /// A clinician's own line up to a specialty: a name, its degrees and
    /// credentials, then the specialty ("Marisol Greer, PA-C (Family
    /// Medicine)", "Dr Ann Ode, MBBS, MRCP(UK), Allergy"), wherever it
    /// stands (a cover note's signature in the middle of a packet).
    clinician_line: Regex,
    /// The words that make a form's question ask about a past trial ("Has
    /// the patient tried and had an inadequate response ... to"), not about
    /// use alongside ("Will Dupixent be used with another biologic?").
    trial_question: Regex,
    /// A sentence that says the patient never took the drugs of the list
    /// before it ("She has not taken any of these five medications").
    none_of_these_taken: Regex,
    /// The rest of a form's label line whose answer is a denial ("Rx
    /// ....... No history", ": None").
    label_answered_none: Regex,
}

impl FindingPatterns {
    /// Compiles the grammars; they are fixed, so a failure is a bug caught by every test.
    pub fn new() -> Result<FindingPatterns, regex::Error> {
        Ok(FindingPatterns {
            clinician_line: Regex::new(
                r"(?x)^ [\x20\t]*
                  (?:Dr\.?\x20+)?                                # a title
                  (?:[A-Z][A-Za-z'’\-]*\.?\x20+){0,4}             # given names, initials
                  [A-Z][A-Za-z'’\-]+                              # the family name
                  (?:,\x20*(?:MD|M\.D\.|DO|MBBS|MBChB|PA-C|PA|NP|FNP-C|FNP-BC|FNP|APRN|CRNP|DNP
                             |MSN|PhD|RN|MRCP(?:\(UK\))?|FRCP|FAAD|FAAAAI))+   # degrees, credentials
                  [\x20\t]*[,(\-–][\x20\t]*$                         # then the specialty",
            )?,
            trial_question: Regex::new(
                r"(?xi) \b (?: tried | trials? | failed | failure       # a trial and its failure
                    | inadequate \s+ response                           # or how it went
                    | intoleran\w* | contraindicat\w* ) \b",
            )?,
            label_answered_none: Regex::new(
                r"(?xi) ^ [\x20\t]* (?: [a-z/]+ [\x20\t]* ){0,3}   # the label's last words (Rx, use)
                    (?: : | \.{3,} )                              # a colon or a dotted leader
                    [\x20\t.]* (?: no (?: \x20 history )? | none | never ) \b  # the denial",
            )?,
            none_of_these_taken: Regex::new(
                r"(?xi) \b (?: has | have | had ) \s+ (?: not | never ) \s+    # has not, had never
                    (?: been \s+ )? (?: taken | tried | used | received | given | started )
                    \s+ (?: any \s+ of \s+ | either \s+ of \s+ )?          # (any of)
                    (?: these | those | them | the \s+ above ) \b                # the list before
                  | \b (?: has | have ) \s+ (?: tried | taken | used ) \s+
                    (?: none | neither ) \s+ of \s+ (?: these | those | them | the \s+ above ) \b
                  | \b (?: none | neither ) \s+ of \s+ (?: these | those | them | the \s+ above )
                    \s+ (?: \w+ \s+ )? (?: has | have | was | were ) \s+ (?: been \s+ )?
                    (?: tried | taken | used | given | prescribed ) \b         # none of these has been tried",
            )?,
        })
    }
}

/// Whether the line from `line_start` to a specialty at `at` is a
/// clinician's own line naming it ([`FindingPatterns::clinician_line`]).
fn clinicians_own_line(
    patterns: &FindingPatterns,
    text: &str,
    line_start: usize,
    at: usize,
) -> bool {
    let before = &text[line_start..at];
    steps::add(before.len().min(SHORT_LINE));
    before.len() <= SHORT_LINE && patterns.clinician_line.is_match(before)
}

/// How far after a specialty the question mark of a form question asking
/// about it may be.
const QUESTION_REACH: usize = 80;

/// Whether a specialty is a word of a question on its line ("Q9. Prescribed
/// by or in consultation with a dermatologist or allergist?"): the question
/// names the specialties it asks about, its answer says which holds. A field
/// after it ("Dermatology   Urgent?  [ ] Yes") is another question's.
fn asked_about(text: &str, specialty: &Range<usize>) -> bool {
    let rest = &text.as_bytes()[specialty.end..];
    let rest = &rest[..rest.len().min(QUESTION_REACH)];
    steps::add(rest.len());
    let line = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
    memchr::memchr(b'?', line).is_some_and(|mark| {
        let question = &line[..mark];
        !question.iter().any(|&b| b == b':' || b == b'\t')
            && !question.windows(2).any(|pair| pair == b"  ")
    })
}

/// How far before a specialty, in its sentence, a reviewer is named whose
/// specialty it is ("The case was reviewed by a physician board certified
/// in dermatology").
const REVIEWER_REACH: usize = 120;

/// How far after a specialty a role names who holds it ("(Allergy &
/// Immunology), ordering physician").
const ROLE_AFTER: usize = 8;

/// Whether a label after a specialty names the role of the clinician it
/// belongs to: a comma and the label, nothing else between.
fn role_after(text: &str, specialty: &Range<usize>, label: &Range<usize>) -> bool {
    let between = text.get(specialty.end..label.start).unwrap_or("x");
    steps::add(between.len());
    between.trim_matches(|c: char| c.is_whitespace() || c == ')') == ","
}

/// Longer than any specialty cue phrase of the lexicon ("referring
/// clinician", "e-consult"), so that a cue within reach of a specialty
/// starts no further from it.
const MAX_CUE_LEN: usize = 64;

/// Whether a referral word is about this specialty: next to it, on the same
/// line, with nothing but a few words between ("refer to dermatology",
/// "dermatology wait list").
fn refers_to(text: &str, referral: &Range<usize>, specialty: &Range<usize>) -> bool {
    let between = if referral.end <= specialty.start {
        referral.end..specialty.start
    } else {
        specialty.end..referral.start.max(specialty.end)
    };
    steps::add(REFERRAL_REACH);
    between.len() <= REFERRAL_REACH
        && text.get(between).is_some_and(|gap| !gap.contains(['\n', '(', ')', ';', '.']))
}

/// Line numbers of offsets, and which lines are the letterhead or signature
/// (counted over non-blank lines).
struct LineIndex {
    starts: Vec<usize>,
    non_blank: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        steps::add(text.len());
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        let non_blank = (0..starts.len())
            .filter(|&i| {
                let end = starts.get(i + 1).copied().unwrap_or(text.len());
                !text[starts[i]..end].trim().is_empty()
            })
            .collect();
        LineIndex { starts, non_blank }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).saturating_sub(1)
    }

    /// The range of the line before `line` (empty for the first).
    fn previous_line(&self, line: usize) -> Range<usize> {
        match line.checked_sub(1) {
            Some(previous) => self.starts[previous]..self.starts[line],
            None => 0..0,
        }
    }

    /// Whether a label opens its line, alone or as a field ("PRESCRIBER",
    /// "Treating provider:  R. Quinn, MD"): what the line under it holds
    /// continues it.
    fn opens_its_line(&self, text: &str, label: &Range<usize>) -> bool {
        let start = self.starts[self.line_of(label.start)];
        let before = &text[start..label.start];
        let after = text[label.end..].trim_start_matches([' ', '\t']);
        steps::add(before.len().min(SHORT_LINE) + 1);
        // A form export's question opens the line ("Question: Prescriber
        // specialty" over "Response: Family Medicine"), and the label may
        // name what it asks in a word more.
        let after = after
            .strip_prefix("specialty")
            .or_else(|| after.strip_prefix("Specialty"))
            .map_or(after, |rest| rest.trim_start_matches([' ', '\t']));
        before.len() <= SHORT_LINE
            && (before.trim().is_empty() || crate::words::asks_a_question(before))
            && (after.starts_with([':', '\n', '\r']) || after.is_empty())
    }

    /// Whether `offset` (on `line`) is in the letterhead or the signature:
    /// among the first or last non-blank lines, and near the start or end of
    /// the text (a transcription may be one long line).
    fn is_header_or_signature(&self, line: usize, offset: usize, len: usize) -> bool {
        let Ok(rank) = self.non_blank.binary_search(&line) else { return false };
        let end = self.starts.get(line + 1).copied().unwrap_or(len);
        let short = end - self.starts[line] <= SHORT_LINE;
        short
            && ((rank < HEADER_LINES && offset < EDGE_BYTES)
                || (rank + SIGNATURE_LINES >= self.non_blank.len() && offset + EDGE_BYTES >= len))
    }
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

/// The spec's word for a treatment class, as evidence keys
/// (`no_concurrent_classes.biologic`) use it.
pub fn class_name(class: TreatmentClass) -> &'static str {
    match class {
        TreatmentClass::TopicalCorticosteroid => "topical_corticosteroid",
        TreatmentClass::TopicalCalcineurinInhibitor => "topical_calcineurin_inhibitor",
        TreatmentClass::TopicalPde4Inhibitor => "topical_pde4_inhibitor",
        TreatmentClass::TopicalJakInhibitor => "topical_jak_inhibitor",
        TreatmentClass::TopicalAhrAgonist => "topical_ahr_agonist",
        TreatmentClass::SystemicCorticosteroid => "systemic_corticosteroid",
        TreatmentClass::SystemicImmunosuppressant => "systemic_immunosuppressant",
        TreatmentClass::OralJakInhibitor => "oral_jak_inhibitor",
        TreatmentClass::Biologic => "biologic",
        TreatmentClass::Phototherapy => "phototherapy",
        TreatmentClass::Other => "other",
    }
}

#[cfg(test)]
mod tests {
    use crate::{extract_case, Lexicons};
    use necessity_record::Specialty;

    #[test]
    fn a_class_name_is_the_records_word_for_it() {
        use necessity_record::TreatmentClass;
        for class in [
            TreatmentClass::TopicalCorticosteroid,
            TreatmentClass::TopicalCalcineurinInhibitor,
            TreatmentClass::TopicalPde4Inhibitor,
            TreatmentClass::TopicalJakInhibitor,
            TreatmentClass::TopicalAhrAgonist,
            TreatmentClass::SystemicCorticosteroid,
            TreatmentClass::SystemicImmunosuppressant,
            TreatmentClass::OralJakInhibitor,
            TreatmentClass::Biologic,
            TreatmentClass::Phototherapy,
            TreatmentClass::Other,
        ] {
            assert_eq!(serde_json::to_value(class).unwrap(), super::class_name(class));
        }
    }

    fn specialty(text: &str) -> Option<Specialty> {
        extract_case(&Lexicons::builtin(), text).prescriber_specialty
    }

    fn flares(text: &str) -> bool {
        extract_case(&Lexicons::builtin(), text).persistent_flares
    }

    #[test]
    fn the_diagnosis_is_quoted_from_todays_text_when_the_note_has_it() {
        let evidence = |text: &str| {
            let facts = extract_case(&Lexicons::builtin(), text);
            facts.evidence.get("diagnosis").map(|e| e[0].text.clone())
        };
        let export = "VISIT 1 of 2   01/05/2026\nItchy eczema of the arms.\n\n\
                      VISIT 2 of 2   06/08/2026\nAtopic dermatitis, much better on dupilumab.\n";
        assert_eq!(evidence(export).as_deref(), Some("Atopic dermatitis"));
        // With no mention today, the earlier visit's is the evidence.
        let export = "VISIT 1 of 2   01/05/2026\nItchy eczema of the arms.\n\n\
                      VISIT 2 of 2   06/08/2026\nMuch better on dupilumab.\n";
        assert_eq!(evidence(export).as_deref(), Some("eczema"));
    }

    #[test]
    fn a_flare_dated_to_an_earlier_course_is_not_current() {
        let head = "Date of visit: 04/02/2026\nAtopic dermatitis, on dupilumab, doing well.\n";
        for past in [
            "Earlier: clobetasol ointment 06/2025 - 08/2025, kept flaring throughout.\n",
            "Before dupilumab she was flaring despite mometasone twice daily.\n",
            "Pimecrolimus (2024): partial response, still flaring; stopped.\n",
        ] {
            assert!(!flares(&format!("{head}{past}")), "{past}");
        }
        for now in [
            "Ongoing flares since last summer despite clobetasol.\n",
            "Since 01/2025 she keeps flaring every few weeks.\n",
            "Still flaring on the hands this month.\n",
        ] {
            assert!(flares(&format!("{head}{now}")), "{now}");
        }
    }

    #[test]
    fn a_ticked_specialty_box_is_the_prescribers() {
        let form =
            "Prescriber:  K. Obi, MD\nSpecialty:  ☐ Dermatology   ☒ Allergy/Immunology   ☐ Other\n";
        assert_eq!(specialty(form), Some(Specialty::AllergyImmunology));
        let other = form.replace("☐ Dermatology   ☒", "☒ Dermatology   ☐");
        assert_eq!(specialty(&other), Some(Specialty::Dermatology));
    }

    fn sites(text: &str) -> Vec<necessity_record::Site> {
        extract_case(&Lexicons::builtin(), text).high_impact_sites
    }

    #[test]
    fn an_examinations_list_of_areas_is_what_was_looked_at() {
        use necessity_record::Site::{Face, Hands, Neck};
        let inventory = "Atopic dermatitis follow-up.\nFull skin examination including the \
                         scalp, face, neck, chest, back, hands and feet: lichenified plaques \
                         on the neck; elsewhere clear.\n";
        assert_eq!(sites(inventory), vec![Neck]);
        let dictated = "atopic dermatitis skin exam of the scalp face neck arms hands and feet \
                        shows eczematous plaques of the antecubital fossae\n";
        assert_eq!(sites(dictated), vec![]);
        // One or two areas examined and found involved are a finding.
        let finding = "Atopic dermatitis. Exam of the hands shows fissured eczematous plaques.\n";
        assert_eq!(sites(finding), vec![Hands]);
        let lesion_first = "Atopic dermatitis. Exam: eczematous plaques on the face, neck and \
                            hands.\n";
        assert_eq!(sites(lesion_first), vec![Face, Neck, Hands]);
    }

    #[test]
    fn a_site_in_a_sentence_labelled_with_another_disease_is_that_disease_s() {
        use necessity_record::Site::Hands;
        let text =
            "Atopic dermatitis.\nO:\nPsoriasis: well-demarcated plaques with silvery scale, \
                    scattered scalp plaques.\nEczema: lichenified plaques on the dorsal hands.\n";
        assert_eq!(sites(text), vec![Hands]);
    }

    #[test]
    fn an_exam_field_of_a_whole_site_said_clear_clears_all_of_it() {
        // Photos of a past flare name the knuckles and the eyelids; today's
        // exam fields clear the hands and the face, a part included.
        let text = "Atopic dermatitis.
Photos: both dorsal hands with papulovesicles and                     erythema over knuckles; eyelids red and scaling.

Exam today:
                     - Face incl. eyelids: clear, mild post-inflammatory hyperpigmentation.
                     - Hands/wrists: clear, mild xerosis only.
";
        assert!(sites(text).is_empty());
        // A part's field clears that part only.
        let text = "Atopic dermatitis.
Eczema of the knuckles and palms.
Exam:
 - Palms: clear.
";
        assert_eq!(sites(text), vec![necessity_record::Site::Hands]);
    }

    #[test]
    fn a_lesion_or_flare_in_the_past_involves_no_site_now() {
        use necessity_record::Site::Hands;
        let past = "Atopic dermatitis.\n- Dorsal hands: hyperpigmentation from prior flares.\n";
        assert_eq!(sites(past), vec![]);
        // Counter-examples: a flare now, and a disease named with its
        // history, still involve the site.
        let now = "Atopic dermatitis.\n- Dorsal hands: flares every few weeks, fissured.\n";
        assert_eq!(sites(now), vec![Hands]);
        let chronic = "Hand eczema since childhood; eczema of both hands today.\n";
        assert_eq!(sites(chronic), vec![Hands]);
    }

    #[test]
    fn an_addendums_last_word_on_a_site_supersedes_the_note() {
        use necessity_record::Site::Hands;
        let corrected = "Atopic dermatitis, BSA ~15%, involving bilateral hands and trunk.\n\n\
                         ADDENDUM 02/04/2026 - A. Lindqvist, DO\n\
                         The HPI (\"BSA ~15%, involving bilateral hands\") was carried forward \
                         in error. No hand, face or neck involvement today.\n";
        assert_eq!(sites(corrected), vec![]);
        // Counter-example: an addendum that ends by involving the site
        // keeps it, and one silent on it leaves the note's word.
        let confirmed = "Atopic dermatitis of the trunk.\n\nADDENDUM: no neck involvement; \
                         on my exam eczematous plaques of both hands.\n";
        assert_eq!(sites(confirmed), vec![Hands]);
        let silent = "Atopic dermatitis, eczematous plaques of the hands.\n\n\
                      ADDENDUM: no face involvement today.\n";
        assert_eq!(sites(silent), vec![Hands]);
    }

    #[test]
    fn a_questions_listed_options_are_no_sites_but_its_answer_is() {
        // The bracket before the question mark lists what the question asks
        // about, wrapped or not; the answer after it names the sites.
        let form = "Atopic dermatitis, severe eczema.\n\
                    Eczema of a high-impact area (face, scalp, palms, soles,\n   \
                    groin)?  [x] Yes - eczema of the palms\n";
        assert_eq!(sites(form), vec![necessity_record::Site::Hands]);
        // Counter-example: a bracket that states sites, with no question
        // after it, still ties them to the lesion.
        let stated = "Atopic dermatitis with eczema (face and scalp) today.\n";
        let found = sites(stated);
        assert!(found.contains(&necessity_record::Site::Face), "{found:?}");
        assert!(found.contains(&necessity_record::Site::Scalp), "{found:?}");
    }

    #[test]
    fn dry_skin_alone_is_no_dermatitis_of_the_site() {
        let exam =
            "Atopic dermatitis. Trunk: eczematous plaques.\nSoles: dryness only, no eczema.\n";
        assert!(sites(exam).is_empty(), "{:?}", sites(exam));
        // Counter-example: xerosis beside eczema still involves the site.
        let both = "Atopic dermatitis. Soles: xerosis and fissured eczema.\n";
        assert_eq!(sites(both), vec![necessity_record::Site::Feet]);
    }

    #[test]
    fn a_form_question_answered_no_involves_none_of_its_sites() {
        use necessity_record::Site::{Hands, Neck};
        let form = "Atopic dermatitis, moderate.\n\
                    8. Is there moderate-to-severe involvement of the hands and/or feet? No\n\
                    9. Affected areas: eczema of the neck.\n";
        assert_eq!(sites(form), vec![Neck]);
        // Answered Yes, the question's sites are involved.
        let yes = "Atopic dermatitis.\nIs there involvement of the hands? Yes\n";
        assert_eq!(sites(yes), vec![Hands]);
        // A later question's No answers nothing of an earlier sentence.
        let later = "Atopic dermatitis. Eczema of the hands. Any other concerns? No\n";
        assert_eq!(sites(later), vec![Hands]);
    }

    #[test]
    fn effects_discussed_in_brackets_are_no_sites() {
        use necessity_record::Site::Neck;
        let plan = "Atopic dermatitis with plaques on the neck. After discussion of risks and \
                    benefits (conjunctivitis, injection site reactions, facial erythema), we \
                    will start Dupixent.\n";
        assert_eq!(sites(plan), vec![Neck]);
        // Counter-example: a bracket that is no list of effects.
        let exam = "Atopic dermatitis (eczema of the face and neck).\n";
        assert_eq!(sites(exam).len(), 2, "{:?}", sites(exam));
    }

    #[test]
    fn a_flare_that_may_come_ties_no_site() {
        use necessity_record::Site::Neck;
        let text = "Atopic dermatitis: plaques on the neck.\n\
                    - Desonide 0.05% cream PRN eyelids if they flare.\n";
        assert_eq!(sites(text), vec![Neck]);
    }

    #[test]
    fn skin_that_has_cleared_is_not_involved() {
        use necessity_record::Site::Neck;
        let text = "Atopic dermatitis on dupilumab. His hands have cleared completely; \
                    eczema persists on the neck.\n";
        assert_eq!(sites(text), vec![Neck]);
    }

    #[test]
    fn a_form_question_names_the_specialties_it_asks_about() {
        let form = "Q4. Is the prescriber a dermatologist or an allergist?\n  [ ] Yes  [X] No\n\
                    Signed: P. Amadi, MD, Internal Medicine\n";
        assert_eq!(specialty(form), Some(Specialty::Other));
        // A question later on the line is another field's.
        let field = "Specialty: Dermatology        Is this a renewal? New start\n";
        assert_eq!(specialty(field), Some(Specialty::Dermatology));
    }

    #[test]
    fn a_credential_names_the_specialty_only_when_the_practice_does_not() {
        let retail = "QuickCare Clinic\nProvider: T. Ruiz, MSN, FNP-C\n\nEczema of the hands; \
                      dermatology would have to start a biologic.\n\nPlan:\n1. Emollients.\n\
                      2. Triamcinolone 0.1% ointment twice daily for two weeks.\n\
                      3. Return if worse, or sooner with fever or crusting.\n\
                      4. Handout on gentle skin care given and reviewed with the patient.\n\
                      5. Follow up in two weeks.\n";
        assert_eq!(specialty(retail), Some(Specialty::Other));
        let derm_np = "ASHGROVE DERMATOLOGY ASSOCIATES\nProvider: T. Ruiz, MSN, FNP-C\n\n\
                       Eczema of the hands.\n";
        assert_eq!(specialty(derm_np), Some(Specialty::Dermatology));
        let same_line = "Seen today.\n\nJ. Ames, FNP-C, Dermatology\n";
        assert_eq!(specialty(same_line), Some(Specialty::Dermatology));
    }

    #[test]
    fn a_clinicians_own_line_names_the_specialty_anywhere_in_a_packet() {
        let packet = "PAGE 1 OF 3\nMember statement follows.\nI have had eczema all my life.\n\n\
                      Cover note\nOle Brandt, PA-C (Family Medicine)\nPlease review the attached \
                      pages.\nPage 2: outside records.\nPage 3: photos.\nPage 4: receipts.\n\
                      Page 5: end.\n";
        assert_eq!(specialty(packet), Some(Specialty::Other));
        // A sentence about a clinician is no clinician's own line.
        let past = "Dupixent was started by Dr. K. Ode, MD (Dermatology) and stopped.\n";
        assert_eq!(specialty(past), Some(Specialty::Dermatology));
        let patterns = super::FindingPatterns::new().expect("the grammars compile");
        assert!(!super::clinicians_own_line(&patterns, past, 0, past.find("Derm").unwrap()));
    }

    #[test]
    fn allergy_practices_are_named_many_ways() {
        for name in [
            "NORTHFIELD ALLERGY & ASTHMA",
            "Lakeview Allergy, Asthma & Immunology",
            "Dr. Q. Ilori - Allergy & Clinical Immunology",
            "R. Osei, MD, FAAAAI",
        ] {
            assert_eq!(
                specialty(&format!("{name}\n\nFollow-up of eczema.\n")),
                Some(Specialty::AllergyImmunology),
                "{name}"
            );
        }
    }

    #[test]
    fn a_consultants_advice_or_list_is_someone_elses_specialty() {
        let discharge = "Hospital Medicine Service\nAttending: N. Baker, MD (Internal Medicine)\n\
                         Consultants: Dermatology - I. Sato, MD\n\
                         Per dermatology, continue wet wraps twice daily.\n";
        assert_eq!(specialty(discharge), Some(Specialty::Other));
    }

    #[test]
    fn a_label_on_the_line_above_or_a_role_after_labels_it() {
        let heading =
            "Holloway Children's Hospital\n\nORDERING CLINICIAN\n  M. Tran, DO - Pediatric \
                       Dermatology\n\nEczema, start Dupixent. Message sent to prescriber to \
                       coordinate with pediatrician about vaccines.\n";
        assert_eq!(specialty(heading), Some(Specialty::Dermatology));
        let field =
            "Treating physician:   S. Park, MD\n                      Allergy & Immunology\n\n\
                     Dermatology Associates letterhead aside, the request is ours.\n";
        assert_eq!(specialty(field), Some(Specialty::AllergyImmunology));
        let role =
            "Seen jointly. Our side: Dr. L. Moss (Allergy & Immunology), ordering physician.\n\
                    The dermatologist co-signs.";
        assert_eq!(specialty(role), Some(Specialty::AllergyImmunology));
    }

    #[test]
    fn a_reviewers_specialty_is_not_the_prescribers() {
        let review =
            "EXTERNAL REVIEW SUMMARY\nThe appeal was reviewed by a physician board certified \
                      in dermatology.\nThe treating allergist documented EASI 24.\n";
        assert_eq!(specialty(review), Some(Specialty::AllergyImmunology));
        let payer =
            "Plan reviewer: T. Hale, MD (Family Medicine)\nRequesting physician: A. Roy, MD \
                     (Dermatology)\n";
        assert_eq!(specialty(payer), Some(Specialty::Dermatology));
        // Without a reviewer, the same sentence names the note's own specialty.
        let own = "I am a physician board certified in dermatology.\n";
        assert_eq!(specialty(own), Some(Specialty::Dermatology));
    }
}
