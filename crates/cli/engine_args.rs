//! The options that choose what notes are decided with, shared by `run`,
//! `explain` and `eval` so that all three decide alike.

use necessity_engine::{Engine, EngineBuilder};
use std::path::PathBuf;

/// `--policy` and `--lexicons`.
#[derive(clap::Args)]
pub struct EngineArgs {
    /// Policy to decide with: a built-in name (with its renewal), a bundle
    /// such as atopic-dermatitis, or a TOML path (repeatable; default: the
    /// dupilumab atopic dermatitis initial and renewal policies).
    #[arg(long = "policy", value_name = "NAME|PATH")]
    pub policies: Vec<String>,
    /// Read the vocabularies from DIR, a folder holding the files of
    /// lexicons/ (context.tsv optional), instead of the shipped ones.
    #[arg(long, value_name = "DIR")]
    pub lexicons: Option<PathBuf>,
}

impl EngineArgs {
    /// An engine builder with these choices.
    pub fn builder(&self) -> EngineBuilder {
        let builder = Engine::builder().policies(self.policies.iter().cloned());
        match &self.lexicons {
            Some(dir) => builder.lexicons_dir(dir),
            None => builder,
        }
    }
}
