//! A patient's earlier notes, as the engine reads a later note of the same
//! patient: a renewal often leaves out the baseline or the trial history
//! that an earlier note of the course gave.
//!
//! The rule of what may come from an earlier note (docs/running.md,
//! "A patient's notes read together"):
//! - the baseline (`measures_baseline`), measure by measure where the note
//!   gives none, from the note that started the current course of the
//!   drug being continued: the latest earlier note that requested it (its
//!   current values were taken before the drug), or, when no earlier note
//!   requested it, the earliest earlier note continuing it that gives a
//!   baseline of its own;
//! - failed and intolerant treatments from any earlier note, on a note that
//!   asks for a drug (a request or a renewal), except the drug asked for;
//! - current measures never: they are the visit's own.
//!
//! Every fact taken carries the earlier note's evidence, each span naming
//! that note's id (`Span::note_id`); criteria read the merged facts only.

use necessity_record::{Facts, Measures, Outcome, Span, Treatment};
use std::collections::BTreeMap;

/// The facts of a patient's notes decided so far, in date order, that a
/// later note of the patient may draw on: a few hundred bytes a note.
#[derive(Clone, Debug, Default)]
pub struct PatientHistory {
    notes: Vec<EarlierNote>,
}

/// What one earlier note may lend a later one.
#[derive(Clone, Debug)]
struct EarlierNote {
    id: String,
    requested_drug: Option<String>,
    continuation_of: Option<String>,
    measures: Measures,
    measures_baseline: Measures,
    /// Evidence of `measures.*` and `measures_baseline.*`, by field path.
    evidence: BTreeMap<String, Vec<Span>>,
    /// Failed and intolerant treatments only.
    trials: Vec<Treatment>,
}

/// Access to one value of [`Measures`].
type MeasureField = fn(&mut Measures) -> &mut Option<f64>;

/// The measure keys of [`Measures`], with access to each value.
const MEASURES: [(&str, MeasureField); 4] = [
    ("bsa_percent", |m| &mut m.bsa_percent),
    ("iga", |m| &mut m.iga),
    ("itch_nrs", |m| &mut m.itch_nrs),
    ("easi", |m| &mut m.easi),
];

impl PatientHistory {
    /// A patient with no notes read yet.
    pub fn new() -> PatientHistory {
        PatientHistory::default()
    }

    /// How many earlier notes the history holds.
    pub fn len(&self) -> usize {
        self.notes.len()
    }

    /// Whether no note of the patient has been read yet.
    pub fn is_empty(&self) -> bool {
        self.notes.is_empty()
    }

    /// Remembers the facts note `id` gives of itself (before any merge), for
    /// the patient's later notes.
    pub fn remember(&mut self, id: &str, facts: &Facts) {
        let evidence = facts
            .evidence
            .iter()
            .filter(|(key, _)| {
                key.starts_with("measures.") || key.starts_with("measures_baseline.")
            })
            .map(|(key, spans)| (key.clone(), own_spans(spans)))
            .collect();
        let trials = facts
            .treatments
            .iter()
            .filter(|t| matches!(t.outcome, Outcome::Failed | Outcome::Intolerant))
            .map(|t| Treatment { evidence: own_spans(&t.evidence), ..t.clone() })
            .collect();
        self.notes.push(EarlierNote {
            id: id.to_string(),
            requested_drug: facts.requested_drug.clone(),
            continuation_of: facts.continuation_of.clone(),
            measures: facts.measures.clone(),
            measures_baseline: facts.measures_baseline.clone(),
            evidence,
            trials,
        });
    }

    /// Adds to `facts` what the rule lets a later note take from the
    /// earlier ones (see the module's documentation).
    pub fn merge_into(&self, facts: &mut Facts) {
        let asked = facts.continuation_of.clone().or_else(|| facts.requested_drug.clone());
        let Some(asked) = asked else { return };
        self.merge_trials(facts, &asked);
        if let Some(drug) = facts.continuation_of.clone() {
            self.merge_baseline(facts, &drug);
        }
    }

    /// Failed and intolerant treatments of earlier notes: added when the
    /// note does not name the agent, and outranking a weaker outcome it
    /// gives (a failure outranks `current`, as within one note).
    fn merge_trials(&self, facts: &mut Facts, asked: &str) {
        for note in &self.notes {
            for trial in note.trials.iter().filter(|t| t.agent != asked) {
                let borrowed = lent(trial, &note.id);
                match facts.treatments.iter_mut().find(|t| t.agent == trial.agent) {
                    None => facts.treatments.push(borrowed),
                    Some(own) if own.outcome > Outcome::Contraindicated => {
                        own.outcome = borrowed.outcome;
                        own.evidence.extend(borrowed.evidence);
                        own.duration_days = own.duration_days.or(borrowed.duration_days);
                        own.last_used = own.last_used.take().or(borrowed.last_used);
                    }
                    Some(_) => {}
                }
            }
        }
    }

    /// The baseline of the course of `drug`, measure by measure where the
    /// note gives none.
    fn merge_baseline(&self, facts: &mut Facts, drug: &str) {
        let Some((note, prefix)) = self.course_start(drug) else { return };
        let mut from = match prefix {
            "measures" => note.measures.clone(),
            _ => note.measures_baseline.clone(),
        };
        for (key, value_of) in MEASURES {
            let (Some(value), None) =
                (*value_of(&mut from), *value_of(&mut facts.measures_baseline))
            else {
                continue;
            };
            *value_of(&mut facts.measures_baseline) = Some(value);
            if key == "iga" && prefix == "measures" {
                facts.measures_baseline.iga_scale = note.measures.iga_scale;
            }
            let spans = note.evidence.get(&format!("{prefix}.{key}")).into_iter().flatten();
            let spans = spans.map(|span| span.from_note(&note.id)).collect();
            facts.evidence.insert(format!("measures_baseline.{key}"), spans);
        }
    }

    /// The earlier note whose values are the baseline of the course of
    /// `drug`, and which of its measures are: the current ones of the latest
    /// note requesting the drug, else the baseline of the earliest note
    /// continuing it that gives one.
    fn course_start(&self, drug: &str) -> Option<(&EarlierNote, &'static str)> {
        let requested = self.notes.iter().rev().find(|n| n.requested_drug.as_deref() == Some(drug));
        match requested {
            Some(note) if !note.measures.is_empty() => Some((note, "measures")),
            Some(_) => None,
            None => self
                .notes
                .iter()
                .find(|n| {
                    n.continuation_of.as_deref() == Some(drug) && !n.measures_baseline.is_empty()
                })
                .map(|note| (note, "measures_baseline")),
        }
    }
}

/// A treatment of note `id` as a later note takes it: its evidence names `id`.
fn lent(trial: &Treatment, id: &str) -> Treatment {
    let evidence = trial.evidence.iter().map(|span| span.from_note(id)).collect();
    Treatment { evidence, ..trial.clone() }
}

/// The spans that quote the note itself: what a note lends is its own words.
fn own_spans(spans: &[Span]) -> Vec<Span> {
    spans.iter().filter(|span| !span.is_from_other_note()).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use necessity_record::TreatmentClass;

    fn span(text: &str) -> Span {
        Span::of(text, 0, text.len()).unwrap()
    }

    fn treatment(agent: &str, outcome: Outcome) -> Treatment {
        Treatment {
            agent: agent.into(),
            class: TreatmentClass::SystemicImmunosuppressant,
            potency: None,
            outcome,
            duration_days: None,
            last_used: None,
            stopped: false,
            evidence: vec![span(agent)],
        }
    }

    /// The note that started dupilumab: EASI 28, BSA 30, failed cyclosporine.
    fn initial() -> Facts {
        let mut facts = Facts { requested_drug: Some("dupilumab".into()), ..Facts::default() };
        facts.measures.easi = Some(28.0);
        facts.measures.bsa_percent = Some(30.0);
        facts.evidence.insert("measures.easi".into(), vec![span("EASI 28")]);
        facts.evidence.insert("measures.bsa_percent".into(), vec![span("BSA 30%")]);
        facts.treatments.push(treatment("cyclosporine", Outcome::Failed));
        facts.treatments.push(treatment("methotrexate", Outcome::Mentioned));
        facts
    }

    /// A renewal of dupilumab with current EASI 6 and no baseline.
    fn renewal() -> Facts {
        let mut facts = Facts { continuation_of: Some("dupilumab".into()), ..Facts::default() };
        facts.measures.easi = Some(6.0);
        facts.evidence.insert("measures.easi".into(), vec![span("EASI 6")]);
        facts
    }

    #[test]
    fn a_renewal_takes_its_baseline_from_the_note_that_started_the_course() {
        let mut history = PatientHistory::new();
        history.remember("n.csv#1", &initial());
        let mut facts = renewal();
        history.merge_into(&mut facts);
        assert_eq!(facts.measures_baseline.easi, Some(28.0));
        assert_eq!(facts.measures_baseline.bsa_percent, Some(30.0));
        assert_eq!(facts.measures.easi, Some(6.0), "current measures are the note's own");
        assert_eq!(facts.measures.bsa_percent, None, "current measures never come from before");
        let evidence = &facts.evidence["measures_baseline.easi"];
        assert_eq!(evidence[0].text, "EASI 28");
        assert_eq!(evidence[0].note_id.as_deref(), Some("n.csv#1"));
        let cyclosporine = facts.treatments.iter().find(|t| t.agent == "cyclosporine").unwrap();
        assert_eq!(cyclosporine.outcome, Outcome::Failed);
        assert_eq!(cyclosporine.evidence[0].note_id.as_deref(), Some("n.csv#1"));
        assert!(facts.treatments.iter().all(|t| t.agent != "methotrexate"), "only trials");
    }

    #[test]
    fn a_baseline_the_note_gives_is_kept_and_others_fill_around_it() {
        let mut history = PatientHistory::new();
        history.remember("n.csv#1", &initial());
        let mut facts = renewal();
        facts.measures_baseline.easi = Some(24.0);
        history.merge_into(&mut facts);
        assert_eq!(facts.measures_baseline.easi, Some(24.0));
        assert_eq!(facts.measures_baseline.bsa_percent, Some(30.0));
        assert!(!facts.evidence.contains_key("measures_baseline.easi"));
    }

    #[test]
    fn the_latest_request_starts_the_course_and_on_drug_values_are_no_baseline() {
        let mut history = PatientHistory::new();
        history.remember("n.csv#1", &initial());
        // A restart a year later, at EASI 20: the new course's baseline.
        let mut restart = initial();
        restart.measures.easi = Some(20.0);
        history.remember("n.csv#2", &restart);
        // An on-drug visit with no request: its values are no baseline.
        let mut visit = renewal();
        visit.continuation_of = None;
        visit.measures.easi = Some(9.0);
        history.remember("n.csv#3", &visit);
        let mut facts = renewal();
        history.merge_into(&mut facts);
        assert_eq!(facts.measures_baseline.easi, Some(20.0));
        let evidence = &facts.evidence["measures_baseline.easi"];
        assert_eq!(evidence[0].note_id.as_deref(), Some("n.csv#2"));
    }

    #[test]
    fn without_the_request_an_earlier_renewals_own_baseline_carries_forward() {
        let mut history = PatientHistory::new();
        let mut first_renewal = renewal();
        first_renewal.measures_baseline.iga = Some(4.0);
        first_renewal.evidence.insert("measures_baseline.iga".into(), vec![span("IGA 4")]);
        history.remember("n.csv#5", &first_renewal);
        let mut facts = renewal();
        history.merge_into(&mut facts);
        assert_eq!(facts.measures_baseline.iga, Some(4.0));
        assert_eq!(facts.measures_baseline.easi, None, "an on-drug EASI is no baseline");
    }

    #[test]
    fn a_borrowed_fact_is_lent_on_only_from_the_note_that_gave_it() {
        let mut history = PatientHistory::new();
        history.remember("n.csv#1", &initial());
        let mut second = renewal();
        history.merge_into(&mut second);
        history.remember("n.csv#2", &second);
        let mut third = renewal();
        history.merge_into(&mut third);
        let cyclosporine: Vec<&Treatment> =
            third.treatments.iter().filter(|t| t.agent == "cyclosporine").collect();
        assert_eq!(cyclosporine.len(), 1);
        assert!(cyclosporine[0].evidence.iter().all(|s| s.note_id.as_deref() == Some("n.csv#1")));
        assert_eq!(third.evidence["measures_baseline.easi"][0].note_id.as_deref(), Some("n.csv#1"));
    }

    #[test]
    fn an_earlier_failure_outranks_current_use_but_not_the_drug_asked_for() {
        let mut history = PatientHistory::new();
        let mut earlier = initial();
        earlier.treatments.push(treatment("dupilumab", Outcome::Failed));
        history.remember("n.csv#1", &earlier);
        let mut facts = renewal();
        facts.treatments.push(treatment("cyclosporine", Outcome::Current));
        facts.treatments.push(treatment("dupilumab", Outcome::Current));
        history.merge_into(&mut facts);
        let outcome = |agent: &str| facts.treatments.iter().find(|t| t.agent == agent).unwrap();
        assert_eq!(outcome("cyclosporine").outcome, Outcome::Failed);
        assert_eq!(outcome("cyclosporine").evidence.len(), 2);
        assert_eq!(outcome("dupilumab").outcome, Outcome::Current);
    }

    #[test]
    fn a_note_that_asks_for_nothing_takes_nothing() {
        let mut history = PatientHistory::new();
        history.remember("n.csv#1", &initial());
        let mut facts = Facts::default();
        history.merge_into(&mut facts);
        assert_eq!(facts, Facts::default());
    }
}
