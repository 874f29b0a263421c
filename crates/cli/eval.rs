//! `necessity eval` (issue #4).

/// Command-line arguments of this subcommand.
#[derive(clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn execute(_args: Args) -> anyhow::Result<u8> {
    anyhow::bail!("this subcommand is being built (issue #4)")
}
