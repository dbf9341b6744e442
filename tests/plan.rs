//! Two-person approval through the binary (architecture.md §7.3): `keygen`, `plan`, `approve` and
//! `submit --plan` against a sandbox on a port the OS chose. The sandbox's ledger is the
//! proof: a plan that passes pays exactly its rows, and every refusal sends nothing.

mod common;

use std::collections::BTreeSet;
use std::process::Output;

use common::{Sandbox, Workdir, code, stderr};
use payu_bulk::plan::{Body, KeyFile, PlanFile, Role, digest};
use serde_json::Value;

const HEADER: &str =
    "Reference,Payment Mode,Account No,IFSC Code,Beneficiary Name,Amount,Purpose\n";

/// `n` valid payout rows `P-000`… with amounts 100.50, 101.50, …
fn sheet(n: usize) -> String {
    let mut s = HEADER.to_owned();
    for i in 0..n {
        s.push_str(&format!(
            "P-{i:03},IMPS,50100234567891,HDFC0000001,Asha Verma,{}.50,Salary November\n",
            100 + i
        ));
    }
    s
}

/// A folder with the keys of asha (preparer) and ravi (approver), a config listing both for
/// the sandbox, and `pay.csv`.
struct Team {
    w: Workdir,
    sb: Sandbox,
}

impl Team {
    fn new(rows: &str) -> Team {
        let w = Workdir::new();
        for name in ["asha", "ravi"] {
            let o = w.run(&["keygen", "--name", name, "-o", &format!("{name}.key")]);
            assert_eq!(code(&o), 0, "{}", stderr(&o));
        }
        let t = Team {
            w,
            sb: Sandbox::start(&[]),
        };
        t.config(1, &["asha", "ravi"], "");
        t.w.write("pay.csv", rows);
        t
    }

    /// `cfg.toml`: the sandbox with `required` approvals by `approvers`, and `extra` lines.
    fn config(&self, required: u32, approvers: &[&str], extra: &str) {
        let mut text = format!(
            "[environments.sandbox]\napprovals_required = {required}\n{extra}\n[environments.sandbox.approvers]\n"
        );
        for name in approvers {
            text.push_str(
                &std::fs::read_to_string(self.w.path(&format!("{name}.key.pub"))).unwrap(),
            );
        }
        self.w.write("cfg.toml", text);
    }

    fn run(&self, args: &[&str]) -> Output {
        self.w.run(args)
    }

    /// `plan pay.csv` for the sandbox, signed by asha.
    fn plan(&self) {
        let o = self.run(&[
            "plan", "pay.csv", "--key", "asha.key", "--config", "cfg.toml",
        ]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }

    fn approve(&self, key: &str) -> Output {
        self.run(&["approve", "pay.plan.json", "--key", key, "--yes"])
    }

    /// `plan` by asha, approved by ravi.
    fn approved(&self) {
        self.plan();
        let o = self.approve("ravi.key");
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }

    fn submit(&self, extra: &[&str]) -> Output {
        let mut args = vec![
            "submit",
            "pay.csv",
            "--base-url",
            &self.sb.url,
            "--journal",
            "journal.sqlite",
            "--config",
            "cfg.toml",
            "--quiet",
            "--wait",
            "0",
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn ledger_refs(&self) -> BTreeSet<String> {
        self.sb
            .ledger()
            .iter()
            .map(|e| e["reference"].as_str().unwrap().to_owned())
            .collect()
    }

    /// `submit --plan pay.plan.json` is refused before anything is sent, saying `why`.
    fn refused(&self, why: &str) {
        let o = self.submit(&["--plan", "pay.plan.json"]);
        let err = stderr(&o);
        assert_eq!(code(&o), 2, "{err}");
        assert!(err.contains(why), "expected '{why}' in: {err}");
        assert!(err.contains("nothing was sent"), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
        assert!(self.sb.ledger().is_empty(), "nothing reached PayU");
    }

    fn read_plan(&self) -> PlanFile {
        serde_json::from_str(&std::fs::read_to_string(self.w.path("pay.plan.json")).unwrap())
            .unwrap()
    }

    fn write_plan(&self, plan: &PlanFile) {
        plan.write(&self.w.path("pay.plan.json")).unwrap();
    }

    /// Changes the plan's body as `edit` says, and signs it afresh with `signers`' keys: a plan
    /// whose signatures all verify, which only the other checks can refuse.
    fn resign(&self, edit: impl FnOnce(&mut Body), signers: &[(Role, &str)]) {
        let mut p = self.read_plan();
        edit(&mut p.plan);
        p.plan.tally().unwrap();
        p.digest = digest(&p.plan);
        p.signatures.clear();
        for (role, key) in signers {
            p.sign(*role, &KeyFile::load(&self.w.path(key)).unwrap());
        }
        self.write_plan(&p);
    }
}

const SIGNED: &[(Role, &str)] = &[(Role::Preparer, "asha.key"), (Role::Approver, "ravi.key")];

#[test]
fn the_whole_path_pays_exactly_the_planned_rows() {
    let mut rows = sheet(3);
    // Row 5: an IFSC that cannot be; the plan leaves it out.
    rows.push_str("P-BAD,IMPS,50100234567891,HDFC000001,Asha Verma,5.00,Salary November\n");
    let t = Team::new(&rows);

    let o = t.run(&[
        "plan", "pay.csv", "--key", "asha.key", "--config", "cfg.toml",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("no plan written"), "{}", stderr(&o));
    assert!(!t.w.path("pay.plan.json").exists());
    assert!(
        t.w.path("pay.results.csv").exists(),
        "the results say which row"
    );

    let o = t.run(&[
        "plan",
        "pay.csv",
        "--key",
        "asha.key",
        "--config",
        "cfg.toml",
        "--skip-invalid",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let plan = t.read_plan();
    assert_eq!(plan.plan.count, 3);
    assert_eq!(plan.plan.skipped_invalid, 1);
    assert_eq!(plan.plan.totals[0].currency, "INR");
    assert_eq!(plan.plan.totals[0].amount, "304.50");
    assert_eq!(plan.plan.sheet.file, "pay.csv");

    let o = t.approve("ravi.key");
    let err = stderr(&o);
    assert_eq!(code(&o), 0, "{err}");
    assert!(
        err.contains("INR 304.50 (3 rows)") && err.contains(&plan.plan.sheet.sha256),
        "{err}"
    );

    let o = t.submit(&["--plan", "pay.plan.json", "--summary-json", "summary.json"]);
    let err = stderr(&o);
    // The row the plan left out is INVALID in the results, so the run reports some rows bad.
    assert_eq!(code(&o), 1, "{err}");
    let planned: BTreeSet<String> = ["P-000", "P-001", "P-002"].map(String::from).into();
    assert_eq!(t.ledger_refs(), planned);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(t.w.path("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["plan"]["digest"], plan.digest);
    assert_eq!(summary["plan"]["approvers"], serde_json::json!(["ravi"]));
    assert!(
        err.contains(&format!("plan: {}, approved by ravi", plan.digest)),
        "{err}"
    );
}

#[test]
fn a_sheet_with_one_amount_changed_after_approval_is_refused() {
    let t = Team::new(&sheet(3));
    t.approved();
    t.w.write("pay.csv", sheet(3).replace("101.50", "10100.50"));
    t.refused("is not the sheet pay.plan.json was made from");
}

#[test]
fn an_expired_plan_is_refused() {
    let t = Team::new(&sheet(2));
    t.approved();
    t.resign(
        |b| {
            b.created_at = "2026-01-01T00:00:00Z".into();
            b.expires_at = "2026-01-02T00:00:00Z".into();
        },
        SIGNED,
    );
    t.refused("expired at 2026-01-02T00:00:00Z");
    // approve refuses it too.
    let o = t.approve("ravi.key");
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("expired"), "{}", stderr(&o));
}

#[test]
fn a_plan_ttl_of_zero_expires_at_once() {
    let t = Team::new(&sheet(1));
    t.config(1, &["asha", "ravi"], "plan_ttl = \"0s\"");
    t.plan();
    let p = t.read_plan();
    assert_eq!(p.plan.created_at, p.plan.expires_at);
    let o = t.approve("ravi.key");
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}

#[test]
fn fewer_approvals_than_required_are_refused() {
    let t = Team::new(&sheet(2));
    t.approved();
    t.config(2, &["asha", "ravi"], "");
    t.refused("has 1 approval(s) and sandbox requires 2");
}

#[test]
fn the_same_key_approving_twice_counts_once() {
    let t = Team::new(&sheet(2));
    t.config(2, &["asha", "ravi"], "");
    t.approved();
    let o = t.approve("ravi.key");
    assert_eq!(code(&o), 0);
    assert!(stderr(&o).contains("already approved"), "{}", stderr(&o));
    assert_eq!(t.read_plan().signatures.len(), 2, "nothing added");
    // The same signature pasted in twice by hand verifies twice, and still counts once.
    let mut p = t.read_plan();
    let again = p.signatures[1].clone();
    p.signatures.push(again);
    t.write_plan(&p);
    t.refused("has 1 approval(s) and sandbox requires 2");
}

#[test]
fn a_signature_copied_onto_another_plan_does_not_verify() {
    let t = Team::new(&sheet(2));
    t.approved();
    let approval = t.read_plan().signatures[1].clone();
    // Another sheet, planned by asha, never approved: ravi's approval of the first pasted in.
    t.w.write("pay.csv", sheet(3));
    t.plan();
    let mut p = t.read_plan();
    p.signatures.push(approval);
    t.write_plan(&p);
    t.refused("the approver signature of 'ravi' does not verify");
}

#[test]
fn a_tampered_signature_or_plan_is_refused() {
    let t = Team::new(&sheet(2));
    t.approved();
    let good = t.read_plan();
    let mut p = good.clone();
    let sig = &mut p.signatures[1].signature;
    *sig = format!(
        "{}{}",
        if sig.starts_with('A') { "B" } else { "A" },
        &sig[1..]
    );
    t.write_plan(&p);
    t.refused("does not verify");
    // An amount edited in the plan itself, signatures left as they were.
    let text = serde_json::to_string_pretty(&good).unwrap();
    std::fs::write(
        t.w.path("pay.plan.json"),
        text.replace("\"100.50\"", "\"1.50\""),
    )
    .unwrap();
    t.refused("does not match its digest");
}

#[test]
fn an_approval_by_a_key_not_in_approvers_is_refused() {
    let t = Team::new(&sheet(2));
    let o = t.run(&["keygen", "--name", "mallory", "-o", "mallory.key"]);
    assert_eq!(code(&o), 0);
    t.plan();
    let o = t.approve("mallory.key");
    assert_eq!(code(&o), 0, "approve works offline: {}", stderr(&o));
    t.refused("the approver signature of 'mallory' is by a key not listed in [environments.sandbox.approvers]");
    // A listed name on an unlisted key is no better.
    t.resign(|_| {}, &[(Role::Preparer, "asha.key")]);
    let mut p = t.read_plan();
    let key = KeyFile::load(&t.w.path("mallory.key")).unwrap();
    p.sign(Role::Approver, &key);
    p.signatures[1].name = "ravi".into();
    t.write_plan(&p);
    t.refused("is by a key not listed");
}

#[test]
fn the_preparer_approving_their_own_plan_is_refused() {
    let t = Team::new(&sheet(2));
    t.plan();
    let o = t.approve("asha.key");
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("asha prepared this plan"),
        "{}",
        stderr(&o)
    );
    // Signed so by hand, submit refuses it.
    t.resign(
        |_| {},
        &[(Role::Preparer, "asha.key"), (Role::Approver, "asha.key")],
    );
    t.refused("'asha' prepared this plan and approved it too");
}

#[test]
fn a_plan_without_the_preparers_signature_is_refused() {
    let t = Team::new(&sheet(2));
    let o = t.run(&["plan", "pay.csv", "--config", "cfg.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("not signed by its preparer"));
    assert_eq!(code(&t.approve("ravi.key")), 0);
    t.refused("has no preparer's signature");
}

#[test]
fn a_plan_for_another_environment_is_refused() {
    let t = Team::new(&sheet(2));
    let mut cfg = std::fs::read_to_string(t.w.path("cfg.toml")).unwrap();
    cfg.push_str("[environments.uat.india]\nmerchant_id = \"1111123\"\n");
    t.w.write("cfg.toml", cfg);
    let o = t.run(&[
        "plan", "pay.csv", "--key", "asha.key", "--env", "uat", "--config", "cfg.toml",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(code(&t.approve("ravi.key")), 0);
    t.refused("is a plan for uat, and this run is in sandbox");
}

#[test]
fn a_plan_needs_the_account_it_pays_from() {
    let t = Team::new(&sheet(1));
    let o = t.run(&["plan", "pay.csv", "--env", "uat", "--config", "cfg.toml"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("set [environments.uat.india] merchant_id"),
        "{}",
        stderr(&o)
    );
    assert!(!t.w.path("pay.plan.json").exists());
}

#[test]
fn a_global_payout_plan_pays_exactly_its_rows() {
    let mut rows =
        "extPayoutId;amount;currency;description;account.accountNumber;customerAddress.name\n"
            .to_owned();
    for i in 0..3 {
        rows.push_str(&format!(
            "EU-{i};{}.25;PLN;Wynagrodzenie;61109010140000071219812874;Jan Kowalski\n",
            10 + i
        ));
    }
    let t = Team::new(&rows);
    t.approved();
    let p = t.read_plan();
    assert_eq!(p.plan.kind, "global-payout");
    assert_eq!(p.plan.totals[0].amount, "33.75");
    let o = t.submit(&["--plan", "pay.plan.json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let paid: BTreeSet<String> = ["EU-0", "EU-1", "EU-2"].map(String::from).into();
    assert_eq!(t.ledger_refs(), paid);
}

#[test]
fn a_plan_for_another_merchant_is_refused() {
    let t = Team::new(&sheet(2));
    t.approved();
    t.resign(|b| b.merchant = "999".into(), SIGNED);
    t.refused("pays from merchant '999', and this run pays from '1111123'");
}

#[test]
fn a_row_the_plan_does_not_hold_is_never_sent() {
    let t = Team::new(&sheet(3));
    t.approved();
    t.resign(|b| b.rows.retain(|r| r.reference != "P-001"), SIGNED);
    t.refused("row 3 (reference 'P-001') is not in the approved plan");
}

#[test]
fn a_row_whose_money_differs_from_the_plan_is_never_sent() {
    let t = Team::new(&sheet(3));
    t.approved();
    t.resign(|b| b.rows[2].fingerprint = "0".repeat(32), SIGNED);
    t.refused("row 4 (reference 'P-002') differs from the approved plan");
    // The amount the approver was shown, made smaller than the sheet's: refused as well.
    t.approved();
    t.resign(|b| b.rows[0].amount = Some("1.50".into()), SIGNED);
    t.refused("row 2 (reference 'P-000') differs from the approved plan");
}

#[test]
fn require_plan_refuses_a_submit_without_one() {
    let t = Team::new(&sheet(2));
    t.config(1, &["asha", "ravi"], "require_plan = true");
    let o = t.submit(&[]);
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(
        err.contains("sandbox requires an approved plan") && err.contains("nothing was sent"),
        "{err}"
    );
    assert!(t.sb.ledger().is_empty());
    // A dry run sends nothing anyway, so it needs no plan.
    assert_eq!(code(&t.submit(&["--dry-run"])), 0);
    // With an approved plan, the rows go.
    t.approved();
    let o = t.submit(&["--plan", "pay.plan.json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(t.ledger_refs().len(), 2);
}

#[test]
fn a_plan_needs_approvers_from_a_config_even_on_the_sandbox() {
    let t = Team::new(&sheet(2));
    t.approved();
    let o = t.run(&[
        "submit",
        "pay.csv",
        "--base-url",
        &t.sb.url,
        "--journal",
        "journal.sqlite",
        "--quiet",
        "--plan",
        "pay.plan.json",
    ]);
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(
        err.contains("no approvers are configured for sandbox")
            && err.contains("[environments.sandbox.approvers]"),
        "{err}"
    );
    assert!(t.sb.ledger().is_empty());
}

#[test]
fn approve_without_a_terminal_asks_for_yes() {
    let t = Team::new(&sheet(2));
    t.plan();
    let before = std::fs::read(t.w.path("pay.plan.json")).unwrap();
    let o = t.run(&["approve", "pay.plan.json", "--key", "ravi.key"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("pass --yes"), "{}", stderr(&o));
    assert_eq!(std::fs::read(t.w.path("pay.plan.json")).unwrap(), before);
}

#[test]
fn keygen_makes_a_private_file_and_never_overwrites_one() {
    let w = Workdir::new();
    let o = w.run(&["keygen", "--name", "asha.k@corp.example", "-o", "asha.key"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let line = String::from_utf8(o.stdout).unwrap();
    let public = std::fs::read_to_string(w.path("asha.key.pub")).unwrap();
    assert_eq!(line, public);
    assert!(
        line.starts_with("\"asha.k@corp.example\" = \"ed25519:"),
        "{line}"
    );
    let table: toml::Table = toml::from_str(&line).unwrap();
    assert!(table.contains_key("asha.k@corp.example"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(w.path("asha.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let before = std::fs::read(w.path("asha.key")).unwrap();
    let o = w.run(&["keygen", "--name", "asha", "-o", "asha.key"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(std::fs::read(w.path("asha.key")).unwrap(), before);
    assert_eq!(
        std::fs::read_to_string(w.path("asha.key.pub")).unwrap(),
        public
    );
    // Its public file there alone is enough to refuse.
    std::fs::remove_file(w.path("asha.key")).unwrap();
    let o = w.run(&["keygen", "--name", "asha", "-o", "asha.key"]);
    assert_eq!(code(&o), 2);
    assert!(!w.path("asha.key").exists());
    let o = w.run(&["keygen", "--name", "a b", "-o", "x.key"]);
    assert_eq!(code(&o), 2);
}
