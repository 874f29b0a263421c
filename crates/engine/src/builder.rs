//! Building an [`Engine`]: which policies, which lexicons, which threads.
//! Everything that can be wrong with them is found here, before any note.

use crate::{Engine, DEFAULT_MAX_DOC_BYTES};
use necessity_criteria::{
    load_exactly, load_policies, parse_policy, read_policy_file, PolicyError, PolicySet,
};
use necessity_extract::{LexiconError, Lexicons};
use std::path::PathBuf;
use std::sync::OnceLock;

/// Why an engine could not be built. Messages name files, lines and keys,
/// never note text (no note has been read yet).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A policy is unknown, unreadable or malformed, or two cover one drug.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// A lexicon file is missing or malformed.
    #[error("lexicons: {0}")]
    Lexicon(#[from] LexiconError),
    /// The thread pool could not be started.
    #[error("cannot start the engine's threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
}

impl EngineError {
    /// A stable machine-readable word for the error, as bindings report it
    /// (`policy`, `lexicon`, `threads`).
    pub fn kind(&self) -> &'static str {
        match self {
            EngineError::Policy(_) => "policy",
            EngineError::Lexicon(_) => "lexicon",
            EngineError::Threads(_) => "threads",
        }
    }
}

/// One policy as a caller chose it.
#[derive(Clone, Debug)]
enum PolicyChoice {
    /// As `--policy` takes it: a built-in name, or a path with `/` or `.toml`.
    NameOrPath(String),
    /// As a gold record names it: that policy alone, without its renewal.
    Exactly(String),
    /// A TOML file, whatever its name.
    File(PathBuf),
    /// TOML text; `origin` names it in error messages and reviews.
    Toml { text: String, origin: String },
}

/// Chooses what an [`Engine`] decides with; [`EngineBuilder::build`] loads
/// and checks it all. With no policy chosen, the default policy applies;
/// with no lexicon directory, the shipped lexicons.
///
/// ```
/// use necessity_engine::Engine;
///
/// let policy = std::fs::read_to_string(
///     concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies/adbry-atopic-dermatitis.toml"),
/// )?;
/// let engine = Engine::builder()
///     .policy("dupixent-atopic-dermatitis")
///     .policy_toml(policy, "adbry.toml")
///     .threads(2)
///     .build()?;
/// // A built-in name brings its renewal policy: three policies in all.
/// assert_eq!(engine.policies().policies().len(), 3);
/// assert!(Engine::builder().policy("no-such-policy").build().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct EngineBuilder {
    policies: Vec<PolicyChoice>,
    lexicons: Option<PathBuf>,
    threads: Option<usize>,
    max_doc_bytes: u64,
}

impl Default for EngineBuilder {
    fn default() -> EngineBuilder {
        EngineBuilder {
            policies: Vec::new(),
            lexicons: None,
            threads: None,
            max_doc_bytes: DEFAULT_MAX_DOC_BYTES,
        }
    }
}

impl EngineBuilder {
    /// Adds a policy as `--policy` names it: a built-in name, or a file path
    /// (containing `/` or ending in `.toml`). Repeatable, like the option.
    pub fn policy(mut self, name_or_path: impl Into<String>) -> EngineBuilder {
        self.policies.push(PolicyChoice::NameOrPath(name_or_path.into()));
        self
    }

    /// Adds the policy a name or path names and nothing else: a built-in
    /// name without the renewal [`EngineBuilder::policy`] brings with it, as
    /// a gold record's `"policy"` means it.
    pub fn policy_exactly(mut self, name_or_path: impl Into<String>) -> EngineBuilder {
        self.policies.push(PolicyChoice::Exactly(name_or_path.into()));
        self
    }

    /// Adds every policy of `names_or_paths`, each as [`EngineBuilder::policy`] takes it.
    pub fn policies<S: Into<String>>(
        mut self,
        names_or_paths: impl IntoIterator<Item = S>,
    ) -> EngineBuilder {
        let choices = names_or_paths.into_iter().map(|c| PolicyChoice::NameOrPath(c.into()));
        self.policies.extend(choices);
        self
    }

    /// Adds a policy from a TOML file, whatever its name.
    pub fn policy_file(mut self, path: impl Into<PathBuf>) -> EngineBuilder {
        self.policies.push(PolicyChoice::File(path.into()));
        self
    }

    /// Adds a policy from TOML text (a policy kept in a database or a
    /// notebook cell); `origin` names it in errors and reviews.
    pub fn policy_toml(
        mut self,
        toml: impl Into<String>,
        origin: impl Into<String>,
    ) -> EngineBuilder {
        self.policies.push(PolicyChoice::Toml { text: toml.into(), origin: origin.into() });
        self
    }

    /// Reads the lexicons from a directory holding the files of
    /// `lexicons/` (and optionally `context.tsv`) instead of the shipped
    /// ones, so vocabularies change without a rebuild.
    pub fn lexicons_dir(mut self, dir: impl Into<PathBuf>) -> EngineBuilder {
        self.lexicons = Some(dir.into());
        self
    }

    /// Gives the engine its own pool of `threads` threads for
    /// [`Engine::decide_batch`]; without it, batches run on rayon's global
    /// pool (one thread per CPU, or `RAYON_NUM_THREADS`).
    pub fn threads(mut self, threads: usize) -> EngineBuilder {
        self.threads = Some(threads);
        self
    }

    /// The largest text decided, in bytes; a longer one is a `too_large`
    /// error record (default [`DEFAULT_MAX_DOC_BYTES`]).
    pub fn max_doc_bytes(mut self, bytes: u64) -> EngineBuilder {
        self.max_doc_bytes = bytes;
        self
    }

    /// Loads and checks the policies, then the lexicons, and starts the
    /// pool; fails on the first problem.
    pub fn build(self) -> Result<Engine, EngineError> {
        let policies = self.policy_set()?;
        let lexicons = match &self.lexicons {
            Some(dir) => OnceLock::from(Lexicons::load(dir)?),
            None => OnceLock::new(),
        };
        let pool = match self.threads {
            Some(threads) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .thread_name(|index| format!("necessity-engine-{index}"))
                    .build()?,
            ),
            None => None,
        };
        Ok(Engine { lexicons, policies, pool, max_doc_bytes: self.max_doc_bytes })
    }

    fn policy_set(&self) -> Result<PolicySet, PolicyError> {
        if self.policies.is_empty() {
            return PolicySet::select(&[]);
        }
        let mut policies = Vec::new();
        for choice in &self.policies {
            match choice {
                PolicyChoice::NameOrPath(choice) => policies.extend(load_policies(choice)?),
                PolicyChoice::Exactly(choice) => policies.extend(load_exactly(choice)?),
                PolicyChoice::File(path) => policies.push(read_policy_file(path)?),
                PolicyChoice::Toml { text, origin } => policies.push(parse_policy(text, origin)?),
            }
        }
        PolicySet::new(policies)
    }
}
