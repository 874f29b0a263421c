//! Choosing the policies a run decides with: built-in names or files.

use crate::error::PolicyError;
use crate::policy::{parse_policy, Policy};
use necessity_record::Facts;
use std::path::Path;

/// The policy used when none is chosen.
pub const DEFAULT_POLICY: &str = "dupixent-atopic-dermatitis";

/// Policies shipped inside the binary, by name, so they work without files.
/// This crate's `policies` is a link to the repository's `policies/` folder,
/// whose files `cargo package` archives, so the published crate carries them.
const BUILTIN: [(&str, &str); 2] = [
    ("dupixent-atopic-dermatitis", include_str!("../policies/dupixent-atopic-dermatitis.toml")),
    ("adbry-atopic-dermatitis", include_str!("../policies/adbry-atopic-dermatitis.toml")),
];

/// The policies a run decides with; a case requesting a drug none of them
/// covers is `not_applicable`.
#[derive(Clone, Debug)]
pub struct PolicySet {
    policies: Vec<Policy>,
}

impl Default for PolicySet {
    /// The default policy alone, as a run without `--policy` uses.
    fn default() -> PolicySet {
        let policy =
            builtin(DEFAULT_POLICY).expect("the built-in default policy is valid (unit-tested)");
        PolicySet { policies: vec![policy] }
    }
}

impl PolicySet {
    /// Loads the named or given policies: an empty slice means the default; a
    /// value with a path separator or ending in `.toml` is a file, anything
    /// else a built-in name. Fails on the first bad policy, before any case.
    pub fn select(names_or_paths: &[String]) -> Result<PolicySet, PolicyError> {
        if names_or_paths.is_empty() {
            return Ok(PolicySet { policies: vec![builtin(DEFAULT_POLICY)?] });
        }
        let policies = names_or_paths
            .iter()
            .map(|choice| load_policy(choice))
            .collect::<Result<Vec<_>, _>>()?;
        PolicySet::new(policies)
    }

    /// A set of already loaded policies (from names, files or TOML text, as
    /// a library caller mixes them); fails when two cover the same drug.
    pub fn new(policies: Vec<Policy>) -> Result<PolicySet, PolicyError> {
        check_no_overlap(&policies)?;
        Ok(PolicySet { policies })
    }

    /// The selected policies, in selection order.
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// The policy that decides a case: the one covering its requested drug.
    pub fn covering(&self, facts: &Facts) -> Option<&Policy> {
        let drug = facts.requested_drug.as_deref()?;
        self.policies.iter().find(|p| p.drug == drug)
    }
}

/// Names of the built-in policies, for help texts and messages.
pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(name, _)| *name).collect()
}

/// One policy as `--policy` names it: a value with a path separator or
/// ending in `.toml` is a file, anything else a built-in name.
pub fn load_policy(choice: &str) -> Result<Policy, PolicyError> {
    if choice.contains(['/', '\\']) || choice.ends_with(".toml") {
        read_policy_file(Path::new(choice))
    } else {
        builtin(choice)
    }
}

/// One policy from a TOML file; errors name the file, line and key.
pub fn read_policy_file(path: &Path) -> Result<Policy, PolicyError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| PolicyError::Read { path: path.to_path_buf(), source })?;
    parse_policy(&text, &path.display().to_string())
}

fn builtin(name: &str) -> Result<Policy, PolicyError> {
    let (_, text) = BUILTIN.iter().find(|(builtin, _)| *builtin == name).ok_or_else(|| {
        PolicyError::UnknownPolicy { name: name.to_string(), available: builtin_names().join(", ") }
    })?;
    parse_policy(text, &format!("policies/{name}.toml"))
}

fn check_no_overlap(policies: &[Policy]) -> Result<(), PolicyError> {
    for (index, policy) in policies.iter().enumerate() {
        if let Some(first) = policies[..index].iter().find(|p| p.drug == policy.drug) {
            return Err(PolicyError::Overlap {
                first: first.id.clone(),
                second: policy.id.clone(),
                drug: policy.drug.clone(),
            });
        }
    }
    Ok(())
}
