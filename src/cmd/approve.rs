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

use super::Exit;
use crate::Error;
use crate::plan::{Approval, Review};

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
    let mut approver = String::new();
    let approval = crate::plan::approve(&args.plan, &args.key, |review| {
        approver = review.approver.to_owned();
        show(review);
        if review.already || args.yes {
            return Ok(());
        }
        crate::session::confirm(
            "approve a plan",
            &format!("to approve as {}", review.approver),
            "not approved: the plan is unchanged",
        )
    })?;
    match approval {
        Approval::Already => eprintln!(
            "{approver} already approved this plan with this key: nothing changed (an approval counts once)"
        ),
        Approval::Added { approvals } => eprintln!(
            "approved as {approver}: {} now has {approvals} approval(s)",
            args.plan.display()
        ),
    }
    Ok(Exit::AllGood)
}

/// The plan as the approver checks it: what it pays, from which sheet, who prepared it.
fn show(r: &Review) {
    let b = r.plan;
    eprintln!(
        "plan {}: {} rows of a {} sheet to pay in {} from merchant '{}'",
        r.path.display(),
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
    let prepared = if r.prepared.is_empty() {
        "(unsigned)".to_owned()
    } else {
        r.prepared.join(", ")
    };
    eprintln!(
        "  prepared: {prepared} at {}; expires at {}",
        b.created_at, b.expires_at
    );
    if !r.approved.is_empty() {
        eprintln!("  approved: {}", r.approved.join(", "));
    }
    eprintln!("  digest:   {}", r.digest);
}
