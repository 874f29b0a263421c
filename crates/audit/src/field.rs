//! Record fields named on the command line (`determination`, `policy`,
//! `requested_drug`, `criterion.severity`, ...) and the filters built on them.
//!
//! Sampling works on the raw JSON of each record, so records written by a
//! newer `run` with extra fields still sample, and the sampled lines are
//! written back byte for byte. Names and values are checked against the
//! record's types (`necessity_record::Record`), never a list kept here: a
//! field that no record has would put every record in one "null" stratum,
//! and a value no record can take would draw an empty sample, both quietly.

use necessity_record::{Authorization, Facts, PolicyRef, Provenance, Record, Source};
use serde_json::Value;
use thiserror::Error;

/// The word a missing or null field reads as, in strata and filters.
pub const NULL: &str = "null";

/// A field of a record that strata and filters compare as a word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// A path from the record's root, e.g. `determination` or `source.format`.
    Root(Vec<String>),
    /// The status of the criterion with this id (`criterion.<id>`).
    Criterion(String),
}

impl Field {
    /// Parses a field name: `policy` means `policy.id`, `criterion.<id>` a
    /// criterion's status, and a name that is not a record key is a fact
    /// (`requested_drug` is `facts.requested_drug`), as auditors think of
    /// them. A name the case record does not have is an error.
    pub fn parse(name: &str) -> Result<Field, FieldError> {
        let field = Field::parse_name(name)?;
        match field.admits(&Value::Null) {
            Admits::NoSuchField => Err(FieldError::Unknown(name.trim().to_string())),
            Admits::Yes | Admits::No => Ok(field),
        }
    }

    fn parse_name(name: &str) -> Result<Field, FieldError> {
        let name = name.trim();
        if name.is_empty() || name.split('.').any(str::is_empty) {
            return Err(FieldError::EmptyName(name.to_string()));
        }
        if let Some(id) = name.strip_prefix("criterion.") {
            return Ok(Field::Criterion(id.to_string()));
        }
        let mut path: Vec<String> = name.split('.').map(str::to_string).collect();
        if path == ["policy"] {
            path.push("id".to_string());
        } else if let Admits::NoSuchField = Field::Root(vec![path[0].clone()]).admits(&Value::Null)
        {
            // Not a key of the record itself: a fact.
            path.insert(0, "facts".to_string());
        }
        Ok(Field::Root(path))
    }

    /// The field's value in `record` as one word: strings as written, other
    /// values as compact JSON, missing and null as [`NULL`].
    pub fn word(&self, record: &Value) -> String {
        let value = match self {
            Field::Root(path) => path.iter().try_fold(record, |v, key| v.get(key)),
            Field::Criterion(id) => criterion_status(record, id),
        };
        match value {
            None | Some(Value::Null) => NULL.to_string(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        }
    }

    /// Whether a record can have this field, and `value` in it: decided by
    /// reading a record that has it through the record's own types.
    fn admits(&self, value: &Value) -> Admits {
        let mut record = exemplar();
        match self {
            Field::Root(path) => set(&mut record, path, value.clone()),
            Field::Criterion(id) => {
                record["criteria"] = serde_json::json!([
                    {"id": id, "required": true, "status": value, "reason": "", "evidence": []}
                ]);
            }
        }
        let mut unknown = false;
        let read: Result<Record, _> = serde_ignored::deserialize(record, |_| unknown = true);
        match (unknown, read) {
            (true, _) => Admits::NoSuchField,
            (false, Ok(_)) => Admits::Yes,
            (false, Err(_)) => Admits::No,
        }
    }

    /// The values this field can take, when the contract fixes them, so that
    /// empty strata still show up (with a zero) in a manifest.
    pub fn vocabulary(&self) -> &'static [&'static str] {
        match self {
            Field::Root(path) if path == &["determination"] => &[
                "medically_necessary",
                "not_medically_necessary",
                "insufficient_documentation",
                "not_applicable",
            ],
            Field::Root(path) if path == &["status"] => &["ok", "error"],
            Field::Root(path) if path == &["route"] => &["approve", "pend"],
            Field::Criterion(_) => &["met", "not_met", "not_documented"],
            Field::Root(_) => &[],
        }
    }
}

/// What [`Field::admits`] found.
enum Admits {
    Yes,
    No,
    NoSuchField,
}

/// A record with every part present (no optional object left out), so that
/// setting one field in it leaves a record the types read.
fn exemplar() -> Value {
    let mut record = Record::error(String::new(), Source::default(), "", String::new());
    record.policy = Some(PolicyRef { id: String::new(), version: String::new() });
    record.facts = Some(Facts { time_on_therapy: Some(Default::default()), ..Facts::default() });
    record.authorization = Some(Authorization { months: 0 });
    record.provenance = Some(Provenance::default());
    serde_json::to_value(record).expect("a record serialises")
}

/// Puts `value` at `path` in `record`, making the objects on the way.
fn set(record: &mut Value, path: &[String], value: Value) {
    let mut at = record;
    for key in path {
        if !at.is_object() {
            *at = Value::Object(serde_json::Map::new());
        }
        at = at.as_object_mut().expect("made an object").entry(key.clone()).or_insert(Value::Null);
    }
    *at = value;
}

fn criterion_status<'a>(record: &'a Value, id: &str) -> Option<&'a Value> {
    record
        .get("criteria")?
        .as_array()?
        .iter()
        .find(|c| c.get("id").and_then(Value::as_str) == Some(id))?
        .get("status")
}

/// A `--where FIELD=VALUE[,VALUE...]` condition: the record's field must
/// read as one of the values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    /// The condition as the user wrote it, for the manifest.
    pub text: String,
    field: Field,
    values: Vec<String>,
}

impl Filter {
    /// Parses `FIELD=VALUE`; a comma separates alternatives. Each value must
    /// be one the field can take (`determination=approved` is an error).
    pub fn parse(text: &str) -> Result<Filter, FieldError> {
        let (name, values) =
            text.split_once('=').ok_or_else(|| FieldError::NoEquals(text.to_string()))?;
        let field = Field::parse(name)?;
        let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
        for value in &values {
            // A word reads as the JSON it would be written as: 34, true, null, or a string.
            let json = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.clone()));
            if let Admits::No = field.admits(&json) {
                let (field, value) = (name.trim().to_string(), value.clone());
                return Err(FieldError::NotAValue { field, value });
            }
        }
        Ok(Filter { text: text.to_string(), field, values })
    }

    /// Whether the record satisfies the condition.
    pub fn accepts(&self, record: &Value) -> bool {
        let word = self.field.word(record);
        self.values.contains(&word)
    }
}

/// A field name or filter the command line could not use.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FieldError {
    #[error("field name {0:?} is empty or has an empty part")]
    EmptyName(String),
    #[error("filter {0:?} is not of the form FIELD=VALUE")]
    NoEquals(String),
    #[error(
        "a case record has no field {0:?} (fields are record keys such as determination, \
         status, route, policy, source.format, facts such as requested_drug or \
         measures.bsa_percent, and criterion.<id>)"
    )]
    Unknown(String),
    #[error("{value:?} is not a value {field} can take")]
    NotAValue { field: String, value: String },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record() -> Value {
        json!({
            "id": "a.txt", "status": "ok", "determination": "medically_necessary", "route": "pend",
            "policy": {"id": "dupixent-atopic-dermatitis", "version": "1"},
            "facts": {"requested_drug": "dupilumab", "age_years": 34, "measures": {"iga": null}},
            "criteria": [{"id": "severity", "status": "met"}, {"id": "age", "status": "not_met"}]
        })
    }

    #[test]
    fn fields_resolve_as_auditors_name_them() {
        let r = record();
        let word = |name: &str| Field::parse(name).unwrap().word(&r);
        assert_eq!(word("determination"), "medically_necessary");
        assert_eq!(word("policy"), "dupixent-atopic-dermatitis");
        assert_eq!(word("requested_drug"), "dupilumab");
        assert_eq!(word("facts.requested_drug"), "dupilumab");
        assert_eq!(word("age_years"), "34");
        assert_eq!(word("measures.iga"), NULL);
        assert_eq!(word("weight_kg"), NULL);
        assert_eq!(word("criterion.age"), "not_met");
        assert_eq!(word("criterion.dosing"), NULL);
        assert_eq!(word("route"), "pend", "a record key, not a fact");
        assert_eq!(Field::parse("route").unwrap().vocabulary(), ["approve", "pend"]);
    }

    #[test]
    fn filters_accept_any_listed_value() {
        let r = record();
        assert!(Filter::parse("status=ok").unwrap().accepts(&r));
        assert!(Filter::parse("criterion.severity=met").unwrap().accepts(&r));
        assert!(Filter::parse("determination=not_applicable,medically_necessary")
            .unwrap()
            .accepts(&r));
        assert!(!Filter::parse("criterion.age=met").unwrap().accepts(&r));
        assert_eq!(Filter::parse("status").unwrap_err(), FieldError::NoEquals("status".into()));
        assert!(Filter::parse("criterion.=met").is_err());
    }

    #[test]
    fn names_and_values_the_record_cannot_have_are_errors() {
        assert_eq!(Field::parse("bogus_field"), Err(FieldError::Unknown("bogus_field".into())));
        assert!(Field::parse("source.nonsense").is_err());
        for name in
            ["route", "determination", "status", "policy", "source.format", "continuation_of"]
        {
            assert!(Field::parse(name).is_ok(), "{name}");
        }
        let not_a_value =
            |text: &str| matches!(Filter::parse(text), Err(FieldError::NotAValue { .. }));
        assert!(not_a_value("determination=approved"));
        assert!(not_a_value("determination=medically_necessary,approved"));
        assert!(not_a_value("route=approved"));
        assert!(not_a_value("criterion.age=passed"));
        assert!(not_a_value("age_years=adult"));
        assert!(not_a_value("status=null"));
        for fine in
            ["route=approve,pend", "determination=null", "criterion.age=not_met", "age_years=34"]
        {
            assert!(Filter::parse(fine).is_ok(), "{fine}");
        }
        assert!(Filter::parse("requested_drug=tralokinumab").is_ok(), "free text takes any word");
    }
}
