//! Extraction: from one note's text, the case facts of the spec, each with
//! evidence spans, leaving out negated, hypothetical, family and historical
//! mentions. (Issue #3 builds this crate out.)

use necessity_context::ContextEngine;
use necessity_record::Facts;

/// The compiled vocabularies, built once and shared by every thread.
pub struct Lexicons {
    context: &'static ContextEngine,
}

impl Lexicons {
    /// The lexicons shipped with the binary.
    pub fn builtin() -> Lexicons {
        Lexicons { context: ContextEngine::builtin() }
    }

    /// The context engine extraction reads scope with.
    pub fn context(&self) -> &ContextEngine {
        self.context
    }
}

/// Extracts the case facts of one note.
pub fn extract_case(lexicons: &Lexicons, text: &str) -> Facts {
    let _analysis = lexicons.context().analyze(text);
    Facts::default()
}
