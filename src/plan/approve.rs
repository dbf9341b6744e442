//! The second person's approval of a plan: the checks that refuse it (changed after signing,
//! expired, prepared with the same key), and the signature over its digest.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::{Body, KeyFile, PlanFile, Role};
use crate::Error;

/// What the approver is shown before signing.
pub struct Review<'a> {
    pub path: &'a Path,
    pub plan: &'a Body,
    pub digest: &'a str,
    /// The approver's name, from their key.
    pub approver: &'a str,
    /// Who signed the plan as its preparer, and who approved it so far.
    pub prepared: Vec<String>,
    pub approved: Vec<String>,
    /// This key approved the plan already: an approval counts once, nothing is added.
    pub already: bool,
}

/// How an approval ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approval {
    /// The signature was added; the plan now has this many approvals.
    Added { approvals: usize },
    /// This key had approved it already: the plan is unchanged.
    Already,
}

/// Approves the plan at `plan` with the key at `key`. `decide` sees the review and may refuse
/// (the command shows it and asks for a yes); when it returns `Ok` the signature is added and
/// the plan written back, unless this key approved it before.
pub fn approve(
    plan: &Path,
    key: &Path,
    decide: impl FnOnce(&Review) -> Result<(), Error>,
) -> Result<Approval, Error> {
    let key = KeyFile::load(key)?;
    let mut file = PlanFile::read(plan)?;
    let signers = file
        .verified()
        .map_err(|why| Error::format(plan, format!("{why}; not approved")))?;
    let expired = DateTime::parse_from_rfc3339(&file.plan.expires_at)
        .map(|t| Utc::now() >= t.with_timezone(&Utc))
        .unwrap_or(true);
    if expired {
        return Err(Error::format(
            plan,
            format!(
                "the plan expired at {}; not approved: the preparer makes a new one",
                file.plan.expires_at
            ),
        ));
    }
    let me = key.public();
    if signers
        .iter()
        .any(|s| s.role == Role::Preparer && s.key == me)
    {
        return Err(Error::format(
            plan,
            format!(
                "{} prepared this plan; another person must approve it",
                key.name
            ),
        ));
    }
    let names = |role: Role| -> Vec<String> {
        signers
            .iter()
            .filter(|s| s.role == role)
            .map(|s| s.name.clone())
            .collect()
    };
    let review = Review {
        path: plan,
        plan: &file.plan,
        digest: &file.digest,
        approver: &key.name,
        prepared: names(Role::Preparer),
        approved: names(Role::Approver),
        already: signers
            .iter()
            .any(|s| s.role == Role::Approver && s.key == me),
    };
    decide(&review)?;
    if review.already {
        return Ok(Approval::Already);
    }
    let approvals = review.approved.len() + 1;
    file.sign(Role::Approver, &key);
    file.write(plan)?;
    Ok(Approval::Added { approvals })
}
