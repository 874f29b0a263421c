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

// Every file of `policies/` by its file stem, written by build.rs as
// `const BUILTIN: [(&str, &str); N]` of (name, TOML text), so the built-in
// policies work without files and shipping one is adding its file.
include!(concat!(env!("OUT_DIR"), "/builtin.rs"));

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
    /// a built-in name brings its renewal (`NAME-continuation`) when one is
    /// shipped; any other value is a bundle, the built-in policies that
    /// declare it in `[policy] bundles`.
    /// Fails on the first bad policy, before any case.
    pub fn select(names_or_paths: &[String]) -> Result<PolicySet, PolicyError> {
        let default = [DEFAULT_POLICY.to_string()];
        let choices = if names_or_paths.is_empty() { &default[..] } else { names_or_paths };
        let mut policies: Vec<Policy> = Vec::new();
        for choice in choices {
            for policy in load_policies(choice)? {
                let same = |p: &Policy| p.id == policy.id && p.origin == policy.origin;
                if !policies.iter().any(same) {
                    policies.push(policy);
                }
            }
        }
        PolicySet::new(policies)
    }

    /// A set of already loaded policies (from names, files or TOML text, as
    /// a library caller mixes them); fails when two initial or two renewal
    /// policies decide the same drug.
    pub fn new(policies: Vec<Policy>) -> Result<PolicySet, PolicyError> {
        check_no_overlap(&policies)?;
        Ok(PolicySet { policies })
    }

    /// The selected policies, in selection order.
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// The selected policy with this id: the one a record names.
    pub fn by_id(&self, id: &str) -> Option<&Policy> {
        self.policies.iter().find(|policy| policy.id == id)
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

/// Names of the bundles the built-in policies declare, for help texts and messages.
pub fn bundle_names() -> Vec<String> {
    let all = BUILTIN.iter().filter_map(|(name, _)| builtin(name).ok());
    let mut names: Vec<String> = all.flat_map(|policy| policy.bundles).collect();
    names.sort();
    names.dedup();
    names
}

/// The policies one `--policy` value names: a value with a path separator
/// or ending in `.toml` is that one file; a built-in name brings its renewal
/// when one is shipped; any other value is a bundle.
pub fn load_policies(choice: &str) -> Result<Vec<Policy>, PolicyError> {
    if choice.contains(['/', '\\']) || choice.ends_with(".toml") {
        return Ok(vec![read_policy_file(Path::new(choice))?]);
    }
    if BUILTIN.iter().any(|(name, _)| *name == choice) {
        return builtin_with_renewal(choice);
    }
    let members = bundle(choice)?;
    if members.is_empty() {
        return Err(unknown(choice));
    }
    Ok(members)
}

/// Exactly the policies one `--policy` value names, without the renewal a
/// built-in name brings: what a gold record's `"policy"` means, since its
/// determination is that policy's (a renewal document is not_applicable
/// under an initial policy named alone).
pub fn load_exactly(choice: &str) -> Result<Vec<Policy>, PolicyError> {
    if BUILTIN.iter().any(|(name, _)| *name == choice) {
        return Ok(vec![builtin(choice)?]);
    }
    load_policies(choice)
}

/// The built-in policies that declare themselves part of bundle `name`.
fn bundle(name: &str) -> Result<Vec<Policy>, PolicyError> {
    let mut members = Vec::new();
    for (builtin_name, _) in BUILTIN {
        let policy = builtin(builtin_name)?;
        if policy.bundles.iter().any(|b| b == name) {
            members.push(policy);
        }
    }
    Ok(members)
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

/// One policy from a TOML file; errors name the file, line and key.
pub fn read_policy_file(path: &Path) -> Result<Policy, PolicyError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| PolicyError::Read { path: path.to_path_buf(), source })?;
    parse_policy(&text, &path.display().to_string())
}

fn builtin(name: &str) -> Result<Policy, PolicyError> {
    let (_, text) =
        BUILTIN.iter().find(|(builtin, _)| *builtin == name).ok_or_else(|| unknown(name))?;
    parse_policy(text, &format!("policies/{name}.toml"))
}

fn unknown(name: &str) -> PolicyError {
    let mut available: Vec<String> = builtin_names().iter().map(|n| n.to_string()).collect();
    available.extend(bundle_names().into_iter().map(|b| format!("{b} (bundle)")));
    PolicyError::UnknownPolicy { name: name.to_string(), available: available.join(", ") }
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
