//! Policy evaluation: facts in, criteria and a determination out, under
//! policies kept as data (TOML files in `policies/`), so a policy team can
//! change a rule without a release.

mod dosing;
mod error;
mod policy;
mod prior;
mod renewal;
mod review;
mod route;
mod rules;
mod set;

pub use dosing::{describe_dosing, describe_row, label_row, LabelRow};
pub use error::PolicyError;
pub use policy::{
    parse_policy, AppliesOn, DosingRow, Interval, Policy, PriorFailure, Response, Rule, Severity,
    Test,
};
pub use review::{write_review, write_review_with_set_aside, SetAsideMention};
pub use route::{
    documentation_request, route_case, DocumentationItem, Routing, OCR_MIN_CONFIDENCE,
};
pub use rules::{number, potency_of};
pub use set::{
    builtin_names, bundle_names, load_exactly, load_policies, read_policy_file, PolicySet,
    DEFAULT_POLICY,
};

use necessity_record::{
    Authorization, Criterion, CriterionStatus, Determination, Facts, PolicyRef,
};

/// The result of applying the selected policies to one case.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub determination: Determination,
    /// The policy that applied; `None` when no selected policy applies to
    /// the case (it is then `not_applicable`, with no criteria).
    pub policy: Option<PolicyRef>,
    pub criteria: Vec<Criterion>,
    /// The approval length the policy grants, on a `medically_necessary`
    /// determination only: nothing is authorized otherwise.
    pub authorization: Option<Authorization>,
}

/// Decides one case under the policy that applies to it (see
/// [`PolicySet::covering`]).
pub fn evaluate_policy(policies: &PolicySet, facts: &Facts) -> Evaluation {
    let Some(policy) = policies.covering(facts) else {
        return Evaluation {
            determination: Determination::NotApplicable,
            policy: None,
            criteria: Vec::new(),
            authorization: None,
        };
    };
    let criteria: Vec<Criterion> =
        policy.rules.iter().map(|rule| rules::evaluate_rule(policy, rule, facts)).collect();
    let determination = determine(&criteria);
    let authorization = policy
        .approval_months
        .filter(|_| determination == Determination::MedicallyNecessary)
        .map(|months| Authorization { months });
    Evaluation {
        determination,
        policy: Some(PolicyRef { id: policy.id.clone(), version: policy.version.clone() }),
        criteria,
        authorization,
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

#[cfg(test)]
mod feature_tests;
