//! `exportctl keys list|rotate`: the signing key ring (a file, never the database). Rotation makes a new
//! current key and keeps the old ones as retired, so what they signed still verifies; a running server
//! signs with the new key after it restarts.

use crate::config::KeyArgs;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct KeysArgs {
    /// Directory holding signing-keys.json when no key file is named.
    #[arg(
        long,
        env = "EXPORTCTL_DATA_DIR",
        default_value = "data",
        global = true
    )]
    pub data_dir: PathBuf,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(subcommand)]
    pub command: KeysCommand,
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Print the public keys: id, status, created, retired, verifier key (tab-separated), or JSON.
    List {
        /// Print the JSON published at /api/v1/public/keys instead.
        #[arg(long)]
        json: bool,
    },
    /// Make a new current key and retire the current one. With --signing-key-file naming a missing file,
    /// create a new ring there instead (--name sets its key name).
    Rotate {
        /// Key name of a ring created by this command (default exportctl).
        #[arg(long)]
        name: Option<String>,
    },
}

pub fn run(a: KeysArgs) -> anyhow::Result<ExitCode> {
    match a.command {
        KeysCommand::List { json } => {
            let ring = a.keys.load(&a.data_dir)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&ring.public_keys())?);
            } else {
                for k in ring.public_keys() {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        k.id,
                        k.status.as_str(),
                        k.created_at,
                        k.retired_at.as_deref().unwrap_or("-"),
                        k.verifier
                    );
                }
            }
        }
        KeysCommand::Rotate { name } => {
            let missing_file = a.keys.signing_key_file.as_ref().filter(|f| !f.exists());
            if let Some(f) = missing_file {
                let name = name.as_deref().unwrap_or(keys::DEFAULT_NAME);
                let ring = keys::KeyRing::create(f, name)
                    .map_err(|e| anyhow::anyhow!("--signing-key-file: {e}"))?;
                println!("created {} with key {}", f.display(), ring.current().id);
            } else {
                if name.is_some() {
                    anyhow::bail!("--name: only a new ring takes a name; this ring exists already");
                }
                let mut ring = a.keys.load(&a.data_dir)?;
                let old = ring.current().id;
                let new = ring.rotate()?;
                println!("key {old} retired; key {new} is current");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
