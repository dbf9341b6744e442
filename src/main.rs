//! The `payu-bulk` binary: parses the command line, runs one command, and turns its outcome
//! into an exit code. Everything else lives in the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use payu_bulk::cmd;

/// Pay people from a spreadsheet through PayU.
///
/// Reads CSV or XLSX payout sheets (PayU India direct transfers, Smart Send links, PayU
/// Europe payouts), checks every row offline, and writes a results file with each row's
/// status and error codes.
#[derive(Debug, Parser)]
#[command(name = "payu-bulk", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check every row of a sheet offline and write a results file.
    Validate(cmd::validate::Args),
    /// Validate a sheet, then pay its valid rows through PayU exactly once.
    Submit(Box<cmd::submit::Args>),
    /// Refresh the PENDING and UNKNOWN rows of a results file from PayU.
    Status(cmd::status::Args),
    /// Cancel the rows of a results file PayU has not paid yet (queued transfers, unclaimed links).
    Cancel(cmd::cancel::Args),
    /// Validate a sheet and write a plan of the exact rows to pay, for another person to approve.
    Plan(cmd::plan::Args),
    /// Approve a plan: show its totals, and sign it after a yes.
    Approve(cmd::approve::Args),
    /// Make a signing key for preparing and approving plans.
    Keygen(cmd::keygen::Args),
    /// Write a sheet of the rows of a results file that need another attempt.
    Retry(cmd::retry::Args),
    /// Check the credentials of every configured API.
    Auth(cmd::auth::Args),
    /// Write an empty sheet with the right headers for a kind.
    Template(cmd::template::Args),
    /// Run a local PayU on loopback: every API the tool uses, with test accounts and knobs.
    Sandbox(cmd::sandbox::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Validate(args) => cmd::validate::run(args),
        Command::Submit(args) => cmd::submit::run(args),
        Command::Status(args) => cmd::status::run(args),
        Command::Cancel(args) => cmd::cancel::run(args),
        Command::Plan(args) => cmd::plan::run(args),
        Command::Approve(args) => cmd::approve::run(args),
        Command::Keygen(args) => cmd::keygen::run(args),
        Command::Retry(args) => cmd::retry::run(args),
        Command::Auth(args) => cmd::auth::run(args),
        Command::Template(args) => cmd::template::run(args),
        Command::Sandbox(args) => cmd::sandbox::run(args),
    };
    match result {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
