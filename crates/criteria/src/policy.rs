//! A policy as data: the TOML format, and its translation into typed rules
//! with every threshold, list and table checked before use.

use crate::error::{line_column, PolicyError};
use necessity_record::{sha256_hex, Outcome, Potency, Site, Specialty, TreatmentClass};
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
    /// Generic name of the covered drug; a case applies when it requests it.
    pub drug: String,
    pub brand: Option<String>,
    /// Where the policy came from (a built-in name or a file path), for messages.
    pub origin: String,
    pub rules: Vec<Rule>,
    pub dosing: Vec<DosingRow>,
    /// Topical corticosteroid potency by agent, for notes that name the agent only.
    pub potency: BTreeMap<String, Potency>,
    /// What goes with an approval (counselling, reassessment, ...).
    pub considerations: Vec<String>,
    /// The drug's other indications, as diagnosis words: a case whose
    /// diagnosis is one of them is asked for another use and never approved.
    pub other_indications: Vec<String>,
    /// SHA-256 of the policy's TOML text, so a record names the exact rules.
    pub sha256: String,
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
    Severity {
        bsa_min: Option<f64>,
        iga_min: Option<f64>,
        easi_min: Option<f64>,
        sites: Vec<Site>,
    },
    TopicalFailure {
        outcomes: Vec<Outcome>,
        classes: Vec<TreatmentClass>,
        corticosteroid_min_potency: Option<Potency>,
    },
    NoConcurrent {
        excluded_classes: Vec<TreatmentClass>,
        excluded_agents: Vec<String>,
        outcomes: Vec<Outcome>,
    },
    Dosing,
    Prescriber {
        specialties: Vec<Specialty>,
    },
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
    pub interval_weeks: f64,
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
    other_indications: Vec<String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApproval {
    #[serde(default)]
    considerations: Vec<String>,
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
    interval_weeks: f64,
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
    outcomes: Option<Vec<String>>,
    classes: Option<Vec<String>>,
    corticosteroid_min_potency: Option<String>,
    excluded_classes: Option<Vec<String>>,
    excluded_agents: Option<Vec<String>>,
    specialties: Option<Vec<String>>,
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
            ("outcomes", self.outcomes.is_some()),
            ("classes", self.classes.is_some()),
            ("corticosteroid_min_potency", self.corticosteroid_min_potency.is_some()),
            ("excluded_classes", self.excluded_classes.is_some()),
            ("excluded_agents", self.excluded_agents.is_some()),
            ("specialties", self.specialties.is_some()),
        ];
        set.into_iter().filter(|(_, present)| *present).map(|(key, _)| key).collect()
    }
}

/// The criterion kinds and the parameters each accepts.
const KINDS: [(&str, &[&str]); 7] = [
    ("diagnosis", &["accepted"]),
    ("age", &["min_age_years"]),
    ("severity", &["bsa_min", "iga_min", "easi_min", "sites"]),
    ("topical_failure", &["outcomes", "classes", "corticosteroid_min_potency"]),
    ("no_concurrent", &["excluded_classes", "excluded_agents", "outcomes"]),
    ("dosing", &[]),
    ("prescriber", &["specialties"]),
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
    if rules.iter().any(|r| r.test == Test::Dosing) && dosing.is_empty() {
        return Err(at.invalid(
            None,
            "dosing".into(),
            "a criterion of kind `dosing` needs [[dosing]] rows".into(),
        ));
    }
    Ok(Policy {
        id: header.id,
        version: header.version,
        title: header.title.unwrap_or_default(),
        drug: header.drug,
        brand: header.brand,
        origin: origin.to_string(),
        rules,
        dosing,
        potency: check_potency(&at, raw.potency)?,
        considerations: raw.approval.considerations,
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
            min_age_years: threshold("min_age_years", raw.min_age_years, 0.0, 130.0)?
                .ok_or(("min_age_years", "is required".into()))?,
        },
        "severity" => severity_test(raw)?,
        "topical_failure" => topical_failure_test(raw)?,
        "no_concurrent" => no_concurrent_test(raw)?,
        "dosing" => Test::Dosing,
        "prescriber" => Test::Prescriber {
            specialties: words("specialties", &non_empty("specialties", raw.specialties.clone())?)?,
        },
        other => return Err(("kind", format!("unknown criterion kind `{other}`"))),
    })
}

fn severity_test(raw: &RawCriterion) -> Result<Test, KeyError> {
    let test = Test::Severity {
        bsa_min: threshold("bsa_min", raw.bsa_min, 0.0, 100.0)?,
        iga_min: threshold("iga_min", raw.iga_min, 0.0, 5.0)?,
        easi_min: threshold("easi_min", raw.easi_min, 0.0, 72.0)?,
        sites: words("sites", raw.sites.as_deref().unwrap_or_default())?,
    };
    match &test {
        Test::Severity { bsa_min: None, iga_min: None, easi_min: None, sites }
            if sites.is_empty() =>
        {
            Err((
                "bsa_min",
                "a severity criterion needs at least one of bsa_min, iga_min, easi_min, sites"
                    .into(),
            ))
        }
        _ => Ok(test),
    }
}

fn topical_failure_test(raw: &RawCriterion) -> Result<Test, KeyError> {
    let classes: Vec<TreatmentClass> =
        words("classes", raw.classes.as_deref().unwrap_or_default())?;
    let corticosteroid_min_potency = raw
        .corticosteroid_min_potency
        .as_deref()
        .map(|w| word("corticosteroid_min_potency", w))
        .transpose()?;
    if classes.is_empty() && corticosteroid_min_potency.is_none() {
        return Err((
            "classes",
            "a topical_failure criterion needs qualifying classes or corticosteroid_min_potency"
                .into(),
        ));
    }
    if classes.contains(&TreatmentClass::TopicalCorticosteroid) {
        return Err((
            "classes",
            "list topical corticosteroids through corticosteroid_min_potency, not classes".into(),
        ));
    }
    Ok(Test::TopicalFailure {
        outcomes: words("outcomes", &non_empty("outcomes", raw.outcomes.clone())?)?,
        classes,
        corticosteroid_min_potency,
    })
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
    let doses = [
        ("loading_mg", raw.loading_mg),
        ("maintenance_mg", Some(raw.maintenance_mg)),
        ("interval_weeks", Some(raw.interval_weeks)),
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
        interval_weeks: raw.interval_weeks,
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
