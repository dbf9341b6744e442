//! Preparing a plan (`plan`): the sheet validated as `validate` checks it, its results file
//! written, and, when its rows allow, the plan of the exact rows to pay, signed by its
//! preparer. Nothing is sent anywhere and no secret is read.

use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};

use super::policy::{accounts, merchant_of};
use super::{Body, FORMAT, KeyFile, PlanFile, Policy, Role, Row, SheetRef, hash_file};
use crate::Error;
use crate::config::Env;
use crate::report::{ResultsWriter, Status, Summary, csv_style, results_path};
use crate::rows::Kind;
use crate::session::{self, Where, env_name};
use crate::sheet::{ReadOptions, sibling_path};
use crate::submit::plan::{Payer, outgoing};
use crate::validate::{Loaded, Rules};

/// What a `plan` is asked to do, as typed values.
#[derive(Debug, Clone)]
pub struct Preparation {
    /// The sheet to plan.
    pub sheet: PathBuf,
    /// Where the plan goes (default: beside the sheet, as `<name>.plan.json`).
    pub output: Option<PathBuf>,
    /// The preparer's key: the plan is signed as prepared by them.
    pub key: Option<PathBuf>,
    pub kind: Option<Kind>,
    pub read: ReadOptions,
    /// The environment and the config (no base URL: nothing is asked of PayU).
    pub env: Option<Env>,
    pub config: Option<PathBuf>,
    /// Where the validation results go (default: beside the sheet).
    pub results: Option<PathBuf>,
    /// Plan the valid rows even if some rows are invalid.
    pub skip_invalid: bool,
}

/// What a `plan` did: the results file is written in every case.
#[derive(Debug)]
pub enum Prepared {
    /// Some rows are invalid and `skip_invalid` was not given: no plan was written.
    Refused { summary: Summary, invalid: u64 },
    /// No row is valid: there was nothing to plan (`why` says so, naming the sheet).
    Empty { summary: Summary, why: Error },
    /// The plan is written.
    Written {
        summary: Summary,
        path: PathBuf,
        plan: Box<PlanFile>,
        /// The preparer's name, when the plan is signed.
        preparer: Option<String>,
        invalid: u64,
    },
}

/// Validates the sheet, writes its results file, and writes the plan when its rows allow.
pub fn prepare(job: &Preparation) -> Result<Prepared, Error> {
    let started = Utc::now();
    let at = Where {
        env: job.env,
        config: job.config.clone(),
        base_url: None,
    };
    let config = session::load_config(&at)?;
    let env = session::env_of(&at, config.as_ref());
    let policy = Policy::from_config(config.as_ref(), job.config.as_deref(), env)?;
    let key = job.key.as_deref().map(KeyFile::load).transpose()?;
    let (india_merchant, default_shop) = accounts(env, config.as_ref());

    let (sha256, bytes) = hash_file(&job.sheet)?;
    let rules = Rules {
        default_shop_id: default_shop.clone(),
        ..Rules::default()
    };
    let loaded = crate::validate::load(&job.sheet, &job.read, job.kind, rules)?;
    if hash_file(&job.sheet)?.0 != sha256 {
        return Err(Error::format(
            &job.sheet,
            "the sheet changed while it was read; plan it again once it is saved",
        ));
    }
    let plan_path = plan_path(job)?;
    let (out, format) = results_path(&job.sheet, loaded.sheet.format(), job.results.as_deref())?;
    let payer = Payer {
        india_merchant: &india_merchant,
        default_shop: default_shop.as_deref(),
        batch_id: "",
    };
    let (mut summary, rows) =
        write_results(&loaded, &payer, &job.sheet, &out, format, env, started)?;
    let invalid = summary.count(Status::Invalid);
    if invalid > 0 && !job.skip_invalid {
        summary.notes.push(format!(
            "no plan written: {invalid} row(s) are invalid; fix them, or pass --skip-invalid to plan the valid rows only"
        ));
        return Ok(Prepared::Refused { summary, invalid });
    }
    let kind = loaded.map.kind;
    if let Some(r) = rows.iter().find(|r| r.merchant.is_empty()) {
        return Err(no_account(kind, env, r.row));
    }
    if rows.is_empty() {
        let why = Error::format(&job.sheet, "no row is valid: there is nothing to plan");
        return Ok(Prepared::Empty { summary, why });
    }
    let sheet = SheetRef {
        file: (job.sheet.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        bytes,
        sha256,
    };
    let merchant = merchant_of(kind, &india_merchant, default_shop.as_deref());
    let times = times(started, &policy)?;
    let body = body(sheet, kind, env, merchant, times, invalid, rows);
    let mut plan = PlanFile::new(body).map_err(|why| Error::format(&job.sheet, why))?;
    if let Some(key) = &key {
        plan.sign(Role::Preparer, key);
    }
    plan.write(&plan_path)?;
    Ok(Prepared::Written {
        summary,
        path: plan_path,
        plan: Box::new(plan),
        preparer: key.map(|k| k.name),
        invalid,
    })
}

/// Where the plan goes: `output`, else beside the sheet as `<name>.plan.json`; never over
/// the sheet itself.
fn plan_path(job: &Preparation) -> Result<PathBuf, Error> {
    let path = job
        .output
        .clone()
        .unwrap_or_else(|| sibling_path(&job.sheet, "plan", "json"));
    if let (Ok(a), Ok(b)) = (path.canonicalize(), job.sheet.canonicalize())
        && a == b
    {
        return Err(Error::Usage(format!(
            "{}: the plan would overwrite the sheet itself; choose another path with -o",
            path.display()
        )));
    }
    Ok(path)
}

/// The refusal of a plan whose row `row` pays from no account: the environment names none
/// for the kind.
fn no_account(kind: Kind, env: Env, row: u64) -> Error {
    let (account, key) = match kind {
        Kind::GlobalPayout => ("a PayU Europe shop", "europe] shop_id"),
        _ => ("a PayU India payout merchant", "india] merchant_id"),
    };
    Error::Usage(format!(
        "row {row} pays from no account: {} has no {account}; set [environments.{}.{key} in the --config file",
        env_name(env),
        env_name(env)
    ))
}

/// Writes every row's validation result, and returns the summary with the plan's row of
/// each valid one.
fn write_results(
    loaded: &Loaded,
    payer: &Payer,
    sheet: &Path,
    out: &Path,
    format: crate::sheet::Format,
    env: Env,
    started: DateTime<Utc>,
) -> Result<(Summary, Vec<Row>), Error> {
    let mut summary = Summary::new(loaded.map.kind, sheet, out, started);
    summary.unknown_columns = loaded.map.unknown.clone();
    let mut writer = ResultsWriter::create(out, format, &loaded.map, csv_style(&loaded.sheet))?;
    let mut rows = Vec::new();
    for ((raw, verdict), payment) in loaded
        .rows
        .iter()
        .zip(&loaded.verdicts)
        .zip(&loaded.payments)
    {
        let result = crate::validate::checked(verdict);
        if let Some(payment) = payment {
            rows.push(Row::of(raw.number, &outgoing(payment, payer)));
        }
        summary.add(result.status, verdict.amount);
        writer.write_row(raw, &result)?;
    }
    summary.finished_at = Utc::now();
    writer.finish(&crate::report::RunFacts {
        summary: &summary,
        environment: Some(env_name(env)),
        requests: crate::report::Requests::default(),
    })?;
    Ok((summary, rows))
}

/// When the plan is made and when it expires (`plan_ttl` later), as RFC 3339 in whole
/// seconds.
fn times(started: DateTime<Utc>, policy: &Policy) -> Result<(String, String), Error> {
    let ttl = chrono::Duration::from_std(policy.ttl).ok();
    let expires = ttl
        .and_then(|t| started.checked_add_signed(t))
        .ok_or_else(|| Error::Usage("plan_ttl is too long".into()))?;
    let stamp = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    Ok((stamp(started), stamp(expires)))
}

/// The plan's body: the sheet, the run it is for, when it expires, and its rows (counted and
/// totalled by [`PlanFile::new`]).
fn body(
    sheet: SheetRef,
    kind: Kind,
    env: Env,
    merchant: String,
    (created_at, expires_at): (String, String),
    invalid: u64,
    rows: Vec<Row>,
) -> Body {
    Body {
        format: FORMAT.to_owned(),
        sheet,
        kind: kind.name().to_owned(),
        environment: env_name(env).to_owned(),
        merchant,
        created_at,
        expires_at,
        count: 0,
        skipped_invalid: invalid,
        totals: Vec::new(),
        rows,
    }
}
