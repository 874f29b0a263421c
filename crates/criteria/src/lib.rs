//! Policy evaluation: facts in, criteria and a determination out, under
//! policies kept as data. (Issue #4 builds this crate out.)

use necessity_record::{Criterion, Determination, Facts, PolicyRef};

/// The result of applying the selected policies to one case.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub determination: Determination,
    /// The policy that applied, if any.
    pub policy: Option<PolicyRef>,
    pub criteria: Vec<Criterion>,
}

/// The policies a run decides with; a case requesting a drug none of them
/// covers is `not_applicable`.
#[derive(Clone, Debug, Default)]
pub struct PolicySet {}

/// Decides one case.
pub fn evaluate_policy(_policies: &PolicySet, _facts: &Facts) -> Evaluation {
    Evaluation { determination: Determination::NotApplicable, policy: None, criteria: Vec::new() }
}

/// Why `--policy` could not be honoured.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("unknown policy {0:?}")]
    Unknown(String),
}

impl PolicySet {
    /// The policies named on the command line; none means the default policy.
    pub fn select(names: &[String]) -> Result<PolicySet, PolicyError> {
        match names.first() {
            None => Ok(PolicySet::default()),
            Some(name) => Err(PolicyError::Unknown(name.clone())),
        }
    }
}
