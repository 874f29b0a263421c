//! Choosing the policies a run decides with: built-in names, bundles of
//! them, or files; and which selected policy decides a case.

use crate::error::PolicyError;
use crate::policy::{parse_policy, AppliesOn, Policy};
use necessity_record::Facts;
use std::path::Path;

/// The policy used when none is chosen (with its renewal, as every built-in name).
pub const DEFAULT_POLICY: &str = "dupixent-atopic-dermatitis";

/// What a built-in policy's renewal is called: `NAME` + this.
const RENEWAL_SUFFIX: &str = "-continuation";

/// Policies shipped inside the binary, by name, so they work without files.
macro_rules! builtin {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("../../../policies/", $name, ".toml")))),*]
    };
}
const BUILTIN: [(&str, &str); 17] = builtin![
    "dupixent-atopic-dermatitis",
    "dupixent-atopic-dermatitis-continuation",
    "adbry-atopic-dermatitis",
    "ebglyss-atopic-dermatitis",
    "nemluvio-atopic-dermatitis",
    "rinvoq-atopic-dermatitis",
    "cibinqo-atopic-dermatitis",
    "cigna-dupixent-atopic-dermatitis",
    "cigna-dupixent-atopic-dermatitis-continuation",
    "unitedhealthcare-dupixent-atopic-dermatitis",
    "unitedhealthcare-dupixent-atopic-dermatitis-continuation",
    "carefirst-dupixent-atopic-dermatitis",
    "carefirst-dupixent-atopic-dermatitis-continuation",
    "medica-dupixent-atopic-dermatitis",
    "medica-dupixent-atopic-dermatitis-continuation",
    "highmark-dupixent-atopic-dermatitis",
    "highmark-dupixent-atopic-dermatitis-continuation",
];

/// Named sets of built-in policies, so one run can decide every drug of a
/// condition under the label-based policies (each name brings its renewal).
const BUNDLES: [(&str, &[&str]); 1] = [(
    "atopic-dermatitis",
    &[
        "dupixent-atopic-dermatitis",
        "adbry-atopic-dermatitis",
        "ebglyss-atopic-dermatitis",
        "nemluvio-atopic-dermatitis",
        "rinvoq-atopic-dermatitis",
        "cibinqo-atopic-dermatitis",
    ],
)];

/// The policies a run decides with; a case none of them applies to is
/// `not_applicable`.
#[derive(Clone, Debug)]
pub struct PolicySet {
    policies: Vec<Policy>,
}

impl Default for PolicySet {
    /// The default policy and its renewal, as a run without `--policy` uses.
    fn default() -> PolicySet {
        PolicySet::select(&[]).expect("the built-in default policies are valid (unit-tested)")
    }
}

impl PolicySet {
    /// Loads the named or given policies: an empty slice means the default.
    /// A value with a path separator or ending in `.toml` is that one file;
    /// a bundle name is its policies; any other value is a built-in name,
    /// which brings its renewal (`NAME-continuation`) when one is shipped.
    /// Fails on the first bad policy, before any case.
    pub fn select(names_or_paths: &[String]) -> Result<PolicySet, PolicyError> {
        let default = [DEFAULT_POLICY.to_string()];
        let choices = if names_or_paths.is_empty() { &default[..] } else { names_or_paths };
        let mut policies: Vec<Policy> = Vec::new();
        for choice in choices {
            for policy in load(choice)? {
                let same = |p: &Policy| p.id == policy.id && p.origin == policy.origin;
                if !policies.iter().any(same) {
                    policies.push(policy);
                }
            }
        }
        check_no_overlap(&policies)?;
        Ok(PolicySet { policies })
    }

    /// The selected policies, in selection order.
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// The policy that decides a case: a renewal policy for the drug it
    /// continues, else an initial policy for the drug it requests. A renewal
    /// is read only for a drug the patient is on now, the narrower reading,
    /// so it wins when a note reads as both.
    pub fn covering(&self, facts: &Facts) -> Option<&Policy> {
        [AppliesOn::ContinuationOf, AppliesOn::RequestedDrug].into_iter().find_map(|applies_on| {
            self.policies.iter().find(|p| p.applies_on == applies_on && p.applies_to(facts))
        })
    }
}

/// Names of the built-in policies, for help texts and messages.
pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(name, _)| *name).collect()
}

/// Names of the built-in bundles, for help texts and messages.
pub fn bundle_names() -> Vec<&'static str> {
    BUNDLES.iter().map(|(name, _)| *name).collect()
}

fn load(choice: &str) -> Result<Vec<Policy>, PolicyError> {
    if choice.contains(['/', '\\']) || choice.ends_with(".toml") {
        let path = Path::new(choice);
        let text = std::fs::read_to_string(path)
            .map_err(|source| PolicyError::Read { path: path.to_path_buf(), source })?;
        return Ok(vec![parse_policy(&text, choice)?]);
    }
    if let Some((_, members)) = BUNDLES.iter().find(|(bundle, _)| *bundle == choice) {
        let mut policies = Vec::new();
        for member in *members {
            policies.extend(builtin_with_renewal(member)?);
        }
        return Ok(policies);
    }
    builtin_with_renewal(choice)
}

/// A built-in policy and, when one is shipped, its renewal.
fn builtin_with_renewal(name: &str) -> Result<Vec<Policy>, PolicyError> {
    let mut policies = vec![builtin(name)?];
    let renewal = format!("{name}{RENEWAL_SUFFIX}");
    if BUILTIN.iter().any(|(builtin, _)| *builtin == renewal) {
        policies.push(builtin(&renewal)?);
    }
    Ok(policies)
}

fn builtin(name: &str) -> Result<Policy, PolicyError> {
    let (_, text) = BUILTIN.iter().find(|(builtin, _)| *builtin == name).ok_or_else(|| {
        let mut available = builtin_names();
        available.extend(bundle_names());
        PolicyError::UnknownPolicy { name: name.to_string(), available: available.join(", ") }
    })?;
    parse_policy(text, &format!("policies/{name}.toml"))
}

/// Two policies for one drug are refused unless one is its initial policy
/// and the other its renewal: a case would have two rule sets.
fn check_no_overlap(policies: &[Policy]) -> Result<(), PolicyError> {
    for (index, policy) in policies.iter().enumerate() {
        let clash = |p: &&Policy| p.drug == policy.drug && p.applies_on == policy.applies_on;
        if let Some(first) = policies[..index].iter().find(clash) {
            return Err(PolicyError::Overlap {
                first: first.id.clone(),
                second: policy.id.clone(),
                drug: policy.drug.clone(),
            });
        }
    }
    Ok(())
}
