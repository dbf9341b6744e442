//! Prepare an approved plan (architecture.md §7.3): the exact rows a run may pay, for another person to
//! approve with `payu-bulk approve` before `payu-bulk submit --plan` sends them.
//!
//! Validates the sheet as `validate` does and writes its results file. If any row is invalid
//! no plan is written, unless `--skip-invalid` (the plan then holds the valid rows, and says
//! how many it left out). The plan (JSON, see [`crate::plan`]) holds the sheet's SHA-256, the
//! kind, environment and merchant, each row's reference, amount and money fingerprint, the
//! totals per currency, when it was made and when it expires (`plan_ttl`, default 24 hours),
//! and, with `--key`, the preparer's signature, which `submit` needs to tell the preparer
//! from the approvers. Nothing is sent anywhere and no secret is read.
//!
//! Exit codes: 0 plan written, every row valid; 1 some rows invalid (plan written only with
//! --skip-invalid); 2 nothing could be done.

use std::path::PathBuf;

use super::Exit;
use crate::Error;
use crate::config::Env;
use crate::plan::{Preparation, Prepared};
use crate::rows::Kind;
use crate::sheet::ReadOptions;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The sheet to plan: a .csv or .xlsx file.
    pub sheet: PathBuf,
    /// Where to write the plan (default: beside the sheet, as `<name>.plan.json`).
    #[arg(short = 'o', long = "output", value_name = "PLAN")]
    pub output: Option<PathBuf>,
    /// The preparer's key (from `payu-bulk keygen`): the plan is signed as prepared by them.
    #[arg(long, value_name = "KEYFILE")]
    pub key: Option<PathBuf>,
    /// The sheet's kind, when the headers do not make it clear.
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,
    /// The worksheet to read from an XLSX file (default: the first visible one).
    #[arg(long = "sheet", value_name = "NAME")]
    pub sheet_name: Option<String>,
    /// The encoding of a CSV file without a byte-order mark (default: UTF-8).
    #[arg(long, value_name = "LABEL")]
    pub encoding: Option<String>,
    /// The environment the plan is for (default: the config's `env`, else sandbox).
    #[arg(long, value_enum)]
    pub env: Option<Env>,
    /// A TOML file with environments, merchant ids and plan settings (`plan_ttl`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where to write the validation results (default: beside the sheet, as
    /// `<name>.results.<ext>`).
    #[arg(long, value_name = "RESULTS")]
    pub results: Option<PathBuf>,
    /// Plan the valid rows even if some rows are invalid.
    #[arg(long)]
    pub skip_invalid: bool,
}

pub fn run(args: &Args) -> Result<Exit, Error> {
    let prepared = crate::plan::prepare(&Preparation {
        sheet: args.sheet.clone(),
        output: args.output.clone(),
        key: args.key.clone(),
        kind: args.kind,
        read: ReadOptions {
            sheet: args.sheet_name.clone(),
            encoding: args.encoding.clone(),
        },
        env: args.env,
        config: args.config.clone(),
        results: args.results.clone(),
        skip_invalid: args.skip_invalid,
    })?;
    let (summary, path, plan, preparer, invalid) = match prepared {
        Prepared::Refused { summary, .. } => {
            eprint!("{}", summary.render());
            return Ok(Exit::SomeRowsBad);
        }
        Prepared::Empty { summary, why } => {
            eprint!("{}", summary.render());
            return Err(why);
        }
        Prepared::Written {
            summary,
            path,
            plan,
            preparer,
            invalid,
        } => (summary, path, plan, preparer, invalid),
    };
    eprint!("{}", summary.render());
    let b = &plan.plan;
    eprintln!(
        "plan: {} — {} rows to pay in {} (merchant '{}'): {}",
        path.display(),
        b.count,
        b.environment,
        b.merchant,
        b.totals_line()
    );
    eprintln!("digest {}; expires at {}", plan.digest, b.expires_at);
    match preparer {
        Some(name) => eprintln!(
            "prepared by {name}; next, another person approves it: payu-bulk approve {} --key THEIR-KEYFILE",
            path.display()
        ),
        None => eprintln!(
            "note: the plan is not signed by its preparer, and submit --plan needs that signature: run plan again with --key"
        ),
    }
    Ok(if invalid > 0 {
        Exit::SomeRowsBad
    } else {
        Exit::AllGood
    })
}
