//! A policy as data: the TOML format, and its translation into typed rules
//! with every threshold, list and table checked before use.

use crate::error::{line_column, PolicyError};
use necessity_record::{sha256_hex, Facts, Outcome, Potency, Site, Specialty, TreatmentClass};
use serde::de::{value::StrDeserializer, DeserializeOwned, IntoDeserializer};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// One payer policy: which drug it covers and the rules that decide it.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub id: String,
    pub version: String,
    pub title: String,
    /// Generic name of the covered drug.
    pub drug: String,
    pub brand: Option<String>,
    /// Which fact must name `drug` for the policy to apply: a new request
    /// (initial authorization) or a continuation (renewal).
    pub applies_on: AppliesOn,
    /// Where the policy came from (a built-in name or a file path), for messages.
    pub origin: String,
    pub rules: Vec<Rule>,
    pub dosing: Vec<DosingRow>,
    /// Topical corticosteroid potency by agent, for notes that name the agent only.
    pub potency: BTreeMap<String, Potency>,
    /// What goes with an approval (counselling, reassessment, ...).
    pub considerations: Vec<String>,
    /// How many months an approval under this policy lasts, when it says.
    pub approval_months: Option<u32>,
    /// Named sets this built-in policy belongs to (`--policy atopic-dermatitis`).
    pub bundles: Vec<String>,
    /// The drug's other indications, as diagnosis words: a case whose
    /// diagnosis is one of them is asked for another use and never approved.
    pub other_indications: Vec<String>,
    /// SHA-256 of the policy's TOML text, so a record names the exact rules.
    pub sha256: String,
}

impl Policy {
    /// Whether the policy decides this case: the fact it applies on names its drug.
    pub fn applies_to(&self, facts: &Facts) -> bool {
        self.applies_on.drug_of(facts) == Some(self.drug.as_str())
    }
}

/// The fact that names the drug a policy decides, so an initial and a
/// renewal policy for one drug can be selected together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppliesOn {
    /// `facts.requested_drug`: the note newly requests, orders or starts the drug.
    #[default]
    RequestedDrug,
    /// `facts.continuation_of`: the note asks to go on with a drug the patient is on.
    ContinuationOf,
}

impl AppliesOn {
    /// The drug the case names through this fact.
    pub fn drug_of(self, facts: &Facts) -> Option<&str> {
        match self {
            AppliesOn::RequestedDrug => facts.requested_drug.as_deref(),
            AppliesOn::ContinuationOf => facts.continuation_of.as_deref(),
        }
    }

    /// The fact's name, as records and policy files write it.
    pub fn as_str(self) -> &'static str {
        match self {
            AppliesOn::RequestedDrug => "requested_drug",
            AppliesOn::ContinuationOf => "continuation_of",
        }
    }
}

/// One criterion of a policy: its kind is code, its parameters are data.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub id: String,
    /// Required rules decide the determination; advisory ones are only reported.
    pub required: bool,
    pub title: String,
    /// What a prescriber must document when the criterion is not documented.
    pub missing: String,
    pub test: Test,
}

/// The criterion kinds the engine knows, each with its parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Test {
    Diagnosis {
        accepted: Vec<String>,
    },
    Age {
        min_age_years: f64,
    },
    Severity(Severity),
    PriorFailure(PriorFailure),
    NoConcurrent {
        excluded_classes: Vec<TreatmentClass>,
        excluded_agents: Vec<String>,
        outcomes: Vec<Outcome>,
    },
    Dosing {
        /// The label dose is a ceiling (a lower dose or a longer interval
        /// passes) rather than the regimen to match.
        ceiling: bool,
    },
    Prescriber {
        specialties: Vec<Specialty>,
    },
    TimeOnTherapy {
        min_weeks: f64,
    },
    Response(Response),
}

/// Which measures and sites show moderate-to-severe disease; a threshold
/// left out means the policy does not accept that measure.
#[derive(Clone, Debug, PartialEq)]
pub struct Severity {
    pub bsa_min: Option<f64>,
    pub iga_min: Option<f64>,
    pub easi_min: Option<f64>,
    pub sites: Vec<Site>,
    /// Sites count only from this age ("hand or foot disease at age 12 or more").
    pub sites_min_age_years: Option<f64>,
}

/// Therapy that must have been tried first: which agents qualify, how many
/// classes of them, and what makes a trial count.
#[derive(Clone, Debug, PartialEq)]
pub struct PriorFailure {
    pub outcomes: Vec<Outcome>,
    /// Classes whose agents qualify (topical corticosteroids go by potency).
    pub classes: Vec<TreatmentClass>,
    /// Agents that qualify by name, whatever their class (step therapy).
    pub agents: Vec<String>,
    pub corticosteroid_min_potency: Option<Potency>,
    /// How many distinct treatment classes need a qualifying trial.
    pub min_classes: usize,
    /// A failure counts only after a trial this long (intolerance and
    /// contraindication need no length).
    pub min_trial_days: Option<f64>,
    /// A trial counts only when last used within this many months of the note's date.
    pub lookback_months: Option<u32>,
    /// A trial counts only when the note dates it.
    pub require_trial_date: bool,
}

/// What counts as a response to the drug being continued: the least fall of
/// each measure from baseline to now; a measure left out does not count. A
/// prescriber's statement of improvement always counts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Response {
    pub easi_drop_percent: Option<f64>,
    pub bsa_drop_percent: Option<f64>,
    pub iga_drop: Option<f64>,
    /// A current IGA at or below this is a response without a baseline (clear or almost clear).
    pub iga_at_most: Option<f64>,
    pub itch_drop: Option<f64>,
}

/// One label regimen. Age and weight ranges are `[min, max)`; `None` is open.
#[derive(Clone, Debug, PartialEq)]
pub struct DosingRow {
    pub label: String,
    pub min_age_years: Option<f64>,
    pub max_age_years: Option<f64>,
    pub min_weight_kg: Option<f64>,
    pub max_weight_kg: Option<f64>,
    /// `None`: the label gives no loading dose for these patients.
    pub loading_mg: Option<f64>,
    pub maintenance_mg: f64,
    pub interval: Interval,
}

/// A dosing interval as the label writes it: injections by the week, oral
/// drugs by the day.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Interval {
    Weeks(f64),
    Days(f64),
}

impl Interval {
    /// The interval in days, so a regimen written either way compares.
    pub fn days(self) -> f64 {
        match self {
            Interval::Weeks(weeks) => weeks * 7.0,
            Interval::Days(days) => days,
        }
    }
}

impl DosingRow {
    /// Whether the row's age range holds `age`.
    pub fn covers_age(&self, age: f64) -> bool {
        within(age, self.min_age_years, self.max_age_years)
    }

    /// Whether the row's dose depends on weight at all.
    pub fn needs_weight(&self) -> bool {
        self.min_weight_kg.is_some() || self.max_weight_kg.is_some()
    }

    /// Whether the row's weight range holds `weight`.
    pub fn covers_weight(&self, weight: f64) -> bool {
        within(weight, self.min_weight_kg, self.max_weight_kg)
    }
}

fn within(value: f64, min: Option<f64>, max: Option<f64>) -> bool {
    min.is_none_or(|min| value >= min) && max.is_none_or(|max| value < max)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    policy: RawHeader,
    #[serde(default)]
    criteria: Vec<Spanned<RawCriterion>>,
    #[serde(default)]
    dosing: Vec<Spanned<RawDosingRow>>,
    #[serde(default)]
    potency: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    approval: RawApproval,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    id: String,
    version: String,
    title: Option<String>,
    drug: String,
    brand: Option<String>,
    #[serde(default)]
    applies_on: AppliesOn,
    #[serde(default)]
    bundles: Vec<String>,
    #[serde(default)]
    other_indications: Vec<String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApproval {
    #[serde(default)]
    considerations: Vec<String>,
    months: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDosingRow {
    label: String,
    min_age_years: Option<f64>,
    max_age_years: Option<f64>,
    min_weight_kg: Option<f64>,
    max_weight_kg: Option<f64>,
    loading_mg: Option<f64>,
    maintenance_mg: f64,
    interval_weeks: Option<f64>,
    interval_days: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    id: String,
    kind: String,
    required: bool,
    title: Option<String>,
    missing: Option<String>,
    accepted: Option<Vec<String>>,
    min_age_years: Option<f64>,
    bsa_min: Option<f64>,
    iga_min: Option<f64>,
    easi_min: Option<f64>,
    sites: Option<Vec<String>>,
    sites_min_age_years: Option<f64>,
    outcomes: Option<Vec<String>>,
    classes: Option<Vec<String>>,
    agents: Option<Vec<String>>,
    corticosteroid_min_potency: Option<String>,
    min_classes: Option<usize>,
    min_trial_days: Option<f64>,
    lookback_months: Option<u32>,
    require_trial_date: Option<bool>,
    excluded_classes: Option<Vec<String>>,
    excluded_agents: Option<Vec<String>>,
    specialties: Option<Vec<String>>,
    ceiling: Option<bool>,
    min_weeks: Option<f64>,
    easi_drop_percent: Option<f64>,
    bsa_drop_percent: Option<f64>,
    iga_drop: Option<f64>,
    iga_at_most: Option<f64>,
    itch_drop: Option<f64>,
}

impl RawCriterion {
    /// The kind-specific keys the criterion sets, to reject keys its kind ignores.
    fn parameters(&self) -> Vec<&'static str> {
        let set = [
            ("accepted", self.accepted.is_some()),
            ("min_age_years", self.min_age_years.is_some()),
            ("bsa_min", self.bsa_min.is_some()),
            ("iga_min", self.iga_min.is_some()),
            ("easi_min", self.easi_min.is_some()),
            ("sites", self.sites.is_some()),
            ("sites_min_age_years", self.sites_min_age_years.is_some()),
            ("outcomes", self.outcomes.is_some()),
            ("classes", self.classes.is_some()),
            ("agents", self.agents.is_some()),
            ("corticosteroid_min_potency", self.corticosteroid_min_potency.is_some()),
            ("min_classes", self.min_classes.is_some()),
            ("min_trial_days", self.min_trial_days.is_some()),
            ("lookback_months", self.lookback_months.is_some()),
            ("require_trial_date", self.require_trial_date.is_some()),
            ("excluded_classes", self.excluded_classes.is_some()),
            ("excluded_agents", self.excluded_agents.is_some()),
            ("specialties", self.specialties.is_some()),
            ("ceiling", self.ceiling.is_some()),
            ("min_weeks", self.min_weeks.is_some()),
            ("easi_drop_percent", self.easi_drop_percent.is_some()),
            ("bsa_drop_percent", self.bsa_drop_percent.is_some()),
            ("iga_drop", self.iga_drop.is_some()),
            ("iga_at_most", self.iga_at_most.is_some()),
            ("itch_drop", self.itch_drop.is_some()),
        ];
        set.into_iter().filter(|(_, present)| *present).map(|(key, _)| key).collect()
    }
}

/// The criterion kinds and the parameters each accepts.
const KINDS: [(&str, &[&str]); 9] = [
    ("diagnosis", &["accepted"]),
    ("age", &["min_age_years"]),
    ("severity", &["bsa_min", "iga_min", "easi_min", "sites", "sites_min_age_years"]),
    (
        "prior_failure",
        &[
            "outcomes",
            "classes",
            "agents",
            "corticosteroid_min_potency",
            "min_classes",
            "min_trial_days",
            "lookback_months",
            "require_trial_date",
        ],
    ),
    ("no_concurrent", &["excluded_classes", "excluded_agents", "outcomes"]),
    ("dosing", &["ceiling"]),
    ("prescriber", &["specialties"]),
    ("time_on_therapy", &["min_weeks"]),
    (
        "response",
        &["easi_drop_percent", "bsa_drop_percent", "iga_drop", "iga_at_most", "itch_drop"],
    ),
];

/// Where a semantic error is: the origin, a line when known, and the key.
struct Locator<'a> {
    origin: &'a str,
    text: &'a str,
}

impl Locator<'_> {
    /// An error at `key`: on the key's own line when the key is written in
    /// the table at `span`, else on the table's first line.
    fn invalid(
        &self,
        span: Option<std::ops::Range<usize>>,
        key: String,
        message: String,
    ) -> PolicyError {
        let line = span.map(|span| {
            let name = key.rsplit('.').next().unwrap_or(&key);
            let offset = self.key_offset(span.clone(), name).unwrap_or(span.start);
            line_column(self.text, offset).0
        });
        PolicyError::Invalid { origin: self.origin.to_string(), line, key, message }
    }

    /// Where a line `name = ...` starts in the table whose header is at
    /// `span` (toml spans an array-of-tables element by its header only).
    fn key_offset(&self, span: std::ops::Range<usize>, name: &str) -> Option<usize> {
        let mut offset = span.end;
        for line in self.text.get(span.end..)?.split_inclusive('\n') {
            let trimmed = line.trim_start();
            if trimmed.starts_with('[') {
                return None;
            }
            if trimmed.strip_prefix(name).is_some_and(|rest| rest.trim_start().starts_with('=')) {
                return Some(offset);
            }
            offset += line.len();
        }
        None
    }
}

/// Parses and checks a policy; `origin` names the file or built-in in errors.
pub fn parse_policy(text: &str, origin: &str) -> Result<Policy, PolicyError> {
    let raw: RawPolicy = toml::from_str(text).map_err(|e| syntax_error(text, origin, &e))?;
    let at = Locator { origin, text };
    let header = check_header(&at, raw.policy)?;
    let rules = raw
        .criteria
        .into_iter()
        .enumerate()
        .map(|(index, spanned)| check_criterion(&at, index, spanned))
        .collect::<Result<Vec<_>, _>>()?;
    check_unique_ids(&at, &rules)?;
    let dosing = raw
        .dosing
        .into_iter()
        .enumerate()
        .map(|(index, spanned)| check_dosing_row(&at, index, spanned))
        .collect::<Result<Vec<_>, _>>()?;
    if rules.iter().any(|r| matches!(r.test, Test::Dosing { .. })) && dosing.is_empty() {
        return Err(at.invalid(
            None,
            "dosing".into(),
            "a criterion of kind `dosing` needs [[dosing]] rows".into(),
        ));
    }
    if raw.approval.months.is_some_and(|months| !(1..=120).contains(&months)) {
        return Err(at.invalid(None, "approval.months".into(), "must be 1 to 120".into()));
    }
    Ok(Policy {
        id: header.id,
        version: header.version,
        title: header.title.unwrap_or_default(),
        drug: header.drug,
        brand: header.brand,
        applies_on: header.applies_on,
        origin: origin.to_string(),
        rules,
        dosing,
        potency: check_potency(&at, raw.potency)?,
        considerations: raw.approval.considerations,
        approval_months: raw.approval.months,
        bundles: header.bundles,
        other_indications: header.other_indications,
        sha256: sha256_hex(text.as_bytes()),
    })
}

fn syntax_error(text: &str, origin: &str, error: &toml::de::Error) -> PolicyError {
    let (line, column) = error.span().map_or((1, 1), |span| line_column(text, span.start));
    PolicyError::Syntax {
        origin: origin.to_string(),
        line,
        column,
        message: error.message().trim().to_string(),
    }
}

fn check_header(at: &Locator, header: RawHeader) -> Result<RawHeader, PolicyError> {
    for (key, value) in [
        ("policy.id", &header.id),
        ("policy.version", &header.version),
        ("policy.drug", &header.drug),
    ] {
        if value.trim().is_empty() {
            return Err(at.invalid(None, key.into(), "must not be empty".into()));
        }
    }
    Ok(header)
}

fn check_unique_ids(at: &Locator, rules: &[Rule]) -> Result<(), PolicyError> {
    for (index, rule) in rules.iter().enumerate() {
        if rules[..index].iter().any(|r| r.id == rule.id) {
            let message = format!("criterion id `{}` is used twice", rule.id);
            return Err(at.invalid(None, format!("criteria[{index}].id"), message));
        }
    }
    Ok(())
}

fn check_criterion(
    at: &Locator,
    index: usize,
    spanned: Spanned<RawCriterion>,
) -> Result<Rule, PolicyError> {
    let span = spanned.span();
    let raw = spanned.into_inner();
    let fail = |key: &str, message: String| {
        at.invalid(Some(span.clone()), format!("criteria[{index}].{key}"), message)
    };
    let Some((_, allowed)) = KINDS.iter().find(|(kind, _)| *kind == raw.kind) else {
        let known: Vec<&str> = KINDS.iter().map(|(kind, _)| *kind).collect();
        return Err(fail(
            "kind",
            format!("unknown criterion kind `{}`; known kinds: {}", raw.kind, known.join(", ")),
        ));
    };
    if let Some(key) = raw.parameters().into_iter().find(|key| !allowed.contains(key)) {
        return Err(fail(key, format!("does not apply to a criterion of kind `{}`", raw.kind)));
    }
    if raw.id.trim().is_empty() {
        return Err(fail("id", "must not be empty".into()));
    }
    let test = build_test(&raw).map_err(|(key, message)| fail(key, message))?;
    Ok(Rule {
        title: raw.title.clone().unwrap_or_else(|| raw.id.clone()),
        missing: raw.missing.clone().unwrap_or_else(|| format!("documentation for `{}`", raw.id)),
        id: raw.id,
        required: raw.required,
        test,
    })
}

/// A semantic problem: the key (relative to the criterion) and what is wrong.
type KeyError = (&'static str, String);

fn build_test(raw: &RawCriterion) -> Result<Test, KeyError> {
    Ok(match raw.kind.as_str() {
        "diagnosis" => Test::Diagnosis { accepted: non_empty("accepted", raw.accepted.clone())? },
        "age" => Test::Age {
            min_age_years: required_threshold("min_age_years", raw.min_age_years, 130.0)?,
        },
        "severity" => severity_test(raw)?,
        "prior_failure" => prior_failure_test(raw)?,
        "no_concurrent" => no_concurrent_test(raw)?,
        "dosing" => Test::Dosing { ceiling: raw.ceiling.unwrap_or(false) },
        "prescriber" => Test::Prescriber {
            specialties: words("specialties", &non_empty("specialties", raw.specialties.clone())?)?,
        },
        "time_on_therapy" => Test::TimeOnTherapy {
            min_weeks: required_threshold("min_weeks", raw.min_weeks, 520.0)?,
        },
        "response" => Test::Response(Response {
            easi_drop_percent: threshold("easi_drop_percent", raw.easi_drop_percent, 0.0, 100.0)?,
            bsa_drop_percent: threshold("bsa_drop_percent", raw.bsa_drop_percent, 0.0, 100.0)?,
            iga_drop: threshold("iga_drop", raw.iga_drop, 0.0, 5.0)?,
            iga_at_most: threshold("iga_at_most", raw.iga_at_most, 0.0, 5.0)?,
            itch_drop: threshold("itch_drop", raw.itch_drop, 0.0, 10.0)?,
        }),
        other => return Err(("kind", format!("unknown criterion kind `{other}`"))),
    })
}

/// A threshold the kind cannot do without, from 0 to `max`.
fn required_threshold(key: &'static str, value: Option<f64>, max: f64) -> Result<f64, KeyError> {
    threshold(key, value, 0.0, max)?.ok_or((key, "is required".into()))
}

fn severity_test(raw: &RawCriterion) -> Result<Test, KeyError> {
    let severity = Severity {
        bsa_min: threshold("bsa_min", raw.bsa_min, 0.0, 100.0)?,
        iga_min: threshold("iga_min", raw.iga_min, 0.0, 5.0)?,
        easi_min: threshold("easi_min", raw.easi_min, 0.0, 72.0)?,
        sites: words("sites", raw.sites.as_deref().unwrap_or_default())?,
        sites_min_age_years: threshold("sites_min_age_years", raw.sites_min_age_years, 0.0, 130.0)?,
    };
    let no_measure =
        severity.bsa_min.is_none() && severity.iga_min.is_none() && severity.easi_min.is_none();
    if no_measure && severity.sites.is_empty() {
        return Err((
            "bsa_min",
            "a severity criterion needs at least one of bsa_min, iga_min, easi_min, sites".into(),
        ));
    }
    if severity.sites_min_age_years.is_some() && severity.sites.is_empty() {
        return Err((
            "sites_min_age_years",
            "applies to listed sites; list them in `sites`".into(),
        ));
    }
    Ok(Test::Severity(severity))
}

fn prior_failure_test(raw: &RawCriterion) -> Result<Test, KeyError> {
    let classes: Vec<TreatmentClass> =
        words("classes", raw.classes.as_deref().unwrap_or_default())?;
    let agents = raw.agents.clone().unwrap_or_default();
    let corticosteroid_min_potency = raw
        .corticosteroid_min_potency
        .as_deref()
        .map(|w| word("corticosteroid_min_potency", w))
        .transpose()?;
    if classes.is_empty() && agents.is_empty() && corticosteroid_min_potency.is_none() {
        return Err((
            "classes",
            "a prior_failure criterion needs qualifying classes, agents or corticosteroid_min_potency"
                .into(),
        ));
    }
    if classes.contains(&TreatmentClass::TopicalCorticosteroid) {
        return Err((
            "classes",
            "list topical corticosteroids through corticosteroid_min_potency, not classes".into(),
        ));
    }
    // Each listed class, the corticosteroids and each listed agent can add one class at most.
    let most = classes.len() + usize::from(corticosteroid_min_potency.is_some()) + agents.len();
    let min_classes = raw.min_classes.unwrap_or(1);
    if !(1..=most).contains(&min_classes) {
        return Err((
            "min_classes",
            format!("{min_classes} is outside 1..={most}, the classes that can qualify"),
        ));
    }
    Ok(Test::PriorFailure(PriorFailure {
        outcomes: words("outcomes", &non_empty("outcomes", raw.outcomes.clone())?)?,
        classes,
        agents,
        corticosteroid_min_potency,
        min_classes,
        min_trial_days: threshold("min_trial_days", raw.min_trial_days, 1.0, 3650.0)?,
        lookback_months: raw
            .lookback_months
            .map(|months| match months {
                1..=600 => Ok(months),
                _ => Err(("lookback_months", format!("{months} is outside 1..=600"))),
            })
            .transpose()?,
        require_trial_date: raw.require_trial_date.unwrap_or(false),
    }))
}

fn no_concurrent_test(raw: &RawCriterion) -> Result<Test, KeyError> {
    let excluded_classes: Vec<TreatmentClass> =
        words("excluded_classes", raw.excluded_classes.as_deref().unwrap_or_default())?;
    let excluded_agents = raw.excluded_agents.clone().unwrap_or_default();
    if excluded_classes.is_empty() && excluded_agents.is_empty() {
        return Err((
            "excluded_classes",
            "a no_concurrent criterion needs excluded_classes or excluded_agents".into(),
        ));
    }
    Ok(Test::NoConcurrent {
        excluded_classes,
        excluded_agents,
        outcomes: words("outcomes", &non_empty("outcomes", raw.outcomes.clone())?)?,
    })
}

fn non_empty(key: &'static str, list: Option<Vec<String>>) -> Result<Vec<String>, KeyError> {
    list.filter(|l| !l.is_empty()).ok_or((key, "is required and must not be empty".into()))
}

fn threshold(
    key: &'static str,
    value: Option<f64>,
    min: f64,
    max: f64,
) -> Result<Option<f64>, KeyError> {
    match value {
        Some(v) if !(v.is_finite() && (min..=max).contains(&v)) => {
            Err((key, format!("{v} is outside {min}..={max}")))
        }
        _ => Ok(value),
    }
}

/// A vocabulary word of the record contract (`biologic`, `hands`, `failed`).
fn word<T: DeserializeOwned>(key: &'static str, text: &str) -> Result<T, KeyError> {
    let deserializer: StrDeserializer<serde::de::value::Error> = text.into_deserializer();
    T::deserialize(deserializer).map_err(|e| (key, e.to_string()))
}

fn words<T: DeserializeOwned>(key: &'static str, texts: &[String]) -> Result<Vec<T>, KeyError> {
    texts.iter().map(|text| word(key, text)).collect()
}

fn check_dosing_row(
    at: &Locator,
    index: usize,
    spanned: Spanned<RawDosingRow>,
) -> Result<DosingRow, PolicyError> {
    let span = spanned.span();
    let raw = spanned.into_inner();
    let fail = |key: &str, message: String| {
        at.invalid(Some(span.clone()), format!("dosing[{index}].{key}"), message)
    };
    for (key, min, max) in [
        ("age_years", raw.min_age_years, raw.max_age_years),
        ("weight_kg", raw.min_weight_kg, raw.max_weight_kg),
    ] {
        if let (Some(min), Some(max)) = (min, max) {
            if min >= max {
                return Err(fail(
                    &format!("max_{key}"),
                    format!("{max} is not above min_{key} {min}"),
                ));
            }
        }
    }
    let interval = match (raw.interval_weeks, raw.interval_days) {
        (Some(weeks), None) => Interval::Weeks(weeks),
        (None, Some(days)) => Interval::Days(days),
        _ => {
            return Err(fail(
                "interval_weeks",
                "give the interval once: interval_weeks or interval_days".into(),
            ))
        }
    };
    let doses = [
        ("loading_mg", raw.loading_mg),
        ("maintenance_mg", Some(raw.maintenance_mg)),
        ("interval_weeks", raw.interval_weeks),
        ("interval_days", raw.interval_days),
    ];
    if let Some((key, Some(v))) =
        doses.into_iter().find(|(_, v)| v.is_some_and(|v| !(v.is_finite() && v > 0.0)))
    {
        return Err(fail(key, format!("{v} must be a positive number")));
    }
    Ok(DosingRow {
        label: raw.label,
        min_age_years: raw.min_age_years,
        max_age_years: raw.max_age_years,
        min_weight_kg: raw.min_weight_kg,
        max_weight_kg: raw.max_weight_kg,
        loading_mg: raw.loading_mg,
        maintenance_mg: raw.maintenance_mg,
        interval,
    })
}

fn check_potency(
    at: &Locator,
    table: BTreeMap<String, Vec<String>>,
) -> Result<BTreeMap<String, Potency>, PolicyError> {
    let mut potency = BTreeMap::new();
    for (group, agents) in table {
        let level: Potency = word("potency", &group)
            .map_err(|(_, message)| at.invalid(None, format!("potency.{group}"), message))?;
        for agent in agents {
            if potency.insert(agent.clone(), level).is_some() {
                return Err(at.invalid(
                    None,
                    format!("potency.{group}"),
                    format!("agent `{agent}` is listed in two groups"),
                ));
            }
        }
    }
    Ok(potency)
}
