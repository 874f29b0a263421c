//! Why a policy could not be loaded, precise enough to fix the file.

use std::path::PathBuf;

/// A policy that cannot be used. Raised at start-up, before any document is
/// read, so a broken rule never decides a case.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A bare name that is not one of the built-in policies.
    #[error("unknown policy `{name}`; built-in policies: {available} (a file path must contain `/` or end in .toml)")]
    UnknownPolicy { name: String, available: String },
    /// The policy file could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or a key or value has the wrong shape.
    #[error("{origin}:{line}:{column}: {message}")]
    Syntax { origin: String, line: usize, column: usize, message: String },
    /// The TOML is well formed but a rule makes no sense (unknown kind,
    /// unknown class name, threshold out of range, ...).
    #[error("{origin}{}: `{key}`: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid { origin: String, line: Option<usize>, key: String, message: String },
    /// Two selected policies cover the same drug, so a case would be ambiguous.
    #[error("policies `{first}` and `{second}` both cover {drug}; select one")]
    Overlap { first: String, second: String, drug: String },
}

/// The 1-based line and column of a byte offset, as editors count them.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_from_one() {
        let text = "a = 1\nbb = ?\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 11), (2, 6));
    }
}
