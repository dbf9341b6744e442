//! Approve a plan (architecture.md §7.3): the second person's signature over exactly the rows it pays.
//!
//! Shows the plan's totals per currency, its row count, the sheet's SHA-256 and who prepared
//! it, asks for a `yes` on the terminal (unless `--yes`), and adds the approver's signature
//! over the plan's digest. A plan that was changed after it was signed, has expired, or was
//! prepared with this same key is refused; a key that already approved it is not counted
//! twice (nothing is added).
//!
//! Exit codes: 0 approved (or already approved with this key); 2 not approved.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::Exit;
use crate::Error;
use crate::plan::{KeyFile, PlanFile, Role};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The plan to approve (from `payu-bulk plan`).
    pub plan: PathBuf,
    /// The approver's key (from `payu-bulk keygen`).
    #[arg(long, value_name = "KEYFILE")]
    pub key: PathBuf,
    /// Approve without asking (for a person who has checked the plan another way).
    #[arg(long)]
    pub yes: bool,
}

pub fn run(args: &Args) -> Result<Exit, Error> {
    let key = KeyFile::load(&args.key)?;
    let path = &args.plan;
    let mut plan = PlanFile::read(path)?;
    let signers = plan
        .verified()
        .map_err(|why| Error::format(path, format!("{why}; not approved")))?;
    let b = &plan.plan;
    let expired = DateTime::parse_from_rfc3339(&b.expires_at)
        .map(|t| Utc::now() >= t.with_timezone(&Utc))
        .unwrap_or(true);
    if expired {
        return Err(Error::format(
            path,
            format!(
                "the plan expired at {}; not approved: the preparer makes a new one",
                b.expires_at
            ),
        ));
    }
    let me = key.public();
    let names = |role: Role| -> Vec<&str> {
        signers
            .iter()
            .filter(|s| s.role == role)
            .map(|s| s.name.as_str())
            .collect()
    };
    if signers
        .iter()
        .any(|s| s.role == Role::Preparer && s.key == me)
    {
        return Err(Error::format(
            path,
            format!(
                "{} prepared this plan; another person must approve it",
                key.name
            ),
        ));
    }

    eprintln!(
        "plan {}: {} rows of a {} sheet to pay in {} from merchant '{}'",
        path.display(),
        b.count,
        b.kind,
        b.environment,
        b.merchant
    );
    eprintln!("  totals:   {}", b.totals_line());
    if b.skipped_invalid > 0 {
        eprintln!(
            "  left out: {} invalid row(s) of the sheet",
            b.skipped_invalid
        );
    }
    eprintln!(
        "  sheet:    {} ({} bytes), SHA-256 {}",
        b.sheet.file, b.sheet.bytes, b.sheet.sha256
    );
    let prepared = names(Role::Preparer);
    eprintln!(
        "  prepared: {} at {}; expires at {}",
        if prepared.is_empty() {
            "(unsigned)".to_owned()
        } else {
            prepared.join(", ")
        },
        b.created_at,
        b.expires_at
    );
    let approved = names(Role::Approver);
    if !approved.is_empty() {
        eprintln!("  approved: {}", approved.join(", "));
    }
    eprintln!("  digest:   {}", plan.digest);

    if signers
        .iter()
        .any(|s| s.role == Role::Approver && s.key == me)
    {
        eprintln!(
            "{} already approved this plan with this key: nothing changed (an approval counts once)",
            key.name
        );
        return Ok(Exit::AllGood);
    }
    if !args.yes {
        crate::session::confirm(
            "approve a plan",
            &format!("to approve as {}", key.name),
            "not approved: the plan is unchanged",
        )?;
    }
    plan.sign(Role::Approver, &key);
    plan.write(path)?;
    eprintln!(
        "approved as {}: {} now has {} approval(s)",
        key.name,
        path.display(),
        approved.len() + 1
    );
    Ok(Exit::AllGood)
}
