//! Policy evaluation: facts in, criteria and a determination out, under
//! policies kept as data (TOML files in `policies/`), so a policy team can
//! change a rule without a release.

mod dosing;
mod error;
mod policy;
mod review;
mod rules;
mod set;

pub use dosing::{describe_regimen, describe_row, label_row, LabelRow};
pub use error::PolicyError;
pub use policy::{parse_policy, DosingRow, Policy, Rule, Test};
pub use review::write_review;
pub use rules::{number, potency_of};
pub use set::{builtin_names, load_policy, read_policy_file, PolicySet, DEFAULT_POLICY};

use necessity_record::{Criterion, CriterionStatus, Determination, Facts, PolicyRef};

/// The result of applying the selected policies to one case.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub determination: Determination,
    /// The policy that applied; `None` when no selected policy covers the
    /// requested drug (the case is then `not_applicable`, with no criteria).
    pub policy: Option<PolicyRef>,
    pub criteria: Vec<Criterion>,
}

/// Decides one case under the policy covering its requested drug.
pub fn evaluate_policy(policies: &PolicySet, facts: &Facts) -> Evaluation {
    let Some(policy) = policies.covering(facts) else {
        return Evaluation {
            determination: Determination::NotApplicable,
            policy: None,
            criteria: Vec::new(),
        };
    };
    let criteria: Vec<Criterion> =
        policy.rules.iter().map(|rule| rules::evaluate_rule(policy, rule, facts)).collect();
    Evaluation {
        determination: determine(&criteria),
        policy: Some(PolicyRef { id: policy.id.clone(), version: policy.version.clone() }),
        criteria,
    }
}

/// The spec's determination order over the required criteria of an
/// applicable policy: any not met, then any not documented, else necessary.
pub fn determine(criteria: &[Criterion]) -> Determination {
    let required = || criteria.iter().filter(|c| c.required);
    if required().any(|c| c.status == CriterionStatus::NotMet) {
        Determination::NotMedicallyNecessary
    } else if required().any(|c| c.status == CriterionStatus::NotDocumented) {
        Determination::InsufficientDocumentation
    } else {
        Determination::MedicallyNecessary
    }
}

#[cfg(test)]
mod tests;
