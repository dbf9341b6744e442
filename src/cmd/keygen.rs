//! Make a person's signing key for approved plans (architecture.md §7.3).
//!
//! Writes an ed25519 private key to KEYFILE (mode 0600, never over an existing file) and its
//! public half to KEYFILE.pub, and prints the public key as the line to paste under
//! `[environments.ENV.approvers]` in the config: `NAME = "ed25519:…"`.
//!
//! Exit codes: 0 written; 2 nothing written (the file exists, a bad name).

use std::path::PathBuf;

use super::Exit;
use crate::Error;
use crate::plan::KeyFile;
use crate::plan::key::config_line;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The signer's name, as the config lists them (letters, digits, '.', '_', '-', '@').
    #[arg(long)]
    pub name: String,
    /// Where to write the private key; the public key goes beside it as KEYFILE.pub.
    #[arg(short = 'o', long = "output", value_name = "KEYFILE")]
    pub output: PathBuf,
}

pub fn run(args: &Args) -> Result<Exit, Error> {
    let key = KeyFile::generate(&args.name)?;
    let public = key.write_new(&args.output)?;
    eprintln!(
        "wrote the private key {} (yours alone: mode 0600) and the public key {}",
        args.output.display(),
        public.display()
    );
    eprintln!("add this line under [environments.ENV.approvers] in the config:");
    println!("{}", config_line(&key.name, &key.public()));
    Ok(Exit::AllGood)
}
