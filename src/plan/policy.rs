//! What an environment asks of a plan (its `approvers`, `approvals_required`, `require_plan`
//! and `plan_ttl`), and the check `submit --plan` makes before anything is sent.
//!
//! A plan passes when: the sheet's bytes are the plan's; it is for this environment, kind
//! and merchant; it has not expired; every signature verifies and is by a key the config
//! lists under the same name; it has exactly one preparer's signature; the preparer did not
//! approve it; and at least `approvals_required` other listed keys approved it (a key that
//! signed twice counts once). Then every row the run would send must be one the plan holds,
//! with the same merchant, amount, currency and fingerprint.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{PlanFile, PublicKey, Role, Row, hash_file, key::check_name};
use crate::Error;
use crate::config::{Config, Env, Environment};
use crate::report::PlanNote;
use crate::rows::Kind;
use crate::sandbox;
use crate::session::env_name;
use crate::submit::plan::{Outgoing, Payer};

/// How long a plan stays good unless `plan_ttl` says.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 3600);

/// One environment's rules for plans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub env: Env,
    /// Who may sign plans: name and public key.
    pub approvers: Vec<(String, PublicKey)>,
    pub approvals_required: u32,
    pub require_plan: bool,
    pub ttl: Duration,
}

impl Policy {
    /// The rules of `env` from its section of the config (none: no approvers, one approval,
    /// no plan required, 24 hours). The error names the key that is wrong.
    pub fn of(env: Env, environment: Option<&Environment>) -> Result<Policy, String> {
        let section = format!("[environments.{}]", env_name(env));
        let mut policy = Policy {
            env,
            approvers: Vec::new(),
            approvals_required: 1,
            require_plan: false,
            ttl: DEFAULT_TTL,
        };
        let Some(e) = environment else {
            return Ok(policy);
        };
        for (name, key) in &e.approvers {
            check_name(name).map_err(|why| format!("{section} approvers: {why}"))?;
            let key = PublicKey::parse(key)
                .map_err(|why| format!("{section} approvers.{name}: {why}"))?;
            if let Some((other, _)) = policy.approvers.iter().find(|(_, k)| *k == key) {
                return Err(format!(
                    "{section} approvers: {other} and {name} have the same key; each person signs with their own"
                ));
            }
            policy.approvers.push((name.clone(), key));
        }
        if let Some(n) = e.approvals_required {
            if n == 0 {
                return Err(format!(
                    "{section} approvals_required = 0: a plan needs at least one approval (leave require_plan off to submit without plans)"
                ));
            }
            policy.approvals_required = n;
        }
        policy.require_plan = e.require_plan;
        if let Some(ttl) = &e.plan_ttl {
            policy.ttl = crate::session::parse_duration(ttl)
                .map_err(|why| format!("{section} plan_ttl: {why}"))?;
        }
        Ok(policy)
    }

    /// The rules of `env` in `config`, the file named in errors.
    pub fn from_config(
        config: Option<&Config>,
        path: Option<&Path>,
        env: Env,
    ) -> Result<Policy, Error> {
        let environment = config.and_then(|c| c.environments.get(&env));
        Policy::of(env, environment).map_err(|why| match path {
            Some(p) => Error::format(p, why),
            None => Error::Usage(why),
        })
    }

    fn listed(&self, key: &PublicKey) -> Option<&str> {
        self.approvers
            .iter()
            .find(|(_, k)| k == key)
            .map(|(n, _)| n.as_str())
    }
}

/// The accounts a run in `env` pays from, without reading any secret: the India payout
/// merchant id and the Europe shop for rows without a `shopId` (the sandbox's built-in ones,
/// or the config's, as `submit` connects).
pub fn accounts(env: Env, config: Option<&Config>) -> (String, Option<String>) {
    if env == Env::Sandbox {
        return (
            sandbox::INDIA_MERCHANT_ID.to_owned(),
            Some(sandbox::EUROPE_SHOP_ID.to_owned()),
        );
    }
    let e = config.and_then(|c| c.environments.get(&env));
    (
        e.and_then(|e| e.india.as_ref())
            .map(|i| i.merchant_id.clone())
            .unwrap_or_default(),
        e.and_then(|e| e.europe.as_ref()).map(|e| e.shop_id.clone()),
    )
}

/// The merchant a plan of `kind` names: the India merchant id, or the default shop.
pub fn merchant_of(kind: Kind, india_merchant: &str, default_shop: Option<&str>) -> String {
    match kind {
        Kind::Payout | Kind::SmartSend => india_merchant.to_owned(),
        Kind::GlobalPayout => default_shop.unwrap_or("").to_owned(),
    }
}

/// A plan that passed every check but the rows': what `submit` sends against.
#[derive(Debug, Clone)]
pub struct Approved {
    pub path: PathBuf,
    pub digest: String,
    /// The approvers' names as the config lists them, each once, in the plan's order.
    pub approvers: Vec<String>,
    pub kind: String,
    pub merchant: String,
    sha256: String,
    rows: HashMap<String, Row>,
    numbers: HashSet<u64>,
}

/// What `submit` checks before it connects: a plan where the environment requires one, and
/// the plan itself when one is given (`None`: a run without a plan, which may go on).
pub fn preflight(
    plan: Option<&Path>,
    sheet: &Path,
    config: Option<&Config>,
    config_path: Option<&Path>,
    env: Env,
    dry_run: bool,
) -> Result<Option<Approved>, Error> {
    let policy = Policy::from_config(config, config_path, env)?;
    match plan {
        Some(path) => Approved::check(path, sheet, &policy, Utc::now()).map(Some),
        None if policy.require_plan && !dry_run => Err(refuse(format!(
            "{env} requires an approved plan (require_plan = true in [environments.{env}]): run payu-bulk plan, have another person run payu-bulk approve, then submit --plan",
            env = env_name(env)
        ))),
        None => Ok(None),
    }
}

/// One sentence, and the assurance that matters.
fn refuse(why: impl std::fmt::Display) -> Error {
    Error::Usage(format!("{why}; nothing was sent"))
}

impl Approved {
    /// Checks the plan at `path` for a run of `sheet` in `policy`'s environment at `now`.
    pub fn check(
        path: &Path,
        sheet: &Path,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<Approved, Error> {
        let p = path.display();
        let plan = PlanFile::read(path).map_err(refuse)?;
        let body = &plan.plan;
        let env = env_name(policy.env);
        if body.environment != env {
            return Err(refuse(format!(
                "{p} is a plan for {}, and this run is in {env}",
                body.environment
            )));
        }
        let (sha, _) = hash_file(sheet)?;
        if sha != body.sheet.sha256 {
            return Err(refuse(format!(
                "{} is not the sheet {p} was made from (its SHA-256 differs): a changed sheet needs a new plan and new approvals",
                sheet.display()
            )));
        }
        let expires = DateTime::parse_from_rfc3339(&body.expires_at)
            .map_err(|_| {
                refuse(format!(
                    "{p}: expires_at '{}' is not a time",
                    body.expires_at
                ))
            })?
            .with_timezone(&Utc);
        if now >= expires {
            return Err(refuse(format!(
                "{p} expired at {}: make a new plan and have it approved again",
                body.expires_at
            )));
        }
        let signers = plan
            .verified()
            .map_err(|why| refuse(format!("{p}: {why}")))?;
        let section = format!("[environments.{env}.approvers]");
        if policy.approvers.is_empty() {
            return Err(refuse(format!(
                "no approvers are configured for {env}: list their keys under {section} in the --config file"
            )));
        }
        for s in &signers {
            match policy.listed(&s.key) {
                Some(name) if name == s.name => {}
                Some(name) => {
                    return Err(refuse(format!(
                        "{p}: the {} signature names '{}', but its key is {name}'s in {section}",
                        s.role.as_str(),
                        s.name
                    )));
                }
                None => {
                    return Err(refuse(format!(
                        "{p}: the {} signature of '{}' is by a key not listed in {section}",
                        s.role.as_str(),
                        s.name
                    )));
                }
            }
        }
        let preparers: Vec<_> = signers
            .iter()
            .filter(|s| s.role == Role::Preparer)
            .collect();
        let preparer = match preparers.as_slice() {
            [one] => *one,
            [] => {
                return Err(refuse(format!(
                    "{p} has no preparer's signature, so the preparer cannot be told from the approvers: make it with payu-bulk plan --key"
                )));
            }
            _ => {
                return Err(refuse(format!(
                    "{p} has more than one preparer's signature"
                )));
            }
        };
        let mut approvers = Vec::new();
        let mut keys = HashSet::new();
        for s in signers.iter().filter(|s| s.role == Role::Approver) {
            if s.key == preparer.key {
                return Err(refuse(format!(
                    "{p}: '{}' prepared this plan and approved it too; the approval must come from another person",
                    s.name
                )));
            }
            if keys.insert(s.key.to_bytes()) {
                approvers.push(s.name.clone());
            }
        }
        if (approvers.len() as u64) < u64::from(policy.approvals_required) {
            return Err(refuse(format!(
                "{p} has {} approval(s) and {env} requires {} (approvals_required)",
                approvers.len(),
                policy.approvals_required
            )));
        }
        let numbers = body.rows.iter().map(|r| r.row).collect();
        let rows = body
            .rows
            .iter()
            .map(|r| (r.reference.clone(), r.clone()))
            .collect();
        Ok(Approved {
            path: path.to_path_buf(),
            digest: plan.digest.clone(),
            approvers,
            kind: body.kind.clone(),
            merchant: body.merchant.clone(),
            sha256: sha,
            rows,
            numbers,
        })
    }

    /// The run's kind and merchant are the plan's.
    pub fn check_run(&self, kind: Kind, merchant: &str) -> Result<(), Error> {
        let p = self.path.display();
        if self.kind != kind.name() {
            return Err(refuse(format!(
                "{p} is a plan for a {} sheet, and this sheet is read as {kind}",
                self.kind
            )));
        }
        if self.merchant != merchant {
            return Err(refuse(format!(
                "{p} pays from merchant '{}', and this run pays from '{merchant}'",
                self.merchant
            )));
        }
        Ok(())
    }

    /// Once the sheet is read: it is still the plan's, of the plan's kind, and the run pays
    /// from the plan's merchant.
    pub fn check_loaded(&self, sheet: &Path, kind: Kind, payer: &Payer) -> Result<(), Error> {
        self.same_sheet(sheet)?;
        self.check_run(
            kind,
            &merchant_of(kind, payer.india_merchant, payer.default_shop),
        )
    }

    /// What the summary records of the plan.
    pub fn note(&self) -> PlanNote {
        PlanNote {
            digest: self.digest.clone(),
            approvers: self.approvers.clone(),
        }
    }

    /// The sheet still has the plan's bytes (it is hashed again once it has been read, so a
    /// file swapped in the meantime is caught).
    pub fn same_sheet(&self, sheet: &Path) -> Result<(), Error> {
        let (sha, _) = hash_file(sheet)?;
        if sha == self.sha256 {
            Ok(())
        } else {
            Err(refuse(format!(
                "{} changed while it was read",
                sheet.display()
            )))
        }
    }

    /// Whether sheet row `number` is one of the plan's.
    pub fn holds_row(&self, number: u64) -> bool {
        self.numbers.contains(&number)
    }

    /// Row `number` would be sent as `payment`: it must be the plan's, to the same money.
    pub fn admit(&self, number: u64, payment: &Outgoing) -> Result<(), Error> {
        let p = self.path.display();
        let Some(planned) = self.rows.get(&payment.reference) else {
            return Err(refuse(format!(
                "row {number} (reference '{}') is not in the approved plan {p}",
                payment.reference
            )));
        };
        if *planned != Row::of(planned.row, payment) || planned.row != number {
            return Err(refuse(format!(
                "row {number} (reference '{}') differs from the approved plan {p} in its amount, destination or merchant",
                payment.reference
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_section_no_one_approves_and_no_plan_is_required() {
        let p = Policy::of(Env::Sandbox, None).unwrap();
        assert!(p.approvers.is_empty());
        assert_eq!(p.approvals_required, 1);
        assert!(!p.require_plan);
        assert_eq!(p.ttl, DEFAULT_TTL);
    }

    #[test]
    fn a_plan_names_the_account_its_kind_pays_from() {
        assert_eq!(
            merchant_of(Kind::Payout, "1111123", Some("shop")),
            "1111123"
        );
        assert_eq!(merchant_of(Kind::SmartSend, "1111123", None), "1111123");
        assert_eq!(
            merchant_of(Kind::GlobalPayout, "1111123", Some("shop")),
            "shop"
        );
        assert_eq!(merchant_of(Kind::GlobalPayout, "1111123", None), "");
        let (india, shop) = accounts(Env::Sandbox, None);
        assert_eq!(india, sandbox::INDIA_MERCHANT_ID);
        assert_eq!(shop.as_deref(), Some(sandbox::EUROPE_SHOP_ID));
        assert_eq!(accounts(Env::Uat, None), (String::new(), None));
    }
}
