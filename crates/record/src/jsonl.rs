//! Reading one line of a JSON Lines file of records (or gold records) with
//! an error that names the line and the field, never the value: a records
//! line quotes notes, and an error message must not.

use serde::de::DeserializeOwned;
use std::fmt;

/// Why a line is not the value expected: where, and what kind of problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column where the parser stopped.
    pub column: usize,
    /// The field's path (`facts.measures.iga`, `criteria[2].status`), when
    /// the line is JSON and a field is at fault.
    pub field: Option<String>,
    /// What is wrong, with no value of the line in it: `not valid JSON
    /// (trailing characters)`, `invalid type, expected f64`, `missing field
    /// `status``.
    pub problem: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {} (column {})", self.problem, self.column)
    }
}

impl std::error::Error for LineError {}

/// Parses line `number` (1-based) of a JSON Lines file as a `T`.
pub fn parse_line<T: DeserializeOwned>(line: &[u8], number: usize) -> Result<T, LineError> {
    let mut deserializer = serde_json::Deserializer::from_slice(line);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let field = (path != "." && !path.is_empty()).then_some(path);
        line_error(number, field, error.inner())
    })?;
    // Anything after the value is at no field.
    deserializer.end().map_err(|error| line_error(number, None, &error))?;
    Ok(value)
}

fn line_error(line: usize, field: Option<String>, error: &serde_json::Error) -> LineError {
    LineError { line, column: error.column(), field, problem: problem(error) }
}

/// The kind of a serde_json error without the value it may quote: serde
/// writes `invalid type: string "...", expected f64`, where the string is
/// the note's text, so only the category and the expectation are kept.
fn problem(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let message = error.to_string();
    // serde_json appends " at line L column C"; the column is reported apart.
    let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(m, _)| m);
    match error.classify() {
        Category::Syntax | Category::Eof => format!("not valid JSON ({message})"),
        Category::Io => "cannot be read".to_string(),
        Category::Data => {
            // "missing field `status`" and "duplicate field `id`" name fields only.
            if message.starts_with("missing field") || message.starts_with("duplicate field") {
                return message.to_string();
            }
            // The category is serde's own words, which come before any value.
            let end = message.find([':', '`', ',']).unwrap_or(message.len());
            let category = message[..end].trim_end();
            match message.rsplit_once(", expected ") {
                Some((_, expected)) => format!("{category}, expected {expected}"),
                None => category.to_string(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Record;

    fn record_line() -> serde_json::Value {
        serde_json::json!({
            "id": "a.txt", "status": "ok", "error": null,
            "source": {"format": "text", "bytes": 3, "sha256": null},
            "determination": "not_applicable", "policy": null,
            "facts": {"age_years": 34.0}, "criteria": []
        })
    }

    fn error_of(value: &serde_json::Value) -> LineError {
        parse_line::<Record>(value.to_string().as_bytes(), 7).unwrap_err()
    }

    #[test]
    fn a_record_line_parses() {
        let record: Record = parse_line(record_line().to_string().as_bytes(), 1).unwrap();
        assert_eq!(record.id, "a.txt");
    }

    #[test]
    fn a_wrong_value_is_named_by_line_and_field_never_quoted() {
        let mut line = record_line();
        let secret = "Mrs Jane Roe, expected visit, 44 Elm Street";
        line["facts"]["age_years"] = secret.into();
        let error = error_of(&line);
        assert_eq!(error.line, 7);
        assert_eq!(error.field.as_deref(), Some("facts.age_years"));
        let message = error.to_string();
        assert!(message.starts_with("line 7, field `facts.age_years`: invalid type"), "{message}");
        assert!(message.contains("expected f64"), "{message}");
        for word in ["Roe", "Elm", "visit"] {
            assert!(!message.contains(word), "the value leaked: {message}");
        }
    }

    #[test]
    fn vocabulary_and_missing_fields_are_named() {
        let mut line = record_line();
        line["determination"] = "approve Mrs Roe".into();
        let message = error_of(&line).to_string();
        assert!(message.contains("field `determination`: unknown variant, expected one of"));
        assert!(!message.contains("Roe"), "{message}");
        let mut line = record_line();
        line.as_object_mut().unwrap().remove("status");
        assert!(error_of(&line).to_string().contains("missing field `status`"));
    }

    #[test]
    fn broken_json_is_not_valid_json() {
        let error = parse_line::<Record>(b"{\"id\": \"Mrs Roe", 3).unwrap_err();
        assert!(error.to_string().starts_with("line 3"), "{error}");
        assert!(error.problem.starts_with("not valid JSON"), "{error}");
        assert!(!error.to_string().contains("Roe"));
        let trailing = format!("{} Mrs Roe", record_line());
        let error = parse_line::<Record>(trailing.as_bytes(), 4).unwrap_err();
        assert_eq!(error.field, None);
        assert!(error.problem.contains("trailing characters"), "{error}");
    }
}
