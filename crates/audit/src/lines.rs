//! One JSON record per line, read with errors that say where: the line and
//! the field, never the value. Records quote notes, and serde_json's own
//! messages quote values (`invalid type: string "Mrs ..."`).

use serde::de::DeserializeOwned;
use thiserror::Error;

/// A line of JSON records that could not be read: its number, the field
/// (a path such as `facts.treatments[0].outcome`) and what was wrong.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("line {line}: {problem}")]
pub struct LineError {
    pub line: u64,
    problem: String,
}

/// Reads `text`, line `line` of its input, as one `T`.
pub fn parse_line<T: DeserializeOwned>(text: &str, line: u64) -> Result<T, LineError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| LineError {
        line,
        problem: problem(&error.path().to_string(), error.inner()),
    })?;
    // Text after the value (two records on one line).
    deserializer.end().map_err(|error| LineError { line, problem: problem(".", &error) })?;
    Ok(value)
}

/// What was wrong, from the error's category and position only.
fn problem(field: &str, error: &serde_json::Error) -> String {
    match error.classify() {
        serde_json::error::Category::Data if field != "." => {
            format!("field {field} does not fit the case record (column {})", error.column())
        }
        serde_json::error::Category::Data => "not a JSON object".to_string(),
        category => format!("not JSON ({category:?} error at column {})", error.column()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use necessity_record::Record;

    #[test]
    fn errors_name_the_line_and_field_never_the_value() {
        let line = r#"{"id":"a","status":"ok","error":null,"source":{"format":"text","bytes":1,"sha256":null},"determination":"Mrs Smith","policy":null,"facts":null}"#;
        let error = parse_line::<Record>(line, 7).unwrap_err();
        assert_eq!(error.line, 7);
        let message = error.to_string();
        assert!(message.starts_with("line 7: field determination does not fit"), "{message}");
        assert!(!message.contains("Smith"), "{message}");
        let syntax = parse_line::<Record>("{\"id\": \"Mrs Smith", 2).unwrap_err().to_string();
        assert!(syntax.starts_with("line 2: not JSON (Eof error"), "{syntax}");
        assert!(!syntax.contains("Smith"));
        let array = parse_line::<Record>("[\"Mrs Smith\"]", 3).unwrap_err().to_string();
        assert_eq!(array, "line 3: not a JSON object");
    }
}
