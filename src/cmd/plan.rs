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

use chrono::{SecondsFormat, Utc};

use super::Outcome;
use crate::Error;
use crate::config::Env;
use crate::plan::policy::{accounts, merchant_of};
use crate::plan::{Body, FORMAT, KeyFile, PlanFile, Policy, Role, Row, SheetRef, hash_file};
use crate::report::{ResultsWriter, RowResult, Status, Summary};
use crate::report::{csv_style, results_path};
use crate::rows::Kind;
use crate::session::{self, Where, env_name};
use crate::sheet::{ReadOptions, sibling_path};
use crate::submit::plan::{Target, payment};
use crate::validate::Rules;

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

pub fn run(args: &Args) -> Result<Outcome, Error> {
    let started = Utc::now();
    let at = Where {
        env: args.env,
        config: args.config.clone(),
        base_url: None,
    };
    let config = session::load_config(&at)?;
    let env = session::env_of(&at, config.as_ref());
    let policy = Policy::from_config(config.as_ref(), args.config.as_deref(), env)?;
    let key = args.key.as_deref().map(KeyFile::load).transpose()?;
    let (india_merchant, default_shop) = accounts(env, config.as_ref());

    let (sha256, bytes) = hash_file(&args.sheet)?;
    let opts = ReadOptions {
        sheet: args.sheet_name.clone(),
        encoding: args.encoding.clone(),
    };
    let rules = Rules {
        default_shop_id: default_shop.clone(),
        ..Rules::default()
    };
    let loaded = crate::validate::load(&args.sheet, &opts, args.kind, rules)?;
    if hash_file(&args.sheet)?.0 != sha256 {
        return Err(Error::format(
            &args.sheet,
            "the sheet changed while it was read; plan it again once it is saved",
        ));
    }
    let kind = loaded.map.kind;
    let plan_path = args
        .output
        .clone()
        .unwrap_or_else(|| sibling_path(&args.sheet, "plan", "json"));
    let (out, format) = results_path(&args.sheet, loaded.sheet.format(), args.results.as_deref())?;
    if let (Ok(a), Ok(b)) = (plan_path.canonicalize(), args.sheet.canonicalize())
        && a == b
    {
        return Err(Error::Usage(format!(
            "{}: the plan would overwrite the sheet itself; choose another path with -o",
            plan_path.display()
        )));
    }

    let mut summary = Summary::new(kind, &args.sheet, &out, started);
    summary.unknown_columns = loaded.map.unknown.clone();
    let mut writer = ResultsWriter::create(&out, format, &loaded.map, csv_style(&loaded.sheet))?;
    let target = Target {
        india_merchant: &india_merchant,
        default_shop: default_shop.as_deref(),
        batch_id: "",
    };
    let mut rows = Vec::new();
    for (raw, verdict) in loaded.rows.iter().zip(&loaded.verdicts) {
        let status = if verdict.is_valid() {
            rows.push(Row::of(
                raw.number,
                &payment(&loaded.map, raw, verdict.amount, &target),
            ));
            Status::Valid
        } else {
            Status::Invalid
        };
        summary.add(status, verdict.amount);
        writer.write_row(
            raw,
            &RowResult {
                status,
                codes: verdict.codes(),
                message: verdict.message(),
                reference: String::new(),
                link: String::new(),
                utr: String::new(),
            },
        )?;
    }
    summary.finished_at = Utc::now();
    writer.finish(&crate::report::RunFacts {
        summary: &summary,
        environment: Some(env_name(env)),
        requests: crate::report::Requests::default(),
    })?;
    let invalid = summary.count(Status::Invalid);
    if invalid > 0 && !args.skip_invalid {
        summary.notes.push(format!(
            "no plan written: {invalid} row(s) are invalid; fix them, or pass --skip-invalid to plan the valid rows only"
        ));
        eprint!("{}", summary.render());
        return Ok(Outcome::SomeRowsBad);
    }
    if let Some(r) = rows.iter().find(|r| r.merchant.is_empty()) {
        let (account, key) = match kind {
            Kind::GlobalPayout => ("a PayU Europe shop", "europe] shop_id"),
            _ => ("a PayU India payout merchant", "india] merchant_id"),
        };
        return Err(Error::Usage(format!(
            "row {} pays from no account: {} has no {account}; set [environments.{}.{key} in the --config file",
            r.row,
            env_name(env),
            env_name(env)
        )));
    }
    if rows.is_empty() {
        eprint!("{}", summary.render());
        return Err(Error::format(
            &args.sheet,
            "no row is valid: there is nothing to plan",
        ));
    }

    let ttl = chrono::Duration::from_std(policy.ttl).ok();
    let expires = ttl
        .and_then(|t| started.checked_add_signed(t))
        .ok_or_else(|| Error::Usage("plan_ttl is too long".into()))?;
    let stamp = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let body = Body {
        format: FORMAT.to_owned(),
        sheet: SheetRef {
            file: args
                .sheet
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            bytes,
            sha256,
        },
        kind: kind.name().to_owned(),
        environment: env_name(env).to_owned(),
        merchant: merchant_of(kind, &india_merchant, default_shop.as_deref()),
        created_at: stamp(started),
        expires_at: stamp(expires),
        count: 0,
        skipped_invalid: invalid,
        totals: Vec::new(),
        rows,
    };
    let mut plan = PlanFile::new(body).map_err(|why| Error::format(&args.sheet, why))?;
    if let Some(key) = &key {
        plan.sign(Role::Preparer, key);
    }
    plan.write(&plan_path)?;

    eprint!("{}", summary.render());
    let b = &plan.plan;
    eprintln!(
        "plan: {} — {} rows to pay in {} (merchant '{}'): {}",
        plan_path.display(),
        b.count,
        b.environment,
        b.merchant,
        b.totals_line()
    );
    eprintln!("digest {}; expires at {}", plan.digest, b.expires_at);
    match &key {
        Some(k) => eprintln!(
            "prepared by {}; next, another person approves it: payu-bulk approve {} --key THEIR-KEYFILE",
            k.name,
            plan_path.display()
        ),
        None => eprintln!(
            "note: the plan is not signed by its preparer, and submit --plan needs that signature: run plan again with --key"
        ),
    }
    Ok(if invalid > 0 {
        Outcome::SomeRowsBad
    } else {
        Outcome::AllGood
    })
}
